"""One-line summaries of the packets netlink carries (psample samples, OVS
upcalls and executes, tc/OVS dumps).

``dissect(data)`` gives the layers as JSON-ready dicts; ``describe(data)`` the
same as one line of text, e.g.::

    02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ip / 10.0.0.1 > 10.0.0.2 ttl 64 len 84 icmp
    / icmp echo request id 7 seq 1

Ethernet, 802.1Q and 802.1ad tags (QinQ), ARP, IPv4 and IPv6 (with extension
headers and fragments), TCP, UDP, ICMP and ICMPv6, and the inner frames of
VXLAN and Geneve.  A packet cut short (psample truncates to the sample size)
is summarised as far as it goes and the cut is named (``[|tcp: 8 of 20
bytes]``); nothing here raises on any input.  Layouts and numbers come from
``specs/packet.py``.
"""

from __future__ import annotations

from typing import Any

from .spec import Enum
from .structs import compile_struct

_S: Any = None  # the specs module, loaded on first use
_L: dict = {}   # name -> compiled Layout

MAX_LAYERS = 32          # bounds the walk on crafted input (nested tunnels, ext headers)


def _spec():
    global _S
    if _S is None:
        from .registry import _specs_package
        import importlib
        _S = importlib.import_module(f"{_specs_package().__name__}.packet")
        for name, st in _S.LAYOUTS.items():
            _L[name] = compile_struct(st, name)
    return _S


def ethertype_name(value: int) -> str | None:
    """iproute2's name of an ethertype (``ip``, ``802.1Q`` ...), or None."""
    return _spec().ethertypes.name_of(value)


def ip_protocol_name(value: int) -> str | None:
    return _spec().ip_protocols.name_of(value)


class _Cut(Exception):
    """A header did not fit: the walk ends there (the cut is in ``truncated``)."""


class _Walk:
    def __init__(self, data: bytes):
        self.data = data
        self.layers: list[dict] = []
        self.truncated = None

    def header(self, name, off, end, proto=None):
        """The decoded header ``name`` at ``off``; when fewer bytes than its
        size are left before ``end`` the cut is noted and the walk ends
        (``_Cut``, caught by ``dissect``: nothing after a cut header is known)."""
        h = self.try_header(name, off, end, proto)
        if h is None:
            raise _Cut
        return h

    def try_header(self, name, off, end, proto=None):
        """``header``, but None where it is cut (for what a layer may lack:
        ARP's addresses, an ND target, an ICMP header cut after its type)."""
        lay = _L[name]
        have = max(0, end - off)
        if have >= lay.size:
            return lay.decode(self.data, off, off + lay.size)
        self.cut(proto or name, have, lay.size)
        if self.truncated["have"] == have:
            whole = max(b for b in lay.boundaries if b <= have)   # the members that fit
            if whole:
                f = lay.decode(self.data, off, off + whole)
                f.pop("_size", None)        # the codec's note that a struct was short
                self.truncated["fields"] = f
        return None

    def cut(self, proto, have, need):
        if self.truncated is None:
            self.truncated = {"layer": proto, "have": have, "need": need}

    def add(self, layer):
        self.layers.append(layer)
        return len(self.layers) < MAX_LAYERS


def dissect(data) -> dict:
    """The layers of an Ethernet frame: ``{"len", "layers": [...], "truncated"}``.

    Each layer is a dict with ``proto`` and its fields (numbers raw, with
    ``*_name`` beside them where the number has a name).  ``truncated`` is
    None or ``{"layer", "have", "need"}``: the header that did not fit."""
    data = bytes(data)
    _spec()
    w = _Walk(data)
    try:
        _ether(w, 0, len(data))
    except _Cut:
        pass
    return {"len": len(data), "layers": w.layers, "truncated": w.truncated}


def _named(d, key, enum: Enum, value):
    d[key] = value
    name = enum.name_of(value)
    if name is not None:
        d[key + "_name"] = name


def _ether(w, off, end):
    S = _S
    h = w.header("eth", off, end)
    layer = {"proto": "eth", "src": h["src"], "dst": h["dst"]}
    off += _L["eth"].size
    etype = h["type"]
    if etype < S.ETH_P_802_3_MIN:                     # IEEE 802.3 length field (no ethertype)
        layer["length"] = etype
        w.add(layer)
        _payload(w, off, end)
        return
    _named(layer, "type", S.ethertypes, etype)
    if not w.add(layer):
        return
    _ethertype(w, etype, off, end)


def _ethertype(w, etype, off, end):
    S = _S
    while S.ethertypes.name_of(etype) in S.VLAN_TPIDS:
        h = w.header("vlan", off, end, "vlan")
        tci = h["tci"]
        layer = {"proto": "vlan", "tpid": etype, "tpid_name": S.ethertypes.name_of(etype),
                 "vid": tci & S.VLAN_VID_MASK, "pcp": tci >> S.VLAN_PRIO_SHIFT,
                 "dei": int(bool(tci & S.VLAN_CFI_MASK))}
        _named(layer, "type", S.ethertypes, h["type"])
        off += _L["vlan"].size
        etype = h["type"]
        if not w.add(layer):
            return
    # the layer an ethertype names (its names: specs/packet.py)
    after = {"ip": _ipv4, "ipv6": _ipv6, "arp": _arp, "rarp": _arp, "teb": _ether}
    after.get(S.ethertypes.name_of(etype), _payload)(w, off, end)


def _payload(w, off, end):
    if end > off:
        w.add({"proto": "payload", "len": end - off})


def _arp(w, off, end):
    S = _S
    h = w.header("arp", off, end)
    layer = {"proto": "arp", "hrd": h["hrd"], "pro": h["pro"]}
    _named(layer, "op", S.arp_ops, h["op"])
    off += _L["arp"].size
    if (h["hrd"] == S.ARPHRD_ETHER and S.ethertypes.name_of(h["pro"]) == "ip"
            and h["hln"] == 6 and h["pln"] == 4):
        a = w.try_header("arp_eth_ipv4", off, end, "arp")
        if a is not None:
            layer.update(sha=a["sha"], sip=a["sip"], tha=a["tha"], tip=a["tip"])
            off += _L["arp_eth_ipv4"].size
    w.add(layer)


def _ipv4(w, off, end):
    S = _S
    h = w.header("ipv4", off, end)
    ihl = (h["version_ihl"] & S.IPV4_IHL_MASK) * 4
    fo = h["frag_off"]
    flags = [n for n, bit in (("DF", S.IP_DF), ("MF", S.IP_MF)) if fo & bit]
    layer = {"proto": "ipv4", "version": h["version_ihl"] >> 4, "ihl": ihl, "src": h["saddr"],
             "dst": h["daddr"], "tos": h["tos"], "ttl": h["ttl"], "id": h["id"],
             "tot_len": h["tot_len"], "flags": ",".join(flags),
             "frag_offset": (fo & S.IP_OFFSET) * 8}
    _named(layer, "protocol", S.ip_protocols, h["protocol"])
    if not w.add(layer):
        return
    if ihl < _L["ipv4"].size:
        return                               # a bad header length: nothing after it is known
    if ihl > end - off:
        w.cut("ipv4 options", end - off, ihl)
        return
    if ihl <= h["tot_len"] < end - off:      # Ethernet padding after the datagram
        end = off + h["tot_len"]
    off += ihl
    if layer["frag_offset"]:                 # a later fragment: no transport header
        _payload(w, off, end)
        return
    _transport(w, h["protocol"], off, end)


def _ipv6(w, off, end):
    S = _S
    h = w.header("ipv6", off, end)
    vf = h["version_flow"]
    layer = {"proto": "ipv6", "version": vf >> S.IPV6_VERSION_SHIFT, "src": h["saddr"], "dst": h["daddr"],
             "tclass": (vf >> S.IPV6_TCLASS_SHIFT) & S.IPV6_TCLASS_MASK,
             "flow_label": vf & S.IPV6_FLOWLABEL_MASK,
             "hop_limit": h["hop_limit"], "payload_len": h["payload_len"]}
    _named(layer, "nexthdr", S.ip_protocols, h["nexthdr"])
    if not w.add(layer):
        return
    off += _L["ipv6"].size
    if 0 < h["payload_len"] < end - off:
        end = off + h["payload_len"]
    nh = h["nexthdr"]
    while True:
        name = S.ip_protocols.name_of(nh)
        if name in S.IPV6_OPT_HEADERS or name == "ah":
            o = w.header("ipv6_opt", off, end, name)
            size = (o["hdrlen"] + 2) * 4 if name == "ah" else (o["hdrlen"] + 1) * 8
            ext = {"proto": "ipv6_ext", "type": name, "len": size}
            _named(ext, "nexthdr", S.ip_protocols, o["nexthdr"])
            if not w.add(ext):
                return
            if size > end - off:
                w.cut(name, end - off, size)
                return
            off += size
            nh = o["nexthdr"]
        elif name == "fragment":
            f = w.header("ipv6_frag", off, end, name)
            ext = {"proto": "ipv6_frag", "offset": f["frag_off"] & S.IP6_OFFSET,
                   "more": int(bool(f["frag_off"] & S.IP6_MF)), "id": f["identification"]}
            _named(ext, "nexthdr", S.ip_protocols, f["nexthdr"])
            if not w.add(ext):
                return
            off += _L["ipv6_frag"].size
            nh = f["nexthdr"]
            if ext["offset"]:
                _payload(w, off, end)
                return
        else:
            break
    _transport(w, nh, off, end)


def _transport(w, proto, off, end):
    S = _S
    name = S.ip_protocols.name_of(proto)
    if name == "tcp":
        h = w.header("tcp", off, end)
        df = h["doff_flags"]
        bits = df & S.TCP_FLAGS_MASK
        layer = {"proto": "tcp", "sport": h["source"], "dport": h["dest"], "seq": h["seq"],
                 "ack": h["ack_seq"], "doff": (df >> S.TCP_DOFF_SHIFT) * 4,
                 "flags": "".join(c for c, bit in S.tcp_flags if bits & bit) or "none",
                 "flag_bits": bits, "window": h["window"]}
        w.add(layer)
        hl = layer["doff"]
        if hl > end - off and hl >= _L["tcp"].size:
            w.cut("tcp options", end - off, hl)
            return
        _payload(w, off + max(hl, _L["tcp"].size), end)
    elif name in ("udp", "udplite"):
        h = w.header("udp", off, end, name)
        layer = {"proto": name, "sport": h["source"], "dport": h["dest"], "len": h["len"]}
        if not w.add(layer):
            return
        off += _L["udp"].size
        tunnel = S.tunnel_ports.name_of(h["dest"])
        if name == "udp" and tunnel == "vxlan":
            _vxlan(w, off, end)
        elif name == "udp" and tunnel == "geneve":
            _geneve(w, off, end)
        else:
            _payload(w, off, end)
    elif name in ("icmp", "icmpv6"):
        types = S.icmp_types if name == "icmp" else S.icmpv6_types
        h = w.try_header("icmp", off, end, name)
        if h is None:
            if end - off >= 2:               # type and code are there: say them
                w.truncated = None
                layer = {"proto": name, "code": w.data[off + 1]}
                _named(layer, "type", types, w.data[off])
                w.add(layer)
                w.cut(name, end - off, _L["icmp"].size)
            return
        layer = {"proto": name, "code": h["code"]}
        _named(layer, "type", types, h["type"])
        tname = types.name_of(h["type"])
        if tname in (S.ICMP_ECHO_TYPES if name == "icmp" else S.ICMPV6_ECHO_TYPES):
            layer.update(id=h["id"], seq=h["sequence"])
        off += 4
        if name == "icmpv6" and tname in S.ICMPV6_ND_TYPES:
            t = w.try_header("nd", off, end, "icmpv6 nd")
            if t is not None:
                layer["target"] = t["target"]
                off += _L["nd"].size
        w.add(layer)
    else:       # tunnelled IP, or a payload
        {"ipip": _ipv4, "ipv6": _ipv6}.get(name, _payload)(w, off, end)


def _vxlan(w, off, end):
    S = _S
    h = w.header("vxlan", off, end)
    layer = {"proto": "vxlan", "flags": h["flags"] >> 24, "vni": h["vni"] >> S.VXLAN_VNI_SHIFT}
    if w.add(layer):
        _ether(w, off + _L["vxlan"].size, end)


def _geneve(w, off, end):
    S = _S
    h = w.header("geneve", off, end)
    optlen = (h["ver_opt_len"] & S.GENEVE_OPTLEN_MASK) * 4
    layer = {"proto": "geneve", "version": h["ver_opt_len"] >> 6, "opt_len": optlen,
             "vni": h["vni"] >> S.GENEVE_VNI_SHIFT}
    _named(layer, "type", S.ethertypes, h["proto_type"])
    if not w.add(layer):
        return
    off += _L["geneve"].size
    if optlen > end - off:
        w.cut("geneve options", end - off, optlen)
        return
    _ethertype(w, h["proto_type"], off + optlen, end)


# -- text -----------------------------------------------------------------------


def _type_text(layer, key="type"):
    name = layer.get(key + "_name")
    return name if name is not None else f"{key} {layer[key]:#06x}"


def _layer_text(x) -> str:
    p = x["proto"]
    if p == "eth":
        if "length" in x:
            return f"{x['src']} > {x['dst']} 802.3 length {x['length']}"
        return f"{x['src']} > {x['dst']} {_type_text(x)}"
    if p == "vlan":
        return f"{x['tpid_name']} vlan {x['vid']} p {x['pcp']}{' dei' if x['dei'] else ''} " \
               f"{_type_text(x)}"
    if p == "arp":
        op = x.get("op_name") or f"op {x['op']}"
        if "sip" not in x:
            return f"arp {op}"
        if x.get("op_name") == "request":
            return f"arp who-has {x['tip']} tell {x['sip']}"
        if x.get("op_name") == "reply":
            return f"arp reply {x['sip']} is-at {x['sha']}"
        return f"arp {op} {x['sip']} ({x['sha']}) > {x['tip']} ({x['tha']})"
    if p == "ipv4":
        s = f"{x['src']} > {x['dst']} ttl {x['ttl']} id {x['id']}"
        if x["tos"]:
            s += f" tos {x['tos']:#x}"
        if x["flags"]:
            s += f" [{x['flags']}]"
        if x["frag_offset"]:
            s += f" frag offset {x['frag_offset']}"
        return s + f" len {x['tot_len']} {x.get('protocol_name') or 'proto %d' % x['protocol']}"
    if p == "ipv6":
        s = f"{x['src']} > {x['dst']} hlim {x['hop_limit']}"
        if x["flow_label"]:
            s += f" flowlabel {x['flow_label']:#x}"
        return s + f" plen {x['payload_len']} " \
                   f"{x.get('nexthdr_name') or 'next %d' % x['nexthdr']}"
    if p == "ipv6_ext":
        return f"{x['type']} len {x['len']}"
    if p == "ipv6_frag":
        return f"frag id {x['id']:#x} offset {x['offset']}{' more' if x['more'] else ''}"
    if p == "tcp":
        return f"tcp {x['sport']} > {x['dport']} [{x['flags']}] seq {x['seq']}" + \
               (f" ack {x['ack']}" if x["flag_bits"] & _S.TCP_FLAG_ACK else "") + f" win {x['window']}"
    if p in ("udp", "udplite"):
        return f"{p} {x['sport']} > {x['dport']} len {x['len']}"
    if p in ("icmp", "icmpv6"):
        s = f"{p} {x.get('type_name') or 'type %d' % x['type']}"
        if x["code"]:
            s += f" code {x['code']}"
        if "id" in x:
            s += f" id {x['id']} seq {x['seq']}"
        if "target" in x:
            s += f" target {x['target']}"
        return s
    if p == "vxlan":
        return f"vxlan vni {x['vni']}"
    if p == "geneve":
        return f"geneve vni {x['vni']}" + (f" opts {x['opt_len']}" if x["opt_len"] else "") + \
               (f" {_type_text(x)}" if x.get("type_name") != "teb" else "")
    if p == "payload":
        return f"{x['len']} bytes payload"
    return p


def format_summary(d: dict) -> str:
    """The text of a ``dissect`` result."""
    parts = [_layer_text(x) for x in d["layers"]]
    t = d.get("truncated")
    if t is not None:
        parts.append(f"[|{t['layer']}: {t['have']} of {t['need']} bytes]")
    if not parts:
        return f"{d['len']} bytes"
    return " / ".join(parts)


def describe(data) -> str:
    """One line about an Ethernet frame (see the module docstring)."""
    return format_summary(dissect(data))
