"""A fake kernel for tests: nlcodec sockets that talk to a Python function.

The model is mdlayher/netlink's ``nltest``: your test says how the "kernel"
answers, and the code under test uses an ordinary ``nlcodec.Socket`` — same
``do``/``dump``/``do_many``/``events``, same errors and extended ACKs — with
no kernel, no root and no namespace::

    from nlcodec import testing

    def kernel(k, req):                    # req: the decoded request
        if req.type == "getlink":
            return k.dump(req, [{"header": {"index": 1}, "attrs": {"ifname": "lo"}}])
        return k.error(req, errno.EPERM, "not in this test")

    with testing.connect(kernel) as s:
        assert [m["ifname"] for m in s.dump("getlink")] == ["lo"]

A handler returns a list of datagrams (``bytes``), built with the helpers
below (``reply``, ``ack``, ``error``, ``dump``, ``done``), or None for
silence.  ``k.requests`` keeps every request received; ``k.notify()`` queues
a multicast event and ``k.overrun()`` makes the next receive fail with
ENOBUFS, as a full receive buffer does.  Generic netlink families are
resolved by the fake itself (nlctrl ``getfamily``) with the ids of
``families`` (any family with a spec gets one if not given).
"""

from __future__ import annotations

import errno as _errno
import os
import socket as _socket
import struct
from collections import deque
from typing import Callable, Iterable

from . import message as _m
from . import registry
from . import genl, nla
from .socket import NETLINK_CAP_ACK, NETLINK_PKTINFO, SOL_NETLINK, Socket

__all__ = ["FakeKernel", "connect"]



class FakeKernel:
    """The kernel's side of one fake socket.  ``handler(kernel, request)``
    answers each request message with a list of datagrams."""

    def __init__(self, handler: Callable | None = None, protocol: str = "route",
                 families: dict[str, int] | None = None, port: int = 4242):
        self.handler = handler
        self.protocol = registry.protocol_name(protocol)
        self.port = port
        self.requests: list[_m.Message] = []
        self.families = dict(families or {})
        self._queue: deque = deque()        # (datagram, group) or an OSError to raise
        self._r, self._w = os.pipe()        # readable while something is queued
        self._opts: dict = {}
        self.timeout = None
        self.closed = False

    # -- what a handler returns ---------------------------------------------------

    def message(self, req, type, header=None, attrs=None, flags=0) -> bytes:
        """One message of ``req``'s family and protocol, addressed to the requester."""
        fam = req.family if req.protocol == "generic" else None
        target = fam if fam else req.protocol
        return _m.encode(target, type, header=header, attrs=attrs, flags=flags, seq=req.seq,
                         pid=self.port, family_id=req.type_id if fam else None)

    def reply(self, req, header=None, attrs=None, type=None, flags=0) -> list[bytes]:
        """A single answer (its type: ``type``, else the request's own, as
        genl families and NLM_F_ECHO answer)."""
        return [self.message(req, type or req.type, header, attrs, flags)]

    def error(self, req, err: int, ext_ack: str | None = None, **ack_attrs) -> list[bytes]:
        """NLMSG_ERROR for ``req`` with a positive errno (0: an ACK), an
        extended-ACK text and further ext-ACK attributes (``offs=``...),
        laid out as net/netlink/af_netlink.c netlink_ack() does: the request's
        header alone on a NETLINK_CAP_ACK socket (NLM_F_CAPPED), else the whole
        request; NLM_F_ACK_TLVS when attributes follow."""
        attrs = dict(ack_attrs)
        if ext_ack is not None:
            attrs["msg"] = ext_ack
        raw = req.encode()
        capped = err == 0 or self._opts.get((SOL_NETLINK, NETLINK_CAP_ACK))
        msg = {"len": req.length, "type": req.type_id, "flags": req.flags, "seq": req.seq,
               "pid": req.pid}
        flags = (_m.NLM_F_CAPPED if capped else 0) | (_m.NLM_F_ACK_TLVS if attrs else 0)
        return [_m.encode("route", "error", header={"error": -err, "msg": msg},
                          payload=None if capped else raw[16:req.length].hex(),
                          attrs=attrs or None, flags=flags, seq=req.seq, pid=self.port)]

    def ack(self, req) -> list[bytes]:
        return self.error(req, 0)

    def done(self, req, err: int = 0, ext_ack: str | None = None, flags: int = 0) -> bytes:
        """NLMSG_DONE ending ``req``'s dump (``err``: a dump that failed)."""
        return _m.encode("route", "done", header={"error": -err},
                         attrs={"msg": ext_ack} if ext_ack is not None else None,
                         flags=_m.NLM_F_MULTI | flags, seq=req.seq, pid=self.port)

    def dump(self, req, items: Iterable, per_datagram: int = 16, type=None,
             intr: bool = False) -> list[bytes]:
        """A dump's answer: ``items`` (dicts with header/attrs, or encoded
        messages) in datagrams of ``per_datagram`` messages flagged
        NLM_F_MULTI, then NLMSG_DONE; ``intr`` flags it NLM_F_DUMP_INTR."""
        flags = _m.NLM_F_MULTI | (_m.NLM_F_DUMP_INTR if intr else 0)
        rtype = type or _new_type(req)
        msgs = [i if isinstance(i, bytes) else
                self.message(req, rtype, i.get("header"), i.get("attrs"), flags)
                for i in items]
        out = [b"".join(msgs[i:i + per_datagram]) for i in range(0, len(msgs), per_datagram)]
        return out + [self.done(req, flags=flags & _m.NLM_F_DUMP_INTR)]

    # -- what a test injects --------------------------------------------------------

    def notify(self, protocol_or_family: str, type, header=None, attrs=None,
               group: int = 1, family_id: int | None = None) -> None:
        """Queue a multicast event of ``group`` (as the kernel's nlmsg_notify)."""
        try:
            registry.protocol_name(protocol_or_family)
        except ValueError:                      # a generic netlink family
            if family_id is None:
                family_id = self.family_id(protocol_or_family)
        data = _m.encode(protocol_or_family, type, header=header, attrs=attrs,
                         family_id=family_id)
        self._put((data, group))

    def overrun(self) -> None:
        """The next receive fails with ENOBUFS (the receive buffer overflowed)."""
        self._put(OSError(_errno.ENOBUFS, os.strerror(_errno.ENOBUFS)))

    def family_id(self, name: str) -> int:
        """The id this fake gives generic netlink family ``name``: the one the
        process already knows, else one no known family has."""
        if name not in self.families:
            known = {n: i for i, n in _m.GENL_IDS.items()}
            fid = known.get(name)
            if fid is None:
                used = set(_m.GENL_IDS) | set(self.families.values())
                fid = next(i for i in range(0x40, 0xFFFF) if i not in used)
            self.families[name] = fid
        return self.families[name]

    # -- the OS socket's side (what nlcodec.Socket calls) ------------------------------

    def _put(self, item):
        if not self._queue:
            os.write(self._w, b"x")
        self._queue.append(item)

    def _pop(self, peek):
        if not self._queue:
            if self.timeout == 0:
                raise BlockingIOError(_errno.EAGAIN, "fake kernel: nothing to receive")
            raise TimeoutError("fake kernel: nothing to receive (the handler sent no answer)")
        item = self._queue[0]
        if isinstance(item, OSError):
            self._queue.popleft()
            self._drained()
            raise item
        if not peek:
            self._queue.popleft()
            self._drained()
        return item

    def _drained(self):
        if not self._queue:
            os.read(self._r, 1)

    def send(self, data) -> int:
        """Each message of the datagram in order, as netlink_rcv_skb() does:
        a header whose nlmsg_len is below 16 or past the end stops it, and the
        rest of the datagram is dropped unanswered."""
        data = bytes(data)
        for h in nla.Messages(data):
            req = _m.decode(h.raw, self.protocol)[0]
            self.requests.append(req)
            out = self._answer(req)
            for d in out or ():
                self._put((d, 0))
        return len(data)

    def _answer(self, req):
        if req.protocol == "generic" and req.family == "nlctrl" and req.type == "getfamily" \
                and "family_name" in (req.attrs or {}):
            out = self._getfamily(req)
        elif self.handler is not None:
            out = self.handler(self, req)
        else:
            out = []
        # the kernel ACKs what asked for it, after the answer (netlink_rcv_skb)
        if req.flags & _m.NLM_F_ACK and out is not None and not _ends_with_status(out, req):
            out = list(out) + self.ack(req)
        return out

    def _getfamily(self, req):
        name = req.attrs["family_name"]
        try:
            fam = registry.family(name)
        except KeyError:
            return self.error(req, _errno.ENOENT)
        groups = [{"name": g, "id": 0x100 + i} for i, g in enumerate(fam.mcast_groups or ())] \
            if getattr(fam, "mcast_groups", None) else []
        attrs = {"family_id": self.family_id(fam.name), "family_name": name,
                 "version": fam.version or 1, "hdrsize": 0, "maxattr": 0}
        if groups:
            attrs["mcast_groups"] = groups
        return self.reply(req, attrs=attrs, type="newfamily")

    def recv_into(self, buf, nbytes=0, flags=0):
        data, _ = self._pop(flags & _socket.MSG_PEEK)
        n = min(len(data), len(buf))
        buf[:n] = data[:n]
        return len(data) if flags & _socket.MSG_TRUNC else n

    def recvfrom_into(self, buf, nbytes=0, flags=0):
        data, group = self._pop(flags & _socket.MSG_PEEK)
        n = min(len(data), len(buf))
        buf[:n] = data[:n]
        return n, (0, (1 << (group - 1)) if group else 0)

    def recvmsg_into(self, buffers, ancbufsize=0, flags=0):
        data, group = self._pop(flags & _socket.MSG_PEEK)
        buf = buffers[0]
        n = min(len(data), len(buf))
        buf[:n] = data[:n]
        anc = [(SOL_NETLINK, NETLINK_PKTINFO, struct.pack("<I", group))]
        return n, anc, 0, (0, 0)

    def bind(self, addr):
        pass

    def getsockname(self):
        return (self.port, 0)

    def setsockopt(self, level, opt, value):
        self._opts[(level, opt)] = value

    def getsockopt(self, level, opt, *a):
        return self._opts.get((level, opt), 212992)

    def settimeout(self, t):
        self.timeout = t

    def setblocking(self, flag):
        self.timeout = None if flag else 0.0

    def gettimeout(self):
        return getattr(self, "timeout", None)

    def fileno(self):
        return self._r

    def close(self):
        if not self.closed:
            self.closed = True
            os.close(self._r)
            os.close(self._w)


def _new_type(req):
    """The answer type of a request: RTM_GETLINK -> RTM_NEWLINK; genl commands
    answer with their own command."""
    t = req.type
    if req.protocol != "generic" and isinstance(t, str) and t.startswith("get"):
        return "new" + t[3:]
    return t


def _ends_with_status(out, req):
    """Whether the handler's last message is already an ACK/error or DONE."""
    if not out:
        return False
    msgs = _m.decode(out[-1], req.protocol)
    return bool(msgs) and msgs[-1].type_id in (_m.NLMSG_ERROR, _m.NLMSG_DONE)


def connect(handler: Callable | None = None, target: str = "route", *,
            families: dict[str, int] | None = None, groups=(), **options) -> Socket:
    """A ``nlcodec.Socket`` whose kernel is ``handler(kernel, request)``;
    ``target`` as for ``nlcodec.connect`` (a protocol or a genl family).
    The fake is ``socket.kernel``."""
    try:
        proto = registry.protocol_name(target)
        fam = None
    except ValueError:
        proto, fam = "generic", target
    k = FakeKernel(handler, proto, families)
    s = Socket(proto, sock=k, **options)
    s.kernel = k
    if fam is not None:
        cached = fam in genl.cache
        s.family = genl.lookup(fam, s)
        if not cached:          # a fake id must not answer for the real kernel later
            genl.forget(fam)
    if groups:
        s.subscribe(*groups)
    return s
