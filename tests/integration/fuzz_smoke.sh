#!/bin/sh
# fuzz_smoke: the fuzz targets (tests/fuzz/) as regression tests.
#
#  1. Every target's seeds (tests/fuzz/seed.sh) and regression inputs
#     (tests/fuzz/regress/NAME/) replay through the gcc ASan/UBSan build of
#     the target with a plain main() ($SM_BUILD/fuzz-replay/fuzz_NAME):
#     always, with or without clang.
#  2. With the libFuzzer builds ($SM_FUZZ, default $SM_BUILD/../fuzz, made
#     by `make check-build` when clang can link libFuzzer): each target
#     replays its regression inputs, then fuzzes from its seeds for
#     SM_FUZZ_SMOKE seconds (default 3; 14 targets, ~60 s in all), in one process.
#
# A crash, leak, UB report or broken invariant fails the test and leaves the
# input in the log. Exit 0 pass, 1 fail, 77 when the libFuzzer part cannot
# run (clang or libclang-rt missing) -- after the replays have passed.
set -u
: "${SM_BUILD:?}" "${SM_ROOT:?}"
REPLAY=$SM_BUILD/fuzz-replay
FUZZ=${SM_FUZZ:-$SM_BUILD/../fuzz}
: "${SM_FUZZ_SMOKE:=3}"
FZ=$SM_ROOT/tests/fuzz
fails=""

ls "$REPLAY"/fuzz_* >/dev/null 2>&1 || { echo "skip: no fuzz targets built in $REPLAY"; exit 77; }
tmp=$(mktemp -d /tmp/sm-fuzz-smoke.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
sh "$FZ/seed.sh" "$tmp/seeds" "${SM_COLLECT:-}" || { echo "FAIL: seed.sh"; exit 1; }

names=""
for b in "$REPLAY"/fuzz_*; do names="$names ${b##*/fuzz_}"; done

# 1. Replays with gcc.
for n in $names; do
	regress=""
	[ -d "$FZ/regress/$n" ] && regress=$FZ/regress/$n
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && "$REPLAY/fuzz_$n" "$tmp/seeds/$n" $regress) >"$tmp/replay-$n.log" 2>&1; then
		echo "FAIL: replay $n:"; tail -n 40 "$tmp/replay-$n.log"
		fails="$fails replay-$n"
	else
		echo "replay $n: $(tail -n 1 "$tmp/replay-$n.log")"
	fi
done

# 2. libFuzzer.
if ! ls "$FUZZ"/fuzz_* >/dev/null 2>&1; then
	[ -z "$fails" ] || { echo "failed:$fails"; exit 1; }
	echo "skip: libFuzzer targets not built in $FUZZ (needs clang and libclang-rt-14-dev; replays passed)"
	exit 77
fi
for n in $names; do
	bin=$FUZZ/fuzz_$n
	[ -x "$bin" ] || { echo "FAIL: $bin missing"; fails="$fails $n"; continue; }
	mkdir -p "$tmp/corpus/$n" "$tmp/art/$n"
	if [ -d "$FZ/regress/$n" ] && ls "$FZ/regress/$n"/* >/dev/null 2>&1; then
		if ! (cd "$tmp" && "$bin" -runs=1 "$FZ/regress/$n"/*) >"$tmp/regress-$n.log" 2>&1; then
			echo "FAIL: libFuzzer regress $n:"; tail -n 40 "$tmp/regress-$n.log"
			fails="$fails regress-$n"
			continue
		fi
	fi
	if ! (cd "$tmp" && "$bin" -max_total_time="$SM_FUZZ_SMOKE" -timeout=20 -rss_limit_mb=2048 \
			-artifact_prefix="$tmp/art/$n/" "$tmp/corpus/$n" "$tmp/seeds/$n") >"$tmp/fuzz-$n.log" 2>&1; then
		echo "FAIL: fuzz $n:"; tail -n 40 "$tmp/fuzz-$n.log"
		for a in "$tmp/art/$n"/*; do [ -f "$a" ] && { echo "input ($a):"; od -c "$a" | head -n 20; }; done
		fails="$fails fuzz-$n"
	else
		echo "fuzz $n: $(grep -E '^#[0-9]+' "$tmp/fuzz-$n.log" | tail -n 1)"
	fi
done
[ -z "$fails" ] || { echo "failed:$fails"; exit 1; }
echo "fuzz smoke: all targets clean"
