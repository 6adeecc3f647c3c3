"""Compile construct ``Struct`` specs into fast layouts.

A spec writes a fixed header or a struct payload as a construct ``Struct``
(``"index" / Int32sl``, ``"src" / Bytes(6) * "mac"``: the docstring after
``*`` is the display hint).  This module reads that definition once and
builds a ``Layout``: a precompiled ``struct.Struct`` for the fixed part and a
short list of conversions.  Decoding and encoding never call construct.

Supported members: integers of any byte order (``Int16ub``, ``Int32un`` ...),
``Bytes(n)``, ``Padding(n)``, ``Flag``, nested ``Struct``, ``Array(n, x)``,
``Array(this.count_field, x)`` (variable arrays such as
``tc_pedit_sel.keys[nkeys]``) and a final ``GreedyRange(x)``.

Rules for payloads of the wrong size (new and old kernels differ): a longer
payload decodes the known fields and keeps the rest under ``"_tail"`` (hex);
a shorter one decodes the fields that fit whole and stops; one that ends in
the middle of a field is a ``DecodeError``.
"""

from __future__ import annotations

import struct as _struct

from .errors import DecodeError, EncodeError, SpecError
from .values import INT_IP_HINTS, TEXT_OF, fit, parse_bytes

_INT_CHARS = {1: "B", 2: "H", 4: "I", 8: "Q"}


class Field:
    __slots__ = ("name", "kind", "size", "order", "signed", "hint", "sub", "count", "count_field",
                 "names")

    def __init__(self, name, kind, size=0, *, order="<", signed=False, hint=None, sub=None,
                 count=0, count_field=None):
        self.name = name
        self.kind = kind            # int bytes pad bool struct array vararray greedy
        self.size = size            # bytes of one element (whole field for fixed kinds)
        self.order = order          # "<" ">" for ints
        self.signed = signed
        self.hint = hint
        self.sub = sub              # Layout of array elements / nested struct, or an int Field
        self.count = count
        self.count_field = count_field
        # nlcodec.names.Names of an int member with an enum or tc hint (bound when
        # its family is compiled: ``Layout.bind_names``)
        self.names = None

    def __repr__(self):
        return f"Field({self.name!r}, {self.kind}, {self.size})"


def _construct():
    """construct, imported when a spec's struct is first compiled (bundled
    specs come compiled from ``spec_cache``: start-up needs no construct)."""
    import construct
    return construct


def _unwrap(sc):
    """Strip Renamed layers, collecting the name and docs (display hint)."""
    C = _construct()
    name, docs = None, ""
    while isinstance(sc, C.Renamed):
        name = name or sc.name
        docs = docs or (sc.docs or "")
        sc = sc.subcon
    return name, docs.strip() or None, sc


def _int_field(name, fmtstr, hint):
    order_ch, ch = fmtstr[0], fmtstr[1]
    size = _struct.calcsize("=" + ch)
    order = ">" if order_ch in (">", "!") else "<"   # "=" is host order: little on our targets
    signed = ch.islower()
    return Field(name, "int", size, order=order, signed=signed, hint=hint)


def _field_of(sc, where):
    C = _construct()
    name, hint, inner = _unwrap(sc)
    if isinstance(inner, C.FormatField):
        if inner.fmtstr[1] in "fd":
            raise SpecError(f"{where}.{name}: floating point members are not supported")
        return _int_field(name, inner.fmtstr, hint)
    if isinstance(inner, C.BytesInteger):
        raise SpecError(f"{where}.{name}: use IntNN members, not BytesInteger")
    if isinstance(inner, C.Bytes) and isinstance(inner.length, int):
        return Field(name, "bytes", inner.length, hint=hint)
    if isinstance(inner, C.Padded) and name is None:
        return Field(None, "pad", inner.length)
    if type(inner) is C.Flag or inner is C.Flag:
        return Field(name, "bool", 1)
    if isinstance(inner, C.Struct):
        return Field(name, "struct", sub=compile_struct(inner, f"{where}.{name}"))
    if isinstance(inner, C.Array):
        elem = _element(inner.subcon, f"{where}.{name}")
        if isinstance(inner.count, int):
            return Field(name, "array", sub=elem, count=inner.count, hint=hint)
        if isinstance(inner.count, C.expr.Path):
            return Field(name, "vararray", sub=elem, count_field=inner.count._Path__field,
                         hint=hint)
        raise SpecError(f"{where}.{name}: array counts must be a number or this.<field>")
    if isinstance(inner, C.GreedyRange):
        return Field(name, "greedy", sub=_element(inner.subcon, f"{where}.{name}"), hint=hint)
    raise SpecError(f"{where}.{name}: unsupported construct member {inner!r}")


def _element(sc, where):
    f = _field_of(sc, where)
    if f.kind == "struct":
        return f.sub
    if f.kind not in ("int", "bytes", "bool"):
        raise SpecError(f"{where}: array elements must be ints, bytes or structs")
    return f


class Layout:
    """A compiled struct: ``decode(buf, off, end, path)`` and ``encode(dict)``."""

    def __init__(self, fields, name=""):
        self.name = name
        self.fields = fields
        self.names = [f.name for f in fields if f.kind != "pad"]
        # fixed part: everything up to the first variable-length member
        fixed = []
        for f in fields:
            if f.kind in ("vararray", "greedy"):
                break
            fixed.append(f)
        self.fixed_fields = fixed
        self.variable = fields[len(fixed):]
        for f in self.variable[1:]:
            if f.kind == "greedy" or self.variable[0].kind == "greedy":
                raise SpecError(f"{name}: GreedyRange must be the last member")
        self.flat = all(f.kind in ("int", "bytes", "pad", "bool") for f in fixed)
        self.fixed_names = [f.name for f in fixed if f.kind != "pad"]
        self.size = sum(self._fixed_size(f) for f in fixed)   # bytes of the fixed part
        self.is_fixed = not self.variable
        self._known = frozenset(self.names) | {"_tail", "_size"}
        if self.flat:
            self._compile_flat()

    @staticmethod
    def _fixed_size(f):
        if f.kind == "struct":
            if not f.sub.is_fixed:
                raise SpecError(f"nested struct {f.name} must have a fixed size")
            return f.sub.size
        if f.kind == "array":
            return f.count * (f.sub.size)
        return f.size

    def _compile_flat(self):
        orders = {f.order for f in self.fixed_fields if f.kind == "int" and f.size > 1}
        self.order = orders.pop() if len(orders) == 1 else "<"
        mixed = len(orders) > 0   # anything left means both orders were seen
        fmt = [self.order]
        conv = []     # (name, text-of function or kind marker)
        ends = []     # end offset of each field, for partial payloads
        off = 0
        for f in self.fixed_fields:
            off += f.size
            if f.kind == "pad":
                fmt.append(f"{f.size}x")
                continue
            ends.append((off, f.name))
            if f.kind == "bytes":
                fmt.append(f"{f.size}s")
                conv.append((f.name, TEXT_OF.get(f.hint, TEXT_OF[None])))
            elif f.kind == "bool":
                fmt.append("?")
            elif mixed and f.order != self.order and f.size > 1:
                # one struct.Struct has one byte order: read the odd ones as bytes
                fmt.append(f"{f.size}s")
                ip = f.hint in INT_IP_HINTS and f.size == 4   # the raw bytes are the address
                conv.append((f.name, TEXT_OF["ipv4"] if ip else _from_bytes(f)))
            else:
                ch = _INT_CHARS[f.size]
                fmt.append(ch.lower() if f.signed else ch)
                if f.hint in INT_IP_HINTS and f.size == 4:
                    conv.append((f.name, _int_ip(f)))
        self.boundaries = {0}
        acc = 0
        for f in self.fixed_fields:
            acc += f.size
            self.boundaries.add(acc)
        self.fmt = "".join(fmt)
        self.st = _struct.Struct(self.fmt)
        # the fast path of encode(): every member given, converted where needed
        self._fixed_set = frozenset(self.fixed_names)
        self._nfixed = len(self._fixed_set)
        self._plan()
        self.conv = conv
        self.ends = ends
        self.dec = self._first_dec      # dec(buf, off): the whole fixed part's dict
        assert self.st.size == self.size, (self.fmt, self.size)

    # -- decode -------------------------------------------------------------

    def _first_dec(self, buf, off):
        """``dec``, generated on first use (not at start-up: most layouts
        of a family are never decoded in a run)."""
        return self.decoder()(buf, off)

    def decoder(self):
        """A flat layout's ``dec(buf, off)``: the dict of its whole fixed part."""
        if self.dec == self._first_dec:
            self.dec = _dict_maker(self.st.unpack_from, self.fixed_names, self.conv)
        return self.dec

    def decode(self, buf, off, end, path=""):
        """Decode ``buf[off:end]``; returns a dict."""
        avail = end - off
        if self.flat:
            if avail >= self.size:
                d = self.dec(buf, off)
                pos = off + self.size
            else:
                d = self._decode_partial(buf, off, end, path)
                return d
        else:
            d, pos = self._decode_general(self.fixed_fields, buf, off, end, path, {})
        if self.variable:
            pos = self._decode_variable(d, buf, pos, end, path)
        if pos < end:
            d["_tail"] = bytes(buf[pos:end]).hex()
        return d

    def _decode_partial(self, buf, off, end, path):
        avail = end - off
        if avail not in self.boundaries:
            raise DecodeError(f"length {avail} ends inside a member of {self.name} "
                              f"({self.size} bytes)", path=path, offset=off)
        full = self.st.unpack_from(bytes(buf[off:end]) + bytes(self.size - avail), 0)
        d = dict(zip(self.fixed_names, full))
        for name, fn in self.conv:
            d[name] = fn(d[name])
        out = {n: d[n] for e, n in self.ends if e <= avail}
        out["_size"] = avail      # short on the wire: encode gives the short struct again
        return out

    def _decode_general(self, fields, buf, off, end, path, d):
        pos = off
        for f in fields:
            if f.kind == "pad":
                pos += f.size
                continue
            if f.kind == "struct":
                need = f.sub.size
                if pos + need > end:
                    raise DecodeError(f"length {end - off} too short for {self.name}.{f.name}",
                                      path=path, offset=pos)
                d[f.name] = f.sub.decode(buf, pos, pos + need, path)
                pos += need
            elif f.kind == "array":
                d[f.name], pos = _decode_elems(f.sub, f.count, buf, pos, end, path, self.name)
            else:
                if pos + f.size > end:
                    raise DecodeError(f"length {end - off} too short for {self.name}.{f.name}",
                                      path=path, offset=pos)
                d[f.name] = _scalar(f, buf, pos)
                pos += f.size
        return d, pos

    def _decode_variable(self, d, buf, pos, end, path):
        for f in self.variable:
            if f.kind == "vararray":
                n = d.get(f.count_field)
                if not isinstance(n, int):
                    raise DecodeError(f"{self.name}.{f.name}: count {f.count_field} missing",
                                      path=path, offset=pos)
                d[f.name], pos = _decode_elems(f.sub, n, buf, pos, end, path, self.name)
            else:  # greedy
                esize = f.sub.size
                n = (end - pos) // esize if esize else 0
                d[f.name], pos = _decode_elems(f.sub, n, buf, pos, end, path, self.name)
        return pos

    # -- encode -------------------------------------------------------------

    def encode(self, value, path="") -> bytes:
        """The struct's bytes.  Members not given are zero and the struct has
        its full size; a key that is not a member is an ``EncodeError``.
        ``"_size": n`` (what decoding a short payload gives) encodes the first
        ``n`` bytes only; ``"_tail"`` (hex) is appended."""
        if not isinstance(value, dict):
            raise EncodeError(f"{path}: struct {self.name} needs a dict, got {type(value).__name__}")
        if self.flat and len(value) == self._nfixed and value.keys() >= self._fixed_set:
            # the fast path: exactly the members, nothing else
            if self._plain:
                vals = [value[n] for n in self.fixed_names]
            else:
                vals = [value[n] if fn is None else fn(value[n], f"{path}.{n}")
                        for n, fn in self._enc_plan]
            try:
                return self.st.pack(*vals)
            except _struct.error:
                pass        # _encode_general names the member and what is wrong with it
        extra = [k for k in value if k not in self._known]
        if extra:
            k = extra[0]
            raise EncodeError(f"{_join(path, k)}: no such member (the members are "
                              f"{', '.join(self.names)})")
        value = self._counted(value, path)
        out = None
        if self.flat and value.keys() >= self._fixed_set:
            # every fixed member given (tc_u32_sel before its keys): packed at once
            try:
                out = self.st.pack(*(value[n] if fn is None else fn(value[n], f"{path}.{n}")
                                     for n, fn in self._enc_plan))
            except (_struct.error, EncodeError):
                out = None      # _encode_general names the member and what is wrong
        if out is None:
            out = self._encode_general(self.fixed_fields, value, path)
        if self.variable:
            out += self._encode_variable(value, path)
        size = value.get("_size")
        if size is not None:
            out = self._shortened(out, value, size, path)
        tail = value.get("_tail")
        if tail:
            out += parse_bytes(tail, None, _join(path, "_tail"))
        return out

    def _counted(self, value, path):
        """Count members of variable arrays (``nkeys`` of ``keys``): filled in
        when left out, checked when given."""
        for f in self.variable:
            if f.kind != "vararray" or f.name not in value:
                continue
            items = value[f.name]
            if not isinstance(items, (list, tuple)):
                raise EncodeError(f"{_join(path, f.name)}: needs a list, got "
                                  f"{type(items).__name__}")
            n = value.get(f.count_field)
            if n is None:
                value = {**value, f.count_field: len(items)}
            elif n != len(items):
                raise EncodeError(f"{_join(path, f.count_field)}: {n!r}, but {f.name} has "
                                  f"{len(items)} elements")
        return value

    def _shortened(self, out, value, size, path):
        """The first ``size`` bytes of a struct decoded short from the wire."""
        ends, acc, bounds = {}, 0, {0}
        for f in self.fixed_fields:
            acc += self._fixed_size(f)
            bounds.add(acc)             # a padding member's end too, as decode takes it
            if f.kind != "pad":
                ends[f.name] = acc
        # an empty payload (_size 0) is a boundary of every struct; a struct
        # with a variable part decodes short at any boundary of its fixed
        # part too (_decode_partial), without that part
        if not isinstance(size, int) or isinstance(size, bool) or size not in bounds:
            raise EncodeError(f"{_join(path, '_size')}: {size!r} is not a member boundary of "
                              f"{self.name} (one of {', '.join(map(str, sorted(bounds)))})")
        beyond = [n for n, e in ends.items() if e > size and n in value]
        beyond += [f.name for f in self.variable if value.get(f.name)]
        if beyond:
            raise EncodeError(f"{_join(path, beyond[0])}: lies beyond _size {size} of "
                              f"{self.name} (drop _size to send the whole struct)")
        return out[:size]

    def _plan(self):
        self._enc_convs = dict(self._enc_conv())
        self._enc_plan = [(n, self._enc_convs.get(n)) for n in self.fixed_names]
        self._plain = not self._enc_convs

    def field(self, name):
        """The member called ``name`` (None if there is none)."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def bind_names(self, resolve) -> None:
        """Give int members with an enum or tc hint their ``Names``:
        ``resolve(hint)`` returns them (or None); nested layouts too."""
        changed = False
        for f in self.fields:
            sub = f.sub if isinstance(f.sub, Layout) else None
            if sub is not None:
                sub.bind_names(resolve)
            target = f.sub if f.kind in ("array", "vararray", "greedy") and \
                isinstance(f.sub, Field) else f
            if target.kind == "int" and target.hint and target.names is None:
                target.names = resolve(target.hint)
                changed = changed or target.names is not None
        if changed and self.flat:
            self._plan()

    def _enc_conv(self):
        for f in self.fixed_fields:
            if f.kind == "bytes":
                yield f.name, _bytes_encoder(f)
            elif f.kind == "int" and self.flat:
                mixed = f.order != self.order and f.size > 1
                if mixed or (f.hint in INT_IP_HINTS and f.size == 4) or f.names is not None:
                    yield f.name, _int_encoder(f, as_bytes=mixed)

    def _encode_general(self, fields, value, path):
        out = bytearray()
        for f in fields:
            if f.kind == "pad":
                out += bytes(f.size)
                continue
            if f.name not in value:
                out += bytes(self._fixed_size(f))       # members not given are zero
                continue
            v = value[f.name]
            p = _join(path, f.name)
            if f.kind == "struct":
                out += f.sub.encode(v, p)
            elif f.kind == "array":
                if not isinstance(v, (list, tuple)) or len(v) != f.count:
                    raise EncodeError(f"{p}: needs a list of {f.count}, got {v!r}")
                for x in v:
                    out += _encode_elem(f.sub, x, p)
            else:
                out += _encode_scalar(f, v, p)
        return bytes(out)

    def _encode_variable(self, value, path):
        out = bytearray()
        for f in self.variable:
            v = value.get(f.name, [])
            sub = f.sub
            if type(v) is list and not isinstance(sub, Layout) and sub.kind == "int" and \
                    not sub.hint and all(type(x) is int for x in v):
                try:        # plain integers (rate tables: 256 u32) packed at once
                    out += _int_array_struct(sub, len(v)).pack(*v)
                    continue
                except _struct.error:
                    pass    # one element at a time: the error names it
            for x in v:
                out += _encode_elem(sub, x, f"{path}.{f.name}")
        return bytes(out)


_DISPLAY_MAX = 24      # members: up to this many a dict display, more a template copied (measured)


def _dict_maker(unpack, names, conv):
    """dec(buf, off) -> the dict of a flat struct's fixed part, whole: one
    unpack and the members' conversions in one generated function.  A dict
    display of constant keys builds a small dict in about half the time of
    dict(zip()) and the conversion loop; for a large one, a copy of a
    template dict with its values replaced is the faster (10% less than
    dict(zip()); Python 3.11, measured)."""
    ns = {"unpack": unpack, "names": tuple(names), "template": dict.fromkeys(names)}
    convs = dict(conv)
    if len(names) > _DISPLAY_MAX:
        # a copy of a dict of the same keys, its values replaced: no resizing
        body = "    d = template.copy()\n    d.update(zip(names, unpack(buf, off)))\n"
        for i, name in enumerate(names):
            if name in convs:
                ns[f"c{i}"] = convs[name]
                body += f"    d[{name!r}] = c{i}(d[{name!r}])\n"
        body += "    return d\n"
    else:
        items = []
        for i, name in enumerate(names):
            if name in convs:
                ns[f"c{i}"] = convs[name]
                items.append(f"{name!r}: c{i}(t[{i}])")
            else:
                items.append(f"{name!r}: t[{i}]")
        body = f"    t = unpack(buf, off)\n    return {{{', '.join(items)}}}\n"
    exec(f"def dec(buf, off):\n{body}", ns)      # noqa: S102 - from the layout's own names
    return ns["dec"]


def _join(path, name):
    return f"{path}.{name}" if path else name


def _from_bytes(f):
    signed = f.signed
    order = "big" if f.order == ">" else "little"
    return lambda b: int.from_bytes(b, order, signed=signed)


def _int_ip(f):
    order = "big" if f.order == ">" else "little"
    text = TEXT_OF["ipv4"]
    return lambda v: text(v.to_bytes(4, order))


def _bytes_encoder(f):
    hint, size = f.hint, f.size

    def enc(v, p):
        b = parse_bytes(v, hint, p)
        if len(b) != size:
            raise EncodeError(f"{p}: needs {size} bytes, got {len(b)}")
        return b
    return enc


def _int_encoder(f, as_bytes):
    order = "big" if f.order == ">" else "little"

    def enc(v, p):
        if isinstance(v, str) and f.hint in INT_IP_HINTS:
            b = parse_bytes(v, "ipv4", p)
            v = int.from_bytes(b, order)
        elif f.names is not None and type(v) is not int:
            v = fit(f.names.parse(v, p), f.size, f.signed)
        if as_bytes:
            if isinstance(v, bool):
                v = int(v)
            if not isinstance(v, int):
                raise EncodeError(f"{p}: expected an integer, got {v!r}")
            try:
                return v.to_bytes(f.size, order, signed=f.signed)
            except OverflowError:
                raise EncodeError(f"{p}: {v} does not fit in {f.size} bytes") from None
        return v
    return enc


def _scalar(f, buf, pos):
    if f.kind == "int":
        v = int.from_bytes(buf[pos:pos + f.size], "big" if f.order == ">" else "little",
                           signed=f.signed)
        if f.hint in INT_IP_HINTS and f.size == 4:
            return TEXT_OF["ipv4"](v.to_bytes(4, "big" if f.order == ">" else "little"))
        return v
    if f.kind == "bool":
        return buf[pos] != 0
    return TEXT_OF.get(f.hint, TEXT_OF[None])(bytes(buf[pos:pos + f.size]))


def _encode_scalar(f, v, p):
    if f.kind == "int":
        if isinstance(v, str) and f.hint in INT_IP_HINTS:
            v = int.from_bytes(parse_bytes(v, "ipv4", p), "big" if f.order == ">" else "little")
        elif f.names is not None and type(v) is not int:
            v = fit(f.names.parse(v, p), f.size, f.signed)
        if isinstance(v, bool):
            v = int(v)
        if not isinstance(v, int):
            raise EncodeError(f"{p}: expected an integer, got {v!r}")
        try:
            return v.to_bytes(f.size, "big" if f.order == ">" else "little", signed=f.signed)
        except OverflowError:
            raise EncodeError(f"{p}: {v} does not fit in {f.size * 8} "
                              f"{'signed ' if f.signed else ''}bits") from None
    if f.kind == "bool":
        return b"\x01" if v else b"\x00"
    return _bytes_encoder(f)(v, p)


_array_structs: dict = {}


def _int_array_struct(sub, n):
    key = (sub.order, n, sub.size, sub.signed)
    st = _array_structs.get(key)
    if st is None:
        ch = _INT_CHARS[sub.size]
        st = _array_structs[key] = _struct.Struct(f"{sub.order}{n}{ch.lower() if sub.signed else ch}")
    return st


def _int_array(sub, n, buf, pos):
    """n integers at once (inet/inet6 conf arrays, stats, upcall pids)."""
    return list(_int_array_struct(sub, n).unpack_from(buf, pos))


def _decode_elems(sub, n, buf, pos, end, path, name):
    size = sub.size
    if pos + n * size > end:
        raise DecodeError(f"{name}: {n} elements of {size} bytes overrun the payload",
                          path=path, offset=pos)
    if isinstance(sub, Layout):
        out = []
        for _ in range(n):
            out.append(sub.decode(buf, pos, pos + size, path))
            pos += size
        return out, pos
    if sub.kind == "int" and not sub.hint:
        return _int_array(sub, n, buf, pos), pos + n * size
    out = []
    for _ in range(n):
        out.append(_scalar(sub, buf, pos))
        pos += size
    return out, pos


def _encode_elem(sub, x, p):
    if isinstance(sub, Layout):
        return sub.encode(x, p)
    return _encode_scalar(sub, x, p)


_cache: dict[int, Layout] = {}


def compile_struct(st, name: str = "") -> Layout:
    """Compile (once) a construct ``Struct`` into a ``Layout``; a
    ``StructRef`` (a bundled spec's struct, from the spec cache) is
    compiled already."""
    if type(st) is StructRef:
        return st._layout
    lay = _cache.get(id(st))
    if lay is not None and lay._src is st:
        return lay
    C = _construct()
    if not isinstance(st, C.Struct):
        _, _, inner = _unwrap(st)
        if not isinstance(inner, C.Struct):
            raise SpecError(f"{name}: expected a construct Struct, got {st!r}")
        st = inner
    fields = [_field_of(sc, name or "struct") for sc in st.subcons]
    lay = Layout(fields, name or "struct")
    lay._src = st
    _cache[id(st)] = lay
    return lay


# -- compiled layouts in the spec cache ---------------------------------------------


def layout_state(lay: Layout):
    """A layout as plain data (what the spec cache stores): its name and
    fields; a field's names are bound per process when its family is
    compiled (``Layout.bind_names``), so they are not part of it."""
    return (lay.name, tuple(_field_state(f) for f in lay.fields))


def _field_state(f):
    sub = f.sub
    if isinstance(sub, Layout):
        sub = ("L", layout_state(sub))
    elif isinstance(sub, Field):
        sub = ("F", _field_state(sub))
    return (f.name, f.kind, f.size, f.order, f.signed, f.hint, sub, f.count, f.count_field)


def layout_from_state(state) -> Layout:
    name, fields = state
    lay = Layout([_field_from_state(f) for f in fields], name)
    lay._src = None
    return lay


def _field_from_state(t):
    name, kind, size, order, signed, hint, sub, count, count_field = t
    if sub is not None:
        sub = layout_from_state(sub[1]) if sub[0] == "L" else _field_from_state(sub[1])
    return Field(name, kind, size, order=order, signed=signed, hint=hint, sub=sub, count=count,
                 count_field=count_field)


class StructRef:
    """A bundled spec's construct struct as the spec cache keeps it: its
    ``Layout`` (what the codecs use; built from its plain-data state when
    first compiled) and where the struct is defined.  Anything else asked of it (``sizeof()``, ``subcons``,
    ``isinstance(x, construct.Struct)``) loads the real struct from its spec
    module first, and from then on ``compile_struct`` of that real struct
    gives this same layout."""

    __slots__ = ("_ref", "_state", "_lay", "_real")

    def __init__(self, ref, state):
        self._ref = ref
        self._state = state
        self._lay = None
        self._real = None

    @property
    def _layout(self) -> Layout:
        lay = self._lay
        if lay is None:
            lay = self._lay = layout_from_state(self._state)
        return lay

    def _resolve(self):
        if self._real is None:
            from .spec_cache import resolve
            self._adopt(resolve(self._ref))
        return self._real

    def _adopt(self, real):
        """``real`` is the construct struct this stands for."""
        if self._real is None:
            self._real = real
            lay = self._layout
            lay._src = real
            _cache[id(real)] = lay

    def __getattr__(self, name):
        if name.startswith("__") or name in StructRef.__slots__:
            raise AttributeError(name)
        return getattr(self._resolve(), name)

    def __repr__(self):
        return f"<struct {self._state[0]} from specs/{self._ref[0]}.py>"

    def __reduce__(self):
        return (_real_struct, (self._ref,))

    # construct's operators on a struct ("name" / st, st * "doc", st[n])
    def __rtruediv__(self, other):
        return other / self._resolve()

    def __mul__(self, other):
        return self._resolve() * other

    def __rmul__(self, other):
        return other * self._resolve()

    def __getitem__(self, n):
        return self._resolve()[n]


def real_struct(st):
    """The construct struct itself, of a ``StructRef`` or a struct."""
    return st._resolve() if type(st) is StructRef else st


def _real_struct(ref):
    from .spec_cache import resolve
    return resolve(ref)
