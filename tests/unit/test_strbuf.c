/* Unit tests for lib/strbuf.c: growth, NUL termination, detach, formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strbuf.h"

static void test_init_empty(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb, 0);
	assert_non_null(sb.buf);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	assert_non_null(sb.buf);
	assert_int_equal(sb.len, 0);

	strbuf_init(&sb, 100);
	assert_true(sb.alloc >= 101);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	strbuf_release(&sb);
	assert_int_equal(sb.alloc, 0);
}

/* STRBUF_INIT leaves buf NULL: every entry point must cope. */
static void test_static_init(void **state)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT, d = STRBUF_INIT;

	(void)state;
	strbuf_add(&a, "xy", 2);
	assert_string_equal(a.buf, "xy");
	strbuf_addf(&b, "%d-%s", 42, "z");
	assert_string_equal(b.buf, "42-z");
	assert_int_equal(b.len, 4);
	strbuf_reset(&c);
	assert_non_null(c.buf);
	assert_string_equal(c.buf, "");
	strbuf_release(&d);   /* never used: must not crash */
	assert_non_null(d.buf);
	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&c);
}

static void test_add_and_grow(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char expect[10001];
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		char ch = (char)('a' + i % 26);
		if (i % 3 == 0)
			strbuf_addch(&sb, ch);
		else
			strbuf_add(&sb, &ch, 1);
		expect[i] = ch;
		/* always NUL-terminated, always within the allocation */
		assert_int_equal(sb.buf[sb.len], '\0');
		assert_true(sb.len < sb.alloc);
	}
	expect[10000] = '\0';
	assert_int_equal(sb.len, 10000);
	assert_memory_equal(sb.buf, expect, 10001);
	strbuf_release(&sb);
}

static void test_add_binary(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	static const char bin[] = { 'a', '\0', 'b', '\n', '\0' };

	(void)state;
	strbuf_add(&sb, bin, sizeof(bin));
	assert_int_equal(sb.len, sizeof(bin));
	assert_memory_equal(sb.buf, bin, sizeof(bin));
	assert_int_equal(sb.buf[sb.len], '\0');
	strbuf_add(&sb, NULL, 0);   /* zero bytes: a no-op */
	assert_int_equal(sb.len, sizeof(bin));
	strbuf_addstr(&sb, "");
	assert_int_equal(sb.len, sizeof(bin));
	strbuf_release(&sb);
}

static void test_reset(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t alloc;

	(void)state;
	strbuf_addstr(&sb, "hello world");
	alloc = sb.alloc;
	strbuf_reset(&sb);
	assert_int_equal(sb.len, 0);
	assert_string_equal(sb.buf, "");
	assert_int_equal(sb.alloc, alloc);   /* keeps the memory */
	strbuf_addstr(&sb, "again");
	assert_string_equal(sb.buf, "again");
	strbuf_release(&sb);
}

static void test_addf_long(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char big[5000];
	size_t i;

	(void)state;
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	strbuf_addstr(&sb, "<");
	/* longer than the first vsnprintf attempt: takes the regrow path */
	strbuf_addf(&sb, "%s|%d|%s", big, -7, "end");
	assert_int_equal(sb.len, 1 + 4999 + 4 + 3);
	assert_int_equal(sb.buf[0], '<');
	for (i = 1; i < 5000; i++)
		assert_int_equal(sb.buf[i], 'q');
	assert_string_equal(sb.buf + 5000, "|-7|end");
	strbuf_addf(&sb, "%s", "");
	assert_int_equal(sb.len, 5007);
	strbuf_addf(&sb, "%05u%c", 12u, 'x');
	assert_string_equal(sb.buf + 5007, "00012x");
	strbuf_release(&sb);
}

/* Many small formatted appends crossing every growth boundary. */
static void test_addf_many(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char expect[64];
	size_t pos = 0;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++)
		strbuf_addf(&sb, "%d,", i);
	for (i = 0; i < 3000; i++) {
		int n = snprintf(expect, sizeof(expect), "%d,", i);
		assert_true(pos + (size_t)n <= sb.len);
		assert_memory_equal(sb.buf + pos, expect, (size_t)n);
		pos += (size_t)n;
	}
	assert_int_equal(pos, sb.len);
	assert_int_equal(strlen(sb.buf), sb.len);
	strbuf_release(&sb);
}

static void test_detach(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 99;
	char *p;

	(void)state;
	/* Detaching an empty strbuf still yields a freeable string. */
	p = strbuf_detach(&sb, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	free(p);

	strbuf_addstr(&sb, "owned");
	p = strbuf_detach(&sb, &len);
	assert_int_equal(len, 5);
	assert_string_equal(p, "owned");
	/* sb is empty and reusable, and no longer owns p */
	assert_int_equal(sb.len, 0);
	assert_int_equal(sb.alloc, 0);
	assert_string_equal(sb.buf, "");
	strbuf_addstr(&sb, "new");
	assert_string_equal(sb.buf, "new");
	assert_string_equal(p, "owned");
	free(p);
	p = strbuf_detach(&sb, NULL);
	assert_string_equal(p, "new");
	free(p);
}

static void test_grow(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *before;

	(void)state;
	strbuf_grow(&sb, 1000);
	assert_true(sb.alloc >= 1001);
	before = sb.buf;
	/* writing within the grown space needs no reallocation */
	memset(sb.buf, 'z', 1000);
	sb.len = 1000;
	sb.buf[1000] = '\0';
	strbuf_grow(&sb, 0);
	assert_ptr_equal(sb.buf, before);
	assert_int_equal(strlen(sb.buf), 1000);
	strbuf_release(&sb);
}

static void test_xhelpers(void **state)
{
	char *s, *p;
	int *arr;
	size_t i;

	(void)state;
	s = xstrdup("dup me");
	assert_string_equal(s, "dup me");
	free(s);
	p = xmalloc(0);   /* zero-size still gives a pointer */
	assert_non_null(p);
	free(p);
	arr = xcalloc(16, sizeof(*arr));
	for (i = 0; i < 16; i++)
		assert_int_equal(arr[i], 0);
	arr = xreallocarray(arr, 1024, sizeof(*arr));
	arr[1023] = 5;
	assert_int_equal(arr[0], 0);
	free(arr);
}

/* Overflowing n * size must abort, not wrap to a small allocation. */
static void test_xreallocarray_overflow_aborts(void **state)
{
	pid_t pid;
	int status = 0;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *p;

		/* keep the child's abort quiet and free of core dumps */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		p = xreallocarray(NULL, SIZE_MAX / 2 + 2, 2);
		(void)p;
		_exit(0);   /* reached only if the overflow went unnoticed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_static_init),
		cmocka_unit_test(test_add_and_grow),
		cmocka_unit_test(test_add_binary),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_addf_long),
		cmocka_unit_test(test_addf_many),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_xhelpers),
		cmocka_unit_test(test_xreallocarray_overflow_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
