#!/bin/sh
# collect_maxsize: --max-size stops the collector cleanly.
#
# A host-wide run with the smallest cap (--max-size 64K) and no -n/-d must
# stop by itself with exit 0 and end.json reason "max-size", the file must
# not exceed 64 KiB, it must hold at least one snapshot, and every snapshot
# in it must be complete: its meta.json present and every member extracting
# at its listed size. Only the last snapshot may be marked "cut" (the cap
# hit in its middle, e.g. on a host whose single snapshot is over 64K).
#
# Environment: SM_COLLECT, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u

. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT
command -v zstd >/dev/null 2>&1 || skip "no zstd"
tar --help 2>/dev/null | grep -q -- '--zstd' || skip "tar has no --zstd"

tmp=$(mktemp -d /tmp/sm-maxsize.XXXXXX) || fail "mktemp"
cpid=""
cleanup() {
	if [ -n "$cpid" ]; then
		kill "$cpid" 2>/dev/null
		wait "$cpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

b="$tmp/max.tar.zst"
"$SM_COLLECT" -q -o "$b" --max-size 64K -i 0.1 2>"$tmp/c.err" &
cpid=$!
i=0
while kill -0 "$cpid" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -le 450 ] || fail "the collector did not stop by itself within 45 s ($(stat -c %s "$b") bytes written)"
	sleep 0.1
done
wait "$cpid"
rc=$?
cpid=""
[ "$rc" -eq 0 ] || { cat "$tmp/c.err" >&2; fail "collector exited $rc"; }

size=$(stat -c %s "$b")
[ "$size" -le 65536 ] || fail "bundle is $size bytes, over the 64 KiB cap"
zstd -qt "$b" || fail "zstd -t failed"
tar --zstd -tvf "$b" >"$tmp/list" 2>"$tmp/tar.err" || fail "tar --zstd -tvf failed: $(cat "$tmp/tar.err")"
[ ! -s "$tmp/tar.err" ] || fail "tar complained: $(cat "$tmp/tar.err")"
awk '{ print $6 }' "$tmp/list" >"$tmp/names"
[ "$(head -n 1 "$tmp/names")" = manifest.json ] || fail "manifest.json is not the first member"
[ "$(tail -n 1 "$tmp/names")" = end.json ] || fail "end.json is not the last member"

mkdir "$tmp/x"
tar --zstd -xf "$b" -C "$tmp/x" || fail "tar --zstd -xf failed"
grep -q '"reason":"max-size"' "$tmp/x/end.json" || fail "end.json reason: $(cat "$tmp/x/end.json")"
nsnap=$(grep -c '^snap/[0-9]*/meta.json$' "$tmp/names")
[ "$nsnap" -ge 1 ] || fail "no snapshot at all in a 64K bundle"
grep -q "\"snapshots\":$nsnap," "$tmp/x/end.json" || fail "end.json does not count $nsnap snapshots: $(cat "$tmp/x/end.json")"

# every member at its listed size
awk '{ print $6, $3 }' "$tmp/list" | sort >"$tmp/listed"
(cd "$tmp/x" && find . -type f -printf '%P %s\n') | sort >"$tmp/extracted"
cmp -s "$tmp/listed" "$tmp/extracted" || { diff "$tmp/listed" "$tmp/extracted" | head >&2; fail "members differ from the listing"; }

# snapshots 1..N, each with a complete meta.json; no member of a snapshot
# without one (that would be an unfinished snapshot)
n=1 cut=0
while [ "$n" -le "$nsnap" ]; do
	s="$tmp/x/snap/$(printf %06d "$n")"
	[ -s "$s/meta.json" ] || fail "snapshot $n has no meta.json"
	grep -q "^{\"snapshot\":$n,.*\"steps\":\[.*\]}\$" "$s/meta.json" || fail "snapshot $n: meta.json incomplete"
	if grep -q '"cut":"max-size"' "$s/meta.json"; then
		[ "$n" -eq "$nsnap" ] || fail "snapshot $n is cut but is not the last one"
		cut=1
	else
		grep -q '"cut":null' "$s/meta.json" || fail "snapshot $n: meta.json has no cut field"
		for dir in "$s"/net/*; do
			for t in tcp udp unix; do
				[ -f "$dir/$t" ] || [ -f "$dir/$t.part0000" ] || fail "snapshot $n (not cut) lacks $dir/$t"
			done
		done
		[ -d "$s/proc" ] || fail "snapshot $n (not cut) has no proc/"
	fi
	n=$((n + 1))
done
extra=$(ls "$tmp/x/snap" | awk -v n="$nsnap" '$1 + 0 > n')
[ -z "$extra" ] || fail "members of unfinished snapshots: $extra"
echo "ok: stopped at max-size: $size bytes, $nsnap snapshots$([ "$cut" -eq 1 ] && echo ', the last one cut')"
exit 0
