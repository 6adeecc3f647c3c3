"""Common rtnetlink and TC requests, with iproute2's defaults.

Each function returns a request: a dict with ``type``, ``header``, ``attrs``
and ``flags``, for ``Socket.do(**req)``, ``Socket.do_many([req, ...])`` or
``nlcodec.encode("route", **req)``.  Values are given by name (``table="main"``,
``parent="ingress"``, ``protocol="ip"``) and only what the matching ``ip``/``tc``
command needs is required; the rest is filled in as iproute2 fills it in:

=======================  ===================================================
``route("add", dst)``    ``ip route add``: table main, protocol boot, type
                         unicast, scope link without a gateway (else
                         universe; host for local/nat, link for broadcast,
                         multicast, anycast; universe for IPv6), family from
                         the addresses, inet when none says (ip/iproute.c
                         iproute_modify)
``addr("add", ...)``     ``ip addr add``: address also sent as IFA_ADDRESS
                         (the peer) when no peer is given, prefix length 32 or
                         128 when not given, scope host for 127/8 else global
                         (ip/ipaddress.c ipaddr_modify, default_scope)
``qdisc("add", ...)``    ``tc qdisc add``: clsact and ingress get handle
                         ffff: under ffff:fff1 (tc/tc_qdisc.c)
``filter("add", ...)``   ``tc filter add``: protocol all, prio 0 (the kernel
                         picks one), parent ``ingress``/``egress`` as clsact's
                         hooks ffff:fff2/ffff:fff3 (tc/tc_filter.c)
=======================  ===================================================

Commands: ``add`` (NLM_F_CREATE|NLM_F_EXCL), ``replace`` (CREATE|REPLACE),
``change`` (REPLACE), ``append`` (CREATE|APPEND), ``del``/``delete``.
A device is its index, or its name (looked up with ``sock`` when given, else
in the caller's network namespace).

    >>> with nlcodec.connect("route", netns="blue") as s:
    ...     s.do(**ops.route("add", "10.7.0.0/24", via="10.0.0.254"))
    ...     s.do(**ops.filter("add", "eth0", "flower", parent="ingress", protocol="ip",
    ...                       options={"key_ipv4_dst": "10.7.0.1", "act": [
    ...                           ops.mirred("eth1")]}))
"""

from __future__ import annotations

import socket as _socket
from socket import ntohs as socket_ntohs

from . import message as _m
from .errors import EncodeError
from .tc import TC_H_CLSACT, TC_H_MIN_EGRESS, TC_H_MIN_INGRESS, filter_info, make_handle, \
    parse_handle

__all__ = ["route", "addr", "qdisc", "filter", "mirred", "action", "ifindex", "COMMANDS"]

COMMANDS = {
    "add": _m.NLM_F_CREATE | _m.NLM_F_EXCL,
    "replace": _m.NLM_F_CREATE | _m.NLM_F_REPLACE,
    "change": _m.NLM_F_REPLACE,
    "append": _m.NLM_F_CREATE | _m.NLM_F_APPEND,
    "del": 0, "delete": 0,
}


def _cmd(cmd, what):
    if cmd not in COMMANDS:
        raise ValueError(f"{what}: command {cmd!r}; one of {', '.join(COMMANDS)}")
    return ("del" if cmd in ("del", "delete") else "new") + what, COMMANDS[cmd]


def ifindex(dev, sock=None) -> int:
    """A device's index: ``dev`` itself when it is one, else looked up by name."""
    if isinstance(dev, int):
        return dev
    if sock is not None:
        for m in sock.do("getlink", header={}, attrs={"ifname": dev}):
            return m.header["index"]
    try:
        return _socket.if_nametoindex(dev)
    except OSError:
        raise ValueError(f"no device {dev!r} (pass its index, or sock= for another "
                         f"network namespace)") from None


def _family(*addrs):
    for a in addrs:
        if isinstance(a, str) and a not in ("default", "all", "any"):
            return "inet6" if ":" in a else "inet"
    return None


def route(cmd="add", dst="default", *, via=None, dev=None, table=None, protocol=None,
          scope=None, type=None, metric=None, src=None, family=None, sock=None,
          **attrs) -> dict:
    """``ip route <cmd> <dst> [via GW] [dev DEV] [table T] [proto P] [scope S]
    [metric N] [src ADDR]``.  ``dst`` is a prefix (``"10.7.0.0/24"``), an
    address or ``"default"``; more RTA_* attributes by name as ``attrs``."""
    mtype, flags = _cmd(cmd, "route")
    delete = mtype == "delroute"
    family = family or _family(dst, via, src) or "inet"
    header = {"family": family, "table": "main"}
    out = {}
    if dst not in ("default", "all", "any", None):
        out["dst"] = dst if "/" in dst else f"{dst}/{128 if ':' in dst else 32}"
    if not delete:
        header.update(protocol="boot", type="unicast")
    if protocol is not None:
        header["protocol"] = protocol
    if type is not None:
        header["type"] = type
    if table is not None:
        t = table
        if isinstance(t, str) and not t.isdigit():
            header["table"] = t          # a name: main, local, default ...
        else:
            t = int(t)
            if t < 256:
                header["table"] = t
            else:                        # ids past 255 go in RTA_TABLE
                header["table"] = "unspec"
                out["table"] = t
    elif header.get("type") in ("local", "broadcast", "nat", "anycast"):
        header["table"] = "local"
    if via is not None:
        out["gateway"] = via
    if dev is not None:
        out["oif"] = ifindex(dev, sock)
    if metric is not None:
        out["priority"] = metric
    if src is not None:
        out["prefsrc"] = src
    out.update(attrs)
    if scope is None:                   # iproute_modify's rules, in its order
        t = header.get("type", "unspec")
        scope = "nowhere" if delete else "universe"
        if family in ("inet6", "mpls", 10, 28):
            scope = "universe"
        elif t in ("local", "nat"):
            scope = "host"
        elif t in ("broadcast", "multicast", "anycast"):
            scope = "link"
        elif t in ("unicast", "unspec", 1, 0) and not delete and via is None and \
                "multipath" not in out and "nh_id" not in out:
            scope = "link"              # no gateway: the destination is on the link
    header["scope"] = scope
    return {"type": mtype, "header": header, "attrs": out, "flags": flags}


def addr(cmd="add", address=None, dev=None, *, peer=None, broadcast=None, scope=None,
         label=None, metric=None, proto=None, flags=None, sock=None, **attrs) -> dict:
    """``ip addr <cmd> ADDRESS[/LEN] dev DEV [peer P] [broadcast B] [scope S]
    [label L] [metric N] [proto P]``."""
    mtype, nlflags = _cmd(cmd, "addr")
    if address is None or dev is None:
        raise EncodeError("addr: needs an address and dev (as ip addr add ADDRESS dev DEV)")
    local, _, plen = address.partition("/")
    family = _family(local)
    bits = 128 if family == "inet6" else 32
    header = {"family": family, "prefixlen": int(plen) if plen else bits,
              "index": ifindex(dev, sock)}
    out = {"local": local}
    if peer is not None:
        p, _, pl = peer.partition("/")
        out["address"] = p
        header["prefixlen"] = int(pl) if pl else bits
    elif not (mtype == "deladdr" and family == "inet" and not plen):
        out["address"] = local
    if broadcast is not None:
        out["broadcast"] = broadcast
    if label is not None:
        out["label"] = label
    if metric is not None:
        out["rt_priority"] = metric
    if proto is not None:
        out["proto"] = proto
    if flags is not None:
        out["flags"] = flags
    out.update(attrs)
    if scope is None and mtype != "deladdr":
        scope = "host" if family == "inet" and local.split(".")[0] == "127" else "universe"
    if scope is not None:
        header["scope"] = scope
    return {"type": mtype, "header": header, "attrs": out, "flags": nlflags}


def _tc_parent(parent, *, filter):
    if isinstance(parent, str):
        p = parent.strip().lower()
        if filter and p == "ingress":
            return make_handle(0xFFFF, TC_H_MIN_INGRESS)
        if filter and p == "egress":
            return make_handle(0xFFFF, TC_H_MIN_EGRESS)
    return parse_handle(parent)


def qdisc(cmd="add", dev=None, kind=None, *, parent="root", handle=None, options=None,
          sock=None, **attrs) -> dict:
    """``tc qdisc <cmd> dev DEV [parent P | root | clsact | ingress] [handle H] KIND``.
    ``kind="clsact"`` or ``"ingress"`` attach under ffff:fff1 with handle ffff:."""
    mtype, flags = _cmd(cmd, "qdisc")
    if dev is None or kind is None:
        raise EncodeError("qdisc: needs dev and kind (as tc qdisc add dev DEV KIND)")
    if kind in ("clsact", "ingress"):
        parent, handle = TC_H_CLSACT, make_handle(0xFFFF, 0) if handle is None else handle
    header = {"family": "unspec", "ifindex": ifindex(dev, sock),
              "handle": parse_handle(handle if handle is not None else 0),
              "parent": _tc_parent(parent, filter=False)}
    out = {"kind": kind}
    if options is not None:
        out["options"] = options
    out.update(attrs)
    return {"type": mtype, "header": header, "attrs": out, "flags": flags}


def filter(cmd="add", dev=None, kind=None, *, parent="root", protocol="all", prio=0,
           handle=0, chain=None, options=None, sock=None, **attrs) -> dict:
    """``tc filter <cmd> dev DEV [ingress | egress | root | parent P] [protocol
    PROTO] [prio N] [handle H] [chain C] KIND [options]``.  ``ingress``/``egress``
    are clsact's hooks; ``protocol`` a name tc knows (``ip``, ``ipv6``, ``802.1Q``,
    ``all``) or an ethertype; ``options`` the classifier's attributes by name
    (flower: ``{"key_eth_type": ..., "act": [action, ...]}``)."""
    mtype, flags = _cmd(cmd, "tfilter")
    if dev is None or kind is None:
        raise EncodeError("filter: needs dev and kind (as tc filter add dev DEV KIND)")
    header = {"family": "unspec", "ifindex": ifindex(dev, sock),
              "handle": handle if isinstance(handle, int) else parse_handle(handle),
              "parent": _tc_parent(parent, filter=True),
              "info": filter_info(int(prio), protocol)}
    out = {}
    if chain is not None:
        out["chain"] = chain
    out["kind"] = kind
    eth_type = socket_ntohs(header["info"] & 0xFFFF)
    if kind == "flower" and eth_type != 0x0003 and (options is None or (
            "key_eth_type" not in options and "TCA_FLOWER_KEY_ETH_TYPE" not in options)):
        # tc's flower matches the filter's protocol too (f_flower.c: TCA_FLOWER_KEY_ETH_TYPE
        # after the other keys), which the kernel needs to take IP keys
        options = {**(options or {}), "key_eth_type": eth_type}
    if options is not None:
        out["options"] = options
    out.update(attrs)
    return {"type": mtype, "header": header, "attrs": out, "flags": flags}


def action(kind, options=None, **attrs) -> dict:
    """One action for a filter's ``act`` list (or ``newaction``'s tab):
    ``action("gact", {"parms": {"action": "drop"}})``."""
    out = {"kind": kind}
    if options is not None:
        out["options"] = options
    out.update(attrs)
    return out


_MIRRED = {("egress", "redirect"): ("egress_redir", "stolen"),
           ("egress", "mirror"): ("egress_mirror", "pipe"),
           ("ingress", "redirect"): ("ingress_redir", "stolen"),
           ("ingress", "mirror"): ("ingress_mirror", "pipe")}


def mirred(dev, how="egress redirect", *, verdict=None, sock=None) -> dict:
    """``action mirred egress redirect dev DEV`` (or ``egress mirror``, ``ingress
    redirect``, ``ingress mirror``); redirect ends with ``stolen``, mirror with
    ``pipe``, as tc sets them (tc/m_mirred.c)."""
    try:
        eaction, default = _MIRRED[tuple(how.lower().split())]
    except (KeyError, ValueError):
        raise ValueError(f"mirred: {how!r}; one of "
                         f"{', '.join(' '.join(k) for k in _MIRRED)}") from None
    return action("mirred", {"parms": {"action": verdict or default, "eaction": eaction,
                                       "ifindex": ifindex(dev, sock)}})
