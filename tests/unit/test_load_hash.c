/*
 * Unit tests for a bundle's hash, computed on a thread while it loads:
 * whether the thread finished it or the loading thread took it over part
 * way, the digest is the file's (checked against the one-shot hash of the
 * same bytes, and against a known digest).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load.h"

/* A temporary file of n bytes of a fixed pattern; its path in path. */
static void write_file(char *path, size_t cap, size_t n)
{
	FILE *f;
	size_t i;
	int fd;

	snprintf(path, cap, "/tmp/sm-test-hash-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	for (i = 0; i < n; i++)
		fputc((int)((i * 7 + i / 251) & 0xff), f);
	assert_int_equal(fclose(f), 0);
}

static void hash_both_ways(size_t n, int wait_ms)
{
	char path[64], want[65], got[65], *data;
	struct load_hash *h;
	struct timespec ts = { 0, (long)wait_ms * 1000000L };
	FILE *f;

	write_file(path, sizeof(path), n);
	data = malloc(n + 1);
	assert_non_null(data);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(data, 1, n, f), n);
	fclose(f);
	assert_int_equal(load_sha256_buf(data, n, want), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(load_sha256_file(path, got), 0);
	assert_string_equal(got, want);

	h = load_hash_start(path);
	assert_non_null(h);
	if (wait_ms)
		nanosleep(&ts, NULL);
	memset(got, 0, sizeof(got));
	assert_int_equal(load_hash_finish(h, got), 0);
	assert_string_equal(got, want);
	unlink(path);
	free(data);
}

/* Finished at once: the thread is stopped early, the rest hashed here. */
static void t_taken_over(void **state)
{
	(void)state;
	hash_both_ways(16u << 20, 0);
}

/* Waited for: the thread had time to finish on its own. */
static void t_thread_finished(void **state)
{
	(void)state;
	hash_both_ways(200000, 300);
}

static void t_empty_and_known(void **state)
{
	char path[64], got[65];
	struct load_hash *h;

	(void)state;
	write_file(path, sizeof(path), 0);
	h = load_hash_start(path);
	assert_non_null(h);
	assert_int_equal(load_hash_finish(h, got), 0);
	assert_string_equal(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	unlink(path);
}

/* Dropped part way (a load that failed): stopped and freed, nothing leaks. */
static void t_dropped(void **state)
{
	char path[64];

	(void)state;
	write_file(path, sizeof(path), 4u << 20);
	load_hash_drop(load_hash_start(path));
	load_hash_drop(NULL);
	unlink(path);
}

static void t_missing_file(void **state)
{
	char got[65];

	(void)state;
	assert_null(load_hash_start("/nonexistent/sm-test-hash"));
	assert_int_equal(load_sha256_file("/nonexistent/sm-test-hash", got), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_taken_over),
		cmocka_unit_test(t_thread_finished),
		cmocka_unit_test(t_empty_and_known),
		cmocka_unit_test(t_dropped),
		cmocka_unit_test(t_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
