"""The spec cache (nlcodec/spec_cache.py): start-up reads the bundled specs
compiled, without construct or the spec modules, and what it reads is what
the spec modules define.

The reference is the spec modules themselves, imported fresh (the specs are
the one source of these facts); the cache must give back every family,
attribute and struct layout they define, and the same decoded messages.
"""

import importlib
import os
import shutil
import subprocess
import sys

import construct

import nlcodec
from nlcodec import registry, spec_cache
from nlcodec.spec import SubMessage
from nlcodec.structs import StructRef, compile_struct, layout_state, real_struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC_DIR = list(registry._specs_package().__path__)[0]
NAMES = spec_cache.module_names(SPEC_DIR)


def _modules():
    pkg = registry._specs_package().__name__
    return [importlib.import_module(f"{pkg}.{n}") for n in NAMES]


def _plain(x):
    """A spec object as plain data: structs by their compiled layout."""
    if isinstance(x, StructRef) or isinstance(x, construct.Construct):
        return ("struct", layout_state(compile_struct(x)))
    if isinstance(x, SubMessage):
        return ("submsg", x.attrs, _plain(x.header))
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "__slots__") or hasattr(x, "__dict__"):
        names = list(getattr(x, "__slots__", ())) or sorted(vars(x))
        return (type(x).__name__, {n: _plain(getattr(x, n)) for n in names
                                   if hasattr(x, n) and not n.startswith("_")})
    return x


def test_the_cache_gives_back_what_the_spec_modules_define(tmp_path):
    mods = _modules()
    data = spec_cache.dumps([(n, list(getattr(m, "FAMILIES", ()))) for n, m in zip(NAMES, mods)])
    got = spec_cache.loads(data)
    assert [n for n, _ in got] == NAMES
    for (name, fams), mod in zip(got, mods):
        real = getattr(mod, "FAMILIES", ())
        assert [f.name for f in fams] == [f.name for f in real], name
        for a, b in zip(fams, real):
            assert _plain(a) == _plain(b), f"{name}.{a.name}"


def test_a_cached_struct_is_the_real_one_when_asked():
    tc = registry.family("tc")
    a = tc.attrset("tca_stats_attrs").attr("basic")
    st = a.struct
    assert isinstance(real_struct(st), construct.Struct)
    assert st.sizeof() == 16                       # struct gnet_stats_basic (linux/gen_stats.h)
    real = importlib.import_module(registry._specs_package().__name__ + ".tc").gnet_stats_basic
    assert compile_struct(real) is compile_struct(st)


def test_an_edited_spec_is_read_again(tmp_path):
    d = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, d, ignore=shutil.ignore_patterns("__pycache__"))
    k = spec_cache.key(str(d), NAMES)
    with open(d / "psample.py", "a") as f:
        f.write("\n# edited\n")
    assert spec_cache.key(str(d), NAMES) != k
    assert spec_cache.load(str(d), NAMES) is None


def test_a_damaged_cache_is_ignored(tmp_path, monkeypatch):
    d = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, d, ignore=shutil.ignore_patterns("__pycache__"))
    path = spec_cache.save(str(d), NAMES, _modules())
    assert path and spec_cache.load(str(d), NAMES) is not None
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) - 1000)      # the key intact, the pickle cut
    assert spec_cache.load(str(d), NAMES) is None


def _run(code, **env):
    e = dict(os.environ, PYTHONPATH=ROOT, **env)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True,
                          check=True, timeout=120).stdout


LINK = ("import sys, nlcodec\n"
        "raw = bytes.fromhex('{hex}')\n"
        "print(nlcodec.decode(raw)[0].to_dict(names=True))\n"
        "print('construct' in sys.modules, sorted(m for m in sys.modules "
        "if m.startswith('nlcodec.specs.')))\n")


def test_start_up_reads_the_cache_not_construct():
    # an ifinfomsg link message with IFLA_IFNAME "lo" and IFLA_MTU 65536 (hand-made)
    raw = bytes.fromhex("30000000100000000100000000000000"
                        "00000403010000004900010000000000"
                        "070003006c6f00000800040000000100")
    code = LINK.format(hex=raw.hex())
    _run(code)                                   # makes the cache where there is none
    cached = _run(code).splitlines()
    plain = _run(code, NLCODEC_SPEC_CACHE="0").splitlines()
    assert cached[0] == plain[0] and "'ifname': 'lo'" in cached[0]
    assert cached[1] == "False []"               # no construct, no spec module
    assert plain[1].startswith("True")


def test_a_spec_module_imported_later_holds_the_registrys_objects():
    """The OVS text layer knows its sets by identity with specs/ovs.py's
    objects: after a start-up from the cache they are the registry's."""
    code = ("import sys, nlcodec\n"
            "from nlcodec import registry, spec_cache\n"
            "fam = registry.family('ovs_flow')\n"
            "m = spec_cache.spec_module('ovs')\n"
            "print(m.key_attrs is fam.attrset('key_attrs'), fam in m.FAMILIES,\n"
            "      registry.compiled(fam).sets['key_attrs'].spec is m.key_attrs)\n")
    _run(code)
    assert _run(code).split() == ["True", "True", "True"]
    assert _run(code, NLCODEC_SPEC_CACHE="0").split() == ["True", "True", "True"]
