/* log_unwrap: a Go trace inside a log; see log_unwrap.h. */
#include "log_unwrap.h"

#include <string.h>

#include "lines.h"

enum style { STYLE_SYSLOG, STYLE_CRI, STYLE_TIMESTAMP, STYLE_DOCKER_JSON, NSTYLES };

static const char *const style_names[NSTYLES] = { "syslog", "cri", "timestamp", "docker-json" };

/* Docker's json-file driver: {"log":"goroutine 1 [running]:\n","stream":...} */
#define DOCKER_JSON "{\"log\":\""

/* What a prefix said: its length, its RFC 3339 time if it has one, and
 * for syslog the program and pid. */
struct prefix {
	size_t len;
	const char *ts;
	size_t ts_len;
	const char *ident;
	size_t ident_len;
	int64_t pid;
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int printable(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return 0;
	return n > 0;
}

/* n digits at p[i..]; i past them, or 0. */
static size_t digits(const char *p, size_t n, size_t i, size_t count)
{
	size_t k;

	for (k = 0; k < count; k++, i++)
		if (i >= n || !is_digit(p[i]))
			return 0;
	return i;
}

/* "2026-11-24T10:00:00[.123456789](Z|+00:00|+0000)": its length, or 0. */
static size_t ts_rfc3339(const char *p, size_t n)
{
	size_t i = digits(p, n, 0, 4);

	if (!i || i + 15 > n || p[i] != '-' || !digits(p, n, i + 1, 2) || p[i + 3] != '-' ||
	    !digits(p, n, i + 4, 2) || (p[i + 6] != 'T' && p[i + 6] != ' ') || !digits(p, n, i + 7, 2) ||
	    p[i + 9] != ':' || !digits(p, n, i + 10, 2) || p[i + 12] != ':' || !digits(p, n, i + 13, 2))
		return 0;
	i += 15;
	if (i < n && (p[i] == '.' || p[i] == ','))
		for (i++; i < n && is_digit(p[i]); i++)
			;
	if (i < n && p[i] == 'Z')
		return i + 1;
	if (i < n && (p[i] == '+' || p[i] == '-') && digits(p, n, i + 1, 2)) {
		i += 3;
		if (i < n && p[i] == ':')
			i++;
		return digits(p, n, i, 2);
	}
	return 0;
}

/* The value of n digits at p (already checked to be digits). */
static int64_t digits_value(const char *p, size_t n)
{
	int64_t v = 0;

	while (n--)
		v = v * 10 + (*p++ - '0');
	return v;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil): no time zone, no libc state. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* A time ts_rfc3339 accepted (len bytes at p) in ns since the epoch, or 0
 * when a field is out of range (before 1971: a clock never set; past
 * 2200: it would not fit). */
static int64_t rfc3339_ns(const char *p, size_t len)
{
	int64_t y = digits_value(p, 4), mo = digits_value(p + 5, 2), d = digits_value(p + 8, 2), h = digits_value(p + 11, 2),
		mi = digits_value(p + 14, 2), s = digits_value(p + 17, 2), ns = 0, off = 0, scale = 100000000;
	size_t i = 19;

	if (y < 1971 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return 0;
	if (p[i] == '.' || p[i] == ',')
		for (i++; i < len && is_digit(p[i]); i++, scale /= 10)
			ns += (p[i] - '0') * scale;
	if (p[i] == '+' || p[i] == '-') {
		off = digits_value(p + i + 1, 2) * 3600 + digits_value(p + len - 2, 2) * 60;
		if (p[i] == '-')
			off = -off;
	}
	return ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - off) * 1000000000) + ns;
}

/* "Nov 24 10:00:00[.123456]" (day padded with a space or not): length or 0. */
static size_t ts_syslog(const char *p, size_t n)
{
	size_t i = 4;

	if (n < 15 || p[0] < 'A' || p[0] > 'Z' || p[1] < 'a' || p[1] > 'z' || p[2] < 'a' || p[2] > 'z' || p[3] != ' ')
		return 0;
	if (p[i] == ' ')
		i++;
	if (!is_digit(p[i]))
		return 0;
	i += is_digit(p[i + 1]) ? 2 : 1;
	if (i + 9 > n || p[i] != ' ' || !digits(p, n, i + 1, 2) || p[i + 3] != ':' || !digits(p, n, i + 4, 2) ||
	    p[i + 6] != ':' || !digits(p, n, i + 7, 2))
		return 0;
	i += 9;
	if (i < n && p[i] == '.')
		for (i++; i < n && is_digit(p[i]); i++)
			;
	return i;
}

/* After a timestamp at i: " host ident[pid]: " (journalctl, syslog). */
static int syslog_rest(const char *p, size_t n, size_t i, struct prefix *px)
{
	size_t h, id;

	if (i >= n || p[i] != ' ')
		return 0;
	for (h = ++i; i < n && p[i] != ' '; i++)
		;
	if (i == h || i >= n)
		return 0;
	for (id = ++i; i < n && p[i] != ' ' && p[i] != ':' && p[i] != '['; i++)
		;
	if (i == id || i >= n)
		return 0;
	px->ident = p + id;
	px->ident_len = i - id;
	px->pid = -1;
	if (p[i] == '[') {
		size_t d = ++i;
		int64_t pid = 0;

		for (; i < n && is_digit(p[i]) && i - d < 10; i++)
			pid = pid * 10 + (p[i] - '0');
		if (i == d || i >= n || p[i] != ']')
			return 0;
		px->pid = pid;
		i++;
	}
	if (i + 1 >= n || p[i] != ':' || p[i + 1] != ' ')
		return 0;
	px->len = i + 2;
	return 1;
}

/* A json-file line's "time" (after the text, which cannot hold the
 * unescaped quote that would end it) into px->ts. */
static void docker_json_time(const char *p, size_t n, struct prefix *px)
{
	static const char key[] = "\",\"time\":\"";
	const char *t = memmem(p, n, key, sizeof(key) - 1);
	size_t off;

	px->ts_len = 0;
	if (!t)
		return;
	off = (size_t)(t - p) + sizeof(key) - 1;
	px->ts = p + off;
	px->ts_len = ts_rfc3339(px->ts, n - off);
}

/* Does the line start with the given prefix style? Fills px. */
static int prefix_match(enum style s, const char *p, size_t n, struct prefix *px)
{
	size_t t = ts_rfc3339(p, n);

	memset(px, 0, sizeof(*px));
	px->pid = -1;
	px->ts = p;
	px->ts_len = t;
	switch (s) {
	case STYLE_SYSLOG:
		if (!t)
			t = ts_syslog(p, n);
		return t && syslog_rest(p, n, t, px);
	case STYLE_CRI:
		if (!t || t + 10 > n || p[t] != ' ' || (memcmp(p + t + 1, "stdout ", 7) && memcmp(p + t + 1, "stderr ", 7)) ||
		    (p[t + 8] != 'F' && p[t + 8] != 'P') || p[t + 9] != ' ')
			return 0;
		px->len = t + 10;
		return 1;
	case STYLE_TIMESTAMP:
		if (!t || t >= n || p[t] != ' ')
			return 0;
		px->len = t + 1;
		return 1;
	case STYLE_DOCKER_JSON:
		px->len = sizeof(DOCKER_JSON) - 1;
		if (n < px->len || memcmp(p, DOCKER_JSON, px->len))
			return 0;
		docker_json_time(p, n, px);
		return 1;
	default:
		return 0;
	}
}

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* A \uXXXX escape at p (after the backslash and 'u') as UTF-8 into dst
 * (room for 3): its length; a surrogate, which would need its pair, is '?'. */
static size_t json_u(const char *p, size_t n, char *dst)
{
	unsigned v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		if ((size_t)k >= n || (h = hex_value(p[k])) < 0)
			return 0;
		v = v * 16 + (unsigned)h;
	}
	if (v < 0x80) {
		dst[0] = (char)v;
		return 1;
	}
	if (v < 0x800) {
		dst[0] = (char)(0xc0 | v >> 6);
		dst[1] = (char)(0x80 | (v & 0x3f));
		return 2;
	}
	if (v >= 0xd800 && v <= 0xdfff) {
		dst[0] = '?';
		return 1;
	}
	dst[0] = (char)(0xe0 | v >> 12);
	dst[1] = (char)(0x80 | ((v >> 6) & 0x3f));
	dst[2] = (char)(0x80 | (v & 0x3f));
	return 3;
}

/*
 * The JSON string at p (after its opening quote), decoded into dst (at
 * most cap bytes; never more than n), up to its closing quote: its decoded
 * length. Newlines inside become spaces and the one that ends a docker
 * log entry goes, so that a line stays one line.
 */
static size_t json_text(const char *p, size_t n, char *dst, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < n && p[i] != '"' && o + 3 <= cap) {
		char c = p[i++];

		if (c == '\\' && i < n) {
			char e = p[i++];

			if (e == 'u') {
				size_t k = json_u(p + i, n - i, dst + o);

				if (!k)
					break;
				o += k;
				i += 4;
				continue;
			}
			c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
		}
		dst[o++] = c == '\n' ? ' ' : c;
	}
	if (o && dst[o - 1] == ' ' && i >= 2 && p[i - 1] == 'n' && p[i - 2] == '\\')
		o--;
	return o;
}

/* The text a line holds after its prefix px, appended to out. */
static void line_text(enum style s, const char *line, size_t n, const struct prefix *px, struct strbuf *out)
{
	if (s != STYLE_DOCKER_JSON) {
		strbuf_add(out, line + px->len, n - px->len);
		return;
	}
	strbuf_grow(out, n);
	out->len += json_text(line + px->len, n - px->len, out->buf + out->len, n);
	out->buf[out->len] = '\0';
}

static int starts(const char *p, size_t n, const char *s)
{
	size_t k = strlen(s);

	return n >= k && !memcmp(p, s, k);
}

/* The first line of a Go trace: a goroutine header or what Go prints
 * before one on SIGQUIT, a panic or a fatal error. */
static int trace_start(const char *p, size_t n)
{
	if (starts(p, n, "goroutine ") && n > 10 && is_digit(p[10]))
		return 1;
	return starts(p, n, "SIGQUIT: quit") || starts(p, n, "panic: ") || starts(p, n, "fatal error: ");
}

/* The trace's first line and its prefix style, or 0 when there is none. */
static int find_trace(const char *buf, size_t len, enum style *style, struct prefix *trace, uint64_t *lineno)
{
	struct line_iter it;
	const char *line;
	size_t n;
	int s;

	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n))
		for (s = 0; s < NSTYLES; s++) {
			const char *text;
			char head[64];
			size_t tn;

			if (!prefix_match((enum style)s, line, n, trace))
				continue;
			text = line + trace->len;
			tn = n - trace->len;
			if (s == STYLE_DOCKER_JSON) {   /* enough of it to know a trace */
				tn = json_text(text, tn, head, sizeof(head));
				text = head;
			}
			if (trace_start(text, tn)) {
				*style = (enum style)s;
				*lineno = it.lineno;
				return 1;
			}
		}
	return 0;
}

/* A syslog line of the same program and process as the trace's. */
static int same_program(const struct prefix *a, const struct prefix *b)
{
	return a->pid == b->pid && a->ident_len == b->ident_len && !memcmp(a->ident, b->ident, a->ident_len);
}

int log_unwrap(const char *buf, size_t len, struct strbuf *out, struct log_unwrap_info *info)
{
	struct prefix trace, px;
	struct line_iter it;
	const char *line;
	enum style style;
	uint64_t first;
	size_t n;

	if (!find_trace(buf, len, &style, &trace, &first))
		return 0;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n)) {
		if (it.lineno >= first && prefix_match(style, line, n, &px) &&
		    (style != STYLE_SYSLOG || same_program(&px, &trace)))
			line_text(style, line, n, &px, out);
		/* every line ends with one, so that an empty last line still
		 * counts as a line */
		strbuf_addch(out, '\n');
	}
	info->style = style_names[style];
	info->pid = style == STYLE_SYSLOG ? trace.pid : -1;
	info->time_ns = trace.ts_len ? rfc3339_ns(trace.ts, trace.ts_len) : 0;
	info->program[0] = '\0';
	/* a name of bytes a terminal would act on is no name: left out */
	if (style == STYLE_SYSLOG && trace.ident_len < sizeof(info->program) && printable(trace.ident, trace.ident_len)) {
		memcpy(info->program, trace.ident, trace.ident_len);
		info->program[trace.ident_len] = '\0';
	}
	info->first_line = first;
	return 1;
}
