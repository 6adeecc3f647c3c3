"""Load the kernel's YAML netlink specs (YNL) into nlcodec's spec model.

    >>> fam = nlcodec.ynl.load("netdev.yaml", register=True)
    >>> fam.attrset("dev").attr("ifindex").id
    1

The kernel documents many families as YAML (``Documentation/netlink/specs``;
formats ``genetlink``, ``genetlink-c``, ``genetlink-legacy`` and
``netlink-raw``).  ``load`` maps one such spec onto ``nlcodec.spec`` objects,
so the family works with the codec, sockets and the capture decoder without
a hand-written spec.  PyYAML is needed only here (``pip install pyyaml``); a
parsed ``dict`` is accepted too.

How YNL maps onto our model:

- names: YNL's dashes become underscores (``dev-get`` -> ``dev_get``,
  ``link-attrs`` -> ``link_attrs``); multicast group names stay as the kernel
  spells them (they are looked up by that string).
- numbering, as the kernel's own YNL tools do: attributes count from 1, a
  ``value:`` resets the counter; ``subset-of`` sets take their numbers and
  types from the parent; enum entries count from ``value-start`` (0), flags
  are ``1 << position``; commands count from 1 (``enum-model: unified``) or,
  with ``enum-model: directional``, requests and replies are numbered apart
  (``do: request: value:``).  A reply number that no request uses (nlctrl's
  getfamily reply, CTRL_CMD_NEWFAMILY) becomes a message of the same name,
  so decoded replies read as the operation that produced them.
- UAPI names (for the conformance checks): attribute set prefix is
  ``name-prefix`` or ``<family>-a-<set>-``; commands ``<family>-cmd-``; enums
  ``<family>-<enum>-``, as ``ynl-gen-c`` renders them.
- ``definitions``: struct -> construct ``Struct`` (``binary`` members with
  ``len`` -> ``Bytes``, ``pad`` -> ``Padding``, byte order, display hints,
  nested ``struct``), laid out as C lays out the struct ``ynl-gen-c``
  renders (members at their natural alignment, the size rounded up: YNL
  specs leave that padding out); enum / flags -> ``Enum`` / ``Flags``;
  const -> used where lengths name it.  ``enum-as-flags`` on an enum gives
  a ``Flags`` twin named ``<enum>_flags``.
- attribute types map one to one; ``bitfield32`` is a ``binary`` with a
  (value, selector) struct, ``array-nest`` (older specs) is an
  ``indexed-array`` of nests, ``unused`` only takes a number.  ``checks``
  ``min-len``/``max-len``/``exact-len`` bound ``binary`` payloads.
- ``sub-message`` formats: ``attribute-set`` -> that set, ``fixed-header``
  alone -> the struct, both -> ``SubMessage(attrs, header)``, neither -> no
  payload.  A selector that is an integer attribute gets integer keys.
- display hints: ``fddi`` reads as ``mac``, ``ipv4-or-v6`` as ``ip``.
- per-operation attribute lists (``do: request: attributes:``) are not
  kept: a message decodes with its whole attribute set.

Specs at some kernel revisions name structs or sets they never define: such
an attribute stays binary (a format is dropped) and ``family.ynl_warnings``
says so.  ``family.ynl`` is the parsed spec.  YAML is read with YAML 1.2
booleans, so an entry named ``on`` or ``no`` stays a name.
"""

from __future__ import annotations

import os
import re

import construct as C

from .errors import SpecError
from .spec import INT_TYPES, Attr, AttrSet, Enum, Family, Flags, Msg, SubMessage

__all__ = ["load", "load_for_connect", "parse"]

_HINTS = {"hex": "hex", "mac": "mac", "fddi": "mac", "ipv4": "ipv4", "ipv6": "ipv6",
          "uuid": "uuid", "ipv4-or-v6": "ip"}
_ORDER = {"big-endian": "big", "little-endian": "little"}

# construct integers by (type, byte order); host order is native ("n")
_CINT = {}
for _bits in (8, 16, 32, 64):
    for _sign, _ch in (("u", "u"), ("s", "s")):
        for _order, _o in (("host", "n"), ("big", "b"), ("little", "l")):
            _o = "l" if _bits == 8 else _o     # Int8un does not exist; order is moot
            _CINT[(f"{_sign}{_bits}", _order)] = getattr(C, f"Int{_bits}{_ch}{_o}")

_BITFIELD32 = C.Struct("value" / C.Int32un, "selector" / C.Int32un)


def snake(name: str) -> str:
    """``dev-get`` -> ``dev_get`` (our names)."""
    return re.sub(r"[^0-9a-zA-Z_]", "_", str(name)).lower()


def c_upper(name: str) -> str:
    """``netdev-a-dev-`` -> ``NETDEV_A_DEV_`` (UAPI names)."""
    return re.sub(r"[^0-9a-zA-Z_]", "_", str(name)).upper()


def parse(source) -> dict:
    """A YNL spec as a dict: from a dict, a path, or YAML text."""
    if isinstance(source, dict):
        return source
    try:
        import yaml
    except ImportError:
        raise ImportError("loading YNL specs needs PyYAML: pip install pyyaml "
                          "(or pass the spec already parsed, as a dict)") from None
    if isinstance(source, bytes):
        source = source.decode()
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source
                                           and os.path.exists(source)):
        with open(source, encoding="utf-8") as f:
            source = f.read()
    elif isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml")):
        raise FileNotFoundError(source)
    doc = yaml.load(source, Loader=_yaml_loader(yaml))
    if not isinstance(doc, dict) or "name" not in doc:
        raise SpecError("not a YNL spec: no top-level 'name'")
    return doc


_LOADER = None


def _yaml_loader(yaml):
    """A safe loader with YAML 1.2 booleans: only true/false are booleans, so
    an entry named ``on``, ``off``, ``yes`` or ``no`` stays a name."""
    global _LOADER
    if _LOADER is None:
        class Loader(yaml.SafeLoader):
            pass
        Loader.yaml_implicit_resolvers = {
            k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
            for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
        Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                                     re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                     list("tTfF"))
        _LOADER = Loader
    return _LOADER


def load(source, *, register: bool = False, name: str | None = None,
         checks: bool = True) -> Family:
    """Map a YNL spec (path, YAML text or parsed dict) onto a ``Family``.

    ``register=True`` adds it to the registry (``nlcodec.register``), which
    replaces a built-in family of the same name; ``name=`` renames it (to load
    a YNL twin next to a built-in spec).  The spec's length ``checks`` bound
    binary attributes when decoding too; they describe what the kernel
    accepts, and ``checks=False`` leaves them out (tcp_metrics says min-len 16
    for fopen-cookie, yet the kernel reports cookies at their real length)."""
    where = _source_name(source)
    try:
        doc = parse(source)
        fam = _Loader(doc, name, checks).family()
        from .tables import compile_family
        compile_family(fam)         # every reference resolved now, not at first use
    except (ImportError, FileNotFoundError):
        raise
    except SpecError as e:
        msg = str(e)
        raise SpecError(msg if msg.startswith(where) else f"{where}: {msg}") from None
    except Exception as e:          # noqa: BLE001 - an untrusted spec of any shape
        # wrong shapes (TypeError, AttributeError), missing keys, duplicate
        # names, references that loop (RecursionError): all one kind of error
        raise SpecError(f"{where}: not a valid YNL spec ({type(e).__name__}: {e})") from None
    if register:
        from .registry import register as _register
        _register(fam)
    return fam


def _source_name(source) -> str:
    """How errors name a spec: its path, else what it is."""
    if isinstance(source, os.PathLike):
        return os.fspath(source)
    if isinstance(source, str) and "\n" not in source:
        return source
    if isinstance(source, dict):
        return f"<YNL spec {source.get('name')!r} (dict)>"
    return "<YNL spec text>"


def load_for_connect(target, spec) -> str:
    """For ``nlcodec.connect(target, spec=...)``: load and register ``spec``
    and return what ``connect`` should open (the family name for generic
    netlink, the protocol for netlink-raw).  ``target`` must agree with the
    spec's family name when it names a family."""
    from .registry import PROTOCOLS, protocol_name
    fam = spec if isinstance(spec, Family) else load(spec)
    try:
        proto = protocol_name(target) if target is not None else None
    except ValueError:
        proto = None
    if proto is None and target is not None and snake(target) != fam.name:
        raise ValueError(f"connect({target!r}, spec=...): the spec describes {fam.name!r}")
    from .registry import register as _register
    _register(fam)
    if fam.genl:
        return fam.name
    return fam.protocol if fam.protocol in PROTOCOLS else target


class _Loader:
    def __init__(self, doc: dict, name: str | None, checks: bool = True):
        self.doc = doc
        self.use_checks = checks
        self.kind = doc.get("protocol", "genetlink")
        if self.kind not in ("genetlink", "genetlink-c", "genetlink-legacy", "netlink-raw"):
            raise SpecError(f"unknown YNL protocol {self.kind!r}")
        self.ynl_name = doc["name"]
        self.name = name or snake(self.ynl_name)
        self.ident = self.ynl_name.replace("-", "_")
        self.genl = self.kind != "netlink-raw"
        self.uapi_header = doc.get("uapi-header") or (
            f"linux/{self.ident}.h" if self.genl else None)
        self.defs = {d["name"]: d for d in doc.get("definitions") or ()}
        self.consts = {n: d.get("value") for n, d in self.defs.items() if d.get("type") == "const"}
        self.sets_yaml = {s["name"]: s for s in doc.get("attribute-sets") or ()}
        self.submsgs = {s["name"]: s for s in doc.get("sub-messages") or ()}
        self.structs: dict[str, tuple] = {}
        self.enums: dict[str, Enum] = {}
        self._building: set[str] = set()
        self.warnings: list[str] = []

    # -- definitions ------------------------------------------------------------

    def const(self, v, where):
        if v is None or isinstance(v, int):
            return v
        if isinstance(v, str) and v.isdigit():
            return int(v)
        if v in self.consts and isinstance(self.consts[v], int):
            return self.consts[v]
        raise SpecError(f"{where}: unknown constant {v!r}")

    def enum(self, name, as_flags=False) -> str:
        """Our name of enum ``name`` (built on first use)."""
        d = self.defs.get(name)
        if d is None or d.get("type") not in ("enum", "flags"):
            raise SpecError(f"{self.ynl_name}: no enum or flags named {name!r}")
        ours = snake(name)
        flags = d["type"] == "flags"
        if as_flags and not flags:
            ours += "_flags"
        if ours in self.enums:
            return ours
        pfx = d.get("name-prefix") or f"{self.ident}-{name}-"
        values, prev = {}, None
        for e in d.get("entries") or ():
            e = {"name": e} if not isinstance(e, dict) else e
            v = e["value"] if "value" in e else (prev + 1 if prev is not None
                                                 else d.get("value-start", 0))
            prev = v
            values[snake(e["name"])] = (1 << v) if (flags or as_flags) else v
        cls = Flags if (flags or as_flags) else Enum
        # the twin of an enum used as flags has no UAPI names of its own
        self.enums[ours] = cls(ours, values, prefix="" if ours != snake(name) else c_upper(pfx),
                               uapi_header=d.get("header") or self.uapi_header)
        return ours

    def struct(self, name) -> C.Struct:
        return self._struct(name)[0]

    def _struct(self, name):
        """(construct Struct, alignment).  Laid out as C lays out the struct
        ``ynl-gen-c`` renders: each integer at a multiple of its size, the
        whole padded to its widest member (``tc_stats`` is 40 bytes, not 36).
        Padding the spec spells out itself changes nothing."""
        hit = self.structs.get(name)
        if hit is not None:
            return hit
        d = self.defs.get(name)
        if d is None or d.get("type") != "struct":
            raise SpecError(f"{self.ynl_name}: no struct named {name!r}")
        if name in self._building:
            raise SpecError(f"{self.ynl_name}: struct {name!r} contains itself")
        self._building.add(name)
        members, off, align = [], 0, 1
        for m in d.get("members") or ():
            where = f"{name}.{m['name']}"
            t = m["type"]
            hint = _HINTS.get(m.get("display-hint"))
            if t == "pad":
                n = self.const(m["len"], where)
                members.append(C.Padding(n))
                off += n
                continue
            if t in _CINT_TYPES:
                sc = _CINT[(t, _ORDER.get(m.get("byte-order"), "host"))]
                size = a = sc.sizeof()
            elif m.get("struct"):
                sc, a = self._struct(m["struct"])
                size = sc.sizeof()
            elif t in ("binary", "string"):
                size = self.const(m.get("len"), where)
                if size is None:
                    raise SpecError(f"{self.ynl_name}.{where}: binary member needs len")
                sc, a = C.Bytes(size), 1
            else:
                raise SpecError(f"{self.ynl_name}.{where}: unsupported member type {t!r}")
            if off % a:
                members.append(C.Padding(a - off % a))
                off += a - off % a
            members.append(C.Renamed(sc, newname=snake(m["name"]), newdocs=hint))
            off += size
            align = max(align, a)
        if off % align:
            members.append(C.Padding(align - off % align))
        self._building.discard(name)
        hit = self.structs[name] = (C.Struct(*members), align)
        return hit

    # -- attribute sets ---------------------------------------------------------

    def set_prefix(self, s) -> str:
        if s.get("subset-of"):
            return self.set_prefix(self.sets_yaml[s["subset-of"]])
        if "name-prefix" in s:
            return c_upper(s["name-prefix"])
        if s["name"] == self.ynl_name:
            return c_upper(f"{self.ident}-a-")
        return c_upper(f"{self.ident}-a-{s['name']}-")

    def numbered(self, s) -> list[tuple[int, dict]]:
        """(number, merged YNL attribute) for each attribute of set ``s``."""
        if s.get("subset-of"):
            parent = self.sets_yaml.get(s["subset-of"])
            if parent is None:
                raise SpecError(f"{s['name']}: subset of unknown set {s['subset-of']!r}")
            real = {e["name"]: (v, e) for v, e in self.numbered(parent)}
            out = []
            for e in s.get("attributes") or ():
                if e["name"] not in real:
                    raise SpecError(f"{s['name']}: {e['name']!r} is not in {s['subset-of']}")
                v, pe = real[e["name"]]
                out.append((v, {**pe, **e}))
            return out
        out, val = [], 1
        for e in s.get("attributes") or ():
            if "value" in e:
                val = e["value"]
            out.append((val, e))
            val += 1
        return out

    def attrset(self, s) -> AttrSet:
        attrs = []
        for v, e in self.numbered(s):
            a = self.attr(s["name"], v, e)
            if a is not None:
                attrs.append(a)
        return AttrSet(snake(s["name"]), attrs, prefix=self.set_prefix(s),
                       uapi_header=self.uapi_header, doc=s.get("doc", "") or "")

    def attr(self, set_name, value, e) -> Attr | None:
        t = e.get("type")
        where = f"{self.ynl_name}.{set_name}.{e['name']}"
        if t == "unused" or t is None:
            return None
        kw = {"multi": bool(e.get("multi-attr")), "doc": (e.get("doc") or "").strip(),
              "byte_order": _ORDER.get(e.get("byte-order"), "host")}
        hint = e.get("display-hint")
        if hint is not None:
            if hint not in _HINTS:
                raise SpecError(f"{where}: unknown display hint {hint!r}")
            kw["display"] = _HINTS[hint]
        if e.get("enum"):
            try:
                kw["enum"] = self.enum(e["enum"], bool(e.get("enum-as-flags")))
            except SpecError:       # only for display: a missing enum is not fatal
                self.warnings.append(f"{where}: no enum or flags {e['enum']!r}")
        if t == "bitfield32":
            t, kw["struct"] = "binary", _BITFIELD32
        if t == "array-nest":
            t, e = "indexed-array", {**e, "sub-type": "nest"}
        if t == "binary":
            if e.get("struct"):
                kw["struct"] = self.attr_struct(e["struct"], where)
            else:
                self.checks(e, kw, where)
        elif t == "nest":
            if not e.get("nested-attributes"):
                t = "binary"      # an opaque nest: keep its bytes
            else:
                kw["nested"] = snake(e["nested-attributes"])
        elif t == "indexed-array":
            sub = e.get("sub-type", "nest")
            if sub == "nest":
                kw["nested"] = snake(e["nested-attributes"]) if e.get("nested-attributes") else None
            elif sub == "binary" and e.get("struct"):
                kw["struct"] = self.attr_struct(e["struct"], where)
            elif sub == "bitfield32":
                sub, kw["struct"] = "binary", _BITFIELD32
            kw["sub_type"] = sub
        elif t == "nest-type-value":
            kw["nested"] = snake(e["nested-attributes"])
            kw["levels"] = max(1, len(e.get("type-value") or ()))
        elif t == "sub-message":
            kw["selector"] = snake(e["selector"])
            kw["formats"] = self.formats(e["sub-message"], where)
        elif t not in INT_TYPES + ("flag", "string", "pad"):
            raise SpecError(f"{where}: unknown attribute type {t!r}")
        try:
            return Attr(value, snake(e["name"]), t, **kw)
        except ValueError as ex:
            raise SpecError(f"{where}: {ex}") from None

    def attr_struct(self, name, where):
        """An attribute's struct; one the spec forgot to define (tc.yaml's
        tc-u32-mark at some revisions) leaves the attribute plain binary."""
        d = self.defs.get(name)
        if d is None:
            self.warnings.append(f"{where}: struct {name!r} is not defined; kept as binary")
            return None
        return self.struct(name)

    def checks(self, e, kw, where):
        ch = (e.get("checks") or {}) if self.use_checks else {}
        if "exact-len" in ch:
            kw["min_len"] = kw["max_len"] = self.length(ch["exact-len"], where)
        if "min-len" in ch:
            kw["min_len"] = self.length(ch["min-len"], where)
        if "max-len" in ch:
            kw["max_len"] = self.length(ch["max-len"], where)

    def length(self, v, where):
        """A length check: a count of bytes.  One beyond what an attribute can
        hold (nla_len is 16 bits) bounds nothing, the same on both backends."""
        n = self.const(v, where)
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise SpecError(f"{where}: a length check must be a count of bytes, not {v!r}")
        return min(n, 0xFFFF)

    def formats(self, name, where) -> dict:
        sm = self.submsgs.get(name)
        if sm is None:
            raise SpecError(f"{where}: no sub-message {name!r}")
        out = {}
        for f in sm.get("formats") or ():
            hdr = self.struct(f["fixed-header"]) if f.get("fixed-header") else None
            aset = snake(f["attribute-set"]) if f.get("attribute-set") else None
            if aset and hdr is not None:
                fmt = SubMessage(aset, hdr)
            else:
                fmt = aset or hdr
            out[f["value"]] = fmt
        return out

    def typed_selectors(self, sets: dict[str, AttrSet]):
        """Selector values are text in YNL; an integer selector (enum or
        number) needs integer keys to match what the codec decodes."""
        for s in sets.values():
            for a in s.attrs:
                if a.type != "sub-message":
                    continue
                sel = s.by_name.get(a.selector)
                if sel is None or sel.type not in INT_TYPES:
                    continue
                en = self.enums.get(sel.enum) if sel.enum else None
                keys = {}
                for k, fmt in a.formats.items():
                    if isinstance(k, int) or str(k).isdigit():
                        keys[int(k)] = fmt
                    elif en is not None and snake(k) in en.values:
                        keys[en.values[snake(k)]] = fmt
                    else:
                        raise SpecError(f"{self.ynl_name}.{s.name}.{a.name}: selector value "
                                        f"{k!r} is not a number of {sel.name}")
                a.formats = keys

    # -- operations -------------------------------------------------------------

    def op_values(self, ops) -> list[tuple[dict, int | None, int | None]]:
        """(op, request value, reply value), numbered as the kernel's YNL tools do."""
        out = []
        if ops.get("enum-model", "unified") != "directional":
            val = 1
            for op in ops.get("list") or ():
                if "value" in op:
                    val = op["value"]
                out.append((op, val, val))
                val += 1
            return out
        req = rsp = 1
        for op in ops.get("list") or ():
            if "notify" in op or "event" in op:
                if "value" in op:
                    rsp = op["value"]
                req_next, rsp_next, req = req, rsp + 1, None
            elif "do" in op or "dump" in op:
                mode = op.get("do") or op.get("dump")
                v = (mode.get("request") or {}).get("value")
                if v:
                    req = v
                v = (mode.get("reply") or {}).get("value")
                if v:
                    rsp = v
                req_next = req + 1
                rsp_next = rsp + (1 if "reply" in mode else 0)
            else:
                raise SpecError(f"{self.ynl_name}: operation {op['name']!r} has no do, dump, "
                                f"notify or event")
            out.append((op, req if req != req_next else None, rsp if rsp != rsp_next else None))
            req, rsp = req_next, rsp_next
        return out

    def messages(self):
        ops = self.doc.get("operations") or {}
        fam_hdr = ops.get("fixed-header")
        by_name = {op["name"]: op for op in ops.get("list") or ()}
        requests, replies, seen = [], [], set()
        numbered = self.op_values(ops)

        # notifications and events may have their own UAPI prefix (genetlink-c)
        async_pfx = c_upper(ops["async-prefix"]) if ops.get("async-prefix") else None

        def make(op, v, uapi):
            if uapi is None and async_pfx and ("notify" in op or "event" in op):
                uapi = async_pfx + c_upper(op["name"])
            src = by_name.get(op.get("notify")) if op.get("notify") else op
            aset = op.get("attribute-set") or (src or {}).get("attribute-set")
            hdr = op.get("fixed-header") or (src or {}).get("fixed-header")
            header = self.struct(hdr) if hdr and hdr != fam_hdr else None
            return Msg(v, snake(op["name"]), header=header,
                       attrs=snake(aset) if aset else None, uapi=uapi,
                       doc=(op.get("doc") or "").strip())

        for op, req, _ in numbered:
            if req is not None and req not in seen:
                seen.add(req)
                requests.append(make(op, req, None))
        for op, _, rsp in numbered:
            if rsp is not None and rsp not in seen:
                seen.add(rsp)
                replies.append(make(op, rsp, ""))   # "": no UAPI name of its own
        # replies first: a name shared with a request then resolves to the request
        return replies + requests, (self.struct(fam_hdr) if fam_hdr else None), ops

    # -- the family ---------------------------------------------------------------

    def family(self) -> Family:
        sets = {}
        for s in self.sets_yaml.values():
            aset = self.attrset(s)
            sets[aset.name] = aset
        self.typed_selectors(sets)
        for name, d in self.defs.items():
            if d.get("type") in ("enum", "flags"):
                self.enum(name)
            elif d.get("type") == "struct":
                self.struct(name)
        msgs, header, ops = self.messages()
        if self.genl:
            protocol = "generic"
            msg_prefix = c_upper(ops.get("name-prefix") or f"{self.ident}-cmd-")
        else:
            from .registry import PROTOCOL_NAMES
            num = self.doc.get("protonum", 0)
            protocol = PROTOCOL_NAMES.get(num, str(num))
            msg_prefix = c_upper(ops.get("name-prefix", ""))
        groups = tuple(g["name"] for g in (self.doc.get("mcast-groups") or {}).get("list") or ())
        fam = Family(self.name, protocol, genl=self.genl, version=self.doc.get("version", 1),
                     header=header, messages=msgs, attrsets=sets.values(),
                     enums=self.enums.values(), mcast_groups=groups, msg_prefix=msg_prefix,
                     uapi_header=self.uapi_header, doc=(self.doc.get("doc") or "").strip())
        fam.ynl = self.doc          # the source, for tools that want more
        fam.ynl_warnings = self.warnings
        _fix_refs(fam, self.warnings)
        return fam


_CINT_TYPES = {t for t, _ in _CINT}


def _fix_refs(fam: Family, warnings: list):
    """Every nest, format and message must name a set of this family.  Specs
    at some kernel revisions name sets they do not define (tc.yaml's
    tc-act-police-attrs): such a nest is kept as binary, such a sub-message
    format dropped (its payload stays hex), with a warning each."""
    have = fam.attrsets
    for s in have.values():
        for a in s.attrs:
            where = f"{fam.name}.{s.name}.{a.name}"
            if a.nested and a.nested not in have:
                warnings.append(f"{where}: no attribute set {a.nested!r}; kept as binary")
                if a.type == "nest":
                    a.type = "binary"
                a.nested = None
            for k, f in list((a.formats or {}).items()):
                r = f.attrs if isinstance(f, SubMessage) else f if isinstance(f, str) else None
                if r and r not in have:
                    warnings.append(f"{where}[{k}]: no attribute set {r!r}; format dropped")
                    del a.formats[k]
    for m in fam.messages:
        if m.attrs and m.attrs not in have:
            warnings.append(f"{fam.name}.{m.name}: no attribute set {m.attrs!r}")
            m.attrs = None
