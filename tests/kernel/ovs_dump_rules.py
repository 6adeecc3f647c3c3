"""What the kernel's flow dump holds beyond ovs-dpctl's text: the conversions
net/openvswitch applies when it dumps actions (ovs_nla_put_actions() and the
*_action_to_attr() functions it calls), written as rules on decoded action
dicts, each citing the kernel function it follows.  ovs-dpctl's text cannot
carry these (OVS's format_odp_actions() prints the same text either way), so
the corpus test applies them to ``parse_flow(format_flow(dump))`` and then
requires the dump's exact bytes: the text is shown to lose nothing else.

Rules (net/openvswitch/conntrack.c, net/openvswitch/flow_netlink.c):

- ``ct_zone``: ovs_ct_action_to_attr() puts OVS_CT_ATTR_ZONE always (zone 0
  too); format_odp_conntrack_action() prints ``zone=`` only when non-zero and
  parse_odp_action() puts no zone then.  Its order: COMMIT or FORCE_COMMIT,
  ZONE, MARK, LABELS, HELPER, EVENTMASK, TIMEOUT, NAT.
- ``check_pkt_len_order``: check_pkt_len_action_to_attr() puts PKT_LEN, then
  ACTIONS_IF_LESS_EQUAL, then ACTIONS_IF_GREATER; OVS prints and parses gt first.
- ``tunnel_order``: set_action_to_attr() dumps a set tunnel through
  ovs_nla_put_tunnel_info() / __ip_tun_to_nlattr(), whose order is ID,
  IPV4_INFO_BRIDGE, IPV4_SRC, IPV4_DST, IPV6_SRC, IPV6_DST, TOS, TTL,
  DONT_FRAGMENT, CSUM, TP_SRC, TP_DST, OAM, GENEVE_OPTS / VXLAN_OPTS /
  ERSPAN_OPTS; OVS's parser puts them in the order of the text.
"""

CT_ORDER = ("commit", "force_commit", "zone", "mark", "labels", "helper", "eventmask",
            "timeout", "nat")
TUNNEL_ORDER = ("id", "ipv4_info_bridge", "ipv4_src", "ipv4_dst", "ipv6_src", "ipv6_dst",
                "tos", "ttl", "dont_fragment", "csum", "tp_src", "tp_dst", "oam",
                "geneve_opts", "vxlan_opts", "erspan_opts")


# the codec's dict form both ways (wire-order walk, repeated names): nlcodec.ovs's helpers;
# what is checked is the bytes the codec encodes from them
from nlcodec.ovs.parse_actions import from_items as _dict  # noqa: E402
from nlcodec.ovs.text import items as _pairs  # noqa: E402


def _ordered(d, order):
    return {k: d[k] for k in order if k in d}


def as_dumped(actions, applied):
    """The decoded action dict as the kernel dumps it; ``applied`` (a set)
    collects the names of the rules that changed something."""
    out = []
    for name, v in _pairs(actions):
        if name == "ct":
            ct = dict(v)
            if "zone" not in ct:
                ct["zone"] = 0
                applied.add("ct_zone")
            v = _ordered(ct, CT_ORDER)
        elif name == "check_pkt_len":
            order = ("pkt_len", "actions_if_less_equal", "actions_if_greater")
            if list(k for k in v if not k.startswith("_")) != list(order):
                applied.add("check_pkt_len_order")
            v = {k: as_dumped(v[k], applied) if k != "pkt_len" else v[k]
                 for k in order if k in v}
        elif name == "set" and "tunnel" in v:
            t = v["tunnel"]
            new = _ordered(t, TUNNEL_ORDER)
            if list(new) != [k for k in t if not k.startswith("_")]:
                applied.add("tunnel_order")
            v = {"tunnel": new}
        elif name == "sample":
            v = dict(v, actions=as_dumped(v.get("actions") or {}, applied))
        elif name == "clone":
            v = as_dumped(v, applied)
        elif name == "dec_ttl" and "action" in v:
            v = dict(v, action=as_dumped(v["action"], applied))
        out.append((name, v))
    return _dict(out)
