# Shared helpers for integration scripts (sourced).
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skip: $*"; exit 77; }
# wait_ready PID OUT ERR NAME SECONDS [PATTERN]: waits up to SECONDS for
# the helper PID to print a line matching PATTERN (default ^READY) into
# OUT; fails, quoting ERR, if it dies first or never does.
wait_ready() {
	i=0
	until grep -q "${6:-^READY}" "$2" 2>/dev/null; do
		kill -0 "$1" 2>/dev/null || fail "$4 died: $(cat "$3" 2>/dev/null)"
		i=$((i + 1)); [ $i -lt $(($5 * 20)) ] || fail "$4 never said READY"
		sleep 0.05
	done
}
# need_exec VAR...: each environment variable must name an executable.
need_exec() {
	for v in "$@"; do
		eval "x=\${$v:-}"
		[ -n "$x" ] && [ -x "$x" ] || fail "$v is not an executable: '$x'"
	done
}
# need_helper NAME: $helper is $SM_HELPERS/NAME (make check-build builds it).
need_helper() {
	helper="${SM_HELPERS:-}/$1"
	[ -x "$helper" ] || fail "helper '$helper' missing (make check-build builds it)"
}
# work_dir NAME: $tmp, a fresh directory. At exit every pid in $pids is
# killed (with $kill_sig if set, e.g. -9) and reaped, then the script's
# at_exit runs if it defined one, then $tmp goes.
work_dir() {
	tmp=$(mktemp -d "/tmp/sm-$1.XXXXXX") || fail "mktemp"
	pids=""
	trap work_dir_cleanup EXIT
	trap 'exit 1' INT TERM HUP
}
work_dir_cleanup() {
	for p in $pids; do
		kill ${kill_sig:-} "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if command -v at_exit >/dev/null 2>&1; then at_exit; fi
	rm -rf "$tmp"
}
# Waits (up to 10 s) for a file to have content.
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ]
}
need_go() {
	command -v go >/dev/null 2>&1 || skip "go not installed (make deps installs golang-go)"
}
# go_build DIR OUT: offline build of a standard-library-only program.
go_build() {
	gohome=$(mktemp -d /tmp/sm-gohome.XXXXXX)
	(cd "$1" && HOME="$gohome" GOCACHE="$gohome/cache" GOPATH="$gohome/path" GOTOOLCHAIN=local \
		GOPROXY=off GOFLAGS=-mod=mod GO111MODULE=off go build -o "$2" .) >"$gohome/log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || cat "$gohome/log" >&2
	rm -rf "$gohome"
	return $rc
}

# --- bundles cut short (kill -9, full disk): tests/integration/collect_faults_*.sh

# bundle_finished FILE DIR: checks a bundle that may have been cut anywhere
# and extracts it into DIR. zstd may complain only of a cut last frame; the
# finished snapshots (meta.json whole) are numbered 1..N without a gap and
# every member of them and the manifest extracts at its listed size; only
# the snapshot after them may be unfinished. Sets NSNAP=N and
# MANIFEST=1 if manifest.json is whole. Fails the test otherwise.
bundle_finished() {
	bf=$1 bd=$2
	mkdir -p "$bd" || fail "mkdir $bd"
	NSNAP=0 MANIFEST=0
	[ -e "$bf" ] || return 0   # killed before it was created
	if ! zstd -dc "$bf" >"$bd.tar" 2>"$bd.zerr" && [ "$(stat -c %s "$bf")" -ge 4 ]; then
		# (under 4 bytes, a cut magic number: "unknown header")
		grep -Eqi 'premature end|truncat|unexpected end|incomplete' "$bd.zerr" ||
			fail "$bf: zstd failed for another reason than a cut last frame: $(cat "$bd.zerr")"
	fi
	tar -tvf "$bd.tar" 2>/dev/null | awk '{ print $6, $3 }' >"$bd.list"
	tar -xf "$bd.tar" -C "$bd" 2>/dev/null
	(cd "$bd" && find . -type f -printf '%P %s\n') | sort >"$bd.got"
	if grep -qx "manifest.json [0-9]*" "$bd.list"; then
		head -n 1 "$bd.list" | grep -q '^manifest.json ' || fail "$bf: manifest.json is not the first member"
		grep -qxF "$(grep '^manifest.json ' "$bd.list")" "$bd.got" && MANIFEST=1
	fi
	for s in $(sed -n 's|^snap/\([0-9]*\)/meta.json [0-9]*$|\1|p' "$bd.list"); do
		# the meta.json of the cut snapshot may be listed, yet not whole
		if ! grep -qxF "$(grep "^snap/$s/meta.json " "$bd.list")" "$bd.got" ||
			! grep -q '"steps":\[.*\]}$' "$bd/snap/$s/meta.json"; then
			break
		fi
		NSNAP=$((NSNAP + 1))
		[ "$s" = "$(printf %06d "$NSNAP")" ] || fail "$bf: snapshot $s follows $((NSNAP - 1)) finished ones"
	done
	[ "$NSNAP" -eq 0 ] || [ "$MANIFEST" -eq 1 ] || fail "$bf: $NSNAP finished snapshots without a whole manifest"
	re="^(manifest.json|snap/($(seq -f %06g 1 "$NSNAP" | paste -sd'|' -))/)"
	[ "$NSNAP" -gt 0 ] || re='^manifest.json '
	grep -E "$re" "$bd.list" | sort >"$bd.want"
	grep -E "$re" "$bd.got" >"$bd.have"
	[ "$MANIFEST" -eq 0 ] || cmp -s "$bd.want" "$bd.have" || {
		diff "$bd.want" "$bd.have" | head -n 20 >&2
		fail "$bf: members of finished snapshots did not extract whole"
	}
	# at most one unfinished snapshot after the finished ones
	extra=$(sed -n 's|^snap/\([0-9]*\)/.*|\1|p' "$bd.list" | sort -u | awk -v n="$NSNAP" '$1 + 0 > n + 1')
	[ -z "$extra" ] || fail "$bf: members of snapshots after the unfinished one: $extra"
}

# pid_dead PID: the process is gone or a zombie (killed, not yet reaped by
# whoever inherited it); waits up to 2 s.
pid_dead() {
	i=0
	while [ $i -lt 20 ]; do
		st=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
		case $st in ''|Z|X) return 0 ;; esac
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
