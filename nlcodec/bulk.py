"""Bulk requests (``do_many``): windows of encoded requests sent in one
datagram each, the kernel's answers filed per request, and the account of
every request (``BulkResult``).  The sync and the asyncio socket both run
``Window``; only how they wait for a datagram differs.

How the kernel answers a datagram (net/netlink/af_netlink.c,
netlink_rcv_skb()): its messages are handled in order inside the ``send``;
each failure is answered, each success only with NLM_F_ACK; a message whose
nlmsg_len is below NLMSG_HDRLEN or beyond the data left ends the datagram
silently (nothing after it is handled or answered).  So without acks a
NOOP+ACK closes each window as a barrier: its ACK means every request before
it was handled; with ``acks=True`` every request is answered, so the ACKs
counted show where the kernel stopped, and the rest is sent again.
"""

from __future__ import annotations

import struct

from . import message as _m
from .ack import NetlinkError, NotConfirmed, NotSent, make_error
from .errors import EncodeError
from .request import NLMSGHDR, pack_header

__all__ = ["BulkResult", "Window", "rcvbuf_for"]


class BulkResult:
    """What ``do_many`` did: ``count`` requests, ``errors`` as a list of
    ``NetlinkError`` (each with ``.index``), ``replies`` {index: [Message]}.
    ``result[i]`` is request i's error, or its replies (a list, often empty).
    Every request is accounted for: the kernel's errors, ``NotSent`` (could
    not be encoded), ``NotConfirmed`` (outcome unknown: see ``unconfirmed``)."""

    def __init__(self):
        self.count = 0
        self.errors: list[NetlinkError] = []
        self.replies: dict[int, list] = {}
        self._by_index = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def __len__(self):
        return self.count

    def __getitem__(self, i):
        if self._by_index is None:
            self._by_index = {e.index: e for e in self.errors}
        if i < 0:
            i += self.count
        if not 0 <= i < self.count:
            raise IndexError(i)
        return self._by_index.get(i) or self.replies.get(i, [])

    @property
    def unconfirmed(self) -> list[int]:
        """Indices of requests whose outcome is unknown (``NotConfirmed``)."""
        return sorted(e.index for e in self.errors if isinstance(e, NotConfirmed))

    def add_error(self, e: NetlinkError) -> None:
        """File request ``e.index``'s error."""
        self.errors.append(e)
        self._by_index = None

    def raise_first(self):
        if self.errors:
            raise self.errors[0]

    def __repr__(self):
        return f"<BulkResult {self.count} requests, {len(self.errors)} errors>"


def rcvbuf_for(window: int) -> int:
    """A receive buffer that holds a window's answers (skb truesize)."""
    return window * 2048


class Window:
    """One window of a ``do_many``: up to ``window`` requests encoded with
    consecutive seqs (``base``..), sent as one datagram, and what came back.

    Use: ``w = Window.fill(sock, it, ...)``; ``w.begin(res)``; then until
    ``w.settle(...)`` says there is nothing to send again: send
    ``w.datagram()``, give every message received to ``w.file(res, m)``
    until it returns True (complete) or time runs out."""

    __slots__ = ("batch", "tpls", "base", "last", "echo", "unsent", "acks", "port", "index",
                 "todo", "seen", "template_of")

    def __init__(self, batch, tpls, base, last, echo, unsent, acks, port, template_of=None):
        self.batch, self.tpls, self.base, self.last = batch, tpls, base, last
        self.echo, self.unsent, self.acks, self.port = echo, unsent, acks, port
        self.template_of = template_of
        self.index = 0
        self.todo = [i for i in range(len(tpls)) if i not in {j for j, _ in unsent}]
        self.seen: set[int] = set()

    def __len__(self):
        return len(self.tpls)

    @property
    def seqs(self) -> range:
        """The seqs of this window's requests (and of its closing NOOP)."""
        return range(self.base, self.last + 1)

    @classmethod
    def fill(cls, sock, it, window=256, max_bytes=1 << 17, acks=False, family=None):
        """The next window of ``it``'s requests for socket ``sock`` (its
        ``template``, ``port`` and ``seqs``), or None when ``it`` is done.
        Requests that cannot be encoded are kept as ``NotSent``."""
        add = _m.NLM_F_REQUEST | (_m.NLM_F_ACK if acks else 0)
        port = sock.port
        template = sock.template
        batch = []
        tpls = []
        size = 0
        base = seq = sock.seqs.next_window()
        echo = set()                # seqs sent with NLM_F_ECHO
        unsent = []                 # (position in the window, NotSent)
        last_ty = tpl = None
        fill = getattr(it, "nl_fill", None)     # nlcodec.template.Rows: whole windows
        if fill is not None:
            batch = fill(seq, port, add, window, max_bytes)
            tpls = [template(it.template.type_name, family)] * len(batch)
            if it.template.flags & _m.NLM_F_ECHO:
                echo.update(range(seq, seq + len(batch)))
            seq += len(batch)
            it = ()
        for r in it:
            tr = type(r)
            if tr is bytes or tr is bytearray or tr is memoryview:
                b = bytearray(r)
                ln, ty, fl = (struct.unpack_from("<IHH", b) if len(b) >= 16 else
                              (len(b), 0, 0))
                if ln != len(b) or ln < 16:
                    # the kernel would drop this and everything after it in the datagram
                    unsent.append((len(batch), NotSent(
                        f"pre-encoded request of {len(b)} bytes has nlmsg_len {ln} (one "
                        f"message per item, nlmsg_len its length)")))
                    b, fl = None, 0
                else:
                    NLMSGHDR.pack_into(b, 0, ln, ty, fl | add, seq, port)
                tpls.append(None)
            else:
                if tr is tuple:
                    n = len(r)
                    if n == 4:
                        ty, h, a, fl = r
                    elif n == 3:
                        (ty, h, a), fl = r, 0
                    else:
                        (ty, a), h, fl = r, None, 0
                elif tr is dict:
                    ty, h, a, fl = r["type"], r.get("header"), r.get("attrs"), r.get("flags", 0)
                else:
                    ty, h, a = r[:3]
                    fl = r[3] if len(r) > 3 else 0
                try:
                    if ty is not last_ty:
                        last_ty = None
                        tpl = template(ty, family)
                        last_ty = ty
                    b = tpl.encode(h, a, fl | add, seq, port)    # as Socket.do's
                    tpls.append(tpl)
                except (EncodeError, KeyError, TypeError, ValueError, AttributeError,
                        OverflowError, struct.error) as e:
                    unsent.append((len(batch), NotSent(f"cannot encode: {e}", cause=e)))
                    b, fl = None, 0
                    tpls.append(None)
            if fl & _m.NLM_F_ECHO:
                echo.add(seq)
            batch.append(b)
            size += len(b) if b is not None else 0
            seq += 1
            if len(batch) >= window or size >= max_bytes:
                break
        if not batch:
            return None
        sock.seqs.resume(seq)       # base..seq-1 are this window's
        last = seq - 1
        if not acks:
            last = sock.seqs.next()     # the closing NOOP+ACK's seq
        return cls(batch, tpls, base, last, echo, unsent, acks, port,
                   getattr(sock, "template_of", None))

    def begin(self, res: BulkResult) -> None:
        """File the requests that were never sent; this window's requests are
        ``res``'s next ones."""
        self.index = res.count
        for i, e in self.unsent:
            e.index = self.index + i
            res.add_error(e)

    def datagram(self) -> bytes:
        """What to send: the requests still to do, then the closing NOOP+ACK
        unless every request asks for its ACK."""
        data = b"".join(self.batch[i] for i in self.todo)
        if not self.acks:
            data += pack_header(16, _m.NLMSG_NOOP, _m.NLM_F_REQUEST | _m.NLM_F_ACK, self.last,
                                self.port)
        return data

    def send_failed(self, res: BulkResult, e: OSError) -> None:
        for i in self.todo:
            res.add_error(NotSent(f"send failed: {e}", index=self.index + i, cause=e))
        self.todo = []

    def file(self, res: BulkResult, m) -> bool:
        """File one received message in ``res``; True when the window is
        complete (the barrier's ACK came, or with ``acks`` every request sent
        was answered)."""
        if m.pid != self.port or not self.base <= m.seq <= self.last:
            return False
        i = m.seq - self.base
        ty = m.type_id
        n = len(self.tpls)
        if ty == _m.NLMSG_ERROR:
            if i >= n:
                return True                 # the barrier
            self.seen.add(i)
            if m.error:
                tpl = self.tpls[i]
                if tpl is None and self.template_of is not None:
                    tpl = self.template_of(self.batch[i])
                res.add_error(make_error(m, bytes(self.batch[i]), tpl, self.index + i))
            return self.acks and len(self.seen) >= len(self.todo)
        if ty not in (_m.NLMSG_DONE, _m.NLMSG_NOOP) and i < n:
            res.replies.setdefault(self.index + i, []).append(m)
        return False

    def settle(self, res: BulkResult, complete: bool, overrun: bool, timeout) -> bool:
        """After a round of receiving (``complete`` as ``file`` said; whether an
        overrun lost replies): account for what was not answered.  True when
        requests are left to send again (``acks``: the kernel stopped at one,
        which is NotConfirmed, and never looked at the ones after it)."""
        if complete and not overrun:
            self.todo = []
            return False
        errs = {e.index for e in res.errors}
        left = [i for i in self.todo if i not in self.seen and self.index + i not in errs]
        self.seen = set()
        if self.acks and not overrun and left:
            res.add_error(NotConfirmed(
                "the kernel dropped the datagram from this request on (no ACK for "
                "it or any later one): check its nlmsg_len", index=self.index + left[0]))
            self.todo = left[1:]
            return bool(self.todo)
        why = ("replies were lost to a receive buffer overrun (ENOBUFS)" if overrun else
               f"no closing ACK for its window within {timeout} s (the kernel dropped "
               f"the rest of the datagram)")
        for i in (left if self.acks else
                  [i for i in self.todo if self.index + i not in errs]):
            res.add_error(NotConfirmed(why, index=self.index + i))
        self.todo = []
        return False

    def end(self, res: BulkResult) -> None:
        res.count += len(self.tpls)
