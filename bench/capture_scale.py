"""Large captures, side by side with tshark, in one run (issue #23's figures).

    python3 bench/capture_scale.py [--size 1G] [--keep] [--no-tshark] [--json]

Builds a capture of about ``--size`` bytes under /tmp from real captured
messages (tests/data/link_dump.pcap: an rtnetlink getlink dump recorded from
the kernel, repeated) and measures, each as its own process:

- ``nlcodec decode --json --jobs 1``: wall and CPU seconds, peak RSS;
- ``nlcodec decode --json --jobs 2``: wall seconds, the speedup over serial,
  peak RSS of the parent and of each worker (VmHWM, polled from /proc);
- ``tshark -r FILE -T json``: wall and CPU seconds, peak RSS;
- ``--count`` (messages validated and counted, attributes not built), every
  message decoded but none formatted (``decode_pcap`` in a loop), and
  ``--match ifname=veth0 --json`` (decoded, a seventh formatted): the
  filter's cost beside decoding alone;

and prints the issue's targets beside the measured values.  Output goes to
/dev/null, as a pipe to another program would read it.  The machine's load
average is printed: on a shared machine wall-clock ratios move with it; CPU
seconds less so.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from nlcodec.pcap import read_records, write_pcap  # noqa: E402

SAMPLE = os.path.join(ROOT, "tests", "data", "link_dump.pcap")
DECODE_ONLY = ("import sys\nfrom nlcodec.capture import CaptureDecoder\n"
               "for m in CaptureDecoder().decode_pcap(sys.argv[1]):\n    m.attrs\n")


def parse_size(text):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().rstrip("B")
    if t and t[-1] in mult:
        return int(float(t[:-1]) * mult[t[-1]])
    return int(t)


def make_capture(path, size):
    recs = [(r.ts_ns, r.data) for r in read_records(SAMPLE)]
    per = sum(len(d) + 16 for _, d in recs)
    reps = max(1, size // per)

    def gen():
        for i in range(reps):
            for t, d in recs:
                yield t + i * 1_000_000, d
    write_pcap(path, gen())
    return reps * len(recs)


def _hwm(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def measure(cmd, env=None):
    """Run ``cmd`` with stdout to /dev/null: wall s, CPU s, peak RSS of the
    process (bytes) and of each of its children (polled)."""
    with open(os.devnull, "wb") as null:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE, env=env)
        peaks = {}
        stop = threading.Event()

        def poll():
            while not stop.is_set():
                for c in _children(p.pid):
                    h = _hwm(c)
                    if h:
                        peaks[c] = max(peaks.get(c, 0), h)
                stop.wait(0.2)
        th = threading.Thread(target=poll, daemon=True)
        th.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        stop.set()
        th.join()
        err = p.stderr.read().decode(errors="replace")
        p.stderr.close()
    if status != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {status}: {err[-500:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
            "peak_rss_mb": round(ru.ru_maxrss / 1024, 1),
            "worker_peak_rss_mb": sorted(round(v / 2**20, 1) for v in peaks.values())}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="256M", help="capture size (K, M, G; default 256M)")
    ap.add_argument("--input", help="use this capture instead of building one")
    ap.add_argument("--keep", action="store_true", help="keep the built capture")
    ap.add_argument("--no-tshark", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    nl = [sys.executable, "-m", "nlcodec", "decode"]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    tmp = None
    if a.input:
        path, messages = a.input, None
    else:
        tmp = tempfile.mkdtemp(prefix="nlcodec-scale-", dir="/tmp")
        path = os.path.join(tmp, "capture.pcap")
        messages = None
        make_capture(path, parse_size(a.size))
    try:
        size = os.path.getsize(path)
        rep = {"file": path, "bytes": size, "cpus": os.cpu_count(),
               "load_before": os.getloadavg()[0], "runs": {}}
        runs = rep["runs"]
        runs["serial_json"] = measure(nl + ["--json", "--jobs", "1", path], env)
        runs["jobs2_json"] = measure(nl + ["--json", "--jobs", "2", path], env)
        runs["count_only"] = measure(nl + ["--count", "--jobs", "1", path], env)
        # every message decoded (attributes built), none formatted: --match's reference
        runs["decode_only"] = measure([sys.executable, "-c", DECODE_ONLY, path], env)
        runs["match_json"] = measure(nl + ["--json", "--jobs", "1", "--match", "ifname=veth0",
                                           path], env)
        tshark = shutil.which("tshark")
        if tshark and not a.no_tshark:
            runs["tshark_json"] = measure([tshark, "-r", path, "-T", "json"])
        rep["load_after"] = os.getloadavg()[0]
        if messages is None:
            r = subprocess.run(nl + ["--count", "--json", "--jobs", "2", path],
                               capture_output=True, text=True, env=env, check=True)
            messages = sum(json.loads(x)["messages"] for x in r.stdout.splitlines())
        rep["messages"] = messages
        s, j = runs["serial_json"], runs["jobs2_json"]
        t = []
        t.append(("peak RSS serial, MB", "<=", 150, s["peak_rss_mb"]))
        t.append(("peak RSS per worker (--jobs 2), MB", "<=", 150,
                  max(j["worker_peak_rss_mb"] or [j["peak_rss_mb"]])))
        t.append(("peak RSS --jobs 2 parent, MB", "<=", 150, j["peak_rss_mb"]))
        if "tshark_json" in runs:
            ts = runs["tshark_json"]
            t.append(("serial JSON vs tshark -T json (wall)", ">=", 3.0,
                      round(ts["wall_s"] / s["wall_s"], 2)))
            t.append(("serial JSON vs tshark -T json (CPU)", ">=", 3.0,
                      round(ts["cpu_s"] / s["cpu_s"], 2)))
        t.append(("--jobs 2 vs serial (wall)", ">=", 1.7, round(s["wall_s"] / j["wall_s"], 2)))
        m, d = runs["match_json"], runs["decode_only"]
        t.append(("--match time / decoding all unformatted (wall)", "<=", 1.0,
                  round(m["wall_s"] / d["wall_s"], 2)))
        t.append(("--match time / decoding all unformatted (CPU)", "<=", 1.0,
                  round(m["cpu_s"] / d["cpu_s"], 2)))
        t.append(("--jobs 2 CPU / serial CPU (overhead; idle-machine speedup ~ 2 / this)",
                  "<=", 2 / 1.7, round(j["cpu_s"] / s["cpu_s"], 2)))
        rep["targets"] = [{"target": n, "op": op, "goal": g, "value": v,
                           "met": v >= g if op == ">=" else v <= g} for n, op, g, v in t]
        if a.json:
            print(json.dumps(rep, indent=1))
            return 0
        print(f"{path}: {size / 1e6:,.0f} MB, {messages:,} messages, {rep['cpus']} CPUs, "
              f"load {rep['load_before']:.1f} -> {rep['load_after']:.1f}")
        print(f"{'run':<14} {'wall s':>8} {'cpu s':>8} {'msgs/s':>10} {'MB/s':>7} "
              f"{'peak RSS MB':>12}  workers' peak RSS MB")
        for name, r in runs.items():
            print(f"{name:<14} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} "
                  f"{messages / r['wall_s']:>10,.0f} {size / 1e6 / r['wall_s']:>7.1f} "
                  f"{r['peak_rss_mb']:>12.1f}  {r['worker_peak_rss_mb'] or ''}")
        print()
        for x in rep["targets"]:
            print(f"{'met ' if x['met'] else 'MISS'}  {x['target']}: {x['value']} "
                  f"(target {x['op']} {x['goal']})")
    finally:
        if tmp and not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
