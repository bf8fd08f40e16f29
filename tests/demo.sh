#!/bin/sh
# make demo: the root-cause report on a real incident, recorded in the lab
# and shipped in the repo (tests/data/demo/, see record.sh there): nginx in
# front of a Go service that deadlocked on a sync.RWMutex. Prints the text
# report and writes the Markdown and HTML ones. SM_DEMO_LIVE=1 also records
# a few seconds of this host. Run from the repository root after `make`
# (SM_BIN: where the programs are, default bin).
set -eu
bin=${SM_BIN:-bin}
demo=tests/data/demo/rwmutex-deadlock.tar.zst
out=$(mktemp -d /tmp/sockmortem-demo.XXXXXX)
echo "== the bundle: $demo ($(wc -c <"$demo") bytes, a plain tar.zst) =="
echo "   $(tar --zstd -tf "$demo" | wc -l) members: manifest, 18 snapshots of /proc, goroutine dumps, packet headers"
echo
echo "== sockmortem report $demo =="
"$bin/sockmortem" report "$demo"
"$bin/sockmortem" report "$demo" --format md -o "$out/report.md"
"$bin/sockmortem" report "$demo" --format html -o "$out/report.html"
echo
echo "== the same as Markdown for a ticket and as one HTML page with charts =="
echo "   $out/report.md"
echo "   file://$out/report.html"
if [ "${SM_DEMO_LIVE:-0}" = 1 ]; then
	echo
	echo "== recording 3 snapshots of this host, 1 s apart =="
	"$bin/sockmortem-collect" -o "$out/host.tar.zst" -i 1 -n 3 -q
	"$bin/sockmortem" report "$out/host.tar.zst"
fi
