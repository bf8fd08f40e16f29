/* row_memo: table lines remembered across readings; see row_memo.h. */
#include "row_memo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* How far past the expected line a line is looked for: the lines of
 * sockets closed since the previous reading, in a row. */
#define MEMO_AHEAD 16

struct memo_line {
	struct sm_line_key k;
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

static int same_key(const struct sm_line_key *a, const struct sm_line_key *b)
{
	size_t atail = a->skip_off + a->skip_len, btail = b->skip_off + b->skip_len;

	return a->skip_off == b->skip_off && a->len - atail == b->len - btail &&
	       !memcmp(a->p, b->p, a->skip_off) && !memcmp(a->p + atail, b->p + btail, a->len - atail);
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

const void *row_memo_get(struct row_memo *m, const char *hdr, size_t hlen, const struct sm_line_key *k)
{
	const struct memo_gen *g = &m->prev;
	size_t i, end;

	if (hdr != m->seen_hdr)
		memo_header(m, hdr, hlen);
	if (!m->hdr_matches)
		return NULL;
	end = g->n - m->cursor > MEMO_AHEAD ? m->cursor + MEMO_AHEAD : g->n;
	for (i = m->cursor; i < end; i++)
		if (same_key(&g->lines[i].k, k)) {
			m->cursor = i + 1;
			return g->lines[i].val;
		}
	return NULL;
}

const void *row_memo_peek(const struct row_memo *m, size_t ahead)
{
	if (!m->hdr_matches || m->prev.n - m->cursor <= ahead)
		return NULL;
	return m->prev.lines[m->cursor + ahead].val;
}

void row_memo_put(struct row_memo *m, const struct sm_line_key *k, const void *val)
{
	struct memo_gen *g = &m->next;

	if (!m->seen_hdr || g->mixed || g->full)
		return;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;

		if (memo_charge(m, (cap - g->cap) * sizeof(*g->lines)) < 0) {
			g->full = 1;   /* the lines so far are remembered, no more */
			return;
		}
		g->cap = cap;
		g->lines = xreallocarray(g->lines, g->cap, sizeof(*g->lines));
	}
	g->lines[g->n].k = *k;
	memcpy(g->lines[g->n].val, val, m->val_size);
	g->n++;
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
