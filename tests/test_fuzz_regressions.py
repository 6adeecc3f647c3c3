"""Replay the fuzzing regression corpus (_native/fuzz/regress/) through both
backends: every input that once crashed or misled the C core, or that was
made to stress it (nesting bombs, giant lengths), must give pure's answer
and never crash.  Files are named ``family.set[.kernel]-<sha>.bin``."""

import os

import pytest

from nlcodec.registry import compiled

from test_differential import NATIVE, agree

REGRESS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "_native", "fuzz", "regress")
FILES = sorted(os.listdir(REGRESS))


def test_corpus_is_present():
    assert len(FILES) >= 5


@pytest.mark.parametrize("fn", FILES)
def test_regression_input(fn):
    q = fn.rsplit("-", 1)[0]
    kernel = q.endswith(".kernel")
    fam, sname = (q[:-7] if kernel else q).split(".", 1)
    cs = compiled(fam).sets[sname]
    data = open(os.path.join(REGRESS, fn), "rb").read()
    agree(cs, data, kernel)
    # the harness also feeds every input to the encoder as (hostile) marshal data
    from nlcodec import native
    rc, _ = NATIVE.encode_marshal_status(cs, data)
    assert rc in (native.OK, native.FALLBACK)
