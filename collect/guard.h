/*
 * guard: read a /proc file with a deadline.
 *
 * Reading /proc/PID/cmdline (and environ, maps) takes the target's mmap
 * lock; a process stuck in D state with that lock held makes the read block
 * forever, which is how `ps` and `top` hang on a sick host. A guarded read
 * runs in a short-lived thread; if it misses the deadline the caller gets
 * GUARD_TIMEOUT and moves on, and the thread frees its own job whenever
 * the kernel lets it go. At most max_stuck such threads may be pending;
 * beyond that guarded reads are refused (GUARD_SKIPPED) so a host full of
 * hung processes cannot make us pile up threads.
 */
#ifndef SM_GUARD_H
#define SM_GUARD_H

#include <stddef.h>

#include "strbuf.h"

#define GUARD_TIMEOUT 1
#define GUARD_SKIPPED 2

struct guard;

struct guard *guard_new(unsigned timeout_ms, unsigned max_stuck);
/* Frees the guard; stuck threads free their jobs when they return. */
void guard_free(struct guard *g);

/*
 * Appends up to max bytes of the file name (relative to dirfd) to sb.
 * Returns 0, GUARD_TIMEOUT, GUARD_SKIPPED, or -1 with *err set to errno.
 */
int guard_read(struct guard *g, int dirfd, const char *name, size_t max,
	       struct strbuf *sb, int *err);
unsigned guard_stuck(struct guard *g);

/* Plain (unguarded) bounded read of a file relative to dirfd. */
int read_file_at(int dirfd, const char *name, size_t max, struct strbuf *sb, int *err);

#endif
