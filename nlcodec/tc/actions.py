"""Actions of ``nlcodec.tc.parse``, read as iproute2 6.1 reads them
(tc/m_action.c parse_action, tc/tc_util.c action_a2n and
parse_action_control, tc/m_gact.c, tc/m_mirred.c, tc/m_vlan.c,
tc/m_skbedit.c, tc/m_csum.c, tc/m_sample.c, tc/m_tunnel_key.c): the
``act`` list of a filter, one dict per action (kind, options, cookie,
flags), in tc's attribute order."""

from __future__ import annotations

from .consts import enum
from .notation import TC_ACT_EXT_VAL_MASK
from .words import Node, get_uint, matches, mac

# action_a2n: tc's verdict words (tried in this order with matches()) and the
# TC_ACT_* names of the spec's verdict enum
_A2N = (("continue", "unspec"), ("drop", "shot"), ("shot", "shot"), ("pass", "ok"),
        ("ok", "ok"), ("reclassify", "reclassify"), ("pipe", "pipe"), ("goto", "goto_chain"),
        ("jump", "jump"), ("trap", "trap"))
_NEW_CMDS = ("change", "replace", "delete", "get", "add")   # m_action.c new_cmd()


def a2n(word):
    for name, spec_name in _A2N:
        if matches(word, name):
            return enum("verdict")[spec_name]
    return None


def _gen(index=0, action=0, **more):
    """tc_gen and its followers as the spec names them, zeros where tc leaves them."""
    return {"index": index, "capab": 0, "action": action, "refcnt": 0, "bindcnt": 0, **more}


def control(w, *, default=None):
    """parse_action_control: a verdict (``goto chain N``, ``jump N``) -> its
    value; with ``default`` a word that is no verdict is left and the default
    returned (parse_action_control_dflt)."""
    word = w.peek()
    v = a2n(word) if word is not None else None
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


def _index(w, parms: Node):
    """``index N`` after an action (get_u32 base 10) into its parms."""
    w.value(parms, lambda s: {"index": get_uint(s, 32, 10)}, "index")


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
            raise w.error(f"unknown action kind (nlcodec reads {', '.join(KINDS)})")
        eap = 0
        act = {"kind": kind}
        acts.append(act)
        anode = Node(act, lst.path + (len(acts) - 1,))
        parser(w, anode, resolve)
        if w.peek() == "cookie":
            w.next()
            w.value(anode, _cookie, "cookie")
        if w.peek() is not None and matches(w.peek(), "hw_stats"):
            raise w.error("hw_stats is not supported by nlcodec.tc")
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
        raise w.error("gact random is not supported by nlcodec.tc")
    if w.peek() is not None and matches(w.peek(), "index"):
        w.next()
        _index(w, parms)


# -- mirred -------------------------------------------------------------------------------

def _eaction(name):
    return enum("mirred_eaction")[name]


def _verdict(name):
    return enum("verdict")[name]


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
    egress = ingress = mirror = redir = False
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
        elif not mirror and matches(word, "mirror"):
            if redir:
                raise w.error("can't have both mirror and redirect", at)
            mirror = True
            p["eaction"] = _eaction("egress_mirror" if egress else "ingress_mirror")
            p["action"] = _verdict("pipe")
            ok += 1
            w.next()
        elif not redir and matches(word, "redirect"):
            if mirror:
                raise w.error("can't have both mirror and redirect", at)
            redir = True
            p["eaction"] = _eaction("egress_redir" if egress else "ingress_redir")
            p["action"] = _verdict("stolen")
            ok += 1
            w.next()
        elif (redir or mirror) and matches(word, "dev"):
            w.next()
            w.value(parms, lambda s: {"ifindex": resolve(s)}, "dev")
            break
        else:
            raise w.error("mirred: unexpected word", at)
        if not w.more():
            raise w.error("mirred: incomplete")
    if mirror:
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
    w.next()                                # "vlan"
    if not w.more():
        raise w.error("vlan needs an action")
    va = enum("vlan_action")
    opts = _options(anode)
    parms = opts.child("parms", _gen(v_action=0))
    action = 0
    extra = {}
    while w.more():
        at = w.i
        word = w.peek()
        hit = next((enum("vlan_action")[name] for name in _VLAN_WORDS if matches(word, name)),
                   None)
        if hit is not None:
            if action:
                raise w.error("vlan: unexpected", at)
            action = hit
            w.next()
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
            extra["push_eth_" + word[:3]] = (w.i, lambda s: mac(s).hex(":"), word)
            w.need(word)
            continue
        break
    parms.d["action"] = control(w, default=_verdict("pipe"))
    if w.more() and matches(w.peek(), "index"):
        w.next()
        _index(w, parms)
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
    if proto is not None and proto not in (0x8100, 0x88A8):
        raise w.error("vlan protocol must be 802.1Q or 802.1ad", extra["push_vlan_protocol"][0])


def _prio(v):
    if v & ~7:
        raise ValueError("prio is invalid")
    return v


KINDS = {"gact": gact, "mirred": mirred, "vlan": vlan}
