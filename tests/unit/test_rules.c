/*
 * Tests for the root-cause rules (the built-in rule files through rule_set.c,
 * rule_run.c), gaps.c, verdict.c and the JSON renderer. Each test builds a
 * small database by hand (one source, N snapshots 5 s apart, processes,
 * sockets with their fds) where one rule must fire, or a healthy one where
 * none may, runs the whole pipeline and checks rule ids, culprits and the
 * figures behind them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "gaps.h"
#include "report.h"
#include "rules.h"
#include "strbuf.h"
#include "verdict.h"

#define T0 1795000000000000000LL

static void sql(sqlite3 *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sql(sqlite3 *db, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	char *err = NULL;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (db_exec(db, sb.buf, &err) < 0) {
		fprintf(stderr, "sql failed: %s\n%s\n", err, sb.buf);
		free(err);
		strbuf_release(&sb);
		fail();
	}
	strbuf_release(&sb);
}

/* One source of n snapshots, interval seconds apart; manifest optional. */
static sqlite3 *world(int n, int interval, const char *manifest)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	assert_int_equal(db_open(":memory:", DB_CREATE, &db, &err), 0);
	sql(db, "INSERT INTO sources(id, kind, path, sha256, host, snapshots, complete, manifest)"
		" VALUES (1, 'bundle', 'test.tar.zst', 'x', 'testhost', %d, 1, %s)", n, manifest ? manifest : "NULL");
	sql(db, "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < %d)"
		" INSERT INTO snapshots(id, source_id, seq, wall_ns, ended_ns) SELECT n, 1, n, %lld + (n - 1) * %d * 1000000000,"
		" %lld + (n - 1) * %d * 1000000000 + 100000000 FROM i", n, T0, interval, T0, interval);
	return db;
}

/* A process seen in every snapshot; fds = an SQL expression of n (snapshot). */
static void proc(sqlite3 *db, int id, int pid, const char *comm, const char *fds, int soft)
{
	sql(db, "INSERT INTO processes(id, boot_id, pid, start_ticks, comm, cmdline, netns, first_snapshot, last_snapshot)"
		" VALUES (%d, 'b', %d, %d, '%s', '/usr/bin/%s --serve', 1, 1, (SELECT max(id) FROM snapshots))",
		id, pid, pid * 10, comm, comm);
	sql(db, "INSERT INTO process_samples(snapshot_id, process_id, state, fd_count, nofile_soft, nofile_hard)"
		" SELECT id, %d, 'S', %s, %d, %d FROM (SELECT id, id AS n FROM snapshots)", id, fds, soft, soft);
}

/*
 * count sockets with ids first_id.., owned by process owner (0: none), in
 * state; addresses and ports and the interval are SQL expressions of n
 * (1..count). TIME_WAIT sockets get inode 0 and no fd.
 */
static void socks(sqlite3 *db, int first_id, int count, int owner, const char *state, const char *lport,
		  const char *raddr, const char *rport, const char *first, const char *last)
{
	int tw = !strcmp(state, "TIME_WAIT");

	sql(db, "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < %d)"
		" INSERT INTO sockets(id, source_id, netns, proto, inode, local_addr, local_port, remote_addr, remote_port,"
		" first_snapshot, last_snapshot) SELECT %d + n - 1, 1, 1, 'tcp', %s, '127.0.0.1', %s, %s, %s, %s, %s FROM i",
		count, first_id, tw ? "0" : "500000 + n + " "0", lport, raddr, rport, first, last);
	sql(db, "UPDATE sockets SET inode = 500000 + id WHERE id BETWEEN %d AND %d AND inode <> 0", first_id,
	    first_id + count - 1);
	sql(db, "INSERT INTO socket_states(socket_id, state, first_snapshot, last_snapshot, tx_queue, rx_queue,"
		" tx_queue_max, rx_queue_max, timer) SELECT id, '%s', first_snapshot, last_snapshot, 0, 0, 0, 0, 0"
		" FROM sockets WHERE id BETWEEN %d AND %d", state, first_id, first_id + count - 1);
	if (owner && !tw)
		sql(db, "INSERT INTO fds(process_id, fd, target, type, inode, first_snapshot, last_snapshot)"
			" SELECT %d, id, 'socket:[' || inode || ']', 'socket', inode, first_snapshot, last_snapshot"
			" FROM sockets WHERE id BETWEEN %d AND %d", owner, first_id, first_id + count - 1);
}

static void run(sqlite3 *db, const char *rules_dir, struct report *rep)
{
	struct rule_set rs;
	char *err = NULL;

	report_init(rep);
	assert_int_equal(gaps_collect(db, rep, &err), 0);
	if (rule_set_load(&rs, rules_dir, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
	if (rules_run(db, &rs, rep, stderr, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		fail();
	}
	rule_set_free(&rs);
	report_sort(rep);
	verdict_build(rep);
}

static const struct finding *find(const struct report *rep, const char *rule, int64_t pid)
{
	size_t i;

	for (i = 0; i < rep->nfindings; i++)
		if (!strcmp(rep->findings[i].rule, rule) && (pid < 0 || rep->findings[i].pid == pid))
			return &rep->findings[i];
	return NULL;
}

static int has_gap(const struct report *rep, const char *kind)
{
	size_t i;

	for (i = 0; i < rep->ngaps; i++)
		if (!strcmp(rep->gaps[i].kind, kind))
			return 1;
	return 0;
}

/* A healthy report: no finding at all, and every built-in rule ran. */
static void assert_healthy(sqlite3 *db)
{
	struct report rep;
	size_t i;

	run(db, NULL, &rep);
	for (i = 0; i < rep.nfindings; i++)
		fprintf(stderr, "unexpected: %s: %s\n", rep.findings[i].rule, rep.findings[i].summary);
	assert_int_equal(rep.nfindings, 0);
	assert_int_equal(rep.nskipped, 0);
	assert_false(rep.verdict.found);
	report_free(&rep);
}

/* Server leaking CLOSE_WAIT on its listening port: one new every snapshot. */
static void test_close_wait_server_growth(void **state)
{
	sqlite3 *db = world(30, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 4242, "gateway", "100 + n", 65536);
	socks(db, 1, 1, 1, "LISTEN", "8080", "'0.0.0.0'", "0", "1", "30");
	socks(db, 10, 30, 1, "CLOSE_WAIT", "8080", "'127.0.0.1'", "40000 + n", "n", "30");
	run(db, NULL, &rep);
	f = find(&rep, "close_wait_leak", 4242);
	assert_non_null(f);
	assert_string_equal(f->role, "server");
	assert_string_equal(f->comm, "gateway");
	assert_true(f->severity >= SEV_HIGH);
	assert_true(f->confidence > 0.8);
	assert_true(fabs(f->rate_per_min - 12.0) < 0.5);   /* 1 per 5 s */
	assert_non_null(strstr(f->remedy, "handlers"));
	assert_non_null(f->sql);
	assert_true(rep.verdict.found);
	assert_int_equal(rep.verdict.pid, 4242);
	assert_int_equal(rep.nskipped, 0);
	report_free(&rep);
	db_close(db);
}

/* One snapshot: 150 CLOSE_WAIT to a remote database = a client-side level finding. */
static void test_close_wait_client_single_snapshot(void **state)
{
	sqlite3 *db = world(1, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 777, "worker", "200", 65536);
	socks(db, 1, 150, 1, "CLOSE_WAIT", "30000 + n", "'10.0.3.17'", "5432", "1", "1");
	run(db, NULL, &rep);
	f = find(&rep, "close_wait_leak", 777);
	assert_non_null(f);
	assert_string_equal(f->role, "client");
	assert_true(f->confidence < 0.6);
	assert_true(isnan(f->rate_per_min));
	assert_non_null(strstr(f->summary, "10.0.3.17:5432"));
	assert_non_null(strstr(f->remedy, "Body.Close"));
	report_free(&rep);
	db_close(db);
}

/* A busy pooled client and server: 50 connections held all along, a few
 * CLOSE_WAIT that come and go, modest TIME_WAIT. Nothing to report. */
static void test_healthy_pool(void **state)
{
	sqlite3 *db = world(40, 5, NULL);

	(void)state;
	proc(db, 1, 100, "api", "80", 1024);
	proc(db, 2, 200, "backend", "80", 1024);
	socks(db, 1, 1, 2, "LISTEN", "9000", "'0.0.0.0'", "0", "1", "40");
	socks(db, 10, 50, 1, "ESTABLISHED", "41000 + n", "'127.0.0.1'", "9000", "1", "40");
	socks(db, 100, 50, 2, "ESTABLISHED", "9000", "'127.0.0.1'", "41000 + n", "1", "40");
	/* a CLOSE_WAIT now and then, closed within a snapshot or two */
	socks(db, 200, 8, 2, "CLOSE_WAIT", "9000", "'127.0.0.1'", "42000 + n", "n * 4", "n * 4 + 1");
	/* 40 TIME_WAIT at any time: about 8 connections a minute */
	socks(db, 300, 400, 0, "TIME_WAIT", "43000 + n", "'127.0.0.1'", "9000", "1 + n / 10", "min(40, n / 10 + 12)");
	assert_healthy(db);
	db_close(db);
}

/* A burst of CLOSE_WAIT, of dialed connections and of closes that recovers. */
static void test_brief_burst(void **state)
{
	sqlite3 *db = world(40, 5, NULL);

	(void)state;
	proc(db, 1, 100, "api", "80 + CASE WHEN n BETWEEN 10 AND 14 THEN 150 ELSE 0 END", 1024);
	socks(db, 1, 1, 1, "LISTEN", "9000", "'0.0.0.0'", "0", "1", "40");
	socks(db, 10, 150, 1, "CLOSE_WAIT", "9000", "'127.0.0.1'", "42000 + n", "10 + n % 3", "14");
	socks(db, 200, 150, 1, "ESTABLISHED", "43000 + n", "'10.0.0.9'", "443", "10 + n % 4", "15");
	/* 2000 connections closed at once: 2000 TIME_WAIT born in one snapshot, for 60 s */
	socks(db, 400, 2000, 0, "TIME_WAIT", "44000 + n", "'127.0.0.1'", "9000", "12", "24");
	assert_healthy(db);
	db_close(db);
}

/* A client churning connections to a local listener: TIME_WAIT at the
 * client side, a few of its connections caught in flight. The listener is
 * not to blame. */
static void test_time_wait_churn_blames_client(void **state)
{
	sqlite3 *db = world(30, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 300, "server", "20", 1024);
	proc(db, 2, 400, "checker", "10", 1024);
	socks(db, 1, 1, 1, "LISTEN", "8080", "'0.0.0.0'", "0", "1", "30");
	socks(db, 10, 6, 2, "ESTABLISHED", "33000 + n", "'127.0.0.1'", "8080", "n * 4", "n * 4");
	socks(db, 20, 6, 1, "ESTABLISHED", "8080", "'127.0.0.1'", "33000 + n", "n * 4", "n * 4");
	/* 600 new TIME_WAIT per minute: 50 per snapshot, each for 12 snapshots */
	socks(db, 1000, 1500, 0, "TIME_WAIT", "34000 + n", "'127.0.0.1'", "8080", "1 + n / 50", "min(30, n / 50 + 12)");
	run(db, NULL, &rep);
	f = find(&rep, "time_wait_churn", -1);
	assert_non_null(f);
	assert_int_equal(f->pid, 400);
	assert_string_equal(f->comm, "checker");
	assert_non_null(strstr(f->summary, "127.0.0.1:8080"));
	assert_null(find(&rep, "time_wait_churn", 300));
	assert_int_equal(rep.verdict.pid, 400);
	report_free(&rep);
	db_close(db);
}

/* Connections too short to be caught in a snapshot: the process whose
 * socket fds come and go is the best guess; the listener's, which churn
 * too, are not blamed. */
static void test_time_wait_churn_by_fd_churn(void **state)
{
	sqlite3 *db = world(30, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 300, "server", "20", 1024);
	proc(db, 2, 400, "cchurn", "10", 1024);
	socks(db, 1, 1, 1, "LISTEN", "8080", "'0.0.0.0'", "0", "1", "30");
	socks(db, 1000, 1500, 0, "TIME_WAIT", "34000 + n", "'127.0.0.1'", "8080", "1 + n / 50", "min(30, n / 50 + 12)");
	sql(db, "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 60)"
		" INSERT INTO fds(process_id, fd, target, type, inode, first_snapshot, last_snapshot)"
		" SELECT 1 + n %% 2, 10 + n, 'socket:[' || (900000 + n) || ']', 'socket', 900000 + n, 1 + n / 2, 1 + n / 2 FROM i");
	run(db, NULL, &rep);
	f = find(&rep, "time_wait_churn", -1);
	assert_non_null(f);
	assert_int_equal(f->pid, 400);
	assert_non_null(strstr(f->figures, "\"blamed_by\":\"fd churn\""));
	assert_true(f->confidence < 0.6);
	report_free(&rep);
	db_close(db);
}

/* A dialer opening a connection per message to a local gateway: the
 * dialer is blamed, not the gateway whose accepted connections mirror it. */
static void test_established_growth_blames_dialer(void **state)
{
	sqlite3 *db = world(30, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 500, "pushsvc", "10 + 3 * n", 65536);
	proc(db, 2, 600, "gateway", "10 + 3 * n", 2000);   /* near enough to its limit for a trend */
	socks(db, 1, 1, 2, "LISTEN", "7000", "'0.0.0.0'", "0", "1", "30");
	socks(db, 10, 90, 1, "ESTABLISHED", "35000 + n", "'127.0.0.1'", "7000", "1 + n / 3", "30");
	socks(db, 200, 90, 2, "ESTABLISHED", "7000", "'127.0.0.1'", "35000 + n", "1 + n / 3", "30");
	sql(db, "INSERT INTO socket_peers(socket_id, peer_id, first_snapshot, last_snapshot)"
		" SELECT a.id, b.id, a.first_snapshot, a.last_snapshot FROM sockets a JOIN sockets b"
		" ON b.local_port = a.remote_port AND b.remote_port = a.local_port AND b.id <> a.id"
		" WHERE a.id BETWEEN 10 AND 299 AND b.id BETWEEN 10 AND 299 AND a.id < b.id");   /* one row per pair, as ingest does */
	run(db, NULL, &rep);
	f = find(&rep, "established_growth", 500);
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "127.0.0.1:7000"));
	assert_true(f->rate_per_min > 10);
	assert_null(find(&rep, "established_growth", 600));
	/* the gateway's fds grow with the mirrored connections: the dialer is the cause */
	f = find(&rep, "fd_exhaustion", 600);
	assert_non_null(f);
	assert_int_equal(f->related_process_id, 1);
	assert_int_equal(f->severity, SEV_LOW);
	assert_int_equal(rep.verdict.pid, 500);
	report_free(&rep);
	db_close(db);
}

/* The same dialer under a low ulimit -n: growth, then a plateau at the
 * limit. Still a leak, and fd exhaustion too. */
static void test_growth_capped_by_fd_limit(void **state)
{
	sqlite3 *db = world(30, 5, NULL);
	struct report rep;

	(void)state;
	proc(db, 1, 500, "pushsvc", "min(98, 10 + 6 * n)", 100);
	socks(db, 10, 88, 1, "ESTABLISHED", "35000 + n", "'127.0.0.1'", "7000", "1 + n / 6", "30");
	run(db, NULL, &rep);
	assert_non_null(find(&rep, "established_growth", 500));
	assert_non_null(find(&rep, "fd_exhaustion", 500));
	assert_int_equal(rep.verdict.pid, 500);
	report_free(&rep);
	db_close(db);
}

static void test_orphans_and_fd_exhaustion(void **state)
{
	sqlite3 *db = world(10, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 900, "shutter", "950 + n", 1000);
	proc(db, 2, 901, "calm", "50", 1000);
	sql(db, "WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < 12)"
		" INSERT INTO orphan_fds(process_id, fd, inode, first_snapshot, last_snapshot) SELECT 1, 100 + n, 90000 + n, 1, 10 FROM i");
	sql(db, "INSERT INTO orphan_fds(process_id, fd, inode, first_snapshot, last_snapshot) VALUES (2, 7, 91000, 1, 10)");
	run(db, NULL, &rep);
	f = find(&rep, "orphan_socket_fds", 900);
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "12 socket fd"));
	assert_null(find(&rep, "orphan_socket_fds", 901));     /* one stray orphan is not a leak */
	f = find(&rep, "fd_exhaustion", 900);
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_HIGH);                /* 960 of 1000 at the end: 96% */
	assert_null(find(&rep, "fd_exhaustion", 901));
	report_free(&rep);
	db_close(db);
}

/* The deadlocked Go server behind a proxy: CLOSE_WAIT growth, goroutines
 * piling up on an RWMutex re-entered while a writer waits, and the proxy
 * closing after a fixed 5 s: one verdict naming the server. */
static void test_verdict_ties_deadlock(void **state)
{
	sqlite3 *db = world(20, 5, NULL);
	const struct finding *f;
	struct report rep;
	size_t i;
	int rules = 0;

	(void)state;
	proc(db, 1, 1000, "goserver", "20 + 2 * n", 65536);
	proc(db, 2, 1001, "nginx", "30", 65536);
	socks(db, 1, 1, 1, "LISTEN", "8080", "'0.0.0.0'", "0", "1", "20");
	socks(db, 10, 40, 1, "CLOSE_WAIT", "8080", "'127.0.0.1'", "50000 + n", "1 + n / 2", "20");
	sql(db, "INSERT INTO stacks(id, hash, nframes, top_func, app_func, app_file, app_line, wait_kind, role, lock_func) VALUES"
		" (1, 'a', 9, 'runtime.gopark', 'main.(*cache).get', '/src/cache.go', 88, 'lock', 'http_server', 'sync.(*RWMutex).RLock'),"
		" (2, 'b', 9, 'runtime.gopark', 'main.(*cache).refresh', '/src/cache.go', 120, 'lock', NULL, 'sync.(*RWMutex).Lock'),"
		" (3, 'c', 5, 'runtime.gopark', 'main.main', '/src/main.go', 10, 'select', NULL, NULL)");
	/* a dump every other snapshot: 8 more handlers stuck each time */
	sql(db, "INSERT INTO dumps(id, source_id, snapshot_id, process_id, pid, kind, wall_ns, total, goroutines)"
		" SELECT n.id, 1, n.id, 1, 1000, 'debug2', n.wall_ns, 10 + 8 * n.id, 10 + 8 * n.id FROM snapshots n WHERE n.id %% 2 = 0");
	sql(db, "INSERT INTO goroutines(dump_id, goid, count, state, wait_minutes, stack_id)"
		" SELECT id, NULL, 8 * id, 'semacquire', id / 4, 1 FROM dumps");
	sql(db, "INSERT INTO goroutines(dump_id, goid, count, state, wait_minutes, stack_id) SELECT id, 7, 1, 'semacquire', id / 4, 2 FROM dumps");
	sql(db, "INSERT INTO goroutines(dump_id, goid, count, state, wait_minutes, stack_id) SELECT id, 1, 9, 'select', 0, 3 FROM dumps");
	sql(db, "INSERT INTO close_delays(source_id, closer_addr, closer_port, closer_role, peer_addr, peer_port, delay_ms,"
		" spread_ms, n, n_total, first_ns, last_ns, closer_pid, peer_pid, n_closed, share, tolerance_ms)"
		" VALUES (1, '127.0.0.1', NULL, 'client', '127.0.0.1', 8080, 5003, 12, 40, 41, %lld, %lld, 1001, 1000, 40, 1.0, 100)",
	    T0, T0 + 95000000000LL);
	run(db, NULL, &rep);
	assert_non_null(find(&rep, "close_wait_leak", 1000));
	f = find(&rep, "lock_wait", 1000);
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "main.(*cache).get"));
	assert_non_null(strstr(f->remedy, "defer RUnlock"));
	assert_non_null(find(&rep, "goroutine_leak", 1000));
	f = find(&rep, "peer_timeout_close", 1001);
	assert_non_null(f);
	assert_non_null(strstr(f->summary, "5.0 s"));
	assert_true(rep.verdict.found);
	assert_int_equal(rep.verdict.pid, 1000);
	assert_string_equal(rep.findings[rep.verdict.findings[0]].rule, "close_wait_leak");
	for (i = 0; i < rep.verdict.nfindings; i++)
		rules |= 1 << (strcmp(rep.findings[rep.verdict.findings[i]].rule, "close_wait_leak") == 0 ? 0 :
			       strcmp(rep.findings[rep.verdict.findings[i]].rule, "lock_wait") == 0 ? 1 :
			       strcmp(rep.findings[rep.verdict.findings[i]].rule, "goroutine_leak") == 0 ? 2 :
			       strcmp(rep.findings[rep.verdict.findings[i]].rule, "peer_timeout_close") == 0 ? 3 : 4);
	assert_int_equal(rules, 0xf);
	assert_non_null(rep.verdict.cause);
	assert_non_null(strstr(rep.verdict.cause, "RWMutex"));
	/* text: the verdict first, colour only when asked for */
	{
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);

		assert_non_null(mem);
		assert_int_equal(report_render_text(&rep, mem, 0), 0);
		fclose(mem);
		assert_true(!strncmp(text, "VERDICT: goserver (pid 1000)", 28));
		assert_null(strchr(text, '\033'));
		assert_non_null(strstr(text, "reproduce: SELECT"));
		free(text);
		mem = open_memstream(&text, &len);
		assert_int_equal(report_render_text(&rep, mem, 1), 0);
		fclose(mem);
		assert_non_null(strchr(text, '\033'));
		free(text);
	}
	report_free(&rep);
	db_close(db);
}

/* Without packets: the proxy's FIN_WAIT2 paired with the backend's
 * CLOSE_WAIT, each connection closed 10 s after it was opened. */
static void test_peer_timeout_without_pcap(void **state)
{
	sqlite3 *db = world(30, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 2000, "backend", "20", 65536);
	proc(db, 2, 2001, "nginx", "20", 65536);
	socks(db, 1, 1, 1, "LISTEN", "8080", "'0.0.0.0'", "0", "1", "30");
	/* backend side: ESTABLISHED for 2 snapshots, then CLOSE_WAIT to the end */
	socks(db, 10, 10, 1, "ESTABLISHED", "8080", "'127.0.0.1'", "45000 + n", "2 * n", "2 * n + 1");
	sql(db, "INSERT INTO socket_states(socket_id, state, first_snapshot, last_snapshot, tx_queue, rx_queue, tx_queue_max,"
		" rx_queue_max, timer) SELECT id, 'CLOSE_WAIT', last_snapshot + 1, 30, 0, 0, 0, 0, 0 FROM sockets WHERE id BETWEEN 10 AND 19");
	sql(db, "UPDATE sockets SET last_snapshot = 30 WHERE id BETWEEN 10 AND 19");
	sql(db, "UPDATE fds SET last_snapshot = 30 WHERE process_id = 1");
	/* nginx side: owned while ESTABLISHED, then an unowned FIN_WAIT2 (inode 0) */
	socks(db, 100, 10, 2, "ESTABLISHED", "45000 + n", "'127.0.0.1'", "8080", "2 * n", "2 * n + 1");
	socks(db, 200, 10, 0, "FIN_WAIT2", "45000 + n", "'127.0.0.1'", "8080", "2 * n + 2", "30");
	sql(db, "UPDATE sockets SET inode = 0 WHERE id BETWEEN 200 AND 209");
	sql(db, "INSERT INTO socket_peers(socket_id, peer_id, first_snapshot, last_snapshot)"
		" SELECT a.id, b.id, b.first_snapshot, 30 FROM sockets a JOIN sockets b ON b.local_port = a.remote_port"
		" WHERE a.id BETWEEN 10 AND 19 AND b.id BETWEEN 200 AND 209");
	run(db, NULL, &rep);
	f = find(&rep, "peer_timeout_close", 2001);
	assert_non_null(f);
	assert_int_equal(f->related_process_id, 1);
	assert_non_null(strstr(f->summary, "10 s"));
	assert_true(f->confidence < 0.6);
	report_free(&rep);
	db_close(db);
}

static void test_listen_overflow(void **state)
{
	sqlite3 *db = world(10, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 1200, "slowaccept", "20", 1024);
	socks(db, 1, 1, 1, "LISTEN", "6000", "'0.0.0.0'", "0", "1", "10");
	proc(db, 2, 1201, "busy", "20", 1024);
	socks(db, 2, 1, 2, "LISTEN", "6001", "'0.0.0.0'", "0", "1", "10");
	/* as /proc shows a listener: the accept queue in rx_queue, no backlog */
	sql(db, "UPDATE socket_states SET rx_queue = 9, rx_queue_max = 9 WHERE socket_id = 1");
	sql(db, "UPDATE socket_states SET rx_queue = 0, rx_queue_max = 2 WHERE socket_id = 2");
	sql(db, "INSERT INTO counters(netns, grp, name, first_snapshot, last_snapshot, value)"
	    " SELECT 1, 'TcpExt', 'ListenOverflows', id, id, 100 + 40 * id FROM snapshots");
	run(db, NULL, &rep);
	f = find(&rep, "listen_overflow", 1200);
	assert_non_null(f);
	assert_non_null(strstr(f->figures, "\"basis\":\"overflows\""));
	assert_null(find(&rep, "listen_overflow", 1201));
	report_free(&rep);
	db_close(db);
	/* a backlog known (ss stores it in tx_queue) and reached: no counters needed */
	db = world(10, 5, NULL);
	proc(db, 1, 1200, "slowaccept", "20", 1024);
	socks(db, 1, 1, 1, "LISTEN", "6000", "'0.0.0.0'", "0", "1", "10");
	sql(db, "UPDATE socket_states SET rx_queue = 129, rx_queue_max = 129, tx_queue = 128 WHERE socket_id = 1");
	run(db, NULL, &rep);
	f = find(&rep, "listen_overflow", 1200);
	assert_non_null(f);
	assert_non_null(strstr(f->figures, "\"backlog\":128"));
	report_free(&rep);
	db_close(db);
}

/* A process that exited mid-scan is not an unreadable fd table. */
static void test_gap_not_for_exits(void **state)
{
	sqlite3 *db = world(1, 5, "'{\"collector\":{\"uid\":0,\"euid\":0}}'");
	struct report rep;

	(void)state;
	proc(db, 1, 777, "worker", "200", 65536);
	sql(db, "INSERT INTO collection_errors(snapshot_id, path, error, detail) VALUES"
	    " (1, '/proc/4242/fd', 'ENOENT', 'exited'), (2, '/proc/4243/fd', 'ESRCH', 'exited while listed')");
	run(db, NULL, &rep);
	assert_false(has_gap(&rep, "fd_unreadable"));
	assert_false(has_gap(&rep, "read_errors"));
	report_free(&rep);
	db_close(db);
}

/* Not root: a gap, and findings that needed fd tables lose confidence. */
static void test_gaps_lower_confidence(void **state)
{
	sqlite3 *db = world(1, 5, "'{\"collector\":{\"uid\":1000,\"euid\":1000}}'");
	const struct finding *f;
	struct report rep;

	(void)state;
	proc(db, 1, 777, "worker", "200", 65536);
	socks(db, 1, 150, 1, "CLOSE_WAIT", "30000 + n", "'10.0.3.17'", "5432", "1", "1");
	sql(db, "INSERT INTO collection_errors(snapshot_id, path, error, detail) VALUES (1, '/proc/1/fd', 'EACCES', '')");
	sql(db, "UPDATE sources SET complete = 0");
	run(db, NULL, &rep);
	assert_true(has_gap(&rep, "not_root"));
	assert_true(has_gap(&rep, "fd_unreadable"));
	assert_true(has_gap(&rep, "cut_short"));
	assert_true(has_gap(&rep, "no_pcap"));
	f = find(&rep, "close_wait_leak", 777);
	assert_non_null(f);
	assert_true(f->confidence < 0.45 * 0.75 * 0.75 + 1e-9);
	assert_non_null(f->confidence_note);
	assert_non_null(strstr(f->confidence_note, "not_root"));
	report_free(&rep);
	db_close(db);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* --rules DIR: a user rule is added, a built-in one overridden, and a rule
 * whose `requires:` table is missing is skipped as a gap. */
static void test_user_rules(void **state)
{
	char dir[] = "/tmp/sm-rules.XXXXXX", path[256];
	sqlite3 *db = world(3, 5, NULL);
	const struct finding *f;
	struct report rep;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/many_processes.sql", dir);
	write_file(path, "-- rule: many_processes\n-- title: more than one process\n-- uses: fds\n"
			 "-- remedy: none needed;\n--   this is a test\n"
			 "SELECT 'info' AS severity, 0.5 AS confidence, count(*) || ' processes' AS summary,"
			 " json_object('n', count(*)) AS figures, 'a' || char(10) || 'b' AS evidence FROM processes\n");
	snprintf(path, sizeof(path), "%s/orphan_socket_fds.sql", dir);
	write_file(path, "-- rule: orphan_socket_fds\nSELECT 'low' AS severity, 2 AS confidence, 'overridden' AS summary,"
			 " 'not json' AS figures\n");
	snprintf(path, sizeof(path), "%s/needs_table.sql", dir);
	write_file(path, "-- rule: needs_table\n-- requires: no_such_table\nSELECT 'low' AS severity, 1 AS confidence,"
			 " 'x' AS summary FROM no_such_table\n");
	proc(db, 1, 10, "a", "5", 1024);
	proc(db, 2, 11, "b", "5", 1024);
	run(db, dir, &rep);
	f = find(&rep, "many_processes", -1);
	assert_non_null(f);
	assert_string_equal(f->summary, "2 processes");
	assert_string_equal(f->remedy, "none needed; this is a test");
	assert_int_equal(f->nevidence, 2);
	assert_string_equal(f->figures_text, "n=2");
	f = find(&rep, "orphan_socket_fds", -1);
	assert_non_null(f);
	assert_true(f->confidence <= 1.0);
	assert_string_equal(f->figures, "{\"value\":\"not json\"}");
	assert_null(find(&rep, "needs_table", -1));
	assert_int_equal(rep.nskipped, 1);
	assert_true(has_gap(&rep, "missing_table"));
	report_free(&rep);
	db_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/orphan_socket_fds.sql", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/many_processes.sql", dir);
	unlink(path);
	rmdir(dir);
}

static void test_rule_header_checks(void **state)
{
	struct rule r;
	char *err = NULL;

	(void)state;
	assert_int_equal(rule_parse("x.sql", "x", "SELECT 1", &r, &err), -1);
	assert_non_null(strstr(err, "rule: ID"));
	free(err);
	err = NULL;
	assert_int_equal(rule_parse("x.sql", "x", "-- rule: y\nSELECT 1", &r, &err), -1);
	assert_non_null(strstr(err, "file name"));
	free(err);
	err = NULL;
	assert_int_equal(rule_parse("x.sql", "x", "-- rule: x\n-- title: T\n-- requires: a, b\nSELECT 1", &r, &err), 0);
	assert_string_equal(r.title, "T");
	assert_string_equal(r.requires, "a, b");
	rule_free(&r);
}

/* Every built-in rule is there, with its id as its file name. */
static void test_builtin_rule_ids(void **state)
{
	static const char *const ids[] = {
		"close_wait_leak", "orphan_socket_fds", "time_wait_churn", "established_growth", "fd_exhaustion",
		"goroutine_leak", "lock_wait", "peer_timeout_close", "listen_overflow",
	};
	struct rule_set rs;
	char *err = NULL;
	size_t i, j;

	(void)state;
	assert_int_equal(rule_set_load(&rs, NULL, &err), 0);
	assert_int_equal(rs.n, sizeof(ids) / sizeof(ids[0]));
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		for (j = 0; j < rs.n && strcmp(rs.rules[j].id, ids[i]); j++)
			;
		assert_true(j < rs.n);
		assert_non_null(rs.rules[j].remedy);
	}
	rule_set_free(&rs);
}

/* The JSON report is valid JSON with the documented keys. */
static void test_json_report(void **state)
{
	sqlite3 *db = world(30, 5, NULL);
	struct strbuf sb = STRBUF_INIT;
	struct report rep;
	sqlite3_stmt *st = NULL;

	(void)state;
	proc(db, 1, 4242, "gate\"way", "100 + n", 65536);
	socks(db, 1, 1, 1, "LISTEN", "8080", "'0.0.0.0'", "0", "1", "30");
	socks(db, 10, 30, 1, "CLOSE_WAIT", "8080", "'127.0.0.1'", "40000 + n", "n", "30");
	run(db, NULL, &rep);
	assert_int_equal(report_render_json(&rep, &sb), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT json_valid(?1), json_extract(?1, '$.format_version'),"
				   " json_extract(?1, '$.findings[0].rule'), json_extract(?1, '$.findings[0].pid'),"
				   " json_extract(?1, '$.verdict.culprit.comm'), json_type(?1, '$.findings[0].figures'),"
				   " json_type(?1, '$.findings[0].evidence'), json_extract(?1, '$.findings[0].start'),"
				   " json_type(?1, '$.gaps'), json_extract(?1, '$.verdict.rules[0]')", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, sb.buf, (int)sb.len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	assert_int_equal(sqlite3_column_int(st, 1), REPORT_FORMAT_VERSION);
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "close_wait_leak");
	assert_int_equal(sqlite3_column_int(st, 3), 4242);
	assert_string_equal((const char *)sqlite3_column_text(st, 4), "gate\"way");
	assert_string_equal((const char *)sqlite3_column_text(st, 5), "object");
	assert_string_equal((const char *)sqlite3_column_text(st, 6), "array");
	assert_string_equal((const char *)sqlite3_column_text(st, 7), "2026-11-18T11:06:40Z");
	assert_string_equal((const char *)sqlite3_column_text(st, 8), "array");
	assert_string_equal((const char *)sqlite3_column_text(st, 9), "close_wait_leak");
	sqlite3_finalize(st);
	strbuf_release(&sb);
	report_free(&rep);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_close_wait_server_growth),
		cmocka_unit_test(test_close_wait_client_single_snapshot),
		cmocka_unit_test(test_healthy_pool),
		cmocka_unit_test(test_brief_burst),
		cmocka_unit_test(test_time_wait_churn_blames_client),
		cmocka_unit_test(test_time_wait_churn_by_fd_churn),
		cmocka_unit_test(test_established_growth_blames_dialer),
		cmocka_unit_test(test_growth_capped_by_fd_limit),
		cmocka_unit_test(test_orphans_and_fd_exhaustion),
		cmocka_unit_test(test_verdict_ties_deadlock),
		cmocka_unit_test(test_peer_timeout_without_pcap),
		cmocka_unit_test(test_listen_overflow),
		cmocka_unit_test(test_gaps_lower_confidence),
		cmocka_unit_test(test_gap_not_for_exits),
		cmocka_unit_test(test_user_rules),
		cmocka_unit_test(test_rule_header_checks),
		cmocka_unit_test(test_builtin_rule_ids),
		cmocka_unit_test(test_json_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
