/*
 * Unit tests for lib/termsafe.c: text passes unchanged (newline, carriage
 * return, tab, UTF-8 included); ESC, BEL, NUL-free control bytes and DEL
 * come out as \xHH, so a hostile member name cannot drive a terminal; the
 * text report's own colour codes pass.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"

/* What writing s through a termsafe stream gives. */
static char *through(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	FILE *f;

	assert_non_null(mem);
	f = termsafe_open(mem, _IONBF);
	assert_non_null(f);
	fprintf(f, "%s", s);
	fclose(f);
	fclose(mem);
	return buf;
}

static void test_plain_text_unchanged(void **state)
{
	char *out = through("sockmortem: b.tar.zst: snap/000001/net/tcp: ok\r\n\tcaf\xc3\xa9\n");

	(void)state;
	assert_string_equal(out, "sockmortem: b.tar.zst: snap/000001/net/tcp: ok\r\n\tcaf\xc3\xa9\n");
	free(out);
}

static void test_controls_escaped(void **state)
{
	char *out = through("snap/\x1b]0;owned\x07x\x1b[2J\x7f\x01y\n");

	(void)state;
	assert_string_equal(out, "snap/\\x1b]0;owned\\x07x\\x1b[2J\\x7f\\x01y\n");
	free(out);
}

/* The report's own colours still colour; anything else is shown. */
static void test_report_colours_pass(void **state)
{
	char *out = through("\033[1;31mhigh\033[0m \033[8mhidden\033[0m \033[2J");

	(void)state;
	assert_string_equal(out, "\033[1;31mhigh\033[0m \\x1b[8mhidden\033[0m \\x1b[2J");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text_unchanged),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_report_colours_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
