/*
 * load_files: what `load` remembers of the regular files it has read
 * (table loaded_files), so that loading a directory of periodic bundles
 * again reads only the new ones: a file with the same real path, size
 * and mtime as one loaded before is skipped without being opened. Any
 * other file is read and hashed as usual (an identical copy elsewhere
 * still adds nothing: sources.sha256).
 */
#include "load.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int64_t load_files_mtime(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

int load_files_known(struct load *ld, const char *path, const struct stat *st)
{
	char real[PATH_MAX];
	sqlite3_stmt *q = NULL;
	int known = 0;

	if (!realpath(path, real))
		return 0;
	if (sqlite3_prepare_v2(ld->db, "SELECT 1 FROM loaded_files WHERE path = ? AND size = ? AND mtime_ns = ?", -1,
			       &q, NULL) != SQLITE_OK)
		return 0;   /* no table (cannot happen once opened for writing): just load */
	sqlite3_bind_text(q, 1, real, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, (int64_t)st->st_size);
	sqlite3_bind_int64(q, 3, load_files_mtime(st));
	known = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (known) {
		ld->rep.skipped_dup++;
		/* the same words as a duplicate found by its hash */
		if (!ld->opt->quiet)
			fprintf(ld->msg, "sockmortem: '%s': already loaded, skipped (same file, size and mtime)\n", path);
	}
	return known;
}

int load_files_done(struct load *ld, const char *path, const struct stat *st, int r)
{
	char real[PATH_MAX];
	sqlite3_stmt *q = NULL;

	/* A file that failed is tried again next time. */
	if (r != 0 || !realpath(path, real))
		return r;
	if (sqlite3_prepare_v2(ld->db, "INSERT OR REPLACE INTO loaded_files(path, size, mtime_ns) VALUES (?,?,?)", -1,
			       &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, real, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 2, (int64_t)st->st_size);
		sqlite3_bind_int64(q, 3, load_files_mtime(st));
		if (sqlite3_step(q) != SQLITE_DONE)
			fprintf(ld->msg, "sockmortem: database: loaded_files: %s\n", sqlite3_errmsg(ld->db));
	}
	sqlite3_finalize(q);
	return r;
}
