#!/bin/sh
# report_rules: `sockmortem report` on real loopback processes (tests/helpers/rulelab.c).
#
# Five processes run at once, each with a known behaviour:
#   cw    a server that never closes what it accepted; its client (hang)
#         connects 4 times a second and hangs up after 10 ms: CLOSE_WAIT
#         grows in cw, and so do its fds (ulimit -n 1024)
#   shut  a server that calls shutdown() but never close() on hang-up; its
#         client connects twice a second: orphaned socket fds in shut
#   echo  a well-behaved server; its client (churn) opens 25 connections a
#         second and closes each after 40 ms: TIME_WAIT churn on the client
#   pool  a client holding 10 connections to a second well-behaved server
#         (echo2), talking every 100 ms: healthy, must not be reported
# One recording (-i 2 -n 18, about 34 s; -p for each helper, host tables
# whole), then `report --format json` must blame: close_wait_leak (role
# server) and fd_exhaustion on cw, orphan_socket_fds on shut,
# time_wait_churn on churn (not on echo, the listener), nothing on pool or
# echo2, and the verdict on cw. A second, single-snapshot recording must
# still find cw's CLOSE_WAIT from the level, with lower confidence. The text
# report starts with the verdict and has no colour when not on a terminal;
# `report DB` gives the same findings as `report BUNDLE`; --rules adds a rule.
#
# Exit: 0 pass, 77 skip, 1 fail.
set -u
. "$SM_ROOT/tests/lib.sh"

: "${SM_ANALYZE:?}" "${SM_COLLECT:?}" "${SM_HELPERS:?}"
LAB="$SM_HELPERS/rulelab"
for b in "$SM_ANALYZE" "$SM_COLLECT" "$LAB"; do
	[ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
command -v jq >/dev/null 2>&1 || { echo "skip: jq not installed"; exit 77; }
[ -r /proc/self/net/tcp ] || { echo "skip: no /proc/net/tcp"; exit 77; }

T=$(mktemp -d /tmp/sm-report.XXXXXX) || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${SM_KEEP:-}" ] && cp "$T/lab.tar.zst" "$SM_KEEP" 2>/dev/null; rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	[ -s "$T/report.json" ] && jq -c '.findings[] | {rule, pid, comm, severity, confidence, summary}' "$T/report.json" 2>/dev/null
	exit 1
}
note() { echo "ok: $*"; }

# start NAME ARGS...: runs rulelab in the background; sets NAME_PID, NAME_PORT.
start() {
	name=$1; shift
	"$LAB" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	p=$!
	PIDS="$PIDS $p"
	wait_ready "$p" "$T/$name.out" "$T/$name.err" "$name" 10
	eval "${name}_PID=$p"
	eval "${name}_PORT=$(sed -n 's/^READY port=\([0-9]*\).*/\1/p' "$T/$name.out")"
}

# cw gets a known soft fd limit, so fd_exhaustion has a fixed target.
hard=$(ulimit -H -n)
[ "$hard" != unlimited ] && [ "$hard" -lt 1024 ] && { echo "skip: hard fd limit $hard < 1024"; exit 77; }
( ulimit -S -n 1024 && exec "$LAB" cw-server ) >"$T/cw.out" 2>"$T/cw.err" &
cw_PID=$!
PIDS="$PIDS $cw_PID"
wait_ready "$cw_PID" "$T/cw.out" "$T/cw.err" cw 10
cw_PORT=$(sed -n 's/^READY port=\([0-9]*\).*/\1/p' "$T/cw.out")

start shut shut-server
start echo close-server
start echo2 close-server
start hang dial "$cw_PORT" 4 10
start orph dial "$shut_PORT" 2 20
start churn dial "$echo_PORT" 25 40
start pool pool "$echo2_PORT" 10
# TIME_WAIT builds up for a few seconds before the recording starts.
sleep 4

PARGS=""
for p in $cw_PID $shut_PID $echo_PID $echo2_PID $hang_PID $orph_PID $churn_PID $pool_PID; do
	PARGS="$PARGS -p $p"
done
B="$T/lab.tar.zst"
# shellcheck disable=SC2086
"$SM_COLLECT" -o "$B" -i 2 -n 18 $PARGS -q 2>"$T/collect.err" || fail "collector exit $?: $(cat "$T/collect.err")"
B1="$T/one.tar.zst"
# shellcheck disable=SC2086
"$SM_COLLECT" -o "$B1" -n 1 $PARGS -q 2>"$T/collect1.err" || fail "collector (1 snapshot) exit $?"

"$SM_ANALYZE" report "$B" --format json -o "$T/report.json" 2>"$T/report.err" || fail "report exit $?: $(cat "$T/report.err")"
jq -e . "$T/report.json" >/dev/null || fail "report is not JSON"
[ "$(jq '.format_version' "$T/report.json")" = 1 ] || fail "format_version"
[ "$(jq '.skipped_rules | length' "$T/report.json")" = 0 ] || fail "rules skipped: $(jq -c .skipped_rules "$T/report.json")"
sum=$(sha256sum "$B" | cut -d' ' -f1)
[ "$(jq -r '.inputs[0].sha256' "$T/report.json")" = "$sum" ] || fail "inputs[0].sha256 is not the bundle's: $(jq -c '.inputs' "$T/report.json")"

# has RULE PID: a finding of RULE blaming PID; echoes it
has() { jq -e -c --arg r "$1" --argjson p "$2" '[.findings[] | select(.rule == $r and .pid == $p)] | first // empty' "$T/report.json"; }
none() { # no finding blames PID
	n=$(jq --argjson p "$1" '[.findings[] | select(.pid == $p)] | length' "$T/report.json")
	[ "$n" = 0 ] || fail "$2 (pid $1) was blamed: $(jq -c --argjson p "$1" '[.findings[] | select(.pid == $p) | .rule]' "$T/report.json")"
}

f=$(has close_wait_leak "$cw_PID") || fail "no close_wait_leak on cw ($cw_PID)"
[ "$(echo "$f" | jq -r .role)" = server ] || fail "close_wait_leak role: $f"
echo "$f" | jq -e '.rate_per_min > 60 and .confidence > 0.7 and (.evidence | length) > 1 and (.sql | length) > 0 and (.start | test("Z$"))' >/dev/null ||
	fail "close_wait_leak figures: $f"
note "close_wait_leak on cw, role server, $(echo "$f" | jq .rate_per_min)/min"
has fd_exhaustion "$cw_PID" >/dev/null || fail "no fd_exhaustion on cw"
note "fd_exhaustion on cw"
has orphan_socket_fds "$shut_PID" >/dev/null || fail "no orphan_socket_fds on shut ($shut_PID)"
note "orphan_socket_fds on shut"
has time_wait_churn "$churn_PID" >/dev/null || fail "no time_wait_churn on the churning client ($churn_PID)"
note "time_wait_churn on churn"
none "$echo_PID" "echo, the listener of the churn,"
none "$pool_PID" "the pooled client"
none "$echo2_PID" "the pool's server"
none "$hang_PID" "cw's client"
[ "$(jq '.verdict.culprit.pid' "$T/report.json")" = "$cw_PID" ] || fail "verdict culprit: $(jq -c .verdict "$T/report.json")"
jq -e '.verdict.rules | index("close_wait_leak") != null' "$T/report.json" >/dev/null || fail "verdict rules: $(jq -c .verdict "$T/report.json")"
note "verdict: cw"

# a single snapshot: the level says it, less surely
"$SM_ANALYZE" report "$B1" --format json -o "$T/report.json" 2>"$T/report.err" || fail "report (1 snapshot) exit $?"
f=$(has close_wait_leak "$cw_PID") || fail "single snapshot: no close_wait_leak on cw"
echo "$f" | jq -e '.confidence < 0.6 and .rate_per_min == null' >/dev/null || fail "single snapshot: $f"
note "single snapshot: close_wait_leak from the level, confidence $(echo "$f" | jq .confidence)"

# text: verdict first, no escape codes into a file
"$SM_ANALYZE" report "$B" >"$T/report.txt" 2>"$T/report.err" || fail "text report exit $?"
head -n 1 "$T/report.txt" | grep -q "^VERDICT: .*pid $cw_PID" || fail "text does not start with the verdict: $(head -n 3 "$T/report.txt")"
grep -q "$(printf '\033')" "$T/report.txt" && fail "colour codes in a file"
grep -q "remedy: " "$T/report.txt" || fail "text has no remedy"
grep -q "reproduce: SELECT" "$T/report.txt" || fail "text has no SQL"
note "text report"

# a database gives the same findings; --rules adds one
DB="$T/lab.db"
"$SM_ANALYZE" load "$B" -o "$DB" 2>/dev/null || fail "load exit $?"
mkdir "$T/rules"
printf -- '-- rule: lab_count\n-- title: processes\nSELECT '\''info'\'' AS severity, 1 AS confidence, count(*) || '\'' processes'\'' AS summary FROM processes\n' >"$T/rules/lab_count.sql"
"$SM_ANALYZE" report "$DB" --format json --rules "$T/rules" -o "$T/db.json" 2>"$T/report.err" || fail "report DB exit $?: $(cat "$T/report.err")"
"$SM_ANALYZE" report "$B" --format json -o "$T/b.json" 2>/dev/null || fail "report exit $?"
a=$(jq -c '[.findings[] | select(.rule != "lab_count") | [.rule, .pid]] | sort' "$T/db.json")
b=$(jq -c '[.findings[] | [.rule, .pid]] | sort' "$T/b.json")
[ "$a" = "$b" ] || fail "DB and bundle differ: $a vs $b"
[ "$(jq -r '.inputs[0].sha256' "$T/db.json")" = "$sum" ] || fail "report DB: inputs[0].sha256 is not the bundle's"
jq -e '[.findings[] | select(.rule == "lab_count")] | length == 1' "$T/db.json" >/dev/null || fail "--rules rule missing"
note "report DB = report BUNDLE; --rules adds a rule"

# usage errors
"$SM_ANALYZE" report "$B" --format xml >/dev/null 2>&1; [ $? -eq 2 ] || fail "--format xml is not a usage error"
"$SM_ANALYZE" report >/dev/null 2>&1; [ $? -eq 2 ] || fail "no input is not a usage error"
"$SM_ANALYZE" report "$T/nonexistent" >/dev/null 2>&1; [ $? -eq 1 ] || fail "a missing input is not exit 1"
echo "PASS"
exit 0
