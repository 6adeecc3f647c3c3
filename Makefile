# nlcodec developer entry points.  `make demo` and `make test` are the two
# commands the README opens with; both set a fresh machine up first.
PY ?= python3

.PHONY: setup demo test test-pure test-native bench kernel-test fuzz clean

setup:
	bash scripts/setup.sh

# the main job: decode a bundled capture, then list this machine's links
demo: setup
	bash scripts/demo.sh

test: setup
	$(PY) -m pytest -q tests

# one backend only (the default run covers both where it matters)
test-pure: setup
	NLCODEC_BACKEND=pure $(PY) -m pytest -q tests
test-native: setup
	NLCODEC_BACKEND=native $(PY) -m pytest -q tests

# pytest-benchmark (both backends and the references) and `nlcodec bench all`,
# each saved as JSON; compare two runs with `nlcodec bench --compare OLD NEW`
bench: setup
	$(PY) -m pytest -q bench --benchmark-only --benchmark-json=bench/results.json
	$(PY) -m nlcodec bench all --output bench/nlcodec-bench.json

# the real-kernel tier: Debian's stock kernel under QEMU (scripts/kernel-lab),
# tests/kernel run inside the guest; exits with pytest's status
kernel-test: setup
	bash scripts/kernel-test.sh

clean:
	rm -rf build *.egg-info nlcodec/_native_core*.so nlcodec/_native_core.c .pytest_cache
