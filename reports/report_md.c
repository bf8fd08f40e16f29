/*
 * report_md: the report as Markdown to paste into a ticket (GitHub and
 * Jira/Confluence-flavoured pipe tables): verdict, findings with an
 * evidence table each, remedies, the timeline (condensed), the gaps.
 *
 * Everything in it may come from a stranger's host (comm, cmdline, paths),
 * so text is backslash-escaped (CommonMark lets any ASCII punctuation be
 * escaped: `\<script>` shows as text, `\|` keeps a table cell whole; only
 * the characters that mean something inside a line are, so the text stays
 * readable where the tracker shows Markdown raw), code
 * spans use a backtick run longer than any inside them, and newlines in a
 * table cell become spaces (a cell is one line).
 */
#include "report.h"

#include <math.h>
#include <string.h>

/* How many timeline rows the ticket gets: the start and the end. */
#define MD_EVENTS_HEAD 25
#define MD_EVENTS_TAIL 15

static int md_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Text, escaped for inline Markdown (also fit for a table cell). An
 * underscore inside a word (CLOSE_WAIT) cannot start emphasis, so it is
 * left alone: identifiers stay readable in the raw text. */
static void md_text(struct strbuf *sb, const char *s)
{
	const char *p;

	for (p = s; p && *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t')
			strbuf_addch(sb, ' ');
		else if ((unsigned char)*p < 0x20 || *p == 0x7f)
			continue;
		else {
			if (*p == '_' ? !(p > s && md_alnum(p[-1]) && md_alnum(p[1])) : !!strchr("\\`*[]<>|&~", *p))
				strbuf_addch(sb, '\\');
			strbuf_addch(sb, *p);
		}
	}
}

static size_t md_longest_backticks(const char *s)
{
	size_t run = 0, best = 0;

	for (; s && *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* An inline code span for a table cell: pipes escaped (GFM splits cells
 * on them even inside code), newlines flattened. */
static void md_code(struct strbuf *sb, const char *s)
{
	size_t i, ticks = md_longest_backticks(s) + 1;

	for (i = 0; i < ticks; i++)
		strbuf_addch(sb, '`');
	strbuf_addch(sb, ' ');
	for (; s && *s; s++) {
		if (*s == '|')
			strbuf_addstr(sb, "\\|");
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			strbuf_addch(sb, ' ');
		else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			strbuf_addch(sb, *s);
	}
	strbuf_addch(sb, ' ');
	for (i = 0; i < ticks; i++)
		strbuf_addch(sb, '`');
}

/* A fenced block whose fence no line of s can close. */
static void md_block(struct strbuf *sb, const char *lang, const char *s)
{
	size_t i, ticks = md_longest_backticks(s) + 1;

	if (ticks < 3)
		ticks = 3;
	for (i = 0; i < ticks; i++)
		strbuf_addch(sb, '`');
	strbuf_addf(sb, "%s\n%s\n", lang, s);
	for (i = 0; i < ticks; i++)
		strbuf_addch(sb, '`');
	strbuf_addch(sb, '\n');
}

static void md_who(struct strbuf *sb, int64_t pid, const char *comm)
{
	if (pid == REPORT_NONE && !comm) {
		strbuf_addstr(sb, "(no process)");
		return;
	}
	md_code(sb, comm ? comm : "?");
	if (pid != REPORT_NONE)
		strbuf_addf(sb, " (pid %lld)", (long long)pid);
}

static void md_verdict(struct strbuf *sb, const struct report *r)
{
	const struct verdict *v = &r->verdict;
	size_t i;

	strbuf_addstr(sb, "## Verdict\n\n");
	if (!v->found) {
		strbuf_addstr(sb, "**Nothing to blame.** ");
		md_text(sb, v->summary);
		strbuf_addstr(sb, "\n\n");
		return;
	}
	strbuf_addstr(sb, "**");
	md_who(sb, v->pid, v->comm);
	strbuf_addstr(sb, "**: ");
	md_text(sb, v->summary);
	strbuf_addstr(sb, "\n\n| | |\n| --- | --- |\n");
	if (v->cmdline && *v->cmdline) {
		strbuf_addstr(sb, "| cmdline | ");
		md_code(sb, v->cmdline);
		strbuf_addstr(sb, " |\n");
	}
	if (v->cause) {
		strbuf_addstr(sb, "| cause | ");
		md_text(sb, v->cause);
		strbuf_addstr(sb, " |\n");
	}
	strbuf_addf(sb, "| confidence | %.2f |\n| findings | ", v->confidence);
	for (i = 0; i < v->nfindings; i++) {
		strbuf_addf(sb, "%s[%zu] ", i ? ", " : "", v->findings[i] + 1);
		md_code(sb, r->findings[v->findings[i]].rule);
	}
	strbuf_addstr(sb, " |\n\n");
}

static void md_row(struct strbuf *sb, const char *key, const char *val)
{
	strbuf_addf(sb, "| %s | ", key);
	md_text(sb, val);
	strbuf_addstr(sb, " |\n");
}

static void md_finding_table(struct strbuf *sb, const struct finding *f)
{
	char a[32], b[32];
	size_t i;

	strbuf_addstr(sb, "| | |\n| --- | --- |\n| process | ");
	md_who(sb, f->pid, f->comm);
	strbuf_addstr(sb, " |\n");
	if (f->role)
		md_row(sb, "role", f->role);
	if (f->start_ns != REPORT_NONE) {
		strbuf_addf(sb, "| span | %s", report_time(f->start_ns, a, sizeof(a)));
		if (f->end_ns != REPORT_NONE && f->end_ns != f->start_ns)
			strbuf_addf(sb, " .. %s", report_time(f->end_ns, b, sizeof(b)));
		strbuf_addstr(sb, " |\n");
	}
	if (isfinite(f->rate_per_min))
		strbuf_addf(sb, "| rate | %+.1f/min |\n", f->rate_per_min);
	strbuf_addf(sb, "| confidence | %.2f", f->confidence);
	if (f->confidence_note) {
		strbuf_addstr(sb, " (");
		md_text(sb, f->confidence_note);
		strbuf_addch(sb, ')');
	}
	strbuf_addstr(sb, " |\n");
	if (f->figures_text && *f->figures_text) {
		strbuf_addstr(sb, "| figures | ");
		md_code(sb, f->figures_text);
		strbuf_addstr(sb, " |\n");
	}
	for (i = 0; i < f->nevidence; i++)
		md_row(sb, i ? "" : "evidence", f->evidence[i]);
}

static void md_finding(struct strbuf *sb, const struct finding *f, size_t idx)
{
	strbuf_addf(sb, "### [%zu] %s: ", idx + 1, severity_name(f->severity));
	md_text(sb, f->rule);
	strbuf_addstr(sb, "\n\n");
	md_text(sb, f->summary);
	strbuf_addstr(sb, "\n\n");
	md_finding_table(sb, f);
	if (f->remedy) {
		strbuf_addstr(sb, "\n**Remedy:** ");
		md_text(sb, f->remedy);
		strbuf_addch(sb, '\n');
	}
	if (f->sql) {
		strbuf_addstr(sb, "\n<details><summary>SQL that reproduces it</summary>\n\n");
		md_block(sb, "sql", f->sql);
		strbuf_addstr(sb, "\n</details>\n");
	}
	strbuf_addch(sb, '\n');
}

static void md_event(struct strbuf *sb, const struct report_event *e)
{
	char t[32];

	strbuf_addf(sb, "| %s | ", report_time(e->ns, t, sizeof(t)));
	md_text(sb, e->kind);
	strbuf_addstr(sb, " | ");
	md_text(sb, e->text);
	strbuf_addstr(sb, " |\n");
}

/* Whether a long timeline shows e: quiet snapshots go first. */
static int md_event_shown(const struct report *r, const struct report_event *e)
{
	return r->nevents + r->events_dropped <= MD_EVENTS_HEAD + MD_EVENTS_TAIL || strcmp(e->kind, "snapshot");
}

/* The start and the end of the timeline: a ticket is no place for all of
 * it. A long one loses its plain snapshot events first (transitions, dumps
 * and closes carry the story), then its middle. */
static void md_timeline(struct strbuf *sb, const struct report *r)
{
	size_t i, k = 0, shown = 0, total = r->nevents + r->events_dropped;

	if (!r->nevents)
		return;
	for (i = 0; i < r->nevents; i++)
		shown += md_event_shown(r, &r->events[i]);
	strbuf_addf(sb, "## Timeline (%zu event%s%s)\n\n| time (UTC) | kind | event |\n| --- | --- | --- |\n", total,
		    total == 1 ? "" : "s", shown < total ? ", condensed" : "");
	for (i = 0; i < r->nevents; i++) {
		if (!md_event_shown(r, &r->events[i]))
			continue;
		if (shown > MD_EVENTS_HEAD + MD_EVENTS_TAIL && k == MD_EVENTS_HEAD) {
			strbuf_addf(sb, "| ... | | %zu more events (`sockmortem timeline DB` lists them all) |\n",
				    total - MD_EVENTS_HEAD - MD_EVENTS_TAIL);
			/* skip to the last MD_EVENTS_TAIL shown */
			for (; k < shown - MD_EVENTS_TAIL; i++)
				k += md_event_shown(r, &r->events[i]);
			i--;
			continue;
		}
		md_event(sb, &r->events[i]);
		k++;
	}
	strbuf_addch(sb, '\n');
}

static void md_gaps(struct strbuf *sb, const struct report *r)
{
	size_t i;

	if (!r->ngaps && !r->nskipped)
		return;
	strbuf_addstr(sb, "## Collection gaps\n\n| gap | detail | weakens |\n| --- | --- | --- |\n");
	for (i = 0; i < r->ngaps; i++) {
		strbuf_addstr(sb, "| ");
		md_code(sb, r->gaps[i].kind);
		strbuf_addstr(sb, " | ");
		md_text(sb, r->gaps[i].detail);
		strbuf_addstr(sb, " | ");
		md_text(sb, r->gaps[i].affects);
		strbuf_addstr(sb, " |\n");
	}
	for (i = 0; i < r->nskipped; i++) {
		strbuf_addstr(sb, "| rule not run | ");
		md_text(sb, r->skipped[i]);
		strbuf_addstr(sb, " | |\n");
	}
	strbuf_addch(sb, '\n');
}

static void md_inputs(struct strbuf *sb, const struct report *r)
{
	char a[32], b[32];
	size_t i;

	if (!r->ninputs)
		return;
	strbuf_addstr(sb, "## Inputs\n\n| input | kind | host | snapshots | from | to | complete |\n"
			  "| --- | --- | --- | --- | --- | --- | --- |\n");
	for (i = 0; i < r->ninputs; i++) {
		const struct report_input *in = &r->inputs[i];

		strbuf_addstr(sb, "| ");
		md_code(sb, in->path);
		strbuf_addstr(sb, " | ");
		md_text(sb, in->kind);
		strbuf_addstr(sb, " | ");
		md_text(sb, in->host ? in->host : "");
		strbuf_addf(sb, " | %lld | %s | %s | %s |\n", (long long)in->snapshots,
			    report_time(in->started_ns, a, sizeof(a)), report_time(in->ended_ns, b, sizeof(b)),
			    in->complete ? "yes" : "**cut short**");
	}
	strbuf_addch(sb, '\n');
}

int report_render_md(const struct report *r, struct strbuf *sb)
{
	char t[32];
	size_t i;

	strbuf_addstr(sb, "# sockmortem report\n\n");
	md_verdict(sb, r);
	if (r->nfindings)
		strbuf_addf(sb, "## Findings (%zu)\n\n", r->nfindings);
	for (i = 0; i < r->nfindings; i++)
		md_finding(sb, &r->findings[i], i);
	md_timeline(sb, r);
	md_gaps(sb, r);
	md_inputs(sb, r);
	strbuf_addf(sb, "_Generated by sockmortem at %s._\n", report_time(r->generated_ns, t, sizeof(t)));
	return 0;
}
