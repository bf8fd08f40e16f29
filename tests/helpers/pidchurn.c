/*
 * pidchurn: processes that come and go, and pids that are reused, for
 * tests/integration/collect_faults_churn.sh.
 *
 *   pidchurn DIR SECONDS RATE
 *
 * For SECONDS it forks RATE short-lived children a second (each lives 1 to
 * 20 ms) and keeps SLOTS longer-lived ones (150 to 300 ms each), each
 * replaced when it exits. Every child is numbered (its serial S): it names
 * itself "cS" (comm), then opens DIR/tag.S and a UNIX socket pair, so
 * that each of its pieces in /proc says whose it is.
 *
 * Pid reuse: where /proc/sys/kernel/ns_last_pid is writable (root, in a
 * pid namespace of our own: `unshare --pid --fork --mount-proc`), a slot's
 * replacement is forked with ns_last_pid set so it gets the same pid as
 * the child it replaces.
 *
 * At the end it prints "DONE children=N reused=R", R being the children
 * that got a pid an earlier child had.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 8
#define MAX_PID (1 << 22)

static unsigned char seen_pid[MAX_PID / 8];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void child(const char *dir, long serial, long life_ms)
{
	char name[32], path[4096];
	int sv[2];

	snprintf(name, sizeof(name), "c%ld", serial);
	prctl(PR_SET_NAME, name, 0, 0, 0);   /* at most 15 bytes are kept */
	snprintf(path, sizeof(path), "%s/tag.%ld", dir, serial);
	if (open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		_exit(1);
	sleep_ms(life_ms);
	_exit(0);
}

/* Asks the kernel to hand out pid next (in our pid namespace). */
static int set_next_pid(pid_t next)
{
	char buf[32];
	int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC), n, ok;

	if (fd < 0)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d", (int)next - 1);
	ok = write(fd, buf, (size_t)n) == n;
	close(fd);
	return ok ? 0 : -1;
}

static pid_t spawn(const char *dir, long serial, long life_ms, pid_t want, long *reused)
{
	pid_t pid;

	if (want > 0)
		set_next_pid(want);
	pid = fork();
	if (pid == 0)
		child(dir, serial, life_ms);
	if (pid > 0 && pid < MAX_PID) {
		if (seen_pid[pid / 8] & (1u << (pid % 8)))
			(*reused)++;
		seen_pid[pid / 8] |= (unsigned char)(1u << (pid % 8));
	}
	return pid;
}

int main(int argc, char **argv)
{
	pid_t slot[SLOTS] = { 0 }, slot_pid[SLOTS] = { 0 };
	long serial = 0, reused = 0, rate, secs, i;
	long long end, next_short;
	const char *dir;

	if (argc != 4 || (secs = atol(argv[2])) <= 0 || (rate = atol(argv[3])) <= 0 || rate > 1000) {
		fprintf(stderr, "usage: pidchurn DIR SECONDS RATE (1..1000)\n");
		return 2;
	}
	dir = argv[1];
	srand((unsigned)getpid());
	end = now_ms() + secs * 1000;
	next_short = now_ms();
	while (now_ms() < end) {
		pid_t p;

		/* Reap everything that ended; free its slot. */
		while ((p = waitpid(-1, NULL, WNOHANG)) > 0)
			for (i = 0; i < SLOTS; i++)
				if (slot[i] == p)
					slot[i] = 0;
		for (i = 0; i < SLOTS; i++) {
			if (slot[i])
				continue;
			slot[i] = spawn(dir, ++serial, 150 + rand() % 150, slot_pid[i], &reused);
			if (slot[i] < 0)
				slot[i] = 0;
			else if (!slot_pid[i])
				slot_pid[i] = slot[i];
		}
		for (; next_short <= now_ms(); next_short += 1000 / rate)
			spawn(dir, ++serial, 1 + rand() % 20, 0, &reused);
		sleep_ms(2);
	}
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	printf("DONE children=%ld reused=%ld\n", serial, reused);
	return 0;
}
