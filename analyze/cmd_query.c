/* sockmortem query: run SQL against a database; table, CSV or JSON out. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "strbuf.h"

#define TABLE_ROWS_MAX 100000   /* beyond this a table is pointless: use --csv */

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON };

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

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
			csv_field(ctx->out, sqlite3_column_name(st, c));
			fputc(c + 1 < ncol ? ',' : '\n', ctx->out);
		}
	} else {
		fputs("[", ctx->out);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (f == OUT_CSV) {
			for (c = 0; c < ncol; c++) {
				csv_field(ctx->out, cell(st, c));
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

static int query_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum out_format f = OUT_TABLE;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *tail;
	int ch, r;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': f = OUT_CSV; break;
		case 'j': f = OUT_JSON; break;
		case 'h':
			printf("usage: sockmortem query %s\n\nRuns one SQL statement against DB (opened read-only)\n"
			       "and prints the result as an aligned table, CSV or a JSON array of objects.\n"
			       "The tables and views are documented in schema/README.md.\n", cmd_query.usage);
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_query, "bad option");
		}
	}
	if (argc - optind != 2)
		return cmd_usage(ctx, &cmd_query, "need a database and one SQL statement");
	if (cmd_open_db(ctx, argv[optind], DB_READONLY, &db) < 0)
		return CMD_FAILED;
	r = sqlite3_prepare_v2(db, argv[optind + 1], -1, &st, &tail);
	if (r != SQLITE_OK || !st) {
		/* prepare succeeds with no statement for "" or a comment; its
		 * error message is then "not an error" */
		fprintf(ctx->err, "sockmortem query: %s\n", r != SQLITE_OK ? sqlite3_errmsg(db) : "empty statement");
		sqlite3_finalize(st);
		db_close(db);
		return CMD_FAILED;
	}
	/* Read-only also for what the read-only open lets through: VACUUM INTO
	 * would write a new file. */
	if (!sqlite3_stmt_readonly(st)) {
		fprintf(ctx->err, "sockmortem query: only statements that change nothing are run (the database is"
			" opened read-only)\n");
		sqlite3_finalize(st);
		db_close(db);
		return CMD_FAILED;
	}
	r = f == OUT_TABLE ? print_table(ctx, st, sqlite3_column_count(st))
			   : print_stream(ctx, st, sqlite3_column_count(st), f);
	if (r < 0)
		fprintf(ctx->err, "sockmortem query: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	db_close(db);
	return r < 0 ? CMD_FAILED : CMD_OK;
}

const struct sm_cmd cmd_query = {
	"query", "DB SQL [--csv | --json]", "run SQL against a database", query_run,
};
