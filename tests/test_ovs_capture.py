"""The bundled OVS/genl capture (bench/fixtures/ovs_capture.pcap): real
kernel traffic of ovs-dpctl and the openvswitch module, recorded on an nlmon
device in the kernel tier's guest by bench/fixtures/make_ovs_capture.py.

- The text of the flows of ovs-dpctl's own ``dump-flows`` in the capture is
  what that ovs-dpctl printed (bench/fixtures/ovs_capture_dpctl.txt, saved by
  the same run): key, mask and actions of real kernel replies (set_masked,
  ct, clone, check_pkt_len, userspace cookies...), with either backend.
- The C stream decoder takes every OVS message of it (only control messages,
  errors and dump ends, go the per-message way): set_masked's value/mask
  struct pairs and the unpadded last attribute of the kernel's packet
  upcalls are decoded in C, not left to pure.py.
- Both backends give the same JSON for every message (``nlcodec decode
  --json``'s lines), and each message re-encodes to its bytes.
- Nested structs with padding that is not zero, and unaligned or non-zero
  attribute padding, decode alike in both backends (hand-made edges of what
  the capture has).
"""

import json
import os
import struct

import pytest

import nlcodec
from nlcodec import message, pure, registry
from nlcodec.capture import CaptureDecoder
from nlcodec.ovs import format_flow
from nlcodec.show import to_json
from cprobe import c_values

K = c_values(["linux/openvswitch.h"], [
    "OVS_ACTION_ATTR_SET_MASKED", "OVS_KEY_ATTR_ARP", "sizeof(struct ovs_key_arp)",
    "OVS_PACKET_ATTR_USERDATA", "OVS_PACKET_ATTR_KEY", "OVS_KEY_ATTR_PRIORITY",
    "OVS_KEY_ATTR_ETHERTYPE", "OVS_PACKET_ATTR_PACKET"])

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "bench", "fixtures")
PCAP = os.path.join(FIXTURES, "ovs_capture.pcap")
DPCTL = os.path.join(FIXTURES, "ovs_capture_dpctl.txt")
NLM_F_DUMP = 0x300


def _messages():
    return list(CaptureDecoder().decode_pcap(PCAP, with_raw=True))


def test_ovs_dpctl_dump_flows_text(codec):
    """ovs-dpctl's dump-flows request in the capture, its replies through
    format_flow: the lines that ovs-dpctl printed in the same run."""
    msgs = [m for m, _ in _messages()]
    with open(DPCTL) as f:
        want = f.read().splitlines()
    req = next(m for m in msgs if m.family == "ovs_flow" and m.type == "get"
               and m.direction == "to-kernel" and m.flags & NLM_F_DUMP == NLM_F_DUMP)
    replies = [m for m in msgs if m.family == "ovs_flow" and m.direction == "from-kernel"
               and m.seq == req.seq and m.pid == req.pid]
    assert len(want) == len(replies) > 50
    assert [format_flow(m) for m in replies] == want
    assert any("set(" in line for line in want)        # set_masked, as ovs-dpctl shows it


def test_stream_decoder_takes_every_ovs_message(monkeypatch):
    if nlcodec.backend() != "native":
        pytest.skip("the native backend is not active")
    one_by_one = []
    orig = message.decode_one

    def spy(*a, **kw):
        m = orig(*a, **kw)
        one_by_one.append((m.family, m.type))
        return m
    monkeypatch.setattr(message, "decode_one", spy)
    msgs = _messages()
    families = {m.family for m, _ in msgs}
    assert {"ovs_flow", "ovs_datapath", "ovs_vport", "ovs_packet"} <= families
    masked = sum(1 for m, _ in msgs if m.family == "ovs_flow"
                 and "set_masked" in (m.get("actions") or {}))
    upcalls = sum(1 for m, _ in msgs if m.family == "ovs_packet" and m.type == "action")
    assert masked > 50 and upcalls > 50
    # nlctrl's first getfamily comes before its id is known to the stream table
    assert {f for f, _ in one_by_one} <= {"generic", "nlctrl"}, sorted(set(one_by_one))


def test_backends_agree_and_reencode():
    out = {}
    for be in ("pure", "native"):
        try:
            nlcodec.use_backend(be)
        except ImportError:
            pytest.skip("no C core")
        try:
            msgs = _messages()
            out[be] = [to_json(m) for m, _ in msgs]
            for m, raw in msgs:
                assert m.encode() == raw, (m.family, m.type)
        finally:
            nlcodec.use_backend(None)
    assert len(out["native"]) == len(out["pure"]) > 4000
    assert out["native"] == out["pure"]


def test_json_of_repeated_messages_is_json_dumps_text():
    """to_json keeps the text around seq and pid of a message it has shown
    (show._json_memo; show._raw_json_memo when given the message's bytes, as
    nlcodec decode does): every message of the capture, shown again, and
    shown with other seq and pid, is json.dumps's text of its dict."""
    from nlcodec import show

    def dumps(m):
        return json.dumps(show._json_tail(m, m.to_dict()), default=lambda b: b.hex())

    show._json_memo.clear()
    show._raw_json_memo.clear()
    msgs = _messages()
    for _ in range(2):
        for m, raw in msgs:
            want = dumps(m)
            assert to_json(m) == want
            assert to_json(m, raw) == want
    for memo in (show._json_memo, show._raw_json_memo):
        assert 0 < len(memo) < len(msgs)              # the capture repeats its messages
    m, raw = msgs[-1]
    m.seq, m.pid = 0xFFFFFFFF, 0
    assert to_json(m) == to_json(m, raw) == dumps(m)


def _native():
    try:
        from nlcodec import native
    except ImportError:
        pytest.skip("no C core")
    return native, native.Backend()


def _agree(cs, data):
    native, be = _native()
    want = pure.decode_set(cs, data, 0, len(data), cs.name)
    got = be.decode_attrs(cs, data, 0, len(data), cs.name)
    assert json.dumps(got) == json.dumps(want)
    return be.status(cs, data)[0], want


def _nla(type_, payload, pad=None):
    out = struct.pack("<HH", 4 + len(payload), type_) + payload
    return out + (bytes(-len(out) % 4) if pad is None else pad)


def test_set_masked_struct_pairs_in_c():
    """OVS_ACTION_ATTR_SET_MASKED of an OVS_KEY_ATTR_ARP value/mask pair
    (numbers and sizes from linux/openvswitch.h through gcc): struct
    ovs_key_arp ends with 2 bytes of padding (22 bytes of members, 24 in
    all); zero, the C core decodes the pair, not zero, pure.py keeps the
    bytes (_raw) and the C core leaves it to it."""
    native, _ = _native()
    cs = registry.compiled("ovs_flow").sets["action_attrs"]
    arp = (bytes([10, 0, 0, 1, 10, 0, 0, 2]) + struct.pack(">H", 1) + bytes(range(1, 7))
           + bytes(range(7, 13)))
    mask = bytes([255] * 4) + bytes(4) + b"\xff\xff" + bytes(12)
    pad = bytes(K["sizeof(struct ovs_key_arp)"] - len(arp))
    assert pad == b"\0\0"
    sm, key = K["OVS_ACTION_ATTR_SET_MASKED"], K["OVS_KEY_ATTR_ARP"]
    ok = _nla(sm, _nla(key, arp + pad + mask + pad))
    rc, d = _agree(cs, ok)
    assert rc == native.OK
    assert d["set_masked"]["arp"]["value"]["sip"] == "10.0.0.1"
    assert d["set_masked"]["arp"]["mask"]["op"] == 0xFFFF
    dirty = _nla(sm, _nla(key, arp + pad + mask + b"\0\x01"))
    rc, d = _agree(cs, dirty)
    assert rc == native.FALLBACK and "_raw" in d["set_masked"]


UD, PKT, KEY = K["OVS_PACKET_ATTR_USERDATA"], K["OVS_PACKET_ATTR_PACKET"], K["OVS_PACKET_ATTR_KEY"]


@pytest.mark.parametrize("data", [
    _nla(UD, b"\x01", pad=b""),                                 # cut: nlmsg_len unaligned
    _nla(UD, b"\x01", pad=b"\x02"),                             # cut, and not zero
    _nla(UD, b"\x01", pad=b"\0\0\x03"),                         # not zero
    _nla(UD, b"\x01", pad=b"\0\x01\0") + _nla(PKT, b"\x02", pad=b"\0"),
    _nla(KEY, _nla(K["OVS_KEY_ATTR_PRIORITY"], b"\x05\0\0\0") + _nla(
        K["OVS_KEY_ATTR_ETHERTYPE"], b"\x08\0", pad=b"")) + _nla(UD, b"ab", pad=b"\x09\0"),
], ids=["cut", "cut-dirty", "dirty", "both", "nested"])
def test_attribute_padding_in_c(data):
    """Padding after an attribute that is not zero or is cut short by the
    end (pure.py's ``_pad``): the C core gives the same tree itself."""
    native, _ = _native()
    cs = registry.compiled("ovs_packet").sets["packet_attrs"]
    rc, d = _agree(cs, data)
    assert rc == native.OK
    assert "_pad" in d or "_pad" in d.get("key", {})


_CLI = """
import sys
from nlcodec import cli
out = sys.stdout
sys.stdout = open("/dev/null", "w")
rc = cli.main(["decode", "--json", sys.argv[1]])
sys.stdout = out
print(rc, sorted(m for m in sys.modules if m == "construct" or m.startswith("nlcodec.specs.")))
"""


def test_ovs_text_of_a_capture_without_construct():
    """``nlcodec decode X.pcap --json`` of the OVS capture (its ovs-dpctl
    texts included) imports neither construct nor a spec module once the
    spec cache and the OVS text data are made (the first run makes them)."""
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    run = lambda: subprocess.run([sys.executable, "-c", _CLI, PCAP], env=env,  # noqa: E731
                                 capture_output=True, text=True, check=True,
                                 timeout=120).stdout.strip()
    run()
    assert run() == "0 []"
