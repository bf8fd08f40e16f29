#!/bin/sh
# analyze_e2e: the analyzer end to end on a real recording.
#
# A helper (tests/helpers/leaky.c) holds loopback sockets in known states:
# LISTEN, an ESTABLISHED pair, a pair whose client end it closes during the
# collection (the server end goes ESTABLISHED -> CLOSE_WAIT), a listener it
# closes during the collection (vanishes), a TIME_WAIT, and an orphaned fd
# (its peer reset it with SO_LINGER {1,0}; the fd is kept). Its soft
# RLIMIT_NOFILE is set with ulimit. sockmortem-collect records it
# (-n 4 -i 0.5 -p PID, and once host-wide); `sockmortem load` loads the
# bundles; `sockmortem query` checks states per port, owners (pid, fd),
# the transition and the snapshots it happened between, the disappearance,
# the orphan, the peer pair, fd usage against the limit; `sockets` prints
# the CLOSE_WAIT row like ss; `info` reports the bundle complete. Loading a
# bundle twice adds nothing. A bundle cut (head -c) inside a later
# snapshot's zstd frame loads every complete snapshot with exit 0 (the
# snapshots before the cut are evidence, loaded and committed; the cut is
# recorded, not a failure to load), and `info` says CUT SHORT with the note.
#
# Exit: 0 pass, 77 skip, 1 fail.
set -u
. "$SM_ROOT/tests/lib.sh"

: "${SM_ANALYZE:?}" "${SM_COLLECT:?}" "${SM_HELPERS:?}"
LEAKY="$SM_HELPERS/leaky"
for b in "$SM_ANALYZE" "$SM_COLLECT" "$LEAKY"; do
	[ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
for t in tar zstd od awk head; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
[ -r /proc/self/net/tcp ] || { echo "skip: no /proc/net/tcp"; exit 77; }

work_dir e2e   # at exit: kills what $pids holds, removes $tmp
T=$tmp

fail() {
	echo "FAIL: $*"
	for f in "$T"/*.err; do
		[ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }
	done
	exit 1
}
note() { echo "ok: $*"; }

# sm CMD ARGS...: runs the analyzer, stdout to $T/out, stderr to $T/sm.err;
# the exit status is in $rc.
sm() {
	"$SM_ANALYZE" "$@" >"$T/out" 2>"$T/sm.err"
	rc=$?
}
# q DB SQL: the CSV rows of a query (no header); fails on any error.
q() {
	"$SM_ANALYZE" query "$1" "$2" --csv >"$T/q.out" 2>"$T/q.err" || fail "query failed ($?): $2: $(cat "$T/q.err")"
	[ -s "$T/q.err" ] && fail "query wrote to stderr: $2: $(cat "$T/q.err")"
	tail -n +2 "$T/q.out"
}
expect() { # what got want
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	note "$1 = $3"
}

# ---- the helper --------------------------------------------------------
hard=$(ulimit -H -n)
soft=777
[ "$hard" != unlimited ] && [ "$hard" -lt "$soft" ] && soft=$hard
( ulimit -S -n "$soft" && exec "$LEAKY" ) >"$T/leaky.out" 2>"$T/leaky.err" &
HPID=$!
pids=$HPID
wait_ready "$HPID" "$T/leaky.out" "$T/leaky.err" helper 15 '^READY$'
# val KIND KEY: the helper's value
val() { sed -n "s/^$1 .*\\b$2=\\([^ ]*\\).*/\\1/p" "$T/leaky.out" | head -n 1; }
[ "$(val PID pid)" = "$HPID" ] || fail "helper pid $(val PID pid) is not $HPID"
LFD=$(val LISTEN fd) LPORT=$(val LISTEN port) LINO=$(val LISTEN inode)
VFD=$(val VANISH fd) VPORT=$(val VANISH port) VINO=$(val VANISH inode)
ECFD=$(val ESTAB_CLIENT fd) ECPORT=$(val ESTAB_CLIENT port) ECINO=$(val ESTAB_CLIENT inode)
ESFD=$(val ESTAB_SERVER fd) ESINO=$(val ESTAB_SERVER inode)
CCFD=$(val CW_CLIENT fd) CCPORT=$(val CW_CLIENT port) CCINO=$(val CW_CLIENT inode)
CSFD=$(val CW_SERVER fd) CSINO=$(val CW_SERVER inode)
TWPORT=$(val TIME_WAIT port)
OFD=$(val ORPHAN fd) OINO=$(val ORPHAN inode)
FDS0=$(val FDS count) SOFT=$(val NOFILE soft) HARD=$(val NOFILE hard)
[ "$SOFT" = "$soft" ] || fail "ulimit -S -n $soft did not reach the helper (soft $SOFT)"
for v in LFD LPORT LINO VFD VINO ECFD ECPORT ECINO ESFD ESINO CCFD CCINO CSFD CSINO TWPORT OFD OINO FDS0; do
	eval "[ -n \"\$$v\" ]" || fail "helper did not print $v"
done

# ---- record: -n 4 -i 0.5 -p PID, the transition made during it ------------
B="$T/b.tar.zst"
"$SM_COLLECT" -o "$B" -n 4 -i 0.5 -p "$HPID" -q 2>"$T/collect.err" &
CPID=$!
pids="$HPID $CPID"
# GO once snapshot 1 is complete (its meta.json is in a finished frame).
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
T0=$(val GONE before_ns) T1=$(val GONE after_ns) FDS1=$(val GONE fds)

DB="$T/e2e.db"
sm load "$B" -o "$DB"
[ $rc -eq 0 ] || fail "load exit $rc: $(cat "$T/sm.err")"
grep -q "loaded bundle" "$T/sm.err" || fail "load did not report the bundle: $(cat "$T/sm.err")"

expect "sources" "$(q "$DB" "SELECT count(*), min(kind), min(complete), min(snapshots) FROM sources")" "1,bundle,1,4"
FIRST=$(q "$DB" "SELECT min(id) FROM snapshots")
LAST=$(q "$DB" "SELECT max(id) FROM snapshots")
expect "snapshots" "$(q "$DB" "SELECT count(*), group_concat(seq, ' ') FROM (SELECT seq FROM snapshots ORDER BY id)")" "4,1 2 3 4"

# state of the tcp socket with this local/remote port in a snapshot
st() { q "$DB" "SELECT coalesce(group_concat(state, ' '), '-') FROM v_socket_snapshots WHERE snapshot_id = $1 AND proto = 'tcp' AND local_addr = '127.0.0.1' AND local_port = $2 AND remote_port = $3"; }
expect "LISTEN :$LPORT first" "$(st "$FIRST" "$LPORT" 0)" LISTEN
expect "LISTEN :$LPORT last" "$(st "$LAST" "$LPORT" 0)" LISTEN
expect "client :$ECPORT first" "$(st "$FIRST" "$ECPORT" "$LPORT")" ESTABLISHED
expect "client :$ECPORT last" "$(st "$LAST" "$ECPORT" "$LPORT")" ESTABLISHED
expect "server :$LPORT<-$ECPORT last" "$(st "$LAST" "$LPORT" "$ECPORT")" ESTABLISHED
expect "cw server :$LPORT<-$CCPORT first" "$(st "$FIRST" "$LPORT" "$CCPORT")" ESTABLISHED
expect "cw server :$LPORT<-$CCPORT last" "$(st "$LAST" "$LPORT" "$CCPORT")" CLOSE_WAIT
expect "cw client :$CCPORT first" "$(st "$FIRST" "$CCPORT" "$LPORT")" ESTABLISHED
expect "vanishing :$VPORT first" "$(st "$FIRST" "$VPORT" 0)" LISTEN
expect "vanishing :$VPORT last" "$(st "$LAST" "$VPORT" 0)" -
expect "time-wait :$TWPORT first" "$(st "$FIRST" "$TWPORT" "$LPORT")" TIME_WAIT
expect "time-wait :$TWPORT last" "$(st "$LAST" "$TWPORT" "$LPORT")" TIME_WAIT
expect "time-wait has no inode" "$(q "$DB" "SELECT inode, count(*) FROM sockets WHERE local_port = $TWPORT AND remote_port = $LPORT")" "0,1"
# the identities are the inodes the helper printed
expect "inodes" "$(q "$DB" "SELECT group_concat(local_port, ' ') FROM (SELECT local_port FROM sockets WHERE inode IN ($LINO, $VINO, $ECINO) ORDER BY inode)")" "$LPORT $VPORT $ECPORT"

# owners: pid and fd as the helper printed them
own() { q "$DB" "SELECT pid || ':' || fd || ':' || comm FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id WHERE s.inode = $1"; }
expect "owner LISTEN" "$(own "$LINO")" "$HPID:$LFD:leaky"
expect "owner VANISH" "$(own "$VINO")" "$HPID:$VFD:leaky"
expect "owner ESTAB client" "$(own "$ECINO")" "$HPID:$ECFD:leaky"
expect "owner ESTAB server" "$(own "$ESINO")" "$HPID:$ESFD:leaky"
expect "owner CW client" "$(own "$CCINO")" "$HPID:$CCFD:leaky"
expect "owner CW server" "$(own "$CSINO")" "$HPID:$CSFD:leaky"

# ESTABLISHED -> CLOSE_WAIT between the right snapshots: consecutive, the
# one before started before the close, the one after ended after it.
TR=$(q "$DB" "SELECT t.seen_before, t.seen_after FROM v_transitions t JOIN sockets s ON s.id = t.socket_id WHERE s.inode = $CSINO AND t.from_state = 'ESTABLISHED' AND t.to_state = 'CLOSE_WAIT'")
[ -n "$TR" ] || fail "no ESTABLISHED -> CLOSE_WAIT transition for inode $CSINO: $(q "$DB" "SELECT * FROM v_transitions")"
SB=${TR%,*} SA=${TR#*,}
expect "transition snapshots consecutive" "$((SA - SB))" 1
expect "transition after the close" "$(q "$DB" "SELECT (SELECT wall_ns FROM snapshots WHERE id = $SB) <= $T1 AND (SELECT ended_ns FROM snapshots WHERE id = $SA) >= $T0")" 1
expect "ESTABLISHED interval" "$(q "$DB" "SELECT st.first_snapshot || '-' || st.last_snapshot FROM socket_states st JOIN sockets s ON s.id = st.socket_id WHERE s.inode = $CSINO AND st.state = 'ESTABLISHED'")" "$FIRST-$SB"
expect "CLOSE_WAIT interval" "$(q "$DB" "SELECT st.first_snapshot || '-' || st.last_snapshot FROM socket_states st JOIN sockets s ON s.id = st.socket_id WHERE s.inode = $CSINO AND st.state = 'CLOSE_WAIT'")" "$SA-$LAST"

# the vanished listener: a to_state NULL transition right after its last snapshot
VT=$(q "$DB" "SELECT t.from_state, coalesce(t.to_state, 'NULL'), t.seen_before, t.seen_after, s.last_snapshot FROM v_transitions t JOIN sockets s ON s.id = t.socket_id WHERE s.inode = $VINO")
VB=$(echo "$VT" | cut -d, -f3)
expect "vanished listener" "$VT" "LISTEN,NULL,$VB,$((VB + 1)),$VB"
[ "$VB" -lt "$LAST" ] || fail "vanished listener seen until the end"
# The closed client's inode socket leaves the tables too. Where the kernel
# keeps the connection as an inode-less FIN_WAIT2/TIME_WAIT minisocket, that
# one is linked to it (sockets.prev_socket_id) and its last state leads to
# the minisocket's first instead of to "gone".
CCNEXT=$(q "$DB" "SELECT n.id FROM sockets n JOIN sockets p ON p.id = n.prev_socket_id WHERE p.inode = $CCINO")
if [ -n "$CCNEXT" ]; then
	expect "closed client continues as its minisocket" "$(q "$DB" "SELECT count(*) FROM v_transitions t JOIN sockets s ON s.id = t.socket_id WHERE s.inode = $CCINO AND t.to_state = (SELECT state FROM socket_states WHERE socket_id = $CCNEXT ORDER BY first_snapshot LIMIT 1) AND t.seen_after = (SELECT first_snapshot FROM sockets WHERE id = $CCNEXT)")" 1
	expect "closed client not gone while its minisocket lives" "$(q "$DB" "SELECT count(*) FROM v_transitions t JOIN sockets s ON s.id = t.socket_id WHERE s.inode = $CCINO AND t.to_state IS NULL")" 0
else
	expect "closed client vanished too" "$(q "$DB" "SELECT count(*) FROM v_transitions t JOIN sockets s ON s.id = t.socket_id WHERE s.inode = $CCINO AND t.to_state IS NULL")" 1
fi

# the orphaned fd: in no table in any snapshot, held by the helper
expect "orphan" "$(q "$DB" "SELECT pid, comm, fd, inode, first_snapshot, last_snapshot FROM v_orphan_fds WHERE pid = $HPID")" "$HPID,leaky,$OFD,$OINO,$FIRST,$LAST"
expect "orphan fd target" "$(q "$DB" "SELECT target FROM fds f JOIN processes p ON p.id = f.process_id WHERE p.pid = $HPID AND f.fd = $OFD")" "socket:[$OINO]"
expect "orphan not a socket row" "$(q "$DB" "SELECT count(*) FROM sockets WHERE inode = $OINO")" 0

# the established pair is a peer pair for the whole recording
expect "peer pair" "$(q "$DB" "SELECT count(*), min(p.first_snapshot), max(p.last_snapshot) FROM v_peer_pairs p JOIN sockets a ON a.id = p.socket_id JOIN sockets b ON b.id = p.peer_id WHERE (a.inode = $ECINO AND b.inode = $ESINO) OR (a.inode = $ESINO AND b.inode = $ECINO)")" "1,$FIRST,$LAST"

# fd usage against the soft limit set with ulimit
expect "fd usage first" "$(q "$DB" "SELECT fd_count, nofile_soft, nofile_hard FROM v_fd_usage WHERE pid = $HPID AND snapshot_id = $FIRST")" "$FDS0,$SOFT,$HARD"
expect "fd usage last" "$(q "$DB" "SELECT fd_count, nofile_soft FROM v_fd_usage WHERE pid = $HPID AND snapshot_id = $LAST")" "$FDS1,$SOFT"
expect "pct_of_soft" "$(q "$DB" "SELECT pct_of_soft = round(100.0 * $FDS0 / $SOFT, 1) FROM v_fd_usage WHERE pid = $HPID AND snapshot_id = $FIRST")" 1
expect "process identity" "$(q "$DB" "SELECT count(*), min(comm), min(first_snapshot), max(last_snapshot) FROM processes WHERE pid = $HPID")" "1,leaky,$FIRST,$LAST"

# sockets: the CLOSE_WAIT row, like ss -p
sm sockets "$DB" --pid "$HPID" --state close-wait
[ $rc -eq 0 ] || fail "sockets exit $rc: $(cat "$T/sm.err")"
grep -q "CLOSE-WAIT .*127\\.0\\.0\\.1:$LPORT .*127\\.0\\.0\\.1:$CCPORT .*users:((\"leaky\",pid=$HPID,fd=$CSFD))" "$T/out" ||
	fail "sockets --state close-wait: $(cat "$T/out")"
[ "$(grep -c CLOSE-WAIT "$T/out")" -eq 1 ] || fail "sockets printed other rows: $(cat "$T/out")"
note "sockets --pid $HPID --state close-wait"
sm sockets "$DB" --pid "$HPID" --state LISTEN
grep -q "users:((\"leaky\",pid=$HPID,fd=$LFD))" "$T/out" || fail "sockets --state LISTEN: $(cat "$T/out")"
grep -q ":$VPORT " "$T/out" && fail "the vanished listener is in the last snapshot: $(cat "$T/out")"

# info
sm info "$DB"
[ $rc -eq 0 ] || fail "info exit $rc: $(cat "$T/sm.err")"
grep -q "bundle .*b\\.tar\\.zst" "$T/out" || fail "info does not name the bundle: $(cat "$T/out")"
grep -q "4 snapshots, complete" "$T/out" || fail "info does not say complete: $(cat "$T/out")"
grep -q "CUT SHORT" "$T/out" && fail "info says CUT SHORT for a complete bundle"
note "info: bundle, complete"

# ---- the same bundle again adds nothing ----------------------------------
COUNTS="SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM snapshots), (SELECT count(*) FROM sockets), (SELECT count(*) FROM socket_states), (SELECT count(*) FROM fds), (SELECT count(*) FROM processes)"
before=$(q "$DB" "$COUNTS")
sm load "$B" -o "$DB"
[ $rc -eq 0 ] || fail "second load exit $rc: $(cat "$T/sm.err")"
grep -q "already loaded" "$T/sm.err" || fail "second load did not say already loaded: $(cat "$T/sm.err")"
expect "counts after loading twice" "$(q "$DB" "$COUNTS")" "$before"

# ---- whole host -----------------------------------------------------------
H="$T/host.tar.zst"
"$SM_COLLECT" -o "$H" -n 2 -i 0.5 -q 2>"$T/collect-host.err" || fail "host-wide collector exit $?: $(cat "$T/collect-host.err")"
DB2="$T/host.db"
sm load "$H" -o "$DB2"
[ $rc -eq 0 ] || fail "load host exit $rc: $(cat "$T/sm.err")"
[ "$(q "$DB2" "SELECT count(DISTINCT pid) > 1 FROM processes")" = 1 ] || fail "host-wide bundle has one process only"
expect "host: helper listener owner" "$(q "$DB2" "SELECT o.pid || ':' || o.fd FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id WHERE s.inode = $LINO")" "$HPID:$LFD"
expect "host: orphan" "$(q "$DB2" "SELECT fd || ':' || inode FROM v_orphan_fds WHERE pid = $HPID")" "$OFD:$OINO"
expect "host: CLOSE_WAIT" "$(q "$DB2" "SELECT count(*) FROM v_socket_snapshots v JOIN sockets s ON s.id = v.socket_id WHERE s.inode = $CSINO AND v.state = 'CLOSE_WAIT'")" 2

# ---- a bundle cut inside snapshot 3's frame ------------------------------
# zstd frames start with 28 b5 2f fd: manifest, snapshots 1..4, end.
offsets=$(od -An -tx1 -v -w1 "$B" | awk '{ b[NR % 4] = $1 } NR >= 4 && b[(NR - 3) % 4] == "28" && b[(NR - 2) % 4] == "b5" && b[(NR - 1) % 4] == "2f" && b[NR % 4] == "fd" { print NR - 4 }')
nframes=$(echo "$offsets" | wc -l)
[ "$nframes" -eq 6 ] || fail "expected 6 zstd frames in the bundle, found $nframes: $offsets"
f3=$(echo "$offsets" | sed -n 4p) f4=$(echo "$offsets" | sed -n 5p)
cut=$(( (f3 + f4) / 2 ))
head -c "$cut" "$B" >"$T/cut.tar.zst"
DB3="$T/cut.db"
sm load "$T/cut.tar.zst" -o "$DB3"
[ $rc -eq 0 ] || fail "cut bundle: load exit $rc (want 0: complete snapshots loaded): $(cat "$T/sm.err")"
grep -q "cut short" "$T/sm.err" || fail "load did not say the bundle was cut short: $(cat "$T/sm.err")"
expect "cut: source" "$(q "$DB3" "SELECT complete, snapshots, coalesce(end_reason, 'NULL') FROM sources")" "0,2,NULL"
expect "cut: snapshots loaded" "$(q "$DB3" "SELECT group_concat(seq, ' ') FROM (SELECT seq FROM snapshots ORDER BY id)")" "1 2"
[ "$(q "$DB3" "SELECT count(*) FROM load_notes WHERE path LIKE 'snap/000003%' OR message LIKE '%cut short%'")" -ge 1 ] ||
	fail "no load note about the cut: $(q "$DB3" "SELECT * FROM load_notes")"
[ "$(q "$DB3" "SELECT count(*) FROM load_notes WHERE path = 'end.json'")" -eq 1 ] || fail "no note about the missing end.json"
# the two loaded snapshots are the same as from the whole bundle
expect "cut: helper sockets in snapshot 1" "$(q "$DB3" "SELECT count(*) FROM v_socket_owners WHERE pid = $HPID AND first_snapshot = 1")" \
	"$(q "$DB" "SELECT count(*) FROM v_socket_owners WHERE pid = $HPID AND first_snapshot = $FIRST")"
sm info "$DB3"
[ $rc -eq 0 ] || fail "info on the cut bundle's db: exit $rc"
grep -q "2 snapshots, CUT SHORT" "$T/out" || fail "info does not say CUT SHORT: $(cat "$T/out")"
grep -q "missing or cut short" "$T/out" || fail "info does not list the notes: $(cat "$T/out")"
grep -q "end.json" "$T/out" || fail "info does not show the end.json note: $(cat "$T/out")"
note "cut bundle: 2 snapshots, CUT SHORT"
# info straight on the cut file (loaded into memory) says the same
sm info "$T/cut.tar.zst"
grep -q "CUT SHORT" "$T/out" || fail "info FILE does not say CUT SHORT: $(cat "$T/out")"

echo "PASS"
exit 0
