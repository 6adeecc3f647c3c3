"""Whole processes side by side, in one run: what a person at the shell waits
for.  ``nlcodec decode FILE`` of one hex message beside ``tshark -r -V`` on a
one-record pcap of the same message, ``nlcodec dump link --json`` beside
``ip -j link``, and a bare interpreter start as the floor (the commands are
nlcodec.benchmark.cli_runs', the ones ``nlcodec bench cli`` times).

Run: python3 -m pytest bench/test_bench_cli.py --benchmark-only
(one group per input; the median is the figure, the machine is shared)."""

import shutil
import subprocess

import pytest

from nlcodec import benchmark as nb


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return {(i, who): cmd for i, who, cmd in nb.cli_runs(str(tmp_path_factory.mktemp("cli")))}


CASES = [("python_start", "python"), ("hex_message", "nlcodec"), ("hex_message", "tshark"),
         ("dump_link", "nlcodec"), ("dump_link", "ip -j")]


@pytest.mark.parametrize("input,who", CASES, ids=[f"{i}-{w.split()[0]}" for i, w in CASES])
def test_whole_process(benchmark, runs, input, who):
    cmd = runs[(input, who)]
    if shutil.which(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} is not installed")
    benchmark.group = f"cli {input}"

    def run():
        r = subprocess.run(cmd, capture_output=True)
        assert r.returncode == 0, r.stderr
    benchmark.pedantic(run, rounds=7, warmup_rounds=1)
    benchmark.extra_info["messages"] = 1
