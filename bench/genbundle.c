/*
 * genbundle: writes a realistic synthetic sockmortem bundle with the real
 * bundle writer (collect/bundle_writer.h), for the analyzer benchmarks.
 *
 *   genbundle -o OUT [-f] [-s STEADY] [-n SNAPSHOTS] [-i INTERVAL_S]
 *             [-l LEAK] [-c CHURN_PCT] [-w TIME_WAIT_PCT] [-z LEVEL] [-q]
 *             [-H HOSTNAME] [-t START]
 *
 *   -o OUT     the bundle to write (-f: overwrite an existing file)
 *   -s N       steady TCP connections (default 10000), spread over four
 *              server processes (nginx, gateway, authsvc, redis-server);
 *              a tenth of them are 127.0.0.1 pairs nginx -> gateway:8080
 *   -n N       snapshots (default 720)
 *   -i S       seconds between snapshots (default 5)
 *   -l N       leaked sockets per snapshot (default 5): the gateway's
 *              outbound connections to 10.0.3.17:5432 that the database
 *              closed and the gateway never did, held in CLOSE_WAIT by fds
 *              it never closes
 *   -c PCT     churn: PCT % of the steady connections (default 1) are
 *              replaced at every snapshot after the first (client
 *              connections only, never the loopback pairs): the old one
 *              goes, a new one from a new client port takes its fd number
 *   -w PCT     of the churned connections, PCT % (default 50) were closed
 *              by this host and sit in TIME_WAIT (inode 0) for 60 s
 *   -z LEVEL   zstd level (default 1, like the collector)
 *   -q         no description
 *   -H NAME    the host's name (default gw-prod-07); its boot id is derived
 *              from it, so bundles of one -H share process identities
 *   -t START   wall time of the first snapshot, epoch seconds (default
 *              2026-11-20T09:00:00Z); for series of periodic bundles
 *
 * Every member is in the exact format the kernel and the collector write
 * (see README.md "The bundle format"): manifest.json; per snapshot
 * net/4026531840/{tcp,tcp6,udp,unix,sockstat,netstat,snmp}, then
 * proc/PID/{comm,stat,status,limits,cmdline,ns,fd} for six processes (pid
 * order), then meta.json last; then end.json (reason "count"). Each
 * snapshot is one zstd frame. Output is deterministic for given options.
 *
 * Prints a description, then one line the benchmark script reads:
 *   expect snapshots=N tcp_rows=R tcp_identities=I close_wait_last=C leaked=L ...
 * tcp_rows: rows in all the /proc/net/tcp members; tcp_identities: the
 * distinct tcp socket identities (inode, or 4-tuple for TIME_WAIT);
 * close_wait_last: CLOSE_WAIT rows in the last snapshot.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle_writer.h"
#include "hashmap.h"
#include "strbuf.h"

#define NETNS 4026531840ULL
#define NS_PREFIX "net/4026531840/"
#define HOST_ADDR 0x0A000005u        /* 10.0.0.5 */
#define LOOPBACK 0x7F000001u
#define DB_ADDR 0x0A000311u          /* 10.0.3.17 */
#define TCP_LINE 149                 /* tcp4_seq_show: seq_setwidth(TMPSZ - 1) */
#define UDP_LINE 127                 /* udp4_seq_show: seq_setwidth(127) */
#define TW_SECONDS 60

enum { ST_ESTABLISHED = 1, ST_TIME_WAIT = 6, ST_CLOSE_WAIT = 8, ST_LISTEN = 10 };

/* --- output buffer with fast fixed-format writers -------------------------- */

struct buf {
	char *p;
	size_t len, cap;
};

static void b_need(struct buf *b, size_t n)
{
	if (b->len + n <= b->cap)
		return;
	while (b->len + n > b->cap)
		b->cap = b->cap ? b->cap * 2 : 65536;
	b->p = xreallocarray(b->p, b->cap, 1);
}

static void b_mem(struct buf *b, const void *s, size_t n)
{
	b_need(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void b_str(struct buf *b, const char *s)
{
	b_mem(b, s, strlen(s));
}

static void b_ch(struct buf *b, char c)
{
	b_need(b, 1);
	b->p[b->len++] = c;
}

/* Hex, zero-padded to at least w digits ("%0*X" / "%0*x"). */
static void b_hex(struct buf *b, uint64_t v, int w, int lower)
{
	const char *dig = lower ? "0123456789abcdef" : "0123456789ABCDEF";
	char t[16];
	int n = 0;

	do {
		t[n++] = dig[v & 15];
		v >>= 4;
	} while (v);
	b_need(b, (size_t)(w > n ? w : n));
	while (w-- > n)
		b->p[b->len++] = '0';
	while (n)
		b->p[b->len++] = t[--n];
}

/* Decimal, right-aligned in at least w columns ("%*lld"). */
static void b_dec(struct buf *b, int64_t sv, int w)
{
	char t[24];
	int n = 0, neg = sv < 0;
	uint64_t v = neg ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		t[n++] = '-';
	b_need(b, (size_t)(w > n ? w : n));
	while (w-- > n)
		b->p[b->len++] = ' ';
	while (n)
		b->p[b->len++] = t[--n];
}

/* seq_pad: blanks up to width columns from start, then the newline. */
static void b_pad_nl(struct buf *b, size_t start, size_t width)
{
	while (b->len - start < width)
		b_ch(b, ' ');
	b_ch(b, '\n');
}

__attribute__((format(printf, 2, 3)))
static void b_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		b_need(b, (size_t)n + 1);
	}
}

/* --- deterministic pseudo-randomness --------------------------------------- */

static uint64_t rng_state = 0x5eed5eed12345678ULL;

static uint64_t rng(void)
{
	rng_state += 0x9e3779b97f4a7c15ULL;
	return hash_mix64(rng_state);
}

/* --- the scene -------------------------------------------------------------- */

struct gsock {
	uint32_t laddr, raddr;     /* a.b.c.d as a<<24 | b<<16 | c<<8 | d */
	uint16_t lport, rport;
	uint8_t state;
	uint8_t keepalive;
	uint32_t uid;
	uint64_t inode;
	int proc;                  /* owner (index into procs) */
	int fd;
	int64_t born;              /* snapshot it first appears in */
};

struct gtw {
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	int64_t born, last;
};

struct gproc {
	int pid, ppid;
	const char *comm;
	const char *cmdline[6];
	uint32_t uid;
	uint64_t start_ticks;      /* stat field 22: clock ticks after boot */
	int threads;
	int64_t nofile_soft, nofile_hard;   /* -1: unlimited */
	int64_t rss_kb;
	const char *log;           /* its log file, or NULL */
	uint16_t listen_port;      /* 0: no tcp listener */
	uint32_t client_net;       /* where its clients come from (10.x.0.0) */
	uint64_t listen_inode;
	uint64_t extra_inodes[4];  /* unix/udp/tcp6 sockets it holds, fd order */
	int nextra;
	int first_sock_fd;         /* first fd of the steady connections */
	int next_fd;               /* for leaked sockets (gateway) */
	uint64_t pipe_inode;
	uint64_t client_seq;       /* next client (address, port) */
	/* steady sockets it owns, in fd order */
	size_t *own;
	size_t nown, aown;
};

enum { P_SYSTEMD, P_SSHD, P_REDIS, P_NGINX, P_GATEWAY, P_AUTHSVC, NPROC };

static struct gproc procs[NPROC] = {
	[P_SYSTEMD] = { .pid = 1, .ppid = 0, .comm = "systemd", .cmdline = { "/sbin/init", NULL },
			.uid = 0, .start_ticks = 2, .threads = 1, .nofile_soft = 1048576,
			.nofile_hard = 1048576, .rss_kb = 12400 },
	[P_SSHD] = { .pid = 812, .ppid = 1, .comm = "sshd",
		     .cmdline = { "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", NULL },
		     .uid = 0, .start_ticks = 412, .threads = 1, .nofile_soft = 1024, .nofile_hard = 524288,
		     .rss_kb = 7800, .listen_port = 22 },
	[P_REDIS] = { .pid = 1320, .ppid = 1, .comm = "redis-server",
		      .cmdline = { "/usr/bin/redis-server 0.0.0.0:6379", NULL }, .uid = 110,
		      .start_ticks = 835, .threads = 5, .nofile_soft = 10032, .nofile_hard = 10032,
		      .rss_kb = 48200, .log = "/var/log/redis/redis-server.log", .listen_port = 6379,
		      .client_net = 0x0A040000u },
	[P_NGINX] = { .pid = 1481, .ppid = 1480, .comm = "nginx", .cmdline = { "nginx: worker process", NULL },
		      .uid = 33, .start_ticks = 901, .threads = 1, .nofile_soft = 65536, .nofile_hard = 65536,
		      .rss_kb = 38400, .log = "/var/log/nginx/error.log", .listen_port = 443,
		      .client_net = 0x0A010000u },
	[P_GATEWAY] = { .pid = 2210, .ppid = 1, .comm = "gateway",
			.cmdline = { "/opt/gw/bin/gateway", "-config", "/etc/gw/gateway.yaml", NULL },
			.uid = 1000, .start_ticks = 1530, .threads = 24, .nofile_soft = 65536,
			.nofile_hard = 524288, .rss_kb = 182000, .log = "/var/log/gw/gateway.log",
			.listen_port = 8080, .client_net = 0x0A020000u },
	[P_AUTHSVC] = { .pid = 2305, .ppid = 1, .comm = "authsvc",
			.cmdline = { "/opt/auth/authsvc", "--listen=:9000", NULL }, .uid = 1001,
			.start_ticks = 1544, .threads = 8, .nofile_soft = 65536, .nofile_hard = 65536,
			.rss_kb = 96000, .log = "/var/log/auth/authsvc.log", .listen_port = 9000,
			.client_net = 0x0A030000u },
};

static const int servers[4] = { P_NGINX, P_GATEWAY, P_AUTHSVC, P_REDIS };

struct scene {
	/* options */
	long steady, snapshots, leak_per;
	double interval, churn_pct, tw_pct;
	/* state */
	uint64_t next_inode;
	uint64_t next_ephemeral;   /* this host's outbound ports */
	struct gsock *st;          /* steady connections (churn replaces in place) */
	size_t nst;
	size_t *eligible;          /* steady indices that may churn */
	size_t nelig;
	struct gsock *leak;
	size_t nleak, aleak;
	struct gtw *tw;
	size_t ntw, atw;
	long tw_life;              /* snapshots a TIME_WAIT entry stays */
	long churn_per;            /* replaced per snapshot */
	/* the small fixed tables */
	uint64_t ssh6_listen, ssh6_conn, udp_statsd, udp_auth;
	uint64_t ux_notify, ux_private, ux_admin, ux_sshd, ux_sysd;
	uint64_t fds_total;
	/* expectations */
	uint64_t tcp_rows, tcp_identities, churned, timewaits, close_wait_last, est_last;
	/* clocks */
	int64_t wall0_ns, boot_wall_ns;
	uint64_t ctr_seed;
	const char *host;          /* -H */
	char boot_id[40];
};

static uint64_t new_inode(struct scene *sc)
{
	return sc->next_inode++;
}

/* A fresh client (address, port) for server process p: never reused. */
static void client_of(struct gproc *p, uint32_t *addr, uint16_t *port)
{
	uint64_t s = p->client_seq++;

	*addr = p->client_net + 1 + (uint32_t)((s / 28000) % 65000);
	*port = (uint16_t)(32768 + s % 28000);
}

static void own_add(struct gproc *p, size_t idx)
{
	if (p->nown == p->aown) {
		p->aown = p->aown ? p->aown * 2 : 1024;
		p->own = xreallocarray(p->own, p->aown, sizeof(*p->own));
	}
	p->own[p->nown++] = idx;
}

static void scene_init(struct scene *sc)
{
	long per = sc->steady / 4, pairs = sc->steady / 20, i;
	size_t k;
	int s;

	sc->next_inode = 2100000;
	sc->next_ephemeral = 0;
	for (s = 0; s < NPROC; s++) {
		struct gproc *p = &procs[s];
		p->pipe_inode = new_inode(sc);
		if (p->listen_port)
			p->listen_inode = new_inode(sc);
	}
	sc->ssh6_listen = new_inode(sc);
	sc->ssh6_conn = new_inode(sc);
	sc->udp_statsd = new_inode(sc);
	sc->udp_auth = new_inode(sc);
	sc->ux_notify = new_inode(sc);
	sc->ux_private = new_inode(sc);
	sc->ux_admin = new_inode(sc);
	sc->ux_sshd = new_inode(sc);
	sc->ux_sysd = new_inode(sc);
	procs[P_SYSTEMD].extra_inodes[0] = sc->ux_notify;
	procs[P_SYSTEMD].extra_inodes[1] = sc->ux_private;
	procs[P_SYSTEMD].extra_inodes[2] = sc->ux_sysd;
	procs[P_SYSTEMD].nextra = 3;
	procs[P_SSHD].extra_inodes[0] = sc->ssh6_listen;
	procs[P_SSHD].extra_inodes[1] = sc->ssh6_conn;
	procs[P_SSHD].extra_inodes[2] = sc->ux_sshd;
	procs[P_SSHD].nextra = 3;
	procs[P_GATEWAY].extra_inodes[0] = sc->ux_admin;
	procs[P_GATEWAY].extra_inodes[1] = sc->udp_statsd;
	procs[P_GATEWAY].nextra = 2;
	procs[P_AUTHSVC].extra_inodes[0] = sc->udp_auth;
	procs[P_AUTHSVC].nextra = 1;
	for (s = 0; s < NPROC; s++) {
		struct gproc *p = &procs[s];
		/* 0-2 stdio, 3 log, 4 epoll, 5 eventfd, then sockets */
		p->first_sock_fd = 6 + (p->listen_port ? 1 : 0) + p->nextra;
		p->next_fd = p->first_sock_fd;
	}

	sc->nst = (size_t)sc->steady;
	sc->st = xcalloc(sc->nst ? sc->nst : 1, sizeof(*sc->st));
	sc->eligible = xcalloc(sc->nst ? sc->nst : 1, sizeof(*sc->eligible));
	k = 0;
	/* Loopback pairs nginx -> gateway:8080, both ends on this host. */
	for (i = 0; i < pairs; i++) {
		struct gsock *c = &sc->st[k], *d = &sc->st[k + 1];
		uint16_t eph = (uint16_t)(32768 + sc->next_ephemeral++ % 28000);

		c->laddr = LOOPBACK; c->lport = eph; c->raddr = LOOPBACK; c->rport = 8080;
		c->state = ST_ESTABLISHED; c->uid = procs[P_NGINX].uid; c->inode = new_inode(sc);
		c->proc = P_NGINX; c->fd = procs[P_NGINX].next_fd++; c->born = 1; c->keepalive = 1;
		own_add(&procs[P_NGINX], k);
		d->laddr = LOOPBACK; d->lport = 8080; d->raddr = LOOPBACK; d->rport = eph;
		d->state = ST_ESTABLISHED; d->uid = procs[P_GATEWAY].uid; d->inode = new_inode(sc);
		d->proc = P_GATEWAY; d->fd = procs[P_GATEWAY].next_fd++; d->born = 1; d->keepalive = 0;
		own_add(&procs[P_GATEWAY], k + 1);
		k += 2;
	}
	/* Client connections: each server gets its share, pairs included. */
	for (s = 0; s < 4; s++) {
		struct gproc *p = &procs[servers[s]];
		long want = per + (s == 0 ? sc->steady - 4 * per : 0);
		long have = (long)p->nown;

		for (i = have; i < want && k < sc->nst; i++) {
			struct gsock *c = &sc->st[k];

			c->laddr = HOST_ADDR; c->lport = p->listen_port;
			client_of(p, &c->raddr, &c->rport);
			c->state = ST_ESTABLISHED; c->uid = p->uid; c->inode = new_inode(sc);
			c->proc = servers[s]; c->fd = p->next_fd++; c->born = 1;
			c->keepalive = (uint8_t)(hash_mix64(c->inode) & 1);
			own_add(p, k);
			sc->eligible[sc->nelig++] = k;
			k++;
		}
	}
	sc->nst = k;
	sc->tw_life = (long)((TW_SECONDS + sc->interval - 1e-9) / sc->interval);
	if (sc->tw_life < 1)
		sc->tw_life = 1;
	sc->churn_per = (long)(sc->steady * sc->churn_pct / 100.0 + 0.5);
	if ((size_t)sc->churn_per > sc->nelig)
		sc->churn_per = (long)sc->nelig;
	/* identities: listeners (v4), steady; churn, TIME_WAIT and leak add */
	for (s = 0; s < NPROC; s++)
		sc->tcp_identities += procs[s].listen_port != 0;
	sc->tcp_identities += sc->nst;
}

/* Snapshot k (1-based): churn and leak happen between k-1 and k. */
static void scene_step(struct scene *sc, int64_t k)
{
	long j;

	if (k > 1) {
		for (j = 0; j < sc->churn_per; j++) {
			size_t r = (size_t)j + (size_t)(rng() % (sc->nelig - (size_t)j));
			size_t t = sc->eligible[j], idx;
			struct gsock *c;
			struct gproc *p;

			sc->eligible[j] = sc->eligible[r];
			sc->eligible[r] = t;
			idx = sc->eligible[j];
			c = &sc->st[idx];
			p = &procs[c->proc];
			if ((double)(rng() % 10000) < sc->tw_pct * 100.0) {
				if (sc->ntw == sc->atw) {
					sc->atw = sc->atw ? sc->atw * 2 : 1024;
					sc->tw = xreallocarray(sc->tw, sc->atw, sizeof(*sc->tw));
				}
				sc->tw[sc->ntw].laddr = c->laddr;
				sc->tw[sc->ntw].lport = c->lport;
				sc->tw[sc->ntw].raddr = c->raddr;
				sc->tw[sc->ntw].rport = c->rport;
				sc->tw[sc->ntw].born = k;
				sc->tw[sc->ntw].last = k + sc->tw_life - 1;
				sc->ntw++;
				sc->timewaits++;
				sc->tcp_identities++;
			}
			/* The freed fd number goes to the next accept(). */
			client_of(p, &c->raddr, &c->rport);
			c->inode = new_inode(sc);
			c->born = k;
			c->keepalive = (uint8_t)(hash_mix64(c->inode) & 1);
			sc->churned++;
			sc->tcp_identities++;
		}
		/* forget TIME_WAIT entries that are over */
		{
			size_t a, keep = 0;
			for (a = 0; a < sc->ntw; a++)
				if (sc->tw[a].last >= k)
					sc->tw[keep++] = sc->tw[a];
			sc->ntw = keep;
		}
	}
	for (j = 0; j < sc->leak_per; j++) {
		struct gsock *c;

		if (sc->nleak == sc->aleak) {
			sc->aleak = sc->aleak ? sc->aleak * 2 : 1024;
			sc->leak = xreallocarray(sc->leak, sc->aleak, sizeof(*sc->leak));
		}
		c = &sc->leak[sc->nleak++];
		memset(c, 0, sizeof(*c));
		c->laddr = HOST_ADDR;
		c->lport = (uint16_t)(32768 + sc->next_ephemeral++ % 28000);
		c->raddr = DB_ADDR;
		c->rport = 5432;
		c->state = ST_CLOSE_WAIT;
		c->uid = procs[P_GATEWAY].uid;
		c->inode = new_inode(sc);
		c->proc = P_GATEWAY;
		c->fd = procs[P_GATEWAY].next_fd++;
		c->born = k;
		sc->tcp_identities++;
	}
}

/* --- /proc/net tables ---------------------------------------------------------- */

static uint32_t le_word(uint32_t a)
{
	return ((a & 0xff) << 24) | ((a & 0xff00) << 8) | ((a >> 8) & 0xff00) | (a >> 24);
}

/* %pK with pointer hashing: 32 significant bits in a 64-bit field. */
static void b_ptr(struct buf *b, uint64_t seed)
{
	b_hex(b, hash_mix64(seed ^ 0xabcdef) & 0xffffffffu, 16, 1);
}

static void tcp_head(struct buf *b, uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
		     unsigned sl, int st)
{
	b_dec(b, sl, 4);
	b_mem(b, ": ", 2);
	b_hex(b, le_word(laddr), 8, 0);
	b_ch(b, ':');
	b_hex(b, lport, 4, 0);
	b_ch(b, ' ');
	b_hex(b, le_word(raddr), 8, 0);
	b_ch(b, ':');
	b_hex(b, rport, 4, 0);
	b_ch(b, ' ');
	b_hex(b, (uint64_t)st, 2, 0);
	b_ch(b, ' ');
}

/* get_tcp4_sock: "... %08X %5u %8d %lu %d %pK %lu %lu %u %u %d", padded. */
static void tcp_full_row(struct buf *b, unsigned sl, const struct gsock *c, int64_t k, double interval)
{
	size_t start = b->len;
	uint64_t h = hash_mix64(c->inode * 1315423911u + (uint64_t)k);
	uint64_t tx = 0, rx = 0, when = 0;
	int timer = 0;

	if (c->state == ST_ESTABLISHED) {
		if (h % 50 == 0)
			rx = (h >> 8) % 4000 + 1;
		else if (h % 50 == 1)
			tx = (h >> 8) % 16000 + 1;
		if (c->keepalive) {
			/* keepalive at 7200 s, counting down since the socket appeared */
			uint64_t age = (uint64_t)((double)(k - c->born) * interval * 100.0);
			timer = 2;
			when = 720000 - age % 720000;
		}
	} else if (c->state == ST_LISTEN) {
		rx = 0;
	}
	tcp_head(b, c->laddr, c->lport, c->raddr, c->rport, sl, c->state);
	b_hex(b, tx, 8, 0);
	b_ch(b, ':');
	b_hex(b, rx, 8, 0);
	b_ch(b, ' ');
	b_hex(b, (uint64_t)timer, 2, 0);
	b_ch(b, ':');
	b_hex(b, when, 8, 0);
	b_mem(b, " 00000000 ", 10);
	b_dec(b, c->uid, 5);
	b_ch(b, ' ');
	b_dec(b, 0, 8);
	b_ch(b, ' ');
	b_dec(b, (int64_t)c->inode, 0);
	b_mem(b, " 1 ", 3);
	b_ptr(b, c->inode);
	if (c->state == ST_LISTEN)
		b_str(b, " 100 0 0 10 0");
	else if (c->state == ST_CLOSE_WAIT)
		b_str(b, " 20 4 1 10 -1");
	else
		b_str(b, " 20 4 30 10 -1");
	b_pad_nl(b, start, TCP_LINE);
}

/* get_timewait4_sock: "... %08X %5d %8d %d %d %pK", padded. */
static void tcp_tw_row(struct buf *b, unsigned sl, const struct gtw *t, int64_t k, double interval)
{
	size_t start = b->len;
	int64_t left = (int64_t)(TW_SECONDS * 100) - (int64_t)((double)(k - t->born) * interval * 100.0) -
		       (int64_t)(hash_mix64((uint64_t)t->rport * 31 + t->raddr) % 400);

	if (left < 0)
		left = 0;
	tcp_head(b, t->laddr, t->lport, t->raddr, t->rport, sl, ST_TIME_WAIT);
	b_mem(b, "00000000:00000000 03:", 21);
	b_hex(b, (uint64_t)left, 8, 0);
	b_mem(b, " 00000000     0        0 0 3 ", 29);
	b_ptr(b, ((uint64_t)t->raddr << 16) ^ t->rport);
	b_pad_nl(b, start, TCP_LINE);
}

static void gen_tcp(struct scene *sc, struct buf *b, int64_t k)
{
	unsigned sl = 0;
	size_t i, start = b->len;
	int s;
	uint64_t cw = 0, est = 0;

	b_str(b, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	b_pad_nl(b, start, TCP_LINE);
	for (s = 0; s < NPROC; s++) {
		struct gproc *p = &procs[s];
		struct gsock l;

		if (!p->listen_port)
			continue;
		memset(&l, 0, sizeof(l));
		l.state = ST_LISTEN;
		l.lport = p->listen_port;
		l.uid = p->uid;
		l.inode = p->listen_inode;
		tcp_full_row(b, sl++, &l, k, sc->interval);
	}
	for (i = 0; i < sc->nst; i++) {
		tcp_full_row(b, sl++, &sc->st[i], k, sc->interval);
		est++;
	}
	for (i = 0; i < sc->nleak; i++) {
		tcp_full_row(b, sl++, &sc->leak[i], k, sc->interval);
		cw++;
	}
	for (i = 0; i < sc->ntw; i++)
		if (sc->tw[i].born <= k && sc->tw[i].last >= k)
			tcp_tw_row(b, sl++, &sc->tw[i], k, sc->interval);
	sc->tcp_rows += sl;
	sc->close_wait_last = cw;
	sc->est_last = est;
}

static void ip6_word4(struct buf *b, const unsigned char a[16])
{
	int w;

	for (w = 0; w < 4; w++)
		b_hex(b, (uint64_t)a[4 * w] | (uint64_t)a[4 * w + 1] << 8 | (uint64_t)a[4 * w + 2] << 16 |
			  (uint64_t)a[4 * w + 3] << 24, 8, 0);
}

static void gen_tcp6(struct scene *sc, struct buf *b, int64_t k)
{
	static const unsigned char any[16] = { 0 };
	static const unsigned char me[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 };
	static const unsigned char adm[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77 };

	b_str(b, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
	b_str(b, "   0: ");
	ip6_word4(b, any);
	b_str(b, ":0016 ");
	ip6_word4(b, any);
	b_str(b, ":0000 0A 00000000:00000000 00:00000000 00000000     0        0 ");
	b_dec(b, (int64_t)sc->ssh6_listen, 0);
	b_str(b, " 1 ");
	b_ptr(b, sc->ssh6_listen);
	b_str(b, " 100 0 0 10 0\n");
	b_str(b, "   1: ");
	ip6_word4(b, me);
	b_str(b, ":0016 ");
	ip6_word4(b, adm);
	b_str(b, ":C87A 01 00000000:00000000 02:");
	b_hex(b, 720000 - (uint64_t)((double)k * sc->interval * 100.0) % 720000, 8, 0);
	b_str(b, " 00000000     0        0 ");
	b_dec(b, (int64_t)sc->ssh6_conn, 0);
	b_str(b, " 1 ");
	b_ptr(b, sc->ssh6_conn);
	b_str(b, " 20 4 31 10 -1\n");
}

static void udp_row(struct buf *b, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp, int st, uint32_t uid,
		    uint64_t inode)
{
	size_t start = b->len;

	b_dec(b, lp & 127, 5);
	b_mem(b, ": ", 2);
	b_hex(b, le_word(la), 8, 0);
	b_ch(b, ':');
	b_hex(b, lp, 4, 0);
	b_ch(b, ' ');
	b_hex(b, le_word(ra), 8, 0);
	b_ch(b, ':');
	b_hex(b, rp, 4, 0);
	b_ch(b, ' ');
	b_hex(b, (uint64_t)st, 2, 0);
	b_str(b, " 00000000:00000000 00:00000000 00000000 ");
	b_dec(b, uid, 5);
	b_ch(b, ' ');
	b_dec(b, 0, 8);
	b_ch(b, ' ');
	b_dec(b, (int64_t)inode, 0);
	b_str(b, " 2 ");
	b_ptr(b, inode);
	b_str(b, " 0");
	b_pad_nl(b, start, UDP_LINE);
}

static void gen_udp(struct scene *sc, struct buf *b)
{
	size_t start = b->len;

	b_str(b, "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops");
	b_pad_nl(b, start, UDP_LINE);
	udp_row(b, HOST_ADDR, 41234, 0x0A000009u, 8125, 1, procs[P_GATEWAY].uid, sc->udp_statsd);
	udp_row(b, 0, 9001, 0, 0, 7, procs[P_AUTHSVC].uid, sc->udp_auth);
}

static void unix_row(struct buf *b, uint64_t inode, int listen, int type, int st, const char *path)
{
	b_ptr(b, inode);
	b_str(b, ": ");
	b_str(b, listen ? "00000002 00000000 00010000 " : "00000003 00000000 00000000 ");
	b_hex(b, (uint64_t)type, 4, 0);
	b_ch(b, ' ');
	b_hex(b, (uint64_t)st, 2, 0);
	b_ch(b, ' ');
	b_dec(b, (int64_t)inode, 5);
	if (path) {
		b_ch(b, ' ');
		b_str(b, path);
	}
	b_ch(b, '\n');
}

static void gen_unix(struct scene *sc, struct buf *b)
{
	b_str(b, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	unix_row(b, sc->ux_notify, 0, 2, 1, "/run/systemd/notify");
	unix_row(b, sc->ux_private, 1, 1, 1, "/run/systemd/private");
	unix_row(b, sc->ux_admin, 1, 1, 1, "/run/gw/admin.sock");
	unix_row(b, sc->ux_sshd, 0, 1, 3, NULL);
	unix_row(b, sc->ux_sysd, 0, 1, 3, "/run/systemd/journal/stdout");
}

static void gen_sockstat(struct scene *sc, struct buf *b, uint64_t tw_now)
{
	uint64_t inuse = 5 + 2 + sc->nst + sc->nleak;

	b_printf(b, "sockets: used %llu\n", (unsigned long long)(inuse + 2 + 5 + 40));
	b_printf(b, "TCP: inuse %llu orphan 0 tw %llu alloc %llu mem %llu\n", (unsigned long long)inuse,
		 (unsigned long long)tw_now, (unsigned long long)(inuse + 3),
		 (unsigned long long)(inuse / 40 + 12));
	b_str(b, "UDP: inuse 2 mem 2\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n");
}

/* Counter names as a 6.1 kernel prints them (netstat, then snmp). */
static const char *const netstat_groups[] = {
	"TcpExt:"
		" SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled RcvPruned OfoPruned"
		" OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled PAWSActive"
		" PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs DelayedACKLocked"
		" DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks TCPHPAcks TCPRenoRecovery"
		" TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder TCPTSReorder TCPFullUndo TCPPartialUndo"
		" TCPDSACKUndo TCPLossUndo TCPLostRetransmit TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans"
		" TCPSlowStartRetrans TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail TCPRcvCollapsed"
		" TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory"
		" TCPAbortOnTimeout TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono TCPSACKDiscard TCPDSACKIgnoredOld"
		" TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged"
		" TCPSackShiftFallback TCPBacklogCoalesce TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter"
		" TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce TCPOFOQueue TCPOFODrop"
		" TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail"
		" TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv"
		" TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect"
		" TCPHystartDelayCwnd TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 TCPACKSkippedTimeWait TCPACKSkippedChallenge"
		" TCPWinProbe TCPKeepAlive TCPMTUPFail TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed"
		" TCPZeroWindowDrop TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash TcpDuplicateDataRehash TCPDSACKRecvSegs"
		" TCPDSACKIgnoredDubious TCPMigrateReqSuccess TCPMigrateReqFailure TCPPLBRehash",
	"IpExt:"
		" InNoRoutes InTruncatedPkts InMcastPkts OutMcastPkts InBcastPkts OutBcastPkts InOctets"
		" OutOctets InMcastOctets OutMcastOctets InBcastOctets OutBcastOctets InCsumErrors InNoECTPkts"
		" InECT1Pkts InECT0Pkts InCEPkts ReasmOverlaps",
	"MPTcpExt:"
		" MPCapableSYNRX MPCapableSYNTX MPCapableSYNACKRX MPCapableACKRX MPCapableFallbackACK MPCapableFallbackSYNACK MPCapableSYNTXDrop"
		" MPCapableSYNTXDisabled MPCapableEndpAttempt MPFallbackTokenInit MPTCPRetrans MPJoinNoTokenFound MPJoinSynRx MPJoinSynBackupRx"
		" MPJoinSynAckRx MPJoinSynAckBackupRx MPJoinSynAckHMacFailure MPJoinAckRx MPJoinAckHMacFailure MPJoinSynTx MPJoinSynTxCreatSkErr"
		" MPJoinSynTxBindErr MPJoinSynTxConnectErr DSSNotMatching DSSCorruptionFallback DSSCorruptionReset InfiniteMapTx InfiniteMapRx"
		" DSSNoMatchTCP DataCsumErr OFOQueueTail OFOQueue OFOMerge NoDSSInWindow DuplicateData"
		" AddAddr AddAddrTx AddAddrTxDrop EchoAdd EchoAddTx EchoAddTxDrop PortAdd"
		" AddAddrDrop MPJoinPortSynRx MPJoinPortSynAckRx MPJoinPortAckRx MismatchPortSynRx MismatchPortAckRx RmAddr"
		" RmAddrDrop RmAddrTx RmAddrTxDrop RmSubflow MPPrioTx MPPrioRx MPFailTx"
		" MPFailRx MPFastcloseTx MPFastcloseRx MPRstTx MPRstRx RcvPruned SubflowStale"
		" SubflowRecover SndWndShared RcvWndShared RcvWndConflictUpdate RcvWndConflict MPCurrEstab Blackhole",
};

static const char *const snmp_groups[] = {
	"Ip:"
		" Forwarding DefaultTTL InReceives InHdrErrors InAddrErrors ForwDatagrams InUnknownProtos"
		" InDiscards InDelivers OutRequests OutDiscards OutNoRoutes ReasmTimeout ReasmReqds"
		" ReasmOKs ReasmFails FragOKs FragFails FragCreates OutTransmits",
	"Icmp:"
		" InMsgs InErrors InCsumErrors InDestUnreachs InTimeExcds InParmProbs InSrcQuenchs"
		" InRedirects InEchos InEchoReps InTimestamps InTimestampReps InAddrMasks InAddrMaskReps"
		" OutMsgs OutErrors OutRateLimitGlobal OutRateLimitHost OutDestUnreachs OutTimeExcds OutParmProbs"
		" OutSrcQuenchs OutRedirects OutEchos OutEchoReps OutTimestamps OutTimestampReps OutAddrMasks"
		" OutAddrMaskReps",
	"IcmpMsg: InType3 OutType3",
	"Tcp:"
		" RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails"
		" EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts"
		" InCsumErrors",
	"Udp:"
		" InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors"
		" IgnoredMulti MemErrors",
	"UdpLite:"
		" InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors"
		" IgnoredMulti MemErrors",
};

/* A plausible value for a counter at snapshot k: most never move. */
static int64_t counter_value(struct scene *sc, const char *grp, size_t glen, const char *name, size_t nlen,
			     int64_t k)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < glen; i++)
		h = (h ^ (unsigned char)grp[i]) * 1099511628211ULL;
	for (i = 0; i < nlen; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
	h = hash_mix64(h ^ sc->ctr_seed);
#define IS(g, n) (glen == strlen(g) && !memcmp(grp, g, glen) && nlen == strlen(n) && !memcmp(name, n, nlen))
	if (IS("Tcp:", "RtoAlgorithm")) return 1;
	if (IS("Tcp:", "RtoMin")) return 200;
	if (IS("Tcp:", "RtoMax")) return 120000;
	if (IS("Tcp:", "MaxConn")) return -1;
	if (IS("Tcp:", "CurrEstab")) return (int64_t)(sc->est_last + 1);
	if (IS("Ip:", "Forwarding")) return 2;
	if (IS("Ip:", "DefaultTTL")) return 64;
	if (IS("TcpExt:", "TW")) return (int64_t)(sc->timewaits + 81234);
	if (IS("MPTcpExt:", "MPCurrEstab")) return 0;
#undef IS
	switch (h % 10) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		return 0;
	case 6: case 7: case 8:
		return (int64_t)((h >> 8) % 5000 + (uint64_t)k * ((h >> 24) % 7));
	default:
		return (int64_t)((h >> 8) % 90000000 + (uint64_t)k * ((h >> 24) % 20000 + 100));
	}
}

static void gen_counters(struct scene *sc, struct buf *b, const char *const *groups, size_t ngroups, int64_t k)
{
	size_t g;

	for (g = 0; g < ngroups; g++) {
		const char *s = groups[g], *colon = strchr(s, ':'), *p;
		size_t glen = (size_t)(colon - s) + 1;

		b_str(b, s);
		b_ch(b, '\n');
		b_mem(b, s, glen);
		for (p = colon + 1; *p;) {
			const char *e;
			while (*p == ' ')
				p++;
			e = p + strcspn(p, " ");
			if (e == p)
				break;
			b_ch(b, ' ');
			b_dec(b, counter_value(sc, s, glen, p, (size_t)(e - p), k), 0);
			p = e;
		}
		b_ch(b, '\n');
	}
}

/* --- /proc/PID -------------------------------------------------------------------- */

static void gen_stat(struct buf *b, const struct gproc *p, int64_t k, uint64_t nfds)
{
	uint64_t ut = p->start_ticks / 50 + (uint64_t)k * (uint64_t)(p->threads > 1 ? 37 : 3);
	uint64_t rss_pages = (uint64_t)p->rss_kb / 4 + nfds / 8;

	b_printf(b, "%d (%s) S %d %d %d 0 -1 4194624 %llu 0 %llu 0 %llu %llu 0 0 20 0 %d 0 %llu %llu %llu "
		 "18446744073709551615 94250131456000 94250139845321 140726853734400 0 0 0 0 4096 "
		 "%s 0 0 0 17 %d 0 0 0 0 0 94250142093312 94250142521520 94250160680960 140726853741789 "
		 "140726853741816 140726853741816 140726853742563 0\n",
		 p->pid, p->comm, p->ppid, p->pid, p->pid, (unsigned long long)(20000 + (uint64_t)k * 11),
		 (unsigned long long)(120 + (uint64_t)k / 60), (unsigned long long)ut,
		 (unsigned long long)(ut / 3), p->threads, (unsigned long long)p->start_ticks,
		 (unsigned long long)(rss_pages * 4096 * 3 + 2147483648ULL), (unsigned long long)rss_pages,
		 p->pid == 1 ? "671173123" : "1602", (int)(k % 2));
}

static void gen_status(struct buf *b, const struct gproc *p, int64_t k, uint64_t nfds)
{
	uint64_t rss = (uint64_t)p->rss_kb + nfds * 2, fdsize = 64;

	while (fdsize < nfds)
		fdsize *= 2;
	b_printf(b, "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
		 "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%llu\nGroups:\t%u \n"
		 "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\nKthread:\t0\n",
		 p->comm, p->pid, p->pid, p->ppid, p->uid, p->uid, p->uid, p->uid, p->uid, p->uid, p->uid, p->uid,
		 (unsigned long long)fdsize, p->uid, p->pid, p->pid, p->pid, p->pid);
	b_printf(b, "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n"
		 "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\nRssAnon:\t%8llu kB\nRssFile:\t%8llu kB\n"
		 "RssShmem:\t       0 kB\nVmData:\t%8llu kB\nVmStk:\t     132 kB\nVmExe:\t    9044 kB\n"
		 "VmLib:\t    2216 kB\nVmPTE:\t%8llu kB\nVmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\n"
		 "CoreDumping:\t0\nTHP_enabled:\t1\nuntag_mask:\t0xffffffffffffffff\nThreads:\t%d\n"
		 "SigQ:\t0/95712\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
		 "SigBlk:\t0000000000000000\nSigIgn:\t0000000000001000\nSigCgt:\t0000000180004a07\n"
		 "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
		 "CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
		 "Seccomp_filters:\t0\nSpeculation_Store_Bypass:\tthread vulnerable\n"
		 "SpeculationIndirectBranch:\tconditional enabled\nCpus_allowed:\tff\n"
		 "Cpus_allowed_list:\t0-7\nMems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n"
		 "voluntary_ctxt_switches:\t%llu\nnonvoluntary_ctxt_switches:\t%llu\n",
		 (unsigned long long)(rss * 3 + 2097152 + 65536), (unsigned long long)(rss * 3 + 2097152),
		 (unsigned long long)(rss + 1024), (unsigned long long)rss, (unsigned long long)(rss - rss / 8),
		 (unsigned long long)(rss / 8), (unsigned long long)(rss * 2), (unsigned long long)(rss / 100 + 60),
		 p->threads, (unsigned long long)(1000 + (uint64_t)k * 97), (unsigned long long)(40 + (uint64_t)k));
}

static void limit_row(struct buf *b, const char *name, int64_t soft, int64_t hard, const char *units)
{
	char s[24], h[24];

	if (soft < 0)
		snprintf(s, sizeof(s), "unlimited");
	else
		snprintf(s, sizeof(s), "%lld", (long long)soft);
	if (hard < 0)
		snprintf(h, sizeof(h), "unlimited");
	else
		snprintf(h, sizeof(h), "%lld", (long long)hard);
	b_printf(b, "%-25s %-20s %-20s %-10s\n", name, s, h, units);
}

static void gen_limits(struct buf *b, const struct gproc *p)
{
	b_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	limit_row(b, "Max cpu time", -1, -1, "seconds");
	limit_row(b, "Max file size", -1, -1, "bytes");
	limit_row(b, "Max data size", -1, -1, "bytes");
	limit_row(b, "Max stack size", 8388608, -1, "bytes");
	limit_row(b, "Max core file size", 0, -1, "bytes");
	limit_row(b, "Max resident set", -1, -1, "bytes");
	limit_row(b, "Max processes", 95712, 95712, "processes");
	limit_row(b, "Max open files", p->nofile_soft, p->nofile_hard, "files");
	limit_row(b, "Max locked memory", 8388608, 8388608, "bytes");
	limit_row(b, "Max address space", -1, -1, "bytes");
	limit_row(b, "Max file locks", -1, -1, "locks");
	limit_row(b, "Max pending signals", 95712, 95712, "signals");
	limit_row(b, "Max msgqueue size", 819200, 819200, "bytes");
	limit_row(b, "Max nice priority", 0, 0, "");
	limit_row(b, "Max realtime priority", 0, 0, "");
	limit_row(b, "Max realtime timeout", -1, -1, "us");
}

static void fd_line(struct buf *b, int fd, const char *target)
{
	b_dec(b, fd, 0);
	b_ch(b, '\t');
	b_str(b, target);
	b_ch(b, '\n');
}

static void fd_socket(struct buf *b, int fd, uint64_t inode)
{
	b_dec(b, fd, 0);
	b_mem(b, "\tsocket:[", 9);
	b_dec(b, (int64_t)inode, 0);
	b_mem(b, "]\n", 2);
}

/* The fd table as the collector lists it, ascending; returns the fd count. */
static uint64_t gen_fd(struct scene *sc, struct buf *b, const struct gproc *p)
{
	char t[64];
	uint64_t n = 0;
	size_t i;
	int fd = 0, e;

	fd_line(b, fd++, "/dev/null");
	snprintf(t, sizeof(t), "pipe:[%llu]", (unsigned long long)p->pipe_inode);
	fd_line(b, fd++, p->pid == 1 ? "/dev/null" : t);
	fd_line(b, fd++, p->pid == 1 ? "/dev/null" : t);
	fd_line(b, fd++, p->log ? p->log : "/dev/kmsg");
	fd_line(b, fd++, "anon_inode:[eventpoll]");
	fd_line(b, fd++, "anon_inode:[eventfd]");
	n = 6;
	if (p->listen_port) {
		fd_socket(b, fd++, p->listen_inode);
		n++;
	}
	for (e = 0; e < p->nextra; e++) {
		fd_socket(b, fd++, p->extra_inodes[e]);
		n++;
	}
	for (i = 0; i < p->nown; i++) {
		const struct gsock *c = &sc->st[p->own[i]];
		fd_socket(b, c->fd, c->inode);
		n++;
	}
	if (p == &procs[P_GATEWAY])
		for (i = 0; i < sc->nleak; i++) {
			fd_socket(b, sc->leak[i].fd, sc->leak[i].inode);
			n++;
		}
	return n;
}

/* --- JSON bits -------------------------------------------------------------------- */

static void clock_json(struct strbuf *sb, const char *key, int64_t wall_ns, int64_t mono_ns)
{
	time_t secs = (time_t)(wall_ns / 1000000000);
	struct tm tm;
	char when[40];

	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf_addf(sb, "\"%s\":{\"wall\":\"%s.%06lldZ\",\"wall_ns\":%lld,\"mono_ns\":%lld,\"boot_ns\":%lld}", key,
		    when, (long long)(wall_ns % 1000000000 / 1000), (long long)wall_ns, (long long)mono_ns,
		    (long long)(mono_ns + 30));
}

static void manifest(struct scene *sc, struct strbuf *sb, int argc, char **argv, int level)
{
	int i;

	strbuf_addstr(sb, "{\"format\":\"sockmortem-bundle\",\"format_version\":1,"
			  "\"tool\":\"sockmortem-collect\",\"tool_version\":\"0.1.0\","
			  "\"generator\":\"bench/genbundle (synthetic)\",");
	clock_json(sb, "started", sc->wall0_ns - 1500000, sc->wall0_ns - 1500000 - sc->boot_wall_ns);
	strbuf_addf(sb, ",\"host\":{\"hostname\":\"%s\",\"boot_id\":\"%s\",", sc->host, sc->boot_id);
	strbuf_addstr(sb, "\"kernel_release\":\"6.1.0-28-amd64\",\"kernel_version\":\"#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)\","
			  "\"machine\":\"x86_64\",\"sysname\":\"Linux\",\"byte_order\":\"little\",\"clk_tck\":100,"
			  "\"page_size\":4096,\"ncpu\":8,");
	clock_json(sb, "clock", sc->wall0_ns - 1400000, sc->wall0_ns - 1400000 - sc->boot_wall_ns);
	strbuf_addstr(sb, ",\"sysctl\":{\"net.ipv4.ip_local_port_range\":\"32768\\t60999\","
			  "\"net.ipv4.tcp_fin_timeout\":\"60\",\"net.ipv4.tcp_tw_reuse\":\"2\",\"net.core.somaxconn\":\"4096\","
			  "\"net.ipv4.tcp_max_orphans\":\"65536\",\"net.ipv4.tcp_max_syn_backlog\":\"1024\","
			  "\"net.ipv4.tcp_max_tw_buckets\":\"65536\",\"net.ipv4.tcp_keepalive_time\":\"7200\","
			  "\"fs.file-nr\":\"14720\\t0\\t9223372036854775807\",\"fs.file-max\":\"9223372036854775807\","
			  "\"fs.nr_open\":\"1048576\"}},");
	strbuf_addf(sb, "\"collector\":{\"pid\":31337,\"uid\":0,\"euid\":0,\"cap_eff\":\"000001ffffffffff\","
		    "\"netns\":%llu,\"argv\":[", (unsigned long long)NETNS);
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		strbuf_addstr(sb, i ? ",\"" : "\"");
		for (; *a; a++) {
			if (*a == '"' || *a == '\\')
				strbuf_addch(sb, '\\');
			if ((unsigned char)*a >= 0x20)
				strbuf_addch(sb, *a);
		}
		strbuf_addch(sb, '"');
	}
	strbuf_addf(sb, "]},\"options\":{\"interval_s\":%f,\"duration_s\":0.000000,\"count\":%ld,\"pids\":[],"
		    "\"comms\":[],\"with_tools\":false,\"tools_every\":6,\"tool_timeout_ms\":20000,"
		    "\"read_timeout_ms\":2000,\"max_size\":0,\"zstd_level\":%d,\"kthreads\":false}}",
		    sc->interval, sc->snapshots, level);
}

/* --- main --------------------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: genbundle -o OUT [-f] [-s STEADY] [-n SNAPSHOTS] [-i INTERVAL_S] [-l LEAK]\n"
			"                 [-c CHURN_PCT] [-w TIME_WAIT_PCT] [-z LEVEL] [-q] [-H HOSTNAME] [-t START]\n");
	exit(2);
}

static long opt_long(const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min)
		usage();
	return v;
}

static double opt_double(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || v < min || v > max)
		usage();
	return v;
}

static int add(struct bundle_writer *bw, const char *name, int64_t mtime, const struct buf *b)
{
	if (bw_add(bw, name, mtime, b->p ? b->p : "", b->len) != 0) {
		fprintf(stderr, "genbundle: %s: %s\n", name, bw_error(bw));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct scene sc;
	struct bw_options bo;
	struct bundle_writer *bw;
	struct strbuf sb = STRBUF_INIT;
	struct buf b = { NULL, 0, 0 };
	const char *out = NULL;
	char *err = NULL, name[96];
	int ch, force = 0, quiet = 0, level = 1, s;
	long start_s = 0;
	int64_t k;
	struct tm t0;

	memset(&sc, 0, sizeof(sc));
	sc.steady = 10000;
	sc.snapshots = 720;
	sc.interval = 5;
	sc.leak_per = 5;
	sc.churn_pct = 1;
	sc.tw_pct = 50;
	while ((ch = getopt(argc, argv, "o:fs:n:i:l:c:w:z:qhH:t:")) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 'f': force = 1; break;
		case 's': sc.steady = opt_long(optarg, 0); break;
		case 'n': sc.snapshots = opt_long(optarg, 1); break;
		case 'i': sc.interval = opt_double(optarg, 0.001, 86400); break;
		case 'l': sc.leak_per = opt_long(optarg, 0); break;
		case 'c': sc.churn_pct = opt_double(optarg, 0, 100); break;
		case 'w': sc.tw_pct = opt_double(optarg, 0, 100); break;
		case 'z': level = (int)opt_long(optarg, 1); break;
		case 'q': quiet = 1; break;
		case 'H': sc.host = optarg; break;
		case 't': start_s = opt_long(optarg, 1); break;
		default: usage();
		}
	}
	if (!out || optind != argc || sc.snapshots > 999999)
		usage();

	memset(&t0, 0, sizeof(t0));
	t0.tm_year = 2026 - 1900;
	t0.tm_mon = 10;
	t0.tm_mday = 20;
	t0.tm_hour = 9;
	sc.wall0_ns = (start_s ? (int64_t)start_s : (int64_t)timegm(&t0)) * 1000000000 + 123456789;
	if (!sc.host || strcspn(sc.host, "\"\\") != strlen(sc.host))
		sc.host = "gw-prod-07";
	if (!strcmp(sc.host, "gw-prod-07")) {
		snprintf(sc.boot_id, sizeof(sc.boot_id), "0b5c9e7e-3f1a-4d2b-9a61-5be2f0c4d7a8");
	} else {
		/* a stable boot id per host name */
		uint64_t h = hash_mix64(0x9e3779b97f4a7c15ULL), h2;
		const char *c;

		for (c = sc.host; *c; c++)
			h = hash_mix64(h ^ (unsigned char)*c);
		h2 = hash_mix64(h);
		snprintf(sc.boot_id, sizeof(sc.boot_id), "%08llx-%04llx-4%03llx-a%03llx-%012llx",
			 (unsigned long long)(h >> 32), (unsigned long long)(h >> 16 & 0xffff),
			 (unsigned long long)(h & 0xfff), (unsigned long long)(h2 >> 52),
			 (unsigned long long)(h2 & 0xffffffffffffULL));
	}
	sc.boot_wall_ns = sc.wall0_ns - (int64_t)3 * 86400 * 1000000000 - 417000000000LL;
	sc.ctr_seed = 42;
	scene_init(&sc);

	memset(&bo, 0, sizeof(bo));
	bo.path = out;
	bo.force = force;
	bo.level = level;
	bo.sync = 0;
	bw = bw_open(&bo, &err);
	if (!bw) {
		fprintf(stderr, "genbundle: %s\n", err);
		free(err);
		return 1;
	}
	manifest(&sc, &sb, argc, argv, level);
	if (bw_add(bw, "manifest.json", sc.wall0_ns / 1000000000, sb.buf, sb.len) != 0 || bw_end_frame(bw) != 0) {
		fprintf(stderr, "genbundle: %s\n", bw_error(bw));
		return 1;
	}

	for (k = 1; k <= sc.snapshots; k++) {
		int64_t start_ns = sc.wall0_ns + (int64_t)((double)(k - 1) * sc.interval * 1e9) +
				   (int64_t)(hash_mix64((uint64_t)k) % 900000);
		int64_t mtime = start_ns / 1000000000, dur_ns, mono = start_ns - sc.boot_wall_ns;
		uint64_t tw_now = 0, fds = 0;
		size_t i;

		scene_step(&sc, k);
		for (i = 0; i < sc.ntw; i++)
			tw_now += sc.tw[i].born <= k && sc.tw[i].last >= k;

#define MEMBER(rest, gen)                                                              \
	do {                                                                           \
		b.len = 0;                                                             \
		gen;                                                                   \
		snprintf(name, sizeof(name), "snap/%06lld/%s", (long long)k, rest);    \
		if (add(bw, name, mtime, &b) < 0)                                      \
			return 1;                                                      \
	} while (0)

		MEMBER(NS_PREFIX "tcp", gen_tcp(&sc, &b, k));
		MEMBER(NS_PREFIX "tcp6", gen_tcp6(&sc, &b, k));
		MEMBER(NS_PREFIX "udp", gen_udp(&sc, &b));
		MEMBER(NS_PREFIX "unix", gen_unix(&sc, &b));
		MEMBER(NS_PREFIX "sockstat", gen_sockstat(&sc, &b, tw_now));
		MEMBER(NS_PREFIX "netstat", gen_counters(&sc, &b, netstat_groups,
							  sizeof(netstat_groups) / sizeof(netstat_groups[0]), k));
		MEMBER(NS_PREFIX "snmp", gen_counters(&sc, &b, snmp_groups,
						       sizeof(snmp_groups) / sizeof(snmp_groups[0]), k));
		for (s = 0; s < NPROC; s++) {
			struct gproc *p = &procs[s];
			struct buf fdb = { NULL, 0, 0 };
			uint64_t nfds = gen_fd(&sc, &fdb, p);
			char rest[64];
			int a;

			fds += nfds;
#define PMEMBER(file, gen)                                                                    \
	do {                                                                                  \
		snprintf(rest, sizeof(rest), "proc/%d/%s", p->pid, file);                     \
		MEMBER(rest, gen);                                                            \
	} while (0)
			PMEMBER("comm", b_str(&b, p->comm); b_ch(&b, '\n'));
			PMEMBER("stat", gen_stat(&b, p, k, nfds));
			PMEMBER("status", gen_status(&b, p, k, nfds));
			PMEMBER("limits", gen_limits(&b, p));
			PMEMBER("cmdline", for (a = 0; p->cmdline[a]; a++) b_mem(&b, p->cmdline[a], strlen(p->cmdline[a]) + 1));
			PMEMBER("ns", b_printf(&b, "net:[%llu]\n", (unsigned long long)NETNS));
			snprintf(rest, sizeof(rest), "proc/%d/fd", p->pid);
			snprintf(name, sizeof(name), "snap/%06lld/%s", (long long)k, rest);
			if (add(bw, name, mtime, &fdb) < 0)
				return 1;
			free(fdb.p);
#undef PMEMBER
		}
		dur_ns = 30000000 + (int64_t)fds * 2500;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "{\"snapshot\":%lld,", (long long)k);
		clock_json(&sb, "started", start_ns, mono);
		strbuf_addch(&sb, ',');
		clock_json(&sb, "ended", start_ns + dur_ns, mono + dur_ns);
		strbuf_addf(&sb, ",\"host_netns\":%llu,\"netns\":[{\"netns\":%llu,\"pid\":1}],\"processes\":%d,"
			    "\"fds\":%llu,\"exited\":0,\"denied\":0,\"timeouts\":0,\"errors\":0,\"cut\":null,"
			    "\"steps\":[{\"step\":\"net\",\"netns\":%llu,\"source\":\"/proc/self/net\",\"tables\":7,"
			    "\"us\":%lld,\"outcome\":\"ok\"},{\"step\":\"procs\",\"processes\":%d,\"fds\":%llu,"
			    "\"us\":%lld,\"outcome\":\"ok\"}]}",
			    (unsigned long long)NETNS, (unsigned long long)NETNS, NPROC, (unsigned long long)fds,
			    (unsigned long long)NETNS, (long long)(dur_ns / 3000), NPROC, (unsigned long long)fds,
			    (long long)(dur_ns / 1000 - dur_ns / 3000));
		snprintf(name, sizeof(name), "snap/%06lld/meta.json", (long long)k);
		if (bw_add(bw, name, mtime, sb.buf, sb.len) != 0 || bw_end_frame(bw) != 0) {
			fprintf(stderr, "genbundle: %s\n", bw_error(bw));
			return 1;
		}
		sc.fds_total += fds;
#undef MEMBER
	}
	{
		int64_t end_ns = sc.wall0_ns + (int64_t)((double)(sc.snapshots - 1) * sc.interval * 1e9) + 900000000;

		strbuf_reset(&sb);
		strbuf_addch(&sb, '{');
		clock_json(&sb, "ended", end_ns, end_ns - sc.boot_wall_ns);
		strbuf_addf(&sb, ",\"reason\":\"count\",\"snapshots\":%ld,\"bytes_before_trailer\":%llu,"
			    "\"unreadable_items\":0,\"stuck_reads\":0}", sc.snapshots,
			    (unsigned long long)bw_bytes_written(bw));
		if (bw_add(bw, "end.json", end_ns / 1000000000, sb.buf, sb.len) != 0 || bw_close(bw) != 0) {
			fprintf(stderr, "genbundle: %s\n", bw_error(bw));
			return 1;
		}
	}
	if (!quiet) {
		printf("bundle: %ld snapshots every %g s; %ld steady tcp connections over 4 server processes "
		       "(nginx, gateway, authsvc, redis-server; %ld of them in 127.0.0.1 pairs nginx->gateway) "
		       "+ 5 listeners; churn %g%% of the steady connections per snapshot (%ld client connections "
		       "replaced, %g%% of the closed ones leaving a TIME_WAIT entry for %ld snapshots); "
		       "leak +%ld CLOSE_WAIT per snapshot held by gateway (pid %d); plus tcp6/udp/unix/sockstat/"
		       "netstat/snmp and comm/stat/status/limits/cmdline/ns/fd of %d processes per snapshot\n",
		       sc.snapshots, sc.interval, (long)sc.nst, (sc.steady / 20) * 2, sc.churn_pct, sc.churn_per,
		       sc.tw_pct, sc.tw_life, sc.leak_per, procs[P_GATEWAY].pid, NPROC);
	}
	printf("expect snapshots=%ld steady=%lu tcp_rows=%llu tcp_identities=%llu churned=%llu timewaits=%llu "
	       "leaked=%lu close_wait_last=%llu fds=%llu bytes=%llu\n",
	       sc.snapshots, (unsigned long)sc.nst, (unsigned long long)sc.tcp_rows,
	       (unsigned long long)sc.tcp_identities, (unsigned long long)sc.churned,
	       (unsigned long long)sc.timewaits, (unsigned long)sc.nleak, (unsigned long long)sc.close_wait_last,
	       (unsigned long long)sc.fds_total, (unsigned long long)bw_bytes_written(bw));
	bw_free(bw);
	strbuf_release(&sb);
	free(b.p);
	for (s = 0; s < NPROC; s++)
		free(procs[s].own);
	free(sc.st);
	free(sc.eligible);
	free(sc.leak);
	free(sc.tw);
	return 0;
}
