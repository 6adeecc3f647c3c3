#!/usr/bin/env bash
# The README's first command (`make demo`): decode the bundled nlmon capture,
# then list this machine's live links, both with the installed `nlcodec` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

echo "== nlcodec decode tests/data/link_dump.pcap   (an nlmon capture of 'ip link show')"
"$PY" -m nlcodec decode tests/data/link_dump.pcap | head -n 60
echo "   ... ($("$PY" -m nlcodec decode --json tests/data/link_dump.pcap | wc -l) messages in all)"
echo
echo "== nlcodec dump link   (this machine's links, live over rtnetlink)"
"$PY" -m nlcodec dump link --json | "$PY" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    a, h = m["attrs"], m["header"]
    kind = (a.get("linkinfo") or {}).get("kind", "")
    print(f"{h.get(\"index\", \"?\"):>4}  {a.get(\"ifname\", \"?\"):<16} mtu {a.get(\"mtu\", \"?\"):<6} "
          f"{a.get(\"address\", \"\"):<18} {a.get(\"operstate\", \"\")!s:<4} {kind}")
'
echo
echo "Try: nlcodec --help, nlcodec spec rt_link link_attrs, nlcodec decode --hex FILE"
