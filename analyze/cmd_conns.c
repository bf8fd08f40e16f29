/*
 * sockmortem conns: TCP connection life cycles from packet captures
 * (table tcp_conns): who opened, who closed first and how, the FIN delay
 * after the last data, retransmissions, zero windows and the owning pids.
 *
 * "local" and "remote" are relative to a process: --pid's, or else the one
 * side whose owner is known (a connection with both ends, or neither,
 * owned by a recorded process has no local side without --pid).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "numparse.h"
#include "strbuf.h"

#define CONNS_DEFAULT_LIMIT 200

/* ?1 pid or NULL, ?2 'local' | 'remote' | NULL, ?3 limit (-1: all). */
static const char conns_sql[] =
	"WITH c AS (SELECT *, CASE WHEN ?1 IS NOT NULL THEN"
	"   CASE WHEN client_pid = ?1 THEN 'client' WHEN server_pid = ?1 THEN 'server' END"
	" ELSE CASE WHEN client_pid IS NOT NULL AND server_pid IS NULL THEN 'client'"
	"           WHEN server_pid IS NOT NULL AND client_pid IS NULL THEN 'server' END"
	" END AS local_side FROM tcp_conns)"
	" SELECT client_addr, client_port, server_addr, server_port, first_ns, closed_by, close_kind,"
	" CASE closed_by WHEN 'client' THEN client_fin_delay_ms WHEN 'server' THEN server_fin_delay_ms END,"
	" client_retrans, server_retrans, client_zero_windows, server_zero_windows, client_pid, server_pid,"
	" local_side, state, end_reason"
	" FROM c WHERE (?1 IS NULL OR client_pid = ?1 OR server_pid = ?1)"
	" AND (?2 IS NULL OR (?2 = 'local' AND closed_by = local_side)"
	"      OR (?2 = 'remote' AND closed_by IS NOT NULL AND local_side IS NOT NULL AND closed_by <> local_side))"
	" ORDER BY first_ns, id LIMIT ?3";

static void conns_time(int64_t ns, char *out, size_t len)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	if (!gmtime_r(&sec, &tm)) {
		snprintf(out, len, "?");
		return;
	}
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns % 1000000000 / 1000000));
}

static void conns_endpoint(struct strbuf *sb, const char *addr, int64_t port)
{
	strbuf_reset(sb);
	strbuf_addf(sb, strchr(addr ? addr : "", ':') ? "[%s]:%lld" : "%s:%lld", addr ? addr : "?", (long long)port);
}

static const char *col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : NULL;
}

static void conns_pid(struct strbuf *sb, sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		strbuf_addch(sb, '-');
	else
		strbuf_addf(sb, "%lld", (long long)sqlite3_column_int64(st, col));
}

/* One row of the table. */
static void conns_row(struct sm_ctx *ctx, sqlite3_stmt *st, struct strbuf *cl, struct strbuf *sv,
		      struct strbuf *tmp)
{
	const char *by = col_text(st, 5), *kind = col_text(st, 6), *local = col_text(st, 14);
	char opened[96], delay[32];

	conns_endpoint(cl, col_text(st, 0), sqlite3_column_int64(st, 1));
	conns_endpoint(sv, col_text(st, 2), sqlite3_column_int64(st, 3));
	conns_time(sqlite3_column_int64(st, 4), opened, sizeof(opened));
	if (sqlite3_column_type(st, 7) == SQLITE_NULL)
		snprintf(delay, sizeof(delay), "-");
	else
		snprintf(delay, sizeof(delay), "%.1f ms", sqlite3_column_double(st, 7));
	strbuf_reset(tmp);
	if (by)
		strbuf_addf(tmp, "%s%s", by, local ? (!strcmp(by, local) ? " (local)" : " (remote)") : "");
	else
		strbuf_addstr(tmp, col_text(st, 16) && strcmp(col_text(st, 16), "closed") ? "(open)" : "-");
	fprintf(ctx->out, "%-41s %-41s %-23s %-16s %-4s %11s %3lld/%-3lld %3lld/%-3lld ", cl->buf, sv->buf, opened,
		tmp->buf, kind ? kind : "-", delay, (long long)sqlite3_column_int64(st, 8),
		(long long)sqlite3_column_int64(st, 9), (long long)sqlite3_column_int64(st, 10),
		(long long)sqlite3_column_int64(st, 11));
	strbuf_reset(tmp);
	conns_pid(tmp, st, 12);
	strbuf_addch(tmp, '/');
	conns_pid(tmp, st, 13);
	fprintf(ctx->out, "%s\n", tmp->buf);
}

/* Prints the table; returns the rows printed or -1. */
static int64_t conns_print(struct sm_ctx *ctx, sqlite3 *db, int64_t pid, const char *closed_by, int64_t limit)
{
	struct strbuf cl = STRBUF_INIT, sv = STRBUF_INIT, tmp = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int rc;

	if (sqlite3_prepare_v2(db, conns_sql, -1, &st, NULL) != SQLITE_OK) {
		/* A database written before captures were loaded has no such table
		 * until it is next opened for writing (sockmortem load). */
		if (strstr(sqlite3_errmsg(db), "no such table"))
			return 0;
		fprintf(ctx->err, "sockmortem conns: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	if (pid)
		sqlite3_bind_int64(st, 1, pid);
	if (closed_by)
		sqlite3_bind_text(st, 2, closed_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, limit ? limit + 1 : -1);
	fprintf(ctx->out, "%-41s %-41s %-23s %-16s %-4s %11s %-7s %-7s %s\n", "CLIENT", "SERVER", "OPENED (UTC)",
		"CLOSED BY", "HOW", "FIN DELAY", "RETRANS", "ZERO-WIN", "PID (client/server)");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (limit && n == limit) {
			fprintf(ctx->out, "... more connections: --limit N shows more, --limit 0 all\n");
			break;
		}
		conns_row(ctx, st, &cl, &sv, &tmp);
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(ctx->err, "sockmortem conns: %s\n", sqlite3_errmsg(db));
		n = -1;
	}
	sqlite3_finalize(st);
	strbuf_release(&cl);
	strbuf_release(&sv);
	strbuf_release(&tmp);
	return n;
}

static const char conns_help[] =
	"usage: sockmortem conns %s\n\n"
	"TCP connections seen in packet captures (a bundle recorded with --pcap, or a\n"
	"loaded .pcap/.pcapng): client -> server, when it opened, which side closed\n"
	"first and how (FIN or RST), the closer's FIN delay after the last data,\n"
	"retransmissions and zero-window segments (client/server), and the pids that\n"
	"owned each end when the snapshots saw the sockets.\n\n"
	"  --pid P              connections with an end owned by pid P\n"
	"  --closed-by local    closed first by P's end (remote: by the other end);\n"
	"                       without --pid, relative to the one end whose owner is known\n"
	"  --limit N            at most N rows (default %d; 0: all)\n";

static int conns_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "closed-by", required_argument, NULL, 'c' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *closed_by = NULL;
	uint64_t pid = 0, limit = CONNS_DEFAULT_LIMIT;
	sqlite3 *db = NULL;
	int64_t n;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:c:l:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (num_u64_str(optarg, 10, &pid) < 0 || !pid || pid > INT32_MAX)
				return cmd_usage(ctx, &cmd_conns, "bad pid '%s'", optarg);
			break;
		case 'c':
			if (strcmp(optarg, "local") && strcmp(optarg, "remote"))
				return cmd_usage(ctx, &cmd_conns, "--closed-by takes local or remote, not '%s'", optarg);
			closed_by = optarg;
			break;
		case 'l':
			if (num_u64_str(optarg, 10, &limit) < 0 || limit > INT32_MAX)
				return cmd_usage(ctx, &cmd_conns, "bad limit '%s'", optarg);
			break;
		case 'h':
			printf(conns_help, cmd_conns.usage, CONNS_DEFAULT_LIMIT);
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_conns, "bad option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage(ctx, &cmd_conns, "need one database");
	if (cmd_open_db(ctx, argv[optind], DB_READONLY, &db) < 0)
		return CMD_FAILED;
	n = conns_print(ctx, db, (int64_t)pid, closed_by, (int64_t)limit);
	db_close(db);
	if (n == 0)
		fprintf(ctx->err, "sockmortem conns: no connection%s (captures are loaded from bundles made "
			"with --pcap, and from .pcap/.pcapng files)\n", pid || closed_by ? " matches" : " in the database");
	return n < 0 ? CMD_FAILED : CMD_OK;
}

const struct sm_cmd cmd_conns = {
	"conns", "DB [--pid P] [--closed-by local|remote] [--limit N]",
	"TCP connection life cycles from packet captures", conns_run,
};
