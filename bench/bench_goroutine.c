/*
 * bench_goroutine: how fast parse_goroutine_text reads a large debug=2 dump.
 *
 * Generates in memory a dump of about SIZE MiB (default 100) made of
 * realistic goroutines of a leaking net/http service (Go 1.21+ text: "{...}"
 * and "?" arguments, "created by ... in goroutine N", wait minutes, a few
 * locked threads), each with its own id, then times the parser over it
 * RUNS times (default 5) and prints the best and median throughput and the
 * memory the parse added to the process's peak RSS.
 *
 *   bench_goroutine [SIZE_MIB [RUNS]]
 *
 * Output (one line each, for bench/bench_goroutine.sh):
 *   goroutines N frames N bytes N
 *   best_mbps X median_mbps X
 *   rss_before_kib N rss_after_kib N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "parse_goroutine.h"

struct tally {
	uint64_t goroutines, frames;
};

static int count_row(void *ctx, const struct sm_goroutine_row *r)
{
	struct tally *t = ctx;

	t->goroutines++;
	t->frames += r->nframes;
	return 0;
}

/* Stacks of a leaking HTTP client/server, as Go 1.22+ prints them. */
#define STACK0 \
	"goroutine %lu [IO wait, %lu minutes]:\n" \
	"internal/poll.runtime_pollWait(0x7f3a1c5e8e28, 0x72)\n" \
	"\t/usr/lib/go/src/runtime/netpoll.go:345 +0x85\n" \
	"internal/poll.(*pollDesc).wait(0xc000%06lx?, 0xc0003a2000?, 0x0)\n" \
	"\t/usr/lib/go/src/internal/poll/fd_poll_runtime.go:84 +0x27\n" \
	"internal/poll.(*pollDesc).waitRead(...)\n" \
	"\t/usr/lib/go/src/internal/poll/fd_poll_runtime.go:89\n" \
	"internal/poll.(*FD).Read(0xc000%06lx, {0xc0003a2000, 0x1000, 0x1000})\n" \
	"\t/usr/lib/go/src/internal/poll/fd_unix.go:164 +0x27a\n" \
	"net.(*netFD).Read(0xc000%06lx, {0xc0003a2000?, 0xc000521a80?, 0x4a3e0d?})\n" \
	"\t/usr/lib/go/src/net/fd_posix.go:55 +0x25\n" \
	"net.(*conn).Read(0xc00005a0e8, {0xc0003a2000?, 0x0?, 0xc000521b18?})\n" \
	"\t/usr/lib/go/src/net/net.go:179 +0x45\n" \
	"net/http.(*persistConn).Read(0xc00021e5a0, {0xc0003a2000?, 0x45a2e0?, 0xc000521c20?})\n" \
	"\t/usr/lib/go/src/net/http/transport.go:1954 +0x4a\n" \
	"bufio.(*Reader).fill(0xc0002a4a20)\n" \
	"\t/usr/lib/go/src/bufio/bufio.go:113 +0x103\n" \
	"bufio.(*Reader).Peek(0xc0002a4a20, 0x1)\n" \
	"\t/usr/lib/go/src/bufio/bufio.go:151 +0x53\n" \
	"net/http.(*persistConn).readLoop(0xc00021e5a0)\n" \
	"\t/usr/lib/go/src/net/http/transport.go:2118 +0x1b9\n" \
	"created by net/http.(*Transport).dialConn in goroutine %lu\n" \
	"\t/usr/lib/go/src/net/http/transport.go:1776 +0x169f\n" \
	"\n"

#define STACK1 \
	"goroutine %lu [select, %lu minutes]:\n" \
	"net/http.(*persistConn).writeLoop(0xc000%06lx)\n" \
	"\t/usr/lib/go/src/net/http/transport.go:2421 +0xe5\n" \
	"created by net/http.(*Transport).dialConn in goroutine %lu\n" \
	"\t/usr/lib/go/src/net/http/transport.go:1777 +0x16f1\n" \
	"\n"

#define STACK2 \
	"goroutine %lu [sync.Mutex.Lock, %lu minutes]:\n" \
	"internal/sync.runtime_SemacquireMutex(0xc000%06lx?, 0x0?, 0x0?)\n" \
	"\t/usr/lib/go/src/runtime/sema.go:95 +0x25\n" \
	"internal/sync.(*Mutex).lockSlow(0xc0000a2004)\n" \
	"\t/usr/lib/go/src/internal/sync/mutex.go:149 +0x15d\n" \
	"internal/sync.(*Mutex).Lock(...)\n" \
	"\t/usr/lib/go/src/internal/sync/mutex.go:70\n" \
	"sync.(*Mutex).Lock(...)\n" \
	"\t/usr/lib/go/src/sync/mutex.go:46\n" \
	"example.com/leaky/store.(*Cache).Get(0xc0000a2000, {0xc000%06lx, 0x24})\n" \
	"\t/src/leaky/store/cache.go:88 +0x58\n" \
	"example.com/leaky/api.(*Server).handleGet(0xc000132000, {0x9b4e60, 0xc0001c81c0}, 0xc000%06lx)\n" \
	"\t/src/leaky/api/server.go:141 +0x1a5\n" \
	"net/http.HandlerFunc.ServeHTTP(0x0?, {0x9b4e60?, 0xc0001c81c0?}, 0x0?)\n" \
	"\t/usr/lib/go/src/net/http/server.go:2171 +0x29\n" \
	"net/http.serverHandler.ServeHTTP({0xc0001b0c90?}, {0x9b4e60?, 0xc0001c81c0?}, 0x6?)\n" \
	"\t/usr/lib/go/src/net/http/server.go:3142 +0x8e\n" \
	"net/http.(*conn).serve(0xc0001c6000, {0x9b5a38, 0xc0001b0ba0})\n" \
	"\t/usr/lib/go/src/net/http/server.go:2044 +0x5e8\n" \
	"created by net/http.(*Server).Serve in goroutine %lu\n" \
	"\t/usr/lib/go/src/net/http/server.go:3290 +0x4b4\n" \
	"\n"

#define STACK3 \
	"goroutine %lu [chan receive, %lu minutes, locked to thread]:\n" \
	"example.com/leaky/worker.(*Pool).run.func1()\n" \
	"\t/src/leaky/worker/pool.go:52 +0x3c\n" \
	"created by example.com/leaky/worker.(*Pool).run in goroutine %lu\n" \
	"\t/src/leaky/worker/pool.go:49 +0x8a\n" \
	"\n"

/* Append goroutines to buf until it holds about `want` bytes. */
static size_t generate(char *buf, size_t cap, size_t want)
{
	size_t n = 0;
	unsigned long id = 1;

	while (n < want) {
		unsigned long a = id % 60, b = id & 0xffffff, c = (id * 7) & 0xffffff;
		unsigned long d = (id * 13) & 0xffffff, parent = id / 2 + 1;
		int w;

		/* 3/4 client connections (read + write loops), 1/6 handlers on a
		 * mutex, 1/12 pool workers. */
		switch (id % 12) {
		case 3:
			w = snprintf(buf + n, cap - n, STACK3, id, a, parent);
			break;
		case 7:
		case 11:
			w = snprintf(buf + n, cap - n, STACK2, id, a, b, c, d, parent);
			break;
		default:
			if (id % 2)
				w = snprintf(buf + n, cap - n, STACK1, id, a, b, parent);
			else
				w = snprintf(buf + n, cap - n, STACK0, id, a, b, c, d, parent);
			break;
		}
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
		id++;
	}
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100;
	int runs = argc > 2 ? atoi(argv[2]) : 5, i;
	size_t want = mib << 20, len;
	char *buf;
	double *mbps;
	long before;
	struct tally t = { 0, 0 };
	struct sm_sink sink;

	if (mib == 0 || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_goroutine [SIZE_MIB [RUNS]]\n");
		return 2;
	}
	buf = malloc(want + 4096);
	mbps = calloc((size_t)runs, sizeof(*mbps));
	if (!buf || !mbps) {
		fprintf(stderr, "bench_goroutine: out of memory\n");
		return 1;
	}
	len = generate(buf, want + 4096, want);
	before = max_rss_kib();
	memset(&sink, 0, sizeof(sink));
	sink.ctx = &t;
	sink.goroutine = count_row;
	for (i = 0; i < runs; i++) {
		double t0;

		t.goroutines = t.frames = 0;
		t0 = now();
		if (parse_goroutine_text(buf, len, &sink) != 0) {
			fprintf(stderr, "bench_goroutine: parse failed\n");
			return 1;
		}
		mbps[i] = (double)len / 1e6 / (now() - t0);
	}
	qsort(mbps, (size_t)runs, sizeof(*mbps), cmp_double);
	printf("goroutines %llu frames %llu bytes %zu\n", (unsigned long long)t.goroutines,
	       (unsigned long long)t.frames, len);
	printf("best_mbps %.0f median_mbps %.0f\n", mbps[runs - 1], mbps[runs / 2]);
	printf("rss_before_kib %ld rss_after_kib %ld\n", before, max_rss_kib());
	free(buf);
	free(mbps);
	return 0;
}
