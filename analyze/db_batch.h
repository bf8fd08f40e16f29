/*
 * db_batch: rows of one INSERT, buffered and written several to a
 * statement, in the order of the table's key.
 *
 * Rows that come in no order of the table's key each land somewhere else
 * in its B-tree, on pages out of the cache; in key order they land next to
 * each other, and a statement of several rows costs a little less per row
 * to run than one per row. A batch keeps up to `cap` rows (their values
 * copied), sorts them by the key (stably: of rows with equal keys, the one
 * added last is still written last, as INSERT OR REPLACE needs), and
 * writes them with one prepared statement of `rows` rows, the remainder of
 * a flush with the one-row statement.
 *
 * Until db_batch_flush returns, added rows may not be in the table: flush
 * before anything reads it.
 *
 * Errors: -1 from db_batch_row and db_batch_flush, the message in
 * sqlite3_errmsg() of the connection; the rows not written are dropped.
 */
#ifndef SM_DB_BATCH_H
#define SM_DB_BATCH_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define DB_BATCH_KEY_MAX 4

struct db_batch_spec {
	const char *head;         /* "INSERT ... INTO t(c1, ...) VALUES " */
	const char *tail;         /* after the rows: "" or " ON CONFLICT ..." */
	int ncols;
	int key[DB_BATCH_KEY_MAX];  /* column indexes (from 0) of the key, */
	int nkey;                 /* most significant first; 0: not sorted */
	int rows;                 /* rows per statement */
	int cap;                  /* rows buffered before they are written */
};

struct db_batch;

/* Prepares both statements; NULL with *err (yours to free) on failure. */
struct db_batch *db_batch_new(sqlite3 *db, const struct db_batch_spec *spec, char **err);
void db_batch_free(struct db_batch *b);

/* The one-row statement, for messages. */
const char *db_batch_sql(const struct db_batch *b);
size_t db_batch_pending(const struct db_batch *b);

/* The next value of the current row, column by column. */
void db_batch_int(struct db_batch *b, int64_t v);
void db_batch_opt_int(struct db_batch *b, int64_t v);   /* SM_NONE: NULL */
void db_batch_null(struct db_batch *b);
void db_batch_text(struct db_batch *b, const char *s);  /* NULL: NULL; copied */
void db_batch_textn(struct db_batch *b, const char *s, size_t len);

/* Ends the current row (it must have every column); writes the buffer if
 * it is full. */
int db_batch_row(struct db_batch *b);
/* Writes every pending row. */
int db_batch_flush(struct db_batch *b);
/* Drops every pending row (after a rollback). */
void db_batch_clear(struct db_batch *b);

#endif
