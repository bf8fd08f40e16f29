/*
 * Unit tests for analyze/ingest.c, driven through ingest.h against an
 * in-memory database (db_open(":memory:", DB_CREATE)):
 *
 *   source A, 3 snapshots:
 *     host counters stored as runs of one value: Tcp.CurrEstab 5,5,7;
 *       TcpExt.ListenOverflows 0, missing, 0 (a gap ends a run); TCP.tw
 *       4, 4, then 4 and 9 in one snapshot (the last wins); Udp.InErrors
 *       with no value throughout
 *     L   tcp LISTEN        inode 1000  127.0.0.1:5000             1..3
 *     S1  tcp ESTABLISHED   inode 1001  127.0.0.1:5000 -> :40000   1..3  (one row, one state row)
 *     S3  tcp ESTABLISHED   inode 1003  127.0.0.1:40000 -> :5000   1..3  (S1's peer)
 *     S2  tcp ESTABLISHED   inode 1002  -> CLOSE_WAIT at 2 -> gone at 3
 *     TW  tcp TIME_WAIT     inode 0     127.0.0.1:40010 -> :5000   1..3  (keyed by 4-tuple)
 *     process P (pid 100): fds 3..6 on those sockets, 7 a file (1 only),
 *       8 -> socket:[9999] in no table at 2 and 3 (orphan 2..3),
 *       6 -> socket:[1002] whose socket left the tables at 3 (orphan 3..3),
 *       9 -> socket:[8888] new at 3 only (not yet an orphan),
 *       10 -> pipe:[1] at 1..2 then pipe:[2] at 3 (two fd intervals)
 *     pid 200 seen with two start times (two processes)
 *   source B, 1 snapshot: an fd in no table is an orphan at once; host
 *     counters with and without a known network namespace
 *   source C: lsof-style (no tables): only lsof's own orphan flag counts
 *   re-loading source A's sha256 returns 1 and adds nothing;
 *   a rolled-back source (ingest_reset) leaves no trace, nor do the
 *   intervals it closed before the rollback;
 *   an fd whose target changes, twice within one snapshot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "ingest.h"
#include "rows.h"

#define LO "127.0.0.1"

struct fixture {
	sqlite3 *db;
	struct ingest *ing;
	int64_t snap[4];        /* source A's snapshot ids, 1-based */
	int64_t snap_b;
	int64_t proc_p;
};

static struct fixture fx;

__attribute__((format(printf, 1, 2)))
static int64_t qi(const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return db_int(fx.db, sql, -999);
}

/* The rows of a query, columns joined by '|', rows by ';'. */
__attribute__((format(printf, 1, 2)))
static char *qs(const char *fmt, ...)
{
	static char out[4096];
	char sql[1024];
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	va_list ap;
	int c;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	out[0] = '\0';
	if (sqlite3_prepare_v2(fx.db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("bad test SQL %s: %s", sql, sqlite3_errmsg(fx.db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (n)
			n += (size_t)snprintf(out + n, sizeof(out) - n, ";");
		for (c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", c ? "|" : "", v ? v : "NULL");
		}
		assert_true(n < sizeof(out));
	}
	sqlite3_finalize(st);
	return out;
}

static void sock(const char *state, uint64_t inode, const char *la, int64_t lp, const char *ra, int64_t rp)
{
	struct sm_socket_row r;

	sm_socket_row_init(&r);
	r.proto = "tcp";
	r.state = state;
	r.inode = inode;
	r.local_addr = la;
	r.local_port = lp;
	r.remote_addr = ra;
	r.remote_port = rp;
	r.tx_queue = 0;
	r.rx_queue = !strcmp(state, "CLOSE_WAIT") ? 1 : 0;
	r.uid = 1000;
	assert_int_equal(ingest_socket(fx.ing, 4026531840LL, &r), 0);
}

static int64_t proc(int64_t pid, int64_t start, const char *comm, int fd_table_read)
{
	struct ingest_process_info pi;
	int64_t id;

	memset(&pi, 0, sizeof(pi));
	pi.pid = pid;
	pi.start_ticks = start;
	pi.comm = comm;
	pi.cmdline = comm;
	pi.uid = 1000;
	pi.netns = 4026531840LL;
	pi.state = 'S';
	pi.threads = 4;
	pi.rss_kb = 1234;
	pi.nofile_soft = 1024;
	pi.nofile_hard = 4096;
	pi.fd_table_read = fd_table_read;
	id = ingest_process(fx.ing, &pi);
	assert_true(id > 0);
	return id;
}

static void fd(int64_t process_id, int64_t fdnum, const char *target)
{
	struct sm_fd_row r;
	unsigned long long ino = 0;

	sm_fd_row_init(&r);
	r.fd = fdnum;
	r.target = target;
	if (sscanf(target, "socket:[%llu]", &ino) == 1) {
		r.type = "socket";
		r.inode = ino;
	} else {
		r.type = !strncmp(target, "pipe:", 5) ? "pipe" : "file";
	}
	assert_int_equal(ingest_fd(fx.ing, process_id, 4026531840LL, &r), 0);
}

static void snapshot_begin(int64_t seq)
{
	struct ingest_snapshot_info si;

	memset(&si, 0, sizeof(si));
	si.seq = seq;
	si.wall_ns = 1795000000000000000LL + seq * 1000000000LL;
	si.ended_ns = si.wall_ns + 100000000LL;
	si.mono_ns = seq * 1000000000LL;
	si.processes = si.fds = si.errors = SM_NONE;
	si.complete = 1;
	assert_int_equal(ingest_snapshot_begin(fx.ing, &si), 0);
}

static struct ingest_source_info source_info(const char *kind, const char *sha, const char *boot)
{
	struct ingest_source_info si;

	memset(&si, 0, sizeof(si));
	si.kind = kind;
	si.path = sha;
	si.sha256 = sha;
	si.host = boot ? "testhost" : NULL;
	si.boot_id = boot;
	si.format_version = boot ? 1 : SM_NONE;
	return si;
}

static void counter(const char *group, const char *name, int64_t value)
{
	struct sm_counter_row cr = { .line = 1, .group = group, .name = name, .value = value };

	assert_int_equal(ingest_counter(fx.ing, 4026531840LL, &cr), 0);
}

/* Loads sources A, B and C once; the tests below read the result. */
static int setup(void **state)
{
	struct ingest_source_info si;
	char *err = NULL;
	int64_t p, q1, q2, r, l;
	int s;

	(void)state;
	memset(&fx, 0, sizeof(fx));
	if (db_open(":memory:", DB_CREATE, &fx.db, &err) < 0) {
		fprintf(stderr, "db_open: %s\n", err);
		free(err);
		return -1;
	}
	fx.ing = ingest_new(fx.db);
	if (!fx.ing)
		return -1;

	/* ---- source A: three snapshots ---- */
	si = source_info("bundle", "aaaa", "boot-1");
	if (ingest_source_begin(fx.ing, &si) != 0)
		return -1;
	for (s = 1; s <= 3; s++) {
		snapshot_begin(s);
		fx.snap[s] = ingest_snapshot_id(fx.ing);
		sock("LISTEN", 1000, LO, 5000, "0.0.0.0", 0);
		sock("ESTABLISHED", 1001, LO, 5000, LO, 40000);
		sock("ESTABLISHED", 1003, LO, 40000, LO, 5000);
		if (s == 1)
			sock("ESTABLISHED", 1002, LO, 5000, LO, 40002);
		if (s == 2)
			sock("CLOSE_WAIT", 1002, LO, 5000, LO, 40002);
		sock("TIME_WAIT", 0, LO, 40010, LO, 5000);
		/* the same socket listed twice in one snapshot changes nothing */
		sock("ESTABLISHED", 1001, LO, 5000, LO, 40000);

		p = proc(100, 5000, "svc", 1);
		fx.proc_p = p;
		fd(p, 3, "socket:[1000]");
		fd(p, 4, "socket:[1001]");
		fd(p, 5, "socket:[1003]");
		fd(p, 6, "socket:[1002]");
		if (s == 1)
			fd(p, 7, "/var/log/svc.log");
		if (s >= 2)
			fd(p, 8, "socket:[9999]");
		if (s == 3)
			fd(p, 9, "socket:[8888]");
		fd(p, 10, s < 3 ? "pipe:[1]" : "pipe:[2]");

		/* pid 200 is reused between snapshot 1 and 2 */
		if (s == 1)
			q1 = proc(200, 100, "old", 1);
		if (s == 2)
			q2 = proc(200, 300, "new", 1);
		/* a process whose fd table could not be read */
		proc(300, 77, "secret", 0);
		counter("Tcp", "CurrEstab", s < 3 ? 5 : 7);
		if (s != 2)
			counter("TcpExt", "ListenOverflows", 0);
		counter("TCP", "tw", 4);
		if (s == 3)
			counter("TCP", "tw", 9);
		counter("Udp", "InErrors", SM_NONE);
		assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	}
	assert_true(q1 != q2);
	if (ingest_source_end(fx.ing, 1, "count") < 0)
		return -1;

	/* ---- source B: a single snapshot (a loose /proc + fd capture) ---- */
	si = source_info("proc-tcp", "bbbb", NULL);
	if (ingest_source_begin(fx.ing, &si) != 0)
		return -1;
	snapshot_begin(1);
	fx.snap_b = ingest_snapshot_id(fx.ing);
	sock("LISTEN", 2001, LO, 6000, "0.0.0.0", 0);
	r = proc(400, SM_NONE, "lone", 1);
	fd(r, 3, "socket:[2001]");
	fd(r, 4, "socket:[7777]");
	{
		/* a loose capture's counters have no namespace (ss -s, sockstat) */
		struct sm_counter_row cr = { .line = 7, .group = "TCP", .name = "inuse", .value = 35 };

		if (ingest_counter(fx.ing, SM_NONE, &cr) < 0) {
			fprintf(stderr, "ingest_counter: %s\n", ingest_error(fx.ing));
			return -1;
		}
		cr.name = "tw";
		cr.value = 4;
		if (ingest_counter(fx.ing, 4026531840LL, &cr) < 0)
			return -1;
	}
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	if (ingest_source_end(fx.ing, 1, NULL) < 0)
		return -1;

	/* ---- source C: lsof only (no protocol tables) ---- */
	si = source_info("lsof", "cccc", NULL);
	if (ingest_source_begin(fx.ing, &si) != 0)
		return -1;
	snapshot_begin(1);
	l = proc(500, SM_NONE, "gateway", 1);
	{
		struct sm_fd_row fr;

		sm_fd_row_init(&fr);
		fr.fd = 17;
		fr.type = "socket";
		fr.inode = 5555;
		fr.target = "can't identify protocol";
		fr.orphaned = 1;
		assert_int_equal(ingest_fd(fx.ing, l, SM_NONE, &fr), 0);
		sm_fd_row_init(&fr);
		fr.fd = 18;
		fr.type = "socket";
		fr.inode = 6666;
		fr.target = "socket:[6666]";
		assert_int_equal(ingest_fd(fx.ing, l, SM_NONE, &fr), 0);
		/* lsof's cwd/txt rows have no fd: ignored */
		sm_fd_row_init(&fr);
		fr.type = "file";
		fr.target = "/usr/bin/gateway";
		assert_int_equal(ingest_fd(fx.ing, l, SM_NONE, &fr), 0);
	}
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	if (ingest_source_end(fx.ing, 1, NULL) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ingest_free(fx.ing);
	db_close(fx.db);
	return 0;
}

static int64_t socket_id(uint64_t inode)
{
	return qi("SELECT id FROM sockets WHERE inode = %llu AND source_id = 1", (unsigned long long)inode);
}

static void test_snapshots_and_sources(void **state)
{
	(void)state;
	assert_int_equal(qi("SELECT count(*) FROM sources"), 3);
	assert_int_equal(fx.snap[1], 1);
	assert_int_equal(fx.snap[2], 2);
	assert_int_equal(fx.snap[3], 3);
	assert_int_equal(fx.snap_b, 4);
	assert_string_equal(qs("SELECT kind, snapshots, complete, end_reason, boot_id FROM sources WHERE id = 1"),
			    "bundle|3|1|count|boot-1");
	assert_string_equal(qs("SELECT started_ns, ended_ns FROM sources WHERE id = 1"),
			    "1795000001000000000|1795000003100000000");
	assert_string_equal(qs("SELECT seq, host, boot_id FROM snapshots WHERE source_id = 1 ORDER BY id"),
			    "1|testhost|boot-1;2|testhost|boot-1;3|testhost|boot-1");
	assert_string_equal(qs("SELECT kind, snapshots, complete FROM sources WHERE id = 2"), "proc-tcp|1|1");
}

/* A socket that stays ESTABLISHED is one socket row and one state row. */
static void test_steady_socket(void **state)
{
	int64_t s1 = socket_id(1001);

	(void)state;
	assert_true(s1 > 0);
	assert_int_equal(qi("SELECT count(*) FROM sockets WHERE inode = 1001"), 1);
	assert_string_equal(qs("SELECT proto, local_addr, local_port, remote_addr, remote_port, uid, netns,"
			       " first_snapshot, last_snapshot FROM sockets WHERE id = %lld", (long long)s1),
			    "tcp|127.0.0.1|5000|127.0.0.1|40000|1000|4026531840|1|3");
	assert_string_equal(qs("SELECT state, first_snapshot, last_snapshot, rx_queue FROM socket_states"
			       " WHERE socket_id = %lld", (long long)s1),
			    "ESTABLISHED|1|3|0");
	assert_int_equal(qi("SELECT count(*) FROM v_transitions WHERE socket_id = %lld", (long long)s1), 0);
	/* expanded per snapshot by the view */
	assert_int_equal(qi("SELECT count(*) FROM v_socket_snapshots WHERE socket_id = %lld", (long long)s1), 3);
	/* source A holds five identities: L, S1, S2, S3, TW */
	assert_int_equal(qi("SELECT count(*) FROM sockets WHERE source_id = 1"), 5);
	assert_int_equal(qi("SELECT count(*) FROM socket_states st JOIN sockets s ON s.id = st.socket_id"
			    " WHERE s.source_id = 1"), 6);
}

/* ESTABLISHED -> CLOSE_WAIT -> gone: two state rows, two transitions. */
static void test_transitions(void **state)
{
	int64_t s2 = socket_id(1002);

	(void)state;
	assert_true(s2 > 0);
	assert_string_equal(qs("SELECT first_snapshot, last_snapshot FROM sockets WHERE id = %lld", (long long)s2),
			    "1|2");
	assert_string_equal(qs("SELECT state, first_snapshot, last_snapshot, rx_queue FROM socket_states"
			       " WHERE socket_id = %lld ORDER BY first_snapshot", (long long)s2),
			    "ESTABLISHED|1|1|0;CLOSE_WAIT|2|2|1");
	assert_string_equal(qs("SELECT from_state, coalesce(to_state, 'NULL'), seen_before, seen_after"
			       " FROM v_transitions WHERE socket_id = %lld ORDER BY seen_before", (long long)s2),
			    "ESTABLISHED|CLOSE_WAIT|1|2;CLOSE_WAIT|NULL|2|3");
	/* nothing else in source A changed or vanished */
	assert_int_equal(qi("SELECT count(*) FROM v_transitions t JOIN sockets s ON s.id = t.socket_id"
			    " WHERE s.source_id = 1"), 2);
	assert_string_equal(qs("SELECT snapshot_id, state, sockets FROM v_host_state_counts"
			       " WHERE state IN ('CLOSE_WAIT') ORDER BY 1"), "2|CLOSE_WAIT|1");
}

/* TIME_WAIT has no inode: it is keyed by its 4-tuple, still one row. */
static void test_time_wait(void **state)
{
	(void)state;
	assert_string_equal(qs("SELECT inode, local_port, remote_port, first_snapshot, last_snapshot FROM sockets"
			       " WHERE source_id = 1 AND local_port = 40010"),
			    "0|40010|5000|1|3");
	assert_string_equal(qs("SELECT st.state, st.first_snapshot, st.last_snapshot FROM socket_states st"
			       " JOIN sockets s ON s.id = st.socket_id WHERE s.local_port = 40010"),
			    "TIME_WAIT|1|3");
	/* no owner: inode 0 joins no fd */
	assert_int_equal(qi("SELECT count(*) FROM v_socket_owners o JOIN sockets s ON s.id = o.socket_id"
			    " WHERE s.inode = 0"), 0);
}

static void test_orphans(void **state)
{
	(void)state;
	/* in no table at 2 and 3 */
	assert_string_equal(qs("SELECT fd, inode, first_snapshot, last_snapshot FROM orphan_fds"
			       " WHERE process_id = %lld AND inode = 9999", (long long)fx.proc_p),
			    "8|9999|2|3");
	/* its socket left the tables at 3 while the fd stayed */
	assert_string_equal(qs("SELECT fd, inode, first_snapshot, last_snapshot FROM orphan_fds"
			       " WHERE process_id = %lld AND inode = 1002", (long long)fx.proc_p),
			    "6|1002|3|3");
	/* new in the last snapshot: not yet an orphan (tables are read first) */
	assert_int_equal(qi("SELECT count(*) FROM orphan_fds WHERE inode = 8888"), 0);
	/* sockets in the tables are not orphans */
	assert_int_equal(qi("SELECT count(*) FROM orphan_fds WHERE inode IN (1000, 1001, 1003)"), 0);
	assert_int_equal(qi("SELECT count(*) FROM orphan_fds o JOIN processes p ON p.id = o.process_id"
			    " WHERE p.pid = 100"), 2);
	assert_string_equal(qs("SELECT pid, comm, fd, snapshots FROM v_orphan_fds WHERE inode = 9999"),
			    "100|svc|8|2");
	assert_string_equal(qs("SELECT snapshot_id, orphan_fds FROM v_orphan_counts WHERE pid = 100 ORDER BY 1"),
			    "2|1;3|2");
}

/* A single-snapshot source has no later snapshot: its orphans count now. */
static void test_single_snapshot_orphan(void **state)
{
	(void)state;
	assert_string_equal(qs("SELECT p.pid, p.comm, o.fd, o.inode, o.first_snapshot, o.last_snapshot"
			       " FROM orphan_fds o JOIN processes p ON p.id = o.process_id WHERE p.pid = 400"),
			    "400|lone|4|7777|4|4");
}

static void test_counters(void **state)
{
	(void)state;
	assert_string_equal(qs("SELECT snapshot_id, grp, name, value FROM v_counters WHERE snapshot_id = %lld"
			       " ORDER BY name", (long long)fx.snap_b),
			    "4|TCP|inuse|35;4|TCP|tw|4");
	assert_string_equal(qs("SELECT grp, name, first_snapshot, last_snapshot, coalesce(value, 'null') FROM counters"
			       " WHERE first_snapshot <= %lld ORDER BY grp, name, first_snapshot", (long long)fx.snap[3]),
			    "TCP|tw|1|2|4;TCP|tw|3|3|9;"
			    "Tcp|CurrEstab|1|2|5;Tcp|CurrEstab|3|3|7;"
			    "TcpExt|ListenOverflows|1|1|0;TcpExt|ListenOverflows|3|3|0;"
			    "Udp|InErrors|1|3|null");
	/* one row per snapshot where each counter was seen */
	assert_int_equal(qi("SELECT count(*) FROM v_counters WHERE snapshot_id <= %lld", (long long)fx.snap[3]), 11);
}

/* lsof-only: nothing to compare against, lsof's own flag decides. */
static void test_lsof_orphan_flag(void **state)
{
	(void)state;
	assert_string_equal(qs("SELECT o.fd, o.inode FROM orphan_fds o JOIN processes p ON p.id = o.process_id"
			       " WHERE p.pid = 500"),
			    "17|5555");
	assert_string_equal(qs("SELECT fd, type, inode FROM fds f JOIN processes p ON p.id = f.process_id"
			       " WHERE p.pid = 500 ORDER BY fd"),
			    "17|socket|5555;18|socket|6666");
}

static void test_peers(void **state)
{
	int64_t s1 = socket_id(1001), s3 = socket_id(1003);

	(void)state;
	assert_string_equal(qs("SELECT first_snapshot, last_snapshot FROM socket_peers WHERE"
			       " (socket_id = %lld AND peer_id = %lld) OR (socket_id = %lld AND peer_id = %lld)",
			       (long long)s1, (long long)s3, (long long)s3, (long long)s1),
			    "1|3");
	assert_int_equal(qi("SELECT count(*) FROM socket_peers"), 1);
	assert_int_equal(qi("SELECT count(*) FROM v_peer_pairs WHERE local_port IN (5000, 40000)"
			    " AND remote_port IN (5000, 40000)"), 1);
}

static void test_processes(void **state)
{
	(void)state;
	/* same pid, different start time: two processes */
	assert_string_equal(qs("SELECT start_ticks, comm, first_snapshot, last_snapshot FROM processes"
			       " WHERE pid = 200 ORDER BY start_ticks"),
			    "100|old|1|1;300|new|2|2");
	/* one process across the three snapshots */
	assert_string_equal(qs("SELECT count(*), min(first_snapshot), max(last_snapshot), min(boot_id)"
			       " FROM processes WHERE pid = 100"),
			    "1|1|3|boot-1");
	/* fd counts per snapshot: 3..7+10; 3..6,8,10; 3..6,8,9,10 */
	assert_string_equal(qs("SELECT snapshot_id, fd_count, socket_fds, nofile_soft, nofile_hard FROM process_samples"
			       " WHERE process_id = %lld ORDER BY 1", (long long)fx.proc_p),
			    "1|6|4|1024|4096;2|6|5|1024|4096;3|7|6|1024|4096");
	assert_string_equal(qs("SELECT snapshot_id, fd_count, pct_of_soft FROM v_fd_usage WHERE pid = 100 AND snapshot_id = 3"),
			    "3|7|0.7");
	/* an unreadable fd table gives NULL, not 0 */
	assert_string_equal(qs("SELECT count(*), count(fd_count) FROM process_samples ps JOIN processes p"
			       " ON p.id = ps.process_id WHERE p.pid = 300"),
			    "3|0");
}

static void test_fd_intervals(void **state)
{
	(void)state;
	assert_string_equal(qs("SELECT fd, target, type, first_snapshot, last_snapshot FROM fds"
			       " WHERE process_id = %lld AND fd IN (4, 7, 10) ORDER BY fd, first_snapshot",
			       (long long)fx.proc_p),
			    "4|socket:[1001]|socket|1|3;7|/var/log/svc.log|file|1|1;10|pipe:[1]|pipe|1|2;10|pipe:[2]|pipe|3|3");
	/* owners: the socket <-> fd join */
	assert_string_equal(qs("SELECT pid, comm, fd, first_snapshot, last_snapshot FROM v_socket_owners"
			       " WHERE socket_id = %lld", (long long)socket_id(1001)),
			    "100|svc|4|1|3");
	assert_string_equal(qs("SELECT pid, fd, first_snapshot, last_snapshot FROM v_socket_owners"
			       " WHERE socket_id = %lld", (long long)socket_id(1002)),
			    "100|6|1|2");
	assert_string_equal(qs("SELECT snapshot_id, sockets FROM v_state_counts WHERE pid = 100 AND state = 'ESTABLISHED'"
			       " ORDER BY 1"), "1|3;2|2;3|2");
}

/* The same sha256 again: 1, and nothing is added. */
static void test_reload_same_hash(void **state)
{
	struct ingest_source_info si = source_info("bundle", "aaaa", "boot-1");
	int64_t sources = qi("SELECT count(*) FROM sources"), sockets = qi("SELECT count(*) FROM sockets");

	(void)state;
	assert_int_equal(ingest_source_begin(fx.ing, &si), 1);
	assert_int_equal(qi("SELECT count(*) FROM sources"), sources);
	assert_int_equal(qi("SELECT count(*) FROM sockets"), sockets);
	si = source_info("proc-tcp", "bbbb", NULL);
	assert_int_equal(ingest_source_begin(fx.ing, &si), 1);
	assert_int_equal(qi("SELECT count(*) FROM sources"), sources);
}

/* A source begun before its hash is known (computed while it loads) is
 * told it at the end: one already loaded is said so (1), and the caller
 * rolls back; another is kept under it. */
static void test_hash_told_later(void **state)
{
	struct ingest_source_info si = source_info("bundle", NULL, "boot-3");
	int64_t sources = qi("SELECT count(*) FROM sources");

	(void)state;
	si.path = "later";
	assert_int_equal(sqlite3_exec(fx.db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	assert_int_equal(ingest_source_sha256(fx.ing, "aaaa"), 1);   /* source A's */
	assert_int_equal(ingest_source_end(fx.ing, 1, NULL), 0);
	assert_int_equal(sqlite3_exec(fx.db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	ingest_reset(fx.ing);
	assert_int_equal(qi("SELECT count(*) FROM sources"), sources);
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	assert_int_equal(ingest_source_sha256(fx.ing, "1a1a"), 0);
	assert_int_equal(ingest_source_end(fx.ing, 1, NULL), 0);
	assert_int_equal(qi("SELECT count(*) FROM sources WHERE sha256 = '1a1a' AND path = 'later'"), 1);
	assert_int_equal(qi("SELECT count(*) FROM sources"), sources + 1);
}

/* A source rolled back half-way (what load does on a failure) leaves
 * nothing behind, and the next source starts clean. */
static void test_rollback_reset(void **state)
{
	struct ingest_source_info si = source_info("bundle", "dddd", "boot-2");
	int64_t sockets = qi("SELECT count(*) FROM sockets"), orphans = qi("SELECT count(*) FROM orphan_fds");
	int64_t p;

	(void)state;
	assert_int_equal(sqlite3_exec(fx.db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	snapshot_begin(1);
	sock("ESTABLISHED", 3001, LO, 7000, LO, 7001);
	p = proc(600, 1, "doomed", 1);
	fd(p, 3, "socket:[3001]");
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	assert_int_equal(sqlite3_exec(fx.db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	ingest_reset(fx.ing);
	assert_int_equal(qi("SELECT count(*) FROM sources WHERE sha256 = 'dddd'"), 0);

	si = source_info("bundle", "eeee", "boot-2");
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	snapshot_begin(1);
	sock("ESTABLISHED", 3001, LO, 7000, LO, 7001);
	p = proc(600, 1, "reborn", 1);
	fd(p, 3, "socket:[3001]");
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	assert_int_equal(ingest_source_end(fx.ing, 1, NULL), 0);
	assert_int_equal(qi("SELECT count(*) FROM sockets"), sockets + 1);
	assert_int_equal(qi("SELECT count(*) FROM orphan_fds"), orphans);
	assert_string_equal(qs("SELECT s.inode, s.first_snapshot = s.last_snapshot, o.comm FROM sockets s"
			       " JOIN v_socket_owners o ON o.socket_id = s.id WHERE s.inode = 3001"),
			    "3001|1|reborn");
	assert_int_equal(qi("SELECT count(*) FROM processes WHERE comm = 'doomed'"), 0);
}

/*
 * A connection closed by this host: its inode socket goes ESTABLISHED ->
 * FIN_WAIT2 and is replaced by an inode-less TIME_WAIT minisocket with the
 * same 4-tuple. Source "ffff", five snapshots:
 *   A  inode 4001  10.0.0.1:40100 -> 10.0.0.2:80  EST at 1, FIN_WAIT2 at 2;
 *      TIME_WAIT (inode 0) at 3..4, gone at 5: linked to A
 *   B  inode 4002  10.0.0.1:40101 -> 10.0.0.2:80  EST at 1, gone at 2;
 *      TIME_WAIT with its tuple only at 3: a snapshot apart, not linked
 *   C  inode 4003  10.0.0.1:40102 -> 10.0.0.2:80  EST 1..5, and a TIME_WAIT
 *      with its tuple in another namespace at 2: C is still there, not linked
 * Runs last: it adds a source the tests above do not expect.
 */
static void test_time_wait_link(void **state)
{
	struct ingest_source_info si = source_info("bundle", "ffff", "boot-3");
	struct sm_socket_row r;
	int64_t a, b, c, tw_a, tw_b, s;

	(void)state;
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	for (s = 1; s <= 5; s++) {
		snapshot_begin(s);
		if (s == 1)
			sock("ESTABLISHED", 4001, "10.0.0.1", 40100, "10.0.0.2", 80);
		if (s == 2)
			sock("FIN_WAIT2", 4001, "10.0.0.1", 40100, "10.0.0.2", 80);
		if (s == 3 || s == 4)
			sock("TIME_WAIT", 0, "10.0.0.1", 40100, "10.0.0.2", 80);
		if (s == 1)
			sock("ESTABLISHED", 4002, "10.0.0.1", 40101, "10.0.0.2", 80);
		if (s == 3)
			sock("TIME_WAIT", 0, "10.0.0.1", 40101, "10.0.0.2", 80);
		sock("ESTABLISHED", 4003, "10.0.0.1", 40102, "10.0.0.2", 80);
		if (s == 2) {
			sm_socket_row_init(&r);
			r.proto = "tcp";
			r.state = "TIME_WAIT";
			r.local_addr = "10.0.0.1";
			r.local_port = 40102;
			r.remote_addr = "10.0.0.2";
			r.remote_port = 80;
			assert_int_equal(ingest_socket(fx.ing, 4026532000LL, &r), 0);
		}
		assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	}
	assert_int_equal(ingest_source_end(fx.ing, 1, "count"), 0);

	a = qi("SELECT id FROM sockets WHERE inode = 4001");
	b = qi("SELECT id FROM sockets WHERE inode = 4002");
	c = qi("SELECT id FROM sockets WHERE inode = 4003");
	tw_a = qi("SELECT id FROM sockets WHERE inode = 0 AND local_port = 40100 AND remote_addr = '10.0.0.2'");
	tw_b = qi("SELECT id FROM sockets WHERE inode = 0 AND local_port = 40101 AND remote_addr = '10.0.0.2'");
	assert_true(a > 0 && b > 0 && c > 0 && tw_a > 0 && tw_b > 0);
	assert_int_equal(qi("SELECT prev_socket_id FROM sockets WHERE id = %lld", (long long)tw_a), a);
	assert_int_equal(qi("SELECT count(*) FROM sockets WHERE prev_socket_id IS NOT NULL"
			    " AND source_id = (SELECT id FROM sources WHERE sha256 = 'ffff')"), 1);
	assert_int_equal(qi("SELECT count(*) FROM sockets WHERE prev_socket_id = %lld", (long long)b), 0);
	assert_int_equal(qi("SELECT count(*) FROM sockets WHERE prev_socket_id = %lld", (long long)c), 0);

	/* the connection reads ESTABLISHED -> FIN_WAIT2 -> TIME_WAIT -> gone */
	s = qi("SELECT min(id) FROM snapshots WHERE source_id = (SELECT id FROM sources WHERE sha256 = 'ffff')");
	assert_string_equal(qs("SELECT from_state, coalesce(to_state, 'gone'), seen_before - %lld,"
			       " seen_after - %lld FROM v_transitions WHERE connection_id = %lld"
			       " ORDER BY seen_before", (long long)s, (long long)s, (long long)a),
			    "ESTABLISHED|FIN_WAIT2|0|1;FIN_WAIT2|TIME_WAIT|1|2;TIME_WAIT|gone|3|4");
	assert_int_equal(qi("SELECT count(*) FROM v_transitions WHERE socket_id = %lld AND to_state IS NULL",
			    (long long)a), 0);
	/* the unlinked one still just goes */
	assert_string_equal(qs("SELECT from_state, coalesce(to_state, 'gone') FROM v_transitions"
			       " WHERE socket_id = %lld", (long long)b), "ESTABLISHED|gone");
}

/*
 * An fd's target changing, within a snapshot too (an fd listed twice):
 * each target an interval, the one a snapshot's later row replaced gone.
 * Source "gggg", process 700:
 *   fd 5: pipe:[7] then pipe:[8] at 1, pipe:[8] at 2       -> pipe:[8] 1..2
 *   fd 6: pipe:[1] at 1, pipe:[2] then pipe:[1] again at 2 -> pipe:[1] 1..1, 2..2
 * Runs after the tests that count sources.
 */
static void test_fd_target_changes(void **state)
{
	struct ingest_source_info si = source_info("bundle", "gggg", "boot-4");
	int64_t p;

	(void)state;
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	snapshot_begin(1);
	p = proc(700, 1, "flip", 1);
	fd(p, 5, "pipe:[7]");
	fd(p, 5, "pipe:[8]");
	fd(p, 6, "pipe:[1]");
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	snapshot_begin(2);
	p = proc(700, 1, "flip", 1);
	fd(p, 5, "pipe:[8]");
	fd(p, 6, "pipe:[2]");
	fd(p, 6, "pipe:[1]");
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	snapshot_begin(3);
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	assert_int_equal(ingest_source_end(fx.ing, 1, NULL), 0);
	assert_string_equal(qs("SELECT f.fd, f.target, f.first_snapshot - n.seq0, f.last_snapshot - n.seq0 FROM fds f,"
			       " (SELECT min(id) - 1 AS seq0 FROM snapshots WHERE source_id ="
			       " (SELECT id FROM sources WHERE sha256 = 'gggg')) n"
			       " WHERE f.process_id = %lld ORDER BY f.fd, f.first_snapshot", (long long)p),
			    "5|pipe:[8]|1|2;6|pipe:[1]|1|1;6|pipe:[1]|2|2");
}

/* Intervals closed in a source that is then rolled back are not written
 * by the next one (ingest_reset drops what is pending). */
static void test_rollback_drops_pending(void **state)
{
	struct ingest_source_info si = source_info("bundle", "hhhh", "boot-5");
	int64_t p;

	(void)state;
	assert_int_equal(sqlite3_exec(fx.db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	snapshot_begin(1);
	sock("ESTABLISHED", 5001, LO, 7100, LO, 7101);
	p = proc(800, 1, "doomed", 1);
	fd(p, 3, "socket:[5001]");
	counter("Doomed", "Runs", 1);
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	snapshot_begin(2);   /* everything gone: every interval closes */
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	assert_int_equal(sqlite3_exec(fx.db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	ingest_reset(fx.ing);

	si = source_info("bundle", "iiii", "boot-5");
	assert_int_equal(ingest_source_begin(fx.ing, &si), 0);
	snapshot_begin(1);
	sock("ESTABLISHED", 5002, LO, 7100, LO, 7101);
	assert_int_equal(ingest_snapshot_end(fx.ing), 0);
	assert_int_equal(ingest_source_end(fx.ing, 1, NULL), 0);
	assert_int_equal(qi("SELECT count(*) FROM sockets WHERE inode = 5001"), 0);
	assert_int_equal(qi("SELECT count(*) FROM sockets WHERE inode = 5002"), 1);
	assert_int_equal(qi("SELECT count(*) FROM socket_states WHERE socket_id NOT IN (SELECT id FROM sockets)"), 0);
	assert_int_equal(qi("SELECT count(*) FROM fds WHERE target = 'socket:[5001]'"), 0);
	assert_int_equal(qi("SELECT count(*) FROM counters WHERE grp = 'Doomed'"), 0);
	assert_int_equal(qi("SELECT count(*) FROM snapshot_counts WHERE snapshot_id NOT IN (SELECT id FROM snapshots)"), 0);
}

/* A database written before sockets.prev_socket_id existed gets it on open. */
static void test_old_schema_migrated(void **state)
{
	char path[] = "/tmp/sm-test-ingest-XXXXXX", sql[256];
	sqlite3 *db = NULL;
	char *err = NULL;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	/* the v1 sockets table as it shipped */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d; PRAGMA user_version = 1;", DB_APPLICATION_ID);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE sockets (id INTEGER PRIMARY KEY, source_id INTEGER NOT NULL,"
				      " netns INTEGER, proto TEXT NOT NULL, inode INTEGER, local_addr TEXT,"
				      " local_port INTEGER, remote_addr TEXT, remote_port INTEGER, unix_path TEXT,"
				      " uid INTEGER, first_snapshot INTEGER NOT NULL, last_snapshot INTEGER NOT NULL);"
				      " INSERT INTO sockets VALUES (1, 1, 0, 'tcp', 5, 'a', 1, 'b', 2, NULL, 0, 1, 1);",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	if (db_open(path, DB_READWRITE, &db, &err) < 0)
		fail_msg("db_open: %s", err);
	assert_int_equal(db_int(db, "SELECT count(*) FROM pragma_table_info('sockets')"
				" WHERE name = 'prev_socket_id'", -1), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM sockets WHERE prev_socket_id IS NULL", -1), 1);
	assert_int_equal(db_int(db, "SELECT count(*) FROM v_transitions", -1), 0);
	db_close(db);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshots_and_sources),
		cmocka_unit_test(test_steady_socket),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_time_wait),
		cmocka_unit_test(test_orphans),
		cmocka_unit_test(test_single_snapshot_orphan),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_lsof_orphan_flag),
		cmocka_unit_test(test_peers),
		cmocka_unit_test(test_processes),
		cmocka_unit_test(test_fd_intervals),
		cmocka_unit_test(test_reload_same_hash),
		cmocka_unit_test(test_rollback_reset),
		cmocka_unit_test(test_hash_told_later),
		cmocka_unit_test(test_time_wait_link),
		cmocka_unit_test(test_fd_target_changes),
		cmocka_unit_test(test_rollback_drops_pending),
		cmocka_unit_test(test_old_schema_migrated),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
