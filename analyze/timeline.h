/*
 * timeline: the merged timeline of a database, from the views v_timeline
 * (snapshots, socket transitions, fd jumps, orphans, processes, dumps,
 * collection errors) and v_timeline_conns (packet captures, when the
 * capture tables exist), as events handed to a callback in time order.
 * Renderers (text here, reports later) share it.
 *
 * Runs of snapshots with no other event between them come as one
 * "snapshot" event with count > 1 (first and last time).
 */
#ifndef SM_TIMELINE_H
#define SM_TIMELINE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct timeline_event {
	int64_t wall_ns;
	int64_t last_wall_ns;     /* snapshot runs: the last one's time */
	int64_t snapshot_id;      /* 0 if none; runs: the first */
	int64_t last_snapshot_id; /* runs: the last */
	int64_t count;            /* runs: snapshots in it; else 1 */
	const char *host;         /* borrowed: valid during the callback */
	int64_t process_id, pid;  /* 0 if none */
	const char *comm;
	const char *kind;         /* see v_timeline in schema/views.sql */
	int has_n;
	int64_t n;
	const char *a, *b, *detail;
};

struct timeline_filter {
	int64_t pid;              /* 0: every process */
	int have_since, have_until;
	int64_t since_ns, until_ns;
};

/* Return non-zero from the callback to stop the walk (returned as is). */
typedef int (*timeline_cb)(void *ctx, const struct timeline_event *ev);

/* Walks the events; 0, the callback's non-zero value, or -1 with *err
 * (the caller frees it). */
int timeline_walk(sqlite3 *db, const struct timeline_filter *f, timeline_cb cb, void *ctx, char **err);

/* ns since the epoch as "2026-11-20T09:00:05Z" (UTC, whole seconds). */
void timeline_format_time(int64_t ns, char *buf, size_t len);

/* One event as a line of text without the time (no newline); utf8 picks
 * the arrow (→ or ->). */
void timeline_describe(struct strbuf *sb, const struct timeline_event *ev, int utf8);

#endif
