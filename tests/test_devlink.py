"""devlink: the spec against linux/devlink.h beyond its numbers (which
tests/test_uapi_conformance.py checks): every attribute's type equals the
type the header's own comment gives it (``DEVLINK_ATTR_ESWITCH_MODE, /* u16 */``),
and the family's name, version and multicast group are the header's
DEVLINK_GENL_NAME, DEVLINK_GENL_VERSION and DEVLINK_GENL_MCGRP_CONFIG_NAME.
Live proof against the `devlink` tool is in tests/kernel/test_devlink.py."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

import nlcodec

HEADER = "/usr/include/linux/devlink.h"
pytestmark = pytest.mark.skipif(not os.path.exists(HEADER), reason="needs linux-libc-dev")

FAM = nlcodec.family("devlink")
ATTRS = FAM.attrset("devlink")


def _commented_types(enum_name, prefix):
    """{UAPI name: type comment} of one enum of the header."""
    text = open(HEADER).read()
    body = re.search(r"enum " + enum_name + r" \{(.*?)\n\};", text, re.S).group(1)
    return {m.group(1): m.group(2).split()[0]
            for m in re.finditer(r"^\s*(" + prefix + r"[A-Z0-9_]+),[ \t]*/\*[ \t]*([^*]+?)"
                                 r"[ \t]*\*/", body, re.M)}


# the header's words for what our spec language calls a type
_OURS = {"nested": "nest", "dynamic": "binary", "bitfield32": "binary"}


def test_attribute_types_are_the_headers():
    commented = _commented_types("devlink_attr", "DEVLINK_ATTR_")
    assert len(commented) > 150
    wrong, checked = [], 0
    for uapi, ctype in commented.items():
        a = ATTRS.by_name.get(uapi)
        assert a is not None, f"{uapi} is not in the devlink spec"
        want = _OURS.get(ctype, ctype)
        if a.type != want:
            wrong.append(f"{uapi}: ours {a.type}, header says {ctype}")
        if ctype == "bitfield32":
            # struct nla_bitfield32 {__u32 value; __u32 selector;}
            assert a.struct is not None and a.struct.sizeof() == 8, uapi
        checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked == len(commented)


def test_port_function_types():
    commented = _commented_types("devlink_port_function_attr", "DEVLINK_PORT_F")
    fn = FAM.attrset("dl_port_function")
    assert commented == {"DEVLINK_PORT_FUNCTION_ATTR_HW_ADDR": "binary",
                         "DEVLINK_PORT_FN_ATTR_STATE": "u8", "DEVLINK_PORT_FN_ATTR_OPSTATE": "u8"}
    for uapi, ctype in commented.items():
        assert fn.by_name[uapi].type == ctype


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")
def test_family_name_version_group_from_header():
    src = ('#include <stdio.h>\n#include <linux/devlink.h>\nint main(void){printf("%s %d %s\\n",'
           'DEVLINK_GENL_NAME, DEVLINK_GENL_VERSION, DEVLINK_GENL_MCGRP_CONFIG_NAME);return 0;}\n')
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, "t.c"), os.path.join(d, "t")
        with open(c, "w") as f:
            f.write(src)
        subprocess.run(["gcc", "-o", exe, c], check=True)
        name, version, group = subprocess.run([exe], capture_output=True, text=True,
                                              check=True).stdout.split()
    assert FAM.name == name and FAM.genl and FAM.version == int(version)
    assert FAM.mcast_groups == (group,)


def test_names_are_ynls():
    # devlink.yaml (torvalds/linux Documentation/netlink/specs/): the set is
    # "devlink", attribute names the UAPI's without DEVLINK_ATTR_, operations
    # the commands without DEVLINK_CMD_ (port-get, eswitch-set, info-get)
    for ynl in ("bus-name", "dev-name", "port-index", "info-driver-name", "info-version-fixed",
                "reload-stats-entry", "rate-node-name", "linecard-index", "trap-policer-id"):
        assert ATTRS.attr(ynl.replace("-", "_")).uapi == "DEVLINK_ATTR_" + ynl.upper().replace(
            "-", "_")
    for ynl, cmd in (("get", 1), ("port-get", 5), ("info-get", 51), ("trap-get", 61),
                     ("rate-get", 74), ("selftests-get", 82)):
        assert FAM.msg(ynl.replace("-", "_")).id == cmd


def test_request_encodes_as_the_header_lays_it_out(codec):
    # `devlink dev eswitch set netdevsim/netdevsim1 mode switchdev`: the
    # bus and device names as strings, the mode as a u16 (header comment)
    raw = nlcodec.encode("devlink", "eswitch_set", family_id=0x20, flags=5, seq=1,
                         attrs={"bus_name": "netdevsim", "dev_name": "netdevsim1",
                                "eswitch_mode": 1})
    m = nlcodec.decode(raw, "generic", families={0x20: "devlink"})[0]
    assert m.type == "eswitch_set" and m.header["cmd"] == 30
    assert raw[20:36] == b"\x0e\x00\x01\x00netdevsim\x00\x00\x00"
    assert raw[-8:] == b"\x06\x00\x19\x00\x01\x00\x00\x00"
    assert m.to_dict()["attrs"]["eswitch_mode"] == 1
    assert m.encode() == raw
