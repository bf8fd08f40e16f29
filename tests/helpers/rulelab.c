/*
 * rulelab: small loopback servers and clients that leak (or do not) in the
 * ways the root-cause rules diagnose, for tests/integration/report_rules.sh.
 * Every mode prints "READY port=P pid=N" once set up and runs until
 * SIGTERM/SIGINT or for at most 120 s.
 *
 *   rulelab cw-server        accepts and never reads or closes: every
 *                            connection the client hangs up sits in CLOSE_WAIT
 *   rulelab shut-server      on the client's hang-up calls shutdown(), never
 *                            close(): the fd outlives its socket (an orphan)
 *   rulelab close-server     reads until EOF and closes (well behaved)
 *   rulelab dial PORT RATE HOLD_MS
 *                            RATE connections a second to 127.0.0.1:PORT, each
 *                            closed by this side after HOLD_MS (TIME_WAIT here)
 *   rulelab pool PORT N      N connections held open, a byte each way on each
 *                            every 100 ms (a healthy pool)
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

#define MAXC 4096

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "rulelab: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int listener(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 512) < 0)
		die("bind/listen");
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("getsockname");
	*port = ntohs(a.sin_port);
	return fd;
}

static int dial(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)port);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Servers: mode c (cw), s (shutdown), e (read to EOF and close). */
static void serve(char mode)
{
	static struct pollfd p[MAXC];
	int port, n = 1, i;
	double end = now_s() + 120;
	char buf[512];

	p[0].fd = listener(&port);
	p[0].events = POLLIN;
	printf("READY port=%d pid=%d\n", port, (int)getpid());
	while (!stop && now_s() < end) {
		if (poll(p, (nfds_t)n, 200) <= 0)
			continue;
		if ((p[0].revents & POLLIN) && n < MAXC) {
			int c = accept(p[0].fd, NULL, NULL);

			if (c >= 0) {
				p[n].fd = c;
				p[n].events = mode == 'c' ? 0 : POLLIN;   /* cw: never look at it again */
				n++;
			} else if (errno == EMFILE || errno == ENFILE) {
				usleep(100000);
			}
		}
		for (i = 1; i < n; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP)) || read(p[i].fd, buf, sizeof(buf)) > 0)
				continue;
			if (mode == 's')
				shutdown(p[i].fd, SHUT_RDWR);   /* the bug: shutdown is not close */
			else
				close(p[i].fd);
			p[i--] = p[--n];
		}
	}
}

static void dial_loop(int port, double rate, int hold_ms)
{
	static int fds[MAXC];
	static double at[MAXC];
	double next = now_s(), end = next + 120;
	int n = 0, i;

	printf("READY port=%d pid=%d\n", port, (int)getpid());
	while (!stop && now_s() < end) {
		double t = now_s();

		if (t >= next && n < MAXC) {
			int fd = dial(port);

			if (fd >= 0) {
				fds[n] = fd;
				at[n++] = t + hold_ms / 1000.0;
			}
			next += 1.0 / rate;
		}
		for (i = 0; i < n; i++)
			if (t >= at[i]) {
				close(fds[i]);   /* this side closes first: TIME_WAIT here */
				fds[i] = fds[n - 1];
				at[i--] = at[--n];
			}
		usleep(2000);
	}
}

static void pool(int port, int count)
{
	static int fds[MAXC];
	double end = now_s() + 120;
	char b = 'x';
	int i;

	for (i = 0; i < count && i < MAXC; i++)
		if ((fds[i] = dial(port)) < 0)
			die("connect");
	printf("READY port=%d pid=%d\n", port, (int)getpid());
	while (!stop && now_s() < end) {
		for (i = 0; i < count; i++)
			if (write(fds[i], &b, 1) < 0)
				die("write");
		usleep(100000);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && !strcmp(argv[1], "cw-server"))
		serve('c');
	else if (argc == 2 && !strcmp(argv[1], "shut-server"))
		serve('s');
	else if (argc == 2 && !strcmp(argv[1], "close-server"))
		serve('e');
	else if (argc == 5 && !strcmp(argv[1], "dial"))
		dial_loop(atoi(argv[2]), atof(argv[3]), atoi(argv[4]));
	else if (argc == 4 && !strcmp(argv[1], "pool"))
		pool(atoi(argv[2]), atoi(argv[3]));
	else {
		fprintf(stderr, "usage: rulelab cw-server | shut-server | close-server | dial PORT RATE HOLD_MS | pool PORT N\n");
		return 2;
	}
	return 0;
}
