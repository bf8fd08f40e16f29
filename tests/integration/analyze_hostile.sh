#!/bin/sh
# analyze_hostile: bad input to the (ASan/UBSan-built) analyzer.
#
# Each case must end with a clear message naming the input (and the line
# or byte offset where one applies), the right non-zero exit, no sanitizer
# report (a crash or a leak fails), and nothing written in the work
# directory except the database named with -o (its file list is compared
# before and after):
#   garbage, an empty file, /dev/null, a directory holding an unreadable
#   file and a dangling link; a bundle whose manifest says format_version
#   99; a tar.zst with members ../../etc/evil and /abs/x (skipped with
#   notes, never written anywhere); a ustar header claiming 8 GiB, then EOF;
#   a decompression bomb (1 GiB of zeros as one member: stopped, memory
#   bounded, its peak RSS measured); a SQLite file that
#   is not ours and one from a newer sockmortem (refused, byte for byte
#   unchanged); query on garbage, query with DELETE / VACUUM INTO / bad or
#   empty SQL; every command from `sockmortem --help` answers --help with
#   exit 0 and a bad flag with exit 2.
#
# Hostile bundles (links, 100 GB and 2^60-byte claims, duplicated and
# out-of-order snapshots, millions of members, cuts) are in
# analyze_hostile_bundles.sh; the helpers both use in tests/support/hostile.sh.
#
# All checks run; failures are listed at the end. Exit: 0, 77, 1.
set -u
LC_ALL=C
export LC_ALL

: "${SM_ANALYZE:?}" "${SM_ROOT:?}"
[ -x "$SM_ANALYZE" ] || { echo "skip: $SM_ANALYZE not built"; exit 77; }
for t in tar zstd sqlite3 sha256sum od dd; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
CORPUS="$SM_ROOT/tests/data/corpus"
GOOD="$CORPUS/procnet/procfs-proc-net-tcp"
[ -f "$GOOD" ] || { echo "skip: no corpus"; exit 77; }

T=$(mktemp -d /tmp/sm-hostile.XXXXXX) || exit 1
chmod 755 "$T"
W="$T/w"            # the work directory whose file list is watched
mkdir -p "$W/in" "$W/run/a/b"
trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# fail, note, bad, expect, qv, peak_rss, ustar, hostile_done
. "$SM_ROOT/tests/support/hostile.sh"

# ---- not captures -------------------------------------------------------------
head -c 4096 /dev/urandom >"$W/in/garbage"
: >"$W/in/empty"
bad "garbage" 1 "'[^']*in/garbage'" "$W/g.db" -- load "$W/in/garbage" -o "$W/g.db"
bad "empty file" 1 "'[^']*in/empty'" "$W/g.db" -- load "$W/in/empty" -o "$W/g.db"
bad "/dev/null" 1 "'/dev/null'" "$W/g.db" -- load /dev/null -o "$W/g.db"
expect "nothing loaded from them" "$(qv "$W/g.db" "SELECT count(*) FROM sources")" 0
bad "missing file" 1 "'[^']*in/nosuch'" "$W/g.db" -- load "$W/in/nosuch" -o "$W/g.db"

# ---- a directory with an unreadable file and a dangling link ----------------
mkdir -p "$W/dir"
cp "$GOOD" "$W/dir/good-tcp"
cp "$CORPUS/procnet/procfs-proc-net-tcp6" "$W/dir/locked-tcp6"
chmod 000 "$W/dir/locked-tcp6"
ln -s "$W/dir/nowhere" "$W/dir/dangling"
AS=""
if [ "$(id -u)" = 0 ]; then
	# root reads mode 000 files: run as nobody, where a DB can be created
	if command -v setpriv >/dev/null 2>&1; then
		AS="setpriv --reuid=65534 --regid=65534 --clear-groups --"
		chmod 755 "$W" "$W/run" "$W/run/a" "$W/run/a/b" "$W/dir"
		mkdir -p "$W/nobody" && chmod 777 "$W/nobody"
	fi
fi
if [ "$(id -u)" != 0 ] || [ -n "$AS" ]; then
	ddb="$W/nobody/dir.db"
	[ -n "$AS" ] || ddb="$W/dir.db"
	listing >"$T/before"
	(cd "$W/run/a/b" && $AS "$SM_ANALYZE" load "$W/dir" -o "$ddb") >"$T/out" 2>"$T/err"
	rc=$?
	listing >"$T/after"
	[ $rc -eq 1 ] || fail "directory with an unreadable file: exit $rc, want 1: $(cat "$T/err")"
	grep -q "'$W/dir/locked-tcp6'.*[Pp]ermission denied" "$T/err" || fail "unreadable file not named: $(cat "$T/err")"
	grep -q "'$W/dir/dangling'" "$T/err" || fail "dangling link not named: $(cat "$T/err")"
	grep -Eq "AddressSanitizer|LeakSanitizer|runtime error:" "$T/err" && fail "directory: sanitizer report: $(cat "$T/err")"
	expect "directory: the readable file loaded" "$(qv "$ddb" "SELECT count(*), min(path) FROM sources")" "1,$W/dir/good-tcp"
	new=$(comm -13 "$T/before" "$T/after" | grep -v -e "^./${ddb#"$W"/}")
	[ -z "$new" ] || fail "directory: wrote $new"
else
	echo "note: root without setpriv: the mode-000 file is readable; checking the dangling link only"
	chmod 644 "$W/dir/locked-tcp6"
	bad "directory with a dangling link" 1 "'[^']*dir/dangling'" "$W/dir.db" -- load "$W/dir" -o "$W/dir.db"
	expect "directory: the readable files loaded" "$(qv "$W/dir.db" "SELECT count(*) FROM sources")" 2
fi
chmod 644 "$W/dir/locked-tcp6"

# ---- a bundle from the future ---------------------------------------------------
mkdir -p "$T/v99/snap/000001"
printf '{"format":"sockmortem-bundle","format_version":99,"tool_version":"9.9.9","host":{"hostname":"h"}}' >"$T/v99/manifest.json"
printf '{"seq":1}' >"$T/v99/snap/000001/meta.json"
(cd "$T/v99" && tar --zstd -cf "$W/in/v99.tar.zst" manifest.json snap)
bad "format_version 99" 1 "v99\\.tar\\.zst.*version 99 is newer" "$W/v.db" -- load "$W/in/v99.tar.zst" -o "$W/v.db"
expect "format_version 99: nothing loaded" "$(qv "$W/v.db" "SELECT count(*) FROM sources")" 0

# ---- members that would escape ------------------------------------------------
mkdir -p "$T/evil"
cp "$GOOD" "$T/evil/tcp"
cp "$GOOD" "$T/evil/x"
printf 'x\n' >>"$T/evil/x"
cp "$CORPUS/procnet/procfs-proc-net-sockstat" "$T/evil/sockstat"
(cd "$T/evil" && tar --zstd -cf "$W/in/evil.tar.zst" -P --transform 's,^tcp$,../../etc/evil,;s,^x$,/abs/x,' tcp x sockstat)
tar --zstd -tPf "$W/in/evil.tar.zst" >"$T/names" 2>/dev/null
grep -qx '../../etc/evil' "$T/names" && grep -qx '/abs/x' "$T/names" || fail "could not build the evil archive: $(cat "$T/names")"
abs_before=$(ls -d /abs 2>/dev/null)
bad "../../etc/evil and /abs/x" 1 "member '\\.\\./\\.\\./etc/evil' \\(offset [0-9]+\\): unsafe" "$W/e.db" -- load "$W/in/evil.tar.zst" -o "$W/e.db"
grep -Eq "member '/abs/x' \\(offset [0-9]+\\): unsafe" "$T/err" || fail "/abs/x not named: $(cat "$T/err")"
grep -q "evil.tar.zst" "$T/err" || fail "the archive is not named"
expect "evil: the safe member loaded" "$(qv "$W/e.db" "SELECT count(*), min(path) FROM sources")" "1,$W/in/evil.tar.zst!sockstat"
[ -e "$W/etc/evil" ] || [ -e "$W/run/etc/evil" ] && fail "../../etc/evil was written"
[ -z "$abs_before" ] && [ -e /abs ] && fail "/abs was created"
note "no member written anywhere"

# ---- a header claiming 8 GiB, then EOF ------------------------------------------
ustar huge 77777777777 "$W/in/huge.tar"
bad "8 GiB header then EOF" 1 "huge\\.tar.*(byte|offset) [0-9]+" "$W/h.db" -- load "$W/in/huge.tar" -o "$W/h.db"
grep -q "member 'huge'" "$T/err" || fail "the member is not named: $(cat "$T/err")"
# the same inside a tar.zst
zstd -q -c "$W/in/huge.tar" >"$W/in/huge.tar.zst"
bad "8 GiB header then EOF (zst)" 1 "huge\\.tar\\.zst.*(byte|offset) [0-9]+" "$W/h.db" -- load "$W/in/huge.tar.zst" -o "$W/h.db"
# a header for 32 KiB with no data: truncated member
ustar short 00000100000 "$W/in/short.tar"
bad "header without its data" 1 "short\\.tar.*(byte|offset) [0-9]+" "$W/h.db" -- load "$W/in/short.tar" -o "$W/h.db"
expect "nothing loaded from them" "$(qv "$W/h.db" "SELECT count(*) FROM sources")" 0

# ---- a decompression bomb: 1 GiB of zeros as one member -------------------------
ustar zeros 10000000000 "$T/zhdr"
{ cat "$T/zhdr"; head -c 1073741824 /dev/zero; head -c 1024 /dev/zero; } | zstd -q -1 -c >"$W/in/bomb.tar.zst"
bsize=$(wc -c <"$W/in/bomb.tar.zst")
[ "$bsize" -lt 1048576 ] || fail "the bomb is $bsize bytes (want a few KB)"
RUN="peak_rss $T/rss"
bad "bomb" 1 "bomb\\.tar\\.zst.*decompression bomb" "$W/b.db" -- load "$W/in/bomb.tar.zst" -o "$W/b.db"
RUN=""
rss=$(tail -n 1 "$T/rss")
# holding the member would take more than 1 GiB
[ "$rss" -lt 1048576 ] || fail "bomb: max RSS ${rss} KiB (not bounded below the member's 1 GiB)"
note "bomb: max RSS ${rss} KiB"
rm -f "$W/in/bomb.tar.zst"

# ---- databases that are not ours -------------------------------------------------
sqlite3 "$W/other.db" "CREATE TABLE x(y); INSERT INTO x VALUES (42);"
sum0=$(sha256sum <"$W/other.db")
bad "load -o a foreign SQLite file" 1 "other\\.db.*not a sockmortem" - -- load "$GOOD" -o "$W/other.db"
expect "foreign db unchanged" "$(sha256sum <"$W/other.db")" "$sum0"
bad "query a foreign SQLite file" 1 "other\\.db.*not a sockmortem" - -- query "$W/other.db" "SELECT * FROM x"
bad "info a foreign SQLite file" 1 "other\\.db.*not a sockmortem" - -- info "$W/other.db"
bad "sockets a foreign SQLite file" 1 "other\\.db.*not a sockmortem" - -- sockets "$W/other.db"
expect "foreign db still unchanged" "$(sha256sum <"$W/other.db")" "$sum0"

"$SM_ANALYZE" load "$GOOD" -o "$W/ours.db" -q 2>"$T/err" || fail "loading a good file: $(cat "$T/err")"
cp "$W/ours.db" "$W/newer.db"
sqlite3 "$W/newer.db" "PRAGMA user_version = 99;"
sum1=$(sha256sum <"$W/newer.db")
bad "load -o a newer database" 1 "newer\\.db.*newer sockmortem" - -- load "$CORPUS/procnet/procfs-proc-net-tcp6" -o "$W/newer.db"
expect "newer db unchanged" "$(sha256sum <"$W/newer.db")" "$sum1"

# ---- query -------------------------------------------------------------------------
bad "query on garbage" 1 "in/garbage.*not a sockmortem database" - -- query "$W/in/garbage" "SELECT 1"
bad "query on a missing file" 1 "nosuch\\.db" - -- query "$W/nosuch.db" "SELECT 1"
[ -e "$W/nosuch.db" ] && fail "query created the missing database"
sum2=$(sha256sum <"$W/ours.db")
bad "query DELETE" 1 "read-only|readonly" "$W/ours.db" -- query "$W/ours.db" "DELETE FROM sources"
bad "query VACUUM INTO" 1 "read-only|readonly" "$W/ours.db" -- query "$W/ours.db" "VACUUM INTO '$W/copy.db'"
[ -e "$W/copy.db" ] && fail "VACUUM INTO wrote $W/copy.db"
bad "query bad SQL" 1 "syntax error" "$W/ours.db" -- query "$W/ours.db" "SELEC count(*) FROM sources"
bad "query unknown table" 1 "no such table: nosuch" "$W/ours.db" -- query "$W/ours.db" "SELECT * FROM nosuch"
bad "query empty SQL" 1 "empty statement" "$W/ours.db" -- query "$W/ours.db" ""
expect "ours.db unchanged by queries" "$(sha256sum <"$W/ours.db")" "$sum2"
expect "sources still there" "$(qv "$W/ours.db" "SELECT count(*) FROM sources")" 1

# ---- every command: --help and a bad flag ---------------------------------------
"$SM_ANALYZE" --help >"$T/help" 2>"$T/err" || fail "sockmortem --help: exit $?"
cmds=$(sed -n '/^commands:/,/^$/p' "$T/help" | awk '/^  [a-z]/ { print $1 }')
[ -n "$cmds" ] || fail "no commands in sockmortem --help: $(cat "$T/help")"
echo "$cmds" | grep -qx load || fail "load is not in the command list"
for c in $cmds; do
	"$SM_ANALYZE" "$c" --help >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] || fail "$c --help: exit $rc"
	grep -q "usage: sockmortem $c" "$T/out" || fail "$c --help: no usage on stdout: $(head -c 300 "$T/out")"
	bad "$c --no-such-flag" 2 "usage: sockmortem $c|no-such-flag" - -- "$c" --no-such-flag "$W/ours.db"
	bad "$c --no-such-flag alone" 2 "usage: sockmortem $c|no-such-flag" - -- "$c" --no-such-flag
done
bad "no command" 2 "usage: sockmortem" - --
bad "unknown command" 2 "not a command" - -- frobnicate
"$SM_ANALYZE" --version >"$T/out" 2>&1 && grep -q "^sockmortem [0-9]" "$T/out" || fail "--version: $(cat "$T/out")"

hostile_done
