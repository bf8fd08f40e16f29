/*
 * connpairs: holds N loopback TCP connection pairs open, the scene the
 * collector benchmark measures (bench/bench_collect.sh).
 *
 *   connpairs [-c PCT] [-r PCT] [-p MAX_PAIRS_PER_SHARD] N
 *
 * Of the pairs:
 *   -c PCT (default 10)  the client closed, the server kept its fd:
 *                        server CLOSE_WAIT, client an unowned FIN_WAIT2
 *   -r PCT (default 2)   the client reset (SO_LINGER {1,0} + close), the
 *                        server kept its fd: an orphaned socket fd whose
 *                        inode is in no /proc/net table
 *   the rest             ESTABLISHED at both ends
 *
 * Processes. The pairs are split into shards; each shard is a server
 * process "connpairs-srv" (one listening port on 127.0.0.1 and the accepted
 * sockets) and its client process "connpairs-cli" (the client sockets),
 * both children of the "connpairs" process that started them. A shard holds
 * at most -p pairs (default 20,000: one destination port can take only as
 * many clients as there are ephemeral ports, 32768-60999 here, ~28k) and
 * at most what RLIMIT_NOFILE allows while it is being built (2 fds a pair):
 * as root with CAP_SYS_RESOURCE the hard limit is raised up to
 * /proc/sys/fs/nr_open; without it (e.g. in a container) the hard limit
 * caps each shard, and more shards are used.
 *
 * Setup. A shard is one tight loop in one process: non-blocking connects
 * in batches below the listen backlog, then the accepts; then it forks and
 * each side closes the other side's fds, and the client closes its
 * CLOSE_WAIT and reset shares. The shards are built in parallel. 50,000
 * pairs take a few seconds.
 *
 * Prints one line "READY pairs=... pids=..." on stdout when every shard is
 * in place, then holds until SIGTERM, SIGINT or SIGHUP, or until end of file
 * on stdin when stdin is a pipe, FIFO, socket or terminal (a background
 * job's /dev/null does not count). On the way out every socket is closed
 * with SO_LINGER {1,0} (a reset), so no TIME_WAIT sockets are left behind to
 * disturb the next measurement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BATCH 1024            /* connects in flight: below the listen backlog */
#define FD_SLACK 64
#define MAX_SHARDS 1024

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "connpairs[%d]: %s: %s\n", (int)getpid(), what, strerror(errno));
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long parse_long(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "connpairs: bad %s '%s' (%ld..%ld)\n", what, s, min, max);
		exit(2);
	}
	return v;
}

/*
 * How many fds one process may hold: tries to raise the hard limit to want
 * (capped by fs.nr_open; needs CAP_SYS_RESOURCE), then returns the hard
 * limit in force. Children inherit it.
 */
static rlim_t nofile_capacity(rlim_t want)
{
	struct rlimit rl;
	unsigned long long nr_open = 0;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_max >= want)
		return rl.rlim_max;
	f = fopen("/proc/sys/fs/nr_open", "r");
	if (f) {
		if (fscanf(f, "%llu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (nr_open && want > nr_open)
		want = (rlim_t)nr_open;
	if (want > rl.rlim_max) {
		struct rlimit up = { rl.rlim_cur, want };

		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl.rlim_max = want;
	}
	return rl.rlim_max;
}

static void set_soft_nofile(rlim_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit RLIMIT_NOFILE");
}

static int listen_one(int *port)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind 127.0.0.1:0");
	if (listen(fd, 65535) < 0)   /* the kernel caps it at net.core.somaxconn */
		die("listen");
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		die("getsockname");
	*port = ntohs(a.sin_port);
	return fd;
}

/* Accepts until *accepted reaches want; gives up after 5 idle seconds. */
static void accept_until(int lfd, int *srv, long *accepted, long want)
{
	struct pollfd pfd = { lfd, POLLIN, 0 };
	int idle = 0;

	while (*accepted < want) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			srv[(*accepted)++] = fd;
			idle = 0;
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN)
			die("accept4");
		if (poll(&pfd, 1, 1000) == 0 && ++idle >= 5) {
			fprintf(stderr, "connpairs: accepted %ld of %ld connections, then nothing for 5 s\n",
				*accepted, want);
			exit(1);
		}
	}
}

/* Waits for a batch of non-blocking connects; exits if one failed. */
static void connect_wait(const int *cli, long n)
{
	static struct pollfd pfd[BATCH];
	long i;
	int tries;

	for (i = 0; i < n; i++) {
		pfd[i].fd = cli[i];
		pfd[i].events = POLLOUT;
		pfd[i].revents = 0;
	}
	for (tries = 0; tries < 10; tries++) {
		long pending = 0;

		if (poll(pfd, (nfds_t)n, 1000) < 0 && errno != EINTR)
			die("poll");
		for (i = 0; i < n; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (pfd[i].fd < 0)
				continue;
			if (!pfd[i].revents) {
				pending++;
				continue;
			}
			if (getsockopt(pfd[i].fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
				errno = err ? err : errno;
				die("connect 127.0.0.1");
			}
			pfd[i].fd = -1;   /* done: poll ignores negative fds */
		}
		if (!pending)
			return;
	}
	fprintf(stderr, "connpairs: connects did not complete in 10 s\n");
	exit(1);
}

/* A reset on close: leaves no TIME_WAIT behind. */
static void close_abortive(int fd)
{
	struct linger lg = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Holds until a signal or, if fd >= 0, EOF on fd. */
static void hold(int fd)
{
	sigset_t block, empty;
	struct pollfd pfd = { fd, POLLIN, 0 };
	char buf[256];

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);
	while (!stop_flag) {
		int r = ppoll(&pfd, fd >= 0 ? 1 : 0, NULL, &empty);

		if (r > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
				break;
		}
	}
}

struct shard {
	long first, n;            /* global index of its first pair, pair count */
	pid_t srv, cli;
	int port;
};

/* Is global pair i in the reset share, the CLOSE_WAIT share? Spread evenly. */
static int pair_kind(long i, int rst_pct, int cw_pct)
{
	long k = i % 100;

	return k < rst_pct ? 2 : k < rst_pct + cw_pct ? 1 : 0;
}

/*
 * The shard process: builds its pairs, forks the client side, reports
 * "srv_pid cli_pid port\n" on report_fd and holds. Never returns.
 */
static void shard_run(const struct shard *sh, int rst_pct, int cw_pct, int report_fd)
{
	int *cli = malloc((size_t)sh->n * sizeof(*cli));
	int *srv = malloc((size_t)sh->n * sizeof(*srv));
	int lfd, port, sync_pipe[2];
	long i, accepted = 0;
	struct sockaddr_in dst;
	char line[128], c;
	pid_t child;

	prctl(PR_SET_NAME, "connpairs-srv", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	if (!cli || !srv)
		die("malloc");
	set_soft_nofile((rlim_t)(2 * sh->n + FD_SLACK));
	lfd = listen_one(&port);
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons((uint16_t)port);

	/* Connect a batch, accept it, next: the accept queue never overflows
	 * (a dropped SYN would cost a 1 s retransmit). */
	for (i = 0; i < sh->n; ) {
		long end = i + BATCH < sh->n ? i + BATCH : sh->n, j;

		for (j = i; j < end; j++) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

			if (fd < 0)
				die("socket");
			if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS)
				die("connect 127.0.0.1");
			cli[j] = fd;
		}
		connect_wait(cli + i, end - i);
		accept_until(lfd, srv, &accepted, end);
		i = end;
	}

	if (pipe2(sync_pipe, O_CLOEXEC) < 0)
		die("pipe2");
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		/* The client side. */
		prctl(PR_SET_NAME, "connpairs-cli", 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		close(sync_pipe[0]);
		close(report_fd);
		close(lfd);
		for (i = 0; i < sh->n; i++)
			close(srv[i]);
		for (i = 0; i < sh->n; i++) {
			int kind = pair_kind(sh->first + i, rst_pct, cw_pct);

			if (kind == 2)
				close_abortive(cli[i]);
			else if (kind == 1)
				close(cli[i]);
			if (kind)
				cli[i] = -1;
		}
		if (write(sync_pipe[1], "x", 1) != 1)
			_exit(1);
		close(sync_pipe[1]);
		hold(-1);
		for (i = 0; i < sh->n; i++)
			if (cli[i] >= 0)
				close_abortive(cli[i]);
		_exit(0);
	}

	/* The server side. Whichever side closes its copy last sends the FIN
	 * or RST; by the time the client reports, both have. */
	close(sync_pipe[1]);
	for (i = 0; i < sh->n; i++)
		close(cli[i]);
	if (read(sync_pipe[0], &c, 1) != 1) {
		fprintf(stderr, "connpairs: a client process died during setup\n");
		kill(child, SIGTERM);
		waitpid(child, NULL, 0);
		_exit(1);
	}
	close(sync_pipe[0]);
	snprintf(line, sizeof(line), "%d %d %d\n", (int)getpid(), (int)child, port);
	if (write(report_fd, line, strlen(line)) != (ssize_t)strlen(line))
		die("report");
	close(report_fd);
	hold(-1);
	/* The client first: its resets leave our sockets CLOSED, not TIME_WAIT. */
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	close(lfd);
	for (i = 0; i < sh->n; i++)
		close_abortive(srv[i]);
	_exit(0);
}

static void stop_shards(const struct shard *sh, int nsh)
{
	int i;

	for (i = 0; i < nsh; i++)
		if (sh[i].srv > 0)
			kill(sh[i].srv, SIGTERM);
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

static void usage(void)
{
	fputs("usage: connpairs [-c CLOSE_WAIT_PCT] [-r RESET_PCT] [-p MAX_PAIRS_PER_SHARD] N\n"
	      "Holds N loopback TCP connection pairs (see bench/connpairs.c); prints READY,\n"
	      "then waits for SIGTERM, SIGINT, SIGHUP or stdin EOF (stdin a pipe or tty).\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct shard sh[MAX_SHARDS];
	long n, per_shard = 20000, i, n_cw = 0, n_rst = 0, first = 0;
	int cw_pct = 10, rst_pct = 2, nsh, ch, report[2], got = 0, watch = 0;
	rlim_t cap;
	struct stat st;
	double t0 = now_s();
	FILE *rep;
	char line[128];

	while ((ch = getopt(argc, argv, "c:r:p:h")) != -1) {
		switch (ch) {
		case 'c': cw_pct = (int)parse_long(optarg, 0, 100, "-c"); break;
		case 'r': rst_pct = (int)parse_long(optarg, 0, 100, "-r"); break;
		case 'p': per_shard = parse_long(optarg, 1, 28000, "-p"); break;
		default: usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	n = parse_long(argv[optind], 1, 10000000, "N");
	if (cw_pct + rst_pct > 100) {
		fprintf(stderr, "connpairs: -c + -r exceed 100%%\n");
		return 2;
	}
	if (!fstat(STDIN_FILENO, &st))
		watch = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(STDIN_FILENO);
	install_signals();

	cap = nofile_capacity((rlim_t)(2 * per_shard + FD_SLACK));
	if (cap < 2 * FD_SLACK) {
		fprintf(stderr, "connpairs: RLIMIT_NOFILE hard limit %llu is too low\n", (unsigned long long)cap);
		return 1;
	}
	if ((long)((cap - FD_SLACK) / 2) < per_shard)
		per_shard = (long)((cap - FD_SLACK) / 2);
	nsh = (int)((n + per_shard - 1) / per_shard);
	if (nsh > MAX_SHARDS) {
		fprintf(stderr, "connpairs: %d shards needed (RLIMIT_NOFILE %llu), at most %d\n", nsh,
			(unsigned long long)cap, MAX_SHARDS);
		return 2;
	}
	for (i = 0; i < n; i++) {
		int kind = pair_kind(i, rst_pct, cw_pct);

		n_rst += kind == 2;
		n_cw += kind == 1;
	}

	if (pipe2(report, O_CLOEXEC) < 0)
		die("pipe2");
	fflush(NULL);
	for (i = 0; i < nsh; i++) {
		pid_t pid;

		/* Even shards: n = q * nsh + r, the first r get one more. */
		sh[i].first = first;
		sh[i].n = n / nsh + (i < n % nsh);
		first += sh[i].n;
		pid = fork();
		if (pid < 0) {
			perror("connpairs: fork");
			stop_shards(sh, (int)i);
			return 1;
		}
		if (pid == 0) {
			close(report[0]);
			shard_run(&sh[i], rst_pct, cw_pct, report[1]);
		}
		sh[i].srv = pid;
	}
	close(report[1]);
	rep = fdopen(report[0], "r");
	while (got < nsh && !stop_flag && rep && fgets(line, sizeof(line), rep)) {
		int srv, cli, port;

		if (sscanf(line, "%d %d %d", &srv, &cli, &port) != 3)
			break;
		for (i = 0; i < nsh; i++)
			if (sh[i].srv == srv) {
				sh[i].cli = cli;
				sh[i].port = port;
				got++;
			}
	}
	if (rep)
		fclose(rep);
	if (got < nsh) {
		fprintf(stderr, "connpairs: %d of %d shards came up\n", got, nsh);
		stop_shards(sh, nsh);
		return 1;
	}
	printf("READY pairs=%ld established=%ld close_wait=%ld reset=%ld shards=%d setup_s=%.2f pids=%d",
	       n, n - n_cw - n_rst, n_cw, n_rst, nsh, now_s() - t0, (int)getpid());
	for (i = 0; i < nsh; i++)
		printf(",%d,%d", (int)sh[i].srv, (int)sh[i].cli);
	printf(" ports=");
	for (i = 0; i < nsh; i++)
		printf("%s%d", i ? "," : "", sh[i].port);
	printf("\n");
	fflush(stdout);

	hold(watch ? STDIN_FILENO : -1);
	stop_shards(sh, nsh);
	return 0;
}
