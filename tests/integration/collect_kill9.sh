#!/bin/sh
# collect_kill9: a bundle survives its collector's death.
#
# 1. kill -9 mid-run: zstd may complain only about the last, cut frame;
#    every snapshot that has its meta.json extracts completely, and there
#    are at least 3. Cutting 100 more bytes off loses at most that one
#    snapshot more.
# 2. SIGTERM: the collector finishes cleanly: exit 0, end.json with
#    reason "signal", and `tar --zstd -tf` reads the bundle without error.
#
# Environment: SM_COLLECT, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u

. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT
command -v zstd >/dev/null 2>&1 || skip "no zstd"
tar --help 2>/dev/null | grep -q -- '--zstd' || skip "tar has no --zstd"

tmp=$(mktemp -d /tmp/sm-kill9.XXXXXX) || fail "mktemp"
cpid=""
cleanup() {
	if [ -n "$cpid" ]; then
		kill -9 "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# Snapshots with a meta.json that a reader gets out of FILE right now.
count_snaps() {
	n=$(zstd -dc "$1" 2>/dev/null | tar -t 2>/dev/null | grep -c '^snap/[0-9]*/meta.json$')
	echo "${n:-0}"
}

# wait_snaps FILE N: until FILE holds N finished snapshots (<= 30 s)
wait_snaps() {
	i=0
	while [ "$(count_snaps "$1")" -lt "$2" ]; do
		kill -0 "$cpid" 2>/dev/null || fail "collector exited early: $(cat "$tmp"/*.err 2>/dev/null)"
		i=$((i + 1))
		[ "$i" -le 150 ] || fail "fewer than $2 snapshots after 30 s"
		sleep 0.2
	done
}

# --- 1. kill -9 -----------------------------------------------------------
b="$tmp/k9.tar.zst"
"$SM_COLLECT" -q -o "$b" -i 0.2 2>"$tmp/k9.err" &
cpid=$!
wait_snaps "$b" 4
seen=$(count_snaps "$b")
kill -9 "$cpid"
wait "$cpid"
rc=$?
cpid=""
[ "$rc" -eq 137 ] || fail "collector killed with SIGKILL exited $rc"
echo "killed after $seen snapshots were readable ($(stat -c %s "$b") bytes)"

zstd -dc "$b" >"$tmp/k9.tar" 2>"$tmp/zstd.err"
zrc=$?
if [ "$zrc" -ne 0 ]; then
	# only a cut frame at the end is allowed: say so, and nothing else
	grep -Eqi 'premature end|truncat|unexpected end|incomplete' "$tmp/zstd.err" ||
		fail "zstd failed for another reason than a cut last frame: $(cat "$tmp/zstd.err")"
	echo "zstd: $(cat "$tmp/zstd.err") (expected: the last frame was cut)"
else
	echo "zstd: no cut frame (killed between snapshots)"
fi

tar -tvf "$tmp/k9.tar" >"$tmp/k9.list" 2>/dev/null
awk '{ print $6 }' "$tmp/k9.list" >"$tmp/k9.names"
[ "$(head -n 1 "$tmp/k9.names")" = manifest.json ] || fail "manifest.json is not the first member"
grep '^snap/[0-9]*/meta.json$' "$tmp/k9.names" | cut -d/ -f2 >"$tmp/k9.snaps"
nsnap=$(wc -l <"$tmp/k9.snaps")
[ "$nsnap" -ge 3 ] || fail "only $nsnap complete snapshots after kill -9"
[ "$nsnap" -ge "$seen" ] || fail "$seen snapshots were readable before the kill, $nsnap after"
# complete snapshots are numbered 1..N without a gap
[ "$(tail -n 1 "$tmp/k9.snaps")" = "$(printf %06d "$nsnap")" ] || fail "snapshot numbering has gaps"

mkdir "$tmp/x"
tar -xf "$tmp/k9.tar" -C "$tmp/x" 2>/dev/null
# every member of a complete snapshot is there with the size tar listed
re="^(manifest.json|snap/($(paste -sd'|' "$tmp/k9.snaps"))/)"
awk '{ print $6, $3 }' "$tmp/k9.list" | grep -E "$re" | sort >"$tmp/listed"
(cd "$tmp/x" && find . -type f -printf '%P %s\n') | grep -E "$re" | sort >"$tmp/extracted"
[ -s "$tmp/listed" ] || fail "no members listed"
cmp -s "$tmp/listed" "$tmp/extracted" || {
	diff "$tmp/listed" "$tmp/extracted" | head -n 20 >&2
	fail "members of complete snapshots did not extract completely"
}
while read -r s; do
	d="$tmp/x/snap/$s"
	grep -q '"steps":\[.*\]}$' "$d/meta.json" || fail "snapshot $s: meta.json is not complete"
	for t in tcp unix snmp netstat; do
		# a table over 4 MiB (a busy host) is stored as NAME.part0000, ...
		for dir in "$d"/net/*; do
			[ -s "$dir/$t" ] || [ -s "$dir/$t.part0000" ] || fail "snapshot $s: no (or empty) $dir/$t"
		done
	done
	[ -d "$d/proc" ] || fail "snapshot $s: no proc/"
	for p in "$d"/proc/*; do
		[ -s "$p/comm" ] || fail "snapshot $s: $p/comm empty"
		# a process that exited mid-scan may lack files, but none is empty
		for f in stat status; do
			[ ! -e "$p/$f" ] || [ -s "$p/$f" ] || fail "snapshot $s: $p/$f empty"
		done
	done
done <"$tmp/k9.snaps"
echo "ok: $nsnap complete snapshots after kill -9"

# cut 100 more bytes: zstd must notice, and at most one more snapshot is lost
size=$(stat -c %s "$b")
head -c $((size - 100)) "$b" >"$tmp/cut.tar.zst"
if zstd -qt "$tmp/cut.tar.zst" 2>/dev/null; then
	fail "zstd -t accepted a bundle with its last 100 bytes cut"
fi
ncut=$(count_snaps "$tmp/cut.tar.zst")
[ "$ncut" -ge $((nsnap - 1)) ] && [ "$ncut" -le "$nsnap" ] ||
	fail "cutting 100 bytes left $ncut of $nsnap snapshots"
echo "ok: cut 100 bytes more: $ncut snapshots remain"

# --- 2. SIGTERM -----------------------------------------------------------
b="$tmp/term.tar.zst"
"$SM_COLLECT" -q -o "$b" -i 0.2 2>"$tmp/term.err" &
cpid=$!
wait_snaps "$b" 2
kill -TERM "$cpid"
wait "$cpid"
rc=$?
cpid=""
[ "$rc" -eq 0 ] || { cat "$tmp/term.err" >&2; fail "collector stopped by SIGTERM exited $rc"; }
tar --zstd -tf "$b" >"$tmp/term.names" 2>"$tmp/term.tarerr" || fail "tar --zstd -tf failed: $(cat "$tmp/term.tarerr")"
[ ! -s "$tmp/term.tarerr" ] || fail "tar complained: $(cat "$tmp/term.tarerr")"
zstd -qt "$b" || fail "zstd -t failed on a cleanly stopped bundle"
[ "$(tail -n 1 "$tmp/term.names")" = end.json ] || fail "end.json is not the last member"
tar --zstd -xOf "$b" end.json >"$tmp/end.json" || fail "cannot extract end.json"
grep -q '"reason":"signal"' "$tmp/end.json" || fail "end.json reason: $(cat "$tmp/end.json")"
n=$(grep -c '^snap/[0-9]*/meta.json$' "$tmp/term.names")
[ "$n" -ge 2 ] || fail "only $n snapshots before SIGTERM"
grep -q "\"snapshots\":$n," "$tmp/end.json" || fail "end.json counts other than $n snapshots: $(cat "$tmp/end.json")"
echo "ok: SIGTERM after $n snapshots: clean bundle, reason signal"
exit 0
