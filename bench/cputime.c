/*
 * cputime: runs a command several times and prints the median wall time and
 * the median CPU time (user + system) of the command and every descendant
 * it waited for, as wait4() reports them.
 *
 *   cputime [-r RUNS] [-o OUT] [-v] -- COMMAND [ARG...]
 *
 *   -r RUNS  how many runs (default 3)
 *   -o OUT   the command's standard output (default /dev/null); its
 *            standard error is left as it is
 *   -v       also print each run on standard error
 *
 * Prints one line on standard output:
 *   WALL_S CPU_S USER_S SYS_S STATUS
 * WALL_S and CPU_S are medians over the runs, each on its own; USER_S and
 * SYS_S are those of the run whose CPU time is the median. STATUS is 0 if
 * every run exited 0, else the first failing run's exit status (128+N for
 * a signal N, 127 if the command could not be run). The exit status of
 * cputime itself is 0 unless its own usage was wrong (2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNS 101

struct run {
	double wall, cpu, user, sys;
};

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Runs the command once; returns its status as described above. */
static int run_once(char **cmd, const char *out, struct run *r)
{
	struct rusage ru;
	double t0 = mono_s();
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("cputime: fork");
		return 127;
	}
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
			fprintf(stderr, "cputime: %s: %s\n", out, strerror(errno));
			_exit(127);
		}
		execvp(cmd[0], cmd);
		fprintf(stderr, "cputime: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("cputime: wait4");
			return 127;
		}
	}
	r->wall = mono_s() - t0;
	r->user = tv_s(&ru.ru_utime);
	r->sys = tv_s(&ru.ru_stime);
	r->cpu = r->user + r->sys;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 127;
}

static void usage(void)
{
	fputs("usage: cputime [-r RUNS] [-o OUT] [-v] -- COMMAND [ARG...]\n"
	      "prints: WALL_S CPU_S USER_S SYS_S STATUS (medians over RUNS, default 3)\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct run runs[MAX_RUNS];
	double walls[MAX_RUNS], cpus[MAX_RUNS];
	const char *out = "/dev/null";
	int nruns = 3, verbose = 0, ch, i, status = 0, med = 0;
	char *end;

	while ((ch = getopt(argc, argv, "+r:o:vh")) != -1) {
		switch (ch) {
		case 'r':
			nruns = (int)strtol(optarg, &end, 10);
			if (*end || nruns < 1 || nruns > MAX_RUNS)
				usage();
			break;
		case 'o': out = optarg; break;
		case 'v': verbose = 1; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	for (i = 0; i < nruns; i++) {
		int st = run_once(argv + optind, out, &runs[i]);

		if (st && !status)
			status = st;
		if (verbose)
			fprintf(stderr, "cputime: run %d: wall %.3f cpu %.3f (user %.3f sys %.3f) status %d\n",
				i + 1, runs[i].wall, runs[i].cpu, runs[i].user, runs[i].sys, st);
		walls[i] = runs[i].wall;
		cpus[i] = runs[i].cpu;
	}
	qsort(walls, (size_t)nruns, sizeof(double), cmp_double);
	qsort(cpus, (size_t)nruns, sizeof(double), cmp_double);
	for (i = 0; i < nruns; i++)
		if (runs[i].cpu == cpus[nruns / 2])
			med = i;
	printf("%.3f %.3f %.3f %.3f %d\n", walls[nruns / 2], cpus[nruns / 2], runs[med].user, runs[med].sys,
	       status);
	return 0;
}
