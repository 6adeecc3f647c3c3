"""Struct payloads never lose data (issue 15).

Expected bytes come from gcc: C designated initializers of the kernel's UAPI
structs (members not named are zero), printed byte by byte (tests/cprobe.py c_bytes).
Both backends: the C encoder leaves any dict that is not exactly the struct's
members to the pure encoder (checked below), so both give the same bytes.
"""

import pytest

import nlcodec
from nlcodec import EncodeError, pure
from nlcodec.registry import compiled

from cprobe import c_bytes, needs_gcc
from wire import nla

pytestmark = needs_gcc

HDRS = ["linux/pkt_cls.h", "linux/tc_act/tc_mirred.h", "linux/tc_act/tc_pedit.h",
        "linux/rtnetlink.h"]


@pytest.fixture(scope="module")
def c():
    return c_bytes(HDRS, {
        "mirred_parms": "int x = TCA_MIRRED_PARMS",
        "pedit_parms": "int x = TCA_PEDIT_PARMS",
        "mirred": "struct tc_mirred x = {.index = 0, .action = TC_ACT_PIPE, "
                  ".eaction = TCA_EGRESS_REDIR, .ifindex = 2}",
        "mirred2": "struct tc_mirred x = {.eaction = TCA_EGRESS_REDIR, .ifindex = 5, "
                   ".action = TC_ACT_STOLEN}",
        "mirred_empty": "struct tc_mirred x = {0}",
        "pedit_gen": "struct { tc_gen; } x = {.index = 7, .action = TC_ACT_PIPE, .bindcnt = 4}",
        "pedit": "struct { struct tc_pedit_sel sel; struct tc_pedit_key k[2]; } x = "
                 "{.sel = {.action = TC_ACT_PIPE, .nkeys = 2},"
                 " .k = {{.mask = 0xffff0000, .val = 0x1234, .off = 12},"
                 "       {.off = 16, .val = 0x0a000001}}}",
    })


def _i(b):
    return int.from_bytes(b, "little")


def test_members_not_given_are_zero(codec, c):
    t = _i(c["mirred_parms"])
    got = nlcodec.encode_attrs("tc", "act_mirred_attrs",
                               {"parms": {"index": 0, "action": 3, "eaction": 1, "ifindex": 2}})
    assert got == nla(t, c["mirred"])
    # any order, any subset: the struct is always whole
    got = nlcodec.encode_attrs("tc", "act_mirred_attrs",
                               {"parms": {"eaction": 1, "ifindex": 5, "action": 4}})
    assert got == nla(t, c["mirred2"])
    assert nlcodec.encode_attrs("tc", "act_mirred_attrs", {"parms": {}}) == \
        nla(t, c["mirred_empty"])


def test_variable_array_count_filled_in(codec, c):
    keys = [{"mask": 0xffff0000, "val": 0x1234, "off": 12}, {"off": 16, "val": 0x0a000001}]
    got = nlcodec.encode_attrs("tc", "act_pedit_attrs", {"parms": {"action": 3, "keys": keys}})
    assert got == nla(_i(c["pedit_parms"]), c["pedit"])
    with pytest.raises(EncodeError, match=r"act_pedit_attrs\.parms\.nkeys: 3, but keys has 2"):
        nlcodec.encode_attrs("tc", "act_pedit_attrs", {"parms": {"nkeys": 3, "keys": keys}})


def test_unknown_member_is_an_error_naming_it(codec):
    with pytest.raises(EncodeError) as e:
        nlcodec.encode_attrs("tc", "act_mirred_attrs", {"parms": {"ifindex": 2, "actoin": 4}})
    msg = str(e.value)
    assert msg.startswith("act_mirred_attrs.parms.actoin: no such member")
    assert "index, capab, action, refcnt, bindcnt, eaction, ifindex" in msg
    assert msg.count("act_mirred_attrs") == 1


def test_short_struct_reencodes_short_and_says_so(codec, c):
    t = _i(c["mirred_parms"])
    short = nla(t, c["mirred"][:8])            # index and capab only (an old kernel)
    d = nlcodec.decode_attrs(short, "tc", "act_mirred_attrs")
    assert d["parms"] == {"index": 0, "capab": 0, "_size": 8}
    assert nlcodec.encode_attrs("tc", "act_mirred_attrs", d) == short
    # without _size the same dict is the whole struct
    del d["parms"]["_size"]
    assert nlcodec.encode_attrs("tc", "act_mirred_attrs", d) == nla(t, c["mirred_empty"])
    # a member beyond _size would be dropped: refused
    with pytest.raises(EncodeError, match=r"parms\.ifindex: lies beyond _size 8"):
        nlcodec.encode_attrs("tc", "act_mirred_attrs",
                             {"parms": {"index": 1, "ifindex": 3, "_size": 8}})
    with pytest.raises(EncodeError, match=r"parms\._size: 7 is not a member boundary"):
        nlcodec.encode_attrs("tc", "act_mirred_attrs", {"parms": {"_size": 7}})


def test_short_struct_with_a_variable_part_reencodes_short(codec, c):
    """tc_pedit_sel cut after its tc_gen (linux/tc_act/tc_pedit.h; a boundary
    of its fixed part, before nkeys and the keys): decoded short, it encodes
    to the same bytes (found by the fuzzer's lossless replay, which both
    backends failed: a struct with a variable part re-encoded short only at
    _size 0); keys given with _size would be dropped: refused."""
    short = nla(_i(c["pedit_parms"]), c["pedit_gen"])
    d = nlcodec.decode_attrs(short, "tc", "act_pedit_attrs")
    assert d["parms"]["_size"] == len(c["pedit_gen"])
    assert nlcodec.encode_attrs("tc", "act_pedit_attrs", d) == short
    with pytest.raises(EncodeError, match=r"parms\.n?keys: lies beyond _size"):
        nlcodec.encode_attrs("tc", "act_pedit_attrs",
                             {"parms": {"_size": len(c["pedit_gen"]),
                                        "keys": [{"mask": 0, "val": 1, "off": 0}]}})


def test_c_encoder_completes_partial_and_leaves_unknown_to_pure():
    """The C encoder takes a struct dict whose keys are members, the members
    not given zero as pure.py's Layout.encode makes them (differential: the
    same bytes as pure); it refuses what pure rejects or shortens (an unknown
    key, ``_size``)."""
    pytest.importorskip("nlcodec._native_core")
    from nlcodec import native
    be = native.Backend()
    cs = compiled(nlcodec.family("tc")).set("act_mirred_attrs")
    full = {"index": 0, "capab": 0, "action": 3, "refcnt": 0, "bindcnt": 0, "eaction": 1,
            "ifindex": 2}
    rc, out = be.encode_status(cs, {"parms": full})
    assert rc == native.OK
    part = {"action": 3, "eaction": 1, "ifindex": 2}
    rc, out = be.encode_status(cs, {"parms": part})
    assert rc == native.OK and out == pure.encode_set(cs, {"parms": part}, cs.name)
    for d in ({**full, "actoin": 1}, {"index": 0, "capab": 0, "_size": 8}):
        rc, _ = be.encode_status(cs, {"parms": d})
        assert rc == native.FALLBACK, d
