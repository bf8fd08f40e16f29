#!/bin/sh
# timeline_e2e: `sockmortem timeline` (and `trend`) on a real recording.
#
# tests/helpers/leaky holds loopback sockets; during the collection (-n 4
# -i 0.5 -p PID) it closes one client end, so its server end goes
# ESTABLISHED -> CLOSE_WAIT, and closes a second listener (gone). The
# timeline must show the bundle, the first snapshot, both transitions of
# the helper's pid at the snapshot after the close, in time order, with
# ISO times; --pid, --since/--until filter; the text is ASCII in the C
# locale. trend sees the CLOSE_WAIT socket appear.
#
# Exit: 0 pass, 77 skip, 1 fail.
set -u
. "$SM_ROOT/tests/lib.sh"

: "${SM_ANALYZE:?}" "${SM_COLLECT:?}" "${SM_HELPERS:?}"
LEAKY="$SM_HELPERS/leaky"
for b in "$SM_ANALYZE" "$SM_COLLECT" "$LEAKY"; do
	[ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
command -v zstd >/dev/null 2>&1 || { echo "skip: zstd not installed"; exit 77; }
[ -r /proc/self/net/tcp ] || { echo "skip: no /proc/net/tcp"; exit 77; }

work_dir timeline   # at exit: kills what $pids holds, removes $tmp
T=$tmp

fail() {
	echo "FAIL: $*"
	for f in "$T"/*.err; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
	exit 1
}
note() { echo "ok: $*"; }
sm() { "$SM_ANALYZE" "$@" >"$T/out" 2>"$T/sm.err"; rc=$?; }
expect() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; note "$1"; }

"$LEAKY" >"$T/leaky.out" 2>"$T/leaky.err" &
HPID=$!
pids=$HPID
wait_ready "$HPID" "$T/leaky.out" "$T/leaky.err" helper 15 '^READY$'

B="$T/b.tar.zst"
"$SM_COLLECT" -o "$B" -n 4 -i 0.5 -p "$HPID" -q 2>"$T/collect.err" &
CPID=$!
pids="$HPID $CPID"
i=0
until { zstd -qdc <"$B"; } 2>/dev/null | grep -aq 'snap/000001/meta\.json'; do
	kill -0 "$CPID" 2>/dev/null || break
	i=$((i + 1)); [ $i -lt 600 ] || fail "snapshot 1 never completed"
	sleep 0.05
done
kill -USR1 "$HPID"
i=0
until grep -q '^GONE ' "$T/leaky.out"; do
	i=$((i + 1)); [ $i -lt 200 ] || fail "helper did not act on GO"
	sleep 0.05
done
wait "$CPID"; crc=$?; CPID="" pids=$HPID
[ $crc -eq 0 ] || fail "collector exit $crc: $(cat "$T/collect.err")"

DB="$T/t.db"
sm load "$B" -o "$DB" -q
[ $rc -eq 0 ] || fail "load exit $rc"
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

# the snapshot that first saw CLOSE_WAIT, and its time as the timeline prints it
# (the tables are host-wide: other sockets of this host may change too)
CSINO=$(sed -n 's/^CW_SERVER .*inode=\([0-9]*\).*/\1/p' "$T/leaky.out")
[ -n "$CSINO" ] || fail "helper printed no CW_SERVER inode"
SA=$("$SM_ANALYZE" query "$DB" "SELECT st.first_snapshot FROM socket_states st JOIN sockets s ON s.id = st.socket_id
	WHERE s.inode = $CSINO AND st.state = 'CLOSE_WAIT'" --csv | tail -n 1)
case $SA in ''|*[!0-9]*) fail "no CLOSE_WAIT recorded for inode $CSINO" ;; esac
WHEN=$("$SM_ANALYZE" query "$DB" "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', wall_ns / 1000000000, 'unixepoch') FROM snapshots WHERE id = $SA" --csv | tail -n 1)

sm timeline "$DB"
[ $rc -eq 0 ] || fail "timeline exit $rc"
cat "$T/out"
head -n 1 "$T/out" | grep -q "^[0-9-]*T[0-9:]*Z  bundle $B: 4 snapshots (end: count)$" || fail "first line is not the bundle"
sed -n 2p "$T/out" | grep -q "^[0-9-]*T[0-9:]*Z  snapshot 1 (1 processes)$" || fail "second line is not snapshot 1"
grep -qx "$WHEN  pid $HPID (leaky): 1 ESTABLISHED->CLOSE_WAIT" "$T/out" || fail "no ESTABLISHED->CLOSE_WAIT at $WHEN"
grep -qx "$WHEN  pid $HPID (leaky): 1 LISTEN->gone" "$T/out" || fail "no LISTEN->gone at $WHEN"
note "transitions at $WHEN (snapshot $SA)"
grep -q "^$WHEN  snapshot $SA " "$T/out" || fail "snapshot $SA not before its events"
# every line starts with an ISO time, in order
awk '{ print $1 }' "$T/out" >"$T/times"
sort -c "$T/times" || fail "timeline not in time order"
grep -vq '^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z$' "$T/times" && fail "a line without an ISO time"
LC_ALL=C grep -q '[^ -~]' "$T/out" && fail "non-ASCII output in the C locale"
note "ordered, ISO times, ASCII"

sm timeline "$DB" --pid 1
expect "--pid 1: no transitions" "$(grep -c -- '->' "$T/out")" "0"
sm timeline "$DB" --since "$WHEN"
awk -v w="$WHEN" '$1 < w { bad = 1 } END { exit bad }' "$T/out" || fail "--since $WHEN: $(cat "$T/out")"
grep -qx "$WHEN  pid $HPID (leaky): 1 ESTABLISHED->CLOSE_WAIT" "$T/out" || fail "--since $WHEN lost the transition"
note "--pid and --since"
LC_ALL=C.UTF-8 "$SM_ANALYZE" timeline "$DB" >"$T/out" 2>&1
grep -q "ESTABLISHED→CLOSE_WAIT" "$T/out" || fail "no UTF-8 arrow"

sm trend "$DB" --metric close_wait --by pid --every hour --csv
tail -n +2 "$T/out" | grep -q ",$HPID,leaky,1," || fail "trend close_wait by pid: $(cat "$T/out")"
note "trend sees the CLOSE_WAIT"
sm timeline "$DB" --until 2000-01-01
[ $rc -eq 0 ] || fail "empty timeline exit $rc"
grep -q "no events match" "$T/sm.err" || fail "empty timeline said: $(cat "$T/sm.err")"
echo PASS
