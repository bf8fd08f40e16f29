/*
 * load_loose: one loose capture (lsof, ss, netstat, a /proc/net copy)
 * becomes a source with a single snapshot, timed by --at, else by the
 * file's (or archive member's) mtime.
 */
#include "load.h"

#include <stdio.h>
#include <string.h>

#include "load_pcap.h"
#include "load_sink.h"
#include "parse_counters.h"
#include "parse_lsof.h"
#include "parse_netstat.h"
#include "parse_procnet.h"
#include "parse_ss.h"

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

int load_loose(struct load *ld, const char *path, const char *data, size_t len,
	       int64_t mtime_ns, const char *sha256)
{
	enum sm_format f = ld->opt->format ? ld->opt->format : detect_format(data, len, path);
	struct ingest_source_info si;
	struct ingest_snapshot_info sn;
	struct load_sink ls;
	struct sm_sink sink;
	int r;

	if (f == FMT_UNKNOWN) {
		fprintf(ld->msg, "sockmortem: '%s': unknown format (not a bundle, lsof, ss, netstat, "
			"/proc/net capture or Go goroutine dump); use --format to say which\n", path);
		ld->rep.failed++;
		return -1;
	}
	if (f == FMT_PCAP)   /* a source of its own, without snapshots */
		return load_pcap_buf(ld, path, data, len, sha256);
	memset(&si, 0, sizeof(si));
	si.kind = format_name(f);
	si.path = path;
	si.sha256 = sha256;
	si.format_version = SM_NONE;
	if (load_begin(ld) < 0) {
		ld->rep.failed++;
		return -1;
	}
	r = ingest_source_begin(ld->ing, &si);
	if (r == 1) {
		load_rollback(ld);
		ld->rep.skipped_dup++;
		if (!ld->opt->quiet)
			fprintf(ld->msg, "sockmortem: '%s': already loaded, skipped\n", path);
		return 0;
	}
	if (r < 0)
		goto dberr;
	memset(&sn, 0, sizeof(sn));
	sn.seq = 1;
	sn.wall_ns = ld->opt->at_ns ? ld->opt->at_ns : mtime_ns;
	sn.ended_ns = sn.mono_ns = sn.processes = sn.fds = sn.errors = SM_NONE;
	sn.complete = 1;
	if (ingest_snapshot_begin(ld->ing, &sn) < 0)
		goto dberr;
	if (format_is_dump(f)) {
		uint64_t n = 0;
		r = load_dump(ld, path, f, data, len, SM_NONE, sn.wall_ns, 0, &n);
		if (r == -2) {
			load_rollback(ld);
			ld->rep.failed++;
			return -1;
		}
		if (r < 0 || ingest_snapshot_end(ld->ing) < 0 || ingest_source_end(ld->ing, 1, NULL) < 0 ||
		    load_commit(ld) < 0)
			goto dberr;
		ld->rep.loaded++;
		ld->rep.snapshots++;
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
		goto dberr;
	/* Nothing but headers is a capture of nothing (ss state close-wait
	 * on a host without any); lines all rejected are not a capture. */
	if (r < 0 || (!ls.rows && ls.warnings)) {
		fprintf(ld->msg, "sockmortem: '%s': not a valid %s capture (%llu lines rejected)\n", path,
			format_name(f), (unsigned long long)ls.warnings);
		load_rollback(ld);
		ld->rep.failed++;
		return -1;
	}
	if (ingest_snapshot_end(ld->ing) < 0 || ingest_source_end(ld->ing, 1, NULL) < 0 ||
	    load_commit(ld) < 0)
		goto dberr;
	ld->rep.loaded++;
	ld->rep.snapshots++;
	if (!ld->opt->quiet)
		fprintf(ld->msg, "sockmortem: loaded '%s' as %s: %llu rows%s\n", path, format_name(f),
			(unsigned long long)ls.rows, ls.warnings ? " (with warnings: see load_notes)" : "");
	return 0;
dberr:
	fprintf(ld->msg, "sockmortem: '%s': %s\n", path, ingest_error(ld->ing));
	load_rollback(ld);
	ld->rep.failed++;
	return -1;
}
