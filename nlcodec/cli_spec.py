"""``nlcodec spec``: browse families, messages, attribute sets and structs.

    nlcodec spec                         families
    nlcodec spec tc                      a family's messages and attribute sets
    nlcodec spec tc act_mirred_attrs     an attribute set: types, enum names,
                                         struct members, sub-message formats
    nlcodec spec tc newtfilter           a message: its fixed header's members
    nlcodec spec tc tcmsg                a struct by its name in the spec
    nlcodec spec rt_route rt_table       an enum and its names

Everything is read from the specs (the compiled tables for struct layouts),
so what it shows is what the codec does.
"""

from __future__ import annotations

import json

import construct as C

import nlcodec

from .registry import compiled

_TYPES = {(1, False): "u8", (2, False): "u16", (4, False): "u32", (8, False): "u64",
          (1, True): "s8", (2, True): "s16", (4, True): "s32", (8, True): "s64"}


class SpecNotFound(KeyError):
    pass


def _names_text(names, limit=10):
    if names is None:
        return ""
    e = getattr(names, "enum", None)
    if names.kind == "verdict":
        return "tc verdict: pass, drop, pipe, stolen, continue, goto chain N, ..."
    if names.kind == "handle":
        return "tc handle: MAJ:MIN, root, ingress, clsact, none"
    if e is None:
        return ""
    items = [f"{k}={v:#x}" if e.is_flags else f"{k}={v}" for k, v in e.values.items()]
    more = ", ..." if len(items) > limit else ""
    what = "flags" if e.is_flags else "enum"
    return f"{what} {e.name}: {', '.join(items[:limit])}{more}"


def _field_type(f):
    if f.kind == "int":
        t = _TYPES[(f.size, f.signed)]
        return t + ("be" if f.order == ">" and f.size > 1 else "")
    if f.kind == "bytes":
        return f"u8[{f.size}]"
    if f.kind == "bool":
        return "bool"
    if f.kind == "struct":
        return "struct"
    inner = f.sub
    if hasattr(inner, "fields"):
        et = "struct"
    else:
        et = _field_type(inner)
    if f.kind == "array":
        return f"{et}[{f.count}]"
    if f.kind == "vararray":
        return f"{et}[{f.count_field}]"
    return f"{et}[...]"


def layout_rows(lay, depth=0):
    """One dict per member: name, type, offset, size, hint, names."""
    rows, off = [], 0
    for f in lay.fields:
        size = lay._fixed_size(f) if f in lay.fixed_fields else None
        if f.kind != "pad":
            target = f.sub if not hasattr(f.sub, "fields") and f.sub is not None and \
                f.kind in ("array", "vararray", "greedy") else f
            row = {"name": f.name, "type": _field_type(f), "offset": off, "size": size,
                   "depth": depth, "display": f.hint if f.hint and not f.hint.startswith(
                       "enum:") and f.hint not in ("verdict", "handle") else None, "names": _names_text(getattr(target, "names", None))}
            rows.append(row)
            if hasattr(f.sub, "fields"):
                rows += layout_rows(f.sub, depth + 1)
        if size is not None:
            off += size
    return rows


def _print_layout(title, lay, indent="  "):
    print(f"{title} ({lay.size} bytes{'' if lay.is_fixed else ' + variable'})")
    for r in layout_rows(lay):
        pad = indent + "  " * r["depth"]
        extra = " ".join(x for x in (r["display"], r["names"]) if x)
        print(f"{pad}{r['offset']:>4}  {r['name']:<20} {r['type']:<10} {extra}".rstrip())


def _attr_rows(fam, cf, s):
    cs = cf.set(s.name)
    rows = []
    for a in s.attrs:
        ca = cs.by_id.get(a.id)
        row = {"id": a.id, "name": a.name, "type": a.type, "uapi": a.uapi, "nested": a.nested,
               "multi": a.multi, "byte_order": a.byte_order, "display": a.display,
               "selector": a.selector, "enum": a.enum, "doc": a.doc}
        if ca is not None and ca.names is not None:
            row["names"] = _names_text(ca.names)
        if ca is not None and ca.layout is not None:
            row["struct"] = layout_rows(ca.layout)
            row["struct_size"] = ca.layout.size
        if ca is not None and ca.formats:
            fmts = {}
            for key, fmt in ca.formats.items():
                if fmt[0] == "nest":
                    fmts[str(key)] = fmt[1].name if fmt[1] is not None else (
                        "header only" if fmt[2] is not None else "-")
                elif fmt[0] == "struct":
                    fmts[str(key)] = {"struct": layout_rows(fmt[1]), "size": fmt[1].size}
                else:
                    fmts[str(key)] = None
            row["formats"] = fmts
        rows.append(row)
    return rows


def _print_attrset(fam, cf, s):
    rows = _attr_rows(fam, cf, s)
    print(f"{fam.name}.{s.name} ({s.prefix}*{', ' + s.uapi_header if s.uapi_header else ''})")
    for r in rows:
        extra = []
        if r["nested"]:
            extra.append(f"-> {r['nested']}")
        if r["multi"]:
            extra.append("multi")
        if r["byte_order"] != "host":
            extra.append(r["byte_order"] + "-endian")
        if r["display"]:
            extra.append(r["display"])
        if r.get("names"):
            extra.append(r["names"])
        if r["name"] in s.masks:
            extra.append(f"(ADDR/LEN sets {s.masks[r['name']]} too)")
        if r["selector"]:
            extra.append(f"format chosen by {r['selector']}:")
        print(f"  {r['id']:>4}  {r['name']:<28} {r['type']:<16} {' '.join(extra)}".rstrip())
        for m in r.get("struct", ()):
            _member_line(m, "          ")
        for key, fmt in (r.get("formats") or {}).items():
            if isinstance(fmt, dict):
                print(f"          {r['selector']}={key}: struct ({fmt['size']} bytes)")
                for m in fmt["struct"]:
                    _member_line(m, "            ")
            else:
                print(f"          {r['selector']}={key}: {fmt or 'no payload'}")


def _member_line(m, indent):
    pad = indent + "  " * m["depth"]
    extra = " ".join(x for x in (m["display"], m["names"]) if x)
    print(f"{pad}.{m['name']:<20} {m['type']:<10} {extra}".rstrip())


def _find_struct(name):
    """A construct Struct defined under ``name`` in a spec module (tcmsg, tc_mirred)."""
    import pkgutil

    from .registry import _specs_package
    from .spec_cache import spec_module
    pkg = _specs_package()
    for m in pkgutil.iter_modules(pkg.__path__):
        if m.name.startswith("_"):
            continue
        mod = spec_module(m.name)       # its structs are the registry's (names bound)
        st = getattr(mod, name, None)
        if isinstance(st, C.Struct):
            return st
    return None


def _layout_for(fam, cf, st, name):
    """The compiled layout of construct struct ``st`` (with its names bound)."""
    from .structs import compile_struct
    lay = compile_struct(st, name)
    return lay


def cmd_spec(args, error):
    fams = nlcodec.families()
    if not args.family:
        rows = []
        for name, fam in sorted(fams.items()):
            rows.append({"family": name, "protocol": fam.protocol, "genl": fam.genl,
                         "messages": len(fam.messages), "attrsets": len(fam.attrsets),
                         "doc": fam.doc})
        if args.json:
            print(json.dumps(rows))
        else:
            for r in rows:
                kind = "genl" if r["genl"] else r["protocol"]
                print(f"{r['family']:<16} {kind:<8} {r['messages']:>3} messages "
                      f"{r['attrsets']:>3} attribute sets  {r['doc']}".rstrip())
        return 0
    try:
        fam = nlcodec.family(args.family)
    except KeyError as e:
        raise error(str(e.args[0])) from None
    cf = compiled(fam)
    if not args.attrset:
        return _family(fam, args)
    name = args.attrset
    # an attribute set
    try:
        s = fam.attrset(name)
    except KeyError:
        s = None
    if s is not None:
        if args.json:
            print(json.dumps({"attrset": s.name, "attrs": _attr_rows(fam, cf, s)}))
        else:
            _print_attrset(fam, cf, s)
        return 0
    # a message: its header
    try:
        m = fam.msg(name)
    except KeyError:
        m = None
    if m is not None:
        cm = cf.msgs[m.id]
        lay = cm.header if cm.header is not None else cf.header
        if args.json:
            print(json.dumps({"message": m.name, "id": m.id, "uapi": m.uapi, "attrs": m.attrs,
                              "header": layout_rows(lay) if lay is not None else None,
                              "prefixes": m.prefixes}))
            return 0
        print(f"{fam.name}.{m.name} ({m.uapi or m.id}): attributes {m.attrs or '-'}")
        if lay is not None:
            _print_layout("  header", lay, "    ")
        for attr, member in m.prefixes.items():
            print(f"  {attr}: a prefix (\"10.0.0.0/24\") also sets header {member}")
        return 0
    # an enum
    e = fam.enum(name)
    if e is not None:
        if args.json:
            print(json.dumps({"enum": e.name, "flags": e.is_flags, "prefix": e.prefix,
                              "values": e.values}))
            return 0
        print(f"{e.name} ({'flags' if e.is_flags else 'enum'}, {e.prefix}*)")
        for k, v in e.values.items():
            print(f"  {k:<24} {v:#x}" if e.is_flags else f"  {k:<24} {v}")
        return 0
    # a struct by its spec name (tcmsg, tc_mirred, rtmsg)
    st = _find_struct(name)
    if st is not None:
        lay = _layout_for(fam, cf, st, name)
        if args.json:
            print(json.dumps({"struct": name, "size": lay.size, "members": layout_rows(lay)}))
        else:
            _print_layout(name, lay)
        return 0
    raise error(f"{fam.name} has no attribute set, message, enum or struct {name!r} "
                f"(try: nlcodec spec {fam.name})")


def _family(fam, args):
    if args.json:
        print(json.dumps({"family": fam.name, "messages": [
            {"id": m.id, "name": m.name, "uapi": m.uapi, "attrs": m.attrs}
            for m in fam.messages], "attrsets": sorted(fam.attrsets),
            "enums": sorted(fam.enums)}))
        return 0
    print(f"{fam.name} ({'generic netlink' if fam.genl else 'protocol ' + fam.protocol})")
    print("messages:")
    for m in fam.messages:
        print(f"  {m.id:>4}  {m.name:<20} {m.uapi or '':<24} attrs={m.attrs or '-'}")
    print("attribute sets:")
    for s in sorted(fam.attrsets):
        print(f"  {s}")
    if fam.enums:
        print("enums: " + ", ".join(sorted(fam.enums)))
    print(f"(nlcodec spec {fam.name} NAME shows a set, a message's header, an enum or a "
          f"struct)")
    return 0
