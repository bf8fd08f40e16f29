/*
 * Unit tests for tcp_track: synthetic segment sequences with known
 * answers (client-first FIN, server-first FIN after a fixed delay, RST,
 * refused connects, retransmissions and keep-alives, zero windows,
 * mid-stream starts, the handshake seen out of order, eviction from a
 * full table, 4-tuple reuse, the grace period), and the real corpus
 * captures whose life cycles tshark shows (follow tcp / conv,tcp).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "parse_pcap.h"
#include "tcp_track.h"

#define CORPUS "tests/data/corpus/pcap/"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

#define MS INT64_C(1000000)
#define T0 INT64_C(1700000000000000000)

/* ---- recording the emitted connections ------------------------------------- */

struct cconn {
	struct tcp_conn c;
	char init_addr[48], resp_addr[48], state[16];
};

struct crec {
	struct cconn *v;
	size_t n, cap;
	int stop_rc;
};

static int crec_cb(void *ctx, const struct tcp_conn *c)
{
	struct crec *r = ctx;
	struct cconn *k;

	/* Invariants of every emitted connection. */
	assert_true(c->first_ns <= c->last_ns);
	assert_true(c->family == 4 || c->family == 6);
	assert_true(c->closed_by >= -1 && c->closed_by <= 1);
	assert_true((c->closed_by == -1) == (c->close_kind == TCP_CLOSE_NONE));
	assert_int_equal(c->open, c->end != TCP_END_CLOSED);
	assert_non_null(c->state);
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		assert_non_null(r->v);
	}
	k = &r->v[r->n++];
	k->c = *c;
	snprintf(k->init_addr, sizeof(k->init_addr), "%s", c->init_addr);
	snprintf(k->resp_addr, sizeof(k->resp_addr), "%s", c->resp_addr);
	snprintf(k->state, sizeof(k->state), "%s", c->state);
	return r->stop_rc;
}

static void crec_free(struct crec *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

/* ---- a scripted connection ------------------------------------------------------ */

/* client 10.0.0.1:40000 <-> server 10.0.0.2:80, sequence numbers tracked. */
struct script {
	struct tcp_track *t;
	const char *caddr, *saddr;
	int64_t cport, sport;
	uint32_t cseq, sseq;
	uint64_t index;
	int family;
};

static void script_init(struct script *s, struct tcp_track *t)
{
	memset(s, 0, sizeof(*s));
	s->t = t;
	s->caddr = "10.0.0.1";
	s->saddr = "10.0.0.2";
	s->cport = 40000;
	s->sport = 80;
	s->cseq = 1000;
	s->sseq = 5000;
	s->family = 4;
}

/* One segment at T0 + ms, from the client (from_client) or the server. */
static int seg(struct script *s, int64_t ms, int from_client, unsigned flags, uint32_t len, uint32_t win)
{
	struct sm_packet_row r;
	uint32_t *seq = from_client ? &s->cseq : &s->sseq;

	memset(&r, 0, sizeof(r));
	r.index = s->index++;
	r.ts_ns = T0 + ms * MS;
	r.family = s->family;
	r.src_addr = from_client ? s->caddr : s->saddr;
	r.src_port = from_client ? s->cport : s->sport;
	r.dst_addr = from_client ? s->saddr : s->caddr;
	r.dst_port = from_client ? s->sport : s->cport;
	r.flags = flags;
	r.seq = *seq;
	r.ack = from_client ? s->sseq : s->cseq;
	r.window = win;
	r.payload_len = len;
	*seq += len + ((flags & (SYN | FIN)) ? 1 : 0);
	return tcp_track_packet(s->t, &r);
}

/* The same segment again, as a retransmission: seq moved back. */
static int reseg(struct script *s, int64_t ms, int from_client, unsigned flags, uint32_t len)
{
	uint32_t *seq = from_client ? &s->cseq : &s->sseq;

	*seq -= len + ((flags & (SYN | FIN)) ? 1 : 0);
	return seg(s, ms, from_client, flags, len, 512);
}

static void handshake(struct script *s, int64_t ms)
{
	assert_int_equal(seg(s, ms, 1, SYN, 0, 64240), 0);
	assert_int_equal(seg(s, ms + 1, 0, SYN | ACK, 0, 65160), 0);
	assert_int_equal(seg(s, ms + 2, 1, ACK, 0, 502), 0);
}

static struct tcp_track *tracker(struct crec *rec, size_t max_conns)
{
	struct tcp_track_opts o;

	memset(&o, 0, sizeof(o));
	o.max_conns = max_conns;
	o.grace_ns = 2000 * MS;
	return tcp_track_new(&o, crec_cb, rec);
}

/* ---- life cycles -------------------------------------------------------------------- */

static void t_client_closes_first(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;
	const struct tcp_conn *c;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, PSH | ACK, 100, 502);        /* request */
	seg(&s, 20, 0, PSH | ACK, 300, 509);        /* response */
	seg(&s, 70, 1, FIN | ACK, 0, 502);          /* client closes 50 ms later */
	seg(&s, 71, 0, FIN | ACK, 0, 509);
	seg(&s, 72, 1, ACK, 0, 502);
	assert_int_equal(rec.n, 0);                 /* waits out the grace */
	assert_int_equal(tcp_track_finish(t), 0);
	assert_int_equal(rec.n, 1);
	c = &rec.v[0].c;
	assert_string_equal(rec.v[0].init_addr, "10.0.0.1");
	assert_int_equal(c->init_port, 40000);
	assert_string_equal(rec.v[0].resp_addr, "10.0.0.2");
	assert_int_equal(c->resp_port, 80);
	assert_int_equal(c->init_rule, TCP_INIT_SYN);
	assert_int_equal(c->closed_by, TCP_INITIATOR);
	assert_int_equal(c->close_kind, TCP_CLOSE_FIN);
	assert_int_equal(c->close_ns, T0 + 70 * MS);
	assert_int_equal(c->syn_ns, T0);
	assert_int_equal(c->synack_ns, T0 + 1 * MS);
	assert_int_equal(c->side[TCP_INITIATOR].fin_delay_ns, 50 * MS);
	assert_int_equal(c->side[TCP_RESPONDER].fin_delay_ns, 51 * MS);
	assert_int_equal(c->side[TCP_INITIATOR].bytes, 100);
	assert_int_equal(c->side[TCP_RESPONDER].bytes, 300);
	assert_int_equal(c->side[TCP_INITIATOR].fin_acked, 1);
	assert_int_equal(c->side[TCP_RESPONDER].fin_acked, 1);
	assert_int_equal(c->side[TCP_INITIATOR].retrans, 0);
	assert_int_equal(c->side[TCP_RESPONDER].retrans, 0);
	assert_string_equal(rec.v[0].state, "closed");
	assert_int_equal(c->end, TCP_END_CLOSED);
	assert_int_equal(c->first_index, 0);
	assert_int_equal(c->last_index, 7);
	tcp_track_free(t);
	crec_free(&rec);
}

/* nginx-style: the server closes 3 s after its response, the client follows. */
static void t_server_closes_after_timeout(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;
	const struct tcp_conn *c;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, PSH | ACK, 80, 502);
	seg(&s, 11, 0, ACK, 0, 509);
	seg(&s, 15, 0, PSH | ACK, 1000, 509);
	seg(&s, 16, 1, ACK, 0, 502);
	seg(&s, 3015, 0, FIN | ACK, 0, 509);
	seg(&s, 3016, 1, FIN | ACK, 0, 502);
	seg(&s, 3017, 0, ACK, 0, 509);
	tcp_track_finish(t);
	assert_int_equal(rec.n, 1);
	c = &rec.v[0].c;
	assert_int_equal(c->closed_by, TCP_RESPONDER);
	assert_int_equal(c->close_kind, TCP_CLOSE_FIN);
	assert_int_equal(c->side[TCP_RESPONDER].fin_delay_ns, 3000 * MS);
	assert_int_equal(c->side[TCP_INITIATOR].fin_delay_ns, 3001 * MS);
	assert_int_equal(c->side[TCP_RESPONDER].last_data_ns, T0 + 15 * MS);
	assert_int_equal(c->side[TCP_INITIATOR].last_data_ns, T0 + 10 * MS);
	tcp_track_free(t);
	crec_free(&rec);
}

/* A proxy's read timeout: the request goes out, no answer, the client's FIN
 * comes 3 s after the request; the server never sends its own FIN. */
static void t_half_closed_no_answer(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;
	const struct tcp_conn *c;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 5, 1, PSH | ACK, 200, 502);
	seg(&s, 6, 0, ACK, 0, 509);
	seg(&s, 3005, 1, FIN | ACK, 0, 502);
	seg(&s, 3006, 0, ACK, 0, 509);
	tcp_track_finish(t);
	c = &rec.v[0].c;
	assert_string_equal(rec.v[0].state, "half_closed");
	assert_int_equal(c->end, TCP_END_OPEN);
	assert_int_equal(c->closed_by, TCP_INITIATOR);
	assert_int_equal(c->side[TCP_INITIATOR].fin_delay_ns, 3000 * MS);
	assert_int_equal(c->side[TCP_RESPONDER].fin_ns, SM_NONE);
	assert_int_equal(c->side[TCP_RESPONDER].fin_delay_ns, SM_NONE);
	tcp_track_free(t);
	crec_free(&rec);
}

static void t_rst(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;
	const struct tcp_conn *c;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, PSH | ACK, 10, 502);
	seg(&s, 20, 0, RST | ACK, 0, 0);            /* SO_LINGER 0 on the server */
	tcp_track_finish(t);
	c = &rec.v[0].c;
	assert_int_equal(c->closed_by, TCP_RESPONDER);
	assert_int_equal(c->close_kind, TCP_CLOSE_RST);
	assert_int_equal(c->side[TCP_RESPONDER].rst_ns, T0 + 20 * MS);
	assert_int_equal(c->side[TCP_RESPONDER].rsts, 1);
	assert_int_equal(c->side[TCP_RESPONDER].zero_windows, 0);   /* an RST's window means nothing */
	assert_string_equal(rec.v[0].state, "reset");
	assert_int_equal(c->end, TCP_END_CLOSED);
	tcp_track_free(t);
	crec_free(&rec);

	/* A FIN, then an RST from the other side: the FIN came first. */
	t = tracker(&rec, 0);
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, FIN | ACK, 0, 502);
	seg(&s, 11, 0, RST, 0, 0);
	tcp_track_finish(t);
	assert_int_equal(rec.v[0].c.closed_by, TCP_INITIATOR);
	assert_int_equal(rec.v[0].c.close_kind, TCP_CLOSE_FIN);
	assert_string_equal(rec.v[0].state, "reset");
	tcp_track_free(t);
	crec_free(&rec);
}

static void t_refused_and_unanswered(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;

	(void)state;
	script_init(&s, t);
	seg(&s, 0, 1, SYN, 0, 64240);
	seg(&s, 1, 0, RST | ACK, 0, 0);
	s.cport = 40001;
	seg(&s, 5, 1, SYN, 0, 64240);
	reseg(&s, 1005, 1, SYN, 0);                 /* the SYN retransmitted */
	tcp_track_finish(t);
	assert_int_equal(rec.n, 2);
	assert_string_equal(rec.v[0].state, "refused");
	assert_int_equal(rec.v[0].c.closed_by, TCP_RESPONDER);
	assert_string_equal(rec.v[1].state, "syn_sent");
	assert_int_equal(rec.v[1].c.side[TCP_INITIATOR].retrans, 1);
	assert_int_equal(rec.v[1].c.side[TCP_INITIATOR].packets, 2);
	tcp_track_free(t);
	crec_free(&rec);
}

static void t_retransmissions(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;
	const struct tcp_conn *c;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, PSH | ACK, 100, 502);
	reseg(&s, 210, 1, PSH | ACK, 100);          /* RTO retransmission */
	seg(&s, 220, 0, ACK, 0, 509);
	/* keep-alive probe: 1 byte at snd_max - 1, neither new nor resent */
	s.cseq -= 1;
	seg(&s, 5000, 1, ACK, 1, 502);
	seg(&s, 5001, 0, ACK, 0, 509);
	/* out of order: the second segment is captured before the first */
	s.sseq += 50;
	seg(&s, 5100, 0, PSH | ACK, 50, 509);
	s.sseq -= 100;
	seg(&s, 5101, 0, PSH | ACK, 50, 509);
	s.sseq += 50;
	/* a FIN, retransmitted */
	seg(&s, 6000, 1, FIN | ACK, 0, 502);
	reseg(&s, 6200, 1, FIN | ACK, 0);
	seg(&s, 6201, 0, FIN | ACK, 0, 509);
	seg(&s, 6202, 1, ACK, 0, 502);
	tcp_track_finish(t);
	c = &rec.v[0].c;
	assert_int_equal(c->side[TCP_INITIATOR].retrans, 2);   /* data once, FIN once */
	assert_int_equal(c->side[TCP_RESPONDER].retrans, 0);   /* late capture is not a resend */
	assert_int_equal(c->side[TCP_INITIATOR].bytes, 201);   /* retransmissions included */
	assert_int_equal(c->side[TCP_RESPONDER].bytes, 100);
	assert_int_equal(c->side[TCP_RESPONDER].last_data_ns, T0 + 5101 * MS);
	/* the retransmitted data did not move the FIN delay's reference */
	assert_int_equal(c->side[TCP_INITIATOR].fin_ns, T0 + 6000 * MS);
	assert_int_equal(c->side[TCP_INITIATOR].fin_delay_ns, (6000 - 5101) * MS);
	tcp_track_free(t);
	crec_free(&rec);
}

static void t_zero_windows(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, PSH | ACK, 1000, 502);
	seg(&s, 11, 0, ACK, 0, 0);                  /* server's receive buffer full */
	seg(&s, 211, 1, ACK, 1, 502);               /* zero-window probe */
	seg(&s, 212, 0, ACK, 0, 0);
	seg(&s, 500, 0, ACK, 0, 300);               /* window update */
	tcp_track_finish(t);
	assert_int_equal(rec.v[0].c.side[TCP_RESPONDER].zero_windows, 2);
	assert_int_equal(rec.v[0].c.side[TCP_INITIATOR].zero_windows, 0);
	assert_int_equal(rec.v[0].c.side[TCP_INITIATOR].retrans, 0);
	assert_string_equal(rec.v[0].state, "established");
	assert_int_equal(rec.v[0].c.end, TCP_END_OPEN);
	tcp_track_free(t);
	crec_free(&rec);
}

/* The capture starts mid-stream: the initiator is guessed from the ports. */
static void t_mid_stream(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;

	(void)state;
	script_init(&s, t);
	seg(&s, 0, 0, PSH | ACK, 100, 509);         /* server data first: port 80 is the server */
	seg(&s, 1, 1, ACK, 0, 502);
	seg(&s, 2, 1, FIN | ACK, 0, 502);
	s.cport = 41000;
	s.sport = 5432;                             /* neither port < 1024: 41000 is ephemeral */
	seg(&s, 3, 0, ACK, 0, 509);
	s.cport = 20000;
	s.sport = 20001;                            /* no clue: first sender */
	seg(&s, 4, 0, ACK, 0, 509);
	tcp_track_finish(t);
	assert_int_equal(rec.n, 3);
	assert_int_equal(rec.v[0].c.init_rule, TCP_INIT_PORT);
	assert_int_equal(rec.v[0].c.init_port, 40000);
	assert_int_equal(rec.v[0].c.closed_by, TCP_INITIATOR);
	assert_int_equal(rec.v[0].c.side[TCP_INITIATOR].fin_delay_ns, 2 * MS);
	assert_int_equal(rec.v[0].c.syn_ns, SM_NONE);
	assert_int_equal(rec.v[1].c.init_rule, TCP_INIT_PORT);
	assert_int_equal(rec.v[1].c.init_port, 41000);
	assert_int_equal(rec.v[2].c.init_rule, TCP_INIT_FIRST);
	assert_int_equal(rec.v[2].c.init_port, 20001);
	tcp_track_free(t);
	crec_free(&rec);
}

/* The SYN-ACK is captured before the SYN: one connection, the right initiator. */
static void t_handshake_reordered(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s;
	uint32_t cisn;

	(void)state;
	script_init(&s, t);
	cisn = s.cseq;
	s.cseq = cisn + 1;
	seg(&s, 1, 0, SYN | ACK, 0, 65160);
	s.cseq = cisn;
	seg(&s, 0, 1, SYN, 0, 64240);
	seg(&s, 2, 1, ACK, 0, 502);
	tcp_track_finish(t);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.v[0].c.init_rule, TCP_INIT_SYN);
	assert_int_equal(rec.v[0].c.init_port, 40000);
	assert_int_equal(rec.v[0].c.first_ns, T0);
	tcp_track_free(t);
	crec_free(&rec);
}

/* A full table pushes out the least recently active connection. */
static void t_eviction(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 2);
	struct tcp_track_stats st;
	struct script s;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);                           /* A: 40000 */
	s.cport = 40001;
	handshake(&s, 10);                          /* B: 40001 */
	s.cport = 40000;
	seg(&s, 20, 1, ACK, 5, 502);                /* A is active again */
	s.cport = 40002;
	handshake(&s, 30);                          /* C evicts B */
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.v[0].c.init_port, 40001);
	assert_int_equal(rec.v[0].c.end, TCP_END_EVICTED);
	assert_int_equal(rec.v[0].c.open, 1);
	/* C closes; a fourth connection then evicts A (older), not the closed C */
	seg(&s, 40, 1, FIN | ACK, 0, 502);
	seg(&s, 41, 0, FIN | ACK, 0, 509);
	s.cport = 40000;
	seg(&s, 42, 1, ACK, 1, 502);
	s.cport = 40003;
	handshake(&s, 50);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.v[1].c.init_port, 40002);
	assert_int_equal(rec.v[1].c.end, TCP_END_CLOSED);   /* closed: leaves as closed */
	tcp_track_get_stats(t, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.max_live, 2);
	assert_int_equal(st.live, 2);
	tcp_track_finish(t);
	assert_int_equal(rec.n, 4);
	tcp_track_get_stats(t, &st);
	assert_int_equal(st.emitted, 4);
	assert_int_equal(st.conns, 4);
	assert_int_equal(st.live, 0);
	tcp_track_free(t);
	crec_free(&rec);
}

/* The same 4-tuple used again: closed then reused, and reused while open. */
static void t_tuple_reuse(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct tcp_track_stats st;
	struct script s;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, FIN | ACK, 0, 502);
	seg(&s, 11, 0, FIN | ACK, 0, 509);
	seg(&s, 12, 1, ACK, 0, 502);
	s.cseq += 100000;                           /* a new ISN, within the grace period */
	handshake(&s, 100);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.v[0].c.end, TCP_END_CLOSED);
	assert_string_equal(rec.v[0].state, "closed");
	/* the second is still open; a third SYN takes the tuple */
	s.cseq += 100000;
	seg(&s, 200, 1, SYN, 0, 64240);
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.v[1].c.end, TCP_END_REUSED);
	assert_int_equal(rec.v[1].c.first_ns, T0 + 100 * MS);
	tcp_track_finish(t);
	assert_int_equal(rec.n, 3);
	assert_string_equal(rec.v[2].state, "syn_sent");
	tcp_track_get_stats(t, &st);
	assert_int_equal(st.reused, 1);
	tcp_track_free(t);
	crec_free(&rec);
}

/* A closed connection is emitted once capture time passes its grace. */
static void t_grace_and_stop(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct script s, other;

	(void)state;
	script_init(&s, t);
	handshake(&s, 0);
	seg(&s, 10, 1, FIN | ACK, 0, 502);
	seg(&s, 11, 0, FIN | ACK, 0, 509);
	script_init(&other, t);
	other.cport = 50000;
	other.index = 100;
	seg(&other, 1000, 1, SYN, 0, 64240);
	assert_int_equal(rec.n, 0);
	rec.stop_rc = 9;                            /* the callback asks to stop */
	assert_int_equal(reseg(&other, 2100, 1, SYN, 0), 9);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.v[0].c.init_port, 40000);
	assert_int_equal(tcp_track_finish(t), 9);
	tcp_track_free(t);
	crec_free(&rec);
}

static void t_bad_rows_and_ipv6(void **state)
{
	struct crec rec = { 0 };
	struct tcp_track *t = tracker(&rec, 0);
	struct tcp_track_stats st;
	struct script s;

	(void)state;
	script_init(&s, t);
	s.caddr = "10.0.0.300";
	seg(&s, 0, 1, SYN, 0, 1);
	s.caddr = NULL;
	seg(&s, 0, 1, SYN, 0, 1);
	s.family = 6;
	s.caddr = "2001:db8::1";
	s.saddr = "not:an:address::x";
	seg(&s, 0, 1, SYN, 0, 1);
	s.saddr = "2001:db8::2";
	handshake(&s, 0);
	tcp_track_get_stats(t, &st);
	assert_int_equal(st.bad_rows, 3);
	tcp_track_finish(t);
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.v[0].init_addr, "2001:db8::1");
	assert_string_equal(rec.v[0].resp_addr, "2001:db8::2");
	assert_int_equal(rec.v[0].c.family, 6);
	tcp_track_free(t);
	tcp_track_free(NULL);
	crec_free(&rec);
}

/* ---- real captures ------------------------------------------------------------------ */

struct feed {
	struct tcp_track *t;
};

static int feed_packet(void *ctx, const struct sm_packet_row *r)
{
	return tcp_track_packet(((struct feed *)ctx)->t, r);
}

static void track_file(const char *name, struct crec *rec)
{
	char path[256];
	size_t len = 0;
	char *data;
	struct feed fd;
	struct sm_sink s;

	snprintf(path, sizeof(path), CORPUS "%s", name);
	data = read_corpus_file(path, &len);
	assert_non_null(data);
	fd.t = tcp_track_new(NULL, crec_cb, rec);
	memset(&s, 0, sizeof(s));
	s.ctx = &fd;
	s.packet = feed_packet;
	assert_int_equal(parse_pcap(data, len, &s, NULL), 0);
	assert_int_equal(tcp_track_finish(fd.t), 0);
	tcp_track_free(fd.t);
	free(data);
}

static size_t count_where(const struct crec *r, int closed_by, enum tcp_close_kind kind)
{
	size_t i, k = 0;

	for (i = 0; i < r->n; i++)
		k += r->v[i].c.closed_by == closed_by && r->v[i].c.close_kind == kind;
	return k;
}

static void t_corpus(void **state)
{
	struct crec rec = { 0 };
	uint64_t retrans = 0;
	size_t i;

	(void)state;
	/* redis-benchmark: 15 connections, each closed by the client's FIN
	 * (tshark: the first FIN of every stream comes from the 4xxxx port). */
	track_file("tcpdump-resp_1_benchmark.pcap", &rec);
	assert_int_equal(rec.n, 15);
	assert_int_equal(count_where(&rec, TCP_INITIATOR, TCP_CLOSE_FIN), 15);
	for (i = 0; i < rec.n; i++) {
		assert_int_equal(rec.v[i].c.init_rule, TCP_INIT_SYN);
		assert_int_equal(rec.v[i].c.resp_port, 6379);
		assert_string_equal(rec.v[i].state, "closed");
	}
	crec_free(&rec);

	/* 49 HTTP connections, full life cycles. */
	track_file("zeek-http-methods-49flows.pcap", &rec);
	assert_int_equal(rec.n, 49);
	for (i = 0; i < rec.n; i++)
		assert_string_equal(rec.v[i].state, "closed");
	crec_free(&rec);

	/* SYN, then an RST -- from the SYN's own sender (tcpdump: both
	 * 1.1.1.1.13131 > 1.1.1.2.31313), so an abort, not a refusal. */
	track_file("zeek-tcp-syn-then-rst.pcap", &rec);
	assert_int_equal(rec.n, 1);
	assert_string_equal(rec.v[0].state, "reset");
	assert_int_equal(rec.v[0].c.closed_by, TCP_INITIATOR);
	assert_int_equal(rec.v[0].c.close_kind, TCP_CLOSE_RST);
	crec_free(&rec);

	/* The SYN is missing: the SYN-ACK's receiver is the client. */
	track_file("zeek-tcp-missing-syn.pcap", &rec);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.v[0].c.init_rule, TCP_INIT_SYNACK);
	assert_string_equal(rec.v[0].state, "closed");
	crec_free(&rec);

	/* Reordered handshake: still one connection opened by its SYN. */
	track_file("zeek-tcp-handshake-reorder.pcap", &rec);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.v[0].c.init_rule, TCP_INIT_SYN);
	crec_free(&rec);

	/* A FIN at the SYN's own sequence number, sent twice, then an RST:
	 * tshark flags both FINs as retransmissions, and so do we. */
	track_file("zeek-tcp-fin_retransmission.pcap", &rec);
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.v[0].c.close_kind, TCP_CLOSE_FIN);
	assert_int_equal(rec.v[0].c.closed_by, TCP_INITIATOR);
	assert_int_equal(rec.v[0].c.side[TCP_INITIATOR].retrans, 2);
	assert_string_equal(rec.v[0].state, "reset");
	crec_free(&rec);

	/* ssh-dups: 166 segments that tshark flags as retransmissions. */
	track_file("zeek-tcp-ssh-dups.pcap", &rec);
	assert_int_equal(rec.n, 1);
	retrans = rec.v[0].c.side[0].retrans + rec.v[0].c.side[1].retrans;
	assert_true(retrans >= 160 && retrans <= 170);
	crec_free(&rec);

	/* 23 SSH flows; 24 SYNs because one was retransmitted. */
	track_file("zeek-ssh-ssh-23flows.pcap", &rec);
	assert_int_equal(rec.n, 23);
	crec_free(&rec);

	/* TCP Fast Open: data in the SYN is data. */
	track_file("zeek-tcp-tcp-fast-open.pcap", &rec);
	assert_int_equal(rec.n, 2);
	assert_true(rec.v[0].c.side[TCP_INITIATOR].bytes > 0);
	crec_free(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_client_closes_first),
		cmocka_unit_test(t_server_closes_after_timeout),
		cmocka_unit_test(t_half_closed_no_answer),
		cmocka_unit_test(t_rst),
		cmocka_unit_test(t_refused_and_unanswered),
		cmocka_unit_test(t_retransmissions),
		cmocka_unit_test(t_zero_windows),
		cmocka_unit_test(t_mid_stream),
		cmocka_unit_test(t_handshake_reordered),
		cmocka_unit_test(t_eviction),
		cmocka_unit_test(t_tuple_reuse),
		cmocka_unit_test(t_grace_and_stop),
		cmocka_unit_test(t_bad_rows_and_ipv6),
		cmocka_unit_test(t_corpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
