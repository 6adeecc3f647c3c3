"""smoke.py BACKEND: check an installed nlcodec (run outside the checkout).

BACKEND is the codec backend the install should have given: ``native`` (the
C core was built) or ``pure`` (it was not).  Checks the metadata a user's
tools read (version, licence file, ``py.typed``), the console script, and
one message decoded and re-encoded; the message is built here from UAPI
numbers, each cited, not from nlcodec.
"""

import importlib
import importlib.util
import importlib.metadata as md
import os
import pkgutil
import struct
import subprocess
import sys

import nlcodec

want = sys.argv[1]
here = os.path.dirname(os.path.abspath(nlcodec.__file__))
assert "site-packages" in here, f"nlcodec imported from {here}, not from the install"
assert nlcodec.backend() == want, f"backend {nlcodec.backend()}, expected {want}"

dist = md.distribution("nlcodec")
assert dist.version == nlcodec.__version__, (dist.version, nlcodec.__version__)
assert dist.metadata["License-Expression"] == "MIT", dist.metadata["License-Expression"]
assert any(str(f).endswith("licenses/LICENSE") for f in dist.files), "LICENSE not installed"
assert os.path.exists(os.path.join(here, "py.typed")), "py.typed not installed"

# every module imports (a package left out of pyproject's list would not)
# (but strategies: hypothesis; native: the C core, which a pure install lacks)
skip = {"nlcodec.strategies", "nlcodec._native_core", "nlcodec.__main__"}
if want == "pure":
    skip.add("nlcodec.native")
for mod in pkgutil.walk_packages(nlcodec.__path__, "nlcodec."):
    if mod.name not in skip:
        importlib.import_module(mod.name)
for sub in ("nlcodec.tc", "nlcodec.specs"):
    assert importlib.util.find_spec(sub), f"{sub} not installed"

# RTM_NEWLINK for "lo": RTM_NEWLINK = 16 (linux/rtnetlink.h), struct ifinfomsg
# (linux/rtnetlink.h: family u8, pad, type u16, index s32, flags u32, change
# u32) with ARPHRD_LOOPBACK = 772 (linux/if_arp.h) and IFF_UP|IFF_LOOPBACK|
# IFF_RUNNING = 0x1|0x8|0x40 (linux/if.h); IFLA_IFNAME = 3, IFLA_MTU = 4
# (linux/if_link.h); attributes are 4-byte aligned (linux/netlink.h NLA_ALIGN).
attrs = struct.pack("=HH3sx", 7, 3, b"lo") + struct.pack("=HHI", 8, 4, 65536)
body = struct.pack("=BxHiII", 0, 772, 1, 0x49, 0) + attrs
raw = struct.pack("=IHHII", 16 + len(body), 16, 0, 1, 0) + body
m = nlcodec.decode(raw, "route")[0]
assert m.type == "newlink", m.type
assert m.header["index"] == 1 and m.get("ifname") == "lo" and m.get("mtu") == 65536, m.to_dict()
assert m.encode() == raw, "re-encoding changed the bytes"

# the console script, reading the same message as a hex dump on stdin
out = subprocess.run(["nlcodec", "decode", "--hex", "--json", "-"], input=raw.hex(),
                     capture_output=True, text=True, timeout=60)
assert out.returncode == 0 and '"lo"' in out.stdout, (out.returncode, out.stdout, out.stderr)

# test-only helpers: a clear ImportError without hypothesis, usable with it
try:
    import hypothesis  # noqa: F401
except ImportError:
    try:
        import nlcodec.strategies  # noqa: F401
        raise AssertionError("nlcodec.strategies imported without hypothesis")
    except ImportError as e:
        assert "nlcodec[test]" in str(e), e
print(f"smoke: nlcodec {dist.version} ({nlcodec.backend()}) from {here}: ok")
