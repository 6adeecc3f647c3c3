"""Open vSwitch datapath flows as ``ovs-dpctl dump-flows`` prints them.

A port of the formatting in Open vSwitch's lib/odp-util.c
(``odp_flow_format``, ``format_odp_actions``) and lib/dpctl.c
(``format_dpif_flow``).  It works on the netlink bytes, exactly as OVS does:
decoded dicts are encoded back first (``nlcodec.encode_attrs``), and raw
attribute bytes are taken as they are.

Action order matters and a dict cannot keep the order of an action that
occurs more than once between others (``output:2,set(...),output:3``): pass
the bytes (``Message`` keeps none) when that matters.

    >>> format_flow(msg)            # an OVS_FLOW_CMD_NEW/GET reply
    'recirc_id(0),in_port(2),eth(...),eth_type(0x0800),ipv4(...), packets:0, bytes:0,
     used:never, actions:3'
"""

from __future__ import annotations

import socket
import struct
import time

__all__ = ["format_flow", "format_key", "format_actions", "format_userdata", "ufid_text",
           "parse_flow"]

# OVS_KEY_ATTR_*
ENCAP, PRIORITY, IN_PORT, ETHERNET, VLAN, ETHERTYPE, IPV4, IPV6, TCP, UDP, ICMP, ICMPV6, ARP, \
    ND, SKB_MARK, TUNNEL, SCTP, TCP_FLAGS, DP_HASH, RECIRC_ID, MPLS, CT_STATE, CT_ZONE, CT_MARK, \
    CT_LABELS, CT_TUPLE4, CT_TUPLE6, NSH, PACKET_TYPE, ND_EXT = range(1, 31)

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
_SLOW_PATH = {1: "cfm", 2: "bfd", 4: "lacp", 8: "stp", 16: "lldp", 32: "action", 64: "match"}


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


def _flags(value, names, delim):
    """format_flags(): names of the set bits, lowest first; unknown bits as hex."""
    if not value:
        return "0"
    out, bad = [], 0
    while value:
        bit = value & -value
        if bit in names:
            out.append(names[bit])
        else:
            bad |= bit
        value &= ~bit
    if bad:
        out.append("0x%x" % bad)
    return delim.join(out)


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


def format_key(key: bytes, mask: bytes | None = None, verbose: bool = False) -> str:
    """odp_flow_format(): key attributes (and their mask) as OVS prints them."""
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
            body = format_key(a, ma, verbose)
        else:
            body = format_key(a, None, verbose) if a else ""
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
        body = "%d" % _u32(a) if exact else "%d/%s" % (_u32(a), _hx(_u32(ma)))
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
        if t == 0:
            f.be64("tun_id", struct.unpack(">Q", v)[0],
                   struct.unpack(">Q", ma)[0] if ma is not None else None)
            flags |= 8
            if ma is not None:
                mflags |= 8
        elif t == 1:
            f.ipv4("src", v, ma)
        elif t == 2:
            f.ipv4("dst", v, ma)
        elif t == 12:
            f.in6("ipv6_src", v, ma)
        elif t == 13:
            f.in6("ipv6_dst", v, ma)
        elif t == 3:
            f.u8x("tos", v[0], ma[0] if ma is not None else None)
        elif t == 4:
            f.u8u("ttl", v[0], ma[0] if ma is not None else None)
        elif t == 5:
            flags |= 2
        elif t == 6:
            flags |= 4
        elif t == 9:
            f.be16("tp_src", _be16(v), _be16(ma) if ma is not None else None)
        elif t == 10:
            f.be16("tp_dst", _be16(v), _be16(ma) if ma is not None else None)
        elif t == 7:
            flags |= 1
        elif t == 11:
            f.parts.append("vxlan(%s)" % _vxlan(v, ma, verbose))
        elif t == 8:
            f.parts.append("geneve(%s)" % _geneve(v, ma, verbose))
        elif t == 14:
            pass
        elif t == 15:
            f.parts.append("erspan(%s)" % _erspan(v, ma, verbose))
        else:
            f.parts.append("key%d(%s%s)" % (t, _generic(v),
                                            "/" + _generic(ma) if ma and ma != b"\xff" * len(ma)
                                            else ""))
    if mask_attr is not None:
        for t, _ in _attrs(mask_attr):
            mflags |= {5: 2, 6: 4, 7: 1}.get(t, 0)
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
        if t == 1:
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
        if t == 1 and len(v) == 8:
            base = v
            if m is not None:
                mbase = m
        elif t == 2 and len(v) == 16:
            md1 = v
            if m is not None:
                mmd1 = m
    return _nsh_fields(base, md1, mbase, mmd1, ma is not None)


# -- actions -----------------------------------------------------------------------


def format_userdata(userdata: bytes) -> str:
    """The userdata part of a userspace action: OVS's 48-byte cookies
    (struct user_action_cookie, lib/odp-util.h) decoded, anything else as hex."""
    u = bytes(userdata)
    if len(u) == 48:
        ctype = struct.unpack_from("<H", u)[0]
        if ctype == 1:                          # USER_ACTION_COOKIE_SFLOW
            tci = _be16(u, 20)
            return ",sFlow(vid=%d,pcp=%d,output=%d)" % (tci & 0xFFF, tci >> 13, _u32(u, 24))
        if ctype == 2:                          # USER_ACTION_COOKIE_SLOW_PATH
            return ",slow_path(%s)" % _flags(_u32(u, 24), _SLOW_PATH, ",")
        if ctype == 3:                          # USER_ACTION_COOKIE_FLOW_SAMPLE
            prob, = struct.unpack_from("<H", u, 20)
            cs, dom, pt, port, direction = struct.unpack_from("<IIIIi", u, 24)
            s = (",flow_sample(probability=%d,collector_set_id=%d,obs_domain_id=%d,"
                 "obs_point_id=%d,output_port=%d" % (prob, cs, dom, pt, port))
            s += {1: ",ingress", 2: ",egress"}.get(direction, "")
            return s + ")"
        if ctype == 4:                          # USER_ACTION_COOKIE_IPFIX
            return ",ipfix(output_port=%d)" % _u32(u, 20)
        if ctype == 5:                          # USER_ACTION_COOKIE_CONTROLLER
            dont_send, cont, reason, recirc = struct.unpack_from("<BBHI", u, 20)
            cookie = (_be32(u, 28) << 32) | _be32(u, 32)
            cid, max_len = struct.unpack_from("<HH", u, 36)
            return (",controller(reason=%d,dont_send=%d,continuation=%d,recirc_id=%d,"
                    "rule_cookie=%s,controller_id=%d,max_len=%d)" % (
                        reason, bool(dont_send), bool(cont), recirc, _hx(cookie), cid, max_len))
    return ",userdata(%s)" % u.hex()


def _userspace(a):
    pid = userdata = tun = None
    acts = False
    for t, v in _attrs(a):
        if t == 1:
            pid = _u32(v)
        elif t == 2:
            userdata = v
        elif t == 3:
            tun = _u32(v)
        elif t == 4:
            acts = True
    if pid is None:
        return "userspace(error)"
    s = "userspace(pid=%d" % pid
    if userdata is not None:
        s += format_userdata(userdata)
    if acts:
        s += ",actions"
    if tun is not None:
        s += ",tunnel_out_port=%d" % tun
    return s + ")"


def _nat(a):
    d = {}
    for t, v in _attrs(a):
        d.setdefault(t, v)
    src, dst = 1 in d, 2 in d
    ip_min, ip_max = d.get(3), d.get(4)
    pmin = struct.unpack("<H", d[5])[0] if 5 in d else 0
    pmax = struct.unpack("<H", d[6])[0] if 6 in d else 0
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
    s += "," + "".join(w + "," for t, w in ((7, "persistent"), (8, "hash"), (9, "random"))
                       if t in d)
    return s.rstrip(",") + ")"


def _ct(a):
    """format_odp_conntrack_action(), trailing-comma quirks included."""
    d = {}
    for t, v in _attrs(a):
        d.setdefault(t, v)
    zone = struct.unpack("<H", d[2])[0] if 2 in d else 0
    if not (1 in d or 7 in d or zone or 3 in d or 4 in d or 5 in d or 9 in d or 6 in d):
        return "ct"
    s = ""
    if 1 in d:
        s += "commit,"
    if 7 in d:
        s += "force_commit,"
    if zone:
        s += "zone=%d," % zone
    if 3 in d:
        v, m = struct.unpack_from("<II", d[3])
        s += "mark=%s/%s," % (_hx(v), _hx(m))
    if 4 in d:
        s += "label=" + _u128(d[4][:16], d[4][16:32], True) + ","
    if 5 in d:
        s += "helper=%s," % d[5].split(b"\0", 1)[0].decode()
    if 9 in d:
        s += "timeout=%s" % d[9].split(b"\0", 1)[0].decode()
    if 6 in d:
        s += _nat(d[6])
    if s.endswith(","):
        s = s[:-1]
    return "ct(%s)" % s


def _push_nsh(a):
    base, md1, md2 = bytes(8), bytes(16), None
    for t, v in _attrs(a):
        if t == 1:
            base = v
        elif t == 2:
            md1 = v
        elif t == 3:
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
                if nt == 1 and len(nv) == 16:
                    base, mbase = nv[:8], nv[8:]
                elif nt == 2 and len(nv) == 32:
                    md1, mmd1 = nv[:16], nv[16:]
            return "set(nsh(%s))" % _nsh_fields(base, md1, mbase, mmd1, True)
        half = len(v) // 2
        if half <= 40:
            return "set(%s)" % _key_attr(t, v[:half], v[half:], False)
        return "set(%s)" % _key_attr(t, v, None, False)
    return "set()"


def _action(t, a, kernel):
    if t == 1:
        return "%d" % _u32(a)
    if t == 2:
        return _userspace(a)
    if t == 3:
        for kt, kv in _attrs(a):
            return "set(%s)" % _key_attr(kt, kv, None, True)
        return "set()"
    if t == 4:
        tpid, tci = struct.unpack(">HH", a)
        return "push_vlan(%s%s)" % ("" if tpid == 0x8100 else "tpid=0x%04x," % tpid,
                                    _vlan_tci(tci, 0xFFFF, False))
    if t == 5:
        return "pop_vlan"
    if t == 6:
        if kernel:      # OVS_SAMPLE_ATTR_ARG (sample_arg) first, then the actions inline
            prob = _u32(a, 8)
            acts = a[(struct.unpack_from("<H", a)[0] + 3) & ~3:]
        else:
            prob = _u32(_find(a, 1) or bytes(4))
            acts = _find(a, 2) or b""
        return "sample(sample=%.1f%%,actions(%s))" % (100.0 * prob / 0xFFFFFFFF,
                                                       _actions(acts, kernel))
    if t == 7:
        return "recirc(%s)" % _hx(_u32(a))
    if t == 8:
        alg, basis = struct.unpack("<II", a)
        name = {0: "l4", 1: "sym_l4"}.get(alg)
        return "hash(%s)" % ("%s(%d)" % (name, basis) if name
                             else "Unknown hash algorithm(%d)" % alg)
    if t in (9, 22):
        return "%s(%s,eth_type=0x%x)" % ("push_mpls" if t == 9 else "add_mpls",
                                         _mpls_lse(_be32(a)), _be16(a, 4))
    if t == 10:
        return "pop_mpls(eth_type=0x%x)" % _be16(a)
    if t == 11:
        return _set_masked(a)
    if t == 12:
        return "ct(kernel:%s)" % a.hex() if kernel else _ct(a)
    if t == 13:
        return "trunc(%d)" % _u32(a)
    if t == 14:
        return "push_eth(src=%s,dst=%s)" % (_mac(a[0:6]), _mac(a[6:12]))
    if t == 15:
        return "pop_eth"
    if t == 16:
        return "ct_clear"
    if t == 17:
        return _push_nsh(a)
    if t == 18:
        return "pop_nsh()"
    if t == 19:
        return "meter(%d)" % _u32(a)
    if t == 20:
        if kernel:      # OVS_CLONE_ATTR_EXEC (type 0) first
            first = next(_attrs(a), None)
            if first is not None and first[0] == 0:
                a = a[(struct.unpack_from("<H", a)[0] + 3) & ~3:]
        return "clone(%s)" % _actions(a, kernel)
    if t == 21:
        size = _find(a, 1)
        if kernel and size is None and _find(a, 4) is not None:
            size = _find(a, 4)[:2]
        gt, le = _find(a, 2), _find(a, 3)
        if size is None or gt is None or le is None:
            return "check_pkt_len(error)"
        return "check_pkt_len(size=%d,gt(%s),le(%s))" % (
            struct.unpack_from("<H", size)[0], _actions(gt, kernel), _actions(le, kernel))
    if t == 23:
        inner = _find(a, 1)
        return "dec_ttl(le_1(%s))" % ("" if inner is None else _actions(inner, kernel))
    if t == 24:
        return "drop"
    if t == 25:
        group, cookie = _find(a, 1), _find(a, 2)
        s = "psample(group=%d" % _u32(group or bytes(4))
        if cookie:
            s += ",cookie=" + _hexdump(cookie)
        return s + ")"
    if t == 27 and kernel:      # OVS_ACTION_ATTR_SET_TO_MASKED: shown as the set it was
        for kt, kv in _attrs(a):
            return "set(%s)" % _key_attr(kt, kv[:len(kv) // 2], None, True)
    return "action%d" % t + ("(%s)" % " ".join("%02x" % x for x in a) if a else "")


def _actions(buf, kernel=False):
    if not buf:
        return "drop"
    return ",".join(_action(t, a, kernel) for t, a in _attrs(buf))


def format_actions(actions, kernel: bool = False) -> str:
    """format_odp_actions(): an OVS_ACTION_ATTR_* list (bytes, or a dict as
    decoded) as OVS prints it, e.g. ``sample(sample=10.0%,actions(...)),3``.
    ``kernel=True`` reads the in-kernel forms of sw_flow_actions dumps."""
    return _actions(_bytes(actions, "action_attrs_kernel" if kernel else "action_attrs"), kernel)


# -- flows -------------------------------------------------------------------------


def _bytes(v, attrset):
    if v is None:
        return b""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if isinstance(v, str):
        return bytes.fromhex(v)
    from .message import encode_attrs
    return encode_attrs("ovs_flow", attrset, v)


def ufid_text(ufid) -> str:
    """A UFID as OVS prints it (odp_format_ufid: four host-order u32 words)."""
    from .values import parse_bytes
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
        d = {"key": _find(buf, 1), "actions": _find(buf, 2), "mask": _find(buf, 7),
             "ufid": _find(buf, 9)}
        st, tf, used = _find(buf, 3), _find(buf, 4), _find(buf, 5)
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


def format_flow(flow, *, now_ms: float | None = None, verbose: bool = False) -> str:
    """One line of ``ovs-dpctl dump-flows`` (``-m`` with ``verbose``) for a flow:
    a Message, its attribute dict, or the raw OVS_FLOW_ATTR_* bytes.
    ``now_ms`` is the monotonic clock in ms for ``used:`` (default: now)."""
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
    return s + ", actions:" + _actions(d["actions"] or b"")


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
            bit = rev[body[i + 1:j]]
            m |= bit
            if sign == "+":
                v |= bit
            i = j
        return v, m
    if body in ("", "0"):
        return 0, None
    v = 0
    for w in body.split("|"):
        v |= rev[w] if w in rev else _int(w)
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
        v, m = _vm(body, 0xFFFFFFFF)
        return IN_PORT, struct.pack("<I", v), struct.pack("<I", m)
    if name == "ct_zone":
        if not body:
            return CT_ZONE, bytes(2), bytes(2)
        v, m = _vm(body, 0xFFFF)
        return CT_ZONE, struct.pack("<H", v), struct.pack("<H", m)
    if name == "ct_state":
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
    raise ValueError(f"cannot parse key {name}({body})")


def _tunnel_parse(f):
    key, mask = b"", b""
    flags, fmask = 0, None
    if "flags" not in f:
        for k in f:
            if k.startswith("flags("):
                flags, fmask = _flags_parse(k[6:-1], _TUN_FLAGS)
    if fmask is None:
        fmask = 0xF

    def put(t, v, m):
        nonlocal key, mask
        key += _nla(t, v)
        mask += _nla(t, m)
    if "tun_id" in f:
        v, m = _vm(f["tun_id"], (1 << 64) - 1)
        put(0, struct.pack(">Q", v), struct.pack(">Q", m))
    for k, t, kind in (("src", 1, "ip4"), ("dst", 2, "ip4"), ("ipv6_src", 12, "ip6"),
                       ("ipv6_dst", 13, "ip6"), ("tos", 3, "B"), ("ttl", 4, "B")):
        if k in f:
            kv = _KV(16 if kind == "ip6" else 4 if kind == "ip4" else 1)
            kv.put(0, f[k], kind)
            put(t, kv.v, kv.m)
    for bit, t in ((2, 5), (4, 6)):
        if flags & bit:
            key += _nla(t)
        if fmask & bit:
            mask += _nla(t)
    for k, t in (("tp_src", 9), ("tp_dst", 10)):
        if k in f:
            v, m = _vm(f[k], 0xFFFF)
            put(t, struct.pack(">H", v), struct.pack(">H", m))
    if flags & 1:
        key += _nla(7)
    if fmask & 1:
        mask += _nla(7)
    for k in f:
        n, body = _call(k)
        if n == "vxlan":
            g = _fields(_call(body)[1])
            idv, idm = _vm(g.get("id", "0"), 0xFFFF)
            fv, fm = _vm(g.get("flags", "0"), 0xFF)
            put(11, _nla(1, struct.pack("<I", fv << 16 | idv)),
                _nla(1, struct.pack("<I", fm << 16 | idm)))
        elif n == "geneve":
            v, m = _geneve_parse(body)
            put(8, v, m)
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
            put(15, bytes(v), bytes(m))
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
        t, v, m = _key_item(name, body)
        key += _nla(t, v)
        mask += _nla(t, m)
    return key, mask


# -- actions --------------------------------------------------------------------------


def _cookie(kind, body):
    """OVS's struct user_action_cookie (48 bytes), ofp_in_port = OFPP_NONE."""
    head = struct.pack("<HH", kind, 0xFFFF) + bytes(16)
    f = _fields(body)
    if kind == 1:
        vid, pcp = _int(f["vid"]), _int(f["pcp"])
        tci = vid | pcp << 13
        if tci:
            tci |= 0x1000
        tail = struct.pack(">H", tci) + b"\0\0" + struct.pack("<I", _int(f["output"]))
    elif kind == 2:
        v, _ = _flags_parse(body.replace(",", "|"), _SLOW_PATH)
        tail = bytes(4) + struct.pack("<I", v)
    elif kind == 3:
        direction = 1 if "ingress" in f else 2 if "egress" in f else 0
        tail = struct.pack("<H2xIIIIi", _int(f["probability"]), _int(f["collector_set_id"]),
                           _int(f["obs_domain_id"]), _int(f["obs_point_id"]),
                           _int(f["output_port"]), direction)
    elif kind == 4:
        tail = struct.pack("<I", _int(f["output_port"]))
    else:
        tail = struct.pack("<BBHI", _int(f["dont_send"]), _int(f["continuation"]),
                           _int(f["reason"]), _int(f["recirc_id"])) \
            + struct.pack(">Q", _int(f["rule_cookie"])) \
            + struct.pack("<HH", _int(f["controller_id"]), _int(f["max_len"]))
    return (head + tail).ljust(48, b"\0")


def _userspace_parse(body):
    out, tun, acts = b"", b"", b""
    for part in _split(body):
        name, arg = _call(part)
        if name.startswith("pid="):
            out += _nla(1, struct.pack("<I", _int(name[4:])))
        elif name == "userdata":
            # odp_put_userspace_action() puts at least 8 bytes (old kernels)
            out += _nla(2, bytes.fromhex(arg).ljust(8, b"\0"))
        elif name in ("sFlow", "slow_path", "flow_sample", "ipfix", "controller"):
            kind = {"sFlow": 1, "slow_path": 2, "flow_sample": 3, "ipfix": 4,
                    "controller": 5}[name]
            out += _nla(2, _cookie(kind, arg))
        elif name == "actions":
            acts = _nla(4)
        elif name.startswith("tunnel_out_port="):
            tun = _nla(3, struct.pack("<I", _int(name[16:])))
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
    out += _nla(1 if name == "src" else 2)
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
        out += _nla(3, ips[0])
        if len(ips) > 1:
            out += _nla(4, ips[1])
        if ports:
            lo, _, hi = ports.partition("-")
            out += _nla(5, struct.pack("<H", _int(lo)))
            if hi:
                out += _nla(6, struct.pack("<H", _int(hi)))
    for w in parts[1:]:
        out += _nla({"persistent": 7, "hash": 8, "random": 9}[w])
    return out


def _ct_parse(body):
    out = {}
    for part in _split(body or ""):
        name, arg = _call(part)
        if name == "commit":
            out[1] = b""
        elif name == "force_commit":
            out[7] = b""
        elif name.startswith("zone="):
            out[2] = struct.pack("<H", _int(name[5:]))
        elif name.startswith("mark="):
            v, m = _vm(name[5:], 0xFFFFFFFF)
            out[3] = struct.pack("<II", v, m)
        elif name.startswith("label="):
            v, m = _vm(name[6:], (1 << 128) - 1)
            out[4] = v.to_bytes(16, "little") + m.to_bytes(16, "little")
        elif name.startswith("helper="):
            out[5] = name[7:].encode() + b"\0"
        elif name.startswith("timeout="):
            out[9] = name[8:].encode() + b"\0"
        elif name == "nat":
            out[6] = _nat_parse(arg)
        else:
            raise ValueError(f"ct: cannot read {part!r}")
    # odp-util.c puts commit, force_commit, zone, mark, labels, helper, timeout, nat
    return b"".join(_nla(t, out[t]) for t in (1, 7, 2, 3, 4, 5, 9, 6) if t in out)


def _lse(f):
    return (_int(f.get("label", "0")) << 12 | _int(f.get("tc", "0")) << 9
            | _int(f.get("bos", "0")) << 8 | _int(f.get("ttl", "0")))


def _set_parse(body):
    name, kbody = _call(body)
    t, v, m = _key_item(name, kbody)
    if t == TUNNEL:
        return _nla(3, _nla(t, v))
    if _mask_is(t, bytes(m), 0xFF):
        return _nla(3, _nla(t, v))
    value = bytes(x & y for x, y in zip(v, m))
    return _nla(11, _nla(t, value + bytes(m)))


def _action_parse(item):
    name, body = _call(item)
    if body is None and name.isdigit():
        return _nla(1, struct.pack("<I", int(name)))
    simple = {"pop_vlan": 5, "pop_eth": 15, "ct_clear": 16, "pop_nsh": 18}
    if name in simple and not body:
        return _nla(simple[name])
    if name == "drop":
        return _nla(24, struct.pack("<I", 0))
    if name == "userspace":
        return _nla(2, _userspace_parse(body))
    if name == "set":
        return _set_parse(body)
    if name == "push_vlan":
        f = _fields(body)
        tpid = _int(f.get("tpid", "0x8100"))
        tci = _int(f.get("vid", "0")) | _int(f.get("pcp", "0")) << 13
        if f.get("cfi") != "0":
            tci |= 0x1000
        return _nla(4, struct.pack(">HH", tpid, tci))
    if name == "sample":
        f = _fields(body)
        pct = float(f["sample"].rstrip("%"))
        prob = int(pct / 100.0 * 0xFFFFFFFF)
        acts = next(_call(k)[1] for k in f if k.startswith("actions("))
        return _nla(6, _nla(1, struct.pack("<I", prob)) + _nla(2, _actions_parse(acts)))
    if name == "recirc":
        return _nla(7, struct.pack("<I", _int(body)))
    if name == "hash":
        alg, basis = _call(body)
        return _nla(8, struct.pack("<II", {"l4": 0, "sym_l4": 1}[alg], _int(basis)))
    if name in ("push_mpls", "add_mpls"):
        f = _fields(body)
        if name == "push_mpls":
            return _nla(9, struct.pack(">IH", _lse(f), _int(f["eth_type"])) + b"\0\0")
        return _nla(22, struct.pack(">IH", _lse(f), _int(f["eth_type"])) + bytes(2))
    if name == "pop_mpls":
        return _nla(10, struct.pack(">H", _int(_fields(body)["eth_type"])))
    if name == "ct":
        return _nla(12, _ct_parse(body))
    if name == "trunc":
        return _nla(13, struct.pack("<I", _int(body)))
    if name == "push_eth":
        f = _fields(body)
        return _nla(14, _macb(f["src"]) + _macb(f["dst"]))
    if name == "meter":
        return _nla(19, struct.pack("<I", _int(body)))
    if name == "clone":
        return _nla(20, _actions_parse(body))
    if name == "check_pkt_len":
        f = _fields(body)
        size = _int(f["size"])
        gt = next(_call(k)[1] for k in f if k.startswith("gt("))
        le = next(_call(k)[1] for k in f if k.startswith("le("))
        return _nla(21, _nla(1, struct.pack("<H", size)) + _nla(2, _actions_parse(gt))
                    + _nla(3, _actions_parse(le)))
    if name == "dec_ttl":
        inner = _call(body)[1]
        return _nla(23, _nla(1, _actions_parse(inner)))
    if name == "psample":
        f = _fields(body)
        out = _nla(1, struct.pack("<I", _int(f["group"])))
        if "cookie" in f:
            c = f["cookie"]
            c = c[2:] if c.startswith("0x") else c
            c = "0" * (len(c) % 2) + c
            out += _nla(2, bytes.fromhex(c))
        return _nla(25, out)
    raise ValueError(f"cannot parse action {item!r}")


def _actions_parse(text):
    text = text.strip()
    if text in ("", "drop"):
        return b""
    return b"".join(_action_parse(x) for x in _split(text))


def _as_dict(setname, raw):
    """The decoded dict when it re-encodes to the same bytes, else the bytes."""
    from .message import decode_attrs, encode_attrs
    d = decode_attrs(raw, "ovs_flow", setname)
    try:
        if encode_attrs("ovs_flow", setname, d) == raw:
            return d
    except Exception:       # noqa: BLE001 - any failure means: keep the bytes
        pass
    return raw


def parse_flow(text: str) -> dict:
    """An ``ovs-dpctl dump-flows`` line (or ``KEY actions:ACTIONS``) ->
    OVS_FLOW_ATTR_* values ready for ``nlcodec.encode("ovs_flow", "new", ...)``:
    ``key`` and ``mask`` as attribute dicts, ``actions`` as a dict, or as raw
    bytes when a dict cannot keep their order (a repeated action between
    others); ``ufid``, ``stats``, ``tcp_flags`` when the line has them.
    ``format_flow(parse_flow(s)) == s`` for what format_flow prints (with
    ``used:never``).  The common keys and actions are read; nsh and tnl_* are not."""
    s = text.strip()
    out = {}
    if s.startswith("ufid:"):
        u, _, s = s.partition(",")
        w = u[5:].strip().replace("-", "")
        p = (int(w[0:8], 16), int(w[8:16], 16), int(w[16:24], 16), int(w[24:32], 16))
        out["ufid"] = struct.pack("<4I", *p)
        s = s.strip()
    head, sep, acts = s.rpartition("actions:")
    if not sep:
        raise ValueError("no 'actions:' in the flow text")
    parts = _split(head.strip().rstrip(","))
    keys, stats = [], {}
    for p in parts:
        if p.startswith(("packets:", "bytes:", "used:", "flags:", "dp:", "offloaded:")):
            k, _, v = p.partition(":")
            stats[k] = v
        elif p:
            keys.append(p)
    key, mask = _keys_parse(",".join(keys))
    from .message import decode_attrs
    out["key"] = decode_attrs(key, "ovs_flow", "key_attrs")
    out["mask"] = decode_attrs(mask, "ovs_flow", "key_attrs")
    out["actions"] = _as_dict("action_attrs", _actions_parse(acts))
    n_packets, n_bytes = int(stats.get("packets", 0)), int(stats.get("bytes", 0))
    if n_packets or n_bytes:
        out["stats"] = {"n_packets": n_packets, "n_bytes": n_bytes}
    if stats.get("flags") and stats["flags"] != "none":
        rev = {"S": 0x002, "F": 0x001, "P": 0x008, "R": 0x004, "U": 0x020, ".": 0x010,
               "E": 0x040, "C": 0x080, "N": 0x100}
        out["tcp_flags"] = sum(rev[c] for c in stats["flags"] if c in rev)
    return out
