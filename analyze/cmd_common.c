/* Helpers every command uses: usage errors, opening databases, CSV. */
#include "cmd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
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
