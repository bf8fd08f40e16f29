/*
 * Unit tests for parse_procnet: every file of tests/data/corpus/procnet that
 * is a protocol table (expected values decoded by hand from the hex), edge
 * cases, and this machine's live tables holding sockets the test opens.
 * Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "corpus.h"
#include "livesock.h"
#include "parse_procnet.h"
#include "rowrec.h"

#define CORPUS "tests/data/corpus/procnet/"

enum table { T_INET, T_UNIX, T_NETLINK, T_PACKET };

/* The inet parser also takes the table's name: run_inet passes this one. */
static const char *inet_proto;

static int run_inet(const char *buf, size_t len, const struct sm_sink *sink)
{
	return parse_procnet_inet(buf, len, inet_proto, sink);
}

/* The parser of table t (inet: of table proto). */
static rowrec_parse_fn table_parser(enum table t, const char *proto)
{
	inet_proto = proto;
	switch (t) {
	case T_INET: return run_inet;
	case T_UNIX: return parse_procnet_unix;
	case T_NETLINK: return parse_procnet_netlink;
	case T_PACKET: return parse_procnet_packet;
	}
	return NULL;
}

/* Parse a corpus file; the rows and warnings are left in the returned recorder. */
static struct rowrec *parse_file(enum table t, const char *proto, const char *path, int *rc)
{
	return rowrec_parse_file(table_parser(t, proto), path, rc);
}

static struct rowrec *parse_text(enum table t, const char *proto, const char *text, int *rc)
{
	return rowrec_parse_text(table_parser(t, proto), text, rc);
}

static void check_inet(const struct sm_socket_row *o, uint64_t line, const char *state,
		       const char *laddr, int64_t lport, const char *raddr, int64_t rport,
		       int64_t uid, uint64_t inode)
{
	assert_int_equal(o->line, line);
	assert_string_equal(o->state, state);
	assert_string_equal(o->local_addr, laddr);
	assert_int_equal(o->local_port, lport);
	assert_string_equal(o->remote_addr, raddr);
	assert_int_equal(o->remote_port, rport);
	assert_int_equal(o->uid, uid);
	assert_int_equal(o->inode, inode);
	assert_int_equal(o->listen_backlog, SM_NONE);
}

static void check_timer(const struct sm_socket_row *o, int64_t txq, int64_t rxq, int64_t timer,
			int64_t ms, int64_t retr)
{
	assert_int_equal(o->tx_queue, txq);
	assert_int_equal(o->rx_queue, rxq);
	assert_int_equal(o->timer, timer);
	assert_int_equal(o->timer_ms, ms);
	assert_int_equal(o->retransmits, retr);
}

static size_t count_state(const struct rowrec *r, const char *state)
{
	return rowrec_count(r, NULL, state);
}

static void check_unix(const struct sm_socket_row *o, uint64_t line, const char *state,
		       const char *type, uint64_t inode, const char *path)
{
	assert_int_equal(o->line, line);
	assert_string_equal(o->proto, "unix");
	assert_string_equal(o->state, state);
	assert_string_equal(o->unix_type, type);
	assert_int_equal(o->inode, inode);
	assert_null(o->local_addr);
	assert_int_equal(o->unix_path != NULL, path != NULL);
	if (path)
		assert_string_equal(o->unix_path, path);
}

/* --- corpus: tcp / tcp6 ---------------------------------------------------- */

/* prometheus/procfs fixture: hand-edited queues on LISTEN rows. */
static void test_corpus_procfs_tcp(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_INET, "tcp", CORPUS "procfs-proc-net-tcp", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 3);
	assert_int_equal(r->nwarn, 0);
	/* 0500000A:0016 = 10.0.0.5:22 */
	check_inet(&r->rows[0], 2, "LISTEN", "10.0.0.5", 22, "0.0.0.0", 0, 0, 2740);
	check_timer(&r->rows[0], 0, 1, 0, 0, 0);
	assert_string_equal(r->rows[0].proto, "tcp");
	check_inet(&r->rows[1], 3, "LISTEN", "0.0.0.0", 22, "0.0.0.0", 0, 0, 2740);
	check_timer(&r->rows[1], 1, 0, 0, 0, 0);
	check_timer(&r->rows[2], 1, 1, 0, 0, 0);
	rowrec_delete(r);
}

/* Hashed %pK pointers (4.15+); LISTEN rows whose last field is 10/20. */
static void test_corpus_mediamtx_hashed(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_INET, "tcp",
				   CORPUS "issue-mediamtx-3226-proc-net-tcp-hashed-ptrs-partial.txt", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 9);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(count_state(r, "LISTEN"), 9);
	/* The trailing 20 is the fast-open queue, not a backlog: unset. */
	check_inet(&r->rows[0], 2, "LISTEN", "127.0.0.1", 25, "0.0.0.0", 0, 0, 21981);
	check_inet(&r->rows[1], 3, "LISTEN", "0.0.0.0", 10250, "0.0.0.0", 0, 0, 8983109);
	check_inet(&r->rows[2], 4, "LISTEN", "127.0.0.1", 3306, "0.0.0.0", 0, 106, 21520);
	check_inet(&r->rows[4], 6, "LISTEN", "127.0.0.1", 5038, "0.0.0.0", 0, 111, 18831504);
	check_inet(&r->rows[7], 9, "LISTEN", "0.0.0.0", 111, "0.0.0.0", 0, 0, 13556);
	check_inet(&r->rows[8], 10, "LISTEN", "0.0.0.0", 8080, "0.0.0.0", 0, 0, 8983111);
	rowrec_delete(r);
}

/* Two dumps concatenated (sl restarts), TIME_WAIT rows, trailing blanks. */
static void test_corpus_jc_tcp(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_INET, "tcp", CORPUS "jc-proc-net-tcp", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 27);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(count_state(r, "LISTEN"), 4);
	assert_int_equal(count_state(r, "CLOSE_WAIT"), 1);
	assert_int_equal(count_state(r, "FIN_WAIT1"), 6);
	assert_int_equal(count_state(r, "ESTABLISHED"), 1);
	assert_int_equal(count_state(r, "TIME_WAIT"), 15);
	/* 3500007F:0035 = systemd-resolved's 127.0.0.53:53, uid 101 */
	check_inet(&r->rows[0], 2, "LISTEN", "127.0.0.53", 53, "0.0.0.0", 0, 101, 34000);
	/* 802AA8C0:D450 2104C798:01BB 08 ... rx 0x52, 02:00000A6F */
	check_inet(&r->rows[3], 5, "CLOSE_WAIT", "192.168.42.128", 54352,
		   "152.199.4.33", 443, 1000, 149098);
	check_timer(&r->rows[3], 0, 82, 2, 26710, 0);
	/* sl restarts at 0 on line 6 */
	check_inet(&r->rows[4], 6, "LISTEN", "0.0.0.0", 22, "0.0.0.0", 0, 0, 23459);
	/* FIN_WAIT1 with one unacked byte, retransmit timer 0x15 ticks */
	check_inet(&r->rows[5], 7, "FIN_WAIT1", "10.0.0.28", 42082, "64.12.0.108", 80, 0, 0);
	check_timer(&r->rows[5], 1, 0, 1, 210, 0);
	/* short TIME_WAIT row: 03:000007C5 */
	check_inet(&r->rows[6], 8, "TIME_WAIT", "10.0.0.28", 38864, "104.244.42.65", 80, 0, 0);
	check_timer(&r->rows[6], 0, 0, 3, 19890, 0);
	/* keepalive timer 0xAB71D ticks on the ssh session */
	check_inet(&r->rows[15], 17, "ESTABLISHED", "10.0.0.28", 22, "10.0.0.146", 56779, 0, 41558);
	check_timer(&r->rows[15], 0, 0, 2, 7022370, 0);
	/* last row, trailing blanks */
	check_inet(&r->rows[26], 28, "FIN_WAIT1", "10.0.0.28", 54548, "152.199.0.128", 80, 0, 0);
	rowrec_delete(r);
}

/* udp6-style header (ref pointer drops), st 07, link-local, big sl. */
static void test_corpus_procfs_tcp6(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_INET, "tcp6", CORPUS "procfs-proc-net-tcp6", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->nwarn, 0);
	check_inet(&r->rows[0], 2, "CLOSE", "::", 5355, "::", 0, 981, 21040);
	assert_string_equal(r->rows[0].proto, "tcp6");
	/* 000080FE00000000FFADE15609667CFE:C781 */
	check_inet(&r->rows[1], 3, "CLOSE", "fe80::56e1:adff:fe7c:6609", 51073, "::", 0,
		   1000, 11337031);
	rowrec_delete(r);
}

/* remote_address header, ::1 listeners, ESTABLISHED with retransmit timer. */
static void test_corpus_netdata_tcp6(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_INET, "tcp6",
				   CORPUS "issue-netdata-5322-proc-net-tcp6-partial.txt", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 3);
	assert_int_equal(r->nwarn, 0);
	check_inet(&r->rows[0], 2, "LISTEN", "::1", 631, "::", 0, 0, 2903);
	check_inet(&r->rows[1], 3, "LISTEN", "::1", 8125, "::", 0, 1000, 3396178);
	check_inet(&r->rows[2], 4, "ESTABLISHED", "2001:1c02:2200:ff00:5611:2abd:cd1a:e2db",
		   55022, "2a00:1450:4013:c07::bc", 443, 1000, 3123030);
	check_timer(&r->rows[2], 0, 0, 2, 20900, 0);
	rowrec_delete(r);
}

/* Public v6 addresses in kernel word order, 7 short TIME_WAIT rows. */
static void test_corpus_jc_tcp6(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_INET, "tcp6", CORPUS "jc-proc-net-tcp6", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 8);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(count_state(r, "TIME_WAIT"), 7);
	check_inet(&r->rows[0], 2, "LISTEN", "::", 22, "::", 0, 0, 23556);
	check_inet(&r->rows[1], 3, "TIME_WAIT", "2601:646:9e01:f100::3a4c", 59136,
		   "2a03:2880:f131:83:face:b00c:0:25de", 80, 0, 0);
	check_timer(&r->rows[1], 0, 0, 3, 9770, 0);
	check_inet(&r->rows[7], 9, "TIME_WAIT", "2601:646:9e01:f100::3a4c", 32936,
		   "2001:559:19:c000::17c5:3313", 80, 0, 0);
	rowrec_delete(r);
}

/* --- corpus: unix --------------------------------------------------------- */

static void test_corpus_jc_unix(void **state)
{
	int rc;
	size_t i, paths = 0, stream = 0, dgram = 0, seqpacket = 0;
	struct rowrec *r = parse_file(T_UNIX, NULL, CORPUS "jc-proc-net-unix", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 130);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(count_state(r, "LISTEN"), 25);
	assert_int_equal(count_state(r, "CONNECTED"), 69);
	assert_int_equal(count_state(r, "UNCONNECTED"), 36);
	for (i = 0; i < r->nrows; i++) {
		paths += r->rows[i].unix_path != NULL;
		stream += rowrec_str_is(r->rows[i].unix_type, "stream");
		dgram += rowrec_str_is(r->rows[i].unix_type, "dgram");
		seqpacket += rowrec_str_is(r->rows[i].unix_type, "seqpacket");
	}
	assert_int_equal(paths, 60);
	assert_int_equal(stream, 93);
	assert_int_equal(dgram, 36);
	assert_int_equal(seqpacket, 1);
	check_unix(&r->rows[0], 2, "LISTEN", "stream", 42776,
		   "/var/snap/lxd/common/lxd/unix.socket");
	check_unix(&r->rows[2], 4, "LISTEN", "seqpacket", 29792, "/run/udev/control");
	check_unix(&r->rows[4], 6, "UNCONNECTED", "dgram", 41863, "/run/user/1000/systemd/notify");
	check_unix(&r->rows[7], 9, "LISTEN", "stream", 29777,
		   "@/org/kernel/linux/storage/multipathd");
	check_unix(&r->rows[29], 31, "LISTEN", "stream", 35985, "@ISCSIADM_ABSTRACT_NAMESPACE");
	check_unix(&r->rows[30], 32, "UNCONNECTED", "dgram", 41865, NULL);
	check_unix(&r->rows[31], 33, "CONNECTED", "stream", 40074, "/run/dbus/system_bus_socket");
	check_unix(&r->rows[129], 131, "CONNECTED", "stream", 38139, NULL);
	rowrec_delete(r);
}

static void test_corpus_unix_kptr_restricted(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_UNIX, NULL, CORPUS "procfs-proc-net-unix-kptr-restricted", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 5);
	assert_int_equal(r->nwarn, 0);
	check_unix(&r->rows[0], 2, "LISTEN", "stream", 3442596, "/var/run/postgresql/.s.PGSQL.5432");
	check_unix(&r->rows[1], 3, "LISTEN", "seqpacket", 10061, "/run/udev/control");
	check_unix(&r->rows[2], 4, "UNCONNECTED", "dgram", 12392, "/dev/log");
	check_unix(&r->rows[3], 5, "CONNECTED", "stream", 4787297,
		   "/var/run/postgresql/.s.PGSQL.5432");
	check_unix(&r->rows[4], 6, "CONNECTED", "stream", 5091797, NULL);
	rowrec_delete(r);
}

static void test_corpus_unix_without_inode(void **state)
{
	int rc;
	struct rowrec *r = parse_file(T_UNIX, NULL, CORPUS "procfs-proc-net-unix-without-inode", &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 5);
	assert_int_equal(r->nwarn, 0);
	check_unix(&r->rows[0], 2, "LISTEN", "stream", 0, "/var/run/postgresql/.s.PGSQL.5432");
	check_unix(&r->rows[1], 3, "LISTEN", "seqpacket", 0, "/run/udev/control");
	check_unix(&r->rows[2], 4, "UNCONNECTED", "dgram", 0, "/dev/log");
	check_unix(&r->rows[4], 6, "CONNECTED", "stream", 0, NULL);
	rowrec_delete(r);
}

/* Every corpus table rejected by the other parsers: they are not its format. */
static void test_corpus_wrong_parser(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	r = parse_file(T_UNIX, NULL, CORPUS "jc-proc-net-tcp", &rc);
	assert_int_equal(rc, -1);
	assert_int_equal(r->nrows, 0);
	rowrec_delete(r);
	r = parse_file(T_INET, "tcp", CORPUS "jc-proc-net-unix", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	r = parse_file(T_INET, "tcp", CORPUS "procfs-proc-net-sockstat", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	r = parse_file(T_NETLINK, NULL, CORPUS "jc-proc-net-unix", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
}

/* --- inet edge cases ------------------------------------------------------- */

#define TCP_HDR "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define TCP6_HDR "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
#define UDP_HDR "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
#define ROW_A "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111 1 0000000000000000 100 0 0 10 0\n"
#define ROW_B "   1: 0100007F:1F90 0100007F:D431 01 00000010:00000020 02:00000064 00000003  1000        0 222 1 0000000000000000 20 4 30 10 -1\n"

static void test_inet_empty_and_header_only(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	r = parse_text(T_INET, "tcp", "", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 0);
	assert_int_equal(r->nwarn, 0);
	rowrec_delete(r);
	r = parse_text(T_INET, "tcp", TCP_HDR, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 0);
	rowrec_delete(r);
	r = parse_text(T_INET, "tcp", "\n\n", &rc);
	assert_int_equal(rc, 0);
	rowrec_delete(r);
	/* an empty capture handed over as (NULL, 0) */
	assert_int_equal(parse_procnet_inet(NULL, 0, "tcp", NULL), 0);
	assert_int_equal(parse_procnet_unix(NULL, 0, NULL), 0);
	assert_int_equal(parse_procnet_netlink(NULL, 0, NULL), 0);
	assert_int_equal(parse_procnet_packet(NULL, 0, NULL), 0);
}

static void test_inet_not_the_format(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	r = parse_text(T_INET, "tcp", "hello world\n" TCP_HDR ROW_A, &rc);
	assert_int_equal(rc, -1);
	assert_int_equal(r->nrows, 0);
	rowrec_delete(r);
	/* rows with no header */
	r = parse_text(T_INET, "tcp", ROW_A, &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	/* a header lacking st */
	r = parse_text(T_INET, "tcp", "  sl  local_address rem_address\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	/* unknown proto name */
	r = parse_text(T_INET, "sctp", TCP_HDR ROW_A, &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	r = parse_text(T_INET, NULL, TCP_HDR ROW_A, &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
}

static void test_inet_fields(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_INET, "tcp", TCP_HDR ROW_A ROW_B, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->nwarn, 0);
	check_inet(&r->rows[0], 2, "LISTEN", "127.0.0.1", 8080, "0.0.0.0", 0, 1000, 111);
	check_inet(&r->rows[1], 3, "ESTABLISHED", "127.0.0.1", 8080, "127.0.0.1", 54321, 1000, 222);
	/* 0x64 = 100 ticks at USER_HZ 100 = 1 s; retrnsmt is hex */
	check_timer(&r->rows[1], 16, 32, 2, 1000, 3);
	rowrec_delete(r);
}

static void test_inet_garbage_lines(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_INET, "tcp",
				   TCP_HDR
				   "garbage here\n"                                  /* 2 */
				   ROW_A                                              /* 3 */
				   "   1: 0100007F:1F90\n"                               /* 4: too few */
				   "   2: 0100007F:XXXX 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n" /* 5 */
				   "   3: 0100007:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n"  /* 6: 7 digits */
				   "   4: 0100007F:1F90 00000000:0000 ZZ 00000000:00000000 00:00000000 00000000 0 0 5\n" /* 7 */
				   "   5: 0100007F:1F90 00000000:0000 0D 00000000:00000000 00:00000000 00000000 0 0 5\n" /* 8: no state 13 */
				   "   6: 0100007F:1F90 00000000:0000 0A 0000000000000000 00:00000000 00000000 0 0 5\n"  /* 9: no colon */
				   "   7: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 -1 0 5\n" /* 10: uid sign */
				   "x7: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n"    /* 11: sl */
				   "   8: 0100007F:10000 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 5\n" /* 12: port */
				   ROW_B, &rc);                                       /* 13 */
	uint64_t want[] = { 2, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	size_t i;

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->rows[0].line, 3);
	assert_int_equal(r->rows[1].line, 13);
	assert_int_equal(r->nwarn, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < r->nwarn; i++)
		assert_int_equal(r->warn_line[i], want[i]);
	rowrec_delete(r);
}

/* Overflow is rejected with a warning, never wrapped. */
static void test_inet_huge_numbers(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_INET, "tcp",
				   TCP_HDR
				   "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 18446744073709551616\n"
				   "   1: 0100007F:1F90 00000000:0000 0A 10000000000000000:00000000 00:00000000 00000000 0 0 1\n"
				   "   2: 0100007F:1F90 00000000:0000 0A 8000000000000000:00000000 00:00000000 00000000 0 0 1\n"
				   "   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 99999999999999999999 0 1\n"
				   "   4: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 18446744073709551615\n"
				   "   5: 0100007F:1F90 00000000:0000 01 00000000:00000000 01:FFFFFFFFFFFFFF9C 00000000 0 0 9\n"
				   "   6: 0100007F:1F90 00000000:0000 01 00000000:00000000 01:FFFFFFFF 00000000 0 0 10\n",
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	/* lines 2-5 rejected; u64 max inode is legal; old-kernel negative timer kept, time unknown */
	assert_int_equal(r->nrows, 3);
	assert_int_equal(r->rows[0].inode, UINT64_MAX);
	assert_int_equal(r->rows[1].line, 7);
	assert_int_equal(r->rows[1].timer, 1);
	assert_int_equal(r->rows[1].timer_ms, SM_NONE);
	assert_int_equal(r->rows[2].timer_ms, (int64_t)0xFFFFFFFF * 10);
	assert_int_equal(r->nwarn, 5);
	assert_int_equal(r->warn_line[0], 2);
	assert_int_equal(r->warn_line[3], 5);
	assert_int_equal(r->warn_line[4], 7);
	rowrec_delete(r);
}

static void test_inet_truncated_last_line(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	/* complete row without its newline */
	r = parse_text(T_INET, "tcp",
		       TCP_HDR "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 1);
	assert_int_equal(r->rows[0].inode, 111);
	assert_int_equal(r->nwarn, 0);
	rowrec_delete(r);
	/* row cut in the middle */
	r = parse_text(T_INET, "tcp", TCP_HDR ROW_A "   1: 0100007F:1F90 0000000", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 1);
	assert_int_equal(r->nwarn, 1);
	assert_int_equal(r->warn_line[0], 3);
	rowrec_delete(r);
	/* cut inside the header */
	r = parse_text(T_INET, "tcp", "  sl  local_add", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
}

static void test_inet_crlf(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_INET, "tcp",
				   "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\r\n"
				   "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 111\r\n"
				   "   1: 0100007F:1F90 0100007F:D431 01 00000010:00000020 02:00000064 00000003  1000        0 222\r\n",
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->nwarn, 0);
	assert_int_equal(r->rows[0].inode, 111);
	assert_int_equal(r->rows[1].inode, 222);
	rowrec_delete(r);
}

/* A NUL byte inside a row must not be taken for the end of the input. */
static void test_inet_embedded_nul(void **state)
{
	static const char text[] = TCP_HDR "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\0 2\n" ROW_A;
	struct sm_sink sink;
	struct rowrec *r = rowrec_new();
	char *buf = exact_copy(text, sizeof(text) - 1);

	(void)state;
	rowrec_sink(r, &sink);
	assert_int_equal(parse_procnet_inet(buf, sizeof(text) - 1, "tcp", &sink), 0);
	assert_int_equal(r->nrows, 1);
	assert_int_equal(r->rows[0].inode, 111);
	assert_int_equal(r->nwarn, 1);
	free(buf);
	rowrec_delete(r);
}

static void test_inet_v6_forms(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_INET, "tcp6",
				   TCP6_HDR
				   /* ::ffff:127.0.0.1 -> ::ffff:10.0.0.1 */
				   "   0: 0000000000000000FFFF00000100007F:1F90 0000000000000000FFFF00000100000A:C000 01 00000000:00000000 00:00000000 00000000  1000        0 5 1 0000000000000000 20 4 30 10 -1\n"
				   /* 2001:db8::1 */
				   "   1: B80D0120000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6 1 0000000000000000 100 0 0 10 0\n"
				   /* a v4 row in a v6 table decodes by width */
				   "   2: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7\n"
				   /* 31 digits */
				   "   3: B80D012000000000000000000100000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 8\n",
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 3);
	assert_int_equal(r->nwarn, 1);
	assert_int_equal(r->warn_line[0], 5);
	check_inet(&r->rows[0], 2, "ESTABLISHED", "::ffff:127.0.0.1", 8080, "::ffff:10.0.0.1",
		   49152, 1000, 5);
	check_inet(&r->rows[1], 3, "LISTEN", "2001:db8::1", 80, "::", 0, 0, 6);
	check_inet(&r->rows[2], 4, "LISTEN", "127.0.0.1", 80, "0.0.0.0", 0, 0, 7);
	rowrec_delete(r);
}

static void test_inet_udp_raw(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_INET, "udp",
				   UDP_HDR
				   "  123: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 20995 2 0000000000000000 0\n"
				   "  200: 0100007F:A000 0100007F:0035 01 00000000:00000300 00:00000000 00000000  1000        0 20996 2 0000000000000000 12\n",
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->nwarn, 0);
	assert_string_equal(r->rows[0].proto, "udp");
	check_inet(&r->rows[0], 2, "CLOSE", "127.0.0.53", 53, "0.0.0.0", 0, 101, 20995);
	check_inet(&r->rows[1], 3, "ESTABLISHED", "127.0.0.1", 40960, "127.0.0.1", 53, 1000, 20996);
	assert_int_equal(r->rows[1].rx_queue, 0x300);
	rowrec_delete(r);
	/* raw: the "port" is the IP protocol (1 = ICMP) */
	r = parse_text(T_INET, "raw",
		       "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
		       "   1: 00000000:0001 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0\n",
		       &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 1);
	assert_string_equal(r->rows[0].proto, "raw");
	check_inet(&r->rows[0], 2, "CLOSE", "0.0.0.0", 1, "0.0.0.0", 0, 0, 4242);
	rowrec_delete(r);
}

/* Two dumps with their headers, and a header with moved columns. */
static void test_inet_second_header(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_INET, "tcp",
				   TCP_HDR ROW_A
				   "  sl  local_address rem_address   st uid inode\n"
				   "   0: 0100007F:0016 00000000:0000 0A 33 44\n"
				   "  sl  nonsense\n"
				   "   1: 0100007F:0017 00000000:0000 0A 35 46\n",
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 3);
	assert_int_equal(r->nwarn, 1);
	assert_int_equal(r->warn_line[0], 5);
	assert_int_equal(r->rows[1].uid, 33);
	assert_int_equal(r->rows[1].inode, 44);
	assert_int_equal(r->rows[1].timer, SM_NONE);
	assert_int_equal(r->rows[1].tx_queue, SM_NONE);
	/* the bad header left the previous layout in force */
	assert_int_equal(r->rows[2].inode, 46);
	rowrec_delete(r);
}

static void test_inet_callback_stops(void **state)
{
	static const char text[] = TCP_HDR ROW_A ROW_B ROW_A;
	struct sm_sink sink;
	struct rowrec *r = rowrec_new();
	size_t len = sizeof(text) - 1;
	char *buf = exact_copy(text, len);

	(void)state;
	rowrec_sink(r, &sink);
	r->stop_at = 2;
	r->stop_rc = 7;
	assert_int_equal(parse_procnet_inet(buf, len, "tcp", &sink), 7);
	assert_int_equal(r->nrows, 2);
	/* a sink with no callbacks at all */
	memset(&sink, 0, sizeof(sink));
	sink.ctx = r;
	assert_int_equal(parse_procnet_inet(buf, len, "tcp", &sink), 0);
	assert_int_equal(parse_procnet_inet(buf, len, "tcp", NULL), 0);
	free(buf);
	rowrec_delete(r);
}

/* sink->known: records each key offered; says "known" to keys holding "222". */
struct known_rec {
	char key[8][200];
	char skipped[8][32];
	int span_rc[8];
	int64_t tx[8], rx[8], timer[8];
	const struct sm_line_moving *moving;
	char hdr[8][200];
	size_t n;
};

static int known_cb(void *ctx, const char *hdr, size_t hlen, const struct sm_line_key *k)
{
	struct known_rec *kr = ctx;
	size_t i = kr->n++;

	assert_true(i < 8);
	snprintf(kr->hdr[i], sizeof(kr->hdr[i]), "%.*s", (int)hlen, hdr);
	snprintf(kr->key[i], sizeof(kr->key[i]), "%.*s", (int)k->len, k->p);
	kr->moving = k->moving;
	kr->span_rc[i] = -2;
	if (k->moving) {
		struct sm_line_span sp;

		memset(&sp, 0, sizeof(sp));
		kr->span_rc[i] = k->moving->span(k->moving_ctx, k, &sp);
		if (kr->span_rc[i] == 0) {
			assert_true(sp.off + sp.len <= k->len);
			snprintf(kr->skipped[i], sizeof(kr->skipped[i]), "%.*s", (int)sp.len, k->p + sp.off);
			kr->tx[i] = sp.tx_queue;
			kr->rx[i] = sp.rx_queue;
			kr->timer[i] = sp.timer;
		}
	}
	return strstr(kr->key[i], " 222 ") != NULL;
}

static int known_row(void *ctx, const struct sm_socket_row *row)
{
	struct known_rec *kr = ctx;

	/* a row comes only for a line that was not known */
	assert_true(kr->n > 0);
	assert_null(strstr(kr->key[kr->n - 1], " 222 "));
	assert_true(row->inode == 111 || row->inode == 333);
	return 0;
}

/* A tcp table parsed with known_cb as sink->known, into kr. */
static void known_parse(const char *text, size_t len, struct known_rec *kr)
{
	struct sm_sink sink;

	memset(kr, 0, sizeof(*kr));
	memset(&sink, 0, sizeof(sink));
	sink.ctx = kr;
	sink.known = known_cb;
	sink.socket = known_row;
	assert_int_equal(parse_procnet_inet(text, len, "tcp", &sink), 0);
}

/* The keys offered to sink->known: without the slot, their moving part
 * the queues and timer, read as the row reader reads them, and none when
 * that reader would warn about them; a known line makes no row. */
static void test_inet_known_lines(void **state)
{
	static const char text[] = TCP_HDR ROW_A ROW_B
		"   2: 0100007F:D431 0100007F:1F90 01 00000000:00000000 02:000AFC80 00000000  1000        0 333 1 0000000000000000 20 4 30 10 -1\n"
		"   3: 0100007F:D431 0100007F:1F91 01 00000000:00000000 02:1000AFC80 00000000  1000        0 333 1 0000000000000000 20 4 30 10 -1\n"
		"   4: 0100007F:D431\t0100007F:1F92   01 00000000:00000001 00:00000000 00000000  1000        0 333 1 0000000000000000 20 4 30 10 -1\n";
	struct known_rec kr;

	(void)state;
	known_parse(text, sizeof(text) - 1, &kr);
	assert_int_equal(kr.n, 5);
	assert_string_equal(kr.hdr[0], "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
	assert_int_equal(strncmp(kr.key[0], "0100007F:1F90 00000000:0000 0A", 30), 0);
	assert_int_equal(kr.span_rc[0], 0);
	assert_string_equal(kr.skipped[0], "00000000:00000000 00:00000000");
	assert_string_equal(kr.skipped[1], "00000010:00000020 02:00000064");
	assert_int_equal(kr.tx[1], 16);
	assert_int_equal(kr.rx[1], 32);
	assert_int_equal(kr.timer[1], 2);
	assert_string_equal(kr.skipped[2], "00000000:00000000 02:000AFC80");
	assert_int_equal(strncmp(kr.key[2], "0100007F:D431", 13), 0);
	/* a time left out of range (the reader warns): no moving part */
	assert_int_equal(kr.span_rc[3], -1);
	/* fields apart by a tab, by several blanks: split as the reader does */
	assert_int_equal(kr.span_rc[4], 0);
	assert_string_equal(kr.skipped[4], "00000000:00000001 00:00000000");
	assert_int_equal(kr.rx[4], 1);
}

/* A moving part found where another line had it is read strictly: only
 * the kernel's own form, its values given unless only the time left moved. */
static void test_inet_moving_read(void **state)
{
	static const char text[] = TCP_HDR ROW_A;
	struct known_rec kr;
	const struct sm_line_moving *mv;
	struct sm_line_span sp;
	const char *was = "00000000:00000000 02:000AFC80";

	(void)state;
	known_parse(text, sizeof(text) - 1, &kr);
	/* the moving ops of the line just offered */
	mv = kr.n ? kr.moving : NULL;
	assert_non_null(mv);
	memset(&sp, 0, sizeof(sp));
	assert_int_equal(mv->read("00000000:00000000 02:000AFC7F", was, 29, &sp), 0);
	assert_int_equal(sp.has_values, 0);
	assert_int_equal(mv->read("0000000A:00000000 02:000AFC7F", was, 29, &sp), 0);
	assert_int_equal(sp.has_values, 1);
	assert_int_equal(sp.tx_queue, 10);
	assert_int_equal(sp.timer, 2);
	assert_int_equal(mv->read("00000000:00000000 02:000AFCxx", was, 29, &sp), -1);
	assert_int_equal(mv->read("00000000 00000000 02:000AFC7F", was, 29, &sp), -1);
	assert_int_equal(mv->read("0000000g:00000000 02:000AFC7F", was, 29, &sp), -1);
	assert_int_equal(mv->read("00000000:00000000 02:000AFC7", was, 28, &sp), -1);
}

/* sink->known_next: the keys offered (to the end of their line), those
 * taken (holding " 222 "), then known()'s keys, the rows and warnings. */
struct next_rec {
	char next_key[8][200], known_key[8][200];
	size_t nnext, nknown, nrows, nwarn;
	int64_t inode[8];
	uint64_t warn_line[8];
};

static size_t next_cb(void *ctx, const char *hdr, size_t hlen, const char *p, size_t avail,
		      const struct sm_line_moving *moving)
{
	struct next_rec *nr = ctx;
	const char *nl = memchr(p, '\n', avail);
	size_t len = nl ? (size_t)(nl - p) : avail, i = nr->nnext++;

	assert_true(i < 8);
	assert_true(hlen > 4 && !strncmp(hdr, "  sl", 4));
	assert_non_null(moving);
	snprintf(nr->next_key[i], sizeof(nr->next_key[i]), "%.*s", (int)len, p);
	return strstr(nr->next_key[i], " 222 ") ? len : 0;
}

static int next_known_cb(void *ctx, const char *hdr, size_t hlen, const struct sm_line_key *k)
{
	struct next_rec *nr = ctx;
	size_t i = nr->nknown++;

	(void)hdr;
	(void)hlen;
	assert_true(i < 8);
	snprintf(nr->known_key[i], sizeof(nr->known_key[i]), "%.*s", (int)k->len, k->p);
	return 0;
}

static int next_row(void *ctx, const struct sm_socket_row *row)
{
	struct next_rec *nr = ctx;

	assert_true(nr->nrows < 8);
	nr->inode[nr->nrows++] = row->inode;
	return 0;
}

static void next_warn(void *ctx, uint64_t line, const char *msg)
{
	struct next_rec *nr = ctx;

	(void)msg;
	assert_true(nr->nwarn < 8);
	nr->warn_line[nr->nwarn++] = line;
}

/* Lines the consumer expects next are taken before their end is sought:
 * offered from past the slot (the key known() would get), never a header,
 * a blank line or a slot alone; a line taken makes no known() and no row,
 * and the lines after it keep their numbers; the last line may lack its
 * '\n'. */
static void test_inet_known_next(void **state)
{
	static const char text[] = TCP_HDR ROW_A ROW_B "   2: garbage\n\n   7:\n" TCP_HDR
		"   3: 0100007F:1F90 0100007F:D432 01 00000010:00000020 02:00000064 00000003  1000        0 222 1 0000000000000000 20 4 30 10 -1";
	struct next_rec nr;
	struct sm_sink sink;

	(void)state;
	memset(&nr, 0, sizeof(nr));
	memset(&sink, 0, sizeof(sink));
	sink.ctx = &nr;
	sink.known_next = next_cb;
	sink.known = next_known_cb;
	sink.socket = next_row;
	sink.warn = next_warn;
	assert_int_equal(parse_procnet_inet(text, sizeof(text) - 1, "tcp", &sink), 0);
	assert_int_equal(nr.nnext, 4);   /* ROW_A, ROW_B, garbage, the last */
	assert_int_equal(strncmp(nr.next_key[0], "0100007F:1F90 00000000:0000 0A", 30), 0);
	assert_int_equal(strncmp(nr.next_key[1], "0100007F:1F90 0100007F:D431", 27), 0);
	assert_string_equal(nr.next_key[2], "garbage");
	assert_int_equal(strncmp(nr.next_key[3], "0100007F:1F90 0100007F:D432", 27), 0);
	assert_int_equal(nr.nknown, 3);  /* ROW_A, garbage, the slot alone */
	assert_string_equal(nr.known_key[0], nr.next_key[0]);
	assert_string_equal(nr.known_key[1], "garbage");
	assert_int_equal(nr.nrows, 1);
	assert_int_equal(nr.inode[0], 111);
	assert_int_equal(nr.nwarn, 2);
	assert_int_equal(nr.warn_line[0], 4);
	assert_int_equal(nr.warn_line[1], 6);
}

/* --- unix edge cases ------------------------------------------------------ */

#define UNIX_HDR "Num       RefCount Protocol Flags    Type St Inode Path\n"

static void test_unix_edges(void **state)
{
	int rc;
	struct rowrec *r = parse_text(T_UNIX, NULL,
				   UNIX_HDR
				   "0000000000000000: 00000002 00000000 00010000 0001 01   123 /tmp/with space/s.sock\r\n" /* 2 */
				   "0000000000000000: 00000002 00000000 00000000 0001 02  1234 @abs@with@nuls\n"            /* 3 */
				   "0000000000000000: 00000002 00000000 00000000 0005 04 12345  /leading-space\n"           /* 4 */
				   "0000000000000000: 00000002 00000000 00000000 0001 03 12346   \n"                        /* 5 */
				   "0000000000000000: 00000002 00000000\n"                                                  /* 6 */
				   "zzzz: 00000002 00000000 00000000 0001 03 5 /x\n"                                        /* 7 */
				   "0000000000000000 00000002 00000000 00000000 0001 03 5 /x\n"                             /* 8 */
				   "0000000000000000: 00000002 00000000 00000000 0001 03 99999999999999999999 /x\n"         /* 9 */
				   "0000000000000000: 00000002 00000000 00000000 0003 07 77 /odd\n"                         /* 10 */
				   "0000000000000000: 00000002 00000000 00000000 0001 03 78",                               /* 11 */
				   &rc);

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 6);
	check_unix(&r->rows[0], 2, "LISTEN", "stream", 123, "/tmp/with space/s.sock");
	check_unix(&r->rows[1], 3, "CONNECTING", "stream", 1234, "@abs@with@nuls");
	check_unix(&r->rows[2], 4, "DISCONNECTING", "seqpacket", 12345, " /leading-space");
	check_unix(&r->rows[3], 5, "CONNECTED", "stream", 12346, NULL);
	/* unknown type and state: kept, both NULL, warned */
	assert_int_equal(r->rows[4].line, 10);
	assert_null(r->rows[4].state);
	assert_null(r->rows[4].unix_type);
	assert_int_equal(r->rows[4].inode, 77);
	check_unix(&r->rows[5], 11, "CONNECTED", "stream", 78, NULL);
	assert_int_equal(r->nwarn, 5);
	assert_int_equal(r->warn_line[0], 6);
	assert_int_equal(r->warn_line[1], 7);
	assert_int_equal(r->warn_line[2], 8);
	assert_int_equal(r->warn_line[3], 9);
	assert_int_equal(r->warn_line[4], 10);
	rowrec_delete(r);
}

static void test_unix_long_path_and_empty(void **state)
{
	char text[2048];
	int rc;
	struct rowrec *r;

	(void)state;
	snprintf(text, sizeof(text), UNIX_HDR "0000000000000000: 00000002 00000000 00000000 0001 03 9 /%0600d\n", 0);
	r = parse_text(T_UNIX, NULL, text, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 1);
	assert_int_equal(r->rows[0].inode, 9);
	assert_int_equal(strlen(r->rows[0].unix_path), 255);
	assert_int_equal(r->nwarn, 1);
	rowrec_delete(r);
	r = parse_text(T_UNIX, NULL, "", &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 0);
	rowrec_delete(r);
	r = parse_text(T_UNIX, NULL, "Num RefCount Protocol\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	/* Path must be the last column: anything after it would be ambiguous */
	r = parse_text(T_UNIX, NULL, "Num RefCount Protocol Flags Type St Path Inode\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
}

/* --- netlink and packet --------------------------------------------------- */

static void test_netlink_packet(void **state)
{
	int rc;
	struct rowrec *r;

	(void)state;
	r = parse_text(T_NETLINK, NULL,
		       "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
		       "0000000052aa22d7 0   0          00000000 0        0        0     2        0        4       \n"
		       "ffff9b61a7842800 0   1234       00000551 2304     0        0     2        0        34567   \n"
		       "ffff9b61a7842c00 15  1\n"
		       "notapointer      0   0          00000000 0        0        0     2        0        5\n",
		       &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 2);
	assert_string_equal(r->rows[0].proto, "netlink");
	assert_int_equal(r->rows[0].inode, 4);
	assert_int_equal(r->rows[1].inode, 34567);
	assert_int_equal(r->rows[1].rx_queue, 2304);
	assert_int_equal(r->rows[1].tx_queue, 0);
	assert_null(r->rows[1].state);
	assert_int_equal(r->nwarn, 2);
	assert_int_equal(r->warn_line[0], 4);
	assert_int_equal(r->warn_line[1], 5);
	rowrec_delete(r);
	r = parse_text(T_PACKET, NULL,
		       "sk               RefCnt Type Proto  Iface R Rmem   User   Inode\n"
		       "ffff9b61b4a40000 3      3    0003   2     1 0      0      45678 \n"
		       "0000000000000000 3      2    0800   0     1 768    1000   45679",
		       &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->nwarn, 0);
	assert_string_equal(r->rows[0].proto, "packet");
	assert_int_equal(r->rows[0].inode, 45678);
	assert_int_equal(r->rows[0].uid, 0);
	assert_int_equal(r->rows[1].inode, 45679);
	assert_int_equal(r->rows[1].uid, 1000);
	assert_int_equal(r->rows[1].rx_queue, 768);
	rowrec_delete(r);
	/* each rejects the other's table */
	r = parse_text(T_PACKET, NULL, "sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	r = parse_text(T_NETLINK, NULL, "sk RefCnt Type Proto Iface R Rmem User Inode\n", &rc);
	assert_int_equal(rc, -1);
	rowrec_delete(r);
	r = parse_text(T_NETLINK, NULL, "", &rc);
	assert_int_equal(rc, 0);
	rowrec_delete(r);
}

/* --- live tables ---------------------------------------------------------- */

/* Parse a live /proc/net table (no warnings); NULL if the kernel lacks it. */
static struct rowrec *parse_live(enum table t, const char *proto, const char *path)
{
	struct rowrec *r;
	size_t len;
	char *buf = read_corpus_file(path, &len);

	if (!buf)
		return NULL;
	r = rowrec_new();
	assert_int_equal(rowrec_run(r, table_parser(t, proto), buf, len), 0);
	assert_int_equal(r->nwarn, 0);
	free(buf);
	return r;
}

/* A listener and a connected pair over IPv4 loopback. */
static void test_live_tcp4(void **state)
{
	int64_t port;
	int l, c, s;
	struct rowrec *r;
	const struct sm_socket_row *o;

	(void)state;
	l = livesock_listen(16, &port);
	c = livesock_connect(port);
	s = accept(l, NULL, NULL);
	assert_true(s >= 0);

	r = parse_live(T_INET, "tcp", "/proc/net/tcp");
	assert_non_null(r);
	o = rowrec_row_by_inode(r, livesock_inode(l));
	assert_non_null(o);
	check_inet(o, o->line, "LISTEN", "127.0.0.1", port, "0.0.0.0", 0,
		   (int64_t)getuid(), livesock_inode(l));
	o = rowrec_row_by_inode(r, livesock_inode(c));
	assert_non_null(o);
	assert_string_equal(o->state, "ESTABLISHED");
	assert_int_equal(o->remote_port, port);
	o = rowrec_row_by_inode(r, livesock_inode(s));
	assert_non_null(o);
	assert_string_equal(o->state, "ESTABLISHED");
	assert_int_equal(o->local_port, port);
	rowrec_delete(r);
	close(s);
	close(c);
	close(l);
}

/* A v6 socket talking to a v4 address shows ::ffff:127.0.0.1 in tcp6. */
static void test_live_tcp6_mapped(void **state)
{
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 };
	int64_t port;
	int l, c;
	struct rowrec *r;
	const struct sm_socket_row *o;

	(void)state;
	c = socket(AF_INET6, SOCK_STREAM, 0);
	if (c < 0)
		skip();
	l = livesock_listen(4, &port);
	assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &m.sin6_addr), 1);
	m.sin6_port = htons((uint16_t)port);
	assert_int_equal(connect(c, (struct sockaddr *)&m, sizeof(m)), 0);

	r = parse_live(T_INET, "tcp6", "/proc/net/tcp6");
	assert_non_null(r);
	o = rowrec_row_by_inode(r, livesock_inode(c));
	assert_non_null(o);
	assert_string_equal(o->state, "ESTABLISHED");
	assert_string_equal(o->local_addr, "::ffff:127.0.0.1");
	assert_string_equal(o->remote_addr, "::ffff:127.0.0.1");
	assert_int_equal(o->remote_port, port);
	rowrec_delete(r);
	close(c);
	close(l);
}

static void test_live_udp(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct rowrec *r;
	const struct sm_socket_row *o;

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(u, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(u, (struct sockaddr *)&a, &alen), 0);
	r = parse_live(T_INET, "udp", "/proc/net/udp");
	assert_non_null(r);
	o = rowrec_row_by_inode(r, livesock_inode(u));
	assert_non_null(o);
	check_inet(o, o->line, "CLOSE", "127.0.0.1", ntohs(a.sin_port), "0.0.0.0", 0,
		   (int64_t)getuid(), livesock_inode(u));
	rowrec_delete(r);
	close(u);
}

static void test_live_unix_netlink(void **state)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	char want[64];
	int u = socket(AF_UNIX, SOCK_STREAM, 0), n;
	size_t alen;
	struct rowrec *r;
	const struct sm_socket_row *o;

	(void)state;
	/* abstract name: sun_path[0] is NUL, printed with a leading '@' */
	snprintf(want, sizeof(want), "@sockmortem-test-%ld", (long)getpid());
	memcpy(un.sun_path + 1, want + 1, strlen(want) - 1);
	alen = offsetof(struct sockaddr_un, sun_path) + strlen(want);
	assert_int_equal(bind(u, (struct sockaddr *)&un, (socklen_t)alen), 0);
	assert_int_equal(listen(u, 4), 0);
	r = parse_live(T_UNIX, NULL, "/proc/net/unix");
	assert_non_null(r);
	o = rowrec_row_by_inode(r, livesock_inode(u));
	assert_non_null(o);
	check_unix(o, o->line, "LISTEN", "stream", livesock_inode(u), want);
	rowrec_delete(r);
	close(u);

	n = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	if (n < 0)
		return;
	assert_int_equal(bind(n, (struct sockaddr *)&nl, sizeof(nl)), 0);
	r = parse_live(T_NETLINK, NULL, "/proc/net/netlink");
	assert_non_null(r);
	assert_non_null(rowrec_row_by_inode(r, livesock_inode(n)));
	rowrec_delete(r);
	close(n);
}

/* Every table this kernel has parses without a single warning. */
static void test_live_all_tables(void **state)
{
	static const char *const inet[] = {
		"tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6",
	};
	char path[64];
	size_t i;
	struct rowrec *r;

	(void)state;
	for (i = 0; i < sizeof(inet) / sizeof(inet[0]); i++) {
		snprintf(path, sizeof(path), "/proc/net/%s", inet[i]);
		rowrec_delete(parse_live(T_INET, inet[i], path));
	}
	rowrec_delete(parse_live(T_UNIX, NULL, "/proc/net/unix"));
	rowrec_delete(parse_live(T_PACKET, NULL, "/proc/net/packet"));
	r = parse_live(T_NETLINK, NULL, "/proc/net/netlink");
	if (r)
		assert_true(r->nrows > 0);   /* the kernel's own netlink sockets */
	rowrec_delete(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_procfs_tcp),
		cmocka_unit_test(test_corpus_mediamtx_hashed),
		cmocka_unit_test(test_corpus_jc_tcp),
		cmocka_unit_test(test_corpus_procfs_tcp6),
		cmocka_unit_test(test_corpus_netdata_tcp6),
		cmocka_unit_test(test_corpus_jc_tcp6),
		cmocka_unit_test(test_corpus_jc_unix),
		cmocka_unit_test(test_corpus_unix_kptr_restricted),
		cmocka_unit_test(test_corpus_unix_without_inode),
		cmocka_unit_test(test_corpus_wrong_parser),
		cmocka_unit_test(test_inet_empty_and_header_only),
		cmocka_unit_test(test_inet_not_the_format),
		cmocka_unit_test(test_inet_fields),
		cmocka_unit_test(test_inet_garbage_lines),
		cmocka_unit_test(test_inet_huge_numbers),
		cmocka_unit_test(test_inet_truncated_last_line),
		cmocka_unit_test(test_inet_crlf),
		cmocka_unit_test(test_inet_embedded_nul),
		cmocka_unit_test(test_inet_v6_forms),
		cmocka_unit_test(test_inet_udp_raw),
		cmocka_unit_test(test_inet_known_lines),
		cmocka_unit_test(test_inet_known_next),
		cmocka_unit_test(test_inet_moving_read),
		cmocka_unit_test(test_inet_second_header),
		cmocka_unit_test(test_inet_callback_stops),
		cmocka_unit_test(test_unix_edges),
		cmocka_unit_test(test_unix_long_path_and_empty),
		cmocka_unit_test(test_netlink_packet),
		cmocka_unit_test(test_live_tcp4),
		cmocka_unit_test(test_live_tcp6_mapped),
		cmocka_unit_test(test_live_udp),
		cmocka_unit_test(test_live_unix_netlink),
		cmocka_unit_test(test_live_all_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
