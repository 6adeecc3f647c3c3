"""``estimator INTERVAL TIME-CONST`` on a qdisc or filter line, read as
iproute2 6.1 reads it: tc/m_estimator.c parse_estimator (two get_time
words) and tc/tc_estimator.c tc_setup_estimator (struct tc_estimator's
interval and ewma_log); tc_qdisc_modify sends TCA_RATE right after
TCA_KIND, tc_filter_modify after the filter's options."""

from __future__ import annotations

import math

from .police import TIME_UNITS_PER_SEC
from .qdiscs import get_time
from .words import matches


def parse_estimator(w):
    """The two words after ``estimator`` (``w`` just past it) -> the
    TCA_RATE value {interval, ewma_log}."""
    vals = []
    for what in ("interval", "time constant"):
        if w.more() and matches(w.peek(), "help"):
            raise w.error("help is not a request")
        vals.append(w.take(get_time, f"estimator {what}"))
    est = setup(*vals)
    if est is None:
        raise w.error("estimator parameters are out of range", w.i - 1)
    return est


def setup(a, time_const):
    """tc_setup_estimator: the smallest interval (2^(i-2) s, i 0..5) not
    below A, the ewma_log whose time constant first passes TIME-CONST,
    less one; None when out of range."""
    for interval in range(6):
        if a <= (1 << interval) * (TIME_UNITS_PER_SEC // 4):
            break
    else:
        return None
    ewma = 1
    while ewma < 32:
        # 1<<ewma as a C int: 1<<31 is INT_MIN on the hosts tc runs on
        wgt = 1.0 - 1.0 / (1 << ewma if ewma < 31 else -(1 << 31))
        if a / (-math.log(wgt)) > time_const:
            break
        ewma += 1
    ewma -= 1
    if ewma == 0 or ewma >= 31:
        return None
    return {"interval": interval - 2, "ewma_log": ewma}
