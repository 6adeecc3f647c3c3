"""Numbers nlcodec.tc's reader needs, read from the tc family's spec enums
(specs/tc_flower.py, specs/tc_actions.py): one source of each fact."""

from __future__ import annotations

import functools

from .. import registry


@functools.lru_cache(maxsize=None)
def enum(name: str) -> dict:
    """The spec enum ``name`` of the tc family: {name: number}."""
    e = registry.family("tc").enum(name)
    if e is None:
        raise KeyError(f"the tc family's specs have no enum {name!r}")
    return dict(e.values)


def value(enum_name: str, name: str) -> int:
    return enum(enum_name)[name]
