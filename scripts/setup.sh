#!/usr/bin/env bash
# Set up a fresh machine for nlcodec: system packages, then the package itself
# (editable, which compiles the C core with cffi) with its test dependencies.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  gcc make python3-dev linux-libc-dev   # the C core; UAPI headers for the conformance test
  iproute2 kmod                         # ip/tc for the live tests
  tshark tcpdump xxd bsdextrautils strace gdb  # real tools whose output the tests read
  clang libclang-rt-14-dev valgrind     # fuzzing the C core with sanitizers; memcheck
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

PY=${PYTHON:-python3}
if ! "$PY" -c "import nlcodec, nlcodec._native_core, hypothesis, pytest_benchmark" 2>/dev/null \
   || [ _native/nlcodec_core.c -nt "$(ls nlcodec/_native_core*.so 2>/dev/null | head -1)" ]; then
  echo "setup: installing nlcodec (editable, builds the C core)"
  "$PY" -m pip install -q --disable-pip-version-check -e ".[test,yaml]"
fi
"$PY" -c "import nlcodec; print('setup: nlcodec', nlcodec.__version__, 'backend', nlcodec.backend())"
