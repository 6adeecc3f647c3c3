"""Backend selection: the C core (native) or the pure-Python codec.

``NLCODEC_BACKEND=native|pure`` chooses; by default native is used when the
compiled extension imports, else pure with one log line saying why.  Both
modules expose ``decode_attrs(cset, buf, start, end, path, kernel)`` (a dict,
or a lazy object with ``load()``/``get(cattr, default)``) and
``encode_set(cset, dict, path)``.
"""

from __future__ import annotations

import os
import sys
import threading

from . import forksafe, pure


def _log():
    import logging              # only to say the C core is missing: start-up does without it
    return logging.getLogger("nlcodec")


_active = None
_name = None
_warned = False


class _Pure:
    name = "pure"
    encode_set = staticmethod(pure.encode_set)

    @staticmethod
    def decode_attrs(cs, buf, start, end, path="", kernel=False):
        # pure.decode_set takes depth before kernel
        return pure.decode_set(cs, buf, start, end, path, 0, kernel)


_native = None


def _load_native():
    """The process's one native backend: switching back to it (use_backend
    in a benchmark's rounds, tests) keeps its compiled C tables and stream
    tables; a new one each time built them again on its first decodes (a
    third of a 200-link dump's time in `nlcodec bench socket`)."""
    global _native
    if _native is None:
        from . import native
        _native = native.Backend()
    return _native


def select(name: str | None = None):
    """Switch backend (``"native"``, ``"pure"``, or None for the default)."""
    global _active, _name
    want = (name or os.environ.get("NLCODEC_BACKEND") or "").strip().lower() or None
    if want not in (None, "native", "pure"):
        raise ValueError(f"NLCODEC_BACKEND must be native or pure, not {want!r}")
    if want == "pure":
        _active, _name = _Pure, "pure"
        return _name
    try:
        _active = _load_native()
        _name = "native"
    except Exception as e:       # ImportError, or a build without the extension
        if want == "native":
            raise ImportError(f"nlcodec native backend unavailable: {e}") from e
        global _warned
        if not _warned:
            _log().warning("nlcodec: C core unavailable (%s); using the pure-Python backend", e)
            _warned = True
        _active, _name = _Pure, "pure"
    return _name


_select_lock = threading.Lock()

forksafe.guard(sys.modules[__name__], "_select_lock", 0)


def active():
    if _active is None:
        with _select_lock:          # first use from several threads: one backend
            if _active is None:
                select()
    return _active


def name() -> str:
    if _active is None:
        select()
    return _name
