"""``nlcodec psample``: one sample per line (or JSON object), with a summary
of the sampled frame (nlcodec/packet.py)."""

from __future__ import annotations

from .packet import describe, dissect


def frame_bytes(v) -> bytes:
    """A binary attribute's value as bytes (decoded values are hex text)."""
    if v is None:
        return b""
    return bytes.fromhex(v) if isinstance(v, str) else bytes(v)


def sample_json(ev) -> dict:
    """The JSON form: the sample's metadata, its bytes (hex) and its layers."""
    data = ev.get("data")
    frame = frame_bytes(data)
    d = {"group": ev.get("sample_group"), "iif": ev.get("iifindex"),
         "rate": ev.get("sample_rate"), "seq": ev.get("group_seq"),
         "origsize": ev.get("origsize"), "data": frame.hex() if data is not None else None}
    if data is not None:
        d["packet"] = dissect(frame)
        d["summary"] = describe(frame)
    return d


def sample_text(ev) -> str:
    """Two lines: the sample's metadata, then the frame's summary."""
    frame = frame_bytes(ev.get("data"))
    head = (f"group {ev.get('sample_group')} seq {ev.get('group_seq')} "
            f"rate {ev.get('sample_rate')} iif {ev.get('iifindex')}")
    if ev.get("oifindex") is not None:
        head += f" oif {ev.get('oifindex')}"
    size = ev.get("origsize")
    head += f" size {size}" + (f" (sampled {len(frame)})" if size is not None and
                                size != len(frame) else "")
    if ev.get("data") is None:
        return head
    return head + "\n  " + describe(frame)
