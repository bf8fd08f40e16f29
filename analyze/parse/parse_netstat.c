/*
 * parse_netstat: netstat(8) listings; see parse_netstat.h.
 *
 * Source: net-tools netstat.c (tcp_do_one, udp_do_one, raw_do_one,
 * unix_do_one, prg_cache_*), FreeBSD usr.bin/netstat/inet.c and unix.c,
 * and the Windows netstat -aon layout as printed.
 *
 * Linux, one socket per line, columns separated by blanks:
 *
 *   Active Internet connections (servers and established)
 *   Proto Recv-Q Send-Q Local Address  Foreign Address  State       User  Inode  PID/Program name  Timer
 *   tcp        0      0 0.0.0.0:22     0.0.0.0:*        LISTEN      0     21767  1215/sshd         off (0.00/0/0)
 *   tcp6       0      0 :::22          :::*             LISTEN      root  21776  600/sshd: /usr/sbin
 *   udp        0      0 0.0.0.0:68     0.0.0.0:*                    root  20830  1029/dhclient
 *   raw6       0      0 [::]:58        [::]:*           7           root  27015  874/systemd-network
 *   Active UNIX domain sockets (servers and established)
 *   Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path
 *   unix  2      [ ACC ]     STREAM     LISTENING     8981     1/systemd            /run/systemd/journal/stdout
 *   unix  3      [ ]         DGRAM                    8971     6492/sshd: kbrazil   /run/x
 *
 *   User/Inode come with -e, PID/Program name with -p, Timer with -o
 *   ("off|on|keepalive|timewait|probe|unkn-N (SECONDS/RETRANS/PROBES)").
 *   The State column is blank for unconnected udp and for unconnected
 *   unix sockets; raw sockets print the kernel state number.
 *   PID/Program name is "pid/" plus up to ~19 bytes of the command line,
 *   so it may hold blanks ("sshd: kbrazil", "avahi-daemon: r"); on inet
 *   lines it is the last column (before Timer), on unix lines its width
 *   is fixed (20 or 21 by version) and is measured from the header.
 *
 * Version quirks:
 *   - Addresses are "host:port" cut to fit the column, so long IPv6
 *     addresses lose their tail and run into the port
 *     ("fe80::a00:27ff:fee9:123"); net-tools 2.10 brackets IPv6 ("[::]:22").
 *   - Without -n hosts and ports are names ("localhost.localdoma:ssh").
 *   - Older net-tools print a narrower unix PID column.
 *
 * FreeBSD and macOS (netstat -an / -An): "tcp4 0 0 127.0.0.1.25 *.* LISTEN",
 * protocols tcp4 tcp6 tcp46 udp4 udp6 udp46 icm4, port after the last
 * '.', a "(state)" header, macOS -A adds leading Socket and Flowhash
 * columns; unix rows are "Address Type Recv-Q Send-Q Inode Conn Refs
 * Nextref [Addr]" with kernel addresses for Inode/Conn.
 *
 * Windows (netstat -aon): "  TCP    [::]:135    [::]:0    LISTENING    1000",
 * CRLF, no queue columns, UDP rows have no State, scope "%9" inside the
 * brackets.
 */
#include "parse_netstat.h"

#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "numparse.h"
#include "strbuf.h"

#define NETSTAT_LINE_MAX (64 * 1024)
/* Room for every piece of one line copied once, each with a NUL. */
#define NETSTAT_ARENA_MAX (2 * NETSTAT_LINE_MAX + 64)
#define NETSTAT_MAX_FIELDS 64
#define NETSTAT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum netstat_section { NETSTAT_NONE, NETSTAT_INET, NETSTAT_UNIX, NETSTAT_UNIX_BSD, NETSTAT_SKIP };

struct netstat_proto {
	const char *name;
	const char *v4;
	const char *v6;
	int family;     /* 4 or 6; 0: the address's (Windows TCP/UDP) */
	int dgram;      /* a blank State means unconnected: CLOSE */
	int raw;        /* State is the kernel's number */
	int windows;    /* no Recv-Q/Send-Q columns; a PID column instead */
};

static const struct netstat_proto netstat_protos[] = {
	{ "tcp", "tcp", "tcp6", 4, 0, 0, 0 },
	{ "tcp6", "tcp", "tcp6", 6, 0, 0, 0 },
	{ "udp", "udp", "udp6", 4, 1, 0, 0 },
	{ "udp6", "udp", "udp6", 6, 1, 0, 0 },
	{ "udpl", "udplite", "udplite6", 4, 1, 0, 0 },
	{ "udpl6", "udplite", "udplite6", 6, 1, 0, 0 },
	{ "raw", "raw", "raw6", 4, 1, 1, 0 },
	{ "raw6", "raw", "raw6", 6, 1, 1, 0 },
	{ "tcp4", "tcp", "tcp6", 4, 0, 0, 0 },
	{ "tcp46", "tcp", "tcp6", 6, 0, 0, 0 },
	{ "udp4", "udp", "udp6", 4, 1, 0, 0 },
	{ "udp46", "udp", "udp6", 6, 1, 0, 0 },
	{ "icm4", "raw", "raw6", 4, 1, 0, 0 },
	{ "icm6", "raw", "raw6", 6, 1, 0, 0 },
	{ "TCP", "tcp", "tcp6", 0, 0, 0, 1 },
	{ "UDP", "udp", "udp6", 0, 1, 0, 1 },
	{ "TCPv6", "tcp", "tcp6", 6, 0, 0, 1 },
	{ "UDPv6", "udp", "udp6", 6, 1, 0, 1 },
};

struct netstat_state {
	const char *name;
	const char *canon;      /* NULL: a state we know but cannot map */
};

static const struct netstat_state netstat_states[] = {
	/* Linux net-tools */
	{ "ESTABLISHED", "ESTABLISHED" }, { "SYN_SENT", "SYN_SENT" },
	{ "SYN_RECV", "SYN_RECV" }, { "FIN_WAIT1", "FIN_WAIT1" },
	{ "FIN_WAIT2", "FIN_WAIT2" }, { "TIME_WAIT", "TIME_WAIT" },
	{ "CLOSE", "CLOSE" }, { "CLOSE_WAIT", "CLOSE_WAIT" },
	{ "LAST_ACK", "LAST_ACK" }, { "LISTEN", "LISTEN" },
	{ "CLOSING", "CLOSING" }, { "UNKNOWN", NULL },
	/* BSD */
	{ "CLOSED", "CLOSE" }, { "SYN_RCVD", "SYN_RECV" },
	{ "FIN_WAIT_1", "FIN_WAIT1" }, { "FIN_WAIT_2", "FIN_WAIT2" },
	/* Windows */
	{ "LISTENING", "LISTEN" }, { "SYN_RECEIVED", "SYN_RECV" },
	{ "BOUND", "CLOSE" }, { "DELETE_TCB", NULL },
};

/* Kernel TCP state numbers, as raw sockets print them. */
static const char *const netstat_kernel_states[] = {
	NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

static const char *const netstat_unix_states[][2] = {
	{ "LISTENING", "LISTEN" }, { "CONNECTED", "CONNECTED" },
	{ "CONNECTING", "CONNECTING" }, { "DISCONNECTING", "DISCONNECTING" },
	{ "FREE", NULL }, { "UNKNOWN", NULL },
};

static const char *const netstat_unix_types[][2] = {
	{ "STREAM", "stream" }, { "DGRAM", "dgram" }, { "SEQPACKET", "seqpacket" },
	{ "RAW", NULL }, { "RDM", NULL }, { "UNKNOWN", NULL },
	{ "stream", "stream" }, { "dgram", "dgram" }, { "seqpac", "seqpacket" },
};

struct netstat_parser {
	const struct sm_sink *sink;
	enum netstat_section section;
	/* Linux inet header: which optional columns exist (-e, -p, -o). */
	int hdr_inet, hdr_user, hdr_inode;
	/* Linux unix header: PID/Program column present, and its width. */
	int hdr_unix, unix_prog;
	size_t unix_prog_w;
	struct sm_arena arena;
	int stop;
	int recognised;
	int saw_text;
};

struct netstat_fields {
	const char *f[NETSTAT_MAX_FIELDS];
	size_t fl[NETSTAT_MAX_FIELDS];
	size_t nf;
};

static void netstat_warn(const struct netstat_parser *p, uint64_t line, const char *msg)
{
	if (p->sink->warn)
		p->sink->warn(p->sink->ctx, line, msg);
}

static int netstat_eq(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l && !memcmp(s, lit, l);
}

static int netstat_has_prefix(const char *s, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && !memcmp(s, lit, l);
}

static int netstat_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *netstat_dup(struct netstat_parser *p, const char *s, size_t n)
{
	return sm_arena_dup(&p->arena, s, n);
}

static void netstat_split(struct netstat_fields *fs, const char *s, size_t n)
{
	fs->nf = fields_split(s, n, fs->f, fs->fl, NETSTAT_MAX_FIELDS);
	if (fs->nf > NETSTAT_MAX_FIELDS)
		fs->nf = NETSTAT_MAX_FIELDS;
}

static const char *netstat_end(const struct netstat_fields *fs, size_t i)
{
	return fs->f[i] + fs->fl[i];
}

static const struct netstat_proto *netstat_proto_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < NETSTAT_COUNT(netstat_protos); i++)
		if (netstat_eq(s, n, netstat_protos[i].name))
			return &netstat_protos[i];
	return NULL;
}

static const struct netstat_state *netstat_state_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < NETSTAT_COUNT(netstat_states); i++)
		if (netstat_eq(s, n, netstat_states[i].name))
			return &netstat_states[i];
	return NULL;
}

/* Look a word up in a {name, value} table; returns 1 when found. */
static int netstat_lookup(const char *const (*tab)[2], size_t ntab, const char *s, size_t n,
			  const char **out)
{
	size_t i;

	for (i = 0; i < ntab; i++) {
		if (netstat_eq(s, n, tab[i][0])) {
			*out = tab[i][1];
			return 1;
		}
	}
	return 0;
}

static int netstat_call(struct netstat_parser *p, const struct sm_socket_row *row)
{
	int rc = 0;

	p->recognised = 1;
	if (p->sink->socket)
		rc = p->sink->socket(p->sink->ctx, row);
	if (rc)
		p->stop = rc;
	return rc;
}

/* ---- addresses ---------------------------------------------------------- */

/*
 * Where the port starts: after "]:" when bracketed; otherwise after the
 * last ':' unless a '.' follows it (BSD "fe80::1.22", "10.0.0.1.80"),
 * in which case after the last '.'.
 */
static const char *netstat_port_sep(const char *s, size_t n)
{
	const char *colon, *dot, *rb;

	if (n && s[0] == '[') {
		rb = memchr(s, ']', n);
		return rb && rb + 1 < s + n && rb[1] == ':' ? rb + 1 : NULL;
	}
	colon = memrchr(s, ':', n);
	dot = memrchr(s, '.', n);
	if (colon && (!dot || dot < colon))
		return colon;
	return dot;
}

static int netstat_addr(const char *s, size_t n, struct sm_addr *a)
{
	return sm_addr_split(s, n, netstat_port_sep(s, n), a);
}

/* ---- inet rows ----------------------------------------------------------- */

/* "7188.21" seconds with up to two decimals -> milliseconds. */
static int netstat_seconds_ms(const char *s, size_t n, int64_t *ms)
{
	const char *dot = memchr(s, '.', n);
	size_t il = dot ? (size_t)(dot - s) : n, fl = dot ? n - il - 1 : 0;
	int64_t whole, frac = 0;

	if (num_dec_count(s, il, &whole) < 0 || whole > INT64_MAX / 1000 - 1000 || fl > 3 ||
	    (fl && num_dec_count(dot + 1, fl, &frac) < 0))
		return -1;
	while (fl++ < 3)
		frac *= 10;
	*ms = whole * 1000 + frac;
	return 0;
}

/* A -o timer name: off on keepalive timewait probe unkn-N. */
static int netstat_timer_code(const char *s, size_t n, int64_t *code)
{
	static const char *const names[] = { "off", "on", "keepalive", "timewait", "probe" };
	size_t i;

	for (i = 0; i < NETSTAT_COUNT(names); i++) {
		if (netstat_eq(s, n, names[i])) {
			*code = (int64_t)i;
			return 0;
		}
	}
	if (netstat_has_prefix(s, n, "unkn-"))
		return num_dec_count(s + 5, n - 5, code);
	return -1;
}

/*
 * "keepalive" "(7188.21/0/0)" as the last two fields. Returns 1 when they
 * are a timer (2 when text trails the ')'), 0 when not, -1 when malformed.
 */
static int netstat_timer(const struct netstat_fields *fs, size_t i, struct sm_socket_row *r)
{
	const char *s = fs->f[i + 1], *end = s + fs->fl[i + 1], *rp, *s1, *s2;
	int64_t code;

	if (s[0] != '(' || netstat_timer_code(fs->f[i], fs->fl[i], &code) < 0)
		return 0;
	rp = memchr(s, ')', (size_t)(end - s));
	s1 = rp ? memchr(s, '/', (size_t)(rp - s)) : NULL;
	s2 = s1 ? memchr(s1 + 1, '/', (size_t)(rp - s1 - 1)) : NULL;
	if (!s2 || netstat_seconds_ms(s + 1, (size_t)(s1 - s - 1), &r->timer_ms) < 0 ||
	    num_dec_count(s1 + 1, (size_t)(s2 - s1 - 1), &r->retransmits) < 0)
		return -1;
	r->timer = code;
	return rp + 1 < end ? 2 : 1;
}

/* "1234/nginx: master" or "-" spanning [s, end). */
static int netstat_prog(struct netstat_parser *p, const char *s, const char *end,
			struct sm_socket_row *r)
{
	const char *slash = memchr(s, '/', (size_t)(end - s));

	if (netstat_eq(s, (size_t)(end - s), "-"))
		return 0;
	if (!slash || num_dec_count(s, (size_t)(slash - s), &r->pid) < 0)
		return -1;
	if (slash + 1 < end)
		r->comm = netstat_dup(p, slash + 1, (size_t)(end - slash - 1));
	return 0;
}

static int netstat_is_prog(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);

	if (netstat_eq(s, n, "-"))
		return 1;
	return slash && slash > s && num_is_digits(s, (size_t)(slash - s));
}

/* -e columns before PID/Program: "User Inode", or one of them. */
static int netstat_user_inode(const struct netstat_parser *p, const struct netstat_fields *fs,
			      size_t i, size_t n, struct sm_socket_row *r)
{
	uint64_t ino;
	size_t user = n == 2 ? i : SIZE_MAX, inode = n == 2 ? i + 1 : SIZE_MAX;

	if (n == 1 && num_is_digits(fs->f[i], fs->fl[i]) &&
	    !(p->hdr_user && !p->hdr_inode))
		inode = i;
	else if (n == 1)
		user = i;
	if (inode != SIZE_MAX) {
		if (num_u64(fs->f[inode], fs->fl[inode], 10, &ino) < 0)
			return -1;
		r->inode = ino;
	}
	if (user == SIZE_MAX)
		return 0;
	/* A '/' cannot be in a user name: a mangled PID/Program column. */
	if (memchr(fs->f[user], '/', fs->fl[user]))
		return -1;
	if (num_is_digits(fs->f[user], fs->fl[user]))
		return num_dec_count(fs->f[user], fs->fl[user], &r->uid);
	return 0;
}

/* Columns after State: [User Inode] [PID/Program name] [Timer], or PID. */
static int netstat_inet_tail(struct netstat_parser *p, const struct netstat_fields *fs, size_t i,
			     int windows, struct sm_socket_row *r, uint64_t lineno)
{
	size_t end = fs->nf, j;
	int t = 0;

	if (end >= i + 2)
		t = netstat_timer(fs, end - 2, r);
	if (t < 0)
		return -1;
	if (t == 2)
		netstat_warn(p, lineno, "netstat: text after the timer ignored");
	if (t)
		end -= 2;
	if (windows) {
		if (end == i + 1)
			return num_dec_count(fs->f[i], fs->fl[i], &r->pid);
		return end == i ? 0 : -1;
	}
	for (j = i; j < end && !netstat_is_prog(fs->f[j], fs->fl[j]); j++)
		;
	if (j - i > 2) {
		netstat_warn(p, lineno, "netstat: unexpected columns ignored");
		i = j;
	}
	if (netstat_user_inode(p, fs, i, j - i, r) < 0)
		return -1;
	if (j < end)
		return netstat_prog(p, fs->f[j], netstat_end(fs, end - 1), r);
	return 0;
}

/* The State column, possibly blank (udp) or numeric (raw). */
static size_t netstat_inet_state(const struct netstat_fields *fs, size_t i,
				 const struct netstat_proto *pr, struct sm_socket_row *r)
{
	const struct netstat_state *st = i < fs->nf ? netstat_state_find(fs->f[i], fs->fl[i]) : NULL;
	int64_t k;

	if (st) {
		r->state = st->canon;
		return i + 1;
	}
	if (pr->raw && i < fs->nf && num_is_digits(fs->f[i], fs->fl[i])) {
		if (num_dec_count(fs->f[i], fs->fl[i], &k) == 0 &&
		    k < (int64_t)(NETSTAT_COUNT(netstat_kernel_states)))
			r->state = netstat_kernel_states[k];
		return i + 1;
	}
	r->state = pr->dgram ? "CLOSE" : NULL;
	return i;
}

/*
 * Proto and the queue columns; returns the index of the local address,
 * -1 when no protocol starts the line, -2 when the columns are bad.
 * macOS -A puts Socket and Flowhash before Proto, hence the search.
 */
static int netstat_inet_head(const struct netstat_fields *fs, const struct netstat_proto **pr,
			     struct sm_socket_row *r)
{
	size_t i;

	for (i = 0; i < 3 && i < fs->nf; i++)
		if ((*pr = netstat_proto_find(fs->f[i], fs->fl[i])) != NULL)
			break;
	if (i == 3 || i >= fs->nf)
		return -1;
	i++;
	if (!(*pr)->windows) {
		if (i + 1 >= fs->nf || num_dec_count(fs->f[i], fs->fl[i], &r->rx_queue) < 0 ||
		    num_dec_count(fs->f[i + 1], fs->fl[i + 1], &r->tx_queue) < 0)
			return -2;
		i += 2;
	}
	return i + 1 < fs->nf ? (int)i : -2;
}

static void netstat_inet_row(struct netstat_parser *p, const char *s, size_t n, uint64_t lineno)
{
	struct netstat_fields fs;
	struct sm_socket_row r;
	const struct netstat_proto *pr = NULL;
	struct sm_addr la, ra;
	int i, v6;

	sm_socket_row_init(&r);
	r.line = lineno;
	netstat_split(&fs, s, n);
	i = netstat_inet_head(&fs, &pr, &r);
	if (i == -1) {
		netstat_warn(p, lineno, "netstat: unrecognised line skipped");
		return;
	}
	if (i < 0 || netstat_addr(fs.f[i], fs.fl[i], &la) < 0 ||
	    netstat_addr(fs.f[i + 1], fs.fl[i + 1], &ra) < 0) {
		netstat_warn(p, lineno, "netstat: bad queue or address column, line skipped");
		return;
	}
	i = (int)netstat_inet_state(&fs, (size_t)i + 2, pr, &r);
	if (netstat_inet_tail(p, &fs, (size_t)i, pr->windows, &r, lineno) < 0) {
		netstat_warn(p, lineno, "netstat: bad user/inode/program/timer column, line skipped");
		return;
	}
	v6 = pr->family ? pr->family == 6 : la.v6;
	r.proto = v6 ? pr->v6 : pr->v4;
	r.local_addr = sm_addr_host(&p->arena, &la, v6);
	r.remote_addr = sm_addr_host(&p->arena, &ra, v6);
	r.local_port = la.port;
	r.remote_port = ra.port;
	netstat_call(p, &r);
}

/* ---- unix rows ---------------------------------------------------------- */

/*
 * Split "PID/Program name   Path" at the header's column width; without
 * a header (or when the name overflows it) at the first run of 2 blanks.
 */
static void netstat_prog_path(const struct netstat_parser *p, const char *s, const char *end,
			      const char **pe, const char **path)
{
	const char *q;

	if (p->unix_prog_w && (size_t)(end - s) > p->unix_prog_w &&
	    netstat_is_blank(s[p->unix_prog_w - 1])) {
		q = s + p->unix_prog_w;
	} else {
		for (q = s; q < end && !(netstat_is_blank(q[0]) && q + 1 < end && netstat_is_blank(q[1])); q++)
			;
	}
	*pe = q;
	while (*pe > s && netstat_is_blank((*pe)[-1]))
		(*pe)--;
	while (q < end && netstat_is_blank(*q))
		q++;
	*path = q;
}

/* After the inode: [PID/Program name] [Path]. */
static int netstat_unix_tail(struct netstat_parser *p, const char *s, const char *end,
			     struct sm_socket_row *r)
{
	const char *pe = end, *path = s, *t;

	while (s < end && netstat_is_blank(*s))
		s++;
	for (t = s; t < end && !netstat_is_blank(*t); t++)
		;
	if (s < end && (p->unix_prog || (!p->hdr_unix && netstat_is_prog(s, (size_t)(t - s))))) {
		netstat_prog_path(p, s, end, &pe, &path);
		if (netstat_prog(p, s, pe, r) < 0)
			return -1;
	} else {
		path = s;
	}
	if (path < end)
		r->unix_path = netstat_dup(p, path, (size_t)(end - path));
	return 0;
}

/* "TYPE [STATE] INODE" after the flags' ']'; returns the inode's end. */
static const char *netstat_unix_cols(const char *s, const char *end, struct sm_socket_row *r)
{
	struct netstat_fields fs;
	size_t i = 1;

	fs.nf = fields_split(s, (size_t)(end - s), fs.f, fs.fl, 3);
	if (fs.nf > 3)
		fs.nf = 3;
	if (fs.nf < 2 || !netstat_lookup(netstat_unix_types, NETSTAT_COUNT(netstat_unix_types),
					 fs.f[0], fs.fl[0], &r->unix_type))
		return NULL;
	r->state = "UNCONNECTED";
	if (!num_is_digits(fs.f[1], fs.fl[1])) {
		if (!netstat_lookup(netstat_unix_states, NETSTAT_COUNT(netstat_unix_states),
				    fs.f[1], fs.fl[1], &r->state) || fs.nf < 3)
			return NULL;
		i = 2;
	}
	if (num_u64(fs.f[i], fs.fl[i], 10, &r->inode) < 0)
		return NULL;
	return netstat_end(&fs, i);
}

/* Linux: unix RefCnt [ FLAGS ] Type State I-Node [PID/Program] [Path] */
static void netstat_unix_row(struct netstat_parser *p, const char *s, size_t n, uint64_t lineno)
{
	const char *end = s + n, *lb, *rb = NULL, *rest;
	struct sm_socket_row r;

	sm_socket_row_init(&r);
	r.line = lineno;
	r.proto = "unix";
	lb = memchr(s, '[', n);
	if (lb)
		rb = memchr(lb, ']', (size_t)(end - lb));
	rest = rb ? netstat_unix_cols(rb + 1, end, &r) : NULL;
	if (!rest || netstat_unix_tail(p, rest, end, &r) < 0) {
		netstat_warn(p, lineno, "netstat: bad unix socket line skipped");
		return;
	}
	netstat_call(p, &r);
}

/* FreeBSD/macOS: Address Type Recv-Q Send-Q Inode Conn Refs Nextref [Addr] */
static void netstat_bsd_unix_row(struct netstat_parser *p, const char *s, size_t n, uint64_t lineno)
{
	struct netstat_fields fs;
	struct sm_socket_row r;

	sm_socket_row_init(&r);
	r.line = lineno;
	r.proto = "unix";
	netstat_split(&fs, s, n);
	if (fs.nf < 8 ||
	    !netstat_lookup(netstat_unix_types, NETSTAT_COUNT(netstat_unix_types),
		       fs.f[1], fs.fl[1], &r.unix_type) ||
	    num_dec_count(fs.f[2], fs.fl[2], &r.rx_queue) < 0 ||
	    num_dec_count(fs.f[3], fs.fl[3], &r.tx_queue) < 0) {
		netstat_warn(p, lineno, "netstat: bad unix socket line skipped");
		return;
	}
	if (fs.nf > 8)
		r.unix_path = netstat_dup(p, fs.f[8], (size_t)(s + n - fs.f[8]));
	netstat_call(p, &r);
}

/* ---- sections and headers ----------------------------------------------- */

static void netstat_title(struct netstat_parser *p, const char *s, size_t n, uint64_t lineno)
{
	p->recognised = 1;
	if (memmem(s, n, "Internet connections", 20) || netstat_eq(s, n, "Active Connections")) {
		p->section = NETSTAT_INET;
		p->hdr_inet = p->hdr_user = p->hdr_inode = 0;
	} else if (memmem(s, n, "UNIX) domain sockets", 20) ||
		   memmem(s, n, "UNIX domain sockets", 19)) {
		p->section = NETSTAT_UNIX;
		p->hdr_unix = p->unix_prog = 0;
		p->unix_prog_w = 0;
	} else {
		p->section = NETSTAT_SKIP;
		netstat_warn(p, lineno, "netstat: section not parsed, skipped");
	}
}

static size_t netstat_find(const struct netstat_fields *fs, const char *word)
{
	size_t i;

	for (i = 0; i < fs->nf; i++)
		if (netstat_eq(fs->f[i], fs->fl[i], word))
			return i;
	return SIZE_MAX;
}

/* The Linux unix header fixes the PID/Program column's width. */
static void netstat_unix_header(struct netstat_parser *p, const struct netstat_fields *fs)
{
	size_t prog = netstat_find(fs, "PID/Program"), path = netstat_find(fs, "Path");

	p->section = NETSTAT_UNIX;
	p->hdr_unix = 1;
	p->unix_prog = prog != SIZE_MAX;
	p->unix_prog_w = 0;
	if (p->unix_prog && path != SIZE_MAX && path > prog)
		p->unix_prog_w = (size_t)(fs->f[path] - fs->f[prog]);
}

/* Returns 1 when the line is a column header (handled), else 0. */
static int netstat_header(struct netstat_parser *p, const char *s, size_t n)
{
	struct netstat_fields fs;

	netstat_split(&fs, s, n);
	if (fs.nf < 2)
		return 0;
	if (netstat_eq(fs.f[0], fs.fl[0], "Proto") && netstat_eq(fs.f[1], fs.fl[1], "RefCnt")) {
		netstat_unix_header(p, &fs);
	} else if (netstat_eq(fs.f[0], fs.fl[0], "Address") && netstat_eq(fs.f[1], fs.fl[1], "Type")) {
		p->section = NETSTAT_UNIX_BSD;
	} else if (netstat_find(&fs, "Proto") != SIZE_MAX &&
		   (netstat_find(&fs, "Recv-Q") != SIZE_MAX || netstat_find(&fs, "Local") != SIZE_MAX)) {
		if (p->section == NETSTAT_SKIP)
			return 1;
		p->section = NETSTAT_INET;
		p->hdr_inet = 1;
		p->hdr_user = netstat_find(&fs, "User") != SIZE_MAX;
		p->hdr_inode = netstat_find(&fs, "Inode") != SIZE_MAX;
	} else if (netstat_eq(fs.f[0], fs.fl[0], "kctlref") || netstat_eq(fs.f[0], fs.fl[0], "pcb")) {
		/* macOS kernel control/event tables: their section is skipped. */
	} else {
		return 0;
	}
	p->recognised = 1;
	return 1;
}

static void netstat_line(struct netstat_parser *p, const char *s, size_t n, uint64_t lineno)
{
	const char *f[1];
	size_t fl[1];

	n = lines_rtrim(s, n);
	while (n && netstat_is_blank(*s)) {
		s++;
		n--;
	}
	if (!n)
		return;
	p->saw_text = 1;
	p->arena.used = 0;
	if (n > NETSTAT_LINE_MAX) {
		netstat_warn(p, lineno, "netstat: line longer than 64 KiB skipped");
		return;
	}
	fields_split(s, n, f, fl, 1);
	if (netstat_eq(f[0], fl[0], "Active") || netstat_has_prefix(s, n, "Registered kernel")) {
		netstat_title(p, s, n, lineno);
		return;
	}
	if (netstat_header(p, s, n) || p->section == NETSTAT_SKIP)
		return;
	if (netstat_eq(f[0], fl[0], "unix"))
		netstat_unix_row(p, s, n, lineno);
	else if (p->section == NETSTAT_UNIX_BSD)
		netstat_bsd_unix_row(p, s, n, lineno);
	else
		netstat_inet_row(p, s, n, lineno);
}

int parse_netstat(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct netstat_parser p;
	struct line_iter it;
	const char *line;
	size_t n;

	memset(&p, 0, sizeof(p));
	p.sink = sink;
	p.arena.buf = xmalloc(NETSTAT_ARENA_MAX);
	p.arena.cap = NETSTAT_ARENA_MAX;
	lines_init(&it, buf ? buf : "", buf ? len : 0);
	while (!p.stop && lines_next(&it, &line, &n))
		netstat_line(&p, line, n, it.lineno);
	free(p.arena.buf);
	if (p.stop)
		return p.stop;
	return p.saw_text && !p.recognised ? -1 : 0;
}
