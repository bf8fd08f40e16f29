#!/bin/sh
# Re-records the demo bundle (tests/data/demo/rwmutex-deadlock.tar.zst) from
# the lab: scenario 01 (tests/scenarios/01_nginx_rwmutex_deadlock.sh, real
# nginx in front of a Go service that deadlocks on a sync.RWMutex), in a
# private network and pid namespace so the bundle holds the scenario's
# sockets and processes only (small; no other host's data in the repo).
# 18 snapshots 2 s apart, goroutine dumps every 4th, packet headers of the
# upstream port, zstd level 19: about 300 KB.
#
# usage (root, after `make check-build`): sh tests/data/demo/record.sh [BUILD]
set -eu
[ "$(id -u)" = 0 ] || { echo "record.sh: needs root (unshare, pcap)" >&2; exit 2; }
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=${1:-$root/build}
out="$root/tests/data/demo/rwmutex-deadlock.tar.zst"
rm -f "$out.new"
unshare --net --pid --fork --mount-proc sh -c '
	ip link set lo up
	cd "$0"
	SM_BUILD=$1 SM_COLLECT=$1/san/bin/sockmortem-collect SM_ANALYZE=$1/san/bin/sockmortem \
	SM_HELPERS=$1/rel/helpers SM_ROOT=$0 TZ=UTC LC_ALL=C \
	SM_LAB_COLLECT_ARGS="-i 2 -n 18 --pprof-every 4 --level 19" SM_LAB_BUNDLE=$2 \
		sh tests/scenarios/01_nginx_rwmutex_deadlock.sh' "$root" "$build" "$out.new"
mv "$out.new" "$out"
ls -l "$out"
