/*
 * ingest_pcap: captures, tcp_conns and close_delays; see ingest_pcap.h.
 *
 * Tying a connection to sockets: a snapshot saw a socket whose 4-tuple is
 * the connection's (client side: local = client; server side: local =
 * server), in a snapshot range overlapping the connection's packets. An
 * IPv4 connection to a dual-stack listener appears in /proc/net/tcp6 as
 * ::ffff:a.b.c.d, so both spellings match. Snapshots are seconds apart, so
 * the overlap is widened by TIE_SLACK_NS on each side: a socket seen in the
 * snapshot just before the SYN or just after the last packet is still the
 * same one (a reused 4-tuple within a second is rare; a connection closed
 * between two snapshots is simply not tied). Sockets with an inode (owned)
 * win over TIME_WAIT minisockets.
 *
 * The work is done in SQL over small temporary tables with their own
 * indexes: the main tables carry no index on 4-tuples (ingest speed).
 */
#include "ingest_pcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "close_delay.h"
#include "db.h"
#include "rows.h"
#include "strbuf.h"

#define TIE_SLACK_NS ((int64_t)1000000000)

enum {
	IP_CAPTURE, IP_CAPTURE_END, IP_DROPS, IP_CONN, IP_DELAY, IP_COUNT
};

static const char *const ip_sql[IP_COUNT] = {
	[IP_CAPTURE] = "INSERT INTO captures(source_id, path) VALUES (?, ?)",
	[IP_CAPTURE_END] = "UPDATE captures SET linktype = ?2, packets = ?3, tcp = ?4, non_tcp = ?5,"
			   " truncated = ?6, cut = ?7, malformed = ?8, first_ns = ?9, last_ns = ?10,"
			   " read_error = ?11, wire_bytes = ?12 WHERE id = ?1",
	[IP_DROPS] = "UPDATE captures SET kernel_received = ?3, kernel_dropped = ?4, if_dropped = ?5,"
		     " collector_dropped = ?6 WHERE source_id = ?1 AND path = ?2",
	[IP_CONN] = "INSERT INTO tcp_conns(capture_id, source_id, family, client_addr, client_port, server_addr,"
		    " server_port, init_rule, first_ns, last_ns, syn_ns, synack_ns, closed_by, close_kind, close_ns,"
		    " client_fin_ns, server_fin_ns, client_rst_ns, server_rst_ns, client_fin_delay_ms,"
		    " server_fin_delay_ms, client_retrans, server_retrans, client_zero_windows, server_zero_windows,"
		    " client_bytes, server_bytes, end_reason, state, client_packets, server_packets,"
		    " client_last_data_ns, server_last_data_ns)"
		    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	[IP_DELAY] = "INSERT INTO close_delays(source_id, closer_addr, closer_port, closer_role, peer_addr,"
		     " peer_port, delay_ms, spread_ms, n, n_total, first_ns, last_ns, closer_pid, peer_pid,"
		     " n_closed, share, tolerance_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
};

struct ingest_pcap {
	sqlite3 *db;
	sqlite3_stmt *st[IP_COUNT];
	char error[512];
};

static int ip_fail(struct ingest_pcap *ip, const char *what)
{
	snprintf(ip->error, sizeof(ip->error), "database: %s (in: %.80s...)", sqlite3_errmsg(ip->db), what);
	return -1;
}

/* Steps a fully bound statement and resets it. */
static int ip_step(struct ingest_pcap *ip, int which)
{
	char msg[256];

	if (db_step_reset(ip->st[which], NULL, msg, sizeof(msg)) == 0)
		return 0;
	snprintf(ip->error, sizeof(ip->error), "database: %s (in: %.80s...)", msg, ip_sql[which]);
	return -1;
}

static int ip_exec(struct ingest_pcap *ip, const char *sql)
{
	char *err = NULL;

	if (db_exec(ip->db, sql, &err) == 0)
		return 0;
	snprintf(ip->error, sizeof(ip->error), "database: %s", err);
	free(err);
	return -1;
}

struct ingest_pcap *ingest_pcap_new(sqlite3 *db)
{
	struct ingest_pcap *ip = xcalloc(1, sizeof(*ip));
	int i;

	ip->db = db;
	for (i = 0; i < IP_COUNT; i++)
		if (sqlite3_prepare_v2(db, ip_sql[i], -1, &ip->st[i], NULL) != SQLITE_OK) {
			ingest_pcap_free(ip);
			return NULL;
		}
	return ip;
}

void ingest_pcap_free(struct ingest_pcap *ip)
{
	int i;

	if (!ip)
		return;
	for (i = 0; i < IP_COUNT; i++)
		sqlite3_finalize(ip->st[i]);
	free(ip);
}

const char *ingest_pcap_error(const struct ingest_pcap *ip)
{
	return ip->error;
}

int64_t ingest_capture_begin(struct ingest_pcap *ip, int64_t source_id, const char *path)
{
	sqlite3_bind_int64(ip->st[IP_CAPTURE], 1, source_id);
	sqlite3_bind_text(ip->st[IP_CAPTURE], 2, path, -1, SQLITE_TRANSIENT);
	if (ip_step(ip, IP_CAPTURE) < 0)
		return -1;
	return sqlite3_last_insert_rowid(ip->db);
}

static int64_t u2i(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
}

int ingest_capture_end(struct ingest_pcap *ip, int64_t capture_id, const struct ingest_capture_info *ci)
{
	sqlite3_stmt *st = ip->st[IP_CAPTURE_END];

	sqlite3_bind_int64(st, 1, capture_id);
	db_bind_opt_text(st, 2, ci->linktype);
	sqlite3_bind_int64(st, 3, u2i(ci->packets));
	sqlite3_bind_int64(st, 4, u2i(ci->tcp));
	sqlite3_bind_int64(st, 5, u2i(ci->non_tcp));
	sqlite3_bind_int64(st, 6, u2i(ci->truncated));
	sqlite3_bind_int64(st, 7, u2i(ci->cut));
	sqlite3_bind_int64(st, 8, u2i(ci->malformed));
	db_bind_opt_int(st, 9, ci->first_ns);
	db_bind_opt_int(st, 10, ci->last_ns);
	sqlite3_bind_int(st, 11, ci->read_error);
	sqlite3_bind_int64(st, 12, u2i(ci->wire_bytes));
	return ip_step(ip, IP_CAPTURE_END);
}

int ingest_capture_drops(struct ingest_pcap *ip, int64_t source_id, const char *path,
			 int64_t kernel_received, int64_t kernel_dropped, int64_t if_dropped,
			 int64_t collector_dropped)
{
	sqlite3_stmt *st = ip->st[IP_DROPS];

	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
	db_bind_opt_int(st, 3, kernel_received);
	db_bind_opt_int(st, 4, kernel_dropped);
	db_bind_opt_int(st, 5, if_dropped);
	db_bind_opt_int(st, 6, collector_dropped);
	return ip_step(ip, IP_DROPS);
}

static const char *conn_init_rule(enum tcp_init_rule r)
{
	switch (r) {
	case TCP_INIT_SYN: return "syn";
	case TCP_INIT_SYNACK: return "synack";
	case TCP_INIT_PORT: return "port";
	default: return "first";
	}
}

static const char *conn_end(enum tcp_end e)
{
	switch (e) {
	case TCP_END_CLOSED: return "closed";
	case TCP_END_OPEN: return "open";
	case TCP_END_EVICTED: return "evicted";
	default: return "reused";
	}
}

static int bind_ms(sqlite3_stmt *st, int idx, int64_t ns)
{
	return ns == SM_NONE ? sqlite3_bind_null(st, idx) : sqlite3_bind_double(st, idx, (double)ns / 1e6);
}

int ingest_tcp_conn(struct ingest_pcap *ip, int64_t source_id, int64_t capture_id, const struct tcp_conn *c)
{
	sqlite3_stmt *st = ip->st[IP_CONN];
	const struct tcp_side *cl = &c->side[TCP_INITIATOR], *sv = &c->side[TCP_RESPONDER];
	int k = 1;

	sqlite3_bind_int64(st, k++, capture_id);
	sqlite3_bind_int64(st, k++, source_id);
	sqlite3_bind_int(st, k++, c->family);
	sqlite3_bind_text(st, k++, c->init_addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, k++, c->init_port);
	sqlite3_bind_text(st, k++, c->resp_addr, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, k++, c->resp_port);
	sqlite3_bind_text(st, k++, conn_init_rule(c->init_rule), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, k++, c->first_ns);
	sqlite3_bind_int64(st, k++, c->last_ns);
	db_bind_opt_int(st, k++, c->syn_ns);
	db_bind_opt_int(st, k++, c->synack_ns);
	db_bind_opt_text(st, k++, c->closed_by == TCP_INITIATOR ? "client" : c->closed_by == TCP_RESPONDER ? "server" : NULL);
	db_bind_opt_text(st, k++, c->close_kind == TCP_CLOSE_FIN ? "fin" : c->close_kind == TCP_CLOSE_RST ? "rst" : NULL);
	db_bind_opt_int(st, k++, c->close_ns);
	db_bind_opt_int(st, k++, cl->fin_ns);
	db_bind_opt_int(st, k++, sv->fin_ns);
	db_bind_opt_int(st, k++, cl->rst_ns);
	db_bind_opt_int(st, k++, sv->rst_ns);
	bind_ms(st, k++, cl->fin_delay_ns);
	bind_ms(st, k++, sv->fin_delay_ns);
	sqlite3_bind_int64(st, k++, u2i(cl->retrans));
	sqlite3_bind_int64(st, k++, u2i(sv->retrans));
	sqlite3_bind_int64(st, k++, u2i(cl->zero_windows));
	sqlite3_bind_int64(st, k++, u2i(sv->zero_windows));
	sqlite3_bind_int64(st, k++, u2i(cl->bytes));
	sqlite3_bind_int64(st, k++, u2i(sv->bytes));
	sqlite3_bind_text(st, k++, conn_end(c->end), -1, SQLITE_STATIC);
	db_bind_opt_text(st, k++, c->state);
	sqlite3_bind_int64(st, k++, u2i(cl->packets));
	sqlite3_bind_int64(st, k++, u2i(sv->packets));
	db_bind_opt_int(st, k++, cl->last_data_ns);
	db_bind_opt_int(st, k++, sv->last_data_ns);
	return ip_step(ip, IP_CONN);
}

/* --- sockets and owners -------------------------------------------------------- */

/* Runs sql with ?1 bound to the source and ?2 to the slack. */
static int ip_exec_src(struct ingest_pcap *ip, const char *sql, int64_t source_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(ip->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ip_fail(ip, sql);
	sqlite3_bind_int64(st, 1, source_id);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, TIE_SLACK_NS);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return ip_fail(ip, sql);
	return 0;
}

static const char tie_setup[] =
	"DROP TABLE IF EXISTS temp.pc_socks; DROP TABLE IF EXISTS temp.pc_own; DROP TABLE IF EXISTS temp.pc_tie;"
	"CREATE TEMP TABLE pc_tie(conn_id INTEGER, side INTEGER, socket_id INTEGER, owned INTEGER, dist INTEGER);"
	"CREATE TEMP TABLE pc_socks(id INTEGER, laddr TEXT, lport INTEGER, raddr TEXT, rport INTEGER,"
	" seen_from INTEGER, seen_to INTEGER, owned INTEGER);"
	"CREATE TEMP TABLE pc_own(socket_id INTEGER, process_id INTEGER, pid INTEGER, first_snapshot INTEGER);";

/* Candidate sockets: TCP, connected, on a port some connection uses. */
static const char tie_socks[] =
	"INSERT INTO temp.pc_socks SELECT s.id, s.local_addr, s.local_port, s.remote_addr, s.remote_port,"
	" a.wall_ns, coalesce(b.ended_ns, b.wall_ns), s.inode > 0"
	" FROM sockets s JOIN snapshots a ON a.id = s.first_snapshot JOIN snapshots b ON b.id = s.last_snapshot"
	" WHERE s.proto IN ('tcp', 'tcp6') AND s.remote_port > 0"
	" AND s.local_port IN (SELECT client_port FROM tcp_conns WHERE source_id = ?1"
	"                      UNION SELECT server_port FROM tcp_conns WHERE source_id = ?1)";

static const char tie_index[] = "CREATE INDEX temp.pc_socks_ports ON pc_socks(lport, rport)";

/* Every (connection, end, socket) that matches; side 0 client, 1 server. */
#define TIE_MATCH(side, la, lp, ra, rp) \
	"SELECT c.id, " side ", k.id, k.owned, abs(k.seen_from - c.first_ns) FROM tcp_conns c" \
	" JOIN temp.pc_socks k ON k.lport = c." lp " AND k.rport = c." rp \
	" WHERE c.source_id = ?1 AND k.laddr IN (c." la ", '::ffff:' || c." la ")" \
	" AND k.raddr IN (c." ra ", '::ffff:' || c." ra ")" \
	" AND k.seen_from <= c.last_ns + ?2 AND k.seen_to >= c.first_ns - ?2"

static const char tie_matches[] =
	"INSERT INTO temp.pc_tie " TIE_MATCH("0", "client_addr", "client_port", "server_addr", "server_port")
	" UNION ALL " TIE_MATCH("1", "server_addr", "server_port", "client_addr", "client_port");

static const char tie_tie_index[] = "CREATE INDEX temp.pc_tie_conn ON pc_tie(conn_id, side)";

/* Owned sockets first, then the one seen nearest the connection's start. */
static const char tie_update[] =
	"UPDATE tcp_conns SET"
	" client_socket_id = (SELECT socket_id FROM temp.pc_tie t WHERE t.conn_id = tcp_conns.id AND t.side = 0"
	"                     ORDER BY t.owned DESC, t.dist, t.socket_id LIMIT 1),"
	" server_socket_id = (SELECT socket_id FROM temp.pc_tie t WHERE t.conn_id = tcp_conns.id AND t.side = 1"
	"                     ORDER BY t.owned DESC, t.dist, t.socket_id LIMIT 1)"
	" WHERE source_id = ?1 AND id IN (SELECT conn_id FROM temp.pc_tie)";

static const char tie_owners[] =
	"INSERT INTO temp.pc_own SELECT o.socket_id, o.process_id, o.pid, o.first_snapshot FROM v_socket_owners o"
	" WHERE o.socket_id IN (SELECT client_socket_id FROM tcp_conns WHERE source_id = ?1"
	"                       UNION SELECT server_socket_id FROM tcp_conns WHERE source_id = ?1)";

static const char tie_own_index[] = "CREATE INDEX temp.pc_own_socket ON pc_own(socket_id, first_snapshot)";

static const char tie_pids[] =
	"UPDATE tcp_conns SET"
	" client_process_id = (SELECT process_id FROM temp.pc_own o WHERE o.socket_id = tcp_conns.client_socket_id"
	"                      ORDER BY o.first_snapshot LIMIT 1),"
	" server_process_id = (SELECT process_id FROM temp.pc_own o WHERE o.socket_id = tcp_conns.server_socket_id"
	"                      ORDER BY o.first_snapshot LIMIT 1)"
	" WHERE source_id = ?1 AND (client_socket_id IS NOT NULL OR server_socket_id IS NOT NULL)";

static const char tie_pid_numbers[] =
	"UPDATE tcp_conns SET"
	" client_pid = (SELECT pid FROM processes p WHERE p.id = tcp_conns.client_process_id),"
	" server_pid = (SELECT pid FROM processes p WHERE p.id = tcp_conns.server_process_id)"
	" WHERE source_id = ?1 AND (client_process_id IS NOT NULL OR server_process_id IS NOT NULL)";

static const char tie_cleanup[] =
	"DROP TABLE IF EXISTS temp.pc_socks; DROP TABLE IF EXISTS temp.pc_own; DROP TABLE IF EXISTS temp.pc_tie;";

int ingest_pcap_tie(struct ingest_pcap *ip, int64_t source_id)
{
	int r = -1;

	if (ip_exec(ip, tie_setup) < 0)
		return -1;
	if (ip_exec_src(ip, tie_socks, source_id) < 0 || ip_exec(ip, tie_index) < 0 ||
	    ip_exec_src(ip, tie_matches, source_id) < 0 || ip_exec(ip, tie_tie_index) < 0 ||
	    ip_exec_src(ip, tie_update, source_id) < 0 || ip_exec_src(ip, tie_owners, source_id) < 0)
		goto out;
	if (ip_exec(ip, tie_own_index) < 0 || ip_exec_src(ip, tie_pids, source_id) < 0 ||
	    ip_exec_src(ip, tie_pid_numbers, source_id) < 0)
		goto out;
	r = 0;
out:
	if (ip_exec(ip, tie_cleanup) < 0)
		r = -1;
	return r;
}

int ingest_pcap_source_times(struct ingest_pcap *ip, int64_t source_id)
{
	return ip_exec_src(ip, "UPDATE sources SET"
			   " started_ns = coalesce(started_ns, (SELECT min(first_ns) FROM captures WHERE source_id = ?1)),"
			   " ended_ns = coalesce(ended_ns, (SELECT max(last_ns) FROM captures WHERE source_id = ?1))"
			   " WHERE id = ?1", source_id);
}

/* --- fixed-delay closes ------------------------------------------------------ */

/* One connection closed first by a FIN after data, seen from its closer. */
struct cd_item {
	double delay_ms;
	int64_t close_ns;
	int64_t closer_pid, peer_pid;
};

/* The connections of one (server addr, server port, client addr) group. */
struct cd_group {
	char *server_addr, *client_addr;
	int64_t server_port;
	uint64_t n_total;
	struct cd_item *by[2];     /* [0] closed by the client, [1] by the server */
	size_t n[2], cap[2];
};

static void cd_group_reset(struct cd_group *g)
{
	free(g->server_addr);
	free(g->client_addr);
	g->server_addr = g->client_addr = NULL;
	g->n_total = 0;
	g->n[0] = g->n[1] = 0;
}

static void cd_group_free(struct cd_group *g)
{
	cd_group_reset(g);
	free(g->by[0]);
	free(g->by[1]);
}

/* The most frequent known pid among members (the first seen on a tie).
 * One closer endpoint has a handful of owners at most: a small table. */
static int64_t cd_pid(const struct cd_item *it, size_t n, const struct close_delay_cluster *cl, int closer)
{
	struct { int64_t pid; size_t n; } seen[8];
	size_t i, j, nseen = 0, best = 0;

	for (i = 0; i < n; i++) {
		int64_t p = closer ? it[i].closer_pid : it[i].peer_pid;

		if (p == SM_NONE || it[i].delay_ms / 1e3 < cl->min || it[i].delay_ms / 1e3 > cl->max)
			continue;
		for (j = 0; j < nseen && seen[j].pid != p; j++)
			;
		if (j == nseen) {
			if (nseen == sizeof(seen) / sizeof(seen[0]))
				continue;
			seen[nseen].pid = p;
			seen[nseen++].n = 0;
		}
		seen[j].n++;
	}
	for (j = 1; j < nseen; j++)
		if (seen[j].n > seen[best].n)
			best = j;
	return nseen ? seen[best].pid : SM_NONE;
}

/* Record the cluster of role (0 client, 1 server) in g, if there is one. */
static int cd_group_emit(struct ingest_pcap *ip, int64_t source_id, struct cd_group *g, int role)
{
	sqlite3_stmt *st = ip->st[IP_DELAY];
	struct close_delay_cluster cl;
	const struct cd_item *it = g->by[role];
	size_t n = g->n[role], i;
	double *d = NULL, spread;
	int64_t first = SM_NONE, last = SM_NONE;
	int r;

	if (n < CLOSE_DELAY_MIN_N)
		return 0;
	d = xreallocarray(NULL, n, sizeof(*d));
	for (i = 0; i < n; i++)
		d[i] = it[i].delay_ms / 1e3;
	r = close_delay_cluster(d, n, &cl);
	free(d);
	if (r < 0 || !cl.is_cluster)
		return 0;
	for (i = 0; i < n; i++) {
		if (it[i].delay_ms / 1e3 < cl.min || it[i].delay_ms / 1e3 > cl.max)
			continue;
		if (first == SM_NONE || it[i].close_ns < first)
			first = it[i].close_ns;
		if (last == SM_NONE || it[i].close_ns > last)
			last = it[i].close_ns;
	}
	spread = cl.max - cl.median > cl.median - cl.min ? cl.max - cl.median : cl.median - cl.min;
	sqlite3_bind_int64(st, 1, source_id);
	sqlite3_bind_text(st, 2, role ? g->server_addr : g->client_addr, -1, SQLITE_TRANSIENT);
	if (role)
		sqlite3_bind_int64(st, 3, g->server_port);
	sqlite3_bind_text(st, 4, role ? "server" : "client", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, role ? g->client_addr : g->server_addr, -1, SQLITE_TRANSIENT);
	if (!role)
		sqlite3_bind_int64(st, 6, g->server_port);
	sqlite3_bind_double(st, 7, cl.median * 1e3);
	sqlite3_bind_double(st, 8, spread * 1e3);
	sqlite3_bind_int64(st, 9, (int64_t)cl.count);
	sqlite3_bind_int64(st, 10, u2i(g->n_total));
	db_bind_opt_int(st, 11, first);
	db_bind_opt_int(st, 12, last);
	db_bind_opt_int(st, 13, cd_pid(it, n, &cl, 1));
	db_bind_opt_int(st, 14, cd_pid(it, n, &cl, 0));
	sqlite3_bind_int64(st, 15, (int64_t)cl.n);
	sqlite3_bind_double(st, 16, cl.share);
	sqlite3_bind_double(st, 17, cl.tolerance * 1e3);
	return ip_step(ip, IP_DELAY);
}

static int64_t col_opt_int(sqlite3_stmt *st, int col)
{
	return sqlite3_column_type(st, col) == SQLITE_NULL ? SM_NONE : sqlite3_column_int64(st, col);
}

static int cd_same_group(const struct cd_group *g, sqlite3_stmt *q)
{
	return g->server_addr && !strcmp(g->server_addr, (const char *)sqlite3_column_text(q, 0)) &&
	       g->server_port == sqlite3_column_int64(q, 1) &&
	       !strcmp(g->client_addr, (const char *)sqlite3_column_text(q, 2));
}

static void cd_group_add(struct cd_group *g, sqlite3_stmt *q)
{
	const char *by = (const char *)sqlite3_column_text(q, 3);
	int role;
	struct cd_item *it;

	g->n_total++;
	if (!by || sqlite3_column_type(q, 4) == SQLITE_NULL)
		return;   /* not closed by a FIN after data */
	role = !strcmp(by, "server");
	if (g->n[role] == g->cap[role]) {
		g->cap[role] = g->cap[role] ? 2 * g->cap[role] : 16;
		g->by[role] = xreallocarray(g->by[role], g->cap[role], sizeof(*g->by[role]));
	}
	it = &g->by[role][g->n[role]++];
	it->delay_ms = sqlite3_column_double(q, 4);
	it->close_ns = sqlite3_column_int64(q, 5);
	it->closer_pid = col_opt_int(q, role ? 7 : 6);
	it->peer_pid = col_opt_int(q, role ? 6 : 7);
}

static const char delays_sql[] =
	"SELECT server_addr, server_port, client_addr, closed_by,"
	" CASE WHEN close_kind = 'fin' AND closed_by = 'client' THEN client_fin_delay_ms"
	"      WHEN close_kind = 'fin' AND closed_by = 'server' THEN server_fin_delay_ms END,"
	" close_ns, client_pid, server_pid"
	" FROM tcp_conns WHERE source_id = ?1 ORDER BY server_addr, server_port, client_addr";

int ingest_close_delays(struct ingest_pcap *ip, int64_t source_id)
{
	struct cd_group g;
	sqlite3_stmt *q = NULL;
	int rc, r = -1;

	memset(&g, 0, sizeof(g));
	if (sqlite3_prepare_v2(ip->db, delays_sql, -1, &q, NULL) != SQLITE_OK)
		return ip_fail(ip, delays_sql);
	sqlite3_bind_int64(q, 1, source_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (!cd_same_group(&g, q)) {
			if (g.server_addr && (cd_group_emit(ip, source_id, &g, 0) < 0 ||
					      cd_group_emit(ip, source_id, &g, 1) < 0))
				goto out;
			cd_group_reset(&g);
			g.server_addr = xstrdup((const char *)sqlite3_column_text(q, 0));
			g.server_port = sqlite3_column_int64(q, 1);
			g.client_addr = xstrdup((const char *)sqlite3_column_text(q, 2));
		}
		cd_group_add(&g, q);
	}
	if (rc != SQLITE_DONE) {
		ip_fail(ip, delays_sql);
		goto out;
	}
	if (g.server_addr && (cd_group_emit(ip, source_id, &g, 0) < 0 || cd_group_emit(ip, source_id, &g, 1) < 0))
		goto out;
	r = 0;
out:
	sqlite3_finalize(q);
	cd_group_free(&g);
	return r;
}
