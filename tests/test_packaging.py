"""pyproject.toml lists its packages by hand (specs/ installs as
nlcodec.specs): every package directory under nlcodec/ must be in that list,
or the wheel and the sdist's install lack it (scripts/install-check.sh would
find out much later)."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_every_package_is_listed():
    if not os.path.isdir(os.path.join(ROOT, "nlcodec")):
        pytest.skip("the tests run against an installed nlcodec (no sources here)")
    with open(os.path.join(ROOT, "pyproject.toml")) as f:
        m = re.search(r"^packages = \[(.*?)\]", f.read(), re.M)
    listed = set(re.findall(r'"([\w.]+)"', m.group(1)))
    found = {"nlcodec.specs"}
    for d, dirs, files in os.walk(os.path.join(ROOT, "nlcodec")):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        if "__init__.py" in files:
            found.add(os.path.relpath(d, ROOT).replace(os.sep, "."))
    assert listed == found
