/*
 * tools: run an external command (ss, lsof) under a deadline and stream
 * its output to callbacks. A missing tool, a timeout or a non-zero exit is
 * an outcome to record, never an error of ours.
 */
#ifndef SM_TOOLS_H
#define SM_TOOLS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

enum tool_outcome {
	TOOL_OK,          /* exited 0 */
	TOOL_EXIT,        /* exited non-zero (status in exit_status) */
	TOOL_SIGNALED,    /* killed by a signal it did not get from us */
	TOOL_TIMEOUT,     /* we killed it at the deadline */
	TOOL_STOPPED,     /* we killed it because we were asked to stop */
	TOOL_MISSING,     /* not installed */
	TOOL_REFUSED,     /* not run: running it would change the host */
	TOOL_FAILED,      /* could not start (fork, pipe) */
};

struct tool_result {
	enum tool_outcome outcome;
	int exit_status;
	uint64_t out_bytes;
	uint64_t err_bytes;
	uint64_t wall_us;
	uint64_t cpu_us;          /* user + system of the child */
	int unreaped;             /* would not die (D state): left behind */
	char path[256];           /* resolved executable */
};

/* Called with each piece of stdout (is_err 0) or stderr (is_err 1). */
typedef int (*tool_sink_fn)(void *ctx, int is_err, const void *buf, size_t len);

/* Finds name in PATH and the sbin directories; 0 and fills out, or -1. */
int tool_find(const char *name, char *out, size_t outlen);

/*
 * Runs argv (argv[0] a bare name, resolved with tool_find) with stdin from
 * /dev/null, in its own process group, LC_ALL=C. Kills the group after
 * timeout_ms or as soon as *stop becomes non-zero. The tool itself gets
 * SIGKILL if the collector dies (PR_SET_PDEATHSIG), e.g. by kill -9.
 */
void tool_run(char *const argv[], unsigned timeout_ms, volatile sig_atomic_t *stop,
	      tool_sink_fn sink, void *ctx, struct tool_result *res);

/*
 * ss talks sock_diag netlink; on a kernel built with modules that can make
 * the kernel load inet_diag/tcp_diag/unix_diag, which changes the host.
 * Returns 1 when those are built in or already loaded (or the kernel has no
 * module support), 0 when ss might load modules. *why says which.
 */
int tool_sockdiag_ready(const char **why);

const char *tool_outcome_name(enum tool_outcome o);

#endif
