#!/bin/sh
# make demo: record a few seconds of this host into a bundle and show what
# it holds. Run from the repository root after `make`.
set -eu
out=$(mktemp -d /tmp/sockmortem-demo.XXXXXX)
bundle="$out/demo.tar.zst"
echo "== recording 3 snapshots of this host, 1 s apart (with ss and lsof) =="
bin/sockmortem-collect -o "$bundle" -i 1 -n 3 --with-tools --tools-every 3
echo
echo "== the bundle is a plain tar.zst: tar --zstd -tvf $bundle | head =="
tar --zstd -tvf "$bundle" | head -n 12
echo "   ... $(tar --zstd -tf "$bundle" | wc -l) members in all"
echo
echo "== manifest.json (host facts, written first) =="
tar --zstd -xOf "$bundle" manifest.json | head -c 900; echo " ..."
echo
echo "== snapshot 3: what was recorded, how long each step took =="
tar --zstd -xOf "$bundle" snap/000003/meta.json | head -c 1200; echo " ..."
echo
echo "== TCP sockets on this host in snapshot 3 (verbatim /proc/net/tcp) =="
tar --zstd -xOf "$bundle" --wildcards 'snap/000003/net/*/tcp' | head -n 8
if [ -x bin/sockmortem ]; then
	echo
	echo "== sockmortem info $bundle =="
	bin/sockmortem info "$bundle"
fi
echo
echo "bundle kept at $bundle"
