"""nlcodec.ynl: the kernel's YAML netlink specs loaded into our spec model.

Truth comes from outside our code: the YNL numbering rules applied by hand
to two small fixtures (rules.yaml, raw.yaml), the installed UAPI headers
(numbers and C struct layouts, through gcc), the running kernel (nlctrl's
policy dump says which attribute numbers and types each command accepts;
`ip` tells which links and MPTCP limits exist), and byte strings built here
from the kernel's struct layouts.
"""

import glob
import os
import re
import socket
import struct
import subprocess

import pytest
from hypothesis import given, settings

yaml = pytest.importorskip("yaml", reason="nlcodec.ynl needs PyYAML (optional dependency)")

import cprobe  # noqa: E402
import nlcodec  # noqa: E402
from nlcodec import DecodeError, EncodeError, SpecError, backends, registry  # noqa: E402
from nlcodec import message as _message  # noqa: E402
from nlcodec import ynl  # noqa: E402
from nlcodec.spec import Enum, Flags, SubMessage  # noqa: E402
from nlcodec.structs import Layout, compile_struct, real_struct  # noqa: E402
from nlcodec.tables import compile_family  # noqa: E402
from wire import nla  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "ynl")
KERNEL_SPECS = ["netdev", "nlctrl", "tcp_metrics", "mptcp_pm", "ovs_flow", "rt-link",
                "rt-route", "tc"]
INCLUDE = "/usr/include"


def spec_path(name):
    return os.path.join(DATA, name + ".yaml")


def load(spec, **kw):
    return ynl.load(spec_path(spec), **kw)


def _dec(cs, data):
    r = backends.active().decode_attrs(cs, data, 0, len(data), cs.name, False)
    return r if type(r) is dict else r.load()


def _enc(cs, d):
    return backends.active().encode_set(cs, d, cs.name)


# -- the loader's rules, on fixtures written for them --------------------------------------


def test_rules_attribute_numbers_and_types():
    fam = load("rules")
    main = fam.attrset("main")
    # numbered from 1 (the "unused" entry takes 0 and is dropped); value: 10 restarts the count
    want = {"id": 1, "name": 2, "colour": 3, "opts": 4, "addr": 10, "addr6": 11, "cookie": 12,
            "hdr": 13, "sel": 14, "items": 15, "list": 16, "ids": 17, "old_list": 18,
            "policy": 19, "counter": 20, "delta": 21, "on": 22, "pad": 23, "big16": 24,
            "small": 25, "flagset": 26, "uuid": 27, "anyip": 28}
    assert {a.name: a.id for a in main.attrs} == want
    a = main.attr("addr")
    assert (a.type, a.byte_order, a.display) == ("u32", "big", "ipv4")
    assert (main.attr("addr6").min_len, main.attr("addr6").max_len) == (16, 16)
    assert (main.attr("cookie").min_len, main.attr("cookie").max_len) == (4, 8)   # const
    assert main.attr("items").type == "nest" and main.attr("items").multi
    assert main.attr("items").nested == "item"
    for name in ("list", "old_list"):       # array-nest is the old spelling
        assert (main.attr(name).type, main.attr(name).sub_type, main.attr(name).nested) == \
            ("indexed-array", "nest", "item")
    assert (main.attr("ids").type, main.attr("ids").sub_type) == ("indexed-array", "u32")
    assert (main.attr("policy").type, main.attr("policy").levels) == ("nest-type-value", 2)
    assert main.attr("big16").byte_order == "big" and main.attr("small").type == "s8"
    assert main.attr("sel").type == "binary" and compile_struct(main.attr("sel").struct).size == 8
    assert main.attr("anyip").display == "ip" and main.attr("uuid").display == "uuid"
    assert main.attr("colour").enum == "colour"
    # UAPI names as ynl-gen-c renders them
    assert main.prefix == "YNL_TEST_A_MAIN_" and main.attr("addr").uapi == "YNL_TEST_A_MAIN_ADDR"
    assert fam.attrset("ynl_test").prefix == "YNL_TEST_A_"      # the set named as the family
    item = fam.attrset("item")
    assert [(a.id, a.name, a.type) for a in item.attrs] == [(3, "key", "u16"), (4, "val", "u64")]
    assert item.prefix == "YNL_TEST_ITEM_"
    sub = fam.attrset("item_key")       # subset-of: the parent's number, type and prefix
    assert [(a.id, a.name, a.type) for a in sub.attrs] == [(4, "val", "u64")]
    assert sub.prefix == "YNL_TEST_ITEM_"


def test_rules_enums_and_flags():
    fam = load("rules")
    colour = fam.enums["colour"]
    assert type(colour) is Enum and colour.prefix == "YNL_TEST_COLOUR_"
    assert colour.values == {"red": 5, "green": 6, "blue": 10, "cyan": 11}
    opts = fam.enums["opts"]
    assert isinstance(opts, Flags) and opts.values == {"a": 1, "b": 2, "c": 16, "d": 32}
    # enum-as-flags: the enum's values as bit numbers
    twin = fam.enums[fam.attrset("main").attr("opts").enum]
    assert isinstance(twin, Flags)
    assert twin.values == {"red": 1 << 5, "green": 1 << 6, "blue": 1 << 10, "cyan": 1 << 11}
    assert twin.describe((1 << 5) | (1 << 11)) == "red,cyan"


def test_rules_struct_is_laid_out_as_c():
    fam = load("rules")
    hdr = fam.msg("odd").header
    lay = compile_struct(hdr)
    # u32 @0, be16 @4, pad[2] @6, mac @8, hw @14, be32 @20, char[8] @24,
    # {s16, u8, pad} @32 (align 2), 4 bytes of C padding, s64 @40: 48 bytes
    assert lay.size == 48
    raw = (struct.pack("<I", 7) + struct.pack(">H", 4789) + b"\0\0" + bytes.fromhex("aabbccddeeff")
           + bytes.fromhex("020000000001") + bytes([10, 1, 2, 3]) + b"label\0\0\0"
           + struct.pack("<hBx", -2, 9) + bytes(4) + struct.pack("<q", -5))
    assert len(raw) == 48
    d = lay.decode(raw, 0, len(raw))
    assert d == {"ifindex": 7, "port": 4789, "mac": "aa:bb:cc:dd:ee:ff", "hw": "02:00:00:00:00:01",
                 "addr": "10.1.2.3", "label": b"label\0\0\0".hex(), "inner": {"lo": -2, "hi": 9},
                 "total": -5}
    assert lay.encode(d) == raw
    assert compile_struct(fam.header).size == 4        # the family's fixed header


def test_rules_operations_and_groups(restore_registry):
    fam = load("rules", register=True)
    assert fam.genl and fam.protocol == "generic" and fam.version == 3
    assert [(m.id, m.name) for m in fam.messages] == [
        (0, "unspec"), (1, "get"), (5, "set"), (6, "set_ntf"), (7, "event"), (9, "odd")]
    assert fam.msg("set_ntf").attrs == "main"      # notify: takes the notified op's set
    assert fam.msg("get").uapi == "YNL_TEST_CMD_GET"
    assert fam.mcast_groups == ("events", "other-group")   # as the kernel names them
    assert nlcodec.family("ynl_test") is fam
    # a request as the kernel expects it: nlmsghdr, genlmsghdr (cmd 1, version 3),
    # small-hdr (u32 ifindex), then YNL_TEST_A_MAIN_ID (1) = 5
    got = nlcodec.encode("ynl_test", "get", header={"ifindex": 7}, attrs={"id": 5},
                         flags=nlcodec.NLM_F_REQUEST, seq=9, family_id=0x1234)
    body = struct.pack("<BBH", 1, 3, 0) + struct.pack("<I", 7) + nla(1, struct.pack("<I", 5))
    assert got == struct.pack("<IHHII", 16 + len(body), 0x1234, 1, 9, 0) + body
    m, = nlcodec.decode(got, "generic", families={0x1234: "ynl_test"})
    assert (m.type, m.header["ifindex"], m.get("id")) == ("get", 7, 5)
    # "odd" has its own fixed header (48 bytes) instead of the family's
    got = nlcodec.encode("ynl_test", "odd", header={"ifindex": 1, "port": 2, "mac": bytes(6),
                                                    "hw": bytes(6), "addr": "0.0.0.0",
                                                    "label": bytes(8),
                                                    "inner": {"lo": 0, "hi": 0}, "total": 0},
                         attrs={"key": 3}, family_id=0x1234)
    assert len(got) == 16 + 4 + 48 + 8


def test_rules_values_round_trip_by_hand():
    fam = load("rules")
    cs = compile_family(fam).sets["main"]
    raw = (nla(10, bytes([192, 0, 2, 1]))                 # be32 shown as an address
           + nla(11, socket.inet_pton(socket.AF_INET6, "2001:db8::1"))
           + nla(14, struct.pack("<II", 3, 7))            # bitfield32 value, selector
           + nla(15, nla(3, struct.pack("<H", 1))) + nla(15, nla(4, struct.pack("<Q", 2)))
           + nla(17, nla(1, struct.pack("<I", 10)) + nla(2, struct.pack("<I", 20)))
           + nla(19, nla(5, nla(6, nla(3, struct.pack("<H", 8)))))
           + nla(24, struct.pack(">H", 0x1234)) + nla(25, struct.pack("<b", -3))
           + nla(20, struct.pack("<Q", 1 << 40)) + nla(22, b""))
    d = _dec(cs, raw)
    assert d == {"addr": "192.0.2.1", "addr6": "2001:db8::1", "sel": {"value": 3, "selector": 7},
                 "items": [{"key": 1}, {"val": 2}], "ids": [10, 20],
                 "policy": {"5": {"6": {"key": 8}}}, "big16": 0x1234, "small": -3,
                 "counter": 1 << 40, "on": True}
    assert _enc(cs, d) == raw
    with pytest.raises(DecodeError):        # exact-len 16
        _dec(cs, nla(11, bytes(4)))
    with pytest.raises(DecodeError):        # max-len cookie-max (8)
        _dec(cs, nla(12, bytes(9)))
    # checks=False leaves the spec's input checks out of decoding
    loose = compile_family(load("rules", checks=False)).sets["main"]
    assert _dec(loose, nla(12, bytes(9))) == {"cookie": bytes(9).hex()}


def test_raw_directional_messages():
    fam = load("raw")
    assert not fam.genl and fam.protocol == "route"
    # requests 40, 41, 42, 100; getstats' reply (98) is a type no request uses
    assert sorted((m.id, m.name) for m in fam.messages) == [
        (40, "newthing"), (41, "delthing"), (42, "getthing"), (98, "getstats"),
        (100, "getstats")]
    assert fam.msg("getstats").id == 100          # by name: the request
    assert fam.msg(98).uapi == ""                 # no UAPI name of its own
    assert compile_struct(fam.header).size == 8
    assert fam.mcast_groups == ("things",)


def test_raw_sub_messages_by_hand():
    fam = load("raw")
    top = fam.attrset("top_attrs")
    opts = top.attr("options").formats
    assert opts["alpha"] == "alpha_attrs" and opts["noop"] is None
    assert compile_struct(opts["fifo"]).size == 4
    assert isinstance(opts["netem"], SubMessage) and opts["netem"].attrs == "alpha_attrs"
    # an integer selector (u32 with enum kinds): "alpha" -> 1, "2" -> 2
    assert set(top.attr("data").formats) == {1, 2}
    cs = compile_family(fam).sets["top_attrs"]
    x5 = nla(1, struct.pack("<I", 5)) + nla(2, b"hi\0")
    cases = [
        (nla(1, b"alpha\0") + nla(2, x5), {"kind": "alpha", "options": {"x": 5, "y": "hi"}}),
        (nla(1, b"fifo\0") + nla(2, struct.pack("<I", 1000)),
         {"kind": "fifo", "options": {"limit": 1000}}),
        (nla(1, b"netem\0") + nla(2, struct.pack("<I", 7) + x5),
         {"kind": "netem", "options": {"_header": {"limit": 7}, "x": 5, "y": "hi"}}),
        (nla(1, b"noop\0") + nla(2, b""), {"kind": "noop", "options": None}),
        # the selector may come after the sub-message
        (nla(4, x5) + nla(3, struct.pack("<I", 1)), {"data": {"x": 5, "y": "hi"}, "mode": 1}),
        (nla(3, struct.pack("<I", 2)) + nla(4, struct.pack("<I", 9)),
         {"mode": 2, "data": {"limit": 9}}),
    ]
    for raw, want in cases:
        assert _dec(cs, raw) == want
        assert _enc(cs, want) == raw


def test_errors_are_clear(monkeypatch):
    with pytest.raises(SpecError, match="unknown attribute type"):
        ynl.load({"name": "x", "attribute-sets": [
            {"name": "s", "attributes": [{"name": "a", "type": "u128"}]}]})
    with pytest.raises(SpecError, match="subset of unknown set"):
        ynl.load({"name": "x", "attribute-sets": [
            {"name": "s", "subset-of": "nope", "attributes": [{"name": "a"}]}]})
    with pytest.raises(SpecError, match="not a YNL spec"):
        ynl.load("just: text\nwithout: a name\n")
    with pytest.raises(FileNotFoundError):
        ynl.load("/nonexistent/foo.yaml")
    # PyYAML is optional: a dict needs no YAML at all, text says what is missing
    monkeypatch.setitem(__import__("sys").modules, "yaml", None)
    assert ynl.load({"name": "tiny", "attribute-sets": []}).name == "tiny"
    with pytest.raises(ImportError, match="pip install pyyaml"):
        ynl.load(spec_path("rules"))


# -- every kernel spec loads ---------------------------------------------------------------

EXPECTED_WARNINGS = {
    # tc.yaml at 1701940b1a02 names a struct and a set it never defines
    "tc": {"tc.tc-u32-attrs.mark: struct 'tc-u32-mark' is not defined; kept as binary",
           "tc.tc_act_attrs.options[police]: no attribute set 'tc_act_police_attrs'; "
           "format dropped"},
}


@pytest.mark.parametrize("name", KERNEL_SPECS)
def test_kernel_spec_loads(name):
    doc = yaml.safe_load(open(spec_path(name)))
    fam = load(name)
    assert fam.name == name.replace("-", "_")
    cf = compile_family(fam)            # every struct, nest and format resolves
    assert set(fam.ynl_warnings) == EXPECTED_WARNINGS.get(name, set())
    assert len(fam.attrsets) == len(doc["attribute-sets"])
    assert fam.messages and all(m.id in cf.msgs for m in fam.messages)
    for s in doc["attribute-sets"]:     # every typed attribute is there
        n = sum(1 for a in s["attributes"] if a.get("type", "x") != "unused")
        assert len(fam.attrset(s["name"]).attrs) == n, s["name"]
    # text and parsed dicts load the same
    again = ynl.load(open(spec_path(name)).read())
    assert [(m.id, m.name) for m in again.messages] == [(m.id, m.name) for m in fam.messages]


# -- numbers and struct layouts against the installed UAPI headers --------------------------

needs_gcc = cprobe.needs_gcc

HEADERS = {
    "nlctrl": ["linux/genetlink.h"],
    "tcp_metrics": ["linux/tcp_metrics.h"],
    # YNL's own header for it (linux/mptcp_pm.h) is newer than the installed 6.1 headers
    "mptcp_pm": ["linux/mptcp.h"],
    "ovs_flow": ["linux/openvswitch.h"],
    "rt-link": ["linux/rtnetlink.h", "linux/if_link.h", "linux/if_bridge.h"],
    "rt-route": ["linux/rtnetlink.h"],
    "tc": ["linux/rtnetlink.h", "linux/pkt_sched.h", "linux/pkt_cls.h", "linux/gen_stats.h"]
    + sorted(os.path.relpath(p, INCLUDE) for p in glob.glob(f"{INCLUDE}/linux/tc_act/*.h")),
}

# Where a kernel YNL spec (at the commits we ship) disagrees with the UAPI header:
# spec mistakes, found by this test.  Anything else that differs fails.
UAPI_KNOWN = {
    # nlctrl.yaml lists mask before pad; linux/netlink.h: PAD = 11, MASK = 12
    "NL_POLICY_TYPE_ATTR_MASK", "NL_POLICY_TYPE_ATTR_PAD",
}

# the least each family must be checked on, so a wrong prefix cannot pass by skipping
UAPI_MIN = {"nlctrl": 25, "tcp_metrics": 12, "mptcp_pm": 20, "ovs_flow": 120, "rt-link": 250,
            "rt-route": 25}


def _cpp(headers):
    return cprobe.preprocess(headers)


def _c_values(headers, exprs):
    """{expr: value} printed by a C program built against ``headers``."""
    return cprobe.c_values(headers, exprs)


def _uapi_entries(fam):
    for s in fam.attrsets.values():
        for a in s.attrs:
            yield a.uapi, a.id, f"{s.name}.{a.name}"
    for m in fam.messages:
        if m.uapi:
            yield m.uapi, m.id, f"message {m.name}"
    for e in fam.enums.values():
        if e.prefix:
            for n, v in e.values.items():
                yield e.prefix + n.upper(), v, f"enum {e.name}.{n}"


@needs_gcc
def test_netdev_header_is_not_installed():
    # netdev is checked against the running kernel instead (test_live_policies_match)
    assert not os.path.exists(f"{INCLUDE}/linux/netdev.h"), \
        "linux/netdev.h is installed now: add netdev to HEADERS"


@needs_gcc
@pytest.mark.parametrize("name", sorted(set(HEADERS) - {"tc"}))
def test_numbers_match_uapi(name):
    # (tc.yaml gives its sets no name-prefix, so it names no UAPI enum to check)
    headers = [h for h in HEADERS[name] if os.path.exists(os.path.join(INCLUDE, h))]
    fam = load(name)
    defined = set(re.findall(r"\b[A-Z][A-Z0-9_]+\b", _cpp(headers)))
    entries = [(u, v, w) for u, v, w in _uapi_entries(fam) if u in defined]
    values = _c_values(headers, sorted({u for u, _, _ in entries}))
    wrong = [f"{w}: YNL {v}, {u} = {values[u]}" for u, v, w in entries
             if values[u] != v and u not in UAPI_KNOWN]
    assert not wrong, f"{name}: numbers differ from the UAPI headers:\n" + "\n".join(wrong)
    assert len(entries) >= UAPI_MIN[name], f"only {len(entries)} names found in {headers}"
    # the known spec mistakes are still there (else drop them from UAPI_KNOWN)
    for u, v, w in entries:
        if u in UAPI_KNOWN:
            assert values[u] != v, f"{u} now agrees: remove it from UAPI_KNOWN"


def _offsets(layout: Layout):
    off, out = 0, {}
    for f in layout.fields:
        if f.kind != "pad":
            out[f.name] = off
        off += Layout._fixed_size(f)
    return out


# YNL structs that cannot match C: the kernel's struct ends in a flexible array,
# which YNL spells as one element (or leaves out)
STRUCT_SKIP = {"tc_u32_sel", "tc_pedit_sel", "tc_u32_pcnt"}

# Where a kernel YNL struct (at the commits we ship) disagrees with C: found by this test.
STRUCT_KNOWN = {
    # ovs_flow.yaml: mpls-ethertype is a u32; C has __be16 mpls_ethertype
    "sizeof(struct ovs_action_add_mpls): ours 12, C 8",
    "offsetof(struct ovs_action_add_mpls, tun_flags): ours 8, C 6",
    # rt-route.yaml lists 5 of rta_cacheinfo's 8 members
    "sizeof(struct rta_cacheinfo): ours 20, C 32",
    # tc.yaml: overhead and cell-align as u8; C has __u16 overhead, short cell_align
    "offsetof(struct tc_ratespec, cell_align): ours 3, C 4",
    "offsetof(struct tc_ratespec, mpu): ours 4, C 6",
    # tc.yaml has the newer, longer tc_fq_qd_stats (members added after 6.1's headers)
    "sizeof(struct tc_fq_qd_stats): ours 152, C 104",
}


@needs_gcc
@pytest.mark.parametrize("name", sorted(HEADERS))
def test_structs_match_c_layout(name):
    headers = [h for h in HEADERS[name] if os.path.exists(os.path.join(INCLUDE, h))]
    pre = _cpp(headers)
    fam = load(name)
    defs = [d for d in fam.ynl.get("definitions") or () if d.get("type") == "struct"]
    exprs, ours, checked = [], {}, []
    for d in defs:
        cname = d["name"].replace("-", "_")
        body = re.search(r"\bstruct\s+" + cname + r"\s*\{(.*?)\n\}", pre, re.S)
        if body is None or cname in STRUCT_SKIP:
            continue
        lay = compile_struct(ynl._Loader(fam.ynl, None).struct(d["name"]))
        exprs.append(f"sizeof(struct {cname})")
        ours[exprs[-1]] = lay.size
        idents = set(re.findall(r"\b\w+\b", body.group(1)))
        for member, off in _offsets(lay).items():
            if member in idents:
                exprs.append(f"offsetof(struct {cname}, {member})")
                ours[exprs[-1]] = off
        checked.append(cname)
    c = _c_values(headers, exprs)
    wrong = [f"{e}: ours {ours[e]}, C {c[e]}" for e in exprs if c[e] != ours[e]]
    new = [w for w in wrong if w not in STRUCT_KNOWN]
    assert not new, f"{name}: struct layouts differ from C:\n" + "\n".join(new)
    assert len(exprs) >= 5 or not defs, f"only {exprs} checked"
    if defs:
        assert checked, f"no struct of {name} found in {headers}"


# -- YNL against our built-in specs ----------------------------------------------------------

def _stype(a):
    if a.type == "binary" and a.struct is not None:
        lay = compile_struct(a.struct)
        return f"struct[{lay.size}{'+' if not lay.is_fixed else ''}]"
    return a.type


def _masked(a, b):
    """``b`` is ``a``'s value followed by a mask of the same size (OVS
    OVS_ACTION_ATTR_SET_MASKED, which YNL describes with the unmasked key set)."""
    from nlcodec.tables import INT_SIZES
    size = compile_struct(a.struct).size if a.struct is not None else INT_SIZES.get(a.type)
    return b.struct is not None and bool(size) and compile_struct(b.struct).size == 2 * size


def compare_sets(yf, ys, bf, bs, path, out, seen, cover):
    """Conflicts between YNL set ``ys`` and built-in set ``bs`` (same number, different
    name, type, byte order, multi-attr or nesting) into ``out``, following nests;
    attributes only one side has into ``cover``."""
    if (ys.name, bs.name) in seen:
        return
    seen.add((ys.name, bs.name))
    for a in ys.attrs:
        p = f"{path}.{a.name}"
        b = bs.by_id.get(a.id)
        if b is None:
            cover.append(f"{p}: {a.id} not in built-in {bs.name}")
            continue
        if b.name != a.name:
            out.append(f"{p}: built-in name {b.name}")
        ta, tb = _stype(a), _stype(b)
        if ".set_masked" in p and _masked(a, b):
            continue                # OVS set_masked: ours carries value and mask
        if ta != tb:
            if tb == "binary" and a.display in ("ipv4", "ip") and a.type in ("u32", "binary"):
                continue            # an IPv4 address either way: the same 4 bytes
            if ta == "binary":
                continue            # YNL leaves it opaque; ours says more: not a conflict
            if tb.endswith("+]") and ta.startswith("struct["):
                continue            # ours ends in a variable array YNL cannot express
            out.append(f"{p}: type {ta}, built-in {tb}")
            continue
        if a.byte_order != b.byte_order and a.type not in ("u8", "s8", "binary"):
            out.append(f"{p}: byte order {a.byte_order}, built-in {b.byte_order}")
        if a.multi != b.multi:
            out.append(f"{p}: multi-attr {a.multi}, built-in {b.multi}")
        if a.type == "indexed-array" and a.sub_type != b.sub_type:
            out.append(f"{p}: sub-type {a.sub_type}, built-in {b.sub_type}")
        if a.type == "nest-type-value" and a.levels != b.levels:
            out.append(f"{p}: levels {a.levels}, built-in {b.levels}")
        if a.nested and b.nested:
            compare_sets(yf, yf.attrset(a.nested), bf, bf.attrset(b.nested), p, out, seen,
                         cover)
        if a.type == "sub-message":
            if a.selector != b.selector:
                out.append(f"{p}: selector {a.selector}, built-in {b.selector}")
            for k, fa in a.formats.items():
                fb = b.formats.get(k, "absent")
                if fb == "absent":
                    continue        # a kind the built-in does not cover (yet)
                if isinstance(fa, str) and isinstance(fb, str):
                    compare_sets(yf, yf.attrset(fa), bf, bf.attrset(fb), f"{p}[{k}]", out,
                                 seen, cover)
                elif not isinstance(fa, type(real_struct(fb))):
                    out.append(f"{p}[{k}]: format {type(fa).__name__}, built-in "
                               f"{type(real_struct(fb)).__name__}")
    ids = {a.id for a in ys.attrs}
    for b in bs.attrs:
        if b.id not in ids and b.id != 0:
            cover.append(f"{path}: built-in {b.name} ({b.id}) not in YNL")


def compare_families(yf, bf):
    registry.compiled(bf)           # resolves the built-in's uses=
    out, seen, cover = [], set(), []
    for m in yf.messages:           # from each message, and sets of the same name
        bm = bf.msg_by_id.get(m.id)
        if m.attrs and bm is not None and bm.attrs:
            compare_sets(yf, yf.attrset(m.attrs), bf, bf.attrset(bm.attrs), m.name, out, seen,
                         cover)
    for s in yf.attrsets.values():
        if s.name in bf.attrsets:
            compare_sets(yf, s, bf, bf.attrsets[s.name], s.name, out, seen, cover)
    return out, seen, cover


# Differences we know of, each with its reason.  The path is how the walk reached it.
BUILTIN_KNOWN = {
    "nlctrl": {
        # nlctrl.yaml swaps these two (see UAPI_KNOWN); ours follows linux/netlink.h
        "getfamily.policy.mask: built-in name pad",
        "getfamily.policy.mask: type u64, built-in pad",
        "getfamily.policy.pad: built-in name mask",
        "getfamily.policy.pad: type pad, built-in u64",
    },
    "ovs_flow": {
        # ovs_flow.yaml (12e74931ee97) lacks OVS_ACTION_ATTR_DROP (24), so PSAMPLE lands on 24
        "get.actions.psample: built-in name drop",
        "get.actions.psample: type nest, built-in u32",
        # OVS_ACTION_ATTR_TRUNC carries struct ovs_action_trunc { __u32 max_len }: same bytes
        "get.actions.trunc: type u32, built-in struct[4]",
        # YNL gives add_mpls 12 bytes, C (and ours) 8: struct ovs_action_add_mpls is
        # { __be32 mpls_lse; __be16 mpls_ethertype; __u16 tun_flags } (tc: see the C test)
        "get.actions.add_mpls: type struct[12], built-in struct[8]",
    },
    "tc": {
        "newqdisc.options[basic].ematches.tree_hdr: built-in name hdr",     # TCA_EMATCH_TREE_HDR
        "newqdisc.options[basic].ematches.tree_list: built-in name list",
        # the classifiers' TCA_*_ACT is a prio-indexed array of actions (tcf_exts)
        "newqdisc.options[bpf].act: type nest, built-in indexed-array",
        "newqdisc.options[cgroup].act: type nest, built-in indexed-array",
        # YNL at 1701940b1a02 names it TCA_TBF_PRATE4 (a typo of PRATE64)
        "newqdisc.options[tbf].prate4: built-in name prate64",
        # UAPI spells it TCA_FLOWER_L2TPV3_SID
        "newqdisc.options[flower].key_l2_tpv3_sid: built-in name key_l2tpv3_sid",
        # YNL models xstats' app payload per kind; ours keeps it binary
        "newqdisc.stats2.app: type sub-message, built-in binary",
        # MPLS opts: the kernel nests LSEs (TCA_FLOWER_KEY_MPLS_OPTS_LSE) holding the
        # OPT_LSE_* attributes; YNL puts OPT_LSE_* directly in MPLS_OPTS
        "newqdisc.options[flower].key_mpls_opts.lse_depth: built-in name lse",
        "newqdisc.options[flower].key_mpls_opts.lse_depth: type u8, built-in nest",
        # geneve options repeat (one per TLV); YNL does not say multi-attr
        "newqdisc.options[flower].key_enc_opts.geneve: multi-attr False, built-in True",
        # Byte order: ours follows the kernel (cls_flower.c reads VLAN_ID, CVLAN_ID and
        # MPLS_LABEL with nla_get_u16/u32; iproute2 reads GENEVE_CLASS with
        # rta_getattr_be16; ERSPAN index and the vlan action's protocol are __be)
        "newqdisc.options[flower].key_vlan_id: byte order big, built-in host",
        "newqdisc.options[flower].key_cvlan_id: byte order big, built-in host",
        "newqdisc.options[flower].key_mpls_label: byte order big, built-in host",
        "newqdisc.options[flower].key_enc_opts.geneve.class: byte order host, built-in big",
        "newqdisc.options[flower].key_enc_opts.erspan.index: byte order host, built-in big",
        "newqdisc.options[basic].act.options[vlan].push_vlan_protocol: "
        "byte order host, built-in big",
        # TCA_TUNNEL_KEY_ENC_KEY_ID is a __be32 (tc_tunnel_key.h); YNL says u64
        "newqdisc.options[basic].act.options[tunnel_key].enc_key_id: type u64, built-in u32",
        # mqprio: struct tc_mqprio_qopt then TCA_MQPRIO_* attributes; YNL has the struct only
        "newqdisc.options[mqprio]: format Struct, built-in SubMessage",
        # prio: struct tc_prio_qopt then tc's compat nest holding TCA_PRIO_MQ (q_prio.c
        # prio_parse_opt, lib/libnetlink.c addattr_nest_compat); YNL has the struct only
        "newqdisc.options[prio]: format Struct, built-in SubMessage",
        # sfb: TCA_OPTIONS holds TCA_SFB_PARMS (struct tc_sfb_qopt); YNL has the bare struct
        "newqdisc.options[sfb]: format Struct, built-in str",
    },
    "rt_link": {
        # IFLA_COST, IFLA_PRIORITY, IFLA_WIRELESS: unused by the kernel; IFLA_PROTINFO is a
        # per-family nest; ours keeps all four as bytes
        "newlink.cost: type string, built-in binary",
        "newlink.priority: type string, built-in binary",
        "newlink.wireless: type string, built-in binary",
        "newlink.protinfo: type string, built-in binary",
        # IFLA_BR_VLAN_PROTOCOL is __be16 (nla_put_be16); YNL says host order
        "newlink.linkinfo.data[bridge].vlan_protocol: byte order host, built-in big",
        # IFLA_IPTUN_FLAGS: ip6_tunnel puts it with nla_put_u32 (host order); YNL's ip6tnl
        # set is a subset of the iptun set and inherits its big-endian byte order (sit's)
        "newlink.linkinfo.data[ip6tnl].flags: byte order big, built-in host",
        # IFLA_BOND_SLAVE_PRIO: nla_put_s32 in the kernel
        "newlink.linkinfo.slave_data[bond].prio: type u32, built-in s32",
        # IFLA_ALT_IFNAME repeats, one per alternative name
        "newlink.alt_ifname: multi-attr False, built-in True",
        # IFLA_PROTO_DOWN_REASON is a nest (IFLA_PROTO_DOWN_REASON_MASK/VALUE)
        "newlink.proto_down_reason: type string, built-in nest",
        # RTM_GETSTATS requests carry IFLA_STATS_GETSET_* (ours); YNL describes the request
        # with the reply's IFLA_STATS_* set
        "getstats.link_64: built-in name get_filters",
        "getstats.link_64: type struct[200], built-in binary",
        "getstats.link_xstats: built-in name set_offload_xstats_l3_stats",
    } | {
        # the kernel puts bridge port booleans with nla_put_u8 (br_port_fill_attrs); YNL
        # says flag, which cannot decode them
        f"newlink.linkinfo.slave_data[bridge].{n}: type flag, built-in u8" for n in (
            "mode", "guard", "protect", "fast_leave", "learning", "unicast_flood", "proxyarp",
            "learning_sync", "proxyarp_wifi", "mcast_flood", "mcast_to_ucast", "vlan_tunnel",
            "bcast_flood", "neigh_suppress", "isolated", "mrp_ring_open", "mrp_in_open",
            "locked", "mab", "neigh_vlan_suppress")
    },
    "rt_route": {
        # rt-route.yaml lists 5 of rta_cacheinfo's 8 members (see STRUCT_KNOWN)
        "getroute.cacheinfo: type struct[20], built-in struct[32]",
        # RTA_EXPIRES: ours accepts either width
        "getroute.expires: type u32, built-in uint",
        # RTA_SPORT / RTA_DPORT are __be16 (the kernel's nla_get_be16); YNL says host order
        "getroute.sport: byte order host, built-in big",
        "getroute.dport: byte order host, built-in big",
    },
}

# Attributes one side has and the other lacks, each with its reason.  Anything new here fails
# (a typo in a built-in name or number shows up as a one-sided attribute), and so does an
# entry no longer seen.
_NEWER_THAN_YNL = "newer than the kernel's YNL spec copy in ../shared/ynl-specs"
BUILTIN_COVER = {
    "ovs_flow": {
        # OVS_ACTION_ATTR_PSAMPLE, kernel aae0b82b46cb (6.11)
        "get.actions: built-in psample (25) not in YNL": _NEWER_THAN_YNL,
    },
    "tc": {
        # YNL's key-mpls-opts skips a level: the kernel's fl_set_key_mpls_opts
        # (net/sched/cls_flower.c) reads TCA_FLOWER_KEY_MPLS_OPTS_LSE nests, each holding
        # TCA_FLOWER_KEY_MPLS_OPT_LSE_DEPTH..LABEL; ours has that level, YNL does not
        **{f"newqdisc.options[flower].key_mpls_opts.lse_{n}: {i} not in built-in "
           "flower_key_mpls_opts_attrs": "YNL lacks the LSE nest level"
           for i, n in ((2, "ttl"), (3, "bos"), (4, "tc"), (5, "label"))},
        "newqdisc.options[flower]: built-in key_enc_flags (110) not in YNL": _NEWER_THAN_YNL,
        "newqdisc.options[flower]: built-in key_enc_flags_mask (111) not in YNL": _NEWER_THAN_YNL,
        # TCA_FQ_PRIOMAP / TCA_FQ_WEIGHTS: newer than the installed UAPI headers (the built-in
        # spec's layout checks compile against them); fq_attrs keeps them as unknown attributes
        "newqdisc.options[fq].priomap: 16 not in built-in fq_attrs": "not yet built in",
        "newqdisc.options[fq].weights: 17 not in built-in fq_attrs": "not yet built in",
    },
    "rt_link": {
        **{f"newlink.linkinfo.data[{k}]: built-in {n} ({i}) not in YNL": _NEWER_THAN_YNL
           for k, n, i in (("ip6gre", "tos", 9), ("ip6gre", "pmtudisc", 10),
                           ("ip6gre", "ignore_df", 19), ("ip6tnl", "tos", 5),
                           ("ip6tnl", "pmtudisc", 10), ("ip6tnl", "6rd_prefix", 11),
                           ("ip6tnl", "6rd_relay_prefix", 12), ("ip6tnl", "6rd_prefixlen", 13),
                           ("ip6tnl", "6rd_relay_prefixlen", 14))},
        # IFLA_GENEVE_PORT_RANGE: newer than the installed UAPI headers; kept as unknown
        "newlink.linkinfo.data[geneve].port_range: 15 not in built-in linkinfo_geneve_attrs":
            "not yet built in",
        **{f"newlink.linkinfo.slave_data[bond]: built-in {n} ({i}) not in YNL": _NEWER_THAN_YNL
           for n, i in (("actor_port_prio", 10), ("ad_churn_actor_state", 11),
                        ("ad_churn_partner_state", 12))},
        # IFLA_VF_PORTS / IFLA_PORT_SELF: YNL leaves them as opaque nests
        "newlink.vf_ports: built-in port (1) not in YNL": "YNL has no inner set",
        **{f"newlink.port_self: built-in {n} ({i}) not in YNL": "YNL has no inner set"
           for n, i in (("vf", 1), ("profile", 2), ("vsi_type", 3), ("instance_uuid", 4),
                        ("host_uuid", 5), ("request", 6), ("response", 7))},
        # AF_BRIDGE's IFLA_AF_SPEC entry (br_fill_ifinfo's IFLA_BRIDGE_* nest)
        "newlink.af_spec: built-in bridge (7) not in YNL": "YNL has no bridge af_spec entry",
        # RTM_GETSTATS requests: ours reads IFLA_STATS_GETSET_* (see BUILTIN_KNOWN), YNL the
        # reply's IFLA_STATS_* numbers
        **{f"getstats.{n}: {i} not in built-in stats_getset_attrs": "request vs reply set"
           for n, i in (("link_xstats_slave", 3), ("link_offload_xstats", 4), ("af_spec", 5))},
    },
}

BUILTIN_PAIRS = [("nlctrl", "nlctrl"), ("ovs_flow", "ovs_flow"), ("tc", "tc"),
                 ("rt-link", "rt_link"), ("rt-route", "rt_route")]


@pytest.mark.parametrize("spec, builtin", BUILTIN_PAIRS)
def test_ynl_agrees_with_builtin_spec(spec, builtin):
    try:
        bf = nlcodec.family(builtin)
    except KeyError:
        pytest.skip(f"no built-in {builtin} spec yet (specs/ is being written)")
    yf = load(spec, name="ynl_" + builtin)
    diffs, seen, cover = compare_families(yf, bf)
    compared = sum(len(yf.attrset(y).attrs) for y, _ in seen)
    assert compared >= 15, f"compared almost nothing: {sorted(seen)}"
    known = BUILTIN_KNOWN.get(builtin, set())
    new = [d for d in diffs if d not in known]
    assert not new, (f"YNL {spec}.yaml and the built-in {builtin} differ "
                     f"({len(new)} not in BUILTIN_KNOWN):\n" + "\n".join(new))
    one_sided = set(BUILTIN_COVER.get(builtin, {}))
    assert sorted(set(cover) - one_sided) == [], "one-sided attributes not in BUILTIN_COVER"
    assert sorted(one_sided - set(cover)) == [], "BUILTIN_COVER entries no longer seen"
    assert sorted(known - set(diffs)) == [], "BUILTIN_KNOWN entries no longer seen"


# -- round trips of every set of every spec ----------------------------------------------------

def _all_sets():
    out = []
    for name in KERNEL_SPECS + ["rules", "raw"]:
        cf = compile_family(load(name))
        out += [(name, s, cf.sets[s]) for s in sorted(cf.sets)]
    return out


SETS = _all_sets()


@pytest.mark.parametrize("fam, sname, cs", SETS, ids=[f"{f}.{s}" for f, s, _ in SETS])
def test_valid_trees_round_trip(codec, fam, sname, cs):
    from nlcodec.strategies import attrs_for

    @settings(max_examples=25)
    @given(attrs_for(cs))
    def check(d):
        try:
            first = _enc(cs, d)
        except EncodeError:
            return      # a value the spec cannot carry must be refused as EncodeError
        decoded = _dec(cs, first)
        assert _enc(cs, decoded) == first
        assert _dec(cs, first) == decoded
    check()


# -- live: this machine's kernel, through YNL-loaded families ----------------------------------

live = pytest.mark.live
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="live tests need root (netns)")

NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300


def talk(sock, data):
    """Send one request; the raw reply stream up to DONE or the ACK/error."""
    sock.send(data)
    out = b""
    while True:
        buf = sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(buf):
            ln, ty = struct.unpack_from("<IH", buf, off)
            if ty == 2:         # NLMSG_ERROR
                err = struct.unpack_from("<i", buf, off + 16)[0]
                if err:
                    raise OSError(-err, os.strerror(-err))
                return out
            out += buf[off:off + ln + (-ln % 4)]
            if ty == 3:         # NLMSG_DONE
                return out
            off += ln + (-ln % 4)


def genl_socket():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    s.bind((0, 0))
    s.settimeout(5)
    return s


def family_id(sock, name):
    """The kernel's id for ``name``: CTRL_CMD_GETFAMILY (3) with CTRL_ATTR_FAMILY_NAME (2),
    built by hand; the reply's CTRL_ATTR_FAMILY_ID (1) read by hand."""
    body = struct.pack("<BBH", 3, 2, 0) + nla(2, name.encode() + b"\0")
    req = struct.pack("<IHHII", 16 + len(body), 0x10, NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    try:
        raw = talk(sock, req)
    except FileNotFoundError:
        return None
    off = 20
    while off < len(raw):
        ln, t = struct.unpack_from("<HH", raw, off)
        if t & 0x3FFF == 1:
            return struct.unpack_from("<H", raw, off + 4)[0]
        off += ln + (-ln % 4)
    raise AssertionError("no CTRL_ATTR_FAMILY_ID in the reply")


@pytest.fixture
def ns():
    from nlcodec import netns
    with netns.temporary("nlynl") as name:
        yield name


@live
@needs_root
def test_live_nlctrl_and_netdev(ns, restore_registry):
    """nlctrl and netdev loaded from YNL, on a raw genl socket in a private netns."""
    from nlcodec import netns
    ynl.load(spec_path("nlctrl"), name="ynl_nlctrl", register=True)
    ynl.load(spec_path("netdev"), register=True)
    subprocess.run(["ip", "-n", ns, "link", "add", "ya", "type", "veth", "peer", "name", "yb"],
                   check=True, capture_output=True)
    with netns.enter(ns):
        sock = genl_socket()
    with sock:
        # getfamily encoded with the YNL nlctrl; the reply (CTRL_CMD_NEWFAMILY, 1) decoded by it
        req = nlcodec.encode("ynl_nlctrl", "getfamily", attrs={"family_name": "netdev"},
                             flags=NLM_F_REQUEST | NLM_F_ACK, seq=2, family_id=0x10)
        m, = [x for x in nlcodec.decode(talk(sock, req), "generic",
                                        families={0x10: "ynl_nlctrl"}) if x.type_id == 0x10]
        assert m.type == "getfamily" and m.header["cmd"] == 1
        fid = m.get("family_id")
        assert m.get("family_name") == "netdev" and fid == family_id(sock, "netdev")
        ops = {o["id"] for o in m.get("ops")}
        assert nlcodec.family("netdev").msg("dev_get").id in ops      # NETDEV_CMD_DEV_GET
        assert {g["name"] for g in m.get("mcast_groups")} >= {"mgmt"}
        # a dev-get dump: every link of the namespace, as `ip` lists them
        req = nlcodec.encode("netdev", "dev_get", flags=NLM_F_REQUEST | NLM_F_DUMP, seq=3,
                             family_id=fid)
        assert req[16:20] == bytes([1, 1, 0, 0])     # genlmsghdr: cmd 1 (DEV_GET), version 1
        raw = talk(sock, req)
    msgs = [x for x in nlcodec.decode(raw, "generic", families={fid: "netdev"})
            if x.type_id == fid]
    ip = subprocess.run(["ip", "-n", ns, "-o", "link"], check=True, capture_output=True,
                        text=True).stdout
    want = {int(line.split(":")[0]) for line in ip.splitlines()}
    assert {x.get("ifindex") for x in msgs} == want and len(want) == 3
    for x, wire in zip(msgs, _split(raw)):
        assert x.type == "dev_get" and isinstance(x.get("xdp_features"), int)
        assert x.encode() == wire       # decoded with the YNL spec, byte-exact again


def _split(raw):
    off = 0
    while off < len(raw):
        ln = struct.unpack_from("<I", raw, off)[0]
        yield raw[off:off + ln]
        off += ln + (-ln % 4)


# nlctrl's NL_ATTR_TYPE_* (linux/netlink.h) -> the YNL types that policy may hold
POLICY_TYPES = {
    1: {"flag"}, 2: {"u8"}, 3: {"u16"}, 4: {"u32"}, 5: {"u64"}, 6: {"s8"}, 7: {"s16"},
    8: {"s32"}, 9: {"s64"}, 10: {"binary", "bitfield32"}, 11: {"string"}, 12: {"string"},
    13: {"nest", "nest-type-value", "indexed-array", "sub-message"}, 14: {"indexed-array"},
    15: {"bitfield32"},
    # NL_ATTR_TYPE_SINT, _UINT: newer (6.8) than the installed headers, next in the enum
    16: {"sint"}, 17: {"uint"},
}


def _ynl_type(a):
    return "bitfield32" if a.struct is ynl._BITFIELD32 else a.type


def policy_dump(sock, name):
    req = nlcodec.encode("nlctrl", "getpolicy", attrs={"family_name": name},
                         flags=NLM_F_REQUEST | NLM_F_DUMP, seq=5)
    op_pol, pol = {}, {}
    for m in nlcodec.decode(talk(sock, req), "generic"):
        for cmd, d in (m.get("op_policy") or {}).items():
            op_pol.setdefault(int(cmd), {}).update(d)
        for idx, attrs in (m.get("policy") or {}).items():
            pol.setdefault(int(idx), {}).update({int(k): v for k, v in attrs.items()})
    return op_pol, pol


@needs_gcc
def test_policy_type_numbers_match_uapi():
    names = [f"NL_ATTR_TYPE_{t}" for t in ("FLAG", "U8", "U16", "U32", "U64", "S8", "S16",
                                            "S32", "S64", "BINARY", "STRING", "NUL_STRING",
                                            "NESTED", "NESTED_ARRAY", "BITFIELD32")]
    assert list(_c_values(["linux/netlink.h"], names).values()) == list(range(1, 16))


@live
@needs_root
@pytest.mark.parametrize("name", ["netdev", "nlctrl", "mptcp_pm", "tcp_metrics"])
def test_live_policies_match(ns, name):
    """What the kernel accepts (nlctrl's policy dump: attribute numbers and types per
    command) against the YNL-loaded family."""
    from nlcodec import netns
    fam = load(name)
    with netns.enter(ns):
        sock = genl_socket()
    with sock:
        if family_id(sock, name) is None:
            pytest.skip(f"the kernel has no {name} family (module not loaded)")
        op_pol, pol = policy_dump(sock, name)
    assert op_pol, f"{name}: no policies in the dump"
    wrong, newer, checked, seen = [], [], [], set()

    def walk(idx, aset, path):
        if (idx, aset.name) in seen:
            return
        seen.add((idx, aset.name))
        for aid, p in sorted(pol.get(idx, {}).items()):
            a = aset.by_id.get(aid)
            if a is None:
                newer.append(f"{path}: attribute {aid}")
                continue
            checked.append(a)
            if _ynl_type(a) not in POLICY_TYPES.get(p.get("type"), ()):
                wrong.append(f"{path}.{a.name} ({aid}): kernel policy type {p.get('type')}, "
                             f"YNL {_ynl_type(a)}")
            # the length checks the spec states, as the kernel enforces them
            if a.type == "binary" and a.struct is None and "min_length" in p:
                if a.min_len not in (None, p["min_length"]) or \
                        a.max_len not in (None, p.get("max_length")):
                    wrong.append(f"{path}.{a.name} ({aid}): kernel length {p['min_length']}.."
                                 f"{p.get('max_length')}, YNL {a.min_len}..{a.max_len}")
            if "policy_idx" in p and a.nested:
                walk(p["policy_idx"], fam.attrset(a.nested), f"{path}.{a.name}")

    for cmd, d in sorted(op_pol.items()):
        m = fam.msg_by_id.get(cmd)
        if m is None or not m.attrs:    # a command the spec does not have (newer)
            newer.append(f"command {cmd}")
            continue
        for idx in d.values():
            walk(idx, fam.attrset(m.attrs), m.name)
    assert not wrong, f"{name}: YNL types differ from the kernel's policy:\n" + "\n".join(wrong)
    assert len(checked) >= 2, f"{name}: only {len(checked)} attributes checked"
    # the kernel may be newer than the spec, but most of what it accepts is in the spec
    assert len(newer) <= len(checked), f"{name}: not in the YNL spec: {newer}"


@live
@needs_root
def test_live_mptcp_limits(ns, restore_registry):
    """mptcp_pm get-limits / set-limits through the YNL spec, checked with `ip mptcp`."""
    from nlcodec import netns
    ynl.load(spec_path("mptcp_pm"), register=True)
    with netns.enter(ns):
        sock = genl_socket()
    with sock:
        fid = family_id(sock, "mptcp_pm")
        if fid is None:
            pytest.skip("the kernel has no mptcp_pm family (CONFIG_MPTCP)")
        subprocess.run(["ip", "-n", ns, "mptcp", "limits", "set", "subflows", "3",
                        "add_addr_accepted", "4"], check=True, capture_output=True)
        req = nlcodec.encode("mptcp_pm", "get_limits", flags=NLM_F_REQUEST | NLM_F_ACK,
                             seq=1, family_id=fid)
        m, = nlcodec.decode(talk(sock, req), "generic", families={fid: "mptcp_pm"})
        assert (m.get("rcv_add_addrs"), m.get("subflows")) == (4, 3)
        req = nlcodec.encode("mptcp_pm", "set_limits", attrs={"rcv_add_addrs": 5, "subflows": 6},
                             flags=NLM_F_REQUEST | NLM_F_ACK, seq=2, family_id=fid)
        assert talk(sock, req) == b""
    out = subprocess.run(["ip", "-n", ns, "mptcp", "limits", "show"], check=True,
                         capture_output=True, text=True).stdout.split()
    assert out == ["add_addr_accepted", "5", "subflows", "6"]


@live
@needs_root
def test_live_tcp_metrics(ns, restore_registry):
    """A loopback connection leaves TCP metrics; the YNL tcp_metrics dump shows what
    `ip tcp_metrics` shows."""
    import time
    from nlcodec import netns
    ynl.load(spec_path("tcp_metrics"), register=True)
    with netns.enter(ns):
        sock = genl_socket()
        srv = socket.create_server(("127.0.0.1", 0))
        cli = socket.create_connection(srv.getsockname())
    conn, _ = srv.accept()
    cli.sendall(b"x" * 1000)
    conn.recv(1000)
    for s in (cli, conn, srv):
        s.close()
    for _ in range(50):
        ip = subprocess.run(["ip", "-n", ns, "tcp_metrics", "show"], check=True,
                            capture_output=True, text=True).stdout
        if ip.strip():
            break
        time.sleep(0.05)
    with sock:
        fid = family_id(sock, "tcp_metrics")
        if fid is None:
            pytest.skip("the kernel has no tcp_metrics family")
        req = nlcodec.encode("tcp_metrics", "get", flags=NLM_F_REQUEST | NLM_F_DUMP, seq=1,
                             family_id=fid)
        msgs = [m for m in nlcodec.decode(talk(sock, req), "generic",
                                          families={fid: "tcp_metrics"}) if m.type_id == fid]
    lines = [line.split() for line in ip.splitlines()]
    assert lines, "the kernel saved no metrics for the loopback connection"
    assert sorted(m.get("addr_ipv4") for m in msgs) == sorted(w[0] for w in lines)
    for m in msgs:
        w = next(w for w in lines if w[0] == m.get("addr_ipv4"))
        assert m.get("saddr_ipv4") == w[w.index("source") + 1]
        if "rtt" in w:
            # ip prints TCP_METRIC_RTT_US (attribute 6 of the nest), which the kernel
            # keeps scaled by 8 (srtt_us), shifted back
            assert f"{m.get('vals')['rtt_us'] >> 3}us" == w[w.index("rtt") + 1]


def test_load_for_connect_raw(restore_registry):
    # a netlink-raw spec opens its protocol; its messages join that protocol's table
    assert ynl.load_for_connect("route", spec_path("raw")) == "route"
    cf, cm = registry.lookup_message("route", 98)
    assert (cf.name, cm.name) == ("raw_test", "getstats")


@live
@needs_root
def test_live_connect_with_spec(ns, restore_registry):
    """The hook for nlcodec.connect(target, spec=...): load_for_connect, then connect."""
    target = ynl.load_for_connect("netdev", spec_path("netdev"))
    assert target == "netdev" and nlcodec.family("netdev").ynl["name"] == "netdev"
    with pytest.raises(ValueError, match="describes 'netdev'"):
        ynl.load_for_connect("ethtool", spec_path("netdev"))
    with nlcodec.connect(target, netns=ns) as s:
        got = {m.get("ifindex") for m in s.dump("dev_get")}
    assert got == {1}       # a fresh namespace has lo only


@live
@needs_root
def test_live_rt_link_dump(ns, restore_registry):
    """netlink-raw: rt-link loaded from YNL (replacing the built-in rt_link while the test
    runs) decodes a getlink dump of veth, vxlan and bridge links made with `ip` (this
    kernel has few other link kinds built in)."""
    from nlcodec import netns
    ip = ["ip", "-n", ns, "link", "add"]
    subprocess.run(ip + ["ya", "type", "veth", "peer", "name", "yb"], check=True)
    subprocess.run(ip + ["vx42", "type", "vxlan", "id", "42", "dstport", "4789", "local",
                         "192.0.2.1"], check=True)
    subprocess.run(ip + ["br0", "type", "bridge", "priority", "1234"], check=True)
    ynl.load_for_connect("route", spec_path("rt-link"))
    assert registry.lookup_message("route", 16)[0].name == "rt_link"
    assert nlcodec.family("rt_link").ynl["name"] == "rt-link"
    # RTM_GETLINK (18) dump with an all-zero ifinfomsg (16 bytes), built by hand
    want = struct.pack("<IHHII", 32, 18, NLM_F_REQUEST | NLM_F_DUMP, 7, 0) + bytes(16)
    req = nlcodec.encode("route", "getlink", flags=NLM_F_REQUEST | NLM_F_DUMP, seq=7)
    assert req == want
    with netns.enter(ns):
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    with sock:
        sock.bind((0, 0))
        sock.settimeout(5)
        raw = talk(sock, req)
    msgs = [m for m in nlcodec.decode(raw, "route") if m.type_id == 16]
    by_name = {m.get("ifname"): m for m in msgs}
    assert set(by_name) == {"lo", "ya", "yb", "vx42", "br0"}
    for name, m in by_name.items():
        assert m.type == "newlink" and m.family == "route"
        assert m.header["ifi_index"] == ip_link_index(ns, name)
    # sub-messages chosen by IFLA_INFO_KIND
    br = by_name["br0"].get("linkinfo")
    assert br["kind"] == "bridge" and br["data"]["priority"] == 1234    # IFLA_BR_PRIORITY
    assert by_name["ya"].get("link") == ip_link_index(ns, "yb")         # the veth peer
    vx = by_name["vx42"].get("linkinfo")
    assert vx["kind"] == "vxlan" and isinstance(vx["data"], str)   # no vxlan format: hex
    assert by_name["ya"].get("address") == ip_link_address(ns, "ya")
    for m, wire in zip([m for m in nlcodec.decode(raw, "route")], _split(raw)):
        assert m.encode() == wire


def ip_link_index(ns, name):
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "dev", name], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split(":")[0])


def ip_link_address(ns, name):
    out = subprocess.run(["ip", "-n", ns, "-o", "link", "show", "dev", name], check=True,
                         capture_output=True, text=True).stdout
    return out.split("link/ether ")[1].split()[0]


def test_registry_left_as_found():
    # runs last in this file: the YNL families registered above are gone again
    fams = nlcodec.families()
    assert not [n for n, f in fams.items() if hasattr(f, "ynl")]
    assert _message.GENL_IDS.get(0x10) == "nlctrl"
    hit = registry.lookup_message("route", 16)
    assert hit is None or not hasattr(hit[0].spec, "ynl")
