/*
 * sockstates: a stand-in for a leaking service. On 127.0.0.1 it creates TCP
 * sockets in known states, plus a listening UNIX socket at DIR/ss.sock,
 * prints one line per socket, then READY, and sleeps until killed or for
 * at most 120 s.
 *
 * usage: sockstates DIR [NFDS]
 *
 * Output (ports decimal; inode is fstat(fd).st_ino, the number in
 * socket:[N] and in the inode column of /proc/net/{tcp,unix}; state is the
 * hex code /proc/net/tcp prints):
 *
 *   PID pid=N
 *   LISTEN local=P remote=0 inode=I state=0A
 *   ESTABLISHED local=P remote=P inode=I state=01     client side
 *   ESTABLISHED local=P remote=P inode=I state=01     accepted side
 *   CLOSE_WAIT local=P remote=P inode=I state=08      peer did shutdown(SHUT_WR)
 *   FIN_WAIT2 local=P remote=P inode=I state=05       that peer, still owned
 *   TIME_WAIT local=P remote=P inode=0 state=06       client closed first
 *   ORPHAN local=P remote=P inode=I                   fd open, socket reset
 *   UNIX path=PATH inode=I
 *   FILLER fds=N path_len=L                           with NFDS only
 *   READY
 *
 * ORPHAN is a client whose server closed with SO_LINGER {1,0}: the RST
 * leaves the client fd open while its socket is gone from /proc/net/tcp.
 * READY is printed only once /proc/net/tcp and /proc/net/unix show every
 * state (polled for up to 5 s); otherwise it prints ERROR and exits 1.
 *
 * With NFDS it also holds NFDS more fds on one file whose path is about
 * 3000 bytes long (nested directories under DIR): an fd table whose
 * listing is several MiB, to test the collector at a size cap. It raises
 * its soft fd limit as needed and prints ERROR if the hard one is too low.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>

struct expect {
	const char *kind;
	unsigned lport, rport;
	unsigned state;           /* /proc/net/tcp st */
	unsigned long inode;
	int absent;               /* the inode must NOT be in the table */
};

static struct expect want[16];
static int nwant;

static void die(const char *what)
{
	fprintf(stderr, "sockstates: ERROR %s: %s\n", what, strerror(errno));
	printf("ERROR %s\n", what);
	fflush(stdout);
	exit(1);
}

static unsigned long inode_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		die("fstat");
	return (unsigned long)st.st_ino;
}

static unsigned local_port(int fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		die("getsockname");
	return ntohs(sa.sin_port);
}

static struct sockaddr_in loopback(unsigned port)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sa;
}

/* Connects a client to the listener and accepts it. */
static void make_pair(int lfd, unsigned lport, int *client, int *server)
{
	struct sockaddr_in sa = loopback(lport);

	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*client < 0)
		die("socket");
	if (connect(*client, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	*server = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (*server < 0)
		die("accept");
}

static void add(const char *kind, unsigned lport, unsigned rport, unsigned state,
		unsigned long inode, int absent)
{
	struct expect *e = &want[nwant++];

	e->kind = kind;
	e->lport = lport;
	e->rport = rport;
	e->state = state;
	e->inode = inode;
	e->absent = absent;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Does /proc/net/tcp show every expected row (and not the absent inodes)? */
static const char *tcp_settled(void)
{
	static char why[128];
	int found[16] = { 0 };
	char line[512];
	FILE *f = fopen("/proc/net/tcp", "re");
	int i;

	if (!f)
		die("open /proc/net/tcp");
	while (fgets(line, sizeof(line), f)) {
		unsigned laddr, lport, raddr, rport, st;
		unsigned long inode;

		if (sscanf(line, " %*u: %8X:%4X %8X:%4X %2X %*s %*s %*s %*u %*u %lu",
			   &laddr, &lport, &raddr, &rport, &st, &inode) != 6)
			continue;
		for (i = 0; i < nwant; i++) {
			const struct expect *e = &want[i];

			if (e->absent) {
				if (inode == e->inode)
					found[i] = 1;
				continue;
			}
			if (lport == e->lport && rport == e->rport && st == e->state &&
			    inode == e->inode)
				found[i] = 1;
		}
	}
	fclose(f);
	for (i = 0; i < nwant; i++) {
		if (found[i] != !want[i].absent) {
			snprintf(why, sizeof(why), "%s local=%u remote=%u %s /proc/net/tcp", want[i].kind,
				 want[i].lport, want[i].rport, want[i].absent ? "still in" : "not yet in");
			return why;
		}
	}
	return NULL;
}

static int unix_listed(unsigned long inode, const char *path)
{
	char line[1024];
	FILE *f = fopen("/proc/net/unix", "re");
	int ok = 0;

	if (!f)
		die("open /proc/net/unix");
	while (!ok && fgets(line, sizeof(line), f)) {
		unsigned long ino;
		char p[600] = "";

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lu %599s", &ino, p) >= 1 && ino == inode &&
		    !strcmp(p, path))
			ok = 1;
	}
	fclose(f);
	return ok;
}

/* Opens n fds on DIR/ddd.../ddd.../filler, a path of about 3000 bytes. */
static size_t open_fillers(const char *dir, unsigned long n)
{
	char path[4096], level[201];
	struct rlimit rl;
	size_t len;
	unsigned long i;
	int k, fd;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	if (rl.rlim_cur < n + 64) {
		if (rl.rlim_max < n + 64) {
			errno = EMFILE;
			die("fd hard limit too low for NFDS");
		}
		rl.rlim_cur = n + 64;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit");
	}
	memset(level, 'd', 200);
	level[200] = '\0';
	len = (size_t)snprintf(path, sizeof(path), "%s", dir);
	for (k = 0; k < 14 && len + 202 + 16 < sizeof(path); k++) {
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/%s", level);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			die("mkdir");
	}
	len += (size_t)snprintf(path + len, sizeof(path) - len, "/filler");
	for (i = 0; i < n; i++) {
		fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			die("open filler");
	}
	return len;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = loopback(0);
	struct sockaddr_un su;
	struct linger lg = { 1, 0 };
	int lfd, c1, s1, c2, s2, c3, s3, c4, s4, ufd, i;
	unsigned lport, p1, p2, p3, p4;
	const char *why = "never checked";
	char upath[sizeof(su.sun_path)];
	unsigned long nfillers = 0;
	size_t filler_len = 0;
	char *end;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: sockstates DIR [NFDS]\n");
		return 2;
	}
	if (argc == 3) {
		errno = 0;
		nfillers = strtoul(argv[2], &end, 10);
		if (errno || end == argv[2] || *end || nfillers > 1000000) {
			fprintf(stderr, "sockstates: bad NFDS '%s'\n", argv[2]);
			return 2;
		}
	}
	if ((size_t)snprintf(upath, sizeof(upath), "%s/ss.sock", argv[1]) >= sizeof(upath)) {
		fprintf(stderr, "sockstates: DIR too long for a UNIX socket path\n");
		return 2;
	}

	/* LISTEN */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(lfd, 16) < 0)
		die("listen");
	lport = local_port(lfd);
	add("LISTEN", lport, 0, 0x0A, inode_of(lfd), 0);

	/* ESTABLISHED, both ends */
	make_pair(lfd, lport, &c1, &s1);
	p1 = local_port(c1);
	add("ESTABLISHED", p1, lport, 0x01, inode_of(c1), 0);
	add("ESTABLISHED", lport, p1, 0x01, inode_of(s1), 0);

	/* CLOSE_WAIT: the client sends FIN but keeps its socket (FIN_WAIT2) */
	make_pair(lfd, lport, &c2, &s2);
	p2 = local_port(c2);
	if (shutdown(c2, SHUT_WR) < 0)
		die("shutdown");
	add("CLOSE_WAIT", lport, p2, 0x08, inode_of(s2), 0);
	add("FIN_WAIT2", p2, lport, 0x05, inode_of(c2), 0);

	/* TIME_WAIT: the client closes first, then the server */
	make_pair(lfd, lport, &c3, &s3);
	p3 = local_port(c3);
	close(c3);
	for (i = 0; i < 100; i++) {
		/* the server sees EOF once the client's FIN is in */
		struct pollfd pfd = { s3, POLLIN, 0 };
		char b;

		if (poll(&pfd, 1, 20) == 1 && recv(s3, &b, 1, MSG_DONTWAIT) == 0)
			break;
	}
	close(s3);
	add("TIME_WAIT", p3, lport, 0x06, 0, 0);

	/* ORPHAN: the server resets the connection; the client fd stays open */
	make_pair(lfd, lport, &c4, &s4);
	p4 = local_port(c4);
	if (setsockopt(s4, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0)
		die("SO_LINGER");
	close(s4);
	for (i = 0; i < 100; i++) {
		struct pollfd pfd = { c4, POLLIN, 0 };

		if (poll(&pfd, 1, 20) == 1 && (pfd.revents & (POLLHUP | POLLERR)))
			break;
	}
	add("ORPHAN", p4, lport, 0, inode_of(c4), 1);

	/* UNIX listener */
	ufd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ufd < 0)
		die("socket(AF_UNIX)");
	memset(&su, 0, sizeof(su));
	su.sun_family = AF_UNIX;
	memcpy(su.sun_path, upath, strlen(upath) + 1);
	unlink(upath);
	if (bind(ufd, (struct sockaddr *)&su, sizeof(su)) < 0)
		die("bind(AF_UNIX)");
	if (listen(ufd, 4) < 0)
		die("listen(AF_UNIX)");

	if (nfillers)
		filler_len = open_fillers(argv[1], nfillers);

	/* wait until the kernel's tables show it all */
	for (i = 0; i < 250; i++) {
		why = tcp_settled();
		if (!why && !unix_listed(inode_of(ufd), upath))
			why = "UNIX socket not yet in /proc/net/unix";
		if (!why)
			break;
		sleep_ms(20);
	}
	if (why) {
		fprintf(stderr, "sockstates: ERROR not settled: %s\n", why);
		printf("ERROR not settled: %s\n", why);
		fflush(stdout);
		return 1;
	}

	printf("PID pid=%d\n", (int)getpid());
	for (i = 0; i < nwant; i++) {
		const struct expect *e = &want[i];

		if (e->absent)
			printf("%s local=%u remote=%u inode=%lu\n", e->kind, e->lport, e->rport, e->inode);
		else
			printf("%s local=%u remote=%u inode=%lu state=%02X\n", e->kind, e->lport, e->rport,
			       e->inode, e->state);
	}
	printf("UNIX path=%s inode=%lu\n", upath, inode_of(ufd));
	if (nfillers)
		printf("FILLER fds=%lu path_len=%zu\n", nfillers, filler_len);
	printf("READY\n");
	fflush(stdout);

	/* until SIGTERM, or give up after 120 s so nothing outlives a broken test */
	for (i = 0; i < 120; i++)
		sleep(1);
	unlink(upath);
	return 0;
}
