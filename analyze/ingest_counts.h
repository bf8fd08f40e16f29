/*
 * ingest_counts: per snapshot and process, the counts that `trend` and
 * the history views need (tcp sockets by state, all sockets, orphaned
 * socket fds), gathered by ingest while the snapshot is in memory and
 * handed to snapshot_counts at its end (batched: in the table once
 * ing_counts_write returns). Without them a count per snapshot means
 * expanding every socket interval over every snapshot.
 *
 * process_id 0 is the whole host. Errors: -1 with a message in *err (the
 * caller frees it).
 */
#ifndef SM_INGEST_COUNTS_H
#define SM_INGEST_COUNTS_H

#include <sqlite3.h>
#include <stdint.h>

#include "db_batch.h"
#include "hashmap.h"

#define COUNTS_NAME_MAX 16

#define COUNTS_CACHE 64
#define COUNTS_STATES 12

/* Keys are fixed-size, zero-padded: (snapshot id or 0: the current one,
 * process id, name). */
struct counts_key {
	int64_t snapshot_id;
	int64_t process_id;
	char name[COUNTS_NAME_MAX];
};

/* A count being added to, not yet in the map. */
struct counts_slot {
	struct counts_key key;
	int64_t n;
};

struct ing_counts {
	struct hashmap map;       /* (process id, name) -> int64 */
	/* Every socket row adds to two or three counts, nearly always the
	 * same few: they gather here, direct-mapped, and reach the map only
	 * when evicted or flushed. */
	struct counts_slot cache[COUNTS_CACHE];
	/* The host's counts of tcp states known by code (nearly every socket
	 * row adds to them): plain counters, into the map at the flush. */
	int64_t host_sockets, host_tcp;
	int64_t host_state[COUNTS_STATES];
	/* The same for the process whose socket fds are being counted (they
	 * come process by process): into the map when another one comes. */
	int64_t owned_pid, owned_tcp;
	int64_t owned_state[COUNTS_STATES];
	sqlite3 *db;
	struct db_batch *ins;
};

int ing_counts_init(struct ing_counts *c, sqlite3 *db, char **err);
void ing_counts_free(struct ing_counts *c);
/* Forgets this snapshot's counts and the rows not written (a rolled-back
 * source). */
void ing_counts_clear(struct ing_counts *c);
/* Adds n to (process_id, name); names longer than COUNTS_NAME_MAX - 1 are cut. */
void ing_counts_add(struct ing_counts *c, int64_t process_id, const char *name, int64_t n);
/* The same for an earlier snapshot of the source (an orphan decided late):
 * added to what that snapshot already has. */
void ing_counts_add_at(struct ing_counts *c, int64_t snapshot_id, int64_t process_id, const char *name, int64_t n);
/* A tcp state's code for ing_counts_host_code (the kernel's names), or -1. */
int ing_counts_state_code(const char *state);
/* A socket row seen in a table this snapshot: the host's counts. */
void ing_counts_host_socket(struct ing_counts *c, int is_tcp, const char *state);
/* The same, its state's code known (ing_counts_state_code). */
void ing_counts_host_code(struct ing_counts *c, int is_tcp, int code, const char *state);
/* A socket fd of a process whose socket is in a table: its counts (code:
 * its state's ing_counts_state_code, or -1). */
void ing_counts_owned_socket(struct ing_counts *c, int64_t process_id, int is_tcp, int code, const char *state);
/* Hands the non-zero counts (those without a snapshot of their own for
 * snapshot_id) to the table, adding to rows already there, and empties
 * the map. */
int ing_counts_flush(struct ing_counts *c, int64_t snapshot_id, char **err);
/* Writes every row handed over. */
int ing_counts_write(struct ing_counts *c, char **err);

#endif
