/*
 * Unit tests for parse_counters: the sockstat, netstat and snmp files of
 * tests/data/corpus/procnet (values read off the files by hand), edge
 * cases, and this machine's live files. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "parse_counters.h"
#include "rowrec.h"

#define CORPUS "tests/data/corpus/procnet/"

/* The value of group.name; fails the test if absent. */
static int64_t get(const struct rowrec *r, const char *group, const char *name)
{
	const struct sm_counter_row *c = rowrec_find_counter(r, group, name);

	if (!c)
		fail_msg("counter %s.%s not found", group, name);
	return c ? c->value : 0;
}

static int has(const struct rowrec *r, const char *group, const char *name)
{
	return rowrec_find_counter(r, group, name) != NULL;
}

static size_t count_group(const struct rowrec *r, const char *group)
{
	size_t i, n = 0;

	for (i = 0; i < r->nctrs; i++)
		n += !strcmp(r->ctrs[i].group, group);
	return n;
}

/* --- sockstat corpus ------------------------------------------------------ */

static void test_sockstat_diamond(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_sockstat, CORPUS "issue-diamond-217-proc-net-sockstat.txt", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 12);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(get(r, "sockets", "used"), 178);
	assert_int_equal(get(r, "TCP", "inuse"), 11);
	assert_int_equal(get(r, "TCP", "orphan"), 0);
	assert_int_equal(get(r, "TCP", "tw"), 1);
	assert_int_equal(get(r, "TCP", "alloc"), 18);
	assert_int_equal(get(r, "TCP", "mem"), 1);
	assert_int_equal(get(r, "UDP", "inuse"), 11);
	assert_int_equal(get(r, "UDP", "mem"), 4);
	assert_int_equal(get(r, "FRAG", "memory"), 0);
	assert_int_equal(r->ctrs[0].line, 1);
	assert_int_equal(r->ctrs[11].line, 6);
	rowrec_delete(r);
}

static void test_sockstat_node_exporter(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_sockstat, CORPUS "node_exporter-proc-net-sockstat", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 12);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(get(r, "sockets", "used"), 229);
	assert_int_equal(get(r, "TCP", "inuse"), 4);
	assert_int_equal(get(r, "TCP", "orphan"), 0);
	assert_int_equal(get(r, "TCP", "tw"), 4);
	assert_int_equal(get(r, "TCP", "alloc"), 17);
	assert_int_equal(get(r, "TCP", "mem"), 1);
	assert_int_equal(get(r, "UDPLITE", "inuse"), 0);
	rowrec_delete(r);
}

static void test_sockstat_procfs(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_sockstat, CORPUS "procfs-proc-net-sockstat", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 12);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(get(r, "sockets", "used"), 1602);
	assert_int_equal(get(r, "TCP", "inuse"), 35);
	assert_int_equal(get(r, "TCP", "tw"), 4);
	assert_int_equal(get(r, "TCP", "alloc"), 59);
	assert_int_equal(get(r, "TCP", "mem"), 22);
	assert_int_equal(get(r, "UDP", "inuse"), 12);
	assert_int_equal(get(r, "UDP", "mem"), 62);
	rowrec_delete(r);
}

static void test_sockstat6_procfs(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_sockstat, CORPUS "procfs-proc-net-sockstat6", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 6);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(get(r, "TCP6", "inuse"), 17);
	assert_int_equal(get(r, "UDP6", "inuse"), 9);
	assert_int_equal(get(r, "UDPLITE6", "inuse"), 0);
	assert_int_equal(get(r, "RAW6", "inuse"), 1);
	assert_int_equal(get(r, "FRAG6", "inuse"), 0);
	assert_int_equal(get(r, "FRAG6", "memory"), 0);
	rowrec_delete(r);
}

/* --- netstat / snmp corpus ------------------------------------------------ */

static void test_netstat_jc(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_netstat_snmp, CORPUS "jc-proc-net-netstat", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(r->nctrs, 152);
	assert_int_equal(count_group(r, "TcpExt"), 121);
	assert_int_equal(count_group(r, "IpExt"), 18);
	assert_int_equal(count_group(r, "MPTcpExt"), 13);
	assert_int_equal(get(r, "TcpExt", "SyncookiesSent"), 0);
	assert_int_equal(get(r, "TcpExt", "TW"), 3);
	assert_int_equal(get(r, "TcpExt", "DelayedACKs"), 10);
	assert_int_equal(get(r, "TcpExt", "DelayedACKLocked"), 53);
	assert_int_equal(get(r, "TcpExt", "ListenOverflows"), 0);
	assert_int_equal(get(r, "TcpExt", "TCPHPHits"), 2387);
	assert_int_equal(get(r, "TcpExt", "TCPPureAcks"), 12711);
	assert_int_equal(get(r, "TcpExt", "TCPHPAcks"), 53535);
	assert_int_equal(get(r, "TcpExt", "TCPAbortOnClose"), 1);
	assert_int_equal(get(r, "TcpExt", "TCPOrigDataSent"), 119438);
	assert_int_equal(get(r, "TcpExt", "TCPKeepAlive"), 6);
	assert_int_equal(get(r, "TcpExt", "TcpDuplicateDataRehash"), 0);
	assert_int_equal(get(r, "IpExt", "InBcastPkts"), 366);
	assert_int_equal(get(r, "IpExt", "InOctets"), 57734503);
	assert_int_equal(get(r, "IpExt", "OutOctets"), 42330709);
	assert_int_equal(get(r, "IpExt", "InNoECTPkts"), 106821);
	assert_int_equal(get(r, "IpExt", "InECT0Pkts"), 3273);
	/* values are reported on the values line */
	assert_int_equal(r->ctrs[0].line, 2);
	assert_int_equal(r->ctrs[151].line, 6);
	rowrec_delete(r);
}

static void test_netstat_procfs_pid(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_netstat_snmp, CORPUS "procfs-proc-pid-net-netstat", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(r->nctrs, 131);
	assert_int_equal(count_group(r, "TcpExt"), 113);
	assert_int_equal(count_group(r, "IpExt"), 18);
	assert_int_equal(get(r, "TcpExt", "EmbryonicRsts"), 1);
	assert_int_equal(get(r, "TcpExt", "TW"), 83);
	assert_int_equal(get(r, "TcpExt", "PAWSEstab"), 3640);
	assert_int_equal(get(r, "TcpExt", "DelayedACKs"), 287);
	assert_int_equal(get(r, "TcpExt", "DelayedACKLost"), 7460);
	assert_int_equal(get(r, "TcpExt", "TCPHPHits"), 134193);
	assert_int_equal(get(r, "TcpExt", "TCPAbortOnData"), 1);
	assert_int_equal(get(r, "TcpExt", "TCPAbortOnClose"), 62);
	assert_int_equal(get(r, "TcpExt", "TCPKeepAlive"), 456);
	assert_int_equal(get(r, "TcpExt", "TCPWqueueTooBig"), 0);
	assert_int_equal(get(r, "IpExt", "InMcastPkts"), 208);
	assert_int_equal(get(r, "IpExt", "InOctets"), 190585481);
	assert_int_equal(get(r, "IpExt", "OutOctets"), 7512674);
	rowrec_delete(r);
}

static void test_snmp_procfs_pid(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_netstat_snmp, CORPUS "procfs-proc-pid-net-snmp", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(r->nctrs, 79);
	assert_int_equal(count_group(r, "Ip"), 19);
	assert_int_equal(count_group(r, "Icmp"), 27);
	assert_int_equal(count_group(r, "IcmpMsg"), 2);
	assert_int_equal(count_group(r, "Tcp"), 15);
	assert_int_equal(count_group(r, "Udp"), 8);
	assert_int_equal(count_group(r, "UdpLite"), 8);
	assert_int_equal(get(r, "Ip", "Forwarding"), 2);
	assert_int_equal(get(r, "Ip", "DefaultTTL"), 64);
	assert_int_equal(get(r, "Ip", "InReceives"), 594223);
	assert_int_equal(get(r, "Icmp", "OutMsgs"), 50);
	assert_int_equal(get(r, "IcmpMsg", "InType3"), 45);
	assert_int_equal(get(r, "IcmpMsg", "OutType3"), 50);
	assert_int_equal(get(r, "Tcp", "RtoMax"), 120000);
	assert_int_equal(get(r, "Tcp", "MaxConn"), -1);
	assert_int_equal(get(r, "Tcp", "ActiveOpens"), 1103);
	assert_int_equal(get(r, "Tcp", "EstabResets"), 51);
	assert_int_equal(get(r, "Tcp", "CurrEstab"), 15);
	assert_int_equal(get(r, "Tcp", "RetransSegs"), 348);
	assert_int_equal(get(r, "Tcp", "OutRsts"), 1038);
	assert_int_equal(get(r, "Udp", "IgnoredMulti"), 58);
	assert_int_equal(get(r, "UdpLite", "InDatagrams"), 0);
	rowrec_delete(r);
}

/* The two formats are not each other's. */
static void test_wrong_parser(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	r = rowrec_parse_file(parse_sockstat, CORPUS "jc-proc-net-tcp", &rc);
	assert_int_equal(rc, -1);
	assert_int_equal(r->nctrs, 0);
	rowrec_delete(r);
	r = rowrec_parse_file(parse_netstat_snmp, CORPUS "jc-proc-net-unix", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	/* sockstat through the pair parser: each line lacks its values line */
	r = rowrec_parse_file(parse_netstat_snmp, CORPUS "procfs-proc-net-sockstat6", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 0);
	assert_int_equal(r->nwarn, 5);
	rowrec_delete(r);
}

/* --- edge cases ----------------------------------------------------------- */

static void test_empty(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	r = rowrec_parse_text(parse_sockstat, "", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs + r->nwarn, 0);
	rowrec_delete(r);
	r = rowrec_parse_text(parse_netstat_snmp, "", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs + r->nwarn, 0);
	rowrec_delete(r);
	r = rowrec_parse_text(parse_netstat_snmp, "\n  \n", &rc);
	assert_int_equal(rc, 0);
	rowrec_delete(r);
	/* an empty capture handed over as (NULL, 0) */
	assert_int_equal(parse_sockstat(NULL, 0, NULL), 0);
	assert_int_equal(parse_netstat_snmp(NULL, 0, NULL), 0);
	r = rowrec_parse_text(parse_sockstat, "garbage\nTCP: inuse 1\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	r = rowrec_parse_text(parse_netstat_snmp, ": a b\n: 1 2\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
}

static void test_sockstat_bad_lines(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_text(parse_sockstat,
				   "sockets: used 7\n"                           /* 1 */
				   "TCP: inuse 4 orphan\n"                       /* 2: unpaired */
				   "UDP: inuse x mem 3\n"                        /* 3: x skipped */
				   "not a group line\n"                          /* 4 */
				   "RAW: inuse 99999999999999999999\n"           /* 5: overflow */
				   "FRAG: inuse -2 memory 9223372036854775807\n" /* 6 */
				   "X:\n"                                        /* 7: no pairs */
				   "MPTCP: inuse 3",                             /* 8: no newline */
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 5);
	assert_int_equal(get(r, "sockets", "used"), 7);
	assert_false(has(r, "TCP", "inuse"));
	assert_false(has(r, "UDP", "inuse"));
	assert_int_equal(get(r, "UDP", "mem"), 3);
	assert_false(has(r, "RAW", "inuse"));
	assert_int_equal(get(r, "FRAG", "inuse"), -2);
	assert_int_equal(get(r, "FRAG", "memory"), INT64_MAX);
	assert_int_equal(get(r, "MPTCP", "inuse"), 3);
	assert_int_equal(r->nwarn, 5);
	assert_int_equal(r->warn_line[0], 2);
	assert_int_equal(r->warn_line[1], 3);
	assert_int_equal(r->warn_line[2], 4);
	assert_int_equal(r->warn_line[3], 5);
	assert_int_equal(r->warn_line[4], 7);
	rowrec_delete(r);
}

static void test_snmp_mismatch_and_orphans(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_text(parse_netstat_snmp,
				   "Tcp: RtoAlgorithm RtoMin MaxConn\n"           /* 1 */
				   "Tcp: 1 200\n"                                 /* 2: counts differ */
				   "Udp: InDatagrams NoPorts\n"                   /* 3: no values */
				   "Ip: Forwarding DefaultTTL\n"                  /* 4 */
				   "Ip: 2 64\n"                                   /* 5 */
				   "garbage line\n"                               /* 6 */
				   "Icmp: InMsgs InErrors OutMsgs\n"              /* 7 */
				   "Icmp: 5 18446744073709551616 -7\n"            /* 8: overflow */
				   "TcpExt: A\r\n"                                /* 9: CRLF */
				   "TcpExt: -9223372036854775808\r\n"             /* 10 */
				   "IpExt: Last",                                 /* 11: no values */
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 5);
	assert_false(has(r, "Tcp", "RtoAlgorithm"));
	assert_false(has(r, "Udp", "InDatagrams"));
	assert_int_equal(get(r, "Ip", "Forwarding"), 2);
	assert_int_equal(get(r, "Ip", "DefaultTTL"), 64);
	assert_int_equal(get(r, "Icmp", "InMsgs"), 5);
	assert_false(has(r, "Icmp", "InErrors"));
	assert_int_equal(get(r, "Icmp", "OutMsgs"), -7);
	assert_int_equal(get(r, "TcpExt", "A"), INT64_MIN);
	assert_int_equal(r->nwarn, 5);
	assert_int_equal(r->warn_line[0], 2);
	assert_int_equal(r->warn_line[1], 3);
	assert_int_equal(r->warn_line[2], 6);
	assert_int_equal(r->warn_line[3], 8);
	assert_int_equal(r->warn_line[4], 11);
	rowrec_delete(r);
}

/* A name line followed by another group's name line, then that group's values. */
static void test_snmp_regroup(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_text(parse_netstat_snmp,
				   "Ip: A B\nTcp: C D\nTcp: 3 4\nIp: A B\nIp: 1 2\n", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nctrs, 4);
	assert_int_equal(get(r, "Tcp", "D"), 4);
	assert_int_equal(get(r, "Ip", "A"), 1);
	assert_int_equal(r->nwarn, 1);
	assert_int_equal(r->warn_line[0], 1);
	rowrec_delete(r);
}

static void test_callback_stops(void **state)
{
	struct sm_sink sink;
	struct rowrec *r = rowrec_new();
	static const char text[] = "Ip: A B C\nIp: 1 2 3\n";
	char *buf = exact_copy(text, sizeof(text) - 1);

	(void)state;
	rowrec_sink(r, &sink);
	r->stop_at = 2;
	r->stop_rc = 5;
	assert_int_equal(parse_netstat_snmp(buf, sizeof(text) - 1, &sink), 5);
	assert_int_equal(r->nctrs, 2);
	rowrec_free(r);
	assert_int_equal(parse_sockstat("TCP: a 1 b 2 c 3", 16, &sink), 5);
	assert_int_equal(r->nctrs, 2);
	assert_int_equal(parse_netstat_snmp(buf, sizeof(text) - 1, NULL), 0);
	free(buf);
	rowrec_delete(r);
}

/* --- netstat -s ---------------------------------------------------------- */

/* net-tools 2.10 on this project's build machine (tests/data/loose/README.md). */
static void test_netstat_s_nettools(void **state)
{
	int rc;
	struct rowrec *r = rowrec_parse_file(parse_netstat_stats, "tests/data/loose/netstat-s-nettools-2.10.txt", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nwarn, 0);
	/* sentences */
	assert_int_equal(get(r, "TcpExt", "ListenOverflows"), 2332);
	assert_int_equal(get(r, "TcpExt", "ListenDrops"), 2332);
	assert_int_equal(get(r, "TcpExt", "TW"), 335683);
	assert_int_equal(get(r, "Tcp", "ActiveOpens"), 338385);
	assert_int_equal(get(r, "Tcp", "PassiveOpens"), 335999);
	assert_int_equal(get(r, "Tcp", "CurrEstab"), 0);
	assert_int_equal(get(r, "Tcp", "RetransSegs"), 57);
	assert_int_equal(get(r, "Udp", "NoPorts"), 4);
	/* "Name: value" lines, under their group */
	assert_int_equal(get(r, "TcpExt", "PAWSOldAck"), 2);
	assert_int_equal(get(r, "Ip", "Forwarding"), 2);
	assert_int_equal(get(r, "IcmpMsg", "InType3"), 6);
	/* a histogram's "destination unreachable: 6" is no counter */
	assert_false(has(r, "Icmp", "destination unreachable"));
	assert_int_equal(count_group(r, "Icmp"), 0);
	rowrec_delete(r);
}

/* Older wordings, bad values, and what is not netstat -s at all. */
static void test_netstat_s_edges(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	r = rowrec_parse_text(parse_netstat_stats,
			      "Tcp:\r\n    12 active connections openings\r\n    3 segments retransmited\r\n"
			      "TcpExt:\n    7 SYNs to LISTEN sockets ignored\n    99999999999999999999 other TCP timeouts\n"
			      "    Quick ack mode was activated 30 times\n    TCPBacklogDrop: x\n", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(get(r, "Tcp", "ActiveOpens"), 12);
	assert_int_equal(get(r, "Tcp", "RetransSegs"), 3);
	assert_int_equal(get(r, "TcpExt", "ListenDrops"), 7);
	assert_false(has(r, "TcpExt", "TCPTimeouts"));    /* out of range: warned */
	assert_false(has(r, "TcpExt", "TCPBacklogDrop")); /* not a number: warned */
	assert_int_equal(r->nwarn, 2);
	assert_int_equal(r->nctrs, 3);
	rowrec_delete(r);
	/* not this format: -1; a stray line after a group: warned */
	r = rowrec_parse_text(parse_netstat_stats, "TcpExt: SyncookiesSent SyncookiesRecv\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	r = rowrec_parse_text(parse_netstat_stats, "Tcp:\n    5 resets sent\ngarbage here\n    6 resets sent\n", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nwarn, 1);
	assert_int_equal(r->nctrs, 1);   /* the line after the garbage belongs to no group */
	rowrec_delete(r);
	r = rowrec_parse_text(parse_netstat_stats, "", &rc);
	assert_int_equal(rc, 0);
	rowrec_delete(r);
}

/* netstat -s and /proc/net/netstat read at the same time agree (the
 * counter read before netstat ran <= netstat's <= the one read after). */
static void test_netstat_s_live(void **state)
{
	static const char *const names[] = { "ListenOverflows", "ListenDrops", "TCPTimeouts", "TW" };
	struct rowrec *before, *ns, *after;
	const char *netstat = NULL;
	int rc;
	size_t i;

	(void)state;
	if (!access("/usr/bin/netstat", X_OK))
		netstat = "/usr/bin/netstat";
	else if (!access("/bin/netstat", X_OK))
		netstat = "/bin/netstat";
	if (!netstat || access("/proc/net/netstat", R_OK))
		skip();
	before = rowrec_parse_file(parse_netstat_snmp, "/proc/net/netstat", &rc);
	assert_int_equal(rc, 0);
	ns = rowrec_new();
	assert_int_equal(rowrec_run_command(ns, parse_netstat_stats, netstat, "-s"), 0);
	after = rowrec_parse_file(parse_netstat_snmp, "/proc/net/netstat", &rc);
	assert_int_equal(ns->nwarn, 0);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int64_t v;

		if (!has(ns, "TcpExt", names[i]))
			continue;   /* net-tools prints nothing for a counter at 0 */
		v = get(ns, "TcpExt", names[i]);
		assert_true(get(before, "TcpExt", names[i]) <= v);
		assert_true(v <= get(after, "TcpExt", names[i]));
	}
	rowrec_delete(before);
	rowrec_delete(ns);
	rowrec_delete(after);
}

/* --- live files ------------------------------------------------------------ */

static void test_live(void **state)
{
	static const struct { const char *path; rowrec_parse_fn fn; const char *group, *name; } files[] = {
		{ "/proc/net/sockstat", parse_sockstat, "sockets", "used" },
		{ "/proc/net/sockstat6", parse_sockstat, "TCP6", "inuse" },
		{ "/proc/net/netstat", parse_netstat_snmp, "TcpExt", "ListenOverflows" },
		{ "/proc/net/snmp", parse_netstat_snmp, "Tcp", "CurrEstab" },
		{ "/proc/self/net/snmp", parse_netstat_snmp, "Tcp", "MaxConn" },
	};
	size_t i;
	int rc;
	struct rowrec *r;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		f = fopen(files[i].path, "r");
		if (!f)
			continue;
		fclose(f);
		r = rowrec_parse_file(files[i].fn, files[i].path, &rc);
		assert_int_equal(rc, 0);
		assert_int_equal(r->nwarn, 0);
		assert_true(r->nctrs > 0);
		assert_true(has(r, files[i].group, files[i].name));
		rowrec_delete(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockstat_diamond),
		cmocka_unit_test(test_sockstat_node_exporter),
		cmocka_unit_test(test_sockstat_procfs),
		cmocka_unit_test(test_sockstat6_procfs),
		cmocka_unit_test(test_netstat_jc),
		cmocka_unit_test(test_netstat_s_nettools),
		cmocka_unit_test(test_netstat_s_edges),
		cmocka_unit_test(test_netstat_s_live),
		cmocka_unit_test(test_netstat_procfs_pid),
		cmocka_unit_test(test_snmp_procfs_pid),
		cmocka_unit_test(test_wrong_parser),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_sockstat_bad_lines),
		cmocka_unit_test(test_snmp_mismatch_and_orphans),
		cmocka_unit_test(test_snmp_regroup),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
