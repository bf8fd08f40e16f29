/*
 * genpcap: a synthetic but realistic headers-only capture for the pcap
 * ingest benchmark (bench/bench_pcap.sh).
 *
 *   genpcap OUT MIB [SEED]
 *
 * Writes a pcap file (little-endian, nanosecond magic, Ethernet, snaplen
 * 96) of about MIB MiB: thousands of interleaved HTTP-like TCP
 * conversations from many clients to a few servers (10% over IPv6), each
 * with a handshake, 1-5 request/response exchanges (responses in up to 8
 * segments, 1% of data segments retransmitted), then a close: 75% client
 * FIN first, 20% server FIN first, 5% RST. Every record is cut after the
 * TCP header and its timestamp option (66 or 86 bytes captured), as the
 * collector's default headers-only capture would be; wire lengths carry
 * the payload. Checksums are left zero (tshark does not check them by
 * default). Prints "packets N conns N bytes N".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 4096
#define SNAPLEN 96

struct conn {
	int v6;
	uint32_t client, server;    /* low bits of the addresses */
	uint16_t cport, sport;
	uint32_t cseq, sseq;
	int phase, exchanges, segs_left, close_kind;
	uint32_t resp_len;
};

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static unsigned char out[1 << 20];
static size_t outn;
static FILE *fo;
static uint64_t packets, conns, bytes;
static uint64_t now_ns = UINT64_C(1763900000000000000);
static uint16_t next_port[256];

static void put32le(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
	b[2] = (unsigned char)(v >> 16);
	b[3] = (unsigned char)(v >> 24);
}

static void put16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)(v >> 8);
	b[1] = (unsigned char)v;
}

static void put32(unsigned char *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b + 2, v & 0xffff);
}

static void flush_out(void)
{
	if (outn && fwrite(out, 1, outn, fo) != outn) {
		perror("genpcap: write");
		exit(1);
	}
	bytes += outn;
	outn = 0;
}

/* One segment of c, from the client or the server. */
static void emit(const struct conn *c, int from_client, unsigned flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	unsigned char *r, *ip, *tcp;
	size_t hl = c->v6 ? 14 + 40 + 32 : 14 + 20 + 32;
	uint32_t src = from_client ? c->client : c->server, dst = from_client ? c->server : c->client;

	if (outn + 16 + hl > sizeof(out))
		flush_out();
	now_ns += 1000 + rnd() % 20000;   /* 1-21 us between packets */
	r = out + outn;
	memset(r, 0, 16 + hl);
	put32le(r, (uint32_t)(now_ns / 1000000000));
	put32le(r + 4, (uint32_t)(now_ns % 1000000000));
	put32le(r + 8, (uint32_t)hl);
	put32le(r + 12, (uint32_t)(hl + len));
	r += 16;
	r[12] = c->v6 ? 0x86 : 0x08;
	r[13] = c->v6 ? 0xdd : 0x00;
	r[0] = 0x02, r[5] = (unsigned char)dst;
	r[6] = 0x02, r[11] = (unsigned char)src;
	ip = r + 14;
	if (c->v6) {
		ip[0] = 0x60;
		put16(ip + 4, 32 + len);
		ip[6] = 6;
		ip[7] = 64;
		put16(ip + 8, 0xfd00);
		put32(ip + 20, src);
		put16(ip + 24, 0xfd00);
		put32(ip + 36, dst);
		tcp = ip + 40;
	} else {
		ip[0] = 0x45;
		put16(ip + 2, 20 + 32 + len);
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = 6;
		put32(ip + 12, 0x0a000000u | src);
		put32(ip + 16, 0x0a000000u | dst);
		tcp = ip + 20;
	}
	put16(tcp, from_client ? c->cport : c->sport);
	put16(tcp + 2, from_client ? c->sport : c->cport);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = 8 << 4;
	tcp[13] = (unsigned char)flags;
	put16(tcp + 14, (flags & 0x04) ? 0 : 502);
	tcp[20] = 1, tcp[21] = 1, tcp[22] = 8, tcp[23] = 10;   /* NOP NOP TS */
	put32(tcp + 24, (uint32_t)(now_ns / 1000000));
	outn += 16 + hl;
	packets++;
}

static void conn_new(struct conn *c)
{
	uint32_t client = 1 + rnd() % 60000;

	memset(c, 0, sizeof(*c));
	c->v6 = rnd() % 10 == 0;
	c->client = 0x10000u | client;
	c->server = 0x20000u | (1 + rnd() % 8);
	c->sport = (uint16_t[]){ 80, 443, 8080, 5432 }[rnd() % 4];
	/* ports cycle through 32768-60999 per client group: no 4-tuple reuse
	 * while a slot's previous connection could still be live */
	c->cport = (uint16_t)(32768 + next_port[client & 255]++ % 28232);
	c->cseq = rnd();
	c->sseq = rnd();
	c->exchanges = 1 + rnd() % 5;
	c->close_kind = rnd() % 100;
	conns++;
}

/* The next packet of c; returns 0 when c is finished. */
static int step(struct conn *c)
{
	uint32_t len;

	switch (c->phase) {
	case 0:
		emit(c, 1, 0x02, c->cseq++, 0, 0);
		break;
	case 1:
		emit(c, 0, 0x12, c->sseq++, c->cseq, 0);
		break;
	case 2:
		emit(c, 1, 0x10, c->cseq, c->sseq, 0);
		break;
	case 3:   /* request */
		len = 100 + rnd() % 700;
		emit(c, 1, 0x18, c->cseq, c->sseq, len);
		if (rnd() % 100 == 0)
			emit(c, 1, 0x18, c->cseq, c->sseq, len);   /* retransmitted */
		c->cseq += len;
		c->segs_left = 1 + rnd() % 8;
		break;
	case 4:   /* response segments */
		len = 1448;
		if (--c->segs_left == 0)
			len = 1 + rnd() % 1448;
		emit(c, 0, c->segs_left ? 0x10 : 0x18, c->sseq, c->cseq, len);
		c->sseq += len;
		if (c->segs_left)
			return 1;   /* stay in phase 4 */
		break;
	case 5:   /* client ACK; another exchange? */
		emit(c, 1, 0x10, c->cseq, c->sseq, 0);
		if (--c->exchanges > 0) {
			c->phase = 3;
			return 1;
		}
		break;
	case 6:   /* first close */
		if (c->close_kind < 5) {
			emit(c, 1, 0x14, c->cseq, c->sseq, 0);
			return 0;
		}
		if (c->close_kind < 80)
			emit(c, 1, 0x11, c->cseq++, c->sseq, 0);
		else
			emit(c, 0, 0x11, c->sseq++, c->cseq, 0);
		break;
	case 7:
		if (c->close_kind < 80)
			emit(c, 0, 0x11, c->sseq++, c->cseq, 0);
		else
			emit(c, 1, 0x11, c->cseq++, c->sseq, 0);
		break;
	default:
		emit(c, c->close_kind < 80, 0x10, c->close_kind < 80 ? c->cseq : c->sseq,
		     c->close_kind < 80 ? c->sseq : c->cseq, 0);
		return 0;
	}
	c->phase++;
	return 1;
}

int main(int argc, char **argv)
{
	static struct conn slots[SLOTS];
	uint64_t target;
	unsigned char h[24];
	size_t i;

	if (argc < 3 || atoi(argv[2]) <= 0) {
		fprintf(stderr, "usage: genpcap OUT MIB [SEED]\n");
		return 2;
	}
	if (argc > 3)
		rng ^= strtoull(argv[3], NULL, 10) * 2654435761u;
	target = (uint64_t)atoi(argv[2]) << 20;
	fo = fopen(argv[1], "wb");
	if (!fo) {
		perror(argv[1]);
		return 1;
	}
	put32le(h, 0xa1b23c4d);
	h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0;
	put32le(h + 8, 0);
	put32le(h + 12, 0);
	put32le(h + 16, SNAPLEN);
	put32le(h + 20, 1);
	memcpy(out, h, sizeof(h));
	outn = sizeof(h);
	for (i = 0; i < SLOTS; i++)
		conn_new(&slots[i]);
	while (bytes + outn < target) {
		struct conn *c = &slots[rnd() % SLOTS];

		if (!step(c))
			conn_new(c);
	}
	flush_out();
	if (fclose(fo) != 0) {
		perror("genpcap: close");
		return 1;
	}
	printf("packets %llu conns %llu bytes %llu\n", (unsigned long long)packets, (unsigned long long)conns,
	       (unsigned long long)bytes);
	return 0;
}
