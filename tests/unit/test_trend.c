/* Unit tests for analyze/trend.c: time arguments, buckets, sparklines, locale. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "trend.h"

#define NOW (INT64_C(1795165200) * TREND_NS_PER_S)   /* 2026-11-20T09:00:00Z */
#define SENTINEL INT64_C(-4242)

static void ok_time(const char *s, int64_t want_s)
{
	int64_t v = SENTINEL;

	if (trend_parse_time(s, NOW, &v) != 0)
		fail_msg("trend_parse_time(\"%s\") rejected", s);
	assert_int_equal(v, want_s * TREND_NS_PER_S);
}

static void bad_time(const char *s)
{
	int64_t v = SENTINEL;

	if (trend_parse_time(s, NOW, &v) != -1)
		fail_msg("trend_parse_time(\"%s\") accepted: %lld", s, (long long)v);
	assert_int_equal(v, SENTINEL);
}

static void test_time_absolute(void **state)
{
	(void)state;
	ok_time("2026-11-20", 1795132800);
	ok_time("2026-11-20T09:00:00Z", 1795165200);
	ok_time("2026-11-20T09:00:00", 1795165200);
	ok_time("2026-11-20T09:00:00+00:00", 1795165200);
	ok_time("2026-11-20 09:00:00", 1795165200);
	ok_time("2026-11-20T09:30", 1795167000);
	ok_time("2026-11-20 09:30Z", 1795167000);
	ok_time("1795165200", 1795165200);
	ok_time("0", 0);
	ok_time("now", 1795165200);
}

static void test_time_relative(void **state)
{
	(void)state;
	ok_time("7d", 1795165200 - 7 * 86400);
	ok_time("24h", 1795165200 - 86400);
	ok_time("30m", 1795165200 - 1800);
	ok_time("90s", 1795165200 - 90);
	ok_time("2w", 1795165200 - 14 * 86400);
	ok_time("0d", 1795165200);
}

static void test_time_bad(void **state)
{
	(void)state;
	bad_time("");
	bad_time("yesterday");
	bad_time("last week");
}

static void test_time_bad_forms(void **state)
{
	(void)state;
	bad_time("d");
	bad_time("7x");
	bad_time("-7d");
	bad_time("7.5d");
	bad_time(" 7d");
	bad_time("2026-13-01");
	bad_time("2026-11-20T09:00:00+02:00");
	bad_time("2026-11-20garbage");
	bad_time("99999999999999999999");
	bad_time("999999999999d");
}

static void test_bucket(void **state)
{
	(void)state;
	assert_int_equal(trend_bucket_start(0, TREND_DAY_NS), 0);
	assert_int_equal(trend_bucket_start(NOW, TREND_DAY_NS), INT64_C(1795132800) * TREND_NS_PER_S);
	assert_int_equal(trend_bucket_start(NOW + 1, TREND_HOUR_NS), NOW);
	assert_int_equal(trend_bucket_start(NOW - 1, TREND_HOUR_NS), NOW - TREND_HOUR_NS);
	/* before 1970: floor, not truncation towards zero */
	assert_int_equal(trend_bucket_start(-1, TREND_DAY_NS), -TREND_DAY_NS);
	assert_int_equal(trend_bucket_start(-TREND_DAY_NS, TREND_DAY_NS), -TREND_DAY_NS);
}

static void test_format(void **state)
{
	char buf[32];

	(void)state;
	trend_format_iso(NOW + 999999999, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-20T09:00:00Z");
	trend_format_short(NOW, TREND_DAY_NS, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-20");
	trend_format_short(NOW, TREND_HOUR_NS, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-20 09:00");
	trend_format_iso(-1, buf, sizeof(buf));
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
}

static void spark(const double *v, const unsigned char *p, size_t n, size_t width, int utf8, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	trend_sparkline(&sb, v, p, n, width, utf8);
	assert_string_equal(sb.buf ? sb.buf : "", want);
	strbuf_release(&sb);
}

static void test_sparkline(void **state)
{
	static const double up[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const unsigned char all[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	static const unsigned char gaps[8] = { 1, 0, 1, 0, 1, 1, 1, 1 };
	static const double flat[3] = { 5, 5, 5 }, zero[3] = { 0, 0, 0 };

	(void)state;
	spark(up, all, 8, 48, 1, "▁▂▃▄▅▆▇█");
	spark(up, all, 8, 48, 0, "_.-~=+*#");
	spark(up, gaps, 8, 48, 0, "_ - =+*#");
	/* 8 values in 4 characters: the larger of each pair */
	spark(up, all, 8, 4, 0, ".~+#");
	/* 8 in 3: pairs of 3 (ceil), so 3 characters */
	spark(up, all, 8, 3, 0, "-+#");
	spark(flat, all, 3, 48, 1, "▄▄▄");
	spark(zero, all, 3, 48, 0, "___");
	spark(up, all, 0, 48, 0, "");
}

static void test_locale(void **state)
{
	(void)state;
	assert_true(trend_locale_utf8(NULL, NULL, "en_US.UTF-8"));
	assert_true(trend_locale_utf8(NULL, "C.utf8", "C"));
	assert_false(trend_locale_utf8("C", NULL, "en_US.UTF-8"));
	assert_false(trend_locale_utf8("POSIX", "C.UTF-8", NULL));
	assert_true(trend_locale_utf8("", "", "de_DE.UTF-8"));
	assert_false(trend_locale_utf8(NULL, NULL, NULL));
	assert_false(trend_locale_utf8(NULL, NULL, "en_US.ISO-8859-1"));
}

static void test_metrics(void **state)
{
	const struct trend_metric *m;

	(void)state;
	assert_non_null(trend_metric_find("close_wait"));
	assert_null(trend_metric_find("CLOSE_WAIT"));
	assert_null(trend_metric_find(""));
	m = trend_metric_find("time_wait");
	assert_non_null(m);
	assert_false(m->per_process);
	m = trend_metric_find("fd_usage");
	assert_int_equal(m->combine, TREND_MAX);
	for (m = trend_metrics; m->name; m++)
		assert_ptr_equal(trend_metric_find(m->name), m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_absolute),
		cmocka_unit_test(test_time_relative),
		cmocka_unit_test(test_time_bad),
		cmocka_unit_test(test_time_bad_forms),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_sparkline),
		cmocka_unit_test(test_locale),
		cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
