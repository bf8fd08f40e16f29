/*
 * report: the findings model every renderer reads (text, json, md, html).
 * The analyzer fills it (analyze/rules.c runs the rule files,
 * analyze/gaps.c lists what the collection missed, analyze/verdict.c ties
 * findings into one verdict); renderers only print it, so they never touch
 * the database and a new format is one new file here.
 *
 * Ownership: a struct report owns every string in it (char *); report_free
 * releases all of it. Times are ns since the Unix epoch, REPORT_NONE
 * (INT64_MIN, the same as the analyzer's SM_NONE) when unknown;
 * rate_per_min is NAN when the rule has none.
 */
#ifndef SM_REPORT_H
#define SM_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "strbuf.h"

#define REPORT_FORMAT_VERSION 1
#define REPORT_NONE INT64_MIN

enum severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

struct finding {
	char *rule;               /* stable rule id (close_wait_leak, ...) */
	char *title;              /* the rule's title */
	int64_t process_id;       /* processes.id, REPORT_NONE when no process is blamed */
	int64_t pid;              /* REPORT_NONE when unknown */
	char *comm, *cmdline;     /* NULL when unknown */
	int64_t related_process_id; /* the process the finding points at as the cause, or REPORT_NONE */
	char *role;               /* server | client | NULL */
	int64_t start_ns, end_ns;
	enum severity severity;
	double confidence;        /* 0..1, after gap penalties */
	double rate_per_min;      /* growth per minute, NAN when none */
	char *summary;            /* one sentence: what, who, how much */
	char *figures;            /* a JSON object (always valid JSON) */
	char *figures_text;       /* the same as "key=value, ..." for text output */
	char **evidence;          /* lines */
	size_t nevidence;
	char *sql;                /* reproduces the figures; NULL when the rule gave none */
	char *remedy;
	char *confidence_note;    /* why the confidence was lowered, or NULL */
	int in_verdict;
};

/* What the collection missed; `affects` names the evidence areas (fds,
 * goroutines, pcap, counters, history, sockets) whose findings it weakens. */
struct gap {
	char *kind;               /* stable id: not_root, fd_unreadable, cut_short, ... */
	char *detail;             /* for a human */
	char *affects;            /* comma-separated areas */
};

struct verdict {
	int found;                /* 0: nothing to blame */
	char *summary;
	char *cause;              /* the code-level cause, when a finding names one */
	double confidence;        /* 1 - prod(1 - c) over the supporting findings */
	int64_t process_id, pid;
	char *comm, *cmdline;
	size_t *findings;         /* indexes into report.findings, primary first */
	size_t nfindings;
};

struct report_input {
	char *path;
	char *kind;               /* bundle, lsof, ss, database, ... */
	char *host;
	char *sha256;             /* of the file as loaded (hex) */
	int64_t snapshots;
	int64_t started_ns, ended_ns;
	int complete;
};

/* Chart data for md and html (analyze/report_data.c fills it only when the
 * format asks; text and json leave it empty): series of (time, value). */
struct report_point {
	int64_t ns;
	double value;
};

struct report_series {
	char *name;               /* a tcp state, "fds", a goroutine group ... */
	struct report_point *points;  /* in time order */
	size_t npoints, apoints;
};

struct report_chart {
	char *kind;               /* states | fds | goroutines | host_states */
	char *title;
	char *unit;               /* the value axis: sockets, fds, goroutines */
	int64_t process_id, pid;  /* REPORT_NONE for the host */
	double limit;             /* a line to draw (soft RLIMIT_NOFILE), NAN when none */
	struct report_series *series;
	size_t nseries;
};

/* One event of the merged timeline (analyze/timeline.c). */
struct report_event {
	int64_t ns, last_ns;      /* last_ns > ns: a run of quiet snapshots */
	int64_t pid;              /* REPORT_NONE when none */
	char *kind;               /* v_timeline kind: snapshot, transition, dump, closes ... */
	char *text;               /* the event described, without its time */
};

struct report {
	int64_t generated_ns;
	struct report_input *inputs;
	size_t ninputs;
	char **hosts;
	size_t nhosts;
	struct finding *findings;
	size_t nfindings, afindings;
	struct gap *gaps;
	size_t ngaps, agaps;
	char **skipped;           /* rules not run: "rule: why" */
	size_t nskipped;
	struct verdict verdict;
	struct report_chart *charts;  /* md/html only, see report_chart.c */
	size_t ncharts;
	struct report_event *events;
	size_t nevents, aevents;
	size_t events_dropped;    /* past REPORT_MAX_EVENTS */
};

#define REPORT_MAX_EVENTS 2000

void report_init(struct report *r);
void report_free(struct report *r);
/* A new zeroed finding (times and ids REPORT_NONE, rate NAN), owned by r. */
struct finding *report_add_finding(struct report *r);
/* Adds a gap unless one of the same kind is there; strings are copied. */
void report_add_gap(struct report *r, const char *kind, const char *detail, const char *affects);
void report_add_skipped(struct report *r, const char *what);
/* Orders findings: severity, then confidence, then rule id and pid. */
void report_sort(struct report *r);

const char *severity_name(enum severity s);
/* "critical" ... "info"; -1 when unknown. */
int severity_parse(const char *s, enum severity *out);
/* ISO-8601 UTC ("2026-11-23T14:03:10Z"), or "" for REPORT_NONE. buf >= 32. */
const char *report_time(int64_t ns, char *buf, size_t len);

/* Chart and timeline bookkeeping (report_chart.c); strings are copied. */
struct report_chart *report_add_chart(struct report *r, const char *kind, const char *title, const char *unit);
/* The series named `name` of c, added when missing. */
struct report_series *report_chart_series(struct report_chart *c, const char *name);
void report_series_add(struct report_series *s, int64_t ns, double value);
/* Adds an event; counts it in events_dropped past REPORT_MAX_EVENTS. */
void report_add_event(struct report *r, int64_t ns, int64_t last_ns, int64_t pid, const char *kind, const char *text);
void report_charts_free(struct report *r);

/* Does a verdict finding before index n carry this rule? (Several
 * processes can show one rule: renderers list it once.) */
int report_verdict_rule_seen(const struct report *r, size_t n, const char *rule);

/* Renderers: 0, or -1 when writing failed. */
int report_render_text(const struct report *r, FILE *out, int color);
int report_render_json(const struct report *r, struct strbuf *out);
/* Markdown for a ticket (GitHub/Jira tables); HTML: one self-contained
 * page, charts as inline SVG. Both use charts and events when present. */
int report_render_md(const struct report *r, struct strbuf *out);
int report_render_html(const struct report *r, struct strbuf *out);

#endif
