/*
 * Unit tests for collect/guard.c: deadline-bounded /proc reads.
 *
 * A read that blocks: read_file_at() opens with O_NONBLOCK, so a FIFO by
 * itself never blocks (test_fifo_never_blocks checks exactly that: EAGAIN
 * with a writer, EOF without). To stand in for a /proc/PID/cmdline read
 * stuck on a hung process's mmap lock, this file defines read(): guard.o
 * links against it, and for the one FIFO the test arms it clears
 * O_NONBLOCK and reads with the raw syscall, so the guard thread really
 * sleeps in the kernel until the test writes to the FIFO and closes it.
 * Every other read goes straight to the syscall.
 */
#undef _FORTIFY_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guard.h"
#include "strbuf.h"
#include "testsys.h"

static char tmpdir[256];
static int tmpfd = -1;
static int procself = -1;

/* The armed FIFO: reads of it block like a hung /proc read. */
static volatile int fifo_armed;
static dev_t fifo_dev;
static ino_t fifo_ino;

ssize_t read(int fd, void *buf, size_t count)
{
	struct stat st;

	if (fifo_armed && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    st.st_dev == fifo_dev && st.st_ino == fifo_ino) {
		int fl = fcntl(fd, F_GETFL);

		if (fl >= 0 && (fl & O_NONBLOCK))
			(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	return (ssize_t)syscall(SYS_read, fd, buf, count);
}

/* Polls until the count of entries in dir is back to want (<= 5 s). */
static int wait_entries(const char *dir, int want)
{
	int i, n = -1;

	for (i = 0; i < 500; i++) {
		n = testsys_count_entries(dir);
		if (n == want)
			break;
		testsys_sleep_ms(10);
	}
	return n;
}

/* Creates tmpdir/name as a FIFO; arms it if asked. */
static void make_fifo(const char *name, int arm)
{
	struct stat st;

	assert_int_equal(mkfifoat(tmpfd, name, 0600), 0);
	assert_int_equal(fstatat(tmpfd, name, &st, 0), 0);
	if (arm) {
		fifo_dev = st.st_dev;
		fifo_ino = st.st_ino;
		fifo_armed = 1;
	}
}

/* A writer that never writes: the read end then has someone to wait for. */
static int open_writer(const char *name)
{
	int fd = openat(tmpfd, name, O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/sm-guard-test.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		return -1;
	tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	procself = open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return tmpfd >= 0 && procself >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	fifo_armed = 0;
	close(tmpfd);
	close(procself);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- plain reads --------------------------------------------------- */

static void test_read_status(void **state)
{
	struct guard *g = guard_new(2000, 4);
	struct strbuf sb = STRBUF_INIT;
	char pidline[64];
	int err = 0, i;

	(void)state;
	strbuf_addstr(&sb, "X");
	assert_int_equal(guard_read(g, procself, "status", 1 << 20, &sb, &err), 0);
	/* appended, not replaced */
	assert_true(sb.len > 100);
	assert_memory_equal(sb.buf, "XName:", 6);
	snprintf(pidline, sizeof(pidline), "\nPid:\t%d\n", (int)getpid());
	assert_non_null(strstr(sb.buf, pidline));
	assert_int_equal(strlen(sb.buf), sb.len);
	assert_int_equal(guard_stuck(g), 0);

	/* bounded by max */
	strbuf_reset(&sb);
	assert_int_equal(guard_read(g, procself, "status", 16, &sb, &err), 0);
	assert_int_equal(sb.len, 16);
	assert_memory_equal(sb.buf, "Name:", 5);

	/* cmdline, the file the guard exists for: NULs and all */
	{
		struct strbuf direct = STRBUF_INIT;

		strbuf_reset(&sb);
		assert_int_equal(guard_read(g, procself, "cmdline", 1 << 16, &sb, &err), 0);
		assert_int_equal(read_file_at(procself, "cmdline", 1 << 16, &direct, &err), 0);
		assert_true(sb.len > 0);
		assert_int_equal(sb.len, direct.len);
		assert_memory_equal(sb.buf, direct.buf, sb.len);
		assert_int_equal(sb.buf[sb.len - 1], '\0');
		strbuf_release(&direct);
	}

	/* many in a row: threads come and go, nothing piles up */
	for (i = 0; i < 200; i++) {
		strbuf_reset(&sb);
		assert_int_equal(guard_read(g, procself, "stat", 4096, &sb, &err), 0);
		assert_true(sb.len > 0);
	}
	assert_int_equal(guard_stuck(g), 0);
	strbuf_release(&sb);
	guard_free(g);
}

static void test_read_errors(void **state)
{
	struct guard *g = guard_new(2000, 4);
	struct strbuf sb = STRBUF_INIT;
	int err = 0;

	(void)state;
	strbuf_addstr(&sb, "keep");
	assert_int_equal(guard_read(g, procself, "no-such-file", 4096, &sb, &err), -1);
	assert_int_equal(err, ENOENT);
	assert_string_equal(sb.buf, "keep");
	/* symlinks are not followed (O_NOFOLLOW) */
	err = 0;
	assert_int_equal(guard_read(g, procself, "exe", 4096, &sb, &err), -1);
	assert_int_equal(err, ELOOP);
	/* a bad directory fd */
	err = 0;
	assert_int_equal(guard_read(g, -1, "status", 4096, &sb, &err), -1);
	assert_int_equal(err, EBADF);
	/* a directory is not a file */
	err = 0;
	assert_int_equal(guard_read(g, procself, "fd", 4096, &sb, &err), -1);
	assert_int_equal(err, EISDIR);
	assert_string_equal(sb.buf, "keep");
	assert_int_equal(guard_stuck(g), 0);
	strbuf_release(&sb);
	guard_free(g);
}

static void test_read_file_at(void **state)
{
	const size_t n = 200000;
	char *data = malloc(n);
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int fd, err = 0;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < n; i++)
		data[i] = (char)('A' + i % 53);
	fd = openat(tmpfd, "big", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);

	assert_int_equal(read_file_at(tmpfd, "big", 1 << 20, &sb, &err), 0);
	assert_int_equal(sb.len, n);
	assert_memory_equal(sb.buf, data, n);
	assert_int_equal(sb.buf[sb.len], '\0');
	strbuf_reset(&sb);
	assert_int_equal(read_file_at(tmpfd, "big", 70001, &sb, &err), 0);
	assert_int_equal(sb.len, 70001);
	assert_memory_equal(sb.buf, data, 70001);
	strbuf_reset(&sb);
	assert_int_equal(read_file_at(tmpfd, "big", 0, &sb, &err), 0);
	assert_int_equal(sb.len, 0);
	/* through the guard, the same bytes */
	{
		struct guard *g = guard_new(2000, 2);

		strbuf_reset(&sb);
		assert_int_equal(guard_read(g, tmpfd, "big", 1 << 20, &sb, &err), 0);
		assert_int_equal(sb.len, n);
		assert_memory_equal(sb.buf, data, n);
		guard_free(g);
	}
	strbuf_release(&sb);
	free(data);
}

/* Without the test's help, a FIFO never blocks the collector. */
static void test_fifo_never_blocks(void **state)
{
	struct guard *g = guard_new(5000, 2);
	struct strbuf sb = STRBUF_INIT;
	uint64_t t0;
	int w, err = 0;

	(void)state;
	make_fifo("plain-fifo", 0);
	/* no writer: EOF at once */
	t0 = testsys_now_ms();
	assert_int_equal(guard_read(g, tmpfd, "plain-fifo", 4096, &sb, &err), 0);
	assert_int_equal(sb.len, 0);
	/* a silent writer: EAGAIN at once, not a wait for the deadline */
	w = open_writer("plain-fifo");
	assert_int_equal(guard_read(g, tmpfd, "plain-fifo", 4096, &sb, &err), -1);
	assert_int_equal(err, EAGAIN);
	assert_true(testsys_now_ms() - t0 < 2500);
	assert_int_equal(guard_stuck(g), 0);
	close(w);
	strbuf_release(&sb);
	guard_free(g);
}

/* ---- blocked reads ------------------------------------------------- */

static void test_timeout_then_skip(void **state)
{
	struct guard *g;
	struct strbuf sb = STRBUF_INIT;
	int threads0, fds0, w, err = 0, i;
	uint64_t t0, dt;

	(void)state;
	/* threads of earlier reads may still be on their way out */
	threads0 = wait_entries("/proc/self/task", 1);
	fds0 = testsys_count_entries("/proc/self/fd");
	make_fifo("stuck-fifo", 1);
	w = open_writer("stuck-fifo");
	g = guard_new(200, 2);

	strbuf_addstr(&sb, "before");
	for (i = 1; i <= 2; i++) {
		t0 = testsys_now_ms();
		assert_int_equal(guard_read(g, tmpfd, "stuck-fifo", 4096, &sb, &err), GUARD_TIMEOUT);
		dt = testsys_now_ms() - t0;
		/* it waited for the deadline, and not much longer */
		if (dt < 150 || dt > 1500)
			fail_msg("timeout %d after %llu ms (deadline 200 ms)", i, (unsigned long long)dt);
		assert_int_equal(guard_stuck(g), (unsigned)i);
		assert_string_equal(sb.buf, "before");
	}
	/* the stuck threads are still there */
	assert_int_equal(testsys_count_entries("/proc/self/task"), threads0 + 2);

	/* max_stuck reached: refused at once, whatever the file */
	t0 = testsys_now_ms();
	assert_int_equal(guard_read(g, tmpfd, "stuck-fifo", 4096, &sb, &err), GUARD_SKIPPED);
	assert_int_equal(guard_read(g, procself, "status", 4096, &sb, &err), GUARD_SKIPPED);
	assert_true(testsys_now_ms() - t0 < 150);
	assert_string_equal(sb.buf, "before");
	assert_int_equal(testsys_count_entries("/proc/self/task"), threads0 + 2);

	/* release them: data, then EOF */
	assert_int_equal(write(w, "hello", 5), 5);
	close(w);
	for (i = 0; i < 500 && guard_stuck(g) != 0; i++)
		testsys_sleep_ms(10);
	assert_int_equal(guard_stuck(g), 0);
	assert_int_equal(wait_entries("/proc/self/task", threads0), threads0);
	/* each job held a dup of the directory fd: all closed again */
	assert_int_equal(testsys_count_entries("/proc/self/fd"), fds0);

	/* and the guard works again */
	strbuf_reset(&sb);
	assert_int_equal(guard_read(g, procself, "status", 4096, &sb, &err), 0);
	assert_memory_equal(sb.buf, "Name:", 5);
	strbuf_release(&sb);
	guard_free(g);
	fifo_armed = 0;
}

/* Other reads go on while one is stuck. */
static void test_reads_while_stuck(void **state)
{
	struct guard *g;
	struct strbuf sb = STRBUF_INIT;
	int w, err = 0, i;

	(void)state;
	make_fifo("stuck-fifo2", 1);
	w = open_writer("stuck-fifo2");
	g = guard_new(150, 4);
	assert_int_equal(guard_read(g, tmpfd, "stuck-fifo2", 4096, &sb, &err), GUARD_TIMEOUT);
	for (i = 0; i < 20; i++) {
		strbuf_reset(&sb);
		assert_int_equal(guard_read(g, procself, "stat", 4096, &sb, &err), 0);
		assert_true(sb.len > 0);
	}
	assert_int_equal(guard_stuck(g), 1);
	close(w);   /* EOF for the stuck reader */
	for (i = 0; i < 500 && guard_stuck(g) != 0; i++)
		testsys_sleep_ms(10);
	assert_int_equal(guard_stuck(g), 0);
	strbuf_release(&sb);
	guard_free(g);
	fifo_armed = 0;
}

/*
 * guard_free() while reads are stuck: the threads free their own jobs
 * when the kernel lets them go (LeakSanitizer checks at exit; the fd and
 * thread counts check it here).
 */
static void test_free_while_stuck(void **state)
{
	struct guard *g;
	struct strbuf sb = STRBUF_INIT;
	int threads0, fds0, w, err = 0;

	(void)state;
	threads0 = wait_entries("/proc/self/task", 1);
	fds0 = testsys_count_entries("/proc/self/fd");
	make_fifo("stuck-fifo3", 1);
	w = open_writer("stuck-fifo3");
	g = guard_new(100, 3);
	assert_int_equal(guard_read(g, tmpfd, "stuck-fifo3", 4096, &sb, &err), GUARD_TIMEOUT);
	assert_int_equal(guard_read(g, tmpfd, "stuck-fifo3", 4096, &sb, &err), GUARD_TIMEOUT);
	assert_int_equal(guard_stuck(g), 2);
	guard_free(g);
	assert_int_equal(testsys_count_entries("/proc/self/task"), threads0 + 2);
	assert_int_equal(write(w, "late data", 9), 9);
	close(w);
	assert_int_equal(wait_entries("/proc/self/task", threads0), threads0);
	assert_int_equal(testsys_count_entries("/proc/self/fd"), fds0);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
	fifo_armed = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_status),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_read_file_at),
		cmocka_unit_test(test_fifo_never_blocks),
		cmocka_unit_test(test_timeout_then_skip),
		cmocka_unit_test(test_reads_while_stuck),
		cmocka_unit_test(test_free_while_stuck),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
