/*
 * bench_goroutine: how fast parse_goroutine_text reads a large debug=2 dump,
 * and how much memory it needs doing so.
 *
 * The dump is synthesised from the real dumps of the corpus
 * (tests/data/corpus/goroutine-debug2/): every goroutine block of every file
 * the parser reads without a warning or a cut goroutine is a template; the
 * templates are repeated in turn, each copy with a fresh goroutine id and
 * with "\r\n" made "\n" (one dump has one line ending), until the dump holds
 * about SIZE MiB. So it has as many distinct stacks as the corpus, however
 * many goroutines: the case the parser's memory bound is about.
 *
 * The rows go to a sink that groups them as the loader does (a hash of
 * the function sequence and creator -> count), so the timed work includes
 * the grouping and the memory grows with distinct stacks. Each of RUNS
 * parses is timed; the best and median throughput are printed, and the
 * peak RSS before and after (the dump itself is in memory before).
 *
 *   bench_goroutine [-c CORPUS_DIR] [SIZE_MIB [RUNS]]
 *
 * Output (one line each, for bench/bench_goroutine.sh):
 *   templates N files N skipped_files N
 *   goroutines N frames N stacks N bytes N
 *   best_mbps X median_mbps X
 *   rss_before_kib N rss_after_kib N
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "hashmap.h"
#include "parse_goroutine.h"
#include "strbuf.h"

struct tally {
	uint64_t goroutines, frames, warnings, truncated;
	struct hashmap stacks;    /* stack hash -> count */
	struct strbuf scratch;
};

/* The loader's identity of a stack: its function sequence and creator. */
static int group_row(void *ctx, const struct sm_goroutine_row *r)
{
	struct tally *t = ctx;
	uint64_t h, *count;
	size_t i;
	int is_new;

	t->goroutines++;
	t->frames += r->nframes;
	t->truncated += r->truncated != 0;
	strbuf_reset(&t->scratch);
	for (i = 0; i < r->nframes; i++) {
		strbuf_addstr(&t->scratch, r->frames[i].func ? r->frames[i].func : "?");
		strbuf_addch(&t->scratch, '\n');
	}
	strbuf_addstr(&t->scratch, r->created_by ? r->created_by : "");
	h = hash_bytes(t->scratch.buf, t->scratch.len);
	count = hashmap_put(&t->stacks, &h, sizeof(h), &is_new);
	(*count)++;
	return 0;
}

static void count_warning(void *ctx, uint64_t line, const char *msg)
{
	struct tally *t = ctx;

	(void)line;
	(void)msg;
	t->warnings++;
}

static void tally_init(struct tally *t, struct sm_sink *sink)
{
	memset(t, 0, sizeof(*t));
	hashmap_init(&t->stacks, sizeof(uint64_t), sizeof(uint64_t));
	strbuf_init(&t->scratch, 0);
	memset(sink, 0, sizeof(*sink));
	sink->ctx = t;
	sink->goroutine = group_row;
	sink->warn = count_warning;
}

static void tally_free(struct tally *t)
{
	hashmap_free(&t->stacks);
	strbuf_release(&t->scratch);
}

/* A goroutine block with its id cut out: "goroutine " + id + rest. */
struct templ {
	char *rest;               /* from " [" to the end of the block, "\n" included */
	size_t len;
};

struct templates {
	struct templ *t;
	size_t n, cap;
	unsigned files, skipped;
};

/* Does line (len bytes) start "goroutine DIGITS ["? Returns the offset of " [". */
static size_t header_rest(const char *line, size_t len)
{
	size_t i = 10;

	if (len < 13 || memcmp(line, "goroutine ", 10) || line[i] < '0' || line[i] > '9')
		return 0;
	while (i < len && line[i] >= '0' && line[i] <= '9')
		i++;
	return i + 1 < len && line[i] == ' ' && line[i + 1] == '[' ? i : 0;
}

static void templ_add(struct templates *ts, const char *rest, size_t len)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 64;
		ts->t = xreallocarray(ts->t, ts->cap, sizeof(*ts->t));
	}
	ts->t[ts->n].rest = xmalloc(len);
	memcpy(ts->t[ts->n].rest, rest, len);
	ts->t[ts->n].len = len;
	ts->n++;
}

/* Cuts text (LF only) into goroutine blocks: a header line up to a blank line. */
static void templ_split(struct templates *ts, const char *text, size_t len)
{
	const char *p = text, *end = text + len, *block = NULL;
	size_t rest_off = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t r = header_rest(p, n);

		if (block && (n == 0 || r)) {
			templ_add(ts, block + rest_off, (size_t)(p - block) - rest_off);
			block = NULL;
		}
		if (r) {
			block = p;
			rest_off = r;
		}
		p += n + (nl != NULL);
	}
	if (block && end > block && end[-1] == '\n')
		templ_add(ts, block + rest_off, (size_t)(end - block) - rest_off);
}

/* The file without '\r', or NULL. */
static char *read_lf(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct strbuf sb = STRBUF_INIT;
	int c;

	if (!f)
		return NULL;
	while ((c = getc(f)) != EOF)
		if (c != '\r')
			strbuf_addch(&sb, (char)c);
	fclose(f);
	return strbuf_detach(&sb, len);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every corpus file the parser reads cleanly, in name order (deterministic). */
static int templ_load(struct templates *ts, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	if (!d) {
		fprintf(stderr, "bench_goroutine: %s: cannot open the corpus directory\n", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++) {
		struct strbuf path = STRBUF_INIT;
		struct tally t;
		struct sm_sink sink;
		size_t len;
		char *text;

		strbuf_addf(&path, "%s/%s", dir, names[i]);
		text = read_lf(path.buf, &len);
		strbuf_release(&path);
		free(names[i]);
		if (!text)
			continue;
		tally_init(&t, &sink);
		if (parse_goroutine_text(text, len, &sink) == 0 && !t.warnings && !t.truncated && t.goroutines) {
			templ_split(ts, text, len);
			ts->files++;
		} else {
			ts->skipped++;
		}
		tally_free(&t);
		free(text);
	}
	free(names);
	return ts->n ? 0 : -1;
}

/* Repeats the templates with fresh ids until about want bytes. */
static char *generate(const struct templates *ts, size_t want, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long id = 1;

	strbuf_grow(&sb, want + 65536);
	while (sb.len < want) {
		const struct templ *t = &ts->t[(id - 1) % ts->n];

		strbuf_addf(&sb, "goroutine %lu", id++);
		strbuf_add(&sb, t->rest, t->len);
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb, len);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *corpus = "tests/data/corpus/goroutine-debug2";
	struct templates ts;
	struct tally t;
	struct sm_sink sink;
	size_t mib, len, i;
	double *mbps;
	char *buf;
	long before;
	int runs, r;

	if (argc > 2 && !strcmp(argv[1], "-c")) {
		corpus = argv[2];
		argc -= 2;
		argv += 2;
	}
	mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
	runs = argc > 2 ? atoi(argv[2]) : 5;
	if (mib == 0 || mib > 4096 || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_goroutine [-c CORPUS_DIR] [SIZE_MIB [RUNS]]\n");
		return 2;
	}
	memset(&ts, 0, sizeof(ts));
	if (templ_load(&ts, corpus) < 0) {
		fprintf(stderr, "bench_goroutine: no goroutine found in %s\n", corpus);
		return 1;
	}
	buf = generate(&ts, mib << 20, &len);
	mbps = xcalloc((size_t)runs, sizeof(*mbps));
	before = max_rss_kib();
	tally_init(&t, &sink);
	for (r = 0; r < runs; r++) {
		double t0;

		tally_free(&t);
		tally_init(&t, &sink);
		t0 = now();
		if (parse_goroutine_text(buf, len, &sink) != 0) {
			fprintf(stderr, "bench_goroutine: parse failed\n");
			return 1;
		}
		mbps[r] = (double)len / 1e6 / (now() - t0);
	}
	qsort(mbps, (size_t)runs, sizeof(*mbps), cmp_double);
	printf("templates %zu files %u skipped_files %u\n", ts.n, ts.files, ts.skipped);
	printf("goroutines %llu frames %llu stacks %zu bytes %zu warnings %llu\n", (unsigned long long)t.goroutines,
	       (unsigned long long)t.frames, t.stacks.count, len, (unsigned long long)t.warnings);
	printf("best_mbps %.0f median_mbps %.0f\n", mbps[runs - 1], mbps[runs / 2]);
	printf("rss_before_kib %ld rss_after_kib %ld\n", before, max_rss_kib());
	tally_free(&t);
	for (i = 0; i < ts.n; i++)
		free(ts.t[i].rest);
	free(ts.t);
	free(buf);
	free(mbps);
	return 0;
}
