"""The AQM qdiscs of ``nlcodec.tc.parse``, read as iproute2 6.1 reads them:
red (tc/q_red.c red_parse_opt), choke (tc/q_choke.c choke_parse_opt), codel
(tc/q_codel.c codel_parse_opt), pie (tc/q_pie.c pie_parse_opt), fq_pie
(tc/q_fq_pie.c fq_pie_parse_opt), hhf (tc/q_hhf.c hhf_parse_opt), fq
(tc/q_fq.c fq_parse_opt), sfb (tc/q_sfb.c sfb_parse_opt) and sfq with its
RED words (tc/q_sfq.c sfq_parse_opt).  RED's constants are computed as
tc/tc_red.c computes them (tc_red_eval_ewma, tc_red_eval_P,
tc_red_eval_idle_damping): in C doubles (Python's floats and libm's pow and
log are the same IEEE doubles), converted to integers as gcc does on x86-64.

Each reader puts TCA_OPTIONS into the request's attributes after the kind,
its attributes in the order tc adds them.  Numbers (attribute ids, struct
layouts, TC_RED_* flag bits, SFB_MAX_PROB) come from specs/tc.py."""

from __future__ import annotations

import math
import re

from ..nla import NLA_F_NESTED
from .consts import enum
from .police import _rate32, _strtod, get_rate64, get_size, xmittime
from .qdiscs import U32, _int0, _no_percent, get_time, get_time64
from .words import get_uint, matches


def _u(s):
    """get_unsigned / get_u32 (base 0): an unsigned int, the whole word."""
    return get_uint(s, 32, 0)


# -- C conversions and tc_red.c --------------------------------------------------------


def _s32(v):
    """an unsigned or wider C integer stored into an int (two's complement)."""
    v &= U32
    return v - (1 << 32) if v >> 31 else v


def _d2int(x):
    """double -> int on x86-64 (cvttsd2si, 32 bits): NaN and values out of
    range give INT_MIN."""
    if x != x or not -2.0 ** 31 <= x < 2.0 ** 31:
        return -(1 << 31)
    return int(x)


def _d2u8(x):
    """double -> __u8 as gcc converts it on x86-64: through a 32-bit int,
    keeping its low byte."""
    return _d2int(x) & 0xFF


def _d2u32(x):
    """double -> __u32 as gcc converts it on x86-64: through a 64-bit integer
    (cvttsd2si, INT64_MIN when out of range), keeping its low 32 bits."""
    if x != x or not -2.0 ** 63 <= x < 2.0 ** 63:
        return 0
    return int(x) & U32


def _div(a, b):
    """C double division: by zero gives +-inf (or NaN for 0/0)."""
    if b:
        return a / b
    if a != a or a == 0:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _lg(s):
    """sscanf(s, "%lg") or strtod: a decimal number at the start of the word
    (what follows it is ignored, as both ignore it).  The hexadecimal, inf
    and nan forms they also read are refused."""
    if re.match(r"[+-]?(0[xX]|[iInN])", s):
        raise ValueError("only decimal numbers are supported by nlcodec.tc")
    return _strtod(s)[0]


def red_eval_ewma(qmin, burst, avpkt):
    """tc/tc_red.c tc_red_eval_ewma: the smallest Wlog (1..31) with
    burst + 1 - qmin/avpkt <= (1 - (1 - W)^burst) / W, W = 2^-Wlog."""
    a = float(burst) + 1 - _div(float(qmin), avpkt)
    if a < 1.0:
        raise ValueError(f"burst {burst} is too small, try burst {1 + qmin // avpkt}")
    w = 0.5
    for wlog in range(1, 32):
        if a <= (1 - math.pow(1 - w, burst)) / w:
            return wlog
        w /= 2
    raise ValueError("failed to calculate EWMA constant")


def red_eval_P(qmin, qmax, prob):
    """tc/tc_red.c tc_red_eval_P: Plog = log2(prob / (qmax - qmin)) rounded
    up, in 0..31 (0 when qmax == qmin)."""
    i = _s32(qmax - qmin)
    if not i:
        return 0
    if i < 0:
        raise ValueError("failed to calculate probability")
    prob /= i
    for i in range(32):
        if prob > 1.0:
            return i
        prob *= 2
    raise ValueError("failed to calculate probability")


def red_eval_idle_damping(wlog, avpkt, bps):
    """tc/tc_red.c tc_red_eval_idle_damping: (Scell_log, the 256-byte
    table Stab[t >> Scell_log] = -log(1 - W) * t / xmit_time, at most 31)."""
    xmit = float(xmittime(bps, avpkt))
    lw = _div(-math.log(1.0 - 1.0 / _s32(1 << wlog)), xmit)
    maxtime = _div(31.0, lw)
    for clog in range(32):
        if maxtime / _s32(1 << clog) < 512:
            break
    else:
        raise ValueError("failed to calculate idle damping table")
    sbuf = bytearray(256)
    for i in range(1, 255):
        v = _d2u8(_s32(i << clog) * lw)
        sbuf[i] = 31 if v > 31 else v
    sbuf[255] = 31
    return clog, list(sbuf)


def _max_p(probability):
    """max_P = probability * pow(2, 32), stored into a __u32."""
    return _d2u32(probability * math.pow(2, 32))


def _rate(s):
    """get_rate (32 bits); a rate in % of the device's speed is refused."""
    return _no_percent(_rate32)(s)


_TEN_MBIT = "10Mbit"        # red_parse_opt's bandwidth when none is given


def _red_parms(limit=0, qth_min=0, qth_max=0, wlog=0, plog=0, scell_log=0, flags=0):
    return {"limit": limit, "qth_min": qth_min, "qth_max": qth_max, "wlog": wlog,
            "plog": plog, "scell_log": scell_log, "flags": flags}


def _unknown(w, kind, words, at):
    return w.error(f"What is this? ({kind} reads {', '.join(words)})", at)


def _read(w, kind, table, flags=None, more=None):
    """A qdisc's words: ``table`` word -> (key, reader), ``flags`` word ->
    (key, value), ``more`` word (a prefix, as tc's matches()) -> fn(w,
    got) reading the words after it; -> {key: value} of the words given (a
    later one wins, as in tc)."""
    flags, more = flags or {}, more or {}
    got = {}
    while w.more():
        at = w.i
        word = w.next()
        if word in table:
            key, fn = table[word]
            got[key] = w.take(fn, word)
        elif word in flags:
            key, v = flags[word]
            got[key] = v
        else:
            fn = next((f for full, f in more.items() if matches(word, full)), None)
            if fn is None:
                raise _unknown(w, kind, list(table) + list(flags) + list(more), at)
            fn(w, got)
    return got


# -- red ---------------------------------------------------------------------------


def red(w, attrs, kind):
    """q_red.c red_parse_opt: limit, min, max, avpkt (get_size), burst
    (get_unsigned), probability (sscanf %lg, 0.02 by default), bandwidth
    (get_rate, 10Mbit by default), ecn, harddrop, nodrop, adaptive|
    adaptative.  limit and avpkt are required; max = 3 min or limit/4,
    min = max/3, burst = (2 min + max) / (3 avpkt) by default.  TCA_RED_PARMS,
    STAB (256 bytes), MAX_P, FLAGS (a bitfield32 whose selector is every
    flag tc knows), then EARLY_DROP_BLOCK and MARK_BLOCK of ``qevent
    early_drop|mark block IDX`` (tc/tc_qevent.c)."""
    fl = enum("tc_red_flags")
    table = {"limit": ("limit", get_size), "min": ("qth_min", get_size),
             "max": ("qth_max", get_size), "burst": ("burst", _u), "avpkt": ("avpkt", get_size),
             "probability": ("probability", _lg), "bandwidth": ("rate", _rate)}
    flag_words = {"ecn": ("ecn", 1), "harddrop": ("harddrop", 1), "nodrop": ("nodrop", 1),
                  "adaptative": ("adaptative", 1), "adaptive": ("adaptative", 1)}
    got = {"probability": 0.02, **_read(w, "red", table, flag_words, {"qevent": _qevent})}
    value = 0
    for name, bit in fl.items():
        if got.get(name):
            value |= bit
    limit, avpkt = got.get("limit", 0), got.get("avpkt", 0)
    if not limit or not avpkt:
        raise w.error("RED: Required parameter (limit, avpkt) is missing")
    qmin, qmax, burst = got.get("qth_min", 0), got.get("qth_max", 0), got.get("burst", 0)
    if not qmax:
        qmax = qmin * 3 & U32 if qmin else limit // 4
    if not qmin:
        qmin = qmax // 3
    if not burst:
        burst = _burst(w, qmin, qmax, avpkt)
    rate = got.get("rate", 0) or get_rate64(_TEN_MBIT)
    p = got["probability"]
    try:
        wlog = red_eval_ewma(qmin, burst, avpkt)
        plog = red_eval_P(qmin, qmax, p)
        scell_log, stab = red_eval_idle_damping(wlog, avpkt, rate)
    except ValueError as e:
        raise w.error(f"RED: {e}") from None
    attrs["options"] = {
        "parms": _red_parms(limit, qmin, qmax, wlog, plog, scell_log),
        "stab": {"table": stab}, "max_p": _max_p(p),
        "flags": {"value": value, "selector": _all(fl)}}
    for key in _QEVENTS.values():       # qevents_dump: in q_red.c's qevents[] order
        if got.get(key):
            attrs["options"][key] = got[key]


# q_red.c qevents[]: a qevent's name -> its attribute (TCA_RED_EARLY_DROP_BLOCK, _MARK_BLOCK)
_QEVENTS = {"early_drop": "early_drop_block", "mark": "mark_block"}


def _block_idx(s):
    """tc_qevent.c parse_block_idx: get_unsigned base 10, not 0."""
    v = get_uint(s, 32, 10)
    if not v:
        raise ValueError("must not be 0")
    return v


def _qevent(w, got):
    """tc_qevent.c qevent_parse and qevent_parse_plain: NAME (early_drop,
    mark; a word must follow it), then ``block IDX`` as long as the next
    word is block (a second index refused), an index required; the word
    after it is red's again."""
    at = w.i
    name = w.need("qevent")
    key = _QEVENTS.get(name)
    if key is None:
        raise w.error(f"Unknown qevent ({', '.join(_QEVENTS)})", at)
    if got.get(key):
        raise w.error("Duplicate qevent", at)
    if not w.more():
        raise w.error(f"qevent {name} needs block IDX")
    while w.peek() == "block":
        w.next()
        at = w.i
        idx = w.take(_block_idx, "qevent block index")
        if got.get(key):
            raise w.error("Qevent block index already specified", at)
        got[key] = idx
        if not w.more():
            break
    if not got.get(key):
        raise w.error("Unspecified qevent block index", w.i)


def _all(flags):
    v = 0
    for bit in flags.values():
        v |= bit
    return v


def _burst(w, qmin, qmax, avpkt):
    """burst = (2 * qth_min + qth_max) / (3 * avpkt), in unsigned ints."""
    d = 3 * avpkt & U32
    if not d:       # tc divides by zero here
        raise w.error("avpkt gives a zero divisor for the default burst")
    return ((2 * qmin + qmax) & U32) // d


# -- choke -------------------------------------------------------------------------


def choke(w, attrs, kind):
    """q_choke.c choke_parse_opt: limit, min, max, burst (packets,
    get_unsigned), avpkt (get_size, 1000), bandwidth (get_rate, required),
    probability (%lg, 0.02), ecn; max = limit/4, min = max/3, burst =
    (2 min + max) / 3 by default; max <= limit, min < max; thresholds in
    bytes (times avpkt) for tc_red_eval_ewma and _P.  TCA_CHOKE_PARMS, STAB,
    MAX_P."""
    table = {"limit": ("limit", _u), "bandwidth": ("rate", _rate), "min": ("qth_min", _u),
             "max": ("qth_max", _u), "burst": ("burst", _u), "avpkt": ("avpkt", get_size),
             "probability": ("probability", _lg)}
    got = {"avpkt": 1000, "probability": 0.02, **_read(w, "choke", table,
                                                          {"ecn": ("ecn", True)})}
    limit, rate, avpkt = got.get("limit", 0), got.get("rate", 0), got["avpkt"]
    if not rate or not limit:
        raise w.error("Required parameter (bandwidth, limit) is missing")
    qmin, qmax, burst = got.get("qth_min", 0), got.get("qth_max", 0), got.get("burst", 0)
    if not qmax:
        qmax = limit // 4
    if not qmin:
        qmin = qmax // 3
    if not burst:
        burst = ((2 * qmin + qmax) & U32) // 3
    if qmax > limit:
        raise w.error('"max" is larger than "limit"')
    if qmin >= qmax:
        raise w.error('"min" is not smaller than "max"')
    p = got["probability"]
    try:
        wlog = red_eval_ewma(qmin * avpkt & U32, burst, avpkt)
        plog = red_eval_P(qmin * avpkt & U32, qmax * avpkt & U32, p)
        scell_log, stab = red_eval_idle_damping(wlog, avpkt, rate)
    except ValueError as e:
        raise w.error(f"CHOKE: {e}") from None
    flags = enum("tc_red_flags")["ecn"] if got.get("ecn") else 0
    attrs["options"] = {"parms": _red_parms(limit, qmin, qmax, wlog, plog, scell_log, flags),
                        "stab": {"table": stab}, "max_p": _max_p(p)}


# -- codel, pie, fq_pie, hhf: u32 attributes when given ----------------------------


def _put(attrs, got, order, nested=False):
    """TCA_OPTIONS with the attributes of ``order`` that were given (a value
    of 0 is not sent, as tc's ``if (x)``; None: not given)."""
    o = {}
    for key in order:
        v = got.get(key)
        if v:
            o[key] = v
        elif v is not None and key in _SIGNED:
            o[key] = v
    attrs["options"] = o
    if nested:
        attrs["_flags"] = {"options": NLA_F_NESTED}


# tristate words (-1 not given, 0/1 sent when given)
_SIGNED = {"ecn", "bytemode", "dq_rate_estimator"}
_ECN = {"ecn": ("ecn", 1), "noecn": ("ecn", 0)}
_BYTEMODE = {"bytemode": ("bytemode", 1), "nobytemode": ("bytemode", 0),
             "dq_rate_estimator": ("dq_rate_estimator", 1),
             "no_dq_rate_estimator": ("dq_rate_estimator", 0)}


def codel(w, attrs, kind):
    """q_codel.c codel_parse_opt: limit (get_unsigned), target, interval,
    ce_threshold (get_time), ecn|noecn; TCA_CODEL_LIMIT, INTERVAL, TARGET,
    ECN, CE_THRESHOLD in that order, each when given (non-zero)."""
    table = {"limit": ("limit", _u), "target": ("target", get_time),
             "ce_threshold": ("ce_threshold", get_time), "interval": ("interval", get_time)}
    got = _read(w, "codel", table, _ECN)
    _put(attrs, got, ("limit", "interval", "target", "ecn"))
    if "ce_threshold" in got and got["ce_threshold"] != U32:
        attrs["options"]["ce_threshold"] = got["ce_threshold"]


_ALPHA_MAX = _BETA_MAX = 32     # q_pie.c and q_fq_pie.c ALPHA_MAX, BETA_MAX


def _upto(n):
    def read(s):
        v = _u(s)
        if v > n:
            raise ValueError(f"must be at most {n}")
        return v
    return read


def pie(w, attrs, kind):
    """q_pie.c pie_parse_opt: limit, alpha, beta (get_unsigned; alpha and
    beta at most 32), target, tupdate (get_time), ecn|noecn, bytemode|
    nobytemode, dq_rate_estimator|no_dq_rate_estimator; TCA_PIE_LIMIT,
    TUPDATE, TARGET, ALPHA, BETA, ECN, BYTEMODE, DQ_RATE_ESTIMATOR."""
    table = {"limit": ("limit", _u), "target": ("target", get_time),
             "tupdate": ("tupdate", get_time), "alpha": ("alpha", _upto(_ALPHA_MAX)),
             "beta": ("beta", _upto(_BETA_MAX))}
    got = _read(w, "pie", table, {**_ECN, **_BYTEMODE})
    _put(attrs, got, ("limit", "tupdate", "target", "alpha", "beta", "ecn", "bytemode",
                      "dq_rate_estimator"))


def _ecn_prob(s):
    v = _u(s)
    if v >= 100:
        raise ValueError("must be below 100")
    return v


def fq_pie(w, attrs, kind):
    """q_fq_pie.c fq_pie_parse_opt: limit, flows, alpha, beta (at most 32),
    ecn_prob (below 100) (get_unsigned), target, tupdate (get_time),
    quantum, memory_limit (get_size), ecn|noecn, bytemode|nobytemode,
    dq_rate_estimator|no_dq_rate_estimator; TCA_OPTIONS with NLA_F_NESTED,
    LIMIT, FLOWS, TARGET, TUPDATE, ALPHA, BETA, QUANTUM, MEMORY_LIMIT,
    ECN_PROB, ECN, BYTEMODE, DQ_RATE_ESTIMATOR."""
    table = {"limit": ("limit", _u), "flows": ("flows", _u), "target": ("target", get_time),
             "tupdate": ("tupdate", get_time), "alpha": ("alpha", _upto(_ALPHA_MAX)),
             "beta": ("beta", _upto(_BETA_MAX)), "quantum": ("quantum", get_size),
             "memory_limit": ("memory_limit", get_size), "ecn_prob": ("ecn_prob", _ecn_prob)}
    got = _read(w, "fq_pie", table, {**_ECN, **_BYTEMODE})
    _put(attrs, got, ("limit", "flows", "target", "tupdate", "alpha", "beta", "quantum",
                      "memory_limit", "ecn_prob", "ecn", "bytemode", "dq_rate_estimator"),
         nested=True)


def hhf(w, attrs, kind):
    """q_hhf.c hhf_parse_opt: limit, quantum, hh_limit, admit_bytes,
    non_hh_weight (get_unsigned), reset_timeout, evict_timeout (get_time);
    TCA_HHF_BACKLOG_LIMIT, QUANTUM, HH_FLOWS_LIMIT, RESET_TIMEOUT,
    ADMIT_BYTES, EVICT_TIMEOUT, NON_HH_WEIGHT, each when non-zero."""
    table = {"limit": ("backlog_limit", _u), "quantum": ("quantum", _u),
             "hh_limit": ("hh_flows_limit", _u), "reset_timeout": ("reset_timeout", get_time),
             "admit_bytes": ("admit_bytes", _u), "evict_timeout": ("evict_timeout", get_time),
             "non_hh_weight": ("non_hh_weight", _u)}
    got = _read(w, "hhf", table)
    _put(attrs, got, ("backlog_limit", "quantum", "hh_flows_limit", "reset_timeout",
                      "admit_bytes", "evict_timeout", "non_hh_weight"))


# -- fq ----------------------------------------------------------------------------


def _slack(s):
    """fq's timer_slack: get_time64 (nanoseconds), which must fit an unsigned int."""
    v = get_time64(s)
    if v != v & U32:
        raise ValueError("out of range")
    return v


def fq(w, attrs, kind):
    """q_fq.c fq_parse_opt: limit, flow_limit, buckets, quantum,
    initial_quantum, orphan_mask (get_unsigned), maxrate, defrate,
    low_rate_threshold (get_rate), ce_threshold, horizon, refill_delay
    (get_time), timer_slack (get_time64, ns), pacing|nopacing,
    horizon_drop|horizon_cap.  TCA_FQ_BUCKETS_LOG (ilog2 of buckets, when
    non-zero), PLIMIT, FLOW_PLIMIT, QUANTUM, INITIAL_QUANTUM, RATE_ENABLE,
    FLOW_MAX_RATE, LOW_RATE_THRESHOLD, FLOW_DEFAULT_RATE, FLOW_REFILL_DELAY,
    ORPHAN_MASK, CE_THRESHOLD, TIMER_SLACK, HORIZON, HORIZON_DROP: each when
    given, whatever its value."""
    table = {"limit": ("plimit", _u), "flow_limit": ("flow_plimit", _u),
             "buckets": ("buckets", _u), "maxrate": ("flow_max_rate", _rate),
             "low_rate_threshold": ("low_rate_threshold", _rate32),
             "ce_threshold": ("ce_threshold", get_time), "timer_slack": ("timer_slack", _slack),
             "horizon": ("horizon", get_time), "defrate": ("flow_default_rate", _rate),
             "quantum": ("quantum", _u), "initial_quantum": ("initial_quantum", _u),
             "orphan_mask": ("orphan_mask", _u), "refill_delay": ("flow_refill_delay", get_time)}
    flags = {"horizon_drop": ("horizon_drop", 1), "horizon_cap": ("horizon_drop", 0),
             "pacing": ("rate_enable", 1), "nopacing": ("rate_enable", 0)}
    got = _read(w, "fq", table, flags)
    o = {}
    if got.get("buckets"):
        o["buckets_log"] = (got["buckets"] - 1 & U32).bit_length()     # q_fq.c ilog2
    for key in ("plimit", "flow_plimit", "quantum", "initial_quantum", "rate_enable",
                "flow_max_rate", "low_rate_threshold", "flow_default_rate", "flow_refill_delay",
                "orphan_mask", "ce_threshold", "timer_slack", "horizon", "horizon_drop"):
        if key in got:
            o[key] = got[key]
    attrs["options"] = o


# -- sfb ---------------------------------------------------------------------------


def _prob(s):
    """q_sfb.c get_prob: strtod (what follows the number is ignored), 0..1,
    (__u32)(d * SFB_MAX_PROB + 0.5)."""
    d = _lg(s)
    if d < 0.0 or d > 1.0:
        raise ValueError("a probability 0..1 expected")
    return int(d * enum("sfb_consts")["max_prob"] + 0.5)


def sfb(w, attrs, kind):
    """q_sfb.c sfb_parse_opt: rehash, db, limit, max, target, penalty_rate,
    penalty_burst (get_u32 base 0), increment, decrement (get_prob); struct
    tc_sfb_qopt in TCA_SFB_PARMS with tc's defaults (rehash 600000, db 60000,
    penalty_rate 10, penalty_burst 20, increment (SFB_MAX_PROB + 1000) / 2000,
    decrement (SFB_MAX_PROB + 10000) / 20000; max (5 target + 1) / 4 or 25,
    target (4 max + 3) / 5 when not given)."""
    mp = enum("sfb_consts")["max_prob"]
    o = {"rehash_interval": 600 * 1000, "warmup_time": 60 * 1000, "max": 0, "bin_size": 0,
         "increment": (mp + 1000) // 2000, "decrement": (mp + 10000) // 20000, "limit": 0,
         "penalty_rate": 10, "penalty_burst": 20}
    table = {"rehash": ("rehash_interval", _u), "db": ("warmup_time", _u),
             "limit": ("limit", _u), "max": ("max", _u), "target": ("bin_size", _u),
             "increment": ("increment", _prob), "decrement": ("decrement", _prob),
             "penalty_rate": ("penalty_rate", _u), "penalty_burst": ("penalty_burst", _u)}
    o.update(_read(w, "sfb", table))
    if not o["max"]:
        o["max"] = ((o["bin_size"] * 5 + 1) & U32) // 4 if o["bin_size"] >= 1 else 25
    if not o["bin_size"]:
        o["bin_size"] = ((o["max"] * 4 + 3) & U32) // 5
    attrs["options"] = {"parms": o}


# -- sfq ---------------------------------------------------------------------------


def _sfq_limit(s):
    v = _u(s)
    if v < 2:
        raise ValueError("must be > 1")
    return v


# sfq_parse_opt's words: word -> (key in struct tc_sfq_qopt_v1, reader); "v0." the inner struct
_SFQ = {"quantum": ("v0.quantum", get_size), "perturb": ("v0.perturb_period", _int0),
        "limit": ("v0.limit", _sfq_limit), "divisor": ("v0.divisor", _u),
        "flows": ("v0.flows", _u), "depth": ("depth", _u)}
# its RED words: word -> (key, reader)
_SFQ_RED = {"redflowlimit": ("limit", _u), "min": ("qth_min", _u), "max": ("qth_max", _u),
            "burst": ("burst", _u), "avpkt": ("avpkt", get_size),
            "probability": ("probability", _lg)}


def sfq(w, attrs, kind):
    """q_sfq.c sfq_parse_opt: quantum (get_size), perturb (get_integer),
    limit (> 1), divisor, flows, depth (get_u32), headdrop; its RED words
    redflowlimit, min, max, burst (get_u32/get_unsigned), avpkt (get_size,
    1000), probability (%lg, 0.02), ecn, harddrop.  With a RED word,
    redflowlimit is required, max = redflowlimit/4, min = max/3, burst =
    (2 min + max) / (3 avpkt) by default, max <= redflowlimit, min < max,
    Wlog and Plog as tc_red_eval_ewma/_P, max_P = probability * 2^32.
    struct tc_sfq_qopt_v1 (zero but for what is given) only when a word was
    given."""
    fl = enum("tc_red_flags")
    v0 = dict.fromkeys(("quantum", "perturb_period", "limit", "divisor", "flows"), 0)
    o = {"v0": v0, "depth": 0, "headdrop": 0, "limit": 0, "qth_min": 0, "qth_max": 0,
         "wlog": 0, "plog": 0, "scell_log": 0, "flags": 0, "max_p": 0,
         "stats": dict.fromkeys(("prob_drop", "forced_drop", "prob_mark", "forced_mark",
                                 "prob_mark_head", "forced_mark_head"), 0)}
    red = {"burst": 0, "avpkt": 1000, "probability": 0.02}
    ok = is_red = False
    while w.more():
        at = w.i
        word = w.next()
        if word == "headdrop":
            o["headdrop"] = 1
            ok = True
        elif word in _SFQ:
            key, fn = _SFQ[word]
            d, k = (v0, key[3:]) if key.startswith("v0.") else (o, key)
            d[k] = w.take(fn, word)
            ok = True
        elif word in _SFQ_RED:
            key, fn = _SFQ_RED[word]
            (o if key in o else red)[key] = w.take(fn, word)
            is_red = True
        elif word in ("ecn", "harddrop"):
            o["flags"] |= fl[word]
            is_red = True
        else:
            raise _unknown(w, "sfq", list(_SFQ) + ["headdrop"] + list(_SFQ_RED)
                           + ["ecn", "harddrop"], at)
    if is_red:
        if not o["limit"]:
            raise w.error("sfq: Required parameter (redflowlimit) is missing")
        if not o["qth_max"]:
            o["qth_max"] = o["limit"] // 4
        if not o["qth_min"]:
            o["qth_min"] = o["qth_max"] // 3
        burst = red["burst"] or _burst(w, o["qth_min"], o["qth_max"], red["avpkt"])
        if o["qth_max"] > o["limit"]:
            raise w.error('sfq: "max" is larger than "limit"')
        if o["qth_min"] >= o["qth_max"]:
            raise w.error('sfq: "min" is not smaller than "max"')
        try:
            o["wlog"] = red_eval_ewma(o["qth_min"], burst, red["avpkt"])
            o["plog"] = red_eval_P(o["qth_min"], o["qth_max"], red["probability"])
        except ValueError as e:
            raise w.error(f"SFQ: {e}") from None
        o["max_p"] = _max_p(red["probability"])
    if ok or is_red:
        attrs["options"] = o


KINDS = {"red": red, "choke": choke, "codel": codel, "pie": pie, "fq_pie": fq_pie, "hhf": hhf,
         "fq": fq, "sfb": sfb, "sfq": sfq}
