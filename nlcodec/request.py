"""Building requests: a message type resolved once (``Template``: ids, header
layout, attribute set, and caches of encoded headers and attributes for the
bulk path), the per-attribute fast encoders, and a socket's sequence numbers.

Every byte here is what the codec would write (``tests/test_socket.py``
compares the fast encoders with ``encode_set`` on every attribute of every
spec); the fast paths only decline (return None) and leave the rest to it.
"""

from __future__ import annotations

import itertools
import struct

from . import backends as _backends
from . import message as _m
from .errors import EncodeError
from .tables import K_BINARY, K_INT, K_STRING, K_SUBMSG
from .values import INT_IP_HINTS, parse_bytes

__all__ = ["Template", "Sequence", "fast_encoders", "pack_header", "NLMSGHDR"]

NLMSGHDR = struct.Struct("<IHHII")
pack_header = NLMSGHDR.pack
_nla = struct.Struct("<HH")


class Sequence:
    """The sequence numbers of one socket's requests: 1, 2, ... wrapping
    before 2**32 - 1."""

    def __init__(self):
        self._it = itertools.count(1)

    def next(self) -> int:
        s = next(self._it)
        if s >= 0xFFFFFFFF:
            self._it = itertools.count(1)
            s = next(self._it)
        return s

    def next_window(self) -> int:
        """The first seq of a window of requests, far enough from the 32-bit
        wrap that the window's seqs all compare in order."""
        s = self.next()
        if s > 0xFFFF0000:
            self._it = itertools.count(1)
            s = self.next()
        return s

    def resume(self, seq: int) -> None:
        """The next ``next()`` gives ``seq`` (a window took the ones before)."""
        self._it = itertools.count(seq)


class Template:
    """One message type resolved once: ids, header layout, attribute set, and
    caches of encoded headers and attributes (the bulk path reuses them)."""

    __slots__ = ("name", "type_id", "cf", "cm", "cs", "hsize", "genl", "hcache", "acache",
                 "whole", "zero", "layout", "fast", "zeros", "variants", "prefixes", "last")

    def __init__(self, name, type_id, cf, cm):
        self.name, self.type_id, self.cf, self.cm = name, type_id, cf, cm
        self.genl = cf is not None and cf.genl
        cs = None
        if cm is not None:
            cs = cm.set if cm.set is not None or not self.genl else _m._first_set(cf)
        self.cs = cs
        self.variants = cm.variants if cm is not None else None
        self.prefixes = tuple(cm.spec.prefixes) if cm is not None and cm.spec.prefixes else ()
        self.layout = self.zeros = None
        if cm is not None:
            self.layout = cm.header if cm.header is not None or not self.genl else cf.header
        self.hcache = {}
        self.last = (False, None)   # the last header dict's copy, and its bytes
        self.acache = {}
        # attributes whose encoding depends on siblings: encode the set whole
        self.whole = frozenset(a.name for a in cs.attrs if a.kind == K_SUBMSG) if cs else ()
        self.fast = fast_encoders(cs) if cs is not None else {}
        self.zero = self.header_bytes(None)
        self.hsize = len(self.zero)

    def header_bytes(self, header):
        if header is None and getattr(self, "zero", None) is not None:
            return self.zero
        # The caches below find a header by equality, and 2.0 == 2 (so do
        # Decimal(2), Fraction(2)): a float must not get the bytes cached for
        # an int when alone it raises.  ints: members whose values are all
        # ints (bool and IntEnum are ints), told by one sum in C, since ints
        # add up to an int and any other number makes the sum its own type
        # (85 ns for one member, 135 for five; a str raises).
        try:
            ints = header is not None and type(sum(header.values())) is int
        except TypeError:
            ints = False
        last = self.last
        if ints and header == last[0]:  # the same members as the last request: no key
            return last[1]          # made and hashed (an IntEnum's hash is Python code)
        given = header
        try:
            if header is None:
                key = None
            elif ints:
                key = tuple(header.items())
            else:               # names ("inet"), or a number that is no int: types too
                key = (tuple(header.items()), tuple(map(type, header.values())))
            hb = self.hcache.get(key)
        except TypeError:       # unhashable member values
            key, hb = False, None
        if hb is None:
            if header is not None and self.layout is not None:
                # members not given are zero: the kernel wants the whole struct
                if self.zeros is None:
                    self.zeros = self.layout.decode(bytes(self.layout.size), 0,
                                                    self.layout.size)
                header = {**self.zeros, **header}
            hb = _m._aligned(_m._encode(self.cf, self.cm, self.type_id, header, None,
                                        0, 0, 0)[16:])
            if key is not False and len(self.hcache) < 4096:
                self.hcache[key] = hb
        if ints and key is not False and type(given) is dict:   # (hashable: not changed in place)
            self.last = (dict(given), hb)       # (a copy: the caller may change its dict)
        return hb

    def attr_bytes(self, attrs, header=None):
        cs = self.cs
        if not attrs:
            return b""
        if self.variants is not None and header:
            v = self.cm.set_for(header)     # e.g. AF_BRIDGE link messages
            if v is not cs:
                return _backends.active().encode_set(v, attrs, v.name)
        if cs is None:
            raise EncodeError(f"{self.name}: this message has no attributes")
        cache = self.acache
        parts = []
        for k, v in attrs.items():
            try:            # keyed by type too: 2.0 == 2, and a float is refused alone
                b = cache.get((k, v, type(v)))
            except TypeError:   # dict/list values: no cache
                if k[0] == "_" or k in self.whole:
                    return _backends.active().encode_set(cs, attrs, cs.name)
                b = _backends.active().encode_set(cs, {k: v}, cs.name)
            else:
                if b is None:   # (a miss: no KeyError raised and caught per new value)
                    if k[0] == "_" or k in self.whole:
                        return _backends.active().encode_set(cs, attrs, cs.name)
                    f = self.fast.get(k)
                    b = f(v) if f is not None else None
                    if b is None:
                        b = _backends.active().encode_set(cs, {k: v}, cs.name)
                    if len(cache) > 100000:
                        cache.clear()
                    cache[(k, v, type(v))] = b
            parts.append(b)
        return b"".join(parts)

    def request_set(self, req: bytes):
        """The attribute set a request was encoded with (see Msg.variants)."""
        v = self.variants
        at = (20 if self.genl else 16) + (v[1] if v is not None else 0)
        if v is None or len(req) <= at:
            return self.cs
        return self.cm.set_for({v[0]: req[at]})

    def encode(self, header, attrs, flags, seq, pid=0) -> bytes:
        if attrs:
            for name in self.prefixes:      # "dst": "10.7.0.0/24" (message._prefixes)
                v = attrs.get(name)
                if isinstance(v, str) and ("/" in v or header is None or "family" not in header):
                    header, attrs = _m._prefixes(self.cm, header, attrs)
                    break
            body = self.header_bytes(header) + self.attr_bytes(attrs, header)
        else:
            body = self.header_bytes(header)
        return pack_header(16 + len(body), self.type_id, flags, seq, pid) + body


def fast_encoders(cs):
    """name -> f(value) giving the whole attribute (header, payload, padding)
    for plain scalars; f returns None for anything else, which then goes to
    the codec (so errors read the same).  Must equal ``encode_set`` byte for
    byte (tests/test_socket.py checks)."""
    out = {}
    for a in cs.attrs:
        if a.multi or a.flags:
            continue
        if a.kind == K_INT and a.size and a.hint not in INT_IP_HINTS:
            out[a.name] = _int_encoder(a, _nla)
        elif a.kind == K_STRING:
            out[a.name] = _str_encoder(a.id, _nla)
        elif a.kind == K_BINARY and a.hint in (None, "hex", "mac", "ipv4", "ipv6", "ip"):
            out[a.name] = _bin_encoder(a.id, a.hint, _nla)
    return out


def _int_encoder(a, hdr):
    ch = {1: "B", 2: "H", 4: "I", 8: "Q"}[a.size]
    if a.signed:
        ch = ch.lower()
    st = struct.Struct((">" if a.big else "<") + ch)
    head = hdr.pack(4 + a.size, a.id)
    pad = b"\0" * ((-a.size) & 3)
    pack = st.pack

    def f(v):
        if type(v) is not int:
            return None
        try:
            return head + pack(v) + pad
        except struct.error:
            return None
    return f


def _str_encoder(t, hdr):
    pack = hdr.pack

    def f(v):
        if type(v) is not str:
            return None
        p = v.encode() + b"\0"
        n = 4 + len(p)
        return pack(n, t) + p + b"\0" * ((-n) & 3)
    return f


def _bin_encoder(t, hint, hdr):
    pack = hdr.pack

    def f(v):
        if type(v) is bytes:
            p = v
        elif type(v) is str:
            try:
                p = parse_bytes(v, hint)
            except EncodeError:
                return None
        else:
            return None
        n = 4 + len(p)
        return pack(n, t) + p + b"\0" * ((-n) & 3)
    return f
