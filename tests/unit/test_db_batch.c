/*
 * Unit tests for analyze/db_batch.c: every row added lands, with its NULLs,
 * texts (empty ones too) and integers, whether written by the many-row
 * statement, the one-row one (a flush's remainder) or both; rows are
 * written in key order (ints, then texts, by the bytes, shorter first),
 * rows with equal keys in the order added, so that INSERT OR REPLACE keeps
 * the last one and an upsert sees them all; clear drops pending rows; a
 * failing row fails the flush with SQLite's message and leaves the batch
 * usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_batch.h"
#include "rows.h"

static sqlite3 *open_mem(const char *schema)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* group_concat of sql's single text column, for comparing whole tables. */
static char *q_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_non_null(v);
	return v;
}

static struct db_batch *batch(sqlite3 *db, const char *head, const char *tail, int ncols, int rows, int cap,
			      int nkey, int k0, int k1)
{
	struct db_batch_spec spec = { head, tail, ncols, { k0, k1, 0, 0 }, nkey, rows, cap };
	char *err = NULL;
	struct db_batch *b = db_batch_new(db, &spec, &err);

	if (!b)
		fprintf(stderr, "%s\n", err);
	assert_non_null(b);
	return b;
}

/* Invariant after any call: what is pending is all that is not written. */
static void check_pending(sqlite3 *db, struct db_batch *b, const char *table, int64_t added)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
	assert_int_equal(q_int(db, sql) + (int64_t)db_batch_pending(b), added);
}

/* 4 rows a statement, 8 buffered: 19 rows are 4 statements of 4 (two full
 * buffers), then at the flush 3 one-row statements. */
static void test_every_value_lands(void **state)
{
	sqlite3 *db = open_mem("CREATE TABLE t(id INTEGER PRIMARY KEY, n INTEGER, s TEXT, o INTEGER)");
	struct db_batch *b = batch(db, "INSERT INTO t(id, n, s, o) VALUES ", "", 4, 4, 8, 1, 0, 0);
	char s[32];
	int64_t i;

	(void)state;
	assert_string_equal(db_batch_sql(b), "INSERT INTO t(id, n, s, o) VALUES (?,?,?,?)");
	for (i = 0; i < 19; i++) {
		db_batch_int(b, 100 - i);   /* backwards: sorted on the way */
		db_batch_int(b, i * 1000000000000LL);
		snprintf(s, sizeof(s), "row %lld", (long long)i);
		if (i % 5 == 3)
			db_batch_text(b, NULL);
		else if (i % 5 == 4)
			db_batch_text(b, "");
		else
			db_batch_text(b, s);
		db_batch_opt_int(b, i % 2 ? SM_NONE : -i);
		assert_int_equal(db_batch_row(b), 0);
		check_pending(db, b, "t", i + 1);
	}
	assert_int_equal(db_batch_pending(b), 3);
	assert_int_equal(db_batch_flush(b), 0);
	check_pending(db, b, "t", 19);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t WHERE n = (100 - id) * 1000000000000"), 19);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t WHERE s IS NULL"), 4);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t WHERE s = ''"), 3);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t WHERE s = 'row ' || (100 - id)"), 12);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t WHERE o IS NULL"), 9);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t WHERE o = id - 100"), 10);
	assert_int_equal(q_int(db, "SELECT typeof(s) = 'text' FROM t WHERE id = 96"), 1);
	assert_int_equal(db_batch_flush(b), 0);   /* nothing pending: nothing done */
	db_batch_free(b);
	sqlite3_close(db);
}

/* The rowid of a table without a key of its own tells the order written. */
static void test_key_order_stable(void **state)
{
	sqlite3 *db = open_mem("CREATE TABLE t(k TEXT, n INTEGER, seq INTEGER)");
	struct db_batch *b = batch(db, "INSERT INTO t(k, n, seq) VALUES ", "", 3, 3, 9, 2, 0, 1);
	static const struct {
		const char *k;   /* NULL: an integer key, n */
		int64_t n;
	} rows[] = {
		{ "b", 2 }, { "ab", 1 }, { NULL, 7 }, { "a", 9 }, { "b", 2 }, { "a", 1 },
		{ NULL, -3 }, { "b", 2 }, { "abc", 0 },
	};
	char *got;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].k)
			db_batch_text(b, rows[i].k);
		else
			db_batch_int(b, rows[i].n);
		db_batch_int(b, rows[i].n);
		db_batch_int(b, (int64_t)i);
		assert_int_equal(db_batch_row(b), 0);
	}
	assert_int_equal(db_batch_pending(b), 0);   /* the ninth row wrote them */
	got = q_text(db, "SELECT group_concat(k || ':' || n || ':' || seq, ' ') FROM (SELECT * FROM t ORDER BY rowid)");
	assert_string_equal(got, "-3:-3:6 7:7:2 a:1:5 a:9:3 ab:1:1 abc:0:8 b:2:0 b:2:4 b:2:7");
	free(got);
	db_batch_free(b);
	sqlite3_close(db);
}

/* Equal keys: INSERT OR REPLACE keeps the row added last, within a
 * statement, across statements and across the many-row and one-row ones;
 * an upsert adds them all up. */
static void test_replace_and_upsert(void **state)
{
	sqlite3 *db = open_mem("CREATE TABLE r(a INTEGER, b INTEGER, v INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID;"
			       "CREATE TABLE u(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID");
	struct db_batch *r = batch(db, "INSERT OR REPLACE INTO r(a, b, v) VALUES ", "", 3, 4, 8, 2, 0, 1);
	struct db_batch *u = batch(db, "INSERT INTO u(k, v) VALUES ", " ON CONFLICT(k) DO UPDATE SET v = v + excluded.v",
				   2, 4, 4, 1, 0, 0);
	int64_t i;
	char *got;

	(void)state;
	for (i = 0; i < 23; i++) {
		db_batch_int(r, i % 3);
		db_batch_int(r, (i % 2) * 10);
		db_batch_int(r, i);
		assert_int_equal(db_batch_row(r), 0);
		db_batch_text(u, i % 2 ? "odd" : "even");
		db_batch_int(u, i);
		assert_int_equal(db_batch_row(u), 0);
	}
	assert_int_equal(db_batch_flush(r), 0);
	assert_int_equal(db_batch_flush(u), 0);
	got = q_text(db, "SELECT group_concat(a || '/' || b || '=' || v, ' ') FROM (SELECT * FROM r ORDER BY a, b)");
	assert_string_equal(got, "0/0=18 0/10=21 1/0=22 1/10=19 2/0=20 2/10=17");
	free(got);
	assert_int_equal(q_int(db, "SELECT v FROM u WHERE k = 'even'"), 0 + 2 + 4 + 6 + 8 + 10 + 12 + 14 + 16 + 18 + 20 + 22);
	assert_int_equal(q_int(db, "SELECT v FROM u WHERE k = 'odd'"), 1 + 3 + 5 + 7 + 9 + 11 + 13 + 15 + 17 + 19 + 21);
	db_batch_free(r);
	db_batch_free(u);
	sqlite3_close(db);
}

static void test_clear_and_failure(void **state)
{
	sqlite3 *db = open_mem("CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT NOT NULL)");
	struct db_batch *b = batch(db, "INSERT INTO t(id, s) VALUES ", "", 2, 2, 4, 1, 0, 0);
	int64_t i;

	(void)state;
	for (i = 1; i <= 3; i++) {
		db_batch_int(b, i);
		db_batch_text(b, "x");
		assert_int_equal(db_batch_row(b), 0);
	}
	db_batch_clear(b);
	assert_int_equal(db_batch_pending(b), 0);
	assert_int_equal(db_batch_flush(b), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t"), 0);

	/* a NULL where the table says NOT NULL: in a full buffer, then in a
	 * flush's remainder */
	for (i = 1; i <= 4; i++) {
		db_batch_int(b, i);
		db_batch_text(b, i == 3 ? NULL : "x");
		assert_int_equal(db_batch_row(b), i == 4 ? -1 : 0);
	}
	assert_non_null(strstr(sqlite3_errmsg(db), "NOT NULL"));
	assert_int_equal(db_batch_pending(b), 0);   /* dropped */
	db_batch_int(b, 5);
	db_batch_null(b);
	assert_int_equal(db_batch_row(b), 0);
	assert_int_equal(db_batch_flush(b), -1);
	assert_non_null(strstr(sqlite3_errmsg(db), "NOT NULL"));

	/* and the batch goes on */
	db_batch_int(b, 6);
	db_batch_text(b, "y");
	assert_int_equal(db_batch_row(b), 0);
	assert_int_equal(db_batch_flush(b), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM t WHERE s = 'x'"), 2);   /* the first statement's */
	assert_int_equal(q_int(db, "SELECT id FROM t WHERE s = 'y'"), 6);
	db_batch_free(b);
	sqlite3_close(db);
}

static void test_bad_sql(void **state)
{
	sqlite3 *db = open_mem("CREATE TABLE t(a INTEGER)");
	struct db_batch_spec spec = { "INSERT INTO nosuch(a) VALUES ", "", 1, { 0 }, 1, 2, 2 };
	char *err = NULL;

	(void)state;
	assert_null(db_batch_new(db, &spec, &err));
	assert_non_null(err);
	assert_non_null(strstr(err, "nosuch"));
	free(err);
	db_batch_free(NULL);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_value_lands),
		cmocka_unit_test(test_key_order_stable),
		cmocka_unit_test(test_replace_and_upsert),
		cmocka_unit_test(test_clear_and_failure),
		cmocka_unit_test(test_bad_sql),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
