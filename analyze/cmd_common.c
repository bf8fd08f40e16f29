/* Helpers every command uses: usage errors, opening databases, CSV. */
#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "numparse.h"
#include "parse_ss.h"
#include "strbuf.h"

int cmd_usage(struct sm_ctx *ctx, const struct sm_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(ctx->err, "sockmortem %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fprintf(ctx->err, "\nusage: sockmortem %s %s\n", cmd->name, cmd->usage);
	return CMD_USAGE;
}

int cmd_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	return 0;
}

int cmd_open_db(struct sm_ctx *ctx, const char *path, enum db_mode mode, sqlite3 **db)
{
	char *err = NULL;

	if (db_open(path, mode, db, &err) == 0)
		return 0;
	fprintf(ctx->err, "sockmortem: %s\n", err);
	free(err);
	return -1;
}

int cmd_is_database(const char *path)
{
	char head[16];

	return load_file_head(path, head, sizeof(head)) == 16 && !memcmp(head, "SQLite format 3", 16);
}

/* The first row of a hint's query, handed to say; nothing on an error. */
static void load_hint(struct sm_ctx *ctx, sqlite3 *db, const char *sql,
		      void (*say)(struct sm_ctx *ctx, sqlite3_stmt *st))
{
	sqlite3_stmt *st = NULL;
	char *err = NULL;

	if (db_prepare(db, sql, &st, &err) < 0) {
		free(err);   /* a hint, not worth failing over */
		return;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		say(ctx, st);
	sqlite3_finalize(st);
}

static void say_series(struct sm_ctx *ctx, sqlite3_stmt *st)
{
	fprintf(ctx->err, "sockmortem: %d %s captures hold the same process (%s, pid %lld): if they are one "
		"host's, taken over time, --series follows them as one (growth, not %d single snapshots)\n",
		sqlite3_column_int(st, 3), (const char *)sqlite3_column_text(st, 0),
		(const char *)sqlite3_column_text(st, 2), (long long)sqlite3_column_int64(st, 1),
		sqlite3_column_int(st, 3));
}

static void say_dump(struct sm_ctx *ctx, sqlite3_stmt *st)
{
	fprintf(ctx->err, "sockmortem: '%s' is a goroutine dump of no known process: if it is one of the "
		"processes in the captures, --dump PID=%s ties its goroutines to that process's sockets\n",
		(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 0));
}

/*
 * What the user likely meant and did not say, since without it each input
 * is judged alone: loose captures that hold the same process (pid and
 * name) are likely one host's over time (--series); a loose goroutine dump
 * beside captures that name processes is likely one of them's (--dump).
 */
static void load_hints(struct sm_ctx *ctx, sqlite3 *db, const struct load_options *lo)
{
	if (!lo->series)
		load_hint(ctx, db,
			  "SELECT s.kind, p.pid, coalesce(p.comm, '?'), count(DISTINCT s.id) AS n"
			  " FROM processes p JOIN snapshots sn ON sn.id = p.first_snapshot"
			  " JOIN sources s ON s.id = sn.source_id WHERE s.kind <> 'bundle' AND s.snapshots = 1"
			  " GROUP BY s.kind, p.pid, p.comm HAVING n >= 2 ORDER BY n DESC, p.pid LIMIT 1", say_series);
	load_hint(ctx, db,
		  "SELECT d.path FROM dumps d JOIN sources s ON s.id = d.source_id"
		  " WHERE d.process_id IS NULL AND d.pid IS NULL AND s.kind <> 'bundle'"
		  " AND EXISTS (SELECT 1 FROM processes) ORDER BY d.id LIMIT 1", say_dump);
}

int cmd_load_into_memory(struct sm_ctx *ctx, int ninputs, char **inputs, const struct load_options *opt, sqlite3 **db)
{
	struct load_options lo;
	struct load ld;
	int r;

	if (cmd_open_db(ctx, ":memory:", DB_CREATE, db) < 0)
		return -1;
	memset(&lo, 0, sizeof(lo));
	if (opt)
		lo = *opt;
	lo.quiet = 1;
	memset(&ld, 0, sizeof(ld));
	ld.db = *db;
	ld.opt = &lo;
	ld.msg = ctx->err;
	ld.ing = ingest_new(*db);
	if (!ld.ing)
		return -1;
	r = load_inputs(&ld, ninputs, inputs);
	ingest_free(ld.ing);
	if (r == 0)
		load_hints(ctx, *db, &lo);
	return r;
}

void cmd_csv_field(FILE *out, const char *s)
{
	if (!s)
		return;
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

int cmd_ss_state(struct sm_ctx *ctx, const struct sm_cmd *cmd, const char *name, const char **out)
{
	struct strbuf known = STRBUF_INIT;
	const char *f;
	size_t i;
	int r;

	*out = parse_ss_state(name);
	if (*out)
		return 0;
	for (i = 0; (f = parse_ss_state_filter(i)) != NULL; i++)
		strbuf_addf(&known, "%s%s", i ? ", " : "", f);
	r = cmd_usage(ctx, cmd, "--ss-state: '%s' is not one state (%s)", name, known.buf);
	strbuf_release(&known);
	return r;
}

int cmd_dump_of(struct sm_ctx *ctx, const struct sm_cmd *cmd, const char *arg, struct load_options *lo)
{
	const char *eq = strchr(arg, '=');
	uint64_t pid;

	if (!eq || num_u64(arg, (size_t)(eq - arg), 10, &pid) < 0 || !pid || pid > 0x7fffffff || !eq[1])
		return cmd_usage(ctx, cmd, "--dump '%s': expected PID=FILE (a goroutine dump of process PID)", arg);
	if (lo->ndumps == LOAD_DUMPS_MAX)
		return cmd_usage(ctx, cmd, "--dump: at most %d dumps", LOAD_DUMPS_MAX);
	lo->dumps[lo->ndumps].pid = (int64_t)pid;
	lo->dumps[lo->ndumps].path = eq + 1;
	lo->ndumps++;
	return 0;
}
