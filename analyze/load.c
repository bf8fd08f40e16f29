/*
 * load: input dispatch. A path is a directory (its files, sorted, each
 * loaded), an archive (a sockmortem bundle if its first member is our
 * manifest, otherwise an archive of loose captures), or a loose capture.
 */
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive_reader.h"
#include "db.h"
#include "load_pcap.h"
#include "numparse.h"
#include "sha256.h"
#include "strbuf.h"

#define LOOSE_MAX ((size_t)1 << 30)

int load_sha256_buf(const void *data, size_t len, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (!EVP_Digest(data, len, md, &n, EVP_sha256(), NULL))
		return -1;
	digest_hex(md, n, out);
	return 0;
}

/*
 * A file being hashed: opened, then read a chunk at a time, so that the
 * hash can change hands between two threads at a chunk's end.
 */
struct file_hash {
	EVP_MD_CTX *ctx;
	int fd;
};

static int file_hash_open(struct file_hash *fh, const char *path)
{
	fh->fd = open(path, O_RDONLY | O_CLOEXEC);
	fh->ctx = EVP_MD_CTX_new();
	if (fh->fd < 0 || !fh->ctx || !EVP_DigestInit_ex(fh->ctx, EVP_sha256(), NULL))
		return -1;
	return 0;
}

/* One chunk more: 1, 0 at the end, -1 on an error. */
static int file_hash_step(struct file_hash *fh)
{
	unsigned char buf[65536];
	ssize_t got = read(fh->fd, buf, sizeof(buf));

	if (got < 0 && errno == EINTR)
		return 1;
	if (got > 0 && !EVP_DigestUpdate(fh->ctx, buf, (size_t)got))
		return -1;
	return got > 0 ? 1 : got == 0 ? 0 : -1;
}

static int file_hash_finish(struct file_hash *fh, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	int r;

	while ((r = file_hash_step(fh)) > 0)
		;
	if (r == 0 && EVP_DigestFinal_ex(fh->ctx, md, &n))
		digest_hex(md, n, out);
	else
		r = -1;
	return r;
}

static void file_hash_close(struct file_hash *fh)
{
	if (fh->fd >= 0)
		close(fh->fd);
	EVP_MD_CTX_free(fh->ctx);
}

int load_sha256_file(const char *path, char *out)
{
	struct file_hash fh;
	int r = file_hash_open(&fh, path) < 0 ? -1 : file_hash_finish(&fh, out);

	file_hash_close(&fh);
	return r;
}

/*
 * The hash is wanted only when the load ends. At its start the reading
 * and loading threads already keep two cores busy, and an equal share for
 * the hash slowed the loading thread, the one that bounds the load: the
 * thread runs at the lowest priority, in the reading thread's slack. A
 * lowered priority cannot be raised again without privilege, so a load
 * that ends first stops the thread at a chunk's end and hashes the rest
 * itself, rather than wait on a thread that a busy host starves.
 */
struct load_hash {
	pthread_t thread;
	struct file_hash fh;
	atomic_int stop;
	int rc;                   /* 1: not finished; 0 or -1: finished so */
	char sha[65];
};

static void *load_hash_main(void *arg)
{
	struct load_hash *h = arg;
	int r = 1;

	setpriority(PRIO_PROCESS, (id_t)gettid(), 19);   /* Linux: a nice value per thread */
	while (!atomic_load(&h->stop) && (r = file_hash_step(&h->fh)) > 0)
		;
	if (!atomic_load(&h->stop))
		h->rc = r < 0 ? -1 : file_hash_finish(&h->fh, h->sha);
	return NULL;
}

struct load_hash *load_hash_start(const char *path)
{
	struct load_hash *h = xcalloc(1, sizeof(*h));

	h->rc = 1;
	atomic_init(&h->stop, 0);
	if (file_hash_open(&h->fh, path) == 0 && pthread_create(&h->thread, NULL, load_hash_main, h) == 0)
		return h;
	file_hash_close(&h->fh);
	free(h);
	return NULL;
}

/* The thread stopped (at a chunk's end, or finished): what it did. */
static int load_hash_stop(struct load_hash *h)
{
	atomic_store(&h->stop, 1);
	pthread_join(h->thread, NULL);
	return h->rc;
}

int load_hash_finish(struct load_hash *h, char *out)
{
	int rc = load_hash_stop(h);

	if (rc == 1)
		rc = file_hash_finish(&h->fh, h->sha);
	if (rc == 0)
		memcpy(out, h->sha, sizeof(h->sha));
	file_hash_close(&h->fh);
	free(h);
	return rc;
}

void load_hash_drop(struct load_hash *h)
{
	if (!h)
		return;
	load_hash_stop(h);
	file_hash_close(&h->fh);
	free(h);
}

int load_parse_time(const char *s, int64_t *out_ns)
{
	struct tm tm;
	const char *end;
	uint64_t secs;

	if (num_u64_str(s, 10, &secs) == 0) {
		*out_ns = (int64_t)secs * 1000000000;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end || (*end && strcmp(end, "Z") && strcmp(end, "+00:00")))
		return -1;
	*out_ns = (int64_t)timegm(&tm) * 1000000000;
	return 0;
}

/* n digits at p as a number, or -1. */
static int name_num(const char *p, int n)
{
	int v = 0;

	for (; n > 0; n--, p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

/* "2026-11-24T10:05[:00]", "20261124-1005[00]", "2026-11-24_10-05-00" at p. */
static int name_datetime(const char *p, struct tm *tm)
{
	int y = name_num(p, 4), mo, d, h, mi, sec = 0;

	if (y < 1990 || y > 2100)
		return -1;
	p += 4;
	p += *p == '-';
	if ((mo = name_num(p, 2)) < 1 || mo > 12)
		return -1;
	p += 2;
	p += *p == '-';
	if ((d = name_num(p, 2)) < 1 || d > 31)
		return -1;
	p += 2;
	p += *p == 'T' || *p == '_' || *p == '-' || *p == ' ' || *p == '.';
	if ((h = name_num(p, 2)) < 0 || h > 23)
		return -1;
	p += 2;
	p += *p == ':' || *p == '-' || *p == '.';
	if ((mi = name_num(p, 2)) < 0 || mi > 59)
		return -1;
	p += 2;
	if ((*p == ':' || *p == '-' || *p == '.') && name_num(p + 1, 2) >= 0)
		sec = name_num(p + 1, 2);
	else if (name_num(p, 2) >= 0)
		sec = name_num(p, 2);
	if (sec > 60)
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	return 0;
}

int load_name_time(const char *path, int64_t *out_ns)
{
	const char *base = strrchr(path, '/'), *p;
	struct tm tm;

	base = base ? base + 1 : path;
	for (p = base; *p; p++) {
		size_t run = strspn(p, "0123456789");

		if (run && p > base && p[-1] >= '0' && p[-1] <= '9')
			continue;   /* inside a run of digits: seen from its start */
		if (run >= 4 && name_datetime(p, &tm) == 0) {
			*out_ns = (int64_t)timegm(&tm) * 1000000000;
			return 0;
		}
		if (run == 10 && *p >= '1' && *p <= '2') {   /* epoch seconds, 2001-2065 */
			*out_ns = (int64_t)strtoll(p, NULL, 10) * 1000000000;
			return 0;
		}
	}
	return -1;
}

int load_begin(struct load *ld)
{
	char *err = NULL;

	if (db_exec(ld->db, "BEGIN", &err) == 0)
		return 0;
	fprintf(ld->msg, "sockmortem: database: %s\n", err);
	free(err);
	return -1;
}

int load_commit(struct load *ld)
{
	char *err = NULL;

	if (db_exec(ld->db, "COMMIT", &err) == 0)
		return 0;
	fprintf(ld->msg, "sockmortem: database: %s\n", err);
	free(err);
	load_rollback(ld);
	return -1;
}

void load_rollback(struct load *ld)
{
	sqlite3_exec(ld->db, "ROLLBACK", NULL, NULL, NULL);
	ingest_reset(ld->ing);
}

/* Reads a whole (loose) file; loose captures are text of modest size. */
int load_read_whole(const char *path, struct strbuf *sb, FILE *msg)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[65536];
	ssize_t n;

	if (fd < 0) {
		fprintf(msg, "sockmortem: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (sb->len + (size_t)n > LOOSE_MAX) {
			fprintf(msg, "sockmortem: '%s': larger than %zu bytes, not a capture we load\n",
				path, LOOSE_MAX);
			close(fd);
			return -1;
		}
		strbuf_add(sb, buf, (size_t)n);
	}
	close(fd);
	if (n < 0) {
		fprintf(msg, "sockmortem: cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct loose_archive {
	struct load *ld;
	const char *path;
	int failed;
};

static int loose_member(void *ctx, const struct ar_member *m)
{
	struct loose_archive *la = ctx;
	struct strbuf name = STRBUF_INIT;
	char sha[65];

	strbuf_addf(&name, "%s!%s", la->path, m->name);
	load_sha256_buf(m->data, m->size, sha);
	if (load_loose(la->ld, name.buf, m->data, m->size, m->mtime * 1000000000, sha) < 0)
		la->failed++;
	strbuf_release(&name);
	return 0;
}

static void loose_note(void *ctx, const char *member, uint64_t offset, const char *msg)
{
	struct loose_archive *la = ctx;

	fprintf(la->ld->msg, "sockmortem: %s: member '%s' (offset %llu): %s\n", la->path, member,
		(unsigned long long)offset, msg);
}

/* Is the first member of this archive a sockmortem manifest? */
struct first_member {
	int is_bundle;
};

static int first_member_cb(void *ctx, const struct ar_member *m)
{
	struct first_member *fm = ctx;

	fm->is_bundle = !strcmp(m->name, "manifest.json") &&
			memmem(m->data, m->size, "\"sockmortem-bundle\"", 19) != NULL;
	return 1;   /* one member is enough */
}

static int load_archive(struct load *ld, const char *path)
{
	struct first_member fm = { 0 };
	struct ar_options o;
	struct ar_result res;
	struct loose_archive la = { ld, path, 0 };
	char sha[65];

	memset(&o, 0, sizeof(o));
	o.member = first_member_cb;
	o.ctx = &fm;
	ar_walk(path, &o, &res);
	if (fm.is_bundle) {
		struct load_hash *h;

		/* Into a database with no source yet (a report's, a first
		 * load) the bundle cannot be one already loaded: its hash is
		 * needed only at the end, and is computed meanwhile. */
		if (db_int(ld->db, "SELECT NOT EXISTS (SELECT 1 FROM sources)", 0) == 1 &&
		    (h = load_hash_start(path)) != NULL)
			return load_bundle(ld, path, NULL, h);
		if (load_sha256_file(path, sha) < 0) {
			fprintf(ld->msg, "sockmortem: cannot read '%s'\n", path);
			return -1;
		}
		return load_bundle(ld, path, sha, NULL);
	}
	o.member = loose_member;
	o.note = loose_note;
	o.ctx = &la;
	if (ar_walk(path, &o, &res) < 0) {
		fprintf(ld->msg, "sockmortem: %s: %s (at byte %llu)\n", path, res.error,
			(unsigned long long)res.offset);
		ld->rep.failed++;
		return -1;
	}
	/* Members skipped as unsafe, links or too large were not loaded (each
	 * was named by loose_note): the input did not load whole. */
	ld->rep.failed += (unsigned)res.skipped;
	return la.failed || res.skipped ? -1 : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **load_dir_names(const char *path, size_t *n, FILE *msg)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;

	*n = 0;
	if (!d) {
		fprintf(msg, "sockmortem: cannot open directory '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		struct strbuf sb = STRBUF_INIT;

		if (de->d_name[0] == '.')
			continue;
		strbuf_addf(&sb, "%s/%s", path, de->d_name);
		names = xreallocarray(names, *n + 1, sizeof(*names));
		names[(*n)++] = strbuf_detach(&sb, NULL);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), name_cmp);
	else
		names = xcalloc(1, sizeof(*names));
	return names;
}

static int load_dir(struct load *ld, const char *path)
{
	size_t n, i;
	char **names = load_dir_names(path, &n, ld->msg);
	int r = 0;

	if (!names)
		return -1;
	for (i = 0; i < n; i++) {
		if (load_input(ld, names[i]) < 0)
			r = -1;
		free(names[i]);
	}
	free(names);
	return r;
}

ssize_t load_file_head(const char *path, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, n);
	close(fd);
	return got;
}

/* Does the file start with a pcap or pcapng magic number? */
static int load_is_pcap_file(const char *path)
{
	unsigned char head[4];

	return load_file_head(path, head, sizeof(head)) == (ssize_t)sizeof(head) &&
	       detect_pcap_magic(head, sizeof(head));
}

int load_input(struct load *ld, const char *path)
{
	struct stat st;
	struct strbuf data = STRBUF_INIT;
	char sha[65];
	int r;

	if (lstat(path, &st) < 0) {
		fprintf(ld->msg, "sockmortem: cannot open '%s': %s\n", path, strerror(errno));
		ld->rep.failed++;
		return -1;
	}
	if (S_ISLNK(st.st_mode) && stat(path, &st) < 0) {
		fprintf(ld->msg, "sockmortem: '%s': dangling link\n", path);
		ld->rep.failed++;
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return load_dir(ld, path);
	if (!S_ISREG(st.st_mode)) {
		fprintf(ld->msg, "sockmortem: '%s': not a regular file, skipped\n", path);
		ld->rep.failed++;
		return -1;
	}
	if (load_files_known(ld, path, &st))
		return 0;   /* the same path, size and mtime were loaded before */
	/* Captures are streamed from disk (they can be gigabytes), and
	 * libarchive must not mistake one for an archive. */
	if (load_is_pcap_file(path) && (!ld->opt->format || ld->opt->format == FMT_PCAP))
		return load_files_done(ld, path, &st, load_pcap_file(ld, path));
	if (ar_is_archive(path))
		return load_files_done(ld, path, &st, load_archive(ld, path));
	if (load_read_whole(path, &data, ld->msg) < 0) {
		ld->rep.failed++;
		return -1;
	}
	load_sha256_buf(data.buf, data.len, sha);
	r = load_loose(ld, path, data.buf, data.len, (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, sha);
	strbuf_release(&data);
	return load_files_done(ld, path, &st, r);
}

int load_inputs(struct load *ld, int n, char **paths)
{
	unsigned d;
	int i, r = 0;

	if (ld->opt->series)
		r = load_series(ld, n, paths);
	else
		for (i = 0; i < n; i++)
			if (load_input(ld, paths[i]) < 0)
				r = -1;
	for (d = 0; d < ld->opt->ndumps; d++)
		if (load_dump_of(ld, ld->opt->dumps[d].pid, ld->opt->dumps[d].path) < 0)
			r = -1;
	if (load_link_dumps(ld) < 0)
		r = -1;
	return r;
}
