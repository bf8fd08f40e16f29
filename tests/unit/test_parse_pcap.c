/*
 * Unit tests for parse_pcap: every capture of tests/data/corpus/pcap with
 * the figures tcpdump 4.99 and tshark 4.0 give for it (recorded below;
 * the commands are in the comment of corpus_expect), every link type we
 * decode built by hand, and hostile input: garbage, bad magic, truncated
 * file and record headers, absurd lengths, headers that contradict
 * themselves, warning floods. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "parse_pcap.h"

#define CORPUS "tests/data/corpus/pcap/"

/* ---- a recording sink ------------------------------------------------------ */

struct prow {
	struct sm_packet_row r;
	char src[48], dst[48];
};

struct prec {
	struct prow *rows;
	size_t n, cap;
	size_t nwarn;
	uint64_t warn_line[64];
	char warn_msg[64][256];
	size_t stop_at;      /* return stop_rc when this many rows were seen */
	int stop_rc;
};

static int prec_packet(void *ctx, const struct sm_packet_row *r)
{
	struct prec *p = ctx;

	/* What rows.h promises of every row. */
	assert_true(r->family == 4 || r->family == 6);
	assert_non_null(r->src_addr);
	assert_non_null(r->dst_addr);
	assert_true(r->src_port >= 0 && r->src_port <= 65535);
	assert_true(r->dst_port >= 0 && r->dst_port <= 65535);
	assert_true(r->payload_len >= 0);
	assert_true(r->flags <= 0xff);
	assert_true(r->window <= 0xffff);
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 64;
		p->rows = realloc(p->rows, p->cap * sizeof(*p->rows));
		assert_non_null(p->rows);
	}
	p->rows[p->n].r = *r;
	snprintf(p->rows[p->n].src, sizeof(p->rows[p->n].src), "%s", r->src_addr);
	snprintf(p->rows[p->n].dst, sizeof(p->rows[p->n].dst), "%s", r->dst_addr);
	p->rows[p->n].r.src_addr = p->rows[p->n].src;
	p->rows[p->n].r.dst_addr = p->rows[p->n].dst;
	p->n++;
	return p->stop_at && p->n >= p->stop_at ? p->stop_rc : 0;
}

static void prec_warn(void *ctx, uint64_t line, const char *msg)
{
	struct prec *p = ctx;

	assert_non_null(msg);
	assert_true(msg[0] != '\0');
	if (p->nwarn < 64) {
		p->warn_line[p->nwarn] = line;
		snprintf(p->warn_msg[p->nwarn], sizeof(p->warn_msg[0]), "%s", msg);
	}
	p->nwarn++;
}

static struct sm_sink prec_sink(struct prec *p)
{
	struct sm_sink s;

	memset(&s, 0, sizeof(s));
	s.ctx = p;
	s.packet = prec_packet;
	s.warn = prec_warn;
	return s;
}

/* Point the rows' strings at their copies again (the array moved as it grew). */
static void prec_fix(struct prec *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		p->rows[i].r.src_addr = p->rows[i].src;
		p->rows[i].r.dst_addr = p->rows[i].dst;
	}
}

static void prec_free(struct prec *p)
{
	free(p->rows);
	memset(p, 0, sizeof(*p));
}

/* The counters always add up: every record is exactly one kind. */
static void check_stats(const struct pcap_stats_out *st, const struct prec *p)
{
	assert_int_equal(st->packets, st->tcp + st->non_tcp + st->cut + st->malformed);
	assert_int_equal(st->tcp, p->n);
	assert_true(st->fragments <= st->non_tcp);
	assert_true(st->truncated <= st->packets);
}

/* Parse a buffer of exactly len bytes (ASan sees any read past the end). */
static int run_buf(struct prec *p, const void *data, size_t len, struct pcap_stats_out *st)
{
	struct sm_sink s = prec_sink(p);
	char *copy = len ? exact_copy(data, len) : NULL;
	int r = parse_pcap(copy, len, &s, st);

	free(copy);
	prec_fix(p);
	return r;
}

static int run_file(struct prec *p, const char *path, struct pcap_stats_out *st)
{
	size_t len = 0;
	char *data = read_corpus_file(path, &len);
	struct sm_sink s = prec_sink(p);
	int r;

	assert_non_null(data);
	r = parse_pcap(data, len, &s, st);
	free(data);
	prec_fix(p);
	return r;
}

/* ---- corpus ------------------------------------------------------------------ */

/*
 * Expected figures, independently obtained:
 *   packets    capinfos -c FILE
 *   tcp        tcpdump -nn -r FILE tcp | wc -l   (BIG TCP: tshark shows none,
 *              tcpdump one segment "[|tcp]", and so do we)
 *   truncated  tshark -r FILE -T fields -e frame.len -e frame.cap_len | awk '$1!=$2'
 *   fin, rst   tshark -r FILE -Y 'tcp.flags.fin==1 && !icmp' (resp. reset)
 *   syn        tshark -Y 'tcp.flags.syn==1 && tcp.flags.ack==0'; synack with ack==1
 *   conv       tshark -r FILE -q -z conv,tcp | grep -c '<->'  (distinct 4-tuples)
 */
struct corpus_expect {
	const char *file;
	int linktype;
	int swapped;
	uint64_t packets, tcp, truncated;
	unsigned fin, rst, syn, synack;
	unsigned conv;
};

static const struct corpus_expect corpus[] = {
	{ "tcpdump-bigtcp-ipv6.pcap", DLT_EN10MB, 0, 1, 1, 0, 0, 0, 0, 0, 1 },
	{ "tcpdump-mptcp-fclose.pcap", DLT_EN10MB, 0, 11, 9, 0, 0, 1, 1, 1, 1 },
	{ "tcpdump-pptp.pcap", DLT_EN10MB, 1, 23, 22, 0, 3, 0, 1, 2, 1 },
	{ "tcpdump-resp_1_benchmark.pcap", DLT_LINUX_SLL, 0, 150, 150, 0, 30, 0, 15, 15, 15 },
	{ "tcpdump-tcp_eight_lowest_weight_flags_set.pcap", DLT_EN10MB, 0, 1, 1, 0, 1, 1, 0, 1, 1 },
	{ "tcpdump-tcp_rst_data-trunc.pcap", DLT_EN10MB, 0, 1, 1, 1, 0, 1, 0, 0, 1 },
	{ "tcpdump-tcp_rst_diag_payload.pcap", DLT_NULL, 0, 1, 1, 0, 0, 1, 0, 0, 1 },
	{ "zeek-ftp-ipv6-violation.pcap", DLT_EN10MB, 0, 19, 19, 0, 2, 3, 1, 1, 1 },
	{ "zeek-ftp-ipv6.pcap", DLT_EN10MB, 0, 136, 136, 0, 12, 0, 6, 6, 6 },
	{ "zeek-http-get-to-ssh-server.pcap", DLT_EN10MB, 0, 9, 9, 0, 0, 2, 1, 1, 1 },
	{ "zeek-http-methods-49flows.pcap", DLT_EN10MB, 0, 655, 655, 0, 98, 0, 49, 49, 49 },
	{ "zeek-redis-attr.pcap", DLT_NULL, 0, 28, 28, 0, 4, 2, 4, 2, 4 },
	{ "zeek-ssh-ssh-23flows.pcap", DLT_EN10MB, 0, 1797, 1795, 0, 54, 2, 24, 24, 23 },
	{ "zeek-tcp-fin_retransmission.pcap", DLT_EN10MB, 0, 5, 5, 0, 2, 1, 1, 1, 1 },
	{ "zeek-tcp-handshake-reorder.pcap", DLT_EN10MB, 0, 14, 14, 0, 2, 0, 1, 1, 1 },
	{ "zeek-tcp-missing-syn.pcap", DLT_EN10MB, 0, 21, 21, 0, 2, 0, 0, 1, 1 },
	{ "zeek-tcp-one-sided-2745.pcap", DLT_EN10MB, 0, 6, 6, 0, 2, 0, 0, 2, 2 },
	{ "zeek-tcp-payload-syn.pcap", DLT_RAW, 0, 6, 6, 0, 2, 0, 1, 1, 1 },
	{ "zeek-tcp-qi_internet_SYNACK_curl_jsonip.pcap", DLT_EN10MB, 0, 14, 14, 0, 3, 3, 1, 1, 1 },
	{ "zeek-tcp-retransmit-fast009.pcap", DLT_EN10MB, 0, 39, 39, 21, 0, 1, 1, 1, 1 },
	{ "zeek-tcp-retransmit-timeout.pcapng", DLT_EN10MB, 0, 3, 3, 0, 0, 0, 0, 0, 1 },
	{ "zeek-tcp-rst-inject-rae.pcap", DLT_EN10MB, 0, 9, 9, 0, 0, 3, 1, 1, 1 },
	{ "zeek-tcp-single-rst.pcap", DLT_EN10MB, 0, 1, 1, 0, 0, 1, 0, 0, 1 },
	{ "zeek-tcp-ssh-dups.pcap", DLT_EN10MB, 0, 377, 377, 0, 6, 0, 1, 1, 1 },
	{ "zeek-tcp-syn-then-ack-then-rst.pcap", DLT_EN10MB, 0, 3, 3, 0, 0, 1, 1, 0, 1 },
	{ "zeek-tcp-syn-then-rst.pcap", DLT_EN10MB, 0, 2, 2, 0, 0, 1, 1, 0, 1 },
	{ "zeek-tcp-tcp-fast-open.pcap", DLT_EN10MB, 0, 16, 16, 0, 4, 0, 2, 2, 2 },
	{ "zeek-tcp-timeout-with-pings.pcap", DLT_IPV4, 0, 15, 3, 0, 0, 0, 1, 1, 1 },
	{ "zeek-tcp-truncated-header.pcap", DLT_EN10MB, 0, 24, 24, 24, 2, 0, 1, 1, 1 },
	{ "zeek-tls-irc-starttls.pcap", DLT_LINUX_SLL, 0, 20, 20, 0, 2, 2, 1, 1, 1 },
	{ "zeek-tls-openjdk-25.0.2-zeek.org.pcap", DLT_LINUX_SLL2, 0, 6, 6, 0, 0, 0, 1, 1, 1 },
};

/* Distinct unordered 4-tuples among the rows (what tshark calls conversations). */
static unsigned count_conv(const struct prec *p)
{
	unsigned k = 0;
	size_t i, j;

	for (i = 0; i < p->n; i++) {
		const struct sm_packet_row *a = &p->rows[i].r;
		int seen = 0;

		for (j = 0; j < i && !seen; j++) {
			const struct sm_packet_row *b = &p->rows[j].r;

			seen = (!strcmp(a->src_addr, b->src_addr) && a->src_port == b->src_port &&
				!strcmp(a->dst_addr, b->dst_addr) && a->dst_port == b->dst_port) ||
			       (!strcmp(a->src_addr, b->dst_addr) && a->src_port == b->dst_port &&
				!strcmp(a->dst_addr, b->src_addr) && a->dst_port == b->src_port);
		}
		k += !seen;
	}
	return k;
}

static void t_corpus_all(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct corpus_expect *e = &corpus[i];
		struct pcap_stats_out st;
		struct prec p;
		unsigned fin = 0, rst = 0, syn = 0, synack = 0;
		char path[256];

		memset(&p, 0, sizeof(p));
		snprintf(path, sizeof(path), CORPUS "%s", e->file);
		print_message("%s\n", e->file);
		assert_int_equal(run_file(&p, path, &st), 0);
		check_stats(&st, &p);
		assert_int_equal(st.linktype, e->linktype);
		assert_int_equal(st.swapped, e->swapped);
		assert_int_equal(st.read_error, 0);
		assert_int_equal(st.packets, e->packets);
		assert_int_equal(st.tcp, e->tcp);
		assert_int_equal(st.truncated, e->truncated);
		assert_int_equal(st.cut, 0);
		assert_int_equal(st.malformed, 0);
		assert_int_equal(p.nwarn, 0);
		for (j = 0; j < p.n; j++) {
			unsigned f = p.rows[j].r.flags;

			fin += !!(f & 0x01);
			rst += !!(f & 0x04);
			syn += (f & 0x12) == 0x02;
			synack += (f & 0x12) == 0x12;
			assert_true(p.rows[j].r.index < e->packets);
			if (j)
				assert_true(p.rows[j].r.index > p.rows[j - 1].r.index);
			assert_true(p.rows[j].r.ts_ns >= st.first_ns && p.rows[j].r.ts_ns <= st.last_ns);
		}
		assert_int_equal(fin, e->fin);
		assert_int_equal(rst, e->rst);
		assert_int_equal(syn, e->syn);
		assert_int_equal(synack, e->synack);
		assert_int_equal(count_conv(&p), e->conv);
		prec_free(&p);
	}
}

/* Spot checks of decoded fields against tcpdump -nn -v output. */
static void t_corpus_fields(void **state)
{
	struct pcap_stats_out st;
	struct prec p;

	(void)state;
	memset(&p, 0, sizeof(p));
	/* BIG TCP: IPv6 payload length 0, no Jumbo option: the length is the
	 * frame's (80054 captured - 14 Ethernet - 40 IPv6 - 32 TCP). */
	assert_int_equal(run_file(&p, CORPUS "tcpdump-bigtcp-ipv6.pcap", &st), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.rows[0].r.family, 6);
	assert_string_equal(p.rows[0].r.src_addr, "2604:1380:4091:ce00::b");
	assert_string_equal(p.rows[0].r.dst_addr, "2604:1380:4091:ce00::d");
	assert_int_equal(p.rows[0].r.src_port, 43267);
	assert_int_equal(p.rows[0].r.dst_port, 41219);
	assert_int_equal(p.rows[0].r.payload_len, 79968);
	prec_free(&p);

	/* Raw IP, data in the SYN. */
	assert_int_equal(run_file(&p, CORPUS "zeek-tcp-payload-syn.pcap", &st), 0);
	assert_int_equal(p.rows[0].r.flags, 0x02);
	assert_int_equal(p.rows[0].r.payload_len, 100);
	assert_int_equal(p.rows[0].r.seq, 10);
	assert_int_equal(p.rows[1].r.ack, 111);
	prec_free(&p);

	/* Nanosecond magic: the nanoseconds survive (tshark: 1770126425.732560000). */
	assert_int_equal(run_file(&p, CORPUS "zeek-http-get-to-ssh-server.pcap", &st), 0);
	assert_int_equal(p.rows[0].r.ts_ns, INT64_C(1770126425732560000));
	assert_int_equal(p.rows[3].r.payload_len, 605);
	assert_int_equal(p.rows[0].r.window, 64240);
	assert_int_equal(st.first_ns, INT64_C(1770126425732560000));
	prec_free(&p);

	/* Headers only (snaplen 68): lengths still come from the IP header. */
	assert_int_equal(run_file(&p, CORPUS "zeek-tcp-truncated-header.pcap", &st), 0);
	{
		size_t i, with_payload = 0;

		for (i = 0; i < p.n; i++) {
			assert_int_equal(p.rows[i].r.truncated, 1);
			with_payload += p.rows[i].r.payload_len > 0;
		}
		assert_true(with_payload > 0);
	}
	prec_free(&p);
}

/* ---- hand-built captures -------------------------------------------------------- */

struct cap {
	unsigned char b[65536];
	size_t n;
};

static void put_le32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
	b[2] = (unsigned char)(v >> 16);
	b[3] = (unsigned char)(v >> 24);
}

static void put_be16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

static void put_be32(unsigned char *b, uint32_t v)
{
	put_be16(b, v >> 16);
	put_be16(b + 2, v & 0xffff);
}

/* Little-endian pcap file header, nanosecond magic. */
static void cap_init(struct cap *c, uint32_t linktype)
{
	memset(c, 0, sizeof(*c));
	put_le32(c->b, 0xa1b23c4d);
	c->b[4] = 2;
	c->b[6] = 4;
	put_le32(c->b + 16, 65535);
	put_le32(c->b + 20, linktype);
	c->n = 24;
}

/* A record: caplen bytes of data, wire length len. */
static void cap_rec(struct cap *c, uint32_t sec, uint32_t nsec, const unsigned char *data, uint32_t caplen,
		    uint32_t len)
{
	assert_true(c->n + 16 + caplen <= sizeof(c->b));
	put_le32(c->b + c->n, sec);
	put_le32(c->b + c->n + 4, nsec);
	put_le32(c->b + c->n + 8, caplen);
	put_le32(c->b + c->n + 12, len);
	memcpy(c->b + c->n + 16, data, caplen);
	c->n += 16 + caplen;
}

/* IPv4 + TCP (no options) at b; returns the header bytes written (40). */
static size_t ip4_tcp(unsigned char *b, const char *src, const char *dst, unsigned sport, unsigned dport,
		      unsigned flags, size_t payload)
{
	unsigned a[4], d[4];

	memset(b, 0, 40);
	b[0] = 0x45;
	put_be16(b + 2, (unsigned)(40 + payload));
	b[8] = 64;
	b[9] = 6;
	assert_int_equal(sscanf(src, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]), 4);
	assert_int_equal(sscanf(dst, "%u.%u.%u.%u", &d[0], &d[1], &d[2], &d[3]), 4);
	for (int i = 0; i < 4; i++) {
		b[12 + i] = (unsigned char)a[i];
		b[16 + i] = (unsigned char)d[i];
	}
	put_be16(b + 20, sport);
	put_be16(b + 22, dport);
	put_be32(b + 24, 1000);
	put_be32(b + 28, 2000);
	b[32] = 5 << 4;
	b[33] = (unsigned char)flags;
	put_be16(b + 34, 512);
	return 40;
}

/* IPv6 (::1 -> ::2) + TCP at b; returns 60. */
static size_t ip6_tcp(unsigned char *b, unsigned flags, size_t payload)
{
	memset(b, 0, 60);
	b[0] = 0x60;
	put_be16(b + 4, (unsigned)(20 + payload));
	b[6] = 6;
	b[7] = 64;
	b[23] = 1;
	b[39] = 2;
	put_be16(b + 40, 5555);
	put_be16(b + 42, 80);
	b[52] = 5 << 4;
	b[53] = (unsigned char)flags;
	put_be16(b + 54, 100);
	return 60;
}

static void t_link_types(void **state)
{
	unsigned char f[256];
	struct pcap_stats_out st;
	struct prec p;
	struct cap *c = malloc(sizeof(*c));
	size_t n;

	(void)state;
	assert_non_null(c);
	memset(&p, 0, sizeof(p));

	/* Ethernet with two VLAN tags (802.1ad outer, 802.1Q inner). */
	cap_init(c, DLT_EN10MB);
	memset(f, 0, sizeof(f));
	put_be16(f + 12, 0x88a8);
	put_be16(f + 16, 0x8100);
	put_be16(f + 20, 0x0800);
	n = 22 + ip4_tcp(f + 22, "10.0.0.1", "10.0.0.2", 40000, 80, 0x02, 0);
	cap_rec(c, 1700000000, 5, f, (uint32_t)n, (uint32_t)n);
	/* ARP: not TCP. */
	memset(f, 0, 42);
	put_be16(f + 12, 0x0806);
	cap_rec(c, 1700000000, 6, f, 42, 42);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	check_stats(&st, &p);
	assert_int_equal(st.non_tcp, 1);
	assert_string_equal(p.rows[0].r.src_addr, "10.0.0.1");
	assert_int_equal(p.rows[0].r.dst_port, 80);
	assert_int_equal(p.rows[0].r.ts_ns, INT64_C(1700000000000000005));
	prec_free(&p);

	/* Linux cooked v1 and v2, IPv6. */
	cap_init(c, DLT_LINUX_SLL);
	memset(f, 0, sizeof(f));
	put_be16(f + 14, 0x86dd);
	n = 16 + ip6_tcp(f + 16, 0x11, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.rows[0].r.src_addr, "::1");
	assert_string_equal(p.rows[0].r.dst_addr, "::2");
	assert_int_equal(p.rows[0].r.flags, 0x11);
	prec_free(&p);
	cap_init(c, DLT_LINUX_SLL2);
	memset(f, 0, sizeof(f));
	put_be16(f, 0x0800);
	n = 20 + ip4_tcp(f + 20, "127.0.0.1", "127.0.0.1", 9, 33000, 0x04, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.rows[0].r.dst_port, 33000);
	prec_free(&p);

	/* BSD loopback: family in either byte order; DLT_LOOP in network order. */
	cap_init(c, DLT_NULL);
	memset(f, 0, sizeof(f));
	put_le32(f, 2);
	n = 4 + ip4_tcp(f + 4, "127.0.0.1", "127.0.0.1", 1, 2, 0x10, 3);
	cap_rec(c, 1, 0, f, (uint32_t)n + 3, (uint32_t)n + 3);
	put_be32(f, 30);   /* Darwin AF_INET6, big-endian writer */
	n = 4 + ip6_tcp(f + 4, 0x10, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	put_le32(f, 17);   /* something else */
	cap_rec(c, 1, 0, f, 8, 8);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	check_stats(&st, &p);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.rows[0].r.payload_len, 3);
	assert_int_equal(p.rows[1].r.family, 6);
	assert_int_equal(st.non_tcp, 1);
	prec_free(&p);
	cap_init(c, DLT_LOOP);
	put_be32(f, 2);
	n = 4 + ip4_tcp(f + 4, "127.0.0.1", "127.0.0.1", 1, 2, 0x10, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	assert_int_equal(p.n, 1);
	prec_free(&p);

	/* Raw IP (LINKTYPE_RAW 101), both versions; LINKTYPE_IPV6 229. */
	cap_init(c, 101);
	n = ip6_tcp(f, 0x02, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	n = ip4_tcp(f, "192.0.2.1", "198.51.100.255", 443, 50000, 0x12, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	assert_int_equal(st.linktype, DLT_RAW);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.rows[1].r.dst_addr, "198.51.100.255");
	prec_free(&p);
	cap_init(c, 229);
	n = ip6_tcp(f, 0x02, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	assert_int_equal(p.n, 1);
	prec_free(&p);

	/* An unsupported link type: refused with a warning naming it. */
	cap_init(c, 147);
	cap_rec(c, 1, 0, f, 10, 10);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), -1);
	assert_int_equal(p.nwarn, 1);
	assert_non_null(strstr(p.warn_msg[0], "147"));
	prec_free(&p);
	free(c);
}

/* IPv6 extension headers: hop-by-hop and destination options before TCP,
 * a non-first fragment, and an endless chain. */
static void t_ipv6_ext(void **state)
{
	unsigned char f[512];
	struct pcap_stats_out st;
	struct prec p;
	struct cap *c = malloc(sizeof(*c));
	size_t i;

	(void)state;
	assert_non_null(c);
	memset(&p, 0, sizeof(p));
	cap_init(c, 229);
	memset(f, 0, sizeof(f));
	f[0] = 0x60;
	put_be16(f + 4, 8 + 8 + 20 + 5);
	f[6] = 0;          /* hop-by-hop */
	f[40] = 60;        /* -> destination options */
	f[48] = 6;         /* -> TCP */
	put_be16(f + 56, 7);
	put_be16(f + 58, 8);
	f[68] = 5 << 4;
	f[69] = 0x18;
	cap_rec(c, 1, 0, f, 81, 81);
	/* non-first fragment */
	f[6] = 44;
	f[40] = 6;
	put_be16(f + 42, 8 << 3);
	cap_rec(c, 1, 0, f, 81, 81);
	/* 20 chained destination-option headers */
	put_be16(f + 4, 20 * 8 + 20);
	f[6] = 60;
	for (i = 0; i < 20; i++) {
		memset(f + 40 + 8 * i, 0, 8);
		f[40 + 8 * i] = i == 19 ? 6 : 60;
	}
	cap_rec(c, 1, 0, f, 40 + 160 + 20, 40 + 160 + 20);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	check_stats(&st, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.rows[0].r.src_port, 7);
	assert_int_equal(p.rows[0].r.payload_len, 5);
	assert_int_equal(st.fragments, 1);
	assert_int_equal(st.malformed, 1);
	prec_free(&p);
	free(c);
}

/* Headers that contradict themselves, and frames cut short. */
static void t_malformed_and_cut(void **state)
{
	unsigned char f[256];
	struct pcap_stats_out st;
	struct prec p;
	struct cap *c = malloc(sizeof(*c));
	size_t n;

	(void)state;
	assert_non_null(c);
	memset(&p, 0, sizeof(p));
	cap_init(c, DLT_RAW);
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	f[0] = 0x43;                               /* IHL 3 */
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	put_be16(f + 2, 12);                       /* total < header */
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	put_be16(f + 2, 4000);                     /* beyond the frame */
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	f[32] = 2 << 4;                            /* TCP data offset 8 */
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	f[32] = 15 << 4;                           /* 60 > segment */
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	/* cut: IPv4 header only, and half a TCP header (snaplen) */
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	cap_rec(c, 1, 0, f, 20, (uint32_t)n);
	cap_rec(c, 1, 0, f, 30, (uint32_t)n);
	cap_rec(c, 1, 0, f, 0, (uint32_t)n);
	/* a fine one at the end: everything before must not stop the parse */
	cap_rec(c, 2, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	check_stats(&st, &p);
	assert_int_equal(st.packets, 9);
	assert_int_equal(st.malformed, 5);
	assert_int_equal(st.cut, 3);
	assert_int_equal(st.truncated, 3);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.nwarn, 5);
	/* each warning names the packet and the byte offset where its record ends */
	assert_non_null(strstr(p.warn_msg[0], "packet 0"));
	assert_int_equal(p.warn_line[0], 24 + 16 + 40);
	assert_non_null(strstr(p.warn_msg[4], "packet 4"));
	prec_free(&p);
	free(c);
}

/* Not captures at all, and captures damaged at the file level. */
static void t_hostile_files(void **state)
{
	static const char garbage[] = "COMMAND PID USER FD TYPE\nnot a capture at all\n";
	struct pcap_stats_out st;
	struct prec p;
	struct cap *c = malloc(sizeof(*c));
	unsigned char f[64];
	size_t n;

	(void)state;
	assert_non_null(c);
	memset(&p, 0, sizeof(p));
	assert_int_equal(run_buf(&p, NULL, 0, &st), -1);
	assert_int_equal(st.linktype, -1);
	assert_int_equal(p.nwarn, 1);
	prec_free(&p);
	assert_int_equal(run_buf(&p, garbage, sizeof(garbage) - 1, &st), -1);
	assert_int_equal(p.nwarn, 1);
	assert_non_null(strstr(p.warn_msg[0], "not a pcap"));
	prec_free(&p);

	/* A file header cut after 10 bytes. */
	cap_init(c, DLT_RAW);
	assert_int_equal(run_buf(&p, c->b, 10, &st), -1);
	prec_free(&p);
	/* A header and nothing else: an empty capture. */
	assert_int_equal(run_buf(&p, c->b, 24, &st), 0);
	assert_int_equal(st.packets, 0);
	assert_int_equal(st.first_ns, SM_NONE);
	prec_free(&p);

	/* Records cut: a partial record header, then a partial body. */
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n + 7, &st), 0);   /* 7 bytes of a record header */
	assert_int_equal(p.n, 1);
	assert_int_equal(st.read_error, 1);
	prec_free(&p);
	cap_rec(c, 2, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n - 5, &st), 0);   /* body cut */
	assert_int_equal(p.n, 1);
	assert_int_equal(st.read_error, 1);
	assert_true(p.nwarn >= 1);
	assert_non_null(strstr(p.warn_msg[p.nwarn - 1], "stopped after packet 1"));
	prec_free(&p);

	/* An absurd caplen (4 GiB): refused by libpcap, not allocated. */
	cap_init(c, DLT_RAW);
	cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	put_le32(c->b + c->n, 1);
	put_le32(c->b + c->n + 8, 0xffffffffu);
	put_le32(c->b + c->n + 12, 0xffffffffu);
	c->n += 16;
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	assert_int_equal(p.n, 1);
	assert_int_equal(st.read_error, 1);
	prec_free(&p);
	free(c);
}

/* Thousands of bad records give at most PCAP_MAX_WARN warnings + 2 summaries. */
static void t_warning_flood(void **state)
{
	struct pcap_stats_out st;
	struct prec p;
	struct cap *c = malloc(sizeof(*c));
	unsigned char f[64];
	size_t n, i;

	(void)state;
	assert_non_null(c);
	memset(&p, 0, sizeof(p));
	cap_init(c, DLT_RAW);
	n = ip4_tcp(f, "10.0.0.1", "10.0.0.2", 1, 2, 0x10, 0);
	f[0] = 0x41;
	for (i = 0; i < 1000; i++)
		cap_rec(c, 1, 0, f, (uint32_t)n, (uint32_t)n);
	assert_int_equal(run_buf(&p, c->b, c->n, &st), 0);
	assert_int_equal(st.malformed, 1000);
	assert_int_equal(p.nwarn, PCAP_MAX_WARN + 2);
	assert_non_null(strstr(p.warn_msg[PCAP_MAX_WARN], "suppressed"));
	assert_non_null(strstr(p.warn_msg[PCAP_MAX_WARN + 1], "949 more"));
	prec_free(&p);
	free(c);
}

/* The callback's value stops the parse and is returned. */
static void t_callback_stops(void **state)
{
	struct pcap_stats_out st;
	struct prec p;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.stop_at = 10;
	p.stop_rc = 7;
	assert_int_equal(run_file(&p, CORPUS "zeek-http-methods-49flows.pcap", &st), 7);
	assert_int_equal(p.n, 10);
	prec_free(&p);
}

/* parse_pcap_fp reads a stream and closes it; st may be NULL. */
static void t_stream(void **state)
{
	FILE *f = fopen(CORPUS "zeek-tcp-retransmit-timeout.pcapng", "rb");
	struct prec p;
	struct sm_sink s;

	(void)state;
	assert_non_null(f);
	memset(&p, 0, sizeof(p));
	s = prec_sink(&p);
	assert_int_equal(parse_pcap_fp(f, &s, NULL), 0);
	prec_fix(&p);
	assert_int_equal(p.n, 3);
	prec_free(&p);
	assert_string_equal(parse_pcap_linktype_name(DLT_LINUX_SLL2), "LINUX_SLL2");
	assert_null(parse_pcap_linktype_name(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_corpus_all),
		cmocka_unit_test(t_corpus_fields),
		cmocka_unit_test(t_link_types),
		cmocka_unit_test(t_ipv6_ext),
		cmocka_unit_test(t_malformed_and_cut),
		cmocka_unit_test(t_hostile_files),
		cmocka_unit_test(t_warning_flood),
		cmocka_unit_test(t_callback_stops),
		cmocka_unit_test(t_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
