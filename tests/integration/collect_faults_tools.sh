#!/bin/sh
# collect_faults_tools: a hung `lsof` (--with-tools) never holds the
# collector.
#
# A fake lsof first in PATH (the collector looks tools up in PATH, then the
# sbin dirs) prints a header line, starts a `sleep 60` and waits for it.
#
# (a) --tool-timeout 1s: both snapshots finish, each records the lsof step
#     with outcome "timeout" and the header line it printed; the fake lsof
#     and its sleep (same process group) are dead.
# (b) SIGTERM while it runs (--tool-timeout 60s): the collector exits 0
#     within 2 s, the snapshot in progress is finished with the lsof step
#     "stopped", end.json says "signal"; the fake lsof and its sleep are dead.
# (c) kill -9 while it runs: the fake lsof dies with the collector
#     (PR_SET_PDEATHSIG) instead of running on unwatched.
#
# Environment: SM_COLLECT, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u
. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT
command -v zstd >/dev/null 2>&1 || skip "no zstd"
tar --help 2>/dev/null | grep -q -- '--zstd' || skip "tar has no --zstd"

tmp=$(mktemp -d /tmp/sm-ftools.XXXXXX) || fail "mktemp"
cpid=""
cleanup() {
	if [ -n "$cpid" ]; then
		kill -9 "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
	fi
	# sleeps left by (c), whose fake lsof was killed alone
	for p in $(cat "$tmp"/*.sleep 2>/dev/null); do
		grep -q '^sleep' "/proc/$p/comm" 2>/dev/null && kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

mkdir "$tmp/bin" || fail "mkdir"
# fake_lsof NAME: tools get a fixed environment (LC_ALL=C and
# PATH=/usr/sbin:/usr/bin:/sbin:/bin), so the pid files are baked in:
# $tmp/NAME.lsof (the fake lsof) and $tmp/NAME.sleep (its child).
fake_lsof() {
	cat >"$tmp/bin/lsof" <<EOF
#!/bin/sh
echo "COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME"
echo \$\$ >>"$tmp/$1.lsof"
sleep 60 &
echo \$! >>"$tmp/$1.sleep"
wait
EOF
	chmod 0755 "$tmp/bin/lsof" || fail "chmod"
}
# all_dead FILE: every pid listed in FILE is gone
all_dead() {
	[ -s "$1" ] || fail "no pids in $1: the fake lsof did not run"
	for p in $(cat "$1"); do
		pid_dead "$p" || fail "pid $p ($(cat "/proc/$p/comm" 2>/dev/null)) from $(basename "$1") still runs"
	done
}
# tool_step META NAME: the step JSON of tool NAME in a meta.json
tool_step() {
	tr '{' '\n' <"$1" | grep "\"name\":\"$2\""
}
run_collector() {
	PATH="$tmp/bin:$PATH" "$SM_COLLECT" -q "$@" &
	cpid=$!
}
# wait_tool NAME: until the fake lsof of NAME runs (<= 20 s)
wait_tool() {
	i=0
	until [ -s "$tmp/$1.sleep" ]; do
		kill -0 "$cpid" 2>/dev/null || fail "($1) collector exited before lsof ran"
		i=$((i + 1))
		[ "$i" -le 200 ] || fail "($1) lsof did not run within 20 s"
		sleep 0.1
	done
}
ms() { echo $(($(date +%s%N) / 1000000)); }

# --- (a) the tool timeout -------------------------------------------------------
fake_lsof timeout
b="$tmp/timeout.tar.zst"
t0=$(ms)
run_collector -o "$b" -n 2 -i 0.2 --with-tools --tool-timeout 1s 2>"$tmp/timeout.err"
wait "$cpid"
rc=$?
cpid=""
el=$(($(ms) - t0))
[ "$rc" -eq 0 ] || { cat "$tmp/timeout.err" >&2; fail "(a) collector exited $rc"; }
[ "$el" -lt 10000 ] || fail "(a) 2 snapshots with a 1 s tool timeout took $el ms"
mkdir "$tmp/xa"
tar --zstd -xf "$b" -C "$tmp/xa" || fail "(a) cannot extract"
grep -q '"reason":"count"' "$tmp/xa/end.json" || fail "(a) end.json: $(cat "$tmp/xa/end.json")"
for n in 1 2; do
	s="$tmp/xa/snap/00000$n"
	step=$(tool_step "$s/meta.json" lsof-nP)
	echo "(a) snapshot $n: {$step"
	echo "$step" | grep -q "\"path\":\"$tmp/bin/lsof\"" || fail "(a) snapshot $n: not the fake lsof that ran"
	echo "$step" | grep -q '"outcome":"timeout"' || fail "(a) snapshot $n: lsof outcome is not timeout"
	grep -q '^COMMAND PID' "$s/tools/lsof-nP.out" || fail "(a) snapshot $n: what lsof printed before its timeout is lost"
done
[ "$(wc -l <"$tmp/timeout.lsof")" -eq 2 ] || fail "(a) lsof ran $(wc -l <"$tmp/timeout.lsof") times, want 2"
all_dead "$tmp/timeout.lsof"
all_dead "$tmp/timeout.sleep"
echo "ok: (a) lsof killed at its timeout twice (run: $el ms), both snapshots whole"

# --- (b) SIGTERM while lsof runs ------------------------------------------------
fake_lsof term
b="$tmp/term.tar.zst"
run_collector -o "$b" -i 0.2 --with-tools --tool-timeout 60s 2>"$tmp/term.err"
wait_tool term
sleep 0.3
t0=$(ms)
kill -TERM "$cpid"
wait "$cpid"
rc=$?
cpid=""
el=$(($(ms) - t0))
[ "$rc" -eq 0 ] || { cat "$tmp/term.err" >&2; fail "(b) collector stopped by SIGTERM exited $rc"; }
[ "$el" -le 2000 ] || fail "(b) the collector took $el ms to stop after SIGTERM"
all_dead "$tmp/term.lsof"
all_dead "$tmp/term.sleep"
tar --zstd -tf "$b" >"$tmp/term.names" 2>"$tmp/term.tarerr" || fail "(b) tar -t failed: $(cat "$tmp/term.tarerr")"
[ "$(tail -n 1 "$tmp/term.names")" = end.json ] || fail "(b) end.json is not the last member"
mkdir "$tmp/xb"
tar --zstd -xf "$b" -C "$tmp/xb" || fail "(b) cannot extract"
grep -q '"reason":"signal"' "$tmp/xb/end.json" || fail "(b) end.json: $(cat "$tmp/xb/end.json")"
n=$(grep -c '^snap/[0-9]*/meta.json$' "$tmp/term.names")
grep -q "\"snapshots\":$n," "$tmp/xb/end.json" || fail "(b) end.json does not count $n snapshots"
step=$(tool_step "$tmp/xb/snap/$(printf %06d "$n")/meta.json" lsof-nP)
echo "(b) snapshot $n: {$step"
echo "$step" | grep -q '"outcome":"stopped"' || fail "(b) the last snapshot does not record lsof as stopped"
echo "ok: (b) SIGTERM during lsof: exit 0 after $el ms, $n snapshots, lsof and its child dead"

# --- (c) kill -9 while lsof runs ------------------------------------------------
fake_lsof kill
run_collector -o "$tmp/kill.tar.zst" -i 0.2 --with-tools --tool-timeout 60s 2>"$tmp/kill.err"
wait_tool kill
kill -9 "$cpid"
wait "$cpid"
cpid=""
all_dead "$tmp/kill.lsof"
echo "ok: (c) kill -9 during lsof: the tool died with the collector"
exit 0
