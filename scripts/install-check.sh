#!/usr/bin/env bash
# install-check.sh: the install paths a user takes, each into a fresh virtual
# environment outside the checkout (CI runs it; ~10-20 min, most of it the two
# unit-test runs).
#   1. `python -m build`: the sdist, and the wheel built from that sdist
#   2. the wheel                                   -> smoke test, native backend
#   3. the sdist, no C compiler on PATH            -> one "C core not built" line, pure
#   4. the sdist, NLCODEC_BUILD_NATIVE=0           -> the same line, pure
#   5. the sdist on the oldest CPython requires-python allows and on the newest
#      one here (python3.N on PATH or under pyenv) -> native, then the unit tests
#      shipped in the sdist, run against the installed package
# Uses the checkout's .venv (scripts/setup.sh) for `build`.  Needs network
# access to PyPI (or a pip configured mirror) for the dependencies.
#   INSTALL_CHECK_TESTS=0   skip the unit-test runs of step 5 (smoke tests only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-$ROOT/.venv/bin/python}
T=$(mktemp -d /tmp/nlcodec-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1
step() { echo "install-check: $*" >&2; }
t0=$(date +%s)

step "building the sdist and the wheel"
"$PY" -m build -o "$T/dist" . >"$T/build.log" 2>&1 || { cat "$T/build.log"; exit 1; }
SDIST=$(ls "$T"/dist/nlcodec-*.tar.gz)
WHEEL=$(ls "$T"/dist/nlcodec-*.whl)
step "built $(basename "$SDIST") $(basename "$WHEEL")"
mkdir "$T/src" && tar -xzf "$SDIST" -C "$T/src" --strip-components=1
for f in LICENSE _native/build.py _native/nlcodec_core.c _native/nlcodec_core.h tests/conftest.py; do
  [ -e "$T/src/$f" ] || { step "FAIL: the sdist lacks $f"; exit 1; }
done
if unzip -l "$WHEEL" | grep -qE ' (tests|bench|_native)/'; then step "FAIL: the wheel carries non-package files"; exit 1; fi

# venv NAME PYTHON: a fresh environment; prints its python
venv() { "$2" -m venv "$T/$1" && echo "$T/$1/bin/python"; }
# the unpacked sdist without the package sources: tests import the install
mkdir "$T/run" && (cd "$T/src" && tar -cf - --exclude=./nlcodec --exclude=./specs .) | tar -xf - -C "$T/run"
smoke() { (cd "$T" && "$1" "$ROOT/scripts/smoke.py" "$2"); }

step "wheel -> fresh venv"
v=$(venv wheel "$PY")
"$v" -m pip install -q "$WHEEL"
smoke "$v" native

# a PATH on which no C compiler exists: every other tool of /usr/bin and /bin
nocc=$T/nocc-bin && mkdir "$nocc"
for d in /usr/local/bin /usr/bin /bin; do
  for f in "$d"/*; do
    case "${f##*/}" in
      *gcc*|cc|c89*|c99*|*g++*|c++|clang*|tcc|cpp*|*-ld|ld|ld.*) continue ;;
    esac
    [ -e "$nocc/${f##*/}" ] || ln -s "$f" "$nocc/${f##*/}"
  done
done
step "sdist, no C compiler on PATH -> fresh venv"
v=$(venv nocc "$PY")
PATH=$nocc "$v" -m pip install --no-cache-dir -v "$SDIST" >"$T/nocc.log" 2>&1 || { cat "$T/nocc.log"; exit 1; }
grep -m1 "nlcodec: C core not built" "$T/nocc.log" >&2 || { cat "$T/nocc.log"; step "FAIL: no 'C core not built' line"; exit 1; }
smoke "$v" pure

step "sdist, NLCODEC_BUILD_NATIVE=0 -> fresh venv"
v=$(venv nobuild "$PY")
NLCODEC_BUILD_NATIVE=0 "$v" -m pip install --no-cache-dir -v "$SDIST" >"$T/nobuild.log" 2>&1 || { cat "$T/nobuild.log"; exit 1; }
grep -m1 "nlcodec: C core not built (NLCODEC_BUILD_NATIVE=0)" "$T/nobuild.log" >&2 || { step "FAIL: no skip line"; exit 1; }
smoke "$v" pure

# the oldest CPython requires-python allows and the newest one installed
floor=$(sed -n 's/^requires-python = ">=3\.\([0-9]*\)".*/\1/p' pyproject.toml)
[ -n "$floor" ] || { step "FAIL: requires-python is not of the form >=3.N"; exit 1; }
find_py() {  # find_py MINOR: an absolute python3.MINOR, or nothing
  local p
  p=$(command -v "python3.$1" 2>/dev/null) && [ "$p" = "${p#*/shims/}" ] && { echo "$p"; return; }
  for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$1".*/bin/python3."$1"; do
    [ -x "$p" ] && echo "$p" && return
  done
  return 0
}
pys=()
oldest=$(find_py "$floor")
[ -n "$oldest" ] || { step "FAIL: no python3.$floor here (requires-python >=3.$floor is then untested)"; exit 1; }
pys+=("$oldest")
for ((m = 20; m > floor; m--)); do newest=$(find_py $m); [ -n "$newest" ] && { pys+=("$newest"); break; }; done
for p in "${pys[@]}"; do
  ver=$("$p" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  step "sdist on CPython $ver ($p) -> fresh venv, the sdist's unit tests"
  v=$(venv "py$ver" "$p")
  "$v" -m pip install --no-cache-dir -q "$SDIST[test,yaml]"
  smoke "$v" native
  if [ "${INSTALL_CHECK_TESTS:-1}" != 0 ]; then
    (cd "$T/run" && "$v" -m pytest -q -p no:cacheprovider -x tests) || { step "FAIL: unit tests on CPython $ver"; exit 1; }
  fi
done
step "all install paths passed in $(( $(date +%s) - t0 )) s"
