/* trend: time arguments, buckets and sparklines for `trend`; see trend.h. */
#include "trend.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "numparse.h"

const struct trend_metric trend_metrics[] = {
	{ "close_wait", 1, TREND_SUM, "tcp sockets in CLOSE_WAIT (the peer closed, the owner did not)" },
	{ "established", 1, TREND_SUM, "tcp sockets in ESTABLISHED" },
	{ "fin_wait2", 1, TREND_SUM, "tcp sockets in FIN_WAIT2 (closed here, waiting for the peer)" },
	{ "time_wait", 0, TREND_SUM, "tcp sockets in TIME_WAIT (no owner: per host)" },
	{ "tcp", 1, TREND_SUM, "tcp sockets in any state" },
	{ "sockets", 1, TREND_SUM, "socket fds (host: sockets of every protocol in the tables)" },
	{ "fds", 1, TREND_SUM, "open fds" },
	{ "fd_usage", 1, TREND_MAX, "open fds as % of the soft RLIMIT_NOFILE (the highest in the group)" },
	{ "orphan_fds", 1, TREND_SUM, "socket fds whose socket the kernel has torn down" },
	{ "goroutines", 1, TREND_SUM, "goroutines in the process's dumps" },
	{ "threads", 1, TREND_SUM, "threads" },
	{ "rss_kb", 1, TREND_SUM, "resident memory, KiB" },
	{ NULL, 0, TREND_SUM, NULL },
};

const struct trend_metric *trend_metric_find(const char *name)
{
	const struct trend_metric *m;

	for (m = trend_metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

/* "30m", "24h", "7d", "2w", "90s": a span in seconds, or -1. */
static int64_t trend_span_s(const char *s)
{
	static const struct { char unit; int64_t secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	size_t len = strlen(s), i;
	uint64_t n;

	if (len < 2)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (s[len - 1] != units[i].unit)
			continue;
		/* no more than ~100 years back */
		if (num_u64(s, len - 1, 10, &n) < 0 || n > (uint64_t)(INT64_C(3200000000) / units[i].secs))
			return -1;
		return (int64_t)n * units[i].secs;
	}
	return -1;
}

/* Date and time in UTC; a missing time is midnight, missing seconds 0. */
static int trend_parse_iso(const char *s, int64_t *out_ns)
{
	static const char *const formats[] = {
		"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d",
	};
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (!end || (*end && strcmp(end, "Z") && strcmp(end, "+00:00")))
			continue;
		*out_ns = (int64_t)timegm(&tm) * TREND_NS_PER_S;
		return 0;
	}
	return -1;
}

int trend_parse_time(const char *s, int64_t now_ns, int64_t *out_ns)
{
	uint64_t secs;
	int64_t span;

	if (!s || !*s)
		return -1;
	if (!strcmp(s, "now")) {
		*out_ns = now_ns;
		return 0;
	}
	if (num_u64_str(s, 10, &secs) == 0) {
		if (secs > (uint64_t)(INT64_MAX / TREND_NS_PER_S))
			return -1;
		*out_ns = (int64_t)secs * TREND_NS_PER_S;
		return 0;
	}
	span = trend_span_s(s);
	if (span >= 0) {
		*out_ns = now_ns - span * TREND_NS_PER_S;
		return 0;
	}
	/* strptime accepts " 5" for %d and the like: insist on digits first */
	if (!isdigit((unsigned char)s[0]))
		return -1;
	return trend_parse_iso(s, out_ns);
}

int64_t trend_bucket_start(int64_t t_ns, int64_t width_ns)
{
	int64_t r = t_ns % width_ns;

	return r < 0 ? t_ns - r - width_ns : t_ns - r;
}

static void trend_gm(int64_t t_ns, struct tm *tm)
{
	time_t t = (time_t)trend_bucket_start(t_ns, TREND_NS_PER_S) / TREND_NS_PER_S;

	gmtime_r(&t, tm);
}

void trend_format_iso(int64_t t_ns, char *buf, size_t len)
{
	struct tm tm;

	trend_gm(t_ns, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void trend_format_short(int64_t t_ns, int64_t width_ns, char *buf, size_t len)
{
	struct tm tm;

	trend_gm(t_ns, &tm);
	strftime(buf, len, width_ns % TREND_DAY_NS == 0 ? "%Y-%m-%d" : "%Y-%m-%d %H:%M", &tm);
}

int trend_locale_utf8(const char *lc_all, const char *lc_ctype, const char *lang)
{
	const char *v = lc_all && *lc_all ? lc_all : lc_ctype && *lc_ctype ? lc_ctype : lang;

	if (!v || !*v)
		return 0;   /* the C locale */
	return strcasestr(v, "UTF-8") != NULL || strcasestr(v, "utf8") != NULL;
}

void trend_sparkline(struct strbuf *sb, const double *v, const unsigned char *present, size_t n, size_t width,
		     int utf8)
{
	static const char *const blocks[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char ascii[8] = { '_', '.', '-', '~', '=', '+', '*', '#' };
	size_t per, chars, c, i;
	double lo = 0, hi = 0;
	int any = 0;

	if (!n || !width)
		return;
	per = (n + width - 1) / width;
	chars = (n + per - 1) / per;
	for (i = 0; i < n; i++) {
		if (!present[i])
			continue;
		if (!any || v[i] < lo)
			lo = v[i];
		if (!any || v[i] > hi)
			hi = v[i];
		any = 1;
	}
	for (c = 0; c < chars; c++) {
		double m = 0;
		int have = 0, level;

		for (i = c * per; i < (c + 1) * per && i < n; i++) {
			if (present[i] && (!have || v[i] > m))
				m = v[i];
			have |= present[i];
		}
		if (!have) {
			strbuf_addch(sb, ' ');
			continue;
		}
		if (hi > lo)
			level = (int)((m - lo) / (hi - lo) * 7.0 + 0.5);
		else
			level = hi > 0 ? 3 : 0;
		level = level < 0 ? 0 : level > 7 ? 7 : level;
		if (utf8)
			strbuf_addstr(sb, blocks[level]);
		else
			strbuf_addch(sb, ascii[level]);
	}
}
