"""Action lists as ovs-dpctl prints them: format_odp_actions() and
format_odp_action() of lib/odp-util.c, walking ``action_attrs`` (or the
kernel-internal ``action_attrs_kernel`` of sw_flow_actions dumps) as the codec
decodes them, in wire order."""

from __future__ import annotations

from . import cookie as _cookie
from . import spec
from .format_key import attr_text, mpls_text, nsh_fields, u128_text, vlan_text
from .text import first, generic, hexdump, hx, items, port_text, raw


def format_userdata(userdata) -> str:
    """The userdata part of a userspace action: OVS's 48-byte cookies
    (struct user_action_cookie, lib/odp-util.h; ``user_action_cookie`` in
    specs/ovs.py) decoded, anything else as hex (format_odp_userspace_action())."""
    u = raw(userdata)
    if len(u) == _cookie.cookie_size():
        text = _cookie.format_cookie(_cookie.decode_cookie(u), port_text)
        if text is not None:
            return text
    return ",userdata(%s)" % u.hex()


def _userspace(a):
    if "pid" not in a:
        return "userspace(error)"
    s = "userspace(pid=%d" % first(a, "pid")
    if "userdata" in a:
        s += format_userdata(first(a, "userdata"))
    if "actions" in a:
        s += ",actions"
    if "egress_tun_port" in a:
        s += ",tunnel_out_port=%s" % port_text(first(a, "egress_tun_port"))
    return s + ")"


def _nat(d):
    src, dst = "src" in d, "dst" in d
    ip_min, ip_max = d.get("ip_min"), d.get("ip_max")
    pmin, pmax = d.get("proto_min", 0), d.get("proto_max", 0)
    if not (src or dst):
        return "nat"
    s = "nat(" + ("src" if src else "dst")
    if ip_min:
        s += "="
        six = ":" in ip_min

        def br(x):
            return "[%s]" % x if six and pmin else x
        s += br(ip_min)
        if ip_max and any(raw(ip_max)) and ip_max != ip_min:
            s += "-" + br(ip_max)
        if pmin:
            s += ":%d" % pmin
            if pmax and pmax != pmin:
                s += "-%d" % pmax
    s += "," + "".join(w + "," for n, w in (("persistent", "persistent"),
                                            ("proto_hash", "hash"), ("proto_random", "random"))
                       if n in d)
    return s.rstrip(",") + ")"


def _ct(d):
    """format_odp_conntrack_action(), trailing-comma quirks included."""
    zone = d.get("zone", 0)
    if not any(k in d for k in ("commit", "force_commit", "mark", "labels", "helper",
                                "timeout", "nat")) and not zone:
        return "ct"
    s = ""
    if "commit" in d:
        s += "commit,"
    if "force_commit" in d:
        s += "force_commit,"
    if zone:
        s += "zone=%d," % zone
    if "mark" in d:
        s += "mark=%s/%s," % (hx(d["mark"]["value"]), hx(d["mark"]["mask"]))
    if "labels" in d:
        s += "label=" + u128_text(d["labels"]["value"], d["labels"]["mask"], True) + ","
    if "helper" in d:
        s += "helper=%s," % d["helper"]
    if "timeout" in d:
        s += "timeout=%s," % d["timeout"]
    if "nat" in d:
        s += _nat(d["nat"])
    return "ct(%s)" % (s[:-1] if s.endswith(",") else s)


def _push_nsh(d):
    lay = spec.layout("nsh_key_base")
    base = d.get("base") or lay.decode(bytes(lay.size), 0, lay.size)
    p = spec.bits("nsh_path_hdr", base["path_hdr"])
    s = "push_nsh(flags=%d,ttl=%d,mdtype=%d,np=%d,spi=0x%x,si=%d" % (
        base["flags"], base["ttl"], base["mdtype"], base["np"], p["spi"], p["si"])
    if base["mdtype"] == 1:
        lay1 = spec.layout("nsh_key_md1")
        md1 = (d.get("md1") or lay1.decode(bytes(lay1.size), 0, lay1.size))["context"]
        s += "".join(",c%d=0x%x" % (i + 1, c) for i, c in enumerate(md1))
    elif "md2" in d:
        s += ",md2=" + hexdump(raw(d["md2"]))
    return s + ")"


def _set_masked(d):
    for name, vm in items(d):
        if name == "nsh":
            lay, lay1 = spec.layout("nsh_key_base"), spec.layout("nsh_key_md1")
            zero = {"value": lay.decode(bytes(lay.size), 0, lay.size),
                    "mask": lay.decode(b"\xff" * lay.size, 0, lay.size)}
            zero1 = {"value": lay1.decode(bytes(lay1.size), 0, lay1.size),
                     "mask": lay1.decode(b"\xff" * lay1.size, 0, lay1.size)}
            b, c = vm.get("base") or zero, vm.get("md1") or zero1
            return "set(nsh(%s))" % nsh_fields(b["value"], c["value"]["context"], b["mask"],
                                               c["mask"]["context"])
        if isinstance(vm, dict) and "value" in vm and "mask" in vm:
            return "set(%s)" % attr_text(name, vm["value"], vm["mask"], False)
        return "set(%s)" % attr_text(name, vm, None, False)
    return "set()"


def _sample(a, kernel):
    if kernel:      # sample_arg (the whole OVS_SAMPLE_ATTR_ARG) first, the actions inline
        prob = a["_header"]["probability"]
        acts = {k: v for k, v in a.items() if k != "_header"}
    else:
        prob = a.get("probability", 0)
        acts = a.get("actions")
    return "sample(sample=%.1f%%,actions(%s))" % (100.0 * prob / 0xFFFFFFFF,
                                                   actions_text(acts, kernel))


def _check_pkt_len(a, kernel):
    size = a.get("pkt_len")
    if kernel and size is None and "arg" in a:
        size = a["arg"]["pkt_len"]
    gt, le = a.get("actions_if_greater"), a.get("actions_if_less_equal")
    if size is None or gt is None or le is None:
        return "check_pkt_len(error)"
    return "check_pkt_len(size=%d,gt(%s),le(%s))" % (size, actions_text(gt, kernel),
                                                     actions_text(le, kernel))


def action_text(name: str, a, kernel: bool) -> str:
    """format_odp_action() of one decoded action."""
    if name == "output":
        return port_text(a)
    if name == "userspace":
        return _userspace(a)
    if name == "set":
        for kname, kv in items(a):
            return "set(%s)" % attr_text(kname, kv, None, True)
        return "set()"
    if name == "push_vlan":
        tpid = a["tpid"]
        return "push_vlan(%s%s)" % ("" if tpid == spec.module().ETH_TYPE_VLAN
                                    else "tpid=0x%04x," % tpid, vlan_text(a["tci"], 0xFFFF, False))
    if name == "sample":
        return _sample(a, kernel)
    if name == "recirc":
        return "recirc(%s)" % hx(a)
    if name == "hash":
        alg = spec.enum("hash_alg").names.get(a["hash_alg"])
        return "hash(%s)" % ("%s(%d)" % (alg, a["hash_basis"]) if alg
                             else "Unknown hash algorithm(%d)" % a["hash_alg"])
    if name in ("push_mpls", "add_mpls"):
        return "%s(%s,eth_type=0x%x)" % (name, mpls_text(a["lse"]), a["ethertype"])
    if name == "pop_mpls":
        return "pop_mpls(eth_type=0x%x)" % a
    if name == "set_masked":
        return _set_masked(a)
    if name == "ct":
        return "ct(kernel:%s)" % raw(a).hex() if kernel else _ct(a)
    if name == "trunc":
        return "trunc(%d)" % a["max_len"]
    if name == "push_eth":
        return "push_eth(src=%s,dst=%s)" % (a["src"], a["dst"])
    if name in ("pop_vlan", "pop_eth", "ct_clear"):
        return name
    if name == "push_nsh":
        return _push_nsh(a)
    if name == "pop_nsh":
        return "pop_nsh()"
    if name == "meter":
        return "meter(%d)" % a
    if name == "clone":
        if kernel:      # OVS_CLONE_ATTR_EXEC first
            a = {k: v for k, v in a.items() if k != "exec"}
            if "_order" in a:
                a["_order"] = [k for k in a["_order"] if k != "exec"]
        return "clone(%s)" % actions_text(a, kernel)
    if name == "check_pkt_len":
        return _check_pkt_len(a, kernel)
    if name == "dec_ttl":
        inner = a.get("action")
        return "dec_ttl(le_1(%s))" % ("" if inner is None else actions_text(inner, kernel))
    if name == "drop":
        return "drop"
    if name == "psample":
        s = "psample(group=%d" % a.get("group", 0)
        if a.get("cookie"):
            s += ",cookie=" + hexdump(raw(a["cookie"]))
        return s + ")"
    if name == "set_to_masked" and kernel:   # OVS_ACTION_ATTR_SET_TO_MASKED: the set it was
        for kname, vm in items(a):
            return "set(%s)" % attr_text(kname, vm["value"], None, True)
    num = name if name.isdigit() else spec.cattr("action_attrs_kernel" if kernel
                                                 else "action_attrs", name).id
    b = b"" if isinstance(a, bool) else raw(a) if isinstance(a, (str, bytes)) else b""
    return "action%s" % num + ("(%s)" % generic(b) if b else "")


def actions_text(d, kernel: bool = False) -> str:
    """format_odp_actions() of a decoded action list."""
    acts = items(d) if d is not None else []
    if not acts:
        return "drop"
    return ",".join(action_text(n, a, kernel) for n, a in acts)
