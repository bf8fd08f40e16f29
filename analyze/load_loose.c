/*
 * load_loose: one loose capture (lsof, ss, netstat, a /proc/net copy)
 * becomes a source with a single snapshot, timed by --at, else by the
 * file's (or archive member's) mtime; a goroutine dump given as a
 * process's (--dump PID=FILE) likewise. The steps of a source are shared
 * with load_series.c (load_loose.h).
 */
#include "load.h"
#include "load_loose.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "db.h"
#include "load_pcap.h"
#include "load_sink.h"
#include "log_unwrap.h"
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

int loose_source_begin(struct load *ld, enum sm_format f, const char *path, const char *sha256)
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

int loose_snapshot(struct load *ld, const struct loose_capture *c, int64_t seq, int64_t wall_ns)
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

		struct ingest_dump_info di = { .path = path, .pid = c->pid, .comm = c->program, .wall_ns = sn.wall_ns };

		r = load_dump(ld, &di, f, data, len, 0, &n);
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

int loose_source_end(struct load *ld, const char *path, int r, uint64_t snapshots)
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
	if (c->pid == SM_NONE && lu->pid > 0) {
		c->pid = lu->pid;
		c->program = lu->program[0] ? lu->program : NULL;
	}
	return 1;
}

/*
 * A capture as a source of one snapshot; lu: how it was unwrapped, or
 * NULL. A trace whose log prefix has a time with a zone is of that time
 * (unless --at says otherwise), not of the file's mtime (a copy's): the
 * dump is tied to the process of that pid seen nearest it.
 */
static int loose_one(struct load *ld, const struct loose_capture *c, const char *sha256, int64_t wall_ns,
		     const struct log_unwrap_info *lu)
{
	int timed = lu && lu->time_ns && !ld->opt->at_ns;
	char msg[200];
	int r = loose_source_begin(ld, c->f, c->path, sha256);

	if (r == 1)
		return 0;
	if (r == -1) {
		ld->rep.failed++;
		return -1;
	}
	if (r == 0 && lu) {
		snprintf(msg, sizeof(msg), "a Go trace in a log (%s prefixes, from line %llu%s%s): prefixes removed, "
			 "other lines left out", lu->style, (unsigned long long)lu->first_line,
			 lu->pid > 0 ? ", of the pid the prefix names" : "", timed ? ", at the time its prefix gives" : "");
		if (ingest_note(ld->ing, c->path, (int64_t)lu->first_line, "info", msg) < 0)
			r = -2;
	}
	if (r == 0)
		r = loose_snapshot(ld, c, 1, timed ? lu->time_ns : wall_ns);
	return loose_source_end(ld, c->path, r, 1);
}

int load_loose(struct load *ld, const char *path, const char *data, size_t len,
	       int64_t mtime_ns, const char *sha256)
{
	struct loose_capture c = { path, data, len, ld->opt->format ? ld->opt->format : detect_format(data, len, path),
				   SM_NONE, NULL };
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

/* Is a process of that pid loaded? When it cannot be told, yes: nothing is said. */
static int process_known(struct load *ld, int64_t pid)
{
	char sql[80];

	snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM processes WHERE pid = %lld)", (long long)pid);
	return db_int(ld->db, sql, 1) != 0;
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
	c = (struct loose_capture){ path, data.buf, data.len, detect_format(data.buf, data.len, path), pid,
				    NULL };
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
