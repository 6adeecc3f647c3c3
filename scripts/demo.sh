#!/usr/bin/env bash
# The README's first command (`make demo`): decode the bundled nlmon capture,
# then list this machine's live links, both with the installed `nlcodec` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

echo "== nlcodec decode tests/data/link_dump.pcap   (the link dump 'ip link show' asks for, as nlmon would capture it)"
"$PY" -m nlcodec decode tests/data/link_dump.pcap | head -n 60
echo "   ... ($("$PY" -m nlcodec decode --json tests/data/link_dump.pcap | wc -l) messages in all)"
echo
echo "== nlcodec dump link   (this machine's links, live over rtnetlink)"
"$PY" -m nlcodec dump link --json | "$PY" -c '
import json, sys
import nlcodec
oper = nlcodec.family("rt_link").enum("oper_state")     # IF_OPER_* names from the spec
for line in sys.stdin:
    m = json.loads(line)
    a, h = m["attrs"], m["header"]
    kind = (a.get("linkinfo") or {}).get("kind", "")
    state = oper.name_of(a["operstate"]) if "operstate" in a else ""
    row = (h.get("index", "?"), a.get("ifname", "?"), a.get("mtu", "?"), a.get("address", ""),
           state, kind)
    print("%4s  %-16s mtu %-6s %-18s %-8s %s" % row)
'
echo
echo "Try: nlcodec --help, nlcodec spec rt_link link_attrs, nlcodec decode --hex FILE"
