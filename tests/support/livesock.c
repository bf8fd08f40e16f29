/* livesock: loopback TCP sockets in known states, and the rows for them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "livesock.h"

int64_t livesock_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	return ntohs(sa.sin_port);
}

uint64_t livesock_inode(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return (uint64_t)st.st_ino;
}

int livesock_listen(int backlog, int64_t *port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, backlog), 0);
	*port = livesock_port(fd);
	return fd;
}

int livesock_connect(int64_t port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Wait (up to 5 s) until the kernel says fd is in TCP state `state`. */
static void livesock_wait_state(int fd, int state)
{
	struct tcp_info ti;
	socklen_t len;
	int i;

	for (i = 0; i < 500; i++) {
		len = sizeof(ti);
		assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
		if (ti.tcpi_state == state)
			return;
		usleep(10000);
	}
	fail_msg("fd %d never reached TCP state %d (now %d)", fd, state, ti.tcpi_state);
}

void livesock_open(struct livesock *lv)
{
	struct pollfd pfd;
	int one = 1;

	lv->l = livesock_listen(7, &lv->port);
	lv->c1 = livesock_connect(lv->port);
	lv->a1 = accept(lv->l, NULL, NULL);
	assert_true(lv->a1 >= 0);
	assert_int_equal(setsockopt(lv->c1, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)), 0);
	lv->c2 = livesock_connect(lv->port);
	lv->a2 = accept(lv->l, NULL, NULL);
	assert_true(lv->a2 >= 0);
	lv->c1port = livesock_port(lv->c1);
	lv->c2port = livesock_port(lv->c2);
	/* The peer shuts down; our end stays open and unread: CLOSE_WAIT. */
	assert_int_equal(shutdown(lv->c2, SHUT_WR), 0);
	pfd.fd = lv->a2;
	pfd.events = POLLRDHUP;
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	/* Our FIN's ACK may still be in flight: FIN_WAIT1 until it lands. */
	livesock_wait_state(lv->c2, TCP_FIN_WAIT2);
}

void livesock_close(struct livesock *lv)
{
	close(lv->a2);
	close(lv->c2);
	close(lv->a1);
	close(lv->c1);
	close(lv->l);
}

size_t livesock_count_own(const struct rowrec *rec)
{
	size_t i, k = 0;

	for (i = 0; i < rec->nrows; i++)
		k += rec->rows[i].pid == (int64_t)getpid();
	return k;
}

const struct sm_socket_row *livesock_own_row(const struct rowrec *rec, const char *state,
					     int64_t lport, int64_t rport, int fd)
{
	size_t i;

	for (i = 0; i < rec->nrows; i++) {
		const struct sm_socket_row *r = &rec->rows[i];

		if (r->pid != (int64_t)getpid() || !r->state || strcmp(r->state, state) ||
		    r->local_port != lport || r->remote_port != rport)
			continue;
		assert_string_equal(r->proto, "tcp");
		assert_string_equal(r->local_addr, "127.0.0.1");
		assert_non_null(r->comm);
		return r;
	}
	fail_msg("no %s row %lld -> %lld for fd %d", state, (long long)lport, (long long)rport, fd);
	return NULL;
}
