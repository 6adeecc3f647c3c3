"""Action lists from ovs-dpctl's text: parse_odp_action() and
odp_actions_from_string() of lib/odp-util.c, building the ``action_attrs``
dicts the codec encodes (wire order kept with the codec's ``_order``)."""

from __future__ import annotations

import math

from ..tables import K_NEST
from ..values import parse_bytes
from . import cookie as _cookie
from . import spec
from .parse_key import checked_int, key_item
from .text import ParseError, c_int, call, fields, flags_parse, port_names, port_num, split, \
    value_mask, why


def _size(setname, name):
    """The bytes of an int attribute (compiled spec)."""
    return spec.cattr(setname, name).size


def _size_in(setname, name, member):
    """The bytes of a member of a struct attribute (compiled spec)."""
    return spec.cattr(setname, name).layout.field(member).size


def _ones(size):
    return (1 << (8 * size)) - 1


def from_items(pairs) -> dict:
    """A decoded-form dict of (name, value) pairs in wire order: repeated
    names become lists, with ``_repeated`` and ``_order`` (the codec's notes)."""
    d, order, rep = {}, [], []
    for n, v in pairs:
        order.append(n)
        if n in d:
            if n not in rep:
                rep.append(n)
                d[n] = [d[n]]
            d[n].append(v)
        else:
            d[n] = v
    if rep:
        d["_repeated"] = rep
        d["_order"] = order
    return d


def probability(text: str) -> int:
    """parse_odp_action() "sample(": floor(UINT32_MAX * (percentage / 100.0) + .5)."""
    pct = float(text.strip().rstrip("%"))
    return min(max(math.floor(0xFFFFFFFF * (pct / 100.0) + .5), 0), 0xFFFFFFFF)


def _cookie_of(kind, body) -> str:
    """parse_odp_userspace_action(): the cookie of ``kind(body)``, as hex."""
    f = fields(body)
    try:
        if kind == "sflow":
            tci = spec.put_bits("vlan_tci", vid=c_int(f["vid"]), pcp=c_int(f["pcp"]))
            if tci:
                tci |= spec.bit_mask("vlan_tci", "cfi")
            c = _cookie.cookie_of(kind, vlan_tci=tci, output=c_int(f["output"]))
        elif kind == "slow_path":
            v, _ = flags_parse(body.replace(",", "|"), spec.enum("slow_path_reason").names)
            c = _cookie.cookie_of(kind, reason=v)
        elif kind == "flow_sample":
            dirs = spec.enum("sample_direction").values
            direction = next((dirs[w] for w in ("ingress", "egress") if w in f), 0)
            c = _cookie.cookie_of(
                kind, probability=c_int(f["probability"]),
                collector_set_id=c_int(f["collector_set_id"]),
                obs_domain_id=c_int(f["obs_domain_id"]), obs_point_id=c_int(f["obs_point_id"]),
                output_odp_port=port_num(f["output_port"]), direction=direction)
        elif kind == "ipfix":
            c = _cookie.cookie_of(kind, output_odp_port=port_num(f["output_port"]))
        else:
            c = _cookie.cookie_of(
                kind, dont_send=1 if c_int(f["dont_send"]) else 0,
                continuation=1 if c_int(f["continuation"]) else 0, reason=c_int(f["reason"]),
                recirc_id=c_int(f["recirc_id"]), rule_cookie=int(f["rule_cookie"], 16),
                controller_id=c_int(f["controller_id"]), max_len=c_int(f["max_len"]))
    except KeyError as e:
        raise ValueError(f"userspace: {kind}({body}) lacks {e.args[0]}") from None
    return _cookie.encode_cookie(c).hex()


def _userspace(body):
    out, tail = [], []
    for part in split(body):
        name, arg = call(part)
        if name.startswith("pid="):
            out.append(("pid", checked_int(name[4:], _size("userspace_attrs", "pid"), "pid")))
        elif name == "userdata":
            b = bytes.fromhex(arg)
            out.append(("userdata", b.ljust(spec.module().USERDATA_MIN, b"\0").hex()))
        elif name in ("sFlow", "slow_path", "flow_sample", "ipfix", "controller"):
            out.append(("userdata", _cookie_of("sflow" if name == "sFlow" else name, arg)))
        elif name == "actions":
            tail.append(("actions", True))
        elif name.startswith("tunnel_out_port="):
            tail.insert(0, ("egress_tun_port", port_num(name[16:])))
        else:
            raise ValueError(f"userspace: cannot read {part!r}")
    # odp_put_userspace_action(): pid, userdata, egress_tun_port, actions
    return from_items(out + tail)


def _addr(t, hint):
    parse_bytes(t, hint, "nat")
    return t


def _nat(body):
    out = []
    if not body:
        return {}
    parts = split(body)
    name, _, rng = parts[0].partition("=")
    if name not in ("src", "dst"):
        raise ValueError(f"nat: src or dst, not {name!r}")
    out.append((name, True))
    if rng:
        if rng.startswith("["):             # [v6]-[v6]:ports
            addrs, _, ports = rng.rpartition("]:") if "]:" in rng else (rng, "", "")
            if addrs != rng:
                addrs += "]"
            lo, _, hi = addrs.partition("-")
            ips = [_addr(x.strip("[]"), "ipv6") for x in (lo, hi) if x]
        elif rng.count(":") > 1:           # bare v6 range, no ports
            lo, _, hi = rng.partition("-")
            ips, ports = [_addr(x, "ipv6") for x in (lo, hi) if x], ""
        else:
            addrs, _, ports = rng.partition(":")
            lo, _, hi = addrs.partition("-")
            ips = [_addr(x, "ipv4") for x in (lo, hi) if x]
        out.append(("ip_min", ips[0]))
        if len(ips) > 1:
            out.append(("ip_max", ips[1]))
        if ports:
            lo, _, hi = ports.partition("-")
            out.append(("proto_min", checked_int(lo, _size("nat_attrs", "proto_min"), "port")))
            if hi:
                out.append(("proto_max", checked_int(hi, _size("nat_attrs", "proto_max"), "port")))
    words = {"persistent": "persistent", "hash": "proto_hash", "random": "proto_random"}
    for w in parts[1:]:
        out.append((words[w], True))
    return from_items(out)


def _ct(body):
    out = {}
    size = spec.cattr("key_attrs", "ct_labels").max_len
    for part in split(body or ""):
        name, arg = call(part)
        if name in ("commit", "force_commit"):
            out[name] = True
        elif name.startswith("zone="):
            out["zone"] = checked_int(name[5:], _size("ct_attrs", "zone"), "zone")
        elif name.startswith("mark="):
            v, m = value_mask(name[5:], _ones(_size_in("ct_attrs", "mark", "mask")))
            out["mark"] = {"value": v, "mask": m}
        elif name.startswith("label="):
            v, m = value_mask(name[6:], _ones(size))
            out["labels"] = {"value": v.to_bytes(size, "little").hex(),
                             "mask": m.to_bytes(size, "little").hex()}
        elif name.startswith("helper="):
            out["helper"] = name[7:]
        elif name.startswith("timeout="):
            out["timeout"] = name[8:]
        elif name == "nat":
            out["nat"] = _nat(arg)
        else:
            raise ValueError(f"ct: cannot read {part!r}")
    # odp-util.c puts commit, force_commit, zone, mark, labels, helper, timeout, nat
    return {n: out[n] for n in ("commit", "force_commit", "zone", "mark", "labels", "helper",
                                "timeout", "nat") if n in out}


def _lse(f):
    return spec.put_bits("mpls_lse", **{k: c_int(f.get(k, "0"))
                                        for k in ("label", "tc", "bos", "ttl")})


def _set(body):
    name, kbody = call(body)
    attr, v, m = key_item(name, kbody)
    # parse_odp_action() "set(": a set_masked (value then mask, the value as written)
    # when the mask has the key's size and is not all ones; else a plain set
    a = spec.cattr("key_attrs", attr)
    if a is None or a.kind == K_NEST or _all_ones(attr, m):
        return "set", {attr: v}
    if attr == "mpls":          # set_masked rewrites the top label stack entry only
        v, m = {"lse": v["lse"][0]}, {"lse": m["lse"][0]}
    return "set_masked", {attr: {"value": v, "mask": m}}


def _all_ones(attr, m) -> bool:
    """is_all_ones() over the mask's bytes as the codec encodes them (padding included)."""
    return all(x == 0xFF for x in spec.payload("key_attrs", attr, m))


def action_item(item: str):
    """One action of the text -> (attribute name, value as the codec takes it)."""
    try:
        return _action(item)
    except ParseError:
        raise
    except (ValueError, KeyError, IndexError, StopIteration, OSError) as e:
        raise ParseError(f"cannot read action {item!r}: {why(e)}") from None


def _action(item):
    name, body = call(item)
    if body is None and (name.isdigit() or name in port_names()):
        return "output", port_num(name)
    if name in ("pop_vlan", "pop_eth", "ct_clear", "pop_nsh") and not body:
        return name, True
    if name == "drop":
        return "drop", 0
    if name == "userspace":
        return "userspace", _userspace(body)
    if name == "set":
        return _set(body)
    if name == "push_vlan":
        f = fields(body)
        tci = spec.put_bits("vlan_tci", vid=c_int(f.get("vid", "0")),
                            pcp=c_int(f.get("pcp", "0")))
        if f.get("cfi") != "0":
            tci |= spec.bit_mask("vlan_tci", "cfi")
        tpid = c_int(f["tpid"]) if "tpid" in f else spec.module().ETH_TYPE_VLAN
        return "push_vlan", {"tpid": tpid, "tci": tci}
    if name == "sample":
        f = fields(body)
        acts = next(call(k)[1] for k in f if k.startswith("actions("))
        return "sample", {"probability": probability(f["sample"]),
                          "actions": actions_parse(acts)}
    if name == "recirc":
        return "recirc", checked_int(body, _size("action_attrs", "recirc"), "recirc")
    if name == "hash":
        alg, basis = call(body)
        return "hash", {"hash_alg": spec.enum("hash_alg").values[alg],
                        "hash_basis": checked_int(basis, _size_in("action_attrs", "hash", "hash_basis"), "hash")}
    if name in ("push_mpls", "add_mpls"):
        f = fields(body)
        v = {"lse": _lse(f), "ethertype": c_int(f["eth_type"])}
        if name == "add_mpls":
            v["tun_flags"] = 0
        return name, v
    if name == "pop_mpls":
        return "pop_mpls", c_int(fields(body)["eth_type"])
    if name == "ct":
        return "ct", _ct(body)
    if name == "trunc":
        return "trunc", {"max_len": checked_int(body, _size_in("action_attrs", "trunc", "max_len"), "trunc")}
    if name == "push_eth":
        f = fields(body)
        return "push_eth", {k: _addr(f[k], "mac") for k in ("src", "dst")}
    if name == "meter":
        return "meter", checked_int(body, _size("action_attrs", "meter"), "meter")
    if name == "clone":
        return "clone", actions_parse(body)
    if name == "check_pkt_len":
        f = fields(body)
        gt = next(call(k)[1] for k in f if k.startswith("gt("))
        le = next(call(k)[1] for k in f if k.startswith("le("))
        return "check_pkt_len", {"pkt_len": checked_int(f["size"], _size("check_pkt_len_attrs", "pkt_len"), "size"),
                                 "actions_if_greater": actions_parse(gt),
                                 "actions_if_less_equal": actions_parse(le)}
    if name == "dec_ttl":
        return "dec_ttl", {"action": actions_parse(call(body)[1])}
    if name == "psample":
        return "psample", _psample(body)
    raise ValueError(f"cannot parse action {item!r}")


def _psample(body):
    """parse_odp_psample_action(): group=N once (required), cookie=0x<hex> once."""
    out = {}
    for part in split(body or ""):
        k, eq, v = part.partition("=")
        if not eq or k not in ("group", "cookie") or k in out:
            raise ValueError(f"psample: cannot read {part!r} (group=N and cookie=0xHEX, "
                             "each once)")
        if k == "group":
            out["group"] = checked_int(v, _size("psample_attrs", "group"), "group")
        else:
            if not v.lower().startswith("0x"):
                raise ValueError(f"psample: cookie={v}: hex with 0x")
            h = v[2:]
            h = "0" * (len(h) % 2) + h
            b = bytes.fromhex(h)
            most = spec.cattr("psample_attrs", "cookie").max_len
            if not b or len(b) > most:
                raise ValueError(f"psample: cookie={v}: 1 to {most} bytes")
            out["cookie"] = b.hex()
    if "group" not in out:
        raise ValueError("psample: group=N is required")
    return {k: out[k] for k in ("group", "cookie") if k in out}


def actions_parse(text: str) -> dict:
    text = (text or "").strip()
    if text in ("", "drop"):
        return {}
    return from_items(action_item(x) for x in split(text))

