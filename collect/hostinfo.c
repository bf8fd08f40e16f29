/*
 * hostinfo: the facts written once into manifest.json, the bundle's first
 * member: who wrote the bundle, on which host, kernel and boot, with which
 * options, and the socket sysctls that shape a leak (port range,
 * FIN timeout, TIME_WAIT reuse, backlog, orphan and fd limits).
 */
#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "numparse.h"
#include "pprof.h"
#include "redact.h"

static const char *const hostinfo_sysctls[] = {
	"net/ipv4/ip_local_port_range",
	"net/ipv4/tcp_fin_timeout",
	"net/ipv4/tcp_tw_reuse",
	"net/core/somaxconn",
	"net/ipv4/tcp_max_orphans",
	"net/ipv4/tcp_max_syn_backlog",
	"net/ipv4/tcp_max_tw_buckets",
	"net/ipv4/tcp_keepalive_time",
	"fs/file-nr",
	"fs/file-max",
	"fs/nr_open",
};

uint64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void clock_now(struct clock_set *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	c->wall_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c->mono_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	c->boot_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_json(struct strbuf *sb, const char *key, const struct clock_set *c, int first)
{
	struct tm tm;
	time_t secs = (time_t)(c->wall_ns / 1000000000);
	char iso[64];

	gmtime_r(&secs, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
	json_key(sb, key, first);
	strbuf_addf(sb, "{\"wall\":\"%s.%06ldZ\"", iso, (long)(c->wall_ns % 1000000000 / 1000));
	json_kv_i64(sb, "wall_ns", c->wall_ns, 0);
	json_kv_i64(sb, "mono_ns", c->mono_ns, 0);
	json_kv_i64(sb, "boot_ns", c->boot_ns, 0);
	strbuf_addch(sb, '}');
}

/* Reads a small /proc file, trimmed of trailing whitespace; NULL if absent. */
static char *read_small(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int err;

	if (read_file_at(AT_FDCWD, path, 4096, &sb, &err) < 0) {
		strbuf_release(&sb);
		return NULL;
	}
	while (sb.len && (sb.buf[sb.len - 1] == '\n' || sb.buf[sb.len - 1] == ' '))
		sb.buf[--sb.len] = '\0';
	return strbuf_detach(&sb, NULL);
}

uint64_t netns_inode_at(int dirfd, const char *link)
{
	char buf[64];
	ssize_t n = readlinkat(dirfd, link, buf, sizeof(buf) - 1);
	char *open_br, *close_br;
	uint64_t ino;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	open_br = strchr(buf, '[');
	close_br = strchr(buf, ']');
	if (!open_br || !close_br || close_br < open_br ||
	    num_u64(open_br + 1, (size_t)(close_br - open_br - 1), 10, &ino) < 0)
		return 0;
	return ino;
}

static void manifest_host(struct strbuf *sb)
{
	struct utsname u;
	char host[256] = "";
	char *boot_id = read_small("/proc/sys/kernel/random/boot_id");
	struct clock_set now;
	size_t i;

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	clock_now(&now);
	json_key(sb, "host", 0);
	strbuf_addch(sb, '{');
	json_kv_str(sb, "hostname", host, 1);
	json_kv_str(sb, "boot_id", boot_id, 0);
	json_kv_str(sb, "kernel_release", u.release, 0);
	json_kv_str(sb, "kernel_version", u.version, 0);
	json_kv_str(sb, "machine", u.machine, 0);
	json_kv_str(sb, "sysname", u.sysname, 0);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	json_kv_str(sb, "byte_order", "little", 0);
#else
	json_kv_str(sb, "byte_order", "big", 0);
#endif
	json_kv_i64(sb, "clk_tck", sysconf(_SC_CLK_TCK), 0);
	json_kv_i64(sb, "page_size", sysconf(_SC_PAGESIZE), 0);
	json_kv_i64(sb, "ncpu", sysconf(_SC_NPROCESSORS_ONLN), 0);
	clock_json(sb, "clock", &now, 0);
	json_key(sb, "sysctl", 0);
	strbuf_addch(sb, '{');
	for (i = 0; i < sizeof(hostinfo_sysctls) / sizeof(hostinfo_sysctls[0]); i++) {
		struct strbuf path = STRBUF_INIT;
		char *val, *p;

		strbuf_addf(&path, "/proc/sys/%s", hostinfo_sysctls[i]);
		val = read_small(path.buf);
		/* sysctl's dotted names are what people search for */
		strbuf_reset(&path);
		strbuf_addstr(&path, hostinfo_sysctls[i]);
		for (p = path.buf; *p; p++)
			if (*p == '/')
				*p = '.';
		json_kv_str(sb, path.buf, val, i == 0);
		free(val);
		strbuf_release(&path);
	}
	strbuf_addstr(sb, "}}");
	free(boot_id);
}

/*
 * With --redact our own argv is redacted like any process's ("--pprof
 * http://user:pw@..."); the bundle writer then redacts the text of the
 * whole manifest, but it cannot see that "--secret x" makes x a secret.
 */
static void manifest_arg(struct strbuf *sb, const struct redact *r, int argc, char **argv, int i)
{
	char **red;
	int k;

	if (!r) {
		json_cstr(sb, argv[i]);
		return;
	}
	red = xreallocarray(NULL, (size_t)argc, sizeof(*red));
	redact_argv_vec(r, argc, argv, red);
	json_cstr(sb, red[i]);
	for (k = 0; k < argc; k++)
		free(red[k]);
	free(red);
}

/* What --redact did, and a public id of its key (the key is never written). */
static void manifest_redaction(struct strbuf *sb, const struct collector *c)
{
	char id[17];

	json_key(sb, "redaction", 0);
	if (!c->redact) {
		strbuf_addstr(sb, "null");
		return;
	}
	redact_key_id(c->redact, id);
	strbuf_addch(sb, '{');
	json_kv_bool(sb, "args", 1, 1);
	json_kv_bool(sb, "ips", c->redact->ips, 0);
	json_kv_str(sb, "key_id", id, 0);
	json_kv_str(sb, "by", "sockmortem-collect", 0);
	strbuf_addch(sb, '}');
}

static void manifest_collector(struct strbuf *sb, struct collector *c, int argc, char **argv)
{
	char *status = read_small("/proc/self/status");
	const char *cap = status ? strstr(status, "CapEff:\t") : NULL;
	int i;

	json_key(sb, "collector", 0);
	strbuf_addch(sb, '{');
	json_kv_i64(sb, "pid", getpid(), 1);
	json_kv_i64(sb, "uid", getuid(), 0);
	json_kv_i64(sb, "euid", geteuid(), 0);
	json_key(sb, "cap_eff", 0);
	if (cap)
		json_str(sb, cap + 8, strcspn(cap + 8, "\n"));
	else
		strbuf_addstr(sb, "null");
	json_kv_u64(sb, "netns", c->host_netns, 0);
	json_key(sb, "argv", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < argc; i++) {
		if (i)
			strbuf_addch(sb, ',');
		manifest_arg(sb, c->redact, argc, argv, i);
	}
	strbuf_addstr(sb, "]}");
	free(status);
}


static void manifest_options(struct strbuf *sb, const struct collect_options *o)
{
	size_t i;

	json_key(sb, "options", 0);
	strbuf_addch(sb, '{');
	json_kv_double(sb, "interval_s", (double)o->interval_us / 1e6, 1);
	json_kv_double(sb, "duration_s", (double)o->duration_us / 1e6, 0);
	json_kv_u64(sb, "count", o->count, 0);
	json_key(sb, "pids", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < o->npids; i++)
		strbuf_addf(sb, "%s%d", i ? "," : "", (int)o->pids[i]);
	strbuf_addch(sb, ']');
	json_key(sb, "comms", 0);
	json_strs(sb, o->comms, o->ncomms);
	json_kv_bool(sb, "with_tools", o->with_tools, 0);
	json_kv_u64(sb, "tools_every", o->tools_every, 0);
	json_kv_u64(sb, "tool_timeout_ms", o->tool_timeout_ms, 0);
	json_kv_u64(sb, "read_timeout_ms", o->read_timeout_ms, 0);
	json_kv_u64(sb, "max_size", o->max_size, 0);
	json_kv_i64(sb, "zstd_level", o->level, 0);
	json_kv_bool(sb, "kthreads", o->kthreads, 0);
	json_key(sb, "pprof", 0);
	strbuf_addch(sb, '[');
	pprof_targets_json(o->pprof, sb);
	strbuf_addch(sb, ']');
	json_kv_u64(sb, "pprof_every", o->pprof_every, 0);
	json_kv_u64(sb, "pprof_debug2_max", o->pprof_debug2_max, 0);
	json_kv_u64(sb, "pprof_timeout_ms", o->pprof_timeout_ms, 0);
	json_kv_str(sb, "pcap_filter", o->pcap_filter, 0);
	json_kv_str(sb, "pcap_iface", o->pcap_iface, 0);
	json_kv_u64(sb, "pcap_snaplen", o->pcap_snaplen, 0);
	json_kv_bool(sb, "pcap_payload", o->pcap_payload, 0);
	json_kv_bool(sb, "redact", o->redact, 0);
	json_kv_bool(sb, "redact_ips", o->redact_ips, 0);
	json_key(sb, "attach", 0);
	json_strs(sb, o->attach, o->nattach);
	strbuf_addch(sb, '}');
}

int hostinfo_write_manifest(struct collector *c, int argc, char **argv)
{
	struct strbuf sb = STRBUF_INIT;
	struct clock_set now;
	int r;

	clock_now(&now);
	strbuf_addch(&sb, '{');
	json_kv_str(&sb, "format", BUNDLE_FORMAT, 1);
	json_kv_i64(&sb, "format_version", BUNDLE_FORMAT_VERSION, 0);
	json_kv_str(&sb, "tool", "sockmortem-collect", 0);
	json_kv_str(&sb, "tool_version", SM_VERSION, 0);
	clock_json(&sb, "started", &now, 0);
	manifest_host(&sb);
	manifest_collector(&sb, c, argc, argv);
	manifest_options(&sb, c->opt);
	manifest_redaction(&sb, c);
	if (c->opt->pcap_filter) {
		json_kv_str(&sb, "pcap_status", c->capture ? "capturing" : "failed", 0);
		json_kv_str(&sb, "pcap_error", c->capture ? NULL : c->capture_error, 0);
	}
	strbuf_addstr(&sb, "}\n");
	r = bw_add_reserved(c->bw, "manifest.json", now.wall_ns / 1000000000, sb.buf, sb.len);
	strbuf_release(&sb);
	if (r)
		return -1;
	return bw_end_frame(c->bw);
}
