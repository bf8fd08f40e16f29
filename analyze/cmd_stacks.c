/*
 * sockmortem stacks: goroutine groups, biggest first, for each process's
 * latest dump at or before a moment: what they wait on, for how long, and
 * the application frame nearest the block.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "load.h"
#include "numparse.h"

/* Per process (or per unattributed file), the latest dump, debug2 first
 * when two were fetched together: it has states and wait times. */
static const char dumps_sql[] =
	"SELECT d.id, d.pid, coalesce(p.comm, d.comm, '?'), d.kind, d.wall_ns, d.goroutines, d.total, d.path, d.truncated"
	" FROM dumps d LEFT JOIN processes p ON p.id = d.process_id"
	" WHERE (?1 IS NULL OR d.pid = ?1) AND (?2 IS NULL OR d.wall_ns <= ?2)"
	" AND d.id = (SELECT d2.id FROM dumps d2 WHERE d2.pid IS d.pid AND coalesce(d2.process_id, -d2.id) ="
	"            coalesce(d.process_id, -d.id) AND (?2 IS NULL OR d2.wall_ns <= ?2) AND d2.kind <> 'goroutineleak'"
	"            ORDER BY d2.wall_ns DESC, d2.kind = 'debug2' DESC, d2.id DESC LIMIT 1)"
	" ORDER BY d.goroutines DESC, d.id";

static const char groups_sql[] =
	"SELECT goroutines, wait_kind, coalesce(role, '-'), coalesce(states, '-'), min_wait_minutes,"
	" max_wait_minutes, app_func, app_file, app_line, top_func, lock_func, example_goids"
	" FROM v_stack_groups WHERE dump_id = ? ORDER BY goroutines DESC, stack_id LIMIT ?";

static void print_time(FILE *out, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
	fputs(buf, out);
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static int print_groups(struct sm_ctx *ctx, sqlite3 *db, int64_t dump_id, int limit)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(db, groups_sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, dump_id);
	sqlite3_bind_int(st, 2, limit);
	fprintf(ctx->out, "  %7s  %-9s %-11s %-22s %-9s %s\n", "COUNT", "WAITS ON", "ROLE", "STATE", "MINUTES",
		"WHERE (application frame; innermost frame)");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char minutes[32] = "-";
		const char *app = col(st, 6);

		if (sqlite3_column_type(st, 5) != SQLITE_NULL && sqlite3_column_int64(st, 5) > 0)
			snprintf(minutes, sizeof(minutes), "%lld-%lld", (long long)sqlite3_column_int64(st, 4),
				 (long long)sqlite3_column_int64(st, 5));
		fprintf(ctx->out, "  %7lld  %-9s %-11s %-22.22s %-9s ", (long long)sqlite3_column_int64(st, 0),
			col(st, 1), col(st, 2), col(st, 3), minutes);
		if (*app)
			fprintf(ctx->out, "%s (%s:%lld)", app, col(st, 7), (long long)sqlite3_column_int64(st, 8));
		else
			fputs("(no application frame)", ctx->out);
		/* For lock waits the lock function says more than runtime.gopark. */
		if (sqlite3_column_type(st, 10) != SQLITE_NULL)
			fprintf(ctx->out, "; in %s\n", col(st, 10));
		else
			fprintf(ctx->out, "; %s\n", col(st, 9));
		if (*col(st, 11))
			fprintf(ctx->out, "  %7s  goroutines %s\n", "", col(st, 11));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int stacks_print(struct sm_ctx *ctx, sqlite3 *db, int64_t pid, int64_t at_ns, int limit)
{
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db, dumps_sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(ctx->err, "sockmortem stacks: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	if (pid)
		sqlite3_bind_int64(st, 1, pid);
	if (at_ns)
		sqlite3_bind_int64(st, 2, at_ns);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fprintf(ctx->out, "%spid %s (%s), %s dump at ", n++ ? "\n" : "",
			sqlite3_column_type(st, 1) == SQLITE_NULL ? "?" : col(st, 1), col(st, 2), col(st, 3));
		print_time(ctx->out, sqlite3_column_int64(st, 4));
		fprintf(ctx->out, ": %lld goroutines", (long long)sqlite3_column_int64(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL &&
		    sqlite3_column_int64(st, 6) != sqlite3_column_int64(st, 5))
			fprintf(ctx->out, " (the dump says %lld)", (long long)sqlite3_column_int64(st, 6));
		fprintf(ctx->out, "%s\n  from %s\n", sqlite3_column_int(st, 8) ? ", TRUNCATED" : "", col(st, 7));
		if (print_groups(ctx, db, sqlite3_column_int64(st, 0), limit) < 0) {
			fprintf(ctx->err, "sockmortem stacks: %s\n", sqlite3_errmsg(db));
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (!n)
		fprintf(ctx->err, "sockmortem stacks: no goroutine dump%s\n", pid || at_ns ? " matches" : " in the database");
	return rc == SQLITE_DONE ? n : -1;
}

static int stacks_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "at", required_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t pid = 0, limit = 20;
	int64_t at_ns = 0;
	sqlite3 *db = NULL;
	int ch, n;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:n:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (num_u64_str(optarg, 10, &pid) < 0 || !pid)
				return cmd_usage(ctx, &cmd_stacks, "bad pid '%s'", optarg);
			break;
		case 'a':
			if (load_parse_time(optarg, &at_ns) < 0)
				return cmd_usage(ctx, &cmd_stacks, "cannot read time '%s'", optarg);
			break;
		case 'n':
			if (num_u64_str(optarg, 10, &limit) < 0 || !limit || limit > 100000)
				return cmd_usage(ctx, &cmd_stacks, "bad limit '%s'", optarg);
			break;
		case 'h':
			printf("usage: sockmortem stacks %s\n\nGoroutine groups (same function sequence) of each process's\n"
			       "latest dump at or before --at, biggest first: how many, what they wait on\n"
			       "(lock, netpoll, chan, select, ...), their role (http_client, http_server,\n"
			       "grpc_*), states, minutes waited, and the application frame nearest the\n"
			       "block. --limit N groups per dump (default 20).\n", cmd_stacks.usage);
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_stacks, "bad option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage(ctx, &cmd_stacks, "need one database");
	if (cmd_open_db(ctx, argv[optind], DB_READONLY, &db) < 0)
		return CMD_FAILED;
	n = stacks_print(ctx, db, (int64_t)pid, at_ns, (int)limit);
	db_close(db);
	return n <= 0 ? CMD_FAILED : CMD_OK;
}

const struct sm_cmd cmd_stacks = {
	"stacks", "DB [--pid P] [--at TIME] [--limit N]", "goroutine groups, biggest first", stacks_run,
};
