/* fuzz_procpid: /proc/PID/{status,limits,stat,cmdline} and the fd listing. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_sink.h"
#include "parse_procpid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed strings parse_procpid.h promises stay NUL-terminated in their arrays. */
static void fuzz_terminated(const char *s, size_t cap)
{
	FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
	fuzz_touch(s);
}

/* cmdline follows snprintf: the full length back, a terminated prefix in out. */
static void fuzz_cmdline(const char *buf, size_t size, size_t outsz)
{
	char out[4096];
	size_t n;

	memset(out, 'x', sizeof(out));
	n = parse_procpid_cmdline(buf, size, out, outsz);
	if (!outsz)
		return;
	FUZZ_CHECK(strlen(out) == (n < outsz ? n : outsz - 1));
	FUZZ_CHECK(n <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct sm_sink sink = fuzz_sink(1);
	struct sm_proc_status status;
	struct sm_proc_limits limits;
	struct sm_proc_stat stat;

	if (parse_procpid_status(buf, size, &status, &sink) == 0) {
		fuzz_terminated(status.name, sizeof(status.name));
		FUZZ_CHECK(status.nspid_count <= SM_PROC_NSPID_MAX);
	}
	/* NULL sinks are allowed and take another path through the warnings. */
	parse_procpid_status(buf, size, &status, NULL);
	if (parse_procpid_limits(buf, size, &limits, &sink) == 0)
		FUZZ_CHECK(limits.nofile_soft != SM_NONE || limits.nofile_hard != SM_NONE);
	if (parse_procpid_stat(buf, size, &stat, &sink) == 0)
		fuzz_terminated(stat.comm, sizeof(stat.comm));
	parse_procpid_stat(buf, size, &stat, NULL);
	fuzz_cmdline(buf, size, 0);
	fuzz_cmdline(buf, size, 1);
	fuzz_cmdline(buf, size, 17);
	fuzz_cmdline(buf, size, 4096);
	parse_fd_listing(buf, size, 4242, &sink);
	sink.known = fuzz_known;   /* as the loader reads it */
	sink.known_run = fuzz_known_run;
	parse_fd_listing(buf, size, 4242, &sink);
	sink.known = NULL;
	sink.known_run = NULL;
	return 0;
}
