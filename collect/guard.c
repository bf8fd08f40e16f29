/* guard: deadline-bounded reads of /proc files; see guard.h for why. */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * A job is shared by the caller and its thread. Whoever finishes with it
 * last frees it: the thread if the caller gave up (abandoned), otherwise
 * the caller.
 */
struct guard_job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int dirfd;
	char *name;
	size_t max;
	struct strbuf data;
	int err;
	int rc;
	int done;
	int abandoned;
	struct guard_job *next;   /* in the guard's list of stuck jobs */
};

struct guard {
	unsigned timeout_ms;
	unsigned max_stuck;
	struct guard_job *stuck;
};

int read_file_at(int dirfd, const char *name, size_t max, struct strbuf *sb, int *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	size_t got = 0;

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	while (got < max) {
		size_t want = max - got < 65536 ? max - got : 65536;
		ssize_t n;

		strbuf_grow(sb, want);
		n = read(fd, sb->buf + sb->len, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
		got += (size_t)n;
	}
	close(fd);
	return 0;
}

static void job_free(struct guard_job *job)
{
	if (job->dirfd >= 0)
		close(job->dirfd);
	pthread_mutex_destroy(&job->lock);
	pthread_cond_destroy(&job->cond);
	strbuf_release(&job->data);
	free(job->name);
	free(job);
}

static void *guard_thread(void *arg)
{
	struct guard_job *job = arg;
	int rc, err = 0, abandoned;

	rc = read_file_at(job->dirfd, job->name, job->max, &job->data, &err);
	pthread_mutex_lock(&job->lock);
	job->rc = rc;
	job->err = err;
	job->done = 1;
	abandoned = job->abandoned;
	pthread_cond_signal(&job->cond);
	pthread_mutex_unlock(&job->lock);
	if (abandoned == 2)       /* the guard itself is gone */
		job_free(job);
	return NULL;
}

struct guard *guard_new(unsigned timeout_ms, unsigned max_stuck)
{
	struct guard *g = xcalloc(1, sizeof(*g));

	g->timeout_ms = timeout_ms;
	g->max_stuck = max_stuck;
	return g;
}

/* Frees stuck jobs whose threads have finished; returns how many remain. */
static unsigned guard_reap(struct guard *g)
{
	struct guard_job **pp = &g->stuck;
	unsigned n = 0;

	while (*pp) {
		struct guard_job *job = *pp;
		int done;

		pthread_mutex_lock(&job->lock);
		done = job->done;
		pthread_mutex_unlock(&job->lock);
		if (done) {
			*pp = job->next;
			job_free(job);
		} else {
			n++;
			pp = &job->next;
		}
	}
	return n;
}

unsigned guard_stuck(struct guard *g)
{
	return guard_reap(g);
}

int guard_read(struct guard *g, int dirfd, const char *name, size_t max,
	       struct strbuf *sb, int *err)
{
	struct guard_job *job;
	struct timespec deadline;
	pthread_t tid;
	pthread_attr_t attr;
	int rc = 0, timed_out = 0;

	if (guard_reap(g) >= g->max_stuck)
		return GUARD_SKIPPED;
	job = xcalloc(1, sizeof(*job));
	pthread_mutex_init(&job->lock, NULL);
	pthread_cond_init(&job->cond, NULL);
	strbuf_init(&job->data, 0);
	job->name = xstrdup(name);
	job->max = max;
	job->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (job->dirfd < 0) {
		*err = errno;
		job_free(job);
		return -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&tid, &attr, guard_thread, job) != 0) {
		pthread_attr_destroy(&attr);
		/* No thread to spare: read directly rather than lose the data. */
		rc = read_file_at(job->dirfd, name, max, sb, err);
		job_free(job);
		return rc;
	}
	pthread_attr_destroy(&attr);

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += g->timeout_ms / 1000;
	deadline.tv_nsec += (long)(g->timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&job->lock);
	while (!job->done && !timed_out)
		timed_out = pthread_cond_timedwait(&job->cond, &job->lock, &deadline) == ETIMEDOUT;
	if (!job->done) {
		job->abandoned = 1;
		pthread_mutex_unlock(&job->lock);
		job->next = g->stuck;
		g->stuck = job;
		return GUARD_TIMEOUT;
	}
	pthread_mutex_unlock(&job->lock);
	rc = job->rc;
	*err = job->err;
	if (!rc)
		strbuf_add(sb, job->data.buf, job->data.len);
	job_free(job);
	return rc;
}

void guard_free(struct guard *g)
{
	struct guard_job *job, *next;

	if (!g)
		return;
	for (job = g->stuck; job; job = next) {
		int done;

		next = job->next;
		pthread_mutex_lock(&job->lock);
		done = job->done;
		if (!done)
			job->abandoned = 2;
		pthread_mutex_unlock(&job->lock);
		if (done)
			job_free(job);
	}
	free(g);
}
