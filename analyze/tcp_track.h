/*
 * tcp_track: TCP connections out of a stream of captured segments (pure
 * logic: no SQLite, no I/O). Feed it sm_packet_rows in capture order (near
 * time order; small reordering is tolerated); it calls back once per
 * connection with what the post-mortem needs: who opened, who closed
 * first and how (FIN or RST), when, and how long after the last data; plus
 * retransmissions and zero windows per side. The rules (initiator,
 * retransmission, delay) are spelled out atop tcp_track.c.
 *
 * Memory is bounded: at most opts.max_conns live connections; when the
 * table is full the least recently active one is emitted early (end
 * TCP_END_EVICTED) and counted.
 */
#ifndef SM_TCP_TRACK_H
#define SM_TCP_TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"

/* Sides of a connection, as indexes into tcp_conn.side[]. */
#define TCP_INITIATOR 0
#define TCP_RESPONDER 1

/* How the initiator was decided, most certain first. */
enum tcp_init_rule {
	TCP_INIT_SYN,      /* it sent the SYN */
	TCP_INIT_SYNACK,   /* it received the SYN-ACK (SYN not captured) */
	TCP_INIT_PORT,     /* mid-stream: by ports (well-known < 1024 or
			      ephemeral >= 32768 on one side only) */
	TCP_INIT_FIRST,    /* mid-stream: it sent the first captured segment */
};

enum tcp_close_kind { TCP_CLOSE_NONE, TCP_CLOSE_FIN, TCP_CLOSE_RST };

/* Why the connection was emitted. */
enum tcp_end {
	TCP_END_CLOSED,    /* closed (both FINs, or an RST) and the grace passed,
			      or closed when the capture ended */
	TCP_END_OPEN,      /* still open when the capture ended */
	TCP_END_EVICTED,   /* still open, pushed out of a full table */
	TCP_END_REUSED,    /* still open, but a new SYN took its 4-tuple */
};

struct tcp_side {
	int64_t fin_ns;        /* its first FIN, SM_NONE if none */
	int64_t rst_ns;        /* its first RST, SM_NONE if none */
	int64_t last_data_ns;  /* its last segment carrying new data, SM_NONE */
	/* fin_ns minus the last new-data segment of EITHER side sent at or
	 * before that FIN (a FIN carrying data counts: 0). SM_NONE when there
	 * is no FIN or no data preceded it. */
	int64_t fin_delay_ns;
	int fin_acked;         /* the peer acknowledged its FIN */
	uint64_t packets;
	uint64_t bytes;        /* payload bytes, retransmissions included */
	uint64_t retrans;      /* segments resending data, a SYN or a FIN */
	uint64_t zero_windows; /* non-RST segments advertising window 0 */
	uint64_t rsts;         /* RST segments */
};

/*
 * One connection. Strings are borrowed for the callback only. Times are
 * ns since the epoch, SM_NONE when the event was not seen.
 */
struct tcp_conn {
	uint64_t first_index;      /* packet index of its first and last segment */
	uint64_t last_index;
	int family;                /* 4 or 6 */
	const char *init_addr;     /* initiator: the client */
	int64_t init_port;
	const char *resp_addr;     /* responder: the server */
	int64_t resp_port;
	enum tcp_init_rule init_rule;
	int64_t first_ns, last_ns;
	int64_t syn_ns;            /* initiator's first SYN */
	int64_t synack_ns;         /* responder's first SYN-ACK */
	struct tcp_side side[2];   /* [TCP_INITIATOR], [TCP_RESPONDER] */
	/* The first close event: side that sent the first FIN or RST (by
	 * time), -1 if neither did; its kind and time. */
	int closed_by;
	enum tcp_close_kind close_kind;
	int64_t close_ns;
	/* "syn_sent" (SYN, no answer), "refused" (SYN answered by RST, no
	 * SYN-ACK), "established" (open), "half_closed" (one FIN), "closed"
	 * (both FINs), "reset" (an RST, and not refused). */
	const char *state;
	enum tcp_end end;
	int open;                  /* end != TCP_END_CLOSED */
};

typedef int (*tcp_conn_fn)(void *ctx, const struct tcp_conn *c);

struct tcp_track_opts {
	/* How long (capture time) a closed connection waits for late ACKs,
	 * retransmitted FINs and RSTs before it is emitted. 0: 10 s. */
	int64_t grace_ns;
	/* Live connections kept at most. 0: 1,000,000. */
	size_t max_conns;
};

struct tcp_track_stats {
	uint64_t packets;      /* rows accepted */
	uint64_t bad_rows;     /* rows ignored: unreadable address or family */
	uint64_t conns;        /* connections created */
	uint64_t emitted;      /* connections handed to the callback */
	uint64_t evicted;      /* of emitted: TCP_END_EVICTED */
	uint64_t reused;       /* of emitted: TCP_END_REUSED */
	uint64_t live;         /* in the table now */
	uint64_t max_live;     /* high-water mark */
};

struct tcp_track;

/* A tracker calling conn(ctx, c) per connection; opts may be NULL. */
struct tcp_track *tcp_track_new(const struct tcp_track_opts *opts, tcp_conn_fn conn, void *ctx);

/*
 * Account one segment. Returns 0, or the callback's non-zero value when a
 * connection emitted on the way asked to stop (the segment itself is still
 * accounted). Rows with an unreadable address are counted in bad_rows.
 */
int tcp_track_packet(struct tcp_track *t, const struct sm_packet_row *r);

/*
 * Emit every connection still in the table (closed ones as
 * TCP_END_CLOSED, the others as TCP_END_OPEN), in order of their first
 * segment. Returns 0 or the callback's first non-zero value (emission then
 * stops; the rest are dropped by tcp_track_free).
 */
int tcp_track_finish(struct tcp_track *t);

void tcp_track_get_stats(const struct tcp_track *t, struct tcp_track_stats *out);

/* Free the tracker (NULL is fine); connections not emitted are dropped. */
void tcp_track_free(struct tcp_track *t);

#endif
