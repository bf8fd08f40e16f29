#!/bin/sh
# history_collect: contrib/systemd/sockmortem-history, the script the
# hourly timer runs, with the real collector: it leaves one complete
# HOST-TIME.tar.zst (no dot file behind), deletes bundles older than
# SOCKMORTEM_KEEP_DAYS and stale partial files; `sockmortem load DIR`
# then loads the bundle once and skips it the second time without
# reading it (and never loads a dot file: a bundle being written).
# The units pass `systemd-analyze verify` where systemd is installed.
#
# Exit: 0 pass, 77 skip, 1 fail.
set -u

: "${SM_ANALYZE:?}" "${SM_COLLECT:?}" "${SM_ROOT:=.}"
for b in "$SM_ANALYZE" "$SM_COLLECT"; do
	[ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
[ -r /proc/self/net/tcp ] || { echo "skip: no /proc/net/tcp"; exit 77; }
SCRIPT="$SM_ROOT/contrib/systemd/sockmortem-history"

T=$(mktemp -d /tmp/sm-history.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; exit 1; }
note() { echo "ok: $*"; }

H="$T/hist"
mkdir "$H"
# an old bundle and an old partial: both must go; a fresh partial stays
echo old >"$H/old-20261001T000000Z.tar.zst"
touch -d '40 days ago' "$H/old-20261001T000000Z.tar.zst"
echo part >"$H/.stale.tar.zst"
touch -d '5 hours ago' "$H/.stale.tar.zst"
echo part >"$H/.writing.tar.zst"

SOCKMORTEM_DIR="$H" SOCKMORTEM_COLLECT="$SM_COLLECT" SOCKMORTEM_ARGS="-n 2 -i 0.2 -p $$" \
	SOCKMORTEM_KEEP_DAYS=30 sh "$SCRIPT" 2>"$T/err" || fail "sockmortem-history exit $?: $(cat "$T/err")"
host=$(uname -n | cut -d. -f1)
n=$(find "$H" -maxdepth 1 -name "$host-*Z.tar.zst" | wc -l)
[ "$n" -eq 1 ] || fail "want one $host-*.tar.zst, got: $(ls -a "$H")"
[ -e "$H/old-20261001T000000Z.tar.zst" ] && fail "old bundle not deleted"
[ -e "$H/.stale.tar.zst" ] && fail "stale partial not deleted"
[ -e "$H/.writing.tar.zst" ] || fail "a partial being written was deleted"
note "one bundle, old ones gone: $(ls "$H")"

"$SM_ANALYZE" load "$H" -o "$T/h.db" 2>"$T/err" || fail "load: $(cat "$T/err")"
grep -q ': 1 loaded (2 snapshots), 0 already there, 0 failed' "$T/err" || fail "first load: $(cat "$T/err")"
"$SM_ANALYZE" load "$H" -o "$T/h.db" 2>"$T/err" || fail "second load: $(cat "$T/err")"
grep -q ': 0 loaded (0 snapshots), 1 already there, 0 failed' "$T/err" || fail "second load: $(cat "$T/err")"
note "load DIR: once, then skipped; the dot file never"

if command -v systemd-analyze >/dev/null 2>&1; then
	systemd-analyze verify "$SM_ROOT/contrib/systemd/sockmortem-collect.service" \
		"$SM_ROOT/contrib/systemd/sockmortem-collect.timer" >"$T/verify" 2>&1
	# the script is not installed here; anything else is a mistake
	grep -v 'sockmortem-history is not executable' "$T/verify" | grep -q . && fail "systemd-analyze: $(cat "$T/verify")"
	note "systemd-analyze verify"
fi
echo PASS
