/*
 * Unit tests for analyze/detect.c: every file of the corpus directories
 * lsof, ss, netstat and procnet is recognised as its format (each file
 * checked by name, and a new corpus file without an expectation fails the
 * test), crafted headers and header-less rows for every format, the file
 * name used only to tell look-alike /proc tables apart, and inputs that
 * are none of them. Buffers are handed over without a terminating NUL so
 * ASan catches any read past len. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

#define CORPUS "tests/data/corpus/"

struct expect {
	const char *path;
	enum sm_format fmt;
};

static const struct expect corpus[] = {
	{ "lsof/issue-hackney-230-lsof-c-grep-protocol.txt", FMT_LSOF },
	{ "lsof/issue-lsof-linux-42-lsof-E-nP-ipv6-warning.txt", FMT_LSOF },
	{ "lsof/issue-moby-28448-lsof-p-dockerd-netlink-leak.txt", FMT_LSOF },
	{ "lsof/issue-polipo-34-lsof-n-grep-sock.txt", FMT_LSOF },
	{ "lsof/jc-centos7.7-lsof-nonroot.out", FMT_LSOF },
	{ "lsof/jc-centos7.7-lsof-sudo.out", FMT_LSOF },
	{ "lsof/jc-ubuntu18.04-lsof-nonroot.out", FMT_LSOF },
	{ "lsof/jc-ubuntu18.04-lsof-sudo.out", FMT_LSOF },

	{ "ss/datadog-integrations-core-ss_ipv6_tcp.txt", FMT_SS },
	{ "ss/issue-netdata-2169-ss-ant-syn-sent.txt", FMT_SS },
	{ "ss/issue-osquery-4173-ss-tauepnn-old-sk-pointer.txt", FMT_SS },
	{ "ss/issue-toolkits-pkg-2-ss-s-centos7.txt", FMT_SS_SUMMARY },
	{ "ss/issue-toolkits-pkg-2-ss-s-centos8.txt", FMT_SS_SUMMARY },
	{ "ss/jc-centos7.7-ss-a-sudo.out", FMT_SS },
	{ "ss/jc-generic-ss-wide.out", FMT_SS },
	{ "ss/jc-ubuntu18.04-ss-a-sudo.out", FMT_SS },
	{ "ss/jc-ubuntu18.04-ss-tulpen-sudo.out", FMT_SS },

	{ "netstat/datadog-integrations-core-netstat.txt", FMT_NETSTAT },
	{ "netstat/issue-linenum-37-netstat-antp-redacted-ips.txt", FMT_NETSTAT },
	{ "netstat/issue-tinyproxy-274-netstat-close-wait.txt", FMT_NETSTAT },
	{ "netstat/issue-xluffy-til-118-netstat-antpdo-timers.txt", FMT_NETSTAT },
	{ "netstat/jc-centos7.7-netstat-aeep-sudo.out", FMT_NETSTAT },
	{ "netstat/jc-centos7.7-netstat-p.out", FMT_NETSTAT },
	{ "netstat/jc-centos7.7-netstat.out", FMT_NETSTAT },
	{ "netstat/jc-fedora32-netstat.out", FMT_NETSTAT },
	{ "netstat/jc-freebsd12-netstat-an.out", FMT_NETSTAT },
	{ "netstat/jc-generic-netstat-no-state.out", FMT_NETSTAT },
	{ "netstat/jc-generic-netstat-old.out", FMT_NETSTAT },
	{ "netstat/jc-macos10.14-netstat-An.out", FMT_NETSTAT },
	{ "netstat/jc-ubuntu18.04-netstat-aeep-sudo.out", FMT_NETSTAT },
	{ "netstat/jc-ubuntu18.04-netstat-lnp-space-sudo.out", FMT_NETSTAT },
	{ "netstat/jc-ubuntu18.04-netstat-lnp-sudo.out", FMT_NETSTAT },
	{ "netstat/jc-windows10-netstat-aon.out", FMT_NETSTAT },

	{ "procnet/issue-diamond-217-proc-net-sockstat.txt", FMT_SOCKSTAT },
	{ "procnet/issue-mediamtx-3226-proc-net-tcp-hashed-ptrs-partial.txt", FMT_PROC_TCP },
	{ "procnet/issue-netdata-5322-proc-net-tcp6-partial.txt", FMT_PROC_TCP6 },
	{ "procnet/jc-proc-net-netstat", FMT_NETSTAT_SNMP },
	{ "procnet/jc-proc-net-tcp", FMT_PROC_TCP },
	{ "procnet/jc-proc-net-tcp6", FMT_PROC_TCP6 },
	{ "procnet/jc-proc-net-unix", FMT_PROC_UNIX },
	{ "procnet/node_exporter-proc-net-sockstat", FMT_SOCKSTAT },
	{ "procnet/procfs-proc-net-sockstat", FMT_SOCKSTAT },
	{ "procnet/procfs-proc-net-sockstat6", FMT_SOCKSTAT },
	{ "procnet/procfs-proc-net-tcp", FMT_PROC_TCP },
	{ "procnet/procfs-proc-net-tcp6", FMT_PROC_TCP6 },
	{ "procnet/procfs-proc-net-unix-kptr-restricted", FMT_PROC_UNIX },
	{ "procnet/procfs-proc-net-unix-without-inode", FMT_PROC_UNIX },
	{ "procnet/procfs-proc-pid-net-netstat", FMT_NETSTAT_SNMP },
	{ "procnet/procfs-proc-pid-net-snmp", FMT_NETSTAT_SNMP },
};

#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))

/* The whole file in a buffer of exactly its size (no NUL after it). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s (run from the repository root)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc(n ? (size_t)n : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* A copy of a C string without its NUL. */
static char *exact(const char *s, size_t *len)
{
	size_t n = strlen(s);
	char *b = malloc(n ? n : 1);

	assert_non_null(b);
	memcpy(b, s, n);
	*len = n;
	return b;
}

static enum sm_format det(const char *text, const char *name)
{
	size_t len;
	char *b = exact(text, &len);
	enum sm_format f = detect_format(b, len, name);

	free(b);
	return f;
}

#define assert_fmt(text, name, want)                                                           \
	do {                                                                                   \
		enum sm_format got_ = det((text), (name));                                     \
		if (got_ != (want))                                                            \
			fail_msg("%s: detected %s, want %s", (name) ? (name) : "(no name)",    \
				 format_name(got_), format_name(want));                        \
	} while (0)

static void test_corpus_by_name(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NCORPUS; i++) {
		char path[512];
		size_t len;
		char *buf;
		enum sm_format f;

		snprintf(path, sizeof(path), CORPUS "%s", corpus[i].path);
		buf = slurp(path, &len);
		f = detect_format(buf, len, path);
		if (f != corpus[i].fmt)
			fail_msg("%s: detected %s, want %s", corpus[i].path, format_name(f),
				 format_name(corpus[i].fmt));
		/* content decides: the same bytes under a neutral name give the
		 * same answer (none of these is a udp or raw table) */
		f = detect_format(buf, len, "capture.txt");
		if (f != corpus[i].fmt)
			fail_msg("%s as capture.txt: detected %s, want %s", corpus[i].path,
				 format_name(f), format_name(corpus[i].fmt));
		free(buf);
	}
}

/* Every file in the four directories has an expectation above. */
static void test_corpus_complete(void **state)
{
	static const char *const dirs[] = { "lsof", "ss", "netstat", "procnet" };
	size_t d, i, seen = 0;

	(void)state;
	for (d = 0; d < 4; d++) {
		char dpath[256];
		DIR *dir;
		struct dirent *de;

		snprintf(dpath, sizeof(dpath), CORPUS "%s", dirs[d]);
		dir = opendir(dpath);
		if (!dir)
			fail_msg("cannot open %s (run from the repository root)", dpath);
		while ((de = readdir(dir)) != NULL) {
			char rel[512];
			int found = 0;

			if (de->d_name[0] == '.')
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
			for (i = 0; i < NCORPUS; i++)
				found |= !strcmp(rel, corpus[i].path);
			if (!found)
				fail_msg("corpus file %s has no expected format in test_detect.c", rel);
			seen++;
		}
		closedir(dir);
	}
	assert_int_equal(seen, NCORPUS);
}

static const char inet_hdr[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
static const char v4_row[] =
	"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12345 1 0000000000000000 100 0 0 10 0\n";
static const char v6_row[] =
	"   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 12346 1 0000000000000000 100 0 0 10 0\n";

static void test_proc_inet_lookalikes(void **state)
{
	char v4[512], v6[512];

	(void)state;
	snprintf(v4, sizeof(v4), "%s%s", inet_hdr, v4_row);
	snprintf(v6, sizeof(v6), "%s%s", inet_hdr, v6_row);

	/* tcp is the default; the name tells udp and raw apart */
	assert_fmt(v4, NULL, FMT_PROC_TCP);
	assert_fmt(v4, "tcp", FMT_PROC_TCP);
	assert_fmt(v4, "/proc/net/tcp", FMT_PROC_TCP);
	assert_fmt(v4, "host1/udp", FMT_PROC_UDP);
	assert_fmt(v4, "proc-net-raw.txt", FMT_PROC_RAW);
	/* the address width decides v6 ... */
	assert_fmt(v6, NULL, FMT_PROC_TCP6);
	assert_fmt(v6, "tcp", FMT_PROC_TCP6);
	assert_fmt(v6, "udp", FMT_PROC_UDP6);
	assert_fmt(v6, "raw", FMT_PROC_RAW6);
	assert_fmt(v6, "udp6", FMT_PROC_UDP6);
	/* ... also against a '6' elsewhere in the name (a date, a host) */
	assert_fmt(v4, "udp-2026-11-16.txt", FMT_PROC_UDP);
	assert_fmt(v4, "raw.host6", FMT_PROC_RAW);
	assert_fmt(v4, "tcp-2026-11-16.txt", FMT_PROC_TCP);
	/* with no data row, only the name can say */
	assert_fmt(inet_hdr, "tcp6", FMT_PROC_TCP6);
	assert_fmt(inet_hdr, "tcp", FMT_PROC_TCP);
	assert_fmt(inet_hdr, "udp6", FMT_PROC_UDP6);
	assert_fmt(inet_hdr, "udp", FMT_PROC_UDP);
	assert_fmt(inet_hdr, "raw6", FMT_PROC_RAW6);
	assert_fmt(inet_hdr, NULL, FMT_PROC_TCP);
	/* only the base name counts, also for archive members (archive!member) */
	assert_fmt(v4, "/srv/udp-dumps/tcp", FMT_PROC_TCP);
	assert_fmt(v4, "/srv/udp-dumps.tar.gz!tcp", FMT_PROC_TCP);
	assert_fmt(v4, "/srv/caps.tar.gz!net/udp", FMT_PROC_UDP);
}

static void test_crafted_headers(void **state)
{
	(void)state;
	assert_fmt("Num       RefCount Protocol Flags    Type St Inode Path\n"
		   "0000000000000000: 00000002 00000000 00010000 0001 01 3442596 /run/x.sock\n", "f", FMT_PROC_UNIX);
	assert_fmt("sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
		   "0000000052aa22d7 0   0          00000000 0        0        0     2        0        4\n", "f",
		   FMT_PROC_NETLINK);
	assert_fmt("sk       RefCnt Type Proto  Iface R Rmem   User   Inode\n", "f", FMT_PROC_PACKET);
	assert_fmt("sockets: used 178\nTCP: inuse 4 orphan 0 tw 4 alloc 17 mem 1\n", "f", FMT_SOCKSTAT);
	assert_fmt("TCP6: inuse 2\nUDP6: inuse 1\n", "f", FMT_SOCKSTAT);
	assert_fmt("TcpExt: SyncookiesSent SyncookiesRecv\nTcpExt: 0 0\n", "f", FMT_NETSTAT_SNMP);
	assert_fmt("Ip: Forwarding DefaultTTL\nIp: 1 64\n", "f", FMT_NETSTAT_SNMP);
	assert_fmt("IpExt: InNoRoutes\nIpExt: 0\n", "f", FMT_NETSTAT_SNMP);
	assert_fmt("Total: 15\nTCP:   13 (estab 0, closed 12, orphaned 0, timewait 12)\n", "f", FMT_SS_SUMMARY);
	assert_fmt("TCP:   13 (estab 0, closed 12, orphaned 0, timewait 12)\n", "f", FMT_SS_SUMMARY);
	assert_fmt("State     Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n"
		   "LISTEN    0      128          0.0.0.0:2024       0.0.0.0:*\n", "f", FMT_SS);
	assert_fmt("Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n", "f", FMT_SS);
	/* netstat -s: a group alone on its line */
	assert_fmt("Ip:\n    Forwarding: 2\n    4466817 total packets received\n", "f", FMT_NETSTAT_STATS);
	assert_fmt("Tcp:  \r\n    338385 active connection openings\n", "f", FMT_NETSTAT_STATS);
	assert_fmt("TcpExt: SyncookiesSent SyncookiesRecv\nTcpExt: 0 0\n", "f", FMT_NETSTAT_SNMP);
	/* ss -tan state close-wait: no State column */
	assert_fmt("Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n"
		   "1      0          127.0.0.1:53431    127.0.0.1:43800\n", "f", FMT_SS);
	assert_fmt("Netid Recv-Q Send-Q Local Address:Port Peer Address:Port\n", "f", FMT_SS);
	assert_fmt("Recv-Q is the receive queue\n", "f", FMT_UNKNOWN);
	assert_fmt("Active Internet connections (servers and established)\n"
		   "Proto Recv-Q Send-Q Local Address           Foreign Address         State\n", "f", FMT_NETSTAT);
	assert_fmt("Active UNIX domain sockets (servers and established)\n", "f", FMT_NETSTAT);
	assert_fmt("\r\nActive Connections\r\n\r\n  Proto  Local Address          Foreign Address        State           PID\r\n",
		   "f", FMT_NETSTAT);
	assert_fmt("Proto Recv-Q Send-Q Local Address           Foreign Address         State\n", "f", FMT_NETSTAT);
	assert_fmt("COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n", "f", FMT_LSOF);
	/* a header after some noise (warnings, a shell prompt) */
	assert_fmt("$ sudo lsof -nP\nlsof: WARNING: can't stat() fuse.gvfsd-fuse file system /run/user/1000/gvfs\n"
		   "      Output information may be incomplete.\n"
		   "COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n", "f", FMT_LSOF);
	/* indented headers */
	assert_fmt("   State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n", "f", FMT_SS);
}

static void test_headerless_rows(void **state)
{
	(void)state;
	/* grep'd lsof rows */
	assert_fmt("gateway 4242 app  17u  sock  0,8  0t0 3066108598 can't identify protocol\n", "f", FMT_LSOF);
	assert_fmt("dockerd 1070 root 846u sock 0,8 0t0 30977 protocol: NETLINK\n", "f", FMT_LSOF);
	assert_fmt("nginx 99 www 12u IPv4 123 0t0 TCP 10.0.0.1:80->10.0.0.2:5555 (ESTABLISHED)\n", "f", FMT_LSOF);
	/* grep'd ss rows */
	assert_fmt("ESTAB 0 0 10.0.0.1:80 10.0.0.2:5555\n", "f", FMT_SS);
	assert_fmt("CLOSE-WAIT 1 0 10.0.0.1:80 10.0.0.2:5555\n", "f", FMT_SS);
	assert_fmt("TIME-WAIT 0 0 10.0.0.1:80 10.0.0.2:5555\n", "f", FMT_SS);
	assert_fmt("FIN-WAIT-2 0 0 10.0.0.1:80 10.0.0.2:5555\n", "f", FMT_SS);
	/* grep'd netstat rows */
	assert_fmt("tcp        1      0 127.0.0.1:8888   127.0.0.1:50022  CLOSE_WAIT  1234/tinyproxy\n", "f", FMT_NETSTAT);
	assert_fmt("...\ntcp6       0      0 :::22   :::*   LISTEN\n...\n", "f", FMT_NETSTAT);
}

static void test_not_a_capture(void **state)
{
	static const char bin[] = { 0x28, (char)0xb5, 0x2f, (char)0xfd, 0, 0, 1, 2, 3, 0, (char)0xff };
	char *big;
	size_t i;

	(void)state;
	assert_int_equal(detect_format("", 0, "tcp"), FMT_UNKNOWN);
	assert_int_equal(detect_format(bin, sizeof(bin), "x"), FMT_UNKNOWN);
	assert_fmt("hello world\n", "f", FMT_UNKNOWN);
	assert_fmt("{\"format\":\"sockmortem-bundle\",\"format_version\":1}\n", "manifest.json", FMT_UNKNOWN);
	assert_fmt("\n\n\n", "f", FMT_UNKNOWN);
	/* "State" alone is not an ss header, "Proto" alone not a netstat one */
	assert_fmt("State of the union\nProto-typical\n", "f", FMT_UNKNOWN);
	/* a header past the lines detection looks at is not found */
	big = malloc(41 * 2 + 80);
	assert_non_null(big);
	for (i = 0; i < 41; i++)
		memcpy(big + 2 * i, "x\n", 2);
	memcpy(big + 82, "COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n", 58);
	assert_int_equal(detect_format(big, 82 + 58, "f"), FMT_UNKNOWN);
	/* ... but within it, it is */
	assert_int_equal(detect_format(big + 2 * 5, 82 - 10 + 58, "f"), FMT_LSOF);
	free(big);
	/* a huge single line without a newline: only the first 64 KiB are read */
	big = malloc((size_t)1 << 20);
	assert_non_null(big);
	memset(big, 'a', (size_t)1 << 20);
	assert_int_equal(detect_format(big, (size_t)1 << 20, "f"), FMT_UNKNOWN);
	free(big);
}

static void test_names(void **state)
{
	int i;

	(void)state;
	for (i = 1; i < FMT_COUNT; i++) {
		const char *n = format_name((enum sm_format)i);
		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		assert_int_equal(format_by_name(n), i);
		assert_non_null(strstr(format_names(), n));
	}
	assert_string_equal(format_name(FMT_UNKNOWN), "unknown");
	assert_string_equal(format_name(FMT_COUNT), "unknown");
	assert_string_equal(format_name((enum sm_format)-1), "unknown");
	assert_int_equal(format_by_name("unknown"), FMT_UNKNOWN);
	assert_int_equal(format_by_name(""), FMT_UNKNOWN);
	assert_int_equal(format_by_name("LSOF"), FMT_UNKNOWN);
	assert_int_equal(format_by_name("proc-tcp"), FMT_PROC_TCP);
	assert_int_equal(format_by_name("proc-netstat-snmp"), FMT_NETSTAT_SNMP);
	assert_int_equal(format_by_name("ss-summary"), FMT_SS_SUMMARY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_by_name),
		cmocka_unit_test(test_corpus_complete),
		cmocka_unit_test(test_proc_inet_lookalikes),
		cmocka_unit_test(test_crafted_headers),
		cmocka_unit_test(test_headerless_rows),
		cmocka_unit_test(test_not_a_capture),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
