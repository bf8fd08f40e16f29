/*
 * Unit tests for parse_procpid: this process's own /proc/self files checked
 * against system calls, crafted text for every odd case (comm "a) (b",
 * missing fields, overflow, CRLF), and the collector's fd listing.
 * Inputs are buffers of exactly their length, without a NUL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus.h"
#include "parse_procpid.h"
#include "rowrec.h"

static int g_argc;
static char **g_argv;

/* A file of this process's /proc, which must be there. */
static char *read_proc(const char *path, size_t *len)
{
	char *buf = read_corpus_file(path, len);

	assert_non_null(buf);
	return buf;
}

/* Text in a buffer of exactly its length, and a sink recording warnings into r (none: NULL r). */
struct text {
	char *buf;
	struct sm_sink sink;
};

static struct text text_open(const char *lit, size_t n, struct rowrec *r)
{
	struct text t;

	t.buf = exact_copy(lit, n);
	memset(&t.sink, 0, sizeof(t.sink));
	if (r)
		rowrec_sink(r, &t.sink);
	return t;
}

/* Frees t; returns rc, what the parser said. */
static int text_close(struct text *t, int rc)
{
	free(t->buf);
	return rc;
}

/* --- status ---------------------------------------------------------------- */

static int status_text(const char *lit, size_t n, struct sm_proc_status *st, struct rowrec *r)
{
	struct text t = text_open(lit, n, r);

	return text_close(&t, parse_procpid_status(t.buf, n, st, &t.sink));
}

static void test_status_live(void **state)
{
	struct sm_proc_status st;
	size_t len, clen;
	char *buf = read_proc("/proc/self/status", &len);
	char *comm = read_proc("/proc/self/comm", &clen);
	struct rowrec r = { 0 };

	(void)state;
	assert_int_equal(parse_procpid_status(buf, len, &st, NULL), 0);
	assert_int_equal(status_text(buf, len, &st, &r), 0);
	assert_int_equal(r.nwarn, 0);
	assert_true(clen > 0 && comm[clen - 1] == '\n');
	assert_int_equal(strlen(st.name), clen - 1);
	assert_memory_equal(st.name, comm, clen - 1);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.uid_real, (int64_t)getuid());
	assert_int_equal(st.uid_effective, (int64_t)geteuid());
	assert_true(st.threads >= 1);
	assert_true(st.vmrss_kb > 0);
	assert_true(st.fdsize >= 64);
	/* NSpid (4.1+): outermost first, our own namespace's pid last */
	assert_true(st.nspid_count >= 1);
	assert_int_equal(st.nspid[0], st.pid);
	assert_int_equal(st.nspid[st.nspid_count - 1], (int64_t)getpid());
	if (st.nspid_count == 1)
		assert_int_equal(st.ppid, (int64_t)getppid());
	free(buf);
	free(comm);
	rowrec_free(&r);
}

static void test_status_crafted(void **state)
{
	static const char text[] =
		"Name:\tWeb Content\r\n"
		"Umask:\t0022\r\n"
		"State:\tS (sleeping)\r\n"
		"Tgid:\t4631\r\n"
		"Pid:\t4631\r\n"
		"PPid:\t4613\r\n"
		"Uid:\t1000\t1001\t1000\t1000\r\n"
		"FDSize:\t256\r\n"
		"NSpid:\t4631\t7\r\n"
		"VmRSS:\t    1234 kB\r\n"
		"Threads:\t12";
	struct sm_proc_status st;
	struct rowrec r = { 0 };

	(void)state;
	assert_int_equal(status_text(text, sizeof(text) - 1, &st, &r), 0);
	assert_int_equal(r.nwarn, 0);
	assert_string_equal(st.name, "Web Content");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.pid, 4631);
	assert_int_equal(st.ppid, 4613);
	assert_int_equal(st.uid_real, 1000);
	assert_int_equal(st.uid_effective, 1001);
	assert_int_equal(st.fdsize, 256);
	assert_int_equal(st.nspid_count, 2);
	assert_int_equal(st.nspid[0], 4631);
	assert_int_equal(st.nspid[1], 7);
	assert_int_equal(st.vmrss_kb, 1234);
	assert_int_equal(st.threads, 12);
	rowrec_free(&r);
}

/* Kernel threads and old kernels lack fields; bad numbers become SM_NONE. */
static void test_status_missing_and_bad(void **state)
{
	static const char kthread[] = "Name:\tkworker/u8:1-events_unbound\nState:\tI (idle)\nPid:\t7\nPPid:\t2\n";
	static const char bad[] =
		"Name:\tx\n"
		"Pid:\tabc\n"                            /* 2 */
		"PPid:\t99999999999999999999\n"          /* 3: overflow */
		"Uid:\t1000\n"                           /* 4: only the real uid */
		"NSpid:\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\n"
		"Threads:\t-1\n"                         /* 6 */
		"State:\t\n";                            /* 7 */
	static const char neither[] = "Umask:\t0022\nState:\tR (running)\n";
	struct sm_proc_status st;
	struct rowrec r = { 0 };

	(void)state;
	assert_int_equal(status_text(kthread, sizeof(kthread) - 1, &st, &r), 0);
	assert_int_equal(r.nwarn, 0);
	assert_string_equal(st.name, "kworker/u8:1-events_unbound");
	assert_int_equal(st.state, 'I');
	assert_int_equal(st.vmrss_kb, SM_NONE);
	assert_int_equal(st.threads, SM_NONE);
	assert_int_equal(st.uid_real, SM_NONE);
	assert_int_equal(st.fdsize, SM_NONE);
	assert_int_equal(st.nspid_count, 0);

	assert_int_equal(status_text(bad, sizeof(bad) - 1, &st, &r), 0);
	assert_string_equal(st.name, "x");
	assert_int_equal(st.pid, SM_NONE);
	assert_int_equal(st.ppid, SM_NONE);
	assert_int_equal(st.uid_real, 1000);
	assert_int_equal(st.uid_effective, SM_NONE);
	assert_int_equal(st.nspid_count, SM_PROC_NSPID_MAX);
	assert_int_equal(st.nspid[7], 8);
	assert_int_equal(st.threads, SM_NONE);
	assert_int_equal(st.state, 0);
	assert_int_equal(r.nwarn, 5);
	assert_int_equal(r.warn_line[0], 2);
	assert_int_equal(r.warn_line[1], 3);
	assert_int_equal(r.warn_line[2], 4);
	assert_int_equal(r.warn_line[3], 6);
	assert_int_equal(r.warn_line[4], 7);

	assert_int_equal(status_text(neither, sizeof(neither) - 1, &st, NULL), -1);
	assert_int_equal(status_text("", 0, &st, NULL), -1);
	rowrec_free(&r);
}

static void test_status_long_name(void **state)
{
	char text[400];
	struct sm_proc_status st;
	struct rowrec r = { 0 };
	int n = snprintf(text, sizeof(text), "Name:\t%0300d\nPid:\t1\n", 0);

	(void)state;
	assert_int_equal(status_text(text, (size_t)n, &st, &r), 0);
	assert_int_equal(strlen(st.name), SM_PROC_NAME_MAX - 1);
	assert_int_equal(st.pid, 1);
	assert_int_equal(r.nwarn, 1);
	rowrec_free(&r);
}

/* --- limits ---------------------------------------------------------------- */

static int limits_text(const char *lit, size_t n, struct sm_proc_limits *l, struct rowrec *r)
{
	struct text t = text_open(lit, n, r);

	return text_close(&t, parse_procpid_limits(t.buf, n, l, &t.sink));
}

#define LIM_HDR "Limit                     Soft Limit           Hard Limit           Units     \n" \
		"Max cpu time              unlimited            unlimited            seconds   \n"

static void test_limits_live(void **state)
{
	struct sm_proc_limits l;
	struct rlimit rl;
	size_t len;
	char *buf = read_proc("/proc/self/limits", &len);

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(parse_procpid_limits(buf, len, &l, NULL), 0);
	if (rl.rlim_cur == RLIM_INFINITY)
		assert_int_equal(l.nofile_soft, SM_LIMIT_UNLIMITED);
	else
		assert_int_equal(l.nofile_soft, (int64_t)rl.rlim_cur);
	if (rl.rlim_max == RLIM_INFINITY)
		assert_int_equal(l.nofile_hard, SM_LIMIT_UNLIMITED);
	else
		assert_int_equal(l.nofile_hard, (int64_t)rl.rlim_max);
	free(buf);
}

static void test_limits_crafted(void **state)
{
	static const char num[] = LIM_HDR
		"Max open files            1024                 1048576              files     \n";
	static const char unl[] = LIM_HDR
		"Max open files            unlimited            unlimited            files     ";
	static const char crlf[] = "Max open files 4096 8192 files\r\n";
	static const char huge[] = "Max open files 9223372036854775807 18446744073709551614 files\n";
	static const char over[] = LIM_HDR "Max open files 18446744073709551616 1 files\n";
	static const char nohard[] = LIM_HDR "Max open files 1024\n";
	static const char neg[] = "Max open files -1 1 files\n";
	static const char other[] = LIM_HDR "Max open filesystems 1 2 files\n";
	struct sm_proc_limits l;
	struct rowrec r = { 0 };

	(void)state;
	assert_int_equal(limits_text(num, sizeof(num) - 1, &l, &r), 0);
	assert_int_equal(l.nofile_soft, 1024);
	assert_int_equal(l.nofile_hard, 1048576);
	assert_int_equal(limits_text(unl, sizeof(unl) - 1, &l, &r), 0);
	assert_int_equal(l.nofile_soft, SM_LIMIT_UNLIMITED);
	assert_int_equal(l.nofile_hard, SM_LIMIT_UNLIMITED);
	assert_int_equal(limits_text(crlf, sizeof(crlf) - 1, &l, &r), 0);
	assert_int_equal(l.nofile_soft, 4096);
	assert_int_equal(l.nofile_hard, 8192);
	assert_int_equal(limits_text(huge, sizeof(huge) - 1, &l, &r), 0);
	assert_int_equal(l.nofile_soft, SM_LIMIT_UNLIMITED);
	assert_int_equal(l.nofile_hard, SM_LIMIT_UNLIMITED);
	assert_int_equal(r.nwarn, 0);

	assert_int_equal(limits_text(over, sizeof(over) - 1, &l, &r), -1);
	assert_int_equal(l.nofile_soft, SM_NONE);
	assert_int_equal(r.nwarn, 1);
	assert_int_equal(r.warn_line[0], 3);
	assert_int_equal(limits_text(nohard, sizeof(nohard) - 1, &l, &r), -1);
	assert_int_equal(limits_text(neg, sizeof(neg) - 1, &l, &r), -1);
	assert_int_equal(r.nwarn, 3);
	assert_int_equal(limits_text(other, sizeof(other) - 1, &l, &r), -1);
	assert_int_equal(limits_text(LIM_HDR, sizeof(LIM_HDR) - 1, &l, &r), -1);
	assert_int_equal(limits_text("", 0, &l, &r), -1);
	assert_int_equal(r.nwarn, 3);
	rowrec_free(&r);
}

/* --- stat ------------------------------------------------------------------ */

static int stat_text(const char *lit, size_t n, struct sm_proc_stat *s, struct rowrec *r)
{
	struct text t = text_open(lit, n, r);

	return text_close(&t, parse_procpid_stat(t.buf, n, s, &t.sink));
}

/* Fields 4..24 numbered so that a misplaced index shows. */
#define STAT_TAIL " 1 2 3 4 5 6 7 8 9 10 11 12 13 14 20 0 4 0 123456 999 77 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

static void test_stat_live(void **state)
{
	struct sm_proc_stat s;
	struct sm_proc_status st;
	struct rowrec r = { 0 };
	size_t len, slen, ulen;
	char *buf = read_proc("/proc/self/stat", &len);
	char *sbuf = read_proc("/proc/self/status", &slen);
	char *up = read_proc("/proc/uptime", &ulen);
	double uptime;
	char upz[64];

	(void)state;
	assert_int_equal(stat_text(buf, len, &s, &r), 0);
	assert_int_equal(r.nwarn, 0);
	assert_int_equal(parse_procpid_status(sbuf, slen, &st, NULL), 0);
	assert_int_equal(s.pid, st.pid);
	assert_string_equal(s.comm, st.name);
	assert_int_equal(s.state, 'R');
	assert_int_equal(s.ppid, st.ppid);
	assert_int_equal(s.num_threads, st.threads);
	assert_true(s.rss_pages > 0);
	/* started after boot, before now (USER_HZ = 100) */
	assert_true(ulen < sizeof(upz));
	memcpy(upz, up, ulen);
	upz[ulen] = '\0';
	assert_int_equal(sscanf(upz, "%lf", &uptime), 1);
	assert_true(s.starttime > 0);
	assert_true((double)s.starttime <= uptime * 100 + 1);
	free(buf);
	free(sbuf);
	free(up);
	rowrec_free(&r);
}

static void test_stat_crafted_comm(void **state)
{
	static const char parens[] = "123 (a) (b) S" STAT_TAIL;
	static const char newline[] = "5 (x\ny) R" STAT_TAIL;
	static const char empty[] = "6 () Z" STAT_TAIL;
	static const char spaces[] = "7 (Web Content) S" STAT_TAIL;
	struct sm_proc_stat s;
	struct rowrec r = { 0 };

	(void)state;
	assert_int_equal(stat_text(parens, sizeof(parens) - 1, &s, &r), 0);
	assert_int_equal(s.pid, 123);
	assert_string_equal(s.comm, "a) (b");
	assert_int_equal(s.state, 'S');
	assert_int_equal(s.ppid, 1);
	assert_int_equal(s.num_threads, 4);
	assert_int_equal(s.starttime, 123456);
	assert_int_equal(s.rss_pages, 77);
	assert_int_equal(stat_text(newline, sizeof(newline) - 1, &s, &r), 0);
	assert_string_equal(s.comm, "x?y");
	assert_int_equal(s.state, 'R');
	assert_int_equal(s.rss_pages, 77);
	assert_int_equal(stat_text(empty, sizeof(empty) - 1, &s, &r), 0);
	assert_string_equal(s.comm, "");
	assert_int_equal(s.state, 'Z');
	assert_int_equal(stat_text(spaces, sizeof(spaces) - 1, &s, &r), 0);
	assert_string_equal(s.comm, "Web Content");
	assert_int_equal(s.starttime, 123456);
	assert_int_equal(r.nwarn, 0);
	rowrec_free(&r);
}

static void test_stat_missing_and_bad(void **state)
{
	static const char short_[] = "123 (x) S 1";
	static const char badnum[] = "123 (x) S -1 2 3 4 5 6 7 8 9 10 11 12 13 14 20 0 4 0 99999999999999999999 999 77\n";
	struct sm_proc_stat s;
	struct rowrec r = { 0 };
	char longc[300];
	int n;

	(void)state;
	/* truncated after ppid: what is there is kept, one warning */
	assert_int_equal(stat_text(short_, sizeof(short_) - 1, &s, &r), 0);
	assert_int_equal(s.pid, 123);
	assert_int_equal(s.ppid, 1);
	assert_int_equal(s.num_threads, SM_NONE);
	assert_int_equal(s.starttime, SM_NONE);
	assert_int_equal(s.rss_pages, SM_NONE);
	assert_int_equal(r.nwarn, 1);
	/* negative ppid and overflowing starttime: unset, warned */
	rowrec_free(&r);
	assert_int_equal(stat_text(badnum, sizeof(badnum) - 1, &s, &r), 0);
	assert_int_equal(s.ppid, SM_NONE);
	assert_int_equal(s.num_threads, 4);
	assert_int_equal(s.starttime, SM_NONE);
	assert_int_equal(s.rss_pages, 77);
	assert_int_equal(r.nwarn, 2);
	/* comm longer than the struct holds */
	rowrec_free(&r);
	n = snprintf(longc, sizeof(longc), "9 (%0200d) S 1", 0);
	assert_int_equal(stat_text(longc, (size_t)n, &s, &r), 0);
	assert_int_equal(strlen(s.comm), SM_PROC_NAME_MAX - 1);
	assert_int_equal(s.ppid, 1);
	assert_int_equal(r.nwarn, 2);   /* truncated comm, missing fields */
	rowrec_free(&r);
}

static void test_stat_rejected(void **state)
{
	static const char *const bad[] = {
		"",
		"\n",
		"123 x S 1 2 3\n",                 /* no parens */
		"123 (x S 1 2 3\n",                /* no ')' */
		"123 x) (y S 1\n",                 /* ')' before '(' */
		"(x) S 1\n",                       /* no pid */
		"123(x) S 1\n",                    /* no blank before '(' */
		"-5 (x) S 1\n",
		"99999999999999999999 (x) S 1\n",  /* pid overflow */
		"123 (x)\n",                       /* no state */
		"123 (x) SS 1\n",                  /* state is one char */
	};
	struct sm_proc_stat s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(stat_text(bad[i], strlen(bad[i]), &s, NULL), -1);
		assert_int_equal(s.ppid, SM_NONE);
	}
}

/* An empty capture may be handed over as (NULL, 0). */
static void test_null_empty_input(void **state)
{
	struct sm_proc_status st;
	struct sm_proc_limits l;
	struct sm_proc_stat s;
	char out[4] = "xyz";

	(void)state;
	assert_int_equal(parse_procpid_status(NULL, 0, &st, NULL), -1);
	assert_int_equal(st.pid, SM_NONE);
	assert_int_equal(parse_procpid_limits(NULL, 0, &l, NULL), -1);
	assert_int_equal(l.nofile_soft, SM_NONE);
	assert_int_equal(parse_procpid_stat(NULL, 0, &s, NULL), -1);
	assert_int_equal(parse_procpid_cmdline(NULL, 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(parse_fd_listing(NULL, 0, 1, NULL), 0);
}

/* --- cmdline --------------------------------------------------------------- */

static size_t cmdline(const char *s, size_t n, char *out, size_t outsz)
{
	char *buf = exact_copy(s, n);
	size_t w = parse_procpid_cmdline(buf, n, out, outsz);

	free(buf);
	return w;
}

static void test_cmdline_live(void **state)
{
	char want[4096] = "", got[4096];
	size_t len, w = 0;
	int i;
	char *buf = read_proc("/proc/self/cmdline", &len);

	(void)state;
	for (i = 0; i < g_argc; i++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s%s", i ? " " : "", g_argv[i]);
	assert_true(w < sizeof(want));
	assert_int_equal(parse_procpid_cmdline(buf, len, got, sizeof(got)), strlen(want));
	assert_string_equal(got, want);
	free(buf);
}

static void test_cmdline_crafted(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(cmdline("nginx\0-g\0daemon off;\0", 21, out, sizeof(out)), 20);
	assert_string_equal(out, "nginx -g daemon off;");
	/* no trailing NUL */
	assert_int_equal(cmdline("a\0b", 3, out, sizeof(out)), 3);
	assert_string_equal(out, "a b");
	/* setproctitle: spaces inside, NUL padding after */
	assert_int_equal(cmdline("nginx: worker process\0\0\0\0\0\0", 27, out, sizeof(out)), 21);
	assert_string_equal(out, "nginx: worker process");
	/* an empty argument in the middle stays visible */
	assert_int_equal(cmdline("a\0\0b\0", 5, out, sizeof(out)), 4);
	assert_string_equal(out, "a  b");
	/* control bytes */
	assert_int_equal(cmdline("x\ny\t\x7f", 5, out, sizeof(out)), 5);
	assert_string_equal(out, "x?y??");
	/* empty: a zombie or kernel thread */
	assert_int_equal(cmdline("", 0, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(cmdline("\0\0", 2, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

static void test_cmdline_truncation(void **state)
{
	char out[6];

	(void)state;
	memset(out, 'Z', sizeof(out));
	assert_int_equal(cmdline("abc\0defgh\0", 10, out, sizeof(out)), 9);
	assert_string_equal(out, "abc d");
	assert_int_equal(cmdline("abc\0defgh\0", 10, out, 1), 9);
	assert_string_equal(out, "");
	out[0] = 'Q';
	assert_int_equal(cmdline("abc\0defgh\0", 10, out, 0), 9);
	assert_int_equal(out[0], 'Q');
	assert_int_equal(cmdline("abcde", 5, out, sizeof(out)), 5);
	assert_string_equal(out, "abcde");
}

/* --- fd listing ------------------------------------------------------------ */

/* What every row of the collector's fd listing carries. */
static void check_listing_fd(const struct sm_fd_row *r)
{
	assert_non_null(r->type);
	assert_non_null(r->target);
	assert_non_null(r->fd_text);
	assert_null(r->comm);
	assert_int_equal(r->orphaned, 0);
}

static int fds(const char *s, size_t n, int64_t pid, struct rowrec *r)
{
	struct text t = text_open(s, n, r);

	r->check_fd = check_listing_fd;
	return text_close(&t, parse_fd_listing(t.buf, n, pid, &t.sink));
}

static void check_fd(const struct sm_fd_row *o, uint64_t line, int64_t fd, const char *type,
		     const char *target, uint64_t inode)
{
	assert_int_equal(o->line, line);
	assert_int_equal(o->pid, 4242);
	assert_int_equal(o->fd, fd);
	assert_string_equal(o->type, type);
	assert_string_equal(o->target, target);
	assert_int_equal(o->inode, inode);
}

static void test_fd_listing(void **state)
{
	static const char text[] =
		"0\t/dev/null\n"
		"1\tpipe:[998]\n"
		"2\t/var/log/app log (deleted)\n"
		"3\tsocket:[12345]\n"
		"7\tanon_inode:[eventpoll]\n"
		"8\tanon_inode:inotify\n"
		"9\t!ENOENT\n"
		"10\tnet:[4026531840]\n"
		"11\t/memfd:jit (deleted)\n"
		"2147483647\tsocket:[18446744073709551615]";
	struct rowrec *r = rowrec_new();

	(void)state;
	assert_int_equal(fds(text, sizeof(text) - 1, 4242, r), 0);
	assert_int_equal(r->nfds, 10);
	assert_int_equal(r->nwarn, 0);
	check_fd(&r->fds[0], 1, 0, "file", "/dev/null", 0);
	check_fd(&r->fds[1], 2, 1, "pipe", "pipe:[998]", 0);
	check_fd(&r->fds[2], 3, 2, "file", "/var/log/app log (deleted)", 0);
	check_fd(&r->fds[3], 4, 3, "socket", "socket:[12345]", 12345);
	assert_string_equal(r->fds[3].fd_text, "3");
	check_fd(&r->fds[4], 5, 7, "anon", "anon_inode:[eventpoll]", 0);
	check_fd(&r->fds[5], 6, 8, "anon", "anon_inode:inotify", 0);
	check_fd(&r->fds[6], 7, 9, "other", "!ENOENT", 0);
	check_fd(&r->fds[7], 8, 10, "other", "net:[4026531840]", 0);
	check_fd(&r->fds[8], 9, 11, "file", "/memfd:jit (deleted)", 0);
	check_fd(&r->fds[9], 10, 2147483647, "socket", "socket:[18446744073709551615]",
		 UINT64_MAX);
	assert_string_equal(r->fds[9].fd_text, "2147483647");
	rowrec_delete(r);
}

/* known() for the listing below: the line of fd 3 is known. */
static int listing_known(void *ctx, const char *hdr, size_t hlen, const struct sm_line_key *k)
{
	(void)ctx;
	assert_int_equal(hlen, 0);
	assert_non_null(hdr);
	return k->len > 2 && !memcmp(k->p, "3\t", 2);
}

/* known_run(): the two lines after a known one, whole. */
static size_t listing_run(void *ctx, const char *next, size_t avail, uint64_t *lines)
{
	const char *a, *b;

	(void)ctx;
	*lines = 0;
	if (!(a = memchr(next, '\n', avail)) || !(b = memchr(a + 1, '\n', avail - (size_t)(a + 1 - next))))
		return 0;
	*lines = 2;
	return (size_t)(b + 1 - next);
}

/* A sink that says it broke: more bytes than there are. */
static size_t listing_run_broken(void *ctx, const char *next, size_t avail, uint64_t *lines)
{
	(void)ctx;
	(void)next;
	*lines = 1;
	return avail + 100;
}

/* Lines known, and the run known after them, make no rows, and the lines
 * after the run keep their numbers. */
static void test_fd_listing_known_run(void **state)
{
	static const char text[] =
		"0\t/dev/null\n"
		"3\tsocket:[1]\n"
		"4\tsocket:[2]\n"
		"5\tsocket:[3]\n"
		"6\t\n"
		"7\t/x\n";
	struct rowrec *r = rowrec_new();
	struct text t = text_open(text, sizeof(text) - 1, r);

	(void)state;
	r->check_fd = check_listing_fd;
	t.sink.known = listing_known;
	t.sink.known_run = listing_run;
	assert_int_equal(parse_fd_listing(t.buf, sizeof(text) - 1, 4242, &t.sink), 0);
	assert_int_equal(r->nfds, 2);
	check_fd(&r->fds[0], 1, 0, "file", "/dev/null", 0);
	check_fd(&r->fds[1], 6, 7, "file", "/x", 0);
	assert_int_equal(r->nwarn, 1);                 /* "6\t": empty target, line 5 */
	assert_int_equal(r->warn_line[0], 5);
	rowrec_free(r);
	t.sink.known_run = listing_run_broken;         /* the parser stops at the end */
	assert_int_equal(parse_fd_listing(t.buf, sizeof(text) - 1, 4242, &t.sink), 0);
	assert_int_equal(r->nfds, 1);
	text_close(&t, 0);
	rowrec_delete(r);
}

static void test_fd_listing_bad_lines(void **state)
{
	static const char text[] =
		"3\tsocket:[1]\r\n"                         /* 1: CRLF ok */
		"x\t/dev/null\n"                            /* 2 */
		"-1\t/dev/null\n"                           /* 3 */
		"+4\t/dev/null\n"                           /* 4 */
		"05\t/dev/null\n"                           /* 5: leading zero */
		"6 /dev/null\n"                             /* 6: no tab */
		"2147483648\t/dev/null\n"                   /* 7: > INT_MAX */
		"99999999999999999999\t/dev/null\n"         /* 8: overflow */
		"9\tsocket:[abc]\n"                         /* 9 */
		"10\tsocket:[18446744073709551616]\n"       /* 10: overflow */
		"11\tsocket:[]\n"                           /* 11 */
		"12\t\n"                                    /* 12: no target */
		"\n"                                        /* 13: blank, ignored */
		"\t/dev/null\n"                             /* 14: no fd */
		"13\t/ok\0nul\n"                            /* 15: NUL kept as '?' */
		"14\tsocket:[7";                            /* 16: cut short */
	struct rowrec *r = rowrec_new();
	uint64_t want[] = { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16 };
	size_t i;

	(void)state;
	assert_int_equal(fds(text, sizeof(text) - 1, 4242, r), 0);
	assert_int_equal(r->nfds, 2);
	check_fd(&r->fds[0], 1, 3, "socket", "socket:[1]", 1);
	check_fd(&r->fds[1], 15, 13, "file", "/ok?nul", 0);
	assert_int_equal(r->nwarn, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < r->nwarn; i++)
		assert_int_equal(r->warn_line[i], want[i]);
	rowrec_delete(r);
}

static void test_fd_listing_whole_input(void **state)
{
	struct rowrec *r = rowrec_new();
	char big[5000];
	int n;

	(void)state;
	assert_int_equal(fds("", 0, 1, r), 0);
	assert_int_equal(fds("\n\n", 2, 1, r), 0);
	assert_int_equal(r->nfds + r->nwarn, 0);
	/* nothing valid at all: not an fd listing */
	assert_int_equal(fds("hello\nworld\n", 12, 1, r), -1);
	assert_int_equal(r->nfds, 0);
	/* a callback stops the parse */
	r->stop_at = 2;
	r->stop_rc = 9;
	assert_int_equal(fds("0\t/a\n1\t/b\n2\t/c\n", 15, 1, r), 9);
	assert_int_equal(r->nfds, 2);
	/* a target longer than PATH_MAX is truncated, the fd still reported */
	rowrec_free(r);
	r->stop_at = 0;
	n = snprintf(big, sizeof(big), "5\t/%04500d", 0);
	assert_int_equal(fds(big, (size_t)n, 1, r), 0);
	assert_int_equal(r->nfds, 1);
	assert_int_equal(r->fds[0].fd, 5);
	assert_int_equal(r->nwarn, 1);
	rowrec_delete(r);
}

/* The fds this test process has open, listed the way the collector does. */
static void test_fd_listing_live(void **state)
{
	char text[1024], link[256], path[64];
	int sv[2], pfd[2], i;
	size_t w = 0;
	ssize_t n;
	struct stat st;
	struct rowrec *r = rowrec_new();

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(pfd), 0);
	for (i = 0; i < 2; i++) {
		int fd = i ? pfd[0] : sv[0];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		assert_true(n > 0);
		link[n] = '\0';
		w += (size_t)snprintf(text + w, sizeof(text) - w, "%d\t%s\n", fd, link);
	}
	assert_int_equal(fds(text, w, 4242, r), 0);
	assert_int_equal(r->nfds, 2);
	assert_int_equal(fstat(sv[0], &st), 0);
	assert_string_equal(r->fds[0].type, "socket");
	assert_int_equal(r->fds[0].inode, (uint64_t)st.st_ino);
	assert_int_equal(r->fds[0].fd, sv[0]);
	assert_string_equal(r->fds[1].type, "pipe");
	rowrec_delete(r);
	close(sv[0]);
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_live),
		cmocka_unit_test(test_status_crafted),
		cmocka_unit_test(test_status_missing_and_bad),
		cmocka_unit_test(test_status_long_name),
		cmocka_unit_test(test_limits_live),
		cmocka_unit_test(test_limits_crafted),
		cmocka_unit_test(test_stat_live),
		cmocka_unit_test(test_stat_crafted_comm),
		cmocka_unit_test(test_stat_missing_and_bad),
		cmocka_unit_test(test_stat_rejected),
		cmocka_unit_test(test_null_empty_input),
		cmocka_unit_test(test_cmdline_live),
		cmocka_unit_test(test_cmdline_crafted),
		cmocka_unit_test(test_cmdline_truncation),
		cmocka_unit_test(test_fd_listing),
		cmocka_unit_test(test_fd_listing_known_run),
		cmocka_unit_test(test_fd_listing_bad_lines),
		cmocka_unit_test(test_fd_listing_whole_input),
		cmocka_unit_test(test_fd_listing_live),
	};

	g_argc = argc;
	g_argv = argv;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
