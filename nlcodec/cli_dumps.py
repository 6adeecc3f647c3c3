"""``nlcodec decode`` of a hex dump or raw bytes (not a capture): what the
bytes are comes from ``--as`` (nlcodec/dumps.py), the notes about what was
left over go to stderr."""

from __future__ import annotations

import sys

from . import dumps
from .errors import DecodeError


class EmptyInput(Exception):
    pass


def is_binary(data: bytes, kind: str | None, attrs: str | None) -> bool:
    """Raw bytes or a text dump?  Valid netlink framing wins over "looks like
    text": a message whose length byte happens to be a newline is still binary."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    if kind == "packet":
        return False
    if attrs is not None or (kind not in (None, "nlmsg")):
        ends = dumps._attr_boundaries(data)
        return bool(ends) and _only_zero_after(data, ends[-1])
    ends = dumps.message_ends(data)[0]
    return bool(ends) and _only_zero_after(data, ends[-1])


def _only_zero_after(data, off):
    return not any(data[off:])


def to_bytes(args, data: bytes, kind):
    """(bytes, source format) of the input."""
    if not data.strip():
        raise ValueError("the input is empty: nothing to decode (expected a hex dump, raw "
                         "netlink bytes or a capture)")
    if args.raw or (not args.hex and is_binary(data, kind, args.attrs)):
        return data, "raw"
    from .hexdump import detect, parse_hex
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DecodeError("--hex: the input is not text", path="input", offset=0) from None
    fmt = detect(text)
    raw = parse_hex(text, fmt)
    if not raw:
        raise DecodeError(f"the {fmt} hex dump holds no bytes", path="input", offset=0)
    return raw, fmt


def run(args, data: bytes, families) -> int:
    kind = getattr(args, "as_", None)
    raw, fmt = to_bytes(args, data, kind)
    protocol = args.protocol
    if fmt != "raw" and len(raw) >= 16 and raw[2:4] == b"\x03\x38" and kind in (None, "nlmsg") \
            and not args.attrs:
        # an nlmon cooked header (ARPHRD_NETLINK, big-endian) then the message
        protocol = int.from_bytes(raw[14:16], "big")
        raw = raw[16:]
    release = getattr(args, "kernel_release", None)
    kernel = release if release else (True if args.kernel else None)
    d = dumps.decode_dump(raw, kind, protocol=protocol, family=args.family, attrs=args.attrs,
                          kernel=kernel, families=families or None)
    _print(args, d)
    for n in d.notes:
        print(f"nlcodec decode: note: {n}", file=sys.stderr)
    return 0


def _print(args, d):
    from .show import format_attrs, format_message, to_json
    if d.kind == "packet":
        import json

        from .packet import format_summary
        print(json.dumps(d.value) if args.json else format_summary(d.value))
        return
    if d.attrset is not None:
        import nlcodec
        from .ovs.show import text as ovs_text
        from .registry import compiled
        fam = nlcodec.family(d.family)
        cs = compiled(fam).set(d.attrset + ("_kernel" if d.kernel and fam.attrsets.get(
            d.attrset + "_kernel") is not None else ""))
        ovs = ovs_text(cs, d.value)         # an OVS key or action stream: ovs-dpctl's text
        if args.json:
            import json
            print(json.dumps({**d.value, "_ovs_text": ovs} if ovs else d.value))
            return
        title = f"{d.family}.{d.attrset}" + (f" ({d.form})" if d.form else "")
        lines = [title] + format_attrs(d.value, cs, fam)
        if d.kind == "ovs-actions":
            lines.append("ovs-dpctl: actions:" + _dpctl_actions(d))
        elif ovs:
            lines.append("ovs-dpctl: " + ovs)
        print("\n".join(lines))
        return
    for m in d.value:
        if args.json:
            print(to_json(m))
        else:
            print(format_message(m))
            print()
    if d.header_only is not None:
        h = d.header_only
        if args.json:
            import json
            print(json.dumps({"nlmsghdr": h}))
        else:
            name = h["type_name"] or "?"
            print(f"nlmsghdr len={h['len']} type={name} ({h['type']}) "
                  f"flags={h['flags_text']} ({h['flags']:#x}) seq={h['seq']} pid={h['pid']}")


def _dpctl_actions(d):
    try:
        from .ovs import format_actions
        return format_actions(d.data, kernel=d.kernel)
    except Exception as e:                  # noqa: BLE001 - the tree above is the answer
        return f" (cannot format: {e})"
