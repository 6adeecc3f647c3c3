"""The kernel's answers to requests: ``NetlinkError`` and its subclasses by
errno, and the extended ACK (NETLINK_EXT_ACK) read against the request it
answers: the offset the kernel points at becomes the name of an attribute
(``route_attrs.multipath[1].gateway``), a missing-attribute report the name
of what is missing.  Layouts: linux/netlink.h (struct nlmsgerr,
enum nlmsgerr_attrs); net/netlink/af_netlink.c netlink_ack().
"""

from __future__ import annotations

import errno as _errno
import os

from . import message as _m
from . import nla
from . import pure as _pure
from .errors import DecodeError
from .tables import K_INDEXED, K_NEST, K_RECORDS, K_SUBMSG, K_TYPEVALUE

__all__ = ["NetlinkError", "NetlinkExistsError", "NetlinkNotFoundError",
           "NetlinkPermissionError", "NetlinkInvalidError", "NetlinkBusyError",
           "NotSupportedError", "Overrun", "NotSent", "NotConfirmed", "DumpInterrupted",
           "FamilyNotFound", "error_for", "make_error", "describe", "missing"]


class NetlinkError(OSError):
    """The kernel refused a request.

    ``errno`` (positive), ``ext_ack`` (the kernel's extended-ACK message or
    None), ``offset`` (byte offset in the request the kernel points at, or
    None), ``attr`` (the attribute at that offset, ``route_attrs.multipath[1].gateway``),
    ``missing`` (an attribute the kernel reported missing), ``request`` (bytes
    sent), ``request_type`` (its message name), ``index`` (its position in a
    ``do_many`` batch).
    """

    def __init__(self, err, ext_ack=None, *, offset=None, attr=None, missing=None,
                 request=None, request_type=None, index=None):
        super().__init__(err, ext_ack or os.strerror(err))
        self.ext_ack = ext_ack
        self.offset = offset
        self.attr = attr
        self.missing = missing
        self.request = request
        self.request_type = request_type
        self.index = index

    def __str__(self):
        name = _errno.errorcode.get(self.errno, str(self.errno))
        s = f"{name}: {self.ext_ack or os.strerror(self.errno)}"
        if self.attr:
            s += f" (attribute {self.attr}"
            s += f" at offset {self.offset})" if self.offset is not None else ")"
        elif self.offset is not None:
            s += f" (at offset {self.offset})"
        if self.missing:
            s += f" (missing attribute {self.missing})"
        if self.request_type:
            s += f" [request {self.request_type}"
            s += f" #{self.index}]" if self.index is not None else "]"
        return s

    def __reduce__(self):
        return (_make_error, (self.errno, self.ext_ack, self.__dict__))


def _make_error(err, ext_ack, d):
    e = error_for(err, ext_ack)
    e.__dict__.update(d)
    return e


class NetlinkExistsError(NetlinkError, FileExistsError):
    """EEXIST: the object exists (NLM_F_EXCL)."""


class NetlinkNotFoundError(NetlinkError, FileNotFoundError):
    """ENOENT / ENODEV / ESRCH: no such object."""


class NetlinkPermissionError(NetlinkError, PermissionError):
    """EPERM / EACCES: needs CAP_NET_ADMIN (or the namespace's)."""


class NetlinkInvalidError(NetlinkError, ValueError):
    """EINVAL / ERANGE: the kernel rejected a value; see ``ext_ack`` and ``attr``."""


class NetlinkBusyError(NetlinkError):
    """EBUSY: e.g. a dump is already running on this socket."""


class NotSupportedError(NetlinkError):
    """EOPNOTSUPP: the kernel (or a module it lacks) cannot do this."""


class Overrun(NetlinkError):
    """ENOBUFS: the receive buffer overflowed and messages were lost.
    ``lost``: how many the kernel dropped for this socket since the previous
    overrun (its drop counter, SO_MEMINFO), None when unknown."""

    def __init__(self, what=None, *, lost=None):
        if what is None:
            what = ("messages were lost: receive buffer overrun (ENOBUFS)"
                    + (f", {lost} dropped" if lost is not None else "")
                    + "; raise rcvbuf or read faster")
        super().__init__(_errno.ENOBUFS, what)
        self.lost = lost

    def merged(self, other: "Overrun") -> "Overrun":
        """One overrun standing for both (lost counts added)."""
        if self.lost is None or other.lost is None:
            return Overrun(lost=self.lost if other.lost is None else other.lost)
        return Overrun(lost=self.lost + other.lost)


class NotSent(NetlinkError):
    """A ``do_many`` request that was never sent: it could not be encoded
    (``cause``: the EncodeError), or its pre-encoded bytes are not one
    netlink message (an nlmsg_len that is not their length would make the
    kernel drop the rest of the datagram)."""

    def __init__(self, what, *, index=None, cause=None):
        super().__init__(_errno.EINVAL, f"not sent: {what}", index=index)
        self.cause = cause


class NotConfirmed(NetlinkError):
    """A ``do_many`` request that was sent but whose outcome is unknown: the
    kernel never finished its window (the datagram was cut short, so no
    closing ACK came), or replies were lost to a receive buffer overrun.  It
    may or may not have been applied."""

    def __init__(self, what, *, index=None):
        super().__init__(_errno.ETIMEDOUT, f"not confirmed: {what}", index=index)


class DumpInterrupted(NetlinkError):
    """A dump reply carried NLM_F_DUMP_INTR: the table changed while it was
    dumped, so the result may be inconsistent.  ``messages`` holds what came."""

    def __init__(self, messages=None, request_type=None):
        super().__init__(_errno.EINTR, "dump interrupted (NLM_F_DUMP_INTR): the table changed "
                                       "during the dump; retry", request_type=request_type)
        self.messages = messages


class FamilyNotFound(NetlinkNotFoundError):
    """The kernel has no generic netlink family of that name."""


_ERRNO_CLASSES = {
    _errno.EEXIST: NetlinkExistsError, _errno.ENOENT: NetlinkNotFoundError,
    _errno.ENODEV: NetlinkNotFoundError, _errno.ESRCH: NetlinkNotFoundError,
    _errno.EPERM: NetlinkPermissionError, _errno.EACCES: NetlinkPermissionError,
    _errno.EINVAL: NetlinkInvalidError, _errno.ERANGE: NetlinkInvalidError,
    _errno.EBUSY: NetlinkBusyError, _errno.EOPNOTSUPP: NotSupportedError,
}


def error_for(err: int, ext_ack=None, **kw) -> NetlinkError:
    """The ``NetlinkError`` subclass for a (positive) errno."""
    return _ERRNO_CLASSES.get(err, NetlinkError)(err, ext_ack, **kw)


# -- naming what an extended ACK points at ------------------------------------


def _walk(cs, buf, off, end, target, path, depth=0):
    """(path, CSet of the attribute's payload or None) of the attribute in
    buf[off:end] that contains byte ``target``; None if none does."""
    set_start = off
    for at in nla.Attributes(buf, off, end):
        off, aend = at.offset, at.offset + at.length
        if not off <= target < aend:
            continue
        t = at.type
        a = cs.by_id.get(t) if cs is not None else None
        p = f"{path}.{a.name if a is not None else t}"
        if a is None or depth > 32:
            return p, None
        inner = off + nla.NLA_HDRLEN
        sub, hdr = None, None
        if a.kind == K_RECORDS:
            return _walk_records(a, buf, inner, aend, target, p, depth) or (p, None)
        if a.kind in (K_NEST, K_TYPEVALUE) or (a.kind == K_INDEXED and a.set is not None):
            sub, hdr = a.set, a.header
        elif a.kind == K_SUBMSG:
            fmt = submsg_format(cs, a, buf, set_start, end)
            if fmt is not None and fmt[0] == "nest":
                sub, hdr = fmt[1], fmt[2]
        if target == off:
            return p, sub
        if hdr is not None:
            inner += nla.align(hdr.size)
            if target < inner:
                return f"{p}._header", None
        if a.kind in (K_INDEXED, K_TYPEVALUE):
            # elements: [i] (indexed array) or [type] (type-value)
            for e in nla.Attributes(buf, inner, aend):
                if e.offset <= target < e.offset + e.length:
                    ep = f"{p}[{e.type}]"
                    if sub is None or target == e.offset:
                        return ep, sub
                    if a.kind == K_TYPEVALUE and a.levels > 1:
                        return ep, None
                    return _walk(sub, buf, e.offset + nla.NLA_HDRLEN, e.offset + e.length,
                                 target, ep, depth + 1) or (ep, sub)
            return p, sub
        if sub is not None:
            return _walk(sub, buf, inner, aend, target, p, depth + 1) or (p, sub)
        return p, None
    return None


def _walk_records(a, buf, off, end, target, path, depth):
    """Records (RTA_MULTIPATH): each a header that starts with its own length,
    then attributes; named ``multipath[i].gateway``."""
    hdr = a.header
    hal = nla.align(hdr.size)
    i = 0
    while off + hdr.size <= end:
        try:
            ln = hdr.decode(buf, off, off + hdr.size, path)[hdr.fixed_names[0]]
        except DecodeError:
            return None
        if ln < hdr.size:
            return None
        rp = f"{path}[{i}]"
        if off <= target < off + ln:
            if target < off + hal:
                return f"{rp}._header", None
            return _walk(a.set, buf, off + hal, min(off + ln, end), target, rp, depth + 1) \
                or (rp, a.set)
        off += nla.align(ln)
        i += 1
    return None


def submsg_format(cs, a, buf, start, end):
    """The format of sub-message attribute ``a`` in the set at buf[start:end]:
    chosen by the first occurrence of its selector, by the codec's own rule
    (``pure.find_selector``); None when the selector is absent or unknown."""
    key = _pure.find_selector({}, None, cs.by_id, a.selector, buf, start, end, {})
    return a.formats.get(key) if key is not None else None


def describe(tpl, req: bytes | None, offset) -> str | None:
    """The name of what ``offset`` (from the start of request ``req``, encoded
    by ``tpl``, a ``nlcodec.request.Template``) points at."""
    if offset is None or req is None or offset >= len(req) + 4:
        return None
    if offset < nla.NLMSG_HDRLEN:
        return "nlmsghdr"
    if tpl is None:
        return None
    pos = nla.NLMSG_HDRLEN
    if tpl.hsize:
        if offset < pos + tpl.hsize:
            return "genlmsghdr" if tpl.genl and offset < 20 else f"{tpl.name}.header"
        pos += tpl.hsize
    cs = tpl.request_set(req)
    if cs is None:
        return None
    r = _walk(cs, req, pos, len(req), offset, cs.name)
    return r[0] if r else None


def missing(tpl, req, attrs) -> str | None:
    """NLMSGERR_ATTR_MISS_TYPE (+ MISS_NEST): name the missing attribute."""
    t = attrs.get("miss_type")
    if t is None or tpl is None or tpl.cs is None:
        return None
    cs = tpl.request_set(req)
    where = cs.name
    nest = attrs.get("miss_nest")
    if nest is not None:
        r = _walk(cs, req, nla.NLMSG_HDRLEN + tpl.hsize, len(req), nest, cs.name)
        if r is None:
            return f"{t} in the nest at offset {nest}"
        where, cs = r
    a = cs.by_id.get(t) if cs is not None else None
    return f"{where}.{a.name if a is not None else t}"


def make_error(msg: _m.Message, req: bytes | None = None, tpl=None,
               index=None) -> NetlinkError:
    """A ``NetlinkError`` from an ERROR (or DONE) message, named against ``req``."""
    attrs = msg.attrs or {}
    text = attrs.get("msg")
    off = attrs.get("offs")
    return error_for(-msg.error, text, offset=off, attr=describe(tpl, req, off),
                     missing=missing(tpl, req, attrs), request=req,
                     request_type=tpl.name if tpl is not None else None, index=index)
