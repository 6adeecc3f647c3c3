"""The OVS spec module (``specs/ovs.py``) as the text layer reads it: the
compiled families, and the few facts (the userspace cookie, kernel-internal
names) that are spec data but not attribute sets."""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)
def module():
    """``nlcodec.specs.ovs`` (the checkout's own specs/ovs.py), its sets the
    registry's (``spec_cache.spec_module``)."""
    from ..spec_cache import spec_module
    return spec_module("ovs")


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
    from ..structs import compile_struct
    return compile_struct(getattr(module(), struct_name), struct_name)


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
