"""Netlink messages: the stream decoder, ``Message`` and the encoder.

Layout on the wire: ``nlmsghdr`` (len, type, flags, seq, pid), then for a
plain protocol the message's fixed header (``ifinfomsg`` ...), or for generic
netlink ``genlmsghdr`` and the family's own header (``ovs_header``), then the
attributes, each aligned to 4 bytes.  Control messages (NOOP, ERROR, DONE,
OVERRUN) are the same for every protocol and handled here.
"""

from __future__ import annotations

import gc
import struct

from . import backends as _backend
from . import pure, registry
from .errors import DecodeError, EncodeError
from .nla import align as _align
from .tables import CSet

NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN = 1, 2, 3, 4
NLMSG_MIN_TYPE = 0x10
CONTROL_NAMES = {NLMSG_NOOP: "noop", NLMSG_ERROR: "error", NLMSG_DONE: "done",
                 NLMSG_OVERRUN: "overrun"}
CONTROL_IDS = {v: k for k, v in CONTROL_NAMES.items()}

NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x2, 0x4, 0x8
NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED = 0x10, 0x20
NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC = 0x100, 0x200, 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND = 0x100, 0x200, 0x400, 0x800
NLM_F_NONREC, NLM_F_BULK = 0x100, 0x200
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200

_nlmsghdr = struct.Struct("<IHHII")
_genlhdr = struct.Struct("<BBH")
_i32 = struct.Struct("<i")
_u32 = struct.Struct("<I")

# generic netlink ids learned at run time (sockets fill it); nlctrl's is fixed
GENL_IDS: dict[int, str] = {registry.GENL_ID_CTRL: "nlctrl"}


_EMPTY_SET = None


def _empty_set():
    global _EMPTY_SET
    if _EMPTY_SET is None:
        from .spec import AttrSet
        _EMPTY_SET = CSet(AttrSet("unknown_attrs", []))
    return _EMPTY_SET


class Message:
    """One decoded netlink message.

    Attributes are decoded on demand: ``get``/``[]`` of one attribute does not
    build the whole tree (the native backend finds it in C), ``to_dict`` does.
    The whole message was validated when it was decoded.  Padding after it
    in its stream (NLMSG_ALIGN) that is not zero is kept as ``_pad`` (hex),
    and ``encode`` writes it back.
    """

    __slots__ = ("type", "type_id", "family", "protocol", "flags", "seq", "pid", "length",
                 "direction", "_header", "_attrs", "_lazy", "_set", "_cf", "_cmd", "_payload",
                 "_raw", "_hlen", "_kernel", "_pad")

    def __init__(self):
        self.direction = None       # "to-kernel"/"from-kernel" when a capture says
        self._lazy = None
        self._attrs = None
        self._payload = None
        self._set = None
        self._cf = None
        self._cmd = None
        self._hlen = None           # bytes of a fixed header shorter than its struct
        self._kernel = False        # decoded with kernel=True: encode likewise
        self._pad = None            # hex: the NLMSG_ALIGN padding after it, when not zero

    # -- access ---------------------------------------------------------------

    @property
    def header(self) -> dict:
        return self._header

    @property
    def attrs(self) -> dict:
        a = self._attrs
        if a is None:
            a = self._attrs = self._lazy.load() if self._lazy is not None else {}
        return a

    def _key(self, name):
        cs = self._set
        if cs is not None:
            ca = cs.by_name.get(name)
            if ca is None and isinstance(name, str):
                k = name.lower().replace("-", "_")          # UAPI and YNL spellings
                ca = cs.by_name.get(k) or cs.by_name.get(cs.prefix + k.upper())
            if ca is not None:
                return ca
        return None

    _MISSING = object()

    def get(self, name, default=None):
        """An attribute's value by our name, UAPI name (``IFLA_IFNAME``) or number."""
        a = self._attrs
        if a is not None or self._lazy is None:
            if a is None:
                return default
            v = a.get(name, self._MISSING)
            if v is not self._MISSING:
                return v
            ca = self._key(name)
            return a.get(ca.name, default) if ca is not None else default
        ca = self._key(name)
        if ca is None:
            return self.attrs.get(str(name), default)
        return self._lazy.get(ca, default)

    def __getitem__(self, name):
        v = self.get(name, self._MISSING)
        if v is self._MISSING:
            raise KeyError(name)
        return v

    def __contains__(self, name):
        return self.get(name, self._MISSING) is not self._MISSING

    @property
    def error(self) -> int | None:
        """For ERROR/DONE messages: the (negative) errno, 0 for an ACK."""
        return self._header.get("error") if self.type_id in (NLMSG_ERROR, NLMSG_DONE) else None

    @property
    def payload(self) -> str | None:
        return self._payload

    def to_dict(self, names: bool = False) -> dict:
        """The message as plain data (JSON-ready).  ``names=True`` shows every
        value the specs name by its name, as ``ip -j`` does (``"table": "main"``,
        ``"flags": ["up", "lower_up"]``, ``"action": "pipe"``, ``"parent":
        "ffff:fff1"``); ``encode`` takes that form back to the same bytes."""
        header, attrs = self._header, self._attrs
        if attrs is None:
            attrs = self.attrs
        if names:
            from . import tables
            named_attrs, named_struct = tables.named_form     # set by nlcodec.names
            cm, cf = self._cmd, self._cf
            lay = cm.header if cm is not None and cm.header is not None else (
                cf.header if cf is not None and cf.genl else None)
            header = named_struct(lay, header)
            attrs = named_attrs(self._set, attrs)
        d = {"type": self.type, "family": self.family, "flags": self.flags, "seq": self.seq,
             "pid": self.pid, "header": header, "attrs": attrs}
        if self._payload is not None:
            d["payload"] = self._payload
        if self._pad is not None:
            d["_pad"] = self._pad
        return d

    def encode(self) -> bytes:
        """Encode again from the decoded values (equal to the input bytes):
        ``nlmsg_len`` bytes, then the padding after them when it was not zero
        (``_pad``; ``encode_stream`` puts zeros there otherwise)."""
        if self._kernel:            # the kernel's internal forms (kernel_variant sets)
            with pure.kernel_encoding():
                b = self._encode()
        else:
            b = self._encode()
        return b if self._pad is None else b + _pad_bytes(self._pad, len(b))

    def _encode(self) -> bytes:
        if self._cf is None and self.protocol == "generic" and self.type_id >= NLMSG_MIN_TYPE:
            # a family id we have no spec for: genlmsghdr and unknown attributes
            h = self._header or {}
            body = _genlhdr.pack(h.get("cmd", 0), h.get("version", 0), h.get("reserved", 0))
            body += _backend.active().encode_set(_empty_set(), self.attrs, "unknown_attrs")
            return _nlmsghdr.pack(16 + len(body), self.type_id, self.flags, self.seq,
                                  self.pid) + body
        return _encode(self._cf, self._cmd, self.type_id, self._header, self.attrs,
                       self.flags, self.seq, self.pid, self._payload, self._hlen)

    def __repr__(self):
        return (f"<Message {self.family}/{self.type} len={self.length} seq={self.seq} "
                f"flags={self.flags:#x}>")


def request_form(attrs):
    """A decoded attribute dict without its ``_flags`` and ``_pad``
    bookkeeping (at every level), so that encoding it sets the NLA_F_* bits
    our specs choose instead of the ones the kernel dumped, and zero padding
    instead of what a sender left in its buffer (libmnl does not clear it).
    Kernel dumps leave NLA_F_NESTED off nests that its strict parsers require
    it on (TC action options, vxlan tunnel options): re-sending a dumped or
    captured object wants this form."""
    if isinstance(attrs, dict):
        return {k: request_form(v) for k, v in attrs.items() if k not in ("_flags", "_pad")}
    if isinstance(attrs, list):
        return [request_form(v) for v in attrs]
    return attrs


# -- decoding ---------------------------------------------------------------


def decode(data, protocol="route", *, families: dict | None = None, kernel: bool = False,
           lazy: bool = False):
    """Decode a stream of netlink messages into a list of ``Message``.

    Every message is validated whole.  With the native backend attributes are
    decoded at once, in one C call for the whole stream, which is the fastest
    way to get whole messages (``to_dict``, most attributes, JSON).
    ``lazy=True`` (native backend): a message of more than ``lazy_min`` (512)
    bytes of attributes is validated and its attributes decoded when first
    asked for, one C call per message and per attribute: for a few
    attributes (``m.get("ifname")``) of large messages (a link dump with
    stats: 9 us a message against 14 for decode and ``to_dict``).  Smaller
    messages (routes, psample, flower, OVS flows) cost less decoded whole,
    and are: in the stream's one C call, as without ``lazy`` (``nlcodec
    bench decode``, ``decode_lazy_get``).  ``families``: generic netlink ids
    of this capture or socket, ``{id: family name}``."""
    _check_families(families)
    return decode_checked(data, protocol, families, kernel, lazy)


def decode_checked(data, protocol, families, kernel=False, lazy=False):
    """``decode`` of ``families`` already checked (captures: once, not per record)."""
    # Building many objects at once: the cyclic GC would run again and again
    # over them for nothing (a quarter of the time of a large dump).
    gc_on = gc.isenabled()
    if gc_on:
        gc.disable()
    try:
        return list(_iter_decode(data, protocol, families, kernel, lazy))
    finally:
        if gc_on:
            gc.enable()


def _check_families(families):
    """``families`` maps generic netlink ids to family names: {28: "ovs_flow"}."""
    if families is None:
        return
    if not isinstance(families, dict):
        raise TypeError(f"families= takes a dict of generic netlink id -> family name "
                        f"(e.g. {{28: 'ovs_flow'}}), got {type(families).__name__}")
    for k, v in families.items():
        if isinstance(k, str) and isinstance(v, int):
            raise TypeError(f"families= maps id -> name, not name -> id: "
                            f"write {{{v}: {k!r}}}, not {{{k!r}: {v}}}")
        if not isinstance(k, int) or isinstance(k, bool) or not isinstance(v, str):
            raise TypeError(f"families= maps generic netlink id (int) -> family name (str), "
                            f"got {k!r}: {v!r}")
        if not 0 < k <= 0xFFFF:
            raise ValueError(f"families=: id {k} is not a netlink message type (1..65535)")


def iter_decode(data, protocol="route", *, families=None, kernel=False, lazy=False):
    _check_families(families)
    yield from _iter_decode(data, protocol, families, kernel, lazy)


def _iter_decode(data, protocol, families, kernel, lazy):
    proto = registry.protocol_name(protocol)
    buf = data if isinstance(data, bytes) else bytes(data)
    ids = GENL_IDS if not families else {**GENL_IDS, **families}
    n = len(buf)
    off = 0
    stream = getattr(_backend.active(), "decode_stream", None)
    if stream is not None and n >= 16 and buf[5] == 0 and buf[4] < NLMSG_MIN_TYPE and \
            _u32.unpack_from(buf)[0] + 3 >= n:
        # one control message (an ACK, an error, DONE) alone: the C core would
        # leave it to decode_one below anyway, after a call and a marshal for
        # nothing (native 4.5 us an ACK against pure's 2.7)
        stream = None
    if stream is not None and n:
        # the native backend decodes the whole stream in one call; messages it
        # leaves aside (control messages, unknown types, errors) come here one by one
        off, items, info = stream(proto, buf, ids, kernel, lazy)
        genl = proto == "generic"
        hoff = 20 if genl else 16
        kern = bool(kernel)
        plans = {}
        new = Message.__new__
        for moff, ln, ty, fl, seq, pid, hdr, attrs in items:
            if attrs is None:       # (lazy: the large ones, validated, decoded on demand)
                m = decode_one(buf, moff, ln, ty, fl, seq, pid, proto, ids, kernel, lazy)
                if ln & 3:
                    m._pad = _pad_after(buf, moff + ln, n)
                yield m
                continue
            key = (ty, hdr["cmd"]) if genl else ty
            plan = plans.get(key)
            if plan is None:
                plan = plans[key] = _stream_plan(info[key], genl)
            cf, cm, fam, name, cs, hsize = plan
            # every slot Message() sets, set once here (a message per item:
            # an __init__ call and its stores overwritten are a tenth of a route's)
            m = new(Message)
            m.direction = m._lazy = m._payload = m._hlen = m._pad = None
            m._kernel = kern
            m.type_id, m.flags, m.seq, m.pid, m.length = ty, fl, seq, pid, ln
            m.protocol, m.family, m.type = proto, fam, name
            m._cf, m._cmd, m._header, m._attrs = cf, cm, hdr, attrs
            m._set = cs if cs is not _VARIANTS else cm.set_for(hdr)
            if ln - hoff < hsize:
                m._hlen = max(ln - hoff, 0)
                hdr.pop("_size", None)      # a short header: said by _hlen
            if ln & 3:
                m._pad = _pad_after(buf, moff + ln, n)
            yield m
    # the pure backend, whole messages of a plain protocol: what decode_one
    # does for a message of each type worked out once (_pure_plan)
    plans = {} if stream is None and not lazy and proto != "generic" and \
        _backend.active().name == "pure" else None
    kern = bool(kernel)
    new = Message.__new__
    decode_set = pure.decode_set
    while off < n:
        if n - off < 16:
            raise DecodeError(f"{n - off} bytes left, too short for a netlink header",
                              path="nlmsghdr", offset=off)
        ln, ty, fl, seq, pid = _nlmsghdr.unpack_from(buf, off)
        if ln < 16:
            raise DecodeError(f"nlmsg_len {ln} < 16", path="nlmsghdr", offset=off)
        if off + ln > n:
            raise DecodeError(f"nlmsg_len {ln} overruns the buffer by {off + ln - n} bytes",
                              path="nlmsghdr", offset=off)
        plan = None
        if plans is not None:
            plan = plans.get(ty, _NO_PLAN)
            if plan is _NO_PLAN:
                plan = plans[ty] = _pure_plan(proto, ty)
        if plan is not None and ln - 16 >= plan[4]:
            cf, cm, name, hdec, hsize, hpad, cs = plan
            pos = off + 16
            hdr = hdec(buf, pos)
            for a, b in hpad:           # padding members that are not zero: the bytes kept
                if any(buf[pos + a:pos + b]):
                    hdr["_raw"] = bytes(buf[pos:pos + hsize]).hex()
                    break
            m = new(Message)
            m.direction = m._lazy = m._payload = m._hlen = m._pad = None
            m._kernel = kern
            m.type_id, m.flags, m.seq, m.pid, m.length = ty, fl, seq, pid, ln
            m.protocol = m.family = proto
            m.type, m._cf, m._cmd, m._header = name, cf, cm, hdr
            if cs is _VARIANTS:
                cs = cm.set_for(hdr)
            m._set = cs
            pos += (hsize + 3) & ~3
            end = off + ln
            m._attrs = decode_set(cs, buf, pos if pos < end else end, end, cs.name, 0, kernel)
        else:
            m = decode_one(buf, off, ln, ty, fl, seq, pid, proto, ids, kernel, lazy)
        if ln & 3:
            m._pad = _pad_after(buf, off + ln, n)
        yield m
        off += (ln + 3) & ~3


_VARIANTS = object()         # a message type whose attribute set depends on its header
_NO_PLAN = object()


def _pure_plan(proto, ty):
    """_iter_decode's fast way through a message of a plain protocol with
    the pure backend: (cf, cm, name, header decode function, header size,
    the header's padding members (pure.pad_ranges), attribute set or _VARIANTS) for
    a type with a flat fixed header and an attribute set; None for anything
    else (control messages, unknown types, no header or no set: decode_one).
    A message shorter than the header goes to decode_one too."""
    if ty < NLMSG_MIN_TYPE:
        return None
    hit = registry.lookup_message(proto, ty)
    if hit is None:
        return None
    cf, cm = hit
    lay = cm.header
    if lay is None or not lay.flat or lay.variable or cm.set is None:
        return None
    return (cf, cm, cm.name, lay.decoder(), lay.size, pure.pad_ranges(lay),
            cm.set if cm.variants is None else _VARIANTS)


def _stream_plan(entry, genl):
    """What _iter_decode needs per message of one type from the stream
    decoder's info: (cf, cm, family, name, attribute set or _VARIANTS, size
    of the fixed header, or -(1 << 30) when there is none)."""
    cf, cm, fam = entry
    lay = cm.header if cm.header is not None or not genl else cf.header
    return (cf, cm, fam, cm.name, cm.set if cm.variants is None else _VARIANTS,
            lay.size if lay is not None else -(1 << 30))


def _pad_after(buf, end, n):
    """The padding after a message that ends at ``end`` (up to its 4-byte
    boundary, NLMSG_ALIGN, or the end of the stream), as hex when it is not
    all zero: the kernel's netlink_rcv_skb() skips it unread, so a sender
    may leave anything there; None when it is zero (``encode_stream`` writes
    zeros)."""
    pad = buf[end:min(_align(end), n)]
    return pad.hex() if any(pad) else None


def decode_one(buf, off, ln, ty, fl, seq, pid, proto, ids, kernel, lazy=False):
    m = Message()
    m._kernel = bool(kernel)
    m.type_id = ty
    m.flags = fl
    m.seq = seq
    m.pid = pid
    m.length = ln
    m.protocol = proto
    m.family = proto
    end = off + ln
    if ty < NLMSG_MIN_TYPE:
        _decode_control(m, buf, off, end, proto)
        return m
    be = _backend.active()
    if proto == "generic":
        name = ids.get(ty)
        fam = None
        if name is not None:
            try:
                fam = registry.family(name)
            except KeyError:
                fam = None
        if end - off < 20:
            raise DecodeError(f"message of {ln} bytes too short for genlmsghdr",
                              path="genlmsghdr", offset=off + 16)
        cmd, version, reserved = _genlhdr.unpack_from(buf, off + 16)
        hdr = {"cmd": cmd, "version": version, "reserved": reserved}
        m.family = name or str(ty)
        pos = off + 20
        if fam is None:
            m.type = str(cmd)
            m._header = hdr
            m._set = _empty_set()
            m._attrs = be.decode_attrs(m._set, buf, pos, end, "unknown_attrs", kernel)
            return m
        cf = registry.compiled(fam)
        cm = cf.msgs.get(cmd)
        m._cf = cf
        m._cmd = cm
        m.type = cm.name if cm is not None else str(cmd)
        layout = cm.header if cm is not None else cf.header
        if layout is not None:
            hsize = layout.size
            hend = min(pos + hsize, end)
            hdr.update(pure.header_raw(layout, layout.decode(buf, pos, hend, f"{fam.name}.header"),
                                       buf, pos, hend))
            if hend - pos < hsize:
                m._hlen = hend - pos
                hdr.pop("_size", None)
            pos += _align(hsize)
        m._header = hdr
        cs = cm.set if cm is not None and cm.set is not None else _first_set(cf)
    else:
        hit = registry.lookup_message(proto, ty)
        if hit is None:
            m.type = str(ty)
            m._header = {}
            m._payload = bytes(buf[off + 16:end]).hex()
            return m
        cf, cm = hit
        m._cf = cf
        m._cmd = cm
        m.type = cm.name
        pos = off + 16
        if cm.header is not None:
            hsize = cm.header.size
            hend = min(pos + hsize, end)
            m._header = pure.header_raw(cm.header, cm.header.decode(buf, pos, hend,
                                                                    f"{cm.name}.header"),
                                        buf, pos, hend)
            if hend - pos < hsize:
                m._hlen = hend - pos
                m._header.pop("_size", None)
            pos += _align(hsize)
        else:
            m._header = {}
        cs = cm.set if cm.variants is None else cm.set_for(m._header)
    m._set = cs
    if cs is None:
        m._attrs = {}
        if pos < end:
            m._payload = bytes(buf[pos:end]).hex()
        return m
    if pos > end:
        pos = end
    # lazy: the native backend validates now and decodes attributes on first use
    # (a small message whole at once: cheaper than validating and looking up)
    dec = getattr(be, "decode_lazy", None) if lazy else None
    if dec is not None and end - pos <= be.lazy_min:
        dec = None
    r = (dec or be.decode_attrs)(cs, buf, pos, end, cs.name, kernel)
    if type(r) is dict:
        m._attrs = r
    else:
        m._lazy = r
    return m


def _first_set(cf):
    for cm in cf.msgs.values():
        if cm.set is not None:
            return cm.set
    return _empty_set()


_ext_ack_set = None


def ext_ack_set() -> CSet:
    global _ext_ack_set
    if _ext_ack_set is None:
        _ext_ack_set = registry.compiled("netlink").set("ext_ack_attrs")
    return _ext_ack_set


def _decode_control(m, buf, off, end, proto):
    ty = m.type_id
    m.type = CONTROL_NAMES.get(ty, str(ty))
    m._header = {}
    m._attrs = {}
    pos = off + 16
    if ty == NLMSG_ERROR:
        if end - pos < 20:
            raise DecodeError(f"error message of {m.length} bytes, needs 36",
                              path="nlmsgerr", offset=pos)
        err = _i32.unpack_from(buf, pos)[0]
        oln, oty, ofl, oseq, opid = _nlmsghdr.unpack_from(buf, pos + 4)
        m._header = {"error": err, "msg": {"len": oln, "type": oty, "flags": ofl, "seq": oseq,
                                           "pid": opid}}
        pos += 20
        # what follows: the request echoed back (unless NLM_F_CAPPED), then the
        # extended ACK attributes (with NLM_F_ACK_TLVS); kept as-is for re-encoding
        tlv = end
        if m.flags & NLM_F_ACK_TLVS:
            tlv = pos if m.flags & NLM_F_CAPPED else min(pos + _align(max(oln - 16, 0)), end)
        if tlv > pos:
            m._payload = bytes(buf[pos:tlv]).hex()
        if tlv < end:
            a = _backend.active().decode_attrs(ext_ack_set(), buf, tlv, end, "ext_ack_attrs",
                                               False)
            m._attrs = a if type(a) is dict else a.load()
        return
    if ty == NLMSG_DONE and end - pos >= 4:
        m._header = {"error": _i32.unpack_from(buf, pos)[0]}
        pos += 4
        if m.flags & NLM_F_ACK_TLVS and pos < end:
            a = _backend.active().decode_attrs(ext_ack_set(), buf, pos, end, "ext_ack_attrs",
                                               False)
            m._attrs = a if type(a) is dict else a.load()
            return
    if pos < end:
        m._payload = bytes(buf[pos:end]).hex()


# -- encoding ---------------------------------------------------------------


_zero_headers: dict = {}


def _header_bytes(layout, header, hlen, where) -> bytes:
    """A fixed header: members not given are zero, so requests are always
    full size; a header decoded short (``hlen``) encodes short again."""
    if header is None:
        return bytes(layout.size)
    if "_raw" in header:            # padding that was not zero: the bytes as they came
        return bytes.fromhex(header["_raw"])
    if hlen is None or hlen >= layout.size:
        zero = _zero_headers.get(id(layout))
        if zero is None:
            zero = _zero_headers[id(layout)] = layout.decode(bytes(layout.size), 0, layout.size)
        if len(header) < len(zero):
            header = {**zero, **header}
    elif "_size" not in header:
        header = {**header, "_size": hlen}
    return layout.encode(header, where)


def _encode(cf, cm, type_id, header, attrs, flags, seq, pid, payload=None, hlen=None) -> bytes:
    be = _backend.active()
    body = b""
    if type_id < NLMSG_MIN_TYPE:
        body = _encode_control(type_id, header or {}, attrs, flags, payload)
    elif cf is not None and cf.genl:
        h = dict(header or {})
        cmd = cm.id if cm is not None else int(h.get("cmd", 0))
        body = _genlhdr.pack(cmd, h.get("version", cf.spec.version), h.get("reserved", 0))
        layout = cm.header if cm is not None and cm.header is not None else cf.header
        if layout is not None:
            body += _header_bytes(layout, {k: v for k, v in h.items()
                                           if k not in ("cmd", "version", "reserved")},
                                  hlen, "header")
        cs = cm.set if cm is not None and cm.set is not None else _first_set(cf)
        if attrs:
            body = _aligned(body) + be.encode_set(cs, attrs, cs.name)
    elif cm is not None:
        if cm.spec.prefixes and attrs:
            header, attrs = _prefixes(cm, header, attrs)
        cs = cm.set if cm.variants is None else cm.set_for(header)
        whole = getattr(be, "encode_msg", None)     # the native backend's: one C call
        if whole is not None and cm.header is not None and cs is not None and attrs and \
                hlen is None and not payload:
            b = whole(cm.header, header, cs, attrs, type_id, flags, seq, pid)
            if b is not None:
                return b
        if cm.header is not None:
            body += _header_bytes(cm.header, header, hlen, f"{cm.name}.header")
        if cs is not None and attrs:
            body = _aligned(body) + be.encode_set(cs, attrs, cs.name)
    if payload and type_id >= NLMSG_MIN_TYPE:
        body = _aligned(body) + bytes.fromhex(payload)
    # nlmsg_len leaves out the padding after a header that ends the message
    # (an rtgenmsg dump request is 17 bytes, as iproute2 sends it)
    return _nlmsghdr.pack(16 + len(body), type_id, flags, seq, pid) + body


def _pad_bytes(pad, length) -> bytes:
    """A message's ``_pad`` (hex) as bytes, checked to fit its padding."""
    try:
        b = bytes.fromhex(pad)
    except (TypeError, ValueError):
        raise EncodeError(f"_pad: hex of the padding after the message, got {pad!r}") from None
    if len(b) > -length % 4:
        raise EncodeError(f"_pad: {len(b)} bytes, but a message of {length} bytes has "
                          f"{-length % 4} bytes of padding (NLMSG_ALIGN)")
    return b


def encode_stream(messages) -> bytes:
    """Messages (``Message``, or bytes as ``encode`` gives them) back to back,
    each at a 4-byte boundary as the kernel reads them (NLMSG_ALIGN): the
    padding after a message is zero unless it kept its own (``_pad``); after
    the last one there is only what it kept.  ``encode_stream(decode(data))
    == data`` for every stream that decodes, but for zero padding after its
    last message (the same stream to the kernel, which skips it unread)."""
    out = []
    for m in messages:
        b = m if isinstance(m, (bytes, bytearray)) else m.encode()
        if out and len(out[-1]) % 4:
            out.append(bytes(-len(out[-1]) % 4))
        out.append(bytes(b))
    return b"".join(out)


def _prefixes(cm, header, attrs):
    """An address given as a prefix (``"dst": "10.7.0.0/24"``) sets the header's
    prefix length member (``Msg.prefixes``) and, when the header leaves it out,
    its address family, as ``ip route add 10.7.0.0/24`` does."""
    for name, member in cm.spec.prefixes.items():
        v = attrs.get(name)
        if not isinstance(v, str) or "/" not in v:
            if isinstance(v, str) and (header is None or "family" not in header) and \
                    cm.header.field("family") is not None:
                header = {**(header or {}), "family": 10 if ":" in v else 2}
            continue
        addr, _, plen = v.partition("/")
        where = f"{cm.set.name}.{name}" if cm.set is not None else name
        try:
            n = int(plen, 10)
        except ValueError:
            raise EncodeError(f"{where}: bad prefix length in {v!r}") from None
        bits = 128 if ":" in addr else 32
        if not 0 <= n <= bits:
            raise EncodeError(f"{where}: prefix length {n} out of 0..{bits} in {v!r}")
        given = (header or {}).get(member)
        if given is not None and given != n:
            raise EncodeError(f"{cm.name}.header.{member}: {given!r}, but {name} is {v!r}")
        header = {**(header or {}), member: n}
        if "family" not in header and cm.header.field("family") is not None:
            header["family"] = 10 if bits == 128 else 2
        attrs = {**attrs, name: addr}
    return header, attrs


def _aligned(b: bytes) -> bytes:
    return b + b"\0" * ((-len(b)) & 3)


def _encode_control(type_id, header, attrs, flags, payload):
    if type_id == NLMSG_ERROR:
        msg = header.get("msg", {})
        body = _i32.pack(header.get("error", 0)) + _nlmsghdr.pack(
            msg.get("len", 16), msg.get("type", 0), msg.get("flags", 0), msg.get("seq", 0),
            msg.get("pid", 0))
        if payload:
            body += bytes.fromhex(payload)
        if attrs:
            body += _backend.active().encode_set(ext_ack_set(), attrs, "ext_ack_attrs")
        return body
    body = b""
    if type_id == NLMSG_DONE and "error" in header:
        body = _i32.pack(header["error"])
        if attrs:
            body += _backend.active().encode_set(ext_ack_set(), attrs, "ext_ack_attrs")
    if payload:
        body += bytes.fromhex(payload)
    return body


def encode(protocol, type, *, header=None, attrs=None, flags=0, seq=0, pid=0,
           family_id=None, family=None, payload=None, _pad=None) -> bytes:
    """Encode one message.

    ``protocol`` is a netlink protocol (``"route"``) or a generic netlink
    family name (``"ovs_flow"``); ``type`` a message name (``"newlink"``,
    ``"RTM_NEWLINK"``, a genl command such as ``"new"``) or number.  For genl
    families other than nlctrl pass ``family_id`` (sockets resolve it).
    ``header``/``attrs``/``payload``/``_pad`` take what ``Message.to_dict()``
    gives, or natural values.
    """
    b = _encode_message(protocol, type, header, attrs, flags, seq, pid, family_id, family,
                        payload)
    return b if _pad is None else b + _pad_bytes(_pad, len(b))


# (protocol, type) as given -> (registry generation, cf, cm) of a plain
# protocol's message: resolved once, not on every encode (issue 18)
_resolved: dict = {}


def _encode_message(protocol, type, header, attrs, flags, seq, pid, family_id, family,
                    payload) -> bytes:
    hit = _resolved.get((protocol, type))
    if hit is not None and hit[0] == registry.generation:
        cm = hit[2]
        return _encode(hit[1], cm, cm.type_id, header, attrs, flags, seq, pid, payload)
    if isinstance(type, str) and type in CONTROL_IDS:
        return _encode(None, None, CONTROL_IDS[type], header, attrs, flags, seq, pid, payload)
    if isinstance(type, int) and type < NLMSG_MIN_TYPE:
        return _encode(None, None, type, header, attrs, flags, seq, pid, payload)
    try:
        proto = registry.protocol_name(protocol)
    except ValueError:
        proto = None
    if proto is None or proto == "generic":
        fam_name = protocol if proto is None else family
        if fam_name is None:
            raise EncodeError("generic netlink: name the family (encode('ovs_flow', ...))")
        try:
            fam = registry.family(fam_name)
        except KeyError as e:
            raise EncodeError(str(e.args[0])) from None
        cf = registry.compiled(fam)
        try:
            cm = cf.msgs[type] if isinstance(type, int) else cf.msg_by_name[fam.msg(type).name]
        except KeyError:
            if not (isinstance(type, str) and type.isdigit()):
                raise EncodeError(f"family {fam.name!r} has no command {type!r}") from None
            cm = cf.msgs.get(int(type))
        if family_id is None:
            family_id = next((i for i, n in GENL_IDS.items() if n == fam.name), None)
        if family_id is None:
            raise EncodeError(f"generic netlink family {fam.name!r}: its id is assigned by the "
                              f"kernel; pass family_id= (nlcodec.connect resolves it)")
        return _encode(cf, cm, family_id, header, attrs, flags, seq, pid, payload)
    if isinstance(type, str) and type.isdigit():
        type = int(type)
    hit = registry.lookup_message(proto, type) if isinstance(type, int) else \
        registry.message_by_name(proto, type)
    if hit is None:
        if isinstance(type, int):
            return _encode(None, None, type, header, attrs, flags, seq, pid, payload)
        raise EncodeError(f"protocol {proto!r} has no message {type!r}")
    cf, cm = hit
    if len(_resolved) < 4096:
        _resolved[(protocol, type)] = (registry.generation, cf, cm)
    return _encode(cf, cm, cm.type_id, header, attrs, flags, seq, pid, payload)


def decode_attrs(data, family, attrset, *, kernel=False, offset=0) -> dict:
    """Decode a bare attribute stream with ``family``'s attribute set ``attrset``."""
    cf = registry.compiled(family)
    cs = cf.set(attrset)
    buf = data if isinstance(data, bytes) else bytes(data)
    r = _backend.active().decode_attrs(cs, buf, offset, len(buf), cs.name, kernel)
    return r if type(r) is dict else r.load()


def encode_attrs(family, attrset, attrs) -> bytes:
    cf = registry.compiled(family)
    cs = cf.set(attrset)
    return _backend.active().encode_set(cs, attrs, cs.name)
