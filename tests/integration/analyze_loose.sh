#!/bin/sh
# analyze_loose: loose captures into the analyzer.
#
#  - every file of tests/data/corpus/{lsof,ss,netstat,procnet}/ loads alone
#    (`sockmortem load FILE -o DB`, exit 0) as its expected kind, with at
#    least one row where that kind puts its rows (sockets, fds or counters);
#    files the parsers legitimately cannot read would be listed in CANNOT
#    below with the reason, and must then fail with exit 1 and a message
#    naming the file (today the parsers read every one: the list is empty);
#  - a directory of all of them loads in one go (one source per file);
#  - a tar.gz and a zip of some load with `archive!member` in sources.path
#    and the members' mtimes as snapshot times (zip: with `zip` or python3,
#    else that part is skipped);
#  - --format overrides detection, --at (and the file's mtime, without it)
#    sets snapshots.wall_ns; bad --format/--at are usage errors (exit 2);
#  - real `ss -tanp`, `ss -tanpe`, `ss -s`, `lsof -nP`, `netstat -s` and `netstat -anp`
#    (each when installed), run while tests/helpers/leaky holds known
#    loopback sockets, load and show the helper's sockets in the right
#    states with the right owner (pid, fd);
#  - `ss -tanp state close-wait` (no State column): its sockets take the
#    state from --ss-state or from the file name, else none (and stderr
#    says how to give it); a listing of no socket at all loads empty.
#  - --series: three real `ss -tanp` of a real Python hub that never
#    closes what its clients hang up, taken as it grows and given out of
#    order, are one source of three snapshots in time order, and the report
#    is one close_wait_leak on the hub with its growth (without --series:
#    three single-snapshot findings, and stderr suggests --series); loaded
#    again, the series is already there; copies of it (one mtime, as
#    downloaded) are timed by the times their names spell, or, with none,
#    load with a warning that their rates mean nothing; a directory and a
#    tar.gz of them (and a README, left out) are the same series; a series
#    of two formats, of a goroutine dump, with --at or with a file twice is
#    refused with the file named.
#
# All checks run; the failures are listed at the end. Exit: 0, 77, 1.
set -u
. "$SM_ROOT/tests/lib.sh"
LC_ALL=C
export LC_ALL

: "${SM_ANALYZE:?}" "${SM_HELPERS:?}" "${SM_ROOT:?}"
[ -x "$SM_ANALYZE" ] || { echo "skip: $SM_ANALYZE not built"; exit 77; }
CORPUS="$SM_ROOT/tests/data/corpus"
[ -d "$CORPUS/procnet" ] || { echo "skip: no corpus at $CORPUS"; exit 77; }

work_dir loose   # at exit: kills what $pids holds, removes $tmp
T=$tmp

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
note() { echo "ok: $*"; }
# q DB SQL: CSV rows without the header; an error is a failure (and prints "ERR").
q() {
	if ! "$SM_ANALYZE" query "$1" "$2" --csv >"$T/q.out" 2>"$T/q.err" || [ -s "$T/q.err" ]; then
		fail "query on $(basename "$1"): $2: $(cat "$T/q.err")"
		echo ERR
		return
	fi
	tail -n +2 "$T/q.out"
}
expect() { # what got want
	if [ "$2" = "$3" ]; then note "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi
}

# Files the parsers cannot read, with the reason ("dir/file reason").
CANNOT=""

# Every corpus file, its kind and the table its rows go to.
cat >"$T/expect" <<'EOF'
lsof/issue-hackney-230-lsof-c-grep-protocol.txt lsof fds
lsof/issue-lsof-linux-42-lsof-E-nP-ipv6-warning.txt lsof fds
lsof/issue-moby-28448-lsof-p-dockerd-netlink-leak.txt lsof fds
lsof/issue-polipo-34-lsof-n-grep-sock.txt lsof fds
lsof/jc-centos7.7-lsof-nonroot.out lsof fds
lsof/jc-centos7.7-lsof-sudo.out lsof fds
lsof/jc-ubuntu18.04-lsof-nonroot.out lsof fds
lsof/jc-ubuntu18.04-lsof-sudo.out lsof fds
ss/datadog-integrations-core-ss_ipv6_tcp.txt ss sockets
ss/issue-netdata-2169-ss-ant-syn-sent.txt ss sockets
ss/issue-osquery-4173-ss-tauepnn-old-sk-pointer.txt ss sockets
ss/issue-toolkits-pkg-2-ss-s-centos7.txt ss-summary counters
ss/issue-toolkits-pkg-2-ss-s-centos8.txt ss-summary counters
ss/jc-centos7.7-ss-a-sudo.out ss sockets
ss/jc-generic-ss-wide.out ss sockets
ss/jc-ubuntu18.04-ss-a-sudo.out ss sockets
ss/jc-ubuntu18.04-ss-tulpen-sudo.out ss sockets
netstat/datadog-integrations-core-netstat.txt netstat sockets
netstat/issue-linenum-37-netstat-antp-redacted-ips.txt netstat sockets
netstat/issue-tinyproxy-274-netstat-close-wait.txt netstat sockets
netstat/issue-xluffy-til-118-netstat-antpdo-timers.txt netstat sockets
netstat/jc-centos7.7-netstat-aeep-sudo.out netstat sockets
netstat/jc-centos7.7-netstat-p.out netstat sockets
netstat/jc-centos7.7-netstat.out netstat sockets
netstat/jc-fedora32-netstat.out netstat sockets
netstat/jc-freebsd12-netstat-an.out netstat sockets
netstat/jc-generic-netstat-no-state.out netstat sockets
netstat/jc-generic-netstat-old.out netstat sockets
netstat/jc-macos10.14-netstat-An.out netstat sockets
netstat/jc-ubuntu18.04-netstat-aeep-sudo.out netstat sockets
netstat/jc-ubuntu18.04-netstat-lnp-space-sudo.out netstat sockets
netstat/jc-ubuntu18.04-netstat-lnp-sudo.out netstat sockets
netstat/jc-windows10-netstat-aon.out netstat sockets
procnet/issue-diamond-217-proc-net-sockstat.txt sockstat counters
procnet/issue-mediamtx-3226-proc-net-tcp-hashed-ptrs-partial.txt proc-tcp sockets
procnet/issue-netdata-5322-proc-net-tcp6-partial.txt proc-tcp6 sockets
procnet/jc-proc-net-netstat proc-netstat-snmp counters
procnet/jc-proc-net-tcp proc-tcp sockets
procnet/jc-proc-net-tcp6 proc-tcp6 sockets
procnet/jc-proc-net-unix proc-unix sockets
procnet/node_exporter-proc-net-sockstat sockstat counters
procnet/procfs-proc-net-sockstat sockstat counters
procnet/procfs-proc-net-sockstat6 sockstat counters
procnet/procfs-proc-net-tcp proc-tcp sockets
procnet/procfs-proc-net-tcp6 proc-tcp6 sockets
procnet/procfs-proc-net-unix-kptr-restricted proc-unix sockets
procnet/procfs-proc-net-unix-without-inode proc-unix sockets
procnet/procfs-proc-pid-net-netstat proc-netstat-snmp counters
procnet/procfs-proc-pid-net-snmp proc-netstat-snmp counters
EOF

# ---- every corpus file, alone ----------------------------------------------
n=0
for f in "$CORPUS"/lsof/* "$CORPUS"/ss/* "$CORPUS"/netstat/* "$CORPUS"/procnet/*; do
	rel=${f#"$CORPUS"/}
	n=$((n + 1))
	line=$(grep "^$rel " "$T/expect")
	[ -n "$line" ] || { fail "$rel: not in this script's list (add its kind)"; continue; }
	kind=$(echo "$line" | cut -d' ' -f2) table=$(echo "$line" | cut -d' ' -f3)
	db="$T/one-$n.db"
	"$SM_ANALYZE" load "$f" -o "$db" >"$T/out" 2>"$T/err"
	rc=$?
	why=$(echo "$CANNOT" | grep "^$rel " | cut -d' ' -f2-)
	if [ -n "$why" ]; then
		if [ $rc -eq 1 ] && grep -qF "$f" "$T/err"; then
			note "$rel cannot be read ($why): exit 1, named"
		else
			fail "$rel ($why): want exit 1 and a message naming it, got exit $rc: $(cat "$T/err")"
		fi
		continue
	fi
	if [ $rc -ne 0 ]; then
		fail "$rel: load exit $rc: $(cat "$T/err")"
		continue
	fi
	got=$(q "$db" "SELECT kind, path, snapshots, complete, (SELECT count(*) FROM $table) > 0 FROM sources")
	expect "$rel" "$got" "$kind,$f,1,1,1"
done
expect "corpus files checked" "$n" "$(wc -l <"$T/expect" | tr -d ' ')"

# ---- a directory of them, in one go --------------------------------------
mkdir -p "$T/all"
for d in lsof ss netstat procnet; do
	cp -R "$CORPUS/$d" "$T/all/$d"
done
DDB="$T/dir.db"
"$SM_ANALYZE" load "$T/all" -o "$DDB" >"$T/out" 2>"$T/err"
rc=$?
if [ -z "$CANNOT" ]; then
	[ $rc -eq 0 ] || fail "directory load exit $rc: $(cat "$T/err")"
else
	[ $rc -eq 1 ] || fail "directory load with unreadable files: exit $rc, want 1"
fi
want=$(( $(wc -l <"$T/expect") - $(echo "$CANNOT" | grep -c .) ))
expect "directory: sources" "$(q "$DDB" "SELECT count(*), count(DISTINCT sha256) FROM sources WHERE path LIKE '$T/all/%'")" "$want,$want"
expect "directory: kinds" "$(q "$DDB" "SELECT count(DISTINCT kind) FROM sources")" "$(cut -d' ' -f2 "$T/expect" | sort -u | wc -l | tr -d ' ')"
# again: nothing new
"$SM_ANALYZE" load "$T/all" -o "$DDB" -q >"$T/out" 2>"$T/err"
expect "directory twice: sources" "$(q "$DDB" "SELECT count(*) FROM sources")" "$want"

# ---- archives: tar.gz and zip ----------------------------------------------
mkdir -p "$T/arc/ss" "$T/arc/procnet" "$T/arc/lsof"
cp "$CORPUS/ss/jc-ubuntu18.04-ss-tulpen-sudo.out" "$T/arc/ss/"
cp "$CORPUS/procnet/jc-proc-net-tcp6" "$CORPUS/procnet/procfs-proc-net-sockstat" "$T/arc/procnet/"
cp "$CORPUS/lsof/issue-moby-28448-lsof-p-dockerd-netlink-leak.txt" "$T/arc/lsof/"
touch -d @1790000000 "$T/arc/ss/"* "$T/arc/procnet/"* "$T/arc/lsof/"*
MEMBERS="ss/jc-ubuntu18.04-ss-tulpen-sudo.out procnet/jc-proc-net-tcp6 procnet/procfs-proc-net-sockstat lsof/issue-moby-28448-lsof-p-dockerd-netlink-leak.txt"
check_archive() { # archive label
	adb="$T/$2.db"
	"$SM_ANALYZE" load "$1" -o "$adb" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] || { fail "$2: load exit $rc: $(cat "$T/err")"; return; }
	expect "$2: members" "$(q "$adb" "SELECT count(*) FROM sources WHERE path LIKE '$1!%'")" 4
	for m in $MEMBERS; do
		kind=$(grep "^$m " "$T/expect" | cut -d' ' -f2)
		expect "$2: $m" "$(q "$adb" "SELECT s.kind, sn.wall_ns FROM sources s JOIN snapshots sn ON sn.source_id = s.id WHERE s.path = '$1!$m'")" \
			"$kind,1790000000000000000"
	done
	# the same content loose is the same source
	"$SM_ANALYZE" load "$T/arc/procnet/jc-proc-net-tcp6" -o "$adb" >"$T/out" 2>"$T/err"
	grep -q "already loaded" "$T/err" || fail "$2: a member loaded again loose was not recognised: $(cat "$T/err")"
}
if tar -czf "$T/caps.tar.gz" -C "$T/arc" $MEMBERS; then
	check_archive "$T/caps.tar.gz" tar.gz
else
	fail "tar czf failed"
fi
zipped=""
if command -v zip >/dev/null 2>&1; then
	(cd "$T/arc" && zip -q "$T/caps.zip" $MEMBERS) && zipped=zip
elif command -v python3 >/dev/null 2>&1; then
	# (given files, python's zipfile -c keeps base names only: give the directories)
	(cd "$T/arc" && python3 -m zipfile -c "$T/caps.zip" ss procnet lsof) && zipped=python3
fi
if [ -n "$zipped" ]; then
	check_archive "$T/caps.zip" zip
else
	echo "note: neither zip nor python3: zip part skipped"
fi

# ---- --format and --at, and the mtime default ------------------------------
cat >"$T/capture.txt" <<'EOF'
   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 424242 2 0000000000000000 0
EOF
touch -d @1790000000.25 "$T/capture.txt"
FDB="$T/format.db"
"$SM_ANALYZE" load "$T/capture.txt" -o "$FDB" -q 2>"$T/err" || fail "capture.txt: load exit $?: $(cat "$T/err")"
expect "detected as" "$(q "$FDB" "SELECT s.kind, k.proto, sn.wall_ns FROM sources s JOIN sockets k ON k.source_id = s.id JOIN snapshots sn ON sn.source_id = s.id")" \
	"proc-tcp,tcp,1790000000250000000"
cp "$T/capture.txt" "$T/capture2.txt"
echo "" >>"$T/capture2.txt"   # other content, other sha256
"$SM_ANALYZE" load "$T/capture2.txt" -o "$FDB" -q --format proc-udp --at 2026-11-23T14:00:00Z 2>"$T/err" ||
	fail "--format proc-udp --at: exit $?: $(cat "$T/err")"
expect "--format proc-udp --at" "$(q "$FDB" "SELECT s.kind, v.proto, v.local_port, v.state, v.wall_ns FROM sources s JOIN snapshots sn ON sn.source_id = s.id JOIN v_socket_snapshots v ON v.snapshot_id = sn.id WHERE s.path LIKE '%capture2.txt'")" \
	"proc-udp,udp,53,CLOSE,$(( $(date -u -d 2026-11-23T14:00:00Z +%s) * 1000000000 ))"
echo "" >>"$T/capture2.txt"
"$SM_ANALYZE" load "$T/capture2.txt" -o "$FDB" -q --at 1795442400 2>"$T/err" || fail "--at epoch: exit $?"
expect "--at epoch seconds" "$(q "$FDB" "SELECT max(wall_ns) FROM snapshots")" 1795442400000000000
"$SM_ANALYZE" load "$T/capture.txt" -o "$FDB" --format nosuch >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "nosuch" "$T/err" || fail "--format nosuch: exit $rc, want 2: $(cat "$T/err")"
"$SM_ANALYZE" load "$T/capture.txt" -o "$FDB" --at yesterday >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "yesterday" "$T/err" || fail "--at yesterday: exit $rc, want 2: $(cat "$T/err")"
expect "bad options added nothing" "$(q "$FDB" "SELECT count(*) FROM sources")" 3
# --format that does not fit the content: refused, named, nothing added
"$SM_ANALYZE" load "$CORPUS/ss/issue-netdata-2169-ss-ant-syn-sent.txt" -o "$FDB" --format sockstat >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && grep -q "issue-netdata-2169" "$T/err" || fail "ss capture as --format sockstat: exit $rc, want 1: $(cat "$T/err")"
expect "wrong --format added nothing" "$(q "$FDB" "SELECT count(*) FROM sources")" 3

# ---- real tools, while the helper holds known sockets ------------------------
LEAKY="$SM_HELPERS/leaky"
if [ ! -x "$LEAKY" ]; then
	fail "$LEAKY not built"
else
	"$LEAKY" >"$T/leaky.out" 2>"$T/leaky.err" &
	HPID=$!
	pids=$HPID
	i=0
	until grep -q '^READY$' "$T/leaky.out" 2>/dev/null; do
		kill -0 "$HPID" 2>/dev/null || break
		i=$((i + 1)); [ $i -lt 300 ] || break
		sleep 0.05
	done
	grep -q '^READY$' "$T/leaky.out" || fail "helper not ready: $(cat "$T/leaky.err")"
	val() { sed -n "s/^$1 .*\\b$2=\\([^ ]*\\).*/\\1/p" "$T/leaky.out" | head -n 1; }
	LFD=$(val LISTEN fd) LPORT=$(val LISTEN port)
	VFD=$(val VANISH fd) VPORT=$(val VANISH port)
	ECFD=$(val ESTAB_CLIENT fd) ECPORT=$(val ESTAB_CLIENT port)
	ESFD=$(val ESTAB_SERVER fd)
	CCFD=$(val CW_CLIENT fd) CCPORT=$(val CW_CLIENT port)
	CSFD=$(val CW_SERVER fd)
	OFD=$(val ORPHAN fd) OINO=$(val ORPHAN inode) FDS0=$(val FDS count)
	TWPORT=$(val TIME_WAIT port)
	# "port:remote_port:state:fd" of every helper socket with an owner, sorted
	WANT_OWNED=$(printf '%s\n' "$LPORT:0:LISTEN:$LFD" "$VPORT:0:LISTEN:$VFD" \
		"$ECPORT:$LPORT:ESTABLISHED:$ECFD" "$LPORT:$ECPORT:ESTABLISHED:$ESFD" \
		"$CCPORT:$LPORT:ESTABLISHED:$CCFD" "$LPORT:$CCPORT:ESTABLISHED:$CSFD" | sort | tr '\n' ' ')
	OWNED_SQL="SELECT group_concat(x, ' ') FROM (SELECT s.local_port || ':' || coalesce(s.remote_port, 0) || ':' || v.state || ':' || o.fd AS x FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id JOIN v_socket_snapshots v ON v.socket_id = s.id WHERE o.pid = $HPID AND s.proto = 'tcp' ORDER BY x)"
	STATES_SQL="SELECT group_concat(x, ' ') FROM (SELECT local_port || ':' || coalesce(remote_port, 0) || ':' || state AS x FROM v_socket_snapshots WHERE proto = 'tcp' AND local_addr = '127.0.0.1' AND (local_port IN ($LPORT, $VPORT) OR remote_port = $LPORT) AND local_port <> $TWPORT ORDER BY x)"
	WANT_STATES=$(echo "$WANT_OWNED" | tr ' ' '\n' | sed 's/:[0-9]*$//' | grep . | sort | tr '\n' ' ')
	WANT_STATES=${WANT_STATES% }
	WANT_OWNED=${WANT_OWNED% }

	tool() { # label file command...: runs a tool into file; 1 if unavailable
		label=$1 file=$2
		shift 2
		command -v "$1" >/dev/null 2>&1 || { echo "note: $1 not installed: $label skipped"; return 1; }
		# lsof exits 1 over any file it may not stat: judge by the output
		"$@" >"$file" 2>"$T/tool.err"
		[ -s "$file" ] || { echo "note: $label printed nothing ($(head -c 200 "$T/tool.err")): skipped"; return 1; }
	}
	loadtool() { # label file: loads into tdb=$T/label.db
		tdb="$T/$1.db"
		"$SM_ANALYZE" load "$2" -o "$tdb" >"$T/out" 2>"$T/err" || fail "$1: load exit $?: $(cat "$T/err")"
	}

	if tool "ss -tanp" "$T/ss-tanp.txt" ss -tanp; then
		loadtool ss-tanp "$T/ss-tanp.txt"
		expect "ss -tanp: kind" "$(q "$tdb" "SELECT kind FROM sources")" ss
		expect "ss -tanp: states" "$(q "$tdb" "$STATES_SQL")" "$WANT_STATES"
		expect "ss -tanp: time-wait" "$(q "$tdb" "SELECT state FROM v_socket_snapshots WHERE local_port = $TWPORT AND remote_port = $LPORT")" TIME_WAIT
		expect "ss -tanp: process" "$(q "$tdb" "SELECT comm, count(*) FROM processes WHERE pid = $HPID")" "leaky,1"
		expect "ss -tanp: helper fds" "$(q "$tdb" "SELECT group_concat(fd, ' ') FROM (SELECT f.fd FROM fds f JOIN processes p ON p.id = f.process_id WHERE p.pid = $HPID ORDER BY f.fd)")" \
			"$(printf '%s\n' "$LFD" "$VFD" "$ECFD" "$ESFD" "$CCFD" "$CSFD" | sort -n | tr '\n' ' ' | sed 's/ $//')"
		# which socket each owner holds (ss -p names it on the socket's row).
		# Without -e ss prints no inode; load_sink.c records the owner's fd
		# "so that ownership works the same as for a bundle", but the fd and
		# the socket share no inode for v_socket_owners to join on: as of
		# this writing this check fails (an analyzer bug, reported).
		expect "ss -tanp: owners" "$(q "$tdb" "$OWNED_SQL")" "$WANT_OWNED"
	fi
	if tool "ss -tanpe" "$T/ss-tanpe.txt" ss -tanpe; then
		loadtool ss-tanpe "$T/ss-tanpe.txt"
		expect "ss -tanpe: owners" "$(q "$tdb" "$OWNED_SQL")" "$WANT_OWNED"
		"$SM_ANALYZE" sockets "$tdb" --pid "$HPID" --state listen >"$T/out" 2>"$T/err" || fail "sockets on ss -tanpe: exit $?"
		grep -q "127\\.0\\.0\\.1:$LPORT .*users:((\"leaky\",pid=$HPID,fd=$LFD))" "$T/out" || fail "sockets on ss -tanpe: $(cat "$T/out")"
	fi
	if tool "ss -s" "$T/ss-s.txt" ss -s; then
		loadtool ss-s "$T/ss-s.txt"
		expect "ss -s: kind" "$(q "$tdb" "SELECT kind FROM sources")" ss-summary
		expect "ss -s: estab >= 4, timewait >= 1" "$(q "$tdb" "SELECT (SELECT value FROM counters WHERE grp = 'TCP' AND name = 'estab') >= 4, (SELECT value FROM counters WHERE grp = 'TCP' AND name = 'timewait') >= 1")" "1,1"
	fi
	if tool "lsof -nP" "$T/lsof.txt" lsof -nP; then
		loadtool lsof "$T/lsof.txt"
		expect "lsof -nP: kind" "$(q "$tdb" "SELECT kind FROM sources")" lsof
		expect "lsof -nP: owners" "$(q "$tdb" "$OWNED_SQL")" "$WANT_OWNED"
		expect "lsof -nP: orphan" "$(q "$tdb" "SELECT fd, inode FROM v_orphan_fds WHERE pid = $HPID")" "$OFD,$OINO"
		expect "lsof -nP: fd count" "$(q "$tdb" "SELECT fd_count FROM v_fd_usage WHERE pid = $HPID")" "$FDS0"
	fi
	if tool "netstat -s" "$T/netstat-s.txt" netstat -s; then
		loadtool netstat-s "$T/netstat-s.txt"
		expect "netstat -s: kind" "$(q "$tdb" "SELECT kind FROM sources")" netstat-s
		expect "netstat -s: Tcp counters from sentences, no warning" "$(q "$tdb" "SELECT (SELECT count(*) FROM counters WHERE grp = 'Tcp' AND name IN ('ActiveOpens', 'PassiveOpens')), (SELECT count(*) FROM load_notes)")" "2,0"
	fi
	if tool "netstat -anp" "$T/netstat.txt" netstat -anp; then
		loadtool netstat "$T/netstat.txt"
		expect "netstat -anp: kind" "$(q "$tdb" "SELECT kind FROM sources")" netstat
		expect "netstat -anp: states" "$(q "$tdb" "$STATES_SQL")" "$WANT_STATES"
		expect "netstat -anp: process" "$(q "$tdb" "SELECT comm, count(*) FROM processes WHERE pid = $HPID")" "leaky,1"
		# netstat -p names the owner but not the fd: owners with made-up fds
		# (< 0). No inode either: fails like ss -tanp above (reported).
		expect "netstat -anp: owners" "$(q "$tdb" "SELECT count(*), max(o.fd) < 0 FROM v_socket_owners o WHERE o.pid = $HPID")" "6,1"
	fi
	# GO: CW_CLIENT closes, its peer CW_SERVER waits in CLOSE_WAIT.
	kill -USR1 "$HPID"
	i=0
	until grep -q '^GONE ' "$T/leaky.out" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || break
		sleep 0.05
	done
	CW_SQL="SELECT coalesce(v.state, 'none') || ':' || p.pid || ':' || o.fd FROM v_socket_snapshots v JOIN sockets s ON s.id = v.socket_id LEFT JOIN v_socket_owners o ON o.socket_id = s.id LEFT JOIN processes p ON p.id = o.process_id WHERE s.local_port = $LPORT AND s.remote_port = $CCPORT"
	if grep -q '^GONE ' "$T/leaky.out" && tool "ss state close-wait" "$T/ss-close_wait.txt" ss -tanp state close-wait; then
		loadtool ss-close_wait "$T/ss-close_wait.txt"
		expect "ss state close-wait, named so: the helper's socket" "$(q "$tdb" "$CW_SQL")" "CLOSE_WAIT:$HPID:$CSFD"
		expect "ss state close-wait, named so: the note" "$(q "$tdb" "SELECT severity, message LIKE '%taken as close-wait, from the file name' FROM load_notes")" "info,1"
		cp "$T/ss-close_wait.txt" "$T/listing.txt"
		loadtool plain "$T/listing.txt"
		expect "ss state close-wait, not said: state unknown" "$(q "$tdb" "$CW_SQL")" "none:$HPID:$CSFD"
		grep -q "give it with --ss-state NAME" "$T/err" || fail "no --ss-state hint: $(cat "$T/err")"
		tdb="$T/said.db"
		"$SM_ANALYZE" load --ss-state CLOSE_WAIT "$T/listing.txt" -o "$tdb" >"$T/out" 2>"$T/err" || fail "--ss-state: load exit $?: $(cat "$T/err")"
		expect "ss state close-wait, --ss-state: the helper's socket" "$(q "$tdb" "$CW_SQL")" "CLOSE_WAIT:$HPID:$CSFD"
		"$SM_ANALYZE" load --ss-state connected "$T/listing.txt" -o "$T/x.db" >"$T/out" 2>"$T/err"
		rc=$?
		[ $rc -eq 2 ] && grep -q "not one state" "$T/err" || fail "--ss-state connected: exit $rc, want 2: $(cat "$T/err")"
	fi
	# nothing listed (no socket has source port 1): an empty capture, not a bad one
	if tool "ss state, no socket" "$T/none.txt" ss -tan state close-wait "( sport = :1 )" ||
		[ "$(wc -l <"$T/none.txt" 2>/dev/null)" = 1 ]; then
		loadtool none "$T/none.txt"
		expect "ss listing of no socket: loaded, empty" "$(q "$tdb" "SELECT count(*), (SELECT count(*) FROM sockets) FROM sources")" "1,0"
	fi
fi


# --- --series: one host's captures over time -----------------------------------
if ! command -v python3 >/dev/null 2>&1 || ! command -v ss >/dev/null 2>&1; then
	echo "note: no python3 or ss: --series skipped"
else
	cat >"$T/hub.py" <<'PY'
import socket, sys, threading, time
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1024)
held = []
def serve():
    while True:
        held.append(srv.accept()[0])   # never closed: CLOSE_WAIT once the client goes
threading.Thread(target=serve, daemon=True).start()
print(srv.getsockname()[1], flush=True)
time.sleep(120)
PY
	python3 "$T/hub.py" >"$T/hub.port" 2>"$T/hub.err" &
	HUB=$!
	pids="$pids $HUB"
	wait_file "$T/hub.port" || fail "the hub did not start: $(cat "$T/hub.err")"
	HUBPORT=$(cat "$T/hub.port")
	# clients N: N connections to the hub, each closed at once
	clients() {
		python3 -c "import socket
for i in range($1): socket.create_connection(('127.0.0.1', $HUBPORT)).close()"
	}
	cw() { grep -c "CLOSE-WAIT.*:$HUBPORT .*pid=$HUB," "$1"; }
	n=0
	for k in 1 2 3; do
		clients 100
		n=$((n + 100))
		i=0
		# the hub's kernel has taken every FIN before the capture
		until ss -tanp >"$T/series-$k.txt" && [ "$(cw "$T/series-$k.txt")" -ge "$n" ]; do
			i=$((i + 1)); [ $i -lt 100 ] || break
			sleep 0.05
		done
		touch -d "2026-11-24 10:0$((k * 2)):00 UTC" "$T/series-$k.txt"
	done
	expect "--series: CLOSE_WAIT in the three captures" "$(cw "$T/series-1.txt") $(cw "$T/series-2.txt") $(cw "$T/series-3.txt")" "100 200 300"
	sdb="$T/series.db"
	"$SM_ANALYZE" load --series -q -o "$sdb" "$T/series-3.txt" "$T/series-1.txt" "$T/series-2.txt" 2>"$T/err" ||
		fail "load --series: exit $?: $(cat "$T/err")"
	expect "--series: one source of three snapshots" "$(q "$sdb" "SELECT count(*), sum(snapshots), min(kind) FROM sources")" "1,3,ss"
	expect "--series: snapshots in time order" \
		"$(q "$sdb" "SELECT group_concat(seq || '@' || strftime('%H:%M', wall_ns / 1e9, 'unixepoch'), ' ') FROM (SELECT * FROM snapshots ORDER BY id)")" \
		"1@10:02 2@10:04 3@10:06"
	expect "--series: the hub is one process" "$(q "$sdb" "SELECT count(*) FROM processes WHERE pid = $HUB")" "1"
	expect "--series: its CLOSE_WAIT per snapshot" \
		"$(q "$sdb" "SELECT group_concat(sockets, ' ') FROM (SELECT sockets FROM v_state_counts v JOIN processes p ON p.id = v.process_id WHERE p.pid = $HUB AND state = 'CLOSE_WAIT' ORDER BY snapshot_id)")" \
		"100 200 300"
	"$SM_ANALYZE" load --series -o "$sdb" "$T/series-1.txt" "$T/series-2.txt" "$T/series-3.txt" 2>"$T/err" ||
		fail "load --series again: exit $?"
	grep -q "1 already there" "$T/err" || fail "--series loaded twice: $(cat "$T/err")"
	"$SM_ANALYZE" report --series --format json "$T/series-2.txt" "$T/series-3.txt" "$T/series-1.txt" >"$T/series.json" 2>"$T/err" ||
		fail "report --series: exit $?: $(cat "$T/err")"
	expect "report --series: one finding, on the hub, growing" \
		"$(jq -r '[.findings[] | "\(.rule):\(.pid):\(.figures.close_wait_first):\(.figures.close_wait_last):\(.figures.snapshots):\(.figures.slope_per_min > 0)"] | join(" ")' "$T/series.json")" \
		"close_wait_leak:$HUB:100:300:3:true"
	"$SM_ANALYZE" report --format json "$T/series-1.txt" "$T/series-2.txt" "$T/series-3.txt" >"$T/apart.json" 2>"$T/err"
	expect "report without --series: three single-snapshot findings" \
		"$(jq -r '[.findings[] | select(.rule == "close_wait_leak") | .figures.snapshots] | join(" ")' "$T/apart.json")" "1 1 1"
	grep -q "3 ss captures hold the same process (.*pid [0-9]*): .*--series follows them" "$T/err" ||
		fail "report without --series: no hint to give it: $(cat "$T/err")"
	"$SM_ANALYZE" report --series --format json "$T/series-1.txt" "$T/series-2.txt" >/dev/null 2>"$T/err"
	[ ! -s "$T/err" ] || fail "report --series: stderr not empty: $(cat "$T/err")"
	# Downloaded from a ticket, files share one mtime: times come from names.
	mkdir -p "$T/copied"
	for k in 1 2 3; do
		cp "$T/series-$k.txt" "$T/copied/ss-20261124-10$((k * 2 + 10)).txt"
		cp "$T/series-$k.txt" "$T/copied/plain-$k.txt"
	done
	"$SM_ANALYZE" load --series -q -o "$T/named.db" "$T/copied/ss-20261124-1016.txt" "$T/copied/ss-20261124-1012.txt" \
		"$T/copied/ss-20261124-1014.txt" 2>"$T/err" || fail "load --series of named copies: exit $?: $(cat "$T/err")"
	[ ! -s "$T/err" ] || fail "load --series of named copies: stderr: $(cat "$T/err")"
	expect "--series of copies named by time: timed and ordered by their names" \
		"$(q "$T/named.db" "SELECT group_concat(strftime('%H:%M', wall_ns / 1e9, 'unixepoch'), ' ') FROM (SELECT * FROM snapshots ORDER BY id)") $(q "$T/named.db" "SELECT group_concat(sockets, ' ') FROM (SELECT sockets FROM v_state_counts v JOIN processes p ON p.id = v.process_id WHERE p.pid = $HUB AND state = 'CLOSE_WAIT' ORDER BY snapshot_id)")" \
		"10:12 10:14 10:16 100 200 300"
	"$SM_ANALYZE" load --series -q -o "$T/plain.db" "$T"/copied/plain-*.txt 2>"$T/err" || fail "load --series of copies: exit $?"
	grep -q "mtimes are within 1 s of each other" "$T/err" || fail "--series of copies with one mtime: no warning: $(cat "$T/err")"
	expect "--series of copies with one mtime: the warning is a load note too" \
		"$(q "$T/plain.db" "SELECT count(*) FROM load_notes WHERE severity = 'warning' AND message LIKE '%name them by their times%'")" "1"
	# As a ticket's attachment: a directory, a tar.gz of it, with a note beside.
	mkdir -p "$T/ticket"
	cp "$T"/copied/ss-20261124-10*.txt "$T/ticket/"
	echo "captured by hand during the incident" >"$T/ticket/README.txt"
	(cd "$T/ticket" && tar -czf "$T/ticket.tar.gz" .)
	for input in "$T/ticket" "$T/ticket.tar.gz"; do
		"$SM_ANALYZE" report --series --format json "$input" >"$T/ticket.json" 2>"$T/err" ||
			fail "report --series $(basename "$input"): exit $?: $(cat "$T/err")"
		expect "report --series $(basename "$input"): the hub's growth, from the names' times" \
			"$(jq -r '[.findings[] | "\(.rule):\(.pid):\(.figures.close_wait_first):\(.figures.close_wait_last):\(.figures.snapshots):\(.figures.span_min)"] | join(" ")' "$T/ticket.json")" \
			"close_wait_leak:$HUB:100:300:3:4"
		grep -q "README.txt' (unknown format) is not a socket capture .*: left out" "$T/err" ||
			fail "report --series $(basename "$input"): the README is not said to be left out: $(cat "$T/err")"
	done
	refused() { # label want-exit want-text args...
		label=$1 want=$2 text=$3
		shift 3
		"$SM_ANALYZE" "$@" >"$T/out" 2>"$T/err"
		rc=$?
		if [ $rc -eq "$want" ] && grep -q -- "$text" "$T/err"; then note "$label: exit $rc"; else
			fail "$label: exit $rc, want $want and '$text': $(cat "$T/err")"; fi
	}
	refused "--series of two formats" 1 "series-1.txt' is ss but .*netstat" \
		report --series "$CORPUS/netstat/$(ls "$CORPUS/netstat" | head -n 1)" "$T/series-1.txt"
	refused "--series with a goroutine dump" 1 "is not a socket capture" \
		report --series "$T/series-1.txt" "$CORPUS/goroutine-debug2/$(ls "$CORPUS/goroutine-debug2" | head -n 1)"
	refused "--series with --at" 2 "a --series times each file" load --series --at 1700000000 -o "$T/x.db" "$T/series-1.txt"
	refused "--series with a file twice" 1 "is given twice" load --series -o "$T/x.db" "$T/series-1.txt" "$T/series-2.txt" "$T/series-1.txt"
	kill "$HUB" 2>/dev/null
fi

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"
	exit 1
fi
echo PASS
exit 0
