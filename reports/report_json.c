/*
 * report_json: the report as one JSON object, the stable machine interface
 * (documented in README.md, "Report JSON"). Fields are only ever added;
 * format_version changes if one ever has to change meaning.
 */
#include "report.h"

#include <math.h>
#include <string.h>

#include "json.h"

/* "key": value, or null for REPORT_NONE. */
static void kv_opt_i64(struct strbuf *sb, const char *key, int64_t v, int first)
{
	if (v == REPORT_NONE) {
		json_key(sb, key, first);
		strbuf_addstr(sb, "null");
	} else {
		json_kv_i64(sb, key, v, first);
	}
}

static void kv_time(struct strbuf *sb, const char *key, int64_t ns)
{
	char buf[32];

	json_kv_str(sb, key, ns == REPORT_NONE ? NULL : report_time(ns, buf, sizeof(buf)), 0);
}

static void kv_double(struct strbuf *sb, const char *key, double v)
{
	json_key(sb, key, 0);
	if (isfinite(v))
		strbuf_addf(sb, "%.4g", v);
	else
		strbuf_addstr(sb, "null");
}

/* A comma-separated list as a JSON array of strings. */
static void list_array(struct strbuf *sb, const char *list)
{
	const char *p = list;
	int n = 0;

	strbuf_addch(sb, '[');
	while (p && *p) {
		size_t len;

		p += strspn(p, " ,");
		len = strcspn(p, " ,");
		if (len) {
			if (n++)
				strbuf_addch(sb, ',');
			json_str(sb, p, len);
		}
		p += len;
	}
	strbuf_addch(sb, ']');
}

static void finding_json(struct strbuf *sb, const struct finding *f)
{
	json_kv_str(sb, "rule", f->rule, 1);
	json_kv_str(sb, "title", f->title, 0);
	kv_opt_i64(sb, "pid", f->pid, 0);
	json_kv_str(sb, "comm", f->comm, 0);
	json_kv_str(sb, "cmdline", f->cmdline, 0);
	kv_opt_i64(sb, "process_id", f->process_id, 0);
	kv_opt_i64(sb, "related_process_id", f->related_process_id, 0);
	json_kv_str(sb, "role", f->role, 0);
	json_kv_str(sb, "severity", severity_name(f->severity), 0);
	kv_double(sb, "confidence", f->confidence);
	json_kv_str(sb, "confidence_note", f->confidence_note, 0);
	kv_time(sb, "start", f->start_ns);
	kv_time(sb, "end", f->end_ns);
	kv_double(sb, "rate_per_min", f->rate_per_min);
	json_kv_str(sb, "summary", f->summary, 0);
	json_key(sb, "figures", 0);
	strbuf_addstr(sb, f->figures ? f->figures : "{}");   /* validated JSON (rule_run.c) */
	json_key(sb, "evidence", 0);
	json_strs(sb, f->evidence, f->nevidence);
	json_kv_str(sb, "sql", f->sql, 0);
	json_kv_str(sb, "remedy", f->remedy, 0);
	json_kv_bool(sb, "in_verdict", f->in_verdict, 0);
}

static void verdict_json(struct strbuf *sb, const struct report *r)
{
	const struct verdict *v = &r->verdict;
	size_t i;

	strbuf_addch(sb, '{');
	json_kv_bool(sb, "found", v->found, 1);
	json_kv_str(sb, "summary", v->summary, 0);
	json_kv_str(sb, "cause", v->cause, 0);
	kv_double(sb, "confidence", v->found ? v->confidence : NAN);
	json_key(sb, "culprit", 0);
	if (!v->found) {
		strbuf_addstr(sb, "null");
	} else {
		strbuf_addch(sb, '{');
		kv_opt_i64(sb, "pid", v->pid, 1);
		json_kv_str(sb, "comm", v->comm, 0);
		json_kv_str(sb, "cmdline", v->cmdline, 0);
		kv_opt_i64(sb, "process_id", v->process_id, 0);
		strbuf_addch(sb, '}');
	}
	json_key(sb, "rules", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < v->nfindings; i++) {
		const char *rule = r->findings[v->findings[i]].rule;

		if (report_verdict_rule_seen(r, i, rule))
			continue;
		if (i)
			strbuf_addch(sb, ',');
		json_cstr(sb, rule);
	}
	strbuf_addstr(sb, "]");
	json_key(sb, "findings", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < v->nfindings; i++)
		strbuf_addf(sb, "%s%zu", i ? "," : "", v->findings[i]);
	strbuf_addstr(sb, "]}");
}

static void inputs_json(struct strbuf *sb, const struct report *r)
{
	size_t i;

	strbuf_addch(sb, '[');
	for (i = 0; i < r->ninputs; i++) {
		const struct report_input *in = &r->inputs[i];

		strbuf_addstr(sb, i ? ",{" : "{");
		json_kv_str(sb, "path", in->path, 1);
		json_kv_str(sb, "kind", in->kind, 0);
		json_kv_str(sb, "host", in->host, 0);
		json_kv_i64(sb, "snapshots", in->snapshots, 0);
		kv_time(sb, "start", in->started_ns);
		kv_time(sb, "end", in->ended_ns);
		json_kv_bool(sb, "complete", in->complete, 0);
		json_kv_str(sb, "sha256", in->sha256, 0);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ']');
}

static void gaps_json(struct strbuf *sb, const struct report *r)
{
	size_t i;

	strbuf_addch(sb, '[');
	for (i = 0; i < r->ngaps; i++) {
		strbuf_addstr(sb, i ? ",{" : "{");
		json_kv_str(sb, "kind", r->gaps[i].kind, 1);
		json_kv_str(sb, "detail", r->gaps[i].detail, 0);
		json_key(sb, "affects", 0);
		list_array(sb, r->gaps[i].affects);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ']');
}

int report_render_json(const struct report *r, struct strbuf *sb)
{
	char buf[32];
	size_t i;

	strbuf_addch(sb, '{');
	json_kv_i64(sb, "format_version", REPORT_FORMAT_VERSION, 1);
	json_kv_str(sb, "generated_at", report_time(r->generated_ns, buf, sizeof(buf)), 0);
	json_kv_str(sb, "tool_version", SM_VERSION, 0);
	json_key(sb, "inputs", 0);
	inputs_json(sb, r);
	json_key(sb, "hosts", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < r->nhosts; i++) {
		if (i)
			strbuf_addch(sb, ',');
		json_cstr(sb, r->hosts[i]);
	}
	strbuf_addch(sb, ']');
	json_key(sb, "verdict", 0);
	verdict_json(sb, r);
	json_key(sb, "findings", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < r->nfindings; i++) {
		strbuf_addstr(sb, i ? ",{" : "{");
		finding_json(sb, &r->findings[i]);
		strbuf_addch(sb, '}');
	}
	strbuf_addch(sb, ']');
	json_key(sb, "gaps", 0);
	gaps_json(sb, r);
	json_key(sb, "skipped_rules", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < r->nskipped; i++) {
		if (i)
			strbuf_addch(sb, ',');
		json_cstr(sb, r->skipped[i]);
	}
	strbuf_addstr(sb, "]}\n");
	return 0;
}
