"""Exceptions shared by every part of nlcodec."""

from __future__ import annotations


class DecodeError(ValueError):
    """Malformed input.  ``path`` names the attribute (``link_attrs.linkinfo.kind``)
    and ``offset`` the byte offset in the buffer handed to the decoder."""

    def __init__(self, reason: str, *, path: str = "", offset: int = 0):
        self.reason = reason
        self.path = path
        self.offset = offset
        where = f"{path} at {offset:#x}" if path else f"at {offset:#x}"
        super().__init__(f"{where}: {reason}")

    def __eq__(self, other):
        return (isinstance(other, DecodeError) and self.reason == other.reason
                and self.path == other.path and self.offset == other.offset)

    __hash__ = ValueError.__hash__


class EncodeError(ValueError):
    """A value that cannot be encoded (wrong type, unknown attribute, out of range)."""


class SpecError(Exception):
    """A spec that is not well formed (found when specs are compiled)."""
