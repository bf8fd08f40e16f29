/*
 * proc_scan: the per-process part of a snapshot. For each selected process
 * it copies comm, stat, status, limits, cmdline and its net namespace link,
 * and lists its fd table as `FD<TAB>TARGET` lines (the link targets, e.g.
 * socket:[12345]), under snap/N/proc/PID/.
 *
 * Cost: the fd walk dominates on a leaking host (tens of thousands of
 * socket fds); it is one getdents + one readlinkat per fd against an
 * already-open /proc/PID/fd directory, streamed out in 64 KiB pieces so
 * memory does not grow with the fd count.
 *
 * Every process is opened once as a directory fd: if it exits mid-scan the
 * remaining reads fail with ESRCH/ENOENT (recorded as "exited"), and a
 * recycled pid cannot be confused with the process we started reading.
 */
#include "collect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "numparse.h"

#define PF_KTHREAD 0x00200000u
#define PROC_SMALL_MAX (1u << 20)
#define PROC_CMDLINE_MAX (256u << 10)

void snap_log_error(struct snap_log *log, const char *path, int err, const char *detail)
{
	const char *name = err ? strerrorname_np(err) : NULL;

	strbuf_addf(&log->errors, "%s\t%s\t%s\n", path,
		    name ? name : (err ? "EUNKNOWN" : "-"), detail ? detail : (err ? strerror(err) : ""));
	log->nerrors++;
}

void netns_set_free(struct netns_set *ns)
{
	free(ns->ino);
	free(ns->pid);
	memset(ns, 0, sizeof(*ns));
}

static void netns_note(struct netns_set *ns, uint64_t ino, pid_t pid)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (ns->ino[i] == ino)
			return;
	if (ns->n == ns->alloc) {
		ns->alloc = ns->alloc ? ns->alloc * 2 : 8;
		ns->ino = xreallocarray(ns->ino, ns->alloc, sizeof(*ns->ino));
		ns->pid = xreallocarray(ns->pid, ns->alloc, sizeof(*ns->pid));
	}
	ns->ino[ns->n] = ino;
	ns->pid[ns->n] = pid;
	ns->n++;
}

/* Does the process match -p / --comm? comm is at most 15 bytes (TASK_COMM_LEN). */
static int proc_selected(const struct collect_options *o, pid_t pid, const char *comm)
{
	size_t i;

	if (!o->npids && !o->ncomms)
		return 1;
	for (i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return 1;
	for (i = 0; i < o->ncomms; i++)
		if (!strncmp(o->comms[i], comm, 15) && strlen(comm) == (strlen(o->comms[i]) < 15 ? strlen(o->comms[i]) : 15))
			return 1;
	return 0;
}

/* The flags field (9th) of /proc/PID/stat, counted after the ")" of comm. */
static unsigned long stat_flags(const char *stat)
{
	const char *p = strrchr(stat, ')');
	int field = 2;
	uint64_t v = 0;

	if (!p)
		return 0;
	p++;
	while (*p && field < 9) {
		while (*p == ' ')
			p++;
		field++;
		if (field == 9) {
			size_t n = strcspn(p, " ");
			if (num_u64(p, n, 10, &v) < 0)
				v = 0;
			break;
		}
		p += strcspn(p, " ");
	}
	return (unsigned long)v;
}

static int is_gone(int err)
{
	return err == ENOENT || err == ESRCH;
}

/* The state field (3rd) of /proc/PID/stat, just after the ")" of comm, or 0. */
static char stat_state(const char *stat)
{
	const char *p = strrchr(stat, ')');

	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * A process that is exiting refuses some reads with EACCES or EPERM (its
 * namespaces and memory already let go), not ENOENT: such an error of a
 * process that is a zombie or gone by now is its exit, not a permission.
 */
static int is_gone_at(int piddir, int err)
{
	struct strbuf stat = STRBUF_INIT;
	int gone, e;
	char state;

	if (is_gone(err))
		return 1;
	if (err != EACCES && err != EPERM)
		return 0;
	if (read_file_at(piddir, "stat", 4096, &stat, &e) < 0) {
		strbuf_release(&stat);
		return is_gone(e);
	}
	state = stat_state(stat.buf);
	gone = state == 'Z' || state == 'X' || state == 'x';
	strbuf_release(&stat);
	return gone;
}

/*
 * Streams the fd table; returns the number of fds listed, -1 when it
 * could not be read (*open_err: why it could not be opened, else 0) or
 * -2 when the bundle is full.
 */
static int64_t proc_fd_table(struct collector *c, int piddir, const char *member, const char *logpath,
			     int64_t mtime, struct snap_log *log, int *open_err)
{
	char buf[65536], target[4200];
	size_t used = 0;
	int64_t nfds = 0;
	int dfd, r, wr = 0;
	DIR *dir;
	struct dirent *de;

	*open_err = 0;
	dfd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		*open_err = errno;
		snap_log_error(log, logpath, *open_err, is_gone(*open_err) ? "exited" : NULL);
		return -1;
	}
	dir = fdopendir(dfd);
	if (!dir) {
		snap_log_error(log, logpath, errno, NULL);
		close(dfd);
		return -1;
	}
	if ((r = bw_member_begin(c->bw, member, mtime)) != 0) {
		closedir(dir);
		return r == BW_FULL ? -2 : -1;
	}
	for (;;) {
		ssize_t n;

		errno = 0;   /* readdir reports errors only through errno */
		if ((de = readdir(dir)) == NULL)
			break;
		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(dir), de->d_name, target, sizeof(target) - 1);
		if (n < 0) {
			const char *e = strerrorname_np(errno);
			n = snprintf(target, sizeof(target), "!%s", e ? e : "EUNKNOWN");
		}
		target[n] = '\0';
		/* File names may hold newlines and tabs, which would be read as
		 * the next entry or field: replace them. */
		for (ssize_t i = 0; i < n; i++)
			if (target[i] == '\n' || target[i] == '\t')
				target[i] = '?';
		if (used + strlen(de->d_name) + (size_t)n + 3 > sizeof(buf)) {
			if ((wr = bw_member_write(c->bw, buf, used)) != 0)
				break;
			used = 0;
		}
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s\t%s\n", de->d_name, target);
		nfds++;
	}
	/* The listing stops short: say so, or it passes for the whole table. */
	if (!wr && errno)
		snap_log_error(log, logpath, errno, is_gone(errno) ? "exited while listed" : "readdir");
	closedir(dir);
	if (!wr && used)
		wr = bw_member_write(c->bw, buf, used);
	/* A listing over BW_CHUNK meets the cap here: that is a cut, not an
	 * unreadable fd table (which would pass for a process with no fds). */
	if (wr)
		return wr == BW_FULL ? -2 : -1;
	r = bw_member_end(c->bw);
	return r == 0 ? nfds : r == BW_FULL ? -2 : -1;
}

/* Writes buf as a member; -2 when the bundle is full. */
static int put_member(struct collector *c, const char *member, int64_t mtime, const struct strbuf *sb)
{
	int r = bw_add(c->bw, member, mtime, sb->buf, sb->len);
	return r == BW_FULL ? -2 : r;
}

struct proc_file {
	const char *name;
	int guarded;      /* may block on the target's mmap lock */
	size_t max;
};

static const struct proc_file proc_files[] = {
	{ "stat", 0, PROC_SMALL_MAX },
	{ "status", 0, PROC_SMALL_MAX },
	{ "limits", 0, PROC_SMALL_MAX },
	{ "cmdline", 1, PROC_CMDLINE_MAX },
};

/* Reads one process; -2 when the bundle filled up, -1 on write failure. */
static int proc_one(struct collector *c, pid_t pid, int piddir, const char *comm, const char *prefix,
		    int64_t mtime, struct snap_log *log, struct netns_set *ns, struct proc_scan_stats *st)
{
	char member[256], logpath[128];
	struct strbuf sb = STRBUF_INIT;
	uint64_t nsino;
	int64_t nfds;
	size_t i;
	int r = 0, err = 0;

	snprintf(member, sizeof(member), "%s/proc/%d/comm", prefix, (int)pid);
	strbuf_addstr(&sb, comm);
	strbuf_addch(&sb, '\n');
	if ((r = put_member(c, member, mtime, &sb)) != 0)
		goto out;
	for (i = 0; i < sizeof(proc_files) / sizeof(proc_files[0]); i++) {
		const struct proc_file *pf = &proc_files[i];

		strbuf_reset(&sb);
		snprintf(logpath, sizeof(logpath), "/proc/%d/%s", (int)pid, pf->name);
		r = pf->guarded ? guard_read(c->guard, piddir, pf->name, pf->max, &sb, &err)
				: read_file_at(piddir, pf->name, pf->max, &sb, &err);
		if (r == GUARD_TIMEOUT || r == GUARD_SKIPPED) {
			snap_log_error(log, logpath, 0, r == GUARD_TIMEOUT ? "timeout: read blocked (process hung?)"
					: "skipped: too many hung reads pending");
			st->timeouts++;
			continue;
		}
		if (r < 0) {
			int gone = is_gone_at(piddir, err);

			snap_log_error(log, logpath, err, gone ? "exited" : NULL);
			if (gone) {
				st->exited++;
				r = 0;
				goto out;
			}
			continue;
		}
		if (sb.len >= pf->max)
			snap_log_error(log, logpath, 0, "truncated at size limit");
		snprintf(member, sizeof(member), "%s/proc/%d/%s", prefix, (int)pid, pf->name);
		if ((r = put_member(c, member, mtime, &sb)) != 0)
			goto out;
	}
	r = 0;   /* a file that timed out or was unreadable is logged, not fatal */
	errno = 0;   /* a link that reads but does not parse leaves errno alone */
	nsino = netns_inode_at(piddir, "ns/net");
	if (nsino) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "net:[%llu]\n", (unsigned long long)nsino);
		snprintf(member, sizeof(member), "%s/proc/%d/ns", prefix, (int)pid);
		if ((r = put_member(c, member, mtime, &sb)) != 0)
			goto out;
		netns_note(ns, nsino, pid);
	} else {
		int gone;

		err = errno;
		gone = is_gone_at(piddir, err);
		snprintf(logpath, sizeof(logpath), "/proc/%d/ns/net", (int)pid);
		snap_log_error(log, logpath, err, gone ? "exited" : NULL);
		if (gone) {
			st->exited++;
			goto out;
		}
	}
	snprintf(member, sizeof(member), "%s/proc/%d/fd", prefix, (int)pid);
	snprintf(logpath, sizeof(logpath), "/proc/%d/fd", (int)pid);
	nfds = proc_fd_table(c, piddir, member, logpath, mtime, log, &err);
	if (nfds == -2) {
		r = -2;
		goto out;
	}
	/* Gone between its files and its fd table: exited, like above. */
	if (nfds < 0 && is_gone(err)) {
		st->exited++;
		goto out;
	}
	if (nfds >= 0)
		st->fds += (uint64_t)nfds;
	else if (err == EACCES || err == EPERM)
		st->denied++;
	st->processes++;
out:
	strbuf_release(&sb);
	return r;
}

/* Opens /proc/PID and decides whether to record it. */
static int proc_consider(struct collector *c, int procfd, pid_t pid, const char *prefix, int64_t mtime,
			 struct snap_log *log, struct netns_set *ns, struct proc_scan_stats *st)
{
	struct strbuf comm = STRBUF_INIT, stat = STRBUF_INIT;
	char name[32], logpath[64];
	int piddir, err = 0, r = 0;

	snprintf(name, sizeof(name), "%d", (int)pid);
	piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (piddir < 0) {
		if (c->opt->npids) {
			snprintf(logpath, sizeof(logpath), "/proc/%d", (int)pid);
			snap_log_error(log, logpath, errno, is_gone(errno) ? "not running" : NULL);
		}
		return 0;
	}
	if (read_file_at(piddir, "comm", 64, &comm, &err) < 0 ||
	    read_file_at(piddir, "stat", 4096, &stat, &err) < 0)
		goto out;   /* exited before we looked: not part of the scene */
	while (comm.len && comm.buf[comm.len - 1] == '\n')
		comm.buf[--comm.len] = '\0';
	if (!proc_selected(c->opt, pid, comm.buf))
		goto out;
	if (!c->opt->kthreads && (stat_flags(stat.buf) & PF_KTHREAD) && !c->opt->npids)
		goto out;
	r = proc_one(c, pid, piddir, comm.buf, prefix, mtime, log, ns, st);
out:
	close(piddir);
	strbuf_release(&comm);
	strbuf_release(&stat);
	return r;
}

int proc_scan(struct collector *c, const char *prefix, int64_t mtime, struct snap_log *log,
	      struct netns_set *ns, struct proc_scan_stats *st)
{
	int procfd, r = 0;
	DIR *dir;
	struct dirent *de;
	size_t i;

	memset(st, 0, sizeof(*st));
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0) {
		snap_log_error(log, "/proc", errno, NULL);
		return 0;
	}
	if (c->opt->npids && !c->opt->ncomms) {
		for (i = 0; i < c->opt->npids && !r; i++)
			r = proc_consider(c, procfd, c->opt->pids[i], prefix, mtime, log, ns, st);
		close(procfd);
		return r;
	}
	dir = fdopendir(dup(procfd));
	if (!dir) {
		snap_log_error(log, "/proc", errno, NULL);
		close(procfd);
		return 0;
	}
	while (!r && (de = readdir(dir)) != NULL) {
		uint64_t pid;

		if (num_u64_str(de->d_name, 10, &pid) < 0 || pid == 0 || pid > 0x7fffffff)
			continue;
		if (c->stop && *c->stop > 1)
			break;   /* asked twice: get out now */
		r = proc_consider(c, procfd, (pid_t)pid, prefix, mtime, log, ns, st);
	}
	closedir(dir);
	close(procfd);
	return r;
}
