"""Memory dumps in one step, through the installed ``nlcodec`` command, fed the
text a person pastes: made by real tools from real bytes (gdb on a running
process holding them, xxd, od) or in the kernel's print_hex_dump format
(lib/hexdump.c hex_dump_to_buffer(), written out below).

The bytes: a real RTM_GETLINK request and RTM_NEWLINK reply of ``ip`` (the
committed capture tests/data/link_dump.pcap), and an OVS action list in the
kernel's internal form, packed by hand after net/openvswitch/flow_netlink.c
(validate_and_copy_sample(): OVS_SAMPLE_ATTR_ARG = struct sample_arg with
its stack padding; SET_TO_MASKED = __OVS_ACTION_ATTR_MAX + 1).  Each case's
command line is in its test's docstring."""

import json
import os
import re
import shutil
import struct
import subprocess
import sys

import pytest

from command import NLCODEC

from nlcodec.pcap import read_records

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "data", "link_dump.pcap")
LITTLE = sys.byteorder == "little"


def _messages():
    out = []
    for r in read_records(SAMPLE):
        d = r.data[16:]
        off = 0
        while off + 16 <= len(d):
            ln = struct.unpack_from("<I", d, off)[0]
            out.append(d[off:off + ln])
            off += (ln + 3) & ~3
    return out


MSGS = _messages()
GETLINK = MSGS[0]                        # 40 bytes, RTM_GETLINK, NLM_F_REQUEST|NLM_F_DUMP
NEWLINK = MSGS[1]                        # 1468 bytes, RTM_NEWLINK, NLM_F_MULTI
assert struct.unpack_from("<IHH", GETLINK) == (40, 18, 0x301)
assert struct.unpack_from("<IHH", NEWLINK) == (1468, 16, 0x2)


def nla(t, p=b""):
    n = 4 + len(p)
    return struct.pack("<HH", n, t) + p + b"\0" * ((-n) & 3)


def u32(v):
    return struct.pack("<I", v)


# sample(probability 10%: 0x19999999 of U32_MAX, exec=1, padding "deadbe") with
# push_vlan(vid 5) and output 3 inside; output 2; set_to_masked(skb_mark 9/0xffffffff)
SAMPLE_ARG = struct.pack("<HH", 12, 4) + b"\x01\xde\xad\xbe" + u32(0x19999999)
OVS_ACTS = (nla(6, SAMPLE_ARG + nla(4, struct.pack(">HH", 0x8100, 0x1000 | 5)) + nla(1, u32(3)))
            + nla(1, u32(2)) + nla(27, nla(15, u32(9) + u32(0xFFFFFFFF))))
assert len(OVS_ACTS) == 56


def nlcodec(*args, stdin=None):
    cmd = NLCODEC
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True)


def need(*tools):
    for t in tools:
        if shutil.which(t) is None:
            pytest.skip(f"{t} is not installed")


def gdb_on_process(tmp_path, c_decl, gdb_cmd):
    """gdb's output of ``gdb_cmd`` on a running process whose ``c_decl``
    (global) holds the bytes, stopped in main."""
    need("gcc", "gdb")
    src = tmp_path / "hold.c"
    src.write_text("#include <linux/netlink.h>\n" + c_decl +
                   "\nint main(void) { return 0; }\n")
    exe = tmp_path / "hold"
    subprocess.run(["gcc", "-g", "-O0", "-o", str(exe), str(src)], check=True,
                   capture_output=True)
    r = subprocess.run(["gdb", "-batch", "-nx", "-ex", "break main", "-ex", "run", "-ex", gdb_cmd,
                        str(exe)], capture_output=True, text=True, check=True)
    # what the person pastes: the lines after "Breakpoint 1, main ..."
    lines = r.stdout.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Breakpoint 1, main"))
    return "\n".join(lines[start + 2:]) + "\n"


def c_bytes(data):
    return "{" + ",".join(str(b) for b in data) + "}"


def print_hex_dump(prefix, prefix_type, groupsize, data, address=0xffff8880061a2c00,
                   rowsize=16, ascii=True):
    """The lines of print_hex_dump(level, prefix, prefix_type, rowsize, groupsize,
    buf, len, ascii) as lib/hexdump.c writes them, without the dmesg timestamp."""
    out = []
    for i in range(0, len(data), rowsize):
        row = data[i:i + rowsize]
        gs = groupsize if len(row) % groupsize == 0 else 1
        groups = [row[j:j + gs] for j in range(0, len(row), gs)]
        if gs == 1:
            hexpart = " ".join(f"{b:02x}" for b in row)
        else:   # groups of 2/4/8 are host-order values (%0*x of get_unaligned)
            hexpart = " ".join(f"{int.from_bytes(g, sys.byteorder):0{2 * gs}x}" for g in groups)
        line = hexpart
        if ascii:
            col = rowsize * 2 + rowsize // gs + 1     # ascii_column of hex_dump_to_buffer
            line = hexpart.ljust(col - 1) + " " + "".join(
                chr(b) if 32 <= b < 127 else "." for b in row)
        if prefix_type == "address":
            line = f"{address + i:016x}: " + line
        elif prefix_type == "offset":
            line = f"{i:08x}: " + line
        out.append(prefix + line)
    return "\n".join(out) + "\n"


# -- OVS action lists in kernel memory ------------------------------------------------


def test_ovs_actions_gdb_words_with_trailing_bytes(tmp_path):
    """`nlcodec decode --as ovs-actions dump.txt` on gdb `x/16xw acts` of a
    running process: the 56-byte action list and 8 more bytes of the next
    variable; the kernel form is found by itself and named, the 8 bytes are
    reported, not fatal."""
    text = gdb_on_process(tmp_path, f"struct {{ unsigned char acts[56]; unsigned char next[8]; }}"
                          f" hold = {{ {c_bytes(OVS_ACTS)}, {{1,2,3,4,5,6,7,8}} }};",
                          "x/16xw &hold")
    (tmp_path / "dump.txt").write_text(text)
    r = nlcodec("decode", "--as", "ovs-actions", str(tmp_path / "dump.txt"))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.splitlines()[0] == ("ovs_flow.action_attrs (kernel-internal form: struct "
                                   "sw_flow_actions in kernel memory)")
    assert "    push_vlan: " in out and "  output: 2" in out and "    output: 3" in out
    assert "exec=1 pad=[de ad be] probability=10.0%" in out
    assert "8 bytes after the last attribute ignored" in r.stderr.decode()
    j = nlcodec("decode", "--as", "ovs-actions", "--json", str(tmp_path / "dump.txt"))
    d = json.loads(j.stdout)
    assert d["sample"]["_header"]["probability"] == 0x19999999
    assert d["sample"]["push_vlan"] == {"tpid": 0x8100, "tci": 0x1000 | 5}
    assert d["output"] == 2 and d["set_to_masked"] == {"skb_mark": {"value": 9,
                                                                    "mask": 0xFFFFFFFF}}


def test_ovs_actions_xxd_with_zero_rounding(tmp_path):
    """`xxd acts.bin | nlcodec decode --as ovs-actions -`: a dump rounded up to 64
    bytes with zeros (as crash `rd -8`/gdb round to whole units)."""
    need("xxd")
    p = tmp_path / "acts.bin"
    p.write_bytes(OVS_ACTS + bytes(8))
    text = subprocess.run(["xxd", str(p)], capture_output=True, check=True).stdout
    r = nlcodec("decode", "--as", "ovs-actions", "-", stdin=text)
    assert r.returncode == 0, r.stderr
    assert "8 zero bytes after the last attribute ignored" in r.stderr.decode()


def test_wrong_guess_suggests_the_kind(tmp_path):
    """`nlcodec decode dump.txt` (no --as) on the action list: not netlink
    messages, and the error names the option that reads it."""
    need("xxd")
    p = tmp_path / "acts.bin"
    p.write_bytes(OVS_ACTS)
    text = subprocess.run(["xxd", str(p)], capture_output=True, check=True).stdout
    (tmp_path / "dump.txt").write_bytes(text)
    r = nlcodec("decode", str(tmp_path / "dump.txt"))
    err = r.stderr.decode()
    assert r.returncode == 1 and len(err.strip().splitlines()) == 1
    assert "not netlink messages" in err and "--as ovs-actions (kernel-internal form)" in err
    r = nlcodec("decode", "--family", "ovs", str(tmp_path / "dump.txt"))
    assert r.returncode == 1 and "no family 'ovs'" in r.stderr.decode()
    assert "--as ovs-actions" in r.stderr.decode() and "ovs_flow" in r.stderr.decode()


# -- netlink messages cut at word boundaries ------------------------------------------


def test_gdb_words_past_the_message(tmp_path):
    """`nlcodec decode dump.txt` on gdb `x/16xw buf` of a 40-byte RTM_GETLINK
    followed by other data: the message decodes, the 24 bytes after it are reported."""
    text = gdb_on_process(tmp_path, f"unsigned char buf[64] = {c_bytes(GETLINK + b'x' * 24)};",
                          "x/16xw buf")
    (tmp_path / "dump.txt").write_text(text)
    r = nlcodec("decode", str(tmp_path / "dump.txt"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("route/getlink len=40 ")
    assert "24 bytes after the last message ignored" in r.stderr.decode()


def test_dump_ending_inside_a_message(tmp_path):
    """`nlcodec decode dump.txt` on gdb `x/250xw buf`: 1000 of the 1468 bytes of
    an RTM_NEWLINK; the whole attributes decode and the cut is named."""
    text = gdb_on_process(tmp_path, f"unsigned char buf[1468] = {c_bytes(NEWLINK)};",
                          "x/250xw buf")
    (tmp_path / "dump.txt").write_text(text)
    r = nlcodec("decode", str(tmp_path / "dump.txt"))
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("route/newlink len=") and "  ifname: lo" in out
    assert re.search(r"the dump ends inside message 1 \(newlink\) at byte 0: 1000 of its "
                     r"1468 bytes; decoded its first \d+ bytes", r.stderr.decode())


def test_header_only(tmp_path):
    """`nlcodec decode dump.txt` on gdb `x/4xw buf`: just the nlmsghdr; the
    header is printed with the type and flags by name."""
    text = gdb_on_process(tmp_path, f"unsigned char buf[40] = {c_bytes(GETLINK)};", "x/4xw buf")
    (tmp_path / "dump.txt").write_text(text)
    r = nlcodec("decode", str(tmp_path / "dump.txt"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == ("nlmsghdr len=40 type=getlink (18) flags=request,root,match "
                                 f"(0x301) seq={struct.unpack_from('<I', GETLINK, 8)[0]} "
                                 f"pid={struct.unpack_from('<I', GETLINK, 12)[0]}\n")
    assert "ends after the header of message 1 (getlink)" in r.stderr.decode()


def test_gdb_print_of_nlmsghdr(tmp_path):
    """`nlcodec decode dump.txt` on gdb `p/x *nlh` (struct nlmsghdr from
    linux/netlink.h in a running process)."""
    text = gdb_on_process(tmp_path, f"unsigned char buf[40] = {c_bytes(GETLINK)};\n"
                          "struct nlmsghdr *nlh = (struct nlmsghdr *)buf;", "p/x *nlh")
    assert text.startswith("$1 = {nlmsg_len = 0x28, nlmsg_type = 0x12, nlmsg_flags = 0x301")
    (tmp_path / "dump.txt").write_text(text)
    r = nlcodec("decode", str(tmp_path / "dump.txt"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("nlmsghdr len=40 type=getlink (18) "
                                        "flags=request,root,match (0x301)")


@pytest.mark.parametrize("prefix,ptype,group", [
    ("nlmsg: ", "offset", 1), ("raw ", "address", 4), ("", "address", 4), ("ovs: ", "none", 2),
    ("", "address", 1)])
def test_print_hex_dump_without_timestamp(tmp_path, prefix, ptype, group):
    """`nlcodec decode dump.txt` on print_hex_dump lines copied without dmesg's
    timestamp (the console, `dmesg -t`, a bug report)."""
    if group > 1 and not LITTLE:
        pytest.skip("host-order groups written for a little-endian host")
    text = print_hex_dump(prefix, ptype, group, GETLINK)
    (tmp_path / "dump.txt").write_text(text)
    r = nlcodec("decode", "--json", str(tmp_path / "dump.txt"))
    assert r.returncode == 0, (text, r.stderr)
    d = json.loads(r.stdout)
    assert (d["type"], d["flags"], d["seq"]) == ("getlink", 0x301,
                                                 struct.unpack_from("<I", GETLINK, 8)[0])


# -- detection --------------------------------------------------------------------------


def test_binary_with_a_newline_length_byte(tmp_path):
    """`nlcodec decode link.bin`: an RTM_NEWLINK whose ifname attribute is 10
    bytes long (0x0a, a newline) and otherwise printable is still raw binary."""
    ifname = nla(3, b"veth0\0")                   # IFLA_IFNAME, nla_len 10
    assert ifname[0] == 0x0A
    body = struct.pack("<BxHiII", 0, 1, 5, 0, 0) + ifname
    msg = struct.pack("<IHHII", 16 + len(body), 16, 0, 0x41414141, 0x42424242) + body
    p = tmp_path / "link.bin"
    p.write_bytes(msg)
    msg.decode("utf-8")                           # it is valid text too
    r = nlcodec("decode", "--json", str(p))
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["type"] == "newlink" and d["attrs"]["ifname"] == "veth0"


def test_empty_input_is_an_error():
    """`nlcodec decode - < /dev/null` and a blank paste."""
    for data in (b"", b"\n  \n"):
        r = nlcodec("decode", "-", stdin=data)
        assert r.returncode == 1
        assert b"the input is empty" in r.stderr


def test_od_words_of_a_message(tmp_path):
    """`od -Ax -tx4 buf.bin | nlcodec decode -`."""
    need("od")
    p = tmp_path / "buf.bin"
    p.write_bytes(GETLINK)
    text = subprocess.run(["od", "-Ax", "-tx4", str(p)], capture_output=True, check=True).stdout
    r = nlcodec("decode", "-", stdin=text)
    assert r.returncode == 0 and r.stdout.decode().startswith("route/getlink len=40 ")


def crash_rd8(addr, data):
    """crash's `rd -8 ADDR COUNT` lines (16 bytes a row, the ASCII after three
    spaces), as in tests/test_hexdump.py's CRASH_RD8 sample."""
    out = [f"crash> rd -8 {addr:x} {len(data)}"]
    for i in range(0, len(data), 16):
        row = data[i:i + 16]
        out.append(f"{addr + i:x}:  " + " ".join(f"{b:02x}" for b in row).ljust(47) + "   "
                   + "".join(chr(b) if 32 <= b < 127 else "." for b in row))
    return "\n".join(out) + "\n"


def test_crash_rd8_rounded_up():
    """`nlcodec decode -` on crash `rd -8` of the real 20-byte NLMSG_DONE that
    ends the dump, rounded up to 24 bytes as a person asks for whole words."""
    done = MSGS[-1]
    assert struct.unpack_from("<IH", done) == (20, 3)
    r = nlcodec("decode", "-", stdin=crash_rd8(0xffff8880061a2c00, done + bytes(4)).encode())
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("route/done len=20 ")
    assert "4 zero bytes after the last message ignored" in r.stderr.decode()
