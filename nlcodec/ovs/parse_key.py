"""Flow keys and masks from ovs-dpctl's text: parse_odp_key_mask_attr() of
lib/odp-util.c (the forms format_odp_key_attr__() prints), building the key
and mask as the dicts the codec encodes (``key_attrs`` of specs/ovs.py).
Members and bit fields come from the spec's display tables; the tunnel key
is in ``parse_tunnel``."""

from __future__ import annotations

import functools
import re

from ..values import parse_bytes
from . import spec
from .parse_tunnel import tunnel_parse
from .text import ParseError, c_int, call, fields, flags_parse, port_num, split, value_mask, why

KEYS = "key_attrs"


@functools.lru_cache(maxsize=None)
def _by_text():
    """{ovs-dpctl name: key attribute name}."""
    return {t: n for n, t in spec.module().KEY_TEXT.items()}


def _full(bits_of_size: int) -> int:
    return (1 << (8 * bits_of_size)) - 1


def checked_int(text: str, size: int, what: str) -> int:
    v = c_int(text)
    if not 0 <= v <= _full(size):
        raise ValueError(f"{what}={text}: does not fit in {size} byte(s)")
    return v


def int_value_mask(text, size, what, conv=None):
    """``value[/mask]`` of an int member of ``size`` bytes (mask default: all ones)."""
    if conv is not None:
        return value_mask(text, _full(size), conv)
    return value_mask(text, _full(size), lambda t: checked_int(t, size, what))


def _zero_and_full(layout):
    return (layout.decode(bytes(layout.size), 0, layout.size),
            layout.decode(b"\xff" * layout.size, 0, layout.size))


def struct_parse(name: str, body) -> tuple:
    """A struct key (``KEY_FIELDS``): value and mask dicts, unnamed members zero."""
    lay = spec.cattr(KEYS, name).layout
    v, full = _zero_and_full(lay)
    m = dict(v)
    v = dict(v)
    members = {text: (member, how) for member, text, how in spec.module().KEY_FIELDS[name]}
    sizes = {f.name: f.size for f in lay.fields}
    hints = {f.name: f.hint for f in lay.fields}
    for k, text in fields(body).items():
        if k not in members:
            raise ValueError(f"{spec.module().KEY_TEXT[name]}: unknown field {k!r}")
        member, how = members[k]
        if how == "frag":
            names = {spec.module().FRAG_TEXT[n]: val
                     for val, n in spec.enum("frag_type").names.items()}
            if text not in names:
                raise ValueError(f"frag={text}: one of {', '.join(names)}")
            v[member], m[member] = names[text], _full(sizes[member])
        elif how == "addr":
            def conv(t, h=hints[member], what=k):
                parse_bytes(t, h, what)
                return t
            v[member], m[member] = value_mask(text, full[member], conv)
        elif how == "label":
            lm = spec.bit_mask("ipv6_label", "label")
            v[member], m[member] = value_mask(text, lm)
        else:
            v[member], m[member] = int_value_mask(text, sizes[member], k)
    return v, m


def key_item(name: str, body) -> tuple:
    """One key item of the text -> (attribute name, value, mask) as decoded dicts."""
    m_ = spec.module()
    attr = _by_text().get(name)
    if attr in ("priority", "skb_mark", "dp_hash", "recirc_id", "ct_mark", "ct_zone"):
        size = spec.cattr(KEYS, attr).size
        if not body:
            return attr, 0, 0
        v, m = int_value_mask(body, size, name)
        return attr, v, m
    if attr == "in_port":
        v, m = int_value_mask(body, spec.cattr(KEYS, attr).size, name, port_num)
        return attr, v, m
    if attr == "ct_state":
        size = spec.cattr(KEYS, attr).size
        if body and body[0] not in "+-" and "/" in body:     # numeric value/mask
            v, m = int_value_mask(body, size, name)
            return attr, v, m
        names = {b: m_.CT_STATE_TEXT[n] for b, n in spec.enum("ct_state_flags").names.items()}
        v, m = flags_parse(body, names)
        return attr, v, _full(size) if m is None else m
    if attr == "ct_labels":
        n = spec.cattr(KEYS, attr).max_len
        v, m = value_mask(body, _full(n)) if body else (0, 0)
        # an ovs_u128 in host order (little-endian here), printed as one number
        return attr, v.to_bytes(n, "little").hex(), m.to_bytes(n, "little").hex()
    if attr == "ethertype":
        v, m = int_value_mask(body, spec.cattr(KEYS, attr).size, name)
        return attr, v, m
    if attr == "vlan":
        f = fields(body)
        tci = mask = 0
        for k in ("vid", "pcp"):
            if k in f:
                full = spec.bits("vlan_tci", 0xFFFF)[k]
                v, m = value_mask(f[k], full)
                tci |= spec.put_bits("vlan_tci", **{k: v})
                mask |= spec.put_bits("vlan_tci", **{k: m})
        mask |= spec.bit_mask("vlan_tci", "cfi")
        if f.get("cfi") != "0":
            tci |= spec.bit_mask("vlan_tci", "cfi")
        return attr, tci, mask
    if attr == "tcp_flags":
        names = {b: n for n, b in m_.TCP_FLAGS.items()}
        v, m = flags_parse(body, names)
        return attr, v, m_.TCP_FLAGS_MASK if m is None else m
    if attr == "mpls":
        f = fields(body)
        lse = mask = 0
        for k in ("label", "tc", "ttl", "bos"):
            if k in f:
                v, m = value_mask(f[k], spec.bits("mpls_lse", 0xFFFFFFFF)[k])
                lse |= spec.put_bits("mpls_lse", **{k: v})
                mask |= spec.put_bits("mpls_lse", **{k: m})
        return attr, {"lse": [lse]}, {"lse": [mask]}
    if attr == "packet_type":
        f = fields(body)
        vals, masks = {}, {}
        for k in ("ns", "id"):
            vals[k], masks[k] = value_mask(f.get(k, "0"), spec.bits("packet_type",
                                                                     0xFFFFFFFF)[k])
        return attr, spec.put_bits("packet_type", **vals), spec.put_bits("packet_type", **masks)
    if attr == "tunnel":
        v, m = tunnel_parse(fields(body))
        return attr, v, m
    if attr == "encap":
        k, m = keys_parse(body) if body else ({}, {})
        return attr, k, m
    if attr in m_.KEY_FIELDS:
        v, m = struct_parse(attr, body)
        return attr, v, m
    unknown = re.fullmatch(r"key(\d+)", name)
    if unknown and body is not None:
        # an attribute OVS does not know, printed as its payload's bytes (format_generic)
        v, _, mk = body.partition("/")
        vb = bytes.fromhex(v)
        mb = bytes.fromhex(mk) if mk else b"\xff" * len(vb)
        if len(mb) != len(vb):
            raise ValueError(f"{name}({body}): value and mask differ in length")
        return unknown.group(1), vb.hex(), mb.hex()
    raise ValueError(f"unknown key {name}({body})")


def keys_parse(text: str) -> tuple:
    """The key items of a flow's text -> (key dict, mask dict), in the text's order."""
    key, mask = {}, {}
    for item in split(text):
        if not item:
            continue
        name, body = call(item)
        if name == "eth_type" and body and body.startswith("0/"):
            # a mask without key: the kernel's 802.2 frames (odp_flow_format)
            mask["ethertype"] = c_int(body[2:])
            continue
        try:
            a, v, m = key_item(name, body)
        except ParseError:
            raise
        except (ValueError, KeyError, IndexError, OSError) as e:
            raise ParseError(f"cannot read key {item!r}: {why(e)}") from None
        key[a] = v
        mask[a] = m
    return key, mask
