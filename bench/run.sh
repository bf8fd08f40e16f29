#!/bin/sh
# bench/run.sh: the entry point of `make bench` (which builds bin/ and
# build/rel/bench/* first). Runs every bench/bench_*.sh in name order, each
# under a header; a benchmark prints its figures beside their reference and
# says whether each target is met (information, not a failure).
#
#   sh bench/run.sh               all benchmarks
#   SM_BENCH="collect" sh bench/run.sh   only bench/bench_collect.sh
#
# Adding a benchmark = adding bench/bench_NAME.sh (POSIX sh, run from the
# repository root, exit 0 when it measured, non-zero when it could not).
# Exit status: 0 if every benchmark ran, 1 otherwise.

cd "$(dirname "$0")/.." || exit 1

echo "sockmortem benchmarks: $(date -u '+%Y-%m-%d %H:%M:%SZ')"
echo "host: $(uname -sr), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cpus, $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)"

status=0
ran=0
for script in bench/bench_*.sh; do
	[ -f "$script" ] || continue
	name=${script#bench/bench_}
	name=${name%.sh}
	if [ -n "${SM_BENCH:-}" ]; then
		case " $SM_BENCH " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	echo
	echo "=== bench $name ($script) ==="
	start=$(date +%s)
	sh "$script"
	rc=$?
	ran=$((ran + 1))
	if [ $rc -ne 0 ]; then
		echo "=== bench $name: FAILED (exit $rc) ==="
		status=1
	else
		echo "=== bench $name: done in $(($(date +%s) - start)) s ==="
	fi
done
if [ $ran -eq 0 ]; then
	echo "no benchmark matched SM_BENCH='${SM_BENCH:-}'" >&2
	exit 1
fi
exit $status
