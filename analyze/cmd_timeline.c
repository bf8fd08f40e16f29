/*
 * sockmortem timeline: the merged timeline as text, one event per line
 * with its UTC time (events come from analyze/timeline.c).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "numparse.h"
#include "timeline.h"
#include "trend.h"

struct timeline_print {
	struct sm_ctx *ctx;
	struct strbuf line;
	int utf8;
	int hosts;                /* more than one host: name it on each line */
	uint64_t events;
};

static int timeline_print_event(void *vctx, const struct timeline_event *ev)
{
	struct timeline_print *tp = vctx;
	char when[32];

	strbuf_reset(&tp->line);
	timeline_format_time(ev->wall_ns, when, sizeof(when));
	strbuf_addstr(&tp->line, when);
	strbuf_addstr(&tp->line, "  ");
	if (tp->hosts)
		strbuf_addf(&tp->line, "%s  ", ev->host ? ev->host : "-");
	timeline_describe(&tp->line, ev, tp->utf8);
	strbuf_addch(&tp->line, '\n');
	fwrite(tp->line.buf, 1, tp->line.len, tp->ctx->out);
	tp->events++;
	return ferror(tp->ctx->out) ? 1 : 0;
}

static const char timeline_help[] =
"The merged timeline of everything in DB, one event per line with its UTC\n"
"time: sources loaded, snapshots (a run with nothing else happening is one\n"
"line), socket state transitions per process between two snapshots (\"pid\n"
"1234 (gateway): 57 ESTABLISHED->CLOSE_WAIT\"; \"new\" sockets and \"gone\"\n"
"ones), fd count jumps (16 fds and 10%% or more), orphaned socket fds\n"
"appearing, processes that held sockets starting and exiting, goroutine\n"
"dumps (count, biggest group), collection errors, and with packet\n"
"captures, connection closes per minute and fixed close delays.\n"
"The events come from the views v_timeline and v_timeline_conns.\n"
"\n"
"  --pid P             only this process's events (and the snapshots)\n"
"  --since T, --until T  2026-11-20T09:00:00Z, 2026-11-20, epoch seconds,\n"
"                      or back from now: 30m, 24h, 7d\n"
"  --ascii             -> instead of the UTF-8 arrow (also when the locale\n"
"                      is not UTF-8)\n";

static int timeline_run(struct sm_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' }, { "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' }, { "ascii", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct timeline_filter f;
	struct timeline_print tp;
	int64_t now = (int64_t)time(NULL) * TREND_NS_PER_S;
	sqlite3 *db = NULL;
	char *err = NULL;
	uint64_t u;
	int ch, r;

	memset(&f, 0, sizeof(f));
	memset(&tp, 0, sizeof(tp));
	tp.utf8 = trend_locale_utf8(getenv("LC_ALL"), getenv("LC_CTYPE"), getenv("LANG"));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (num_u64_str(optarg, 10, &u) < 0 || !u || u > INT32_MAX)
				return cmd_usage(ctx, &cmd_timeline, "bad pid '%s'", optarg);
			f.pid = (int64_t)u;
			break;
		case 's':
		case 'u':
			if (trend_parse_time(optarg, now, ch == 's' ? &f.since_ns : &f.until_ns) < 0)
				return cmd_usage(ctx, &cmd_timeline, "cannot read time '%s'", optarg);
			*(ch == 's' ? &f.have_since : &f.have_until) = 1;
			break;
		case 'A': tp.utf8 = 0; break;
		case 'h':
			printf("usage: sockmortem timeline %s\n\n", cmd_timeline.usage);
			printf(timeline_help);
			return CMD_OK;
		default:
			return cmd_usage(ctx, &cmd_timeline, "bad option");
		}
	}
	if (argc - optind != 1)
		return cmd_usage(ctx, &cmd_timeline, "need one database");
	if (cmd_open_db(ctx, argv[optind], DB_READONLY, &db) < 0)
		return CMD_FAILED;
	tp.ctx = ctx;
	strbuf_init(&tp.line, 256);
	tp.hosts = db_int(db, "SELECT count(DISTINCT host) FROM snapshots", 0) > 1;
	r = timeline_walk(db, &f, timeline_print_event, &tp, &err);
	if (r < 0) {
		fprintf(ctx->err, "sockmortem %s\n", err);
		free(err);
	} else if (!tp.events) {
		fprintf(ctx->err, "sockmortem timeline: no events%s\n",
			f.pid || f.have_since || f.have_until ? " match" : " in the database");
	}
	strbuf_release(&tp.line);
	db_close(db);
	return r == 0 ? CMD_OK : CMD_FAILED;
}

const struct sm_cmd cmd_timeline = {
	"timeline", "DB [--pid P] [--since T] [--until T] [--ascii]",
	"the merged timeline of events, as text", timeline_run,
};
