/*
 * Unit tests for collect/tools.c: running ss/lsof-like commands under a
 * deadline. The test process makes itself a child subreaper so that the
 * grandchildren of a killed tool come back to it and can be checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strbuf.h"
#include "testsys.h"
#include "tools.h"

struct capture {
	struct strbuf out;
	struct strbuf err;
	unsigned calls;
	int fail_after;      /* return -1 after this many calls (0: never) */
};

static int capture_sink(void *ctx, int is_err, const void *buf, size_t len)
{
	struct capture *c = ctx;

	assert_true(is_err == 0 || is_err == 1);
	assert_true(len > 0);
	strbuf_add(is_err ? &c->err : &c->out, buf, len);
	c->calls++;
	if (c->fail_after && c->calls >= (unsigned)c->fail_after)
		return -1;
	return 0;
}

static void capture_init(struct capture *c)
{
	strbuf_init(&c->out, 0);
	strbuf_init(&c->err, 0);
	c->calls = 0;
	c->fail_after = 0;
}

static void capture_release(struct capture *c)
{
	strbuf_release(&c->out);
	strbuf_release(&c->err);
}

/* Runs argv and returns the elapsed wall time in ms. */
static uint64_t run(char *const argv[], unsigned timeout_ms, volatile sig_atomic_t *stop,
		    struct capture *c, struct tool_result *res)
{
	uint64_t t0 = testsys_now_ms();

	memset(res, 0xa5, sizeof(*res));   /* tool_run must fill every field */
	tool_run(argv, timeout_ms, stop, capture_sink, c, res);
	return testsys_now_ms() - t0;
}

/* Waits (<= 3 s) for a reparented descendant to end; returns its status. */
static int reap_descendant(pid_t pid)
{
	int status = 0, i;

	for (i = 0; i < 300; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			fail_msg("waitpid(%d): %s", (int)pid, strerror(errno));
		testsys_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	fail_msg("process %d outlived the tool's kill", (int)pid);
	return -1;
}

static int setup(void **state)
{
	(void)state;
	/* orphans of the tools we run come back to us, not to init */
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return 0;
}

static void test_true_false(void **state)
{
	char *argv_true[] = { "true", NULL };
	char *argv_false[] = { "false", NULL };
	struct tool_result res;
	struct capture c;

	(void)state;
	capture_init(&c);
	run(argv_true, 5000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_OK);
	assert_int_equal(res.exit_status, 0);
	assert_int_equal(res.out_bytes, 0);
	assert_int_equal(res.err_bytes, 0);
	assert_int_equal(res.unreaped, 0);
	assert_int_equal(res.path[0], '/');
	assert_non_null(strstr(res.path, "/true"));
	assert_int_equal(c.calls, 0);

	run(argv_false, 5000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_EXIT);
	assert_int_equal(res.exit_status, 1);
	assert_int_equal(res.unreaped, 0);
	capture_release(&c);
}

static void test_streams_and_status(void **state)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; printf more; exit 3", NULL };
	struct tool_result res;
	struct capture c;

	(void)state;
	capture_init(&c);
	run(argv, 5000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_EXIT);
	assert_int_equal(res.exit_status, 3);
	assert_string_equal(c.out.buf, "out\nmore");
	assert_string_equal(c.err.buf, "err\n");
	assert_int_equal(res.out_bytes, 8);
	assert_int_equal(res.err_bytes, 4);
	assert_true(res.wall_us > 0);
	capture_release(&c);
}

/* The environment is fixed, stdin is /dev/null, the tool leads its own group. */
static void test_environment(void **state)
{
	char *argv[] = { "sh", "-c",
		"echo \"$LC_ALL|$PATH|${HOME-unset}\"; cat; "
		"read pid comm st ppid pgrp rest < /proc/$$/stat; echo \"$pid $pgrp\"", NULL };
	struct tool_result res;
	struct capture c;
	long pid = -1, pgrp = -2;
	char *nl;

	(void)state;
	capture_init(&c);
	setenv("HOME", "/root-or-not", 1);
	run(argv, 10000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_OK);
	nl = strchr(c.out.buf, '\n');
	assert_non_null(nl);
	*nl = '\0';
	assert_string_equal(c.out.buf, "C|/usr/sbin:/usr/bin:/sbin:/bin|unset");
	/* cat read /dev/null: nothing, and at once (no inherited stdin) */
	assert_int_equal(sscanf(nl + 1, "%ld %ld", &pid, &pgrp), 2);
	assert_true(pid > 1);
	assert_int_equal(pid, pgrp);
	assert_true(pgrp != getpgrp());
	capture_release(&c);
}

/* A tool that outlives the deadline is killed with its whole group. */
static void test_timeout_kills_group(void **state)
{
	char *argv[] = { "sh", "-c", "sleep 10 & echo $!; wait", NULL };
	struct tool_result res;
	struct capture c;
	uint64_t ms;
	long grandchild = 0;
	int status;

	(void)state;
	capture_init(&c);
	ms = run(argv, 300, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_TIMEOUT);
	assert_int_equal(res.unreaped, 0);
	if (ms < 250 || ms > 2000)
		fail_msg("timed out after %llu ms (deadline 300 ms)", (unsigned long long)ms);
	assert_int_equal(sscanf(c.out.buf, "%ld", &grandchild), 1);
	assert_true(grandchild > 1);
	/* the backgrounded sleep was in the group: SIGKILLed, not left running */
	status = reap_descendant((pid_t)grandchild);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	capture_release(&c);
}

/* Closing stdout and stderr does not end the wait: the deadline still holds. */
static void test_closed_output_times_out(void **state)
{
	char *argv[] = { "sh", "-c", "echo $$; exec >&- 2>&-; sleep 10", NULL };
	struct tool_result res;
	struct capture c;
	uint64_t ms;
	long child = 0;

	(void)state;
	capture_init(&c);
	ms = run(argv, 300, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_TIMEOUT);
	assert_int_equal(res.unreaped, 0);
	if (ms < 250 || ms > 2000)
		fail_msg("timed out after %llu ms (deadline 300 ms)", (unsigned long long)ms);
	/* the tool itself was reaped by tool_run: the pid is gone */
	assert_int_equal(sscanf(c.out.buf, "%ld", &child), 1);
	assert_int_equal(kill((pid_t)child, 0), -1);
	assert_int_equal(errno, ESRCH);
	capture_release(&c);
}

static volatile sig_atomic_t stop_flag;

static void *set_stop_later(void *arg)
{
	(void)arg;
	testsys_sleep_ms(300);
	stop_flag = 1;
	return NULL;
}

static void test_stop_flag(void **state)
{
	char *argv_sleep[] = { "sh", "-c", "sleep 10", NULL };
	char *argv_closed[] = { "sh", "-c", "exec >&- 2>&-; sleep 10", NULL };
	struct tool_result res;
	struct capture c;
	pthread_t th;
	uint64_t ms;

	(void)state;
	capture_init(&c);
	/* set from another thread while the tool runs */
	stop_flag = 0;
	assert_int_equal(pthread_create(&th, NULL, set_stop_later, NULL), 0);
	ms = run(argv_sleep, 20000, &stop_flag, &c, &res);
	pthread_join(th, NULL);
	assert_int_equal(res.outcome, TOOL_STOPPED);
	assert_int_equal(res.unreaped, 0);
	if (ms > 3000)
		fail_msg("stop took %llu ms", (unsigned long long)ms);

	/* ... also once the tool has closed its output */
	stop_flag = 0;
	assert_int_equal(pthread_create(&th, NULL, set_stop_later, NULL), 0);
	ms = run(argv_closed, 20000, &stop_flag, &c, &res);
	pthread_join(th, NULL);
	assert_int_equal(res.outcome, TOOL_STOPPED);
	if (ms > 3000)
		fail_msg("stop took %llu ms", (unsigned long long)ms);

	/* already set: stopped at once */
	stop_flag = 1;
	ms = run(argv_sleep, 20000, &stop_flag, &c, &res);
	assert_int_equal(res.outcome, TOOL_STOPPED);
	assert_true(ms < 3000);
	stop_flag = 0;
	capture_release(&c);
}

/* Output far beyond the pipe buffer arrives complete and in order. */
static void test_big_output(void **state)
{
	char *argv_seq[] = { "seq", "1", "600000", NULL };
	char *argv_zero[] = { "head", "-c", "5000000", "/dev/zero", NULL };
	char *argv_both[] = { "sh", "-c", "seq 1 300000 >&2; seq 1 300000", NULL };
	struct strbuf want = STRBUF_INIT;
	struct tool_result res;
	struct capture c;
	size_t i;
	int i2;

	(void)state;
	for (i2 = 1; i2 <= 600000; i2++)
		strbuf_addf(&want, "%d\n", i2);
	capture_init(&c);
	run(argv_seq, 60000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_OK);
	assert_int_equal(c.out.len, want.len);
	assert_int_equal(res.out_bytes, want.len);
	assert_memory_equal(c.out.buf, want.buf, want.len);
	assert_int_equal(c.err.len, 0);
	capture_release(&c);

	capture_init(&c);
	run(argv_zero, 60000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_OK);
	assert_int_equal(c.out.len, 5000000);
	assert_int_equal(res.out_bytes, 5000000);
	for (i = 0; i < c.out.len; i++)
		if (c.out.buf[i])
			fail_msg("byte %zu is not zero", i);
	capture_release(&c);

	/* a big stderr first: both pipes must be drained at once */
	strbuf_reset(&want);
	for (i2 = 1; i2 <= 300000; i2++)
		strbuf_addf(&want, "%d\n", i2);
	capture_init(&c);
	run(argv_both, 60000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_OK);
	assert_int_equal(c.err.len, want.len);
	assert_memory_equal(c.err.buf, want.buf, want.len);
	assert_int_equal(c.out.len, want.len);
	assert_memory_equal(c.out.buf, want.buf, want.len);
	assert_int_equal(res.err_bytes, want.len);
	capture_release(&c);
	strbuf_release(&want);
}

/* The sink can stop a tool (e.g. the bundle is full). */
static void test_sink_stops(void **state)
{
	char *argv[] = { "yes", NULL };
	struct tool_result res;
	struct capture c;
	uint64_t ms;

	(void)state;
	capture_init(&c);
	c.fail_after = 1;
	ms = run(argv, 20000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_STOPPED);
	assert_int_equal(c.calls, 1);
	assert_int_equal(res.unreaped, 0);
	assert_true(ms < 5000);
	capture_release(&c);
}

static void test_missing_and_signaled(void **state)
{
	char *argv_missing[] = { "sockmortem-no-such-tool-xyz", NULL };
	char *argv_sig[] = { "sh", "-c", "kill -TERM $$", NULL };
	char *argv_exec_fail[] = { "sh", "-c", "exec /nonexistent/binary", NULL };
	struct tool_result res;
	struct capture c;

	(void)state;
	capture_init(&c);
	run(argv_missing, 5000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_MISSING);
	assert_int_equal(c.calls, 0);
	assert_int_equal(res.out_bytes, 0);

	run(argv_sig, 5000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_SIGNALED);
	assert_int_equal(res.exit_status, SIGTERM);

	run(argv_exec_fail, 5000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_EXIT);
	assert_int_equal(res.exit_status, 127);
	assert_true(c.err.len > 0);
	capture_release(&c);
}

static void test_cpu_accounting(void **state)
{
	char *argv[] = { "sh", "-c", "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done", NULL };
	struct tool_result res;
	struct capture c;

	(void)state;
	capture_init(&c);
	run(argv, 60000, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_OK);
	assert_true(res.cpu_us > 0);
	assert_true(res.wall_us >= res.cpu_us / 2);
	capture_release(&c);
}

/* Nothing leaks: pipes closed, children reaped, across many runs. */
static void test_no_fd_leak(void **state)
{
	char *argv_ok[] = { "sh", "-c", "echo a; echo b >&2", NULL };
	char *argv_to[] = { "sleep", "5", NULL };
	char *argv_missing[] = { "sockmortem-no-such-tool-xyz", NULL };
	struct tool_result res;
	struct capture c;
	int fds0, i;

	(void)state;
	capture_init(&c);
	/* grandchildren killed in earlier tests come back to us: reap them */
	for (i = 0; i < 300; i++) {
		pid_t r = waitpid(-1, NULL, WNOHANG);

		if (r < 0)
			break;
		if (r == 0)
			testsys_sleep_ms(10);
	}
	fds0 = testsys_count_entries("/proc/self/fd");
	for (i = 0; i < 20; i++) {
		run(argv_ok, 5000, NULL, &c, &res);
		assert_int_equal(res.outcome, TOOL_OK);
	}
	run(argv_to, 100, NULL, &c, &res);
	assert_int_equal(res.outcome, TOOL_TIMEOUT);
	run(argv_missing, 100, NULL, &c, &res);
	assert_int_equal(testsys_count_entries("/proc/self/fd"), fds0);
	/* no zombie children of ours left behind */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	capture_release(&c);
}

static void test_tool_find(void **state)
{
	char out[256], small[4], dir[] = "/tmp/sm-tools-test.XXXXXX", exe[300], cwd[4096];
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(tool_find("sh", out, sizeof(out)), 0);
	assert_int_equal(out[0], '/');
	assert_int_equal(stat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(access(out, X_OK), 0);
	assert_int_equal(tool_find("sockmortem-no-such-tool-xyz", out, sizeof(out)), -1);
	/* a result that does not fit is not found (never truncated) */
	assert_int_equal(tool_find("sh", small, sizeof(small)), -1);

	/* an executable in a relative PATH entry is never used */
	assert_non_null(mkdtemp(dir));
	snprintf(exe, sizeof(exe), "%s/sm-fake-tool", dir);
	fd = open(exe, O_WRONLY | O_CREAT | O_EXCL, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\necho fake\n", 20), 20);
	close(fd);
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	setenv("PATH", ".:sub:", 1);
	assert_int_equal(tool_find("sm-fake-tool", out, sizeof(out)), -1);
	/* the sbin/bin fallbacks still work with a useless PATH */
	assert_int_equal(tool_find("sh", out, sizeof(out)), 0);
	setenv("PATH", dir, 1);
	assert_int_equal(tool_find("sm-fake-tool", out, sizeof(out)), 0);
	assert_string_equal(out, exe);
	/* not executable: skipped */
	assert_int_equal(chmod(exe, 0644), 0);
	assert_int_equal(tool_find("sm-fake-tool", out, sizeof(out)), -1);
	/* a directory of that name: skipped */
	assert_int_equal(unlink(exe), 0);
	assert_int_equal(mkdir(exe, 0755), 0);
	assert_int_equal(tool_find("sm-fake-tool", out, sizeof(out)), -1);
	assert_int_equal(rmdir(exe), 0);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rmdir(dir), 0);
	if (saved)
		setenv("PATH", saved, 1);
	else
		unsetenv("PATH");
	free(saved);
}

static void test_sockdiag_ready(void **state)
{
	const char *why = NULL;
	int r;

	(void)state;
	r = tool_sockdiag_ready(&why);
	assert_non_null(why);
	assert_true(strlen(why) > 0);
	if (access("/proc/modules", F_OK) != 0) {
		/* a kernel without module support cannot load anything */
		assert_int_equal(r, 1);
		assert_string_equal(why, "kernel without loadable modules");
	} else {
		assert_true(r == 0 || r == 1);
		if (r)
			assert_string_equal(why, "sock_diag modules present");
		else
			assert_non_null(strstr(why, "ss would load them"));
	}
}

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(tool_outcome_name(TOOL_OK), "ok");
	assert_string_equal(tool_outcome_name(TOOL_EXIT), "exit");
	assert_string_equal(tool_outcome_name(TOOL_SIGNALED), "signaled");
	assert_string_equal(tool_outcome_name(TOOL_TIMEOUT), "timeout");
	assert_string_equal(tool_outcome_name(TOOL_STOPPED), "stopped");
	assert_string_equal(tool_outcome_name(TOOL_MISSING), "missing");
	assert_string_equal(tool_outcome_name(TOOL_REFUSED), "refused");
	assert_string_equal(tool_outcome_name(TOOL_FAILED), "failed");
	assert_string_equal(tool_outcome_name((enum tool_outcome)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_true_false),
		cmocka_unit_test(test_streams_and_status),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_timeout_kills_group),
		cmocka_unit_test(test_closed_output_times_out),
		cmocka_unit_test(test_stop_flag),
		cmocka_unit_test(test_big_output),
		cmocka_unit_test(test_sink_stops),
		cmocka_unit_test(test_missing_and_signaled),
		cmocka_unit_test(test_cpu_accounting),
		cmocka_unit_test(test_no_fd_leak),
		cmocka_unit_test(test_tool_find),
		cmocka_unit_test(test_sockdiag_ready),
		cmocka_unit_test(test_outcome_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
