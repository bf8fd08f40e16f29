#!/bin/sh
# bench_goroutine.sh: parse_goroutine_text throughput on a generated ~100 MB
# debug=2 goroutine dump (bench/bench_goroutine.c: realistic net/http leak
# stacks, distinct ids), best of SM_BENCH_RUNS runs (default 5), and the
# memory the parse adds on top of the dump itself (peak RSS).
#
# Run through `make bench`, or by hand from anywhere:
#   sh bench/bench_goroutine.sh
# Uses build/rel/bench/bench_goroutine when `make bench` built it, else
# compiles bench/bench_goroutine.c with the parser sources into a temp dir.
# Environment: SM_BENCH_GOROUTINE_MIB (100), SM_BENCH_RUNS (5),
# SM_BENCH_BIN (build/rel/bench), CC (cc).
# Exit status: 0 when measured (a missed target is printed, not an error);
# 1 when the benchmark could not be built or run.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SM_BENCH_BIN:-$ROOT/build/rel/bench}
MIB=${SM_BENCH_GOROUTINE_MIB:-100}
RUNS=${SM_BENCH_RUNS:-5}
TARGET=200

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sm-bench-goroutine.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

prog=$BIN/bench_goroutine
if [ ! -x "$prog" ]; then
	prog=$tmp/bench_goroutine
	(cd "$ROOT" && ${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Ilib -Ianalyze/parse \
		-o "$prog" bench/bench_goroutine.c analyze/parse/parse_goroutine.c \
		analyze/parse/rows.c lib/lines.c lib/numparse.c lib/strbuf.c) || {
		echo "bench_goroutine: could not build $prog" >&2
		exit 1
	}
fi

"$prog" "$MIB" "$RUNS" >"$tmp/out" || {
	echo "bench_goroutine: $prog failed" >&2
	exit 1
}
awk -v target="$TARGET" '
	$1 == "goroutines" { g = $2; f = $4; b = $6 }
	$1 == "best_mbps" { best = $2; med = $4 }
	$1 == "rss_before_kib" { before = $2; after = $4 }
	END {
		printf "dump: %.1f MB, %d goroutines, %d frames\n", b / 1e6, g, f
		printf "goroutine debug=2 parse: %d MB/s (target >= %d MB/s) %s; median %d MB/s\n", \
			best, target, (best >= target ? "met" : "MISSED"), med
		printf "peak memory: %.1f MiB RSS with the %.1f MiB dump loaded; the parse added %.1f MiB\n", \
			after / 1024, b / 1048576, (after - before) / 1024
	}' "$tmp/out"
