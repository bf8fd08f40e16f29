/*
 * rows.h: what every parser emits. Parsers are pure: bytes in, rows out
 * through a sink of callbacks; they know nothing of SQLite, files or time.
 *
 * Strings in a row are borrowed: valid only during the callback (they may
 * point into the input or into the parser's scratch space). A callback
 * returns 0 to go on or non-zero to stop the parse (the parser then returns
 * that value). Malformed input is reported through warn() with the 1-based
 * line number (or byte offset for binary formats) and skipped; a parser
 * returns -1 only when the input as a whole is not its format.
 */
#ifndef SM_ROWS_H
#define SM_ROWS_H

#include <stddef.h>
#include <stdint.h>

/* Unknown numeric fields are SM_NONE. */
#define SM_NONE INT64_MIN

/*
 * One socket. Canonical values:
 *   proto: "tcp" "tcp6" "udp" "udp6" "udplite" "udplite6" "raw" "raw6"
 *          "unix" "netlink" "packet" (tcp6 etc. = the v6 table/family)
 *   state: kernel names, upper case, underscores: "ESTABLISHED" "SYN_SENT"
 *          "SYN_RECV" "FIN_WAIT1" "FIN_WAIT2" "TIME_WAIT" "CLOSE"
 *          "CLOSE_WAIT" "LAST_ACK" "LISTEN" "CLOSING" "NEW_SYN_RECV";
 *          UDP/raw unconnected = "CLOSE"; unix: "LISTEN" "CONNECTED"
 *          "UNCONNECTED" "CONNECTING" "DISCONNECTING"; NULL if unknown.
 *   addresses: textual, IPv4 dotted or IPv6 RFC 5952 ("::1"), without
 *          brackets or scope; "*" for wildcard in tools that print it is
 *          normalised to "0.0.0.0" / "::".
 */
struct sm_socket_row {
	uint64_t line;            /* where in the input */
	const char *proto;
	const char *state;
	const char *local_addr;   /* NULL for unix */
	int64_t local_port;
	const char *remote_addr;
	int64_t remote_port;
	const char *unix_path;    /* unix only; "@name" for abstract; NULL if none */
	const char *unix_type;    /* "stream" "dgram" "seqpacket" or NULL */
	int64_t tx_queue;         /* bytes (ss Send-Q / /proc tx_queue) */
	int64_t rx_queue;
	int64_t timer;            /* /proc tr: 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 probe */
	int64_t timer_ms;         /* time left on the timer, milliseconds */
	int64_t retransmits;
	int64_t uid;
	uint64_t inode;           /* 0 when none (TIME_WAIT, minisockets) */
	/* Owner, when the source says (ss -p, netstat -p, lsof). */
	int64_t pid;
	int64_t fd;
	const char *comm;
	int64_t listen_backlog;   /* LISTEN rows: max backlog when known */
};

/*
 * One open file descriptor of a process, from /proc/PID/fd (collector's
 * listing) or lsof. For sockets, inode is the socket inode; orphaned says
 * the source itself flagged it ("can't identify protocol", lsof's
 * "protocol: TCP" sock rows).
 */
struct sm_fd_row {
	uint64_t line;
	int64_t pid;
	const char *comm;         /* NULL if the source does not say */
	int64_t uid;
	const char *user;         /* lsof USER column when not numeric */
	int64_t fd;               /* SM_NONE for cwd, txt, mem, ... */
	const char *fd_text;      /* as printed: "12u", "cwd" */
	const char *type;         /* "socket" "file" "pipe" "anon" "other" ... */
	const char *target;       /* link target or lsof NAME */
	uint64_t inode;           /* socket inode or 0 */
	const char *proto;        /* "tcp" "udp" "unix" ... when known */
	int orphaned;
	/* For socket fds, the connection as lsof prints it (may be NULL). */
	const char *local_addr;
	int64_t local_port;
	const char *remote_addr;
	int64_t remote_port;
	const char *state;
};

/*
 * A named host counter: /proc/net/sockstat ("TCP", "tw"), netstat/snmp
 * ("TcpExt", "ListenOverflows"), ss -s ("TCP", "closed").
 */
struct sm_counter_row {
	uint64_t line;
	const char *group;
	const char *name;
	int64_t value;
};

/* One stack frame of a Go goroutine. file/line may be absent (NULL, SM_NONE). */
struct sm_frame {
	const char *func;         /* "net/http.(*persistConn).readLoop", args stripped */
	const char *file;         /* "/usr/lib/go/src/net/http/transport.go" */
	int64_t line;
};

/*
 * A goroutine (debug=2, panics, SIGQUIT) or an aggregated stack with a
 * count (debug=1 "N @ ...", a debug=0 profile sample). Frames are innermost
 * first, as Go prints them; the created-by frame is separate.
 */
struct sm_goroutine_row {
	uint64_t line;            /* where it starts (line, or byte offset for protobuf) */
	int64_t id;               /* goroutine id; SM_NONE when aggregated */
	int64_t count;            /* 1 for a single goroutine */
	const char *state;        /* "IO wait", "semacquire", "chan receive", "running"...; NULL if unknown */
	int64_t wait_minutes;     /* from "[state, 15 minutes]"; 0 if not printed; SM_NONE if unknown */
	int locked_to_thread;
	int elided;               /* "...additional frames elided..." seen */
	int truncated;            /* the dump ended inside this goroutine */
	const struct sm_frame *frames;
	size_t nframes;
	const char *created_by;   /* function, or NULL */
	const char *created_by_file;
	int64_t created_by_line;
	int64_t created_by_goroutine;  /* "in goroutine N" (Go 1.21+), else SM_NONE */
	const char *labels;       /* pprof labels "k=v,k2=v2", or NULL */
};

/*
 * One TCP segment from a capture (other packets are counted, not emitted).
 * Addresses are textual like socket rows; times are ns since the epoch.
 */
struct sm_packet_row {
	uint64_t index;           /* 0-based packet number in the capture */
	int64_t ts_ns;
	int family;               /* 4 or 6 */
	const char *src_addr;
	int64_t src_port;
	const char *dst_addr;
	int64_t dst_port;
	unsigned flags;           /* TCP flags byte (FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80) */
	uint32_t seq, ack;
	uint32_t window;          /* raw window field (unscaled) */
	int64_t payload_len;      /* from the IP lengths, even if the capture was cut */
	int truncated;            /* caplen < wire length */
};

/*
 * A row line as sink->known sees it: the line less its slot number,
 * [p, p + len). Part of it may move while the socket it stands for stays
 * what it is: a timer's time left counts down, a busy connection's queues
 * change every reading. moving says how to find and read that part, for
 * whoever compares lines; NULL: nothing moves.
 */
struct sm_line_key {
	const char *p;
	size_t len;
	const struct sm_line_moving *moving;
	const void *moving_ctx;   /* for moving->span: the table's layout */
};

/* A line's moving part: where it is in the key (len 0: none) and the row
 * values it gives, when it gives any. */
struct sm_line_span {
	size_t off, len;
	int has_values;
	int64_t tx_queue, rx_queue, timer;
};

struct sm_line_moving {
	/* Finds the key's moving part, split as the row's reader splits it:
	 * 0, or -1 when it has none the reader reads without a warning (the
	 * line is then compared whole). */
	int (*span)(const void *ctx, const struct sm_line_key *k, struct sm_line_span *sp);
	/* Reads [s, s + n), a line's moving part where another line with
	 * the same text around it had its own, [was, was + n): 0 and its
	 * values (unless they are the same as was's), as the row reader reads
	 * them, or -1 when the reader would read it otherwise or warn. */
	int (*read)(const char *s, const char *was, size_t n, struct sm_line_span *sp);
};

struct sm_sink {
	void *ctx;
	int (*socket)(void *ctx, const struct sm_socket_row *row);
	int (*fd)(void *ctx, const struct sm_fd_row *row);
	int (*counter)(void *ctx, const struct sm_counter_row *row);
	/* A line was skipped or is suspect. May be NULL. */
	void (*warn)(void *ctx, uint64_t line, const char *msg);
	/* Go dumps: one call per goroutine or aggregated stack. May be NULL. */
	int (*goroutine)(void *ctx, const struct sm_goroutine_row *row);
	/* Captures: one call per TCP segment. May be NULL. */
	int (*packet)(void *ctx, const struct sm_packet_row *row);
	/*
	 * Tables read again and again (/proc/net): before a row line is
	 * parsed, its key and the header line it is read under. Non-zero: the
	 * consumer knows what this key makes and the line is skipped; 0: it
	 * is parsed, and its rows follow. May be NULL.
	 */
	int (*known)(void *ctx, const char *hdr, size_t hlen, const struct sm_line_key *key);
	/*
	 * After a line known(): the lines right after it, [next, next +
	 * avail), that the consumer knows too, whole (each with its '\n'):
	 * the bytes they take, their number in *lines. The parser skips
	 * them. May be NULL.
	 */
	size_t (*known_run)(void *ctx, const char *next, size_t avail, uint64_t *lines);
	/*
	 * Tables: before a row line is looked at, its key (the line from
	 * past its slot on, as known() is given it) at p, with the bytes left
	 * in the text (avail) but not yet its end: non-zero when the consumer
	 * expects this very line next and takes it as known() would, the
	 * key's length (the line ends there, at a '\n' or the text's end;
	 * moving says how to read its moving part). The parser then skips
	 * the line without finding its end. 0: the line goes the usual way,
	 * known() first. May be NULL.
	 */
	size_t (*known_next)(void *ctx, const char *hdr, size_t hlen, const char *p, size_t avail,
			     const struct sm_line_moving *moving);
};

/*
 * sink->warn(line, "what 'evidence'"), the evidence [s, s+n) quoted up to
 * 40 bytes, unprintable bytes as '?' (it is untrusted input); s NULL:
 * what alone. Nothing when the sink takes no warnings.
 */
void sm_sink_warn(const struct sm_sink *sink, uint64_t line, const char *what, const char *s, size_t n);

/* Reset a row to "nothing known". */
void sm_socket_row_init(struct sm_socket_row *r);
void sm_fd_row_init(struct sm_fd_row *r);
/*
 * A tool's port column ("*", digits or a service name, as ss and netstat
 * print it): digits give the port, anything else SM_NONE; only digits out
 * of range are an error (-1, *port SM_NONE).
 */
int sm_port_field(const char *s, size_t n, int64_t *port);

/* NUL-terminated copies lent to callbacks, emptied (used = 0) per line. */
struct sm_arena {
	char *buf;
	size_t cap, used;
};

/* A copy of [s, s+n) in the arena, or NULL once it is full. */
const char *sm_arena_dup(struct sm_arena *a, const char *s, size_t n);

/* An address column of ss or netstat ("host:port"), split in place. */
struct sm_addr {
	const char *host;
	size_t host_len;
	int64_t port;             /* SM_NONE for "*" or a service name */
	int v6;
	int wildcard;             /* the host is "*" */
};

/*
 * Splits s at port_sep (the port's separator as the tool prints it; NULL:
 * no port). The host may be bracketed and carry a %scope, before the
 * bracket or after it ("fe80::1%eth0", "[fe80::1]%eth0"). -1 if malformed.
 */
int sm_addr_split(const char *s, size_t n, const char *port_sep, struct sm_addr *a);
/* The host as a row carries it: "*" is the family's wildcard address. */
const char *sm_addr_host(struct sm_arena *ar, const struct sm_addr *a, int v6);

#endif
