#!/usr/bin/env bash
# valgrind memcheck over the native test subset: any invalid read or write,
# use of uninitialised memory, or a leak definitely lost inside the C core
# fails the run.  CPython's own allocations are out of scope (PYTHONMALLOC=malloc
# makes them visible to valgrind; only blocks allocated from the core count).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind: not installed" >&2; exit 2; }
LOG=build/valgrind.log
mkdir -p build
PY=$(python3 -c 'import sys; print(sys.executable)')   # the real binary, not a pyenv shim
set +e
PYTHONMALLOC=malloc NLCODEC_BACKEND=native NLCODEC_DIFF_EXAMPLES=${NLCODEC_DIFF_EXAMPLES:-5} \
valgrind --tool=memcheck --error-exitcode=3 --leak-check=full --show-leak-kinds=definite \
  --errors-for-leak-kinds=definite --log-file="$LOG" \
  "$PY" -m pytest -q -p no:cacheprovider tests/test_codec_core.py tests/test_fuzz_regressions.py \
  tests/test_differential.py -k "not random_bytes" "$@"
rc=$?
# Count only reports with the C core on their stack: CPython and glibc have
# their own known memcheck noise (e.g. AVX2 wmemcmp over-reads, GC reads).
python3 - "$LOG" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
core = re.compile(r"nlc_|dec_set|group_set|dec_layout|dec_value|dec_nest|dec_indexed|"
                  r"dec_typevalue|dec_submsg|dec_int|wgrow|wstr|whex|wtext|reftab_fit|"
                  r"find_selector|string_text|utf8_ok|nlcodec_core")
bad = []
for block in re.split(r"\n==\d+== \n", text):
    head = block.strip().splitlines()[0] if block.strip() else ""
    if re.search(r"Invalid|uninitialised|definitely lost|Mismatched|overlap", head) \
            and core.search(block):
        bad.append(block)
errors = len(re.findall(r"== (Invalid|Conditional|Use of uninit)", text))
print(f"valgrind: {errors} memcheck reports in all, {len(bad)} from the C core")
for b in bad[:5]:
    print(b)
sys.exit(1 if bad else 0)
PY
filtered=$?
# 3 is valgrind's own "there were reports" status, judged by the filter above
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then exit $rc; fi
exit $filtered
