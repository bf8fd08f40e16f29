/*
 * Unit tests for lib/json.c. Besides exact expected strings, every output
 * goes through a small strict JSON checker (RFC 8259 grammar, strings must
 * be valid UTF-8 with no raw control bytes), so "always valid JSON" is
 * checked on hostile input too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "strbuf.h"

/* ---- a strict, tiny JSON checker ------------------------------------- */

struct jp {
	const unsigned char *p, *end;
	int depth;
};

static int jp_value(struct jp *j);

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return 0;
	j->p += n;
	return 1;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF. */
static size_t jp_utf8(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > left)
		return 0;
	cp = s[0] & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int jp_string(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return 0;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = *j->p;
		size_t n;

		if (c == '"') {
			j->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return 0;
			c = *j->p++;
			if (c == 'u') {
				int k;
				for (k = 0; k < 4; k++, j->p++)
					if (j->p >= j->end || !is_hex(*j->p))
						return 0;
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				return 0;
			}
			continue;
		}
		n = jp_utf8(j->p, (size_t)(j->end - j->p));
		if (!n)
			return 0;
		j->p += n;
	}
	return 0;
}

static int jp_digits(struct jp *j)
{
	const unsigned char *s = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s;
}

static int jp_number(struct jp *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!jp_digits(j))
		return 0;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!jp_digits(j))
			return 0;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!jp_digits(j))
			return 0;
	}
	return 1;
}

static int jp_container(struct jp *j, unsigned char close, int is_object)
{
	if (++j->depth > 64)
		return 0;
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 1;
	}
	for (;;) {
		jp_ws(j);
		if (is_object) {
			if (!jp_string(j))
				return 0;
			jp_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return 0;
		}
		if (!jp_value(j))
			return 0;
		jp_ws(j);
		if (j->p >= j->end)
			return 0;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return 1;
		}
		return 0;
	}
}

static int jp_value(struct jp *j)
{
	jp_ws(j);
	if (j->p >= j->end)
		return 0;
	switch (*j->p) {
	case '{': return jp_container(j, '}', 1);
	case '[': return jp_container(j, ']', 0);
	case '"': return jp_string(j);
	case 't': return jp_lit(j, "true");
	case 'f': return jp_lit(j, "false");
	case 'n': return jp_lit(j, "null");
	default: return jp_number(j);
	}
}

static int json_valid(const char *s, size_t len)
{
	struct jp j = { (const unsigned char *)s, (const unsigned char *)s + len, 0 };

	if (!jp_value(&j))
		return 0;
	jp_ws(&j);
	return j.p == j.end;
}

/* The checker itself must reject what it should. */
static void test_checker_sanity(void **state)
{
	(void)state;
#define V(s) json_valid(s, strlen(s))
	assert_true(V("{\"a\":[1,2.5,-0.1e3,true,false,null,\"x\"]}"));
	assert_true(V(" [ ] "));
	assert_false(V("{\"a\":1,}"));
	assert_false(V("\"a\nb\""));
	assert_false(V("\"\\x\""));
	assert_false(V("\"\\u12\""));
	assert_false(V("\"\xff\""));
	assert_false(V("\"\xc0\xaf\""));
	assert_false(V("\"abc"));
	assert_false(V("01"));
	assert_false(V("{} x"));
	assert_false(V(""));
#undef V
}

/* ---- json_str ---------------------------------------------------------- */

/* Escapes len bytes of in and compares with want; also checks validity. */
static void check_str(const char *in, size_t len, const char *want)
{
	struct strbuf sb = STRBUF_INIT;

	json_str(&sb, in, len);
	if (strcmp(sb.buf, want))
		fail_msg("json_str: got %s, want %s", sb.buf, want);
	assert_int_equal(sb.len, strlen(want));
	if (!json_valid(sb.buf, sb.len))
		fail_msg("json_str output is not valid JSON: %s", sb.buf);
	strbuf_release(&sb);
}

#define CHECK_STR(lit, want) check_str(lit, sizeof(lit) - 1, want)

static void test_str_plain(void **state)
{
	(void)state;
	CHECK_STR("", "\"\"");
	CHECK_STR("nginx", "\"nginx\"");
	CHECK_STR("a/b c", "\"a/b c\"");
}

static void test_str_quotes(void **state)
{
	(void)state;
	CHECK_STR("say \"hi\"", "\"say \\\"hi\\\"\"");
	CHECK_STR("back\\slash", "\"back\\\\slash\"");
	CHECK_STR("\"", "\"\\\"\"");
	CHECK_STR("\\\"", "\"\\\\\\\"\"");
	CHECK_STR("\\", "\"\\\\\"");
}

static void test_str_control(void **state)
{
	(void)state;
	CHECK_STR("a\nb", "\"a\\nb\"");
	CHECK_STR("\t\r", "\"\\t\\r\"");
	CHECK_STR("\x01\x1f", "\"\\u0001\\u001f\"");
	CHECK_STR("\x7f", "\"\\u007f\"");
	CHECK_STR("\b\f\x1b[0m", "\"\\u0008\\u000c\\u001b[0m\"");
	/* NUL bytes in the middle are data, not terminators */
	CHECK_STR("a\0b", "\"a\\u0000b\"");
	CHECK_STR("\0", "\"\\u0000\"");
}

static void test_str_invalid_utf8(void **state)
{
	(void)state;
	CHECK_STR("\xff", "\"\\u00ff\"");
	CHECK_STR("\x80", "\"\\u0080\"");
	CHECK_STR("a\xfe" "b", "\"a\\u00feb\"");
	/* overlong encodings */
	CHECK_STR("\xc0\xaf", "\"\\u00c0\\u00af\"");
	CHECK_STR("\xc1\xbf", "\"\\u00c1\\u00bf\"");
	CHECK_STR("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");
	CHECK_STR("\xf0\x80\x80\xaf", "\"\\u00f0\\u0080\\u0080\\u00af\"");
	/* UTF-16 surrogates encoded in UTF-8 */
	CHECK_STR("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
	/* above U+10FFFF */
	CHECK_STR("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"");
	CHECK_STR("\xf5\x80\x80\x80", "\"\\u00f5\\u0080\\u0080\\u0080\"");
	/* truncated sequences, at the end and before ASCII */
	CHECK_STR("\xc3", "\"\\u00c3\"");
	CHECK_STR("\xe2\x82", "\"\\u00e2\\u0082\"");
	CHECK_STR("\xe2\x82x", "\"\\u00e2\\u0082x\"");
	CHECK_STR("\xf0\x9f\x98", "\"\\u00f0\\u009f\\u0098\"");
	/* a lead byte followed by another lead byte */
	CHECK_STR("\xc3\xc3\xa9", "\"\\u00c3\xc3\xa9\"");
}

static void test_str_valid_utf8(void **state)
{
	(void)state;
	CHECK_STR("caf\xc3\xa9", "\"caf\xc3\xa9\"");                    /* é, 2 bytes */
	CHECK_STR("\xc2\x80", "\"\xc2\x80\"");                           /* U+0080 */
	CHECK_STR("\xe2\x82\xac", "\"\xe2\x82\xac\"");                   /* €, 3 bytes */
	CHECK_STR("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");                   /* U+0800 */
	CHECK_STR("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");                   /* U+FFFD */
	CHECK_STR("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");           /* emoji, 4 bytes */
	CHECK_STR("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");           /* U+10FFFF */
	CHECK_STR("\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"");
	/* valid and invalid mixed */
	CHECK_STR("\xc3\xa9\xff\xc3\xa9", "\"\xc3\xa9\\u00ff\xc3\xa9\"");
}

/* Every single byte value and every byte pair yields valid JSON. */
static void test_str_all_bytes(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned char buf[3];
	unsigned a, b;

	(void)state;
	for (a = 0; a < 256; a++) {
		for (b = 0; b < 256; b++) {
			buf[0] = (unsigned char)a;
			buf[1] = (unsigned char)b;
			buf[2] = 0xa9;
			strbuf_reset(&sb);
			json_str(&sb, (const char *)buf, 3);
			if (!json_valid(sb.buf, sb.len))
				fail_msg("invalid JSON for bytes %02x %02x a9: %s", a, b, sb.buf);
		}
	}
	strbuf_release(&sb);
}

/* Only len bytes are read: a string without NUL and a prefix of one. */
static void test_str_len_bound(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char noterm[3] = { 'a', 'b', 'c' };

	(void)state;
	json_str(&sb, noterm, sizeof(noterm));
	assert_string_equal(sb.buf, "\"abc\"");
	strbuf_reset(&sb);
	json_str(&sb, "abcdef", 2);
	assert_string_equal(sb.buf, "\"ab\"");
	strbuf_reset(&sb);
	/* a 2-byte sequence cut by len is escaped, not read past */
	json_str(&sb, "\xc3\xa9", 1);
	assert_string_equal(sb.buf, "\"\\u00c3\"");
	strbuf_release(&sb);
}

/* ---- object helpers ---------------------------------------------------- */

static void test_object(void **state)
{
	char *list[] = { (char *)"x\ty", NULL };
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addch(&sb, '{');
	json_kv_str(&sb, "name", "a\"b", 1);
	json_kv_str(&sb, "nothing", NULL, 0);
	json_kv_u64(&sb, "big", UINT64_MAX, 0);
	json_kv_i64(&sb, "neg", INT64_MIN, 0);
	json_kv_double(&sb, "half", 0.5, 0);
	json_kv_double(&sb, "nan", NAN, 0);
	json_kv_double(&sb, "inf", -INFINITY, 0);
	json_kv_bool(&sb, "yes", 7, 0);
	json_kv_bool(&sb, "no", 0, 0);
	json_key(&sb, "list", 0);
	json_strs(&sb, list, 2);
	json_key(&sb, "empty", 0);
	json_strs(&sb, NULL, 0);
	strbuf_addch(&sb, '}');
	assert_string_equal(sb.buf,
		"{\"name\":\"a\\\"b\",\"nothing\":null,\"big\":18446744073709551615,"
		"\"neg\":-9223372036854775808,\"half\":0.500000,\"nan\":null,\"inf\":null,"
		"\"yes\":true,\"no\":false,\"list\":[\"x\\ty\",null],\"empty\":[]}");
	assert_true(json_valid(sb.buf, sb.len));
	strbuf_release(&sb);
}

/* Keys are escaped like values: a hostile key cannot break the object. */
static void test_hostile_key(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addch(&sb, '{');
	json_kv_str(&sb, "k\"\n\xff", "v\\", 1);
	json_kv_i64(&sb, "", -1, 0);
	strbuf_addch(&sb, '}');
	assert_string_equal(sb.buf, "{\"k\\\"\\n\\u00ff\":\"v\\\\\",\"\":-1}");
	assert_true(json_valid(sb.buf, sb.len));
	strbuf_release(&sb);
}

static void test_double_format(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	strbuf_addch(&sb, '{');
	json_kv_double(&sb, "a", 1e300, 1);
	json_kv_double(&sb, "b", -0.0000001, 0);
	json_kv_double(&sb, "c", 3.0, 0);
	strbuf_addch(&sb, '}');
	assert_true(json_valid(sb.buf, sb.len));
	assert_non_null(strstr(sb.buf, "\"c\":3.000000"));
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_sanity),
		cmocka_unit_test(test_str_plain),
		cmocka_unit_test(test_str_quotes),
		cmocka_unit_test(test_str_control),
		cmocka_unit_test(test_str_invalid_utf8),
		cmocka_unit_test(test_str_valid_utf8),
		cmocka_unit_test(test_str_all_bytes),
		cmocka_unit_test(test_str_len_bound),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_hostile_key),
		cmocka_unit_test(test_double_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
