"""The C stream decoder writes a value met again in one stream once
(marshal FLAG_REF on its second occurrence, back-references after that):
the decoded messages must be exactly pure.py's, whatever the values share.

The streams are real RTM_NEWLINK messages made by ``nlcodec.encode`` from
dicts (this file's values); the reference is the pure backend on the same
bytes ("two backends, one truth"), and the values we put in.  Cases: values
repeated across messages (ints past CPython's small-int cache, negative
ones, 64-bit ones, MAC and string text), more distinct values than the C
core's direct-mapped cache has slots (collisions), and a message the C core
leaves to pure (a non-UTF-8 ifname) between messages that share values
(the stream writer rolls back that message and every reference made in it).
"""

import pytest

import nlcodec
from nlcodec import backends

HDR = {"family": 0, "type": 1, "index": 1, "flags": 0, "change": 0}


def _link(i, ifname="eth0", mtu=1500, group=70000, netnsid=-70000, mac="52:54:00:12:34:56",
          rx=1 << 40):
    attrs = {"ifname": ifname, "mtu": mtu, "group": group, "link_netnsid": netnsid,
             "address": mac,
             "stats64": {k: (rx + k_i if k_i % 3 else 0) for k_i, k in enumerate(STATS64)}}
    return nlcodec.encode("route", "newlink", header=dict(HDR, index=i), attrs=attrs, seq=i)


STATS64 = ("rx_packets", "tx_packets", "rx_bytes", "tx_bytes", "rx_errors", "tx_errors",
           "rx_dropped", "tx_dropped", "multicast", "collisions", "rx_length_errors",
           "rx_over_errors", "rx_crc_errors", "rx_frame_errors", "rx_fifo_errors",
           "rx_missed_errors", "tx_aborted_errors", "tx_carrier_errors", "tx_fifo_errors",
           "tx_heartbeat_errors", "tx_window_errors", "rx_compressed", "tx_compressed",
           "rx_nohandler", "rx_otherhost_dropped")


def _both(data):
    """(native dicts, pure dicts, native's raw stream items) of one stream."""
    if backends.name() != "native":
        pytest.skip("the native backend is not active")
    nlcodec.decode(data)                    # first use: stream tables compiled
    nat = [m.to_dict() for m in nlcodec.decode(data)]
    items = backends.active().decode_stream("route", data, {})[1]
    nlcodec.use_backend("pure")
    try:
        pure = [m.to_dict() for m in nlcodec.decode(data)]
    finally:
        nlcodec.use_backend(None)
    return nat, pure, items


def _pad(b):
    return b + bytes(-len(b) % 4)


def test_repeated_values_decode_as_pure_and_are_built_once():
    data = b"".join(_pad(_link(i)) for i in range(1, 6))
    nat, pure, items = _both(data)
    assert nat == pure
    assert all(it[7] is not None for it in items)       # all five decoded in C
    a = [m["attrs"] for m in nat]
    assert [x["group"] for x in a] == [70000] * 5
    assert [x["address"] for x in a] == ["52:54:00:12:34:56"] * 5
    assert [x["link_netnsid"] for x in a] == [-70000] * 5
    assert a[4]["stats64"]["tx_packets"] == (1 << 40) + 1
    # the third and later occurrences are the second one's object
    assert a[2]["group"] is a[4]["group"] and a[2]["address"] is a[4]["address"]
    assert a[2]["link_netnsid"] is a[3]["link_netnsid"]
    assert a[2]["stats64"]["tx_packets"] is a[3]["stats64"]["tx_packets"]


def test_more_distinct_values_than_cache_slots():
    # 700 messages, each with its own mtu/group/MAC, next to shared ones
    data = b"".join(_pad(_link(i, mtu=1000 + i, group=(i * 7919) << 8, netnsid=-1000 * i,
                               mac=f"02:00:00:00:{i >> 8:02x}:{i & 255:02x}",
                               rx=(1 << 33) + i * 1000003))
                    for i in range(1, 701))
    nat, pure, items = _both(data)
    assert nat == pure
    assert all(it[7] is not None for it in items)
    assert [m["attrs"]["mtu"] for m in nat] == [1000 + i for i in range(1, 701)]
    assert nat[599]["attrs"]["address"] == "02:00:00:00:02:58"
    assert nat[699]["attrs"]["link_netnsid"] == -700000


def test_a_message_left_to_pure_between_shared_values():
    bad = bytearray(_link(3, ifname="eth9"))
    at = bad.index(b"eth9")
    bad[at + 3] = 0xFF                      # not UTF-8: the C core leaves it to pure
    msgs = [_link(1), _link(2), bytes(bad), _link(4), _link(5, group=123456)]
    data = b"".join(_pad(m) for m in msgs)
    nat, pure, items = _both(data)
    assert nat == pure
    assert [it[7] is None for it in items] == [False, False, True, False, False]
    assert nat[2]["attrs"]["_raw"]["ifname"] == bytes(bad[at:at + 5]).hex()
    assert nat[3]["attrs"]["group"] == 70000 and nat[4]["attrs"]["group"] == 123456
