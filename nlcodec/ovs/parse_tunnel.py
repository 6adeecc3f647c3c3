"""The tunnel key from ovs-dpctl's text: the "tunnel(" case of
parse_odp_key_mask_attr() (lib/odp-util.c), as ``tunnel_key_attrs`` dicts in
the order of the text (SCAN_BEGIN_NESTED takes the fields as they come).
Geneve options and the ERSPAN metadata are built with the spec's
``geneve_opt``, ``erspan_md1`` and ``erspan_md2`` layouts."""

from __future__ import annotations

from ..values import TEXT_OF, parse_bytes
from . import spec
from .text import call, c_int, fields, flags_parse, split, value_mask

TUN = "tunnel_key_attrs"


def _full(size):
    return (1 << (8 * size)) - 1


def tunnel_parse(f: dict) -> tuple:
    """{text field: text} of ``tunnel(...)`` -> (key dict, mask dict)."""
    m_ = spec.module()
    cs = spec.cset(TUN)
    by_text = {text: name for name, (text, _) in m_.TUNNEL_FIELDS.items()}
    key, mask = {}, {}
    for k, val in f.items():
        if k in by_text:
            name = by_text[k]
            a = cs.by_name[name]
            if m_.TUNNEL_FIELDS[name][1] == "addr":
                def conv(t, h=a.hint):
                    parse_bytes(t, h, k)
                    return t
                full = TEXT_OF[a.hint](b"\xff" * (a.size or a.max_len))
                key[name], mask[name] = value_mask(val, full, conv)
            else:
                key[name], mask[name] = value_mask(val, _full(a.size))
            continue
        n, body = call(k)
        if n == "flags":
            names = {bit: text for bit, text, _ in m_.TUNNEL_FLAGS}
            attr_of = {bit: attr for bit, _, attr in m_.TUNNEL_FLAGS}
            flags, fmask = flags_parse(body, names)
            fmask = sum(names) if fmask is None else fmask
            for attr in m_.TUNNEL_FLAG_ATTR_ORDER:
                bit = next(b for b, a in attr_of.items() if a == attr)
                if flags & bit:
                    key[attr] = True
                if fmask & bit:
                    mask[attr] = True
        elif n == "vxlan":
            g = fields(call(body)[1])
            vals, masks = {}, {}
            for fld in ("id", "flags"):
                full = spec.bits("vxlan_gbp", 0xFFFFFFFF)[fld]
                vals[fld], masks[fld] = value_mask(g.get(fld, "0"), full)
            key["vxlan_opts"] = {"gbp": spec.put_bits("vxlan_gbp", **vals)}
            mask["vxlan_opts"] = {"gbp": spec.put_bits("vxlan_gbp", **masks)}
        elif n == "geneve":
            key["geneve_opts"], mask["geneve_opts"] = geneve_parse(body)
        elif n == "erspan":
            key["erspan_opts"], mask["erspan_opts"] = erspan_parse(fields(body))
        else:
            raise ValueError(f"tunnel: cannot read {k!r}")
    return key, mask


def geneve_parse(body: str) -> tuple:
    """``{class=,type=,len=,data[/mask]}...`` -> value and mask hex (struct geneve_opt...)."""
    head = spec.layout("geneve_opt")
    lmax = spec.bits("geneve_length", 0xFF)["length"]
    v, m = b"", b""
    for opt in body.replace("}{", "}\0{").split("\0"):
        d, data, datam = {}, None, None
        for part in split(opt.strip()[1:-1]):
            if "=" in part:
                k, x = part.split("=", 1)
                d[k] = x
            else:
                data, datam = value_mask(part, None, lambda t: t)
        cls, clsm = value_mask(d.get("class", "0"), 0xFFFF)
        typ, typm = value_mask(d.get("type", "0"), 0xFF)
        ln, lnm = value_mask(d.get("len", "0"), 0xFF)
        dv = c_int(data).to_bytes(ln, "big") if data else bytes(ln)
        dm = (c_int(datam).to_bytes(ln, "big") if datam else b"\xff" * ln) if data \
            else bytes(ln)
        words = ln // 4
        v += head.encode({"opt_class": cls, "type": typ,
                          "length": spec.put_bits("geneve_length", length=words)}) + dv
        m += head.encode({"opt_class": clsm, "type": typm,
                          "length": spec.put_bits("geneve_length",
                                                  length=lmax if lnm == 0xFF else lnm)}) + dm
    return v.hex(), m.hex()


def erspan_parse(g: dict) -> tuple:
    """``ver=,idx=`` (version 1) or ``ver=,dir=,hwid=`` (version 2) -> struct
    erspan_metadata value and mask dicts."""
    md1, md2 = spec.layout("erspan_md1"), spec.layout("erspan_md2")
    ver, verm = value_mask(g.get("ver", "0"), 0xFF)
    if "idx" in g:
        iv, im = value_mask(g["idx"], 0xFFFFFFFF)
        u = md1.encode({"index": iv, "unused": "00" * 4})
        um = md1.encode({"index": im, "unused": "00" * 4})
    else:
        lo, hi = "o_gra_dir_hwid", "hwid_upper_ft_p"
        width = spec.module().BITS[lo]["hwid"][1]
        val = {"dir": 0, "hwid": 0}
        msk = {"dir": 0, "hwid": 0}
        for fld in ("dir", "hwid"):
            if fld in g:
                full = (1 << width) - 1 if fld == "hwid" else 1
                val[fld], msk[fld] = value_mask(g[fld], full)

        def md(x):
            return md2.encode({
                "timestamp": 0, "sgt": 0,
                hi: spec.put_bits(hi, hwid_upper=x["hwid"] >> width),
                lo: spec.put_bits(lo, dir=x["dir"], hwid=x["hwid"])})
        u, um = md(val), md(msk)
    return {"version": ver, "u": u.hex()}, {"version": verm, "u": um.hex()}
