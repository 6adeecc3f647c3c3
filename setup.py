# The C core is built by cffi at install time (API mode); everything else is
# declared in pyproject.toml.
from setuptools import setup

setup(cffi_modules=["_native/build.py:ffibuilder"])
