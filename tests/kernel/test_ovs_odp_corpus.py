"""Open vSwitch is the oracle for the ovs-dpctl text: every flow key and action
list of OVS's own tests/odp.at (tests/data/ovs_odp_at_corpus.txt, origin named
there) and every user_action_cookie kind is put with ``ovs-dpctl add-flow``
while an nlmon device captures the netlink traffic.  Then:

- the bytes ovs-dpctl sent (key, mask, actions of its OVS_FLOW_CMD_NEW) equal
  what ``ovs.parse_flow`` makes of the same text;
- ``ovs.format_flow`` of nlcodec's own dump of the datapath equals the lines
  of ``ovs-dpctl dump-flows``, plain, ``--names`` and ``-m`` (which shows
  names too), the names given as ``ports=``;
- ``parse_flow(format_flow(flow))`` re-encodes every dumped flow to the same
  key, mask and actions bytes (unknown keys included), once the kernel's own
  dump conventions that ovs-dpctl's text cannot carry are applied
  (ovs_dump_rules.py, each cited from net/openvswitch).

Flows the kernel refuses are still compared on the bytes ovs-dpctl sent;
strings this ovs-dpctl cannot parse (it is older than odp.at's) send nothing,
and are listed, never counted as checked."""

import json
import os
import re
import subprocess
import time
import uuid

import pytest

import nlcodec
from nlcodec import ovs
import ovs_dump_rules
from ktutil import nlmon_capture, sh

CORPUS_FILE = os.path.join(os.path.dirname(__file__), "..", "data", "ovs_odp_at_corpus.txt")

# a complete UDP/IPv4 flow key for the action lists (the kernel wants every layer)
KEY = ("in_port(1),eth(src=02:00:00:00:00:01,dst=02:00:00:00:00:02),eth_type(0x0800),"
       "ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src={sport},dst=53)")

# every kind of struct user_action_cookie (lib/odp-util.h), as odp.at writes them
COOKIES = [
    "userspace(pid=6633,sFlow(vid=9,pcp=7,output=10))",
    "userspace(pid=9765,slow_path(cfm))",
    "userspace(pid=9765,slow_path(0))",
    "userspace(pid=6633,flow_sample(probability=123,collector_set_id=1234,obs_domain_id=2345,"
    "obs_point_id=3456,output_port=10,ingress))",
    "userspace(pid=6633,ipfix(output_port=10))",
    "userspace(pid=6633,controller(reason=1,dont_send=0,continuation=1,recirc_id=4444,"
    "rule_cookie=0x5555,controller_id=0,max_len=65535))",
]


def corpus():
    out = []
    with open(CORPUS_FILE) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            kind, _, text = line.rstrip("\n").partition(": ")
            out.append((kind, text))
    return out


# actions of OVS's userspace datapath only (lib/odp-util.c numbers them past the kernel's
# list, where the kernel has other actions): not part of the kernel datapath's language
USERSPACE_ONLY = ("tnl_push(", "tnl_pop(", "lb_output(")


def _flows():
    """(key text, actions text) for every corpus entry and cookie kind."""
    flows = []
    for i, (kind, text) in enumerate(corpus() + [("actions", c) for c in COOKIES]):
        if text.startswith(USERSPACE_ONLY):
            continue
        if kind == "key":
            flows.append((text, "1"))
        else:
            flows.append((KEY.format(sport=1000 + i), text))
    return flows


def dpctl(ns, *args, check=True):
    return sh("ovs-dpctl", *args, ns=ns, check=check)


def _sent_flows(pcap):
    """{ufid bytes: OVS_FLOW_CMD_NEW message} of the requests in the capture."""
    dec = nlcodec.CaptureDecoder(live=True)
    out = {}
    for m in dec.decode_pcap(str(pcap)):
        if m.family == "ovs_flow" and m.type == "new" and m.direction == "to-kernel":
            u = m.get("ufid")
            if u is not None:
                out[bytes.fromhex(u.replace("-", "")) if isinstance(u, str) else bytes(u)] = m
    return out


def _enc(setname, value):
    if value is None:
        return b""
    return nlcodec.encode_attrs("ovs_flow", setname, value)


def _ufid_bytes(text_uuid):
    """ufid:UUID as OVS reads it (uuid_from_string: four host-order u32 words)."""
    return ovs.parse_flow(f"ufid:{text_uuid}, in_port(1), actions:1")["ufid"]


@pytest.fixture
def kdp(netns):
    ns = netns
    dpctl(ns, "add-dp", "kdp")
    for i in (1, 2, 3, 4, 5):
        dpctl(ns, "add-if", "kdp", f"kp{i},type=internal")
    return ns


def test_odp_corpus_against_ovs_dpctl(kdp, tmp_path):
    ns = kdp
    flows = _flows()
    pcap = tmp_path / "ovs.pcap"
    ufids = []
    with nlmon_capture(pcap, ns, settle=0):
        lines = []
        for key, acts in flows:
            u = str(uuid.uuid4())
            ufids.append(u)
            lines.append(f"add ufid:{u},{key} {acts}\n")
        # one ovs-dpctl for all of them (add-flows: a flow per line, lib/dpctl.c)
        (tmp_path / "flows.txt").write_text("".join(lines))
        p = subprocess.run(["ip", "netns", "exec", ns, "ovs-dpctl", "add-flows", "kdp",
                            str(tmp_path / "flows.txt")], capture_output=True, text=True)
        dpctl_errors = p.stderr
        plain = dpctl(ns, "dump-flows", "kdp").splitlines()
        verbose = dpctl(ns, "dump-flows", "-m", "kdp").splitlines()
        named = dpctl(ns, "dump-flows", "--names", "kdp").splitlines()
        time.sleep(1)
    sent = _sent_flows(pcap)

    # 1. the bytes ovs-dpctl sent == parse_flow of the same text
    checked, not_sent, differ = 0, [], []
    for (key, acts), u in zip(flows, ufids):
        m = sent.get(_ufid_bytes(u))
        if m is None:
            not_sent.append(acts if key.startswith("in_port(1),eth(src=02") else key)
            continue
        ours = ovs.parse_flow(f"{key}, actions:{acts}")
        theirs = {n: _enc(s, m.get(n)) for n, s in
                  (("key", "key_attrs"), ("mask", "key_attrs"), ("actions", "action_attrs"))}
        mine = {n: (v if isinstance(v, bytes) else _enc(s, v)) for n, s, v in
                (("key", "key_attrs", ours["key"]), ("mask", "key_attrs", ours["mask"]),
                 ("actions", "action_attrs", ours["actions"]))}
        checked += 1
        if mine != theirs:
            differ.append((key, acts, {n: (mine[n].hex(), theirs[n].hex()) for n in mine
                                       if mine[n] != theirs[n]}))
    print(f"\ncorpus: {len(flows)} flows, {checked} sent by ovs-dpctl and compared, "
          f"{len(not_sent)} not sent")
    for text in not_sent:
        print("  not sent:", text[:120])
    print("ovs-dpctl said:", "\n".join(ln for ln in dpctl_errors.splitlines()
                                        if "File exists" not in ln)[:4000])
    assert checked >= len(flows) * 2 // 3, not_sent
    assert not differ, "parse_flow differs from ovs-dpctl's bytes:\n" + "\n".join(
        repr(d) for d in differ)

    # 2. format_flow of nlcodec's dump == ovs-dpctl dump-flows (plain, -m, --names)
    idx = json.loads(sh("ip", "-n", ns, "-j", "link", "show", "kdp"))[0]["ifindex"]
    with nlcodec.connect("ovs_flow", netns=ns) as s:
        dumped = list(s.dump("get", header={"dp_ifindex": idx}))
    assert len(dumped) == len(plain) == len(verbose) > 0
    print(f"accepted by the kernel and dumped: {len(dumped)}")
    ports = {name: int(n) for n, name in
             re.findall(r"port (\d+): (\S+)", dpctl(ns, "show"))}
    bad = [(ours, line) for ours, line in zip((ovs.format_flow(m) for m in dumped), plain)
           if ours != line]
    assert not bad, "\n".join(f"ours:   {a}\ndpctl:  {b}" for a, b in bad)
    # -m turns port names on (lib/dpctl.c: names default to the verbosity)
    bad = [(ours, line) for ours, line in
           zip((ovs.format_flow(m, verbose=True, ports=ports) for m in dumped), verbose)
           if ours != line]
    assert not bad, "\n".join(f"ours:   {a}\ndpctl:  {b}" for a, b in bad)
    bad = [(ours, line) for ours, line in
           zip((ovs.format_flow(m, ports=ports) for m in dumped), named) if ours != line]
    assert not bad, "\n".join(f"ours:   {a}\ndpctl:  {b}" for a, b in bad)

    # 3. parse_flow(format_flow(x, verbose)) re-encodes every dumped flow to the same bytes
    # (the plain form leaves fully wildcarded keys out, as ovs-dpctl does: only -m is whole).
    # What the kernel's dump holds beyond ovs-dpctl's -m text, per field:
    # - a mask attribute whose key attribute is absent (the tunnel mask every dump carries:
    #   __ovs_nla_put_key() puts OVS_KEY_ATTR_TUNNEL in a mask always): odp_flow_format()
    #   walks the key, so the text has no place for it; it is counted and shown, the rest of
    #   the mask must be the same bytes;
    # - in actions, what ovs_dump_rules.py lists (ct's zone 0, check_pkt_len's branch order,
    #   a set tunnel's attribute order): the kernel's *_action_to_attr() conventions, which
    #   OVS's text does not carry (format_odp_actions() prints the same text either way).
    #   Applied to the parsed text, every flow must give the dump's exact bytes.
    mask_only, rules, same, exact = set(), {}, 0, 0
    for m in dumped:
        text = ovs.format_flow(m, verbose=True, ports=ports)
        back = ovs.parse_flow(text, ports=ports)
        key, mask = m.get("key") or {}, m.get("mask") or {}
        shown = {k: v for k, v in mask.items() if k in key or k == "ethertype"}
        mask_only |= set(mask) - set(shown)
        want = {"key": _enc("key_attrs", key), "mask": _enc("key_attrs", shown),
                "actions": _enc("action_attrs", m.get("actions"))}
        got = {"key": _enc("key_attrs", back["key"]), "mask": _enc("key_attrs", back["mask"]),
               "actions": _enc("action_attrs", back["actions"])}
        if got == want:
            exact += 1
        applied = set()
        got["actions"] = _enc("action_attrs", ovs_dump_rules.as_dumped(back["actions"], applied))
        for r in applied:
            rules[r] = rules.get(r, 0) + 1
        assert got == want, (text, [n for n in got if got[n] != want[n]])
        assert ovs.format_flow(back, verbose=True, ports=ports) == text
        same += 1
    print(f"parse_flow(format_flow(dump -m)): {exact} of {len(dumped)} re-encode to the dump's "
          f"bytes as they are, {same} with the kernel's dump conventions {rules}; mask "
          f"attributes without a key attribute (not in the text): {sorted(mask_only)}")
    assert same == len(dumped)
    assert mask_only <= {"tunnel"}, mask_only
