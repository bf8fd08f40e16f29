/*
 * livesock: TCP sockets over IPv4 loopback held by the test process, for
 * the tests that run the real ss, netstat, lsof or read /proc/net, and
 * the checks of the rows those report for them.
 */
#ifndef SM_TEST_LIVESOCK_H
#define SM_TEST_LIVESOCK_H

#include <stdint.h>

#include "rowrec.h"

/* A listener (backlog 7), an ESTABLISHED pair, and a CLOSE_WAIT/FIN_WAIT2 pair. */
struct livesock {
	int l, c1, a1, c2, a2;     /* c1 has SO_KEEPALIVE; c2 shut down its side */
	int64_t port, c1port, c2port;
};

void livesock_open(struct livesock *lv);
void livesock_close(struct livesock *lv);

/* A listener on 127.0.0.1, any port (*port); a socket connected to port. */
int livesock_listen(int backlog, int64_t *port);
int livesock_connect(int64_t port);
/* The local port of fd, and its inode (what /proc and the tools print). */
int64_t livesock_port(int fd);
uint64_t livesock_inode(int fd);

/* Socket rows whose pid is this process's. */
size_t livesock_count_own(const struct rowrec *rec);
/*
 * This process's tcp row from 127.0.0.1:lport to rport in `state`, with a
 * comm; fails the test (naming fd) if there is none.
 */
const struct sm_socket_row *livesock_own_row(const struct rowrec *rec, const char *state,
					     int64_t lport, int64_t rport, int fd);

#endif
