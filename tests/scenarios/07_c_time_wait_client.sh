#!/bin/sh
# Scenario 7 (the rules generalise: C, the client closes first): a C client
# churns TIME_WAIT.
#
# tests/helpers/twchurn: `client` opens a new connection per request from 8
# threads, about 3 requests a second each, reads the answer, works 300 ms on
# it with the socket open (long enough for a snapshot to see who holds it)
# and closes first, so the TIME_WAIT entries sit on the client's ephemeral ports
# (unlike scenario 2, where the server closed first). The server only
# follows the client's close.
#
# Verified now (raw evidence): TIME_WAIT towards the server's port grows to
# hundreds, on the client's side; the client is seen holding connections.
# Expected verdict: time_wait_churn blamed on the C client's pid; nothing on
# the server.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init twchurn
h=$(sc_helper twchurn)

"$h" server >"$tmp/srv.port" 2>"$tmp/srv.err" &
srv=$!
sc_track "$srv"
sc_wait_line "$tmp/srv.port" || fail "server did not start: $(cat "$tmp/srv.err")"
port=$(sc_field "$tmp/srv.port" 1)
"$h" client "$port" 8 4 60 2>"$tmp/cli.err" &
cli=$!
sc_track "$cli"
echo "server pid $srv on :$port; C client pid $cli"

sleep 8
SC_PCAP="tcp port $port"
sc_collect 35
sc_load

# --- raw evidence -------------------------------------------------------------
tw=$(sc_tw_series "$port")
echo "TIME_WAIT towards :$port per snapshot: $tw"
med=$(sc_median "$tw")
sc_check "median TIME_WAIT >= 250 (got $med)" [ "${med:-0}" -ge 250 ]
sides=$(sc_q "SELECT sum(s.remote_port = $port) || ' ' || sum(s.local_port = $port) AS n FROM sockets s
              JOIN socket_states st ON st.socket_id = s.id WHERE st.state = 'TIME_WAIT'")
echo "TIME_WAIT entries seen (distinct): on the client's side, on the server's side: $sides"
set -- $sides
sc_check "the client closed first: TIME_WAIT on its side (${1:-0} vs ${2:-0})" [ "${1:-0}" -ge 250 ]
sc_check "next to none on the server's side (${2:-0})" [ "${2:-0}" -le 10 ]
seen=$(sc_q "SELECT count(DISTINCT o.socket_id) FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id
             WHERE o.pid = $cli AND s.remote_port = $port")
sc_check "the client is seen dialing the server (>= 3 sockets, got $seen)" [ "${seen:-0}" -ge 3 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect time_wait_churn "$cli"
sc_expect_no_leak "$srv"
sc_expect_no_timeout "$port"
sc_expect_verdict "$cli" "$srv"
sc_done
