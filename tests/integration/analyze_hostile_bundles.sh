#!/bin/sh
# analyze_hostile_bundles: crafted bundles to the (ASan/UBSan-built) analyzer.
#
# A real recording (sockmortem-collect -n 3 of tests/helpers/sockstates) is
# decompressed and altered by tests/support/hostile_bundle.py, then loaded:
#   1. links: a symlink manifest.json -> /etc/passwd before the manifest; in
#      snapshot 1 a symlink snap/000001/proc/net/tcp -> /etc/passwd, a hard
#      link to ../../outside, a character and a block device, a fifo: each
#      named in a note (what it is, where it points), the rest loads as the
#      original does;
#   2. a header claiming 100 GiB over 100 concatenated frames of 1 GiB of
#      zeros (3.6 MB), first member after the manifest or after snapshot 1:
#      stopped as a decompression bomb in seconds, memory bounded, exit 1,
#      the snapshots before it kept;
#   3. a GNU base-256 header claiming 2^60 bytes after snapshot 1, in a
#      plain tar and in a tar.zst: named with its size and offset, skipped,
#      the bundle cut short there (exit 0, snapshot 1 loaded), nothing big
#      allocated;
#   4. format_version 99 (the message names both versions) and 0 (not ours);
#   5. duplicates: snapshot 1's members twice in a row, one member twice,
#      snapshot 1 again after the last one, and snapshot 2 replaced by a
#      copy of snapshot 1 (same times): nothing counted twice (the figures
#      equal those of the original, or of the bundle without snapshot 2),
#      each duplicate named;
#   6. snapshot 2 starting an hour before snapshot 1 (both clocks): skipped
#      with a note; the loaded snapshots' start times increase, no
#      transition goes back; the wall clock alone stepped back (NTP): every
#      snapshot loaded, with a warning;
#   7. a million empty members (half of them inside snapshot 1), ten million
#      with SM_HOSTILE_FULL=1: twenty notes and one "N unknown members
#      skipped in all, first: ..." summary, memory independent of N (the
#      peak RSS against a run with a tenth of them), bounded time; and
#      600,000 proc/N/stat members in snapshot 2 (members the loader
#      holds): that snapshot refused at the cap (exit 1), the others load;
#   8. a bundle cut inside a member of snapshot 3 (plain tar, and tar.zst
#      cut mid-frame): snapshots 1 and 2 load, the message names the cut
#      member and its offset, `info` says CUT SHORT.
# Each: the exit code, the input file named in stderr, no sanitizer report,
# nothing written in the work directory but the database (tests/support/
# hostile.sh: bad).
#
# Environment: SM_ANALYZE, SM_COLLECT, SM_HELPERS, SM_ROOT (tests/run.sh);
# SM_HOSTILE_FULL=1 for the ten-million-member case. Exit: 0, 77, 1.
set -u
. "$SM_ROOT/tests/lib.sh"
LC_ALL=C
export LC_ALL

: "${SM_ANALYZE:?}" "${SM_COLLECT:?}" "${SM_HELPERS:?}" "${SM_ROOT:?}"
HELPER="$SM_HELPERS/sockstates"
for b in "$SM_ANALYZE" "$SM_COLLECT" "$HELPER"; do
	[ -x "$b" ] || { echo "skip: $b not built"; exit 77; }
done
for t in tar zstd python3 od dd awk timeout; do
	command -v "$t" >/dev/null 2>&1 || { echo "skip: $t not installed"; exit 77; }
done
[ -r /proc/self/net/tcp ] || { echo "skip: no /proc/net/tcp"; exit 77; }

work_dir hostile-b   # at exit: kills what $pids holds, removes $tmp
T=$tmp
W="$T/w"            # the work directory whose file list is watched
mkdir -p "$W/in" "$W/run/a/b"

# fail, note, bad, expect, qv, peak_rss, hostile_done
. "$SM_ROOT/tests/support/hostile.sh"
craft() { python3 "$SM_ROOT/tests/support/hostile_bundle.py" "$@"; }
# The figures a duplicate must not change: snapshots, sockets, socket
# intervals, fds summed over the process samples, fd intervals, counts.
SIG="SELECT (SELECT count(*) FROM snapshots) || ' ' || (SELECT count(*) FROM sockets) || ' ' ||
 (SELECT count(*) FROM socket_states) || ' ' || (SELECT coalesce(sum(fd_count), 0) FROM process_samples) || ' ' ||
 (SELECT count(*) FROM fds) || ' ' || (SELECT coalesce(sum(value), 0) FROM snapshot_counts) AS sig"
# Loaded snapshots whose start is not after the one before, and
# transitions that go back in time: both must be 0.
BACKWARDS="SELECT (SELECT count(*) FROM snapshots a JOIN snapshots b ON b.source_id = a.source_id
   AND b.id = (SELECT min(c.id) FROM snapshots c WHERE c.source_id = a.source_id AND c.id > a.id)
   WHERE b.wall_ns <= a.wall_ns) || ' ' ||
 (SELECT count(*) FROM v_transitions t JOIN snapshots x ON x.id = t.seen_before
   JOIN snapshots y ON y.id = t.seen_after WHERE y.wall_ns < x.wall_ns OR t.seen_after <= t.seen_before) AS backwards"

# ---- a real recording ----------------------------------------------------------
mkdir -p "$T/h"
"$HELPER" "$T/h" >"$T/states" 2>"$T/helper.err" &
HPID=$!
pids=$HPID
i=0
until grep -q '^READY$' "$T/states" 2>/dev/null; do
	kill -0 "$HPID" 2>/dev/null || { echo "FAIL: sockstates died: $(cat "$T/helper.err")"; exit 1; }
	i=$((i + 1))
	[ $i -le 150 ] || { echo "FAIL: sockstates not READY after 15 s"; exit 1; }
	sleep 0.1
done
"$SM_COLLECT" -n 3 -i 300ms -p "$HPID" -q -o "$T/real.tar.zst" 2>"$T/collect.err" ||
	{ echo "FAIL: collector: $(cat "$T/collect.err")"; exit 1; }
kill "$HPID" 2>/dev/null
wait "$HPID" 2>/dev/null
PID=$HPID HPID="" pids=""
zstd -q -dc "$T/real.tar.zst" >"$T/real.tar" || { echo "FAIL: cannot decompress the recording"; exit 1; }
NS=$(tar -tf "$T/real.tar" | sed -n 's,^snap/000001/net/\([0-9]*\)/tcp$,\1,p' | head -n 1)
[ -n "$NS" ] || { echo "FAIL: no snap/000001/net/NS/tcp in the recording"; exit 1; }
"$SM_ANALYZE" load "$T/real.tar.zst" -o "$T/real.db" -q 2>"$T/err" || { echo "FAIL: loading the recording: $(cat "$T/err")"; exit 1; }
BASE=$(qv "$T/real.db" "$SIG")
case $BASE in "3 "*) ;; *) echo "FAIL: the recording does not load as 3 snapshots: $BASE"; exit 1 ;; esac
expect "recording: helper sockets in every snapshot" \
	"$(qv "$T/real.db" "SELECT count(DISTINCT snapshot_id) FROM v_state_counts WHERE pid = $PID")" 3
note "recording: $BASE (snapshots sockets states fds fd-rows counts)"

# zst IN OUT: the crafted tar compressed, into $W/in
zst() { zstd -q -T2 -1 -c "$1" >"$W/in/$2"; }

# ---- 1. links, devices, a fifo -------------------------------------------------
craft links "$T/real.tar" >"$T/links.tar" && zst "$T/links.tar" links.tar.zst
bad "links" 0 "links\\.tar\\.zst: snap/000001/proc/net/tcp: not a regular file \\(symbolic link to '/etc/passwd'\\)" \
	"$W/l.db" -- load "$W/in/links.tar.zst" -o "$W/l.db"
for want in "manifest.json: not a regular file (symbolic link to '/etc/passwd')" \
	"snap/000001/net/$NS/tcp-hard: not a regular file (hard link to '../../outside')" \
	"snap/000001/dev/zero: not a regular file (character device)" \
	"snap/000001/dev/sda: not a regular file (block device)" \
	"snap/000001/fifo: not a regular file (fifo)"; do
	grep -qF "links.tar.zst: $want" "$T/err" || fail "links: no note '$want': $(cat "$T/err")"
done
expect "links: the rest loads as the recording" "$(qv "$W/l.db" "$SIG")" "$BASE"
expect "links: notes in the database" "$(qv "$W/l.db" "SELECT count(*) FROM load_notes WHERE message LIKE 'not a regular file%'")" 6
# names holding terminal escapes reach the terminal escaped
esc=$(printf '\033')
grep -q "$esc" "$T/err" && fail "links: a raw ESC reached stderr"
grep -qF 'snap/000001/\x1b]0;owned\x07: not a regular file (symbolic link to '"'"'/etc/\x1b[2J'"'"')' "$T/err" ||
	fail "links: the escaped name is not in the message: $(cat "$T/err")"
expect "links: nothing of /etc/passwd read" "$(qv "$W/l.db" "SELECT count(*) FROM load_notes WHERE message LIKE '%root:%'")" 0
[ -e "$W/outside" ] || [ -e "$W/run/outside" ] && fail "links: ../../outside was created"

# ---- 2. 100 GiB of zeros under one header ---------------------------------------
head -c 1073741824 /dev/zero | zstd -q -1 -c >"$T/z1g.zst"
# bomb100 NAME AFTER: the tar up to member AFTER, then a header claiming
# 100 GiB, in one frame; then 100 frames of 1 GiB of zeros
bomb100() {
	{
		{ craft split "$T/real.tar" head "$2"; craft hugehdr "snap/000002/net/$NS/tcp" $((100 << 30)); } | zstd -q -c
		i=0
		while [ $i -lt 100 ]; do cat "$T/z1g.zst"; i=$((i + 1)); done
	} >"$W/in/$1"
}
bomb100 bomb100.tar.zst manifest.json
bsize=$(wc -c <"$W/in/bomb100.tar.zst")
[ "$bsize" -lt 8388608 ] || fail "the 100 GiB bomb is $bsize bytes (want a few MB)"
RUN="peak_rss $T/rss timeout 300"
bad "100 GiB claim" 1 "bomb100\\.tar\\.zst: \\(archive\\): stopped: snap/000002/net/$NS/tcp: decompression bomb: [0-9]+ bytes out of [0-9]+ in \\(at compressed byte [0-9]+; the last whole member: 'manifest\\.json'\\)" \
	"$W/b.db" -- load "$W/in/bomb100.tar.zst" -o "$W/b.db"
rss=$(tail -n 1 "$T/rss")
grep -q "member claims 107374182400 bytes" "$T/err" || fail "100 GiB: the claim is not named: $(cat "$T/err")"
[ "$secs" -le 30 ] || fail "100 GiB: took $secs s (want seconds: stopped early)"
[ "$rss" -lt 262144 ] || fail "100 GiB: peak RSS $rss KiB"
note "100 GiB claim: stopped in ${secs} s, peak RSS ${rss} KiB"
bomb100 bomb100b.tar.zst "snap/000001/meta.json"
bad "100 GiB claim after snapshot 1" 1 "bomb100b\\.tar\\.zst: .*decompression bomb" "$W/b.db" -- load "$W/in/bomb100b.tar.zst" -o "$W/b.db"
rss=$(tail -n 1 "$T/rss")
RUN=""
[ "$secs" -le 30 ] || fail "100 GiB after snapshot 1: took $secs s"
[ "$rss" -lt 262144 ] || fail "100 GiB after snapshot 1: peak RSS $rss KiB"
expect "100 GiB after snapshot 1: snapshot 1 kept, source incomplete" \
	"$(qv "$W/b.db" "SELECT group_concat(snapshots || '/' || complete) FROM sources WHERE path LIKE '%bomb100b%'")" "1/0"
rm -f "$W/in/bomb100.tar.zst" "$W/in/bomb100b.tar.zst" "$T/z1g.zst"

# ---- 3. a header claiming 2^60 bytes ---------------------------------------------
{
	craft split "$T/real.tar" head "snap/000001/meta.json"
	craft hugehdr "snap/000002/net/$NS/tcp" $((1 << 60))
	head -c 512 /dev/zero | tr '\0' x
} >"$W/in/huge60.tar"
zstd -q -c "$W/in/huge60.tar" >"$W/in/huge60.tar.zst"
RUN="peak_rss $T/rss timeout 60"
for f in huge60.tar huge60.tar.zst; do
	re=$(echo "$f" | sed 's/\./\\./g')
	bad "2^60 claim ($f)" 0 "$re: snap/000002/net/$NS/tcp: member claims 1152921504606846976 bytes, more than the size limit \\([0-9]+\\): skipped \\(at byte [0-9]+\\)" \
		"$W/h.db" -- load "$W/in/$f" -o "$W/h.db"
	grep -Eq "$re: \\(archive\\): bundle cut short: .*\\(at compressed byte [0-9]+; the last whole member: 'snap/000001/meta\\.json'\\)" "$T/err" || fail "2^60 ($f): the cut is not said: $(cat "$T/err")"
	rss=$(tail -n 1 "$T/rss")
	[ "$rss" -lt 262144 ] || fail "2^60 ($f): peak RSS $rss KiB"
	note "2^60 claim ($f): ${secs} s, peak RSS ${rss} KiB"
done
RUN=""
expect "2^60: snapshot 1 loaded from each, both cut short" \
	"$(qv "$W/h.db" "SELECT group_concat(snapshots || '/' || complete, ' ') FROM (SELECT * FROM sources ORDER BY id)")" "1/0 1/0"

# ---- 4. manifests from the future, and from no version ---------------------------
craft version "$T/real.tar" 99 >"$T/v.tar" && zst "$T/v.tar" v99.tar.zst
bad "format_version 99" 1 "v99\\.tar\\.zst: bundle format version 99 is newer than this sockmortem \\([^)]*\\) reads: format version 1 at most; upgrade" \
	"$W/v.db" -- load "$W/in/v99.tar.zst" -o "$W/v.db"
craft version "$T/real.tar" 0 >"$T/v.tar" && zst "$T/v.tar" v0.tar.zst
bad "format_version 0" 1 "v0\\.tar\\.zst: manifest\\.json is not a sockmortem bundle manifest" \
	"$W/v.db" -- load "$W/in/v0.tar.zst" -o "$W/v.db"
expect "versions: nothing loaded" "$(qv "$W/v.db" "SELECT count(*) FROM sources")" 0

# ---- 5. duplicates -----------------------------------------------------------------
craft drop "$T/real.tar" 2 >"$T/d.tar" && zst "$T/d.tar" drop2.tar.zst
"$SM_ANALYZE" load "$W/in/drop2.tar.zst" -o "$T/drop2.db" -q 2>"$T/err" || fail "loading the bundle without snapshot 2: $(cat "$T/err")"
DROP2=$(qv "$T/drop2.db" "$SIG")
rm -f "$W/in/drop2.tar.zst"

craft dupdir "$T/real.tar" >"$T/d.tar" && zst "$T/d.tar" dupdir.tar.zst
bad "snapshot 1 twice in a row" 0 "dupdir\\.tar\\.zst: snap/000001/.*snapshot seen again after its meta\\.json \\(a copy\\)" \
	"$W/d1.db" -- load "$W/in/dupdir.tar.zst" -o "$W/d1.db"
expect "snapshot 1 twice: counted once" "$(qv "$W/d1.db" "$SIG")" "$BASE"
expect "snapshot 1 twice: said once" "$(grep -c "seen again" "$T/err")" 1

craft dupmember "$T/real.tar" >"$T/d.tar" && zst "$T/d.tar" dupmember.tar.zst
bad "one member twice" 0 "dupmember\\.tar\\.zst: snap/000001/net/$NS/tcp: duplicate member: the first copy is loaded" \
	"$W/d2.db" -- load "$W/in/dupmember.tar.zst" -o "$W/d2.db"
expect "one member twice: counted once" "$(qv "$W/d2.db" "$SIG")" "$BASE"

craft replay "$T/real.tar" >"$T/d.tar" && zst "$T/d.tar" replay.tar.zst
bad "snapshot 1 again at the end" 0 "replay\\.tar\\.zst: snap/000001/.*snapshot already loaded \\(a copy, or out of order\\): this copy skipped" \
	"$W/d3.db" -- load "$W/in/replay.tar.zst" -o "$W/d3.db"
expect "snapshot 1 again: counted once" "$(qv "$W/d3.db" "$SIG")" "$BASE"
expect "snapshot 1 again: said once" "$(grep -c "already loaded" "$T/err")" 1

craft dupsnap "$T/real.tar" >"$T/d.tar" && zst "$T/d.tar" dupsnap.tar.zst
bad "snapshot 2 a copy of 1" 0 "dupsnap\\.tar\\.zst: snap/000002: starts at the same time as snapshot 1 .*a duplicate, skipped" \
	"$W/d4.db" -- load "$W/in/dupsnap.tar.zst" -o "$W/d4.db"
expect "copy of snapshot 1: as if snapshot 2 were not there" "$(qv "$W/d4.db" "$SIG")" "$DROP2"
expect "copy of snapshot 1: noted" "$(qv "$W/d4.db" "SELECT count(*) FROM load_notes WHERE path = 'snap/000002' AND message LIKE '%duplicate%'")" 1

# ---- 6. time going back --------------------------------------------------------------
craft timewarp "$T/real.tar" 3600 >"$T/d.tar" && zst "$T/d.tar" timewarp.tar.zst
bad "snapshot 2 an hour before 1" 0 "timewarp\\.tar\\.zst: snap/000002: starts 3600\\.[0-9]+ s before snapshot 1.*out of time order, skipped" \
	"$W/t.db" -- load "$W/in/timewarp.tar.zst" -o "$W/t.db"
expect "time going back: the snapshots loaded" "$(qv "$W/t.db" "SELECT group_concat(seq, ' ') FROM (SELECT seq FROM snapshots ORDER BY id)")" "1 3"
expect "time going back: as if snapshot 2 were not there" "$(qv "$W/t.db" "$SIG")" "$DROP2"
expect "time going back: nothing goes back" "$(qv "$W/t.db" "$BACKWARDS")" "0 0"
expect "recording: nothing goes back" "$(qv "$T/real.db" "$BACKWARDS")" "0 0"
# the wall clock alone stepped back (NTP): a real recording, kept, and said
craft wallstep "$T/real.tar" 3600 >"$T/d.tar" && zst "$T/d.tar" wallstep.tar.zst
bad "wall clock stepped back" 0 "wallstep\\.tar\\.zst: snap/000002: the wall clock stepped back 3600\\.[0-9]+ s since snapshot 1.*loaded" \
	"$W/ws.db" -- load "$W/in/wallstep.tar.zst" -o "$W/ws.db"
expect "wall clock stepped back: every snapshot loaded" "$(qv "$W/ws.db" "SELECT group_concat(seq, ' ') FROM (SELECT seq FROM snapshots ORDER BY id)")" "1 2 3"

# ---- 7. millions of empty members ----------------------------------------------------
N=1000000
[ "${SM_HOSTILE_FULL:-0}" = 1 ] && N=10000000
# flood N OUT: the manifest, 100 attachments, N/2 junk/ members, 1000
# pcap/junk*.bin, the rest of N in snapshot 1, then the recording's members
flood() {
	{
		craft split "$T/real.tar" head
		craft flood 100 attach/ -junk.txt
		craft flood $(($1 / 2)) junk/
		craft flood 1000 pcap/junk .bin
		craft flood $(($1 / 2 - 1000)) snap/000001/junk/
		craft split "$T/real.tar" tail
	} | zstd -q -T2 -1 -c >"$W/in/$2"
}
start=$(date +%s)
flood $((N / 10)) flood-small.tar.zst
flood "$N" flood.tar.zst
note "flood: built $N + $((N / 10)) members in $(($(date +%s) - start)) s ($(wc -c <"$W/in/flood.tar.zst") bytes)"
# ASan holds freed memory in quarantine (up to 256 MiB): kept small here,
# the peak RSS is the loader's own
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=16"
export ASAN_OPTIONS
RUN="peak_rss $T/rss timeout 1800"
bad "$((N / 10)) empty members" 0 "flood-small\\.tar\\.zst: \\(bundle\\): $((N / 10)) unknown members skipped in all, first: 'junk/000000000'" \
	"$W/f1.db" -- load "$W/in/flood-small.tar.zst" -o "$W/f1.db"
rss_small=$(tail -n 1 "$T/rss")
bad "$N empty members" 0 "flood\\.tar\\.zst: \\(bundle\\): $N unknown members skipped in all, first: 'junk/000000000' \\(only the first 20 are listed\\)" \
	"$W/f2.db" -- load "$W/in/flood.tar.zst" -o "$W/f2.db"
rss=$(tail -n 1 "$T/rss")
RUN=""
note "flood: $N members loaded in ${secs} s, peak RSS ${rss} KiB (${rss_small} KiB with a tenth)"
[ "$(wc -l <"$T/err")" -le 30 ] || fail "flood: $(wc -l <"$T/err") lines of messages (want the first 20 and a summary)"
grep -q "snap/000001/junk/000000000: unknown member: skipped" "$T/err" &&
	fail "flood: snapshot 1's junk listed one by one after the first 20"
expect "flood: the snapshots load as the recording" "$(qv "$W/f2.db" "$SIG")" "$BASE"
expect "flood: notes in the database" "$(qv "$W/f2.db" "SELECT count(*) FROM load_notes WHERE path LIKE '%junk%' OR path = '(bundle)'")" 42
expect "flood: attachments summed up" "$(qv "$W/f2.db" "SELECT count(*) FROM load_notes WHERE path = '(bundle)' AND severity = 'info'
	AND message LIKE '100 attached files kept in the bundle, not analysed in all, first: ''attach/000000000-junk.txt''%'")" 1
[ $((rss - rss_small)) -lt 32768 ] || fail "flood: peak RSS grows with the members: $rss_small KiB -> $rss KiB"
[ "$secs" -le $((N / 10000)) ] || fail "flood: $secs s for $N members"
rm -f "$W/in/flood.tar.zst" "$W/in/flood-small.tar.zst"
# members the loader buffers (snap/000002/proc/N/stat), more than one
# snapshot may hold: that snapshot is refused, the others load
{
	craft split "$T/real.tar" head "snap/000001/meta.json"
	craft flood 600000 snap/000002/proc/ /stat
	craft split "$T/real.tar" tail "snap/000001/meta.json"
} | zstd -q -T2 -1 -c >"$W/in/procs.tar.zst"
RUN="peak_rss $T/rss timeout 300"
bad "600000 process members in snapshot 2" 1 "procs\\.tar\\.zst: snap/000002/proc/[0-9]+/stat: snapshot 2 holds more than [0-9]+ members or [0-9]+ MiB: not loaded" \
	"$W/f3.db" -- load "$W/in/procs.tar.zst" -o "$W/f3.db"
rss=$(tail -n 1 "$T/rss")
RUN=""
note "snapshot over the member cap: refused in ${secs} s, peak RSS ${rss} KiB"
[ "$rss" -lt 409600 ] || fail "snapshot over the member cap: peak RSS $rss KiB"
expect "snapshot over the member cap: as if snapshot 2 were not there" "$(qv "$W/f3.db" "$SIG")" "$DROP2"
rm -f "$W/in/procs.tar.zst"

# ---- 8. cut inside snapshot 3 -------------------------------------------------------
{
	craft split "$T/real.tar" head "snap/000002/meta.json"
	craft split "$T/real.tar" tail "snap/000002/meta.json" | head -c 700
} >"$W/in/cut.tar"
bad "cut inside snapshot 3 (tar)" 0 "cut\\.tar: \\(archive\\): bundle cut short: snap/000003/[^:]*: .*\\(at compressed byte [0-9]+; the last whole member: 'snap/000002/meta\\.json'\\)" \
	"$W/c.db" -- load "$W/in/cut.tar" -o "$W/c.db"
# in frames, as the collector writes them: snapshots 1 and 2; snapshot 3's
# tcp table (it arrives); the rest, cut in its middle
craft split "$T/real.tar" head "snap/000002/meta.json" >"$T/head2.tar"
craft split "$T/real.tar" head "snap/000003/net/$NS/tcp" >"$T/head3.tar"
craft split "$T/real.tar" tail "snap/000003/net/$NS/tcp" | zstd -q -c >"$T/tail.zst"
{
	zstd -q -c "$T/head2.tar"
	tail -c +$(($(wc -c <"$T/head2.tar") + 1)) "$T/head3.tar" | zstd -q -c
	head -c $(($(wc -c <"$T/tail.zst") / 2)) "$T/tail.zst"
} >"$W/in/cut.tar.zst"
bad "cut inside a frame (tar.zst)" 0 "cut\\.tar\\.zst: \\(archive\\): bundle cut short: .*\\(at compressed byte [0-9]+; the last whole member: 'snap/000003/[^']*'\\)" \
	"$W/c.db" -- load "$W/in/cut.tar.zst" -o "$W/c.db"
grep -q "cut\\.tar\\.zst: snap/000003: snapshot incomplete" "$T/err" || fail "cut (zst): snapshot 3 not said incomplete: $(cat "$T/err")"
expect "cut: snapshots 1 and 2 of each, both cut short" \
	"$(qv "$W/c.db" "SELECT group_concat(snapshots || '/' || complete, ' ') FROM (SELECT * FROM sources ORDER BY id)")" "2/0 2/0"
"$SM_ANALYZE" info "$W/c.db" >"$T/out" 2>&1 || fail "info on the cut database: $(cat "$T/out")"
grep -q "2 snapshots, CUT SHORT" "$T/out" || fail "info does not say CUT SHORT: $(cat "$T/out")"

hostile_done
