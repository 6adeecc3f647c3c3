"""Filter kinds of ``nlcodec.tc.parse``: flower (tc/f_flower.c
flower_parse_opt) and matchall (tc/f_matchall.c matchall_parse_opt), in
iproute2 6.1's reading: same keywords and prefixes, attribute order,
defaults and checks."""

from __future__ import annotations

import socket

from ..values import ip_text, mac_text
from .actions import parse_actions
from .consts import enum, eth_p, header_size, ipproto, packet_const, vlan_tpids
from .consts import field as hdr_field
from .words import (TcSyntaxError, classid, fast_int, fast_ipv4, fast_ipv4net, fast_mac,
                    c_strtoul, get_uint, get_unsigned, mac, matches, prefix, prefix_mask,
                    strtoul)

# ethertypes and IP protocols by name from specs/packet.py (nlcodec.tc.consts)
ETH_P_IP, ETH_P_IPV6, ETH_P_ARP, ETH_P_RARP = (eth_p(n) for n in ("ip", "ipv6", "arp", "rarp"))
ETH_P_MPLS_UC, ETH_P_MPLS_MC, ETH_P_ALL = (eth_p(n) for n in ("mpls_uc", "mpls_mc", "all"))
ETH_P_PPP_SES = eth_p("ppp_ses")
M32 = 0xFFFFFFFF
VLAN_TPIDS = vlan_tpids()
IPPROTO = {n: ipproto(n) for n in ("tcp", "udp", "sctp", "icmp", "icmpv6")}
IPPROTO_ICMP, IPPROTO_ICMPV6 = IPPROTO["icmp"], IPPROTO["icmpv6"]
# tc's words for TCA_CLS_FLAGS_*, TCA_FLOWER_KEY_CT_FLAGS_* (in f_flower.c's
# flower_ct_states order) and TCA_FLOWER_KEY_FLAGS_* (flags_str)
_CT_WORDS = (("trk", "tracked"), ("new", "new"), ("est", "established"), ("rel", "related"),
             ("inv", "invalid"), ("rpl", "reply"))
_IP_FLAG_WORDS = {"frag": "is_fragment", "firstfrag": "frag_is_first"}


def _cls(name):
    return enum("cls_flags")[name]


_HEX = frozenset("0123456789abcdefABCDEF")


def _u32_word(s):
    """get_u32(s, 0), with decimal words (the common case) fast."""
    if s.isdigit() and s[0] != "0" and len(s) < 10:
        return int(s)
    return get_uint(s, 32, 0)


def _handle(w, hnode, ctx, fn):
    """The filter's handle word (read before the kind, at ctx["handle"]) into
    tcm_handle by the kind's reader ``fn``."""
    at = ctx["handle"]
    if at is None:
        return
    save = w.i
    w.i = at
    w.value(hnode, fn, "handle")
    w.i = save


# flower: get_u32(handle, 0)
_FLOWER_HANDLE = fast_int(lambda s: {"handle": _u32_word(s)}, "handle", 0xFFFFFFFF)


def _split_mask(s):
    v, slash, m = s.partition("/")
    return v, (m if slash else None)


# -- value converters (word -> {attr: value}) ------------------------------------------


_ALL_ONES_MAC = "ff:ff:ff:ff:ff:ff"


def _eth_addr(key, mkey):
    def fn(s):
        if len(s) == 17 and s[2::3] == ":::::" and _HEX.issuperset(s[0::3] + s[1::3]):
            return {key: s.lower(), mkey: _ALL_ONES_MAC}     # the common case, fast
        v, m = _split_mask(s)
        out = {key: mac_text(mac(v))}
        if m is None:
            out[mkey] = "ff:ff:ff:ff:ff:ff"
        elif m.isdigit():
            bits = strtoul(m, 10)
            if bits > 48:
                raise ValueError("mask too long")
            out[mkey] = mac_text(prefix_mask(6, bits))
        else:
            out[mkey] = mac_text(mac(m))
        return out
    return fast_mac(fn, key)


def _ip_addr(keys4, keys6, family):
    def fn(s):
        fam, b, bits = prefix(s, family)
        k, mk = keys4 if fam == socket.AF_INET else keys6
        if k is None:
            raise ValueError("not an IPv4 address")
        return {k: ip_text(b), mk: ip_text(prefix_mask(len(b), bits))}
    if keys4[0] is not None and family != socket.AF_INET6:
        fast_ipv4(fn, keys4[0])
    return fn


def _u8_masked(key, mkey, names=None, check=None):
    """flower_parse_u8: value (decimal or a name) [/mask], mask 0xff."""
    def fn(s):
        v, m = _split_mask(s)
        if names and v in names:
            x = names[v]
        else:
            x = get_uint(v, 8, 10)
        if check and not check(x):
            raise ValueError("not allowed")
        return {key: x, mkey: 0xFF if m is None else get_uint(m, 8, 10)}
    return fn


def _tos_ttl(key, mkey):
    """flower_parse_ip_tos_ttl: decimal, else hex; mask hex, 0xff."""
    def fn(s):
        v, m = _split_mask(s)
        try:
            x = get_uint(v, 8, 10)
        except ValueError:
            x = get_uint(v, 8, 16)
        return {key: x, mkey: 0xFF if m is None else get_uint(m, 8, 16)}
    return fn


def _u16_masked(key, mkey):
    def fn(s):
        v, m = _split_mask(s)
        return {key: get_uint(v, 16, 0), mkey: 0xFFFF if m is None else get_uint(m, 16, 0)}
    return fn


def _u32_masked(key, mkey):
    def fn(s):
        v, m = _split_mask(s)
        return {key: get_uint(v, 32, 0), mkey: 0xFFFFFFFF if m is None else get_uint(m, 32, 0)}
    return fn


def _ct_state(s):
    flags = mask = 0
    i = 0
    while i < len(s):
        sign = s[i]
        if sign not in "+-":
            raise ValueError("expected + or -")
        for name, spec_name in _CT_WORDS:
            bit = enum("flower_key_ct_flags")[spec_name]
            if s.startswith(name, i + 1):
                if sign == "+":
                    flags |= bit
                mask |= bit
                i += len(name) + 1
                break
        else:
            raise ValueError("unknown state")
    return {"key_ct_state": flags, "key_ct_state_mask": mask}


def _ct_labels(s):
    v, m = _split_mask(s)
    if len(v) > 32 or (m is not None and len(m) > 32):
        raise ValueError("at most 16 bytes")
    lab = bytes.fromhex(v[:len(v) // 2 * 2])
    mask = bytes.fromhex(m[:len(m) // 2 * 2]) if m is not None else b"\xff" * 16
    return {"key_ct_labels": lab.hex(), "key_ct_labels_mask": mask.hex()}


def _tcp_flags(s):
    v, m = _split_mask(s)
    x = get_uint(v, 16, 16)
    y = 0xFFF if m is None else get_uint(m, 16, 16)
    if x & ~0xFFF or y & ~0xFFF:
        raise ValueError("more than 12 bits")
    return {"key_tcp_flags": x, "key_tcp_flags_mask": y}


def _port(endpoint, ip_proto):
    """flower_parse_port: PORT, MIN-MAX, or PORT/MASK."""
    names = {IPPROTO[n]: n for n in ("tcp", "udp", "sctp")}

    def fn(s):
        proto = names.get(ip_proto)
        lo, dash, hi = s.partition("-")
        ranged = False
        try:
            a = get_uint(lo, 16, 10)
            b = get_uint(hi, 16, 10) if dash else 0
            ranged = True
        except ValueError:
            if "/" not in s:
                raise ValueError("bad port") from None
        if ranged and a and b:
            if b <= a:
                raise ValueError("max port must be greater than min port")
            if proto is None:
                raise ValueError("ports need ip_proto tcp, udp or sctp")
            return {f"key_port_{endpoint}_min": a, f"key_port_{endpoint}_max": b}
        if proto is None:
            raise ValueError("ports need ip_proto tcp, udp or sctp")
        if ranged and a and not b:
            return {f"key_{proto}_{endpoint}": a}
        if not ranged:
            v, m = _split_mask(s)
            return {f"key_{proto}_{endpoint}": get_uint(v, 16, 0),
                    f"key_{proto}_{endpoint}_mask": get_uint(m, 16, 0)}
        raise ValueError("bad port")
    if names.get(ip_proto) is not None:
        fast_int(fn, f"key_{names[ip_proto]}_{endpoint}", 0xFFFF)
    return fn


def _key_id(s):
    return {"key_enc_key_id": get_uint(s, 32, 10)}


def _enc_port(s):
    return {"key_enc_udp_dst_port": get_uint(s, 16, 10)}


fast_int(_key_id, "key_enc_key_id", 0xFFFFFFFF)
fast_int(_enc_port, "key_enc_udp_dst_port", 0xFFFF)


def _ip_flags(s, state):
    for tok in s.split("/"):
        no = tok.startswith("no")
        name = tok[2:] if no else tok
        bit = enum("flower_key_flags").get(_IP_FLAG_WORDS.get(name, "-"))
        if bit is None:
            raise ValueError(f"unknown ip flag {tok!r}")
        if no:
            state["mtf"] &= ~bit
        else:
            state["mtf"] |= bit
        state["mask"] |= bit


def _vlan_ok(ethertype, good_num):
    return ethertype in VLAN_TPIDS or good_num


def _eth_type(s):
    from .words import eth_proto
    return eth_proto(s)


# -- flower ------------------------------------------------------------------------------


# flower keys that are one value word each, in f_flower.c's order (an abbreviation
# means the first one it abbreviates): the ct_* keys and indev, the enc_* scalars
_CT_KEYS = (("ct_state", _ct_state), ("ct_zone", _u16_masked("key_ct_zone", "key_ct_zone_mask")),
            ("ct_mark", _u32_masked("key_ct_mark", "key_ct_mark_mask")),
            ("ct_label", _ct_labels), ("indev", lambda s: {"indev": _ifname(s)}))
_ENC_KEYS = (("enc_key_id", _key_id), ("enc_dst_port", _enc_port),
             ("enc_tos", _tos_ttl("key_enc_ip_tos", "key_enc_ip_tos_mask")),
             ("enc_ttl", _tos_ttl("key_enc_ip_ttl", "key_enc_ip_ttl_mask")))


def _keyword(word, table):
    """The first (keyword, converter) of ``table`` that ``word`` abbreviates
    (tc's chain of matches() in its order), or None."""
    return next((x for x in table if matches(word, x[0])), None)


def flower(w, hnode, anode, ctx, resolve):
    _handle(w, hnode, ctx, _FLOWER_HANDLE)
    tc_proto = ctx["protocol"]
    opts = anode.child("options")
    o = opts.d
    st = {"eth_type": tc_proto, "vlan_ethtype": 0, "nvlans": 0, "ip_proto": 0xFF,
          "flags": 0, "mtf": 0, "mask": 0, "mpls": None}
    if not w.more():
        return _flower_done(o, st, tc_proto)
    while w.more():
        at = w.i
        word = w.next()
        et = st["eth_type"]
        if matches(word, "classid") or matches(word, "flowid"):
            w.value(opts, lambda s: {"classid": classid(s)}, "classid")
        elif matches(word, "hw_tc"):
            parent = ctx["parent"] & 0xFFFF0000

            def hw(s, parent=parent):
                n = strtoul(s, 0)
                if n >= 16:
                    raise ValueError("TC index exceeds max range")
                return {"classid": parent | ((n + 0xFFE0) & 0xFFFF)}
            w.value(opts, hw, "hw_tc")
        elif matches(word, "ip_flags"):
            at2 = w.i
            s = w.need("ip_flags")
            try:
                _ip_flags(s, st)
            except ValueError as e:
                raise w.error(f"bad ip_flags: {e}", at2) from None
        elif matches(word, "verbose"):
            st["flags"] |= _cls("verbose")
        elif matches(word, "skip_hw"):
            st["flags"] |= _cls("skip_hw")
        elif matches(word, "skip_sw"):
            st["flags"] |= _cls("skip_sw")
        elif (hit := _keyword(word, _CT_KEYS)) is not None:
            w.value(opts, hit[1], hit[0])
        elif word == "num_of_vlans":
            got = w.value(opts, lambda s: {"key_num_of_vlans": get_uint(s, 8, 10)},
                          "num_of_vlans")
            st["nvlans"] = got["key_num_of_vlans"]
        elif matches(word, "vlan_id"):
            _need(w, _vlan_ok(tc_proto, st["nvlans"] > 0), at,
                  "vlan_id needs protocol 802.1Q or 802.1AD (or num_of_vlans)")
            w.value(opts, fast_int(lambda s: {"key_vlan_id": _bits(get_uint(s, 16, 10), 12)},
                                  "key_vlan_id", 0xFFF), "vlan_id")
        elif matches(word, "vlan_prio"):
            _need(w, _vlan_ok(tc_proto, st["nvlans"] > 0), at,
                  "vlan_prio needs protocol 802.1Q or 802.1AD (or num_of_vlans)")
            w.value(opts, fast_int(lambda s: {"key_vlan_prio": _bits(get_uint(s, 8, 10), 3)},
                                   "key_vlan_prio", 7), "vlan_prio")
        elif matches(word, "vlan_ethtype"):
            _need(w, _vlan_ok(et, st["nvlans"] > 0), at,
                  "vlan_ethtype needs protocol 802.1Q or 802.1AD (or num_of_vlans)")
            v = _shape(w, _eth_type, "vlan_ethtype")
            o["key_vlan_eth_type"] = v
            st["vlan_ethtype"] = st["eth_type"] = v
        elif matches(word, "cvlan_id"):
            _need(w, _vlan_ok(st["vlan_ethtype"], st["nvlans"] > 1), at,
                  "cvlan_id needs vlan_ethtype 802.1Q or 802.1AD")
            w.value(opts, fast_int(lambda s: {"key_cvlan_id": _bits(get_uint(s, 16, 10), 12)},
                                   "key_cvlan_id", 0xFFF), "cvlan_id")
        elif matches(word, "cvlan_prio"):
            _need(w, _vlan_ok(st["vlan_ethtype"], st["nvlans"] > 1), at,
                  "cvlan_prio needs vlan_ethtype 802.1Q or 802.1AD")
            w.value(opts, fast_int(lambda s: {"key_cvlan_prio": _bits(get_uint(s, 8, 10), 3)},
                                   "key_cvlan_prio", 7), "cvlan_prio")
        elif matches(word, "cvlan_ethtype"):
            _need(w, _vlan_ok(st["vlan_ethtype"], st["nvlans"] > 1), at,
                  "cvlan_ethtype needs vlan_ethtype 802.1Q or 802.1AD")
            v = _shape(w, _eth_type, "cvlan_ethtype")
            o["key_cvlan_eth_type"] = v
            st["eth_type"] = v
        elif matches(word, "mpls"):
            _need(w, w.more(), at, "mpls needs lse ...")
            _need(w, et in (ETH_P_MPLS_UC, ETH_P_MPLS_MC), at,
                  "Can't set mpls if ethertype isn't MPLS")
            _need(w, st["mpls"] != "old", at,
                  "Can't set mpls if mpls_label, mpls_tc, mpls_bos or mpls_ttl is set")
            st["mpls"] = "new"
            _mpls_lses(w, opts)
        elif any(matches(word, k) for k in ("mpls_label", "mpls_tc", "mpls_bos", "mpls_ttl")):
            _need(w, et in (ETH_P_MPLS_UC, ETH_P_MPLS_MC), at,
                  f"{word} needs protocol mpls_uc or mpls_mc")
            _need(w, st["mpls"] != "new", at, f"Can't set {word} if mpls is set")
            st["mpls"] = "old"
            k = next(k for k in ("mpls_label", "mpls_tc", "mpls_bos", "mpls_ttl")
                     if matches(word, k))
            bits = {"mpls_label": 20, "mpls_tc": 3, "mpls_bos": 1, "mpls_ttl": 8}[k]
            size = 32 if k == "mpls_label" else 8
            w.value(opts, fast_int(lambda s, k=k, bits=bits, size=size:
                                   {f"key_{k}": _bits(get_uint(s, size, 10), bits)},
                                   f"key_{k}", (1 << bits) - 1), k)
        elif matches(word, "dst_mac"):
            w.value(opts, _eth_addr("key_eth_dst", "key_eth_dst_mask"), "dst_mac")
        elif matches(word, "src_mac"):
            w.value(opts, _eth_addr("key_eth_src", "key_eth_src_mask"), "src_mac")
        elif matches(word, "ip_proto"):
            _need(w, et in (ETH_P_IP, ETH_P_IPV6), at, "ip_proto needs protocol ip or ipv6")
            at2 = w.i
            s = w.need("ip_proto")
            p = None
            for name in ("tcp", "udp", "sctp", "icmp", "icmpv6"):
                if matches(s, name):
                    p = IPPROTO[name]
                    if (name == "icmp" and et != ETH_P_IP) or (name == "icmpv6" and
                                                               et != ETH_P_IPV6):
                        raise w.error("ip_proto does not fit the protocol", at2)
                    break
            if p is None:
                try:
                    p = get_uint(s, 8, 16)
                except ValueError:
                    raise w.error("bad ip_proto", at2) from None
            o["key_ip_proto"] = p
            st["ip_proto"] = p
        elif matches(word, "ip_tos"):
            w.value(opts, _tos_ttl("key_ip_tos", "key_ip_tos_mask"), "ip_tos")
        elif matches(word, "ip_ttl"):
            w.value(opts, _tos_ttl("key_ip_ttl", "key_ip_ttl_mask"), "ip_ttl")
        elif matches(word, "dst_ip") or matches(word, "src_ip"):
            side = "dst" if matches(word, "dst_ip") else "src"
            fam = _ip_family(w, et, at)
            w.value(opts, _ip_addr((f"key_ipv4_{side}", f"key_ipv4_{side}_mask"),
                                   (f"key_ipv6_{side}", f"key_ipv6_{side}_mask"), fam),
                    f"{side}_ip")
        elif matches(word, "dst_port") or matches(word, "src_port"):
            side = "dst" if matches(word, "dst_port") else "src"
            w.value(opts, _port(side, st["ip_proto"]), f"{side}_port")
        elif matches(word, "tcp_flags"):
            w.value(opts, _tcp_flags, "tcp_flags")
        elif matches(word, "type") or matches(word, "code"):
            field = "type" if matches(word, "type") else "code"
            if et == ETH_P_IP and st["ip_proto"] == IPPROTO_ICMP:
                v = "icmpv4"
            elif et == ETH_P_IPV6 and st["ip_proto"] == IPPROTO_ICMPV6:
                v = "icmpv6"
            else:
                raise w.error(f"icmp {field} needs ip_proto icmp or icmpv6", at)
            w.value(opts, _u8_masked(f"key_{v}_{field}", f"key_{v}_{field}_mask"),
                    f"icmp {field}")
        elif matches(word, "arp_tip") or matches(word, "arp_sip"):
            side = "t" if matches(word, "arp_tip") else "s"
            _need(w, et in (ETH_P_ARP, ETH_P_RARP), at, f"{word} needs protocol arp or rarp")
            w.value(opts, _ip_addr((f"key_arp_{side}ip", f"key_arp_{side}ip_mask"),
                                   (None, None), socket.AF_INET), word)
        elif matches(word, "arp_op"):
            _need(w, et in (ETH_P_ARP, ETH_P_RARP), at, "arp_op needs protocol arp or rarp")
            w.value(opts, _u8_masked("key_arp_op", "key_arp_op_mask",
                                     {"request": 1, "reply": 2}, lambda x: x in (0, 1, 2)),
                    "arp_op")
        elif matches(word, "arp_tha") or matches(word, "arp_sha"):
            side = "t" if matches(word, "arp_tha") else "s"
            w.value(opts, _eth_addr(f"key_arp_{side}ha", f"key_arp_{side}ha_mask"), word)
        elif "key_enc_opts" in o and (matches(word, "vxlan_opts") or word == "gtp_opts" or
                                      matches(word, "erspan_opts") or
                                      matches(word, "geneve_opts")):
            raise w.error("a second tunnel option word (tc sends two TCA_FLOWER_KEY_ENC_OPTS; "
                          "nlcodec keeps one)", at)
        elif matches(word, "vxlan_opts") or matches(word, "erspan_opts"):
            kind = "vxlan" if matches(word, "vxlan_opts") else "erspan"
            v = _shape(w, _vxlan_opts if kind == "vxlan" else _erspan_opts, word)
            o["key_enc_opts"] = {kind: v[0]}
            o["key_enc_opts_mask"] = {kind: v[1]}
        elif matches(word, "geneve_opts"):
            key, mask = _shape(w, _geneve_opts, "geneve_opts")
            o["key_enc_opts"] = {"geneve": key}
            o["key_enc_opts_mask"] = {"geneve": mask}
            # tc nests these two without NLA_F_NESTED (flower_parse_enc_opts_geneve)
            o.setdefault("_flags", {}).update({"key_enc_opts": 0, "key_enc_opts_mask": 0})
        elif word == "gtp_opts":
            key, mask = _shape(w, _gtp_opts, "gtp_opts")
            o["key_enc_opts"] = {"gtp": key}
            o["key_enc_opts_mask"] = {"gtp": mask}
        elif word == "pppoe_sid":
            _need(w, w.more(), at, "pppoe_sid needs a value")
            _need(w, et == ETH_P_PPP_SES, at,
                  "Can't set pppoe_sid if ethertype isn't PPPoE session")
            w.value(opts, fast_int(lambda s: {"key_pppoe_sid": get_uint(s, 16, 10)},
                                   "key_pppoe_sid", 0xFFFF), "pppoe_sid")
        elif word == "ppp_proto":
            _need(w, w.more(), at, "ppp_proto needs a value")
            _need(w, et == ETH_P_PPP_SES, at,
                  "Can't set ppp_proto if ethertype isn't PPPoE session")
            v = _shape(w, _ppp_proto, "ppp_proto")
            o["key_ppp_proto"] = v
            # the ethertype the keys after it see (f_flower.c)
            ppp = enum("ppp_protocols")
            st["eth_type"] = {ppp["ip"]: ETH_P_IP, ppp["ipv6"]: ETH_P_IPV6,
                              ppp["mpls_uc"]: ETH_P_MPLS_UC,
                              ppp["mpls_mc"]: ETH_P_MPLS_MC}.get(v, et)
        elif matches(word, "enc_dst_ip") or matches(word, "enc_src_ip"):
            side = "dst" if matches(word, "enc_dst_ip") else "src"
            w.value(opts, _ip_addr((f"key_enc_ipv4_{side}", f"key_enc_ipv4_{side}_mask"),
                                   (f"key_enc_ipv6_{side}", f"key_enc_ipv6_{side}_mask"), 0),
                    word)
        elif (hit := _keyword(word, _ENC_KEYS)) is not None:
            w.value(opts, hit[1], hit[0])
        elif matches(word, "action"):
            parse_actions(w, opts, "act", resolve)
        else:
            raise w.error("unknown flower key (see tc filter add flower help)", at)
    return _flower_done(o, st, tc_proto)


def _vxlan_opts(s):
    """flower_parse_enc_opts_vxlan: GBP[/MASK] (get_u32 base 0; mask 0xffffffff)."""
    v, m = _split_mask(s)
    return {"gbp": get_uint(v, 32, 0)}, {"gbp": get_uint(m if m is not None else "0xffffffff",
                                                         32, 0)}


def _erspan_opt(s):
    """flower_parse_erspan_opt: VER:INDEX:DIR:HWID, empty parts left out."""
    parts = s.split(":")
    if len(parts) > 4:
        raise ValueError("at most ver:index:dir:hwid")
    out = {}
    for (key, bits), tok in zip((("ver", 8), ("index", 32), ("dir", 8), ("hwid", 8)), parts):
        if tok:
            out[key] = get_uint(tok, bits, 0)
    return out


def _erspan_opts(s):
    v, m = _split_mask(s)
    if m is None:
        if ":" not in v:
            raise ValueError("ver:index:dir:hwid")
        m = v[:v.index(":")] + ":0xffffffff:0xff:0xff"   # the key's own version
    return _erspan_opt(v), _erspan_opt(m)


def _gtp_opt(s):
    """f_flower.c flower_parse_gtp_opt: PDU_TYPE:QFI (get_u8 base 16; an
    empty part left out).  tc takes strsep's tokens for the
    TCA_FLOWER_KEY_ENC_OPT_GTP_MAX (2) members and leaves what follows the
    second ':' unread (``1:2:300`` is ``1:2``); with one part it reads a
    NULL token (tc crashes): refused."""
    parts = s.split(":", 2)
    if len(parts) < 2:
        raise ValueError("PDU_TYPE:QFI")
    return {k: get_uint(t, 8, 16) for k, t in zip(("pdu_type", "qfi"), parts[:2]) if t}


def _gtp_opts(s):
    """flower_parse_enc_opts_gtp: PDU_TYPE:QFI[/MASK], the mask ff:ff by default."""
    v, m = _split_mask(s)
    return _gtp_opt(v), _gtp_opt("ff:ff" if m is None else m)


def _geneve_opt(tok):
    """flower_parse_geneve_opt: CLASS:TYPE:DATA (hex; empty parts left out)."""
    parts = tok.split(":")
    if len(parts) > 3:
        raise ValueError("CLASS:TYPE:DATA")
    out = {}
    if parts[0]:
        out["class"] = get_uint(parts[0], 16, 16)
    if len(parts) > 1 and parts[1]:
        out["type"] = get_uint(parts[1], 8, 16)
    if len(parts) > 2 and parts[2]:
        data = parts[2][:len(parts[2]) // 2 * 2]
        if not _HEX.issuperset(data):
            raise ValueError("data must be hex")
        out["data"] = data.lower()
    return out


def _geneve_opts(s):
    """flower_parse_enc_opts_geneve: OPT[,OPT...], each CLASS:TYPE:DATA[/MASK];
    a missing mask is ffff:ff:ff... (the data's length)."""
    keys, masks = [], []
    for tok in s.split(","):
        k, slash, m = tok.partition("/")
        parts = k.split(":")
        if len(parts) != 3 or not all(parts):
            raise ValueError("CLASS:TYPE:DATA")
        keys.append(_geneve_opt(k))
        masks.append(_geneve_opt(m if slash else "ffff:ff:" + "f" * len(parts[2])))
    return keys, masks


def _ppp_proto(s):
    """ppp_proto_a2n: a name of lib/ppp_proto.c (any case) or a number (base 0)."""
    for name, v in enum("ppp_protocols").items():
        if name == s.lower():
            return v
    return get_uint(s, 16, 0)


# f_flower.c flower_parse_mpls_lse: each word's value (base 10) and its bound
_LSE = (("depth", "lse_depth", 8, 0xFF), ("label", "lse_label", 32, 0xFFFFF),
        ("tc", "lse_tc", 8, 7), ("bos", "lse_bos", 8, 1), ("ttl", "lse_ttl", 8, 0xFF))


def _lse_value(key, bits, top):
    def fn(s):
        v = get_uint(s, bits, 10)
        if v > top or (key == "lse_depth" and not v):
            raise ValueError(f"Illegal {key[4:]}")
        return {key: v}
    return fast_int(fn, key, top)


def _mpls_lses(w, opts):
    """mpls lse depth D [label L] [tc T] [bos B] [ttl T] [lse ...]: one nest per
    lse, its attributes in the order of the words (flower_parse_mpls)."""
    lses = []
    node = opts.child("key_mpls_opts").child("lse", lses)
    while w.more() and matches(w.peek(), "lse"):
        at = w.i
        w.next()
        if not w.more():
            raise w.error("lse needs depth ...")
        lse = {}
        lses.append(lse)
        ln = node.child(len(lses) - 1, lse)
        while w.more():
            word = w.peek()
            hit = next((x for x in _LSE if matches(word, x[0])), None)
            if hit is None:
                break
            _, key, bits, top = hit
            if key in lse:
                raise w.error(f"duplicate {hit[0]} (nlcodec keeps one of each)", w.i)
            w.next()
            w.value(ln, _lse_value(key, bits, top), hit[0])
        if "lse_depth" not in lse:
            raise w.error("lse needs a depth", at)


def _flower_done(o, st, tc_proto):
    o["flags"] = st["flags"]
    if st["mask"]:
        o["key_flags"] = st["mtf"]
        o["key_flags_mask"] = st["mask"]
    if tc_proto != ETH_P_ALL:
        o["key_eth_type"] = tc_proto


def _need(w, ok, at, reason):
    if not ok:
        raise w.error(reason, at)


def _shape(w, fn, what):
    return w.take(fn, what)


def _bits(v, n):
    if v >> n:
        raise ValueError(f"more than {n} bits")
    return v


def _ifname(s):
    if not s or len(s) > 15 or "/" in s or any(c.isspace() for c in s):
        raise ValueError("not a valid ifname")
    return s


def _ip_family(w, et, at):
    if et == ETH_P_IP:
        return socket.AF_INET
    if et == ETH_P_IPV6:
        return socket.AF_INET6
    if not et:
        return 0
    raise w.error("addresses need protocol ip or ipv6", at)


# -- matchall ---------------------------------------------------------------------------


def matchall(w, hnode, anode, ctx, resolve):
    # strtol(handle, NULL, 0): no error checks
    _handle(w, hnode, ctx, lambda s: {"handle": _strtol0(s)})
    if not w.more():
        return
    opts = anode.child("options")
    flags = 0
    while w.more():
        at = w.i
        word = w.next()
        if matches(word, "classid") or word == "flowid":
            w.value(opts, lambda s: {"classid": classid(s)}, "classid")
        elif matches(word, "action"):
            parse_actions(w, opts, "act", resolve)
        elif word in ("skip_hw", "skip_sw"):
            if not w.more():
                raise w.error(f"{word} must be followed by more words (tc's NEXT_ARG)")
            flags |= _cls(word)
        else:
            raise w.error("unknown matchall option", at)
    if flags:
        if flags == _cls("skip_hw") | _cls("skip_sw"):
            raise w.error("skip_hw and skip_sw are mutually exclusive")
        opts.d["flags"] = flags


def _strtol0(s):
    import re
    m = re.match(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", s)
    if not m:
        return 0
    sign, num = m.groups()
    v = int(num, 0) if not num.startswith("0") or num[:2].lower() == "0x" or num == "0" \
        else int(num, 8)
    v = -v if sign == "-" else v
    return v & 0xFFFFFFFF


KINDS = {"flower": flower, "matchall": matchall}


# -- u32 (tc/f_u32.c u32_parse_opt): match u32/u16/u8/ip/ip6/tcp/udp [at], classid, ht, link,
# divisor --------------------------------------------------------------------------------

def _u32_handle(s):
    """f_u32.c get_u32_handle: a 0x number (get_u32 base 16), or
    HTID[:HASH[:NODE]], each part C strtoul base 16 (an empty part 0) below
    0x1000, 0x100, 0x1000; the character after a part is skipped whatever
    it is, and what follows NODE is not read (as tc leaves them)."""
    if ":" not in s:
        if s.startswith("0x"):
            return get_uint(s, 32, 16)
        raise ValueError("not a u32 handle")
    vals = [0, 0, 0]
    pos = 0
    for i, lim in enumerate((0x1000, 0x100, 0x1000)):
        v, end = c_strtoul(s, pos, 16)
        if end == pos and pos < len(s) and (i == 2 or s[pos] != ":"):
            raise ValueError("not a u32 handle")
        if v >= lim:
            raise ValueError("not a u32 handle")
        vals[i] = v
        if end >= len(s):
            break
        pos = end + 1
    return vals[0] << 20 | vals[1] << 12 | vals[2]


def _pack(keys, val, mask, off, offmask=0):
    """pack_key on network-order values (shown as big-endian numbers)."""
    val &= mask
    for k in keys:
        if k["off"] == off and k["offmask"] == offmask:
            if (val ^ k["val"]) & mask & k["mask"]:
                raise ValueError("conflicting match")
            k["val"] |= val
            k["mask"] |= mask
            return
    if len(keys) >= 128 or off % 4:
        raise ValueError("bad match offset")
    keys.append({"mask": mask, "val": val, "off": off, "offmask": offmask})


def _pack_n(keys, val, mask, off, nbytes, offmask=0):
    """pack_key32/16/8 (f_u32.c): a u16 at off & 3 == 0 goes to the word's
    high half, else its low half, as tc puts it."""
    if val >> (8 * nbytes) or mask >> (8 * nbytes):
        raise ValueError("value too large")
    if nbytes == 2:
        shift = 16 if off & 3 == 0 else 0
    elif nbytes == 1:
        shift = 8 * (3 - (off & 3))
    else:
        shift = 0
    _pack(keys, val << shift, mask << shift, off & ~3 if nbytes < 4 else off, offmask)


def _get_integer(s):
    """get_integer(base 0): a C int, the whole word."""
    import re
    m = re.fullmatch(r"([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", s)
    if not m:
        raise ValueError("not a number")
    v = int(m.group(2), 16 if m.group(2)[:2].lower() == "0x" else
            8 if m.group(2).startswith("0") and len(m.group(2)) > 1 else 10)
    v = -v if m.group(1) == "-" else v
    if not -(1 << 31) <= v < (1 << 31):
        raise ValueError("out of range")
    return v


def _u32_ip(s, want_mask=None):
    """match ip src/dst ADDR[/LEN] -> (val, mask) as pack_key keeps them."""
    fam, b, bits = prefix(s, socket.AF_INET, empty=True)     # any/all: 0 with mask 0
    mask = ((1 << bits) - 1) << (32 - bits) if bits else 0
    if want_mask is not None and mask != want_mask:
        raise ValueError("another prefix length")
    return int.from_bytes(b, "big") & mask, mask


# f_u32.c parse_ip: where each `match ip FIELD` is, as the kernel's structs
# (specs/packet.py) have it; sport/dport/icmp_* in the header after a
# 20-byte IPv4 header (no options), as tc assumes
_IP_FIELDS = {"src": ("ipv4", "saddr"), "dst": ("ipv4", "daddr"), "ihl": ("ipv4", "version_ihl"),
              "protocol": ("ipv4", "protocol"), "tos": ("ipv4", "tos"),
              "nofrag": ("ipv4", "frag_off"), "firstfrag": ("ipv4", "frag_off"),
              "df": ("ipv4", "frag_off"), "mf": ("ipv4", "frag_off"),
              "sport": ("tcp", "source"), "dport": ("tcp", "dest"),
              "icmp_type": ("icmp", "type"), "icmp_code": ("icmp", "code")}


def _ip_off(name):
    hdr, member = _IP_FIELDS.get(name, ("ipv4", "tos"))     # dsfield, precedence: tos
    return hdr_field(hdr, member) + (header_size("ipv4") if hdr != "ipv4" else 0)


def _u32_mac(s):
    """parse_ether_addr's sscanf("%hhx:...") in its plain form: six hex bytes."""
    b = mac(s)
    if len(b) != 6:
        raise ValueError("not a MAC address")
    return b


def _u32_match(w, keys, cands, o):
    """parse_selector: u32|u16|u8 VAL MASK [at [nexthdr+]OFF], ip ..., ip6 ...,
    tcp|udp src|dst VAL MASK, icmp type|code VAL MASK (at the next header:
    offmask -1), mark VAL MASK, ether src|dst MAC [at ...]."""
    at = w.i
    what = w.need("match")

    def num(base=0, label="value"):
        a = w.i
        s = w.need(label)
        try:
            return get_uint(s, 32, base)
        except ValueError:
            raise w.error(f"bad {label}", a) from None

    def at_off(off, offmask=0):
        """parse_at after the value: at OFF, at nexthdr+OFF, at nexthdr+ OFF."""
        if w.peek() != "at":
            return off, offmask
        w.next()
        a = w.i
        s = w.need("at")
        if len(s) > 8 and s.startswith("nexthdr+"):
            offmask, s = -1, s[8:]
        elif matches(s, "nexthdr+"):
            offmask = -1
            a = w.i
            s = w.need("at nexthdr+")
        try:
            return _get_integer(s), offmask
        except ValueError:
            raise w.error("bad at offset", a) from None

    def address(field, fn):
        """The address word after src|dst: (its index, fn(word))."""
        a2 = w.i
        s = w.need(field)
        try:
            return a2, fn(s)
        except ValueError:
            raise w.error(f"bad {field} address", a2) from None

    def vm(n, off, offmask=0):
        v, m = num(0), num(16, "mask")
        if n == 1 and (v > 0xFF or m > 0xFF):
            raise ValueError("value too large")
        o, om = at_off(off, offmask)
        _pack_n(keys, v, m, o, n, om)
    try:
        if matches(what, "u32") or matches(what, "u16") or matches(what, "u8"):
            vm(4 if matches(what, "u32") else 2 if matches(what, "u16") else 1, 0)
        elif matches(what, "ip"):
            a = w.i
            field = w.need("ip match")
            if field in ("src", "dst"):
                a2, (val, mask) = address(field, _u32_ip)
                n = len(keys)
                o, om = at_off(_ip_off(field))
                _pack(keys, val, mask, o, om)
                if len(keys) > n:       # a key of its own: the address is a value
                    cands.append((a2, n, lambda t, bits=mask: _u32_ip(t, bits)))
            elif field in ("tos", "ihl", "protocol", "icmp_type", "icmp_code") or \
                    matches(field, "dsfield") or matches(field, "precedence"):
                vm(1, _ip_off(field))
            elif field in ("sport", "dport"):
                vm(2, _ip_off(field))
            elif field in ("nofrag", "firstfrag", "df", "mf"):
                mf, df = packet_const("IP_MF"), packet_const("IP_DF")
                frag = mf | packet_const("IP_OFFSET")
                v, m = {"nofrag": (0, frag), "firstfrag": (mf, frag),
                        "df": (df, df), "mf": (mf, mf)}[field]
                _pack_n(keys, v, m, _ip_off(field), 2)
            else:
                raise w.error("unknown ip match", a)
        elif matches(what, "ip6"):
            a = w.i
            field = w.need("ip6 match")
            if field in ("src", "dst"):
                _, (_, b, plen) = address(field, lambda s: prefix(s, socket.AF_INET6, empty=True))
                o, om = at_off(_ip6_off(field))
                for i in range(0, plen, 32):        # parse_ip6_addr: a key per word
                    bits = min(32, plen - i)
                    mask = (M32 << (32 - bits)) & M32
                    _pack(keys, int.from_bytes(b[i // 8:i // 8 + 4], "big") & mask, mask,
                          o + i // 8, om)
            elif field in ("protocol", "icmp_type", "icmp_code"):
                # tc reads ip6 icmp_code with offmask 1 (parse_ip6)
                vm(1, _ip6_off(field), 1 if field == "icmp_code" else 0)
            elif field in ("sport", "dport"):
                vm(2, _ip6_off(field))
            elif field == "flowlabel":
                vm(4, _ip6_off(field))
            elif field == "priority":
                # parse_ip6_class: the traffic class, shifted into the first word (no at)
                a = w.i
                v, m = num(0), num(16, "mask")
                if v > 0xFF or m > 0xFF:
                    raise w.error("ip6 priority: value or mask above 0xff", a)
                shift = packet_const("IPV6_TCLASS_SHIFT")
                _pack(keys, v << shift, m << shift, _ip6_off("flowlabel"))
            else:
                raise w.error("unknown ip6 match", a)
        elif matches(what, "udp") or matches(what, "tcp"):
            hdr = "udp" if matches(what, "udp") else "tcp"
            a = w.i
            field = w.need(f"{hdr} match")
            if field not in ("src", "dst"):
                raise w.error(f"unknown {hdr} match (src, dst)", a)
            # at the transport header: offmask -1 (the kernel adds the IP header's length)
            vm(2, hdr_field(hdr, "source" if field == "src" else "dest"), -1)
        elif matches(what, "icmp"):
            a = w.i
            field = w.need("icmp match")
            if field not in ("type", "code"):
                raise w.error("unknown icmp match (type, code)", a)
            # parse_icmp: at the next header (offmask -1)
            vm(1, hdr_field("icmp", field), -1)
        elif matches(what, "mark"):
            # parse_mark: VAL MASK (both get_u32 base 0) into TCA_U32_MARK, as met
            if "mark" in o:
                raise w.error("match mark twice (tc sends two TCA_U32_MARK; nlcodec keeps "
                              "one)", at)
            v, m = num(0), num(0, "mask")
            if v & m != v:
                raise w.error('Illegal "mark" (impossible combination)', at)
            o["mark"] = {"val": v, "mask": m, "success": 0}
        elif matches(what, "ether"):
            a = w.i
            field = w.need("ether match")
            if field not in ("src", "dst"):
                raise w.error("Unknown match: ether (src, dst)", a)
            # parse_ether_addr: a byte key each, before the network header
            _, b = address(field, _u32_mac)
            o_, om = at_off(hdr_field("eth", field) - header_size("eth"))
            for i, x in enumerate(b):
                _pack_n(keys, x, 0xFF, o_ + i, 1, om)
        else:
            raise w.error("unknown u32 match (nlcodec reads u32, u16, u8, ip, ip6, tcp, udp, "
                          "icmp, mark, ether)", at + 1)
    except TcSyntaxError:
        raise                       # it names its own word
    except ValueError as e:
        raise w.error(f"bad match: {e}", at) from None


_IP6_FIELDS = {"src": ("ipv6", "saddr"), "dst": ("ipv6", "daddr"),
               "protocol": ("ipv6", "nexthdr"), "flowlabel": ("ipv6", "version_flow"),
               "sport": ("tcp", "source"), "dport": ("tcp", "dest"),
               "icmp_type": ("icmpv6", "type"), "icmp_code": ("icmpv6", "code")}


def _ip6_off(name):
    """parse_ip6's offsets: the IPv6 header's members, and the transport's
    after a 40-byte IPv6 header (no extension headers), as tc assumes."""
    hdr, member = _IP6_FIELDS[name]
    return hdr_field(hdr, member) + (header_size("ipv6") if hdr != "ipv6" else 0)


def _u32_divisor(s):
    """u32_parse_opt's divisor: get_unsigned (base 0), a power of 2 up to 256."""
    d = get_unsigned(s)
    if not d or d > 0x100 or (d - 1) & d:
        raise ValueError("divisor must be a power of 2 up to 256")
    return d


def _at_multiple(w, n, why):
    """``at N`` of offset/hashkey: get_integer (base 0), a multiple of ``n``,
    kept as a C short (struct tc_u32_sel offoff, hoff)."""
    w.next()
    a = w.i
    v = w.take(_get_integer, "at")
    if v % n:
        raise w.error(why, a)
    return ((v + 0x8000) & 0xFFFF) - 0x8000


def _u32_offset(w, selh, sf):
    """f_u32.c parse_offset: plus N (off, TC_U32_OFFSET), at N (offoff, even),
    mask HEX (offmask), shift N (offshift: these three TC_U32_VAROFFSET), eat
    (TC_U32_EAT); stops at the first other word."""
    while w.more():
        x = w.peek()
        if matches(x, "plus"):
            w.next()
            selh["off"] = w.take(_get_integer, "offset plus") & 0xFFFF
            selh["flags"] |= sf["offset"]
        elif matches(x, "at"):
            selh["offoff"] = _at_multiple(w, 2, 'offset "at" must be even')
            selh["flags"] |= sf["varoffset"]
        elif matches(x, "mask"):
            w.next()
            selh["offmask"] = w.take(lambda s: get_uint(s, 16, 16), "offset mask")
            selh["flags"] |= sf["varoffset"]
        elif matches(x, "shift"):
            w.next()
            selh["offshift"] = w.take(_get_integer, "offset shift") & 0xFF
            selh["flags"] |= sf["varoffset"]
        elif matches(x, "eat"):
            w.next()
            selh["flags"] |= sf["eat"]
        else:
            break


def _u32_hashkey(w, selh):
    """f_u32.c parse_hashkey: mask HEX (hmask), at N (hoff, a multiple of 4)."""
    while w.more():
        x = w.peek()
        if matches(x, "mask"):
            w.next()
            selh["hmask"] = w.take(lambda s: get_uint(s, 32, 16), "hashkey mask")
        elif matches(x, "at"):
            selh["hoff"] = _at_multiple(w, 4, 'Illegal "hashkey" (at must be a multiple of 4)')
        else:
            break


def u32(w, hnode, anode, ctx, resolve):
    """tc/f_u32.c u32_parse_opt: the words in its order of matches()
    (match, offset, hashkey, classid|flowid, divisor, order, link, ht,
    sample, indev, action, police, skip_hw, skip_sw); TCA_U32_CLASSID,
    _DIVISOR, _LINK, _INDEV, _ACT, _POLICE (and parse_mark's _MARK) as the
    words come, then _HASH, _SEL and _FLAGS."""
    from .police import police
    _handle(w, hnode, ctx, lambda s: {"handle": _u32_handle(s)})
    if not w.more():
        return
    opts = anode.child("options")
    o = opts.d
    keys = []
    cands = []              # (word index, key position, fn) of addresses that are values
    sel_ok = terminal = sample_ok = False
    sf = enum("u32_sel_flags")
    selh = {"flags": 0, "offshift": 0, "offmask": 0, "off": 0, "offoff": 0, "hoff": 0,
            "hmask": 0}
    htid = 0
    order = 0
    flags = 0
    while w.more():
        at = w.i
        word = w.next()
        if matches(word, "match"):
            _u32_match(w, keys, cands, o)
            sel_ok = True
        elif matches(word, "offset"):
            _need(w, w.more(), at, "offset needs more words (tc's NEXT_ARG)")
            _u32_offset(w, selh, sf)
        elif matches(word, "hashkey"):
            _need(w, w.more(), at, "hashkey needs more words (tc's NEXT_ARG)")
            _u32_hashkey(w, selh)
        elif matches(word, "classid") or word == "flowid":
            w.value(opts, lambda s: {"classid": classid(s)}, "classid")
            selh["flags"] |= sf["terminal"]
        elif matches(word, "divisor"):
            w.value(opts, lambda s: {"divisor": _u32_divisor(s)}, "divisor")
        elif matches(word, "order"):
            order_at = w.i
            order = _shape(w, lambda s: get_uint(s, 32, 0), "order")
        elif word == "link":
            def link(s):
                v = _u32_handle(s)
                if v & 0xFFF:                     # TC_U32_NODE
                    raise ValueError('"link" must be a hash table')
                return {"link": v}
            w.value(opts, link, "link")
        elif word == "ht":
            a = w.i
            ht = _shape(w, _u32_handle, "ht")
            if ctx["handle"] is not None and ht & 0xFFF:
                raise w.error('"ht" must be a hash table', a)
            htid = (htid & 0xFF000 | ht & 0xFFF00000) if sample_ok else ht & 0xFFFFF000
        elif word == "sample":
            # a selector of one key; its hash (u32_hash_fold) modulo the divisor
            # becomes the hash table's bucket
            one = []
            _u32_match(w, one, [], {})
            if len(one) != 1:
                raise w.error('"sample" must contain exactly ONE key', at)
            divisor = 0x100
            if w.peek() == "divisor":
                w.next()
                divisor = w.take(_u32_divisor, "sample divisor")
                _need(w, w.more(), w.i - 1, "sample divisor needs more words (tc's NEXT_ARG)")
            mask = one[0]["mask"]
            fshift = (mask & -mask).bit_length() - 1 if mask else 0
            htid = ((one[0]["val"] & mask) >> fshift) % divisor << 12 | htid & 0xFFF00000
            sample_ok = True
        elif word == "indev":
            w.value(opts, lambda s: {"indev": s[:16]}, "indev")
        elif matches(word, "action"):
            parse_actions(w, opts, "act", resolve)
            terminal = True
        elif matches(word, "police"):
            w.i = at                    # police() reads its own word
            police(w, opts, resolve, key="police")
            terminal = True
        elif word in ("skip_hw", "skip_sw"):
            flags |= _cls(word)
        else:
            raise w.error("unknown u32 option (nlcodec reads match, offset, hashkey, classid, "
                          "flowid, divisor, order, link, ht, sample, indev, action, police, "
                          "skip_hw, skip_sw)", at)
    if terminal:
        selh["flags"] |= sf["terminal"]
    if order:
        h = hnode.d.get("handle", 0)
        if h & 0xFFF and order != h & 0xFFF:
            raise w.error('"order" contradicts "handle"', order_at)
        hnode.d["handle"] = h | order
    if htid:
        o["hash"] = htid
    if sel_ok:
        o["sel"] = {"flags": selh["flags"], "offshift": selh["offshift"], "nkeys": len(keys),
                    "offmask": selh["offmask"], "off": selh["off"], "offoff": selh["offoff"],
                    "hoff": selh["hoff"], "hmask": selh["hmask"], "keys": keys}
        # an address whose key no later match merged into is a template value
        for at, k, fn in cands:
            v, m = fn(w.w[at])
            if keys[k]["val"] == v and keys[k]["mask"] == m:
                w.values.append((at, opts.path + ("sel", "keys", k),
                                 fast_ipv4net(lambda t, fn=fn: dict(zip(("val", "mask"), fn(t))),
                                              "val"),
                                 ("val", "mask")))
    if flags:
        if flags == _cls("skip_hw") | _cls("skip_sw"):
            raise w.error("skip_hw and skip_sw are mutually exclusive")
        o["flags"] = flags


KINDS["u32"] = u32
