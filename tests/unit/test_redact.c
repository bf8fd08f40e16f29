/*
 * Unit tests for lib/redact.c, lib/redact_net.c and lib/sha256.c: secrets
 * in argv and text, the address maps (stable, bijective, prefix and special
 * addresses kept), /proc/net hex tables, pcap headers with checksums that
 * stay right, and the member dispatch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "sha256.h"
#include "strbuf.h"

static struct redact test_key(int ips)
{
	struct redact r;

	memset(&r, 0, sizeof(r));
	memset(r.key, 0x5a, sizeof(r.key));
	r.ips = ips;
	return r;
}

/* The redacted argv as "a|b|c" (NULs shown as '|'), caller frees. */
static char *argv_str(const struct redact *r, const char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	redact_argv(r, buf, len, &sb);
	for (i = 0; i < sb.len; i++)
		if (!sb.buf[i])
			sb.buf[i] = '|';
	return strbuf_detach(&sb, NULL);
}

static char *text_str(const struct redact *r, const char *s)
{
	struct strbuf sb = STRBUF_INIT;

	redact_text(r, s, strlen(s), &sb);
	return strbuf_detach(&sb, NULL);
}

static void t_sha256(void **state)
{
	unsigned char d[SHA256_LEN];
	static const unsigned char abc[SHA256_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	/* RFC 4231 test case 2. */
	static const unsigned char hm[SHA256_LEN] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};

	(void)state;
	sha256("abc", 3, d);
	assert_memory_equal(d, abc, SHA256_LEN);
	hmac_sha256((const unsigned char *)"Jefe", 4, "what do ya want ", 16, "for nothing?", 12, d);
	assert_memory_equal(d, hm, SHA256_LEN);
}

static void t_secret_names(void **state)
{
	(void)state;
	assert_true(redact_secret_name("--password", 10));
	assert_true(redact_secret_name("DB_PASSWD", 9));
	assert_true(redact_secret_name("token", 5));
	assert_true(redact_secret_name("-apikey", 7));
	assert_true(redact_secret_name("Authorization", 13));
	assert_true(redact_secret_name("--key", 5));
	assert_true(redact_secret_name("client_secret", 13));
	assert_false(redact_secret_name("--listen", 8));
	assert_false(redact_secret_name("--keepalive", 11));
	assert_false(redact_secret_name("--", 2));
}

static void t_argv(void **state)
{
	static const char in[] = "/usr/bin/gw\0--password=hunter2\0token=abc\0--listen=:8080\0"
				 "--password\0hunter2\0https://user:pw@example.com/x?token=abc&y=1\0"
				 "--api-key=a,b c\0";
	struct redact r = test_key(0);
	char *out = argv_str(&r, in, sizeof(in) - 1), *again;

	(void)state;
	assert_null(strstr(out, "hunter2"));
	assert_null(strstr(out, "abc"));
	assert_null(strstr(out, ":pw@"));
	assert_null(strstr(out, "a,b c"));
	assert_non_null(strstr(out, "/usr/bin/gw|--password=" REDACT_PREFIX));
	assert_non_null(strstr(out, "|token=" REDACT_PREFIX));
	assert_non_null(strstr(out, "|--listen=:8080|--password|" REDACT_PREFIX));
	assert_non_null(strstr(out, "|https://" REDACT_PREFIX));
	assert_non_null(strstr(out, "@example.com/x?token=" REDACT_PREFIX));
	assert_non_null(strstr(out, "&y=1|"));
	assert_int_equal(out[strlen(out) - 1], '|');
	/* Equal secrets, equal pseudonyms: "hunter2" twice. */
	{
		const char *a = strstr(out, "--password=") + 11, *b = strstr(out, "--password|") + 11;
		assert_memory_equal(a, b, strlen(REDACT_PREFIX) + 8);
	}
	/* Redacting again changes nothing more. */
	again = argv_str(&r, in, sizeof(in) - 1);
	assert_string_equal(out, again);
	free(again);
	free(out);
	/* No trailing NUL, an empty argument, nothing at all. */
	out = argv_str(&r, "a\0\0token=x", 10);
	assert_string_equal(out, "a||token=" REDACT_PREFIX "b31ce3fc");
	free(out);
	out = argv_str(&r, "", 0);
	assert_string_equal(out, "");
	free(out);
}

static void t_argv_vec(void **state)
{
	char *argv[] = { "collect", "--pprof", "http://admin:s3cret@10.0.0.5:6060", "--secret", "x" };
	char *out[5];
	struct redact r = test_key(1);
	int i;

	(void)state;
	redact_argv_vec(&r, 5, argv, out);
	assert_string_equal(out[0], "collect");
	assert_null(strstr(out[2], "s3cret"));
	assert_null(strstr(out[2], "10.0.0.5"));
	assert_non_null(strstr(out[2], ":6060"));
	assert_true(!strncmp(out[4], REDACT_PREFIX, strlen(REDACT_PREFIX)));
	for (i = 0; i < 5; i++)
		free(out[i]);
}

static void t_text(void **state)
{
	struct redact r = test_key(0);
	char *out;

	(void)state;
	out = text_str(&r, "GET /x HTTP/1.1\nAuthorization: Bearer abc.def\nHost: h\n");
	assert_null(strstr(out, "abc.def"));
	assert_non_null(strstr(out, "Authorization: " REDACT_PREFIX));
	assert_non_null(strstr(out, "\nHost: h\n"));
	free(out);
	/* Without ips, addresses stay. */
	out = text_str(&r, "tcp 10.1.2.3:80 {\"url\":\"http://u:p@h/\"}");
	assert_non_null(strstr(out, "10.1.2.3:80"));
	assert_null(strstr(out, "u:p@"));
	assert_non_null(strstr(out, "\"}"));
	free(out);
}

static void t_ip4(void **state)
{
	struct redact r = test_key(1), r2 = test_key(1);
	unsigned char a[4] = { 10, 1, 2, 3 }, m[4], m2[4];
	static unsigned char seen[1 << 21];   /* 2^24 bits: the map is a bijection */
	uint32_t v;

	(void)state;
	redact_ip4(&r, a, m);
	assert_int_equal(m[0], 10);
	assert_memory_not_equal(a, m, 4);
	redact_ip4(&r, a, m2);
	assert_memory_equal(m, m2, 4);
	r2.key[0] ^= 1;
	redact_ip4(&r2, a, m2);
	assert_memory_not_equal(m, m2, 4);
	for (v = 0; v < 4; v++) {
		unsigned char k[4] = { (unsigned char)(v == 0 ? 0 : v == 1 ? 127 : v == 2 ? 224 : 255), 9, 9, 9 };
		redact_ip4(&r, k, m);
		assert_memory_equal(k, m, 4);
	}
	/* No two of a sample of the 24 bits under one first octet share a
	 * pseudonym (a Feistel network is a bijection by construction). */
	memset(seen, 0, sizeof(seen));
	for (v = 0; v < (1u << 24); v += 251) {
		unsigned char x[4] = { 192, (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v };
		uint32_t o;

		redact_ip4(&r, x, m);
		o = (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
		assert_false(seen[o >> 3] & (1 << (o & 7)));
		seen[o >> 3] |= (unsigned char)(1 << (o & 7));
	}
}

static void t_ip6(void **state)
{
	struct redact r = test_key(1);
	unsigned char a[16], m[16], m4[4];

	(void)state;
	inet_pton(AF_INET6, "2001:db8::1", a);
	redact_ip6(&r, a, m);
	assert_int_equal(m[0], 0x20);
	assert_int_equal(m[1], 0x01);
	assert_memory_not_equal(a, m, 16);
	inet_pton(AF_INET6, "::1", a);
	redact_ip6(&r, a, m);
	assert_memory_equal(a, m, 16);
	inet_pton(AF_INET6, "::ffff:10.1.2.3", a);
	redact_ip6(&r, a, m);
	redact_ip4(&r, a + 12, m4);
	assert_memory_equal(m + 12, m4, 4);
	assert_memory_equal(m, a, 12);
}

static void t_text_ips(void **state)
{
	struct redact r = test_key(1);
	unsigned char a[4] = { 10, 0, 0, 5 }, m[4];
	char want[256], text[INET_ADDRSTRLEN], *out;

	(void)state;
	redact_ip4(&r, a, m);
	inet_ntop(AF_INET, m, text, sizeof(text));
	out = text_str(&r, "ESTAB 0 0 10.0.0.5:443 127.0.0.1:5555 [::1]:80 [::ffff:10.0.0.5]:22 "
			   "0.0.0.0:* 10.0.0.5.8080 v1.2.3.4 12:34:56 aa:bb:cc:dd:ee:ff 10.0.0.5->10.0.0.5\n");
	snprintf(want, sizeof(want), "ESTAB 0 0 %s:443 127.0.0.1:5555 [::1]:80 [::ffff:%s]:22 ", text, text);
	assert_true(!strncmp(out, want, strlen(want)));
	snprintf(want, sizeof(want), "0.0.0.0:* %s.8080 v1.2.3.4 12:34:56 aa:bb:cc:dd:ee:ff %s->%s\n", text, text, text);
	assert_string_equal(out + strlen(out) - strlen(want), want);
	free(out);
	/* netstat's unbracketed v6 "addr:port" keeps its port. */
	out = text_str(&r, "tcp6 0 0 2001:db8::7:443 :::* LISTEN\n");
	assert_non_null(strstr(out, ":443 :::* LISTEN"));
	assert_null(strstr(out, "2001:db8::7"));
	free(out);
}

static void t_procnet(void **state)
{
	static const char tcp[] =
		"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		"   0: 0100007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n"
		"   1: 0500000A:01BB 0600000A:D431 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n";
	static const char tcp6[] =
		"  sl  local_address                         remote_address                        st\n"
		"   0: 0000000000000000FFFF00000500000A:1F90 00000000000000000000000001000000:0000 0A\n";
	struct redact r = test_key(1);
	struct strbuf sb = STRBUF_INIT;
	unsigned char a[4] = { 10, 0, 0, 5 }, m[4];
	char hex[16];

	(void)state;
	redact_procnet(&r, tcp, sizeof(tcp) - 1, &sb);
	assert_int_equal(sb.len, sizeof(tcp) - 1);
	assert_non_null(strstr(sb.buf, "0100007F:0035 00000000:0000"));
	assert_null(strstr(sb.buf, "0500000A:01BB"));
	redact_ip4(&r, a, m);
	snprintf(hex, sizeof(hex), "%02X%02X%02X%02X:01BB", m[3], m[2], m[1], m[0]);
	assert_non_null(strstr(sb.buf, hex));
	assert_non_null(strstr(sb.buf, " 01 00000000:00000000 00:00000000"));
	strbuf_reset(&sb);
	/* The v4-mapped v6 form maps like the v4 one. */
	redact_procnet(&r, tcp6, sizeof(tcp6) - 1, &sb);
	snprintf(hex, sizeof(hex), "%02X%02X%02X%02X:1F90", m[3], m[2], m[1], m[0]);
	assert_non_null(strstr(sb.buf, hex));
	assert_non_null(strstr(sb.buf, "00000000000000000000000001000000:0000"));
	strbuf_release(&sb);
}

/* Internet checksum of n bytes (even), folded. */
static unsigned csum(const unsigned char *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* A checksum over the TCP segment with its IPv4 pseudo-header verifies to 0xffff. */
static unsigned tcp4_verify(const unsigned char *ip, size_t tcplen)
{
	uint32_t sum = csum(ip + 12, 8, 0) + 6 + (uint32_t)tcplen;

	return csum(ip + 20, tcplen, sum);
}

static void t_pcap(void **state)
{
	/* pcap header (LINKTYPE_RAW), one IPv4/TCP record of 40 bytes, one cut record. */
	unsigned char f[24 + 16 + 40 + 16 + 8];
	unsigned char *ip = f + 40;
	struct redact r = test_key(1);
	uint32_t v;
	unsigned ck;

	(void)state;
	memset(f, 0, sizeof(f));
	v = 0xa1b2c3d4; memcpy(f, &v, 4);
	v = 101; memcpy(f + 20, &v, 4);
	v = 40; memcpy(f + 24 + 8, &v, 4); memcpy(f + 24 + 12, &v, 4);
	ip[0] = 0x45; ip[3] = 40; ip[8] = 64; ip[9] = 6;
	ip[12] = 10; ip[13] = 0; ip[14] = 0; ip[15] = 5;
	ip[16] = 192; ip[17] = 168; ip[18] = 1; ip[19] = 9;
	ip[20] = 0x1f; ip[21] = 0x90; ip[22] = 0xd4; ip[23] = 0x31; ip[32] = 0x50; ip[33] = 0x12;
	ck = ~csum(ip, 20, 0) & 0xffff;
	ip[10] = (unsigned char)(ck >> 8); ip[11] = (unsigned char)ck;
	ck = ~tcp4_verify(ip, 20) & 0xffff;
	ip[36] = (unsigned char)(ck >> 8); ip[37] = (unsigned char)ck;
	assert_int_equal(csum(ip, 20, 0), 0xffff);
	assert_int_equal(tcp4_verify(ip, 20), 0xffff);
	v = 40; memcpy(f + 80 + 8, &v, 4);   /* claims 40, holds 8: cut */
	assert_int_equal(redact_pcap(&r, f, sizeof(f)), 0);
	assert_int_equal(ip[12], 10);
	assert_int_equal(ip[16], 192);
	assert_false(ip[13] == 0 && ip[14] == 0 && ip[15] == 5);
	assert_int_equal(csum(ip, 20, 0), 0xffff);
	assert_int_equal(tcp4_verify(ip, 20), 0xffff);
	assert_int_equal(ip[20], 0x1f);
	/* Not a pcap: refused. */
	assert_int_equal(redact_pcap(&r, (unsigned char *)"\x0a\x0d\x0d\x0a", 4), -1);
}

static void t_member(void **state)
{
	struct redact r = test_key(0), ri = test_key(1);
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(redact_member_kind(&r, "snap/000001/proc/42/cmdline"), REDACT_ARGV);
	assert_int_equal(redact_member_kind(&r, "snap/000001/net/4026531840/tcp"), REDACT_COPY);
	assert_int_equal(redact_member_kind(&ri, "snap/000001/net/4026531840/tcp6"), REDACT_PROCNET);
	assert_int_equal(redact_member_kind(&ri, "snap/000001/net/4026531840/unix"), REDACT_TEXT);
	assert_int_equal(redact_member_kind(&ri, "pcap/seg-000001.pcap"), REDACT_PCAP);
	assert_int_equal(redact_member_kind(&r, "pcap/seg-000001.pcap"), REDACT_COPY);
	assert_int_equal(redact_member_kind(&r, "snap/000001/tools/ss-tanpie.out"), REDACT_TEXT);
	/* Binary text-kind members are copied, not mangled. */
	assert_int_equal(redact_member(&r, REDACT_TEXT, "\x1f\x8btoken=abc", 11, &sb), 0);
	assert_int_equal(sb.len, 11);
	strbuf_reset(&sb);
	assert_int_equal(redact_member(&ri, REDACT_PCAP, "garbage", 7, &sb), -1);
	assert_int_equal(sb.len, 0);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_sha256),
		cmocka_unit_test(t_secret_names),
		cmocka_unit_test(t_argv),
		cmocka_unit_test(t_argv_vec),
		cmocka_unit_test(t_text),
		cmocka_unit_test(t_ip4),
		cmocka_unit_test(t_ip6),
		cmocka_unit_test(t_text_ips),
		cmocka_unit_test(t_procnet),
		cmocka_unit_test(t_pcap),
		cmocka_unit_test(t_member),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
