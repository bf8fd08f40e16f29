#!/bin/sh
# redact_e2e: secrets stay out of bundles (issue 8, "Secrets").
#
#  1. A process started with `--password=hunter2 token=abc
#     https://user:pw@example.com --secret hunter3` and a secret in its
#     environment, recorded with `sockmortem-collect --redact --with-tools`:
#     no member of the bundle holds hunter2, hunter3, abc (as a value) or
#     pw, nor the environment's secret; the cmdline still names every
#     argument (--password=redacted:sha256:..., token=..., https://...
#     @example.com); the manifest says what was redacted under which key id.
#  2. Without --redact: the environment is still never recorded, and the
#     bundle is mode 0600 even when -f overwrites a 0644 file.
#  3. `sockmortem export BUNDLE --redact-ips -o OUT`: the plain bundle's
#     secrets are gone from OUT (mode 0600), which loads; a database is
#     refused (exit 2), an existing OUT without -f too (exit 1).
#  4. As root, with --pcap on lo: a payload sent over loopback is not in
#     the bundle (headers only by default), also with --redact-ips.
#
# Environment: SM_COLLECT, SM_ANALYZE. Exit: 0 pass, 77 skip, else fail.
set -u
. "$SM_ROOT/tests/lib.sh"

[ -x "${SM_COLLECT:-}" ] || skip "SM_COLLECT not built"
[ -x "${SM_ANALYZE:-}" ] || skip "SM_ANALYZE not built"
command -v python3 >/dev/null 2>&1 || skip "python3 missing (make deps installs it)"
tar --zstd -tf /dev/null >/dev/null 2>&1 || tar --help 2>/dev/null | grep -q zstd || skip "tar without --zstd"

tmp=$(mktemp -d /tmp/sm-redact.XXXXXX) || fail "mktemp"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
errs=""
bad() { echo "FAIL: $*"; errs="$errs
  $*"; }

SM_TEST_ENV_SECRET=zq8envsecret python3 -c 'import time; time.sleep(120)' \
	--password=hunter2 token=abc https://user:pw@example.com --secret hunter3 >/dev/null 2>&1 &
victim=$!
pids="$pids $victim"
i=0
while ! tr '\0' ' ' <"/proc/$victim/cmdline" 2>/dev/null | grep -q hunter3 && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# all MEMBERS of a bundle, concatenated
members() { tar --zstd -xOf "$1" 2>/dev/null; }

# 1. --redact
"$SM_COLLECT" -o "$tmp/r.tar.zst" -n 2 -i 200ms -p "$victim" --with-tools --redact -q ||
	fail "collect --redact exited $?"
members "$tmp/r.tar.zst" >"$tmp/r.all"
for s in hunter2 hunter3 token=abc :pw@ zq8envsecret; do
	grep -a -q -- "$s" "$tmp/r.all" && bad "--redact bundle still holds '$s'"
done
tar --zstd -xOf "$tmp/r.tar.zst" "snap/000001/proc/$victim/cmdline" 2>/dev/null | tr '\0' '\n' >"$tmp/cmdline" ||
	bad "no cmdline member for pid $victim"
for want in '^--password=redacted:sha256:[0-9a-f]\{8\}$' '^token=redacted:sha256:[0-9a-f]\{8\}$' \
	    '^https://redacted:sha256:[0-9a-f]\{8\}@example.com$' '^--secret$' '^redacted:sha256:[0-9a-f]\{8\}$'; do
	grep -q -- "$want" "$tmp/cmdline" || bad "cmdline lacks a line matching $want: $(tr '\n' ' ' <"$tmp/cmdline")"
done
# Once the pseudonyms are gone, no trace of the values is left.
sed 's/redacted:sha256:[0-9a-f]\{8\}/X/g' "$tmp/cmdline" | grep -E -q 'abc|pw|hunter' &&
	bad "cmdline still shows a secret: $(tr '\n' ' ' <"$tmp/cmdline")"
tar --zstd -xOf "$tmp/r.tar.zst" manifest.json >"$tmp/manifest.json"
python3 - "$tmp/manifest.json" <<'PY' || bad "manifest redaction record wrong: $(cat "$tmp/manifest.json")"
import json, sys
m = json.load(open(sys.argv[1]))
r = m["redaction"]
assert r["args"] is True and r["ips"] is False and len(r["key_id"]) == 16, r
assert m["options"]["redact"] is True, m["options"]
PY
[ "$(stat -c %a "$tmp/r.tar.zst")" = 600 ] || bad "bundle mode $(stat -c %a "$tmp/r.tar.zst"), want 600"
"$SM_ANALYZE" load "$tmp/r.tar.zst" -o "$tmp/r.db" -q || bad "redacted bundle does not load"

# 2. No --redact: never the environment; 0600 even over a 0644 file.
: >"$tmp/p.tar.zst"
chmod 644 "$tmp/p.tar.zst"
"$SM_COLLECT" -o "$tmp/p.tar.zst" -f -n 2 -i 200ms -p "$victim" --with-tools -q || fail "collect exited $?"
[ "$(stat -c %a "$tmp/p.tar.zst")" = 600 ] || bad "-f over a 0644 file left mode $(stat -c %a "$tmp/p.tar.zst")"
members "$tmp/p.tar.zst" >"$tmp/p.all"
grep -a -q zq8envsecret "$tmp/p.all" && bad "the environment was recorded"
grep -a -q hunter2 "$tmp/p.all" || bad "the plain bundle lacks the cmdline (test broken?)"

# 3. export
"$SM_ANALYZE" export "$tmp/p.tar.zst" --redact-ips -o "$tmp/e.tar.zst" 2>"$tmp/export.err" ||
	bad "export exited $?: $(cat "$tmp/export.err")"
[ "$(stat -c %a "$tmp/e.tar.zst" 2>/dev/null)" = 600 ] || bad "export mode $(stat -c %a "$tmp/e.tar.zst" 2>/dev/null)"
members "$tmp/e.tar.zst" >"$tmp/e.all"
for s in hunter2 hunter3 token=abc :pw@; do
	grep -a -q -- "$s" "$tmp/e.all" && bad "exported bundle still holds '$s'"
done
[ "$(tar --zstd -tf "$tmp/e.tar.zst" | wc -l)" = "$(tar --zstd -tf "$tmp/p.tar.zst" | wc -l)" ] ||
	bad "export changed the member count"
grep -a -q '"redaction":{"args":true,"ips":true' "$tmp/e.all" || bad "export manifest lacks its redaction record"
"$SM_ANALYZE" load "$tmp/e.tar.zst" -o "$tmp/e.db" -q || bad "exported bundle does not load"
"$SM_ANALYZE" query "$tmp/e.db" "SELECT cmdline FROM processes WHERE pid = $victim" --csv >"$tmp/e.q" 2>&1
grep -q -- '--password=redacted:sha256:' "$tmp/e.q" || bad "exported cmdline not as expected: $(cat "$tmp/e.q")"
"$SM_ANALYZE" export "$tmp/e.db" --redact -o "$tmp/x.tar.zst" 2>/dev/null
[ $? -eq 2 ] || bad "export of a database: want exit 2"
"$SM_ANALYZE" export "$tmp/p.tar.zst" --redact -o "$tmp/e.tar.zst" 2>/dev/null
[ $? -eq 1 ] || bad "export over an existing file without -f: want exit 1"
"$SM_ANALYZE" export "$tmp/p.tar.zst" -o "$tmp/y.tar.zst" 2>/dev/null
[ $? -eq 2 ] || bad "export without --redact: want exit 2"

# 4. Captures keep headers only (root: packet capture).
if [ "$(id -u)" = 0 ]; then
	port=$((30000 + $$ % 10000))
	"$SM_COLLECT" -o "$tmp/c.tar.zst" -i 300ms -d 3s -p "$victim" --pcap "tcp port $port" --pcap-iface lo \
		--redact-ips -q 2>"$tmp/c.err" &
	cpid=$!
	pids="$pids $cpid"
	sleep 1
	python3 - "$port" <<'PY' 2>"$tmp/py.err" || bad "loopback exchange failed: $(cat "$tmp/py.err")"
import socket, sys
port = int(sys.argv[1])
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(1)
c = socket.create_connection(("127.0.0.1", port)); a, _ = s.accept()
c.sendall(b"PAYLOAD-zq8pkt-" * 20); a.recv(4096); a.sendall(b"REPLY-zq8pkt"); c.recv(100)
c.close(); a.close(); s.close()
PY
	wait "$cpid"
	rc=$?
	if grep -qi 'cannot capture\|CAP_NET_RAW\|permission\|collecting without packets' "$tmp/c.err"; then
		echo "note: capture unavailable here: $(cat "$tmp/c.err")"
	elif [ $rc -ne 0 ]; then
		bad "collect --pcap --redact-ips exited $rc: $(cat "$tmp/c.err")"
	else
		tar --zstd -tf "$tmp/c.tar.zst" | grep -q '\.pcap$' || bad "no capture segment in the bundle"
		members "$tmp/c.tar.zst" | grep -a -q zq8pkt && bad "packet payload recorded"
		"$SM_ANALYZE" load "$tmp/c.tar.zst" -o "$tmp/c.db" -q || bad "capture bundle does not load"
		n=$("$SM_ANALYZE" query "$tmp/c.db" "SELECT count(*) FROM packets" --csv 2>/dev/null | tail -n 1)
		case $n in ''|*[!0-9]*|0) echo "note: packets table: '$n'" ;; esac
	fi
fi

[ -z "$errs" ] || fail "$(echo "$errs" | wc -l) problem(s):$errs"
echo "redact_e2e: ok"
