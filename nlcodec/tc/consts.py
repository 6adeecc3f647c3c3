"""Numbers nlcodec.tc's reader needs, read from the specs: one source of each
fact.  The tc family's enums (specs/tc_flower.py, specs/tc_actions.py);
ethertypes by iproute2's names, IP protocol numbers, and header field
offsets from specs/packet.py (its enums are checked against the UAPI headers
and its layouts are the kernel's structs: tests/test_packet.py)."""

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


def _packet():
    from ..packet import _spec
    return _spec()


@functools.lru_cache(maxsize=None)
def ethertypes() -> dict:
    """{iproute2's name: ethertype} (specs/packet.py ``ethertypes``)."""
    return dict(_packet().ethertypes.values)


def eth_p(name: str) -> int:
    """ETH_P_<name> by iproute2's name ("ip", "802.1Q", "mpls_uc" ...)."""
    return ethertypes()[name]


def ipproto(name: str) -> int:
    """IPPROTO_<name> ("tcp", "icmpv6" ...; specs/packet.py ``ip_protocols``)."""
    return _packet().ip_protocols.values[name]


def vlan_tpids() -> tuple:
    """The ethertypes that carry a VLAN tag (802.1Q, 802.1ad)."""
    return tuple(eth_p(n) for n in _packet().VLAN_TPIDS)


def packet_const(name: str) -> int:
    """A header constant of specs/packet.py (IP_MF, IP_OFFSET ...)."""
    return getattr(_packet(), name)


@functools.lru_cache(maxsize=None)
def field(header: str, member: str) -> int:
    """The offset of ``member`` in the packet header ``header`` ("ipv4",
    "tcp" ...: specs/packet.py ``LAYOUTS``, the kernel's structs)."""
    from ..structs import compile_struct
    lay = compile_struct(_packet().LAYOUTS[header], header)
    off = 0
    for f in lay.fixed_fields:
        if f.name == member:
            return off
        off += lay._fixed_size(f)
    raise KeyError(f"specs/packet.py's {header} header has no member {member!r}")


@functools.lru_cache(maxsize=None)
def header_size(header: str) -> int:
    from ..structs import compile_struct
    return compile_struct(_packet().LAYOUTS[header], header).size
