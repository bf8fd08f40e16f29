/* row_memo: table lines remembered across readings; see row_memo.h. */
#include "row_memo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* How far past the expected line a line is looked for: the lines of
 * sockets closed since the previous reading, in a row. Lines are compared
 * by tag first, eight bytes each, so a new line (found nowhere) costs a
 * short scan, and a run of closed sockets hundreds long is crossed. */
#define MEMO_AHEAD 512

/* A line as remembered: its key, and where its moving part is. */
struct memo_key {
	const char *p;
	size_t len, skip_off, skip_len;
};

struct memo_line {
	struct memo_key k;
	uint64_t tag;             /* key_tag() */
	unsigned char val[ROW_MEMO_VAL_MAX];
};

/* One reading of the table: its lines in order and their header. */
struct memo_gen {
	struct memo_line *lines;
	size_t n, cap;
	const char *hdr;          /* NULL: no header seen yet */
	size_t hlen;
	int mixed;                /* two different headers: keeps nothing */
	char *text;               /* what the keys point into (prev only) */
	size_t text_size;
	int full;                 /* over the budget: keeps what it has */
};

struct row_memo {
	size_t val_size;
	size_t *budget;           /* bytes all memos sharing it may still hold */
	struct memo_gen prev, next;
	size_t cursor;            /* the line of prev expected next */
	const char *seen_hdr;     /* the header pointer last checked, and */
	int hdr_matches;          /* whether prev holds under it */
};

struct row_memo *row_memo_new(size_t val_size, size_t *budget)
{
	struct row_memo *m = xcalloc(1, sizeof(*m));

	m->val_size = val_size < ROW_MEMO_VAL_MAX ? val_size : ROW_MEMO_VAL_MAX;
	m->budget = budget;
	return m;
}

/* Takes n bytes from the budget; 0, or -1 when they are not there. */
static int memo_charge(struct row_memo *m, size_t n)
{
	if (*m->budget < n)
		return -1;
	*m->budget -= n;
	return 0;
}

static void memo_refund(struct row_memo *m, size_t n)
{
	*m->budget += n;
}

static void gen_release(struct row_memo *m, struct memo_gen *g)
{
	memo_refund(m, g->cap * sizeof(*g->lines) + (g->text ? g->text_size : 0));
	free(g->lines);
	free(g->text);
	memset(g, 0, sizeof(*g));
}

void row_memo_free(struct row_memo *m)
{
	if (!m)
		return;
	gen_release(m, &m->prev);
	gen_release(m, &m->next);
	free(m);
}

static int same_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && !memcmp(a, b, alen);
}

/*
 * Is p, as long as a, the line a was, less what moves? The text around
 * a's moving part the same (so the fields are the same, up to it and
 * after it), compared first, and the part itself the same bytes or read
 * as the format reads it (mv, NULL: nothing moves). sp: where, and what it
 * says when it is not the same bytes as a's. Only when only it differs (a
 * timer counting down) is it read, and the text around it is compared
 * once.
 */
static int same_around(const struct memo_key *a, const char *p, const struct sm_line_moving *mv,
		       struct sm_line_span *sp)
{
	size_t tail = a->skip_off + a->skip_len;

	sp->off = a->skip_off;
	sp->len = a->skip_len;
	sp->has_values = 0;
	if (!a->skip_len)
		return !memcmp(a->p, p, a->len);
	if (memcmp(a->p, p, a->skip_off) || memcmp(a->p + tail, p + tail, a->len - tail))
		return 0;
	if (!memcmp(a->p + a->skip_off, p + a->skip_off, a->skip_len))
		return 1;
	return mv && mv->read(p + a->skip_off, a->p + a->skip_off, a->skip_len, sp) == 0;
}

/* Is the key k the line a was, less what moves? */
static int same_line(const struct memo_key *a, const struct sm_line_key *k, struct sm_line_span *sp)
{
	return a->len == k->len && same_around(a, k->p, k->moving, sp);
}

/*
 * A line's key in 64 bits, to tell lines apart cheaply: its length and
 * the 8 bytes before what moves (or before its end): a socket's remote
 * port and state, an fd's target. Lines alike there are told apart by
 * same_line.
 */
static uint64_t key_tag(const char *p, size_t len, size_t skip_off, size_t skip_len)
{
	size_t end = skip_len ? skip_off : len, n = end < 8 ? end : 8;
	uint64_t w = 0;

	memcpy(&w, p + end - n, n);
	return (w ^ len) * 0x9e3779b97f4a7c15ULL;
}

/* Does prev hold under hdr, and may next keep what is put under it? */
static void memo_header(struct row_memo *m, const char *hdr, size_t hlen)
{
	m->seen_hdr = hdr;
	m->hdr_matches = m->prev.hdr && !m->prev.mixed && same_bytes(m->prev.hdr, m->prev.hlen, hdr, hlen);
	if (!m->next.hdr) {
		m->next.hdr = hdr;
		m->next.hlen = hlen;
	} else if (!same_bytes(m->next.hdr, m->next.hlen, hdr, hlen)) {
		m->next.mixed = 1;
	}
}

/* The line expected next under hdr, or NULL: another header, or no more. */
static const struct memo_line *memo_expected(struct row_memo *m, const char *hdr, size_t hlen)
{
	if (hdr != m->seen_hdr)
		memo_header(m, hdr, hlen);
	if (!m->hdr_matches || m->cursor == m->prev.n)
		return NULL;
	return &m->prev.lines[m->cursor];
}

const void *row_memo_get(struct row_memo *m, const char *hdr, size_t hlen, const struct sm_line_key *k,
			 struct sm_line_span *sp)
{
	const struct memo_gen *g = &m->prev;
	const struct memo_line *want = memo_expected(m, hdr, hlen);
	size_t i, end, tag_off = SIZE_MAX;
	uint64_t tag = 0;

	if (!want)
		return NULL;
	if (same_line(&want->k, k, sp)) {
		m->cursor++;
		return want->val;
	}
	/* Out of step: a run of closed sockets, or a new line. The tag,
	 * with the moving part where the line compared with has it, tells
	 * most lines apart without reading them. */
	end = g->n - m->cursor > MEMO_AHEAD ? m->cursor + MEMO_AHEAD : g->n;
	for (i = m->cursor + 1; i < end; i++) {
		const struct memo_line *l = &g->lines[i];

		if (l->k.len != k->len)
			continue;   /* and the tag is read within k's line */
		if (l->k.skip_off != tag_off) {
			tag_off = l->k.skip_off;
			tag = key_tag(k->p, k->len, l->k.skip_off, l->k.skip_len);
		}
		if (l->tag == tag && same_line(&l->k, k, sp)) {
			m->cursor = i + 1;
			return l->val;
		}
	}
	return NULL;
}

/*
 * Is p the line a was, less what moves, ending where a ends (at a '\n' or
 * the text's end)? A line a ends with a '\r' (of "\r\r\n") is left to the
 * search: lines_next would have taken one '\r' off the new one.
 */
static int same_next(const struct memo_key *a, const char *p, size_t avail, const struct sm_line_moving *mv,
		     struct sm_line_span *sp)
{
	size_t len = a->len;

	if (!len || len > avail || (len < avail && p[len] != '\n') || p[len - 1] == '\r')
		return 0;
	return same_around(a, p, mv, sp);
}

const void *row_memo_next(struct row_memo *m, const char *hdr, size_t hlen, const char *p, size_t avail,
			  const struct sm_line_moving *moving, size_t *len, struct sm_line_span *sp)
{
	const struct memo_line *l = memo_expected(m, hdr, hlen);

	if (!l || !same_next(&l->k, p, avail, moving, sp))
		return NULL;
	m->cursor++;
	*len = l->k.len;
	return l->val;
}

const void *row_memo_peek(const struct row_memo *m, size_t ahead)
{
	if (!m->hdr_matches || m->prev.n - m->cursor <= ahead)
		return NULL;
	return m->prev.lines[m->cursor + ahead].val;
}

/* A line into next, its tag known; 0, or -1 when next keeps no more. */
static int memo_put_line(struct row_memo *m, const char *p, size_t len, size_t skip_off, size_t skip_len,
			 uint64_t tag, const void *val)
{
	struct memo_gen *g = &m->next;
	struct memo_line *l;

	if (!m->seen_hdr || g->mixed || g->full)
		return -1;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;

		if (memo_charge(m, (cap - g->cap) * sizeof(*g->lines)) < 0) {
			g->full = 1;   /* the lines so far are remembered, no more */
			return -1;
		}
		g->cap = cap;
		g->lines = xreallocarray(g->lines, g->cap, sizeof(*g->lines));
	}
	l = &g->lines[g->n++];
	l->k.p = p;
	l->k.len = len;
	l->k.skip_off = skip_off;
	l->k.skip_len = skip_len;
	l->tag = tag;
	memcpy(l->val, val, m->val_size);
	return 0;
}

size_t row_memo_run(struct row_memo *m, const char *next, size_t avail, int (*take)(void *ctx, const void *val),
		    void *ctx, uint64_t *lines)
{
	const struct memo_gen *g = &m->prev;
	const char *pos, *text_end;
	size_t used = 0;

	*lines = 0;
	if (!m->hdr_matches || !m->cursor || !g->text)
		return 0;
	text_end = g->text + g->text_size;
	pos = g->lines[m->cursor - 1].k.p + g->lines[m->cursor - 1].k.len;
	if (pos >= text_end || *pos != '\n')
		return 0;
	pos++;
	while (m->cursor < g->n) {
		const struct memo_line *l = &g->lines[m->cursor];

		/* the line right after the last one, last time, ending in a
		 * newline here and there, and the same bytes */
		if (l->k.p != pos || l->k.skip_len || l->k.len >= avail - used ||
		    (size_t)(text_end - pos) <= l->k.len || pos[l->k.len] != '\n' ||
		    memcmp(next + used, pos, l->k.len + 1) || !take(ctx, l->val))
			break;
		memo_put_line(m, next + used, l->k.len, 0, 0, l->tag, l->val);
		used += l->k.len + 1;
		pos += l->k.len + 1;
		m->cursor++;
		(*lines)++;
	}
	return used;
}

void row_memo_put(struct row_memo *m, const struct sm_line_key *k, const struct sm_line_span *sp, const void *val)
{
	size_t off = sp && sp->len ? sp->off : 0, len = sp && sp->len ? sp->len : 0;

	memo_put_line(m, k->p, k->len, off, len, key_tag(k->p, k->len, off, len), val);
}

void row_memo_end(struct row_memo *m, char *text, size_t size)
{
	struct memo_gen spare = m->prev;

	spare.text = NULL;   /* the previous text goes now; its array serves again */
	memo_refund(m, m->prev.text ? m->prev.text_size : 0);
	free(m->prev.text);
	m->prev = m->next;
	m->prev.text = NULL;
	if (text && !m->prev.mixed && memo_charge(m, size) == 0) {
		m->prev.text = text;
		m->prev.text_size = size;
	} else {
		free(text);
		gen_release(m, &m->prev);
	}
	/* The next reading is about as long as this one: its array serves. */
	memset(&m->next, 0, sizeof(m->next));
	m->next.lines = spare.lines;
	m->next.cap = spare.cap;
	m->cursor = 0;
	m->seen_hdr = NULL;
	m->hdr_matches = 0;
}
