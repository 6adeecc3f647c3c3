"""Memory dumps in one step: bytes (from a pasted hex dump or a file) and what
they are, in the user's words (``ovs-actions``, ``tc-flower``, ``nlmsg``...).

``decode_dump(data, as_=KIND)`` returns a ``Dump``: the decoded value
(messages or an attribute dict), the form it was read in (OVS action lists are
tried in both the netlink form and the kernel's internal ``sw_flow_actions``
form, and the one that reads is named), and notes about what was left out:
trailing bytes after the last complete attribute or message, a dump that ends
inside a message (its complete part is decoded), a dump that holds only a
message header (shown with its type and flags by name).  When nothing reads,
the ``DecodeError`` says which kinds the bytes do decode as.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:               # (typing is not imported to run)
    from typing import Any

from . import message, nla, registry
from .errors import DecodeError

_nlmsghdr = nla._nlmsghdr               # struct nlmsghdr (linux/netlink.h)

# kind -> (family, attribute set, what it is, OVS kernel forms apply)
KINDS = {
    "nlmsg": (None, None, "netlink messages, nlmsghdr first (--protocol/--family say whose)",
              False),
    "ovs-actions": ("ovs_flow", "action_attrs", "an OVS action list (OVS_FLOW_ATTR_ACTIONS, "
                    "or struct sw_flow_actions' actions in kernel memory)", True),
    "ovs-key": ("ovs_flow", "key_attrs", "an OVS flow key or mask (OVS_KEY_ATTR_*)", False),
    "ovs-flow": ("ovs_flow", "flow_attrs", "the attributes of an OVS flow message "
                 "(OVS_FLOW_ATTR_*)", True),
    "ovs-packet": ("ovs_packet", "packet_attrs", "the attributes of an OVS upcall/execute "
                   "(OVS_PACKET_ATTR_*)", True),
    "tc-flower": ("tc", "flower_attrs", "a flower filter's options (TCA_FLOWER_*)", False),
    "tc-action": ("tc", "act_attrs", "one tc action (TCA_ACT_*: kind, options, stats)", False),
    "tc-attrs": ("tc", "tc_attrs", "the attributes of a tc qdisc/filter message (TCA_*)", False),
    "link-attrs": ("rt_link", "link_attrs", "the attributes of a link message (IFLA_*)", False),
    "psample": ("psample", "psample_attrs", "the attributes of a psample sample "
                "(PSAMPLE_ATTR_*)", False),
    "packet": (None, None, "an Ethernet frame (summarised layer by layer)", False),
}


def kinds_help() -> str:
    return "; ".join(f"{k}: {v[2]}" for k, v in KINDS.items())


class Dump:
    """What ``decode_dump`` read: ``kind``, ``form`` (text or None),
    ``value`` (a list of ``Message``, an attribute dict, or a packet dict),
    ``family``/``attrset`` for attribute streams, ``notes`` (strings),
    ``kernel`` (True, or the kernel release whose layout read it), ``data``,
    ``header_only`` (for a dump that is one bare nlmsghdr: its fields).
    (Not a dataclass: importing dataclasses was a tenth of a one-message
    ``nlcodec decode``.)"""

    __slots__ = ("kind", "value", "form", "family", "attrset", "notes", "kernel", "data",
                 "header_only")
    kind: str
    value: Any
    form: str | None
    family: str | None
    attrset: str | None
    notes: list
    kernel: bool | str              # True, or the kernel release whose layout read it
    data: bytes
    header_only: dict | None
    _DEFAULTS = {"form": None, "family": None, "attrset": None, "notes": None,
                 "kernel": False, "data": b""}

    def __init__(self, kind: str, value: Any, **options):
        unknown = options.keys() - self._DEFAULTS.keys()
        if unknown:
            raise TypeError(f"Dump() got unexpected keyword arguments {sorted(unknown)}")
        self.kind, self.value, self.header_only = kind, value, None
        for name, default in self._DEFAULTS.items():
            setattr(self, name, options.get(name, default))
        if self.notes is None:
            self.notes = []

    def __repr__(self):
        return f"Dump({self.kind!r}, form={self.form!r}, notes={self.notes!r})"


def _left_over(n, rest: bytes, what: str) -> str:
    kind = "zero " if not any(rest) else ""
    return f"{n} {kind}bytes after the last {what} ignored"


# -- attribute streams -----------------------------------------------------------


def _attr_boundaries(data: bytes):
    """Ends of the whole attributes at the start of ``data`` (aligned), in order."""
    n = len(data)
    return [min(n, a.offset + nla.align(a.length)) for a in nla.Attributes(data)]


def message_ends(data: bytes):
    """(ends of the whole messages at the start of ``data``, their types)."""
    n = len(data)
    hs = list(nla.Messages(data))
    return [min(n, h.offset + nla.align(h.length)) for h in hs], [h.type for h in hs]


def _unknown(d) -> int:
    """How many attributes of a decoded tree have no name (numeric keys)."""
    if isinstance(d, dict):
        return sum(k.isdigit() for k in d if isinstance(k, str)) + \
            sum(_unknown(v) for v in d.values())
    if isinstance(d, list):
        return sum(_unknown(v) for v in d)
    return 0


def _decode_prefix(data, family, attrset, kernel):
    """(dict, bytes used, first error) decoding as many whole attributes as read."""
    first = None
    try:
        return message.decode_attrs(data, family, attrset, kernel=kernel), len(data), None
    except DecodeError as e:
        first = e
    for end in reversed(_attr_boundaries(data)):
        if end == len(data):
            continue
        try:
            return message.decode_attrs(data[:end], family, attrset, kernel=kernel), end, first
        except DecodeError:
            continue
    return None, 0, first


def decode_attr_stream(data, family, attrset, *, kernel=None, kind=None) -> Dump:
    """A bare attribute stream; ``kernel=None`` tries both OVS forms; a kernel
    release ("6.1") reads OVS action lists with that kernel's internal numbers."""
    release = None
    if isinstance(kernel, str):
        # the release's own set (its nested sets are that numbering's too)
        release, attrset, kernel = kernel, _release_set(family, attrset, kernel), False
    forms = (False, True) if kernel is None else (bool(kernel),)
    tried = []
    for k in forms:
        d, used, err = _decode_prefix(data, family, attrset, k)
        tried.append((k, d, used, err))
    # the form that reads the most bytes, then the one with fewest unnamed
    # attributes (kernel-only forms read as netlink ones leave some: clone's exec,
    # sample's and check_pkt_len's args, set_to_masked); a tie goes to the netlink form
    ok = [t for t in tried if t[1] is not None]
    if not ok or all(t[2] == 0 and data for t in ok):
        err = tried[0][3]
        raise err if err is not None else DecodeError(
            f"no whole attribute of {attrset} in {len(data)} bytes", path=attrset, offset=0)
    best = max(ok, key=lambda t: (t[2], -_unknown(t[1]), not t[0]))
    k, d, used, err = best
    notes = []
    form = None
    if len(forms) == 2:
        other = [t for t in ok if t is not best]
        same = other and other[0][2] == used and other[0][1] == d
        if same:
            form = "netlink form (the kernel's internal form reads the same)"
        else:
            form = ("kernel-internal form: struct sw_flow_actions in kernel memory" if k
                    else "netlink form: as sent to and dumped by the kernel")
    if used < len(data):
        rest = data[used:]
        notes.append(_left_over(len(rest), rest, "attribute"))
        if err is not None and any(rest):
            notes.append(f"(the next bytes do not read: {err})")
    if release is not None:
        form = f"kernel-internal form of kernel {release}"
    return Dump(kind or attrset, d, form=form, family=family, attrset=attrset, notes=notes,
                kernel=k if release is None else release, data=data[:used])


def _release_set(family, attrset, release):
    """The set that reads ``attrset`` as kernel ``release`` keeps it in memory:
    OVS action lists are numbered by release (ovs.spec.kernel_actions); other
    sets have one kernel-internal form."""
    if _kernel_variant(family, attrset) == "action_attrs_kernel":
        from .ovs import spec as ovs_spec
        return ovs_spec.kernel_actions(release)
    raise ValueError(f"--kernel-release applies to OVS action lists, not to {attrset}")


def _kernel_variant(family, attrset):
    s = registry.family(family).attrsets.get(attrset)
    return getattr(s, "kernel_variant", None) if s is not None else None


# -- messages -------------------------------------------------------------------


def _protocol_of(protocol, family):
    fam = None
    if family is not None:
        try:
            fam = registry.family(family)
        except KeyError:
            try:
                return registry.protocol_name(family), None     # a protocol given as family
            except ValueError:
                pass
            close = [k for k in KINDS if family.split("_")[0].lower() in k]
            raise ValueError(
                f"no family {family!r}; families: {', '.join(sorted(registry.families()))}"
                + (f"; for a bare attribute dump try {', '.join('--as ' + k for k in close)}"
                   if close else "")) from None
        return ("generic" if fam.genl else fam.protocol), fam
    return registry.protocol_name(protocol), None


def header_fields(data, protocol, families=None) -> dict:
    """An nlmsghdr's fields with the type and flags named where known."""
    from .show import nlmsg_flags_text
    ln, ty, fl, seq, pid = _nlmsghdr.unpack_from(data, 0)
    name = _type_name(ty, protocol, families)
    return {"len": ln, "type": ty, "type_name": name, "flags": fl,
            "flags_text": nlmsg_flags_text(fl, name or ""), "seq": seq, "pid": pid}


_CONTROL = {1: "noop", 2: "error", 3: "done", 4: "overrun"}    # linux/netlink.h NLMSG_*


def _type_name(ty, protocol, families):
    if ty in _CONTROL:
        return _CONTROL[ty]
    if protocol == "generic":
        return (families or {}).get(ty) or message.GENL_IDS.get(ty)
    hit = registry.lookup_message(protocol, ty)
    return hit[1].name if hit else None


def decode_messages(data, protocol="route", family=None, *, families=None,
                    kernel=False) -> Dump:
    """Netlink messages; a dump cut inside a message, or with bytes after the
    last one, decodes what is whole and says what was left."""
    protocol, fam = _protocol_of(protocol, family)
    ids = dict(families or {})
    n = len(data)
    ends, types = message_ends(data)
    for ty in types:
        if fam is not None and fam.genl and ty > registry.GENL_ID_CTRL:
            ids.setdefault(ty, fam.name)
    whole = ends[-1] if ends else 0
    msgs = message.decode(data[:whole], protocol, families=ids or None, kernel=kernel) \
        if whole else []
    dump = Dump("nlmsg", msgs, kernel=kernel, data=data)
    notes = dump.notes
    rest = data[whole:]
    if not rest:
        return dump
    if len(rest) < _nlmsghdr.size or not any(rest):
        if not msgs:
            raise DecodeError(f"{n} bytes hold no netlink message header "
                              f"({_nlmsghdr.size} bytes)", path="nlmsghdr", offset=0)
        notes.append(_left_over(len(rest), rest, "message"))
        return dump
    h = header_fields(rest, protocol, ids)
    if h["len"] < _nlmsghdr.size or not _plausible(h, protocol, fam):
        if not msgs:
            raise DecodeError(f"not netlink messages: nlmsg_len {h['len']} (type {h['type']}) "
                              + (f"< {_nlmsghdr.size}" if h["len"] < _nlmsghdr.size else
                                 f"overruns the {n}-byte dump"), path="nlmsghdr", offset=0)
        notes.append(_left_over(len(rest), rest, "message"))
        return dump
    what = h["type_name"] or f"type {h['type']}"
    where = f"message {len(msgs) + 1} ({what}) at byte {whole}"
    if len(rest) == _nlmsghdr.size:
        dump.header_only = h
        notes.append(f"the dump ends after the header of {where}: "
                     f"{len(rest)} of its {h['len']} bytes")
        return dump
    part = _partial_message(rest, protocol, ids, kernel)
    if part is None:
        dump.header_only = h
        notes.append(f"the dump ends inside {where}: {len(rest)} of its {h['len']} bytes; "
                     f"only its header reads")
    else:
        m, used = part
        msgs.append(m)
        notes.append(f"the dump ends inside {where}: {len(rest)} of its {h['len']} bytes; "
                     f"decoded its first {used} bytes (whole attributes)")
    return dump


MAX_CUT_MESSAGE = 1 << 20     # a cut message longer than this is taken for other bytes


def _plausible(h, protocol, fam) -> bool:
    """Could a header that overruns the dump start a real (cut) message?"""
    if h["len"] > MAX_CUT_MESSAGE:
        return False
    return h["type_name"] is not None or fam is not None or (
        protocol == "generic" and h["type"] >= registry.GENL_ID_CTRL)


def _partial_message(rest, protocol, ids, kernel):
    """The longest 4-aligned prefix of a cut message that decodes, as a Message."""
    for ln in range(len(rest) & ~3, _nlmsghdr.size, -4):
        buf = bytearray(rest[:ln])
        buf[:_nlmsghdr.size] = _nlmsghdr.pack(ln, *_nlmsghdr.unpack_from(buf, 0)[1:])
        try:
            m, = message.decode(bytes(buf), protocol, families=ids or None, kernel=kernel)
        except (DecodeError, ValueError):
            continue
        return m, ln
    return None


# -- the entry point -------------------------------------------------------------


def decode_dump(data, as_=None, *, protocol="route", family=None, attrs=None, kernel=None,
                families=None) -> Dump:
    """Decode ``data`` as ``as_`` (one of ``KINDS``; None: netlink messages,
    or ``attrs`` of ``family`` when given).  ``data`` is bytes, or the text of
    a hex dump in any format ``nlcodec.hexdump`` reads.  ``kernel=None`` lets
    OVS action lists be read in whichever form fits (``Dump.form`` says which).

        >>> d = nlcodec.decode_dump(open("crash-rd.txt").read(), "ovs-actions")
        >>> d.value["sample"], d.form, d.notes
    """
    if isinstance(data, str):
        from .hexdump import parse_hex
        data = parse_hex(data)
    data = bytes(data)
    if not data:
        raise DecodeError("the input is empty: no bytes to decode", path="input", offset=0)
    if as_ is not None and as_ not in KINDS:
        raise ValueError(f"unknown --as {as_!r}; known: {', '.join(KINDS)}")
    try:
        if as_ == "packet":
            from .packet import dissect
            return Dump("packet", dissect(data), data=data)
        if attrs is not None or (as_ is not None and as_ != "nlmsg"):
            if attrs is None:
                family, attrs, _, ovs = KINDS[as_]
                k = kernel if kernel is not None or not ovs else None
            else:
                family = _attr_family(family, protocol, attrs)
                k = kernel if kernel is not None else (None if _has_kernel_variant(
                    family, attrs) else False)
            return decode_attr_stream(data, family, attrs, kernel=k, kind=as_)
        d = decode_messages(data, protocol, family, families=families, kernel=bool(kernel))
        if as_ is None and (d.notes or any(isinstance(m.type, int) or m.payload
                                           for m in d.value)):
            hint = suggest(data, exclude="nlmsg")
            if hint:
                d.notes.append(hint.replace("the bytes decode", "the bytes also decode"))
        return d
    except DecodeError as e:
        hint = suggest(data, exclude=as_ or "nlmsg")
        if hint:
            raise DecodeError(f"{e.reason}; {hint}", path=e.path, offset=e.offset) from None
        raise


def _attr_family(family, protocol, attrset):
    if family is not None:
        registry.family(family)
        return family
    from .capture import _family_with_set
    return _family_with_set(None, protocol, attrset)


def _has_kernel_variant(family, attrset) -> bool:
    return _kernel_variant(family, attrset) is not None


def suggest(data, exclude=None) -> str:
    """'it decodes with --as X' for the kinds that read every non-zero byte."""
    hits = []
    for kind, (fam, aset, _, ovs) in KINDS.items():
        if kind in (exclude, "packet"):
            continue
        try:
            if aset is None:
                for proto in ("route", "generic"):
                    d = decode_messages(data, proto)
                    if d.value and not d.notes:
                        hits.append(f"--as nlmsg --protocol {proto}")
                        break
                continue
            d = decode_attr_stream(data, fam, aset, kernel=None if ovs else False, kind=kind)
        except (DecodeError, ValueError, KeyError):
            continue
        rest = len(data) - len(d.data)
        if rest and any(data[len(d.data):]):
            continue
        if not d.value or _unknown(d.value) > 0:
            continue
        hits.append(f"--as {kind}" + (" (kernel-internal form)" if d.kernel and ovs else ""))
    if not hits:
        return ""
    return "the bytes decode with: " + ", ".join(hits)
