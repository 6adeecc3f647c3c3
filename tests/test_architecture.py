"""The layers of nlcodec (docs/architecture.md) hold: every module imports
only from its own layer or the layers below it, and only the tools import the
``nlcodec`` package facade.  Read from the source with ast (imports inside
functions count too: a lazy import is still a dependency)."""

import ast
import os

import pytest

import nlcodec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the package imported: the checkout's, or the installed one when the sdist's
# tests run without the sources beside them (scripts/install-check.sh)
PKG = os.path.dirname(os.path.abspath(nlcodec.__file__))

# lowest first; a module (or package) belongs to exactly one layer
LAYERS = [
    ("leaves", {"errors", "spec", "values", "netns", "nla", "forksafe", "memo"}),
    ("compile", {"structs", "tables", "registry", "spec_cache"}),
    ("codec", {"pure", "native", "backends", "message", "_native_core"}),
    ("io", {"ack", "request", "genl", "bulk", "socket", "aio", "testing", "template", "pcap", "hexdump", "capture",
            "capture_jobs", "capture_select", "ynl"}),
    ("text", {"show", "tc", "ovs", "packet", "dumps", "names"}),
    ("tools", {"cli", "cli_decode", "cli_dumps", "cli_psample", "cli_tcbatch", "benchmark",
               "bench_template", "tc_capture", "strategies", "__main__", "__init__", "ops",
               "cli_spec"}),
]
LEVEL = {m: i for i, (_, mods) in enumerate(LAYERS) for m in mods}
TOOLS = len(LAYERS) - 1


def modules():
    for dirpath, dirs, files in os.walk(PKG):
        if dirpath == PKG and "specs" in dirs:
            dirs.remove("specs")             # installed, nlcodec.specs is spec data, no layer
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, PKG)[:-3].replace(os.sep, ".")
                yield rel, path


def top(name):
    return name.split(".")[0]


def imports(rel, path):
    """The nlcodec modules ``rel`` imports (their top-level names), and
    whether it imports the package facade itself."""
    tree = ast.parse(open(path).read(), path)
    pkg_parts = rel.split(".")[:-1]          # the subpackage a module lives in
    out, facade = set(), False
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            if n.level:
                base = pkg_parts[:len(pkg_parts) - (n.level - 1)] if n.level > 1 else pkg_parts
                if base:                     # inside a subpackage: relative to it
                    out.add(base[0])
                    continue
                if n.module:
                    out.add(top(n.module))
                else:
                    out.update(top(a.name) for a in n.names)
            elif n.module == "nlcodec":
                out.update(top(a.name) for a in n.names)
            elif n.module and n.module.startswith("nlcodec."):
                out.add(n.module.split(".")[1])
        elif isinstance(n, ast.Import):
            for a in n.names:
                if a.name == "nlcodec":
                    facade = True
                elif a.name.startswith("nlcodec."):
                    out.add(a.name.split(".")[1])
    return out, facade


ALL = sorted(modules())


def test_every_module_has_a_layer():
    missing = sorted({top(rel) for rel, _ in ALL} - set(LEVEL))
    assert not missing, (f"modules without a layer: {missing}; add them to LAYERS here and to "
                         f"docs/architecture.md")


@pytest.mark.parametrize("rel, path", ALL, ids=[r for r, _ in ALL])
def test_imports_go_down(rel, path):
    me = LEVEL.get(top(rel))
    if me is None:
        pytest.skip("no layer (reported by test_every_module_has_a_layer)")
    deps, facade = imports(rel, path)
    assert not facade or me == TOOLS, f"{rel} imports the nlcodec facade; only tools may"
    up = sorted(d for d in deps - {top(rel)} if LEVEL.get(d, -1) > me)
    assert not up, (f"{rel} ({LAYERS[me][0]}) imports from higher layers: "
                    + ", ".join(f"{d} ({LAYERS[LEVEL[d]][0]})" for d in up))


# the OVS text layer's modules, each named for its job (docs/architecture.md lists them)
OVS_MODULES = {"__init__", "spec", "text", "cookie", "show", "format", "format_key",
               "format_tunnel", "format_actions", "parse", "parse_key", "parse_tunnel",
               "parse_actions"}


def test_ovs_text_layer_modules_are_listed():
    have = {rel.split(".", 1)[1] for rel, _ in ALL if rel.startswith("ovs.")}
    assert have == OVS_MODULES, "nlcodec/ovs/ changed: update OVS_MODULES and the docs"
    doc = open(os.path.join(ROOT, "docs", "architecture.md")).read()
    missing = sorted(m for m in OVS_MODULES - {"__init__"} if f"`{m}`" not in doc)
    assert not missing, f"docs/architecture.md does not name ovs/ modules {missing}"


@pytest.mark.parametrize("rel, path", [(r, p) for r, p in ALL if r.startswith("ovs.")],
                         ids=[r for r, _ in ALL if r.startswith("ovs.")])
def test_ovs_text_layer_has_no_layouts(rel, path):
    # the OVS text walks the codec's decoded values and builds the dicts it encodes:
    # no struct packing, no byte offsets of its own (layouts live in specs/ovs.py)
    tree = ast.parse(open(path).read(), path)
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            assert all(a.name != "struct" for a in n.names), f"{rel} imports struct"
        if isinstance(n, ast.ImportFrom):
            assert n.module != "struct", f"{rel} imports from struct"
        if isinstance(n, ast.Attribute) and n.attr in ("from_bytes", "unpack_from", "pack_into"):
            pytest.fail(f"{rel}:{n.lineno} reads bytes by hand ({n.attr})")
