#!/usr/bin/env bash
# Fuzz the C core with libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/fuzz.sh [SECONDS]      default 60 (CI); e.g. 3600 on demand
# A crash stops the run with a non-zero status and leaves build/fuzz/crash-*;
# add it to the regression corpus with
#   python3 _native/fuzz/prepare.py build/fuzz --import build/fuzz/crash-XXXX
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
OUT=build/fuzz
CLANG=$(command -v clang || command -v clang-14 || true)
if [ -z "$CLANG" ]; then
  echo "fuzz: clang is missing (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
rm -rf "$OUT/corpus"
mkdir -p "$OUT"
python3 _native/fuzz/prepare.py "$OUT"
"$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I_native _native/nlcodec_core.c "$OUT/tables.c" _native/fuzz/fuzz_decode.c \
  -o "$OUT/fuzz_decode"
set +e
"$OUT/fuzz_decode" -max_total_time="$SECS" -print_final_stats=1 -rss_limit_mb=1024 \
  -max_len=4096 -artifact_prefix="$OUT/" "$OUT/corpus" > "$OUT/log" 2>&1
rc=$?
set -e
grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#.*DONE|ERROR|SUMMARY" "$OUT/log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/log")
echo "fuzz: ${execs:-0} executions in ${SECS}s, exit status $rc, $(ls _native/fuzz/regress | wc -l) regression inputs"
if [ $rc -ne 0 ]; then
  tail -40 "$OUT/log" >&2
  echo "fuzz: FAILED (see $OUT/log; crash inputs: $(ls $OUT/crash-* $OUT/leak-* $OUT/timeout-* 2>/dev/null | tr '\n' ' '))" >&2
fi
exit $rc
