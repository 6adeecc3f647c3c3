"""Scheduling qdiscs of ``nlcodec.tc.parse``, read as iproute2 6.1 reads them
(the words, defaults, checks and attribute order of each ``*_parse_opt``):

- drr, qfq (tc/q_drr.c drr_parse_opt, tc/q_qfq.c qfq_parse_opt): no options,
  no TCA_OPTIONS; their classes' options are nlcodec.tc.classes';
- multiq (tc/q_multiq.c multiq_parse_opt): a zeroed struct tc_multiq_qopt;
- pfifo_fast (tc/q_fifo.c pfifo_fast_qdisc_util has no parse_qopt, so
  tc/tc_qdisc.c tc_qdisc_modify refuses any word and sends TCA_KIND alone);
- cbs (tc/q_cbs.c cbs_parse_opt): TCA_CBS_PARMS;
- etf (tc/q_etf.c etf_parse_opt, get_clockid): TCA_ETF_PARMS;
- mqprio (tc/q_mqprio.c mqprio_parse_opt): struct tc_mqprio_qopt, then
  MODE, SHAPER, MIN_RATE64 and MAX_RATE64 (nests of 16 rates each);
- netem's distribution tables (tc/q_netem.c get_distribution), read from
  the files iproute2 installs, for nlcodec.tc.qdiscs' netem.

Each reader puts TCA_OPTIONS into the request's attributes after the kind,
as tc_qdisc_modify does; numbers come from the specs (specs/tc.py)."""

from __future__ import annotations

import functools
import os
import re
import sysconfig

from ..nla import NLA_F_NESTED
from .consts import enum
from .police import get_rate64
from .words import get_uint, matches


def _no_words(w, kind):
    """drr_parse_opt / qfq_parse_opt / multiq_parse_opt: any word is refused."""
    if w.more():
        raise w.error(f"What is this? ({kind} takes no options)", w.i)


def drr(w, attrs, kind):
    """drr_parse_opt: no options; tc sends no TCA_OPTIONS."""
    _no_words(w, kind)


def qfq(w, attrs, kind):
    """qfq_parse_opt: no options; tc sends no TCA_OPTIONS."""
    _no_words(w, kind)


def multiq(w, attrs, kind):
    """multiq_parse_opt: no options; TCA_OPTIONS is a zeroed struct
    tc_multiq_qopt (the kernel fills bands from the device's queues)."""
    _no_words(w, kind)
    attrs["options"] = {"bands": 0, "max_bands": 0}


def pfifo_fast(w, attrs, kind):
    """pfifo_fast has no parse_qopt in tc (q_fifo.c): tc_qdisc_modify
    refuses any word ("does not support option parsing") and sends the kind
    alone."""
    if w.more():
        raise w.error(f"qdisc '{kind}' does not support option parsing", w.i)


def _s32(s):
    """get_s32(base 0): strtol on the whole word, within a C int."""
    from .filters import _get_integer
    return _get_integer(s)


# cbs_parse_opt's words in its order (matches() prefixes): word -> (member, reader)
_CBS = (("offload", lambda s: get_uint(s, 8, 0)), ("hicredit", _s32), ("locredit", _s32),
        ("sendslope", _s32), ("idleslope", _s32))


def cbs(w, attrs, kind):
    """cbs_parse_opt: offload N (get_u8 base 0), hicredit, locredit,
    sendslope, idleslope N (get_s32 base 0); a word whose member is already
    non-zero is a duplicate.  TCA_OPTIONS { TCA_CBS_PARMS } always."""
    opt = {"offload": 0, "hicredit": 0, "locredit": 0, "idleslope": 0, "sendslope": 0}
    while w.more():
        at = w.i
        word = w.next()
        for name, fn in _CBS:
            if matches(word, name):
                if opt[name]:
                    raise w.error(f"cbs: duplicate {name}", at)
                opt[name] = w.take(fn, name)
                break
        else:
            raise w.error("cbs: unknown parameter (hicredit, locredit, sendslope, idleslope, "
                          "offload)", at)
    attrs["options"] = {"parms": opt}


def _clockid(s):
    """q_etf.c get_clockid: a leading CLOCK_ skipped when the word holds it
    anywhere (strcasestr, then arg += 6, as tc does), then a SYS-V clock name
    (strcasecmp): REALTIME, TAI, BOOTTIME, MONOTONIC."""
    if "clock_" in s.lower():
        s = s[len("CLOCK_"):]
    clocks = enum("clockid")
    v = clocks.get(s.lower())
    if v is None:
        raise ValueError("not a SYS-V clock (" + ", ".join(
            "CLOCK_" + n.upper() for n in clocks) + ")")
    return v


def etf(w, attrs, kind):
    """etf_parse_opt: offload, deadline_mode (prefixes), delta N (get_s32
    base 0), clockid CLOCKID, skip_sock_check (whole word); struct
    tc_etf_qopt (clockid -1 when not given) in TCA_ETF_PARMS."""
    flags = enum("tc_etf_flags")
    opt = {"delta": 0, "clockid": -1, "flags": 0}
    while w.more():
        at = w.i
        word = w.next()
        bit = None
        if matches(word, "offload"):
            bit, name = flags["offload_on"], "offload"
        elif matches(word, "deadline_mode"):
            bit, name = flags["deadline_mode_on"], "deadline_mode"
        elif matches(word, "delta"):
            if opt["delta"]:
                raise w.error("etf: duplicate delta", at)
            opt["delta"] = w.take(_s32, "delta")
        elif matches(word, "clockid"):
            if opt["clockid"] != -1:
                raise w.error("etf: duplicate clockid", at)
            opt["clockid"] = w.take(_clockid, "clockid")
        elif word == "skip_sock_check":
            bit, name = flags["skip_sock_check"], word
        else:
            raise w.error("etf: unknown parameter (delta, clockid, offload, deadline_mode, "
                          "skip_sock_check)", at)
        if bit is not None:
            if opt["flags"] & bit:
                raise w.error(f"etf: duplicate {name}", at)
            opt["flags"] |= bit
    attrs["options"] = {"parms": opt}


def _queue_pair(s):
    """mqprio's queues COUNT@OFFSET: strtok on "@" (empty parts skipped, a
    third ignored), each get_u16 base 10."""
    parts = [p for p in s.split("@") if p]
    if len(parts) < 2:
        raise ValueError("not COUNT@OFFSET")
    return get_uint(parts[0], 16, 10), get_uint(parts[1], 16, 10)


def _pick(s, choices):
    """mqprio's mode and shaper words: matches() prefixes, in tc's order."""
    for name, v in choices:
        if matches(s, name):
            return v
    raise ValueError("expected " + " or ".join(n for n, _ in choices))


def _numbers(w, limit, fn):
    """mqprio's lists (map, queues, min_rate, max_rate): up to ``limit``
    words while fn reads them; the first it refuses is read again as a
    keyword (tc's PREV_ARG).  Returns the values and whether the line ended
    inside the list (tc's !NEXT_ARG_OK after it)."""
    got = []
    while len(got) < limit and w.more():
        try:
            v = fn(w.peek())
        except (ValueError, OverflowError):
            return got, False
        w.next()
        got.append(v)
    return got, not w.more()


def mqprio(w, attrs, kind):
    """mqprio_parse_opt: num_tc N, map P0 P1 ... (up to 16, the rest 0),
    queues C@O ..., hw 0|1, mode dcb|channel and shaper dcb|bw_rlimit (only
    while hw is non-zero), min_rate / max_rate RATE ... (only after shaper
    bw_rlimit).  Defaults: num_tc 8, map 0 1 2 3 4 5 6 7 0 1 1 1 3 3 3 3, hw 1.
    TCA_OPTIONS: struct tc_mqprio_qopt, then MODE when a mode other than dcb
    was asked, SHAPER likewise, MIN_RATE64 / MAX_RATE64 (NLA_F_NESTED, all 16
    rates) when given."""
    nq = enum("tc_qopt")["max_queue"]
    modes, shapers = enum("tc_mqprio_mode"), enum("tc_mqprio_shaper")
    opt = {"num_tc": 8, "prio_tc_map": [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 1, 1, 3, 3, 3, 3],
           "hw": 1, "count": [0] * nq, "offset": [0] * nq}
    mode, shaper = modes["dcb"], shapers["dcb"]
    rates = {}              # "min_rate64"/"max_rate64" -> 16 rates
    pairs = 0
    flag = set()
    while w.more():
        at = w.i
        word = w.next()
        if word == "num_tc":
            opt["num_tc"] = w.take(lambda s: get_uint(s, 8, 10), word)
        elif word == "map":
            got, _ = _numbers(w, nq, lambda s: get_uint(s, 8, 10))
            opt["prio_tc_map"] = got + [0] * (nq - len(got))
        elif word == "queues":
            got, _ = _numbers(w, nq, _queue_pair)
            for i, (c, o) in enumerate(got):
                opt["count"][i], opt["offset"][i] = c, o
            pairs += len(got)
        elif word == "hw":
            opt["hw"] = w.take(lambda s: get_uint(s, 8, 10), word)
        elif opt["hw"] and word == "mode":
            mode = w.take(lambda s: _pick(s, (("dcb", modes["dcb"]),
                                              ("channel", modes["channel"]))), "mode")
            if mode != modes["dcb"]:
                flag.add("mode")
        elif opt["hw"] and word == "shaper":
            shaper = w.take(lambda s: _pick(s, (("dcb", shapers["dcb"]),
                                                ("bw_rlimit", shapers["bw_rate"]))), "shaper")
            if shaper != shapers["dcb"]:
                flag.add("shaper")
                if not w.more():
                    raise w.error("Incomplete shaper arguments")
        elif shaper == shapers["bw_rate"] and word in ("min_rate", "max_rate"):
            got, ended = _numbers(w, nq, get_rate64)
            if len(got) < opt["num_tc"] and ended:
                raise w.error(f"Incomplete arguments, {word} values expected")
            rates[word + "64"] = got + [0] * (nq - len(got))
        else:
            raise w.error("unknown argument (num_tc, map, queues, hw, mode, shaper, "
                          "min_rate, max_rate)", at)
    if pairs > opt["num_tc"]:
        raise w.error(f"queues count/offset pair count {pairs} can not be higher than "
                      f"given num_tc {opt['num_tc']}")
    o = {"_header": opt}
    if "mode" in flag:
        o["mode"] = mode
    if "shaper" in flag:
        o["shaper"] = shaper
    for key in ("min_rate64", "max_rate64"):
        if key in rates:
            o[key] = {key: rates[key]}
            o.setdefault("_flags", {})[key] = NLA_F_NESTED
    attrs["options"] = o


KINDS = {"drr": drr, "qfq": qfq, "multiq": multiq, "pfifo_fast": pfifo_fast, "cbs": cbs,
         "etf": etf, "mqprio": mqprio}


# -- netem's distribution tables (tc/q_netem.c get_distribution) -----------------------

# q_netem.c MAX_DIST: the most values a table may hold
MAX_DIST = 16 * 1024
_STRTOL0 = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def tc_lib_dirs():
    """Where tc looks for its .dist files (tc/tc_util.c get_tc_lib): $TC_LIB_DIR,
    else the LIBDIR "/tc/" tc was built with, which a Python program cannot
    read from tc: the places distributions install iproute2's tables
    (Debian: /usr/lib/<multiarch>/tc), in that order."""
    env = os.environ.get("TC_LIB_DIR")
    if env:
        return [env]
    arch = sysconfig.get_config_var("MULTIARCH")
    return ([f"/usr/lib/{arch}/tc"] if arch else []) + [
        "/usr/lib64/tc", "/usr/lib/tc", "/usr/local/lib/tc"]


def _strtol_all(line):
    """get_distribution's inner loop: strtol(p, &endp, 0) until it reads
    nothing, each value stored as a __s16 (C's truncation)."""
    out, pos = [], 0
    while True:
        m = _STRTOL0.match(line, pos)
        if not m:
            return out
        d = m.group(2)
        v = int(d, 16 if d[:2].lower() == "0x" else 8 if len(d) > 1 and d[0] == "0" else 10)
        v = max(min(-v if m.group(1) == "-" else v, 2 ** 63 - 1), -2 ** 63)    # LONG_MIN/MAX
        out.append((v + 0x8000) % 0x10000 - 0x8000)
        pos = m.end()


@functools.lru_cache(maxsize=32)
def _read_table(path):
    with open(path) as f:
        text = f.read()
    data = []
    for line in text.splitlines(keepends=True):
        if line[:1] in ("\n", "#"):
            continue
        data += _strtol_all(line)
        if len(data) > MAX_DIST:
            raise ValueError(f"{path}: too much data")
    return tuple(data)


def get_distribution(name):
    """q_netem.c get_distribution: the numbers of ``<tc lib dir>/NAME.dist``
    (lines starting with '#' or empty skipped; base-0 numbers, each a __s16),
    as TCA_NETEM_DELAY_DIST / SLOT_DIST's table; refused when the file is
    missing, empty or holds more than MAX_DIST values."""
    tried = []
    for d in tc_lib_dirs():
        path = d + "/" + name + ".dist"        # tc's "%s/%s.dist"
        try:
            data = _read_table(path)
        except OSError as e:
            tried.append(f"{path}: {e.strerror}")
            continue
        if not data:
            raise ValueError(f"no distribution data in {path}")
        return list(data)
    raise ValueError(f"No distribution data for {name} ({'; '.join(tried)})")
