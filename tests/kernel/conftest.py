"""The real-kernel tier: runs only inside the QEMU guest that
scripts/kernel-test.sh (through scripts/kernel-lab) boots with Debian's stock
kernel, which has openvswitch, psample, cls_flower, cls_matchall, act_*, nlmon
and dummy.  kernel-lab sets NLCODEC_KERNEL_LAB=1 in the guest.

Outside the guest every test here is skipped with that reason.  Inside it a
skip is turned into a failure: the tier exists to prove those features, so a
missing module or tool must never pass quietly."""

import os

import pytest

IN_GUEST = os.environ.get("NLCODEC_KERNEL_LAB") == "1"
GUEST_ONLY = ("kernel tier: runs only inside the QEMU guest "
              "(scripts/kernel-test.sh or `make kernel-test`)")


def pytest_runtest_setup(item):
    if not IN_GUEST:
        pytest.skip(GUEST_ONLY)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if IN_GUEST and rep.skipped and not hasattr(rep, "wasxfail"):
        reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
        rep.outcome = "failed"
        rep.longrepr = f"skipped inside the kernel tier (not allowed): {reason}"


@pytest.fixture
def netns():
    """A throw-away network namespace (name); the guest itself is throw-away
    too, but a namespace per test keeps the tests independent."""
    from nlcodec import netns as _netns
    with _netns.temporary("kt") as name:
        yield name


@pytest.fixture
def enter():
    """``with enter(ns):`` makes sockets created in the body live in ``ns``."""
    from nlcodec import netns as _netns
    return _netns.enter
