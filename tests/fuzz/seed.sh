#!/bin/sh
# seed.sh OUTDIR [COLLECTOR]: assembles the seed corpus of every fuzz target
# in OUTDIR/NAME/ from what the repository already holds, so that nothing is
# copied into tests/fuzz/ twice:
#   - tests/data/corpus/ (real-world samples), files over 64 KiB cut to 32 KiB
#     (a cut sample is a fine seed, and big seeds slow every mutation);
#   - tests/fuzz/seeds/NAME/ (small hand-made inputs: the unit tests' cases
#     and formats the corpus lacks);
#   - this host's own /proc files (tables, status, limits, stat);
#   - archives built here from the above (tar, tar.gz, tar.zst, zip) and,
#     given COLLECTOR (a sockmortem-collect binary), a one-snapshot bundle
#     and its plain tar.
# Idempotent; never fails for a missing optional tool.
set -u
out=${1:?usage: seed.sh OUTDIR [COLLECTOR]}
collector=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=$root/tests/data/corpus
mkdir -p "$out"

# put NAME FILE [AS]: one seed, cut when large.
put() {
	d="$out/$1"; mkdir -p "$d"
	f=$2; as=${3:-$(basename "$f")}
	[ -r "$f" ] || return 0
	size=$(wc -c <"$f" 2>/dev/null || echo 0)
	if [ "$size" -gt 65536 ]; then head -c 32768 "$f" >"$d/$as"; else cat "$f" >"$d/$as"; fi 2>/dev/null
	[ -s "$d/$as" ] || rm -f "$d/$as"
}
# putdir NAME DIR: every file of DIR.
putdir() {
	[ -d "$2" ] || return 0
	for f in "$2"/*; do [ -f "$f" ] && put "$1" "$f"; done
}

for n in procnet counters procpid lsof ss netstat goroutine goroutine_debug1 log_unwrap pprof pcap manifest archive bundle redact; do
	mkdir -p "$out/$n"
	putdir "$n" "$here/seeds/$n"
done

putdir procnet "$corpus/procnet"
for t in tcp tcp6 udp udp6 raw raw6 unix netlink packet; do put procnet "/proc/net/$t" "live-$t"; done
for f in "$corpus"/procnet/*sockstat* "$corpus"/procnet/*netstat* "$corpus"/procnet/*snmp*; do put counters "$f"; done
for t in sockstat sockstat6 netstat snmp; do put counters "/proc/net/$t" "live-$t"; done
for t in status limits stat cmdline; do put procpid "/proc/self/$t" "live-$t"; put procpid "/proc/1/$t" "live-1-$t"; done
putdir lsof "$corpus/lsof"
putdir ss "$corpus/ss"
putdir netstat "$corpus/netstat"
putdir goroutine "$corpus/goroutine-debug2"
putdir goroutine_debug1 "$corpus/goroutine-debug1"
# Go traces as log collectors keep them: journalctl, docker logs -t, CRI,
# docker's json-file.
for f in "$corpus"/goroutine-debug2/panicparse-snippet-Created.txt "$corpus"/goroutine-debug2/gostackparse-lockedm.txt; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	sed 's/^/Nov 24 10:00:00 web-1 gateway[1466]: /' "$f" >"$out/log_unwrap/journal-$b"
	sed 's/^/2026-11-24T10:00:00.123456789Z /' "$f" >"$out/log_unwrap/docker-$b"
	sed 's/^/2026-11-24T10:00:00.123456789Z stderr F /' "$f" >"$out/log_unwrap/cri-$b"
	awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t")
	       printf "{\"log\":\"%s\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:00Z\"}\n", $0 }' \
		"$f" >"$out/log_unwrap/json-$b"
done
putdir pprof "$corpus/pprof-proto"
# The raw protobuf path too: the same profiles, decompressed.
for f in "$corpus"/pprof-proto/*.gz "$corpus"/pprof-proto/*.pprof; do
	[ -f "$f" ] && gzip -dc "$f" >"$out/pprof/raw-$(basename "$f").pb" 2>/dev/null || rm -f "$out/pprof/raw-$(basename "$f").pb"
done
putdir pcap "$corpus/pcap"

# The redactor reads all of these kinds: a few of each.
for f in "$out"/procnet/live-tcp "$out"/procnet/live-tcp6 "$corpus"/procnet/jc-proc-net-tcp6 \
	 "$here"/seeds/procpid/cmdline "$corpus"/ss/jc-ubuntu18.04-ss-tulpen-sudo.out \
	 "$corpus"/netstat/jc-windows10-netstat-aon.out "$corpus"/pcap/zeek-tcp-single-rst.pcap \
	 "$corpus"/pcap/zeek-ftp-ipv6-violation.pcap "$corpus"/pcap/tcpdump-tcp_rst_data-trunc.pcap; do
	put redact "$f"
done

# Archives of loose captures, in every container the reader knows.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sm-seed.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/loose/sub"
cp "$out/procnet/live-tcp" "$tmp/loose/tcp" 2>/dev/null
head -c 4096 "$corpus/ss/jc-ubuntu18.04-ss-a-sudo.out" >"$tmp/loose/ss.txt" 2>/dev/null
head -c 4096 "$corpus/lsof/jc-ubuntu18.04-lsof-sudo.out" >"$tmp/loose/sub/lsof.txt" 2>/dev/null
cp "$corpus/goroutine-debug2/panicparse-snippet-Created.txt" "$tmp/loose/sub/goroutines.txt" 2>/dev/null
(cd "$tmp/loose" && tar -cf "$tmp/loose.tar" .) 2>/dev/null
for n in archive bundle; do
	[ -s "$tmp/loose.tar" ] || break
	cp "$tmp/loose.tar" "$out/$n/loose.tar"
	gzip -c "$tmp/loose.tar" >"$out/$n/loose.tar.gz" 2>/dev/null
	zstd -q -c "$tmp/loose.tar" >"$out/$n/loose.tar.zst" 2>/dev/null || rm -f "$out/$n/loose.tar.zst"
	(cd "$tmp/loose" && command -v zip >/dev/null 2>&1 && zip -qr "$out/$n/loose.zip" .) 2>/dev/null
done
# Loose files go to the bundle target too: load detects their format.
for f in "$out"/procnet/live-tcp "$out"/counters/live-sockstat "$corpus"/ss/issue-toolkits-pkg-2-ss-s-centos8.txt \
	 "$corpus"/goroutine-debug1/holmes-channelblock-go1.14.txt "$corpus"/pcap/zeek-tcp-single-rst.pcap; do
	put bundle "$f"
done

# A real bundle: one snapshot of this shell, and the same as a plain tar,
# whose members the fuzzer can mutate without breaking zstd.
if [ -n "$collector" ] && [ -x "$collector" ]; then
	if "$collector" -o "$tmp/b.tar.zst" -n 1 -p $$ --no-sync -q >/dev/null 2>&1; then
		for n in archive bundle; do
			cp "$tmp/b.tar.zst" "$out/$n/bundle.tar.zst"
			zstd -q -dc "$tmp/b.tar.zst" >"$out/$n/bundle.tar" 2>/dev/null || rm -f "$out/$n/bundle.tar"
		done
		mkdir -p "$tmp/x"
		(cd "$tmp/x" && zstd -q -dc "$tmp/b.tar.zst" | tar -xf - manifest.json) 2>/dev/null &&
			cp "$tmp/x/manifest.json" "$out/manifest/live-manifest.json"
	fi
fi
exit 0
