#!/bin/sh
# Scenario 10 (the rules generalise: a listener that stops accepting): a
# single-threaded Python server's accept loop is stuck on one client that
# never finishes its request (no timeout); its backlog of 8 fills and the
# kernel drops new connections. py/impatient_client.py holds that one
# stalled connection and keeps trying new ones (0.3 s connect timeout).
#
# Verified now (raw evidence): the server's LISTEN socket is seen with a full
# accept queue (rx_queue 9 for a backlog of 8 in /proc/net/tcp) and TcpExt
# ListenOverflows grows during the recording.
# Expected verdict: listen_overflow on the server's pid; nothing on the
# client.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init listen
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
py="$SM_ROOT/tests/scenarios/py"

python3 "$py/stuck_server.py" >"$tmp/srv.port" 2>"$tmp/srv.err" &
srv=$!
sc_track "$srv"
sc_wait_line "$tmp/srv.port" || fail "server did not start: $(cat "$tmp/srv.err")"
port=$(sc_field "$tmp/srv.port" 1)
python3 "$py/impatient_client.py" "$port" 40 2>"$tmp/cli.err" &
cli=$!
sc_track "$cli"
echo "stuck server pid $srv on :$port; impatient client pid $cli"

sleep 3
SC_PCAP="tcp port $port"
sc_collect 15
sc_load

# --- raw evidence -------------------------------------------------------------
# /proc/net/tcp shows a listener's accept queue in rx_queue, but not its
# backlog (tx_queue is 0 for listeners; only sock_diag, i.e. ss, has it).
aq=$(sc_q "SELECT max(st.rx_queue_max) AS n FROM sockets s JOIN socket_states st ON st.socket_id = s.id
           WHERE st.state = 'LISTEN' AND s.local_port = $port")
echo "listener :$port: accept queue up to $aq (backlog 8: full at 9)"
sc_check "the accept queue is seen full (${aq:-?} >= 9)" [ "${aq:-0}" -ge 9 ]
ov=$(sc_q "SELECT max(value) - min(value) AS n FROM counters WHERE grp = 'TcpExt' AND name = 'ListenOverflows'")
echo "TcpExt ListenOverflows during the recording: +$ov"
sc_check "the kernel counted overflows (+$ov >= 10)" [ "${ov:-0}" -ge 10 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect listen_overflow "$srv"
sc_expect_no_leak "$cli"
sc_expect_verdict "$srv" "$cli"
sc_done
