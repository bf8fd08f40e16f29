/*
 * leaky: a stand-in for a leaking service, for the analyzer's end-to-end
 * tests. Holds loopback TCP sockets in known states and prints one line per
 * socket, then READY:
 *
 *   PID pid=N
 *   LISTEN fd=F port=P inode=I              the listener every connection uses
 *   ESTAB_CLIENT fd=F port=P peer=P inode=I an established pair, both ends here
 *   ESTAB_SERVER fd=F port=P peer=P inode=I
 *   CW_SERVER fd=F port=P peer=P inode=I    ESTABLISHED now; CLOSE_WAIT after GO
 *   CW_CLIENT fd=F port=P peer=P inode=I    closed by GO (its peer then waits)
 *   VANISH fd=F port=P inode=I              a second listener, closed by GO
 *   TIME_WAIT port=P peer=P                 client end of a finished connection
 *   ORPHAN fd=F port=P inode=I              reset by its peer (SO_LINGER {1,0}),
 *                                           fd kept: in no /proc/net table
 *   FDS count=N                             open fds now
 *   NOFILE soft=N hard=N
 *   READY
 *
 * SIGUSR1 ("GO"): closes CW_CLIENT and VANISH, then prints
 *   GONE before_ns=T0 after_ns=T1 fds=N   (wall clock around the closes)
 * and goes on waiting. SIGTERM/SIGINT end it. Addresses: 127.0.0.1 only.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t go_flag, stop_flag;

static void on_go(int sig)
{
	(void)sig;
	go_flag = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "leaky: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int port_of(int fd, int peer)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if ((peer ? getpeername(fd, (struct sockaddr *)&a, &len) : getsockname(fd, (struct sockaddr *)&a, &len)) < 0)
		die(peer ? "getpeername" : "getsockname");
	return ntohs(a.sin_port);
}

static unsigned long long inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("fstat");
	return (unsigned long long)st.st_ino;
}

static int listener(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	if (listen(fd, 16) < 0)
		die("listen");
	return fd;
}

/* Connects to lfd's port and accepts: *client, *server. */
static void pair(int lfd, int *client, int *server)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((unsigned short)port_of(lfd, 0));
	*client = socket(AF_INET, SOCK_STREAM, 0);
	if (*client < 0)
		die("socket");
	if (connect(*client, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	*server = accept(lfd, NULL, NULL);
	if (*server < 0)
		die("accept");
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		die("opendir /proc/self/fd");
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;   /* the directory's own fd */
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void print_conn(const char *kind, int fd)
{
	printf("%s fd=%d port=%d peer=%d inode=%llu\n", kind, fd, port_of(fd, 0), port_of(fd, 1), inode_of(fd));
}

int main(void)
{
	int lfd, vfd, c1, s1, c2, s2, c3, s3, c4, s4;
	struct linger lg = { 1, 0 };
	struct sigaction sa;
	struct rlimit rl;
	struct timespec now, before;
	sigset_t block, old;
	char buf[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_go;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lfd = listener();
	vfd = listener();
	pair(lfd, &c1, &s1);
	pair(lfd, &c2, &s2);

	/* TIME_WAIT: the client closes first, then the server. */
	pair(lfd, &c3, &s3);
	printf("TIME_WAIT port=%d peer=%d\n", port_of(c3, 0), port_of(c3, 1));
	close(c3);
	sleep_ms(50);
	close(s3);
	sleep_ms(50);

	/* Orphan: the server resets, the client keeps its fd. */
	pair(lfd, &c4, &s4);
	printf("ORPHAN fd=%d port=%d inode=%llu\n", c4, port_of(c4, 0), inode_of(c4));
	if (setsockopt(s4, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		die("SO_LINGER");
	close(s4);
	if (recv(c4, buf, sizeof(buf), 0) >= 0 || errno != ECONNRESET)
		fprintf(stderr, "leaky: expected ECONNRESET on the orphan (%s)\n", strerror(errno));

	printf("PID pid=%d\n", (int)getpid());
	printf("LISTEN fd=%d port=%d inode=%llu\n", lfd, port_of(lfd, 0), inode_of(lfd));
	printf("VANISH fd=%d port=%d inode=%llu\n", vfd, port_of(vfd, 0), inode_of(vfd));
	print_conn("ESTAB_CLIENT", c1);
	print_conn("ESTAB_SERVER", s1);
	print_conn("CW_CLIENT", c2);
	print_conn("CW_SERVER", s2);
	getrlimit(RLIMIT_NOFILE, &rl);
	printf("NOFILE soft=%lld hard=%lld\n", rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
	       rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
	printf("FDS count=%d\n", count_fds());
	printf("READY\n");

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!stop_flag) {
		if (go_flag) {
			go_flag = 0;
			clock_gettime(CLOCK_REALTIME, &before);
			close(c2);
			close(vfd);
			clock_gettime(CLOCK_REALTIME, &now);
			printf("GONE before_ns=%lld after_ns=%lld fds=%d\n",
			       (long long)before.tv_sec * 1000000000LL + before.tv_nsec,
			       (long long)now.tv_sec * 1000000000LL + now.tv_nsec, count_fds());
			continue;
		}
		sigsuspend(&old);
	}
	return 0;
}
