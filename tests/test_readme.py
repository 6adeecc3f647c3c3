"""The README's request examples (issue 15) run, and send what iproute2 sends.

The block marked ``<!-- example: requests -->`` in README.md is executed in
a private network namespace (eth0 = a veth, ifindex 2).  The oracle is what
``ip`` and ``tc`` send for the commands in its comments, read with
``strace -e write=all`` (nlcodec.tc_capture.strace_payloads) (the bytes of each sendmsg): our request for each is
compared byte for byte (the sequence number taken from theirs).  This host's
kernel may lack flower and pedit: then tc's request is refused by the
kernel, and so must ours be, with the same error; the bytes are compared all
the same.
"""

import os
import re
import shutil
import subprocess

import pytest

import nlcodec
from nlcodec import netns
from nlcodec.tc_capture import strace_payloads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not all(shutil.which(t) for t in ("ip", "tc", "strace")),
    reason="needs root, iproute2 and strace")

COMMANDS = {
    "addr": "ip addr add 10.0.0.1/24 dev eth0",
    "route": "ip route add 10.7.0.0/24 via 10.0.0.254 dev eth0",
    "clsact": "tc qdisc add dev eth0 clsact",
    "flower": "tc filter add dev eth0 ingress protocol ip prio 10 flower dst_ip 10.7.0.0/24 "
              "skip_hw action pedit ex munge ip ttl set 63 pipe "
              "action mirred egress redirect dev eth0",
}
UNDO = {
    "addr": "ip addr del 10.0.0.1/24 dev eth0",
    "route": "ip route del 10.7.0.0/24",
    "clsact": "tc qdisc del dev eth0 clsact",
}


def readme_block(tag):
    text = open(os.path.join(ROOT, "README.md")).read()
    m = re.search(rf"<!-- example: {tag} -->\s*```python\n(.*?)```", text, re.S)
    assert m, f"README.md has no block marked 'example: {tag}'"
    return m.group(1)


def sent(ns, cmd):
    """(netlink messages ip/tc sent, their exit status) for one command."""
    out = f"/tmp/nlc-strace-{os.getpid()}.txt"
    r = subprocess.run(["ip", "netns", "exec", ns, "strace", "-f", "-e", "trace=sendmsg",
                        "-e", "write=all", "-xx", "-s", "0", "-o", out, *cmd.split()],
                       capture_output=True, text=True)
    with open(out) as f:
        msgs = strace_payloads(f.read())
    os.unlink(out)
    return msgs, r


def test_readme_requests_match_iproute2():
    code = readme_block("requests")
    with netns.temporary("nlcrdm") as ns:
        def run(cmd):
            subprocess.run(["ip", "netns", "exec", ns, *cmd.split()], check=True)
        run("ip link add eth0 type veth peer name eth1")
        run("ip link set eth0 up")
        run("ip link set eth1 up")
        theirs, refused = {}, {}
        for key, cmd in COMMANDS.items():
            msgs, r = sent(ns, cmd)
            want = {"addr": 20, "route": 24, "clsact": 36, "flower": 44}[key]   # RTM_NEW*
            theirs[key] = next(m for m in msgs if int.from_bytes(m[4:6], "little") == want)
            refused[key] = r.returncode != 0
        for key in ("route", "addr", "clsact"):
            assert not refused[key], COMMANDS[key]
            run(UNDO[key])
        g = {"__name__": "readme"}
        with netns.enter(ns):
            if refused["flower"]:
                # tc's flower request was refused by this kernel: ours must be too
                with pytest.raises(nlcodec.NetlinkError) as e:
                    exec(compile(code, "README.md", "exec"), g)
                assert e.value.errno in (2, 95)           # ENOENT/EOPNOTSUPP: no cls_flower
            else:
                exec(compile(code, "README.md", "exec"), g)
        for key, raw in theirs.items():
            req = g[key]
            seq = int.from_bytes(raw[8:12], "little")
            flags = req["flags"] | nlcodec.NLM_F_REQUEST | nlcodec.NLM_F_ACK
            ours = nlcodec.encode("route", req["type"], header=req["header"],
                                  attrs=req["attrs"], flags=flags, seq=seq)
            assert ours == raw, f"{COMMANDS[key]}:\n ours   {ours.hex()}\n theirs {raw.hex()}"
        show = subprocess.run(["ip", "netns", "exec", ns, "ip", "-j", "route", "show",
                               "10.7.0.0/24"], capture_output=True, text=True).stdout
        assert '"gateway":"10.0.0.254"' in show
