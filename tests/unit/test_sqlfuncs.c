/* Tests for analyze/sqlfuncs.c: the regression aggregates and plural() rules rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "db.h"

static sqlite3 *open_mem(void)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(db_open(":memory:", DB_CREATE, &db, &err), 0);
	return db;
}

static double one(sqlite3 *db, const char *sql, int *is_null)
{
	sqlite3_stmt *st = NULL;
	double v = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	*is_null = sqlite3_column_type(st, 0) == SQLITE_NULL;
	v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void test_exact_line(void **state)
{
	sqlite3 *db = open_mem();
	int null;

	(void)state;
	assert_true(fabs(one(db, "WITH s(x,y) AS (VALUES (1,5),(2,8),(3,11),(4,14)) SELECT regr_slope(y,x) FROM s", &null) - 3.0) < 1e-9);
	assert_false(null);
	assert_true(fabs(one(db, "WITH s(x,y) AS (VALUES (1,5),(2,8),(3,11),(4,14)) SELECT regr_intercept(y,x) FROM s", &null) - 2.0) < 1e-9);
	assert_true(fabs(one(db, "WITH s(x,y) AS (VALUES (1,5),(2,8),(3,11),(4,14)) SELECT regr_r2(y,x) FROM s", &null) - 1.0) < 1e-9);
	assert_int_equal((int)one(db, "WITH s(x,y) AS (VALUES (1,5),(2,NULL),(3,11)) SELECT regr_count(y,x) FROM s", &null), 2);
	db_close(db);
}

/* Nanosecond timestamps (~1.8e18) must not destroy precision. */
static void test_epoch_ns_x(void **state)
{
	sqlite3 *db = open_mem();
	int null;
	double slope;

	(void)state;
	slope = one(db, "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i < 719)"
		    " SELECT regr_slope(10000 + i * 5, 1795443114223420648 + i * 5000000000) FROM s", &null);
	assert_false(null);
	assert_true(fabs(slope - 1e-9) < 1e-12);   /* 5 sockets per 5 s = 1 per second */
	db_close(db);
}

static void test_noise_and_flat(void **state)
{
	sqlite3 *db = open_mem();
	int null;
	double r2;

	(void)state;
	/* A stable pool that wobbles: slope near 0, poor fit. */
	r2 = one(db, "WITH s(x,y) AS (VALUES (1,100),(2,103),(3,99),(4,102),(5,100),(6,101))"
		 " SELECT regr_r2(y,x) FROM s", &null);
	assert_true(r2 < 0.3);
	/* Constant y: a flat line fits perfectly. */
	assert_true(fabs(one(db, "WITH s(x,y) AS (VALUES (1,7),(2,7),(3,7)) SELECT regr_r2(y,x) FROM s", &null) - 1.0) < 1e-9);
	/* One point, or constant x: undefined. */
	one(db, "SELECT regr_slope(1, 2)", &null);
	assert_true(null);
	one(db, "WITH s(x,y) AS (VALUES (1,7),(1,9)) SELECT regr_slope(y,x) FROM s", &null);
	assert_true(null);
	db_close(db);
}

static void expect_text(sqlite3 *db, const char *sql, const char *want)
{
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (want)
		assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
	else
		assert_int_equal(sqlite3_column_type(st, 0), SQLITE_NULL);
	sqlite3_finalize(st);
}

static void test_plural(void **state)
{
	sqlite3 *db = open_mem();

	(void)state;
	expect_text(db, "SELECT plural(1, 'goroutine')", "1 goroutine");
	expect_text(db, "SELECT plural(257, 'goroutine')", "257 goroutines");
	expect_text(db, "SELECT plural(0, 'writer')", "0 writers");
	expect_text(db, "SELECT plural('1', 'socket')", "1 socket");
	expect_text(db, "SELECT plural(NULL, 'socket')", NULL);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_line),
		cmocka_unit_test(test_epoch_ns_x),
		cmocka_unit_test(test_noise_and_flat),
		cmocka_unit_test(test_plural),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
