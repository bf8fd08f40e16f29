/*
 * Unit tests for parse_pprof: every file of tests/data/corpus/pprof-proto
 * (figures from `go tool pprof -raw`, re-checked against it at run time when
 * a Go toolchain is installed), profiles built here with a small protobuf
 * encoder (packed and unpacked fields, sparse ids, inlined lines, labels,
 * fields in any order), and hostile input: lengths past the end, 11-byte
 * varints, group wire types, missing ids, negative and huge counts, cut and
 * corrupt gzip, a gzip bomb, every prefix and every byte flip of a real
 * profile. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "parse_pprof.h"

#define CORPUS "tests/data/corpus/pprof-proto/"

/* --- a recording sink --------------------------------------------------- */

struct rrow {
	uint64_t line;
	int64_t count;
	int elided;
	size_t nframes;
	char *func[8], *file[8];
	int64_t fline[8];
	char *labels;
};

struct rec {
	struct rrow rows[64];
	size_t n;
	int64_t sum;
	size_t ncounter;
	char group[32];
	int64_t total;
	char warn[32][200];
	size_t nwarn;
	size_t stop_at;
};

static int rec_goroutine(void *ctx, const struct sm_goroutine_row *r)
{
	struct rec *rc = ctx;
	size_t i;

	assert_int_equal(r->id, SM_NONE);
	assert_null(r->state);
	assert_int_equal(r->wait_minutes, SM_NONE);
	assert_true(r->count >= 0);
	assert_true(r->nframes <= 4096);
	for (i = 0; i < r->nframes; i++) {
		assert_non_null(r->frames[i].func);
		assert_true(r->frames[i].func[0] != '\0');
	}
	rc->sum = (int64_t)((uint64_t)rc->sum + (uint64_t)r->count);  /* may wrap: t_counts */
	if (rc->n < 64) {
		struct rrow *o = &rc->rows[rc->n];

		o->line = r->line;
		o->count = r->count;
		o->elided = r->elided;
		o->nframes = r->nframes;
		for (i = 0; i < r->nframes && i < 8; i++) {
			o->func[i] = strdup(r->frames[i].func);
			o->file[i] = r->frames[i].file ? strdup(r->frames[i].file) : NULL;
			o->fline[i] = r->frames[i].line;
		}
		o->labels = r->labels ? strdup(r->labels) : NULL;
	}
	rc->n++;
	return rc->stop_at && rc->n == rc->stop_at ? 7 : 0;
}

static int rec_counter(void *ctx, const struct sm_counter_row *r)
{
	struct rec *rc = ctx;

	assert_string_equal(r->name, "total");
	snprintf(rc->group, sizeof(rc->group), "%s", r->group);
	rc->total = r->value;
	rc->ncounter++;
	return 0;
}

static void rec_warn(void *ctx, uint64_t line, const char *msg)
{
	struct rec *rc = ctx;

	(void)line;
	assert_non_null(msg);
	if (rc->nwarn < 32)
		snprintf(rc->warn[rc->nwarn], sizeof(rc->warn[0]), "%s", msg);
	rc->nwarn++;
}

static void rec_free(struct rec *rc)
{
	size_t i, j;

	for (i = 0; i < rc->n && i < 64; i++) {
		for (j = 0; j < rc->rows[i].nframes && j < 8; j++) {
			free(rc->rows[i].func[j]);
			free(rc->rows[i].file[j]);
		}
		free(rc->rows[i].labels);
	}
	memset(rc, 0, sizeof(*rc));
}

static int has_warning(const struct rec *rc, const char *needle)
{
	size_t i;

	for (i = 0; i < rc->nwarn && i < 32; i++)
		if (strstr(rc->warn[i], needle))
			return 1;
	return 0;
}

/* Parse [b, b+n) through an exact-size copy (ASan flags overreads). */
static int parse_buf(const void *b, size_t n, struct rec *rc)
{
	struct sm_sink s;
	char *copy = malloc(n ? n : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, b, n);
	memset(&s, 0, sizeof(s));
	memset(rc, 0, sizeof(*rc));
	s.ctx = rc;
	s.goroutine = rec_goroutine;
	s.counter = rec_counter;
	s.warn = rec_warn;
	r = parse_pprof_proto(copy, n, &s);
	free(copy);
	return r;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	rewind(f);
	b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* gunzip a corpus file here (zlib directly) to test the plain-protobuf path. */
static unsigned char *gunzip(const unsigned char *in, size_t n, size_t *outlen)
{
	z_stream zs;
	size_t cap = 1 << 20;
	unsigned char *out = malloc(cap);

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = zs.total_out;
	inflateEnd(&zs);
	return out;
}

/* gzip [in, in+n) (gzip framing, like the Go runtime writes). */
static unsigned char *gzip_buf(const unsigned char *in, size_t n, size_t *outlen)
{
	z_stream zs;
	size_t cap = n + 1024;
	unsigned char *out = malloc(cap);

	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*outlen = zs.total_out;
	deflateEnd(&zs);
	return out;
}

/* --- corpus ------------------------------------------------------------------ */

static const struct {
	const char *name;
	size_t samples;
	int64_t total;        /* sum of goroutine/count values (go tool pprof -raw) */
} corpus[] = {
	{ "agent-insight-goroutine-synthetic-labels.pb.gz", 8, 6200 },
	{ "concurrentmap-goroutine.pprof", 3, 3 },
	{ "flameshow-goroutine.pb.gz", 14, 37 },
	{ "mockzilla-goroutine.pprof", 6, 6 },
};

static void t_corpus_totals(void **state)
{
	struct rec rc;
	size_t i, n;
	char path[256];

	(void)state;
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		unsigned char *b;

		snprintf(path, sizeof(path), CORPUS "%s", corpus[i].name);
		b = read_file(path, &n);
		assert_int_equal(parse_buf(b, n, &rc), 0);
		if (rc.n != corpus[i].samples || rc.sum != corpus[i].total || rc.nwarn)
			fail_msg("%s: %zu samples, sum %lld, %zu warnings", corpus[i].name, rc.n,
				 (long long)rc.sum, rc.nwarn);
		assert_int_equal(rc.ncounter, 1);
		assert_string_equal(rc.group, "goroutine");
		assert_int_equal(rc.total, corpus[i].total);
		rec_free(&rc);
		free(b);
	}
}

static void t_corpus_details(void **state)
{
	struct rec rc;
	size_t n;
	unsigned char *b;

	(void)state;
	b = read_file(CORPUS "agent-insight-goroutine-synthetic-labels.pb.gz", &n);
	assert_int_equal(parse_buf(b, n, &rc), 0);
	assert_int_equal(rc.rows[0].count, 1200);
	assert_string_equal(rc.rows[0].labels, "state=blocked,wait_reason=IO");
	assert_string_equal(rc.rows[2].labels, "state=running");
	assert_int_equal(rc.rows[0].nframes, 3);
	assert_string_equal(rc.rows[0].func[0], "database/sql.(*DB).QueryContext");
	assert_string_equal(rc.rows[0].file[0], "database/sql/sql.go");
	assert_int_equal(rc.rows[0].fline[0], 2200);
	assert_string_equal(rc.rows[0].func[2], "main.main");
	rec_free(&rc);
	free(b);

	/* Location 16 holds an inlined call: waitRead inlined into Accept. */
	b = read_file(CORPUS "concurrentmap-goroutine.pprof", &n);
	assert_int_equal(parse_buf(b, n, &rc), 0);
	assert_int_equal(rc.rows[1].nframes, 13);   /* 12 locations, one with 2 lines */
	assert_string_equal(rc.rows[1].func[0], "runtime.gopark");
	assert_string_equal(rc.rows[1].func[4], "internal/poll.(*pollDesc).waitRead");
	assert_int_equal(rc.rows[1].fline[4], 89);
	assert_string_equal(rc.rows[1].func[5], "internal/poll.(*FD).Accept");
	assert_string_equal(rc.rows[1].file[5], "/usr/local/go/src/internal/poll/fd_unix.go");
	assert_int_equal(rc.rows[1].fline[5], 611);
	assert_null(rc.rows[1].labels);
	rec_free(&rc);
	free(b);

	b = read_file(CORPUS "flameshow-goroutine.pb.gz", &n);
	assert_int_equal(parse_buf(b, n, &rc), 0);
	assert_int_equal(rc.rows[0].count, 7);
	assert_int_equal(rc.rows[0].nframes, 17);   /* 15 locations, 2 inlined pairs */
	assert_int_equal(rc.rows[13].count, 1);
	rec_free(&rc);
	free(b);
}

/* A CPU profile: a clear "not a goroutine profile", no rows, -1. */
static void t_cpu_profile(void **state)
{
	struct rec rc;
	size_t n;
	unsigned char *b = read_file(CORPUS "googlepprof-sample.cpu.pb.gz", &n);

	(void)state;
	assert_int_equal(parse_buf(b, n, &rc), -1);
	assert_int_equal(rc.n, 0);
	assert_int_equal(rc.ncounter, 0);
	assert_true(has_warning(&rc, "not a goroutine profile (sample types: samples/count cpu/nanoseconds)"));
	rec_free(&rc);
	free(b);
}

/* Plain (decompressed) protobuf parses to the same rows. */
static void t_plain_protobuf(void **state)
{
	struct rec a, b;
	size_t n, pn, i;
	unsigned char *gz = read_file(CORPUS "flameshow-goroutine.pb.gz", &n);
	unsigned char *plain = gunzip(gz, n, &pn);

	(void)state;
	assert_int_equal(parse_buf(gz, n, &a), 0);
	assert_int_equal(parse_buf(plain, pn, &b), 0);
	assert_int_equal(a.n, b.n);
	for (i = 0; i < a.n; i++) {
		assert_int_equal(a.rows[i].count, b.rows[i].count);
		assert_int_equal(a.rows[i].line, b.rows[i].line);
		assert_int_equal(a.rows[i].nframes, b.rows[i].nframes);
	}
	rec_free(&a);
	rec_free(&b);
	free(gz);
	free(plain);
}

/* Re-check the corpus figures against `go tool pprof -raw` when Go is here. */
static void t_against_go_tool(void **state)
{
	const char *go = access("/usr/bin/go", X_OK) == 0 ? "/usr/bin/go" :
			 access("/usr/local/go/bin/go", X_OK) == 0 ? "/usr/local/go/bin/go" : NULL;
	char dir[] = "/tmp/sm-pproftest.XXXXXX", cmd[1024], line[4096];
	size_t i;

	(void)state;
	if (!go) {
		skip();
		return;
	}
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		FILE *p;
		int64_t sum = 0;
		int in_samples = 0;

		snprintf(cmd, sizeof(cmd),
			 "HOME='%s' GOCACHE='%s' GOPROXY=off GOTOOLCHAIN=local PPROF_BINARY_PATH=/nonexistent "
			 "'%s' tool pprof -raw '" CORPUS "%s' 2>/dev/null",
			 dir, dir, go, corpus[i].name);
		p = popen(cmd, "r");
		assert_non_null(p);
		while (fgets(line, sizeof(line), p)) {
			long long v;
			char colon;

			if (!strncmp(line, "Samples:", 8))
				in_samples = 1;
			else if (!strncmp(line, "Locations", 9))
				in_samples = 0;
			else if (in_samples && sscanf(line, " %lld%c", &v, &colon) == 2 && colon == ':')
				sum += v;
		}
		assert_int_equal(pclose(p), 0);
		if (sum != corpus[i].total)
			fail_msg("%s: go tool pprof says %lld", corpus[i].name, (long long)sum);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* --- a protobuf encoder for crafted profiles --------------------------------- */

struct pb {
	unsigned char *b;
	size_t n, cap;
};

static void pb_raw(struct pb *p, const void *d, size_t n)
{
	if (!p->b || p->n + n > p->cap) {
		p->cap = (p->n + n) * 2 + 64;
		p->b = realloc(p->b, p->cap);
		assert_non_null(p->b);
	}
	memcpy(p->b + p->n, d, n);
	p->n += n;
}

static void pb_varint(struct pb *p, uint64_t v)
{
	unsigned char c;

	do {
		c = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			c |= 0x80;
		pb_raw(p, &c, 1);
	} while (v);
}

static void pb_key(struct pb *p, unsigned field, unsigned wt)
{
	pb_varint(p, (uint64_t)field << 3 | wt);
}

static void pb_uint(struct pb *p, unsigned field, uint64_t v)
{
	pb_key(p, field, 0);
	pb_varint(p, v);
}

static void pb_bytes(struct pb *p, unsigned field, const void *d, size_t n)
{
	pb_key(p, field, 2);
	pb_varint(p, n);
	pb_raw(p, d, n);
}

/* Append sub as a length-delimited field and free it. */
static void pb_msg(struct pb *p, unsigned field, struct pb *sub)
{
	pb_bytes(p, field, sub->b, sub->n);
	free(sub->b);
	memset(sub, 0, sizeof(*sub));
}

static void pb_packed(struct pb *p, unsigned field, const uint64_t *v, size_t n)
{
	struct pb sub = { NULL, 0, 0 };
	size_t i;

	for (i = 0; i < n; i++)
		pb_varint(&sub, v[i]);
	if (!sub.b)
		pb_raw(&sub, "", 0);
	pb_msg(p, field, &sub);
}

static void pb_value_type(struct pb *p, unsigned field, uint64_t type, uint64_t unit)
{
	struct pb vt = { NULL, 0, 0 };

	pb_uint(&vt, 1, type);
	pb_uint(&vt, 2, unit);
	pb_msg(p, field, &vt);
}

static void pb_sample(struct pb *p, const uint64_t *locs, size_t nlocs, const uint64_t *vals,
		      size_t nvals, int packed, const uint64_t (*labels)[3], size_t nlabels)
{
	struct pb s = { NULL, 0, 0 };
	size_t i;

	if (packed) {
		pb_packed(&s, 1, locs, nlocs);
		pb_packed(&s, 2, vals, nvals);
	} else {
		for (i = 0; i < nlocs; i++)
			pb_uint(&s, 1, locs[i]);
		for (i = 0; i < nvals; i++)
			pb_uint(&s, 2, vals[i]);
	}
	for (i = 0; i < nlabels; i++) {
		struct pb l = { NULL, 0, 0 };

		pb_uint(&l, 1, labels[i][0]);
		if (labels[i][1])
			pb_uint(&l, 2, labels[i][1]);
		else
			pb_uint(&l, 3, labels[i][2]);
		pb_msg(&s, 3, &l);
	}
	pb_msg(p, 2, &s);
}

/* Location{id, address, lines of (function id, line)}. */
static void pb_location(struct pb *p, uint64_t id, uint64_t addr, const uint64_t (*lines)[2], size_t n)
{
	struct pb loc = { NULL, 0, 0 };
	size_t i;

	pb_uint(&loc, 1, id);
	pb_uint(&loc, 2, 1);               /* mapping id, ignored */
	pb_uint(&loc, 3, addr);
	for (i = 0; i < n; i++) {
		struct pb l = { NULL, 0, 0 };

		pb_uint(&l, 1, lines[i][0]);
		pb_uint(&l, 2, lines[i][1]);
		pb_msg(&loc, 4, &l);
	}
	pb_msg(p, 4, &loc);
}

static void pb_function(struct pb *p, uint64_t id, uint64_t name, uint64_t file)
{
	struct pb f = { NULL, 0, 0 };

	pb_uint(&f, 1, id);
	pb_uint(&f, 2, name);
	pb_uint(&f, 3, name);
	pb_uint(&f, 4, file);
	pb_uint(&f, 5, 1);
	pb_msg(p, 5, &f);
}

static const char *const strtab[] = {
	"", "goroutine", "count", "main.f", "/f.go", "main.g", "/g.go", "k", "v", "n", "cpu", "nanoseconds",
	"goroutineleak",
};

static void pb_strings(struct pb *p)
{
	size_t i;

	for (i = 0; i < sizeof(strtab) / sizeof(strtab[0]); i++)
		pb_bytes(p, 6, strtab[i], strlen(strtab[i]));
}

#define BIG_ID ((uint64_t)1 << 40)

/*
 * A goroutine profile, samples first and strings last (as the runtime
 * writes it), with unknown fields of every wire type sprinkled in.
 */
static void mk_profile(struct pb *p, int packed)
{
	const uint64_t locs1[] = { 100, BIG_ID }, vals1[] = { 5 }, locs2[] = { 200 }, vals2[] = { 3 };
	const uint64_t labels1[][3] = { { 7, 8, 0 }, { 9, 0, 42 } };
	const uint64_t l100[][2] = { { 7, 12 } }, lbig[][2] = { { 8, 20 }, { 7, 13 } };
	uint64_t fixed64 = 0x0102030405060708ULL;
	uint32_t fixed32 = 0x01020304;

	memset(p, 0, sizeof(*p));
	pb_value_type(p, 1, 1, 2);
	pb_sample(p, locs1, 2, vals1, 1, packed, labels1, 2);
	pb_key(p, 99, 1);
	pb_raw(p, &fixed64, 8);
	pb_sample(p, locs2, 1, vals2, 1, packed, NULL, 0);
	pb_location(p, 100, 0x401100, l100, 1);
	pb_location(p, BIG_ID, 0x401200, lbig, 2);
	pb_location(p, 200, 0x401000, NULL, 0);
	pb_key(p, 98, 5);
	pb_raw(p, &fixed32, 4);
	pb_function(p, 7, 3, 4);
	pb_function(p, 8, 5, 6);
	pb_uint(p, 9, 1694243309664362892ULL);
	pb_value_type(p, 11, 1, 2);
	pb_uint(p, 12, 1);
	pb_strings(p);
}

static void check_crafted(const struct rec *rc)
{
	assert_int_equal(rc->nwarn, 0);
	assert_int_equal(rc->n, 2);
	assert_int_equal(rc->rows[0].count, 5);
	assert_int_equal(rc->rows[0].nframes, 3);
	assert_string_equal(rc->rows[0].func[0], "main.f");
	assert_string_equal(rc->rows[0].file[0], "/f.go");
	assert_int_equal(rc->rows[0].fline[0], 12);
	assert_string_equal(rc->rows[0].func[1], "main.g");      /* inlined into ... */
	assert_int_equal(rc->rows[0].fline[1], 20);
	assert_string_equal(rc->rows[0].func[2], "main.f");      /* ... this caller */
	assert_int_equal(rc->rows[0].fline[2], 13);
	assert_string_equal(rc->rows[0].labels, "k=v,n=42");
	assert_int_equal(rc->rows[1].count, 3);
	assert_int_equal(rc->rows[1].nframes, 1);
	assert_string_equal(rc->rows[1].func[0], "0x401000");
	assert_null(rc->rows[1].file[0]);
	assert_int_equal(rc->rows[1].fline[0], SM_NONE);
	assert_null(rc->rows[1].labels);
	assert_int_equal(rc->total, 8);
	assert_string_equal(rc->group, "goroutine");
}

static void t_crafted(void **state)
{
	struct pb p;
	struct rec rc;
	unsigned char *gz;
	size_t gzn;

	(void)state;
	mk_profile(&p, 1);
	assert_int_equal(parse_buf(p.b, p.n, &rc), 0);
	check_crafted(&rc);
	rec_free(&rc);
	gz = gzip_buf(p.b, p.n, &gzn);
	assert_int_equal(parse_buf(gz, gzn, &rc), 0);
	check_crafted(&rc);
	rec_free(&rc);
	free(gz);
	free(p.b);

	mk_profile(&p, 0);
	assert_int_equal(parse_buf(p.b, p.n, &rc), 0);
	check_crafted(&rc);
	rec_free(&rc);
	/* Stop at the first row. */
	{
		struct sm_sink s;

		memset(&s, 0, sizeof(s));
		memset(&rc, 0, sizeof(rc));
		rc.stop_at = 1;
		s.ctx = &rc;
		s.goroutine = rec_goroutine;
		s.counter = rec_counter;
		s.warn = rec_warn;
		assert_int_equal(parse_pprof_proto((char *)p.b, p.n, &s), 7);
		assert_int_equal(rc.n, 1);
		assert_int_equal(rc.ncounter, 0);
		rec_free(&rc);
		/* No callbacks at all. */
		memset(&s, 0, sizeof(s));
		assert_int_equal(parse_pprof_proto((char *)p.b, p.n, &s), 0);
		assert_int_equal(parse_pprof_proto((char *)p.b, p.n, NULL), 0);
	}
	free(p.b);
}

/* A profile of strings and functions plus the given tail. */
static void mk_base(struct pb *p)
{
	memset(p, 0, sizeof(*p));
	pb_value_type(p, 1, 1, 2);
	pb_strings(p);
	pb_function(p, 7, 3, 4);
}

static void t_missing_ids(void **state)
{
	struct pb p;
	struct rec rc;
	const uint64_t locs[] = { 100, 999 }, vals[] = { 4 };
	const uint64_t l100[][2] = { { 7, 12 }, { 55, 1 } };
	const uint64_t lbad[][2] = { { 7, 1 } };

	(void)state;
	mk_base(&p);
	pb_location(&p, 100, 0x1, l100, 2);   /* its second line names function 55 */
	pb_location(&p, 0, 0x2, lbad, 1);     /* no id */
	pb_function(&p, 7, 3, 4);             /* duplicate id */
	pb_function(&p, 9, 500, 4);           /* name index out of the table */
	pb_sample(&p, locs, 2, vals, 1, 1, NULL, 0);
	assert_int_equal(parse_buf(p.b, p.n, &rc), 0);
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.rows[0].count, 4);     /* the sample is kept */
	assert_int_equal(rc.rows[0].nframes, 1);
	assert_string_equal(rc.rows[0].func[0], "main.f");
	assert_int_equal(rc.total, 4);
	assert_true(has_warning(&rc, "missing location id"));
	assert_true(has_warning(&rc, "missing function id"));
	assert_true(has_warning(&rc, "location without an id"));
	assert_true(has_warning(&rc, "duplicate function id 7"));
	assert_true(has_warning(&rc, "at protobuf byte"));
	rec_free(&rc);
	free(p.b);
}

static void t_counts(void **state)
{
	struct pb p;
	struct rec rc;
	const uint64_t locs[] = { 1 }, neg[] = { UINT64_MAX }, big[] = { (uint64_t)INT64_MAX };
	const uint64_t two[] = { 1, 2 };
	const uint64_t l1[][2] = { { 7, 3 } };

	(void)state;
	mk_base(&p);
	pb_location(&p, 1, 0x1, l1, 1);
	pb_sample(&p, locs, 1, neg, 1, 0, NULL, 0);   /* -1 */
	pb_sample(&p, locs, 1, big, 1, 0, NULL, 0);
	pb_sample(&p, locs, 1, big, 1, 1, NULL, 0);   /* overflows the sum */
	pb_sample(&p, locs, 1, NULL, 0, 1, NULL, 0);  /* no value */
	pb_sample(&p, locs, 1, two, 2, 1, NULL, 0);   /* more values than types: first counts */
	assert_int_equal(parse_buf(p.b, p.n, &rc), 0);
	assert_int_equal(rc.n, 3);
	assert_int_equal(rc.rows[2].count, 1);
	assert_int_equal(rc.total, INT64_MAX);
	assert_true(has_warning(&rc, "negative count"));
	assert_true(has_warning(&rc, "without a goroutine count"));
	assert_true(has_warning(&rc, "overflows"));
	rec_free(&rc);
	free(p.b);

	/* No sample_type, period_type goroutine: accepted. */
	memset(&p, 0, sizeof(p));
	pb_value_type(&p, 11, 1, 2);
	pb_strings(&p);
	pb_function(&p, 7, 3, 4);
	pb_location(&p, 1, 0x1, l1, 1);
	pb_sample(&p, locs, 1, two, 1, 1, NULL, 0);
	assert_int_equal(parse_buf(p.b, p.n, &rc), 0);
	assert_int_equal(rc.total, 1);
	rec_free(&rc);
	free(p.b);

	/* Go 1.26's goroutineleak profile: read alike, its own counter group. */
	memset(&p, 0, sizeof(p));
	pb_value_type(&p, 1, 12, 2);
	pb_strings(&p);
	pb_function(&p, 7, 3, 4);
	pb_location(&p, 1, 0x1, l1, 1);
	pb_sample(&p, locs, 1, two, 1, 1, NULL, 0);
	assert_int_equal(parse_buf(p.b, p.n, &rc), 0);
	assert_int_equal(rc.n, 1);
	assert_string_equal(rc.group, "goroutineleak");
	assert_int_equal(rc.total, 1);
	rec_free(&rc);
	free(p.b);

	/* sample_type cpu/nanoseconds: refused. */
	memset(&p, 0, sizeof(p));
	pb_value_type(&p, 1, 10, 11);
	pb_strings(&p);
	pb_sample(&p, locs, 1, two, 1, 1, NULL, 0);
	assert_int_equal(parse_buf(p.b, p.n, &rc), -1);
	assert_int_equal(rc.n, 0);
	assert_true(has_warning(&rc, "not a goroutine profile (sample types: cpu/nanoseconds)"));
	rec_free(&rc);
	free(p.b);
}

static void t_hostile_wire(void **state)
{
	struct rec rc;
	struct pb p;
	/* string_table entry claiming 100 bytes with 3 left */
	const unsigned char past_end[] = { 0x32, 0x64, 'a', 'b', 'c' };
	/* field 9 (varint) with an 11-byte varint */
	const unsigned char long_varint[] = { 0x48, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
	const unsigned char overflow[] = { 0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	const unsigned char group[] = { 0x0b, 0x0c };            /* field 1, start/end group */
	const unsigned char bad_wt[] = { 0x0e };                /* wire type 6 */
	const unsigned char field0[] = { 0x02, 0x00 };          /* field number 0 */
	const unsigned char cut_key[] = { 0x80 };
	const unsigned char cut_fixed[] = { 0x49, 1, 2, 3 };    /* fixed64 with 3 bytes */
	const char text[] = "goroutine profile: total 3\n3 @ 0x1\n";
	const uint64_t locs[] = { 1 }, vals[] = { 2 };
	const uint64_t l1[][2] = { { 7, 3 } };

	(void)state;
	assert_int_equal(parse_buf(past_end, sizeof(past_end), &rc), -1);
	assert_true(has_warning(&rc, "length 100 runs past the end (3 bytes left) at protobuf byte 1"));
	assert_int_equal(rc.n, 0);
	rec_free(&rc);
	assert_int_equal(parse_buf(long_varint, sizeof(long_varint), &rc), -1);
	assert_true(has_warning(&rc, "varint longer than 10 bytes at protobuf byte 1"));
	rec_free(&rc);
	assert_int_equal(parse_buf(overflow, sizeof(overflow), &rc), -1);
	assert_true(has_warning(&rc, "varint overflows 64 bits"));
	rec_free(&rc);
	assert_int_equal(parse_buf(group, sizeof(group), &rc), -1);
	assert_true(has_warning(&rc, "group wire type"));
	rec_free(&rc);
	assert_int_equal(parse_buf(bad_wt, sizeof(bad_wt), &rc), -1);
	assert_true(has_warning(&rc, "invalid wire type"));
	rec_free(&rc);
	assert_int_equal(parse_buf(field0, sizeof(field0), &rc), -1);
	assert_true(has_warning(&rc, "invalid field number"));
	rec_free(&rc);
	assert_int_equal(parse_buf(cut_key, sizeof(cut_key), &rc), -1);
	assert_true(has_warning(&rc, "truncated varint"));
	rec_free(&rc);
	assert_int_equal(parse_buf(cut_fixed, sizeof(cut_fixed), &rc), -1);
	assert_true(has_warning(&rc, "truncated fixed-width"));
	rec_free(&rc);
	assert_int_equal(parse_buf(text, strlen(text), &rc), -1);
	assert_int_equal(rc.n, 0);
	rec_free(&rc);
	assert_int_equal(parse_buf("", 0, &rc), 0);
	assert_int_equal(rc.n + rc.nwarn + rc.ncounter, 0);

	/* A location whose line claims 2^60 bytes: that location only is dropped. */
	mk_base(&p);
	{
		struct pb loc = { NULL, 0, 0 };

		pb_uint(&loc, 1, 1);
		pb_key(&loc, 4, 2);
		pb_varint(&loc, (uint64_t)1 << 60);
		pb_msg(&p, 4, &loc);
	}
	pb_location(&p, 2, 0x2, l1, 1);
	pb_sample(&p, locs, 1, vals, 1, 1, NULL, 0);
	assert_int_equal(parse_buf(p.b, p.n, &rc), 0);
	assert_true(has_warning(&rc, "malformed location skipped"));
	assert_true(has_warning(&rc, "missing location id"));
	assert_int_equal(rc.n, 1);
	assert_int_equal(rc.rows[0].nframes, 0);
	rec_free(&rc);
	free(p.b);
}

/* Every prefix and every byte flip of a real profile: no crash, sane rows. */
static void t_prefixes_and_flips(void **state)
{
	struct rec rc;
	size_t n, pn, i, ok = 0;
	unsigned char *gz = read_file(CORPUS "concurrentmap-goroutine.pprof", &n);
	unsigned char *plain = gunzip(gz, n, &pn);

	(void)state;
	for (i = 0; i < pn; i++) {
		int r = parse_buf(plain, i, &rc);

		assert_true(r == 0 || r == -1);
		ok += r == 0;
		rec_free(&rc);
	}
	assert_true(ok > 0);
	for (i = 0; i < pn; i++) {
		int r;

		plain[i] ^= 0xff;
		r = parse_buf(plain, pn, &rc);
		assert_true(r == 0 || r == -1);
		rec_free(&rc);
		plain[i] ^= 0xff;
	}
	/* Cut gzip: "truncated" at every length but the whole. */
	for (i = 1; i < n; i += 7) {
		assert_int_equal(parse_buf(gz, i, &rc), -1);
		assert_true(has_warning(&rc, "gzip") || has_warning(&rc, "not a readable"));
		rec_free(&rc);
	}
	assert_int_equal(parse_buf(gz, n - 3, &rc), -1);
	assert_true(has_warning(&rc, "gzip data truncated at compressed byte"));
	rec_free(&rc);
	free(gz);
	free(plain);
}

static void t_corrupt_gzip(void **state)
{
	struct rec rc;
	size_t n, i;
	unsigned char *gz = read_file(CORPUS "flameshow-goroutine.pb.gz", &n);
	unsigned char *withtail;

	(void)state;
	/* Damage the deflate data (past the 10-byte header). */
	for (i = 20; i < 60; i++)
		gz[i] ^= 0x5a;
	assert_int_equal(parse_buf(gz, n, &rc), -1);
	assert_true(has_warning(&rc, "corrupt gzip data at compressed byte"));
	assert_int_equal(rc.n, 0);
	rec_free(&rc);
	free(gz);

	/* Bytes after the gzip stream: warned about, the profile still read. */
	gz = read_file(CORPUS "flameshow-goroutine.pb.gz", &n);
	withtail = malloc(n + 5);
	assert_non_null(withtail);
	memcpy(withtail, gz, n);
	memcpy(withtail + n, "junk!", 5);
	assert_int_equal(parse_buf(withtail, n + 5, &rc), 0);
	assert_int_equal(rc.sum, 37);
	assert_true(has_warning(&rc, "data after the gzip stream ignored"));
	rec_free(&rc);
	free(withtail);
	free(gz);
}

/* 300 MB of zeros, deflated in a stream here (about 300 KB): refused early. */
static void t_gzip_bomb(void **state)
{
	struct rec rc;
	z_stream zs;
	static unsigned char zeros[1 << 20];
	size_t cap = 1 << 20, i;
	unsigned char *out = malloc(cap);
	clock_t t0;

	(void)state;
	assert_non_null(out);
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	for (i = 0; i < 300; i++) {
		zs.next_in = zeros;
		zs.avail_in = sizeof(zeros);
		assert_int_equal(deflate(&zs, i == 299 ? Z_FINISH : Z_NO_FLUSH), i == 299 ? Z_STREAM_END : Z_OK);
		assert_true(zs.avail_out > 0);
	}
	assert_true(zs.total_out < 400000);
	t0 = clock();
	assert_int_equal(parse_buf(out, zs.total_out, &rc), -1);
	assert_true(has_warning(&rc, "compression ratio over 256:1 (a gzip bomb?) at compressed byte"));
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	assert_int_equal(rc.n, 0);
	rec_free(&rc);
	deflateEnd(&zs);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_corpus_totals),
		cmocka_unit_test(t_corpus_details),
		cmocka_unit_test(t_cpu_profile),
		cmocka_unit_test(t_plain_protobuf),
		cmocka_unit_test(t_against_go_tool),
		cmocka_unit_test(t_crafted),
		cmocka_unit_test(t_missing_ids),
		cmocka_unit_test(t_counts),
		cmocka_unit_test(t_hostile_wire),
		cmocka_unit_test(t_prefixes_and_flips),
		cmocka_unit_test(t_corrupt_gzip),
		cmocka_unit_test(t_gzip_bomb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
