/*
 * archive_reader: walks the members of an archive (a bundle's tar.zst, or
 * a tar.gz / zip of loose captures) with libarchive, delivering each
 * regular member's content whole to a callback.
 *
 * Treats input as hostile: nothing is ever written to disk; members with
 * absolute or `..` names, links and devices are reported and skipped;
 * a member above member_max is skipped; decompression is stopped when the
 * output exceeds ratio_max times the input (a decompression bomb), the
 * data of skipped members included (a header may claim terabytes); a
 * truncated archive delivers everything before the cut and says where.
 * Bundle members split as NAME.part0000, NAME.part0001, ... are joined.
 */
#ifndef SM_ARCHIVE_READER_H
#define SM_ARCHIVE_READER_H

#include <stddef.h>
#include <stdint.h>

struct ar_member {
	const char *name;
	const char *data;       /* NUL-terminated, but may hold NULs itself */
	size_t size;
	int64_t mtime;          /* seconds, from the archive header */
	uint64_t index;         /* 0-based position in the archive */
	char **take_;           /* for ar_member_take() */
};

/* The member's data, which the callback keeps (and frees) instead of
 * copying it; m->data must not be used after. */
char *ar_member_take(const struct ar_member *m);

/* Return 0 to go on, non-zero to stop the walk. */
typedef int (*ar_member_fn)(void *ctx, const struct ar_member *m);
/* Something skipped or doubted; offset is the compressed byte position. */
typedef void (*ar_note_fn)(void *ctx, const char *member, uint64_t offset, const char *msg);

struct ar_options {
	size_t member_max;      /* default 1 GiB */
	uint64_t ratio_max;     /* default 2000 */
	ar_member_fn member;
	ar_note_fn note;
	void *ctx;
	/* Read (decompress, untar) on a thread of its own, ahead of the
	 * callbacks, which still run on the caller's thread in order. */
	int threaded;
};

struct ar_result {
	uint64_t members;       /* delivered */
	uint64_t skipped;
	int truncated;          /* the archive ended mid-way */
	int stopped;            /* the callback stopped it */
	int not_archive;        /* no archive format recognised */
	int hostile;            /* stopped on hostile input: a decompression bomb,
				 * a member over member_max once read */
	uint64_t offset;        /* compressed bytes read */
	char error[256];        /* why it ended early, if it did */
};

/* Returns 0 when the whole archive was read, -1 otherwise (see res). */
int ar_walk(const char *path, const struct ar_options *opt, struct ar_result *res);

/* Is path an archive libarchive can read as one (tar, zip, ...)? */
int ar_is_archive(const char *path);

#endif
