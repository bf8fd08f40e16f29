#!/bin/sh
# Scenario 1: a Go service behind nginx deadlocks on a sync.RWMutex.
#
# tests/go/rwdeadlock: handlers take RLock in a loop with `defer RUnlock`
# while a refresher waits in Lock() -> every handler blocks for good. Real
# nginx proxies to it (proxy_read_timeout 2s, no upstream keep-alive) and
# gives up after 2 s: it closes its end (FIN_WAIT2, then gone), the Go
# service's end stays in CLOSE_WAIT with a goroutine parked in RLock.
#
# Verified now (raw evidence): CLOSE_WAIT of the Go pid grows over the
# snapshots; the other ends are nginx's FIN_WAIT2; goroutine dumps of the Go
# pid show goroutines waiting on the lock.
# Expected verdict: lock_wait, close_wait_leak, goroutine_leak on the Go pid;
# peer_timeout_close naming nginx's 2 s timeout and pointing at the Go pid;
# one verdict that blames the Go pid and ties those findings together.
set -u
. "$SM_ROOT/tests/scenarios/lib.sh"
sc_init rwdeadlock
sc_go rwdeadlock

"$tmp/rwdeadlock" server >"$tmp/svc.ports" 2>"$tmp/svc.err" &
svc=$!
sc_track "$svc"
sc_wait_line "$tmp/svc.ports" || fail "service did not start: $(cat "$tmp/svc.err")"
app=$(sc_field "$tmp/svc.ports" 1)
pprof=$(sc_field "$tmp/svc.ports" 2)

port=$(sc_free_port)
sc_nginx_start "$tmp/nginx" "$port" "$app" 2s
echo "service pid $svc on :$app (pprof :$pprof); nginx $NGINX_PID workers $NGINX_WORKERS on :$port"

# 8 clients through nginx for the whole run: each request hangs 2 s and
# gets a 504, so about 4 new stuck handlers a second.
LOAD_SECS=95
"$tmp/rwdeadlock" load "http://127.0.0.1:$port/quote?items=sku1,sku2,sku3" 8 $LOAD_SECS >"$tmp/load.out" 2>&1 &
sc_track $!

# Let the first stuck handlers age past a minute by the last dump: the
# dumps only print "N minutes" from 1 minute on, and lock_wait wants that.
sleep 30
kill -0 "$svc" 2>/dev/null || fail "service died: $(cat "$tmp/svc.err")"
SC_PCAP="tcp port $app"
sc_collect 45 --pprof "$svc=http://127.0.0.1:$pprof" --pprof-every 3
sc_load

# --- raw evidence -------------------------------------------------------------
cw=$(sc_series "$svc" CLOSE_WAIT)
echo "CLOSE_WAIT of the service per snapshot: $cw"
set -- $(sc_first_last "$cw")
sc_check "service CLOSE_WAIT grows by >= 50 over the run ($1 -> $2)" [ $((${2:-0} - ${1:-0})) -ge 50 ]
# socket_peers holds one row per pair, either way round: look both ways.
fw=$(sc_q "WITH pp AS (SELECT socket_id AS a, peer_id AS b FROM socket_peers
                      UNION SELECT peer_id, socket_id FROM socket_peers)
           SELECT count(DISTINCT pp.a) AS n FROM pp JOIN sockets s ON s.id = pp.a
           JOIN socket_states x ON x.socket_id = pp.a AND x.state = 'CLOSE_WAIT'
           JOIN socket_states y ON y.socket_id = pp.b AND y.state = 'FIN_WAIT2'
           WHERE s.local_port = $app")
echo "service CLOSE_WAIT sockets whose nginx end was seen in FIN_WAIT2: $fw"
sc_check "nginx's ends seen in FIN_WAIT2 (>= 20, got $fw)" [ "${fw:-0}" -ge 20 ]
dumps=$(sc_q "SELECT count(*) FROM dumps WHERE pid = $svc AND kind = 'debug2'")
sc_check "goroutine dumps of the service (>= 3, got $dumps)" [ "${dumps:-0}" -ge 3 ]
last=$(sc_q "SELECT max(id) FROM dumps WHERE pid = $svc AND kind = 'debug2'")
lockers=$(sc_q "SELECT coalesce(sum(goroutines), 0) FROM v_stack_groups WHERE dump_id = ${last:-0} AND wait_kind = 'lock'")
old=$(sc_q "SELECT coalesce(sum(g.count), 0) FROM goroutines g JOIN stacks s ON s.id = g.stack_id
            WHERE g.dump_id = ${last:-0} AND s.wait_kind = 'lock' AND g.wait_minutes >= 1")
echo "last dump: $lockers goroutines waiting on a lock, $old of them for >= 1 minute"
sc_check "goroutines blocked on the lock (>= 100, got $lockers)" [ "${lockers:-0}" -ge 100 ]
sc_check "goroutines blocked >= 1 minute (>= 10, got $old)" [ "${old:-0}" -ge 10 ]
rlock=$(sc_q "SELECT count(*) FROM v_stack_groups WHERE dump_id = ${last:-0} AND lock_func LIKE '%RWMutex%RLock%'")
wlock=$(sc_q "SELECT count(*) FROM v_stack_groups WHERE dump_id = ${last:-0} AND lock_func LIKE '%RWMutex%).Lock%'")
sc_check "the dump shows RLock waiters (groups: $rlock)" [ "${rlock:-0}" -ge 1 ]
sc_check "the dump shows the writer waiting in Lock (groups: $wlock)" [ "${wlock:-0}" -ge 1 ]
if sc_is_root && [ "$(sc_q "SELECT count(*) FROM sqlite_master WHERE name = 'tcp_conns'")" = 1 ]; then
	# nginx is the client of the upstream connection: it sends FIN ~2 s after its request.
	tc=$(sc_q "SELECT count(*) FROM tcp_conns WHERE server_port = $app AND closed_by = 'client'
	           AND client_fin_delay_ms BETWEEN 1800 AND 2600")
	echo "captured upstream connections closed by nginx 2 s after the last data: $tc"
	sc_check "pcap: nginx closes at its 2 s timeout (>= 20 connections, got $tc)" [ "${tc:-0}" -ge 20 ]
fi

# --- the verdict -----------------------------------------------------------------
sc_report
for r in lock_wait close_wait_leak goroutine_leak; do
	sc_expect "$r" "$svc"
done
pi=$(sc_process_id "$svc")
ptc=$(jq -r --argjson p "$svc" --argjson pi "$pi" \
	'[.findings[] | select(.rule == "peer_timeout_close" and (.pid == $p or .related_process_id == $pi))] | length' \
	"$tmp/report.json")
sc_check "peer_timeout_close pointing at the service (pid $svc / process $pi): $ptc finding(s)" [ "${ptc:-0}" -ge 1 ]
to=$(jq -r --argjson p "$svc" --argjson pi "$pi" '[.findings[] | select(.rule == "peer_timeout_close"
	and (.pid == $p or .related_process_id == $pi)) | .figures.timeout_s // empty][0] // empty' "$tmp/report.json")
sc_check "peer_timeout_close names nginx's 2 s timeout (timeout_s '$to')" \
	awk -v t="${to:-0}" 'BEGIN { exit !(t >= 1.5 && t <= 3) }'
# One verdict, not separate alarms: the service's findings are tied together.
for r in lock_wait close_wait_leak goroutine_leak; do
	sc_check "the verdict ties in $r" jq -e --arg r "$r" '.verdict.rules // [] | index($r) != null' "$tmp/report.json"
done
for w in $NGINX_PID $NGINX_WORKERS; do
	sc_expect_not close_wait_leak "$w"
	sc_expect_not lock_wait "$w"
done
sc_expect_verdict "$svc" $NGINX_PID $NGINX_WORKERS
sc_done
