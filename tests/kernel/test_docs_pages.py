"""The docs' examples that need kernel modules this host lacks (cls_flower,
act_gact, openvswitch): each page with a block marked
``<!-- not-run: ... the QEMU tier ... -->`` runs here whole, those blocks
included, with their ``output`` blocks checked (tests/test_docs.py runs the
rest on the host)."""

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("docs_runner", os.path.join(ROOT, "tests",
                                                                            "test_docs.py"))
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)

PAGES = [p for p in docs.pages()
         if any(r and "QEMU tier" in r for _, _, r in docs.blocks(docs.page_text(p)))]


def test_some_page_has_qemu_tier_blocks():
    assert PAGES


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_with_kernel_modules(page, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert docs.run_page(page, qemu_tier=True) > 0
