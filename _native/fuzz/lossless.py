"""Replay a fuzzing corpus through both Python backends: the lossless property.

  lossless.py OUTDIR [SECONDS]   the inputs of OUTDIR/corpus (as scripts/fuzz.sh
                                left it: the seeds and what libFuzzer added),
                                all of them or as many as SECONDS allow

The C harness (fuzz_decode.c) checks decode -> encode == input where the C
encoder takes the decoded form itself (kernel=0: the set decoder and each
message of the stream decoder; the C encoder has no kernel-variant mode).
This covers the rest:
every input, as the attribute stream of its set (with and without
kernel=True) and as a message stream (rtnetlink and generic netlink, plain,
lazy and kernel=True), on the native and the pure backend.  Whatever decodes
must encode to the same bytes, and both backends must agree (the same value,
or both DecodeError).  Prints one line; exits 1 with the first failures.
"""

import os
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)

import nlcodec  # noqa: E402
from nlcodec import DecodeError, backends, pure  # noqa: E402
from nlcodec.message import encode_stream  # noqa: E402

import prepare  # noqa: E402

BACKENDS = ("native", "pure")


COUNT = {"decodes": 0}


def _attrs(cs, data, kernel):
    """Failures of one input as an attribute stream of its set."""
    got, fails = {}, []
    for be in BACKENDS:
        nlcodec.use_backend(be)
        b = backends.active()
        try:
            d = b.decode_attrs(cs, data, 0, len(data), "", kernel)
            d = d if type(d) is dict else d.load()
        except DecodeError:
            got[be] = "DecodeError"
            continue
        except Exception as e:      # noqa: BLE001 - anything else is a finding
            fails.append(f"{be} decode_attrs({cs.name}, kernel={kernel}) raised "
                         f"{type(e).__name__}: {e}: {data.hex()}")
            continue
        got[be] = d
        COUNT["decodes"] += 1
        try:
            if kernel:
                with pure.kernel_encoding():
                    again = b.encode_set(cs, d, cs.name)
            else:
                again = b.encode_set(cs, d, cs.name)
        except Exception as e:      # noqa: BLE001
            again = f"{type(e).__name__}: {e}"
        if again != data:
            fails.append(f"{be} {cs.name} kernel={kernel}: not lossless "
                         f"({again if isinstance(again, str) else again.hex()}): {data.hex()}")
    if len(got) == 2 and got["native"] != got["pure"]:
        fails.append(f"{cs.name} kernel={kernel}: native != pure: {data.hex()}")
    return fails


def _stream(proto, fams, data):
    fails = []
    for kw in ({}, {"lazy": True}, {"kernel": True}):
        seen = {}
        for be in BACKENDS:
            nlcodec.use_backend(be)
            try:
                msgs = nlcodec.decode(data, proto, families=fams, **kw)
                seen[be] = [m.to_dict() for m in msgs]
            except DecodeError:
                seen[be] = "DecodeError"
                continue
            except Exception as e:  # noqa: BLE001
                fails.append(f"{be} decode({proto}, {kw}) raised {type(e).__name__}: {e}: "
                             f"{data.hex()}")
                continue
            COUNT["decodes"] += 1
            try:
                again = encode_stream(msgs)
            except Exception as e:  # noqa: BLE001
                fails.append(f"{be} {proto} {kw}: encode raised {type(e).__name__}: {e}: "
                             f"{data.hex()}")
                continue
            # byte for byte; zero padding after the last message is the
            # stream's, not the message's (netlink_rcv_skb reads the same)
            if again != data and not (data.startswith(again) and not any(data[len(again):])
                                      and len(data) - len(again) <= -len(again) % 4):
                fails.append(f"{be} {proto} {kw}: not lossless "
                             f"({again.hex()}): {data.hex()}")
        if len(seen) == 2 and seen["native"] != seen["pure"]:
            fails.append(f"{proto} {kw}: native != pure: {data.hex()}")
    return fails


def main(argv):
    out = argv[1]
    stop = time.monotonic() + float(argv[2]) if len(argv) > 2 else None
    warnings.simplefilter("ignore")
    # the same tables, in the same order, as prepare.py wrote for the harness
    named, tables = prepare.all_sets()
    genl = {16 + i: name for i, name in enumerate(
        sorted(n for n, fam in nlcodec.families().items() if fam.protocol == "generic"))}
    from nlcodec import native
    native.stream_rows(tables, "route", {})
    native.stream_rows(tables, "generic", genl)
    sets = tables._sets
    corpus = os.path.join(out, "corpus")
    fails, n, decoded = [], 0, 0
    old = nlcodec.backend()
    try:
        for fn in sorted(os.listdir(corpus)):       # file names are hashes: any order
            if stop is not None and time.monotonic() > stop:
                break
            data = open(os.path.join(corpus, fn), "rb").read()
            if len(data) < 2:
                continue
            sel = int.from_bytes(data[:2], "little")
            payload = data[2:]
            cs = sets[(sel & 0x7FFF) % len(sets)]
            n += 1
            for kernel in (False, True):
                fails += _attrs(cs, payload, kernel)
            for proto, fams in (("route", None), ("generic", genl)):
                fails += _stream(proto, fams, payload)
    finally:
        nlcodec.use_backend(old)
    total = len(os.listdir(corpus))
    print(f"lossless replay: {n} of {total} corpus inputs, each as its set's attributes (kernel "
          f"False/True) and as route and generic message streams (plain, lazy, kernel), on "
          f"{' and '.join(BACKENDS)}: {COUNT['decodes']} decodes, {len(fails)} failures")
    for f in fails[:10]:
        print(f"  {f[:600]}")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
