"""The reply to IPCTNL_MSG_EXP_GET_STATS_CPU decodes and encodes again.

The kernel sends it with the conntrack subsystem's message number 3
(ctnetlink_exp_stat_fill_info() in net/netfilter/nf_conntrack_netlink.c:
``nfnl_msg_type(NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_EXP_GET_STATS_CPU)``),
which is also IPCTNL_MSG_CT_GET_CTRZERO's number; before, it was decoded as
a conntrack entry and raised DecodeError.  The bytes below are laid out as
that function writes them: nfnl_msg_put(..., flags = portid ? NLM_F_MULTI :
0, AF_UNSPEC, NFNETLINK_V0, htons(cpu)), then nla_put_be32 of
CTA_STATS_EXP_NEW, _CREATE and _DELETE.  The numbers are the UAPI headers',
read by gcc (tests/cprobe.py).  The live dump is in tests/test_conntrack.py.
"""

import struct

import pytest

import nlcodec
from cprobe import c_values, needs_gcc
from wire import be16, be32, nla, u8

pytestmark = needs_gcc

K = c_values(["linux/netlink.h", "linux/netfilter/nfnetlink.h",
              "linux/netfilter/nfnetlink_conntrack.h"],
             ["NFNL_SUBSYS_CTNETLINK", "IPCTNL_MSG_EXP_GET_STATS_CPU",
              "CTA_STATS_EXP_NEW", "CTA_STATS_EXP_CREATE", "CTA_STATS_EXP_DELETE",
              "NLM_F_MULTI", "AF_UNSPEC", "AF_INET", "NFNETLINK_V0",
              "sizeof(struct nfgenmsg)"])


def exp_stat_fill_info(cpu, new, create, delete, seq=9, portid=4242):
    """One message as ctnetlink_exp_stat_fill_info() writes it."""
    body = u8(K["AF_UNSPEC"]) + u8(K["NFNETLINK_V0"]) + be16(cpu)
    assert len(body) == K["sizeof(struct nfgenmsg)"]
    body += (nla(K["CTA_STATS_EXP_NEW"], be32(new)) + nla(K["CTA_STATS_EXP_CREATE"], be32(create))
             + nla(K["CTA_STATS_EXP_DELETE"], be32(delete)))
    ty = K["NFNL_SUBSYS_CTNETLINK"] << 8 | K["IPCTNL_MSG_EXP_GET_STATS_CPU"]
    flags = K["NLM_F_MULTI"] if portid else 0
    return struct.pack("<IHHII", 16 + len(body), ty, flags, seq, portid) + body


def test_exp_stats_cpu_reply_decodes_and_encodes_again(codec):
    raw = exp_stat_fill_info(1, 7, 5, 3) + exp_stat_fill_info(0, 0, 0, 0)
    for kw in ({}, {"lazy": True}, {"kernel": True}):
        msgs = nlcodec.decode(raw, "netfilter", **kw)
        assert [dict(m.attrs) for m in msgs] == [{"new": 7, "create": 5, "delete": 3},
                                                 {"new": 0, "create": 0, "delete": 0}]
        assert [m.header["res_id"] for m in msgs] == [1, 0]
        assert b"".join(m.encode() for m in msgs) == raw


def test_a_conntrack_entry_of_type_3_keeps_the_conntrack_attributes(codec):
    """A CT_GET_CTRZERO reply is an entry (ctnetlink_fill_info: nfgen_family
    is the entry's l3num): CTA_TUPLE_ORIG stays a tuple."""
    body = u8(K["AF_INET"]) + u8(0) + be16(0) + nla(1 | 0x8000, nla(1 | 0x8000, nla(
        1, bytes([10, 0, 0, 1]))))
    ty = K["NFNL_SUBSYS_CTNETLINK"] << 8 | 3
    raw = struct.pack("<IHHII", 16 + len(body), ty, K["NLM_F_MULTI"], 1, 1) + body
    m, = nlcodec.decode(raw, "netfilter")
    assert m["tuple_orig"] == {"tuple_ip": {"ip_v4_src": "10.0.0.1"}}
    assert m.encode() == raw


def test_encode_by_name_gives_the_kernels_bytes():
    """Encoding the decoded form by its names gives the same bytes."""
    raw = exp_stat_fill_info(2, 1, 2, 3, seq=5, portid=0)
    assert nlcodec.encode("netfilter", "ct_get_ctrzero", header={
        "nfgen_family": 0, "version": 0, "res_id": 2}, attrs={"new": 1, "create": 2,
                                                             "delete": 3}, seq=5) == raw


@pytest.mark.parametrize("cpu", [0, 3])
def test_res_id_is_the_cpu(cpu):
    m, = nlcodec.decode(exp_stat_fill_info(cpu, 1, 1, 1), "netfilter")
    assert m.header["res_id"] == cpu
