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
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass

from .errors import DecodeError

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


@dataclass(slots=True)
class Record:
    number: int        # 1-based, as Wireshark numbers frames
    offset: int        # file offset of the packet data
    ts_ns: int         # timestamp, nanoseconds since the epoch
    linktype: int
    data: bytes
    orig_len: int


def _error(n, off, reason):
    return DecodeError(reason, path=f"pcap record {n}" if n else "pcap file header", offset=off)


def _buffer(source):
    """The file's bytes: a read-only map of a path, or bytes as given."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    with open(source, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def read_records(source):
    """Every packet record of a pcap or pcapng file (a path or the bytes), in order."""
    buf = _buffer(source)
    if len(buf) < 4:
        raise _error(0, 0, f"{len(buf)} bytes: not a pcap or pcapng file")
    head = bytes(buf[:4])
    if head == b"\x0a\x0d\x0d\x0a":
        return _read_pcapng(buf)
    if head in MAGICS:
        return _read_pcap(buf)
    raise _error(0, 0, f"bad magic {head.hex()}: not a pcap or pcapng file")


def _read_pcap(buf):
    bo = "<" if bytes(buf[:4]) in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    if len(buf) < 24:
        raise _error(0, 0, f"file header truncated: {len(buf)} of 24 bytes")
    magic, major, _minor, _zone, _sig, _snap, network = struct.unpack_from(bo + "IHHiIII", buf)
    if major != 2:
        raise _error(0, 4, f"pcap version {major} (only 2 exists)")
    scale = 1 if magic == PCAP_NS else 1000
    linktype = network & 0x03FFFFFF           # upper bits: FCS length flags
    rec = struct.Struct(bo + "IIII")
    off, n, size = 24, 0, len(buf)
    while off < size:
        n += 1
        if size - off < 16:
            raise _error(n, off, f"record header truncated: {size - off} of 16 bytes")
        sec, frac, caplen, orig = rec.unpack_from(buf, off)
        if caplen > MAX_CAPLEN:
            raise _error(n, off + 8, f"caplen {caplen} is not believable (limit {MAX_CAPLEN})")
        off += 16
        if off + caplen > size:
            raise _error(n, off, f"record truncated: caplen {caplen}, {size - off} bytes left")
        yield Record(n, off, sec * 1_000_000_000 + frac * scale, linktype,
                     bytes(buf[off:off + caplen]), orig)
        off += caplen


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
        off += 4 + ((ln + 3) & ~3)


def _read_pcapng(buf):
    size = len(buf)
    off, n = 0, 0
    bo = "<"
    ifaces = []                     # per section: (linktype, snaplen, num, den)
    while off < size:
        if size - off < 12:
            raise _error(n + 1, off, f"block header truncated: {size - off} bytes left")
        btype = struct.unpack_from("<I", buf, off)[0]
        if btype == PCAPNG_SHB:
            bom = bytes(buf[off + 8:off + 12])
            if bom == b"\x4d\x3c\x2b\x1a":
                bo = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                bo = ">"
            else:
                raise _error(n + 1, off + 8, f"section header: bad byte-order magic {bom.hex()}")
            ifaces = []
        else:
            btype = struct.unpack_from(bo + "I", buf, off)[0]
        blen = struct.unpack_from(bo + "I", buf, off + 4)[0]
        if blen < 12 or blen % 4 or blen > MAX_CAPLEN + 64:
            raise _error(n + 1, off + 4, f"block type {btype:#x}: bad length {blen}")
        if off + blen > size:
            raise _error(n + 1, off, f"block truncated: length {blen}, {size - off} bytes left")
        if struct.unpack_from(bo + "I", buf, off + blen - 4)[0] != blen:
            raise _error(n + 1, off + blen - 4, "block's trailing length differs from its header")
        body, end = off + 8, off + blen - 4
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
                raise _error(n, body, f"packet of interface {iface}, the section has "
                                      f"{len(ifaces)}")
            lt, _snap, num, den = ifaces[iface]
            if caplen > MAX_CAPLEN:
                raise _error(n, body + 12, f"caplen {caplen} is not believable "
                                           f"(limit {MAX_CAPLEN})")
            if data + caplen > end:
                raise _error(n, data, f"caplen {caplen} overruns its block by "
                                      f"{data + caplen - end} bytes")
            yield Record(n, data, ts * num // den, lt, bytes(buf[data:data + caplen]), orig)
        off += blen


# -- writing ------------------------------------------------------------------


def _items(records):
    for i, r in enumerate(records):
        if isinstance(r, (bytes, bytearray, memoryview)):
            yield 1_700_000_000_000_000_000 + i * 1000, bytes(r)
        else:
            ts, data = r
            yield (int(ts * 1e9) if isinstance(ts, float) else int(ts)), bytes(data)


def write_pcap(path, records, *, linktype=LINKTYPE_NETLINK, nanosecond=False, byteorder="<",
               snaplen=262144):
    """Write ``records`` (bytes, or ``(timestamp, bytes)`` with a float in
    seconds or an int in nanoseconds) as a classic pcap file."""
    magic = PCAP_NS if nanosecond else PCAP_US
    out = [struct.pack(byteorder + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for ts, data in _items(records):
        sec, ns = divmod(ts, 1_000_000_000)
        out.append(struct.pack(byteorder + "IIII", sec, ns if nanosecond else ns // 1000,
                               len(data), len(data)))
        out.append(data)
    with open(path, "wb") as f:
        f.write(b"".join(out))


def _block(bo, btype, body):
    body += b"\0" * ((-len(body)) & 3)
    ln = len(body) + 12
    return struct.pack(bo + "II", btype, ln) + body + struct.pack(bo + "I", ln)


def write_pcapng(path, records, *, linktype=LINKTYPE_NETLINK, byteorder="<", tsresol=9):
    """Write ``records`` as a pcapng file: one section, one interface whose
    if_tsresol is 10^-``tsresol`` seconds, enhanced packet blocks."""
    bo = byteorder
    out = [_block(bo, PCAPNG_SHB, struct.pack(bo + "IHHq", PCAPNG_BOM, 1, 0, -1)),
           _block(bo, 1, struct.pack(bo + "HHI", linktype, 0, 262144)
                  + struct.pack(bo + "HHB3x", 9, 1, tsresol) + struct.pack(bo + "HH", 0, 0))]
    per_ns = 10 ** 9
    for ts, data in _items(records):
        t = ts * 10 ** tsresol // per_ns
        out.append(_block(bo, 6, struct.pack(bo + "IIIII", 0, t >> 32, t & 0xFFFFFFFF,
                                             len(data), len(data)) + data))
    with open(path, "wb") as f:
        f.write(b"".join(out))
