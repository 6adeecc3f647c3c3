"""Qdisc options of ``nlcodec.tc.parse``, read as iproute2 6.1 reads them:
tc/q_fifo.c fifo_parse_opt (pfifo, bfifo, pfifo_head_drop: ``limit``, a
size as lib/utils_math.c get_size reads it) and tc/q_fq_codel.c
fq_codel_parse_opt (its attributes in that function's fixed order; times as
lib/utils.c get_time reads them).  Each reader puts TCA_OPTIONS into the
request's attributes after the kind (and the blocks), as tc_qdisc_modify
does."""

from __future__ import annotations

from .police import TIME_UNITS_PER_SEC, _strtod, get_size
from .words import get_uint

U32 = 0xFFFFFFFF

# get_time's suffixes (strcasecmp) and their scale to TIME_UNITS_PER_SEC
_TIME = {**dict.fromkeys(("s", "sec", "secs"), TIME_UNITS_PER_SEC),
         **dict.fromkeys(("ms", "msec", "msecs"), TIME_UNITS_PER_SEC // 1000),
         **dict.fromkeys(("us", "usec", "usecs"), TIME_UNITS_PER_SEC // 1000000)}


def get_time(s):
    """get_time: a number (strtod) with an optional s/ms/us suffix, in
    microseconds, truncated to an unsigned int as C converts a double."""
    v, rest = _strtod(s)
    if rest:
        scale = _TIME.get(rest.lower())
        if scale is None:
            raise ValueError("unknown time unit (s, ms, us)")
        v *= scale
    if not 0 <= v < 2 ** 32:
        raise ValueError("time out of range")
    return int(v)


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


KINDS = {"pfifo": fifo, "bfifo": fifo, "pfifo_head_drop": fifo, "fq_codel": fq_codel}
