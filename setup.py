# The C core (cffi, API mode) is built at install time when it can be: it is
# optional.  Without a working C compiler or Python headers the install goes
# on with the pure-Python backend and says so in one line;
# NLCODEC_BUILD_NATIVE=0 skips the build on purpose.  Everything else is
# declared in pyproject.toml.
import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

NATIVE = os.environ.get("NLCODEC_BUILD_NATIVE", "1").strip().lower() not in ("0", "no", "false", "off")


def _skip(why):
    print(f"nlcodec: C core not built ({why}); installing the pure-Python backend "
          f"(same results, slower; see README)", file=sys.stderr, flush=True)


class optional_build_ext(build_ext):
    """build_ext whose failure leaves the package pure instead of failing the install."""

    def run(self):
        try:
            super().run()
        except Exception as e:          # no compiler, no Python.h, cffi's generator
            _skip(_why(e))

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as e:
            _skip(_why(e))

    def get_outputs(self):
        # a failed build leaves nothing behind; report only what exists
        return [p for p in super().get_outputs() if os.path.exists(p)]


def _why(e):
    text = " ".join(str(e).split()) or type(e).__name__
    return text if len(text) < 160 else text[:157] + "..."


if NATIVE:
    setup(cmdclass={"build_ext": optional_build_ext},
          cffi_modules=["_native/build.py:ffibuilder"])
else:
    _skip("NLCODEC_BUILD_NATIVE=0")
    setup()
