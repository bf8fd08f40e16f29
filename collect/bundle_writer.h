/*
 * bundle_writer: writes a bundle, a POSIX ustar archive compressed with
 * zstd, so that `tar --zstd -xf` reads it on any modern box.
 *
 * Crash safety: bw_end_frame() closes the current zstd frame, writes it out
 * and syncs it. The collector calls it after the manifest and after every
 * snapshot, so a bundle cut by kill -9, power loss or a full disk still
 * decompresses to every finished snapshot (the cut frame is simply lost).
 *
 * Bounded memory: a member's content is buffered up to BW_CHUNK bytes; a
 * larger member is written as consecutive members NAME.part0000,
 * NAME.part0001, ... whose concatenation is the content.
 *
 * Bounded size: with max_size set, a member that could push the file past
 * max_size - reserve is refused (BW_FULL) so the trailer still fits.
 *
 * Errors: functions return 0, BW_FULL, or -1 with bw_error() describing
 * what failed; after -1 the writer is dead and every call fails.
 */
#ifndef SM_BUNDLE_WRITER_H
#define SM_BUNDLE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define BW_CHUNK (4u << 20)
#define BW_FULL 1

struct bundle_writer;

struct bw_options {
	const char *path;      /* "-" for stdout */
	int force;             /* overwrite an existing file */
	uint64_t max_size;     /* 0 = unbounded */
	uint64_t reserve;      /* bytes kept free for closing records */
	int level;             /* zstd level */
	int sync;              /* fdatasync each frame (regular files only) */
};

/* Opens the output (mode 0600). Returns NULL and fills *err (caller frees). */
struct bundle_writer *bw_open(const struct bw_options *opt, char **err);

int bw_member_begin(struct bundle_writer *bw, const char *name, int64_t mtime);
int bw_member_write(struct bundle_writer *bw, const void *buf, size_t len);
int bw_member_end(struct bundle_writer *bw);
/* begin + write + end. */
int bw_add(struct bundle_writer *bw, const char *name, int64_t mtime,
	   const void *buf, size_t len);
/* Like bw_add, but ignores the size cap: for the closing records. */
int bw_add_reserved(struct bundle_writer *bw, const char *name, int64_t mtime,
		    const void *buf, size_t len);

/*
 * --redact: from now on every member is rewritten by lib/redact.c as its
 * name says (redact_member_kind); r is borrowed and must outlive bw. A
 * capture segment that cannot be rewritten is written empty.
 */
struct redact;
void bw_set_redact(struct bundle_writer *bw, const struct redact *r);

/* Ends the zstd frame, writes and (optionally) syncs it. */
int bw_end_frame(struct bundle_writer *bw);
/* Writes the tar end-of-archive blocks, ends the frame, closes the file. */
int bw_close(struct bundle_writer *bw);
/* Frees everything; closes the file without finishing it if still open. */
void bw_free(struct bundle_writer *bw);

uint64_t bw_bytes_written(const struct bundle_writer *bw);
int bw_is_full(const struct bundle_writer *bw);
const char *bw_error(const struct bundle_writer *bw);

#endif
