/* Unit tests for analyze/parse/log_unwrap.c: Go traces inside logs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "log_unwrap.h"
#include "parse_goroutine.h"
#include "rows.h"

/* Unwraps in[] and checks the result against want (whole text) and info. */
static void expect_unwrap(const char *in, const char *want, const char *style, int64_t pid, uint64_t first)
{
	struct strbuf out = STRBUF_INIT;
	struct log_unwrap_info info;

	memset(&info, 0, sizeof(info));
	assert_int_equal(log_unwrap(in, strlen(in), &out, &info), 1);
	assert_string_equal(out.buf, want);
	assert_string_equal(info.style, style);
	assert_int_equal(info.pid, pid);
	assert_int_equal(info.first_line, first);
	strbuf_release(&out);
}

static void expect_none(const char *in)
{
	struct strbuf out = STRBUF_INIT;
	struct log_unwrap_info info;

	assert_int_equal(log_unwrap(in, strlen(in), &out, &info), 0);
	assert_int_equal(out.len, 0);
	strbuf_release(&out);
}

/* journalctl -u gateway: app lines first, another process interleaved. */
static void t_journal(void **state)
{
	(void)state;
	expect_unwrap("Nov 24 09:59:58 web-1 systemd[1]: Started gateway.\n"
		      "Nov 24 09:59:59 web-1 gateway[1466]: listening on :8080\n"
		      "Nov 24 10:00:00 web-1 gateway[1466]: SIGQUIT: quit\n"
		      "Nov 24 10:00:00 web-1 gateway[1466]: PC=0x46e0c1 m=0 sigcode=0\n"
		      "Nov 24 10:00:00 web-1 gateway[1466]: \n"
		      "Nov 24 10:00:00 web-1 gateway[1466]: goroutine 7 [semacquire, 3 minutes]:\n"
		      "Nov 24 10:00:00 web-1 sshd[900]: Accepted publickey for root\n"
		      "Nov 24 10:00:00 web-1 gateway[1466]: sync.runtime_SemacquireRWMutexR(0xc0000a0010?, 0x0?, 0x0?)\n"
		      "Nov 24 10:00:00 web-1 gateway[1466]: \t/usr/lib/go/src/runtime/sema.go:82 +0x25\n",
		      "\n\nSIGQUIT: quit\nPC=0x46e0c1 m=0 sigcode=0\n\ngoroutine 7 [semacquire, 3 minutes]:\n\n"
		      "sync.runtime_SemacquireRWMutexR(0xc0000a0010?, 0x0?, 0x0?)\n"
		      "\t/usr/lib/go/src/runtime/sema.go:82 +0x25\n",
		      "syslog", 1466, 3);
}

/* journalctl -o short-iso and short-precise; a program without a pid. */
static void t_journal_forms(void **state)
{
	(void)state;
	expect_unwrap("2026-11-24T10:00:00+0000 web-1 gateway[42]: goroutine 1 [running]:\n"
		      "2026-11-24T10:00:00+0000 web-1 gateway[42]: main.main()\n",
		      "goroutine 1 [running]:\nmain.main()\n", "syslog", 42, 1);
	expect_unwrap("Nov  4 10:00:00.123456 web-1 gateway[42]: goroutine 1 [running]:\n",
		      "goroutine 1 [running]:\n", "syslog", 42, 1);
	expect_unwrap("Nov 24 10:00:00 web-1 gateway: panic: boom\n"
		      "Nov 24 10:00:00 web-1 gateway: \n"
		      "Nov 24 10:00:00 web-1 gateway: goroutine 1 [running]:\n",
		      "panic: boom\n\ngoroutine 1 [running]:\n", "syslog", -1, 1);
}

/* The program a syslog prefix names: what the report calls the process
 * when no capture shows it. None for other styles, nor one that is too
 * long or has bytes a terminal would act on. */
static void expect_program(const char *in, const char *program)
{
	struct strbuf out = STRBUF_INIT;
	struct log_unwrap_info info;

	memset(&info, 'x', sizeof(info));
	assert_int_equal(log_unwrap(in, strlen(in), &out, &info), 1);
	assert_string_equal(info.program, program);
	strbuf_release(&out);
}

static void t_program(void **state)
{
	(void)state;
	expect_program("Nov 24 10:00:00 web-1 sshd[900]: Accepted\n"
		       "Nov 24 10:00:00 web-1 gateway[1466]: goroutine 1 [running]:\n", "gateway");
	expect_program("Nov 24 10:00:00 web-1 gateway: goroutine 1 [running]:\n", "gateway");
	expect_program("2026-11-24T10:00:01Z goroutine 1 [running]:\n", "");
	expect_program("Nov 24 10:00:00 web-1 g\x1b]0;x[7]: goroutine 1 [running]:\n", "");
	expect_program("Nov 24 10:00:00 web-1 g\x7f[7]: goroutine 1 [running]:\n", "");
	expect_program("Nov 24 10:00:00 web-1 "
		       "a-program-name-of-more-than-sixty-four-bytes-which-no-buffer-keeps[7]: goroutine 1 [running]:\n", "");
}

/* When the trace was logged: a prefix's time with a zone (or docker's
 * "time"), in ns since the epoch; none from syslog's "Nov 24 10:00:00" (no year, no zone), nor an
 * impossible or unrepresentable date. */
static void expect_time(const char *in, int64_t ns)
{
	struct strbuf out = STRBUF_INIT;
	struct log_unwrap_info info;

	assert_int_equal(log_unwrap(in, strlen(in), &out, &info), 1);
	assert_int_equal(info.time_ns, ns);
	strbuf_release(&out);
}

static void t_time(void **state)
{
	(void)state;
	/* 2026-11-24T10:00:01Z is 1795514401 s since the epoch */
	expect_time("2026-11-24T10:00:00Z starting\n2026-11-24T10:00:01.000000001Z goroutine 1 [running]:\n",
		    INT64_C(1795514401000000001));
	expect_time("2026-11-24T11:00:01.5+01:00 stderr F goroutine 1 [running]:\n", INT64_C(1795514401500000000));
	expect_time("2026-11-24T04:30:01-0530 web-1 gateway[42]: goroutine 1 [running]:\n", INT64_C(1795514401000000000));
	expect_time("2024-02-29 23:59:60Z goroutine 1 [running]:\n", INT64_C(1709251200000000000));
	expect_time("Nov 24 10:00:01 web-1 gateway[42]: goroutine 1 [running]:\n", 0);
	/* docker's json-file: its "time" (a quote in the text is escaped, so
	 * the key cannot be faked from it) */
	expect_time("{\"log\":\"goroutine 1 [running]:\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:01Z\"}\n",
		    INT64_C(1795514401000000000));
	expect_time("{\"log\":\"goroutine 1 [running]: \\\",\\\"time\\\":\\\"2030-01-01T00:00:00Z\\n\"}\n", 0);
	expect_time("2026-13-24T10:00:01Z goroutine 1 [running]:\n", 0);
	expect_time("1970-01-01T00:00:01Z goroutine 1 [running]:\n", 0);
	expect_time("9999-12-31T23:59:59Z goroutine 1 [running]:\n", 0);
}

/* docker logs -t, kubectl logs --timestamps, and a CRI log file (no final
 * newline: the output ends with one all the same). */
static void t_timestamps(void **state)
{
	(void)state;
	expect_unwrap("2026-11-24T10:00:00.123456789Z starting\n"
		      "2026-11-24T10:00:01.000000001Z goroutine 1 [running]:\n"
		      "2026-11-24T10:00:01.000000002Z main.main()\n"
		      "2026-11-24T10:00:01.000000003Z \t/src/main.go:12 +0x90\n",
		      "\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x90\n", "timestamp", -1, 2);
	expect_unwrap("2026-11-24T10:00:01.000000001+01:00 stderr F goroutine 1 [running]:\n"
		      "2026-11-24T10:00:01.000000002+01:00 stdout F hello\n"
		      "2026-11-24T10:00:01.000000003+01:00 stderr F main.main()",
		      "goroutine 1 [running]:\nhello\nmain.main()\n", "cri", -1, 1);
}

/* Docker's json-file log: the "log" string unescaped, its final newline
 * gone, a newline inside it a space (one line stays one line). */
static void t_docker_json(void **state)
{
	(void)state;
	expect_unwrap("{\"log\":\"listening\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-24T10:00:00Z\"}\n"
		      "{\"log\":\"goroutine 1 [running]:\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T10:00:01Z\"}\n"
		      "{\"log\":\"main.(*T).run(\\\"x\\\")\\n\",\"stream\":\"stderr\"}\n"
		      "{\"log\":\"\\t/src/main.go:12 +0x90 \\u00e9\\u4e2d\\ud83d\\n\",\"stream\":\"stderr\"}\n"
		      "{\"log\":\"two\\nlines\\n\"}\n"
		      "{\"log\":\"cut \\u00\"}\n",
		      "\ngoroutine 1 [running]:\nmain.(*T).run(\"x\")\n\t/src/main.go:12 +0x90 \xc3\xa9\xe4\xb8\xad?\n"
		      "two lines\ncut \n",
		      "docker-json", -1, 2);
}

/* Line numbers stay: CRLF lines lose only their '\r', every line is kept. */
static void t_crlf(void **state)
{
	(void)state;
	/* the last line, not the trace's, still counts (the fuzzer's find) */
	expect_unwrap("2026-11-24T10:00:00Z goroutine 3 [select]:\nN\xc2", "goroutine 3 [select]:\n\n", "timestamp", -1,
		      1);
	expect_unwrap("x\r\n2026-11-24T10:00:00Z goroutine 3 [select]:\r\n2026-11-24T10:00:00Z main.f()\r\n",
		      "\ngoroutine 3 [select]:\nmain.f()\n", "timestamp", -1, 2);
}

/* Nothing to unwrap: a plain dump, ordinary logs, near misses, binary. */
static void t_none(void **state)
{
	static const char bin[] = "\x00\x01goroutine 1 [running]:\n";

	(void)state;
	expect_none("goroutine 1 [running]:\nmain.main()\n");
	expect_none("Nov 24 10:00:00 web-1 gateway[1466]: listening on :8080\n");
	expect_none("2026-11-24T10:00:00Z goroutines: 12\n");
	expect_none("2026-11-24T10:00:00Z goroutine x [running]:\n");
	expect_none("Nov 24 10:00:00 web-1 gateway[14x]: goroutine 1 [running]:\n");
	expect_none("2026-11-24 10:00 goroutine 1 [running]:\n");
	expect_none("");
	assert_int_equal(log_unwrap(bin, sizeof(bin) - 1, &(struct strbuf)STRBUF_INIT, &(struct log_unwrap_info){ 0 }), 0);
}

static int count_goroutine(void *ctx, const struct sm_goroutine_row *r)
{
	(void)r;
	++*(int *)ctx;
	return 0;
}

/* What it gives is what parse_goroutine reads: the journal's trace. */
static void t_parses(void **state)
{
	static const char in[] = "Nov 24 10:00:00 web-1 gw[7]: goroutine 1 [running]:\n"
				 "Nov 24 10:00:00 web-1 gw[7]: main.main()\n"
				 "Nov 24 10:00:00 web-1 gw[7]: \t/src/main.go:12 +0x90\n"
				 "Nov 24 10:00:00 web-1 gw[7]: \n"
				 "Nov 24 10:00:00 web-1 gw[7]: goroutine 9 [IO wait, 5 minutes]:\n"
				 "Nov 24 10:00:00 web-1 gw[7]: internal/poll.runtime_pollWait(0x7f, 0x72)\n"
				 "Nov 24 10:00:00 web-1 gw[7]: \t/usr/lib/go/src/runtime/netpoll.go:305 +0x89\n";
	struct strbuf out = STRBUF_INIT;
	struct log_unwrap_info info;
	int n = 0;
	struct sm_sink sink = { .ctx = &n, .goroutine = count_goroutine };

	(void)state;
	assert_int_equal(log_unwrap(in, sizeof(in) - 1, &out, &info), 1);
	assert_int_equal(parse_goroutine_text(out.buf, out.len, &sink), 0);
	assert_int_equal(n, 2);
	strbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_journal),  cmocka_unit_test(t_journal_forms), cmocka_unit_test(t_program), cmocka_unit_test(t_time), cmocka_unit_test(t_timestamps),
		cmocka_unit_test(t_crlf),     cmocka_unit_test(t_none),          cmocka_unit_test(t_parses),
		cmocka_unit_test(t_docker_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
