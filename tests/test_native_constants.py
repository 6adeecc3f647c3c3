"""The attribute kinds are numbered twice, in nlcodec/tables.py (K_*) and in
_native/nlcodec_core.h (NLC_K_*): the header, read as text, and the Python
names must agree one for one, and the compiled extension must carry the same
numbers (cffi reads them from the header it was built with)."""

import os
import re

import pytest

from nlcodec import tables

HEADER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "_native", "nlcodec_core.h")


def header_kinds():
    with open(HEADER) as f:
        return {m.group(1): int(m.group(2))
                for m in re.finditer(r"#define NLC_K_(\w+)\s+(\d+)", f.read())}


def test_kinds_agree_one_for_one():
    c = header_kinds()
    py = {n[2:]: v for n, v in vars(tables).items() if re.fullmatch(r"K_[A-Z]+", n)}
    assert c and c == py


def test_built_extension_has_the_same_kinds():
    lib = pytest.importorskip("nlcodec._native_core").lib
    for name, value in header_kinds().items():
        assert getattr(lib, f"NLC_K_{name}") == value, name
