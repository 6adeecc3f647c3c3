"""Actions of ``nlcodec.tc.parse``, read as iproute2 6.1 reads them
(tc/m_action.c parse_action, tc/tc_util.c action_a2n and
parse_action_control, tc/m_gact.c, tc/m_mirred.c, tc/m_vlan.c,
tc/m_skbedit.c, tc/m_csum.c, tc/m_sample.c, tc/m_tunnel_key.c): the
``act`` list of a filter, one dict per action (kind, options, cookie,
flags), in tc's attribute order."""

from __future__ import annotations

import re
import socket

from ..values import ip_text, mac_text
from .consts import enum, eth_p, vlan_tpids
from .notation import TC_ACT_EXT_VAL_MASK
from .words import Node, address, fast_int, get_uint, mac, matches, prefix

# action_a2n: tc's verdict words (tried in this order with matches()) and the
# TC_ACT_* names of the spec's verdict enum
_A2N = (("continue", "unspec"), ("drop", "shot"), ("shot", "shot"), ("pass", "ok"),
        ("ok", "ok"), ("reclassify", "reclassify"), ("pipe", "pipe"), ("goto", "goto_chain"),
        ("jump", "jump"), ("trap", "trap"))
M32 = 0xFFFFFFFF
_NEW_CMDS = ("change", "replace", "delete", "get", "add")   # m_action.c new_cmd()
# actions tc has (tc/m_*.c) that nlcodec.tc does not read
_TC_KINDS = ("ctinfo", "skbmod", "bpf", "simple",
             "ife", "gate", "xt", "ipt")


def a2n(word):
    for name, spec_name in _A2N:
        if matches(word, name):
            return enum("verdict")[spec_name]
    return None


def _gen(index=0, action=0, **more):
    """tc_gen and its followers as the spec names them, zeros where tc leaves them."""
    return {"index": index, "capab": 0, "action": action, "refcnt": 0, "bindcnt": 0, **more}


_DECIMAL = re.compile(r"[+-]?[0-9]+")


def control(w, *, default=None, allow_num=False):
    """parse_action_control: a verdict (``goto chain N``, ``jump N``) -> its
    value; with ``default`` a word that is no verdict is left and the default
    returned (parse_action_control_dflt); with ``allow_num`` a decimal int is
    a verdict too (action_a2n's sscanf "%d%c")."""
    word = w.peek()
    v = a2n(word) if word is not None else None
    if v is None and allow_num and word is not None and _DECIMAL.fullmatch(word) \
            and -(1 << 31) <= int(word) < (1 << 31):
        w.next()
        return int(word)
    if v is None:
        if default is not None:
            return default
        raise w.error("bad action type (expected a verdict: drop, pass, pipe, continue, "
                      "reclassify, trap, goto chain N, jump N)")
    w.next()
    if v == enum("verdict")["goto_chain"]:
        at = w.i
        if not matches(w.need("goto"), "chain"):
            raise w.error("'chain index' expected", at)
        v |= _ext(w, "chain index")
    elif v == enum("verdict")["jump"]:
        v |= _ext(w, "jump count")
    return v


def _ext(w, what):
    at = w.i
    s = w.need(what)
    try:
        n = get_uint(s, 32, 10)
    except ValueError:
        n = -1
    if not 0 <= n <= TC_ACT_EXT_VAL_MASK:
        raise w.error(f"illegal {what}", at)
    return n


def _verdict_index(w, parms: Node, default: str):
    """The tail most m_*.c parsers share: a verdict (parse_action_control_dflt,
    ``default`` when the word is none), then ``index N``; whether an index
    was read."""
    parms.d["action"] = control(w, default=_verdict(default))
    if w.more() and matches(w.peek(), "index"):
        w.next()
        _index(w, parms)
        return True
    return False


def _start(w, anode, kind, needs, **members):
    """The start the m_*.c parsers share: the kind's word, then something
    more needed (``needs`` names it); (options node, parms node: tc_gen and
    ``members``)."""
    w.next()                                # the kind
    if not w.more():
        raise w.error(f"{kind} needs {needs}")
    opts = _options(anode)
    return opts, opts.child("parms", _gen(**members))


def _verb(w, words, numbers, action, why):
    """An action verb of ``words`` (tc's order: the first the word
    abbreviates) -> its number in ``numbers``, else 0; a second verb is an
    error."""
    hit = next((name for name in words if matches(w.peek(), name)), None)
    if hit is None:
        return 0
    if action:
        raise w.error(why)
    w.next()
    return numbers[hit]


def _index(w, parms: Node):
    """``index N`` after an action (get_u32 base 10) into its parms."""
    w.value(parms, fast_int(lambda s: {"index": get_uint(s, 32, 10)}, "index", 0xFFFFFFFF),
            "index")


# -- the action list ----------------------------------------------------------------------


def parse_actions(w, node: Node, key: str, resolve):
    """parse_action(): called after the first ``action`` word."""
    acts = []
    lst = Node(acts, node.path + (key,))
    node.d[key] = acts
    eap = 0
    ok = 0
    while w.more():
        word = w.peek()
        if word == "action":
            w.next()
            eap = 1
            continue
        if word in ("flowid", "classid"):
            break
        if word == "help":
            raise w.error("help is not a request")
        if word in _NEW_CMDS:
            break
        kind = "gact" if a2n(word) is not None else word
        parser = KINDS.get(kind)
        if parser is None:
            if kind in _TC_KINDS:
                raise w.error(f"action {kind} is not supported by nlcodec.tc (it reads "
                              f"{', '.join(KINDS)})")
            # tc: an unknown kind is read by gact (get_action_kind falls back to it)
            kind, parser = "gact", gact
        eap = 0
        act = {"kind": kind}
        acts.append(act)
        anode = Node(act, lst.path + (len(acts) - 1,))
        parser(w, anode, resolve)
        if w.peek() == "cookie":
            w.next()
            w.value(anode, _cookie, "cookie")
        if w.peek() is not None and matches(w.peek(), "hw_stats"):
            w.next()
            at = w.i
            s = w.need("hw_stats")
            # m_action.c hw_stats_items, tried in this order; "disabled": no bit
            hs = enum("act_hw_stats")
            for name, bits in (("immediate", hs["immediate"]), ("delayed", hs["delayed"]),
                               ("disabled", 0)):
                if matches(s, name):
                    act["hw_stats"] = {"value": bits, "selector": bits}
                    break
            else:
                raise w.error("hw_stats: value is invalid (immediate, delayed, disabled)", at)
        flag = 0
        af = enum("act_flags")
        if w.peek() == "no_percpu":
            w.next()
            flag |= af["no_percpu_stats"]
        for _ in range(2):
            if w.peek() in ("skip_sw", "skip_hw"):
                flag |= af[w.next()]
        if flag:
            act["flags"] = {"value": flag, "selector": flag}
        ok += 1
    if eap:
        raise w.error("'action' needs an action")
    if not ok:
        raise w.error("'action' needs an action")


def _cookie(s):
    if len(s) > 32:
        raise ValueError("at most 16 bytes")
    if len(s) % 2:
        raise ValueError("cookie must be a hex string")
    return {"cookie": bytes.fromhex(s).hex()}


def _options(anode):
    return anode.child("options")


# -- gact -------------------------------------------------------------------------------


def gact(w, anode, resolve):
    if matches(w.peek(), "gact"):
        w.next()
        if not w.more():
            raise w.error("gact needs a verdict")
    opts = _options(anode)
    parms = opts.child("parms", _gen())
    if w.peek() is not None and matches(w.peek(), "index"):
        w.next()
        _index(w, parms)
        return
    parms.d["action"] = control(w)
    if w.peek() is not None and matches(w.peek(), "random"):
        # m_gact.c: random netrand|determ VERDICT VAL (VAL a u16, at most 10000)
        w.next()
        at = w.i
        t = w.need("random type")
        pt = enum("gact_prob_type")
        if matches(t, "netrand"):
            ptype = pt["netrand"]
        elif matches(t, "determ"):
            ptype = pt["determ"]
        else:
            raise w.error('Illegal "random type" (netrand, determ)', at)
        paction = control(w)
        at = w.i
        s = w.need("probability")
        try:
            pval = get_uint(s, 16, 10)
        except ValueError:
            pval = None
        if pval is None or pval > 10000:
            raise w.error("Illegal probability val (0..10000)", at)
        opts.d["prob"] = {"ptype": ptype, "pval": pval, "paction": paction}
    if w.peek() is not None and matches(w.peek(), "index"):
        w.next()
        _index(w, parms)


# -- mirred -------------------------------------------------------------------------------

def _eaction(name):
    return enum("mirred_eaction")[name]


def _verdict(name):
    return enum("verdict")[name]


# m_mirred.c: mirror|redirect -> the eaction egress/ingress and the verdict it sets
_MIRRED = (("mirror", "egress_mirror", "ingress_mirror", "pipe"),
           ("redirect", "egress_redir", "ingress_redir", "stolen"))


def mirred(w, anode, resolve):
    w.next()                                # "mirred"
    first = w.peek()
    if first is None or not (matches(first, "egress") or matches(first, "ingress")
                             or matches(first, "index")):
        raise w.error("mirred: expected egress, ingress or index")
    opts = _options(anode)
    parms = opts.child("parms", _gen(eaction=0, ifindex=0))
    p = parms.d
    ok = iok = 0
    egress = ingress = False
    how = None                              # "mirror" or "redirect" once read
    while w.more():
        at = w.i
        word = w.peek()
        if matches(word, "action"):
            break
        side = ("egress" if not egress and matches(word, "egress") else
                "ingress" if not ingress and matches(word, "ingress") else None)
        if side is not None:
            if egress or ingress:
                raise w.error("can't have both egress and ingress", at)
            egress, ingress = side == "egress", side == "ingress"
            w.next()
            ok += 1
            if not w.more():
                raise w.error("mirred: incomplete")
            continue
        if matches(word, "index"):
            w.next()
            _index(w, parms)
            iok += 1
            if not ok:
                break
        elif not ok:
            raise w.error("was expecting egress or ingress", at)
        elif (hit := next((x for x in _MIRRED if matches(word, x[0]) and how != x[0]),
                          None)) is not None:
            if how is not None:
                raise w.error("can't have both mirror and redirect", at)
            how, eg, ing, verdict = hit
            p["eaction"] = _eaction(eg if egress else ing)
            p["action"] = _verdict(verdict)
            ok += 1
            w.next()
        elif how is not None and matches(word, "dev"):
            w.next()
            w.value(parms, lambda s: {"ifindex": resolve(s)}, "dev")
            break
        else:
            raise w.error("mirred: unexpected word", at)
        if not w.more():
            raise w.error("mirred: incomplete")
    if how == "mirror":
        p["action"] = control(w, default=_verdict("pipe"))
    if w.more() and matches(w.peek(), "index"):
        if iok:
            raise w.error("mirred: duplicate index")
        w.next()
        _index(w, parms)


# -- vlan -----------------------------------------------------------------------------------

_VLAN_WORDS = ("pop", "push", "modify", "pop_eth", "push_eth")     # m_vlan.c, in its order


def vlan(w, anode, resolve):
    from .words import eth_proto
    opts, parms = _start(w, anode, "vlan", "an action", v_action=0)
    va = enum("vlan_action")
    action = 0
    extra = {}
    while w.more():
        at, word = w.i, w.peek()
        if (hit := _verb(w, _VLAN_WORDS, va, action, "vlan: unexpected")):
            action = hit
            continue
        if matches(word, "id") or matches(word, "protocol") or matches(word, "priority"):
            if action not in (va["push"], va["modify"]):
                raise w.error("only valid for push/modify", at)
            w.next()
            if matches(word, "id"):
                extra["push_vlan_id"] = (w.i, lambda s: get_uint(s, 16, 0), "id")
            elif matches(word, "protocol"):
                extra["push_vlan_protocol"] = (w.i, eth_proto, "protocol")
            else:
                extra["push_vlan_priority"] = (w.i, lambda s: _prio(get_uint(s, 8, 0)),
                                               "priority")
            w.need(word)
            continue
        if matches(word, "dst_mac") or matches(word, "src_mac"):
            if action != va["push_eth"]:
                raise w.error("only valid for push_eth", at)
            w.next()
            extra["push_eth_" + word[:3]] = (w.i, lambda s: mac_text(mac(s)), word)
            w.need(word)
            continue
        break
    _verdict_index(w, parms, "pipe")
    if action in (va["push"], va["modify"]) and "push_vlan_id" not in extra:
        raise w.error("vlan push/modify needs an id")
    if action == va["push_eth"] and not ("push_eth_dst" in extra and "push_eth_src" in extra):
        raise w.error("vlan push_eth needs dst_mac and src_mac")
    parms.d["v_action"] = action
    # attributes in tc's order: id, protocol, priority, dst, src (parse_vlan)
    save = w.i
    for key in ("push_vlan_id", "push_vlan_protocol", "push_vlan_priority", "push_eth_dst",
                "push_eth_src"):
        if key in extra:
            at, fn, what = extra[key]
            w.i = at
            w.value(opts, lambda s, key=key, fn=fn: {key: fn(s)}, what)
    w.i = save
    proto = opts.d.get("push_vlan_protocol")
    if proto is not None and proto not in vlan_tpids():
        raise w.error("vlan protocol must be 802.1Q or 802.1ad", extra["push_vlan_protocol"][0])


def _prio(v):
    if v & ~7:
        raise ValueError("prio is invalid")
    return v


# -- skbedit, csum, sample ------------------------------------------------------------------

_PTYPES = (("host", 0), ("broadcast", 1), ("multicast", 2), ("otherhost", 3))  # PACKET_*


def _later(w, extra, key, fn, what):
    """A value word whose attribute tc adds after the parms: remembered."""
    at = w.i
    w.need(what)
    extra[key] = (at, fn, what)


def _emit(w, opts, extra, order):
    save = w.i
    for key in order:
        if key in extra:
            at, fn, what = extra[key]
            w.i = at
            w.value(opts, lambda s, key=key, fn=fn: {key: fn(s)}, what)
    w.i = save


def skbedit(w, anode, resolve):
    from .words import classid
    opts, parms = _start(w, anode, "skbedit", "options")
    extra = {}
    flags = 0
    ok = 0
    while w.more():
        word = w.peek()
        if matches(word, "queue_mapping"):
            w.next()
            _later(w, extra, "queue_mapping", lambda s: get_uint(s, 16, 10), "queue_mapping")
        elif matches(word, "priority"):
            w.next()
            _later(w, extra, "priority", classid, "priority")
        elif matches(word, "mark"):
            w.next()
            at = w.i
            s = w.need("mark")
            v, slash, m = s.partition("/")
            extra["mark"] = (at, lambda t: get_uint(t.partition("/")[0], 32, 0), "mark")
            if slash:
                extra["mask"] = (at, lambda t: get_uint(t.partition("/")[2], 32, 0), "mark")
        elif matches(word, "ptype"):
            w.next()
            _later(w, extra, "ptype", _ptype, "ptype")
        elif matches(word, "inheritdsfield"):
            w.next()
            flags |= enum("skbedit_flags")["inheritdsfield"]
        else:
            break
        ok += 1
    ok += _verdict_index(w, parms, "pipe")
    if not ok:
        raise w.error("skbedit needs an option")
    _emit(w, opts, extra, ("queue_mapping", "priority", "mark", "mask", "ptype"))
    if flags:
        opts.d["flags"] = flags


def _ptype(s):
    for name, v in _PTYPES:
        if matches(s, name):
            return v
    raise ValueError("unknown packet type")


_CSUM_WORDS = ((("iph", "ip4h", "ipv4h"), "ipv4hdr"), (("icmp",), "icmp"), (("igmp",), "igmp"),
               (("tcp",), "tcp"), (("udp",), "udp"), (("udplite",), "udplite"),
               (("sctp",), "sctp"))


def csum(w, anode, resolve):
    opts = _options(anode)
    parms = opts.child("parms", _gen(update_flags=0))
    bits = enum("csum_update_flags")
    ok = 0
    while w.more() and matches(w.peek(), "csum"):
        w.next()
        if not w.more():
            raise w.error("csum needs what to update")
        while w.more():
            word = w.peek()
            hit = next((bits[name] for words, name in _CSUM_WORDS
                        if any(matches(word, x) for x in words)), None)
            if hit is not None:
                parms.d["update_flags"] |= hit
            elif not (matches(word, "and") or matches(word, "or") or matches(word, "+")):
                break
            w.next()
        ok += 1
    if not ok or not parms.d["update_flags"]:
        raise w.error("csum needs what to update (iph, icmp, igmp, tcp, udp, udplite, sctp)")
    _verdict_index(w, parms, "ok")


def sample(w, anode, resolve):
    opts, parms = _start(w, anode, "sample", "options")
    extra = {}
    while w.more():
        word = w.peek()
        key = next((k for k, name in (("rate", "rate"), ("psample_group", "group"),
                                      ("trunc_size", "trunc")) if matches(word, name)), None)
        if key is None:
            break
        w.next()
        _later(w, extra, key, lambda s: get_uint(s, 32, 10), word)
    _verdict_index(w, parms, "pipe")
    if not parms.d["index"] and not ("psample_group" in extra and "rate" in extra):
        raise w.error("sample needs rate and group (or an index)")
    _emit(w, opts, extra, ("rate", "psample_group", "trunc_size"))


# -- tunnel_key (attributes in word order, then no_csum, then parms) ------------------------


def _tk_addr(side):
    """m_tunnel_key.c tunnel_key_parse_ip_addr: get_addr(AF_UNSPEC)."""
    def fn(s):
        _, b = address(s, 0, f"{side}_ip")
        return {f"enc_{'ipv6' if len(b) == 16 else 'ipv4'}_{side}": ip_text(b)}
    return fn


def _tk_tokens(s, sep, most, what):
    """strtok_r's tokens (empty ones skipped), at most ``most``."""
    toks = [t for t in s.split(sep) if t]
    if len(toks) > most:
        raise ValueError(f"at most {what}")
    return toks


def _tk_geneve(s):
    """tunnel_key_parse_geneve_opts: OPT[,OPT...], each CLASS:TYPE:DATA (hex;
    strtok_r's tokens, so an empty part shifts the rest), DATA whole bytes."""
    out = []
    for tok in _tk_tokens(s, ",", 1 << 16, "options"):
        o = {}
        for key, t in zip(("class", "type", "data"), _tk_tokens(tok, ":", 3, "CLASS:TYPE:DATA")):
            if key == "data":
                t = t[:len(t) // 2 * 2]
                if not all(c in "0123456789abcdefABCDEF" for c in t):
                    raise ValueError("data must be hex")
                o[key] = t.lower()
            else:
                o[key] = get_uint(t, 16 if key == "class" else 8, 16)
        out.append(o)
    if not out:
        raise ValueError("CLASS:TYPE:DATA")
    return out


def _tk_erspan(s):
    """tunnel_key_parse_erspan_opt: VER:INDEX:DIR:HWID (base 0; strtok_r's tokens)."""
    return {key: get_uint(t, bits, 0) for (key, bits), t in
            zip((("ver", 8), ("index", 32), ("dir", 8), ("hwid", 8)),
                _tk_tokens(s, ":", 4, "VER:INDEX:DIR:HWID"))}


# m_tunnel_key.c's option words, in its order: (word, enc_opts member, reader)
_TK_OPTS = (("geneve_opts", "geneve", _tk_geneve),
            ("vxlan_opts", "vxlan", lambda s: {"gbp": get_uint(s, 32, 0)}),
            ("erspan_opts", "erspan", _tk_erspan))


def _tos_ttl(key):
    def fn(s):
        try:
            return {key: get_uint(s, 8, 10)}
        except ValueError:
            return {key: get_uint(s, 8, 16)}
    return fn


def tunnel_key(w, anode, resolve):
    w.next()                                # "tunnel_key"
    if not w.more():
        raise w.error("tunnel_key needs set or unset")
    opts = _options(anode)
    tka = enum("tunnel_key_action")
    parms = Node(_gen(t_action=0), opts.path + ("parms",))
    action = 0
    have = set()
    csum = 1
    while w.more():
        at = w.i
        word = w.peek()
        if matches(word, "unset") or matches(word, "set"):
            if action:
                raise w.error("unexpected", at)
            action = tka["release"] if matches(word, "unset") else tka["set"]
            w.next()
        elif matches(word, "src_ip") or matches(word, "dst_ip"):
            side = "src" if matches(word, "src_ip") else "dst"
            w.next()
            w.value(opts, _tk_addr(side), word)
            have.add(side)
        elif matches(word, "id"):
            w.next()
            w.value(opts, fast_int(lambda s: {"enc_key_id": get_uint(s, 32, 10)}, "enc_key_id",
                                   0xFFFFFFFF), "id")
        elif matches(word, "dst_port"):
            w.next()
            w.value(opts, fast_int(lambda s: {"enc_dst_port": get_uint(s, 16, 10)}, "enc_dst_port",
                                   0xFFFF), "dst_port")
        elif (hit := next((x for x in _TK_OPTS if matches(word, x[0])), None)) is not None:
            name, kind, fn = hit
            w.next()
            vat = w.i
            s = w.need(name)
            if "enc_opts" in opts.d:
                raise w.error("a second tunnel option word (tc sends two "
                              "TCA_TUNNEL_KEY_ENC_OPTS; nlcodec keeps one)", at)
            try:
                opts.d["enc_opts"] = {kind: fn(s)}
            except ValueError as e:
                raise w.error(f"Illegal \"{name}\": {e}", vat) from None
            if kind == "geneve":        # tc nests these without NLA_F_NESTED
                opts.d.setdefault("_flags", {})["enc_opts"] = 0
        elif matches(word, "tos"):
            w.next()
            w.value(opts, _tos_ttl("enc_tos"), "tos")
        elif matches(word, "ttl"):
            w.next()
            w.value(opts, _tos_ttl("enc_ttl"), "ttl")
        elif matches(word, "csum"):
            csum = 1
            w.next()
        elif matches(word, "nocsum"):
            csum = 0
            w.next()
        else:
            break
    opts.d["no_csum"] = int(not csum)
    _verdict_index(w, parms, "pipe")
    if action == tka["set"] and have != {"src", "dst"}:
        raise w.error("tunnel_key set needs src_ip and dst_ip")
    parms.d["t_action"] = action
    opts.d["parms"] = parms.d


# -- ct (tc/m_ct.c parse_ct: attributes in word order, then action, then parms) ---------


def _ct_addrs(s):
    """m_ct.c ct_parse_nat_addr_range: MIN[-MAX], MIN by get_addr(AF_UNSPEC),
    MAX by get_addr in MIN's family."""
    lo, dash, hi = s.partition("-")
    fam, raw = address(lo, 0, "nat address")
    v = "ipv6" if fam == socket.AF_INET6 else "ipv4"
    a = ip_text(raw)
    b = ip_text(address(hi, fam, "nat address")[1]) if dash else a
    return {f"nat_{v}_min": a, f"nat_{v}_max": b}


def _ct_ports(s):
    lo, dash, hi = s.partition("-")
    a = get_uint(lo, 16, 10)
    return {"nat_port_min": a, "nat_port_max": get_uint(hi, 16, 10) if dash else a}


def _ct_mark(s):
    v, slash, m = s.partition("/")
    return {"mark": get_uint(v, 32, 0), "mark_mask": get_uint(m, 32, 0) if slash else 0xFFFFFFFF}


def _ct_labels(s):
    v, slash, m = s.partition("/")
    if len(v) > 32 or len(m) > 32:
        raise ValueError("at most 16 bytes")
    lab = bytes.fromhex(v[:len(v) // 2 * 2])
    mask = bytes.fromhex(m[:len(m) // 2 * 2]) if slash else b"\xff" * 16
    return {"labels": lab.hex(), "labels_mask": mask.hex()}


def ct(w, anode, resolve):
    f = enum("ct_action")
    opts = _options(anode)
    parms = Node(_gen(), opts.path + ("parms",))
    if w.more() and matches(w.peek(), "ct"):
        w.next()
    act = 0
    while w.more():
        at = w.i
        word = w.peek()
        if matches(word, "zone"):
            w.next()
            w.value(opts, lambda s: {"zone": get_uint(s, 16, 0)}, "zone")
            continue
        if matches(word, "nat"):
            act |= f["nat"]
            w.next()
            if not w.more():        # m_ct.c parse_ct: NEXT_ARG after nat
                raise w.error("ct nat needs more words (tc's NEXT_ARG)")
            side = w.peek()
            if side is not None and (matches(side, "src") or matches(side, "dst")):
                act |= f["nat_src"] if matches(side, "src") else f["nat_dst"]
                w.next()
                if w.peek() is None or not matches(w.peek(), "addr"):
                    raise w.error("ct nat src|dst needs 'addr'")
                w.next()
                w.value(opts, _ct_addrs, "addr")
                if not w.more():    # NEXT_ARG after the address range
                    raise w.error("ct nat addr needs more words (tc's NEXT_ARG)")
                if w.peek() is not None and matches(w.peek(), "port"):
                    w.next()
                    w.value(opts, _ct_ports, "port")
            continue
        if matches(word, "clear") or matches(word, "commit") or matches(word, "force"):
            act |= f[next(k for k in ("clear", "commit", "force") if matches(word, k))]
            w.next()
        elif matches(word, "index"):
            w.next()
            _index(w, parms)
        elif matches(word, "mark"):
            w.next()
            w.value(opts, _ct_mark, "mark")
        elif matches(word, "label"):
            w.next()
            w.value(opts, _ct_labels, "label")
        else:
            break
        del at
    if act & f["clear"] and act & ~f["clear"]:
        raise w.error("ct clear takes no other options")
    if act & f["nat_src"] and act & f["nat_dst"]:
        raise w.error("ct nat: src or dst, not both")
    if act & f["commit"] and act & f["nat"] and not act & (f["nat_src"] | f["nat_dst"]):
        raise w.error("ct commit nat needs src or dst")
    if not act & f["commit"] and act & (f["nat_src"] | f["nat_dst"]):
        raise w.error("ct nat src/dst needs commit")
    parms.d["action"] = control(w, default=_verdict("pipe"))
    opts.d["action"] = act
    opts.d["parms"] = parms.d


# -- nat, connmark, mpls ---------------------------------------------------------------


def _nat_addr(w, what):
    """parse_nat_args: an IPv4 prefix (get_prefix_1) -> (address bytes, length)."""
    at = w.i
    s = w.need(f"{what} address")
    try:
        _, b, bits = prefix(s, socket.AF_INET, empty=True)
    except ValueError:
        raise w.error("Illegal nat construct (an IPv4 address)", at) from None
    return b or bytes(4), bits         # all/any: addr.data as memset gives it


def nat(w, anode, resolve):
    """m_nat.c parse_nat: nat ingress|egress OLD[/LEN] NEW, verdict (ok), index."""
    opts = _options(anode)
    parms = opts.child("parms", _gen(old_addr="0.0.0.0", new_addr="0.0.0.0",
                                     mask="0.0.0.0", flags=0))
    p = parms.d
    ok = 0
    while w.more() and matches(w.peek(), "nat"):
        w.next()
        at = w.i
        side = w.need("nat direction")
        if matches(side, "egress"):
            p["flags"] |= enum("nat_flags")["egress"]
        elif not matches(side, "ingress"):
            raise w.error("Illegal nat construct (ingress or egress)", at)
        (old, bits), (new, _) = (_nat_addr(w, what) for what in ("old", "new"))
        p["old_addr"] = ip_text(old)
        # htonl(~0u << (32 - bitlen)): a shift by 32 is x86's shift by 0
        p["mask"] = ip_text(((M32 << (32 - bits if bits else 0)) & M32).to_bytes(4, "big"))
        p["new_addr"] = ip_text(new)
        ok += 1
    if not ok:
        raise w.error("nat needs ingress|egress OLD NEW")
    _verdict_index(w, parms, "ok")


def connmark(w, anode, resolve):
    """m_connmark.c parse_connmark: connmark [zone N] verdict (pipe) [index N]."""
    while w.more() and matches(w.peek(), "connmark"):
        w.next()
    opts = _options(anode)
    parms = opts.child("parms", _gen(zone=0))
    if w.more() and matches(w.peek(), "zone"):
        w.next()
        at = w.i
        s = w.need("zone")
        try:
            parms.d["zone"] = get_uint(s, 16, 10)
        except ValueError:
            raise w.error('connmark: Illegal "zone"', at) from None
    _verdict_index(w, parms, "pipe")


_MPLS_WORDS = ("pop", "push", "modify", "mac_push", "dec_ttl")     # m_mpls.c, in its order


def mpls(w, anode, resolve):
    """m_mpls.c parse_mpls: pop|push|modify|mac_push|dec_ttl, label, tc, ttl,
    bos, protocol; verdict (pipe), index."""
    from .words import eth_proto
    opts, parms = _start(w, anode, "mpls", "an action", m_action=0)
    ma = enum("mpls_action")
    action = 0
    vals = {}
    modify = ("push", "mac_push", "modify")
    fields = (("label", lambda s: _mpls_field(s, 32, 0xFFFFF, "label must be <=0xFFFFF")),
              ("tc", lambda s: _mpls_field(s, 8, 7, "tc field is 3 bits max")),
              ("ttl", lambda s: _mpls_ttl(s)),
              ("bos", lambda s: _mpls_field(s, 8, 1, "bos must be 0 or 1")))
    while w.more():
        at, word = w.i, w.peek()
        if (hit := _verb(w, _MPLS_WORDS, ma, action, "mpls: only one action")):
            action = hit
            continue
        f = next(((k, fn) for k, fn in fields if matches(word, k)), None)
        if f is not None:
            if action not in (ma[m] for m in modify):
                raise w.error("only valid for push, mac_push and modify", at)
            w.next()
            _later(w, vals, f[0], f[1], f[0])
            continue
        if matches(word, "protocol"):
            if action not in (ma["push"], ma["mac_push"], ma["pop"]):
                raise w.error("only valid for push, mac_push and pop", at)
            w.next()
            vat = w.i
            s = w.need("protocol")
            try:
                vals["proto"] = (vat, eth_proto(s))
            except ValueError:
                raise w.error("protocol is invalid", vat) from None
            continue
        break
    if not action:
        raise w.error("mpls needs pop, push, modify, mac_push or dec_ttl")
    _verdict_index(w, parms, "pipe")
    if action == ma["push"] and "label" not in vals:
        raise w.error("mpls push needs a label")
    proto = vals.pop("proto", (None, 0))
    if action in (ma["push"], ma["mac_push"]) and proto[1] and \
            proto[1] not in (eth_p("mpls_uc"), eth_p("mpls_mc")):
        raise w.error("invalid push protocol: use mpls_uc or mpls_mc", proto[0])
    if action == ma["pop"] and not proto[1]:
        raise w.error("mpls pop needs a protocol")
    parms.d["m_action"] = action
    # tc's order: parms, label, proto, tc, ttl, bos
    _emit(w, opts, vals, ("label",))
    if proto[1]:
        opts.d["proto"] = proto[1]
    _emit(w, opts, vals, ("tc", "ttl", "bos"))


def _mpls_field(s, bits, top, why):
    v = get_uint(s, bits, 0)
    if v > top:
        raise ValueError(why)
    return v


def _mpls_ttl(s):
    v = get_uint(s, 8, 0)
    if not v:
        raise ValueError("ttl must be >0 and <=255")
    return v


def _police(w, anode, resolve):
    from .police import police
    police(w, anode, resolve)


def _pedit(w, anode, resolve):
    from .pedit import pedit
    pedit(w, anode, resolve)


KINDS = {"gact": gact, "mirred": mirred, "vlan": vlan, "skbedit": skbedit, "csum": csum,
         "sample": sample, "tunnel_key": tunnel_key, "ct": ct, "pedit": _pedit, "nat": nat,
         "connmark": connmark, "mpls": mpls, "police": _police}
