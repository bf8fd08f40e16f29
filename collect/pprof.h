/*
 * pprof: fetches Go goroutine dumps from net/http/pprof endpoints in a
 * background thread, so a slow or hung endpoint never stalls the
 * snapshots. The main loop requests a round (pprof_request), and each
 * snapshot writes whatever rounds have finished (pprof_write) under
 * snap/N/pprof/<pid>/. On the last snapshot the loop waits for a final
 * round, bounded by the fetch timeouts.
 *
 * A round per target: goroutine?debug=1 (cheap, aggregated); then
 * ?debug=2 only while the total is under debug2_max (debug=2 stops the
 * world in the target for seconds at tens of thousands of goroutines);
 * then goroutineleak?debug=1 (Go 1.26+) unless the target said 404 once.
 */
#ifndef SM_PPROF_H
#define SM_PPROF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

/* Parses "PID=URL" or "URL"; -1 with a message on stderr if malformed. */
int pprof_add_target(struct pprof **pp, const char *spec);
int pprof_has_targets(const struct pprof *p);
/* Starts the fetch thread. */
int pprof_start(struct pprof *p, const struct pprof_options *o);
/* Asks for a round; returns 0, or 1 if the previous round is still running. */
int pprof_request(struct pprof *p);
/* Waits until no round is pending, at most timeout_ms. */
void pprof_wait_idle(struct pprof *p, unsigned timeout_ms);
/* Makes any fetch in flight give up now (we are asked to stop). */
void pprof_abort(struct pprof *p);
/* Writes finished fetches into the snapshot being written. 0, BW_FULL, -1. */
int pprof_write(struct collector *c, struct pprof *p, const char *prefix, int64_t mtime, struct snap_log *log);
/* Stops the thread and frees everything. */
void pprof_free(struct pprof *p);
/* For the manifest: the targets as JSON array items. */
void pprof_targets_json(const struct pprof *p, struct strbuf *sb);
/* A generous bound on one round's duration, for pprof_wait_idle. */
unsigned pprof_round_bound_ms(const struct pprof *p);

#endif
