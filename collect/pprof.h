/*
 * pprof: fetches Go goroutine dumps from net/http/pprof endpoints without
 * ever stalling the snapshots. Each target has a worker thread of its own
 * (at most PPROF_MAX_TARGETS), so a hung endpoint delays neither the
 * snapshots nor another target's dumps.
 *
 * The main loop requests a round (pprof_request) every N snapshots and on
 * the last one, and never waits for it: each snapshot writes whatever
 * fetches have finished (pprof_write) under snap/N/pprof/. After the last
 * snapshot is complete on disk, the loop waits for the final round at
 * most one target's round bound (targets run in parallel; a stop request
 * cuts the wait short), stops the workers, and appends what finished late
 * to that last snapshot in a frame of its own (pprof_write_after):
 * snap/N/pprof/<pid>/<what>.txt and snap/N/pprof/fetches-after.json. A
 * kill -9 meanwhile loses only those late members. No dump name repeats
 * in a snapshot: a second one is <what>.2.txt, and each fetches*.json
 * entry names its dump's member.
 *
 * A round per target: goroutine?debug=1 (cheap, aggregated); then
 * ?debug=2 only while the total is under debug2_max (debug=2 stops the
 * world in the target for seconds at tens of thousands of goroutines);
 * then goroutineleak?debug=1 (Go 1.26+) unless the target said 404 once.
 * A round requested while the target's previous one still runs is
 * recorded as skipped.
 *
 * Memory: a worker has one request in flight, whose buffers stay under
 * about 2.5 x its cap; finished responses wait for the next write. The
 * cap (--pprof-max) is shared: with n targets each gets max_body / n (at
 * least 1 MiB), so many targets do not multiply what is held.
 */
#ifndef SM_PPROF_H
#define SM_PPROF_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One thread per target; targets are a handful of services, and the cap
 * bounds threads and in-flight responses on a host that is in trouble. */
#define PPROF_MAX_TARGETS 16

struct collector;
struct strbuf;
struct snap_log;
struct pprof;

struct pprof_options {
	unsigned every;           /* a round every N snapshots (and on the last) */
	uint64_t debug2_max;      /* fetch debug=2 only below this many goroutines */
	unsigned connect_ms;
	unsigned timeout_ms;      /* per request */
	size_t max_body;
};

/* Parses "PID=URL" or "URL"; -1 with a message on stderr if malformed or
 * past PPROF_MAX_TARGETS. Only before pprof_start. */
int pprof_add_target(struct pprof **pp, const char *spec);
int pprof_has_targets(const struct pprof *p);
/* Starts one worker per target; -1 if a thread cannot be created (the
 * workers started so far are stopped by pprof_free). */
int pprof_start(struct pprof *p, const struct pprof_options *o);
/* Asks every idle target for a round; returns how many were still busy
 * with the previous one (each recorded as a skipped fetch). */
int pprof_request(struct pprof *p);
/* Waits until no round is pending or running, at most timeout_ms, and not
 * past *stop becoming non-zero (stop may be NULL). */
void pprof_wait_idle(struct pprof *p, unsigned timeout_ms, volatile sig_atomic_t *stop);
/* Makes every fetch in flight give up and joins the workers; what they
 * finished (aborted fetches too) stays queued for pprof_write_after. */
void pprof_stop(struct pprof *p);
/* Writes finished fetches into the snapshot being written. 0, BW_FULL, -1. */
int pprof_write(struct collector *c, struct pprof *p, const char *prefix, int64_t mtime, struct snap_log *log);
/*
 * Appends fetches that finished after snapshot seq was written to that
 * snapshot, and ends the frame; the outcomes go to fetches-after.json
 * even at the size cap. 0 (also if nothing was pending), BW_FULL, -1.
 */
int pprof_write_after(struct collector *c, struct pprof *p, uint64_t seq);
/* Stops the workers and frees everything; NULL is fine. */
void pprof_free(struct pprof *p);
/* For the manifest: the targets as JSON array items. */
void pprof_targets_json(const struct pprof *p, struct strbuf *sb);
/* A generous bound on one target's round, for pprof_wait_idle. */
unsigned pprof_round_bound_ms(const struct pprof *p);

#endif
