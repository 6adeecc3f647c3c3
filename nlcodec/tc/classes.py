"""``class add|change|replace|delete`` of ``nlcodec.tc.parse``, read as
iproute2 6.1 reads it: tc/tc_class.c tc_class_modify (dev, classid, root,
parent; the kind, then its ``parse_copt``), with the class options of
tc/q_htb.c htb_parse_class_opt (rate and ceil tables as tc/tc_core.c
tc_calc_rtable computes them: nlcodec.tc.police's code), tc/q_drr.c
drr_parse_class_opt and tc/q_qfq.c qfq_parse_class_opt.

A kind whose qdisc has no class options in tc (pfifo, tbf, netem ...; any
name tc does not know) is refused as tc refuses it ("is classless"); the
classful ones nlcodec does not read (hfsc, cbq, atm, ets, dsmark) are
refused by name."""

from __future__ import annotations

import functools
import os

from .estimator import parse_estimator
from .parse import (NLM_F_CREATE, NLM_F_EXCL, TC_H_ROOT, Request, _cmd)
from .police import _linklayer, _rtable, _size_and_cell, _spec, get_rate64, get_size, xmittime
from .words import Node, Words, classid, get_uint, matches

U32 = 0xFFFFFFFF

# tc_class.c do_class: the commands, their messages and flags
_CLASS_CMDS = (("add", "newtclass", NLM_F_EXCL | NLM_F_CREATE), ("change", "newtclass", 0),
               ("replace", "newtclass", NLM_F_CREATE), ("delete", "deltclass", 0))

# qdiscs whose tc qdisc_util has parse_copt and that nlcodec does not read
_CLASSFUL_UNREAD = ("hfsc", "cbq", "atm", "ets", "dsmark")


def class_request(w: Words, resolve) -> Request:
    """tc_class_modify: the words before the kind, TCA_KIND, then the kind's
    class options (TCA_OPTIONS)."""
    ty, flags = _cmd(w, _CLASS_CMDS, "class")
    header = {"family": 0, "ifindex": 0, "handle": 0, "parent": 0, "info": 0}
    hnode = Node(header, ("header",))
    attrs = {}
    kind = None
    dev = False
    est = None
    while w.more():
        at = w.i
        word = w.next()
        if word == "dev":
            if dev:
                raise w.error("duplicate dev", at)
            dev = True
            w.value(hnode, lambda s: {"ifindex": resolve(s)}, "dev")
        elif word == "classid":
            if header["handle"]:
                raise w.error("duplicate classid", at)
            w.value(hnode, lambda s: {"handle": classid(s)}, "classid")
        elif word == "handle":
            raise w.error('try "classid" instead of "handle"', at)
        elif word == "root":
            if header["parent"]:
                raise w.error('"root" is duplicate parent ID', at)
            header["parent"] = TC_H_ROOT
        elif word == "parent":
            if header["parent"]:
                raise w.error("duplicate parent", at)
            w.value(hnode, lambda s: {"parent": classid(s)}, "parent")
        elif matches(word, "estimator"):          # TCA_RATE after TCA_KIND (estimator.py)
            if est is not None:
                raise w.error("duplicate estimator", at)
            est = parse_estimator(w)
        elif matches(word, "help"):
            continue                # tc prints its usage and reads on
        else:
            kind = word
            break
    if kind is not None:
        attrs["kind"] = kind
    if est is not None:
        attrs["rate"] = est
    if kind is None:
        return Request(ty, header, attrs, flags, w)
    read = CLASS_KINDS.get(kind)
    if read is None:
        if kind in _CLASSFUL_UNREAD:
            raise w.error(f"{kind} classes are not supported by nlcodec.tc (it reads "
                          f"{', '.join(CLASS_KINDS)})", w.i - 1)
        raise w.error(f'Qdisc "{kind}" is classless (classes of '
                      f"{', '.join(CLASS_KINDS)})", w.i - 1)
    read(w, attrs, kind)
    return Request(ty, header, attrs, flags, w)


@functools.lru_cache(maxsize=None)
def get_hz() -> int:
    """lib/utils.c __get_hz: $HZ, else /proc/net/psched's third and fourth
    numbers when the third is 1000000 (the fourth then), else HZ (100)."""
    if os.environ.get("HZ") is not None:
        try:
            return int(os.environ["HZ"]) or 100
        except ValueError:
            return 100
    name = os.environ.get("PROC_NET_PSCHED") or (
        os.environ["PROC_ROOT"] + "/net/psched" if os.environ.get("PROC_ROOT")
        else "/proc/net/psched")
    try:
        with open(name) as f:
            nom, denom = (int(x, 16) for x in f.read().split()[2:4])
    except (OSError, ValueError):
        return 100
    return denom if nom == 1000000 and denom else 100


def _percentless(s):
    if "%" in s:        # get_percent_rate64 reads the device's speed: not here
        raise ValueError("a rate in % of the device's speed is not supported by nlcodec.tc")
    return get_rate64(s)


# htb_parse_class_opt's words in its order (matches() prefixes unless whole):
# (word, whole, key, reader)
_HTB = (("prio", False, "prio", lambda s: get_uint(s, 32, 10)),
        ("mtu", False, "mtu", lambda s: get_uint(s, 32, 10)),
        ("mpu", False, "mpu", lambda s: get_uint(s, 16, 10)),
        ("overhead", False, "overhead", lambda s: get_uint(s, 16, 10)),
        ("linklayer", False, "linklayer", _linklayer),
        ("quantum", False, "quantum", lambda s: get_uint(s, 32, 10)),
        ("burst", False, "buffer", _size_and_cell),
        ("buffer", True, "buffer", _size_and_cell),
        ("maxburst", True, "buffer", _size_and_cell),
        ("cburst", False, "cbuffer", _size_and_cell),
        ("cbuffer", True, "cbuffer", _size_and_cell),
        ("cmaxburst", True, "cbuffer", _size_and_cell),
        ("ceil", True, "ceil", _percentless),
        ("rate", True, "rate", _percentless))


def htb(w, attrs, kind):
    """htb_parse_class_opt: rate RATE (required), ceil RATE (default the
    rate), burst|buffer|maxburst and cburst|cbuffer|cmaxburst SIZE[/CELL]
    (default rate / HZ + mtu), prio N, quantum N, mtu N (1600), mpu N,
    overhead N, linklayer ethernet|atm|adsl.  TCA_OPTIONS: RATE64 and CEIL64
    (each when >= 2^32), PARMS (struct tc_htb_opt, 32-bit clipped rates, the
    bursts as transmit times), RTAB, CTAB."""
    got = {"prio": 0, "mtu": 1600, "mpu": 0, "overhead": 0, "quantum": 0,
           "linklayer": _linklayer("ethernet"),            # "Assume ethernet"
           "buffer": (0, -1), "cbuffer": (0, -1), "rate": 0, "ceil": 0}
    while w.more():
        at = w.i
        word = w.next()
        for name, whole, key, fn in _HTB:
            if word == name if whole else matches(word, name):
                if key in ("rate", "ceil") and got[key]:
                    raise w.error(f'Double "{key}" spec', at)
                got[key] = w.take(fn, word)
                break
        else:
            raise w.error("What is this? (htb classes read rate, ceil, burst, cburst, prio, "
                          "quantum, mtu, mpu, overhead, linklayer)", at)
    rate64, ceil64 = got["rate"], got["ceil"] or got["rate"]
    if not rate64:
        raise w.error('htb: "rate" is required')
    mtu, mpu, overhead, linklayer = got["mtu"], got["mpu"], got["overhead"], got["linklayer"]
    (buffer, cell_log), (cbuffer, ccell_log) = got["buffer"], got["cbuffer"]
    if not buffer:
        buffer = (rate64 // get_hz() + mtu) & U32
    if not cbuffer:
        cbuffer = (ceil64 // get_hz() + mtu) & U32
    rate32, ceil32 = min(rate64, U32), min(ceil64, U32)
    rcl, rtab = _rtable(rate32, cell_log, mtu, mpu, linklayer)
    ccl, ctab = _rtable(ceil32, ccell_log, mtu, mpu, linklayer)
    parms = {"rate": _spec(rate32, mpu, overhead, rcl, linklayer, -1),
             "ceil": _spec(ceil32, mpu, overhead, ccl, linklayer, -1),
             "buffer": xmittime(rate64, buffer), "cbuffer": xmittime(ceil64, cbuffer),
             "quantum": got["quantum"], "level": 0, "prio": got["prio"]}
    o = {}
    if rate64 >= 1 << 32:
        o["rate64"] = rate64
    if ceil64 >= 1 << 32:
        o["ceil64"] = ceil64
    o["parms"] = parms
    o["rtab"] = {"table": rtab}
    o["ctab"] = {"table": ctab}
    attrs["options"] = o


def _each_once(w, o, word, key, fn, at):
    """tc adds the attribute each time the word comes; a request dict holds
    one value: a second is refused rather than dropped."""
    if key in o:
        raise w.error(f"{word} given twice (tc would send it twice)", at)
    o[key] = w.take(fn, word)


def drr(w, attrs, kind):
    """drr_parse_class_opt: quantum SIZE (get_size; the whole word);
    TCA_OPTIONS (a nest, empty without options) with TCA_DRR_QUANTUM."""
    o = attrs["options"] = {}
    while w.more():
        at = w.i
        word = w.next()
        if word != "quantum":
            raise w.error("What is this? (drr classes read quantum)", at)
        _each_once(w, o, word, "quantum", get_size, at)


def qfq(w, attrs, kind):
    """qfq_parse_class_opt: weight N, maxpkt N (get_u32 base 10, prefixes);
    TCA_OPTIONS (a nest, empty without options) with TCA_QFQ_WEIGHT, TCA_QFQ_LMAX
    in the words' order."""
    o = attrs["options"] = {}
    while w.more():
        at = w.i
        word = w.next()
        if matches(word, "weight"):
            _each_once(w, o, word, "weight", lambda s: get_uint(s, 32, 10), at)
        elif matches(word, "maxpkt"):
            _each_once(w, o, word, "lmax", lambda s: get_uint(s, 32, 10), at)
        else:
            raise w.error("What is this? (qfq classes read weight, maxpkt)", at)


CLASS_KINDS = {"htb": htb, "drr": drr, "qfq": qfq}
