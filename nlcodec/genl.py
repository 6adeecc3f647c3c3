"""Generic netlink families by name: nlctrl's CTRL_CMD_GETFAMILY answer
(id, version, header size, multicast groups, ops), looked up once per
process (family ids are global to the kernel, not per namespace), with a
hint naming the kernel module when a family is missing.
"""

from __future__ import annotations

import errno as _errno

from . import message as _m
from . import registry
from .ack import FamilyNotFound, NetlinkNotFoundError

__all__ = ["GenlFamily", "lookup", "forget", "cache", "MODULE_HINTS"]

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


class GenlFamily:
    """What nlctrl says about a family: id, version, header size, groups, ops."""

    def __init__(self, name, id, version, hdrsize, maxattr, groups, ops):
        self.name, self.id, self.version, self.hdrsize = name, id, version, hdrsize
        self.maxattr, self.groups, self.ops = maxattr, groups, ops

    def __repr__(self):
        return f"GenlFamily({self.name!r}, id={self.id}, groups={self.groups})"


# family name -> GenlFamily, per process (ids are global to the kernel)
cache: dict[str, GenlFamily] = {}


def _spec_name(kernel_name):
    try:
        return registry.family(kernel_name).name
    except KeyError:
        return None


def lookup(name: str, s) -> GenlFamily:
    """Look a generic netlink family up through nlctrl on generic netlink
    socket ``s`` (cached per process: family ids are global to the kernel,
    not per namespace)."""
    hit = cache.get(name)
    if hit is not None:
        if hit.id not in _m.GENL_IDS:      # GENL_IDS was reset since: name the id again
            _name_id(hit, name)
        return hit
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
    m = reply[0]
    groups = {g["name"]: g["id"] for g in (m.get("mcast_groups") or []) if "name" in g}
    ops = {o.get("id"): o.get("flags", 0) for o in (m.get("ops") or [])}
    fam = GenlFamily(m.get("family_name"), m.get("family_id"), m.get("version"),
                     m.get("hdrsize"), m.get("maxattr"), groups, ops)
    cache[name] = fam
    _name_id(fam, name)
    return fam


def _name_id(fam: GenlFamily, name: str) -> None:
    """GENL_IDS: the kernel's id of ``fam`` -> the name of our spec for it."""
    _m.GENL_IDS[fam.id] = _spec_name(fam.name) or _spec_name(name) or fam.name


def forget(name: str) -> None:
    """Drop ``name`` from the cache (a test's fake id must not answer for the
    real kernel later)."""
    cache.pop(name, None)
