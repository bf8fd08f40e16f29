/*
 * db: the analysis database. Opening applies the schema (schema/schema.sql,
 * embedded at build time), checks that an existing file is ours
 * (PRAGMA application_id) and not from a newer sockmortem
 * (PRAGMA user_version), and recreates the views (schema/views.sql).
 *
 * Errors: functions return -1 and set *err to a message the caller frees.
 */
#ifndef SM_DB_H
#define SM_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define DB_APPLICATION_ID 0x534d4f52   /* "SMOR" */
#define DB_SCHEMA_VERSION 2

extern const char db_sql_schema[];
extern const char db_sql_views[];

enum db_mode { DB_READONLY, DB_READWRITE, DB_CREATE };

int db_open(const char *path, enum db_mode mode, sqlite3 **out, char **err);
void db_close(sqlite3 *db);

/* Runs SQL with no result rows; -1 and *err on failure. */
int db_exec(sqlite3 *db, const char *sql, char **err);
/* Prepares or fails with a message naming the statement. */
int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, char **err);
/*
 * Steps a bound statement, then resets it and clears its bindings: 0, or
 * -1 with SQLite's message in msg. *rowid (rowid may be NULL): the last
 * rowid the connection inserted.
 */
int db_step_reset(sqlite3_stmt *st, int64_t *rowid, char *msg, size_t msgsize);
/* A single integer result of sql, or dflt when there is no row. */
int64_t db_int(sqlite3 *db, const char *sql, int64_t dflt);

/* Binds an int64 where SM_NONE (INT64_MIN) means NULL. */
int db_bind_opt_int(sqlite3_stmt *st, int idx, int64_t v);
int db_bind_opt_text(sqlite3_stmt *st, int idx, const char *s);

#endif
