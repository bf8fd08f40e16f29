/*
 * load_loose.h: the steps of a loose capture's source, shared by
 * load_loose.c (one capture, one snapshot) and load_series.c (captures of
 * one host over time, a snapshot each). Internal to analyze/load_*.c.
 */
#ifndef SM_LOAD_LOOSE_H
#define SM_LOAD_LOOSE_H

#include <stddef.h>
#include <stdint.h>

#include "detect.h"
#include "load.h"

/* A loose file in memory, and what it is. */
struct loose_capture {
	const char *path;
	const char *data;
	size_t len;
	enum sm_format f;
	int64_t pid;              /* a goroutine dump's process (--dump PID=FILE), or SM_NONE */
	const char *program;      /* its program's name (a log's ident), or NULL */
};

/* Opens the source (a transaction): 0; 1 when it was loaded before
 * (rolled back, said); -1 no transaction (said); -2 a database error. */
int loose_source_begin(struct load *ld, enum sm_format f, const char *path, const char *sha256);
/* One capture as snapshot seq of the open source: 0; -1 not a valid
 * capture (said on msg); -2 a database error (not said). */
int loose_snapshot(struct load *ld, const struct loose_capture *c, int64_t seq, int64_t wall_ns);
/* After loose_snapshot's r: the source closed and committed (0), or
 * rolled back (-1; a database error said on msg). */
int loose_source_end(struct load *ld, const char *path, int r, uint64_t snapshots);

#endif
