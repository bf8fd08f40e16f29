/*
 * ingest: turns parser rows into the database, storing changes, not
 * copies. The loaders (load_bundle.c, load_loose.c) drive it:
 *
 *   ingest_source_begin        one per input (refuses a hash already loaded)
 *     ingest_snapshot_begin    one per snapshot (a loose file is one)
 *       ingest_socket / ingest_process / ingest_fd / ingest_counter ...
 *     ingest_snapshot_end      closes what was not seen again; finds
 *                              orphaned socket fds and local peer pairs
 *   ingest_source_close        closes everything still open (optional)
 *   ingest_source_end          the same if not done; the source's summary
 *
 * Correlation happens here because it needs the whole snapshot at once:
 * an fd is an orphan only if its inode is in no table of its namespace,
 * and a peer pair needs both ends.
 *
 * Errors: -1 with ing->error set (SQLite failures); rows that make no sense
 * are skipped by the caller with a load note.
 */
#ifndef SM_INGEST_H
#define SM_INGEST_H

#include <sqlite3.h>
#include <stdint.h>

#include "hashmap.h"
#include "rows.h"

struct ingest_source_info {
	const char *kind;
	const char *path;
	const char *sha256;       /* NULL: told later (ingest_source_sha256) */
	const char *host;
	const char *boot_id;
	const char *kernel;
	int64_t format_version;
	const char *tool_version;
	const char *manifest;
};

struct ingest_snapshot_info {
	int64_t seq;
	int64_t wall_ns;
	int64_t ended_ns;
	int64_t mono_ns;
	int64_t processes;
	int64_t fds;
	int64_t errors;
	int complete;
};

struct ingest_process_info {
	int64_t pid;
	int64_t start_ticks;      /* SM_NONE when unknown (loose captures) */
	const char *comm;
	const char *cmdline;
	int64_t uid;
	int64_t netns;
	char state;
	int64_t threads;
	int64_t rss_kb;
	int64_t nofile_soft;      /* -1 = unlimited */
	int64_t nofile_hard;
	int fd_table_read;        /* 0: fd table unreadable; fd_count NULL */
};

struct ingest_stats {
	uint64_t snapshots;
	uint64_t socket_rows;     /* rows seen */
	uint64_t sockets;         /* identities stored */
	uint64_t state_rows;
	uint64_t fd_rows;
	uint64_t fd_intervals;
	uint64_t processes;
	uint64_t orphans;
	uint64_t peers;
	uint64_t counters;        /* values seen */
	uint64_t counter_rows;    /* runs of one value stored */
	uint64_t notes;
	uint64_t dumps;
	uint64_t goroutines;
	uint64_t stacks;
};

struct ingest;

struct ingest *ingest_new(sqlite3 *db);
void ingest_free(struct ingest *ing);
/* Forgets every open interval (after a rolled-back source). */
void ingest_reset(struct ingest *ing);
const char *ingest_error(const struct ingest *ing);
const struct ingest_stats *ingest_stats(const struct ingest *ing);

/* Returns 0, 1 if a source with this sha256 is already loaded, -1. */
int ingest_source_begin(struct ingest *ing, const struct ingest_source_info *si);
/* The sha256 of a source begun without one: 0, 1 if a source with it is
 * already loaded (the caller rolls back), -1. */
int ingest_source_sha256(struct ingest *ing, const char *sha256);
/* Marks the source complete or cut (end_reason may be NULL). */
/* Closes everything still open (sockets, fds, counters, orphans, peers,
 * processes' last snapshots) and writes every row held back (the rows of
 * closed intervals, samples and counts are batched), so that what reads
 * the database before the source ends (a bundle's capture, tied to its
 * sockets) sees every interval whole; ingest_source_end does it if not
 * done. Until then the source's sockets, socket_states, fds, counters,
 * process_samples and snapshot_counts may lack rows. */
int ingest_source_close(struct ingest *ing);
int ingest_source_end(struct ingest *ing, int complete, const char *end_reason);
int64_t ingest_source_id(const struct ingest *ing);

int ingest_snapshot_begin(struct ingest *ing, const struct ingest_snapshot_info *si);
int ingest_snapshot_end(struct ingest *ing);
int64_t ingest_snapshot_id(const struct ingest *ing);

int ingest_socket(struct ingest *ing, int64_t netns, const struct sm_socket_row *row);
/*
 * A socket as ingest tracks it, for a row seen again unchanged (row_memo):
 * ingest_socket_again does what ingest_socket did with that row, without
 * it. moved: NULL, or the row's queues and timer kind where they differ
 * from last time (the line's moving part, sm_line_span); ref->fp is the
 * socket's fingerprint with them. Returns 1, or 0 when
 * the socket is no longer the one the row made (closed, or changed since):
 * the row must be ingested whole.
 */
struct ingest_socket_ref {
	int64_t id;
	uint32_t idx;
	uint32_t fp;
};
void ingest_socket_last(const struct ingest *ing, struct ingest_socket_ref *ref);
int ingest_socket_again(struct ingest *ing, struct ingest_socket_ref *ref, const struct sm_line_span *moved);
/* A hint: ingest_socket_again(ref) comes soon. */
void ingest_socket_prefetch(const struct ingest *ing, const struct ingest_socket_ref *ref);
/* The same for an fd listing's row seen again: what it said of the fd. */
struct ingest_fd_ref {
	uint64_t target_hash;
	uint64_t inode;
	int32_t fd;
	int32_t is_socket;        /* -1: the row cannot be taken again */
};
void ingest_fd_last(const struct ingest *ing, struct ingest_fd_ref *ref);
int ingest_fd_again(struct ingest *ing, int64_t process_id, int64_t netns, const struct ingest_fd_ref *ref);
/* Returns the process id (>0) or -1. */
int64_t ingest_process(struct ingest *ing, const struct ingest_process_info *pi);
/* An fd of process_id; lsof's own orphan flag is honoured. */
int ingest_fd(struct ingest *ing, int64_t process_id, int64_t netns, const struct sm_fd_row *row);
/* The fd owning the socket of the last ingest_socket call: for loose
 * captures (ss -p, netstat -p) whose rows may carry no inode. */
int ingest_socket_owner(struct ingest *ing, int64_t process_id, int64_t netns, const struct sm_fd_row *r);
int ingest_counter(struct ingest *ing, int64_t netns, const struct sm_counter_row *row);
int ingest_note(struct ingest *ing, const char *path, int64_t line, const char *severity, const char *msg);
int ingest_collection_error(struct ingest *ing, const char *path, const char *error, const char *detail);
/* Go goroutine dumps. */
struct ingest_dump_info {
	const char *kind;         /* debug1 debug2 proto goroutineleak trace */
	const char *path;
	int64_t pid;              /* SM_NONE if unknown */
	const char *comm;         /* its program's name when no process is known (a log's ident), or NULL */
	int64_t process_id;       /* 0 if unknown */
	int64_t wall_ns;
};
/* Returns the dump id (> 0) or -1. */
int64_t ingest_dump_begin(struct ingest *ing, const struct ingest_dump_info *di);
int ingest_goroutine(struct ingest *ing, int64_t dump_id, const struct sm_goroutine_row *r);
/* total: what the dump itself claims (SM_NONE if nothing). */
int ingest_dump_end(struct ingest *ing, int64_t dump_id, int64_t total, int truncated);
/* The process id of pid in the current snapshot, or 0. */
int64_t ingest_process_for_pid(struct ingest *ing, int64_t pid);

int ingest_collection_step(struct ingest *ing, const char *step, const char *name, const char *outcome,
			   int64_t duration_us, const char *detail);

#endif
