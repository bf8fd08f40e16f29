/* Minimal JSON writer; see json.h. */
#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at s, or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s, size_t left)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	cp = n == 2 ? (uint32_t)(s[0] & 0x1f) : n == 3 ? (uint32_t)(s[0] & 0x0f) : (uint32_t)(s[0] & 0x07);
	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_str(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	strbuf_addch(sb, '"');
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		if (c == '"' || c == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, c);
		} else if (c == '\n') {
			strbuf_addstr(sb, "\\n");
		} else if (c == '\t') {
			strbuf_addstr(sb, "\\t");
		} else if (c == '\r') {
			strbuf_addstr(sb, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			strbuf_addf(sb, "\\u%04x", c);
		} else if (c >= 0x80) {
			n = utf8_seq_len(p + i, len - i);
			if (!n) {
				strbuf_addf(sb, "\\u%04x", c);
			} else {
				strbuf_add(sb, p + i, n);
				i += n;
				continue;
			}
		} else {
			strbuf_addch(sb, c);
		}
		i++;
	}
	strbuf_addch(sb, '"');
}

void json_cstr(struct strbuf *sb, const char *s)
{
	if (!s)
		strbuf_addstr(sb, "null");
	else
		json_str(sb, s, strlen(s));
}

void json_key(struct strbuf *sb, const char *key, int first)
{
	if (!first)
		strbuf_addch(sb, ',');
	json_cstr(sb, key);
	strbuf_addch(sb, ':');
}

void json_kv_str(struct strbuf *sb, const char *key, const char *val, int first)
{
	json_key(sb, key, first);
	json_cstr(sb, val);
}

void json_kv_u64(struct strbuf *sb, const char *key, uint64_t val, int first)
{
	json_key(sb, key, first);
	strbuf_addf(sb, "%" PRIu64, val);
}

void json_kv_i64(struct strbuf *sb, const char *key, int64_t val, int first)
{
	json_key(sb, key, first);
	strbuf_addf(sb, "%" PRId64, val);
}

void json_kv_double(struct strbuf *sb, const char *key, double val, int first)
{
	json_key(sb, key, first);
	if (isfinite(val))
		strbuf_addf(sb, "%.6f", val);
	else
		strbuf_addstr(sb, "null");
}

void json_kv_bool(struct strbuf *sb, const char *key, int val, int first)
{
	json_key(sb, key, first);
	strbuf_addstr(sb, val ? "true" : "false");
}

void json_strs(struct strbuf *sb, char *const *strs, size_t n)
{
	size_t i;

	strbuf_addch(sb, '[');
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ',');
		json_cstr(sb, strs[i]);
	}
	strbuf_addch(sb, ']');
}
