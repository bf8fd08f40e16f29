/*
 * Unit tests for analyze/row_memo.c: lines found again in the next
 * reading of a table, in order; lines of the previous reading that are
 * gone (sockets closed) skipped over; new and changed lines not found,
 * and the walk back in step after them; a line's moving part (a timer)
 * found where the line before had it, its value given when it moved, the
 * rest compared; nothing found under another header, nothing kept from a
 * text with two different headers; a reading forgotten with
 * row_memo_end(NULL); a table in another order found only as far as the
 * look-ahead reaches, a run of hundreds of closed lines crossed; after a
 * line found, the same lines after it taken as a run; the line expected
 * next taken before its end is known (row_memo_next); over its
 * budget, fewer lines kept and texts dropped, and every byte given back.
 * Texts are heap copies that the memo adopts, as the loader hands them
 * over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "row_memo.h"

/* Every memo of a test shares it; each test checks all of it comes back. */
static size_t budget = (size_t)1 << 20;

/* One reading: lines of text, "HDR" first; returns the text (heap). */
struct reading {
	char *text;
	const char *line[1024];
	size_t len[1024];
	size_t n;
};

static void read_lines(struct reading *r, const char *hdr, const char *const *lines)
{
	size_t total = strlen(hdr) + 2, i, off;

	for (i = 0; lines[i]; i++)
		total += strlen(lines[i]) + 1;
	r->text = malloc(total);
	assert_non_null(r->text);
	off = (size_t)sprintf(r->text, "%s\n", hdr);
	for (i = 0, r->n = 0; lines[i]; i++) {
		r->line[r->n] = r->text + off;
		r->len[r->n++] = strlen(lines[i]);
		off += (size_t)sprintf(r->text + off, "%s\n", lines[i]);
	}
}

/* The tests' moving part: a "T<digits>" word (a timer), if any. */
static int t_span(const void *ctx, const struct sm_line_key *k, struct sm_line_span *sp)
{
	const char *t = memchr(k->p, 'T', k->len), *e;

	(void)ctx;
	if (!t)
		return -1;
	e = memchr(t, ' ', k->len - (size_t)(t - k->p));
	sp->off = (size_t)(t - k->p);
	sp->len = e ? (size_t)(e - t) : k->len - sp->off;
	sp->has_values = 0;
	return 0;
}

/* Read as a "T" and digits; its value is given when it is not was's. */
static int t_read(const char *s, const char *was, size_t n, struct sm_line_span *sp)
{
	size_t i;

	if (n < 2 || s[0] != 'T')
		return -1;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	sp->has_values = was && memcmp(s, was, n) != 0;
	sp->timer = atoi(s + 1);
	return 0;
}

static const struct sm_line_moving t_moving = { t_span, t_read };

/* The key of line i: all of it, "T..." moving. */
static struct sm_line_key key_of(const struct reading *r, size_t i)
{
	struct sm_line_key k = { r->line[i], r->len[i], &t_moving, NULL };

	return k;
}

/* Where k's moving part is, as a loader finds it for a line not found. */
static struct sm_line_span span_of(const struct sm_line_key *k)
{
	struct sm_line_span sp;

	memset(&sp, 0, sizeof(sp));
	if (t_span(NULL, k, &sp) < 0)
		sp.len = 0;
	return sp;
}

/*
 * Reads r with memo m: each line looked up, and put with its value (what
 * was found, else 1000 + its index). found[i] is the value found, or -1;
 * moved[i] the timer found moved, or -1.
 */
static void memo_read_moved(struct row_memo *m, struct reading *r, const char *hdr, int *found, int *moved)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct sm_line_key k = key_of(r, i);
		struct sm_line_span sp;
		const int *v = row_memo_get(m, r->text, strlen(hdr), &k, &sp);
		int put = v ? *v : 1000 + (int)i;

		found[i] = v ? *v : -1;
		if (moved)
			moved[i] = v && sp.has_values ? (int)sp.timer : -1;
		if (!v)
			sp = span_of(&k);
		row_memo_put(m, &k, &sp, &put);
	}
	row_memo_end(m, r->text, strlen(r->text));
}

static void memo_read(struct row_memo *m, struct reading *r, const char *hdr, int *found)
{
	memo_read_moved(m, r, hdr, found, NULL);
}

/* Two readings with m under header "H", a then b: found[] of b's lines. */
static void read_twice_with(struct row_memo *m, const char *const *a, const char *const *b, int *found)
{
	struct reading r1, r2;

	read_lines(&r1, "H", a);
	memo_read(m, &r1, "H", found);
	assert_int_equal(found[0], -1);   /* the first reading knows nothing */
	read_lines(&r2, "H", b);
	memo_read(m, &r2, "H", found);
}

/* The same with a memo of its own. */
static void read_twice(const char *const *a, const char *const *b, int *found)
{
	struct row_memo *m = row_memo_new(sizeof(int), &budget);

	read_twice_with(m, a, b, found);
	row_memo_free(m);
}

static void test_same_lines_found(void **state)
{
	static const char *const a[] = { "x 1", "x 2", "x 3", NULL };
	int f[64];

	(void)state;
	read_twice(a, a, f);
	assert_int_equal(f[0], 1000);
	assert_int_equal(f[1], 1001);
	assert_int_equal(f[2], 1002);
}

static void test_closed_new_changed(void **state)
{
	static const char *const a[] = { "s 1", "s 2", "s 3", "s 4", "s 5", "s 6", NULL };
	/* s 2 and s 3 closed, n 1 new, s 5 changed */
	static const char *const b[] = { "s 1", "s 4", "n 1", "s 5 changed", "s 6", NULL };
	int f[64];

	(void)state;
	read_twice(a, b, f);
	assert_int_equal(f[0], 1000);
	assert_int_equal(f[1], 1003);  /* past the closed ones */
	assert_int_equal(f[2], -1);
	assert_int_equal(f[3], -1);
	assert_int_equal(f[4], 1005);  /* back in step */
}

static void test_timer_skipped(void **state)
{
	static const char *const a[] = { "s 1 T100 q0", "s 2 T200 q0", "s 3 T300 q0", "s 4 T400 q0",
					  "s 5 T500 q0", "s 6 q0", NULL };
	static const char *const b[] = { "s 1 T095 q0", "s 2 T195 q1", "s 3 T300 q0", "s 4 T4x0 q0",
					  "s 5 T50 q0", "s 6 q0", NULL };
	struct row_memo *m = row_memo_new(sizeof(int), &budget);
	struct reading r1, r2;
	int f[64], mv[64];

	(void)state;
	read_lines(&r1, "H", a);
	memo_read(m, &r1, "H", f);
	read_lines(&r2, "H", b);
	memo_read_moved(m, &r2, "H", f, mv);
	assert_int_equal(f[0], 1000);  /* only the timer moved: found, with its value */
	assert_int_equal(mv[0], 95);
	assert_int_equal(f[1], -1);    /* the queue too */
	assert_int_equal(f[2], 1002);  /* nothing moved: no value */
	assert_int_equal(mv[2], -1);
	assert_int_equal(f[3], -1);    /* a timer its reader would not read */
	assert_int_equal(f[4], -1);    /* one of another width */
	assert_int_equal(f[5], 1005);  /* no moving part: the same line */
	row_memo_free(m);
}

/* row_memo_next: the line expected next taken from its key on, its end
 * where the remembered line's was ('\n' or the text's end), its moving
 * part read; anything else found nothing and the same line is still
 * expected. */
static void test_next_line(void **state)
{
	static const char *const a[] = { "s 1 T100 q0", "s 2 T200 q0", "s 3 q0", "s 4 q0", NULL };
	static const char *const b[] = { "s 1 T100 q0", "s 2 T195 q0", "s 9 q0", "s 3 q0", "s 4 q0X", "s 4 q0\r",
					  "s 4 q0", NULL };
	struct row_memo *m = row_memo_new(sizeof(int), &budget);
	struct reading r1, r2;
	struct sm_line_span sp;
	const char *end;
	const int *v;
	size_t len, i;
	int f[64], put;

	(void)state;
	read_lines(&r1, "H", a);
	memo_read(m, &r1, "H", f);
	read_lines(&r2, "H", b);
	end = r2.text + strlen(r2.text);
	for (i = 0; i < 4; i++) {
		struct sm_line_key k = key_of(&r2, i);

		len = 0;
		v = row_memo_next(m, r2.text, 1, r2.line[i], (size_t)(end - r2.line[i]), &t_moving, &len, &sp);
		if (i == 2) {
			assert_null(v);   /* another line: and not looked for on */
			assert_null(row_memo_get(m, r2.text, 1, &k, &sp));
			sp = span_of(&k);
			put = 1002;
		} else {
			assert_non_null(v);
			assert_int_equal(*v, 1000 + (int)(i == 3 ? 2 : i));
			assert_int_equal(len, r2.len[i]);
			assert_int_equal(sp.has_values, i == 1);
			put = *v;
		}
		if (i == 1)
			assert_int_equal(sp.timer, 195);
		row_memo_put(m, &k, &sp, &put);
	}
	/* longer, or ending in "\r\n" (which lines_next would shorten): not it */
	assert_null(row_memo_next(m, r2.text, 1, r2.line[4], (size_t)(end - r2.line[4]), &t_moving, &len, &sp));
	assert_null(row_memo_next(m, r2.text, 1, r2.line[5], (size_t)(end - r2.line[5]), &t_moving, &len, &sp));
	/* the text's last line, with no '\n': it */
	v = row_memo_next(m, r2.text, 1, r2.line[6], r2.len[6], &t_moving, &len, &sp);
	assert_non_null(v);
	assert_int_equal(*v, 1003);
	assert_int_equal(len, 6);
	/* nothing more expected */
	assert_null(row_memo_next(m, r2.text, 1, r2.line[6], r2.len[6], &t_moving, &len, &sp));
	row_memo_end(m, r2.text, strlen(r2.text));
	row_memo_free(m);
	assert_int_equal(budget, (size_t)1 << 20);
}

static void test_header_must_match(void **state)
{
	static const char *const a[] = { "s 1", "s 2", NULL };
	struct row_memo *m = row_memo_new(sizeof(int), &budget);
	struct reading r1, r2, r3;
	int f[64];

	(void)state;
	read_lines(&r1, "H1", a);
	memo_read(m, &r1, "H1", f);
	read_lines(&r2, "H2", a);
	memo_read(m, &r2, "H2", f);
	assert_int_equal(f[0], -1);
	assert_int_equal(f[1], -1);
	read_lines(&r3, "H2", a);      /* what was put under H2 holds */
	memo_read(m, &r3, "H2", f);
	assert_int_equal(f[0], 1000);
	row_memo_free(m);
}

/* Line i of r looked up under header [hdr, hdr+hlen) (nothing found) and put. */
static void put_line(struct row_memo *m, const struct reading *r, size_t i, const char *hdr, size_t hlen)
{
	struct sm_line_key k = key_of(r, i);
	struct sm_line_span sp;
	int v = 7;

	assert_null(row_memo_get(m, hdr, hlen, &k, &sp));
	row_memo_put(m, &k, NULL, &v);
}

/* After reading a, what a second reading of a under "H" finds of its first line. */
static int found_after(struct row_memo *m, const char *const *a)
{
	struct reading r;
	int f[64];

	read_lines(&r, "H", a);
	memo_read(m, &r, "H", f);
	row_memo_free(m);
	return f[0];
}

static void test_mixed_headers_keep_nothing(void **state)
{
	static const char *const a[] = { "s 1", "s 2", NULL };
	struct row_memo *m = row_memo_new(sizeof(int), &budget);
	struct reading r1;

	(void)state;
	read_lines(&r1, "H", a);
	put_line(m, &r1, 0, r1.text, 1);
	/* a second, different header: the line "s 1" itself, as if it were one */
	put_line(m, &r1, 1, r1.line[0], r1.len[0]);
	row_memo_end(m, r1.text, strlen(r1.text));
	assert_int_equal(found_after(m, a), -1);
}

static void test_end_null_forgets(void **state)
{
	static const char *const a[] = { "s 1", NULL };
	struct row_memo *m = row_memo_new(sizeof(int), &budget);
	struct reading r1;

	(void)state;
	read_lines(&r1, "H", a);
	put_line(m, &r1, 0, r1.text, 1);
	row_memo_end(m, NULL, 0);   /* the caller kept the text */
	free(r1.text);
	assert_int_equal(found_after(m, a), -1);
}

static void test_reordered_within_reach(void **state)
{
	const char *a[41], *b[41];
	char buf[40][16];
	int f[64], i, hits = 0;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(buf[i], sizeof(buf[i]), "s %d", i);
		a[i] = buf[i];
		b[i] = buf[39 - i];   /* reversed: mostly out of reach */
	}
	a[40] = b[40] = NULL;
	read_twice(a, b, f);
	for (i = 0; i < 40; i++) {
		if (f[i] >= 0) {
			assert_int_equal(f[i], 1000 + (39 - i));   /* never the wrong line */
			hits++;
		}
	}
	assert_true(hits < 40);
}

/* A run of closed sockets hundreds of lines long is crossed (the tags
 * tell the lines apart); one longer than the look-ahead is not. */
static void test_long_run_of_closed(void **state)
{
	static char buf[1000][24];
	static const char *a[1001], *b[1001];
	static int f[1024];
	int i, n;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(buf[i], sizeof(buf[i]), "s %d T5", i);
		a[i] = buf[i];
	}
	a[1000] = NULL;
	/* s 0, then s 301 on: 300 closed */
	b[0] = a[0];
	for (i = 301, n = 1; i < 1000; i++)
		b[n++] = a[i];
	b[n] = NULL;
	read_twice(a, b, f);
	for (i = 0; i < n; i++)
		assert_int_equal(f[i], 1000 + (i ? i + 300 : 0));
	/* s 0, then s 900 on: 899 closed, beyond reach */
	for (i = 900, n = 1; i < 1000; i++)
		b[n++] = a[i];
	b[n] = NULL;
	read_twice(a, b, f);
	assert_int_equal(f[0], 1000);
	for (i = 1; i < n; i++)
		assert_int_equal(f[i], -1);
}

/* A line shorter than where the lines it is compared with have their
 * moving part, last in a text with no byte after it: nothing is read past
 * it (ASan would say so), and it is not found. */
static void test_short_last_line(void **state)
{
	static const char *const a[] = { "s 1 T5", "s 2 T5", "s 3 T5", NULL };
	static const char text[] = "H\ns 1 T5\nx";
	struct row_memo *m = row_memo_new(sizeof(int), &budget);
	struct reading r1;
	struct sm_line_key k = { NULL, 0, &t_moving, NULL };
	struct sm_line_span sp;
	char *t2 = malloc(sizeof(text) - 1);
	int f[64];

	(void)state;
	assert_non_null(t2);
	memcpy(t2, text, sizeof(text) - 1);
	read_lines(&r1, "H", a);
	memo_read(m, &r1, "H", f);
	k.p = t2 + 2;
	k.len = 6;
	assert_non_null(row_memo_get(m, t2, 1, &k, &sp));
	k.p = t2 + 9;
	k.len = 1;
	assert_null(row_memo_get(m, t2, 1, &k, &sp));
	row_memo_end(m, t2, sizeof(text) - 1);
	row_memo_free(m);
}

/* take() for row_memo_run: takes values below *limit. */
static int take_below(void *ctx, const void *val)
{
	const int *limit = ctx;

	return *(const int *)val < *limit;
}

/* After a line found, the lines after it that are the same bytes as last
 * time are taken as a run, up to the first that differs or is refused;
 * they are remembered as if each were got and put. */
static void test_run_after_found(void **state)
{
	static const char *const a[] = { "3 a", "4 b", "5 c", "6 d", "7 e", NULL };
	static const char *const b[] = { "3 a", "4 b", "5 x", "6 d", "7 e", NULL };
	struct row_memo *m = row_memo_new(sizeof(int), &budget);
	struct reading r1, r2, r3;
	struct sm_line_key k;
	struct sm_line_span sp;
	const int *v;
	uint64_t lines;
	int f[64], limit = 2000, put;
	size_t used, i;

	(void)state;
	read_lines(&r1, "H", a);
	memo_read(m, &r1, "H", f);
	read_lines(&r2, "H", b);
	/* nothing found yet: no run */
	assert_int_equal(row_memo_run(m, r2.line[1], 100, take_below, &limit, &lines), 0);
	k = key_of(&r2, 0);
	v = row_memo_get(m, r2.text, 1, &k, &sp);
	assert_non_null(v);
	assert_int_equal(*v, 1000);
	row_memo_put(m, &k, &sp, v);
	used = row_memo_run(m, r2.line[1], strlen(r2.line[1]), take_below, &limit, &lines);
	assert_int_equal(lines, 1);                 /* "4 b"; "5 x" differs */
	assert_int_equal(used, strlen("4 b\n"));
	for (i = 2; i < r2.n; i++) {                /* the rest as usual */
		k = key_of(&r2, i);
		v = row_memo_get(m, r2.text, 1, &k, &sp);
		put = v ? *v : 2000 + (int)i;
		if (!v)
			sp = span_of(&k);
		row_memo_put(m, &k, &sp, &put);
		if (i == 2)
			assert_null(v);
		if (i == 3) {                       /* a run again, refused at "7 e" */
			assert_non_null(v);
			limit = 1004;
			assert_int_equal(row_memo_run(m, r2.line[4], strlen(r2.line[4]), take_below, &limit, &lines), 0);
			assert_int_equal(lines, 0);
		}
	}
	row_memo_end(m, r2.text, strlen(r2.text));
	/* the line taken in the run was remembered */
	read_lines(&r3, "H", b);
	memo_read(m, &r3, "H", f);
	assert_int_equal(f[0], 1000);
	assert_int_equal(f[1], 1001);
	assert_int_equal(f[2], 2002);
	assert_int_equal(f[3], 1003);
	row_memo_free(m);
}

/* Over its budget a memo remembers fewer lines and drops texts it cannot
 * hold (ASan: not leaked), and gives every byte back when freed. */
static void test_budget(void **state)
{
	const char *a[101];
	char buf[100][16];
	struct row_memo *m;
	int f[128], i, found = 0, missed_late = 0;
	size_t saved = budget;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(buf[i], sizeof(buf[i]), "s %d", i);
		a[i] = buf[i];
	}
	a[100] = NULL;
	/* room for the first array of lines (64) and the text, not for a second */
	budget = 5120;
	m = row_memo_new(sizeof(int), &budget);
	read_twice_with(m, a, a, f);
	for (i = 0; i < 100; i++) {
		found += f[i] >= 0;
		missed_late += i >= 64 && f[i] < 0;
	}
	assert_true(found >= 64);
	assert_true(missed_late > 0);
	row_memo_free(m);
	assert_int_equal(budget, 5120);
	/* a text larger than the whole budget is dropped, and nothing is found */
	budget = 16;
	m = row_memo_new(sizeof(int), &budget);
	read_twice_with(m, a, a, f);
	assert_int_equal(f[0], -1);
	row_memo_free(m);
	assert_int_equal(budget, 16);
	budget = saved;
}

static int budget_back(void **state)
{
	(void)state;
	assert_int_equal(budget, (size_t)1 << 20);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_lines_found),
		cmocka_unit_test(test_closed_new_changed),
		cmocka_unit_test(test_timer_skipped),
		cmocka_unit_test(test_next_line),
		cmocka_unit_test(test_header_must_match),
		cmocka_unit_test(test_mixed_headers_keep_nothing),
		cmocka_unit_test(test_end_null_forgets),
		cmocka_unit_test(test_reordered_within_reach),
		cmocka_unit_test(test_long_run_of_closed),
		cmocka_unit_test(test_run_after_found),
		cmocka_unit_test(test_short_last_line),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, budget_back);
}
