"""Locks that survive ``os.fork()`` while other threads hold them.

A child process has only the thread that forked: a lock another thread held
at that moment would stay locked forever, and a module that thread was
importing (the native backend, a spec module) would block every later
import of it.  So every first-use lock of the library is registered here:

- before a fork, the forking thread takes them all, in a fixed order (it
  waits, at most ``WAIT`` seconds each, for a first use in progress to finish,
  imports included);
- after it, the parent releases them and the child gets new ones (and the
  owner's ``_after_fork_child`` hook, if any, forgets unpublished work).
"""

from __future__ import annotations

import os
import threading
import weakref

WAIT = 10.0

_guards: list = []          # (rank, weak or strong ref to owner, attribute, factory)
_held: list = []


def guard(owner, attr: str, rank: int, factory=threading.Lock, weak: bool = False):
    """Register ``owner.<attr>`` (a lock made by ``factory``); lower ranks are
    taken first (the order the library itself nests them in)."""
    ref = weakref.ref(owner) if weak else (lambda o=owner: o)
    _guards.append((rank, ref, attr, factory))
    _guards.sort(key=lambda g: g[0])


def _live():
    for g in list(_guards):
        owner = g[1]()
        if owner is None:
            _guards.remove(g)
            continue
        yield owner, g


def _before():
    _held.clear()
    for owner, (_, _, attr, _) in _live():
        lock = getattr(owner, attr)
        if lock.acquire(timeout=WAIT):
            _held.append(lock)


def _after_parent():
    while _held:
        _held.pop().release()


def _after_child():
    _held.clear()
    for owner, (_, _, attr, factory) in _live():
        setattr(owner, attr, factory())
        hook = getattr(owner, "_after_fork_child", None)
        if hook is not None:
            hook()


os.register_at_fork(before=_before, after_in_parent=_after_parent, after_in_child=_after_child)
