/*
 * redact_net: IP address pseudonyms, in text, in /proc/net hex tables and
 * in pcap headers; see redact.h.
 *
 * The map is a keyed Feistel permutation (4 rounds, HMAC-SHA256 as the
 * round function) of the address bits after the kept prefix: a bijection,
 * so two peers never merge into one pseudonym and local connection pairs
 * still pair up, and stable for one key, so the same peer has the same
 * pseudonym in every table, tool output and packet of a bundle.
 */
#include "redact.h"

#include <arpa/inet.h>
#include <string.h>

#include "pkthdr.h"
#include "sha256.h"

#define REDACT_ROUNDS 4

/* A 24-bit permutation of the low three octets, keyed per first octet. */
void redact_ip4(const struct redact *r, const unsigned char in[4], unsigned char out[4])
{
	uint32_t left, right;
	int round;

	memcpy(out, in, 4);
	/* 0/8 (unspecified, "this network"), loopback, multicast, reserved. */
	if (in[0] == 0 || in[0] == 127 || in[0] >= 224)
		return;
	left = (uint32_t)in[1] << 4 | in[2] >> 4;
	right = ((uint32_t)in[2] & 15) << 8 | in[3];
	for (round = 0; round < REDACT_ROUNDS; round++) {
		unsigned char msg[5] = { '4', in[0], (unsigned char)round, (unsigned char)(right >> 8),
					 (unsigned char)right };
		unsigned char d[SHA256_LEN];
		uint32_t f, t;

		hmac_sha256(r->key, sizeof(r->key), "ip", 2, msg, sizeof(msg), d);
		f = ((uint32_t)d[0] << 8 | d[1]) & 0xfff;
		t = right;
		right = left ^ f;
		left = t;
	}
	out[1] = (unsigned char)(left >> 4);
	out[2] = (unsigned char)((left & 15) << 4 | right >> 8);
	out[3] = (unsigned char)right;
}

/* A 112-bit permutation of all but the first 16 bits. */
void redact_ip6(const struct redact *r, const unsigned char in[16], unsigned char out[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const unsigned char zero[15] = { 0 };
	unsigned char left[7], right[7];
	int round, i;

	memcpy(out, in, 16);
	if (!memcmp(in, mapped, 12)) {          /* ::ffff:a.b.c.d */
		redact_ip4(r, in + 12, out + 12);
		return;
	}
	if (!memcmp(in, zero, 15) || in[0] == 0xff)  /* ::, ::1 (and ::N), multicast */
		return;
	memcpy(left, in + 2, 7);
	memcpy(right, in + 9, 7);
	for (round = 0; round < REDACT_ROUNDS; round++) {
		unsigned char msg[11] = { '6', in[0], in[1], (unsigned char)round };
		unsigned char d[SHA256_LEN], t[7];

		memcpy(msg + 4, right, 7);
		hmac_sha256(r->key, sizeof(r->key), "ip", 2, msg, sizeof(msg), d);
		memcpy(t, right, 7);
		for (i = 0; i < 7; i++)
			right[i] = left[i] ^ d[i];
		memcpy(left, t, 7);
	}
	memcpy(out + 2, left, 7);
	memcpy(out + 9, right, 7);
}

/* ---- addresses in text ---- */

static int redact_is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int redact_is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* A dotted quad at s (strict: 1-3 digit octets <= 255); its length, or 0. */
static size_t redact_scan_ip4(const char *s, size_t len, unsigned char a[4])
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		if (part) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			digits++;
		}
		if (!digits || digits > 3 || v > 255)
			return 0;
		a[part] = (unsigned char)v;
	}
	/* "1.2.3.4" in "1.2.3.45x" or "1.2.3.4abc" is no address. */
	if (i < len && (redact_is_word(s[i])))
		return 0;
	return i;
}

/* An IPv6 address in the run [s, s+len) of hex digits, ':' and '.'. */
static size_t redact_scan_ip6(const char *s, size_t len, int bracketed, unsigned char a[16])
{
	char tmp[64];
	size_t n = len, colons = 0, i, last;

	for (i = 0; i < len; i++)
		colons += s[i] == ':';
	while (n && s[n - 1] == '.')
		n--;
	if (colons < 2 || n >= sizeof(tmp))
		return 0;
	/* Unbracketed "addr:port" (netstat's "::1:631") reads as an address
	 * and its port when the part before the last ':' is an address. */
	last = n;
	while (last && s[last - 1] != ':')
		last--;
	if (!bracketed && last > 1 && n - last >= 1 && n - last <= 5) {
		int digits = 1;

		for (i = last; i < n; i++)
			digits &= s[i] >= '0' && s[i] <= '9';
		if (digits) {
			memcpy(tmp, s, last - 1);
			tmp[last - 1] = '\0';
			if (inet_pton(AF_INET6, tmp, a) == 1)
				return last - 1;
		}
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, a) == 1 ? n : 0;
}

void redact_text_ips(const struct redact *r, const char *s, size_t len, struct strbuf *out)
{
	size_t i = 0, start = 0;

	while (i < len) {
		char prev = i ? s[i - 1] : ' ';
		unsigned char a[16], m[16];
		char text[INET6_ADDRSTRLEN];
		size_t n = 0, run;
		int fam = 0;

		if (!(redact_is_hex(s[i]) || s[i] == ':') || redact_is_word(prev) || prev == '.') {
			i++;
			continue;
		}
		if (prev != ':') {
			for (run = i; run < len && (redact_is_hex(s[run]) || s[run] == ':' || s[run] == '.'); run++)
				;
			if ((n = redact_scan_ip6(s + i, run - i, prev == '[', a)) != 0)
				fam = 6;
		}
		if (!fam && (n = redact_scan_ip4(s + i, len - i, a)) != 0)
			fam = 4;
		if (!fam) {
			i++;
			continue;
		}
		if (fam == 4)
			redact_ip4(r, a, m);
		else
			redact_ip6(r, a, m);
		strbuf_add(out, s + start, i - start);
		strbuf_addstr(out, inet_ntop(fam == 4 ? AF_INET : AF_INET6, m, text, sizeof(text)));
		i += n;
		start = i;
	}
	strbuf_add(out, s + start, len - start);
}

/* ---- /proc/net hex tables ---- */

static int redact_hexval(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/*
 * Rewrites "HEX:PORT" at s in place. The kernel prints each 32-bit word
 * of the address as a host-order integer ("%08X"): on a little-endian
 * host the bytes of each word appear reversed.
 */
static void redact_procnet_addr(const struct redact *r, char *s, size_t hexlen)
{
	static const char digits[] = "0123456789ABCDEF";
	unsigned char a[16], m[16];
	size_t i, words = hexlen / 8;

	for (i = 0; i < hexlen / 2; i++) {
		size_t w = i / 4, b = i % 4, at = r->big_endian ? i : w * 4 + (3 - b);
		a[at] = (unsigned char)(redact_hexval(s[2 * i]) << 4 | redact_hexval(s[2 * i + 1]));
	}
	if (words == 1)
		redact_ip4(r, a, m);
	else
		redact_ip6(r, a, m);
	for (i = 0; i < hexlen / 2; i++) {
		size_t w = i / 4, b = i % 4, at = r->big_endian ? i : w * 4 + (3 - b);
		s[2 * i] = digits[m[at] >> 4];
		s[2 * i + 1] = digits[m[at] & 15];
	}
}

/* Is [s, s+n) "HEX{8 or 32}:HEX{4}"? Returns the hex length, or 0. */
static size_t redact_procnet_token(const char *s, size_t n)
{
	size_t i;

	if (n != 13 && n != 37)
		return 0;
	for (i = 0; i < n; i++)
		if (i == n - 5 ? s[i] != ':' : !redact_is_hex(s[i]))
			return 0;
	return n - 5;
}

void redact_procnet(const struct redact *r, const char *buf, size_t len, struct strbuf *out)
{
	size_t at = out->len, i;
	char *s;

	strbuf_add(out, buf, len);
	if (!r->ips)
		return;
	s = out->buf + at;
	/* Columns 2 and 3 of each line: local and remote address. */
	for (i = 0; i < len;) {
		size_t end = i, tok = 0;

		while (end < len && s[end] != '\n')
			end++;
		while (i < end && tok < 3) {
			size_t t, hl;

			while (i < end && (s[i] == ' ' || s[i] == '\t'))
				i++;
			for (t = i; t < end && s[t] != ' ' && s[t] != '\t'; t++)
				;
			if (t == i)
				break;
			if (tok >= 1 && (hl = redact_procnet_token(s + i, t - i)) != 0)
				redact_procnet_addr(r, s + i, hl);
			tok++;
			i = t;
		}
		i = end + 1;
	}
}

/* ---- pcap ---- */

static uint32_t redact_get32(const unsigned char *p, int swapped)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

/* RFC 1624 eqn. 3: the checksum at ck after n bytes (even) went from old to new. */
static void redact_cksum(unsigned char *ck, const unsigned char *old, const unsigned char *new, size_t n, int udp)
{
	uint32_t sum = ~((uint32_t)ck[0] << 8 | ck[1]) & 0xffff;
	size_t i;

	if (udp && !ck[0] && !ck[1])
		return;   /* UDP over IPv4 without a checksum stays so */
	for (i = 0; i + 1 < n; i += 2) {
		sum += ~((uint32_t)old[i] << 8 | old[i + 1]) & 0xffff;
		sum += (uint32_t)new[i] << 8 | new[i + 1];
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	if (udp && !sum)
		sum = 0xffff;
	ck[0] = (unsigned char)(sum >> 8);
	ck[1] = (unsigned char)sum;
}

/*
 * The transport header at f+l4 (caplen bytes captured in all): TCP and UDP
 * checksums follow the addresses; anything else after the IP header
 * (ICMP errors quote the original addresses, tunnels carry inner ones) is
 * zeroed past its first 4 bytes.
 */
static void redact_l4(unsigned char *f, size_t caplen, size_t l4, int proto, int later_fragment,
		      const unsigned char *old, const unsigned char *new, size_t alen)
{
	size_t ck = proto == 6 ? 16 : proto == 17 ? 6 : 0;

	if (l4 >= caplen)
		return;
	if (later_fragment)
		return;   /* payload only: no header, nothing of ours */
	if (ck) {
		if (l4 + ck + 2 <= caplen)
			redact_cksum(f + l4 + ck, old, new, alen, proto == 17);
		return;
	}
	if (l4 + 4 < caplen)
		memset(f + l4 + 4, 0, caplen - l4 - 4);
}

static void redact_frame4(const struct redact *r, unsigned char *f, size_t caplen, size_t ip)
{
	unsigned char old[8], new[8];
	size_t ihl;
	int frag;

	if (ip + 20 > caplen)
		return;
	ihl = (size_t)(f[ip] & 15) * 4;
	memcpy(old, f + ip + 12, 8);
	redact_ip4(r, old, new);
	redact_ip4(r, old + 4, new + 4);
	memcpy(f + ip + 12, new, 8);
	redact_cksum(f + ip + 10, old, new, 8, 0);
	frag = (((unsigned)f[ip + 6] & 0x1f) << 8 | f[ip + 7]) != 0;
	if (ihl >= 20)
		redact_l4(f, caplen, ip + ihl, f[ip + 9], frag, old, new, 8);
}

static void redact_frame6(const struct redact *r, unsigned char *f, size_t caplen, size_t ip)
{
	unsigned char old[32], new[32];
	size_t off;
	int next, frag = 0;

	if (ip + 40 > caplen)
		return;
	memcpy(old, f + ip + 8, 32);
	redact_ip6(r, old, new);
	redact_ip6(r, old + 16, new + 16);
	memcpy(f + ip + 8, new, 32);
	next = f[ip + 6];
	off = ip + 40;
	/* hop-by-hop 0, routing 43, fragment 44, destination options 60 */
	while ((next == 0 || next == 43 || next == 44 || next == 60) && off + 8 <= caplen) {
		if (next == 44)
			frag = (((unsigned)f[off + 2] << 8 | f[off + 3]) & 0xfff8) != 0;
		next = f[off];
		off += next == 44 ? 8 : ((size_t)f[off + 1] + 1) * 8;
	}
	if (next == 0 || next == 43 || next == 44 || next == 60)
		return;
	redact_l4(f, caplen, off, next == 58 ? 1 : next, frag, old, new, 32);
}

int redact_pcap(const struct redact *r, unsigned char *buf, size_t len)
{
	uint32_t magic;
	size_t off = 24;
	int swapped, dlt;

	if (len < 24)
		return -1;
	memcpy(&magic, buf, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d)
		swapped = 0;
	else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
		swapped = 1;
	else
		return -1;
	dlt = (int)(redact_get32(buf + 20, swapped) & 0x0fffffff);
	if (dlt != PKT_DLT_EN10MB && dlt != PKT_DLT_LINUX_SLL && dlt != PKT_DLT_LINUX_SLL2 &&
	    dlt != PKT_DLT_NULL && dlt != PKT_DLT_LOOP && dlt != PKT_DLT_RAW && dlt != PKT_DLT_LINKTYPE_RAW &&
	    dlt != PKT_DLT_IPV4 && dlt != PKT_DLT_IPV6)
		return -1;
	while (off + 16 <= len) {
		size_t caplen = redact_get32(buf + off + 8, swapped), ip;
		unsigned char *f = buf + off + 16;
		int ipver;

		off += 16;
		if (caplen > len - off)
			caplen = len - off;   /* a cut record: rewrite what is there */
		ip = pkthdr_ip_offset(dlt, f, caplen, &ipver);
		if (ipver == 4)
			redact_frame4(r, f, caplen, ip);
		else if (ipver == 6)
			redact_frame6(r, f, caplen, ip);
		else if (ip < caplen)
			memset(f + ip, 0, caplen - ip);   /* ARP and others carry addresses too */
		off += caplen;
	}
	return 0;
}
