"""The C compiler as an oracle: what the installed UAPI headers say, read by
gcc, never by us.  One helper for every test that asks (numbers of enums and
macros, sizeof/offsetof of structs, which names a header defines)."""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc")

PRELUDE = "#include <stdio.h>\n#include <stddef.h>\n#include <sys/socket.h>\n" \
          "#include <linux/types.h>\n"


def _includes(headers):
    return "".join(f"#include <{h}>\n" for h in headers)


def run_c(headers, body, defines=(), cflags=()):
    """Compile ``body`` (the statements of main) against ``headers`` and
    return what the program prints.  ``defines``: -D options (e.g.
    ``["__KERNEL__"]`` to see a header's kernel-only enums); ``cflags``:
    more gcc options (``-I`` a kernel tree's include directory)."""
    src = PRELUDE + _includes(headers) + "int main(void) {\n" + body + "\nreturn 0; }\n"
    with tempfile.TemporaryDirectory() as d:
        c, exe = os.path.join(d, "t.c"), os.path.join(d, "t")
        with open(c, "w") as f:
            f.write(src)
        r = subprocess.run(["gcc", "-w", *(f"-D{x}" for x in defines), *cflags, "-o", exe, c],
                           capture_output=True, text=True)
        assert r.returncode == 0, f"compiling against {headers} failed:\n{r.stderr[:3000]}"
        return subprocess.run([exe], capture_output=True, text=True, check=True).stdout


def c_values(headers, exprs, defines=(), cflags=()):
    """{expr: value} of C integer expressions (enumerators, macros, sizeof,
    offsetof) as the compiler evaluates them with ``headers``."""
    exprs = list(exprs)
    if not exprs:
        return {}
    body = "\n".join(f'printf("%lld\\n", (long long)({e}));' for e in exprs)
    return dict(zip(exprs, map(int, run_c(headers, body, defines, cflags).split())))


def preprocess(headers, defines=()):
    """The headers after the preprocessor, macros kept (``gcc -E -dD``)."""
    src = "#include <sys/socket.h>\n#include <linux/types.h>\n" + _includes(headers)
    return subprocess.run(["gcc", "-E", "-dD", *(f"-D{x}" for x in defines), "-x", "c", "-"],
                          input=src, text=True, capture_output=True, check=True).stdout


def defined_names(headers, defines=()):
    """Identifiers the headers define, as enumerators or macros."""
    return set(re.findall(r"\b[A-Z][A-Z0-9_]+\b", preprocess(headers, defines)))


def c_bytes(headers, objects: dict) -> dict:
    """{key: bytes} of C objects as gcc lays them out: ``objects[key]`` declares a
    variable ``x`` (``"struct rtmsg x = {.rtm_family = AF_INET}"``; a designated
    initializer zeroes the members it does not name, as the kernel's and
    iproute2's request builders do)."""
    body = []
    for key, decl in objects.items():
        body.append(f'{{ {decl}; const unsigned char *p = (const void *)&x; printf("{key} ");'
                    f' for (size_t i = 0; i < sizeof x; i++) printf("%02x", p[i]);'
                    f' printf("\\n"); }}')
    out = run_c(headers, "\n".join(body))
    return {k: bytes.fromhex(h) for k, _, h in (line.partition(" ")
                                                 for line in out.splitlines())}
