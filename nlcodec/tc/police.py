"""The police action of ``nlcodec.tc.parse``, read as iproute2 6.1 reads it
(tc/m_police.c act_parse_police; sizes and rates as lib/utils_math.c
get_size/get_rate64 read them; the rate table and burst time as
tc/tc_core.c computes them, with the tick length from /proc/net/psched as
tc_core_init reads it; linklayer atm|adsl as tc_adjust_size aligns sizes to
ATM cells)."""

from __future__ import annotations

import functools
import re

from .consts import enum
from .words import get_uint, matches

TIME_UNITS_PER_SEC = 1000000        # iproute2 include/utils.h
U32 = 0xFFFFFFFF
# lib/utils_math.c suffixes (strcasecmp), bits per second each
_RATE = (("bit", 1.), ("Kibit", 1024.), ("kbit", 1000.), ("mibit", 1024. * 1024.),
         ("mbit", 1000000.), ("gibit", 1024. ** 3), ("gbit", 1000000000.),
         ("tibit", 1024. ** 4), ("tbit", 1000000000000.), ("Bps", 8.), ("KiBps", 8. * 1024.),
         ("KBps", 8000.), ("MiBps", 8. * 1024 * 1024), ("MBps", 8000000.),
         ("GiBps", 8. * 1024. ** 3), ("GBps", 8000000000.), ("TiBps", 8. * 1024. ** 4),
         ("TBps", 8000000000000.))
_SIZE = (("kb", 1024), ("k", 1024), ("gb", 1024 ** 3), ("g", 1024 ** 3),
         ("gbit", 1024 ** 3 // 8), ("mb", 1024 * 1024), ("m", 1024 * 1024),
         ("mbit", 1024 * 1024 // 8), ("kbit", 1024 // 8), ("b", 1))
_NUM = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _strtod(s):
    m = _NUM.match(s)
    if not m:
        raise ValueError("not a number")
    return float(m.group()), s[m.end():]


def get_rate64(s):
    v, rest = _strtod(s)
    if rest:
        scale = next((x for name, x in _RATE if name.lower() == rest.lower()), None)
        if scale is None:
            raise ValueError("unknown rate unit")
        v *= scale
    v /= 8
    if v < 0 or v >= 2 ** 64:
        raise ValueError("rate out of range")
    return int(v)


def get_size(s):
    v, rest = _strtod(s)
    if rest:
        scale = next((x for name, x in _SIZE if name == rest.lower()), None)
        if scale is None:
            raise ValueError("unknown size unit")
        v *= scale
    if not 0 <= v < 2 ** 32 or int(v) != v // 1:
        raise ValueError("size out of range")
    return int(v)


def _size_and_cell(s):
    size, slash, cell = s.partition("/")
    v = get_size(size)
    if not slash:
        return v, -1
    from .filters import _get_integer
    c = _get_integer(cell)
    for i in range(32):
        if 1 << i == c:
            return v, i
    raise ValueError("cell must be a power of 2")


@functools.lru_cache(maxsize=None)
def tick_in_usec():
    """tc_core_init: the tick length from /proc/net/psched."""
    try:
        with open("/proc/net/psched") as f:
            t2us, us2t, clock_res = (int(x, 16) for x in f.read().split()[:3])
    except (OSError, ValueError):
        return 1.0
    if clock_res == 1000000000:
        t2us = us2t
    return t2us / us2t * (clock_res / TIME_UNITS_PER_SEC)


def _u32(x):
    """a C double -> unsigned int conversion on x86-64 (through a 64-bit int)."""
    return int(x) & U32


def xmittime(rate, size):
    """tc_calc_xmittime: tc_core_time2tick(TIME_UNITS_PER_SEC * size / rate)."""
    return _u32(_u32(TIME_UNITS_PER_SEC * (size / rate)) * tick_in_usec())


def _adjust_size(sz, mpu, linklayer):
    """tc_adjust_size: at least mpu; for ATM whole 53-byte cells of 48 bytes
    of payload each (tc_align_to_atm)."""
    sz = max(sz, mpu)
    if linklayer == enum("tc_linklayer")["atm"]:
        cell = enum("atm_cell")
        return -(-sz // cell["payload"]) * cell["size"]
    return sz


def _rtable(rate, cell_log, mtu, mpu, linklayer):
    """tc_calc_rtable_64: (cell_log, 256 times)."""
    if mtu == 0:
        mtu = 2047
    if cell_log < 0:
        cell_log = 0
        while (mtu >> cell_log) > 255:
            cell_log += 1
    return cell_log, [xmittime(rate, _adjust_size((i + 1) << cell_log, mpu, linklayer))
                      for i in range(256)]


def _spec(rate=0, mpu=0, overhead=0, cell_log=0, linklayer=0, cell_align=0):
    return {"cell_log": cell_log, "linklayer": linklayer, "overhead": overhead,
            "cell_align": cell_align, "mpu": mpu, "rate": rate}


_VERDICT_WORDS = ("reclassify", "drop", "shot", "continue", "pass", "ok", "pipe", "goto")


def police(w, anode, resolve, key="options"):
    """The police words from ``police`` on, into ``anode``'s ``key`` nest:
    an action's options (act_parse_police), or a classifier's police
    attribute (f_u32.c: parse_police(TCA_U32_POLICE), the same reader)."""
    from .actions import a2n, control
    w.next()                                # "police"
    if not w.more():
        raise w.error("police needs a rate, avrate, mtu or pkts_rate")
    v = enum("verdict")
    p = {"index": 0, "action": v["reclassify"], "limit": 0, "burst": 0, "mtu": 0,
         "rate": _spec(), "peakrate": _spec(), "refcnt": 0, "bindcnt": 0, "capab": 0}
    got = {"buffer": 0, "mtu": 0, "mpu": 0, "rate": 0, "avrate": 0, "peakrate": 0,
           "overhead": 0, "pkts_rate": 0, "pkts_burst": 0}
    cells = {"buffer": -1, "mtu": -1}
    presult = 0
    ok = 0
    linklayer = enum("tc_linklayer")["ethernet"]       # m_police.c: "Assume ethernet"

    def value(what, fn):
        w.next()
        at = w.i
        s = w.need(what)
        try:
            return fn(s)
        except (ValueError, OverflowError) as e:
            raise w.error(f"police: bad {what}: {e}", at) from None

    def once(key, what, fn):
        if got[key]:
            raise w.error(f"police: duplicate {what}", w.i)
        return value(what, fn)
    while w.more():
        word = w.peek()
        if matches(word, "index"):
            p["index"] = value("index", lambda s: get_uint(s, 32, 10))
        elif matches(word, "burst") or word in ("buffer", "maxburst"):
            got["buffer"], cells["buffer"] = once("buffer", "buffer/burst", _size_and_cell)
        elif word in ("mtu", "minburst"):
            got["mtu"], cells["mtu"] = once("mtu", "mtu/minburst", _size_and_cell)
        elif word == "mpu":
            got["mpu"] = once("mpu", "mpu", get_size)
        elif word == "rate":
            got["rate"] = once("rate", "rate", get_rate64)
        elif word == "avrate":
            got["avrate"] = once("avrate", "avrate", _rate32)
        elif matches(word, "peakrate"):
            got["peakrate"] = once("peakrate", "peakrate", get_rate64)
        elif any(matches(word, x) for x in _VERDICT_WORDS):
            p["action"] = control(w)
            ok += 1
            continue
        elif word == "conform-exceed":
            w.next()
            at = w.i
            if not w.more():
                raise w.error("conform-exceed needs a value")
            first, slash, second = w.peek().partition("/")
            if slash:               # parse_action_control_slash: A/B in one word
                r1, r2 = _verdict_num(first, a2n), _verdict_num(second, a2n)
                if r1 is None or r2 is None:
                    raise w.error("conform-exceed: bad verdict", at)
                w.next()
                p["action"], presult = r1, r2
            else:
                # parse_action_control_slash_spaces: A [/ B], each a whole verdict
                # (goto chain N, jump N; numbers allowed); without "/ B" the
                # result is left as it was
                p["action"] = control(w, allow_num=True)
                if w.peek() == "/":
                    w.next()
                    if not w.more():
                        raise w.error("conform-exceed: a verdict after '/'")
                    presult = control(w, allow_num=True)
            ok += 1
            continue
        elif matches(word, "overhead"):
            got["overhead"] = value("overhead", lambda s: get_uint(s, 16, 10))
        elif matches(word, "linklayer"):
            linklayer = value("linklayer", _linklayer)
        elif matches(word, "pkts_rate"):
            got["pkts_rate"] = once("pkts_rate", "pkts_rate", lambda s: get_uint(s, 64, 10))
        elif matches(word, "pkts_burst"):
            got["pkts_burst"] = once("pkts_burst", "pkts_burst",
                                     lambda s: get_uint(s, 64, 10))
        else:
            break
        ok += 1
    if not ok:
        raise w.error("police needs a rate, avrate, mtu or pkts_rate")
    rate, prate, avrate, pps = got["rate"], got["peakrate"], got["avrate"], got["pkts_rate"]
    if rate and avrate:
        raise w.error("police: rate and avrate together")
    if not (rate or avrate or p["index"] or got["mtu"] or pps):
        raise w.error("'rate' or 'avrate' or 'mtu' or 'pkts_rate' MUST be specified")
    if rate and not got["buffer"] and not avrate:
        raise w.error("'burst' requires 'rate'")
    if pps and not got["pkts_burst"]:
        raise w.error("'pkts_burst' requires 'pkts_rate'")
    if pps and rate:
        raise w.error("'rate' and 'pkts_rate' are not allowed in same action")
    if prate and not rate:
        raise w.error("'peakrate' requires 'rate'")
    if prate and not got["mtu"]:
        raise w.error("'mtu' is required, if 'peakrate' is requested")
    mtu, mpu, overhead = got["mtu"], got["mpu"], got["overhead"]
    opts = anode.child(key).d
    tables = {}
    if rate:
        cl, tables["rate"] = _rtable(rate, cells["buffer"], mtu, mpu, linklayer)
        p["rate"] = _spec(min(rate, U32), mpu, overhead, cl, linklayer, -1)
        p["burst"] = xmittime(rate, got["buffer"])
    p["mtu"] = mtu
    if prate:
        cl, tables["peakrate"] = _rtable(prate, cells["mtu"], mtu, mpu, linklayer)
        p["peakrate"] = _spec(min(prate, U32), mpu, overhead, cl, linklayer, -1)
    # m_police.c's attribute order
    opts["tbf"] = p
    if rate:
        opts["rate"] = {"table": tables["rate"]}
        if rate >= 1 << 32:
            opts["rate64"] = rate
    if prate:
        opts["peakrate"] = {"table": tables["peakrate"]}
        if prate >= 1 << 32:
            opts["peakrate64"] = prate
    if avrate:
        opts["avrate"] = avrate
    if presult:
        opts["result"] = presult
    if pps:
        opts["pktrate64"] = pps
        opts["pktburst64"] = xmittime(pps, got["pkts_burst"])


def _rate32(s):
    """get_rate: as get_rate64, and it must fit in 32 bits."""
    v = get_rate64(s)
    if v > U32:
        raise ValueError("rate out of range")
    return v


def _linklayer(s):
    """get_linklayer (tc/tc_util.c): ethernet, atm or adsl (ATM), prefixes allowed."""
    ll = enum("tc_linklayer")
    if matches(s, "ethernet"):
        return ll["ethernet"]
    if matches(s, "atm") or matches(s, "adsl"):
        return ll["atm"]
    raise ValueError("unknown linklayer (ethernet, atm, adsl)")


def _verdict_num(s, a2n):
    """action_a2n with numbers allowed."""
    r = a2n(s)
    if r is not None:
        return r
    try:
        from .filters import _get_integer
        return _get_integer(s)
    except ValueError:
        return None
