#!/bin/sh
# Scenario 2: a Go health checker churns TIME_WAIT.
#
# tests/go/healthcheck: every probe builds a new http.Client and Transport
# with DisableKeepAlives: true -> one TCP connection per probe, 25 a second.
# The request carries "Connection: close", so the *service* closes first and
# the TIME_WAIT entries (no owner, no pid) sit on the service's port: the
# trap is to blame the listener. The culprit is the checker that dials.
#
# Verified now (raw evidence): TIME_WAIT entries on the service's port grow
# to hundreds; the checker is seen holding connections to the service.
# Expected verdict: time_wait_churn blamed on the checker's pid, not on the
# service's.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init healthcheck
sc_go healthcheck

"$tmp/healthcheck" server >"$tmp/svc.port" 2>"$tmp/svc.err" &
svc=$!
sc_track "$svc"
sc_wait_line "$tmp/svc.port" || fail "service did not start: $(cat "$tmp/svc.err")"
port=$(sc_field "$tmp/svc.port" 1)

"$tmp/healthcheck" check "http://127.0.0.1:$port/healthz" 25 80 >"$tmp/chk.port" 2>"$tmp/chk.err" &
chk=$!
sc_track "$chk"
sc_wait_line "$tmp/chk.port" || fail "checker did not start: $(cat "$tmp/chk.err")"
cpprof=$(sc_field "$tmp/chk.port" 1)
echo "service pid $svc on :$port; checker pid $chk (pprof :$cpprof)"

sleep 10
SC_PCAP="tcp port $port"
sc_collect 35 --pprof "$chk=http://127.0.0.1:$cpprof" --pprof "$svc=http://127.0.0.1:$port" --pprof-every 5
sc_load

# --- raw evidence -------------------------------------------------------------
tw=$(sc_tw_series "$port")
echo "TIME_WAIT on :$port per snapshot: $tw"
med=$(sc_median "$tw")
sc_check "median TIME_WAIT on the service's port >= 250 (got $med)" [ "${med:-0}" -ge 250 ]
sides=$(sc_q "SELECT sum(s.local_port = $port) || ' ' || sum(s.remote_port = $port) AS n FROM sockets s
              JOIN socket_states st ON st.socket_id = s.id WHERE st.state = 'TIME_WAIT'")
echo "TIME_WAIT entries seen (distinct): on the service's side, on the checker's side: $sides"
seen=$(sc_q "SELECT count(DISTINCT o.socket_id) FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id
             WHERE o.pid = $chk AND s.remote_port = $port")
echo "checker's connections to the service seen in flight: $seen"
sc_check "the checker is seen dialing the service (>= 3 sockets, got $seen)" [ "${seen:-0}" -ge 3 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect time_wait_churn "$chk"
sc_expect_not time_wait_churn "$svc"
sc_expect_no_leak "$svc"
sc_expect_no_timeout "$port"
sc_expect_verdict "$chk" "$svc"
sc_done
