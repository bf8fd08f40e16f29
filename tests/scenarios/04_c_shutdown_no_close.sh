#!/bin/sh
# Scenario 4: a C server calls shutdown() but never close().
#
# tests/helpers/shutdown_leak: when a client hangs up, the server calls
# shutdown(fd, SHUT_RDWR) and forgets the fd. The kernel finishes the
# connection (CLOSE_WAIT -> LAST_ACK -> CLOSE) and drops it from
# /proc/net/tcp, but the fd still holds socket:[inode]: an orphaned socket
# fd ("can't identify protocol"). A client connects 4 times a second.
#
# Verified now (raw evidence): the server's orphaned socket fds grow over the
# snapshots (orphan_fds), its fd count grows, and those inodes are in no
# protocol table.
# Expected verdict: orphan_socket_fds on the server's pid; nothing on the
# client (it closes everything).
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init shutdown
h=$(sc_helper shutdown_leak)

"$h" server >"$tmp/srv.port" 2>"$tmp/srv.err" &
srv=$!
sc_track "$srv"
sc_wait_line "$tmp/srv.port" || fail "server did not start: $(cat "$tmp/srv.err")"
port=$(sc_field "$tmp/srv.port" 1)
"$h" client "$port" 4 60 >/dev/null 2>"$tmp/cli.err" &
cli=$!
sc_track "$cli"
echo "server pid $srv on :$port; client pid $cli"

sleep 3
SC_PCAP="tcp port $port"
sc_collect 35
sc_load

# --- raw evidence -------------------------------------------------------------
oc=$(sc_q "SELECT coalesce((SELECT orphan_fds FROM v_orphan_counts c WHERE c.snapshot_id = s.id AND c.pid = $srv), 0) AS n
           FROM snapshots s ORDER BY s.id" | tr '\n' ' ')
echo "server's orphaned socket fds per snapshot: $oc"
set -- $(sc_first_last "$oc")
sc_check "orphaned fds grow by >= 80 ($1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 80 ]
fdc=$(sc_q "SELECT group_concat(fd_count, ' ') AS n FROM (SELECT fd_count FROM v_fd_usage WHERE pid = $srv ORDER BY snapshot_id)")
set -- $(sc_first_last "$fdc")
echo "server's fds: $1 -> $2"
sc_check "the server's fd count grows by >= 80 ($1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 80 ]
intable=$(sc_q "SELECT count(*) FROM orphan_fds o JOIN processes p ON p.id = o.process_id
                JOIN sockets s ON s.inode = o.inode WHERE p.pid = $srv
                AND EXISTS (SELECT 1 FROM socket_states st WHERE st.socket_id = s.id
                            AND st.last_snapshot >= o.first_snapshot)")
sc_check "orphaned inodes are in no protocol table while orphaned (got $intable in a table)" [ "${intable:-1}" = 0 ]
corph=$(sc_q "SELECT count(*) FROM v_orphan_fds WHERE pid = $cli")
sc_check "the client holds no orphaned fd (got $corph)" [ "${corph:-1}" = 0 ]

# --- the verdict -----------------------------------------------------------------
sc_report
sc_expect orphan_socket_fds "$srv"
sc_expect_no_leak "$cli"
sc_expect_not close_wait_leak "$srv"
sc_expect_no_timeout "$port"
sc_expect_verdict "$srv" "$cli"
sc_done
