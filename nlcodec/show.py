"""Human-readable and JSON views of decoded messages (the CLI's output).

The tree view walks a decoded message beside its spec: attribute names,
values in their natural form, enum and flag values named (``7 (up,broadcast)``),
flag-like numbers in hex as the kernel's tools show them.  ``to_json`` gives
one JSON object per message for scripts.
"""

from __future__ import annotations

from .memo import Memo, plain_key

from .tables import K_BINARY, K_INDEXED, K_INT, K_NEST, K_STRUCT, K_SUBMSG, K_TYPEVALUE

_NLM_FLAGS = [(0x1, "request"), (0x2, "multi"), (0x4, "ack"), (0x8, "echo"),
              (0x10, "dump_intr"), (0x20, "dump_filtered")]
_GET_FLAGS = [(0x100, "root"), (0x200, "match"), (0x400, "atomic")]
_NEW_FLAGS = [(0x100, "replace"), (0x200, "excl"), (0x400, "create"), (0x800, "append")]


def _json_dumps(v, **kw):
    import json                 # on first use: a decode shown as text seldom needs it
    return json.dumps(v, **kw)


def nlmsg_flags_text(flags: int, type_name: str = "") -> str:
    table = _NLM_FLAGS + (_GET_FLAGS if type_name.startswith("get") else
                          _NEW_FLAGS if type_name.startswith("new") else [])
    names = [n for bit, n in table if flags & bit]
    rest = flags & ~sum(bit for bit, _ in table)
    if rest:
        names.append(hex(rest))
    return ",".join(names) or "0"


def to_json(m, raw: bytes | None = None) -> str:
    """One JSON object for a message (the text json.dumps gives).  ``raw``:
    the bytes ``m`` was decoded from, unchanged since (a capture's walk)."""
    # a capture repeats messages (every dump shows the same flows again): the
    # text around seq and pid is kept by the exact value of the rest
    # (_json_memo), or by the bytes it was decoded from (_raw_json_memo); made
    # the plain way below when neither can be used
    seq, pid = m.seq, m.pid
    if type(seq) is int and type(pid) is int and not _ports_named(m):
        if type(raw) is bytes and len(raw) >= 16 and getattr(m, "_pad", 0) is None:
            # what a decode makes of them: the bytes but seq and pid, the
            # family and set they were decoded by, the kernel's forms or not;
            # and what capture adds (direction)
            try:
                key = (m._set, m._cf, m.type, m.family, m.protocol, m._kernel,
                       getattr(m, "direction", None), raw[:8], raw[16:])
            except AttributeError:          # another kind of message
                key = None
            if key is not None:
                t = _raw_json_memo.keep(key, _json_parts, m)
                return f"{t[0]}, \"seq\": {seq!r}, \"pid\": {pid!r}, {t[1]}"
        try:
            pkey = plain_key((m.type, m.family, m.flags, m._header, m.attrs, m._payload,
                              m._pad, m.protocol, getattr(m, "direction", None)))
        except AttributeError:              # another kind of message
            pkey = None
        if pkey is not None:
            t = _json_memo.keep((m._set, pkey), _json_parts, m)
            return f"{t[0]}, \"seq\": {seq!r}, \"pid\": {pid!r}, {t[1]}"
    return _to_json(m)


# to_json's texts: (m._set, the plain_key of every part of the message but seq
# and pid) -> (its JSON up to flags, its JSON from header on, each without the
# brace on the seq side).  A JSON object is "{" + its items joined by ", " +
# "}", so the two parts and seq's and pid's items joined are json.dumps's text
# of the whole (checked by tests/test_ovs_capture.py against the plain path).
_json_memo = Memo()
_raw_json_memo = Memo()


def _json_parts(m):
    d = m.to_dict()
    head = {k: d.pop(k) for k in ("type", "family", "flags")}
    del d["seq"], d["pid"]
    d = _json_tail(m, d)
    global _json_encode
    if _json_encode is None:
        _json_encode = _json_encoder()
    return _json_encode(head)[:-1], _json_encode(d)[1:]


def _ports_named(m):
    """Whether OVS ports are shown by name now (ovs.text.with_ports): the
    ovs-dpctl texts then depend on more than the message."""
    if not (m.family or "").startswith("ovs_"):
        return False
    global _ovs_ports
    if _ovs_ports is None:
        from .ovs.text import _PORTS as _ovs_ports
    return bool(_ovs_ports.get()[0])


_ovs_ports = None


def _to_json(m) -> str:
    d = m.to_dict()
    d = _json_tail(m, d)
    global _json_encode
    if _json_encode is None:
        _json_encode = _json_encoder()
    return _json_encode(d)


def _json_tail(m, d):
    """``d`` (the message's to_dict()) with what to_json adds after it."""
    d["protocol"] = m.protocol
    if (m.family or "").startswith("ovs_"):
        global _ovs_json_fields
        if _ovs_json_fields is None:
            from .ovs.show import json_fields as _ovs_json_fields
        ovs = _ovs_json_fields(m)
        if ovs:
            d["ovs_text"] = ovs         # {attribute: ovs-dpctl text}
    direction = getattr(m, "direction", None)
    if direction:
        d["direction"] = direction
    return d


_json_encode = None
_ovs_json_fields = None         # nlcodec.ovs.show.json_fields, imported on first use

_JSON_PROBE = ({"a": [1, -2, 3.5, True, None, {"\u00e9": "x\"y\n"}], "b": b"\x01\xff", "c": {}},
               '{"a": [1, -2, 3.5, true, null, {"\\u00e9": "x\\"y\\n"}], "b": "01ff", "c": {}}')


def _json_encoder():
    """What json.dumps(d, default=_default) does, without its per-call set-up
    (a JSONEncoder and a C encoder made for every message) nor the json
    package's import (its decoder's regular expressions): the C encoder json
    makes for one call (``_json.make_encoder`` with json.dumps's settings),
    made once (the decoded trees are never circular), checked on a value
    whose json.dumps text is known; JSONEncoder.encode where that differs."""
    try:
        import _json
        one = _json.make_encoder(None, _default, _json.encode_basestring_ascii, None, ": ",
                                 ", ", False, False, True)
        fast = lambda d: "".join(one(d, 0))     # noqa: E731
        if fast(_JSON_PROBE[0]) == _JSON_PROBE[1]:
            return fast
    except Exception:           # another Python's json: its own encoder, unchanged
        pass
    import json
    return json.JSONEncoder(default=_default, check_circular=False).encode


def _default(o):
    if isinstance(o, (bytes, bytearray, memoryview)):
        return bytes(o).hex()
    raise TypeError(f"cannot show {type(o).__name__}")


def _scalar(v) -> str:
    if isinstance(v, str):
        return _json_dumps(v) if (not v or " " in v or '"' in v) else v
    if v is True:
        return "true"
    if v is None:
        return "-"
    return str(v)


def _named(fam, enum_name, v):
    if fam is None or enum_name is None or not isinstance(v, int):
        return None
    e = fam.enum(enum_name)
    if e is None:
        return None
    text = e.describe(v)
    if e.is_flags:
        return f"{v:#x} ({text})"
    return f"{v} ({text})" if text != str(v) else None


def _struct_line(d, layout=None, ctx=None) -> str:
    hints = _member_hints(layout) if layout is not None else {}
    subs = _member_layouts(layout) if layout is not None else {}
    parts = []
    for k, v in d.items():
        text = _hinted(hints.get(k), v, ctx) if k in hints else None
        if text is None and k in subs and isinstance(v, list):
            text = "[" + ", ".join("{" + _struct_line(x, subs[k], ctx) + "}"
                                   if isinstance(x, dict) else _scalar(x) for x in v) + "]"
        elif text is None and k in subs and isinstance(v, dict):
            text = "{" + _struct_line(v, subs[k], ctx) + "}"
        if text is None:
            text = _scalar(v) if not isinstance(v, (dict, list)) else _json_dumps(v)
        parts.append(f"{k}={text}")
    return " ".join(parts)


_HINTS: dict = {}     # id(layout) -> (layout, {member: hint})


def _member_hints(layout):
    """Display hints of a struct layout's members (the ``* "hint"`` of the spec);
    byte members without one are shown as bytes."""
    hit = _HINTS.get(id(layout))
    if hit is None or hit[0] is not layout:
        hints = {}
        for f in layout.fixed_fields:
            if f.kind == "bytes" and f.hint in (None, "hex"):
                hints[f.name] = "bytes"
            elif f.kind == "int" and f.hint in SHOW_HINTS:
                hints[f.name] = f.hint
        hit = _HINTS[id(layout)] = (layout, hints)
    return hit[1]


def _member_layouts(layout):
    """Struct members that are structs or arrays of structs: name -> Layout."""
    from .structs import Layout
    return {f.name: f.sub for f in layout.fields
            if f.kind in ("struct", "array", "vararray", "greedy") and isinstance(f.sub, Layout)}


# display hints the tree view shows as the users' tools do (raw values stay in JSON)
SHOW_HINTS = ("tc_handle", "tc_object_handle", "tc_info", "probability", "be32_hex",
              "ethertype")


def _hinted(hint, v, ctx=None):
    """The text of value ``v`` under display ``hint``, or None for the default."""
    if hint == "bytes" and isinstance(v, str):
        return _bytes_text(v)
    if not isinstance(v, int) or isinstance(v, bool):
        return None
    if hint == "tc_object_handle" and ctx is not None and ("tfilter" in ctx or "chain" in ctx):
        return f"{v:#x}"                  # a filter handle: tc prints it in hex
    if hint in ("tc_handle", "tc_object_handle"):
        from .tc import handle_str
        return handle_str(v)
    if hint == "tc_info":
        if ctx is None or "tfilter" not in ctx and "chain" not in ctx:
            return None         # a qdisc's refcnt, a class's leaf: a plain number
        from .tc import split_info
        prio, proto = split_info(v)
        return f"pref {prio} protocol {proto if isinstance(proto, str) else f'{proto:#06x}'}"
    if hint == "probability":             # a fraction of UINT32_MAX (odp-util.c: "%.1f%%")
        return f"{100.0 * v / 0xFFFFFFFF:.1f}%"
    if hint == "be32_hex":                # a __be32 read in host order: tc prints ntohl()
        return f"{int.from_bytes(v.to_bytes(4, 'little'), 'big'):08x}"
    if hint == "ethertype":
        from .packet import ethertype_name
        name = ethertype_name(v)
        return f"{name} ({v:#06x})" if name else f"{v:#06x}"
    return None


def _bytes_text(h: str) -> str:
    """Hex text of bytes shown as bytes: ``[58 25 93]``."""
    if len(h) % 2 or len(h) > 128:
        return h
    return "[" + " ".join(h[i:i + 2] for i in range(0, len(h), 2)) + "]"


def format_attrs(d, cs, fam, indent="  ") -> list[str]:
    """Lines for an attribute dict decoded with compiled set ``cs``."""
    lines = []
    for key, v in d.items():
        ca = cs.by_name.get(key) if cs is not None else None
        if key in ("_flags", "_repeated", "_raw", "_pad", "_header"):
            continue                    # re-encoding bookkeeping / the nest header (shown)
        if ca is None:
            lines.append(f"{indent}{key}: {_value_line(v)}")
            continue
        sub = None
        if ca.kind in (K_NEST, K_TYPEVALUE) or (ca.kind == K_INDEXED and ca.elem is None):
            sub = ca.set
        elif ca.kind == K_SUBMSG:
            key_v = d.get(ca.selector)
            fmt = ca.formats.get(key_v) if isinstance(key_v, (str, int)) else None
            sub = fmt[1] if fmt and fmt[0] == "nest" else None
        values = v if ca.multi and isinstance(v, list) else [v]
        for item in values:
            lines.extend(_attr_lines(key, item, ca, sub, fam, indent))
            if sub is not None and fam is not None and fam.name.startswith("ovs_"):
                from .ovs.show import lines as ovs_lines     # the ovs-dpctl text too
                lines.extend(ovs_lines(sub, key, item, d, indent))
    return lines


_VERDICTS: dict = {}     # id(layout) -> (layout, names)


def _verdict_members(layout):
    """Members of a struct layout that hold a tc control verdict (hint "verdict")."""
    hit = _VERDICTS.get(id(layout))
    if hit is None or hit[0] is not layout:
        hit = _VERDICTS[id(layout)] = (layout, frozenset(
            f.name for f in layout.fixed_fields if f.hint == "verdict"))
    return hit[1]


def _attr_lines(key, v, ca, sub, fam, indent):
    if ca.hint == "packet" and isinstance(v, (str, bytes, bytearray)):
        return _packet_lines(key, v, indent)
    if ca.kind == K_STRUCT and isinstance(v, dict) and ca.layout is not None:
        verdicts = _verdict_members(ca.layout)
        if verdicts:
            from .tc import verdict_name
            v = {k: verdict_name(x) if k in verdicts and isinstance(x, int) else x
                 for k, x in v.items()}
    if ca.kind == K_INT:
        named = _named(fam, ca.enum, v) or (_hinted(ca.hint, v) if ca.hint in SHOW_HINTS
                                            else None)
        if named is None and "flags" in key and isinstance(v, int):
            named = hex(v)
        return [f"{indent}{key}: {named or _scalar(v)}"]
    if isinstance(v, dict) and sub is not None and ca.kind == K_TYPEVALUE:
        out = [f"{indent}{key}:"]
        for k, x in v.items():
            if isinstance(x, dict) and all(isinstance(y, dict) for y in x.values()) and x:
                out.append(f"{indent}  [{k}]:")
                for k2, y in x.items():
                    out.append(f"{indent}    [{k2}]:")
                    out.extend(format_attrs(y, sub, fam, indent + "      "))
            else:
                out.append(f"{indent}  [{k}]:")
                out.extend(format_attrs(x, sub, fam, indent + "    ") if isinstance(x, dict)
                           else [f"{indent}    {_value_line(x)}"])
        return out
    if ca.kind == K_STRUCT and isinstance(v, dict) and ca.layout is not None:
        return [f"{indent}{key}: {{{_struct_line(v, ca.layout)}}}"]
    if isinstance(v, str) and ca.kind == K_BINARY and ca.hint in (None, "hex"):
        return [f"{indent}{key}: {_bytes_text(v)}"]
    if isinstance(v, dict) and sub is not None:
        out = [f"{indent}{key}:"]
        if "_header" in v:
            out.append(f"{indent}  header: {_struct_line(v['_header'], ca.header)}")
        out.extend(format_attrs(v, sub, fam, indent + "  "))
        return out
    if isinstance(v, (list, dict)) and ca.kind == K_INDEXED:
        items = enumerate(v, 1) if isinstance(v, list) else v.items()
        out = [f"{indent}{key}:"]
        for i, x in items:
            if isinstance(x, dict) and sub is not None:
                out.append(f"{indent}  [{i}]:")
                out.extend(format_attrs(x, sub, fam, indent + "    "))
            else:
                out.append(f"{indent}  [{i}]: {_value_line(x)}")
        return out
    return [f"{indent}{key}: {_value_line(v)}"]


def _packet_lines(key, v, indent):
    """A frame (display hint "packet"): its summary, then its bytes."""
    from .packet import describe
    try:
        raw = bytes.fromhex(v) if isinstance(v, str) else bytes(v)
    except ValueError:
        return [f"{indent}{key}: {_scalar(v)}"]
    return [f"{indent}{key}: {len(raw)} bytes: {describe(raw)}", f"{indent}  {raw.hex()}"]


def _value_line(v) -> str:
    if isinstance(v, dict):
        return "{" + _struct_line(v) + "}"
    if isinstance(v, list):
        if len(v) > 16 and all(isinstance(x, int) for x in v):
            return "[" + ", ".join(map(str, v[:16])) + f", ... ({len(v)} values)]"
        return "[" + ", ".join(_value_line(x) for x in v) + "]"
    return _scalar(v)


def format_message(m) -> str:
    """A tree of one message: a title line, the header, then the attributes."""
    fam = m._cf.spec if getattr(m, "_cf", None) is not None else None
    where = f"{m.family}/{m.type}" if m.family != m.protocol else f"{m.protocol}/{m.type}"
    direction = getattr(m, "direction", None)
    title = (f"{where} len={m.length} seq={m.seq} pid={m.pid} "
             f"flags={nlmsg_flags_text(m.flags, str(m.type))}")
    if direction:
        title += f" [{direction}]"
    lines = [title]
    if m.header:
        lines.append("  header: " + _header_line(m.header, fam, _header_layout(m), str(m.type)))
    lines.extend(format_attrs(m.attrs, m._set, fam))
    if m.payload:
        lines.append(f"  payload: {m.payload}")
    return "\n".join(lines)


def _header_layout(m):
    cf, cm = getattr(m, "_cf", None), getattr(m, "_cmd", None)
    if cm is not None and getattr(cm, "header", None) is not None:
        return cm.header
    return getattr(cf, "header", None) if cf is not None else None


def _header_line(h, fam, layout=None, ctx=None):
    hints = _member_hints(layout) if layout is not None else {}
    parts = []
    for k, v in h.items():
        text = _hinted(hints.get(k), v, ctx) if k in hints else None
        if text is not None:
            parts.append(f"{k}={text}")
        elif isinstance(v, dict):
            parts.append(f"{k}={{{_struct_line(v)}}}")
        elif "flags" in k and isinstance(v, int):
            parts.append(f"{k}={v:#x}")
        else:
            parts.append(f"{k}={_scalar(v)}")
    return " ".join(parts)
