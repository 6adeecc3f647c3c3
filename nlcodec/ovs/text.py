"""What the OVS formatter and parser share: the ``ports`` map of the call in
progress, the wire-order walk of a decoded attribute dict, and the small
notations of lib/odp-util.c (``%#x``, ds_put_hex(), format_flags(), C's
``%i``, the ``a=1,b(…)`` splitting)."""

from __future__ import annotations

import contextvars

from ..memo import Memo
from ..values import ip_bytes, ip_text, mac_text, parse_bytes
from .cookie import format_flags  # noqa: F401  (re-exported: format_flags())

# the ``ports`` map of the call in progress: ({number: name}, {name: number})
_PORTS = contextvars.ContextVar("ovs_ports", default=({}, {}))


def with_ports(ports, fn, *args, **kw):
    """Run ``fn`` with ``ports`` ({name: number}, as ovs-dpctl shows names)."""
    by_name = {str(k): int(v) for k, v in dict(ports or {}).items()}
    token = _PORTS.set(({v: k for k, v in by_name.items()}, by_name))
    try:
        return fn(*args, **kw)
    finally:
        _PORTS.reset(token)


def port_text(n: int) -> str:
    """odp_portno_name_format(): the port's name when the map has it, else its number."""
    return _PORTS.get()[0].get(n, "%d" % n)


def port_names() -> dict:
    return _PORTS.get()[1]


def port_num(text: str) -> int:
    """A port given by number or by a name of the ``ports`` map."""
    t = text.strip()
    by_name = _PORTS.get()[1]
    if t in by_name:
        return by_name[t]
    try:
        return c_int(t)
    except ValueError:
        raise ValueError(f"unknown port {t!r} (give its number, or a ports= map "
                         "of names to numbers)") from None


# -- decoded values -----------------------------------------------------------------


def items(d) -> list:
    """(name, value) of a decoded attribute dict in wire order, one per
    occurrence (``_order`` and ``_repeated`` of the codec's dicts), leaving
    out the codec's notes (``_flags``, ``_raw``...)."""
    if not isinstance(d, dict):
        return []
    order = d.get("_order")
    repeated = set(d.get("_repeated") or ())
    if not order:
        out = []
        for k, v in d.items():
            if k.startswith("_"):
                continue
            if k in repeated and isinstance(v, list):
                out.extend((k, x) for x in v)
            else:
                out.append((k, v))
        return out
    out, seen = [], {}
    for k in order:
        v = d[k]
        if k in repeated and isinstance(v, list):
            i = seen.get(k, 0)
            seen[k] = i + 1
            v = v[i]
        out.append((k, v))
    return out


def first(d, name):
    """The first occurrence of attribute ``name`` in a decoded dict (None if absent)."""
    if not isinstance(d, dict) or name not in d:
        return None
    v = d[name]
    if name in (d.get("_repeated") or ()) and isinstance(v, list):
        return v[0]
    return v


def raw(v) -> bytes:
    """The bytes of a decoded binary value (hex text or an address)."""
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v)
    if type(v) is str:          # the same addresses and masks come again and again
        return _raw_memo.keep(v, _raw, v)
    return _raw(v)


_raw_memo = Memo()          # raw() of a text: the bytes it reads as


def _raw(v) -> bytes:
    if ":" not in v:
        return parse_bytes(v, "ip" if "." in v else None)
    groups = v.split(":")
    if len(groups) == 6 and all(len(g) == 2 for g in groups):    # an Ethernet address
        return parse_bytes(v, "mac")
    try:                    # an IPv6 address, written by ip_text (no "::" for one zero group)
        return parse_bytes(v, "ipv6")
    except ValueError:      # colon-separated hex of another length
        return parse_bytes(v, "mac")


def is_ones(v, size: int = 0) -> bool:
    """Is a decoded mask member all ones (an int of ``size`` bytes, or an address/hex)?"""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v == (1 << (8 * size)) - 1
    b = raw(v)
    return b == b"\xff" * len(b)


def is_zero(v) -> bool:
    if isinstance(v, (bool, int)):
        return not v
    if isinstance(v, dict):
        return all(is_zero(x) for k, x in v.items() if not k.startswith("_"))
    if isinstance(v, list):
        return all(is_zero(x) for x in v)
    return not any(raw(v))


def zero_like(v):
    """generate_all_wildcard_mask() for a decoded value: every member zero,
    a nested set's attributes kept (flags present, as OVS puts them)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return 0
    if isinstance(v, dict):
        return {k: (x if k.startswith("_") else zero_like(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [zero_like(x) for x in v]
    if isinstance(v, str):
        try:
            return ip_text(bytes(len(ip_bytes(v))))
        except ValueError:
            pass
        if len(v) == 17 and v.count(":") == 5:
            return mac_text(bytes(6))
        return "00" * len(raw(v))
    return v


# -- notations ---------------------------------------------------------------------


def hx(v: int) -> str:
    """C's ``%#x``: 0 prints as 0."""
    return hex(v) if v else "0"


def hexdump(b: bytes) -> str:
    """ds_put_hex(): 0x and no leading zero bytes; 0 when all zero."""
    s = bytes(b).lstrip(b"\0")
    if not s:
        return "0"
    return "0x%x" % s[0] + s[1:].hex()


def generic(b: bytes) -> str:
    """format_generic_odp_key(): the bytes, space separated."""
    return " ".join("%02x" % x for x in b)


def flags_masked(value: int, mask: int, names: dict, max_mask: int) -> str:
    """format_flags_masked(): ``+a-b`` for the bits of the mask."""
    if mask == max_mask:
        return format_flags(value, names, "|")
    if not mask:
        return "0/0"
    out = []
    while mask:
        bit = mask & -mask
        out.append(("+" if value & bit else "-") + names.get(bit, "[Unknown]"))
        mask &= ~bit
    return "".join(out)


# -- reading text --------------------------------------------------------------------


class ParseError(ValueError):
    """A ValueError that already names the token it could not read."""


def why(e) -> str:
    if isinstance(e, KeyError):
        return f"{e.args[0]!r} is missing or unknown"
    if isinstance(e, StopIteration):
        return "a part is missing"
    return str(e)


def split(text: str, sep: str = ",") -> list:
    """Split at top-level separators (not inside (), {} or [])."""
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ')' in {text!r}")
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if depth:
        raise ValueError(f"unbalanced '(' in {text!r}")
    if cur or out:
        out.append(cur)
    return [x.strip() for x in out]


def call(item: str):
    """``name(body)`` -> (name, body); ``name`` -> (name, None)."""
    i = item.find("(")
    if i < 0:
        return item, None
    if not item.endswith(")"):
        raise ValueError(f"cannot read {item!r}")
    return item[:i], item[i + 1:-1]


def c_int(text: str) -> int:
    """C's %i: 0x.. hex, 0.. octal, else decimal."""
    t = text.strip()
    neg = t.startswith("-")
    if neg:
        t = t[1:]
    if t.lower().startswith("0x"):
        v = int(t, 16)
    elif len(t) > 1 and t.startswith("0"):
        v = int(t, 8)
    else:
        v = int(t)
    return -v if neg else v


def value_mask(text: str, full, conv=c_int):
    """``value[/mask]`` with the mask defaulting to ``full``."""
    if "/" in text:
        v, m = text.split("/", 1)
        return conv(v), conv(m)
    return conv(text), full


def fields(body) -> dict:
    """``a=1,b=2/3,c(…)`` -> {name: text}; bare words map to None."""
    d = {}
    for part in split(body) if body else []:
        if "=" in part and (part.find("(") < 0 or part.find("=") < part.find("(")):
            k, v = part.split("=", 1)
            d[k] = v
        else:
            d[part] = None
    return d


def flags_parse(body: str, names: dict):
    """``a|b`` (exact) or ``+a-b`` (masked) or a number -> (value, mask or None);
    ``names``: {bit: name}."""
    rev = {n: b for b, n in names.items()}
    body = body.strip()
    if body and body[0] in "+-":
        v = m = 0
        i = 0
        while i < len(body):
            sign = body[i]
            j = i + 1
            while j < len(body) and body[j] not in "+-":
                j += 1
            word = body[i + 1:j]
            if word not in rev:
                raise ValueError(f"unknown flag {word!r} in {body!r} "
                                 f"(known: {', '.join(sorted(rev))})")
            bit = rev[word]
            m |= bit
            if sign == "+":
                v |= bit
            i = j
        return v, m
    if body in ("", "0"):
        return 0, None
    v = 0
    for w in body.split("|"):
        if w in rev:
            v |= rev[w]
            continue
        try:
            v |= c_int(w)
        except ValueError:
            raise ValueError(f"unknown flag {w!r} in {body!r} "
                             f"(known: {', '.join(sorted(rev))})") from None
    return v, None


def int_size(setname: str, name: str) -> int:
    """The bytes of an int attribute of ``setname`` (from the compiled spec)."""
    from . import spec
    return spec.cattr(setname, name).size


def field_size(layout, name: str) -> int:
    return layout.field(name).size
