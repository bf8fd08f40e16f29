#!/bin/sh
# Runs every unit test binary and every integration script; prints one
# closing line "N passed, N failed, N skipped" and exits non-zero on any
# failure. Integration scripts exit 0 (pass), 77 (skip) or anything else.
#
# Environment: SM_BUILD (sanitized build dir), SM_HELPERS (helper programs),
# SM_ONLY (run only the tests whose names contain one of its words).
set -u
cd "$(dirname "$0")/.."
: "${SM_BUILD:=build/san}"
: "${SM_HELPERS:=build/rel/helpers}"
case $SM_BUILD in /*) ;; *) SM_BUILD="$PWD/$SM_BUILD" ;; esac
case $SM_HELPERS in /*) ;; *) SM_HELPERS="$PWD/$SM_HELPERS" ;; esac
export SM_COLLECT="$SM_BUILD/bin/sockmortem-collect"
export SM_ANALYZE="$SM_BUILD/bin/sockmortem"
export SM_HELPERS
export SM_ROOT="$PWD"
export TZ=UTC LC_ALL=C

pass=0 fail=0 skip=0 failed=""
logdir=$(mktemp -d /tmp/sm-tests.XXXXXX)
# Every sanitizer report (ASan, LeakSanitizer, UBSan) of every program a
# test runs lands in $sandir, whatever the test does with stderr: a test
# that expects a non-zero exit would otherwise hide a leak or a crash.
sandir="$logdir/sanitizer"
mkdir -p "$sandir"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}:log_path=$sandir/asan"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}:log_path=$sandir/ubsan"

run_one() {
	name=$1; shift
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if [ -n "$(ls -A "$sandir")" ]; then
		for r in "$sandir"/*; do
			echo "sanitizer report $(basename "$r"):"
			head -n 40 "$r"
		done >>"$log"
		rm -f "$sandir"/*
		case $rc in 0|77) rc=99 ;; esac   # a report fails the test
	fi
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP  $name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name (exit $rc)"; sed 's/^/    | /' "$log" | tail -n 60 ;;
	esac
}

# SM_ONLY="name ..." runs only the tests whose name contains one of them.
selected() {
	[ -z "${SM_ONLY:-}" ] && return 0
	for w in $SM_ONLY; do
		case $1 in *"$w"*) return 0 ;; esac
	done
	return 1
}

for t in "$SM_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	selected "unit/$(basename "$t")" || continue
	run_one "unit/$(basename "$t")" "$t"
done
for dir in integration scenarios; do
	for t in tests/$dir/*.sh; do
		[ -f "$t" ] || continue
		[ "$(basename "$t")" = lib.sh ] && continue     # sourced helpers, not a test
		selected "$dir/$(basename "$t" .sh)" || continue
		run_one "$dir/$(basename "$t" .sh)" sh "$t"
	done
done

rm -rf "$logdir"
[ -z "$failed" ] || echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
