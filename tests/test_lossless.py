"""Lossless on valid-but-unusual input (issue 17 part 6): whatever decodes
encodes to the same bytes, on both backends and in every decode mode.

The expected value of each test is its input: the bytes as they were given
(the concrete cases are the audit's, quoted in the issue), never a form our
encoder would choose.  The property test mutates real messages (this
machine's link and route dumps and the tc requests iproute2 sends, from
bench/fixtures; the bench's flower, OVS and psample samples).
"""


import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nlcodec
from stress_loader import BACKENDS, stress  # noqa: E402
from wire import nla, u32  # noqa: E402


@pytest.fixture(params=BACKENDS)
def backend(request):
    old = nlcodec.backend()
    nlcodec.use_backend(request.param)
    yield request.param
    nlcodec.use_backend(old)


MESSAGES = {
    # a genl message whose family id (0x30) has no spec: was re-encoded as its nlmsghdr alone
    "unknown genl family": ("generic", "1c00000030000000010000000000000001010000080001002a000000"),
    # RTM_GETNEIGH with a 4-byte ndmsg (iproute2 sends short dump requests):
    # its pad bytes are not zero; it was re-encoded as a full 12-byte header
    "short ndmsg, pad not zero": ("route", "140000001e00010300000000000000000200000a"),
    # ifinfomsg's __ifi_pad (linux/rtnetlink.h) not zero
    "ifinfomsg pad": ("route", "200000001000000000000000000000000007000001000000000000000000"
                               "0000"),
}

ATTRS = {
    # a repeated unknown attribute (999): could not be encoded
    "repeated unknown": ("ovs_flow", "key_attrs", "0800e703010000000800e70302000000"),
    # a repeated flag (OVS_METER_ATTR_KBPS twice): could not be encoded
    "repeated flag": ("ovs_meter", "meter_attrs", "0400020004000200"),
    # an empty string without its NUL (IFLA_IFNAME): grew a NUL
    "empty string, no NUL": ("rt_link", "link_attrs", "04000300"),
    # bytes after a string's NUL, in the second of two repeats: were dropped
    "bytes after NUL": ("rt_link", "link_attrs", "060003006100000009000300620078797a000000"),
    # non-zero attribute padding: was zeroed
    "padding not zero": ("rt_link", "link_attrs", "0500030061ff00000800040001000000"),
    # IFLA_MAP (struct rtnl_link_ifmap) with its 4 trailing pad bytes not zero
    "struct pad not zero": ("rt_link", "link_attrs",
                            "24000e00" + "00" * 28 + "80000000"),
}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_unusual_messages_re_encode_byte_for_byte(backend, name):
    proto, hx = MESSAGES[name]
    data = bytes.fromhex(hx)
    for kw in ({}, {"lazy": True}, {"kernel": True}):
        msgs = nlcodec.decode(data, proto, **kw)
        assert b"".join(m.encode() for m in msgs) == data, (name, kw)


@pytest.mark.parametrize("name", sorted(ATTRS))
def test_unusual_attributes_re_encode_byte_for_byte(backend, name):
    fam, aset, hx = ATTRS[name]
    data = bytes.fromhex(hx)
    for kernel in (False, True):
        d = nlcodec.decode_attrs(data, fam, aset, kernel=kernel)
        assert nlcodec.encode_attrs(fam, aset, d) == data, (name, d)


def test_kernel_form_ovs_sample_re_encodes(backend):
    """decode(kernel=True) of the bench's OVS flow (actions in the kernel's
    internal form) encodes back to the same bytes (before: EncodeError,
    sample_attrs has no 'userspace')."""
    from nlcodec import benchmark
    proto, ty, msg, fid, _ = benchmark.SAMPLES["ovs_flow"]
    data = nlcodec.encode(proto, ty, family_id=fid, **msg)
    for kernel in (False, True):
        m, = nlcodec.decode(data, "generic", families={fid: proto}, kernel=kernel)
        assert m.encode() == data, kernel


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(seed=st.integers(min_value=0, max_value=2 ** 32 - 1))
def test_mutated_real_messages_decode_then_encode_is_identity(seed):
    """The property, both backends, every decode mode (stream, lazy,
    kernel=True): 30 runs of 20 mutated messages each."""
    for be in BACKENDS:
        r = stress.lossless_run(seed, 20, be)
        assert not r["failures"], r["failures"][:3]


def test_request_form_drops_a_senders_padding(backend):
    """libmnl leaves the padding after an attribute uninitialised (devlink's
    requests in the kernel tier carry such bytes): decode keeps them (``_pad``)
    so the capture re-encodes exactly, and request_form() gives the request
    with zero padding, as the kernel's own nla_put() writes it."""
    raw = nla(3, b"ab\0")[:7] + b"\x77" + nla(4, u32(1500))     # IFLA_IFNAME, IFLA_MTU
    d = nlcodec.decode_attrs(raw, "rt_link", "link_attrs")
    assert nlcodec.encode_attrs("rt_link", "link_attrs", d) == raw
    clean = nlcodec.request_form(d)
    assert "_pad" not in clean
    assert nlcodec.encode_attrs("rt_link", "link_attrs", clean) == nla(3, b"ab\0") + nla(4, u32(1500))
