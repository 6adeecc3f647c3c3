"""A small pcap and pcapng reader (and writer) for netlink captures.

Why not a library: both formats are simple and fully documented (pcap: a
24-byte file header and 16-byte record headers; pcapng: length-framed blocks,
draft-ietf-opsawg-pcapng), and we need only a fraction of them: packet records
of LINKTYPE_NETLINK (253) interfaces, in either byte order, with microsecond
or nanosecond timestamps (pcap) or any if_tsresol (pcapng).  The well-kept
Python readers (scapy, dpkt, pcapng) would be a large dependency for ~200
lines, and they do not report where a corrupted file goes wrong, which we need:
every error here is a ``DecodeError`` naming the record number (1-based, as
Wireshark counts frames) and the byte offset in the file.

Files of any size: the reader holds one chunk of the file (``CHUNK`` bytes,
or one record if a record is larger), never the file.  It reads from a path,
bytes or any binary file object (a pipe too), and it can resume at a
``Position`` an earlier walk noted (``RecordReader.position``), which is how
``nlcodec decode --jobs`` gives record ranges of one file to several processes.
"""

from __future__ import annotations

import io
import struct

from .errors import DecodeError
from .nla import align

LINKTYPE_NETLINK = 253
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276

PCAP_US = 0xA1B2C3D4
PCAP_NS = 0xA1B23C4D
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_BOM = 0x1A2B3C4D
MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",
          b"\x0a\x0d\x0d\x0a")

# no netlink skb comes near this; a larger caplen means a corrupted header
MAX_CAPLEN = 1 << 26
# bytes read at a time
CHUNK = 1 << 20


class Record:
    """One captured packet.  (Plain slotted classes, as ``dataclass`` would
    make them: importing dataclasses was a tenth of ``nlcodec decode``'s
    start-up, and a hex dump's decode looks at the pcap magic numbers.)"""

    __slots__ = ("number", "offset", "ts_ns", "linktype", "data", "orig_len")
    _fields = __slots__
    number: int        # 1-based, as Wireshark numbers frames
    offset: int        # file offset of the packet data
    ts_ns: int         # timestamp, nanoseconds since the epoch
    linktype: int
    data: bytes
    orig_len: int

    def __init__(self, number, offset, ts_ns, linktype, data, orig_len):
        self.number, self.offset, self.ts_ns = number, offset, ts_ns
        self.linktype, self.data, self.orig_len = linktype, data, orig_len

    def _values(self):
        return tuple(getattr(self, f) for f in self._fields)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self):
        return f"{type(self).__qualname__}(" + ", ".join(
            f"{f}={getattr(self, f)!r}" for f in self._fields) + ")"


class Position:
    """Where the next record of a file starts, with what a reader must know
    there: the record number before it, and the format's state (pcap: byte
    order, timestamp scale, link type; pcapng: byte order and the section's
    interfaces).  Immutable and hashable; it pickles (``--jobs`` hands it to
    worker processes)."""

    __slots__ = ("offset", "number", "kind", "state")
    _fields = __slots__
    offset: int
    number: int
    kind: str          # "pcap" or "pcapng"
    state: tuple

    def __init__(self, offset, number, kind, state):
        for f, v in zip(self._fields, (offset, number, kind, state)):
            object.__setattr__(self, f, v)

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"cannot delete field {name!r}")

    def __reduce__(self):
        return type(self), Record._values(self)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return Record._values(self) == Record._values(other)

    def __hash__(self):
        return hash(Record._values(self))

    __repr__ = Record.__repr__


def _error(n, off, reason):
    return DecodeError(reason, path=f"pcap record {n}" if n else "pcap file header", offset=off)


class _Chunks:
    """A window on a byte stream: ``need(n)`` makes n bytes from ``pos`` readable
    in ``buf`` (fewer at the end of the stream); ``base`` is buf[0]'s offset."""

    __slots__ = ("read", "buf", "pos", "base")

    def __init__(self, read, base=0, head=b""):
        self.read, self.buf, self.pos, self.base = read, head, 0, base

    def need(self, n):
        have = len(self.buf) - self.pos
        if have >= n:
            return have
        parts = [self.buf[self.pos:]]
        self.base += self.pos
        self.pos = 0
        while have < n:
            b = self.read(max(n - have, CHUNK))
            if not b:
                break
            parts.append(b)
            have += len(b)
        self.buf = b"".join(parts)
        return have


def _opened(source):
    """(binary file object, whether we opened it) for a path, bytes or file object."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), True
    if hasattr(source, "read"):
        return source, False
    return open(source, "rb", buffering=0), True


class RecordReader:
    """The packet records of a pcap or pcapng file (a path, bytes or a binary
    file object), in order, read a chunk at a time.

    ``start``: resume at a ``Position`` (a path or seekable file only);
    ``count``: stop after that many records.  ``position`` is where the record
    after the last one yielded starts (None before the first)."""

    def __init__(self, source, *, start: Position | None = None, count: int | None = None):
        self.source, self.start, self.count = source, start, count
        self.position: Position | None = None

    def __iter__(self):
        f, ours = _opened(self.source)
        try:
            if self.start is not None:
                f.seek(self.start.offset)
                buf = _Chunks(f.read, self.start.offset)
                gen = (_pcap_records if self.start.kind == "pcap" else _pcapng_records)(
                    self, buf, self.start.number, self.start.state)
            else:
                # read1: what a pipe has now, so that a live capture is decoded as it comes
                buf = _Chunks(getattr(f, "read1", f.read))
                have = buf.need(24)
                if have < 4:
                    raise _error(0, 0, f"{have} bytes: not a pcap or pcapng file")
                head = buf.buf[:4]
                if head == b"\x0a\x0d\x0d\x0a":
                    gen = _pcapng_records(self, buf, 0, ("<", ()))
                elif head in MAGICS:
                    gen = _pcap_records(self, buf, 0, _pcap_header(buf))
                else:
                    raise _error(0, 0, f"bad magic {head.hex()}: not a pcap or pcapng file")
            if self.count is not None and self.count <= 0:
                return
            left = self.count
            for rec in gen:
                yield rec
                if left is not None:
                    left -= 1
                    if not left:
                        return
        finally:
            if ours:
                f.close()


def read_records(source, *, start: Position | None = None, count: int | None = None):
    """Every packet record of a pcap or pcapng file (a path, bytes or a binary
    file object), in order; see ``RecordReader``."""
    return iter(RecordReader(source, start=start, count=count))


def _pcap_header(buf):
    head = buf.buf[:4]
    bo = "<" if head in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    have = len(buf.buf)
    if have < 24:
        raise _error(0, 0, f"file header truncated: {have} of 24 bytes")
    magic, major, _minor, _zone, _sig, _snap, network = struct.unpack_from(bo + "IHHiIII",
                                                                          buf.buf)
    if major != 2:
        raise _error(0, 4, f"pcap version {major} (only 2 exists)")
    buf.pos = 24
    scale = 1 if magic == PCAP_NS else 1000
    return bo, scale, network & 0x03FFFFFF           # upper bits: FCS length flags


def _next_header(buf, size, n, what):
    """(bytes available, file offset) at the next record or block: 0 bytes at
    the end of the file; a header cut short raises (record ``n``)."""
    have = buf.need(size)
    off = buf.base + buf.pos
    if 0 < have < size:
        raise _error(n, off, f"{what} truncated: {have} of {size} bytes")
    return have, off


def _pcap_records(reader, buf, n, state):
    bo, scale, linktype = state
    rec = struct.Struct(bo + "IIII")
    unpack = rec.unpack_from
    need = buf.need
    while True:
        have, off = _next_header(buf, 16, n + 1, "record header")
        if not have:
            return
        n += 1
        sec, frac, caplen, orig = unpack(buf.buf, buf.pos)
        if caplen > MAX_CAPLEN:
            raise _error(n, off + 8, f"caplen {caplen} is not believable (limit {MAX_CAPLEN})")
        if have < 16 + caplen:
            have = need(16 + caplen)
            if have < 16 + caplen:
                raise _error(n, off + 16, f"record truncated: caplen {caplen}, {have - 16} "
                                          f"bytes left")
        p = buf.pos + 16
        data = buf.buf[p:p + caplen]
        buf.pos = p + caplen
        reader.position = Position(off + 16 + caplen, n, "pcap", state)
        yield Record(n, off + 16, sec * 1_000_000_000 + frac * scale, linktype, data, orig)


def _tsresol(v):
    """if_tsresol: nanoseconds per tick as (numerator, denominator)."""
    if v & 0x80:
        return 1_000_000_000, 1 << (v & 0x7F)
    return 1_000_000_000, 10 ** v


def _options(buf, off, end, bo):
    """(code, value) pairs of a pcapng options list."""
    while off + 4 <= end:
        code, ln = struct.unpack_from(bo + "HH", buf, off)
        if code == 0:
            return
        yield code, bytes(buf[off + 4:off + 4 + ln])
        off += 4 + align(ln)


def _pcapng_records(reader, chunks, n, state):
    bo, ifaces = state
    ifaces = list(ifaces)               # per section: (linktype, snaplen, num, den)
    while True:
        have, off = _next_header(chunks, 12, n + 1, "block header")
        if not have:
            return
        buf, p = chunks.buf, chunks.pos
        btype = struct.unpack_from("<I", buf, p)[0]
        if btype == PCAPNG_SHB:
            bom = bytes(buf[p + 8:p + 12])
            if bom == b"\x4d\x3c\x2b\x1a":
                bo = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                bo = ">"
            else:
                raise _error(n + 1, off + 8, f"section header: bad byte-order magic {bom.hex()}")
            ifaces = []
        else:
            btype = struct.unpack_from(bo + "I", buf, p)[0]
        blen = struct.unpack_from(bo + "I", buf, p + 4)[0]
        if blen < 12 or blen % 4 or blen > MAX_CAPLEN + 64:
            raise _error(n + 1, off + 4, f"block type {btype:#x}: bad length {blen}")
        if have < blen:
            have = chunks.need(blen)
            buf, p = chunks.buf, chunks.pos
            if have < blen:
                raise _error(n + 1, off, f"block truncated: length {blen}, {have} bytes left")
        if struct.unpack_from(bo + "I", buf, p + blen - 4)[0] != blen:
            raise _error(n + 1, off + blen - 4, "block's trailing length differs from its header")
        chunks.pos = p + blen
        body, end = p + 8, p + blen - 4
        delta = off - p                 # buffer index -> file offset
        if btype == 1:                                    # interface description
            if end - body < 8:
                raise _error(n + 1, off, "interface description block too short")
            lt, _res, snap = struct.unpack_from(bo + "HHI", buf, body)
            num, den = 1000, 1
            for code, val in _options(buf, body + 8, end, bo):
                if code == 9 and val:
                    num, den = _tsresol(val[0])
            ifaces.append((lt, snap, num, den))
        elif btype in (6, 2, 3):              # enhanced, obsolete and simple packet blocks
            n += 1
            if btype == 3:
                iface, ts, caplen, orig, data = 0, 0, None, None, body + 4
                if end - body < 4:
                    raise _error(n, off, "simple packet block too short")
                orig = struct.unpack_from(bo + "I", buf, body)[0]
                caplen = min(orig, end - data)
            else:
                if end - body < 20:
                    raise _error(n, off, "packet block too short")
                if btype == 6:
                    iface, hi, lo, caplen, orig = struct.unpack_from(bo + "IIIII", buf, body)
                else:
                    iface, _drops, hi, lo, caplen, orig = struct.unpack_from(bo + "HHIIII",
                                                                             buf, body)
                ts = (hi << 32) | lo
                data = body + 20
            if iface >= len(ifaces):
                raise _error(n, body + delta, f"packet of interface {iface}, the section has "
                                              f"{len(ifaces)}")
            lt, _snap, num, den = ifaces[iface]
            if caplen > MAX_CAPLEN:
                raise _error(n, body + delta + 12, f"caplen {caplen} is not believable "
                                                   f"(limit {MAX_CAPLEN})")
            if data + caplen > end:
                raise _error(n, data + delta, f"caplen {caplen} overruns its block by "
                                              f"{data + caplen - end} bytes")
            reader.position = Position(off + blen, n, "pcapng", (bo, tuple(ifaces)))
            yield Record(n, data + delta, ts * num // den, lt, buf[data:data + caplen], orig)


# -- writing ------------------------------------------------------------------


def _items(records):
    for i, r in enumerate(records):
        if isinstance(r, (bytes, bytearray, memoryview)):
            yield 1_700_000_000_000_000_000 + i * 1000, bytes(r)
        else:
            ts, data = r
            yield (int(ts * 1e9) if isinstance(ts, float) else int(ts)), bytes(data)


def _writing(path, parts):
    """Write an iterable of byte strings, a chunk at a time."""
    with open(path, "wb") as f:
        pending, size = [], 0
        for p in parts:
            pending.append(p)
            size += len(p)
            if size >= CHUNK:
                f.write(b"".join(pending))
                pending, size = [], 0
        f.write(b"".join(pending))


def write_pcap(path, records, *, linktype=LINKTYPE_NETLINK, nanosecond=False, byteorder="<",
               snaplen=262144):
    """Write ``records`` (bytes, or ``(timestamp, bytes)`` with a float in
    seconds or an int in nanoseconds; any iterable, consumed as it is
    written) as a classic pcap file."""
    magic = PCAP_NS if nanosecond else PCAP_US

    def parts():
        yield struct.pack(byteorder + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
        hdr = struct.Struct(byteorder + "IIII")
        for ts, data in _items(records):
            sec, ns = divmod(ts, 1_000_000_000)
            yield hdr.pack(sec, ns if nanosecond else ns // 1000, len(data), len(data))
            yield data
    _writing(path, parts())


def _block(bo, btype, body):
    body += b"\0" * ((-len(body)) & 3)
    ln = len(body) + 12
    return struct.pack(bo + "II", btype, ln) + body + struct.pack(bo + "I", ln)


def write_pcapng(path, records, *, linktype=LINKTYPE_NETLINK, byteorder="<", tsresol=9):
    """Write ``records`` as a pcapng file: one section, one interface whose
    if_tsresol is 10^-``tsresol`` seconds, enhanced packet blocks."""
    bo = byteorder

    def parts():
        yield _block(bo, PCAPNG_SHB, struct.pack(bo + "IHHq", PCAPNG_BOM, 1, 0, -1))
        yield _block(bo, 1, struct.pack(bo + "HHI", linktype, 0, 262144)
                     + struct.pack(bo + "HHB3x", 9, 1, tsresol) + struct.pack(bo + "HH", 0, 0))
        per_ns = 10 ** 9
        for ts, data in _items(records):
            t = ts * 10 ** tsresol // per_ns
            yield _block(bo, 6, struct.pack(bo + "IIIII", 0, t >> 32, t & 0xFFFFFFFF,
                                            len(data), len(data)) + data)
    _writing(path, parts())
