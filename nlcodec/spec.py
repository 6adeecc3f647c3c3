"""The spec language: families, messages, attribute sets and attributes.

Specs are plain data.  Fixed headers and struct payloads are construct
``Struct``s; everything else is described with the small classes below.  A
spec is written once (see ``specs/``) and compiled once into tables
(``nlcodec.tables``) that both codec backends consume; construct itself is
never called on a hot path.

Attribute types (``Attr.type``), named as in the kernel's YNL specs:

=================  ==========================================================
u8 u16 u32 u64     unsigned integers (``byte_order="big"`` for network order)
s8 s16 s32 s64     signed integers
uint sint          variable width integers (4 or 8 bytes on the wire)
flag               presence only; decodes to ``True``
string             NUL-terminated UTF-8 text
binary             raw bytes; ``display`` picks the text form (mac, ipv4,
                   ipv6, ip, uuid, hex; ``packet``: hex, summarised by the
                   tree view); ``struct=`` decodes a fixed struct
nest               a nested attribute set (``nested=`` set name); an optional
                   ``header=`` struct precedes the attributes (netem)
indexed-array      nests whose type is their index (TCA_ACT_PRIO style);
                   ``sub_type`` is ``"nest"`` (with ``nested=``) or a scalar
nest-type-value    nests whose type is a value (a key), decoded to a dict
sub-message        payload chosen by a sibling attribute (``selector=``):
                   ``formats={"flower": "flower_attrs", "pfifo": struct}``
records           a sequence of records, each a fixed ``header=`` struct whose
                   first member is the record's length (header included),
                   then attributes of ``nested=``; records aligned to 4
                   (RTA_MULTIPATH: struct rtnexthop + route attributes)
pad                alignment padding (kept, so re-encoding is exact)
=================  ==========================================================
"""

from __future__ import annotations

import re

from .values import DISPLAY_HINTS, INT_HINTS

__all__ = [
    "Attr", "AttrSet", "Msg", "Family", "Enum", "Flags", "SubMessage", "uapi_name_to_ours",
]

INT_TYPES = ("u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "uint", "sint")
ALL_TYPES = INT_TYPES + (
    "flag", "string", "binary", "nest", "indexed-array", "nest-type-value", "sub-message", "pad",
    "records",
)


def uapi_name_to_ours(full: str, prefix: str) -> str:
    """``TCA_FLOWER_KEY_ETH_DST`` with prefix ``TCA_FLOWER_`` -> ``key_eth_dst``."""
    if prefix and full.startswith(prefix):
        full = full[len(prefix):]
    return full.lower()


def did_you_mean(key: str, names) -> str:
    """``" (did you mean 'dev_get'?)"`` for the closest of ``names``, or ``""``."""
    import difflib
    close = difflib.get_close_matches(key, list(names), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-zA-Z_]", "_", name).lower()


class Attr:
    """One attribute of an attribute set."""

    __slots__ = (
        "id", "name", "type", "nested", "struct", "multi", "byte_order", "display", "enum",
        "selector", "formats", "sub_type", "header", "min_len", "max_len", "nested_flag",
        "uapi", "doc", "levels",
    )

    def __init__(self, id: int, name: str, type: str = "binary", *, nested: str | None = None,
                 struct=None, multi: bool = False, byte_order: str = "host",
                 display: str | None = None, enum: str | None = None,
                 selector: str | None = None, formats: dict | None = None,
                 sub_type: str | None = None, header=None, min_len: int | None = None,
                 max_len: int | None = None, nested_flag: bool | None = None,
                 uapi: str | None = None, doc: str = "", levels: int = 1):
        if type not in ALL_TYPES:
            raise ValueError(f"attribute {name!r}: unknown type {type!r}")
        if display not in DISPLAY_HINTS:
            raise ValueError(f"attribute {name!r}: unknown display hint {display!r}")
        if display in INT_HINTS and "binary" in (type, sub_type):
            raise ValueError(f"attribute {name!r}: display hint {display!r} is for integers, "
                             f"not bytes")
        if byte_order not in ("host", "big", "little"):
            raise ValueError(f"attribute {name!r}: byte order must be host, big or little")
        if type in ("nest",) and nested is None and header is None:
            raise ValueError(f"attribute {name!r}: a nest needs nested= (an attribute set)")
        if type == "records" and header is None:
            raise ValueError(f"attribute {name!r}: records need header= (a struct whose first "
                             f"member is the record length)")
        if type == "sub-message" and (selector is None or formats is None):
            raise ValueError(f"attribute {name!r}: a sub-message needs selector= and formats=")
        if not 0 <= id <= 0x3FFF:
            raise ValueError(f"attribute {name!r}: id {id} out of range")
        self.id = id
        self.name = name
        self.type = type
        self.nested = nested
        self.struct = struct
        self.multi = multi
        self.byte_order = byte_order
        self.display = display
        self.enum = enum
        self.selector = selector
        self.formats = formats
        self.sub_type = sub_type or ("nest" if type in ("indexed-array", "nest-type-value") else None)
        self.header = header
        self.min_len = min_len
        self.max_len = max_len
        # Whether our encoder sets NLA_F_NESTED on this nest.  The kernel's
        # nla_nest_start() sets it; older code and many dumps do not.
        self.nested_flag = nested_flag
        self.uapi = uapi
        self.doc = doc
        self.levels = levels     # nest-type-value: how many levels of type-keyed nests

    def __repr__(self):
        return f"Attr({self.id}, {self.name!r}, {self.type!r})"


class AttrSet:
    """A numbered set of attributes (an ``enum`` of ``XXX_ATTR_*`` in the UAPI).

    ``prefix`` is the UAPI enum prefix (``"IFLA_"``), used to accept full UAPI
    names in lookups and by the conformance test.  ``uapi_enum`` optionally
    names the C enum when the test needs it.  ``nested_flag`` is the default
    for nests encoded from this set (see ``Attr.nested_flag``).
    """

    def __init__(self, name: str, attrs, *, prefix: str = "", uapi_header: str | None = None,
                 nested_flag: bool = False, doc: str = "", uapi_max: str | None = None,
                 kernel_variant: str | None = None, masks: dict | None = None):
        self.name = name
        # {address attribute: its mask attribute}: "ADDR/LEN" or "ADDR/MASK"
        # given for the first sets the second too (flower keys)
        self.masks = masks or {}
        self.prefix = prefix
        self.uapi_header = uapi_header
        self.nested_flag = nested_flag
        self.doc = doc
        self.uapi_max = uapi_max
        # ``kernel=True`` decoding uses this set instead (OVS in-kernel forms).
        self.kernel_variant = kernel_variant
        self.attrs = list(attrs)
        self.by_id: dict[int, Attr] = {}
        self.by_name: dict[str, Attr] = {}
        for a in self.attrs:
            if a.id in self.by_id:
                raise ValueError(f"attribute set {name!r}: id {a.id} used twice "
                                 f"({self.by_id[a.id].name}, {a.name})")
            if a.name in self.by_name:
                raise ValueError(f"attribute set {name!r}: name {a.name!r} used twice")
            if a.uapi is None and prefix:
                a.uapi = prefix + a.name.upper()
            self.by_id[a.id] = a
            self.by_name[a.name] = a
            if a.uapi:
                self.by_name.setdefault(a.uapi, a)
            if a.nested_flag is None:
                a.nested_flag = nested_flag

    def attr(self, key) -> Attr:
        """Look an attribute up by our name, full UAPI name, YNL's dashed
        spelling (``header-flags``) or number."""
        if isinstance(key, int):
            return self.by_id[key]
        try:
            return self.by_name[key]
        except KeyError:
            k = key.lower().replace("-", "_")
            a = self.by_name.get(k) or self.by_name.get(self.prefix + k.upper())
            if a is None:
                raise KeyError(f"{self.name} has no attribute {key!r}"
                               f"{did_you_mean(k, [x.name for x in self.attrs])}") from None
            return a

    def __repr__(self):
        return f"AttrSet({self.name!r}, {len(self.attrs)} attrs)"


class Msg:
    """A message type: its number, name, fixed header and attribute set."""

    def __init__(self, id: int, name: str, *, header=None, attrs: str | None = None,
                 variants: tuple | None = None, uapi: str | None = None, doc: str = "",
                 prefixes: dict | None = None):
        self.id = id
        # {attribute: header member}: an address given as a prefix ("10.7.0.0/24")
        # sets the header's prefix length member too (rtm_dst_len, ifa_prefixlen)
        self.prefixes = prefixes or {}
        self.name = name
        self.header = header
        self.attrs = attrs
        # (header member, {value: attribute set}): the set chosen by a u8
        # member of the fixed header, e.g. ifinfomsg.family == AF_BRIDGE
        self.variants = variants
        self.uapi = uapi
        self.doc = doc

    def __repr__(self):
        return f"Msg({self.id}, {self.name!r})"


class Enum:
    """Named values (or, with ``Flags``, named bits) used for display."""

    is_flags = False

    def __init__(self, name: str, values: dict, *, prefix: str = "", uapi_header: str | None = None):
        self.name = name
        self.prefix = prefix
        self.uapi_header = uapi_header
        self.values = dict(values)       # name -> number
        self.names = {v: k for k, v in self.values.items()}

    def name_of(self, value: int) -> str | None:
        return self.names.get(value)

    def describe(self, value: int) -> str:
        n = self.names.get(value)
        return n if n is not None else str(value)


class Flags(Enum):
    is_flags = True

    def describe(self, value: int) -> str:
        parts, rest = [], value
        for name, bit in self.values.items():
            if bit and value & bit == bit:
                parts.append(name)
                rest &= ~bit
        if rest:
            parts.append(hex(rest))
        return ",".join(parts) if parts else "0"


class SubMessage:
    """Helper for ``formats`` entries: a nest with a fixed header (netem)."""

    def __init__(self, attrs: str | None = None, header=None):
        self.attrs = attrs
        self.header = header


class Family:
    """A netlink family: a protocol's message set, or a generic netlink family.

    For a generic netlink family ``genl=True``: messages are commands
    (``Msg.id`` is the command number), the message type on the wire is the
    family id the kernel assigns (resolved at run time), and ``header`` is the
    family's own fixed header after ``genlmsghdr`` (``ovs_header``).

    A protocol that splits the message type (nfnetlink: 8 bits of subsystem
    above 8 bits of operation) names the family's part with ``subsys``: on
    the wire the type is ``subsys << subsys_shift | Msg.id``, while ``Msg.id``
    stays the UAPI's number (IPCTNL_MSG_CT_GET = 1 in NFNL_SUBSYS_CTNETLINK
    = 1 is type 0x101).  ``subsys_uapi`` names the subsystem's UAPI constant.
    """

    def __init__(self, name: str, protocol: str, *, messages=(), attrsets=(), enums=(),
                 genl: bool = False, version: int = 1, header=None, uses=(),
                 mcast_groups=(), msg_prefix: str = "", uapi_header: str | None = None,
                 doc: str = "", subsys: int | None = None, subsys_shift: int = 8,
                 subsys_uapi: str | None = None, groups_enum: str | None = None):
        self.name = name
        self.subsys = subsys
        self.subsys_shift = subsys_shift
        self.subsys_uapi = subsys_uapi
        # a plain protocol's multicast groups: the name of an Enum of this
        # family (NFNLGRP_*), so that sockets join them by name
        self.groups_enum = groups_enum
        self.protocol = protocol
        self.genl = genl
        self.version = version
        self.header = header
        self.uses = tuple(uses)            # other families whose attribute sets we reference
        self.mcast_groups = tuple(mcast_groups)
        self.msg_prefix = msg_prefix
        self.uapi_header = uapi_header
        self.doc = doc
        self.messages = list(messages)
        self.attrsets = {s.name: s for s in attrsets}
        self.enums = {e.name: e for e in enums}
        self.msg_by_id = {m.id: m for m in self.messages}
        self.msg_by_name: dict[str, Msg] = {}
        for m in self.messages:
            if m.uapi is None and msg_prefix:
                m.uapi = msg_prefix + m.name.upper()
            self.msg_by_name[m.name] = m
            if m.uapi:
                self.msg_by_name[m.uapi] = m
        self._resolved_uses: list[Family] = []

    def wire_type(self, msg_id: int) -> int:
        """nlmsg_type of message ``msg_id`` (plain protocols)."""
        if self.subsys is None:
            return msg_id
        return (self.subsys << self.subsys_shift) | msg_id

    def msg(self, key) -> Msg:
        """A message by our name, UAPI name, YNL's dashed spelling (``dev-get``)
        or number."""
        if isinstance(key, int):
            return self.msg_by_id[key]
        m = self.msg_by_name.get(key)
        if m is None:
            k = key.lower().replace("-", "_")
            m = self.msg_by_name.get(k) or self.msg_by_name.get(self.msg_prefix + k.upper())
        if m is None:
            raise KeyError(f"family {self.name!r} has no message {key!r}"
                           f"{did_you_mean(key.lower().replace('-', '_'), [x.name for x in self.messages])}")
        return m

    def attrset(self, name: str) -> AttrSet:
        s = self.attrsets.get(name) or self.attrsets.get(_snake(name))
        if s is not None:
            return s
        for other in self._resolved_uses:
            s = other.attrsets.get(name)
            if s is not None:
                return s
        raise KeyError(f"family {self.name!r} has no attribute set {name!r}")

    def enum(self, name: str) -> Enum | None:
        e = self.enums.get(name)
        if e is None:
            for other in self._resolved_uses:
                e = other.enums.get(name)
                if e is not None:
                    break
        return e

    def __repr__(self):
        return f"Family({self.name!r}, protocol={self.protocol!r})"
