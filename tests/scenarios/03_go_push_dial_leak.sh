#!/bin/sh
# Scenario 3: a Go push service dials a connection per message, never closes.
#
# tests/go/pushsvc: `push` dials the gateway for every message and leaves the
# connection open with a reader goroutine waiting on it. Two instances run:
#   A: 5 messages/s, default `ulimit -n`: ESTABLISHED, fds and goroutines grow;
#   B: 8 messages/s under `ulimit -n 256`: reaches the fd limit within the run.
# The gateway accepts and holds the connections while its clients do: its
# accepted sockets and goroutines mirror the leak, but it is the victim.
#
# Verified now (raw evidence): A's ESTABLISHED connections to the gateway
# grow steadily; B's fd count reaches >= 90% of its 256 soft limit; goroutine
# dumps of A grow with its sockets.
# Expected verdict: established_growth and goroutine_leak on A (and
# established_growth on B), fd_exhaustion on B; no established_growth or
# close_wait_leak on the gateway, and every finding about the gateway points
# at a dialer (related_process_id) or is of low severity; the culprit is A
# or B, never the gateway.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init pushsvc
sc_go pushsvc

"$tmp/pushsvc" gateway >"$tmp/gw.ports" 2>"$tmp/gw.err" &
gw=$!
sc_track "$gw"
sc_wait_line "$tmp/gw.ports" || fail "gateway did not start: $(cat "$tmp/gw.err")"
gport=$(sc_field "$tmp/gw.ports" 1)
gpprof=$(sc_field "$tmp/gw.ports" 2)

"$tmp/pushsvc" push "127.0.0.1:$gport" 5 60 >"$tmp/a.port" 2>"$tmp/a.err" &
a=$!
sc_track "$a"
(ulimit -n 256 && exec "$tmp/pushsvc" push "127.0.0.1:$gport" 8 60) >"$tmp/b.port" 2>"$tmp/b.err" &
b=$!
sc_track "$b"
sc_wait_line "$tmp/a.port" || fail "push A did not start: $(cat "$tmp/a.err")"
sc_wait_line "$tmp/b.port" || fail "push B did not start: $(cat "$tmp/b.err")"
approf=$(sc_field "$tmp/a.port" 1)
bpprof=$(sc_field "$tmp/b.port" 1)
echo "gateway pid $gw on :$gport; push A pid $a (pprof :$approf); push B pid $b (ulimit -n 256, pprof :$bpprof)"

sleep 3
SC_PCAP="tcp port $gport"
# B's pprof endpoint stops answering once B is out of fds (accept fails,
# the fetch waits in the backlog): a short --pprof-timeout keeps that from
# holding up the rounds of the others.
sc_collect 38 --pprof "$a=http://127.0.0.1:$approf" --pprof "$b=http://127.0.0.1:$bpprof" \
	--pprof "$gw=http://127.0.0.1:$gpprof" --pprof-every 3 --pprof-timeout 2s
sc_load

# --- raw evidence -------------------------------------------------------------
ea=$(sc_series "$a" ESTABLISHED)
echo "push A ESTABLISHED per snapshot: $ea"
set -- $(sc_first_last "$ea")
sc_check "A's connections grow by >= 100 ($1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 100 ]
to_gw=$(sc_q "SELECT count(DISTINCT o.socket_id) FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id
              WHERE o.pid = $a AND s.remote_port = $gport")
sc_check "A's connections go to the gateway (>= 100, got $to_gw)" [ "${to_gw:-0}" -ge 100 ]
bmax=$(sc_q "SELECT max(fd_count) || ' ' || max(nofile_soft) AS n FROM v_fd_usage WHERE pid = $b")
echo "push B: max fds, soft limit: $bmax"
set -- $bmax
sc_check "B's soft limit is 256 (got ${2:-?})" [ "${2:-0}" = 256 ]
sc_check "B reaches >= 90% of its fd limit (max ${1:-?})" [ "${1:-0}" -ge 231 ]
gd=$(sc_q "SELECT group_concat(goroutines, ' ') AS n FROM (SELECT goroutines FROM dumps WHERE pid = $a AND kind = 'debug2' ORDER BY id)")
echo "push A goroutines per debug2 dump: $gd"
set -- $(sc_first_last "$gd")
sc_check "A's goroutines grow by >= 100 across its dumps ($1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 100 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect established_growth "$a"
sc_expect goroutine_leak "$a"
sc_expect established_growth "$b"
sc_expect fd_exhaustion "$b"
sc_expect_not established_growth "$gw"
sc_expect_not close_wait_leak "$gw"
sc_expect_no_timeout "$gport"
pa=$(sc_process_id "$a"); pb=$(sc_process_id "$b")
bad=$(jq -r --argjson g "$gw" --argjson pa "$pa" --argjson pb "$pb" '[.findings[] | select(.pid == $g
	and .related_process_id != $pa and .related_process_id != $pb
	and (.severity == "medium" or .severity == "high" or .severity == "critical")) | "\(.rule)(\(.severity))"] | join(" ")' "$tmp/report.json")
sc_check "findings on the gateway point at a dialer or are low severity (offending: ${bad:-none})" [ -z "$bad" ]
vp=$(jq -r '.verdict.culprit.pid // empty' "$tmp/report.json")
if [ -n "$vp" ] && ! sc_in "$vp" $SC_PIDS; then
	echo "note: the verdict names pid $vp, outside this scenario (another incident on this host); not counted"
else
	sc_check "the verdict blames a push service, not the gateway (verdict pid '${vp:-none}')" sc_in "$vp" "$a" "$b"
fi
sc_done
