/*
 * Unit tests for reports/report_md.c, report_html.c and report_chart.c:
 * a model with hostile strings everywhere (markup, pipes, backticks,
 * control bytes) and chart data, rendered; the invariant checkers say no
 * markup from the data survives in HTML, and every Markdown table row has
 * its header's cell count. Edge cases: an empty report (no charts, no
 * events, nothing found), a single-instant chart, the event cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define EVIL "<script>alert(1)</script>|`x`&\"'\x01"
#define T0 ((int64_t)1763900000 * 1000000000)
#define SEC ((int64_t)1000000000)

static void fill_hostile(struct report *r)
{
	struct finding *f;
	struct report_chart *c;
	struct report_series *s;
	int i;

	report_init(r);
	r->generated_ns = T0;
	f = report_add_finding(r);
	f->rule = strdup("close_wait_leak");
	f->title = strdup("title " EVIL);
	f->pid = 42;
	f->comm = strdup(EVIL);
	f->cmdline = strdup("/bin/" EVIL " --x");
	f->summary = strdup("summary " EVIL);
	f->figures_text = strdup("a=1, b=``two``|");
	f->evidence = calloc(2, sizeof(*f->evidence));
	f->evidence[0] = strdup("line one " EVIL);
	f->evidence[1] = strdup("line\ntwo | three");
	f->nevidence = 2;
	f->sql = strdup("SELECT '```' AS fence, '|' AS pipe");
	f->remedy = strdup("close it " EVIL);
	f->start_ns = T0;
	f->end_ns = T0 + 60 * SEC;
	f->confidence = 0.9;
	r->verdict.found = 1;
	r->verdict.summary = strdup("verdict " EVIL);
	r->verdict.comm = strdup(EVIL);
	r->verdict.pid = 42;
	r->verdict.findings = calloc(1, sizeof(size_t));
	r->verdict.nfindings = 1;
	report_add_gap(r, "no_pcap", "detail " EVIL, "pcap");
	c = report_add_chart(r, "states", "chart " EVIL, "sockets");
	for (i = 0; i < 10; i++)
		report_series_add(report_chart_series(c, "CLOSE_WAIT"), T0 + i * 2 * SEC, i * 10);
	s = report_chart_series(c, EVIL);
	report_series_add(s, T0, 3);
	c = report_add_chart(r, "fds", "fds", "fds");
	c->limit = 1024;
	report_series_add(report_chart_series(c, "fds"), T0, 1000);
	for (i = 0; i < 50; i++)
		report_add_event(r, T0 + i * SEC, T0 + i * SEC, 42, i % 2 ? "dump" : "transition", "event " EVIL);
}

/* No tag from the data: every '<' starts one of the renderer's own tags. */
static void assert_html_safe(const char *html)
{
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "alert(1)</"));
	assert_null(strchr(html, '\x01'));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;|`x`&amp;&quot;&#39;"));
	assert_non_null(strstr(html, "</html>"));
}

/* Cells of a table row, split on pipes not escaped with a backslash. */
static int md_cells(const char *line, size_t len)
{
	int n = -1;
	size_t i;

	for (i = 0; i < len; i++) {
		if (line[i] == '\\') {
			i++;
			continue;
		}
		if (line[i] == '|')
			n++;
	}
	return n;
}

/* Every row of every table has its header's cell count; no raw '<' from
 * the data outside code (the renderer's <details> lines aside). */
static void assert_md_tables(const char *md)
{
	const char *p = md;
	int header = -1;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len && p[0] == '|') {
			int n = md_cells(p, len);

			if (header < 0)
				header = n;
			else if (n != header)
				fail_msg("row with %d cells, header %d: %.*s", n, header, (int)len, p);
		} else {
			header = -1;
		}
		if (!strncmp(p, "<script", 7) || strstr(p, " <script") == p)
			fail_msg("raw markup: %.*s", (int)len, p);
		p = nl ? nl + 1 : p + len;
	}
}

static void test_html_hostile(void **state)
{
	struct report r;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	fill_hostile(&r);
	assert_int_equal(report_render_html(&r, &sb), 0);
	assert_html_safe(sb.buf);
	assert_non_null(strstr(sb.buf, "id=\"chart-1-svg\""));
	assert_non_null(strstr(sb.buf, "id=\"chart-timeline\""));
	assert_non_null(strstr(sb.buf, "class=\"limit\""));   /* 1024 is near 1000: drawn */
	assert_non_null(strstr(sb.buf, "time (UTC)"));
	strbuf_release(&sb);
	report_free(&r);
}

static void test_md_hostile(void **state)
{
	struct report r;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	fill_hostile(&r);
	assert_int_equal(report_render_md(&r, &sb), 0);
	assert_md_tables(sb.buf);
	assert_true(!strncmp(sb.buf, "# sockmortem report\n", 20));
	/* a comm with a backtick: a two-backtick code span, its pipe escaped */
	assert_non_null(strstr(sb.buf, "`` <script>alert(1)</script>\\|`x`&\"' ``"));
	/* text: markup escaped */
	assert_non_null(strstr(sb.buf, "summary \\<script\\>alert(1)\\</script\\>\\|\\`x\\`\\&\"'"));
	/* the SQL holds ``` so its fence is longer */
	assert_non_null(strstr(sb.buf, "````sql\n"));
	/* 50 events: condensed to 25 + a gap row + 15 */
	assert_non_null(strstr(sb.buf, "| ... | | 10 more events"));
	strbuf_release(&sb);
	report_free(&r);
}

static void test_empty_report(void **state)
{
	struct report r;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	report_init(&r);
	r.verdict.summary = strdup("nothing to blame");
	assert_int_equal(report_render_html(&r, &sb), 0);
	assert_null(strstr(sb.buf, "<svg"));
	assert_non_null(strstr(sb.buf, "nothing to blame"));
	strbuf_reset(&sb);
	assert_int_equal(report_render_md(&r, &sb), 0);
	assert_non_null(strstr(sb.buf, "**Nothing to blame.**"));
	assert_null(strstr(sb.buf, "## Timeline"));
	strbuf_release(&sb);
	report_free(&r);
}

/* One point in time: the axis is padded, no division by zero, no NaN. */
static void test_single_instant(void **state)
{
	struct report r;
	struct strbuf sb = STRBUF_INIT;
	struct report_chart *c;

	(void)state;
	report_init(&r);
	r.verdict.summary = strdup("x");
	c = report_add_chart(&r, "fds", "fds", "fds");
	c->limit = 100000;   /* far above: not drawn, said */
	report_series_add(report_chart_series(c, "fds"), T0, 0);
	assert_int_equal(report_render_html(&r, &sb), 0);
	assert_null(strstr(sb.buf, "nan"));
	assert_null(strstr(sb.buf, "class=\"limit\""));
	assert_non_null(strstr(sb.buf, "above this chart"));
	strbuf_release(&sb);
	report_free(&r);
}

static void test_event_cap(void **state)
{
	struct report r;
	size_t i;

	(void)state;
	report_init(&r);
	for (i = 0; i < REPORT_MAX_EVENTS + 5; i++)
		report_add_event(&r, T0, T0, REPORT_NONE, NULL, NULL);
	assert_int_equal(r.nevents, REPORT_MAX_EVENTS);
	assert_int_equal(r.events_dropped, 5);
	assert_string_equal(r.events[0].kind, "?");
	report_free(&r);
	assert_int_equal(r.nevents, 0);
	assert_null(r.events);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_md_hostile),
		cmocka_unit_test(test_empty_report),
		cmocka_unit_test(test_single_instant),
		cmocka_unit_test(test_event_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
