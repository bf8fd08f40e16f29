#!/bin/sh
# Scenario 6 (the rules generalise: Python, no goroutines): a Python server
# leaks CLOSE_WAIT.
#
# tests/scenarios/py/broadcast_server.py: a selectors-based hub keeps every
# client in a list for broadcasts; when a client hangs up it unregisters it
# but never closes it (and the list keeps the socket from the GC). A
# subscriber (py/subscriber.py) connects 5 times a second, says hello, reads
# the welcome and closes: its end waits in FIN_WAIT2, the hub's stays in
# CLOSE_WAIT.
#
# Verified now (raw evidence): the hub's CLOSE_WAIT sockets grow on its
# listening port; their other ends are in FIN_WAIT2; the hub's fds grow.
# Expected verdict: close_wait_leak on the Python server's pid (role:
# server); nothing on the subscriber. The same from `ss -tanp state
# close-wait` alone, as the server on its port.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init pycw
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
py="$SM_ROOT/tests/scenarios/py"

python3 "$py/broadcast_server.py" >"$tmp/srv.port" 2>"$tmp/srv.err" &
srv=$!
sc_track "$srv"
sc_wait_line "$tmp/srv.port" || fail "server did not start: $(cat "$tmp/srv.err")"
port=$(sc_field "$tmp/srv.port" 1)
python3 "$py/subscriber.py" "$port" 5 60 2>"$tmp/cli.err" &
cli=$!
sc_track "$cli"
echo "python hub pid $srv on :$port; subscriber pid $cli"

sleep 3
SC_PCAP="tcp port $port"
sc_collect 35
sc_load

# --- raw evidence -------------------------------------------------------------
cw=$(sc_series "$srv" CLOSE_WAIT)
echo "hub CLOSE_WAIT per snapshot: $cw"
set -- $(sc_first_last "$cw")
sc_check "the hub's CLOSE_WAIT grows by >= 100 ($1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 100 ]
onport=$(sc_q "SELECT count(DISTINCT o.socket_id) FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id
               JOIN socket_states st ON st.socket_id = s.id AND st.state = 'CLOSE_WAIT'
               WHERE o.pid = $srv AND s.local_port = $port")
sc_check "they are accepted connections on its listening port (got $onport)" [ "${onport:-0}" -ge 100 ]
# socket_peers holds one row per pair, either way round: look both ways.
fw=$(sc_q "WITH pp AS (SELECT socket_id AS a, peer_id AS b FROM socket_peers
                      UNION SELECT peer_id, socket_id FROM socket_peers)
           SELECT count(DISTINCT pp.a) AS n FROM pp JOIN sockets s ON s.id = pp.a
           JOIN socket_states x ON x.socket_id = pp.a AND x.state = 'CLOSE_WAIT'
           JOIN socket_states y ON y.socket_id = pp.b AND y.state = 'FIN_WAIT2'
           WHERE s.local_port = $port")
sc_check "their other ends were seen in FIN_WAIT2 (>= 100, got $fw)" [ "${fw:-0}" -ge 100 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect close_wait_leak "$srv"
role=$(jq -r --argjson p "$srv" '[.findings[] | select(.rule == "close_wait_leak" and .pid == $p) | .role][0] // empty' "$tmp/report.json")
sc_check "close_wait_leak says the hub is the server (role '$role')" [ "$role" = server ]
sc_expect_no_leak "$cli"
sc_expect_no_timeout "$port"
sc_expect_verdict "$srv" "$cli"

# --- what an on-call engineer runs first: ss -tanp state close-wait ----------
# A listing filtered by state has no State column and no LISTEN socket: the
# state comes from --ss-state, the role from the port the sockets share.
if command -v ss >/dev/null 2>&1; then
	ss -tanp state close-wait >"$tmp/cw.txt" 2>/dev/null
	"$SM_ANALYZE" report --ss-state close-wait --format json -o "$tmp/cw.json" "$tmp/cw.txt" 2>"$tmp/cw.err" ||
		fail "report on ss -tanp state close-wait: $(cat "$tmp/cw.err")"
	got=$(jq -r --argjson p "$srv" '[.findings[] | select(.rule == "close_wait_leak" and .pid == $p)
	       | .role + " " + .figures.endpoint][0] // "none"' "$tmp/cw.json")
	sc_check "ss -tanp state close-wait alone: close_wait_leak on the hub, the server on :$port (got '$got')" \
		[ "$got" = "server :$port" ]
fi
sc_done
