# nlcodec developer entry points.  `make demo` and `make test` (the README's
# set-up) first run scripts/setup.sh, which makes the virtual environment
# .venv inside the checkout; every target runs in it.
# PY=python3 (or any interpreter that already has nlcodec's dependencies)
# runs a target with that interpreter instead, skipping the set-up.
VENV ?= .venv
PY ?= $(VENV)/bin/python
SETUP = $(if $(filter $(VENV)/bin/python,$(PY)),setup,)

.PHONY: setup demo test test-pure test-native typecheck dist bench kernel-test clean

setup:
	NLCODEC_VENV=$(VENV) bash scripts/setup.sh

# the main job: decode a bundled capture, then list this machine's links
demo: $(SETUP)
	PYTHON=$(PY) bash scripts/demo.sh

test: $(SETUP)
	$(PY) -m pytest -q tests

# one backend only (the default run covers both where it matters)
test-pure: $(SETUP)
	NLCODEC_BACKEND=pure $(PY) -m pytest -q tests
test-native: $(SETUP)
	NLCODEC_BACKEND=native $(PY) -m pytest -q tests

# mypy over the public modules' type hints (the files listed in pyproject.toml)
typecheck: $(SETUP)
	$(PY) -m mypy

# the sdist and the wheel, in dist/
dist: $(SETUP)
	$(PY) -m build -o dist .

# pytest-benchmark (both backends and the references) and `nlcodec bench all`,
# each saved as JSON; compare two runs with `nlcodec bench --compare OLD NEW`
bench: $(SETUP)
	$(PY) -m pytest -q bench --benchmark-only --benchmark-json=bench/results.json
	$(PY) -m nlcodec bench all --output bench/nlcodec-bench.json

# the real-kernel tier: Debian's stock kernel under QEMU (scripts/kernel-lab),
# tests/kernel run inside the guest (the checkout, .venv included, is shared
# into it); exits with pytest's status
kernel-test: $(SETUP)
	PYTHON=$(PY) bash scripts/kernel-test.sh

clean:
	rm -rf build dist *.egg-info nlcodec/_native_core*.so nlcodec/_native_core.c .pytest_cache
