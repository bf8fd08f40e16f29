#!/bin/sh
# Issue: a Go client leaks connections (response bodies never closed).
# Collect with --pprof, load, and check the goroutine groups and the
# goroutine/socket ratio: 2 persistConn goroutines per leaked connection.
set -u
. "$SM_ROOT/tests/lib.sh"
need_go
tmp=$(mktemp -d /tmp/sm-gr.XXXXXX)
pids=""
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
go_build "$SM_ROOT/tests/go/leakyclient" "$tmp/leakyclient" || fail "go build failed"

"$tmp/leakyclient" server > "$tmp/server.port" 2>"$tmp/server.err" &
pids="$pids $!"
wait_file "$tmp/server.port" || fail "server did not start"
N=40
"$tmp/leakyclient" client "http://127.0.0.1:$(cat "$tmp/server.port")/" $N > "$tmp/client.port" 2>"$tmp/client.err" &
cpid=$!
pids="$pids $cpid"
wait_file "$tmp/client.port" || fail "client did not start"
pport=$(cat "$tmp/client.port")

"$SM_COLLECT" -o "$tmp/b.tar.zst" -n 3 -i 0.5 -p "$cpid" --pprof "$cpid=http://127.0.0.1:$pport" \
	--pprof-every 1 -q || fail "collector failed"
"$SM_ANALYZE" load "$tmp/b.tar.zst" -o "$tmp/db" -q || fail "load failed"

q() { "$SM_ANALYZE" query "$tmp/db" "$1" --csv | tail -n +2; }
dumps=$(q "SELECT count(*) FROM dumps WHERE pid = $cpid AND kind = 'debug2'")
[ "$dumps" -ge 3 ] || fail "expected 3 debug2 dumps of $cpid, got $dumps"
[ "$(q "SELECT count(*) FROM dumps WHERE pid = $cpid AND process_id IS NULL")" = 0 ] || fail "dumps not tied to the process"
# Every debug=1 dump's parsed goroutines equal its own "total N".
bad=$(q "SELECT count(*) FROM dumps WHERE kind = 'debug1' AND total <> goroutines")
[ "$bad" = 0 ] || fail "$bad debug1 dumps whose parsed count differs from their total"
last=$(q "SELECT max(id) FROM dumps WHERE pid = $cpid AND kind = 'debug2'")
rl=$(q "SELECT goroutines FROM v_stack_groups WHERE dump_id = $last AND top_func LIKE '%' AND role = 'http_client' AND example_goids IS NOT NULL ORDER BY goroutines DESC LIMIT 1")
[ "$rl" = "$N" ] || fail "expected a group of $N http_client goroutines (readLoop or writeLoop), got '$rl'"
row=$(q "SELECT http_client_goroutines, established FROM v_goroutines_vs_sockets WHERE dump_id = $last")
hc=${row%,*}; est=${row#*,}
[ "$hc" = $((2 * N)) ] || fail "expected $((2 * N)) http_client goroutines, got $hc"
# the client also holds its pprof listener's accepted fetch connection at times: allow +2
[ "$est" -ge "$N" ] && [ "$est" -le $((N + 2)) ] || fail "expected ~$N ESTABLISHED sockets of the client, got $est"
ratio=$(q "SELECT round(1.0 * http_client_goroutines / $N, 1) FROM v_goroutines_vs_sockets WHERE dump_id = $last")
[ "$ratio" = "2.0" ] || fail "goroutines per leaked connection: $ratio"
out=$("$SM_ANALYZE" stacks "$tmp/db" --pid "$cpid") || fail "stacks failed"
echo "$out" | grep -q "http_client" || fail "stacks output lacks http_client: $out"
echo "$out" | grep -q "persistConn" || fail "stacks output lacks persistConn frames"
echo "ok: $N leaked connections, $hc http_client goroutines, ratio $ratio"
