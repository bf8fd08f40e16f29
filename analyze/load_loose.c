/*
 * load_loose: one loose capture (lsof, ss, netstat, a /proc/net copy)
 * becomes a source with a single snapshot, timed by --at, else by the
 * file's (or archive member's) mtime. With --series, captures of one host
 * taken over time become one source, a snapshot each in time order, so
 * that sockets, processes and their growth are followed across them.
 */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive_reader.h"
#include "db.h"
#include "load_pcap.h"
#include "log_unwrap.h"
#include "load_sink.h"
#include "parse_counters.h"
#include "parse_lsof.h"
#include "parse_netstat.h"
#include "parse_procnet.h"
#include "parse_ss.h"
#include "strbuf.h"

/*
 * The state of an ss listing filtered by state, which prints no State
 * column: --ss-state, else one the file name spells; said in a note.
 */
static int loose_parse_ss(struct load *ld, const char *path, const char *data, size_t len,
			  const struct sm_sink *sink)
{
	const char *base = strrchr(path, '/'), *state = ld->opt->ss_state;
	const char *from = "--ss-state";
	char msg[160];
	int stateless = 0, r;

	if (!state) {
		state = parse_ss_state_in_name(base ? base + 1 : path);
		from = "the file name";
	}
	r = parse_ss_filtered(data, len, sink, state, &stateless);
	if (r == 0 && stateless && state) {
		snprintf(msg, sizeof(msg), "no State column (ss ... state %s): every socket taken as %s, from %s",
			 state, state, from);
		ingest_note(ld->ing, path, SM_NONE, "info", msg);
	} else if (r == 0 && stateless) {
		/* even when quiet: without it a report of such a file finds nothing */
		fprintf(ld->msg, "sockmortem: '%s': an ss listing filtered by state (no State column): "
			"the sockets' state is unknown; give it with --ss-state NAME\n", path);
	}
	return r;
}

static int loose_parse(struct load *ld, enum sm_format f, const char *path, const char *data, size_t len,
		       const struct sm_sink *sink)
{
	switch (f) {
	case FMT_LSOF: return parse_lsof(data, len, sink);
	case FMT_SS: return loose_parse_ss(ld, path, data, len, sink);
	case FMT_SS_SUMMARY: return parse_ss_summary(data, len, sink);
	case FMT_NETSTAT: return parse_netstat(data, len, sink);
	case FMT_PROC_TCP: return parse_procnet_inet(data, len, "tcp", sink);
	case FMT_PROC_TCP6: return parse_procnet_inet(data, len, "tcp6", sink);
	case FMT_PROC_UDP: return parse_procnet_inet(data, len, "udp", sink);
	case FMT_PROC_UDP6: return parse_procnet_inet(data, len, "udp6", sink);
	case FMT_PROC_RAW: return parse_procnet_inet(data, len, "raw", sink);
	case FMT_PROC_RAW6: return parse_procnet_inet(data, len, "raw6", sink);
	case FMT_PROC_UNIX: return parse_procnet_unix(data, len, sink);
	case FMT_PROC_NETLINK: return parse_procnet_netlink(data, len, sink);
	case FMT_PROC_PACKET: return parse_procnet_packet(data, len, sink);
	case FMT_SOCKSTAT: return parse_sockstat(data, len, sink);
	case FMT_NETSTAT_SNMP: return parse_netstat_snmp(data, len, sink);
	case FMT_NETSTAT_STATS: return parse_netstat_stats(data, len, sink);
	default: return -1;
	}
}

/* Opens the source: 0; 1 when it was loaded before (rolled back, said);
 * -1 no transaction (said); -2 a database error (not said). */
static int loose_source_begin(struct load *ld, enum sm_format f, const char *path, const char *sha256)
{
	struct ingest_source_info si;
	int r;

	memset(&si, 0, sizeof(si));
	si.kind = format_name(f);
	si.path = path;
	si.sha256 = sha256;
	si.format_version = SM_NONE;
	if (load_begin(ld) < 0)
		return -1;
	r = ingest_source_begin(ld->ing, &si);
	if (r < 0)
		return -2;
	if (r == 1) {
		load_rollback(ld);
		ld->rep.skipped_dup++;
		if (!ld->opt->quiet)
			fprintf(ld->msg, "sockmortem: '%s': already loaded, skipped\n", path);
	}
	return r;
}

/* A loose file in memory, and what it is. */
struct loose_capture {
	const char *path;
	const char *data;
	size_t len;
	enum sm_format f;
	int64_t pid;              /* a goroutine dump's process (--dump PID=FILE), or SM_NONE */
};

/*
 * One capture as snapshot seq of the open source. 0; -1 not a valid
 * capture (said on msg); -2 a database error (not said).
 */
static int loose_snapshot(struct load *ld, const struct loose_capture *c, int64_t seq, int64_t wall_ns)
{
	enum sm_format f = c->f;
	const char *path = c->path, *data = c->data;
	size_t len = c->len;
	struct ingest_snapshot_info sn;
	struct load_sink ls;
	struct sm_sink sink;
	int r;

	memset(&sn, 0, sizeof(sn));
	sn.seq = seq;
	sn.wall_ns = wall_ns;
	sn.ended_ns = sn.mono_ns = sn.processes = sn.fds = sn.errors = SM_NONE;
	sn.complete = 1;
	if (ingest_snapshot_begin(ld->ing, &sn) < 0)
		return -2;
	if (format_is_dump(f)) {
		uint64_t n = 0;

		r = load_dump(ld, path, f, data, len, c->pid, sn.wall_ns, 0, &n);
		if (r == -2)
			return -1;
		if (r < 0 || ingest_snapshot_end(ld->ing) < 0)
			return -2;
		if (!ld->opt->quiet)
			fprintf(ld->msg, "sockmortem: loaded '%s' as %s: %llu goroutine records\n", path,
				format_name(f), (unsigned long long)n);
		return 0;
	}
	load_sink_init(&ls, ld, path, SM_NONE);
	ls.owners_from_sockets = f == FMT_SS || f == FMT_NETSTAT;
	sink = load_sink_make(&ls);
	r = loose_parse(ld, f, path, data, len, &sink);
	load_sink_finish(&ls);
	if (ls.failed)
		return -2;
	/* Nothing but headers is a capture of nothing (ss state close-wait
	 * on a host without any); lines all rejected are not a capture. */
	if (r < 0 || (!ls.rows && ls.warnings)) {
		fprintf(ld->msg, "sockmortem: '%s': not a valid %s capture (%llu lines rejected)\n", path,
			format_name(f), (unsigned long long)ls.warnings);
		return -1;
	}
	if (ingest_snapshot_end(ld->ing) < 0)
		return -2;
	if (!ld->opt->quiet)
		fprintf(ld->msg, "sockmortem: loaded '%s' as %s: %llu rows%s\n", path, format_name(f),
			(unsigned long long)ls.rows, ls.warnings ? " (with warnings: see load_notes)" : "");
	return 0;
}

/* After loose_snapshot's r: the source closed and committed, or rolled back. */
static int loose_source_end(struct load *ld, const char *path, int r, uint64_t snapshots)
{
	if (r == 0 && ingest_source_end(ld->ing, 1, NULL) == 0 && load_commit(ld) == 0) {
		ld->rep.loaded++;
		ld->rep.snapshots += snapshots;
		return 0;
	}
	if (r != -1)
		fprintf(ld->msg, "sockmortem: '%s': %s\n", path, ingest_error(ld->ing));
	load_rollback(ld);
	ld->rep.failed++;
	return -1;
}

/*
 * An unknown text may be a Go trace inside a log (journalctl, docker logs
 * -t: log_unwrap.h): then c becomes the trace without the log's prefixes,
 * held in text, of the pid the prefix names unless c has one. 1 if so.
 */
static int loose_unwrap(struct loose_capture *c, struct strbuf *text, struct log_unwrap_info *lu)
{
	enum sm_format f;

	if (c->f != FMT_UNKNOWN || !log_unwrap(c->data, c->len, text, lu))
		return 0;
	f = detect_format(text->buf, text->len, c->path);
	if (!format_is_dump(f))
		return 0;
	c->data = text->buf;
	c->len = text->len;
	c->f = f;
	if (c->pid == SM_NONE && lu->pid > 0)
		c->pid = lu->pid;
	return 1;
}

/* A capture as a source of one snapshot; lu: how it was unwrapped, or NULL. */
static int loose_one(struct load *ld, const struct loose_capture *c, const char *sha256, int64_t wall_ns,
		     const struct log_unwrap_info *lu)
{
	char msg[160];
	int r = loose_source_begin(ld, c->f, c->path, sha256);

	if (r == 1)
		return 0;
	if (r == -1) {
		ld->rep.failed++;
		return -1;
	}
	if (r == 0 && lu) {
		snprintf(msg, sizeof(msg), "a Go trace in a log (%s prefixes, from line %llu%s): prefixes removed, "
			 "other lines left out", lu->style, (unsigned long long)lu->first_line,
			 lu->pid > 0 ? ", of the pid the prefix names" : "");
		if (ingest_note(ld->ing, c->path, (int64_t)lu->first_line, "info", msg) < 0)
			r = -2;
	}
	if (r == 0)
		r = loose_snapshot(ld, c, 1, wall_ns);
	return loose_source_end(ld, c->path, r, 1);
}

int load_loose(struct load *ld, const char *path, const char *data, size_t len,
	       int64_t mtime_ns, const char *sha256)
{
	struct loose_capture c = { path, data, len, ld->opt->format ? ld->opt->format : detect_format(data, len, path),
				   SM_NONE };
	struct strbuf text = STRBUF_INIT;
	struct log_unwrap_info lu;
	int unwrapped = loose_unwrap(&c, &text, &lu), r;

	if (c.f == FMT_UNKNOWN) {
		fprintf(ld->msg, "sockmortem: '%s': unknown format (not a bundle, lsof, ss, netstat, "
			"/proc/net capture or Go goroutine dump); use --format to say which\n", path);
		ld->rep.failed++;
		r = -1;
	} else if (c.f == FMT_PCAP) {   /* a source of its own, without snapshots */
		r = load_pcap_buf(ld, path, data, len, sha256);
	} else {
		r = loose_one(ld, &c, sha256, ld->opt->at_ns ? ld->opt->at_ns : mtime_ns, unwrapped ? &lu : NULL);
	}
	strbuf_release(&text);
	return r;
}

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

static int process_known(struct load *ld, int64_t pid)
{
	sqlite3_stmt *st = NULL;
	char *err = NULL;
	int known = 1;   /* when it cannot be told, nothing is said */

	if (db_prepare(ld->db, "SELECT 1 FROM processes WHERE pid = ?", &st, &err) < 0) {
		free(err);
		return known;
	}
	sqlite3_bind_int64(st, 1, pid);
	known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return known;
}

int load_dump_of(struct load *ld, int64_t pid, const char *path)
{
	struct strbuf data = STRBUF_INIT, text = STRBUF_INIT;
	struct log_unwrap_info lu;
	struct loose_capture c;
	struct stat st;
	char sha[65];
	int unwrapped, r = -1;

	if (stat(path, &st) < 0) {
		fprintf(ld->msg, "sockmortem: --dump %lld=%s: %s\n", (long long)pid, path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(ld->msg, "sockmortem: --dump %lld=%s: not a file\n", (long long)pid, path);
		goto fail;
	}
	if (load_read_whole(path, &data, ld->msg) < 0)
		goto fail;
	c = (struct loose_capture){ path, data.buf, data.len, detect_format(data.buf, data.len, path), pid };
	unwrapped = loose_unwrap(&c, &text, &lu);
	if (!format_is_dump(c.f)) {
		fprintf(ld->msg, "sockmortem: --dump %lld=%s: not a Go goroutine dump (%s)\n", (long long)pid, path,
			c.f == FMT_UNKNOWN ? "unknown format" : format_name(c.f));
		goto fail;
	}
	if (!process_known(ld, pid))
		fprintf(ld->msg, "sockmortem: --dump %lld=%s: no process %lld in the captures loaded: its goroutines "
			"stand alone\n", (long long)pid, path, (long long)pid);
	load_sha256_buf(data.buf, data.len, sha);
	r = loose_one(ld, &c, sha, (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec,
		      unwrapped ? &lu : NULL);
	goto out;
fail:
	r = -1;
	ld->rep.failed++;
out:
	strbuf_release(&text);
	strbuf_release(&data);
	return r;
}

/*
 * A dump given as a process's (--dump PID=FILE) is a source of its own:
 * tied here to that pid's process among everything loaded, the one seen
 * nearest its time, so that the rules see its goroutines and that
 * process's sockets as one process's. Bundles tie their own.
 */
int load_link_dumps(struct load *ld)
{
	/* The distance from the dump's time to the process's life, asked
	 * twice: SQLite does not see the updated row from a subquery's ORDER
	 * BY, only from its WHERE. */
#define DUMP_GAP(p) "CASE WHEN dumps.wall_ns BETWEEN " p ".t0 AND " p ".t1 THEN 0 ELSE" \
	" min(abs(dumps.wall_ns - " p ".t0), abs(dumps.wall_ns - " p ".t1)) END"
#define DUMP_LIVES "(SELECT p.id, p.pid, a.wall_ns AS t0, b.wall_ns AS t1 FROM processes p" \
	" JOIN snapshots a ON a.id = p.first_snapshot JOIN snapshots b ON b.id = p.last_snapshot)"
	static const char sql[] =
		"UPDATE dumps SET process_id = ("
		" SELECT x.id FROM " DUMP_LIVES " x WHERE x.pid = dumps.pid"
		" AND " DUMP_GAP("x") " = (SELECT min(" DUMP_GAP("y") ") FROM " DUMP_LIVES " y WHERE y.pid = dumps.pid)"
		" ORDER BY x.id DESC LIMIT 1)"
		" WHERE process_id IS NULL AND pid IS NOT NULL"
		" AND source_id IN (SELECT id FROM sources WHERE kind <> 'bundle')";
#undef DUMP_GAP
#undef DUMP_LIVES
	char *err = NULL;

	if (db_exec(ld->db, sql, &err) == 0)
		return 0;
	fprintf(ld->msg, "sockmortem: cannot tie dumps to their processes: %s\n", err);
	free(err);
	return -1;
}
