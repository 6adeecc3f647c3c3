"""Netlink sockets: requests, dumps, bulk requests and events, on the kernel.

    >>> with nlcodec.connect("route", netns="blue") as s:
    ...     s.do("newaddr", header={"family": 2, "prefixlen": 24, "index": 2},
    ...          attrs={"local": "10.0.0.1", "address": "10.0.0.1"}, flags=NLM_F_CREATE)
    ...     for m in s.dump("getlink"):
    ...         print(m.get("ifname"))

``connect(target)``: ``target`` is a netlink protocol (``"route"``,
``"generic"``, a NETLINK_* number) or a generic netlink family name
(``"ethtool"``), resolved through nlctrl once per process.

Behaviour worth knowing:

- ``do`` sets NLM_F_ACK and returns the replies that came before the ACK;
  an error raises ``NetlinkError`` (an ``OSError``: ``except FileExistsError``
  works for EEXIST), with the extended-ACK text, the offset and the name of the
  attribute it points at, found by decoding our own request.
- ``dump`` streams messages.  A reply flagged NLM_F_DUMP_INTR (the table
  changed during the dump) makes it raise ``DumpInterrupted`` after the last
  message, or with ``retry=N`` the dump is buffered and restarted up to N
  times.  A dump the caller stops early is drained (the kernel refuses a new
  dump on a socket while one is running).
- ``do_many`` is the bulk path: requests are encoded with per-attribute
  caches and sent ``window`` at a time in one ``send``; the kernel processes
  them in order inside that call.  By default requests carry no NLM_F_ACK:
  only failures are answered, and a NOOP with NLM_F_ACK closes each window as
  a barrier, which halves the traffic.  ``acks=True`` asks for every ACK.
- Multicast messages are told apart from replies by their destination group
  (``recvmsg`` address or NETLINK_PKTINFO), never by sequence number: a
  notification caused by our own request carries our port id and seq.
- An ENOBUFS overrun (events lost) raises ``Overrun`` from ``events()``
  (or is yielded with ``overrun="yield"``); it is never dropped.  The kernel
  reports the next overrun only after the queue was read empty, so after one,
  resynchronise (dump) and keep reading.  ``no_enobufs=True`` turns the
  reports off (NETLINK_NO_ENOBUFS).
- An overrun also fails the requests in flight on that socket (their replies
  may be what was lost): keep busy event sockets apart from request sockets.
- One socket is for one thread (or one event loop: ``nlcodec.aio``).
- Messages larger than the receive buffer are sized with MSG_PEEK|MSG_TRUNC
  first, so nothing is ever truncated.
"""

from __future__ import annotations

import errno as _errno
import select
import socket as _socket
import struct
from collections import deque

from . import message as _m
from . import netns as _netns
from . import nla
from . import registry
from .ack import (DumpInterrupted, FamilyNotFound, NetlinkBusyError, NetlinkError,  # noqa: F401
                  NetlinkExistsError, NetlinkInvalidError, NetlinkNotFoundError,
                  NetlinkPermissionError, NotConfirmed, NotSent, NotSupportedError, Overrun,
                  error_for, make_error)
from .bulk import BulkResult, Window, rcvbuf_for
from .errors import DecodeError, EncodeError
from . import genl
from .genl import MODULE_HINTS, GenlFamily  # noqa: F401
from .request import Sequence, Template

# the public names, wherever they live now (errors: nlcodec.ack; requests:
# nlcodec.request; genl families: nlcodec.genl; bulk: nlcodec.bulk)
__all__ = ["Socket", "connect", "split_echo", "BulkResult", "Window", "Template", "Sequence",
           "GenlFamily", "resolve_family", "MODULE_HINTS", "RTNLGRP", "NetlinkError",
           "NetlinkExistsError", "NetlinkNotFoundError", "NetlinkPermissionError",
           "NetlinkInvalidError", "NetlinkBusyError", "NotSupportedError", "Overrun", "NotSent",
           "NotConfirmed", "DumpInterrupted", "FamilyNotFound", "error_for", "make_error"]

SOL_NETLINK = 270
SO_MEMINFO = 55                 # asm-generic/socket.h
SK_MEMINFO_DROPS, SK_MEMINFO_VARS = 8, 9   # linux/sock_diag.h: sk_drops, array length
NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP, NETLINK_PKTINFO = 1, 2, 3
NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS, NETLINK_LISTEN_ALL_NSID = 4, 5, 8
NETLINK_LIST_MEMBERSHIPS, NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK = 9, 10, 11, 12
SO_RCVBUFFORCE, SO_SNDBUFFORCE = 33, 32

# enum rtnetlink_groups (linux/rtnetlink.h), in order from RTNLGRP_NONE = 0
_RTNLGRP_ORDER = (
    "none link notify neigh tc ipv4_ifaddr ipv4_mroute ipv4_route ipv4_rule ipv6_ifaddr "
    "ipv6_mroute ipv6_route ipv6_ifinfo decnet_ifaddr nop2 decnet_route decnet_rule nop4 "
    "ipv6_prefix ipv6_rule nd_useropt phonet_ifaddr phonet_route dcb ipv4_netconf "
    "ipv6_netconf mdb mpls_route nsid mpls_netconf ipv4_mroute_r ipv6_mroute_r nexthop "
    "brvlan mctp_ifaddr tunnel stats").split()
RTNLGRP = {n: i for i, n in enumerate(_RTNLGRP_ORDER)}

_i32 = struct.Struct("<i")
_u32 = struct.Struct("<I")
_CMSG_SPACE = _socket.CMSG_SPACE(4) * 2
_PEEK_TRUNC = int(_socket.MSG_PEEK) | int(_socket.MSG_TRUNC)


def split_echo(msgs, port, echo):
    """(echoes of our NLM_F_ECHO requests, the rest) of a group-marked datagram."""
    if not echo:
        return (), msgs
    mine, rest = [], []
    for m in msgs:
        (mine if m.pid == port and m.seq in echo else rest).append(m)
    return mine, rest


class Socket:
    """A netlink socket bound to the kernel.  Use ``connect()`` to make one."""

    def __init__(self, protocol="route", *, family=None, netns=None, rcvbuf=None, sndbuf=None,
                 strict=True, ext_ack=True, cap_ack=True, no_enobufs=False,
                 listen_all_nsid=False, timeout=None, sock=None):
        self.protocol = registry.protocol_name(protocol)
        self.family = family            # GenlFamily for a genl family socket
        if sock is not None:            # a stand-in for the kernel (nlcodec.testing)
            self.sock = sock
        elif netns is None:
            self.sock = _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW,
                                       registry.protocol_number(self.protocol))
        else:
            with _netns.enter(netns):
                self.sock = _socket.socket(_socket.AF_NETLINK, _socket.SOCK_RAW,
                                           registry.protocol_number(self.protocol))
        self.netns = netns
        try:
            self.sock.bind((0, 0))
            self.port = self.sock.getsockname()[0]
            for opt, on in ((NETLINK_EXT_ACK, ext_ack), (NETLINK_CAP_ACK, cap_ack),
                            (NETLINK_GET_STRICT_CHK, strict), (NETLINK_NO_ENOBUFS, no_enobufs),
                            (NETLINK_LISTEN_ALL_NSID, listen_all_nsid)):
                if on:
                    try:
                        self.setsockopt(opt, 1)
                    except OSError as e:    # an older kernel: do without
                        if e.errno != _errno.ENOPROTOOPT or opt in (NETLINK_NO_ENOBUFS,
                                                                    NETLINK_LISTEN_ALL_NSID):
                            raise
            if rcvbuf:
                self.rcvbuf = rcvbuf
            if sndbuf:
                self._setbuf(_socket.SO_SNDBUF, SO_SNDBUFFORCE, sndbuf)
        except BaseException:
            self.sock.close()
            raise
        self.listen_all_nsid = listen_all_nsid
        self.timeout = timeout
        self.sock.settimeout(timeout)
        self.seqs = Sequence()
        self._buf = bytearray(1 << 16)
        self._templates: dict = {}
        self._groups: set[int] = set()
        self._pktinfo = False
        self._events: deque = deque()
        self._overrun = None            # an Overrun not yet reported by events()
        self._drops_seen = 0

    # -- plumbing ---------------------------------------------------------------

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        what = self.family.name if self.family is not None else self.protocol
        return f"<nlcodec.Socket {what} port={self.port}>"

    def setsockopt(self, opt, value=1):
        """A SOL_NETLINK option (NETLINK_EXT_ACK, NETLINK_NO_ENOBUFS ...)."""
        self.sock.setsockopt(SOL_NETLINK, opt, value)

    def getsockopt(self, opt):
        return self.sock.getsockopt(SOL_NETLINK, opt)

    def _setbuf(self, opt, force, size):
        try:
            self.sock.setsockopt(_socket.SOL_SOCKET, force, size)
        except PermissionError:
            self.sock.setsockopt(_socket.SOL_SOCKET, opt, size)

    @property
    def rcvbuf(self) -> int:
        """Receive buffer size (the kernel reports double what was asked)."""
        return self.sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF)

    @rcvbuf.setter
    def rcvbuf(self, size: int):
        self._setbuf(_socket.SO_RCVBUF, SO_RCVBUFFORCE, size)

    def next_seq(self) -> int:
        """A fresh sequence number for a request."""
        return self.seqs.next()

    @property
    def groups(self) -> frozenset:
        """The multicast groups joined (numbers)."""
        return frozenset(self._groups)

    # -- encoding ---------------------------------------------------------------

    def template(self, type, family=None) -> Template:
        key = (type, family)
        t = self._templates.get(key)
        if t is None:
            t = self._templates[key] = self._make_template(type, family)
        return t

    def _make_template(self, type, family):
        if isinstance(type, str) and type in _m.CONTROL_IDS:
            return Template(type, _m.CONTROL_IDS[type], None, None)
        if self.protocol == "generic":
            gf = self.family if family is None else (
                family if isinstance(family, GenlFamily) else
                resolve_family(family, self) if family != "nlctrl" else None)
            if family == "nlctrl" or (gf is not None and gf.id == registry.GENL_ID_CTRL):
                spec, fid = registry.family("nlctrl"), registry.GENL_ID_CTRL
            elif gf is None:
                raise EncodeError("a generic netlink socket needs the family: "
                                  "connect('ethtool') or do(..., family='ethtool')")
            else:
                try:
                    spec = registry.family(_m.GENL_IDS.get(gf.id, gf.name))
                except KeyError:
                    raise EncodeError(f"no spec for generic netlink family {gf.name!r} "
                                      f"(id {gf.id}); nlcodec.register() one") from None
                fid = gf.id
            cf = registry.compiled(spec)
            try:
                cm = cf.msgs[type] if isinstance(type, int) else cf.msg_by_name[spec.msg(type).name]
            except KeyError:
                raise EncodeError(f"family {spec.name!r} has no command {type!r}") from None
            return Template(cm.name, fid, cf, cm)
        if family is not None:      # name the family: "gettfilter", family="tc"
            spec = registry.family(family)
            cf = registry.compiled(spec)
            try:
                cm = cf.msgs[type] if isinstance(type, int) else cf.msg_by_name[spec.msg(type).name]
            except KeyError:
                raise EncodeError(f"family {spec.name!r} has no message {type!r}") from None
            return Template(cm.name, cm.type_id, cf, cm)
        if isinstance(type, int):
            hit = registry.lookup_message(self.protocol, type)
        else:
            hit = registry.message_by_name(self.protocol, type)
            if hit is None and type.isdigit():
                hit = registry.lookup_message(self.protocol, int(type))
        if hit is None:
            raise EncodeError(f"protocol {self.protocol!r} has no message {type!r} "
                              f"(is its spec in nlcodec/specs?)")
        cf, cm = hit
        return Template(cm.name, cm.type_id, cf, cm)

    # -- receiving --------------------------------------------------------------

    def recv_datagram(self, flags=0):
        """One datagram: (data, group, nsid); data None when it came from
        another socket, not the kernel.  Sized first with MSG_PEEK|MSG_TRUNC
        so a message of any size arrives whole."""
        sock = self.sock
        while True:
            try:
                n = sock.recv_into(self._buf, len(self._buf), _PEEK_TRUNC | flags)
            except OSError as e:
                if e.errno == _errno.ENOBUFS:
                    raise self._overrun_error() from None
                raise
            if n > len(self._buf):
                self._buf = bytearray(nla.align(n) + 4096)
                continue
            break
        try:
            return self._recv_sized(sock, flags)
        except OSError as e:
            # the overrun can also come between the probe and the receive
            if e.errno == _errno.ENOBUFS:
                raise self._overrun_error() from None
            raise

    def _overrun_error(self) -> Overrun:
        """An Overrun with ``lost``: messages the kernel dropped for this socket
        since the last overrun (its sk_drops, SO_MEMINFO), or None unknown."""
        lost = None
        try:
            mem = self.sock.getsockopt(_socket.SOL_SOCKET, SO_MEMINFO, 4 * SK_MEMINFO_VARS)
            drops = _u32.unpack_from(mem, 4 * SK_MEMINFO_DROPS)[0]
            lost = drops - self._drops_seen
            self._drops_seen = drops
        except (OSError, struct.error, TypeError):   # no SO_MEMINFO (a fake socket)
            pass
        return Overrun(lost=lost)

    def _recv_sized(self, sock, flags):
        group = nsid = 0
        if self._pktinfo or self.listen_all_nsid:
            n, anc, mflags, addr = sock.recvmsg_into([self._buf], _CMSG_SPACE, flags)
            for level, ctype, cdata in anc:
                if level == SOL_NETLINK and ctype == NETLINK_PKTINFO:
                    group = _u32.unpack_from(cdata)[0]
                elif level == SOL_NETLINK and ctype == NETLINK_LISTEN_ALL_NSID:
                    nsid = _i32.unpack_from(cdata)[0]
            sender = addr[0]
        else:
            n, addr = sock.recvfrom_into(self._buf, len(self._buf), flags)
            sender, mask = addr
            if mask:
                group = mask.bit_length()
        if sender != 0:         # only the kernel talks to us
            return None, 0, 0
        return bytes(self._buf[:n]), group, nsid

    def _note_overrun(self, e: Overrun):
        self._overrun = e if self._overrun is None else self._overrun.merged(e)

    def decode(self, data) -> list:
        """The messages of a datagram (this socket's protocol)."""
        return _m.decode(data, self.protocol, kernel=False)

    def _note(self, msgs, nsid):
        """Queue multicast messages for ``events()`` (when subscribed)."""
        if self._groups:
            if self.listen_all_nsid:
                self._events.extend((nsid, m) for m in msgs)
            else:
                self._events.extend(msgs)

    def _replies(self, echo=()):
        """Messages of the next datagram that are replies to us (multicast
        ones are queued for events()); an overrun is remembered for events().
        ``echo``: seqs of our NLM_F_ECHO requests.  The kernel sends their echo
        through nlmsg_notify, so it arrives marked with a group; ours by port
        and seq (the kernel leaves the requester out of the multicast copy)."""
        port = self.port
        while True:
            try:
                data, group, nsid = self.recv_datagram()
            except Overrun as e:
                # a reply of ours may be lost too: the request fails, and
                # events() reports the overrun as well
                if self._groups:
                    self._note_overrun(e)
                raise
            if data is None:
                continue
            msgs = self.decode(data)
            if group:
                mine, events = split_echo(msgs, port, echo)
                self._note(events, nsid)
                if mine:
                    return mine
                continue
            return msgs

    # -- requests ---------------------------------------------------------------

    def send(self, data) -> None:
        """Send raw bytes (one datagram), all of them or raise."""
        n = self.sock.send(data)
        if n != len(data):
            raise OSError(_errno.EMSGSIZE, f"sent {n} of {len(data)} bytes")

    def request(self, type, *, header=None, attrs=None, flags=0, family=None):
        """Encode and send one request without waiting; returns (seq, bytes, template)."""
        tpl = self.template(type, family)
        seq = self.next_seq()
        req = tpl.encode(header, attrs, flags | _m.NLM_F_REQUEST, seq, self.port)
        self.send(req)
        return seq, req, tpl

    def do(self, type, *, header=None, attrs=None, flags=0, family=None) -> list:
        """One request with NLM_F_ACK; the replies before the ACK.  Raises
        ``NetlinkError`` (a subclass by errno) when the kernel refuses it."""
        seq, req, tpl = self.request(type, header=header, attrs=attrs,
                                     flags=flags | _m.NLM_F_ACK, family=family)
        out = []
        port = self.port
        echo = (seq,) if flags & _m.NLM_F_ECHO else ()
        while True:
            for m in self._replies(echo):
                if m.seq != seq or m.pid != port:
                    continue        # a reply to an earlier request we gave up on
                ty = m.type_id
                if ty == _m.NLMSG_ERROR:
                    if m.error:
                        raise make_error(m, req, tpl)
                    return out
                if ty == _m.NLMSG_DONE:
                    if m.error:
                        raise make_error(m, req, tpl)
                    return out
                if ty != _m.NLMSG_NOOP:
                    out.append(m)

    def dump(self, type, *, header=None, attrs=None, flags=0, family=None, retry=0):
        """NLM_F_DUMP: yields every message.  NLM_F_DUMP_INTR raises
        ``DumpInterrupted`` after the last message; with ``retry=N`` the dump is
        collected first and redone up to N times while interrupted."""
        if retry:
            return iter(self._dump_retry(type, header, attrs, flags, family, retry))
        return self._dump(type, header, attrs, flags, family)

    def _dump_retry(self, type, header, attrs, flags, family, retry):
        for attempt in range(retry + 1):
            out = []
            try:
                for m in self._dump(type, header, attrs, flags, family):
                    out.append(m)
            except DumpInterrupted as e:
                if attempt == retry:
                    e.messages = out
                    raise
                continue
            return out

    def _dump(self, type, header, attrs, flags, family):
        seq, req, tpl = self.request(type, header=header, attrs=attrs,
                                     flags=flags | _m.NLM_F_DUMP, family=family)
        port = self.port
        intr = False
        done = False
        try:
            while not done:
                mine = [m for m in self._replies() if m.seq == seq and m.pid == port]
                # the end may sit in this datagram: know it before yielding, so a
                # dump abandoned now is not drained past its end
                done = any(m.type_id in (_m.NLMSG_DONE, _m.NLMSG_ERROR) for m in mine)
                for m in mine:
                    ty = m.type_id
                    if m.flags & _m.NLM_F_DUMP_INTR:
                        intr = True
                    if ty == _m.NLMSG_DONE or ty == _m.NLMSG_ERROR:
                        if m.error:
                            raise make_error(m, req, tpl)
                        break
                    if ty != _m.NLMSG_NOOP:
                        yield m
        finally:
            if not done:
                self._drain(seq)
        if intr:
            raise DumpInterrupted(request_type=tpl.name)

    def _drain(self, seq):
        """Read the rest of an abandoned dump so the socket can dump again."""
        try:
            while True:
                if not select.select([self.sock], [], [], 5)[0]:
                    return      # nothing more is coming: never hang here
                for m in self._replies():
                    if m.seq == seq and m.type_id in (_m.NLMSG_DONE, _m.NLMSG_ERROR):
                        return
        except (OSError, DecodeError):
            pass

    # -- bulk -------------------------------------------------------------------

    def do_many(self, requests, *, window=256, acks=False, family=None,
                max_bytes=1 << 17, window_timeout=10.0) -> BulkResult:
        """Many requests, ``window`` per ``send``.  ``requests``: an iterable of
        ``(type, attrs)``, ``(type, header, attrs[, flags])``, dicts with
        type/header/attrs/flags, or pre-encoded ``bytes`` (seq and port are
        rewritten).  Flags: NLM_F_REQUEST is added, and NLM_F_ACK with
        ``acks=True``; pass NLM_F_CREATE|NLM_F_EXCL yourself.  Returns a
        ``BulkResult``; errors are reported per request, never raised.  The
        receive buffer is raised to hold a window's answers; requests with big
        replies (gets, NLM_F_ECHO) want a smaller ``window``.

        Nothing is raised once requests were sent: a request that cannot be
        encoded is ``NotSent`` (the others go); a window whose closing ACK
        does not come within ``window_timeout`` seconds (the kernel dropped
        the rest of a datagram), or whose replies were partly lost to an
        overrun, leaves its unanswered requests ``NotConfirmed``; with
        ``acks=True`` the requests after the one the kernel stopped at are
        sent again (the kernel answers each, so the stop is known).
        See ``nlcodec.bulk``."""
        res = BulkResult()
        if self.rcvbuf < rcvbuf_for(window):
            self.rcvbuf = rcvbuf_for(window)
        it = iter(requests)
        while True:
            w = Window.fill(self, it, window, max_bytes, acks, family)
            if w is None:
                return res
            w.begin(res)
            while w.todo:
                try:
                    self.send(w.datagram())
                except OSError as e:
                    w.send_failed(res, e)
                    break
                complete, overrun = self._collect(w, res, window_timeout)
                if not w.settle(res, complete, overrun, window_timeout):
                    break
            w.end(res)

    def _collect(self, w: Window, res: BulkResult, timeout=10.0):
        """Receive a window's answers into ``res``: (whether the window
        completed, whether an overrun lost replies).  Never waits more than
        ``timeout`` seconds for a datagram."""
        overrun = False
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout if old is None else min(old, timeout))
        try:
            while True:
                try:
                    msgs = self._replies(w.echo)
                except Overrun:
                    # what survived is queued already (the kernel answers while
                    # we send): read it, then stop waiting soon
                    overrun = True
                    self.sock.settimeout(min(timeout, 0.5))
                    continue
                except (TimeoutError, BlockingIOError):
                    return False, overrun
                for m in msgs:
                    if w.file(res, m):
                        return True, overrun
        finally:
            self.sock.settimeout(old)

    def template_of(self, raw) -> Template | None:
        """The template of a pre-encoded request (to name what an error points at)."""
        ty = struct.unpack_from("<H", raw, 4)[0]
        try:
            if self.protocol == "generic":
                return self.template(raw[16], None) if self.family else None
            return self.template(ty)
        except (EncodeError, KeyError, IndexError):
            return None

    # -- events -----------------------------------------------------------------

    def _group_id(self, g):
        if isinstance(g, int):
            return g
        if self.family is not None:
            gid = self.family.groups.get(g)
            if gid is None:
                raise ValueError(f"generic netlink family {self.family.name!r} has no multicast "
                                 f"group {g!r}; it has: {', '.join(self.family.groups) or 'none'}")
            return gid
        if self.protocol == "route":
            key = g.lower()
            if key.startswith("rtnlgrp_"):
                key = key[8:]
            if key in RTNLGRP:
                return RTNLGRP[key]
            raise ValueError(f"no rtnetlink group {g!r}; known: {', '.join(RTNLGRP)}")
        named = registry.protocol_groups(self.protocol)
        if named:
            gid = named.get(g.lower(), named.get(g.upper()))
            if gid is None:
                raise ValueError(f"no {self.protocol} group {g!r}; known: "
                                 f"{', '.join(k for k in named if not k.isupper())}")
            return gid
        raise ValueError(f"groups of protocol {self.protocol!r} are given by number")

    def subscribe(self, *groups):
        """Join multicast groups: RTNLGRP names (``"link"``, ``"RTNLGRP_IPV4_ROUTE"``),
        a genl family's group names (``"packets"``), or numbers."""
        if not self._pktinfo:
            self.setsockopt(NETLINK_PKTINFO, 1)   # tells multicast from replies
            self._pktinfo = True
        for g in groups:
            gid = self._group_id(g)
            self.setsockopt(NETLINK_ADD_MEMBERSHIP, gid)
            self._groups.add(gid)
        return self

    def unsubscribe(self, *groups):
        for g in groups:
            gid = self._group_id(g)
            self.setsockopt(NETLINK_DROP_MEMBERSHIP, gid)
            self._groups.discard(gid)

    def events(self, *, timeout=None, overrun="raise"):
        """Multicast messages as they come.  ``timeout``: stop after that many
        seconds without one.  An ENOBUFS overrun raises ``Overrun`` (the
        iterator can be started again), or with ``overrun="yield"`` an
        ``Overrun`` instance is yielded in the stream.  With
        ``listen_all_nsid`` each item is ``(nsid, message)``."""
        if not self._groups:
            raise ValueError("subscribe() to a group first")
        while True:
            if self._overrun is not None:
                ev, self._overrun = self._overrun, None
                if overrun == "raise":
                    raise ev
                yield ev
            while self._events:
                yield self._events.popleft()
            if timeout is not None:
                r, _, _ = select.select([self.sock], [], [], timeout)
                if not r:
                    return
            try:
                data, group, nsid = self.recv_datagram()
            except Overrun as e:
                self._note_overrun(e)
                continue
            if data is None:
                continue
            msgs = self.decode(data)
            if group or not self._pktinfo:
                self._note(msgs, nsid)
            # else: a stray unicast reply (an earlier request's): not an event


def resolve_family(name: str, sock: Socket | None = None) -> GenlFamily:
    """A generic netlink family by name, through nlctrl on ``sock`` or on a
    socket of its own (``nlcodec.genl.lookup``; cached per process)."""
    if sock is not None or name in genl.cache:
        return genl.lookup(name, sock)
    with Socket("generic") as s:
        return genl.lookup(name, s)


def connect(target="route", *, netns=None, groups=(), rcvbuf=None, strict=True,
            spec=None, **options) -> Socket:
    """A netlink socket: ``target`` is a protocol (``"route"``, ``"generic"``,
    a NETLINK_* number) or a generic netlink family name (``"ethtool"``),
    resolved through nlctrl.  ``netns``: a name under /run/netns, a path, an
    open fd, ``"pid:N"``.  ``groups`` are joined at once (see ``subscribe``).
    ``spec``: a kernel YNL spec (a path to its YAML, its text, or a ``Family``
    from ``nlcodec.ynl.load``), genetlink or netlink-raw, loaded and registered
    first: ``connect("netdev", spec="netdev.yaml")``; ``target`` may then be
    None.  Options: ``sndbuf``, ``ext_ack``, ``cap_ack``,
    ``no_enobufs``, ``listen_all_nsid``, ``timeout``."""
    if spec is not None:
        from .ynl import load_for_connect
        target = load_for_connect(target, spec)
    fam = None
    try:
        proto = registry.protocol_name(target)
    except ValueError:
        proto = "generic"
        fam = target
    s = Socket(proto, netns=netns, rcvbuf=rcvbuf, strict=strict, **options)
    try:
        if fam is not None:
            s.family = resolve_family(fam, s)
        if groups:
            s.subscribe(*groups)
    except BaseException:
        s.close()
        raise
    return s
