/*
 * snapshot: one picture of the host, written as one zstd frame:
 *
 *   snap/NNNNNN/net/<netns>/<table>    /proc/net tables, verbatim, for the
 *                                      collector's namespace and every other
 *                                      namespace a selected process is in
 *   snap/NNNNNN/proc/<pid>/...          per process (proc_scan.c)
 *   snap/NNNNNN/tools/<tool>.out|.err   ss / lsof output (--with-tools)
 *   snap/NNNNNN/errors.tsv              what could not be read, and why
 *   snap/NNNNNN/meta.json               times, steps, outcomes; written
 *                                       last: a snapshot is complete iff
 *                                       its meta.json is in the bundle
 *
 * Tables are read before the fd walk; an fd created in between can look
 * orphaned for one snapshot, which is why the analyzer requires an orphan
 * to persist.
 */
#include "collect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "json.h"
#include "pprof.h"
#include "tools.h"

#define TOOL_ERR_MAX (64u << 10)

static const char *const snapshot_net_tables[] = {
	"tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6",
	"unix", "netlink", "packet", "icmp", "icmp6",
	"sockstat", "sockstat6", "netstat", "snmp", "snmp6",
};

struct tool_spec {
	const char *name;        /* member base name */
	const char *argv[4];
	int uses_sockdiag;
};

static const struct tool_spec snapshot_tools[] = {
	{ "ss-tanpie", { "ss", "-tanpie", NULL }, 1 },
	{ "ss-s", { "ss", "-s", NULL }, 1 },
	{ "lsof-nP", { "lsof", "-nP", NULL }, 0 },
};

static int64_t mono_us_now(void)
{
	struct clock_set cs;

	clock_now(&cs);
	return cs.mono_ns / 1000;
}

int snap_copy_file(struct collector *c, struct snap_log *log, int dirfd, const char *name,
		   const char *member, const char *logpath, int64_t mtime, size_t max)
{
	char buf[65536];
	size_t total = 0;
	int fd, r;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0) {
		snap_log_error(log, logpath, errno, errno == ENOENT ? "absent" : NULL);
		return 0;
	}
	if ((r = bw_member_begin(c->bw, member, mtime)) != 0) {
		close(fd);
		return r;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snap_log_error(log, logpath, errno, "read");
			break;
		}
		if (n == 0)
			break;
		if ((r = bw_member_write(c->bw, buf, (size_t)n)) != 0) {
			close(fd);
			return r;
		}
		total += (size_t)n;
		if (total >= max) {
			snap_log_error(log, logpath, 0, "truncated at size limit");
			break;
		}
	}
	close(fd);
	return bw_member_end(c->bw);
}

static void step_begin(struct snap_log *log, const char *step)
{
	strbuf_addstr(&log->steps, log->nsteps++ ? ",{" : "{");
	json_kv_str(&log->steps, "step", step, 1);
}

/* Copies the protocol tables of one network namespace. */
static int snapshot_net(struct collector *c, const char *prefix, uint64_t nsino, const char *dir,
			int64_t mtime, struct snap_log *log)
{
	int64_t t0 = mono_us_now();
	unsigned copied = 0;
	size_t i;
	int dfd, r = 0;

	step_begin(log, "net");
	json_kv_u64(&log->steps, "netns", nsino, 0);
	json_kv_str(&log->steps, "source", dir, 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snap_log_error(log, dir, errno, NULL);
		json_kv_str(&log->steps, "outcome", "unreadable", 0);
		strbuf_addch(&log->steps, '}');
		return 0;
	}
	for (i = 0; i < sizeof(snapshot_net_tables) / sizeof(snapshot_net_tables[0]) && !r; i++) {
		char member[256], logpath[256];
		uint64_t before = log->nerrors;

		snprintf(member, sizeof(member), "%s/net/%llu/%s", prefix, (unsigned long long)nsino,
			 snapshot_net_tables[i]);
		snprintf(logpath, sizeof(logpath), "%s/%s", dir, snapshot_net_tables[i]);
		r = snap_copy_file(c, log, dfd, snapshot_net_tables[i], member, logpath, mtime, (size_t)1 << 34);
		copied += !r && log->nerrors == before;
	}
	close(dfd);
	json_kv_u64(&log->steps, "tables", copied, 0);
	json_kv_i64(&log->steps, "us", mono_us_now() - t0, 0);
	json_kv_str(&log->steps, "outcome", r == BW_FULL ? "cut" : r ? "failed" : "ok", 0);
	strbuf_addch(&log->steps, '}');
	return r;
}

struct tool_ctx {
	struct collector *c;
	struct strbuf err;
	int write_failed;
};

static int tool_sink(void *ctx, int is_err, const void *buf, size_t len)
{
	struct tool_ctx *t = ctx;

	if (is_err) {
		if (t->err.len < TOOL_ERR_MAX)
			strbuf_add(&t->err, buf, len < TOOL_ERR_MAX - t->err.len ? len : TOOL_ERR_MAX - t->err.len);
		return 0;
	}
	if (bw_member_write(t->c->bw, buf, len) != 0) {
		t->write_failed = 1;
		return -1;
	}
	return 0;
}

static int snapshot_tool(struct collector *c, const struct tool_spec *ts, const char *prefix,
			 int64_t mtime, struct snap_log *log)
{
	struct tool_ctx t = { c, STRBUF_INIT, 0 };
	struct tool_result res;
	char member[256], path[256];
	const char *why = NULL;
	int r = 0;

	step_begin(log, "tool");
	json_kv_str(&log->steps, "name", ts->name, 0);
	if (ts->uses_sockdiag && !c->opt->allow_modload && !tool_sockdiag_ready(&why)) {
		json_kv_str(&log->steps, "outcome", tool_outcome_name(TOOL_REFUSED), 0);
		json_kv_str(&log->steps, "why", why, 0);
		strbuf_addch(&log->steps, '}');
		return 0;
	}
	if (tool_find(ts->argv[0], path, sizeof(path)) < 0) {
		json_kv_str(&log->steps, "outcome", tool_outcome_name(TOOL_MISSING), 0);
		strbuf_addch(&log->steps, '}');
		return 0;
	}
	snprintf(member, sizeof(member), "%s/tools/%s.out", prefix, ts->name);
	if ((r = bw_member_begin(c->bw, member, mtime)) != 0)
		goto out;
	tool_run((char *const *)ts->argv, c->opt->tool_timeout_ms, c->stop, tool_sink, &t, &res);
	if ((r = bw_member_end(c->bw)) != 0)
		goto out;
	if (t.err.len) {
		snprintf(member, sizeof(member), "%s/tools/%s.err", prefix, ts->name);
		if ((r = bw_add(c->bw, member, mtime, t.err.buf, t.err.len)) != 0)
			goto out;
	}
	json_kv_str(&log->steps, "path", res.path, 0);
	json_kv_str(&log->steps, "outcome", tool_outcome_name(res.outcome), 0);
	json_kv_i64(&log->steps, "exit", res.exit_status, 0);
	json_kv_u64(&log->steps, "us", res.wall_us, 0);
	json_kv_u64(&log->steps, "cpu_us", res.cpu_us, 0);
	json_kv_u64(&log->steps, "out_bytes", res.out_bytes, 0);
	json_kv_u64(&log->steps, "err_bytes", res.err_bytes, 0);
	if (res.unreaped)
		json_kv_bool(&log->steps, "unreaped", 1, 0);
out:
	if (r)
		json_kv_str(&log->steps, "outcome", r == BW_FULL ? "cut" : "failed", 0);
	strbuf_addch(&log->steps, '}');
	strbuf_release(&t.err);
	return r;
}

static void snapshot_meta(struct collector *c, struct strbuf *sb, const struct clock_set *t0,
			  const struct clock_set *t1, const struct netns_set *ns,
			  const struct proc_scan_stats *st, const struct snap_log *log, int cut)
{
	size_t i;

	strbuf_addch(sb, '{');
	json_kv_u64(sb, "snapshot", c->snapshots + 1, 1);
	clock_json(sb, "started", t0, 0);
	clock_json(sb, "ended", t1, 0);
	json_kv_u64(sb, "host_netns", c->host_netns, 0);
	json_key(sb, "netns", 0);
	strbuf_addch(sb, '[');
	for (i = 0; i < ns->n; i++)
		strbuf_addf(sb, "%s{\"netns\":%llu,\"pid\":%d}", i ? "," : "",
			    (unsigned long long)ns->ino[i], (int)ns->pid[i]);
	strbuf_addch(sb, ']');
	json_kv_u64(sb, "processes", st->processes, 0);
	json_kv_u64(sb, "fds", st->fds, 0);
	json_kv_u64(sb, "exited", st->exited, 0);
	json_kv_u64(sb, "denied", st->denied, 0);
	json_kv_u64(sb, "timeouts", st->timeouts, 0);
	json_kv_u64(sb, "errors", log->nerrors, 0);
	json_kv_str(sb, "cut", cut ? "max-size" : NULL, 0);
	json_key(sb, "steps", 0);
	strbuf_addch(sb, '[');
	strbuf_add(sb, log->steps.buf, log->steps.len);
	strbuf_addstr(sb, "]}\n");
}

/* Other namespaces' tables, read through a process inside each. */
static int snapshot_foreign_netns(struct collector *c, const char *prefix, const struct netns_set *ns,
				  int64_t mtime, struct snap_log *log)
{
	size_t i;
	int r = 0;

	for (i = 0; i < ns->n && !r; i++) {
		char dir[64];

		if (ns->ino[i] == c->host_netns)
			continue;
		snprintf(dir, sizeof(dir), "/proc/%d/net", (int)ns->pid[i]);
		r = snapshot_net(c, prefix, ns->ino[i], dir, mtime, log);
	}
	return r;
}

int snapshot_take(struct collector *c, int with_tools)
{
	struct snap_log log = { STRBUF_INIT, 0, STRBUF_INIT, 0 };
	struct netns_set ns = { NULL, NULL, 0, 0 };
	struct proc_scan_stats st;
	struct clock_set t0, t1;
	struct strbuf meta = STRBUF_INIT;
	char prefix[64], member[96];
	int64_t mtime, p0;
	size_t i;
	int r, cut = 0;

	memset(&st, 0, sizeof(st));
	clock_now(&t0);
	mtime = t0.wall_ns / 1000000000;
	snprintf(prefix, sizeof(prefix), "snap/%06llu", (unsigned long long)(c->snapshots + 1));

	r = snapshot_net(c, prefix, c->host_netns, "/proc/self/net", mtime, &log);
	if (!r) {
		p0 = mono_us_now();
		r = proc_scan(c, prefix, mtime, &log, &ns, &st);
		if (r == -2)
			r = BW_FULL;
		step_begin(&log, "procs");
		json_kv_u64(&log.steps, "processes", st.processes, 0);
		json_kv_u64(&log.steps, "fds", st.fds, 0);
		json_kv_i64(&log.steps, "us", mono_us_now() - p0, 0);
		json_kv_str(&log.steps, "outcome", r == BW_FULL ? "cut" : r ? "failed" : "ok", 0);
		strbuf_addch(&log.steps, '}');
	}
	if (!r)
		r = snapshot_foreign_netns(c, prefix, &ns, mtime, &log);
	for (i = 0; !r && with_tools && i < sizeof(snapshot_tools) / sizeof(snapshot_tools[0]); i++) {
		if (c->stop && *c->stop)
			break;
		r = snapshot_tool(c, &snapshot_tools[i], prefix, mtime, &log);
	}
	if (!r && c->opt->pprof)
		r = pprof_write(c, c->opt->pprof, prefix, mtime, &log);
	if (!r && c->capture)
		r = capture_write(c, c->capture, 0, &log);
	if (r == BW_FULL) {
		cut = 1;
		r = 0;
	}
	if (r)
		goto out;
	clock_now(&t1);
	snprintf(member, sizeof(member), "%s/errors.tsv", prefix);
	if (log.errors.len && (r = bw_add_reserved(c->bw, member, mtime, log.errors.buf, log.errors.len)) != 0)
		goto out;
	snapshot_meta(c, &meta, &t0, &t1, &ns, &st, &log, cut);
	snprintf(member, sizeof(member), "%s/meta.json", prefix);
	if ((r = bw_add_reserved(c->bw, member, mtime, meta.buf, meta.len)) != 0)
		goto out;
	r = bw_end_frame(c->bw);
	if (!r) {
		c->snapshots++;
		c->errors_total += log.nerrors;
		c->cut |= cut;
	}
out:
	strbuf_release(&meta);
	strbuf_release(&log.errors);
	strbuf_release(&log.steps);
	netns_set_free(&ns);
	return r ? -1 : cut ? BW_FULL : 0;
}
