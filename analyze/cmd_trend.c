/*
 * sockmortem trend: one metric over time, per process name, process or
 * host, in hour or day buckets, from v_metrics (so every figure can be
 * checked with `sockmortem query`). Table with sparklines, CSV or JSON.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "json.h"
#include "numparse.h"
#include "strbuf.h"
#include "trend.h"

#define TREND_SPARK_WIDTH 48
#define TREND_TOP_DEFAULT 10

enum trend_by { BY_COMM, BY_PID, BY_HOST };
enum trend_format { FMT_TABLE, FMT_CSV, FMT_JSON };

struct trend_opts {
	const struct trend_metric *metric;
	enum trend_by by;
	enum trend_format format;
	int64_t width_ns;
	int avg;
	int have_since, have_until;
	int64_t since_ns, until_ns;
	int64_t pid;
	const char *comm, *host;
	unsigned top;
	int utf8;
	int by_given;             /* --by was on the command line */
};

struct trend_point {
	int64_t bucket;
	double value;
	int64_t snapshots;
};

struct trend_series {
	char *key;                /* the group: comm, host, or process id */
	char *host, *comm;        /* labels (NULL when the group has none) */
	int64_t pid;              /* 0 unless grouped by process */
	double min, max;
	int64_t snapshots;
	struct trend_point *pts;
	size_t n, alloc;
};

struct trend_result {
	struct trend_series *s;
	size_t n, alloc;
	int64_t first, last;      /* bucket range over the series kept */
};

static const char *const trend_by_names[] = { "comm", "pid", "host" };

static void trend_result_free(struct trend_result *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->s[i].key);
		free(r->s[i].host);
		free(r->s[i].comm);
		free(r->s[i].pts);
	}
	free(r->s);
	memset(r, 0, sizeof(*r));
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? xstrdup(s) : NULL;
}

/* The query: per snapshot and group, the group's processes combined;
 * then per group and bucket, max or avg over those snapshots. */
static void trend_sql(const struct trend_opts *o, struct strbuf *sql)
{
	static const char *const keys[] = { "coalesce(comm, '?')", "process_id", "coalesce(host, '?')" };

	strbuf_addf(sql,
		    "SELECT k, host, pid, comm, wall_ns - (wall_ns %% ?7) AS bucket, %s(v), count(*) FROM ("
		    " SELECT snapshot_id, min(wall_ns) AS wall_ns, %s AS k, min(host) AS host, min(pid) AS pid,"
		    " min(comm) AS comm, %s(value) AS v FROM v_metrics"
		    " WHERE metric = ?1 AND pid IS %s NULL AND value IS NOT NULL AND wall_ns IS NOT NULL",
		    o->avg ? "avg" : "max", keys[o->by], o->metric->combine == TREND_MAX ? "max" : "sum",
		    o->by == BY_HOST ? "" : "NOT");
	/* Only the filters given: "?N IS NULL OR ..." would keep SQLite from
	 * pushing the terms into the view's branches (5x slower). */
	if (o->have_since)
		strbuf_addstr(sql, " AND wall_ns >= ?2");
	if (o->have_until)
		strbuf_addstr(sql, " AND wall_ns < ?3");
	if (o->pid)
		strbuf_addstr(sql, " AND pid = ?4");
	if (o->comm)
		strbuf_addstr(sql, " AND comm = ?5");
	if (o->host)
		strbuf_addstr(sql, " AND host = ?6");
	strbuf_addstr(sql, " GROUP BY snapshot_id, k) GROUP BY k, bucket ORDER BY k, bucket");
}

static struct trend_series *trend_series_new(struct trend_result *r, sqlite3_stmt *st, const struct trend_opts *o)
{
	struct trend_series *s;

	if (r->n == r->alloc) {
		r->alloc = r->alloc ? r->alloc * 2 : 16;
		r->s = xreallocarray(r->s, r->alloc, sizeof(*r->s));
	}
	s = &r->s[r->n++];
	memset(s, 0, sizeof(*s));
	s->key = dup_col(st, 0);
	if (!s->key)
		s->key = xstrdup("?");
	if (o->by != BY_COMM)
		s->host = dup_col(st, 1);
	if (o->by != BY_HOST)
		s->comm = dup_col(st, 3);
	if (o->by == BY_PID)
		s->pid = sqlite3_column_int64(st, 2);
	return s;
}

static void trend_point_add(struct trend_series *s, int64_t bucket, double v, int64_t snapshots)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 32;
		s->pts = xreallocarray(s->pts, s->alloc, sizeof(*s->pts));
	}
	s->pts[s->n].bucket = bucket;
	s->pts[s->n].value = v;
	s->pts[s->n].snapshots = snapshots;
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->snapshots += snapshots;
	s->n++;
}

/* Binds by name (?N): a filter not given is not in the statement. */
static void trend_bind(sqlite3_stmt *st, const struct trend_opts *o)
{
	sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, "?1"), o->metric->name, -1, SQLITE_STATIC);
	if (o->have_since)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, "?2"), o->since_ns);
	if (o->have_until)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, "?3"), o->until_ns);
	if (o->pid)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, "?4"), o->pid);
	if (o->comm)
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, "?5"), o->comm, -1, SQLITE_STATIC);
	if (o->host)
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, "?6"), o->host, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, "?7"), o->width_ns);
}

/* Biggest first (by their largest bucket), then by name. */
static int trend_series_cmp(const void *a, const void *b)
{
	const struct trend_series *x = a, *y = b;

	if (x->max != y->max)
		return x->max < y->max ? 1 : -1;
	return strcmp(x->key, y->key);
}

/* Runs the query into r; -1 with the database's message on ctx->err. */
static int trend_collect(struct sm_ctx *ctx, sqlite3 *db, const struct trend_opts *o, struct trend_result *r)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	struct trend_series *cur = NULL;
	size_t i;
	int rc = SQLITE_ERROR;

	trend_sql(o, &sql);
	if (sqlite3_prepare_v2(db, sql.buf, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	trend_bind(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		if (!cur || strcmp(cur->key, k ? k : "?"))
			cur = trend_series_new(r, st, o);
		trend_point_add(cur, sqlite3_column_int64(st, 4), sqlite3_column_double(st, 5),
				sqlite3_column_int64(st, 6));
	}
	if (rc != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	strbuf_release(&sql);
	/* Groups that were zero throughout say nothing: every process on the
	 * host would otherwise be listed for close_wait. */
	for (i = 0; i < r->n;) {
		if (r->s[i].max == 0 && r->s[i].min == 0 && r->n > 1) {
			free(r->s[i].key);
			free(r->s[i].host);
			free(r->s[i].comm);
			free(r->s[i].pts);
			r->s[i] = r->s[--r->n];
			continue;
		}
		i++;
	}
	qsort(r->s, r->n, sizeof(*r->s), trend_series_cmp);
	if (o->top && r->n > o->top) {
		for (i = o->top; i < r->n; i++) {
			free(r->s[i].key);
			free(r->s[i].host);
			free(r->s[i].comm);
			free(r->s[i].pts);
		}
		r->n = o->top;
	}
	for (i = 0; i < r->n; i++) {
		const struct trend_series *s = &r->s[i];
		if (!i || s->pts[0].bucket < r->first)
			r->first = s->pts[0].bucket;
		if (!i || s->pts[s->n - 1].bucket > r->last)
			r->last = s->pts[s->n - 1].bucket;
	}
	return 0;
fail:
	fprintf(ctx->err, "sockmortem trend: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	strbuf_release(&sql);
	return -1;
}

static void trend_value(char *buf, size_t len, double v)
{
	if (v == (double)(int64_t)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.1f", v);
}

static void trend_label(const struct trend_series *s, enum trend_by by, struct strbuf *sb)
{
	if (by == BY_PID)
		strbuf_addf(sb, "%lld %s%s%s", (long long)s->pid, s->comm ? s->comm : "?", s->host ? "@" : "",
			    s->host ? s->host : "");
	else
		strbuf_addstr(sb, s->key);
}

/* The series on the common bucket axis: values and which buckets have one. */
static size_t trend_axis(const struct trend_result *r, const struct trend_series *s, int64_t width, double **v,
			 unsigned char **present)
{
	size_t n = (size_t)((r->last - r->first) / width) + 1, i;

	*v = xcalloc(n, sizeof(**v));
	*present = xcalloc(n, 1);
	for (i = 0; i < s->n; i++) {
		size_t at = (size_t)((s->pts[i].bucket - r->first) / width);
		(*v)[at] = s->pts[i].value;
		(*present)[at] = 1;
	}
	return n;
}

static void trend_print_summary(struct sm_ctx *ctx, const struct trend_opts *o, const struct trend_result *r)
{
	char from[32], to[32], lo[32], hi[32], last[32];
	size_t i, w = strlen(trend_by_names[o->by]);
	struct strbuf sb = STRBUF_INIT;

	trend_format_short(r->first, o->width_ns, from, sizeof(from));
	trend_format_short(r->last, o->width_ns, to, sizeof(to));
	for (i = 0; i < r->n; i++) {
		strbuf_reset(&sb);
		trend_label(&r->s[i], o->by, &sb);
		if (sb.len > w)
			w = sb.len;
	}
	fprintf(ctx->out, "%s by %s: %s per %s of the snapshots in it (UTC), %s .. %s\n\n", o->metric->name,
		trend_by_names[o->by], o->avg ? "average" : "maximum", o->width_ns == TREND_DAY_NS ? "day" : "hour",
		from, to);
	fprintf(ctx->out, "%-*s %10s %10s %10s %9s  TREND\n", (int)w, o->by == BY_PID ? "PROCESS" : o->by == BY_HOST ?
		"HOST" : "COMM", "MIN", "MAX", "LAST", "SNAPSHOTS");
	for (i = 0; i < r->n; i++) {
		const struct trend_series *s = &r->s[i];
		double *v = NULL;
		unsigned char *present = NULL;
		size_t n = trend_axis(r, s, o->width_ns, &v, &present);

		strbuf_reset(&sb);
		trend_label(s, o->by, &sb);
		trend_value(lo, sizeof(lo), s->min);
		trend_value(hi, sizeof(hi), s->max);
		trend_value(last, sizeof(last), s->pts[s->n - 1].value);
		fprintf(ctx->out, "%-*s %10s %10s %10s %9lld  ", (int)w, sb.buf, lo, hi, last, (long long)s->snapshots);
		strbuf_reset(&sb);
		trend_sparkline(&sb, v, present, n, TREND_SPARK_WIDTH, o->utf8);
		fprintf(ctx->out, "%s\n", sb.buf);
		free(v);
		free(present);
	}
	strbuf_release(&sb);
}

/* Buckets down, groups across (a blank: no snapshot of the group in it). */
static void trend_print_table(struct sm_ctx *ctx, const struct trend_opts *o, const struct trend_result *r)
{
	size_t *next = xcalloc(r->n, sizeof(*next));
	int *width = xcalloc(r->n, sizeof(*width));
	struct strbuf sb = STRBUF_INIT;
	char when[32], val[32];
	int64_t b;
	size_t i;

	fprintf(ctx->out, "\n%-16s", o->width_ns == TREND_DAY_NS ? "DAY" : "HOUR");
	for (i = 0; i < r->n; i++) {
		strbuf_reset(&sb);
		trend_label(&r->s[i], o->by, &sb);
		width[i] = sb.len > 10 ? (int)sb.len : 10;
		fprintf(ctx->out, "  %*s", width[i], sb.buf);
	}
	fputc('\n', ctx->out);
	for (b = r->first; b <= r->last; b += o->width_ns) {
		trend_format_short(b, o->width_ns, when, sizeof(when));
		fprintf(ctx->out, "%-16s", when);
		for (i = 0; i < r->n; i++) {
			const struct trend_series *s = &r->s[i];

			val[0] = '\0';
			if (next[i] < s->n && s->pts[next[i]].bucket == b)
				trend_value(val, sizeof(val), s->pts[next[i]++].value);
			fprintf(ctx->out, "  %*s", width[i], val);
		}
		fputc('\n', ctx->out);
	}
	strbuf_release(&sb);
	free(next);
	free(width);
}

static void trend_print_csv(struct sm_ctx *ctx, const struct trend_opts *o, const struct trend_result *r)
{
	char when[32], val[32];
	size_t i, j;

	fprintf(ctx->out, "bucket,%s,value,snapshots\n", o->by == BY_PID ? "host,pid,comm" : trend_by_names[o->by]);
	for (i = 0; i < r->n; i++) {
		const struct trend_series *s = &r->s[i];

		for (j = 0; j < s->n; j++) {
			trend_format_iso(s->pts[j].bucket, when, sizeof(when));
			fprintf(ctx->out, "%s,", when);
			if (o->by == BY_PID) {
				cmd_csv_field(ctx->out, s->host);
				fprintf(ctx->out, ",%lld,", (long long)s->pid);
				cmd_csv_field(ctx->out, s->comm);
			} else {
				cmd_csv_field(ctx->out, s->key);
			}
			trend_value(val, sizeof(val), s->pts[j].value);
			fprintf(ctx->out, ",%s,%lld\n", val, (long long)s->pts[j].snapshots);
		}
	}
}

static void trend_json_time(struct strbuf *sb, const char *key, int have, int64_t ns)
{
	char when[32];

	json_key(sb, key, 0);
	if (!have) {
		strbuf_addstr(sb, "null");
		return;
	}
	trend_format_iso(ns, when, sizeof(when));
	json_cstr(sb, when);
}

static void trend_print_json(struct sm_ctx *ctx, const struct trend_opts *o, const struct trend_result *r)
{
	struct strbuf sb = STRBUF_INIT;
	char when[32];
	size_t i, j;

	strbuf_addch(&sb, '{');
	json_kv_str(&sb, "metric", o->metric->name, 1);
	json_kv_str(&sb, "by", trend_by_names[o->by], 0);
	json_kv_str(&sb, "every", o->width_ns == TREND_DAY_NS ? "day" : "hour", 0);
	json_kv_str(&sb, "agg", o->avg ? "avg" : "max", 0);
	trend_json_time(&sb, "since", o->have_since, o->since_ns);
	trend_json_time(&sb, "until", o->have_until, o->until_ns);
	strbuf_addstr(&sb, ",\"series\":[");
	for (i = 0; i < r->n; i++) {
		const struct trend_series *s = &r->s[i];

		strbuf_addstr(&sb, i ? ",\n{" : "\n{");
		json_kv_str(&sb, "group", s->key, 1);
		json_key(&sb, "host", 0);
		json_cstr(&sb, s->host);
		json_key(&sb, "pid", 0);
		if (s->pid)
			strbuf_addf(&sb, "%lld", (long long)s->pid);
		else
			strbuf_addstr(&sb, "null");
		json_key(&sb, "comm", 0);
		json_cstr(&sb, o->by == BY_COMM ? s->key : s->comm);
		strbuf_addstr(&sb, ",\"points\":[");
		for (j = 0; j < s->n; j++) {
			char val[32];

			trend_format_iso(s->pts[j].bucket, when, sizeof(when));
			trend_value(val, sizeof(val), s->pts[j].value);
			strbuf_addstr(&sb, j ? ",{" : "{");
			json_kv_str(&sb, "bucket", when, 1);
			strbuf_addf(&sb, ",\"value\":%s", val);
			json_kv_i64(&sb, "snapshots", s->pts[j].snapshots, 0);
			strbuf_addch(&sb, '}');
		}
		strbuf_addstr(&sb, "]}");
	}
	strbuf_addstr(&sb, "\n]}\n");
	fwrite(sb.buf, 1, sb.len, ctx->out);
	strbuf_release(&sb);
}

static const char trend_help[] =
"One metric over time from many bundles (say weeks of hourly collections\n"
"from several hosts), per process name (--by comm, the default), process\n"
"(--by pid) or host, in UTC hour or day buckets. Per snapshot a group's\n"
"processes are added up (fd_usage: the highest); per bucket the maximum\n"
"over its snapshots (--agg avg: their average). Groups that stayed at 0\n"
"are left out; the --top N (10; 0 = all) with the highest values are shown.\n"
"The figures come from the view v_metrics (schema/README.md).\n"
"\n"
"  --metric M          what to follow (below)\n"
"  --by comm|pid|host  how to group (time_wait is per host: it has no owner)\n"
"  --every hour|day    bucket size (default day)\n"
"  --agg max|avg       per bucket (default max)\n"
"  --since T, --until T  2026-11-20, 2026-11-20T09:00:00Z, epoch seconds,\n"
"                      or back from now: 30m, 24h, 7d, 2w\n"
"  --pid P, --comm NAME, --host NAME   only these\n"
"  --format table|csv|json, --csv, --json   (table: sparklines, UTF-8\n"
"                      blocks unless the locale is not UTF-8; --ascii)\n"
"\nmetrics:\n";

static int trend_parse_by(const char *s, enum trend_by *by)
{
	size_t i;

	for (i = 0; i < sizeof(trend_by_names) / sizeof(trend_by_names[0]); i++)
		if (!strcmp(s, trend_by_names[i])) {
			*by = (enum trend_by)i;
			return 0;
		}
	return -1;
}

static int trend_parse_format(const char *s, enum trend_format *f)
{
	if (!strcmp(s, "table"))
		*f = FMT_TABLE;
	else if (!strcmp(s, "csv"))
		*f = FMT_CSV;
	else if (!strcmp(s, "json"))
		*f = FMT_JSON;
	else
		return -1;
	return 0;
}

static void trend_print_help(void)
{
	const struct trend_metric *m;

	printf("usage: sockmortem trend %s\n\n%s", cmd_trend.usage, trend_help);
	for (m = trend_metrics; m->name; m++)
		printf("  %-12s %s\n", m->name, m->what);
}

/* Parses the options into o; CMD_OK to go on, else the exit code. */
static int trend_options(struct sm_ctx *ctx, int argc, char **argv, struct trend_opts *o, int *help)
{
	static const struct option longopts[] = {
		{ "metric", required_argument, NULL, 'm' }, { "by", required_argument, NULL, 'b' },
		{ "every", required_argument, NULL, 'e' }, { "agg", required_argument, NULL, 'a' },
		{ "since", required_argument, NULL, 's' }, { "until", required_argument, NULL, 'u' },
		{ "pid", required_argument, NULL, 'p' }, { "comm", required_argument, NULL, 'c' },
		{ "host", required_argument, NULL, 'H' }, { "top", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'f' }, { "csv", no_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'J' }, { "ascii", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int64_t now = (int64_t)time(NULL) * TREND_NS_PER_S;
	uint64_t u;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "m:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			if (!(o->metric = trend_metric_find(optarg)))
				return cmd_usage(ctx, &cmd_trend, "unknown metric '%s' (--help lists them)", optarg);
			break;
		case 'b':
			if (trend_parse_by(optarg, &o->by) < 0)
				return cmd_usage(ctx, &cmd_trend, "--by takes comm, pid or host, not '%s'", optarg);
			o->by_given = 1;
			break;
		case 'e':
			if (strcmp(optarg, "hour") && strcmp(optarg, "day"))
				return cmd_usage(ctx, &cmd_trend, "--every takes hour or day, not '%s'", optarg);
			o->width_ns = !strcmp(optarg, "hour") ? TREND_HOUR_NS : TREND_DAY_NS;
			break;
		case 'a':
			if (strcmp(optarg, "max") && strcmp(optarg, "avg"))
				return cmd_usage(ctx, &cmd_trend, "--agg takes max or avg, not '%s'", optarg);
			o->avg = !strcmp(optarg, "avg");
			break;
		case 's':
		case 'u':
			if (trend_parse_time(optarg, now, ch == 's' ? &o->since_ns : &o->until_ns) < 0)
				return cmd_usage(ctx, &cmd_trend, "cannot read time '%s'", optarg);
			*(ch == 's' ? &o->have_since : &o->have_until) = 1;
			break;
		case 'p':
			if (num_u64_str(optarg, 10, &u) < 0 || !u || u > INT32_MAX)
				return cmd_usage(ctx, &cmd_trend, "bad pid '%s'", optarg);
			o->pid = (int64_t)u;
			break;
		case 'c': o->comm = optarg; break;
		case 'H': o->host = optarg; break;
		case 't':
			if (num_u64_str(optarg, 10, &u) < 0 || u > 100000)
				return cmd_usage(ctx, &cmd_trend, "bad --top '%s'", optarg);
			o->top = (unsigned)u;
			break;
		case 'f':
			if (trend_parse_format(optarg, &o->format) < 0)
				return cmd_usage(ctx, &cmd_trend, "--format takes table, csv or json, not '%s'", optarg);
			break;
		case 'C': o->format = FMT_CSV; break;
		case 'J': o->format = FMT_JSON; break;
		case 'A': o->utf8 = 0; break;
		case 'h': *help = 1; return CMD_OK;
		default: return cmd_usage(ctx, &cmd_trend, "bad option");
		}
	}
	if (!o->metric)
		return cmd_usage(ctx, &cmd_trend, "--metric is required (--help lists them)");
	if (o->have_since && o->have_until && o->until_ns <= o->since_ns)
		return cmd_usage(ctx, &cmd_trend, "--until is not after --since");
	if (argc - optind != 1)
		return cmd_usage(ctx, &cmd_trend, "need one database");
	return CMD_OK;
}

static int trend_run(struct sm_ctx *ctx, int argc, char **argv)
{
	struct trend_opts o;
	struct trend_result r;
	sqlite3 *db = NULL;
	int help = 0, rc;

	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.width_ns = TREND_DAY_NS;
	o.top = TREND_TOP_DEFAULT;
	o.utf8 = trend_locale_utf8(getenv("LC_ALL"), getenv("LC_CTYPE"), getenv("LANG"));
	rc = trend_options(ctx, argc, argv, &o, &help);
	if (rc != CMD_OK || help) {
		if (help)
			trend_print_help();
		return rc;
	}
	if (!o.metric->per_process && o.by != BY_HOST) {
		if (o.by_given)
			fprintf(ctx->err, "sockmortem trend: %s sockets have no owner process: per host\n",
				o.metric->name);
		o.by = BY_HOST;
	}
	if (cmd_open_db(ctx, argv[optind], DB_READONLY, &db) < 0)
		return CMD_FAILED;
	if (trend_collect(ctx, db, &o, &r) < 0) {
		rc = CMD_FAILED;
		goto out;
	}
	if (!r.n && o.format == FMT_TABLE) {
		fprintf(ctx->err, "sockmortem trend: no %s figures%s\n", o.metric->name,
			o.have_since || o.have_until || o.pid || o.comm || o.host ? " match" : " in the database");
		goto out;
	}
	if (o.format == FMT_TABLE) {
		trend_print_summary(ctx, &o, &r);
		trend_print_table(ctx, &o, &r);
	} else if (o.format == FMT_CSV) {
		trend_print_csv(ctx, &o, &r);
	} else {
		trend_print_json(ctx, &o, &r);
	}
out:
	trend_result_free(&r);
	db_close(db);
	return rc;
}

const struct sm_cmd cmd_trend = {
	"trend",
	"DB --metric M [--by comm|pid|host] [--every hour|day] [--agg max|avg] [--since T] [--until T]"
	" [--format table|csv|json]",
	"one metric over time, across bundles and hosts", trend_run,
};
