/* db: open, verify and migrate the analysis database; see db.h. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rows.h"
#include "sqlfuncs.h"
#include "strbuf.h"

static int db_fail(char **err, const char *fmt, const char *a, const char *b)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, fmt, a, b ? b : "");
	*err = strbuf_detach(&sb, NULL);
	return -1;
}

int db_exec(sqlite3 *db, const char *sql, char **err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	db_fail(err, "%s%s", msg ? msg : sqlite3_errmsg(db), NULL);
	sqlite3_free(msg);
	return -1;
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char **err)
{
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	return db_fail(err, "cannot prepare statement: %s (%.60s...)", sqlite3_errmsg(db), sql);
}

int64_t db_int(sqlite3 *db, const char *sql, int64_t dflt)
{
	sqlite3_stmt *st = NULL;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_bind_opt_int(sqlite3_stmt *st, int idx, int64_t v)
{
	return v == SM_NONE ? sqlite3_bind_null(st, idx) : sqlite3_bind_int64(st, idx, v);
}

int db_bind_opt_text(sqlite3_stmt *st, int idx, const char *s)
{
	return s ? sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, idx);
}

/* Is this file ours, from this or an older version? */
static int db_check_identity(sqlite3 *db, const char *path, int fresh, char **err)
{
	int64_t app = db_int(db, "PRAGMA application_id", -1);
	int64_t ver = db_int(db, "PRAGMA user_version", -1);
	char vbuf[64];

	if (app == -1)
		return db_fail(err, "'%s' is not a SQLite database%s", path, NULL);
	if (fresh)
		return 0;
	if (app != DB_APPLICATION_ID)
		return db_fail(err, "'%s' is a SQLite database but not a sockmortem one%s", path,
			       " (refusing to touch it)");
	if (ver > DB_SCHEMA_VERSION) {
		snprintf(vbuf, sizeof(vbuf), " (schema %lld; this sockmortem knows %d)", (long long)ver,
			 DB_SCHEMA_VERSION);
		return db_fail(err, "'%s' was written by a newer sockmortem%s", path, vbuf);
	}
	return 0;
}

static int db_is_empty(sqlite3 *db)
{
	return db_int(db, "SELECT count(*) FROM sqlite_master", 0) == 0;
}

static int db_apply_schema(sqlite3 *db, char **err)
{
	char pragma[96];

	if (db_exec(db, "BEGIN", err) < 0)
		return -1;
	snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 DB_APPLICATION_ID, DB_SCHEMA_VERSION);
	if (db_exec(db, db_sql_schema, err) < 0 || db_exec(db, pragma, err) < 0 ||
	    db_exec(db, db_sql_views, err) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return db_exec(db, "COMMIT", err);
}

int db_open(const char *path, enum db_mode mode, sqlite3 **out, char **err)
{
	sqlite3 *db = NULL;
	struct stat st;
	int flags, fresh;
	char *msg = NULL;

	*out = NULL;
	if (mode != DB_CREATE && stat(path, &st) < 0)
		return db_fail(err, "cannot open database '%s': no such file%s", path, NULL);
	flags = mode == DB_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		db_fail(err, "cannot open database '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 5000);
	if (sqlfuncs_register(db) < 0) {
		db_fail(err, "cannot register SQL functions on '%s'%s", path, NULL);
		sqlite3_close(db);
		return -1;
	}
	/* A garbage file fails on its first read, with SQLITE_NOTADB. */
	if (sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, &msg) != SQLITE_OK) {
		db_fail(err, "'%s' is not a sockmortem database: %s", path, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		sqlite3_close(db);
		return -1;
	}
	fresh = db_is_empty(db);
	if (db_check_identity(db, path, fresh, err) < 0)
		goto fail;
	if (mode == DB_READONLY) {
		if (fresh) {
			db_fail(err, "'%s' is empty: not a sockmortem database%s", path, NULL);
			goto fail;
		}
	} else {
		if (db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", err) < 0 ||
		    db_apply_schema(db, err) < 0)
			goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

void db_close(sqlite3 *db)
{
	sqlite3_close(db);
}
