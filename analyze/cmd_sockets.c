/*
 * sockmortem sockets: the socket table at one snapshot, printed the way
 * `ss -anp` would have printed it then.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "load.h"
#include "numparse.h"
#include "strbuf.h"

static const char *ss_state(const char *s)
{
	static const char *const map[][2] = {
		{ "ESTABLISHED", "ESTAB" }, { "CLOSE_WAIT", "CLOSE-WAIT" }, { "TIME_WAIT", "TIME-WAIT" },
		{ "FIN_WAIT1", "FIN-WAIT-1" }, { "FIN_WAIT2", "FIN-WAIT-2" }, { "SYN_SENT", "SYN-SENT" },
		{ "SYN_RECV", "SYN-RECV" }, { "LAST_ACK", "LAST-ACK" }, { "CLOSE", "UNCONN" },
		{ "NEW_SYN_RECV", "SYN-RECV" },
	};
	size_t i;

	if (!s)
		return "?";
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(s, map[i][0]))
			return map[i][1];
	return s;
}

static void addr_port(struct strbuf *sb, const char *addr, sqlite3_stmt *st, int col)
{
	int v6 = addr && strchr(addr, ':');

	strbuf_reset(sb);
	if (!addr) {
		strbuf_addch(sb, '*');
		return;
	}
	strbuf_addf(sb, v6 ? "[%s]" : "%s", addr);
	if (sqlite3_column_type(st, col) == SQLITE_NULL || sqlite3_column_int64(st, col) == 0)
		strbuf_addstr(sb, ":*");
	else
		strbuf_addf(sb, ":%lld", (long long)sqlite3_column_int64(st, col));
}

static const char sockets_sql[] =
	"SELECT v.proto, v.state, v.rx_queue, v.tx_queue, v.local_addr, v.local_port, v.remote_addr,"
	" v.remote_port, v.unix_path, v.inode,"
	" (SELECT group_concat('(\"' || o.comm || '\",pid=' || o.pid || ',fd=' || o.fd || ')', ',')"
	"    FROM v_socket_owners o WHERE o.socket_id = v.socket_id"
	"    AND ?1 BETWEEN o.first_snapshot AND o.last_snapshot) AS users"
	" FROM v_socket_snapshots v WHERE v.snapshot_id = ?1"
	" AND (?2 IS NULL OR v.state = ?2 OR replace(v.state,'_','-') = ?2)"
	" AND (?3 IS NULL OR EXISTS (SELECT 1 FROM v_socket_owners o WHERE o.socket_id = v.socket_id"
	"      AND o.pid = ?3 AND ?1 BETWEEN o.first_snapshot AND o.last_snapshot))"
	" ORDER BY v.proto, v.local_port, v.remote_port, v.inode";

static int64_t pick_snapshot(sqlite3 *db, int64_t at_ns)
{
	sqlite3_stmt *st = NULL;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db, at_ns ? "SELECT id FROM snapshots WHERE wall_ns <= ? ORDER BY wall_ns DESC, id DESC LIMIT 1"
				      : "SELECT max(id) FROM snapshots", -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (at_ns)
		sqlite3_bind_int64(st, 1, at_ns);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static int sockets_print(struct sm_ctx *ctx, sqlite3 *db, int64_t snap, const char *state, int64_t pid)
{
	struct strbuf l = STRBUF_INIT, r = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc, n = 0;

	if (sqlite3_prepare_v2(db, sockets_sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(ctx->err, "sockmortem sockets: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_int64(st, 1, snap);
	if (state)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	if (pid)
		sqlite3_bind_int64(st, 3, pid);
	fprintf(ctx->out, "%-6s %-10s %6s %6s %-40s %-40s %s\n", "Netid", "State", "Recv-Q", "Send-Q",
		"Local Address:Port", "Peer Address:Port", "Process");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *proto = (const char *)sqlite3_column_text(st, 0);
		const char *users = (const char *)sqlite3_column_text(st, 10);

		if (!strcmp(proto, "unix")) {
			const char *path = (const char *)sqlite3_column_text(st, 8);
			strbuf_reset(&l);
			strbuf_addf(&l, "%s %lld", path ? path : "*", (long long)sqlite3_column_int64(st, 9));
			strbuf_reset(&r);
			strbuf_addch(&r, '*');
		} else {
			addr_port(&l, (const char *)sqlite3_column_text(st, 4), st, 5);
			addr_port(&r, (const char *)sqlite3_column_text(st, 6), st, 7);
		}
		fprintf(ctx->out, "%-6s %-10s %6s %6s %-40s %-40s %s%s%s\n", proto,
			ss_state((const char *)sqlite3_column_text(st, 1)),
			sqlite3_column_type(st, 2) == SQLITE_NULL ? "-" : (const char *)sqlite3_column_text(st, 2),
			sqlite3_column_type(st, 3) == SQLITE_NULL ? "-" : (const char *)sqlite3_column_text(st, 3),
			l.buf, r.buf, users ? "users:(" : "", users ? users : "", users ? ")" : "");
		n++;
	}
	sqlite3_finalize(st);
	strbuf_release(&l);
	strbuf_release(&r);
	if (rc != SQLITE_DONE) {
		fprintf(ctx->err, "sockmortem sockets: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	return n;
}

static int sockets_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 's' },
		{ "at", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = NULL;
	int64_t at_ns = 0, snap;
	uint64_t pid = 0;
	sqlite3 *db = NULL;
	int ch, n;
	char norm[32];

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:s:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (num_u64_str(optarg, 10, &pid) < 0 || !pid)
				return cmd_usage(ctx, &cmd_sockets, "bad pid '%s'", optarg);
			break;
		case 's': {
			size_t i;
			/* Accept ss spelling (close-wait) and kernel spelling (CLOSE_WAIT). */
			snprintf(norm, sizeof(norm), "%s", optarg);
			for (i = 0; norm[i]; i++)
				norm[i] = norm[i] == '-' ? '_' : (char)(norm[i] >= 'a' && norm[i] <= 'z' ? norm[i] - 32 : norm[i]);
			state = !strcmp(norm, "ESTAB") ? "ESTABLISHED" : !strcmp(norm, "FIN_WAIT_2") ? "FIN_WAIT2" :
				!strcmp(norm, "FIN_WAIT_1") ? "FIN_WAIT1" : norm;
			break;
		}
		case 'a':
			if (load_parse_time(optarg, &at_ns) < 0)
				return cmd_usage(ctx, &cmd_sockets, "cannot read time '%s'", optarg);
			break;
		case 'h':
			printf("usage: sockmortem sockets %s\n\nThe socket table at one snapshot (the last one, or the\n"
			       "last at or before --at TIME), like `ss -anp` would have printed it then.\n"
			       "--state takes kernel or ss names (CLOSE_WAIT, close-wait, estab).\n",
			       cmd_sockets.usage);
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_sockets, "bad option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage(ctx, &cmd_sockets, "need one database");
	if (cmd_open_db(ctx, argv[optind], DB_READONLY, &db) < 0)
		return CMD_FAILED;
	snap = pick_snapshot(db, at_ns);
	if (!snap) {
		fprintf(ctx->err, "sockmortem sockets: no snapshot %s\n", at_ns ? "at or before that time" : "in the database");
		db_close(db);
		return CMD_FAILED;
	}
	n = sockets_print(ctx, db, snap, state, (int64_t)pid);
	db_close(db);
	return n < 0 ? CMD_FAILED : CMD_OK;
}

const struct sm_cmd cmd_sockets = {
	"sockets", "DB [--pid P] [--state S] [--at TIME]", "the socket table at a moment, like ss", sockets_run,
};
