/*
 * parse_lsof: lsof(8) text output into fd rows and TCP/UDP socket rows.
 *
 * lsof 4.95 (`lsof -nP -p PID`, captured on this project's test machine):
 *
 *   COMMAND  PID USER   FD   TYPE             DEVICE SIZE/OFF     NODE NAME
 *   python3 4556 root  cwd    DIR              254,0     4096  5308550 /work/main
 *   python3 4556 root    3u  IPv4               8962      0t0      TCP 127.0.0.1:54467 (LISTEN)
 *   python3 4556 root    4u  IPv4               8963      0t0      TCP 127.0.0.1:59210->127.0.0.1:54467 (ESTABLISHED)
 *   python3 4556 root    6u  IPv6               8965      0t0      TCP [::1]:36243 (LISTEN)
 *   python3 4556 root    7u  unix 0x00000000d4ffb351      0t0     8966 type=STREAM (CONNECTED)
 *   python3 4556 root   11u  IPv4               8969      0t0      UDP 127.0.0.1:54411
 *   python3 4556 root   13u  sock                0,9      0t0     8971 protocol: TCP
 *
 * lsof 4.8x (CentOS 6/7), grep'd, so without the header:
 *
 *   beam.smp 3826 xxxxx   19u     sock        0,6      0t0 3800991931 can't identify protocol
 *
 * Columns (lsof(8), OUTPUT section):
 *   COMMAND   first 9 bytes of the comm (+c w widens it); left-aligned and
 *             may contain blanks ("Web Content").
 *   PID       right-aligned.
 *   TID       4.87/4.89 (CentOS 7, Ubuntu 18.04) list every task by default:
 *             TID is blank on the process's own rows and filled on the rows
 *             a thread repeats, with the thread's name in COMMAND. Later
 *             versions add TASKCMD (left-aligned) for that name.
 *   USER      login, or the uid with -l or when there is no passwd entry.
 *   FD        "12u": number, access mode (r w u, '-' or blank when unknown)
 *             and lock (W R w r u U x X N); or a name: cwd rtd txt mem DEL
 *             NOFD mmap ... ("mem-W" = name, mode, lock).
 *   TYPE      REG DIR CHR FIFO unix IPv4 IPv6 sock netlink a_inode pack
 *             raw6 unknown ...; blank on NOFD rows.
 *   DEVICE    major,minor for files; for unix sockets the kernel address
 *             (hashed since 4.15); for IPv4/IPv6/pack on Linux the socket
 *             *inode* (dsock.c enters it as the device; checked against
 *             fstat() in the unit test); blank for netlink.
 *   SIZE/OFF  size, or "0t"-prefixed offset; blank for mem/DEL rows.
 *   NODE      inode; the protocol ("TCP", "UDP", "ALL" or a number for
 *             pack) for IPv4/IPv6/pack rows.
 *   NAME      the rest of the line, blanks included.
 *
 * Every column but NAME is padded to the widest value of the whole run and
 * the header is printed with the same widths, so a right-aligned value ends
 * exactly under the end of its title and NAME starts exactly under "NAME".
 * Blank columns can only be told apart by those positions, so header lines
 * drive the split; a line that does not line up (pasted, re-spaced) or a
 * grep'd excerpt without header falls back to lsof_split_guess(), which
 * reads the columns from the shapes of their values.
 *
 * Sockets. -n and -P keep hosts and ports numeric; without them NAME reads
 * "localhost:http", which we keep as printed (never resolved) with the port
 * unknown. IPv6 addresses are bracketed. TCP states come in parentheses with
 * the kernel's names (plus optional "QR=n QS=n" with -T q); connected UDP
 * shows "(ESTABLISHED)" since 4.94. A socket that is no longer in any
 * /proc/net table (an orphan: the connection was reset or closed, the fd
 * was never closed) reads "can't identify protocol" in 4.8x and
 * "sock ... protocol: TCP" (socket's protocol name xattr) in 4.9x; both set
 * orphaned. Caveat: a socket of another network namespace (a container's)
 * reads the same, because lsof only consults its own /proc/net tables, so
 * "orphaned" means "lsof could not place it"; the analyzer cross-checks.
 * lsof -E appends "PID,COMMAND,FD" endpoint lists before the state, which
 * we skip.
 */
#include "parse_lsof.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "numparse.h"
#include "strbuf.h"

/* Longest line we copy; longer ones are not lsof rows worth the memory. */
#define LSOF_LINE_MAX (64 * 1024)
/* Tokens remembered per line: a row needs ~12 before NAME starts. */
#define LSOF_MAX_TOKS 64
#define LSOF_MAX_COLS 24
#define LSOF_PID_MAX INT32_MAX

enum lsof_col_id {
	COL_COMMAND, COL_PID, COL_TID, COL_TASKCMD, COL_USER, COL_FD,
	COL_TYPE, COL_DEVICE, COL_SIZE, COL_NODE, COL_NAME, COL_OTHER
};

struct lsof_col {
	enum lsof_col_id id;
	size_t start, end;          /* the title's byte range in the header */
};

struct lsof_header {
	size_t ncols;
	struct lsof_col col[LSOF_MAX_COLS];
};

struct lsof_tok {
	size_t start, end;
};

/* A column's text inside ctx->line; p == NULL when the column is blank. */
struct lsof_str {
	char *p;
	size_t n;
};

struct lsof_fields {
	struct lsof_str command, pid, tid, taskcmd, user, fd;
	struct lsof_str type, device, size, node, name;
};

/* What NAME says about an inet socket. */
struct lsof_inet {
	const char *laddr, *raddr;
	int64_t lport, rport;
	int numeric;                /* both ends are address literals and ports */
	const char *state;
	int64_t qr, qs;
};

/* Per-parse scratch; heap-allocated once, bounded by LSOF_LINE_MAX. */
struct lsof_ctx {
	const struct sm_sink *sink;
	uint64_t lineno;
	int have_header;
	struct lsof_header hdr;
	unsigned long nonblank;
	unsigned long recognised;   /* header, row or lsof diagnostic lines */
	int warned_tasks;
	size_t ntok, ntok_total;
	struct lsof_tok tok[LSOF_MAX_TOKS];
	char proto[32];
	char line[LSOF_LINE_MAX + 1];
	char aux[LSOF_LINE_MAX + 256];
	size_t aux_used;
};

/* TYPE column: what kind of fd, and where a socket's inode is printed. */
#define LT_INET  1u   /* NODE holds the protocol, DEVICE the inode */
#define LT_V6    2u
#define LT_NODE  4u   /* NODE holds the socket inode */

struct lsof_type {
	const char *lsof;
	const char *kind;
	const char *proto;
	unsigned flags;
};

static const struct lsof_type lsof_types[] = {
	{ "IPv4", "socket", NULL, LT_INET },
	{ "IPv6", "socket", NULL, LT_INET | LT_V6 },
	{ "pack", "socket", "packet", LT_INET },
	{ "unix", "socket", "unix", LT_NODE },
	{ "sock", "socket", NULL, LT_NODE },
	{ "netlink", "socket", "netlink", LT_NODE },
	{ "raw", "socket", "raw", LT_NODE },
	{ "raw6", "socket", "raw6", LT_NODE },
	{ "ax25", "socket", "ax25", LT_NODE },
	{ "ipx", "socket", "ipx", LT_NODE },
	{ "x.25", "socket", "x25", LT_NODE },
	{ "REG", "file", NULL, 0 },
	{ "DIR", "file", NULL, 0 },
	{ "CHR", "file", NULL, 0 },
	{ "BLK", "file", NULL, 0 },
	{ "LINK", "file", NULL, 0 },
	{ "FIFO", "pipe", NULL, 0 },
	{ "PIPE", "pipe", NULL, 0 },
	{ "pipe", "pipe", NULL, 0 },
	{ "a_inode", "anon", NULL, 0 },
	{ "unknown", "other", NULL, 0 },
};

static const struct lsof_type lsof_type_other = { "", "other", NULL, 0 };

/* Named FDs of lsof(8); a lone name needs no mode or lock character. */
static const char *const lsof_fd_names[] = {
	"cwd", "rtd", "txt", "mem", "mmap", "DEL", "NOFD", "err", "jld",
	"ltx", "Mxx", "m86", "pd", "tr", "v86", "twd", "ctty",
};

/* State words lsof prints, to the names in rows.h (BSD spellings too). */
static const char *const lsof_states[][2] = {
	{ "ESTABLISHED", "ESTABLISHED" }, { "SYN_SENT", "SYN_SENT" },
	{ "SYN_RECV", "SYN_RECV" }, { "SYN_RCVD", "SYN_RECV" },
	{ "FIN_WAIT1", "FIN_WAIT1" }, { "FIN_WAIT_1", "FIN_WAIT1" },
	{ "FIN_WAIT2", "FIN_WAIT2" }, { "FIN_WAIT_2", "FIN_WAIT2" },
	{ "TIME_WAIT", "TIME_WAIT" }, { "CLOSE", "CLOSE" },
	{ "CLOSED", "CLOSE" }, { "IDLE", "CLOSE" }, { "BOUND", "CLOSE" },
	{ "UNCONNECTED", "CLOSE" }, { "CLOSE_WAIT", "CLOSE_WAIT" },
	{ "LAST_ACK", "LAST_ACK" }, { "LISTEN", "LISTEN" },
	{ "CLOSING", "CLOSING" }, { "NEW_SYN_RECV", "NEW_SYN_RECV" },
};

static const char *const lsof_unix_states[] = {
	"LISTEN", "CONNECTED", "UNCONNECTED", "CONNECTING", "DISCONNECTING",
};

/* Protocol names from NODE and "protocol: X", to rows.h's names. */
static const char *const lsof_protos[][2] = {
	{ "TCP", "tcp" }, { "TCPv6", "tcp6" }, { "UDP", "udp" },
	{ "UDPv6", "udp6" }, { "UDPLITE", "udplite" },
	{ "UDPLITEv6", "udplite6" }, { "RAW", "raw" }, { "RAWv6", "raw6" },
	{ "UNIX", "unix" }, { "NETLINK", "netlink" }, { "PACKET", "packet" },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* -- small text helpers ------------------------------------------------ */

static int lsof_is_digits(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int lsof_is_hex(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++)
		if (!s[i] || !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	return 1;
}

static int lsof_eq(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(s, word, n);
}

static void lsof_warn(struct lsof_ctx *c, const char *msg)
{
	if (c->sink->warn)
		c->sink->warn(c->sink->ctx, c->lineno, msg);
}

/* Copy into the aux area; NULL when full (it is sized so it never is). */
static const char *lsof_aux_put(struct lsof_ctx *c, const char *s, size_t n)
{
	struct sm_arena a = { c->aux, sizeof(c->aux), c->aux_used };
	const char *d = sm_arena_dup(&a, s, n);

	c->aux_used = a.used;
	return d;
}

static struct lsof_str lsof_tok_str(struct lsof_ctx *c, size_t k)
{
	struct lsof_str s = { c->line + c->tok[k].start, c->tok[k].end - c->tok[k].start };

	return s;
}

/* Text from byte a up to b with trailing blanks cut; blank -> absent. */
static struct lsof_str lsof_span(struct lsof_ctx *c, size_t a, size_t b)
{
	struct lsof_str s = { NULL, 0 };

	while (b > a && (c->line[b - 1] == ' ' || c->line[b - 1] == '\t'))
		b--;
	if (b > a) {
		s.p = c->line + a;
		s.n = b - a;
	}
	return s;
}

static void lsof_tokenize(struct lsof_ctx *c, size_t len)
{
	const char *f[LSOF_MAX_TOKS];
	size_t flen[LSOF_MAX_TOKS], i;

	c->ntok_total = fields_split(c->line, len, f, flen, LSOF_MAX_TOKS);
	c->ntok = c->ntok_total < LSOF_MAX_TOKS ? c->ntok_total : LSOF_MAX_TOKS;
	for (i = 0; i < c->ntok; i++) {
		c->tok[i].start = (size_t)(f[i] - c->line);
		c->tok[i].end = c->tok[i].start + flen[i];
	}
}

/* -- the FD column ----------------------------------------------------- */

static int lsof_fd_suffix_ok(const char *s, size_t n)
{
	size_t i;

	if (n > 2)
		return 0;
	for (i = 0; i < n; i++)
		if (!s[i] || !strchr("rwu-NRWUxX", s[i]))
			return 0;
	return 1;
}

/* "12u", "846wW", "cwd", "mem-W": shapes only an FD column takes. */
static int lsof_fd_strict(const char *s, size_t n)
{
	size_t d = 0, i;

	while (d < n && s[d] >= '0' && s[d] <= '9')
		d++;
	if (d)
		return d < n && lsof_fd_suffix_ok(s + d, n - d);
	for (i = 0; i < ARRAY_SIZE(lsof_fd_names); i++) {
		size_t l = strlen(lsof_fd_names[i]);
		if (l <= n && !memcmp(s, lsof_fd_names[i], l) &&
		    lsof_fd_suffix_ok(s + l, n - l))
			return 1;
	}
	return 0;
}

/* Also a bare number: the access mode is blank when lsof cannot tell. */
static int lsof_fd_loose(const char *s, size_t n)
{
	return lsof_fd_strict(s, n) || (n <= 10 && lsof_is_digits(s, n));
}

/* -- the header -------------------------------------------------------- */

static enum lsof_col_id lsof_col_of(const char *s, size_t n)
{
	static const struct { const char *title; enum lsof_col_id id; } map[] = {
		{ "COMMAND", COL_COMMAND }, { "PID", COL_PID }, { "TID", COL_TID },
		{ "TASKCMD", COL_TASKCMD }, { "USER", COL_USER }, { "FD", COL_FD },
		{ "TYPE", COL_TYPE }, { "DEVICE", COL_DEVICE },
		{ "SIZE/OFF", COL_SIZE }, { "SIZE", COL_SIZE },
		{ "OFFSET", COL_SIZE }, { "NODE", COL_NODE }, { "NAME", COL_NAME },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (lsof_eq(s, n, map[i].title))
			return map[i].id;
	return COL_OTHER;
}

/*
 * Remember the title positions. Only layouts we can cut are kept: COMMAND
 * first, PID next (ZONE / SECURITY-CONTEXT before PID are left-aligned and
 * would swallow the split), USER and FD present, NAME last.
 */
static int lsof_header_parse(struct lsof_ctx *c)
{
	struct lsof_header *h = &c->hdr;
	size_t i;
	int have_user = 0, have_fd = 0;

	if (c->ntok_total > LSOF_MAX_COLS || c->ntok < 3)
		return -1;
	h->ncols = c->ntok;
	for (i = 0; i < c->ntok; i++) {
		struct lsof_str t = lsof_tok_str(c, i);
		h->col[i].id = lsof_col_of(t.p, t.n);
		h->col[i].start = c->tok[i].start;
		h->col[i].end = c->tok[i].end;
		have_user |= h->col[i].id == COL_USER;
		have_fd |= h->col[i].id == COL_FD;
	}
	if (h->col[0].id != COL_COMMAND || h->col[1].id != COL_PID ||
	    h->col[h->ncols - 1].id != COL_NAME || !have_user || !have_fd)
		return -1;
	return 0;
}

static struct lsof_str *lsof_slot(struct lsof_fields *f, enum lsof_col_id id)
{
	switch (id) {
	case COL_COMMAND: return &f->command;
	case COL_PID: return &f->pid;
	case COL_TID: return &f->tid;
	case COL_TASKCMD: return &f->taskcmd;
	case COL_USER: return &f->user;
	case COL_FD: return &f->fd;
	case COL_TYPE: return &f->type;
	case COL_DEVICE: return &f->device;
	case COL_SIZE: return &f->size;
	case COL_NODE: return &f->node;
	case COL_NAME: return &f->name;
	case COL_OTHER: break;
	}
	return NULL;
}

/*
 * Cut a row by the header's positions. Right-aligned values end under their
 * title; a blank column is one whose next token ends further right; text
 * owed to a left-aligned column (COMMAND, TASKCMD) runs until the token
 * ending under the next title. Returns 0 when the line does not line up.
 */
static int lsof_split_header(struct lsof_ctx *c, size_t len, struct lsof_fields *f)
{
	const struct lsof_header *h = &c->hdr;
	size_t name_start = h->col[h->ncols - 1].start, k = 0, i;
	struct lsof_str *pending = &f->command, *dst;
	size_t pending_tok = 0;

	for (i = 1; i + 1 < h->ncols; i++) {
		const struct lsof_col *col = &h->col[i];

		dst = lsof_slot(f, col->id);
		if (col->id == COL_TASKCMD) {
			pending = dst;
			pending_tok = k;
			continue;
		}
		if (pending) {
			while (k < c->ntok && c->tok[k].end < col->end)
				k++;
			if (k == c->ntok || c->tok[k].end != col->end)
				return 0;
			if (k > pending_tok)
				*pending = lsof_span(c, c->tok[pending_tok].start, c->tok[k - 1].end);
			pending = NULL;
		} else if (col->id == COL_FD) {
			/* mode and lock characters hang past the title */
			if (k == c->ntok || c->tok[k].end < col->end || c->tok[k].end > col->end + 2)
				return 0;
		} else if (k == c->ntok || c->tok[k].start >= name_start ||
			   c->tok[k].end > col->end) {
			continue;               /* blank column */
		} else if (c->tok[k].end != col->end) {
			return 0;
		}
		if (dst)
			*dst = lsof_tok_str(c, k);
		k++;
	}
	if (pending)
		return 0;
	if (k < c->ntok) {
		if (c->tok[k].start < name_start)
			return 0;
		f->name = lsof_span(c, c->tok[k].start, len);
	} else if (c->ntok_total > c->ntok) {
		return 0;
	}
	return 1;
}

/* -- rows without (or not matching) a header ----------------------------- */

enum lsof_mid { MID_NONE, MID_DEV, MID_PTR, MID_OFF, MID_NUM, MID_PROTO };

/* The shape of a DEVICE / SIZE/OFF / NODE value. */
static enum lsof_mid lsof_mid_kind(struct lsof_str t, int inet)
{
	const char *comma = memchr(t.p, ',', t.n);
	size_t i;

	if (lsof_is_digits(t.p, t.n))
		return MID_NUM;
	if (comma && lsof_is_digits(t.p, (size_t)(comma - t.p)) &&
	    lsof_is_digits(comma + 1, t.n - (size_t)(comma - t.p) - 1))
		return MID_DEV;
	if (t.n > 2 && t.p[0] == '0' && t.p[1] == 'x' && lsof_is_hex(t.p + 2, t.n - 2))
		return MID_PTR;
	if (t.n > 2 && t.p[0] == '0' && t.p[1] == 't' && lsof_is_digits(t.p + 2, t.n - 2))
		return MID_OFF;
	if (!inet || t.n > 16 || t.p[0] < 'A' || t.p[0] > 'Z')
		return MID_NONE;
	for (i = 1; i < t.n; i++)
		if (!((t.p[i] >= 'A' && t.p[i] <= 'Z') || (t.p[i] >= '0' && t.p[i] <= '9')))
			return MID_NONE;
	return MID_PROTO;
}

static const struct lsof_type *lsof_type_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(lsof_types); i++)
		if (lsof_eq(s, n, lsof_types[i].lsof))
			return &lsof_types[i];
	return NULL;
}

/* A TYPE value: a known one, or a short word followed by a DEVICE-ish value. */
static int lsof_looks_type(struct lsof_ctx *c, size_t k)
{
	struct lsof_str t = lsof_tok_str(c, k);
	size_t i;

	if (lsof_type_find(t.p, t.n))
		return 1;
	if (t.n > 10 || k + 1 >= c->ntok ||
	    lsof_mid_kind(lsof_tok_str(c, k + 1), 0) == MID_NONE)
		return 0;
	for (i = 0; i < t.n; i++)
		if (!t.p[i] || !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.", t.p[i]))
			return 0;
	return 1;
}

/* TYPE, then up to three of DEVICE SIZE/OFF NODE by shape, then NAME. */
static int lsof_guess_rest(struct lsof_ctx *c, size_t len, struct lsof_fields *f, size_t k)
{
	const struct lsof_type *ty = NULL;
	enum lsof_mid kind[3] = { MID_NONE, MID_NONE, MID_NONE };
	size_t m = 0;
	int inet;

	if (k < c->ntok && !lsof_eq(f->fd.p, f->fd.n, "NOFD") && lsof_looks_type(c, k)) {
		f->type = lsof_tok_str(c, k);
		ty = lsof_type_find(f->type.p, f->type.n);
		k++;
	}
	inet = ty && (ty->flags & LT_INET);
	while (f->type.p && m < 3 && k + m < c->ntok) {
		kind[m] = lsof_mid_kind(lsof_tok_str(c, k + m), inet);
		if (kind[m] == MID_NONE)
			break;
		if (kind[m++] == MID_PROTO)
			break;
	}
	if (m == 3) {
		f->device = lsof_tok_str(c, k);
		f->size = lsof_tok_str(c, k + 1);
	} else if (m == 2 && (kind[0] == MID_DEV || kind[0] == MID_PTR ||
			      (kind[0] == MID_NUM && inet))) {
		f->device = lsof_tok_str(c, k);
	} else if (m == 2) {
		f->size = lsof_tok_str(c, k);
	}
	if (m == 1 && kind[0] == MID_DEV)
		f->device = lsof_tok_str(c, k);
	else if (m == 1 && kind[0] == MID_OFF)
		f->size = lsof_tok_str(c, k);
	else if (m)
		f->node = lsof_tok_str(c, k + m - 1);
	k += m;
	if (k < c->ntok)
		f->name = lsof_span(c, c->tok[k].start, len);
	else if (c->ntok_total > c->ntok)
		return 0;
	return 1;
}

/*
 * COMMAND up to the first all-digit token (the PID); USER is the token
 * before the first FD-shaped one, with TID and TASKCMD in between when
 * lsof listed tasks.
 */
static int lsof_split_guess(struct lsof_ctx *c, size_t len, struct lsof_fields *f)
{
	size_t p, j, span;
	struct lsof_str t;

	memset(f, 0, sizeof(*f));
	for (p = 1; p < c->ntok && p < 5; p++) {
		t = lsof_tok_str(c, p);
		if (lsof_is_digits(t.p, t.n))
			break;
	}
	if (p >= c->ntok || p >= 5)
		return 0;
	for (j = p + 2; j < c->ntok && j <= p + 4; j++) {
		t = lsof_tok_str(c, j);
		if (lsof_fd_strict(t.p, t.n))
			break;
	}
	if (j >= c->ntok || j > p + 4) {
		j = p + 2;
		if (j >= c->ntok || !lsof_fd_loose(c->line + c->tok[j].start,
						   c->tok[j].end - c->tok[j].start))
			return 0;
	}
	f->command = lsof_span(c, 0, c->tok[p - 1].end);
	f->pid = lsof_tok_str(c, p);
	span = j - p;
	if (span >= 3) {
		t = lsof_tok_str(c, p + 1);
		if (lsof_is_digits(t.p, t.n))
			f->tid = t;
		else if (span == 3)
			f->taskcmd = t;
		else
			return 0;
		if (span == 4)
			f->taskcmd = lsof_tok_str(c, p + 2);
	}
	f->user = lsof_tok_str(c, j - 1);
	f->fd = lsof_tok_str(c, j);
	return lsof_guess_rest(c, len, f, j + 1);
}

/* -- NAME of socket rows ------------------------------------------------- */

static const char *lsof_state_of(const char *s, size_t n)
{
	char up[24];
	size_t i;

	if (!n || n >= sizeof(up))
		return NULL;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		up[i] = ch == '-' ? '_' : (ch >= 'a' && ch <= 'z') ? (char)(ch - 32) : ch;
	}
	for (i = 0; i < ARRAY_SIZE(lsof_states); i++)
		if (lsof_eq(up, n, lsof_states[i][0]))
			return lsof_states[i][1];
	return NULL;
}

/* "TCP", "TCPv6", "NETLINK", "AF_VSOCK" -> "tcp", "tcp6", "netlink", "vsock". */
static const char *lsof_proto_of(struct lsof_ctx *c, const char *s, size_t n, int v6)
{
	size_t i, o = 0;

	for (i = 0; i < ARRAY_SIZE(lsof_protos); i++) {
		if (!lsof_eq(s, n, lsof_protos[i][0]))
			continue;
		if (v6 && !strchr(lsof_protos[i][1], '6')) {
			snprintf(c->proto, sizeof(c->proto), "%s6", lsof_protos[i][1]);
			return c->proto;
		}
		return lsof_protos[i][1];
	}
	if (n > 3 && !memcmp(s, "AF_", 3)) {
		s += 3;
		n -= 3;
	}
	if (!n || n + 2 > sizeof(c->proto))
		return NULL;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return NULL;
		c->proto[o++] = ch;
	}
	if (v6)
		c->proto[o++] = '6';
	c->proto[o] = '\0';
	return c->proto;
}

/*
 * One endpoint, "127.0.0.1:80", "[::1]:5432", "*:80", "localhost:http".
 * Address literals come out in canonical form without brackets or scope;
 * host names as printed. Returns 1 when both parts are numeric.
 */
static int lsof_endpoint(struct lsof_ctx *c, const char *s, size_t n, int v6,
			 const char **addr, int64_t *port)
{
	const char *host = s, *ps = NULL, *pct;
	size_t hn = n, pn = 0;
	char tmp[64], canon[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	int numeric = 0;

	if (n && s[0] == '[') {
		const char *close = memchr(s, ']', n);
		host = s + 1;
		hn = close ? (size_t)(close - host) : n - 1;   /* cut short: no port */
		if (close && close + 1 < s + n && close[1] == ':') {
			ps = close + 2;
			pn = (size_t)(s + n - ps);
		}
	} else if (n && memrchr(s, ':', n)) {
		const char *colon = memrchr(s, ':', n);
		hn = (size_t)(colon - s);
		ps = colon + 1;
		pn = (size_t)(s + n - ps);
	}
	if (hn == 1 && host[0] == '*') {
		host = v6 ? "::" : "0.0.0.0";
		hn = strlen(host);
	}
	pct = memchr(host, '%', hn);
	if (hn < sizeof(tmp)) {
		size_t an = pct ? (size_t)(pct - host) : hn;
		memcpy(tmp, host, an);
		tmp[an] = '\0';
		if ((inet_pton(AF_INET, tmp, bin) == 1 && inet_ntop(AF_INET, bin, canon, sizeof(canon))) ||
		    (inet_pton(AF_INET6, tmp, bin) == 1 && inet_ntop(AF_INET6, bin, canon, sizeof(canon)))) {
			numeric = 1;
			host = canon;
			hn = strlen(canon);
		}
	}
	*addr = hn ? lsof_aux_put(c, host, hn) : NULL;
	*port = SM_NONE;
	if (pn == 1 && ps[0] == '*') {
		*port = 0;
	} else if (pn && lsof_is_digits(ps, pn)) {
		int64_t v;
		if (!num_i64(ps, pn, 10, &v) && v <= 65535)
			*port = v;
	}
	return numeric && *port != SM_NONE;
}

/* Words inside the trailing "(...)": the state (if any), -T's QR=n QS=n. */
static void lsof_paren(const char *name, int inet, struct lsof_inet *in)
{
	size_t n = strlen(name), i;
	const char *open = memrchr(name, '(', n);
	const char *w, *end = name + n - 1;
	int64_t v;

	if (!n || name[n - 1] != ')' || !open)
		return;
	for (w = open + 1; w < end; w++) {
		size_t wn = strcspn(w, " )");

		if (w + wn > end)
			wn = (size_t)(end - w);
		if (wn > 3 && !memcmp(w, "QR=", 3) && !num_i64(w + 3, wn - 3, 10, &v)) {
			in->qr = v;
		} else if (wn > 3 && !memcmp(w, "QS=", 3) && !num_i64(w + 3, wn - 3, 10, &v)) {
			in->qs = v;
		} else if (w == open + 1 && inet) {
			in->state = lsof_state_of(w, wn);
		} else if (w == open + 1) {
			for (i = 0; i < ARRAY_SIZE(lsof_unix_states); i++)
				if (lsof_eq(w, wn, lsof_unix_states[i]))
					in->state = lsof_unix_states[i];
		}
		w += wn;
	}
}

/* NAME of an IPv4/IPv6 row: "LOCAL[->REMOTE] [-E endpoints] [(STATE ...)]". */
static void lsof_inet_name(struct lsof_ctx *c, const char *name, int v6, struct lsof_inet *in)
{
	size_t n = name[0] == '(' ? 0 : strcspn(name, " ");
	const char *arrow = memmem(name, n, "->", 2);
	int ok;

	if (arrow) {
		ok = lsof_endpoint(c, name, (size_t)(arrow - name), v6, &in->laddr, &in->lport);
		ok &= lsof_endpoint(c, arrow + 2, n - (size_t)(arrow + 2 - name), v6,
				    &in->raddr, &in->rport);
	} else {
		ok = n && lsof_endpoint(c, name, n, v6, &in->laddr, &in->lport);
	}
	in->numeric = ok;
	lsof_paren(name, 1, in);
}

/* -- rows ---------------------------------------------------------------- */

static void lsof_terminate(struct lsof_fields *f)
{
	struct lsof_str *all[] = {
		&f->command, &f->pid, &f->tid, &f->taskcmd, &f->user, &f->fd,
		&f->type, &f->device, &f->size, &f->node, &f->name,
	};
	size_t i;

	/* the byte after each column is a blank or the line's end */
	for (i = 0; i < ARRAY_SIZE(all); i++)
		if (all[i]->p)
			all[i]->p[all[i]->n] = '\0';
}

static uint64_t lsof_inode(const struct lsof_str *s)
{
	uint64_t v;

	if (s->p && lsof_is_digits(s->p, s->n) && !num_u64(s->p, s->n, 10, &v))
		return v;
	return 0;
}

static int lsof_emit_socket(struct lsof_ctx *c, const struct sm_fd_row *fr,
			    const struct lsof_inet *in)
{
	struct sm_socket_row r;

	if (!c->sink->socket || !in->numeric || !fr->proto ||
	    (strncmp(fr->proto, "tcp", 3) && strncmp(fr->proto, "udp", 3)))
		return 0;
	sm_socket_row_init(&r);
	r.line = fr->line;
	r.proto = fr->proto;
	r.state = in->state;
	if (!r.state && !strncmp(fr->proto, "udp", 3))
		r.state = in->raddr ? "ESTABLISHED" : "CLOSE";
	r.local_addr = in->laddr;
	r.local_port = in->lport;
	r.remote_addr = in->raddr;
	r.remote_port = in->rport;
	r.rx_queue = in->qr;
	r.tx_queue = in->qs;
	r.inode = fr->inode;
	r.pid = fr->pid;
	r.fd = fr->fd;
	r.comm = fr->comm;
	return c->sink->socket(c->sink->ctx, &r);
}

/* The socket columns of an fd row: protocol, inode, orphan, endpoints. */
static void lsof_socket_fields(struct lsof_ctx *c, const struct lsof_fields *f,
			       const struct lsof_type *ty, struct sm_fd_row *r,
			       struct lsof_inet *in)
{
	const char *name = r->target ? r->target : "";

	r->proto = ty->proto;
	if (ty->flags & LT_INET) {
		r->inode = lsof_inode(&f->device);
		if (f->node.p && !lsof_is_digits(f->node.p, f->node.n) && strcmp(ty->lsof, "pack"))
			r->proto = lsof_proto_of(c, f->node.p, f->node.n, !!(ty->flags & LT_V6));
	} else {
		r->inode = lsof_inode(&f->node);
	}
	if (!strncmp(name, "protocol: ", 10) && !strcmp(ty->lsof, "sock")) {
		r->orphaned = 1;
		r->proto = lsof_proto_of(c, name + 10, strlen(name + 10), 0);
	}
	if ((ty->flags & LT_INET) && strcmp(ty->lsof, "pack") && r->target) {
		lsof_inet_name(c, name, !!(ty->flags & LT_V6), in);
		r->local_addr = in->laddr;
		r->local_port = in->lport;
		r->remote_addr = in->raddr;
		r->remote_port = in->rport;
		r->state = in->state;
	} else if (!strcmp(ty->lsof, "unix")) {
		lsof_paren(name, 0, in);
		r->state = in->state;
	}
}

/* Check a split row's numbers and hand it to the sink. */
static int lsof_emit(struct lsof_ctx *c, struct lsof_fields *f)
{
	const struct lsof_type *ty = &lsof_type_other;
	struct lsof_inet in = { NULL, NULL, SM_NONE, SM_NONE, 0, NULL, SM_NONE, SM_NONE };
	struct sm_fd_row r;
	int64_t v;
	size_t d = 0;
	int rc;

	lsof_terminate(f);
	sm_fd_row_init(&r);
	r.line = c->lineno;
	if (num_i64(f->pid.p, f->pid.n, 10, &r.pid) || r.pid > LSOF_PID_MAX) {
		lsof_warn(c, "lsof row skipped: PID out of range");
		return 0;
	}
	c->recognised++;
	if (f->tid.p) {
		if (!c->warned_tasks++)
			lsof_warn(c, "lsof per-thread rows (TID set) skipped: they repeat the process's fds");
		return 0;
	}
	r.comm = f->command.p;
	if (lsof_is_digits(f->user.p, f->user.n) && !num_i64(f->user.p, f->user.n, 10, &v) &&
	    v <= UINT32_MAX)
		r.uid = v;
	else
		r.user = f->user.p;
	r.fd_text = f->fd.p;
	while (d < f->fd.n && f->fd.p[d] >= '0' && f->fd.p[d] <= '9')
		d++;
	if (d && !num_i64(f->fd.p, d, 10, &v) && v <= INT32_MAX)
		r.fd = v;
	if (f->type.p && lsof_type_find(f->type.p, f->type.n))
		ty = lsof_type_find(f->type.p, f->type.n);
	r.type = ty->kind;          /* unknown TYPE words are "other" */
	r.target = f->name.p;
	if (r.target && !strcmp(r.target, "can't identify protocol"))
		r.orphaned = 1;
	c->aux_used = 0;
	if (!strcmp(ty->kind, "socket"))
		lsof_socket_fields(c, f, ty, &r, &in);
	if (c->sink->fd && (rc = c->sink->fd(c->sink->ctx, &r)) != 0)
		return rc;
	return lsof_emit_socket(c, &r, &in);
}

static int lsof_fields_ok(const struct lsof_fields *f)
{
	return f->pid.p && lsof_is_digits(f->pid.p, f->pid.n) && f->user.p &&
	       f->fd.p && lsof_fd_loose(f->fd.p, f->fd.n) && f->command.p;
}

/* lsof's own complaints, which go to stderr but end up in pasted output. */
static int lsof_diagnostic(struct lsof_ctx *c, size_t len)
{
	static const char incomplete[] = "Output information may be incomplete.";
	struct lsof_str first = lsof_tok_str(c, 0);
	char msg[300];

	if (lsof_eq(first.p, first.n, "lsof:")) {
		snprintf(msg, sizeof(msg), "lsof diagnostic: %.*s",
			 (int)(len > 256 ? 256 : len), c->line);
		lsof_warn(c, msg);
		return 1;
	}
	if (len - c->tok[0].start >= sizeof(incomplete) - 1 &&
	    !memcmp(c->line + c->tok[0].start, incomplete, sizeof(incomplete) - 1)) {
		lsof_warn(c, "lsof diagnostic: output information may be incomplete");
		return 1;
	}
	return 0;
}

static int lsof_line(struct lsof_ctx *c, const char *s, size_t len)
{
	struct lsof_fields f;
	struct lsof_str first;

	if (len > LSOF_LINE_MAX) {
		c->nonblank++;
		lsof_warn(c, "line longer than 64 KiB skipped");
		return 0;
	}
	memcpy(c->line, s, len);
	c->line[len] = '\0';
	lsof_tokenize(c, len);
	if (!c->ntok)
		return 0;
	c->nonblank++;
	if (memchr(s, '\0', len)) {
		lsof_warn(c, "line with a NUL byte skipped");
		return 0;
	}
	if (lsof_diagnostic(c, len)) {
		c->recognised++;
		return 0;
	}
	first = lsof_tok_str(c, 0);
	if (lsof_eq(first.p, first.n, "COMMAND")) {
		c->have_header = !lsof_header_parse(c);
		if (!c->have_header)
			lsof_warn(c, "unrecognised lsof header; guessing columns");
		c->recognised++;
		return 0;
	}
	if (first.n == strspn(first.p, "=") && c->ntok == 1) {
		c->recognised++;        /* lsof -r repeat marker */
		return 0;
	}
	memset(&f, 0, sizeof(f));
	if (!(c->have_header && lsof_split_header(c, len, &f) && lsof_fields_ok(&f)) &&
	    !(lsof_split_guess(c, len, &f) && lsof_fields_ok(&f))) {
		lsof_warn(c, "not an lsof row; skipped");
		return 0;
	}
	return lsof_emit(c, &f);
}

int parse_lsof(const char *buf, size_t len, const struct sm_sink *sink)
{
	struct lsof_ctx *c = xcalloc(1, sizeof(*c));
	struct line_iter it;
	const char *line;
	size_t n;
	int rc = 0;

	c->sink = sink;
	lines_init(&it, buf ? buf : "", buf ? len : 0);
	while (lines_next(&it, &line, &n)) {
		c->lineno = it.lineno;
		rc = lsof_line(c, line, n);
		if (rc)
			goto out;
	}
	if (c->nonblank && !c->recognised)
		rc = -1;
out:
	free(c);
	return rc;
}
