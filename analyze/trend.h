/*
 * trend: the pure pieces of `sockmortem trend` (time arguments, buckets,
 * sparklines, the metric table), apart from the command so that unit
 * tests and other renderers can use them. No SQLite here.
 */
#ifndef SM_TREND_H
#define SM_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define TREND_NS_PER_S INT64_C(1000000000)
#define TREND_HOUR_NS (INT64_C(3600) * TREND_NS_PER_S)
#define TREND_DAY_NS (INT64_C(86400) * TREND_NS_PER_S)

/* How a metric's process rows add up within a group and snapshot. */
enum trend_combine { TREND_SUM, TREND_MAX };

struct trend_metric {
	const char *name;
	int per_process;              /* 0: host rows only (time_wait) */
	enum trend_combine combine;
	const char *what;             /* one line for --help */
};

/* The metric called name, or NULL. */
const struct trend_metric *trend_metric_find(const char *name);
/* All metrics, NULL-terminated by name. */
extern const struct trend_metric trend_metrics[];

/*
 * A --since/--until argument into ns since the epoch (UTC):
 * "2026-11-20", "2026-11-20T09:00", "2026-11-20T09:00:00[Z|+00:00]" (also
 * with a space for T), epoch seconds, "now", or a span back from now_ns:
 * "30m", "24h", "7d", "2w", "90s". 0 or -1.
 */
int trend_parse_time(const char *s, int64_t now_ns, int64_t *out_ns);

/* The start of the bucket of width_ns holding t (floor, also before 1970). */
int64_t trend_bucket_start(int64_t t_ns, int64_t width_ns);

/* A bucket start as ISO-8601 UTC ("2026-11-20T09:00:00Z") or short
 * ("2026-11-20" for days, "2026-11-20 09:00" for hours). */
void trend_format_iso(int64_t t_ns, char *buf, size_t len);
void trend_format_short(int64_t t_ns, int64_t width_ns, char *buf, size_t len);

/* Does the locale environment say UTF-8? (LC_ALL, else LC_CTYPE, else LANG) */
int trend_locale_utf8(const char *lc_all, const char *lc_ctype, const char *lang);

/*
 * A sparkline of n values (present[i] 0 = no data: a blank) in at most
 * width characters: when n > width, each character shows the largest
 * value of ceil(n / width) consecutive buckets. Scaled from the smallest
 * to the largest value shown; a flat line is the lowest block (all zero)
 * or the middle one. UTF-8 blocks ▁▂▃▄▅▆▇█, or ASCII _.-~=+*#.
 */
void trend_sparkline(struct strbuf *sb, const double *v, const unsigned char *present, size_t n, size_t width,
		     int utf8);

#endif
