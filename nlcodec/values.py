"""Text forms of binary values (display hints), both directions.

Decoding turns bytes into the form people read (MAC "aa:bb:..", IP
addresses, UUIDs, lowercase hex); encoding accepts those forms back, plus
plain ``bytes``.  A value whose length does not suit its hint (a 5-byte
"ipv4") falls back to hex, so nothing is ever lost.
"""

from __future__ import annotations

import functools
# the C module: socket.py's import (its enums) was a tenth of start-up
from _socket import AF_INET, AF_INET6, inet_ntop as _inet_ntop, inet_pton as _inet_pton

from .errors import EncodeError


def mac_text(b: bytes) -> str:
    return b.hex(":")


def ip_text(b: bytes) -> str:
    n = len(b)
    if n == 4:
        return _inet_ntop(AF_INET, b)
    if n == 16:
        return _inet_ntop(AF_INET6, b)
    return b.hex()


# an address's text -> its bytes, for the hot paths (tc-batch, templates): C
# functions, OSError when the text is not one
ipv4_bytes = functools.partial(_inet_pton, AF_INET)
ipv6_bytes = functools.partial(_inet_pton, AF_INET6)


def ip_bytes(s: str, family: int = 0) -> bytes:
    """The inverse of ``ip_text``: IPv6 when the text has a ':', else IPv4;
    ``family`` (AF_INET, AF_INET6) insists on one.  ValueError when the
    text is not such an address."""
    fam = AF_INET6 if ":" in s else AF_INET
    if family and fam != family:
        raise ValueError("wrong address family")
    try:
        return _inet_pton(fam, s)
    except OSError:
        raise ValueError(f"not an {'IPv6' if fam == AF_INET6 else 'IPv4'} address") from None


def uuid_text(b: bytes) -> str:
    if len(b) == 16:
        import uuid             # on first use: start-up does without it
        return str(uuid.UUID(bytes=bytes(b)))
    return b.hex()


def _hex(b: bytes) -> str:
    return b.hex()


# display hint -> bytes-to-text function (decode side)
TEXT_OF = {
    None: _hex,
    "hex": _hex,
    "packet": _hex,          # a network frame: hex here, summarised by nlcodec/show.py
    "ethertype": _hex,       # ints shown by name / as percent by the tree view only
    "probability": _hex,
    "mac": mac_text,
    "ipv4": ip_text,
    "ipv6": ip_text,
    "ip": ip_text,
    "uuid": uuid_text,
}


# the C core's twin of each text form above that is not hex: its NLC_T_* code
# (_native/nlcodec_core.h; native.py builds its tables from this).  A hint not
# named here is hex in the C core, and tests/test_value_text.py fails until
# TEXT_OF shows it as hex too or the C core has its twin.
C_TEXT = {"mac": "NLC_T_MAC", "ipv4": "NLC_T_IP", "ipv6": "NLC_T_IPV6", "ip": "NLC_T_IP",
          "uuid": "NLC_T_UUID"}


# hints under which a 4-byte integer reads as a dotted quad ("10.0.0.1", the
# address in network order), in every layer and in the C core (native.py)
INT_IP_HINTS = frozenset(("ipv4", "ip"))

# hints that only say how an integer reads (tc's words, nlcodec.names); the
# codec shows such an integer as a number
INT_HINTS = ("verdict", "handle")

# every display hint a spec may name (nlcodec.spec checks): the text forms of
# bytes above, and the integer-only ones
DISPLAY_HINTS = tuple(TEXT_OF) + INT_HINTS


def parse_bytes(value, hint=None, path="") -> bytes:
    """The inverse of ``TEXT_OF[hint]``; also takes bytes and bytearray."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if not isinstance(value, str):
        raise EncodeError(f"{path}: expected bytes or text, got {type(value).__name__}")
    s = value.strip()
    try:
        if hint in ("mac", "ipv4", "ipv6", "ip", "uuid"):
            if ":" in s and hint == "mac":
                return bytes.fromhex(s.replace(":", ""))
            # ip_text shows 4 bytes as IPv4 whatever the hint: read it back the same way
            if hint in ("ipv4", "ipv6", "ip") and "." in s and ":" not in s:
                return _inet_pton(AF_INET, s)
            if hint in ("ipv6", "ip", "ipv4") and ":" in s:
                return _inet_pton(AF_INET6, s)
            if hint == "uuid" and "-" in s:
                import uuid
                return uuid.UUID(s).bytes
        return bytes.fromhex(s.replace(":", "").replace(" ", ""))
    except (ValueError, OSError) as e:
        raise EncodeError(f"{path}: cannot read {value!r} as {hint or 'hex'}: {e}") from None


def fit(v: int, size: int, signed: bool) -> int:
    """A named value for a member of ``size`` bytes: ``continue`` (-1) in an
    unsigned 32-bit member is 0xffffffff, as the kernel reads it."""
    if not signed and v < 0 and v >= -(1 << (8 * size - 1)):
        return v & ((1 << (8 * size)) - 1)
    return v
