/*
 * parse_ss: iproute2 ss(8) listings and `ss -s` summaries; see parse_ss.h.
 *
 * Source: iproute2 misc/ss.c (sock_state_print, inet_addr_print,
 * sock_details_print, tcp_timer_print, print_ms_timer, print_summary).
 *
 * Listing, one socket per line, columns separated by runs of blanks:
 *
 *   Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process
 *   tcp   ESTAB  0      0      127.0.0.1:22       127.0.0.1:51234   users:(("sshd",pid=812,fd=4)) timer:(keepalive,119min,0) uid:1000 ino:23411 sk:1 <->
 *   	 cubic wscale:7,7 rto:204 rtt:0.05/0.025 ...
 *   u_str ESTAB  0      0      /run/dbus/system_bus_socket 19064 * 19063
 *   nl    UNCONN 0      0      rtnl:NetworkManager/878 *
 *
 *   Netid   tcp udp raw icmp6 sctp dccp mptcp (inet), u_str u_dgr u_seq
 *           (unix), nl, p_raw p_dgr, v_str v_dgr, xdp, ti_*; absent when
 *           only one kind was asked for (ss -t).
 *   State   ESTAB SYN-SENT SYN-RECV FIN-WAIT-1 FIN-WAIT-2 TIME-WAIT UNCONN
 *           CLOSE-WAIT LAST-ACK LISTEN CLOSING UNKNOWN.
 *   Recv-Q/Send-Q  bytes; for LISTEN the accept queue and its maximum.
 *   Addresses  "127.0.0.1:80", "[::1]:80", "[::ffff:1.2.3.4]:80",
 *           "127.0.0.53%lo:53", "[fe80::1]%eth0:123", "*:80", "*:*".
 *           Unix: path / "@abstract" / "*" then the inode as the "port".
 *   Process users:(("comm",pid=N,fd=N),...), one tuple per fd holding the
 *           socket; with -Z a proc_ctx= field is added inside the tuple.
 *   -e      uid:N (omitted when 0) ino:N sk:HEX [cgroup:PATH] [v6only:N]
 *   -o      timer:(on|keepalive|timewait|persist|unknown,TIME,RETRANS)
 *           TIME from print_ms_timer(): "119min", "1min5sec", "59sec",
 *           "5.200ms" (= 5.2 s), "200ms" or "" (0).
 *   -i      a continuation line starting with a tab.
 *
 * With a state filter (`ss -tan state close-wait`) ss prints no State
 * column at all ("Recv-Q Send-Q Local Address:Port ...", or "Netid Recv-Q
 * ..." when several kinds are listed): the state is only in the command
 * line, which the file does not hold. The caller may know it
 * (parse_ss_filtered); otherwise the rows' state is unknown.
 *
 * Version quirks:
 *   - iproute2 < 4.x printed IPv6 without brackets ("::1:35048",
 *     ":::22"), so the port is always after the last ':'.
 *   - "*" is the IPv4 wildcard, and since 4.x also an IPv6 socket that is
 *     not v6only; only -e (v6only:0) tells them apart.
 *   - Old ss printed users:(("sshd",1234,3)) without pid=/fd= keys.
 *   - The Process column header is glued to the previous one in wide
 *     output ("Peer Address:PortProcess"); on a terminal narrower than a
 *     line the Process column wraps onto an indented line of its own.
 *   - Old `ss -s` adds "synrecv N", "timewait N/M" (M from slabinfo),
 *     ", ports N" and a "*" transport row with "-" cells.
 */
#include "parse_ss.h"

#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "numparse.h"
#include "strbuf.h"

#define SS_LINE_MAX (64 * 1024)
/* Room for every piece of one line copied once, each with a NUL. */
#define SS_ARENA_MAX (2 * SS_LINE_MAX + 64)
#define SS_MAX_FIELDS 64
#define SS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct ss_state {
	const char *name;         /* as ss prints it */
	const char *inet;
	const char *unix_state;
	const char *filter;       /* as `ss state FILTER` names it, or NULL */
};

static const struct ss_state ss_states[] = {
	{ "ESTAB", "ESTABLISHED", "CONNECTED", "established" },
	{ "SYN-SENT", "SYN_SENT", "CONNECTING", "syn-sent" },
	{ "SYN-RECV", "SYN_RECV", NULL, "syn-recv" },
	{ "FIN-WAIT-1", "FIN_WAIT1", NULL, "fin-wait-1" },
	{ "FIN-WAIT-2", "FIN_WAIT2", NULL, "fin-wait-2" },
	{ "TIME-WAIT", "TIME_WAIT", NULL, "time-wait" },
	{ "UNCONN", "CLOSE", "UNCONNECTED", "closed" },
	{ "CLOSE-WAIT", "CLOSE_WAIT", NULL, "close-wait" },
	{ "LAST-ACK", "LAST_ACK", NULL, "last-ack" },
	{ "LISTEN", "LISTEN", "LISTEN", "listening" },
	{ "CLOSING", "CLOSING", NULL, "closing" },
	{ "UNKNOWN", NULL, NULL, NULL },
};

enum ss_kind { SS_INET, SS_UNIX, SS_VSOCK, SS_OTHER };

struct ss_netid {
	const char *netid;
	const char *v4;
	const char *v6;
	const char *unix_type;
	enum ss_kind kind;
	int force6;
};

static const struct ss_netid ss_netids[] = {
	{ "tcp", "tcp", "tcp6", NULL, SS_INET, 0 },
	{ "udp", "udp", "udp6", NULL, SS_INET, 0 },
	{ "raw", "raw", "raw6", NULL, SS_INET, 0 },
	{ "icmp6", "raw6", "raw6", NULL, SS_INET, 1 },
	{ "sctp", "sctp", "sctp6", NULL, SS_INET, 0 },
	{ "dccp", "dccp", "dccp6", NULL, SS_INET, 0 },
	{ "mptcp", "mptcp", "mptcp6", NULL, SS_INET, 0 },
	{ "u_str", "unix", "unix", "stream", SS_UNIX, 0 },
	{ "u_dgr", "unix", "unix", "dgram", SS_UNIX, 0 },
	{ "u_seq", "unix", "unix", "seqpacket", SS_UNIX, 0 },
	{ "nl", "netlink", "netlink", NULL, SS_OTHER, 0 },
	{ "p_raw", "packet", "packet", NULL, SS_OTHER, 0 },
	{ "p_dgr", "packet", "packet", NULL, SS_OTHER, 0 },
	{ "v_str", "vsock", "vsock", NULL, SS_VSOCK, 0 },
	{ "v_dgr", "vsock", "vsock", NULL, SS_VSOCK, 0 },
	/* ss prints an SCTP endpoint's associations under it as "`- STATE". */
	{ "`-", "sctp", "sctp6", NULL, SS_INET, 0 },
};

/* A listing without a Netid column is what `ss -t` prints. */
static const struct ss_netid ss_default_netid = { "tcp", "tcp", "tcp6", NULL, SS_INET, 0 };

struct ss_parser {
	const struct sm_sink *sink;
	char *pend;            /* socket line plus its continuations */
	size_t pend_len;
	uint64_t pend_lineno;
	int have_pend;
	struct sm_arena arena;
	int stop;              /* what a callback returned to stop us */
	int recognised;        /* saw a header or a socket line */
	int saw_text;
	int no_state;          /* the header has no State column (ss ... state X) */
	int saw_no_state;      /* one header had none */
	const struct ss_state *implied;   /* then every socket's, or NULL: unknown */
	int warned_state;
};

/* An address column split into host and port. */
/* A socket line parsed, before it is expanded into one row per owner. */
struct ss_sock {
	struct sm_socket_row row;
	const struct ss_netid *nid;
	const char *users;     /* just after "users:(", or NULL */
	const char *end;       /* end of the line */
	struct ss_netid other; /* a Netid this parser does not know */
	int v6only_seen;
	int ino_seen;
};

struct ss_owner {
	const char *comm;
	size_t comm_len;
	int64_t pid;
	int64_t fd;
};

static void ss_warn(const struct sm_sink *sink, uint64_t line, const char *msg)
{
	if (sink->warn)
		sink->warn(sink->ctx, line, msg);
}

static int ss_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && !memcmp(s, lit, l);
}

static int ss_has_prefix(const char *s, const char *end, const char *lit)
{
	size_t l = strlen(lit);

	return (size_t)(end - s) >= l && !memcmp(s, lit, l);
}

static int ss_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *ss_dup(struct ss_parser *p, const char *s, size_t n)
{
	return sm_arena_dup(&p->arena, s, n);
}

static const struct ss_state *ss_state_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < SS_COUNT(ss_states); i++)
		if (ss_eq(s, n, ss_states[i].name))
			return &ss_states[i];
	return NULL;
}

static const struct ss_netid *ss_netid_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < SS_COUNT(ss_netids); i++)
		if (ss_eq(s, n, ss_netids[i].netid))
			return &ss_netids[i];
	return NULL;
}

/* Deliver one row; remember a callback's request to stop. */
static int ss_call(struct ss_parser *p, const struct sm_socket_row *row)
{
	int rc = 0;

	if (p->sink->socket)
		rc = p->sink->socket(p->sink->ctx, row);
	if (rc)
		p->stop = rc;
	return rc;
}

/* ---- addresses ---------------------------------------------------------- */

/* "host:port": the port is after the last colon. */
static int ss_inet_addr(const char *s, size_t n, struct sm_addr *a)
{
	return sm_addr_split(s, n, memrchr(s, ':', n), a);
}

/* ---- users:((...)) and the extended fields --------------------------- */

/* The quote closing a comm: the first followed by ",pid=" or ",<digit>". */
static const char *ss_comm_end(const char *s, const char *end)
{
	const char *q = s;

	while ((q = memchr(q, '"', (size_t)(end - q))) != NULL) {
		if (ss_has_prefix(q, end, "\",pid=") ||
		    (end - q > 2 && q[1] == ',' && q[2] >= '0' && q[2] <= '9'))
			return q;
		q++;
	}
	return NULL;
}

/* One "key=value" or bare field of an owner tuple. */
static int ss_owner_field(const char *k, const char *e, int *nbare, int *keyed,
			  struct ss_owner *o)
{
	const char *eq = memchr(k, '=', (size_t)(e - k));

	if (eq) {
		*keyed = 1;
		if (ss_eq(k, (size_t)(eq - k), "pid"))
			return num_dec_count(eq + 1, (size_t)(e - eq - 1), &o->pid);
		if (ss_eq(k, (size_t)(eq - k), "fd"))
			return num_dec_count(eq + 1, (size_t)(e - eq - 1), &o->fd);
		return 0;
	}
	/* Old ss: ("comm",pid,fd); a bare word after keys is a stray comma. */
	if (*keyed)
		return 0;
	if ((*nbare)++ == 0)
		return num_dec_count(k, (size_t)(e - k), &o->pid);
	if (*nbare == 2)
		return num_dec_count(k, (size_t)(e - k), &o->fd);
	return 0;
}

/*
 * Next ("comm",pid=N,fd=N) tuple at *sp. Returns 1 with *o filled, 0 at
 * the ')' closing the list, -1 when malformed.
 */
static int ss_owner_next(const char **sp, const char *end, struct ss_owner *o)
{
	const char *s = *sp, *q;
	int nbare = 0, keyed = 0;

	if (s < end && *s == ',')
		s++;
	if (s < end && *s == ')') {
		*sp = s + 1;
		return 0;
	}
	if (end - s < 2 || s[0] != '(' || s[1] != '"')
		return -1;
	s += 2;
	q = ss_comm_end(s, end);
	if (!q)
		return -1;
	o->comm = s;
	o->comm_len = (size_t)(q - s);
	o->pid = o->fd = SM_NONE;
	s = q + 1;
	while (s < end && *s == ',') {
		const char *k = s + 1, *e = k;

		while (e < end && *e != ',' && *e != ')')
			e++;
		if (e >= end || ss_owner_field(k, e, &nbare, &keyed, o) < 0)
			return -1;
		s = e;
	}
	if (s >= end || *s != ')')
		return -1;
	*sp = s + 1;
	return 1;
}

/* Check a users:( list and step over it (comms may hold blanks). */
static int ss_users_skip(const char **sp, const char *end)
{
	struct ss_owner o;
	int r;

	while ((r = ss_owner_next(sp, end, &o)) == 1)
		;
	return r;
}

/* print_ms_timer() text back to milliseconds. */
static int ss_timer_ms(const char *s, size_t n, int64_t *ms)
{
	const char *end = s + n;
	uint64_t total = 0;

	while (s < end) {
		const char *d = s;
		uint64_t v, frac;

		while (s < end && *s >= '0' && *s <= '9')
			s++;
		if (s == d || num_u64(d, (size_t)(s - d), 10, &v) < 0 || v > UINT32_MAX)
			return -1;
		if (ss_has_prefix(s, end, "min")) {
			total += v * 60000;
			s += 3;
		} else if (ss_has_prefix(s, end, "sec")) {
			total += v * 1000;
			s += 3;
		} else if (ss_has_prefix(s, end, "ms")) {
			total += v;
			s += 2;
		} else if (s < end && *s == '.') {
			d = ++s;
			while (s < end && *s >= '0' && *s <= '9')
				s++;
			if (s - d != 3 || num_u64(d, 3, 10, &frac) < 0 ||
			    !ss_has_prefix(s, end, "ms"))
				return -1;
			total += v * 1000 + frac;
			s += 2;
		} else {
			return -1;
		}
	}
	*ms = (int64_t)total;
	return 0;
}

/* timer:(name,time,retrans) -> the /proc/net/tcp "tr" code and figures. */
static int ss_timer(const char *s, size_t n, struct sm_socket_row *r)
{
	static const char *const names[] = { "off", "on", "keepalive", "timewait", "persist" };
	const char *end = s + n, *c1, *c2;
	size_t i;

	if (n < 2 || s[0] != '(' || end[-1] != ')')
		return -1;
	s++;
	end--;
	c1 = memchr(s, ',', (size_t)(end - s));
	c2 = c1 ? memchr(c1 + 1, ',', (size_t)(end - c1 - 1)) : NULL;
	if (!c2)
		return -1;
	r->timer = SM_NONE;
	for (i = 0; i < SS_COUNT(names); i++)
		if (ss_eq(s, (size_t)(c1 - s), names[i]))
			r->timer = (int64_t)i;
	if (ss_timer_ms(c1 + 1, (size_t)(c2 - c1 - 1), &r->timer_ms) < 0 ||
	    num_dec_count(c2 + 1, (size_t)(end - c2 - 1), &r->retransmits) < 0)
		return -1;
	return 0;
}

/*
 * One blank-free token of the extended part. The socket's own line comes
 * first, so its values win over anything a continuation line repeats.
 */
static int ss_extra_token(const char *t, size_t n, struct ss_sock *k)
{
	const char *end = t + n;
	struct sm_socket_row tmp;
	uint64_t ino;

	sm_socket_row_init(&tmp);
	if (ss_has_prefix(t, end, "ino:")) {
		if (num_u64(t + 4, n - 4, 10, &ino) < 0)
			return -1;
		if (!k->ino_seen)
			k->row.inode = ino;
		k->ino_seen = 1;
	} else if (ss_has_prefix(t, end, "uid:")) {
		if (num_dec_count(t + 4, n - 4, &tmp.uid) < 0)
			return -1;
		if (k->row.uid == SM_NONE)
			k->row.uid = tmp.uid;
	} else if (ss_has_prefix(t, end, "timer:")) {
		if (ss_timer(t + 6, n - 6, &tmp) < 0)
			return -1;
		if (k->row.timer_ms == SM_NONE) {
			k->row.timer = tmp.timer;
			k->row.timer_ms = tmp.timer_ms;
			k->row.retransmits = tmp.retransmits;
		}
	} else if (ss_has_prefix(t, end, "v6only:")) {
		k->v6only_seen = 1;
	}
	return 0;
}

/* Everything after the peer column, continuation lines included. */
static int ss_extras(const char *s, struct ss_sock *k)
{
	const char *end = k->end, *t;

	while (s < end) {
		while (s < end && ss_is_blank(*s))
			s++;
		if (s >= end)
			break;
		if (ss_has_prefix(s, end, "users:(")) {
			s += 7;
			if (!k->users)
				k->users = s;
			if (ss_users_skip(&s, end) < 0)
				return -1;
			continue;
		}
		t = s;
		while (t < end && !ss_is_blank(*t))
			t++;
		if (ss_extra_token(s, (size_t)(t - s), k) < 0)
			return -1;
		s = t;
	}
	return 0;
}

/* ---- one socket line ------------------------------------------------- */

struct ss_fields {
	const char *f[SS_MAX_FIELDS];
	size_t fl[SS_MAX_FIELDS];
	size_t nf;
};

static const char *ss_field_end(const struct ss_fields *fs, size_t i)
{
	return fs->f[i] + fs->fl[i];
}

/* Index of the first all-digit field at or after i, or nf. */
static size_t ss_next_number(const struct ss_fields *fs, size_t i)
{
	for (; i < fs->nf; i++)
		if (num_is_digits(fs->f[i], fs->fl[i]))
			return i;
	return fs->nf;
}

/* unix: PATH INODE PEER PEER_INODE; a path may contain blanks. */
static const char *ss_unix_cols(struct ss_parser *p, const struct ss_fields *fs,
				size_t i, struct ss_sock *k)
{
	size_t ino = ss_next_number(fs, i + 1), peer_ino;
	const char *path = fs->f[i];
	size_t path_len;

	if (ino + 1 >= fs->nf)
		return NULL;
	peer_ino = ss_next_number(fs, ino + 2);
	if (peer_ino >= fs->nf || num_u64(fs->f[ino], fs->fl[ino], 10, &k->row.inode) < 0)
		return NULL;
	path_len = (size_t)(ss_field_end(fs, ino - 1) - path);
	if (!ss_eq(path, path_len, "*")) {
		k->row.unix_path = ss_dup(p, path, path_len);
		if (!k->row.unix_path)
			return NULL;
	}
	k->row.unix_type = k->nid->unix_type;
	return ss_field_end(fs, peer_ino);
}

/* vsock "cid:port"; netlink and packet addresses are kept as printed. */
static int ss_other_addr(struct ss_parser *p, const struct ss_sock *k, const char *s,
			 size_t n, const char **addr, int64_t *port)
{
	const char *colon = k->nid->kind == SS_VSOCK ? memrchr(s, ':', n) : NULL;

	if (colon) {
		if (sm_port_field(colon + 1, (size_t)(s + n - colon - 1), port) < 0)
			return -1;
		n = (size_t)(colon - s);
	}
	*addr = ss_dup(p, s, n);
	return *addr ? 0 : -1;
}

static const char *ss_other_cols(struct ss_parser *p, const struct ss_fields *fs,
				 size_t i, struct ss_sock *k)
{
	if (ss_other_addr(p, k, fs->f[i], fs->fl[i], &k->row.local_addr,
			  &k->row.local_port) < 0)
		return NULL;
	if (i + 1 >= fs->nf)
		return ss_field_end(fs, i);
	if (ss_other_addr(p, k, fs->f[i + 1], fs->fl[i + 1], &k->row.remote_addr,
			  &k->row.remote_port) < 0)
		return NULL;
	return ss_field_end(fs, i + 1);
}

/* Parse local/peer inet columns; hosts are resolved after the extras. */
static const char *ss_inet_cols(const struct ss_fields *fs, size_t i,
				struct sm_addr *la, struct sm_addr *ra)
{
	if (i + 1 >= fs->nf || ss_inet_addr(fs->f[i], fs->fl[i], la) < 0 ||
	    ss_inet_addr(fs->f[i + 1], fs->fl[i + 1], ra) < 0)
		return NULL;
	return ss_field_end(fs, i + 1);
}

/* Family and wildcards can only be settled once v6only: has been seen. */
static int ss_inet_finish(struct ss_parser *p, struct ss_sock *k,
			  const struct sm_addr *la, const struct sm_addr *ra)
{
	int v6 = la->v6 || ra->v6 || k->v6only_seen || k->nid->force6;

	k->row.proto = v6 ? k->nid->v6 : k->nid->v4;
	k->row.local_addr = sm_addr_host(&p->arena, la, v6);
	k->row.remote_addr = sm_addr_host(&p->arena, ra, v6);
	k->row.local_port = la->port;
	k->row.remote_port = ra->port;
	return k->row.local_addr && k->row.remote_addr ? 0 : -1;
}

/* Emit the socket once per owner in users:(...), or once if none. */
static void ss_emit(struct ss_parser *p, struct ss_sock *k)
{
	const char *s = k->users;
	struct ss_owner o;
	size_t mark = p->arena.used;

	if (!s) {
		ss_call(p, &k->row);
		return;
	}
	while (ss_owner_next(&s, k->end, &o) == 1) {
		k->row.pid = o.pid;
		k->row.fd = o.fd;
		k->row.comm = ss_dup(p, o.comm, o.comm_len);
		if (ss_call(p, &k->row))
			return;
		p->arena.used = mark;
	}
}

/* ss Netids are short words: "nl", "p_raw", "v_str", "mptcp", "tipc". */
static int ss_netid_plausible(const char *s, size_t n)
{
	size_t i;

	if (!n || n > 16)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

/* Is s the proto a known Netid stands for ("unix" for u_str, "tcp6")? */
static int ss_is_proto_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < SS_COUNT(ss_netids); i++)
		if (ss_eq(s, n, ss_netids[i].v4) || ss_eq(s, n, ss_netids[i].v6))
			return 1;
	return 0;
}

/* The Netid column (the first field); -1 when it cannot be one. */
static int ss_netid_col(struct ss_parser *p, const struct ss_fields *fs, struct ss_sock *k)
{
	k->nid = ss_netid_find(fs->f[0], fs->fl[0]);
	/* An unknown Netid is kept as the proto: only if it could be one (a
	 * NUL there made proto "", found by fuzz_ss), and not a proto whose
	 * rows mean something else ("unix 0 0 0" made a unix row with an
	 * address, found by fuzz_ss). */
	if (!k->nid && (!ss_netid_plausible(fs->f[0], fs->fl[0]) || ss_is_proto_name(fs->f[0], fs->fl[0])))
		return -1;
	if (!k->nid) {
		k->other.kind = SS_OTHER;
		k->other.v4 = k->other.v6 = ss_dup(p, fs->f[0], fs->fl[0]);
		k->nid = &k->other;
	}
	return 0;
}

/*
 * Netid, State, Recv-Q, Send-Q (no State under a header without one: the
 * state the caller implied, or none); returns the index of the local
 * address.
 */
static int ss_head_cols(struct ss_parser *p, const struct ss_fields *fs, struct ss_sock *k)
{
	const struct ss_state *st;
	size_t i, q;

	if (p->no_state) {
		i = num_is_digits(fs->f[0], fs->fl[0]) ? 0 : 1;   /* Recv-Q first: no Netid */
		st = p->implied;
		q = i;
	} else {
		i = ss_state_find(fs->f[0], fs->fl[0]) ? 0 : 1;
		st = ss_state_find(fs->f[i], fs->fl[i]);
		if (!st)
			return -1;
		q = i + 1;
	}
	k->nid = &ss_default_netid;
	if (i && ss_netid_col(p, fs, k) < 0)
		return -1;
	if (fs->nf < q + 4 || num_dec_count(fs->f[q], fs->fl[q], &k->row.rx_queue) < 0 ||
	    num_dec_count(fs->f[q + 1], fs->fl[q + 1], &k->row.tx_queue) < 0)
		return -1;
	k->row.state = !st ? NULL : k->nid->kind == SS_UNIX ? st->unix_state : st->inet;
	k->row.proto = k->nid->v4;
	if (st && !strcmp(st->name, "LISTEN")) {
		k->row.listen_backlog = k->row.tx_queue;
		k->row.tx_queue = SM_NONE;
	}
	return (int)q + 2;
}

static void ss_socket_line(struct ss_parser *p, const char *s, size_t n, uint64_t lineno)
{
	struct ss_fields fs;
	struct ss_sock k;
	struct sm_addr la, ra;
	const char *rest;
	int i;

	memset(&k, 0, sizeof(k));
	sm_socket_row_init(&k.row);
	k.row.line = lineno;
	k.end = s + n;
	p->arena.used = 0;
	fs.nf = fields_split(s, n, fs.f, fs.fl, SS_MAX_FIELDS);
	if (fs.nf > SS_MAX_FIELDS)
		fs.nf = SS_MAX_FIELDS;
	i = ss_head_cols(p, &fs, &k);
	if (i < 0) {
		ss_warn(p->sink, lineno, "ss: bad Recv-Q/Send-Q or too few columns, line skipped");
		return;
	}
	if (p->no_state && !p->implied && !p->warned_state) {
		p->warned_state = 1;
		ss_warn(p->sink, lineno, "ss: no State column (a listing filtered by state): the sockets' state is unknown");
	}
	if (k.nid->kind == SS_UNIX)
		rest = ss_unix_cols(p, &fs, (size_t)i, &k);
	else if (k.nid->kind == SS_INET)
		rest = ss_inet_cols(&fs, (size_t)i, &la, &ra);
	else
		rest = ss_other_cols(p, &fs, (size_t)i, &k);
	if (!rest) {
		ss_warn(p->sink, lineno, "ss: bad address/port column, line skipped");
		return;
	}
	if (ss_extras(rest, &k) < 0) {
		ss_warn(p->sink, lineno, "ss: bad users:/timer:/ino:/uid: field, line skipped");
		return;
	}
	if (k.nid->kind == SS_INET && ss_inet_finish(p, &k, &la, &ra) < 0) {
		ss_warn(p->sink, lineno, "ss: line too long to copy, skipped");
		return;
	}
	/* sock_details_print() leaves uid out when it is 0. */
	if (k.ino_seen && k.row.uid == SM_NONE)
		k.row.uid = 0;
	ss_emit(p, &k);
}

/* ---- line classification and continuation ----------------------------- */

static void ss_flush(struct ss_parser *p)
{
	if (!p->have_pend)
		return;
	p->have_pend = 0;
	if (!p->stop)
		ss_socket_line(p, p->pend, p->pend_len, p->pend_lineno);
}

/* STATE RECVQ ... or NETID STATE RECVQ ...; without a State column RECVQ
 * SENDQ ... or NETID RECVQ SENDQ ... */
static int ss_is_socket(const struct ss_parser *p, const char *s, size_t n)
{
	const char *f[3];
	size_t fl[3], nf = fields_split(s, n, f, fl, 3);

	if (p->no_state)
		return (nf >= 2 && num_is_digits(f[0], fl[0]) && num_is_digits(f[1], fl[1])) ||
		       (nf >= 3 && ss_netid_plausible(f[0], fl[0]) && num_is_digits(f[1], fl[1]) &&
			num_is_digits(f[2], fl[2]));
	if (nf >= 2 && ss_state_find(f[0], fl[0]) && num_is_digits(f[1], fl[1]))
		return 1;
	return nf >= 3 && ss_state_find(f[1], fl[1]) && num_is_digits(f[2], fl[2]);
}

/* A header line: 1 with a State column, 2 without (ss ... state FILTER), else 0. */
static int ss_header(const char *s, size_t n)
{
	const char *f[2];
	size_t fl[2], nf = fields_split(s, n, f, fl, 2);

	if (nf && ss_eq(f[0], fl[0], "State"))
		return 1;
	if (nf && ss_eq(f[0], fl[0], "Netid"))
		return nf > 1 && ss_eq(f[1], fl[1], "Recv-Q") ? 2 : 1;
	return nf > 1 && ss_eq(f[0], fl[0], "Recv-Q") && ss_eq(f[1], fl[1], "Send-Q") ? 2 : 0;
}

static void ss_line(struct ss_parser *p, const char *s, size_t n, uint64_t lineno)
{
	int indented = n && ss_is_blank(s[0]), hdr;

	n = lines_rtrim(s, n);
	if (!n) {
		ss_flush(p);
		return;
	}
	p->saw_text = 1;
	if (n > SS_LINE_MAX) {
		if (!(indented && p->have_pend))
			ss_flush(p);
		ss_warn(p->sink, lineno, "ss: line longer than 64 KiB skipped");
		return;
	}
	if ((hdr = ss_header(s, n)) != 0) {
		ss_flush(p);
		p->recognised = 1;
		p->no_state = hdr == 2;
		p->saw_no_state |= p->no_state;
		return;
	}
	if (ss_is_socket(p, s, n)) {
		ss_flush(p);
		p->recognised = 1;
		memcpy(p->pend, s, n);
		p->pend_len = n;
		p->pend_lineno = lineno;
		p->have_pend = 1;
		return;
	}
	if (indented && p->have_pend) {
		/* ss -i details or a wrapped Process column: same socket. */
		if (p->pend_len + 1 + n > SS_LINE_MAX) {
			ss_warn(p->sink, lineno, "ss: continuation makes the socket longer than 64 KiB, ignored");
			return;
		}
		p->pend[p->pend_len++] = ' ';
		memcpy(p->pend + p->pend_len, s, n);
		p->pend_len += n;
		return;
	}
	ss_flush(p);
	ss_warn(p->sink, lineno, "ss: unrecognised line skipped");
}

#define SS_SQUASHED_MAX 24

/* [s, s+n) in lower case without '-' and '_' into out; -1 if too long. */
static int ss_squash(const char *s, size_t n, char out[SS_SQUASHED_MAX])
{
	size_t i, w = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '-' || s[i] == '_')
			continue;
		if (w + 1 >= SS_SQUASHED_MAX)
			return -1;
		out[w++] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	}
	out[w] = '\0';
	return 0;
}

/* A state as `ss state` names it or as ss prints it, in any case, with '-',
 * '_' or neither: "close-wait", "CLOSE_WAIT", "closewait", "ESTAB". */
static const struct ss_state *ss_state_named(const char *s, size_t n)
{
	char want[SS_SQUASHED_MAX], form[SS_SQUASHED_MAX];
	size_t i;

	if (ss_squash(s, n, want) < 0)
		return NULL;
	for (i = 0; i < SS_COUNT(ss_states); i++) {
		const struct ss_state *st = &ss_states[i];

		if (!st->filter)
			continue;   /* UNKNOWN: no state to filter by */
		if ((ss_squash(st->name, strlen(st->name), form) == 0 && !strcmp(want, form)) ||
		    (ss_squash(st->filter, strlen(st->filter), form) == 0 && !strcmp(want, form)))
			return st;
	}
	return NULL;
}

const char *parse_ss_state_filter(size_t i)
{
	size_t j;

	for (j = 0; j < SS_COUNT(ss_states); j++)
		if (ss_states[j].filter && !i--)
			return ss_states[j].filter;
	return NULL;
}

const char *parse_ss_state(const char *name)
{
	const struct ss_state *st = ss_state_named(name, strlen(name));

	return st ? st->filter : NULL;
}

static int ss_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

const char *parse_ss_state_in_name(const char *name)
{
	const struct ss_state *found = NULL;
	size_t a, b, n = strlen(name);

	/* Every span between separators ('-', '_', '.', '/', ...) of up to 16
	 * bytes: "ss-close_wait.txt" holds "close_wait". UNCONN ("closed")
	 * and CLOSING are too common as words to be read in a name. */
	for (a = 0; a < n; a++) {
		if (!ss_alnum(name[a]) || (a && ss_alnum(name[a - 1])))
			continue;
		for (b = a + 1; b <= n && b - a <= 16; b++) {
			const struct ss_state *st;

			if (b < n && ss_alnum(name[b]))
				continue;
			st = ss_state_named(name + a, b - a);
			if (!st || !strcmp(st->name, "UNCONN") || !strcmp(st->name, "CLOSING"))
				continue;
			if (found && found != st)
				return NULL;   /* two states named: neither is sure */
			found = st;
		}
	}
	return found ? found->filter : NULL;
}

int parse_ss_filtered(const char *buf, size_t len, const struct sm_sink *sink, const char *implied_state,
		      int *stateless)
{
	struct ss_parser p;
	struct line_iter it;
	const char *line;
	size_t n;

	memset(&p, 0, sizeof(p));
	p.sink = sink;
	p.implied = implied_state ? ss_state_named(implied_state, strlen(implied_state)) : NULL;
	p.pend = xmalloc(SS_LINE_MAX);
	p.arena.buf = xmalloc(SS_ARENA_MAX);
	p.arena.cap = SS_ARENA_MAX;
	lines_init(&it, buf ? buf : "", buf ? len : 0);
	while (!p.stop && lines_next(&it, &line, &n))
		ss_line(&p, line, n, it.lineno);
	ss_flush(&p);
	free(p.pend);
	free(p.arena.buf);
	if (stateless)
		*stateless = p.saw_no_state;
	if (p.stop)
		return p.stop;
	return p.saw_text && !p.recognised ? -1 : 0;
}

int parse_ss(const char *buf, size_t len, const struct sm_sink *sink)
{
	return parse_ss_filtered(buf, len, sink, NULL, NULL);
}

/* ---- ss -s ----------------------------------------------------------- */

#define SS_SUM_COLS 8
#define SS_SUM_NAME 32

struct ss_sum {
	const struct sm_sink *sink;
	char cols[SS_SUM_COLS][SS_SUM_NAME];   /* Transport header: Total IP IPv6 */
	size_t ncols;
	int stop;
	int recognised;
	int saw_text;
};

static int ss_sum_emit(struct ss_sum *q, uint64_t lineno, const char *group,
		       const char *name, size_t name_len, const char *v, size_t vn)
{
	struct sm_counter_row r;
	char nbuf[SS_SUM_NAME + 8];
	int64_t val;

	if (!name_len || name_len > SS_SUM_NAME || num_dec_count(v, vn, &val) < 0) {
		ss_warn(q->sink, lineno, "ss -s: bad counter skipped");
		return 0;
	}
	memcpy(nbuf, name, name_len);
	nbuf[name_len] = '\0';
	r.line = lineno;
	r.group = group;
	r.name = nbuf;
	r.value = val;
	q->recognised = 1;
	if (q->sink->counter && (q->stop = q->sink->counter(q->sink->ctx, &r)) != 0)
		return q->stop;
	return 0;
}

/* "name value" or "name a/b" (old ss: b is the slab cache's count). */
static int ss_sum_item(struct ss_sum *q, uint64_t lineno, const char *group,
		       const char *s, size_t n)
{
	const char *f[3], *slash;
	size_t fl[3], nf = fields_split(s, n, f, fl, 3);
	char slab[SS_SUM_NAME + 8];

	if (nf != 2) {
		ss_warn(q->sink, lineno, "ss -s: bad counter skipped");
		return 0;
	}
	slash = memchr(f[1], '/', fl[1]);
	if (!slash)
		return ss_sum_emit(q, lineno, group, f[0], fl[0], f[1], fl[1]);
	if (ss_sum_emit(q, lineno, group, f[0], fl[0], f[1], (size_t)(slash - f[1])))
		return q->stop;
	if (fl[0] > SS_SUM_NAME)
		return 0;
	memcpy(slab, f[0], fl[0]);
	memcpy(slab + fl[0], "_slab", 5);
	return ss_sum_emit(q, lineno, group, slab, fl[0] + 5, slash + 1,
			   (size_t)(f[1] + fl[1] - slash - 1));
}

/* Comma-separated items in [s, end). */
static int ss_sum_items(struct ss_sum *q, uint64_t lineno, const char *group,
			const char *s, const char *end)
{
	while (s < end && !q->stop) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *e = c ? c : end;

		if (fields_split(s, (size_t)(e - s), NULL, NULL, 0))
			ss_sum_item(q, lineno, group, s, (size_t)(e - s));
		s = e + 1;
	}
	return q->stop;
}

/* "TCP:   27 (estab 4, closed 2, ...), ports 0" and "Total: 208". */
static void ss_sum_group(struct ss_sum *q, uint64_t lineno, const char *s, size_t n)
{
	const char *end = s + n, *colon = memchr(s, ':', n), *lp, *rp, *v;
	char group[SS_SUM_NAME + 1];
	size_t gl = colon ? (size_t)(colon - s) : 0;

	if (!gl || gl > SS_SUM_NAME) {
		ss_warn(q->sink, lineno, "ss -s: unrecognised line skipped");
		return;
	}
	memcpy(group, s, gl);
	group[gl] = '\0';
	s = colon + 1;
	while (s < end && ss_is_blank(*s))
		s++;
	v = s;
	while (s < end && !ss_is_blank(*s) && *s != '(')
		s++;
	if (ss_sum_emit(q, lineno, group, "total", 5, v, (size_t)(s - v)))
		return;
	lp = memchr(s, '(', (size_t)(end - s));
	rp = lp ? memchr(lp, ')', (size_t)(end - lp)) : NULL;
	if (lp && !rp) {
		ss_warn(q->sink, lineno, "ss -s: unbalanced parenthesis");
		return;
	}
	if (lp && ss_sum_items(q, lineno, group, lp + 1, rp))
		return;
	ss_sum_items(q, lineno, group, rp ? rp + 1 : s, end);
}

/* "Transport Total IP IPv6": the names of the table's columns. */
static void ss_sum_header(struct ss_sum *q, const char *s, size_t n)
{
	const char *f[SS_SUM_COLS + 1];
	size_t fl[SS_SUM_COLS + 1], nf = fields_split(s, n, f, fl, SS_SUM_COLS + 1), i;

	if (nf > SS_SUM_COLS + 1)
		nf = SS_SUM_COLS + 1;
	q->ncols = 0;
	for (i = 1; i < nf; i++) {
		size_t l = fl[i] < SS_SUM_NAME ? fl[i] : SS_SUM_NAME - 1;

		memcpy(q->cols[q->ncols], f[i], l);
		q->cols[q->ncols][l] = '\0';
		q->ncols++;
	}
	q->recognised = 1;
}

/* "UDP  18  11  7" -> Transport:UDP Total/IP/IPv6; "-" cells are unknown. */
static void ss_sum_transport(struct ss_sum *q, uint64_t lineno, const char *s, size_t n)
{
	const char *f[SS_SUM_COLS + 1];
	size_t fl[SS_SUM_COLS + 1], nf = fields_split(s, n, f, fl, SS_SUM_COLS + 1), i;
	char group[SS_SUM_NAME + 16];

	if (nf > q->ncols + 1 || fl[0] > SS_SUM_NAME) {
		ss_warn(q->sink, lineno, "ss -s: transport row has too many columns, skipped");
		return;
	}
	memcpy(group, "Transport:", 10);
	memcpy(group + 10, f[0], fl[0]);
	group[10 + fl[0]] = '\0';
	for (i = 1; i < nf && !q->stop; i++) {
		if (ss_eq(f[i], fl[i], "-"))
			continue;
		ss_sum_emit(q, lineno, group, q->cols[i - 1], strlen(q->cols[i - 1]), f[i], fl[i]);
	}
}

static void ss_sum_line(struct ss_sum *q, uint64_t lineno, const char *s, size_t n)
{
	const char *f[2];
	size_t fl[2], nf;

	n = lines_rtrim(s, n);
	nf = fields_split(s, n, f, fl, 2);
	if (!nf)
		return;
	q->saw_text = 1;
	if (n > SS_LINE_MAX) {
		ss_warn(q->sink, lineno, "ss -s: line longer than 64 KiB skipped");
		return;
	}
	if (ss_eq(f[0], fl[0], "Transport"))
		ss_sum_header(q, f[0], (size_t)(s + n - f[0]));
	else if (memchr(f[0], ':', fl[0]))
		ss_sum_group(q, lineno, f[0], (size_t)(s + n - f[0]));
	else if (q->ncols && nf >= 2)
		ss_sum_transport(q, lineno, f[0], (size_t)(s + n - f[0]));
	else
		ss_warn(q->sink, lineno, "ss -s: unrecognised line skipped");
}

int parse_ss_summary(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct ss_sum q;
	struct line_iter it;
	const char *line;
	size_t n;

	memset(&q, 0, sizeof(q));
	q.sink = sink;
	lines_init(&it, buf ? buf : "", buf ? len : 0);
	while (!q.stop && lines_next(&it, &line, &n))
		ss_sum_line(&q, it.lineno, line, n);
	if (q.stop)
		return q.stop;
	return q.saw_text && !q.recognised ? -1 : 0;
}
