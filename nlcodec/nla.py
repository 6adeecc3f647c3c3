"""Walking netlink bytes by hand: one message iterator and one attribute
iterator for every layer that needs the raw framing (captures, sockets,
benchmarks, tools), and the alignment rule.

The models are libmnl's ``mnl_attr_for_each``/``mnl_nlmsg_next`` (a core that
only walks and validates) and mdlayher/netlink's ``AttributeDecoder``: an
iterator with typed getters and a sticky error.  A malformed header stops the
walk; ``err`` then holds a ``DecodeError`` naming the offset, and ``check()``
raises it::

    ad = nla.Attributes(buf, 20, len(buf))
    for a in ad:
        if a.type == IFLA_IFNAME:
            name = a.string()
    ad.check()

The spec-driven codec (pure.py, the C core) does its own walking on the hot
path; this module is for everything around it.
"""

from __future__ import annotations

import struct

from .errors import DecodeError

NLA_HDRLEN = 4
NLMSG_HDRLEN = 16
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000
NLA_TYPE_MASK = 0x3FFF

_nla = struct.Struct("<HH")
_nlmsghdr = struct.Struct("<IHHII")


def align(n: int) -> int:
    """NLA_ALIGN / NLMSG_ALIGN: the next multiple of 4."""
    return (n + 3) & ~3


# what a walker reads in place of a header when fewer than NLA_HDRLEN bytes
# are left: a length that fails the check below, so one test covers all three
SHORT = (0, 0)


def header_error(buf, off: int, end: int, path: str = "") -> DecodeError:
    """Why the attribute header at ``off`` does not fit in ``buf[off:end]``.

    Every walker tests a header the same way (``ln < NLA_HDRLEN or off + ln >
    end``, with ``SHORT`` read where fewer than four bytes are left) and asks
    this for the error: the strict walkers of pure.py raise it, ``Attributes``
    keeps it."""
    if end - off < NLA_HDRLEN:
        return DecodeError(f"{end - off} bytes left, too short for an attribute header",
                           path=path, offset=off)
    ln = _nla.unpack_from(buf, off)[0]
    if ln < NLA_HDRLEN:
        return DecodeError(f"attribute length {ln} < {NLA_HDRLEN}", path=path, offset=off)
    return DecodeError(f"attribute length {ln} overruns its container by {off + ln - end} "
                       f"bytes", path=path, offset=off)


def _getter(fmt: str, doc: str):
    """A typed getter of ``Attribute``: the payload as one ``fmt`` value, its
    length checked."""
    st = struct.Struct(fmt)

    def get(self) -> int:
        return self._int(st)
    get.__doc__ = doc
    return get


class Attribute:
    """The attribute an ``Attributes`` iterator stands on."""

    __slots__ = ("buf", "offset", "length", "raw_type")

    def __init__(self, buf, offset, length, raw_type):
        self.buf, self.offset, self.length, self.raw_type = buf, offset, length, raw_type

    @property
    def type(self) -> int:
        return self.raw_type & NLA_TYPE_MASK

    @property
    def nested(self) -> bool:
        return bool(self.raw_type & NLA_F_NESTED)

    @property
    def net_byteorder(self) -> bool:
        return bool(self.raw_type & NLA_F_NET_BYTEORDER)

    @property
    def payload(self) -> bytes:
        return bytes(self.buf[self.offset + NLA_HDRLEN:self.offset + self.length])

    def _int(self, st: struct.Struct) -> int:
        if self.length - NLA_HDRLEN != st.size:
            raise DecodeError(f"attribute {self.type}: length {self.length - NLA_HDRLEN} "
                              f"!= {st.size}", offset=self.offset)
        return st.unpack_from(self.buf, self.offset + NLA_HDRLEN)[0]

    u8 = _getter("<B", "NLA_U8")
    u16 = _getter("<H", "NLA_U16")
    u32 = _getter("<I", "NLA_U32")
    u64 = _getter("<Q", "NLA_U64")
    s32 = _getter("<i", "NLA_S32")
    be16 = _getter(">H", "NLA_BE16 (network byte order)")
    be32 = _getter(">I", "NLA_BE32 (network byte order)")

    def string(self) -> str:
        """A NUL-terminated string (the NUL and anything after it dropped)."""
        return self.payload.split(b"\0", 1)[0].decode(errors="replace")

    def attributes(self) -> "Attributes":
        """The attributes nested in this one."""
        return Attributes(self.buf, self.offset + NLA_HDRLEN, self.offset + self.length)


class Attributes:
    """Iterate the attributes of ``buf[start:end]``, stopping at the first
    malformed header (``err`` keeps why; ``check()`` raises it)."""

    __slots__ = ("buf", "start", "end", "err", "stop")

    def __init__(self, buf, start: int = 0, end: int | None = None):
        self.buf, self.start = buf, start
        self.end = len(buf) if end is None else end
        self.err: DecodeError | None = None
        self.stop = start               # where the walk ended

    def __iter__(self):
        buf, off, end = self.buf, self.start, self.end
        self.err = None
        while off + NLA_HDRLEN <= end:
            ln, ty = _nla.unpack_from(buf, off)
            if ln < NLA_HDRLEN or off + ln > end:
                self.err = header_error(buf, off, end)
                break
            self.stop = off
            yield Attribute(buf, off, ln, ty)
            off += align(ln)
        else:
            if off < end and any(buf[off:end]):
                self.err = DecodeError(f"{end - off} stray bytes after the last attribute",
                                       offset=off)
        self.stop = min(off, end)

    def check(self) -> None:
        if self.err is not None:
            raise self.err


class Header:
    """One netlink message as ``Messages`` finds it: its nlmsghdr and where
    its payload is."""

    __slots__ = ("buf", "offset", "length", "type", "flags", "seq", "pid")

    def __init__(self, buf, offset, length, type, flags, seq, pid):
        self.buf, self.offset, self.length = buf, offset, length
        self.type, self.flags, self.seq, self.pid = type, flags, seq, pid

    @property
    def raw(self) -> bytes:
        """The message's bytes (nlmsg_len of them, no trailing padding)."""
        return bytes(self.buf[self.offset:self.offset + self.length])

    @property
    def padded(self) -> bytes:
        """The message's bytes with its alignment padding, as it sits in a stream."""
        return bytes(self.buf[self.offset:self.offset + min(align(self.length),
                                                             len(self.buf) - self.offset)])

    def attributes(self, header_size: int = 0) -> Attributes:
        """The attributes after the nlmsghdr and a fixed header of ``header_size``."""
        return Attributes(self.buf, self.offset + NLMSG_HDRLEN + align(header_size),
                          self.offset + self.length)


class Messages:
    """Iterate the netlink messages of a stream, as netlink_rcv_skb() reads
    a datagram: a header with nlmsg_len < 16 or past the end stops the walk
    (``err`` says why, ``stop`` is where; the kernel ignores such a tail)."""

    __slots__ = ("buf", "start", "end", "err", "stop")

    def __init__(self, buf, start: int = 0, end: int | None = None):
        self.buf, self.start = buf, start
        self.end = len(buf) if end is None else end
        self.err: DecodeError | None = None
        self.stop = start

    def __iter__(self):
        buf, off, end = self.buf, self.start, self.end
        self.err = None
        while end - off >= NLMSG_HDRLEN:
            ln, ty, fl, seq, pid = _nlmsghdr.unpack_from(buf, off)
            if ln < NLMSG_HDRLEN:
                self.err = DecodeError(f"nlmsg_len {ln} < {NLMSG_HDRLEN}", offset=off)
                break
            if ln > end - off:
                self.err = DecodeError(f"nlmsg_len {ln} overruns the buffer by "
                                       f"{ln - (end - off)} bytes", offset=off)
                break
            self.stop = off
            yield Header(buf, off, ln, ty, fl, seq, pid)
            off += align(ln)
        self.stop = min(off, end)

    def check(self) -> None:
        if self.err is not None:
            raise self.err
