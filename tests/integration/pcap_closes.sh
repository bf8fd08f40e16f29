#!/bin/sh
# pcap_closes: real connections on 127.0.0.1 with known close orders,
# captured by the collector (--pcap on lo) and analysed from the bundle.
#
# tests/helpers/closeorder makes nine connections to its own server: the
# client closes first (C), the server closes first (S), the server resets
# (R, SO_LINGER 0), each 1.5 s after its answer, and six where the server
# closes after a fixed 1.0 s idle timeout following its answer (T), one
# the client holds open past the end of the recording (L), and one a
# second client opened before the recording began, uses 3 s later and
# holds open past its end (E: the capture sees it from its request on).
# We check tcp_conns (who closed
# first, FIN or RST), the close_delays cluster (about 1000 ms, closer =
# the server's port), the pids tied to both ends through the snapshots
# (E too: its sockets were seen from the first snapshot, long before its
# first packet, and are tied only if their intervals already reach the
# last snapshot when the capture is read), and `sockmortem conns
# --closed-by`.
#
# Needs root (packet capture): skipped (77) otherwise, or when the
# collector says it may not capture. Environment: SM_COLLECT, SM_ANALYZE,
# SM_HELPERS, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u

. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT SM_ANALYZE
helper="${SM_HELPERS:-}/closeorder"
[ -x "$helper" ] || fail "helper '$helper' missing (make check-build builds it)"
[ "$(id -u)" = 0 ] || skip "packet capture needs root"

tmp=$(mktemp -d /tmp/sm-pcap.XXXXXX) || fail "mktemp"
spid="" cpid="" kpid="" epid=""
cleanup() {
	for p in $cpid $epid $spid $kpid; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# A port below the ephemeral range, unlikely to be taken.
port=$((20000 + $$ % 10000))
modes=CSRTTTTTTL
n=$(printf %s "$modes" | wc -c)

"$helper" server "$port" $((n + 1)) >"$tmp/server.out" 2>&1 &
spid=$!
i=0
until grep -q '^ready' "$tmp/server.out" 2>/dev/null; do
	grep -q '^error' "$tmp/server.out" 2>/dev/null && skip "port $port busy: $(cat "$tmp/server.out")"
	kill -0 "$spid" 2>/dev/null || fail "server died: $(cat "$tmp/server.out")"
	i=$((i + 1))
	[ $i -le 100 ] || fail "server not ready after 10 s"
	sleep 0.1
done

"$helper" client "$port" E >"$tmp/early.out" 2>&1 &
epid=$!
i=0
until grep -q '^connected' "$tmp/early.out" 2>/dev/null; do
	kill -0 "$epid" 2>/dev/null || fail "early client died: $(cat "$tmp/early.out")"
	i=$((i + 1))
	[ $i -le 100 ] || fail "early client not connected after 10 s"
	sleep 0.1
done
eport=$(sed -n 's/^connected //p' "$tmp/early.out")

"$SM_COLLECT" -o "$tmp/b.tar.zst" -i 200ms -d 5s --comm closeorder \
	--pcap "tcp port $port" --pcap-iface lo >"$tmp/collect.out" 2>"$tmp/collect.err" &
kpid=$!
sleep 1
if grep -qi 'cannot capture\|CAP_NET_RAW\|permission' "$tmp/collect.err"; then
	cat "$tmp/collect.err"
	skip "the collector may not capture here"
fi

"$helper" client "$port" "$modes" >"$tmp/client.out" 2>&1 &
cpid=$!
wait "$cpid" || fail "client failed: $(cat "$tmp/client.out")"
wait "$epid" || fail "early client failed: $(cat "$tmp/early.out")"
wait "$spid" || fail "server failed: $(cat "$tmp/server.out")"
clpid=$cpid srvpid=$spid eclpid=$epid
cpid="" spid="" epid=""
wait "$kpid"
rc=$?
kpid=""
[ $rc -eq 0 ] || { cat "$tmp/collect.err"; fail "collector exit $rc"; }
if grep -qi 'cannot capture' "$tmp/collect.err"; then
	cat "$tmp/collect.err"
	skip "the collector may not capture here"
fi
echo "client pid $clpid, server pid $srvpid, port $port:"
sed 's/^/  /' "$tmp/client.out"

"$SM_ANALYZE" load "$tmp/b.tar.zst" -o "$tmp/db" >"$tmp/load.out" 2>&1 || { cat "$tmp/load.out"; fail "load failed"; }
q() { "$SM_ANALYZE" query "$tmp/db" "$1" --csv | tail -n +2; }

echo "tcp_conns:"
q "SELECT client_port, closed_by, close_kind, round(server_fin_delay_ms), client_pid, server_pid, init_rule
   FROM tcp_conns WHERE server_port = $port ORDER BY first_ns" | sed 's/^/  /'

[ "$(q "SELECT count(*) FROM tcp_conns WHERE server_port = $port AND client_port <> $eport")" = "$n" ] ||
	fail "expected $n connections"
[ "$(q "SELECT count(*) FROM captures WHERE path LIKE 'pcap/seg-%.pcap' AND kernel_dropped IS NOT NULL")" -ge 1 ] ||
	fail "no captures row with the segment's drop counts"
[ "$(q "SELECT sum(malformed) + sum(cut) FROM captures")" = 0 ] || fail "malformed or cut packets on lo"

# expect MODE CLOSED_BY KIND: every connection of that mode closed that way
expect() {
	for cport in $(sed -n "s/^conn $1 //p" "$tmp/client.out"); do
		got=$(q "SELECT closed_by || '/' || close_kind || '/' || init_rule FROM tcp_conns
		         WHERE server_port = $port AND client_port = $cport")
		[ "$got" = "$2/$3/syn" ] || fail "mode $1 (client port $cport): closed $got, expected $2/$3/syn"
	done
}
expect C client fin
expect S server fin
expect R server rst
expect T server fin

# The timeout closes come 1.0 s after the server's answer.
t_ports=$(sed -n 's/^conn T //p' "$tmp/client.out" | tr '\n' ',' | sed 's/,$//')
[ "$(q "SELECT count(*) FROM tcp_conns WHERE client_port IN ($t_ports)
        AND server_fin_delay_ms BETWEEN 950 AND 1150")" = 6 ] || fail "timeout closes not at ~1000 ms"

echo "close_delays:"
q "SELECT closer_role, closer_addr, closer_port, peer_addr, peer_port, round(delay_ms, 1), round(spread_ms, 1),
          n, n_total, closer_pid, peer_pid FROM close_delays" | sed 's/^/  /'
row=$(q "SELECT closer_addr, closer_port, peer_addr, n >= 6, n_total, closer_pid, peer_pid FROM close_delays
         WHERE closer_role = 'server' AND delay_ms BETWEEN 950 AND 1150 AND spread_ms < 100")
[ "$row" = "127.0.0.1,$port,127.0.0.1,1,$((n + 1)),$srvpid,$clpid" ] || fail "close_delays row: '$row'"

# Both ends of every connection tied to the processes through the snapshots.
tied=$(q "SELECT count(*) FROM tcp_conns WHERE server_port = $port AND client_port <> $eport
        AND server_pid = $srvpid AND client_pid = $clpid
        AND client_socket_id IS NOT NULL AND server_socket_id IS NOT NULL")
if [ "$tied" != "$n" ]; then
	echo "snapshots (a connection lasts 1.0-1.5 s; each must fall in one):"
	q "SELECT seq, wall_ns / 1000000 % 100000, (ended_ns - wall_ns) / 1000000 FROM snapshots" | sed 's/^/  /'
	fail "only $tied of $n connections tied to pids $clpid/$srvpid"
fi
[ "$(q "SELECT count(*) FROM tcp_conns WHERE server_port = $port AND client_port <> $eport
        AND (coalesce(client_pid, $clpid) <> $clpid OR coalesce(server_pid, $srvpid) <> $srvpid)")" = 0 ] ||
	fail "a connection tied to the wrong process"
# The connection older than the capture, first seen in it 3 s in.
early=$(q "SELECT client_pid, server_pid, client_socket_id IS NOT NULL, server_socket_id IS NOT NULL
         FROM tcp_conns WHERE server_port = $port AND client_port = $eport")
[ "$early" = "$eclpid,$srvpid,1,1" ] || fail "the connection opened before the recording: tied as '$early'"

# conns: closed by the server's end = local for the server, remote for the client.
lines() { "$SM_ANALYZE" conns "$tmp/db" "$@" | tail -n +2 | wc -l; }
# S, R and six T; C closed by the client; L and E not closed while recording
[ "$(lines --pid "$srvpid" --closed-by local)" = 8 ] || fail "conns --pid server --closed-by local"
[ "$(lines --pid "$srvpid" --closed-by remote)" = 1 ] || fail "conns --pid server --closed-by remote"
[ "$(lines --pid "$clpid" --closed-by local)" = 1 ] || fail "conns --pid client --closed-by local"
"$SM_ANALYZE" conns "$tmp/db" --pid "$srvpid" | sed 's/^/  /'
echo "ok"
