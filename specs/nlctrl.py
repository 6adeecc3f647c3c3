"""Generic netlink controller (linux/genetlink.h): resolves family names to
ids, lists operations, multicast groups and attribute policies."""

from construct import Int8ul, Int16un, Struct

from nlcodec.spec import Attr, AttrSet, Family, Flags, Msg

# genlmsghdr itself is decoded by nlcodec.message; nlctrl has no family header.
genlmsghdr = Struct("cmd" / Int8ul, "version" / Int8ul, "reserved" / Int16un)

ctrl_attrs = AttrSet("ctrl_attrs", [
    Attr(1, "family_id", "u16"),
    Attr(2, "family_name", "string"),
    Attr(3, "version", "u32"),
    Attr(4, "hdrsize", "u32"),
    Attr(5, "maxattr", "u32"),
    Attr(6, "ops", "indexed-array", nested="op_attrs"),
    Attr(7, "mcast_groups", "indexed-array", nested="mcast_group_attrs"),
    # the kernel opens these nests and their per-index/per-command levels with
    # nla_nest_start(), which sets NLA_F_NESTED (net/netlink/policy.c
    # netlink_policy_dump_write, net/netlink/genetlink.c ctrl_dumppolicy_put_op)
    Attr(8, "policy", "nest-type-value", nested="policy_type_attrs", levels=2,
         nested_flag=True),
    Attr(9, "op_policy", "nest-type-value", nested="op_policy_attrs", nested_flag=True),
    Attr(10, "op", "u32"),
], prefix="CTRL_ATTR_", uapi_header="linux/genetlink.h")

op_attrs = AttrSet("op_attrs", [
    Attr(1, "id", "u32"),
    Attr(2, "flags", "u32", enum="op_flags"),
], prefix="CTRL_ATTR_OP_", uapi_header="linux/genetlink.h")

mcast_group_attrs = AttrSet("mcast_group_attrs", [
    Attr(1, "name", "string"),
    Attr(2, "id", "u32"),
], prefix="CTRL_ATTR_MCAST_GRP_", uapi_header="linux/genetlink.h")

op_policy_attrs = AttrSet("op_policy_attrs", [
    Attr(1, "do", "u32"),
    Attr(2, "dump", "u32"),
], prefix="CTRL_ATTR_POLICY_", uapi_header="linux/genetlink.h")

op_flags = Flags("op_flags", {
    "admin_perm": 0x01, "cmd_cap_do": 0x02, "cmd_cap_dump": 0x04, "cmd_cap_haspol": 0x08,
    "uns_admin_perm": 0x10,
}, prefix="GENL_", uapi_header="linux/genetlink.h")

FAMILIES = [
    Family("nlctrl", "generic", genl=True, version=2, msg_prefix="CTRL_CMD_",
           uapi_header="linux/genetlink.h", uses=("netlink",),
           messages=[
               Msg(1, "newfamily", attrs="ctrl_attrs"),
               Msg(2, "delfamily", attrs="ctrl_attrs"),
               Msg(3, "getfamily", attrs="ctrl_attrs"),
               Msg(4, "newops", attrs="ctrl_attrs"),
               Msg(5, "delops", attrs="ctrl_attrs"),
               Msg(6, "getops", attrs="ctrl_attrs"),
               Msg(7, "newmcast_grp", attrs="ctrl_attrs"),
               Msg(8, "delmcast_grp", attrs="ctrl_attrs"),
               Msg(9, "getmcast_grp", attrs="ctrl_attrs"),
               Msg(10, "getpolicy", attrs="ctrl_attrs"),
           ],
           attrsets=[ctrl_attrs, op_attrs, mcast_group_attrs, op_policy_attrs],
           enums=[op_flags]),
]
