"""Netlink wire layouts written out by hand for the tests: attributes (struct
nlattr: u16 length, u16 type, payload, padding to 4) and the scalar packers
the kernel's structs use.  Independent of nlcodec on purpose: the expected
bytes of a test must not come from the code under test."""

import socket
import struct

NLA_F_NESTED, NLA_F_NET_BYTEORDER = 0x8000, 0x4000


def nla(t, payload=b""):
    """One attribute: header, payload, zero padding to a 4-byte boundary."""
    n = 4 + len(payload)
    return struct.pack("<HH", n, t) + payload + b"\0" * ((-n) & 3)


u8 = struct.Struct("<B").pack
u16 = struct.Struct("<H").pack
u32 = struct.Struct("<I").pack
u64 = struct.Struct("<Q").pack
s32 = struct.Struct("<i").pack
be16 = struct.Struct(">H").pack
be32 = struct.Struct(">I").pack


def ip4(s):
    return socket.inet_pton(socket.AF_INET, s)


def ip6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def ip(text):
    """An IPv4 or IPv6 address, by its text."""
    return ip6(text) if ":" in text else ip4(text)


def mac(s):
    return bytes.fromhex(s.replace(":", ""))


def cstr(s):
    """A NUL-terminated string."""
    return s.encode() + b"\0"
