#!/bin/sh
# collect_faults_kill9: kill -9 at random points, from the first
# instruction on.
#
# 10 runs of the collector (-i 0.05, --with-tools on every 3rd snapshot so
# that some kills land while a tool runs), each killed with SIGKILL after a
# delay: 0, 10 ms and 40 ms (start-up, the manifest, the first snapshot),
# 1.5 s (several snapshots), then six random ones up to 1.2 s. After each:
# the bundle passes bundle_finished (tests/lib.sh: every snapshot with a
# whole meta.json extracts completely, numbered without a gap; only the
# one after may be unfinished), and
# `sockmortem info` loads exactly those snapshots and says the bundle was
# cut short; a bundle killed before its manifest was whole may be refused,
# with a message, not a crash. The runs together must have met every kind
# of point: before any snapshot, and after several.
# (tests/integration/collect_kill9.sh checks one kill in more depth.)
#
# SM_SEED=N repeats a run's delays.
# Environment: SM_COLLECT, SM_ANALYZE, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u
. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT SM_ANALYZE
command -v zstd >/dev/null 2>&1 || skip "no zstd"

work_dir fkill
kill_sig=-9

seed=${SM_SEED:-$(date +%s)}
echo "seed $seed (SM_SEED=$seed repeats these delays)"
delays=$(awk -v s="$seed" 'BEGIN { srand(s); printf "0 0.01 0.04 1.5"; for (i = 0; i < 6; i++) printf " %.3f", rand() * 1.2 }')
early=0 late=0 run=0
for d in $delays; do
	run=$((run + 1))
	b="$tmp/k$run.tar.zst"
	"$SM_COLLECT" -q -o "$b" -i 0.05 --with-tools --tools-every 3 --tool-timeout 5s 2>"$tmp/k$run.err" &
	pids=$!
	[ "$d" = 0 ] || sleep "$d"
	kill -9 "$pids"
	wait "$pids"
	rc=$?
	pids=""
	[ "$rc" -eq 137 ] || { cat "$tmp/k$run.err" >&2; fail "run $run: collector killed after ${d}s exited $rc"; }
	bundle_finished "$b" "$tmp/x$run"
	size=$(stat -c '%s bytes' "$b" 2>/dev/null || echo "no file")
	"$SM_ANALYZE" info "$b" >"$tmp/k$run.info" 2>"$tmp/k$run.ierr"
	irc=$?
	grep -q 'Sanitizer\|runtime error' "$tmp/k$run.ierr" && { cat "$tmp/k$run.ierr" >&2; fail "run $run: sanitizer report from info"; }
	if [ "$MANIFEST" -eq 0 ]; then
		# nothing whole to load: a refusal is fine, a crash is not
		[ "$irc" -eq 0 ] || [ "$irc" -eq 1 ] || fail "run $run: info on a stub ($size) exited $irc"
		[ "$irc" -eq 0 ] || [ -s "$tmp/k$run.ierr" ] || fail "run $run: info refused a stub without a message"
		early=$((early + 1))
		echo "run $run: killed after ${d}s: $size, no whole manifest (info: exit $irc)"
		continue
	fi
	[ "$irc" -eq 0 ] || fail "run $run: info failed on a bundle with a whole manifest: $(cat "$tmp/k$run.ierr")"
	grep -q ", $NSNAP snapshots, CUT SHORT" "$tmp/k$run.info" || {
		cat "$tmp/k$run.info" >&2
		fail "run $run: info does not report $NSNAP snapshots, cut short"
	}
	[ "$NSNAP" -eq 0 ] && early=$((early + 1))
	[ "$NSNAP" -ge 3 ] && late=$((late + 1))
	echo "run $run: killed after ${d}s: $size, $NSNAP finished snapshots, all loaded, cut reported"
done
[ "$early" -ge 1 ] || fail "no run was killed before its first snapshot"
[ "$late" -ge 1 ] || fail "no run was killed after 3 snapshots or more"
echo "ok: $run kills, $early before the first snapshot, $late after several"
exit 0
