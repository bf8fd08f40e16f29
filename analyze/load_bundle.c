/*
 * load_bundle: a sockmortem bundle (see README "The bundle format").
 *
 * Members are buffered one snapshot at a time: a snapshot is loaded only
 * once its meta.json (its last member) has arrived, so a bundle cut by
 * kill -9 loads every complete snapshot and reports the cut one instead of
 * half-loading it. Within a snapshot the protocol tables are ingested
 * before the processes, so orphaned fds can be told at the snapshot's end.
 */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_reader.h"
#include "db.h"
#include "load_pcap.h"
#include "load_sink.h"
#include "manifest.h"
#include "numparse.h"
#include "parse_counters.h"
#include "parse_procnet.h"
#include "parse_procpid.h"
#include "strbuf.h"

struct bmember {
	char *name;       /* the part after snap/NNNNNN/ */
	char *data;
	size_t size;
};

struct bundle_state {
	struct load *ld;
	const char *path;
	const char *sha256;
	int started;          /* source begun */
	int failed;           /* fatal: stop */
	int64_t seq;          /* snapshot being buffered, 0 none */
	int64_t last_seq;
	int have_meta;
	struct bmember *m;
	size_t nm, am;
	char *end_reason;
	int have_end;
	uint64_t cut_snapshots;
	uint64_t unknown;
	uint64_t loaded;       /* snapshots loaded */
	struct load_pcap *pcap; /* capture segments (pcap/), NULL until one */
};

static void bnote(struct bundle_state *b, const char *member, const char *sev, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	if (b->started)
		ingest_note(b->ld->ing, member, SM_NONE, sev, msg);
	if (!strcmp(sev, "error") || (!b->ld->opt->quiet && !strcmp(sev, "warning")))
		fprintf(b->ld->msg, "sockmortem: %s: %s: %s\n", b->path, member, msg);
}

static void bsnap_clear(struct bundle_state *b)
{
	size_t i;

	for (i = 0; i < b->nm; i++) {
		free(b->m[i].name);
		free(b->m[i].data);
	}
	b->nm = 0;
	b->seq = 0;
	b->have_meta = 0;
}

static const char *bmember_data(struct bundle_state *b, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < b->nm; i++)
		if (!strcmp(b->m[i].name, name)) {
			*len = b->m[i].size;
			return b->m[i].data;
		}
	return NULL;
}

/* json_extract through SQLite: the analyzer needs no JSON parser of its own. */
static int64_t json_int(sqlite3 *db, const char *json, size_t len, const char *path)
{
	sqlite3_stmt *st = NULL;
	int64_t v = SM_NONE;

	if (sqlite3_prepare_v2(db, "SELECT json_extract(?, ?) WHERE json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
		return SM_NONE;
	sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Caller frees; NULL if absent. */
static char *json_text(sqlite3 *db, const char *json, size_t len, const char *path)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;

	if (sqlite3_prepare_v2(db, "SELECT json_extract(?, ?) WHERE json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static int bundle_manifest(struct bundle_state *b, const struct ar_member *m)
{
	struct ingest_source_info si;
	struct manifest mf;
	char *manifest = NULL;
	int r = manifest_parse(b->ld->db, m->data, m->size, &mf);

	if (r == MANIFEST_NOT_OURS) {
		fprintf(b->ld->msg, "sockmortem: %s: manifest.json is not a sockmortem bundle manifest\n", b->path);
		r = -1;
		goto out;
	}
	if (r == MANIFEST_TOO_NEW) {
		fprintf(b->ld->msg, "sockmortem: %s: bundle format version %lld is newer than this "
			"sockmortem understands (%d); upgrade sockmortem\n", b->path, (long long)mf.format_version,
			MANIFEST_FORMAT_VERSION_KNOWN);
		r = -1;
		goto out;
	}
	manifest = strndup(m->data, m->size);
	memset(&si, 0, sizeof(si));
	si.kind = "bundle";
	si.path = b->path;
	si.sha256 = b->sha256;
	si.host = mf.hostname;
	si.boot_id = mf.boot_id;
	si.kernel = mf.kernel_release;
	si.format_version = mf.format_version;
	si.tool_version = mf.tool_version;
	si.manifest = manifest;
	r = ingest_source_begin(b->ld->ing, &si);
	if (r == 0) {
		b->started = 1;
		if (mf.byte_order && strcmp(mf.byte_order, "little"))
			bnote(b, "manifest.json", "warning", "recorded on a %s-endian host: addresses in "
			      "/proc/net tables may be decoded byte-swapped", mf.byte_order);
	}
out:
	manifest_free(&mf);
	free(manifest);
	return r;
}

/* "snap/000012/rest" -> 12 and rest; 0 if not a snapshot member. */
static int64_t snap_seq(const char *name, const char **rest)
{
	const char *p = name + 5, *slash;
	uint64_t v;

	if (strncmp(name, "snap/", 5))
		return 0;
	slash = strchr(p, '/');
	if (!slash || slash - p > 9 || num_u64(p, (size_t)(slash - p), 10, &v) < 0 || !v)
		return 0;
	*rest = slash + 1;
	return (int64_t)v;
}

static int table_parse(const char *table, const char *data, size_t len, const struct sm_sink *sink)
{
	static const char *const inet[] = { "tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6" };
	size_t i;

	for (i = 0; i < sizeof(inet) / sizeof(inet[0]); i++)
		if (!strcmp(table, inet[i]))
			return parse_procnet_inet(data, len, table, sink);
	if (!strcmp(table, "unix"))
		return parse_procnet_unix(data, len, sink);
	if (!strcmp(table, "netlink"))
		return parse_procnet_netlink(data, len, sink);
	if (!strcmp(table, "packet"))
		return parse_procnet_packet(data, len, sink);
	if (!strcmp(table, "sockstat") || !strcmp(table, "sockstat6"))
		return parse_sockstat(data, len, sink);
	if (!strcmp(table, "netstat") || !strcmp(table, "snmp"))
		return parse_netstat_snmp(data, len, sink);
	return 1;   /* known but not loaded (icmp, snmp6) */
}

static int bsnap_tables(struct bundle_state *b, const char *prefix)
{
	size_t i;

	for (i = 0; i < b->nm; i++) {
		const struct bmember *m = &b->m[i];
		const char *slash;
		struct load_sink ls;
		struct sm_sink sink;
		uint64_t ns;
		char path[300];

		if (strncmp(m->name, "net/", 4) || !(slash = strchr(m->name + 4, '/')))
			continue;
		if (num_u64(m->name + 4, (size_t)(slash - m->name - 4), 10, &ns) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", prefix, m->name);
		load_sink_init(&ls, b->ld, path, (int64_t)ns);
		sink = load_sink_make(&ls);
		table_parse(slash + 1, m->data, m->size, &sink);
		load_sink_finish(&ls);
		if (ls.failed)
			return -1;
	}
	return 0;
}

struct bproc {
	int64_t pid;
	const struct bmember *stat, *status, *limits, *cmdline, *comm, *ns, *fd;
};

static void trim_nl(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static int bsnap_process(struct bundle_state *b, const char *prefix, const struct bproc *p)
{
	struct sm_proc_stat pst;
	struct sm_proc_status pstatus;
	struct sm_proc_limits plim;
	struct ingest_process_info pi;
	char cmdline[4096] = "", comm[SM_PROC_NAME_MAX] = "", path[300];
	struct load_sink ls;
	struct sm_sink sink;
	int64_t id;
	uint64_t ns = 0;

	if (!p->stat || parse_procpid_stat(p->stat->data, p->stat->size, &pst, NULL) < 0) {
		snprintf(path, sizeof(path), "%s/proc/%lld/stat", prefix, (long long)p->pid);
		bnote(b, path, "warning", "%s", "process without a readable stat: not loaded");
		return 0;
	}
	memset(&pi, 0, sizeof(pi));
	pi.pid = p->pid;
	pi.start_ticks = pst.starttime;
	pi.state = pst.state;
	pi.threads = pst.num_threads;
	pi.rss_kb = pi.uid = pi.nofile_soft = pi.nofile_hard = pi.netns = SM_NONE;
	snprintf(comm, sizeof(comm), "%s", pst.comm);
	if (p->comm) {
		snprintf(comm, sizeof(comm), "%.*s", (int)(p->comm->size < sizeof(comm) - 1 ? p->comm->size : sizeof(comm) - 1), p->comm->data);
		trim_nl(comm);
	}
	pi.comm = comm;
	if (p->status && parse_procpid_status(p->status->data, p->status->size, &pstatus, NULL) == 0) {
		pi.uid = pstatus.uid_real;
		pi.rss_kb = pstatus.vmrss_kb;
		if (pstatus.threads != SM_NONE)
			pi.threads = pstatus.threads;
	}
	if (p->limits && parse_procpid_limits(p->limits->data, p->limits->size, &plim, NULL) == 0) {
		pi.nofile_soft = plim.nofile_soft == SM_LIMIT_UNLIMITED ? -1 : plim.nofile_soft;
		pi.nofile_hard = plim.nofile_hard == SM_LIMIT_UNLIMITED ? -1 : plim.nofile_hard;
	}
	if (p->cmdline)
		parse_procpid_cmdline(p->cmdline->data, p->cmdline->size, cmdline, sizeof(cmdline));
	pi.cmdline = cmdline[0] ? cmdline : NULL;
	if (p->ns) {
		const char *o = memchr(p->ns->data, '[', p->ns->size), *c = memchr(p->ns->data, ']', p->ns->size);
		if (o && c && c > o && num_u64(o + 1, (size_t)(c - o - 1), 10, &ns) == 0)
			pi.netns = (int64_t)ns;
	}
	pi.fd_table_read = p->fd != NULL;
	id = ingest_process(b->ld->ing, &pi);
	if (id < 0)
		return -1;
	if (!p->fd)
		return 0;
	snprintf(path, sizeof(path), "%s/proc/%lld/fd", prefix, (long long)p->pid);
	load_sink_init(&ls, b->ld, path, pi.netns);
	ls.process_id = id;
	sink = load_sink_make(&ls);
	parse_fd_listing(p->fd->data, p->fd->size, p->pid, &sink);
	load_sink_finish(&ls);
	return ls.failed ? -1 : 0;
}

static int bsnap_processes(struct bundle_state *b, const char *prefix)
{
	struct bproc p;
	size_t i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i <= b->nm; i++) {
		const struct bmember *m = i < b->nm ? &b->m[i] : NULL;
		const char *slash = NULL, *file;
		uint64_t pid = 0;

		if (m && !strncmp(m->name, "proc/", 5) && (slash = strchr(m->name + 5, '/')) != NULL &&
		    num_u64(m->name + 5, (size_t)(slash - m->name - 5), 10, &pid) < 0)
			slash = NULL;
		if (p.pid && (!m || !slash || (int64_t)pid != p.pid)) {
			if (bsnap_process(b, prefix, &p) < 0)
				return -1;
			memset(&p, 0, sizeof(p));
		}
		if (!slash)
			continue;
		p.pid = (int64_t)pid;
		file = slash + 1;
		if (!strcmp(file, "stat")) p.stat = m;
		else if (!strcmp(file, "status")) p.status = m;
		else if (!strcmp(file, "limits")) p.limits = m;
		else if (!strcmp(file, "cmdline")) p.cmdline = m;
		else if (!strcmp(file, "comm")) p.comm = m;
		else if (!strcmp(file, "ns")) p.ns = m;
		else if (!strcmp(file, "fd")) p.fd = m;
	}
	return 0;
}

static int bsnap_errors(struct bundle_state *b)
{
	size_t len;
	const char *d = bmember_data(b, "errors.tsv", &len), *end;

	if (!d)
		return 0;
	end = d + len;
	while (d < end) {
		const char *nl = memchr(d, '\n', (size_t)(end - d));
		size_t n = nl ? (size_t)(nl - d) : (size_t)(end - d);
		char line[1024], *f[3] = { NULL, NULL, NULL }, *save = NULL;
		int k = 0;

		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), d);
		for (char *t = strtok_r(line, "\t", &save); t && k < 3; t = strtok_r(NULL, "\t", &save))
			f[k++] = t;
		if (k >= 2 && ingest_collection_error(b->ld->ing, f[0], f[1], f[2]) < 0)
			return -1;
		d += n + 1;
	}
	return 0;
}

static int bsnap_steps(struct bundle_state *b, const char *meta, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(b->ld->db, "SELECT json_extract(value,'$.step'), json_extract(value,'$.name'),"
			       " json_extract(value,'$.outcome'), json_extract(value,'$.us'), value"
			       " FROM json_each(?, '$.steps') WHERE json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, meta, (int)len, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ingest_collection_step(b->ld->ing, (const char *)sqlite3_column_text(st, 0),
					   (const char *)sqlite3_column_text(st, 1),
					   (const char *)sqlite3_column_text(st, 2),
					   sqlite3_column_type(st, 3) == SQLITE_NULL ? SM_NONE : sqlite3_column_int64(st, 3),
					   (const char *)sqlite3_column_text(st, 4)) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	return 0;
}

/* When a pprof fetch ended, from the snapshot's pprof/fetches.json. */
static int64_t pprof_fetch_time(struct bundle_state *b, const char *what, int64_t pid)
{
	size_t len;
	const char *idx = bmember_data(b, "pprof/fetches.json", &len);
	sqlite3_stmt *st = NULL;
	int64_t t = SM_NONE;

	if (!idx || sqlite3_prepare_v2(b->ld->db, "SELECT json_extract(value, '$.ended.wall_ns') FROM json_each(?)"
				       " WHERE json_valid(?1) AND json_extract(value, '$.what') = ?"
				       " AND json_extract(value, '$.pid') = ?", -1, &st, NULL) != SQLITE_OK)
		return SM_NONE;
	sqlite3_bind_text(st, 1, idx, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, what, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, pid);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		t = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return t;
}

/* Goroutine dumps fetched with --pprof: pprof/<pid>/<what>.txt */
static int bsnap_pprof(struct bundle_state *b, const char *prefix, int64_t snap_wall)
{
	size_t i;

	for (i = 0; i < b->nm; i++) {
		const struct bmember *m = &b->m[i];
		const char *slash, *file;
		char what[64], path[300];
		uint64_t pid;
		int64_t t;
		size_t wl;
		int r;

		if (strncmp(m->name, "pprof/", 6) || !(slash = strchr(m->name + 6, '/')) ||
		    num_u64(m->name + 6, (size_t)(slash - m->name - 6), 10, &pid) < 0)
			continue;
		file = slash + 1;
		wl = strlen(file);
		if (wl < 5 || wl >= sizeof(what) || strcmp(file + wl - 4, ".txt"))
			continue;
		memcpy(what, file, wl - 4);
		what[wl - 4] = '\0';
		t = pprof_fetch_time(b, what, (int64_t)pid);
		snprintf(path, sizeof(path), "%s/%s", prefix, m->name);
		r = load_dump(b->ld, path, strstr(what, "debug2") ? FMT_GOROUTINE : FMT_GOROUTINE_DEBUG1,
			      m->data, m->size, (int64_t)pid, t != SM_NONE ? t : snap_wall, NULL);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* An --attach file: analysed if it is a goroutine dump, kept otherwise. */
static int bundle_attachment(struct bundle_state *b, const struct ar_member *m)
{
	enum sm_format f;

	if (!strcmp(m->name, "attach/index.json"))
		return 0;
	f = detect_format(m->data, m->size, m->name);
	if (!format_is_dump(f)) {
		bnote(b, m->name, "info", "%s", "attached file kept in the bundle, not analysed");
		return 0;
	}
	return load_dump(b->ld, m->name, f, m->data, m->size, SM_NONE, m->mtime * 1000000000, NULL) == -1 ? -1 : 0;
}

/* Loads the buffered snapshot if complete. */
static int bsnap_flush(struct bundle_state *b)
{
	struct ingest_snapshot_info sn;
	const char *meta;
	size_t mlen;
	char prefix[32];
	sqlite3 *db = b->ld->db;

	if (!b->seq)
		return 0;
	snprintf(prefix, sizeof(prefix), "snap/%06lld", (long long)b->seq);
	meta = bmember_data(b, "meta.json", &mlen);
	if (!meta) {
		b->cut_snapshots++;
		bnote(b, prefix, "warning", "%s", "snapshot incomplete (no meta.json: the bundle was cut here): not loaded");
		bsnap_clear(b);
		return 0;
	}
	memset(&sn, 0, sizeof(sn));
	sn.seq = b->seq;
	sn.wall_ns = json_int(db, meta, mlen, "$.started.wall_ns");
	sn.ended_ns = json_int(db, meta, mlen, "$.ended.wall_ns");
	sn.mono_ns = json_int(db, meta, mlen, "$.started.mono_ns");
	sn.processes = json_int(db, meta, mlen, "$.processes");
	sn.fds = json_int(db, meta, mlen, "$.fds");
	sn.errors = json_int(db, meta, mlen, "$.errors");
	{
		char *cut = json_text(db, meta, mlen, "$.cut");
		sn.complete = cut == NULL;
		free(cut);
	}
	if (ingest_snapshot_begin(b->ld->ing, &sn) < 0 || bsnap_tables(b, prefix) < 0 ||
	    bsnap_processes(b, prefix) < 0 || bsnap_pprof(b, prefix, sn.wall_ns) < 0 || bsnap_errors(b) < 0 ||
	    bsnap_steps(b, meta, mlen) < 0 || ingest_snapshot_end(b->ld->ing) < 0)
		return -1;
	b->last_seq = b->seq;
	b->loaded++;
	if (b->ld->opt->progress)
		fprintf(b->ld->msg, "\rsockmortem: %s: snapshot %lld", b->path, (long long)b->seq);
	bsnap_clear(b);
	return 0;
}

/* A capture segment or its stats (load_pcap.c does the work). */
static int bundle_pcap(struct bundle_state *b, const struct ar_member *m)
{
	if (!b->pcap)
		b->pcap = load_pcap_new(b->ld, ingest_source_id(b->ld->ing));
	if (!b->pcap || load_pcap_member(b->pcap, m->name, m->data, m->size) < 0) {
		b->failed = -1;
		return 1;
	}
	return 0;
}

static int bundle_member(void *ctx, const struct ar_member *m)
{
	struct bundle_state *b = ctx;
	const char *rest = NULL;
	int64_t seq;

	if (m->index == 0) {
		int r = bundle_manifest(b, m);
		if (r != 0) {
			b->failed = r < 0 ? -1 : 1;
			return 1;
		}
		return 0;
	}
	/* Capture segments are written between a snapshot's members and its
	 * meta.json: they must not end the snapshot being buffered. */
	if (!strncmp(m->name, "pcap/", 5))
		return bundle_pcap(b, m);
	seq = snap_seq(m->name, &rest);
	if (seq != b->seq && bsnap_flush(b) < 0) {
		b->failed = -1;
		return 1;
	}
	if (!seq) {
		if (!strcmp(m->name, "end.json")) {
			b->have_end = 1;
			free(b->end_reason);
			b->end_reason = json_text(b->ld->db, m->data, m->size, "$.reason");
		} else if (!strncmp(m->name, "attach/", 7)) {
			if (bundle_attachment(b, m) < 0) {
				b->failed = -1;
				return 1;
			}
		} else {
			b->unknown++;
			bnote(b, m->name, "warning", "%s", "unknown member: skipped");
		}
		return 0;
	}
	if (seq <= b->last_seq && !b->nm) {
		bnote(b, m->name, "warning", "%s", "snapshot out of order or duplicated: skipped");
		return 0;
	}
	if (b->nm == b->am) {
		b->am = b->am ? b->am * 2 : 256;
		b->m = xreallocarray(b->m, b->am, sizeof(*b->m));
	}
	b->seq = seq;
	b->m[b->nm].name = xstrdup(rest);
	b->m[b->nm].data = xmalloc(m->size ? m->size : 1);
	memcpy(b->m[b->nm].data, m->data, m->size);
	b->m[b->nm].size = m->size;
	b->nm++;
	return 0;
}

static void bundle_ar_note(void *ctx, const char *member, uint64_t offset, const char *msg)
{
	struct bundle_state *b = ctx;
	char text[600];

	snprintf(text, sizeof(text), "%s (at byte %llu)", msg, (unsigned long long)offset);
	bnote(b, member, "warning", "%s", text);
}

int load_bundle(struct load *ld, const char *path, const char *sha256)
{
	struct bundle_state b;
	struct ar_options o;
	struct ar_result res;
	int rc, r = 0;

	memset(&b, 0, sizeof(b));
	b.ld = ld;
	b.path = path;
	b.sha256 = sha256;
	memset(&o, 0, sizeof(o));
	o.member = bundle_member;
	o.note = bundle_ar_note;
	o.ctx = &b;
	if (load_begin(ld) < 0)
		return -1;
	rc = ar_walk(path, &o, &res);
	if (b.failed > 0) {   /* already loaded */
		ld->rep.skipped_dup++;
		if (!ld->opt->quiet)
			fprintf(ld->msg, "sockmortem: '%s': already loaded, skipped\n", path);
		goto out_rollback;
	}
	if (b.failed < 0 || !b.started)
		goto fail;
	if (rc < 0 && res.error[0]) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%s (at compressed byte %llu)", res.error, (unsigned long long)res.offset);
		bnote(&b, "(archive)", "warning", "bundle cut short: %s", msg);
	}
	/* A snapshot still buffered at the end is complete only if its meta came. */
	if (bsnap_flush(&b) < 0)
		goto fail;
	if (b.pcap && load_pcap_finish(b.pcap) < 0)
		goto fail;
	if (!b.have_end)
		bnote(&b, "end.json", "warning", "%s", "missing: the collector did not finish (killed, or the bundle is truncated)");
	if (ingest_source_end(ld->ing, b.have_end && !b.cut_snapshots && rc == 0, b.end_reason) < 0)
		goto fail;
	if (load_commit(ld) < 0)
		goto fail;
	ld->rep.loaded++;
	ld->rep.snapshots += b.loaded;
	if (!b.have_end || b.cut_snapshots || rc < 0)
		ld->rep.cut++;
	if (ld->opt->progress)
		fputc('\n', ld->msg);
	if (!ld->opt->quiet)
		fprintf(ld->msg, "sockmortem: loaded bundle '%s': %llu snapshots%s\n", path, (unsigned long long)b.loaded,
			!b.have_end || b.cut_snapshots || rc < 0 ? " (cut short: see `sockmortem info`)" : "");
	goto out;
fail:
	if (b.failed < 0 || !b.started)
		fprintf(ld->msg, "sockmortem: %s: %s\n", path,
			ingest_error(ld->ing)[0] ? ingest_error(ld->ing) : res.error[0] ? res.error : "cannot load bundle");
	ld->rep.failed++;
	r = -1;
out_rollback:
	load_rollback(ld);
out:
	bsnap_clear(&b);
	free(b.m);
	free(b.end_reason);
	load_pcap_free(b.pcap);
	return r;
}
