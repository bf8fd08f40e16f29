#!/bin/sh
# loose_dump_pid: a goroutine dump fetched by hand (curl of
# /debug/pprof/goroutine?debug=2) beside an `ss -tanp` of the same host
# is one process's story only if it is tied to that process.
#
# The real Go service of scenario 01 (tests/go/rwdeadlock) deadlocks its
# handlers; 300 clients give up on it, leaving CLOSE_WAIT. Its `ss -tanp`
# and its goroutine dump are taken as an on-call engineer would.
#  - `report ss.txt g.txt`: the dump's lock_wait names no process, the
#    CLOSE_WAIT is a verdict without a cause; stderr suggests --dump;
#  - `report ss.txt --dump PID=g.txt`: one verdict on the service whose
#    cause is the lock (close_wait_leak and lock_wait, both on PID);
#  - `load --dump` first and the capture after, into one database: the
#    dump is tied once the process is there (a warning before);
#  - --dump of a file that is not a dump, a bad PID=FILE, and --dump with
#    a database given to report are refused;
#  - the dump Go itself prints on `kill -QUIT`, as journald keeps it (each
#    line "Nov 24 10:00:00 web-1 rwdeadlock[PID]: ...", other programs'
#    lines between) is read, and its prefix's pid ties it without --dump;
#    alone, it still names that pid in the verdict;
#    as `docker logs -t` keeps it (timestamps, no pid) and as docker's
#    json-file log does (escaped JSON), it is read, and --dump ties it.
#
# Environment: SM_ANALYZE, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u
. "$SM_ROOT/tests/lib.sh"
need_go
command -v ss >/dev/null 2>&1 || skip "no ss"
command -v python3 >/dev/null 2>&1 || skip "no python3 for the clients"
command -v jq >/dev/null 2>&1 || skip "no jq"

work_dir dump-pid   # at exit: kills what $pids holds, removes $tmp
go_build "$SM_ROOT/tests/go/rwdeadlock" "$tmp/rwdeadlock" || fail "go build failed"
"$tmp/rwdeadlock" server >"$tmp/svc.ports" 2>"$tmp/svc.err" &
svc=$!
pids="$pids $svc"
wait_file "$tmp/svc.ports" || fail "the service did not start: $(cat "$tmp/svc.err")"
read -r port pprof <"$tmp/svc.ports"

# 300 requests that take the read lock, then the clients give up.
python3 - "$port" <<'PY' || fail "the clients failed"
import socket, sys, time
port = int(sys.argv[1])
held = []
for i in range(300):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /quote?items=sku1,sku2,sku3 HTTP/1.1\r\nHost: svc\r\n\r\n")
    held.append(s)
    time.sleep(0.002)
time.sleep(1.0)
for s in held:
    s.close()
PY
cw() { grep -c "CLOSE-WAIT.*:$port .*pid=$svc," "$tmp/ss.txt"; }
i=0
until ss -tanp >"$tmp/ss.txt" && [ "$(cw)" -ge 250 ]; do
	i=$((i + 1)); [ $i -lt 100 ] || fail "no CLOSE_WAIT on the service: $(cw)"
	sleep 0.05
done
python3 -c "import sys, urllib.request
sys.stdout.buffer.write(urllib.request.urlopen('http://127.0.0.1:$pprof/debug/pprof/goroutine?debug=2', timeout=10).read())" \
	>"$tmp/g.txt" || fail "cannot fetch the goroutine dump"
echo "the service (pid $svc) holds $(cw) CLOSE_WAIT; the dump has $(grep -c '^goroutine ' "$tmp/g.txt") goroutines"

# rules of a report: "rule:pid" of each finding, sorted
rules() { jq -r '[.findings[] | "\(.rule):\(.pid)"] | sort | join(" ")' "$1"; }

"$SM_ANALYZE" report --format json "$tmp/ss.txt" "$tmp/g.txt" >"$tmp/apart.json" 2>"$tmp/apart.err" ||
	fail "report apart: exit $?: $(cat "$tmp/apart.err")"
[ "$(rules "$tmp/apart.json")" = "close_wait_leak:$svc lock_wait:null" ] ||
	fail "apart: findings $(rules "$tmp/apart.json")"
grep -q -- "--dump PID=$tmp/g.txt ties" "$tmp/apart.err" || fail "apart: no --dump hint: $(cat "$tmp/apart.err")"
echo "ok: apart, the lock names no process and stderr suggests --dump"

"$SM_ANALYZE" report --format json "$tmp/ss.txt" --dump "$svc=$tmp/g.txt" >"$tmp/tied.json" 2>"$tmp/tied.err" ||
	fail "report --dump: exit $?: $(cat "$tmp/tied.err")"
[ ! -s "$tmp/tied.err" ] || fail "report --dump: stderr: $(cat "$tmp/tied.err")"
[ "$(rules "$tmp/tied.json")" = "close_wait_leak:$svc lock_wait:$svc" ] ||
	fail "--dump: findings $(rules "$tmp/tied.json")"
verdict=$(jq -r '"\(.verdict.culprit.pid) \(.verdict.rules | sort | join(",")) \(.verdict.cause != null)"' "$tmp/tied.json")
[ "$verdict" = "$svc close_wait_leak,lock_wait true" ] || fail "--dump: verdict $verdict"
jq -r .verdict.cause "$tmp/tied.json" | grep -q "sync.RWMutex" || fail "--dump: the cause is not the lock"
echo "ok: --dump $svc=g.txt: one verdict on pid $svc, its cause the RWMutex"

# Into a database in two runs, the dump first: tied when the process comes.
db="$tmp/two.db"
"$SM_ANALYZE" load -q --dump "$svc=$tmp/g.txt" -o "$db" 2>"$tmp/l1.err" || fail "load --dump: exit $?"
grep -q "no process $svc in the captures loaded" "$tmp/l1.err" || fail "load --dump alone: no warning: $(cat "$tmp/l1.err")"
"$SM_ANALYZE" load -q "$tmp/ss.txt" -o "$db" 2>"$tmp/l2.err" || fail "load ss: exit $?: $(cat "$tmp/l2.err")"
tied=$("$SM_ANALYZE" query "$db" "SELECT count(*) FROM dumps d JOIN processes p ON p.id = d.process_id WHERE p.pid = $svc" --csv | tail -n 1)
[ "$tied" = 1 ] || fail "the dump loaded first is not tied to pid $svc: $tied"
echo "ok: loaded before its process, the dump is tied when it comes"

refused() { # want-exit text args...
	want=$1 text=$2
	shift 2
	"$SM_ANALYZE" "$@" >/dev/null 2>"$tmp/r.err"
	rc=$?
	[ $rc -eq "$want" ] && grep -q -- "$text" "$tmp/r.err" || fail "$*: exit $rc, want $want and '$text': $(cat "$tmp/r.err")"
}
refused 1 "not a Go goroutine dump (ss)" report --dump "$svc=$tmp/ss.txt" "$tmp/ss.txt"
refused 2 "expected PID=FILE" report --dump "$tmp/g.txt" "$tmp/ss.txt"
refused 2 "expected PID=FILE" load --dump "0=$tmp/g.txt" -o "$tmp/x.db"
refused 1 "is a database: --series and --dump are for loading" report --dump "$svc=$tmp/g.txt" "$db"
echo "ok: bad --dump refused"

# kill -QUIT: Go prints every goroutine to stderr and exits.
kill -QUIT "$svc"
wait "$svc" 2>/dev/null
grep -q '^SIGQUIT: quit' "$tmp/svc.err" || fail "no SIGQUIT dump on the service's stderr: $(head -c 300 "$tmp/svc.err")"
# What journald and docker make of that stderr (and of other programs' lines).
{
	echo "Nov 24 09:59:58 web-1 systemd[1]: Started rwdeadlock.service."
	awk -v pid="$svc" '{ print "Nov 24 10:00:00 web-1 rwdeadlock[" pid "]: " $0 }
		NR % 50 == 0 { print "Nov 24 10:00:00 web-1 sshd[900]: Accepted publickey for root" }' "$tmp/svc.err"
} >"$tmp/journal.log"
sed 's/^/2026-11-24T10:00:00.123456789Z /' "$tmp/svc.err" >"$tmp/docker.log"
# docker's json-file driver: each line a JSON object, the text escaped
awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t")
       printf "{\"log\":\"%s\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:00Z\"}\n", $0 }' \
	"$tmp/svc.err" >"$tmp/docker-json.log"

"$SM_ANALYZE" report --format json "$tmp/ss.txt" "$tmp/journal.log" >"$tmp/j.json" 2>"$tmp/j.err" ||
	fail "report ss journal: exit $?: $(cat "$tmp/j.err")"
[ ! -s "$tmp/j.err" ] || fail "report ss journal: stderr: $(cat "$tmp/j.err")"
[ "$(rules "$tmp/j.json")" = "close_wait_leak:$svc lock_wait:$svc" ] || fail "journal: findings $(rules "$tmp/j.json")"
[ "$(jq -r '.verdict.culprit.pid' "$tmp/j.json")" = "$svc" ] || fail "journal: verdict on $(jq -r '.verdict.culprit.pid' "$tmp/j.json")"
echo "ok: the SIGQUIT dump in a journal is read and tied to pid $svc by its prefix"
# The same pid under another program's name is another host's process
# (captures of two hosts given together): not tied, said once; --dump ties.
sed "s/ rwdeadlock\[$svc\]: / billing[$svc]: /" "$tmp/journal.log" >"$tmp/other.log"
"$SM_ANALYZE" report --format json "$tmp/ss.txt" "$tmp/other.log" >"$tmp/o.json" 2>"$tmp/o.err" ||
	fail "report ss other: exit $?: $(cat "$tmp/o.err")"
grep -q "its log names billing\[$svc\], but pid $svc in the captures is rwdeadlock: not tied" "$tmp/o.err" ||
	fail "other name: not said: $(cat "$tmp/o.err")"
lw=$(jq -r '.findings[] | select(.rule == "lock_wait") | "\(.pid) \(.comm) \(.process_id)"' "$tmp/o.json")
[ "$lw" = "$svc billing null" ] || fail "other name: lock_wait on $lw"
"$SM_ANALYZE" report --format json "$tmp/ss.txt" --dump "$svc=$tmp/other.log" >"$tmp/o2.json" 2>"$tmp/o.err" ||
	fail "report ss --dump other: exit $?: $(cat "$tmp/o.err")"
[ "$(jq -r '.findings[] | select(.rule == "lock_wait") | .comm' "$tmp/o2.json")" = rwdeadlock ] ||
	fail "--dump of the other name: not tied: $(rules "$tmp/o2.json")"
echo "ok: a journal naming another program under that pid is not tied to it (said), --dump ties it"
# The journal alone, with no capture: the deadlock still names its pid.
"$SM_ANALYZE" report --format json "$tmp/journal.log" >"$tmp/jo.json" 2>"$tmp/jo.err" ||
	fail "report journal alone: exit $?: $(cat "$tmp/jo.err")"
verdict=$(jq -r '"\(.verdict.found) \(.verdict.culprit.pid) \(.verdict.culprit.comm) \(.verdict.culprit.process_id) \(.verdict.rules | join(","))"' "$tmp/jo.json")
[ "$verdict" = "true $svc rwdeadlock null lock_wait" ] || fail "journal alone: verdict $verdict"
"$SM_ANALYZE" report "$tmp/journal.log" 2>/dev/null | head -1 | grep -q "^VERDICT: rwdeadlock (pid $svc)" ||
	fail "journal alone: text verdict $("$SM_ANALYZE" report "$tmp/journal.log" 2>&1 | head -1)"
"$SM_ANALYZE" load -q -o "$tmp/jo.db" "$tmp/journal.log" || fail "load journal alone: exit $?"
"$SM_ANALYZE" stacks "$tmp/jo.db" | grep -q "^pid $svc (rwdeadlock), debug2 dump" ||
	fail "journal alone: stacks: $("$SM_ANALYZE" stacks "$tmp/jo.db" | head -1)"
"$SM_ANALYZE" timeline "$tmp/jo.db" | grep -q "pid $svc (rwdeadlock): goroutine dump" ||
	fail "journal alone: timeline: $("$SM_ANALYZE" timeline "$tmp/jo.db" | tail -1)"
echo "ok: the journal alone: a verdict on rwdeadlock (pid $svc), named by the log's prefix (stacks and timeline too), the lock its cause"

"$SM_ANALYZE" report --format json "$tmp/ss.txt" "$tmp/docker.log" >"$tmp/d.json" 2>"$tmp/d.err" ||
	fail "report ss docker: exit $?: $(cat "$tmp/d.err")"
[ "$(rules "$tmp/d.json")" = "close_wait_leak:$svc lock_wait:null" ] || fail "docker: findings $(rules "$tmp/d.json")"
grep -q -- "--dump PID=" "$tmp/d.err" || fail "docker: no --dump hint: $(cat "$tmp/d.err")"
# the dump is of the time its lines were logged, not of the file's mtime
[ "$(jq -r '.findings[] | select(.rule == "lock_wait") | .start' "$tmp/d.json")" = 2026-11-24T10:00:00Z ] ||
	fail "docker: dump time $(jq -r '.findings[] | select(.rule == "lock_wait") | .start' "$tmp/d.json")"
"$SM_ANALYZE" report --format json "$tmp/ss.txt" --dump "$svc=$tmp/docker.log" >"$tmp/d2.json" 2>"$tmp/d.err" ||
	fail "report --dump docker: exit $?: $(cat "$tmp/d.err")"
[ "$(rules "$tmp/d2.json")" = "close_wait_leak:$svc lock_wait:$svc" ] || fail "docker --dump: findings $(rules "$tmp/d2.json")"
echo "ok: the SIGQUIT dump in docker logs -t is read, and tied with --dump"
"$SM_ANALYZE" report --format json "$tmp/ss.txt" --dump "$svc=$tmp/docker-json.log" >"$tmp/dj.json" 2>"$tmp/dj.err" ||
	fail "report --dump docker json-file: exit $?: $(cat "$tmp/dj.err")"
[ "$(rules "$tmp/dj.json")" = "close_wait_leak:$svc lock_wait:$svc" ] || fail "docker json-file: findings $(rules "$tmp/dj.json")"
jq -r .verdict.cause "$tmp/dj.json" | grep -q "main.(\*catalog).price" || fail "docker json-file: the cause lost its frame"
[ "$(jq -r '.findings[] | select(.rule == "lock_wait") | .start' "$tmp/dj.json")" = 2026-11-24T10:00:00Z ] ||
	fail "docker json-file: dump time $(jq -r '.findings[] | select(.rule == "lock_wait") | .start' "$tmp/dj.json")"
echo "ok: the SIGQUIT dump in docker's json-file log is unescaped, read, and tied with --dump"
exit 0
