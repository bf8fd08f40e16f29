/*
 * bundle_writer: ustar members through a zstd stream; see bundle_writer.h.
 *
 * The ustar header layout follows POSIX.1-2001 pax/ustar (name 100, mode 8,
 * uid 8, gid 8, size 12, mtime 12, chksum 8, typeflag 1, linkname 100,
 * magic "ustar\0", version "00", uname 32, gname 32, devmajor 8,
 * devminor 8, prefix 155, padding to 512).
 */
#include "bundle_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "redact.h"
#include "strbuf.h"

#define TAR_BLOCK 512

struct bundle_writer {
	int fd;
	int is_regular;
	int sync;
	int dead;
	int full;
	uint64_t max_size;
	uint64_t reserve;
	uint64_t written;         /* compressed bytes on disk */
	uint64_t pending_raw;     /* raw bytes fed since the last flush */
	ZSTD_CCtx *cctx;
	void *out;
	size_t out_size;
	/* The member being written. */
	char *name;
	int64_t mtime;
	int ignore_cap;
	unsigned parts;
	unsigned char *chunk;
	size_t chunk_len;
	char error[256];
	/* --redact: how the member is rewritten, and what awaits rewriting. */
	const struct redact *redact;
	enum redact_kind rkind;
	struct strbuf rpending;
};

static int bw_fail(struct bundle_writer *bw, const char *what, int err)
{
	snprintf(bw->error, sizeof(bw->error), "%s: %s", what, strerror(err));
	bw->dead = 1;
	return -1;
}

static int write_all(struct bundle_writer *bw, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(bw->fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return bw_fail(bw, "cannot write bundle", errno);
		}
		p += n;
		len -= (size_t)n;
		bw->written += (uint64_t)n;
	}
	return 0;
}

/* Feeds raw bytes to zstd with the given directive, writing what comes out. */
static int bw_compress(struct bundle_writer *bw, const void *buf, size_t len,
		       ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { buf, len, 0 };
	size_t left;

	if (bw->dead)
		return -1;
	bw->pending_raw += len;
	do {
		ZSTD_outBuffer out = { bw->out, bw->out_size, 0 };

		left = ZSTD_compressStream2(bw->cctx, &out, &in, mode);
		if (ZSTD_isError(left)) {
			snprintf(bw->error, sizeof(bw->error), "zstd: %s", ZSTD_getErrorName(left));
			bw->dead = 1;
			return -1;
		}
		if (out.pos && write_all(bw, bw->out, out.pos) < 0)
			return -1;
	} while (mode == ZSTD_e_continue ? in.pos < in.size : left != 0);
	if (mode != ZSTD_e_continue)
		bw->pending_raw = 0;
	return 0;
}

struct bundle_writer *bw_open(const struct bw_options *opt, char **err)
{
	struct bundle_writer *bw = xcalloc(1, sizeof(*bw));
	struct stat st;
	struct strbuf msg = STRBUF_INIT;

	bw->fd = -1;
	if (!strcmp(opt->path, "-")) {
		bw->fd = dup(STDOUT_FILENO);
	} else {
		int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (opt->force ? O_TRUNC : O_EXCL);
		bw->fd = open(opt->path, flags, 0600);
	}
	if (bw->fd < 0) {
		strbuf_addf(&msg, "cannot create '%s': %s%s", opt->path, strerror(errno),
			    errno == EEXIST ? " (use --force to overwrite)" : "");
		goto fail;
	}
	bw->is_regular = !fstat(bw->fd, &st) && S_ISREG(st.st_mode);
	/* --force keeps an existing file's mode: a bundle is never readable
	 * by others, whatever was there before. */
	if (bw->is_regular && (st.st_mode & 077) && fchmod(bw->fd, 0600) < 0) {
		strbuf_addf(&msg, "cannot make '%s' mode 0600: %s", opt->path, strerror(errno));
		goto fail;
	}
	bw->sync = opt->sync && bw->is_regular;
	bw->max_size = opt->max_size;
	bw->reserve = opt->reserve;
	bw->cctx = ZSTD_createCCtx();
	if (!bw->cctx) {
		strbuf_addstr(&msg, "cannot create zstd context");
		goto fail;
	}
	ZSTD_CCtx_setParameter(bw->cctx, ZSTD_c_compressionLevel, opt->level);
	ZSTD_CCtx_setParameter(bw->cctx, ZSTD_c_checksumFlag, 1);
	bw->out_size = ZSTD_CStreamOutSize();
	bw->out = xmalloc(bw->out_size);
	bw->chunk = xmalloc(BW_CHUNK);
	return bw;
fail:
	*err = strbuf_detach(&msg, NULL);
	bw_free(bw);
	return NULL;
}

/* Zero-padded octal filling width-1 digits and a NUL, as ustar wants. */
static void put_octal(char *field, size_t width, uint64_t v)
{
	size_t i = width - 1;

	field[i] = '\0';
	while (i--) {
		field[i] = (char)('0' + (v & 7));
		v >>= 3;
	}
}

/* Splits name into ustar prefix/name; -1 if it cannot fit. */
static int tar_set_name(unsigned char *h, const char *name)
{
	size_t len = strlen(name);
	const char *slash;

	if (len <= 100) {
		memcpy(h, name, len);
		return 0;
	}
	for (slash = name + len - 1; slash > name; slash--) {
		if (*slash != '/')
			continue;
		if ((size_t)(slash - name) <= 155 && len - (size_t)(slash - name) - 1 <= 100) {
			memcpy(h + 345, name, (size_t)(slash - name));
			memcpy(h, slash + 1, len - (size_t)(slash - name) - 1);
			return 0;
		}
	}
	return -1;
}

static int tar_header(unsigned char *h, const char *name, uint64_t size, int64_t mtime)
{
	unsigned sum = 0;
	size_t i;

	memset(h, 0, TAR_BLOCK);
	if (tar_set_name(h, name) < 0)
		return -1;
	put_octal((char *)h + 100, 8, 0644);
	put_octal((char *)h + 108, 8, 0);
	put_octal((char *)h + 116, 8, 0);
	put_octal((char *)h + 124, 12, size);
	put_octal((char *)h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	memset(h + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	return 0;
}

/* Would writing len more raw bytes risk passing the cap? */
static int bw_over_cap(struct bundle_writer *bw, size_t len)
{
	uint64_t limit;

	if (!bw->max_size || bw->ignore_cap)
		return 0;
	limit = bw->max_size > bw->reserve ? bw->max_size - bw->reserve : 0;
	if (bw->written + ZSTD_compressBound(bw->pending_raw + len + 2 * TAR_BLOCK) <= limit)
		return 0;
	/* Only a flush tells how big the pending data really is. */
	if (bw_compress(bw, NULL, 0, ZSTD_e_flush) < 0)
		return 1;
	bw->pending_raw = 0;
	return bw->written + ZSTD_compressBound(len + 2 * TAR_BLOCK) > limit;
}

static int tar_emit(struct bundle_writer *bw, const char *name, const void *data, size_t len)
{
	unsigned char h[TAR_BLOCK];
	static const unsigned char zero[TAR_BLOCK];

	if (bw_over_cap(bw, len)) {
		bw->full = 1;
		return bw->dead ? -1 : BW_FULL;
	}
	if (tar_header(h, name, len, bw->mtime) < 0) {
		snprintf(bw->error, sizeof(bw->error), "member name too long: '%.64s...'", name);
		return -1;
	}
	if (bw_compress(bw, h, TAR_BLOCK, ZSTD_e_continue) < 0 ||
	    bw_compress(bw, data, len, ZSTD_e_continue) < 0)
		return -1;
	if (len % TAR_BLOCK)
		return bw_compress(bw, zero, TAR_BLOCK - len % TAR_BLOCK, ZSTD_e_continue);
	return 0;
}

static int bw_emit_part(struct bundle_writer *bw)
{
	char name[512];
	int r;

	snprintf(name, sizeof(name), "%s.part%04u", bw->name, bw->parts);
	r = tar_emit(bw, name, bw->chunk, bw->chunk_len);
	if (r)
		return r;
	bw->parts++;
	bw->chunk_len = 0;
	return 0;
}

int bw_member_begin(struct bundle_writer *bw, const char *name, int64_t mtime)
{
	if (bw->dead)
		return -1;
	if (bw->full && !bw->ignore_cap)
		return BW_FULL;
	if (strlen(name) > 240) {
		snprintf(bw->error, sizeof(bw->error), "member name too long: '%.64s...'", name);
		return -1;
	}
	free(bw->name);
	bw->name = xstrdup(name);
	bw->mtime = mtime;
	bw->parts = 0;
	bw->chunk_len = 0;
	bw->rkind = bw->redact ? redact_member_kind(bw->redact, name) : REDACT_COPY;
	strbuf_reset(&bw->rpending);
	return 0;
}

static int bw_write_raw(struct bundle_writer *bw, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (bw->dead || !bw->name)
		return -1;
	while (len) {
		size_t n = BW_CHUNK - bw->chunk_len;
		int r;

		if (n > len)
			n = len;
		memcpy(bw->chunk + bw->chunk_len, p, n);
		bw->chunk_len += n;
		p += n;
		len -= n;
		if (bw->chunk_len == BW_CHUNK && len && (r = bw_emit_part(bw)) != 0)
			return r;
	}
	return 0;
}

/* Redacts the first n pending bytes and writes them out. */
static int bw_redact_flush(struct bundle_writer *bw, size_t n)
{
	struct strbuf out = STRBUF_INIT;
	int r;

	/* A capture that cannot be rewritten is left out, never leaked. */
	if (redact_member(bw->redact, bw->rkind, bw->rpending.buf, n, &out) < 0)
		strbuf_reset(&out);
	r = bw_write_raw(bw, out.buf, out.len);
	strbuf_release(&out);
	memmove(bw->rpending.buf, bw->rpending.buf + n, bw->rpending.len - n);
	bw->rpending.len -= n;
	bw->rpending.buf[bw->rpending.len] = '\0';
	return r;
}

/*
 * Line-based members (tables, tool output) are redacted a line at a time
 * as they stream, so memory stays bounded; argv and captures are small
 * and rewritten whole at the end.
 */
int bw_member_write(struct bundle_writer *bw, const void *buf, size_t len)
{
	const char *nl;

	if (bw->rkind == REDACT_COPY)
		return bw_write_raw(bw, buf, len);
	if (bw->dead || !bw->name)
		return -1;
	strbuf_add(&bw->rpending, buf, len);
	if (bw->rkind != REDACT_TEXT && bw->rkind != REDACT_PROCNET)
		return 0;
	nl = memrchr(bw->rpending.buf, '\n', bw->rpending.len);
	if (nl)
		return bw_redact_flush(bw, (size_t)(nl - bw->rpending.buf) + 1);
	/* A line longer than a chunk is cut: nothing we redact spans 4 MiB. */
	return bw->rpending.len >= BW_CHUNK ? bw_redact_flush(bw, bw->rpending.len) : 0;
}

int bw_member_end(struct bundle_writer *bw)
{
	int r;

	if (bw->dead || !bw->name)
		return -1;
	if (bw->rkind != REDACT_COPY && bw->rpending.len && (r = bw_redact_flush(bw, bw->rpending.len)) != 0)
		return r;
	if (bw->parts)
		r = bw_emit_part(bw);
	else
		r = tar_emit(bw, bw->name, bw->chunk, bw->chunk_len);
	free(bw->name);
	bw->name = NULL;
	bw->chunk_len = 0;
	return r;
}

int bw_add(struct bundle_writer *bw, const char *name, int64_t mtime,
	   const void *buf, size_t len)
{
	int r = bw_member_begin(bw, name, mtime);

	if (!r)
		r = bw_member_write(bw, buf, len);
	if (!r)
		return bw_member_end(bw);
	free(bw->name);
	bw->name = NULL;
	return r;
}

int bw_add_reserved(struct bundle_writer *bw, const char *name, int64_t mtime,
		    const void *buf, size_t len)
{
	int r;

	bw->ignore_cap = 1;
	r = bw_add(bw, name, mtime, buf, len);
	bw->ignore_cap = 0;
	return r;
}

int bw_end_frame(struct bundle_writer *bw)
{
	if (bw_compress(bw, NULL, 0, ZSTD_e_end) < 0)
		return -1;
	if (bw->sync && fdatasync(bw->fd) < 0 && errno != EINVAL)
		return bw_fail(bw, "cannot sync bundle", errno);
	return 0;
}

int bw_close(struct bundle_writer *bw)
{
	static const unsigned char zero[2 * TAR_BLOCK];
	int fd;

	if (bw->dead)
		return -1;
	if (bw_compress(bw, zero, sizeof(zero), ZSTD_e_continue) < 0 || bw_end_frame(bw) < 0)
		return -1;
	fd = bw->fd;
	bw->fd = -1;
	bw->dead = 1;
	if (close(fd) < 0) {
		snprintf(bw->error, sizeof(bw->error), "cannot close bundle: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void bw_free(struct bundle_writer *bw)
{
	if (!bw)
		return;
	if (bw->fd >= 0)
		close(bw->fd);
	ZSTD_freeCCtx(bw->cctx);
	free(bw->out);
	free(bw->chunk);
	free(bw->name);
	strbuf_release(&bw->rpending);
	free(bw);
}

void bw_set_redact(struct bundle_writer *bw, const struct redact *r)
{
	bw->redact = r;
}

uint64_t bw_bytes_written(const struct bundle_writer *bw)
{
	return bw->written;
}

int bw_is_full(const struct bundle_writer *bw)
{
	return bw->full;
}

const char *bw_error(const struct bundle_writer *bw)
{
	return bw->error;
}
