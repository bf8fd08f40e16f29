/* timeline: merged events from v_timeline; see timeline.h. */
#include "timeline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Within one instant: what was loaded, then the snapshot, then what it showed. */
static const char timeline_order[] =
	" ORDER BY wall_ns, CASE kind WHEN 'source' THEN 0 WHEN 'snapshot' THEN 1 WHEN 'errors' THEN 2"
	" WHEN 'process_start' THEN 3 WHEN 'transition' THEN 4 WHEN 'fd_jump' THEN 5 WHEN 'orphans' THEN 6"
	" WHEN 'dump' THEN 7 WHEN 'closes' THEN 8 WHEN 'close_delay' THEN 9 ELSE 10 END,"
	" host, pid, a, b";

static const char timeline_where[] =
	" WHERE wall_ns IS NOT NULL AND (?1 IS NULL OR pid = ?1 OR kind IN ('source', 'snapshot'))"
	" AND (?2 IS NULL OR wall_ns >= ?2) AND (?3 IS NULL OR wall_ns < ?3)";

/* The capture tables come with pcap support; older databases lack them. */
static int timeline_has_captures(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int n = 0;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name IN"
				   " ('tcp_conns', 'close_delays', 'v_timeline_conns')", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n == 3;
}

static const char *tl_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static void timeline_read(sqlite3_stmt *st, struct timeline_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->wall_ns = ev->last_wall_ns = sqlite3_column_int64(st, 0);
	ev->snapshot_id = ev->last_snapshot_id = sqlite3_column_int64(st, 1);
	ev->count = 1;
	ev->host = tl_text(st, 2);
	ev->process_id = sqlite3_column_int64(st, 3);
	ev->pid = sqlite3_column_int64(st, 4);
	ev->comm = tl_text(st, 5);
	ev->kind = tl_text(st, 6);
	ev->has_n = sqlite3_column_type(st, 7) != SQLITE_NULL;
	ev->n = sqlite3_column_int64(st, 7);
	ev->a = tl_text(st, 8);
	ev->b = tl_text(st, 9);
	ev->detail = tl_text(st, 10);
}

/* A snapshot event kept past its statement row (copied host). */
struct timeline_snap {
	struct timeline_event ev;
	char *host;
};

/*
 * Snapshots are held back: the latest one (held) until the next row says
 * whether anything happened after it, and before it the run of snapshots
 * after which nothing did (run), reported as one event.
 */
struct timeline_snaps {
	struct timeline_snap run, held;
};

static void timeline_snap_set(struct timeline_snap *s, const struct timeline_event *ev)
{
	s->ev = *ev;
	s->host = ev->host ? xstrdup(ev->host) : NULL;
	s->ev.host = s->host;
	s->ev.kind = "snapshot";
	s->ev.a = s->ev.b = s->ev.detail = s->ev.comm = NULL;
}

static int timeline_snap_flush(struct timeline_snap *s, timeline_cb cb, void *ctx)
{
	int r;

	if (!s->ev.count)
		return 0;
	r = cb(ctx, &s->ev);
	free(s->host);
	memset(s, 0, sizeof(*s));
	return r;
}

static int timeline_same_host(const struct timeline_snap *a, const struct timeline_snap *b)
{
	return !strcmp(a->host ? a->host : "", b->host ? b->host : "");
}

/* The held snapshot had nothing after it: into the run. */
static int timeline_hold_to_run(struct timeline_snaps *ts, timeline_cb cb, void *ctx)
{
	int r;

	if (!ts->held.ev.count)
		return 0;
	if (ts->run.ev.count && timeline_same_host(&ts->run, &ts->held)) {
		ts->run.ev.count++;
		ts->run.ev.last_wall_ns = ts->held.ev.wall_ns;
		ts->run.ev.last_snapshot_id = ts->held.ev.snapshot_id;
		free(ts->held.host);
		memset(&ts->held, 0, sizeof(ts->held));
		return 0;
	}
	if ((r = timeline_snap_flush(&ts->run, cb, ctx)) != 0)
		return r;
	ts->run = ts->held;
	memset(&ts->held, 0, sizeof(ts->held));
	return 0;
}

static int timeline_snaps_add(struct timeline_snaps *ts, const struct timeline_event *ev, timeline_cb cb, void *ctx)
{
	int r = timeline_hold_to_run(ts, cb, ctx);

	if (!r)
		timeline_snap_set(&ts->held, ev);
	return r;
}

/* Something happened after the held snapshot: it stands alone. */
static int timeline_snaps_flush(struct timeline_snaps *ts, timeline_cb cb, void *ctx)
{
	int r = timeline_snap_flush(&ts->run, cb, ctx);

	return r ? r : timeline_snap_flush(&ts->held, cb, ctx);
}

static void timeline_snaps_free(struct timeline_snaps *ts)
{
	free(ts->run.host);
	free(ts->held.host);
}

int timeline_walk(sqlite3 *db, const struct timeline_filter *f, timeline_cb cb, void *ctx, char **err)
{
	struct strbuf sql = STRBUF_INIT;
	struct timeline_snaps ts;
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE, r = 0;

	memset(&ts, 0, sizeof(ts));
	strbuf_addstr(&sql, "SELECT wall_ns, snapshot_id, host, process_id, pid, comm, kind, n, a, b, detail FROM (");
	strbuf_addstr(&sql, "SELECT * FROM v_timeline");
	if (timeline_has_captures(db))
		strbuf_addstr(&sql, " UNION ALL SELECT * FROM v_timeline_conns");
	strbuf_addstr(&sql, ")");
	strbuf_addstr(&sql, timeline_where);
	strbuf_addstr(&sql, timeline_order);
	if (sqlite3_prepare_v2(db, sql.buf, -1, &st, NULL) != SQLITE_OK)
		goto fail;
	if (f->pid)
		sqlite3_bind_int64(st, 1, f->pid);
	if (f->have_since)
		sqlite3_bind_int64(st, 2, f->since_ns);
	if (f->have_until)
		sqlite3_bind_int64(st, 3, f->until_ns);
	while (!r && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct timeline_event ev;

		timeline_read(st, &ev);
		if (!strcmp(ev.kind ? ev.kind : "", "snapshot")) {
			r = timeline_snaps_add(&ts, &ev, cb, ctx);
			continue;
		}
		if ((r = timeline_snaps_flush(&ts, cb, ctx)) == 0)
			r = cb(ctx, &ev);
	}
	if (!r && rc != SQLITE_DONE)
		goto fail;
	if (!r)
		r = timeline_hold_to_run(&ts, cb, ctx);
	if (!r)
		r = timeline_snaps_flush(&ts, cb, ctx);
	timeline_snaps_free(&ts);
	sqlite3_finalize(st);
	strbuf_release(&sql);
	return r;
fail:
	strbuf_reset(&sql);
	strbuf_addf(&sql, "timeline: %s", sqlite3_errmsg(db));
	*err = strbuf_detach(&sql, NULL);
	timeline_snaps_free(&ts);
	sqlite3_finalize(st);
	return -1;
}

static void tl_who(struct strbuf *sb, const struct timeline_event *ev)
{
	if (ev->pid)
		strbuf_addf(sb, "pid %lld (%s)", (long long)ev->pid, ev->comm ? ev->comm : "?");
	else
		strbuf_addstr(sb, "no owner");
}

static const char *tl_s(const char *s)
{
	return s ? s : "?";
}

/* "->" as the arrow the output uses. */
static void tl_arrows(struct strbuf *sb, const char *s, int utf8)
{
	const char *p;

	while ((p = strstr(s, "->")) != NULL) {
		strbuf_add(sb, s, (size_t)(p - s));
		strbuf_addstr(sb, utf8 ? "→" : "->");
		s = p + 2;
	}
	strbuf_addstr(sb, s);
}

static void tl_transition(struct strbuf *sb, const struct timeline_event *ev, int utf8)
{
	tl_who(sb, ev);
	if (!ev->pid && ev->detail) {
		/* the sockets of no recorded process, summed up per snapshot */
		strbuf_addf(sb, ": %lld socket%s: ", (long long)ev->n, ev->n == 1 ? "" : "s");
		tl_arrows(sb, ev->detail, utf8);
		return;
	}
	if (!ev->a)
		strbuf_addf(sb, ": %lld new %s", (long long)ev->n, tl_s(ev->b));
	else
		strbuf_addf(sb, ": %lld %s%s%s", (long long)ev->n, ev->a, utf8 ? "→" : "->", tl_s(ev->b));
}

static void tl_snapshot(struct strbuf *sb, const struct timeline_event *ev)
{
	if (ev->count == 1) {
		strbuf_addf(sb, "snapshot %lld", (long long)ev->snapshot_id);
		if (ev->has_n)
			strbuf_addf(sb, " (%lld processes)", (long long)ev->n);
		return;
	}
	strbuf_addf(sb, "snapshots %lld-%lld (%lld): no change, until ", (long long)ev->snapshot_id,
		    (long long)ev->last_snapshot_id, (long long)ev->count);
	{
		char buf[32];
		timeline_format_time(ev->last_wall_ns, buf, sizeof(buf));
		strbuf_addstr(sb, buf);
	}
}

void timeline_format_time(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (ns < 0 && ns % 1000000000)
		t--;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void timeline_describe(struct strbuf *sb, const struct timeline_event *ev, int utf8)
{
	const char *k = ev->kind ? ev->kind : "?";

	if (!strcmp(k, "source")) {
		strbuf_addf(sb, "%s %s: %lld snapshot%s (end: %s)", tl_s(ev->a), tl_s(ev->b), (long long)ev->n,
			    ev->n == 1 ? "" : "s", tl_s(ev->detail));
	} else if (!strcmp(k, "snapshot")) {
		tl_snapshot(sb, ev);
	} else if (!strcmp(k, "transition")) {
		tl_transition(sb, ev, utf8);
	} else if (!strcmp(k, "fd_jump")) {
		tl_who(sb, ev);
		strbuf_addf(sb, ": fds %s%s%s (%+lld)", tl_s(ev->a), utf8 ? "→" : "->", tl_s(ev->b), (long long)ev->n);
	} else if (!strcmp(k, "orphans")) {
		tl_who(sb, ev);
		strbuf_addf(sb, ": %lld socket fd%s orphaned (socket gone from the tables, fd still open)",
			    (long long)ev->n, ev->n == 1 ? "" : "s");
	} else if (!strcmp(k, "process_start")) {
		tl_who(sb, ev);
		strbuf_addf(sb, " started: %s", tl_s(ev->a));
	} else if (!strcmp(k, "process_exit")) {
		tl_who(sb, ev);
		strbuf_addstr(sb, " exited");
	} else if (!strcmp(k, "dump")) {
		tl_who(sb, ev);
		strbuf_addf(sb, ": goroutine dump (%s), %lld goroutines", tl_s(ev->a), (long long)ev->n);
		if (ev->b)
			strbuf_addf(sb, "; biggest group %s", ev->b);
	} else if (!strcmp(k, "errors")) {
		strbuf_addf(sb, "%lld collection error%s %s (e.g. %s)", (long long)ev->n, ev->n == 1 ? "" : "s",
			    tl_s(ev->a), tl_s(ev->b));
	} else if (!strcmp(k, "closes")) {
		strbuf_addf(sb, "%lld connection%s to %s closed first by the %s", (long long)ev->n,
			    ev->n == 1 ? "" : "s", tl_s(ev->b), tl_s(ev->a));
	} else if (!strcmp(k, "close_delay")) {
		strbuf_addf(sb, "%s closes connections with %s %s ms after the last data (%lld connections)",
			    tl_s(ev->a), tl_s(ev->b), tl_s(ev->detail), (long long)ev->n);
	} else {
		strbuf_addf(sb, "%s", k);
	}
}
