"""Flow keys and masks as ovs-dpctl prints them: odp_flow_format() and
format_odp_key_attr__() of Open vSwitch's lib/odp-util.c, walking the key and
mask as the codec decodes them (``key_attrs`` of specs/ovs.py).  Names,
members and bit fields come from the spec's display tables (``KEY_TEXT``,
``KEY_FIELDS``, ``BITS``...); the tunnel key is in ``format_tunnel``."""

from __future__ import annotations

from ..memo import Memo, plain_key
from ..tables import K_NEST
from . import spec
from .format_tunnel import field_text, ones, tunnel_text
from .text import _PORTS, first, flags_masked, format_flags, generic, hexdump, hx, is_ones, is_zero, \
    items, port_text, raw, zero_like

KEYS = "key_attrs"


def key_name(name: str) -> str:
    """ovs-dpctl's name of a key attribute (``keyN`` for one OVS does not name)."""
    text = spec.module().KEY_TEXT.get(name)
    if text is not None:
        return text
    return "key%s" % (name if name.isdigit() else spec.cattr(KEYS, name).id)


def _member_const(v, size, ones):
    if isinstance(v, list):
        return all(_member_const(x, size, ones) for x in v)
    return is_ones(v, size) if ones else is_zero(v)


def mask_is(name: str, m, ones: bool) -> bool:
    """odp_mask_is_constant__(): is key attribute ``name``'s mask all ones
    (``ones``) or all zeros?  Padding is not part of the decoded members."""
    m_ = spec.module()
    a = spec.cattr(KEYS, name)
    if a is None:
        b = raw(m) if isinstance(m, str) else b""
        return all(x == (0xFF if ones else 0) for x in b)
    if a.kind == K_NEST:
        # OVS compares the nested attributes' bytes, headers included: only an
        # empty nest is constant; encap never is
        return name != "encap" and not any(not k.startswith("_") for k in m)
    if name == "tcp_flags":
        return m & m_.TCP_FLAGS_MASK == (m_.TCP_FLAGS_MASK if ones else 0)
    if isinstance(m, dict):
        for f in a.layout.fields:
            if f.kind == "pad":
                continue
            v = m.get(f.name)
            if name == "ipv6" and f.name == "label":
                full = spec.bit_mask("ipv6_label", "label")
                if (v & full) != (full if ones else 0):
                    return False
                continue
            if not _member_const(v, f.size, ones):
                return False
        return True
    if isinstance(m, int):
        return m == ((1 << (8 * a.size)) - 1 if ones else 0)
    return all(x == (0xFF if ones else 0) for x in raw(m))


def key_text(key: dict, mask: dict | None, verbose: bool) -> str:
    """odp_flow_format() of decoded key and mask dicts."""
    if not any(not k.startswith("_") for k in key):
        return "<empty>"
    out = []
    has_ethtype = has_pt = False
    for name, v in items(key):
        ma = first(mask, name) if mask else None
        if name == "ethertype":
            has_ethtype = True
        elif name == "packet_type":
            has_pt = True
        wildcard = False
        if mask:
            wildcard = mask_is(name, ma, False) if ma is not None else True
        nested = getattr(spec.cattr(KEYS, name), "kind", None) == K_NEST
        if verbose or not wildcard or nested:
            if wildcard and ma is None:
                ma = zero_like(v)
            out.append(attr_text(name, v, ma, verbose))
        elif name == "ethernet" and not has_pt:
            out.append("eth()")
    s = ",".join(out)
    if not has_ethtype and mask:
        ma = first(mask, "ethertype")
        if ma is not None:
            s += ",eth_type(0/0x%04x)" % ma
    return s


def vlan_text(tci: int, mask: int, verbose: bool) -> str:
    parts = []
    b, mb = spec.bits("vlan_tci", tci), spec.bits("vlan_tci", mask)
    full = spec.bits("vlan_tci", 0xFFFF)
    if verbose or b["vid"] or mb["vid"]:
        parts.append("vid=%d" % b["vid"] + ("" if mb["vid"] == full["vid"]
                                             else "/0x%x" % mb["vid"]))
    if verbose or b["pcp"] or mb["pcp"]:
        parts.append("pcp=%d" % b["pcp"] + ("" if mb["pcp"] == full["pcp"]
                                             else "/0x%x" % mb["pcp"]))
    if not b["cfi"]:
        parts.append("cfi=0")
    return ",".join(parts)


def mpls_text(lse: int) -> str:
    b = spec.bits("mpls_lse", lse)
    return "label=%d,tc=%d,ttl=%d,bos=%d" % (b["label"], b["tc"], b["ttl"], b["bos"])


def u128_text(value, mask, verbose) -> str:
    """An ovs_u128 kept in host order, printed as one big-endian number."""
    if verbose or (mask is not None and any(raw(mask))):
        s = hexdump(raw(value)[::-1])
        if mask is not None and not is_ones(mask):
            s += "/" + hexdump(raw(mask)[::-1])
        return s
    return ""


def _struct_text(name, v, m, verbose):
    sizes = {f.name: f.size for f in spec.cattr(KEYS, name).layout.fields}
    parts = []
    for member, text, how in spec.module().KEY_FIELDS[name]:
        x = v[member]
        mx = None if m is None else m[member]
        if how == "frag":
            if mx is not None and mx not in (0, 0xFF):
                parts.append("error: partial mask not supported for frag (%s)" % hx(mx))
            elif mx is None or mx:
                frags = spec.enum("frag_type").names
                parts.append("%s=%s" % (text, spec.module().FRAG_TEXT.get(frags.get(x),
                                                                          "<error>")))
            continue
        if how == "always_hex":
            parts.append("%s=0x%x" % (text, x))
            continue
        if how == "label":
            lm = spec.bit_mask("ipv6_label", "label")
            full = mx is None or mx & lm == lm
            s = "%s=%s" % (text, hx(x)) + ("" if full else "/" + hx(mx))
            if verbose or mx is None or mx:
                parts.append(s)
            continue
        s = field_text(text, x, mx, how, ones(sizes[member]), verbose)
        if s is not None:
            parts.append(s)
    return ",".join(parts)


def _nsh_text(v, m):
    lay = spec.layout("nsh_key_base")
    base = v.get("base") or lay.decode(bytes(lay.size), 0, lay.size)
    lay1 = spec.layout("nsh_key_md1")
    md1 = (v.get("md1") or lay1.decode(bytes(lay1.size), 0, lay1.size))["context"]
    if m is None:
        return nsh_fields(base, md1, None, None)
    mbase = m.get("base") or lay.decode(b"\xff" * lay.size, 0, lay.size)
    mmd1 = (m.get("md1") or lay1.decode(b"\xff" * lay1.size, 0, lay1.size))["context"]
    return nsh_fields(base, md1, mbase, mmd1)


def nsh_fields(base, md1, mbase, mmd1) -> str:
    """format_odp_nsh_attr() / format_nsh_key(_mask)()."""
    p = spec.bits("nsh_path_hdr", base["path_hdr"])
    if mbase is None:
        s = "flags=%d" % base["flags"] + "ttl=%d" % base["ttl"]   # sic: OVS prints no comma
        s += ",mdtype=%d,np=%d,spi=0x%x,si=%d" % (base["mdtype"], base["np"], p["spi"],
                                                  p["si"])
        if base["mdtype"] == 1:
            s += "".join(",c%d=0x%x" % (i + 1, c) for i, c in enumerate(md1))
        return s
    parts = []

    def u8(name, x, mx):
        if mx:
            parts.append("%s=%s" % (name, x if mx == 0xFF else "0x%02x/0x%02x" % (x, mx)))

    def b32(name, x, mx):
        if mx:
            parts.append("%s=%s" % (name, "0x%x" % x if mx == 0xFFFFFFFF
                                    else "0x%x/0x%08x" % (x, mx)))
    mp = spec.bits("nsh_path_hdr", mbase["path_hdr"])
    spi_m = mp["spi"]
    if spi_m == spec.bits("nsh_path_hdr", 0xFFFFFFFF)["spi"]:
        spi_m = 0xFFFFFFFF
    for k in ("flags", "ttl", "mdtype", "np"):
        u8(k, base[k], mbase[k])
    b32("spi", p["spi"], spi_m)
    u8("si", p["si"], mp["si"])
    for i, (c, mc) in enumerate(zip(md1, mmd1)):
        b32("c%d" % (i + 1), c, mc)
    return ",".join(parts)


def attr_text(name: str, v, ma, verbose: bool) -> str:
    """format_odp_key_attr__(): ``name(...)`` of one key attribute (value and
    mask as decoded; ``ma`` None: no mask)."""
    # flows share most of their attributes (the same addresses, ports and
    # masks): a text is kept by the marshal bytes of what it is made from
    # (plain data of exact builtin types: equal bytes, equal values), except
    # while ports are shown by name (the text then depends on the map)
    key = None if _PORTS.get()[0] else plain_key((name, v, ma, verbose))
    if key is None:
        return _attr_text(name, v, ma, verbose)
    return _attr_memo.keep(key, _attr_text, name, v, ma, verbose)


_attr_memo = Memo()


def _attr_text(name, v, ma, verbose):
    m_ = spec.module()
    text = key_name(name)
    exact = mask_is(name, ma, True) if ma is not None else True
    if name == "encap":
        if ma and v:
            body = key_text(v, ma, verbose)
        else:
            body = key_text(v, None, verbose) if v else ""
    elif name in ("priority", "skb_mark", "dp_hash", "recirc_id"):
        body = hx(v) + ("" if exact else "/" + hx(ma))
    elif name in ("ct_mark", "ct_zone"):
        body = ""
        if verbose or (ma is not None and ma):
            body = hx(v) + ("" if exact else "/" + hx(ma))
    elif name == "ct_state":
        names = {b: m_.CT_STATE_TEXT[n] for b, n in spec.enum("ct_state_flags").names.items()}
        mk = ma if ma else 0
        if verbose:
            body = hx(v) + ("" if exact else "/" + hx(mk))
        elif not exact:
            body = flags_masked(v, mk, names, 0xFFFFFFFF)
        else:
            body = format_flags(v, names, "|")
    elif name == "ct_labels":
        body = u128_text(v, ma, verbose)
    elif name == "tunnel":
        body = tunnel_text(v, ma, verbose)
    elif name == "in_port":
        body = port_text(v) if exact else "%d/%s" % (v, hx(ma))
    elif name == "packet_type":
        b = spec.bits("packet_type", v)
        full = spec.bits("packet_type", -1)
        mb = spec.bits("packet_type", ma) if ma is not None else full
        parts = [field_text("ns", b["ns"], mb["ns"], "dec", full["ns"], verbose),
                 field_text("id", b["id"], mb["id"], "hex", full["id"], verbose)]
        body = ",".join(p for p in parts if p is not None)
    elif name == "vlan":
        body = vlan_text(v, ma if ma is not None else 0xFFFF, verbose)
    elif name == "mpls":
        lses = v["lse"]
        if exact:
            body = ",".join(mpls_text(x) for x in lses)
        else:
            out = []
            for k, mk in zip(lses, ma["lse"]):
                b, mb = spec.bits("mpls_lse", k), spec.bits("mpls_lse", mk)
                out.append("label=%d/0x%x,tc=%d/%x,ttl=%d/0x%x,bos=%d/%x" % (
                    b["label"], mb["label"], b["tc"], mb["tc"], b["ttl"], mb["ttl"],
                    b["bos"], mb["bos"]))
            body = ",".join(out)
    elif name == "ethertype":
        body = "0x%04x" % v + ("" if exact else "/0x%04x" % ma)
    elif name == "tcp_flags":
        names = {b: n for n, b in m_.TCP_FLAGS.items()}
        if not exact:
            body = flags_masked(v, ma & m_.TCP_FLAGS_MASK, names, m_.TCP_FLAGS_MASK)
        else:
            body = format_flags(v, names, "|")
    elif name in m_.KEY_FIELDS:
        body = _struct_text(name, v, ma, verbose)
    elif name == "nsh":
        body = _nsh_text(v, ma)
    else:
        body = generic(spec.payload(KEYS, name, v))
        if not exact:
            body += "/" + generic(spec.payload(KEYS, name, ma))
    return f"{text}({body})"
