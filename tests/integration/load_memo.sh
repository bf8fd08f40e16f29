#!/bin/sh
# load_memo: the loader's memo of table lines (analyze/row_memo.c) changes
# nothing in the database. Each bundle is loaded twice, as usual and with
# `load --no-memo` (every line of every snapshot parsed), and every table
# of the two databases must hold the same rows (sources: all but the time
# of loading).
#
# The bundles: bench/genbundle's (churn, TIME_WAITs, keepalive timers
# counting down, queues that move, a CLOSE_WAIT leak: lines unchanged,
# changed only in their timer, changed, new and gone, in every snapshot),
# one collected from this host while tests/helpers/twchurn opens and
# closes connections (real tables, timers and fd listings, processes
# coming and going), and a genbundle one whose tcp header changes midway.
#
# Environment: SM_ANALYZE, SM_COLLECT, SM_HELPERS (genbundle is built
# beside the helpers, in ../bench). Exit: 0 pass, 77 skip, 1 fail.
set -u
. "$SM_ROOT/tests/lib.sh"

need_exec SM_ANALYZE SM_COLLECT
need_helper twchurn
GEN="$(dirname "$SM_HELPERS")/bench/genbundle"
[ -x "$GEN" ] || fail "$GEN not built (make check-build builds it)"
command -v sqlite3 >/dev/null 2>&1 || skip "sqlite3 not installed (make deps installs it)"
work_dir memo

TABLES="snapshots processes process_samples sockets socket_states fds orphan_fds socket_peers
	counters collection_errors collection_steps load_notes dumps stacks frames goroutines
	snapshot_counts"

# same NAME BUNDLE: loaded with and without the memo, the same rows.
same() {
	"$SM_ANALYZE" load -q -o "$tmp/$1.memo.db" "$2" || fail "$1: load failed"
	"$SM_ANALYZE" load -q --no-memo -o "$tmp/$1.plain.db" "$2" || fail "$1: load --no-memo failed"
	for t in $TABLES; do
		d=$(sqlite3 "$tmp/$1.memo.db" "ATTACH '$tmp/$1.plain.db' AS p;
			SELECT (SELECT count(*) FROM (SELECT * FROM main.$t EXCEPT SELECT * FROM p.$t)) +
			       (SELECT count(*) FROM (SELECT * FROM p.$t EXCEPT SELECT * FROM main.$t))") ||
			fail "$1: cannot compare $t"
		[ "$d" = 0 ] || fail "$1: table $t differs by $d rows with and without the memo"
	done
	d=$(sqlite3 "$tmp/$1.memo.db" "ATTACH '$tmp/$1.plain.db' AS p;
		SELECT count(*) FROM main.sources m JOIN p.sources o USING (sha256, snapshots, complete, started_ns, ended_ns)")
	[ "$d" = 1 ] || fail "$1: sources differ"
	n=$(sqlite3 "$tmp/$1.memo.db" "SELECT count(*) FROM socket_states")
	[ "$n" -gt 0 ] || fail "$1: no socket states at all"
	echo "ok: $1: same rows with and without the memo ($n socket states)"
}

"$GEN" -o "$tmp/gen.tar.zst" -s 400 -n 40 -i 5 -c 5 -w 50 -l 3 -q >/dev/null || fail "genbundle failed"
same generated "$tmp/gen.tar.zst"

"$helper" server >"$tmp/srv.out" 2>"$tmp/srv.err" &
pids="$!"
wait_ready "$!" "$tmp/srv.out" "$tmp/srv.err" "twchurn server" 10 '^[0-9]'
port=$(head -n 1 "$tmp/srv.out")
"$helper" client "$port" 4 20 5 >"$tmp/cli.out" 2>"$tmp/cli.err" &
pids="$pids $!"
"$SM_COLLECT" -o "$tmp/host.tar.zst" -n 8 -i 0.4 -q >"$tmp/collect.out" 2>"$tmp/collect.err" ||
	fail "collector failed: $(tail -n 5 "$tmp/collect.err")"
same collected "$tmp/host.tar.zst"

# A header that changes between snapshots: rows read under the old one
# are not taken for rows under the new one.
mkdir "$tmp/x"
(cd "$tmp/x" && tar --zstd -xf ../gen.tar.zst) || fail "cannot unpack"
for f in "$tmp"/x/snap/0000[2-4]?/net/*/tcp; do
	sed -i '1s/ timeout inode/ timeout  inode/' "$f"
done
tar --zstd -tf "$tmp/gen.tar.zst" >"$tmp/list" || fail "cannot list"
(cd "$tmp/x" && tar --zstd -cf ../hdr.tar.zst --no-recursion -T ../list) || fail "cannot pack"
same header_changes "$tmp/hdr.tar.zst"
