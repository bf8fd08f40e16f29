/*
 * report_html: the report as ONE self-contained HTML page: no network, no
 * script, no external font or style sheet (a Content-Security-Policy says
 * so to the browser too), charts drawn as inline SVG from report.charts
 * and report.events (analyze/report_data.c fills them).
 *
 * Every chart shares one time axis (UTC), so a jump in CLOSE_WAIT, the fd
 * count and the goroutine groups line up with the timeline's events below
 * them. SVGs scale with the page (viewBox, width 100%); long text wraps
 * instead of widening the page.
 *
 * Bundles come from strangers: every string (comm, cmdline, paths, stack
 * functions, rule text) goes through html_esc(), in text and attributes
 * alike; ids and classes are made here, never taken from the data.
 */
#include "report.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* Chart geometry in viewBox units; the page scales it. */
#define HC_W 960
#define HC_H 250
#define HC_L 112   /* room for the timeline's lane names and value ticks */
#define HC_R 18
#define HC_T 14
#define HC_B 44
#define HC_LANE 24

struct hc_axis {
	int64_t t0, t1;           /* shared time range, ns */
	double vmax, vstep;       /* value range 0..vmax */
	int h;                    /* this chart's height */
};

/* Text for HTML, in content and in quoted attributes alike. */
static void html_esc(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': strbuf_addstr(sb, "&amp;"); break;
		case '<': strbuf_addstr(sb, "&lt;"); break;
		case '>': strbuf_addstr(sb, "&gt;"); break;
		case '"': strbuf_addstr(sb, "&quot;"); break;
		case '\'': strbuf_addstr(sb, "&#39;"); break;
		default:
			/* control bytes are not allowed in HTML text */
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				strbuf_addch(sb, *s);
			else
				strbuf_addstr(sb, "\xef\xbf\xbd");
		}
	}
}

static void html_tag(struct strbuf *sb, const char *open, const char *text, const char *close)
{
	strbuf_addstr(sb, open);
	html_esc(sb, text);
	strbuf_addstr(sb, close);
}

static const char html_style[] =
	"*{box-sizing:border-box}"
	"body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2430;background:#f4f6f9}"
	"main{max-width:1100px;margin:0 auto;padding:16px}"
	"h1{font-size:1.5em;margin:.2em 0 .6em}h2{font-size:1.2em;margin:1.4em 0 .5em}h3{font-size:1.05em;margin:0 0 .4em}"
	"section,article,figure{background:#fff;border:1px solid #d8dee8;border-radius:6px;padding:12px 14px;margin:0 0 14px}"
	"figure{margin:0 0 14px}figcaption{font-weight:600;margin-bottom:4px;overflow-wrap:anywhere}"
	".verdict{border-left:6px solid #c62828}.verdict.none{border-left-color:#2e7d32}"
	".who{font-size:1.15em;font-weight:700;overflow-wrap:anywhere}.who code{font-size:1em}"
	"svg.plot{display:block;width:100%;height:auto;max-width:100%}"
	"svg text{font:12px system-ui,sans-serif;fill:#445}svg .title{font-weight:600;fill:#223}"
	"svg .grid{stroke:#e3e7ee;stroke-width:1}svg .frame{stroke:#98a2b3;stroke-width:1;fill:none}"
	"svg .limit{stroke:#c62828;stroke-width:1.5;stroke-dasharray:6 4}svg .limit-label{fill:#c62828}"
	"svg .lane{stroke:#eef1f5;stroke-width:1}"
	".legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin-top:4px;font-size:.9em}"
	".legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}"
	"table{border-collapse:collapse;width:100%;table-layout:auto}"
	"td,th{border-bottom:1px solid #e6e9ef;padding:3px 8px 3px 0;text-align:left;vertical-align:top;overflow-wrap:anywhere}"
	"th{font-weight:600;white-space:nowrap}"
	"pre,code{font:13px ui-monospace,Menlo,Consolas,monospace}"
	"pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:8px;border-radius:4px;margin:.4em 0}"
	"code{overflow-wrap:anywhere}"
	".sev{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;font-size:.85em;font-weight:700;text-transform:uppercase}"
	".sev-critical,.sev-high{background:#c62828}.sev-medium{background:#ef6c00}.sev-low{background:#0277bd}.sev-info{background:#607d8b}"
	".muted{color:#667085}.scroll{max-height:520px;overflow:auto}";

/* ---- axes ---------------------------------------------------------- */

static double hc_x(const struct hc_axis *a, int64_t ns)
{
	double span = (double)(a->t1 - a->t0);

	return HC_L + (HC_W - HC_L - HC_R) * ((double)(ns - a->t0) / span);
}

static double hc_y(const struct hc_axis *a, double v)
{
	return HC_T + (a->h - HC_T - HC_B) * (1.0 - v / a->vmax);
}

/* 1, 2, 5 x 10^k: at most about six ticks up to max, whole numbers. */
static void hc_value_range(struct hc_axis *a, double max)
{
	double raw, mag, f, step;

	if (!(max > 0))
		max = 1;
	raw = max / 5;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
	if (step < 1)
		step = 1;
	a->vstep = step;
	a->vmax = ceil(max * 1.05 / step) * step;
}

/* The time range of every chart and event, padded when it is one instant. */
static void hc_time_range(const struct report *r, struct hc_axis *a)
{
	size_t i, j, k;

	a->t0 = INT64_MAX;
	a->t1 = INT64_MIN;
	for (i = 0; i < r->ncharts; i++)
		for (j = 0; j < r->charts[i].nseries; j++)
			for (k = 0; k < r->charts[i].series[j].npoints; k++) {
				int64_t t = r->charts[i].series[j].points[k].ns;

				a->t0 = t < a->t0 ? t : a->t0;
				a->t1 = t > a->t1 ? t : a->t1;
			}
	for (i = 0; i < r->nevents; i++) {
		a->t0 = r->events[i].ns < a->t0 ? r->events[i].ns : a->t0;
		a->t1 = r->events[i].last_ns > a->t1 ? r->events[i].last_ns : a->t1;
		a->t1 = r->events[i].ns > a->t1 ? r->events[i].ns : a->t1;
	}
	if (a->t0 > a->t1)
		a->t0 = a->t1 = r->generated_ns;
	if (a->t1 - a->t0 < 10 * (int64_t)1000000000) {
		a->t0 -= 5 * (int64_t)1000000000;
		a->t1 += 5 * (int64_t)1000000000;
	}
}

static void hc_tick_label(int64_t sec, int64_t step, char *buf, size_t len)
{
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, step < 60 ? "%H:%M:%S" : step < 86400 ? "%H:%M" : "%m-%d", &tm);
}

/* Ticks on whole UTC seconds, minutes, hours or days: at most 8. */
static void hc_time_axis(struct strbuf *sb, const struct hc_axis *a)
{
	static const int64_t steps[] = { 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
					 10800, 21600, 43200, 86400, 172800, 604800 };
	int64_t s0 = a->t0 / 1000000000, s1 = a->t1 / 1000000000, step = steps[0], t;
	char buf[32], first[32];
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		step = steps[i];
		if ((s1 - s0) / step <= 8)
			break;
	}
	strbuf_addstr(sb, "<g class=\"axis x\">");
	for (t = (s0 / step + 1) * step; t <= s1; t += step) {
		double x = hc_x(a, t * (int64_t)1000000000);

		hc_tick_label(t, step, buf, sizeof(buf));
		strbuf_addf(sb, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>", x, x, HC_T,
			    a->h - HC_B + 4);
		strbuf_addf(sb, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, a->h - HC_B + 17, buf);
	}
	report_time(a->t0, first, sizeof(first));
	strbuf_addf(sb, "<text class=\"title\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (UTC), from %s</text></g>",
		    HC_L + (HC_W - HC_L - HC_R) / 2, a->h - 6, first);
}

static void hc_value_axis(struct strbuf *sb, const struct hc_axis *a, const char *unit)
{
	double v;

	strbuf_addstr(sb, "<g class=\"axis y\">");
	for (v = 0; v <= a->vmax + a->vstep / 2; v += a->vstep) {
		double y = hc_y(a, v);

		strbuf_addf(sb, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", HC_L - 4,
			    HC_W - HC_R, y, y);
		strbuf_addf(sb, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>", HC_L - 7, y + 4, v);
	}
	strbuf_addf(sb, "<text class=\"title\" transform=\"translate(%d %d) rotate(-90)\" text-anchor=\"middle\">",
		    16, HC_T + (a->h - HC_T - HC_B) / 2);
	html_esc(sb, unit);
	strbuf_addstr(sb, "</text></g>");
}

/* ---- line charts --------------------------------------------------- */

static const char *hc_color(const char *name, size_t idx)
{
	static const struct {
		const char *name, *color;
	} known[] = {
		{ "ESTABLISHED", "#2e7d32" }, { "CLOSE_WAIT", "#c62828" }, { "FIN_WAIT2", "#ef6c00" },
		{ "FIN_WAIT1", "#f9a825" }, { "TIME_WAIT", "#6a1b9a" }, { "LISTEN", "#78909c" },
		{ "SYN_SENT", "#0277bd" }, { "SYN_RECV", "#00838f" }, { "LAST_ACK", "#8d6e63" },
		{ "CLOSING", "#ad1457" }, { "fds", "#1565c0" }, { "socket fds", "#2e7d32" },
		{ "orphaned fds", "#c62828" },
	};
	static const char *const palette[] = { "#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a",
					       "#00838f", "#ad1457", "#5d4037", "#827717", "#37474f" };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(name, known[i].name))
			return known[i].color;
	return palette[idx % (sizeof(palette) / sizeof(palette[0]))];
}

static double hc_series_max(const struct report_series *s)
{
	double m = 0;
	size_t i;

	for (i = 0; i < s->npoints; i++)
		if (s->points[i].value > m)
			m = s->points[i].value;
	return m;
}

static void hc_series(struct strbuf *sb, const struct hc_axis *a, const struct report_series *s, size_t idx)
{
	const char *color = hc_color(s->name, idx);
	size_t i;

	strbuf_addf(sb, "<g class=\"series\" data-series=\"%zu\"><title>", idx);
	html_esc(sb, s->name);
	strbuf_addf(sb, "</title><polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"",
		    color);
	for (i = 0; i < s->npoints; i++)
		strbuf_addf(sb, "%s%.1f,%.1f", i ? " " : "", hc_x(a, s->points[i].ns), hc_y(a, s->points[i].value));
	strbuf_addstr(sb, "\"/>");
	/* dots show where the samples are when there are few of them */
	for (i = 0; s->npoints <= 90 && i < s->npoints; i++)
		strbuf_addf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\"/>", hc_x(a, s->points[i].ns),
			    hc_y(a, s->points[i].value), color);
	strbuf_addstr(sb, "</g>");
}

static void hc_legend(struct strbuf *sb, const struct report_chart *c)
{
	size_t i;

	strbuf_addstr(sb, "<div class=\"legend\">");
	for (i = 0; i < c->nseries; i++) {
		const struct report_series *s = &c->series[i];

		strbuf_addf(sb, "<span><i style=\"background:%s\"></i>", hc_color(s->name, i));
		html_esc(sb, s->name);
		if (s->npoints)
			strbuf_addf(sb, " <span class=\"muted\">(last %.0f, max %.0f)</span>",
				    s->points[s->npoints - 1].value, hc_series_max(s));
		strbuf_addstr(sb, "</span>");
	}
	if (isfinite(c->limit))
		strbuf_addf(sb, "<span><i style=\"background:#c62828;height:3px;vertical-align:3px\"></i>"
				"soft limit (RLIMIT_NOFILE) %.0f</span>", c->limit);
	strbuf_addstr(sb, "</div>");
}

static void hc_line_chart(struct strbuf *sb, const struct report_chart *c, size_t n, const struct hc_axis *range)
{
	struct hc_axis a = *range;
	double max = 0;
	int show_limit;
	size_t i;

	for (i = 0; i < c->nseries; i++)
		if (hc_series_max(&c->series[i]) > max)
			max = hc_series_max(&c->series[i]);
	/* A limit far above the data would flatten it to the axis: draw the
	 * limit line only when it is near, else say how far it is. */
	show_limit = isfinite(c->limit) && c->limit <= 3 * max;
	a.h = HC_H;
	hc_value_range(&a, show_limit && c->limit > max ? c->limit : max);
	strbuf_addf(sb, "<figure class=\"chart\" id=\"chart-%zu\" data-kind=\"", n);
	html_esc(sb, c->kind);
	strbuf_addstr(sb, "\">");
	html_tag(sb, "<figcaption>", c->title, "</figcaption>");
	strbuf_addf(sb, "<svg class=\"plot\" id=\"chart-%zu-svg\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", n,
		    HC_W, a.h);
	html_esc(sb, c->title);
	strbuf_addstr(sb, "\">");
	hc_value_axis(sb, &a, c->unit);
	hc_time_axis(sb, &a);
	if (show_limit) {
		double y = hc_y(&a, c->limit);

		strbuf_addf(sb, "<line class=\"limit\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", HC_L, HC_W - HC_R, y, y);
		strbuf_addf(sb, "<text class=\"limit-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">soft limit %.0f</text>",
			    HC_W - HC_R - 4, y + 14, c->limit);
	} else if (isfinite(c->limit)) {
		strbuf_addf(sb, "<text class=\"limit-label\" x=\"%d\" y=\"%d\" text-anchor=\"end\">soft limit %.0f: "
				"above this chart (at most %.1f%% used)</text>", HC_W - HC_R - 4, HC_T + 14, c->limit,
			    100.0 * max / c->limit);
	}
	strbuf_addstr(sb, "<g class=\"data\">");
	for (i = 0; i < c->nseries; i++)
		hc_series(sb, &a, &c->series[i], i);
	strbuf_addf(sb, "</g><rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></svg>", HC_L, HC_T,
		    HC_W - HC_L - HC_R, a.h - HC_T - HC_B);
	hc_legend(sb, c);
	strbuf_addstr(sb, "</figure>\n");
}

/* ---- the timeline chart -------------------------------------------- */

static const char *const hc_kinds[] = { "source", "snapshot", "errors", "process_start", "process_exit",
					"transition", "fd_jump", "orphans", "dump", "closes", "close_delay" };
#define HC_NKINDS (sizeof(hc_kinds) / sizeof(hc_kinds[0]))

/* The lane of a kind; unknown kinds share the last one ("other"). */
static size_t hc_kind_index(const char *kind)
{
	size_t i;

	for (i = 0; i < HC_NKINDS; i++)
		if (!strcmp(kind, hc_kinds[i]))
			return i;
	return HC_NKINDS;
}

static void hc_event(struct strbuf *sb, const struct hc_axis *a, const struct report_event *e, double y, const char *color)
{
	char t[32];
	double x = hc_x(a, e->ns);

	strbuf_addstr(sb, "<g><title>");
	strbuf_addstr(sb, report_time(e->ns, t, sizeof(t)));
	strbuf_addch(sb, ' ');
	html_esc(sb, e->text);
	strbuf_addstr(sb, "</title>");
	if (e->last_ns > e->ns)
		strbuf_addf(sb, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"8\" rx=\"3\" fill=\"%s\" opacity=\".55\"/>",
			    x, y - 4, hc_x(a, e->last_ns) - x, color);
	strbuf_addf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" opacity=\".8\"/></g>", x, y, color);
}

static void hc_timeline_chart(struct strbuf *sb, const struct report *r, const struct hc_axis *range)
{
	int lane[HC_NKINDS + 1];
	size_t i, nlanes = 0;
	struct hc_axis a = *range;

	memset(lane, -1, sizeof(lane));
	for (i = 0; i < r->nevents; i++)
		lane[hc_kind_index(r->events[i].kind)] = 0;
	for (i = 0; i <= HC_NKINDS; i++)
		if (lane[i] == 0)
			lane[i] = (int)nlanes++;
	a.h = HC_T + (int)nlanes * HC_LANE + HC_B + 6;
	strbuf_addf(sb, "<figure class=\"chart\" id=\"chart-timeline\" data-kind=\"timeline\"><figcaption>"
			"The merged timeline: %zu event%s from every source</figcaption>",
		    r->nevents, r->nevents == 1 ? "" : "s");
	strbuf_addf(sb, "<svg class=\"plot\" id=\"chart-timeline-svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
			"aria-label=\"merged timeline\"><g class=\"axis y\">", HC_W, a.h);
	for (i = 0; i <= HC_NKINDS; i++) {
		double y = HC_T + (lane[i] + 0.5) * HC_LANE;

		if (lane[i] < 0)
			continue;
		strbuf_addf(sb, "<line class=\"lane\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>", HC_L, HC_W - HC_R, y, y);
		strbuf_addf(sb, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", HC_L - 7, y + 4,
			    i < HC_NKINDS ? hc_kinds[i] : "other");
	}
	strbuf_addstr(sb, "</g>");
	hc_time_axis(sb, &a);
	strbuf_addstr(sb, "<g class=\"data\">");
	for (i = 0; i < r->nevents; i++) {
		size_t k = hc_kind_index(r->events[i].kind);

		hc_event(sb, &a, &r->events[i], HC_T + (lane[k] + 0.5) * HC_LANE, hc_color("", k));
	}
	strbuf_addf(sb, "</g><rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/></svg>", HC_L, HC_T,
		    HC_W - HC_L - HC_R, a.h - HC_T - HC_B);
	if (r->events_dropped)
		strbuf_addf(sb, "<p class=\"muted\">%zu more events not drawn (sockmortem timeline lists them all).</p>",
			    r->events_dropped);
	strbuf_addstr(sb, "</figure>\n");
}

/* ---- text sections ------------------------------------------------- */

static void hs_who(struct strbuf *sb, int64_t pid, const char *comm)
{
	if (pid == REPORT_NONE && !comm) {
		strbuf_addstr(sb, "(no process)");
		return;
	}
	html_tag(sb, "<code>", comm ? comm : "?", "</code>");
	if (pid != REPORT_NONE)
		strbuf_addf(sb, " (pid %lld)", (long long)pid);
}

static void hs_verdict(struct strbuf *sb, const struct report *r)
{
	const struct verdict *v = &r->verdict;
	size_t i;

	strbuf_addf(sb, "<section class=\"verdict%s\" id=\"verdict\"><h2>Verdict</h2>", v->found ? "" : " none");
	if (!v->found) {
		html_tag(sb, "<p>", v->summary, "</p></section>\n");
		return;
	}
	strbuf_addstr(sb, "<p class=\"who\">");
	hs_who(sb, v->pid, v->comm);
	strbuf_addstr(sb, "</p>");
	html_tag(sb, "<p>", v->summary, "</p><table>");
	if (v->cmdline && *v->cmdline)
		html_tag(sb, "<tr><th>cmdline</th><td><code>", v->cmdline, "</code></td></tr>");
	if (v->cause)
		html_tag(sb, "<tr><th>cause</th><td>", v->cause, "</td></tr>");
	strbuf_addf(sb, "<tr><th>confidence</th><td>%.2f</td></tr><tr><th>findings</th><td>", v->confidence);
	for (i = 0; i < v->nfindings; i++) {
		strbuf_addf(sb, "%s<a href=\"#finding-%zu\">[%zu] ", i ? ", " : "", v->findings[i] + 1, v->findings[i] + 1);
		html_esc(sb, r->findings[v->findings[i]].rule);
		strbuf_addstr(sb, "</a>");
	}
	strbuf_addstr(sb, "</td></tr></table></section>\n");
}

static void hs_finding_facts(struct strbuf *sb, const struct finding *f)
{
	char a[32], b[32];

	strbuf_addstr(sb, "<table><tr><th>process</th><td>");
	hs_who(sb, f->pid, f->comm);
	strbuf_addstr(sb, "</td></tr>");
	if (f->cmdline && *f->cmdline)
		html_tag(sb, "<tr><th>cmdline</th><td><code>", f->cmdline, "</code></td></tr>");
	if (f->role)
		html_tag(sb, "<tr><th>role</th><td>", f->role, "</td></tr>");
	if (f->start_ns != REPORT_NONE) {
		strbuf_addf(sb, "<tr><th>span</th><td>%s", report_time(f->start_ns, a, sizeof(a)));
		if (f->end_ns != REPORT_NONE && f->end_ns != f->start_ns)
			strbuf_addf(sb, " .. %s", report_time(f->end_ns, b, sizeof(b)));
		strbuf_addstr(sb, "</td></tr>");
	}
	if (isfinite(f->rate_per_min))
		strbuf_addf(sb, "<tr><th>rate</th><td>%+.1f/min</td></tr>", f->rate_per_min);
	strbuf_addf(sb, "<tr><th>confidence</th><td>%.2f", f->confidence);
	if (f->confidence_note)
		html_tag(sb, " <span class=\"muted\">(", f->confidence_note, ")</span>");
	strbuf_addstr(sb, "</td></tr>");
	if (f->figures_text && *f->figures_text)
		html_tag(sb, "<tr><th>figures</th><td><code>", f->figures_text, "</code></td></tr>");
	strbuf_addstr(sb, "</table>");
}

static void hs_finding(struct strbuf *sb, const struct finding *f, size_t idx)
{
	size_t i;

	strbuf_addf(sb, "<article class=\"finding\" id=\"finding-%zu\"><h3>[%zu] <span class=\"sev sev-%s\">%s</span> ",
		    idx + 1, idx + 1, severity_name(f->severity), severity_name(f->severity));
	html_tag(sb, "<code>", f->rule, "</code>");
	if (f->title)
		html_tag(sb, " ", f->title, "");
	strbuf_addstr(sb, "</h3>");
	html_tag(sb, "<p>", f->summary, "</p>");
	hs_finding_facts(sb, f);
	if (f->nevidence) {
		strbuf_addstr(sb, "<h4>Evidence</h4><ul>");
		for (i = 0; i < f->nevidence; i++)
			html_tag(sb, "<li>", f->evidence[i], "</li>");
		strbuf_addstr(sb, "</ul>");
	}
	if (f->remedy)
		html_tag(sb, "<p><strong>Remedy:</strong> ", f->remedy, "</p>");
	if (f->sql)
		html_tag(sb, "<details><summary>SQL that reproduces it</summary><pre>", f->sql, "</pre></details>");
	strbuf_addstr(sb, "</article>\n");
}

static void hs_events(struct strbuf *sb, const struct report *r)
{
	char t[32];
	size_t i;

	if (!r->nevents)
		return;
	strbuf_addf(sb, "<section id=\"timeline\"><h2>Timeline</h2><div class=\"scroll\"><table>"
			"<tr><th>time (UTC)</th><th>kind</th><th>event</th></tr>");
	for (i = 0; i < r->nevents; i++) {
		strbuf_addf(sb, "<tr><td>%s</td>", report_time(r->events[i].ns, t, sizeof(t)));
		html_tag(sb, "<td>", r->events[i].kind, "</td>");
		html_tag(sb, "<td>", r->events[i].text, "</td></tr>");
	}
	strbuf_addstr(sb, "</table></div></section>\n");
}

static void hs_gaps(struct strbuf *sb, const struct report *r)
{
	size_t i;

	if (!r->ngaps && !r->nskipped)
		return;
	strbuf_addstr(sb, "<section id=\"gaps\"><h2>Collection gaps</h2><table><tr><th>gap</th><th>detail</th>"
			  "<th>weakens</th></tr>");
	for (i = 0; i < r->ngaps; i++) {
		html_tag(sb, "<tr><td><code>", r->gaps[i].kind, "</code></td>");
		html_tag(sb, "<td>", r->gaps[i].detail, "</td>");
		html_tag(sb, "<td>", r->gaps[i].affects, "</td></tr>");
	}
	for (i = 0; i < r->nskipped; i++)
		html_tag(sb, "<tr><td>rule not run</td><td>", r->skipped[i], "</td><td></td></tr>");
	strbuf_addstr(sb, "</table></section>\n");
}

static void hs_inputs(struct strbuf *sb, const struct report *r)
{
	char a[32], b[32];
	size_t i;

	strbuf_addstr(sb, "<section id=\"inputs\"><h2>Inputs</h2><table><tr><th>input</th><th>kind</th><th>host</th>"
			  "<th>snapshots</th><th>from</th><th>to</th></tr>");
	for (i = 0; i < r->ninputs; i++) {
		const struct report_input *in = &r->inputs[i];

		html_tag(sb, "<tr><td><code>", in->path, "</code>");
		if (!in->complete)
			strbuf_addstr(sb, " <strong>cut short</strong>");
		html_tag(sb, "</td><td>", in->kind, "</td>");
		html_tag(sb, "<td>", in->host ? in->host : "", "</td>");
		strbuf_addf(sb, "<td>%lld</td><td>%s</td><td>%s</td></tr>", (long long)in->snapshots,
			    report_time(in->started_ns, a, sizeof(a)), report_time(in->ended_ns, b, sizeof(b)));
	}
	strbuf_addstr(sb, "</table></section>\n");
}

static void hs_charts(struct strbuf *sb, const struct report *r)
{
	struct hc_axis a = { 0 };
	size_t i;

	if (!r->ncharts && !r->nevents)
		return;
	hc_time_range(r, &a);
	strbuf_addstr(sb, "<h2 id=\"charts\">Over time</h2>\n<div class=\"grid1\">");
	for (i = 0; i < r->ncharts; i++)
		hc_line_chart(sb, &r->charts[i], i + 1, &a);
	if (r->nevents)
		hc_timeline_chart(sb, r, &a);
	strbuf_addstr(sb, "</div>\n");
}

int report_render_html(const struct report *r, struct strbuf *sb)
{
	char t[32];
	size_t i;

	strbuf_addstr(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			  "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			  "style-src 'unsafe-inline'; img-src data:\">"
			  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			  "<title>sockmortem report");
	if (r->verdict.found && r->verdict.comm)
		html_tag(sb, ": ", r->verdict.comm, "");
	strbuf_addf(sb, "</title><style>%s</style></head>\n<body><main>\n<h1>sockmortem report</h1>\n", html_style);
	hs_verdict(sb, r);
	hs_charts(sb, r);
	if (r->nfindings)
		strbuf_addf(sb, "<h2 id=\"findings\">Findings (%zu)</h2>\n", r->nfindings);
	for (i = 0; i < r->nfindings; i++)
		hs_finding(sb, &r->findings[i], i);
	hs_events(sb, r);
	hs_gaps(sb, r);
	hs_inputs(sb, r);
	strbuf_addf(sb, "<p class=\"muted\">Generated by sockmortem at %s.</p>\n</main></body></html>\n",
		    report_time(r->generated_ns, t, sizeof(t)));
	return 0;
}
