#!/bin/sh
# bench_ingest.sh: how fast `sockmortem load` ingests a bundle, and how big
# the database is, next to the plain way of putting the same rows into
# SQLite (bench/naive_insert.c: the analyzer's own archive reader and
# /proc/net/tcp parser, one prepared INSERT per socket per snapshot, one
# transaction, no index), on this machine, in one run.
#
# The scene (bench/genbundle.c, the real bundle format): a 1-hour bundle at
# a 5 s interval (720 snapshots) of a host with 10,000 steady TCP
# connections and a leak adding 1 socket per second (5 per snapshot, in
# CLOSE_WAIT, held by the gateway process's fds). The target scene also
# replaces 1% of the client connections per snapshot (half of them leave a
# TIME_WAIT for 60 s), as a real host does; the same scene without churn is
# measured for information.
#
# Each command is timed with bench/cputime (wait4: CPU = user + sys); the
# database is removed before each load run. Rates are socket rows (all the
# rows of every /proc/net/tcp member) per second. The targets (issue 3):
#   - ingest rate at least 1/2 of the naive insert loop's (same rows, same
#     machine), on CPU time; the loop's insert-only rate (no reading or
#     parsing) is printed beside it;
#   - the database at least 20x smaller than the naive one;
#   - the load under 10 s.
# Then the loaded database is checked against what genbundle says it wrote
# (snapshots, tcp identities, CLOSE_WAIT sockets at the end, no warnings).
#
# Run through `make bench`, or by hand: sh bench/bench_ingest.sh
# Environment: SM_BENCH_BIN (build/rel/bench), SM_ANALYZE (bin/sockmortem),
# SM_BENCH_INGEST_RUNS (1), SM_BENCH_INGEST_SCENES ("churn steady"),
# SM_BENCH_INGEST_SNAPSHOTS (720), SM_BENCH_INGEST_STEADY (10000).
# Exit status: 0 when measured (a missed target is printed, not an error);
# 1 when something could not be built, run or checked.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SM_BENCH_BIN:-$ROOT/build/rel/bench}
ANALYZE=${SM_ANALYZE:-$ROOT/bin/sockmortem}
RUNS=${SM_BENCH_INGEST_RUNS:-1}
SCENES=${SM_BENCH_INGEST_SCENES:-"churn steady"}
SNAPS=${SM_BENCH_INGEST_SNAPSHOTS:-720}
STEADY=${SM_BENCH_INGEST_STEADY:-10000}

for f in "$BIN/genbundle" "$BIN/naive_insert" "$BIN/cputime" "$ANALYZE"; do
	if [ ! -x "$f" ]; then
		echo "bench_ingest: $f is missing: run 'make bench'" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sm-bench-ingest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# busy_s: CPU seconds the whole host has been busy since boot (all cpus).
busy_s() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# field NAME LINE: the value of NAME=VALUE in LINE.
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# q DB SQL: one value.
q() {
	"$ANALYZE" query "$1" "$2" --csv | tail -n 1
}

echo "sockmortem load vs a plain SQLite insert loop; runs per figure: $RUNS (medians); CPU = user+sys (wait4)"
echo "sqlite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
status=0
for scene in $SCENES; do
	case $scene in
	churn) gen_opts="-c 1 -w 50"; tag="target" ;;
	steady) gen_opts="-c 0"; tag="info" ;;
	*) echo "bench_ingest: unknown scene '$scene' (churn, steady)" >&2; exit 1 ;;
	esac
	bundle="$tmp/$scene.tar.zst"
	db="$tmp/$scene.db"
	# shellcheck disable=SC2086 # options split on purpose
	"$BIN/genbundle" -o "$bundle" -f -s "$STEADY" -n "$SNAPS" -i 5 -l 5 $gen_opts >"$tmp/gen.out" || {
		echo "bench_ingest: genbundle failed" >&2
		exit 1
	}
	expect=$(grep '^expect ' "$tmp/gen.out")
	rows=$(field tcp_rows "$expect")
	echo
	echo "=== scene '$scene' ($tag) ==="
	grep -v '^expect ' "$tmp/gen.out" | fold -s -w 100
	echo "bundle: $(wc -c <"$bundle") bytes, $rows tcp socket rows over $(field snapshots "$expect") snapshots," \
	     "$(field tcp_identities "$expect") distinct tcp sockets"

	b0=$(busy_s)
	w0=$(date +%s.%N)
	load=$("$BIN/cputime" -r "$RUNS" -- sh -c 'rm -f "$1" "$1-wal" "$1-shm" "$1-journal"; exec "$2" load -q -o "$1" "$3"' \
		sh "$db" "$ANALYZE" "$bundle")
	naive=$("$BIN/cputime" -r "$RUNS" -o "$tmp/naive.out" -- "$BIN/naive_insert" "$bundle" "$tmp/naive.db")
	w1=$(date +%s.%N)
	b1=$(busy_s)
	# shellcheck disable=SC2086
	set -- $load
	l_wall=$1 l_cpu=$2 l_st=$5
	# shellcheck disable=SC2086
	set -- $naive
	n_wall=$1 n_cpu=$2 n_st=$5
	if [ "$l_st" != 0 ] || [ "$n_st" != 0 ]; then
		echo "bench_ingest: load exit $l_st, naive_insert exit $n_st" >&2
		exit 1
	fi
	nline=$(grep '^naive ' "$tmp/naive.out")
	n_rows=$(field rows "$nline")
	n_ins=$(awk -v a="$(field insert_cpu_s "$nline")" -v b="$(field commit_cpu_s "$nline")" 'BEGIN { print a + b }')
	n_bytes=$(wc -c <"$tmp/naive.db")
	l_bytes=$(wc -c <"$db")
	for side in "$db-wal" "$db-shm" "$db-journal"; do
		[ -e "$side" ] && l_bytes=$((l_bytes + $(wc -c <"$side")))
	done

	# The database holds what the bundle holds.
	got_snaps=$(q "$db" "SELECT count(*) FROM snapshots")
	got_ids=$(q "$db" "SELECT count(*) FROM sockets WHERE proto = 'tcp'")
	got_cw=$(q "$db" "SELECT count(*) FROM v_socket_snapshots WHERE state = 'CLOSE_WAIT'
		AND snapshot_id = (SELECT max(id) FROM snapshots)")
	got_notes=$(q "$db" "SELECT count(*) FROM load_notes WHERE severity <> 'info'")
	check="snapshots $got_snaps/$(field snapshots "$expect"), tcp sockets $got_ids/$(field tcp_identities "$expect"),"
	check="$check CLOSE_WAIT at the end $got_cw/$(field close_wait_last "$expect"), load warnings $got_notes"
	if [ "$got_snaps" != "$(field snapshots "$expect")" ] || [ "$got_ids" != "$(field tcp_identities "$expect")" ] ||
	   [ "$got_cw" != "$(field close_wait_last "$expect")" ] || [ "$got_notes" != 0 ] || [ "$n_rows" != "$rows" ]; then
		echo "bench_ingest: the loaded database does not match the bundle: $check; naive rows $n_rows" >&2
		status=1
	fi
	echo "database check: $check"
	# Where the bytes are (SQLite's dbstat table; tables with their indexes).
	sizes=$("$ANALYZE" query "$db" "SELECT coalesce(m.tbl_name, d.name) AS t, sum(d.pgsize) AS b FROM dbstat d
		LEFT JOIN sqlite_schema m ON m.name = d.name GROUP BY t ORDER BY b DESC LIMIT 6" --csv 2>/dev/null |
		awk -F, 'NR > 1 { printf "%s%s %.1f MB", (NR > 2 ? ", " : ""), $1, $2 / 1e6 }')
	[ -n "$sizes" ] && echo "largest tables (with their indexes): $sizes"

	awk -v rows="$rows" -v lw="$l_wall" -v lc="$l_cpu" -v lb="$l_bytes" -v nw="$n_wall" -v nc="$n_cpu" \
	    -v ni="$n_ins" -v nb="$n_bytes" -v tag="$tag" -v b0="$b0" -v b1="$b1" -v w0="$w0" -v w1="$w1" -v runs="$RUNS" '
	BEGIN {
		printf "\n%-40s %10s %8s %8s %13s %13s\n", "", "rows", "wall_s", "cpu_s", "rows/s (cpu)", "db_bytes"
		printf "%-40s %10d %8.2f %8.2f %13.0f %13d\n", "sockmortem load", rows, lw, lc, rows / lc, lb
		printf "%-40s %10d %8.2f %8.2f %13.0f %13d\n", "naive insert loop (read+parse+insert)", rows, nw, nc, rows / nc, nb
		printf "%-40s %10d %8s %8.2f %13.0f\n", "naive loop: insert+commit only (cpu)", rows, "", ni, rows / ni
		other = b1 - b0 - (lc + nc) * runs; if (other < 0) other = 0
		printf "host load from other processes while timing: %.1f CPU-s over %.1f s (%.0f%% of one cpu)%s\n",
		       other, w1 - w0, 100 * other / (w1 - w0), (other / (w1 - w0) > 0.2 ? ": wall times are inflated" : "")
		r = (rows / lc) / (rows / nc); ri = (rows / lc) / (rows / ni)
		printf "\n%s: ingest rate >= 1/2 of the naive loop (cpu): %s (%.0f vs %.0f rows/s = %.2f)\n", tag,
		       (r >= 0.5 ? "MET" : "NOT MET"), rows / lc, rows / nc, r
		printf "%s: (vs the loop'"'"'s insert-only rate: %.0f rows/s = %.2f)\n", tag, rows / ni, ri
		x = nb / lb
		printf "%s: database >= 20x smaller than naive: %s (%.1f MB vs %.1f MB = %.1fx)\n", tag,
		       (x >= 20 ? "MET" : "NOT MET"), lb / 1e6, nb / 1e6, x
		printf "%s: load < 10 s: %s (cpu %.2f s, wall %.2f s)\n", tag, (lc < 10 ? "MET" : "NOT MET"), lc, lw
	}'
	rm -f "$bundle" "$db" "$tmp/naive.db"
done
exit $status
