/*
 * parse_procpid: /proc/PID/{status,limits,stat,cmdline} and the collector's
 * fd listing.
 *
 * status (proc(5); fs/proc/array.c proc_pid_status): "Key:\tvalue" lines.
 *
 *   Name:	nginx            escaped by the kernel ('\n' -> "\n"), so one line
 *   State:	S (sleeping)
 *   Pid:	4631             PPid: 4613
 *   Uid:	1000	1000	1000	1000      real, effective, saved, fs
 *   FDSize:	256              slots in the fd table, not open fds
 *   NSpid:	4631	7        since 4.1; outermost namespace first
 *   VmRSS:	    1234 kB      absent for kernel threads
 *   Threads:	1
 *
 * limits (fs/proc/base.c proc_pid_limits): fixed-width "%-25s %-20s %-20s
 * %-10s" rows; the limit name holds spaces, so the row is found by its name
 * and the rest split:
 *
 *   Limit                     Soft Limit           Hard Limit           Units
 *   Max open files            1024                 1048576              files
 *
 *   "unlimited" is RLIM_INFINITY.
 *
 * stat (fs/proc/array.c do_task_stat): one line, "%d (%s) %c %d ...":
 *
 *   4631 (cat) R 4613 4631 2833 34816 4631 4194304 92 0 0 0 0 0 0 0 20 0 1 0 15634 ...
 *
 *   comm is printed raw (up to 15 bytes, or 63 for kernel workers) and may
 *   hold spaces, parentheses and even newlines: it runs from the first '('
 *   to the LAST ')'. Fields after it are numbered from 3 as in proc(5):
 *   3 state, 4 ppid, 20 num_threads, 22 starttime (clock ticks since boot,
 *   USER_HZ), 24 rss (pages).
 *
 * cmdline (fs/proc/base.c get_mm_cmdline): argv strings each ending in NUL;
 * a process that rewrote its argv may have no NULs or trailing NUL padding.
 *
 * fd listing (written by our collector, one line per entry of /proc/PID/fd):
 *
 *   3	socket:[12345]
 *   0	/dev/null
 *   5	pipe:[998]
 *   7	anon_inode:[eventpoll]     older kernels: anon_inode:inotify
 *   9	!ENOENT                    readlink failed (the fd closed meanwhile)
 *
 *   Link targets as the kernel makes them (fs/d_path.c, dynamic_dname):
 *   "socket:[ino]", "pipe:[ino]", "anon_inode:...", paths (maybe ending in
 *   " (deleted)"), "net:[...]", "mnt:[...]". A file name holding a newline
 *   cannot be represented in this format.
 */
#include "parse_procpid.h"

#include <string.h>

#include "lines.h"
#include "numparse.h"

/* readlink() of an fd gives at most PATH_MAX (4096) bytes. */
#define PP_TARGET_MAX 4200
/* Fields of stat after comm that we read (up to field 24). */
#define PP_STAT_FIELDS 22

/* A decimal that must also fit an int64_t. */
static int pp_u64_as_i64(const char *s, size_t n, int64_t *out)
{
	uint64_t v;

	if (num_u64(s, n, 10, &v) < 0 || v > (uint64_t)INT64_MAX)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/*
 * Copy untrusted bytes into a C string for a callback or a struct: NUL and
 * other control bytes would cut or garble it, so they become '?'. Returns
 * -1 when the copy had to be truncated.
 */
static int pp_copy(char *dst, size_t dstsz, const char *s, size_t n)
{
	size_t i, m = n < dstsz - 1 ? n : dstsz - 1;

	for (i = 0; i < m; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[m] = '\0';
	return m < n ? -1 : 0;
}

/* --- status -------------------------------------------------------------- */

/* "Key:" at the start of a status line: value after the colon, or -1. */
static int pp_status_key(const char *line, size_t len, const char *key,
			 const char **val, size_t *vlen)
{
	size_t k = strlen(key);

	if (len <= k || memcmp(line, key, k) || line[k] != ':')
		return -1;
	*val = line + k + 1;
	*vlen = len - k - 1;
	return 0;
}

/* The first blank-separated number of a value ("  1234 kB", "1000\t1000"). */
static int pp_status_num(const char *val, size_t vlen, size_t idx, int64_t *out)
{
	const char *f[8];
	size_t fl[8], n = fields_split(val, vlen, f, fl, 8);

	if (idx >= n || idx >= 8)
		return -1;
	return pp_u64_as_i64(f[idx], fl[idx], out);
}

/* Name: the rest of the line, as the kernel escaped it. */
static void pp_status_name(const char *val, size_t vlen, uint64_t ln,
			   struct sm_proc_status *out, const struct sm_sink *sink)
{
	/* One tab follows the colon; a name may itself start with a blank. */
	if (vlen && *val == '\t') {
		val++;
		vlen--;
	}
	if (pp_copy(out->name, sizeof(out->name), val, vlen) < 0)
		sm_sink_warn(sink, ln, "Name truncated", val, vlen);
}

/* NSpid: one pid per namespace level, at most SM_PROC_NSPID_MAX kept. */
static int pp_status_nspid(const char *val, size_t vlen, struct sm_proc_status *out)
{
	const char *f[SM_PROC_NSPID_MAX];
	size_t fl[SM_PROC_NSPID_MAX], i, n;

	n = fields_split(val, vlen, f, fl, SM_PROC_NSPID_MAX);
	if (n > SM_PROC_NSPID_MAX)
		n = SM_PROC_NSPID_MAX;
	for (i = 0; i < n; i++)
		if (pp_u64_as_i64(f[i], fl[i], &out->nspid[i]) < 0)
			return -1;
	out->nspid_count = n;
	return n ? 0 : -1;
}

/* Numeric keys: the key, which token of the value, where it goes. */
struct pp_status_field {
	const char *key;
	size_t idx;
	size_t off;
};

static const struct pp_status_field pp_status_fields[] = {
	{ "Pid", 0, offsetof(struct sm_proc_status, pid) },
	{ "PPid", 0, offsetof(struct sm_proc_status, ppid) },
	{ "Uid", 0, offsetof(struct sm_proc_status, uid_real) },
	{ "Uid", 1, offsetof(struct sm_proc_status, uid_effective) },
	{ "Threads", 0, offsetof(struct sm_proc_status, threads) },
	{ "VmRSS", 0, offsetof(struct sm_proc_status, vmrss_kb) },
	{ "FDSize", 0, offsetof(struct sm_proc_status, fdsize) },
};

/* One "Key:\tvalue" line into out; unknown keys are ignored. */
static void pp_status_line(const char *line, size_t len, uint64_t ln,
			   struct sm_proc_status *out, const struct sm_sink *sink)
{
	const char *val;
	size_t vlen, i;
	int64_t *dst;

	if (pp_status_key(line, len, "Name", &val, &vlen) == 0) {
		pp_status_name(val, vlen, ln, out, sink);
		return;
	}
	if (pp_status_key(line, len, "State", &val, &vlen) == 0) {
		const char *f[1];
		size_t fl[1];

		if (fields_split(val, vlen, f, fl, 1) && fl[0] == 1)
			out->state = f[0][0];
		else
			sm_sink_warn(sink, ln, "bad State", line, len);
		return;
	}
	if (pp_status_key(line, len, "NSpid", &val, &vlen) == 0) {
		if (pp_status_nspid(val, vlen, out) < 0)
			sm_sink_warn(sink, ln, "bad NSpid", line, len);
		return;
	}
	for (i = 0; i < sizeof(pp_status_fields) / sizeof(pp_status_fields[0]); i++) {
		const struct pp_status_field *sf = &pp_status_fields[i];

		if (pp_status_key(line, len, sf->key, &val, &vlen) < 0)
			continue;
		dst = (int64_t *)(void *)((char *)out + sf->off);
		if (pp_status_num(val, vlen, sf->idx, dst) < 0) {
			*dst = SM_NONE;
			sm_sink_warn(sink, ln, "bad number in", line, len);
		}
	}
}

/* status: key by key, in whatever order and subset the kernel prints. */
int parse_procpid_status(const char *buf, size_t len, struct sm_proc_status *out,
			 const struct sm_sink *sink)
{
	struct line_iter it;
	const char *line;
	size_t n, i;
	int have_name = 0;

	memset(out, 0, sizeof(*out));
	out->pid = out->ppid = out->uid_real = out->uid_effective = SM_NONE;
	out->threads = out->vmrss_kb = out->fdsize = SM_NONE;
	for (i = 0; i < SM_PROC_NSPID_MAX; i++)
		out->nspid[i] = SM_NONE;
	if (!len)   /* an empty capture may arrive as (NULL, 0) */
		return -1;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n)) {
		if (n >= 5 && !memcmp(line, "Name:", 5))
			have_name = 1;
		pp_status_line(line, n, it.lineno, out, sink);
	}
	return have_name || out->pid != SM_NONE ? 0 : -1;
}

/* --- limits -------------------------------------------------------------- */

/*
 * RLIM_INFINITY prints as "unlimited"; a finite limit of 2^63-1 or more
 * (settable with setrlimit) is no different in practice, so it saturates.
 */
static int pp_limit(const char *s, size_t n, int64_t *out)
{
	uint64_t v;

	if (n == 9 && !memcmp(s, "unlimited", 9)) {
		*out = SM_LIMIT_UNLIMITED;
		return 0;
	}
	if (num_u64(s, n, 10, &v) < 0)
		return -1;
	*out = v >= (uint64_t)SM_LIMIT_UNLIMITED ? SM_LIMIT_UNLIMITED : (int64_t)v;
	return 0;
}

/* limits: only the "Max open files" row matters here. */
int parse_procpid_limits(const char *buf, size_t len, struct sm_proc_limits *out,
			 const struct sm_sink *sink)
{
	static const char key[] = "Max open files";
	struct line_iter it;
	const char *line, *f[4];
	size_t n, fl[4], nf, k = sizeof(key) - 1;
	int64_t soft, hard;

	out->nofile_soft = out->nofile_hard = SM_NONE;
	if (!len)   /* an empty capture may arrive as (NULL, 0) */
		return -1;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n)) {
		if (n <= k || memcmp(line, key, k) || (line[k] != ' ' && line[k] != '\t'))
			continue;
		nf = fields_split(line + k, n - k, f, fl, 4);
		if (nf < 2 || nf > 3 || pp_limit(f[0], fl[0], &soft) < 0 ||
		    pp_limit(f[1], fl[1], &hard) < 0) {
			sm_sink_warn(sink, it.lineno, "bad limit", line, n);
			return -1;
		}
		out->nofile_soft = soft;
		out->nofile_hard = hard;
		return 0;
	}
	return -1;
}

/* --- stat ---------------------------------------------------------------- */

/* Everything unknown until read. */
static void pp_stat_init(struct sm_proc_stat *out)
{
	memset(out, 0, sizeof(*out));
	out->pid = out->ppid = out->num_threads = SM_NONE;
	out->starttime = out->rss_pages = SM_NONE;
}

/* Field number `num` (as in proc(5)) from the fields after comm, if there. */
static void pp_stat_num(const char **f, const size_t *fl, size_t nf, int num,
			int64_t *out, const struct sm_sink *sink)
{
	size_t i = (size_t)num - 3;

	if (i >= nf)
		return;
	/* ppid is an int, the rest unsigned; none is negative in practice. */
	if (pp_u64_as_i64(f[i], fl[i], out) < 0)
		sm_sink_warn(sink, 1, "stat: bad number", f[i], fl[i]);
}

/* stat: pid, comm by its outermost parentheses, then numbered fields. */
int parse_procpid_stat(const char *buf, size_t len, struct sm_proc_stat *out,
		       const struct sm_sink *sink)
{
	const char *open, *close, *f[PP_STAT_FIELDS];
	size_t fl[PP_STAT_FIELDS], nf, rest;

	pp_stat_init(out);
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	/* memchr must not see the (NULL, 0) an empty capture may arrive as. */
	open = len ? memchr(buf, '(', len) : NULL;
	close = len ? memrchr(buf, ')', len) : NULL;
	if (!open || !close || close < open || open == buf || open[-1] != ' ' ||
	    pp_u64_as_i64(buf, (size_t)(open - 1 - buf), &out->pid) < 0) {
		out->pid = SM_NONE;
		sm_sink_warn(sink, 1, "stat: expected 'pid (comm) state'", buf, len);
		return -1;
	}
	if (pp_copy(out->comm, sizeof(out->comm), open + 1, (size_t)(close - open - 1)) < 0)
		sm_sink_warn(sink, 1, "stat: comm truncated", open + 1, (size_t)(close - open - 1));
	rest = len - (size_t)(close + 1 - buf);
	nf = fields_split(close + 1, rest, f, fl, PP_STAT_FIELDS);
	if (nf > PP_STAT_FIELDS)
		nf = PP_STAT_FIELDS;
	if (!nf || fl[0] != 1) {
		sm_sink_warn(sink, 1, "stat: bad state", close + 1, rest);
		return -1;
	}
	out->state = f[0][0];
	if (nf < PP_STAT_FIELDS && sink && sink->warn)
		sink->warn(sink->ctx, 1, "stat: fewer fields than expected");
	pp_stat_num(f, fl, nf, 4, &out->ppid, sink);
	pp_stat_num(f, fl, nf, 20, &out->num_threads, sink);
	pp_stat_num(f, fl, nf, 22, &out->starttime, sink);
	pp_stat_num(f, fl, nf, 24, &out->rss_pages, sink);
	return 0;
}

/* --- cmdline ------------------------------------------------------------- */

/* cmdline: NULs become spaces, trailing NULs go, control bytes become '?'. */
size_t parse_procpid_cmdline(const char *buf, size_t len, char *out, size_t outsz)
{
	size_t i, w = 0;
	char c;

	while (len && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++) {
		c = buf[i];
		if (c == '\0')
			c = ' ';
		else if ((unsigned char)c < 0x20 || c == 0x7f)
			c = '?';
		if (w + 1 < outsz)
			out[w] = c;
		w++;
	}
	if (outsz)
		out[w < outsz ? w : outsz - 1] = '\0';
	return w;
}

/* --- fd listing ---------------------------------------------------------- */

/* Does [s, s+n) start with lit? */
static int pp_prefix(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	return n >= k && !memcmp(s, lit, k);
}

/* "socket:[12345]" -> 12345. */
static int pp_socket_inode(const char *s, size_t n, uint64_t *ino)
{
	static const char pre[] = "socket:[";
	size_t k = sizeof(pre) - 1;

	if (!pp_prefix(s, n, pre) || n < k + 2 || s[n - 1] != ']')
		return -1;
	return num_u64(s + k, n - k - 1, 10, ino);
}

/* Classify a link target by the prefix the kernel gives it. */
static const char *pp_fd_type(const char *t, size_t n)
{
	if (pp_prefix(t, n, "socket:"))
		return "socket";
	if (pp_prefix(t, n, "pipe:"))
		return "pipe";
	if (pp_prefix(t, n, "anon_inode:"))
		return "anon";
	if (n && t[0] == '/')
		return "file";
	return "other";
}

/* "3" strictly: decimal digits, no sign, no leading zero, fits an int. */
static int pp_fd_number(const char *s, size_t n, int64_t *fd)
{
	if (!n || (n > 1 && s[0] == '0') || pp_u64_as_i64(s, n, fd) < 0 || *fd > INT32_MAX)
		return -1;
	return 0;
}

/* One listing line: 1 if it made a row (callback's value in *rc), 0 if skipped. */
static int pp_fd_line(const char *line, size_t len, uint64_t ln, int64_t pid,
		      const struct sm_sink *sink, int *rc)
{
	struct sm_fd_row row;
	char fdtext[16], target[PP_TARGET_MAX];
	const char *tab = memchr(line, '\t', len), *t;
	size_t tlen;

	sm_fd_row_init(&row);
	row.line = ln;
	row.pid = pid;
	if (!tab || pp_fd_number(line, (size_t)(tab - line), &row.fd) < 0) {
		sm_sink_warn(sink, ln, "expected 'FD<TAB>TARGET'", line, len);
		return 0;
	}
	t = tab + 1;
	tlen = len - (size_t)(t - line);
	if (!tlen) {
		sm_sink_warn(sink, ln, "empty fd target", line, len);
		return 0;
	}
	row.type = pp_fd_type(t, tlen);
	if (!strcmp(row.type, "socket") && pp_socket_inode(t, tlen, &row.inode) < 0) {
		sm_sink_warn(sink, ln, "bad socket inode", t, tlen);
		return 0;
	}
	if (pp_copy(target, sizeof(target), t, tlen) < 0)
		sm_sink_warn(sink, ln, "fd target truncated", t, tlen);
	pp_copy(fdtext, sizeof(fdtext), line, (size_t)(tab - line));
	row.fd_text = fdtext;
	row.target = target;
	*rc = sink && sink->fd ? sink->fd(sink->ctx, &row) : 0;
	return 1;
}

/* fd listing: one row per "FD<TAB>TARGET" line. */
int parse_fd_listing(const char *buf, size_t len, int64_t pid, const struct sm_sink *sink)
{
	struct line_iter it;
	const char *line;
	const char *f[1];
	size_t n, fl[1];
	int lines = 0, good = 0, rc = 0;

	if (!len)   /* an empty capture may arrive as (NULL, 0) */
		return 0;
	lines_init(&it, buf, len);
	while (lines_next(&it, &line, &n)) {
		struct sm_line_key key = { line, n, NULL, NULL };

		if (!fields_split_first(line, n, f, fl, 1))   /* blank? */
			continue;
		lines++;
		/* a listing has no header: each line says all it means */
		if (sink && sink->known && sink->known(sink->ctx, "", 0, &key)) {
			good++;
			if (sink->known_run) {
				uint64_t more = 0;
				size_t used = sink->known_run(sink->ctx, it.p, (size_t)(it.end - it.p), &more);

				if (used > (size_t)(it.end - it.p))
					used = (size_t)(it.end - it.p);   /* a broken sink moves no further than the end */
				it.p += used;
				it.lineno += more;
				lines += (int)more;
				good += (int)more;
			}
			continue;
		}
		good += pp_fd_line(line, n, it.lineno, pid, sink, &rc);
		if (rc)
			return rc;
	}
	return lines && !good ? -1 : 0;
}
