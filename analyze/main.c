/*
 * sockmortem: the analyzer. main() finds the subcommand in cmd_table and
 * runs it; it does nothing else but set up the process (allocators).
 */
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "termsafe.h"

const struct sm_cmd *const cmd_table[] = {
	&cmd_load, &cmd_info, &cmd_query, &cmd_sockets, &cmd_stacks, &cmd_trend, &cmd_timeline, &cmd_conns, &cmd_report, &cmd_export, NULL,
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: sockmortem COMMAND [ARGS]\n\n"
		   "Loads socket evidence (sockmortem-collect bundles, lsof/ss/netstat output,\n"
		   "/proc/net copies) into SQLite and explains socket and fd leaks.\n\n"
		   "commands:\n");
	for (i = 0; cmd_table[i]; i++)
		fprintf(f, "  %-9s %s\n            sockmortem %s %s\n", cmd_table[i]->name, cmd_table[i]->help, cmd_table[i]->name, cmd_table[i]->usage);
	fprintf(f, "\n`sockmortem COMMAND --help` tells more. Exit status: 0 ok, 1 failed, 2 usage.\n");
}

int main(int argc, char **argv)
{
	struct sm_ctx ctx = { stdout, stderr, 0, 0, 0 };
	size_t i;
	int r;

	/* A bundle's members (MBs each, thousands of them) are allocated by
	 * the reading thread and freed by this one: from the heap, and kept
	 * there, they cost no mmap/munmap and no page faults each time. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	/* SQLite counts every allocation under a global mutex unless told
	 * not to; nothing here reads those counts. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	ctx.out_tty = isatty(STDOUT_FILENO);
	ctx.err_tty = isatty(STDERR_FILENO);
	ctx.color = ctx.out_tty && !getenv("NO_COLOR");
	if (argc < 2) {
		usage(stderr);
		return CMD_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CMD_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("sockmortem %s\n", SM_VERSION);
		return CMD_OK;
	}
	for (i = 0; cmd_table[i]; i++) {
		if (strcmp(argv[1], cmd_table[i]->name))
			continue;
		/* Messages quote member names from strangers' archives, and a
		 * table on a terminal prints what those archives held; a pipe or
		 * a file gets the bytes as they are. */
		ctx.err = termsafe_open(stderr, _IONBF);
		if (!ctx.err)
			ctx.err = stderr;
		if (ctx.out_tty && (ctx.out = termsafe_open(stdout, _IOLBF)) == NULL)
			ctx.out = stdout;
		r = cmd_table[i]->run(&ctx, argc - 1, argv + 1);
		if (ctx.err != stderr)
			fclose(ctx.err);
		if (ctx.out != stdout && fclose(ctx.out) != 0)
			r = CMD_FAILED;
		/* A full disk behind stdout must not pass for success (git does this). */
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "sockmortem: error writing output\n");
			return CMD_FAILED;
		}
		return r;
	}
	fprintf(stderr, "sockmortem: '%s' is not a command\n", argv[1]);
	usage(stderr);
	return CMD_USAGE;
}
