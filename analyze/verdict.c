/* verdict: corroborating findings into one root cause; see verdict.h. */
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* What each rule contributes to a story: the leak itself, the code-level
 * cause, or a witness (a consequence seen elsewhere). */
enum part { PART_WITNESS, PART_LEAK, PART_CAUSE };

static enum part rule_part(const char *rule)
{
	static const char *const leaks[] = {
		"close_wait_leak", "established_growth", "time_wait_churn", "orphan_socket_fds", "fd_exhaustion",
	};
	size_t i;

	if (!strcmp(rule, "lock_wait") || !strcmp(rule, "goroutine_leak"))
		return PART_CAUSE;
	for (i = 0; i < sizeof(leaks) / sizeof(leaks[0]); i++)
		if (!strcmp(rule, leaks[i]))
			return PART_LEAK;
	return PART_WITNESS;
}

/*
 * The process a finding blames, directly or as the cause it points at: its
 * processes.id; for a dump of a pid no capture showed (a SIGQUIT dump from
 * a journal, alone), minus that pid, so that it still names a culprit.
 */
static int64_t anchor(const struct finding *f)
{
	if (f->related_process_id != REPORT_NONE)
		return f->related_process_id;
	if (f->process_id != REPORT_NONE)
		return f->process_id;
	return f->pid != REPORT_NONE && f->pid > 0 ? -f->pid : REPORT_NONE;
}

/* Does f blame who itself, not through another finding? */
static int direct(const struct finding *f, int64_t who)
{
	return f->related_process_id == REPORT_NONE && anchor(f) == who;
}

static double weight(const struct finding *f)
{
	static const double w[] = { 0.25, 0.5, 1.0, 2.0, 3.0 };

	return w[f->severity] * f->confidence;
}

/* The anchor with the heaviest evidence; REPORT_NONE when none. */
static int64_t pick_culprit(const struct report *rep)
{
	int64_t best = REPORT_NONE;
	double best_score = 0;
	size_t i, j;

	for (i = 0; i < rep->nfindings; i++) {
		int64_t a = anchor(&rep->findings[i]);
		double score = 0;

		if (a == REPORT_NONE || rep->findings[i].severity < SEV_MEDIUM)
			continue;
		for (j = 0; j < rep->nfindings; j++)
			if (anchor(&rep->findings[j]) == a)
				score += weight(&rep->findings[j]);
		if (score > best_score) {
			best_score = score;
			best = a;
		}
	}
	return best;
}

/*
 * The first (most severe: the report is sorted) finding of that part,
 * preferring one on the culprit itself: a victim's finding that points at
 * the culprit (the gateway's goroutines mirroring a dialer's leak) is a
 * witness, never the code-level cause in the culprit.
 */
static const struct finding *first_of(const struct report *rep, int64_t who, enum part part)
{
	const struct finding *pointing = NULL;
	size_t i;

	for (i = 0; i < rep->nfindings; i++) {
		const struct finding *f = &rep->findings[i];

		if (anchor(f) != who || rule_part(f->rule) != part)
			continue;
		if (direct(f, who))
			return f;
		if (!pointing)
			pointing = f;
	}
	return part == PART_CAUSE ? NULL : pointing;
}

/* The culprit's own identity: from a finding that blames it directly. */
static void take_identity(struct verdict *v, const struct report *rep, int64_t who)
{
	size_t i;

	v->process_id = who > 0 ? who : REPORT_NONE;
	for (i = 0; i < rep->nfindings; i++) {
		const struct finding *f = &rep->findings[i];

		if (!direct(f, who))
			continue;
		v->pid = f->pid;
		v->comm = f->comm ? xstrdup(f->comm) : NULL;
		v->cmdline = f->cmdline ? xstrdup(f->cmdline) : NULL;
		return;
	}
}

static void list_supporting(struct verdict *v, struct report *rep, int64_t who, const struct finding *primary)
{
	double miss = 1.0;
	size_t i;

	v->findings = xreallocarray(NULL, rep->nfindings, sizeof(*v->findings));
	v->findings[v->nfindings++] = (size_t)(primary - rep->findings);
	for (i = 0; i < rep->nfindings; i++) {
		struct finding *f = &rep->findings[i];

		if (anchor(f) != who)
			continue;
		f->in_verdict = 1;
		miss *= 1.0 - f->confidence;
		if (f != primary)
			v->findings[v->nfindings++] = i;
	}
	v->confidence = 1.0 - miss > 0.99 ? 0.99 : 1.0 - miss;
}

static void write_summary(struct verdict *v, const struct report *rep, const struct finding *primary,
			  const struct finding *cause)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addstr(&sb, primary->summary);
	if (cause && cause != primary)
		strbuf_addf(&sb, " Cause: %s", cause->summary);
	if (v->nfindings > 1) {
		strbuf_addstr(&sb, " (corroborated by");
		for (i = 1; i < v->nfindings; i++) {
			const char *rule = rep->findings[v->findings[i]].rule;

			if (!report_verdict_rule_seen(rep, i, rule))
				strbuf_addf(&sb, "%s %s", i > 1 ? "," : "", rule);
		}
		strbuf_addch(&sb, ')');
	}
	v->summary = strbuf_detach(&sb, NULL);
	if (cause)
		v->cause = xstrdup(cause->summary);
}

void verdict_build(struct report *rep)
{
	struct verdict *v = &rep->verdict;
	const struct finding *primary, *cause;
	int64_t who = pick_culprit(rep);

	if (who == REPORT_NONE) {
		v->found = 0;
		v->summary = xstrdup(rep->nfindings ? "no process is clearly to blame: see the findings"
						    : "no leak, churn or exhaustion found");
		return;
	}
	primary = first_of(rep, who, PART_LEAK);
	cause = first_of(rep, who, PART_CAUSE);
	if (!primary)
		primary = cause ? cause : first_of(rep, who, PART_WITNESS);
	v->found = 1;
	take_identity(v, rep, who);
	list_supporting(v, rep, who, primary);
	write_summary(v, rep, primary, cause);
}
