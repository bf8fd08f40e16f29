/*
 * ingest: interval trackers over hash maps; see ingest.h.
 *
 * Each tracked identity (socket, fd, orphan, peer pair) lives in a map
 * while it keeps being seen. Its database row is written once, whole, when
 * its interval closes: a socket's and an fd's row is kept in memory from
 * its first sight until then (an INSERT and an UPDATE of the same row cost
 * twice what one INSERT does). A socket that never changes costs one row,
 * however many snapshots it spans.
 */
#include "ingest.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_batch.h"
#include "ingest_counts.h"
#include "ingest_dumps.h"
#include "ingest_fds.h"
#include "strbuf.h"

#define STATE_MAX 16
#define TUPLE_KEY_MAX 160
#define COUNTER_KEY_MAX 200
#define SOCKFD_AHEAD 8

/*
 * What every snapshot touches of every socket comes first, in one cache
 * line (the spool is 64-byte aligned, and so is each entry): the
 * loader reaches each socket several times a snapshot in no useful order,
 * and a line apiece keeps the hot part of 10,000 sockets in L2.
 */
struct ing_socket {
	_Alignas(64) int64_t id;
	int64_t last;             /* last snapshot seen */
	uint64_t inode;
	int64_t next_id;          /* the socket listed after it last time, 0 if */
	uint32_t next_idx;        /* none: spool[next_idx] while its id is next_id */
	uint32_t fp;              /* socket_fp() as of the last row */
	int8_t state_code;        /* ing_counts_state_code(state) */
	uint8_t tcp;              /* for the per-process counts */
	uint8_t has_inode;
	uint8_t has_tuple;        /* a connected tcp socket: tkey is its 4-tuple */
	char state[STATE_MAX];
	/* second line: what changes or is read only when something happens */
	int64_t state_first;
	int64_t tx, rx, tx_max, rx_max, timer, retrans;
	uint64_t tkey[2];         /* tuple_key() */
	int64_t peer_id;          /* its local peer, 0 if none; the peer is */
	uint32_t peer;            /* spool[peer] while that entry's id is peer_id */
	struct ing_sockrow *row;  /* owned: its sockets row, written at close */
};

_Static_assert(offsetof(struct ing_socket, state_first) == 64, "the hot part of an ing_socket is one cache line");

/* The texts of a sockets row, in the order of socket_row_new's arguments. */
enum { SR_PROTO, SR_LOCAL_ADDR, SR_REMOTE_ADDR, SR_UNIX_PATH, SR_TEXTS };

/*
 * A socket's sockets row as its first row made it, but for last_snapshot.
 * Proportional to the open sockets: freed when the socket closes.
 */
struct ing_sockrow {
	int64_t netns, local_port, remote_port, uid, first, prev_id;
	uint32_t null;            /* bit i: text i is NULL */
	char text[];              /* the texts, each NUL-terminated */
};

/* An fd's row but for its key and snapshots, kept while the fd is open. */
struct ing_fdrow {
	uint64_t inode;           /* 0: NULL */
	int64_t socket_id;        /* 0: NULL */
	int has_type;
	char text[];              /* target, then type, each NUL-terminated */
};

struct ing_iv {
	int64_t first, last;
	int64_t counted;          /* orphans: snapshot_counts written up to */
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

struct ing_tuple {
	int64_t socket_id;
	uint32_t idx;             /* in spool */
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

enum {
	ST_SOURCE, ST_SOURCE_END, ST_SNAPSHOT,
	ST_PROC_FIND, ST_PROC_INS, ST_PROC_LAST, ST_ORPHAN,
	ST_PEER, ST_NOTE, ST_ERROR, ST_STEP, ST_COUNT
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
enum { IB_SOCKET, IB_STATE, IB_FD, IB_COUNTER, IB_SAMPLE, IB_COUNT };

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

struct ingest {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	struct db_batch *batch[IB_COUNT];
	char error[512];
	struct ingest_stats stats;
	int64_t source_id;
	int64_t snap_id;
	int64_t snap_count;
	int64_t next_socket_id;
	char *host;
	char *boot_id;
	/* Socket identities map to an index into spool, so that the maps'
	 * slots stay small: a lookup per row of every snapshot is the loader's
	 * main cost, and it is bound by cache misses. */
	struct hashmap isockets;  /* 'I' + inode -> uint32 (most sockets) */
	struct hashmap sockets;   /* 'T' + proto, netns, tuple -> uint32 (no inode) */
	struct ing_socket *spool;
	uint32_t nspool, aspool;
	uint32_t *sfree;          /* released spool entries */
	uint32_t nsfree, asfree;
	int64_t cur_id;           /* the socket of the previous row, 0 if none */
	uint32_t cur_idx;
	struct fd_store fds;      /* (process, fd) -> ing_fd */
	struct hashmap orphans;   /* (process, fd, inode) -> ing_iv */
	struct hashmap peers;     /* (socket, socket) -> ing_iv */
	struct hashmap procs;     /* (pid, start) -> ing_proc */
	/* netns, "grp\0name" -> ing_counter: most host counters hold still
	 * for many snapshots, and a row per counter per snapshot was a third
	 * of an hour-long database. */
	struct hashmap counters;
	uint64_t inodes_seen;     /* this snapshot: rows with an inode */
	/* tcp 4-tuple -> ing_tuple, of every tracked connected tcp socket:
	 * built as sockets appear, not each snapshot, and used to pair both
	 * local ends once and to find a TIME_WAIT's predecessor. */
	struct hashmap tuples;
	/* Sockets that have a local peer, so that snapshot_peers need not walk
	 * every tracked socket: entries go stale when a socket closes. */
	struct ing_tuple *paired;
	size_t npaired, apaired;
	int64_t prev_snap_id;     /* the snapshot before this one in this source */
	struct hashmap samples;   /* this snapshot: process id -> ing_sample */
	int64_t smp_pid;          /* fds come process by process: the last */
	struct ing_sample *smp;   /* samples entry, valid until its next put */
	struct ing_sockfd *sockfds;
	size_t nsockfds, asockfds;
	struct ing_dumps dumps;
	int64_t last_socket_id;   /* of the last ingest_socket call */
	uint32_t last_socket_idx;
	struct ingest_fd_ref last_fd;  /* of the last ingest_fd call */
	struct ing_counts counts; /* this snapshot: snapshot_counts rows */
	int source_closed;        /* ingest_source_close done for this source */
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
static void batch_id(struct db_batch *b, int64_t v)
{
	if (v)
		db_batch_int(b, v);
	else
		db_batch_null(b);
}

/* Ends a row of batch which (its values added). */
static int ing_row(struct ingest *ing, int which)
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

/* The rows of the sockets still open, never to be written. */
static void spool_free_rows(struct ingest *ing)
{
	uint32_t i;

	for (i = 0; i < ing->nspool; i++) {
		free(ing->spool[i].row);
		ing->spool[i].row = NULL;
	}
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
	spool_free_rows(ing);
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
	spool_free_rows(ing);
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

/*
 * Text keys are built by hand, byte for byte what snprintf(key, cap + 1,
 * ...) would store: kb.n counts the whole text, at most cap bytes are
 * kept. (snprintf here was the loader's hottest call: two per socket row.)
 */
struct keybuf {
	char *p;
	size_t cap, n;
};

static void kb_mem(struct keybuf *kb, const char *s, size_t len)
{
	if (kb->n < kb->cap)
		memcpy(kb->p + kb->n, s, len < kb->cap - kb->n ? len : kb->cap - kb->n);
	kb->n += len;
}

static void kb_str(struct keybuf *kb, const char *s)
{
	kb_mem(kb, s, strlen(s));
}

/* "%lld" */
static void kb_i64(struct keybuf *kb, int64_t v)
{
	char t[24];
	size_t i = sizeof(t);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		t[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		t[--i] = '-';
	kb_mem(kb, t + i, sizeof(t) - i);
}

#define INODE_KEY_LEN (1 + sizeof(uint64_t))

/* The key of a socket with an inode, in ing->isockets: 'I' and the inode. */
static size_t inode_key(char *key, uint64_t inode)
{
	key[0] = 'I';
	memcpy(key + 1, &inode, sizeof(inode));
	return INODE_KEY_LEN;
}

/* The identity of a socket: its inode, else proto + netns + 4-tuple. */
static size_t socket_key(char *key, int64_t netns, const struct sm_socket_row *r)
{
	struct keybuf kb = { key, TUPLE_KEY_MAX - 1, 0 };

	if (r->inode)
		return inode_key(key, r->inode);
	/* "T%s|%lld|%s|%lld|%s|%lld|%s", truncated to TUPLE_KEY_MAX - 1 */
	kb_mem(&kb, "T", 1);
	kb_str(&kb, r->proto);
	kb_mem(&kb, "|", 1);
	kb_i64(&kb, netns);
	kb_mem(&kb, "|", 1);
	kb_str(&kb, r->local_addr ? r->local_addr : "");
	kb_mem(&kb, "|", 1);
	kb_i64(&kb, r->local_port);
	kb_mem(&kb, "|", 1);
	kb_str(&kb, r->remote_addr ? r->remote_addr : "");
	kb_mem(&kb, "|", 1);
	kb_i64(&kb, r->remote_port);
	kb_mem(&kb, "|", 1);
	kb_str(&kb, r->unix_path ? r->unix_path : "");
	return kb.n >= TUPLE_KEY_MAX ? TUPLE_KEY_MAX - 1 : kb.n;
}

static int socket_state_flush(struct ingest *ing, const struct ing_socket *s)
{
	struct db_batch *b = ing->batch[IB_STATE];

	db_batch_int(b, s->id);
	db_batch_text(b, s->state[0] ? s->state : NULL);
	db_batch_int(b, s->state_first);
	db_batch_int(b, s->last);
	db_batch_opt_int(b, s->tx);
	db_batch_opt_int(b, s->rx);
	db_batch_opt_int(b, s->tx_max);
	db_batch_opt_int(b, s->rx_max);
	db_batch_opt_int(b, s->timer);
	db_batch_opt_int(b, s->retrans);
	ing->stats.state_rows++;
	return ing_row(ing, IB_STATE);
}

/* What r says of a new socket, kept until it is written (socket_write). */
static struct ing_sockrow *socket_row_new(struct ingest *ing, int64_t netns, const struct sm_socket_row *r,
					  int64_t prev_id)
{
	const char *t[SR_TEXTS] = { r->proto, r->local_addr, r->remote_addr, r->unix_path };
	size_t len[SR_TEXTS], n = 0;
	struct ing_sockrow *row;
	char *p;
	int i;

	for (i = 0; i < SR_TEXTS; i++) {
		len[i] = t[i] ? strlen(t[i]) : 0;
		n += len[i] + 1;
	}
	row = xmalloc(sizeof(*row) + n);
	row->netns = netns;
	row->local_port = r->local_port;
	row->remote_port = r->remote_port;
	row->uid = r->uid;
	row->first = ing->snap_id;
	row->prev_id = prev_id;
	row->null = 0;
	for (i = 0, p = row->text; i < SR_TEXTS; i++) {
		if (!t[i])
			row->null |= 1u << i;
		memcpy(p, t[i] ? t[i] : "", len[i] + 1);
		p += len[i] + 1;
	}
	return row;
}

/* Adds text i of row (NULL if it was). Returns the next text. */
static const char *socket_row_text(struct db_batch *b, const struct ing_sockrow *row, int i, const char *p)
{
	size_t len = strlen(p);

	if (row->null & (1u << i))
		db_batch_null(b);
	else
		db_batch_textn(b, p, len);
	return p + len + 1;
}

/* A closed socket's row, whole. */
static int socket_write(struct ingest *ing, const struct ing_socket *s)
{
	struct db_batch *b = ing->batch[IB_SOCKET];
	const struct ing_sockrow *row = s->row;
	const char *p = row->text;

	db_batch_int(b, s->id);
	db_batch_int(b, ing->source_id);
	db_batch_opt_int(b, row->netns);
	p = socket_row_text(b, row, SR_PROTO, p);
	db_batch_int(b, (int64_t)s->inode);
	p = socket_row_text(b, row, SR_LOCAL_ADDR, p);
	db_batch_opt_int(b, row->local_port);
	p = socket_row_text(b, row, SR_REMOTE_ADDR, p);
	db_batch_opt_int(b, row->remote_port);
	socket_row_text(b, row, SR_UNIX_PATH, p);
	db_batch_opt_int(b, row->uid);
	db_batch_int(b, row->first);
	db_batch_int(b, s->last);
	batch_id(b, row->prev_id);
	return ing_row(ing, IB_SOCKET);
}

static int64_t max_opt(int64_t a, int64_t b)
{
	if (a == SM_NONE)
		return b;
	if (b == SM_NONE)
		return a;
	return a > b ? a : b;
}

/* One end of a connection: 64 bits standing for (netns, address, port). */
static uint64_t endpoint_hash(int64_t netns, const char *addr, int64_t port)
{
	uint64_t h = hash_bytes(addr, strlen(addr));

	return hash_mix64(hash_mix64(h ^ (uint64_t)netns) ^ (uint64_t)port);
}

/*
 * The key of a connected tcp socket's 4-tuple: the hashes of its local and
 * remote ends, so that the reverse tuple (the peer's) is the two swapped
 * and the map's slots stay small. Two different tuples would have to
 * collide on both 64-bit hashes to be confused. 0 if it has no 4-tuple.
 */
static int tuple_key(uint64_t key[2], int64_t netns, const struct sm_socket_row *r)
{
	if (strncmp(r->proto, "tcp", 3) || !r->remote_addr || r->remote_port <= 0 || !r->local_addr)
		return 0;
	key[0] = endpoint_hash(netns, r->local_addr, r->local_port);
	key[1] = endpoint_hash(netns, r->remote_addr, r->remote_port);
	return 1;
}

static struct hashmap *socket_map(struct ingest *ing, const char *key)
{
	return key[0] == 'I' ? &ing->isockets : &ing->sockets;
}

/* A new spool entry, zero-filled; earlier ing_socket pointers go stale. */
static uint32_t spool_alloc(struct ingest *ing)
{
	uint32_t i;

	if (ing->nsfree) {
		i = ing->sfree[--ing->nsfree];
	} else {
		if (ing->nspool == ing->aspool) {
			uint32_t cap = ing->aspool ? ing->aspool * 2 : 4096;
			struct ing_socket *grown = xaligned_array(64, cap, sizeof(*grown));

			if (ing->nspool)
				memcpy(grown, ing->spool, (size_t)ing->nspool * sizeof(*grown));
			free(ing->spool);
			ing->spool = grown;
			ing->aspool = cap;
		}
		i = ing->nspool++;
	}
	memset(&ing->spool[i], 0, sizeof(ing->spool[i]));
	return i;
}

static void spool_release(struct ingest *ing, uint32_t i)
{
	ing->spool[i].id = 0;   /* peer links to it are dead now */
	if (ing->nsfree == ing->asfree) {
		ing->asfree = ing->asfree ? ing->asfree * 2 : 1024;
		ing->sfree = xreallocarray(ing->sfree, ing->asfree, sizeof(*ing->sfree));
	}
	ing->sfree[ing->nsfree++] = i;
}

/* The socket with this inode, if it is being tracked. */
static struct ing_socket *socket_by_inode(struct ingest *ing, uint64_t inode)
{
	char key[INODE_KEY_LEN];
	const uint32_t *i;

	i = hashmap_get(&ing->isockets, key, inode_key(key, inode));
	return i ? &ing->spool[*i] : NULL;
}

/*
 * A TIME_WAIT (or orphaned FIN_WAIT2) minisocket has no inode, so it is a
 * new identity; but it is the same connection as the full socket with its
 * 4-tuple that was in the previous snapshot and is gone now (the kernel
 * swaps one for the other). Returns that socket's id, or 0.
 */
static int64_t socket_predecessor(struct ingest *ing, const uint64_t *tkey)
{
	const struct ing_tuple *t = hashmap_get(&ing->tuples, tkey, 2 * sizeof(*tkey));
	const struct ing_socket *prev;

	if (!t || !ing->prev_snap_id)
		return 0;
	prev = &ing->spool[t->idx];
	if (prev->id != t->socket_id || !prev->has_inode || prev->last != ing->prev_snap_id)
		return 0;   /* not an inode socket of the previous snapshot, or still there */
	return t->socket_id;
}

/*
 * A new connected tcp socket: tracked by its 4-tuple, and paired with the
 * socket whose 4-tuple is its reverse, if there is one: both ends of a
 * local connection. The pair's interval is kept by snapshot_peers.
 */
static void tuple_track(struct ingest *ing, struct ing_socket *s, uint32_t idx)
{
	uint64_t rev[2] = { s->tkey[1], s->tkey[0] };   /* the peer's local end is our remote one */
	struct ing_tuple *t;
	const struct ing_tuple *o;
	int is_new;

	t = hashmap_put(&ing->tuples, s->tkey, sizeof(s->tkey), &is_new);
	t->socket_id = s->id;
	t->idx = idx;
	o = hashmap_get(&ing->tuples, rev, sizeof(rev));
	if (o && o->idx != idx && ing->spool[o->idx].id == o->socket_id) {
		struct ing_socket *other = &ing->spool[o->idx];

		s->peer = o->idx;
		s->peer_id = other->id;
		other->peer = idx;
		other->peer_id = s->id;
		if (ing->npaired == ing->apaired) {
			ing->apaired = ing->apaired ? ing->apaired * 2 : 256;
			ing->paired = xreallocarray(ing->paired, ing->apaired, sizeof(*ing->paired));
		}
		/* each pair once, by its lower id (the other one is older) */
		ing->paired[ing->npaired].socket_id = other->id;
		ing->paired[ing->npaired++].idx = o->idx;
	}
}

/* A socket that is closed: its 4-tuple is no longer tracked. */
static void tuple_forget(struct ingest *ing, const struct ing_socket *s)
{
	const struct ing_tuple *t;

	if (s->has_tuple && (t = hashmap_get(&ing->tuples, s->tkey, sizeof(s->tkey))) != NULL && t->socket_id == s->id)
		hashmap_del(&ing->tuples, s->tkey, sizeof(s->tkey));
}

/*
 * The socket a row is, predicted: the one listed after the previous row's
 * socket in the previous snapshot (a /proc/net table lists its sockets in
 * nearly the same order every time). Most rows then need no lookup in the
 * sockets map, whose every lookup misses the cache; a wrong guess costs a
 * comparison. Only inode sockets: the inode is their whole identity.
 */
static int socket_predicted(struct ingest *ing, const struct sm_socket_row *r, uint32_t *si)
{
	const struct ing_socket *c, *n;

	if (!r->inode || !ing->cur_id)
		return 0;
	c = &ing->spool[ing->cur_idx];
	if (c->id != ing->cur_id || !c->next_id)
		return 0;
	n = &ing->spool[c->next_idx];
	if (n->id != c->next_id || !n->has_inode || n->inode != r->inode)
		return 0;
	*si = c->next_idx;
	return 1;
}

/* The row just ingested was socket si: remember the order for next time. */
static void socket_follows(struct ingest *ing, uint32_t si)
{
	if (ing->cur_id && ing->spool[ing->cur_idx].id == ing->cur_id) {
		ing->spool[ing->cur_idx].next_idx = si;
		ing->spool[ing->cur_idx].next_id = ing->spool[si].id;
	}
	ing->cur_idx = si;
	ing->cur_id = ing->spool[si].id;
}

/* What a row told of a socket beyond its identity, as a checksum. */
static uint32_t socket_fp(const struct ing_socket *s)
{
	struct {
		char state[STATE_MAX];
		int64_t tx, rx, timer;
	} v;

	memset(&v, 0, sizeof(v));
	memcpy(v.state, s->state, sizeof(v.state));
	v.tx = s->tx;
	v.rx = s->rx;
	v.timer = s->timer;
	return (uint32_t)hash_words(&v, sizeof(v));
}

/* A row's queues, timer kind and retransmits into its socket. */
static void socket_moved(struct ing_socket *s, int64_t tx, int64_t rx, int64_t timer, int64_t retrans)
{
	s->tx = tx;
	s->rx = rx;
	s->tx_max = max_opt(s->tx_max, tx);
	s->rx_max = max_opt(s->rx_max, rx);
	s->retrans = max_opt(s->retrans, retrans);
	s->timer = timer;
	s->fp = socket_fp(s);
}

int ingest_socket(struct ingest *ing, int64_t netns, const struct sm_socket_row *r)
{
	char key[TUPLE_KEY_MAX];
	struct ing_socket *s;
	uint32_t si;
	const char *state = r->state ? r->state : "";
	int is_new = 0;

	ing->stats.socket_rows++;
	ing->last_socket_id = 0;
	if (!socket_predicted(ing, r, &si)) {
		size_t klen = socket_key(key, netns, r);
		uint32_t *idx;

		if (!klen)
			return 0;
		idx = hashmap_put(socket_map(ing, key), key, klen, &is_new);
		if (is_new)
			*idx = spool_alloc(ing);
		si = *idx;
	}
	s = &ing->spool[si];
	ing->last_socket_idx = si;
	if (!is_new && s->last == ing->snap_id) {
		ing->last_socket_id = s->id;
		return 0;   /* listed twice in one snapshot (e.g. several owners) */
	}
	s->tcp = r->proto && !strncmp(r->proto, "tcp", 3);
	ing_counts_host_socket(&ing->counts, s->tcp, state);
	if (is_new) {
		s->id = ing->next_socket_id++;
		s->has_inode = r->inode != 0;
		s->inode = r->inode;
		s->has_tuple = tuple_key(s->tkey, netns, r);
		s->row = socket_row_new(ing, netns, r, !r->inode && s->has_tuple ? socket_predecessor(ing, s->tkey) : 0);
		ing->stats.sockets++;
		if (s->has_tuple)
			tuple_track(ing, s, si);
	} else if (!s->has_tuple && s->tcp && (s->has_tuple = tuple_key(s->tkey, netns, r)) != 0) {
		tuple_track(ing, s, si);   /* bound first, connected since */
	}
	if (!is_new && strcmp(s->state, state)) {
		if (socket_state_flush(ing, s) < 0)
			return -1;
		is_new = 1;
	}
	if (is_new) {
		snprintf(s->state, sizeof(s->state), "%s", state);
		s->state_code = ing_counts_state_code(s->state);
		s->state_first = ing->snap_id;
		s->tx_max = s->rx_max = s->retrans = SM_NONE;
	}
	s->last = ing->snap_id;
	ing->last_socket_id = s->id;
	socket_moved(s, r->tx_queue, r->rx_queue, r->timer, r->retransmits);
	ing->inodes_seen += r->inode != 0;
	socket_follows(ing, si);
	return 0;
}

void ingest_socket_last(const struct ingest *ing, struct ingest_socket_ref *ref)
{
	const struct ing_socket *s = &ing->spool[ing->last_socket_idx];

	ref->id = ing->last_socket_id;
	ref->idx = ing->last_socket_idx;
	ref->fp = s->id == ref->id ? s->fp : 0;
}

/*
 * The same row again: its identity and state are those the socket has,
 * and so are its queues and timer (the fingerprint says so) as the row
 * left them, so of ingest_socket only what marks it seen in this snapshot
 * is left to do, and what moved.
 */
int ingest_socket_again(struct ingest *ing, struct ingest_socket_ref *ref, const struct sm_line_span *moved)
{
	struct ing_socket *s;

	if (!ref->id || ref->idx >= ing->nspool)
		return 0;
	s = &ing->spool[ref->idx];
	if (s->id != ref->id || s->fp != ref->fp)
		return 0;
	ing->stats.socket_rows++;
	ing->last_socket_idx = ref->idx;
	ing->last_socket_id = s->id;
	if (s->last == ing->snap_id)
		return 1;   /* listed twice in one snapshot */
	ing_counts_host_code(&ing->counts, s->tcp, s->state_code, s->state);
	s->last = ing->snap_id;
	ing->inodes_seen += s->has_inode;
	/* retransmits are in the key: the row's are those already counted */
	if (moved && moved->has_values)
		socket_moved(s, moved->tx_queue, moved->rx_queue, moved->timer, s->retrans);
	ref->fp = s->fp;
	socket_follows(ing, ref->idx);
	return 1;
}

void ingest_socket_prefetch(const struct ingest *ing, const struct ingest_socket_ref *ref)
{
	if (ref->idx < ing->nspool)
		__builtin_prefetch(&ing->spool[ref->idx], 1);
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
	s = socket_by_inode(ing, sf->inode);
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
	batch_id(b, (int64_t)row->inode);
	db_batch_int(b, f->first);
	db_batch_int(b, f->last);
	batch_id(b, row->socket_id);
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

/* Peers: both ends of a local connection (paired by tuple_track), seen now. */
static void snapshot_peers(struct ingest *ing)
{
	size_t i, keep = 0;

	for (i = 0; i < ing->npaired; i++) {
		const struct ing_tuple *t = &ing->paired[i];
		const struct ing_socket *s = &ing->spool[t->idx], *o;
		int64_t pk[2];
		struct ing_iv *iv;
		int is_new;

		if (s->id != t->socket_id || !s->peer_id)
			continue;   /* closed: drop the entry */
		ing->paired[keep++] = *t;
		o = &ing->spool[s->peer];
		if (s->last != ing->snap_id || o->id != s->peer_id || o->last != ing->snap_id)
			continue;
		pk[0] = s->id < o->id ? s->id : o->id;
		pk[1] = s->id < o->id ? o->id : s->id;
		iv = hashmap_put(&ing->peers, pk, sizeof(pk), &is_new);
		if (is_new)
			iv->first = ing->snap_id;
		iv->last = ing->snap_id;
	}
	ing->npaired = keep;
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

/* A socket gone: its last state and its row written, its slot freed. */
static int close_socket(struct ingest *ing, uint32_t idx)
{
	struct ing_socket *s = &ing->spool[idx];

	if (socket_state_flush(ing, s) < 0 || socket_write(ing, s) < 0)
		return -1;
	free(s->row);
	s->row = NULL;
	tuple_forget(ing, s);
	spool_release(ing, idx);
	return 0;
}

/*
 * Closes the sockets not seen in snapshot upto (every one if 0). Those
 * with an inode, nearly all, are found by walking the spool in order, not
 * the map's slots; the few without (TIME_WAIT) by their map.
 */
static int close_sockets(struct ingest *ing, int64_t upto)
{
	size_t pos = 0, klen;
	const void *key;
	uint32_t i, *idx;

	for (i = 0; i < ing->nspool; i++) {
		const struct ing_socket *s = &ing->spool[i];
		char ikey[INODE_KEY_LEN];

		if (!s->id || !s->has_inode || (upto && s->last == upto))
			continue;
		inode_key(ikey, s->inode);
		if (close_socket(ing, i) < 0)
			return -1;
		hashmap_del(&ing->isockets, ikey, sizeof(ikey));
	}
	while ((idx = hashmap_next(&ing->sockets, &pos, &key, &klen)) != NULL) {
		if (upto && ing->spool[*idx].last == upto)
			continue;
		if (close_socket(ing, *idx) < 0)
			return -1;
		hashmap_del(&ing->sockets, key, klen);
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
	snapshot_peers(ing);
	if (snapshot_counts_flush(ing) < 0 || write_samples(ing) < 0 || close_sockets(ing, cur) < 0 || close_fds(ing, cur) < 0 ||
	    close_counters(ing, cur) < 0 ||
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
	if (close_sockets(ing, 0) < 0 || close_fds(ing, 0) < 0 || close_counters(ing, 0) < 0 ||
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
