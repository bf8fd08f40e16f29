/*
 * ingest_dumps: Go goroutine dumps for ingest, into dumps, goroutines,
 * stacks and frames. A stack (its function sequence and the frame that
 * created the goroutine) is stored once, with its frames and its class
 * (goroutine_class.h), however many goroutines, dumps and sources share
 * it: a dump of 100,000 goroutines parked in a handful of places is a
 * handful of stacks.
 *
 * Errors: -1 with the message in d->error.
 */
#ifndef SM_INGEST_DUMPS_H
#define SM_INGEST_DUMPS_H

#include <sqlite3.h>
#include <stdint.h>

#include "hashmap.h"
#include "ingest.h"
#include "strbuf.h"

enum { ID_DUMP, ID_DUMP_END, ID_STACK_FIND, ID_STACK, ID_FRAME, ID_GOROUTINE, ID_COUNT };

struct ing_dumps {
	sqlite3 *db;
	sqlite3_stmt *st[ID_COUNT];
	struct hashmap stacks;    /* stack hash -> stacks.id, known to be stored */
	struct strbuf scratch;    /* a stack's identity, hashed */
	int64_t goroutines;       /* sum of counts in the dump being read */
	struct ingest_stats *stats;  /* ingest's: dumps, goroutines, stacks */
	char error[512];
};

/* 0, or -1 with *err (yours to free). */
int ing_dumps_init(struct ing_dumps *d, sqlite3 *db, struct ingest_stats *stats, char **err);
void ing_dumps_free(struct ing_dumps *d);
/* After a rollback: the stacks stored may be gone. */
void ing_dumps_reset(struct ing_dumps *d);

/* A dump of source_id (in snapshot snapshot_id, or 0): its id (> 0), or -1. */
int64_t ing_dumps_begin(struct ing_dumps *d, int64_t source_id, int64_t snapshot_id,
			const struct ingest_dump_info *di);
int ing_dumps_goroutine(struct ing_dumps *d, int64_t dump_id, const struct sm_goroutine_row *r);
/* total: what the dump itself claims (SM_NONE if nothing). */
int ing_dumps_end(struct ing_dumps *d, int64_t dump_id, int64_t total, int truncated);

#endif
