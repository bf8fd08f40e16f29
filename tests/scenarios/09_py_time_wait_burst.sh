#!/bin/sh
# Scenario 9 (no alarm on health): one burst of TIME_WAIT is not churn.
#
# tests/scenarios/py/burst_client.py holds 400 connections to a server
# (tests/helpers/twchurn server), steady, then ~10 s into the recording
# closes them all at once (a batch job ending, a pool drained on reload):
# 400 TIME_WAIT entries appear in one snapshot and then only age out. No new
# connection is opened during the whole recording.
#
# Verified now (raw evidence): 400 ESTABLISHED, then ~400 TIME_WAIT on the
# client's side appearing in one step; no TIME_WAIT entry is born after that.
# Expected verdict: no time_wait_churn for this service (a median of 400
# TIME_WAIT entries that all date from one second is a burst, not about 4 new
# connections a second), and no leak finding on either pid.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init burst
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
h=$(sc_helper twchurn)

"$h" server >"$tmp/srv.port" 2>"$tmp/srv.err" &
srv=$!
sc_track "$srv"
sc_wait_line "$tmp/srv.port" || fail "server did not start: $(cat "$tmp/srv.err")"
port=$(sc_field "$tmp/srv.port" 1)
python3 "$SM_ROOT/tests/scenarios/py/burst_client.py" "$port" 400 12 >"$tmp/cli.out" 2>"$tmp/cli.err" &
cli=$!
sc_track "$cli"
sc_wait_line "$tmp/cli.out" || fail "client did not connect: $(cat "$tmp/cli.err")"
echo "server pid $srv on :$port; burst client pid $cli"

SC_PCAP="tcp port $port"
sc_collect 35
grep -q closed "$tmp/cli.out" || fail "the client did not close its connections"
sc_load

# --- raw evidence -------------------------------------------------------------
ce=$(sc_series "$cli" ESTABLISHED)
echo "client ESTABLISHED per snapshot: $ce"
tw=$(sc_tw_series "$port")
echo "TIME_WAIT towards :$port per snapshot: $tw"
set -- $(sc_first_last "$ce")
sc_check "the client held 400 connections at first (got $1)" [ "${1:-0}" -ge 400 ]
twmax=$(echo "$tw" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | tail -n 1)
sc_check "then ~400 TIME_WAIT entries (max $twmax)" [ "${twmax:-0}" -ge 390 ]
births=$(sc_q "SELECT count(DISTINCT st.first_snapshot) FROM sockets s JOIN socket_states st ON st.socket_id = s.id
               WHERE st.state = 'TIME_WAIT' AND s.remote_port = $port")
sc_check "they were born in one or two snapshots (got $births)" [ "${births:-9}" -le 2 ]
med=$(sc_median "$tw")
echo "median TIME_WAIT: $med (the churn rule's threshold is 250)"

# --- the verdict -----------------------------------------------------------------
sc_report
tw_here=$(jq -r --arg re "127\\.0\\.0\\.1:$port([^0-9]|$)" '[.findings[] | select(.rule == "time_wait_churn")
	| select(tostring | test($re)) | "pid \(.pid): \(.summary)"] | join("; ")' "$tmp/report.json")
sc_check "no time_wait_churn for :$port, it was one burst (got: ${tw_here:-none})" [ -z "$tw_here" ]
sc_expect_not time_wait_churn "$cli"
sc_expect_no_leak "$cli"
sc_expect_no_leak "$srv"
sc_expect_no_timeout "$port"
sc_expect_no_verdict_on "$cli" "$srv"
sc_done
