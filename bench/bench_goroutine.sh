#!/bin/sh
# bench_goroutine.sh: parse_goroutine_text throughput on a ~100 MB debug=2
# goroutine dump synthesised from the real dumps of the corpus
# (tests/data/corpus/goroutine-debug2/, see bench/bench_goroutine.c), rows
# grouped by stack as the loader does, best of SM_BENCH_RUNS runs (default
# 5); and the memory the parse adds on top of the dump itself (peak RSS),
# for the 100 MB dump and a 10 MB one: it must not grow with the number of
# goroutines (the dumps have the same distinct stacks).
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
SMALL=$((MIB / 10))
[ "$SMALL" -ge 1 ] || SMALL=1
RUNS=${SM_BENCH_RUNS:-5}
TARGET=200
CORPUS=$ROOT/tests/data/corpus/goroutine-debug2

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sm-bench-goroutine.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

prog=$BIN/bench_goroutine
if [ ! -x "$prog" ]; then
	prog=$tmp/bench_goroutine
	(cd "$ROOT" && ${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -Ilib -Ianalyze/parse \
		-o "$prog" bench/bench_goroutine.c analyze/parse/parse_goroutine.c \
		analyze/parse/rows.c lib/hashmap.c lib/lines.c lib/numparse.c lib/strbuf.c) || {
		echo "bench_goroutine: could not build $prog" >&2
		exit 1
	}
fi

# Each size in its own process: peak RSS is per process.
"$prog" -c "$CORPUS" "$MIB" "$RUNS" >"$tmp/big" && "$prog" -c "$CORPUS" "$SMALL" 1 >"$tmp/small" || {
	echo "bench_goroutine: $prog failed" >&2
	exit 1
}
awk -v target="$TARGET" '
	FNR == 1 { f++ }
	$1 == "templates" { tpl = $2; files = $4; skipped = $6 }
	$1 == "goroutines" { g[f] = $2; fr[f] = $4; st[f] = $6; b[f] = $8 }
	$1 == "best_mbps" && f == 1 { best = $2; med = $4 }
	$1 == "rss_before_kib" { before[f] = $2; after[f] = $4 }
	END {
		printf "dump: %.1f MB, %d goroutines, %d frames, %d distinct stacks, from %d goroutine blocks of %d corpus files (%d skipped: warnings or cut goroutines)\n", \
			b[1] / 1e6, g[1], fr[1], st[1], tpl, files, skipped
		printf "goroutine debug=2 parse (with grouping by stack): %d MB/s, median %d MB/s\n", best, med
		printf "target: parse >= %d MB/s: %s (%d MB/s)\n", target, (best >= target ? "MET" : "NOT MET"), best
		for (i = 1; i <= 2; i++)
			printf "peak RSS, %5.1f MB dump (%6d goroutines, %d stacks): %6.1f MiB; the parse added %.1f MiB\n", \
				b[i] / 1e6, g[i], st[i], after[i] / 1024, (after[i] - before[i]) / 1024
		add1 = (after[1] - before[1]) / 1024; add2 = (after[2] - before[2]) / 1024
		printf "target: memory bounded by distinct stacks, not goroutines: %s (added %.1f MiB at %dx the goroutines vs %.1f MiB)\n", \
			(add1 <= add2 + 1 ? "MET" : "NOT MET"), add1, (g[2] > 0 ? g[1] / g[2] : 0), add2
	}' "$tmp/big" "$tmp/small"
