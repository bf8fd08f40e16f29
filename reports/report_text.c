/*
 * report_text: the report for a terminal. Verdict first (who, what, why,
 * how sure), then every finding with its evidence, the SQL that
 * reproduces it and the remedy, then the gaps. Colour only when asked
 * (the caller decides: a tty and no NO_COLOR).
 */
#include "report.h"

#include <math.h>
#include <string.h>

struct pen {
	FILE *out;
	int color;
};

static const char *sev_color(enum severity s)
{
	return s >= SEV_HIGH ? "\033[1;31m" : s == SEV_MEDIUM ? "\033[1;33m" : "\033[36m";
}

static void on(const struct pen *p, const char *esc)
{
	if (p->color)
		fputs(esc, p->out);
}

static void off(const struct pen *p)
{
	if (p->color)
		fputs("\033[0m", p->out);
}

static void who(const struct pen *p, int64_t pid, const char *comm)
{
	if (pid == REPORT_NONE && !comm)
		fputs("(no process)", p->out);
	else if (pid == REPORT_NONE)
		fprintf(p->out, "%s", comm);
	else
		fprintf(p->out, "%s (pid %lld)", comm ? comm : "?", (long long)pid);
}

static void verdict_text(const struct pen *p, const struct report *r)
{
	const struct verdict *v = &r->verdict;
	size_t i;

	on(p, "\033[1m");
	fputs("VERDICT: ", p->out);
	off(p);
	if (!v->found) {
		fprintf(p->out, "%s\n", v->summary);
		return;
	}
	on(p, "\033[1;31m");
	who(p, v->pid, v->comm);
	off(p);
	fprintf(p->out, "\n  %s\n", v->summary);
	if (v->cmdline && *v->cmdline)
		fprintf(p->out, "  cmdline: %s\n", v->cmdline);
	fprintf(p->out, "  confidence %.2f; findings:", v->confidence);
	for (i = 0; i < v->nfindings; i++)
		fprintf(p->out, "%s [%zu] %s", i ? "," : "", v->findings[i] + 1, r->findings[v->findings[i]].rule);
	fputc('\n', p->out);
}

static void span_text(const struct pen *p, const struct finding *f)
{
	char a[32], b[32];

	if (f->start_ns == REPORT_NONE)
		return;
	fprintf(p->out, "  %s", report_time(f->start_ns, a, sizeof(a)));
	if (f->end_ns != REPORT_NONE && f->end_ns != f->start_ns)
		fprintf(p->out, " .. %s", report_time(f->end_ns, b, sizeof(b)));
	if (isfinite(f->rate_per_min))
		fprintf(p->out, "  %+.1f/min", f->rate_per_min);
}

static void finding_text(const struct pen *p, const struct finding *f, size_t idx)
{
	size_t i;

	fprintf(p->out, "\n[%zu] ", idx + 1);
	on(p, sev_color(f->severity));
	fprintf(p->out, "%-8s", severity_name(f->severity));
	off(p);
	on(p, "\033[1m");
	fprintf(p->out, " %s", f->rule);
	off(p);
	fputs("  ", p->out);
	who(p, f->pid, f->comm);
	fprintf(p->out, "  confidence %.2f", f->confidence);
	span_text(p, f);
	fprintf(p->out, "\n    %s\n", f->summary);
	if (f->confidence_note)
		fprintf(p->out, "    (confidence %s)\n", f->confidence_note);
	if (f->figures_text && *f->figures_text)
		fprintf(p->out, "    figures: %s\n", f->figures_text);
	for (i = 0; i < f->nevidence; i++)
		fprintf(p->out, "    - %s\n", f->evidence[i]);
	if (f->remedy)
		fprintf(p->out, "    remedy: %s\n", f->remedy);
	if (f->sql)
		fprintf(p->out, "    reproduce: %s\n", f->sql);
}

static void gaps_text(const struct pen *p, const struct report *r)
{
	size_t i;

	if (!r->ngaps && !r->nskipped)
		return;
	on(p, "\033[1m");
	fputs("\nGAPS (what the evidence lacks)\n", p->out);
	off(p);
	for (i = 0; i < r->ngaps; i++)
		fprintf(p->out, "  - %s: %s\n", r->gaps[i].kind, r->gaps[i].detail);
	for (i = 0; i < r->nskipped; i++)
		fprintf(p->out, "  - rule not run: %s\n", r->skipped[i]);
}

static void inputs_text(const struct pen *p, const struct report *r)
{
	char a[32], b[32];
	size_t i;

	fputs("\ninputs:\n", p->out);
	for (i = 0; i < r->ninputs; i++) {
		const struct report_input *in = &r->inputs[i];

		fprintf(p->out, "  %s (%s%s%s), %lld snapshot%s %s .. %s%s\n", in->path, in->kind,
			in->host ? ", host " : "", in->host ? in->host : "", (long long)in->snapshots,
			in->snapshots == 1 ? "" : "s", report_time(in->started_ns, a, sizeof(a)),
			report_time(in->ended_ns, b, sizeof(b)), in->complete ? "" : ", CUT SHORT");
	}
}

int report_render_text(const struct report *r, FILE *out, int color)
{
	struct pen p = { out, color };
	size_t i;

	verdict_text(&p, r);
	if (r->nfindings) {
		on(&p, "\033[1m");
		fprintf(out, "\nFINDINGS (%zu)\n", r->nfindings);
		off(&p);
	}
	for (i = 0; i < r->nfindings; i++)
		finding_text(&p, &r->findings[i], i);
	gaps_text(&p, r);
	inputs_text(&p, r);
	return ferror(out) ? -1 : 0;
}
