"""The tunnel key as ovs-dpctl prints it: format_odp_tun_attr(),
format_odp_tun_vxlan_opt(), format_geneve_opts() and format_odp_tun_erspan_opt()
of lib/odp-util.c, walking ``tunnel_key_attrs`` as the codec decodes them.
Geneve options and the ERSPAN metadata are read with the spec's
``geneve_opt``, ``erspan_md1`` and ``erspan_md2`` layouts."""

from __future__ import annotations

from . import spec
from .text import first, flags_masked, format_flags, generic, hexdump, hx, is_ones, is_zero, \
    items, raw, zero_like


def ones(size: int) -> int:
    """The all-ones mask of an int of ``size`` bytes."""
    return (1 << (8 * size)) - 1


def field_text(name, v, m, how, full, verbose):
    """``name=value[/mask]`` of one member (format_eth(), format_ipv4(),
    format_u8u(), format_be16x()...), or None when its mask is all zero and
    not ``verbose``.  ``how``: dec, hex, hex64 or addr; ``full``: the int
    mask that is all ones (addresses: all 0xff bytes)."""
    empty = m is not None and is_zero(m)
    if how == "addr":
        s = "%s=%s" % (name, v)
    elif how == "dec":
        s = "%s=%d" % (name, v)
    elif how == "hex64":
        s = "%s=0x%x" % (name, v)
    else:
        s = "%s=%s" % (name, hx(v))
    if m is not None and not (m == full if isinstance(m, int) else is_ones(m)):
        s += "/" + (m if how == "addr" else hx(m))
    return s if verbose or not empty else None


def tunnel_text(v: dict, mask, verbose: bool) -> str:
    """format_odp_tun_attr() of a decoded ``tunnel`` (and its mask)."""
    m_ = spec.module()
    cs = spec.cset("tunnel_key_attrs")
    parts = []
    flag_of = {attr: bit for bit, _, attr in m_.TUNNEL_FLAGS}
    flags = mflags = 0
    for name, x in items(v):
        mx = None
        if mask is not None:
            mx = first(mask, name)
            if mx is None:
                mx = zero_like(x)
        if name in m_.TUNNEL_FIELDS:
            text, how = m_.TUNNEL_FIELDS[name]
            s = field_text(text, x, mx, how, ones(cs.by_name[name].size), verbose)
            if s is not None:
                parts.append(s)
            if name in flag_of:          # the key flag: set by a tun_id
                flags |= flag_of[name]
                if mx is not None:
                    mflags |= flag_of[name]
        elif name in flag_of:
            flags |= flag_of[name]
        elif name == "vxlan_opts":
            parts.append("vxlan(%s)" % _vxlan(x, mx, verbose))
        elif name == "geneve_opts":
            parts.append("geneve(%s)" % _geneve(raw(x), None if mx is None else raw(mx),
                                                verbose))
        elif name == "erspan_opts":
            parts.append("erspan(%s)" % _erspan(x, mx, verbose))
        elif name == "pad" or name.startswith("_"):
            pass
        else:       # unknown to format_odp_tun_attr(): its number and bytes
            num = name if name.isdigit() else cs.by_name[name].id
            b = b"" if isinstance(x, bool) else raw(x)
            mb = None if mx is None or isinstance(mx, bool) else raw(mx)
            parts.append("key%s(%s%s)" % (num, generic(b), "/" + generic(mb)
                                          if mb and not is_ones(mb) else ""))
    if mask is not None:
        for name, _ in items(mask):
            if name in flag_of and name not in m_.TUNNEL_FIELDS:
                mflags |= flag_of[name]
    if verbose or mask is None or mflags:
        names = {bit: text for bit, text, _ in m_.TUNNEL_FLAGS}
        allbits = sum(names)
        if mask is not None:
            body = flags_masked(flags, mflags & allbits, names, allbits)
        else:
            body = format_flags(flags, names, "|")
        parts.append("flags(%s)" % body)
    return ",".join(parts)


def _vxlan(v, m, verbose):
    parts = []
    for name, x in items(v):
        mx = first(m, name) if m is not None else None
        if m is not None and mx is None:
            mx = 0
        if name == "gbp":
            b, full = spec.bits("vxlan_gbp", x), spec.bits("vxlan_gbp", -1)
            mb = spec.bits("vxlan_gbp", mx) if mx is not None else None
            g = [field_text("id", b["id"], None if mb is None else mb["id"], "dec", full["id"],
                            verbose),
                 field_text("flags", b["flags"], None if mb is None else mb["flags"], "hex",
                            full["flags"], verbose)]
            parts.append("gbp(%s)" % ",".join(s for s in g if s is not None))
        else:
            parts.append("key%s(%s)" % (name, generic(raw(x))))
    return ",".join(parts)


def _geneve(v: bytes, m, verbose):
    """format_geneve_opts(): {class=,type=,len=,data} per struct geneve_opt."""
    if m is not None and len(m) != len(v):
        return "value len %d different from mask len %d" % (len(v), len(m))
    head = spec.layout("geneve_opt")
    out, off = [], 0
    while off < len(v):
        if len(v) - off < head.size:
            out.append("opt len %d less than minimum %d" % (len(v) - off, head.size))
            break
        h = head.decode(v, off, off + head.size)
        dlen = spec.bits("geneve_length", h["length"])["length"] * 4
        n = head.size + dlen
        if n > len(v) - off:
            out.append("opt len %d greater than remaining %d" % (n, len(v) - off))
            break
        mh = head.decode(m, off, off + head.size) if m is not None else None
        g = [field_text("class", h["opt_class"], None if mh is None else mh["opt_class"],
                        "hex", ones(head.field("opt_class").size), verbose),
             field_text("type", h["type"], None if mh is None else mh["type"], "hex",
                        ones(head.field("type").size), verbose)]
        mlen = None
        if mh is not None:
            ml = spec.bits("geneve_length", mh["length"])["length"]
            mlen = 0xFF if ml == spec.bits("geneve_length", 0xFF)["length"] else ml
        g.append(field_text("len", dlen, mlen, "dec", 0xFF, verbose))
        text = ",".join(s for s in g if s is not None)
        data = v[off + head.size:off + n]
        mdata = m[off + head.size:off + n] if m is not None else None
        if dlen and (verbose or mdata is None or any(mdata)):
            text += "," + hexdump(data)
            if mdata is not None and not is_ones(mdata):
                text += "/" + hexdump(mdata)
        out.append("{%s}" % text)
        off += n
    return "".join(out)


def _md(ver, u):
    lay = spec.layout("erspan_md1" if ver == 1 else "erspan_md2")
    b = raw(u)
    return lay.decode(b, 0, len(b))


def _erspan(v, m, verbose):
    ver = v["version"]
    # format_odp_tun_erspan_opt() prints the version as a u8 (format_u8u)
    g = [field_text("ver", ver & 0xFF, None if m is None else m["version"] & 0xFF, "dec", 0xFF,
                    verbose)]
    if ver == 1:
        idx = _md(1, v["u"])["index"]
        if m is not None:
            g.append("idx=%s/%s" % (hx(idx), hx(_md(1, m["u"])["index"])))
        else:
            g.append("idx=%s" % hx(idx))
    elif ver == 2:
        def dir_hwid(u):
            md = _md(2, u)
            lo = spec.bits("o_gra_dir_hwid", md["o_gra_dir_hwid"])
            hi = spec.bits("hwid_upper_ft_p", md["hwid_upper_ft_p"])
            width = spec.module().BITS["o_gra_dir_hwid"]["hwid"][1]
            return lo["dir"], lo["hwid"] | hi["hwid_upper"] << width
        d, h = dir_hwid(v["u"])
        md, mh = dir_hwid(m["u"]) if m is not None else (None, None)
        # format_u8u()/format_u8x(): a mask is exact at 0xff
        g.append(field_text("dir", d, md, "dec", 0xFF, verbose))
        g.append(field_text("hwid", h, mh, "hex", 0xFF, verbose))
    return ",".join(s for s in g if s is not None)
