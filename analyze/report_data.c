/*
 * report_data: the chart series and the merged timeline of a report, read
 * from the database for the formats that draw them (md, html). Renderers
 * never touch the database, so everything they draw is put into the model
 * here: report.charts and report.events.
 *
 * Charted processes: the verdict's culprit, then the processes findings
 * blame, then the busiest (most tcp sockets at any snapshot), at most
 * REPORT_DATA_PROCS. Socket counts come from snapshot_counts (a few rows
 * per snapshot, written at load time; zeros are not stored, so the queries
 * put them back for every snapshot the process was sampled in), fds from
 * process_samples, goroutines from the dumps.
 */
#include "report_data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "timeline.h"

#define REPORT_DATA_PROCS 4

struct rd_procs {
	int64_t ids[REPORT_DATA_PROCS];
	size_t n;
};

static void rd_procs_add(struct rd_procs *p, int64_t id)
{
	size_t i;

	if (id == REPORT_NONE || id <= 0 || p->n == REPORT_DATA_PROCS)
		return;
	for (i = 0; i < p->n; i++)
		if (p->ids[i] == id)
			return;
	p->ids[p->n++] = id;
}

/* Culprit first, then the blamed, then the busiest. */
static int rd_pick(sqlite3 *db, const struct report *rep, struct rd_procs *p, char **err)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	rd_procs_add(p, rep->verdict.process_id);
	for (i = 0; i < rep->nfindings; i++)
		rd_procs_add(p, rep->findings[i].process_id);
	if (db_prepare(db, "SELECT process_id FROM snapshot_counts WHERE process_id > 0 AND name = 'tcp'"
			   " GROUP BY process_id ORDER BY max(value) DESC, process_id LIMIT 8", &st, err) < 0)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		rd_procs_add(p, sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	return 0;
}

/* Rows (series name, wall_ns, value) in series then time order into c. */
static int rd_fill(sqlite3 *db, struct report_chart *c, const char *sql, int64_t process_id, char **err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (db_prepare(db, sql, &st, err) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, process_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (!name || sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue;
		report_series_add(report_chart_series(c, name), sqlite3_column_int64(st, 1), sqlite3_column_double(st, 2));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*err = xstrdup(sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Drops a chart that came out empty (a process without dumps). */
static void rd_drop_empty(struct report *rep)
{
	struct report_chart *c = &rep->charts[rep->ncharts - 1];
	struct report_chart keep = *c;

	if (c->nseries)
		return;
	rep->ncharts--;
	free(keep.kind);
	free(keep.title);
	free(keep.unit);
	free(keep.series);
}

static const char rd_sql_states[] =
	"SELECT n.name, sn.wall_ns, coalesce(c.value, 0)"
	" FROM (SELECT DISTINCT name FROM snapshot_counts WHERE process_id = ?1"
	"       AND name NOT IN ('tcp', 'sockets', 'orphan_fds')) n"
	" JOIN process_samples ps ON ps.process_id = ?1"
	" JOIN snapshots sn ON sn.id = ps.snapshot_id"
	" LEFT JOIN snapshot_counts c ON c.snapshot_id = ps.snapshot_id AND c.process_id = ?1 AND c.name = n.name"
	" ORDER BY n.name, sn.wall_ns";

/* Host-wide (process_id 0): every snapshot, TIME_WAIT included. */
static const char rd_sql_host_states[] =
	"SELECT n.name, sn.wall_ns, coalesce(c.value, 0)"
	" FROM (SELECT DISTINCT name FROM snapshot_counts WHERE process_id = ?1"
	"       AND name NOT IN ('tcp', 'sockets', 'orphan_fds')) n"
	" JOIN snapshots sn"
	" LEFT JOIN snapshot_counts c ON c.snapshot_id = sn.id AND c.process_id = ?1 AND c.name = n.name"
	" ORDER BY n.name, sn.wall_ns";

static const char rd_sql_fds[] =
	"SELECT m.name, sn.wall_ns, CASE m.name WHEN 'fds' THEN ps.fd_count WHEN 'socket fds' THEN ps.socket_fds"
	"   ELSE coalesce((SELECT c.value FROM snapshot_counts c WHERE c.snapshot_id = ps.snapshot_id"
	"     AND c.process_id = ?1 AND c.name = 'orphan_fds'), 0) END"
	" FROM (SELECT 'fds' AS name UNION ALL SELECT 'socket fds' UNION ALL SELECT 'orphaned fds') m"
	" JOIN process_samples ps ON ps.process_id = ?1 AND ps.fd_count IS NOT NULL"
	" JOIN snapshots sn ON sn.id = ps.snapshot_id"
	" ORDER BY m.name, sn.wall_ns";

/* One dump per snapshot (a debug=2 and a debug=1 dump of the same moment
 * would count every goroutine twice); groups by what they wait on and
 * their role, zeros filled in for dumps without a group. */
static const char rd_sql_goroutines[] =
	"WITH d AS (SELECT max(id) AS id, max(wall_ns) AS wall_ns FROM dumps WHERE process_id = ?1"
	"           AND kind <> 'goroutineleak' AND wall_ns IS NOT NULL GROUP BY coalesce(snapshot_id, id)),"
	" g AS (SELECT g.dump_id, coalesce(s.wait_kind, 'other') || coalesce(' (' || s.role || ')', '') AS grp,"
	"              sum(g.count) AS n FROM goroutines g JOIN stacks s ON s.id = g.stack_id"
	"       WHERE g.dump_id IN (SELECT id FROM d) GROUP BY g.dump_id, grp)"
	" SELECT k.grp, d.wall_ns, coalesce(g.n, 0) FROM (SELECT DISTINCT grp FROM g) k JOIN d"
	" LEFT JOIN g ON g.dump_id = d.id AND g.grp = k.grp ORDER BY k.grp, d.wall_ns";

static void rd_who(sqlite3 *db, int64_t process_id, int64_t *pid, char *buf, size_t len)
{
	sqlite3_stmt *st = NULL;

	snprintf(buf, len, "process %lld", (long long)process_id);
	*pid = REPORT_NONE;
	if (sqlite3_prepare_v2(db, "SELECT pid, coalesce(comm, '?') FROM processes WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, process_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*pid = sqlite3_column_int64(st, 0);
		snprintf(buf, len, "%s (pid %lld)", (const char *)sqlite3_column_text(st, 1), (long long)*pid);
	}
	sqlite3_finalize(st);
}

static int rd_process(sqlite3 *db, struct report *rep, int64_t process_id, char **err)
{
	static const struct {
		const char *kind, *what, *unit, *sql;
	} charts[] = {
		{ "states", "TCP sockets by state", "sockets", rd_sql_states },
		{ "fds", "file descriptors", "fds", rd_sql_fds },
		{ "goroutines", "goroutines by wait and role", "goroutines", rd_sql_goroutines },
	};
	char who[160], title[256];
	int64_t pid;
	size_t i;

	rd_who(db, process_id, &pid, who, sizeof(who));
	for (i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
		struct report_chart *c;

		snprintf(title, sizeof(title), "%s: %s", who, charts[i].what);
		c = report_add_chart(rep, charts[i].kind, title, charts[i].unit);
		c->process_id = process_id;
		c->pid = pid;
		if (rd_fill(db, c, charts[i].sql, process_id, err) < 0)
			return -1;
		rd_drop_empty(rep);
	}
	return 0;
}

/* The soft fd limit of the fd charts: the highest the process had. */
static void rd_limits(sqlite3 *db, struct report *rep)
{
	sqlite3_stmt *st = NULL;
	size_t i;

	if (sqlite3_prepare_v2(db, "SELECT max(nofile_soft) FROM process_samples WHERE process_id = ? AND nofile_soft > 0",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	for (i = 0; i < rep->ncharts; i++) {
		struct report_chart *c = &rep->charts[i];

		if (strcmp(c->kind, "fds"))
			continue;
		c->limit = NAN;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c->process_id);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			c->limit = sqlite3_column_double(st, 0);
	}
	sqlite3_finalize(st);
}

static int rd_event(void *ctx, const struct timeline_event *ev)
{
	struct report *rep = ctx;
	struct strbuf sb = STRBUF_INIT;

	timeline_describe(&sb, ev, 1);
	report_add_event(rep, ev->wall_ns, ev->last_wall_ns, ev->pid ? ev->pid : REPORT_NONE, ev->kind,
			 sb.buf ? sb.buf : "");
	strbuf_release(&sb);
	return 0;
}

int report_data_collect(sqlite3 *db, struct report *rep, char **err)
{
	struct timeline_filter f = { 0 };
	struct rd_procs procs = { { 0 }, 0 };
	struct report_chart *host;
	size_t i;

	if (rd_pick(db, rep, &procs, err) < 0)
		return -1;
	for (i = 0; i < procs.n; i++)
		if (rd_process(db, rep, procs.ids[i], err) < 0)
			return -1;
	rd_limits(db, rep);
	host = report_add_chart(rep, "host_states", "the whole host: TCP sockets by state (owned or not)", "sockets");
	if (rd_fill(db, host, rd_sql_host_states, 0, err) < 0)
		return -1;
	rd_drop_empty(rep);
	return timeline_walk(db, &f, rd_event, rep, err) < 0 ? -1 : 0;
}
