#!/bin/sh
# trend_history: `sockmortem trend` over 30 bundles from 3 hosts, with
# figures known in advance, and `load DIR` picking up only what is new.
#
# bench/genbundle writes the bundles (the real bundle writer, the kernel's
# formats): hosts web-1, web-2, web-3 (-H), two bundles a day (09:00 and
# 21:00 UTC, -t) for 5 days from 2026-11-02, each 3 snapshots 5 s apart,
# 40 steady connections, no churn, and a gateway (pid 2210) leaking
# L = h * (d + 1) CLOSE_WAIT sockets per snapshot on host h, day d: its
# CLOSE_WAIT count is L, 2L, 3L in the three snapshots and its fd count
# 19 + that. So per day: max by host 3h(d+1), average 2h(d+1); by comm
# (gateway on all hosts) max 9(d+1), average 4(d+1); fds max 19 + 9(d+1).
# Host web-3 also churns (-c 5): its TIME_WAIT figures must equal the
# kernel's own count in the same snapshots (sockstat "tw").
#
# Environment: SM_ANALYZE, SM_HELPERS (genbundle is built beside the
# helpers, in ../bench). Exit: 0 pass, 77 skip, 1 fail.
set -u

: "${SM_ANALYZE:?}" "${SM_HELPERS:?}"
GEN="$(dirname "$SM_HELPERS")/bench/genbundle"
[ -x "$GEN" ] || { echo "skip: $GEN not built (make check-build builds it)"; exit 77; }
[ -x "$SM_ANALYZE" ] || { echo "skip: $SM_ANALYZE not built"; exit 77; }

T=$(mktemp -d /tmp/sm-trend.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*"; [ -s "$T/sm.err" ] && tail -n 20 "$T/sm.err"; exit 1; }
note() { echo "ok: $*"; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; note "$1"; }
sm() { "$SM_ANALYZE" "$@" >"$T/out" 2>"$T/sm.err"; rc=$?; }

START=1793610000    # 2026-11-02T09:00:00Z
mkdir "$T/bundles"
for h in 1 2 3; do
	churn=0
	[ $h = 3 ] && churn=5
	for d in 0 1 2 3 4; do
		for half in 0 1; do
			t=$((START + d * 86400 + half * 43200))
			"$GEN" -o "$T/bundles/web-$h-$d-$half.tar.zst" -q -s 40 -n 3 -i 5 -c $churn \
				-l $((h * (d + 1))) -H "web-$h" -t $t >/dev/null 2>"$T/gen.err" ||
				fail "genbundle: $(cat "$T/gen.err")"
		done
	done
done
DB="$T/h.db"
sm load "$T/bundles" -o "$DB" -q
[ $rc -eq 0 ] || fail "load exit $rc"
sm query "$DB" "SELECT count(*), sum(snapshots), count(DISTINCT host) FROM sources" --csv
expect "30 sources, 90 snapshots, 3 hosts" "$(tail -n 1 "$T/out")" "30,90,3"

# snapshot_counts (counted at load time) against the same figures expanded
# from the intervals (v_state_counts, v_host_state_counts)
sm query "$DB" "SELECT count(*) FROM (SELECT snapshot_id, process_id, state, sum(sockets) AS n FROM v_state_counts
	WHERE proto LIKE 'tcp%' AND state IS NOT NULL GROUP BY 1, 2, 3) v
	LEFT JOIN snapshot_counts c ON c.snapshot_id = v.snapshot_id AND c.process_id = v.process_id AND c.name = v.state
	WHERE c.value IS NOT v.n" --csv
expect "snapshot_counts = v_state_counts (processes)" "$(tail -n 1 "$T/out")" "0"
sm query "$DB" "SELECT count(*) FROM (SELECT snapshot_id, state, sum(sockets) AS n FROM v_host_state_counts
	WHERE proto LIKE 'tcp%' AND state IS NOT NULL GROUP BY 1, 2) v
	LEFT JOIN snapshot_counts c ON c.snapshot_id = v.snapshot_id AND c.process_id = 0 AND c.name = v.state
	WHERE c.value IS NOT v.n" --csv
expect "snapshot_counts = v_host_state_counts (host)" "$(tail -n 1 "$T/out")" "0"
sm query "$DB" "SELECT count(*) FROM v_orphan_counts v LEFT JOIN snapshot_counts c ON c.snapshot_id = v.snapshot_id
	AND c.process_id = v.process_id AND c.name = 'orphan_fds' WHERE c.value IS NOT v.orphan_fds" --csv
expect "snapshot_counts = v_orphan_counts" "$(tail -n 1 "$T/out")" "0"

# ---- load DIR again: nothing new, nothing read ---------------------------
sm load "$T/bundles" -o "$DB"
[ $rc -eq 0 ] || fail "second load exit $rc"
grep -q ': 0 loaded (0 snapshots), 30 already there, 0 failed' "$T/sm.err" || fail "second load: $(cat "$T/sm.err")"
note "loading the directory again adds nothing"
# a new bundle and a copy of an old one under a new name: one source more
"$GEN" -o "$T/bundles/web-1-5-0.tar.zst" -q -s 40 -n 3 -i 5 -c 0 -l 1 -H web-1 -t $((START + 5 * 86400)) >/dev/null
cp "$T/bundles/web-1-0-0.tar.zst" "$T/bundles/web-1-copy.tar.zst"
sm load "$T/bundles" -o "$DB"
grep -q ': 1 loaded (3 snapshots), 31 already there, 0 failed' "$T/sm.err" || fail "third load: $(cat "$T/sm.err")"
sm query "$DB" "SELECT count(*) FROM loaded_files" --csv
expect "every file remembered" "$(tail -n 1 "$T/out")" "32"
rm "$T/bundles/web-1-5-0.tar.zst" "$T/bundles/web-1-copy.tar.zst"
UNTIL=2026-11-07    # leaves the extra day out of the figures below

# ---- expected CSV, written from the arithmetic above -----------------------
day() { date -u -d "@$((START - 9 * 3600 + $1 * 86400))" +%Y-%m-%dT%H:%M:%SZ; }
{
	echo "bucket,host,value,snapshots"
	for h in 1 2 3; do
		for d in 0 1 2 3 4; do echo "$(day $d),web-$h,$((3 * h * (d + 1))),6"; done
	done
} >"$T/want_host_max"
# trend orders groups biggest first: web-3, web-2, web-1
{ head -n 1 "$T/want_host_max"; grep web-3 "$T/want_host_max"; grep web-2 "$T/want_host_max"; grep web-1 "$T/want_host_max"; } >"$T/w"
mv "$T/w" "$T/want_host_max"
sm trend "$DB" --metric close_wait --by host --until $UNTIL --csv
[ $rc -eq 0 ] || fail "trend exit $rc"
diff "$T/want_host_max" "$T/out" >"$T/diff" || fail "close_wait by host per day (max): $(cat "$T/diff")"
note "close_wait by host per day, max: 15 figures"

{
	echo "bucket,host,value,snapshots"
	for h in 3 2 1; do
		for d in 0 1 2 3 4; do echo "$(day $d),web-$h,$((2 * h * (d + 1))),6"; done
	done
} >"$T/want"
sm trend "$DB" --metric close_wait --by host --agg avg --until $UNTIL --csv
diff "$T/want" "$T/out" >"$T/diff" || fail "close_wait by host per day (avg): $(cat "$T/diff")"
note "close_wait by host per day, average: 15 figures"

{
	echo "bucket,comm,value,snapshots"
	for d in 0 1 2 3 4; do echo "$(day $d),gateway,$((9 * (d + 1))),18"; done
} >"$T/want"
sm trend "$DB" --metric close_wait --until $UNTIL --csv
diff "$T/want" "$T/out" >"$T/diff" || fail "close_wait by comm (max): $(cat "$T/diff")"
sm trend "$DB" --metric close_wait --agg avg --until $UNTIL --csv
{
	echo "bucket,comm,value,snapshots"
	for d in 0 1 2 3 4; do echo "$(day $d),gateway,$((4 * (d + 1))),18"; done
} >"$T/want"
diff "$T/want" "$T/out" >"$T/diff" || fail "close_wait by comm (avg): $(cat "$T/diff")"
note "close_wait by comm per day, max and average (only the gateway: zero groups left out)"

{
	echo "bucket,comm,value,snapshots"
	for d in 2 3; do echo "$(day $d),gateway,$((19 + 9 * (d + 1))),18"; done
} >"$T/want"
sm trend "$DB" --metric fds --comm gateway --since 2026-11-04 --until 2026-11-06T00:00:00Z --csv
diff "$T/want" "$T/out" >"$T/diff" || fail "fds of the gateway, days 2-3: $(cat "$T/diff")"
note "fds by comm with --comm, --since, --until"

# by process: three gateways (pid 2210 on each host), hourly buckets
sm trend "$DB" --metric close_wait --by pid --every hour --until $UNTIL --csv
expect "by pid: rows" "$(tail -n +2 "$T/out" | wc -l | tr -d ' ')" "30"
expect "by pid: header" "$(head -n 1 "$T/out")" "bucket,host,pid,comm,value,snapshots"
expect "by pid: web-2's gateway on day 4, 21:00" "$(grep '^2026-11-06T21:00:00Z,web-2,2210,gateway,' "$T/out")" \
	"2026-11-06T21:00:00Z,web-2,2210,gateway,30,3"

# established: 10 per server process, constant
sm trend "$DB" --metric established --by comm --until $UNTIL --csv
expect "established of nginx on day 0" "$(grep '^2026-11-02T00:00:00Z,nginx,' "$T/out")" "2026-11-02T00:00:00Z,nginx,10,18"

# TIME_WAIT (per host: no owner) against the kernel's own count
sm query "$DB" "SELECT max(c.value) FROM v_counters c JOIN snapshots s ON s.id = c.snapshot_id
	WHERE s.host = 'web-3' AND c.grp = 'TCP' AND c.name = 'tw' AND s.wall_ns < 1794009600000000000" --csv
tw=$(tail -n 1 "$T/out")
[ "$tw" -gt 0 ] 2>/dev/null || fail "web-3 has no TIME_WAIT in sockstat ($tw)"
sm trend "$DB" --metric time_wait --by comm --host web-3 --until $UNTIL --json
grep -q 'per host' "$T/sm.err" || fail "time_wait --by comm did not say it is per host"
if command -v jq >/dev/null 2>&1; then
	jmax=$(jq '[.series[0].points[].value] | max' "$T/out") || fail "trend --json is not JSON"
	expect "time_wait max on web-3 = sockstat tw" "$jmax" "$tw"
	expect "json: by" "$(jq -r .by "$T/out")" "host"
	expect "json: one series" "$(jq '.series | length' "$T/out")" "1"
	expect "json: 5 days" "$(jq '.series[0].points | length' "$T/out")" "5"
else
	echo "note: jq not installed (make deps installs it): JSON checks skipped"
	sm trend "$DB" --metric time_wait --by host --host web-3 --until $UNTIL --csv
	expect "time_wait max on web-3 = sockstat tw" "$(tail -n +2 "$T/out" | cut -d, -f3 | sort -n | tail -n 1)" "$tw"
fi

# the table: a sparkline per group, ASCII in the C locale, UTF-8 otherwise
sm trend "$DB" --metric close_wait --by host --until $UNTIL
[ $rc -eq 0 ] || fail "table exit $rc"
# 9 18 27 36 45 scaled to 8 levels: 0 2 4 5 7
grep -q '^web-3  *9  *45  *45  *30  _-=+#$' "$T/out" || fail "web-3 summary line: $(cat "$T/out")"
note "table row with an ASCII sparkline"
LC_ALL=C.UTF-8 "$SM_ANALYZE" trend "$DB" --metric close_wait --by host --until $UNTIL >"$T/out" 2>&1
grep -q '▁.*█' "$T/out" || fail "no UTF-8 sparkline: $(cat "$T/out")"
note "UTF-8 sparkline"

# bad usage
sm trend "$DB" --metric nosuch
expect "unknown metric: exit" "$rc" "2"
sm trend "$DB" --metric fds --since yesterday
expect "bad time: exit" "$rc" "2"
sm trend "$DB" --metric fds --since 2026-11-05 --until 2026-11-04
expect "until before since: exit" "$rc" "2"
echo "PASS"
