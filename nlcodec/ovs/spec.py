"""The OVS spec module (``specs/ovs.py``) as the text layer reads it: the
compiled families, and the few facts (the userspace cookie, kernel-internal
names) that are spec data but not attribute sets."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)
def real_module():
    """``nlcodec.specs.ovs`` (the checkout's own specs/ovs.py), its sets the
    registry's (``spec_cache.spec_module``); importing it imports construct."""
    from ..spec_cache import spec_module
    return spec_module("ovs")


class _Module:
    """specs/ovs.py as the text layer reads it.  Its plain-data constants
    (``KEY_TEXT``, ``BITS``, ``KERNEL_FORMS``...: upper-case names whose
    values marshal) come from ``text_data()``, without importing the spec
    module and construct (~35 ms of a command's start); anything else from
    the module itself (``real_module``)."""

    def __getattr__(self, name):
        v = text_data()["plain"].get(name, _MISSING)
        if v is _MISSING:
            return getattr(real_module(), name)
        self.__dict__[name] = v         # later reads: a plain attribute
        return v


_MISSING = object()
_MODULE = _Module()


def module():
    """specs/ovs.py: its constants at once, the rest imported on first use."""
    return _MODULE


# -- the text layer's data, kept between runs ----------------------------------------

_TEXT_FILE = "nlcodec-ovs-text.marshal"
_text_data = None


def text_data() -> dict:
    """What the text layer reads of specs/ovs.py besides the families, as
    plain data: ``plain`` (the module's upper-case constants that marshal),
    ``layouts`` (the states, ``structs.layout_state``, of its module-level
    structs by name) and ``cookie`` (struct user_action_cookie's layout per
    union member type, and the default's).  Made from the module once and
    kept beside the spec cache (``spec_cache``: same places, same key, plus
    this file's and cookie.py's size and time), so a later run does not
    import the module or construct to show a flow."""
    global _text_data
    if _text_data is None:
        _text_data = _load_text_data()
    return _text_data


def _text_key(spec_dir, names) -> bytes:
    import os
    from .. import spec_cache
    here = os.path.dirname(os.path.abspath(__file__))
    parts = [spec_cache.key(spec_dir, names)]
    for f in ("spec.py", "cookie.py"):
        st = os.stat(os.path.join(here, f))
        parts.append(f"ovs/{f} {st.st_size} {st.st_mtime_ns}")
    return "\n".join(parts).encode()


def _load_text_data() -> dict:
    import marshal
    import os
    from .. import spec_cache
    from ..registry import _specs_package
    spec_dir = list(_specs_package().__path__)[0]
    names = spec_cache.module_names(spec_dir)
    if not spec_cache.enabled() or "ovs" not in names:
        return _make_text_data()
    k = _text_key(spec_dir, names)
    for d in spec_cache._places(spec_dir):
        try:
            with open(os.path.join(d, _TEXT_FILE), "rb") as f:
                data = f.read()
        except OSError:
            continue
        end = data.find(b"\0")
        if data[:end] == k:
            try:
                out = marshal.loads(data[end + 1:])
                if isinstance(out, dict) and {"plain", "layouts", "cookie"} <= out.keys():
                    return out
            except (ValueError, EOFError, TypeError):
                pass            # a damaged file: made again below
    out = _make_text_data()
    body = k + b"\0" + marshal.dumps(out)
    spec_cache.write_first(spec_dir, _TEXT_FILE, body)
    return out


def _make_text_data() -> dict:
    import marshal
    from construct import Struct
    from ..errors import SpecError
    from ..structs import StructRef, compile_struct, layout_state
    from . import cookie
    m = real_module()
    plain, layouts = {}, {}
    for name, v in vars(m).items():
        if name.isupper() and not name.startswith("_"):
            try:
                marshal.dumps(v)
            except ValueError:
                continue
            plain[name] = v
        elif (isinstance(v, Struct) or type(v) is StructRef) and not name.startswith("_"):
            try:
                layouts[name] = layout_state(compile_struct(v, name))
            except SpecError:       # a union (user_action_cookie): not one layout
                continue
    kinds, default, field = cookie.make_layouts()
    return {"plain": plain, "layouts": layouts,
            "cookie": ({k: layout_state(v) for k, v in kinds.items()},
                       layout_state(default), field)}


def family(name: str = "ovs_flow"):
    from ..registry import family
    return family(name)         # that family alone (the others load on their first use)


def enum(name: str):
    """An Enum/Flags of the ovs_flow family: ``.names`` maps value -> name."""
    return family().enums[name]


@functools.lru_cache(maxsize=None)
def attr_id(attrset: str, name: str) -> int:
    """The number of attribute ``name`` in ``attrset`` (ovs_flow's sets)."""
    for a in family().attrsets[attrset].attrs:
        if a.name == name:
            return a.id
    raise KeyError(f"{attrset}.{name}")


class _Ids:
    """``ids("action_attrs").output`` -> the number the spec gives that attribute."""

    def __init__(self, attrset):
        self._set = attrset
        self._by_name = {a.name: a.id for a in family().attrsets[attrset].attrs}

    def __getattr__(self, name):
        try:
            return self._by_name[name]
        except KeyError:
            raise AttributeError(f"{self._set} has no attribute {name!r}") from None


@functools.lru_cache(maxsize=None)
def ids(attrset: str) -> _Ids:
    return _Ids(attrset)


@functools.lru_cache(maxsize=None)
def names(attrset: str) -> dict:
    """{number: name} of an ovs_flow attribute set."""
    return {a.id: a.name for a in family().attrsets[attrset].attrs}


@functools.lru_cache(maxsize=None)
def cset(name: str):
    """The compiled attribute set ``name`` of ovs_flow."""
    from ..registry import compiled
    return compiled("ovs_flow").sets[name]


def cattr(setname: str, name: str):
    """The compiled attribute ``name`` of set ``setname`` (None when unknown)."""
    return cset(setname).by_name.get(name)


@functools.lru_cache(maxsize=None)
def layout(struct_name: str):
    """The compiled Layout of a Struct of specs/ovs.py (geneve_opt, erspan_md2...)."""
    from ..structs import compile_struct, layout_from_state
    state = text_data()["layouts"].get(struct_name)
    if state is not None:
        return layout_from_state(state)
    return compile_struct(getattr(real_module(), struct_name), struct_name)


def decode(setname: str, value, path: str = "") -> dict:
    """An attribute stream of ``setname`` as the codec decodes it (bytes,
    hex text or an already decoded dict)."""
    if isinstance(value, dict):
        return value
    if value is None:
        return {}
    from ..message import decode_attrs
    buf = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
    return decode_attrs(buf, "ovs_flow", setname)


def encode(setname: str, value) -> bytes:
    from ..message import encode_attrs
    return encode_attrs("ovs_flow", setname, value)


def bits(word: str, value: int) -> dict:
    """{field: value} of the bit fields ``BITS[word]`` of ``value``."""
    return {f: (value >> sh) & ((1 << w) - 1) for f, (sh, w) in module().BITS[word].items()}


def put_bits(word: str, **fields) -> int:
    """The word with the given bit fields of ``BITS[word]`` set."""
    out = 0
    for f, v in fields.items():
        sh, w = module().BITS[word][f]
        out |= (v & ((1 << w) - 1)) << sh
    return out


def bit_mask(word: str, field: str) -> int:
    """All ones in ``field``'s place of ``word``."""
    sh, w = module().BITS[word][field]
    return ((1 << w) - 1) << sh


def payload(setname: str, name: str, value) -> bytes:
    """The payload bytes the codec encodes for attribute ``name`` = ``value``."""
    from ..nla import Attributes
    if name.isdigit() and isinstance(value, str):
        return bytes.fromhex(value)
    buf = encode(setname, {name: value})
    return next(iter(Attributes(buf))).payload


def kernel_actions(release=None) -> str:
    """The attribute set of the kernel-internal action forms (sw_flow_actions)
    of kernel ``release`` ("6.1", "6.1.0-57-amd64"; "running": this machine's;
    None: the newest numbering the spec knows).  The numbers differ: the
    kernel-only OVS_ACTION_ATTR_SET_TO_MASKED follows the newest action
    (``KERNEL_FORMS`` in specs/ovs.py)."""
    forms = module().KERNEL_FORMS
    if release is None:
        return "action_attrs_kernel" + forms[0][0]
    if release == "running":
        import os
        release = os.uname().release
    import re
    m = re.match(r"(\d+)\.(\d+)", str(release))
    if m is None:
        raise ValueError(f"kernel release {release!r}: expected a version such as 6.1 "
                         "(or True for the newest, 'running' for this machine's)")
    have = (int(m.group(1)), int(m.group(2)))
    for sfx, _, since in forms:
        if have >= since:
            return "action_attrs_kernel" + sfx
    return "action_attrs_kernel" + forms[-1][0]
