"""Start-up does only what the command needs (issue 18), and gives the same
answers as loading everything.

What is imported and loaded is read from ``sys.modules`` and the registry
of a fresh interpreter; the answers of a lazily started registry are
compared with those of one that imported the spec modules themselves
(``NLCODEC_SPEC_CACHE=0``: the specs are the one source of these facts).
No timing is asserted here: the times are benchmark figures (``nlcodec
bench cli``).
"""

import argparse
import ast
import contextlib
import io
import json
import os
import pickle
import subprocess
import sys

import pytest

from nlcodec import cli, hexdump
from nlcodec.pcap import Position, Record

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# an RTM_NEWLINK message: ifinfomsg, IFLA_IFNAME "lo", IFLA_MTU 65536, IFLA_LINKINFO
# with IFLA_INFO_KIND "veth" (layouts: linux/rtnetlink.h, linux/if_link.h; hand-made)
LINK = bytes.fromhex("40000000100000000100000000000000"
                     "00000403010000004900010000000000"
                     "070003006c6f00000800040000000100"
                     "10001200090001007665746800000000")


def _python(code, *args, **env):
    e = dict(os.environ, PYTHONPATH=ROOT, **env)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.run([sys.executable, "-c", code, *args], env=e, capture_output=True,
                          text=True, check=True, timeout=120).stdout


_DECODE = """
import sys
from nlcodec import cli, registry, spec_cache
out = sys.stdout
sys.stdout = open("/dev/null", "w")
rc = cli.main(["decode", sys.argv[1]])
sys.stdout = out
print(repr((rc, sorted(spec_cache._cached), sorted(m for m in sys.modules if m in (
    "construct", "dataclasses", "inspect", "socket", "ctypes", "subprocess", "pickle", "json",
    "nlcodec.tc", "nlcodec.capture")))))
"""


def test_decoding_one_hex_message_loads_its_family_alone(tmp_path):
    hexfile = tmp_path / "one.hex"
    hexfile.write_text(LINK.hex() + "\n")
    _python(_DECODE, str(hexfile))                 # makes the spec cache where there is none
    rc, modules, imported = ast.literal_eval(_python(_DECODE, str(hexfile)))
    assert rc == 0
    # rt_link, and netlink for the address_family enum the header's member names
    assert modules == ["netlink", "rt_link"]
    assert imported == []                          # no construct, no other layer's modules


_ANSWERS = """
import sys
from nlcodec import registry
out = {}
for proto in ("route", "netfilter"):
    for ty in range(0x1000):
        hit = registry.lookup_message(proto, ty)
        if hit is not None:
            out[f"{proto} {ty}"] = [hit[0].name, hit[1].name]
for name in ("newlink", "RTM_GETROUTE", "getqdisc", "ct_get", "IPCTNL_MSG_CT_GET"):
    for proto in ("route", "netfilter"):
        hit = registry.message_by_name(proto, name)
        out[f"{proto} {name}"] = hit and [hit[0].name, hit[1].name]
out["ovs"] = sorted(registry.family("ovs-flow").attrsets)
try:
    registry.family("nl80211")          # a kernel family without a spec here
except KeyError as e:
    out["unknown"] = str(e)
out["loaded early"] = registry._loaded
out["families"] = list(registry.families())
print(__import__("json").dumps(out))
"""


def test_a_lazily_started_registry_answers_as_one_that_loaded_every_spec():
    _python(_ANSWERS)
    lazy = json.loads(_python(_ANSWERS))
    full = json.loads(_python(_ANSWERS, NLCODEC_SPEC_CACHE="0"))
    assert lazy.pop("loaded early") is False       # the cache's index, families on first use
    assert full.pop("loaded early") is True
    assert lazy == full
    assert lazy["route 16"] == ["rt_link", "newlink"]      # RTM_NEWLINK = 16 (linux/rtnetlink.h)


def _parse(parser, argv):
    """(exit status or None, stdout, stderr) of argparse on ``argv``."""
    out, err = io.StringIO(), io.StringIO()
    code = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            parser.parse_args(argv)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", [
    ["decode", "--help"], ["decode"], ["decode", "x", "--as", "nope"], ["dump", "nope"],
    ["dump", "link", "--bogus"], ["--backend", "pure", "spec", "--help"],
    ["--backend=pure", "monitor", "--count", "x"], ["psample", "--help"],
    ["tc-batch", "--help"], ["bench", "--help"], ["bench", "nope"],
])
def test_the_named_command_alone_parses_as_every_command_does(argv):
    alone = cli.build_parser(cli._command_named(argv))
    assert cli._command_named(argv) is not None
    assert _parse(alone, argv) == _parse(cli.build_parser(), argv)


def test_help_lists_every_command_with_its_one_line_help():
    r = subprocess.run([sys.executable, "-m", "nlcodec", "--help"], capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, PYTHONPATH=ROOT))
    assert r.returncode == 0
    sub = next(a for a in cli.build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    names = [c.dest for c in sub._choices_actions]
    assert names == list(cli.COMMANDS) == ["decode", "dump", "monitor", "psample", "spec",
                                           "tc-batch", "bench"]
    listed = " ".join(r.stdout.split())          # help lines wrap
    for c in sub._choices_actions:
        assert f"{c.dest} {' '.join(c.help.split())}" in listed


def test_without_a_known_command_every_command_is_built():
    for argv in (["-h"], ["decod", "x"], ["--backend", "pure"], ["--back", "pure", "decode"]):
        assert cli._command_named(argv) is None


def test_the_command_exits_with_mains_status_and_all_its_output(tmp_path):
    hexfile = tmp_path / "one.hex"
    hexfile.write_text(LINK.hex() + "\n")
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([sys.executable, "-m", "nlcodec", "decode", "--json", str(hexfile)],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0 and json.loads(r.stdout)["attrs"]["ifname"] == "lo"
    r = subprocess.run([sys.executable, "-m", "nlcodec", "decode", str(tmp_path / "none")],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1 and "cannot read" in r.stderr


@pytest.mark.parametrize("text", ["", "\n", LINK.hex(), LINK.hex().upper() + "\n\n",
                                  "  " + LINK.hex()[:32] + "\n" + LINK.hex()[32:] + "  \n"])
def test_plain_hex_lines_read_as_the_general_reader_reads_them(text):
    assert hexdump.detect(text) == "plain"
    want = bytes.fromhex("".join(text.split()))   # Python's own hex reading
    assert hexdump.parse_hex(text) == want == hexdump.parse_hex(text, "plain")


def test_an_odd_plain_hex_token_is_still_refused():
    with pytest.raises(Exception, match="odd number of digits"):
        hexdump.parse_hex("abc\n")


def test_pcap_records_and_positions_behave_as_value_objects():
    p = Position(24, 3, "pcap", ("<", 1000, 253))
    assert p == Position(24, 3, "pcap", ("<", 1000, 253)) != Position(24, 4, "pcap", ())
    assert hash(p) == hash(Position(24, 3, "pcap", ("<", 1000, 253)))
    assert pickle.loads(pickle.dumps(p)) == p                 # --jobs hands it to workers
    assert repr(p) == "Position(offset=24, number=3, kind='pcap', state=('<', 1000, 253))"
    with pytest.raises(AttributeError):
        p.offset = 0
    r = Record(1, 40, 5, 253, b"x", 1)
    assert r == Record(1, 40, 5, 253, b"x", 1) and r != Record(2, 40, 5, 253, b"x", 1)
    assert repr(r) == "Record(number=1, offset=40, ts_ns=5, linktype=253, data=b'x', orig_len=1)"
