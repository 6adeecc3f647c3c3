"""OVS userspace's ``struct user_action_cookie`` (lib/odp-util.h), the
userdata of the userspace actions ovs-vswitchd puts, as
format_odp_userspace_action() prints it and parse_odp_userspace_action()
reads it (lib/odp-util.c).  The layout is ``user_action_cookie`` in
specs/ovs.py: a 24-byte head and a union selected by ``type``."""

from __future__ import annotations

import functools

from ..errors import DecodeError, EncodeError
from . import spec

__all__ = ["decode_cookie", "encode_cookie", "format_cookie", "cookie_size"]


@functools.lru_cache(maxsize=None)
def _layouts():
    """{type: Layout of head + that union member}, the default's Layout, and
    the union's member name (kept as plain data: ``spec.text_data``)."""
    from ..structs import layout_from_state
    kinds, default, name = spec.text_data()["cookie"]
    return ({k: layout_from_state(v) for k, v in kinds.items()}, layout_from_state(default),
            name)


def make_layouts():
    """_layouts() made from the spec's construct struct (``spec.text_data``)."""
    from construct import Renamed, Struct, Switch
    from ..structs import compile_struct
    st = spec.real_module().user_action_cookie
    head, switch = [], None
    for sc in st.subcons:
        inner = sc.subcon if isinstance(sc, Renamed) else sc
        if isinstance(inner, Switch):
            switch = (sc.name, inner)
        else:
            head.append(sc)
    name, sw = switch
    kinds = {k: compile_struct(Struct(*head, name / case), f"user_action_cookie.{k}")
             for k, case in sw.cases.items()}
    default = compile_struct(Struct(*head, name / sw.default), "user_action_cookie")
    return kinds, default, name


def cookie_size() -> int:
    return spec.module().USER_ACTION_COOKIE_SIZE


def decode_cookie(data: bytes, path: str = "userdata") -> dict:
    """The cookie's fields (``{"type": 1, ..., "u": {...}}``); DecodeError
    unless ``data`` is exactly a cookie's size."""
    if len(data) != cookie_size():
        raise DecodeError(f"a user_action_cookie is {cookie_size()} bytes, not {len(data)}",
                          path=path)
    kinds, default, _ = _layouts()
    head = default.decode(data, 0, len(data), path)      # the type selects the union member
    return kinds.get(head["type"], default).decode(data, 0, len(data), path)


def encode_cookie(value: dict) -> bytes:
    kinds, default, name = _layouts()
    out = kinds.get(value.get("type"), default).encode(value, "user_action_cookie")
    if len(out) != cookie_size():
        raise EncodeError(f"user_action_cookie: {len(out)} bytes, not {cookie_size()}")
    return out


def format_flags(value: int, names: dict, delim: str) -> str:
    """format_flags() (lib/odp-util.c): names of the set bits, lowest first;
    unknown bits as hex; 0 as "0"."""
    if not value:
        return "0"
    out, bad = [], 0
    while value:
        bit = value & -value
        if bit in names:
            out.append(names[bit])
        else:
            bad |= bit
        value &= ~bit
    if bad:
        out.append("0x%x" % bad)
    return delim.join(out)


def format_cookie(c: dict, port_name=str) -> str | None:
    """The ``,kind(...)`` text OVS prints for a decoded cookie, or None for
    a type OVS prints as plain userdata.  ``port_name(n)`` formats odp ports."""
    kinds = spec.enum("user_action_cookie_type").names
    kind, u = kinds.get(c["type"]), c["u"]
    if kind == "sflow":
        tci = spec.bits("vlan_tci", u["vlan_tci"])
        return ",sFlow(vid=%d,pcp=%d,output=%d)" % (tci["vid"], tci["pcp"], u["output"])
    if kind == "slow_path":
        reasons = spec.enum("slow_path_reason").names
        return ",slow_path(%s)" % format_flags(u["reason"], reasons, ",")
    if kind == "flow_sample":
        s = (",flow_sample(probability=%d,collector_set_id=%d,obs_domain_id=%d,"
             "obs_point_id=%d,output_port=%s" % (
                 u["probability"], u["collector_set_id"], u["obs_domain_id"],
                 u["obs_point_id"], port_name(u["output_odp_port"])))
        d = spec.enum("sample_direction").names.get(u["direction"])
        if d in ("ingress", "egress"):
            s += "," + d
        return s + ")"
    if kind == "ipfix":
        return ",ipfix(output_port=%s)" % port_name(u["output_odp_port"])
    if kind == "controller":
        return (",controller(reason=%d,dont_send=%d,continuation=%d,recirc_id=%d,"
                "rule_cookie=%s,controller_id=%d,max_len=%d)" % (
                    u["reason"], bool(u["dont_send"]), bool(u["continuation"]),
                    u["recirc_id"], hex(u["rule_cookie"]) if u["rule_cookie"] else "0",
                    u["controller_id"], u["max_len"]))
    return None


def cookie_of(kind: str, **fields) -> dict:
    """A cookie dict as parse_odp_userspace_action() fills it: the struct
    zeroed, ofp_in_port = OFPP_NONE, the union member's fields given."""
    kinds, _, _ = _layouts()
    ctype = spec.module().user_action_cookie_type.values[kind]
    lay = kinds[ctype]
    zero = lay.decode(bytes(cookie_size()), 0, cookie_size())
    zero["type"] = ctype
    zero["ofp_in_port"] = spec.module().OFPP_NONE
    zero["u"].update(fields)
    return zero
