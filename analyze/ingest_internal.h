/*
 * ingest_internal: what ingest.c and ingest_sockets.c share, and nothing
 * else includes: struct ingest and the socket entries it tracks. The rest
 * of the analyzer sees ingest.h only.
 */
#ifndef SM_INGEST_INTERNAL_H
#define SM_INGEST_INTERNAL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "db_batch.h"
#include "hashmap.h"
#include "ingest.h"
#include "ingest_counts.h"
#include "ingest_dumps.h"
#include "ingest_fds.h"

#define STATE_MAX 16
#define TUPLE_KEY_MAX 160

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

/* A closed or still open interval of a map's identity (orphan fd, peer pair). */
struct ing_iv {
	int64_t first, last;
	int64_t counted;          /* orphans: snapshot_counts written up to */
};

/* A connected tcp socket by its 4-tuple (ingest.tuples, ingest.paired). */
struct ing_tuple {
	int64_t socket_id;
	uint32_t idx;             /* in spool */
};

struct ing_sockrow;
struct ing_sockfd;
struct ing_sample;

/* Prepared statements (ingest.c's ingest_sql). */
enum {
	ST_SOURCE, ST_SOURCE_END, ST_SNAPSHOT,
	ST_PROC_FIND, ST_PROC_INS, ST_PROC_LAST, ST_ORPHAN,
	ST_PEER, ST_NOTE, ST_ERROR, ST_STEP, ST_COUNT
};

/* Batched inserts (ingest.c's ingest_batch). */
enum { IB_SOCKET, IB_STATE, IB_FD, IB_COUNTER, IB_SAMPLE, IB_COUNT };

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
	/* Sockets that have a local peer, so that ing_snapshot_peers need not walk
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

/* ingest.c: ends a batched row (its values added); 0, or -1 with ing->error. */
int ing_row(struct ingest *ing, int which);
/* ingest.c: an id or inode of a row, 0 as NULL. */
void ing_batch_id(struct db_batch *b, int64_t v);

/* ingest_sockets.c: the tracked socket with this inode, or NULL. */
struct ing_socket *ing_socket_by_inode(struct ingest *ing, uint64_t inode);
/* ingest_sockets.c: the local pairs seen in this snapshot (socket_peers). */
void ing_snapshot_peers(struct ingest *ing);
/* ingest_sockets.c: writes and forgets the sockets not seen in snapshot
 * upto (every one if 0). */
int ing_close_sockets(struct ingest *ing, int64_t upto);
/* ingest_sockets.c: the rows of the sockets still open, never to be written. */
void ing_spool_free_rows(struct ingest *ing);

#endif
