/*
 * load_sink: the sm_sink that feeds parser rows into ingest, shared by the
 * bundle and loose loaders. Warnings become load notes (at most
 * SINK_NOTES_MAX per input file, then one summary), so a file of garbage
 * cannot flood the database.
 */
#ifndef SM_LOAD_SINK_H
#define SM_LOAD_SINK_H

#include "load.h"
#include "row_memo.h"
#include "rows.h"

#define SINK_NOTES_MAX 50

struct load_sink {
	struct load *ld;
	const char *path;         /* for notes */
	int64_t netns;            /* SM_NONE when unknown */
	int64_t process_id;       /* bundle fd listings: the owner; 0 otherwise */
	int64_t synth_fd;         /* next made-up fd for owners without one (< 0) */
	int owners_from_sockets;  /* ss -p / netstat -p: socket rows name their owner */
	uint64_t warnings;
	uint64_t rows;
	int failed;               /* an ingest (database) error happened */
	/* A table or fd listing read every snapshot: its lines seen last
	 * time (NULL: none kept), and the line being parsed, remembered once
	 * its row is in. Values: ingest_fd_ref when process_id is set, else
	 * ingest_socket_ref. */
	struct row_memo *memo;
	struct sm_line_key pending;   /* pending.p NULL: none */
	uint64_t pending_warnings;
	const char *refused;      /* a key known_next found and ingest refused */
};

void load_sink_init(struct load_sink *ls, struct load *ld, const char *path, int64_t netns);
/* The sm_sink whose ctx is ls. */
struct sm_sink load_sink_make(struct load_sink *ls);
/* Writes the "N more warnings" note if any were dropped. */
void load_sink_finish(struct load_sink *ls);

#endif
