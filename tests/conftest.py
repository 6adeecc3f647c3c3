import os
import sys

from hypothesis import HealthCheck, settings

# run from a checkout even when the package is not installed
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# "ci": fixed and repeatable (CI and the default); "long": on demand, e.g.
# HYPOTHESIS_PROFILE=long pytest tests/test_properties.py
settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.register_profile("long", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

import pytest  # noqa: E402


@pytest.fixture(params=["pure", "native"])
def codec(request):
    """Each codec backend in turn.  A missing C core fails the native run
    (it is built by `pip install`), unless NLCODEC_BACKEND=pure is set."""
    import nlcodec
    from nlcodec import backends
    if request.param == "native" and os.environ.get("NLCODEC_BACKEND") == "pure":
        pytest.skip("NLCODEC_BACKEND=pure")
    nlcodec.use_backend(request.param)      # raises ImportError if the C core is missing
    yield backends.active()
    nlcodec.use_backend(None)


@pytest.fixture
def restore_registry():
    """Tests that register families (YNL specs, hand-written ones) leave the
    registry as they found it (a YNL nlctrl or rt-link must not replace the
    built-in one for others)."""
    from nlcodec import backends, message, registry
    from nlcodec import genl
    registry._load()
    fams = dict(registry._families)
    by_proto = {k: dict(v) for k, v in registry._by_protocol.items()}
    ids, cache = dict(message.GENL_IDS), dict(genl.cache)
    yield
    registry._families.clear()
    registry._families.update(fams)
    registry._by_protocol.clear()
    registry._by_protocol.update(by_proto)
    registry._by_name_cache.clear()         # encode's name lookups made meanwhile
    registry.generation += 1
    message.GENL_IDS.clear()
    message.GENL_IDS.update(ids)
    genl.cache.clear()
    genl.cache.update(cache)
    # the native backend keeps per-protocol stream tables made from the
    # families registered when it first decoded that protocol
    streams = getattr(backends.active(), "_streams", None)
    if streams is not None:
        streams.clear()


# The real-kernel tier (tests/kernel/) runs inside its QEMU guest only, as
# `make kernel-test`; the host run leaves it out (its module names repeat ours).
collect_ignore = [] if os.environ.get("NLCODEC_KERNEL_LAB") == "1" else ["kernel"]
