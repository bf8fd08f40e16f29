/*
 * ingest: interval trackers over hash maps; see ingest.h.
 *
 * Each tracked identity (socket, fd, orphan, peer pair) lives in a map
 * while it keeps being seen. Its database row is written once, whole, when
 * its interval closes: a socket's and an fd's row is kept in memory from
 * its first sight until then (an INSERT and an UPDATE of the same row cost
 * twice what one INSERT does). A socket that never changes costs one row,
 * however many snapshots it spans. Sockets themselves are tracked in
 * ingest_sockets.c; this file has the sources, snapshots, processes, fds,
 * counters and each snapshot's end.
 */
#include "ingest_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "strbuf.h"

#define COUNTER_KEY_MAX 200
#define SOCKFD_AHEAD 8

/* An fd's row but for its key and snapshots, kept while the fd is open. */
struct ing_fdrow {
	uint64_t inode;           /* 0: NULL */
	int64_t socket_id;        /* 0: NULL */
	int has_type;
	char text[];              /* target, then type, each NUL-terminated */
};

struct ing_proc {
	int64_t id;
	int64_t last;
};

/* A host counter's current run of one value (value SM_NONE: no value). */
struct ing_counter {
	int64_t first, last, value;
};

/* A socket fd seen this snapshot, checked against the tables at its end. */
struct ing_sockfd {
	int64_t process_id, fd, netns;
	uint64_t inode;
	int64_t sid;              /* its socket when noted (tables come first), 0 if none */
	uint32_t sidx;            /* spool index of sid */
};

/*
 * Per process, this snapshot: its process_samples row, written at the
 * snapshot's end with its fd counts (one INSERT, not an INSERT and an
 * UPDATE per process and snapshot).
 */
struct ing_sample {
	int sampled;              /* ingest_process saw it: a row is due */
	int counted;              /* its fd table was read: the counts are not NULL */
	int64_t fds, socket_fds;
	char state;               /* 0: NULL */
	int64_t threads, rss_kb, nofile_soft, nofile_hard;
};

static const char *const ingest_sql[ST_COUNT] = {
	[ST_SOURCE] = "INSERT INTO sources(kind, path, sha256, host, boot_id, kernel, format_version,"
		      " tool_version, manifest) VALUES (?,?,?,?,?,?,?,?,?)",
	[ST_SOURCE_END] = "UPDATE sources SET snapshots = ?2, complete = ?3, end_reason = ?4,"
			  " started_ns = (SELECT min(wall_ns) FROM snapshots WHERE source_id = ?1),"
			  " ended_ns = (SELECT max(coalesce(ended_ns, wall_ns)) FROM snapshots WHERE source_id = ?1)"
			  " WHERE id = ?1",
	[ST_SNAPSHOT] = "INSERT INTO snapshots(source_id, seq, wall_ns, ended_ns, mono_ns, host, boot_id,"
			" processes, fds, errors, complete) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	[ST_PROC_FIND] = "SELECT id FROM processes WHERE boot_id IS ? AND pid = ? AND start_ticks IS ?",
	[ST_PROC_INS] = "INSERT INTO processes(boot_id, pid, start_ticks, comm, cmdline, uid, netns,"
			" first_snapshot, last_snapshot) VALUES (?,?,?,?,?,?,?,?,?)",
	[ST_PROC_LAST] = "UPDATE processes SET last_snapshot = max(last_snapshot, ?) WHERE id = ?",
	[ST_ORPHAN] = "INSERT OR REPLACE INTO orphan_fds(process_id, fd, inode, first_snapshot, last_snapshot)"
		      " VALUES (?,?,?,?,?)",
	[ST_PEER] = "INSERT OR REPLACE INTO socket_peers(socket_id, peer_id, first_snapshot, last_snapshot)"
		    " VALUES (?,?,?,?)",
	[ST_NOTE] = "INSERT INTO load_notes(source_id, path, line, severity, message) VALUES (?,?,?,?,?)",
	[ST_ERROR] = "INSERT INTO collection_errors(snapshot_id, path, error, detail) VALUES (?,?,?,?)",
	[ST_STEP] = "INSERT INTO collection_steps(snapshot_id, step, name, outcome, duration_us, detail)"
		    " VALUES (?,?,?,?,?,?)",
};

/*
 * The rows written most, one per closed interval: batched (db_batch) and
 * all written by ingest_source_close. Intervals close in no order of the
 * tables' keys, so each row landed somewhere else in its B-tree; sorted a
 * few thousand at a time they land next to each other. On an hour of
 * 10,000 sockets, 8,192 rows at a time cost half what one at a time did
 * per row, 256 at a time nothing less; 16 rows to a statement, not one,
 * saved a tenth more. 8,192 rows of the widest table are under 3 MB.
 */
#define ING_BATCH_ROWS 16
#define ING_BATCH_CAP 8192

static const struct db_batch_spec ingest_batch[IB_COUNT] = {
	[IB_SOCKET] = { "INSERT INTO sockets(id, source_id, netns, proto, inode, local_addr, local_port,"
			" remote_addr, remote_port, unix_path, uid, first_snapshot, last_snapshot, prev_socket_id)"
			" VALUES ", "", 14, { 0 }, 1, ING_BATCH_ROWS, ING_BATCH_CAP },
	[IB_STATE] = { "INSERT INTO socket_states(socket_id, state, first_snapshot, last_snapshot, tx_queue,"
		       " rx_queue, tx_queue_max, rx_queue_max, timer, retransmits) VALUES ", "", 10, { 0, 2 }, 2,
		       ING_BATCH_ROWS, ING_BATCH_CAP },
	[IB_FD] = { "INSERT OR REPLACE INTO fds(process_id, fd, target, type, inode, first_snapshot, last_snapshot,"
		    " socket_id) VALUES ", "", 8, { 0, 1, 5 }, 3, ING_BATCH_ROWS, ING_BATCH_CAP },
	[IB_COUNTER] = { "INSERT OR REPLACE INTO counters(netns, grp, name, first_snapshot, last_snapshot, value)"
			 " VALUES ", "", 6, { 1, 2, 0, 3 }, 4, ING_BATCH_ROWS, ING_BATCH_CAP },
	[IB_SAMPLE] = { "INSERT OR REPLACE INTO process_samples(snapshot_id, process_id, state, threads, rss_kb,"
			" fd_count, socket_fds, nofile_soft, nofile_hard) VALUES ", "", 9, { 0, 1 }, 2,
			ING_BATCH_ROWS, ING_BATCH_CAP },
};

static struct ing_sample *sample_get(struct ingest *ing, int64_t process_id)
{
	int is_new;

	/* Every put into samples goes through here, so the cached pointer
	 * cannot outlive a table move. */
	if (ing->smp && ing->smp_pid == process_id)
		return ing->smp;
	ing->smp = hashmap_put(&ing->samples, &process_id, sizeof(process_id), &is_new);
	ing->smp_pid = process_id;
	return ing->smp;
}

static void fdcount_bump(struct ingest *ing, int64_t process_id, int is_socket)
{
	struct ing_sample *c = sample_get(ing, process_id);

	c->counted = 1;
	c->fds++;
	c->socket_fds += is_socket;
}

static int ing_sqlfail(struct ingest *ing, const char *what)
{
	snprintf(ing->error, sizeof(ing->error), "database: %s: %s", what, sqlite3_errmsg(ing->db));
	return -1;
}

/* Steps a fully bound statement and resets it. */
static int ing_step(struct ingest *ing, int which)
{
	char msg[256];

	if (db_step_reset(ing->st[which], NULL, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(ing->error, sizeof(ing->error), "database: %s: %s", ingest_sql[which], msg);
	return -1;
}

/* An id or inode of a row: 0 is none, NULL. */
void ing_batch_id(struct db_batch *b, int64_t v)
{
	if (v)
		db_batch_int(b, v);
	else
		db_batch_null(b);
}

/* Ends a row of batch which (its values added). */
int ing_row(struct ingest *ing, int which)
{
	if (db_batch_row(ing->batch[which]) < 0)
		return ing_sqlfail(ing, db_batch_sql(ing->batch[which]));
	return 0;
}

/* Writes every batched row: the source's tables are whole. */
static int ing_flush(struct ingest *ing)
{
	char *err = NULL;
	int i;

	for (i = 0; i < IB_COUNT; i++)
		if (db_batch_flush(ing->batch[i]) < 0)
			return ing_sqlfail(ing, db_batch_sql(ing->batch[i]));
	if (ing_counts_write(&ing->counts, &err) == 0)
		return 0;
	snprintf(ing->error, sizeof(ing->error), "%s", err);
	free(err);
	return -1;
}

struct ingest *ingest_new(sqlite3 *db)
{
	struct ingest *ing = xcalloc(1, sizeof(*ing));
	int i;

	ing->db = db;
	/* A load is one transaction touching every table's B-tree each
	 * snapshot: with SQLite's default 2 MiB page cache it spills pages
	 * to the journal and reads them back. 64 MiB holds an hour of a
	 * busy host's intervals. */
	sqlite3_exec(db, "PRAGMA cache_size = -65536", NULL, NULL, NULL);
	for (i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(db, ingest_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &ing->st[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "sockmortem: internal error preparing '%s': %s\n", ingest_sql[i],
				sqlite3_errmsg(db));
			ingest_free(ing);
			return NULL;
		}
	}
	for (i = 0; i < IB_COUNT; i++) {
		char *err = NULL;

		if (!(ing->batch[i] = db_batch_new(db, &ingest_batch[i], &err))) {
			fprintf(stderr, "sockmortem: internal error: %s\n", err);
			free(err);
			ingest_free(ing);
			return NULL;
		}
	}
	/* Two maps, so that the common inode key gets small slots. */
	hashmap_init(&ing->isockets, 1 + sizeof(uint64_t), sizeof(uint32_t));
	hashmap_init(&ing->sockets, TUPLE_KEY_MAX, sizeof(uint32_t));
	fd_store_init(&ing->fds);
	hashmap_init(&ing->orphans, 24, sizeof(struct ing_iv));
	hashmap_init(&ing->peers, 16, sizeof(struct ing_iv));
	hashmap_init(&ing->procs, 16 + 256, sizeof(struct ing_proc));
	hashmap_init(&ing->counters, COUNTER_KEY_MAX, sizeof(struct ing_counter));
	hashmap_init(&ing->tuples, 2 * sizeof(uint64_t), sizeof(struct ing_tuple));
	hashmap_init(&ing->samples, 8, sizeof(struct ing_sample));
	{
		char *err = NULL;

		if (ing_counts_init(&ing->counts, db, &err) < 0 || ing_dumps_init(&ing->dumps, db, &ing->stats, &err) < 0) {
			fprintf(stderr, "sockmortem: internal error: %s\n", err);
			free(err);
			ingest_free(ing);
			return NULL;
		}
	}
	return ing;
}

void ingest_free(struct ingest *ing)
{
	int i;

	if (!ing)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(ing->st[i]);
	for (i = 0; i < IB_COUNT; i++)
		db_batch_free(ing->batch[i]);
	hashmap_free(&ing->isockets);
	hashmap_free(&ing->sockets);
	fd_store_free(&ing->fds);
	hashmap_free(&ing->orphans);
	hashmap_free(&ing->peers);
	hashmap_free(&ing->procs);
	hashmap_free(&ing->counters);
	hashmap_free(&ing->tuples);
	hashmap_free(&ing->samples);
	ing_dumps_free(&ing->dumps);
	ing_counts_free(&ing->counts);
	ing_spool_free_rows(ing);
	free(ing->sockfds);
	free(ing->paired);
	free(ing->spool);
	free(ing->sfree);
	free(ing->host);
	free(ing->boot_id);
	free(ing);
}

void ingest_reset(struct ingest *ing)
{
	int i;

	for (i = 0; i < IB_COUNT; i++)
		db_batch_clear(ing->batch[i]);
	ing_spool_free_rows(ing);
	hashmap_free(&ing->isockets);
	hashmap_free(&ing->sockets);
	ing->nspool = ing->nsfree = 0;
	ing->npaired = 0;
	ing->cur_id = 0;
	fd_store_free(&ing->fds);
	fd_store_init(&ing->fds);
	hashmap_free(&ing->orphans);
	hashmap_free(&ing->peers);
	hashmap_free(&ing->procs);
	hashmap_free(&ing->counters);
	hashmap_free(&ing->tuples);
	hashmap_free(&ing->samples);
	ing->smp = NULL;
	ing_dumps_reset(&ing->dumps);   /* ids may have been rolled back */
	ing_counts_clear(&ing->counts);
	ing->nsockfds = 0;
	ing->source_id = ing->snap_id = 0;
}

const char *ingest_error(const struct ingest *ing)
{
	return ing->error;
}

const struct ingest_stats *ingest_stats(const struct ingest *ing)
{
	return &ing->stats;
}

int64_t ingest_source_id(const struct ingest *ing)
{
	return ing->source_id;
}

int64_t ingest_snapshot_id(const struct ingest *ing)
{
	return ing->snap_id;
}

/* Is a source with this sha256 loaded? 1, 0, or -1 (ing->error set). */
static int source_loaded(struct ingest *ing, const char *sha256)
{
	sqlite3_stmt *q = NULL;
	char *err = NULL;
	int found;

	if (db_prepare(ing->db, "SELECT 1 FROM sources WHERE sha256 = ?", &q, &err) < 0) {
		snprintf(ing->error, sizeof(ing->error), "%s", err);
		free(err);
		return -1;
	}
	sqlite3_bind_text(q, 1, sha256, -1, SQLITE_STATIC);
	found = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	return found;
}

int ingest_source_begin(struct ingest *ing, const struct ingest_source_info *si)
{
	sqlite3_stmt *st = ing->st[ST_SOURCE];
	int r;

	if (db_int(ing->db, "SELECT 1", 0) != 1)
		return ing_sqlfail(ing, "database unusable");
	if (si->sha256 && (r = source_loaded(ing, si->sha256)) != 0)
		return r;
	sqlite3_bind_text(st, 1, si->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, si->path, -1, SQLITE_STATIC);
	/* none yet: a placeholder no digest can equal, until told */
	sqlite3_bind_text(st, 3, si->sha256 ? si->sha256 : "(pending)", -1, SQLITE_STATIC);
	db_bind_opt_text(st, 4, si->host);
	db_bind_opt_text(st, 5, si->boot_id);
	db_bind_opt_text(st, 6, si->kernel);
	db_bind_opt_int(st, 7, si->format_version);
	db_bind_opt_text(st, 8, si->tool_version);
	db_bind_opt_text(st, 9, si->manifest);
	if (ing_step(ing, ST_SOURCE) < 0)
		return -1;
	ing->source_id = sqlite3_last_insert_rowid(ing->db);
	ing->next_socket_id = db_int(ing->db, "SELECT max(id) FROM sockets", 0) + 1;
	ing->snap_count = 0;
	ing->snap_id = 0;
	ing->source_closed = 0;
	hashmap_clear(&ing->tuples);   /* nothing is linked across sources */
	free(ing->host);
	free(ing->boot_id);
	ing->host = si->host ? xstrdup(si->host) : NULL;
	ing->boot_id = si->boot_id ? xstrdup(si->boot_id) : NULL;
	return 0;
}

int ingest_source_sha256(struct ingest *ing, const char *sha256)
{
	sqlite3_stmt *st = NULL;
	char *err = NULL;
	int r = source_loaded(ing, sha256);

	if (r != 0)
		return r;
	if (db_prepare(ing->db, "UPDATE sources SET sha256 = ? WHERE id = ?", &st, &err) < 0) {
		snprintf(ing->error, sizeof(ing->error), "%s", err);
		free(err);
		return -1;
	}
	sqlite3_bind_text(st, 1, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ing->source_id);
	r = sqlite3_step(st);
	sqlite3_finalize(st);
	return r == SQLITE_DONE ? 0 : ing_sqlfail(ing, "setting a source's sha256");
}

int ingest_snapshot_begin(struct ingest *ing, const struct ingest_snapshot_info *si)
{
	sqlite3_stmt *st = ing->st[ST_SNAPSHOT];

	sqlite3_bind_int64(st, 1, ing->source_id);
	sqlite3_bind_int64(st, 2, si->seq);
	db_bind_opt_int(st, 3, si->wall_ns);
	db_bind_opt_int(st, 4, si->ended_ns);
	db_bind_opt_int(st, 5, si->mono_ns);
	db_bind_opt_text(st, 6, ing->host);
	db_bind_opt_text(st, 7, ing->boot_id);
	db_bind_opt_int(st, 8, si->processes);
	db_bind_opt_int(st, 9, si->fds);
	db_bind_opt_int(st, 10, si->errors);
	sqlite3_bind_int(st, 11, si->complete);
	if (ing_step(ing, ST_SNAPSHOT) < 0)
		return -1;
	ing->prev_snap_id = ing->snap_count ? ing->snap_id : 0;
	ing->snap_id = sqlite3_last_insert_rowid(ing->db);
	ing->snap_count++;
	ing->stats.snapshots++;
	/* cleared, not freed: the next snapshot refills it to the same size */
	ing->inodes_seen = 0;
	hashmap_clear(&ing->samples);
	ing->smp = NULL;
	ing->nsockfds = 0;   /* last snapshot's undecided fds are seen again now */
	ing->cur_id = 0;
	return 0;
}

static size_t proc_key(char *key, const struct ingest_process_info *pi)
{
	int64_t k[2] = { pi->pid, pi->start_ticks };
	size_t n = sizeof(k);

	memcpy(key, k, n);
	if (pi->start_ticks == SM_NONE && pi->comm) {
		/* Loose captures have no start time: tell pids apart by name. */
		size_t c = strlen(pi->comm);
		if (c > 255)
			c = 255;
		memcpy(key + n, pi->comm, c);
		n += c;
	}
	return n;
}

static int64_t proc_lookup_or_insert(struct ingest *ing, const struct ingest_process_info *pi)
{
	sqlite3_stmt *st = ing->st[ST_PROC_FIND];
	int64_t id = 0;
	int rc;

	if (pi->start_ticks != SM_NONE && ing->boot_id) {
		db_bind_opt_text(st, 1, ing->boot_id);
		sqlite3_bind_int64(st, 2, pi->pid);
		db_bind_opt_int(st, 3, pi->start_ticks);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (id)
			return id;
	}
	st = ing->st[ST_PROC_INS];
	db_bind_opt_text(st, 1, ing->boot_id);
	sqlite3_bind_int64(st, 2, pi->pid);
	db_bind_opt_int(st, 3, pi->start_ticks);
	db_bind_opt_text(st, 4, pi->comm);
	db_bind_opt_text(st, 5, pi->cmdline);
	db_bind_opt_int(st, 6, pi->uid);
	db_bind_opt_int(st, 7, pi->netns);
	sqlite3_bind_int64(st, 8, ing->snap_id);
	sqlite3_bind_int64(st, 9, ing->snap_id);
	if (ing_step(ing, ST_PROC_INS) < 0)
		return -1;
	ing->stats.processes++;
	return sqlite3_last_insert_rowid(ing->db);
}

int64_t ingest_process(struct ingest *ing, const struct ingest_process_info *pi)
{
	char key[16 + 256];
	size_t klen = proc_key(key, pi);
	struct ing_proc *p;
	struct ing_sample *sm;
	int is_new;

	p = hashmap_put(&ing->procs, key, klen, &is_new);
	if (is_new) {
		int64_t id = proc_lookup_or_insert(ing, pi);
		p = hashmap_get(&ing->procs, key, klen);
		if (id < 0) {
			hashmap_del(&ing->procs, key, klen);
			return -1;
		}
		p->id = id;
	}
	p->last = ing->snap_id;
	/* Seen twice in one snapshot, the last row's figures stand. */
	sm = sample_get(ing, p->id);
	sm->sampled = 1;
	sm->state = pi->state;
	sm->threads = pi->threads;
	sm->rss_kb = pi->rss_kb;
	sm->nofile_soft = pi->nofile_soft;
	sm->nofile_hard = pi->nofile_hard;
	if (pi->fd_table_read)
		sm->counted = 1;   /* an empty table still counts: 0 fds */
	return p->id;
}

static void orphan_start(struct ingest *ing, int64_t process_id, int64_t fd, uint64_t inode, int64_t first)
{
	int64_t k[3] = { process_id, fd, (int64_t)inode };
	struct ing_iv *iv;
	int is_new;

	iv = hashmap_put(&ing->orphans, k, sizeof(k), &is_new);
	if (is_new)
		iv->first = first;
	iv->last = ing->snap_id;
}

/*
 * A socket fd of this snapshot, for snapshot_sockfds. Its socket is the one
 * the fd had last time if that is still tracked: checked there, in one pass
 * that can fetch ahead, not here, where each check would wait on memory.
 */
static void sockfd_note(struct ingest *ing, int64_t process_id, int64_t fd, int64_t netns, uint64_t inode,
			const struct ing_fd *f)
{
	struct ing_sockfd *sf;

	if (ing->nsockfds == ing->asockfds) {
		ing->asockfds = ing->asockfds ? ing->asockfds * 2 : 1024;
		ing->sockfds = xreallocarray(ing->sockfds, ing->asockfds, sizeof(*ing->sockfds));
	}
	sf = &ing->sockfds[ing->nsockfds++];
	sf->process_id = process_id;
	sf->fd = fd;
	sf->netns = netns;
	sf->inode = inode;
	sf->sid = f->sid;
	sf->sidx = f->sidx;
}

/*
 * The socket of a socket fd: the one its fd had, else looked up now (and
 * kept in the fd for next time).
 */
static const struct ing_socket *sockfd_socket(struct ingest *ing, const struct ing_sockfd *sf)
{
	const struct ing_socket *s;
	struct ing_fd *f;

	if (sf->sid && ing->spool[sf->sidx].id == sf->sid)
		return &ing->spool[sf->sidx];
	s = ing_socket_by_inode(ing, sf->inode);
	if (s && (f = fd_store_get(&ing->fds, sf->process_id, sf->fd)) != NULL) {
		f->sid = s->id;
		f->sidx = (uint32_t)(s - ing->spool);
	}
	return s;
}

/* What r says of an fd, kept until it is written (fd_write). */
static struct ing_fdrow *fd_row_new(const char *target, const struct sm_fd_row *r, int64_t socket_id)
{
	size_t tlen = strlen(target), ylen = r->type ? strlen(r->type) : 0;
	struct ing_fdrow *row = xmalloc(sizeof(*row) + tlen + ylen + 2);

	row->inode = r->inode;
	row->socket_id = socket_id;
	row->has_type = r->type != NULL;
	memcpy(row->text, target, tlen + 1);
	memcpy(row->text + tlen + 1, r->type ? r->type : "", ylen + 1);
	return row;
}

/* An fd interval's row, whole: the first row of the interval and its last snapshot. */
static int fd_write(struct ingest *ing, int64_t process_id, int64_t fd, const struct ing_fd *f)
{
	struct db_batch *b = ing->batch[IB_FD];
	const struct ing_fdrow *row = f->row;
	size_t tlen = strlen(row->text);

	db_batch_int(b, process_id);
	db_batch_int(b, fd);
	db_batch_textn(b, row->text, tlen);
	db_batch_text(b, row->has_type ? row->text + tlen + 1 : NULL);
	ing_batch_id(b, (int64_t)row->inode);
	db_batch_int(b, f->first);
	db_batch_int(b, f->last);
	ing_batch_id(b, row->socket_id);
	return ing_row(ing, IB_FD);
}

static int ingest_fd_impl(struct ingest *ing, int64_t process_id, int64_t netns, const struct sm_fd_row *r,
			  int64_t socket_id)
{
	const char *target = r->target ? r->target : "";
	uint64_t h = hash_bytes(target, strlen(target));
	struct ing_fd *f;
	int is_new;

	ing->stats.fd_rows++;
	ing->last_fd.is_socket = -1;
	if (r->fd == SM_NONE)
		return 0;   /* lsof's cwd/txt/mem rows are not descriptors */
	f = fd_store_put(&ing->fds, process_id, r->fd, &is_new);
	if (!is_new && f->target_hash != h) {
		/* Another target: the interval so far is closed. One that
		 * began in this snapshot (an fd listed twice) would be replaced
		 * by the new one, which has the same key: it is not written. */
		if (f->first != ing->snap_id && fd_write(ing, process_id, r->fd, f) < 0)
			return -1;
		free(f->row);
		f->row = NULL;
		is_new = 1;
	}
	if (is_new) {
		f->row = fd_row_new(target, r, socket_id);
		f->first = ing->snap_id;
		f->target_hash = h;
		f->sid = 0;
		ing->stats.fd_intervals++;
	}
	f->last = ing->snap_id;
	fdcount_bump(ing, process_id, r->type && !strcmp(r->type, "socket"));
	if (!r->orphaned && !socket_id && r->fd >= 0 && r->fd <= INT32_MAX) {
		ing->last_fd.target_hash = h;
		ing->last_fd.inode = r->inode;
		ing->last_fd.fd = (int32_t)r->fd;
		ing->last_fd.is_socket = r->type && !strcmp(r->type, "socket");
	}
	if (r->type && !strcmp(r->type, "socket")) {
		if (r->orphaned) {
			orphan_start(ing, process_id, r->fd, r->inode, ing->snap_id);
			return 0;
		}
		if (r->inode)
			sockfd_note(ing, process_id, r->fd, netns, r->inode, f);
	}
	return 0;
}

void ingest_fd_last(const struct ingest *ing, struct ingest_fd_ref *ref)
{
	*ref = ing->last_fd;
}

/*
 * The same row again: an fd of process_id with the target it had. Only
 * what marks it seen is left to do, or 0 when the fd is not that one
 * (new to this process, or another target): the row must be ingested.
 */
int ingest_fd_again(struct ingest *ing, int64_t process_id, int64_t netns, const struct ingest_fd_ref *ref)
{
	struct ing_fd *f;

	if (ref->is_socket < 0)
		return 0;
	f = fd_store_get(&ing->fds, process_id, ref->fd);
	if (!f || !f->first || f->target_hash != ref->target_hash)
		return 0;
	ing->stats.fd_rows++;
	f->last = ing->snap_id;
	fdcount_bump(ing, process_id, ref->is_socket);
	if (ref->is_socket && ref->inode)
		sockfd_note(ing, process_id, ref->fd, netns, ref->inode, f);
	return 1;
}

int ingest_fd(struct ingest *ing, int64_t process_id, int64_t netns, const struct sm_fd_row *r)
{
	return ingest_fd_impl(ing, process_id, netns, r, 0);
}

int ingest_socket_owner(struct ingest *ing, int64_t process_id, int64_t netns, const struct sm_fd_row *r)
{
	return ingest_fd_impl(ing, process_id, netns, r, ing->last_socket_id);
}

static int counter_write(struct ingest *ing, int64_t netns, const char *group, const char *name,
			 const struct ing_counter *c)
{
	struct db_batch *b = ing->batch[IB_COUNTER];

	db_batch_int(b, netns);
	db_batch_text(b, group);
	db_batch_text(b, name);
	db_batch_int(b, c->first);
	db_batch_int(b, c->last);
	db_batch_opt_int(b, c->value);
	ing->stats.counter_rows++;
	return ing_row(ing, IB_COUNTER);
}

/* The key is netns, then "group\0name\0"; 0 if it would not fit. */
static size_t counter_key(char *key, int64_t netns, const char *group, const char *name)
{
	size_t g = strlen(group) + 1, n = strlen(name) + 1;

	if (sizeof(netns) + g + n > COUNTER_KEY_MAX)
		return 0;
	memcpy(key, &netns, sizeof(netns));
	memcpy(key + sizeof(netns), group, g);
	memcpy(key + sizeof(netns) + g, name, n);
	return sizeof(netns) + g + n;
}

static int counter_flush(struct ingest *ing, const char *key, const struct ing_counter *c)
{
	int64_t netns;

	memcpy(&netns, key, sizeof(netns));
	return counter_write(ing, netns, key + sizeof(netns), key + sizeof(netns) + strlen(key + sizeof(netns)) + 1, c);
}

/*
 * A counter's row is its run of one value, written when the value changes
 * or the counter stops being seen (close_counters).
 */
int ingest_counter(struct ingest *ing, int64_t netns, const struct sm_counter_row *r)
{
	char key[COUNTER_KEY_MAX];
	struct ing_counter *c, now = { ing->snap_id, ing->snap_id, r->value };
	size_t klen;
	int is_new;

	/* netns is part of the WITHOUT ROWID primary key, so it cannot be
	 * NULL: a loose capture's unknown namespace is stored as 0. */
	if (netns == SM_NONE)
		netns = 0;
	ing->stats.counters++;
	klen = counter_key(key, netns, r->group, r->name);
	if (!klen)   /* absurdly long names: a run of their own */
		return counter_write(ing, netns, r->group, r->name, &now);
	c = hashmap_put(&ing->counters, key, klen, &is_new);
	if (!is_new && c->value != now.value) {
		if (c->first == ing->snap_id) {
			c->value = now.value;   /* twice in one snapshot: the last wins */
			return 0;
		}
		if (c->last == ing->snap_id)
			c->last = ing->prev_snap_id;
		if (counter_flush(ing, key, c) < 0)
			return -1;
		is_new = 1;
	}
	if (is_new)
		*c = now;
	c->last = ing->snap_id;
	return 0;
}

/* Writes every run not seen in snapshot `upto` (all if upto is 0). */
static int close_counters(struct ingest *ing, int64_t upto)
{
	size_t pos = 0;
	const void *key;
	size_t klen;
	struct ing_counter *c;

	while ((c = hashmap_next(&ing->counters, &pos, &key, &klen)) != NULL) {
		if (upto && c->last == upto)
			continue;
		if (counter_flush(ing, key, c) < 0)
			return -1;
		hashmap_del(&ing->counters, key, klen);
	}
	return 0;
}

int ingest_note(struct ingest *ing, const char *path, int64_t line, const char *severity, const char *msg)
{
	sqlite3_stmt *st = ing->st[ST_NOTE];

	if (ing->source_id)
		sqlite3_bind_int64(st, 1, ing->source_id);
	db_bind_opt_text(st, 2, path);
	db_bind_opt_int(st, 3, line);
	sqlite3_bind_text(st, 4, severity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, msg, -1, SQLITE_TRANSIENT);
	ing->stats.notes++;
	return ing_step(ing, ST_NOTE);
}

int ingest_collection_error(struct ingest *ing, const char *path, const char *error, const char *detail)
{
	sqlite3_stmt *st = ing->st[ST_ERROR];

	sqlite3_bind_int64(st, 1, ing->snap_id);
	db_bind_opt_text(st, 2, path);
	db_bind_opt_text(st, 3, error);
	db_bind_opt_text(st, 4, detail);
	return ing_step(ing, ST_ERROR);
}

int ingest_collection_step(struct ingest *ing, const char *step, const char *name, const char *outcome,
			   int64_t duration_us, const char *detail)
{
	sqlite3_stmt *st = ing->st[ST_STEP];

	sqlite3_bind_int64(st, 1, ing->snap_id);
	db_bind_opt_text(st, 2, step);
	db_bind_opt_text(st, 3, name);
	db_bind_opt_text(st, 4, outcome);
	db_bind_opt_int(st, 5, duration_us);
	db_bind_opt_text(st, 6, detail);
	return ing_step(ing, ST_STEP);
}

/*
 * The socket fds of this snapshot, against its tables, in one walk: one
 * whose socket is in a table counts for its process (tcp sockets by
 * state); one whose inode no table of its namespace listed is an orphan.
 * Tables are read before the fd walk, so an fd opened in between looks
 * orphaned: an fd counts only once it has outlived one snapshot (or the
 * source is a single snapshot, decided at its end), and is kept for the
 * next one until then. It has been orphaned since its socket left the
 * tables, or since the fd appeared if the socket was never seen. Without
 * tables (an lsof-only capture) there is nothing to compare against.
 */
static void snapshot_sockfds(struct ingest *ing, int have_tables)
{
	size_t i, keep = 0;

	for (i = 0; i < ing->nsockfds; i++) {
		const struct ing_sockfd *sf = &ing->sockfds[i];
		const struct ing_fd *f;
		const struct ing_socket *s;

		/* The sockets are in no useful order: ask for one a few fds
		 * ahead, so that the misses overlap instead of queueing. */
		if (i + SOCKFD_AHEAD < ing->nsockfds)
			__builtin_prefetch(&ing->spool[ing->sockfds[i + SOCKFD_AHEAD].sidx]);
		s = sockfd_socket(ing, sf);

		if (s && s->last == ing->snap_id) {   /* in a table of this snapshot */
			ing_counts_owned_socket(&ing->counts, sf->process_id, s->tcp, s->state_code, s->state);
			continue;
		}
		if (!have_tables)
			continue;
		f = fd_store_get(&ing->fds, sf->process_id, sf->fd);
		if (!f || f->first == ing->snap_id) {
			ing->sockfds[keep++] = *sf;   /* new fd: decide later */
			continue;
		}
		orphan_start(ing, sf->process_id, sf->fd, sf->inode, s ? ing->snap_id : f->first);
	}
	ing->nsockfds = keep;
}

static int flush_iv(struct ingest *ing, int which, const int64_t *k, int nk, const struct ing_iv *iv)
{
	sqlite3_stmt *st = ing->st[which];
	int i;

	for (i = 0; i < nk; i++)
		sqlite3_bind_int64(st, i + 1, k[i]);
	sqlite3_bind_int64(st, nk + 1, iv->first);
	sqlite3_bind_int64(st, nk + 2, iv->last);
	return ing_step(ing, which);
}

/* Closes every interval of map not seen in snapshot `upto` (all if upto is 0). */
static int close_ivs(struct ingest *ing, struct hashmap *m, int which, int nk, int64_t upto, uint64_t *stat)
{
	size_t pos = 0;
	const void *key;
	size_t klen;
	struct ing_iv *iv;

	while ((iv = hashmap_next(m, &pos, &key, &klen)) != NULL) {
		int64_t k[3];

		if (upto && iv->last == upto)
			continue;
		memcpy(k, key, (size_t)nk * sizeof(int64_t));
		if (flush_iv(ing, which, k, nk, iv) < 0)
			return -1;
		(*stat)++;
		hashmap_del(m, key, klen);
	}
	return 0;
}

static int fd_closed(void *ctx, int64_t process_id, int64_t fd, const struct ing_fd *f)
{
	return fd_write(ctx, process_id, fd, f);
}

static int close_fds(struct ingest *ing, int64_t upto)
{
	return fd_store_close(&ing->fds, upto, fd_closed, ing);
}

/* This snapshot's process_samples rows; fds of a process never sampled
 * count for nothing. */
static int write_samples(struct ingest *ing)
{
	struct db_batch *b = ing->batch[IB_SAMPLE];
	size_t pos = 0;
	const void *key;
	size_t klen;
	struct ing_sample *c;

	while ((c = hashmap_next(&ing->samples, &pos, &key, &klen)) != NULL) {
		char state[2] = { c->state, 0 };
		int64_t pid;

		if (!c->sampled)
			continue;
		memcpy(&pid, key, sizeof(pid));
		db_batch_int(b, ing->snap_id);
		db_batch_int(b, pid);
		db_batch_text(b, c->state ? state : NULL);
		db_batch_opt_int(b, c->threads);
		db_batch_opt_int(b, c->rss_kb);
		db_batch_opt_int(b, c->counted ? c->fds : SM_NONE);
		db_batch_opt_int(b, c->counted ? c->socket_fds : SM_NONE);
		db_batch_opt_int(b, c->nofile_soft);
		db_batch_opt_int(b, c->nofile_hard);
		if (ing_row(ing, IB_SAMPLE) < 0)
			return -1;
	}
	return 0;
}

static int snapshot_counts_flush(struct ingest *ing)
{
	size_t pos = 0;
	const void *key;
	size_t klen;
	struct ing_iv *iv;
	char *err = NULL;

	while ((iv = hashmap_next(&ing->orphans, &pos, &key, &klen)) != NULL) {
		int64_t process_id, s;

		if (iv->last != ing->snap_id || iv->counted == ing->snap_id)
			continue;
		memcpy(&process_id, key, sizeof(process_id));
		/* An orphan is decided a snapshot late, its interval starting
		 * where its fd did: count the snapshots in between too (ids
		 * are consecutive within a source). */
		for (s = iv->counted >= iv->first ? iv->counted + 1 : iv->first; s <= ing->snap_id; s++) {
			ing_counts_add_at(&ing->counts, s, process_id, "orphan_fds", 1);
			ing_counts_add_at(&ing->counts, s, 0, "orphan_fds", 1);
		}
		iv->counted = ing->snap_id;
	}
	if (ing_counts_flush(&ing->counts, ing->snap_id, &err) == 0)
		return 0;
	snprintf(ing->error, sizeof(ing->error), "%s", err);
	free(err);
	return -1;
}

int ingest_snapshot_end(struct ingest *ing)
{
	int64_t cur = ing->snap_id;

	snapshot_sockfds(ing, ing->inodes_seen > 0);
	ing_snapshot_peers(ing);
	if (snapshot_counts_flush(ing) < 0 || write_samples(ing) < 0 || ing_close_sockets(ing, cur) < 0 ||
	    close_fds(ing, cur) < 0 || close_counters(ing, cur) < 0 ||
	    close_ivs(ing, &ing->orphans, ST_ORPHAN, 3, cur, &ing->stats.orphans) < 0 ||
	    close_ivs(ing, &ing->peers, ST_PEER, 2, cur, &ing->stats.peers) < 0)
		return -1;
	return 0;
}

int ingest_source_close(struct ingest *ing)
{
	size_t pos = 0;
	struct ing_proc *p;

	if (ing->source_closed)
		return 0;
	ing->source_closed = 1;
	/* A single snapshot is all the evidence there is: its new fds count. */
	if (ing->snap_count == 1) {
		size_t i;
		for (i = 0; i < ing->nsockfds; i++)
			orphan_start(ing, ing->sockfds[i].process_id, ing->sockfds[i].fd, ing->sockfds[i].inode,
				     ing->snap_id);
	}
	ing->nsockfds = 0;
	if (snapshot_counts_flush(ing) < 0)   /* those orphans */
		return -1;
	if (ing_close_sockets(ing, 0) < 0 || close_fds(ing, 0) < 0 || close_counters(ing, 0) < 0 ||
	    close_ivs(ing, &ing->orphans, ST_ORPHAN, 3, 0, &ing->stats.orphans) < 0 ||
	    close_ivs(ing, &ing->peers, ST_PEER, 2, 0, &ing->stats.peers) < 0)
		return -1;
	while ((p = hashmap_next(&ing->procs, &pos, NULL, NULL)) != NULL) {
		sqlite3_stmt *st = ing->st[ST_PROC_LAST];

		sqlite3_bind_int64(st, 1, p->last);
		sqlite3_bind_int64(st, 2, p->id);
		if (ing_step(ing, ST_PROC_LAST) < 0)
			return -1;
	}
	return ing_flush(ing);
}

int ingest_source_end(struct ingest *ing, int complete, const char *end_reason)
{
	sqlite3_stmt *st;

	if (ingest_source_close(ing) < 0 || ing_flush(ing) < 0)
		return -1;
	hashmap_free(&ing->procs);
	st = ing->st[ST_SOURCE_END];
	sqlite3_bind_int64(st, 1, ing->source_id);
	sqlite3_bind_int64(st, 2, ing->snap_count);
	sqlite3_bind_int(st, 3, complete);
	db_bind_opt_text(st, 4, end_reason);
	return ing_step(ing, ST_SOURCE_END);
}

int64_t ingest_process_for_pid(struct ingest *ing, int64_t pid)
{
	size_t pos = 0;
	const void *key;
	size_t klen;
	struct ing_proc *p;

	while ((p = hashmap_next(&ing->procs, &pos, &key, &klen)) != NULL) {
		int64_t kpid;

		memcpy(&kpid, key, sizeof(kpid));
		if (kpid == pid && p->last == ing->snap_id)
			return p->id;
	}
	return 0;
}

int64_t ingest_dump_begin(struct ingest *ing, const struct ingest_dump_info *di)
{
	int64_t id = ing_dumps_begin(&ing->dumps, ing->source_id, ing->snap_id, di);

	if (id < 0)
		snprintf(ing->error, sizeof(ing->error), "%s", ing->dumps.error);
	return id;
}

int ingest_goroutine(struct ingest *ing, int64_t dump_id, const struct sm_goroutine_row *r)
{
	if (ing_dumps_goroutine(&ing->dumps, dump_id, r) == 0)
		return 0;
	snprintf(ing->error, sizeof(ing->error), "%s", ing->dumps.error);
	return -1;
}

int ingest_dump_end(struct ingest *ing, int64_t dump_id, int64_t total, int truncated)
{
	if (ing_dumps_end(&ing->dumps, dump_id, total, truncated) == 0)
		return 0;
	snprintf(ing->error, sizeof(ing->error), "%s", ing->dumps.error);
	return -1;
}
