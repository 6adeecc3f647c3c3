"""The words of a tc command line, read the way iproute2's tc reads them:
``matches()`` prefixes, ``get_u32()``/``strtoul`` numbers, ``ll_addr_a2n``
MACs, ``get_prefix`` addresses, ``ll_proto_a2n`` protocol names.  Errors
name the word and its column (1-based).

Words that are *values* (a handle, a MAC, an address, an index) are taken
with ``Words.value``, which records where the value went (a ``Node``: a dict
and its path in the request) and how the word becomes attribute values.  A
batch whose lines differ only in value words reuses the first line's
request as a ``Template`` (see ``nlcodec.tc.batch``)."""

from __future__ import annotations

import re
import socket



_WORD = re.compile(r"\S+")


class TcSyntaxError(ValueError):
    """A tc line nlcodec cannot read: ``word``, ``column`` (1-based, 0 at the
    end of the line) and the reason."""

    def __init__(self, reason, word=None, column=0, line=""):
        self.reason, self.word, self.column, self.line = reason, word, column, line
        where = (f"{word!r} at column {column}" if word is not None
                 else f"end of line (column {column})")
        super().__init__(f"{reason}: {where}")


def tokens(line: str):
    """(words, their 1-based columns); a ``#`` word starts a comment."""
    words, cols = [], []
    for m in _WORD.finditer(line):
        w = m.group()
        if w.startswith("#"):
            break
        words.append(w)
        cols.append(m.start() + 1)
    return words, cols


def matches(word: str, full: str) -> bool:
    """iproute2's matches(): ``word`` is a non-empty prefix of ``full``."""
    return bool(word) and full.startswith(word)


class Node:
    """A dict of the request under construction and its path from the
    message (``("attrs", "options")``)."""

    __slots__ = ("d", "path")

    def __init__(self, d: dict, path: tuple):
        self.d, self.path = d, path

    def child(self, key, d=None) -> "Node":
        if d is None:
            d = self.d.setdefault(key, {})
        else:
            self.d[key] = d
        return Node(d, self.path + (key,))


class Words:
    """A cursor over one line's words."""

    def __init__(self, line: str):
        self.line = line
        self.w, self.cols = tokens(line)
        self.i = 0
        self.values = []        # (word index, Node path, fn, keys)
        self.late = []          # fns run when the line is read whole (see Words.finish)
        self.given = set()      # (Node path, key) a value word has set: a second one is refused

    # -- reading ----------------------------------------------------------------
    def more(self) -> bool:
        return self.i < len(self.w)

    def peek(self):
        return self.w[self.i] if self.i < len(self.w) else None

    def next(self) -> str:
        if self.i >= len(self.w):
            raise self.error("missing word")
        self.i += 1
        return self.w[self.i - 1]

    def need(self, what) -> str:
        """The word after a keyword (tc's NEXT_ARG)."""
        if self.i >= len(self.w):
            raise self.error(f"{what} needs a value")
        self.i += 1
        return self.w[self.i - 1]

    def error(self, reason, at=None) -> TcSyntaxError:
        at = self.i if at is None else at
        if 0 <= at < len(self.w):
            return TcSyntaxError(reason, self.w[at], self.cols[at], self.line)
        return TcSyntaxError(reason, None, len(self.line.rstrip()) + 1, self.line)

    def value(self, node: Node, fn, what) -> dict:
        """The next word is a value: ``fn(word) -> {key: value}`` put into
        ``node``; a ValueError from ``fn`` names the word."""
        if self.i >= len(self.w):
            raise self.error(f"{what} needs a value")
        at = self.i
        word = self.w[at]
        try:
            got = fn(word)
        except (ValueError, OverflowError) as e:
            raise self.error(f"{what}: {e}" if str(e) else f"bad {what}", at) from None
        again = [k for k in got if (node.path, k) in self.given]
        if again:   # tc would send the attribute twice; a dict holds one: refuse, not drop
            raise self.error(f"{what} given twice (tc would send {again[0]} twice)",
                             max(at - 1, 0))
        self.given.update((node.path, k) for k in got)
        self.i += 1
        node.d.update(got)
        self.values.append((at, node.path, fn, tuple(got)))
        return got

    def take(self, fn, what):
        """The word after a keyword through ``fn`` (not a template value); a
        ValueError from ``fn`` names the word."""
        at = self.i
        s = self.need(what)
        try:
            return fn(s)
        except (ValueError, OverflowError) as e:
            raise self.error(f"bad {what}" + (f": {e}" if str(e) else ""), at) from None

    def value_late(self, node: Node, fn, what):
        """A value whose attributes depend on words later in the line (a
        filter's prio with its protocol): ``fn`` runs at the end."""
        if self.i >= len(self.w):
            raise self.error(f"{what} needs a value")
        at = self.i
        self.i += 1
        self.late.append((at, node, fn, what))

    def finish(self):
        for at, node, fn, what in self.late:
            word = self.w[at]
            try:
                got = fn(word)
            except (ValueError, OverflowError) as e:
                raise self.error(f"{what}: {e}" if str(e) else f"bad {what}", at) from None
            node.d.update(got)
            self.values.append((at, node.path, fn, tuple(got)))
        self.late = []


# -- numbers and addresses as iproute2 reads them ------------------------------------


def strtoul(s: str, base: int) -> int:
    """C strtoul on the whole word (no sign, no trailing text)."""
    t = s
    if base == 0:
        if t[:2].lower() == "0x" and len(t) > 2:
            t, base = t[2:], 16
        elif t[:1] == "0" and len(t) > 1:
            t, base = t[1:], 8
        else:
            base = 10
    elif base == 16 and t[:2].lower() == "0x" and len(t) > 2:
        t = t[2:]
    if not t or not t.isalnum() or t[0] in "+-":
        raise ValueError(f"not a number")
    try:
        return int(t, base)
    except ValueError:
        raise ValueError("not a number") from None


def get_uint(s: str, bits: int, base: int = 0) -> int:
    v = strtoul(s, base)
    if v >> bits:
        raise ValueError(f"does not fit in {bits} bits")
    return v


def classid(s: str) -> int:
    """tc/tc_util.c get_tc_classid: root, none, MAJ:MIN (each C strtoul base
    16 below 0x10000, MAJ may be empty), or one such number taken whole
    (``10`` is 0x10)."""
    if s == "root":
        return 0xFFFFFFFF
    if s == "none":
        return 0
    maj, end = c_strtoul(s, 0, 16)
    if end == 0:
        maj = 0
        if s[:1] != ":":
            raise ValueError("not a class id")
    if s[end:end + 1] == ":":
        mi, e2 = c_strtoul(s, end + 1, 16)
        if maj >> 16 or e2 != len(s) or mi >> 16:
            raise ValueError("not a class id")
        return maj << 16 | mi
    if end != len(s):
        raise ValueError("not a class id")
    return maj & 0xFFFFFFFF


def qdisc_handle(s: str) -> int:
    """tc/tc_util.c get_qdisc_handle: none, or MAJ (C strtoul base 16 below
    0x10000) followed by nothing or by ':' (what follows the ':' unread)."""
    if s == "none":
        return 0
    maj, end = c_strtoul(s, 0, 16)
    if end == 0 or maj >> 16 or s[end:end + 1] not in ("", ":"):
        raise ValueError("not a qdisc handle")
    return maj << 16


_ETH_LOWER: dict = {}


def eth_proto(s: str) -> int:
    """ll_proto_a2n: a name (case-insensitive) or a number; host order."""
    from .consts import ethertypes
    v = _ETH_LOWER.get(s.lower())
    if v is None and not _ETH_LOWER:
        _ETH_LOWER.update((k.lower(), x) for k, x in ethertypes().items())
        v = _ETH_LOWER.get(s.lower())
    if v is not None:
        return v
    return get_uint(s, 16, 0)


_HEXDIGITS = frozenset("0123456789abcdefABCDEF")


def mac(s: str) -> bytes:
    """ll_addr_a2n: hex bytes separated by ':' (one or two digits each)."""
    if len(s) == 17 and s[2::3] == ":::::" and _HEXDIGITS.issuperset(s[0::3] + s[1::3]):
        return bytes.fromhex(s.replace(":", ""))
    parts = s.split(":")
    if len(parts) != 6:
        raise ValueError("not a MAC address")
    try:
        b = bytes(int(p, 16) for p in parts)
    except ValueError:
        raise ValueError("not a MAC address") from None
    if any(len(p) > 2 or not p for p in parts):
        raise ValueError("not a MAC address")
    return b


_C_ULONG = {0: re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)"),
            16: re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|[0-9a-fA-F]+)")}
_ULONG_MAX = (1 << 64) - 1


def c_strtoul(s: str, pos: int = 0, base: int = 0):
    """C strtoul(s + pos, &end, base) (base 0 or 16) on an LP64 host:
    (value, end); end == pos when no digits were read.  A sign is read
    (``-N`` is 2^64 - N), a ``0x`` without hex digits reads as ``0``, an
    overflow gives ULONG_MAX."""
    m = _C_ULONG[base].match(s, pos)
    if not m:
        return 0, pos
    t = m.group()
    neg = t[0] == "-"
    t = t.lstrip("+-")
    if t[:2].lower() == "0x":
        v = int(t[2:], 16)
    else:
        v = int(t, base or (8 if t[0] == "0" else 10))
    if v > _ULONG_MAX:
        v = _ULONG_MAX
    elif neg:
        v = -v & _ULONG_MAX
    return v, m.end()


def get_unsigned(s: str) -> int:
    """lib/utils.c get_unsigned(base 0): the whole word by C strtoul, at
    most UINT_MAX (so ``-1`` is refused, ``+5`` is 5)."""
    v, end = c_strtoul(s)
    if not s or end != len(s) or v > 0xFFFFFFFF:
        raise ValueError("not an unsigned number")
    return v


def addr_ipv4(s: str) -> bytes:
    """lib/utils.c get_addr_ipv4: up to four parts separated by '.', each a
    C strtoul(base 0) of at most 255 (so octal ``010`` is 8, ``0x0a`` is
    10), the bytes of missing parts zero (``10.1`` is 10.1.0.0)."""
    out = bytearray(4)
    pos = 0
    for i in range(4):
        n, end = c_strtoul(s, pos)
        if n > 255 or end == pos:
            raise ValueError("not an IPv4 address")
        out[i] = n
        if end == len(s):
            break
        if i == 3 or s[end] != ".":
            raise ValueError("not an IPv4 address")
        pos = end + 1
    return bytes(out)


def _af_bytes(family) -> int:
    """lib/utils.c af_byte_len (AF_INET, AF_INET6; 0 for AF_UNSPEC)."""
    return {socket.AF_INET: 4, socket.AF_INET6: 16}.get(family, 0)


def addr_1(s: str, family=0):
    """lib/utils.c __get_addr_1 -> (family, address bytes, bitlen): bitlen
    -1 for an address, -2 for ``default`` (the zero address of ``family``:
    no bytes when it is AF_UNSPEC) and ``all``/``any`` (no bytes).  An
    address with a ':' is inet_pton(AF_INET6)'s, any other get_addr_ipv4's
    (``addr_ipv4``); ``family`` (AF_INET, AF_INET6 or 0) insists on one."""
    if s == "default":
        return family, bytes(_af_bytes(family)), -2
    if s in ("all", "any"):
        return family, b"", -2
    if ":" in s:
        if family not in (0, socket.AF_INET6):
            raise ValueError("an IPv6 address where IPv4 is expected")
        try:
            return socket.AF_INET6, socket.inet_pton(socket.AF_INET6, s), -1
        except OSError:
            raise ValueError("not an IPv6 address") from None
    if family not in (0, socket.AF_INET):
        raise ValueError("an IPv4 address where IPv6 is expected")
    return socket.AF_INET, addr_ipv4(s), -1


def address(s: str, family=0, what="address"):
    """lib/utils.c get_addr (a word without a prefix length) -> (family,
    bytes); ``all``/``any``/``default`` of no family give no bytes: tc
    sends such an attribute empty, which the kernel refuses, so nlcodec
    refuses the word."""
    fam, b, _ = addr_1(s, family)
    if not b:
        raise ValueError(f"{s!r} gives no address here (tc would send an empty {what})")
    return fam, b


def prefix(s: str, family=0, empty=False):
    """lib/utils.c get_prefix_1: ADDR[/LEN] -> (family, address bytes,
    prefix length).  ADDR as ``addr_1`` reads it; LEN a number or a netmask
    (``get_netmask``), at most the family's bits; ``default``, ``all`` and
    ``any`` take no LEN and have length 0.  ``all``/``any`` have no bytes
    (``empty``: give b"", else refuse the word)."""
    addr, slash, ln = s.partition("/")
    fam, b, bitlen = addr_1(addr, family)
    if not b and not empty:
        raise ValueError(f"{addr!r} gives no address here (tc would send an empty one)")
    total = _af_bytes(fam) * 8
    if slash:
        if bitlen == -2:
            raise ValueError(f"{addr} takes no prefix length")
        n = _netmask(ln)
        if not 0 <= n <= total:
            raise ValueError("bad prefix length")
        return fam, b, n
    return fam, b, 0 if bitlen == -2 else total


def _netmask(s: str) -> int:
    """lib/utils.c get_netmask: get_unsigned (base 0), else an IPv4 netmask
    read by get_addr_1 whose host part is 2^n - 1 (mask2bits); -1 when
    neither."""
    n, end = c_strtoul(s)
    if s and end == len(s):
        return n if n <= 0xFFFFFFFF else -1
    try:
        _, b, _ = addr_1(s, socket.AF_INET)
    except ValueError:
        return -1
    m = int.from_bytes(b.ljust(4, b"\0"), "big")
    host = ~m & 0xFFFFFFFF
    if host & (host + 1):
        return -1
    return 32 - host.bit_length()


def prefix_mask(nbytes: int, bits: int) -> bytes:
    return ((((1 << bits) - 1) << (nbytes * 8 - bits)) if bits else 0).to_bytes(nbytes, "big")


def ifindex_of(name: str) -> int:
    try:
        return socket.if_nametoindex(name)
    except OSError:
        raise ValueError(f"cannot find device {name!r}") from None


# -- value words' common forms (nlcodec.tc.batch reads a run's lines by them) ---------


def fast_int(fn, key, limit, post=None):
    """Tag a value converter: for a plain decimal word without a leading zero
    (``[1-9][0-9]{0,8}``), ``fn(word) == {key: int(word)}`` (with ``post =
    (shift, add)``: ``int(word) << shift | add()``, ``add()`` the same for
    every line of one shape) when ``int(word) <= limit``, and fn raises
    otherwise.  nlcodec.tc.batch then reads such words without calling
    ``fn``."""
    fn.fast = ("int", key, limit, post)
    return fn


def fast_mac(fn, key):
    """Tag: for a word ``xx:xx:xx:xx:xx:xx`` (hex digits), ``fn(word)`` sets
    ``key`` to that address and every other key to a value that does not
    depend on the word."""
    fn.fast = ("mac", key, None, None)
    return fn


def fast_ipv4net(fn, key):
    """Tag: for ``A.B.C.D/LEN`` (or ``A.B.C.D``) with the LEN of the run's
    first line, ``fn(word) == {key: int(address) & mask, "mask": mask}``
    with ``mask`` that of LEN (u32's ``match ip src|dst``)."""
    fn.fast = ("ipv4net", key, None, None)
    return fn


def fast_ipv4(fn, key):
    """Tag: for a dotted quad that inet_pton(AF_INET) accepts (no prefix
    length), ``fn(word)`` sets ``key`` to that address (tc's get_addr_ipv4
    reads such a quad the same), every other key to a value that does not
    depend on the word.  Other words (``10.1``, ``010.0.0.1``) go through
    ``fn``."""
    fn.fast = ("ipv4", key, None, None)
    return fn
