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
kernel can always finish a dump.  Everything else is the sync socket's
public pieces: its ``request``/``send``/``recv_datagram``/``decode``, error
naming (``nlcodec.ack``) and the bulk windows (``nlcodec.bulk``), resends
included.  Generic netlink families are
resolved (once, cached) before the socket turns non-blocking.
"""

from __future__ import annotations

import asyncio

from . import message as _m
from .ack import DumpInterrupted, NetlinkError, Overrun, make_error
from .bulk import BulkResult, Window, rcvbuf_for
from .errors import DecodeError
from .socket import Socket, connect as _connect_sync, split_echo

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
                data, group, nsid = s.recv_datagram()
            except BlockingIOError:
                return
            except Overrun as e:
                if s.groups:
                    self._events.put_nowait(e)
                self._fail_all(e)       # replies may be lost as well
                continue
            except OSError as e:
                self._fail_all(e)
                return
            if data is None:
                continue
            try:
                msgs = s.decode(data)
            except DecodeError as e:
                self._fail_all(e)
                continue
            if group:
                # the echo of an NLM_F_ECHO request comes marked with a group
                # (Socket._replies): it goes to its waiter, the rest are events
                mine, events = split_echo(msgs, port, self._echo)
                if s.groups:
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
        # the reader runs only when this awaits: the answer cannot come before
        # the waiter is in place
        seq, req, tpl = self.sync.request(type, header=header, attrs=attrs,
                                          flags=flags | _m.NLM_F_ACK, family=family)
        q = self._waiters[seq] = asyncio.Queue()
        if flags & _m.NLM_F_ECHO:
            self._echo.add(seq)
        try:
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
        seq, req, tpl = self.sync.request(type, header=header, attrs=attrs,
                                          flags=flags | _m.NLM_F_DUMP, family=family)
        q = self._waiters[seq] = asyncio.Queue()
        intr = False
        try:
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
        ``NotConfirmed`` results account for every request, and with
        ``acks=True`` the requests after one the kernel stopped at are sent
        again (``nlcodec.bulk.Window``)."""
        s = self.sync
        res = BulkResult()
        if s.rcvbuf < rcvbuf_for(window):
            s.rcvbuf = rcvbuf_for(window)
        it = iter(requests)
        while True:
            w = Window.fill(s, it, window, max_bytes, acks, family)
            if w is None:
                return res
            w.begin(res)
            q = asyncio.Queue()
            for sq in w.seqs:
                self._waiters[sq] = q
            self._echo |= w.echo
            try:
                while w.todo:
                    try:
                        s.send(w.datagram())
                    except OSError as e:
                        w.send_failed(res, e)
                        break
                    complete, overrun = await self._collect(w, res, q, window_timeout)
                    if not w.settle(res, complete, overrun, window_timeout):
                        break
            finally:
                for sq in w.seqs:
                    self._waiters.pop(sq, None)
                self._echo -= w.echo
            w.end(res)

    async def _collect(self, w, res, q, timeout):
        """A window's answers into ``res``: (complete, overrun), as
        ``Socket._collect``."""
        while True:
            try:
                got = await asyncio.wait_for(self._next(q), timeout)
            except asyncio.TimeoutError:
                return False, False
            except Overrun:
                return False, True
            for m in got:
                if w.file(res, m):
                    return True, False

    # -- events -----------------------------------------------------------------

    async def events(self, *, timeout=None, overrun="raise"):
        """Multicast messages (``async for``).  ``timeout``: stop after that many
        seconds without one; overruns raise ``Overrun`` (or are yielded)."""
        if not self.sync.groups:
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
