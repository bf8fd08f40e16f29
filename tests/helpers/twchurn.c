/*
 * twchurn: a C client that opens a new TCP connection for every request and
 * closes it first (active close: the TIME_WAIT lands on the client), and the
 * line server it talks to, for tests/scenarios/07_c_time_wait_client.sh.
 *
 *   twchurn server                       prints "PORT"; answers each line with
 *                                        "OK\n", closes when the client has
 *   twchurn client PORT THREADS RATE SECONDS
 *                                        THREADS threads, RATE requests a second
 *                                        each, for SECONDS: connect, send a line,
 *                                        read "OK", work 300 ms, close; then exit
 *
 * Addresses: 127.0.0.1 only; at most 16 threads, 50 requests a second each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024

static int server(void)
{
	static struct pollfd pfd[MAX_CONNS + 1];
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int n = 1;

	pfd[0].fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (pfd[0].fd < 0 || bind(pfd[0].fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(pfd[0].fd, 256) < 0 ||
	    getsockname(pfd[0].fd, (struct sockaddr *)&a, &len) < 0) {
		perror("listen");
		return 1;
	}
	printf("%u\n", ntohs(a.sin_port));
	fflush(stdout);
	pfd[0].events = POLLIN;
	for (;;) {
		int i;

		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (i = 1; i < n; i++) {
			char buf[256];
			ssize_t r;

			if (!pfd[i].revents)
				continue;
			r = read(pfd[i].fd, buf, sizeof(buf));
			if (r > 0) {
				if (write(pfd[i].fd, "OK\n", 3) < 0) {
					/* gone: the next read says so */
				}
				continue;
			}
			if (r < 0 && errno == EINTR)
				continue;
			close(pfd[i].fd); /* the client closed first: we follow */
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

struct client_args {
	int port, rate;
	double secs;
	long ok;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One request: a fresh connection, closed by us once the answer is in. */
static void *client_thread(void *p)
{
	struct client_args *ca = p;
	double start = now_s(), next = start;

	while (now_s() - start < ca->secs) {
		struct sockaddr_in a;
		char buf[16];
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd < 0)
			break;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.sin_port = htons((unsigned short)ca->port);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, "GET /status\n", 12) == 12 &&
		    read(fd, buf, sizeof(buf)) > 0) {
			ca->ok++;
			sleep_s(0.3); /* works on the answer with the socket still open */
		}
		close(fd);
		next += 1.0 / ca->rate;
		sleep_s(next - now_s());
	}
	return NULL;
}

static int client(int port, int threads, int rate, int secs)
{
	pthread_t t[16];
	struct client_args ca[16];
	long ok = 0;
	int i;

	for (i = 0; i < threads; i++) {
		ca[i] = (struct client_args){ port, rate, secs, 0 };
		if (pthread_create(&t[i], NULL, client_thread, &ca[i]) != 0)
			return 1;
	}
	for (i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		ok += ca[i].ok;
	}
	fprintf(stderr, "client: %ld requests\n", ok);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && !strcmp(argv[1], "server"))
		return server();
	if (argc == 6 && !strcmp(argv[1], "client")) {
		int port = atoi(argv[2]), threads = atoi(argv[3]), rate = atoi(argv[4]), secs = atoi(argv[5]);

		if (port <= 0 || port > 65535 || threads < 1 || threads > 16 || rate < 1 || rate > 50 || secs < 1 ||
		    secs > 600)
			return 2;
		return client(port, threads, rate, secs);
	}
	fprintf(stderr, "usage: twchurn server | client PORT THREADS RATE SECONDS\n");
	return 2;
}
