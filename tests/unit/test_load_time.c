/* Unit tests for the times load reads: --at, and a file name's (--series). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "load.h"

#define NS(s) ((int64_t)(s) * 1000000000)

/* 2026-11-24T10:05:00Z */
#define T1005 1795514700

static void expect_name(const char *path, int64_t want_s)
{
	int64_t ns = 0;

	if (load_name_time(path, &ns) != 0)
		fail_msg("'%s': no time found, want %lld", path, (long long)want_s);
	if (ns != NS(want_s))
		fail_msg("'%s': got %lld, want %lld", path, (long long)(ns / 1000000000), (long long)want_s);
}

static void expect_no_name(const char *path)
{
	int64_t ns = 0;

	if (load_name_time(path, &ns) == 0)
		fail_msg("'%s': found %lld, want none", path, (long long)(ns / 1000000000));
}

static void t_name_forms(void **state)
{
	(void)state;
	expect_name("ss-2026-11-24T10:05:00.txt", T1005);
	expect_name("ss-2026-11-24T10:05.txt", T1005);
	expect_name("/tmp/x1/ss-20261124-1005.txt", T1005);
	expect_name("ss-20261124T100500Z.txt", T1005);
	expect_name("ss_2026-11-24_10-05-00.out", T1005);
	expect_name("2026-11-24 10.05.30 ss.txt", T1005 + 30);
	expect_name("ss.1795514700", T1005);
	expect_name("host7-ss.1795514700.txt", T1005);
}

static void t_name_none(void **state)
{
	(void)state;
	expect_no_name("ss-1.txt");
	expect_no_name("ss-3.txt");
	expect_no_name("ss-2026.txt");                 /* a year alone */
	expect_no_name("ss-20261324-1005.txt");        /* month 13 */
	expect_no_name("ss-20261124-2505.txt");        /* hour 25 */
	expect_no_name("ss-12345678901.txt");          /* 11 digits: not epoch seconds */
	expect_no_name("/2026-11-24T10:05:00/ss.txt"); /* the directory's, not the file's */
	expect_no_name("");
}

static void t_at(void **state)
{
	int64_t ns = 0;

	(void)state;
	assert_int_equal(load_parse_time("2026-11-24T10:05:00Z", &ns), 0);
	assert_int_equal(ns, NS(T1005));
	assert_int_equal(load_parse_time("2026-11-24 10:05:00", &ns), 0);
	assert_int_equal(ns, NS(T1005));
	assert_int_equal(load_parse_time("1795514700", &ns), 0);
	assert_int_equal(ns, NS(T1005));
	assert_int_equal(load_parse_time("2026-11-24T10:05:00+02:00", &ns), -1);
	assert_int_equal(load_parse_time("yesterday", &ns), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_name_forms),
		cmocka_unit_test(t_name_none),
		cmocka_unit_test(t_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
