/*
 * load_series: --series. Loose captures of one host taken over time (three
 * `ss -tanp` minutes apart) become one source, a snapshot each in time
 * order, so that sockets and processes are followed across them and their
 * growth is measured, where apart each would be judged by its level.
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

struct series_file {
	const char *path;
	struct strbuf data;
	int64_t mtime_ns;
	int64_t name_ns;          /* the time its name spells, or -1 */
	int64_t t_ns;             /* its snapshot's: the name's, else the mtime */
	enum sm_format f;
	char sha[65];
};

static int series_cmp(const void *a, const void *b)
{
	const struct series_file *x = a, *y = b;

	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Reads one file of a series and checks it can be one; -1 said on msg. */
static int series_read(struct load *ld, struct series_file *sf)
{
	struct stat st;

	if (stat(sf->path, &st) < 0) {
		fprintf(ld->msg, "sockmortem: cannot open '%s': %s\n", sf->path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || ar_is_archive(sf->path)) {
		fprintf(ld->msg, "sockmortem: --series: '%s' is not a loose capture file (a series is of "
			"ss, netstat, lsof or /proc/net captures, given as files)\n", sf->path);
		return -1;
	}
	if (load_read_whole(sf->path, &sf->data, ld->msg) < 0)
		return -1;
	sf->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	if (load_name_time(sf->path, &sf->name_ns) < 0)
		sf->name_ns = -1;
	sf->f = ld->opt->format ? ld->opt->format : detect_format(sf->data.buf, sf->data.len, sf->path);
	if (sf->f == FMT_UNKNOWN || sf->f == FMT_PCAP || format_is_dump(sf->f)) {
		fprintf(ld->msg, "sockmortem: --series: '%s' (%s) is not a socket capture (ss, netstat, lsof, "
			"/proc/net): load it without --series\n", sf->path,
			sf->f == FMT_UNKNOWN ? "unknown format" : format_name(sf->f));
		return -1;
	}
	load_sha256_buf(sf->data.buf, sf->data.len, sf->sha);
	return 0;
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
	struct series_file *files = xcalloc((size_t)n, sizeof(*files));
	char sha[65];
	int i, j, named, r = -1;

	for (i = 0; i < n; i++) {
		files[i].path = paths[i];
		if (series_read(ld, &files[i]) < 0)
			goto fail;
		for (j = 0; j < i; j++)
			if (!strcmp(paths[j], paths[i])) {
				fprintf(ld->msg, "sockmortem: --series: '%s' is given twice\n", paths[i]);
				goto fail;
			}
		if (files[i].f != files[0].f) {
			fprintf(ld->msg, "sockmortem: --series: '%s' is %s but '%s' is %s: one format per series\n",
				paths[i], format_name(files[i].f), paths[0], format_name(files[0].f));
			goto fail;
		}
	}
	named = series_times(files, n);
	qsort(files, (size_t)n, sizeof(*files), series_cmp);
	series_sha256(files, n, sha);
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
	series_note(ld, files, n, named);
	for (i = 0; i < n && r == 0; i++)
		r = loose_snapshot(ld, &(struct loose_capture){ files[i].path, files[i].data.buf, files[i].data.len,
								files[i].f, SM_NONE }, i + 1, files[i].t_ns);
	r = loose_source_end(ld, files[i - 1].path, r, (uint64_t)n);
	goto out;
fail:
	ld->rep.failed++;
out:
	for (i = 0; i < n; i++)
		strbuf_release(&files[i].data);
	free(files);
	return r;
}
