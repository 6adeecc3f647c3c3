"""The kernel-internal OVS numbers and structs in specs/ovs.py equal the kernel's.

The forms the kernel keeps in ``struct sw_flow_actions`` (sample's arg, clone's
exec, check_pkt_len's arg, set_to_masked) are not in the installed UAPI header:
headers_install strips the ``#ifdef __KERNEL__`` blocks of
include/uapi/linux/openvswitch.h that define them, and OVS_CLONE_ATTR_EXEC is in
include/linux/openvswitch.h.  Debian's linux-headers-*-common package ships both
unsanitized; this test compiles them with ``-D__KERNEL__`` (a test-only probe: the
kernel's u16/u32 and bool come from a small prelude) and compares.
"""

import glob
import os

import pytest

import nlcodec
from cprobe import c_values, needs_gcc
from nlcodec.structs import compile_struct
from nlcodec.ovs import spec as ovs_spec
from test_rt_link import _offsets      # member -> offset of a compiled layout

pytestmark = needs_gcc

# the kernel's own types that its headers use under __KERNEL__
PRELUDE = "#include <stdbool.h>\ntypedef __u16 u16;\ntypedef __u32 u32;\n"


def _kernel_include():
    dirs = sorted(glob.glob("/usr/src/linux-headers-*-common/include"))
    if not dirs:
        pytest.fail("no kernel source headers (apt-get install linux-headers-amd64): "
                    "/usr/src/linux-headers-*-common/include/linux/openvswitch.h")
    return dirs[-1]


_UAPI_DIR = []


@pytest.fixture(scope="module", autouse=True)
def _uapi_only(tmp_path_factory):
    # include/linux/openvswitch.h includes <uapi/linux/openvswitch.h>: offer only the uapi
    # tree under that name, so the rest comes from the installed userspace headers
    d = tmp_path_factory.mktemp("kuapi")
    (d / "uapi").symlink_to(_kernel_include() + "/uapi")
    (d / "kprelude.h").write_text(PRELUDE)
    _UAPI_DIR[:] = [str(d)]
    yield


def _probe(names):
    inc = _kernel_include()
    return c_values([f"{_UAPI_DIR[0]}/kprelude.h", f"{inc}/linux/openvswitch.h"], names,
                    defines=["__KERNEL__"], cflags=[f"-I{_UAPI_DIR[0]}"])


def _attr(setname, name):
    return ovs_spec.attr_id(setname, name)


def _header_release():
    """The kernel release of the headers compiled (linux-headers-6.1.0-57-common -> 6.1.0-57)."""
    return os.path.basename(os.path.dirname(_kernel_include())).split("linux-headers-")[1] \
        .rsplit("-common", 1)[0]


def test_kernel_internal_attribute_numbers():
    internal = ovs_spec.module().KERNEL_INTERNAL
    v = _probe(sorted(set(internal.values())) + ["__OVS_ACTION_ATTR_MAX"])
    for (setname, name), kname in internal.items():
        if kname == "OVS_ACTION_ATTR_SET_TO_MASKED":
            continue
        assert _attr(setname, name) == v[kname], f"{setname}.{name} != {kname}"
    # OVS_CHECK_PKT_LEN_ATTR_ARG follows __OVS_CHECK_PKT_LEN_ATTR_MAX: 5, not 4
    assert v["OVS_CHECK_PKT_LEN_ATTR_ARG"] == 5
    # SET_TO_MASKED follows __OVS_ACTION_ATTR_MAX, which grows with the kernel
    assert v["OVS_ACTION_ATTR_SET_TO_MASKED"] == v["__OVS_ACTION_ATTR_MAX"] + 1


def test_kernel_action_numbers_of_this_headers_release():
    # every action of the set nlcodec picks for the headers' release, SET_TO_MASKED
    # included, has the number the header compiled with -D__KERNEL__ gives it, and
    # the set has no action the header lacks
    setname = ovs_spec.kernel_actions(_header_release())
    cs = ovs_spec.cset(setname)
    v = _probe(["__OVS_ACTION_ATTR_MAX"] + [f"OVS_ACTION_ATTR_{a.name.upper()}"
                                            for a in cs.attrs])
    for a in cs.attrs:
        assert a.id == v[f"OVS_ACTION_ATTR_{a.name.upper()}"], (setname, a.name)
    assert len(cs.attrs) == v["__OVS_ACTION_ATTR_MAX"], setname     # 1.. MAX-1, + SET_TO_MASKED
    # the nested kernel sets of that numbering point at the same numbering
    for name in ("sample", "clone", "check_pkt_len", "dec_ttl"):
        sub = cs.by_name[name].set
        acts = sub if name in ("sample", "clone") else \
            sub.by_name["actions_if_greater" if name == "check_pkt_len" else "action"].set
        assert acts.by_name["set_to_masked"].id == cs.by_name["set_to_masked"].id, name


def test_every_kernel_numbering_follows_the_headers_rule():
    # include/uapi/linux/openvswitch.h: SET_TO_MASKED = __OVS_ACTION_ATTR_MAX (+1 past the
    # newest action) in each numbering KERNEL_FORMS names; the newest one is kernel=True's
    uapi_ids = {a.name: a.id for a in ovs_spec.family().attrsets["action_attrs"].attrs}
    for sfx, last, _ in ovs_spec.module().KERNEL_FORMS:
        cs = ovs_spec.cset("action_attrs_kernel" + sfx)
        assert cs.by_name["set_to_masked"].id == uapi_ids[last] + 2
        assert max(a.id for a in cs.attrs if a.name != "set_to_masked") == uapi_ids[last]
    assert ovs_spec.kernel_actions() == "action_attrs_kernel"
    assert _attr("action_attrs_kernel", "set_to_masked") == max(uapi_ids.values()) + 2


def test_sample_arg_is_read_where_the_kernel_puts_it():
    name, number = ovs_spec.module().SAMPLE_ARG_TYPE
    v = _probe([name, "sizeof(struct sample_arg)", "offsetof(struct sample_arg, exec)",
                "offsetof(struct sample_arg, probability)"])
    assert v[name] == number == 4
    # sample_arg_nla: the nlattr header (4 bytes) then struct sample_arg
    lay = compile_struct(ovs_spec.module().sample_arg_nla)
    assert lay.size == 4 + v["sizeof(struct sample_arg)"]
    offs = _offsets(lay)
    assert offs["exec"] == 4 + v["offsetof(struct sample_arg, exec)"]
    assert offs["probability"] == 4 + v["offsetof(struct sample_arg, probability)"]


def test_check_pkt_len_arg_layout():
    fields = ("pkt_len", "exec_for_greater", "exec_for_lesser_equal")
    v = _probe(["sizeof(struct check_pkt_len_arg)"]
               + [f"offsetof(struct check_pkt_len_arg, {f})" for f in fields])
    lay = compile_struct(ovs_spec.module().check_pkt_len_arg)
    assert lay.size == v["sizeof(struct check_pkt_len_arg)"]
    offs = _offsets(lay)
    for f in fields:
        assert offs[f] == v[f"offsetof(struct check_pkt_len_arg, {f})"], f


def test_the_codec_reads_kernel_forms_with_these_numbers():
    # flow_netlink.c validate_and_copy_check_pkt_len(): ARG, then IF_LESS_EQUAL, then
    # IF_GREATER; the numbers from the compiled header, the bytes packed here
    import struct
    v = _probe(["OVS_CHECK_PKT_LEN_ATTR_ARG", "OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL",
                "OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER", "OVS_ACTION_ATTR_CHECK_PKT_LEN",
                "OVS_ACTION_ATTR_OUTPUT"])

    def nla(t, p=b""):
        n = 4 + len(p)
        return struct.pack("<HH", n, t) + p + bytes(-n & 3)
    out = lambda port: nla(v["OVS_ACTION_ATTR_OUTPUT"], struct.pack("<I", port))  # noqa: E731
    cpl = nla(v["OVS_ACTION_ATTR_CHECK_PKT_LEN"],
              nla(v["OVS_CHECK_PKT_LEN_ATTR_ARG"], struct.pack("<HBB", 200, 0, 1))
              + nla(v["OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_LESS_EQUAL"], out(5))
              + nla(v["OVS_CHECK_PKT_LEN_ATTR_ACTIONS_IF_GREATER"], out(4)))
    d = nlcodec.decode_attrs(cpl, "ovs_flow", "action_attrs_kernel")
    assert d["check_pkt_len"]["arg"] == {"pkt_len": 200, "exec_for_greater": 0,
                                         "exec_for_lesser_equal": 1}
    from nlcodec import ovs
    assert ovs.format_actions(cpl, kernel=True) == "check_pkt_len(size=200,gt(4),le(5))"


def _set_to_masked_actions():
    # flow_netlink.c validate_set(): a set of a non-tunnel key is kept as
    # OVS_ACTION_ATTR_SET_TO_MASKED, the key followed by an all-ones mask; the number is
    # the header's (-D__KERNEL__), the ipv4 key packed as struct ovs_key_ipv4 by gcc
    import struct
    from cprobe import c_bytes
    v = _probe(["OVS_ACTION_ATTR_SET_TO_MASKED", "OVS_KEY_ATTR_IPV4", "OVS_ACTION_ATTR_OUTPUT"])
    key = c_bytes(["linux/openvswitch.h", "arpa/inet.h"], {"k": (
        "struct ovs_key_ipv4 x = {.ipv4_src = htonl(0x0a000001), .ipv4_dst = htonl(0x0a000002),"
        " .ipv4_proto = 17, .ipv4_ttl = 64}")})["k"]

    def nla(t, p):
        n = 4 + len(p)
        return struct.pack("<HH", n, t) + p + bytes(-n & 3)
    acts = nla(v["OVS_ACTION_ATTR_SET_TO_MASKED"], nla(v["OVS_KEY_ATTR_IPV4"],
                                                       key + b"\xff" * len(key))) \
        + nla(v["OVS_ACTION_ATTR_OUTPUT"], struct.pack("<I", 2))
    return acts, "set(ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no)),2"


def test_set_to_masked_of_this_headers_release_formats():
    from nlcodec import ovs
    acts, text = _set_to_masked_actions()
    assert ovs.format_actions(acts, kernel=_header_release()) == text
    assert ovs.format_actions(acts, kernel=ovs_spec.kernel_actions(_header_release())) == text
    # read with another kernel's numbering the same bytes are something else, or refused
    try:
        assert ovs.format_actions(acts, kernel=True) != text
    except nlcodec.DecodeError:
        pass
    with pytest.raises(ValueError, match="kernel release"):
        ovs.format_actions(acts, kernel="linux")


def test_decode_cli_reads_a_dump_of_this_headers_release(tmp_path):
    # `nlcodec decode --as ovs-actions --kernel-release R`: a sw_flow_actions memory dump
    # of kernel R read with R's numbers (the same bytes read as the newest kernel's are
    # another action); the text as the library gives it for that release
    import json
    import subprocess
    from command import NLCODEC
    acts, text = _set_to_masked_actions()
    (tmp_path / "acts.hex").write_text(acts.hex())

    def run(*args):
        r = subprocess.run(NLCODEC + ["decode", "--as", "ovs-actions", *args,
                                      str(tmp_path / "acts.hex")], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout
    out = run("--kernel-release", _header_release())
    assert "ovs-dpctl: actions:" + text in out.splitlines()
    assert f"kernel-internal form of kernel {_header_release()}" in out.splitlines()[0]
    assert json.loads(run("--kernel-release", _header_release(), "--json"))["_ovs_text"] == text
    assert "ovs-dpctl: actions:" + text not in run("--kernel").splitlines()
    r = subprocess.run(NLCODEC + ["decode", "--as", "ovs-key", "--kernel-release", "6.1",
                                  str(tmp_path / "acts.hex")], capture_output=True, text=True)
    assert r.returncode != 0 and "OVS action lists" in r.stderr
