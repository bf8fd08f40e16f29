/* sockmortem query: run SQL against a database; table, CSV or JSON out. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "strbuf.h"

#define TABLE_ROWS_MAX 100000   /* beyond this a table is pointless: use --csv */

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

static void json_value(struct strbuf *sb, sqlite3_stmt *st, int col)
{
	switch (sqlite3_column_type(st, col)) {
	case SQLITE_NULL: strbuf_addstr(sb, "null"); break;
	case SQLITE_INTEGER: strbuf_addf(sb, "%lld", (long long)sqlite3_column_int64(st, col)); break;
	case SQLITE_FLOAT: strbuf_addf(sb, "%.17g", sqlite3_column_double(st, col)); break;
	default:
		json_str(sb, (const char *)sqlite3_column_text(st, col), (size_t)sqlite3_column_bytes(st, col));
	}
}

static const char *cell(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t ? t : "";
}

/* A table needs every width before the first row: buffer the cells. */
static int print_table(struct sm_ctx *ctx, sqlite3_stmt *st, int ncol)
{
	char **cells = NULL;
	size_t *width = xcalloc((size_t)ncol, sizeof(*width));
	size_t nrows = 0, i;
	int c, rc;

	for (c = 0; c < ncol; c++)
		width[c] = strlen(sqlite3_column_name(st, c));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && nrows < TABLE_ROWS_MAX) {
		cells = xreallocarray(cells, (nrows + 1) * (size_t)ncol, sizeof(*cells));
		for (c = 0; c < ncol; c++) {
			char *v = xstrdup(sqlite3_column_type(st, c) == SQLITE_NULL ? "NULL" : cell(st, c));
			cells[nrows * (size_t)ncol + (size_t)c] = v;
			if (strlen(v) > width[c])
				width[c] = strlen(v);
		}
		nrows++;
	}
	for (c = 0; c < ncol; c++)
		fprintf(ctx->out, "%-*s%s", c + 1 < ncol ? (int)width[c] : 0, sqlite3_column_name(st, c),
			c + 1 < ncol ? "  " : "\n");
	for (i = 0; i < nrows; i++)
		for (c = 0; c < ncol; c++)
			fprintf(ctx->out, "%-*s%s", c + 1 < ncol ? (int)width[c] : 0,
				cells[i * (size_t)ncol + (size_t)c], c + 1 < ncol ? "  " : "\n");
	for (i = 0; i < nrows * (size_t)ncol; i++)
		free(cells[i]);
	free(cells);
	free(width);
	if (rc == SQLITE_ROW)
		fprintf(ctx->err, "sockmortem query: stopped at %d rows; use --csv for more\n", TABLE_ROWS_MAX);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int print_stream(struct sm_ctx *ctx, sqlite3_stmt *st, int ncol, enum out_format f)
{
	struct strbuf sb = STRBUF_INIT;
	int c, rc, first = 1;

	if (f == OUT_CSV) {
		for (c = 0; c < ncol; c++) {
			cmd_csv_field(ctx->out, sqlite3_column_name(st, c));
			fputc(c + 1 < ncol ? ',' : '\n', ctx->out);
		}
	} else {
		fputs("[", ctx->out);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (f == OUT_CSV) {
			for (c = 0; c < ncol; c++) {
				cmd_csv_field(ctx->out, cell(st, c));
				fputc(c + 1 < ncol ? ',' : '\n', ctx->out);
			}
			continue;
		}
		strbuf_reset(&sb);
		strbuf_addstr(&sb, first ? "\n{" : ",\n{");
		for (c = 0; c < ncol; c++) {
			json_key(&sb, sqlite3_column_name(st, c), c == 0);
			json_value(&sb, st, c);
		}
		strbuf_addch(&sb, '}');
		fwrite(sb.buf, 1, sb.len, ctx->out);
		first = 0;
	}
	if (f == OUT_JSON)
		fputs("\n]\n", ctx->out);
	strbuf_release(&sb);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Does sql hold anything but blanks, semicolons and comments? */
static int sql_has_statement(const char *p)
{
	while (*p) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';') {
			p++;
		} else if (p[0] == '-' && p[1] == '-') {
			p += strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			const char *e = strstr(p + 2, "*/");
			if (!e)
				return 0;   /* an unterminated comment runs to the end */
			p = e + 2;
		} else {
			return 1;
		}
	}
	return 0;
}

struct query_out {
	enum out_format f;
	int multi;    /* more than one statement: sets are separated/wrapped */
	int sets;     /* result sets printed so far */
};

/* Prints the rows of one statement; statements without columns print nothing. */
static int query_print(struct sm_ctx *ctx, struct query_out *q, sqlite3_stmt *st)
{
	int ncol = sqlite3_column_count(st), rc;

	if (!ncol) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
		return rc == SQLITE_DONE ? 0 : -1;
	}
	if (q->multi && q->f == OUT_JSON)
		fputs(q->sets ? ",\n" : "[\n", ctx->out);
	else if (q->sets)
		fputc('\n', ctx->out);   /* a blank line between tables or CSV blocks */
	q->sets++;
	return q->f == OUT_TABLE ? print_table(ctx, st, ncol) : print_stream(ctx, st, ncol, q->f);
}

/*
 * Runs every statement of sql in turn, each prepared only once the ones
 * before it have run (a later one may use a temp table an earlier one
 * made). Without allow_write a statement that would change the database
 * is refused before it runs, so nothing before it changed anything either.
 */
/*
 * Without --write: the number of the first statement that would change
 * the database, found before any runs (so "SELECT ...; DELETE ..." prints
 * nothing), or 0. A statement that cannot be prepared yet (it may need
 * what an earlier one ATTACHes) ends the scan: query_exec checks again.
 */
static int query_first_write(sqlite3 *db, const char *sql)
{
	const char *tail = sql;
	int n = 0;

	while (sql_has_statement(tail)) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;
		int ro;

		if (sqlite3_prepare_v2(db, tail, -1, &st, &next) != SQLITE_OK || next == tail)
			break;
		tail = next;
		if (!st)
			continue;
		n++;
		ro = sqlite3_stmt_readonly(st);
		sqlite3_finalize(st);
		if (!ro)
			return n;
	}
	return 0;
}

static int query_exec(struct sm_ctx *ctx, sqlite3 *db, const char *sql, enum out_format f, int allow_write)
{
	struct query_out q = { f, 0, 0 };
	const char *tail = sql;
	int n = allow_write ? 0 : query_first_write(db, sql), r = 0;

	if (n) {
		fprintf(ctx->err, "sockmortem query: statement %d would change the database, which is opened"
			" read-only: refused (use --write to allow it); nothing was run\n", n);
		return -1;
	}
	while (r == 0 && sql_has_statement(tail)) {
		sqlite3_stmt *st = NULL;
		const char *next = NULL;

		if (sqlite3_prepare_v2(db, tail, -1, &st, &next) != SQLITE_OK) {
			fprintf(ctx->err, "sockmortem query: statement %d: %s\n", n + 1, sqlite3_errmsg(db));
			r = -1;
			break;
		}
		if (!st && next == tail)
			break;   /* no progress: nothing SQLite calls a statement */
		tail = next;
		if (!st)
			continue;   /* only a comment was left */
		if (++n == 1)
			q.multi = sql_has_statement(tail);
		/* Read-only also for what a read-only open lets through: VACUUM
		 * INTO would write a new file. */
		if (!allow_write && !sqlite3_stmt_readonly(st)) {
			fprintf(ctx->err, "sockmortem query: statement %d would change the database, which is opened"
				" read-only: refused (use --write to allow it)\n", n);
			r = -1;
		} else if (query_print(ctx, &q, st) < 0) {
			fprintf(ctx->err, "sockmortem query: statement %d: %s\n", n, sqlite3_errmsg(db));
			r = -1;
		}
		sqlite3_finalize(st);
	}
	if (r == 0 && n == 0) {
		fprintf(ctx->err, "sockmortem query: empty statement\n");
		return -1;
	}
	if (q.multi && f == OUT_JSON && q.sets)
		fputs("]\n", ctx->out);
	return r;
}

static int query_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "write", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum out_format f = OUT_TABLE;
	sqlite3 *db = NULL;
	int ch, r, allow_write = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': f = OUT_CSV; break;
		case 'j': f = OUT_JSON; break;
		case 'w': allow_write = 1; break;
		case 'h':
			printf("usage: sockmortem query %s\n\n"
			       "Runs the SQL statements (separated by ';') against DB in turn and prints each\n"
			       "result set as an aligned table, CSV or a JSON array of objects; several result\n"
			       "sets are separated by a blank line (table, CSV) or wrapped in one JSON array.\n"
			       "DB is opened read-only and a statement that would change it is refused, unless\n"
			       "--write is given. The tables and views are documented in schema/README.md.\n",
			       cmd_query.usage);
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_query, "bad option");
		}
	}
	if (argc - optind != 2)
		return cmd_usage(ctx, &cmd_query, "need a database and SQL");
	if (cmd_open_db(ctx, argv[optind], allow_write ? DB_READWRITE : DB_READONLY, &db) < 0)
		return CMD_FAILED;
	r = query_exec(ctx, db, argv[optind + 1], f, allow_write);
	db_close(db);
	return r < 0 ? CMD_FAILED : CMD_OK;
}

const struct sm_cmd cmd_query = {
	"query", "DB SQL [--csv | --json] [--write]", "run SQL against a database", query_run,
};
