#!/bin/sh
# report_html: `sockmortem report --format html`, looked at in headless Chromium.
#
# Two reports: a fresh recording of a CLOSE_WAIT leak whose binary is named
# '<script>|`x' (tests/support/report_lab.sh: markup from a stranger's host
# must stay text), and the shipped demo bundle (tests/data/demo/, nginx in
# front of a deadlocked Go service: goroutine charts, pcap events).
# For each:
#   - the file is one self-contained page: no <script>, no external
#     resource (src=, <link, url(, @import), the hostile name escaped;
#   - tests/support/report_layout.html loads it in a 1280 px and a 420 px
#     frame (chromium --dump-dom) and measures: no element wider than the
#     frame, no script or image elements, the expected charts present with
#     labelled axes (tick texts inside the SVG, none empty), marks drawn;
#   - a screenshot (chromium --screenshot) is decoded by
#     tests/support/pngcheck.py: the plot area of every chart that must
#     show data holds coloured pixels (series), not only the grid.
# Skips (77) without chromium (make deps installs Debian's `chromium`).
set -u
. "$SM_ROOT/tests/lib.sh"
: "${SM_ANALYZE:?}" "${SM_COLLECT:?}" "${SM_HELPERS:?}"
for b in "$SM_ANALYZE" "$SM_COLLECT" "$SM_HELPERS/rulelab"; do
	[ -x "$b" ] || skip "$b not built"
done
CHROMIUM=$(command -v chromium || command -v chromium-browser) || skip "chromium not installed (make deps)"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
command -v jq >/dev/null 2>&1 || skip "jq not installed"
[ -r /proc/self/net/tcp ] || skip "no /proc/net/tcp"

T=$(mktemp -d /tmp/sm-report-html.XXXXXX) || exit 1
. "$SM_ROOT/tests/support/report_lab.sh"
trap 'lab_stop; [ -n "${SM_KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
note() { echo "ok: $*"; }

# chrome ARGS...: headless Chromium with its profile in $T; 60 s at most.
chrome() {
	HOME="$T" timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$T/profile" "$@" 2>>"$T/chromium.log"
}

# static_checks HTML: one self-contained page, nothing executable in it.
static_checks() {
	head -c 15 "$1" | grep -q '<!DOCTYPE html>' || fail "$1: not an HTML document"
	grep -qi '<script' "$1" && fail "$1: contains a <script> element"
	grep -qiE ' src=|<link|url\(|@import' "$1" && fail "$1: refers to an external resource"
	grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$1" || fail "$1: no CSP"
	grep -q '</html>' "$1" || fail "$1: truncated"
}

# measure HTML OUT.json: the layout numbers of report_layout.html.
measure() {
	mkdir -p "$T/m" && cp "$1" "$T/m/report.html" && cp "$SM_ROOT/tests/support/report_layout.html" "$T/m/"
	chrome --allow-file-access-from-files --virtual-time-budget=5000 --dump-dom "file://$T/m/report_layout.html" \
		>"$T/m/dom.html" || fail "chromium --dump-dom failed: $(tail -n 3 "$T/chromium.log")"
	python3 -c 'import html, re, sys
m = re.search(r"<pre id=\"out\">(.*?)</pre>", open(sys.argv[1]).read(), re.S)
sys.stdout.write(html.unescape(m.group(1)) if m else "{}")' "$T/m/dom.html" >"$2"
	jq -e '.wide.charts' "$2" >/dev/null || fail "no layout measured: $(head -c 300 "$2")"
}

# layout_checks M.json WANT_KINDS: charts of those kinds, axes labelled,
# marks drawn, nothing wider than the frame (wide and narrow).
layout_checks() {
	for f in wide narrow; do
		jq -e --arg f "$f" '.[$f] | .error == null and .scripts == 0 and .imgs == 0' "$1" >/dev/null ||
			fail "$f: scripts/images or not loaded: $(jq -c --arg f "$f" '.[$f] | {error, scripts, imgs}' "$1")"
		jq -e --arg f "$f" '.[$f] | (.over | length) == 0 and .scrollWidth <= .width' "$1" >/dev/null ||
			fail "$f: wider than the frame: $(jq -c --arg f "$f" '.[$f] | {width, scrollWidth, over}' "$1")"
		bad=$(jq -c --arg f "$f" '[.[$f].charts[] | select(.xticks.n < 2 or .yticks.n < 1 or .xticks.empty > 0
			or .yticks.empty > 0 or .xticks.outside > 0 or .yticks.outside > 0 or .marks < 1
			or .plot == null or .plot.w < 100)] | map(.id)' "$1")
		[ "$bad" = "[]" ] || fail "$f: charts without labelled axes or marks: $bad"
	done
	for k in $2; do
		jq -e --arg k "$k" '[.wide.charts[] | select(.kind == $k)] | length > 0' "$1" >/dev/null ||
			fail "no '$k' chart: $(jq -c '[.wide.charts[].kind]' "$1")"
		jq -e --arg k "$k" '[.wide.charts[] | select(.kind == $k and .yticks.n >= 2 and .xticks.n >= 2)] | length > 0' \
			"$1" >/dev/null || fail "'$k' chart has too few ticks"
	done
	note "layout: $(jq -c '[.wide.charts[] | .kind]' "$1"), nothing overflows at 1280 or 420 px"
}

# look HTML M.json KINDS NAME: screenshot; the first chart of each kind
# must show coloured marks in its plot area.
look() {
	jq '[.wide.charts | group_by(.kind)[] | .[0] | select(.kind as $k | $ARGS.positional | index($k)) |
		{id, x: (.plot.x + 3), y: (.plot.y + 3), w: (.plot.w - 6), h: (.plot.h - 6)}]' --args $3 <"$2" >"$T/$4.regions.json"
	h=$(jq '[.[] | .y + .h] | max + 40 | if . < 2000 then 2000 else . end | floor' "$T/$4.regions.json")
	chrome --window-size="1280,$h" --screenshot="$T/$4.png" "file://$1" >/dev/null ||
		fail "chromium --screenshot failed: $(tail -n 3 "$T/chromium.log")"
	[ -s "$T/$4.png" ] || fail "no screenshot"
	python3 "$SM_ROOT/tests/support/pngcheck.py" "$T/$4.png" "$T/$4.regions.json" || fail "blank chart in the screenshot"
	[ -z "${SM_KEEP_SHOT:-}" ] || cp "$T/$4.png" "$SM_KEEP_SHOT.$4.png"
	note "screenshot 1280x$h: charts $3 drawn"
}

# --- 1: a hostile leak, recorded now ----------------------------------------
lab_record "$T/lab.tar.zst"
"$SM_ANALYZE" report "$T/lab.tar.zst" --format html -o "$T/lab.html" 2>"$T/report.err" ||
	fail "report exit $?: $(cat "$T/report.err")"
static_checks "$T/lab.html"
grep -q '&lt;script&gt;|`x' "$T/lab.html" || fail "the hostile name is not in the report, escaped"
note "self-contained, no script, hostile name escaped"
# text and json do not pay for the charts
"$SM_ANALYZE" report "$T/lab.tar.zst" --format json -o "$T/lab.json" 2>/dev/null || fail "json report"
jq -e '.verdict.culprit.pid' "$T/lab.json" >/dev/null || fail "no culprit in the lab: $(jq -c .verdict "$T/lab.json")"
measure "$T/lab.html" "$T/lab.m.json"
jq -e --arg n "$HOSTILE_NAME" '.wide.title | contains($n)' "$T/lab.m.json" >/dev/null ||
	fail "the page title does not show the name as text: $(jq -c .wide.title "$T/lab.m.json")"
jq -e '.wide.verdict | contains("<script>")' "$T/lab.m.json" >/dev/null || fail "verdict does not show the name as text"
layout_checks "$T/lab.m.json" "states fds timeline"
look "$T/lab.html" "$T/lab.m.json" "states fds timeline" lab

# --- 2: the demo bundle (a Go service deadlocked behind nginx) --------------
DEMO=$(ls "$SM_ROOT"/tests/data/demo/*.tar.zst 2>/dev/null | head -n 1)
if [ -n "$DEMO" ]; then
	"$SM_ANALYZE" report "$DEMO" --format html -o "$T/demo.html" 2>"$T/report.err" ||
		fail "demo report exit $?: $(cat "$T/report.err")"
	static_checks "$T/demo.html"
	measure "$T/demo.html" "$T/demo.m.json"
	layout_checks "$T/demo.m.json" "states fds goroutines timeline"
	look "$T/demo.html" "$T/demo.m.json" "states goroutines timeline" demo
else
	echo "note: no demo bundle in tests/data/demo/, part 2 not run"
fi
echo pass
