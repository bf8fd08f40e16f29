/*
 * Unit tests for parse_goroutine: every file of
 * tests/data/corpus/goroutine-debug2 and goroutine-debug1 (expected figures
 * counted with grep and read off the files by hand), crafted edge cases
 * (Go 1.21/1.23 forms, CRLF, cuts, long lines, garbage, caps), and, when a Go
 * toolchain is installed, the three goroutine profile formats of a real Go
 * program (debug=2, debug=1 and debug=0 through parse_pprof) compared with
 * each other. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse_goroutine.h"
#include "parse_pprof.h"

#define CORPUS2 "tests/data/corpus/goroutine-debug2/"
#define CORPUS1 "tests/data/corpus/goroutine-debug1/"

/* --- a recording sink --------------------------------------------------- */

struct rframe {
	char *func, *file;
	int64_t line;
};

/* A row copied out of the callback (its strings are borrowed). */
struct rrow {
	uint64_t line;
	int64_t id, count, wait, cb_line, cb_gid;
	int locked, elided, truncated;
	char *state, *cb, *cb_file, *labels;
	struct rframe *frames;
	size_t nframes;
};

struct rec {
	struct rrow *rows;
	size_t n, cap;
	char *cgroup[16], *cname[16];
	int64_t cvalue[16];
	size_t ncounter;
	char *warn[256];
	uint64_t warn_line[256];
	size_t nwarn;
	size_t stop_at;           /* return 7 from the stop_at-th row */
};

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Invariants every row must hold, whatever the input. */
static void check_row(const struct sm_goroutine_row *r)
{
	size_t i;

	assert_true(r->nframes <= 4096);
	assert_true(r->nframes == 0 || r->frames != NULL);
	assert_true(r->count >= 0);
	assert_true(r->id == SM_NONE || r->id >= 0);
	assert_true(r->created_by || !r->created_by_file);
	for (i = 0; i < r->nframes; i++) {
		assert_non_null(r->frames[i].func);
		assert_true(r->frames[i].func[0] != '\0');
		assert_true(r->frames[i].file || r->frames[i].line == SM_NONE);
	}
	if (r->state)
		assert_true(r->state[0] != '\0');
}

static int rec_goroutine(void *ctx, const struct sm_goroutine_row *r)
{
	struct rec *rc = ctx;
	struct rrow *o;
	size_t i;

	check_row(r);
	if (rc->n == rc->cap) {
		rc->cap = rc->cap ? rc->cap * 2 : 64;
		rc->rows = realloc(rc->rows, rc->cap * sizeof(*rc->rows));
		assert_non_null(rc->rows);
	}
	o = &rc->rows[rc->n++];
	o->line = r->line;
	o->id = r->id;
	o->count = r->count;
	o->wait = r->wait_minutes;
	o->cb_line = r->created_by_line;
	o->cb_gid = r->created_by_goroutine;
	o->locked = r->locked_to_thread;
	o->elided = r->elided;
	o->truncated = r->truncated;
	o->state = dup_opt(r->state);
	o->cb = dup_opt(r->created_by);
	o->cb_file = dup_opt(r->created_by_file);
	o->labels = dup_opt(r->labels);
	o->nframes = r->nframes;
	o->frames = calloc(r->nframes ? r->nframes : 1, sizeof(*o->frames));
	assert_non_null(o->frames);
	for (i = 0; i < r->nframes; i++) {
		o->frames[i].func = strdup(r->frames[i].func);
		o->frames[i].file = dup_opt(r->frames[i].file);
		o->frames[i].line = r->frames[i].line;
	}
	return rc->stop_at && rc->n == rc->stop_at ? 7 : 0;
}

static int rec_counter(void *ctx, const struct sm_counter_row *r)
{
	struct rec *rc = ctx;

	assert_true(rc->ncounter < 16);
	rc->cgroup[rc->ncounter] = strdup(r->group);
	rc->cname[rc->ncounter] = strdup(r->name);
	rc->cvalue[rc->ncounter] = r->value;
	rc->ncounter++;
	return 0;
}

static void rec_warn(void *ctx, uint64_t line, const char *msg)
{
	struct rec *rc = ctx;

	assert_non_null(msg);
	if (rc->nwarn < 256) {
		rc->warn[rc->nwarn] = strdup(msg);
		rc->warn_line[rc->nwarn] = line;
	}
	rc->nwarn++;
}

static void rec_free(struct rec *rc)
{
	size_t i, j;

	for (i = 0; i < rc->n; i++) {
		struct rrow *o = &rc->rows[i];

		for (j = 0; j < o->nframes; j++) {
			free(o->frames[j].func);
			free(o->frames[j].file);
		}
		free(o->frames);
		free(o->state);
		free(o->cb);
		free(o->cb_file);
		free(o->labels);
	}
	free(rc->rows);
	for (i = 0; i < rc->ncounter; i++) {
		free(rc->cgroup[i]);
		free(rc->cname[i]);
	}
	for (i = 0; i < rc->nwarn && i < 256; i++)
		free(rc->warn[i]);
	memset(rc, 0, sizeof(*rc));
}

static struct sm_sink sink_for(struct rec *rc)
{
	struct sm_sink s;

	memset(&s, 0, sizeof(s));
	memset(rc, 0, sizeof(*rc));
	s.ctx = rc;
	s.goroutine = rec_goroutine;
	s.counter = rec_counter;
	s.warn = rec_warn;
	return s;
}

/* Is some warning containing `needle` there? */
static int has_warning(const struct rec *rc, const char *needle)
{
	size_t i;

	for (i = 0; i < rc->nwarn && i < 256; i++)
		if (strstr(rc->warn[i], needle))
			return 1;
	return 0;
}

/* --- input helpers ---------------------------------------------------------- */

/* A malloc'd copy of exactly n bytes: ASan flags any read past the end. */
static char *exact(const char *s, size_t n)
{
	char *b = malloc(n ? n : 1);

	assert_non_null(b);
	memcpy(b, s, n);
	return b;
}

/* Read a file into a buffer of exactly its size. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	b = malloc(n ? (size_t)n : 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

typedef int (*parse_fn)(const char *, size_t, const struct sm_sink *);

/* Parse a literal through an exact-size copy. */
static int parse_str(parse_fn fn, const char *text, struct rec *rc)
{
	struct sm_sink s = sink_for(rc);
	char *b = exact(text, strlen(text));
	int r = fn(b, strlen(text), &s);

	free(b);
	return r;
}

static int parse_file(parse_fn fn, const char *path, struct rec *rc)
{
	struct sm_sink s = sink_for(rc);
	size_t n;
	char *b = read_file(path, &n);
	int r = fn(b, n, &s);

	free(b);
	return r;
}

static const struct rrow *by_id(const struct rec *rc, int64_t id)
{
	size_t i;

	for (i = 0; i < rc->n; i++)
		if (rc->rows[i].id == id)
			return &rc->rows[i];
	fail_msg("no goroutine %lld", (long long)id);
	return NULL;
}

static size_t count_state(const struct rec *rc, const char *state, int64_t wait)
{
	size_t i, n = 0;

	for (i = 0; i < rc->n; i++)
		if (rc->rows[i].state && !strcmp(rc->rows[i].state, state) &&
		    (wait < 0 || rc->rows[i].wait == wait))
			n++;
	return n;
}

static void assert_frame(const struct rrow *r, size_t i, const char *func, const char *file,
			 int64_t line)
{
	assert_true(i < r->nframes);
	assert_string_equal(r->frames[i].func, func);
	if (file)
		assert_string_equal(r->frames[i].file, file);
	else
		assert_null(r->frames[i].file);
	assert_int_equal(r->frames[i].line, line);
}

/* --- debug=2 corpus --------------------------------------------------------- */

/* Goroutine headers per file: grep -c '^ *goroutine [0-9]* .*\[' FILE. */
static const struct {
	const char *name;
	size_t headers, warnings;
} corpus2[] = {
	{ "gostackparse-ancestors.txt", 3, 0 },
	{ "gostackparse-cgo.txt", 3, 0 },
	{ "gostackparse-empty_stack.txt", 2, 0 },
	{ "gostackparse-errorhandling.txt", 3, 1 },
	{ "gostackparse-frameselided.txt", 1, 0 },
	{ "gostackparse-frameselided_goroutine.txt", 2, 0 },
	{ "gostackparse-go121_createdby.txt", 2, 0 },
	{ "gostackparse-lockedm.txt", 1, 0 },
	{ "gostackparse-partial_createdby.txt", 2, 0 },
	{ "gostackparse-partial_stack.txt", 2, 0 },
	{ "gostackparse-windows.txt", 1, 0 },
	{ "kvstore-raft-windows-go1.24-goroutines.txt", 13, 0 },
	{ "panicparse-snippet-Assembly.txt", 1, 0 },
	{ "panicparse-snippet-Assembly1_3.txt", 1, 0 },
	{ "panicparse-snippet-CCode.txt", 1, 0 },
	{ "panicparse-snippet-Created.txt", 1, 0 },
	{ "panicparse-snippet-Elided.txt", 1, 0 },
	{ "panicparse-snippet-Indented.txt", 1, 0 },
	{ "panicparse-snippet-LongWait.txt", 3, 0 },
	{ "panicparse-snippet-NoOffset.txt", 1, 0 },
	{ "panicparse-snippet-Syscall.txt", 1, 0 },
	{ "panicparse-snippet-Unavail.txt", 1, 0 },
	{ "panicparse-snippet-UnavailCreated.txt", 1, 0 },
	{ "panicparse-static_panicweb-go1.14.txt", 71, 0 },
	{ "syzkaller-gvisor-panic-report0.txt", 2, 0 },
	{ "syzkaller-gvisor-panic-report4.txt", 2, 0 },
	{ "syzkaller-gvisor-sigsegv-report12.txt", 1, 0 },
};

/* Every file of the directory is in the table and parses to its headers. */
static void t_corpus2_all(void **state)
{
	DIR *d = opendir(CORPUS2);
	struct dirent *e;
	size_t seen = 0, i;
	char path[512];
	struct rec rc;

	(void)state;
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		for (i = 0; i < sizeof(corpus2) / sizeof(corpus2[0]); i++)
			if (!strcmp(corpus2[i].name, e->d_name))
				break;
		if (i == sizeof(corpus2) / sizeof(corpus2[0]))
			fail_msg("corpus file %s is not in the test table", e->d_name);
		snprintf(path, sizeof(path), CORPUS2 "%s", e->d_name);
		assert_int_equal(parse_file(parse_goroutine_text, path, &rc), 0);
		if (rc.n != corpus2[i].headers || rc.nwarn != corpus2[i].warnings)
			fail_msg("%s: %zu rows, %zu warnings", e->d_name, rc.n, rc.nwarn);
		for (size_t j = 0; j < rc.n; j++) {
			assert_int_equal(rc.rows[j].count, 1);
			assert_true(rc.rows[j].wait >= 0);
		}
		rec_free(&rc);
		seen++;
	}
	closedir(d);
	assert_int_equal(seen, sizeof(corpus2) / sizeof(corpus2[0]));
}

static void t_panicweb(void **state)
{
	struct rec rc;
	const struct rrow *r;
	size_t i, locked = 0;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-static_panicweb-go1.14.txt", &rc), 0);
	assert_int_equal(rc.n, 71);
	/* grep -o '^goroutine [0-9]* \[.*\]:' | sort | uniq -c */
	assert_int_equal(count_state(&rc, "IO wait", 2), 26);
	assert_int_equal(count_state(&rc, "IO wait", 0), 2);
	assert_int_equal(count_state(&rc, "select", 2), 26);
	assert_int_equal(count_state(&rc, "chan receive", 2), 15);
	assert_int_equal(count_state(&rc, "syscall", 2), 1);
	assert_int_equal(count_state(&rc, "running", 0), 1);
	r = by_id(&rc, 135);
	assert_int_equal(r->line, 1);
	assert_int_equal(r->nframes, 9);
	assert_frame(r, 0, "runtime/pprof.writeGoroutineStacks", "/goroot/src/runtime/pprof/pprof.go", 665);
	assert_frame(r, 8, "net/http.(*conn).serve", "/goroot/src/net/http/server.go", 1895);
	assert_string_equal(r->cb, "net/http.(*Server).Serve");
	assert_int_equal(r->cb_line, 2933);
	assert_int_equal(r->cb_gid, SM_NONE);
	for (i = 0; i < rc.n; i++) {
		locked += (size_t)rc.rows[i].locked;
		assert_int_equal(rc.rows[i].truncated, 0);
	}
	assert_int_equal(locked, 1);
	r = by_id(&rc, 1);
	assert_frame(r, 0, "main.main", "/gopath/src/github.com/maruel/panicparse/cmd/panicweb/main.go", 78);
	rec_free(&rc);
}

static void t_kvstore_go124(void **state)
{
	struct rec rc;
	const struct rrow *r;
	size_t i, in_goroutine = 0;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "kvstore-raft-windows-go1.24-goroutines.txt", &rc), 0);
	assert_int_equal(rc.n, 13);
	assert_int_equal(count_state(&rc, "sync.Mutex.Lock", 0), 1);
	assert_int_equal(count_state(&rc, "IO wait", 0), 3);
	assert_int_equal(count_state(&rc, "chan receive", 0), 4);
	assert_int_equal(count_state(&rc, "select", 0), 2);
	assert_int_equal(count_state(&rc, "runnable", 0), 1);
	for (i = 0; i < rc.n; i++)
		in_goroutine += rc.rows[i].cb_gid != SM_NONE;
	assert_int_equal(in_goroutine, 12);   /* grep -c 'in goroutine' */
	r = by_id(&rc, 109);
	assert_frame(r, 0, "runtime/pprof.writeGoroutineStacks", "C:/Program Files/Go/src/runtime/pprof/pprof.go", 756);
	assert_string_equal(r->cb, "net/http.(*Server).Serve");
	assert_string_equal(r->cb_file, "C:/Program Files/Go/src/net/http/server.go");
	assert_int_equal(r->cb_line, 3493);
	assert_int_equal(r->cb_gid, 18);
	rec_free(&rc);
}

static void t_longwait_locked(void **state)
{
	struct rec rc;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-LongWait.txt", &rc), 0);
	assert_int_equal(rc.n, 3);
	assert_int_equal(rc.rows[0].wait, 100);
	assert_int_equal(rc.rows[0].locked, 0);
	assert_int_equal(rc.rows[1].wait, 0);
	assert_int_equal(rc.rows[1].locked, 1);
	assert_int_equal(rc.rows[2].wait, 101);
	assert_int_equal(rc.rows[2].locked, 1);
	assert_string_equal(rc.rows[2].state, "chan send");
	assert_frame(&rc.rows[0], 0, "gopkg.in/yaml%2ev2.handleErr", "/gopath/src/gopkg.in/yaml.v2/yaml.go", 153);
	rec_free(&rc);
}

static void t_gvisor(void **state)
{
	struct rec rc;
	const struct rrow *r;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "syzkaller-gvisor-panic-report0.txt", &rc), 0);
	assert_int_equal(rc.n, 2);
	r = by_id(&rc, 9707990);
	assert_string_equal(r->state, "running");
	assert_frame(r, 0, "panic", "GOROOT/src/runtime/panic.go", 551);
	assert_frame(r, 3, "gvisor.googlesource.com/gvisor/pkg/sentry/fs/gofer.(*handleReadWriter).WriteFromBlocks",
		     "pkg/sentry/fs/gofer/handles.go", 133);
	r = by_id(&rc, 1);
	assert_string_equal(r->state, "semacquire");
	assert_int_equal(r->wait, 23);
	assert_int_equal(r->nframes, 13);
	assert_frame(r, 12, "runtime.goexit",
		     "bazel-out/k8-fastbuild/bin/external/io_bazel_rules_go/linux_amd64_pure_stripped/stdlib~/src/runtime/asm_amd64.s",
		     2361);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "syzkaller-gvisor-sigsegv-report12.txt", &rc), 0);
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.rows[0].id, 81531);
	assert_string_equal(rc.rows[0].state, "syscall");
	assert_int_equal(rc.rows[0].locked, 1);
	assert_int_equal(rc.rows[0].nframes, 5);
	assert_string_equal(rc.rows[0].cb, "gvisor.googlesource.com/gvisor/pkg/sentry/kernel.(*Task).Start");
	rec_free(&rc);
}

static void t_ancestors(void **state)
{
	struct rec rc;
	const struct rrow *r;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-ancestors.txt", &rc), 0);
	assert_int_equal(rc.n, 3);            /* the 10 ancestor sections are not goroutines */
	r = by_id(&rc, 25);
	assert_int_equal(r->nframes, 2);
	assert_frame(r, 0, "main.bar", "/Users/eric/Downloads/gostackparse/test-fixtures/ancestors.go", 57);
	assert_frame(r, 1, "main.foo.func2", "/Users/eric/Downloads/gostackparse/test-fixtures/ancestors.go", 50);
	assert_string_equal(r->cb, "main.d1");
	assert_int_equal(r->cb_line, 69);
	r = by_id(&rc, 29);
	assert_int_equal(r->nframes, 2);
	assert_int_equal(r->truncated, 0);
	rec_free(&rc);
}

static void t_elided(void **state)
{
	struct rec rc;
	const struct rrow *r;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-frameselided.txt", &rc), 0);
	assert_int_equal(rc.rows[0].nframes, 100);   /* grep -c '^\t' */
	assert_int_equal(rc.rows[0].elided, 1);
	assert_frame(&rc.rows[0], 99, "main.stackDump",
		     "/Users/felix.geisendoerfer/go/src/github.com/DataDog/dd-trace-go/profiler/internal/stackparse/test-fixtures/frameselided.go",
		     14);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-frameselided_goroutine.txt", &rc), 0);
	r = by_id(&rc, 18);
	assert_int_equal(r->nframes, 100);
	assert_int_equal(r->elided, 1);
	assert_string_equal(r->cb, "main.main");
	assert_int_equal(r->cb_line, 16);
	r = by_id(&rc, 1);
	assert_int_equal(r->elided, 0);
	assert_string_equal(r->state, "chan receive");
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-Elided.txt", &rc), 0);
	assert_int_equal(rc.rows[0].elided, 1);
	assert_int_equal(rc.rows[0].nframes, 1);
	assert_frame(&rc.rows[0], 0, "github.com/maruel/panicparse/stack/stack.recurseType",
		     "/gopath/src/github.com/maruel/panicparse/stack/stack.go", 53);
	assert_string_equal(rc.rows[0].cb, "testing.RunTests");
	assert_int_equal(rc.rows[0].cb_line, 555);
	rec_free(&rc);
}

static void t_go121_createdby(void **state)
{
	struct rec rc;
	const struct rrow *r;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-go121_createdby.txt", &rc), 0);
	r = by_id(&rc, 18);
	assert_string_equal(r->cb, "main.main");
	assert_int_equal(r->cb_gid, 1);
	assert_int_equal(r->cb_line, 14);
	assert_frame(r, 1, "main.main.func1", "/Users/nick.ripley/repos/gostackparse/test-fixtures/go121_createdby.go", 16);
	r = by_id(&rc, 1);
	assert_string_equal(r->state, "semacquire");
	assert_frame(r, 0, "sync.runtime_Semacquire", "/Users/nick.ripley/repos/go/src/runtime/sema.go", 62);
	assert_null(r->cb);
	assert_int_equal(r->cb_gid, SM_NONE);
	rec_free(&rc);
}

static void t_partial(void **state)
{
	struct rec rc;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-partial_createdby.txt", &rc), 0);
	assert_string_equal(rc.rows[0].cb, "main.main");
	assert_null(rc.rows[0].cb_file);
	assert_int_equal(rc.rows[0].cb_line, SM_NONE);
	assert_int_equal(rc.rows[0].truncated, 0);
	assert_string_equal(rc.rows[1].cb, "main.foo");
	assert_int_equal(rc.rows[1].truncated, 1);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-partial_stack.txt", &rc), 0);
	assert_frame(&rc.rows[0], 0, "main.main", NULL, SM_NONE);
	assert_int_equal(rc.rows[0].truncated, 0);
	assert_int_equal(rc.rows[1].truncated, 1);
	rec_free(&rc);

	/* The file stops right after the second header. */
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-empty_stack.txt", &rc), 0);
	assert_int_equal(rc.rows[0].nframes, 0);
	assert_int_equal(rc.rows[0].truncated, 0);
	assert_int_equal(rc.rows[1].nframes, 0);
	assert_int_equal(rc.rows[1].truncated, 1);
	rec_free(&rc);
}

static void t_errorhandling(void **state)
{
	struct rec rc;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-errorhandling.txt", &rc), 0);
	assert_int_equal(rc.n, 3);
	assert_int_equal(rc.nwarn, 1);
	assert_int_equal(rc.warn_line[0], 6);
	assert_true(has_warning(&rc, "main.main)("));
	assert_int_equal(rc.rows[1].nframes, 0);
	assert_frame(&rc.rows[2], 0, "main.foo", "/example/main.go", 182);
	assert_string_equal(rc.rows[2].cb, "main.main");
	rec_free(&rc);
}

static void t_snippets(void **state)
{
	struct rec rc;

	(void)state;
	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-CCode.txt", &rc), 0);
	assert_int_equal(rc.rows[0].id, 0);
	assert_string_equal(rc.rows[0].state, "idle");
	assert_int_equal(rc.rows[0].nframes, 6);
	assert_frame(&rc.rows[0], 0, "runtime.epollwait", "/goroot/src/runtime/sys_linux_amd64.s", 400);
	assert_frame(&rc.rows[0], 2, "findrunnable", "/goroot/src/runtime/proc.c", 1472);
	assert_frame(&rc.rows[0], 3, "schedule", "/goroot/src/runtime/proc.c", 1575);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-Indented.txt", &rc), 0);
	assert_int_equal(rc.rows[0].id, 8);
	assert_int_equal(rc.rows[0].line, 8);
	assert_int_equal(rc.rows[0].nframes, 3);
	assert_frame(&rc.rows[0], 0, "foo/bar.TestArchiveFail.func1.2", "/home/maruel/go/foo/bar_test.go", 209);
	assert_string_equal(rc.rows[0].cb, "testing.(*T).Run");
	assert_int_equal(rc.rows[0].cb_line, 916);
	assert_int_equal(rc.rows[0].truncated, 0);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-Syscall.txt", &rc), 0);
	assert_frame(&rc.rows[0], 0, "runtime.notetsleepg", "/goroot/src/runtime/lock_futex.go", 201);
	assert_string_equal(rc.rows[0].cb, "os/signal.init\xc2\xb7" "1");
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-NoOffset.txt", &rc), 0);
	assert_string_equal(rc.rows[0].state, "runnable");
	assert_frame(&rc.rows[0], 0, "github.com/maruel/panicparse/stack.func\xc2\xb7" "002",
		     "/gopath/src/github.com/maruel/panicparse/stack/stack.go", 110);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-Assembly1_3.txt", &rc), 0);
	assert_string_equal(rc.rows[0].state, "garbage collection");
	assert_frame(&rc.rows[0], 0, "runtime.switchtoM", "/goroot/src/runtime/asm_amd64.s", 198);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-Created.txt", &rc), 0);
	assert_int_equal(rc.rows[0].truncated, 0);     /* "exit status 2" follows */
	assert_string_equal(rc.rows[0].cb, "github.com/maruel/panicparse/stack.New");
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-UnavailCreated.txt", &rc), 0);
	assert_int_equal(rc.rows[0].nframes, 0);
	assert_int_equal(rc.rows[0].truncated, 0);
	assert_string_equal(rc.rows[0].cb, "github.com/maruel/panicparse/stack.New");
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "panicparse-snippet-Unavail.txt", &rc), 0);
	assert_int_equal(rc.rows[0].nframes, 0);
	assert_int_equal(rc.rows[0].truncated, 0);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-windows.txt", &rc), 0);
	assert_frame(&rc.rows[0], 0, "runtime/pprof.writeGoroutineStacks", "C:/Users/felixge/pprof.go", 693);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-cgo.txt", &rc), 0);
	assert_string_equal(by_id(&rc, 7)->state, "sleep");
	assert_int_equal(by_id(&rc, 7)->locked, 1);
	assert_frame(by_id(&rc, 7), 1, "main.goSleep",
		     "/Users/felix.geisendoerfer/go/src/github.com/DataDog/dd-trace-go/profiler/internal/stackparse/test-fixtures/cgo.go",
		     53);
	assert_frame(by_id(&rc, 6), 0, "main._Cfunc_c_sleep_loop", "_cgo_gotypes.go", 56);
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_text, CORPUS2 "gostackparse-lockedm.txt", &rc), 0);
	assert_int_equal(rc.rows[0].locked, 1);
	assert_string_equal(rc.rows[0].state, "running");
	assert_frame(&rc.rows[0], 2, "panic", "/usr/local/Cellar/go/1.15.6/libexec/src/runtime/panic.go", 969);
	rec_free(&rc);
}

/* --- debug=2 crafted -------------------------------------------------------- */

static const char modern[] =
	"SIGQUIT: quit\n"
	"PC=0x46a8e1 m=0 sigcode=0\n"
	"\n"
	"goroutine 1 gp=0xc000002380 m=nil [chan receive, 5 minutes]:\n"
	"runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n"
	"\t/usr/lib/go/src/runtime/proc.go:424 +0xce fp=0xc000119e50 sp=0xc000119e30 pc=0x46b0ce\n"
	"main.(*T).M(0xc000010000, {0x1, 0x2})\n"
	"\t/src/app/main.go:17 +0x1f\n"
	"main.Map[...](...)\n"
	"\t/src/app/main.go:30\n"
	"main.main()\n"
	"\t/src/app/main.go:40 +0x25\n"
	"\n"
	"goroutine 7 gp=0xc000003dc0 m=3 mp=0xc000080008 [sync.Mutex.Lock, 23 minutes, locked to thread]:\n"
	"internal/sync.runtime_SemacquireMutex(0xc0000a2004?, 0x0?, 0x0?)\n"
	"\t/usr/lib/go/src/runtime/sema.go:95 +0x25\n"
	"...5 frames elided...\n"
	"main.worker.func1()\n"
	"\t/src/app/main.go:55 +0x2b\n"
	"created by main.worker in goroutine 1\n"
	"\t/src/app/main.go:50 +0x8a\n"
	"\n"
	"goroutine 9 [select (no cases)]:\n"
	"main.forever()\n"
	"\t/src/app/main.go:60 +0x11\n"
	"\n"
	"goroutine 10 [running (scan)]:\n"
	"\tgoroutine running on other thread; stack unavailable\n"
	"\n"
	"goroutine 11 [GC worker (idle), 3 minutes, synctest group 4]:\n"
	"runtime.gcBgMarkWorker(0xc00007e000)\n"
	"        /usr/lib/go/src/runtime/mgc.go:1412 +0xe9\n"
	"\n"
	"rax    0xca\n"
	"rbx    0x0\n"
	"rip    0x46a8e1\n"
	"rflags 0x286\n"
	"cs     0x33\n"
	"FAILED: TestLeak (0.01s)\n"
	"exit status 2\n";

static void t_modern_forms(void **state)
{
	struct rec rc;
	const struct rrow *r;

	(void)state;
	assert_int_equal(parse_str(parse_goroutine_text, modern, &rc), 0);
	assert_int_equal(rc.n, 5);
	assert_int_equal(rc.nwarn, 0);
	r = by_id(&rc, 1);
	assert_int_equal(r->line, 4);
	assert_string_equal(r->state, "chan receive");
	assert_int_equal(r->wait, 5);
	assert_int_equal(r->nframes, 4);
	assert_frame(r, 0, "runtime.gopark", "/usr/lib/go/src/runtime/proc.go", 424);
	assert_frame(r, 1, "main.(*T).M", "/src/app/main.go", 17);
	assert_frame(r, 2, "main.Map[...]", "/src/app/main.go", 30);
	assert_frame(r, 3, "main.main", "/src/app/main.go", 40);
	r = by_id(&rc, 7);
	assert_string_equal(r->state, "sync.Mutex.Lock");
	assert_int_equal(r->wait, 23);
	assert_int_equal(r->locked, 1);
	assert_int_equal(r->elided, 1);
	assert_int_equal(r->nframes, 2);
	assert_string_equal(r->cb, "main.worker");
	assert_int_equal(r->cb_gid, 1);
	assert_int_equal(r->cb_line, 50);
	assert_string_equal(by_id(&rc, 9)->state, "select (no cases)");
	assert_string_equal(by_id(&rc, 10)->state, "running");
	assert_int_equal(by_id(&rc, 10)->truncated, 0);
	r = by_id(&rc, 11);
	assert_string_equal(r->state, "GC worker (idle)");
	assert_int_equal(r->wait, 3);
	assert_frame(r, 0, "runtime.gcBgMarkWorker", "/usr/lib/go/src/runtime/mgc.go", 1412);
	for (size_t i = 0; i < rc.n; i++)
		assert_int_equal(rc.rows[i].truncated, 0);
	rec_free(&rc);
}

/* Rows of two parses are the same. */
static void assert_same(const struct rec *a, const struct rec *b)
{
	size_t i, j;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		const struct rrow *x = &a->rows[i], *y = &b->rows[i];

		assert_int_equal(x->id, y->id);
		assert_int_equal(x->count, y->count);
		assert_int_equal(x->wait, y->wait);
		assert_int_equal(x->nframes, y->nframes);
		assert_int_equal(x->truncated, y->truncated);
		assert_int_equal(x->cb_line, y->cb_line);
		assert_true((x->state == NULL) == (y->state == NULL));
		if (x->state)
			assert_string_equal(x->state, y->state);
		for (j = 0; j < x->nframes; j++) {
			assert_string_equal(x->frames[j].func, y->frames[j].func);
			assert_true((x->frames[j].file == NULL) == (y->frames[j].file == NULL));
			if (x->frames[j].file)
				assert_string_equal(x->frames[j].file, y->frames[j].file);
			assert_int_equal(x->frames[j].line, y->frames[j].line);
		}
	}
}

/* LF to CRLF, and without the final newline: the same rows. */
static void t_crlf_and_no_final_newline(void **state)
{
	struct rec lf, crlf;
	struct sm_sink s;
	size_t n, i, o = 0;
	char *b = read_file(CORPUS2 "panicparse-static_panicweb-go1.14.txt", &n);
	char *c = malloc(2 * n);

	(void)state;
	assert_non_null(c);
	for (i = 0; i < n; i++) {
		if (b[i] == '\n')
			c[o++] = '\r';
		c[o++] = b[i];
	}
	s = sink_for(&lf);
	assert_int_equal(parse_goroutine_text(b, n, &s), 0);
	s = sink_for(&crlf);
	assert_int_equal(parse_goroutine_text(c, o, &s), 0);
	assert_same(&lf, &crlf);
	rec_free(&crlf);
	/* The last line without its "\r\n": the last goroutine is still whole. */
	assert_true(o > 4 && c[o - 1] == '\n');
	while (c[o - 1] == '\n' || c[o - 1] == '\r')
		o--;
	s = sink_for(&crlf);
	assert_int_equal(parse_goroutine_text(c, o, &s), 0);
	assert_same(&lf, &crlf);
	assert_int_equal(crlf.rows[crlf.n - 1].truncated, 0);
	rec_free(&crlf);
	rec_free(&lf);
	free(b);
	free(c);
}

/* Cut a dump anywhere: never a crash; the cut goroutine says so. */
static void t_truncated(void **state)
{
	struct rec rc;
	struct sm_sink s;
	size_t n, cut;
	char *b = read_file(CORPUS2 "gostackparse-go121_createdby.txt", &n);
	const char *frame_only = "goroutine 5 [IO wait]:\nmain.f(0x1)\n";
	const char *mid_args = "goroutine 5 [IO wait]:\nmain.f(0x1)\n\t/a.go:3 +0x1\nmain.g(0xc0000";
	const char *mid_file = "goroutine 5 [IO wait]:\nmain.f(0x1)\n\t/usr/lib/go/src/ru";
	const char *header_cut = "goroutine 5 [IO wait]:\nmain.f(0x1)\n\t/a.go:3 +0x1\n\ngoroutine 6 [IO wa";

	(void)state;
	for (cut = 0; cut <= n; cut++) {
		char *p = exact(b, cut);

		s = sink_for(&rc);
		parse_goroutine_text(p, cut, &s);
		free(p);
		rec_free(&rc);
	}
	/* Cut in the middle of goroutine 1's frames (after "sync.(*WaitGroup).Wait(...)"). */
	cut = (size_t)(strstr(b, "sync.(*WaitGroup).Wait") - b) + 40;
	{
		char *p = exact(b, cut);

		s = sink_for(&rc);
		assert_int_equal(parse_goroutine_text(p, cut, &s), 0);
		free(p);
		assert_int_equal(rc.n, 2);
		assert_int_equal(rc.rows[0].truncated, 0);
		assert_int_equal(rc.rows[1].truncated, 1);
		assert_int_equal(rc.rows[1].nframes, 2);
		rec_free(&rc);
	}
	free(b);

	assert_int_equal(parse_str(parse_goroutine_text, frame_only, &rc), 0);
	assert_int_equal(rc.rows[0].truncated, 1);
	assert_frame(&rc.rows[0], 0, "main.f", NULL, SM_NONE);
	rec_free(&rc);
	assert_int_equal(parse_str(parse_goroutine_text, mid_args, &rc), 0);
	assert_int_equal(rc.rows[0].truncated, 1);
	assert_int_equal(rc.rows[0].nframes, 1);
	rec_free(&rc);
	assert_int_equal(parse_str(parse_goroutine_text, mid_file, &rc), 0);
	assert_int_equal(rc.rows[0].truncated, 1);
	rec_free(&rc);
	assert_int_equal(parse_str(parse_goroutine_text, header_cut, &rc), 0);
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.rows[0].truncated, 0);
	assert_true(has_warning(&rc, "malformed goroutine header"));
	rec_free(&rc);
}

/* A 70,000-character line is skipped with a warning; the rest parses. */
static void t_long_line(void **state)
{
	struct rec rc;
	struct sm_sink s;
	const char *head = "goroutine 3 [select]:\nmain.a()\n\t/a.go:1 +0x1\nmain.huge(";
	const char *tail = ")\n\t/a.go:2 +0x2\nmain.b()\n\t/a.go:3 +0x3\n\ngoroutine 4 [select]:\nmain.c()\n\t/c.go:1\n";
	size_t hl = strlen(head), tl = strlen(tail), n = hl + 70000 + tl;
	char *b = malloc(n);

	(void)state;
	assert_non_null(b);
	memcpy(b, head, hl);
	memset(b + hl, 'x', 70000);
	memcpy(b + hl + 70000, tail, tl);
	s = sink_for(&rc);
	assert_int_equal(parse_goroutine_text(b, n, &s), 0);
	assert_int_equal(rc.n, 2);
	assert_int_equal(rc.nwarn, 1);
	assert_int_equal(rc.warn_line[0], 4);
	assert_true(has_warning(&rc, "64 KiB"));
	assert_int_equal(rc.rows[0].nframes, 2);
	assert_frame(&rc.rows[0], 0, "main.a", "/a.go", 1);
	assert_frame(&rc.rows[0], 1, "main.b", "/a.go", 3);
	assert_frame(&rc.rows[1], 0, "main.c", "/c.go", 1);
	rec_free(&rc);
	free(b);
}

/* 5,000 frames: 4,096 kept, elided set, created-by still read. */
static void t_frame_cap(void **state)
{
	struct rec rc;
	struct sm_sink s;
	size_t i, cap = 1 << 20, n = 0;
	char *b = malloc(cap);

	(void)state;
	assert_non_null(b);
	n += (size_t)snprintf(b + n, cap - n, "goroutine 1 [running]:\n");
	for (i = 0; i < 5000; i++)
		n += (size_t)snprintf(b + n, cap - n, "main.rec(0x%zx)\n\t/r.go:%zu +0x10\n", i, i + 1);
	n += (size_t)snprintf(b + n, cap - n, "created by main.main\n\t/m.go:9 +0x1\n");
	s = sink_for(&rc);
	assert_int_equal(parse_goroutine_text(b, n, &s), 0);
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.rows[0].nframes, 4096);
	assert_int_equal(rc.rows[0].elided, 1);
	assert_int_equal(rc.rows[0].truncated, 0);
	assert_frame(&rc.rows[0], 4095, "main.rec", "/r.go", 4096);
	assert_string_equal(rc.rows[0].cb, "main.main");
	assert_int_equal(rc.rows[0].cb_line, 9);
	assert_int_equal(rc.nwarn, 0);
	rec_free(&rc);
	free(b);
}

/* Found by fuzz_goroutine (tests/fuzz/regress/goroutine/): a negative wait. */
static void t_fuzz_negative_minutes(void **state)
{
	struct rec rc;

	(void)state;
	assert_int_equal(parse_str(parse_goroutine_text,
		"goroutine 1 [,-2 minute]:\n"
		"goroutine 2 [select, x minutes]:\n"
		"goroutine 3 [select, 7 minutes]:\nmain.f()\n\t/a.go:1 +0x1\n", &rc), 0);
	assert_int_equal(rc.n, 3);
	assert_int_equal(rc.rows[0].wait, 0);
	assert_int_equal(rc.rows[1].wait, 0);
	assert_int_equal(rc.rows[2].wait, 7);
	rec_free(&rc);
}

static void t_empty_garbage(void **state)
{
	struct rec rc;
	struct sm_sink s;
	unsigned char *g;
	size_t i;
	uint32_t x = 2463534242u;

	(void)state;
	assert_int_equal(parse_str(parse_goroutine_text, "", &rc), 0);
	assert_int_equal(rc.n + rc.nwarn, 0);
	assert_int_equal(parse_str(parse_goroutine_text, "\n\r\n  \n", &rc), 0);
	assert_int_equal(rc.n + rc.nwarn, 0);
	assert_int_equal(parse_str(parse_goroutine_text, "panic: boom\n\nexit status 2\n", &rc), -1);
	assert_int_equal(rc.n, 0);
	assert_true(has_warning(&rc, "no goroutine header"));
	rec_free(&rc);
	/* Random bytes, with a header planted in the middle. */
	g = malloc(1 << 16);
	assert_non_null(g);
	for (i = 0; i < (1 << 16); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		g[i] = (unsigned char)x;
	}
	s = sink_for(&rc);
	assert_true(parse_goroutine_text((char *)g, 1 << 16, &s) == -1);
	rec_free(&rc);
	memcpy(g + 30000, "\ngoroutine 77 [IO wait]:\nmain.f()\n", 34);
	s = sink_for(&rc);
	assert_int_equal(parse_goroutine_text((char *)g, 1 << 16, &s), 0);
	assert_true(rc.n >= 1);
	assert_int_equal(by_id(&rc, 77)->nframes >= 1, 1);
	assert_true(rc.nwarn <= 101);
	rec_free(&rc);
	free(g);
	/* Sinks without callbacks. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_goroutine_text(modern, strlen(modern), &s), 0);
	assert_int_equal(parse_goroutine_text(modern, strlen(modern), NULL), 0);
}

static void t_stop_and_warn_cap(void **state)
{
	struct rec rc;
	struct sm_sink s;
	char *b = malloc(1 << 20);
	size_t i, n = 0;

	(void)state;
	assert_non_null(b);
	s = sink_for(&rc);
	rc.stop_at = 2;
	assert_int_equal(parse_goroutine_text(modern, strlen(modern), &s), 7);
	assert_int_equal(rc.n, 2);
	rec_free(&rc);
	/* 500 stray file lines: at most 100 warnings and one "suppressed". */
	n += (size_t)snprintf(b, 1 << 20, "goroutine 1 [running]:\n");
	for (i = 0; i < 500; i++)
		n += (size_t)snprintf(b + n, (1 << 20) - n, "\t/stray.go:%zu\n", i + 1);
	s = sink_for(&rc);
	assert_int_equal(parse_goroutine_text(b, n, &s), 0);
	assert_int_equal(rc.nwarn, 101);
	assert_true(has_warning(&rc, "suppressed"));
	rec_free(&rc);
	free(b);
}

/* --- debug=1 ---------------------------------------------------------------- */

static int64_t sum_counts(const struct rec *rc)
{
	int64_t s = 0;
	size_t i;

	for (i = 0; i < rc->n; i++)
		s += rc->rows[i].count;
	return s;
}

static void t_debug1_corpus(void **state)
{
	struct rec rc;

	(void)state;
	/* Complete profiles: the stacks add up to the total. */
	assert_int_equal(parse_file(parse_goroutine_debug1, CORPUS1 "holmes-cgo-threadcreate-then-goroutine-go1.14.txt", &rc), 0);
	assert_int_equal(rc.ncounter, 2);
	assert_string_equal(rc.cgroup[0], "threadcreate");
	assert_string_equal(rc.cname[0], "total");
	assert_int_equal(rc.cvalue[0], 1013);      /* 1012 + 1 */
	assert_string_equal(rc.cgroup[1], "goroutine");
	assert_int_equal(rc.cvalue[1], 1002);
	assert_int_equal(rc.n, 4);                 /* goroutine stacks only */
	assert_int_equal(sum_counts(&rc), 1002);   /* 999 + 1 + 1 + 1 */
	assert_int_equal(rc.rows[0].count, 999);
	assert_int_equal(rc.rows[0].id, SM_NONE);
	assert_null(rc.rows[0].state);
	assert_int_equal(rc.rows[0].wait, SM_NONE);
	assert_frame(&rc.rows[0], 0, "main._Cfunc_output", "_cgo_gotypes.go", 70);
	assert_frame(&rc.rows[0], 1, "main.leak.func1.1",
		     "/Users/xargin/go/src/github.com/mosn/holmes/example/thread_trigger.go", 45);
	assert_int_equal(rc.rows[1].nframes, 12);
	assert_frame(&rc.rows[1], 11, "runtime.main", "/Users/xargin/sdk/go1.14.2/src/runtime/proc.go", 203);
	assert_int_equal(rc.nwarn, 1);              /* the Holmes log line */
	assert_int_equal(rc.warn_line[0], 1);
	assert_false(has_warning(&rc, "add up"));
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_debug1, CORPUS1 "googlepprof-go.godoc.threadcreate-legacy.txt", &rc), 0);
	assert_int_equal(rc.ncounter, 1);
	assert_string_equal(rc.cgroup[0], "threadcreate");
	assert_int_equal(rc.cvalue[0], 7);
	assert_int_equal(rc.n, 0);
	assert_int_equal(rc.nwarn, 0);              /* seven 1-stacks add up to 7 */
	rec_free(&rc);

	/* Partial excerpts: the shortfall is reported. */
	assert_int_equal(parse_file(parse_goroutine_debug1, CORPUS1 "holmes-channelblock-go1.14.txt", &rc), 0);
	assert_int_equal(rc.cvalue[0], 203);
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.rows[0].count, 100);
	assert_int_equal(rc.rows[0].nframes, 5);
	assert_frame(&rc.rows[0], 0, "main.channelBlock",
		     "/Users/xargin/go/src/github.com/mosn/holmes/example/channelblock.go", 26);
	assert_true(has_warning(&rc, "stacks add up to 100 but the header says total 203"));
	rec_free(&rc);

	assert_int_equal(parse_file(parse_goroutine_debug1, CORPUS1 "issue-golang-go-22773-pasted-hash-stripped.txt", &rc), 0);
	assert_int_equal(rc.cvalue[0], 1779);
	assert_int_equal(rc.n, 2);
	assert_int_equal(rc.rows[0].count, 869);
	assert_int_equal(rc.rows[1].count, 866);
	assert_frame(&rc.rows[0], 0, "net/http.(*persistConn).writeLoop", "/usr/local/go/src/net/http/transport.go", 1759);
	assert_frame(&rc.rows[1], 0, "net/http.(*persistConn).readLoop", "/usr/local/go/src/net/http/transport.go", 1654);
	assert_true(has_warning(&rc, "stacks add up to 1735 but the header says total 1779"));
	rec_free(&rc);
}

static void t_debug1_crafted(void **state)
{
	struct rec rc;
	const char *p =
		"goroutine profile: total 5\r\n"
		"3 @ 0x43a1 0x45f2b2 0x46\r\n"
		"# labels: {\"handler\":\"api\", \"q\":\"a\\\"b\"}\r\n"
		"#\t0x45f2b1\tnet/http.(*persistConn).readLoop+0x9c4\tC:/Program Files/Go/src/net/http/transport.go:2163\r\n"
		"#\t0x46\r\n"
		"\r\n"
		"2 @ 0x1\r\n"
		"#   0x1     main.main+0x1   /m.go:3\r\n";

	(void)state;
	assert_int_equal(parse_str(parse_goroutine_debug1, p, &rc), 0);
	assert_int_equal(rc.nwarn, 0);
	assert_int_equal(rc.n, 2);
	assert_string_equal(rc.rows[0].labels, "handler=api,q=a\"b");
	assert_int_equal(rc.rows[0].line, 2);
	assert_int_equal(rc.rows[0].nframes, 2);
	assert_frame(&rc.rows[0], 0, "net/http.(*persistConn).readLoop",
		     "C:/Program Files/Go/src/net/http/transport.go", 2163);
	assert_frame(&rc.rows[0], 1, "0x46", NULL, SM_NONE);
	assert_null(rc.rows[1].labels);
	assert_frame(&rc.rows[1], 0, "main.main", "/m.go", 3);
	rec_free(&rc);

	/* Go 1.26's goroutineleak profile lists goroutines too. */
	assert_int_equal(parse_str(parse_goroutine_debug1,
				   "goroutineleak profile: total 6\n6 @ 0x1 0x2\n#\t0x1\tmain.leak.func1+0x2c\t/app/x.go:37\n",
				   &rc), 0);
	assert_int_equal(rc.ncounter, 1);
	assert_string_equal(rc.cgroup[0], "goroutineleak");
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.rows[0].count, 6);
	assert_frame(&rc.rows[0], 0, "main.leak.func1", "/app/x.go", 37);
	assert_int_equal(rc.nwarn, 0);
	rec_free(&rc);

	assert_int_equal(parse_str(parse_goroutine_debug1, "", &rc), 0);
	assert_int_equal(parse_str(parse_goroutine_debug1, "hello\nworld\n", &rc), -1);
	assert_true(has_warning(&rc, "no 'NAME profile: total N' header"));
	rec_free(&rc);
	/* A debug=2 dump is not a debug=1 profile, and the reverse. */
	assert_int_equal(parse_str(parse_goroutine_debug1, modern, &rc), -1);
	rec_free(&rc);
	assert_int_equal(parse_str(parse_goroutine_text, p, &rc), -1);
	rec_free(&rc);
	assert_int_equal(parse_str(parse_goroutine_debug1, "goroutine profile: total 99999999999999999999\n", &rc), -1);
	rec_free(&rc);
}

/* --- a real Go program ---------------------------------------------------- */

static const char go_prog[] =
	"package main\n"
	"\n"
	"import (\n"
	"\t\"fmt\"\n"
	"\t\"os\"\n"
	"\t\"runtime/pprof\"\n"
	"\t\"sync\"\n"
	"\t\"time\"\n"
	")\n"
	"\n"
	"func onMutex(mu *sync.Mutex, ready *sync.WaitGroup) {\n"
	"\tready.Done()\n"
	"\tmu.Lock()\n"
	"\tmu.Unlock()\n"
	"}\n"
	"\n"
	"func onChan(ch chan int, ready *sync.WaitGroup) {\n"
	"\tready.Done()\n"
	"\t<-ch\n"
	"}\n"
	"\n"
	"func main() {\n"
	"\tvar mu sync.Mutex\n"
	"\tvar ready sync.WaitGroup\n"
	"\tch := make(chan int)\n"
	"\tmu.Lock()\n"
	"\tready.Add(70)\n"
	"\tfor i := 0; i < 50; i++ {\n"
	"\t\tgo onMutex(&mu, &ready)\n"
	"\t}\n"
	"\tfor i := 0; i < 20; i++ {\n"
	"\t\tgo onChan(ch, &ready)\n"
	"\t}\n"
	"\tready.Wait()\n"
	"\ttime.Sleep(300 * time.Millisecond)\n"
	"\tfor _, d := range []int{0, 1, 2} {\n"
	"\t\tf, err := os.Create(fmt.Sprintf(\"%s/debug%d.out\", os.Args[1], d))\n"
	"\t\tif err != nil {\n"
	"\t\t\tpanic(err)\n"
	"\t\t}\n"
	"\t\tif err := pprof.Lookup(\"goroutine\").WriteTo(f, d); err != nil {\n"
	"\t\t\tpanic(err)\n"
	"\t\t}\n"
	"\t\tf.Close()\n"
	"\t}\n"
	"}\n";

/* The go command, or NULL. */
static const char *find_go(void)
{
	static const char *const cands[] = { "/usr/bin/go", "/usr/local/go/bin/go", "/usr/lib/go/bin/go" };
	size_t i;

	for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

static size_t frames_with(const struct rrow *r, const char *func)
{
	size_t i;

	for (i = 0; i < r->nframes; i++)
		if (!strcmp(r->frames[i].func, func))
			return 1;
	return 0;
}

/* Build a tiny Go program (std only, offline), let it write the three formats. */
static void t_real_go_program(void **state)
{
	const char *go = find_go();
	const char *tmpdir = getenv("TMPDIR");
	char dir[256], path[320], cmd[2048];
	struct rec r2, r1, r0;
	size_t i, mutex2 = 0, chan2 = 0;
	int64_t mutex1 = 0, mutex0 = 0;
	FILE *f;

	(void)state;
	if (!go) {
		skip();
		return;
	}
	snprintf(dir, sizeof(dir), "%s/sm-gotest.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/main.go", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(go_prog, f) >= 0, 1);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir -p home cache && HOME='%s/home' GOCACHE='%s/cache' GOPATH='%s/home/go' "
		 "GOPROXY=off GOTOOLCHAIN=local GOFLAGS= CGO_ENABLED=0 "
		 "'%s' build -o prog main.go >build.log 2>&1 && ./prog '%s' >run.log 2>&1",
		 dir, dir, dir, dir, go, dir);
	if (system(cmd) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s/build.log' '%s/run.log' >&2; rm -rf '%s'", dir, dir, dir);
		(void)system(cmd);
		fail_msg("could not build or run the Go program");
	}

	snprintf(path, sizeof(path), "%s/debug2.out", dir);
	assert_int_equal(parse_file(parse_goroutine_text, path, &r2), 0);
	snprintf(path, sizeof(path), "%s/debug1.out", dir);
	assert_int_equal(parse_file(parse_goroutine_debug1, path, &r1), 0);
	snprintf(path, sizeof(path), "%s/debug0.out", dir);
	assert_int_equal(parse_file(parse_pprof_proto, path, &r0), 0);

	/* 50 + 20 + main: the same total three ways. */
	assert_int_equal(r2.n, 71);
	assert_int_equal(r2.nwarn, 0);
	assert_int_equal(r1.nwarn, 0);
	assert_int_equal(r0.nwarn, 0);
	assert_int_equal(r1.ncounter, 1);
	assert_int_equal(r1.cvalue[0], 71);
	assert_int_equal(sum_counts(&r1), 71);
	assert_int_equal(r0.ncounter, 1);
	assert_string_equal(r0.cgroup[0], "goroutine");
	assert_int_equal(r0.cvalue[0], 71);
	assert_int_equal(sum_counts(&r0), 71);
	for (i = 0; i < r2.n; i++) {
		const struct rrow *r = &r2.rows[i];

		assert_int_equal(r->truncated, 0);
		if (frames_with(r, "main.onMutex")) {
			mutex2++;
			/* "semacquire" before Go 1.24, "sync.Mutex.Lock" since */
			assert_true(!strcmp(r->state, "semacquire") || !strcmp(r->state, "sync.Mutex.Lock"));
			assert_true(frames_with(r, "sync.(*Mutex).Lock"));
			assert_string_equal(r->cb, "main.main");
		}
		if (frames_with(r, "main.onChan")) {
			chan2++;
			assert_string_equal(r->state, "chan receive");
		}
	}
	assert_int_equal(mutex2, 50);
	assert_int_equal(chan2, 20);
	for (i = 0; i < r1.n; i++)
		if (frames_with(&r1.rows[i], "main.onMutex"))
			mutex1 += r1.rows[i].count;
	for (i = 0; i < r0.n; i++)
		if (frames_with(&r0.rows[i], "main.onMutex"))
			mutex0 += r0.rows[i].count;
	assert_int_equal(mutex1, 50);
	assert_int_equal(mutex0, 50);
	rec_free(&r2);
	rec_free(&r1);
	rec_free(&r0);
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' 2>/dev/null; rm -rf '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_corpus2_all),
		cmocka_unit_test(t_panicweb),
		cmocka_unit_test(t_kvstore_go124),
		cmocka_unit_test(t_longwait_locked),
		cmocka_unit_test(t_gvisor),
		cmocka_unit_test(t_ancestors),
		cmocka_unit_test(t_elided),
		cmocka_unit_test(t_go121_createdby),
		cmocka_unit_test(t_partial),
		cmocka_unit_test(t_errorhandling),
		cmocka_unit_test(t_snippets),
		cmocka_unit_test(t_modern_forms),
		cmocka_unit_test(t_crlf_and_no_final_newline),
		cmocka_unit_test(t_truncated),
		cmocka_unit_test(t_long_line),
		cmocka_unit_test(t_frame_cap),
		cmocka_unit_test(t_empty_garbage),
		cmocka_unit_test(t_fuzz_negative_minutes),
		cmocka_unit_test(t_stop_and_warn_cap),
		cmocka_unit_test(t_debug1_corpus),
		cmocka_unit_test(t_debug1_crafted),
		cmocka_unit_test(t_real_go_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
