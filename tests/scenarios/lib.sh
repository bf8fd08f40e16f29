# Shared helpers for the lab scenarios (sourced by tests/scenarios/NN_*.sh).
#
# A scenario: sc_init NAME; start its processes (sc_track PID for each);
# sc_collect N [collector options]; sc_load; check the raw evidence with
# sc_q; sc_report (skips with 77 when the analyzer has no `report` yet);
# then sc_expect, sc_expect_not, sc_expect_no_leak, sc_expect_verdict on
# the JSON; sc_done.
#
# Every process a scenario starts is tracked by PID and ended by PID on
# exit (TERM, then KILL for survivors); nothing is ever killed by name.
# Network: 127.0.0.1 only. SM_KEEP=1 keeps the temp dir (bundle, DB,
# report.json, logs) for a post-mortem of the post-mortem.
#
# Environment (from tests/run.sh): SM_COLLECT, SM_ANALYZE, SM_HELPERS, SM_ROOT.
case $0 in
*/scenarios/lib.sh | scenarios/lib.sh)
	# tests/run.sh runs every tests/scenarios/*.sh: this one is no scenario.
	echo "skip: tests/scenarios/lib.sh holds the scenarios' helpers; it is not a test"
	exit 77
	;;
esac
. "$SM_ROOT/tests/lib.sh"

SC_PIDS=""
SC_FAILS=0
tmp=""

# sc_start_ticks PID: the process's start time (stat field 22), which tells
# it apart from a later process that reuses the pid.
sc_start_ticks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }

# sc_ours PID:TICKS: still the process that was tracked?
sc_ours() { [ "$(sc_start_ticks "${1%%:*}")" = "${1#*:}" ]; }

sc_cleanup() {
	# Newest first: load generators before the servers they talk to. Only
	# the processes we started: a pid whose start time changed was reused.
	list=""
	for e in $SC_TRACKED; do list="$e $list"; done
	for e in $list; do sc_ours "$e" && kill -TERM "${e%%:*}" 2>/dev/null; done
	i=0
	while [ $i -lt 30 ]; do
		alive=""
		for e in $list; do sc_ours "$e" && alive="$alive $e"; done
		[ -z "$alive" ] && break
		sleep 0.1
		i=$((i + 1))
	done
	for e in $list; do sc_ours "$e" && kill -KILL "${e%%:*}" 2>/dev/null; done
	for e in $list; do wait "${e%%:*}" 2>/dev/null; done
	if [ -n "$tmp" ] && [ -d "$tmp" ]; then
		[ "${SM_KEEP:-0}" = 1 ] || rm -rf "$tmp"
	fi
}

# sc_init NAME: checks the environment, makes $tmp, installs the trap.
sc_init() {
	[ -n "${SM_COLLECT:-}" ] && [ -x "$SM_COLLECT" ] || fail "SM_COLLECT is not an executable: '${SM_COLLECT:-}'"
	[ -n "${SM_ANALYZE:-}" ] && [ -x "$SM_ANALYZE" ] || fail "SM_ANALYZE is not an executable: '${SM_ANALYZE:-}'"
	command -v jq >/dev/null 2>&1 || skip "jq not installed (make deps installs it)"
	[ -r /proc/net/tcp ] || skip "no /proc/net/tcp"
	tmp=$(mktemp -d "/tmp/sm-lab-$1.XXXXXX") || fail "mktemp"
	[ "${SM_KEEP:-0}" = 1 ] && echo "SM_KEEP=1: keeping $tmp"
	trap sc_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}

# sc_track PID...: end these on exit (SC_PIDS lists the pids).
SC_TRACKED=""
sc_track() {
	for p in "$@"; do
		SC_PIDS="$SC_PIDS $p"
		SC_TRACKED="$SC_TRACKED $p:$(sc_start_ticks "$p")"
	done
}

sc_is_root() { [ "$(id -u)" = 0 ]; }

# sc_helper NAME: path of a C helper built by the Makefile.
sc_helper() {
	h="${SM_HELPERS:-}/$1"
	[ -x "$h" ] || fail "helper '$h' missing (make check-build builds it)"
	echo "$h"
}

# sc_go NAME: builds tests/go/NAME into $tmp/NAME (offline, stdlib only).
sc_go() {
	need_go
	go_build "$SM_ROOT/tests/go/$1" "$tmp/$1" || fail "go build of tests/go/$1 failed"
}

# sc_wait_line FILE [SECONDS]: waits for FILE to hold a full first line.
sc_wait_line() {
	n=$(( ${2:-20} * 10 ))
	i=0
	while [ $i -lt "$n" ]; do
		[ -s "$1" ] && [ "$(wc -l <"$1")" -ge 1 ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# sc_field FILE N: the N-th word of FILE's first line.
sc_field() { head -n 1 "$1" | awk -v n="$2" '{print $n}'; }

# sc_port_listening PORT: a 127.0.0.1 (or wildcard) TCP listener is on PORT.
sc_port_listening() {
	hex=$(printf '%04X' "$1")
	awk -v h=":$hex" '$2 ~ h"$" && $4 == "0A" {found=1} END {exit !found}' /proc/net/tcp /proc/net/tcp6
}

# sc_wait_port PORT [SECONDS]
sc_wait_port() {
	n=$(( ${2:-20} * 10 ))
	i=0
	while [ $i -lt "$n" ]; do
		sc_port_listening "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# sc_free_port: a TCP port on 127.0.0.1 free right now (the kernel picks it).
sc_free_port() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
		return
	fi
	# else: a port in 20000-29999 (below the ephemeral range) no socket uses
	p=$(( 20000 + ($$ * 7919 + $(date +%N | sed 's/^0*//;s/^$/0/')) % 10000 ))
	while awk -v h=":$(printf '%04X' "$p")" '$2 ~ h"$" {f=1} END {exit !f}' /proc/net/tcp /proc/net/tcp6; do
		p=$((p + 1))
	done
	echo "$p"
}

# sc_children PID: the pids of PID's children (nginx workers).
sc_children() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+$'
}

# sc_nginx_start DIR PORT UPSTREAM_PORT READ_TIMEOUT: Debian's nginx with
# its own config, logs and temp paths in DIR, in the foreground; sets
# NGINX_PID (master) and NGINX_WORKERS, all tracked.
sc_nginx_start() {
	command -v nginx >/dev/null 2>&1 || skip "nginx not installed (make deps installs nginx-light)"
	d=$1
	mkdir -p "$d/logs" "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
worker_processes 1;
error_log $d/logs/error.log info;
events { worker_connections 1024; }
http {
    access_log $d/logs/access.log;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    upstream backend { server 127.0.0.1:$3; }
    server {
        listen 127.0.0.1:$2;
        location / {
            proxy_pass http://backend;
            proxy_connect_timeout 2s;
            proxy_read_timeout $4;
            proxy_send_timeout $4;
            proxy_next_upstream off;
        }
    }
}
EOF
	nginx -p "$d" -c "$d/nginx.conf" -g "daemon off; pid $d/nginx.pid;" >"$d/logs/stdout" 2>&1 &
	NGINX_PID=$!
	sc_track "$NGINX_PID"
	sc_wait_port "$2" 10 || { cat "$d/logs/stdout" "$d/logs/error.log" >&2 2>/dev/null; fail "nginx did not listen on $2"; }
	NGINX_WORKERS=$(sc_children "$NGINX_PID" | tr '\n' ' ')
	[ -n "$NGINX_WORKERS" ] || fail "nginx has no worker process"
	sc_track $NGINX_WORKERS
}

# sc_collect N [OPTIONS...]: the real collector over the whole host, one
# snapshot a second, N snapshots, into $tmp/b.tar.zst. When root and
# SC_PCAP is set, also captures packets matching that BPF filter on lo.
SC_PCAP=""
sc_collect() {
	n=$1
	shift
	if [ -n "$SC_PCAP" ] && sc_is_root; then
		set -- "$@" --pcap "$SC_PCAP" --pcap-iface lo
	fi
	# SM_LAB_COLLECT_ARGS: more collector options, after the scenario's (the
	# later -i/-n win), e.g. to record the small demo bundle (tests/data/demo/).
	# shellcheck disable=SC2086
	set -- "$@" ${SM_LAB_COLLECT_ARGS:-}
	echo "collecting $n snapshots: $*"
	"$SM_COLLECT" -o "$tmp/b.tar.zst" -i 1 -n "$n" -q "$@" 2>"$tmp/collect.err" ||
		{ cat "$tmp/collect.err" >&2; fail "collector failed"; }
	# SM_LAB_BUNDLE=FILE: keep a copy of the bundle.
	[ -z "${SM_LAB_BUNDLE:-}" ] || cp "$tmp/b.tar.zst" "$SM_LAB_BUNDLE" || fail "cannot copy the bundle"
}

sc_load() {
	"$SM_ANALYZE" load "$tmp/b.tar.zst" -o "$tmp/db" -q 2>"$tmp/load.err" ||
		{ cat "$tmp/load.err" >&2; fail "load failed"; }
}

# sc_q SQL: one query on the DB, CSV without the header (alias every
# multi-line expression: the header is the expression's text).
sc_q() { "$SM_ANALYZE" query "$tmp/db" "$1" --csv | tail -n +2; }

# sc_series PID STATE: the per-snapshot socket counts of PID in STATE, as
# "a b c ..." (0 for snapshots where it had none).
sc_series() {
	sc_q "SELECT coalesce((SELECT sum(c.sockets) FROM v_state_counts c WHERE c.snapshot_id = s.id
	        AND c.pid = $1 AND c.proto LIKE 'tcp%' AND c.state = '$2'), 0) AS n
	      FROM snapshots s ORDER BY s.id" | tr '\n' ' '
}

# sc_tw_series PORT: per snapshot, TIME_WAIT entries with PORT at either end.
sc_tw_series() {
	sc_q "SELECT (SELECT count(*) FROM v_socket_snapshots v WHERE v.snapshot_id = s.id
	        AND v.state = 'TIME_WAIT' AND (v.local_port = $1 OR v.remote_port = $1)) AS n
	      FROM snapshots s ORDER BY s.id" | tr '\n' ' '
}

# sc_median "a b c ...": the median of the numbers.
sc_median() { echo "$1" | tr ' ' '\n' | grep -E '^[0-9]+$' | sort -n | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}'; }

# sc_first_last "a b ... z": prints "a z".
sc_first_last() { echo "$1" | awk '{print $1, $NF}'; }

# sc_check DESCRIPTION COMMAND...: runs COMMAND; a failure is recorded
# (WRONG: ...) and the scenario goes on, so that one run lists every wrong
# expectation.
SC_WRONG=""
sc_check() {
	desc=$1
	shift
	if "$@"; then
		echo "ok: $desc"
		return 0
	fi
	echo "WRONG: $desc" >&2
	SC_FAILS=$((SC_FAILS + 1))
	SC_WRONG="$SC_WRONG
$desc"
	return 1
}


# sc_report: `sockmortem report DB --format json` into $tmp/report.json, or
# skip (77) when the analyzer has no report command yet.
sc_report() {
	if ! "$SM_ANALYZE" report --help >/dev/null 2>&1; then
		[ "$SC_FAILS" -eq 0 ] || fail "$SC_FAILS raw-evidence check(s) failed"
		skip "raw evidence verified; 'sockmortem report' not available yet"
	fi
	"$SM_ANALYZE" report "$tmp/db" --format json -o "$tmp/report.json" 2>"$tmp/report.err" ||
		{ cat "$tmp/report.err" >&2; fail "report failed"; }
	jq -e '.findings | type == "array"' "$tmp/report.json" >/dev/null ||
		fail "report JSON has no findings array"
	echo "findings:"
	jq -r '.findings[] | "  \(.rule) pid=\(.pid) comm=\(.comm) sev=\(.severity) conf=\(.confidence) related=\(.related_process_id // "-"): \(.summary // "")"' "$tmp/report.json"
	jq -r '"verdict: culprit pid=\(.verdict.culprit.pid // "-") rules=\(.verdict.rules // [] | join(",")): \(.verdict.summary // "")"' "$tmp/report.json" 2>/dev/null
}

# sc_has RULE PID: a finding of RULE blames PID.
sc_has() {
	jq -e --arg r "$1" --argjson p "$2" '[.findings[] | select(.rule == $r and .pid == $p)] | length > 0' \
		"$tmp/report.json" >/dev/null
}

# sc_has_any RULE: a finding of RULE, whoever it blames.
sc_has_any() {
	jq -e --arg r "$1" '[.findings[] | select(.rule == $r)] | length > 0' "$tmp/report.json" >/dev/null
}

# sc_expect RULE PID: a finding of RULE blames PID.
sc_expect() { sc_check "$1 blames pid $2" sc_has "$1" "$2"; }

# sc_expect_not RULE PID: no finding of RULE blames PID.
sc_expect_not() { sc_check "no $1 on pid $2" sc_not sc_has "$1" "$2"; }
sc_not() { ! "$@"; }

# sc_in VALUE CANDIDATE...: VALUE is one of the candidates.
sc_in() {
	v=$1
	shift
	for c in "$@"; do [ "$v" = "$c" ] && return 0; done
	return 1
}

# sc_process_id PID: the analyzer's process id for PID (the newest).
sc_process_id() { sc_q "SELECT max(id) FROM processes WHERE pid = $1"; }

# The leak rules: a healthy process must have none of these.
SC_LEAK_RULES="close_wait_leak orphan_socket_fds time_wait_churn established_growth fd_exhaustion goroutine_leak lock_wait listen_overflow"

# sc_expect_no_leak PID: no leak finding blames PID or points at it,
# unless of informational severity.
sc_expect_no_leak() {
	pi=$(sc_process_id "$1")
	bad=$(jq -r --argjson p "$1" --argjson pi "${pi:-null}" --arg rules "$SC_LEAK_RULES" '
		($rules | split(" ")) as $r
		| [.findings[] | select((.rule as $x | $r | index($x)) and .severity != "info"
		    and (.pid == $p or .related_process_id == $pi)) | "\(.rule)(\(.severity))"] | join(" ")' "$tmp/report.json")
	sc_check "no leak finding on pid $1 (got: ${bad:-none})" [ -z "$bad" ]
}

# sc_expect_no_timeout PORT: no peer_timeout_close about connections to or
# from 127.0.0.1:PORT (for scenarios where nothing times out: a close right
# after the last answer is the protocol ending, not a timeout).
sc_expect_no_timeout() {
	got=$(jq -r --arg re "127\\.0\\.0\\.1:$1([^0-9]|$)" '[.findings[] | select(.rule == "peer_timeout_close")
		| select(tostring | test($re)) | "\(.figures.timeout_s // "?") s"] | join(", ")' "$tmp/report.json")
	sc_check "no peer_timeout_close on :$1, nothing times out there (got: ${got:-none})" [ -z "$got" ]
}

# sc_expect_verdict CULPRIT [VICTIM...]: the report's verdict names CULPRIT.
# The whole host is recorded: when the verdict names a process outside this
# scenario (another incident on the host, e.g. a concurrent test run), that
# is noted, not counted; naming a victim, or nobody, is wrong.
sc_expect_verdict() {
	want=$1
	shift
	vp=$(jq -r '.verdict.culprit.pid // empty' "$tmp/report.json")
	if [ -n "$vp" ] && [ "$vp" != "$want" ] && ! sc_in "$vp" "$@" && ! sc_in "$vp" $SC_PIDS; then
		echo "note: the verdict names pid $vp, outside this scenario (another incident on this host); not counted"
		return 0
	fi
	sc_check "the verdict blames pid $want (verdict pid '${vp:-none}')" [ "$vp" = "$want" ]
}

# sc_expect_no_verdict_on PID...: the verdict names none of them.
sc_expect_no_verdict_on() {
	vp=$(jq -r '.verdict.culprit.pid // empty' "$tmp/report.json")
	sc_check "the verdict blames none of $* (verdict pid '${vp:-none}')" sc_not sc_in "$vp" "$@"
}

# sc_done: exit 0 when every expectation held, else fail naming the wrong ones.
sc_done() {
	if [ "$SC_FAILS" -eq 0 ]; then
		echo "pass"
		exit 0
	fi
	fail "$SC_FAILS check(s) failed:$(echo "$SC_WRONG" | sed 's/^/ /' | tr '\n' ';')"
}
