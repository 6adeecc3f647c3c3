"""Compile specs into the tables both backends run on.

``compile_family`` turns a ``spec.Family`` into ``CFamily``/``CSet``/``CAttr``
objects: kinds as small ints, struct layouts precompiled, nested sets and
sub-message formats resolved to their compiled objects.  It runs once per
family (cached); the codecs only read these tables.
"""

from __future__ import annotations

import sys
import threading

from . import forksafe
from .errors import SpecError
from .spec import AttrSet, Family, SubMessage
from .structs import Layout, compile_struct

# attribute kinds (shared with the C core: NLC_K_* in _native/nlcodec_core.h;
# tests/test_native_constants.py checks that they agree)
K_UNKNOWN, K_INT, K_FLAG, K_STRING, K_BINARY, K_STRUCT, K_NEST, K_INDEXED, K_TYPEVALUE, \
    K_SUBMSG, K_PAD, K_RECORDS = range(12)

KIND_OF_TYPE = {
    "flag": K_FLAG, "string": K_STRING, "binary": K_BINARY, "nest": K_NEST,
    "indexed-array": K_INDEXED, "nest-type-value": K_TYPEVALUE, "sub-message": K_SUBMSG,
    "pad": K_PAD, "records": K_RECORDS,
}
INT_SIZES = {"u8": 1, "u16": 2, "u32": 4, "u64": 8, "s8": 1, "s16": 2, "s32": 4, "s64": 8,
             "uint": 0, "sint": 0}   # 0: 4 or 8 bytes on the wire

NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = 0x3FFF


class CAttr:
    __slots__ = ("id", "name", "kind", "size", "signed", "big", "hint", "layout", "set",
                 "multi", "flags", "selector", "formats", "elem", "header", "enum", "spec",
                 "min_len", "max_len", "index", "levels", "names")

    def __init__(self, spec_attr, owner):
        a = spec_attr
        self.spec = a
        self.id = a.id
        self.name = a.name
        self.multi = a.multi
        self.hint = a.display
        self.enum = a.enum
        self.min_len = a.min_len
        self.max_len = a.max_len
        self.layout = None
        self.set = None
        self.header = None
        self.selector = None
        self.formats = None
        self.elem = None
        self.levels = a.levels
        self.names = None       # nlcodec.names.Names of an int with an enum or tc hint
        self.index = 0          # position in the owner set's attribute table (C side)
        self.size = 0
        self.signed = False
        self.big = a.byte_order == "big"
        # the NLA_F_* bits our encoder sets; a decoded attribute whose bits differ
        # is recorded under "_flags" so that re-encoding is exact
        # (a sub-message counts when its formats are nests: TCA_ACT_OPTIONS)
        self.flags = NLA_F_NESTED if (a.nested_flag and a.type in (
            "nest", "indexed-array", "nest-type-value", "sub-message")) else 0
        if a.type in INT_SIZES:
            self.kind = K_INT
            self.size = INT_SIZES[a.type]
            self.signed = a.type.startswith("s")
        elif a.type == "binary" and a.struct is not None:
            self.kind = K_STRUCT
            self.layout = compile_struct(a.struct, f"{owner}.{a.name}")
        else:
            self.kind = KIND_OF_TYPE[a.type]

    def __repr__(self):
        return f"CAttr({self.id}, {self.name!r}, kind={self.kind})"


class CSet:
    """A compiled attribute set."""

    __slots__ = ("name", "prefix", "by_id", "by_name", "attrs", "spec", "kernel_variant", "uid",
                 "masks", "fast")

    def __init__(self, spec_set: AttrSet):
        self.spec = spec_set
        self.name = spec_set.name
        self.prefix = spec_set.prefix
        self.attrs = [CAttr(a, spec_set.name) for a in spec_set.attrs]
        for i, a in enumerate(self.attrs):
            a.index = i
        self.by_id = {a.id: a for a in self.attrs}
        self.by_name = {}
        for a in self.attrs:
            self.by_name[a.name] = a
            if a.spec.uapi:
                self.by_name[a.spec.uapi] = a
        self.kernel_variant = None
        self.uid = 0
        self.masks = spec_set.masks
        self.fast = None        # the pure decoder's fast table (pure._fast_table), made on first use

    def __repr__(self):
        return f"CSet({self.name!r})"


class CMsg:
    __slots__ = ("id", "type_id", "name", "header", "set", "spec", "variants")

    def __init__(self, m, header: Layout | None, cset: CSet | None, type_id: int | None = None):
        self.spec = m
        self.id = m.id
        self.type_id = m.id if type_id is None else type_id     # nlmsg_type (plain protocols)
        self.name = m.name
        self.header = header
        self.set = cset
        self.variants = None    # (member, byte offset, {value: CSet}), see Msg.variants

    def set_for(self, header) -> CSet | None:
        """The attribute set of a message with this (decoded) header."""
        v = self.variants
        if v is None or not header:
            return self.set
        key = header.get(v[0])
        if key is not None and type(key) is not int:      # a name ("bridge")
            f = self.header.field(v[0])
            if f is not None and f.names is not None:
                try:
                    key = f.names.parse(key)
                except ValueError:
                    pass
        return v[2].get(key, self.set)


class CFamily:
    def __init__(self, fam: Family, fresh: dict | None = None):
        self._fresh = fresh     # sets being compiled with this family (None once done)
        self.spec = fam
        self.name = fam.name
        self.genl = fam.genl
        self.protocol = fam.protocol
        self.sets: dict[str, CSet] = {}
        self.header = compile_struct(fam.header, f"{fam.name}.header") if fam.header is not None else None
        self.msgs: dict[int, CMsg] = {}
        self.msg_by_name: dict[str, CMsg] = {}

    def set(self, name) -> CSet:
        cs = self.sets.get(name)
        if cs is None:
            s = self.spec.attrset(name)   # raises KeyError naming the family
            cs = _compiled_set(s, self._fresh)
        return cs


_sets: dict[int, CSet] = {}
_families: dict[int, CFamily] = {}
# Compiling is publish-once: a family (and each of its sets) enters the
# caches only when complete, under this lock; readers never lock.
_lock = threading.RLock()

forksafe.guard(sys.modules[__name__], "_lock", 2, threading.RLock)


def _compiled_set(s: AttrSet, fresh: dict | None = None) -> CSet:
    cs = _sets.get(id(s))
    if cs is None and fresh is not None:
        cs = fresh.get(id(s))
    if cs is None:
        cs = CSet(s)
        if fresh is None:       # a set outside any family being compiled: complete now
            with _lock:
                cs = _sets.setdefault(id(s), cs)
        else:
            fresh[id(s)] = cs
    return cs


def compile_family(fam: Family) -> CFamily:
    cf = _families.get(id(fam))
    if cf is not None:
        return cf
    with _lock:
        cf = _families.get(id(fam))
        if cf is None:
            fresh: dict[int, CSet] = {}
            cf = _compile(fam, fresh)
            for k, cs in fresh.items():     # the new sets, linked, then the family
                cs.uid = len(_sets) + 1
                _sets[k] = cs
            _families[id(fam)] = cf
    return cf


def _compile(fam: Family, fresh: dict) -> CFamily:
    cf = CFamily(fam, fresh)
    for s in fam.attrsets.values():
        cf.sets[s.name] = _compiled_set(s, fresh)
    for s in fam.attrsets.values():
        cs = cf.sets[s.name]
        if id(s) not in fresh:
            continue            # shared with a family compiled before: linked then
        if s.kernel_variant:
            cs.kernel_variant = cf.set(s.kernel_variant)
        for ca in cs.attrs:
            _link(cf, cs, ca)
    for m in fam.messages:
        hdr = compile_struct(m.header, f"{fam.name}.{m.name}.header") if m.header is not None else cf.header
        cm = CMsg(m, hdr, cf.set(m.attrs) if m.attrs else None,
                  None if fam.genl else fam.wire_type(m.id))
        if m.variants:
            member, sets = m.variants
            off = 0
            for f in (hdr.fixed_fields if hdr is not None else ()):
                if f.name == member:
                    break
                off += f.size
            else:
                raise SpecError(f"{fam.name}.{m.name}: no header member {member!r}")
            if f.kind != "int" or f.size != 1:
                raise SpecError(f"{fam.name}.{m.name}: variants need a u8 member, not {f}")
            cm.variants = (member, off, {v: cf.set(n) for v, n in sets.items()})
        cf.msgs[m.id] = cm
        cf.msg_by_name[m.name] = cm
    cf._fresh = None
    if name_binder is not None:
        name_binder(cf)
    return cf


# Set by nlcodec.names (a higher layer, imported by the package) to give int
# attributes and struct members their names when a family is compiled.
name_binder = None
named_form = None       # (named_attrs, named_struct) for Message.to_dict(names=True)


def _link(cf: CFamily, cs: CSet, ca: CAttr):
    a = ca.spec
    where = f"{cf.name}.{cs.name}.{a.name}"
    try:
        if ca.kind in (K_NEST, K_TYPEVALUE, K_RECORDS) or (
                ca.kind == K_INDEXED and a.sub_type == "nest"):
            if a.nested:
                ca.set = cf.set(a.nested)
            if a.header is not None:
                ca.header = compile_struct(a.header, where + ".header")
        if ca.kind == K_RECORDS and not (ca.header.is_fixed and ca.header.fixed_fields
                                         and ca.header.fixed_fields[0].kind == "int"):
            raise SpecError(f"{where}: a record header must start with its length (an int)")
        if ca.kind == K_INDEXED and a.sub_type != "nest":
            ca.elem = _elem_attr(a, cs.name)
        if ca.kind == K_SUBMSG:
            ca.selector = a.selector
            ca.formats = {}
            for key, fmt in a.formats.items():
                ca.formats[key] = _format(cf, fmt, f"{where}[{key}]")
                if ca.flags and ca.formats[key][0] != "nest":
                    raise SpecError(f"{where}[{key}]: nested_flag on a sub-message whose "
                                    f"format is not a nest")
    except KeyError as e:
        raise SpecError(f"{where}: {e.args[0]}") from None


def _elem_attr(a, owner):
    from .spec import Attr
    return CAttr(Attr(0, a.name, a.sub_type, byte_order=a.byte_order, display=a.display,
                      struct=a.struct), owner)


def _format(cf, fmt, where):
    """A sub-message format: ("nest", CSet, header Layout|None) or ("struct", Layout)."""
    if isinstance(fmt, str):
        return ("nest", cf.set(fmt), None)
    if isinstance(fmt, SubMessage):
        hdr = compile_struct(fmt.header, where + ".header") if fmt.header is not None else None
        return ("nest", cf.set(fmt.attrs) if fmt.attrs else None, hdr)
    if fmt is None:
        return ("none",)
    return ("struct", compile_struct(fmt, where))
