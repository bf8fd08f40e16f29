/*
 * ingest_fds: the open fd intervals of every tracked process, for ingest.
 *
 * An hour of a busy host is millions of fd rows, each a lookup of (process,
 * fd). fd numbers are small, dense integers per process (the kernel hands
 * out the lowest free one), so each process keeps an array indexed by fd:
 * the rows of one fd table then walk one array in order instead of
 * missing the cache in a hash map. A number far beyond the ones in use (a
 * dup2 to 100000, or a hostile bundle) goes to a map instead, so that
 * memory stays proportional to the fds seen.
 */
#ifndef SM_INGEST_FDS_H
#define SM_INGEST_FDS_H

#include <stdint.h>

#include "hashmap.h"

/* What an fd's row says besides its key and snapshots (ingest's). */
struct ing_fdrow;

/* One fd's current interval; first == 0 marks an unused array slot. */
struct ing_fd {
	int64_t first, last;
	uint64_t target_hash;
	int64_t sid;              /* its socket as last found, 0 none: an fd */
	uint32_t sidx;            /* keeps its socket, so no lookup next time */
	struct ing_fdrow *row;    /* owned by the store: freed (free()) with the interval */
};

struct ing_fdtab;

struct fd_store {
	struct hashmap tabs;      /* process id -> struct ing_fdtab */
	struct hashmap sparse;    /* (process id, fd) -> struct ing_fd: fds beyond the array */
	int64_t cur_pid;          /* rows come process by process: the last */
	struct ing_fdtab *cur;    /* tabs entry, valid until the next put */
};

void fd_store_init(struct fd_store *s);
void fd_store_free(struct fd_store *s);
/* The interval of (process_id, fd), zero-filled if new (*is_new says
 * which). The pointer is valid until the next fd_store_put. */
struct ing_fd *fd_store_put(struct fd_store *s, int64_t process_id, int64_t fd, int *is_new);
struct ing_fd *fd_store_get(struct fd_store *s, int64_t process_id, int64_t fd);

/* Calls closed() for every interval not seen in snapshot `upto` (every
 * one if upto is 0), then forgets it (its row freed). Stops at the first
 * non-zero return. */
typedef int (*fd_store_closed_fn)(void *ctx, int64_t process_id, int64_t fd, const struct ing_fd *f);
int fd_store_close(struct fd_store *s, int64_t upto, fd_store_closed_fn closed, void *ctx);

#endif
