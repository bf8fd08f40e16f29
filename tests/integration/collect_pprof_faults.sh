#!/bin/sh
# collect_pprof_faults: a failed or slow pprof fetch is recorded, never
# fatal, and never stalls a snapshot (issue 4). Fake endpoints on 127.0.0.1
# (tests/support/pprof_fake.py) stand in for Go services:
#
# a. a hung endpoint beside a healthy and a slow one: every snapshot
#    starts on schedule, the last one too; the healthy target has a dump
#    from every round, the last snapshot's included; the slow target's
#    final dumps, which end after the last snapshot is written, are
#    appended to it and loaded; the hung one is recorded as a timeout; the
#    run takes its duration plus about one timeout.
# b. an endpoint that streams 1 GiB: each body is cut at --pprof-max and
#    recorded as truncated, and the loaded dumps are marked truncated (a
#    dumps_truncated gap in the report); the collector's peak RSS stays
#    far below that.
# c. SIGTERM during a hung fetch: the collector exits 0 within 2 s, with
#    end.json reason "signal"; tar and the analyzer read the bundle.
# d. a DNS server that never answers (tests/support/dns_sink.py, made the
#    resolver of a mount namespace of its own): a URL naming a host is
#    looked up in /etc/hosts only, so the run takes its duration, not the
#    resolver's 10 s; the unknown name is recorded as failed, localhost
#    still works. Needs root and unshare; skipped (alone) otherwise.
#
# Environment: SM_COLLECT, SM_ANALYZE, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u
. "$SM_ROOT/tests/lib.sh"

command -v python3 >/dev/null 2>&1 || skip "no python3 for the fake pprof endpoints"
command -v jq >/dev/null 2>&1 || skip "no jq"
tar --help 2>/dev/null | grep -q -- '--zstd' || skip "tar has no --zstd"

work_dir pprof-faults

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# fake MODE NAME: starts an endpoint; sets fake_pid, and NAME.port holds its port.
fake() {
	python3 "$SM_ROOT/tests/support/pprof_fake.py" "$1" >"$tmp/$2.port" 2>"$tmp/$2.err" &
	fake_pid=$!
	pids="$pids $fake_pid"
	wait_file "$tmp/$2.port" || fail "fake endpoint '$1' did not start: $(cat "$tmp/$2.err")"
}
url() { echo "http://127.0.0.1:$(cat "$tmp/$1.port")"; }

# q DB SQL: one value or CSV rows, without the header.
q() { "$SM_ANALYZE" query "$1" "$2" --csv | tail -n +2; }

# --- a. a hung target beside a healthy and a slow one ----------------------
fake hang hung; gpid=$fake_pid
fake healthy good; hpid=$fake_pid
fake slow slow; spid=$fake_pid
b="$tmp/a.tar.zst"
t0=$(now_ms)
# The hung target comes first: fetched one after another, it would hold up
# the others' dumps for a timeout in every round.
"$SM_COLLECT" -q -o "$b" -i 1s -n 4 -p "$gpid" -p "$hpid" -p "$spid" \
	--pprof "$gpid=$(url hung)" --pprof "$hpid=$(url good)" --pprof "$spid=$(url slow)" \
	--pprof-every 1 --pprof-timeout 2s 2>"$tmp/a.err" || fail "collector failed: $(cat "$tmp/a.err")"
elapsed=$(($(now_ms) - t0))
echo "a: 4 snapshots at 1 s with a 2 s timeout took $elapsed ms"
# 3 s of schedule + one 2 s timeout of the final round + start-up and slack
[ "$elapsed" -le 7500 ] || fail "the run took $elapsed ms: more than its duration and one timeout"

mkdir "$tmp/a"
tar --zstd -xf "$b" -C "$tmp/a" || fail "tar cannot extract the bundle"
s1=$(jq '.started.mono_ns' "$tmp/a/snap/000001/meta.json")
for k in 2 3 4; do
	sk=$(jq '.started.mono_ns' "$tmp/a/snap/00000$k/meta.json")
	late=$(( (sk - s1) / 1000000 - (k - 1) * 1000 ))
	echo "a: snapshot $k starts $late ms off schedule"
	[ "$late" -ge -50 ] && [ "$late" -le 400 ] || fail "snapshot $k is $late ms off its schedule"
done
[ -s "$tmp/a/snap/000004/pprof/fetches-after.json" ] || fail "no fetches-after.json for the final round"
# The slow target's final dumps end after the last snapshot's meta.json.
ended4=$(jq '.ended.wall_ns' "$tmp/a/snap/000004/meta.json")
after=$(jq -r --argjson p "$spid" --argjson e "$ended4" \
	'[.[] | select(.pid == $p and .member != null and .ended.wall_ns > $e)] | length' \
	"$tmp/a/snap/000004/pprof/fetches-after.json")
[ "$after" -ge 1 ] || fail "no dump of the slow target was appended after the last snapshot"

"$SM_ANALYZE" load "$b" -o "$tmp/a.db" -q || fail "load failed"
[ "$(q "$tmp/a.db" "SELECT complete FROM sources")" = 1 ] || fail "the bundle loads as cut short"
rounds=$(q "$tmp/a.db" "SELECT count(*) FROM dumps WHERE pid = $hpid AND kind = 'debug2'")
[ "$rounds" -ge 4 ] || fail "the healthy target has $rounds debug2 dumps, not one per round (4)"
last=$(q "$tmp/a.db" "SELECT count(*) FROM dumps d JOIN snapshots s ON s.id = d.snapshot_id
                      WHERE d.pid = $hpid AND d.kind = 'debug2' AND s.seq = 4")
[ "$last" -ge 1 ] || fail "the healthy target has no debug2 dump in the last snapshot"
slow=$(q "$tmp/a.db" "SELECT count(*) FROM dumps d JOIN snapshots s ON s.id = d.snapshot_id
                      WHERE d.pid = $spid AND s.seq = 4 AND d.wall_ns > $ended4")
[ "$slow" -ge 1 ] || fail "the slow target's appended dumps were not loaded into the last snapshot"
timeouts=$(q "$tmp/a.db" "SELECT count(*) FROM collection_steps WHERE step = 'pprof' AND outcome = 'timeout'
                          AND json_extract(detail, '\$.pid') = $gpid")
[ "$timeouts" -ge 1 ] || fail "the hung target's timeout is not recorded"
bad=$(q "$tmp/a.db" "SELECT count(*) FROM collection_steps WHERE step = 'pprof' AND outcome <> 'ok'
                     AND json_extract(detail, '\$.pid') = $hpid AND name <> 'goroutineleak'")
[ "$bad" = 0 ] || fail "$bad fetches of the healthy target did not succeed"
"$SM_ANALYZE" stacks "$tmp/a.db" --pid "$hpid" >"$tmp/a.stacks" || fail "stacks failed"
grep -q "main.worker" "$tmp/a.stacks" || fail "stacks lacks the healthy target's frames: $(cat "$tmp/a.stacks")"
echo "ok a: on schedule; $rounds healthy debug2 dumps; $slow slow dump(s) appended; $timeouts timeout(s) recorded"

# --- b. an endpoint that streams 1 GiB ---------------------------------------
fake flood flood; fpid=$fake_pid
b="$tmp/b.tar.zst"
"$SM_COLLECT" -q -o "$b" -i 1s -n 3 -p "$fpid" --pprof "$fpid=$(url flood)" --pprof-every 1 \
	--pprof-max 1M --pprof-timeout 5s 2>"$tmp/b.err" &
cpid=$!
pids="$pids $cpid"
hwm=0
while kill -0 "$cpid" 2>/dev/null; do
	v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$cpid/status" 2>/dev/null)
	[ -n "$v" ] && [ "$v" -gt "$hwm" ] && hwm=$v
	sleep 0.1
done
wait "$cpid"
rc=$?
[ "$rc" -eq 0 ] || fail "collector exited $rc: $(cat "$tmp/b.err")"
echo "b: peak RSS $hwm kB"
# 1 GiB was offered; bodies of 1 MiB each, a sanitized build's own overhead
[ "$hwm" -gt 0 ] && [ "$hwm" -le 262144 ] || fail "peak RSS $hwm kB: the body was not capped"
mkdir "$tmp/b"
tar --zstd -xf "$b" -C "$tmp/b" || fail "tar cannot extract the bundle"
cat "$tmp"/b/snap/*/pprof/fetches*.json | jq -c '.[]' >"$tmp/b.fetches"
ntrunc=$(grep -c '"outcome":"truncated"' "$tmp/b.fetches")
[ "$ntrunc" -ge 3 ] || fail "only $ntrunc fetches recorded as truncated: $(cat "$tmp/b.fetches")"
big=$(find "$tmp/b/snap" -path '*/pprof/*' -name '*.txt' -size +1024k | head -n 1)
[ -z "$big" ] || fail "$big is over --pprof-max"
stored=$(find "$tmp/b/snap" -path '*/pprof/*' -name '*.txt' -size 1024k | wc -l)
[ "$stored" -ge 3 ] || fail "only $stored dumps cut at exactly 1 MiB"
"$SM_ANALYZE" load "$b" -o "$tmp/b.db" -q 2>/dev/null || fail "the analyzer cannot load the bundle"
# each cut dump is known as cut in the database, and the report says so
ncut=$("$SM_ANALYZE" query "$tmp/b.db" "SELECT count(*) FROM dumps WHERE truncated" --csv | tail -n 1)
[ "$ncut" -ge "$stored" ] || fail "only $ncut of the $stored cut dumps marked truncated in the database"
"$SM_ANALYZE" report "$tmp/b.db" --format json -o "$tmp/b.json" 2>/dev/null
jq -e '[.gaps[] | select(.kind == "dumps_truncated")] | length == 1' "$tmp/b.json" >/dev/null ||
	fail "the report has no dumps_truncated gap"
echo "ok b: $ntrunc fetches truncated at 1 MiB ($ncut dumps marked truncated), peak RSS $hwm kB"

# --- c. SIGTERM during a hung fetch -------------------------------------------
b="$tmp/c.tar.zst"
"$SM_COLLECT" -q -o "$b" -i 1s -p "$gpid" --pprof "$gpid=$(url hung)" --pprof-timeout 60s 2>"$tmp/c.err" &
cpid=$!
pids="$pids $cpid"
i=0
until tar --zstd -tf "$b" 2>/dev/null | grep -q '^snap/000002/meta.json$'; do
	kill -0 "$cpid" 2>/dev/null || fail "collector exited early: $(cat "$tmp/c.err")"
	i=$((i + 1))
	[ "$i" -le 100 ] || fail "no second snapshot after 20 s"
	sleep 0.2
done
t0=$(now_ms)
kill -TERM "$cpid"
while kill -0 "$cpid" 2>/dev/null && [ $(($(now_ms) - t0)) -lt 10000 ]; do sleep 0.05; done
took=$(($(now_ms) - t0))
wait "$cpid"
rc=$?
echo "c: exited $rc, $took ms after SIGTERM"
[ "$took" -le 2000 ] || fail "the collector took $took ms to stop after SIGTERM"
[ "$rc" -eq 0 ] || fail "collector stopped by SIGTERM exited $rc: $(cat "$tmp/c.err")"
tar --zstd -tf "$b" >"$tmp/c.names" 2>"$tmp/c.tarerr" || fail "tar --zstd -tf failed: $(cat "$tmp/c.tarerr")"
[ ! -s "$tmp/c.tarerr" ] || fail "tar complained: $(cat "$tmp/c.tarerr")"
[ "$(tail -n 1 "$tmp/c.names")" = end.json ] || fail "end.json is not the last member"
tar --zstd -xOf "$b" end.json | grep -q '"reason":"signal"' || fail "end.json: $(tar --zstd -xOf "$b" end.json)"
# The fetch cut short by the signal is recorded, in the last snapshot.
grep -q '/pprof/fetches-after.json$' "$tmp/c.names" || fail "the aborted fetch is not recorded"
"$SM_ANALYZE" info "$b" >"$tmp/c.info" 2>&1 || fail "info failed: $(cat "$tmp/c.info")"
grep -q 'ended: signal' "$tmp/c.info" || fail "info does not say the run ended by signal: $(cat "$tmp/c.info")"
echo "ok c: SIGTERM during a hung fetch: exit 0 after $took ms, reason signal"

# --- d. a resolver that never answers -------------------------------------------
dns_case() {
	[ "$(id -u)" = 0 ] || { echo "skip d: not root (a DNS server on port 53)"; return 0; }
	command -v unshare >/dev/null 2>&1 || { echo "skip d: no unshare"; return 0; }
	# The mount namespace's own /etc/resolv.conf: nothing else sees it.
	unshare -m true 2>/dev/null || { echo "skip d: cannot make a mount namespace here"; return 0; }
	: >"$tmp/dns.log"
	python3 "$SM_ROOT/tests/support/dns_sink.py" 127.0.0.77 "$tmp/dns.log" >"$tmp/dns.ready" 2>"$tmp/dns.err" &
	pids="$pids $!"
	wait_file "$tmp/dns.ready" || fail "dns_sink did not start: $(cat "$tmp/dns.err")"
	printf 'nameserver 127.0.0.77\noptions timeout:1 attempts:1\n' >"$tmp/resolv.probe"
	printf 'nameserver 127.0.0.77\noptions timeout:5 attempts:2\n' >"$tmp/resolv.conf"
	# The scene is real: in such a namespace a name goes to the sink.
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && getent hosts sm-no-such-host.example' sh \
		"$tmp/resolv.probe" >/dev/null 2>&1
	[ -s "$tmp/dns.log" ] || { echo "skip d: the resolver in a namespace does not reach the sink"; return 0; }
	queries=$(wc -l <"$tmp/dns.log")
	b="$tmp/d.tar.zst"
	t0=$(now_ms)
	unshare -m sh -c 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"' sh "$tmp/resolv.conf" \
		"$SM_COLLECT" -q -o "$b" -i 1s -n 2 -p "$hpid" --pprof "$hpid=http://sm-no-such-host.example:6060" \
		--pprof "$hpid=http://localhost:$(cat "$tmp/good.port")" --pprof-every 1 --pprof-timeout 1s \
		2>"$tmp/d.err" || fail "collector failed: $(cat "$tmp/d.err")"
	elapsed=$(($(now_ms) - t0))
	echo "d: 2 snapshots at 1 s, a name DNS would take 10 s on: $elapsed ms"
	[ "$elapsed" -le 4000 ] || fail "the run took $elapsed ms: the lookup went to DNS"
	[ "$(wc -l <"$tmp/dns.log")" -eq "$queries" ] || fail "the collector asked the DNS server: $(cat "$tmp/dns.log")"
	mkdir "$tmp/d"
	tar --zstd -xf "$b" -C "$tmp/d" || fail "tar cannot extract the bundle"
	cat "$tmp"/d/snap/*/pprof/fetches*.json >"$tmp/d.fetches"
	jq -e -s '[.[][] | select(.url | startswith("http://sm-no-such-host.example:6060/"))
		| select(.outcome == "failed" and (.error | contains("cannot resolve")))] | length >= 1' \
		"$tmp/d.fetches" >/dev/null || fail "the unknown name is not recorded as failed: $(cat "$tmp/d.fetches")"
	jq -e -s '[.[][] | select(.url | startswith("http://localhost:")) | select(.outcome == "ok")] | length >= 1' \
		"$tmp/d.fetches" >/dev/null || fail "localhost (from /etc/hosts) was not fetched: $(cat "$tmp/d.fetches")"
	echo "ok d: a resolver that never answers: $elapsed ms, the name failed from /etc/hosts, localhost fetched"
}
dns_case
exit 0
