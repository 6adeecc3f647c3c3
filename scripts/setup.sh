#!/usr/bin/env bash
# Set up a fresh machine for nlcodec: system packages, then a virtual
# environment inside the checkout (.venv) holding the package (editable,
# which compiles the C core with cffi) and its test and developer tools.
# pip only ever runs inside that environment, so a system python that PEP 668
# marks externally managed (Debian 12's /usr/bin/python3) is never written to.
# Idempotent: a second run only checks.
#
#   PYTHON=/path/to/python3   the interpreter the environment is made from
#                             (default: python3 on PATH)
#   NLCODEC_VENV=DIR          where the environment lives (default: .venv)
#
# Arguments, if any, are make targets run in the environment once it is set
# up: `bash scripts/setup.sh demo` and `bash scripts/setup.sh test` are the
# README's two commands.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv                  # the environment (Debian's venv needs python3-venv)
  gcc make python3-dev linux-libc-dev   # the C core; UAPI headers for the conformance test
  linux-headers-amd64                   # unsanitized kernel headers: OVS kernel-internal numbers
  iproute2 kmod                         # ip/tc for the live tests
  tshark tcpdump xxd bsdextrautils strace gdb  # real tools whose output the tests read
  conntrack                             # conntrack-tools: the truth for the ctnetlink tests
  clang libclang-rt-14-dev valgrind     # fuzzing the C core with sanitizers; memcheck
  git                                   # CI clones the checkout it tests
)

need=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages ${need[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

VENV=${NLCODEC_VENV:-.venv}
VPY=$VENV/bin/python
if ! "$VPY" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)' 2>/dev/null; then
  BASE=${PYTHON:-python3}
  echo "setup: creating the virtual environment $VENV from $("$BASE" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  rm -rf "$VENV"
  if ! "$BASE" -m venv "$VENV"; then
    # Debian splits venv/ensurepip per version (python3.X-venv); python3-venv
    # above covers the default python3 only
    echo "setup: '$BASE -m venv' failed; on Debian/Ubuntu install python3-venv" \
         "(or python$("$BASE" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv)" >&2
    exit 1
  fi
fi

if ! "$VPY" -c "import nlcodec, nlcodec._native_core, hypothesis, pytest_benchmark, yaml, build, mypy" 2>/dev/null \
   || ! "$VPY" -c "import nlcodec, os, sys; p = os.path.realpath; sys.exit(p(os.path.dirname(nlcodec.__file__)) != p('nlcodec'))" 2>/dev/null \
   || [ _native/nlcodec_core.c -nt "$(ls nlcodec/_native_core*.so 2>/dev/null | head -1)" ] \
   || [ _native/nlcodec_core.h -nt "$(ls nlcodec/_native_core*.so 2>/dev/null | head -1)" ]; then
  echo "setup: installing nlcodec into $VENV (editable, builds the C core)"
  "$VPY" -m pip install -q --disable-pip-version-check -e ".[test,yaml,dev]"
fi
"$VPY" -c "import nlcodec; print('setup: nlcodec', nlcodec.__version__, 'backend', nlcodec.backend(), 'in', '$VENV')"
if [ $# -gt 0 ]; then
  exec make --no-print-directory "$@"
fi
