/*
 * Unit tests for analyze/row_memo.c: lines found again in the next
 * reading of a table, in order; lines of the previous reading that are
 * gone (sockets closed) skipped over; new and changed lines not found,
 * and the walk back in step after them; the skipped part of a key (a
 * timer's time left) ignored, the rest not; nothing found under another
 * header, nothing kept from a text with two different headers; a reading
 * forgotten with row_memo_end(NULL); a table in another order found only
 * as far as the look-ahead reaches; over its budget, fewer lines kept and
 * texts dropped, and every byte given back. Texts are heap copies that the
 * memo adopts, as the loader hands them over.
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
	const char *line[128];
	size_t len[128];
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

/* The key of line i: all of it, less the "T..." word (a timer) if any. */
static struct sm_line_key key_of(const struct reading *r, size_t i)
{
	struct sm_line_key k = { r->line[i], r->len[i], 0, 0 };
	const char *t = memchr(r->line[i], 'T', r->len[i]);

	if (t) {
		const char *e = memchr(t, ' ', r->len[i] - (size_t)(t - r->line[i]));
		k.skip_off = (size_t)(t - r->line[i]);
		k.skip_len = (e ? (size_t)(e - t) : r->len[i] - k.skip_off);
	}
	return k;
}

/*
 * Reads r with memo m: each line looked up, and put with its value (what
 * was found, else 1000 + its index). found[i] is the value found, or -1.
 */
static void memo_read(struct row_memo *m, struct reading *r, const char *hdr, int *found)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct sm_line_key k = key_of(r, i);
		const int *v = row_memo_get(m, r->text, strlen(hdr), &k);
		int put = v ? *v : 1000 + (int)i;

		found[i] = v ? *v : -1;
		row_memo_put(m, &k, &put);
	}
	row_memo_end(m, r->text, strlen(r->text));
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
	static const char *const a[] = { "s 1 T100 q0", "s 2 T200 q0", NULL };
	static const char *const b[] = { "s 1 T95 q0", "s 2 T195 q1", NULL };
	int f[64];

	(void)state;
	read_twice(a, b, f);
	assert_int_equal(f[0], 1000);  /* only the timer moved */
	assert_int_equal(f[1], -1);    /* the queue too */
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
	int v = 7;

	assert_null(row_memo_get(m, hdr, hlen, &k));
	row_memo_put(m, &k, &v);
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
		cmocka_unit_test(test_header_must_match),
		cmocka_unit_test(test_mixed_headers_keep_nothing),
		cmocka_unit_test(test_end_null_forgets),
		cmocka_unit_test(test_reordered_within_reach),
		cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, budget_back);
}
