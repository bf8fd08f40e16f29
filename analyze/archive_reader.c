/* archive_reader: hostile-input-safe archive walking; see archive_reader.h. */
#include "archive_reader.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "strbuf.h"

#define AR_BLOCK 65536
/* Output below this is never called a bomb (tiny archives of sparse files
 * compress well); above it the ratio decides. It must stay well below
 * member_max, or a single-member bomb is read whole into memory first. */
#define AR_BOMB_MIN_OUT ((uint64_t)64 << 20)
#define AR_RATIO_MAX 2000

/* Has decompression turned in bytes into more than ratio_max times as many? */
static int ar_is_bomb(uint64_t out, uint64_t in, uint64_t ratio_max)
{
	return out > AR_BOMB_MIN_OUT && out / (in ? in : 1) > ratio_max;
}

/*
 * zstd input is decompressed here, not by libarchive's zstd filter: on a
 * cut inside a frame that filter fails without returning what it already
 * decoded (up to 128 KiB), which loses the end of the last complete
 * snapshot of a bundle cut by kill -9. This source hands libarchive every
 * decoded byte, then EOF; the tar reader then reports the cut.
 *
 * It also applies the bomb ratio to everything it decodes: libarchive
 * reads past data on its own (a skipped member, a long-name header), and a
 * header claiming 100 GB of concatenated zero frames would otherwise be
 * decoded whole, in minutes, from a few MB.
 */
struct ar_zsrc {
	int fd;
	ZSTD_DStream *ds;
	ZSTD_inBuffer in;
	uint64_t in_bytes;       /* compressed bytes read */
	uint64_t out_bytes;      /* bytes decoded */
	uint64_t ratio_max;
	int mid_frame;           /* the input so far ends inside a frame */
	int bomb;                /* stopped by the ratio */
	char inbuf[AR_BLOCK];
	char outbuf[AR_BLOCK];
};

static la_ssize_t ar_zsrc_read(struct archive *a, void *ctx, const void **buf)
{
	struct ar_zsrc *z = ctx;
	ZSTD_outBuffer out = { z->outbuf, sizeof(z->outbuf), 0 };

	for (;;) {
		size_t ipos = z->in.pos, r = ZSTD_decompressStream(z->ds, &out, &z->in);
		ssize_t n;

		if (ZSTD_isError(r)) {
			archive_set_error(a, EINVAL, "zstd: %s", ZSTD_getErrorName(r));
			return ARCHIVE_FATAL;
		}
		if (z->in.pos != ipos || out.pos)
			z->mid_frame = r != 0;
		if (out.pos) {
			z->out_bytes += out.pos;
			if (ar_is_bomb(z->out_bytes, z->in_bytes, z->ratio_max)) {
				char msg[128];

				/* archive_set_error's own printf knows no %llu */
				snprintf(msg, sizeof(msg), "decompression bomb: %llu bytes out of %llu in",
					 (unsigned long long)z->out_bytes, (unsigned long long)z->in_bytes);
				archive_set_error(a, ERANGE, "%s", msg);
				z->bomb = 1;
				return ARCHIVE_FATAL;
			}
			*buf = z->outbuf;
			return (la_ssize_t)out.pos;
		}
		if (z->in.pos < z->in.size) {
			if (z->in.pos == ipos) {
				archive_set_error(a, EIO, "zstd: no progress");
				return ARCHIVE_FATAL;
			}
			continue;
		}
		n = read(z->fd, z->inbuf, sizeof(z->inbuf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			archive_set_error(a, errno, "read: %s", strerror(errno));
			return ARCHIVE_FATAL;
		}
		if (n == 0)
			return 0;
		z->in.src = z->inbuf;
		z->in.size = (size_t)n;
		z->in.pos = 0;
		z->in_bytes += (uint64_t)n;
	}
}

static void ar_zsrc_free(struct ar_zsrc *z)
{
	if (!z)
		return;
	if (z->fd >= 0)
		close(z->fd);
	ZSTD_freeDStream(z->ds);
	free(z);
}

/*
 * A threaded walk (opt->threaded) reads (decompression, tar) on a thread of
 * its own and hands members and notes over through this queue; the
 * callbacks still run on the caller's thread, in the archive's order. The
 * queue is bounded in bytes and items, so a slow consumer holds the reader
 * back rather than letting it buffer the archive. The consumer takes all
 * that is queued at once, and either side wakes the other only when it
 * waits: a bundle is tens of thousands of members, and a lock, a wake-up
 * and a context switch for each cost more than the tar reading. What
 * is held at most is twice the bound: a batch being consumed and a full
 * queue.
 */
#define AR_QUEUE_BYTES ((size_t)64 << 20)
#define AR_QUEUE_ITEMS 4096
/* A member's buffer is sized from its header up to this much at once. */
#define AR_PREALLOC_MAX ((size_t)64 << 20)

struct ar_item {
	struct ar_item *next;
	char *name;
	char *data;              /* a member's content, or NULL: a note */
	size_t size;
	int64_t mtime;
	uint64_t index;
	uint64_t offset;         /* notes: compressed bytes read */
	char *msg;
};

struct ar_queue {
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct ar_item *head, *tail;
	size_t bytes, items;
	int done;                /* the reader has finished */
	int stop;                /* the consumer wants no more */
	int reader_waits, consumer_waits;   /* asleep on room, on more */
};

struct ar_walk_state {
	const struct ar_options *opt;
	struct ar_result *res;
	struct archive *a;
	struct ar_zsrc *z;       /* zstd input decoded by us, or NULL */
	struct strbuf data;      /* current member (or joined parts) */
	char *pending;           /* base name of parts being joined */
	int64_t pending_mtime;
	uint64_t index;
	unsigned next_part;
	int stopped;             /* the callback said stop */
	struct ar_queue *q;      /* threaded walks */
	int rc;                  /* the reader's result */
};

char *ar_member_take(const struct ar_member *m)
{
	char *d = *m->take_;

	*m->take_ = NULL;
	return d;
}

static void ar_item_free(struct ar_item *it)
{
	free(it->name);
	free(it->data);
	free(it->msg);
	free(it);
}

/* Hands an item to the consumer; 1 if it wants no more (the item is dropped). */
static int ar_queue_push(struct ar_queue *q, struct ar_item *it)
{
	int stop;

	pthread_mutex_lock(&q->mu);
	while (!q->stop && q->items && (q->bytes >= AR_QUEUE_BYTES || q->items >= AR_QUEUE_ITEMS)) {
		q->reader_waits = 1;
		pthread_cond_wait(&q->room, &q->mu);
		q->reader_waits = 0;
	}
	stop = q->stop;
	if (!stop) {
		if (q->tail)
			q->tail->next = it;
		else
			q->head = it;
		q->tail = it;
		q->bytes += it->size;
		q->items++;
		if (q->consumer_waits)
			pthread_cond_signal(&q->more);
	}
	pthread_mutex_unlock(&q->mu);
	if (stop)
		ar_item_free(it);
	return stop;
}

/* Every item queued, in order (a list), or NULL once the reader is done
 * and all are taken. */
static struct ar_item *ar_queue_take(struct ar_queue *q)
{
	struct ar_item *list;

	pthread_mutex_lock(&q->mu);
	while (!q->head && !q->done) {
		q->consumer_waits = 1;
		pthread_cond_wait(&q->more, &q->mu);
		q->consumer_waits = 0;
	}
	list = q->head;
	q->head = q->tail = NULL;
	q->bytes = q->items = 0;
	if (list && q->reader_waits)
		pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->mu);
	return list;
}

static void ar_queue_stop(struct ar_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->mu);
}

/* The member callback, wherever the member came from; non-zero: stop. */
static int ar_call_member(const struct ar_options *opt, struct ar_result *res, const char *name, char **data,
			  size_t size, int64_t mtime, uint64_t index)
{
	struct ar_member m = { name, *data, size, mtime, index, data };
	int r = opt->member(opt->ctx, &m);

	res->members++;
	if (r)
		res->stopped = 1;
	return r;
}

/* Compressed bytes read so far. */
static uint64_t ar_in_bytes(struct archive *a, const struct ar_zsrc *z)
{
	return z ? z->in_bytes : (uint64_t)archive_filter_bytes(a, -1);
}

static void ar_note(struct ar_walk_state *w, const char *member, const char *msg)
{
	struct ar_item *it;

	if (!w->opt->note)
		return;
	if (!w->q) {
		w->opt->note(w->opt->ctx, member, ar_in_bytes(w->a, w->z), msg);
		return;
	}
	it = xcalloc(1, sizeof(*it));
	it->name = xstrdup(member);
	it->msg = xstrdup(msg);
	it->offset = ar_in_bytes(w->a, w->z);
	if (ar_queue_push(w->q, it))
		w->stopped = 1;
}

static struct archive *ar_open(const char *path, struct ar_zsrc **zp)
{
	struct archive *a = archive_read_new();
	unsigned char magic[4];
	int fd;

	*zp = NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_cpio(a);
	archive_read_support_format_7zip(a);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, magic, 4) == 4 && !memcmp(magic, "\x28\xb5\x2f\xfd", 4) &&
	    lseek(fd, 0, SEEK_SET) == 0) {
		struct ar_zsrc *z = xcalloc(1, sizeof(*z));

		z->fd = fd;
		z->ds = ZSTD_createDStream();
		z->in.src = z->inbuf;
		z->ratio_max = AR_RATIO_MAX;
		if (!z->ds || ZSTD_isError(ZSTD_initDStream(z->ds)) ||
		    archive_read_open(a, z, NULL, ar_zsrc_read, NULL) != ARCHIVE_OK) {
			ar_zsrc_free(z);
			archive_read_free(a);
			return NULL;
		}
		*zp = z;
		return a;
	}
	if (fd >= 0)
		close(fd);
	if (archive_read_open_filename(a, path, AR_BLOCK) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

int ar_is_archive(const char *path)
{
	struct ar_zsrc *z;
	struct archive *a = ar_open(path, &z);
	struct archive_entry *e;
	int ok;

	if (!a)
		return 0;
	ok = archive_read_next_header(a, &e) == ARCHIVE_OK || archive_format(a) != 0;
	archive_read_free(a);
	ar_zsrc_free(z);
	return ok;
}

/* Rejects names that would escape a directory were they extracted. */
static int ar_name_safe(const char *name)
{
	const char *p = name;

	if (!*name || name[0] == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		p += n;
		while (*p == '/')
			p++;
	}
	return 1;
}

/* NAME.part0007 -> 7 and the base length; -1 if not a part name. */
static int ar_part_number(const char *name, size_t *baselen)
{
	size_t len = strlen(name);
	const char *s;
	int n = 0, i;

	if (len < 10)
		return -1;
	s = name + len - 9;
	if (memcmp(s, ".part", 5))
		return -1;
	for (i = 5; i < 9; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	*baselen = len - 9;
	return n;
}

/* The member read: to the callback, or to the queue; non-zero: stop. */
static int ar_deliver(struct ar_walk_state *w, const char *name, int64_t mtime)
{
	size_t size;
	char *data = strbuf_detach(&w->data, &size);
	struct ar_item *it;

	if (!w->q) {
		if (ar_call_member(w->opt, w->res, name, &data, size, mtime, w->index))
			w->stopped = 1;
		free(data);
		return w->stopped;
	}
	it = xcalloc(1, sizeof(*it));
	it->name = xstrdup(name);
	it->data = data;
	it->size = size;
	it->mtime = mtime;
	it->index = w->index;
	if (ar_queue_push(w->q, it))
		w->stopped = 1;
	return w->stopped;
}

static int ar_flush_parts(struct ar_walk_state *w)
{
	int r = 0;

	if (w->pending) {
		r = ar_deliver(w, w->pending, w->pending_mtime);
		free(w->pending);
		w->pending = NULL;
	}
	return r;
}

/*
 * Reads the current entry's data, into w->data when keep, within the caps.
 * A skipped entry is read past here too, not left to libarchive's skip:
 * so its data meets the bomb ratio whatever the compression.
 */
static int ar_read_data(struct ar_walk_state *w, const char *name, int keep)
{
	char skipbuf[AR_BLOCK];

	for (;;) {
		la_ssize_t n;
		uint64_t in, out;
		char *buf = skipbuf;
		size_t room = w->data.alloc ? w->data.alloc - w->data.len - 1 : 0, cap = AR_BLOCK;
		int direct = keep && room > 0;

		/* Straight into the member's buffer while it has room (sized
		 * from the header); the end of the data is found in skipbuf, so
		 * that a buffer of the exact size is not grown to learn it. */
		if (direct) {
			buf = w->data.buf + w->data.len;
			cap = room < AR_BLOCK ? room : AR_BLOCK;
		}
		n = archive_read_data(w->a, buf, cap);
		if (n == 0)
			return 0;
		if (n < 0) {
			snprintf(w->res->error, sizeof(w->res->error), "%s: %s", name, archive_error_string(w->a));
			w->res->truncated = 1;
			return -1;
		}
		if (keep && w->data.len + (size_t)n > w->opt->member_max) {
			snprintf(w->res->error, sizeof(w->res->error),
				 "%s: member larger than %zu bytes", name, w->opt->member_max);
			w->res->hostile = 1;
			return -1;
		}
		in = ar_in_bytes(w->a, w->z);
		out = (uint64_t)archive_filter_bytes(w->a, 0);
		if (ar_is_bomb(out, in, w->opt->ratio_max)) {
			snprintf(w->res->error, sizeof(w->res->error),
				 "%s: decompression bomb: %llu bytes out of %llu in", name,
				 (unsigned long long)out, (unsigned long long)in);
			w->res->hostile = 1;
			return -1;
		}
		if (direct) {
			w->data.len += (size_t)n;
			w->data.buf[w->data.len] = '\0';
		} else if (keep) {
			strbuf_add(&w->data, buf, (size_t)n);
		}
	}
}

/* Notes an entry that is not delivered, then reads past its data. */
static int ar_skip(struct ar_walk_state *w, const char *name, const char *why)
{
	ar_note(w, name, why);
	w->res->skipped++;
	return ar_read_data(w, name, 0);
}

/* The note for an entry that is not a regular file: what it is. */
static void ar_kind_note(struct archive_entry *e, char *buf, size_t cap)
{
	const char *hard = archive_entry_hardlink(e), *sym = archive_entry_symlink(e), *kind;

	if (hard) {
		snprintf(buf, cap, "not a regular file (hard link to '%.200s'): skipped", hard);
		return;
	}
	switch (archive_entry_filetype(e)) {
	case AE_IFLNK:
		snprintf(buf, cap, "not a regular file (symbolic link to '%.200s'): skipped", sym ? sym : "");
		return;
	case AE_IFCHR: kind = "character device"; break;
	case AE_IFBLK: kind = "block device"; break;
	case AE_IFIFO: kind = "fifo"; break;
	case AE_IFSOCK: kind = "socket"; break;
	default: kind = "unknown type"; break;
	}
	snprintf(buf, cap, "not a regular file (%s): skipped", kind);
}

/* One archive entry; returns 0 to go on, 1 to stop, -1 on a fatal error. */
static int ar_entry(struct ar_walk_state *w, struct archive_entry *e)
{
	const char *name = archive_entry_pathname(e);
	size_t baselen = 0;
	char why[300];
	int part;

	if (!name)
		name = "";
	if (archive_entry_filetype(e) == AE_IFDIR)
		return ar_read_data(w, name, 0) < 0 ? -1 : 0;
	if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e)) {
		ar_kind_note(e, why, sizeof(why));
		return ar_skip(w, name, why) < 0 ? -1 : 0;
	}
	if (!ar_name_safe(name))
		return ar_skip(w, name, "unsafe member name (absolute or '..'): skipped") < 0 ? -1 : 0;
	if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) > w->opt->member_max) {
		snprintf(why, sizeof(why), "member claims %llu bytes, more than the size limit (%zu): skipped",
			 (unsigned long long)archive_entry_size(e), w->opt->member_max);
		ar_note(w, name, why);
		w->res->skipped++;
		if (ar_flush_parts(w))
			return 1;
		return ar_read_data(w, name, 0) < 0 ? -1 : 0;
	}
	part = ar_part_number(name, &baselen);
	if (w->pending && (part < 0 || (unsigned)part != w->next_part ||
			   strlen(w->pending) != baselen || memcmp(w->pending, name, baselen))) {
		if (ar_flush_parts(w))
			return 1;
	}
	if (part == 0) {
		w->pending = strndup(name, baselen);
		if (!w->pending)
			abort();
		w->pending_mtime = archive_entry_mtime(e);
		w->next_part = 0;
	}
	if (part >= 0 && w->pending) {
		w->next_part++;
		return ar_read_data(w, name, 1) < 0 ? -1 : 0;
	}
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0)
		strbuf_grow(&w->data, (size_t)archive_entry_size(e) < AR_PREALLOC_MAX ?
			    (size_t)archive_entry_size(e) : AR_PREALLOC_MAX);
	if (ar_read_data(w, name, 1) < 0)
		return -1;
	return ar_deliver(w, name, archive_entry_mtime(e)) ? 1 : 0;
}

/* The reading itself: every entry, then what the end says; w->rc. */
static void ar_read_all(struct ar_walk_state *w)
{
	struct ar_result *res = w->res;
	struct archive_entry *e;
	int r = 0, rc;

	for (;;) {
		rc = archive_read_next_header(w->a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc == ARCHIVE_FATAL || rc == ARCHIVE_RETRY) {
			if (!w->index && !archive_format(w->a))
				res->not_archive = 1;
			else
				res->truncated = 1;
			snprintf(res->error, sizeof(res->error), "%s", archive_error_string(w->a) ?
				 archive_error_string(w->a) : "unreadable archive");
			r = -1;
			break;
		}
		r = ar_entry(w, e);
		w->index++;
		if (r)
			break;
	}
	if (r >= 0 && !w->stopped && ar_flush_parts(w))
		r = 1;
	else if (r < 0 && w->pending)
		ar_flush_parts(w);   /* the parts that did arrive are evidence */
	/* A bomb stopped by the zstd source surfaces as a read error: it is
	 * not a truncated archive. */
	if (w->z && w->z->bomb) {
		res->truncated = 0;
		res->hostile = 1;
	}
	/* A zstd stream cut exactly where the tar it holds looks whole. */
	if (r >= 0 && !w->stopped && w->z && w->z->mid_frame) {
		res->truncated = 1;
		snprintf(res->error, sizeof(res->error), "zstd stream cut short inside a frame");
		r = -1;
	}
	res->offset = ar_in_bytes(w->a, w->z);
	w->rc = r;
}

static void *ar_reader_main(void *arg)
{
	struct ar_walk_state *w = arg;

	ar_read_all(w);
	pthread_mutex_lock(&w->q->mu);
	w->q->done = 1;
	pthread_cond_signal(&w->q->more);
	pthread_mutex_unlock(&w->q->mu);
	return NULL;
}

/* The caller's side of a threaded walk: the callbacks, in order. */
static void ar_consume(struct ar_walk_state *w)
{
	struct ar_item *list, *it;
	int stopping = 0;

	while ((list = ar_queue_take(w->q)) != NULL) {
		while ((it = list) != NULL) {
			list = it->next;
			if (stopping) {
				ar_item_free(it);
				continue;
			}
			if (it->data) {
				if (ar_call_member(w->opt, w->res, it->name, &it->data, it->size, it->mtime,
						   it->index)) {
					stopping = 1;
					ar_queue_stop(w->q);
				}
			} else {
				w->opt->note(w->opt->ctx, it->name, it->offset, it->msg);
			}
			ar_item_free(it);
		}
	}
}

int ar_walk(const char *path, const struct ar_options *opt_in, struct ar_result *res)
{
	struct ar_options opt = *opt_in;
	struct ar_walk_state w;
	struct ar_queue q;
	pthread_t reader;

	memset(res, 0, sizeof(*res));
	if (!opt.member_max)
		opt.member_max = (size_t)1 << 30;
	if (!opt.ratio_max)
		opt.ratio_max = AR_RATIO_MAX;
	memset(&w, 0, sizeof(w));
	w.opt = &opt;
	w.res = res;
	strbuf_init(&w.data, 0);
	w.a = ar_open(path, &w.z);
	if (!w.a) {
		snprintf(res->error, sizeof(res->error), "cannot open '%s'", path);
		res->not_archive = 1;
		return -1;
	}
	if (w.z)
		w.z->ratio_max = opt.ratio_max;
	memset(&q, 0, sizeof(q));
	if (opt.threaded) {
		pthread_mutex_init(&q.mu, NULL);
		pthread_cond_init(&q.more, NULL);
		pthread_cond_init(&q.room, NULL);
		w.q = &q;
		if (pthread_create(&reader, NULL, ar_reader_main, &w) != 0)
			w.q = NULL;   /* no thread to be had: read here */
	}
	if (w.q) {
		ar_consume(&w);
		pthread_join(reader, NULL);
	} else {
		ar_read_all(&w);
	}
	if (opt.threaded) {
		pthread_cond_destroy(&q.room);
		pthread_cond_destroy(&q.more);
		pthread_mutex_destroy(&q.mu);
	}
	free(w.pending);
	strbuf_release(&w.data);
	archive_read_free(w.a);
	ar_zsrc_free(w.z);
	return w.rc < 0 ? -1 : 0;
}
