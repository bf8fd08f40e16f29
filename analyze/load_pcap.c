/*
 * load_pcap: captures into the database; see load_pcap.h.
 *
 * One tcp_track per source: the collector rotates segments by size, not
 * by connection, so a connection often starts in one segment and ends in
 * the next. A connection's capture_id is the segment its first packet was
 * in (found by time). The segment's .json follows its .pcap: its kernel
 * counters are cumulative since the capture started, so each captures row
 * gets the difference from the previous segment (a sum over a source is
 * the total).
 */
#include "load_pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ingest_pcap.h"
#include "parse_pcap.h"
#include "strbuf.h"
#include "tcp_track.h"

struct lp_seg {
	int64_t capture_id;
	int64_t first_ns;         /* first packet, SM_NONE while unknown */
};

struct load_pcap {
	struct load *ld;
	int64_t source_id;
	struct ingest_pcap *ip;
	struct tcp_track *tt;
	struct lp_seg *segs;
	size_t nseg, aseg;
	const char *path;         /* capture being parsed, for notes */
	int failed;               /* a database error in a callback */
	uint64_t conns, packets;
	int64_t prev_recv, prev_drop, prev_ifdrop;
	char first_warn[256];     /* of the capture being parsed, for messages */
	uint64_t first_warn_at;
};

struct load_pcap *load_pcap_new(struct load *ld, int64_t source_id)
{
	struct load_pcap *lp = xcalloc(1, sizeof(*lp));

	lp->ld = ld;
	lp->source_id = source_id;
	lp->ip = ingest_pcap_new(ld->db);
	if (!lp->ip) {
		fprintf(ld->msg, "sockmortem: database: cannot prepare the capture tables: %s\n",
			sqlite3_errmsg(ld->db));
		free(lp);
		return NULL;
	}
	lp->prev_recv = lp->prev_drop = lp->prev_ifdrop = 0;
	return lp;
}

void load_pcap_free(struct load_pcap *lp)
{
	if (!lp)
		return;
	tcp_track_free(lp->tt);
	ingest_pcap_free(lp->ip);
	free(lp->segs);
	free(lp);
}

uint64_t load_pcap_segments(const struct load_pcap *lp)
{
	return lp ? lp->nseg : 0;
}

/* The segment holding a connection's first packet: the last one that
 * started at or before it (segments come in time order). */
static int64_t lp_capture_for(const struct load_pcap *lp, int64_t first_ns)
{
	size_t i = lp->nseg;

	while (i > 1 && (lp->segs[i - 1].first_ns == SM_NONE || lp->segs[i - 1].first_ns > first_ns))
		i--;
	return lp->segs[i - 1].capture_id;
}

static int lp_conn(void *ctx, const struct tcp_conn *c)
{
	struct load_pcap *lp = ctx;

	if (ingest_tcp_conn(lp->ip, lp->source_id, lp_capture_for(lp, c->first_ns), c) < 0) {
		lp->failed = 1;
		return -1;
	}
	lp->conns++;
	return 0;
}

static int lp_packet(void *ctx, const struct sm_packet_row *r)
{
	struct load_pcap *lp = ctx;
	struct lp_seg *s = &lp->segs[lp->nseg - 1];

	if (s->first_ns == SM_NONE || r->ts_ns < s->first_ns)
		s->first_ns = r->ts_ns;
	return tcp_track_packet(lp->tt, r);
}

static void lp_warn(void *ctx, uint64_t offset, const char *msg)
{
	struct load_pcap *lp = ctx;

	if (!lp->first_warn[0]) {
		snprintf(lp->first_warn, sizeof(lp->first_warn), "%s", msg);
		lp->first_warn_at = offset;
	}
	/* parse_pcap caps its own warnings (PCAP_MAX_WARN). */
	if (ingest_note(lp->ld->ing, lp->path, (int64_t)offset, "warning", msg) < 0)
		lp->failed = 1;
}

/*
 * Parse one capture (from f, else from data/len) as a new captures row.
 * Returns 0, 1 when it is not a capture we can read (said in a note), -1
 * on a database error.
 */
static int lp_capture(struct load_pcap *lp, const char *path, FILE *f, const char *data, size_t len,
		      struct pcap_stats_out *st)
{
	struct ingest_capture_info ci;
	struct sm_sink sink;
	int64_t id;
	int r;

	if (!lp->tt)
		lp->tt = tcp_track_new(NULL, lp_conn, lp);
	id = ingest_capture_begin(lp->ip, lp->source_id, path);
	if (id < 0) {
		if (f)
			fclose(f);
		return -1;
	}
	if (lp->nseg == lp->aseg) {
		lp->aseg = lp->aseg ? 2 * lp->aseg : 8;
		lp->segs = xreallocarray(lp->segs, lp->aseg, sizeof(*lp->segs));
	}
	lp->segs[lp->nseg].capture_id = id;
	lp->segs[lp->nseg].first_ns = SM_NONE;
	lp->nseg++;
	memset(&sink, 0, sizeof(sink));
	sink.ctx = lp;
	sink.packet = lp_packet;
	sink.warn = lp_warn;
	lp->path = path;
	lp->first_warn[0] = '\0';
	r = f ? parse_pcap_fp(f, &sink, st) : parse_pcap(data, len, &sink, st);
	if (lp->failed)
		return -1;
	memset(&ci, 0, sizeof(ci));
	ci.linktype = parse_pcap_linktype_name(st->linktype);
	ci.packets = st->packets;
	ci.tcp = st->tcp;
	ci.non_tcp = st->non_tcp;
	ci.truncated = st->truncated;
	ci.cut = st->cut;
	ci.malformed = st->malformed;
	ci.wire_bytes = st->wire_bytes;
	ci.first_ns = st->first_ns;
	ci.last_ns = st->last_ns;
	ci.read_error = st->read_error;
	lp->packets += st->packets;
	if (ingest_capture_end(lp->ip, id, &ci) < 0)
		return -1;
	return r < 0 ? 1 : 0;
}

/* A counter from the segment's JSON, SM_NONE when absent. */
static int64_t lp_json_int(sqlite3 *db, const char *json, size_t len, const char *key)
{
	sqlite3_stmt *st = NULL;
	int64_t v = SM_NONE;

	if (sqlite3_prepare_v2(db, "SELECT json_extract(?1, ?2) WHERE json_valid(?1)", -1, &st, NULL) != SQLITE_OK)
		return SM_NONE;
	sqlite3_bind_text(st, 1, json, (int)len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_INTEGER)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* This segment's share of a cumulative counter. */
static int64_t lp_delta(int64_t cum, int64_t *prev)
{
	int64_t d;

	if (cum == SM_NONE)
		return SM_NONE;
	d = cum >= *prev ? cum - *prev : cum;   /* went down: a new capture handle */
	*prev = cum;
	return d;
}

static int lp_segment_json(struct load_pcap *lp, const char *name, const char *data, size_t len)
{
	struct strbuf pcap = STRBUF_INIT;
	sqlite3 *db = lp->ld->db;
	int64_t recv, drop, ifdrop, coll;
	int r;

	if (len > INT32_MAX)
		return 0;
	recv = lp_delta(lp_json_int(db, data, len, "$.kernel_received"), &lp->prev_recv);
	drop = lp_delta(lp_json_int(db, data, len, "$.kernel_dropped"), &lp->prev_drop);
	ifdrop = lp_delta(lp_json_int(db, data, len, "$.interface_dropped"), &lp->prev_ifdrop);
	coll = lp_json_int(db, data, len, "$.dropped_by_collector");
	strbuf_add(&pcap, name, strlen(name) - 5);
	strbuf_addstr(&pcap, ".pcap");
	r = ingest_capture_drops(lp->ip, lp->source_id, pcap.buf, recv, drop, ifdrop, coll);
	strbuf_release(&pcap);
	if (r < 0)
		fprintf(lp->ld->msg, "sockmortem: %s\n", ingest_pcap_error(lp->ip));
	if (drop > 0 && !lp->ld->opt->quiet)
		fprintf(lp->ld->msg, "sockmortem: %s: the kernel dropped %lld packets during this segment: "
			"connections in it may look incomplete\n", name, (long long)drop);
	return r;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

int load_pcap_member(struct load_pcap *lp, const char *name, const char *data, size_t len)
{
	struct pcap_stats_out st;
	int r;

	if (ends_with(name, ".json"))
		return lp_segment_json(lp, name, data, len);
	if (!ends_with(name, ".pcap") && !ends_with(name, ".pcapng")) {
		ingest_note(lp->ld->ing, name, SM_NONE, "warning", "unknown member under pcap/: skipped");
		return 0;
	}
	r = lp_capture(lp, name, NULL, data, len, &st);
	if (r < 0) {
		fprintf(lp->ld->msg, "sockmortem: %s\n", ingest_pcap_error(lp->ip));
		return -1;
	}
	if ((r > 0 || st.read_error) && !lp->ld->opt->quiet)
		fprintf(lp->ld->msg, "sockmortem: %s: capture segment %s: %s (at byte %llu)\n", name,
			r > 0 ? "unreadable" : "damaged, read up to the bad record",
			lp->first_warn[0] ? lp->first_warn : "?", (unsigned long long)lp->first_warn_at);
	return 0;
}

int load_pcap_finish(struct load_pcap *lp)
{
	if (lp->tt && tcp_track_finish(lp->tt) != 0) {
		fprintf(lp->ld->msg, "sockmortem: %s\n", ingest_pcap_error(lp->ip));
		return -1;
	}
	if (!lp->nseg)
		return 0;
	if (ingest_pcap_tie(lp->ip, lp->source_id) < 0 || ingest_close_delays(lp->ip, lp->source_id) < 0) {
		fprintf(lp->ld->msg, "sockmortem: %s\n", ingest_pcap_error(lp->ip));
		return -1;
	}
	return 0;
}

/* --- loose captures ---------------------------------------------------------- */

/* One loose capture, from f (consumed) or data: a source of kind pcap. */
static int lp_loose(struct load *ld, const char *path, FILE *f, const char *data, size_t len, const char *sha)
{
	struct ingest_source_info si;
	struct pcap_stats_out st;
	struct load_pcap *lp = NULL;
	int r;

	memset(&si, 0, sizeof(si));
	si.kind = "pcap";
	si.path = path;
	si.sha256 = sha;
	si.format_version = SM_NONE;
	if (load_begin(ld) < 0)
		goto fail_nodb;
	r = ingest_source_begin(ld->ing, &si);
	if (r == 1) {
		if (f)
			fclose(f);
		load_rollback(ld);
		ld->rep.skipped_dup++;
		if (!ld->opt->quiet)
			fprintf(ld->msg, "sockmortem: '%s': already loaded, skipped\n", path);
		return 0;
	}
	if (r < 0) {
		fprintf(ld->msg, "sockmortem: '%s': %s\n", path, ingest_error(ld->ing));
		goto fail;
	}
	lp = load_pcap_new(ld, ingest_source_id(ld->ing));
	if (!lp)
		goto fail;
	r = lp_capture(lp, path, f, data, len, &st);
	f = NULL;
	if (r < 0) {
		fprintf(ld->msg, "sockmortem: '%s': %s\n", path, ingest_pcap_error(lp->ip));
		goto fail;
	}
	if (r > 0) {
		fprintf(ld->msg, "sockmortem: '%s': %s (at byte %llu)\n", path,
			lp->first_warn[0] ? lp->first_warn : "not a pcap or pcapng capture",
			(unsigned long long)lp->first_warn_at);
		goto fail;
	}
	if (load_pcap_finish(lp) < 0 || ingest_source_end(ld->ing, !st.read_error, NULL) < 0 ||
	    ingest_pcap_source_times(lp->ip, lp->source_id) < 0 || load_commit(ld) < 0)
		goto fail;
	ld->rep.loaded++;
	if (st.read_error)
		ld->rep.cut++;
	if (!ld->opt->quiet)
		fprintf(ld->msg, "sockmortem: loaded '%s' as pcap (%s): %llu packets, %llu TCP segments, "
			"%llu connections%s\n", path, parse_pcap_linktype_name(st.linktype),
			(unsigned long long)st.packets, (unsigned long long)st.tcp, (unsigned long long)lp->conns,
			st.read_error ? " (the file ends in a damaged record: see load_notes)" : "");
	load_pcap_free(lp);
	return 0;
fail:
	load_rollback(ld);
fail_nodb:
	if (f)
		fclose(f);
	load_pcap_free(lp);
	ld->rep.failed++;
	return -1;
}

int load_pcap_file(struct load *ld, const char *path)
{
	char sha[65];
	FILE *f;

	if (load_sha256_file(path, sha) < 0) {
		fprintf(ld->msg, "sockmortem: cannot read '%s'\n", path);
		ld->rep.failed++;
		return -1;
	}
	f = fopen(path, "rbe");
	if (!f) {
		fprintf(ld->msg, "sockmortem: cannot open '%s': %s\n", path, strerror(errno));
		ld->rep.failed++;
		return -1;
	}
	return lp_loose(ld, path, f, NULL, 0, sha);
}

int load_pcap_buf(struct load *ld, const char *path, const char *data, size_t len, const char *sha256)
{
	return lp_loose(ld, path, NULL, data, len, sha256);
}
