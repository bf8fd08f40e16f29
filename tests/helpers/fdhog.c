/*
 * fdhog: one process holding a great many fds, for
 * tests/integration/collect_faults_fds.sh (the collector must list them all
 * in bounded memory).
 *
 *   fdhog N      raises RLIMIT_NOFILE (soft and, as root, hard) to N + 64,
 *                opens N fds, prints "READY fds=TOTAL" (TOTAL counts
 *                /proc/self/fd, stdin to stderr included) and sleeps until
 *                killed. Prints "NOLIMIT why" and exits 3 when the limit
 *                cannot be raised, "ERROR why" and exits 1 on other failures.
 *
 * The mix: a tenth TCP sockets (never bound: in no /proc/net table), a
 * fifth UNIX socket pairs (in /proc/net/unix), a fifth eventfds, the rest
 * duplicates of one /dev/null.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int raise_nofile(rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		rl.rlim_max = want;     /* only root may: fails with EPERM otherwise */
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	long n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;   /* the directory's own fd */
}

/* Opens n fds of the mix above; -1 with errno on failure. */
static int open_fds(long n)
{
	long tcp = n / 10, pairs = n / 10, efd = n / 5, i;
	int null = open("/dev/null", O_RDONLY);

	if (null < 0)
		return -1;
	n--;
	for (i = 0; i < tcp; i++, n--)
		if (socket(AF_INET, SOCK_STREAM, 0) < 0)
			return -1;
	for (i = 0; i < pairs; i++, n -= 2) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return -1;
	}
	for (i = 0; i < efd; i++, n--)
		if (eventfd(0, 0) < 0)
			return -1;
	for (; n > 0; n--)
		if (dup(null) < 0)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc == 2 ? strtol(argv[1], NULL, 10) : 0;

	if (n < 16 || n > 10000000) {
		fprintf(stderr, "usage: fdhog N (16 or more)\n");
		return 2;
	}
	if (raise_nofile((rlim_t)n + 64) < 0) {
		printf("NOLIMIT cannot raise RLIMIT_NOFILE to %ld: %s\n", n + 64, strerror(errno));
		return 3;
	}
	if (open_fds(n) < 0) {
		printf("ERROR opening fds: %s\n", strerror(errno));
		return 1;
	}
	printf("READY fds=%ld\n", count_fds());
	fflush(stdout);
	for (;;)
		pause();
}
