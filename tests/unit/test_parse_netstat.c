/*
 * Unit tests for parse_netstat: every file of tests/data/corpus/netstat
 * with figures counted by hand (grep/awk), Linux, FreeBSD, macOS and
 * Windows layouts, edge cases (empty, garbage, CRLF, no final newline,
 * huge lines, overflowing numbers, inputs not NUL-terminated), and the real
 * netstat run while this process holds a listener, an established pair and
 * a CLOSE_WAIT socket. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "livesock.h"
#include "parse_netstat.h"
#include "rowrec.h"

#define CORPUS "tests/data/corpus/netstat/"

/* Rows whose unix_path is set, among unix rows. */
static size_t count_paths(const struct rowrec *c)
{
	size_t i, k = 0;

	for (i = 0; i < c->nrows; i++)
		k += !strcmp(c->rows[i].proto, "unix") && c->rows[i].unix_path;
	return k;
}

static size_t count_pid(const struct rowrec *c, int64_t pid)
{
	size_t i, k = 0;

	for (i = 0; i < c->nrows; i++)
		k += c->rows[i].pid == pid;
	return k;
}

/* ---- corpus: Linux ----------------------------------------------------- */

static void t_corpus_datadog(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "datadog-integrations-core-netstat.txt"), 0);
	assert_int_equal(c.nrows, 18);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", NULL), 9);
	assert_int_equal(rowrec_count(&c, "tcp6", NULL), 4);
	assert_int_equal(rowrec_count(&c, "udp", NULL), 2);
	assert_int_equal(rowrec_count(&c, "udp6", NULL), 3);
	assert_int_equal(rowrec_count(&c, NULL, "LISTEN"), 3);
	assert_int_equal(rowrec_count(&c, NULL, "TIME_WAIT"), 3);
	assert_int_equal(rowrec_count(&c, NULL, "ESTABLISHED"), 4);     /* 2 of them udp */
	assert_int_equal(rowrec_count(&c, NULL, "SYN_SENT"), 1);
	assert_int_equal(rowrec_count(&c, NULL, "SYN_RECV"), 1);
	assert_int_equal(rowrec_count(&c, NULL, "CLOSING"), 3);
	assert_int_equal(rowrec_count(&c, NULL, "CLOSE"), 3);           /* blank udp State */
	r = rowrec_row_at(&c, 12, 0);          /* tcp6 0 128 :::6380 :::* LISTEN */
	assert_string_equal(r->local_addr, "::");
	assert_int_equal(r->local_port, 6380);
	assert_string_equal(r->remote_addr, "::");
	assert_true(r->remote_port == SM_NONE);
	assert_int_equal(r->tx_queue, 128);
	r = rowrec_row_at(&c, 18, 0);          /* truncated: fe80::a00:27ff:fee9:123 */
	assert_string_equal(r->proto, "udp6");
	assert_string_equal(r->local_addr, "fe80::a00:27ff:fee9");
	assert_int_equal(r->local_port, 123);
	assert_string_equal(r->state, "ESTABLISHED");
	r = rowrec_row_at(&c, 3, 0);
	assert_string_equal(r->local_addr, "0.0.0.0");
	assert_string_equal(r->remote_addr, "0.0.0.0");
	assert_true(r->remote_port == SM_NONE);
	rowrec_free(&c);
}

static void t_corpus_linenum_redacted(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "issue-linenum-37-netstat-antp-redacted-ips.txt"), 0);
	assert_int_equal(c.nrows, 4);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 2);
	assert_int_equal(rowrec_count(&c, "tcp", "ESTABLISHED"), 2);
	r = rowrec_row_at(&c, 5, 0);
	assert_string_equal(r->local_addr, "192.168.1.x");
	assert_int_equal(r->local_port, 48342);
	assert_string_equal(r->remote_addr, "172.217.23.x");
	assert_int_equal(r->remote_port, 443);
	assert_int_equal(r->pid, 2513);
	assert_string_equal(r->comm, "firefox-esr");
	r = rowrec_row_at(&c, 3, 0);
	assert_int_equal(r->pid, 888);
	assert_string_equal(r->comm, "postgres");
	rowrec_free(&c);
}

static void t_corpus_tinyproxy_close_wait(void **state)
{
	static const int64_t rports[] = { 51455, 51465, 51498, 51506, 51566, 51631 };
	struct rowrec c = ROWREC_LISTING;
	size_t i;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "issue-tinyproxy-274-netstat-close-wait.txt"), 0);
	assert_int_equal(c.nrows, 6);
	assert_int_equal(c.nwarn, 2);   /* the two "..." lines */
	assert_int_equal(rowrec_count(&c, "tcp", "CLOSE_WAIT"), 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(c.rows[i].line, i + 2);
		assert_int_equal(c.rows[i].rx_queue, 1);
		assert_string_equal(c.rows[i].local_addr, "172.17.0.2");
		assert_int_equal(c.rows[i].local_port, 9482);
		assert_string_equal(c.rows[i].remote_addr, "95.73.54.227");
		assert_int_equal(c.rows[i].remote_port, rports[i]);
	}
	rowrec_free(&c);
}

static void t_corpus_xluffy_timers(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "issue-xluffy-til-118-netstat-antpdo-timers.txt"), 0);
	assert_int_equal(c.nrows, 3);
	assert_int_equal(c.nwarn, 1);   /* the stray backslash after a timer */
	r = rowrec_row_at(&c, 1, 0);
	assert_int_equal(r->pid, 9420);
	assert_string_equal(r->comm, "Passenger Ruby");
	assert_int_equal(r->timer, 0);
	assert_int_equal(r->timer_ms, 0);
	r = rowrec_row_at(&c, 2, 0);
	assert_int_equal(r->pid, 9360);
	assert_string_equal(r->comm, "Passenger Ruby");
	assert_int_equal(r->timer, 0);
	r = rowrec_row_at(&c, 3, 0);
	assert_int_equal(r->timer, 2);
	assert_int_equal(r->timer_ms, 6580480);
	assert_int_equal(r->retransmits, 0);
	assert_string_equal(r->remote_addr, "3.4.5.6");
	assert_int_equal(r->remote_port, 3306);
	rowrec_free(&c);
}

static void t_corpus_centos_aeep(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-centos7.7-netstat-aeep-sudo.out"), 0);
	assert_int_equal(c.nrows, 160);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 2);
	assert_int_equal(rowrec_count(&c, "tcp6", "LISTEN"), 2);
	assert_int_equal(rowrec_count(&c, "tcp6", "ESTABLISHED"), 2);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 2);
	assert_int_equal(rowrec_count(&c, "udp6", "CLOSE"), 1);
	assert_int_equal(rowrec_count(&c, "raw6", "CLOSE"), 1);      /* State printed as 7 */
	assert_int_equal(rowrec_count(&c, "unix", NULL), 150);
	assert_int_equal(rowrec_count(&c, "unix", "CONNECTED"), 90);
	assert_int_equal(rowrec_count(&c, "unix", "LISTEN"), 33);
	assert_int_equal(rowrec_count(&c, "unix", "UNCONNECTED"), 27);
	assert_int_equal(count_paths(&c), 57);
	r = rowrec_row_at(&c, 7, 0);   /* localhost:ssh localhost:38134 ESTABLISHED root 63129 6492/sshd: kbrazil */
	assert_string_equal(r->local_addr, "localhost");
	assert_true(r->local_port == SM_NONE);
	assert_int_equal(r->remote_port, 38134);
	assert_int_equal(r->inode, 63129);
	assert_int_equal(r->pid, 6492);
	assert_string_equal(r->comm, "sshd: kbrazil");
	assert_true(r->uid == SM_NONE);     /* "root" is a name, not a uid */
	r = rowrec_row_at(&c, 18, 0);  /* unix 2 [ ACC ] STREAM LISTENING 22040 1220/dockerd-curren /var/run/docker.sock */
	assert_string_equal(r->unix_path, "/var/run/docker.sock");
	assert_string_equal(r->unix_type, "stream");
	assert_string_equal(r->state, "LISTEN");
	assert_int_equal(r->inode, 22040);
	assert_int_equal(r->pid, 1220);
	assert_string_equal(r->comm, "dockerd-curren");
	r = rowrec_row_at(&c, 91, 0);  /* 6496/sshd: kbrazil@ and no path */
	assert_string_equal(r->comm, "sshd: kbrazil@");
	assert_null(r->unix_path);
	assert_int_equal(r->inode, 63245);
	r = rowrec_row_at(&c, 12, 0);
	assert_int_equal(r->inode, 20819);
	assert_string_equal(r->local_addr, "::");
	rowrec_free(&c);
}

static void t_corpus_centos_plain_and_p(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-centos7.7-netstat-p.out"), 0);
	assert_int_equal(c.nrows, 117);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "ESTABLISHED"), 1);
	assert_int_equal(rowrec_count(&c, "unix", "CONNECTED"), 90);
	assert_int_equal(rowrec_count(&c, "unix", "UNCONNECTED"), 26);
	assert_int_equal(count_pid(&c, SM_NONE), 117);          /* non-root: every PID is "-" */
	assert_int_equal(count_paths(&c), 24);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-centos7.7-netstat.out"), 0);
	assert_int_equal(c.nrows, 119);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "ESTABLISHED"), 3);
	assert_int_equal(rowrec_count(&c, "unix", NULL), 116);
	assert_int_equal(count_paths(&c), 24);
	r = rowrec_row_at(&c, 3, 0);   /* localhost.localdo:35450 lb-192-30-255-112:https */
	assert_string_equal(r->local_addr, "localhost.localdo");
	assert_int_equal(r->local_port, 35450);
	assert_string_equal(r->remote_addr, "lb-192-30-255-112");
	assert_true(r->remote_port == SM_NONE);
	rowrec_free(&c);
}

static void t_corpus_fedora(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-fedora32-netstat.out"), 0);
	assert_int_equal(c.nrows, 131);
	assert_int_equal(c.nwarn, 1);   /* the Bluetooth section */
	assert_int_equal(rowrec_count(&c, "tcp", "ESTABLISHED"), 1);
	assert_int_equal(rowrec_count(&c, "udp", "ESTABLISHED"), 1);
	assert_int_equal(rowrec_count(&c, "unix", "CONNECTED"), 90);
	assert_int_equal(rowrec_count(&c, "unix", "UNCONNECTED"), 39);
	assert_int_equal(count_paths(&c), 43);
	r = rowrec_row_at(&c, 4, 0);   /* localhost.locald:bootpc 192.168.71.254:bootps */
	assert_string_equal(r->local_addr, "localhost.locald");
	assert_true(r->local_port == SM_NONE && r->remote_port == SM_NONE);
	rowrec_free(&c);
}

static void t_corpus_generic(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;
	size_t i;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-generic-netstat-no-state.out"), 0);
	assert_int_equal(c.nrows, 4);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 2);
	assert_int_equal(rowrec_count(&c, "udp6", "CLOSE"), 2);
	for (i = 0; i < 4; i++) {
		assert_int_equal(c.rows[i].pid, 442);
		assert_string_equal(c.rows[i].comm, "avahi-daemon: r");
	}
	assert_int_equal(rowrec_row_at(&c, 6, 0)->local_port, 35569);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-generic-netstat-old.out"), 0);
	assert_int_equal(c.nrows, 10);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 1);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 1);
	assert_int_equal(rowrec_count(&c, "unix", "LISTEN"), 5);
	assert_int_equal(rowrec_count(&c, "unix", "UNCONNECTED"), 3);
	r = rowrec_row_at(&c, 8, 0);   /* unix 2 [ ] DGRAM 23569 871/chronyd /var/run/chrony/chronyd.sock */
	assert_string_equal(r->unix_type, "dgram");
	assert_int_equal(r->inode, 23569);
	assert_int_equal(r->pid, 871);
	assert_string_equal(r->comm, "chronyd");
	assert_string_equal(r->unix_path, "/var/run/chrony/chronyd.sock");
	r = rowrec_row_at(&c, 11, 0);
	assert_string_equal(r->unix_type, "seqpacket");
	assert_string_equal(r->unix_path, "/run/udev/control");
	rowrec_free(&c);
}

static void t_corpus_ubuntu(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-ubuntu18.04-netstat-aeep-sudo.out"), 0);
	assert_int_equal(c.nrows, 122);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", NULL), 5);
	assert_int_equal(rowrec_count(&c, "tcp6", NULL), 1);
	assert_int_equal(rowrec_count(&c, "udp", NULL), 2);
	assert_int_equal(rowrec_count(&c, "raw6", NULL), 1);
	assert_int_equal(rowrec_count(&c, "unix", "CONNECTED"), 56);
	assert_int_equal(rowrec_count(&c, "unix", "LISTEN"), 21);
	assert_int_equal(rowrec_count(&c, "unix", "UNCONNECTED"), 36);
	assert_int_equal(count_paths(&c), 52);
	r = rowrec_row_at(&c, 3, 0);   /* User column wider than its header */
	assert_string_equal(r->local_addr, "localhost");
	assert_int_equal(r->inode, 26985);
	assert_int_equal(r->pid, 893);
	assert_string_equal(r->comm, "systemd-resolve");
	rowrec_free(&c);
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-ubuntu18.04-netstat-lnp-space-sudo.out"), 0);
	assert_int_equal(c.nrows, 47);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 11);
	assert_int_equal(rowrec_count(&c, "tcp6", "LISTEN"), 6);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 8);
	assert_int_equal(rowrec_count(&c, "raw6", "CLOSE"), 1);
	assert_int_equal(rowrec_count(&c, "unix", "LISTEN"), 21);
	r = rowrec_row_at(&c, 5, 0);
	assert_int_equal(r->pid, 600);
	assert_string_equal(r->comm, "sshd: /usr/sbin");
	assert_string_equal(rowrec_row_at(&c, 10, 0)->comm, "pgpool: watchd");
	assert_int_equal(rowrec_row_at(&c, 9, 0)->pid, 1817931);
	assert_string_equal(rowrec_row_at(&c, 9, 0)->comm, "zabbix_agen");
	rowrec_free(&c);
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-ubuntu18.04-netstat-lnp-sudo.out"), 0);
	assert_int_equal(c.nrows, 28);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 3);
	assert_int_equal(rowrec_count(&c, "tcp6", "LISTEN"), 1);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 2);
	assert_int_equal(rowrec_count(&c, "unix", "LISTEN"), 21);
	r = rowrec_row_at(&c, 9, 0);   /* raw6 0 0 :::58 :::* 7 867/systemd-network */
	assert_string_equal(r->proto, "raw6");
	assert_string_equal(r->state, "CLOSE");
	assert_int_equal(r->local_port, 58);
	assert_int_equal(r->pid, 867);
	rowrec_free(&c);
}

/* ---- corpus: not Linux ------------------------------------------------- */

static void t_corpus_freebsd(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-freebsd12-netstat-an.out"), 0);
	assert_int_equal(c.nrows, 20);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "ESTABLISHED"), 1);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 2);
	assert_int_equal(rowrec_count(&c, "tcp6", "LISTEN"), 1);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 1);
	assert_int_equal(rowrec_count(&c, "udp6", "CLOSE"), 1);
	assert_int_equal(rowrec_count(&c, "unix", NULL), 14);        /* 6 stream, 7 dgram, 1 seqpac */
	assert_int_equal(count_paths(&c), 4);
	r = rowrec_row_at(&c, 3, 0);   /* 192.168.71.163.22 192.168.71.1.56321 */
	assert_string_equal(r->local_addr, "192.168.71.163");
	assert_int_equal(r->local_port, 22);
	assert_string_equal(r->remote_addr, "192.168.71.1");
	assert_int_equal(r->remote_port, 56321);
	r = rowrec_row_at(&c, 6, 0);   /* tcp6 *.22 *.* */
	assert_string_equal(r->local_addr, "::");
	assert_int_equal(r->local_port, 22);
	assert_true(r->remote_port == SM_NONE);
	r = rowrec_row_at(&c, 24, 0);
	assert_string_equal(r->unix_type, "seqpacket");
	assert_string_equal(r->unix_path, "/var/run/devd.seqpacket.pipe");
	assert_int_equal(r->inode, 0);
	assert_null(r->state);
	rowrec_free(&c);
}

static void t_corpus_macos(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-macos10.14-netstat-An.out"), 0);
	assert_int_equal(c.nrows, 538);
	assert_int_equal(c.nwarn, 3);   /* kernel control modules, event and control sockets */
	assert_int_equal(rowrec_count(&c, "tcp", "ESTABLISHED"), 16);
	assert_int_equal(rowrec_count(&c, "tcp", "CLOSE_WAIT"), 6);
	assert_int_equal(rowrec_count(&c, "tcp6", "ESTABLISHED"), 27);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 75);
	assert_int_equal(rowrec_count(&c, "udp6", "CLOSE"), 13);     /* 7 udp6 + 6 udp46 */
	assert_int_equal(rowrec_count(&c, "raw", NULL), 1);          /* icm4 */
	assert_int_equal(rowrec_count(&c, "unix", NULL), 400);
	assert_int_equal(count_paths(&c), 149);
	r = rowrec_row_at(&c, 20, 0);  /* tcp4 31 0 192.168.1.221.5442 35.236.87.93.8081 CLOSE_WAIT */
	assert_int_equal(r->rx_queue, 31);
	assert_string_equal(r->local_addr, "192.168.1.221");
	assert_int_equal(r->local_port, 5442);
	assert_int_equal(r->remote_port, 8081);
	r = rowrec_row_at(&c, 7, 0);   /* truncated 2600:1700:bab0:d.5 */
	assert_string_equal(r->local_addr, "2600:1700:bab0:d");
	assert_int_equal(r->local_port, 5);
	assert_int_equal(rowrec_row_at(&c, 140, 0)->rx_queue, 8136);
	rowrec_free(&c);
}

static void t_corpus_windows(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-windows10-netstat-aon.out"), 0);
	assert_int_equal(c.nrows, 208);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(rowrec_count(&c, "tcp", "ESTABLISHED"), 32);
	assert_int_equal(rowrec_count(&c, "tcp", "LISTEN"), 24);
	assert_int_equal(rowrec_count(&c, "tcp6", "LISTEN"), 15);
	assert_int_equal(rowrec_count(&c, "udp", "CLOSE"), 124);
	assert_int_equal(rowrec_count(&c, "udp6", "CLOSE"), 13);
	r = rowrec_row_at(&c, 5, 0);   /* TCP 0.0.0.0:135 0.0.0.0:0 LISTENING 1712 */
	assert_string_equal(r->local_addr, "0.0.0.0");
	assert_int_equal(r->local_port, 135);
	assert_int_equal(r->remote_port, 0);
	assert_int_equal(r->pid, 1712);
	assert_true(r->rx_queue == SM_NONE && r->tx_queue == SM_NONE);
	r = rowrec_row_at(&c, 211, 0); /* UDP [fe80::244e:2f1e:2096:62b2%9]:1900 *:* 8844 */
	assert_string_equal(r->proto, "udp6");
	assert_string_equal(r->local_addr, "fe80::244e:2f1e:2096:62b2");
	assert_int_equal(r->local_port, 1900);
	assert_string_equal(r->remote_addr, "::");
	assert_true(r->remote_port == SM_NONE);
	assert_int_equal(r->pid, 8844);
	rowrec_free(&c);
}

/* ---- synthetic edge cases ---------------------------------------------- */

static void t_synthetic_columns(void **state)
{
	struct rowrec c = ROWREC_LISTING;
	const struct sm_socket_row *r;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_netstat,
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 TIME_WAIT - timewait (52.17/0/0)\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:3 ESTABLISHED 77/prog name on (0.20/3/0)\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:4 FIN_WAIT1 unkn-9 (1.00/0/0)\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:5 SYN_SENT probe (0.5/0/5)\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:6 ESTABLISHED 1000 12345 78/x y\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:7 LAST_ACK 4321\n"
		"tcp6 0 0 [::1]:631 [::]:* LISTEN\n"
		"udp 0 0 0.0.0.0:68 0.0.0.0:*\n"
		"tcp6 0 0 fe80::1%lo0.22 *.* LISTEN\n"
		"tcp4 0 0 10.0.0.1.80 10.0.0.2.5000 SYN_RCVD\n"
		"tcp4 0 0 10.0.0.1.80 10.0.0.2.5001 FIN_WAIT_2\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:8 CLOSE\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:9 UNKNOWN\n"
		"raw 0 0 0.0.0.0:1 0.0.0.0:* 99\n"
		"unix  2      [ ACC ]     STREAM     LISTENING     18438    1/systemd            /run/lvm/lvmpolld.socket\n"
		"unix  3      [ ]         STREAM     CONNECTED     21606    -\n"
		"unix  2      [ ]         DGRAM                    8971     /run/systemd/notify\n"
		"unix  2      [ ]         DGRAM                    165956   @userdb-9bf8\n"), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(c.nrows, 18);
	r = rowrec_row_at(&c, 1, 0);
	assert_int_equal(r->timer, 3);
	assert_int_equal(r->timer_ms, 52170);
	assert_true(r->pid == SM_NONE);
	r = rowrec_row_at(&c, 2, 0);
	assert_int_equal(r->timer, 1);
	assert_int_equal(r->timer_ms, 200);
	assert_int_equal(r->retransmits, 3);
	assert_int_equal(r->pid, 77);
	assert_string_equal(r->comm, "prog name");
	assert_int_equal(rowrec_row_at(&c, 3, 0)->timer, 9);
	assert_int_equal(rowrec_row_at(&c, 4, 0)->timer, 4);
	assert_int_equal(rowrec_row_at(&c, 4, 0)->timer_ms, 500);
	r = rowrec_row_at(&c, 5, 0);   /* -e with a numeric user */
	assert_int_equal(r->uid, 1000);
	assert_int_equal(r->inode, 12345);
	assert_int_equal(r->pid, 78);
	assert_string_equal(r->comm, "x y");
	assert_int_equal(rowrec_row_at(&c, 6, 0)->inode, 4321);
	r = rowrec_row_at(&c, 7, 0);
	assert_string_equal(r->local_addr, "::1");
	assert_int_equal(r->local_port, 631);
	assert_string_equal(rowrec_row_at(&c, 8, 0)->state, "CLOSE");
	r = rowrec_row_at(&c, 9, 0);
	assert_string_equal(r->local_addr, "fe80::1");
	assert_int_equal(r->local_port, 22);
	assert_string_equal(r->remote_addr, "::");
	assert_string_equal(rowrec_row_at(&c, 10, 0)->state, "SYN_RECV");
	assert_string_equal(rowrec_row_at(&c, 10, 0)->remote_addr, "10.0.0.2");
	assert_int_equal(rowrec_row_at(&c, 10, 0)->remote_port, 5000);
	assert_string_equal(rowrec_row_at(&c, 11, 0)->state, "FIN_WAIT2");
	assert_string_equal(rowrec_row_at(&c, 12, 0)->state, "CLOSE");
	assert_null(rowrec_row_at(&c, 13, 0)->state);
	assert_null(rowrec_row_at(&c, 14, 0)->state);          /* no kernel state 99 */
	r = rowrec_row_at(&c, 15, 0);  /* no header: PID/Program split at the double blank */
	assert_int_equal(r->pid, 1);
	assert_string_equal(r->comm, "systemd");
	assert_string_equal(r->unix_path, "/run/lvm/lvmpolld.socket");
	r = rowrec_row_at(&c, 16, 0);
	assert_true(r->pid == SM_NONE);
	assert_null(r->unix_path);
	assert_string_equal(rowrec_row_at(&c, 17, 0)->unix_path, "/run/systemd/notify");
	assert_string_equal(rowrec_row_at(&c, 18, 0)->unix_path, "@userdb-9bf8");
	assert_string_equal(rowrec_row_at(&c, 18, 0)->state, "UNCONNECTED");
	rowrec_free(&c);
}

static void t_empty_and_garbage(void **state)
{
	static const char bin[] = "hello world\nthis is not netstat\n\x01\x02\x00\xff\n";
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run(&c, parse_netstat, NULL, 0), 0);
	assert_int_equal(rowrec_run_str(&c, parse_netstat, "\r\n\n  \n"), 0);
	assert_int_equal(c.nrows + c.nwarn, 0);
	assert_int_equal(rowrec_run(&c, parse_netstat, bin, sizeof(bin) - 1), -1);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 3);
	rowrec_free(&c);
	/* Rows that almost parse are warned, not guessed at. */
	assert_int_equal(rowrec_run_str(&c, parse_netstat,
		"Active Internet connections (servers and established)\n"
		"tcp 0 0 1.2.3.4:1\n"
		"tcp 0 0 [::1:1 5.6.7.8:2 LISTEN\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN 12/x y z keepalive (1.2.3/0/0)\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN abc/x\n"
		"unix 2 [ ACC STREAM LISTENING 1 /x\n"
		"unix 2 [ ] STREAM WEIRD 1 /x\n"
		"unix 2 [ ] BOGUS 1 /x\n"
		"udp\n"
		"tcp -1 0 1.2.3.4:1 5.6.7.8:2 LISTEN\n"
		"UDP 0 0 1.2.3.4:1 5.6.7.8:2 x\n"), 0);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 10);
	rowrec_free(&c);
	/* The user typed lines around grep'd rows: warned one by one. */
	assert_int_equal(rowrec_run_str(&c, parse_netstat, "...\n$ netstat -an | grep 80\n"), -1);
	assert_int_equal(c.nwarn, 2);
	rowrec_free(&c);
}

static void t_no_newline_and_crlf(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_netstat, "tcp 0 0 1.2.3.4:1 5.6.7.8:2 ESTABLISHED 5/a b"), 0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].comm, "a b");
	rowrec_free(&c);
	assert_int_equal(rowrec_run_str(&c, parse_netstat,
		"\r\nActive Connections\r\n\r\n"
		"  Proto  Local Address          Foreign Address        State           PID\r\n"
		"  TCP    [::]:135               [::]:0                 LISTENING       1000\r\n"
		"  UDP    [::1]:52290            *:*                                    8844\r\n"
		"  TCP    10.0.0.1:80            10.0.0.2:5000          CLOSE_WAIT      12\r\n"
		"  TCP    10.0.0.1:80            10.0.0.2:5001          SYN_RECEIVED    12"), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(c.nrows, 4);
	assert_string_equal(c.rows[0].proto, "tcp6");
	assert_string_equal(c.rows[0].local_addr, "::");
	assert_int_equal(c.rows[0].pid, 1000);
	assert_string_equal(c.rows[1].proto, "udp6");
	assert_string_equal(c.rows[1].local_addr, "::1");
	assert_string_equal(c.rows[1].remote_addr, "::");
	assert_int_equal(c.rows[1].pid, 8844);
	assert_string_equal(c.rows[2].state, "CLOSE_WAIT");
	assert_string_equal(c.rows[3].state, "SYN_RECV");
	assert_int_equal(c.rows[3].pid, 12);
	rowrec_free(&c);
	assert_int_equal(rowrec_run_str(&c, parse_netstat,
		"Active UNIX domain sockets (servers and established)\r\n"
		"Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path\r\n"
		"unix  3      [ ]         DGRAM                    8971     6492/sshd: kbrazil   /run/x\r\n"), 0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].comm, "sshd: kbrazil");
	assert_string_equal(c.rows[0].unix_path, "/run/x");
	rowrec_free(&c);
}

static void t_long_line(void **state)
{
	const char *head = "tcp 0 0 1.2.3.4:1 5.6.7.8:2 ESTABLISHED 5/";
	const char *tail = "\ntcp 0 0 1.2.3.4:1 5.6.7.8:3 LISTEN\n";
	size_t big = 100000, hl = strlen(head), tl = strlen(tail);
	struct rowrec c = ROWREC_LISTING;
	char *b = malloc(hl + big + tl);

	(void)state;
	assert_non_null(b);
	memcpy(b, head, hl);
	memset(b + hl, 'p', big);
	memcpy(b + hl + big, tail, tl);
	assert_int_equal(rowrec_run(&c, parse_netstat, b, hl + big + tl), 0);
	assert_int_equal(c.nrows, 1);
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(c.rows[0].line, 2);
	rowrec_free(&c);
	/* Just under the limit is still a row, with the whole program name. */
	memset(b + hl, 'p', 60000);
	assert_int_equal(rowrec_run(&c, parse_netstat, b, hl + 60000), 0);
	assert_int_equal(c.nrows, 1);
	assert_int_equal(strlen(c.rows[0].comm), 60000);
	rowrec_free(&c);
	free(b);
}

static void t_overflow(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_netstat,
		"tcp 99999999999999999999 0 1.2.3.4:1 5.6.7.8:2 LISTEN\n"
		"tcp 0 18446744073709551616 1.2.3.4:1 5.6.7.8:2 LISTEN\n"
		"tcp 0 0 1.2.3.4:99999 5.6.7.8:2 LISTEN\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN 99999999999999999999/x\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN root 99999999999999999999 5/x\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN 99999999999999999999 5 5/x\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN keepalive (99999999999999999999.00/0/0)\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN keepalive (1.00/99999999999999999999/0)\n"
		"unix 2 [ ] STREAM CONNECTED 99999999999999999999 /x\n"
		"  TCP    [::]:135               [::]:0                 LISTENING       99999999999999999999\n"
		"tcp 0 0 1.2.3.4:1 5.6.7.8:2 LISTEN\n"), 0);
	assert_int_equal(c.nwarn, 10);
	assert_int_equal(c.nrows, 1);
	assert_int_equal(c.rows[0].line, 11);
	rowrec_free(&c);
}

static void t_stop(void **state)
{
	struct rowrec c = ROWREC_LISTING;

	(void)state;
	c.stop_at = 3;
	c.stop_rc = 42;
	assert_int_equal(rowrec_run_file(&c, parse_netstat, CORPUS "jc-windows10-netstat-aon.out"), 42);
	assert_int_equal(c.nrows, 3);
	rowrec_free(&c);
}

/* ---- the real netstat, against sockets this process holds ------------- */

/* Our row in `state` from lport to rport; netstat -p never says the fd. */
static const struct sm_socket_row *check_ours(const struct rowrec *c, const char *state,
					      int64_t lport, int64_t rport, int fd, int with_inode)
{
	const struct sm_socket_row *r = livesock_own_row(c, state, lport, rport, fd);

	assert_true(r->fd == SM_NONE);
	if (with_inode)
		assert_int_equal(r->inode, livesock_inode(fd));
	return r;
}

static const char *const netstat_paths[] = { "/bin/netstat", "/usr/bin/netstat", "/sbin/netstat",
					     "/usr/sbin/netstat", NULL };

static void t_live_netstat(void **state)
{
	const char *ns = find_tool(netstat_paths);
	struct rowrec c = ROWREC_LISTING;
	struct livesock lv;
	const struct sm_socket_row *r;

	(void)state;
	if (!ns)
		skip();
	livesock_open(&lv);
	assert_int_equal(rowrec_run_command(&c, parse_netstat, ns, "-antp"), 0);
	if (!c.nrows) {
		livesock_close(&lv);
		rowrec_free(&c);
		skip();         /* no /proc/net/tcp here */
	}
	assert_int_equal(livesock_count_own(&c), 5);
	r = check_ours(&c, "LISTEN", lv.port, SM_NONE, lv.l, 0);
	assert_string_equal(r->remote_addr, "0.0.0.0");
	check_ours(&c, "ESTABLISHED", lv.c1port, lv.port, lv.c1, 0);
	check_ours(&c, "ESTABLISHED", lv.port, lv.c1port, lv.a1, 0);
	r = check_ours(&c, "CLOSE_WAIT", lv.port, lv.c2port, lv.a2, 0);
	assert_int_equal(r->rx_queue, 1);       /* the FIN nobody read */
	check_ours(&c, "FIN_WAIT2", lv.c2port, lv.port, lv.c2, 0);
	rowrec_free(&c);
	/* -e adds User and Inode, -o the timers (keepalive on c1). */
	assert_int_equal(rowrec_run_command(&c, parse_netstat, ns, "-antpeo"), 0);
	assert_int_equal(livesock_count_own(&c), 5);
	check_ours(&c, "LISTEN", lv.port, SM_NONE, lv.l, 1);
	r = check_ours(&c, "ESTABLISHED", lv.c1port, lv.port, lv.c1, 1);
	assert_int_equal(r->timer, 2);
	assert_true(r->timer_ms > 0);
	assert_int_equal(r->uid, (int64_t)geteuid());
	r = check_ours(&c, "CLOSE_WAIT", lv.port, lv.c2port, lv.a2, 1);
	assert_int_equal(r->timer, 0);
	rowrec_free(&c);
	livesock_close(&lv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_corpus_datadog),
		cmocka_unit_test(t_corpus_linenum_redacted),
		cmocka_unit_test(t_corpus_tinyproxy_close_wait),
		cmocka_unit_test(t_corpus_xluffy_timers),
		cmocka_unit_test(t_corpus_centos_aeep),
		cmocka_unit_test(t_corpus_centos_plain_and_p),
		cmocka_unit_test(t_corpus_fedora),
		cmocka_unit_test(t_corpus_generic),
		cmocka_unit_test(t_corpus_ubuntu),
		cmocka_unit_test(t_corpus_freebsd),
		cmocka_unit_test(t_corpus_macos),
		cmocka_unit_test(t_corpus_windows),
		cmocka_unit_test(t_synthetic_columns),
		cmocka_unit_test(t_empty_and_garbage),
		cmocka_unit_test(t_no_newline_and_crlf),
		cmocka_unit_test(t_long_line),
		cmocka_unit_test(t_overflow),
		cmocka_unit_test(t_stop),
		cmocka_unit_test(t_live_netstat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
