"""A native build older than the C sources beside it is refused, not used:
its tables would be read with another layout (a stale in-place build once
decoded a police action's rate structs as the next member's name).  The
extension carries _native/build.py's source_id of the sources it was made
from; nlcodec.native compares it with the source tree's at import."""

import importlib.util
import os
import shutil

import pytest

native = pytest.importorskip("nlcodec.native")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "_native")


def _build_module():
    spec = importlib.util.spec_from_file_location("nlc_build", os.path.join(SRC, "build.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_this_build_is_of_these_sources():
    assert native.lib.NLC_SOURCE_ID == _build_module().source_id(SRC)
    assert not native._stale_build()


def test_changed_sources_make_the_build_stale(tmp_path):
    for name in ("nlcodec_core.h", "nlcodec_core.c"):
        shutil.copy(os.path.join(SRC, name), tmp_path / name)
    assert not native._stale_build(str(tmp_path))
    with open(tmp_path / "nlcodec_core.c", "a") as f:
        f.write("/* changed */\n")
    assert native._stale_build(str(tmp_path))


def test_an_installed_copy_without_sources_is_not_checked(tmp_path):
    assert not native._stale_build(str(tmp_path / "absent"))
