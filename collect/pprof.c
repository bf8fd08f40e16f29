/* pprof: goroutine dumps fetched by one worker per target; see pprof.h. */
#include "pprof.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "http_get.h"
#include "json.h"
#include "numparse.h"

struct pprof_target {
	pid_t pid;                /* 0: resolve from the listening port */
	char spec[600];
	struct http_url url;
	int no_leak_profile;      /* goroutineleak answered 404 once (worker only) */
	struct pprof *p;          /* set by pprof_start, for the worker */
	pthread_t thread;
	int running;              /* the worker was started */
	int requested, busy;      /* under p->lock */
	pid_t last_pid;           /* under p->lock: what the last round resolved */
};

struct pprof_fetch {
	struct pprof_fetch *next;
	pid_t pid;
	char what[32];            /* goroutine-debug1, goroutine-debug2, goroutineleak */
	char url[1400];
	struct strbuf body;
	struct http_result res;
	struct clock_set t0, t1;
	int64_t total;            /* "goroutine profile: total N", or -1 */
	const char *skipped;      /* not fetched, and why */
};

struct pprof_name {
	pid_t pid;
	char what[32];
	unsigned used;
};

struct pprof {
	struct pprof_target *t;   /* not moved once the workers run */
	size_t n;
	struct pprof_options o;
	pthread_mutex_t lock;
	pthread_cond_t cond;      /* a request, the end of a round, or quit */
	int started, quit;
	volatile sig_atomic_t abort_flag;
	struct pprof_fetch *done, **done_tail;
	/* Main thread only: the dump names used in the snapshot being written
	 * (and appended to), so that no name repeats in one snapshot. */
	char names_prefix[64];
	struct pprof_name *names;
	size_t nnames;
};

/* The waits are timed on the monotonic clock: a wall clock step must not
 * stretch the wait for the final round. */
static struct pprof *pprof_new(void)
{
	struct pprof *p = xcalloc(1, sizeof(*p));
	pthread_condattr_t ca;

	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	p->done_tail = &p->done;
	return p;
}

int pprof_add_target(struct pprof **pp, const char *spec)
{
	struct pprof *p = *pp;
	struct pprof_target t;
	const char *eq = strchr(spec, '=');
	const char *url = spec;
	uint64_t pid = 0;

	memset(&t, 0, sizeof(t));
	if (p && p->n >= PPROF_MAX_TARGETS) {
		fprintf(stderr, "sockmortem-collect: --pprof '%s': at most %d targets\n", spec, PPROF_MAX_TARGETS);
		return -1;
	}
	assert(!p || !p->started);
	if (eq && strncmp(spec, "http://", 7)) {
		if (num_u64(spec, (size_t)(eq - spec), 10, &pid) < 0 || !pid || pid > 0x7fffffff) {
			fprintf(stderr, "sockmortem-collect: --pprof '%s': expected PID=URL or URL\n", spec);
			return -1;
		}
		url = eq + 1;
	}
	if (http_parse_url(url, &t.url) < 0) {
		fprintf(stderr, "sockmortem-collect: --pprof '%s': not a plain http:// URL\n", spec);
		return -1;
	}
	t.pid = (pid_t)pid;
	snprintf(t.spec, sizeof(t.spec), "%s", spec);
	if (!p) {
		p = pprof_new();
		*pp = p;
	}
	p->t = xreallocarray(p->t, p->n + 1, sizeof(*p->t));
	p->t[p->n++] = t;
	return 0;
}

int pprof_has_targets(const struct pprof *p)
{
	return p && p->n;
}

void pprof_targets_json(const struct pprof *p, struct strbuf *sb)
{
	size_t i;

	for (i = 0; p && i < p->n; i++) {
		if (i)
			strbuf_addch(sb, ',');
		json_cstr(sb, p->t[i].spec);
	}
}

unsigned pprof_round_bound_ms(const struct pprof *p)
{
	/* Three requests, each bounded by the timeout (the connect is part of
	 * it; counted again for slack), and the /proc walk for the pid. */
	return 3 * (p->o.timeout_ms + p->o.connect_ms) + 1000;
}

/* The inode of a socket listening on port, from /proc/net/tcp and tcp6. */
static uint64_t listen_inode(unsigned port)
{
	static const char *const tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	size_t i;

	for (i = 0; i < 2; i++) {
		FILE *f = fopen(tables[i], "re");
		char line[512];

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned lport, st;
			unsigned long long ino;
			char laddr[64];

			/* sl local rem st tx:rx tr:tm retr uid timeout inode */
			if (sscanf(line, " %*u: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %llu",
				   laddr, &lport, &st, &ino) == 4 && st == 0x0A && lport == port && ino) {
				fclose(f);
				return ino;
			}
		}
		fclose(f);
	}
	return 0;
}

/* The process holding socket inode ino (first found); 0 if none, or if
 * *abort_flag is raised meanwhile (a host with many fds takes a while). */
static pid_t inode_owner(uint64_t ino, volatile sig_atomic_t *abort_flag)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	char want[48];
	pid_t found = 0;

	if (!proc)
		return 0;
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)ino);
	while (!found && !*abort_flag && (de = readdir(proc)) != NULL) {
		char path[64], target[64];
		uint64_t pid;
		DIR *fds;
		struct dirent *fe;

		if (num_u64_str(de->d_name, 10, &pid) < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%llu/fd", (unsigned long long)pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fe = readdir(fds)) != NULL) {
			ssize_t n = readlinkat(dirfd(fds), fe->d_name, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				if (!strcmp(target, want)) {
					found = (pid_t)pid;
					break;
				}
			}
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

static int64_t goroutine_total(const struct strbuf *b)
{
	const char *p = memmem(b->buf, b->len < 4096 ? b->len : 4096, "profile: total ", 15);
	uint64_t v;

	if (!p)
		return -1;
	p += 15;
	return num_u64(p, strcspn(p, "\r\n"), 10, &v) == 0 ? (int64_t)v : -1;
}

static struct pprof_fetch *fetch_new(pid_t pid, const char *what)
{
	struct pprof_fetch *f = xcalloc(1, sizeof(*f));

	f->pid = pid;
	snprintf(f->what, sizeof(f->what), "%s", what);
	strbuf_init(&f->body, 0);
	f->total = -1;
	return f;
}

#define PPROF_DEBUG1 "/debug/pprof/goroutine?debug=1"

static void fetch_url(struct pprof_fetch *f, const struct pprof_target *t, const char *suffix)
{
	snprintf(f->url, sizeof(f->url), "http://%s:%s%s%s", t->url.host, t->url.port, t->url.path, suffix);
}

/* A fetch not made: recorded with why, taking no time. */
static void fetch_skip(struct pprof_fetch *f, const char *why)
{
	f->skipped = why;
	clock_now(&f->t0);
	f->t1 = f->t0;
}

static void fetch_one(struct pprof *p, struct pprof_target *t, struct pprof_fetch *f, const char *suffix)
{
	fetch_url(f, t, suffix);
	clock_now(&f->t0);
	http_get(&t->url, suffix, p->o.connect_ms, p->o.timeout_ms, p->o.max_body, &p->abort_flag,
		 &f->body, &f->res);
	clock_now(&f->t1);
}

/* Queues a finished fetch for the next write; the caller holds p->lock. */
static void fetch_queue_locked(struct pprof *p, struct pprof_fetch *f)
{
	*p->done_tail = f;
	p->done_tail = &f->next;
}

static void fetch_done(struct pprof *p, struct pprof_fetch *f)
{
	pthread_mutex_lock(&p->lock);
	fetch_queue_locked(p, f);
	pthread_mutex_unlock(&p->lock);
}

/* The pid a target's dumps belong to: given, or the port's listener now. */
static pid_t target_pid(struct pprof *p, const struct pprof_target *t)
{
	uint64_t port = 0, ino;

	if (t->pid)
		return t->pid;
	num_u64_str(t->url.port, 10, &port);
	ino = listen_inode((unsigned)port);
	return ino ? inode_owner(ino, &p->abort_flag) : 0;
}

/* One round for one target, in its worker. */
static void pprof_round(struct pprof *p, struct pprof_target *t)
{
	pid_t pid = target_pid(p, t);
	struct pprof_fetch *f;
	int64_t total;

	pthread_mutex_lock(&p->lock);
	t->last_pid = pid;
	pthread_mutex_unlock(&p->lock);
	if (p->abort_flag)
		return;
	f = fetch_new(pid, "goroutine-debug1");
	fetch_one(p, t, f, PPROF_DEBUG1);
	total = f->res.status == 200 ? goroutine_total(&f->body) : -1;
	f->total = total;
	fetch_done(p, f);
	if ((f->res.error[0] && !f->res.status) || p->abort_flag)
		return;   /* unreachable, or stopping: no more timeouts */
	f = fetch_new(pid, "goroutine-debug2");
	if (total >= 0 && (uint64_t)total < p->o.debug2_max)
		fetch_one(p, t, f, "/debug/pprof/goroutine?debug=2");
	else
		fetch_skip(f, total < 0 ? "debug=1 gave no total" : "too many goroutines (--pprof-debug2-max)");
	fetch_done(p, f);
	if (t->no_leak_profile || p->abort_flag)
		return;
	f = fetch_new(pid, "goroutineleak");
	fetch_one(p, t, f, "/debug/pprof/goroutineleak?debug=1");
	if (f->res.status == 404)
		t->no_leak_profile = 1;
	fetch_done(p, f);
}

/* A target's worker: one round per request, until quit. */
static void *pprof_worker(void *arg)
{
	struct pprof_target *t = arg;
	struct pprof *p = t->p;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!t->requested && !p->quit)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->quit)
			break;
		t->requested = 0;
		t->busy = 1;
		pthread_mutex_unlock(&p->lock);
		pprof_round(p, t);
		pthread_mutex_lock(&p->lock);
		t->busy = 0;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int pprof_start(struct pprof *p, const struct pprof_options *o)
{
	sigset_t all, old;
	size_t i;
	int r = 0;

	p->o = *o;
	/* --pprof-max is shared: each target's share, so that the dumps held
	 * at once stay bounded whatever the number of targets. */
	if (p->n > 1)
		p->o.max_body = o->max_body / p->n > (1u << 20) ? o->max_body / p->n :
				o->max_body < (1u << 20) ? o->max_body : (1u << 20);
	p->started = 1;
	http_hosts_from_files();
	/* The workers inherit a full signal mask, so SIGINT/SIGTERM land on
	 * the main thread and cut its sleep short. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < p->n && !r; i++) {
		p->t[i].p = p;
		if (pthread_create(&p->t[i].thread, NULL, pprof_worker, &p->t[i]) != 0)
			r = -1;
		else
			p->t[i].running = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int pprof_request(struct pprof *p)
{
	size_t i;
	int busy = 0;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->n; i++) {
		struct pprof_target *t = &p->t[i];
		struct pprof_fetch *f;

		if (!t->busy && !t->requested) {
			t->requested = 1;
			continue;
		}
		/* Asking again would only queue behind a hung endpoint: the
		 * round is skipped, and said so in fetches.json. */
		busy++;
		f = fetch_new(t->last_pid, "goroutine-debug1");
		fetch_url(f, t, PPROF_DEBUG1);
		fetch_skip(f, "the previous round is still running");
		fetch_queue_locked(p, f);
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return busy;
}

static int pprof_pending_locked(const struct pprof *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->t[i].busy || p->t[i].requested)
			return 1;
	return 0;
}

void pprof_wait_idle(struct pprof *p, unsigned timeout_ms, volatile sig_atomic_t *stop)
{
	int64_t deadline = (int64_t)(clock_mono_us() / 1000) + timeout_ms;

	pthread_mutex_lock(&p->lock);
	while (pprof_pending_locked(p) && !p->abort_flag && !(stop && *stop)) {
		int64_t now = (int64_t)(clock_mono_us() / 1000), slice;
		struct timespec ts;

		if (now >= deadline)
			break;
		/* Short slices: a signal sets *stop without waking us. */
		slice = deadline - now < 100 ? deadline - now : 100;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)(slice * 1000000);
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
}

void pprof_stop(struct pprof *p)
{
	size_t i;

	if (!p)
		return;
	p->abort_flag = 1;
	pthread_mutex_lock(&p->lock);
	p->quit = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n; i++)
		if (p->t[i].running) {
			pthread_join(p->t[i].thread, NULL);
			p->t[i].running = 0;
		}
}

static void fetch_free(struct pprof_fetch *f)
{
	strbuf_release(&f->body);
	free(f);
}

static const char *fetch_outcome(const struct pprof_fetch *f)
{
	if (f->skipped)
		return "skipped";
	if (f->res.error[0])
		return strstr(f->res.error, "timeout") ? "timeout" : "failed";
	if (f->res.status != 200)
		return "http-error";
	return f->res.truncated ? "truncated" : "ok";
}

static void fetch_json(struct strbuf *sb, const struct pprof_fetch *f, const char *member, int first)
{
	strbuf_addstr(sb, first ? "{" : ",{");
	json_kv_str(sb, "what", f->what, 1);
	json_kv_str(sb, "member", member, 0);
	json_kv_i64(sb, "pid", f->pid, 0);
	json_kv_str(sb, "url", f->url[0] ? f->url : NULL, 0);
	json_kv_str(sb, "outcome", fetch_outcome(f), 0);
	json_kv_i64(sb, "status", f->res.status, 0);
	json_kv_str(sb, "error", f->skipped ? f->skipped : f->res.error[0] ? f->res.error : NULL, 0);
	json_kv_u64(sb, "bytes", f->body.len, 0);
	json_kv_bool(sb, "truncated", f->res.truncated, 0);
	json_kv_i64(sb, "goroutines", f->total, 0);
	json_kv_u64(sb, "us", f->res.us, 0);
	clock_json(sb, "started", &f->t0, 0);
	clock_json(sb, "ended", &f->t1, 0);
	strbuf_addch(sb, '}');
}

static void fetch_step(struct snap_log *log, const struct pprof_fetch *f)
{
	strbuf_addstr(&log->steps, log->nsteps++ ? ",{" : "{");
	json_kv_str(&log->steps, "step", "pprof", 1);
	json_kv_str(&log->steps, "name", f->what, 0);
	json_kv_i64(&log->steps, "pid", f->pid, 0);
	json_kv_str(&log->steps, "outcome", fetch_outcome(f), 0);
	json_kv_u64(&log->steps, "us", f->res.us, 0);
	strbuf_addch(&log->steps, '}');
}

static struct pprof_fetch *pprof_take_done(struct pprof *p)
{
	struct pprof_fetch *list;

	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->lock);
	return list;
}

/*
 * The member name for f's dump in the snapshot prefix: <what>.txt, and
 * <what>.2.txt, ... when two rounds finished between two writes, or the
 * final round's late fetch follows one of the last snapshot's own.
 */
static void pprof_member_name(struct pprof *p, const char *prefix, const struct pprof_fetch *f,
			      char *out, size_t size)
{
	struct pprof_name *nm = NULL;
	size_t i;

	if (strcmp(p->names_prefix, prefix)) {
		snprintf(p->names_prefix, sizeof(p->names_prefix), "%s", prefix);
		p->nnames = 0;
	}
	for (i = 0; i < p->nnames && !nm; i++)
		if (p->names[i].pid == f->pid && !strcmp(p->names[i].what, f->what))
			nm = &p->names[i];
	if (!nm) {
		p->names = xreallocarray(p->names, p->nnames + 1, sizeof(*p->names));
		nm = &p->names[p->nnames++];
		nm->pid = f->pid;
		snprintf(nm->what, sizeof(nm->what), "%s", f->what);
		nm->used = 0;
	}
	if (nm->used++)
		snprintf(out, size, "%s/pprof/%d/%s.%u.txt", prefix, (int)f->pid, f->what, nm->used);
	else
		snprintf(out, size, "%s/pprof/%d/%s.txt", prefix, (int)f->pid, f->what);
}

/*
 * Writes list's dumps under prefix/pprof/<pid>/ and its outcomes, each
 * naming its dump's member, to prefix/pprof/<index> (also at the cap if
 * index_at_cap), logging steps if log is given; frees list. 0, BW_FULL
 * or -1.
 */
static int pprof_write_list(struct collector *c, struct pprof *p, struct pprof_fetch *list,
			    const char *prefix, const char *index, int index_at_cap, int64_t mtime,
			    struct snap_log *log)
{
	struct pprof_fetch *f, *next;
	struct strbuf idx = STRBUF_INIT;
	char member[256];
	int r = 0, n = 0;

	strbuf_addch(&idx, '[');
	for (f = list; f; f = next) {
		int stored = 0;

		next = f->next;
		if (!r && f->res.status == 200 && f->body.len) {
			pprof_member_name(p, prefix, f, member, sizeof(member));
			r = bw_add(c->bw, member, f->t1.wall_ns / 1000000000, f->body.buf, f->body.len);
			stored = !r;
		}
		fetch_json(&idx, f, stored ? member : NULL, n++ == 0);
		if (log)
			fetch_step(log, f);
		fetch_free(f);
	}
	strbuf_addstr(&idx, "]\n");
	if (r >= 0 && (!r || index_at_cap)) {
		int ri;

		snprintf(member, sizeof(member), "%s/pprof/%s", prefix, index);
		ri = bw_add_reserved(c->bw, member, mtime, idx.buf, idx.len);
		r = ri < 0 ? ri : r;
	}
	strbuf_release(&idx);
	return r;
}

int pprof_write(struct collector *c, struct pprof *p, const char *prefix, int64_t mtime, struct snap_log *log)
{
	struct pprof_fetch *list = pprof_take_done(p);

	return list ? pprof_write_list(c, p, list, prefix, "fetches.json", 0, mtime, log) : 0;
}

int pprof_write_after(struct collector *c, struct pprof *p, uint64_t seq)
{
	struct pprof_fetch *list = pprof_take_done(p);
	struct clock_set now;
	char prefix[64];
	int r;

	if (!list)
		return 0;
	clock_now(&now);
	snprintf(prefix, sizeof(prefix), "snap/%06llu", (unsigned long long)seq);
	/* The snapshot's meta.json is on disk already: the index is the only
	 * record of these outcomes, so it goes in even at the cap. */
	r = pprof_write_list(c, p, list, prefix, "fetches-after.json", 1, now.wall_ns / 1000000000, NULL);
	if (r >= 0 && bw_end_frame(c->bw) < 0)
		r = -1;
	return r;
}

void pprof_free(struct pprof *p)
{
	struct pprof_fetch *f, *next;

	if (!p)
		return;
	pprof_stop(p);
	for (f = p->done; f; f = next) {
		next = f->next;
		fetch_free(f);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->names);
	free(p->t);
	free(p);
}
