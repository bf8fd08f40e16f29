#!/bin/sh
# run.sh FUZZDIR NAME...: runs each libFuzzer target FUZZDIR/fuzz_NAME for
# FUZZ_TIME seconds (default 60), one after the other, one process each (the
# build machines are shared: no -jobs/-workers). The growing corpus is kept
# in FUZZDIR/corpus/NAME (seeds from seed.sh and tests/fuzz/regress/NAME are
# read, never written); a crash leaves FUZZDIR/artifacts/NAME/crash-* and
# makes this script exit 1 after the remaining targets have run. Copy each
# crash input to tests/fuzz/regress/NAME/ once it is fixed.
# FUZZ_COLLECTOR: a sockmortem-collect for seed.sh. FUZZ_ARGS adds libFuzzer flags (e.g. -dict=..., -max_len=...).
set -u
dir=${1:?usage: run.sh FUZZDIR NAME...}; shift
here=$(cd "$(dirname "$0")" && pwd)
: "${FUZZ_TIME:=60}"
# FUZZ_COLLECTOR, a sockmortem-collect binary, lets seed.sh record a bundle.
sh "$here/seed.sh" "$dir/seeds" "${FUZZ_COLLECTOR:-}"
failed=""
for n in "$@"; do
	bin=$dir/fuzz_$n
	mkdir -p "$dir/corpus/$n" "$dir/artifacts/$n"
	regress=""
	[ -d "$here/regress/$n" ] && regress=$here/regress/$n
	echo "fuzz: $n for ${FUZZ_TIME}s"
	# shellcheck disable=SC2086
	if ! "$bin" -max_total_time="$FUZZ_TIME" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$n/" ${FUZZ_ARGS:-} \
		"$dir/corpus/$n" "$dir/seeds/$n" $regress >"$dir/$n.log" 2>&1; then
		failed="$failed $n"
		echo "fuzz: $n FAILED, see $dir/$n.log and $dir/artifacts/$n/"
		tail -n 30 "$dir/$n.log"
	else
		grep -E '^(stat::number_of_executed_units|#[0-9]+.*DONE)' "$dir/$n.log" | tail -n 2
	fi
done
[ -z "$failed" ] || { echo "fuzz: failed:$failed"; exit 1; }
echo "fuzz: all targets ran ${FUZZ_TIME}s clean"
