#!/bin/sh
# collect_faults_disk: the collector on a disk that fills up.
#
# (a) RLIMIT_FSIZE (`ulimit -f`): the collector must not die of SIGXFSZ;
#     write() fails with EFBIG, it says so on stderr, exits 1 and keeps
#     every snapshot it finished.
# (b) as root: the bundle on a small tmpfs: the same with ENOSPC.
# The limits (96 KiB and 256 KiB on a quiet host) grow with the size of
# one snapshot, so that a few fit.
#
# Each time: every snapshot with a whole meta.json extracts completely
# (bundle_finished in tests/lib.sh), at least two of them, the collector
# counted exactly as many, and `sockmortem info` loads them all and says
# the bundle was cut short.
#
# Environment: SM_COLLECT, SM_ANALYZE, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u
. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT SM_ANALYZE
command -v zstd >/dev/null 2>&1 || skip "no zstd"

work_dir fdisk
mnt=""
at_exit() { [ -z "$mnt" ] || umount "$mnt" 2>/dev/null; }

# full_disk NAME FILE ERRTEXT: checks a run that ended on a full disk (its
# exit status in $rc, its stderr in $tmp/NAME.err).
full_disk() {
	name=$1 b=$2 want=$3
	[ "$rc" -eq 1 ] || { cat "$tmp/$name.err" >&2; fail "($name) collector exited $rc, want 1 (failed part-way)"; }
	grep -q "Sanitizer\|runtime error" "$tmp/$name.err" && { cat "$tmp/$name.err" >&2; fail "($name) sanitizer report"; }
	msg=$(grep 'finished snapshots kept' "$tmp/$name.err")
	echo "($name) $msg"
	echo "$msg" | grep -qF "$want" || fail "($name) the message does not say '$want': $msg"
	kept=$(echo "$msg" | sed -n 's/.*(\([0-9]*\) finished snapshots kept)$/\1/p')
	bundle_finished "$b" "$tmp/x-$name"
	[ "$NSNAP" -ge 2 ] || fail "($name) only $NSNAP finished snapshots before the disk was full"
	[ "$NSNAP" -eq "$kept" ] || fail "($name) the collector kept $kept snapshots, the bundle holds $NSNAP"
	[ ! -e "$tmp/x-$name/end.json" ] || fail "($name) an end.json although the disk was full"
	"$SM_ANALYZE" info "$b" >"$tmp/$name.info" 2>"$tmp/$name.ierr" ||
		fail "($name) sockmortem info failed: $(cat "$tmp/$name.ierr")"
	grep -q "Sanitizer\|runtime error" "$tmp/$name.ierr" && { cat "$tmp/$name.ierr" >&2; fail "($name) sanitizer report from info"; }
	grep -q ", $NSNAP snapshots, CUT SHORT" "$tmp/$name.info" || {
		cat "$tmp/$name.info" >&2
		fail "($name) info does not report $NSNAP snapshots, cut short"
	}
	echo "ok: ($name) $NSNAP finished snapshots kept and loaded, the cut reported"
}

# The limits hold a few snapshots of this host: 96 KiB and 256 KiB where a
# bundle of one is small (2 to 20 KiB here), more on a busy host.
"$SM_COLLECT" -q -o "$tmp/one.tar.zst" -n 1 2>"$tmp/one.err" || fail "a one-snapshot run failed: $(cat "$tmp/one.err")"
one_kb=$(($(stat -c %s "$tmp/one.tar.zst") / 1024 + 1))
fsize_kb=$((3 * one_kb + 32 > 96 ? 3 * one_kb + 32 : 96))
tmpfs_kb=$((8 * one_kb + 64 > 256 ? 8 * one_kb + 64 : 256))
echo "one snapshot: $one_kb KiB; limits: ulimit -f $fsize_kb KiB, tmpfs $tmpfs_kb KiB"

# --- (a) RLIMIT_FSIZE ---------------------------------------------------------
# POSIX shells count -f in 512-byte blocks.
b="$tmp/fsize.tar.zst"
(ulimit -f $((2 * fsize_kb)) && exec "$SM_COLLECT" -q -o "$b" -i 0.05 -n 2000) 2>"$tmp/fsize.err"
rc=$?
[ "$rc" -ne $((128 + 25)) ] || fail "(fsize) the collector was killed by SIGXFSZ"
[ "$(stat -c %s "$b")" -le $((fsize_kb * 1024)) ] || fail "(fsize) bundle over the limit"
full_disk fsize "$b" "File too large"

# --- (b) a full tmpfs -------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "(a) passed; (b) needs root to mount a tmpfs"
mkdir "$tmp/mnt" || fail "mkdir"
mount -t tmpfs -o "size=${tmpfs_kb}k,mode=0700" sm-faults "$tmp/mnt" 2>"$tmp/mount.err" ||
	skip "(a) passed; (b) cannot mount a tmpfs: $(cat "$tmp/mount.err")"
mnt="$tmp/mnt"
b="$mnt/full.tar.zst"
"$SM_COLLECT" -q -o "$b" -i 0.05 -n 2000 2>"$tmp/tmpfs.err"
rc=$?
full_disk tmpfs "$b" "No space left on device"
umount "$mnt" || fail "umount $mnt"
mnt=""
exit 0
