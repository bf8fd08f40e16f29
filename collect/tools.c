/* tools: run ss/lsof with a deadline; see tools.h. */
#include "tools.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "strbuf.h"

const char *tool_outcome_name(enum tool_outcome o)
{
	static const char *const names[] = {
		"ok", "exit", "signaled", "timeout", "stopped", "missing", "refused", "failed",
	};
	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "unknown";
}

int tool_find(const char *name, char *out, size_t outlen)
{
	/* The sbin dirs come after PATH: ss lives in /usr/sbin on some systems
	 * and a non-root PATH often lacks it. */
	const char *path = getenv("PATH");
	struct strbuf dirs = STRBUF_INIT;
	char *p, *save = NULL, *dir;
	int found = -1;

	strbuf_addf(&dirs, "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	for (p = dirs.buf; (dir = strtok_r(p, ":", &save)) != NULL; p = NULL) {
		struct stat st;

		if (dir[0] != '/')
			continue;   /* never run a relative PATH entry */
		if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen)
			continue;
		if (!stat(out, &st) && S_ISREG(st.st_mode) && !access(out, X_OK)) {
			found = 0;
			break;
		}
	}
	strbuf_release(&dirs);
	return found;
}

static void child_exec(const char *path, char *const argv[], int outfd, int errfd, pid_t parent)
{
	static char *const envp[] = { "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	int devnull = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	/* If we are killed (kill -9, the OOM killer), the tool goes too
	 * rather than run on unwatched; we may already be gone. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* Ignored signals stay ignored across exec: give the tool the
	 * defaults, so it dies of a closed pipe like it would in a shell. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGXFSZ, SIG_DFL);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	dup2(outfd, STDOUT_FILENO);
	dup2(errfd, STDERR_FILENO);
	execve(path, argv, envp);
	_exit(127);
}

/* Kills the child's group and reaps it, giving up if it will not die. */
static int tool_kill(pid_t pid, int *status)
{
	int i;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	for (i = 0; i < 100; i++) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return 0;
		usleep(10000);
	}
	return -1;
}

static void tool_pump(int fds[2], uint64_t deadline, volatile sig_atomic_t *stop,
		      tool_sink_fn sink, void *ctx, struct tool_result *res, int *killed)
{
	char buf[65536];
	int open_fds = 2;

	while (open_fds) {
		struct pollfd pfd[2];
		uint64_t now = clock_mono_us();
		int i, npoll = 0, idx[2];
		uint64_t wait_ms;

		if (stop && *stop) {
			*killed = TOOL_STOPPED;
			return;
		}
		if (now >= deadline) {
			*killed = TOOL_TIMEOUT;
			return;
		}
		for (i = 0; i < 2; i++) {
			if (fds[i] < 0)
				continue;
			pfd[npoll].fd = fds[i];
			pfd[npoll].events = POLLIN;
			idx[npoll++] = i;
		}
		/* Wake at least every 100 ms to notice a stop request. */
		wait_ms = (deadline - now) / 1000 + 1;
		if (poll(pfd, (nfds_t)npoll, wait_ms < 100 ? (int)wait_ms : 100) < 0 && errno != EINTR)
			return;
		for (i = 0; i < npoll; i++) {
			ssize_t got;

			if (!pfd[i].revents)
				continue;
			got = read(fds[idx[i]], buf, sizeof(buf));
			if (got > 0) {
				if (idx[i] == 0)
					res->out_bytes += (uint64_t)got;
				else
					res->err_bytes += (uint64_t)got;
				if (sink(ctx, idx[i], buf, (size_t)got) != 0) {
					*killed = TOOL_STOPPED;
					return;
				}
			} else if (got == 0 || errno != EINTR) {
				close(fds[idx[i]]);
				fds[idx[i]] = -1;
				open_fds--;
			}
		}
	}
}

void tool_run(char *const argv[], unsigned timeout_ms, volatile sig_atomic_t *stop,
	      tool_sink_fn sink, void *ctx, struct tool_result *res)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, fds[2], status = 0, killed = 0;
	uint64_t start = clock_mono_us(), deadline = start + (uint64_t)timeout_ms * 1000u;
	struct rusage ru;
	pid_t pid, self = getpid();

	memset(res, 0, sizeof(*res));
	if (tool_find(argv[0], res->path, sizeof(res->path)) < 0) {
		res->outcome = TOOL_MISSING;
		return;
	}
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
		goto failed;
	pid = fork();
	if (pid < 0)
		goto failed;
	if (pid == 0)
		child_exec(res->path, argv, outp[1], errp[1], self);
	setpgid(pid, pid);   /* both sides, so kill(-pid) works at once */
	close(outp[1]);
	close(errp[1]);
	fds[0] = outp[0];
	fds[1] = errp[0];
	tool_pump(fds, deadline, stop, sink, ctx, res, &killed);
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	/* It may have closed its output and still not exit: wait, bounded. */
	while (!killed) {
		pid_t r = wait4(pid, &status, WNOHANG, &ru);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			killed = TOOL_FAILED;
			break;
		}
		if (stop && *stop)
			killed = TOOL_STOPPED;
		else if (clock_mono_us() >= deadline)
			killed = TOOL_TIMEOUT;
		else
			usleep(5000);
	}
	if (killed) {
		res->unreaped = tool_kill(pid, &status) < 0;
		res->outcome = (enum tool_outcome)killed;
	} else {
		res->cpu_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
			      (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
		if (WIFEXITED(status)) {
			res->exit_status = WEXITSTATUS(status);
			res->outcome = res->exit_status ? TOOL_EXIT : TOOL_OK;
		} else {
			res->outcome = TOOL_SIGNALED;
			res->exit_status = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
		}
	}
	res->wall_us = clock_mono_us() - start;
	return;
failed:
	if (outp[0] >= 0) { close(outp[0]); close(outp[1]); }
	if (errp[0] >= 0) { close(errp[0]); close(errp[1]); }
	res->outcome = TOOL_FAILED;
	res->exit_status = errno;
}

static int module_listed(const char *modules, size_t len, const char *name)
{
	size_t n = strlen(name);
	const char *p = modules, *end = modules + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t linelen = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (linelen > n && !memcmp(p, name, n) && p[n] == ' ')
			return 1;
		p += linelen + 1;
	}
	return 0;
}

static int module_builtin(const char *release, const char *name)
{
	char path[512], line[512], want[64];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", release);
	snprintf(want, sizeof(want), "/%s.ko", name);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

int tool_sockdiag_ready(const char **why)
{
	static const char *const needed[] = { "inet_diag", "tcp_diag", "unix_diag" };
	struct strbuf mods = STRBUF_INIT;
	struct utsname u;
	int fd, ready = 1;
	size_t i;
	char buf[4096];
	ssize_t n;

	fd = open("/proc/modules", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = "kernel without loadable modules";
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&mods, buf, (size_t)n);
	close(fd);
	uname(&u);
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (module_listed(mods.buf, mods.len, needed[i]) || module_builtin(u.release, needed[i]))
			continue;
		ready = 0;
		*why = "sock_diag modules not loaded: ss would load them";
		break;
	}
	if (ready)
		*why = "sock_diag modules present";
	strbuf_release(&mods);
	return ready;
}
