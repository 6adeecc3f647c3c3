"""The socket layer on asyncio: the API of ``nlcodec.socket`` with awaits.

    >>> async with nlcodec.aio.connect("route", netns="blue") as s:
    ...     await s.do("newlink", attrs={...}, flags=NLM_F_CREATE | NLM_F_EXCL)
    ...     async for m in s.dump("getlink"):
    ...         ...
    ...     s.subscribe("link")
    ...     async for ev in s.events():
    ...         ...

One reader callback (``loop.add_reader`` on the non-blocking socket) reads
every datagram as it arrives and hands each message to whoever waits for its
sequence number, or to the event queue when it came from a multicast group;
replies nobody waits for (an abandoned dump's tail) are dropped, so the
kernel can always finish a dump.  Encoding, error naming and the bulk
encoder are those of ``nlcodec.socket``.  Generic netlink families are
resolved (once, cached) before the socket turns non-blocking.
"""

from __future__ import annotations

import asyncio

from . import message as _m
from .errors import DecodeError
from .socket import (_pack_hdr, _split_echo, BulkResult, DumpInterrupted, NetlinkError,
                     NotConfirmed, NotSent, Overrun, Socket, connect as _connect_sync,
                     make_error)

__all__ = ["connect", "AsyncSocket", "NetlinkError", "Overrun", "DumpInterrupted"]


class _Failure:
    """An error for every waiter (socket error, undecodable datagram)."""

    def __init__(self, exc):
        self.exc = exc


class AsyncSocket:
    """A netlink socket driven by the running event loop."""

    def __init__(self, sock: Socket, loop=None):
        self.sync = sock
        self.loop = loop or asyncio.get_running_loop()
        sock.sock.setblocking(False)
        self._waiters: dict[int, asyncio.Queue] = {}
        self._echo: set[int] = set()        # seqs of pending NLM_F_ECHO requests
        self._events: asyncio.Queue = asyncio.Queue()
        self._closed = False
        self.loop.add_reader(sock.fileno(), self._readable)

    # -- plumbing ---------------------------------------------------------------

    @property
    def port(self):
        return self.sync.port

    @property
    def family(self):
        return self.sync.family

    @property
    def rcvbuf(self):
        return self.sync.rcvbuf

    @rcvbuf.setter
    def rcvbuf(self, size):
        self.sync.rcvbuf = size

    def fileno(self):
        return self.sync.fileno()

    def close(self):
        if not self._closed:
            self._closed = True
            self.loop.remove_reader(self.sync.fileno())
            self.sync.close()
            self._fail_all(OSError("socket closed"))

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<nlcodec.aio.AsyncSocket {self.sync!r}>"

    def subscribe(self, *groups):
        self.sync.subscribe(*groups)
        return self

    def unsubscribe(self, *groups):
        self.sync.unsubscribe(*groups)

    # -- the reader -------------------------------------------------------------

    def _fail_all(self, exc):
        f = _Failure(exc)
        for q in set(self._waiters.values()):
            q.put_nowait(f)

    def _readable(self):
        s = self.sync
        port = s.port
        for _ in range(256):        # then let other callbacks run
            try:
                data, group, nsid = s._recv()
            except BlockingIOError:
                return
            except Overrun as e:
                if s._groups:
                    self._events.put_nowait(e)
                self._fail_all(e)       # replies may be lost as well
                continue
            except OSError as e:
                self._fail_all(e)
                return
            if data is None:
                continue
            try:
                msgs = s._decode(data)
            except DecodeError as e:
                self._fail_all(e)
                continue
            if group:
                # the echo of an NLM_F_ECHO request comes marked with a group
                # (Socket._replies): it goes to its waiter, the rest are events
                mine, events = _split_echo(msgs, port, self._echo)
                if s._groups:
                    put = self._events.put_nowait
                    for m in events:
                        put((nsid, m) if s.listen_all_nsid else m)
                if not mine:
                    continue
                msgs = mine
            # one queue item per datagram and waiter: a list of its messages
            waiters = self._waiters
            out = {}
            for m in msgs:
                q = waiters.get(m.seq) if m.pid == port else None
                if q is not None:
                    b = out.get(q)
                    if b is None:
                        b = out[q] = []
                    b.append(m)
            for q, b in out.items():
                q.put_nowait(b)

    async def _next(self, q):
        """The next batch of messages for this waiter."""
        b = await q.get()
        if type(b) is _Failure:
            raise b.exc
        return b

    # -- requests ---------------------------------------------------------------

    async def do(self, type, *, header=None, attrs=None, flags=0, family=None) -> list:
        """``Socket.do`` awaited: the replies, or ``NetlinkError``."""
        s = self.sync
        tpl = s.template(type, family)
        seq = s._next_seq()
        req = tpl.encode(header, attrs, flags | _m.NLM_F_REQUEST | _m.NLM_F_ACK, seq, s.port)
        q = self._waiters[seq] = asyncio.Queue()
        if flags & _m.NLM_F_ECHO:
            self._echo.add(seq)
        try:
            s._send(req)
            out = []
            while True:
                for m in await self._next(q):
                    ty = m.type_id
                    if ty in (_m.NLMSG_ERROR, _m.NLMSG_DONE):
                        if m.error:
                            raise make_error(m, req, tpl)
                        return out
                    if ty != _m.NLMSG_NOOP:
                        out.append(m)
        finally:
            del self._waiters[seq]
            self._echo.discard(seq)

    async def dump(self, type, *, header=None, attrs=None, flags=0, family=None, retry=0):
        """``Socket.dump`` as an async iterator (``async for m in s.dump(...)``)."""
        for attempt in range(retry + 1):
            if not retry:
                async for m in self._dump(type, header, attrs, flags, family):
                    yield m
                return
            out = []
            try:
                async for m in self._dump(type, header, attrs, flags, family):
                    out.append(m)
            except DumpInterrupted as e:
                if attempt == retry:
                    e.messages = out
                    raise
                continue
            for m in out:
                yield m
            return

    async def _dump(self, type, header, attrs, flags, family):
        s = self.sync
        tpl = s.template(type, family)
        seq = s._next_seq()
        req = tpl.encode(header, attrs, flags | _m.NLM_F_REQUEST | _m.NLM_F_DUMP, seq, s.port)
        q = self._waiters[seq] = asyncio.Queue()
        intr = False
        try:
            s._send(req)
            done = False
            while not done:
                for m in await self._next(q):
                    if m.flags & _m.NLM_F_DUMP_INTR:
                        intr = True
                    ty = m.type_id
                    if ty in (_m.NLMSG_DONE, _m.NLMSG_ERROR):
                        if m.error:
                            raise make_error(m, req, tpl)
                        done = True
                        break
                    if ty != _m.NLMSG_NOOP:
                        yield m
        finally:
            # the reader drops what is left of an abandoned dump
            self._waiters.pop(seq, None)
        if intr:
            raise DumpInterrupted(request_type=tpl.name)

    async def do_many(self, requests, *, window=256, acks=False, family=None,
                      max_bytes=1 << 17, window_timeout=10.0) -> BulkResult:
        """``Socket.do_many`` awaited: one window in flight at a time.  As
        there, nothing is raised once requests were sent: ``NotSent`` and
        ``NotConfirmed`` results account for every request."""
        s = self.sync
        res = BulkResult()
        s._bulk_rcvbuf(window)
        it = iter(requests)
        while True:
            w = s._window(it, window, max_bytes, acks, family)
            if w is None:
                return res
            batch, tpls, base, last, echo, unsent = w
            index = res.count
            for i, e in unsent:
                e.index = index + i
                res.errors.append(e)
            res._by_index = None
            skip = {i for i, _ in unsent}
            todo = [i for i in range(len(tpls)) if i not in skip]
            q = asyncio.Queue()
            for sq in range(base, last + 1):
                self._waiters[sq] = q
            self._echo |= echo
            seen, complete, why = set(), False, None
            try:
                data = b"".join(batch[i] for i in todo)
                if not acks:
                    data += _pack_hdr(16, _m.NLMSG_NOOP, _m.NLM_F_REQUEST | _m.NLM_F_ACK,
                                      last, s.port)
                try:
                    s._send(data)
                except OSError as e:
                    for i in todo:
                        res.errors.append(NotSent(f"send failed: {e}", index=index + i, cause=e))
                    complete = True
                while not complete:
                    try:
                        got = await asyncio.wait_for(self._next(q), window_timeout)
                    except asyncio.TimeoutError:
                        why = (f"no closing ACK for its window within {window_timeout} s "
                               f"(the kernel dropped the rest of the datagram)")
                        break
                    except Overrun:
                        why = "replies were lost to a receive buffer overrun (ENOBUFS)"
                        break
                    for m in got:
                        if m.type_id == _m.NLMSG_ERROR and m.seq - base < len(tpls):
                            seen.add(m.seq - base)
                        r = s._bulk_reply(res, m, batch, tpls, base, index, acks)
                        if r < 0 or (acks and len(seen) >= len(todo)):
                            complete = True
                            break
            finally:
                for sq in range(base, last + 1):
                    self._waiters.pop(sq, None)
                self._echo -= echo
            if why:
                errs = {e.index for e in res.errors}
                for i in todo:
                    if index + i not in errs and not (acks and i in seen):
                        res.errors.append(NotConfirmed(why, index=index + i))
            res._by_index = None
            res.count += len(tpls)

    # -- events -----------------------------------------------------------------

    async def events(self, *, timeout=None, overrun="raise"):
        """Multicast messages (``async for``).  ``timeout``: stop after that many
        seconds without one; overruns raise ``Overrun`` (or are yielded)."""
        if not self.sync._groups:
            raise ValueError("subscribe() to a group first")
        while True:
            try:
                if timeout is None:
                    ev = await self._events.get()
                else:
                    ev = await asyncio.wait_for(self._events.get(), timeout)
            except asyncio.TimeoutError:
                return
            if isinstance(ev, Overrun):
                if overrun == "raise":
                    raise ev
            yield ev


class _Connect:
    """``await connect(...)`` or ``async with connect(...) as s``."""

    def __init__(self, args, kw):
        self.args, self.kw = args, kw
        self.sock = None

    def _open(self):
        self.sock = AsyncSocket(_connect_sync(*self.args, **self.kw))
        return self.sock

    def __await__(self):
        async def go():
            return self._open()
        return go().__await__()

    async def __aenter__(self):
        return self._open()

    async def __aexit__(self, *exc):
        self.sock.close()


def connect(target="route", *, netns=None, groups=(), rcvbuf=None, strict=True, **options):
    """``nlcodec.connect`` for asyncio: ``s = await connect("route")`` or
    ``async with connect("ethtool") as s``.  Needs a running loop."""
    return _Connect((target,), dict(netns=netns, groups=groups, rcvbuf=rcvbuf, strict=strict,
                                    **options))
