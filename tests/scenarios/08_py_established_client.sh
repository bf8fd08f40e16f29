#!/bin/sh
# Scenario 8 (the rules generalise: Python, no goroutines): a Python worker
# leaks ESTABLISHED connections.
#
# tests/scenarios/py/job_client.py opens an http.client.HTTPConnection per job
# (5 a second), reads the answer and keeps the connection "for retries" in a
# dict nobody prunes. The API (py/job_api.py, ThreadingHTTPServer, HTTP/1.1
# keep-alive) holds each connection with a thread waiting for the next
# request: its accepted sockets mirror the leak, but it is the victim.
#
# Verified now (raw evidence): the worker's ESTABLISHED connections to the
# API grow steadily, mirrored on the API's side.
# Expected verdict: established_growth on the worker's pid; none on the API
# (its sockets were accepted, not dialed); the verdict blames the worker.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init pyest
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
py="$SM_ROOT/tests/scenarios/py"

python3 "$py/job_api.py" >"$tmp/api.port" 2>"$tmp/api.err" &
api=$!
sc_track "$api"
sc_wait_line "$tmp/api.port" || fail "API did not start: $(cat "$tmp/api.err")"
port=$(sc_field "$tmp/api.port" 1)
python3 "$py/job_client.py" "$port" 5 60 2>"$tmp/cli.err" &
cli=$!
sc_track "$cli"
echo "python API pid $api on :$port; python worker pid $cli"

sleep 3
SC_PCAP="tcp port $port"
sc_collect 35
sc_load

# --- raw evidence -------------------------------------------------------------
ce=$(sc_series "$cli" ESTABLISHED)
echo "worker ESTABLISHED per snapshot: $ce"
set -- $(sc_first_last "$ce")
sc_check "the worker's connections grow by >= 100 ($1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 100 ]
ae=$(sc_series "$api" ESTABLISHED)
set -- $(sc_first_last "$ae")
echo "API ESTABLISHED: $1 -> $2 (the mirror)"
sc_check "the API's accepted connections mirror it (grow by >= 100: $1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 100 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect established_growth "$cli"
sc_expect_not established_growth "$api"
sc_expect_not close_wait_leak "$api"
sc_expect_no_timeout "$port"
pc=$(sc_process_id "$cli")
bad=$(jq -r --argjson g "$api" --argjson pc "$pc" '[.findings[] | select(.pid == $g and .related_process_id != $pc
	and (.severity == "medium" or .severity == "high" or .severity == "critical")) | "\(.rule)(\(.severity))"] | join(" ")' "$tmp/report.json")
sc_check "findings on the API point at the worker or are low severity (offending: ${bad:-none})" [ -z "$bad" ]
sc_expect_verdict "$cli" "$api"
sc_done
