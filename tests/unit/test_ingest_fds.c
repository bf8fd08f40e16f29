/*
 * Unit tests for analyze/ingest_fds.c: fds of several processes kept apart;
 * a far fd number goes sparse and comes back into the array when the
 * process's fds grow to reach it (never two intervals for one fd); close
 * reports exactly the fds not seen, once, and forgets them; a hostile fd
 * (negative, 2^40) is kept without a huge array.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ingest_fds.h"

struct closed_log {
	int64_t pid[64], fd[64];
	int n;
};

static int log_closed(void *ctx, int64_t process_id, int64_t fd, const struct ing_fd *f)
{
	struct closed_log *l = ctx;

	(void)f;
	assert_true(l->n < 64);
	l->pid[l->n] = process_id;
	l->fd[l->n++] = fd;
	return 0;
}

/* Marks (pid, fd) seen in snapshot snap; returns whether it was new. */
static int see(struct fd_store *s, int64_t pid, int64_t fd, int64_t snap)
{
	int is_new;
	struct ing_fd *f = fd_store_put(s, pid, fd, &is_new);

	assert_non_null(f);
	if (is_new)
		f->first = snap;
	f->last = snap;
	return is_new;
}

static int count_closed(void *ctx, int64_t process_id, int64_t fd, const struct ing_fd *f)
{
	(void)process_id;
	(void)fd;
	(void)f;
	(*(int *)ctx)++;
	return 0;
}

static void test_processes_apart(void **state)
{
	struct fd_store s;
	struct closed_log l = { .n = 0 };

	(void)state;
	fd_store_init(&s);
	assert_true(see(&s, 1, 3, 1));
	assert_true(see(&s, 2, 3, 1));
	assert_false(see(&s, 1, 3, 2));
	assert_non_null(fd_store_get(&s, 2, 3));
	assert_null(fd_store_get(&s, 2, 4));
	assert_null(fd_store_get(&s, 3, 3));
	/* snapshot 2 saw only (1, 3): (2, 3) closes */
	assert_int_equal(fd_store_close(&s, 2, log_closed, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.pid[0], 2);
	assert_int_equal(l.fd[0], 3);
	assert_null(fd_store_get(&s, 2, 3));
	assert_non_null(fd_store_get(&s, 1, 3));
	/* the end: everything closes */
	l.n = 0;
	assert_int_equal(fd_store_close(&s, 0, log_closed, &l), 0);
	assert_int_equal(l.n, 1);
	assert_null(fd_store_get(&s, 1, 3));
	fd_store_free(&s);
}

static void test_sparse_then_dense(void **state)
{
	struct fd_store s;
	struct closed_log l = { .n = 0 };
	int64_t fd;
	int n = 0;

	(void)state;
	fd_store_init(&s);
	/* a lone high fd: sparse */
	assert_true(see(&s, 7, 5000, 1));
	fd_store_get(&s, 7, 5000)->target_hash = 42;
	/* the process's fds grow past it: the array takes it over, the
	 * interval (and what it carries) stays one */
	for (fd = 0; fd < 3000; fd++)
		assert_true(see(&s, 7, fd, 1));
	assert_false(see(&s, 7, 5000, 2));
	assert_int_equal(fd_store_get(&s, 7, 5000)->target_hash, 42);
	assert_int_equal(fd_store_get(&s, 7, 5000)->first, 1);
	for (fd = 0; fd < 3000; fd++)
		assert_false(see(&s, 7, fd, 2));
	assert_int_equal(fd_store_close(&s, 2, log_closed, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(fd_store_close(&s, 0, count_closed, &n), 0);
	assert_int_equal(n, 3001);
	fd_store_free(&s);
}

static void test_close_counts(void **state)
{
	struct fd_store s;
	int n = 0;
	int64_t fd;

	(void)state;
	fd_store_init(&s);
	for (fd = 0; fd < 3000; fd++)
		see(&s, 9, fd, 1);
	see(&s, 9, 100000, 1);
	/* snapshot 2: the even fds only */
	for (fd = 0; fd < 3000; fd += 2)
		see(&s, 9, fd, 2);
	assert_int_equal(fd_store_close(&s, 2, count_closed, &n), 0);
	assert_int_equal(n, 1500 + 1);
	n = 0;
	assert_int_equal(fd_store_close(&s, 2, count_closed, &n), 0);
	assert_int_equal(n, 0);   /* forgotten, not reported twice */
	assert_int_equal(fd_store_close(&s, 0, count_closed, &n), 0);
	assert_int_equal(n, 1500);
	fd_store_free(&s);
}

static void test_hostile_numbers(void **state)
{
	struct fd_store s;
	int n = 0;

	(void)state;
	fd_store_init(&s);
	assert_true(see(&s, 1, -5, 1));
	assert_true(see(&s, 1, (int64_t)1 << 40, 1));
	assert_true(see(&s, 1, INT64_MAX, 1));
	assert_false(see(&s, 1, -5, 1));
	assert_non_null(fd_store_get(&s, 1, (int64_t)1 << 40));
	assert_int_equal(fd_store_close(&s, 0, count_closed, &n), 0);
	assert_int_equal(n, 3);
	fd_store_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_processes_apart),
		cmocka_unit_test(test_sparse_then_dense),
		cmocka_unit_test(test_close_counts),
		cmocka_unit_test(test_hostile_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
