"""Hex dumps back to bytes: every format from the real tool where it is
installed (xxd, hexdump, od, gdb, tcpdump, strace), and from the documented
format for crash and the kernel's print_hex_dump.

The bytes are real netlink messages: a newlink reply from the committed
capture (long runs of zeros, so od/hexdump/xxd -a fold lines into ``*``),
and requests that ``ip`` sends, seen by strace.
"""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nlcodec import netns  # noqa: E402
from nlcodec.capture import CaptureDecoder  # noqa: E402
from nlcodec.errors import DecodeError  # noqa: E402
from nlcodec.hexdump import detect, parse_hex  # noqa: E402
from nlcodec.pcap import read_records, write_pcap  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "link_dump.pcap")
LITTLE = sys.byteorder == "little"


def _newlink():
    rec = list(read_records(SAMPLE))[1].data[16:]        # the first reply skb
    ln = struct.unpack_from("<I", rec)[0]
    return rec[:ln]


NEWLINK = _newlink()
ODD = NEWLINK[:1001]                                   # a length no word dump divides


def tool(*cmd, path=None):
    if shutil.which(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} is not installed")
    r = subprocess.run(list(cmd) + ([str(path)] if path else []), capture_output=True, text=True,
                       check=True)
    return r.stdout


@pytest.fixture
def datafile(tmp_path):
    def make(data):
        p = tmp_path / "data.bin"
        p.write_bytes(data)
        return p
    return make


# -- real tools -------------------------------------------------------------------

TOOLS = [
    (["xxd"], "xxd"), (["xxd", "-g1"], "xxd"), (["xxd", "-g4"], "xxd"), (["xxd", "-a"], "xxd"),
    (["xxd", "-c", "24"], "xxd"), (["xxd", "-p"], "plain"), (["xxd", "-i"], "plain"),
    (["hexdump", "-C"], "hexdump-C"), (["hexdump", "-Cv"], "hexdump-C"), (["hexdump"], "od"),
    (["od", "-Ax", "-tx1"], "od"), (["od", "-Ax", "-tx1", "-v"], "od"),
    (["od", "-Ax", "-tx1z"], "od"), (["od", "-Ax", "-x"], "od"), (["od", "-Ax", "-tx4"], "od"),
    (["od", "-Ax", "-tx8"], "od"),
]


@pytest.mark.parametrize("data", [NEWLINK, ODD], ids=["newlink", "odd"])
@pytest.mark.parametrize("cmd,fmt", TOOLS, ids=[" ".join(c) for c, _ in TOOLS])
def test_file_dump_tools(cmd, fmt, data, datafile):
    text = tool(*cmd, path=datafile(data))
    if cmd[:2] == ["xxd", "-a"] or cmd in (["hexdump", "-C"], ["od", "-Ax", "-tx1"]):
        assert "\n*\n" in text, "the tool folded the zero runs"
    assert detect(text) == fmt
    assert parse_hex(text) == data


GDB_UNITS = [("b", 1), ("h", 2), ("w", 4), ("g", 8)]


@pytest.mark.parametrize("unit,size", GDB_UNITS, ids=[u for u, _ in GDB_UNITS])
def test_gdb_examine(unit, size, tmp_path):
    """gdb x/Nx{b,h,w,g} of a static array in a real ELF (no process needed)."""
    if not (shutil.which("gcc") and shutil.which("gdb")):
        pytest.skip("gcc or gdb is not installed")
    data = NEWLINK[:256]
    src = tmp_path / "buf.c"
    src.write_text("unsigned char buf[] = {" + ",".join(map(str, data)) + "};\n"
                   "int main(void) { return buf[0]; }\n")
    exe = tmp_path / "buf"
    subprocess.run(["gcc", "-g", "-O0", "-o", str(exe), str(src)], check=True,
                   capture_output=True)
    text = tool("gdb", "-batch", "-nx", "-ex", f"x/{len(data) // size}x{unit} buf", str(exe))
    assert re.match(r"0x[0-9a-f]+ <buf>:\t0x[0-9a-f]{%d}\t" % (2 * size), text)
    assert detect(text) == "gdb"
    assert parse_hex(text) == data
    if size > 1 and LITTLE:
        # the values are the host's: the first word of a netlink message is its length
        first = int(text.split("\t")[1], 16)
        assert first == int.from_bytes(data[:size], "little")


def _frames():
    """Two Ethernet/IPv4/UDP frames carrying netlink bytes (tcpdump prints any payload)."""
    out = []
    for payload in (NEWLINK[:100], NEWLINK[100:171]):
        udp = struct.pack(">HHHH", 4000, 4001, 8 + len(payload), 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
        eth = bytes.fromhex("020000000002020000000001") + b"\x08\x00"
        out.append(eth + ip + udp)
    return out


@pytest.mark.parametrize("opt,link", [("-xx", True), ("-XX", True), ("-x", False),
                                      ("-X", False)])
def test_tcpdump(opt, link, tmp_path):
    frames = _frames()
    p = tmp_path / "eth.pcap"
    write_pcap(p, frames, linktype=1)
    want = b"".join(f if link else f[14:] for f in frames)
    for stamps in ("-tt", "-tttt", "-t"):          # summary lines in each timestamp style
        text = tool("tcpdump", "-n", stamps, "-r", str(p), opt)
        assert detect(text) == "tcpdump"
        assert parse_hex(text) == want


# -- strace of real requests --------------------------------------------------------


def _strace(ns, *opts):
    if not shutil.which("strace"):
        pytest.skip("strace is not installed")
    r = subprocess.run(["strace", *opts, "-e", "trace=sendto,sendmsg", "ip", "-n", ns, "link",
                        "show"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stderr.splitlines() if line.startswith(("sendto(", "sendmsg("))]


@pytest.fixture(scope="module")
def ns():
    if os.geteuid() != 0:
        pytest.skip("needs root for a network namespace")
    with netns.temporary("hex") as name:
        subprocess.run(["ip", "-n", name, "link", "add", "veth0", "type", "veth", "peer", "name",
                        "veth1"], check=True)
        yield name


def _getlink_line(lines):
    # ip's RTM_GETLINK dump request: nlmsg_type 0x12 at bytes 4-5
    for line in lines:
        first = line.split('"')[1]          # the buffer as strace shows it
        if parse_hex('"' + first + '"')[4:6] == b"\x12\x00":
            return line
    raise AssertionError(f"no RTM_GETLINK request among {lines}")


@pytest.mark.live
def test_strace_xx_sendto(ns):
    line = _getlink_line(_strace(ns, "-xx", "-e", "verbose=none", "-s", "65536"))
    assert detect(line) == "strace"
    data = parse_hex(line)
    # sendto(fd, buf, len, flags, addr, addrlen) = sent
    length, sent = re.search(r'", (\d+), .*\) = (\d+)$', line).groups()
    assert len(data) == int(length) == int(sent)
    ln, ty, flags = struct.unpack_from("<IHH", data)
    assert (ln, ty, flags) == (len(data), 18, 0x301)      # RTM_GETLINK, REQUEST|DUMP
    (m,) = CaptureDecoder().decode_hex(line)
    assert (m.type_id, m.flags, m.length, m.seq) == (18, 0x301, len(data),
                                                     struct.unpack_from("<I", data, 8)[0])


@pytest.mark.live
def test_strace_x_prints_printables(ns):
    """strace -x shows printable bytes as characters; the bytes are the same
    as with -xx, except ip's sequence number (the time)."""
    xx = parse_hex(_getlink_line(_strace(ns, "-xx", "-e", "verbose=none", "-s", "65536")))
    x_line = _getlink_line(_strace(ns, "-x", "-e", "verbose=none", "-s", "65536"))
    x = parse_hex(x_line)
    assert len(x) == len(xx) and x[:8] == xx[:8] and x[12:] == xx[12:]


@pytest.mark.live
def test_strace_default_octal_escapes(ns):
    """Without -x strace writes non-printable bytes in octal (\\0, \\22, \\377)."""
    xx = parse_hex(_getlink_line(_strace(ns, "-xx", "-e", "verbose=none", "-s", "65536")))
    line = _getlink_line(_strace(ns, "-e", "verbose=none", "-s", "65536"))
    assert "\\22" in line and "\\x" not in line
    octal = parse_hex(line)
    assert len(octal) == len(xx) and octal[:8] == xx[:8] and octal[12:] == xx[12:]


@pytest.mark.live
def test_strace_decoded_or_cut_short_is_refused(ns):
    decoded = _strace(ns, "-xx", "-s", "65536")
    line = next(l for l in decoded if "nlmsg_type=" in l)
    with pytest.raises(DecodeError, match="verbose=none"):
        parse_hex(line)
    cut = _getlink_line(_strace(ns, "-xx", "-e", "verbose=none", "-s", "8"))
    with pytest.raises(DecodeError, match="-s 65536") as e:
        parse_hex(cut)
    assert e.value.path == "line 1"


# -- documented formats, written by hand ---------------------------------------------

# 40 bytes of a real request (ip link show's RTM_GETLINK, as strace printed it)
REQ = bytes.fromhex("28000000 12000103 77ff036b 00000000 11000000 00000000 00000000 00000000"
                    " 08001d00 01000000")

CRASH_RD8 = """\
crash> rd -8 ffff8880061a2c00 40
ffff8880061a2c00:  28 00 00 00 12 00 01 03 77 ff 03 6b 00 00 00 00   (.......w..k....
ffff8880061a2c10:  11 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   ................
ffff8880061a2c20:  08 00 1d 00 01 00 00 00                           ........
"""

CRASH_RD64 = """\
crash> rd ffff8880061a2c00 5
ffff8880061a2c00:  0301001200000028 000000006b03ff77   (.......w..k....
ffff8880061a2c10:  0000000000000011 0000000000000000   ................
ffff8880061a2c20:  00000001001d0008                    ........
"""

# print_hex_dump(KERN_DEBUG, "nlmsg: ", DUMP_PREFIX_OFFSET, 16, 1, buf, 40, true)
DMESG_OFFSET = """\
[ 1234.567890] nlmsg: 00000000: 28 00 00 00 12 00 01 03 77 ff 03 6b 00 00 00 00  (.......w..k....
[ 1234.567895] nlmsg: 00000010: 11 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
[ 1234.567899] nlmsg: 00000020: 08 00 1d 00 01 00 00 00                          ........
"""

# print_hex_dump(KERN_INFO, "raw ", DUMP_PREFIX_ADDRESS, 16, 4, buf, 40, false): host-order words
DMESG_ADDRESS_WORDS = """\
[    7.001000] raw 00000000c0ffee11: 00000028 03010012 6b03ff77 00000000
[    7.001002] raw 00000000c0ffee21: 00000011 00000000 00000000 00000000
[    7.001003] raw 00000000c0ffee31: 001d0008 00000001
"""

# print_hex_dump_bytes("nl: ", DUMP_PREFIX_NONE, buf, 40) seen through journalctl -k
JOURNAL_NONE = """\
Nov 23 08:52:46 host kernel: nl: 28 00 00 00 12 00 01 03 77 ff 03 6b 00 00 00 00  (.......w..k....
Nov 23 08:52:46 host kernel: nl: 11 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
Nov 23 08:52:46 host kernel: nl: 08 00 1d 00 01 00 00 00                          ........
"""

# print_hex_dump(KERN_ERR, "ovs: ", DUMP_PREFIX_NONE, 16, 2, buf, 40, true): host-order halves
DMESG_NONE_HALVES = """\
[   12.000001] ovs: 0028 0000 0012 0301 ff77 6b03 0000 0000  (.......w..k....
[   12.000002] ovs: 0011 0000 0000 0000 0000 0000 0000 0000  ................
[   12.000003] ovs: 0008 001d 0001 0000                      ........
"""

# tcpdump -X as its man page shows it: a summary line, then offset, 16-bit groups, ASCII
TCPDUMP_X = """\
08:52:46.123456 IP 10.0.0.1.4000 > 10.0.0.2.4001: UDP, length 40
\t0x0000:  2800 0000 1200 0103 77ff 036b 0000 0000  (.......w..k....
\t0x0010:  1100 0000 0000 0000 0000 0000 0000 0000  ................
\t0x0020:  0800 1d00 0100 0000                      ........
"""

HAND = {"crash rd -8": (CRASH_RD8, "crash"), "crash rd": (CRASH_RD64, "crash"),
        "dmesg offset": (DMESG_OFFSET, "dmesg"),
        "dmesg address words": (DMESG_ADDRESS_WORDS, "dmesg"),
        "journal none": (JOURNAL_NONE, "dmesg"),
        "dmesg none halves": (DMESG_NONE_HALVES, "dmesg"), "tcpdump -X": (TCPDUMP_X, "tcpdump")}


@pytest.mark.parametrize("name", list(HAND))
def test_documented_formats(name):
    text, fmt = HAND[name]
    assert detect(text) == fmt
    if fmt in ("crash", "dmesg") and not LITTLE and name in ("crash rd", "dmesg address words",
                                                             "dmesg none halves"):
        pytest.skip("these samples are from a little-endian host")
    assert parse_hex(text) == REQ


PLAIN = {
    "spaced": "28 00 00 00 12 00 01 03 77 ff 03 6b 00 00 00 00 11 00 00 00 00 00 00 00 00 00 00 00"
              " 00 00 00 00 08 00 1d 00 01 00 00 00",
    "packed": REQ.hex(),
    "packed lines": REQ.hex()[:30] + "\n" + REQ.hex()[30:],
    "0x commas": ", ".join(f"0x{b:02x}" for b in REQ),
    "0x short": " ".join(f"0x{b:x}" for b in REQ),
    "colons": ":".join(f"{b:02X}" for b in REQ),
    "c array": "static const unsigned char req[] = {\n" + ",\n".join(
        ", ".join(f"0x{b:02x}" for b in REQ[i:i + 8]) for i in range(0, 40, 8)) + "\n};",
    "python bytes": repr(REQ),
}


@pytest.mark.parametrize("name", list(PLAIN))
def test_plain_forms(name):
    assert parse_hex(PLAIN[name]) == REQ


# -- errors -----------------------------------------------------------------------------


def test_unreadable_line_is_named(datafile):
    text = tool("xxd", path=datafile(NEWLINK[:64])).splitlines()
    text.insert(2, "00000020: this is not a dump")
    with pytest.raises(DecodeError, match="xxd hex dump: cannot read") as e:
        parse_hex("\n".join(text))
    assert e.value.path == "line 3" and e.value.line == 3


def test_plain_errors():
    with pytest.raises(DecodeError, match="odd number of digits") as e:
        parse_hex("28 00\n00 0\n")
    assert e.value.path == "line 2"
    with pytest.raises(DecodeError, match="'zz' is not hex"):
        parse_hex("28 zz")
    with pytest.raises(ValueError):               # DecodeError is a ValueError
        parse_hex("hello world")


def test_prompts_and_blank_lines_are_skipped():
    text = "(gdb) x/8xb buf\n\n0x4020 <buf>:\t0x28\t0x00\t0x00\t0x00\t0x12\t0x00\t0x01\t0x03\n"
    assert parse_hex(text) == REQ[:8]


# -- decode_hex ---------------------------------------------------------------------------


def test_decode_hex_messages(codec):
    msgs = CaptureDecoder().decode_hex(CRASH_RD8)
    assert [(m.type_id, m.flags, m.length, m.protocol) for m in msgs] == [(18, 0x301, 40, "route")]


def _ctrl_reply_record():
    """An nlctrl newfamily reply skb (with its cooked header) from a live dump."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    with s:
        s.bind((0, 0))
        name = b"nlctrl\0"
        s.send(struct.pack("<IHHIIBBH", 16 + 4 + 4 + 8, 0x10, 1, 7, 0, 3, 1, 0)
               + struct.pack("<HH", 4 + len(name), 2) + name + b"\0")
        data = s.recv(65536)
    return struct.pack(">HHH8sH", 6, 824, 0, b"", 16) + data


@pytest.mark.live
def test_decode_hex_cooked_header_and_attrs(codec, datafile):
    rec = _ctrl_reply_record()
    text = tool("xxd", path=datafile(rec))
    # the cooked header says generic netlink, whatever protocol= says
    (m,) = CaptureDecoder().decode_hex(text, protocol="route")
    assert (m.protocol, m.family, m.type) == ("generic", "nlctrl", "newfamily")
    ln = struct.unpack_from("<I", rec, 16)[0]
    assert m.length == ln and m.get("family_name") == "nlctrl" and m.get("family_id") == 0x10
    # a bare attribute stream: what follows nlmsghdr + genlmsghdr
    attrs_text = tool("od", "-Ax", "-tx1", path=datafile(rec[16 + 20:16 + ln]))
    d = CaptureDecoder().decode_hex(attrs_text, family="nlctrl", attrs="ctrl_attrs")
    assert d["family_name"] == "nlctrl" and d["family_id"] == 0x10
    d2 = CaptureDecoder().decode_hex(attrs_text, protocol="generic", attrs="ctrl_attrs")
    assert d2 == d


def test_decode_hex_genl_family_gives_the_id(codec):
    # a genl message of an id no one told us about: family= names it
    body = struct.pack("<BBH", 3, 1, 0)
    raw = struct.pack("<IHHII", 20, 0x25, 1, 9, 0) + body
    (m,) = CaptureDecoder().decode_hex(raw.hex(), protocol="generic")
    assert m.family == str(0x25)
    (m,) = CaptureDecoder().decode_hex(raw.hex(), family="nlctrl")
    assert (m.family, m.type) == ("nlctrl", "getfamily")
    (m,) = CaptureDecoder(families={0x25: "nlctrl"}).decode_hex(raw.hex(), protocol="generic")
    assert m.family == "nlctrl"
