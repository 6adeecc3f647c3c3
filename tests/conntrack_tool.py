"""conntrack-tools as the outside truth for ctnetlink tests: run `conntrack`
in a network namespace and read its `-o extended,id` lines, and compare
them field by field with what nlcodec decodes.

The line format is conntrack-tools' (src/conntrack.c, libnetfilter_conntrack
src/conntrack/snprintf_default.c: __snprintf_conntrack_default):
``L3NAME L3NUM L4NAME L4NUM TIMEOUT [STATE] src= dst= sport= dport=
[packets= bytes=] [UNREPLIED] src= ... [ASSURED] [OFFLOAD] mark= [zone=]
[labels=] [delta-time=] use= id=``; the first tuple is the original
direction, the second the reply.
"""

import re
import subprocess
import time



def status_word(names):
    """The one word libnetfilter_conntrack prints for these IPS_* bits
    (src/conntrack/snprintf_default.c, __snprintf_status_assured):
    [HW_OFFLOAD], else [OFFLOAD], else [ASSURED], else nothing."""
    for bit, word in (("hw_offload", "HW_OFFLOAD"), ("offload", "OFFLOAD"),
                      ("assured", "ASSURED")):
        if bit in names:
            return word
    return None


def run(ns, *args, check=True):
    cmd = (["ip", "netns", "exec", ns] if ns else []) + ["conntrack", *args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    return r


def parse_line(line):
    """One `-o extended,id` line -> {"l3", "l4", "timeout", "state", "orig",
    "reply", "flags", and the independent key=value fields}."""
    words = line.split()
    if words and words[0].startswith("[") and words[0] != "[UNREPLIED]":
        words = words[1:]                 # an event's [NEW]/[UPDATE]/[DESTROY]
    e = {"l3name": words[0], "l3": int(words[1]), "l4name": words[2], "l4": int(words[3])}
    rest = words[4:]
    if rest and rest[0].isdigit():
        e["timeout"] = int(rest.pop(0))
    if rest and "=" not in rest[0] and not rest[0].startswith("["):
        e["state"] = rest.pop(0)
    tuples, cur, flags, indep = [], None, [], {}
    for w in rest:
        if w.startswith("[") and w.endswith("]"):
            flags.append(w[1:-1])
            continue
        k, _, v = w.partition("=")
        if k == "src":
            cur = {}
            tuples.append(cur)
        in_tuple = k in ("src", "dst", "sport", "dport", "type", "code", "packets", "bytes") or (
            k == "id" and cur is not None and "code" in cur and "id" not in cur)
        if in_tuple and cur is not None:
            cur[k] = v
        else:
            indep[k] = v
            cur = None
    e["orig"], e["reply"] = tuples[0], tuples[1]
    e["flags"] = flags
    e.update(indep)
    return e


def entries(ns, *args):
    out = run(ns, "-L", "-o", "extended,id", *args).stdout
    return {int(e["id"]): e for e in map(parse_line, out.splitlines()) if e}


class Compared:
    """Counts the fields compared (reported by the tests)."""
    n = 0


def _eq(what, ours, theirs):
    assert ours == theirs, f"{what}: nlcodec {ours!r}, conntrack {theirs!r}"
    Compared.n += 1


def _ip(tuple_ip):
    return tuple_ip.get("ip_v4_src") or tuple_ip.get("ip_v6_src"), \
        tuple_ip.get("ip_v4_dst") or tuple_ip.get("ip_v6_dst")


def compare(m, e, *, now=None, timeout_slack=3, labelmap=None):
    """Every field conntrack printed for entry ``e`` equals the decoded
    message ``m`` (a Message, or its to_dict()/`nlcodec ... --json` form);
    returns how many were compared."""
    from nlcodec import family
    before = Compared.n
    d = m if isinstance(m, dict) else m.to_dict()
    a = d["attrs"]
    cid = a["id"]
    _eq(f"{cid}.l3", d["header"]["nfgen_family"], e["l3"])
    status = family("conntrack").enum("ip_conntrack_status")
    names = set(status.describe(a["status"]).split(","))
    for direction, counters in (("orig", "counters_orig"), ("reply", "counters_reply")):
        t, want = a["tuple_" + direction], e[direction]
        src, dst = _ip(t["tuple_ip"])
        _eq(f"{cid}.{direction}.src", src, want["src"])
        _eq(f"{cid}.{direction}.dst", dst, want["dst"])
        p = t["tuple_proto"]
        _eq(f"{cid}.{direction}.l4", p["proto_num"], e["l4"])
        for k, ours in (("sport", "proto_src_port"), ("dport", "proto_dst_port")):
            if k in want:
                _eq(f"{cid}.{direction}.{k}", p[ours], int(want[k]))
        v6 = "v6" if e["l4name"] == "icmpv6" else ""
        for k in ("type", "code", "id"):
            if k in want:
                _eq(f"{cid}.{direction}.{k}", p[f"proto_icmp{v6}_{k}"], int(want[k]))
        for k in ("packets", "bytes"):
            if k in want:
                _eq(f"{cid}.{direction}.{k}", a[counters][k], int(want[k]))
    if "timeout" in e:
        assert abs(a["timeout"] - e["timeout"]) <= timeout_slack, (a["timeout"], e["timeout"])
        Compared.n += 1
    if "state" in e:
        tcp = family("conntrack").enum("tcp_conntrack")
        _eq(f"{cid}.state", tcp.name_of(a["protoinfo"]["protoinfo_tcp"]["tcp_state"]).upper(),
            e["state"])
    _eq(f"{cid}.unreplied", "seen_reply" not in names, "UNREPLIED" in e["flags"])
    printed = [w for w in e["flags"] if w in ("HW_OFFLOAD", "OFFLOAD", "ASSURED")]
    _eq(f"{cid}.status", status_word(names), printed[0] if printed else None)
    # a dump line always has mark= and use=; an event line what the event carried
    if "mark" in e or "mark" in a:
        _eq(f"{cid}.mark", a.get("mark", 0), int(e.get("mark", 0)))
    _eq(f"{cid}.zone", a.get("zone"), int(e["zone"]) if "zone" in e else None)
    if "use" in e or "use" in a:
        _eq(f"{cid}.use", a.get("use"), int(e["use"]) if "use" in e else None)
    if "id" in e:
        _eq(f"{cid}.id", cid, int(e["id"]))
    if "delta-time" in e:
        # conntrack prints now - CTA_TIMESTAMP start, in seconds
        start = a["timestamp"]["start"] / 1e9
        assert abs((now or time.time()) - start - int(e["delta-time"])) <= timeout_slack
        Compared.n += 1
    if "labels" in e or "labels" in a and labelmap:
        # CTA_LABELS: the kernel's bitmap (unsigned longs, little-endian
        # here), named by conntrack through the label map
        bits = int.from_bytes(bytes.fromhex(a.get("labels", "")), "little")
        ours = sorted(labelmap[b] for b in range(128) if bits >> b & 1 and b in labelmap)
        _eq(f"{cid}.labels", ours, sorted(e["labels"].split(",")) if "labels" in e else [])
    return Compared.n - before


def parse_events(text):
    """`conntrack -E -o extended,id` output -> [(event, entry)]."""
    out = []
    for line in text.splitlines():
        m = re.match(r"\s*\[(NEW|UPDATE|DESTROY)\]\s+(.*)", line)
        if m:
            out.append((m.group(1), parse_line(m.group(2))))
    return out
