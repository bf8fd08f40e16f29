/*
 * Unit tests for close_delay: FIN delays that cluster at a fixed value
 * (a proxy timeout) are found with their median and share, robust to
 * outliers; spread-out delays, too few of them, and junk values are not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "close_delay.h"

static void t_cluster_with_outliers(void **state)
{
	/* nginx proxy_read_timeout 3s: ten closes at 3.000-3.040 s, two normal closes */
	const double d[] = { 3.001, 0.002, 3.000, 3.012, 2.998, 3.040, 3.003, 0.5, 3.001, 3.002, 3.010, 3.004 };
	struct close_delay_cluster c;

	(void)state;
	assert_int_equal(close_delay_cluster(d, sizeof(d) / sizeof(d[0]), &c), 0);
	assert_int_equal(c.n, 12);
	assert_int_equal(c.count, 10);
	assert_true(c.is_cluster);
	assert_true(fabs(c.median - 3.0025) < 1e-9);
	assert_true(fabs(c.share - 10.0 / 12) < 1e-9);
	assert_true(c.min >= 2.998 && c.max <= 3.040);
	assert_true(fabs(c.tolerance - 0.1) < 1e-9);
}

static void t_boundaries(void **state)
{
	/* 3.0 +- 0.1 is inclusive: 2.9 and 3.1 belong, 3.2 does not */
	const double d[] = { 2.9, 3.0, 3.0, 3.0, 3.1, 3.25 };
	const double big[] = { 60.0, 61.5, 59.0, 60.2, 60.9, 1.0 };
	struct close_delay_cluster c;

	(void)state;
	assert_int_equal(close_delay_cluster(d, 6, &c), 0);
	assert_int_equal(c.count, 5);
	assert_true(c.is_cluster);
	/* long timeouts get 3% of slack: 60 s +- 1.8 s */
	assert_int_equal(close_delay_cluster(big, 6, &c), 0);
	assert_int_equal(c.count, 5);
	assert_true(fabs(c.tolerance - 0.03 * c.median) < 1e-9);
	assert_true(c.is_cluster);
}

static void t_no_cluster(void **state)
{
	const double spread[] = { 0.1, 0.5, 0.9, 1.4, 2.0, 2.7, 3.5, 4.4, 5.5, 7.0 };
	const double few[] = { 1.0, 1.0, 1.0, 1.0 };
	const double minority[] = { 1.0, 1.0, 1.0, 1.0, 1.0, 4, 5, 6, 7, 8, 9, 10, 11 };
	struct close_delay_cluster c;

	(void)state;
	assert_int_equal(close_delay_cluster(spread, 10, &c), 0);
	assert_false(c.is_cluster);
	assert_int_equal(close_delay_cluster(few, 4, &c), 0);
	assert_int_equal(c.count, 4);
	assert_false(c.is_cluster);                 /* fewer than CLOSE_DELAY_MIN_N */
	assert_int_equal(close_delay_cluster(minority, 13, &c), 0);
	assert_int_equal(c.count, 5);
	assert_false(c.is_cluster);                 /* 5 of 13 < CLOSE_DELAY_MIN_SHARE */
}

/* Prompt closes cluster near zero: the protocol ending, not a timeout. */
static void t_prompt_closes(void **state)
{
	const double d[] = { 0.001, 0.002, 0.001, 0.080, 0.003, 0.002, 0.001 };
	struct close_delay_cluster c;

	(void)state;
	assert_int_equal(close_delay_cluster(d, 7, &c), 0);
	assert_int_equal(c.count, 7);
	assert_false(c.is_cluster);
}

static void t_junk(void **state)
{
	const double junk[] = { NAN, -1.0, INFINITY, -INFINITY };
	const double mixed[] = { NAN, 2.0, -3.0, 2.0, 2.05, 2.0, 1.98 };
	struct close_delay_cluster c;

	(void)state;
	assert_int_equal(close_delay_cluster(junk, 4, &c), -1);
	assert_int_equal(c.n, 0);
	assert_int_equal(close_delay_cluster(junk, 0, &c), -1);
	assert_int_equal(close_delay_cluster(mixed, 7, &c), 0);
	assert_int_equal(c.n, 5);
	assert_int_equal(c.count, 5);
	assert_true(c.is_cluster);
}

/* Two groups of the same size: the tighter one wins. */
static void t_tie(void **state)
{
	const double d[] = { 1.00, 1.00, 1.00, 5.0, 5.09, 5.18 };
	struct close_delay_cluster c;

	(void)state;
	assert_int_equal(close_delay_cluster(d, 6, &c), 0);
	assert_int_equal(c.count, 3);
	assert_true(fabs(c.median - 1.0) < 1e-9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_cluster_with_outliers),
		cmocka_unit_test(t_boundaries),
		cmocka_unit_test(t_no_cluster),
		cmocka_unit_test(t_prompt_closes),
		cmocka_unit_test(t_junk),
		cmocka_unit_test(t_tie),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
