/* report: the findings model's bookkeeping; see report.h. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const sev_names[] = {
	[SEV_INFO] = "info", [SEV_LOW] = "low", [SEV_MEDIUM] = "medium",
	[SEV_HIGH] = "high", [SEV_CRITICAL] = "critical",
};

const char *severity_name(enum severity s)
{
	return (unsigned)s <= SEV_CRITICAL ? sev_names[s] : "info";
}

int severity_parse(const char *s, enum severity *out)
{
	int i;

	for (i = SEV_INFO; s && i <= SEV_CRITICAL; i++)
		if (!strcmp(s, sev_names[i])) {
			*out = (enum severity)i;
			return 0;
		}
	return -1;
}

const char *report_time(int64_t ns, char *buf, size_t len)
{
	time_t t;
	struct tm tm;

	if (ns == REPORT_NONE || len < 32) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	t = (time_t)(ns / 1000000000);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
	r->verdict.process_id = REPORT_NONE;
	r->verdict.pid = REPORT_NONE;
}

static void finding_free(struct finding *f)
{
	size_t i;

	free(f->rule);
	free(f->title);
	free(f->comm);
	free(f->cmdline);
	free(f->role);
	free(f->summary);
	free(f->figures);
	free(f->figures_text);
	for (i = 0; i < f->nevidence; i++)
		free(f->evidence[i]);
	free(f->evidence);
	free(f->sql);
	free(f->remedy);
	free(f->confidence_note);
}

void report_free(struct report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->ninputs; i++) {
		free(r->inputs[i].path);
		free(r->inputs[i].kind);
		free(r->inputs[i].host);
		free(r->inputs[i].sha256);
	}
	free(r->inputs);
	for (i = 0; i < r->nhosts; i++)
		free(r->hosts[i]);
	free(r->hosts);
	for (i = 0; i < r->nfindings; i++)
		finding_free(&r->findings[i]);
	free(r->findings);
	for (i = 0; i < r->ngaps; i++) {
		free(r->gaps[i].kind);
		free(r->gaps[i].detail);
		free(r->gaps[i].affects);
	}
	free(r->gaps);
	for (i = 0; i < r->nskipped; i++)
		free(r->skipped[i]);
	free(r->skipped);
	free(r->verdict.summary);
	free(r->verdict.cause);
	free(r->verdict.comm);
	free(r->verdict.cmdline);
	free(r->verdict.findings);
	report_charts_free(r);
	report_init(r);
}

struct finding *report_add_finding(struct report *r)
{
	struct finding *f;

	if (r->nfindings == r->afindings) {
		r->afindings = r->afindings ? r->afindings * 2 : 16;
		r->findings = xreallocarray(r->findings, r->afindings, sizeof(*r->findings));
	}
	f = &r->findings[r->nfindings++];
	memset(f, 0, sizeof(*f));
	f->process_id = f->pid = f->related_process_id = REPORT_NONE;
	f->start_ns = f->end_ns = REPORT_NONE;
	f->rate_per_min = NAN;
	return f;
}

void report_add_gap(struct report *r, const char *kind, const char *detail, const char *affects)
{
	struct gap *g;
	size_t i;

	for (i = 0; i < r->ngaps; i++)
		if (!strcmp(r->gaps[i].kind, kind))
			return;
	if (r->ngaps == r->agaps) {
		r->agaps = r->agaps ? r->agaps * 2 : 8;
		r->gaps = xreallocarray(r->gaps, r->agaps, sizeof(*r->gaps));
	}
	g = &r->gaps[r->ngaps++];
	g->kind = xstrdup(kind);
	g->detail = xstrdup(detail);
	g->affects = xstrdup(affects ? affects : "");
}

void report_add_skipped(struct report *r, const char *what)
{
	r->skipped = xreallocarray(r->skipped, r->nskipped + 1, sizeof(*r->skipped));
	r->skipped[r->nskipped++] = xstrdup(what);
}

static int finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	if ((c = strcmp(x->rule, y->rule)) != 0)
		return c;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

void report_sort(struct report *r)
{
	if (r->nfindings > 1)
		qsort(r->findings, r->nfindings, sizeof(*r->findings), finding_cmp);
}

int report_verdict_rule_seen(const struct report *r, size_t n, const char *rule)
{
	size_t i;

	for (i = 0; i < n && i < r->verdict.nfindings; i++)
		if (!strcmp(r->findings[r->verdict.findings[i]].rule, rule))
			return 1;
	return 0;
}
