"""A whole flow from ovs-dpctl's text: a ``dump-flows`` line, ``KEY
actions:ACTIONS`` (``ovs-dpctl add-flow``'s arguments) or the ``put[create]
ufid:UUID KEY, actions:...`` log form, as OVS_FLOW_ATTR_* values the codec
encodes."""

from __future__ import annotations

import re
import time

from . import spec
from .parse_actions import actions_parse
from .parse_key import keys_parse
from .text import with_ports


def _canonical(setname, d):
    """The dict as the codec decodes its own encoding (its notes, its forms)."""
    return spec.decode(setname, spec.encode(setname, d))


def ufid_parse(text: str) -> str:
    """uuid_from_string(): a UFID's text -> its struct uuid bytes (four host-order words), hex."""
    w = text.replace("-", "")
    if len(w) != 32:
        raise ValueError(f"ufid:{text}: a UFID has 32 hex digits")
    try:
        parts = [int(w[i:i + 8], 16) for i in range(0, 32, 8)]
    except ValueError:
        raise ValueError(f"ufid:{text}: not hex") from None
    return spec.layout("ovs_uuid").encode({"parts": parts}).hex()


def parse_flow(text: str, *, ports=None, now_ms: float | None = None) -> dict:
    """An ``ovs-dpctl dump-flows`` line (or ``KEY actions:ACTIONS``, or the
    ``put[create] ufid:UUID KEY, actions:...`` log form) -> OVS_FLOW_ATTR_*
    values ready for ``nlcodec.encode("ovs_flow", "new", ...)``: ``key``,
    ``mask`` and ``actions`` as attribute dicts (``_order`` keeps the order of
    repeated actions); ``ufid``, ``stats``, ``tcp_flags`` and ``used`` when the
    line has them.

    ``ports`` ({name: number}) reads ports given by name (``in_port(eth0)``,
    ``actions:eth1``); ``used:0.560s`` becomes ``used`` = ``now_ms`` - 560
    (``now_ms``: the monotonic clock in ms, default now), so that
    ``format_flow(parse_flow(s, now_ms=t), now_ms=t) == s``.  Text that
    cannot be read raises ValueError naming the token."""
    if ports is not None:
        return with_ports(ports, parse_flow, text, now_ms=now_ms)
    m_ = spec.module()
    s = text.strip()
    out = {}
    m = re.match(r"(?:\S+\s+)?ufid:([0-9a-fA-F-]+)(?:,\s*|\s+|$)", s)
    if m:
        out["ufid"] = bytes.fromhex(ufid_parse(m.group(1)))
        s = s[m.end():].strip()
    head, sep, acts = s.rpartition("actions:")
    if not sep:
        raise ValueError("no 'actions:' in the flow text")
    from .text import split
    keys, stats = [], {}
    for p in split(head.strip().rstrip(",")):
        if p.startswith(("packets:", "bytes:", "used:", "flags:", "dp:", "offloaded:")):
            k, _, v = p.partition(":")
            stats[k] = v.strip()
        elif p:
            keys.append(p)
    key, mask = keys_parse(",".join(keys))
    out["key"] = _canonical("key_attrs", key)
    out["mask"] = _canonical("key_attrs", mask)
    out["actions"] = _canonical("action_attrs", actions_parse(acts))
    try:
        n_packets, n_bytes = int(stats.get("packets", 0)), int(stats.get("bytes", 0))
    except ValueError:
        raise ValueError(f"packets:{stats.get('packets')}, bytes:{stats.get('bytes')}: "
                         "not numbers") from None
    if n_packets or n_bytes:
        out["stats"] = {"n_packets": n_packets, "n_bytes": n_bytes}
    used = stats.get("used", "never")
    if used != "never":
        if not re.fullmatch(r"\d+(\.\d+)?s", used):
            raise ValueError(f"used:{used}: expected never or seconds such as 0.560s")
        if now_ms is None:
            now_ms = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0
        out["used"] = max(1, round(now_ms - float(used[:-1]) * 1000.0))
    if stats.get("flags") and stats["flags"] != "none":
        chars = dict(m_.TCP_FLAG_CHARS)
        flags, rest = 0, stats["flags"]
        while rest:
            ch = next((c for c in chars if rest.startswith(c)), None)
            if ch is None:
                raise ValueError(f"flags:{stats['flags']}: unknown {rest!r}")
            flags |= chars[ch]
            rest = rest[len(ch):]
        out["tcp_flags"] = flags
    return out
