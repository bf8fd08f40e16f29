#!/bin/sh
# collect_states: the collector records sockets in known states.
#
# tests/helpers/sockstates holds LISTEN, ESTABLISHED (both ends),
# CLOSE_WAIT, FIN_WAIT2, TIME_WAIT, an orphaned fd (socket reset, fd kept)
# and a UNIX listener. We record it with -p (3 snapshots) and host-wide
# (2 snapshots) and check the bundle with tar alone: manifest first, one
# meta.json per snapshot, end.json, the /proc/net rows with the right
# states and inodes, and the per-process files.
#
# Environment: SM_COLLECT (collector), SM_HELPERS (helper programs), SM_ROOT.
# Exit: 0 pass, 77 skip, else fail.
set -u

. "$SM_ROOT/tests/lib.sh"

need_exec SM_COLLECT
helper="${SM_HELPERS:-}/sockstates"
[ -x "$helper" ] || fail "helper '$helper' missing (make check-build builds it)"
tar --help 2>/dev/null | grep -q -- '--zstd' || skip "tar has no --zstd"
[ -r /proc/net/tcp ] || skip "no /proc/net/tcp"

tmp=$(mktemp -d /tmp/sm-states.XXXXXX) || fail "mktemp"
hpid=""
cleanup() {
	if [ -n "$hpid" ]; then
		kill "$hpid" 2>/dev/null
		wait "$hpid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- start the helper and read what it made --------------------------------
"$helper" "$tmp" >"$tmp/states" 2>"$tmp/states.err" &
hpid=$!
i=0
until grep -qx READY "$tmp/states" 2>/dev/null; do
	if grep -q '^ERROR' "$tmp/states" 2>/dev/null || ! kill -0 "$hpid" 2>/dev/null; then
		cat "$tmp/states" "$tmp/states.err" >&2
		fail "sockstates did not get ready"
	fi
	i=$((i + 1))
	[ "$i" -le 150 ] || fail "sockstates not READY after 15 s"
	sleep 0.1
done
echo "sockstates (pid $hpid):"
sed 's/^/  /' "$tmp/states"

# field KIND KEY [N]: KEY's value on the Nth line of kind KIND
field() {
	sed -n "/^$1 /p" "$tmp/states" | sed -n "${3:-1}p" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
hexport() { printf '%04X' "$1"; }

listen_port=$(field LISTEN local)
listen_ino=$(field LISTEN inode)
est_c_port=$(field ESTABLISHED local 1)
est_c_ino=$(field ESTABLISHED inode 1)
est_s_ino=$(field ESTABLISHED inode 2)
cw_port=$(field CLOSE_WAIT remote)
cw_ino=$(field CLOSE_WAIT inode)
fw_ino=$(field FIN_WAIT2 inode)
tw_port=$(field TIME_WAIT local)
orphan_ino=$(field ORPHAN inode)
unix_path=$(field UNIX path)
unix_ino=$(field UNIX inode)
for v in "$listen_port" "$listen_ino" "$est_c_port" "$est_c_ino" "$est_s_ino" "$cw_port" "$cw_ino" \
	"$fw_ino" "$tw_port" "$orphan_ino" "$unix_ino"; do
	case $v in
	''|*[!0-9]*) fail "could not parse the helper's output (got '$v')" ;;
	esac
done
[ -n "$unix_path" ] || fail "no UNIX path from the helper"
netns=$(readlink "/proc/$hpid/ns/net" | sed -n 's/^net:\[\([0-9]*\)\]$/\1/p')
[ -n "$netns" ] || fail "cannot read the helper's net namespace"
boot_id=$(cat /proc/sys/kernel/random/boot_id)
lo="0100007F"
tab=$(printf '\t')

# tbl NETDIR NAME: the table NAME of a snapshot into $tmp/tbl.NAME; a table
# over 4 MiB (a busy host) is stored as NAME.part0000, NAME.part0001, ...
tbl() {
	if [ -f "$1/$2" ]; then
		cat "$1/$2" >"$tmp/tbl.$2"
	elif [ -f "$1/$2.part0000" ]; then
		cat "$1/$2".part[0-9][0-9][0-9][0-9] >"$tmp/tbl.$2"
	else
		rm -f "$tmp/tbl.$2"
		return 1
	fi
}

# has_row TABLE LOCALPORT REMOTE STATE INODE: a /proc/net/tcp row matches
has_row() {
	awk -v l="$lo:$(hexport "$2")" -v r="$3" -v st="$4" -v ino="$5" \
		'NR > 1 && $2 == l && $3 == r && $4 == st && $10 == ino { f = 1 } END { exit !f }' "$1"
}

# check_snapshot DIR N PIDMODE
check_snapshot() {
	s=$1 n=$2 mode=$3
	[ -s "$s/meta.json" ] || fail "snapshot $n: meta.json missing"
	grep -q "^{\"snapshot\":$n," "$s/meta.json" || fail "snapshot $n: meta.json does not start with its number"
	grep -q "\"host_netns\":$netns," "$s/meta.json" || fail "snapshot $n: host_netns is not $netns"
	net="$s/net/$netns"
	tbl "$net" tcp && [ -s "$tmp/tbl.tcp" ] || fail "snapshot $n: $net/tcp missing or empty"
	head -n 1 "$tmp/tbl.tcp" | grep -q 'local_address' || fail "snapshot $n: tcp is not /proc/net/tcp"
	tcp="$tmp/tbl.tcp"

	has_row "$tcp" "$listen_port" "00000000:0000" 0A "$listen_ino" ||
		fail "snapshot $n: no LISTEN row for port $listen_port inode $listen_ino"
	has_row "$tcp" "$est_c_port" "$lo:$(hexport "$listen_port")" 01 "$est_c_ino" ||
		fail "snapshot $n: no ESTABLISHED row for the client $est_c_port"
	has_row "$tcp" "$listen_port" "$lo:$(hexport "$est_c_port")" 01 "$est_s_ino" ||
		fail "snapshot $n: no ESTABLISHED row for the accepted end of $est_c_port"
	has_row "$tcp" "$listen_port" "$lo:$(hexport "$cw_port")" 08 "$cw_ino" ||
		fail "snapshot $n: no CLOSE_WAIT row with inode $cw_ino"
	has_row "$tcp" "$cw_port" "$lo:$(hexport "$listen_port")" 05 "$fw_ino" ||
		fail "snapshot $n: no FIN_WAIT2 row with inode $fw_ino"
	has_row "$tcp" "$tw_port" "$lo:$(hexport "$listen_port")" 06 0 ||
		fail "snapshot $n: no TIME_WAIT row (inode 0) for $tw_port"

	# the orphan: fd open, socket in no table
	for t in tcp tcp6 udp udp6 raw raw6; do
		if tbl "$net" "$t"; then
			if awk -v ino="$orphan_ino" 'NR > 1 && $10 == ino { f = 1 } END { exit !f }' "$tmp/tbl.$t"; then
				fail "snapshot $n: orphan inode $orphan_ino found in $t"
			fi
		elif [ "$t" = tcp ] || [ "$t" = udp ] || [ "$t" = raw ]; then
			fail "snapshot $n: table $t missing"
		fi
	done
	tbl "$net" unix && [ -s "$tmp/tbl.unix" ] || fail "snapshot $n: unix table missing"
	if awk -v ino="$orphan_ino" 'NR > 1 && $7 == ino { f = 1 } END { exit !f }' "$tmp/tbl.unix"; then
		fail "snapshot $n: orphan inode $orphan_ino found in unix"
	fi
	awk -v ino="$unix_ino" -v p="$unix_path" 'NR > 1 && $7 == ino && $8 == p { f = 1 } END { exit !f }' \
		"$tmp/tbl.unix" || fail "snapshot $n: unix table has no row for $unix_path (inode $unix_ino)"

	# the helper's process
	p="$s/proc/$hpid"
	for f in status limits stat cmdline comm ns fd; do
		[ -f "$p/$f" ] || fail "snapshot $n: proc/$hpid/$f missing"
	done
	for f in status limits stat cmdline comm ns; do
		[ -s "$p/$f" ] || fail "snapshot $n: proc/$hpid/$f empty"
	done
	[ "$(cat "$p/comm")" = sockstates ] || fail "snapshot $n: comm is '$(cat "$p/comm")'"
	[ "$(cat "$p/ns")" = "net:[$netns]" ] || fail "snapshot $n: ns is '$(cat "$p/ns")'"
	grep -q "^Pid:[[:space:]]*$hpid\$" "$p/status" || fail "snapshot $n: status is not the helper's"
	grep -q '^Max open files' "$p/limits" || fail "snapshot $n: limits lacks Max open files"
	tr '\0' '\n' <"$p/cmdline" | grep -q 'sockstates$' || fail "snapshot $n: cmdline lacks sockstates"
	for ino in "$listen_ino" "$est_c_ino" "$est_s_ino" "$cw_ino" "$fw_ino" "$orphan_ino" "$unix_ino"; do
		grep -q "^[0-9]*${tab}socket:\[$ino\]\$" "$p/fd" || fail "snapshot $n: fd list lacks socket:[$ino]"
	done
	if [ "$mode" = pid ]; then
		[ "$(ls "$s/proc")" = "$hpid" ] || fail "snapshot $n: -p $hpid recorded other processes: $(ls "$s/proc" | head)"
		grep -q '"processes":1,' "$s/meta.json" || fail "snapshot $n: meta.json processes is not 1"
	else
		[ -d "$s/proc/1" ] || fail "snapshot $n: host-wide run lacks proc/1"
		[ "$(ls "$s/proc" | wc -l)" -ge 3 ] || fail "snapshot $n: host-wide run has too few processes"
	fi
}

# check_bundle FILE NSNAP MODE
check_bundle() {
	b=$1 nsnap=$2 mode=$3 x="$tmp/x-$3"
	[ -s "$b" ] || fail "$b missing or empty"
	perm=$(stat -c %a "$b")
	[ "$perm" = 600 ] || fail "$b has mode $perm, want 600"
	tar --zstd -tf "$b" >"$tmp/list" || fail "tar --zstd -tf $b failed"
	[ "$(head -n 1 "$tmp/list")" = manifest.json ] || fail "first member is '$(head -n 1 "$tmp/list")', not manifest.json"
	[ "$(tail -n 1 "$tmp/list")" = end.json ] || fail "last member is not end.json"
	mkdir -p "$x"
	tar --zstd -xf "$b" -C "$x" || fail "tar --zstd -xf $b failed"

	m="$x/manifest.json"
	grep -q '^{"format":"sockmortem-bundle","format_version":1,' "$m" || fail "manifest: format/format_version"
	grep -q "\"host\":{[^}]*\"boot_id\":\"$boot_id\"" "$m" || fail "manifest: host.boot_id is not $boot_id"
	grep -q '"sysctl":{"net.ipv4.ip_local_port_range":"' "$m" || fail "manifest: sysctl"
	grep -q '"net.ipv4.tcp_fin_timeout":"[0-9]*"' "$m" || fail "manifest: sysctl tcp_fin_timeout"
	grep -q '"fs.nr_open":"[0-9]*"' "$m" || fail "manifest: sysctl fs.nr_open"

	n=1
	while [ "$n" -le "$nsnap" ]; do
		check_snapshot "$x/snap/$(printf %06d "$n")" "$n" "$mode"
		n=$((n + 1))
	done
	[ ! -e "$x/snap/$(printf %06d "$n")" ] || fail "more than $nsnap snapshots"
	[ "$(grep -c '/meta.json$' "$tmp/list")" -eq "$nsnap" ] || fail "not $nsnap meta.json members"
	grep -q '"reason":"count"' "$x/end.json" || fail "end.json reason: $(cat "$x/end.json")"
	grep -q "\"snapshots\":$nsnap," "$x/end.json" || fail "end.json snapshot count: $(cat "$x/end.json")"
}

# --- -p PID, 3 snapshots --------------------------------------------------
"$SM_COLLECT" -q -o "$tmp/pid.tar.zst" -n 3 -i 0.5 -p "$hpid" 2>"$tmp/c1.err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/c1.err" >&2; fail "collector -p exited $rc"; }
[ ! -s "$tmp/c1.err" ] || { cat "$tmp/c1.err" >&2; fail "collector -q wrote to stderr"; }
check_bundle "$tmp/pid.tar.zst" 3 pid
echo "ok: -p $hpid, 3 snapshots"

# --- whole host, 2 snapshots ---------------------------------------------
"$SM_COLLECT" -q -o "$tmp/host.tar.zst" -n 2 -i 0.5 2>"$tmp/c2.err"
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/c2.err" >&2; fail "collector (host-wide) exited $rc"; }
check_bundle "$tmp/host.tar.zst" 2 host
echo "ok: whole host, 2 snapshots"

kill -0 "$hpid" 2>/dev/null || fail "sockstates died during collection"
exit 0
