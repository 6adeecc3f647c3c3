"""The pedit action of ``nlcodec.tc.parse`` (tc/m_pedit.c parse_pedit,
parse_munge, parse_cmd, pack_key*; header fields from tc/p_eth.c, p_ip.c,
p_ip6.c, p_tcp.c, p_udp.c): ``pedit [ex] munge HDR FIELD set|add VALUE
[retain N] | invert | clear | preserve | decrement``, verdict, ``index``."""

from __future__ import annotations

import functools
import socket

from .consts import enum, header_size
from .consts import field as hdr_field
from .words import Node, get_uint, mac, matches, prefix

TU32, TIPV4, TIPV6, TMAC = "u32", "ipv4", "ipv6", "mac"
RU32, RU16, RU8 = 0xFFFFFFFF, 0xFFFF, 0xFF
DEC = 1                                     # PEDIT_ALLOW_DEC

# header -> field -> (where: a member of specs/packet.py's header layout and
# bytes after it, length, value type, retain, flags); "ex": extended only.
# Lengths and retain masks are tc's (p_*.c): a 1-byte write into frag_off,
# the flow label as a 4-byte word.
_WHERE = {
    "eth": ("ex", "eth", {"type": (("type", 0), 2, TU32, RU16, 0),
                          "dst": (("dst", 0), 6, TMAC, RU32, 0),
                          "src": (("src", 0), 6, TMAC, RU32, 0)}),
    "ip": ("any", "ipv4", {"src": (("saddr", 0), 4, TIPV4, RU32, 0),
                           "dst": (("daddr", 0), 4, TIPV4, RU32, 0),
                           "tos": (("tos", 0), 1, TU32, RU8, 0),
                           "ihl": (("version_ihl", 0), 1, TU32, 0x0F, 0),
                           "ttl": (("ttl", 0), 1, TU32, RU8, DEC),
                           "protocol": (("protocol", 0), 1, TU32, RU8, 0),
                           "nofrag": (("frag_off", 0), 1, TU32, 0x3F, 0),
                           "firstfrag": (("frag_off", 0), 1, TU32, 0x1F, 0),
                           "ce": (("frag_off", 0), 1, TU32, 0x80, 0),
                           "df": (("frag_off", 0), 1, TU32, 0x40, 0),
                           "mf": (("frag_off", 0), 1, TU32, 0x20, 0)}),
    "ip6": ("ex", "ipv6", {"src": (("saddr", 0), 16, TIPV6, RU32, 0),
                           "dst": (("daddr", 0), 16, TIPV6, RU32, 0),
                           "flow_lbl": (("version_flow", 0), 4, TU32, 0x0007FFFF, 0),
                           "payload_len": (("payload_len", 0), 2, TU32, RU16, 0),
                           "nexthdr": (("nexthdr", 0), 1, TU32, RU8, 0),
                           "hoplimit": (("hop_limit", 0), 1, TU32, RU8, DEC),
                           # the byte after the version nibble (p_ip6.c; shifted below)
                           "traffic_class": (("version_flow", 1), 1, TU32, RU8, 0)}),
    "tcp": ("ex", "tcp", {"sport": (("source", 0), 2, TU32, RU16, 0),
                          "dport": (("dest", 0), 2, TU32, RU16, 0),
                          # the flags byte: the low byte of doff_flags
                          "flags": (("doff_flags", 1), 1, TU32, RU8, 0)}),
    "udp": ("ex", "udp", {"sport": (("source", 0), 2, TU32, RU16, 0),
                          "dport": (("dest", 0), 2, TU32, RU16, 0)}),
}
# p_ip.c: matched with matches() (prefixes) rather than strcmp
_IP_PREFIXED = {"dsfield": "tos", "precedence": "tos"}
# p_ip.c, non-extended only: fields after a 20-byte IPv4 header (tc writes
# icmp_code at the type's offset, as p_ip.c does)
_IP_OLD_WHERE = {"dport": ("tcp", "dest", 2, RU16), "sport": ("tcp", "source", 2, RU16),
                 "icmp_type": ("icmp", "type", 1, RU8), "icmp_code": ("icmp", "type", 1, RU8)}


@functools.lru_cache(maxsize=None)
def _tables():
    """_WHERE with the offsets read from the spec: {hdr: (mode, {field:
    (offset, length, vtype, retain, flags)})}, and the non-extended ip extras."""
    fields = {}
    for hdr, (mode, layout, fs) in _WHERE.items():
        fields[hdr] = (mode, {name: (hdr_field(layout, m) + extra, *rest)
                              for name, ((m, extra), *rest) in fs.items()})
    ip_len = header_size("ipv4")
    old = {name: (ip_len + hdr_field(layout, m), n, TU32, retain, 0)
           for name, (layout, m, n, retain) in _IP_OLD_WHERE.items()}
    return fields, old


_HTYPE = {"eth": "eth", "ip": "ip4", "ip6": "ip6", "tcp": "tcp", "udp": "udp"}
M32 = 0xFFFFFFFF


def _swap(v):
    """htonl(v) as the spec's native-order u32 member reads it."""
    return int.from_bytes((v & M32).to_bytes(4, "big"), "little")


class _Sel:
    def __init__(self, extended):
        self.extended = extended
        self.keys = []
        self.ex = []

    def pack(self, key):
        if len(self.keys) >= 128 or key["off"] % 4:
            raise ValueError("bad offset")
        if not self.extended and (key["htype"] != 0 or key["cmd"] != 0):
            raise ValueError("munge parameters not supported, use 'pedit ex munge ...'")
        self.keys.append({"mask": _swap(key["mask"]), "val": _swap(key["val"]),
                          "off": key["off"], "at": 0, "offmask": 0, "shift": 0})
        self.ex.append({"htype": key["htype"], "cmd": key["cmd"]})

    def key32(self, retain, k):
        if k["off"] & 3:
            raise ValueError("32 bit offsets must begin in 32bit boundaries")
        k["val"] = k["val"] & retain
        k["mask"] = (k["mask"] | ~retain) & M32
        self.pack(k)

    def key16(self, retain, k):
        if k["val"] > 0xFFFF or k["mask"] > 0xFFFF:
            raise ValueError("value too large")
        ind = k["off"] & 3
        if ind == 3:
            raise ValueError("bad offset")
        stride = 8 * (2 - ind)
        k["val"] = ((k["val"] & retain) << stride) & M32
        k["mask"] = ((((k["mask"] | ~retain) & M32) << stride) |
                     (0x0000FFFF, 0xFF0000FF, 0xFFFF0000)[ind]) & M32
        k["off"] &= ~3
        self.pack(k)

    def key8(self, retain, k):
        if k["val"] > 0xFF or k["mask"] > 0xFF:
            raise ValueError("value too large")
        ind = k["off"] & 3
        stride = 8 * (3 - ind)
        k["val"] = ((k["val"] & retain) << stride) & M32
        k["mask"] = ((((k["mask"] | ~retain) & M32) << stride) |
                     (0x00FFFFFF, 0xFF00FFFF, 0xFFFF00FF, 0xFFFFFF00)[ind]) & M32
        k["off"] &= ~3
        self.pack(k)


def _cmd(w, sel, key, length, vtype, retain, flags):
    """parse_cmd."""
    o = {2: 0xFFFF, 4: M32}.get(length, 0xFF)
    at = w.i
    word = w.need("pedit command")
    val = mask = 0
    raw = None
    pc = enum("pedit_cmd")
    if matches(word, "invert"):
        val = mask = o
    elif matches(word, "set") or matches(word, "add"):
        if matches(word, "add"):
            key["cmd"] = pc["add"]
        if not sel.extended and key["cmd"]:
            raise w.error("non extended mode: only 'set' is supported", at)
        vat = w.i
        s = w.need(word)
        try:
            if vtype == TU32:
                val = get_uint(s, 32, 0)
            elif vtype == TIPV4:      # pack_key_ip (m_pedit.c parse_val: get_prefix_1)
                raw = prefix(s, socket.AF_INET, empty=True)[1] or bytes(4)
            elif vtype == TIPV6:
                raw = prefix(s, socket.AF_INET6, empty=True)[1] or bytes(16)
            else:
                raw = mac(s)
        except ValueError:
            raise w.error(f"bad {vtype} value", vat) from None
    elif matches(word, "decrement"):
        if not flags & DEC:
            raise w.error("decrement is not supported for this field", at)
        if not sel.extended:
            raise w.error("non extended mode: only 'set' is supported", at)
        key["cmd"] = pc["add"]
        val = retain
    elif matches(word, "preserve"):
        retain = 0
    elif not matches(word, "clear"):
        raise w.error("bad pedit command (set, add, invert, clear, preserve, decrement)", at)
    if w.peek() is not None and matches(w.peek(), "retain"):
        w.next()
        ra = w.i
        try:
            retain = get_uint(w.need("retain"), 32, 0)
        except ValueError:
            raise w.error("bad retain", ra) from None
    if length > 4 and retain != RU32:
        raise w.error("retain is not supported for fields longer than 32 bits")
    try:
        if vtype == TMAC:
            b = raw if raw is not None else bytes(6)
            if not key["off"] & 3:
                sel.key32(M32, dict(key, mask=0, val=int.from_bytes(b[:4], "big")))
                key["off"] += 4
                sel.key16(M32, dict(key, mask=0, val=int.from_bytes(b[4:], "big")))
            elif not key["off"] & 1:
                k2 = dict(key, mask=0, val=int.from_bytes(b[:2], "big"))
                sel.key16(M32, k2)
                sel.key32(M32, dict(key, off=k2["off"] + 4, mask=0,
                                    val=int.from_bytes(b[2:], "big")))
            else:
                raise ValueError("mac offsets must begin in 32bit or 16bit boundaries")
            return
        if vtype == TIPV6:
            b = raw if raw is not None else bytes(16)
            for i in range(4):
                sel.key32(M32, dict(key, off=key["off"] + 4 * i, mask=0,
                                    val=int.from_bytes(b[4 * i:4 * i + 4], "big")))
            return
        if vtype == TIPV4 and raw is not None:
            val = int.from_bytes(raw, "big")
        k = dict(key, val=val, mask=mask)
        {1: sel.key8, 2: sel.key16, 4: sel.key32}[length](retain, k)
    except ValueError as e:
        raise w.error(f"pedit: {e}", at) from None


def _traffic_class_shift(sel):
    k = sel.keys[-1]
    m, v = _swap(k["mask"]), _swap(k["val"])
    k["mask"] = _swap((m << 4 | 0xF) & M32)
    k["val"] = _swap((v << 4) & M32)


def _munge(w, sel):
    at = w.i
    hdr = w.need("munge")
    if matches(hdr, "offset"):
        raise w.error("pedit munge offset is not supported by nlcodec.tc", at)
    tables, ip_old = _tables()
    if hdr not in tables:
        raise w.error("unknown pedit header (eth, ip, ip6, tcp, udp)", at)
    mode, fields = tables[hdr]
    if w.i + 1 >= len(w.w):
        raise w.error(f"munge {hdr} needs a field and a command")
    if mode == "ex" and not sel.extended:
        raise w.error(f"munge {hdr} needs 'pedit ex'", at)
    pht = enum("pedit_header_type")
    key = {"htype": pht[_HTYPE[hdr]] if sel.extended else pht["network"],
           "cmd": enum("pedit_cmd")["set"], "off": 0}
    fat = w.i
    field = w.next()
    spec = fields.get(field)
    if spec is None and hdr == "ip":
        alias = next((a for p, a in _IP_PREFIXED.items() if matches(field, p)), None)
        spec = fields.get(alias) if alias else None
        if spec is None and not sel.extended:
            spec = ip_old.get(field)
    if spec is None:
        raise w.error(f"unknown {hdr} field", fat)
    off, length, vtype, retain, flags = spec
    key["off"] = off
    if not w.more():
        raise w.error("pedit needs a command")
    _cmd(w, sel, key, length, vtype, retain, flags)
    if hdr == "ip6" and field == "traffic_class":
        _traffic_class_shift(sel)


def pedit(w, anode, resolve):
    from .actions import _gen, _options, _verdict_index
    sel = None
    ok = 0
    while w.more():
        word = w.peek()
        if matches(word, "pedit"):
            w.next()
            ok += 1
            if w.peek() is not None and matches(w.peek(), "ex"):
                if ok > 1:
                    raise w.error("'ex' must be before the first 'munge'")
                w.next()
                sel = _Sel(True)
            if sel is None:
                sel = _Sel(False)
            if not w.more():
                raise w.error("pedit needs munge")
        elif matches(word, "munge"):
            if not ok:
                raise w.error("munge without pedit")
            w.next()
            _munge(w, sel)
            ok += 1
        else:
            break
    opts = _options(anode)
    parms = Node(_gen(nkeys=0, flags=0, keys=[]), opts.path + ("parms",))
    _verdict_index(w, parms, "ok")
    parms.d["keys"] = sel.keys
    parms.d["nkeys"] = len(sel.keys)
    if sel.extended:
        opts.d["parms_ex"] = parms.d
        opts.d["keys_ex"] = {"key_ex": sel.ex}
    else:
        opts.d["parms"] = parms.d
