/*
 * sockmortem info: what a bundle, capture or database holds: sources,
 * hosts, time span, snapshots, processes, socket counts, and everything
 * missing or cut short (collection errors, tool failures, load notes).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"

static void fmt_time(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!ns) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* Prints each row of sql with fmt applied to its text columns. */
static void rows(struct sm_ctx *ctx, sqlite3 *db, const char *title, const char *sql, int indent)
{
	sqlite3_stmt *st = NULL;
	int n = 0, c;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(ctx->err, "sockmortem info: %s\n", sqlite3_errmsg(db));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!n++ && title)
			fprintf(ctx->out, "%s\n", title);
		fprintf(ctx->out, "%*s", indent, "");
		for (c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			fprintf(ctx->out, "%s%s", c ? " " : "", v ? v : "-");
		}
		fputc('\n', ctx->out);
	}
	sqlite3_finalize(st);
}

static void info_sources(struct sm_ctx *ctx, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT id, kind, path, coalesce(host,'-'), coalesce(kernel,'-'),"
			       " coalesce(boot_id,'-'), coalesce(started_ns,0), coalesce(ended_ns,0), snapshots,"
			       " complete, coalesce(end_reason,'-'), coalesce(tool_version,'-')"
			       " FROM sources ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		char t0[32], t1[32];

		fmt_time(sqlite3_column_int64(st, 6), t0, sizeof(t0));
		fmt_time(sqlite3_column_int64(st, 7), t1, sizeof(t1));
		fprintf(ctx->out, "source %lld: %s %s\n", (long long)sqlite3_column_int64(st, 0),
			sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
		fprintf(ctx->out, "  host %s, kernel %s, boot %s\n", sqlite3_column_text(st, 3),
			sqlite3_column_text(st, 4), sqlite3_column_text(st, 5));
		fprintf(ctx->out, "  span %s .. %s, %lld snapshots, %s (ended: %s; collector %s)\n", t0, t1,
			(long long)sqlite3_column_int64(st, 8),
			sqlite3_column_int(st, 9) ? "complete" : "CUT SHORT", sqlite3_column_text(st, 10),
			sqlite3_column_text(st, 11));
	}
	sqlite3_finalize(st);
}

static void info_db(struct sm_ctx *ctx, sqlite3 *db)
{
	info_sources(ctx, db);
	rows(ctx, db, "totals:",
	     "SELECT (SELECT count(*) FROM snapshots) || ' snapshots, ' ||"
	     " (SELECT count(*) FROM processes) || ' processes, ' ||"
	     " (SELECT count(*) FROM sockets) || ' socket identities, ' ||"
	     " (SELECT count(*) FROM socket_states) || ' state intervals, ' ||"
	     " (SELECT count(*) FROM orphan_fds) || ' orphaned fd intervals'", 2);
	rows(ctx, db, "sockets in the last snapshot of each source (proto state count):",
	     "SELECT v.proto, coalesce(v.state,'?'), count(*) FROM v_socket_snapshots v"
	     " WHERE v.snapshot_id IN (SELECT max(id) FROM snapshots GROUP BY source_id)"
	     " GROUP BY v.proto, v.state ORDER BY count(*) DESC, v.proto, v.state LIMIT 20", 2);
	rows(ctx, db, "busiest processes in the last snapshot (pid comm fds/limit sockets):",
	     "SELECT u.pid, u.comm, coalesce(u.fd_count,'?') || '/' || coalesce(u.nofile_soft,'?'),"
	     " coalesce(u.socket_fds,0) FROM v_fd_usage u"
	     " WHERE u.snapshot_id IN (SELECT max(id) FROM snapshots GROUP BY source_id)"
	     " ORDER BY u.fd_count DESC LIMIT 8", 2);
	rows(ctx, db, "orphaned socket fds (pid comm count):",
	     "SELECT pid, comm, count(*) FROM v_orphan_fds GROUP BY process_id ORDER BY count(*) DESC LIMIT 8", 2);
	rows(ctx, db, "could not be read by the collector (error count example):",
	     "SELECT error, count(*), min(path) FROM collection_errors GROUP BY error ORDER BY count(*) DESC", 2);
	rows(ctx, db, "tool runs that did not succeed (tool outcome count):",
	     "SELECT name, outcome, count(*) FROM collection_steps WHERE step = 'tool' AND outcome <> 'ok'"
	     " GROUP BY name, outcome", 2);
	rows(ctx, db, "missing or cut short (load notes):",
	     "SELECT severity || ':', path, coalesce('line ' || line || ':', ''), message FROM load_notes"
	     " ORDER BY rowid LIMIT 20", 2);
	rows(ctx, db, NULL, "SELECT '  ... and ' || (count(*) - 20) || ' more notes' FROM load_notes HAVING count(*) > 20", 0);
}

static int info_run(struct sm_ctx *ctx, int argc, char **argv)
{
	sqlite3 *db = NULL;
	int r = CMD_OK;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: sockmortem info %s\n\nSummarises a database, or a bundle or capture (loaded into\n"
		       "memory first): sources, host, span, snapshots, processes, sockets,\n"
		       "and what was missing or cut short.\n", cmd_info.usage);
		return CMD_OK;
	}
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return cmd_usage(ctx, &cmd_info, "unknown option '%s'", argv[i]);
	if (argc != 2)
		return cmd_usage(ctx, &cmd_info, "need exactly one input");
	if (cmd_is_database(argv[1])) {
		if (cmd_open_db(ctx, argv[1], DB_READONLY, &db) < 0)
			return CMD_FAILED;
	} else if (cmd_load_into_memory(ctx, 1, argv + 1, NULL, &db) < 0) {
		r = CMD_FAILED;
		if (!db || !db_int(db, "SELECT count(*) FROM sources", 0)) {
			db_close(db);
			return r;
		}
	}
	info_db(ctx, db);
	db_close(db);
	return r;
}

const struct sm_cmd cmd_info = {
	"info", "INPUT", "what a bundle, capture or database holds", info_run,
};
