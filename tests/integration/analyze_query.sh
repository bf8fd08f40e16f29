#!/bin/sh
# analyze_query: `sockmortem query` and the read-only commands.
#
#  - several statements run in turn, each result set printed: tables and
#    CSV blocks separated by a blank line, JSON wrapped in one array (one
#    statement: the plain array of objects, as before);
#  - a statement that would change the database is refused, with nothing
#    run (not even the SELECTs before it), unless --write is given;
#  - read-only commands (info, query, sockets, stacks) create no file
#    beside the database: not for a database as `load` leaves it (rollback
#    journal), not for one in WAL mode (older sockmortem), and they work in
#    a directory they cannot write to (checked as an unprivileged user when
#    run as root, with setpriv).
#
# All checks run; the failures are listed at the end. Exit: 0, 77, 1.
set -u
LC_ALL=C
export LC_ALL

: "${SM_ANALYZE:?}" "${SM_ROOT:?}"
[ -x "$SM_ANALYZE" ] || { echo "skip: $SM_ANALYZE not built"; exit 77; }
CORPUS="$SM_ROOT/tests/data/corpus"
TCP="$CORPUS/procnet/issue-mediamtx-3226-proc-net-tcp-hashed-ptrs-partial.txt"
DUMP="$CORPUS/goroutine-debug2/gostackparse-go121_createdby.txt"
[ -f "$TCP" ] && [ -f "$DUMP" ] || { echo "skip: corpus files missing"; exit 77; }

tmp=$(mktemp -d /tmp/sm-query.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=""
bad() { failures="$failures
  - $*"; echo "FAIL: $*"; }

# expect NAME WANT GOT
expect() {
	if [ "$2" != "$3" ]; then
		bad "$1: want [$2] got [$3]"
	fi
}

db="$tmp/db/t.db"
mkdir "$tmp/db"
"$SM_ANALYZE" load -q -o "$db" "$TCP" "$DUMP" || bad "load failed"
n=$("$SM_ANALYZE" query "$db" "SELECT count(*) FROM sockets" --csv | tail -n 1)
[ "${n:-0}" -gt 0 ] || bad "no sockets loaded"

# --- several statements -------------------------------------------------------
got=$("$SM_ANALYZE" query "$db" "SELECT 1 AS a, 'x' AS b; SELECT 2 AS c")
expect "two tables" "a  b
1  x

c
2" "$got"
got=$("$SM_ANALYZE" query "$db" "SELECT 1 AS a, 'x,y' AS b; -- a comment
	SELECT 2 AS c;" --csv)
expect "two CSV blocks" 'a,b
1,"x,y"

c
2' "$got"
got=$("$SM_ANALYZE" query "$db" "SELECT 'say \"hi\"' AS \"q,n\", NULL AS z, 'two
lines' AS l" --csv)
expect "CSV quoting (RFC 4180)" '"q,n",z,l
"say ""hi""",,"two
lines"' "$got"
got=$("$SM_ANALYZE" query "$db" "SELECT 1 AS a" --json)
expect "one JSON set" '[
{"a":1}
]' "$got"
"$SM_ANALYZE" query "$db" "SELECT 1 AS a; SELECT 'q' AS b, NULL AS c" --json >"$tmp/multi.json" ||
	bad "two JSON sets: exit $?"
if command -v python3 >/dev/null 2>&1; then
	got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])))' "$tmp/multi.json" 2>&1)
	expect "two JSON sets" "[[{'a': 1}], [{'b': 'q', 'c': None}]]" "$got"
fi
"$SM_ANALYZE" query "$db" "" >/dev/null 2>&1
expect "empty SQL exit" 1 $?
"$SM_ANALYZE" query "$db" "SELECT 1; SELECT nosuchcolumn FROM sockets" >"$tmp/out" 2>"$tmp/err"
expect "bad second statement exit" 1 $?
grep -q "statement 2" "$tmp/err" || bad "bad second statement: message does not name it: $(cat "$tmp/err")"

# --- writes -----------------------------------------------------------------------
"$SM_ANALYZE" query "$db" "SELECT 1; DELETE FROM sockets" >"$tmp/out" 2>"$tmp/err"
expect "write refused exit" 1 $?
[ -s "$tmp/out" ] && bad "write refused: the SELECT before it ran: $(cat "$tmp/out")"
grep -q -- "--write" "$tmp/err" || bad "write refused: message does not mention --write"
expect "nothing deleted" "$n" "$("$SM_ANALYZE" query "$db" "SELECT count(*) FROM sockets" --csv | tail -n 1)"
"$SM_ANALYZE" query "$db" "VACUUM INTO '$tmp/copy.db'" >/dev/null 2>&1
expect "VACUUM INTO refused" 1 $?
[ -e "$tmp/copy.db" ] && bad "VACUUM INTO wrote a file"
got=$("$SM_ANALYZE" query --write "$db" "CREATE TABLE my_notes(x); INSERT INTO my_notes VALUES (7);
	SELECT x FROM my_notes" --csv)
expect "--write" "x
7" "$got"

# --- read-only commands leave nothing beside the database -----------------------------
# ls_db: the names in the database's directory, one line.
ls_db() { (cd "$tmp/db" && ls -A | tr '\n' ' '); }
readonly_round() {
	label=$1
	for cmd in "info $db" "query $db SELECT_COUNT" "sockets $db" "stacks $db"; do
		# shellcheck disable=SC2086 # split the command on purpose
		set -- $cmd
		if [ "$2" = "$db" ] && [ "${3:-}" = SELECT_COUNT ]; then
			"$SM_ANALYZE" query "$db" "SELECT count(*) FROM sockets" >"$tmp/out" 2>"$tmp/err"
		else
			"$SM_ANALYZE" "$@" >"$tmp/out" 2>"$tmp/err"
		fi
		rc=$?
		[ $rc -eq 0 ] || bad "$label: sockmortem $1 exit $rc: $(head -n 3 "$tmp/err")"
		expect "$label: files after sockmortem $1" "t.db " "$(ls_db)"
	done
}
expect "after load" "t.db " "$(ls_db)"
# byte 18 of the header: 1 = rollback journal, 2 = WAL
expect "journal mode at rest" 1 "$(od -An -tu1 -j18 -N1 "$db" | tr -d ' ')"
readonly_round "as loaded"

# A database left in WAL mode (as older versions left it).
if command -v sqlite3 >/dev/null 2>&1; then
	sqlite3 "$db" "PRAGMA journal_mode = WAL;" >/dev/null
	expect "WAL at rest" 2 "$(od -An -tu1 -j18 -N1 "$db" | tr -d ' ')"
	expect "after switching to WAL" "t.db " "$(ls_db)"
	readonly_round "WAL mode"
	got=$("$SM_ANALYZE" query "$db" "SELECT count(*) FROM sockets" --csv | tail -n 1)
	expect "WAL mode: rows read" "$n" "$got"
else
	echo "note: no sqlite3 CLI: WAL-mode part skipped"
fi

# A directory the reader cannot write to.
chmod 0755 "$tmp" "$tmp/db"
chmod 0644 "$db"
if [ "$(id -u)" = 0 ]; then
	if command -v setpriv >/dev/null 2>&1; then
		as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
		got=$($as_nobody "$SM_ANALYZE" query "$db" "SELECT count(*) FROM sockets" --csv 2>&1 | tail -n 1)
		expect "read-only directory (nobody)" "$n" "$got"
		$as_nobody "$SM_ANALYZE" info "$db" >/dev/null 2>&1 || bad "read-only directory: info failed"
		expect "read-only directory: files" "t.db " "$(ls_db)"
	else
		echo "note: no setpriv: read-only directory part skipped"
	fi
else
	chmod 0555 "$tmp/db"
	got=$("$SM_ANALYZE" query "$db" "SELECT count(*) FROM sockets" --csv 2>&1 | tail -n 1)
	expect "read-only directory" "$n" "$got"
	chmod 0755 "$tmp/db"
fi

if [ -n "$failures" ]; then
	echo "failures:$failures"
	exit 1
fi
echo "ok"
exit 0
