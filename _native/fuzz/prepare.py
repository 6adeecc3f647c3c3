"""Prepare a fuzzing run of the C core (used by scripts/fuzz.sh).

  prepare.py OUTDIR                 tables.c, sets.txt and a seed corpus in OUTDIR
  prepare.py OUTDIR --import FILE   add a crashing input to the regression corpus

Seeds: valid attribute trees drawn from every spec (hypothesis strategies),
and the regression corpus (_native/fuzz/regress/, replayed by
tests/test_fuzz_regressions.py), each prefixed with its set index; and real
message streams (the bench fixtures' link and route dumps, sample flower, OVS
and psample messages), which the harness also runs through the whole-stream
decoder with the rtnetlink and generic netlink message tables.
Regression files are named ``family.set[.kernel]-<sha>.bin`` and hold the
attribute stream only, so they stay valid when set indexes change.
"""

import hashlib
import os
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

import nlcodec  # noqa: E402
from nlcodec import native, pure  # noqa: E402
from nlcodec.errors import EncodeError  # noqa: E402
from nlcodec.registry import compiled  # noqa: E402

REGRESS = os.path.join(HERE, "regress")
SEEDS_PER_SET = int(os.environ.get("NLCODEC_FUZZ_SEEDS", "4"))


def all_sets():
    """(qualified name, CSet) of every attribute set, and Tables holding them."""
    tables = native.Tables()
    named = []
    for fname, fam in sorted(nlcodec.families().items()):
        cf = compiled(fam)
        for sname in sorted(fam.attrsets):
            cs = cf.sets[sname]
            tables.index(cs)
            named.append((f"{fname}.{sname}", cs))
    return named, tables


def message_streams(genl):
    """Real message streams, a few messages per input (inputs stay small)."""
    from nlcodec import benchmark
    root = os.path.dirname(os.path.dirname(HERE))
    for fixture in ("link_dump.bin", "route_dump.bin"):
        path = os.path.join(root, "bench", "fixtures", fixture)
        if not os.path.exists(path):
            continue
        raw = open(path, "rb").read()
        msgs = nlcodec.decode(raw, "route")
        off, chunk = 0, []
        for m in msgs[:64]:
            chunk.append(raw[off:off + m.length])
            off += (m.length + 3) & ~3
            if len(chunk) == 2:
                yield b"".join(c + bytes(-len(c) % 4) for c in chunk)
                chunk = []
    ids = {name: fid for fid, name in genl.items()}
    for name, (proto, ty, msg, _, _) in benchmark.SAMPLES.items():
        kw = dict(msg)
        if proto != "route":
            kw["family_id"] = ids[proto]
        yield nlcodec.encode(proto, ty, **kw)


def main(argv):
    out = argv[1]
    named, tables = all_sets()
    os.makedirs(os.path.join(out, "corpus"), exist_ok=True)
    index = {q: tables.set_ix[id(cs)] for q, cs in named}
    if len(argv) > 3 and argv[2] == "--import":
        data = open(argv[3], "rb").read()
        sel = int.from_bytes(data[:2], "little")
        ix = (sel & 0x7FFF) % len(tables._sets)
        q = next((q for q, i in index.items() if i == ix), None)
        if q is None:
            sys.exit(f"set index {ix} is a nested set not named in sets.txt; "
                     f"add it by hand")
        name = f"{q}{'.kernel' if sel >> 15 else ''}-{hashlib.sha1(data).hexdigest()[:10]}.bin"
        with open(os.path.join(REGRESS, name), "wb") as f:
            f.write(data[2:])
        print(f"added {name}")
        return
    # the stream decoder's message tables index more sets: build them first
    genl = {16 + i: name for i, name in enumerate(
        sorted(n for n, fam in nlcodec.families().items() if fam.protocol == "generic"))}
    route = native.stream_rows(tables, "route", {})
    generic = native.stream_rows(tables, "generic", genl)
    with open(os.path.join(out, "tables.c"), "w") as f:
        f.write(native.c_tables_source(tables))
        f.write(native.c_stream_source(route[0], route[1], "fuzz_route"))
        f.write(native.c_stream_source(generic[0], generic[1], "fuzz_genl"))
    with open(os.path.join(out, "sets.txt"), "w") as f:
        for q, i in sorted(index.items(), key=lambda x: x[1]):
            f.write(f"{i} {q}\n")
    n = 0

    def seed(ix, kernel, payload):
        nonlocal n
        data = (ix | (0x8000 if kernel else 0)).to_bytes(2, "little") + payload
        name = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, "corpus", name), "wb") as f:
            f.write(data)
        n += 1

    from nlcodec.strategies import attrs_for
    warnings.simplefilter("ignore")
    for q, cs in named:
        strat = attrs_for(cs)
        for _ in range(SEEDS_PER_SET):
            try:
                seed(index[q], False, pure.encode_set(cs, strat.example(), cs.name))
            except EncodeError:
                pass
    for data in message_streams(genl):
        seed(0, False, data)
    for fn in sorted(os.listdir(REGRESS)) if os.path.isdir(REGRESS) else ():
        q = fn.rsplit("-", 1)[0]
        kernel = q.endswith(".kernel")
        q = q[:-7] if kernel else q
        if q in index:
            seed(index[q], kernel, open(os.path.join(REGRESS, fn), "rb").read())
    print(f"prepare: {len(index)} sets, {len(tables._attrs)} attributes, {n} seed inputs")


if __name__ == "__main__":
    main(sys.argv)
