# Shared helpers for integration scripts (sourced).
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "skip: $*"; exit 77; }
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
