/*
 * closeorder: TCP connections on 127.0.0.1 with known close orders, for
 * the packet-capture integration test (tests/integration/pcap_closes.sh).
 *
 *   closeorder server PORT N      accept N connections, then exit
 *   closeorder client PORT MODES  one connection per letter, all at once
 *
 * The client's first byte names the mode; the server answers "ok\n" and:
 *   C  waits for the client's FIN (the client closes HOLD_MS after the
 *      answer), then closes: the client closed first
 *   S  closes HOLD_MS after its answer: the server closed first
 *   R  resets HOLD_MS after its answer (SO_LINGER 0): server RST
 *   T  waits TIMEOUT_MS for another request, none comes, closes: a fixed
 *      server-side timeout after the last data (the close_delays cluster)
 *   L  like C, but the client closes LONG_MS after the answer: a
 *      connection still open when a 5 s recording ends
 *   E  like L, but the client sends its request EARLY_MS after it
 *      connects: started before a recording and still open when it
 *      ends, the capture sees it only from its request on
 * The client, for S, R and T, reads until the server ends the connection,
 * then closes. Connections are held long enough for 200 ms snapshots to
 * see their sockets. The server prints "ready PORT" once listening.
 * Bounded: every socket has a 10 s receive timeout; nothing but loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define HOLD_MS 1500
#define LONG_MS 6000
#define EARLY_MS 3000
#define TIMEOUT_MS 1000
#define MAX_CONNS 64

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void bounded(int fd)
{
	struct timeval tv = { 10, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Reads until EOF, error or timeout. */
static void drain(int fd)
{
	char buf[256];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char mode = 0;
	struct linger lg = { 1, 0 };
	struct pollfd p = { fd, POLLIN, 0 };

	bounded(fd);
	if (read(fd, &mode, 1) != 1 || write(fd, "ok\n", 3) != 3) {
		close(fd);
		return NULL;
	}
	switch (mode) {
	case 'C':
	case 'L':
	case 'E':
		drain(fd);
		break;
	case 'S':
		sleep_ms(HOLD_MS);
		break;
	case 'R':
		sleep_ms(HOLD_MS);
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		break;
	case 'T':
		/* An idle timeout: close when no further request came in time. */
		if (poll(&p, 1, TIMEOUT_MS) > 0)
			drain(fd);
		break;
	default:
		break;
	}
	close(fd);
	return NULL;
}

static int run_server(int port, int n)
{
	struct sockaddr_in a;
	pthread_t th[MAX_CONNS];
	int lfd, one = 1, i;

	if (n < 1 || n > MAX_CONNS)
		return 2;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 64) < 0) {
		printf("error %s\n", strerror(errno));
		return 1;
	}
	printf("ready %d\n", port);
	fflush(stdout);
	bounded(lfd);
	for (i = 0; i < n; i++) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 || pthread_create(&th[i], NULL, serve, (void *)(intptr_t)fd) != 0) {
			printf("error accept: %s\n", strerror(errno));
			return 1;
		}
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	close(lfd);
	return 0;
}

struct job {
	int port;
	char mode;
	int lport;
};

static void *client(void *arg)
{
	struct job *j = arg;
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	char buf[8];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return NULL;
	bounded(fd);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)j->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return NULL;
	}
	if (getsockname(fd, (struct sockaddr *)&a, &alen) == 0)
		j->lport = ntohs(a.sin_port);
	if (j->mode == 'E') {
		printf("connected %d\n", j->lport);
		fflush(stdout);
		sleep_ms(EARLY_MS);
	}
	if (write(fd, &j->mode, 1) != 1 || read(fd, buf, 3) != 3) {
		close(fd);
		return NULL;
	}
	if (j->mode == 'C')
		sleep_ms(HOLD_MS);
	else if (j->mode == 'L' || j->mode == 'E')
		sleep_ms(LONG_MS);
	else
		drain(fd);
	close(fd);
	return NULL;
}

static int run_client(int port, const char *modes)
{
	struct job jobs[MAX_CONNS];
	pthread_t th[MAX_CONNS];
	size_t n = strlen(modes), i;

	if (!n || n > MAX_CONNS)
		return 2;
	for (i = 0; i < n; i++) {
		jobs[i].port = port;
		jobs[i].mode = modes[i];
		jobs[i].lport = 0;
		if (pthread_create(&th[i], NULL, client, &jobs[i]) != 0)
			return 1;
		sleep_ms(20);   /* distinct SYN times, easy to read in a capture */
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < n; i++)
		printf("conn %c %d\n", jobs[i].mode, jobs[i].lport);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "server"))
		return run_server(atoi(argv[2]), atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "client"))
		return run_client(atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: closeorder server PORT N | closeorder client PORT MODES\n");
	return 2;
}
