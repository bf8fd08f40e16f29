#!/bin/sh
# bench_collect.sh: what ONE whole-host snapshot by the collector costs
# (`sockmortem-collect -o F -n 1 --force -q`) next to the tools that gather
# the same facts (sockets and their owning processes), on this host holding
# N loopback TCP connection pairs (bench/connpairs.c: ~10% CLOSE_WAIT, ~2%
# reset but never closed, the rest ESTABLISHED).
#
# For each scale: start connpairs, wait for READY, walk every /proc/*/fd once
# untimed (so every tool meets a warm dentry cache, not just the later
# ones), then time each command SM_BENCH_RUNS times (default 3) with
# bench/cputime (wait4: CPU = user + sys of the command and the children it
# waited for) and print the medians; then the bundle bytes per snapshot.
# Every process started here is ended by its PID.
#
# Run through `make bench` (it builds what this needs), or by hand:
#   sh bench/bench_collect.sh
# Environment: SM_BENCH_PAIRS (default "10000 50000"), SM_BENCH_RUNS (3),
# SM_BENCH_BIN (build/rel/bench), SM_COLLECT (bin/sockmortem-collect).
# Exit status: 0 when measured (a missed target is printed, not an error);
# 1 when the scene or a measurement could not be set up.

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SM_BENCH_BIN:-$ROOT/build/rel/bench}
COLLECT=${SM_COLLECT:-$ROOT/bin/sockmortem-collect}
PAIRS=${SM_BENCH_PAIRS:-"10000 50000"}
RUNS=${SM_BENCH_RUNS:-3}
TARGET_PAIRS=50000   # the scale the issue sets the targets at

for f in "$BIN/connpairs" "$BIN/cputime" "$COLLECT"; do
	if [ ! -x "$f" ]; then
		echo "bench_collect: $f is missing: run 'make bench'" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sm-bench-collect.XXXXXX") || exit 1
cp_pid=

stop_pairs() {
	if [ -n "$cp_pid" ]; then
		exec 3>&-                       # EOF on its stdin ...
		kill -TERM "$cp_pid" 2>/dev/null # ... and the signal, by PID
		wait "$cp_pid" 2>/dev/null
		cp_pid=
	fi
}
cleanup() {
	stop_pairs
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# time_cmd LABEL COMMAND...: appends "LABEL|wall|cpu|user|sys|status" to
# $tmp/rows; the command's stdout goes to /dev/null, stderr to $tmp/err.
time_cmd() {
	label=$1
	shift
	res=$("$BIN/cputime" -r "$RUNS" -- "$@" 2>>"$tmp/err" 3>&-) || res=
	if [ -z "$res" ]; then
		echo "bench_collect: cannot time '$*'" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # split the five fields on purpose
	set -- $res
	echo "$label|$1|$2|$3|$4|$5" >>"$tmp/rows"
}

# busy_s: CPU seconds the whole host has been busy since boot (all cpus).
busy_s() {
	awk -v hz="$(getconf CLK_TCK)" '/^cpu / { printf "%.2f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# cpu_of LABEL: the median CPU seconds of a row of this scale.
cpu_of() {
	awk -F'|' -v l="$1" '$1 == l { print $3 }' "$tmp/rows"
}

if [ "$(id -u)" != 0 ]; then
	echo "note: not root: ss, lsof and the collector see only this user's processes"
fi
echo "tools: $(ss -V 2>/dev/null | head -n1); lsof $(lsof -v 2>&1 | sed -n 's/^ *revision: *//p' | head -n1)"
echo "runs per figure: $RUNS (medians); CPU = user+sys from wait4(), children included"
echo "reference at 50000 pairs (issue): ss -tanp 2.5 s, lsof -nP 3.0 s, cat /proc/net/tcp* 0.16 s, find readlink walk 0.7 s"
echo

printf '%-6s  %-26s %7s %7s %7s %7s  %s\n' pairs tool wall_s cpu_s user_s sys_s ratio_to_collector >"$tmp/table"
: >"$tmp/targets"
: >"$tmp/sizes"
: >"$tmp/scenes"

for n in $PAIRS; do
	: >"$tmp/rows"
	: >"$tmp/err"
	rm -f "$tmp/hold" "$tmp/cp.out"
	mkfifo "$tmp/hold" || exit 1
	# connpairs holds until its stdin (this FIFO) reaches EOF or SIGTERM:
	# if this script dies, the FIFO closes and the pairs go too.
	"$BIN/connpairs" "$n" <"$tmp/hold" >"$tmp/cp.out" 2>"$tmp/cp.err" &
	cp_pid=$!
	exec 3>"$tmp/hold"
	i=0
	until grep -q '^READY' "$tmp/cp.out" 2>/dev/null; do
		if ! kill -0 "$cp_pid" 2>/dev/null || [ $i -ge 600 ]; then
			echo "bench_collect: connpairs $n did not come up:" >&2
			cat "$tmp/cp.err" >&2
			exit 1
		fi
		i=$((i + 1))
		sleep 0.2
	done
	ready=$(grep '^READY' "$tmp/cp.out")
	pids=$(echo "$ready" | sed -n 's/.* pids=\([0-9,]*\).*/\1/p' | tr ',' ' ')
	fds=0
	for p in $pids; do
		fds=$((fds + $(ls /proc/"$p"/fd 2>/dev/null | wc -l)))
	done
	states=$(awk 'FNR > 1 { s[$4]++ } END {
		printf "ESTABLISHED %d CLOSE_WAIT %d FIN_WAIT2 %d LISTEN %d other %d",
		       s["01"], s["08"], s["05"], s["0A"], NR - FNR - s["01"] - s["08"] - s["05"] - s["0A"] }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null)
	echo "$n pairs: ${ready#READY }" >>"$tmp/scenes"
	echo "      fds held by connpairs: $fds; /proc/net/tcp{,6}: $states" >>"$tmp/scenes"

	# Warm-up, untimed: instantiate every /proc/PID/fd entry once.
	find /proc/[0-9]*/fd -type l -exec readlink {} + >/dev/null 2>&1 3>&-

	b0=$(busy_s)
	w0=$(date +%s.%N)
	time_cmd "sockmortem-collect -n 1" "$COLLECT" -o "$tmp/one.tar.zst" -n 1 --force -q || exit 1
	if command -v ss >/dev/null 2>&1; then
		time_cmd "ss -tanp" ss -tanp || exit 1
	fi
	if command -v lsof >/dev/null 2>&1; then
		time_cmd "lsof -nP" lsof -nP || exit 1
	fi
	time_cmd "cat /proc/net/tcp tcp6" cat /proc/net/tcp /proc/net/tcp6 || exit 1
	# find reports its own vanished /proc entries: not a failure here.
	time_cmd "find+readlink fd walk" sh -c \
		'find /proc/[0-9]*/fd -type l -exec readlink {} + 2>/dev/null; exit 0' || exit 1
	# Other load on the host while timing: busy CPU minus our own runs.
	awk -F'|' -v n="$n" -v b0="$b0" -v b1="$(busy_s)" -v w0="$w0" -v w1="$(date +%s.%N)" -v runs="$RUNS" '
		{ ours += $3 * runs }
		END { other = b1 - b0 - ours; if (other < 0) other = 0
		      printf "      host load from other processes while timing: %.1f CPU-s over %.1f s (%.0f%% of one cpu)%s\n",
			     other, w1 - w0, 100 * other / (w1 - w0), (other / (w1 - w0) > 0.2 ? ": wall times are inflated" : "") }' \
		"$tmp/rows" >>"$tmp/scenes"

	# Bundle bytes per snapshot: a 3-snapshot bundle minus the 1-snapshot
	# one just timed, over the extra snapshots; the manifest and trailer
	# cancel out. (-n counts schedule ticks: an overrun tick is skipped, so
	# the snapshots actually taken are read from end.json.)
	"$COLLECT" -o "$tmp/three.tar.zst" -n 3 -i 1s --force -q 3>&- 2>>"$tmp/err"
	s1=$(wc -c <"$tmp/one.tar.zst")
	s3=$(wc -c <"$tmp/three.tar.zst")
	k=$(zstd -dc "$tmp/three.tar.zst" 2>/dev/null | tar -xOf - end.json 2>/dev/null |
		sed -n 's/.*"snapshots":\([0-9]*\).*/\1/p')
	r1=$(zstd -dc "$tmp/one.tar.zst" 2>/dev/null | wc -c)
	r3=$(zstd -dc "$tmp/three.tar.zst" 2>/dev/null | wc -c)
	if [ -n "$k" ] && [ "$k" -gt 1 ]; then
		awk -v n="$n" -v s1="$s1" -v s3="$s3" -v r1="$r1" -v r3="$r3" -v k="$k" -v fds="$fds" 'BEGIN {
			b = (s3 - s1) / (k - 1); r = (r3 - r1) / (k - 1)
			printf "%-6s  %10.0f bytes/snapshot compressed (%.1f MiB), %10.0f raw tar (%.1fx); %.1f bytes per held fd\n",
			       n, b, b / 1048576, r, (b > 0 ? r / b : 0), (fds > 0 ? b / fds : 0) }' >>"$tmp/sizes"
	else
		echo "$n      (bundle size: the 3-snapshot bundle was not readable)" >>"$tmp/sizes"
	fi

	stop_pairs

	base=$(cpu_of "sockmortem-collect -n 1")
	awk -F'|' -v n="$n" -v base="$base" '{
		ratio = (base > 0 ? $3 / base : 0)
		r = ($1 ~ /^sockmortem-collect/) ? sprintf("%.2f", ratio) : sprintf("%.1fx", ratio)
		note = ($6 != 0) ? sprintf("  (exit %s)", $6) : ""
		printf "%-6s  %-26s %7.2f %7.2f %7.2f %7.2f  %s%s\n", n, $1, $2, $3, $4, $5, r, note }' \
		"$tmp/rows" >>"$tmp/table"

	ss_cpu=$(cpu_of "ss -tanp")
	lsof_cpu=$(cpu_of "lsof -nP")
	tag="target"
	[ "$n" = "$TARGET_PAIRS" ] || tag="(info, target is at $TARGET_PAIRS)"
	for t in "ss -tanp|3|$ss_cpu" "lsof -nP|5|$lsof_cpu"; do
		echo "$t" | awk -F'|' -v base="$base" -v n="$n" -v tag="$tag" '$3 != "" {
			lim = $3 / $2
			printf "%s %s pairs: collector cpu <= 1/%s of %s: %s (%.2f %s %.2f)\n", tag, n, $2, $1,
			       (base <= lim ? "MET" : "NOT MET"), base, (base <= lim ? "<=" : ">"), lim }' >>"$tmp/targets"
	done
	if [ -s "$tmp/err" ]; then
		echo "$n pairs: messages from the measured commands:" >>"$tmp/scenes"
		sort -u "$tmp/err" | head -n 5 | sed 's/^/      /' >>"$tmp/scenes"
	fi
done

echo "scenes:"
cat "$tmp/scenes"
echo
cat "$tmp/table"
echo
cat "$tmp/targets"
echo
echo "bundle bytes per snapshot (3-snapshot bundle minus 1-snapshot bundle, / 2; zstd level 1):"
cat "$tmp/sizes"
exit 0
