#!/bin/sh
# Runs every unit test binary and every integration script; prints one
# closing line "N passed, N failed, N skipped" and exits non-zero on any
# failure. Integration scripts exit 0 (pass), 77 (skip) or anything else.
#
# Environment: SM_BUILD (sanitized build dir), SM_HELPERS (helper programs).
set -u
cd "$(dirname "$0")/.."
: "${SM_BUILD:=build/san}"
: "${SM_HELPERS:=build/rel/helpers}"
export SM_COLLECT="$PWD/$SM_BUILD/bin/sockmortem-collect"
export SM_ANALYZE="$PWD/$SM_BUILD/bin/sockmortem"
export SM_HELPERS="$PWD/$SM_HELPERS"
export SM_ROOT="$PWD"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export TZ=UTC LC_ALL=C

pass=0 fail=0 skip=0 failed=""
logdir=$(mktemp -d /tmp/sm-tests.XXXXXX)

run_one() {
	name=$1; shift
	log="$logdir/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $name (${secs}s)" ;;
	77) skip=$((skip + 1)); echo "SKIP  $name: $(tail -n 1 "$log")" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name (exit $rc)"; sed 's/^/    | /' "$log" | tail -n 60 ;;
	esac
}

for t in "$SM_BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	run_one "integration/$(basename "$t" .sh)" sh "$t"
done

rm -rf "$logdir"
[ -z "$failed" ] || echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
