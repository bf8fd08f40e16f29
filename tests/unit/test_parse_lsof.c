/*
 * Unit tests for analyze/parse/parse_lsof.c: every lsof corpus file with
 * figures counted by hand (grep/awk over the files, see each test), edge
 * cases of untrusted input, and a live `lsof -nP -p <own pid>` against
 * sockets this process holds, including an orphan made with an RST.
 *
 * Every input is copied into a buffer of exactly its length so that
 * AddressSanitizer catches a read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "corpus.h"
#include "livesock.h"
#include "parse_lsof.h"
#include "rowrec.h"

#define CORPUS "tests/data/corpus/lsof/"

static int str_in(const char *s, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return 1;
	return 0;
}

/* Invariants every fd row must keep, whatever the input. */
static void check_fd_row(const struct sm_fd_row *r)
{
	static const char *const types[] = { "socket", "file", "pipe", "anon", "other" };

	assert_true(r->line > 0);
	assert_true(r->pid >= 0 && r->pid <= INT32_MAX);
	assert_non_null(r->fd_text);
	assert_non_null(r->type);
	assert_true(str_in(r->type, types, 5));
	assert_true((r->uid == SM_NONE) != (r->user == NULL));
	if (r->fd != SM_NONE) {
		assert_true(r->fd >= 0);
		assert_true(r->fd_text[0] >= '0' && r->fd_text[0] <= '9');
	}
	assert_true(r->orphaned == 0 || r->orphaned == 1);
	if (r->orphaned || r->inode || r->proto)
		assert_string_equal(r->type, "socket");
	if (r->local_port != SM_NONE)
		assert_true(r->local_port >= 0 && r->local_port <= 65535);
	if (r->remote_port != SM_NONE)
		assert_true(r->remote_port >= 0 && r->remote_port <= 65535);
	if (r->state && r->proto && !strcmp(r->proto, "unix"))
		assert_true(rowrec_is_unix_state(r->state));
	else if (r->state)
		assert_true(rowrec_is_tcp_state(r->state));
	if (r->local_addr)
		assert_null(strchr(r->local_addr, '['));
	if (r->comm)
		assert_true(r->comm[0] != ' ' && r->comm[strlen(r->comm) - 1] != ' ');
	if (r->target)
		assert_true(r->target[0] && r->target[strlen(r->target) - 1] != ' ' &&
			    !strchr(r->target, '\r'));
}

/* Socket rows exist only for numeric TCP/UDP endpoints. */
static void check_socket_row(const struct sm_socket_row *r)
{
	static const char *const protos[] = { "tcp", "tcp6", "udp", "udp6", "udplite", "udplite6" };
	unsigned char bin[16];

	assert_true(r->line > 0);
	assert_true(str_in(r->proto, protos, 6));
	assert_non_null(r->local_addr);
	assert_true(inet_pton(AF_INET, r->local_addr, bin) == 1 ||
		    inet_pton(AF_INET6, r->local_addr, bin) == 1);
	assert_true(r->local_port >= 0 && r->local_port <= 65535);
	if (r->remote_addr) {
		assert_true(inet_pton(AF_INET, r->remote_addr, bin) == 1 ||
			    inet_pton(AF_INET6, r->remote_addr, bin) == 1);
		assert_true(r->remote_port >= 0 && r->remote_port <= 65535);
	}
	if (r->state)
		assert_true(rowrec_is_tcp_state(r->state));
	assert_true(r->pid >= 0);
}

/* A recorder checking every row it is handed. */
#define LSOF_REC { .check_socket = check_socket_row, .check_fd = check_fd_row }

static size_t count_fd(const struct rowrec *c, const char *field, const char *value)
{
	size_t i, n = 0;

	for (i = 0; i < c->nfds; i++) {
		const struct sm_fd_row *o = &c->fds[i];
		const char *v = !strcmp(field, "type") ? o->type :
				!strcmp(field, "proto") ? o->proto :
				!strcmp(field, "state") ? o->state :
				!strcmp(field, "fd_text") ? o->fd_text : o->user;
		if (v && !strcmp(v, value))
			n++;
	}
	return n;
}

static size_t count_orphans(const struct rowrec *c)
{
	size_t i, n = 0;

	for (i = 0; i < c->nfds; i++)
		n += (size_t)c->fds[i].orphaned;
	return n;
}

static const struct sm_fd_row *fd_at_line(const struct rowrec *c, uint64_t line)
{
	size_t i;

	for (i = 0; i < c->nfds; i++)
		if (c->fds[i].line == line)
			return &c->fds[i];
	fail_msg("no fd row at line %lu", (unsigned long)line);
	return NULL;
}

/* -- corpus ------------------------------------------------------------- */

/* `lsof -c beam.smp | grep protocol`: grep -c "can't identify protocol" = 9. */
static void test_hackney(void **state)
{
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;
	size_t i;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "issue-hackney-230-lsof-c-grep-protocol.txt"), 0);
	assert_int_equal(c.nfds, 9);
	assert_int_equal(count_orphans(&c), 9);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 0);
	for (i = 0; i < c.nfds; i++) {
		assert_int_equal(c.fds[i].pid, 3826);
		assert_string_equal(c.fds[i].comm, "beam.smp");
		assert_string_equal(c.fds[i].user, "xxxxx");
		assert_int_equal(c.fds[i].uid, SM_NONE);
		assert_string_equal(c.fds[i].type, "socket");
		assert_null(c.fds[i].proto);
		assert_string_equal(c.fds[i].target, "can't identify protocol");
	}
	r = fd_at_line(&c, 2);
	assert_int_equal(r->fd, 19);
	assert_string_equal(r->fd_text, "19u");
	assert_int_equal(r->inode, 3800991931ULL);     /* > 2^31 */
	r = fd_at_line(&c, 10);
	assert_int_equal(r->fd, 57);
	assert_int_equal(r->inode, 3801916532ULL);
	rowrec_free(&c);
}

/* lsof -E -nP -i 6: two stderr lines before the header, -E endpoints in NAME. */
static void test_lsof_linux_42(void **state)
{
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "issue-lsof-linux-42-lsof-E-nP-ipv6-warning.txt"), 0);
	assert_int_equal(c.nwarn, 2);
	assert_int_equal(c.warn_line[0], 1);
	assert_non_null(strstr(c.warn_msg[0], "can't stat()"));
	assert_int_equal(c.warn_line[1], 2);
	assert_int_equal(c.nfds, 1);
	r = &c.fds[0];
	assert_int_equal(r->line, 4);
	assert_int_equal(r->pid, 1070);
	assert_string_equal(r->comm, "ssh");
	assert_string_equal(r->user, "yamato");
	assert_int_equal(r->fd, 3);
	assert_string_equal(r->proto, "tcp6");
	assert_int_equal(r->inode, 5836953);           /* DEVICE of an IPv6 row */
	assert_string_equal(r->local_addr, "::1");
	assert_int_equal(r->local_port, 53442);
	assert_string_equal(r->remote_addr, "::1");
	assert_int_equal(r->remote_port, 22);
	assert_string_equal(r->state, "ESTABLISHED");
	assert_int_equal(r->orphaned, 0);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].proto, "tcp6");
	assert_string_equal(c.rows[0].state, "ESTABLISHED");
	assert_string_equal(c.rows[0].local_addr, "::1");
	assert_int_equal(c.rows[0].local_port, 53442);
	assert_int_equal(c.rows[0].remote_port, 22);
	assert_int_equal(c.rows[0].pid, 1070);
	assert_int_equal(c.rows[0].fd, 3);
	assert_int_equal(c.rows[0].inode, 5836953);
	assert_string_equal(c.rows[0].comm, "ssh");
	rowrec_free(&c);
}

/*
 * `lsof -p` of dockerd, no header: 14 rows; grep -c 'protocol: NETLINK' = 11,
 * grep -c 'protocol: TCP' = 1, one IPv6 listener, one REG with lock "846wW".
 */
static void test_moby(void **state)
{
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "issue-moby-28448-lsof-p-dockerd-netlink-leak.txt"), 0);
	assert_int_equal(c.nfds, 14);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(count_orphans(&c), 12);
	assert_int_equal(count_fd(&c, "proto", "netlink"), 11);
	assert_int_equal(count_fd(&c, "type", "socket"), 13);
	r = fd_at_line(&c, 9);
	assert_int_equal(r->fd, 842);
	assert_string_equal(r->proto, "tcp");
	assert_int_equal(r->orphaned, 1);
	assert_int_equal(r->inode, 14539735);
	r = fd_at_line(&c, 11);
	assert_int_equal(r->fd, 844);
	assert_string_equal(r->proto, "tcp6");
	assert_int_equal(r->orphaned, 0);
	assert_string_equal(r->local_addr, "::");
	assert_int_equal(r->local_port, 30000);
	assert_null(r->remote_addr);
	assert_string_equal(r->state, "LISTEN");
	assert_int_equal(r->inode, 14761324);
	r = fd_at_line(&c, 13);
	assert_int_equal(r->fd, 846);
	assert_string_equal(r->fd_text, "846wW");
	assert_string_equal(r->type, "file");
	assert_int_equal(r->inode, 0);
	assert_string_equal(r->target, "/var/lib/docker/swarm/raft/wal-v3-encrypted/0.tmp");
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].proto, "tcp6");
	assert_string_equal(c.rows[0].state, "LISTEN");
	assert_string_equal(c.rows[0].local_addr, "::");
	assert_int_equal(c.rows[0].local_port, 30000);
	assert_null(c.rows[0].remote_addr);
	assert_int_equal(c.rows[0].fd, 844);
	assert_int_equal(c.rows[0].inode, 14761324);
	rowrec_free(&c);
}

/* `lsof -n | grep polipo | grep sock`: 6 rows, then a typed "…" line. */
static void test_polipo(void **state)
{
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "issue-polipo-34-lsof-n-grep-sock.txt"), 0);
	assert_int_equal(c.nfds, 6);
	assert_int_equal(count_orphans(&c), 6);
	assert_int_equal(count_fd(&c, "user", "proxy"), 6);
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(c.warn_line[0], 7);
	r = fd_at_line(&c, 1);
	assert_int_equal(r->pid, 5646);
	assert_string_equal(r->comm, "polipo");
	assert_int_equal(r->fd, 661);
	assert_int_equal(r->inode, 3066108598ULL);
	r = fd_at_line(&c, 6);
	assert_int_equal(r->fd, 675);
	assert_int_equal(r->inode, 3064970332ULL);
	rowrec_free(&c);
}

/*
 * Non-root CentOS 7.7: 638 data lines, 128 with TID filled (awk on the TID
 * column), so 510 rows; NOFD rows (non-thread) 101; types file 102,
 * other 404 (unknown + NOFD), pipe 4; 33 numeric fds.
 */
static void test_jc_centos_nonroot(void **state)
{
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "jc-centos7.7-lsof-nonroot.out"), 0);
	assert_int_equal(c.nfds, 510);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 1);                  /* the per-thread note */
	assert_int_equal(count_fd(&c, "fd_text", "NOFD"), 101);
	assert_int_equal(count_fd(&c, "type", "file"), 102);
	assert_int_equal(count_fd(&c, "type", "other"), 404);
	assert_int_equal(count_fd(&c, "type", "pipe"), 4);
	assert_int_equal(count_fd(&c, "type", "socket"), 0);
	r = fd_at_line(&c, 2);
	assert_int_equal(r->pid, 1);
	assert_string_equal(r->comm, "systemd");
	assert_string_equal(r->fd_text, "cwd");
	assert_int_equal(r->fd, SM_NONE);
	assert_string_equal(r->type, "other");
	assert_string_equal(r->target, "/proc/1/cwd (readlink: Permission denied)");
	r = fd_at_line(&c, 5);
	assert_string_equal(r->fd_text, "NOFD");
	assert_string_equal(r->target, "/proc/1/fd (opendir: Permission denied)");
	rowrec_free(&c);
}

/*
 * sudo lsof, CentOS 7.7 (names resolved): 3389 data lines, 1631 thread
 * rows, 1758 rows. Socket rows by TYPE (awk): unix 181, netlink 19, IPv4 6,
 * IPv6 3, sock 1, pack 1, raw6 1 = 212; one "protocol: NETLINK" orphan;
 * 4 LISTEN, 2 ESTABLISHED; no numeric TCP/UDP endpoints -> no socket rows.
 */
static void test_jc_centos_sudo(void **state)
{
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "jc-centos7.7-lsof-sudo.out"), 0);
	assert_int_equal(c.nfds, 1758);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(count_fd(&c, "type", "socket"), 212);
	assert_int_equal(count_fd(&c, "proto", "unix"), 181);
	assert_int_equal(count_fd(&c, "proto", "netlink"), 20);   /* 19 + the sock */
	assert_int_equal(count_fd(&c, "proto", "tcp"), 4);
	assert_int_equal(count_fd(&c, "proto", "tcp6"), 2);
	assert_int_equal(count_fd(&c, "proto", "udp"), 2);
	assert_int_equal(count_fd(&c, "proto", "udp6"), 1);
	assert_int_equal(count_fd(&c, "proto", "packet"), 1);
	assert_int_equal(count_fd(&c, "proto", "raw6"), 1);
	assert_int_equal(count_fd(&c, "type", "anon"), 49);
	assert_int_equal(count_fd(&c, "fd_text", "DEL"), 2);
	assert_int_equal(count_fd(&c, "fd_text", "mem-W"), 1);
	assert_int_equal(count_orphans(&c), 1);
	assert_int_equal(count_fd(&c, "state", "LISTEN"), 4);
	assert_int_equal(count_fd(&c, "state", "ESTABLISHED"), 2);
	/* sshd 1206 3u IPv4 21598 0t0 TCP *:ssh (LISTEN) */
	r = fd_at_line(&c, 2023);
	assert_int_equal(r->pid, 1206);
	assert_int_equal(r->fd, 3);
	assert_string_equal(r->proto, "tcp");
	assert_int_equal(r->inode, 21598);
	assert_string_equal(r->local_addr, "0.0.0.0");
	assert_int_equal(r->local_port, SM_NONE);          /* "ssh" is not numeric */
	assert_string_equal(r->state, "LISTEN");
	/* sshd 4314 3u ... TCP localhost.localdomain:ssh->192.168.71.1:58727 */
	r = fd_at_line(&c, 3125);
	assert_string_equal(r->local_addr, "localhost.localdomain");
	assert_int_equal(r->local_port, SM_NONE);
	assert_string_equal(r->remote_addr, "192.168.71.1");
	assert_int_equal(r->remote_port, 58727);
	assert_string_equal(r->state, "ESTABLISHED");
	/* dbus-daem 778 dbus 5u sock 0,7 0t0 17853 protocol: NETLINK */
	r = fd_at_line(&c, 501);
	assert_int_equal(r->pid, 778);
	assert_int_equal(r->orphaned, 1);
	assert_string_equal(r->proto, "netlink");
	assert_int_equal(r->inode, 17853);
	/* dhclient 1939 5u pack 24213 0t0 ALL type=SOCK_RAW: DEVICE is the inode */
	r = fd_at_line(&c, 2995);
	assert_string_equal(r->proto, "packet");
	assert_int_equal(r->inode, 24213);
	rowrec_free(&c);
}

/* Non-root Ubuntu 18.04: 975 data lines, 152 thread rows -> 823; NOFD 163. */
static void test_jc_ubuntu_nonroot(void **state)
{
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "jc-ubuntu18.04-lsof-nonroot.out"), 0);
	assert_int_equal(c.nfds, 823);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(count_fd(&c, "fd_text", "NOFD"), 163);
	assert_int_equal(count_fd(&c, "type", "socket"), 13);
	assert_int_equal(count_fd(&c, "proto", "unix"), 12);
	assert_int_equal(count_fd(&c, "proto", "netlink"), 1);
	assert_int_equal(count_fd(&c, "type", "anon"), 7);
	assert_int_equal(count_orphans(&c), 0);
	rowrec_free(&c);
}

/*
 * sudo lsof, Ubuntu 18.04: 2853 data lines, 1057 thread rows -> 1796.
 * Sockets by TYPE: unix 161, netlink 18, IPv4 7, sock 2, IPv6 1, pack 1,
 * raw6 1 = 191; orphans: "protocol: NETLINK" and "protocol: AF_VSOCK".
 */
static void test_jc_ubuntu_sudo(void **state)
{
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;

	(void)state;
	assert_int_equal(rowrec_run_file(&c, parse_lsof, CORPUS "jc-ubuntu18.04-lsof-sudo.out"), 0);
	assert_int_equal(c.nfds, 1796);
	assert_int_equal(c.nrows, 0);
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(count_fd(&c, "type", "socket"), 191);
	assert_int_equal(count_fd(&c, "proto", "unix"), 161);
	assert_int_equal(count_fd(&c, "proto", "netlink"), 19);
	assert_int_equal(count_fd(&c, "proto", "vsock"), 1);
	assert_int_equal(count_fd(&c, "proto", "tcp"), 5);
	assert_int_equal(count_fd(&c, "proto", "tcp6"), 1);
	assert_int_equal(count_fd(&c, "proto", "udp"), 2);
	assert_int_equal(count_fd(&c, "type", "anon"), 86);
	assert_int_equal(count_orphans(&c), 2);
	assert_int_equal(count_fd(&c, "state", "LISTEN"), 4);
	assert_int_equal(count_fd(&c, "state", "ESTABLISHED"), 2);
	assert_int_equal(count_fd(&c, "state", "CLOSE_WAIT"), 0);
	/* container 1112 7u IPv4 30727 0t0 TCP localhost:42351 (LISTEN) */
	r = fd_at_line(&c, 2073);
	assert_string_equal(r->comm, "container");
	assert_string_equal(r->local_addr, "localhost");
	assert_int_equal(r->local_port, 42351);
	assert_int_equal(r->inode, 30727);
	/* vmtoolsd 680 8u sock 0,9 0t0 26217 protocol: AF_VSOCK */
	r = fd_at_line(&c, 788);
	assert_int_equal(r->pid, 680);
	assert_int_equal(r->fd, 8);
	assert_string_equal(r->proto, "vsock");
	assert_int_equal(r->orphaned, 1);
	assert_int_equal(r->inode, 26217);
	/* systemd-n 867 systemd-network 16u pack 26967 0t0 35020 (NODE = ethertype) */
	r = fd_at_line(&c, 891);
	assert_string_equal(r->user, "systemd-network");
	assert_string_equal(r->proto, "packet");
	assert_int_equal(r->inode, 26967);
	rowrec_free(&c);
}

/* Without the header the guessing path must reach the same rows. */
static void test_headerless_matches_header(void **state)
{
	struct rowrec a = LSOF_REC, b = LSOF_REC;
	struct sm_sink sink;
	size_t len, i, skip;
	char *buf;

	(void)state;
	rowrec_sink(&b, &sink);
	assert_int_equal(rowrec_run_file(&a, parse_lsof, CORPUS "jc-ubuntu18.04-lsof-sudo.out"), 0);
	buf = read_corpus_file(CORPUS "jc-ubuntu18.04-lsof-sudo.out", &len);
	assert_non_null(buf);
	skip = (size_t)((char *)memchr(buf, '\n', len) - buf) + 1;
	assert_int_equal(parse_lsof(buf + skip, len - skip, &sink), 0);
	free(buf);
	assert_int_equal(a.nfds, b.nfds);
	for (i = 0; i < a.nfds; i++) {
		assert_int_equal(a.fds[i].line, b.fds[i].line + 1);
		assert_int_equal(a.fds[i].pid, b.fds[i].pid);
		assert_int_equal(a.fds[i].fd, b.fds[i].fd);
		assert_int_equal(a.fds[i].inode, b.fds[i].inode);
		assert_string_equal(a.fds[i].comm, b.fds[i].comm);
		assert_string_equal(a.fds[i].fd_text, b.fds[i].fd_text);
		assert_string_equal(a.fds[i].type, b.fds[i].type);
		assert_string_equal(a.fds[i].target, b.fds[i].target);
	}
	rowrec_free(&a);
	rowrec_free(&b);
}

/* -- synthetic ----------------------------------------------------------- */

static const char nP_sample[] =
	"COMMAND  PID USER   FD   TYPE             DEVICE SIZE/OFF     NODE NAME\n"
	"srv     4556 root    3u  IPv4               8962      0t0      TCP 127.0.0.1:8080 (LISTEN)\n"
	"srv     4556 root    4u  IPv4               8963      0t0      TCP 127.0.0.1:8080->127.0.0.1:54321 (CLOSE_WAIT)\n"
	"srv     4556 root    5u  IPv4               8964      0t0      TCP 127.0.0.1:8080->127.0.0.1:54322 (CLOSE_WAIT)\n"
	"srv     4556 root    6u  IPv6               8965      0t0      TCP [2001:db8::1]:443->[2001:db8:0:0::2]:61000 (CLOSE_WAIT)\n"
	"srv     4556 root    7u  IPv6               8966      0t0      TCP *:80 (LISTEN)\n"
	"srv     4556 root    8u  IPv4               8967      0t0      UDP *:53\n"
	"srv     4556 root    9u  IPv4               8968      0t0      TCP 10.0.0.1:5000->10.0.0.2:22 (IDLE)\n"
	"srv     4556 root   10u  IPv6               8969      0t0      TCP [fe80::1%eth0]:22->[fe80::2%eth0]:5555 (FIN_WAIT_2)\n"
	"srv     4556 root   11u  IPv4               8970      0t0      TCP 127.0.0.1:9->127.0.0.1:10 (SYN_SENT QR=3 QS=5)\n"
	"srv     4556 root   12u  sock                0,9      0t0     8971 protocol: TCPv6\n"
	"srv     4556 root   13u  unix 0x00000000d4ffb351      0t0     8972 /run/x.sock type=STREAM (LISTEN)\n";

static void test_states_and_addresses(void **state)
{
	struct rowrec c = LSOF_REC;
	size_t i, close_wait = 0;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_lsof, nP_sample), 0);
	assert_int_equal(c.nwarn, 0);
	assert_int_equal(c.nfds, 11);
	assert_int_equal(c.nrows, 9);
	for (i = 0; i < c.nrows; i++)
		close_wait += !strcmp(c.rows[i].state ? c.rows[i].state : "", "CLOSE_WAIT");
	assert_int_equal(close_wait, 3);
	assert_string_equal(c.rows[3].proto, "tcp6");
	assert_string_equal(c.rows[3].local_addr, "2001:db8::1");
	assert_string_equal(c.rows[3].remote_addr, "2001:db8::2");    /* RFC 5952 */
	assert_int_equal(c.rows[3].remote_port, 61000);
	assert_string_equal(c.rows[4].local_addr, "::");
	assert_string_equal(c.rows[4].state, "LISTEN");
	assert_string_equal(c.rows[5].proto, "udp");
	assert_string_equal(c.rows[5].local_addr, "0.0.0.0");
	assert_int_equal(c.rows[5].local_port, 53);
	assert_string_equal(c.rows[5].state, "CLOSE");          /* unconnected UDP */
	assert_null(c.fds[5].state);                             /* as lsof printed */
	assert_string_equal(c.rows[6].state, "CLOSE");          /* IDLE */
	assert_string_equal(c.rows[7].local_addr, "fe80::1");        /* scope dropped */
	assert_string_equal(c.rows[7].state, "FIN_WAIT2");
	assert_string_equal(c.rows[8].state, "SYN_SENT");
	assert_int_equal(c.rows[8].rx_queue, 3);
	assert_int_equal(c.rows[8].tx_queue, 5);
	assert_int_equal(c.rows[0].inode, 8962);
	assert_int_equal(c.rows[0].pid, 4556);
	assert_int_equal(c.rows[0].fd, 3);
	assert_string_equal(c.fds[9].proto, "tcp6");
	assert_int_equal(c.fds[9].orphaned, 1);
	assert_int_equal(c.fds[9].inode, 8971);
	assert_string_equal(c.fds[10].proto, "unix");
	assert_string_equal(c.fds[10].state, "LISTEN");
	assert_int_equal(c.fds[10].inode, 8972);
	assert_string_equal(c.fds[10].target, "/run/x.sock type=STREAM (LISTEN)");
	rowrec_free(&c);
}

/* Header positions decide blank columns the value shapes cannot. */
static void test_header_columns(void **state)
{
	static const char in[] =
		"COMMAND     PID   TID TASKCMD   USER   FD   TYPE DEVICE SIZE/OFF   NODE NAME\n"
		"Web Conte  4000                 1000  mem    REG    8,2              77 12345\n"
		"Web Conte  4000                 1000    3u  IPv4  99999      0t0    TCP 127.0.0.1:1->127.0.0.1:2 (ESTABLISHED)\n"
		"firefox    4000  4001 Socket Th 1000    3u  IPv4  99999      0t0    TCP 127.0.0.1:1->127.0.0.1:2 (ESTABLISHED)\n";
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_lsof, in), 0);
	assert_int_equal(c.nfds, 2);                    /* the task row is skipped */
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(c.warn_line[0], 4);
	assert_string_equal(c.fds[0].comm, "Web Conte");
	assert_int_equal(c.fds[0].uid, 1000);
	assert_null(c.fds[0].user);
	assert_string_equal(c.fds[0].fd_text, "mem");
	assert_int_equal(c.fds[0].fd, SM_NONE);
	assert_string_equal(c.fds[0].target, "12345");  /* NAME, not NODE */
	assert_int_equal(c.nrows, 1);
	assert_int_equal(c.rows[0].inode, 99999);
	rowrec_free(&c);
}

/* Grep'd rows from an lsof listing tasks: TID is told from USER by shape. */
static void test_guess_tid(void **state)
{
	static const char in[] =
		"gmain      823 1013    root    6u      REG              253,0      4096   16777637 /tmp/ffiCvbwRW (deleted)\n"
		"firewalld  823         root    6u      REG              253,0      4096   16777637 /tmp/ffiCvbwRW (deleted)\n"
		"java       900        1001   12u     IPv6              12345       0t0        TCP [::ffff:10.1.2.3]:8443->[::ffff:10.9.9.9]:50000 (CLOSE_WAIT)\n";
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_lsof, in), 0);
	assert_int_equal(c.nfds, 2);
	assert_string_equal(c.fds[0].comm, "firewalld");
	assert_string_equal(c.fds[0].target, "/tmp/ffiCvbwRW (deleted)");
	assert_int_equal(c.fds[1].uid, 1001);
	assert_int_equal(c.nrows, 1);
	assert_string_equal(c.rows[0].local_addr, "::ffff:10.1.2.3");
	assert_string_equal(c.rows[0].state, "CLOSE_WAIT");
	rowrec_free(&c);
}

/* -- hostile input ---------------------------------------------------------- */

static void test_empty(void **state)
{
	struct rowrec c = LSOF_REC;
	struct sm_sink sink;

	(void)state;
	rowrec_sink(&c, &sink);
	assert_int_equal(rowrec_run(&c, parse_lsof, "", 0), 0);
	assert_int_equal(parse_lsof(NULL, 0, &sink), 0);
	assert_int_equal(rowrec_run_str(&c, parse_lsof, "\n\n   \n"), 0);
	assert_int_equal(c.nfds + c.nrows + c.nwarn, 0);
	rowrec_free(&c);
}

static void test_garbage(void **state)
{
	static const char bin[] = { 'C', 'O', 'M', 0, 'x', '\n', (char)0xff, (char)0xfe, '1', ' ', '2' };
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_lsof, "hello world\nthis is not lsof 42\n"), -1);
	assert_int_equal(c.nfds, 0);
	assert_int_equal(c.nwarn, 2);
	rowrec_free(&c);
	assert_int_equal(rowrec_run(&c, parse_lsof, bin, sizeof(bin)), -1);
	assert_int_equal(c.nfds, 0);
	rowrec_free(&c);
	/* a header alone is lsof output with no rows */
	assert_int_equal(rowrec_run_str(&c, parse_lsof, "COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME\n"), 0);
	rowrec_free(&c);
}

static void test_no_trailing_newline(void **state)
{
	static const char in[] =
		"COMMAND  PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n"
		"nc      1234 root    3u  IPv4  55555      0t0  TCP 127.0.0.1:7->127.0.0.1:8 (ESTABLISHED)";
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run(&c, parse_lsof, in, sizeof(in) - 1), 0);
	assert_int_equal(c.nfds, 1);
	assert_string_equal(c.fds[0].state, "ESTABLISHED");
	assert_int_equal(c.fds[0].remote_port, 8);
	assert_int_equal(c.nrows, 1);
	rowrec_free(&c);
}

static void test_crlf(void **state)
{
	static const char in[] =
		"COMMAND  PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\r\n"
		"nc      1234 root    3u  IPv4  55555      0t0  TCP *:7 (LISTEN)\r\n"
		"nc      1234 root    4u  IPv4  55556      0t0  UDP *:9\r\n";
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_lsof, in), 0);
	assert_int_equal(c.nfds, 2);
	assert_int_equal(c.nwarn, 0);
	assert_string_equal(c.fds[0].target, "*:7 (LISTEN)");
	assert_string_equal(c.fds[0].state, "LISTEN");
	assert_string_equal(c.fds[1].target, "*:9");
	assert_int_equal(c.fds[1].local_port, 9);
	rowrec_free(&c);
}

static void test_long_line(void **state)
{
	static const char row[] = "nc 1234 root 3u IPv4 55555 0t0 TCP 127.0.0.1:7 (LISTEN)\n";
	size_t pad = 70 * 1024, len = sizeof(row) - 1 + pad + 1 + sizeof(row) - 1;
	char *in = malloc(len);
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_non_null(in);
	memcpy(in, row, sizeof(row) - 1);
	memcpy(in + sizeof(row) - 1, row, sizeof(row) - 2);       /* same row... */
	memset(in + 2 * (sizeof(row) - 1) - 1, 'x', pad);          /* ...with a huge NAME */
	in[sizeof(row) - 1 + pad] = '\n';
	memcpy(in + sizeof(row) - 1 + pad + 1, row, sizeof(row) - 1);
	assert_int_equal(rowrec_run(&c, parse_lsof, in, len), 0);
	free(in);
	assert_int_equal(c.nfds, 2);
	assert_int_equal(c.fds[0].line, 1);
	assert_int_equal(c.fds[1].line, 3);
	assert_int_equal(c.nwarn, 1);
	assert_int_equal(c.warn_line[0], 2);
	rowrec_free(&c);
}

static void test_huge_pid(void **state)
{
	static const char in[] =
		"nc 99999999999999999999999 root 3u IPv4 1 0t0 TCP 127.0.0.1:7 (LISTEN)\n"
		"nc 3000000000 root 3u IPv4 1 0t0 TCP 127.0.0.1:7 (LISTEN)\n"
		"nc 42 root 99999999999u IPv4 1 0t0 TCP 127.0.0.1:7 (LISTEN)\n"
		"nc 43 root 3u IPv4 1 0t0 TCP 127.0.0.1:99999 (LISTEN)\n";
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_lsof, in), 0);
	assert_int_equal(c.nwarn, 2);
	assert_int_equal(c.warn_line[0], 1);
	assert_int_equal(c.warn_line[1], 2);
	assert_int_equal(c.nfds, 2);
	assert_int_equal(c.fds[0].pid, 42);
	assert_int_equal(c.fds[0].fd, SM_NONE);         /* fd number overflows */
	assert_int_equal(c.fds[1].pid, 43);
	assert_int_equal(c.fds[1].local_port, SM_NONE);      /* port out of range */
	assert_int_equal(c.nrows, 1);                  /* only the row with fd SM_NONE */
	rowrec_free(&c);
}

/* Every prefix of a sample, each in an exact-size buffer: no overread. */
static void test_prefixes(void **state)
{
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(nP_sample) - 1; n++) {
		struct rowrec c = LSOF_REC;
		int rc = rowrec_run(&c, parse_lsof, nP_sample, n);
		assert_true(rc == 0 || rc == -1);
		rowrec_free(&c);
	}
}

/* Inputs the fuzzer (libFuzzer over this corpus) found or nearly found. */
static void test_fuzz_regressions(void **state)
{
	static const char in[] =
		"nc 1 root 3u IPv4 5 0t0 TCP (a->b)\n"           /* once a negative memrchr */
		"nc 1 root 4u IPv6 6 0t0 TCP [::1\n"
		"nc 1 root 5u IPv4 7 0t0 TCP ->:\n"
		"nc 1 root 6u IPv4 8 0t0 TCP :->[]:*\n"
		"nc 1 root 7u unix 0x1 0t0 9 ()\n";
	struct rowrec c = LSOF_REC;

	(void)state;
	assert_int_equal(rowrec_run_str(&c, parse_lsof, in), 0);
	assert_int_equal(c.nfds, 5);
	assert_null(c.fds[0].local_addr);
	assert_string_equal(c.fds[0].target, "(a->b)");
	assert_string_equal(c.fds[1].local_addr, "::1");
	assert_int_equal(c.fds[1].local_port, SM_NONE);
	assert_int_equal(c.fds[3].remote_port, 0);
	assert_null(c.fds[4].state);
	assert_int_equal(c.nrows, 0);
	rowrec_free(&c);
}

static void test_stop_and_null_callbacks(void **state)
{
	struct rowrec c = LSOF_REC;
	struct sm_sink sink;

	(void)state;
	rowrec_sink(&c, &sink);
	sink.socket = NULL;
	sink.counter = NULL;
	sink.warn = NULL;
	c.stop_at = 2;
	c.stop_rc = 7;
	assert_int_equal(rowrec_run(&c, parse_lsof, nP_sample, sizeof(nP_sample) - 1), 7);
	assert_int_equal(c.nfds, 2);
	assert_int_equal(c.nrows, 1);                  /* row 2 stopped before its socket */
	rowrec_free(&c);
	c.stop_at = 0;
	assert_int_equal(parse_lsof(nP_sample, sizeof(nP_sample) - 1, &sink), 0);
	assert_int_equal(c.nfds, 11);
	assert_int_equal(c.nrows, 0);
	rowrec_free(&c);
}

/* -- live lsof ------------------------------------------------------------ */

/* Run lsof -nP -p <us>; returns its stdout (caller frees) or NULL. */
static char *run_lsof(size_t *len)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "/usr/bin/lsof -nP -p %ld 2>/dev/null", (long)getpid());
	return read_command_output(cmd, len);
}

static const struct sm_fd_row *fd_row(const struct rowrec *c, int fd)
{
	size_t i;

	for (i = 0; i < c->nfds; i++)
		if (c->fds[i].fd == fd)
			return &c->fds[i];
	fail_msg("lsof shows no fd %d", fd);
	return NULL;
}

static void test_real_lsof(void **state)
{
	int64_t lport, cport, oport;
	int lsn, cli, acc, sv[2], olsn, ocli, oacc;
	struct linger lg = { 1, 0 };
	struct pollfd pfd;
	struct rowrec c = LSOF_REC;
	const struct sm_fd_row *r;
	size_t len = 0, i, nsock_fds = 0;
	char *out;

	(void)state;
	if (access("/usr/bin/lsof", X_OK)) {
		print_message("lsof not installed; skipping\n");
		skip();
	}
	lsn = livesock_listen(8, &lport);
	cli = livesock_connect(lport);
	cport = livesock_port(cli);
	acc = accept(lsn, NULL, NULL);
	assert_true(acc >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* the orphan: the peer aborts, our fd stays open on a dead socket */
	olsn = livesock_listen(8, &oport);
	ocli = livesock_connect(oport);
	oacc = accept(olsn, NULL, NULL);
	assert_true(oacc >= 0);
	assert_int_equal(setsockopt(oacc, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	close(oacc);
	close(olsn);
	pfd.fd = ocli;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 5000), 1);       /* the RST arrived */

	out = run_lsof(&len);
	if (!out || !len) {
		free(out);
		out = NULL;
		print_message("lsof produced no output here; skipping\n");
		close(lsn); close(cli); close(acc); close(sv[0]); close(sv[1]); close(ocli);
		skip();
	}
	assert_int_equal(rowrec_run(&c, parse_lsof, out, len), 0);
	free(out);

	r = fd_row(&c, lsn);
	assert_string_equal(r->type, "socket");
	assert_string_equal(r->proto, "tcp");
	assert_string_equal(r->local_addr, "127.0.0.1");
	assert_int_equal(r->local_port, lport);
	assert_string_equal(r->state, "LISTEN");
	assert_int_equal(r->pid, getpid());
	assert_int_equal(r->inode, livesock_inode(lsn));        /* DEVICE is the inode */

	r = fd_row(&c, cli);
	assert_int_equal(r->local_port, cport);
	assert_string_equal(r->remote_addr, "127.0.0.1");
	assert_int_equal(r->remote_port, lport);
	assert_string_equal(r->state, "ESTABLISHED");
	assert_int_equal(r->inode, livesock_inode(cli));

	r = fd_row(&c, acc);
	assert_int_equal(r->local_port, lport);
	assert_int_equal(r->remote_port, cport);
	assert_string_equal(r->state, "ESTABLISHED");

	for (i = 0; i < 2; i++) {
		r = fd_row(&c, sv[i]);
		assert_string_equal(r->type, "socket");
		assert_string_equal(r->proto, "unix");
		assert_int_equal(r->inode, livesock_inode(sv[i]));
		if (r->state)
			assert_string_equal(r->state, "CONNECTED");
	}

	r = fd_row(&c, ocli);
	assert_string_equal(r->type, "socket");
	assert_int_equal(r->orphaned, 1);
	assert_string_equal(r->proto, "tcp");
	assert_int_equal(r->inode, livesock_inode(ocli));

	for (i = 0; i < c.nrows; i++) {
		assert_int_equal(c.rows[i].pid, getpid());
		assert_true(c.rows[i].fd != ocli);
		if (c.rows[i].fd == lsn || c.rows[i].fd == cli || c.rows[i].fd == acc) {
			assert_string_equal(c.rows[i].proto, "tcp");
			nsock_fds++;
		}
		if (c.rows[i].fd == lsn) {
			assert_string_equal(c.rows[i].state, "LISTEN");
			assert_int_equal(c.rows[i].local_port, lport);
			assert_int_equal(c.rows[i].inode, livesock_inode(lsn));
		}
	}
	assert_int_equal(nsock_fds, 3);

	rowrec_free(&c);
	close(lsn); close(cli); close(acc); close(sv[0]); close(sv[1]); close(ocli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hackney),
		cmocka_unit_test(test_lsof_linux_42),
		cmocka_unit_test(test_moby),
		cmocka_unit_test(test_polipo),
		cmocka_unit_test(test_jc_centos_nonroot),
		cmocka_unit_test(test_jc_centos_sudo),
		cmocka_unit_test(test_jc_ubuntu_nonroot),
		cmocka_unit_test(test_jc_ubuntu_sudo),
		cmocka_unit_test(test_headerless_matches_header),
		cmocka_unit_test(test_states_and_addresses),
		cmocka_unit_test(test_header_columns),
		cmocka_unit_test(test_guess_tid),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_huge_pid),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_fuzz_regressions),
		cmocka_unit_test(test_stop_and_null_callbacks),
		cmocka_unit_test(test_real_lsof),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
