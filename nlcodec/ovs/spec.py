"""The OVS spec module (``specs/ovs.py``) as the text layer reads it: the
compiled families, and the few facts (the userspace cookie, kernel-internal
names) that are spec data but not attribute sets."""

from __future__ import annotations

import functools
import importlib


@functools.lru_cache(maxsize=None)
def module():
    """``nlcodec.specs.ovs`` (the checkout's own specs/ovs.py)."""
    from .. import registry
    return importlib.import_module(registry._specs_package().__name__ + ".ovs")


def family(name: str = "ovs_flow"):
    from .. import families
    return families()[name]


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
