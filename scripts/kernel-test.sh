#!/usr/bin/env bash
# kernel-test.sh [PYTEST ARGS...]: the real-kernel tier.  Boots Debian's stock
# kernel with scripts/kernel-lab (sets the lab up on first use), loads the
# modules the tier needs, runs `python3 -m pytest -q tests/kernel` inside the
# guest and exits with pytest's status (124/125/126: timeout, boot failure,
# host setup failure, as kernel-lab reports them).
# Results come back through the writable checkout: build/kernel-test/junit.xml
# and build/kernel-test/pytest.log (the output is also streamed).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=build/kernel-test
mkdir -p "$OUT" && rm -f "$OUT/junit.xml" "$OUT/pytest.log"
# an absolute interpreter: a pyenv shim costs seconds per start under TCG
PY=$(${PYTHON:-python3} -c 'import sys; print(sys.executable)') || { echo "kernel-test: no python3" >&2; exit 126; }
# the guest mounts fresh tmpfs on /tmp, /run and /dev/shm: an environment
# living there (a CI virtualenv in /tmp) is shared into the guest explicitly
PREFIX=$("$PY" -c 'import sys; print(sys.prefix)')
case "$PREFIX" in
  /tmp/*|/run/*|/dev/shm/*) export KL_RW="${KL_RW:+$KL_RW:}$PREFIX" ;;
esac
# psample never autoloads; the rest would, but loading them up front keeps
# the first test of each kind from paying for it and fails loudly if one is gone
MODULES="openvswitch psample cls_flower cls_matchall sch_ingress act_gact act_mirred act_gate \
act_sample act_vlan act_tunnel_key act_pedit act_csum act_skbedit act_ct act_police \
act_mpls act_nat act_ctinfo act_connmark act_ife act_meta_mark nlmon dummy veth vxlan geneve \
bridge"
# byte code for the package and the tests, compiled here (the host's disk is
# fast; a guest writing it over the 9p share is not): PYTHONDONTWRITEBYTECODE
# in a developer's or CI's environment would leave every guest process to
# compile its imports again (tests/kernel/ktutil.py local_package copies it)
"$PY" -m compileall -q -j 0 nlcodec specs tests >/dev/null || echo "kernel-test: WARNING: compileall failed" >&2
T0=$(date +%s)
KL_ENV="${KL_ENV:-} NLCODEC_KT_MODULES" NLCODEC_KT_MODULES=$MODULES \
scripts/kernel-lab bash -c '
  modprobe -a $NLCODEC_KT_MODULES || echo "kernel-test: WARNING: modprobe -a failed (tests needing those modules will fail)" >&2
  "$0" -m pytest -q -p no:cacheprovider --junitxml='"$OUT"'/junit.xml tests/kernel "$@" 2>&1 \
    | tee '"$OUT"'/pytest.log
  exit ${PIPESTATUS[0]}' "$PY" "$@"
rc=$?
echo "kernel-test: tier finished in $(( $(date +%s) - T0 )) s, status $rc" >&2
exit $rc
