/*
 * Unit tests for analyze/db.c schema upgrades: a schema 1 database (host
 * counters one row per snapshot) opened for writing becomes schema 2 with
 * every value kept as a run of one snapshot, and v_counters gives them
 * back; opened read-only it is refused with a message saying how to
 * upgrade it, and left unchanged. A schema 2 database without the columns
 * added since: given them when opened for writing, and shown with them
 * (NULL) when opened read-only, the file untouched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"

static void exec_ok(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (db_exec(db, sql, &err) < 0) {
		fprintf(stderr, "%s: %s\n", sql, err);
		free(err);
		fail();
	}
}

/* A fresh database turned back into what schema 1 looked like. */
static void make_v1(const char *path)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(db_open(path, DB_CREATE, &db, &err), 0);
	exec_ok(db, "DROP VIEW v_counters; DROP TABLE counters;"
		    "CREATE TABLE counters (snapshot_id INTEGER NOT NULL, netns INTEGER, grp TEXT NOT NULL,"
		    " name TEXT NOT NULL, value INTEGER, PRIMARY KEY (snapshot_id, netns, grp, name)) WITHOUT ROWID;"
		    "INSERT INTO sources(id, kind, path, sha256) VALUES (1, 'bundle', 'b', 'x');"
		    "INSERT INTO snapshots(id, source_id, seq) VALUES (1, 1, 1), (2, 1, 2);"
		    "INSERT INTO counters VALUES (1, 0, 'TcpExt', 'ListenOverflows', 3),"
		    " (2, 0, 'TcpExt', 'ListenOverflows', 5), (2, 0, 'TCP', 'tw', 7);"
		    "PRAGMA user_version = 1;");
	db_close(db);
}

/* A database made by make at a new temporary path (the template). */
static void temp_db(char *path, void (*make)(const char *path))
{
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	make(path);
}

static void test_upgrade(void **state)
{
	char path[] = "/tmp/sm-test-db.XXXXXX";
	sqlite3 *db = NULL;
	char *err = NULL;

	(void)state;
	temp_db(path, make_v1);

	/* read-only: refused, with the way out */
	assert_int_equal(db_open(path, DB_READONLY, &db, &err), -1);
	assert_non_null(strstr(err, "older schema"));
	assert_non_null(strstr(err, "sockmortem load -o"));
	free(err);
	err = NULL;

	assert_int_equal(db_open(path, DB_READWRITE, &db, &err), 0);
	assert_int_equal(db_int(db, "PRAGMA user_version", -1), DB_SCHEMA_VERSION);
	assert_int_equal(db_int(db, "SELECT count(*) FROM counters WHERE first_snapshot = last_snapshot", -1), 3);
	assert_int_equal(db_int(db, "SELECT sum(snapshot_id * value) FROM v_counters", -1), 1 * 3 + 2 * 5 + 2 * 7);
	assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'counters_v1'", -1), 0);
	db_close(db);

	/* and now read-only is fine */
	assert_int_equal(db_open(path, DB_READONLY, &db, &err), 0);
	db_close(db);
	unlink(path);
}

/* A schema 2 database as the first releases wrote it: dumps without comm,
 * and so no view that reads it. */
static void make_v2_without_comm(const char *path)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(db_open(path, DB_CREATE, &db, &err), 0);
	exec_ok(db, "INSERT INTO sources(id, kind, path, sha256) VALUES (1, 'goroutine', 'g', 'x');"
		    "INSERT INTO dumps(id, source_id, pid, kind, comm) VALUES (1, 1, 42, 'trace', 'gateway');"
		    "DROP VIEW v_timeline; ALTER TABLE dumps DROP COLUMN comm;");
	db_close(db);
}

static void test_added_columns(void **state)
{
	char path[] = "/tmp/sm-test-db.XXXXXX";
	sqlite3 *db = NULL;
	char *err = NULL;

	(void)state;
	temp_db(path, make_v2_without_comm);

	/* read-only: the column reads as NULL, through a view in front of the table */
	assert_int_equal(db_open(path, DB_READONLY, &db, &err), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM dumps WHERE pid = 42 AND comm IS NULL", -1), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM dumps d JOIN sources s ON s.id = d.source_id", -1), 1);
	db_close(db);
	assert_int_equal(db_open(path, DB_READONLY, &db, &err), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM pragma_table_info('dumps', 'main') WHERE name = 'comm'", -1), 0);
	db_close(db);

	/* for writing: the table gets it */
	assert_int_equal(db_open(path, DB_READWRITE, &db, &err), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM pragma_table_info('dumps', 'main') WHERE name = 'comm'", -1), 1);
	exec_ok(db, "UPDATE dumps SET comm = 'gw'");
	db_close(db);
	assert_int_equal(db_open(path, DB_READONLY, &db, &err), 0);
	assert_int_equal(db_int(db, "SELECT count(*) FROM dumps WHERE comm = 'gw'", -1), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM sqlite_temp_master", -1), 0);
	db_close(db);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade),
		cmocka_unit_test(test_added_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
