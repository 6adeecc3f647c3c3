"""Named values, both directions: what decode shows as a name, encode takes.

An integer attribute or struct member can carry names from its spec:

- an ``Enum`` (``Attr(enum=...)``, or ``* "enum:NAME"`` on a struct member):
  ``"main"``, ``"MAIN"``, ``"RT_TABLE_MAIN"`` (the full UAPI name) or a number;
- a ``Flags`` enum: a list of names (``["up", "lower_up"]``), or one text with
  ``|`` or ``,`` between them (``"up|running"``), or a number;
- display hint ``verdict``: tc's control verdicts (``pipe``, ``drop``,
  ``stolen``, ``goto chain 5``, ``jump 2``; UAPI ``TC_ACT_STOLEN``),
  ``nlcodec.tc.parse_verdict``;
- display hint ``handle``: tc handles (``1:10``, ``ffff:``, ``ffff:fff1``,
  ``root``, ``ingress``, ``clsact``, ``none``), ``nlcodec.tc.parse_handle``.

Names are matched without regard to case.  ``Names.show`` gives the named form
(``Message.to_dict(names=True)``): enum values by name, flags as a list of
names (bits without a name as ``"0x..."``), verdicts and handles as tc writes
them; every such form encodes back to the same number.
"""

from __future__ import annotations

from .errors import EncodeError
from .values import fit  # noqa: F401  (re-exported)


def _number(s: str):
    try:
        return int(s, 0)
    except ValueError:
        return None


def _choices(names, limit=12) -> str:
    names = list(names)
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


class Names:
    """Text <-> integer for one kind of value."""

    kind = ""

    def parse(self, v, path=""):
        """An integer as it is, text by ``parse_text``; else EncodeError."""
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        if isinstance(v, str):
            n = self.parse_text(v, path)
            if n is not None:
                return n
        self._fail(v, path)

    def parse_text(self, s: str, path: str):
        """The integer text ``s`` names, or None (then ``parse`` fails)."""
        return None

    def show(self, v):
        return v

    def choices(self) -> list[str]:
        return []

    def _fail(self, v, path):
        ch = self.choices()
        want = f"an integer or one of {_choices(ch)}" if ch else "an integer"
        raise EncodeError(f"{path}: expected {want}, got {v!r}")


class EnumNames(Names):
    kind = "enum"

    def __init__(self, enum):
        self.enum = enum
        self._by = {}
        for name, val in enum.values.items():
            self._by[name.lower()] = val
        self._prefix = enum.prefix.lower()

    def choices(self):
        return list(self.enum.values)

    def lookup(self, s: str):
        k = s.strip().lower()
        v = self._by.get(k)
        if v is None and self._prefix and k.startswith(self._prefix):
            v = self._by.get(k[len(self._prefix):])
        if v is None:
            v = _number(k)
        return v

    def parse(self, v, path=""):
        return int(v) if isinstance(v, bool) else super().parse(v, path)

    def parse_text(self, s, path):
        return self.lookup(s)

    def show(self, v):
        if isinstance(v, int) and not isinstance(v, bool):
            name = self.enum.names.get(v)
            if name is not None:
                return name
        return v


class FlagNames(EnumNames):
    kind = "flags"

    def parse(self, v, path=""):
        if isinstance(v, (list, tuple, set, frozenset)):
            return self._parts(list(v), path)
        return super().parse(v, path)

    def parse_text(self, s, path):
        s = s.strip()
        return self._parts(s.replace(",", "|").split("|"), path) if s else 0

    def _parts(self, parts, path):
        out = 0
        for p in parts:
            if isinstance(p, int) and not isinstance(p, bool):
                out |= p
                continue
            n = self.lookup(p) if isinstance(p, str) and p.strip() else None
            if n is None:
                self._fail(p, path)
            out |= n
        return out

    def show(self, v):
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            return v
        out, rest = [], v
        for name, bit in self.enum.values.items():
            if bit and v & bit == bit and rest & bit:
                out.append(name)
                rest &= ~bit
        if rest:
            out.append(hex(rest))
        return out


class VerdictNames(Names):
    """tc control verdicts (linux/pkt_cls.h TC_ACT_*), as tc reads and writes them."""

    kind = "verdict"

    def __init__(self, enum=None):
        self.enum = enum

    def choices(self):
        return ["pass", "drop", "pipe", "stolen", "continue", "reclassify", "trap",
                "goto chain N", "jump N", "ok", "shot", "unspec", "queued", "repeat", "redirect"]

    def parse_text(self, s, path):
        from .tc import parse_verdict
        s = s.strip().lower()
        if s.startswith("tc_act_"):
            s = s[7:].replace("_", " ")
            s = {"goto chain": "goto chain 0"}.get(s, s)
        try:
            return parse_verdict(s)
        except ValueError:
            return None

    def show(self, v):
        from .tc import verdict_name
        if not isinstance(v, int) or isinstance(v, bool):
            return v
        text = verdict_name(v)
        return v if text.lstrip("-").isdigit() else text


class HandleNames(Names):
    """tc handles and parents (major:minor in hex, root, ingress, clsact, none)."""

    kind = "handle"

    def choices(self):
        return ["MAJ:MIN (hex)", "root", "ingress", "clsact", "none"]

    def parse_text(self, s, path):
        from .tc import parse_handle
        try:
            return parse_handle(s)
        except ValueError as e:
            raise EncodeError(f"{path}: {e} (a handle is MAJ:MIN in hex, or root, "
                              f"ingress, clsact, none)") from None

    def show(self, v):
        from .tc import handle_str
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v <= 0xFFFFFFFF:
            return v
        return handle_str(v)


class InfoNames(Names):
    """A filter's tcm_info as the tree view shows it: ``pref 10 protocol ip``."""

    kind = "tc_info"

    def choices(self):
        return ["pref N protocol P"]

    def parse_text(self, s, path):
        from .tc import filter_info
        w = s.strip().lower().split()
        if len(w) == 4 and w[0] in ("pref", "prio", "priority") and w[2] == "protocol":
            try:
                return filter_info(int(w[1], 0), w[3])
            except ValueError:
                pass
        return None


class ProbabilityNames(Names):
    """A fraction of UINT32_MAX as the tree view shows it (``10.0%``, OVS's
    "%.1f%%"); read as lib/odp-util.c parse_odp_action() reads ``sample=``:
    floor(UINT32_MAX * (percentage / 100.0) + .5).  The text has one decimal,
    so the number it gives may differ from the one shown by a few units;
    ``show`` keeps the number (the named form stays exact)."""

    kind = "probability"

    def choices(self):
        return ["a percentage such as 10.0%"]

    def parse_text(self, s, path):
        import math
        s = s.strip()
        if not s.endswith("%"):
            return None
        try:
            pct = float(s[:-1])
        except ValueError:
            return None
        if 0.0 <= pct <= 100.0:
            return min(math.floor(0xFFFFFFFF * (pct / 100.0) + .5), 0xFFFFFFFF)
        return None


class Be32HexNames(Names):
    """A __be32 kept in host order, shown as tc shows it (ntohl() in 8 hex
    digits, ``0a000001``): that text reads back to the same number."""

    kind = "be32_hex"

    def choices(self):
        return ["8 hex digits (network order), such as 0a000001"]

    def parse_text(self, s, path):
        t = s.strip().lower()
        t = t[2:] if t.startswith("0x") else t
        if 0 < len(t) <= 8 and all(c in "0123456789abcdef" for c in t):
            return int.from_bytes(int(t, 16).to_bytes(4, "big"), "little")
        return None


class EthertypeNames(EnumNames):
    """Ethertypes by iproute2's names (``ip``, ``ipv6``, ``802.1Q``; specs/packet.py)."""

    kind = "ethertype"

    def __init__(self):
        pass        # the names load on first use: binding a family needs none of them

    def __getattr__(self, name):
        # only for what __init__ did not set: specs/packet.py (and construct,
        # ~25 ms) is imported when a value is first named or read, not when a
        # family with an ethertype attribute is compiled (every OVS flow key)
        if name not in ("enum", "_by", "_prefix"):
            raise AttributeError(name)
        from .packet import _spec
        EnumNames.__init__(self, _spec().ethertypes)
        return getattr(self, name)


_cache: dict = {}


def of_enum(enum) -> Names:
    """The names of a spec ``Enum``/``Flags`` (TC_ACT_* ones read as tc verdicts)."""
    n = _cache.get(id(enum))
    if n is None or n.enum is not enum:
        if enum.prefix == "TC_ACT_":
            n = VerdictNames(enum)
        elif enum.is_flags:
            n = FlagNames(enum)
        else:
            n = EnumNames(enum)
        _cache[id(enum)] = n
    return n


_handles = HandleNames()
HINTS = {"verdict": VerdictNames(), "handle": _handles, "tc_handle": _handles,
         "tc_object_handle": _handles, "tc_info": InfoNames(),
         "probability": ProbabilityNames(), "be32_hex": Be32HexNames()}


def of_hint(hint) -> Names | None:
    """The names a display hint gives an integer (``verdict``, tc handles,
    ``tc_info``, ``ethertype``, ``probability``, ``be32_hex``)."""
    if hint == "ethertype":
        n = HINTS.get(hint)
        if n is None:
            n = HINTS[hint] = EthertypeNames()
        return n
    return HINTS.get(hint)


# -- the named form of a decoded tree (Message.to_dict(names=True)) ---------------


def named_struct(layout, d):
    """A decoded struct dict with named members shown by name."""
    if layout is None or not isinstance(d, dict):
        return d
    out = dict(d)
    for f in layout.fields:
        v = d.get(f.name) if f.name is not None else None
        if v is None:
            continue
        sub = f.sub
        if f.kind == "int" and f.names is not None:
            out[f.name] = f.names.show(v)
        elif f.kind == "struct":
            out[f.name] = named_struct(sub, v)
        elif f.kind in ("array", "vararray", "greedy") and isinstance(v, list):
            if hasattr(sub, "fields"):
                out[f.name] = [named_struct(sub, x) for x in v]
            elif getattr(sub, "names", None) is not None:
                out[f.name] = [sub.names.show(x) for x in v]
    return out


def named_attrs(cs, d):
    """A decoded attribute dict (``cs``: its compiled set) with every value that
    has names shown by name; encoding it gives the same bytes."""
    from .tables import K_INDEXED, K_INT, K_NEST, K_RECORDS, K_STRUCT, K_SUBMSG, K_TYPEVALUE
    if cs is None or not isinstance(d, dict):
        return d
    repeated = d.get("_repeated") or ()
    out = {}
    for key, v in d.items():
        ca = cs.by_name.get(key) if key[:1] != "_" else None
        if ca is None or v is None:
            out[key] = v
            continue
        many = ca.multi or key in repeated
        if many and not isinstance(v, list):
            out[key] = v
            continue
        kind = ca.kind
        if kind == K_INT and ca.names is not None:
            fn = ca.names.show
        elif kind == K_STRUCT:
            fn = lambda x, lay=ca.layout: named_struct(lay, x)        # noqa: E731
        elif kind == K_NEST:
            fn = lambda x, a=ca: _named_nest(a.set, a.header, x)       # noqa: E731
        elif kind == K_INDEXED:
            fn = lambda x, a=ca: _named_indexed(a, x)                  # noqa: E731
        elif kind == K_TYPEVALUE:
            fn = lambda x, a=ca: _named_typevalue(a, x, 1)             # noqa: E731
        elif kind == K_RECORDS:
            fn = lambda x, a=ca: [_named_nest(a.set, a.header, r) for r in x] \
                if isinstance(x, list) else x                          # noqa: E731
        elif kind == K_SUBMSG:
            fmt = _format(cs, ca, d)
            if fmt is None:
                fn = None
            elif fmt[0] == "nest":
                fn = lambda x, f=fmt: _named_nest(f[1], f[2], x)       # noqa: E731
            elif fmt[0] == "struct":
                fn = lambda x, f=fmt: named_struct(f[1], x)            # noqa: E731
            else:
                fn = None
        else:
            fn = None
        if fn is None:
            out[key] = v
        elif many:
            out[key] = [fn(x) for x in v]
        else:
            out[key] = fn(v)
    return out


def _format(cs, ca, d):
    key = d.get(ca.selector)
    if ca.selector in (d.get("_repeated") or ()) and isinstance(key, list):
        key = key[0] if key else None
    return ca.formats.get(key) if isinstance(key, (str, int)) else None


def _named_nest(cs, header, v):
    if not isinstance(v, dict):
        return v
    out = named_attrs(cs, v) if cs is not None else dict(v)
    if header is not None and "_header" in v:
        out["_header"] = named_struct(header, v["_header"])
    return out


def _named_elem(a, x):
    if a.elem is None:
        return named_attrs(a.set, x) if a.set is not None else x
    e = a.elem
    if e.layout is not None:
        return named_struct(e.layout, x)
    if e.names is not None:
        return e.names.show(x)
    return x


def _named_indexed(a, v):
    if isinstance(v, list):
        return [_named_elem(a, x) for x in v]
    if isinstance(v, dict):
        return {k: _named_elem(a, x) for k, x in v.items()}
    return v


def _named_typevalue(a, v, level):
    if not isinstance(v, dict):
        return v
    if level < a.levels:
        return {k: _named_typevalue(a, x, level + 1) for k, x in v.items()}
    return {k: named_attrs(a.set, x) if a.set is not None else x for k, x in v.items()}


# -- binding names to a compiled family (tables.name_binder) ----------------------


def _spec_error(msg):
    from .errors import SpecError
    return SpecError(msg)


_K_INT = []


def _k_int():
    if not _K_INT:                  # (an import statement per attribute bound was 10% of start-up)
        from .tables import K_INT
        _K_INT.append(K_INT)
    return _K_INT[0]


def _enum(cf, name):
    """An enum by name: the family's (or those it uses), else any family's."""
    e = cf.spec.enum(name)
    if e is None:
        from . import registry
        e = registry.any_enum(name)
    return e


def _names_of_hint(cf, hint):
    if hint.startswith("enum:"):
        e = _enum(cf, hint[5:])
        if e is None:
            raise _spec_error(f"{cf.name}: no enum {hint[5:]!r} (struct member hint {hint!r})")
        return of_enum(e)
    return of_hint(hint)


def bind_family(cf):
    """Names for int attributes with an enum or tc hint, and for struct members
    hinted ``enum:NAME``, ``verdict`` or ``handle`` (nlcodec.names)."""
    resolve = lambda hint: _names_of_hint(cf, hint)      # noqa: E731
    layouts = [cf.header] + [cm.header for cm in cf.msgs.values()]
    for cs in cf.sets.values():
        for ca in cs.attrs + [x.elem for x in cs.attrs if x.elem is not None]:
            if ca.kind == _k_int() and ca.names is None:
                if of_hint(ca.hint) is not None:
                    ca.names = of_hint(ca.hint)
                elif ca.enum:
                    e = _enum(cf, ca.enum)
                    ca.names = of_enum(e) if e is not None else None
            layouts += [ca.layout, ca.header]
            for fmt in (ca.formats or {}).values():
                layouts.append(fmt[1] if fmt[0] == "struct" else
                               fmt[2] if fmt[0] == "nest" else None)
    for lay in layouts:
        if lay is not None:
            lay.bind_names(resolve)


def _install():
    from . import tables
    tables.name_binder = bind_family
    tables.named_form = (named_attrs, named_struct)


_install()
