/*
 * load: reads inputs (bundles, loose captures, directories and archives of
 * them) into the database through ingest. One input = one source; a
 * source already loaded (same SHA-256) is skipped.
 */
#ifndef SM_LOAD_H
#define SM_LOAD_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "detect.h"
#include "ingest.h"

#define LOAD_DUMPS_MAX 64

struct load_options {
	enum sm_format format;    /* FMT_UNKNOWN: detect */
	int64_t at_ns;            /* --at, or 0 */
	int progress;             /* print progress to stderr */
	int quiet;
	int no_memo;              /* bundles: parse every line (row_memo.h) */
	const char *ss_state;     /* --ss-state: of an ss listing filtered by state, or NULL */
	int series;               /* --series: the inputs are one host's captures over time */
	struct load_dump_of {     /* --dump PID=FILE: a goroutine dump of process PID */
		int64_t pid;
		const char *path;
	} dumps[LOAD_DUMPS_MAX];
	unsigned ndumps;
};

struct load_report {
	unsigned loaded, skipped_dup, failed, cut;
	uint64_t snapshots;
};

struct load {
	sqlite3 *db;
	struct ingest *ing;
	const struct load_options *opt;
	struct load_report rep;
	FILE *msg;                /* where messages go (stderr) */
};

/* Loads one command-line input; returns 0, or -1 when it failed (said on msg). */
int load_input(struct load *ld, const char *path);
/* The command line's inputs: each as load_input, or with --series as one. */
int load_inputs(struct load *ld, int n, char **paths);

/* load_bundle.c: a tar.zst bundle (already known to be one). Its SHA-256
 * is sha256, or, when that is NULL, what hash finishes with (load_bundle
 * waits for it, and frees it, whatever happens). */
struct load_hash;
int load_bundle(struct load *ld, const char *path, const char *sha256, struct load_hash *hash);
/* load_loose.c: one loose capture held in memory. */
int load_loose(struct load *ld, const char *path, const char *data, size_t len,
	       int64_t mtime_ns, const char *sha256);

/* --series: loose capture files of one host taken over time, as one
 * source: a snapshot each, in the order of their mtimes, all of one
 * format. 0, or -1 when it failed (said on msg). */
int load_series(struct load *ld, int n, char **paths);

/* --dump PID=FILE: the goroutine dump at path, of process pid; then
 * load_link_dumps ties such dumps to that pid's process among all that
 * is loaded. 0, or -1 (said on msg). */
int load_dump_of(struct load *ld, int64_t pid, const char *path);
int load_link_dumps(struct load *ld);

/* Reads a whole loose file (at most 1 GiB) into sb; -1 said on msg. */
struct strbuf;
int load_read_whole(const char *path, struct strbuf *sb, FILE *msg);

/* load_dump.c: a Go goroutine dump; -1 database error, -2 unreadable dump.
 * who: its path, and its pid, program and time as far as known (kind and
 * process_id are found here). cut: the collector stopped reading it at
 * its size cap (--pprof-max). */
int load_dump(struct load *ld, const struct ingest_dump_info *who, enum sm_format f, const char *data, size_t len,
	      int cut, uint64_t *goroutines);

/* load_files.c: a regular file loaded before with the same real path,
 * size and mtime (counted as a duplicate)? And: remember path once it
 * loaded (r == 0); returns r. */
struct stat;
int load_files_known(struct load *ld, const char *path, const struct stat *st);
int load_files_done(struct load *ld, const char *path, const struct stat *st, int r);
/* A directory's entries but dot files, as "path/name", in name order: the
 * caller frees each and the array; NULL when it cannot be read (said). */
char **load_dir_names(const char *path, size_t *n, FILE *msg);
/* The first n bytes of the file at path (fewer at its end): how many, or -1. */
ssize_t load_file_head(const char *path, void *buf, size_t n);

/* Hex SHA-256 of a buffer or a file; 0 or -1. out must hold 65 bytes. */
int load_sha256_buf(const void *data, size_t len, char *out);
int load_sha256_file(const char *path, char *out);
/* The same for a file, on a thread of its own while the caller goes on:
 * NULL when the file cannot be opened or no thread could be had.
 * load_hash_finish takes over what the thread has not hashed yet,
 * finishes it and frees it: 0 and the digest in out, or -1. */
struct load_hash *load_hash_start(const char *path);
int load_hash_finish(struct load_hash *h, char *out);
/* A hash no longer wanted (a load that failed): the thread stopped, freed
 * (NULL: nothing). */
void load_hash_drop(struct load_hash *h);

/* One transaction per source: begin, then commit or roll back (which
 * also forgets what ingest was tracking). 0 or -1 (said on msg). */
int load_begin(struct load *ld);
int load_commit(struct load *ld);
void load_rollback(struct load *ld);

/* Parses --at: "2026-11-23T14:00:00Z", "2026-11-23 14:00:00", or epoch seconds. */
int load_parse_time(const char *s, int64_t *out_ns);
/* A time a file's name spells (ss-2026-11-24T10:05:00.txt, ss-20261124-1005.txt,
 * ss.1795514700), read as UTC: 0, or -1 when it spells none. */
int load_name_time(const char *path, int64_t *out_ns);

#endif
