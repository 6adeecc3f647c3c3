import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def fixture_bytes(name):
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(path):
        pytest.fail(f"missing benchmark fixture {path}: run bench/fixtures/make_*.py")
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture(params=["native", "pure"])
def backend(request):
    import nlcodec
    try:
        nlcodec.use_backend(request.param)
    except ImportError as e:
        pytest.skip(str(e))
    yield request.param
    nlcodec.use_backend(None)
