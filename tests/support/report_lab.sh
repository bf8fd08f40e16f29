# report_lab.sh: a small hostile recording for the md and html report tests
# (sourced by tests/integration/report_html.sh and report_md.sh).
#
# A CLOSE_WAIT leak (tests/helpers/rulelab cw-server) runs from a binary
# named HOSTILE_NAME, so its comm and cmdline carry markup, a pipe and a
# backtick into every report; a client hangs up on it 5 times a second.
# lab_record OUT: records 16 snapshots 2 s apart of both into the bundle OUT
# (30 s: close_wait_leak wants growth over half a minute).
# Needs $T (the test's temp dir), SM_COLLECT and SM_HELPERS; every process
# it starts is in LAB_PIDS for the caller's cleanup, ended by pid.

HOSTILE_NAME='<script>|`x'
LAB_PIDS=""

# lab_start OUT ARGS...: rulelab ARGS in the background, from binary OUT;
# waits for READY; sets LAB_PID and LAB_PORT.
lab_start() {
	bin=$1; shift
	"$bin" "$@" >"$T/lab.$#.out" 2>"$T/lab.$#.err" &
	LAB_PID=$!
	LAB_PIDS="$LAB_PIDS $LAB_PID"
	wait_ready "$LAB_PID" "$T/lab.$#.out" "$T/lab.$#.err" "rulelab $*" 10
	LAB_PORT=$(sed -n 's/^READY port=\([0-9]*\).*/\1/p' "$T/lab.$#.out")
}

lab_stop() {
	for p in $LAB_PIDS; do kill "$p" 2>/dev/null; done
	for p in $LAB_PIDS; do wait "$p" 2>/dev/null; done
	LAB_PIDS=""
}

lab_record() {
	cp "$SM_HELPERS/rulelab" "$T/$HOSTILE_NAME" || fail "cannot copy rulelab"
	lab_start "$T/$HOSTILE_NAME" cw-server
	LAB_SERVER=$LAB_PID
	lab_start "$SM_HELPERS/rulelab" dial "$LAB_PORT" 5 10
	LAB_CLIENT=$LAB_PID
	sleep 1
	"$SM_COLLECT" -o "$1" -i 2 -n 16 -p "$LAB_SERVER" -p "$LAB_CLIENT" -q 2>"$T/collect.err" ||
		fail "collector exit $?: $(cat "$T/collect.err")"
	lab_stop
}
