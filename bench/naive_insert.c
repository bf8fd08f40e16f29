/*
 * naive_insert: the reference for the ingest benchmark. Reads a bundle with
 * the analyzer's own archive reader and /proc/net/tcp parser (so reading,
 * decompressing and parsing cost what they cost the loader) and stores
 * every socket row of every snapshot, one row per socket per snapshot, in
 *
 *   CREATE TABLE socket_rows(snapshot, proto, state, local_addr, local_port,
 *                            remote_addr, remote_port, tx, rx, inode, uid)
 *
 * with one prepared INSERT in one transaction, SQLite's default pragmas
 * (rollback journal, synchronous=FULL), no index: the plain way to put
 * these rows into SQLite, and so the practical limit of an insert loop.
 *
 *   naive_insert BUNDLE DB
 *
 * DB is replaced. Only snap/NNNNNN/net/NETNS/tcp members are stored; every
 * member is still read (and decompressed), as the loader must. Each tcp
 * member is parsed into a row batch first and then inserted, so the time
 * spent inserting (bind + step, plus COMMIT) is measured apart from the
 * time spent reading and parsing.
 *
 * Prints a human line and one line for scripts:
 *   naive rows=R members=M total_s=T parse_s=P insert_s=I commit_s=C
 *         parse_cpu_s=P insert_cpu_s=I commit_cpu_s=C db_bytes=B
 * total_s covers everything from opening the bundle to the COMMIT's end
 * (the DB is then closed; its size is measured after the close). The
 * *_s figures are wall time, the *_cpu_s ones this process's CPU time
 * (what to compare on a shared host).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive_reader.h"
#include "parse_procnet.h"

#define ADDR_MAX 48
#define STATE_MAX 16

struct nrow {
	int64_t local_port, remote_port, tx, rx, inode, uid;
	char state[STATE_MAX];
	char laddr[ADDR_MAX], raddr[ADDR_MAX];
};

struct naive {
	sqlite3 *db;
	sqlite3_stmt *ins;
	struct nrow *rows;
	size_t nrows, arows;
	uint64_t total_rows, members;
	double parse_s, insert_s;
	double parse_cpu_s, insert_cpu_s;
	int failed;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t l = src ? strlen(src) : 0;

	if (l >= n)
		l = n - 1;
	if (l)
		memcpy(dst, src, l);
	dst[l] = '\0';
}

static int on_socket(void *ctx, const struct sm_socket_row *r)
{
	struct naive *nv = ctx;
	struct nrow *o;

	if (nv->nrows == nv->arows) {
		size_t na = nv->arows ? nv->arows * 2 : 16384;
		struct nrow *p = realloc(nv->rows, na * sizeof(*p));

		if (!p) {
			fprintf(stderr, "naive_insert: out of memory\n");
			nv->failed = 1;
			return 1;
		}
		nv->rows = p;
		nv->arows = na;
	}
	o = &nv->rows[nv->nrows++];
	o->local_port = r->local_port;
	o->remote_port = r->remote_port;
	o->tx = r->tx_queue;
	o->rx = r->rx_queue;
	o->inode = (int64_t)r->inode;
	o->uid = r->uid;
	copy_str(o->state, sizeof(o->state), r->state);
	copy_str(o->laddr, sizeof(o->laddr), r->local_addr);
	copy_str(o->raddr, sizeof(o->raddr), r->remote_addr);
	return 0;
}

static void bind_opt(sqlite3_stmt *st, int i, int64_t v)
{
	if (v == SM_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

/* "snap/000012/net/4026531840/tcp" -> 12; 0 for any other member. */
static int64_t tcp_member(const char *name)
{
	const char *p, *slash;
	char *end;
	long long seq;

	if (strncmp(name, "snap/", 5))
		return 0;
	errno = 0;
	seq = strtoll(name + 5, &end, 10);
	if (errno || end == name + 5 || seq <= 0 || strncmp(end, "/net/", 5))
		return 0;
	p = end + 5;
	slash = strchr(p, '/');
	if (!slash || slash == p || strcmp(slash + 1, "tcp"))
		return 0;
	for (; p < slash; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return (int64_t)seq;
}

static int on_member(void *ctx, const struct ar_member *m)
{
	struct naive *nv = ctx;
	struct sm_sink sink;
	int64_t snap = tcp_member(m->name);
	double t0, t1, c0, c1;
	size_t i;

	if (!snap)
		return 0;
	memset(&sink, 0, sizeof(sink));
	sink.ctx = nv;
	sink.socket = on_socket;
	nv->members++;
	nv->nrows = 0;
	t0 = now_s();
	c0 = cpu_s();
	if (parse_procnet_inet(m->data, m->size, "tcp", &sink) != 0 || nv->failed) {
		fprintf(stderr, "naive_insert: %s: not a /proc/net/tcp table\n", m->name);
		nv->failed = 1;
		return 1;
	}
	t1 = now_s();
	c1 = cpu_s();
	nv->parse_s += t1 - t0;
	nv->parse_cpu_s += c1 - c0;
	for (i = 0; i < nv->nrows; i++) {
		const struct nrow *r = &nv->rows[i];
		sqlite3_stmt *st = nv->ins;

		sqlite3_bind_int64(st, 1, snap);
		sqlite3_bind_text(st, 2, "tcp", 3, SQLITE_STATIC);
		if (r->state[0])
			sqlite3_bind_text(st, 3, r->state, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_text(st, 4, r->laddr, -1, SQLITE_STATIC);
		bind_opt(st, 5, r->local_port);
		sqlite3_bind_text(st, 6, r->raddr, -1, SQLITE_STATIC);
		bind_opt(st, 7, r->remote_port);
		bind_opt(st, 8, r->tx);
		bind_opt(st, 9, r->rx);
		sqlite3_bind_int64(st, 10, r->inode);
		bind_opt(st, 11, r->uid);
		if (sqlite3_step(st) != SQLITE_DONE) {
			fprintf(stderr, "naive_insert: insert: %s\n", sqlite3_errmsg(nv->db));
			nv->failed = 1;
			return 1;
		}
		sqlite3_reset(st);
	}
	nv->insert_s += now_s() - t1;
	nv->insert_cpu_s += cpu_s() - c1;
	nv->total_rows += nv->nrows;
	return 0;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "naive_insert: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

int main(int argc, char **argv)
{
	struct naive nv;
	struct ar_options o;
	struct ar_result res;
	struct stat st;
	char side[4096];
	double t0, t_commit0, t_end, c_commit0, c_end;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: naive_insert BUNDLE DB\n");
		return 2;
	}
	memset(&nv, 0, sizeof(nv));
	unlink(argv[2]);
	snprintf(side, sizeof(side), "%s-journal", argv[2]);
	unlink(side);
	snprintf(side, sizeof(side), "%s-wal", argv[2]);
	unlink(side);

	t0 = now_s();
	if (sqlite3_open(argv[2], &nv.db) != SQLITE_OK) {
		fprintf(stderr, "naive_insert: %s: %s\n", argv[2], sqlite3_errmsg(nv.db));
		return 1;
	}
	if (exec(nv.db, "CREATE TABLE socket_rows(snapshot INTEGER, proto TEXT, state TEXT, local_addr TEXT,"
			" local_port INTEGER, remote_addr TEXT, remote_port INTEGER, tx INTEGER, rx INTEGER,"
			" inode INTEGER, uid INTEGER)") < 0 ||
	    exec(nv.db, "BEGIN") < 0)
		return 1;
	if (sqlite3_prepare_v2(nv.db, "INSERT INTO socket_rows VALUES (?,?,?,?,?,?,?,?,?,?,?)", -1, &nv.ins,
			       NULL) != SQLITE_OK) {
		fprintf(stderr, "naive_insert: prepare: %s\n", sqlite3_errmsg(nv.db));
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.member = on_member;
	o.ctx = &nv;
	rc = ar_walk(argv[1], &o, &res);
	if (nv.failed || rc < 0) {
		fprintf(stderr, "naive_insert: %s: %s\n", argv[1], res.error[0] ? res.error : "failed");
		return 1;
	}
	sqlite3_finalize(nv.ins);
	t_commit0 = now_s();
	c_commit0 = cpu_s();
	if (exec(nv.db, "COMMIT") < 0)
		return 1;
	t_end = now_s();
	c_end = cpu_s();
	sqlite3_close(nv.db);
	if (stat(argv[2], &st) < 0) {
		fprintf(stderr, "naive_insert: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("naive insert loop: %llu rows from %llu tcp members in %.2f s (%.0f rows/s); parse %.2f s, "
	       "insert %.2f s + commit %.2f s (%.0f rows/s insert only); db %lld bytes\n",
	       (unsigned long long)nv.total_rows, (unsigned long long)nv.members, t_end - t0,
	       (double)nv.total_rows / (t_end - t0), nv.parse_s, nv.insert_s, t_end - t_commit0,
	       (double)nv.total_rows / (nv.insert_s + t_end - t_commit0), (long long)st.st_size);
	printf("naive rows=%llu members=%llu total_s=%.3f parse_s=%.3f insert_s=%.3f commit_s=%.3f"
	       " parse_cpu_s=%.3f insert_cpu_s=%.3f commit_cpu_s=%.3f db_bytes=%lld\n",
	       (unsigned long long)nv.total_rows, (unsigned long long)nv.members, t_end - t0, nv.parse_s,
	       nv.insert_s, t_end - t_commit0, nv.parse_cpu_s, nv.insert_cpu_s, c_end - c_commit0,
	       (long long)st.st_size);
	free(nv.rows);
	return 0;
}
