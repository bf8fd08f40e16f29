/*
 * load_bundle: a sockmortem bundle (see README "The bundle format").
 *
 * Members are buffered one snapshot at a time: a snapshot is loaded only
 * once its meta.json has arrived, so a bundle cut by kill -9 loads every
 * complete snapshot and reports the cut one instead of half-loading it.
 * meta.json ends a snapshot's own members, but the collector may append
 * late pprof members (pprof/<pid>/..., pprof/fetches-after.json) to the
 * last snapshot after it: a snapshot ends where another one, or end.json,
 * begins. Within a snapshot the protocol tables are ingested before the
 * processes, so orphaned fds can be told at the snapshot's end.
 *
 * A hostile bundle can make it neither count twice nor hold unbounded
 * memory: a member seen twice in one snapshot, a snapshot seen again, and
 * a snapshot that the clocks put no later than the one loaded before it are
 * skipped with a note; only members the loader reads are buffered, within
 * BSNAP_MEMBERS_MAX and BSNAP_BYTES_MAX; skipped members are listed up to
 * BUNDLE_NOTES_MAX of a kind, then counted in one summary note.
 */
#include "load.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_reader.h"
#include "db.h"
#include "hashmap.h"
#include "load_pcap.h"
#include "load_sink.h"
#include "manifest.h"
#include "numparse.h"
#include "parse_counters.h"
#include "parse_procnet.h"
#include "parse_procpid.h"
#include "row_memo.h"
#include "strbuf.h"

/* One snapshot's buffer: a real one holds ~8 members a process (10,000
 * processes: 80,000) and tens of MB; at the member cap it takes ~100 MB. */
#define BSNAP_MEMBERS_MAX ((size_t)1 << 19)
#define BSNAP_BYTES_MAX ((size_t)1 << 30)
#define BSNAP_NAME_MAX 48        /* "proc/4194304/cmdline", "pprof/4194304/goroutine-debug2.txt" */
#define BUNDLE_NOTES_MAX 20      /* skipped members listed one by one, per kind */
/* The memos of the last snapshot's tables and fd listings: a real host's
 * take a few MB (10,000 sockets: ~4 MB); past these a hostile bundle's
 * lines are parsed every time instead. */
#define BSNAP_MEMO_BYTES ((size_t)256 << 20)
#define BSNAP_MEMOS_MAX 65536

struct bmember {
	char *name;       /* the part after snap/NNNNNN/ */
	char *data;
	size_t size;
};

/* Kinds of skipped members, counted (bskip) so that ten million of them
 * make twenty notes and one summary, not ten million notes. */
enum { BSKIP_UNKNOWN, BSKIP_ARCHIVE, BSKIP_DUP, BSKIP_AGAIN, BSKIP_KEPT, BSKIP_KINDS };
static const char *const bskip_what[BSKIP_KINDS] = {
	"unknown members skipped", "members not read (links, devices, unsafe names, oversized)",
	"duplicate members skipped", "copies of snapshots already read skipped",
	"attached files kept in the bundle, not analysed",
};
static const char *const bskip_sev[BSKIP_KINDS] = { "warning", "warning", "warning", "warning", "info" };

struct bskip_count {
	uint64_t n;
	char first[160];
};

struct bundle_state {
	struct load *ld;
	const char *path;
	const char *sha256;
	int started;          /* source begun */
	int failed;           /* fatal: stop */
	int hostile;          /* stopped or refused on hostile input: exit non-zero */
	int64_t seq;          /* snapshot being buffered, 0 none */
	int64_t last_seq;     /* the last snapshot loaded, and when it started */
	int64_t last_wall, last_mono;
	int64_t skip_seq;     /* a snapshot refused while buffered: the rest of it is skipped */
	int64_t again_seq;    /* a snapshot whose copy is being skipped (said once a run) */
	int have_meta;        /* meta.json is in m */
	struct bmember *m;
	size_t nm, am;
	size_t buffered;      /* bytes in m */
	struct hashmap names; /* the names in m: a second copy is skipped */
	char *end_reason;
	int have_end;
	uint64_t cut_snapshots;
	uint64_t refused;     /* snapshots skipped: duplicates, out of time order, too big */
	struct bskip_count skips[BSKIP_KINDS];
	char last_member[160];  /* the last one delivered: where a cut happened */
	uint64_t loaded;       /* snapshots loaded */
	struct load_pcap *pcap; /* capture segments (pcap/), NULL until one */
	/* "net/<netns>/<table>" -> its lines last time (struct bmemo), for
	 * the tables of the last snapshot only: that bounds what they keep. */
	struct hashmap memos;
	size_t memo_budget;   /* what they may still hold */
	/* Each snapshot's meta.json is read through these, prepared once: a
	 * statement prepared per snapshot cost 3% of an hour's load. */
	sqlite3_stmt *meta_st, *steps_st;
};

struct bmemo {
	struct row_memo *rows;
	int64_t seq;          /* the snapshot that last read the table */
};

__attribute__((format(printf, 4, 5)))
static void bnote(struct bundle_state *b, const char *member, const char *sev, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (b->started)
		ingest_note(b->ld->ing, member, SM_NONE, sev, msg);
	if (!strcmp(sev, "error") || (!b->ld->opt->quiet && !strcmp(sev, "warning")))
		fprintf(b->ld->msg, "sockmortem: %s: %s: %s\n", b->path, member, msg);
}

/*
 * A skipped member: noted one by one up to BUNDLE_NOTES_MAX of its kind,
 * then only counted; bskip_summary() says how many there were in all.
 */
static void bskip(struct bundle_state *b, int kind, const char *member, const char *msg)
{
	struct bskip_count *k = &b->skips[kind];

	if (!k->n++)
		snprintf(k->first, sizeof(k->first), "%s", member);
	if (k->n <= BUNDLE_NOTES_MAX)
		bnote(b, member, bskip_sev[kind], "%s", msg);
}

static void bskip_summary(struct bundle_state *b)
{
	int i;

	for (i = 0; i < BSKIP_KINDS; i++) {
		const struct bskip_count *k = &b->skips[i];

		if (k->n <= BUNDLE_NOTES_MAX)
			continue;
		bnote(b, "(bundle)", bskip_sev[i], "%llu %s in all, first: '%s' (only the first %d are listed)",
		      (unsigned long long)k->n, bskip_what[i], k->first, BUNDLE_NOTES_MAX);
	}
}

static void bsnap_clear(struct bundle_state *b)
{
	size_t i;

	for (i = 0; i < b->nm; i++) {
		free(b->m[i].name);
		free(b->m[i].data);
	}
	b->nm = 0;
	b->buffered = 0;
	hashmap_clear(&b->names);
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

/* The statement *st, prepared on first use and kept for the next
 * snapshot; reset and unbound when kept. NULL when it cannot be. */
static sqlite3_stmt *bsnap_stmt(sqlite3 *db, sqlite3_stmt **st, const char *sql)
{
	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
	} else if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		sqlite3_finalize(*st);
		*st = NULL;
	}
	return *st;
}

static int64_t column_int_opt(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_INTEGER ? sqlite3_column_int64(st, col) : SM_NONE;
}

/*
 * A snapshot's times and totals from its meta.json, through SQLite's JSON
 * functions (the analyzer needs no JSON parser of its own). Absent or not
 * JSON: SM_NONE each, and complete.
 */
static void bsnap_meta(struct bundle_state *b, const char *meta, size_t len, struct ingest_snapshot_info *sn)
{
	sqlite3_stmt *st = bsnap_stmt(b->ld->db, &b->meta_st,
				      "SELECT json_extract(?1, '$.started.wall_ns'), json_extract(?1, '$.ended.wall_ns'),"
				      " json_extract(?1, '$.started.mono_ns'), json_extract(?1, '$.processes'),"
				      " json_extract(?1, '$.fds'), json_extract(?1, '$.errors'), json_extract(?1, '$.cut')"
				      " WHERE json_valid(?1)");

	sn->wall_ns = sn->ended_ns = sn->mono_ns = sn->processes = sn->fds = sn->errors = SM_NONE;
	sn->complete = 1;
	if (!st)
		return;
	sqlite3_bind_text(st, 1, meta, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sn->wall_ns = column_int_opt(st, 0);
		sn->ended_ns = column_int_opt(st, 1);
		sn->mono_ns = column_int_opt(st, 2);
		sn->processes = column_int_opt(st, 3);
		sn->fds = column_int_opt(st, 4);
		sn->errors = column_int_opt(st, 5);
		sn->complete = sqlite3_column_type(st, 6) == SQLITE_NULL;
	}
	sqlite3_reset(st);   /* lets go of meta, which is freed before the next snapshot */
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
			"sockmortem (%s) reads: format version %d at most; upgrade sockmortem\n", b->path,
			(long long)mf.format_version, SM_VERSION, MANIFEST_FORMAT_VERSION_KNOWN);
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

enum table_kind { TK_INET, TK_UNIX, TK_NETLINK, TK_PACKET, TK_SOCKSTAT, TK_NETSTAT, TK_OTHER };

static enum table_kind table_kind(const char *table)
{
	static const struct {
		const char *name;
		enum table_kind kind;
	} tables[] = {
		{ "tcp", TK_INET }, { "tcp6", TK_INET }, { "udp", TK_INET }, { "udp6", TK_INET },
		{ "udplite", TK_INET }, { "udplite6", TK_INET }, { "raw", TK_INET }, { "raw6", TK_INET },
		{ "unix", TK_UNIX }, { "netlink", TK_NETLINK }, { "packet", TK_PACKET },
		{ "sockstat", TK_SOCKSTAT }, { "sockstat6", TK_SOCKSTAT },
		{ "netstat", TK_NETSTAT }, { "snmp", TK_NETSTAT },
	};
	size_t i;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		if (!strcmp(table, tables[i].name))
			return tables[i].kind;
	return TK_OTHER;   /* known but not loaded (icmp, snmp6) */
}

static void table_parse(const char *table, enum table_kind kind, const char *data, size_t len,
			const struct sm_sink *sink)
{
	switch (kind) {
	case TK_INET: parse_procnet_inet(data, len, table, sink); break;
	case TK_UNIX: parse_procnet_unix(data, len, sink); break;
	case TK_NETLINK: parse_procnet_netlink(data, len, sink); break;
	case TK_PACKET: parse_procnet_packet(data, len, sink); break;
	case TK_SOCKSTAT: parse_sockstat(data, len, sink); break;
	case TK_NETSTAT: parse_netstat_snmp(data, len, sink); break;
	case TK_OTHER: break;
	}
}

/* The memo of a table, made on its first reading. */
static struct row_memo *bsnap_memo(struct bundle_state *b, const char *name, size_t val_size)
{
	struct bmemo *bm;
	int is_new;

	if (b->ld->opt->no_memo || strlen(name) > BSNAP_NAME_MAX)
		return NULL;
	if (b->memos.count >= BSNAP_MEMOS_MAX && !hashmap_get(&b->memos, name, strlen(name)))
		return NULL;
	bm = hashmap_put(&b->memos, name, strlen(name), &is_new);
	if (is_new)
		bm->rows = row_memo_new(val_size, &b->memo_budget);
	bm->seq = b->seq;
	return bm->rows;
}

/* A member just read through memo: its lines point into its text, which
 * the memo now keeps (or frees). */
static void bsnap_memo_adopt(struct row_memo *memo, struct bmember *m)
{
	if (!memo)
		return;
	row_memo_end(memo, m->data, m->size);
	m->data = NULL;
	m->size = 0;
}

/* Forgets the tables this snapshot did not have (all: keep_seq 0). */
static void bsnap_memos_prune(struct bundle_state *b, int64_t keep_seq)
{
	size_t pos = 0, klen;
	const void *key;
	struct bmemo *bm;

	while ((bm = hashmap_next(&b->memos, &pos, &key, &klen)) != NULL)
		if (!keep_seq || bm->seq != keep_seq) {
			row_memo_free(bm->rows);
			hashmap_del(&b->memos, key, klen);
		}
}

static int bsnap_tables(struct bundle_state *b, const char *prefix)
{
	size_t i;

	for (i = 0; i < b->nm; i++) {
		struct bmember *m = &b->m[i];
		const char *slash;
		struct load_sink ls;
		struct sm_sink sink;
		enum table_kind kind;
		uint64_t ns;
		char path[300];

		if (strncmp(m->name, "net/", 4) || !(slash = strchr(m->name + 4, '/')))
			continue;
		if (num_u64(m->name + 4, (size_t)(slash - m->name - 4), 10, &ns) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", prefix, m->name);
		load_sink_init(&ls, b->ld, path, (int64_t)ns);
		kind = table_kind(slash + 1);
		/* socket tables, re-read every snapshot, are worth a memo */
		ls.memo = kind <= TK_PACKET ? bsnap_memo(b, m->name, sizeof(struct ingest_socket_ref)) : NULL;
		sink = load_sink_make(&ls);
		table_parse(slash + 1, kind, m->data, m->size, &sink);
		load_sink_finish(&ls);
		if (ls.failed)
			return -1;
		bsnap_memo_adopt(ls.memo, m);
	}
	return 0;
}

struct bproc {
	int64_t pid;
	const struct bmember *stat, *status, *limits, *cmdline, *comm, *ns;
	struct bmember *fd;       /* its text may go to a memo */
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
	ls.memo = bsnap_memo(b, path + strlen(prefix) + 1, sizeof(struct ingest_fd_ref));
	sink = load_sink_make(&ls);
	parse_fd_listing(p->fd->data, p->fd->size, p->pid, &sink);
	load_sink_finish(&ls);
	bsnap_memo_adopt(ls.memo, p->fd);
	return ls.failed ? -1 : 0;
}

static int bsnap_processes(struct bundle_state *b, const char *prefix)
{
	struct bproc p;
	size_t i;

	memset(&p, 0, sizeof(p));
	for (i = 0; i <= b->nm; i++) {
		struct bmember *m = i < b->nm ? &b->m[i] : NULL;
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
	sqlite3_stmt *st = bsnap_stmt(b->ld->db, &b->steps_st,
				      "SELECT json_extract(value,'$.step'), json_extract(value,'$.name'),"
				      " json_extract(value,'$.outcome'), json_extract(value,'$.us'), value"
				      " FROM json_each(?, '$.steps') WHERE json_valid(?1)");
	int r = 0;

	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, meta, (int)len, SQLITE_STATIC);
	while (r == 0 && sqlite3_step(st) == SQLITE_ROW)
		r = ingest_collection_step(b->ld->ing, (const char *)sqlite3_column_text(st, 0),
					   (const char *)sqlite3_column_text(st, 1),
					   (const char *)sqlite3_column_text(st, 2),
					   sqlite3_column_type(st, 3) == SQLITE_NULL ? SM_NONE : sqlite3_column_int64(st, 3),
					   (const char *)sqlite3_column_text(st, 4));
	sqlite3_reset(st);
	return r < 0 ? -1 : 0;
}

static int is_pprof_index(const char *name)
{
	return !strcmp(name, "pprof/fetches.json") || !strcmp(name, "pprof/fetches-after.json");
}

/*
 * When a pprof fetch ended, from the index written after its dump: the
 * snapshot's pprof/fetches.json, or fetches-after.json for the final
 * round's fetches that the collector appended after the last meta.json.
 * An entry names its dump's member (a name repeats as <what>.2.txt when
 * two rounds ended between two writes); bundles before that are matched
 * by what and pid. *cut: the collector stopped at its size cap.
 */
static int64_t pprof_fetch_time(struct bundle_state *b, size_t dump, const char *member, const char *what,
				int64_t pid, int *cut)
{
	const struct bmember *idx = NULL;
	sqlite3_stmt *st = NULL;
	int64_t t = SM_NONE;
	size_t i;

	*cut = 0;
	for (i = dump + 1; i < b->nm && !idx; i++)
		if (is_pprof_index(b->m[i].name))
			idx = &b->m[i];
	if (!idx || sqlite3_prepare_v2(b->ld->db, "SELECT json_extract(value, '$.ended.wall_ns'),"
				       " json_extract(value, '$.outcome') = 'truncated' FROM json_each(?)"
				       " WHERE json_valid(?1) AND (json_extract(value, '$.member') = ?2 OR"
				       " (json_extract(value, '$.member') IS NULL AND json_extract(value, '$.what') = ?3"
				       " AND json_extract(value, '$.pid') = ?4)) ORDER BY json_extract(value, '$.member')"
				       " IS NULL, key LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return SM_NONE;
	sqlite3_bind_text(st, 1, idx->data, (int)idx->size, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, member, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, pid);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_INTEGER)
			t = sqlite3_column_int64(st, 0);
		*cut = sqlite3_column_int(st, 1);
	}
	sqlite3_finalize(st);
	return t;
}

/* The outcomes in fetches-after.json are in no meta.json: steps of their own. */
static int bsnap_pprof_after(struct bundle_state *b)
{
	size_t i;

	for (i = 0; i < b->nm; i++) {
		const struct bmember *m = &b->m[i];
		sqlite3_stmt *st = NULL;
		int rc = SQLITE_DONE;

		if (strcmp(m->name, "pprof/fetches-after.json"))
			continue;
		if (sqlite3_prepare_v2(b->ld->db, "SELECT json_extract(value,'$.what'), json_extract(value,'$.outcome'),"
				       " json_extract(value,'$.us'), value FROM json_each(?) WHERE json_valid(?1)",
				       -1, &st, NULL) != SQLITE_OK)
			return 0;
		sqlite3_bind_text(st, 1, m->data, (int)m->size, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (ingest_collection_step(b->ld->ing, "pprof", (const char *)sqlite3_column_text(st, 0),
						   (const char *)sqlite3_column_text(st, 1),
						   sqlite3_column_type(st, 2) == SQLITE_INTEGER ?
						   sqlite3_column_int64(st, 2) : SM_NONE,
						   (const char *)sqlite3_column_text(st, 3)) < 0)
				break;
		sqlite3_finalize(st);
		if (rc == SQLITE_ROW)
			return -1;
	}
	return 0;
}

/* Goroutine dumps fetched with --pprof: pprof/<pid>/<what>.txt */
static int bsnap_pprof(struct bundle_state *b, const char *prefix, int64_t snap_wall)
{
	size_t i;

	for (i = 0; i < b->nm; i++) {
		const struct bmember *m = &b->m[i];
		const char *slash, *file;
		char what[64], path[300];
		struct ingest_dump_info di;
		uint64_t pid;
		int64_t t;
		size_t wl;
		int r, cut;

		if (strncmp(m->name, "pprof/", 6) || !(slash = strchr(m->name + 6, '/')) ||
		    num_u64(m->name + 6, (size_t)(slash - m->name - 6), 10, &pid) < 0)
			continue;
		file = slash + 1;
		wl = strlen(file);
		if (wl < 5 || wl >= sizeof(what) || strcmp(file + wl - 4, ".txt"))
			continue;
		memcpy(what, file, wl - 4);
		what[wl - 4] = '\0';
		snprintf(path, sizeof(path), "%s/%s", prefix, m->name);
		t = pprof_fetch_time(b, i, path, what, (int64_t)pid, &cut);
		di = (struct ingest_dump_info){ .path = path, .pid = (int64_t)pid, .wall_ns = t != SM_NONE ? t : snap_wall };
		r = load_dump(b->ld, &di, strstr(what, "debug2") ? FMT_GOROUTINE : FMT_GOROUTINE_DEBUG1, m->data,
			      m->size, cut, NULL);
		if (r == -1)
			return -1;
	}
	return 0;
}

/* An --attach file: analysed if it is a goroutine dump, kept otherwise. */
static int bundle_attachment(struct bundle_state *b, const struct ar_member *m)
{
	struct ingest_dump_info di;
	enum sm_format f;

	if (!strcmp(m->name, "attach/index.json"))
		return 0;
	f = detect_format(m->data, m->size, m->name);
	if (!format_is_dump(f)) {
		bskip(b, BSKIP_KEPT, m->name, "attached file kept in the bundle, not analysed");
		return 0;
	}
	di = (struct ingest_dump_info){ .path = m->name, .pid = SM_NONE, .wall_ns = m->mtime * 1000000000 };
	return load_dump(b->ld, &di, f, m->data, m->size, 0, NULL) == -1 ? -1 : 0;
}

/*
 * Snapshots are loaded in the order of their numbers, and the views and
 * rules take durations from their start times in that order. The
 * monotonic clock cannot step back within a recording, so a snapshot it
 * puts no later than the one loaded before it is a copy or an altered
 * bundle: skipped, and said (returns 1). A wall clock stepped back (NTP)
 * with the monotonic clock moving on is a real recording: loaded, and said.
 * Without monotonic times the wall clock decides.
 */
static int bsnap_out_of_time(struct bundle_state *b, const struct ingest_snapshot_info *sn, const char *prefix)
{
	int by_mono = sn->mono_ns != SM_NONE && b->last_mono != SM_NONE;
	int64_t now = by_mono ? sn->mono_ns : sn->wall_ns, before = by_mono ? b->last_mono : b->last_wall;
	const char *clock = by_mono ? "monotonic" : "wall";

	if (!b->loaded || now == SM_NONE || before == SM_NONE)
		return 0;
	if (now > before) {
		if (by_mono && sn->wall_ns != SM_NONE && b->last_wall != SM_NONE && sn->wall_ns <= b->last_wall)
			bnote(b, prefix, "warning", "the wall clock stepped back %.3f s since snapshot %lld (the "
			      "monotonic clock did not): loaded; wall-clock durations across it are off",
			      ((double)b->last_wall - (double)sn->wall_ns) / 1e9, (long long)b->last_seq);
		return 0;
	}
	if (now == before)
		bnote(b, prefix, "warning", "starts at the same time as snapshot %lld (%s clock): a duplicate, skipped",
		      (long long)b->last_seq, clock);
	else
		bnote(b, prefix, "warning", "starts %.3f s before snapshot %lld, which precedes it (%s clock; an "
		      "altered bundle): out of time order, skipped", ((double)before - (double)now) / 1e9,
		      (long long)b->last_seq, clock);
	b->refused++;
	return 1;
}

/* Loads the buffered snapshot if complete. */
static int bsnap_flush(struct bundle_state *b)
{
	struct ingest_snapshot_info sn;
	const char *meta;
	size_t mlen;
	char prefix[32];

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
	bsnap_meta(b, meta, mlen, &sn);
	if (bsnap_out_of_time(b, &sn, prefix)) {
		bsnap_clear(b);
		return 0;
	}
	if (ingest_snapshot_begin(b->ld->ing, &sn) < 0 || bsnap_tables(b, prefix) < 0 ||
	    bsnap_processes(b, prefix) < 0 || bsnap_pprof(b, prefix, sn.wall_ns) < 0 || bsnap_errors(b) < 0 ||
	    bsnap_steps(b, meta, mlen) < 0 || bsnap_pprof_after(b) < 0 || ingest_snapshot_end(b->ld->ing) < 0)
		return -1;
	bsnap_memos_prune(b, b->seq);
	b->last_seq = b->seq;
	b->last_wall = sn.wall_ns;
	b->last_mono = sn.mono_ns;
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

/* "NUMBER/NAME", as in net/<netns>/<table> and proc/<pid>/<file>? */
static int num_slash_name(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && s[n] == '/' && s[n + 1] && !strchr(s + n + 1, '/');
}

/*
 * Is rest (a member of a snapshot) one the loader reads? *known says
 * whether it is in the bundle format at all: tools/ output is, but is not
 * analysed; whatever is in neither is an unknown member.
 */
static int bsnap_wanted(const char *rest, int *known)
{
	*known = 1;
	if (!strncmp(rest, "tools/", 6))
		return 0;
	if (strlen(rest) <= BSNAP_NAME_MAX &&
	    (!strcmp(rest, "meta.json") || !strcmp(rest, "errors.tsv") || !strncmp(rest, "pprof/", 6) ||
	     (!strncmp(rest, "net/", 4) && num_slash_name(rest + 4)) ||
	     (!strncmp(rest, "proc/", 5) && num_slash_name(rest + 5))))
		return 1;
	*known = 0;
	return 0;
}

/* Refuses the snapshot being buffered: too big to hold. */
static void bsnap_refuse(struct bundle_state *b, int64_t seq, const char *member)
{
	bnote(b, member, "error", "snapshot %lld holds more than %zu members or %zu MiB: not loaded "
	      "(the rest of it is skipped)", (long long)seq, BSNAP_MEMBERS_MAX, BSNAP_BYTES_MAX >> 20);
	b->refused++;
	b->hostile = 1;
	b->skip_seq = seq;
	bsnap_clear(b);
}

/* A member of a snapshot read before (a copy, or out of order): said once
 * for each run of such members, not once a member. */
static void bsnap_again(struct bundle_state *b, int64_t seq, const char *member, const char *msg)
{
	if (b->again_seq != seq)
		bskip(b, BSKIP_AGAIN, member, msg);
	b->again_seq = seq;
}

/* Buffers one member of snapshot seq (rest: its name inside it). */
static void bsnap_member(struct bundle_state *b, int64_t seq, const char *rest, const struct ar_member *m)
{
	int known, is_new = 0;

	if (seq == b->skip_seq)
		return;
	if (seq <= b->last_seq) {
		bsnap_again(b, seq, m->name, "snapshot already loaded (a copy, or out of order): this copy skipped");
		return;
	}
	if (!bsnap_wanted(rest, &known)) {
		if (!known)
			bskip(b, BSKIP_UNKNOWN, m->name, "unknown member: skipped");
		return;
	}
	hashmap_put(&b->names, rest, strlen(rest), &is_new);
	if (!is_new && b->have_meta) {
		bsnap_again(b, seq, m->name, "snapshot seen again after its meta.json (a copy): the first "
			    "one is loaded, this copy skipped");
		return;
	}
	if (!is_new) {
		bskip(b, BSKIP_DUP, m->name, "duplicate member: the first copy is loaded, this one skipped");
		return;
	}
	if (b->nm >= BSNAP_MEMBERS_MAX || m->size > BSNAP_BYTES_MAX - b->buffered) {
		bsnap_refuse(b, seq, m->name);
		return;
	}
	if (b->nm == b->am) {
		b->am = b->am ? b->am * 2 : 256;
		b->m = xreallocarray(b->m, b->am, sizeof(*b->m));
	}
	b->seq = seq;
	b->again_seq = 0;
	b->m[b->nm].name = xstrdup(rest);
	b->m[b->nm].data = ar_member_take(m);
	b->m[b->nm].size = m->size;
	b->nm++;
	b->buffered += m->size;
	if (!strcmp(rest, "meta.json"))
		b->have_meta = 1;
}

/* pcap/seg-NNNNNN.pcap (or .pcapng) and its .json: the rest is unknown. */
static int bundle_pcap_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".pcap")) || (n > 7 && !strcmp(name + n - 7, ".pcapng")) ||
	       (n > 5 && !strcmp(name + n - 5, ".json"));
}

static int bundle_member(void *ctx, const struct ar_member *m)
{
	struct bundle_state *b = ctx;
	const char *rest = NULL;
	int64_t seq;

	snprintf(b->last_member, sizeof(b->last_member), "%s", m->name);
	/* The first member delivered (a link before it was skipped, and said). */
	if (!b->started) {
		int r = bundle_manifest(b, m);
		if (r != 0) {
			b->failed = r < 0 ? -1 : 1;
			return 1;
		}
		return 0;
	}
	/* Capture segments are written between a snapshot's members and its
	 * meta.json: they must not end the snapshot being buffered. */
	if (!strncmp(m->name, "pcap/", 5)) {
		if (bundle_pcap_name(m->name))
			return bundle_pcap(b, m);
		bskip(b, BSKIP_UNKNOWN, m->name, "unknown member: skipped");
		return 0;
	}
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
			bskip(b, BSKIP_UNKNOWN, m->name, "unknown member: skipped");
		}
		return 0;
	}
	bsnap_member(b, seq, rest, m);
	return 0;
}

static void bundle_ar_note(void *ctx, const char *member, uint64_t offset, const char *msg)
{
	struct bundle_state *b = ctx;
	char text[600];

	snprintf(text, sizeof(text), "%s (at byte %llu)", msg, (unsigned long long)offset);
	bskip(b, BSKIP_ARCHIVE, member, text);
}

/* The bundle's hash, computed while it loaded: into its source. */
static int bundle_hash_done(struct bundle_state *b, struct load_hash **hash)
{
	char sha[65];
	int r;

	r = load_hash_finish(*hash, sha);
	*hash = NULL;
	if (r < 0) {
		fprintf(b->ld->msg, "sockmortem: cannot read '%s'\n", b->path);
		return -1;
	}
	return ingest_source_sha256(b->ld->ing, sha);
}

int load_bundle(struct load *ld, const char *path, const char *sha256, struct load_hash *hash)
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
	/* decompression and tar on the second core, ahead of the parsers */
	o.threaded = 1;
	hashmap_init(&b.names, BSNAP_NAME_MAX, 0);
	hashmap_init(&b.memos, BSNAP_NAME_MAX, sizeof(struct bmemo));
	b.memo_budget = BSNAP_MEMO_BYTES;
	if (load_begin(ld) < 0) {
		load_hash_drop(hash);
		return -1;
	}
	rc = ar_walk(path, &o, &res);
	if (b.failed > 0)   /* already loaded */
		goto dup;
	if (b.failed < 0 || !b.started)
		goto fail;
	if (rc < 0 && res.error[0]) {
		/* A bomb is not a cut: the snapshots before it are kept, but the
		 * load fails. */
		if (res.hostile)
			b.hostile = 1;
		bnote(&b, "(archive)", res.hostile ? "error" : "warning",
		      "%s: %s (at compressed byte %llu; the last whole member: '%s')",
		      res.hostile ? "stopped" : "bundle cut short", res.error, (unsigned long long)res.offset,
		      b.last_member);
	}
	/* A snapshot still buffered at the end is complete only if its meta came. */
	if (bsnap_flush(&b) < 0)
		goto fail;
	/* the capture is tied to sockets by their whole intervals: close them first */
	if (b.pcap && (ingest_source_close(ld->ing) < 0 || load_pcap_finish(b.pcap) < 0))
		goto fail;
	if (hash && (r = bundle_hash_done(&b, &hash)) != 0) {
		if (r < 0)
			goto fail;
		r = 0;
		goto dup;   /* its hash, known only now, was loaded before */
	}
	if (!b.have_end)
		bnote(&b, "end.json", "warning", "%s", "missing: the collector did not finish (killed, or the bundle is truncated)");
	bskip_summary(&b);
	if (ingest_source_end(ld->ing, b.have_end && !b.cut_snapshots && rc == 0 && !b.hostile, b.end_reason) < 0)
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
		fprintf(ld->msg, "sockmortem: loaded bundle '%s': %llu snapshots%s%s\n", path, (unsigned long long)b.loaded,
			b.refused ? " (some skipped: see load_notes)" : "",
			!b.have_end || b.cut_snapshots || rc < 0 ? " (cut short: see `sockmortem info`)" : "");
	if (b.hostile) {
		ld->rep.failed++;
		r = -1;
	}
	goto out;
dup:
	ld->rep.skipped_dup++;
	if (!ld->opt->quiet)
		fprintf(ld->msg, "sockmortem: '%s': already loaded, skipped\n", path);
	goto out_rollback;
fail:
	if (b.failed < 0 || !b.started)
		fprintf(ld->msg, "sockmortem: %s: %s\n", path,
			ingest_error(ld->ing)[0] ? ingest_error(ld->ing) : res.error[0] ? res.error : "cannot load bundle");
	ld->rep.failed++;
	r = -1;
out_rollback:
	load_rollback(ld);
out:
	load_hash_drop(hash);
	bsnap_clear(&b);
	hashmap_free(&b.names);
	bsnap_memos_prune(&b, 0);
	hashmap_free(&b.memos);
	free(b.m);
	free(b.end_reason);
	sqlite3_finalize(b.meta_st);
	sqlite3_finalize(b.steps_st);
	load_pcap_free(b.pcap);
	return r;
}
