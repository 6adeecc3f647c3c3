"""The pure-Python codec: attribute streams <-> plain Python values.

This is the reference semantics; the C core (``_native/``) must give the same
result for every input (``tests/test_differential.py``).

Decoded form of an attribute set: a dict, in wire order, ``name -> value``.
Kept only when needed to re-encode byte for byte:

- ``"_flags": {name: bits}``: NLA_F_NESTED / NLA_F_NET_BYTEORDER bits that
  differ from what our encoder would set (``"name[]"`` for the elements of
  an indexed array: one value, or a list by element when they differ);
- ``"_repeated": [name, ...]``: a non multi-attr attribute seen more than
  once; its value is then the list of occurrences;
- ``"_raw": {name: hex}``: a payload whose canonical encoding differs (a
  string without its NUL, or with bytes after it; a struct whose padding is
  not zero; an indexed array, type-value nest or records whose elements
  carry such bytes, padding that is not zero or cut short, or repeated
  keys); for a multi-attr or repeated attribute a list, one entry (hex or
  None) per occurrence;
- ``"_pad": {position: hex}``: non-zero padding after the attribute at that
  position (0-based, in wire order) of this set; for the last attribute also
  padding cut short by the end of the set (a nest whose nla_len leaves it
  out: ``""`` when none of it is there);
- ``"_order": [name, ...]``: the names in wire order, when repeated
  attributes interleave with others (OVS actions: ``output, set, output``);
- unknown attributes appear under their number (``"27": "0a0b"``).
"""

from __future__ import annotations

import struct
import threading
from functools import partial

from . import nla
from .errors import DecodeError, EncodeError
from .nla import SHORT as _SHORT, align as _align, header_error as _header_error
from .tables import (K_BINARY, K_FLAG, K_INDEXED, K_INT, K_NEST, K_PAD, K_RECORDS, K_STRING,
                     K_STRUCT, K_SUBMSG, K_TYPEVALUE, NLA_TYPE_MASK, CAttr, CSet)
from .values import INT_IP_HINTS, TEXT_OF, fit, parse_bytes

MAX_DEPTH = 32          # nests deeper than this are refused (nesting bombs)

_hdr = struct.Struct("<HH")
_unpack_hdr = _hdr.unpack_from
_INT_FMT = {}
for _size, _ch in ((1, "B"), (2, "H"), (4, "I"), (8, "Q")):
    for _big in (False, True):
        for _signed in (False, True):
            _INT_FMT[(_size, _big, _signed)] = struct.Struct(
                (">" if _big else "<") + (_ch.lower() if _signed else _ch))


def _path(path, name):
    return f"{path}.{name}" if path else name


# --------------------------------------------------------------------------
# decode


def decode_set(cs: CSet, buf, off: int, end: int, path: str = "", depth: int = 0,
               kernel: bool = False) -> dict:
    """Decode the attributes in ``buf[off:end]`` with attribute set ``cs``."""
    if depth > MAX_DEPTH:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH}", path=path or cs.name, offset=off)
    if kernel and cs.kernel_variant is not None:
        cs = cs.kernel_variant
    if not path:
        path = cs.name
    by_id = cs.by_id
    fast = cs.fast
    if fast is None:
        fast = _fast_table(cs)
    d = {}
    # order: the names in wire order, kept when repeats interleave: made at the
    # first repeat (until then it is list(d): every name once, in wire order)
    flags_rec = repeated = raw = pad = sel_cache = order = None
    interleaved = False
    start = off
    while off < end:
        f = fast.get(_unpack_word(buf, off)[0]) if end - off >= 4 else None
        if f is not None:
            # the common cases, whole: a fixed-size int or a flat struct of its
            # size (or longer, a string, a binary value, of a length seen before
            # in this set: learnt), with the NLA flag bits our encoder sets
            # (_fast_table: the key is the whole header, nla_len and nla_type),
            # seen the first time
            name, fn, pend, st, run = f
            if run is not None and off + run[0] <= end and run[1](buf, off) == run[2] and \
                    d.keys().isdisjoint(run[3]):
                # a run of such ints as seen before (_learn_runs), all at once
                d.update(zip(run[3], run[4](buf, off)))
                off += run[0]
                continue
            pend += off
            if pend <= end and name not in d:
                try:
                    d[name] = fn(buf, off + 4)[0] if st else fn(buf, off + 4)
                except _NotPlain:       # a string learnt (_learn_text) that is not plain
                    pass
                else:
                    off = (pend + 3) & ~3
                    if off > pend and (off > end or buf[pend:off] != _ZEROS[off - pend]):
                        if pad is None:
                            pad = {}
                        pad[str((len(d) if order is None else len(order)) - 1)] = \
                            bytes(buf[pend:min(off, end)]).hex()
                    continue
        # the header test _elements makes, inline: a generator here costs this
        # loop about 18% (measured); the error's wording is nla.header_error's
        nla_len, nla_type = _unpack_hdr(buf, off) if end - off >= 4 else _SHORT
        pend = off + nla_len
        if nla_len < 4 or pend > end:
            raise _header_error(buf, off, end, path)
        t = nla_type & NLA_TYPE_MASK
        a = by_id.get(t)
        if a is None:
            name = str(t)
            value = bytes(buf[off + 4:pend]).hex()
            want = 0
        else:
            name = a.name
            want = a.flags
            kind = a.kind
            if kind == K_INT:
                size = a.size
                if size and pend - off - 4 == size and a.hint not in INT_IP_HINTS:
                    # the common case of _dec_int, inline (a call per int is ~8% of a link dump)
                    value = _INT_FMT[(size, a.big, a.signed)].unpack_from(buf, off + 4)[0]
                else:
                    value = _dec_int(a, buf, off + 4, pend, path)
                if size == 0 and pend - off == 12 and _fits4(value):
                    # a uint/sint in 8 bytes whose value fits in 4 (nla_put_uint
                    # writes 4 then): kept raw, re-encoding would shorten it
                    if raw is None:
                        raw = []
                    raw.append((name, _occurrence(order, d, name), bytes(buf[off + 4:pend]).hex()))
            elif kind == K_NEST:
                # a nest without a fixed header, inline (_dec_nest's common case);
                # an empty one (a link's devlink_port, dpll_pin) is {} as decode_set gives
                if a.header is not None or a.set is None:
                    value = _dec_nest(a, a.set, a.header, buf, off + 4, pend, path, depth, kernel)
                elif pend == off + 4 and depth < MAX_DEPTH:
                    value = {}
                else:
                    value = decode_set(a.set, buf, off + 4, pend, f"{path}.{name}", depth + 1,
                                       kernel)
            elif kind == K_STRING:
                b = bytes(buf[off + 4:pend])
                n = b.find(0)
                text = b[:n] if n >= 0 else b
                value = text.decode("utf-8", "replace")
                if n < 0 or n != len(b) - 1 or value.encode() != text:
                    if raw is None:
                        raw = []
                    raw.append((name, _occurrence(order, d, name), b.hex()))
                elif not a.multi and nla_type & 0xC000 == want:
                    _learn_text(fast, nla_len, nla_type, name, partial(_plain_string, nla_len - 4))
            elif kind == K_BINARY:
                n = pend - off - 4
                if (a.min_len is not None and n < a.min_len) or (a.max_len is not None and n > a.max_len):
                    raise DecodeError(f"length {n} outside {a.min_len}..{a.max_len}",
                                      path=_path(path, name), offset=off)
                value = TEXT_OF[a.hint](bytes(buf[off + 4:pend]))
                if not a.multi and nla_type & 0xC000 == want:
                    _learn_text(fast, nla_len, nla_type, name,
                                partial(_binary_text, TEXT_OF[a.hint], n))
            elif kind == K_STRUCT:
                lay = a.layout
                whole = lay.flat and not lay.variable and pend - off - 4 >= lay.size
                # a whole flat struct cannot fail: its path is not needed (nor built)
                value = lay.decode(buf, off + 4, pend) if whole \
                    else lay.decode(buf, off + 4, pend, _path(path, name))
                pr = _pad_ranges.get(id(lay))       # most structs have no padding members
                if pr[0] if pr is not None else pad_ranges(lay):
                    if pad_dirty(lay, buf, off + 4, pend):
                        if raw is None:
                            raw = []
                        raw.append((name, _occurrence(order, d, name),
                                    bytes(buf[off + 4:pend]).hex()))
                elif whole and pend - off - 4 > lay.size and not a.multi and \
                        nla_type & 0xC000 == want:
                    # longer than its layout (a newer kernel's): its _tail, learnt.  Not
                    # one of exactly its size: a _tail "" would be said that is not there
                    _learn_longer(fast, nla_len, nla_type, name, lay)
            elif kind == K_FLAG:
                if pend != off + 4:
                    raise DecodeError(f"flag with {nla_len - 4} bytes of payload",
                                      path=_path(path, name), offset=off)
                value = True
            elif kind == K_INDEXED:
                value, eflags, odd = _dec_indexed(a, buf, off + 4, pend, path, depth, kernel)
                key = name + "[]"
                if name in d:
                    # a repeat: its elements' flags must be the ones recorded
                    odd = odd or eflags != (flags_rec or {}).get(key, want)
                elif eflags != want:
                    if flags_rec is None:
                        flags_rec = {}
                    flags_rec[key] = eflags
                if odd:
                    if raw is None:
                        raw = []
                    raw.append((name, _occurrence(order, d, name), bytes(buf[off + 4:pend]).hex()))
            elif kind == K_SUBMSG:
                if sel_cache is None:
                    sel_cache = {}
                value = _dec_submsg(a, d, repeated, by_id, buf, off + 4, pend, end, path, depth,
                                    kernel, sel_cache)
            elif kind in (K_TYPEVALUE, K_RECORDS):
                if kind == K_TYPEVALUE:
                    value, odd = _dec_typevalue(a, buf, off + 4, pend, path, depth, kernel)
                else:
                    value, odd = _dec_records(a, buf, off + 4, pend, path, depth, kernel)
                if odd:         # what the decoded form cannot say: the payload as it came
                    if raw is None:
                        raw = []
                    raw.append((name, _occurrence(order, d, name), bytes(buf[off + 4:pend]).hex()))
            else:  # K_PAD
                value = None
                if pend > off + 4:
                    if raw is None:
                        raw = []
                    raw.append((name, _occurrence(order, d, name), bytes(buf[off + 4:pend]).hex()))
        fl = nla_type & 0xC000
        if name in d:
            # a repeat: flags that differ between occurrences go by occurrence
            if order is None:
                order = list(d)
                fast = {}       # the fast path keeps no order: the rest goes the long way
            prev = flags_rec.get(name, want) if flags_rec is not None else want
            if type(prev) is list:
                prev.append(fl)
            elif fl != prev:
                if flags_rec is None:
                    flags_rec = {}
                v = d[name]
                k = len(v) if (a is not None and a.multi) or (repeated and name in repeated) \
                    else 1
                flags_rec[name] = [prev] * k + [fl]
            if name != order[-1]:
                interleaved = True
            order.append(name)
            if a is not None and a.multi:
                d[name].append(value)
            else:
                if repeated is None:
                    repeated = []
                if name not in repeated:
                    repeated.append(name)
                    d[name] = [d[name]]
                d[name].append(value)
        else:
            if fl != want:
                if flags_rec is None:
                    flags_rec = {}
                flags_rec[name] = fl
            if order is not None:
                order.append(name)
            if a is not None and a.multi:
                d[name] = [value]
            else:
                d[name] = value
        off = (pend + 3) & ~3       # _align (nla.align), inline: one call less per attribute
        # padding that is not zero, or cut short by the end of the set (a nest
        # whose nla_len leaves out its last attribute's padding)
        if off > pend and (off > end or buf[pend:off] != _ZEROS[off - pend]):
            if pad is None:
                pad = {}
            pad[str((len(d) if order is None else len(order)) - 1)] = \
                bytes(buf[pend:min(off, end)]).hex()
    if flags_rec is not None:
        d["_flags"] = flags_rec
    if repeated is not None:
        d["_repeated"] = repeated
    if raw is not None:
        d["_raw"] = _raw_form(raw, d, by_id, repeated)
    if interleaved:
        d["_order"] = order
    if pad is not None:
        d["_pad"] = pad
    if fast.get(None):
        _learn_runs(cs, fast, buf, start, end)
    return d


_ZEROS = (b"", b"\0", b"\0\0", b"\0\0\0")     # padding that is all zero, by length
_unpack_word = struct.Struct("<I").unpack_from      # an attribute header as one number


_FAST_MAX = 256     # entries of a set's fast table, at most (its lengths learnt: bounded)


def _learn_longer(fast, nla_len, nla_type, name, lay):
    """A flat struct (no padding members) longer than its layout (a newer
    kernel's, the rest is ``_tail``), seen once: its header word goes into its
    set's fast table (``_fast_table``), so the next one with this length takes
    the fast path too.  The table stays bounded: not past _FAST_MAX entries."""
    if len(fast) < _FAST_MAX:
        fast[nla_len | nla_type << 16] = (
            name, partial(_with_tail, lay.decoder(), lay.size, nla_len - 4), nla_len, False,
            None)


def _learn_text(fast, nla_len, nla_type, name, fn):
    """A string or binary attribute seen with this header (its length, the
    flag bits our encoder sets), as plain as the fast path takes it: into its
    set's fast table, bounded as _learn_longer's."""
    key = nla_len | nla_type << 16
    if key not in fast and len(fast) < _FAST_MAX:
        fast[key] = (name, fn, nla_len, False, None)


class _NotPlain(Exception):
    """A string the fast path leaves to decode_set's own (kept in ``_raw``)."""


def _plain_string(n, buf, off):
    """A string of ``n`` bytes that ends in its only NUL and is UTF-8 (a
    strict decode's text encodes to the same bytes): its text.  Else
    _NotPlain: decode_set's string path keeps it raw."""
    b = bytes(buf[off:off + n])
    if b.find(0) != n - 1:
        raise _NotPlain
    try:
        return b[:-1].decode()
    except UnicodeDecodeError:
        raise _NotPlain from None


def _binary_text(text, n, buf, off):
    return text(bytes(buf[off:off + n]))


def _with_tail(dec, size, n, buf, off):
    d = dec(buf, off)
    d["_tail"] = bytes(buf[off + size:off + n]).hex()
    return d


def _occurrence(order, d, name) -> int:
    """How many times ``name`` came before in this set (``order`` None: no
    repeat so far, every name once)."""
    if order is None:
        return 1 if name in d else 0
    return order.count(name)


def _fast_table(cs: CSet) -> dict:
    """decode_set's fast path of a set: the attribute header as one number
    (nla_len | nla_type << 16, nla_type with its flag bits) -> (name,
    decode function, nla_len, whether the function gives a tuple, run or
    None) for its fixed-size ints that decode as plain numbers (not an
    address) and its flat structs of their own size without padding members
    or variable parts (nothing to check).  One of them seen the first time
    in a set (not multi-attr), with exactly the flag bits our encoder sets,
    decodes to its value and nothing else.  decode_set adds what it learns:
    runs of ints (_learn_runs), longer structs (_learn_longer), strings and
    binary values by their length (_learn_text)."""
    out = {}
    for a in cs.attrs:
        if a.multi:
            continue
        if a.kind == K_INT and a.hint not in INT_IP_HINTS:
            # a uint/sint (size 0) in 4 bytes is a plain int too (in 8: kept
            # raw when its value fits in 4, decode_set's own way)
            ln = 4 + (a.size or 4)
            out[ln | (a.id | a.flags) << 16] = (
                a.name, _INT_FMT[(a.size or 4, a.big, a.signed)].unpack_from, ln, True, None)
        elif a.kind == K_STRUCT and a.layout.flat and not a.layout.variable and \
                not pad_ranges(a.layout) and 4 + a.layout.size <= 0xFFFF:
            ln = 4 + a.layout.size
            out[ln | (a.id | a.flags) << 16] = (a.name, a.layout.decoder(), ln, False, None)
    out[None] = _LEARN_SETS         # decodes of this set left to learn runs from
    cs.fast = out
    return out


_LEARN_SETS = 2     # a set's first decodes that learn its runs of ints
_RUN_MIN = 4        # ints in a row worth a run


def _learn_runs(cs, fast, buf, off, end):
    """Runs of plain little-endian ints one after the other in a set, as the
    kernel puts them (a link's txqlen, mtu, ... 20 of them), learnt from one
    of its first decodes: each goes into the fast table's entry of its first
    int, as (bytes, check, expected, names, values): ``check(buf, off)``
    gives every header word and the padding after each int, which must be
    ``expected`` (the same attributes, lengths and flag bits, zero padding);
    then ``values(buf, off)`` are the ints, in wire order.  A set whose
    attributes differ from what was learnt there takes the usual way."""
    fast[None] -= 1
    runs, cur = [], []
    while end - off >= 4:
        w = _unpack_word(buf, off)[0]
        nxt = ((w & 0xFFFF) + off + 3) & ~3
        f = fast.get(w)
        a = cs.by_name.get(f[0]) if f is not None and f[3] else None
        if a is not None and not a.size:
            a = None            # a uint/sint: 4 or 8 bytes, not in runs
        if a is None or a.big or nxt > end or any(x.name == a.name for x in cur):
            if len(cur) >= _RUN_MIN:
                runs.append(cur)
            cur = []
        if a is not None and not a.big and nxt <= end:
            cur.append(a)
        if (w & 0xFFFF) < 4 or nxt > end:
            break
        off = nxt
    if len(cur) >= _RUN_MIN:
        runs.append(cur)
    for run in runs:
        first = run[0]
        key = (4 + first.size) | (first.id | first.flags) << 16
        f = fast.get(key)
        if f is None or f[4] is not None:
            continue
        check, values, expected = ["<"], ["<"], []
        for a in run:
            p = (-a.size) & 3
            check.append(f"I{a.size}x{p}s" if p else f"I{a.size}x")
            values.append(f"4x{_INT_FMT[(a.size, False, a.signed)].format[1:]}{p}x")
            expected.append((4 + a.size) | (a.id | a.flags) << 16)
            if p:
                expected.append(bytes(p))
        ck = struct.Struct("".join(check))
        fast[key] = f[:4] + ((ck.size, ck.unpack_from, tuple(expected),
                              tuple(a.name for a in run),
                              struct.Struct("".join(values)).unpack_from),)


_pad_ranges: dict = {}


def pad_ranges(layout) -> tuple:
    """(start, end) of a layout's padding members, nested structs included."""
    r = _pad_ranges.get(id(layout))
    if r is None:
        out, off = [], 0
        for f in layout.fixed_fields:
            size = layout._fixed_size(f)
            if f.kind == "pad":
                out.append((off, off + size))
            elif f.kind == "struct" and f.sub is not None:
                out.extend((off + a, off + b) for a, b in pad_ranges(f.sub))
            off += size
        r = _pad_ranges[id(layout)] = (tuple(out), layout)     # the layout kept alive
    return r[0]


def pad_dirty(layout, buf, start, end) -> bool:
    """Whether a struct's padding holds anything but zeros (then its decoded
    members alone cannot give the same bytes back: it is kept raw)."""
    for a, b in pad_ranges(layout):
        if start + a < end and any(buf[start + a:min(start + b, end)]):
            return True
    return False


def header_raw(layout, hdr: dict, buf, start, end) -> dict:
    """A decoded header, with ``_raw`` (its bytes) when its padding is not zero."""
    if pad_dirty(layout, buf, start, end):
        hdr["_raw"] = bytes(buf[start:end]).hex()
    return hdr


def _raw_form(raw, d, by_id, repeated):
    """_raw: hex by name; a list by occurrence for a multi-attr or repeated
    attribute (not for an array's or records' own list)."""
    multi = {a.name for a in by_id.values() if a.multi}
    out = {}
    for name, k, hx in raw:
        if name in multi or (repeated and name in repeated):
            lst = out.get(name)
            if lst is None:
                lst = out[name] = [None] * len(d[name])
            lst[k] = hx
        else:
            out[name] = hx
    return out


def _dec_int(a: CAttr, buf, start, end, path):
    n = end - start
    size = a.size
    if size == 0:        # uint / sint: 4 or 8 bytes
        if n not in (4, 8):
            raise DecodeError(f"length {n}, expected 4 or 8", path=_path(path, a.name),
                              offset=start - 4)
        size = n
    elif n != size:
        raise DecodeError(f"length {n} != {size}", path=_path(path, a.name), offset=start - 4)
    v = _INT_FMT[(size, a.big, a.signed)].unpack_from(buf, start)[0]
    if a.hint in INT_IP_HINTS and size == 4:
        return TEXT_OF["ipv4"](bytes(buf[start:end]) if a.big else v.to_bytes(4, "big"))
    return v


def _dec_nest(a, cs, header, buf, start, end, path, depth, kernel):
    p = _path(path, a.name)
    if header is None:
        if cs is None:
            return bytes(buf[start:end]).hex()
        return decode_set(cs, buf, start, end, p, depth + 1, kernel)
    hsize = header.size
    if end - start < hsize:
        raise DecodeError(f"length {end - start} < header {hsize}", path=p, offset=start - 4)
    astart = start + _align(hsize)
    hdr = header.decode(buf, start, start + hsize, p)
    hend = min(astart, end)
    if hend < astart or any(buf[start + hsize:hend]) or pad_dirty(header, buf, start, hend):
        # padding after the header not zero, or cut short by the attribute's
        # end (tc_mqprio_qopt is 82 bytes: nla_put() of it alone has nla_len 86)
        hdr["_raw"] = bytes(buf[start:hend]).hex()
    d = {"_header": hdr}
    if cs is not None and astart < end:
        d.update(decode_set(cs, buf, astart, end, p, depth + 1, kernel))
    elif astart < end:
        d["_tail"] = bytes(buf[astart:end]).hex()
    return d


def _dec_elem(a, e, buf, start, end, p, depth, kernel):
    if e is None:
        return decode_set(a.set, buf, start, end, p, depth + 1, kernel) if a.set else \
            bytes(buf[start:end]).hex()
    if e.kind == K_INT:
        return _dec_int(e, buf, start, end, p)
    if e.kind == K_STRUCT:
        return e.layout.decode(buf, start, end, p)
    if e.kind == K_STRING:
        return bytes(buf[start:end]).split(b"\0", 1)[0].decode("utf-8", "replace")
    return TEXT_OF[e.hint](bytes(buf[start:end]))


def _fits4(v) -> bool:
    """Whether encoding a uint/sint gives 4 bytes (as nla_put_uint does)."""
    return type(v) is int and -(1 << 31) <= v < (1 << 32)


def _elem_odd(e, v, buf, start, end) -> bool:
    """Whether an array element's decoded value cannot give its bytes back
    (a string without its NUL or with bytes after it, struct padding that is
    not zero)."""
    if e is None:
        return False
    if e.kind == K_STRING:
        return bytes(buf[start:end]) != v.encode() + b"\0"
    if e.kind == K_STRUCT:
        return pad_dirty(e.layout, buf, start, end)
    if e.kind == K_INT:
        return e.size == 0 and end - start == 8 and _fits4(v)
    return False


def _pad_odd(buf, pend, end) -> bool:
    """Whether the padding after an element (of an array, a type-value nest)
    differs from what encoding writes: zeros up to 4-byte alignment."""
    nxt = _align(pend)
    return nxt > end or any(buf[pend:nxt])


def _elements(buf, off, end, p):
    """(offset, length, type) of each element attribute of an array or
    type-value nest, every header checked as decode_set checks its own."""
    while off < end:
        ln, ty = _unpack_hdr(buf, off) if end - off >= 4 else _SHORT
        if ln < 4 or off + ln > end:
            raise _header_error(buf, off, end, p)
        yield off, ln, ty
        off = _align(off + ln)


def _dec_indexed(a, buf, start, end, path, depth, kernel):
    """Indexed array: a list when the indexes run 1..n, else a dict by index.
    Returns (value, element NLA_F_* bits: one value, or a list by element
    when they differ, whether the value cannot give the bytes back)."""
    if depth + 1 > MAX_DEPTH:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH}", path=_path(path, a.name),
                          offset=start)
    p = _path(path, a.name)
    items = []
    fl = []
    odd = False
    e = a.elem
    for off, ln, ty in _elements(buf, start, end, p):
        fl.append(ty & 0xC000)
        idx = ty & NLA_TYPE_MASK
        v = _dec_elem(a, e, buf, off + 4, off + ln, f"{p}[{idx}]", depth + 1, kernel)
        items.append((idx, v))
        if not odd:
            odd = _elem_odd(e, v, buf, off + 4, off + ln) or _pad_odd(buf, off + ln, end)
    eflags = a.flags if not fl else fl[0] if fl.count(fl[0]) == len(fl) else fl
    if all(idx == i + 1 for i, (idx, _) in enumerate(items)):
        return [v for _, v in items], eflags, odd
    out = {str(idx): v for idx, v in items}
    return out, eflags, odd or len(out) != len(items)       # an index twice


def _dec_typevalue(a, buf, start, end, path, depth, kernel, level=1):
    """Nests keyed by their type: ``{"3": {...}}``, ``a.levels`` deep.
    Returns (value, whether it cannot give the bytes back: NLA_F_* bits other
    than the spec's, padding not zero or cut short, a type twice)."""
    if depth + 1 > MAX_DEPTH:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH}", path=_path(path, a.name),
                          offset=start)
    p = _path(path, a.name)
    out = {}
    n = 0
    odd = False
    for off, ln, ty in _elements(buf, start, end, p):
        key = str(ty & NLA_TYPE_MASK)
        if level < a.levels:
            out[key], sub = _dec_typevalue(a, buf, off + 4, off + ln, f"{p}[{key}]", depth + 1,
                                           kernel, level + 1)
            odd = odd or sub
        else:
            out[key] = _dec_elem(a, None, buf, off + 4, off + ln, f"{p}[{key}]", depth + 1,
                                 kernel)
        n += 1
        odd = odd or ty & 0xC000 != a.flags or _pad_odd(buf, off + ln, end)
    return out, odd or len(out) != n


def _dec_records(a, buf, start, end, path, depth, kernel):
    """Records (RTA_MULTIPATH): ``[{"_header": {...}, attr: value, ...}, ...]``.

    The header's first member is the record length; it is left out of the
    decoded header when re-encoding computes it (a multiple of 4 covering the
    header and the attributes), and kept when it differs.  Returns (value,
    whether it cannot give the bytes back: header padding or padding between
    records not zero, padding after the last record)."""
    if depth + 1 > MAX_DEPTH:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH}", path=_path(path, a.name),
                          offset=start)
    p = _path(path, a.name)
    header = a.header
    hsize = header.size
    hal = _align(hsize)
    lname = header.fixed_names[0]
    out = []
    odd = False
    off = start
    while off < end:
        rp = f"{p}[{len(out)}]"
        if end - off < hsize:
            raise DecodeError(f"{end - off} bytes left, too short for a record header "
                              f"({hsize} bytes)", path=rp, offset=off)
        h = header.decode(buf, off, off + hsize, rp)
        ln = h[lname]
        if ln < hsize or off + ln > end:
            raise DecodeError(f"record length {ln} outside {hsize}..{end - off}", path=rp,
                              offset=off)
        if ln >= hal and ln & 3 == 0:
            del h[lname]
        rec = {"_header": h}
        if off + hal < off + ln:
            rec.update(decode_set(a.set, buf, off + hal, off + ln, rp, depth + 1, kernel)
                       if a.set is not None else {"_tail": bytes(buf[off + hal:off + ln]).hex()})
            pad = rec.get("_pad")
            if pad and ln & 3:
                # the record's length (kept in its header) already cuts the last
                # attribute's padding short: _pad keeps only bytes that are not zero
                last = max(pad, key=int)
                if not any(bytes.fromhex(pad[last])):
                    del pad[last]
                    if not pad:
                        del rec["_pad"]
        out.append(rec)
        nxt = _align(off + ln)
        odd = odd or pad_dirty(header, buf, off, off + hsize) or \
            any(buf[off + hsize:min(off + hal, off + ln)]) or \
            (any(buf[off + ln:nxt]) if nxt < end else end != off + ln)
        off = nxt
    return out, odd


def find_selector(d, repeated, by_id, selector, buf, after, end, cache):
    """The value of the first occurrence of the selector attribute in this set:
    decoded already, or found by scanning forward (once per set: linear)."""
    if selector in cache:
        return cache[selector]
    if selector in d:
        v = d[selector]
        if repeated and selector in repeated:
            v = v[0]
    else:
        v = _scan_selector(by_id, selector, buf, after, end)
    if not isinstance(v, (str, int)):
        v = None
    cache[selector] = v
    return v


def _scan_selector(by_id, selector, buf, off, end):
    sel = next((x for x in by_id.values() if x.name == selector), None)
    if sel is None:
        return None
    for at in nla.Attributes(buf, off, end):     # lenient: a bad header ends the scan
        if at.type == sel.id:
            if sel.kind == K_STRING:
                return at.payload.split(b"\0", 1)[0].decode("utf-8", "replace")
            if sel.kind == K_INT:
                try:
                    return _dec_int(sel, buf, at.offset + 4, at.offset + at.length, "")
                except DecodeError:
                    return None
            return None
    return None


def _dec_submsg(a, d, repeated, by_id, buf, start, end, set_end, path, depth, kernel, cache):
    key = find_selector(d, repeated, by_id, a.selector, buf, _align(end), set_end, cache)
    fmt = a.formats.get(key) if key is not None else None
    if fmt is None:
        return bytes(buf[start:end]).hex()
    if fmt[0] == "nest":
        return _dec_nest(a, fmt[1], fmt[2], buf, start, end, path, depth, kernel)
    if fmt[0] == "struct":
        return fmt[1].decode(buf, start, end, _path(path, a.name))
    if start != end:   # ("none",): the format has no payload
        return bytes(buf[start:end]).hex()
    return None


# --------------------------------------------------------------------------
# encode


def _type_num(key, p):
    """An attribute type given as a dict key (``"7"`` or 7): a number that fits the 14
    bits of nla_type below its NLA_F_* flags, or EncodeError."""
    try:
        t = int(key)
    except (TypeError, ValueError):
        raise EncodeError(f"{p}: attribute type {key!r} is not a number") from None
    if not 0 <= t <= NLA_TYPE_MASK:
        raise EncodeError(f"{p}: attribute type {t} is out of range (0..{NLA_TYPE_MASK})")
    return t


def _attr_hdr(t, payload):
    n = 4 + len(payload)
    if n > 0xFFFF:
        raise EncodeError(f"attribute type {t & NLA_TYPE_MASK}: {len(payload)} bytes of payload "
                          f"do not fit in nla_len (at most 65531)")
    return _hdr.pack(n, t) + payload + b"\0" * ((-n) & 3)


class _Mode(threading.local):
    kernel = False      # a class default: reading it costs no failed lookup per encode


_mode = _Mode()


class kernel_encoding:
    """Within it, encoding uses each set's kernel variant, as decoding with
    ``kernel=True`` does (the kernel's internal forms: OVS action lists)."""

    def __enter__(self):
        self.old = _mode.kernel
        _mode.kernel = True

    def __exit__(self, *exc):
        _mode.kernel = self.old


def encoding_kernel() -> bool:
    return _mode.kernel


def encode_set(cs: CSet, d, path: str = "", depth: int = 0) -> bytes:
    """Encode a dict (as ``decode_set`` gives, or natural values) to attributes.
    Nesting is counted as ``decode_set`` counts it: what the decoder would
    refuse (deeper than MAX_DEPTH) is refused here too."""
    if not isinstance(d, dict):
        raise EncodeError(f"{path or cs.name}: attributes must be a dict, got {type(d).__name__}")
    path = path or cs.name
    if depth > MAX_DEPTH:
        raise EncodeError(f"{path}: nesting deeper than {MAX_DEPTH} (the decoder refuses it)")
    if cs.kernel_variant is not None and _mode.kernel:
        cs = cs.kernel_variant
    if cs.masks:
        d = _masked(cs, d, path)
    out = _plain(cs, d, path, depth)
    if out is not None:
        return out
    flags_rec = d.get("_flags") or {}
    repeated = d.get("_repeated") or ()
    raw = d.get("_raw") or {}
    pad = d.get("_pad")
    out = []
    occ = {}                # occurrences of each name so far: its _raw entry
    for key, value in _occurrences(cs, d, repeated, path):
        if key[:1] == "_":
            continue
        a = cs.by_name.get(key)
        if a is None:
            if key.isdigit():
                t = _type_num(key, _path(path, key))
                vals = value if key in repeated and isinstance(value, list) else (value,)
                fr = flags_rec.get(key, 0)
                for v in vals:
                    k = occ.get(key, 0)
                    occ[key] = k + 1
                    payload = parse_bytes(v, None, _path(path, key))
                    out.append(_attr_hdr(t | _occ_flags(fr, k, 0), payload))
                continue
            k = key.lower().replace("-", "_")       # UAPI names, YNL's dashed names
            a = cs.by_name.get(k) or cs.by_name.get(cs.prefix + k.upper())
            if a is None:
                from .spec import did_you_mean
                raise EncodeError(f"{_path(path, key)}: no such attribute in {cs.name}"
                                  f"{did_you_mean(k, [x.name for x in cs.attrs])}")
        fr = flags_rec.get(key, a.flags)
        t = a.id | (fr if type(fr) is not list else 0)
        if a.kind == K_FLAG and not (a.multi or key in repeated):
            if value:
                out.append(_attr_hdr(t, b""))
            continue
        if value is None and a.kind not in (K_PAD, K_SUBMSG):
            continue
        many = a.multi or key in repeated
        if many and not isinstance(value, (list, tuple)):
            raise EncodeError(f"{_path(path, key)}: multi-attr needs a list")
        r = raw.get(key)
        for v in (value if many else (value,)):
            k = occ.get(key, 0)
            occ[key] = k + 1
            if r is not None and not many and isinstance(r, str):
                payload = _raw_bytes(r, path, key)
            elif many and isinstance(r, list) and k < len(r) and r[k] is not None:
                payload = _raw_bytes(r[k], path, key)
            elif a.kind == K_FLAG:
                if not v:
                    continue
                payload = b""
            else:
                payload = _enc_value(a, v, d, cs, path, flags_rec, depth)
            out.append(_attr_hdr(t if type(fr) is not list else a.id | _occ_flags(fr, k, a.flags),
                                 payload))
    if pad:
        _apply_pad(out, pad, path)
    return b"".join(out)


_NO_FLAGS: dict = {}


def _plain(cs, d, path, depth):
    """encode_set's common case, at less cost per attribute: every key one of
    the set's names, no bookkeeping keys.  None: anything else (the general
    loop encodes it and raises the errors)."""
    if "_flags" in d or "_raw" in d or "_repeated" in d or "_order" in d or "_pad" in d:
        return None         # (they change how the other keys encode: checked first)
    by_name = cs.by_name
    out = []
    for key, value in d.items():
        a = by_name.get(key)
        if a is None or a.name != key:      # "_flags", numbers, UAPI names
            return None
        kind = a.kind
        if kind == K_FLAG:
            if a.multi:
                return None
            if value:
                out.append(_attr_hdr(a.id | a.flags, b""))
            continue
        if value is None and kind != K_PAD and kind != K_SUBMSG:
            continue
        if kind == K_INT and type(value) is int:
            pk = _int_attr.get(a)
            if pk is None:
                pk = _int_packer(a)
            if pk is not False:
                try:
                    out.append(pk(value))
                    continue
                except struct.error:
                    pass            # _enc_int names the attribute and what is wrong
        t = a.id | a.flags
        if a.multi:
            if not isinstance(value, (list, tuple)):
                return None
            for v in value:
                out.append(_attr_hdr(t, _enc_value(a, v, d, cs, path, _NO_FLAGS, depth)))
        else:
            out.append(_attr_hdr(t, _enc_value(a, value, d, cs, path, _NO_FLAGS, depth)))
    return b"".join(out)


_int_attr: dict = {}     # CAttr -> its whole attribute from an int in one pack, or False


def _int_packer(a):
    """A plain int attribute (fixed size, one per set) as one struct pack:
    nla_len, nla_type, the value, the padding; False: not that simple."""
    pk = False
    if a.size and not a.multi:
        n = 4 + a.size
        st = _INT_FMT[(a.size, a.big, a.signed)]
        if not a.big:
            pk = partial(struct.Struct(f"<HH{st.format[1:]}{(-n) & 3}x").pack, n,
                         a.id | a.flags)
        else:
            head, tail, vpack = _hdr.pack(n, a.id | a.flags), bytes((-n) & 3), st.pack

            def pk(v):
                return head + vpack(v) + tail
    _int_attr[a] = pk
    return pk


def _raw_bytes(hx, path, key):
    try:
        return bytes.fromhex(hx)
    except (TypeError, ValueError):
        raise EncodeError(f"{_path(path, '_raw')}[{key!r}]: wants hex, got {hx!r}") from None


def _occ_flags(fr, k, default):
    """NLA_F_* bits of occurrence k: ``_flags`` holds one value, or one per occurrence."""
    if type(fr) is list:
        return fr[k] if k < len(fr) and isinstance(fr[k], int) else default
    return fr


def _apply_pad(out, pad, path):
    """Put back non-zero padding (``_pad``) after the attributes it followed;
    the last attribute's may be shorter than 4-byte alignment wants (a nest
    whose nla_len leaves it out)."""
    for pos, hx in pad.items():
        try:
            i = int(pos)
            b = bytes.fromhex(hx)
        except (TypeError, ValueError):
            raise EncodeError(f"{path}: _pad wants position -> hex, got {pos!r}: {hx!r}") \
                from None
        if not 0 <= i < len(out):
            raise EncodeError(f"{path}: _pad position {i} but {len(out)} attributes")
        a = out[i]
        n = _hdr.unpack_from(a)[0]
        if len(b) != len(a) - n and not (i == len(out) - 1 and len(b) < len(a) - n):
            raise EncodeError(f"{path}: _pad[{i}] is {len(b)} bytes, the padding {len(a) - n}"
                              f" (only the last attribute's may be cut short)")
        out[i] = a[:n] + b


def _masked(cs, d, path):
    """``"key_ipv4_dst": "10.7.0.0/24"`` -> the address, and its mask attribute
    (``AttrSet.masks``) right after it, as tc sends them."""
    get = d.get
    for k in cs.masks:          # (a plain loop: this runs for every flower options nest)
        v = get(k)
        if isinstance(v, str) and "/" in v:
            break
    else:
        return d
    out = {}
    for k, v in d.items():
        mk = cs.masks.get(k)
        if mk is None or not isinstance(v, str) or "/" not in v:
            out[k] = v
            continue
        p = _path(path, k)
        if mk in d:
            raise EncodeError(f"{p}: {v!r} gives a mask, and so does {mk}: give it once")
        a = cs.by_name[k]
        addr, _, mask = v.partition("/")
        hint = a.hint or "hex"
        n = len(parse_bytes(addr, "ipv4" if a.kind == K_INT else hint, p))
        if mask.strip().isdigit():
            bits = int(mask)
            if not 0 <= bits <= 8 * n:
                raise EncodeError(f"{p}: prefix length {bits} out of 0..{8 * n} in {v!r}")
            mb = (((1 << (8 * n)) - 1) ^ ((1 << (8 * n - bits)) - 1)).to_bytes(n, "big")
            mask = TEXT_OF["ipv4" if a.kind == K_INT else hint](mb)
        out[k] = addr
        out[mk] = mask
    return out


def _occurrences(cs, d, repeated, path):
    """(key, value) in the order to encode: the dict's, or with ``_order``
    (repeats interleaved on the wire) one occurrence at a time in that order."""
    order = d.get("_order")
    if not order:
        return d.items()
    out = []
    iters = {}
    for key in order:
        if key not in d:
            raise EncodeError(f"{path}: _order names {key!r}, which is not there")
        value = d[key]
        a = cs.by_name.get(key)
        if (a is not None and a.multi) or key in repeated:
            it = iters.get(key)
            if it is None:
                it = iters[key] = iter(value if isinstance(value, (list, tuple)) else (value,))
            try:
                value = [next(it)]
            except StopIteration:
                raise EncodeError(f"{path}: _order lists {key!r} more often than it has "
                                  f"values") from None
        out.append((key, value))
    for key, it in iters.items():
        if next(it, _END) is not _END:
            raise EncodeError(f"{path}: {key!r} has more values than _order lists")
    seen = set(order)
    out.extend((k, v) for k, v in d.items() if k not in seen)
    return out


_END = object()


def _enc_int(a, v, p):
    if isinstance(v, str) and a.hint in INT_IP_HINTS:
        b = parse_bytes(v, "ipv4", p)
        return b if a.big else b[::-1]
    if isinstance(v, bool):
        v = int(v)
    if not isinstance(v, int):
        if a.names is None:
            raise EncodeError(f"{p}: expected an integer, got {v!r}")
        v = fit(a.names.parse(v, p), a.size or 8, a.signed)
    size = a.size or (4 if -(1 << 31) <= v < (1 << 32) else 8)
    try:
        return _INT_FMT[(size, a.big, a.signed)].pack(v)
    except struct.error:
        raise EncodeError(f"{p}: {v} does not fit in {size * 8} bits") from None


def _too_deep(p, depth):
    if depth > MAX_DEPTH:
        raise EncodeError(f"{p}: nesting deeper than {MAX_DEPTH} (the decoder refuses it)")


def _enc_value(a, v, d, cs, path, flags_rec, depth=0):
    p = _path(path, a.name)
    kind = a.kind
    if kind == K_INT:
        return _enc_int(a, v, p)
    if kind == K_STRING:
        if isinstance(v, (bytes, bytearray)):
            return bytes(v) + b"\0"
        if not isinstance(v, str):
            raise EncodeError(f"{p}: expected a string, got {v!r}")
        return v.encode() + b"\0"
    if kind == K_BINARY:
        return parse_bytes(v, a.hint, p)
    if kind == K_STRUCT:
        if isinstance(v, (bytes, bytearray, str)):
            return parse_bytes(v, None, p)
        return a.layout.encode(v, p)
    if kind == K_NEST:
        return _enc_nest(a.set, a.header, v, p, depth + 1)
    if kind == K_INDEXED:
        _too_deep(p, depth + 1)
        ef = flags_rec.get(a.name + "[]", a.flags)
        if isinstance(v, dict):
            items = [(_type_num(k, p), x) for k, x in v.items()]
        elif isinstance(v, (list, tuple)):
            items = list(enumerate(v, 1))
        else:
            raise EncodeError(f"{p}: indexed array needs a list")
        if type(ef) is list:        # the elements' NLA_F_* bits differ: one by element
            return b"".join(_attr_hdr(i | _occ_flags(ef, j, a.flags),
                                      _enc_elem(a, a.elem, x, f"{p}[{i}]", depth + 1))
                            for j, (i, x) in enumerate(items))
        return b"".join(_attr_hdr(i | ef, _enc_elem(a, a.elem, x, f"{p}[{i}]", depth + 1))
                        for i, x in items)
    if kind == K_TYPEVALUE:
        return _enc_typevalue(a, v, p, 1, depth)
    if kind == K_SUBMSG:
        key = d.get(a.selector)
        if a.selector in (d.get("_repeated") or ()):
            key = key[0]
        fmt = a.formats.get(key) if isinstance(key, (str, int)) else None
        if fmt is None and key is not None and not isinstance(key, int):
            sel = cs.by_name.get(a.selector)      # the selector given by name ("mpls")
            if sel is not None and sel.names is not None:
                try:
                    key = sel.names.parse(key)
                    fmt = a.formats.get(key)
                except EncodeError:
                    pass
        if fmt is None or isinstance(v, str):
            if v is None:
                return b""
            if fmt is None and not isinstance(v, (str, bytes, bytearray)):
                raise EncodeError(f"{p}: {a.selector}={key!r} has no known format")
            return parse_bytes(v, None, p)
        if fmt[0] == "nest":
            return _enc_nest(fmt[1], fmt[2], v, p, depth + 1)
        if fmt[0] == "struct":
            return fmt[1].encode(v, p)
        return b""
    if kind == K_RECORDS:
        return _enc_records(a, v, p, depth)
    if kind == K_PAD:
        return b""
    raise EncodeError(f"{p}: cannot encode kind {kind}")


def _enc_records(a, v, p, depth=0):
    if not isinstance(v, (list, tuple)):
        raise EncodeError(f"{p}: records need a list of dicts")
    _too_deep(p, depth + 1)
    header = a.header
    hal = _align(header.size)
    lname = header.fixed_names[0]
    parts = []
    for i, rec in enumerate(v):
        rp = f"{p}[{i}]"
        if not isinstance(rec, dict):
            raise EncodeError(f"{rp}: a record must be a dict")
        body = {k: x for k, x in rec.items() if k not in ("_header", "_tail")}
        if a.set is not None:
            body = encode_set(a.set, body, rp, depth + 1)
        elif body:
            raise EncodeError(f"{rp}: no attribute set for {sorted(body)}")
        else:
            body = bytes.fromhex(rec.get("_tail", ""))
        h = dict.fromkeys(header.fixed_names, 0)     # members not given are 0
        h.update(rec.get("_header") or {})
        ln = h[lname] = (rec.get("_header") or {}).get(lname, hal + len(body))
        hb = header.encode(h, rp + "._header")
        data = hb + bytes(hal - len(hb)) + body
        if isinstance(ln, int) and 0 <= ln < len(data):
            data = data[:ln]          # a record whose length leaves out its last padding
        parts.append(data)
    return b"".join(x + bytes((-len(x)) & 3) if i < len(parts) - 1 else x
                    for i, x in enumerate(parts))


def _enc_typevalue(a, v, p, level, depth=0):
    if not isinstance(v, dict):
        raise EncodeError(f"{p}: needs a dict of type -> value")
    _too_deep(p, depth + 1)
    if level < a.levels:
        return b"".join(_attr_hdr(_type_num(k, p) | a.flags,
                                  _enc_typevalue(a, x, f"{p}[{k}]", level + 1, depth + 1))
                        for k, x in v.items())
    return b"".join(_attr_hdr(_type_num(k, p) | a.flags,
                              _enc_elem(a, None, x, f"{p}[{k}]", depth + 1))
                    for k, x in v.items())


def _enc_nest(cs, header, v, p, depth=0):
    if isinstance(v, (str, bytes, bytearray)):
        return parse_bytes(v, None, p)
    if header is None:
        return encode_set(cs, v, p, depth)
    if not isinstance(v, dict):
        raise EncodeError(f"{p}: expected a dict")
    # members not given are 0 (as for records): a short header would shift the
    # attributes, and the decoder never yields one (it refuses a short payload)
    hv = dict.fromkeys(header.fixed_names, 0)
    hv.update(v.get("_header") or {})
    if "_raw" in hv:        # the header's bytes as they came, with the padding after it
        h = parse_bytes(hv["_raw"], None, p + "._header._raw")
    else:
        h = header.encode(hv, p + "._header")
        h += b"\0" * ((-len(h)) & 3)
    if cs is not None:
        body = encode_set(cs, {k: x for k, x in v.items() if k != "_header"}, p, depth)
    else:
        body = parse_bytes(v.get("_tail", ""), None, p + "._tail")
    return h + b"\0" * ((-len(h)) & 3) + body if body else h


def _enc_elem(a, e, x, p, depth=0):
    if e is None:
        if a.set is None:
            return parse_bytes(x, None, p)
        return encode_set(a.set, x, p, depth + 1)
    if e.kind == K_INT:
        return _enc_int(e, x, p)
    if e.kind == K_STRUCT:
        return e.layout.encode(x, p)
    if e.kind == K_STRING:
        return x.encode() + b"\0"
    return parse_bytes(x, e.hint, p)
