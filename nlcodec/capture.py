"""Decoding netlink captures (pcap/pcapng from an nlmon device) and hex dumps.

A LINKTYPE_NETLINK record is a 16-byte cooked header (big-endian: packet
type, ARPHRD_NETLINK, address length, 8 address bytes, netlink protocol)
followed by one skb's worth of netlink messages.  Records of a ``tcpdump -i
any`` capture (LINUX_SLL, LINUX_SLL2) whose hardware type is ARPHRD_NETLINK
are read the same way; other records are skipped.

Direction.  The kernel's netlink tap marks each skb PACKET_KERNEL (7, to a
kernel socket) or PACKET_USER (6, to a user socket, i.e. from the kernel),
and we use that when the record has it.  A capture made through an nlmon
device with libpcap carries PACKET_OUTGOING (4) instead, because the device's
transmit path (dev_queue_xmit_nit) rewrites the packet type, so then the
message tells: user space sets NLM_F_REQUEST on everything it sends to the
kernel (which ignores messages without it) and the kernel never sets it.

Generic netlink ids, most trusted first: the capture's own CTRL replies
(nlctrl newfamily, learned in order, forgotten on delfamily), the live
system's (``live=True``: an nlctrl dump), the user's ``families`` map.
"""

from __future__ import annotations

import struct

from . import message, nla, registry
from .errors import DecodeError
from .hexdump import parse_hex
from .pcap import LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NETLINK, RecordReader

ARPHRD_NETLINK = 824
PACKET_OUTGOING, PACKET_USER, PACKET_KERNEL = 4, 6, 7
TO_KERNEL, FROM_KERNEL = "to-kernel", "from-kernel"
GENERIC = registry.PROTOCOLS["generic"]
CTRL_CMD_NEWFAMILY, CTRL_CMD_DELFAMILY = 1, 2

_sll = struct.Struct(">HHH8sH")          # pkttype, hatype, halen, addr, protocol
_sll2 = struct.Struct(">HHIHBB8s")        # protocol, reserved, ifindex, hatype, pkttype, ...
_nlmsghdr = struct.Struct("<IHHII")


def cooked_header(linktype: int, data: bytes):
    """(netlink protocol, packet type, header length) of a netlink record, or
    None for a record that carries no netlink."""
    if linktype in (LINKTYPE_NETLINK, LINKTYPE_LINUX_SLL):
        if len(data) < 16:
            return None if linktype != LINKTYPE_NETLINK else (None, None, len(data))
        pkttype, hatype, _halen, _addr, proto = _sll.unpack_from(data)
        if linktype == LINKTYPE_LINUX_SLL and hatype != ARPHRD_NETLINK:
            return None
        return proto, pkttype, 16
    if linktype == LINKTYPE_LINUX_SLL2 and len(data) >= 20:
        proto, _r, _ifindex, hatype, pkttype, _halen, _addr = _sll2.unpack_from(data)
        return (proto, pkttype, 20) if hatype == ARPHRD_NETLINK else None
    return None


def _direction(pkttype, flags):
    if pkttype == PACKET_KERNEL:
        return TO_KERNEL
    if pkttype == PACKET_USER:
        return FROM_KERNEL
    return TO_KERNEL if flags & message.NLM_F_REQUEST else FROM_KERNEL


def kernel_read_end(data) -> int:
    """Where the kernel's netlink_rcv_skb() stops reading a request datagram:
    at a header with nlmsg_len < 16 or past the end, silently.  iproute2
    sends dump requests from a larger zeroed buffer, so nlmon records of
    ``ip addr show`` carry such a tail of zeros after the message."""
    walk = nla.Messages(data)
    for _ in walk:
        pass
    return walk.stop


def live_genl_ids(timeout: float = 2.0) -> dict[int, str]:
    """This system's generic netlink families (id -> name), by an nlctrl dump."""
    from .socket import Socket
    with Socket("generic", timeout=timeout) as s:
        return {m.get("family_id"): m.get("family_name")
                for m in s.dump("getfamily", family="nlctrl")
                if m.get("family_id") is not None and m.get("family_name")}


class CaptureDecoder:
    """Decodes captures and hex dumps into ``Message`` objects.

    ``families`` maps generic netlink ids to family names for ids a capture
    does not resolve itself (``{34: "ovs_flow"}``); ``live=True`` asks this
    system's nlctrl as well (trusted over ``families``).
    """

    def __init__(self, families: dict | None = None, live: bool = False):
        self.families = {int(k): v for k, v in (families or {}).items()}
        message._check_families(self.families)     # once here, not at every record
        self.live = live
        self._live = None
        # (record number, bytes) of zero tails after requests, which the
        # kernel ignored as well (kernel_read_end); not decoded
        self.ignored_tails: list[tuple[int, int]] = []

    def genl_ids(self) -> dict[int, str]:
        """The ids known before a capture says anything."""
        ids = {registry.GENL_ID_CTRL: "nlctrl"}
        ids.update(self.families)
        if self.live:
            if self._live is None:
                self._live = {**message.GENL_IDS, **live_genl_ids()}
            ids.update(self._live)
        return ids

    def _ids_for_decode(self, ids):
        # message.decode adds the process-wide GENL_IDS (this machine's ids,
        # learned by sockets); a capture may come from elsewhere, so an id only
        # they know is named by its number
        out = {i: str(i) for i in message.GENL_IDS if i not in ids}
        out.update(ids)
        return out

    # -- captures -----------------------------------------------------------

    def decode_pcap(self, path, *, with_raw: bool = False):
        """Yield every netlink message of a pcap/pcapng file (a path, bytes or a
        binary file object) in order (or ``(message, raw bytes)`` with
        ``with_raw``); each has ``.direction``.  The file is read a chunk at a
        time, so memory does not grow with its size."""
        for m, raw in CaptureStream(self, path):
            yield (m, raw) if with_raw else m

    # -- hex dumps ----------------------------------------------------------

    def decode_hex(self, text: str, *, protocol="route", family=None, attrs=None,
                   kernel: bool = False):
        """Decode a pasted hex dump (any format ``nlcodec.hexdump`` reads).

        It holds netlink messages (a list of ``Message`` is returned), or with
        ``attrs=SET`` a bare attribute stream of that set (a dict).  ``family``
        names the family (``ovs_flow``, ``tc``...); for generic netlink it also
        gives the messages' id.  A leading nlmon cooked header is dropped and
        its protocol used.
        """
        data = parse_hex(text)
        if len(data) >= 16 and data[2:4] == b"\x03\x38":      # ARPHRD_NETLINK, big-endian
            protocol = struct.unpack_from(">H", data, 14)[0]
            data = data[16:]
        if attrs is not None:
            fam = _family_with_set(family, protocol, attrs)
            return message.decode_attrs(data, fam, attrs, kernel=kernel)
        ids = self.genl_ids()
        fam = None
        if family is not None:
            try:
                fam = registry.family(family)
            except KeyError:
                protocol = registry.protocol_name(family)    # a protocol given as family
        if fam is not None:
            protocol = fam.protocol
            if fam.genl:
                protocol = "generic"
                for ty in _types(data):
                    if ty > registry.GENL_ID_CTRL or fam.name == "nlctrl":
                        ids[ty] = fam.name
        return message.decode(data, protocol, families=self._ids_for_decode(ids), kernel=kernel)


class CaptureStream:
    """One walk over a capture: ``(message, raw bytes)`` in capture order.

    ``start``/``count`` (a ``pcap.Position`` and a number of records) walk one
    range of the file; ``learned`` is the genl id map (id -> name) the
    capture's CTRL messages had built before ``start``.  ``first``/``last``
    (record numbers, 1-based) decode only those records: the others are
    scanned for CTRL family messages alone, so that ids are named as a walk
    over everything would name them.  ``protocols`` (netlink protocol numbers)
    skips the records of other protocols before decoding them.  ``lazy``:
    messages are validated, their attributes decoded when first asked for
    (``message.decode``): cheaper when few of them are looked into.

    After the walk: ``records`` (read), ``netlink`` (whether a netlink record
    was seen), ``other`` (the link type of a non-netlink record), ``learned``.
    ``check=True`` raises at the end when the capture held no netlink record.
    """

    def __init__(self, decoder, source, *, start=None, count=None, learned=None, first=1,
                 last=None, protocols=None, check=True, lazy=False):
        self.decoder, self.source = decoder, source
        if last is not None:            # never read past the last record asked for
            left = max(last - (start.number if start is not None else 0), 0)
            count = left if count is None else min(count, left)
        self.reader = RecordReader(source, start=start, count=count)
        self.learned = dict(learned or {})
        self.first, self.last, self.protocols, self.check = first, last, protocols, check
        self.lazy = lazy
        self.records, self.netlink, self.other = 0, False, None

    def __iter__(self):
        dec = self.decoder
        base = dec.genl_ids()
        learned = self.learned
        ids = dec._ids_for_decode({**base, **learned})
        first, protocols, lazy = self.first or 1, self.protocols, self.lazy
        for rec in self.reader:
            self.records += 1
            n = rec.number
            hdr = cooked_header(rec.linktype, rec.data)
            if hdr is None:
                self.other = rec.linktype
                continue
            proto, pkttype, hlen = hdr
            if proto is None:
                if n < first:
                    continue
                raise DecodeError(f"{len(rec.data)} bytes, too short for the 16-byte netlink "
                                  f"cooked header", path=f"pcap record {n}", offset=rec.offset)
            self.netlink = True
            if n < first or (protocols is not None and proto not in protocols):
                if proto == GENERIC and learn_from_record(rec, hdr, learned, ids):
                    ids = dec._ids_for_decode({**base, **learned})
                continue
            data, cut = record_messages(rec, hdr, dec.ignored_tails)
            try:
                msgs = message.decode_checked(data, proto, ids, lazy=lazy)
            except DecodeError as e:
                raise DecodeError(e.reason, path=f"pcap record {n} {e.path}".rstrip(),
                                  offset=rec.offset + hlen + e.offset) from None
            off = 0
            changed = False
            # the direction by the packet type (_direction), per message only without one
            way = TO_KERNEL if pkttype == PACKET_KERNEL else \
                FROM_KERNEL if pkttype == PACKET_USER else None
            ctrl = registry.GENL_ID_CTRL if proto == GENERIC else -1
            for m in msgs:
                ln = m.length
                m.direction = way or _direction(pkttype, m.flags)
                yield m, data[off:off + ln]
                off += (ln + 3) & ~3                            # nla.align
                if m.type_id == ctrl:
                    changed |= _learn(m, learned)
            if cut:
                raise DecodeError(f"cut short by the capture's snap length ({len(rec.data)} "
                                  f"of {rec.orig_len} bytes)", path=f"pcap record {n}",
                                  offset=rec.offset + len(rec.data))
            if changed:
                ids = dec._ids_for_decode({**base, **learned})
        if self.check and not self.netlink and self.other is not None:
            raise no_netlink_error(self.other)


def no_netlink_error(linktype):
    return DecodeError(f"no netlink records in the capture (link type {linktype}; nlmon "
                       f"captures have {LINKTYPE_NETLINK})", path="pcap", offset=0)


def record_messages(rec, hdr, ignored_tails=None):
    """(the netlink messages of a record as bytes, whether the snap length cut it)."""
    proto, pkttype, hlen = hdr
    data = rec.data[hlen:]
    cut = rec.orig_len > len(rec.data)
    if cut:
        data = _complete(data)
    elif len(data) >= 16 and _direction(pkttype, data[6]) == TO_KERNEL:
        n = len(data)
        ln = int.from_bytes(data[:4], "little")
        if 16 <= ln <= n <= ((ln + 3) & ~3):
            return data, cut            # one message, the whole record: nothing after it
        end = kernel_read_end(data)
        if end < len(data) and not any(data[end:]):
            if ignored_tails is not None and len(ignored_tails) < MAX_TAILS_NOTED:
                ignored_tails.append((rec.number, len(data) - end))
            data = data[:end]
    return data, cut


# ignored_tails notes this many (a capture of any size keeps flat memory)
MAX_TAILS_NOTED = 10000


def learn_from_record(rec, hdr, learned, ids) -> bool:
    """Learn genl ids from the CTRL messages of a record that is not shown (a
    quick look at the nlmsghdr types first); True if ``learned`` changed.  A
    record that does not decode teaches nothing (it is not shown either)."""
    proto, pkttype, hlen = hdr
    data = rec.data
    off, n = hlen, len(data)
    while n - off >= 16:
        ln, ty = _nlmsghdr.unpack_from(data, off)[:2]
        if ty == registry.GENL_ID_CTRL:
            break
        if ln < 16:
            return False
        off += nla.align(ln)
    else:
        return False
    body, _cut = record_messages(rec, hdr)
    try:
        msgs = message.decode_checked(body, GENERIC, ids)
    except DecodeError:
        return False
    changed = False
    for m in msgs:
        if m.type_id == registry.GENL_ID_CTRL:
            m.direction = _direction(pkttype, m.flags)
            changed |= _learn(m, learned)
    return changed


def _learn(m, learned) -> bool:
    """Note a CTRL newfamily/delfamily; True if the id map changed."""
    cmd = m.header.get("cmd")
    if cmd not in (CTRL_CMD_NEWFAMILY, CTRL_CMD_DELFAMILY) or m.direction != FROM_KERNEL:
        return False
    fid, name = m.get("family_id"), m.get("family_name")
    if fid is None or not name:
        return False
    if cmd == CTRL_CMD_DELFAMILY:
        return learned.pop(fid, None) is not None
    if learned.get(fid) == name:
        return False
    learned[fid] = name
    return True


def _complete(data: bytes) -> bytes:
    """The whole messages at the start of a record the snap length cut."""
    return data[:kernel_read_end(data)]


def _types(data: bytes):
    off = 0
    while off + 16 <= len(data):
        ln, ty = _nlmsghdr.unpack_from(data, off)[:2]
        yield ty
        if ln < 16:
            return
        off += nla.align(ln)


def _family_with_set(family, protocol, attrset):
    """The family to read a bare ``attrset`` stream with."""
    if family is not None:
        return family
    try:
        return registry.family(protocol).name          # a family name given as protocol
    except KeyError:
        pass
    proto = registry.protocol_name(protocol)
    hits = [f.name for f in registry.families().values()
            if attrset in f.attrsets and (f.protocol == proto or f.genl)]
    if not hits:
        raise DecodeError(f"no family has an attribute set {attrset!r}; pass family=",
                          path="attrs")
    return hits[0]
