"""Hypothesis strategies generated from the specs (for tests and fuzzing).

``attrs_for(cset)`` draws a random valid attribute dict for a compiled
attribute set: every attribute kind, nests down to a bounded depth,
multi-attrs, indexed arrays, sub-messages with a matching selector, and
unknown attributes.  Struct payloads are drawn as raw bytes of the right
size, so every field value is exercised (padding members stay zero).
Needs the ``hypothesis`` package: ``pip install 'nlcodec[test]'``.  Nothing
else in nlcodec imports this module.
"""

from __future__ import annotations

try:
    from hypothesis import strategies as st
except ImportError as e:      # a plain install: say what is missing and how to get it
    raise ImportError("nlcodec.strategies needs the hypothesis package "
                      "(pip install 'nlcodec[test]')", name=e.name) from e

from .tables import (K_BINARY, K_FLAG, K_INDEXED, K_INT, K_NEST, K_PAD, K_RECORDS, K_STRING,
                     K_STRUCT, K_SUBMSG, K_TYPEVALUE, CSet)

_text = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                max_size=16)


def _int(a):
    size = a.size or 8
    if a.signed:
        return st.integers(-(1 << (8 * size - 1)), (1 << (8 * size - 1)) - 1)
    return st.integers(0, (1 << (8 * size)) - 1)


def _binary(a):
    lo = a.min_len or 0
    hi = a.max_len if a.max_len is not None else max(lo, 24)
    return st.binary(min_size=lo, max_size=hi)


def _holes(layout, base=0):
    """(start, end) of the Padding members: the kernel writes them as zeros and
    the struct decoder drops them, so drawn payloads keep them zero."""
    out, off = [], base
    for f in layout.fixed_fields:
        size = layout._fixed_size(f)
        if f.kind == "pad":
            out.append((off, off + size))
        elif f.kind == "struct":
            out += _holes(f.sub, off)
        elif f.kind == "array" and hasattr(f.sub, "fixed_fields"):
            for i in range(f.count):
                out += _holes(f.sub, off + i * f.sub.size)
        off += size
    return out


def _zero(b, holes):
    b = bytearray(b)
    for start, end in holes:
        b[start:end] = bytes(end - start)
    return bytes(b)


def _struct(layout):
    if layout.is_fixed:
        raw = st.binary(min_size=layout.size, max_size=layout.size)
        holes = _holes(layout)
        return raw.map(lambda b: _zero(b, holes)) if holes else raw
    # variable layouts: encode from a dict the decoder produced is covered elsewhere;
    # here the fixed part only, with zero counts
    return st.just(bytes(layout.size))


def _value(a, depth):
    k = a.kind
    if k == K_INT:
        return _int(a)
    if k == K_FLAG:
        return st.just(True)
    if k == K_STRING:
        return _text
    if k == K_BINARY:
        return _binary(a)
    if k == K_STRUCT:
        return _struct(a.layout)
    if k == K_NEST:
        if a.header is not None:
            return st.none()
        return attrs_for(a.set, depth + 1) if a.set is not None else st.none()
    if k == K_INDEXED:
        if a.elem is None:
            if a.set is None or depth >= 3:
                return st.none()
            return st.lists(attrs_for(a.set, depth + 1), min_size=1, max_size=3)
        return st.lists(_value(a.elem, depth + 1), min_size=1, max_size=3)
    if k == K_TYPEVALUE:
        if a.set is None or depth >= 3 or a.levels != 1:
            return st.none()
        return st.dictionaries(st.integers(0, 50).map(str), attrs_for(a.set, depth + 1),
                               max_size=3)
    if k == K_RECORDS:     # RTA_MULTIPATH: header members left out are zero
        if depth >= 3:
            return st.none()
        body = attrs_for(a.set, depth + 1) if a.set is not None else st.just({})
        return st.lists(body.map(lambda d: {"_header": {}, **d}), min_size=1, max_size=3)
    return st.none()   # K_SUBMSG (drawn with its selector), K_PAD


@st.composite
def _submsg(draw, a, cs, depth):
    """(selector value, payload value) for a sub-message attribute."""
    sel = cs.by_name.get(a.selector)
    keys = [k for k, f in a.formats.items() if f[0] in ("nest", "struct")
            and (sel is None or (sel.kind == K_STRING) == isinstance(k, str))]
    if not keys or sel is None or depth >= 3:
        return None
    key = draw(st.sampled_from(sorted(keys, key=str)))
    fmt = a.formats[key]
    if fmt[0] == "struct":
        value = draw(_struct(fmt[1]))
    elif fmt[2] is not None or fmt[1] is None:
        return None
    else:
        value = draw(attrs_for(fmt[1], depth + 1))
    return key, value


def attrs_for(cs: CSet, depth: int = 0, unknown: bool = True):
    """A strategy of attribute dicts valid for ``cs``."""
    return _attrs(cs, depth, unknown)


@st.composite
def _attrs(draw, cs, depth, unknown):
    out = {}
    if depth > 3:
        return out
    usable = [a for a in cs.attrs if a.kind != K_PAD]
    chosen = draw(st.lists(st.sampled_from(usable), unique_by=lambda a: a.id, max_size=6)) \
        if usable else []
    for a in chosen:
        if a.kind == K_SUBMSG:
            r = draw(_submsg(a, cs, depth))
            if r is None:
                continue
            sel = cs.by_name[a.selector]
            out.pop(sel.name, None)
            out[sel.name] = r[0]
            out[a.name] = r[1]
            continue
        if a.name in out:
            continue
        v = draw(_value(a, depth))
        if v is None:
            continue
        if a.multi:
            v = [v] + draw(st.lists(_value(a, depth).filter(lambda x: x is not None),
                                    max_size=2))
        out[a.name] = v
    if unknown and draw(st.booleans()):
        free = [t for t in range(1, 300) if t not in cs.by_id]
        t = draw(st.sampled_from(free[:40]))
        out[str(t)] = draw(st.binary(max_size=12)).hex()
    return out
