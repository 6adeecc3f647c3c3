"""Hex dumps as people paste them, back to bytes.

``parse_hex(text)`` detects the format once per input, from its first line
of data, then reads every line in that format:

- plain hex: ``24000000 1200``, ``24 00 00``, ``0x24, 0x00`` (C arrays from
  ``xxd -i`` too), ``24:00:00``; ``xxd -p``;
- ``xxd``: ``00000000: 2400 0000 ...  $...``;
- ``hexdump -C``: ``00000000  24 00 ...  |$...|``;
- ``od -Ax -tx1`` (and ``hexdump``/``od -x`` words in host order);
- ``tcpdump -X``/``-xx``: ``<tab>0x0000:  4500 0054 ...``;
- crash ``rd -8`` (``rd -16/-32/-64`` values in host order);
- gdb ``x/Nxb`` (``x/Nxh``, ``x/Nxw``, ``x/Nxg``: values in host order);
- ``print_hex_dump`` lines from dmesg or the journal, with timestamps and a
  prefix (groups of 2/4/8 bytes are host-order values, as the kernel prints),
  and without the timestamp (console, ``dmesg -t``) when a prefix string or a
  16-digit address tells them from xxd (an 8-digit offset and no prefix reads
  as xxd: the same bytes for groups of 1);
- gdb's print of a netlink header struct, ``p/x *nlh``: ``{nlmsg_len = 0x5c,
  ...}`` (the structs named in ``specs/netlink.py`` ``NAMED_STRUCTS``);
- strace strings ``"\\x24\\x00..."`` (octal escapes by default, ``-x``, ``-xx``; run strace with
  ``-e verbose=none -s 65536`` so it shows bytes, not decoded netlink).

Address and ASCII columns are dropped; lines repeated away as ``*`` (od,
hexdump, xxd -a) are filled back from the next address.  Blank lines, shell,
gdb and crash prompts and tcpdump's packet summaries are skipped; any other
line that does not read raises ``DecodeError`` naming the line.
"""

from __future__ import annotations

import re
import sys

from .errors import DecodeError

HOST_LITTLE = sys.byteorder == "little"


class _Rx:
    """A regular expression compiled on first use: a dump needs a few of
    them, and compiling them all was a tenth of a one-message decode's start."""

    def __init__(self, *args):
        self._args = args

    def __getattr__(self, name):
        rx = re.compile(*self._args)
        for n in ("match", "search", "fullmatch", "sub", "split", "finditer", "findall"):
            setattr(self, n, getattr(rx, n))
        return getattr(rx, name)


_PROMPT = _Rx(r"^\s*(\(gdb\)|crash>|[$#]\s|>>>)")
_TCPDUMP_SUMMARY = _Rx(r"^(\d\d:\d\d:\d\d\.\d+|\d{9,}\.\d+)\s|^(listening on|tcpdump: )|"
                       r"^\d+ packets? (captured|received|dropped)")
# pieces that several line formats share
_SYSLOG = r"\w{3}\s+\d+\s+\d\d:\d\d:\d\d\s+\S+\s+kernel:"      # "Dec  5 12:00:01 host kernel:"
_GROUP = "[0-9a-fA-F]{2,16}"                  # a group of 1, 2, 4 or 8 bytes
_GROUP_ROW = f"{_GROUP}(?: {_GROUP})*(?: {{2,}}.*)?"      # groups, then maybe the ASCII column
_KADDR = "[0-9a-fA-F]{16}|[0-9a-fA-F]{8}"     # an address (16 digits) or an offset (8 digits)
_OD_CHARS = _Rx(r"\s+>.*<$")           # od -z's characters
_HEX_RUN = _Rx("[0-9a-fA-F]+")

_DMESG_TS = _Rx(rf"^\s*(?:{_SYSLOG}\s*)?(?:<\d>)?\[\s*\d+\.\d+\]\s?")
_JOURNAL = _Rx(rf"^\s*{_SYSLOG}\s?")
_STRACE = _Rx(r"\\x[0-9a-fA-F]{2}|[\"'](?:[^\"'\\]|\\.)*\\[0-7]")   # \x.. or octal
_GDB = _Rx(r"^\s*0x([0-9a-fA-F]+)(?:\s+<[^>]*>)?:\s+(0x[0-9a-fA-F]+(?:\s+0x[0-9a-fA-F]+)*)"
           r"\s*$")
_TCPDUMP = _Rx(r"^\s*0x([0-9a-fA-F]{4,}):\s+(.*)$")
_TCPDUMP_LINE = _Rx(r"^\t0x[0-9a-f]{4}:  [0-9a-f]{2}")   # as tcpdump prints it
_CRASH = _Rx(r"^([0-9a-fA-F]{8,16}):  (.*)$")
_XXD = _Rx(r"^([0-9a-fA-F]+): (.*)$")
_HEXDUMP_C = _Rx(r"^([0-9a-fA-F]+)(?:  (.*?))?\s*$")
_OD = _Rx(r"^([0-9a-fA-F]{6,})(?: (.*?))?\s*$")
_GROUPS = _Rx(f"^{_GROUP_ROW}$")
_DMESG_ADDR = _Rx(rf"^(.*?)\b({_KADDR}): (.*)$")
_QUOTED = _Rx(r"""(b?)(["'])((?:\\.|(?!\2).)*)\2(\.\.\.)?""")
_ESC = _Rx(r"\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)", re.S)
_ESCAPES = {"n": 10, "t": 9, "r": 13, "v": 11, "f": 12, "a": 7, "b": 8, "e": 27}
_HEXTOK = _Rx(r"^(?:0[xX])?([0-9a-fA-F]+)$")
# print_hex_dump lines without the dmesg timestamp: a prefix string and/or a
# 16-digit address (DUMP_PREFIX_ADDRESS) or 8-digit offset, one space, the groups
_PHD = _Rx(rf"^(?P<pre>[^\s:][^:]*?:?\s)?(?P<addr>{_KADDR}): (?P<rest>[0-9a-fA-F].*)$")
_PHD_NONE = _Rx(rf"^[A-Za-z_][\w.-]*:?\s(?P<rest>{_GROUP_ROW})$")
_GDB_STRUCT = _Rx(r"^\s*(?:\$\d+\s*=\s*)?\{(?P<body>[^{}]*)\}\s*$")

FORMATS = ("strace", "gdb", "gdb-struct", "tcpdump", "dmesg", "crash", "xxd", "hexdump-C", "od",
           "plain")


class _Bad(Exception):
    pass


def _noise(line: str, fmt: str | None = None) -> bool:
    s = line.strip()
    if not s or _PROMPT.match(line):
        return True
    if fmt == "tcpdump":            # packet summaries, whatever tcpdump's -t options
        return not _TCPDUMP.match(line)
    return fmt is None and bool(_TCPDUMP_SUMMARY.match(s))


_HEX_DIGITS = "0123456789abcdefABCDEF"


def _hex_only(s: str) -> bool:
    """``s`` (stripped) is nothing but hex digits: one token of plain hex."""
    return not s.lstrip(_HEX_DIGITS)


def detect(text: str) -> str:
    """The format name of a dump (one of ``FORMATS``), from its first data line."""
    lines = text.splitlines()
    if all(_hex_only(line.strip()) for line in lines):
        return "plain"              # what the checks below make of it, without them
    if any(_TCPDUMP_LINE.match(line) for line in lines[:50]):
        return "tcpdump"
    for line in lines:
        if not _noise(line):
            return _classify(line)
    return "plain"


def _classify(line: str) -> str:
    if _STRACE.search(line):
        return "strace"
    if _GDB.match(line):
        return "gdb"
    if _TCPDUMP.match(line):
        return "tcpdump"
    if _DMESG_TS.match(line) or _JOURNAL.match(line):
        return "dmesg"
    if _GDB_STRUCT.match(line) and "=" in line:
        return "gdb-struct"
    m = _PHD.match(line)
    if m and _GROUPS.match(_hex_area(m.group("rest")) and " ".join(_hex_area(m.group("rest")))
                           or "-") and (
            (m.group("pre") and not _HEXTOK.match(m.group("pre").strip(": \t")))
            or len(m.group("addr")) == 16):
        return "dmesg"
    m = _PHD_NONE.match(line.rstrip())
    if m and not _HEXTOK.match(line.split()[0].rstrip(":")):
        return "dmesg"
    if _CRASH.match(line):
        return "crash"
    if _XXD.match(line) and _GROUPS.match(_XXD.match(line).group(2).strip() or "00"):
        return "xxd"
    s = line.rstrip()
    if s.endswith("|") and "|" in s[:-1] and _HEXDUMP_C.match(s[:s.index("|")]):
        return "hexdump-C"
    # od/hexdump rows: the first one starts at offset 0 (6 or 7 digits), which
    # tells them from plain hex whose first group happens to be long
    m = _OD.match(_OD_CHARS.sub("", s))
    if m and len(m.group(1)) in (6, 7) and not int(m.group(1), 16) and m.group(2):
        toks = m.group(2).split()
        if all(_HEX_RUN.fullmatch(t) for t in toks) and len(set(map(len, toks))) == 1:
            return "od"
    return "plain"


def parse_hex(text: str, fmt: str | None = None) -> bytes:
    """The bytes of a hex dump in any supported format (detected unless ``fmt``)."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    fmt = fmt or detect(text)
    if fmt not in FORMATS:
        raise ValueError(f"unknown hex dump format {fmt!r}; known: {', '.join(FORMATS)}")
    rows = []              # (address or None, bytes, repeat marker)
    pos = 0
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        start, pos = pos, pos + len(line)
        line = line.rstrip("\r\n")
        if _noise(line, fmt):
            continue
        try:
            rows.append(_READERS[fmt](line))
        except _Bad as e:
            shown = line.strip()
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            err = DecodeError(f"{fmt} hex dump: cannot read {shown!r}"
                              + (f" ({e})" if str(e) else ""), path=f"line {n}", offset=start)
            err.line = n
            raise err from None
    return _assemble(rows)


def _assemble(rows) -> bytes:
    out = bytearray()
    prev = None             # (address, bytes) of the last row with data
    first = None            # the first address (od/hexdump end offsets count from it)
    star = False
    end = None
    for addr, data in rows:
        if data is None:                    # "*": lines equal to the previous one left out
            star = True
            continue
        if first is None and addr is not None:
            first = addr
        if star and prev is not None and addr is not None and prev[1]:
            gap = addr - (prev[0] + len(prev[1]))
            if gap > 0 and gap % len(prev[1]) == 0:
                out += prev[1] * (gap // len(prev[1]))
        star = False
        end = addr if not data else None
        if data:
            out += data
            prev = (addr if addr is not None else 0, data)
    if end is not None and first is not None and 0 <= end - first < len(out):
        # od/hexdump end with the total length: a word dump pads the last word
        del out[end - first:]
    return bytes(out)


# -- token helpers ------------------------------------------------------------


def _groups(tokens, host_order: bool) -> bytes:
    out = bytearray()
    for t in tokens:
        if len(t) % 2 or not _HEX_RUN.fullmatch(t):
            raise _Bad(f"{t!r} is not a hex group")
        b = bytes.fromhex(t)
        out += b[::-1] if host_order and HOST_LITTLE and len(b) > 1 else b
    return bytes(out)


def _hex_area(rest: str) -> list[str]:
    """The hex groups of a row: single-space separated, up to the ASCII column
    (which starts after two or more spaces)."""
    rest = rest.strip(" \t")
    area = re.split(r" {2,}|\t", rest, maxsplit=1)[0]
    return area.split(" ") if area else []


# -- one reader per format: a line -> (address, bytes); bytes None for "*" ----


def _read_plain(line):
    s = line.strip()
    if _hex_only(s) and not len(s) % 2:
        return None, bytes.fromhex(s)   # what the general path below makes of it
    if re.match(r"^(unsigned\s+)?(char|int|u8|uint8_t)\b.*=\s*\d+\s*;$", s):
        return None, b""                   # xxd -i's length line
    s = re.sub(r"^.*?\{", "", s)            # C array opening
    s = s.replace("}", " ").replace(";", " ")
    out = bytearray()
    for tok in re.split(r"[\s,:]+", s):
        if not tok:
            continue
        m = _HEXTOK.match(tok)
        if not m:
            raise _Bad(f"{tok!r} is not hex")
        digits = m.group(1)
        if len(digits) % 2:
            if tok[:2] not in ("0x", "0X") or len(digits) != 1:
                raise _Bad(f"{tok!r} has an odd number of digits")
            digits = "0" + digits
        out += bytes.fromhex(digits)
    return None, bytes(out)


def _unescape(s: str) -> bytes:
    out = bytearray()
    i = 0
    for m in _ESC.finditer(s):
        out += s[i:m.start()].encode("latin-1", "replace")
        e = m.group(1)
        if e[0] == "x" and len(e) == 3:
            out.append(int(e[1:], 16))
        elif e[0] in "01234567":
            out.append(int(e, 8) & 0xFF)
        else:
            out.append(_ESCAPES.get(e, ord(e) if len(e) == 1 and ord(e) < 256 else 63))
        i = m.end()
    out += s[i:].encode("latin-1", "replace")
    return bytes(out)


def _read_strace(line):
    if "nlmsg_len=" in line:
        raise _Bad("strace decoded the netlink message into fields; run it with "
                   "-e verbose=none to see the bytes")
    found = list(_QUOTED.finditer(line))
    if not found:
        return None, _unescape(line.strip())
    out = bytearray()
    for m in found:
        if m.group(4):
            raise _Bad("strace cut the string short ('...'); run it with -s 65536")
        out += _unescape(m.group(3))
    return None, bytes(out)


def _addr_line(rx, line, area, host_order):
    """(address, bytes) of a dump line that ``rx`` reads as address and data."""
    m = rx.match(line)
    if not m:
        raise _Bad("")
    return int(m.group(1), 16), _groups(area(m.group(2)), host_order)


def _gdb_words(text):
    return [t[2:] for t in text.split()]        # 0x0000abcd words


def _read_gdb(line):
    return _addr_line(_GDB, line, _gdb_words, True)


def _read_tcpdump(line):
    return _addr_line(_TCPDUMP, line, _hex_area, False)


def _read_xxd(line):
    if line.strip() == "*":
        return None, None
    return _addr_line(_XXD, line, _hex_area, False)


def _read_crash(line):
    return _addr_line(_CRASH, line, _hex_area, True)


def _read_hexdump_c(line):
    s = line.rstrip()
    if s == "*":
        return None, None
    if "|" in s:
        s = s[:s.index("|")]
    m = _HEXDUMP_C.match(s)
    if not m:
        raise _Bad("")
    return int(m.group(1), 16), _groups((m.group(2) or "").split(), False)


def _read_od(line):
    s = line.rstrip()
    if s == "*":
        return None, None
    s = _OD_CHARS.sub("", s)
    m = _OD.match(s)
    if not m:
        raise _Bad("")
    return int(m.group(1), 16), _groups((m.group(2) or "").split(), True)


def _read_dmesg(line):
    s = _DMESG_TS.sub("", line, count=1)
    if s == line:
        s = _JOURNAL.sub("", line, count=1)
    m = _DMESG_ADDR.match(s)
    if m and _GROUPS.match(m.group(3).strip() or "00"):
        return int(m.group(2), 16), _groups(_hex_area(m.group(3)), True)
    # DUMP_PREFIX_NONE: the data follows the prefix string directly
    starts = [0] + [i + 1 for i, c in enumerate(s) if c in " :"]
    for p in starts:
        rest = s[p:]
        if rest and _GROUPS.match(rest):
            return None, _groups(_hex_area(rest), True)
    raise _Bad("")


def _read_gdb_struct(line):
    """gdb's print of a netlink header struct (``p/x *nlh``), by member names."""
    m = _GDB_STRUCT.match(line)
    if not m:
        raise _Bad("")
    members = {}
    for part in m.group("body").split(","):
        name, eq, value = part.partition("=")
        if not eq:
            raise _Bad(f"{part.strip()!r} is not 'member = value'")
        try:
            members[name.strip()] = int(value.strip(), 0)
        except ValueError:
            raise _Bad(f"{value.strip()!r} is not a number") from None
    from .structs import compile_struct
    for sname, st in _named_structs().items():
        lay = compile_struct(st, sname)
        if set(members) == set(lay.names):
            return None, lay.encode(members)
    raise _Bad("not a struct this reader knows (" + ", ".join(_named_structs()) + ")")


def _named_structs():
    import importlib
    from .registry import _specs_package
    return importlib.import_module(f"{_specs_package().__name__}.netlink").NAMED_STRUCTS


_READERS = {"plain": _read_plain, "gdb-struct": _read_gdb_struct, "strace": _read_strace, "gdb": _read_gdb,
            "tcpdump": _read_tcpdump, "xxd": _read_xxd, "crash": _read_crash,
            "hexdump-C": _read_hexdump_c, "od": _read_od, "dmesg": _read_dmesg}
