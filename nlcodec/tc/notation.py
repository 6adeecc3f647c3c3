"""Traffic control notation: handles, parents, filter info and verdicts as
``tc`` shows and accepts them.

A handle is 32 bits, major:minor (16:16), written in hex: ``1:`` is
0x00010000, ``1:10`` is 0x00010010, ``:5`` is 0x00000005.  A few values have
names: ``root`` (0xFFFFFFFF), ``ingress``/``clsact`` (0xFFFFFFF1, the parent
of the ingress and clsact qdiscs) and, for filters on a clsact qdisc,
``ingress``/``egress`` (ffff:fff2 / ffff:fff3).

    >>> handle_str(0x10010), parse_handle("ffff:")
    ('1:10', 4294901760)
    >>> verdict_name(0x20000005), parse_verdict("goto chain 5")
    ('goto chain 5', 536870917)
"""

from __future__ import annotations

import functools
import socket

__all__ = [
    "TC_H_ROOT", "TC_H_INGRESS", "TC_H_CLSACT", "TC_H_UNSPEC", "TC_H_MIN_INGRESS",
    "TC_H_MIN_EGRESS", "handle_str", "qdisc_handle_str", "parent_str", "parse_handle",
    "parse_parent", "make_handle", "major", "minor", "filter_info", "split_info",
    "verdict_name", "parse_verdict", "TC_ACT",
]

TC_H_UNSPEC = 0
TC_H_ROOT = 0xFFFFFFFF
TC_H_INGRESS = 0xFFFFFFF1
TC_H_CLSACT = TC_H_INGRESS
TC_H_MIN_INGRESS = 0xFFF2
TC_H_MIN_EGRESS = 0xFFF3
TC_H_MAJ_MASK = 0xFFFF0000
TC_H_MIN_MASK = 0x0000FFFF


def major(h: int) -> int:
    return (h & TC_H_MAJ_MASK) >> 16


def minor(h: int) -> int:
    return h & TC_H_MIN_MASK


def make_handle(maj: int, min_: int = 0) -> int:
    """TC_H_MAKE(maj << 16, min)."""
    if not (0 <= maj <= 0xFFFF and 0 <= min_ <= 0xFFFF):
        raise ValueError(f"handle {maj:x}:{min_:x} out of range")
    return (maj << 16) | min_


def handle_str(h: int) -> str:
    """A class id or parent as tc prints it (print_tc_classid)."""
    if h == TC_H_ROOT:
        return "root"
    if h == TC_H_UNSPEC:
        return "none"
    if major(h) == 0:
        return f":{minor(h):x}"
    if minor(h) == 0:
        return f"{major(h):x}:"
    return f"{major(h):x}:{minor(h):x}"


def qdisc_handle_str(h: int) -> str:
    """A qdisc handle as tc prints it: the major only (``1:``, ``0:``, ``ffff:``)."""
    return f"{major(h):x}:"


def parent_str(p: int, *, names: bool = False) -> str:
    """A parent as tc prints it (``root``, ``ffff:fff1``, ``1:10``).  With
    ``names=True`` the special parents get their names (``ingress``,
    ``egress`` for clsact's filter hooks)."""
    if names:
        if p == TC_H_INGRESS:
            return "ingress"
        if p == make_handle(0xFFFF, TC_H_MIN_INGRESS):
            return "ingress"
        if p == make_handle(0xFFFF, TC_H_MIN_EGRESS):
            return "egress"
    return handle_str(p)


def _hex16(text, what):
    try:
        v = int(text, 16) if text else 0
    except ValueError:
        raise ValueError(f"bad {what} in handle: {text!r}") from None
    if not 0 <= v <= 0xFFFF:
        raise ValueError(f"{what} {text!r} does not fit in 16 bits")
    return v


def parse_handle(text, *, filter: bool = False) -> int:
    """tc's handle notation (``1:``, ``1:10``, ``:10``, ``ffff:``, ``root``,
    ``ingress``, ``clsact``, ``none``) or an int -> the 32-bit value.  A bare
    hex number (no colon) is the raw 32-bit value, as tc's get_tc_classid
    reads it.

    With ``filter=True``, ``ingress``/``egress`` are clsact's filter hooks
    (ffff:fff2 / ffff:fff3), as in ``tc filter add dev X ingress``."""
    if isinstance(text, int):
        if not 0 <= text <= 0xFFFFFFFF:
            raise ValueError(f"handle {text} out of range")
        return text
    s = text.strip().lower()
    if s == "root":
        return TC_H_ROOT
    if s == "none":
        return TC_H_UNSPEC
    if s in ("ingress", "clsact"):
        return make_handle(0xFFFF, TC_H_MIN_INGRESS) if filter and s == "ingress" else TC_H_INGRESS
    if s == "egress":
        if not filter:
            raise ValueError("'egress' names a filter hook of clsact (use filter=True)")
        return make_handle(0xFFFF, TC_H_MIN_EGRESS)
    if ":" not in s:
        try:
            v = int(s, 16)
        except ValueError:
            raise ValueError(f"bad handle {text!r}") from None
        if not 0 <= v <= 0xFFFFFFFF:
            raise ValueError(f"handle {text!r} out of range")
        return v
    maj, _, min_ = s.partition(":")
    if ":" in min_:
        raise ValueError(f"bad handle {text!r} (u32 handles like 800::800 are not classids)")
    return make_handle(_hex16(maj, "major"), _hex16(min_, "minor"))


def parse_parent(text, *, filter: bool = False) -> int:
    """Same as ``parse_handle``; reads better at call sites."""
    return parse_handle(text, filter=filter)


# -- filter tcm_info: priority (preference) and protocol --------------------------

@functools.lru_cache(maxsize=None)
def eth_protocols() -> dict:
    """tc's protocol names (iproute2 ll_proto, read case-insensitively):
    {lower-case name: ethertype}, from specs/packet.py's ``ethertypes``."""
    from .consts import ethertypes
    return {k.lower(): v for k, v in ethertypes().items()}


@functools.lru_cache(maxsize=None)
def _eth_p_names() -> dict:
    from .consts import ethertypes
    return {v: k for k, v in ethertypes().items()}


def filter_info(prio: int, protocol) -> int:
    """tcm_info of a filter: TC_H_MAKE(prio << 16, htons(protocol)).
    ``protocol`` is an ethertype number or a name tc knows (``ip``, ``all`` ...)."""
    if isinstance(protocol, str):
        try:
            protocol = eth_protocols()[protocol.lower()]
        except KeyError:
            protocol = int(protocol, 0)
    return make_handle(prio, socket.htons(protocol))


def split_info(info: int) -> tuple[int, int | str]:
    """(prio, protocol) from a filter's tcm_info; the protocol by tc's name
    when it has one (``ip``, ``all``), else the ethertype number."""
    proto = socket.ntohs(minor(info))
    return major(info), _eth_p_names().get(proto, proto)


# -- control verdicts ---------------------------------------------------------------

TC_ACT = {"unspec": -1, "ok": 0, "reclassify": 1, "shot": 2, "pipe": 3, "stolen": 4,
          "queued": 5, "repeat": 6, "redirect": 7, "trap": 8}
TC_ACT_EXT_SHIFT = 28
TC_ACT_EXT_VAL_MASK = (1 << TC_ACT_EXT_SHIFT) - 1
TC_ACT_JUMP = 1 << TC_ACT_EXT_SHIFT
TC_ACT_GOTO_CHAIN = 2 << TC_ACT_EXT_SHIFT

# tc's names (action_n2a); queued/repeat/redirect have none and show as numbers
_SHOW = {-1: "continue", 0: "pass", 1: "reclassify", 2: "drop", 3: "pipe", 4: "stolen",
         8: "trap"}
# what tc accepts (action_a2n), plus the UAPI names
_PARSE = {"continue": -1, "drop": 2, "shot": 2, "pass": 0, "ok": 0, "reclassify": 1,
          "pipe": 3, "stolen": 4, "trap": 8, "unspec": -1, "queued": 5, "repeat": 6,
          "redirect": 7}


def _signed32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def verdict_name(v: int) -> str:
    """A control verdict as tc shows it: pass, drop, pipe, stolen, continue,
    reclassify, trap, ``goto chain N``, ``jump N``; others as their number."""
    v = _signed32(v)
    if v >= 0:
        op = v & ~TC_ACT_EXT_VAL_MASK
        if op == TC_ACT_GOTO_CHAIN:
            return f"goto chain {v & TC_ACT_EXT_VAL_MASK}"
        if op == TC_ACT_JUMP:
            return f"jump {v & TC_ACT_EXT_VAL_MASK}"
    return _SHOW.get(v, str(v))


def parse_verdict(text) -> int:
    """tc's verdict words (``drop``, ``pass``, ``pipe``, ``goto chain 3``,
    ``jump 2``, a number) -> the value the kernel takes."""
    if isinstance(text, int):
        return text
    words = text.strip().lower().split()
    if not words:
        raise ValueError("empty verdict")
    w = words[0]
    if w == "goto":
        if len(words) != 3 or words[1] != "chain":
            raise ValueError(f"bad verdict {text!r}: expected 'goto chain N'")
        return TC_ACT_GOTO_CHAIN | _ext_value(words[2], text)
    if w == "jump":
        if len(words) != 2:
            raise ValueError(f"bad verdict {text!r}: expected 'jump N'")
        return TC_ACT_JUMP | _ext_value(words[1], text)
    if len(words) == 1:
        if w in _PARSE:
            return _PARSE[w]
        try:
            return int(w, 0)
        except ValueError:
            pass
    raise ValueError(f"bad verdict {text!r}")


def _ext_value(word, text):
    try:
        n = int(word, 10)
    except ValueError:
        raise ValueError(f"bad verdict {text!r}: {word!r} is not a number") from None
    if not 0 <= n <= TC_ACT_EXT_VAL_MASK:
        raise ValueError(f"bad verdict {text!r}: {n} out of range")
    return n
