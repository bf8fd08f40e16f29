/* Unit tests for lib/numparse.c: strict integers, durations, sizes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "numparse.h"

#define SENTINEL_U 0xdeadbeefcafef00dULL
#define SENTINEL_I ((int64_t)-123456789)

/* Parses s and expects success with value want. */
static void ok_u64(const char *s, int base, uint64_t want)
{
	uint64_t v = SENTINEL_U;

	if (num_u64_str(s, base, &v) != 0)
		fail_msg("num_u64_str(\"%s\", %d) rejected", s, base);
	assert_int_equal(v, want);
}

/* Expects rejection and *out untouched. */
static void bad_u64(const char *s, int base)
{
	uint64_t v = SENTINEL_U;

	if (num_u64_str(s, base, &v) != -1)
		fail_msg("num_u64_str(\"%s\", %d) accepted", s, base);
	assert_int_equal(v, SENTINEL_U);
}

static void ok_i64(const char *s, int64_t want)
{
	int64_t v = SENTINEL_I;

	if (num_i64_str(s, 10, &v) != 0)
		fail_msg("num_i64_str(\"%s\") rejected", s);
	assert_int_equal(v, want);
}

static void bad_i64(const char *s)
{
	int64_t v = SENTINEL_I;

	if (num_i64_str(s, 10, &v) != -1)
		fail_msg("num_i64_str(\"%s\") accepted", s);
	assert_int_equal(v, SENTINEL_I);
}

static void ok_dur(const char *s, int allow_zero, uint64_t want_us)
{
	uint64_t v = SENTINEL_U;

	if (num_duration_us(s, allow_zero, &v) != 0)
		fail_msg("num_duration_us(\"%s\") rejected", s);
	assert_int_equal(v, want_us);
}

static void bad_dur(const char *s, int allow_zero)
{
	uint64_t v = SENTINEL_U;

	if (num_duration_us(s, allow_zero, &v) != -1)
		fail_msg("num_duration_us(\"%s\", %d) accepted", s, allow_zero);
	assert_int_equal(v, SENTINEL_U);
}

static void ok_size(const char *s, uint64_t want)
{
	uint64_t v = SENTINEL_U;

	if (num_size(s, &v) != 0)
		fail_msg("num_size(\"%s\") rejected", s);
	assert_int_equal(v, want);
}

static void bad_size(const char *s)
{
	uint64_t v = SENTINEL_U;

	if (num_size(s, &v) != -1)
		fail_msg("num_size(\"%s\") accepted", s);
	assert_int_equal(v, SENTINEL_U);
}

static void test_u64_valid(void **state)
{
	(void)state;
	ok_u64("0", 10, 0);
	ok_u64("7", 10, 7);
	ok_u64("007", 10, 7);
	ok_u64("4026531840", 10, 4026531840ULL);
	ok_u64("18446744073709551615", 10, UINT64_MAX);
	ok_u64("ffffffffffffffff", 16, UINT64_MAX);
	ok_u64("FFFFFFFFFFFFFFFF", 16, UINT64_MAX);
	ok_u64("0100007F", 16, 0x0100007FULL);
	ok_u64("1F90", 16, 8080);
	ok_u64("777", 8, 511);
	ok_u64("101", 2, 5);
}

static void test_u64_strict(void **state)
{
	uint64_t v = SENTINEL_U;

	(void)state;
	bad_u64("", 10);
	bad_u64("-1", 10);
	bad_u64("+1", 10);
	bad_u64(" 1", 10);
	bad_u64("1 ", 10);
	bad_u64("1\n", 10);
	bad_u64("12abc", 10);
	bad_u64("0x10", 16);   /* no prefixes */
	bad_u64("1.0", 10);
	bad_u64("a", 10);      /* hex digit in decimal */
	bad_u64("8", 8);
	bad_u64("2", 2);
	bad_u64("g", 16);
	/* overflow: UINT64_MAX + 1 and beyond */
	bad_u64("18446744073709551616", 10);
	bad_u64("18446744073709551620", 10);
	bad_u64("99999999999999999999", 10);
	bad_u64("184467440737095516150", 10);
	bad_u64("10000000000000000", 16);
	/* unsupported bases */
	bad_u64("1", 1);
	bad_u64("1", 17);
	bad_u64("1", 0);
	/* the length form only looks at [s, s+len) */
	assert_int_equal(num_u64("123junk", 3, 10, &v), 0);
	assert_int_equal(v, 123);
	v = SENTINEL_U;
	assert_int_equal(num_u64("123junk", 4, 10, &v), -1);
	assert_int_equal(v, SENTINEL_U);
	assert_int_equal(num_u64("5", 0, 10, &v), -1);
	/* an embedded NUL is garbage too */
	assert_int_equal(num_u64("1\0002", 3, 10, &v), -1);
	assert_int_equal(v, SENTINEL_U);
}

static void test_i64(void **state)
{
	int64_t v = SENTINEL_I;

	(void)state;
	ok_i64("0", 0);
	ok_i64("-0", 0);
	ok_i64("+15", 15);
	ok_i64("-15", -15);
	ok_i64("9223372036854775807", INT64_MAX);
	ok_i64("-9223372036854775808", INT64_MIN);
	bad_i64("9223372036854775808");
	bad_i64("-9223372036854775809");
	bad_i64("18446744073709551616");
	bad_i64("");
	bad_i64("-");
	bad_i64("+");
	bad_i64("--1");
	bad_i64("+-1");
	bad_i64("1-");
	bad_i64(" -1");
	bad_i64("-1 ");
	bad_i64("12x");
	assert_int_equal(num_i64("-ff", 3, 16, &v), 0);
	assert_int_equal(v, -255);
}

static void test_duration_units(void **state)
{
	(void)state;
	ok_dur("500ms", 0, 500000);
	ok_dur("5", 0, 5000000);
	ok_dur("5s", 0, 5000000);
	ok_dur("2m", 0, 120000000);
	ok_dur("1h", 0, 3600000000ULL);
	ok_dur("0.5", 0, 500000);
	ok_dur("0.5s", 0, 500000);
	ok_dur("1.25", 0, 1250000);
	ok_dur("0.2", 0, 200000);
	ok_dur("1.5m", 0, 90000000);
	ok_dur("0.5h", 0, 1800000000ULL);
	ok_dur("1ms", 0, 1000);
	ok_dur("2.5ms", 0, 2500);
	ok_dur("0.000001", 0, 1);
	ok_dur("10m", 0, 600000000);
	ok_dur("86400", 0, 86400000000ULL);
}

static void test_duration_zero(void **state)
{
	(void)state;
	bad_dur("0", 0);
	bad_dur("0s", 0);
	bad_dur("0ms", 0);
	bad_dur("0.0", 0);
	bad_dur("0.0000001", 1);   /* more than 6 decimals */
	ok_dur("0", 1, 0);
	ok_dur("0ms", 1, 0);
	ok_dur("0.000", 1, 0);
}

static void test_duration_bad(void **state)
{
	(void)state;
	bad_dur("", 0);
	bad_dur("s", 0);
	bad_dur("ms", 0);
	bad_dur("5x", 0);
	bad_dur("5 s", 0);
	bad_dur(" 5", 0);
	bad_dur("5S", 0);
	bad_dur("5M", 0);     /* minutes are lower-case m; M is not a unit */
	bad_dur("5sec", 0);
	bad_dur("5mss", 0);
	bad_dur("5hm", 0);
	bad_dur("5us", 0);
	bad_dur("-5", 0);
	bad_dur("+5", 0);
	bad_dur("-5s", 0);
	bad_dur(".5", 0);
	bad_dur("5.", 0);
	bad_dur("5.s", 0);
	bad_dur("1.2.3", 0);
	bad_dur("1..2", 0);
	bad_dur("0x10", 0);
	bad_dur("5s5", 0);
	bad_dur("5m30s", 0);
	/* overflow */
	bad_dur("18446744073709551616", 0);
	bad_dur("18446744073709551615h", 0);
	bad_dur("9999999999999h", 0);
}

static void test_size(void **state)
{
	(void)state;
	ok_size("0", 0);
	ok_size("4096", 4096);
	ok_size("64K", 64u << 10);
	ok_size("64k", 64u << 10);
	ok_size("256M", 256u << 20);
	ok_size("256m", 256u << 20);
	ok_size("1G", 1ULL << 30);
	ok_size("3g", 3ULL << 30);
	ok_size("2T", 2ULL << 40);
	ok_size("64KB", 64u << 10);
	ok_size("100B", 100);
	ok_size("16777215T", 16777215ULL << 40);
	ok_size("18446744073709551615", UINT64_MAX);
}

static void test_size_bad(void **state)
{
	(void)state;
	bad_size("");
	bad_size("K");
	bad_size("B");
	bad_size("KB");
	bad_size("64X");
	bad_size("64KiB");
	bad_size("64 K");
	bad_size(" 64K");
	bad_size("64K ");
	bad_size("-1");
	bad_size("+1");
	bad_size("-1K");
	bad_size("1.5G");
	bad_size("64KK");
	bad_size("64P");
	bad_size("0x40");
	/* overflow, with and without a unit */
	bad_size("18446744073709551616");
	bad_size("16777216T");
	bad_size("17179869184G");
	bad_size("18014398509481984K");
}

static void test_dec_count(void **state)
{
	int64_t v = 7;

	(void)state;
	assert_true(num_is_digits("0123", 4));
	assert_false(num_is_digits("", 0));
	assert_false(num_is_digits("12a", 3));
	assert_false(num_is_digits("+1", 2));
	assert_int_equal(num_dec_count("42", 2, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(num_dec_count("9223372036854775807", 19, &v), 0);
	assert_int_equal(v, INT64_MAX);
	v = 7;
	assert_int_equal(num_dec_count("9223372036854775808", 19, &v), -1);
	assert_int_equal(num_dec_count("-1", 2, &v), -1);
	assert_int_equal(num_dec_count("1 ", 2, &v), -1);
	assert_int_equal(num_dec_count("", 0, &v), -1);
	assert_int_equal(v, 7);         /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64_valid),
		cmocka_unit_test(test_dec_count),
		cmocka_unit_test(test_u64_strict),
		cmocka_unit_test(test_i64),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_zero),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_size_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
