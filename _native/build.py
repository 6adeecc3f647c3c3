"""cffi build script for the C core (API mode, compiled by `pip install`).

Produces the extension module ``nlcodec._native_core``; nlcodec/native.py
wraps it.  The header doubles as the cdef, minus its comments.
"""

import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))


def _cdef():
    with open(os.path.join(HERE, "nlcodec_core.h")) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return text


ffibuilder = FFI()
ffibuilder.cdef(_cdef())
ffibuilder.set_source(
    "nlcodec._native_core",
    '#include "nlcodec_core.h"',
    sources=["_native/nlcodec_core.c"],      # relative to the project root (setup.py)
    include_dirs=["_native"],
    extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wno-unused-function"],
)

if __name__ == "__main__":
    # a quick in-place build for development: python3 _native/build.py
    os.chdir(os.path.dirname(HERE))
    ffibuilder.compile(tmpdir=".", verbose=False)
