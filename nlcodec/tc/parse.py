"""tc's command language -> the request tc sends.

    >>> r = nlcodec.tc.parse("filter add dev eth0 ingress prio 1 protocol ip "
    ...                      "flower src_mac e4:11:00:00:00:01 action drop")
    >>> r.type, r.header, r.attrs, r.flags          # what nlcodec.encode takes
    >>> r.encode()                                  # tc's bytes (seq 0)

The reading follows iproute2 (tc/tc_filter.c tc_filter_modify, tc/tc_qdisc.c
tc_qdisc_modify, tc/tc_class.c tc_class_modify, tc/f_flower.c, tc/f_matchall.c,
tc/m_*.c): the same
keywords and prefixes, defaults (``protocol all`` for add/replace, all-ones
masks), attribute order and flags, so that ``encode()`` equals what tc
writes to its netlink socket (tests/test_tc_parse.py compares with tc's
bytes).  Device names are looked up in the current network namespace
(``ifindex=`` takes a dict or a function to do it otherwise).
"""

from __future__ import annotations

import socket

from .. import message as _m
from .consts import enum, eth_p
from .estimator import parse_estimator
from .qdiscs import KINDS as _QDISC_OPTS
from .stab import TCA_BUF_MAX, parse_stab, size_table
from .words import (Node, TcSyntaxError, Words, classid, eth_proto, fast_int, get_uint,
                    ifindex_of, matches, qdisc_handle, tokens)

__all__ = ["parse", "Request", "TcSyntaxError", "tokens"]

NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x100, 0x200, 0x400
TC_H_ROOT, TC_H_INGRESS = 0xFFFFFFFF, 0xFFFFFFF1
CLSACT_INGRESS, CLSACT_EGRESS = 0xFFFFFFF2, 0xFFFFFFF3
TCM_IFINDEX_MAGIC_BLOCK = -1            # 0xFFFFFFFF as tcm_ifindex (an int)


class Request:
    """One request: ``type``, ``header``, ``attrs`` and ``flags`` as
    ``nlcodec.encode`` takes them (flags without NLM_F_REQUEST/NLM_F_ACK,
    which ``encode`` adds as tc does; ``Socket.do_many`` adds its own)."""

    __slots__ = ("type", "header", "attrs", "flags", "words", "values")

    def __init__(self, type, header, attrs, flags, words=None):
        self.type, self.header, self.attrs, self.flags = type, header, attrs, flags
        self.words = words.w if words is not None else None
        self.values = words.values if words is not None else []

    def encode(self, seq=0, pid=0, ack=True) -> bytes:
        return _m.encode("route", self.type, header=self.header, attrs=self.attrs,
                         flags=self.flags | NLM_F_REQUEST | (NLM_F_ACK if ack else 0),
                         seq=seq, pid=pid)

    def to_dict(self) -> dict:
        return {"type": self.type, "flags": self.flags, "header": self.header,
                "attrs": self.attrs}

    def __repr__(self):
        return f"<tc Request {self.type} {self.header} {self.attrs}>"


def parse(line, *, ifindex=None) -> Request:
    """A tc command line (without the leading ``tc``; ``tc -b`` file lines)
    -> its ``Request``.  Raises ``TcSyntaxError`` naming the word and its
    column.  ``ifindex``: a dict or function from device names to indexes
    (default: the current network namespace's)."""
    if isinstance(ifindex, dict):
        table = ifindex

        def resolve(name):
            try:
                return table[name]
            except KeyError:
                raise ValueError(f"cannot find device {name!r}") from None
    else:
        resolve = ifindex or ifindex_of
    w = Words(line)
    if w.peek() == "tc":
        w.next()
    obj = w.next() if w.more() else None
    if obj is None:
        raise w.error("expected 'filter', 'qdisc' or 'class'")
    if matches(obj, "filter"):
        r = _filter(w, resolve)
    elif matches(obj, "qdisc"):
        r = _qdisc(w, resolve)
    elif matches(obj, "class"):
        from .classes import class_request
        r = class_request(w, resolve)
    else:
        raise w.error("unknown object (nlcodec reads 'filter', 'qdisc' and 'class')", w.i - 1)
    w.finish()
    if w.more():
        raise w.error("unexpected word")
    return r


# -- filters -------------------------------------------------------------------------


_FILTER_CMDS = (("add", "newtfilter", NLM_F_EXCL | NLM_F_CREATE), ("change", "newtfilter", 0),
                ("replace", "newtfilter", NLM_F_CREATE), ("delete", "deltfilter", 0))


def _cmd(w, table, what):
    word = w.need(f"{what} command")
    for name, ty, flags in table:
        if matches(word, name):
            return ty, flags
    raise w.error(f"unknown {what} command", w.i - 1)


def _filter(w: Words, resolve) -> Request:
    ty, flags = _cmd(w, _FILTER_CMDS, "filter")
    header = {"family": 0, "ifindex": 0, "handle": 0, "parent": 0, "info": 0}
    hnode = Node(header, ("header",))
    attrs = {}
    anode = Node(attrs, ("attrs",))
    ctx = {"protocol": eth_p("all") if ty == "newtfilter" and flags & NLM_F_CREATE else 0,
           "prio": 0, "parent": 0, "dev": False, "block": False, "handle": None}
    seen = set()

    def once(key, at):
        if key in seen:
            raise w.error(f"duplicate {key}", at)
        seen.add(key)

    def parent(value, at):
        if ctx["parent"]:
            raise w.error("duplicate parent", at)
        ctx["parent"] = value
        header["parent"] = value

    kind = None
    chain_at = None
    while w.more():
        at = w.i
        word = w.next()
        if word == "dev":
            once("dev", at)
            if ctx["block"]:
                raise w.error("'dev' and 'block' are mutually exclusive", at)
            ctx["dev"] = True
            w.value(hnode, lambda s: {"ifindex": resolve(s)}, "dev")
        elif matches(word, "block"):
            once("block", at)
            if ctx["dev"]:
                raise w.error("'dev' and 'block' are mutually exclusive", at)
            ctx["block"] = True
            header["ifindex"] = TCM_IFINDEX_MAGIC_BLOCK
            w.value(hnode, _block_index, "block")
            ctx["parent"] = header["parent"]
        elif word == "root":
            parent(TC_H_ROOT, at)
        elif word == "ingress":
            parent(CLSACT_INGRESS, at)
        elif word == "egress":
            parent(CLSACT_EGRESS, at)
        elif word == "parent":
            if ctx["parent"]:
                raise w.error("duplicate parent", at)
            got = w.value(hnode, lambda s: {"parent": classid(s)}, "parent")
            ctx["parent"] = got["parent"] or 1
        elif word == "handle":
            once("handle", at)
            ctx["handle"] = w.i
            w.need("handle")
        elif matches(word, "preference") or matches(word, "priority"):
            once("priority", at)
            w.value_late(hnode, fast_int(
                lambda s: {"info": get_uint(s, 16, 0) << 16 | socket.htons(ctx["protocol"])},
                "info", 0xFFFF, (16, lambda: socket.htons(ctx["protocol"]))), "priority")
            ctx["prio"] = True
        elif matches(word, "protocol"):
            once("protocol", at)
            ctx["protocol"] = _word(w, eth_proto, "protocol")
        elif matches(word, "chain"):
            once("chain", at)
            chain_at = w.i
            w.need("chain")
        elif matches(word, "estimator"):
            once("estimator", at)
            ctx["rate"] = parse_estimator(w)
        else:
            kind = word
            break
    if not ctx["prio"]:
        header["info"] = socket.htons(ctx["protocol"])
    if chain_at is not None:       # TCA_CHAIN comes before TCA_KIND (tc_filter_modify)
        w2 = w.i
        w.i = chain_at
        w.value(anode, fast_int(lambda s: {"chain": get_uint(s, 32, 0)}, "chain", 0xFFFFFFFF),
                "chain")
        w.i = w2
    if kind is None:
        if ctx["handle"] is not None:
            raise w.error("a handle needs a filter kind", ctx["handle"] - 1)
        if "rate" in ctx:
            attrs["rate"] = ctx["rate"]
        return Request(ty, header, attrs, flags, w)
    from . import filters
    parser = filters.KINDS.get(kind)
    if parser is None:
        raise w.error(f"unknown filter kind (nlcodec reads {', '.join(filters.KINDS)})",
                      w.i - 1)
    attrs["kind"] = kind
    parser(w, hnode, anode, ctx, resolve)
    if "rate" in ctx:              # TCA_RATE after the options (tc_filter_modify)
        attrs["rate"] = ctx["rate"]
    return Request(ty, header, attrs, flags, w)


def _block_index(s):
    v = get_uint(s, 32, 0)
    if not v:
        raise ValueError("block index 0")
    return {"parent": v}


def _word(w: Words, fn, what):
    """A word that shapes the request (not a template value)."""
    return w.take(fn, what)


# -- qdiscs ----------------------------------------------------------------------------


_QDISC_CMDS = (("add", "newqdisc", NLM_F_EXCL | NLM_F_CREATE), ("change", "newqdisc", 0),
               ("replace", "newqdisc", NLM_F_CREATE | NLM_F_REPLACE),
               ("link", "newqdisc", NLM_F_REPLACE), ("delete", "delqdisc", 0))

# qdiscs nlcodec.tc reads: ingress and clsact (no options), those of qdiscs.py
_QDISC_KINDS = ("ingress", "clsact") + tuple(_QDISC_OPTS)


def _qdisc(w: Words, resolve) -> Request:
    ty, flags = _cmd(w, _QDISC_CMDS, "qdisc")
    header = {"family": 0, "ifindex": 0, "handle": 0, "parent": 0, "info": 0}
    hnode = Node(header, ("header",))
    attrs = {}
    kind = None
    blocks = {}
    while w.more():
        at = w.i
        word = w.next()
        if word == "dev":
            if "dev" in blocks:
                raise w.error("duplicate dev", at)
            blocks["dev"] = True
            w.value(hnode, lambda s: {"ifindex": resolve(s)}, "dev")
        elif word == "handle":
            if header["handle"]:
                raise w.error("duplicate handle", at)
            w.value(hnode, lambda s: {"handle": qdisc_handle(s)}, "handle")
        elif word == "root":
            if header["parent"]:
                raise w.error("duplicate parent", at)
            header["parent"] = TC_H_ROOT
        elif word in ("clsact", "ingress"):
            if header["parent"]:
                raise w.error("duplicate parent", at)
            header["parent"] = TC_H_INGRESS
            header["handle"] = 0xFFFF0000
            kind = word
            break
        elif word == "parent":
            if header["parent"]:
                raise w.error("duplicate parent", at)
            w.value(hnode, lambda s: {"parent": classid(s)}, "parent")
        elif matches(word, "estimator"):
            if "rate" in blocks:
                raise w.error("duplicate estimator", at)
            blocks["rate"] = parse_estimator(w)
        elif matches(word, "stab"):
            blocks["stab"] = (at, parse_stab(w, enum("tc_linklayer")))  # a second replaces it
        elif matches(word, "ingress_block"):
            blocks["ingress_block"] = _word(w, lambda s: _nonzero(get_uint(s, 32, 0)),
                                            "ingress_block")
        elif matches(word, "egress_block"):
            blocks["egress_block"] = _word(w, lambda s: _nonzero(get_uint(s, 32, 0)),
                                           "egress_block")
        else:
            kind = word
            break
    if kind is not None:
        if kind not in _QDISC_KINDS:
            raise w.error(f"unknown qdisc kind (nlcodec reads {', '.join(_QDISC_KINDS)})",
                          w.i - 1)
        attrs["kind"] = kind
    # TCA_RATE, TCA_INGRESS_BLOCK, TCA_EGRESS_BLOCK after the kind, then the
    # options, then TCA_STAB (tc_qdisc_modify)
    for k in ("rate", "ingress_block", "egress_block"):
        if k in blocks:
            attrs[k] = blocks[k]
    if kind in _QDISC_OPTS:
        _QDISC_OPTS[kind](w, attrs, kind)
    elif kind == "ingress":
        while w.more():         # q_ingress.c ingress_parse_opt: "handle X" read and left
            at = w.i
            if w.next() != "handle":
                raise w.error("ingress: unknown option (handle)", at)
            w.need("handle")
    elif kind in _QDISC_KINDS and w.more():
        raise w.error(f"{kind} takes no options")
    if "stab" in blocks:
        at, spec = blocks["stab"]
        try:
            attrs["stab"] = size_table(spec, enum("tc_linklayer"))
        except ValueError as e:
            raise w.error(str(e), at) from None
        if "data" in attrs["stab"]:
            # tc's request has TCA_BUF_MAX bytes for attributes; a table past them is left
            # out (addattr_l fails, tc_qdisc_modify sends the rest): refused instead
            room = TCA_BUF_MAX + len(Request(ty, header, {}, flags).encode())
            if len(Request(ty, header, attrs, flags).encode()) > room:
                raise w.error("the size table does not fit in tc's request (tc would send "
                              "it without its data)", at)
    return Request(ty, header, attrs, flags, w)


def _nonzero(v):
    if not v:
        raise ValueError("must not be 0")
    return v
