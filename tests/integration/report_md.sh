#!/bin/sh
# report_md: `sockmortem report --format md`, the Markdown for a ticket.
#
# A fresh recording of a CLOSE_WAIT leak whose binary is named
# '<script>|`x' (tests/support/report_lab.sh), and the shipped demo bundle
# (tests/data/demo/). tests/support/mdcheck.py checks the structure (title,
# verdict, findings, timeline, inputs), that every table row has its
# header's cell count (pipes from the data escaped), that no `<` outside
# code can become HTML, that code spans close, that the timeline is
# condensed, and that the hostile name sits in a code span. Also: the
# verdict names the culprit, a finding has its evidence table and remedy,
# the SQL is fenced, text/json are unchanged by the new formats.
set -u
. "$SM_ROOT/tests/lib.sh"
: "${SM_ANALYZE:?}" "${SM_COLLECT:?}" "${SM_HELPERS:?}"
for b in "$SM_ANALYZE" "$SM_COLLECT" "$SM_HELPERS/rulelab"; do
	[ -x "$b" ] || skip "$b not built"
done
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"
[ -r /proc/self/net/tcp ] || skip "no /proc/net/tcp"

T=$(mktemp -d /tmp/sm-report-md.XXXXXX) || exit 1
. "$SM_ROOT/tests/support/report_lab.sh"
trap 'lab_stop; [ -n "${SM_KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
note() { echo "ok: $*"; }

lab_record "$T/lab.tar.zst"
"$SM_ANALYZE" report "$T/lab.tar.zst" --format md -o "$T/lab.md" 2>"$T/report.err" ||
	fail "report exit $?: $(cat "$T/report.err")"
python3 "$SM_ROOT/tests/support/mdcheck.py" "$T/lab.md" "$HOSTILE_NAME" || { head -n 40 "$T/lab.md"; fail "lab.md"; }
grep -q '^\*\*`` <script>\\|`x `` (pid [0-9]*)\*\*: ' "$T/lab.md" || fail "the verdict does not name the culprit: $(sed -n 5p "$T/lab.md")"
grep -q '^### \[1\] [a-z]*: close_wait_leak$' "$T/lab.md" || fail "no close_wait_leak finding first"
grep -q '^| evidence | ' "$T/lab.md" || fail "no evidence table"
grep -q '^\*\*Remedy:\*\* ' "$T/lab.md" || fail "no remedy"
grep -q '^```sql$' "$T/lab.md" || fail "no fenced SQL"
grep -q '^| time (UTC) | kind | event |$' "$T/lab.md" || fail "no timeline table"
note "lab: structure, escaping, verdict, evidence, remedy, SQL, timeline"

# -o and stdout agree; --format markdown is the same; text/json unaffected
"$SM_ANALYZE" report "$T/lab.tar.zst" --format markdown >"$T/lab2.md" 2>/dev/null || fail "--format markdown"
grep -v '^_Generated' "$T/lab.md" >"$T/a.md"
grep -v '^_Generated' "$T/lab2.md" >"$T/b.md"
# a second report of the same bundle: only the live-derived times may differ
[ "$(wc -l <"$T/a.md")" = "$(wc -l <"$T/b.md")" ] || fail "stdout report differs from -o: $(diff "$T/a.md" "$T/b.md" | head -n 5)"
"$SM_ANALYZE" report "$T/lab.tar.zst" >"$T/lab.txt" 2>/dev/null || fail "text report"
head -n 1 "$T/lab.txt" | grep -q '^VERDICT: ' || fail "text report changed: $(head -n 1 "$T/lab.txt")"
"$SM_ANALYZE" report "$T/lab.tar.zst" --format xml >/dev/null 2>&1 && fail "--format xml accepted"
note "stdout, --format markdown, text unchanged, bad format refused"

DEMO=$(ls "$SM_ROOT"/tests/data/demo/*.tar.zst 2>/dev/null | head -n 1)
if [ -n "$DEMO" ]; then
	"$SM_ANALYZE" report "$DEMO" --format md -o "$T/demo.md" 2>"$T/report.err" || fail "demo report exit $?"
	python3 "$SM_ROOT/tests/support/mdcheck.py" "$T/demo.md" || fail "demo.md"
	grep -q '^### \[[0-9]*\] [a-z]*: lock_wait$' "$T/demo.md" || fail "demo: no lock_wait finding"
	note "demo: $(grep -c '^### ' "$T/demo.md") findings"
fi
echo pass
