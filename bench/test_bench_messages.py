"""Per-backend decode (full, and lazy + one get) and encode of real messages:
a link dump, a route dump (both captured in a netns by bench/fixtures/make_*.py),
a TC flower filter with 10 keys and 3 actions, an OVS flow with nested actions
and a psample event (the dicts users write: nlcodec.benchmark.FLOWER_FILTER ...).

Run: make bench   (or python3 -m pytest bench/test_bench_messages.py --benchmark-only)
Per-message microseconds (from the median) are in extra_info["us_per_message"].
"""

import os
import socket
import struct
import subprocess
import sys

import pytest

import nlcodec
from nlcodec import benchmark as nb

from conftest import FIXTURES

DUMPS = {"link_dump": ("link_dump.bin", "make_link_dump.py", "newlink", "ifname"),
         "route_dump": ("route_dump.bin", "make_route_dump.py", "newroute", "dst")}


def dump_fixture(name):
    """A dump fixture's bytes; made by its script when missing (root, a netns)."""
    fname, script, want, _ = DUMPS[name]
    path = os.path.join(FIXTURES, fname)
    if not os.path.exists(path):
        maker = os.path.join(FIXTURES, script)
        if not os.path.exists(maker):
            pytest.skip(f"{path} missing and no {maker} to make it")
        r = subprocess.run([sys.executable, maker], capture_output=True, text=True)
        if r.returncode or not os.path.exists(path):
            pytest.skip(f"{maker} failed: {(r.stderr or r.stdout).strip()[-300:]}")
    with open(path, "rb") as f:
        data = f.read()
    msgs = nlcodec.decode(data)
    if not any(m.type == want for m in msgs):
        pytest.skip(f"no spec in the registry decodes {want} yet (specs/ for rtnetlink)")
    return data


def per_message(benchmark, n):
    """Per-message figures from the median (robust on a shared machine) and the mean."""
    benchmark.extra_info["messages"] = n
    stats = benchmark.stats
    if stats is None:                   # --benchmark-disable: run once, nothing timed
        return
    benchmark.extra_info["us_per_message"] = stats["median"] / n * 1e6
    benchmark.extra_info["us_per_message_mean"] = stats["mean"] / n * 1e6


# -- independent checks of the sample encodings ---------------------------------
# Attribute numbers from the UAPI headers (linux/pkt_cls.h, linux/openvswitch.h,
# linux/psample.h), walked by hand, not through our specs.


def tlvs(buf, off=0, end=None):
    """{type: payload} of an attribute stream (NLA_F_* bits dropped)."""
    end = len(buf) if end is None else end
    out = {}
    while off + 4 <= end:
        ln, ty = struct.unpack_from("<HH", buf, off)
        out.setdefault(ty & 0x3FFF, buf[off + 4:off + ln])
        off += (ln + 3) & ~3
    return out


def check_flower(raw):
    ln, ty = struct.unpack_from("<IH", raw)
    assert ln == len(raw) and ty == 44                   # RTM_NEWTFILTER
    fam, ifindex, handle, parent, info = struct.unpack_from("<B3xiIII", raw, 16)
    assert (ifindex, parent, info) == (2, 0xFFFFFFF2, 0x10081)
    top = tlvs(raw, 16 + 20)
    assert top[1] == b"flower\0"                          # TCA_KIND
    opts = tlvs(top[2])                                   # TCA_OPTIONS
    assert opts[8] == b"\x81\x00"                         # KEY_ETH_TYPE, be16
    assert opts[23] == struct.pack("<H", 100)             # KEY_VLAN_ID, host order
    assert opts[10] == socket.inet_aton("10.0.0.0")       # KEY_IPV4_SRC
    assert opts[11] == socket.inet_aton("255.255.255.0")
    assert opts[19] == struct.pack(">H", 443)             # KEY_TCP_DST
    assert opts[91] == struct.pack("<H", 0xA)             # KEY_CT_STATE
    keys = [t for t in opts if 4 <= t != 22]              # TCA_FLOWER_FLAGS is not a key
    assert len([t for t in keys if t not in (11, 13, 36, 92, 94)]) == 10   # minus masks
    acts = tlvs(opts[3])                                  # TCA_FLOWER_ACT
    assert sorted(acts) == [1, 2, 3]
    kinds = [tlvs(acts[i])[1] for i in (1, 2, 3)]         # TCA_ACT_KIND
    assert kinds == [b"vlan\0", b"mirred\0", b"gact\0"]
    mirred = tlvs(tlvs(acts[2])[2])[2]                    # TCA_MIRRED_PARMS
    assert struct.unpack("<IIiiiiI", mirred)[2:] == (3, 0, 0, 2, 3)


def check_ovs_flow(raw):
    ln, ty, cmd, dp = struct.unpack_from("<IH10xB3xi", raw)
    assert (ln, ty, cmd, dp) == (len(raw), 0x1C, 1, 5)   # OVS_FLOW_CMD_NEW
    top = tlvs(raw, 24)
    key = tlvs(top[1])                                    # OVS_FLOW_ATTR_KEY
    assert key[3] == struct.pack("<I", 1)                 # OVS_KEY_ATTR_IN_PORT
    assert key[7] == socket.inet_aton("10.0.0.1") + socket.inet_aton("10.0.0.2") + \
        bytes([6, 0, 64, 0])                              # OVS_KEY_ATTR_IPV4
    acts = tlvs(top[2])                                   # OVS_FLOW_ATTR_ACTIONS
    assert acts[1] == struct.pack("<I", 2)                # OUTPUT
    sample = tlvs(acts[6])                                # SAMPLE
    assert sample[1] == struct.pack("<I", 0x7FFFFFFF)     # OVS_SAMPLE_ATTR_PROBABILITY
    user = tlvs(tlvs(sample[2])[2])                       # ACTIONS > USERSPACE
    assert user[1] == struct.pack("<I", 1234)             # OVS_USERSPACE_ATTR_PID
    tun = tlvs(tlvs(acts[3])[16])                         # SET > OVS_KEY_ATTR_TUNNEL
    assert tun[0] == struct.pack(">Q", 42)                # OVS_TUNNEL_KEY_ATTR_ID, be64
    ct = tlvs(acts[12])                                   # CT
    assert ct[1] == b"" and ct[2] == struct.pack("<H", 5)  # COMMIT, ZONE


def check_psample(raw):
    ln, ty, cmd = struct.unpack_from("<IH10xB", raw)
    assert (ln, ty, cmd) == (len(raw), 0x1D, 0)          # PSAMPLE_CMD_SAMPLE
    a = tlvs(raw, 20)
    assert a[0] == struct.pack("<H", 2)                   # PSAMPLE_ATTR_IIFINDEX
    assert a[4] == struct.pack("<I", 1001)                # GROUP_SEQ
    assert a[6] == bytes(range(128))                      # DATA


CHECKS = {"flower": check_flower, "ovs_flow": check_ovs_flow, "psample": check_psample}
MESSAGES = list(DUMPS) + list(nb.SAMPLES)


@pytest.fixture(scope="module")
def inputs():
    return {}


def message_input(name, inputs):
    """(bytes of a stream, protocol, genl ids, message count, attribute to get)."""
    if name not in inputs:
        if name in DUMPS:
            data = dump_fixture(name)
            inputs[name] = (data, "route", None, len(nlcodec.decode(data)), DUMPS[name][3])
        else:
            raw = nb.sample_bytes(name)
            CHECKS[name](raw)
            # 100 copies: a stream long enough to time, as a socket would read it
            inputs[name] = (raw * 100, nb.sample_protocol(name), nb.SAMPLE_GENL_IDS, 100,
                            nb.SAMPLES[name][4])
    return inputs[name]


@pytest.mark.parametrize("name", MESSAGES)
def test_decode_full(benchmark, backend, name, inputs):
    data, proto, ids, n, _ = message_input(name, inputs)

    def run():
        return [m.to_dict() for m in nlcodec.decode(data, proto, families=ids)]
    out = benchmark(run)
    # every message decoded by a spec (none left as a hex payload); a dump ends with DONE
    assert len(out) == n and not any("payload" in m for m in out)
    assert all(m["attrs"] for m in out if m["type"] != "done")
    per_message(benchmark, n)


@pytest.mark.parametrize("name", MESSAGES)
def test_decode_lazy_get(benchmark, backend, name, inputs):
    data, proto, ids, n, get = message_input(name, inputs)

    def run():
        return [m.get(get) for m in nlcodec.decode(data, proto, families=ids, lazy=True)]
    out = benchmark(run)
    assert sum(v is not None for v in out) >= n // 2
    per_message(benchmark, n)


@pytest.mark.parametrize("name", list(DUMPS))
def test_encode_dump(benchmark, backend, name, inputs):
    """Re-encode every message of a dump from its decoded dicts (lossless)."""
    data, proto, ids, n, _ = message_input(name, inputs)
    msgs = nlcodec.decode(data, proto)
    for m in msgs:
        m.to_dict()

    def run():
        return b"".join(x + bytes(-len(x) & 3) for x in (m.encode() for m in msgs))
    assert benchmark(run) == data
    per_message(benchmark, n)


@pytest.mark.parametrize("name", list(nb.SAMPLES))
def test_encode_sample(benchmark, backend, name):
    """Encode from the dict as users write it (IPs as text, nests as dicts)."""
    raw = benchmark(nb.sample_encoder(name))
    CHECKS[name](raw)
    per_message(benchmark, 1)
