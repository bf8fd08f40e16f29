#!/bin/sh
# Scenario 5: the control. A healthy, pooled Go client and server under load.
#
# tests/go/pooled: one http.Client with a pool of up to 8 connections, 8 workers,
# 100 requests a second of 40 ms each, every body read and closed; the server has
# timeouts. Connections are reused: a steady few ESTABLISHED, no TIME_WAIT
# churn, a flat fd and goroutine count.
#
# Verified now (raw evidence): the client's ESTABLISHED count stays at the
# pool size; TIME_WAIT on the service's port stays near zero; fd counts flat.
# Expected verdict: no leak finding above informational severity on either
# pid, no peer_timeout_close (nothing times out), and the verdict blames
# neither.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init pooled
sc_go pooled

"$tmp/pooled" server >"$tmp/srv.port" 2>"$tmp/srv.err" &
srv=$!
sc_track "$srv"
sc_wait_line "$tmp/srv.port" || fail "server did not start: $(cat "$tmp/srv.err")"
port=$(sc_field "$tmp/srv.port" 1)
spprof=$(sc_field "$tmp/srv.port" 2)
"$tmp/pooled" client "http://127.0.0.1:$port/api" 8 100 60 >"$tmp/cli.port" 2>"$tmp/cli.err" &
cli=$!
sc_track "$cli"
sc_wait_line "$tmp/cli.port" || fail "client did not start: $(cat "$tmp/cli.err")"
cpprof=$(sc_field "$tmp/cli.port" 1)
echo "server pid $srv on :$port; client pid $cli (pprof :$cpprof)"

sleep 3
SC_PCAP="tcp port $port"
sc_collect 35 --pprof "$cli=http://127.0.0.1:$cpprof" --pprof "$srv=http://127.0.0.1:$spprof" --pprof-every 5
sc_load

# --- raw evidence -------------------------------------------------------------
ce=$(sc_series "$cli" ESTABLISHED)
echo "client ESTABLISHED per snapshot: $ce"
emax=$(echo "$ce" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | tail -n 1)
# 8 pooled connections, plus at most a couple for the collector's pprof fetch
sc_check "the client's connections stay at the pool size (max $emax <= 11)" [ "${emax:-99}" -le 11 ]
sc_check "the client does use its pool (max $emax >= 3)" [ "${emax:-0}" -ge 3 ]
tw=$(sc_tw_series "$port")
twmax=$(echo "$tw" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | tail -n 1)
echo "TIME_WAIT on :$port per snapshot: $tw"
sc_check "no TIME_WAIT churn on the service's port (max $twmax <= 20)" [ "${twmax:-99}" -le 20 ]
fdc=$(sc_q "SELECT max(fd_count) - min(fd_count) AS n FROM v_fd_usage WHERE pid = $cli")
sc_check "the client's fd count is flat (range $fdc <= 6)" [ "${fdc:-99}" -le 6 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect_no_leak "$cli"
sc_expect_no_leak "$srv"
sc_expect_not peer_timeout_close "$cli"
sc_expect_not peer_timeout_close "$srv"
sc_expect_no_timeout "$port"
sc_expect_no_verdict_on "$cli" "$srv"
sc_done
