"""Texts kept by the exact value they are made from (a capture shows the same
messages, flows and addresses again and again).

A key is the marshal bytes (version 2) of plain data: marshal takes only
dict, list, tuple, str, int, float, bytes, bool and None of those exact types
(no subclass), and version 2 has no back-references, so equal bytes are equal
values of the same types in the same order, from which a function of them
makes the same text."""

from __future__ import annotations

import marshal


def plain_key(value) -> bytes | None:
    """The key of ``value`` when it is plain data, else None."""
    try:
        return marshal.dumps(value, 2)
    except ValueError:
        return None


_ALL: list = []             # every Memo made (a module-level one each)


def forget() -> None:
    """Empty every Memo (a benchmark's run then does a command's whole work)."""
    for m in _ALL:
        m.clear()


class Memo(dict):
    """{key: text}, emptied when it holds ``most`` of them (flat memory)."""

    def __init__(self, most: int = 4096):
        super().__init__()
        self.most = most
        _ALL.append(self)

    def keep(self, key, make, *args):
        """The text kept for ``key``, or ``make(*args)`` kept for it."""
        t = self.get(key)
        if t is None:
            t = make(*args)
            if len(self) >= self.most:
                self.clear()
            self[key] = t
        return t
