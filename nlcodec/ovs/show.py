"""The ovs-dpctl text beside the CLI's views of OVS attribute streams: a
flow key (with its mask), a key alone, an action list in the userspace or the
kernel-internal form.  ``nlcodec decode`` adds an ``ovs-dpctl:`` line under each
such attribute in the tree and an ``ovs_text`` string in ``--json``.

The sets are recognised by identity with the spec objects of specs/ovs.py,
never by name or number."""

from __future__ import annotations

from ..memo import Memo, plain_key
from . import spec
from .format import format_actions, format_key
from .text import _PORTS


_kinds: dict = {}        # compiled set -> its kind (spec.module() is one per process)


def _kind(cs):
    """"key", "actions", "actions_kernel" or None for a compiled set."""
    if cs is None:
        return None
    k = _kinds.get(cs, 0)
    if k == 0:
        k = _kinds[cs] = _kind_of(cs)
    return k


def _kind_of(cs):
    m = spec.module()
    s = cs.spec
    # specs/ovs.py's own objects, as the registry holds them (spec_cache
    # rebinds the module's names to these): no import of the module itself
    sets = spec.family().attrsets
    if s is sets["key_attrs"]:
        return "key"
    if s is sets["action_attrs"]:
        return "actions"
    # the kernel-internal action sets, one per numbering (KERNEL_FORMS), as the registry has them
    if any(s is spec.cset("action_attrs_kernel" + sfx).spec for sfx, _, _ in m.KERNEL_FORMS):
        return "actions_kernel"
    return None


# texts already made, by compiled set and the plain_key of the decoded value
# and mask: a capture shows the same flows again and again (every dump
# repeats them), and formatting costs far more than marshal.  Never a text
# made under ``with_ports``.
_memo = Memo()


def text(cs, value, mask=None) -> str | None:
    """The ovs-dpctl text of ``value`` decoded with compiled set ``cs`` (a
    key, with ``mask`` when given), or None when ``cs`` is no OVS key or
    action set, or the value cannot be shown that way (the error text then)."""
    kind = _kind(cs)
    if kind is None or not isinstance(value, (dict, bytes, bytearray, str)):
        return None
    key = None if _PORTS.get()[0] else \
        plain_key((value, mask if kind == "key" and isinstance(mask, dict) else None))
    if key is None:                         # ports shown by name, or not plain data
        return _text(cs, kind, value, mask)
    return _memo.keep((cs, key), _text, cs, kind, value, mask)


def _text(cs, kind, value, mask):
    try:
        if kind == "key":
            return format_key(value, mask if isinstance(mask, dict) else None)
        return format_actions(value, kernel=cs.name if kind == "actions_kernel" else False)
    except ValueError as e:             # DecodeError, EncodeError
        return f"(cannot show as ovs-dpctl text: {e})"


def lines(cs, name, value, siblings, indent) -> list[str]:
    """The tree's ``ovs-dpctl:`` line for attribute ``name`` (a key takes the
    ``mask`` beside it; a mask beside a key is shown with that key)."""
    if _kind(cs) == "key" and name == "mask" and isinstance(siblings.get("key"), dict):
        return []
    t = text(cs, value, siblings.get("mask") if name == "key" else None)
    return [] if t is None else [f"{indent}  ovs-dpctl: {t}"]


_plans: dict = {}        # compiled message set -> its OVS attributes (json_fields)


def _plan(cs):
    """{attribute name: (its compiled set, whether it is a key)} of the
    attributes of ``cs`` that hold an OVS key or action list."""
    p = _plans.get(cs)
    if p is None:
        p = {}
        for ca in cs.attrs:
            sub = getattr(ca, "set", None)
            kind = _kind(sub)
            if kind is not None:
                p[ca.name] = (sub, kind == "key")
        _plans[cs] = p
    return p


def json_fields(m) -> dict:
    """``{attribute name: ovs-dpctl text}`` for a message's OVS attributes."""
    cs = getattr(m, "_set", None)
    if cs is None:
        return {}
    plan = _plan(cs)
    out = {}
    if not plan:
        return out
    attrs = m.attrs
    for name in attrs:
        hit = plan.get(name)
        if hit is None:
            continue
        sub, is_key = hit
        if is_key and name == "mask" and isinstance(attrs.get("key"), dict):
            continue
        t = text(sub, attrs[name], attrs.get("mask") if name == "key" else None)
        if t is not None:
            out[name] = t
    return out
