/*
 * parse_procnet: /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6},
 * /proc/net/unix, /proc/net/netlink and /proc/net/packet.
 *
 * inet tables (proc(5); net/ipv4/tcp_ipv4.c get_tcp4_sock,
 * get_timewait4_sock, get_openreq4; net/ipv6/tcp_ipv6.c get_tcp6_sock;
 * net/ipv4/udp.c udp4_format_sock; net/ipv4/raw.c __raw_sock_seq_show):
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
 *    0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 140054 1 ffff8c7a0de93a80 100 0 0 10 0
 *
 *   sl        slot in the hash table, "%4d:"; restarts at 0 when two dumps
 *             are concatenated and is not unique (udp prints the bucket)
 *   local/rem address "%08X:%04X": the address as 32-bit words printed
 *             with %08X, so on a little-endian host each word's bytes come
 *             out reversed (0100007F = 127.0.0.1); IPv6 is four such words.
 *             The port is in host order. raw tables print the IP protocol
 *             number as the local port.
 *   st        TCP state number (include/net/tcp_states.h); UDP and raw use
 *             01 connected and 07 (TCP_CLOSE) unconnected
 *   tx_queue:rx_queue  bytes; for LISTEN rx_queue is the accept queue length
 *   tr:tm->when  timer kind (0 none, 1 retransmit/loss probe, 2 keepalive,
 *             3 TIME_WAIT, 4 zero window probe) : clock ticks left, printed
 *             with jiffies_delta_to_clock_t, i.e. at USER_HZ = 100
 *   retrnsmt  retransmits (hex), uid (decimal), timeout = probes_out,
 *             inode (decimal, 0 for TIME_WAIT and request minisockets)
 *   then      refcount, socket pointer (%pK: real, hashed since 4.15, or
 *             zeros under kptr_restrict), and for full TCP sockets rto, ato,
 *             quick/pingpong, cwnd and ssthresh -- except that for LISTEN the
 *             last field is the fast-open queue limit, not the backlog.
 *
 * Quirks: the header names only some columns ("tx_queue rx_queue" and
 * "tr tm->when" each describe one colon-joined field); udp/raw headers go on
 * with "ref pointer drops"; tcp6 says remote_address where tcp says
 * rem_address; TIME_WAIT rows stop after the pointer; tcp pads rows with
 * trailing blanks. Kernels before jiffies_delta_to_clock_t (~3.6) could print
 * a negative time left as a huge unsigned number: such timers are reported
 * as unknown. Text captured on a big-endian host would decode wrongly; the
 * collector only runs on little-endian Linux.
 *
 * unix (net/unix/af_unix.c unix_seq_show):
 *
 *   Num       RefCount Protocol Flags    Type St Inode Path
 *   ffff9b61ac49c400: 00000002 00000000 00010000 0001 01 42776 /run/x.sock
 *
 *   Num %pK:, RefCount, Protocol (always 0), Flags (__SO_ACCEPTCON 0x10000
 *   when listening), Type (1 stream, 2 dgram, 5 seqpacket), St (socket_state:
 *   1 unconnected, 2 connecting, 3 connected, 4 disconnecting), Inode
 *   ("%5lu", so small inodes are space-padded), then " path" only when
 *   bound: the rest of the line, '@'-prefixed for abstract names whose NULs
 *   the kernel prints as '@'. Very old kernels have no Inode column. A path
 *   holding a newline cannot be recovered from text.
 *
 * netlink (net/netlink/af_netlink.c netlink_seq_show):
 *   sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
 * packet (net/packet/af_packet.c packet_seq_show):
 *   sk               RefCnt Type Proto  Iface R Rmem   User   Inode
 * Both start with a bare %pK pointer; columns are found by header name.
 */
#include "parse_procnet.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lines.h"
#include "numparse.h"

/* More than any kernel prints (tcp: 17); extra fields are counted only. */
#define PN_MAXF 32
/* sun_path is 108 bytes; anything longer is not kernel output. */
#define PN_PATH_MAX 256

struct pn_fields {
	const char *f[PN_MAXF];
	size_t len[PN_MAXF];
	size_t n;          /* fields on the line, may exceed PN_MAXF */
};

/* Does the token [s, s+n) equal the literal? */
static int pn_tok_eq(const char *s, size_t n, const char *lit)
{
	/* the first byte first: asked of every row, which is rarely a header */
	return n && *s == *lit && strlen(lit) == n && !memcmp(s, lit, n);
}

/* Split a line into blank-separated fields. */
static void pn_split(const char *line, size_t len, struct pn_fields *fl)
{
	fl->n = fields_split(line, len, fl->f, fl->len, PN_MAXF);
}

/* An unsigned number that must also fit an int64_t (row fields are signed). */
static int pn_u64_as_i64(const char *s, size_t n, int base, int64_t *out)
{
	uint64_t v;

	if (num_u64(s, n, base, &v) < 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* Split "a:b" at its first colon (a second one then fails the number parse). */
static int pn_pair(const char *s, size_t n, const char **b, size_t *alen, size_t *blen)
{
	const char *c = memchr(s, ':', n);

	if (!c)
		return -1;
	*alen = (size_t)(c - s);
	*b = c + 1;
	*blen = n - *alen - 1;
	return 0;
}

/* "1315:" -- the slot number is checked, not kept. */
static int pn_check_slot(const char *s, size_t n)
{
	uint64_t v;

	if (n < 2 || s[n - 1] != ':')
		return -1;
	return num_u64(s, n - 1, 10, &v);
}

/* Hand a row to the sink; 0 when there is no socket callback. */
static int pn_emit(const struct sm_sink *sink, const struct sm_socket_row *row)
{
	return sink && sink->socket ? sink->socket(sink->ctx, row) : 0;
}

/* --- inet tables --------------------------------------------------------- */

enum pn_inet_col {
	PN_SL, PN_LOCAL, PN_REMOTE, PN_ST, PN_QUEUES, PN_TIMER, PN_RETR,
	PN_UID, PN_INODE, PN_NCOLS
};

struct pn_inet_layout {
	int col[PN_NCOLS];   /* field index on a row, -1 when the header lacks it */
	size_t need;         /* fields a row must have */
};

static const char *const pn_tcp_states[] = {
	NULL, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

static const char *const pn_inet_protos[] = {
	"tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6",
};

/* The canonical name for proto, or NULL when it is not an inet table. */
static const char *pn_inet_proto(const char *proto)
{
	size_t i;

	for (i = 0; proto && i < sizeof(pn_inet_protos) / sizeof(pn_inet_protos[0]); i++)
		if (!strcmp(proto, pn_inet_protos[i]))
			return pn_inet_protos[i];
	return NULL;
}

/* The column a header word names, or -1 for the ones we do not read. */
static int pn_inet_colname(const char *s, size_t n)
{
	static const struct { const char *name; int col; } names[] = {
		{ "sl", PN_SL }, { "local_address", PN_LOCAL },
		{ "rem_address", PN_REMOTE }, { "remote_address", PN_REMOTE },
		{ "st", PN_ST }, { "tx_queue", PN_QUEUES }, { "tr", PN_TIMER },
		{ "retrnsmt", PN_RETR }, { "uid", PN_UID }, { "inode", PN_INODE },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (pn_tok_eq(s, n, names[i].name))
			return names[i].col;
	return -1;
}

/*
 * Map header words to row fields. Two header words name one field each in
 * "tx_queue rx_queue" and "tr tm->when", so the second of each pair does not
 * advance the field index.
 */
static int pn_inet_header(const struct pn_fields *fl, struct pn_inet_layout *lay)
{
	size_t i, d = 0, nf = fl->n < PN_MAXF ? fl->n : PN_MAXF;
	int c;

	for (c = 0; c < PN_NCOLS; c++)
		lay->col[c] = -1;
	if (!nf || !pn_tok_eq(fl->f[0], fl->len[0], "sl"))
		return -1;
	for (i = 0; i < nf; i++) {
		if (i > 0 && ((pn_tok_eq(fl->f[i], fl->len[i], "rx_queue") &&
			       pn_tok_eq(fl->f[i - 1], fl->len[i - 1], "tx_queue")) ||
			      (pn_tok_eq(fl->f[i], fl->len[i], "tm->when") &&
			       pn_tok_eq(fl->f[i - 1], fl->len[i - 1], "tr"))))
			continue;
		c = pn_inet_colname(fl->f[i], fl->len[i]);
		if (c >= 0 && lay->col[c] < 0)
			lay->col[c] = (int)d;
		d++;
	}
	if (lay->col[PN_LOCAL] < 0 || lay->col[PN_REMOTE] < 0 || lay->col[PN_ST] < 0)
		return -1;
	lay->need = 0;
	for (c = 0; c < PN_NCOLS; c++)
		if (lay->col[c] >= 0 && (size_t)lay->col[c] + 1 > lay->need)
			lay->need = (size_t)lay->col[c] + 1;
	return 0;
}

/*
 * Exactly 8 hex digits (either case), as num_u64(s, 8, 16, ...) reads them.
 * The address words are most of a table's digits: this loop has no
 * per-digit division (8 digits cannot overflow).
 */
static int pn_hex32(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		unsigned char c = (unsigned char)s[i], l = (unsigned char)(c | 0x20);
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (l >= 'a' && l <= 'f')
			d = (unsigned)(l - 'a' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* Dotted quad, the text inet_ntop(AF_INET) gives ("%u.%u.%u.%u"), without
 * its sprintf. */
static int pn_ipv4_text(const unsigned char b[4], char *out, size_t outsz)
{
	char t[16];
	size_t n = 0;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (i)
			t[n++] = '.';
		if (v >= 100)
			t[n++] = (char)('0' + v / 100);
		if (v >= 10)
			t[n++] = (char)('0' + v / 10 % 10);
		t[n++] = (char)('0' + v % 10);
	}
	if (n + 1 > outsz)
		return -1;
	memcpy(out, t, n);
	out[n] = '\0';
	return 0;
}

/*
 * "0100007F:1F90" or 32 hex digits ":port" into text and port. Each 8-digit
 * word is a u32 the kernel read from memory on a little-endian host, so its
 * least significant byte is the first byte of the address.
 */
static int pn_inet_addr(const char *s, size_t n, char *out, size_t outsz, int64_t *port)
{
	unsigned char bytes[16];
	const char *p;
	size_t alen, plen, w;
	uint64_t v;

	if (pn_pair(s, n, &p, &alen, &plen) < 0 || (alen != 8 && alen != 32))
		return -1;
	if (num_u64(p, plen, 16, &v) < 0 || v > 65535)
		return -1;
	*port = (int64_t)v;
	for (w = 0; w < alen / 8; w++) {
		if (pn_hex32(s + 8 * w, &v) < 0)
			return -1;
		bytes[4 * w] = (unsigned char)(v & 0xff);
		bytes[4 * w + 1] = (unsigned char)((v >> 8) & 0xff);
		bytes[4 * w + 2] = (unsigned char)((v >> 16) & 0xff);
		bytes[4 * w + 3] = (unsigned char)((v >> 24) & 0xff);
	}
	if (alen == 8)
		return pn_ipv4_text(bytes, out, outsz);
	if (!inet_ntop(AF_INET6, bytes, out, (socklen_t)outsz))
		return -1;
	return 0;
}

/* "0A" -> "LISTEN"; NULL for numbers no kernel prints here. */
static const char *pn_tcp_state(const char *s, size_t n)
{
	uint64_t v;

	if (num_u64(s, n, 16, &v) < 0 ||
	    v >= sizeof(pn_tcp_states) / sizeof(pn_tcp_states[0]))
		return NULL;
	return pn_tcp_states[v];
}

/* "tx:rx", both hex byte counts. */
static int pn_inet_queues(const char *s, size_t n, struct sm_socket_row *row)
{
	const char *b;
	size_t alen, blen;

	if (pn_pair(s, n, &b, &alen, &blen) < 0 ||
	    pn_u64_as_i64(s, alen, 16, &row->tx_queue) < 0 ||
	    pn_u64_as_i64(b, blen, 16, &row->rx_queue) < 0)
		return -1;
	return 0;
}

/*
 * "tr:when". when is in USER_HZ (100) ticks; more than 2^32 ticks (16
 * months) is an old kernel's negative delta, so the time left is unknown.
 * Returns 1 when the timer kind is fine but the time left is not.
 */
static int pn_inet_timer(const char *s, size_t n, struct sm_socket_row *row)
{
	const char *b;
	size_t alen, blen;
	uint64_t ticks;

	if (pn_pair(s, n, &b, &alen, &blen) < 0 ||
	    pn_u64_as_i64(s, alen, 16, &row->timer) < 0 ||
	    num_u64(b, blen, 16, &ticks) < 0)
		return -1;
	if (ticks > UINT32_MAX)
		return 1;
	row->timer_ms = (int64_t)ticks * 10;
	return 0;
}

/* Addresses, ports and state: the fields every row must get right. */
static int pn_inet_endpoints(const struct pn_inet_layout *lay, const struct pn_fields *fl,
			     uint64_t ln, const struct sm_sink *sink,
			     struct sm_socket_row *row, char *laddr, char *raddr, size_t asz)
{
	int c;

	c = lay->col[PN_SL];
	if (c >= 0 && pn_check_slot(fl->f[c], fl->len[c]) < 0) {
		sm_sink_warn(sink, ln, "bad sl", fl->f[c], fl->len[c]);
		return -1;
	}
	c = lay->col[PN_LOCAL];
	if (pn_inet_addr(fl->f[c], fl->len[c], laddr, asz, &row->local_port) < 0) {
		sm_sink_warn(sink, ln, "bad local_address", fl->f[c], fl->len[c]);
		return -1;
	}
	c = lay->col[PN_REMOTE];
	if (pn_inet_addr(fl->f[c], fl->len[c], raddr, asz, &row->remote_port) < 0) {
		sm_sink_warn(sink, ln, "bad remote address", fl->f[c], fl->len[c]);
		return -1;
	}
	row->local_addr = laddr;
	row->remote_addr = raddr;
	c = lay->col[PN_ST];
	row->state = pn_tcp_state(fl->f[c], fl->len[c]);
	if (!row->state) {
		sm_sink_warn(sink, ln, "bad st", fl->f[c], fl->len[c]);
		return -1;
	}
	return 0;
}

/* Queues, timer, retransmits, uid, inode: whichever the header names. */
static int pn_inet_counters(const struct pn_inet_layout *lay, const struct pn_fields *fl,
			    uint64_t ln, const struct sm_sink *sink, struct sm_socket_row *row)
{
	int c, r;

	c = lay->col[PN_QUEUES];
	if (c >= 0 && pn_inet_queues(fl->f[c], fl->len[c], row) < 0) {
		sm_sink_warn(sink, ln, "bad tx_queue:rx_queue", fl->f[c], fl->len[c]);
		return -1;
	}
	c = lay->col[PN_TIMER];
	if (c >= 0) {
		r = pn_inet_timer(fl->f[c], fl->len[c], row);
		if (r < 0) {
			sm_sink_warn(sink, ln, "bad tr:tm->when", fl->f[c], fl->len[c]);
			return -1;
		}
		if (r > 0)
			sm_sink_warn(sink, ln, "timer out of range, time left unknown",
				fl->f[c], fl->len[c]);
	}
	c = lay->col[PN_RETR];
	if (c >= 0 && pn_u64_as_i64(fl->f[c], fl->len[c], 16, &row->retransmits) < 0) {
		sm_sink_warn(sink, ln, "bad retrnsmt", fl->f[c], fl->len[c]);
		return -1;
	}
	c = lay->col[PN_UID];
	if (c >= 0 && pn_u64_as_i64(fl->f[c], fl->len[c], 10, &row->uid) < 0) {
		sm_sink_warn(sink, ln, "bad uid", fl->f[c], fl->len[c]);
		return -1;
	}
	c = lay->col[PN_INODE];
	if (c >= 0 && num_u64(fl->f[c], fl->len[c], 10, &row->inode) < 0) {
		sm_sink_warn(sink, ln, "bad inode", fl->f[c], fl->len[c]);
		return -1;
	}
	return 0;
}

/* One data row: 0 when emitted or skipped, else the callback's value. */
static int pn_inet_row(const struct pn_inet_layout *lay, const struct pn_fields *fl,
		       const char *proto, uint64_t ln, const struct sm_sink *sink,
		       const char *line, size_t len)
{
	struct sm_socket_row row;
	char laddr[INET6_ADDRSTRLEN], raddr[INET6_ADDRSTRLEN];

	if (fl->n < lay->need) {
		sm_sink_warn(sink, ln, "too few fields", line, len);
		return 0;
	}
	sm_socket_row_init(&row);
	row.line = ln;
	row.proto = proto;
	if (pn_inet_endpoints(lay, fl, ln, sink, &row, laddr, raddr, sizeof(laddr)) < 0 ||
	    pn_inet_counters(lay, fl, ln, sink, &row) < 0)
		return 0;
	return pn_emit(sink, &row);
}


/* --- unix ---------------------------------------------------------------- */

enum pn_unix_col { PU_NUM, PU_FLAGS, PU_TYPE, PU_ST, PU_INODE, PU_PATH, PU_NCOLS };

struct pn_unix_layout {
	int col[PU_NCOLS];
	size_t need;        /* fields before the path */
};

/* Find the columns of a unix header line; -1 if it is not one we can read. */
static int pn_unix_header(const struct pn_fields *fl, struct pn_unix_layout *lay)
{
	static const char *const names[PU_NCOLS] = {
		"Num", "Flags", "Type", "St", "Inode", "Path",
	};
	size_t i, nf = fl->n < PN_MAXF ? fl->n : PN_MAXF;
	int c;

	for (c = 0; c < PU_NCOLS; c++)
		lay->col[c] = -1;
	if (!nf || !pn_tok_eq(fl->f[0], fl->len[0], "Num"))
		return -1;
	for (i = 0; i < nf; i++)
		for (c = 0; c < PU_NCOLS; c++)
			if (lay->col[c] < 0 && pn_tok_eq(fl->f[i], fl->len[i], names[c]))
				lay->col[c] = (int)i;
	if (lay->col[PU_FLAGS] < 0 || lay->col[PU_TYPE] < 0 || lay->col[PU_ST] < 0)
		return -1;
	/* The path runs to the end of the line, so it must be the last column. */
	if (lay->col[PU_PATH] >= 0 && (size_t)lay->col[PU_PATH] != fl->n - 1)
		return -1;
	lay->need = lay->col[PU_PATH] >= 0 ? (size_t)lay->col[PU_PATH] : fl->n;
	return 0;
}

/* SOCK_STREAM/SOCK_DGRAM/SOCK_SEQPACKET; unix sockets have no others. */
static const char *pn_unix_type(int64_t t)
{
	switch (t) {
	case 1: return "stream";
	case 2: return "dgram";
	case 5: return "seqpacket";
	default: return NULL;
	}
}

/* Flags and St into a state name; listening overrides the socket_state. */
static const char *pn_unix_state(int64_t flags, int64_t st)
{
	static const char *const names[] = {
		NULL, "UNCONNECTED", "CONNECTING", "CONNECTED", "DISCONNECTING",
	};

	if (flags & 0x10000)   /* __SO_ACCEPTCON */
		return "LISTEN";
	if (st < 1 || st > 4)
		return NULL;
	return names[st];
}

/*
 * The path is everything after the one blank that follows the field before
 * it: paths may hold blanks, even leading ones. A line that only trails
 * blanks there has no path.
 */
static const char *pn_unix_path(const struct pn_unix_layout *lay, const struct pn_fields *fl,
				const char *line, size_t len, uint64_t ln,
				const struct sm_sink *sink, char *out)
{
	const char *p, *end = line + len;
	size_t i, n, off;
	int prev = lay->col[PU_PATH] - 1;

	if (prev < 0)
		return NULL;
	off = (size_t)(fl->f[prev] - line) + fl->len[prev] + 1;
	if (off >= len)
		return NULL;
	p = line + off;
	for (i = 0; p + i < end && (p[i] == ' ' || p[i] == '\t'); i++)
		;
	if (p + i == end)
		return NULL;
	n = (size_t)(end - p);
	if (n >= PN_PATH_MAX) {
		sm_sink_warn(sink, ln, "path too long, truncated", p, n);
		n = PN_PATH_MAX - 1;
	}
	for (i = 0; i < n; i++)
		out[i] = p[i] ? p[i] : '?';
	out[n] = '\0';
	if (memchr(p, '\0', n))
		sm_sink_warn(sink, ln, "NUL byte in path", p, n);
	return out;
}

/* Num, Flags, Type, St and Inode of a row; -1 (warned) if unusable. */
static int pn_unix_fields(const struct pn_unix_layout *lay, const struct pn_fields *fl,
			  uint64_t ln, const struct sm_sink *sink, struct sm_socket_row *row)
{
	int64_t flags, type, st;
	uint64_t ptr;
	const int *c = lay->col;

	/* Num is the %pK pointer: real, hashed or zero, always hex and ':'. */
	if (c[PU_NUM] >= 0 && (fl->len[c[PU_NUM]] < 2 ||
			       fl->f[c[PU_NUM]][fl->len[c[PU_NUM]] - 1] != ':' ||
			       num_u64(fl->f[c[PU_NUM]], fl->len[c[PU_NUM]] - 1, 16, &ptr) < 0)) {
		sm_sink_warn(sink, ln, "bad Num", fl->f[c[PU_NUM]], fl->len[c[PU_NUM]]);
		return -1;
	}
	if (pn_u64_as_i64(fl->f[c[PU_FLAGS]], fl->len[c[PU_FLAGS]], 16, &flags) < 0 ||
	    pn_u64_as_i64(fl->f[c[PU_TYPE]], fl->len[c[PU_TYPE]], 16, &type) < 0 ||
	    pn_u64_as_i64(fl->f[c[PU_ST]], fl->len[c[PU_ST]], 16, &st) < 0) {
		sm_sink_warn(sink, ln, "bad Flags, Type or St", fl->f[c[PU_FLAGS]],
			fl->len[c[PU_FLAGS]]);
		return -1;
	}
	if (c[PU_INODE] >= 0 &&
	    num_u64(fl->f[c[PU_INODE]], fl->len[c[PU_INODE]], 10, &row->inode) < 0) {
		sm_sink_warn(sink, ln, "bad Inode", fl->f[c[PU_INODE]], fl->len[c[PU_INODE]]);
		return -1;
	}
	row->unix_type = pn_unix_type(type);
	row->state = pn_unix_state(flags, st);
	if (!row->unix_type || !row->state)
		sm_sink_warn(sink, ln, "unknown Type or St", fl->f[c[PU_TYPE]],
			fl->len[c[PU_TYPE]]);
	return 0;
}

/* One data row: 0 when emitted or skipped, else the callback's value. */
static int pn_unix_row(const struct pn_unix_layout *lay, const struct pn_fields *fl,
		       uint64_t ln, const struct sm_sink *sink, const char *line, size_t len)
{
	struct sm_socket_row row;
	char path[PN_PATH_MAX];

	if (fl->n < lay->need) {
		sm_sink_warn(sink, ln, "too few fields", line, len);
		return 0;
	}
	sm_socket_row_init(&row);
	row.line = ln;
	row.proto = "unix";
	if (pn_unix_fields(lay, fl, ln, sink, &row) < 0)
		return 0;
	row.unix_path = pn_unix_path(lay, fl, line, len, ln, sink, path);
	return pn_emit(sink, &row);
}


/* --- netlink and packet -------------------------------------------------- */

/* What distinguishes two tables that both start with "sk". */
struct pn_simple_spec {
	const char *proto;
	const char *marker;   /* a column only this table has */
	const char *rmem, *wmem, *user;
};

static const struct pn_simple_spec pn_netlink_spec = {
	"netlink", "Eth", "Rmem", "Wmem", NULL,
};
static const struct pn_simple_spec pn_packet_spec = {
	"packet", "Iface", "Rmem", NULL, "User",
};

struct pn_simple_layout {
	int inode, rmem, wmem, user;
	size_t need;
};

/* Index of the header word name, or -1 (also for a NULL name). */
static int pn_simple_find(const struct pn_fields *fl, const char *name)
{
	size_t i, nf = fl->n < PN_MAXF ? fl->n : PN_MAXF;

	for (i = 0; name && i < nf; i++)
		if (pn_tok_eq(fl->f[i], fl->len[i], name))
			return (int)i;
	return -1;
}

/* Find the columns of a netlink/packet header; -1 if it is not spec's table. */
static int pn_simple_header(const struct pn_simple_spec *spec, const struct pn_fields *fl,
			    struct pn_simple_layout *lay)
{
	int m;

	if (!fl->n || !pn_tok_eq(fl->f[0], fl->len[0], "sk") ||
	    pn_simple_find(fl, spec->marker) < 0)
		return -1;
	lay->inode = pn_simple_find(fl, "Inode");
	lay->rmem = pn_simple_find(fl, spec->rmem);
	lay->wmem = pn_simple_find(fl, spec->wmem);
	lay->user = pn_simple_find(fl, spec->user);
	m = lay->inode;
	if (lay->rmem > m)
		m = lay->rmem;
	if (lay->wmem > m)
		m = lay->wmem;
	if (lay->user > m)
		m = lay->user;
	lay->need = (size_t)m + 1;
	return 0;
}

/* Rmem is a signed int in the kernel; a transient negative reads as 0. */
static int pn_simple_num(const struct pn_fields *fl, int col, int64_t *out)
{
	if (col < 0)
		return 0;
	if (num_i64(fl->f[col], fl->len[col], 10, out) < 0)
		return -1;
	if (*out < 0)
		*out = 0;
	return 0;
}

/* One data row: 0 when emitted or skipped, else the callback's value. */
static int pn_simple_row(const struct pn_simple_spec *spec, const struct pn_simple_layout *lay,
			 const struct pn_fields *fl, uint64_t ln, const struct sm_sink *sink,
			 const char *line, size_t len)
{
	struct sm_socket_row row;
	uint64_t ptr;

	if (fl->n < lay->need) {
		sm_sink_warn(sink, ln, "too few fields", line, len);
		return 0;
	}
	sm_socket_row_init(&row);
	row.line = ln;
	row.proto = spec->proto;
	if (num_u64(fl->f[0], fl->len[0], 16, &ptr) < 0) {
		sm_sink_warn(sink, ln, "bad sk", fl->f[0], fl->len[0]);
		return 0;
	}
	if ((lay->inode >= 0 &&
	     num_u64(fl->f[lay->inode], fl->len[lay->inode], 10, &row.inode) < 0) ||
	    pn_simple_num(fl, lay->rmem, &row.rx_queue) < 0 ||
	    pn_simple_num(fl, lay->wmem, &row.tx_queue) < 0 ||
	    (lay->user >= 0 &&
	     pn_u64_as_i64(fl->f[lay->user], fl->len[lay->user], 10, &row.uid) < 0)) {
		sm_sink_warn(sink, ln, "bad number", line, len);
		return 0;
	}
	return pn_emit(sink, &row);
}

/* --- the line loop every table shares ------------------------------------ */

union pn_layout {
	struct pn_inet_layout inet;
	struct pn_unix_layout unx;
	struct pn_simple_layout simple;
};

/* One kind of /proc/net table: how its header and its rows read. */
struct pn_format {
	const char *header_word;  /* a header line starts with it */
	int (*header)(const void *arg, const struct pn_fields *fl, union pn_layout *lay);
	int (*row)(const void *arg, const union pn_layout *lay, const struct pn_fields *fl, uint64_t ln,
		   const struct sm_sink *sink, const char *line, size_t len);
	/* The fields a row's reader looks at, or 0 for all of them. */
	size_t (*row_fields)(const union pn_layout *lay);
	/* A row's first field is its slot in this reading, not part of it. */
	int slot_first;
	/* What of a row's key moves while its socket stays the same (see
	 * sm_line_key); NULL: nothing does. */
	const struct sm_line_moving *moving;
};

/*
 * A row line's key for sink->known (see sm_line_key). 0 if the line is a
 * header or blank: not a row.
 */
static int pn_row_key(const struct pn_format *fmt, const union pn_layout *lay, const char *line, size_t n,
		      struct sm_line_key *k)
{
	size_t i = 0, t;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	t = i;
	while (i < n && line[i] != ' ' && line[i] != '\t')
		i++;
	if (i == t || pn_tok_eq(line + t, i - t, fmt->header_word))
		return 0;
	if (fmt->slot_first) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		t = i;
	}
	k->p = line + t;
	k->len = n - t;
	k->moving = fmt->moving;
	k->moving_ctx = lay;
	return 1;
}

/*
 * Where the key of the row line at p starts (see pn_row_key), without
 * knowing where the line ends: NULL when it is not a row line (blank, a
 * slot alone, the header) or the key is empty; the line then goes the
 * usual way.
 */
static const char *pn_key_start(const struct pn_format *fmt, const char *p, const char *end)
{
	const char *t;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	t = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
		p++;
	if (p == t || p == end || *p == '\n' || *p == '\r' || pn_tok_eq(t, (size_t)(p - t), fmt->header_word))
		return NULL;
	if (!fmt->slot_first)
		return t;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p != '\n' && *p != '\r' ? p : NULL;
}

/*
 * Header first, then rows. A header again mid-file (another dump was
 * appended) replaces the layout; a bad one there leaves the previous
 * layout in force. Without a header at all it is not this table: -1.
 */
static int pn_table_walk(const struct pn_format *fmt, const void *arg, const char *buf, size_t len,
			 const struct sm_sink *sink)
{
	struct line_iter it;
	union pn_layout lay, next;
	struct pn_fields fl;
	const char *line;
	const char *hdr = NULL;
	struct sm_line_key key;
	size_t n, want, hlen = 0;
	int have_header = 0, rc;

	if (!len)   /* an empty capture may arrive as (NULL, 0): no pointer arithmetic on it */
		return 0;
	memset(&lay, 0, sizeof(lay));
	lines_init(&it, buf, len);
	for (;;) {
		const char *k;
		size_t klen;

		/* the line the consumer expects next: skipped, its end unsought */
		if (have_header && sink && sink->known_next && (k = pn_key_start(fmt, it.p, it.end)) != NULL &&
		    (klen = sink->known_next(sink->ctx, hdr, hlen, k, (size_t)(it.end - k), fmt->moving)) != 0) {
			it.p = k + klen + (k + klen < it.end);
			it.lineno++;
			continue;
		}
		if (!lines_next(&it, &line, &n))
			break;
		if (have_header && sink && sink->known && pn_row_key(fmt, &lay, line, n, &key) &&
		    sink->known(sink->ctx, hdr, hlen, &key))
			continue;
		/* a tcp row has seven columns nothing reads: split only what is */
		want = have_header && fmt->row_fields ? fmt->row_fields(&lay) : 0;
		if (want)
			fl.n = fields_split_first(line, n, fl.f, fl.len, want);
		else
			pn_split(line, n, &fl);
		if (!fl.n)
			continue;
		if (pn_tok_eq(fl.f[0], fl.len[0], fmt->header_word)) {
			if (want)
				pn_split(line, n, &fl);   /* a header: all of it */
			if (fmt->header(arg, &fl, &next) == 0) {
				lay = next;
				have_header = 1;
				hdr = line;
				hlen = n;
			} else if (!have_header) {
				return -1;
			} else {
				sm_sink_warn(sink, it.lineno, "bad header", line, n);
			}
			continue;
		}
		if (!have_header)
			return -1;
		rc = fmt->row(arg, &lay, &fl, it.lineno, sink, line, n);
		if (rc)
			return rc;
	}
	return 0;
}

static int pn_inet_header_fmt(const void *arg, const struct pn_fields *fl, union pn_layout *lay)
{
	(void)arg;
	return pn_inet_header(fl, &lay->inet);
}

static int pn_inet_row_fmt(const void *arg, const union pn_layout *lay, const struct pn_fields *fl, uint64_t ln,
			   const struct sm_sink *sink, const char *line, size_t len)
{
	return pn_inet_row(&lay->inet, fl, arg, ln, sink, line, len);
}

static size_t pn_inet_row_fields(const union pn_layout *lay)
{
	return lay->inet.need;
}

/* A timer further right than this (a header of our own making) moves nothing. */
#define PN_KEY_FIELDS 16

/*
 * Where each of the key's fields up to `last` starts and ends: field 0 of
 * the key is the row's field 1 (the slot is not in the key). -1 if the
 * line is shorter. (Only lines parsed are split here: a line found again
 * has its moving part where the line it matched had it.)
 */
static int pn_key_fields(const struct sm_line_key *k, int last, size_t *start, size_t *end)
{
	size_t i = 0;
	int f;

	for (f = 0; f <= last; f++) {
		while (i < k->len && (k->p[i] == ' ' || k->p[i] == '\t'))
			i++;
		if (i == k->len)
			return -1;
		start[f] = i;
		while (i < k->len && k->p[i] != ' ' && k->p[i] != '\t')
			i++;
		end[f] = i;
	}
	return 0;
}

/*
 * A tcp or udp row's moving part: its queues and timer, "%08X:%08X
 * %02X:%08lX" as the kernel prints them, read as pn_inet_queues and
 * pn_inet_timer read them (8 hex digits cannot be out of range). Any
 * other form is not read here: the line is then compared whole. When only
 * the time left differs from was (the common case: a keepalive counting
 * down), nothing that ingest keeps has moved.
 */
static int pn_inet_span_read(const char *s, const char *was, size_t n, struct sm_line_span *sp)
{
	char kind[8] = "000000";
	uint64_t tx, rx, tr, ticks;

	if (n != 29 || s[8] != ':' || s[17] != ' ' || s[20] != ':' || pn_hex32(s + 21, &ticks) < 0)
		return -1;
	if (was && !memcmp(s, was, 21)) {
		sp->has_values = 0;
		return 0;
	}
	memcpy(kind + 6, s + 18, 2);
	if (pn_hex32(s, &tx) < 0 || pn_hex32(s + 9, &rx) < 0 || pn_hex32(kind, &tr) < 0)
		return -1;
	sp->has_values = 1;
	sp->tx_queue = (int64_t)tx;
	sp->rx_queue = (int64_t)rx;
	sp->timer = (int64_t)tr;
	return 0;
}

/* Where the queues and timer are: the header's columns, side by side. */
static int pn_inet_span(const void *ctx, const struct sm_line_key *k, struct sm_line_span *sp)
{
	const struct pn_inet_layout *lay = &((const union pn_layout *)ctx)->inet;
	int q = lay->col[PN_QUEUES] - 1, tm = lay->col[PN_TIMER] - 1;
	size_t start[PN_KEY_FIELDS], end[PN_KEY_FIELDS];

	if (q < 0 || tm != q + 1 || tm >= PN_KEY_FIELDS || pn_key_fields(k, tm, start, end) < 0)
		return -1;
	sp->off = start[q];
	sp->len = end[tm] - start[q];
	return pn_inet_span_read(k->p + sp->off, NULL, sp->len, sp);
}

static const struct sm_line_moving pn_inet_moving = { pn_inet_span, pn_inet_span_read };

static const struct pn_format pn_inet_format = {
	"sl", pn_inet_header_fmt, pn_inet_row_fmt, pn_inet_row_fields, 1, &pn_inet_moving,
};

int parse_procnet_inet(const char *buf, size_t len, const char *proto, const struct sm_sink *sink)
{
	const char *canon = pn_inet_proto(proto);

	return canon ? pn_table_walk(&pn_inet_format, canon, buf, len, sink) : -1;
}

static int pn_unix_header_fmt(const void *arg, const struct pn_fields *fl, union pn_layout *lay)
{
	(void)arg;
	return pn_unix_header(fl, &lay->unx);
}

static int pn_unix_row_fmt(const void *arg, const union pn_layout *lay, const struct pn_fields *fl, uint64_t ln,
			   const struct sm_sink *sink, const char *line, size_t len)
{
	(void)arg;
	return pn_unix_row(&lay->unx, fl, ln, sink, line, len);
}

/* unix: the header comes with or without Inode. */
static const struct pn_format pn_unix_format = {
	"Num", pn_unix_header_fmt, pn_unix_row_fmt, NULL, 0, NULL,
};

int parse_procnet_unix(const char *buf, size_t len, const struct sm_sink *sink)
{
	return pn_table_walk(&pn_unix_format, NULL, buf, len, sink);
}

static int pn_simple_header_fmt(const void *arg, const struct pn_fields *fl, union pn_layout *lay)
{
	return pn_simple_header(arg, fl, &lay->simple);
}

static int pn_simple_row_fmt(const void *arg, const union pn_layout *lay, const struct pn_fields *fl,
			     uint64_t ln, const struct sm_sink *sink, const char *line, size_t len)
{
	return pn_simple_row(arg, &lay->simple, fl, ln, sink, line, len);
}

/* netlink and packet: both start with "sk"; pn_simple_spec tells them apart. */
static const struct pn_format pn_simple_format = {
	"sk", pn_simple_header_fmt, pn_simple_row_fmt, NULL, 0, NULL,
};

int parse_procnet_netlink(const char *buf, size_t len, const struct sm_sink *sink)
{
	return pn_table_walk(&pn_simple_format, &pn_netlink_spec, buf, len, sink);
}

int parse_procnet_packet(const char *buf, size_t len, const struct sm_sink *sink)
{
	return pn_table_walk(&pn_simple_format, &pn_packet_spec, buf, len, sink);
}
