/*
 * parse_pcap: TCP segments from pcap and pcapng captures.
 *
 * Files: libpcap's savefile reader (pcap-savefile(5), pcapng draft-ietf-
 * opsawg-pcapng) does the container: either byte order, microsecond or
 * nanosecond magic (a1b2c3d4 / a1b23c4d), pcapng sections and interfaces.
 * We open it with nanosecond precision, so pkthdr.ts.tv_usec holds
 * nanoseconds. A record is pkthdr {ts, caplen, len} + caplen bytes; caplen
 * < len when the snaplen cut the frame (headers-only captures).
 *
 * Link layers (www.tcpdump.org/linktypes.html), with the offset of the IP
 * header and how its version is found:
 *
 *   DLT_EN10MB      dst(6) src(6) type(2); type 8100/88a8/9100 = a VLAN tag
 *                   TCI(2) type(2), repeated; 0800 IPv4, 86dd IPv6
 *   DLT_LINUX_SLL   pkttype(2) arphrd(2) halen(2) addr(8) protocol(2)  = 16
 *   DLT_LINUX_SLL2  protocol(2) rsvd(2) ifindex(4) arphrd(2) pkttype(1)
 *                   halen(1) addr(8)                                   = 20
 *   DLT_NULL        family(4) in the byte order of the capturing host
 *   DLT_LOOP        family(4) in network byte order (OpenBSD)
 *                   family: AF_INET 2; AF_INET6 24 (Net/OpenBSD), 28
 *                   (FreeBSD), 30 (Darwin), 10 (Linux writers). Either order is accepted: a
 *                   family never has bits in its upper half, so when it
 *                   does the value is swapped.
 *   DLT_RAW         the IP header, version in its first nibble
 *   DLT_IPV4/IPV6   (LINKTYPE 228/229) the IP header of that version
 *
 * IPv4 (RFC 791):
 *   0      4      8              16     19                     31
 *   |ver|ihl| tos |          total length                       |
 *   |        id          |flags|     fragment offset            |
 *   | ttl  | protocol    |      header checksum                 |
 *   source (4) destination (4) options (ihl*4 - 20)
 * A fragment with a non-zero offset carries no TCP header: counted and
 * skipped. The first fragment's TCP header is read; its payload length is
 * that of the fragment. Total length 0 means the sender handed a TSO/GSO
 * super-packet to the tap (Linux BIG TCP for IPv4 does this): the length
 * comes from the wire length.
 *
 * IPv6 (RFC 8200): ver/class/flow(4) payload length(2) next header(1) hop
 * limit(1) source(16) destination(16), then extension headers: hop-by-hop
 * (0), routing (43), destination options (60): next(1) len(1) in 8-byte
 * units not counting the first; fragment (44): 8 bytes, offset in the top
 * 13 bits of bytes 2-3; AH (51): len in 4-byte units, plus 2. A hop-by-hop
 * Jumbo option (type c2, RFC 2675) gives the length when payload length is
 * 0. BIG TCP (Linux 5.19+): payload length 0 and no Jumbo option, as
 * tcpdump's bigtcp-ipv6 test shows -- the length comes from the wire length.
 *
 * TCP (RFC 9293): sport(2) dport(2) seq(4) ack(4) doff/rsvd(1) flags(1)
 * window(2) checksum(2) urgent(2), options to doff*4. Only the fixed 20
 * bytes must be captured; payload = IP payload - doff*4, whatever was cut.
 *
 * Every read goes through a checked cursor (tcpdump's GET_ habit): a range
 * [p, end) and reads at an offset that fail when they would leave it.
 * Addresses are formatted once per distinct address (IPv6 through a small
 * cache, IPv4 by hand), not with inet_ntop per packet.
 */
#include "parse_pcap.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* --- checked cursor ------------------------------------------------------ */

struct pc_cur {
	const unsigned char *p;
	const unsigned char *end;
};

/* Are n bytes available at offset off? */
static inline int pc_has(const struct pc_cur *c, size_t off, size_t n)
{
	size_t avail = (size_t)(c->end - c->p);

	return off <= avail && n <= avail - off;
}

static inline uint16_t pc_be16(const unsigned char *b)
{
	return (uint16_t)((unsigned)b[0] << 8 | b[1]);
}

static inline uint32_t pc_be32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Read a big-endian u16 at off; -1 when it is not there. */
static inline int pc_get16(const struct pc_cur *c, size_t off, uint16_t *v)
{
	if (!pc_has(c, off, 2))
		return -1;
	*v = pc_be16(c->p + off);
	return 0;
}

/* Move the start of the cursor forward by n bytes; -1 when it would leave. */
static inline int pc_skip(struct pc_cur *c, size_t n)
{
	if (!pc_has(c, 0, n))
		return -1;
	c->p += n;
	return 0;
}

/* --- state ---------------------------------------------------------------- */

#define PC_V6CACHE 64

struct pc_v6name {
	unsigned char addr[16];
	int valid;
	char text[INET6_ADDRSTRLEN];
};

struct pc_state {
	const struct sm_sink *sink;
	struct pcap_stats_out *st;
	pcap_t *pcap;
	int dlt;
	unsigned nwarn;
	struct pc_v6name v6[PC_V6CACHE];
	char src4[16], dst4[16];
	char dst6[INET6_ADDRSTRLEN];   /* dst when it shares src's cache slot */
};

/* What one record turned out to be. */
enum pc_kind { PC_TCP, PC_NON_TCP, PC_FRAGMENT, PC_CUT, PC_MALFORMED };

/* A decoded record: the network and transport fields a row needs. */
struct pc_pkt {
	int family;                 /* 4 or 6 */
	const unsigned char *src;   /* into the record */
	const unsigned char *dst;
	size_t ip_payload;          /* bytes after the IP headers, per the IP lengths */
	char why[128];              /* for PC_MALFORMED */
};

/* Where the stream is now (the end of the record just read); 0 if unknown. */
static uint64_t pc_offset(const struct pc_state *s)
{
	FILE *f = s->pcap ? pcap_file(s->pcap) : NULL;
	long off = f ? ftell(f) : -1;

	return off < 0 ? 0 : (uint64_t)off;
}

/* Report through sink->warn, at most PCAP_MAX_WARN times per parse. */
__attribute__((format(printf, 2, 3)))
static void pc_warn(struct pc_state *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!s->sink || !s->sink->warn)
		return;
	s->nwarn++;
	if (s->nwarn > PCAP_MAX_WARN + 1)
		return;
	if (s->nwarn == PCAP_MAX_WARN + 1) {
		s->sink->warn(s->sink->ctx, pc_offset(s),
			      "pcap: further warnings suppressed (see the counters)");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->sink->warn(s->sink->ctx, pc_offset(s), msg);
}

/* --- addresses ------------------------------------------------------------ */

/* Dotted quad into out (16 bytes); returns out. */
static const char *pc_fmt4(const unsigned char *a, char *out)
{
	char *o = out;
	int i;

	for (i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (v >= 100) {
			*o++ = (char)('0' + v / 100);
			v %= 100;
			*o++ = (char)('0' + v / 10);
			*o++ = (char)('0' + v % 10);
		} else if (v >= 10) {
			*o++ = (char)('0' + v / 10);
			*o++ = (char)('0' + v % 10);
		} else {
			*o++ = (char)('0' + v);
		}
		*o++ = i < 3 ? '.' : '\0';
	}
	return out;
}

/*
 * RFC 5952 text of an IPv6 address, from a direct-mapped cache. When the
 * address would evict the entry `keep` (the source of the same packet,
 * still in use), it is formatted into `spare` instead.
 */
static const char *pc_fmt6(struct pc_state *s, const unsigned char *a,
			   const char *keep, char *spare)
{
	uint32_t w[4], h;
	struct pc_v6name *e;

	memcpy(w, a, 16);
	h = (w[0] ^ w[1] ^ w[2] ^ w[3]) * 2654435761u;
	e = &s->v6[h >> 26];   /* 64 entries */
	if (e->valid && !memcmp(e->addr, a, 16))
		return e->text;
	if (keep == e->text) {
		if (!inet_ntop(AF_INET6, a, spare, INET6_ADDRSTRLEN))
			spare[0] = '\0';
		return spare;
	}
	memcpy(e->addr, a, 16);
	/* inet_ntop cannot fail for AF_INET6 and a buffer this size. */
	if (!inet_ntop(AF_INET6, a, e->text, sizeof(e->text)))
		e->text[0] = '\0';
	e->valid = 1;
	return e->text;
}

/* --- link layer ----------------------------------------------------------- */

/*
 * Strip the link header: on return c starts at the network header and
 * *ver is 4, 6, or 0 for "decide from the version nibble". PC_NON_TCP for
 * frames that carry neither IP version.
 */
static enum pc_kind pc_ethertype(struct pc_cur *c, uint16_t type, int *ver)
{
	/* VLAN tags (802.1Q, 802.1ad and the old QinQ value): TCI, type. */
	while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
		if (pc_get16(c, 2, &type) < 0)
			return PC_CUT;
		c->p += 4;
	}
	if (type == 0x0800)
		*ver = 4;
	else if (type == 0x86dd)
		*ver = 6;
	else
		return PC_NON_TCP;
	return PC_TCP;
}

/* The BSD loopback family word, in either byte order, as an IP version. */
static enum pc_kind pc_bsd_family(const struct pc_cur *c, int *ver)
{
	uint32_t fam;

	if (!pc_has(c, 0, 4))
		return PC_CUT;
	fam = pc_be32(c->p);
	if (fam & 0xffff0000u)
		fam = (fam >> 24) | ((fam >> 8) & 0xff00u) | ((fam << 8) & 0xff0000u) | (fam << 24);
	switch (fam) {
	case 2:
		*ver = 4;
		return PC_TCP;
	case 10: case 24: case 28: case 30:
		*ver = 6;
		return PC_TCP;
	default:
		return PC_NON_TCP;
	}
}

static enum pc_kind pc_link(int dlt, struct pc_cur *c, int *ver)
{
	uint16_t type;
	enum pc_kind k;

	*ver = 0;
	switch (dlt) {
	case DLT_EN10MB:
		if (pc_get16(c, 12, &type) < 0)
			return PC_CUT;
		c->p += 14;
		return pc_ethertype(c, type, ver);
	case DLT_LINUX_SLL:
		if (pc_get16(c, 14, &type) < 0 || !pc_has(c, 0, 16))
			return PC_CUT;
		c->p += 16;
		return pc_ethertype(c, type, ver);
	case DLT_LINUX_SLL2:
		if (pc_get16(c, 0, &type) < 0 || !pc_has(c, 0, 20))
			return PC_CUT;
		c->p += 20;
		return pc_ethertype(c, type, ver);
	case DLT_NULL:
	case DLT_LOOP:
		k = pc_bsd_family(c, ver);
		if (k == PC_TCP)
			c->p += 4;
		return k;
	case DLT_RAW:
		return PC_TCP;
	case DLT_IPV4:
		*ver = 4;
		return PC_TCP;
	case DLT_IPV6:
		*ver = 6;
		return PC_TCP;
	default:
		return PC_NON_TCP;
	}
}

static int pc_dlt_supported(int dlt)
{
	return dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 ||
	       dlt == DLT_NULL || dlt == DLT_LOOP || dlt == DLT_RAW ||
	       dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

/* --- network layer -------------------------------------------------------- */

/* Say why the record is malformed; returns PC_MALFORMED. */
__attribute__((format(printf, 2, 3)))
static enum pc_kind pc_malformed(struct pc_pkt *pk, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pk->why, sizeof(pk->why), fmt, ap);
	va_end(ap);
	return PC_MALFORMED;
}

/*
 * IPv4 header at c (wire bytes from here: wire). On PC_TCP, c starts at the
 * TCP header and pk->ip_payload is the TCP segment length.
 */
static enum pc_kind pc_ipv4(struct pc_cur *c, size_t wire, struct pc_pkt *pk)
{
	const unsigned char *h;
	size_t ihl, tot;

	if (!pc_has(c, 0, 20))
		return PC_CUT;
	h = c->p;
	if (h[0] >> 4 != 4)
		return pc_malformed(pk, "IPv4 header with version %u", h[0] >> 4);
	ihl = (size_t)(h[0] & 0x0f) * 4;
	tot = pc_be16(h + 2);
	if (ihl < 20)
		return pc_malformed(pk, "IPv4 header length %u < 20", (unsigned)ihl);
	if (tot == 0)
		tot = wire;   /* TSO / BIG TCP: the tap saw the super-packet */
	if (tot < ihl)
		return pc_malformed(pk, "IPv4 total length %u < header length %u",
				    (unsigned)tot, (unsigned)ihl);
	if (tot > wire)
		return pc_malformed(pk, "IPv4 total length %u beyond the frame (%u bytes)",
				    (unsigned)tot, (unsigned)wire);
	if (pc_be16(h + 6) & 0x1fff)
		return PC_FRAGMENT;
	if (h[9] != 6)
		return PC_NON_TCP;
	pk->family = 4;
	pk->src = h + 12;
	pk->dst = h + 16;
	pk->ip_payload = tot - ihl;
	if (pc_skip(c, ihl) < 0)
		return PC_CUT;
	return PC_TCP;
}

/* Scan a hop-by-hop options header for a Jumbo Payload option. */
static void pc_hbh_jumbo(const unsigned char *opt, size_t len, uint32_t *jumbo)
{
	size_t i = 2;

	while (i < len) {
		if (opt[i] == 0) {          /* Pad1 */
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + opt[i + 1] > len)
			return;
		if (opt[i] == 0xc2 && opt[i + 1] == 4)
			*jumbo = pc_be32(opt + i + 2);
		i += 2 + (size_t)opt[i + 1];
	}
}

/* Walk the IPv6 extension headers to TCP; see pc_ipv4 for the contract. */
static enum pc_kind pc_ipv6(struct pc_cur *c, size_t wire, struct pc_pkt *pk)
{
	const unsigned char *h;
	size_t plen, off = 40, hl;
	unsigned nh, hops;
	uint32_t jumbo = 0;

	if (!pc_has(c, 0, 40))
		return PC_CUT;
	h = c->p;
	if (h[0] >> 4 != 6)
		return pc_malformed(pk, "IPv6 header with version %u", h[0] >> 4);
	plen = pc_be16(h + 4);
	nh = h[6];
	if (wire < 40)
		return pc_malformed(pk, "IPv6 frame of %u bytes", (unsigned)wire);
	for (hops = 0;; hops++) {
		if (hops > 16)
			return pc_malformed(pk, "more than %u IPv6 extension headers", 16u);
		if (nh == 6)
			break;
		if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
			return PC_NON_TCP;   /* ICMPv6, UDP, ESP, no next header... */
		if (!pc_has(c, off, 8))
			return PC_CUT;
		if (nh == 44) {
			if (pc_be16(c->p + off + 2) & 0xfff8)
				return PC_FRAGMENT;
			hl = 8;
		} else if (nh == 51) {
			hl = ((size_t)c->p[off + 1] + 2) * 4;
		} else {
			hl = ((size_t)c->p[off + 1] + 1) * 8;
		}
		if (!pc_has(c, off, hl))
			return PC_CUT;
		if (nh == 0 && off == 40)
			pc_hbh_jumbo(c->p + off, hl, &jumbo);
		nh = c->p[off];
		off += hl;
	}
	if (plen == 0)
		plen = jumbo ? jumbo : wire - 40;   /* Jumbogram, else BIG TCP */
	if (plen > wire - 40)
		return pc_malformed(pk, "IPv6 payload length %u beyond the frame (%u bytes)",
				    (unsigned)plen, (unsigned)(wire - 40));
	if (off - 40 > plen)
		return pc_malformed(pk, "IPv6 extension headers (%u bytes) beyond payload length %u",
				    (unsigned)(off - 40), (unsigned)plen);
	pk->family = 6;
	pk->src = h + 8;
	pk->dst = h + 24;
	pk->ip_payload = plen - (off - 40);
	c->p += off;
	return PC_TCP;
}

/* --- records --------------------------------------------------------------- */

/* The TCP header at c: fill the row's transport fields. */
static enum pc_kind pc_tcp(const struct pc_cur *c, struct pc_pkt *pk, struct sm_packet_row *row)
{
	const unsigned char *t;
	size_t doff;

	if (!pc_has(c, 0, 20))
		return PC_CUT;
	t = c->p;
	if (pk->ip_payload < 20)
		return pc_malformed(pk, "TCP segment of %u bytes < 20", (unsigned)pk->ip_payload);
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || doff > pk->ip_payload)
		return pc_malformed(pk, "TCP data offset %u outside the segment (%u bytes)",
				    (unsigned)doff, (unsigned)pk->ip_payload);
	row->src_port = pc_be16(t);
	row->dst_port = pc_be16(t + 2);
	row->seq = pc_be32(t + 4);
	row->ack = pc_be32(t + 8);
	row->flags = t[13];
	row->window = pc_be16(t + 14);
	row->payload_len = (int64_t)(pk->ip_payload - doff);
	return PC_TCP;
}

/* Decode one record into row (network and transport parts). */
static enum pc_kind pc_decode(struct pc_state *s, const struct pcap_pkthdr *h,
			      const unsigned char *data, struct pc_pkt *pk,
			      struct sm_packet_row *row)
{
	struct pc_cur c = { data, data + h->caplen };
	size_t wire, used;
	enum pc_kind k;
	int ver;

	k = pc_link(s->dlt, &c, &ver);
	if (k != PC_TCP)
		return k;
	if (!ver) {
		if (!pc_has(&c, 0, 1))
			return PC_CUT;
		ver = c.p[0] >> 4;
		if (ver != 4 && ver != 6)
			return PC_NON_TCP;
	}
	/* Wire bytes from the network header on; caplen > len is believed. */
	used = (size_t)(c.p - data);
	wire = (h->len > h->caplen ? h->len : h->caplen);
	wire = wire > used ? wire - used : 0;
	k = ver == 4 ? pc_ipv4(&c, wire, pk) : pc_ipv6(&c, wire, pk);
	if (k != PC_TCP)
		return k;
	return pc_tcp(&c, pk, row);
}

/* Nanoseconds since the epoch; -1 when they do not fit an int64_t. */
static int pc_time(const struct pcap_pkthdr *h, int64_t *ns)
{
	int64_t sec = (int64_t)h->ts.tv_sec, frac = (int64_t)h->ts.tv_usec;

	if (sec < 0 || sec > INT64_MAX / 1000000000 - 1 || frac < 0 || frac >= 1000000000)
		return -1;
	*ns = sec * 1000000000 + frac;
	return 0;
}

/* Count, decode and emit one record: 0 or the callback's value. */
static int pc_record(struct pc_state *s, const struct pcap_pkthdr *h, const unsigned char *data)
{
	struct pcap_stats_out *st = s->st;
	struct sm_packet_row row;
	struct pc_pkt pk;
	uint64_t index = st->packets++;
	int64_t ts;
	enum pc_kind k;

	st->wire_bytes += h->len;
	row.truncated = h->caplen < h->len;
	if (row.truncated)
		st->truncated++;
	if (pc_time(h, &ts) < 0) {
		st->malformed++;
		pc_warn(s, "pcap: packet %llu: timestamp out of range", (unsigned long long)index);
		return 0;
	}
	if (st->first_ns == SM_NONE || ts < st->first_ns)
		st->first_ns = ts;
	if (st->last_ns == SM_NONE || ts > st->last_ns)
		st->last_ns = ts;
	k = pc_decode(s, h, data, &pk, &row);
	switch (k) {
	case PC_TCP:
		break;
	case PC_FRAGMENT:
		st->fragments++;
		/* fall through */
	case PC_NON_TCP:
		st->non_tcp++;
		return 0;
	case PC_CUT:
		st->cut++;
		return 0;
	case PC_MALFORMED:
		st->malformed++;
		pc_warn(s, "pcap: packet %llu: %s, skipped", (unsigned long long)index, pk.why);
		return 0;
	}
	st->tcp++;
	row.index = index;
	row.ts_ns = ts;
	row.family = pk.family;
	if (pk.family == 4) {
		row.src_addr = pc_fmt4(pk.src, s->src4);
		row.dst_addr = pc_fmt4(pk.dst, s->dst4);
	} else {
		row.src_addr = pc_fmt6(s, pk.src, NULL, NULL);
		row.dst_addr = pc_fmt6(s, pk.dst, row.src_addr, s->dst6);
	}
	return s->sink && s->sink->packet ? s->sink->packet(s->sink->ctx, &row) : 0;
}

static void pc_stats_reset(struct pcap_stats_out *st)
{
	memset(st, 0, sizeof(*st));
	st->linktype = -1;
	st->first_ns = st->last_ns = SM_NONE;
}

int parse_pcap_fp(FILE *f, const struct sm_sink *sink, struct pcap_stats_out *st)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_stats_out local;
	struct pc_state *s = NULL;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r, ret = 0;

	if (!st)
		st = &local;
	pc_stats_reset(st);
	s = calloc(1, sizeof(*s));
	if (!s) {
		fclose(f);
		return -1;
	}
	s->sink = sink;
	s->st = st;
	errbuf[0] = '\0';
	s->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!s->pcap) {
		fclose(f);
		pc_warn(s, "pcap: not a pcap or pcapng capture: %s", errbuf);
		ret = -1;
		goto out;
	}
	s->dlt = st->linktype = pcap_datalink(s->pcap);
	st->swapped = pcap_is_swapped(s->pcap);
	if (!pc_dlt_supported(s->dlt)) {
		const char *name = pcap_datalink_val_to_name(s->dlt);

		pc_warn(s, "pcap: unsupported link type %d (%s): no TCP decoded", s->dlt,
			name ? name : "unknown");
		ret = -1;
		goto out;
	}
	while ((r = pcap_next_ex(s->pcap, &h, &data)) == 1) {
		ret = pc_record(s, h, data);
		if (ret)
			goto out;
	}
	if (r == PCAP_ERROR) {
		st->read_error = 1;
		pc_warn(s, "pcap: stopped after packet %llu: %s", (unsigned long long)st->packets,
			pcap_geterr(s->pcap));
	}
out:
	if (s->nwarn > PCAP_MAX_WARN + 1 && sink && sink->warn) {
		char msg[96];

		snprintf(msg, sizeof(msg), "pcap: %u more warnings suppressed",
			 s->nwarn - PCAP_MAX_WARN - 1);
		sink->warn(sink->ctx, pc_offset(s), msg);
	}
	if (s->pcap)
		pcap_close(s->pcap);
	free(s);
	return ret;
}

int parse_pcap(const char *buf, size_t len, const struct sm_sink *sink, struct pcap_stats_out *st)
{
	union { const char *c; void *v; } u = { buf };
	FILE *f;

	if (!buf || !len) {
		if (st)
			pc_stats_reset(st);
		if (sink && sink->warn)
			sink->warn(sink->ctx, 0, "pcap: empty input, not a capture");
		return -1;
	}
	f = fmemopen(u.v, len, "rb");
	if (!f) {
		if (st)
			pc_stats_reset(st);
		if (sink && sink->warn)
			sink->warn(sink->ctx, 0, "pcap: cannot open the buffer as a stream");
		return -1;
	}
	return parse_pcap_fp(f, sink, st);
}

const char *parse_pcap_linktype_name(int linktype)
{
	return linktype < 0 ? NULL : pcap_datalink_val_to_name(linktype);
}
