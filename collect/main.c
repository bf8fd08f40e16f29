/*
 * sockmortem-collect: records a host's socket scene into one tar.zst
 * bundle. main() parses options and runs the snapshot loop; the work is in
 * snapshot.c, proc_scan.c, hostinfo.c and bundle_writer.c.
 *
 * Exit status: 0 the bundle is complete (also when stopped by a signal or
 * --max-size); 1 collection failed mid-way (e.g. disk full: the bundle
 * still holds every finished snapshot); 2 bad options or unwritable output.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "collect.h"
#include "json.h"
#include "numparse.h"
#include "pprof.h"
#include "redact.h"

#define EXIT_USAGE 2
#define EXIT_FAILED 1

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	if (stop_requested < 2)
		stop_requested++;
}

static const char usage_text[] =
"usage: sockmortem-collect -o FILE [options]\n"
"\n"
"Records sockets, file descriptors and process limits of this host into a\n"
"tar.zst bundle (read it with `tar --zstd -xf FILE` or `sockmortem`).\n"
"\n"
"  -o, --output FILE       bundle to write ('-' for stdout); refuses to\n"
"                          overwrite an existing file unless --force\n"
"  -i, --interval DUR      time between snapshots (default 5s); DUR is\n"
"                          e.g. 500ms, 5, 5s, 2m, 1h\n"
"  -d, --duration DUR      stop after DUR (snapshots at 0, i, 2i, ... DUR)\n"
"  -n, --count N           stop after N snapshots\n"
"                          (neither: run until SIGINT/SIGTERM or --max-size)\n"
"  -p, --pid PID           record only this process (repeatable)\n"
"      --comm NAME         record only processes named NAME (repeatable);\n"
"                          host-wide tables are always recorded\n"
"      --with-tools        also record `ss -tanpie`, `ss -s`, `lsof -nP`\n"
"      --tools-every N     ... on every Nth snapshot, first and last (default 6)\n"
"      --tool-timeout DUR  kill a tool after DUR (default 20s)\n"
"      --allow-modload     run ss even if it could load sock_diag modules\n"
"      --max-size SIZE     cap the bundle, e.g. 64M, 1G (default 256M);\n"
"                          at the cap collection stops cleanly\n"
"      --read-timeout DUR  give up on a blocked /proc read (default 2s)\n"
"      --level N           zstd level (default 1: fastest, best per CPU)\n"
"      --no-sync           do not fdatasync after each snapshot\n"
"      --kthreads          include kernel threads\n"
"      --pprof [PID=]URL   fetch Go goroutine dumps from URL/debug/pprof/ of PID\n"
"                          (without PID=: the process listening on URL's port;\n"
"                          host names from /etc/hosts only, never DNS);\n"
"                          repeatable, up to 16 targets, each fetched by a thread\n"
"                          of its own. debug=1 each round, debug=2 while under\n"
"                          --pprof-debug2-max goroutines, goroutineleak if served\n"
"      --pprof-every N     a round every N snapshots and on the last (default 6)\n"
"      --pprof-debug2-max N  skip debug=2 (it stops the target's world) at or\n"
"                          above N goroutines (default 20000)\n"
"      --pprof-timeout DUR per-request timeout (default 10s); a slow endpoint\n"
"                          never delays a snapshot; the final round may delay\n"
"                          the exit by up to 3 x DUR + 10s\n"
"      --pprof-max SIZE    cap the responses, shared by the targets: each may\n"
"                          take SIZE / targets, at least 1M (default 64M)\n"
"      --attach FILE       include FILE verbatim, with its mtime (repeatable)\n"
"      --pcap FILTER       also capture packets matching the BPF FILTER (needs\n"
"                          root or CAP_NET_RAW; without, collection goes on)\n"
"      --pcap-iface IF     interface (default: any, which includes loopback)\n"
"      --pcap-snaplen N    bytes libpcap captures per packet (default 256)\n"
"      --pcap-payload      keep payload up to the snaplen; by default every\n"
"                          packet is cut after its TCP/UDP header: no user data\n"
"      --pcap-segment SIZE rotate capture segments at SIZE (default 16M); they\n"
"                          count against --max-size\n"
"      --redact            hash secrets in command lines and text (--password=...,\n"
"                          token=..., URL credentials) so the bundle can be shared\n"
"      --redact-ips        --redact, and map IP addresses to stable pseudonyms in\n"
"                          tables, tool output and packet headers (ports kept)\n"
"  -f, --force             overwrite FILE if it exists\n"
"  -q, --quiet             no progress or summary on stderr\n"
"  -h, --help              this help\n"
"  -V, --version           print the version\n"
"\n"
"Exit status: 0 bundle complete, 1 collection failed part-way (finished\n"
"snapshots are kept), 2 bad usage or output not writable.\n"
"\n"
"Examples:\n"
"  sockmortem-collect -o incident.tar.zst -d 10m\n"
"  sockmortem-collect -o gw.tar.zst -i 2s -n 30 --comm gateway --with-tools\n";

enum {
	OPT_COMM = 256, OPT_WITH_TOOLS, OPT_TOOLS_EVERY, OPT_TOOL_TIMEOUT, OPT_ALLOW_MODLOAD,
	OPT_MAX_SIZE, OPT_READ_TIMEOUT, OPT_LEVEL, OPT_NO_SYNC, OPT_KTHREADS,
	OPT_PPROF, OPT_PPROF_EVERY, OPT_PPROF_DEBUG2_MAX, OPT_PPROF_TIMEOUT, OPT_PPROF_MAX, OPT_ATTACH,
	OPT_PCAP, OPT_PCAP_IFACE, OPT_PCAP_SNAPLEN, OPT_PCAP_PAYLOAD, OPT_PCAP_SEGMENT,
	OPT_REDACT, OPT_REDACT_IPS,
};

static const struct option long_options[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "interval", required_argument, NULL, 'i' },
	{ "duration", required_argument, NULL, 'd' },
	{ "count", required_argument, NULL, 'n' },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, OPT_COMM },
	{ "with-tools", no_argument, NULL, OPT_WITH_TOOLS },
	{ "tools-every", required_argument, NULL, OPT_TOOLS_EVERY },
	{ "tool-timeout", required_argument, NULL, OPT_TOOL_TIMEOUT },
	{ "allow-modload", no_argument, NULL, OPT_ALLOW_MODLOAD },
	{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
	{ "read-timeout", required_argument, NULL, OPT_READ_TIMEOUT },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
	{ "kthreads", no_argument, NULL, OPT_KTHREADS },
	{ "pprof", required_argument, NULL, OPT_PPROF },
	{ "pprof-every", required_argument, NULL, OPT_PPROF_EVERY },
	{ "pprof-debug2-max", required_argument, NULL, OPT_PPROF_DEBUG2_MAX },
	{ "pprof-timeout", required_argument, NULL, OPT_PPROF_TIMEOUT },
	{ "pprof-max", required_argument, NULL, OPT_PPROF_MAX },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "pcap", required_argument, NULL, OPT_PCAP },
	{ "pcap-iface", required_argument, NULL, OPT_PCAP_IFACE },
	{ "pcap-snaplen", required_argument, NULL, OPT_PCAP_SNAPLEN },
	{ "pcap-payload", no_argument, NULL, OPT_PCAP_PAYLOAD },
	{ "pcap-segment", required_argument, NULL, OPT_PCAP_SEGMENT },
	{ "redact", no_argument, NULL, OPT_REDACT },
	{ "redact-ips", no_argument, NULL, OPT_REDACT_IPS },
	{ "force", no_argument, NULL, 'f' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static int bad_value(const char *opt, const char *val)
{
	fprintf(stderr, "sockmortem-collect: invalid value for %s: '%s'\n", opt, val);
	fprintf(stderr, "Try 'sockmortem-collect --help'.\n");
	return -1;
}

static int parse_uint(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *out)
{
	if (num_u64_str(val, 10, out) < 0 || *out < min || *out > max)
		return bad_value(opt, val);
	return 0;
}

static int parse_ms(const char *opt, const char *val, unsigned *out)
{
	uint64_t us;

	if (num_duration_us(val, 0, &us) < 0 || us / 1000 > 86400000u || us < 1000)
		return bad_value(opt, val);
	*out = (unsigned)(us / 1000);
	return 0;
}

/* Returns 0, -1 (bad usage), or 1 (help/version printed). */
static int parse_options(int argc, char **argv, struct collect_options *o)
{
	int ch;
	uint64_t v;

	while ((ch = getopt_long(argc, argv, "o:i:d:n:p:fqhV", long_options, NULL)) != -1) {
		switch (ch) {
		case 'o': o->output = optarg; break;
		case 'i':
			if (num_duration_us(optarg, 0, &o->interval_us) < 0 || o->interval_us < 10000)
				return bad_value("--interval", optarg);
			break;
		case 'd':
			if (num_duration_us(optarg, 0, &o->duration_us) < 0)
				return bad_value("--duration", optarg);
			break;
		case 'n':
			if (parse_uint("--count", optarg, 1, 100000000, &o->count) < 0)
				return -1;
			break;
		case 'p':
			if (parse_uint("--pid", optarg, 1, 0x7fffffff, &v) < 0)
				return -1;
			o->pids = xreallocarray(o->pids, o->npids + 1, sizeof(*o->pids));
			o->pids[o->npids++] = (pid_t)v;
			break;
		case OPT_COMM:
			if (!*optarg)
				return bad_value("--comm", optarg);
			o->comms = xreallocarray(o->comms, o->ncomms + 1, sizeof(*o->comms));
			o->comms[o->ncomms++] = optarg;
			break;
		case OPT_WITH_TOOLS: o->with_tools = 1; break;
		case OPT_TOOLS_EVERY:
			if (parse_uint("--tools-every", optarg, 1, 1000000, &v) < 0)
				return -1;
			o->tools_every = (unsigned)v;
			break;
		case OPT_TOOL_TIMEOUT:
			if (parse_ms("--tool-timeout", optarg, &o->tool_timeout_ms) < 0)
				return -1;
			break;
		case OPT_ALLOW_MODLOAD: o->allow_modload = 1; break;
		case OPT_MAX_SIZE:
			if (num_size(optarg, &o->max_size) < 0 || o->max_size < (64u << 10))
				return bad_value("--max-size (at least 64K)", optarg);
			break;
		case OPT_READ_TIMEOUT:
			if (parse_ms("--read-timeout", optarg, &o->read_timeout_ms) < 0)
				return -1;
			break;
		case OPT_LEVEL:
			if (parse_uint("--level", optarg, 1, 19, &v) < 0)
				return -1;
			o->level = (int)v;
			break;
		case OPT_NO_SYNC: o->sync = 0; break;
		case OPT_KTHREADS: o->kthreads = 1; break;
		case OPT_PPROF:
			if (pprof_add_target(&o->pprof, optarg) < 0)
				return -1;
			break;
		case OPT_PPROF_EVERY:
			if (parse_uint("--pprof-every", optarg, 1, 1000000, &v) < 0)
				return -1;
			o->pprof_every = (unsigned)v;
			break;
		case OPT_PPROF_DEBUG2_MAX:
			if (parse_uint("--pprof-debug2-max", optarg, 0, UINT64_MAX, &o->pprof_debug2_max) < 0)
				return -1;
			break;
		case OPT_PPROF_TIMEOUT:
			if (parse_ms("--pprof-timeout", optarg, &o->pprof_timeout_ms) < 0)
				return -1;
			break;
		case OPT_PPROF_MAX:
			if (num_size(optarg, &o->pprof_max_body) < 0 || o->pprof_max_body < 4096)
				return bad_value("--pprof-max", optarg);
			break;
		case OPT_PCAP: o->pcap_filter = optarg; break;
		case OPT_PCAP_IFACE:
			if (!*optarg)
				return bad_value("--pcap-iface", optarg);
			o->pcap_iface = optarg;
			break;
		case OPT_PCAP_SNAPLEN:
			if (parse_uint("--pcap-snaplen", optarg, 64, 262144, &v) < 0)
				return -1;
			o->pcap_snaplen = (unsigned)v;
			break;
		case OPT_PCAP_PAYLOAD: o->pcap_payload = 1; break;
		case OPT_PCAP_SEGMENT:
			if (num_size(optarg, &o->pcap_segment) < 0 || o->pcap_segment < (64u << 10) ||
			    o->pcap_segment > (1u << 30))
				return bad_value("--pcap-segment (64K to 1G)", optarg);
			break;
		case OPT_REDACT: o->redact = 1; break;
		case OPT_REDACT_IPS: o->redact = o->redact_ips = 1; break;
		case OPT_ATTACH:
			o->attach = xreallocarray(o->attach, o->nattach + 1, sizeof(*o->attach));
			o->attach[o->nattach++] = optarg;
			break;
		case 'f': o->force = 1; break;
		case 'q': o->quiet = 1; break;
		case 'h': fputs(usage_text, stdout); return 1;
		case 'V': printf("sockmortem-collect %s\n", SM_VERSION); return 1;
		default:
			fprintf(stderr, "Try 'sockmortem-collect --help'.\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sockmortem-collect: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->output) {
		fprintf(stderr, "sockmortem-collect: -o FILE is required\nTry 'sockmortem-collect --help'.\n");
		return -1;
	}
	if (o->duration_us && o->count) {
		fprintf(stderr, "sockmortem-collect: -d and -n exclude each other\n");
		return -1;
	}
	return 0;
}

/* Starts --pcap; a failure is said once and recorded in the manifest. */
static void capture_start(struct collector *c)
{
	const struct collect_options *o = c->opt;
	struct capture_options co = { o->pcap_filter, o->pcap_iface,
				      o->pcap_payload && o->pcap_snaplen == 256 ? 65535 : o->pcap_snaplen,
				      o->pcap_payload, (size_t)o->pcap_segment };

	c->capture = capture_open(&co, c->capture_error, sizeof(c->capture_error));
	if (!c->capture)
		fprintf(stderr, "sockmortem-collect: %s; collecting without packets\n", c->capture_error);
}

static void options_free(struct collect_options *o)
{
	free(o->pids);
	free(o->comms);
	free(o->attach);
	pprof_free(o->pprof);
	o->pprof = NULL;
}

/* --redact: a fresh key for this bundle, which is never written anywhere. */
static int redact_start(struct collector *c)
{
	c->redact = xcalloc(1, sizeof(*c->redact));
	c->redact->ips = c->opt->redact_ips;
	if (redact_random_key(c->redact->key) < 0) {
		fprintf(stderr, "sockmortem-collect: --redact: no random key (getrandom and /dev/urandom failed)\n");
		return -1;
	}
	bw_set_redact(c->bw, c->redact);
	return 0;
}

/* Low CPU and IO priority: we run on hosts that are already in trouble. */
static void lower_priority(void)
{
	/* IOPRIO_CLASS_BE (2) << 13 | level 7: lowest best-effort, not idle,
	 * which could starve us entirely on a saturated disk. */
	setpriority(PRIO_PROCESS, 0, 19);
	syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (2 << 13) | 7);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Under a file size limit (ulimit -f) the default action kills us
	 * mid-frame; ignored, write() fails with EFBIG and the bundle ends
	 * like on a full disk: an error, every finished snapshot kept. */
	signal(SIGXFSZ, SIG_IGN);
}

/* Sleeps until the monotonic time target_us, or until a signal asks us to stop. */
static void sleep_until(int64_t target_us)
{
	struct timespec ts = { (time_t)(target_us / 1000000), (long)(target_us % 1000000) * 1000 };

	while (!stop_requested && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int write_trailer(struct collector *c, const char *reason)
{
	struct strbuf sb = STRBUF_INIT;
	struct clock_set now;
	int r;

	clock_now(&now);
	strbuf_addch(&sb, '{');
	clock_json(&sb, "ended", &now, 1);
	json_kv_str(&sb, "reason", reason, 0);
	json_kv_u64(&sb, "snapshots", c->snapshots, 0);
	json_kv_u64(&sb, "bytes_before_trailer", bw_bytes_written(c->bw), 0);
	json_kv_u64(&sb, "unreadable_items", c->errors_total, 0);
	json_kv_u64(&sb, "stuck_reads", guard_stuck(c->guard), 0);
	strbuf_addstr(&sb, "}\n");
	r = bw_add_reserved(c->bw, "end.json", now.wall_ns / 1000000000, sb.buf, sb.len);
	strbuf_release(&sb);
	return r ? -1 : bw_close(c->bw);
}

/* The snapshot loop; returns the reason it ended, or NULL on failure. */
static const char *collect_loop(struct collector *c)
{
	const struct collect_options *o = c->opt;
	struct clock_set cs;
	int64_t start_us, next_us;
	uint64_t k = 0, last_size = 0;
	/* Headroom beyond twice the last snapshot: 64K, less under a small cap
	 * (a fixed 64K left --max-size 64K with no snapshot at all). */
	uint64_t slack = o->max_size / 32 < (64u << 10) ? o->max_size / 32 : (64u << 10);

	clock_now(&cs);
	start_us = cs.mono_ns / 1000;
	for (;;) {
		uint64_t before = bw_bytes_written(c->bw);
		/* -n counts snapshots taken, -d the clock: a slow snapshot may
		 * skip ticks but never shortens a -n run. */
		int last = (o->count && c->snapshots + 1 >= o->count) ||
			   (o->duration_us && (k + 1) * o->interval_us > o->duration_us);
		int tools = o->with_tools && (c->snapshots % o->tools_every == 0 || last);
		int r;

		if (stop_requested)
			return "signal";
		/* The final round starts with the last snapshot, which does not
		 * wait for it: pprof_finish appends what comes later. */
		if (o->pprof && (c->snapshots % o->pprof_every == 0 || last))
			pprof_request(o->pprof);
		/* Stop before a snapshot that would likely not fit. */
		if (o->max_size && before + 2 * last_size + slack > o->max_size)
			return "max-size";
		r = snapshot_take(c, tools);
		if (r < 0)
			return NULL;
		if (r == BW_FULL)
			return "max-size";
		last_size = bw_bytes_written(c->bw) - before;
		if (!o->quiet && isatty(STDERR_FILENO))
			fprintf(stderr, "\rsockmortem-collect: %llu snapshots, %.1f MiB",
				(unsigned long long)c->snapshots, (double)bw_bytes_written(c->bw) / 1048576.0);
		if (last)
			return o->count ? "count" : "duration";
		/* Keep to the schedule; skip ticks we overran rather than bunch up. */
		clock_now(&cs);
		do {
			k++;
			next_us = start_us + (int64_t)(k * o->interval_us);
		} while (next_us < cs.mono_ns / 1000);
		if (o->duration_us && k * o->interval_us > o->duration_us)
			return "duration";
		sleep_until(next_us);
	}
}

/*
 * After the loop: the final pprof round (asked for with the last snapshot)
 * gets at most one target's round bound, since targets run in parallel; a
 * signal cuts that short. Whatever finished, aborted fetches included, is
 * appended to the last snapshot. Returns -1 only if the bundle failed.
 */
static int pprof_finish(struct collector *c, const char *reason)
{
	struct pprof *p = c->opt->pprof;

	if (!p)
		return 0;
	if (reason && (!strcmp(reason, "count") || !strcmp(reason, "duration")))
		pprof_wait_idle(p, pprof_round_bound_ms(p), c->stop);
	pprof_stop(p);
	if (!reason || !c->snapshots)
		return 0;
	return pprof_write_after(c, p, c->snapshots) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct collect_options opt = {
		.interval_us = 5000000, .tools_every = 6, .tool_timeout_ms = 20000,
		.read_timeout_ms = 2000, .max_size = 256u << 20, .level = 1, .sync = 1,
		.pprof_every = 6, .pprof_debug2_max = 20000, .pprof_timeout_ms = 10000,
		.pprof_max_body = 64u << 20, .pcap_iface = "any", .pcap_snaplen = 256,
		.pcap_segment = 16u << 20,
	};
	struct bw_options bwo;
	struct collector c;
	const char *reason;
	char *err = NULL;
	int r, status = 0;

	r = parse_options(argc, argv, &opt);
	if (r) {
		options_free(&opt);
		return r > 0 ? 0 : EXIT_USAGE;
	}
	memset(&c, 0, sizeof(c));
	c.opt = &opt;
	c.stop = &stop_requested;
	memset(&bwo, 0, sizeof(bwo));
	bwo.path = opt.output;
	bwo.force = opt.force;
	bwo.max_size = opt.max_size;
	bwo.reserve = opt.max_size / 32 < (256u << 10) ? opt.max_size / 32 : (256u << 10);
	bwo.level = opt.level;
	bwo.sync = opt.sync;
	c.bw = bw_open(&bwo, &err);
	if (!c.bw) {
		fprintf(stderr, "sockmortem-collect: %s\n", err);
		free(err);
		options_free(&opt);
		return EXIT_USAGE;
	}
	if (opt.redact && redact_start(&c) < 0) {
		bw_free(c.bw);
		options_free(&opt);
		return EXIT_USAGE;
	}
	install_signals();
	lower_priority();
	c.guard = guard_new(opt.read_timeout_ms, 8);
	c.host_netns = netns_inode_at(AT_FDCWD, "/proc/self/ns/net");

	if (opt.pprof) {
		struct pprof_options po = { opt.pprof_every, opt.pprof_debug2_max, opt.pprof_timeout_ms < 3000 ?
					    opt.pprof_timeout_ms : 3000, opt.pprof_timeout_ms, (size_t)opt.pprof_max_body };
		if (pprof_start(opt.pprof, &po) < 0) {
			fprintf(stderr, "sockmortem-collect: cannot start the pprof fetcher\n");
			pprof_free(opt.pprof);
			opt.pprof = NULL;
		}
	}
	if (opt.pcap_filter)
		capture_start(&c);
	if (hostinfo_write_manifest(&c, argc, argv) < 0 || attach_files(&c) < 0)
		reason = NULL;
	else
		reason = collect_loop(&c);
	if (pprof_finish(&c, reason) < 0)
		reason = NULL;
	/* The capture's last segment goes in before the trailer. */
	if (reason && c.capture && capture_write(&c, c.capture, 1, NULL) < 0)
		reason = NULL;
	if (!reason || write_trailer(&c, reason) < 0) {
		fprintf(stderr, "%ssockmortem-collect: %s: %s (%llu finished snapshots kept)\n",
			!opt.quiet && isatty(STDERR_FILENO) ? "\n" : "", opt.output, bw_error(c.bw),
			(unsigned long long)c.snapshots);
		status = EXIT_FAILED;
	} else if (!opt.quiet) {
		fprintf(stderr, "%ssockmortem-collect: wrote %s: %llu snapshots, %llu bytes, "
			"%llu unreadable items (stopped: %s)\n",
			isatty(STDERR_FILENO) ? "\n" : "", opt.output, (unsigned long long)c.snapshots,
			(unsigned long long)bw_bytes_written(c.bw), (unsigned long long)c.errors_total, reason);
	}
	capture_free(c.capture);
	guard_free(c.guard);
	bw_free(c.bw);
	free(c.redact);
	options_free(&opt);
	return status;
}
