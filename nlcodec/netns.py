"""Network namespaces: enter one for a moment, or make a throw-away one.

A socket belongs to the namespace its creator was in when it was made, so
``with enter(ns): s = socket(...)`` gives a socket that lives in ``ns`` for
good; the calling thread returns to its own namespace afterwards.
``ns`` is a name under /run/netns, a path, an open fd, or ``pid:N``.
"""

from __future__ import annotations

import contextlib
import itertools
import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import ctypes

CLONE_NEWNET = 0x40000000
NETNS_RUN_DIR = "/run/netns"

_libc: ctypes.CDLL | None = None     # on first use (ctypes: start-up does without it)
_counter = itertools.count()


def _setns(fd: int):
    global _libc
    import ctypes
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"setns: {os.strerror(e)}")


def path_of(ns) -> str:
    """The filesystem path of a namespace given by name, path or ``pid:N``."""
    if isinstance(ns, str) and ns.startswith("pid:"):
        return f"/proc/{int(ns[4:])}/ns/net"
    if isinstance(ns, str) and "/" not in ns:
        return os.path.join(NETNS_RUN_DIR, ns)
    return os.fspath(ns)


@contextlib.contextmanager
def enter(ns):
    """Run the body in network namespace ``ns`` (this thread only)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = ns if isinstance(ns, int) else None
    try:
        if target is None:
            try:
                target = os.open(path_of(ns), os.O_RDONLY)
            except FileNotFoundError:
                raise FileNotFoundError(f"no network namespace {ns!r} "
                                        f"(looked at {path_of(ns)})") from None
        _setns(target)
        try:
            yield
        finally:
            _setns(own)
    finally:
        os.close(own)
        if target is not None and not isinstance(ns, int):
            os.close(target)


@contextlib.contextmanager
def temporary(prefix: str = "nlc"):
    """A fresh named namespace (``ip netns add``), deleted on exit; yields its name.
    Needs root.  Loopback is brought up so local routes exist."""
    import subprocess
    name = f"{prefix}-{os.getpid()}-{next(_counter)}"
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True,
                       capture_output=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
