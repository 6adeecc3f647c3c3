#!/usr/bin/env bash
# Fuzz the C core with libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer.
#   scripts/fuzz.sh [SECONDS]      default 60 (CI); e.g. 3600 on demand
# Three parts, each bounded by SECONDS:
#   1. libFuzzer on the C core (_native/fuzz/fuzz_decode.c): no crash, no
#      over-read, well-formed output, validation == decoding, and decode ->
#      encode == input wherever the C encoder takes the decoded form (the
#      set decoder and every message of the stream decoder, kernel=0);
#   2. the C core built with ASan+UBSan as Python loads it (build/fuzz/asan),
#      and a concurrent cold start on it: fresh processes whose threads wait
#      at a barrier, then decode the link dump and every attribute set at
#      once (scripts/stress.py's cold scenario), for SECONDS/2;
#   3. the corpus libFuzzer left replayed through both Python backends,
#      every decode mode: whatever decodes encodes to the same bytes and
#      native == pure (_native/fuzz/lossless.py), for at most SECONDS.
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

# 2. ASan+UBSan build of the C core as the extension Python imports (CFLAGS and
# LDFLAGS reach the cffi build), in a copy of the package; libasan preloaded
ASAN="$OUT/asan"
rm -rf "$ASAN"
mkdir -p "$ASAN"
cp -r nlcodec specs _native "$ASAN/"
rm -f "$ASAN"/nlcodec/_native_core*.so
(cd "$ASAN" && CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
   LDFLAGS="-fsanitize=address,undefined" python3 _native/build.py > build.log 2>&1) \
  || { tail -20 "$ASAN/build.log" >&2; echo "fuzz: the ASan build failed" >&2; exit 2; }
set +e
LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 NLCODEC_STRESS_ROOT="$PWD/$ASAN" \
  python3 scripts/stress.py --only cold --budget "$((SECS / 2 > 10 ? SECS / 2 : 10))" > "$OUT/cold.log" 2>&1
crc=$?
set -e
sed 's/^/  /' "$OUT/cold.log"
echo "fuzz: concurrent cold start on the ASan+UBSan build, exit status $crc"

# 3. the corpus through both Python backends: the lossless property
set +e
python3 _native/fuzz/lossless.py "$OUT" "$SECS" > "$OUT/lossless.log" 2>&1
lrc=$?
set -e
cat "$OUT/lossless.log"
if [ $rc -eq 0 ] && { [ $crc -ne 0 ] || [ $lrc -ne 0 ]; }; then
  rc=1
  echo "fuzz: FAILED (cold start: $OUT/cold.log, lossless replay: $OUT/lossless.log)" >&2
fi
exit $rc
