# Shared by the hostile-input scripts (tests/integration/analyze_hostile*.sh;
# sourced, POSIX sh). The sourcing script sets T (its temporary directory),
# W (the work directory whose file list is watched, with W/run/a/b in it)
# and SM_ANALYZE; every check runs, failures are counted in $failures and
# the script ends with `hostile_done`.

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
note() { echo "ok: $*"; }

listing() { (cd "$W" && find . | sort); }
RUN=""

# bad LABEL RC PATTERN DB -- ARGS...: runs the analyzer (under $RUN, if set)
# from $W/run/a/b
# (so a "../../x" written anywhere would land in $W); checks the exit code
# (RC, or "nz" for any non-zero), that stderr matches PATTERN (grep -E),
# carries no sanitizer report, and that $W gained nothing but DB (and its
# -wal/-shm/-journal, which a read-only reader of a WAL database creates;
# "-" for none). Leaves stderr in $T/err, the exit code in $rc and the
# seconds it took in $secs.
bad() {
	label=$1 want=$2 pattern=$3 db=$4
	shift 5
	listing >"$T/before"
	start=$(date +%s)
	(cd "$W/run/a/b" && $RUN "$SM_ANALYZE" "$@") >"$T/out" 2>"$T/err"
	rc=$?
	secs=$(($(date +%s) - start))
	listing >"$T/after"
	if [ "$want" = nz ]; then
		[ $rc -ne 0 ] || fail "$label: exit 0, want non-zero"
	else
		[ $rc -eq "$want" ] || fail "$label: exit $rc, want $want: $(head -c 600 "$T/err")"
	fi
	grep -Eq "$pattern" "$T/err" || fail "$label: message does not match /$pattern/: $(head -c 600 "$T/err")"
	if grep -Eq "AddressSanitizer|LeakSanitizer|runtime error:|SUMMARY: UndefinedBehavior" "$T/err"; then
		fail "$label: sanitizer report:"
		sed 's/^/    /' "$T/err" | head -n 40
	fi
	new=$(comm -13 "$T/before" "$T/after")
	if [ "$db" != - ]; then
		new=$(echo "$new" | grep -v -x -e "./${db#"$W"/}" -e "./${db#"$W"/}-wal" -e "./${db#"$W"/}-shm" -e "./${db#"$W"/}-journal")
	fi
	[ -z "$new" ] || fail "$label: wrote $(echo "$new" | tr '\n' ' ')"
	note "$label: exit $rc"
}
expect() { # what got want
	if [ "$2" = "$3" ]; then note "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}
qv() { "$SM_ANALYZE" query "$1" "$2" --csv 2>&1 | tail -n +2; }

# peak_rss FILE CMD...: runs CMD and writes its peak RSS (KiB) as the last
# line of FILE; returns CMD's status. With /usr/bin/time when installed
# (it sees through `timeout`), else by polling /proc/PID/status for VmHWM.
peak_rss() {
	_out=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -o "$_out" -f %M "$@"
		return
	fi
	"$@" &
	_pid=$! _hwm=0
	while _st=$(cat "/proc/$_pid/status" 2>/dev/null) && ! echo "$_st" | grep -q '^State:.*Z'; do
		_v=$(echo "$_st" | awk '/^VmHWM:/ { print $2 }')
		[ -n "$_v" ] && _hwm=$_v
		sleep 0.05
	done
	wait "$_pid"
	_rc=$?
	echo "$_hwm" >"$_out"
	return $_rc
}

# A ustar header (512 bytes) for a regular member NAME of SIZE (octal digits).
field() { printf '%s' "$1"; head -c $(($2 - ${#1})) /dev/zero; }
ustar() { # name octal-size out
	{
		field "$1" 100; field 0000644 8; field 0000000 8; field 0000000 8
		field "$2" 12; field 14750531400 12; printf '        '; printf 0
		field "" 100; field ustar 6; printf 00; head -c 247 /dev/zero
	} >"$3"
	sum=$(od -An -tu1 -v "$3" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s }')
	printf '%06o\000 ' "$sum" | dd of="$3" bs=1 seek=148 conv=notrunc 2>/dev/null
}

hostile_done() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures check(s) failed"
		exit 1
	fi
	echo PASS
	exit 0
}
