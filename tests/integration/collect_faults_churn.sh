#!/bin/sh
# collect_faults_churn: processes exit and pids are reused while the
# collector scans.
#
# tests/helpers/pidchurn forks 200 children a second (1 to 20 ms each)
# and 8 longer-lived ones, each child named cS (S its serial) holding
# DIR/tag.S and a socket pair. As root it runs with the collector in a pid
# namespace of their own (unshare), where it makes replacements reuse the
# pid of the child they replace; otherwise host-wide, with whatever reuse
# happens. The collector records every 0.1 s for 8 s.
#
# Expected: exit 0, end.json "duration"; errors.tsv holds only exits
# (ENOENT/ESRCH "exited", or "exited while listed") and read timeouts;
# meta.json counts those exits; in every proc/PID/: stat and status name
# PID, a comm cS has a stat cS and fds to tag.S only (never another
# child's); the helper itself holds no tag. Loaded by `sockmortem`: no
# process identity (boot id, pid, start time) has fds of two children, and
# each reused pid seen in the bundle is two or more identities.
#
# Environment: SM_COLLECT, SM_ANALYZE, SM_HELPERS, SM_ROOT.
# Exit: 0 pass, 77 skip, else fail.
set -u
. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT SM_ANALYZE
need_helper pidchurn
tar --help 2>/dev/null | grep -q -- '--zstd' || skip "tar has no --zstd"

work_dir fchurn
kill_sig=-9   # unshare --kill-child: the namespace and all in it go with it
tab=$(printf '\t')

mkdir "$tmp/tags" || fail "mkdir"
b="$tmp/churn.tar.zst"
# Both in one shell: it records the helper's pid (as the collector sees
# it) and the collector's exit status.
run='"$1" "$2/tags" 9 200 >"$2/churn.out" 2>&1 &
echo $! >"$2/helper.pid"
"$3" -q -o "$2/churn.tar.zst" -i 0.1 -d 8 2>"$2/collect.err"
echo $? >"$2/collect.rc"
wait'
mode=host
ns="unshare --pid --fork --mount-proc --kill-child"
if [ "$(id -u)" -eq 0 ] && $ns true 2>/dev/null; then
	mode=pidns
	$ns sh -c "$run" sh "$helper" "$tmp" "$SM_COLLECT" &
else
	echo "no pid namespace of our own (needs root and unshare): pids are reused only by chance"
	sh -c "$run" sh "$helper" "$tmp" "$SM_COLLECT" &
fi
pids=$!
wait "$pids"
pids=""
[ -s "$tmp/collect.rc" ] || fail "the collector did not finish: $(cat "$tmp/collect.err" "$tmp/churn.out" 2>/dev/null)"
rc=$(cat "$tmp/collect.rc")
[ "$rc" -eq 0 ] || { cat "$tmp/collect.err" >&2; fail "collector exited $rc"; }
grep -q '^DONE ' "$tmp/churn.out" || fail "pidchurn: $(cat "$tmp/churn.out")"
children=$(sed -n 's/^DONE children=\([0-9]*\) .*/\1/p' "$tmp/churn.out")
reused=$(sed -n 's/.* reused=\([0-9]*\)$/\1/p' "$tmp/churn.out")
hpid=$(cat "$tmp/helper.pid")
echo "$mode: pidchurn (pid $hpid) forked $children children, $reused on a pid used before"
[ "$children" -ge 1000 ] || fail "only $children children: not much of a churn"
[ "$mode" = host ] || [ "$reused" -ge 100 ] || fail "only $reused pids reused in the pid namespace"

x="$tmp/x"
mkdir "$x"
tar --zstd -xf "$b" -C "$x" || fail "cannot extract"
grep -q '"reason":"duration"' "$x/end.json" || fail "end.json: $(cat "$x/end.json")"
nsnap=$(ls "$x/snap" | wc -l)
grep -q "\"snapshots\":$nsnap," "$x/end.json" || fail "end.json does not count $nsnap snapshots"
[ "$nsnap" -ge 20 ] || fail "only $nsnap snapshots in 8 s"

# --- what could not be read: exits (and timeouts), recorded, counted -----------
# (host-wide, other processes may also be closed to us: EACCES, EPERM)
cat "$x"/snap/*/errors.tsv >"$tmp/errors" 2>/dev/null
# (an exiting process refuses its namespaces with EACCES: found a zombie or
# gone on a second look, that is its exit too)
ok="(ENOENT|ESRCH)${tab}exited( while listed)?|(EACCES|EPERM)${tab}exited|-${tab}(timeout|skipped): .*"
[ "$mode" = pidns ] || ok="$ok|(EACCES|EPERM)${tab}.*"
bad=$(grep -Ev "^/proc/[0-9]+(/[a-z/]+)?${tab}($ok)\$" "$tmp/errors" | head -n 5)
[ -z "$bad" ] || fail "errors.tsv records more than exits: $bad"
logged=$(grep -c "${tab}exited\$" "$tmp/errors")
counted=$(sed -n 's/.*"exited":\([0-9]*\),.*/\1/p' "$x"/snap/*/meta.json | awk '{ s += $1 } END { print s + 0 }')
[ "$logged" -eq "$counted" ] || fail "errors.tsv records $logged exits, meta.json counts $counted"
echo "exits recorded mid-scan: $logged; lines in errors.tsv: $(wc -l <"$tmp/errors")"

# --- every proc/PID/ is one process ---------------------------------------------
# One line per file: "snap/N/proc/PID KIND CONTENT".
(cd "$x" && {
	find snap -path '*/proc/*/comm' -exec grep -H '' {} + | sed 's|/comm:| comm |'
	find snap -path '*/proc/*/stat' -exec grep -H '' {} + | sed 's|/stat:| stat |'
	find snap -path '*/proc/*/status' -exec grep -H '^Pid:' {} + | sed 's|/status:| status |'
	find snap -path '*/proc/*/fd' -exec grep -H "${tab}$tmp/tags/" {} + | sed 's|/fd:| fd |'
}) >"$tmp/files"
awk -v tags="$tmp/tags/" -v hpid="$hpid" '
function die(msg) { print "FAIL: " $1 ": " msg > "/dev/stderr"; bad = 1; exit 1 }
{
	n = split($1, p, "/"); pid = p[n]
	if ($2 == "comm") { comm[$1] = $3; next }
	if ($2 == "status") { if ($4 != pid) die("status is pid " $4); next }
	if ($2 == "stat") {
		if ($3 != pid) die("stat is pid " $3)
		c = $0; sub(/^[^(]*\(/, "", c); sub(/\) [A-Z] .*$/, "", c)
		if ((c ~ /^c[0-9]+$/ || comm[$1] ~ /^c[0-9]+$/) && c != comm[$1] && comm[$1] != "pidchurn")
			die("comm " comm[$1] ", stat of " c)
		next
	}
	# an fd line: "DIR fd FD<TAB>TARGET"
	t = $0; sub(/^[^\t]*\t/, "", t)
	if (pid == hpid) die("pidchurn itself holds " t)
	if (comm[$1] ~ /^c[0-9]+$/ && t != tags "tag." substr(comm[$1], 2)) die(comm[$1] " holds " t)
	nfd++
}
END { if (!bad) printf "per-process files consistent: %d tag fds checked\n", nfd }' "$tmp/files" ||
	fail "a proc/PID/ mixes two processes"
# (by stat, which gives the analyzer its identity: pid and start time)
awk '$2 == "stat" && $4 ~ /^\(c[0-9]+\)$/ { print $3, $4 }' "$tmp/files" |
	sort -u | awk '{ c[$1]++ } END { for (p in c) if (c[p] > 1) print p }' | sort >"$tmp/reused"
reuse=$(wc -l <"$tmp/reused")
echo "pids recorded for two children or more: $reuse"
[ "$mode" = host ] || [ "$reuse" -ge 1 ] || fail "no reused pid made it into two snapshots"

# --- the analyzer keeps the identities apart ------------------------------------
db="$tmp/churn.db"
"$SM_ANALYZE" load "$b" -o "$db" >"$tmp/load.out" 2>&1 || fail "load failed: $(cat "$tmp/load.out")"
q() { "$SM_ANALYZE" query "$db" "$1" --csv | tail -n +2; }
[ "$(q 'SELECT count(*) FROM snapshots')" -eq "$nsnap" ] || fail "the analyzer loaded other than $nsnap snapshots"
mixed=$(q "SELECT p.pid || ' ' || p.start_ticks FROM fds f JOIN processes p ON p.id = f.process_id
	WHERE f.target GLOB '$tmp/tags/tag.*' GROUP BY f.process_id HAVING count(DISTINCT f.target) > 1 LIMIT 5")
[ -z "$mixed" ] || fail "process identities holding fds of two children (pid start_ticks): $mixed"
wrong=$(q "SELECT p.pid || ' ' || p.comm || ' ' || f.target FROM fds f JOIN processes p ON p.id = f.process_id
	WHERE p.comm GLOB 'c[0-9]*' AND f.target GLOB '$tmp/tags/tag.*'
	AND f.target <> '$tmp/tags/tag.' || substr(p.comm, 2) LIMIT 5")
[ -z "$wrong" ] || fail "fds attributed to another child: $wrong"
# each pid the bundle shows for two children is two identities or more
q "SELECT pid FROM processes GROUP BY pid HAVING count(*) > 1 ORDER BY 1" | sort >"$tmp/idents"
merged=$(comm -23 "$tmp/reused" "$tmp/idents" | head -n 5)
[ -z "$merged" ] || fail "pids the analyzer took for one process although two children had them: $merged"
echo "analyzer: $(q 'SELECT count(*) FROM processes') process identities, $(wc -l <"$tmp/idents") pids with two or more"
echo "ok: $nsnap snapshots through $children short-lived processes ($mode), no identity mixed"
exit 0
