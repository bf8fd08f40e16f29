/*
 * parse_pprof: goroutine profiles in the pprof protobuf format.
 *
 * Source: github.com/google/pprof/proto/profile.proto, as written by the Go
 * runtime (runtime/pprof/proto.go profileBuilder, gzip level BestSpeed) and
 * by github.com/google/pprof/profile. Only what a goroutine profile needs:
 *
 *   Profile   1 sample_type ValueType*   2 sample Sample*    3 mapping*
 *             4 location Location*       5 function Function*
 *             6 string_table string*     9 time_nanos  10 duration_nanos
 *             11 period_type ValueType   12 period  13 comment  14 default_sample_type
 *   ValueType 1 type (string index)      2 unit (string index)
 *   Sample    1 location_id uint64* (packed or not; [0] is the leaf)
 *             2 value int64* (one per sample_type)   3 label Label*
 *   Label     1 key  2 str (string indices)  3 num  4 num_unit
 *   Location  1 id  2 mapping_id  3 address  4 line Line*  5 is_folded
 *   Line      1 function_id  2 line  (3 column, newer)
 *   Function  1 id  2 name  3 system_name  4 filename  5 start_line
 *
 * A goroutine profile has sample_type [{goroutine, count}] and one sample
 * per distinct stack (with labels) whose value is the number of goroutines
 * on it. A location with several lines is an inlined call chain: the last
 * line is the caller the earlier ones were inlined into, so lines are
 * frames innermost first, like location_id. Ids are arbitrary non-zero
 * numbers (the Go runtime numbers from 1; other encoders may not), string 0
 * is "". Fields may come in any order (the runtime writes the string table
 * last), hence two passes over the decoded message: tables, then samples.
 *
 * Wire format (protobuf encoding spec): key = varint (field << 3 | type);
 * types 0 varint (at most 10 bytes), 1 fixed64, 2 length-delimited (packed
 * repeated scalars too), 5 fixed32; 3/4 (groups) are not used by
 * profile.proto and are rejected. Every read goes through a {p, end}
 * cursor that checks what is left first.
 */
#define ZLIB_CONST
#include "parse_pprof.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hashmap.h"
#include "strbuf.h"

#define PP_MAX_OUT ((size_t)256 << 20)   /* decompressed bytes */
#define PP_BOMB_FLOOR ((size_t)8 << 20)  /* ratio checked past this */
#define PP_BOMB_RATIO 256
#define PP_MAX_TABLE ((size_t)1 << 20)   /* strings, functions, locations */
#define PP_MAX_LINES ((size_t)1 << 22)
#define PP_MAX_TYPES 16
#define PP_MAX_FRAMES 4096
#define PP_MAX_LOCIDS ((size_t)1 << 16)  /* location ids kept per sample */
#define PP_MAX_WARN 100

struct pp_cur {
	const uint8_t *p, *end;
};

struct pp_span {
	const uint8_t *p;
	size_t len;
};

struct pp_func {
	uint64_t id;
	int64_t name, file;
};

struct pp_line {
	uint64_t func_id;
	int64_t line;
};

struct pp_loc {
	uint64_t id, addr;
	size_t first, n;           /* its lines in pp.lines */
};

struct pp {
	const struct sm_sink *sink;
	const uint8_t *base;       /* the protobuf */
	unsigned nwarn;
	int rc;
	/* tables */
	struct pp_span *spans;
	size_t nstr, str_cap;
	char **str;                /* NUL-terminated copies */
	char *str_text;
	struct pp_func *funcs;
	size_t nfunc, func_cap;
	struct pp_loc *locs;
	size_t nloc, loc_cap;
	struct pp_line *lines;
	size_t nline, line_cap;
	struct hashmap func_ix, loc_ix;    /* id -> uint32_t index */
	int64_t types[PP_MAX_TYPES][2];
	size_t ntypes;
	int64_t period_type[2];
	size_t nsamples;
	/* one sample */
	uint64_t *locids;
	size_t nlocids, locid_cap;
	int locids_cut;            /* more than PP_MAX_LOCIDS */
	struct sm_frame *frames;
	char (*hex)[20];
	struct strbuf labels;
	size_t value_ix;
	const char *kind;          /* the sample type counted: "goroutine"... */
	int64_t sum;
};

/* --- warnings ------------------------------------------------------------- */

static void pp_warn(struct pp *pp, uint64_t at, const char *msg)
{
	if (!pp->sink || !pp->sink->warn || pp->nwarn > PP_MAX_WARN)
		return;
	if (++pp->nwarn > PP_MAX_WARN)
		msg = "too many warnings; further ones suppressed";
	pp->sink->warn(pp->sink->ctx, at, msg);
}

/* "WHAT at protobuf byte N" -- offsets count from the decompressed start. */
static void pp_warn_at(struct pp *pp, const uint8_t *at, const char *what)
{
	char msg[200];
	uint64_t off = (uint64_t)(at - pp->base);

	snprintf(msg, sizeof(msg), "%s at protobuf byte %llu", what, (unsigned long long)off);
	pp_warn(pp, off, msg);
}

/* --- gzip ----------------------------------------------------------------- */

static int pp_zfail(struct pp *pp, z_stream *zs, size_t at, const char *what)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "%s at compressed byte %zu%s%s", what, at,
		 zs->msg ? ": " : "", zs->msg ? zs->msg : "");
	pp_warn(pp, at, msg);
	return -1;
}

/* Grow the output of an inflate: double, up to PP_MAX_OUT. */
static int pp_zgrow(uint8_t **out, size_t *cap)
{
	size_t ncap = *cap * 2;

	if (*cap >= PP_MAX_OUT)
		return -1;
	if (ncap > PP_MAX_OUT)
		ncap = PP_MAX_OUT;
	*out = xreallocarray(*out, ncap, 1);
	*cap = ncap;
	return 0;
}

/* gunzip [buf, buf+len) into *out (caller frees), within the caps. */
static int pp_gunzip(struct pp *pp, const uint8_t *buf, size_t len, uint8_t **out, size_t *outlen)
{
	z_stream zs;
	size_t cap = len < (PP_MAX_OUT >> 3) ? len * 8 : PP_MAX_OUT, in = 0, got = 0;
	int ret = -1;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		return pp_zfail(pp, &zs, 0, "cannot start gzip decompression");
	if (cap < 65536)
		cap = 65536;
	*out = xmalloc(cap);
	for (;;) {
		int zr;

		if (got == cap && pp_zgrow(out, &cap) < 0) {
			pp_zfail(pp, &zs, in, "profile larger than 256 MiB decompressed");
			goto done;
		}
		zs.next_in = buf + in;
		zs.avail_in = (uInt)(len - in < (1u << 30) ? len - in : (1u << 30));
		zs.next_out = *out + got;
		zs.avail_out = (uInt)(cap - got < (1u << 30) ? cap - got : (1u << 30));
		zr = inflate(&zs, Z_NO_FLUSH);
		in = (size_t)(zs.next_in - buf);
		got = (size_t)(zs.next_out - *out);
		if (zr == Z_STREAM_END)
			break;
		if (zr == Z_BUF_ERROR && in == len) {
			pp_zfail(pp, &zs, in, "gzip data truncated");
			goto done;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			pp_zfail(pp, &zs, in, "corrupt gzip data");
			goto done;
		}
		if (got > PP_BOMB_FLOOR && got / (in ? in : 1) > PP_BOMB_RATIO) {
			pp_zfail(pp, &zs, in, "compression ratio over 256:1 (a gzip bomb?)");
			goto done;
		}
	}
	if (in < len)
		pp_zfail(pp, &zs, in, "data after the gzip stream ignored");
	*outlen = got;
	ret = 0;
done:
	inflateEnd(&zs);
	if (ret < 0) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

/* --- wire format ---------------------------------------------------------- */

/* A varint of at most 10 bytes whose value fits 64 bits. */
static int pp_varint(struct pp *pp, struct pp_cur *c, uint64_t *v)
{
	uint64_t x = 0;
	unsigned i;

	for (i = 0; i < 10; i++) {
		uint8_t b;

		if (c->p >= c->end) {
			pp_warn_at(pp, c->p, "truncated varint");
			return -1;
		}
		b = *c->p++;
		if (i == 9 && (b & 0x80)) {
			pp_warn_at(pp, c->p - 10, "varint longer than 10 bytes");
			return -1;
		}
		if (i == 9 && b > 1) {
			pp_warn_at(pp, c->p - 10, "varint overflows 64 bits");
			return -1;
		}
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;   /* not reached: the tenth byte ends or fails above */
}

static int pp_key(struct pp *pp, struct pp_cur *c, uint32_t *field, unsigned *wt)
{
	const uint8_t *at = c->p;
	uint64_t k;

	if (pp_varint(pp, c, &k) < 0)
		return -1;
	if ((k >> 3) == 0 || (k >> 3) > 0x1fffffff) {
		pp_warn_at(pp, at, "invalid field number");
		return -1;
	}
	*field = (uint32_t)(k >> 3);
	*wt = (unsigned)(k & 7);
	return 0;
}

/* A length-delimited field: *sub covers its bytes, c moves past them. */
static int pp_bytes(struct pp *pp, struct pp_cur *c, struct pp_cur *sub)
{
	const uint8_t *at = c->p;
	uint64_t n;
	char what[120];

	if (pp_varint(pp, c, &n) < 0)
		return -1;
	if (n > (uint64_t)(c->end - c->p)) {
		snprintf(what, sizeof(what), "length %llu runs past the end (%zu bytes left)",
			 (unsigned long long)n, (size_t)(c->end - c->p));
		pp_warn_at(pp, at, what);
		return -1;
	}
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return 0;
}

/* Skip a field of wire type wt. */
static int pp_skip(struct pp *pp, struct pp_cur *c, unsigned wt)
{
	struct pp_cur sub;
	uint64_t v;
	size_t n = wt == 1 ? 8 : 4;

	switch (wt) {
	case 0:
		return pp_varint(pp, c, &v);
	case 2:
		return pp_bytes(pp, c, &sub);
	case 1:
	case 5:
		if ((size_t)(c->end - c->p) < n) {
			pp_warn_at(pp, c->p, "truncated fixed-width field");
			return -1;
		}
		c->p += n;
		return 0;
	case 3:
	case 4:
		pp_warn_at(pp, c->p, "group wire type (3/4) not supported");
		return -1;
	default:
		pp_warn_at(pp, c->p, "invalid wire type");
		return -1;
	}
}

/* A scalar field that must be a varint. */
static int pp_uint(struct pp *pp, struct pp_cur *c, unsigned wt, uint64_t *v)
{
	if (wt != 0) {
		pp_warn_at(pp, c->p, "unexpected wire type for an integer field");
		return -1;
	}
	return pp_varint(pp, c, v);
}

/*
 * Repeated integers, packed (wt 2) or one per field (wt 0): calls back for
 * each value.
 */
static int pp_ints(struct pp *pp, struct pp_cur *c, unsigned wt,
		   int (*each)(struct pp *, uint64_t, void *), void *arg)
{
	struct pp_cur sub;
	uint64_t v;

	if (wt == 0)
		return pp_varint(pp, c, &v) < 0 ? -1 : each(pp, v, arg);
	if (wt != 2) {
		pp_warn_at(pp, c->p, "unexpected wire type for a repeated integer");
		return -1;
	}
	if (pp_bytes(pp, c, &sub) < 0)
		return -1;
	while (sub.p < sub.end) {
		if (pp_varint(pp, &sub, &v) < 0 || each(pp, v, arg) < 0)
			return -1;
	}
	return 0;
}

/* --- tables (first pass) -------------------------------------------------- */

/* Make room for one more element in *arr; -1 past `max`. */
static int pp_reserve(void **arr, size_t *cap, size_t n, size_t size, size_t max)
{
	if (n >= max)
		return -1;
	if (n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*arr = xreallocarray(*arr, *cap, size);
	}
	return 0;
}

/*
 * A message of varint fields: field f (1 to 63) into out[f - 1] where bit
 * f of want is set; the others skipped. out keeps what it held for the
 * fields that are not there. -1: the message is broken.
 */
static int pp_uints(struct pp *pp, struct pp_cur *c, uint64_t want, uint64_t *out)
{
	while (c->p < c->end) {
		uint32_t f;
		unsigned wt;

		if (pp_key(pp, c, &f, &wt) < 0)
			return -1;
		if (f < 64 && (want >> f & 1)) {
			if (pp_uint(pp, c, wt, &out[f - 1]) < 0)
				return -1;
		} else if (pp_skip(pp, c, wt) < 0) {
			return -1;
		}
	}
	return 0;
}

/* ValueType{type, unit}. */
static int pp_value_type(struct pp *pp, struct pp_cur *c, int64_t out[2])
{
	uint64_t v[2] = { 0, 0 };

	if (pp_uints(pp, c, 1u << 1 | 1u << 2, v) < 0)
		return -1;
	out[0] = (int64_t)v[0];
	out[1] = (int64_t)v[1];
	return 0;
}

/* Line{function_id, line}, appended to pp->lines. */
static int pp_line(struct pp *pp, struct pp_cur *c)
{
	struct pp_line *l;
	const uint8_t *at = c->p;
	uint64_t v[2] = { 0, UINT64_MAX };   /* no line: SM_NONE */

	if (pp_reserve((void **)&pp->lines, &pp->line_cap, pp->nline, sizeof(*l), PP_MAX_LINES) < 0) {
		pp_warn_at(pp, at, "too many location lines");
		return -1;
	}
	if (pp_uints(pp, c, 1u << 1 | 1u << 2, v) < 0)
		return -1;
	l = &pp->lines[pp->nline++];
	memset(l, 0, sizeof(*l));
	l->func_id = v[0];
	l->line = v[1] <= INT64_MAX ? (int64_t)v[1] : SM_NONE;
	return 0;
}

/* Location{id, address, line*}; a bad one is dropped whole. */
static void pp_location(struct pp *pp, struct pp_cur *c)
{
	const uint8_t *at = c->p;
	struct pp_loc loc = { 0, 0, pp->nline, 0 };

	while (c->p < c->end) {
		uint32_t f;
		unsigned wt;
		uint64_t v;
		struct pp_cur sub;

		if (pp_key(pp, c, &f, &wt) < 0)
			goto bad;
		if (f == 1 || f == 3) {
			if (pp_uint(pp, c, wt, &v) < 0)
				goto bad;
			*(f == 1 ? &loc.id : &loc.addr) = v;
		} else if (f == 4 && wt == 2) {
			if (pp_bytes(pp, c, &sub) < 0 || pp_line(pp, &sub) < 0)
				goto bad;
		} else if (pp_skip(pp, c, wt) < 0) {
			goto bad;
		}
	}
	if (loc.id == 0) {
		pp_warn_at(pp, at, "location without an id skipped");
		goto drop;
	}
	if (pp_reserve((void **)&pp->locs, &pp->loc_cap, pp->nloc, sizeof(loc), PP_MAX_TABLE) < 0) {
		pp_warn_at(pp, at, "too many locations");
		goto drop;
	}
	loc.n = pp->nline - loc.first;
	pp->locs[pp->nloc++] = loc;
	return;
bad:
	pp_warn_at(pp, at, "malformed location skipped");
drop:
	pp->nline = loc.first;
}

/* Function{id, name, filename}. */
static void pp_function(struct pp *pp, struct pp_cur *c)
{
	const uint8_t *at = c->p;
	struct pp_func fn = { 0, 0, 0 };
	uint64_t v[4] = { 0, 0, 0, 0 };

	if (pp_uints(pp, c, 1u << 1 | 1u << 2 | 1u << 4, v) < 0) {
		pp_warn_at(pp, at, "malformed function skipped");
		return;
	}
	fn.id = v[0];
	fn.name = (int64_t)v[1];
	fn.file = (int64_t)v[3];
	if (fn.id == 0) {
		pp_warn_at(pp, at, "function without an id skipped");
		return;
	}
	if (pp_reserve((void **)&pp->funcs, &pp->func_cap, pp->nfunc, sizeof(fn), PP_MAX_TABLE) < 0) {
		pp_warn_at(pp, at, "too many functions");
		return;
	}
	pp->funcs[pp->nfunc++] = fn;
}

/* One top-level field of the first pass. -1: the message is broken. */
static int pp_top_field(struct pp *pp, struct pp_cur *c, uint32_t f, unsigned wt)
{
	struct pp_cur sub;
	const uint8_t *at = c->p;

	if (wt != 2 || (f != 1 && f != 2 && f != 4 && f != 5 && f != 6 && f != 11))
		return pp_skip(pp, c, wt);
	if (pp_bytes(pp, c, &sub) < 0)
		return -1;
	switch (f) {
	case 1:
		if (pp->ntypes < PP_MAX_TYPES && pp_value_type(pp, &sub, pp->types[pp->ntypes]) == 0)
			pp->ntypes++;
		break;
	case 2:
		pp->nsamples++;
		break;
	case 4:
		pp_location(pp, &sub);
		break;
	case 5:
		pp_function(pp, &sub);
		break;
	case 6:
		if (pp_reserve((void **)&pp->spans, &pp->str_cap, pp->nstr, sizeof(*pp->spans),
			       PP_MAX_TABLE) < 0) {
			pp_warn_at(pp, at, "too many strings");
			return -1;
		}
		pp->spans[pp->nstr].p = sub.p;
		pp->spans[pp->nstr].len = (size_t)(sub.end - sub.p);
		pp->nstr++;
		break;
	case 11:
		pp_value_type(pp, &sub, pp->period_type);
		break;
	}
	return 0;
}

/* NUL-terminated copies of the string table. */
static void pp_strings(struct pp *pp)
{
	size_t i, total = 0, off = 0;

	for (i = 0; i < pp->nstr; i++)
		total += pp->spans[i].len + 1;
	pp->str_text = xmalloc(total ? total : 1);
	pp->str = xreallocarray(NULL, pp->nstr ? pp->nstr : 1, sizeof(*pp->str));
	for (i = 0; i < pp->nstr; i++) {
		memcpy(pp->str_text + off, pp->spans[i].p, pp->spans[i].len);
		pp->str_text[off + pp->spans[i].len] = '\0';
		pp->str[i] = pp->str_text + off;
		off += pp->spans[i].len + 1;
	}
}

/* String i, or NULL when the index is out of the table. */
static const char *pp_string(const struct pp *pp, int64_t i)
{
	return i >= 0 && (uint64_t)i < pp->nstr ? pp->str[i] : NULL;
}

/* id -> index maps; a repeated id keeps its first definition. */
static void pp_index(struct pp *pp)
{
	size_t i;
	int is_new;
	uint32_t *v;
	char msg[80];

	hashmap_init(&pp->func_ix, sizeof(uint64_t), sizeof(uint32_t));
	hashmap_init(&pp->loc_ix, sizeof(uint64_t), sizeof(uint32_t));
	for (i = 0; i < pp->nfunc; i++) {
		v = hashmap_put(&pp->func_ix, &pp->funcs[i].id, sizeof(uint64_t), &is_new);
		if (is_new) {
			*v = (uint32_t)i;
		} else {
			snprintf(msg, sizeof(msg), "duplicate function id %llu ignored",
				 (unsigned long long)pp->funcs[i].id);
			pp_warn(pp, 0, msg);
		}
	}
	for (i = 0; i < pp->nloc; i++) {
		v = hashmap_put(&pp->loc_ix, &pp->locs[i].id, sizeof(uint64_t), &is_new);
		if (is_new) {
			*v = (uint32_t)i;
		} else {
			snprintf(msg, sizeof(msg), "duplicate location id %llu ignored",
				 (unsigned long long)pp->locs[i].id);
			pp_warn(pp, 0, msg);
		}
	}
}

/* "goroutine", or Go 1.26's "goroutineleak" (GOEXPERIMENT=goroutineleakprofile). */
static int pp_is_goroutine(const char *t)
{
	return t && (!strcmp(t, "goroutine") || !strcmp(t, "goroutineleak"));
}

/* Which value of a sample counts goroutines; -1 if this is another profile. */
static int pp_kind(struct pp *pp)
{
	struct strbuf sb = STRBUF_INIT;
	const char *t;
	size_t i;

	for (i = 0; i < pp->ntypes; i++) {
		t = pp_string(pp, pp->types[i][0]);
		if (pp_is_goroutine(t)) {
			pp->value_ix = i;
			pp->kind = t;
			return 0;
		}
	}
	t = pp_string(pp, pp->period_type[0]);
	if (pp->ntypes == 0 && pp_is_goroutine(t)) {
		pp->value_ix = 0;
		pp->kind = t;
		return 0;
	}
	strbuf_init(&sb, 64);
	strbuf_addstr(&sb, "not a goroutine profile (sample types:");
	for (i = 0; i < pp->ntypes; i++) {
		const char *u = pp_string(pp, pp->types[i][1]);

		t = pp_string(pp, pp->types[i][0]);
		strbuf_addf(&sb, " %s/%s", t ? t : "?", u ? u : "?");
	}
	strbuf_addstr(&sb, pp->ntypes ? ")" : " none)");
	pp_warn(pp, 0, sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* --- samples (second pass) ------------------------------------------------ */

struct pp_sample {
	size_t nvalues;
	int64_t count;
	int has_count;
};

static int pp_add_locid(struct pp *pp, uint64_t v, void *arg)
{
	(void)arg;
	if (pp->nlocids >= PP_MAX_LOCIDS) {
		pp->locids_cut = 1;
		return 0;
	}
	if (pp->nlocids == pp->locid_cap) {
		pp->locid_cap = pp->locid_cap ? pp->locid_cap * 2 : 64;
		pp->locids = xreallocarray(pp->locids, pp->locid_cap, sizeof(*pp->locids));
	}
	pp->locids[pp->nlocids++] = v;
	return 0;
}

static int pp_add_value(struct pp *pp, uint64_t v, void *arg)
{
	struct pp_sample *s = arg;

	if (s->nvalues++ == pp->value_ix) {
		s->count = (int64_t)v;
		s->has_count = 1;
	}
	return 0;
}

/* Label{key, str, num}: appended to pp->labels as "k=v". */
static int pp_label(struct pp *pp, struct pp_cur *c)
{
	int64_t key = 0, str = 0, num = 0;
	int has_num = 0;
	const char *k, *s;

	while (c->p < c->end) {
		uint32_t f;
		unsigned wt;
		uint64_t v;

		if (pp_key(pp, c, &f, &wt) < 0)
			return -1;
		if (f >= 1 && f <= 3) {
			if (pp_uint(pp, c, wt, &v) < 0)
				return -1;
			if (f == 1)
				key = (int64_t)v;
			else if (f == 2)
				str = (int64_t)v;
			else
				num = (int64_t)v, has_num = 1;
		} else if (pp_skip(pp, c, wt) < 0) {
			return -1;
		}
	}
	k = pp_string(pp, key);
	s = pp_string(pp, str);
	if (!k || !s) {
		pp_warn_at(pp, c->p, "label string index out of range");
		return 0;
	}
	if (pp->labels.len)
		strbuf_addch(&pp->labels, ',');
	if (has_num && !*s)
		strbuf_addf(&pp->labels, "%s=%lld", k, (long long)num);
	else
		strbuf_addf(&pp->labels, "%s=%s", k, s);
	return 0;
}

/* Decode a Sample into locids, count and labels. */
static int pp_sample_decode(struct pp *pp, struct pp_cur *c, struct pp_sample *s)
{
	struct pp_cur sub;

	pp->nlocids = 0;
	pp->locids_cut = 0;
	strbuf_reset(&pp->labels);
	memset(s, 0, sizeof(*s));
	while (c->p < c->end) {
		uint32_t f;
		unsigned wt;

		if (pp_key(pp, c, &f, &wt) < 0)
			return -1;
		if (f == 1) {
			if (pp_ints(pp, c, wt, pp_add_locid, NULL) < 0)
				return -1;
		} else if (f == 2) {
			if (pp_ints(pp, c, wt, pp_add_value, s) < 0)
				return -1;
		} else if (f == 3 && wt == 2) {
			if (pp_bytes(pp, c, &sub) < 0 || pp_label(pp, &sub) < 0)
				return -1;
		} else if (pp_skip(pp, c, wt) < 0) {
			return -1;
		}
	}
	return 0;
}

/* The frames of location index li appended from frames[*nf]. */
static void pp_loc_frames(struct pp *pp, const uint8_t *at, size_t li, size_t *nf, int *elided)
{
	const struct pp_loc *loc = &pp->locs[li];
	size_t j;

	if (loc->n == 0) {
		if (*nf >= PP_MAX_FRAMES) {
			*elided = 1;
			return;
		}
		snprintf(pp->hex[*nf], sizeof(pp->hex[*nf]), "0x%llx", (unsigned long long)loc->addr);
		pp->frames[*nf].func = pp->hex[*nf];
		pp->frames[*nf].file = NULL;
		pp->frames[*nf].line = SM_NONE;
		(*nf)++;
		return;
	}
	for (j = 0; j < loc->n; j++) {
		const struct pp_line *l = &pp->lines[loc->first + j];
		const uint32_t *fi = hashmap_get(&pp->func_ix, &l->func_id, sizeof(uint64_t));
		const char *name, *file;

		if (!fi) {
			pp_warn_at(pp, at, "sample frame refers to a missing function id; frame skipped");
			continue;
		}
		name = pp_string(pp, pp->funcs[*fi].name);
		file = pp_string(pp, pp->funcs[*fi].file);
		if (!name || !*name) {
			pp_warn_at(pp, at, "function name index out of range; frame skipped");
			continue;
		}
		if (*nf >= PP_MAX_FRAMES) {
			*elided = 1;
			return;
		}
		pp->frames[*nf].func = name;
		pp->frames[*nf].file = file && *file ? file : NULL;
		pp->frames[*nf].line = l->line;
		(*nf)++;
	}
}

/* One Sample: decode, resolve and emit. Damaged samples are skipped. */
static void pp_sample(struct pp *pp, struct pp_cur *c)
{
	const uint8_t *at = c->p;
	struct sm_goroutine_row row;
	struct pp_sample s;
	size_t i, nf = 0;

	if (pp_sample_decode(pp, c, &s) < 0) {
		pp_warn_at(pp, at, "malformed sample skipped");
		return;
	}
	if (!s.has_count || s.count < 0) {
		pp_warn_at(pp, at, s.has_count ? "sample with a negative count skipped" :
			   "sample without a goroutine count skipped");
		return;
	}
	memset(&row, 0, sizeof(row));
	for (i = 0; i < pp->nlocids && !row.elided; i++) {
		const uint32_t *li = hashmap_get(&pp->loc_ix, &pp->locids[i], sizeof(uint64_t));

		if (!li) {
			pp_warn_at(pp, at, "sample refers to a missing location id; frame skipped");
			continue;
		}
		pp_loc_frames(pp, at, *li, &nf, &row.elided);
	}
	row.elided |= pp->locids_cut;
	row.line = (uint64_t)(at - pp->base);
	row.id = SM_NONE;
	row.count = s.count;
	row.wait_minutes = SM_NONE;
	row.frames = nf ? pp->frames : NULL;
	row.nframes = nf;
	row.created_by_line = SM_NONE;
	row.created_by_goroutine = SM_NONE;
	row.labels = pp->labels.len ? pp->labels.buf : NULL;
	if (s.count > INT64_MAX - pp->sum) {
		pp_warn_at(pp, at, "goroutine total overflows; capped");
		pp->sum = INT64_MAX;
	} else {
		pp->sum += s.count;
	}
	if (pp->sink && pp->sink->goroutine)
		pp->rc = pp->sink->goroutine(pp->sink->ctx, &row);
}

/* Second pass: the samples, in file order. */
static void pp_samples(struct pp *pp, struct pp_cur c)
{
	pp->frames = xreallocarray(NULL, PP_MAX_FRAMES, sizeof(*pp->frames));
	pp->hex = xreallocarray(NULL, PP_MAX_FRAMES, sizeof(*pp->hex));
	strbuf_init(&pp->labels, 0);
	while (!pp->rc && c.p < c.end) {
		uint32_t f;
		unsigned wt;
		struct pp_cur sub;

		/* The first pass walked this level without error. */
		if (pp_key(pp, &c, &f, &wt) < 0)
			return;
		if (f == 2 && wt == 2) {
			if (pp_bytes(pp, &c, &sub) < 0)
				return;
			pp_sample(pp, &sub);
		} else if (pp_skip(pp, &c, wt) < 0) {
			return;
		}
	}
}

static void pp_free(struct pp *pp)
{
	free(pp->spans);
	free(pp->str);
	free(pp->str_text);
	free(pp->funcs);
	free(pp->locs);
	free(pp->lines);
	hashmap_free(&pp->func_ix);
	hashmap_free(&pp->loc_ix);
	free(pp->locids);
	free(pp->frames);
	free(pp->hex);
	strbuf_release(&pp->labels);
}

/* The decoded protobuf [p, p+len). */
static int pp_profile(struct pp *pp, const uint8_t *p, size_t len)
{
	struct pp_cur c = { p, p + len };
	struct sm_counter_row total;

	pp->base = p;
	while (c.p < c.end) {
		uint32_t f;
		unsigned wt;

		if (pp_key(pp, &c, &f, &wt) < 0 || pp_top_field(pp, &c, f, wt) < 0) {
			pp_warn(pp, (uint64_t)(c.p - p), "not a readable profile.proto message");
			return -1;
		}
	}
	pp_strings(pp);
	if (pp->nstr && pp->str[0][0])
		pp_warn(pp, 0, "string table entry 0 is not empty");
	pp_index(pp);
	if (pp_kind(pp) < 0)
		return -1;
	pp_samples(pp, (struct pp_cur){ p, p + len });
	if (pp->rc)
		return pp->rc;
	if (pp->sink && pp->sink->counter) {
		total.line = 0;
		total.group = pp->kind;
		total.name = "total";
		total.value = pp->sum;
		return pp->sink->counter(pp->sink->ctx, &total);
	}
	return 0;
}

int parse_pprof_proto(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct pp pp;
	const uint8_t *in = (const uint8_t *)buf;
	uint8_t *plain = NULL;
	size_t plen = 0;
	int rc;

	if (len == 0)
		return 0;
	memset(&pp, 0, sizeof(pp));
	pp.sink = sink;
	if (len >= 2 && in[0] == 0x1f && in[1] == 0x8b) {
		if (pp_gunzip(&pp, in, len, &plain, &plen) < 0)
			return -1;
		rc = pp_profile(&pp, plain, plen);
	} else {
		rc = pp_profile(&pp, in, len);
	}
	pp_free(&pp);
	free(plain);
	return rc;
}
