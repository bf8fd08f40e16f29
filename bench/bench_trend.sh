#!/bin/sh
# bench_trend.sh: `sockmortem trend` over 30 days of hourly bundles from one
# host (issue 7: under 1 s). Writes SM_TREND_BUNDLES (720) bundles with
# bench/genbundle, one an hour like the systemd timer in contrib/systemd
# (13 snapshots 5 s apart, SM_TREND_STEADY (1000) steady connections, 1%
# churn, a CLOSE_WAIT leak in the gateway), loads the directory into one
# database, loads it again (nothing new: only stat()s), then times trend
# queries: median wall and CPU of SM_BENCH_RUNS (3) runs each.
#
# Run through `make bench`, or after it by hand: sh bench/bench_trend.sh
# Environment: SM_TREND_BUNDLES, SM_TREND_STEADY, SM_BENCH_RUNS,
# SM_BENCH_BIN (build/rel/bench), SM_ANALYZE (bin/sockmortem).
# Exit status: 0 when measured (a missed target is printed, not an error).

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SM_BENCH_BIN:-$ROOT/build/rel/bench}
SM=${SM_ANALYZE:-$ROOT/bin/sockmortem}
N=${SM_TREND_BUNDLES:-720}
STEADY=${SM_TREND_STEADY:-1000}
RUNS=${SM_BENCH_RUNS:-3}
START=1795165200        # 2026-11-20T09:00:00Z
TARGET=1.0

for p in "$BIN/genbundle" "$BIN/cputime" "$SM"; do
	[ -x "$p" ] || { echo "bench_trend: $p missing (run make bench)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sm-bench-trend.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir "$tmp/bundles"

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{ printf "%.1f", $2 - $1 }'; }

t0=$(now)
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
i=0
while [ $i -lt "$N" ]; do
	echo $i
	i=$((i + 1))
done | xargs -P "$jobs" -I{} sh -c '
	n=$(printf %04d {})
	"$1" -o "$2/gw-prod-07-$n.tar.zst" -q -s "$3" -n 13 -i 5 -l 1 -c 1 -H gw-prod-07 \
		-t $(($4 + {} * 3600)) >/dev/null' sh "$BIN/genbundle" "$tmp/bundles" "$STEADY" "$START" || {
	echo "bench_trend: genbundle failed" >&2
	exit 1
}
t1=$(now)
"$SM" load "$tmp/bundles" -o "$tmp/trend.db" -q || { echo "bench_trend: load failed" >&2; exit 1; }
t2=$(now)
"$SM" load "$tmp/bundles" -o "$tmp/trend.db" -q || { echo "bench_trend: second load failed" >&2; exit 1; }
t3=$(now)
snaps=$("$SM" query "$tmp/trend.db" "SELECT count(*) FROM snapshots" --csv | tail -n 1)
sources=$("$SM" query "$tmp/trend.db" "SELECT count(*) FROM sources" --csv | tail -n 1)
echo "$N hourly bundles of 13 snapshots ($STEADY steady connections each): $(du -sm "$tmp/bundles" | cut -f1) MiB"
echo "generate: $(secs "$t0" "$t1") s; load: $(secs "$t1" "$t2") s ($sources sources, $snaps snapshots, database $(du -sm "$tmp/trend.db" | cut -f1) MiB)"
echo "load the directory again (nothing new): $(secs "$t2" "$t3") s"
echo
printf '%-60s %8s %8s\n' "trend" "wall_s" "cpu_s"
worst=0
for args in "--metric close_wait" "--metric close_wait --every hour" "--metric time_wait --by host" \
	"--metric fds --by pid" "--metric fd_usage --agg avg" "--metric established --by host --every hour --json" \
	"--metric close_wait --since 2026-12-13 --comm gateway --csv"; do
	# shellcheck disable=SC2086
	set -- $("$BIN/cputime" -r "$RUNS" -- "$SM" trend "$tmp/trend.db" $args)
	[ "${5:-1}" = 0 ] || { echo "bench_trend: trend $args failed" >&2; exit 1; }
	printf '%-60s %8s %8s\n' "$args" "$1" "$2"
	worst=$(echo "$worst $1" | awk '{ print ($2 > $1) ? $2 : $1 }')
done
echo
if echo "$worst $TARGET" | awk '{ exit !($1 < $2) }'; then
	echo "target: trend over $N hourly bundles under $TARGET s: MET (slowest ${worst} s wall)"
else
	echo "target: trend over $N hourly bundles under $TARGET s: NOT MET (slowest ${worst} s wall)"
fi
