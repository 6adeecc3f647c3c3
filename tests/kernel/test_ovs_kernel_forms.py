"""The kernel-internal OVS numbers of the running kernel, read from the kernel
itself: the openvswitch module's BTF (/sys/kernel/btf/openvswitch, split BTF on
top of /sys/kernel/btf/vmlinux) holds ``enum ovs_action_attr`` as that kernel
was built, ``OVS_ACTION_ATTR_SET_TO_MASKED`` included (it follows
``__OVS_ACTION_ATTR_MAX`` under ``__KERNEL__`` in include/uapi/linux/openvswitch.h,
so it moves with every new action: 25 on Debian 12's 6.1, 27 since psample).

``nlcodec.ovs.spec.kernel_actions(release)`` must pick the attribute set whose
numbers are exactly those, and ``format_actions(..., kernel="running")`` must
read a set_to_masked of this kernel.

The BTF reader below follows the kernel's Documentation/bpf/btf.rst (struct
btf_header, struct btf_type, BTF_KIND_ENUM's struct btf_enum members); it is
test-only code."""

import os
import struct

import pytest

from nlcodec import ovs
from nlcodec.ovs import spec

BTF_DIR = "/sys/kernel/btf"
# Documentation/bpf/btf.rst: the bytes that follow a struct btf_type, by kind
_EXTRA = {1: lambda v: 4, 3: lambda v: 12, 4: lambda v: 12 * v, 5: lambda v: 12 * v,
          6: lambda v: 8 * v, 13: lambda v: 8 * v, 14: lambda v: 4, 15: lambda v: 12 * v,
          17: lambda v: 4, 19: lambda v: 12 * v}
BTF_KIND_ENUM = 6


def _sections(data):
    # struct btf_header: u16 magic, u8 version, u8 flags, u32 hdr_len, u32 type_off,
    # u32 type_len, u32 str_off, u32 str_len
    magic, _, _, hdr_len, type_off, type_len, str_off, str_len = \
        struct.unpack_from("<HBBIIIII", data, 0)
    assert magic == 0xEB9F, "not BTF"
    types = data[hdr_len + type_off:hdr_len + type_off + type_len]
    strs = data[hdr_len + str_off:hdr_len + str_off + str_len]
    return types, strs


def btf_enumerators(module="openvswitch") -> dict:
    """{enumerator name: value} of every enum in a module's split BTF."""
    base_types, base_strs = _sections(open(os.path.join(BTF_DIR, "vmlinux"), "rb").read())
    types, strs = _sections(open(os.path.join(BTF_DIR, module), "rb").read())

    def name(off):
        if off < len(base_strs):
            return base_strs[off:base_strs.index(b"\0", off)].decode()
        off -= len(base_strs)
        return strs[off:strs.index(b"\0", off)].decode()
    out, off = {}, 0
    while off < len(types):
        _, info, _ = struct.unpack_from("<III", types, off)
        kind, vlen = (info >> 24) & 0x1F, info & 0xFFFF
        off += 12
        if kind == BTF_KIND_ENUM:
            for i in range(vlen):
                n, v = struct.unpack_from("<Ii", types, off + 8 * i)
                out[name(n)] = v
        off += _EXTRA.get(kind, lambda v: 0)(vlen)
    return out


@pytest.fixture(scope="module")
def enums():
    if not os.path.exists(os.path.join(BTF_DIR, "openvswitch")):
        os.system("modprobe openvswitch")
    return btf_enumerators()


def test_running_kernels_action_numbers_are_the_specs(enums):
    release = os.uname().release
    setname = spec.kernel_actions(release)
    kernel = {n[len("OVS_ACTION_ATTR_"):].lower(): v for n, v in enums.items()
              if n.startswith("OVS_ACTION_ATTR_") and not n.startswith("OVS_ACTION_ATTR_UNSPEC")}
    ours = {a.name: a.id for a in spec.cset(setname).attrs}
    print(f"\n{release}: {setname}, SET_TO_MASKED = {kernel['set_to_masked']}")
    assert ours == kernel
    # the kernel's own rule (include/uapi/linux/openvswitch.h): right after __OVS_ACTION_ATTR_MAX
    assert kernel["set_to_masked"] == enums["__OVS_ACTION_ATTR_MAX"] + 1
    # and the other kernel-only numbers of the forms sw_flow_actions keeps
    assert enums["OVS_CHECK_PKT_LEN_ATTR_ARG"] == \
        spec.attr_id("check_pkt_len_attrs_kernel", "arg")
    assert enums["OVS_SAMPLE_ATTR_ARG"] == spec.module().SAMPLE_ARG_TYPE[1]


def test_set_to_masked_of_the_running_kernel_formats(enums):
    # flow_netlink.c validate_set(): a set of a non-tunnel key becomes
    # OVS_ACTION_ATTR_SET_TO_MASKED holding the key followed by an all-ones mask
    # (masked = true; "Convert non-masked non-tunnel set actions to masked set actions")
    ipv4 = bytes([10, 0, 0, 1, 10, 0, 0, 2, 17, 0, 64, 0])
    key = enums["OVS_KEY_ATTR_IPV4"]

    def nla(t, p):
        n = 4 + len(p)
        return struct.pack("<HH", n, t) + p + bytes(-n & 3)
    acts = nla(enums["OVS_ACTION_ATTR_SET_TO_MASKED"], nla(key, ipv4 + b"\xff" * len(ipv4))) \
        + nla(enums["OVS_ACTION_ATTR_OUTPUT"], struct.pack("<I", 2))
    text = ("set(ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no)),2")
    assert ovs.format_actions(acts, kernel="running") == text
    assert ovs.format_actions(acts, kernel=os.uname().release) == text


# odp.at's psample strings (tests/data/ovs_odp_at_corpus.txt), which this OVS's ovs-dpctl
# cannot parse: put by nlcodec, in the order OVS puts them (odp_put_psample_action())
PSAMPLE = ["psample(group=12,cookie=0xf1020304050607080910111213141516)", "psample(group=12)",
           "sample(sample=50.0%,actions(psample(group=12,cookie=0xf1020304)))",
           "sample(sample=50.0%,actions(userspace(pid=42,userdata(0102030400000000)),"
           "psample(group=12)))"]
KEY = ("in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),"
       "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src={},dst=53)")


def test_psample_actions_against_the_running_kernel(enums, netns):
    # a kernel with OVS_ACTION_ATTR_PSAMPLE (6.11+) takes them and dumps them back as
    # OVS prints them; one without it refuses them: __ovs_nla_copy_actions() in
    # net/openvswitch/flow_netlink.c, "Unknown Action type" -> EINVAL
    import errno
    import json
    import nlcodec
    from ktutil import sh
    has = "OVS_ACTION_ATTR_PSAMPLE" in enums
    print(f"\n{os.uname().release}: OVS_ACTION_ATTR_PSAMPLE "
          f"{'= %d' % enums['OVS_ACTION_ATTR_PSAMPLE'] if has else 'absent'}")
    sh("ovs-dpctl", "add-dp", "kdp", ns=netns)
    sh("ovs-dpctl", "add-if", "kdp", "kp1,type=internal", ns=netns)
    idx = json.loads(sh("ip", "-n", netns, "-j", "link", "show", "kdp"))[0]["ifindex"]
    with nlcodec.connect("ovs_flow", netns=netns) as s:
        for i, text in enumerate(PSAMPLE):
            f = ovs.parse_flow(f"{KEY.format(3000 + i)}, actions:{text}")
            attrs = {"key": f["key"], "mask": f["mask"], "actions": f["actions"]}
            if not has:
                with pytest.raises(OSError) as e:
                    s.do("new", header={"dp_ifindex": idx}, flags=nlcodec.NLM_F_CREATE,
                         attrs=attrs)
                assert e.value.errno == errno.EINVAL, e.value
                continue
            s.do("new", header={"dp_ifindex": idx}, flags=nlcodec.NLM_F_CREATE, attrs=attrs)
        dumped = list(s.dump("get", header={"dp_ifindex": idx}))
    if has:
        got = sorted(ovs.format_flow(m).split("actions:")[1] for m in dumped)
        assert got == sorted(PSAMPLE)
    else:
        assert dumped == []
