/* Unit tests for lib/lines.c: line iteration and blank-separated fields. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lines.h"

/*
 * Iterates over [buf, buf+len) and compares every line with want[] (a
 * line may hold NULs, so want_len[] gives the lengths).
 */
static void expect_lines(const char *buf, size_t len, const char *const *want,
			 const size_t *want_len, size_t nwant)
{
	struct line_iter it;
	const char *line = NULL;
	size_t n = 0, i = 0;

	lines_init(&it, buf, len);
	assert_int_equal(it.lineno, 0);
	while (lines_next(&it, &line, &n)) {
		if (i >= nwant)
			fail_msg("extra line %zu: '%.*s'", i + 1, (int)n, line);
		if (n != want_len[i] || memcmp(line, want[i], n))
			fail_msg("line %zu: got '%.*s' (%zu), want '%s' (%zu)", i + 1, (int)n, line, n,
				 want[i], want_len[i]);
		/* lines point into the buffer, without copying */
		assert_true(line >= buf && line + n <= buf + len);
		i++;
		assert_int_equal(it.lineno, i);
	}
	assert_int_equal(i, nwant);
	/* exhausted stays exhausted */
	assert_int_equal(lines_next(&it, &line, &n), 0);
	assert_int_equal(it.lineno, nwant);
}

#define LINES(buf, ...)                                                          \
	do {                                                                     \
		static const char *const w_[] = { __VA_ARGS__ };                 \
		size_t l_[sizeof(w_) / sizeof(w_[0])], k_;                       \
		for (k_ = 0; k_ < sizeof(w_) / sizeof(w_[0]); k_++)               \
			l_[k_] = strlen(w_[k_]);                                 \
		expect_lines(buf, sizeof(buf) - 1, w_, l_, sizeof(w_) / sizeof(w_[0])); \
	} while (0)

static void test_empty(void **state)
{
	struct line_iter it;
	const char *line;
	size_t n;

	(void)state;
	lines_init(&it, "", 0);
	assert_int_equal(lines_next(&it, &line, &n), 0);
	assert_int_equal(it.lineno, 0);
	lines_init(&it, "abc", 0);   /* zero length: nothing, whatever buf holds */
	assert_int_equal(lines_next(&it, &line, &n), 0);
}

static void test_lf(void **state)
{
	(void)state;
	LINES("a\nbb\nccc\n", "a", "bb", "ccc");
	LINES("one", "one");                    /* no final newline */
	LINES("one\ntwo", "one", "two");
	LINES("\n", "");                        /* a single empty line */
	LINES("\n\n", "", "");
	LINES("a\n\nb\n", "a", "", "b");
	LINES("  spaced  \n", "  spaced  ");
}

static void test_crlf(void **state)
{
	(void)state;
	LINES("a\r\nb\r\n", "a", "b");
	LINES("a\r\nb", "a", "b");
	LINES("a\r\n\r\nb\r\n", "a", "", "b");
	LINES("\r\n", "");
	LINES("mixed\nends\r\nhere", "mixed", "ends", "here");
	/* a lone CR inside a line is data; only the one before LF is dropped */
	LINES("a\rb\n", "a\rb");
	LINES("a\r\r\n", "a\r");
	/* a CR at the very end without LF: the line still ends there */
	LINES("last\r", "last");
}

static void test_nul_inside(void **state)
{
	static const char buf[] = "ab\0cd\nx\0\n\0";
	static const char *const want[] = { "ab\0cd", "x\0", "\0" };
	static const size_t want_len[] = { 5, 2, 1 };

	(void)state;
	expect_lines(buf, sizeof(buf) - 1, want, want_len, 3);
}

/* The iterator never reads outside [buf, buf+len). */
static void test_len_bound(void **state)
{
	static const char buf[] = "abc\ndef\nghi";
	static const char *const want[] = { "abc", "de" };
	static const size_t want_len[] = { 3, 2 };

	(void)state;
	expect_lines(buf, 6, want, want_len, 2);
}

/* A large buffer: many lines, line numbers counted. */
static void test_many(void **state)
{
	char buf[7 * 1000 + 1];
	struct line_iter it;
	const char *line;
	size_t n, i;

	(void)state;
	for (i = 0; i < 1000; i++)
		memcpy(buf + i * 7, i % 2 ? "odd-ln\n" : "even\r\n\n", 7);
	lines_init(&it, buf, 7000);
	i = 0;
	while (lines_next(&it, &line, &n))
		i++;
	/* each "even\r\n\n" is two lines, each "odd-ln\n" one */
	assert_int_equal(i, 500 * 2 + 500);
	assert_int_equal(it.lineno, 1500);
}

/* Trailing blanks and '\r' go, nothing else does, and nothing before them. */
static void test_rtrim(void **state)
{
	(void)state;
	assert_int_equal(lines_rtrim("Tcp: \t\r\r", 8), 4);
	assert_int_equal(lines_rtrim("  a  b", 6), 6);
	assert_int_equal(lines_rtrim(" \t\r", 3), 0);
	assert_int_equal(lines_rtrim("x\n", 2), 2);     /* a newline is no blank */
	assert_int_equal(lines_rtrim("ab  cd", 3), 2);   /* only within len */
	assert_int_equal(lines_rtrim(NULL, 0), 0);
}

static void test_fields_basic(void **state)
{
	const char *f[8];
	size_t fl[8];
	const char *s = "  0: 0100007F:1F90 00000000:0000 0A\t12345  ";
	size_t n;

	(void)state;
	n = fields_split(s, strlen(s), f, fl, 8);
	assert_int_equal(n, 5);
	assert_int_equal(fl[0], 2);
	assert_memory_equal(f[0], "0:", 2);
	assert_int_equal(fl[1], 13);
	assert_memory_equal(f[1], "0100007F:1F90", 13);
	assert_memory_equal(f[2], "00000000:0000", 13);
	assert_int_equal(fl[3], 2);
	assert_memory_equal(f[3], "0A", 2);
	assert_int_equal(fl[4], 5);
	assert_memory_equal(f[4], "12345", 5);
	/* fields point into s */
	assert_ptr_equal(f[0], s + 2);
}

static void test_fields_edges(void **state)
{
	const char *f[4];
	size_t fl[4];

	(void)state;
	assert_int_equal(fields_split("", 0, f, fl, 4), 0);
	assert_int_equal(fields_split("   \t \t", 6, f, fl, 4), 0);
	assert_int_equal(fields_split("x", 1, f, fl, 4), 1);
	assert_int_equal(fl[0], 1);
	assert_int_equal(fields_split("\tx\t", 3, f, fl, 4), 1);
	assert_memory_equal(f[0], "x", 1);
	assert_int_equal(fl[0], 1);
	/* newlines are not blanks */
	assert_int_equal(fields_split("a\nb c", 5, f, fl, 4), 2);
	assert_int_equal(fl[0], 3);
	/* len bounds the scan */
	assert_int_equal(fields_split("ab cd ef", 4, f, fl, 4), 2);
	assert_int_equal(fl[1], 1);
	assert_memory_equal(f[1], "c", 1);
}

/* More fields than slots: counted, not stored, no overflow of f/fl. */
static void test_fields_overflow(void **state)
{
	const char *f[3];
	size_t fl[3];
	const char *s = "a b c d e f g";
	struct {
		const char *f[2];
		size_t fl[2];
		const char *guard;
	} small = { { NULL, NULL }, { 0, 0 }, "guard" };

	(void)state;
	assert_int_equal(fields_split(s, strlen(s), f, fl, 3), 7);
	assert_memory_equal(f[2], "c", 1);
	assert_int_equal(fields_split(s, strlen(s), small.f, small.fl, 2), 7);
	assert_memory_equal(small.f[1], "b", 1);
	assert_string_equal(small.guard, "guard");
	/* max 0: only counting */
	assert_int_equal(fields_split(s, strlen(s), NULL, NULL, 0), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_lf),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_nul_inside),
		cmocka_unit_test(test_len_bound),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_rtrim),
		cmocka_unit_test(test_fields_basic),
		cmocka_unit_test(test_fields_edges),
		cmocka_unit_test(test_fields_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
