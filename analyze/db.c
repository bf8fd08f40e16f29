/* db: open, verify and migrate the analysis database; see db.h. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int db_step_reset(sqlite3_stmt *st, int64_t *rowid, char *msg, size_t msgsize)
{
	sqlite3 *db = sqlite3_db_handle(st);
	int rc = sqlite3_step(st);

	if (rowid)
		*rowid = sqlite3_last_insert_rowid(db);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		snprintf(msg, msgsize, "%s", sqlite3_errmsg(db));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
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

/*
 * Columns added to a v1 table after v1 shipped. CREATE TABLE IF NOT EXISTS
 * leaves an existing table as it was, so an older database gets them here;
 * they are nullable and last, so the schema version need not change and an
 * older sockmortem still reads the database.
 */
static const char *const db_added_columns[][2] = {
	{ "sockets", "prev_socket_id INTEGER" },
	{ "dumps", "comm TEXT" },
};

#define DB_ADDED_COLUMNS (sizeof(db_added_columns) / sizeof(db_added_columns[0]))

/* Does the database lack added column i (its table there, the column not)? */
static int db_column_missing(sqlite3 *db, size_t i)
{
	const char *table = db_added_columns[i][0], *def = db_added_columns[i][1];
	char sql[256];

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM pragma_table_info('%s') WHERE name = '%.*s'", table,
		 (int)strcspn(def, " "), def);
	return db_int(db, sql, -1) == 0;
}

static int db_add_columns(sqlite3 *db, char **err)
{
	size_t i;

	for (i = 0; i < DB_ADDED_COLUMNS; i++) {
		char sql[256];

		if (!db_column_missing(db, i))
			continue;
		snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s", db_added_columns[i][0], db_added_columns[i][1]);
		if (db_exec(db, sql, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * A database opened read-only cannot be given the added columns: a TEMP
 * view of each such table stands in front of it with them, NULL, so that
 * the rules and views that read them work on it as they do on a new one
 * (an unqualified name finds temp first). Entries of one table are
 * consecutive in db_added_columns.
 */
static int db_shim_columns(sqlite3 *db, char **err)
{
	struct strbuf sql = STRBUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < DB_ADDED_COLUMNS && r == 0; i++) {
		const char *table = db_added_columns[i][0], *def = db_added_columns[i][1];

		if (db_column_missing(db, i)) {
			if (!sql.len)
				strbuf_addf(&sql, "CREATE TEMP VIEW %s AS SELECT *", table);
			strbuf_addf(&sql, ", NULL AS %.*s", (int)strcspn(def, " "), def);
		}
		if (sql.len && (i + 1 == DB_ADDED_COLUMNS || strcmp(db_added_columns[i + 1][0], table))) {
			strbuf_addf(&sql, " FROM main.%s", table);
			r = db_exec(db, sql.buf, err);
			strbuf_reset(&sql);
		}
	}
	strbuf_release(&sql);
	return r;
}

/*
 * Schema 2 stores host counters as runs of one value (first_snapshot,
 * last_snapshot) instead of a row per snapshot. A schema 1 table is set
 * aside before the schema creates the new one, then copied over as runs of
 * one snapshot each (db_migrate_after).
 */
static int db_v1_counters(sqlite3 *db)
{
	return db_int(db, "SELECT count(*) FROM pragma_table_info('counters') WHERE name = 'snapshot_id'", 0) > 0;
}

static int db_migrate_before(sqlite3 *db, int *had_v1, char **err)
{
	*had_v1 = db_v1_counters(db);
	return *had_v1 ? db_exec(db, "ALTER TABLE counters RENAME TO counters_v1", err) : 0;
}

static int db_migrate_after(sqlite3 *db, int had_v1, char **err)
{
	if (!had_v1)
		return 0;
	return db_exec(db, "INSERT OR REPLACE INTO counters(netns, grp, name, first_snapshot, last_snapshot, value)"
			   " SELECT netns, grp, name, snapshot_id, snapshot_id, value FROM counters_v1;"
			   " DROP TABLE counters_v1;", err);
}

static int db_apply_schema(sqlite3 *db, char **err)
{
	char pragma[96];
	int had_v1 = 0;

	if (db_exec(db, "BEGIN", err) < 0)
		return -1;
	snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 DB_APPLICATION_ID, DB_SCHEMA_VERSION);
	if (db_migrate_before(db, &had_v1, err) < 0 || db_exec(db, db_sql_schema, err) < 0 ||
	    db_migrate_after(db, had_v1, err) < 0 || db_add_columns(db, err) < 0 || db_exec(db, pragma, err) < 0 ||
	    db_exec(db, db_sql_views, err) < 0) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return db_exec(db, "COMMIT", err);
}

/* Is path a WAL-mode SQLite file (header bytes 18 and 19 are 2)? */
static int db_file_is_wal(const char *path)
{
	unsigned char h[20];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, h, sizeof(h));
	close(fd);
	return n == (ssize_t)sizeof(h) && !memcmp(h, "SQLite format 3", 16) && h[18] == 2 && h[19] == 2;
}

/* "file:PATH?query" with every byte of PATH outside [A-Za-z0-9/._~-] %-escaped. */
static char *db_uri(const char *path, const char *query)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p;

	strbuf_addstr(&sb, path[0] == '/' ? "file://" : "file:");
	for (p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("/._~-", *p))
			strbuf_addch(&sb, (char)*p);
		else
			strbuf_addf(&sb, "%%%02X", *p);
	}
	strbuf_addf(&sb, "?%s", query);
	return strbuf_detach(&sb, NULL);
}

/*
 * Read-only commands must not create files beside the database (a -wal or
 * -shm left behind, or a failure in a read-only directory). A database in
 * rollback-journal mode (how db_close leaves what it wrote) needs none. A
 * WAL-mode one (written by an older sockmortem, or by a load still running)
 * needs a -shm even to be read; when it has no -wal there is nothing in
 * one to see, so it is opened immutable, which reads the file alone.
 */
static int db_open_readonly(const char *path, sqlite3 **db)
{
	struct strbuf wal = STRBUF_INIT;
	struct stat st;
	char *uri = NULL;
	int rc;

	strbuf_addf(&wal, "%s-wal", path);
	if (db_file_is_wal(path) && lstat(wal.buf, &st) < 0)
		uri = db_uri(path, "immutable=1");
	strbuf_release(&wal);
	if (uri)
		rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
				     NULL);
	else
		rc = sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	free(uri);
	return rc;
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
	/* A connection is used by one thread at a time (a bundle's reading
	 * thread never touches it): no mutex around every call. */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX;
	if ((mode == DB_READONLY ? db_open_readonly(path, &db) : sqlite3_open_v2(path, &db, flags, NULL)) != SQLITE_OK) {
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
		if (db_int(db, "PRAGMA user_version", 0) < DB_SCHEMA_VERSION) {
			db_fail(err, "'%s' has an older schema: upgrade it once with `sockmortem load -o DB` "
				"(no inputs needed)%s", path, NULL);
			goto fail;
		}
		if (db_shim_columns(db, err) < 0)
			goto fail;
	} else {
		/* A load writes an hour's intervals into b-trees all over the
		 * file: with the default 2 MB cache it reads its own pages back
		 * again and again. */
		if (db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;",
			    err) < 0 ||
		    db_apply_schema(db, err) < 0)
			goto fail;
	}
	*out = db;
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

static int db_in_wal_mode(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int wal = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA main.journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		wal = !sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	return wal;
}

void db_close(sqlite3 *db)
{
	/* WAL serves the load; at rest the database goes back to a rollback
	 * journal, so that reading it needs no -wal/-shm (see
	 * db_open_readonly). While another connection has it open this
	 * fails and it stays in WAL mode, which is harmless. */
	if (db && sqlite3_db_readonly(db, "main") == 0 && db_in_wal_mode(db))
		sqlite3_exec(db, "PRAGMA main.journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(db);
}
