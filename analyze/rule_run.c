/*
 * rule_run: runs the rule set over a database and turns each row into a
 * finding; see rules.h. Columns are taken by name (contract in
 * analyze/rules/README.md), so a rule may order them as it likes and add
 * its own, which are ignored.
 */
#include "rules.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "json.h"
#include "strbuf.h"

enum col {
	C_PROCESS_ID, C_PID, C_COMM, C_CMDLINE, C_RELATED, C_ROLE, C_START, C_END, C_SEVERITY,
	C_CONFIDENCE, C_RATE, C_SUMMARY, C_FIGURES, C_EVIDENCE, C_SQL, C_REMEDY, C_NCOLS
};

static const char *const col_names[C_NCOLS] = {
	"process_id", "pid", "comm", "cmdline", "related_process_id", "role", "start_ns", "end_ns",
	"severity", "confidence", "rate_per_min", "summary", "figures", "evidence", "sql", "remedy",
};

struct run {
	sqlite3 *db;
	struct report *rep;
	FILE *warn;
	sqlite3_stmt *proc;       /* pid, comm, cmdline of a processes.id */
	sqlite3_stmt *fig;        /* validates and flattens figures */
	sqlite3_stmt *has_table;
};

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s;

	if (i < 0 || sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	s = sqlite3_column_text(st, i);
	return s ? xstrdup((const char *)s) : NULL;
}

static int64_t int_col(sqlite3_stmt *st, int i)
{
	if (i < 0 || sqlite3_column_type(st, i) == SQLITE_NULL)
		return REPORT_NONE;
	return sqlite3_column_int64(st, i);
}

static int has_table(struct run *rn, const char *name, size_t len)
{
	int r;

	sqlite3_reset(rn->has_table);
	sqlite3_bind_text(rn->has_table, 1, name, (int)len, SQLITE_TRANSIENT);
	r = sqlite3_step(rn->has_table) == SQLITE_ROW;
	sqlite3_reset(rn->has_table);
	return r;
}

/* The first table of a comma-separated list that is missing, or NULL. */
static char *missing_table(struct run *rn, const char *list)
{
	const char *p = list;

	while (p && *p) {
		size_t len;

		p += strspn(p, " ,");
		len = strcspn(p, " ,");
		if (len && !has_table(rn, p, len))
			return strndup(p, len);
		p += len;
	}
	return NULL;
}

/* Figures must be a JSON object; anything else is wrapped as a string so
 * the report stays valid JSON whatever a user's rule returns. */
static void take_figures(struct run *rn, struct finding *f, sqlite3_stmt *st, int i)
{
	const char *s = i >= 0 ? (const char *)sqlite3_column_text(st, i) : NULL;
	struct strbuf sb = STRBUF_INIT;

	sqlite3_reset(rn->fig);
	sqlite3_bind_text(rn->fig, 1, s ? s : "{}", -1, SQLITE_TRANSIENT);
	if (sqlite3_step(rn->fig) == SQLITE_ROW && sqlite3_column_int(rn->fig, 0)) {
		f->figures = dup_col(rn->fig, 1);
		f->figures_text = dup_col(rn->fig, 2);
	} else {
		strbuf_addstr(&sb, "{\"value\":");
		json_cstr(&sb, s);
		strbuf_addch(&sb, '}');
		f->figures = strbuf_detach(&sb, NULL);
		f->figures_text = xstrdup(s ? s : "");
	}
	sqlite3_reset(rn->fig);
	if (!f->figures)
		f->figures = xstrdup("{}");
	if (!f->figures_text)
		f->figures_text = xstrdup("");
}

/* Evidence: one line per item (rules use group_concat(x, char(10))). */
static void take_evidence(struct finding *f, const char *s)
{
	while (s && *s) {
		size_t len = strcspn(s, "\n");

		if (len) {
			f->evidence = xreallocarray(f->evidence, f->nevidence + 1, sizeof(*f->evidence));
			f->evidence[f->nevidence++] = strndup(s, len);
			if (!f->evidence[f->nevidence - 1])
				abort();
		}
		s += len;
		if (*s)
			s++;
	}
}

/* pid, comm and cmdline of the blamed process when the rule gave only its id. */
static void fill_process(struct run *rn, struct finding *f)
{
	if (f->process_id == REPORT_NONE || (f->pid != REPORT_NONE && f->comm && f->cmdline))
		return;
	sqlite3_reset(rn->proc);
	sqlite3_bind_int64(rn->proc, 1, f->process_id);
	if (sqlite3_step(rn->proc) == SQLITE_ROW) {
		if (f->pid == REPORT_NONE)
			f->pid = sqlite3_column_int64(rn->proc, 0);
		if (!f->comm)
			f->comm = dup_col(rn->proc, 1);
		if (!f->cmdline)
			f->cmdline = dup_col(rn->proc, 2);
	}
	sqlite3_reset(rn->proc);
}

static void take_row(struct run *rn, const struct rule *ru, sqlite3_stmt *st, const int *c)
{
	struct finding *f = report_add_finding(rn->rep);
	char *sev = dup_col(st, c[C_SEVERITY]);

	f->rule = xstrdup(ru->id);
	f->title = xstrdup(ru->title);
	f->process_id = int_col(st, c[C_PROCESS_ID]);
	f->pid = int_col(st, c[C_PID]);
	f->comm = dup_col(st, c[C_COMM]);
	f->cmdline = dup_col(st, c[C_CMDLINE]);
	f->related_process_id = int_col(st, c[C_RELATED]);
	f->role = dup_col(st, c[C_ROLE]);
	f->start_ns = int_col(st, c[C_START]);
	f->end_ns = int_col(st, c[C_END]);
	if (severity_parse(sev, &f->severity) < 0)
		f->severity = SEV_MEDIUM;
	free(sev);
	f->confidence = fmin(1.0, fmax(0.0, sqlite3_column_double(st, c[C_CONFIDENCE])));
	if (c[C_RATE] >= 0 && sqlite3_column_type(st, c[C_RATE]) != SQLITE_NULL)
		f->rate_per_min = sqlite3_column_double(st, c[C_RATE]);
	f->summary = dup_col(st, c[C_SUMMARY]);
	if (!f->summary)
		f->summary = xstrdup(ru->title);
	take_figures(rn, f, st, c[C_FIGURES]);
	take_evidence(f, c[C_EVIDENCE] >= 0 ? (const char *)sqlite3_column_text(st, c[C_EVIDENCE]) : NULL);
	f->sql = dup_col(st, c[C_SQL]);
	f->remedy = dup_col(st, c[C_REMEDY]);
	if (!f->remedy && ru->remedy)
		f->remedy = xstrdup(ru->remedy);
	fill_process(rn, f);
	rules_apply_gaps(f, ru->uses, rn->rep);
}

static void rule_skip(struct run *rn, const struct rule *ru, const char *why)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s: %s", ru->id, why);
	report_add_skipped(rn->rep, sb.buf);
	if (rn->warn)
		fprintf(rn->warn, "sockmortem report: rule %s (%s): %s\n", ru->id, ru->origin, why);
	strbuf_release(&sb);
}

/* A rule is one statement: text after it (other than comments) is a mistake. */
static int only_comments(const char *tail)
{
	while (tail && *tail) {
		if (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' || *tail == ';') {
			tail++;
		} else if (tail[0] == '-' && tail[1] == '-') {
			tail += strcspn(tail, "\n");
		} else {
			return 0;
		}
	}
	return 1;
}

static int map_columns(sqlite3_stmt *st, int *c)
{
	int i, k, n = sqlite3_column_count(st);

	for (k = 0; k < C_NCOLS; k++)
		c[k] = -1;
	for (i = 0; i < n; i++)
		for (k = 0; k < C_NCOLS; k++)
			if (!strcmp(sqlite3_column_name(st, i), col_names[k]))
				c[k] = i;
	return c[C_SEVERITY] >= 0 && c[C_CONFIDENCE] >= 0 && c[C_SUMMARY] >= 0 ? 0 : -1;
}

static void run_rule(struct run *rn, const struct rule *ru)
{
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	char *missing = missing_table(rn, ru->requires);
	struct strbuf sb = STRBUF_INIT;
	int c[C_NCOLS], rc;

	if (missing) {
		strbuf_addf(&sb, "table '%s' is not in this database", missing);
		rule_skip(rn, ru, sb.buf);
		strbuf_reset(&sb);
		strbuf_addf(&sb, "rule %s needs table %s, which this database lacks (made by an older sockmortem,"
			    " or no such evidence was loaded)", ru->id, missing);
		report_add_gap(rn->rep, !strcmp(missing, "close_delays") || !strcmp(missing, "tcp_conns") ||
				!strcmp(missing, "captures") ? "no_pcap" : "missing_table", sb.buf, ru->uses);
		goto out;
	}
	if (sqlite3_prepare_v2(rn->db, ru->sql, -1, &st, &tail) != SQLITE_OK) {
		rule_skip(rn, ru, sqlite3_errmsg(rn->db));
		goto out;
	}
	if (!st) {
		rule_skip(rn, ru, "no statement");
		goto out;
	}
	if (!only_comments(tail) || !sqlite3_stmt_readonly(st)) {
		rule_skip(rn, ru, "a rule is exactly one read-only SELECT");
		goto out;
	}
	if (map_columns(st, c) < 0) {
		rule_skip(rn, ru, "needs at least the columns severity, confidence and summary");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		take_row(rn, ru, st, c);
	if (rc != SQLITE_DONE)
		rule_skip(rn, ru, sqlite3_errmsg(rn->db));
out:
	sqlite3_finalize(st);
	strbuf_release(&sb);
	free(missing);
}

static int run_preludes(struct run *rn, const struct rule_set *rs, char **err)
{
	size_t i;

	/* The prelude's TEMP tables and the sorts behind them hold tens of MB
	 * for a big recording: in SQLite's default 2 MB cache they would spill
	 * to a temp file and be read back. Pages are only taken as needed. */
	if (db_exec(rn->db, "PRAGMA temp.cache_size = -65536", err) < 0)
		return -1;
	for (i = 0; i < rs->npreludes; i++)
		if (db_exec(rn->db, rs->preludes[i], err) < 0)
			return -1;
	return 0;
}

int rules_run(sqlite3 *db, const struct rule_set *rs, struct report *rep, FILE *warn, char **err)
{
	struct run rn = { db, rep, warn, NULL, NULL, NULL };
	size_t i;
	int r = -1;

	if (db_prepare(db, "SELECT pid, comm, cmdline FROM processes WHERE id = ?", &rn.proc, err) < 0 ||
	    db_prepare(db, "SELECT json_valid(?1) AND json_type(?1) = 'object', json(?1),"
			   " (SELECT group_concat(key || '=' || CASE type WHEN 'real' THEN printf('%.3g', value)"
			   "  WHEN 'null' THEN '-' ELSE value END, ', ') FROM json_each(CASE WHEN json_valid(?1) THEN ?1 ELSE '{}' END))",
		       &rn.fig, err) < 0 ||
	    db_prepare(db, "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?1"
			   " UNION ALL SELECT 1 FROM sqlite_temp_master WHERE type IN ('table', 'view') AND name = ?1",
		       &rn.has_table, err) < 0)
		goto fail;
	if (run_preludes(&rn, rs, err) < 0)
		goto fail;
	for (i = 0; i < rs->n; i++)
		run_rule(&rn, &rs->rules[i]);
	r = 0;
fail:
	sqlite3_finalize(rn.proc);
	sqlite3_finalize(rn.fig);
	sqlite3_finalize(rn.has_table);
	return r;
}

/* Does the comma-separated list contain word? */
static int list_has(const char *list, const char *word, size_t wlen)
{
	const char *p = list;

	while (p && *p) {
		size_t len;

		p += strspn(p, " ,");
		len = strcspn(p, " ,");
		if (len && len == wlen && !memcmp(p, word, len))
			return 1;
		p += len;
	}
	return 0;
}

static int gap_touches(const struct gap *g, const char *uses)
{
	const char *p = g->affects;

	while (p && *p) {
		size_t len;

		p += strspn(p, " ,");
		len = strcspn(p, " ,");
		if (len && list_has(uses, p, len))
			return 1;
		p += len;
	}
	return 0;
}

void rules_apply_gaps(struct finding *f, const char *uses, const struct report *rep)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; uses && i < rep->ngaps; i++) {
		if (!gap_touches(&rep->gaps[i], uses))
			continue;
		/* Each gap the finding depends on costs a quarter: the figures
		 * may be understated (unreadable fds) or the history short. */
		f->confidence *= 0.75;
		strbuf_addf(&sb, "%s%s", sb.len ? ", " : "lowered by gaps: ", rep->gaps[i].kind);
	}
	if (sb.len) {
		free(f->confidence_note);
		f->confidence_note = strbuf_detach(&sb, NULL);
	}
	strbuf_release(&sb);
}
