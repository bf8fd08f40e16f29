/* report_chart: the chart series and timeline events of a report; see report.h. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct report_chart *report_add_chart(struct report *r, const char *kind, const char *title, const char *unit)
{
	struct report_chart *c;

	r->charts = xreallocarray(r->charts, r->ncharts + 1, sizeof(*r->charts));
	c = &r->charts[r->ncharts++];
	memset(c, 0, sizeof(*c));
	c->kind = xstrdup(kind);
	c->title = xstrdup(title);
	c->unit = xstrdup(unit);
	c->process_id = c->pid = REPORT_NONE;
	c->limit = NAN;
	return c;
}

struct report_series *report_chart_series(struct report_chart *c, const char *name)
{
	struct report_series *s;
	size_t i;

	for (i = 0; i < c->nseries; i++)
		if (!strcmp(c->series[i].name, name))
			return &c->series[i];
	c->series = xreallocarray(c->series, c->nseries + 1, sizeof(*c->series));
	s = &c->series[c->nseries++];
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(name);
	return s;
}

void report_series_add(struct report_series *s, int64_t ns, double value)
{
	if (s->npoints == s->apoints) {
		s->apoints = s->apoints ? s->apoints * 2 : 32;
		s->points = xreallocarray(s->points, s->apoints, sizeof(*s->points));
	}
	s->points[s->npoints].ns = ns;
	s->points[s->npoints].value = value;
	s->npoints++;
}

void report_add_event(struct report *r, int64_t ns, int64_t last_ns, int64_t pid, const char *kind, const char *text)
{
	struct report_event *e;

	if (r->nevents >= REPORT_MAX_EVENTS) {
		r->events_dropped++;
		return;
	}
	if (r->nevents == r->aevents) {
		r->aevents = r->aevents ? r->aevents * 2 : 64;
		r->events = xreallocarray(r->events, r->aevents, sizeof(*r->events));
	}
	e = &r->events[r->nevents++];
	e->ns = ns;
	e->last_ns = last_ns;
	e->pid = pid;
	e->kind = xstrdup(kind ? kind : "?");
	e->text = xstrdup(text ? text : "");
}

void report_charts_free(struct report *r)
{
	size_t i, j;

	for (i = 0; i < r->ncharts; i++) {
		struct report_chart *c = &r->charts[i];

		for (j = 0; j < c->nseries; j++) {
			free(c->series[j].name);
			free(c->series[j].points);
		}
		free(c->series);
		free(c->kind);
		free(c->title);
		free(c->unit);
	}
	free(r->charts);
	r->charts = NULL;
	r->ncharts = 0;
	for (i = 0; i < r->nevents; i++) {
		free(r->events[i].kind);
		free(r->events[i].text);
	}
	free(r->events);
	r->events = NULL;
	r->nevents = r->aevents = r->events_dropped = 0;
}
