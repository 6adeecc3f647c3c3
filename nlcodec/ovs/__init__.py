"""Open vSwitch datapath flows as ``ovs-dpctl`` prints and reads them.

A port of the formatting and parsing in Open vSwitch's lib/odp-util.c
(``odp_flow_format``, ``format_odp_actions``, ``odp_flow_from_string``,
``odp_actions_from_string``) and lib/dpctl.c (``format_dpif_flow``).  It
works on the netlink bytes, exactly as OVS does: decoded dicts are encoded
back first (``nlcodec.encode_attrs``), and raw attribute bytes are taken as
they are.  Attribute numbers come from the compiled spec (specs/ovs.py,
through ``nlcodec.ovs.spec``); the userspace cookie is the spec's
``user_action_cookie`` (``nlcodec.ovs.cookie``).  Malformed bytes raise
``nlcodec.DecodeError`` (path and offset); text that cannot be read raises
ValueError naming the token.  ``ports={name: number}`` shows and reads port
names as ``ovs-dpctl --names`` does.

The kernel tier (tests/kernel/test_ovs_odp_corpus.py) checks this module
against ovs-dpctl itself on OVS's own tests/odp.at strings.

Action order matters and a dict cannot keep the order of an action that
occurs more than once between others (``output:2,set(...),output:3``): pass
the bytes (``Message`` keeps none) when that matters.

    >>> format_flow(msg)            # an OVS_FLOW_CMD_NEW/GET reply
    'recirc_id(0),in_port(2),eth(...),eth_type(0x0800),ipv4(...), packets:0, bytes:0,
     used:never, actions:3'
"""

from __future__ import annotations

import contextvars
import math
import re
import socket
import struct
import time

from ..errors import DecodeError
from . import cookie as _cookie_mod
from .cookie import format_flags as _flags

# the ``ports`` map of the call in progress: ({number: name}, {name: number})
_PORTS = contextvars.ContextVar("ovs_ports", default=({}, {}))


def _port_maps(ports):
    """``ports`` ({name: number}, as ovs-dpctl shows names) -> both directions."""
    if not ports:
        return {}, {}
    by_name = {str(k): int(v) for k, v in dict(ports).items()}
    return {v: k for k, v in by_name.items()}, by_name


def _port_text(n):
    """odp_portno_name_format(): the port's name when the map has it, else its number."""
    return _PORTS.get()[0].get(n, "%d" % n)


def _port_num(text):
    """A port given by number or by a name of the ``ports`` map."""
    t = text.strip()
    by_name = _PORTS.get()[1]
    if t in by_name:
        return by_name[t]
    try:
        return _int(t)
    except ValueError:
        raise ValueError(f"unknown port {t!r} (give its number, or a ports= map "
                         "of names to numbers)") from None


def _with_ports(ports, fn, *args, **kw):
    token = _PORTS.set(_port_maps(ports))
    try:
        return fn(*args, **kw)
    finally:
        _PORTS.reset(token)
from . import spec as _spec

__all__ = ["format_flow", "format_key", "format_actions", "format_userdata", "ufid_text",
           "parse_flow"]

# OVS_KEY_ATTR_* and the other attribute numbers: from the compiled spec (specs/ovs.py)
_K = _spec.ids("key_attrs")
ENCAP, PRIORITY, IN_PORT, ETHERNET, VLAN, ETHERTYPE, IPV4, IPV6, TCP, UDP, ICMP, ICMPV6, ARP, \
    ND, SKB_MARK, TUNNEL, SCTP, TCP_FLAGS, DP_HASH, RECIRC_ID, MPLS, CT_STATE, CT_ZONE, CT_MARK, \
    CT_LABELS, CT_TUPLE4, CT_TUPLE6, NSH, PACKET_TYPE, ND_EXT = (
        _K.encap, _K.priority, _K.in_port, _K.ethernet, _K.vlan, _K.ethertype, _K.ipv4, _K.ipv6,
        _K.tcp, _K.udp, _K.icmp, _K.icmpv6, _K.arp, _K.nd, _K.skb_mark, _K.tunnel, _K.sctp,
        _K.tcp_flags, _K.dp_hash, _K.recirc_id, _K.mpls, _K.ct_state, _K.ct_zone, _K.ct_mark,
        _K.ct_labels, _K.ct_orig_tuple_ipv4, _K.ct_orig_tuple_ipv6, _K.nsh, _K.packet_type,
        _K.nd_extensions)
_T = _spec.ids("tunnel_key_attrs")
_V = _spec.ids("vxlan_ext_attrs")
_N = _spec.ids("ovs_nsh_key_attrs")
_A = _spec.ids("action_attrs")
_AK = _spec.ids("action_attrs_kernel")
_CLONE = _spec.ids("clone_attrs_kernel")
_S = _spec.ids("sample_attrs")
_U = _spec.ids("userspace_attrs")
_C = _spec.ids("check_pkt_len_attrs")
_D = _spec.ids("dec_ttl_attrs")
_P = _spec.ids("psample_attrs")
_CT = _spec.ids("ct_attrs")
_NAT = _spec.ids("nat_attrs")
_F = _spec.ids("flow_attrs")
_CT_NAMES = _spec.names("ct_attrs")
_NAT_NAMES = _spec.names("nat_attrs")


def _by_name(buf, names):
    """{attribute name: payload} of the first of each attribute in ``buf``."""
    d = {}
    for t, v in _attrs(buf):
        d.setdefault(names.get(t, t), v)
    return d


_KEY_NAMES = {
    0: "unspec", ENCAP: "encap", PRIORITY: "skb_priority", SKB_MARK: "skb_mark",
    CT_STATE: "ct_state", CT_ZONE: "ct_zone", CT_MARK: "ct_mark", CT_LABELS: "ct_label",
    CT_TUPLE4: "ct_tuple4", CT_TUPLE6: "ct_tuple6", TUNNEL: "tunnel", IN_PORT: "in_port",
    ETHERNET: "eth", VLAN: "vlan", ETHERTYPE: "eth_type", IPV4: "ipv4", IPV6: "ipv6",
    TCP: "tcp", TCP_FLAGS: "tcp_flags", UDP: "udp", SCTP: "sctp", ICMP: "icmp",
    ICMPV6: "icmpv6", ARP: "arp", ND: "nd", ND_EXT: "nd_ext", MPLS: "mpls", DP_HASH: "dp_hash",
    RECIRC_ID: "recirc_id", PACKET_TYPE: "packet_type", NSH: "nsh",
}
_NESTED = (ENCAP, TUNNEL, NSH)

_CT_STATES = {0x08: "rpl", 0x20: "trk", 0x01: "new", 0x02: "est", 0x04: "rel", 0x10: "inv",
              0x40: "snat", 0x80: "dnat"}
_TCP_FLAGS = {0x001: "fin", 0x002: "syn", 0x004: "rst", 0x008: "psh", 0x010: "ack",
              0x020: "urg", 0x040: "ece", 0x080: "cwr", 0x100: "ns", 0x200: "[200]",
              0x400: "[400]", 0x800: "[800]"}
_TUN_FLAGS = {1: "oam", 2: "df", 4: "csum", 8: "key"}     # FLOW_TNL_F_* (lib/packets.h)
_FRAG = {0: "no", 1: "first", 2: "later"}


# -- small helpers ---------------------------------------------------------------


def _attrs(buf):
    """(type, payload) of each netlink attribute in ``buf``."""
    off, n = 0, len(buf)
    while off + 4 <= n:
        ln, ty = struct.unpack_from("<HH", buf, off)
        if ln < 4 or off + ln > n:
            break
        yield ty & 0x3FFF, bytes(buf[off + 4:off + ln])
        off += (ln + 3) & ~3


def _find(buf, t):
    if not buf:
        return None
    for ty, p in _attrs(buf):
        if ty == t:
            return p
    return None


def _hx(v):
    """C's ``%#x``: 0 prints as 0."""
    return hex(v) if v else "0"


def _be16(b, o=0):
    return struct.unpack_from(">H", b, o)[0]


def _be32(b, o=0):
    return struct.unpack_from(">I", b, o)[0]


def _u32(b, o=0):
    return struct.unpack_from("<I", b, o)[0]


def _mac(b):
    return b.hex(":")


def _ip4(b):
    return socket.inet_ntop(socket.AF_INET, bytes(b))


def _ip6(b):
    return socket.inet_ntop(socket.AF_INET6, bytes(b))


def _hexdump(b):
    """ds_put_hex(): 0x and no leading zero bytes; 0 when all zero."""
    s = bytes(b).lstrip(b"\0")
    if not s:
        return "0"
    return "0x%x" % s[0] + s[1:].hex()


def _generic(b):
    return " ".join("%02x" % x for x in b)


def _flags_masked(value, mask, names, max_mask):
    if mask == max_mask:
        return _flags(value, names, "|")
    if not mask:
        return "0/0"
    out = []
    while mask:
        bit = mask & -mask
        out.append(("+" if value & bit else "-") + names.get(bit, "[Unknown]"))
        mask &= ~bit
    return "".join(out)


class _Fields:
    """The ``format_*`` helpers of odp-util.c, collecting ``name=value,`` parts."""

    def __init__(self, verbose):
        self.verbose = verbose
        self.parts = []

    def _put(self, mask_empty, text):
        if self.verbose or not mask_empty:
            self.parts.append(text)

    def eth(self, name, key, mask):
        if mask is not None and not any(mask):
            if self.verbose:
                self.parts.append(f"{name}={_mac(key)}/{_mac(mask)}")
            return
        if mask is None or all(x == 0xFF for x in mask):
            self.parts.append(f"{name}={_mac(key)}")
        else:
            self.parts.append(f"{name}={_mac(key)}/{_mac(mask)}")

    def ipv4(self, name, key, mask):
        empty = mask is not None and not any(mask)
        text = f"{name}={_ip4(key)}"
        if mask is not None and mask != b"\xff" * 4:
            text += "/" + _ip4(mask)
        self._put(empty, text)

    def in6(self, name, key, mask):
        empty = mask is not None and not any(mask)
        text = f"{name}={_ip6(key)}"
        if mask is not None and mask != b"\xff" * 16:
            text += "/" + _ip6(mask)
        self._put(empty, text)

    def _num(self, name, key, mask, full, fmt):
        empty = mask is not None and not mask
        text = f"{name}={fmt(key)}"
        if mask is not None and mask != full:
            text += "/" + _hx(mask)
        self._put(empty, text)

    def u8u(self, name, key, mask):
        self._num(name, key, mask, 0xFF, str)

    def u8x(self, name, key, mask):
        self._num(name, key, mask, 0xFF, _hx)

    def be16(self, name, key, mask):
        self._num(name, key, mask, 0xFFFF, str)

    def be16x(self, name, key, mask):
        self._num(name, key, mask, 0xFFFF, _hx)

    def be64(self, name, key, mask):
        self._num(name, key, mask, (1 << 64) - 1, lambda v: "0x%x" % v)

    def label(self, name, key, mask):
        empty = mask is not None and not mask
        text = f"{name}={_hx(key)}"
        if mask is not None and mask & 0xFFFFF != 0xFFFFF:
            text += "/" + _hx(mask)
        self._put(empty, text)

    def frag(self, name, key, mask):
        if mask is not None and mask not in (0, 0xFF):
            self.parts.append("error: partial mask not supported for frag (%s)" % _hx(mask))
        elif mask is None or mask:
            self.parts.append(f"{name}={_FRAG.get(key, '<error>')}")

    def text(self):
        return ",".join(self.parts)


def _m(mask, off, size):
    """A mask field, or None when there is no mask."""
    if mask is None:
        return None
    return mask[off:off + size]


def _mi(mask, fmt, off):
    if mask is None:
        return None
    return struct.unpack_from(fmt, mask, off)[0]


# -- masks -------------------------------------------------------------------------


def _mask_is(t, m, byte):
    """odp_mask_is_constant__(): is the mask all ``byte`` (0 or 0xff)?"""
    word = 0xFFFFFFFF if byte else 0
    if t in (TCP_FLAGS,):
        return len(m) == 2 and _be16(m) & 0x0FFF == (0x0FFF if byte else 0)
    if t == IPV6:
        if len(m) != 40:
            return False
        b8 = 0xFF if byte else 0
        return (_be32(m, 32) & 0xFFFFF == (0xFFFFF & word) and m[36] == b8 and m[37] == b8
                and m[38] == b8 and m[39] == b8 and m[:32] == bytes([b8]) * 32)
    if t == ARP:
        return m[:22] == bytes([byte]) * 22
    if t == CT_TUPLE4:
        return m[:13] == bytes([byte]) * 13
    if t == CT_TUPLE6:
        return m[:37] == bytes([byte]) * 37
    if t in (PRIORITY, IN_PORT, ETHERNET, VLAN, ETHERTYPE, IPV4, TCP, UDP, ICMP, ICMPV6, ND,
             ND_EXT, SKB_MARK, TUNNEL, SCTP, DP_HASH, RECIRC_ID, MPLS, CT_STATE, CT_ZONE,
             CT_MARK, CT_LABELS, PACKET_TYPE, NSH):
        return m == bytes([byte]) * len(m)
    return False


def _zero_mask(t, a):
    """generate_all_wildcard_mask() for one key attribute's payload."""
    if t in _NESTED:
        out = b""
        for ty, p in _attrs(a):
            z = _zero_mask(ty if t != TUNNEL else -1, p)
            out += struct.pack("<HH", 4 + len(z), ty) + z + b"\0" * ((-len(z)) & 3)
        return out
    return bytes(len(a))


# -- keys --------------------------------------------------------------------------


def format_key(key: bytes, mask: bytes | None = None, verbose: bool = False, *,
               ports=None) -> str:
    """odp_flow_format(): key attributes (and their mask) as OVS prints them.
    Malformed attributes raise DecodeError."""
    if ports is not None:
        return _with_ports(ports, format_key, key, mask, verbose)
    key = _bytes(key, "key_attrs")
    mask = _bytes(mask, "key_attrs") if mask is not None else None
    _check(key, "key_attrs")
    if mask:
        _check(mask, "key_attrs")
    return _guard(_format_key, "key_attrs", key, mask, verbose)


def _format_key(key, mask=None, verbose=False):
    if not key:
        return "<empty>"
    out = []
    has_ethtype = has_pt = False
    for t, a in _attrs(key):
        ma = _find(mask, t) if mask else None
        if t == ETHERTYPE:
            has_ethtype = True
        elif t == PACKET_TYPE:
            has_pt = True
        wildcard = False
        if mask:
            wildcard = _mask_is(t, ma, 0) if ma is not None else True
        if verbose or not wildcard or t in _NESTED:
            if wildcard and ma is None:
                ma = _zero_mask(t, a)
            out.append(_key_attr(t, a, ma, verbose))
        elif t == ETHERNET and not has_pt:
            out.append("eth()")
    s = ",".join(out)
    if not has_ethtype and mask:
        ma = _find(mask, ETHERTYPE)
        if ma is not None:
            s += ",eth_type(0/0x%04x)" % _be16(ma)
    return s


def _vlan_tci(tci, mask, verbose):
    parts = []
    vid, mvid = tci & 0xFFF, mask & 0xFFF
    if verbose or vid or mvid:
        parts.append("vid=%d" % vid + ("" if mvid == 0xFFF else "/0x%x" % mvid))
    pcp, mpcp = tci >> 13, mask >> 13
    if verbose or pcp or mpcp:
        parts.append("pcp=%d" % pcp + ("" if mpcp == 7 else "/0x%x" % mpcp))
    if not tci & 0x1000:
        parts.append("cfi=0")
    return ",".join(parts)


def _mpls_lse(lse):
    return "label=%d,tc=%d,ttl=%d,bos=%d" % (lse >> 12, (lse >> 9) & 7, lse & 0xFF,
                                             (lse >> 8) & 1)


def _u128(value, mask, verbose):
    # ovs_32aligned_u128 in host order, printed as one big-endian number
    if verbose or (mask is not None and any(mask)):
        s = _hexdump(bytes(value)[::-1])
        if mask is not None and mask != b"\xff" * 16:
            s += "/" + _hexdump(bytes(mask)[::-1])
        return s
    return ""


def _key_attr(t, a, ma, verbose):
    """format_odp_key_attr__()."""
    name = _KEY_NAMES.get(t, "key%d" % t)
    exact = _mask_is(t, ma, 0xFF) if ma is not None else True
    f = _Fields(verbose)
    if t == ENCAP:
        if ma and a:
            body = _format_key(a, ma, verbose)
        else:
            body = _format_key(a, None, verbose) if a else ""
    elif t in (PRIORITY, SKB_MARK, DP_HASH, RECIRC_ID):
        body = _hx(_u32(a)) + ("" if exact else "/" + _hx(_u32(ma)))
    elif t == CT_MARK:
        body = ""
        if verbose or (ma is not None and any(ma)):
            body = _hx(_u32(a)) + ("" if exact else "/" + _hx(_u32(ma)))
    elif t == CT_STATE:
        m = _u32(ma) if ma is not None and any(ma) else 0
        if verbose:
            body = _hx(_u32(a)) + ("" if exact else "/" + _hx(m))
        elif not exact:
            body = _flags_masked(_u32(a), m, _CT_STATES, 0xFFFFFFFF)
        else:
            body = _flags(_u32(a), _CT_STATES, "|")
    elif t == CT_ZONE:
        body = ""
        if verbose or (ma is not None and any(ma)):
            z = struct.unpack("<H", a)[0]
            body = _hx(z) + ("" if exact else "/" + _hx(struct.unpack("<H", ma)[0]))
    elif t == CT_LABELS:
        body = _u128(a, ma, verbose)
    elif t == CT_TUPLE4:
        f.ipv4("src", a[0:4], _m(ma, 0, 4))
        f.ipv4("dst", a[4:8], _m(ma, 4, 4))
        f.u8u("proto", a[12], _mi(ma, "B", 12))
        f.be16("tp_src", _be16(a, 8), _mi(ma, ">H", 8))
        f.be16("tp_dst", _be16(a, 10), _mi(ma, ">H", 10))
        body = f.text()
    elif t == CT_TUPLE6:
        f.in6("src", a[0:16], _m(ma, 0, 16))
        f.in6("dst", a[16:32], _m(ma, 16, 16))
        f.u8u("proto", a[36], _mi(ma, "B", 36))
        f.be16("src_port", _be16(a, 32), _mi(ma, ">H", 32))
        f.be16("dst_port", _be16(a, 34), _mi(ma, ">H", 34))
        body = f.text()
    elif t == TUNNEL:
        body = _tunnel(a, ma, verbose)
    elif t == IN_PORT:
        body = _port_text(_u32(a)) if exact else "%d/%s" % (_u32(a), _hx(_u32(ma)))
    elif t == PACKET_TYPE:
        v = _be32(a)
        m = _be32(ma) if ma is not None else 0xFFFFFFFF
        f.be16("ns", v >> 16, m >> 16)
        f.be16x("id", v & 0xFFFF, m & 0xFFFF)
        body = f.text()
    elif t == ETHERNET:
        f.eth("src", a[0:6], _m(ma, 0, 6))
        f.eth("dst", a[6:12], _m(ma, 6, 6))
        body = f.text()
    elif t == VLAN:
        body = _vlan_tci(_be16(a), _be16(ma) if ma is not None else 0xFFFF, verbose)
    elif t == MPLS:
        if not a or len(a) % 4:
            return "%s((bad key length %d))" % (name, len(a))
        lses = [_be32(a, i) for i in range(0, len(a), 4)]
        if exact:
            body = ",".join(_mpls_lse(x) for x in lses)
        else:
            ms = [_be32(ma, i) for i in range(0, len(ma), 4)]
            body = ",".join(
                "label=%d/0x%x,tc=%d/%x,ttl=%d/0x%x,bos=%d/%x" % (
                    k >> 12, m >> 12, (k >> 9) & 7, (m >> 9) & 7, k & 0xFF, m & 0xFF,
                    (k >> 8) & 1, (m >> 8) & 1) for k, m in zip(lses, ms))
    elif t == ETHERTYPE:
        body = "0x%04x" % _be16(a) + ("" if exact else "/0x%04x" % _be16(ma))
    elif t == IPV4:
        f.ipv4("src", a[0:4], _m(ma, 0, 4))
        f.ipv4("dst", a[4:8], _m(ma, 4, 4))
        f.u8u("proto", a[8], _mi(ma, "B", 8))
        f.u8x("tos", a[9], _mi(ma, "B", 9))
        f.u8u("ttl", a[10], _mi(ma, "B", 10))
        f.frag("frag", a[11], _mi(ma, "B", 11))
        body = f.text()
    elif t == IPV6:
        f.in6("src", a[0:16], _m(ma, 0, 16))
        f.in6("dst", a[16:32], _m(ma, 16, 16))
        f.label("label", _be32(a, 32), _mi(ma, ">I", 32))
        f.u8u("proto", a[36], _mi(ma, "B", 36))
        f.u8x("tclass", a[37], _mi(ma, "B", 37))
        f.u8u("hlimit", a[38], _mi(ma, "B", 38))
        f.frag("frag", a[39], _mi(ma, "B", 39))
        body = f.text()
    elif t in (TCP, UDP, SCTP):
        f.be16("src", _be16(a, 0), _mi(ma, ">H", 0))
        f.be16("dst", _be16(a, 2), _mi(ma, ">H", 2))
        body = f.text()
    elif t == TCP_FLAGS:
        if not exact:
            body = _flags_masked(_be16(a), _be16(ma) & 0x0FFF, _TCP_FLAGS, 0x0FFF)
        else:
            body = _flags(_be16(a), _TCP_FLAGS, "|")
    elif t in (ICMP, ICMPV6):
        f.u8u("type", a[0], _mi(ma, "B", 0))
        f.u8u("code", a[1], _mi(ma, "B", 1))
        body = f.text()
    elif t == ARP:
        f.ipv4("sip", a[0:4], _m(ma, 0, 4))
        f.ipv4("tip", a[4:8], _m(ma, 4, 4))
        f.be16("op", _be16(a, 8), _mi(ma, ">H", 8))
        f.eth("sha", a[10:16], _m(ma, 10, 6))
        f.eth("tha", a[16:22], _m(ma, 16, 6))
        body = f.text()
    elif t == ND:
        f.in6("target", a[0:16], _m(ma, 0, 16))
        f.eth("sll", a[16:22], _m(ma, 16, 6))
        f.eth("tll", a[22:28], _m(ma, 22, 6))
        body = f.text()
    elif t == ND_EXT:
        f.parts.append("nd_reserved=0x%x" % _be32(a))
        f.u8u("nd_options_type", a[4], _mi(ma, "B", 4))
        body = f.text()
    elif t == NSH:
        body = _nsh(a, ma)
    else:
        body = _generic(a) + ("" if exact else "/" + _generic(ma))
    return f"{name}({body})"


def _tunnel(a, mask_attr, verbose):
    """format_odp_tun_attr()."""
    f = _Fields(verbose)
    flags = mflags = 0
    for t, v in _attrs(a):
        ma = None
        if mask_attr is not None:
            ma = _find(mask_attr, t)
            if ma is None:
                ma = bytes(len(v))
        if t == _T.id:
            f.be64("tun_id", struct.unpack(">Q", v)[0],
                   struct.unpack(">Q", ma)[0] if ma is not None else None)
            flags |= 8
            if ma is not None:
                mflags |= 8
        elif t == _T.ipv4_src:
            f.ipv4("src", v, ma)
        elif t == _T.ipv4_dst:
            f.ipv4("dst", v, ma)
        elif t == _T.ipv6_src:
            f.in6("ipv6_src", v, ma)
        elif t == _T.ipv6_dst:
            f.in6("ipv6_dst", v, ma)
        elif t == _T.tos:
            f.u8x("tos", v[0], ma[0] if ma is not None else None)
        elif t == _T.ttl:
            f.u8u("ttl", v[0], ma[0] if ma is not None else None)
        elif t == _T.dont_fragment:
            flags |= 2
        elif t == _T.csum:
            flags |= 4
        elif t == _T.tp_src:
            f.be16("tp_src", _be16(v), _be16(ma) if ma is not None else None)
        elif t == _T.tp_dst:
            f.be16("tp_dst", _be16(v), _be16(ma) if ma is not None else None)
        elif t == _T.oam:
            flags |= 1
        elif t == _T.vxlan_opts:
            f.parts.append("vxlan(%s)" % _vxlan(v, ma, verbose))
        elif t == _T.geneve_opts:
            f.parts.append("geneve(%s)" % _geneve(v, ma, verbose))
        elif t == _T.pad:
            pass
        elif t == _T.erspan_opts:
            f.parts.append("erspan(%s)" % _erspan(v, ma, verbose))
        else:
            f.parts.append("key%d(%s%s)" % (t, _generic(v),
                                            "/" + _generic(ma) if ma and ma != b"\xff" * len(ma)
                                            else ""))
    if mask_attr is not None:
        for t, _ in _attrs(mask_attr):
            mflags |= {_T.dont_fragment: 2, _T.csum: 4, _T.oam: 1}.get(t, 0)
    if verbose or mask_attr is None or mflags:
        if mask_attr is not None:
            body = _flags_masked(flags, mflags & 0xF, _TUN_FLAGS, 0xF)
        else:
            body = _flags(flags, _TUN_FLAGS, "|")
        f.parts.append("flags(%s)" % body)
    return f.text()


def _vxlan(v, ma, verbose):
    parts = []
    for t, x in _attrs(v):
        m = _find(ma, t) if ma is not None else None
        if ma is not None and m is None:
            m = bytes(len(x))
        if t == _V.gbp:
            key = _u32(x)
            g = _Fields(verbose)
            mk = _u32(m) if m is not None else None
            g.be16("id", key & 0xFFFF, mk & 0xFFFF if mk is not None else None)
            g.u8x("flags", (key >> 16) & 0xFF, (mk >> 16) & 0xFF if mk is not None else None)
            parts.append("gbp(%s)" % g.text())
        else:
            parts.append("key%d(%s)" % (t, _generic(x)))
    return ",".join(parts)


def _geneve(v, ma, verbose):
    """format_geneve_opts(): {class=,type=,len=,data}."""
    if ma is not None and len(ma) != len(v):
        return "value len %d different from mask len %d" % (len(v), len(ma))
    out, off = [], 0
    while off < len(v):
        if len(v) - off < 4:
            out.append("opt len %d less than minimum 4" % (len(v) - off))
            break
        dlen = (v[off + 3] & 0x1F) * 4
        n = 4 + dlen
        if n > len(v) - off:
            out.append("opt len %d greater than remaining %d" % (n, len(v) - off))
            break
        g = _Fields(verbose)
        m = ma[off:off + n] if ma is not None else None
        g.be16x("class", _be16(v, off), _be16(m) if m is not None else None)
        g.u8x("type", v[off + 2], m[2] if m is not None else None)
        mlen = None
        if m is not None:
            mlen = 0xFF if m[3] & 0x1F == 0x1F else m[3] & 0x1F
        g.u8u("len", dlen, mlen)
        data = v[off + 4:off + n]
        text = g.text()
        if dlen and (verbose or m is None or any(m[4:])):
            text += "," + _hexdump(data)
            if m is not None and m[4:] != b"\xff" * dlen:
                text += "/" + _hexdump(m[4:])
        out.append("{%s}" % text)
        off += n
    return "".join(out)


def _erspan(v, ma, verbose):
    g = _Fields(verbose)
    ver = struct.unpack_from("<i", v)[0]
    g.u8u("ver", ver & 0xFF, (struct.unpack_from("<i", ma)[0] & 0xFF) if ma is not None
          else None)
    if ver == 1:
        idx = _be32(v, 4)
        g.parts.append("idx=%s/%s" % (_hx(idx), _hx(_be32(ma, 4))) if ma is not None
                       else "idx=%s" % _hx(idx))
    elif ver == 2:
        # struct erspan_md2 (little-endian bitfields): byte 10 = hwid_upper:2 ft:5 p:1,
        # byte 11 = o:1 gra:2 dir:1 hwid:4
        def dir_hwid(b):
            return (b[11] >> 3) & 1, ((b[11] >> 4) & 0xF) | ((b[10] & 3) << 4)
        d, h = dir_hwid(v)
        md, mh = dir_hwid(ma) if ma is not None else (None, None)
        g.u8u("dir", d, md)
        g.u8x("hwid", h, mh)
    return g.text()


def _nsh_fields(base, md1, mask_base, mask_md1, masked):
    flags, ttl, mdtype, np_ = base[0], base[1], base[2], base[3]
    path = _be32(base, 4)
    if not masked:
        s = "flags=%d" % flags + "ttl=%d" % ttl      # sic: OVS prints no comma here
        s += ",mdtype=%d,np=%d,spi=0x%x,si=%d" % (mdtype, np_, path >> 8, path & 0xFF)
        if mdtype == 1:
            s += "".join(",c%d=0x%x" % (i + 1, _be32(md1, 4 * i)) for i in range(4))
        return s
    parts = []

    def u8(name, v, m):
        if m:
            parts.append("%s=%s" % (name, v if m == 0xFF else "0x%02x/0x%02x" % (v, m)))

    def b32(name, v, m):
        if m:
            parts.append("%s=%s" % (name, "0x%x" % v if m == 0xFFFFFFFF
                                    else "0x%x/0x%08x" % (v, m)))
    mpath = _be32(mask_base, 4)
    spi_m = mpath >> 8
    if spi_m == 0xFFFFFF:
        spi_m = 0xFFFFFFFF
    u8("flags", flags, mask_base[0])
    u8("ttl", ttl, mask_base[1])
    u8("mdtype", mdtype, mask_base[2])
    u8("np", np_, mask_base[3])
    b32("spi", path >> 8, spi_m)
    u8("si", path & 0xFF, mpath & 0xFF)
    for i in range(4):
        b32("c%d" % (i + 1), _be32(md1, 4 * i), _be32(mask_md1, 4 * i))
    return ",".join(parts)


def _nsh(a, ma):
    base, md1 = bytes(8), bytes(16)
    mbase, mmd1 = b"\xff" * 8, b"\xff" * 16
    for t, v in _attrs(a):
        m = _find(ma, t) if ma is not None else None
        if t == _N.base and len(v) == 8:
            base = v
            if m is not None:
                mbase = m
        elif t == _N.md1 and len(v) == 16:
            md1 = v
            if m is not None:
                mmd1 = m
    return _nsh_fields(base, md1, mbase, mmd1, ma is not None)


# -- actions -----------------------------------------------------------------------


def format_userdata(userdata: bytes) -> str:
    """The userdata part of a userspace action: OVS's 48-byte cookies
    (struct user_action_cookie, lib/odp-util.h; ``user_action_cookie`` in
    specs/ovs.py) decoded, anything else as hex (format_odp_userspace_action())."""
    u = bytes(userdata)
    if len(u) == _cookie_mod.cookie_size():
        text = _cookie_mod.format_cookie(_cookie_mod.decode_cookie(u), _port_text)
        if text is not None:
            return text
    return ",userdata(%s)" % u.hex()


def _userspace(a):
    pid = userdata = tun = None
    acts = False
    for t, v in _attrs(a):
        if t == _U.pid:
            pid = _u32(v)
        elif t == _U.userdata:
            userdata = v
        elif t == _U.egress_tun_port:
            tun = _u32(v)
        elif t == _U.actions:
            acts = True
    if pid is None:
        return "userspace(error)"
    s = "userspace(pid=%d" % pid
    if userdata is not None:
        s += format_userdata(userdata)
    if acts:
        s += ",actions"
    if tun is not None:
        s += ",tunnel_out_port=%s" % _port_text(tun)
    return s + ")"


def _nat(a):
    d = _by_name(a, _NAT_NAMES)
    src, dst = "src" in d, "dst" in d
    ip_min, ip_max = d.get("ip_min"), d.get("ip_max")
    pmin = struct.unpack("<H", d["proto_min"])[0] if "proto_min" in d else 0
    pmax = struct.unpack("<H", d["proto_max"])[0] if "proto_max" in d else 0
    if not (src or dst):
        return "nat"
    s = "nat(" + ("src" if src else "dst")
    if ip_min:
        s += "="
        if len(ip_min) == 4:
            s += _ip4(ip_min)
            if ip_max and any(ip_max) and ip_max != ip_min:
                s += "-" + _ip4(ip_max)
        else:
            br = (lambda x: "[%s]" % _ip6(x)) if pmin else _ip6
            s += br(ip_min)
            if ip_max and any(ip_max) and ip_max != ip_min:
                s += "-" + br(ip_max)
        if pmin:
            s += ":%d" % pmin
            if pmax and pmax != pmin:
                s += "-%d" % pmax
    s += "," + "".join(w + "," for t, w in (("persistent", "persistent"), ("proto_hash", "hash"),
                                     ("proto_random", "random"))
                       if t in d)
    return s.rstrip(",") + ")"


def _ct(a):
    """format_odp_conntrack_action(), trailing-comma quirks included."""
    d = _by_name(a, _CT_NAMES)
    zone = struct.unpack("<H", d["zone"])[0] if "zone" in d else 0
    if not ("commit" in d or "force_commit" in d or zone or "mark" in d or "labels" in d or "helper" in d or "timeout" in d or "nat" in d):
        return "ct"
    s = ""
    if "commit" in d:
        s += "commit,"
    if "force_commit" in d:
        s += "force_commit,"
    if zone:
        s += "zone=%d," % zone
    if "mark" in d:
        v, m = struct.unpack_from("<II", d["mark"])
        s += "mark=%s/%s," % (_hx(v), _hx(m))
    if "labels" in d:
        s += "label=" + _u128(d["labels"][:16], d["labels"][16:32], True) + ","
    if "helper" in d:
        s += "helper=%s," % d["helper"].split(b"\0", 1)[0].decode()
    if "timeout" in d:
        s += "timeout=%s," % d["timeout"].split(b"\0", 1)[0].decode()
    if "nat" in d:
        s += _nat(d["nat"])
    if s.endswith(","):
        s = s[:-1]
    return "ct(%s)" % s


def _push_nsh(a):
    base, md1, md2 = bytes(8), bytes(16), None
    for t, v in _attrs(a):
        if t == _N.base:
            base = v
        elif t == _N.md1:
            md1 = v
        elif t == _N.md2:
            md2 = v
    path = _be32(base, 4)
    s = "push_nsh(flags=%d,ttl=%d,mdtype=%d,np=%d,spi=0x%x,si=%d" % (
        base[0], base[1], base[2], base[3], path >> 8, path & 0xFF)
    if base[2] == 1:
        s += "".join(",c%d=0x%x" % (i + 1, _be32(md1, 4 * i)) for i in range(4))
    elif md2 is not None:
        s += ",md2=" + _hexdump(md2)
    return s + ")"


def _set_masked(a):
    for t, v in _attrs(a):
        if t == NSH:
            base, md1 = bytes(8), bytes(16)
            mbase, mmd1 = b"\xff" * 8, b"\xff" * 16
            for nt, nv in _attrs(v):
                if nt == _N.base and len(nv) == 16:
                    base, mbase = nv[:8], nv[8:]
                elif nt == _N.md1 and len(nv) == 32:
                    md1, mmd1 = nv[:16], nv[16:]
            return "set(nsh(%s))" % _nsh_fields(base, md1, mbase, mmd1, True)
        half = len(v) // 2
        if half <= 40:
            return "set(%s)" % _key_attr(t, v[:half], v[half:], False)
        return "set(%s)" % _key_attr(t, v, None, False)
    return "set()"


def _action(t, a, kernel):
    if t == _A.output:
        return _port_text(_u32(a))
    if t == _A.userspace:
        return _userspace(a)
    if t == _A.set:
        for kt, kv in _attrs(a):
            return "set(%s)" % _key_attr(kt, kv, None, True)
        return "set()"
    if t == _A.push_vlan:
        tpid, tci = struct.unpack(">HH", a)
        return "push_vlan(%s%s)" % ("" if tpid == 0x8100 else "tpid=0x%04x," % tpid,
                                    _vlan_tci(tci, 0xFFFF, False))
    if t == _A.pop_vlan:
        return "pop_vlan"
    if t == _A.sample:
        if kernel:      # OVS_SAMPLE_ATTR_ARG (sample_arg) first, then the actions inline
            prob = _u32(a, 8)
            acts = a[(struct.unpack_from("<H", a)[0] + 3) & ~3:]
        else:
            prob = _u32(_find(a, _S.probability) or bytes(4))
            acts = _find(a, _S.actions) or b""
        return "sample(sample=%.1f%%,actions(%s))" % (100.0 * prob / 0xFFFFFFFF,
                                                       _actions(acts, kernel))
    if t == _A.recirc:
        return "recirc(%s)" % _hx(_u32(a))
    if t == _A.hash:
        alg, basis = struct.unpack("<II", a)
        name = {0: "l4", 1: "sym_l4"}.get(alg)
        return "hash(%s)" % ("%s(%d)" % (name, basis) if name
                             else "Unknown hash algorithm(%d)" % alg)
    if t in (_A.push_mpls, _A.add_mpls):
        return "%s(%s,eth_type=0x%x)" % ("push_mpls" if t == _A.push_mpls else "add_mpls",
                                         _mpls_lse(_be32(a)), _be16(a, 4))
    if t == _A.pop_mpls:
        return "pop_mpls(eth_type=0x%x)" % _be16(a)
    if t == _A.set_masked:
        return _set_masked(a)
    if t == _A.ct:
        return "ct(kernel:%s)" % a.hex() if kernel else _ct(a)
    if t == _A.trunc:
        return "trunc(%d)" % _u32(a)
    if t == _A.push_eth:
        return "push_eth(src=%s,dst=%s)" % (_mac(a[0:6]), _mac(a[6:12]))
    if t == _A.pop_eth:
        return "pop_eth"
    if t == _A.ct_clear:
        return "ct_clear"
    if t == _A.push_nsh:
        return _push_nsh(a)
    if t == _A.pop_nsh:
        return "pop_nsh()"
    if t == _A.meter:
        return "meter(%d)" % _u32(a)
    if t == _A.clone:
        if kernel:      # OVS_CLONE_ATTR_EXEC (type 0) first
            first = next(_attrs(a), None)
            if first is not None and first[0] == _CLONE.exec:
                a = a[(struct.unpack_from("<H", a)[0] + 3) & ~3:]
        return "clone(%s)" % _actions(a, kernel)
    if t == _A.check_pkt_len:
        size = _find(a, _C.pkt_len)
        arg = _spec.attr_id("check_pkt_len_attrs_kernel", "arg")
        if kernel and size is None and _find(a, arg) is not None:
            size = _find(a, arg)[:2]
        gt, le = _find(a, _C.actions_if_greater), _find(a, _C.actions_if_less_equal)
        if size is None or gt is None or le is None:
            return "check_pkt_len(error)"
        return "check_pkt_len(size=%d,gt(%s),le(%s))" % (
            struct.unpack_from("<H", size)[0], _actions(gt, kernel), _actions(le, kernel))
    if t == _A.dec_ttl:
        inner = _find(a, _D.action)
        return "dec_ttl(le_1(%s))" % ("" if inner is None else _actions(inner, kernel))
    if t == _A.drop:
        return "drop"
    if t == _A.psample:
        group, cookie = _find(a, _P.group), _find(a, _P.cookie)
        s = "psample(group=%d" % _u32(group or bytes(4))
        if cookie:
            s += ",cookie=" + _hexdump(cookie)
        return s + ")"
    if t == _AK.set_to_masked and kernel:      # OVS_ACTION_ATTR_SET_TO_MASKED: shown as the set it was
        for kt, kv in _attrs(a):
            return "set(%s)" % _key_attr(kt, kv[:len(kv) // 2], None, True)
    return "action%d" % t + ("(%s)" % " ".join("%02x" % x for x in a) if a else "")


def _actions(buf, kernel=False):
    if not buf:
        return "drop"
    return ",".join(_action(t, a, kernel) for t, a in _attrs(buf))


def format_actions(actions, kernel: bool = False, *, ports=None) -> str:
    """format_odp_actions(): an OVS_ACTION_ATTR_* list (bytes, or a dict as
    decoded) as OVS prints it, e.g. ``sample(sample=10.0%,actions(...)),3``.
    ``kernel=True`` reads the in-kernel forms of sw_flow_actions dumps;
    ``ports`` ({name: number}) prints those ports by name, as ovs-dpctl does.
    Malformed input raises DecodeError (path and offset)."""
    if ports is not None:
        return _with_ports(ports, format_actions, actions, kernel)
    setname = "action_attrs_kernel" if kernel else "action_attrs"
    buf = _bytes(actions, setname)
    _check(buf, setname)
    return _guard(_actions, setname, buf, kernel)


def _check(buf, setname):
    """The codec's verdict on the bytes: DecodeError (path and offset) when malformed."""
    from ..message import decode_attrs
    decode_attrs(buf, "ovs_flow", setname)


def _guard(fn, setname, *args):
    """Run a formatter; a payload it cannot read is a DecodeError, never another error."""
    try:
        return fn(*args)
    except DecodeError:
        raise
    except (struct.error, IndexError, KeyError, ValueError, TypeError) as e:
        raise DecodeError(f"cannot format as ovs-dpctl text: {e}", path=setname) from None


# -- flows -------------------------------------------------------------------------


def _bytes(v, attrset):
    if v is None:
        return b""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, str):
        return bytes.fromhex(v)
    from ..message import encode_attrs
    return encode_attrs("ovs_flow", attrset, v)


def ufid_text(ufid) -> str:
    """A UFID as OVS prints it (odp_format_ufid: four host-order u32 words)."""
    from ..values import parse_bytes
    b = parse_bytes(ufid, "uuid")
    p = struct.unpack("<4I", b)
    return "ufid:%08x-%04x-%04x-%04x-%04x%08x" % (p[0], p[1] >> 16, p[1] & 0xFFFF,
                                                   p[2] >> 16, p[2] & 0xFFFF, p[3])


def _tcp_flags_text(fl):
    """packet_format_tcp_flags()."""
    if not fl:
        return "none"
    s = ""
    for bit, ch in ((0x002, "S"), (0x001, "F"), (0x008, "P"), (0x004, "R"), (0x020, "U"),
                    (0x010, "."), (0x040, "E"), (0x080, "C"), (0x100, "N"), (0x200, "[200]"),
                    (0x400, "[400]"), (0x800, "[800]")):
        if fl & bit:
            s += ch
    return s


def _flow_parts(flow):
    """key, mask, actions (bytes) and the stats of a flow given in any form."""
    attrs = getattr(flow, "attrs", None)
    if attrs is not None and not isinstance(flow, dict):
        flow = attrs
    if isinstance(flow, (bytes, bytearray, memoryview)):
        buf = bytes(flow)
        d = {"key": _find(buf, _F.key), "actions": _find(buf, _F.actions), "mask": _find(buf, _F.mask),
             "ufid": _find(buf, _F.ufid)}
        st, tf, used = _find(buf, _F.stats), _find(buf, _F.tcp_flags), _find(buf, _F.used)
        d["stats"] = struct.unpack("<QQ", st) if st else (0, 0)
        d["tcp_flags"] = tf[0] if tf else 0
        d["used"] = struct.unpack("<Q", used)[0] if used else 0
        return d
    stats = flow.get("stats") or {}
    if isinstance(stats, (bytes, bytearray, str)):
        stats = dict(zip(("n_packets", "n_bytes"), struct.unpack("<QQ", _bytes(stats, ""))))
    return {"key": _bytes(flow.get("key"), "key_attrs"),
            "mask": _bytes(flow.get("mask"), "key_attrs") if flow.get("mask") is not None
            else None,
            "actions": _bytes(flow.get("actions"), "action_attrs"),
            "ufid": flow.get("ufid"),
            "stats": (stats.get("n_packets", 0), stats.get("n_bytes", 0)),
            "tcp_flags": flow.get("tcp_flags") or 0, "used": flow.get("used") or 0}


def format_flow(flow, *, now_ms: float | None = None, verbose: bool = False,
                ports=None) -> str:
    """One line of ``ovs-dpctl dump-flows`` (``-m`` with ``verbose``) for a flow:
    a Message, its attribute dict, or the raw OVS_FLOW_ATTR_* bytes.
    ``now_ms`` is the monotonic clock in ms for ``used:`` (default: now);
    ``ports`` ({name: number}) prints ports by name as ovs-dpctl does."""
    if ports is not None:
        return _with_ports(ports, format_flow, flow, now_ms=now_ms, verbose=verbose)
    d = _flow_parts(flow)
    s = ""
    if verbose and d["ufid"] is not None:
        s += ufid_text(d["ufid"]) + ", "
    s += format_key(d["key"] or b"", d["mask"] or None, verbose)
    n_packets, n_bytes = d["stats"]
    s += ", packets:%d, bytes:%d, used:" % (n_packets, n_bytes)
    if d["used"]:
        if now_ms is None:
            now_ms = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0
        s += "%.3fs" % ((now_ms - d["used"]) / 1000.0)
    else:
        s += "never"
    if d["tcp_flags"]:
        s += ", flags:" + _tcp_flags_text(d["tcp_flags"])
    if verbose:
        # lib/dpctl.c format_dpif_flow(): dpif-netlink's flows are of dp_layer "ovs"
        s += ", dp:ovs"
    return s + ", actions:" + format_actions(d["actions"] or b"")


# -- parsing (odp_flow_from_string / odp_actions_from_string, the common forms) ------


def _nla(t, payload=b""):
    n = 4 + len(payload)
    return struct.pack("<HH", n, t) + bytes(payload) + b"\0" * ((-n) & 3)


def _split(text, sep=","):
    """Split at top-level separators (not inside (), {} or [])."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ')' in {text!r}")
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise ValueError(f"unbalanced '(' in {text!r}")
    if cur or out:
        out.append(cur)
    return [x.strip() for x in out]


def _call(item):
    """``name(body)`` -> (name, body); ``name`` -> (name, None)."""
    i = item.find("(")
    if i < 0:
        return item, None
    if not item.endswith(")"):
        raise ValueError(f"cannot read {item!r}")
    return item[:i], item[i + 1:-1]


def _int(text):
    """C's %i: 0x.. hex, 0.. octal, else decimal."""
    t = text.strip()
    neg = t.startswith("-")
    if neg:
        t = t[1:]
    if t.lower().startswith("0x"):
        v = int(t, 16)
    elif len(t) > 1 and t.startswith("0"):
        v = int(t, 8)
    else:
        v = int(t)
    return -v if neg else v


def _vm(text, full, conv=_int):
    """``value[/mask]`` with the mask defaulting to ``full``."""
    if "/" in text:
        v, m = text.split("/", 1)
        return conv(v), conv(m)
    return conv(text), full


def _fields(body):
    """``a=1,b=2/3,c(…)`` -> {name: text}; bare words map to None."""
    d = {}
    for part in _split(body) if body else []:
        if "=" in part and (part.find("(") < 0 or part.find("=") < part.find("(")):
            k, v = part.split("=", 1)
            d[k] = v
        else:
            d[part] = None
    return d


def _ipv4b(t):
    return socket.inet_aton(t)


def _ipv6b(t):
    return socket.inet_pton(socket.AF_INET6, t)


def _macb(t):
    return bytes.fromhex(t.replace(":", ""))


class _KV:
    """Accumulates a struct's value and mask bytes field by field."""

    def __init__(self, size):
        self.v = bytearray(size)
        self.m = bytearray(size)

    def put(self, off, text, kind, size=None):
        if kind == "ip4":
            v, m = _vm(text, b"\xff" * 4, _ipv4b)
        elif kind == "ip6":
            v, m = _vm(text, b"\xff" * 16, _ipv6b)
        elif kind == "mac":
            v, m = _vm(text, b"\xff" * 6, _macb)
        else:       # ">H", ">I", "B", "<H" ...
            full = (1 << (8 * struct.calcsize(kind))) - 1
            iv, im = _vm(text, full)
            v, m = struct.pack(kind, iv), struct.pack(kind, im)
        self.v[off:off + len(v)] = v
        self.m[off:off + len(m)] = m

    def frag(self, off, text):
        self.v[off] = {"no": 0, "first": 1, "later": 2}[text]
        self.m[off] = 0xFF


def _flags_parse(body, names):
    """``a|b`` (exact) or ``+a-b`` (masked) or a number -> (value, mask or None)."""
    rev = {n: b for b, n in names.items()}
    body = body.strip()
    if body and body[0] in "+-":
        v = m = 0
        i = 0
        while i < len(body):
            sign = body[i]
            j = i + 1
            while j < len(body) and body[j] not in "+-":
                j += 1
            word = body[i + 1:j]
            if word not in rev:
                raise ValueError(f"unknown flag {word!r} in {body!r} "
                                 f"(known: {', '.join(sorted(rev))})")
            bit = rev[word]
            m |= bit
            if sign == "+":
                v |= bit
            i = j
        return v, m
    if body in ("", "0"):
        return 0, None
    v = 0
    for w in body.split("|"):
        if w in rev:
            v |= rev[w]
            continue
        try:
            v |= _int(w)
        except ValueError:
            raise ValueError(f"unknown flag {w!r} in {body!r} "
                             f"(known: {', '.join(sorted(rev))})") from None
    return v, None


def _key_item(name, body):
    """One key item -> (type, value payload, mask payload)."""
    f = _fields(body)
    if name in ("skb_priority", "skb_mark", "dp_hash", "recirc_id", "ct_mark"):
        t = {"skb_priority": PRIORITY, "skb_mark": SKB_MARK, "dp_hash": DP_HASH,
             "recirc_id": RECIRC_ID, "ct_mark": CT_MARK}[name]
        if not body:
            return t, bytes(4), bytes(4)
        v, m = _vm(body, 0xFFFFFFFF)
        return t, struct.pack("<I", v), struct.pack("<I", m)
    if name == "in_port":
        v, m = _vm(body, 0xFFFFFFFF, _port_num)
        return IN_PORT, struct.pack("<I", v), struct.pack("<I", m)
    if name == "ct_zone":
        if not body:
            return CT_ZONE, bytes(2), bytes(2)
        v, m = _vm(body, 0xFFFF)
        return CT_ZONE, struct.pack("<H", v), struct.pack("<H", m)
    if name == "ct_state":
        if body and body[0] not in "+-" and "/" in body:     # numeric value/mask
            v, m = _vm(body, 0xFFFFFFFF)
            return CT_STATE, struct.pack("<I", v), struct.pack("<I", m)
        v, m = _flags_parse(body, _CT_STATES)
        return CT_STATE, struct.pack("<I", v), struct.pack("<I", 0xFFFFFFFF if m is None else m)
    if name == "ct_label":
        v, m = _vm(body, (1 << 128) - 1) if body else (0, 0)
        return CT_LABELS, v.to_bytes(16, "little"), m.to_bytes(16, "little")
    if name == "eth_type":
        v, m = _vm(body, 0xFFFF)
        return ETHERTYPE, struct.pack(">H", v), struct.pack(">H", m)
    if name == "eth":
        kv = _KV(12)
        for k, off in (("src", 0), ("dst", 6)):
            if k in f:
                kv.put(off, f[k], "mac")
        return ETHERNET, kv.v, kv.m
    if name == "vlan":
        tci, mask = 0, 0
        if "vid" in f:
            v, m = _vm(f["vid"], 0xFFF)
            tci, mask = tci | v, mask | m
        if "pcp" in f:
            v, m = _vm(f["pcp"], 7)
            tci, mask = tci | v << 13, mask | m << 13
        if f.get("cfi") == "0":
            mask |= 0x1000
        else:
            tci, mask = tci | 0x1000, mask | 0x1000
        return VLAN, struct.pack(">H", tci), struct.pack(">H", mask)
    if name == "ipv4":
        kv = _KV(12)
        for k, off, kind in (("src", 0, "ip4"), ("dst", 4, "ip4"), ("proto", 8, "B"),
                             ("tos", 9, "B"), ("ttl", 10, "B")):
            if k in f:
                kv.put(off, f[k], kind)
        if "frag" in f:
            kv.frag(11, f["frag"])
        return IPV4, kv.v, kv.m
    if name == "ipv6":
        kv = _KV(40)
        for k, off, kind in (("src", 0, "ip6"), ("dst", 16, "ip6"), ("proto", 36, "B"),
                             ("tclass", 37, "B"), ("hlimit", 38, "B")):
            if k in f:
                kv.put(off, f[k], kind)
        if "label" in f:
            v, m = _vm(f["label"], 0xFFFFF)
            kv.v[32:36], kv.m[32:36] = struct.pack(">I", v), struct.pack(">I", m)
        if "frag" in f:
            kv.frag(39, f["frag"])
        return IPV6, kv.v, kv.m
    if name in ("tcp", "udp", "sctp"):
        kv = _KV(4)
        for k, off in (("src", 0), ("dst", 2)):
            if k in f:
                kv.put(off, f[k], ">H")
        return {"tcp": TCP, "udp": UDP, "sctp": SCTP}[name], kv.v, kv.m
    if name == "tcp_flags":
        v, m = _flags_parse(body, _TCP_FLAGS)
        return TCP_FLAGS, struct.pack(">H", v), struct.pack(">H", 0x0FFF if m is None else m)
    if name in ("icmp", "icmpv6"):
        kv = _KV(2)
        for k, off in (("type", 0), ("code", 1)):
            if k in f:
                kv.put(off, f[k], "B")
        return ICMP if name == "icmp" else ICMPV6, kv.v, kv.m
    if name == "arp":
        kv = _KV(24)
        for k, off, kind in (("sip", 0, "ip4"), ("tip", 4, "ip4"), ("op", 8, ">H"),
                             ("sha", 10, "mac"), ("tha", 16, "mac")):
            if k in f:
                kv.put(off, f[k], kind)
        return ARP, kv.v, kv.m
    if name == "nd":
        kv = _KV(28)
        for k, off, kind in (("target", 0, "ip6"), ("sll", 16, "mac"), ("tll", 22, "mac")):
            if k in f:
                kv.put(off, f[k], kind)
        return ND, kv.v, kv.m
    if name == "mpls":
        lse = mask = 0
        for k, shift, full in (("label", 12, 0xFFFFF), ("tc", 9, 7), ("ttl", 0, 0xFF),
                               ("bos", 8, 1)):
            if k in f:
                v, m = _vm(f[k], full)
                lse, mask = lse | v << shift, mask | m << shift
        return MPLS, struct.pack(">I", lse), struct.pack(">I", mask)
    if name in ("ct_tuple4", "ct_tuple6"):
        six = name == "ct_tuple6"
        kv = _KV(40 if six else 16)
        a = 16 if six else 4
        sp, dp = ("src_port", "dst_port") if six else ("tp_src", "tp_dst")
        for k, off, kind in (("src", 0, "ip6" if six else "ip4"),
                             ("dst", a, "ip6" if six else "ip4"), (sp, 2 * a, ">H"),
                             (dp, 2 * a + 2, ">H"), ("proto", 2 * a + 4, "B")):
            if k in f:
                kv.put(off, f[k], kind)
        return (CT_TUPLE6 if six else CT_TUPLE4), kv.v, kv.m
    if name == "packet_type":
        ns, nsm = _vm(f.get("ns", "0"), 0xFFFF)
        i, im = _vm(f.get("id", "0"), 0xFFFF)
        return PACKET_TYPE, struct.pack(">I", ns << 16 | i), struct.pack(">I", nsm << 16 | im)
    if name == "tunnel":
        v, m = _tunnel_parse(f)
        return TUNNEL, v, m
    if name == "encap":
        k, m = _keys_parse(body) if body else (b"", b"")
        return ENCAP, k, m
    m = re.fullmatch(r"key(\d+)", name)
    if m and body is not None:
        # an attribute OVS does not know, printed as its payload's bytes
        v, _, mk = body.partition("/")
        v = bytes.fromhex(v)
        mk = bytes.fromhex(mk) if mk else b"\xff" * len(v)
        if len(mk) != len(v):
            raise ValueError(f"{name}({body}): value and mask differ in length")
        return int(m.group(1)), v, mk
    raise ValueError(f"unknown key {name}({body})")


def _tunnel_parse(f):
    """parse_odp_key_mask_attr() "tunnel(": the attributes in the order of the
    text (SCAN_BEGIN_NESTED takes the fields as they come)."""
    key, mask = b"", b""

    def put(t, v, m):
        nonlocal key, mask
        key += _nla(t, v)
        mask += _nla(t, m)
    simple = {"src": (_T.ipv4_src, "ip4", 4), "dst": (_T.ipv4_dst, "ip4", 4),
              "ipv6_src": (_T.ipv6_src, "ip6", 16), "ipv6_dst": (_T.ipv6_dst, "ip6", 16),
              "tos": (_T.tos, "B", 1), "ttl": (_T.ttl, "B", 1),
              "tp_src": (_T.tp_src, ">H", 2), "tp_dst": (_T.tp_dst, ">H", 2)}
    for k, val in f.items():
        if k == "tun_id":
            v, m = _vm(val, (1 << 64) - 1)
            put(_T.id, struct.pack(">Q", v), struct.pack(">Q", m))
            continue
        if k in simple:
            t, kind, size = simple[k]
            kv = _KV(size)
            kv.put(0, val, kind)
            put(t, kv.v, kv.m)
            continue
        n, body = _call(k)
        if n == "flags":
            # tun_flags_to_attr(): df, csum, oam; a bit of the mask puts the flag in the mask
            flags, fmask = _flags_parse(body, _TUN_FLAGS)
            fmask = 0xF if fmask is None else fmask
            for bit, t in ((2, _T.dont_fragment), (4, _T.csum), (1, _T.oam)):
                if flags & bit:
                    key += _nla(t)
                if fmask & bit:
                    mask += _nla(t)
        elif n == "vxlan":
            g = _fields(_call(body)[1])
            idv, idm = _vm(g.get("id", "0"), 0xFFFF)
            fv, fm = _vm(g.get("flags", "0"), 0xFF)
            put(_T.vxlan_opts, _nla(_V.gbp, struct.pack("<I", fv << 16 | idv)),
                _nla(_V.gbp, struct.pack("<I", fm << 16 | idm)))
        elif n == "geneve":
            v, m = _geneve_parse(body)
            put(_T.geneve_opts, v, m)
        elif n == "erspan":
            g = _fields(body)
            ver, verm = _vm(g.get("ver", "0"), 0xFF)
            v, m = bytearray(struct.pack("<i", ver) + bytes(8)), \
                bytearray(struct.pack("<i", verm) + bytes(8))
            if "idx" in g:
                iv, im = _vm(g["idx"], 0xFFFFFFFF)
                v[4:8], m[4:8] = struct.pack(">I", iv), struct.pack(">I", im)
            for fld, shift, width in (("dir", 3, 1), ("hwid", 4, 0xF)):
                if fld in g:
                    x, xm = _vm(g[fld], width)
                    v[11] |= (x & width) << shift
                    m[11] |= (xm & width) << shift
                    if fld == "hwid":
                        v[10] |= (x >> 4) & 3
                        m[10] |= (xm >> 4) & 3
            put(_T.erspan_opts, bytes(v), bytes(m))
        else:
            raise ValueError(f"tunnel: cannot read {k!r}")
    return key, mask


def _geneve_parse(body):
    v, m = b"", b""
    for opt in body.replace("}{", "}\0{").split("\0"):
        g = _split(opt.strip()[1:-1])
        d = {}
        data = datam = None
        for part in g:
            if "=" in part:
                k, x = part.split("=", 1)
                d[k] = x
            else:
                data, datam = _vm(part, None, lambda t: t)
        cls, clsm = _vm(d.get("class", "0"), 0xFFFF)
        typ, typm = _vm(d.get("type", "0"), 0xFF)
        ln, lnm = _vm(d.get("len", "0"), 0xFF)
        dv = _int(data).to_bytes(ln, "big") if data else bytes(ln)
        dm = (_int(datam).to_bytes(ln, "big") if datam else b"\xff" * ln) if data else bytes(ln)
        v += struct.pack(">HBB", cls, typ, ln // 4) + dv
        m += struct.pack(">HBB", clsm, typm, 0x1F if lnm == 0xFF else lnm) + dm
    return v, m


def _keys_parse(text):
    key, mask = b"", b""
    for item in _split(text):
        if not item:
            continue
        name, body = _call(item)
        if name == "eth_type" and body and body.startswith("0/"):
            # a mask without key: the kernel's 802.2 frames (odp_flow_format)
            mask += _nla(ETHERTYPE, struct.pack(">H", _int(body[2:])))
            continue
        try:
            t, v, m = _key_item(name, body)
        except _ParseError:
            raise
        except (ValueError, KeyError, IndexError, struct.error, OSError) as e:
            raise _ParseError(f"cannot read key {item!r}: {_why(e)}") from None
        key += _nla(t, v)
        mask += _nla(t, m)
    return key, mask


# -- actions --------------------------------------------------------------------------


def _cookie(kind, body):
    """parse_odp_userspace_action(): the cookie of ``kind(body)``."""
    f = _fields(body)
    try:
        if kind == "sflow":
            tci = _int(f["vid"]) | _int(f["pcp"]) << 13
            if tci:
                tci |= 0x1000           # VLAN_CFI
            c = _cookie_mod.cookie_of(kind, vlan_tci=tci, output=_int(f["output"]))
        elif kind == "slow_path":
            v, _ = _flags_parse(body.replace(",", "|"), _spec.enum("slow_path_reason").names)
            c = _cookie_mod.cookie_of(kind, reason=v)
        elif kind == "flow_sample":
            dirs = _spec.enum("sample_direction").values
            direction = next((dirs[w] for w in ("ingress", "egress") if w in f), 0)
            c = _cookie_mod.cookie_of(
                kind, probability=_int(f["probability"]),
                collector_set_id=_int(f["collector_set_id"]),
                obs_domain_id=_int(f["obs_domain_id"]), obs_point_id=_int(f["obs_point_id"]),
                output_odp_port=_port_num(f["output_port"]), direction=direction)
        elif kind == "ipfix":
            c = _cookie_mod.cookie_of(kind, output_odp_port=_port_num(f["output_port"]))
        else:
            c = _cookie_mod.cookie_of(
                kind, dont_send=1 if _int(f["dont_send"]) else 0,
                continuation=1 if _int(f["continuation"]) else 0, reason=_int(f["reason"]),
                recirc_id=_int(f["recirc_id"]), rule_cookie=int(f["rule_cookie"], 16),
                controller_id=_int(f["controller_id"]), max_len=_int(f["max_len"]))
    except KeyError as e:
        raise ValueError(f"userspace: {kind}({body}) lacks {e.args[0]}") from None
    return _cookie_mod.encode_cookie(c)


def _userspace_parse(body):
    out, tun, acts = b"", b"", b""
    for part in _split(body):
        name, arg = _call(part)
        if name.startswith("pid="):
            out += _nla(_U.pid, struct.pack("<I", _int(name[4:])))
        elif name == "userdata":
            # odp_put_userspace_action() puts at least 8 bytes (old kernels)
            out += _nla(_U.userdata, bytes.fromhex(arg).ljust(8, b"\0"))
        elif name in ("sFlow", "slow_path", "flow_sample", "ipfix", "controller"):
            out += _nla(_U.userdata, _cookie("sflow" if name == "sFlow" else name, arg))
        elif name == "actions":
            acts = _nla(_U.actions)
        elif name.startswith("tunnel_out_port="):
            tun = _nla(_U.egress_tun_port, struct.pack("<I", _port_num(name[16:])))
        else:
            raise ValueError(f"userspace: cannot read {part!r}")
    # odp_put_userspace_action(): pid, userdata, egress_tun_port, actions
    return out + tun + acts


def _nat_parse(body):
    out = b""
    if not body:
        return out
    parts = _split(body)
    kind = parts[0]
    name, _, rng = kind.partition("=")
    out += _nla(_NAT.src if name == "src" else _NAT.dst)
    if rng:
        if rng.startswith("["):             # [v6]-[v6]:ports
            addrs, _, ports = rng.rpartition("]:") if "]:" in rng else (rng, "", "")
            if addrs != rng:
                addrs += "]"
            lo, _, hi = addrs.partition("-")
            ips = [_ipv6b(x.strip("[]")) for x in (lo, hi) if x]
        elif rng.count(":") > 1:           # bare v6 range, no ports
            lo, _, hi = rng.partition("-")
            ips, ports = [_ipv6b(x) for x in (lo, hi) if x], ""
        else:
            addrs, _, ports = rng.partition(":")
            lo, _, hi = addrs.partition("-")
            ips = [_ipv4b(x) for x in (lo, hi) if x]
        out += _nla(_NAT.ip_min, ips[0])
        if len(ips) > 1:
            out += _nla(_NAT.ip_max, ips[1])
        if ports:
            lo, _, hi = ports.partition("-")
            out += _nla(_NAT.proto_min, struct.pack("<H", _int(lo)))
            if hi:
                out += _nla(_NAT.proto_max, struct.pack("<H", _int(hi)))
    for w in parts[1:]:
        out += _nla({"persistent": _NAT.persistent, "hash": _NAT.proto_hash,
                     "random": _NAT.proto_random}[w])
    return out


def _ct_parse(body):
    out = {}
    for part in _split(body or ""):
        name, arg = _call(part)
        if name == "commit":
            out["commit"] = b""
        elif name == "force_commit":
            out["force_commit"] = b""
        elif name.startswith("zone="):
            out["zone"] = struct.pack("<H", _int(name[5:]))
        elif name.startswith("mark="):
            v, m = _vm(name[5:], 0xFFFFFFFF)
            out["mark"] = struct.pack("<II", v, m)
        elif name.startswith("label="):
            v, m = _vm(name[6:], (1 << 128) - 1)
            out["labels"] = v.to_bytes(16, "little") + m.to_bytes(16, "little")
        elif name.startswith("helper="):
            out["helper"] = name[7:].encode() + b"\0"
        elif name.startswith("timeout="):
            out["timeout"] = name[8:].encode() + b"\0"
        elif name == "nat":
            out["nat"] = _nat_parse(arg)
        else:
            raise ValueError(f"ct: cannot read {part!r}")
    # odp-util.c puts commit, force_commit, zone, mark, labels, helper, timeout, nat
    return b"".join(_nla(getattr(_CT, n), out[n]) for n in
                    ("commit", "force_commit", "zone", "mark", "labels", "helper", "timeout",
                     "nat") if n in out)


def _lse(f):
    return (_int(f.get("label", "0")) << 12 | _int(f.get("tc", "0")) << 9
            | _int(f.get("bos", "0")) << 8 | _int(f.get("ttl", "0")))


def _set_parse(body):
    name, kbody = _call(body)
    t, v, m = _key_item(name, kbody)
    # parse_odp_action() "set(": a set_masked (value then mask, the value as written)
    # when the mask has the key's size and is not all ones; else a plain set
    if len(m) != len(v) or t == TUNNEL or all(x == 0xFF for x in m):
        return _nla(_A.set, _nla(t, v))
    return _nla(_A.set_masked, _nla(t, bytes(v) + bytes(m)))


def _action_parse(item):
    try:
        return _action_parse1(item)
    except _ParseError:
        raise
    except (ValueError, KeyError, IndexError, StopIteration, struct.error, OSError) as e:
        raise _ParseError(f"cannot read action {item!r}: {_why(e)}") from None


def _why(e):
    if isinstance(e, KeyError):
        return f"{e.args[0]!r} is missing or unknown"
    if isinstance(e, StopIteration):
        return "a part is missing"
    return str(e)


class _ParseError(ValueError):
    """A ValueError that already names the token it could not read."""


def _action_parse1(item):
    name, body = _call(item)
    if body is None and (name.isdigit() or name in _PORTS.get()[1]):
        return _nla(_A.output, struct.pack("<I", _port_num(name)))
    simple = {"pop_vlan": _A.pop_vlan, "pop_eth": _A.pop_eth, "ct_clear": _A.ct_clear,
              "pop_nsh": _A.pop_nsh}
    if name in simple and not body:
        return _nla(simple[name])
    if name == "drop":
        return _nla(_A.drop, struct.pack("<I", 0))
    if name == "userspace":
        return _nla(_A.userspace, _userspace_parse(body))
    if name == "set":
        return _set_parse(body)
    if name == "push_vlan":
        f = _fields(body)
        tpid = _int(f.get("tpid", "0x8100"))
        tci = _int(f.get("vid", "0")) | _int(f.get("pcp", "0")) << 13
        if f.get("cfi") != "0":
            tci |= 0x1000
        return _nla(_A.push_vlan, struct.pack(">HH", tpid, tci))
    if name == "sample":
        f = _fields(body)
        pct = float(f["sample"].rstrip("%"))
        prob = min(max(math.floor(0xFFFFFFFF * (pct / 100.0) + .5), 0), 0xFFFFFFFF)
        acts = next(_call(k)[1] for k in f if k.startswith("actions("))
        return _nla(_A.sample, _nla(_S.probability, struct.pack("<I", prob))
                    + _nla(_S.actions, _actions_parse(acts)))
    if name == "recirc":
        return _nla(_A.recirc, struct.pack("<I", _int(body)))
    if name == "hash":
        alg, basis = _call(body)
        return _nla(_A.hash, struct.pack("<II", {"l4": 0, "sym_l4": 1}[alg], _int(basis)))
    if name in ("push_mpls", "add_mpls"):
        f = _fields(body)
        if name == "push_mpls":
            return _nla(_A.push_mpls, struct.pack(">IH", _lse(f), _int(f["eth_type"])) + b"\0\0")
        return _nla(_A.add_mpls, struct.pack(">IH", _lse(f), _int(f["eth_type"])) + bytes(2))
    if name == "pop_mpls":
        return _nla(_A.pop_mpls, struct.pack(">H", _int(_fields(body)["eth_type"])))
    if name == "ct":
        return _nla(_A.ct, _ct_parse(body))
    if name == "trunc":
        return _nla(_A.trunc, struct.pack("<I", _int(body)))
    if name == "push_eth":
        f = _fields(body)
        return _nla(_A.push_eth, _macb(f["src"]) + _macb(f["dst"]))
    if name == "meter":
        return _nla(_A.meter, struct.pack("<I", _int(body)))
    if name == "clone":
        return _nla(_A.clone, _actions_parse(body))
    if name == "check_pkt_len":
        f = _fields(body)
        size = _int(f["size"])
        gt = next(_call(k)[1] for k in f if k.startswith("gt("))
        le = next(_call(k)[1] for k in f if k.startswith("le("))
        return _nla(_A.check_pkt_len, _nla(_C.pkt_len, struct.pack("<H", size))
                    + _nla(_C.actions_if_greater, _actions_parse(gt))
                    + _nla(_C.actions_if_less_equal, _actions_parse(le)))
    if name == "dec_ttl":
        inner = _call(body)[1]
        return _nla(_A.dec_ttl, _nla(_D.action, _actions_parse(inner)))
    if name == "psample":
        f = _fields(body)
        out = _nla(_P.group, struct.pack("<I", _int(f["group"])))
        if "cookie" in f:
            c = f["cookie"]
            c = c[2:] if c.startswith("0x") else c
            c = "0" * (len(c) % 2) + c
            out += _nla(_P.cookie, bytes.fromhex(c))
        return _nla(_A.psample, out)
    raise ValueError(f"cannot parse action {item!r}")


def _actions_parse(text):
    text = text.strip()
    if text in ("", "drop"):
        return b""
    return b"".join(_action_parse(x) for x in _split(text))


def _as_dict(setname, raw):
    """The decoded dict when it re-encodes to the same bytes, else the bytes."""
    from ..message import decode_attrs, encode_attrs
    d = decode_attrs(raw, "ovs_flow", setname)
    try:
        if encode_attrs("ovs_flow", setname, d) == raw:
            return d
    except Exception:       # noqa: BLE001 - any failure means: keep the bytes
        pass
    return raw


_TCP_FLAG_CHARS = {"S": 0x002, "F": 0x001, "P": 0x008, "R": 0x004, "U": 0x020, ".": 0x010,
                   "E": 0x040, "C": 0x080, "N": 0x100}


def parse_flow(text: str, *, ports=None, now_ms: float | None = None) -> dict:
    """An ``ovs-dpctl dump-flows`` line (or ``KEY actions:ACTIONS``, or the
    ``put[create] ufid:UUID KEY, actions:...`` log form) -> OVS_FLOW_ATTR_*
    values ready for ``nlcodec.encode("ovs_flow", "new", ...)``: ``key`` and
    ``mask`` as attribute dicts, ``actions`` as a dict, or as raw bytes when a
    dict cannot keep their order (a repeated action between others); ``ufid``,
    ``stats``, ``tcp_flags`` and ``used`` when the line has them.

    ``ports`` ({name: number}) reads ports given by name (``in_port(eth0)``,
    ``actions:eth1``); ``used:0.560s`` becomes ``used`` = ``now_ms`` - 560
    (``now_ms``: the monotonic clock in ms, default now), so that
    ``format_flow(parse_flow(s, now_ms=t), now_ms=t) == s``.  Text that
    cannot be read raises ValueError naming the token."""
    if ports is not None:
        return _with_ports(ports, parse_flow, text, now_ms=now_ms)
    s = text.strip()
    out = {}
    m = re.match(r"(?:\S+\s+)?ufid:([0-9a-fA-F-]+)(?:,\s*|\s+|$)", s)
    if m:
        w = m.group(1).replace("-", "")
        if len(w) != 32:
            raise ValueError(f"ufid:{m.group(1)}: a UFID has 32 hex digits")
        p = (int(w[0:8], 16), int(w[8:16], 16), int(w[16:24], 16), int(w[24:32], 16))
        out["ufid"] = struct.pack("<4I", *p)
        s = s[m.end():].strip()
    head, sep, acts = s.rpartition("actions:")
    if not sep:
        raise ValueError("no 'actions:' in the flow text")
    parts = _split(head.strip().rstrip(","))
    keys, stats = [], {}
    for p in parts:
        if p.startswith(("packets:", "bytes:", "used:", "flags:", "dp:", "offloaded:")):
            k, _, v = p.partition(":")
            stats[k] = v.strip()
        elif p:
            keys.append(p)
    key, mask = _keys_parse(",".join(keys))
    from ..message import decode_attrs
    out["key"] = decode_attrs(key, "ovs_flow", "key_attrs")
    out["mask"] = decode_attrs(mask, "ovs_flow", "key_attrs")
    out["actions"] = _as_dict("action_attrs", _actions_parse(acts))
    try:
        n_packets, n_bytes = int(stats.get("packets", 0)), int(stats.get("bytes", 0))
    except ValueError:
        raise ValueError(f"packets:{stats.get('packets')}, bytes:{stats.get('bytes')}: "
                         "not numbers") from None
    if n_packets or n_bytes:
        out["stats"] = {"n_packets": n_packets, "n_bytes": n_bytes}
    used = stats.get("used", "never")
    if used != "never":
        if not re.fullmatch(r"\d+(\.\d+)?s", used):
            raise ValueError(f"used:{used}: expected never or seconds such as 0.560s")
        if now_ms is None:
            now_ms = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0
        out["used"] = max(1, round(now_ms - float(used[:-1]) * 1000.0))
    if stats.get("flags") and stats["flags"] != "none":
        bad = set(stats["flags"]) - set(_TCP_FLAG_CHARS)
        if bad:
            raise ValueError(f"flags:{stats['flags']}: unknown {''.join(sorted(bad))}")
        out["tcp_flags"] = sum(_TCP_FLAG_CHARS[c] for c in stats["flags"])
    return out
