"""Resource bounds: nesting depth, and decode time linear in the attribute count."""

import struct
import time

import pytest

import nlcodec
from nlcodec import DecodeError
from nlcodec.pure import MAX_DEPTH
from test_codec_core import TOP, nla


def _decode(be, data):
    r = be.decode_attrs(TOP, data, 0, len(data), "top_attrs", False)
    return r if type(r) is dict else r.load()


def _seconds(be, data, reps=3):
    """The best of ``reps`` decodes in this thread's CPU time: a quadratic
    walk shows as 100x for 10x the input, which wall time on a shared, loaded
    machine can imitate, but the thread's own CPU time cannot."""
    best = None
    for _ in range(reps):
        t = time.thread_time()
        _decode(be, data)
        dt = time.thread_time() - t
        best = dt if best is None else min(best, dt)
    return best


@pytest.mark.parametrize("unit", [
    nla(2, struct.pack("<I", 7)),                 # a repeated attribute: 100k-long list
    nla(9, b"x\0"),                               # a multi-attr
    nla(12, nla(1, b"\1")),                       # sub-messages whose selector never comes
    nla(200, b"\1\2"),                            # an unknown attribute
])
def test_decode_time_grows_linearly(codec, unit):
    small, big = unit * 10_000, unit * 100_000
    t_small, t_big = _seconds(codec, small), _seconds(codec, big)
    # linear is 10x; quadratic would be 100x.  The bound leaves room for noise.
    assert t_big < 30 * t_small + 0.05, (t_small, t_big)


def test_depth_limit_is_exact(codec):
    def nested(levels):
        data = nla(1, b"\1")
        for _ in range(levels):
            data = nla(3, data)
        return nla(7, data)
    # top_attrs.inner is depth 1; each "deeper" adds one
    _decode(codec, nested(MAX_DEPTH - 2))
    with pytest.raises(DecodeError):
        _decode(codec, nested(MAX_DEPTH + 1))


def test_big_message_limits():
    # a message length past the buffer is refused before anything is read
    with pytest.raises(DecodeError):
        nlcodec.decode(struct.pack("<IHHII", 0xFFFFFFFF, 16, 0, 0, 0))
