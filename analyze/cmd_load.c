/* sockmortem load: inputs into a database (appending; duplicates skipped). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "load.h"

static const char load_help[] =
"Loads evidence into a SQLite database (created if missing, appended to\n"
"otherwise; an input already loaded, by SHA-256, adds nothing).\n"
"\n"
"INPUT is a sockmortem-collect bundle (.tar.zst), a loose capture (the\n"
"output of `lsof -nP`, `ss -tan[p][ie]`, `ss -s`, `netstat -anp`, a copy of\n"
"/proc/net/tcp, tcp6, udp, udp6, raw, unix, netlink, packet, sockstat,\n"
"netstat or snmp), a directory of such files, or an archive of them\n"
"(tar, tar.gz, tar.zst, zip). Formats are detected from content.\n"
"With no INPUT, an existing DB from an older sockmortem is upgraded.\n"
"\n"
"  -o, --output DB      database to write (default: sockmortem.db)\n"
"      --format NAME    force the format of loose captures: %s\n"
"      --at TIME        when loose captures were taken (2026-11-23T14:00:00Z or\n"
"                       epoch seconds); default: the file's or member's mtime\n"
"  -q, --quiet          no per-input messages\n"
"      --no-memo        parse every line of every snapshot, even those the same\n"
"                       as last time (slower; the database is the same)\n"
"      --ss-state NAME  the state an ss listing was filtered by (ss -tan state\n"
"                       close-wait prints no State column); else read from the\n"
"                       file name (ss-close_wait.txt), else unknown\n"
"      --dump PID=FILE  FILE is a Go goroutine dump of process PID (curl of its\n"
"                       /debug/pprof/goroutine?debug=2): tied to that process in\n"
"                       the captures loaded; repeatable\n"
"      --series         the inputs (files, or a directory or archive of them) are\n"
"                       captures of one host taken over time\n"
"                       (ss-20261124-1005.txt ...): one source, a snapshot each\n"
"                       in time order (the times their names spell, else their\n"
"                       mtimes), so that growth shows\n";

static int load_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'F' },
		{ "at", required_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-memo", no_argument, NULL, 'M' },
		{ "ss-state", required_argument, NULL, 'S' },
		{ "series", no_argument, NULL, 'T' },
		{ "dump", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct load_options lo;
	struct load ld;
	const char *dbpath = "sockmortem.db";
	sqlite3 *db = NULL;
	int ch, r = CMD_OK;

	memset(&lo, 0, sizeof(lo));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o': dbpath = optarg; break;
		case 'q': lo.quiet = 1; break;
		case 'M': lo.no_memo = 1; break;
		case 'T': lo.series = 1; break;
		case 'D':
			if (cmd_dump_of(ctx, &cmd_load, optarg, &lo) != 0)
				return CMD_USAGE;
			break;
		case 'S':
			if (cmd_ss_state(ctx, &cmd_load, optarg, &lo.ss_state) != 0)
				return CMD_USAGE;
			break;
		case 'F':
			lo.format = format_by_name(optarg);
			if (lo.format == FMT_UNKNOWN)
				return cmd_usage(ctx, &cmd_load, "unknown format '%s' (known: %s)", optarg, format_names());
			break;
		case 'A':
			if (load_parse_time(optarg, &lo.at_ns) < 0)
				return cmd_usage(ctx, &cmd_load, "cannot read time '%s'", optarg);
			break;
		case 'h':
			printf("usage: sockmortem load %s\n\n", cmd_load.usage);
			printf(load_help, format_names());
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_load, "bad option");
		}
	}
	if (lo.series && lo.at_ns)
		return cmd_usage(ctx, &cmd_load,
				 "--at gives one time: a --series times each file (by its name, else its mtime)");
	/* No input but an existing DB: opening it for writing is what brings
	 * a database from an older sockmortem up to this schema. */
	if (optind >= argc && !lo.ndumps && access(dbpath, F_OK) < 0)
		return cmd_usage(ctx, &cmd_load, "no input given");
	if (cmd_open_db(ctx, dbpath, DB_CREATE, &db) < 0)
		return CMD_FAILED;
	if (optind >= argc && !lo.ndumps) {
		if (!lo.quiet)
			fprintf(ctx->err, "sockmortem: %s: schema up to date, nothing to load\n", dbpath);
		db_close(db);
		return CMD_OK;
	}
	lo.progress = ctx->err_tty && !lo.quiet;
	memset(&ld, 0, sizeof(ld));
	ld.db = db;
	ld.opt = &lo;
	ld.msg = ctx->err;
	ld.ing = ingest_new(db);
	if (!ld.ing) {
		db_close(db);
		return CMD_FAILED;
	}
	if (load_inputs(&ld, argc - optind, argv + optind) < 0)
		r = CMD_FAILED;
	if (!lo.quiet)
		fprintf(ctx->err, "sockmortem: %s: %u loaded (%llu snapshots), %u already there, %u failed%s\n",
			dbpath, ld.rep.loaded, (unsigned long long)ld.rep.snapshots, ld.rep.skipped_dup,
			ld.rep.failed, ld.rep.cut ? ", some cut short" : "");
	ingest_free(ld.ing);
	db_close(db);
	return r;
}

const struct sm_cmd cmd_load = {
	"load", "INPUT... [-o DB] [--format NAME] [--at TIME] [--ss-state NAME] [--series] [--dump PID=FILE]",
	"load bundles and loose captures into a database", load_run,
};
