#!/bin/sh
# collect_exit_nonroot: the collector's edges.
#
# (a) a watched process (-p) that exits mid-collection: exit 0, early
#     snapshots have proc/PID/, later ones record it in errors.tsv as not
#     running / exited.
# (c) bad usage: exit status 2 and a message naming the problem; nothing
#     written; --help names every option.
# (b) as nobody (needs root and setpriv): a host-wide run still exits 0,
#     errors.tsv lists EACCES for other users' /proc/PID/fd, and the
#     collector's own net tables and fd list are there. Run last: where it
#     is not possible the script exits 77 after (a) and (c) passed.
#
# Environment: SM_COLLECT, SM_ROOT. Exit: 0 pass, 77 skip, else fail.
set -u

. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT
tar --help 2>/dev/null | grep -q -- '--zstd' || skip "tar has no --zstd"

tmp=$(mktemp -d /tmp/sm-edges.XXXXXX) || fail "mktemp"
spid="" apid=""
cleanup() {
	for p in $spid $apid; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
tab=$(printf '\t')

# --- (a) a watched process exits mid-collection -----------------------------
# The watched process ends once the first snapshot is in the bundle (rather
# than after a fixed `sleep 1`: on a host with 100k sockets the first
# snapshot alone can take longer than that). Snapshots are 1 s apart, so
# the last one is well after its end.
count_snaps() {
	n=$(zstd -dc "$1" 2>/dev/null | tar -t 2>/dev/null | grep -c '^snap/[0-9]*/meta.json$')
	echo "${n:-0}"
}
command -v zstd >/dev/null 2>&1 || skip "no zstd"
sleep 60 &
spid=$!
"$SM_COLLECT" -q -o "$tmp/exit.tar.zst" -p "$spid" -n 4 -i 1 2>"$tmp/exit.err" &
apid=$!
i=0
while [ "$(count_snaps "$tmp/exit.tar.zst")" -lt 1 ]; do
	kill -0 "$apid" 2>/dev/null || break
	i=$((i + 1))
	[ "$i" -le 300 ] || { kill "$apid"; fail "(a) no snapshot after 30 s"; }
	sleep 0.1
done
kill "$spid"
wait "$spid" 2>/dev/null
spid_done=$spid
spid=""
wait "$apid"
rc=$?
apid=""
[ "$rc" -eq 0 ] || { cat "$tmp/exit.err" >&2; fail "(a) collector exited $rc"; }
mkdir "$tmp/xa"
tar --zstd -xf "$tmp/exit.tar.zst" -C "$tmp/xa" || fail "(a) cannot extract the bundle"
grep -q '"reason":"count"' "$tmp/xa/end.json" || fail "(a) end.json: $(cat "$tmp/xa/end.json")"
gone_seen=0 states=""
for n in 1 2 3 4; do
	s="$tmp/xa/snap/00000$n"
	[ -s "$s/meta.json" ] || fail "(a) snapshot $n missing"
	present=0 gone=0
	[ -d "$s/proc/$spid_done" ] && present=1
	if [ -f "$s/errors.tsv" ] &&
		grep -Eq "^/proc/$spid_done(/[a-z/]+)?${tab}(ENOENT|ESRCH)${tab}(not running|exited)\$" "$s/errors.tsv"; then
		gone=1
	fi
	[ "$present" -eq 1 ] || [ "$gone" -eq 1 ] ||
		fail "(a) snapshot $n neither records pid $spid_done nor says why not"
	if [ "$present" -eq 1 ] && [ "$gone" -eq 0 ]; then
		[ "$gone_seen" -eq 0 ] || fail "(a) pid $spid_done is back in snapshot $n after it was gone"
		[ "$(cat "$s/proc/$spid_done/comm")" = sleep ] || fail "(a) snapshot $n: comm is not sleep"
		[ -s "$s/proc/$spid_done/status" ] || fail "(a) snapshot $n: status missing"
		states="$states present"
	else
		gone_seen=1
		states="$states gone"
	fi
done
echo "(a) pid $spid_done across 4 snapshots:$states"
case $states in
" present"*) ;;
*) fail "(a) the first snapshot lacks the process" ;;
esac
case $states in
*" gone") ;;
*) fail "(a) the last snapshot still has the process" ;;
esac
grep -q '"processes":0,' "$tmp/xa/snap/000004/meta.json" || fail "(a) last meta.json does not count 0 processes"
echo "ok: (a) watched process exited mid-run"

# --- (c) bad usage ----------------------------------------------------------
# usage_err WANT_TEXT ARGS...: exit status 2, WANT_TEXT on stderr, no output file
usage_err() {
	want=$1
	shift
	rm -f "$tmp/u.tar.zst"
	"$SM_COLLECT" "$@" >"$tmp/u.out" 2>"$tmp/u.err"
	urc=$?
	[ "$urc" -eq 2 ] || fail "(c) '$*' exited $urc, want 2; stderr: $(cat "$tmp/u.err")"
	grep -qF -- "$want" "$tmp/u.err" || fail "(c) '$*': stderr lacks \"$want\": $(cat "$tmp/u.err")"
	[ ! -e "$tmp/u.tar.zst" ] || fail "(c) '$*' created the output file"
	echo "  '$*' -> 2: $(head -n 1 "$tmp/u.err")"
}
u="$tmp/u.tar.zst"
usage_err "-o FILE is required" -n 1
usage_err "invalid value for --count: 'abc'" -o "$u" -n abc
usage_err "invalid value for --count: '0'" -o "$u" -n 0
usage_err "-d and -n exclude each other" -o "$u" -d 1 -n 2
usage_err "invalid value for --interval: '5x'" -o "$u" -i 5x
usage_err "invalid value for --duration: '-1'" -o "$u" -d -1
usage_err "invalid value for --max-size (at least 64K): '1K'" -o "$u" --max-size 1K
usage_err "invalid value for --level: '0'" -o "$u" --level 0
usage_err "invalid value for --pid: 'x1'" -o "$u" -p x1
usage_err "unexpected argument 'extra'" -o "$u" -n 1 extra
usage_err "Try 'sockmortem-collect --help'" -o "$u" --no-such-option
usage_err "cannot create '/proc/nope/x.tar.zst': No such file or directory" -o /proc/nope/x.tar.zst -n 1

# an existing file is never overwritten without --force
printf 'precious\n' >"$tmp/exists.tar.zst"
"$SM_COLLECT" -q -o "$tmp/exists.tar.zst" -n 1 2>"$tmp/u.err"
urc=$?
[ "$urc" -eq 2 ] || fail "(c) existing output: exit $urc, want 2"
grep -qF "cannot create '$tmp/exists.tar.zst': File exists (use --force to overwrite)" "$tmp/u.err" ||
	fail "(c) existing output: stderr: $(cat "$tmp/u.err")"
[ "$(cat "$tmp/exists.tar.zst")" = precious ] || fail "(c) existing output was modified"
echo "  existing output -> 2: $(head -n 1 "$tmp/u.err")"
# ... and is with it
"$SM_COLLECT" -q --force -o "$tmp/exists.tar.zst" -n 1 2>"$tmp/u.err" || fail "(c) --force run failed: $(cat "$tmp/u.err")"
tar --zstd -tf "$tmp/exists.tar.zst" | grep -qx 'snap/000001/meta.json' || fail "(c) --force did not write a bundle"

# --help: exit 0, every option named, nothing on stderr
"$SM_COLLECT" --help >"$tmp/help.out" 2>"$tmp/help.err"
urc=$?
[ "$urc" -eq 0 ] || fail "(c) --help exited $urc"
[ ! -s "$tmp/help.err" ] || fail "(c) --help wrote to stderr"
for opt in -o, --output -i, --interval -d, --duration -n, --count -p, --pid --comm --with-tools \
	--tools-every --tool-timeout --allow-modload --max-size --read-timeout --level --no-sync \
	--kthreads -f, --force -q, --quiet -h, --help -V, --version; do
	grep -qF -- "$opt" "$tmp/help.out" || fail "(c) --help does not mention $opt"
done
grep -q '^usage: sockmortem-collect' "$tmp/help.out" || fail "(c) --help has no usage line"
"$SM_COLLECT" -h | cmp -s - "$tmp/help.out" || fail "(c) -h differs from --help"
"$SM_COLLECT" --version >"$tmp/ver.out" 2>&1 || fail "(c) --version failed"
grep -q '^sockmortem-collect [0-9]' "$tmp/ver.out" || fail "(c) --version: $(cat "$tmp/ver.out")"
echo "ok: (c) bad usage"

# --- (b) as nobody ----------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "(a) and (c) passed; (b) needs root to become nobody"
command -v setpriv >/dev/null 2>&1 || skip "(a) and (c) passed; (b) needs setpriv"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
as_nobody test -x "$SM_COLLECT" ||
	skip "(a) and (c) passed; (b): nobody cannot execute $SM_COLLECT (a parent directory is closed)"
mkdir "$tmp/nobody"
chown 65534:65534 "$tmp/nobody" && chmod 0700 "$tmp/nobody" || fail "(b) cannot prepare a dir for nobody"
chmod 0711 "$tmp" || fail "(b) chmod $tmp"
nb="$tmp/nobody/n.tar.zst"
as_nobody "$SM_COLLECT" -q -o "$nb" -n 2 -i 0.5 2>"$tmp/nobody.err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/nobody.err" >&2; fail "(b) collector as nobody exited $rc"; }
[ "$(stat -c '%u %a' "$nb")" = "65534 600" ] || fail "(b) bundle owner/mode: $(stat -c '%u %a' "$nb")"
mkdir "$tmp/xb"
tar --zstd -xf "$nb" -C "$tmp/xb" || fail "(b) cannot extract"
grep -q '"uid":65534,"euid":65534,' "$tmp/xb/manifest.json" || fail "(b) manifest does not show uid 65534"
own_pid=$(sed -n 's/.*"collector":{"pid":\([0-9]*\),.*/\1/p' "$tmp/xb/manifest.json")
cns=$(sed -n 's/.*"collector":{[^}]*"netns":\([0-9]*\),.*/\1/p' "$tmp/xb/manifest.json")
[ -n "$own_pid" ] && [ -n "$cns" ] || fail "(b) manifest lacks collector pid/netns"
grep -q '"reason":"count"' "$tmp/xb/end.json" || fail "(b) end.json: $(cat "$tmp/xb/end.json")"
for n in 1 2; do
	s="$tmp/xb/snap/00000$n"
	[ -s "$s/meta.json" ] || fail "(b) snapshot $n missing"
	[ -f "$s/errors.tsv" ] || fail "(b) snapshot $n has no errors.tsv"
	# PID 1 belongs to root: its fd table is closed to nobody
	grep -q "^/proc/1/fd${tab}EACCES${tab}" "$s/errors.tsv" || {
		head -n 5 "$s/errors.tsv" >&2
		fail "(b) snapshot $n: errors.tsv lacks EACCES for /proc/1/fd"
	}
	other=$(grep "^/proc/[0-9]*/fd${tab}" "$s/errors.tsv" | grep -Ev "${tab}(EACCES|EPERM|ENOENT|ESRCH)${tab}")
	[ -z "$other" ] || fail "(b) snapshot $n: an fd table failed for another reason than permission: $other"
	grep -q '"denied":[1-9]' "$s/meta.json" || fail "(b) snapshot $n: meta.json counts no denied process"
	for t in tcp udp unix; do
		# (a table over 4 MiB is stored in parts: NAME.part0000, ...)
		[ -s "$s/net/$cns/$t" ] || [ -s "$s/net/$cns/$t.part0000" ] ||
			fail "(b) snapshot $n: the collector's own net/$cns/$t is missing"
	done
	[ -s "$s/proc/$own_pid/fd" ] || fail "(b) snapshot $n: the collector's own fd list is missing"
	grep -q "${tab}$nb\$" "$s/proc/$own_pid/fd" || fail "(b) snapshot $n: own fd list lacks the bundle"
	[ ! -e "$s/proc/1/fd" ] || fail "(b) snapshot $n: an fd list for PID 1 as nobody?"
	[ -s "$s/proc/1/status" ] || fail "(b) snapshot $n: PID 1's status (world-readable) is missing"
done
echo "ok: (b) as nobody: EACCES recorded, own tables present"
exit 0
