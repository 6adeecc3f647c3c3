"""cffi build script for the C core (API mode, compiled by `pip install`).

Produces the extension module ``nlcodec._native_core``; nlcodec/native.py
wraps it.  The header doubles as the cdef, minus its comments.
"""

import os
import re
import zlib

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))


def _cdef():
    with open(os.path.join(HERE, "nlcodec_core.h")) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    # the encoder's way back to pure.py for one nest (nlcodec/native.py)
    text += ('extern "Python" int nlc_py_fallback(int32_t, int32_t, int32_t, const uint8_t *, '
             'size_t, const uint8_t *, size_t, int32_t);\n')
    return text


# the files whose content the compiled core is made from, in this order
SOURCE_FILES = ("nlcodec_core.h", "nlcodec_core.c")


def source_id(folder=HERE) -> int:
    """crc32 of the C core's sources: compiled into the extension as
    NLC_SOURCE_ID, so that nlcodec/native.py can tell, in a source tree, a
    build older than the sources beside it (its tables would be read wrong)."""
    crc = 0
    for name in SOURCE_FILES:
        with open(os.path.join(folder, name), "rb") as f:
            crc = zlib.crc32(f.read(), crc)
    return crc


def make(sources, include_dirs):
    ffi = FFI()
    ffi.cdef(_cdef() + "#define NLC_SOURCE_ID ...\n")
    preamble = f'#include "nlcodec_core.h"\n#define NLC_SOURCE_ID {source_id()}u\n'
    ffi.set_source("nlcodec._native_core", preamble, sources=sources,
                   include_dirs=include_dirs,
                   extra_compile_args=["-O2", "-std=gnu11", "-Wall", "-Wno-unused-function"])
    return ffi


# for setup.py (cffi_modules): paths relative to the project root
ffibuilder = make(["_native/nlcodec_core.c"], ["_native"])

if __name__ == "__main__":
    # a quick in-place build for development: python3 _native/build.py.  It
    # compiles in a scratch directory: setuptools reads the pyproject.toml of
    # the directory it runs in, and an older setuptools (Debian's) refuses
    # its SPDX license field, which only the packaging build needs.
    import glob
    import shutil
    import tempfile
    root = os.path.dirname(HERE)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        built = make([os.path.join(HERE, "nlcodec_core.c")], [HERE]).compile(tmpdir=tmp)
        for old in glob.glob(os.path.join(root, "nlcodec", "_native_core*.so")):
            os.remove(old)
        shutil.copy(built, os.path.join(root, "nlcodec", os.path.basename(built)))
