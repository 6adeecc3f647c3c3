"""Qdisc options of ``nlcodec.tc.parse``, read as iproute2 6.1 reads them:
tc/q_fifo.c fifo_parse_opt (pfifo, bfifo, pfifo_head_drop: ``limit``, a
size as lib/utils_math.c get_size reads it) and tc/q_fq_codel.c
fq_codel_parse_opt (its attributes in that function's fixed order; times as
lib/utils.c get_time reads them); tc/q_tbf.c tbf_parse_opt (rate tables as
tc/tc_core.c tc_calc_rtable computes them: nlcodec.tc.police's code),
tc/q_prio.c prio_parse_opt, tc/q_htb.c htb_parse_opt (the root qdisc;
classes: nlcodec.tc.classes) and tc/q_netem.c netem_parse_opt.
drr, qfq, multiq, pfifo_fast, cbs, etf and mqprio: nlcodec.tc.qdiscs_sched;
red, choke, codel, pie, fq_pie, hhf, fq, sfb and sfq: nlcodec.tc.qdiscs_aqm.
Each reader puts TCA_OPTIONS into the
request's attributes after the kind (and the blocks), as tc_qdisc_modify
does."""

from __future__ import annotations

import re

from ..nla import NLA_F_NESTED
from .police import (TIME_UNITS_PER_SEC, _linklayer, _rtable, _size_and_cell, _spec,
                     _strtod, get_rate64, get_size, tick_in_usec, xmittime)
from .words import get_uint, matches

U32 = 0xFFFFFFFF

# get_time's suffixes (strcasecmp) and their scale to TIME_UNITS_PER_SEC
_TIME = {**dict.fromkeys(("s", "sec", "secs"), TIME_UNITS_PER_SEC),
         **dict.fromkeys(("ms", "msec", "msecs"), TIME_UNITS_PER_SEC // 1000),
         **dict.fromkeys(("us", "usec", "usecs"), TIME_UNITS_PER_SEC // 1000000)}


def _scaled(s, units, lo, hi):
    """strtod, then an optional unit suffix (strcasecmp) scaling it; the C
    conversion of the double to an integer type holding lo..hi-1."""
    v, rest = _strtod(s)
    if rest:
        scale = units.get(rest.lower())
        if scale is None:
            raise ValueError(f"unknown time unit ({', '.join(sorted(set(units)))})")
        v *= scale
    if not lo <= v < hi:
        raise ValueError("time out of range")
    return int(v)


def get_time(s):
    """get_time: a number (strtod) with an optional s/ms/us suffix, in
    microseconds, truncated to an unsigned int as C converts a double."""
    return _scaled(s, _TIME, 0, 2 ** 32)


def fifo(w, attrs, kind):
    """fifo_parse_opt: [limit SIZE]; TCA_OPTIONS only when limit is given."""
    limit = None
    while w.more():
        at = w.i
        if w.next() != "limit":
            raise w.error(f"{kind}: unknown parameter (limit)", at)
        limit = w.take(get_size, "limit")
    if limit is not None:
        attrs["options"] = {"limit": limit}


def _selector(s):
    v, slash, m = s.partition("/")
    if not slash:
        raise ValueError("missing /MASK")
    return get_uint(m, 8, 0), get_uint(v, 8, 0)


# fq_codel_parse_opt's words: (word, key, reader)
_FQ_CODEL = {"limit": ("limit", lambda s: get_uint(s, 32, 0)),
             "flows": ("flows", lambda s: get_uint(s, 32, 0)),
             "quantum": ("quantum", lambda s: get_uint(s, 32, 0)),
             "drop_batch": ("drop_batch_size", lambda s: get_uint(s, 32, 0)),
             "target": ("target", get_time), "interval": ("interval", get_time),
             "ce_threshold": ("ce_threshold", get_time),
             "memory_limit": ("memory_limit", get_size),
             "ce_threshold_selector": ("selector", _selector)}


def fq_codel(w, attrs, kind):
    """fq_codel_parse_opt: limit, flows, quantum, drop_batch (get_unsigned base
    0), target, interval, ce_threshold (get_time), memory_limit (get_size),
    ce_threshold_selector V/M (get_u8 base 0), ecn|noecn; the nest always,
    each attribute when set (limit, flows ... drop_batch: tc's order)."""
    got = {"limit": 0, "flows": 0, "quantum": 0, "interval": 0, "target": 0, "ecn": -1,
           "ce_threshold": U32, "selector": None, "memory_limit": U32, "drop_batch_size": 0}
    while w.more():
        at = w.i
        word = w.next()
        if word in ("ecn", "noecn"):
            got["ecn"] = int(word == "ecn")
        elif word in _FQ_CODEL:
            key, fn = _FQ_CODEL[word]
            got[key] = w.take(fn, word)
        else:
            raise w.error("What is this? (fq_codel reads limit, flows, quantum, drop_batch, "
                          "target, interval, ce_threshold, ce_threshold_selector, "
                          "memory_limit, ecn, noecn)", at)
    o = {}
    for key in ("limit", "flows", "quantum", "interval", "target"):
        if got[key]:
            o[key] = got[key]
    if got["ecn"] != -1:
        o["ecn"] = got["ecn"]
    if got["ce_threshold"] != U32:
        o["ce_threshold"] = got["ce_threshold"]
    if got["selector"] is not None and got["selector"][1] != 0xFF:
        o["ce_threshold_mask"], o["ce_threshold_selector"] = got["selector"]
    if got["memory_limit"] != U32:
        o["memory_limit"] = got["memory_limit"]
    if got["drop_batch_size"]:
        o["drop_batch_size"] = got["drop_batch_size"]
    attrs["options"] = o


def _once(w, got, key, fn, word, at):
    """a keyword given twice is refused as tc refuses it ("duplicate ...")."""
    if got.get(key):
        raise w.error(f"duplicate {word}", at)
    got[key] = w.take(fn, word)


def _no_percent(fn):
    def read(s):
        if "%" in s:    # get_percent_rate64 reads the device's speed: not here
            raise ValueError("a rate in % of the device's speed is not supported by nlcodec.tc")
        return fn(s)
    return read


def tbf(w, attrs, kind):
    """tbf_parse_opt (iproute2 6.1): limit SIZE | latency TIME, burst|buffer|
    maxburst SIZE[/CELL], rate RATE, mtu|minburst SIZE[/CELL], mpu SIZE,
    peakrate RATE, overhead N, linklayer ethernet|atm|adsl.  TCA_TBF_PARMS
    (struct tc_tbf_qopt), BURST, RATE64 (rate >= 2^32), RTAB, then with a
    peakrate PRATE64, PBURST, PTAB, in that order; rates in the tables and
    the struct clipped to 32 bits as tc_calc_rtable reads r->rate."""
    got = {}
    cells = {"buffer": -1, "mtu": -1}
    linklayer = _linklayer("ethernet")             # "Assume ethernet"
    while w.more():
        at = w.i
        word = w.next()
        if matches(word, "limit"):
            if got.get("latency"):
                raise w.error("tbf: both latency and limit", at)
            _once(w, got, "limit", get_size, "limit", at)
        elif matches(word, "latency"):
            if got.get("limit"):
                raise w.error("tbf: both limit and latency", at)
            _once(w, got, "latency", get_time, "latency", at)
        elif matches(word, "burst") or word in ("buffer", "maxburst"):
            if got.get("buffer"):
                raise w.error("duplicate buffer/burst/maxburst", at)
            got["buffer"], cells["buffer"] = w.take(_size_and_cell, word)
        elif word in ("mtu", "minburst"):
            if got.get("mtu"):
                raise w.error("duplicate mtu/minburst", at)
            got["mtu"], cells["mtu"] = w.take(_size_and_cell, word)
        elif word == "mpu":
            _once(w, got, "mpu", get_size, word, at)
        elif word == "rate":
            _once(w, got, "rate", _no_percent(get_rate64), word, at)
        elif matches(word, "peakrate"):
            _once(w, got, "peakrate", _no_percent(get_rate64), word, at)
        elif matches(word, "overhead"):
            _once(w, got, "overhead", lambda s: get_uint(s, 16, 10), word, at)
        elif matches(word, "linklayer"):
            linklayer = w.take(_linklayer, word)
        else:
            raise w.error("tbf: unknown parameter (limit, latency, burst, rate, mtu, mpu, "
                          "peakrate, overhead, linklayer)", at)
    rate, prate = got.get("rate", 0), got.get("peakrate", 0)
    buffer, mtu, mpu = got.get("buffer", 0), got.get("mtu", 0), got.get("mpu", 0)
    limit, latency, overhead = got.get("limit", 0), got.get("latency", 0), got.get("overhead", 0)
    if not rate:
        raise w.error("tbf: the rate parameter is mandatory")
    if not buffer:
        raise w.error("tbf: the burst parameter is mandatory")
    if prate and not mtu:
        raise w.error("tbf: when peakrate is specified, mtu must also be specified")
    if not limit and not latency:
        raise w.error("tbf: either limit or latency is required")
    rate32, prate32 = min(rate, U32), min(prate, U32)
    if not limit:       # a C double, then unsigned int
        lim = rate * float(latency) / TIME_UNITS_PER_SEC + buffer
        if prate:
            lim = min(lim, prate * float(latency) / TIME_UNITS_PER_SEC + mtu)
        limit = int(lim) & U32
    cl, rtab = _rtable(rate32, cells["buffer"], mtu, mpu, linklayer)
    parms = {"rate": _spec(rate32, mpu, overhead, cl, linklayer, -1), "peakrate": _spec(),
             "limit": limit, "buffer": xmittime(rate32, buffer), "mtu": 0}
    o = {"parms": parms, "burst": buffer}
    if rate >= 1 << 32:
        o["rate64"] = rate
    o["rtab"] = {"table": rtab}
    if prate:
        pcl, ptab = _rtable(prate32, cells["mtu"], mtu, mpu, linklayer)
        parms["peakrate"] = _spec(prate32, mpu, overhead, pcl, linklayer, -1)
        parms["mtu"] = xmittime(prate32, mtu)
        if prate >= 1 << 32:
            o["prate64"] = prate
        o["pburst"] = mtu
        o["ptab"] = {"table": ptab}
    attrs["options"] = o


# q_prio.c prio_parse_opt's default: struct tc_prio_qopt opt = {3, {1, 2, 2, 2, ...}}
_PRIOMAP = (1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)


def prio(w, attrs, kind):
    """prio_parse_opt: bands N (get_integer base 10), priomap B B ... (each
    get_unsigned base 10, below bands, at most 16), multiqueue; struct
    tc_prio_qopt sent with addattr_nest_compat (lib/libnetlink.c): the
    struct, then a nested TCA_OPTIONS holding TCA_PRIO_MQ for multiqueue,
    empty without (specs/tc.py prio_compat_attrs)."""
    bands, pmap, idx, pmap_mode, mq = 3, list(_PRIOMAP), 0, False, False
    while w.more():
        at = w.i
        word = w.next()
        if word == "bands":
            bands = w.take(_int10, word)
        elif word == "priomap":
            if pmap_mode:
                raise w.error("duplicate priomap", at)
            pmap_mode = True
        elif word == "multiqueue":
            mq = True
        elif not pmap_mode:
            raise w.error("What is this? (prio reads bands, priomap)", at)
        else:
            try:
                band = get_uint(word, 32, 10)
            except ValueError as e:
                raise w.error(f"bad priomap element: {e}", at) from None
            if band >= bands:
                raise w.error("priomap element is out of bands", at)
            if idx > 15:
                raise w.error("priomap index > TC_PRIO_MAX=15", at)
            pmap[idx] = band
            idx += 1
    attrs["options"] = {"_header": {"bands": bands, "priomap": pmap},
                        "options": {"mq": True} if mq else {}}


def _int10(s):
    """get_integer(base 10): a C int, the whole word."""
    if not re.fullmatch(r"[+-]?[0-9]+", s):
        raise ValueError("not a number")
    v = int(s)
    if not -(1 << 31) <= v < (1 << 31):
        raise ValueError("out of range")
    return v


def _int0(s):
    """get_integer(base 0)."""
    from .filters import _get_integer
    return _get_integer(s)


def _htb_debug(s):
    """htb_parse_opt's debug: up to 16 digits 0-3, two bits each, up to the first other."""
    v = 0
    for i, c in enumerate(s[:16]):
        if not "0" <= c <= "3":
            break
        v |= (ord(c) - 48) << (2 * i)
    return v


def htb(w, attrs, kind):
    """htb_parse_opt (the qdisc): r2q N (base 10), default CLASS (get_u32
    base 16), debug, direct_qlen N, offload; TCA_HTB_INIT (struct
    tc_htb_glob, version 3, r2q 10 by default), DIRECT_QLEN when given,
    OFFLOAD."""
    glob = {"version": 3, "rate2quantum": 10, "defcls": 0, "debug": 0, "direct_pkts": 0}
    direct_qlen, offload = None, False
    while w.more():
        at = w.i
        word = w.next()
        if matches(word, "r2q"):
            glob["rate2quantum"] = w.take(lambda s: get_uint(s, 32, 10), word)
        elif matches(word, "default"):
            glob["defcls"] = w.take(lambda s: get_uint(s, 32, 16), word)
        elif matches(word, "debug"):
            glob["debug"] = w.take(_htb_debug, word)
        elif matches(word, "direct_qlen"):
            direct_qlen = w.take(lambda s: get_uint(s, 32, 10), word)
        elif matches(word, "offload"):
            offload = True
        else:
            raise w.error("What is this? (htb reads r2q, default, debug, direct_qlen, "
                          "offload)", at)
    o = {"init": glob}
    if direct_qlen is not None and direct_qlen != U32:
        o["direct_qlen"] = direct_qlen
    if offload:
        o["offload"] = True
    attrs["options"] = o


def _percent(s):
    """q_netem.c get_percent: lib/utils.c parse_percent (strtod / 100, 0..1,
    an optional "%"), then set_percent: rint(per * UINT32_MAX)."""
    v, rest = _strtod(s)
    v /= 100.
    if v > 1.0 or v < 0.0 or rest not in ("", "%"):
        raise ValueError("a percentage 0..100 expected")
    return round(v * U32)       # rint: to nearest, ties to even, as round()


def _ticks(s):
    """q_netem.c get_ticks: get_time, refused when tc_core_time2big, then
    tc_core_time2tick (unsigned int of time * tick_in_usec)."""
    t = get_time(s)
    v = t * tick_in_usec()
    if int(v) >> 32:
        raise ValueError("time too large")
    return int(v)


def _number_next(w, signed=False):
    """NEXT_IS_NUMBER / NEXT_IS_SIGNED_NUMBER: the next word starts with a digit (or '-')."""
    nxt = w.peek()
    return bool(nxt) and (nxt[0].isdigit() or (signed and nxt[0] == "-"))


_NSEC = {**dict.fromkeys(("s", "sec", "secs"), 1000000000),
         **dict.fromkeys(("ms", "msec", "msecs"), 1000000),
         **dict.fromkeys(("us", "usec", "usecs"), 1000),
         **dict.fromkeys(("ns", "nsec", "nsecs"), 1)}


def get_time64(s):
    """lib/utils.c get_time64: strtod with s/ms/us/ns suffixes, in nanoseconds
    (a C double converted to __s64)."""
    return _scaled(s, _NSEC, -2 ** 63, 2 ** 63)


def _slot(w):
    """netem_parse_opt's slot MIN_DELAY [MAX_DELAY] | distribution TABLE
    DELAY JITTER (jitter > 0), then [packets N] [bytes SIZE] (struct
    tc_netem_slot; max_delay = min_delay when not given, not below it;
    max_bytes get_size cast to int) -> (the struct, the table or None)."""
    from .filters import _get_integer
    from .qdiscs_sched import get_distribution
    at = w.i
    nxt = w.peek()
    d = {"min_delay": 0, "max_delay": 0,
         "max_packets": 0, "max_bytes": 0, "dist_delay": 0, "dist_jitter": 0}
    table = None
    if nxt == "distribution":
        w.next()
        table = w.take(get_distribution, "slot distribution")
        d["dist_delay"] = w.take(get_time64, "slot delay")
        at = w.i
        d["dist_jitter"] = w.take(get_time64, "slot jitter")
        if d["dist_jitter"] <= 0:
            raise w.error("netem: non-positive slot jitter", at)
    elif nxt is None or not nxt[0].isdigit():
        raise w.error("unknown slot parameter (a time, distribution)", at)
    else:
        d["min_delay"] = w.take(get_time64, "slot min_delay")
        nxt = w.peek()
        if nxt and nxt[0].isdigit():
            at = w.i
            d["max_delay"] = w.take(get_time64, "slot max_delay")
            if d["max_delay"] < d["min_delay"]:
                raise w.error("slot max_delay below min_delay", at)
        else:
            d["max_delay"] = d["min_delay"]
    if w.peek() is not None and matches(w.peek(), "packets"):
        w.next()
        d["max_packets"] = w.take(_get_integer, "slot packets")
    if w.peek() is not None and matches(w.peek(), "bytes"):
        w.next()
        b = w.take(get_size, "slot bytes")
        d["max_bytes"] = b - (1 << 32) if b >> 31 else b
    return d, table


def _loss_model(w, model, maybe):
    """netem_parse_opt's loss state P13 [P31 [P32 [P23 [P14]]]] (struct
    tc_netem_gimodel; defaults p31 = 1 - p13, p32 0, p23 1, p14 0) and loss
    gemodel P [R [1-H [1-K]]] (struct tc_netem_gemodel; defaults r = 1 - p,
    h 0, k1 0; a given h is sent as UINT32_MAX - h), in TCA_NETEM_LOSS."""
    def first(s):
        v, rest = _strtod(s)
        v /= 100.
        if v > 1.0 or v < 0.0 or rest not in ("", "%"):
            raise ValueError("a percentage 0..100 expected")
        return v
    p = w.take(first, f"loss {model}")
    if model == "state":
        d = {"p13": round(p * U32), "p31": round((1. - p) * U32), "p32": 0, "p14": 0,
             "p23": U32}
        for k in ("p31", "p32", "p23", "p14"):
            if not maybe(None, d, k, _percent, f"loss {k}"):
                break
        return {"gi": d}
    d = {"p": round(p * U32), "r": round((1. - p) * U32), "h": 0, "k1": 0}
    if maybe(None, d, "r", _percent, "loss gemodel r"):
        if maybe(None, d, "h", _percent, "loss gemodel h"):
            d["h"] = U32 - d["h"]
            maybe(None, d, "k1", _percent, "loss gemodel k")
    return {"ge": d}


def netem(w, attrs, kind):
    """netem_parse_opt (iproute2 6.1): limit SIZE, delay|latency TIME [JITTER
    [CORR%]] (in ticks), loss [random] P% [CORR%] | state P13 [P31 [P32 [P23
    [P14]]]] | gemodel P [R [1-H [1-K]]], duplicate P% [CORR%],
    reorder P% [CORR%], corrupt P% [CORR%], gap N, ecn, rate RATE [PACKET_OVERHEAD
    [CELLSIZE [CELL_OVERHEAD]]], slot MIN [MAX] [packets N] [bytes SIZE].
    struct tc_netem_qopt (limit 1000 by default), then CORR, REORDER, ECN,
    CORRUPT, SLOT, LOSS (with NLA_F_NESTED), RATE64 (rate >= 2^32),
    RATE, as tc's order; the checks after the loop as tc's (reorder needs a
    delay and sets gap 1; gap needs reorder; ecn needs loss; a distribution
    needs delay and jitter); distribution TABLE and slot distribution TABLE
    DELAY JITTER (tables read as tc reads them: qdiscs_sched.get_distribution)
    sent last, as DELAY_DIST and SLOT_DIST."""
    from .filters import _get_integer
    opt = {"latency": 0, "limit": 1000, "loss": 0, "gap": 0, "duplicate": 0, "jitter": 0}
    cor = {"delay_corr": 0, "loss_corr": 0, "dup_corr": 0}
    reorder = {"probability": 0, "correlation": 0}
    corrupt = {"probability": 0, "correlation": 0}
    rate = {"rate": 0, "packet_overhead": 0, "cell_size": 0, "cell_overhead": 0}
    present = set()
    rate64 = loss = slot = dist = slot_dist = None

    def maybe(key, d, field, fn, what, signed=False):
        if _number_next(w, signed):
            d[field] = w.take(fn, what)
            if key:
                present.add(key)
            return True
        return False
    while w.more():
        at = w.i
        word = w.next()
        if matches(word, "limit"):
            opt["limit"] = w.take(get_size, "limit")
        elif matches(word, "latency") or matches(word, "delay"):
            opt["latency"] = w.take(_ticks, "latency")
            if maybe(None, opt, "jitter", _ticks, "jitter"):
                maybe("corr", cor, "delay_corr", _percent, "delay correlation")
        elif matches(word, "loss") or matches(word, "drop"):
            if opt["loss"] > 0 or loss is not None:
                raise w.error("duplicate loss argument", at)
            if w.peek() is None:
                raise w.error("loss needs a value")
            model = w.peek()
            if model in ("state", "gemodel"):
                w.next()
                loss = _loss_model(w, model, maybe)
                continue
            if not model[0].isdigit():
                if model != "random":
                    raise w.error("unknown loss parameter (random, state, gemodel)", w.i)
                w.next()
            opt["loss"] = w.take(_percent, "loss percent")
            maybe("corr", cor, "loss_corr", _percent, "loss correlation")
        elif matches(word, "ecn"):
            present.add("ecn")
        elif matches(word, "reorder"):
            present.add("reorder")
            reorder["probability"] = w.take(_percent, "reorder")
            maybe("corr", reorder, "correlation", _percent, "reorder correlation")
        elif matches(word, "corrupt"):
            present.add("corrupt")
            corrupt["probability"] = w.take(_percent, "corrupt")
            maybe("corr", corrupt, "correlation", _percent, "corrupt correlation")
        elif matches(word, "gap"):
            opt["gap"] = w.take(lambda s: get_uint(s, 32, 0), "gap")
        elif matches(word, "duplicate"):
            opt["duplicate"] = w.take(_percent, "duplicate")
            maybe(None, cor, "dup_corr", _percent, "duplicate correlation")
        elif matches(word, "rate"):
            present.add("rate")
            rate64 = w.take(_no_percent(get_rate64), "rate")
            maybe(None, rate, "packet_overhead", _get_integer, "packet overhead", True)
            maybe(None, rate, "cell_size", lambda s: get_uint(s, 32, 0), "cell size")
            maybe(None, rate, "cell_overhead", _get_integer, "cell overhead", True)
        elif matches(word, "slot"):
            slot, slot_dist = _slot(w)
        elif matches(word, "distribution"):
            from .qdiscs_sched import get_distribution
            dist = w.take(get_distribution, "distribution")
        else:
            raise w.error("What is this? (netem reads limit, delay, loss, duplicate, "
                          "reorder, corrupt, gap, ecn, rate)", at)
    if reorder["probability"]:
        if not opt["latency"]:
            raise w.error("netem: reordering not possible without specifying some delay")
        if not opt["gap"]:
            opt["gap"] = 1
    elif opt["gap"] > 0:
        raise w.error("netem: gap specified without reorder probability")
    if "ecn" in present and opt["loss"] <= 0 and loss is None:
        raise w.error("netem: ecn requested without loss model")
    if dist is not None and not (opt["latency"] and opt["jitter"]):
        raise w.error("netem: distribution specified but no latency and jitter values")
    o = {"_header": opt}
    if "corr" in present:
        o["corr"] = cor
    if "reorder" in present:
        o["reorder"] = reorder
    if "ecn" in present:
        o["ecn"] = 1
    if "corrupt" in present:
        o["corrupt"] = corrupt
    if slot is not None:
        o["slot"] = slot
    if loss is not None:       # TCA_NETEM_LOSS | NLA_F_NESTED (the kernel dumps it without)
        o["loss"] = loss
        o["_flags"] = {"loss": NLA_F_NESTED}
    if "rate" in present:
        if rate64 >= 1 << 32:
            o["rate64"] = rate64
        rate["rate"] = min(rate64, U32)
        o["rate"] = rate
    if dist is not None:
        o["delay_dist"] = {"table": dist}
    if slot_dist is not None:
        o["slot_dist"] = {"table": slot_dist}
    attrs["options"] = o


KINDS = {"pfifo": fifo, "bfifo": fifo, "pfifo_head_drop": fifo, "fq_codel": fq_codel,
         "tbf": tbf, "prio": prio, "htb": htb, "netem": netem}

from .qdiscs_sched import KINDS as _SCHED  # noqa: E402  (drr, qfq, cbs, etf, mqprio ...)
KINDS.update(_SCHED)
# red, choke, codel, pie, fq_pie, hhf, fq, sfb, sfq (it reads this module's helpers)
from .qdiscs_aqm import KINDS as _AQM  # noqa: E402
KINDS.update(_AQM)
