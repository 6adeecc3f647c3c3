"""The layers of nlcodec (docs/architecture.md) hold: every module imports
only from its own layer or the layers below it, and only the tools import the
``nlcodec`` package facade.  Read from the source with ast (imports inside
functions count too: a lazy import is still a dependency)."""

import ast
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "nlcodec")

# lowest first; a module (or package) belongs to exactly one layer
LAYERS = [
    ("leaves", {"errors", "spec", "values", "netns", "nla", "forksafe"}),
    ("compile", {"structs", "tables", "registry"}),
    ("codec", {"pure", "native", "backends", "message", "_native_core"}),
    ("io", {"ack", "request", "genl", "bulk", "socket", "aio", "testing", "template", "pcap", "hexdump", "capture",
            "capture_jobs", "capture_select", "ynl"}),
    ("text", {"show", "tc", "ovs", "packet", "dumps", "names"}),
    ("tools", {"cli", "cli_decode", "cli_dumps", "cli_psample", "cli_tcbatch", "benchmark",
               "bench_template", "tc_capture", "strategies", "__main__", "__init__", "ops",
               "cli_spec"}),
]
LEVEL = {m: i for i, (_, mods) in enumerate(LAYERS) for m in mods}
TOOLS = len(LAYERS) - 1


def modules():
    for dirpath, _, files in os.walk(PKG):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, PKG)[:-3].replace(os.sep, ".")
                yield rel, path


def top(name):
    return name.split(".")[0]


def imports(rel, path):
    """The nlcodec modules ``rel`` imports (their top-level names), and
    whether it imports the package facade itself."""
    tree = ast.parse(open(path).read(), path)
    pkg_parts = rel.split(".")[:-1]          # the subpackage a module lives in
    out, facade = set(), False
    for n in ast.walk(tree):
        if isinstance(n, ast.ImportFrom):
            if n.level:
                base = pkg_parts[:len(pkg_parts) - (n.level - 1)] if n.level > 1 else pkg_parts
                if base:                     # inside a subpackage: relative to it
                    out.add(base[0])
                    continue
                if n.module:
                    out.add(top(n.module))
                else:
                    out.update(top(a.name) for a in n.names)
            elif n.module == "nlcodec":
                out.update(top(a.name) for a in n.names)
            elif n.module and n.module.startswith("nlcodec."):
                out.add(n.module.split(".")[1])
        elif isinstance(n, ast.Import):
            for a in n.names:
                if a.name == "nlcodec":
                    facade = True
                elif a.name.startswith("nlcodec."):
                    out.add(a.name.split(".")[1])
    return out, facade


ALL = sorted(modules())


def test_every_module_has_a_layer():
    missing = sorted({top(rel) for rel, _ in ALL} - set(LEVEL))
    assert not missing, (f"modules without a layer: {missing}; add them to LAYERS here and to "
                         f"docs/architecture.md")


@pytest.mark.parametrize("rel, path", ALL, ids=[r for r, _ in ALL])
def test_imports_go_down(rel, path):
    me = LEVEL.get(top(rel))
    if me is None:
        pytest.skip("no layer (reported by test_every_module_has_a_layer)")
    deps, facade = imports(rel, path)
    assert not facade or me == TOOLS, f"{rel} imports the nlcodec facade; only tools may"
    up = sorted(d for d in deps - {top(rel)} if LEVEL.get(d, -1) > me)
    assert not up, (f"{rel} ({LAYERS[me][0]}) imports from higher layers: "
                    + ", ".join(f"{d} ({LAYERS[LEVEL[d]][0]})" for d in up))
