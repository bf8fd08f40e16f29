/*
 * load_series: --series. Loose captures of one host taken over time (three
 * `ss -tanp` minutes apart) become one source, a snapshot each in time
 * order, so that sockets and processes are followed across them and their
 * growth is measured, where apart each would be judged by its level.
 * Given as files, or as a directory or an archive of them (a ticket's
 * attachment), each taken whole: a series holds at most 1 GiB in all.
 */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive_reader.h"
#include "load_loose.h"
#include "strbuf.h"

/* What a series may hold in all, in memory at once (as one loose file). */
#define SERIES_MAX ((size_t)1 << 30)

struct series_file {
	char *path;               /* as given, or DIR/NAME, or ARCHIVE!MEMBER */
	char *data;
	size_t len;
	int64_t mtime_ns;
	int64_t name_ns;          /* the time its name spells, or -1 */
	int64_t t_ns;             /* its snapshot's: the name's, else the mtime */
	enum sm_format f;
	char sha[65];
};

struct series {
	struct load *ld;
	struct series_file *files;
	size_t n;
	size_t bytes;
};

static int series_cmp(const void *a, const void *b)
{
	const struct series_file *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * One capture of the series, its data taken over; -1 (said) when it
 * cannot be one: not a socket capture, another format, over the cap. In a
 * directory or an archive (inner), what is not a socket capture at all (a
 * README, a goroutine dump) is left out and said, not refused.
 */
static int series_add(struct series *sr, char *path, char *data, size_t len, int64_t mtime_ns, int inner)
{
	const struct load_options *o = sr->ld->opt;
	struct series_file *sf;
	size_t i;

	sr->files = xreallocarray(sr->files, sr->n + 1, sizeof(*sr->files));
	sf = &sr->files[sr->n++];
	memset(sf, 0, sizeof(*sf));
	sf->path = path;
	sf->data = data;
	sf->len = len;
	sf->mtime_ns = mtime_ns;
	if (load_name_time(path, &sf->name_ns) < 0)
		sf->name_ns = -1;
	sf->f = o->format ? o->format : detect_format(data, len, path);
	if (sf->f == FMT_UNKNOWN || sf->f == FMT_PCAP || format_is_dump(sf->f)) {
		fprintf(sr->ld->msg, "sockmortem: --series: '%s' (%s) is not a socket capture (ss, netstat, lsof, "
			"/proc/net): %s\n", path, sf->f == FMT_UNKNOWN ? "unknown format" : format_name(sf->f),
			inner ? "left out" : "load it without --series");
		if (!inner)
			return -1;
		free(sf->path);
		free(sf->data);
		sr->n--;
		return 0;
	}
	if (sf->f != sr->files[0].f) {
		fprintf(sr->ld->msg, "sockmortem: --series: '%s' is %s but '%s' is %s: one format per series\n",
			path, format_name(sf->f), sr->files[0].path, format_name(sr->files[0].f));
		return -1;
	}
	for (i = 0; i + 1 < sr->n; i++)
		if (!strcmp(sr->files[i].path, path)) {
			fprintf(sr->ld->msg, "sockmortem: --series: '%s' is given twice\n", path);
			return -1;
		}
	sr->bytes += len;
	if (sr->bytes > SERIES_MAX) {
		fprintf(sr->ld->msg, "sockmortem: --series: more than %zu bytes of captures at '%s'\n", SERIES_MAX,
			path);
		return -1;
	}
	load_sha256_buf(data, len, sf->sha);
	return 0;
}

static int series_read_file(struct series *sr, const char *path, const struct stat *st, int inner)
{
	struct strbuf data = STRBUF_INIT;
	size_t len;

	if (load_read_whole(path, &data, sr->ld->msg) < 0) {
		strbuf_release(&data);
		return -1;
	}
	len = data.len;
	return series_add(sr, xstrdup(path), strbuf_detach(&data, NULL), len,
			  (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec, inner);
}

/* An archive's members, each a capture of the series. */
struct series_archive {
	struct series *sr;
	const char *path;
	int failed;
};

static int series_member(void *ctx, const struct ar_member *m)
{
	struct series_archive *sa = ctx;
	struct strbuf name = STRBUF_INIT;
	size_t size = m->size;

	strbuf_addf(&name, "%s!%s", sa->path, m->name);
	if (series_add(sa->sr, strbuf_detach(&name, NULL), ar_member_take(m), size, m->mtime * 1000000000, 1) < 0) {
		sa->failed = 1;
		return 1;
	}
	return 0;
}

/* Skipped members (links, devices, unsafe names) are said, as load says them. */
static void series_member_note(void *ctx, const char *member, uint64_t offset, const char *msg)
{
	struct series_archive *sa = ctx;

	fprintf(sa->sr->ld->msg, "sockmortem: %s: member '%s' (offset %llu): %s\n", sa->path, member,
		(unsigned long long)offset, msg);
}

static int series_archive(struct series *sr, const char *path)
{
	struct series_archive sa = { sr, path, 0 };
	struct ar_options o;
	struct ar_result res;

	memset(&o, 0, sizeof(o));
	o.member = series_member;
	o.note = series_member_note;
	o.ctx = &sa;
	if (ar_walk(path, &o, &res) < 0 && !sa.failed) {
		fprintf(sr->ld->msg, "sockmortem: %s: %s (at byte %llu)\n", path, res.error,
			(unsigned long long)res.offset);
		return -1;
	}
	/* A series with a hole in it would be measured wrong: all or nothing. */
	if (!sa.failed && res.skipped)
		fprintf(sr->ld->msg, "sockmortem: --series: %s: %llu member(s) skipped (said above): not loaded\n", path,
			(unsigned long long)res.skipped);
	return sa.failed || res.skipped ? -1 : 0;
}

/* A directory's regular files (not its subdirectories), in name order. */
static int series_dir(struct series *sr, const char *path)
{
	size_t n, i;
	char **names = load_dir_names(path, &n, sr->ld->msg);
	int r = 0;

	if (!names)
		return -1;
	for (i = 0; i < n; i++) {
		struct stat st;

		if (!r && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			r = series_read_file(sr, names[i], &st, 1);
		free(names[i]);
	}
	free(names);
	return r;
}

/* One input of a series: a capture file, a directory or an archive of them. */
static int series_input(struct series *sr, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(sr->ld->msg, "sockmortem: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return series_dir(sr, path);
	if (!S_ISREG(st.st_mode)) {
		fprintf(sr->ld->msg, "sockmortem: --series: '%s' is not a file\n", path);
		return -1;
	}
	if (ar_is_archive(path))
		return series_archive(sr, path);
	return series_read_file(sr, path, &st, 0);
}

/* The series' identity: its files' digests in time order. */
static void series_sha256(const struct series_file *files, int n, char *out)
{
	struct strbuf all = STRBUF_INIT;
	int i;

	for (i = 0; i < n; i++)
		strbuf_add(&all, files[i].sha, 64);
	load_sha256_buf(all.buf, all.len, out);
	strbuf_release(&all);
}

/*
 * Each file's time: the one its name spells when every name spells one
 * (an mtime is the copy's once a file was attached to a ticket and
 * downloaded), else its mtime. 1 when the names gave them.
 */
static int series_times(struct series_file *files, int n)
{
	int i, named = 1;

	for (i = 0; i < n; i++)
		named &= files[i].name_ns >= 0;
	for (i = 0; i < n; i++)
		files[i].t_ns = named ? files[i].name_ns : files[i].mtime_ns;
	return named;
}

static void series_note(struct load *ld, const struct series_file *files, int n, int named)
{
	char msg[200];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "series: snapshot %d of %d, timed by its %s (sha256 %.16s...)", i + 1, n,
			 named ? "name" : "mtime", files[i].sha);
		ingest_note(ld->ing, files[i].path, SM_NONE, "info", msg);
	}
	/* Copies made at once (scp, a ticket's download) share an mtime. */
	if (!named && n > 1 && files[n - 1].t_ns - files[0].t_ns < 1000000000) {
		snprintf(msg, sizeof(msg), "the %d files' mtimes are within 1 s of each other, as a copy's are: rates "
			 "per minute mean nothing; name them by their times (ss-20261124-1005.txt)", n);
		ingest_note(ld->ing, files[0].path, SM_NONE, "warning", msg);
		fprintf(ld->msg, "sockmortem: --series: %s\n", msg);
	}
}

int load_series(struct load *ld, int n, char **paths)
{
	struct series sr = { ld, NULL, 0, 0 };
	struct series_file *files;
	char sha[65];
	int i, named, r = -1;

	for (i = 0; i < n; i++)
		if (series_input(&sr, paths[i]) < 0)
			goto fail;
	if (!sr.n) {
		fprintf(ld->msg, "sockmortem: --series: no capture in %s%s\n", paths[0], n > 1 ? " ..." : "");
		goto fail;
	}
	files = sr.files;
	named = series_times(files, (int)sr.n);
	qsort(files, sr.n, sizeof(*files), series_cmp);
	series_sha256(files, (int)sr.n, sha);
	r = loose_source_begin(ld, files[0].f, files[0].path, sha);
	if (r == 1) {
		r = 0;
		goto out;
	}
	if (r == -1)
		goto fail;
	if (r < 0) {
		r = loose_source_end(ld, files[0].path, r, 0);
		goto out;
	}
	series_note(ld, files, (int)sr.n, named);
	for (i = 0; i < (int)sr.n && r == 0; i++)
		r = loose_snapshot(ld, &(struct loose_capture){ files[i].path, files[i].data, files[i].len, files[i].f,
								SM_NONE, NULL }, i + 1, files[i].t_ns);
	r = loose_source_end(ld, files[i - 1].path, r, (uint64_t)sr.n);
	goto out;
fail:
	r = -1;
	ld->rep.failed++;
out:
	for (i = 0; i < (int)sr.n; i++) {
		free(sr.files[i].path);
		free(sr.files[i].data);
	}
	free(sr.files);
	return r;
}
