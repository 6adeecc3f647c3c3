"""Every number in our specs equals the kernel's UAPI headers.

The installed headers (Debian linux-libc-dev, /usr/include/linux) are ground
truth.  For each attribute set, message list and enum that names its header
we compile one C program that prints the value of every UAPI name the header
defines, and compare.  Names the installed headers do not have (newer than
them) are skipped, and counted, so a typo cannot pass unnoticed: a spec whose
names are mostly missing from its header fails.
"""

import os

import pytest

import cprobe
import nlcodec
from nlcodec.spec import Flags

pytestmark = cprobe.needs_gcc

INCLUDE = "/usr/include"


def _entries():
    """(header, uapi_name, our_value, where) for everything that names a header."""
    out = []
    for fam in nlcodec.families().values():
        for s in fam.attrsets.values():
            if not s.uapi_header:
                continue
            for a in s.attrs:
                if a.uapi:
                    out.append((s.uapi_header, a.uapi, a.id, f"{fam.name}.{s.name}.{a.name}"))
        if fam.subsys_uapi:      # nfnetlink: the subsystem in the type's high byte
            out.append(("linux/netfilter/nfnetlink.h", fam.subsys_uapi, fam.subsys,
                        f"{fam.name}.subsys"))
        if fam.uapi_header and fam.msg_prefix:
            for m in fam.messages:
                if m.uapi:
                    out.append((fam.uapi_header, m.uapi, m.id, f"{fam.name}.{m.name}"))
        for e in fam.enums.values():
            if not e.uapi_header or not e.prefix:
                continue
            for name, value in e.values.items():
                out.append((e.uapi_header, e.prefix + name.upper(), value,
                            f"{fam.name}.{e.name}.{name}"))
    return out


def _defined_names(header):
    """Identifiers the header defines, as enumerators or macros."""
    return cprobe.defined_names([header])


def _values(header, names):
    return cprobe.c_values([header], names)


def _by_header():
    groups = {}
    for header, name, value, where in _entries():
        groups.setdefault(header, []).append((name, value, where))
    return groups


GROUPS = _by_header()


def test_specs_name_their_headers():
    # the conformance test only means something if the specs take part
    assert len(GROUPS) >= 2, f"only {sorted(GROUPS)} name a UAPI header"
    assert sum(len(v) for v in GROUPS.values()) >= 30


@pytest.mark.parametrize("header", sorted(GROUPS))
def test_numbers_match_uapi_headers(header):
    if not os.path.exists(os.path.join(INCLUDE, header)):
        pytest.fail(f"{header} is not installed (apt-get install linux-libc-dev)")
    entries = GROUPS[header]
    defined = _defined_names(header)
    present = sorted({n for n, _, _ in entries if n in defined})
    values = _values(header, present)
    wrong = [f"{where}: ours {ours}, {name} = {values[name]}"
             for name, ours, where in entries if name in values and values[name] != ours]
    assert not wrong, "numbers differ from the UAPI headers:\n" + "\n".join(wrong)
    missing = [n for n, _, _ in entries if n not in defined]
    # names newer than the installed headers are allowed, but not most of them
    assert len(missing) <= max(3, len(entries) // 3), \
        f"{len(missing)} of {len(entries)} names are not in {header}: {missing[:20]}"


def test_flags_enums_are_bits():
    for fam in nlcodec.families().values():
        for e in fam.enums.values():
            if isinstance(e, Flags):
                for name, v in e.values.items():
                    assert v and v & (v - 1) == 0 or name.endswith("mask"), \
                        f"{fam.name}.{e.name}.{name} = {v:#x} is not a single bit"
