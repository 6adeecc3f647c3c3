"""The `nlcodec` command line, run as a subprocess like users run it."""

import json
import socket
import subprocess
import sys

import pytest

import nlcodec


def run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "nlcodec", *args], capture_output=True,
                          input=input, timeout=120)


@pytest.fixture(scope="module")
def nlctrl_reply(tmp_path_factory):
    """The kernel's own answer to "getfamily nlctrl", saved as raw bytes."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    s.send(nlcodec.encode("nlctrl", "getfamily", attrs={"family_name": "nlctrl"},
                          flags=nlcodec.NLM_F_REQUEST, seq=3))
    data = s.recv(65536)
    s.close()
    p = tmp_path_factory.mktemp("cli") / "nlctrl.bin"
    p.write_bytes(data)
    return p


def test_help_everywhere():
    for args in ([], ["decode"], ["dump"], ["monitor"], ["psample"], ["spec"], ["bench"]):
        r = run(*args, "--help")
        assert r.returncode == 0, args
        assert b"usage: nlcodec" in r.stdout


def test_decode_raw_json(nlctrl_reply):
    r = run("decode", "--raw", "--protocol", "generic", "--json", str(nlctrl_reply))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert len(lines) == 1
    m = json.loads(lines[0])
    # GENL_ID_CTRL is 0x10 and nlctrl always has the "notify" multicast group
    assert m["family"] == "nlctrl" and m["type"] == "newfamily"
    assert m["attrs"]["family_id"] == 0x10
    assert m["attrs"]["family_name"] == "nlctrl"
    assert "notify" in [g["name"] for g in m["attrs"]["mcast_groups"]]


def test_decode_tree_from_stdin(nlctrl_reply):
    r = run("decode", "--raw", "--protocol", "generic", "-", input=nlctrl_reply.read_bytes())
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("nlctrl/newfamily")
    assert "family_name: nlctrl" in out
    assert "cmd_cap_do" in out          # op flags named from the spec's Flags


def test_spec_browser_lists_numbers():
    r = run("spec", "nlctrl", "ctrl_attrs", "--json")
    assert r.returncode == 0
    rows = {a["name"]: a for a in json.loads(r.stdout)["attrs"]}
    assert rows["family_name"]["id"] == 2 and rows["family_name"]["type"] == "string"
    r = run("spec")
    assert b"nlctrl" in r.stdout


@pytest.mark.parametrize("args, words", [
    (["decode", "/nonexistent/file"], b"cannot read"),
    (["decode", "--raw", "--genl-id", "x", "/dev/null"], b"--genl-id"),
    (["spec", "no_such_family"], b"no family"),
    (["dump", "filter"], b"--dev"),
])
def test_errors_are_one_line(args, words):
    r = run(*args)
    assert r.returncode == 1
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and words in err[0], r.stderr


def test_decode_garbage_is_a_clear_error(tmp_path):
    p = tmp_path / "bad.bin"
    p.write_bytes(b"\x30\0\0\0\x10\0" + b"\0" * 5)       # 11 bytes: not even a header
    r = run("decode", "--raw", str(p))
    assert r.returncode == 1
    assert b"no netlink message header" in r.stderr and b"0x0" in r.stderr


def test_decode_header_only_is_shown_with_its_cut(tmp_path):
    """issue 16: a dump of just the nlmsghdr (nlmsg_len 48 > 16 bytes) prints
    the header, type and flags by name, and says where the dump ends."""
    p = tmp_path / "hdr.bin"
    p.write_bytes(b"\x30\0\0\0\x10\0\x05\0" + b"\0" * 8)   # RTM_NEWLINK, request|ack
    r = run("decode", "--raw", str(p))
    assert r.returncode == 0, r.stderr
    assert r.stdout == b"nlmsghdr len=48 type=newlink (16) flags=request,ack (0x5) seq=0 pid=0\n"
    assert b"the dump ends after the header of message 1 (newlink) at byte 0: 16 of its 48" \
        in r.stderr
