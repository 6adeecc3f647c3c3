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
import itertools
import os
import select
import socket as _socket
import struct
from collections import deque

from . import backends as _backends
from . import message as _m
from . import netns as _netns
from . import registry
from .errors import DecodeError, EncodeError
from .tables import (K_BINARY, K_INDEXED, K_INT, K_NEST, K_RECORDS, K_STRING, K_SUBMSG,
                     K_TYPEVALUE, NLA_TYPE_MASK)
from .values import parse_bytes

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

# kernel modules that provide generic netlink families (for the error hint)
MODULE_HINTS = {
    "psample": "psample", "ovs_datapath": "openvswitch", "ovs_vport": "openvswitch",
    "ovs_flow": "openvswitch", "ovs_packet": "openvswitch", "ovs_meter": "openvswitch",
    "ovs_ct_limit": "openvswitch", "wireguard": "wireguard", "team": "team",
    "macsec": "macsec", "l2tp": "l2tp_netlink", "fou": "fou", "gtp": "gtp",
    "nl80211": "cfg80211", "tipc": "tipc", "batadv": "batman-adv", "seg6": "ipv6",
    "ila": "ila", "ioam6": "ipv6", "mptcp_pm": "(CONFIG_MPTCP)", "smc_pnetid": "smc",
    "nbd": "nbd", "thermal": "(CONFIG_THERMAL_NETLINK)", "net_dm": "drop_monitor",
    "NET_DM": "drop_monitor", "dpll": "(CONFIG_DPLL)",
}

_nlmsghdr = struct.Struct("<IHHII")
_pack_hdr = _nlmsghdr.pack
_unpack_hdr = _nlmsghdr.unpack_from
_i32 = struct.Struct("<i")
_u32 = struct.Struct("<I")
_CMSG_SPACE = _socket.CMSG_SPACE(4) * 2
_PEEK_TRUNC = int(_socket.MSG_PEEK) | int(_socket.MSG_TRUNC)


# -- errors -----------------------------------------------------------------


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


# -- requests ---------------------------------------------------------------


class _Template:
    """One message type resolved once: ids, header layout, attribute set, and
    caches of encoded headers and attributes (the bulk path reuses them)."""

    __slots__ = ("name", "type_id", "cf", "cm", "cs", "hsize", "genl", "hcache", "acache",
                 "whole", "zero", "layout", "fast", "zeros", "variants")

    def __init__(self, name, type_id, cf, cm):
        self.name, self.type_id, self.cf, self.cm = name, type_id, cf, cm
        self.genl = cf is not None and cf.genl
        cs = None
        if cm is not None:
            cs = cm.set if cm.set is not None or not self.genl else _m._first_set(cf)
        self.cs = cs
        self.variants = cm.variants if cm is not None else None
        self.layout = self.zeros = None
        if cm is not None:
            self.layout = cm.header if cm.header is not None or not self.genl else cf.header
        self.hcache = {}
        self.acache = {}
        # attributes whose encoding depends on siblings: encode the set whole
        self.whole = frozenset(a.name for a in cs.attrs if a.kind == K_SUBMSG) if cs else ()
        self.fast = _fast_encoders(cs) if cs is not None else {}
        self.zero = self.header_bytes(None)
        self.hsize = len(self.zero)

    def header_bytes(self, header):
        if header is None and getattr(self, "zero", None) is not None:
            return self.zero
        try:
            key = tuple(header.items()) if header is not None else None
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
            try:
                b = cache[(k, v)]
            except KeyError:
                if k[0] == "_" or k in self.whole:
                    return _backends.active().encode_set(cs, attrs, cs.name)
                f = self.fast.get(k)
                b = f(v) if f is not None else None
                if b is None:
                    b = _backends.active().encode_set(cs, {k: v}, cs.name)
                if len(cache) > 100000:
                    cache.clear()
                cache[(k, v)] = b
            except TypeError:   # dict/list values: no cache
                if k[0] == "_" or k in self.whole:
                    return _backends.active().encode_set(cs, attrs, cs.name)
                b = _backends.active().encode_set(cs, {k: v}, cs.name)
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
        if attrs and self.cm is not None and self.cm.spec.prefixes:
            header, attrs = _m._prefixes(self.cm, header, attrs)   # "dst": "10.7.0.0/24"
        body = self.header_bytes(header) + self.attr_bytes(attrs, header)
        return _pack_hdr(16 + len(body), self.type_id, flags, seq, pid) + body


def _fast_encoders(cs):
    """name -> f(value) giving the whole attribute (header, payload, padding)
    for plain scalars; f returns None for anything else, which then goes to
    the codec (so errors read the same).  Must equal ``encode_set`` byte for
    byte (tests/test_socket.py checks)."""
    out = {}
    for a in cs.attrs:
        if a.multi or a.flags:
            continue
        hdr = struct.Struct("<HH")
        if a.kind == K_INT and a.size and not (a.hint in ("ip", "ipv4")):
            out[a.name] = _int_encoder(a, hdr)
        elif a.kind == K_STRING:
            out[a.name] = _str_encoder(a.id, hdr)
        elif a.kind == K_BINARY and a.hint in (None, "hex", "mac", "ipv4", "ipv6", "ip"):
            out[a.name] = _bin_encoder(a.id, a.hint, hdr)
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
    pton = _socket.inet_pton
    fam = {"ipv4": _socket.AF_INET, "ipv6": _socket.AF_INET6}.get(hint)

    def f(v):
        tv = type(v)
        if tv is str:
            try:
                if hint == "ip":
                    p = pton(_socket.AF_INET6 if ":" in v else _socket.AF_INET, v)
                elif fam is not None:
                    p = pton(fam, v)
                else:
                    p = parse_bytes(v, hint)
            except (OSError, EncodeError):
                try:
                    p = parse_bytes(v, hint)
                except EncodeError:
                    return None
        elif tv is bytes:
            p = v
        else:
            return None
        n = 4 + len(p)
        return pack(n, t) + p + b"\0" * ((-n) & 3)
    return f


# -- finding the attribute an extended ACK points at ------------------------


def _align(n):
    return (n + 3) & ~3


def _walk(cs, buf, off, end, target, path, depth=0):
    """(path, CSet of the attribute's payload or None) of the attribute in
    buf[off:end] that contains byte ``target``; None if none does."""
    set_start = off
    while off + 4 <= end:
        ln, ty = struct.unpack_from("<HH", buf, off)
        if ln < 4:
            return None
        aend = min(off + ln, end)
        if off <= target < max(aend, off + 4):
            t = ty & NLA_TYPE_MASK
            a = cs.by_id.get(t) if cs is not None else None
            p = f"{path}.{a.name if a is not None else t}"
            if a is None or depth > 32:
                return p, None
            inner = off + 4
            sub, hdr = None, None
            if a.kind == K_RECORDS:
                return _walk_records(a, buf, off + 4, aend, target, p, depth) or (p, None)
            if a.kind in (K_NEST, K_TYPEVALUE) or (a.kind == K_INDEXED and a.set is not None):
                sub, hdr = a.set, a.header
            elif a.kind == K_SUBMSG:
                fmt = _submsg_format(cs, a, buf, set_start, end)
                if fmt is not None and fmt[0] == "nest":
                    sub, hdr = fmt[1], fmt[2]
            if target == off:
                return p, sub
            if hdr is not None:
                inner += _align(hdr.size)
                if target < inner:
                    return f"{p}._header", None
            if a.kind in (K_INDEXED, K_TYPEVALUE):
                # elements: [i] (indexed array) or [type] (type-value)
                e = inner
                while e + 4 <= aend:
                    eln, ety = struct.unpack_from("<HH", buf, e)
                    if eln < 4:
                        break
                    if e <= target < e + eln:
                        ep = f"{p}[{ety & NLA_TYPE_MASK}]"
                        if sub is None or target == e:
                            return ep, sub
                        if a.kind == K_TYPEVALUE and a.levels > 1:
                            return ep, None
                        return _walk(sub, buf, e + 4, e + eln, target, ep, depth + 1) or (ep, sub)
                    e += _align(eln)
                return p, sub
            if sub is not None:
                return _walk(sub, buf, inner, aend, target, p, depth + 1) or (p, sub)
            return p, None
        off += _align(ln)
    return None


def _walk_records(a, buf, off, end, target, path, depth):
    """Records (RTA_MULTIPATH): each a header that starts with its own length,
    then attributes; named ``multipath[i].gateway``."""
    hdr = a.header
    hal = _align(hdr.size)
    i = 0
    while off + hdr.size <= end:
        try:
            ln = hdr.decode(buf, off, off + hdr.size, path)[hdr.fixed_names[0]]
        except Exception:
            return None
        if ln < hdr.size:
            return None
        rp = f"{path}[{i}]"
        if off <= target < off + ln:
            if target < off + hal:
                return f"{rp}._header", None
            return _walk(a.set, buf, off + hal, min(off + ln, end), target, rp, depth + 1) \
                or (rp, a.set)
        off += _align(ln)
        i += 1
    return None


def _submsg_format(cs, a, buf, start, end):
    try:
        from . import pure
        d = pure.decode_set(cs, buf, start, end)
        key = d.get(a.selector)
        return a.formats.get(key) if isinstance(key, (str, int)) else None
    except (DecodeError, Exception):
        return None


def _describe(tpl: _Template | None, req: bytes, offset):
    """The name of what ``offset`` (from the start of the request) points at."""
    if offset is None or req is None or offset >= len(req) + 4:
        return None
    if offset < 16:
        return "nlmsghdr"
    if tpl is None:
        return None
    pos = 16
    if tpl.hsize:
        if offset < pos + tpl.hsize:
            return "genlmsghdr" if tpl.genl and offset < 20 else f"{tpl.name}.header"
        pos += tpl.hsize
    cs = tpl.request_set(req)
    if cs is None:
        return None
    r = _walk(cs, req, pos, len(req), offset, cs.name)
    return r[0] if r else None


def _missing(tpl, req, attrs):
    """NLMSGERR_ATTR_MISS_TYPE (+ MISS_NEST): name the missing attribute."""
    t = attrs.get("miss_type")
    if t is None or tpl is None or tpl.cs is None:
        return None
    cs = tpl.request_set(req)
    where = cs.name
    nest = attrs.get("miss_nest")
    if nest is not None:
        r = _walk(cs, req, 16 + tpl.hsize, len(req), nest, cs.name)
        if r is None:
            return f"{t} in the nest at offset {nest}"
        where, cs = r
    a = cs.by_id.get(t) if cs is not None else None
    return f"{where}.{a.name if a is not None else t}"


def make_error(msg: _m.Message, req: bytes | None = None, tpl: _Template | None = None,
               index=None) -> NetlinkError:
    """A ``NetlinkError`` from an ERROR (or DONE) message, named against ``req``."""
    attrs = msg.attrs or {}
    text = attrs.get("msg")
    off = attrs.get("offs")
    return error_for(-msg.error, text, offset=off, attr=_describe(tpl, req, off),
                     missing=_missing(tpl, req, attrs), request=req,
                     request_type=tpl.name if tpl is not None else None, index=index)


# -- generic netlink families ----------------------------------------------


class GenlFamily:
    """What nlctrl says about a family: id, version, header size, groups, ops."""

    def __init__(self, name, id, version, hdrsize, maxattr, groups, ops):
        self.name, self.id, self.version, self.hdrsize = name, id, version, hdrsize
        self.maxattr, self.groups, self.ops = maxattr, groups, ops

    def __repr__(self):
        return f"GenlFamily({self.name!r}, id={self.id}, groups={self.groups})"


_genl_cache: dict[str, GenlFamily] = {}


def _spec_name(kernel_name):
    try:
        return registry.family(kernel_name).name
    except KeyError:
        return None


def resolve_family(name: str, sock: "Socket | None" = None) -> GenlFamily:
    """Look a generic netlink family up through nlctrl (cached per process:
    family ids are global to the kernel, not per namespace)."""
    hit = _genl_cache.get(name)
    if hit is not None:
        return hit
    own = sock is None
    s = sock or Socket("generic")
    try:
        reply = None
        # kernel names mostly keep underscores ("mptcp_pm"), a few use "-"
        for kname in dict.fromkeys((name, name.replace("_", "-"))):
            if len(kname.encode()) >= 16:       # GENL_NAMSIZ: no family has such a name
                continue
            try:
                reply = s.do("getfamily", attrs={"family_name": kname}, family="nlctrl")
                break
            except NetlinkNotFoundError:
                pass
        if reply is None:
            mod = MODULE_HINTS.get(name)
            hint = ""
            if mod:
                hint = (f"; it needs {mod[1:-1]} in the kernel" if mod.startswith("(")
                        else f"; load its module: modprobe {mod}")
            raise FamilyNotFound(_errno.ENOENT, f"generic netlink family {name!r} is not "
                                                f"available in this kernel{hint}")
    finally:
        if own:
            s.close()
    m = reply[0]
    groups = {g["name"]: g["id"] for g in (m.get("mcast_groups") or []) if "name" in g}
    ops = {o.get("id"): o.get("flags", 0) for o in (m.get("ops") or [])}
    fam = GenlFamily(m.get("family_name"), m.get("family_id"), m.get("version"),
                     m.get("hdrsize"), m.get("maxattr"), groups, ops)
    _genl_cache[name] = fam
    _m.GENL_IDS[fam.id] = _spec_name(fam.name) or _spec_name(name) or fam.name
    return fam


# -- the socket -------------------------------------------------------------


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

    def raise_first(self):
        if self.errors:
            raise self.errors[0]

    def __repr__(self):
        return f"<BulkResult {self.count} requests, {len(self.errors)} errors>"


def _split_echo(msgs, port, echo):
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
        self._seq = itertools.count(1)
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

    def _next_seq(self):
        s = next(self._seq)
        if s >= 0xFFFFFFFF:
            self._seq = itertools.count(1)
            s = next(self._seq)
        return s

    # -- encoding ---------------------------------------------------------------

    def template(self, type, family=None) -> _Template:
        key = (type, family)
        t = self._templates.get(key)
        if t is None:
            t = self._templates[key] = self._make_template(type, family)
        return t

    def _make_template(self, type, family):
        if isinstance(type, str) and type in _m.CONTROL_IDS:
            return _Template(type, _m.CONTROL_IDS[type], None, None)
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
            return _Template(cm.name, fid, cf, cm)
        if family is not None:      # name the family: "gettfilter", family="tc"
            spec = registry.family(family)
            cf = registry.compiled(spec)
            try:
                cm = cf.msgs[type] if isinstance(type, int) else cf.msg_by_name[spec.msg(type).name]
            except KeyError:
                raise EncodeError(f"family {spec.name!r} has no message {type!r}") from None
            return _Template(cm.name, cm.type_id, cf, cm)
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
        return _Template(cm.name, cm.type_id, cf, cm)

    # -- receiving --------------------------------------------------------------

    def _recv(self, flags=0):
        """One datagram: (data, group, nsid).  Sized first with MSG_PEEK|MSG_TRUNC
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
                self._buf = bytearray(_align(n) + 4096)
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

    def _decode(self, data):
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
                data, group, nsid = self._recv()
            except Overrun as e:
                # a reply of ours may be lost too: the request fails, and
                # events() reports the overrun as well
                if self._groups:
                    self._note_overrun(e)
                raise
            if data is None:
                continue
            msgs = self._decode(data)
            if group:
                mine, events = _split_echo(msgs, port, echo)
                self._note(events, nsid)
                if mine:
                    return mine
                continue
            return msgs

    # -- requests ---------------------------------------------------------------

    def _send(self, data):
        n = self.sock.send(data)
        if n != len(data):
            raise OSError(_errno.EMSGSIZE, f"sent {n} of {len(data)} bytes")

    def request(self, type, *, header=None, attrs=None, flags=0, family=None):
        """Encode and send one request without waiting; returns (seq, bytes, template)."""
        tpl = self.template(type, family)
        seq = self._next_seq()
        req = tpl.encode(header, attrs, flags | _m.NLM_F_REQUEST, seq, self.port)
        self._send(req)
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
        sent again (the kernel answers each, so the stop is known)."""
        res = BulkResult()
        self._bulk_rcvbuf(window)
        it = iter(requests)
        while True:
            w = self._window(it, window, max_bytes, acks, family)
            if w is None:
                return res
            batch, tpls, base, last, echo, unsent = w
            index = res.count
            for i, e in unsent:
                res.errors.append(e)
                e.index = index + i
            res._by_index = None
            self._run_window(res, batch, tpls, base, last, index, acks, echo,
                             {i for i, _ in unsent}, window_timeout)
            res.count += len(tpls)

    def _run_window(self, res, batch, tpls, base, last, index, acks, echo, unsent, timeout):
        """Send a window and collect its answers; see do_many."""
        noop = _pack_hdr(16, _m.NLMSG_NOOP, _m.NLM_F_REQUEST | _m.NLM_F_ACK, last, self.port)
        todo = [i for i in range(len(tpls)) if i not in unsent]
        while True:
            data = b"".join(batch[i] for i in todo) + (b"" if acks else noop)
            try:
                self._send(data)
            except OSError as e:
                for i in todo:
                    res.errors.append(NotSent(f"send failed: {e}", index=index + i, cause=e))
                res._by_index = None
                return
            seen, complete, overrun = self._collect(res, batch, tpls, base, last, index, acks,
                                                    echo, timeout)
            if complete and not overrun:
                return
            errs = {e.index for e in res.errors}
            left = [i for i in todo if i not in seen and index + i not in errs]
            if acks and not overrun and left:
                # the kernel handles a datagram's messages in order: it stopped
                # at left[0]; the ones after it were never looked at
                res.errors.append(NotConfirmed(
                    "the kernel dropped the datagram from this request on (no ACK for "
                    "it or any later one): check its nlmsg_len", index=index + left[0]))
                res._by_index = None
                todo = left[1:]
                if todo:
                    continue
                return
            why = ("replies were lost to a receive buffer overrun (ENOBUFS)" if overrun else
                   f"no closing ACK for its window within {timeout} s (the kernel dropped "
                   f"the rest of the datagram)")
            for i in (left if acks else [i for i in todo if index + i not in errs]):
                res.errors.append(NotConfirmed(why, index=index + i))
            res._by_index = None
            return

    def _bulk_rcvbuf(self, window):
        need = window * 2048        # room for every reply of a window (skb truesize)
        if self.rcvbuf < need:
            self.rcvbuf = need

    def _window(self, it, window, max_bytes, acks, family):
        """The next window of encoded requests: (messages, templates, first
        seq, last seq); a NOOP+ACK barrier closes it unless ``acks``."""
        add = _m.NLM_F_REQUEST | (_m.NLM_F_ACK if acks else 0)
        port = self.port
        pack = _pack_hdr
        batch = []
        tpls = []
        size = 0
        base = self._next_seq()
        if base > 0xFFFF0000:       # keep a window clear of the 32-bit wrap
            self._seq = itertools.count(1)
            base = self._next_seq()
        seq = base
        echo = set()                # seqs sent with NLM_F_ECHO (see _replies)
        unsent = []                 # (position in the window, NotSent)
        last_ty = tpl = None
        fill = getattr(it, "nl_fill", None)     # nlcodec.template.Rows: whole windows
        if fill is not None:
            batch = fill(seq, port, add, window, max_bytes)
            tpls = [self.template(it.template.type_name, family)] * len(batch)
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
                    _nlmsghdr.pack_into(b, 0, ln, ty, fl | add, seq, port)
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
                        tpl = self.template(ty, family)
                        last_ty = ty
                    body = tpl.header_bytes(h) + tpl.attr_bytes(a, h)
                    b = pack(16 + len(body), tpl.type_id, fl | add, seq, port) + body
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
        self._seq = itertools.count(seq)        # base..seq-1 are this window's
        last = seq - 1
        if not acks:
            last = self._next_seq()             # the closing NOOP+ACK's seq
        return batch, tpls, base, last, echo, unsent

    def _collect(self, res, batch, tpls, base, last, index, acks, echo=(), timeout=10.0):
        """Collect a window's answers: (positions answered with an ACK or
        error, whether the window completed, whether an overrun lost replies).
        Completed: the closing ACK came (acks=False) or every sent request was
        answered.  Never waits more than ``timeout`` seconds for a datagram."""
        port = self.port
        seen = set()
        sent = sum(1 for b in batch if b is not None)
        overrun = False
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout if old is None else min(old, timeout))
        try:
            while True:
                try:
                    msgs = self._replies(echo)
                except Overrun:
                    # what survived is queued already (the kernel answers while
                    # we send): read it, then stop waiting soon
                    overrun = True
                    self.sock.settimeout(min(timeout, 0.5))
                    continue
                except (TimeoutError, BlockingIOError):
                    return seen, False, overrun
                for m in msgs:
                    if m.pid != port or not base <= m.seq <= last:
                        continue
                    if m.type_id == _m.NLMSG_ERROR and m.seq - base < len(tpls):
                        seen.add(m.seq - base)
                    got = self._bulk_reply(res, m, batch, tpls, base, index, acks)
                    if got < 0 or (acks and len(seen) >= sent):
                        return seen, True, overrun
        finally:
            self.sock.settimeout(old)

    def _bulk_reply(self, res, m, batch, tpls, base, index, acks):
        """File one reply of a do_many window in ``res``: -1 when it is the
        barrier's ACK (the window is complete), 1 for a request's ACK counted
        with ``acks``, else 0.  Shared with nlcodec.aio."""
        i = m.seq - base
        ty = m.type_id
        if ty == _m.NLMSG_ERROR:
            if i >= len(tpls):
                return -1
            if m.error:
                res.errors.append(make_error(m, bytes(batch[i]), tpls[i] or
                                             self._tpl_of(batch[i]), index + i))
                res._by_index = None
            return 1 if acks else 0
        if ty not in (_m.NLMSG_DONE, _m.NLMSG_NOOP) and i < len(tpls):
            res.replies.setdefault(index + i, []).append(m)
        return 0

    def _tpl_of(self, raw):
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
                data, group, nsid = self._recv()
            except Overrun as e:
                self._note_overrun(e)
                continue
            if data is None:
                continue
            msgs = self._decode(data)
            if group or not self._pktinfo:
                self._note(msgs, nsid)
            # else: a stray unicast reply (an earlier request's): not an event


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
