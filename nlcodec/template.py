"""Request templates with holes: encode a request once, name the leaves that
change, then stream rows of values; each request is the template's bytes with
the holes patched in place.

    >>> t = Template("route", "newtfilter",
    ...              header={"ifindex": 2, "parent": 0xFFFFFFF2, "info": 0x10008},
    ...              attrs={"kind": "flower", "options": {"flags": 1,
    ...                     "key_eth_src": "00:00:00:00:00:00", ...}},
    ...              flags=NLM_F_CREATE | NLM_F_EXCL,
    ...              holes={"handle": "header.handle", "src": "options.key_eth_src"})
    >>> t.encode((5, "e4:11:00:00:00:01"))          # one request's bytes
    >>> sock.do_many(t.rows(rows))                  # rows: any iterable, read lazily

A hole is a path into the request as ``Message.to_dict()`` shows it:
``header.MEMBER`` or attribute names (``attrs.`` may be left out), list
positions as numbers (``options.act.0.options.parms.index``), struct members
after their attribute.  Where each hole sits is found by walking the encoded
template with the compiled tables (``tables.CSet``/``Layout``), never from
literal offsets.  A value whose bytes have another length than the
template's (a longer string, a MAC given short) makes that one request be
encoded again from the dict; a bad value raises ``EncodeError`` as
``nlcodec.encode`` would.
"""

from __future__ import annotations

import copy
import struct

from . import message as _m
from . import registry
from .errors import EncodeError
from .nla import align as _pad
from .pure import _enc_int
from .structs import _encode_scalar
from .tables import (K_BINARY, K_INDEXED, K_INT, K_NEST, K_STRING, K_STRUCT, K_SUBMSG,
                     NLA_TYPE_MASK)
from .values import INT_IP_HINTS, ipv4_bytes, parse_bytes

__all__ = ["Template", "Rows"]

_nla = struct.Struct("<HH")
_seqpid = struct.Struct("<II")


def _split(path):
    if isinstance(path, (tuple, list)):
        comps = list(path)
    else:
        comps = [int(c) if c.isdigit() else c for c in str(path).split(".")]
    if not comps:
        raise EncodeError("empty hole path")
    if comps[0] not in ("header", "attrs"):
        comps.insert(0, "attrs")
    return comps


class Template:
    """One request with named holes (see the module doc)."""

    def __init__(self, protocol, type, *, header=None, attrs=None, flags=0, holes=(),
                 family=None, family_id=None):
        self.protocol = protocol
        self.type = type
        self.family = family
        self.header = copy.deepcopy(header) if header is not None else {}
        self.attrs = copy.deepcopy(attrs) if attrs is not None else {}
        self.flags = flags
        if isinstance(holes, dict):
            names, paths = list(holes), [_split(p) for p in holes.values()]
        else:
            paths = [_split(p) for p in holes]
            names = [".".join(str(c) for c in p[1:]) for p in paths]
        self.names = names
        self.paths = paths
        self._family_id = family_id
        self.bytes = self._encode_dict(self.header, self.attrs, 0, 0)
        cf, cm = self._message()
        self.type_id = struct.unpack_from("<H", self.bytes, 4)[0]
        self.type_name = cm.name if cm is not None else str(type)
        self.holes = [self._locate(cf, cm, p) for p in paths]     # (offset, size, conv)
        order = sorted(range(len(self.holes)), key=lambda i: self.holes[i][0])
        end = 16
        for i in order:
            off, size, _ = self.holes[i]
            if off < end:
                raise EncodeError(f"hole {names[i]!r} overlaps another hole or the "
                                  f"netlink header")
            end = off + size
        self._order = order
        self._fills = {}
        self._fill = self.fill_for(flags)

    # -- encoding from the dict (the template itself, and odd values) -------------

    def _message(self):
        proto = registry.protocol_name(self.protocol) if self.protocol else None
        if proto == "generic" or proto is None:
            fam = registry.family(self.family or self.protocol)
            cf = registry.compiled(fam)
            return cf, cf.msg_by_name[fam.msg(self.type).name]
        hit = registry.message_by_name(proto, self.type) if isinstance(self.type, str) \
            else registry.lookup_message(proto, self.type)
        if hit is None:
            raise EncodeError(f"protocol {proto!r} has no message {self.type!r}")
        return hit

    def _encode_dict(self, header, attrs, seq, pid, flags=None):
        return _m.encode(self.protocol, self.type, header=header, attrs=attrs,
                         flags=self.flags if flags is None else flags, seq=seq, pid=pid,
                         family=self.family, family_id=self._family_id)

    def _substituted(self, values):
        d = {"header": copy.deepcopy(self.header), "attrs": copy.deepcopy(self.attrs)}
        for p, v in zip(self.paths, values):
            node = d
            for c in p[:-1]:
                node = node[c]
            node[p[-1]] = v
        return d

    def encode_slow(self, values, seq=0, pid=0, flags=None) -> bytes:
        """The request for ``values`` encoded whole from the dict."""
        d = self._substituted(values)
        return self._encode_dict(d["header"], d["attrs"], seq, pid, flags)

    # -- where the holes are --------------------------------------------------------

    def _locate(self, cf, cm, comps):
        where = ".".join(str(c) for c in comps)
        buf = self.bytes
        if comps[0] == "header":
            layout = cm.header if cm is not None and cm.header is not None else None
            base = 16
            if cf is not None and cf.genl:
                base = 20
                layout = layout or cf.header
                if comps[1:] and comps[1] in ("cmd", "version", "reserved"):
                    raise EncodeError(f"hole {where}: the genl header is not a value leaf")
            if layout is None:
                raise EncodeError(f"hole {where}: {self.type_name} has no fixed header")
            return self._member(layout, base, comps[1:], where)
        if cm is None:
            raise EncodeError(f"hole {where}: unknown message, no attributes")
        hdr = cm.header if cm.header is not None else (cf.header if cf.genl else None)
        start = (20 if cf.genl else 16) + _pad(hdr.size if hdr is not None else 0)
        if cf.genl and hdr is None:
            start = 20
        cs = cm.set if cm.set is not None or not cf.genl else _m._first_set(cf)
        if cm.variants is not None:
            cs = cm.set_for(self.header)
        return self._in_set(cs, self.attrs, buf, start, len(buf), comps[1:], where)

    def _member(self, layout, base, comps, where):
        if len(comps) == 3 and isinstance(comps[1], int) and layout.variable \
                and layout.variable[0].name == comps[0] \
                and isinstance(layout.variable[0].sub, type(layout)) \
                and layout.variable[0].sub.is_fixed:
            # an element of the array after the fixed part (tc_u32_sel.keys[i].val)
            sub = layout.variable[0].sub
            return self._member(sub, base + layout.size + comps[1] * sub.size, comps[2:], where)
        if len(comps) != 1:
            raise EncodeError(f"hole {where}: a struct member is a leaf")
        off = base
        for f in layout.fixed_fields:
            if f.name == comps[0]:
                if f.kind not in ("int", "bytes", "bool"):
                    raise EncodeError(f"hole {where}: member of kind {f.kind} is not a value leaf")
                if f.kind == "int" and f.size in (1, 2, 4, 8) and f.hint not in INT_IP_HINTS:
                    ch = {1: "B", 2: "H", 4: "I", 8: "Q"}[f.size]
                    # plain ints: struct packs them (a str, bool or range error
                    # falls back to the dict path, which converts or raises)
                    return off, f.size, struct.Struct(f.order + (ch.lower() if f.signed
                                                                 else ch)).pack
                return off, f.size, (lambda v, f=f: _encode_scalar(f, v, where))
            off += layout._fixed_size(f)
        raise EncodeError(f"hole {where}: no member {comps[0]!r} in {layout.name or 'the struct'}")

    def _find(self, buf, off, end, type_id, nth, where):
        k = 0
        while off + 4 <= end:
            ln, ty = _nla.unpack_from(buf, off)
            if ty & NLA_TYPE_MASK == type_id:
                if k == nth:
                    return off + 4, ln - 4
                k += 1
            off += _pad(ln)
        raise EncodeError(f"hole {where}: not in the encoded template (absent or None)")

    def _in_set(self, cs, d, buf, off, end, comps, where):
        if not comps:
            raise EncodeError(f"hole {where}: names a set, not a leaf")
        name = comps[0]
        a = cs.by_name.get(name) if isinstance(name, str) else None
        if a is None:
            raise EncodeError(f"hole {where}: no attribute {name!r} in {cs.name}")
        if not isinstance(d, dict) or name not in d:
            raise EncodeError(f"hole {where}: {name!r} is not in the template's dict")
        v = d[name]
        rest = comps[1:]
        nth = 0
        if a.multi:
            if not rest or not isinstance(rest[0], int):
                raise EncodeError(f"hole {where}: {name} repeats; give its position")
            nth, rest, v = rest[0], rest[1:], v[rest[0]]
        p, plen = self._find(buf, off, end, a.id, nth, where)
        kind = a.kind
        if not rest:
            return p, plen, self._leaf(a, where)
        if kind == K_STRUCT:
            return self._member(a.layout, p, rest, where)
        if kind == K_NEST:
            if a.header is not None:
                if rest[0] == "_header":
                    return self._member(a.header, p, rest[1:], where)
                p += _pad(a.header.size)
            return self._in_set(a.set, v, buf, p, p + plen, rest, where)
        if kind == K_SUBMSG:
            fmt = a.formats.get(d.get(a.selector))
            if fmt is None or fmt[0] == "none":
                raise EncodeError(f"hole {where}: {a.selector}={d.get(a.selector)!r} has no format")
            if fmt[0] == "struct":
                return self._member(fmt[1], p, rest, where)
            if fmt[2] is not None:
                if rest[0] == "_header":
                    return self._member(fmt[2], p, rest[1:], where)
                p += _pad(fmt[2].size)
            return self._in_set(fmt[1], v, buf, p, p + plen, rest, where)
        if kind == K_INDEXED:
            i = rest[0]
            if isinstance(v, dict):
                idx, x = int(i), v.get(i, v.get(str(i)))
            elif isinstance(i, int) and 0 <= i < len(v):
                idx, x = i + 1, v[i]
            else:
                raise EncodeError(f"hole {where}: no element {i!r}")
            q, qlen = self._find(buf, p, p + plen, idx, 0, where)
            if a.set is not None and a.elem is None:
                return self._in_set(a.set, x, buf, q, q + qlen, rest[1:], where)
            if len(rest) == 1:
                return q, qlen, self._leaf(a.elem, where)
            if a.elem.kind == K_STRUCT:
                return self._member(a.elem.layout, q, rest[1:], where)
        raise EncodeError(f"hole {where}: cannot go into {a.name}")

    @staticmethod
    def _leaf(a, where):
        kind = a.kind
        if kind == K_INT:
            if a.size and a.hint not in INT_IP_HINTS:
                ch = {1: "B", 2: "H", 4: "I", 8: "Q"}[a.size]
                return struct.Struct((">" if a.big else "<") +
                                     (ch.lower() if a.signed else ch)).pack
            return lambda v: _enc_int(a, v, where)
        if kind == K_BINARY:
            hint = a.hint
            if hint == "mac":
                fromhex = bytes.fromhex

                def mac(v):
                    if v.__class__ is str and len(v) == 17:
                        return fromhex(v.replace(":", ""))
                    if v.__class__ is bytes:
                        return v
                    return parse_bytes(v, hint, where)
                return mac
            if hint in ("ip", "ipv4", "ipv6"):
                def ip(v):
                    if v.__class__ is str and v[:1].isdigit():
                        if "." in v and ":" not in v:
                            return ipv4_bytes(v)
                    return parse_bytes(v, hint, where)
                return ip
            return lambda v: parse_bytes(v, hint, where)
        if kind == K_STRING:
            return lambda v: (v.encode() if isinstance(v, str) else bytes(v)) + b"\0"
        if kind == K_STRUCT:
            return lambda v: a.layout.encode(v, where)
        raise EncodeError(f"hole {where}: attribute of kind {kind} is not a value leaf")

    # -- the hot path -----------------------------------------------------------------

    def fill_for(self, flags):
        """fill(row, seq, pid) -> bytes with nlmsg_flags ``flags``, or None
        when a value does not fit in place (then the caller encodes that row
        whole)."""
        f = self._fills.get(flags)
        if f is None:
            f = self._fills[flags] = self._compile(self._order, flags)
        return f

    def _compile(self, order, flags):
        buf = self.bytes
        ns = {"join": b"".join, "sp": _seqpid.pack, "head": buf[:6] + struct.pack("<H", flags)}
        segs = []
        pos = 16
        for i in order:
            off, size, conv = self.holes[i]
            segs.append(buf[pos:off])
            ns[f"c{i}"] = conv
            pos = off + size
        segs.append(buf[pos:])
        for j, s in enumerate(segs):
            ns[f"s{j}"] = s
        n = len(self.holes)
        lines = ["def fill(row, seq, pid):"]
        if n:
            lines.append(f"    ({''.join(f'v{i}, ' for i in range(n))}) = row")
        for i in range(n):
            lines.append(f"    b{i} = c{i}(v{i})")
        if n:
            cond = " or ".join(f"len(b{i}) != {self.holes[i][1]}" for i in range(n))
            lines.append(f"    if {cond}:")
            lines.append("        return None")
        parts = ["head", "sp(seq, pid)", "s0"]
        for j, i in enumerate(order):
            parts += [f"b{i}", f"s{j + 1}"]
        lines.append(f"    return join(({', '.join(parts)}))")
        exec("\n".join(lines), ns)      # noqa: S102 - generated from the hole list only
        return ns["fill"]

    def _values(self, row):
        if isinstance(row, dict):
            try:
                return tuple(row[n] for n in self.names)
            except KeyError as e:
                raise EncodeError(f"row has no value for hole {e.args[0]!r}") from None
        if len(row) != len(self.holes):
            raise EncodeError(f"row has {len(row)} values for {len(self.holes)} holes "
                              f"({', '.join(self.names)})")
        return row

    def encode(self, row, seq=0, pid=0) -> bytes:
        """One request: the template with ``row``'s values (a tuple in hole
        order, or a dict by hole name)."""
        row = self._values(row)
        try:
            b = self._fill(row, seq, pid)
        except Exception:       # the dict path says what is wrong, or encodes it
            b = None
        if b is None:
            b = self.encode_slow(row, seq, pid)
        return b

    def filled(self, fill, row, seq, pid, flags) -> bytes:
        """``fill_for(flags)(row, seq, pid)``, or the row encoded whole when a
        value does not fit in place."""
        try:
            b = fill(row, seq, pid)
        except Exception:       # the dict path says what is wrong, or encodes it
            b = None
        if b is None:
            b = self.encode_slow(self._values(row), seq, pid, flags)
        return b

    def rows(self, rows) -> "Rows":
        """``rows`` (any iterable, read lazily) as requests for ``do_many``;
        iterating gives each request's bytes (seq and pid 0)."""
        return Rows(self, rows)


class Rows:
    """A template bound to an iterable of rows; ``Socket.do_many`` fills whole
    windows from it with their seqs and port in place."""

    def __init__(self, template: Template, rows):
        self.template = template
        self._it = iter(rows)

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        return self.template.encode(next(self._it))

    def nl_fill(self, seq, pid, add_flags, window, max_bytes) -> list:
        """Up to ``window`` requests (or ``max_bytes``) numbered from ``seq``,
        with ``add_flags`` (NLM_F_REQUEST, NLM_F_ACK) set."""
        t = self.template
        flags = t.flags | add_flags
        fill = t.fill_for(flags)
        out = []
        size = 0
        for row in self._it:
            b = t.filled(fill, row, seq, pid, flags)
            out.append(b)
            size += len(b)
            seq += 1
            if len(out) >= window or size >= max_bytes:
                break
        return out
