/*
 * tcp_track: TCP connections from captured segments.
 *
 * The rules, in the order a segment meets them:
 *
 * Identity. A connection is its 4-tuple; both directions map to one entry,
 * keyed by (family, lower endpoint, higher endpoint) with endpoints
 * compared as address bytes then port (37 bytes, binary: text is made only
 * when a connection is emitted). A SYN without ACK on a known 4-tuple
 * starts a NEW connection (port reuse) unless it repeats the SYN already
 * seen from that side with the same sequence number while the connection
 * is not closed; the old entry is emitted first (TCP_END_REUSED when it was
 * still open). "Closed" means both sides sent a FIN, or either sent an RST;
 * TIME_WAIT is covered because a closed entry waits out the grace period in
 * the table.
 *
 * Initiator, decided when the entry is created: the sender of a SYN
 * without ACK; else the receiver of a SYN-ACK (the SYN was not captured);
 * else, mid-stream, by ports: when exactly one port is below 1024 that side
 * is the responder, else when exactly one port is ephemeral (>= 32768, the
 * Linux and IANA ranges both start there or later) that side is the
 * initiator; else the sender of the first captured segment. The rule used
 * is reported (tcp_conn.init_rule) so a report can say how sure it is.
 *
 * Sequence space, per side: snd_max is the highest sequence number sent
 * (seq + payload, +1 for SYN and FIN). A segment with payload is:
 *   - new data when it starts at or beyond snd_max (a gap leaves a "hole");
 *   - an out-of-order fill, also new data, when it lies inside the most
 *     recent hole (the capture saw it late: near-sorted input is fine);
 *   - a keep-alive probe (neither) when it is 1 byte at snd_max - 1;
 *   - else a retransmission: its range was already seen. A segment that
 *     overlaps snd_max is both (it resends old bytes and adds new ones).
 * A SYN or FIN from a side that already sent one is a retransmission too.
 * Each segment counts at most one retransmission. Duplicated capture
 * packets therefore count as retransmissions, as in Wireshark.
 *
 * Zero windows: a non-RST segment whose raw window field is 0.
 *
 * Close: closed_by is the side whose first FIN or RST came first (by
 * time); close_kind says which. A side's FIN delay is its FIN time minus
 * the last new-data segment, in EITHER direction, with a time at or before
 * that FIN (data in the FIN segment itself gives 0). "Either direction" is
 * what makes a proxy's read timeout visible: nginx sends the request,
 * the backend never answers, nginx's FIN comes proxy_read_timeout after
 * the request; an idle keep-alive close comes its timeout after the last
 * response. Retransmitted bytes do not move the reference.
 *
 * Emission: a closed connection stays grace_ns (capture time, measured
 * against the newest timestamp seen) to absorb the last ACK, retransmitted
 * FINs and trailing RSTs, then is emitted. The rest are emitted by
 * tcp_track_finish() as open. The table holds at most max_conns entries;
 * a new one then evicts the least recently active (an LRU list threaded
 * through the connection pool), which is emitted as TCP_END_EVICTED.
 * Segments arriving after their connection was emitted make a new entry
 * (without a SYN): a report should treat one- or two-packet entries
 * without a handshake as stragglers.
 */
#include "tcp_track.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hashmap.h"
#include "strbuf.h"

#define TT_FIN 0x01
#define TT_SYN 0x02
#define TT_RST 0x04
#define TT_ACK 0x10

#define TT_EP_LEN 18                    /* address (16) + port (2) */
#define TT_KEY_LEN (1 + 2 * TT_EP_LEN)  /* family + two endpoints = 37 */
#define TT_NIL UINT32_MAX
#define TT_V6MEMO 256

#define TT_DEFAULT_GRACE_NS (10 * (int64_t)1000000000)
#define TT_DEFAULT_MAX 1000000

struct tt_side {
	int64_t fin_ns, rst_ns, last_data_ns;
	int64_t pre_fin_data_ns;   /* last new data (either side) at or before fin_ns */
	uint64_t packets, bytes, retrans, zero_windows, rsts;
	uint32_t isn, snd_max, fin_seq, hole_lo, hole_hi;
	uint32_t synack_ack;       /* ack field of its SYN-ACK */
	uint8_t seq_known, syn_seen, fin_seen, fin_acked, has_hole;
};

struct tt_conn {
	unsigned char key[TT_KEY_LEN];
	uint8_t in_use;
	uint8_t a_is_init;    /* the key's first endpoint is the initiator */
	uint8_t init_rule;
	uint8_t closed;
	uint32_t gen;         /* bumped per use of the slot: stale queue entries */
	uint32_t prev, next;  /* LRU list while in use; next = free list after */
	int64_t first_ns, last_ns, syn_ns, synack_ns, last_data_ns;
	uint64_t first_index, last_index;
	struct tt_side side[2];
};

/* A closed connection waiting for its grace period to pass. */
struct tt_due {
	uint32_t idx, gen;
	int64_t due_ns;
};

struct tt_v6memo {
	char text[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	int valid;
};

struct tcp_track {
	tcp_conn_fn cb;
	void *ctx;
	int64_t grace_ns;
	size_t max_conns;
	struct hashmap map;        /* key -> uint32_t index into conns */
	struct tt_conn *conns;
	size_t nconns, cap;        /* slots handed out so far, allocated */
	uint32_t free_head;
	uint32_t lru_head, lru_tail;
	struct tt_due *due;        /* FIFO: closes arrive in time order */
	size_t due_head, due_len, due_cap;
	int64_t now_ns;
	struct tcp_track_stats st;
	struct tt_v6memo v6[TT_V6MEMO];
	char init_text[INET6_ADDRSTRLEN], resp_text[INET6_ADDRSTRLEN];
};

/* Sequence-space comparisons (RFC 9293 modular arithmetic). */
static inline int seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline int seq_le(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline int seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

static inline void tt_min(int64_t *t, int64_t v)
{
	if (*t == SM_NONE || v < *t)
		*t = v;
}

static inline void tt_max(int64_t *t, int64_t v)
{
	if (*t == SM_NONE || v > *t)
		*t = v;
}

/* --- addresses --------------------------------------------------------------- */

/* Strict dotted quad, as parse_pcap and every parser print it. */
static int tt_parse4(const char *s, unsigned char *out)
{
	int i, digits;
	unsigned v;

	for (i = 0; i < 4; i++) {
		for (v = 0, digits = 0; *s >= '0' && *s <= '9'; s++) {
			v = v * 10 + (unsigned)(*s - '0');
			if (++digits > 3)
				return -1;
		}
		if (!digits || v > 255)
			return -1;
		out[i] = (unsigned char)v;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	return *s ? -1 : 0;
}

/* IPv6 text to bytes, remembering recent answers (inet_pton is the cost). */
static int tt_parse6(struct tcp_track *t, const char *s, unsigned char *out)
{
	uint32_t h = 2166136261u;
	const char *p;
	struct tt_v6memo *m;

	for (p = s; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	if ((size_t)(p - s) >= sizeof(m->text))
		return -1;
	m = &t->v6[h % TT_V6MEMO];
	if (!m->valid || strcmp(m->text, s)) {
		if (inet_pton(AF_INET6, s, m->addr) != 1) {
			m->valid = 0;
			return -1;
		}
		memcpy(m->text, s, (size_t)(p - s) + 1);
		m->valid = 1;
	}
	memcpy(out, m->addr, 16);
	return 0;
}

/* Endpoint bytes: address zero-padded to 16, then the port big-endian. */
static int tt_endpoint(struct tcp_track *t, int family, const char *addr, int64_t port,
		       unsigned char *ep)
{
	if (!addr || port < 0 || port > 65535)
		return -1;
	memset(ep, 0, TT_EP_LEN);
	if (family == 4 ? tt_parse4(addr, ep) : family == 6 ? tt_parse6(t, addr, ep) : -1)
		return -1;
	ep[16] = (unsigned char)(port >> 8);
	ep[17] = (unsigned char)port;
	return 0;
}

/* Text of an endpoint's address (from a key) into out. */
static const char *tt_addr_text(int family, const unsigned char *ep, char *out)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, ep, out, INET6_ADDRSTRLEN))
		out[0] = '\0';
	return out;
}

static int64_t tt_port(const unsigned char *ep)
{
	return (int64_t)ep[16] << 8 | ep[17];
}

/* --- pool, LRU and close queue ---------------------------------------------- */

static void tt_lru_unlink(struct tcp_track *t, uint32_t i)
{
	struct tt_conn *c = &t->conns[i];

	if (c->prev != TT_NIL)
		t->conns[c->prev].next = c->next;
	else
		t->lru_head = c->next;
	if (c->next != TT_NIL)
		t->conns[c->next].prev = c->prev;
	else
		t->lru_tail = c->prev;
	c->prev = c->next = TT_NIL;
}

static void tt_lru_append(struct tcp_track *t, uint32_t i)
{
	struct tt_conn *c = &t->conns[i];

	c->prev = t->lru_tail;
	c->next = TT_NIL;
	if (t->lru_tail != TT_NIL)
		t->conns[t->lru_tail].next = i;
	else
		t->lru_head = i;
	t->lru_tail = i;
}

/* Most recently active goes last. */
static void tt_lru_touch(struct tcp_track *t, uint32_t i)
{
	if (t->lru_tail == i)
		return;
	tt_lru_unlink(t, i);
	tt_lru_append(t, i);
}

/* A free slot (the pool grows by doubling, never per packet). */
static uint32_t tt_slot(struct tcp_track *t)
{
	uint32_t i;

	if (t->free_head != TT_NIL) {
		i = t->free_head;
		t->free_head = t->conns[i].next;
		return i;
	}
	if (t->nconns == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 1024;

		if (ncap > t->max_conns)
			ncap = t->max_conns;
		t->conns = xreallocarray(t->conns, ncap, sizeof(*t->conns));
		memset(t->conns + t->cap, 0, (ncap - t->cap) * sizeof(*t->conns));
		t->cap = ncap;
	}
	return (uint32_t)t->nconns++;
}

static void tt_due_push(struct tcp_track *t, uint32_t idx, uint32_t gen, int64_t due_ns)
{
	if (t->due_head + t->due_len == t->due_cap) {
		if (t->due_head > t->due_cap / 2) {
			memmove(t->due, t->due + t->due_head, t->due_len * sizeof(*t->due));
			t->due_head = 0;
		} else {
			t->due_cap = t->due_cap ? t->due_cap * 2 : 256;
			t->due = xreallocarray(t->due, t->due_cap, sizeof(*t->due));
		}
	}
	t->due[t->due_head + t->due_len].idx = idx;
	t->due[t->due_head + t->due_len].gen = gen;
	t->due[t->due_head + t->due_len].due_ns = due_ns;
	t->due_len++;
}

/* --- emission ------------------------------------------------------------------ */

static const char *tt_state(const struct tt_conn *c)
{
	const struct tt_side *in = &c->side[TCP_INITIATOR], *re = &c->side[TCP_RESPONDER];

	if (in->rsts || re->rsts) {
		if (c->syn_ns != SM_NONE && c->synack_ns == SM_NONE && re->rsts)
			return "refused";
		return "reset";
	}
	if (in->fin_seen && re->fin_seen)
		return "closed";
	if (in->fin_seen || re->fin_seen)
		return "half_closed";
	if (c->syn_ns != SM_NONE && c->synack_ns == SM_NONE && !re->packets)
		return "syn_sent";
	return "established";
}

/* The public view of side s. */
static void tt_side_out(const struct tt_side *s, struct tcp_side *o)
{
	o->fin_ns = s->fin_ns;
	o->rst_ns = s->rst_ns;
	o->last_data_ns = s->last_data_ns;
	o->fin_delay_ns = SM_NONE;
	if (s->fin_ns != SM_NONE && s->pre_fin_data_ns != SM_NONE)
		o->fin_delay_ns = s->fin_ns > s->pre_fin_data_ns ? s->fin_ns - s->pre_fin_data_ns : 0;
	o->fin_acked = s->fin_acked;
	o->packets = s->packets;
	o->bytes = s->bytes;
	o->retrans = s->retrans;
	o->zero_windows = s->zero_windows;
	o->rsts = s->rsts;
}

/* The first FIN or RST by time: side, kind and time into out. */
static void tt_closer(const struct tt_conn *c, struct tcp_conn *out)
{
	int i;

	out->closed_by = -1;
	out->close_kind = TCP_CLOSE_NONE;
	out->close_ns = SM_NONE;
	for (i = 0; i < 2; i++) {
		const struct tt_side *s = &c->side[i];

		if (s->fin_ns != SM_NONE && (out->close_ns == SM_NONE || s->fin_ns < out->close_ns)) {
			out->closed_by = i;
			out->close_kind = TCP_CLOSE_FIN;
			out->close_ns = s->fin_ns;
		}
		if (s->rst_ns != SM_NONE && (out->close_ns == SM_NONE || s->rst_ns < out->close_ns)) {
			out->closed_by = i;
			out->close_kind = TCP_CLOSE_RST;
			out->close_ns = s->rst_ns;
		}
	}
}

/* Hand connection i to the callback and drop it from the table. */
static int tt_emit(struct tcp_track *t, uint32_t i, enum tcp_end end)
{
	struct tt_conn *c = &t->conns[i];
	const unsigned char *a = c->key + 1, *b = c->key + 1 + TT_EP_LEN;
	const unsigned char *ini = c->a_is_init ? a : b, *res = c->a_is_init ? b : a;
	struct tcp_conn out;
	int rc;

	memset(&out, 0, sizeof(out));
	out.first_index = c->first_index;
	out.last_index = c->last_index;
	out.family = c->key[0];
	out.init_addr = tt_addr_text(out.family, ini, t->init_text);
	out.init_port = tt_port(ini);
	out.resp_addr = tt_addr_text(out.family, res, t->resp_text);
	out.resp_port = tt_port(res);
	out.init_rule = (enum tcp_init_rule)c->init_rule;
	out.first_ns = c->first_ns;
	out.last_ns = c->last_ns;
	out.syn_ns = c->syn_ns;
	out.synack_ns = c->synack_ns;
	tt_side_out(&c->side[TCP_INITIATOR], &out.side[TCP_INITIATOR]);
	tt_side_out(&c->side[TCP_RESPONDER], &out.side[TCP_RESPONDER]);
	tt_closer(c, &out);
	out.state = tt_state(c);
	out.end = end;
	out.open = end != TCP_END_CLOSED;

	t->st.emitted++;
	if (end == TCP_END_EVICTED)
		t->st.evicted++;
	else if (end == TCP_END_REUSED)
		t->st.reused++;
	rc = t->cb ? t->cb(t->ctx, &out) : 0;

	hashmap_del(&t->map, c->key, TT_KEY_LEN);
	tt_lru_unlink(t, i);
	c->in_use = 0;
	c->next = t->free_head;
	t->free_head = i;
	t->st.live--;
	return rc;
}

/* Emit closed connections whose grace period has passed. */
static int tt_expire(struct tcp_track *t)
{
	int rc = 0, r;

	while (t->due_len && t->due[t->due_head].due_ns < t->now_ns) {
		struct tt_due d = t->due[t->due_head];

		t->due_head++;
		t->due_len--;
		if (!t->due_len)
			t->due_head = 0;
		if (t->conns[d.idx].in_use && t->conns[d.idx].gen == d.gen) {
			r = tt_emit(t, d.idx, TCP_END_CLOSED);
			if (r && !rc)
				rc = r;
		}
	}
	return rc;
}

/* --- segments ----------------------------------------------------------------- */

/* Which side starts the connection this first segment belongs to. */
static int tt_src_is_init(const struct sm_packet_row *r, enum tcp_init_rule *rule)
{
	int64_t sp = r->src_port, dp = r->dst_port;

	if ((r->flags & (TT_SYN | TT_ACK)) == TT_SYN) {
		*rule = TCP_INIT_SYN;
		return 1;
	}
	if ((r->flags & (TT_SYN | TT_ACK)) == (TT_SYN | TT_ACK)) {
		*rule = TCP_INIT_SYNACK;
		return 0;
	}
	*rule = TCP_INIT_PORT;
	if ((sp < 1024) != (dp < 1024))
		return sp >= 1024;
	if ((sp >= 32768) != (dp >= 32768))
		return sp >= 32768;
	*rule = TCP_INIT_FIRST;
	return 1;
}

/* Create the entry for key; evicts when the table is full. */
static int tt_create(struct tcp_track *t, const unsigned char *key, int src_is_a,
		     const struct sm_packet_row *r, uint32_t *out)
{
	enum tcp_init_rule rule;
	struct tt_conn *c;
	uint32_t i, gen;
	int rc = 0, is_new, src_init, s;

	/* A closed entry waiting out its grace is done: it leaves as closed,
	 * not as an evicted open connection. */
	if (t->st.live >= t->max_conns)
		rc = tt_emit(t, t->lru_head, t->conns[t->lru_head].closed ? TCP_END_CLOSED : TCP_END_EVICTED);
	i = tt_slot(t);
	c = &t->conns[i];
	gen = c->gen + 1;
	memset(c, 0, sizeof(*c));
	memcpy(c->key, key, TT_KEY_LEN);
	c->in_use = 1;
	c->gen = gen;
	src_init = tt_src_is_init(r, &rule);
	c->init_rule = (uint8_t)rule;
	c->a_is_init = (uint8_t)(src_init == src_is_a);
	c->first_ns = c->last_ns = r->ts_ns;
	c->syn_ns = c->synack_ns = c->last_data_ns = SM_NONE;
	c->first_index = c->last_index = r->index;
	for (s = 0; s < 2; s++) {
		c->side[s].fin_ns = c->side[s].rst_ns = SM_NONE;
		c->side[s].last_data_ns = c->side[s].pre_fin_data_ns = SM_NONE;
	}
	memcpy(hashmap_put(&t->map, key, TT_KEY_LEN, &is_new), &i, sizeof(i));
	tt_lru_append(t, i);
	t->st.conns++;
	t->st.live++;
	if (t->st.live > t->st.max_live)
		t->st.max_live = t->st.live;
	*out = i;
	return rc;
}

/*
 * Does a SYN (no ACK) from side `role` start a new connection on c? Not
 * when it repeats that side's SYN (a retransmission), nor when that side
 * sent nothing yet or the peer's SYN-ACK acknowledges it (the capture saw
 * the handshake out of order). Always when c is closed.
 */
static int tt_syn_is_new(const struct tt_conn *c, int role, uint32_t seq)
{
	const struct tt_side *s = &c->side[role], *o = &c->side[!role];

	if (c->closed)
		return 1;
	if (s->syn_seen)
		return s->isn != seq;
	return s->packets && !(o->syn_seen && o->synack_ack == seq + 1);
}

/* Classify a non-SYN segment with payload against the side's sequence space. */
static void tt_seq_data(struct tt_side *s, uint32_t seq, uint32_t len, int *newdata, int *retrans)
{
	uint32_t end = seq + len;

	if (seq_ge(seq, s->snd_max)) {
		if (seq != s->snd_max) {
			s->has_hole = 1;
			s->hole_lo = s->snd_max;
			s->hole_hi = seq;
		}
		s->snd_max = end;
		*newdata = 1;
	} else if (seq_le(end, s->snd_max)) {
		if (s->has_hole && seq_ge(seq, s->hole_lo) && seq_le(end, s->hole_hi)) {
			*newdata = 1;   /* seen late, not resent */
			if (seq == s->hole_lo)
				s->hole_lo = end;
			else
				s->hole_hi = seq;
			if (!seq_lt(s->hole_lo, s->hole_hi))
				s->has_hole = 0;
		} else if (!(len == 1 && seq == s->snd_max - 1)) {
			*retrans = 1;   /* (a 1-byte probe at snd_max - 1 is a keep-alive) */
		}
	} else {
		*retrans = 1;
		*newdata = 1;
		s->snd_max = end;
	}
}

/* Account segment r, sent by side `role`, to connection c. */
static void tt_update(struct tcp_track *t, struct tt_conn *c, int role, const struct sm_packet_row *r)
{
	struct tt_side *s = &c->side[role], *o = &c->side[!role];
	int64_t ts = r->ts_ns;
	uint32_t len = r->payload_len > 0 && r->payload_len <= UINT32_MAX / 2 ? (uint32_t)r->payload_len : 0;
	unsigned fl = r->flags;
	int newdata = 0, retrans = 0, i;

	tt_min(&c->first_ns, ts);
	tt_max(&c->last_ns, ts);
	if (r->index > c->last_index)
		c->last_index = r->index;
	s->packets++;
	s->bytes += len;
	if (fl & TT_RST) {
		s->rsts++;
		tt_min(&s->rst_ns, ts);
	} else if (r->window == 0) {
		s->zero_windows++;
	}
	if ((fl & TT_ACK) && o->fin_seen && seq_ge(r->ack, o->fin_seq + 1))
		o->fin_acked = 1;

	if (fl & TT_SYN) {
		if (s->syn_seen) {
			retrans = 1;
		} else {
			s->syn_seen = 1;
			s->seq_known = 1;
			s->isn = r->seq;
			s->snd_max = r->seq + 1 + len;
			newdata = len > 0;   /* TCP Fast Open */
			if (fl & TT_ACK) {
				s->synack_ack = r->ack;
				tt_min(&c->synack_ns, ts);
			} else {
				tt_min(&c->syn_ns, ts);
				if (role == TCP_INITIATOR)
					c->init_rule = TCP_INIT_SYN;
			}
		}
	} else if (!(fl & TT_RST)) {
		if (!s->seq_known) {
			s->seq_known = 1;
			s->snd_max = r->seq;
		}
		if (len)
			tt_seq_data(s, r->seq, len, &newdata, &retrans);
	}
	if (fl & TT_FIN) {
		uint32_t fin_seq = r->seq + len + ((fl & TT_SYN) ? 1 : 0);

		if (s->fin_seen || (s->seq_known && seq_lt(fin_seq, s->snd_max))) {
			/* a FIN again, or one in sequence space already used */
			retrans = 1;
		}
		if (!s->fin_seen) {
			s->fin_seen = 1;
			s->fin_seq = fin_seq;
			s->fin_ns = ts;
			s->pre_fin_data_ns = c->last_data_ns;
			if (seq_lt(s->snd_max, fin_seq + 1))
				s->snd_max = fin_seq + 1;
		}
	}
	if (newdata) {
		tt_max(&s->last_data_ns, ts);
		tt_max(&c->last_data_ns, ts);
		/* Late-captured data still counts for a FIN it preceded. */
		for (i = 0; i < 2; i++)
			if (c->side[i].fin_seen && ts <= c->side[i].fin_ns)
				tt_max(&c->side[i].pre_fin_data_ns, ts);
	}
	s->retrans += (uint64_t)retrans;

	if (!c->closed && ((c->side[0].fin_seen && c->side[1].fin_seen) ||
			   c->side[0].rsts || c->side[1].rsts)) {
		c->closed = 1;
		tt_due_push(t, (uint32_t)(c - t->conns), c->gen, ts + t->grace_ns);
	}
}

int tcp_track_packet(struct tcp_track *t, const struct sm_packet_row *r)
{
	unsigned char src[TT_EP_LEN], dst[TT_EP_LEN], key[TT_KEY_LEN];
	struct tt_conn *c;
	uint32_t i = TT_NIL;
	void *v;
	int src_is_a, role, rc = 0, r2;

	if (tt_endpoint(t, r->family, r->src_addr, r->src_port, src) < 0 ||
	    tt_endpoint(t, r->family, r->dst_addr, r->dst_port, dst) < 0 ||
	    r->ts_ns == SM_NONE) {
		t->st.bad_rows++;
		return 0;
	}
	t->st.packets++;
	if (r->ts_ns > t->now_ns)
		t->now_ns = r->ts_ns;
	src_is_a = memcmp(src, dst, TT_EP_LEN) <= 0;
	key[0] = (unsigned char)r->family;
	memcpy(key + 1, src_is_a ? src : dst, TT_EP_LEN);
	memcpy(key + 1 + TT_EP_LEN, src_is_a ? dst : src, TT_EP_LEN);

	v = hashmap_get(&t->map, key, TT_KEY_LEN);
	if (v) {
		memcpy(&i, v, sizeof(i));
		c = &t->conns[i];
		role = (src_is_a == c->a_is_init) ? TCP_INITIATOR : TCP_RESPONDER;
		if ((r->flags & (TT_SYN | TT_ACK)) == TT_SYN && tt_syn_is_new(c, role, r->seq)) {
			rc = tt_emit(t, i, c->closed ? TCP_END_CLOSED : TCP_END_REUSED);
			i = TT_NIL;
		}
	}
	if (i == TT_NIL) {
		r2 = tt_create(t, key, src_is_a, r, &i);
		if (r2 && !rc)
			rc = r2;
	}
	c = &t->conns[i];
	role = (src_is_a == c->a_is_init) ? TCP_INITIATOR : TCP_RESPONDER;
	tt_lru_touch(t, i);
	tt_update(t, c, role, r);
	r2 = tt_expire(t);
	return rc ? rc : r2;
}

/* Order for tcp_track_finish: first segment first. */
static int tt_cmp_first(const void *pa, const void *pb, void *arg)
{
	const struct tt_conn *conns = arg;
	const struct tt_conn *a = &conns[*(const uint32_t *)pa], *b = &conns[*(const uint32_t *)pb];

	if (a->first_index != b->first_index)
		return a->first_index < b->first_index ? -1 : 1;
	if (a->first_ns != b->first_ns)
		return a->first_ns < b->first_ns ? -1 : 1;
	return 0;
}

int tcp_track_finish(struct tcp_track *t)
{
	uint32_t *order = NULL;
	size_t n = 0, k;
	int rc = 0;

	if (!t->st.live)
		return 0;
	order = xreallocarray(NULL, t->st.live, sizeof(*order));
	for (k = 0; k < t->nconns; k++)
		if (t->conns[k].in_use)
			order[n++] = (uint32_t)k;
	qsort_r(order, n, sizeof(*order), tt_cmp_first, t->conns);
	for (k = 0; k < n && !rc; k++)
		rc = tt_emit(t, order[k], t->conns[order[k]].closed ? TCP_END_CLOSED : TCP_END_OPEN);
	t->due_head = t->due_len = 0;
	free(order);
	return rc;
}

struct tcp_track *tcp_track_new(const struct tcp_track_opts *opts, tcp_conn_fn conn, void *ctx)
{
	struct tcp_track *t = xcalloc(1, sizeof(*t));

	t->cb = conn;
	t->ctx = ctx;
	t->grace_ns = opts && opts->grace_ns > 0 ? opts->grace_ns : TT_DEFAULT_GRACE_NS;
	t->max_conns = opts && opts->max_conns ? opts->max_conns : TT_DEFAULT_MAX;
	if (t->max_conns >= TT_NIL)
		t->max_conns = TT_NIL - 1;
	t->free_head = t->lru_head = t->lru_tail = TT_NIL;
	t->now_ns = INT64_MIN;
	hashmap_init(&t->map, TT_KEY_LEN, sizeof(uint32_t));
	return t;
}

void tcp_track_get_stats(const struct tcp_track *t, struct tcp_track_stats *out)
{
	*out = t->st;
}

void tcp_track_free(struct tcp_track *t)
{
	if (!t)
		return;
	hashmap_free(&t->map);
	free(t->conns);
	free(t->due);
	free(t);
}
