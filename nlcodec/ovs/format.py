"""The formatter's entry points: a flow key, an action list, a whole
``ovs-dpctl dump-flows`` line (lib/dpctl.c format_dpif_flow()).  Bytes are
decoded by the codec (a malformed stream is its DecodeError, with path and
offset); decoded dicts are walked as they are."""

from __future__ import annotations

import time

from ..errors import DecodeError
from . import spec
from .format_actions import actions_text
from .format_key import key_text
from .text import raw, with_ports


def _guard(fn, setname, *args):
    """Run a formatter; a value it cannot read is a DecodeError, never another error."""
    try:
        return fn(*args)
    except DecodeError:
        raise
    except (IndexError, KeyError, ValueError, TypeError, AttributeError) as e:
        raise DecodeError(f"cannot format as ovs-dpctl text: {e!r}", path=setname) from None


def format_key(key, mask=None, verbose: bool = False, *, ports=None) -> str:
    """odp_flow_format(): key attributes (and their mask) as OVS prints them:
    bytes, hex or dicts as decoded.  Malformed attributes raise DecodeError."""
    if ports is not None:
        return with_ports(ports, format_key, key, mask, verbose)
    k = spec.decode("key_attrs", key)
    m = spec.decode("key_attrs", mask) if mask is not None else None
    if isinstance(mask, (bytes, bytearray, memoryview, str)) and not mask:
        m = None
    return _guard(key_text, "key_attrs", k, m, verbose)


def action_set(kernel) -> str:
    """The attribute set of an action list: userspace, or the kernel-internal
    forms (``kernel=True``: the newest kernel; a release such as ``"6.1"``:
    that kernel's numbering, see ``spec.kernel_actions``)."""
    if not kernel:
        return "action_attrs"
    if isinstance(kernel, str) and kernel.startswith("action_attrs_kernel"):
        spec.cset(kernel)                       # a set of specs/ovs.py KERNEL_SETS, by name
        return kernel
    return spec.kernel_actions(None if kernel is True else kernel)


def format_actions(actions, kernel=False, *, ports=None) -> str:
    """format_odp_actions(): an OVS_ACTION_ATTR_* list (bytes, hex, or a dict
    as decoded) as OVS prints it, e.g. ``sample(sample=10.0%,actions(...)),3``.
    ``kernel=True`` reads the in-kernel forms of sw_flow_actions dumps (a
    release such as ``"6.1"``: that kernel's numbers); ``ports`` ({name:
    number}) prints those ports by name, as ovs-dpctl does.  Malformed input
    raises DecodeError (path and offset)."""
    if ports is not None:
        return with_ports(ports, format_actions, actions, kernel)
    setname = action_set(kernel)
    d = spec.decode(setname, actions)
    return _guard(actions_text, setname, d, bool(kernel))


def ufid_text(ufid) -> str:
    """A UFID as OVS prints it (odp_format_ufid(): struct uuid's four host-order words)."""
    from ..values import parse_bytes
    b = parse_bytes(ufid, "uuid")
    lay = spec.layout("ovs_uuid")
    p = lay.decode(b, 0, len(b))["parts"]
    return "ufid:%08x-%04x-%04x-%04x-%04x%08x" % (p[0], p[1] >> 16, p[1] & 0xFFFF,
                                                   p[2] >> 16, p[2] & 0xFFFF, p[3])


def tcp_flags_text(fl: int) -> str:
    """packet_format_tcp_flags()."""
    if not fl:
        return "none"
    return "".join(ch for ch, bit in spec.module().TCP_FLAG_CHARS if fl & bit)


def _flow_parts(flow) -> dict:
    """The OVS_FLOW_ATTR_* dict of a flow given as a Message, a dict or bytes."""
    attrs = getattr(flow, "attrs", None)
    if attrs is not None and not isinstance(flow, dict):
        flow = attrs
    if isinstance(flow, (bytes, bytearray, memoryview)):
        flow = spec.decode("flow_attrs", bytes(flow))
    return flow


def format_flow(flow, *, now_ms: float | None = None, verbose: bool = False,
                ports=None) -> str:
    """One line of ``ovs-dpctl dump-flows`` (``-m`` with ``verbose``) for a flow:
    a Message, its attribute dict, or the raw OVS_FLOW_ATTR_* bytes.
    ``now_ms`` is the monotonic clock in ms for ``used:`` (default: now);
    ``ports`` ({name: number}) prints ports by name as ovs-dpctl does."""
    if ports is not None:
        return with_ports(ports, format_flow, flow, now_ms=now_ms, verbose=verbose)
    d = _flow_parts(flow)
    s = ""
    if verbose and d.get("ufid") is not None:
        s += ufid_text(d["ufid"]) + ", "
    mask = d.get("mask")
    s += format_key(d.get("key") or {}, mask if mask else None, verbose)
    stats = d.get("stats") or {}
    if isinstance(stats, (bytes, bytearray, str)):
        b = raw(stats)
        stats = spec.cattr("flow_attrs", "stats").layout.decode(b, 0, len(b))
    s += ", packets:%d, bytes:%d, used:" % (stats.get("n_packets", 0), stats.get("n_bytes", 0))
    if d.get("used"):
        if now_ms is None:
            now_ms = time.clock_gettime(time.CLOCK_MONOTONIC) * 1000.0
        s += "%.3fs" % ((now_ms - d["used"]) / 1000.0)
    else:
        s += "never"
    if d.get("tcp_flags"):
        s += ", flags:" + tcp_flags_text(d["tcp_flags"])
    if verbose:
        # lib/dpctl.c format_dpif_flow(): dpif-netlink's flows are of dp_layer "ovs"
        s += ", dp:ovs"
    return s + ", actions:" + format_actions(d.get("actions") or {})
