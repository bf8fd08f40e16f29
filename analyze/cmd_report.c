/*
 * sockmortem report: the root-cause report. Loads the inputs (bundles,
 * loose captures, or one database), lists the gaps in the evidence, runs
 * the rules (analyze/rules/ files and --rules DIR), ties the findings into
 * a verdict and renders it as text, JSON, Markdown or HTML (reports/; md and
 * html also get the charts and the timeline, analyze/report_data.c).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "gaps.h"
#include "load.h"
#include "report.h"
#include "report_data.h"
#include "rules.h"
#include "verdict.h"

enum report_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_MD, FORMAT_HTML };

struct report_opts {
	enum report_format format;
	const char *out_path;
	const char *rules_dir;
};

static char *dup_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

/* The report's `inputs` and `hosts`, from the sources table. */
static int read_inputs(sqlite3 *db, struct report *rep, char **err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(db, "SELECT path, kind, host, snapshots, coalesce(started_ns, (SELECT min(wall_ns) FROM snapshots"
			   " n WHERE n.source_id = s.id)), coalesce(ended_ns, (SELECT max(coalesce(ended_ns, wall_ns))"
			   " FROM snapshots n WHERE n.source_id = s.id)), complete, sha256 FROM sources s ORDER BY id", &st, err) < 0)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_input *in;

		rep->inputs = xreallocarray(rep->inputs, rep->ninputs + 1, sizeof(*rep->inputs));
		in = &rep->inputs[rep->ninputs++];
		in->path = dup_text(st, 0);
		in->kind = dup_text(st, 1);
		in->host = dup_text(st, 2);
		in->snapshots = sqlite3_column_int64(st, 3);
		in->started_ns = sqlite3_column_type(st, 4) == SQLITE_NULL ? REPORT_NONE : sqlite3_column_int64(st, 4);
		in->ended_ns = sqlite3_column_type(st, 5) == SQLITE_NULL ? REPORT_NONE : sqlite3_column_int64(st, 5);
		in->complete = sqlite3_column_int(st, 6);
		in->sha256 = dup_text(st, 7);
		if (!in->path)
			in->path = xstrdup("");
		if (!in->kind)
			in->kind = xstrdup("");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (db_prepare(db, "SELECT DISTINCT host FROM sources WHERE host IS NOT NULL ORDER BY host", &st, err) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		rep->hosts = xreallocarray(rep->hosts, rep->nhosts + 1, sizeof(*rep->hosts));
		rep->hosts[rep->nhosts++] = dup_text(st, 0);
	}
	sqlite3_finalize(st);
	return 0;
}

/* A culprit blamed only through another finding (a proxy's timeout names
 * its backend) still needs a pid and a name. */
static void fill_culprit(sqlite3 *db, struct verdict *v)
{
	sqlite3_stmt *st = NULL;

	if (!v->found || v->pid != REPORT_NONE || v->process_id == REPORT_NONE)
		return;
	if (sqlite3_prepare_v2(db, "SELECT pid, comm, cmdline FROM processes WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, v->process_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v->pid = sqlite3_column_int64(st, 0);
		v->comm = dup_text(st, 1);
		v->cmdline = dup_text(st, 2);
	}
	sqlite3_finalize(st);
}

static int build_report(struct sm_ctx *ctx, sqlite3 *db, const struct report_opts *o, struct report *rep)
{
	struct rule_set rs = { 0 };
	char *err = NULL;
	int r = -1;

	rep->generated_ns = (int64_t)time(NULL) * 1000000000;
	if (read_inputs(db, rep, &err) < 0 || gaps_collect(db, rep, &err) < 0 ||
	    rule_set_load(&rs, o->rules_dir, &err) < 0 || rules_run(db, &rs, rep, ctx->err, &err) < 0)
		goto fail;
	report_sort(rep);
	verdict_build(rep);
	fill_culprit(db, &rep->verdict);
	/* only md and html draw the timeline and the charts */
	if ((o->format == FORMAT_MD || o->format == FORMAT_HTML) && report_data_collect(db, rep, &err) < 0)
		goto fail;
	r = 0;
fail:
	if (r < 0)
		fprintf(ctx->err, "sockmortem report: %s\n", err ? err : sqlite3_errmsg(db));
	free(err);
	rule_set_free(&rs);
	return r;
}

static int write_report(struct sm_ctx *ctx, const struct report *rep, const struct report_opts *o)
{
	FILE *f = o->out_path ? fopen(o->out_path, "w") : ctx->out;
	struct strbuf sb = STRBUF_INIT;
	int r = 0;

	if (!f) {
		fprintf(ctx->err, "sockmortem report: cannot write '%s': %m\n", o->out_path);
		return -1;
	}
	if (o->format != FORMAT_TEXT) {
		if (o->format == FORMAT_JSON)
			report_render_json(rep, &sb);
		else if (o->format == FORMAT_MD)
			report_render_md(rep, &sb);
		else
			report_render_html(rep, &sb);
		if (fwrite(sb.buf, 1, sb.len, f) != sb.len)
			r = -1;
	} else if (report_render_text(rep, f, !o->out_path && ctx->color) < 0) {
		r = -1;
	}
	if (fflush(f) != 0 || ferror(f))
		r = -1;
	if (o->out_path && fclose(f) != 0)
		r = -1;
	if (r < 0)
		fprintf(ctx->err, "sockmortem report: error writing '%s'\n", o->out_path ? o->out_path : "stdout");
	strbuf_release(&sb);
	return r;
}

static int open_inputs(struct sm_ctx *ctx, int n, char **inputs, const struct load_options *lo, sqlite3 **db)
{
	int i;

	if (n == 1 && cmd_is_database(inputs[0])) {
		if (lo->series || lo->ndumps) {
			fprintf(ctx->err, "sockmortem report: '%s' is a database: --series and --dump are for loading "
				"(sockmortem load ... -o %s)\n", inputs[0], inputs[0]);
			return -1;
		}
		return cmd_open_db(ctx, inputs[0], DB_READONLY, db);
	}
	for (i = 0; i < n; i++)
		if (cmd_is_database(inputs[i])) {
			fprintf(ctx->err, "sockmortem report: '%s' is a database: give it alone\n", inputs[i]);
			return -1;
		}
	return cmd_load_into_memory(ctx, n, inputs, lo, db);
}

static int report_help(void)
{
	printf("usage: sockmortem report %s\n\n"
	       "The root-cause report: which process leaks what (CLOSE_WAIT, orphaned\n"
	       "socket fds, TIME_WAIT churn, connection growth, fds, goroutines, locks),\n"
	       "since when, how fast, the evidence, the SQL that reproduces it and the\n"
	       "remedy; findings about the same process are tied into one verdict, and\n"
	       "gaps in the evidence lower their confidence.\n\n"
	       "INPUT: bundles and loose captures (loaded into memory), or one database.\n"
	       "  --format text|json   text (default; colour on a terminal) or JSON (see README)\n"
	       "  --format md          Markdown for a ticket: verdict, findings, timeline, gaps\n"
	       "  --format html        one self-contained HTML page with SVG charts over time\n"
	       "  -o FILE              write the report to FILE\n"
	       "  --rules DIR          add or override rules with DIR/*.sql (analyze/rules/README.md)\n"
	       "  --ss-state NAME      the state an ss listing was filtered by (see load --help)\n"
	       "  --series             the captures are one host's over time (see load --help)\n"
	       "  --dump PID=FILE      a goroutine dump of process PID (see load --help)\n",
	       cmd_report.usage);
	return CMD_OK;
}

static int report_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "rules", required_argument, NULL, 'r' },
		{ "ss-state", required_argument, NULL, 'S' },
		{ "series", no_argument, NULL, 'T' },
		{ "dump", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_opts o = { FORMAT_TEXT, NULL, NULL };
	struct report rep;
	sqlite3 *db = NULL;
	struct load_options lo;
	int ch, r = CMD_FAILED;

	memset(&lo, 0, sizeof(lo));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (!strcmp(optarg, "text"))
				o.format = FORMAT_TEXT;
			else if (!strcmp(optarg, "json"))
				o.format = FORMAT_JSON;
			else if (!strcmp(optarg, "md") || !strcmp(optarg, "markdown"))
				o.format = FORMAT_MD;
			else if (!strcmp(optarg, "html"))
				o.format = FORMAT_HTML;
			else
				return cmd_usage(ctx, &cmd_report, "unknown format '%s' (text, json, md, html)", optarg);
			break;
		case 'o':
			o.out_path = optarg;
			break;
		case 'r':
			o.rules_dir = optarg;
			break;
		case 'S':
			if (cmd_ss_state(ctx, &cmd_report, optarg, &lo.ss_state) != 0)
				return CMD_USAGE;
			break;
		case 'T':
			lo.series = 1;
			break;
		case 'D':
			if (cmd_dump_of(ctx, &cmd_report, optarg, &lo) != 0)
				return CMD_USAGE;
			break;
		case 'h':
			return report_help();
		default:
			return cmd_usage(ctx, &cmd_report, "bad option");
		}
	}
	if (optind >= argc && !lo.ndumps)
		return cmd_usage(ctx, &cmd_report, "need at least one input");
	report_init(&rep);
	if (open_inputs(ctx, argc - optind, argv + optind, &lo, &db) < 0)
		goto out;
	if (build_report(ctx, db, &o, &rep) < 0 || write_report(ctx, &rep, &o) < 0)
		goto out;
	r = CMD_OK;
out:
	report_free(&rep);
	db_close(db);
	return r;
}

const struct sm_cmd cmd_report = {
	"report", "INPUT... [--format text|json|md|html] [-o FILE] [--rules DIR] [--ss-state NAME] [--series] [--dump PID=FILE]",
	"root causes: verdict, findings, evidence, remedies", report_run,
};
