/*
 * shutdown_leak: a TCP server that calls shutdown() but never close() once
 * its client hangs up, for tests/scenarios/04_c_shutdown_no_close.sh, and a
 * client that talks to it.
 *
 *   shutdown_leak server           prints "PORT", then serves until killed:
 *                                  answers "PING\n" with "PONG\n"; on EOF it
 *                                  calls shutdown(fd, SHUT_RDWR) and forgets
 *                                  the fd (the bug: no close())
 *   shutdown_leak client PORT RATE SECONDS
 *                                  RATE connections a second for SECONDS:
 *                                  connect, PING, read PONG, close; then exit
 *
 * What the kernel does (checked on 6.x): after the client's FIN the server's
 * socket is in CLOSE_WAIT; shutdown(SHUT_RDWR) sends the server's FIN
 * (LAST_ACK); the client's ACK takes it to CLOSE and out of the TCP hash, so
 * /proc/net/tcp no longer lists it, while the fd still points at
 * socket:[inode]: lsof's "can't identify protocol" / "sock ... protocol:
 * TCP". Those are orphaned socket fds. Addresses: 127.0.0.1 only; at most
 * 4000 leaked fds (then it closes, to stay bounded).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 4000

static int listen_lo(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	printf("%u\n", ntohs(a.sin_port));
	fflush(stdout);
	return fd;
}

static int server(void)
{
	static struct pollfd pfd[MAX_CONNS + 1];
	int n = 1, leaked = 0;

	pfd[0].fd = listen_lo();
	pfd[0].events = POLLIN;
	if (pfd[0].fd < 0) {
		perror("listen");
		return 1;
	}
	for (;;) {
		int i;

		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		for (i = 1; i < n; i++) {
			char buf[256];
			ssize_t r;

			if (!pfd[i].revents)
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0) {
				if (write(pfd[i].fd, "PONG\n", 5) < 0) {
					/* the client is gone: same as EOF below */
				}
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			/* EOF (or error): the client hung up. The bug: shutdown
			 * is not close, and the fd is forgotten. */
			shutdown(pfd[i].fd, SHUT_RDWR);
			if (++leaked > MAX_CONNS - 100)
				close(pfd[i].fd); /* stay bounded */
			pfd[i] = pfd[--n];
			i--;
		}
		if (pfd[0].revents & POLLIN) {
			int c = accept(pfd[0].fd, NULL, NULL);

			if (c >= 0 && n <= MAX_CONNS) {
				pfd[n].fd = c;
				pfd[n].events = POLLIN;
				pfd[n].revents = 0;
				n++;
			} else if (c >= 0) {
				close(c);
			}
		}
	}
}

static void sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int client(int port, int rate, int secs)
{
	long total = (long)rate * secs, i, ok = 0;

	for (i = 0; i < total; i++) {
		struct sockaddr_in a;
		char buf[16];
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			return 1;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((unsigned short)port);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, "PING\n", 5) == 5 &&
		    read(fd, buf, sizeof(buf)) > 0)
			ok++;
		close(fd);
		sleep_ns(1000000000L / rate);
	}
	fprintf(stderr, "client: %ld of %ld exchanges ok\n", ok, total);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && !strcmp(argv[1], "server"))
		return server();
	if (argc == 5 && !strcmp(argv[1], "client")) {
		int port = atoi(argv[2]), rate = atoi(argv[3]), secs = atoi(argv[4]);

		if (port <= 0 || port > 65535 || rate <= 0 || rate > 1000 || secs <= 0 || secs > 600)
			return 2;
		return client(port, rate, secs);
	}
	fprintf(stderr, "usage: shutdown_leak server | client PORT RATE SECONDS\n");
	return 2;
}
