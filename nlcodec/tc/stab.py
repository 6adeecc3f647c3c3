"""A qdisc's size table (``stab``), read as iproute2 6.1 reads it:
tc/tc_stab.c parse_size_table (mtu, tsize, mpu, overhead, linklayer) and
check_size_table_opts, the table as tc/tc_core.c tc_calc_size_table
computes it (sizes through tc_adjust_size, as police.py's rate tables);
tc/tc_qdisc.c tc_qdisc_modify sends it as TCA_STAB after the options."""

from __future__ import annotations

from ..nla import NLA_HDRLEN, align
from .police import _adjust_size, _linklayer
from .qdiscs import _int10
from .words import get_uint, matches

_U16_MAX = 0xFFFF
_NLA_LEN_MAX = 0xFFFF           # struct nlattr's nla_len is a __u16
TCA_BUF_MAX = 64 * 1024         # tc/tc_util.h: the attributes' room in tc's request


def parse_stab(w, linklayers):
    """The words after ``stab`` (``w`` just past it) -> the tc_sizespec
    the words give (before the table is computed).  Stops at the first word
    that is none of its own (the qdisc's kind)."""
    at = w.i - 1
    if not w.more():
        raise w.error("stab needs mtu, tsize, mpu, overhead or linklayer")
    if matches(w.peek(), "help"):
        raise w.error("help is not a request")
    s = {"cell_log": 0, "size_log": 0, "cell_align": 0, "overhead": 0,
         "linklayer": linklayers["unaware"], "mpu": 0, "mtu": 0, "tsize": 0}
    words = (("mtu", lambda x: get_uint(x, 32, 10)), ("mpu", lambda x: get_uint(x, 32, 10)),
             ("overhead", _int10), ("tsize", lambda x: get_uint(x, 32, 10)),
             ("linklayer", _linklayer))
    while w.more():
        word = w.peek()
        hit = next((k for k, _ in words if matches(word, k)), None)
        if hit is None:
            break
        w.next()
        if s[hit] != (linklayers["unaware"] if hit == "linklayer" else 0):
            raise w.error(f"stab: duplicate {hit}", w.i - 1)
        s[hit] = w.take(dict(words)[hit], f"stab {hit}")
    if not _wanted(s, linklayers):
        raise w.error("stab needs linklayer, mpu or overhead (check_size_table_opts)", at)
    return s


def _wanted(s, linklayers):
    """check_size_table_opts."""
    return s["linklayer"] >= linklayers["ethernet"] or s["mpu"] != 0 or s["overhead"] != 0


def _nest_len(tsize):
    """TCA_STAB's length: its header, base's (a tc_sizespec as specs/tc.py
    has it), data's (tsize u16s), each padded to 4 bytes."""
    from .. import registry
    base = registry.family("tc").attrset("tca_stab_attrs").by_name["base"].struct.sizeof()
    return 3 * NLA_HDRLEN + align(base) + align(2 * tsize)


def size_table(s, linklayers) -> dict:
    """tc_calc_size_table: the TCA_STAB nest (base, and data when there is a
    table: a linklayer past ethernet, or an mpu)."""
    s = dict(s)
    if s["linklayer"] <= linklayers["ethernet"] and s["mpu"] == 0:
        s.update(mtu=0, tsize=0, cell_log=0, cell_align=0)
        return {"base": s}
    s["mtu"] = s["mtu"] or 2047
    s["tsize"] = s["tsize"] or 512
    if _nest_len(s["tsize"]) > _NLA_LEN_MAX:
        raise ValueError(f"a table of {s['tsize']} sizes does not fit in TCA_STAB")
    cell_log = 0
    while (s["mtu"] >> cell_log) > s["tsize"] - 1:
        cell_log += 1
    size_log = 0
    while True:
        sizes = [_adjust_size((i + 1) << cell_log, s["mpu"], s["linklayer"])
                 for i in range(s["tsize"])]
        if all(x >> size_log <= _U16_MAX for x in sizes):
            break
        size_log += 1
    s.update(cell_log=cell_log, size_log=size_log, cell_align=-1)
    return {"base": s, "data": {"table": [x >> size_log for x in sizes]}}
