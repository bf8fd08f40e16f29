#!/bin/sh
# bench_pcap.sh: analyzer pcap ingest speed. bench/genpcap.c writes a
# headers-only capture of SM_BENCH_PCAP_MIB MiB (default 1024: about 13
# million packets, 600,000 realistic TCP conversations) under /tmp; we time
# `sockmortem load FILE` (decode, connection tracking, captures/tcp_conns/
# close_delays rows in SQLite) and `tshark -r FILE -q -z conv,tcp` on the
# same file, and print packets/s side by side. Target: >= 10x tshark.
#
# Run through `make bench`, or by hand (after a build):
#   SM_BENCH_PCAP_MIB=64 sh bench/bench_pcap.sh      # a quick run
# tshark is installed with apt-get when missing and we are root (it is not
# a test dependency). The capture and the database are deleted afterwards.
# Environment: SM_BENCH_PCAP_MIB (1024), SM_BENCH_BIN (build/rel/bench),
# SM_ANALYZE (bin/sockmortem), CC (cc).
# Exit status: 0 when measured (a missed target is printed, not an error);
# 1 when the benchmark could not be built or run.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SM_BENCH_BIN:-$ROOT/build/rel/bench}
SM=${SM_ANALYZE:-$ROOT/bin/sockmortem}
MIB=${SM_BENCH_PCAP_MIB:-1024}
TARGET=10

[ -x "$SM" ] || { echo "bench_pcap: $SM missing (make first)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sm-bench-pcap.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

gen=$BIN/genpcap
if [ ! -x "$gen" ]; then
	gen=$tmp/genpcap
	${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -o "$gen" "$ROOT/bench/genpcap.c" || {
		echo "bench_pcap: could not build $gen" >&2
		exit 1
	}
fi

if ! command -v tshark >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing tshark for the comparison (apt-get)..."
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tshark >"$tmp/apt.log" 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends tshark >"$tmp/apt.log" 2>&1; } ||
		echo "bench_pcap: could not install tshark (see apt-get), comparing nothing"
fi

now() { date +%s.%N; }
# calc EXPR: floating-point arithmetic without bc
calc() { awk "BEGIN { print $1 }"; }

"$gen" "$tmp/cap.pcap" "$MIB" >"$tmp/gen.out" || { echo "bench_pcap: genpcap failed" >&2; exit 1; }
read -r _ packets _ conns _ bytes <"$tmp/gen.out"
printf 'capture: %.0f MiB, %s packets, %s connections (headers only, Ethernet, 10%% IPv6)\n' \
	"$(calc "$bytes / 1048576")" "$packets" "$conns"

# Warm the page cache so both readers start equal.
cat "$tmp/cap.pcap" >/dev/null

t0=$(now)
"$SM" load -q "$tmp/cap.pcap" -o "$tmp/db" || { echo "bench_pcap: sockmortem load failed" >&2; exit 1; }
t1=$(now)
ours=$(calc "$t1 - $t0")
rows=$("$SM" query "$tmp/db" "SELECT count(*) FROM tcp_conns" --csv | tail -n 1)
rm -f "$tmp/db" "$tmp/db-wal" "$tmp/db-shm"
printf 'sockmortem load: %6.2f s  %10.0f packets/s  (%s connections in tcp_conns)\n' \
	"$ours" "$(calc "$packets / $ours")" "$rows"

if command -v tshark >/dev/null 2>&1; then
	t0=$(now)
	tshark -r "$tmp/cap.pcap" -q -z conv,tcp >"$tmp/tshark.out" 2>"$tmp/tshark.err" ||
		{ echo "bench_pcap: tshark failed: $(tail -n 3 "$tmp/tshark.err")" >&2; exit 1; }
	t1=$(now)
	theirs=$(calc "$t1 - $t0")
	printf 'tshark conv,tcp: %6.2f s  %10.0f packets/s  (%s conversations)\n' \
		"$theirs" "$(calc "$packets / $theirs")" "$(grep -c '<->' "$tmp/tshark.out")"
	ratio=$(calc "$theirs / $ours")
	met=$(calc "($ratio >= $TARGET) ? 1 : 0")
	printf 'sockmortem is %.1fx faster than tshark (target >= %dx) %s\n' "$ratio" "$TARGET" \
		"$([ "$met" = 1 ] && echo met || echo MISSED)"
else
	echo "tshark not available: no comparison (target >= ${TARGET}x tshark not checked)"
fi
exit 0
