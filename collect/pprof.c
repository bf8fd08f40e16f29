/* pprof: background goroutine dump fetching; see pprof.h. */
#include "pprof.h"

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
	int no_leak_profile;      /* goroutineleak answered 404 once */
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

struct pprof {
	struct pprof_target *t;
	size_t n;
	struct pprof_options o;
	pthread_t thread;
	int running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int requested, busy, quit;
	volatile sig_atomic_t abort_flag;
	struct pprof_fetch *done, **done_tail;
};

int pprof_add_target(struct pprof **pp, const char *spec)
{
	struct pprof *p = *pp;
	struct pprof_target t;
	const char *eq = strchr(spec, '=');
	const char *url = spec;
	uint64_t pid = 0;

	memset(&t, 0, sizeof(t));
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
		p = xcalloc(1, sizeof(*p));
		pthread_mutex_init(&p->lock, NULL);
		pthread_cond_init(&p->cond, NULL);
		p->done_tail = &p->done;
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
	return (unsigned)(p->n * 3) * (p->o.timeout_ms + p->o.connect_ms) + 1000;
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

/* The process holding socket inode ino (first found). */
static pid_t inode_owner(uint64_t ino)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	char want[48];
	pid_t found = 0;

	if (!proc)
		return 0;
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)ino);
	while (!found && (de = readdir(proc)) != NULL) {
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

static void fetch_one(struct pprof *p, struct pprof_target *t, struct pprof_fetch *f, const char *suffix)
{
	snprintf(f->url, sizeof(f->url), "http://%s:%s%s%s", t->url.host, t->url.port, t->url.path, suffix);
	clock_now(&f->t0);
	http_get(&t->url, suffix, p->o.connect_ms, p->o.timeout_ms, p->o.max_body, &p->abort_flag,
		 &f->body, &f->res);
	clock_now(&f->t1);
}

static void fetch_done(struct pprof *p, struct pprof_fetch *f)
{
	pthread_mutex_lock(&p->lock);
	*p->done_tail = f;
	p->done_tail = &f->next;
	pthread_mutex_unlock(&p->lock);
}

static void pprof_round(struct pprof *p)
{
	size_t i;

	for (i = 0; i < p->n && !p->abort_flag; i++) {
		struct pprof_target *t = &p->t[i];
		pid_t pid = t->pid;
		struct pprof_fetch *f;
		int64_t total;

		if (!pid) {
			uint64_t port = 0, ino;
			num_u64_str(t->url.port, 10, &port);
			ino = listen_inode((unsigned)port);
			pid = ino ? inode_owner(ino) : 0;
		}
		f = fetch_new(pid, "goroutine-debug1");
		fetch_one(p, t, f, "/debug/pprof/goroutine?debug=1");
		total = f->res.status == 200 ? goroutine_total(&f->body) : -1;
		f->total = total;
		fetch_done(p, f);
		if (f->res.error[0] && !f->res.status)
			continue;   /* unreachable: don't pile up more timeouts */
		f = fetch_new(pid, "goroutine-debug2");
		if (total >= 0 && (uint64_t)total < p->o.debug2_max) {
			fetch_one(p, t, f, "/debug/pprof/goroutine?debug=2");
		} else {
			f->skipped = total < 0 ? "debug=1 gave no total" : "too many goroutines (--pprof-debug2-max)";
			clock_now(&f->t0);
			f->t1 = f->t0;
		}
		fetch_done(p, f);
		if (t->no_leak_profile)
			continue;
		f = fetch_new(pid, "goroutineleak");
		fetch_one(p, t, f, "/debug/pprof/goroutineleak?debug=1");
		if (f->res.status == 404)
			t->no_leak_profile = 1;
		fetch_done(p, f);
	}
}

static void *pprof_thread(void *arg)
{
	struct pprof *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->requested && !p->quit)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->quit)
			break;
		p->requested = 0;
		p->busy = 1;
		pthread_mutex_unlock(&p->lock);
		pprof_round(p);
		pthread_mutex_lock(&p->lock);
		p->busy = 0;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int pprof_start(struct pprof *p, const struct pprof_options *o)
{
	p->o = *o;
	if (pthread_create(&p->thread, NULL, pprof_thread, p) != 0)
		return -1;
	p->running = 1;
	return 0;
}

int pprof_request(struct pprof *p)
{
	int busy;

	pthread_mutex_lock(&p->lock);
	busy = p->busy || p->requested;
	if (!busy) {
		p->requested = 1;
		pthread_cond_broadcast(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return busy;
}

void pprof_wait_idle(struct pprof *p, unsigned timeout_ms)
{
	struct timespec dl;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	while ((p->busy || p->requested) && !p->abort_flag)
		if (pthread_cond_timedwait(&p->cond, &p->lock, &dl) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&p->lock);
}

void pprof_abort(struct pprof *p)
{
	if (p)
		p->abort_flag = 1;
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

static void fetch_json(struct strbuf *sb, const struct pprof_fetch *f, int first)
{
	strbuf_addstr(sb, first ? "{" : ",{");
	json_kv_str(sb, "what", f->what, 1);
	json_kv_i64(sb, "pid", f->pid, 0);
	json_kv_str(sb, "url", f->url[0] ? f->url : NULL, 0);
	json_kv_str(sb, "outcome", fetch_outcome(f), 0);
	json_kv_i64(sb, "status", f->res.status, 0);
	json_kv_str(sb, "error", f->skipped ? f->skipped : f->res.error[0] ? f->res.error : NULL, 0);
	json_kv_u64(sb, "bytes", f->body.len, 0);
	json_kv_bool(sb, "truncated", f->res.truncated, 0);
	json_kv_i64(sb, "goroutines", f->total, 0);
	clock_json(sb, "started", &f->t0, 0);
	clock_json(sb, "ended", &f->t1, 0);
	strbuf_addch(sb, '}');
}

int pprof_write(struct collector *c, struct pprof *p, const char *prefix, int64_t mtime, struct snap_log *log)
{
	struct pprof_fetch *list, *f, *next;
	struct strbuf idx = STRBUF_INIT;
	char member[256];
	int r = 0, n = 0;

	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->lock);
	if (!list)
		return 0;
	strbuf_addch(&idx, '[');
	for (f = list; f; f = next) {
		next = f->next;
		if (!r && f->res.status == 200 && f->body.len) {
			snprintf(member, sizeof(member), "%s/pprof/%d/%s.txt", prefix, (int)f->pid, f->what);
			r = bw_add(c->bw, member, f->t1.wall_ns / 1000000000, f->body.buf, f->body.len);
		}
		fetch_json(&idx, f, n++ == 0);
		strbuf_addstr(&log->steps, log->nsteps++ ? ",{" : "{");
		json_kv_str(&log->steps, "step", "pprof", 1);
		json_kv_str(&log->steps, "name", f->what, 0);
		json_kv_i64(&log->steps, "pid", f->pid, 0);
		json_kv_str(&log->steps, "outcome", fetch_outcome(f), 0);
		json_kv_u64(&log->steps, "us", f->res.us, 0);
		strbuf_addch(&log->steps, '}');
		fetch_free(f);
	}
	strbuf_addstr(&idx, "]\n");
	if (!r) {
		snprintf(member, sizeof(member), "%s/pprof/fetches.json", prefix);
		r = bw_add_reserved(c->bw, member, mtime, idx.buf, idx.len);
	}
	strbuf_release(&idx);
	return r;
}

void pprof_free(struct pprof *p)
{
	struct pprof_fetch *f, *next;

	if (!p)
		return;
	if (p->running) {
		p->abort_flag = 1;
		pthread_mutex_lock(&p->lock);
		p->quit = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	for (f = p->done; f; f = next) {
		next = f->next;
		fetch_free(f);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->t);
	free(p);
}
