/*
 * Unit tests for parse_ss / parse_ss_summary: every file of
 * tests/data/corpus/ss with figures counted by hand (grep/awk), edge cases
 * (empty, garbage, CRLF, no final newline, huge lines, overflowing
 * numbers, inputs not NUL-terminated), and the real /usr/bin/ss run while
 * this process holds a listener, an established pair and a CLOSE_WAIT
 * socket. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "livesock.h"
#include "parse_ss.h"
#include "rowrec.h"

#define CORPUS "tests/data/corpus/ss/"

/* ---- corpus ------------------------------------------------------------ */

static void t_corpus_datadog_ipv6(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "datadog-integrations-core-ss_ipv6_tcp.txt"), 0);
	assert_int_equal(c.nrows, 4);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp6", NULL), 4);
	assert_int_equal(rowrec_count(&c, NULL, "LISTEN"), 1);
	assert_int_equal(rowrec_count(&c, NULL, "TIME_WAIT"), 1);
	assert_int_equal(rowrec_count(&c, NULL, "ESTABLISHED"), 1);
	assert_int_equal(rowrec_count(&c, NULL, "CLOSING"), 1);
	r = rowrec_row_at(&c, 2, 0);           /* LISTEN 0 50 :::9200 :::* (old, unbracketed) */
	assert_string_equal(r->local_addr, "::");
	assert_int_equal(r->local_port, 9200);
	assert_string_equal(r->remote_addr, "::");
	assert_true(r->remote_port == SM_NONE);
	assert_int_equal(r->listen_backlog, 50);
	assert_true(r->tx_queue == SM_NONE);
	assert_int_equal(r->rx_queue, 0);
	r = rowrec_row_at(&c, 4, 0);           /* ::ffff:127.0.0.1:2181 ::ffff:127.0.0.1:43874 */
	assert_string_equal(r->local_addr, "::ffff:127.0.0.1");
	assert_int_equal(r->local_port, 2181);
	assert_string_equal(r->remote_addr, "::ffff:127.0.0.1");
	assert_int_equal(r->remote_port, 43874);
	r = rowrec_row_at(&c, 3, 0);
	assert_string_equal(r->local_addr, "::1");
	assert_int_equal(r->local_port, 35048);
	assert_int_equal(r->remote_port, 17123);
	rowrec_free(&c);
}

static void t_corpus_netdata_syn_sent(void **state)
{
	static const int64_t ports[] = { 46460, 46462, 46464, 46466 };
	struct rowrec c = ROWREC_LISTING;
	size_t i;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "issue-netdata-2169-ss-ant-syn-sent.txt"), 0);
	assert_int_equal(c.nrows, 4);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "SYN_SENT"), 4);
	for (i = 0; i < 4; i++) {
		const struct sm_socket_row *r = &c.rows[i];

		assert_int_equal(r->line, i + 2);
		assert_string_equal(r->local_addr, "172.27.233.198");
		assert_int_equal(r->local_port, ports[i]);
		assert_string_equal(r->remote_addr, "10.1.1.1");
		assert_int_equal(r->remote_port, 8080);
		assert_int_equal(r->tx_queue, 1);
		assert_int_equal(r->rx_queue, 0);
		assert_int_equal(r->inode, 0);
		assert_true(r->pid == SM_NONE);
	}
	rowrec_free(&c);
}

static void t_corpus_osquery_old_ss(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "issue-osquery-4173-ss-tauepnn-old-sk-pointer.txt"), 0);
	assert_int_equal(c.nrows, 3);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 2);
	assert_int_equal(rowrec_count(&c, "udp6", "CLOSE"), 1);
	r = rowrec_row_at(&c, 2, 0);           /* *:68 users:(("dhclient",pid=642,fd=6)) ino:15089 */
	assert_string_equal(r->local_addr, "0.0.0.0");
	assert_int_equal(r->local_port, 68);
	assert_string_equal(r->remote_addr, "0.0.0.0");
	assert_true(r->remote_port == SM_NONE);
	assert_string_equal(r->comm, "dhclient");
	assert_int_equal(r->pid, 642);
	assert_int_equal(r->fd, 6);
	assert_int_equal(r->inode, 15089);
	assert_int_equal(r->uid, 0);    /* -e without uid: means root */
	r = rowrec_row_at(&c, 4, 0);           /* :::30666 ... v6only:1 */
	assert_string_equal(r->proto, "udp6");
	assert_string_equal(r->local_addr, "::");
	assert_int_equal(r->local_port, 30666);
	assert_int_equal(r->fd, 21);
	assert_int_equal(r->inode, 15067);
	rowrec_free(&c);
}

static void t_corpus_centos_all(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;
	size_t i, nopath = 0;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "jc-centos7.7-ss-a-sudo.out"), 0);
	assert_int_equal(c.nrows, 203);
	assert_int_equal(c.nwarn, 0);
	/* awk '{print $1}' | sort | uniq -c */
	assert_int_equal(rowrec_count(&c, "netlink", NULL), 42);
	assert_int_equal(rowrec_count(&c, "packet", NULL), 1);
	assert_int_equal(rowrec_count(&c, "raw6", NULL), 1);        /* raw [::]:ipv6-icmp */
	assert_int_equal(rowrec_count(&c, "udp", NULL), 2);
	assert_int_equal(rowrec_count(&c, "udp6", NULL), 1);        /* [::1]:323 */
	assert_int_equal(rowrec_count(&c, "tcp", NULL), 2);
	assert_int_equal(rowrec_count(&c, "tcp6", NULL), 4);
	assert_int_equal(rowrec_count(&c, "unix", NULL), 150);      /* 122 u_str, 27 u_dgr, 1 u_seq */
	assert_int_equal(rowrec_count(&c, "unix", "CONNECTED"), 90);
	assert_int_equal(rowrec_count(&c, "unix", "LISTEN"), 33);
	assert_int_equal(rowrec_count(&c, "unix", "UNCONNECTED"), 27);
	assert_int_equal(rowrec_count(&c, NULL, "CLOSE"), 47);      /* 42 nl + p_raw + raw + 3 udp */
	assert_int_equal(rowrec_count(&c, "tcp6", "ESTABLISHED"), 2);
	for (i = 0; i < c.nrows; i++)
		if (!strcmp(c.rows[i].proto, "unix") && !c.rows[i].unix_path)
			nopath++;
	assert_int_equal(nopath, 93);                        /* local address "*" */
	r = rowrec_row_at(&c, 86, 0);  /* u_str ESTAB 0 0 /run/dbus/system_bus_socket 19064 * 19063 */
	assert_string_equal(r->unix_path, "/run/dbus/system_bus_socket");
	assert_string_equal(r->unix_type, "stream");
	assert_int_equal(r->inode, 19064);
	r = rowrec_row_at(&c, 196, 0); /* udp UNCONN 0 0 *:bootpc *:* -> service name, no port */
	assert_string_equal(r->local_addr, "0.0.0.0");
	assert_true(r->local_port == SM_NONE);
	r = rowrec_row_at(&c, 2, 0);   /* nl UNCONN 768 0 rtnl:dockerd-current/1220 * */
	assert_string_equal(r->local_addr, "rtnl:dockerd-current/1220");
	assert_int_equal(r->rx_queue, 768);
	rowrec_free(&c);
}

static void t_corpus_wide(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;
	size_t i, at141 = 0;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "jc-generic-ss-wide.out"), 0);
	/* 155 socket lines; one row per ("comm",pid,fd) tuple */
	assert_int_equal(c.nrows, 322);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 184);
	assert_int_equal(rowrec_count(&c, "tcp6", "LISTEN"), 10);   /* 9 [::] + *:6556 v6only:0 */
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 121);
	assert_int_equal(rowrec_count(&c, "udp6", "CLOSE"), 7);
	for (i = 0; i < c.nrows; i++)
		if (c.rows[i].line == 141)
			at141++;
	assert_int_equal(at141, 17);    /* master + 16 smtpd share 0.0.0.0:25 */
	r = rowrec_row_at(&c, 141, 16);
	assert_string_equal(r->comm, "smtpd");
	assert_int_equal(r->pid, 308357);
	assert_int_equal(r->fd, 6);
	assert_int_equal(r->inode, 815320087);
	assert_int_equal(r->listen_backlog, 100);
	r = rowrec_row_at(&c, 141, 0);
	assert_string_equal(r->comm, "master");
	assert_int_equal(r->pid, 1978854);
	assert_int_equal(r->inode, 815320087);
	r = rowrec_row_at(&c, 125, 0);         /* [fe80::9cc5:aeff:fec5:34ae]%eth0:123 */
	assert_string_equal(r->proto, "udp6");
	assert_string_equal(r->local_addr, "fe80::9cc5:aeff:fec5:34ae");
	assert_int_equal(r->local_port, 123);
	r = rowrec_row_at(&c, 153, 0);         /* *:6556 *:* ... v6only:0 */
	assert_string_equal(r->proto, "tcp6");
	assert_string_equal(r->local_addr, "::");
	assert_int_equal(r->local_port, 6556);
	r = rowrec_row_at(&c, 4, 0);           /* ino above 2^31 */
	assert_int_equal(r->inode, 3006390304ULL);
	assert_int_equal(r->uid, 0);
	rowrec_free(&c);
}

static void t_corpus_ubuntu_all(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "jc-ubuntu18.04-ss-a-sudo.out"), 0);
	assert_int_equal(c.nrows, 158);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "unix", NULL), 110);      /* 74 u_str, 35 u_dgr, 1 u_seq */
	assert_int_equal(rowrec_count(&c, "unix", "CONNECTED"), 54);
	assert_int_equal(rowrec_count(&c, "unix", "LISTEN"), 21);
	assert_int_equal(rowrec_count(&c, "unix", "UNCONNECTED"), 35);
	assert_int_equal(rowrec_count(&c, "netlink", NULL), 39);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 3);
	assert_int_equal(rowrec_count(&c, "tcp6", "LISTEN"), 1);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 2);
	assert_int_equal(rowrec_count(&c, "raw6", NULL), 1);        /* icmp6 *%ens33:ipv6-icmp */
	assert_int_equal(rowrec_count(&c, "vsock", "ESTABLISHED"), 1);
	assert_int_equal(rowrec_count(&c, "packet", NULL), 1);
	r = rowrec_row_at(&c, 67, 0);          /* @ISCSIADM_ABSTRACT_NAMESPACE 27357 * 0 */
	assert_string_equal(r->unix_path, "@ISCSIADM_ABSTRACT_NAMESPACE");
	assert_int_equal(r->inode, 27357);
	assert_string_equal(r->state, "LISTEN");
	assert_int_equal(r->listen_backlog, 128);
	r = rowrec_row_at(&c, 159, 0);         /* v_str ESTAB 0 0 999900439:1023 0:976 */
	assert_string_equal(r->local_addr, "999900439");
	assert_int_equal(r->local_port, 1023);
	assert_int_equal(r->remote_port, 976);
	rowrec_free(&c);
}

static void t_corpus_tulpen(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;
	size_t i, with_uid = 0, apache80 = 0;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "jc-ubuntu18.04-ss-tulpen-sudo.out"), 0);
	/* 73 lines, two of them with 7 apache owners: 71 + 14 */
	assert_int_equal(c.nrows, 85);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 70);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 15);
	for (i = 0; i < c.nrows; i++) {
		if (c.rows[i].uid != 0)
			with_uid++;     /* grep -c uid: -> 19 lines, 1 owner each */
		if (c.rows[i].line == 37) {
			apache80++;
			assert_int_equal(c.rows[i].inode, 40480);
			assert_string_equal(c.rows[i].comm, "/usr/sbin/apach");
			assert_int_equal(c.rows[i].fd, 3);
		}
	}
	assert_int_equal(with_uid, 19);
	assert_int_equal(apache80, 7);
	r = rowrec_row_at(&c, 8, 0);           /* 127.0.0.53%lo:53 */
	assert_string_equal(r->local_addr, "127.0.0.53");
	assert_int_equal(r->local_port, 53);
	assert_int_equal(r->uid, 101);
	assert_int_equal(r->pid, 1117);
	assert_string_equal(r->comm, "systemd-resolve");
	r = rowrec_row_at(&c, 2, 0);           /* ino:58296 sk:1 <-> and no users: */
	assert_true(r->pid == SM_NONE);
	assert_null(r->comm);
	assert_int_equal(r->inode, 58296);
	rowrec_free(&c);
}

static void t_corpus_summary_centos7(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss_summary, CORPUS "issue-toolkits-pkg-2-ss-s-centos7.txt"), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nctrs, 26);  /* 2 Total + 8 TCP + "*" Total + 5x3 */
	assert_int_equal(rowrec_counter(&c, "Total", "total"), 2991);
	assert_int_equal(rowrec_counter(&c, "Total", "kernel"), 7497);
	assert_int_equal(rowrec_counter(&c, "TCP", "total"), 32);
	assert_int_equal(rowrec_counter(&c, "TCP", "estab"), 8);
	assert_int_equal(rowrec_counter(&c, "TCP", "closed"), 5);
	assert_int_equal(rowrec_counter(&c, "TCP", "orphaned"), 0);
	assert_int_equal(rowrec_counter(&c, "TCP", "synrecv"), 0);
	assert_int_equal(rowrec_counter(&c, "TCP", "timewait"), 4);
	assert_int_equal(rowrec_counter(&c, "TCP", "timewait_slab"), 0);
	assert_int_equal(rowrec_counter(&c, "TCP", "ports"), 0);
	assert_int_equal(rowrec_counter(&c, "Transport:*", "Total"), 7497);
	assert_true(rowrec_counter(&c, "Transport:*", "IP") == SM_NONE);
	assert_int_equal(rowrec_counter(&c, "Transport:UDP", "IPv6"), 7);
	assert_int_equal(rowrec_counter(&c, "Transport:TCP", "IP"), 19);
	assert_int_equal(rowrec_counter(&c, "Transport:INET", "Total"), 45);
	assert_int_equal(rowrec_counter(&c, "Transport:FRAG", "IPv6"), 0);
	assert_int_equal(c.ctrs[2].line, 2);
	rowrec_free(&c);
}

static void t_corpus_summary_centos8(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_ss_summary, CORPUS "issue-toolkits-pkg-2-ss-s-centos8.txt"), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(c.nctrs, 21);  /* 1 Total + 5 TCP + 5x3 */
	assert_int_equal(rowrec_counter(&c, "Total", "total"), 509);
	assert_true(rowrec_counter(&c, "Total", "kernel") == SM_NONE);
	assert_int_equal(rowrec_counter(&c, "TCP", "total"), 129);
	assert_int_equal(rowrec_counter(&c, "TCP", "estab"), 32);
	assert_int_equal(rowrec_counter(&c, "TCP", "closed"), 79);
	assert_int_equal(rowrec_counter(&c, "TCP", "timewait"), 17);
	assert_true(rowrec_counter(&c, "TCP", "synrecv") == SM_NONE);
	assert_true(rowrec_counter(&c, "TCP", "ports") == SM_NONE);
	assert_int_equal(rowrec_counter(&c, "Transport:TCP", "Total"), 50);
	assert_int_equal(rowrec_counter(&c, "Transport:TCP", "IPv6"), 25);
	assert_int_equal(rowrec_counter(&c, "Transport:INET", "IP"), 29);
	rowrec_free(&c);
}

/* ---- synthetic edge cases ---------------------------------------------- */

static const char synthetic[] =
	"Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
	"tcp ESTAB 0 0 127.0.0.1:22 127.0.0.1:5000 users:((\"a b\",pid=10,fd=3),(\"c\"d\",pid=11,fd=4)) timer:(on,5.200ms,3) uid:1000 ino:4242 sk:1 <->\n"
	"\t cubic wscale:7,7 rto:204 rtt:0.05/0.025 ino:1 users:((\"bogus\",pid=1,fd=1))\n"
	"tcp TIME-WAIT 0 0 [::ffff:127.0.0.1]:80 [::ffff:10.0.0.1]:5555 timer:(timewait,59sec,0)\n"
	"tcp LISTEN 3 4096 *:80 *:* users:((\"nginx\",pid=1234,fd=6),(\"nginx\",pid=1235,fd=6)) ino:99 sk:2 v6only:0 <->\n"
	"udp UNCONN 0 0 [fe80::1]%eth0:123 [::]:* users:((\"ntpd\",1300,5))\n"
	"tcp FIN-WAIT-1 0 1 10.0.0.1:1 10.0.0.2:2 timer:(persist,1min5sec,0)\n"
	"tcp SYN-RECV 0 0 10.0.0.1:1 10.0.0.2:3 timer:(on,,2)\n"
	"u_str ESTAB 0 0 /tmp/my sock 555 * 556 users:((\"x\",pid=1,fd=9))\n"
	"u_dgr UNCONN 0 0 @abstract 777 * 0\n"
	"tcp LAST-ACK 0 0 10.0.0.1:1 10.0.0.2:4 timer:(keepalive,119min,0)\n"
	"tcp CLOSING 0 0 10.0.0.1:1 10.0.0.2:5\n"
	"tcp CLOSE-WAIT 1 0 10.0.0.1:1 10.0.0.2:6\n"
	"tcp SYN-SENT 0 1 10.0.0.1:7 10.0.0.2:80\n"
	"tcp FIN-WAIT-2 0 0 10.0.0.1:7 10.0.0.2:81\n"
	"tcp UNCONN 0 0 0.0.0.0:* 0.0.0.0:*\n"
	"udp ESTAB 0 0 10.0.0.1:53 10.0.0.2:53\n"
	"u_seq LISTEN 0 5 /run/x 42 * 0\n";

static void t_synthetic(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_ss, synthetic), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(c.nrows, 18);  /* 16 sockets, two with two owners */
	r = rowrec_row_at(&c, 2, 0);
	assert_string_equal(r->comm, "a b");
	assert_int_equal(r->pid, 10);
	assert_int_equal(r->fd, 3);
	assert_int_equal(r->timer, 1);
	assert_int_equal(r->timer_ms, 5200);
	assert_int_equal(r->retransmits, 3);
	assert_int_equal(r->uid, 1000);
	assert_int_equal(r->inode, 4242);  /* the -i line's ino:1 comes later */
	r = rowrec_row_at(&c, 2, 1);
	assert_string_equal(r->comm, "c\"d");
	assert_int_equal(r->pid, 11);
	assert_int_equal(r->inode, 4242);
	r = rowrec_row_at(&c, 4, 0);
	assert_string_equal(r->proto, "tcp6");
	assert_string_equal(r->state, "TIME_WAIT");
	assert_string_equal(r->local_addr, "::ffff:127.0.0.1");
	assert_string_equal(r->remote_addr, "::ffff:10.0.0.1");
	assert_int_equal(r->remote_port, 5555);
	assert_int_equal(r->timer, 3);
	assert_int_equal(r->timer_ms, 59000);
	r = rowrec_row_at(&c, 5, 1);
	assert_string_equal(r->proto, "tcp6");
	assert_string_equal(r->local_addr, "::");
	assert_string_equal(r->remote_addr, "::");
	assert_int_equal(r->pid, 1235);
	assert_int_equal(r->inode, 99);
	assert_int_equal(r->uid, 0);
	assert_int_equal(r->rx_queue, 3);
	assert_int_equal(r->listen_backlog, 4096);
	assert_true(r->tx_queue == SM_NONE);
	r = rowrec_row_at(&c, 6, 0);
	assert_string_equal(r->proto, "udp6");
	assert_string_equal(r->state, "CLOSE");
	assert_string_equal(r->local_addr, "fe80::1");
	assert_int_equal(r->local_port, 123);
	assert_int_equal(r->pid, 1300);
	assert_int_equal(r->fd, 5);
	assert_true(r->uid == SM_NONE);
	r = rowrec_row_at(&c, 7, 0);
	assert_string_equal(r->state, "FIN_WAIT1");
	assert_int_equal(r->timer, 4);
	assert_int_equal(r->timer_ms, 65000);
	r = rowrec_row_at(&c, 8, 0);
	assert_string_equal(r->state, "SYN_RECV");
	assert_int_equal(r->timer_ms, 0);
	assert_int_equal(r->retransmits, 2);
	r = rowrec_row_at(&c, 9, 0);
	assert_string_equal(r->proto, "unix");
	assert_string_equal(r->unix_path, "/tmp/my sock");
	assert_int_equal(r->inode, 555);
	assert_string_equal(r->state, "CONNECTED");
	assert_int_equal(r->fd, 9);
	r = rowrec_row_at(&c, 10, 0);
	assert_string_equal(r->unix_path, "@abstract");
	assert_string_equal(r->unix_type, "dgram");
	assert_string_equal(r->state, "UNCONNECTED");
	r = rowrec_row_at(&c, 11, 0);
	assert_string_equal(r->state, "LAST_ACK");
	assert_int_equal(r->timer, 2);
	assert_int_equal(r->timer_ms, 119 * 60000);
	assert_string_equal(rowrec_row_at(&c, 12, 0)->state, "CLOSING");
	assert_string_equal(rowrec_row_at(&c, 13, 0)->state, "CLOSE_WAIT");
	assert_int_equal(rowrec_row_at(&c, 13, 0)->rx_queue, 1);
	assert_string_equal(rowrec_row_at(&c, 14, 0)->state, "SYN_SENT");
	assert_string_equal(rowrec_row_at(&c, 15, 0)->state, "FIN_WAIT2");
	r = rowrec_row_at(&c, 16, 0);
	assert_string_equal(r->state, "CLOSE");
	assert_true(r->local_port == SM_NONE);
	assert_string_equal(rowrec_row_at(&c, 17, 0)->state, "ESTABLISHED");
	r = rowrec_row_at(&c, 18, 0);
	assert_string_equal(r->unix_type, "seqpacket");
	assert_string_equal(r->state, "LISTEN");
	assert_int_equal(r->listen_backlog, 5);
	rowrec_free(&c);
}

static void t_wrapped_and_indented(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	/* A terminal narrower than the line wraps the Process column. */
	assert_int_equal(rowrec_run_str(&c, parse_ss,
		"State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
		"ESTAB 0 0 10.0.0.1:22 10.0.0.2:5000\n"
		"      users:((\"sshd\",pid=812,fd=4)) ino:23411\n"), 0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].proto, "tcp");
	assert_int_equal(c.rows[0].pid, 812);
	assert_int_equal(c.rows[0].inode, 23411);
	assert_int_equal(c.rows[0].line, 2);
	rowrec_free(&c);
	/* Pasted with an indent and no header. */
	assert_int_equal(rowrec_run_str(&c, parse_ss,
		"    ESTAB 0 0 10.0.0.1:22 10.0.0.2:5000\n"
		"    LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n"), 0);
	assert_int_equal(c.nrows, 2);
	assert_int_equal(c.nwarn, 0);
	rowrec_free(&c);
	/* SCTP associations are printed under their endpoint as "`- STATE". */
	assert_int_equal(rowrec_run_str(&c, parse_ss,
		"Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
		"sctp LISTEN 0 128 10.0.0.1:5000 *:*\n"
		"\t`- ESTAB 0 0 10.0.0.1%eth0:5000 10.0.0.2:6000\n"), 0);
	assert_int_equal(c.nrows, 2);
	assert_int_equal(c.nwarn, 0);
	assert_string_equal(c.rows[1].proto, "sctp");
	assert_string_equal(c.rows[1].state, "ESTABLISHED");
	assert_string_equal(c.rows[1].local_addr, "10.0.0.1");
	assert_int_equal(c.rows[1].remote_port, 6000);
	rowrec_free(&c);
	/* A continuation with nothing to continue. */
	assert_int_equal(rowrec_run_str(&c, parse_ss,
		"State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
		"\t cubic rto:204\n"), 0);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 1);
	rowrec_free(&c);
}

static void t_empty_and_garbage(void **state)
{
	static const char bin[] = "hello world\nthis is not ss\n\x01\x02\x00\xff\n";
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run(&c, parse_ss, NULL, 0), 0);
	assert_int_equal(c.nrows + c.nwarn, 0);
	assert_int_equal(rowrec_run_str(&c, parse_ss, "\n\n   \n\t\n"), 0);
	assert_int_equal(c.nrows + c.nwarn, 0);
	assert_int_equal(rowrec_run(&c, parse_ss, bin, sizeof(bin) - 1), -1);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 3);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_str(&c, parse_ss, "ESTAB x y\nLISTEN\n"), -1);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 2);
	rowrec_free(&c);
	assert_int_equal(rowrec_run(&c, parse_ss_summary, NULL, 0), 0);
	assert_int_equal(rowrec_run(&c, parse_ss_summary, bin, sizeof(bin) - 1), -1);
	assert_int_equal(c.nctrs, 0);
	rowrec_free(&c);
	/* Each parser refuses the other's output. */
	assert_int_equal(rowrec_run_file(&c, parse_ss, CORPUS "issue-toolkits-pkg-2-ss-s-centos8.txt"), -1);
	assert_int_equal(c.nrows, 0);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_file(&c, parse_ss_summary, CORPUS "issue-netdata-2169-ss-ant-syn-sent.txt"), -1);
	assert_int_equal(c.nctrs, 0);
	rowrec_free(&c);
}

static void t_no_newline_and_crlf(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_ss,
		"State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2"), 0);
	assert_int_equal(c.nrows, 1);
	assert_int_equal(c.rows[0].remote_port, 2);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_str(&c, parse_ss,
		"State Recv-Q Send-Q Local Address:Port Peer Address:Port\r\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 users:((\"x\",pid=5,fd=6))\r\n"
		"\t cubic rto:204\r\n"
		"LISTEN 0 7 [::]:22 [::]:*\r\n"), 0);
	assert_int_equal(c.nrows, 2);
	assert_int_equal(c.nwarn, 0);
	assert_string_equal(c.rows[0].comm, "x");
	assert_int_equal(c.rows[0].fd, 6);
	assert_string_equal(c.rows[1].state, "LISTEN");
	assert_int_equal(c.rows[1].listen_backlog, 7);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_str(&c, parse_ss_summary, "Total: 208\r\nTCP:   27 (estab 4, closed 2)\r\n"), 0);
	assert_int_equal(c.nctrs, 4);
	assert_int_equal(rowrec_counter(&c, "TCP", "closed"), 2);
	rowrec_free(&c);
}

static void t_long_lines(void **state)
{
	const char *head = "ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 ";
	const char *tail = "\nLISTEN 0 5 0.0.0.0:80 0.0.0.0:*\n\t ";
	size_t big = 100000, hl = strlen(head), tl = strlen(tail), n = hl + big + tl + big;
	struct rowrec c = ROWREC_LISTING;
	char *b = malloc(n);

	(void)state;
	assert_non_null(b);
	memcpy(b, head, hl);
	memset(b + hl, 'A', big);
	memcpy(b + hl + big, tail, tl);
	memset(b + hl + big + tl, 'B', big);   /* an oversized -i continuation, no newline */
	assert_int_equal(rowrec_run(&c, parse_ss, b, n), 0);
	assert_int_equal(c.nrows, 1);          /* the LISTEN line survives both */
	assert_string_equal(c.rows[0].state, "LISTEN");
	assert_int_equal(c.nwarn, 2);
	rowrec_free(&c);
	/* A socket shared by more owners than fit in 64 KiB is skipped too;
	 * with nothing else recognisable the input is not ss output. */
	memcpy(b, head, hl);
	memcpy(b + hl, "users:(", 7);
	memset(b + hl + 7, '(', big);
	assert_int_equal(rowrec_run(&c, parse_ss, b, hl + 7 + big), -1);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 1);
	rowrec_free(&c);
	free(b);
}

static void t_overflow(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_ss,
		"ESTAB 99999999999999999999 0 1.2.3.4:1 5.6.7.8:2\n"
		"ESTAB 0 18446744073709551616 1.2.3.4:1 5.6.7.8:2\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 ino:99999999999999999999\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 users:((\"x\",pid=99999999999999999999,fd=1))\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 users:((\"x\",pid=1,fd=9223372036854775808))\n"
		"ESTAB 0 0 1.2.3.4:70000 5.6.7.8:2\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 timer:(on,99999999999min,0)\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 timer:(on,1.5ms,0)\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 uid:18446744073709551616\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2 users:((\"x\",pid=1,fd=2)\n"
		"u_str ESTAB 0 0 /x 99999999999999999999 * 0\n"
		"ESTAB 0 0 1.2.3.4:1 5.6.7.8:2\n"), 0);
	assert_int_equal(c.nwarn, 11);
	assert_int_equal(c.nrows, 1);
	assert_int_equal(c.rows[0].line, 12);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_str(&c, parse_ss_summary,
		"TCP:   99999999999999999999 (estab 1, closed 18446744073709551616/2)\n"), 0);
	assert_int_equal(c.nwarn, 2);
	assert_int_equal(c.nctrs, 2);
	assert_int_equal(rowrec_counter(&c, "TCP", "estab"), 1);
	assert_int_equal(rowrec_counter(&c, "TCP", "closed_slab"), 2);
	rowrec_free(&c);
}

/* Found by fuzz_ss (tests/fuzz/regress/ss/): a NUL as the Netid gave proto "". */
static void t_fuzz_nul_netid(void **state)
{
	static const char in[] = "\0 ESTAB 0 0 0 0\nmptcp ESTAB 0 0 1.2.3.4:1 5.6.7.8:2\n";
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run(&c, parse_ss, in, sizeof(in) - 1), 0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].proto, "mptcp");
	assert_int_equal(c.nwarn, 1);
	rowrec_free(&c);
}

/* fuzz_ss: a Netid spelling a proto ("unix") made an SS_OTHER row of proto
 * unix with an address; such a Netid is no Netid (tests/fuzz/regress/ss). */
static void t_fuzz_proto_as_netid(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_ss,
					"Netid Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
					"unix\t  0         0         0\n"
					"tcp6 0 0 1.2.3.4:1 5.6.7.8:2\n"
					"State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
					"unix UNCONN 0 0 0 x\n"
					"mptcp ESTAB 0 0 1.2.3.4:1 5.6.7.8:2\n"), 0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].proto, "mptcp");
	assert_int_equal(c.nwarn, 3);
	rowrec_free(&c);
}

static void t_stop(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	c.stop_at = 1;
	c.stop_rc = 42;
	assert_int_equal(rowrec_run_str(&c, parse_ss, synthetic), 42);
	assert_int_equal(c.nrows, 1);
	rowrec_free(&c);
	c.stop_at = 4;  /* in the middle of the second shared socket */
	c.stop_rc = 42;
	assert_int_equal(rowrec_run_str(&c, parse_ss, synthetic), 42);
	assert_int_equal(c.nrows, 4);
	assert_int_equal(c.rows[3].pid, 1234);
	rowrec_free(&c);
}

static void t_summary_brief_example(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_ss_summary,
		"Total: 1190 (kernel 0)\n"
		"TCP:   27 (estab 4, closed 2, orphaned 0, synrecv 0, timewait 2/0), ports 0\n"
		"\n"
		"Transport Total     IP        IPv6\n"
		"RAW\t  1         0         1        \n"
		"garbage here\n"), 0);
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(rowrec_counter(&c, "Total", "total"), 1190);
	assert_int_equal(rowrec_counter(&c, "Total", "kernel"), 0);
	assert_int_equal(rowrec_counter(&c, "TCP", "closed"), 2);
	assert_int_equal(rowrec_counter(&c, "TCP", "timewait"), 2);
	assert_int_equal(rowrec_counter(&c, "Transport:RAW", "Total"), 1);
	assert_int_equal(rowrec_counter(&c, "Transport:RAW", "IPv6"), 1);
	assert_int_equal(c.nctrs, 2 + 8 + 3);
	rowrec_free(&c);
}

/* ---- the real ss, against sockets this process holds ------------------ */

/* Our row in `state` from lport to rport, checked against fd. */
static const struct sm_socket_row *check_ours(const struct rowrec *c, const char *state,
					      int64_t lport, int64_t rport, int fd)
{
	const struct sm_socket_row *r = livesock_own_row(c, state, lport, rport, fd);

	assert_int_equal(r->fd, fd);
	assert_int_equal(r->inode, livesock_inode(fd));
	return r;
}

static const char *const ss_paths[] = { "/usr/bin/ss", "/bin/ss", "/usr/sbin/ss", "/sbin/ss", NULL };

/* `ss -tanp state close-wait` as iproute2 6.1 printed it here: no State
 * column; the second socket has no owner. */
static const char filtered[] =
	"Recv-Q Send-Q Local Address:Port  Peer Address:Port Process                               \n"
	"1      0          127.0.0.1:53431    127.0.0.1:43800 users:((\"python3\",pid=22920,fd=1253))\n"
	"1      0          127.0.0.1:53431    127.0.0.1:42608 \n";

static int parse_close_wait(const char *buf, size_t len, const struct sm_sink *sink)
{
	int stateless = 0, r = parse_ss_filtered(buf, len, sink, "CLOSE_WAIT", &stateless);

	assert_true(stateless);
	return r;
}

static int parse_listening(const char *buf, size_t len, const struct sm_sink *sink)
{
	return parse_ss_filtered(buf, len, sink, "listen", NULL);
}

static int parse_established(const char *buf, size_t len, const struct sm_sink *sink)
{
	return parse_ss_filtered(buf, len, sink, "established", NULL);
}

/* A listing filtered by state: the state the caller implies, or none. */
static void t_filtered_by_state(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_close_wait, filtered), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "CLOSE_WAIT"), 2);
	r = rowrec_row_at(&c, 2, 0);
	assert_int_equal(r->pid, 22920);
	assert_int_equal(r->fd, 1253);
	assert_int_equal(r->rx_queue, 1);
	assert_int_equal(r->local_port, 53431);
	assert_int_equal(r->remote_port, 43800);
	rowrec_free(&c);
	/* unknown: rows without a state, and one warning */
	assert_int_equal(rowrec_run_str(&c, parse_ss, filtered), 0);
	assert_int_equal(c.nrows, 2);
	assert_null(c.rows[0].state);
	assert_null(c.rows[1].state);
	assert_int_equal(c.nwarn, 1);
	assert_non_null(strstr(c.warn_msg[0], "no State column"));
	rowrec_free(&c);
	/* LISTEN: Send-Q is the backlog; a Netid column; a listing with
	 * states after it reads its own */
	assert_int_equal(rowrec_run_str(&c, parse_listening,
					"Recv-Q Send-Q Local Address:Port Peer Address:Port Process\n"
					"0      128          0.0.0.0:22        0.0.0.0:*\n"
					"Netid Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
					"udp   0      0          127.0.0.1:53       0.0.0.0:*\n"
					"State Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
					"ESTAB 0      0      10.0.0.1:22       10.0.0.2:5000\n"), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(c.nrows, 3);
	assert_string_equal(c.rows[0].state, "LISTEN");
	assert_int_equal(c.rows[0].listen_backlog, 128);
	assert_true(c.rows[0].tx_queue == SM_NONE);
	assert_string_equal(c.rows[1].proto, "udp");
	assert_string_equal(c.rows[1].state, "LISTEN");
	assert_string_equal(c.rows[2].state, "ESTABLISHED");
	rowrec_free(&c);
	/* too few columns, or no numbers where Recv-Q is: warned, skipped */
	assert_int_equal(rowrec_run_str(&c, parse_established,
					"Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
					"0 0 127.0.0.1:1\n"
					"tcp x 0 127.0.0.1:1 127.0.0.1:2\n"
					"0 0 127.0.0.1:1 127.0.0.1:2\n"), 0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].state, "ESTABLISHED");
	assert_int_equal(c.nwarn, 2);
	rowrec_free(&c);
}

/* The names a state goes by, and a state read in a file name. */
static void t_state_names(void **state)
{
	(void)state;
	assert_string_equal(parse_ss_state("close-wait"), "close-wait");
	assert_string_equal(parse_ss_state("CLOSE_WAIT"), "close-wait");
	assert_string_equal(parse_ss_state("CloseWait"), "close-wait");
	assert_string_equal(parse_ss_state("ESTAB"), "established");
	assert_string_equal(parse_ss_state("listen"), "listening");
	assert_string_equal(parse_ss_state("FIN-WAIT-2"), "fin-wait-2");
	assert_string_equal(parse_ss_state("unconn"), "closed");
	assert_null(parse_ss_state("connected"));   /* a group, not one state */
	assert_null(parse_ss_state("UNKNOWN"));
	assert_null(parse_ss_state(""));
	assert_null(parse_ss_state("close-wait-and-then-some-more-letters"));
	assert_string_equal(parse_ss_state_in_name("ss_close_wait.txt"), "close-wait");
	assert_string_equal(parse_ss_state_in_name("host1-CLOSE-WAIT-2026-11-24.log"), "close-wait");
	assert_string_equal(parse_ss_state_in_name("timewait.out"), "time-wait");
	assert_string_equal(parse_ss_state_in_name("fin-wait-2"), "fin-wait-2");
	assert_string_equal(parse_ss_state_in_name("estab.txt"), "established");
	assert_null(parse_ss_state_in_name("established-vs-close-wait.txt"));   /* two */
	assert_null(parse_ss_state_in_name("listener.txt"));   /* a word, not a state */
	assert_null(parse_ss_state_in_name("closed.txt"));     /* too common a word */
	assert_null(parse_ss_state_in_name("ss-tanp.txt"));
	assert_null(parse_ss_state_in_name(""));
}

static void t_live_ss(void **state)
{
	const char *ss = find_tool(ss_paths);
	struct rowrec c = ROWREC_LISTING;
	struct livesock lv;
	const struct sm_socket_row *r;

	(void)state;
	if (!ss)
		skip();
	livesock_open(&lv);
	assert_int_equal(rowrec_run_command(&c, parse_ss, ss, "-tanpie"), 0);
	if (!c.nrows) {
		livesock_close(&lv);
		rowrec_free(&c);
		skip();         /* no sock_diag here (e.g. a restricted sandbox) */
	}
	assert_int_equal(livesock_count_own(&c), 5);   /* the -i lines added no rows */
	r = check_ours(&c, "LISTEN", lv.port, SM_NONE, lv.l);
	assert_string_equal(r->remote_addr, "0.0.0.0");
	assert_int_equal(r->listen_backlog, 7);
	check_ours(&c, "ESTABLISHED", lv.c1port, lv.port, lv.c1);
	check_ours(&c, "ESTABLISHED", lv.port, lv.c1port, lv.a1);
	r = check_ours(&c, "CLOSE_WAIT", lv.port, lv.c2port, lv.a2);
	assert_int_equal(r->rx_queue, 1);       /* the FIN nobody read */
	check_ours(&c, "FIN_WAIT2", lv.c2port, lv.port, lv.c2);
	rowrec_free(&c);
	/* -o adds the keepalive timer on c1. */
	assert_int_equal(rowrec_run_command(&c, parse_ss, ss, "-tanpieo"), 0);
	r = check_ours(&c, "ESTABLISHED", lv.c1port, lv.port, lv.c1);
	assert_int_equal(r->timer, 2);
	assert_true(r->timer_ms > 0);
	assert_int_equal(r->retransmits, 0);
	rowrec_free(&c);
	/* The summary counts at least our five sockets. */
	assert_int_equal(rowrec_run_command(&c, parse_ss_summary, ss, "-s"), 0);
	assert_true(rowrec_counter(&c, "TCP", "total") >= 5);
	assert_true(rowrec_counter(&c, "TCP", "estab") >= 3);   /* 2 ESTABLISHED + CLOSE_WAIT */
	assert_true(rowrec_counter(&c, "Transport:TCP", "Total") >= 5);
	assert_true(rowrec_counter(&c, "Total", "total") >= 5);
	rowrec_free(&c);
	livesock_close(&lv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_corpus_datadog_ipv6),
		cmocka_unit_test(t_corpus_netdata_syn_sent),
		cmocka_unit_test(t_corpus_osquery_old_ss),
		cmocka_unit_test(t_corpus_centos_all),
		cmocka_unit_test(t_corpus_wide),
		cmocka_unit_test(t_corpus_ubuntu_all),
		cmocka_unit_test(t_corpus_tulpen),
		cmocka_unit_test(t_corpus_summary_centos7),
		cmocka_unit_test(t_corpus_summary_centos8),
		cmocka_unit_test(t_synthetic),
		cmocka_unit_test(t_wrapped_and_indented),
		cmocka_unit_test(t_empty_and_garbage),
		cmocka_unit_test(t_no_newline_and_crlf),
		cmocka_unit_test(t_long_lines),
		cmocka_unit_test(t_overflow),
		cmocka_unit_test(t_stop),
		cmocka_unit_test(t_fuzz_nul_netid),
		cmocka_unit_test(t_fuzz_proto_as_netid),
		cmocka_unit_test(t_summary_brief_example),
		cmocka_unit_test(t_filtered_by_state),
		cmocka_unit_test(t_state_names),
		cmocka_unit_test(t_live_ss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
