"""The user documentation runs: every ```python block of docs/*.md, and the
README's quick start, executed in order, one namespace per page, from the
checkout's root (pages read tests/data/ files).

A block followed by an ```output block must print exactly that.  A block
preceded by ``<!-- not-run: REASON -->`` is skipped here; REASON is required.
When it names "the QEMU tier" (kernel modules this host lacks), the kernel
tier runs the page with that block (tests/kernel/test_docs_pages.py).  A page whose first line is ``<!-- needs-root -->`` makes network
namespaces and is skipped for other users.
"""

import contextlib
import io
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
NOT_RUN = re.compile(r"<!--\s*not-run:\s*(.*?)\s*-->\s*$")


def blocks(text):
    """(language, code, not-run reason or None) of each fenced block."""
    out = []
    for m in FENCE.finditer(text):
        before = text[:m.start()].rstrip().rsplit("\n", 1)[-1]
        nr = NOT_RUN.search(before)
        out.append((m.group(1), m.group(2), nr.group(1) if nr else None))
    return out


def pages():
    out = [os.path.join("docs", f) for f in sorted(os.listdir(DOCS))
           if f.endswith(".md") and f != "README.md"]      # README.md: the index
    return out + ["README.md#quick-start"]


def page_text(page):
    path, _, section = page.partition("#")
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    if section:      # one "## " section of the README
        m = re.search(r"^## Quick start\n(.*?)(?=^## |\Z)", text, re.S | re.M)
        assert m, "README.md has no '## Quick start' section"
        text = m.group(1)
    return text


def run_page(page, qemu_tier=False):
    """Run a page's blocks; ``qemu_tier``: also those whose not-run reason
    names the QEMU tier (tests/kernel/test_docs_pages.py, in the guest)."""
    text = page_text(page)
    code_blocks = blocks(text)
    ns = {"__name__": f"docs:{page}"}
    ran = 0
    for i, (lang, code, reason) in enumerate(code_blocks):
        if lang != "python":
            continue
        if reason is not None:
            assert reason, f"{page}: block {i} is marked not-run without a reason"
            if not (qemu_tier and "QEMU tier" in reason):
                continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"{page} (block {i})", "exec"), ns)
        ran += 1
        nxt = code_blocks[i + 1] if i + 1 < len(code_blocks) else None
        if nxt and nxt[0] == "output":
            assert out.getvalue().rstrip() == nxt[1].rstrip(), \
                f"{page}: block {i} printed\n{out.getvalue()}"
    return ran


@pytest.mark.parametrize("page", pages())
def test_page_runs(page, monkeypatch, restore_registry):      # conftest.py
    text = page_text(page)
    if text.startswith("<!-- needs-root -->") and os.geteuid() != 0:
        pytest.skip("the page makes network namespaces (needs root)")
    monkeypatch.chdir(ROOT)
    assert run_page(page) > 0, f"{page} has no python block that runs"


def test_every_page_is_linked_from_the_index():
    with open(os.path.join(DOCS, "README.md")) as f:
        index = f.read()
    for f in os.listdir(DOCS):
        if f.endswith(".md") and f != "README.md":
            assert f"({f})" in index, f"docs/README.md does not link {f}"


def test_block_parser():
    text = ("a\n```python\nx = 1\n```\n```output\n1\n```\n"
            "<!-- not-run: needs openvswitch -->\n```python\ny\n```\n")
    assert blocks(text) == [("python", "x = 1\n", None), ("output", "1\n", None),
                            ("python", "y\n", "needs openvswitch")]
