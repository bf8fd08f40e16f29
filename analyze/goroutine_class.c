/* goroutine_class: classifying goroutines; see goroutine_class.h. */
#include "goroutine_class.h"

#include <string.h>

static int starts(const char *s, const char *prefix)
{
	return s && !strncmp(s, prefix, strlen(prefix));
}

/* Functions a goroutine blocked on a lock is inside, outermost API first. */
static const char *const lock_funcs[] = {
	"sync.(*RWMutex).RLock", "sync.(*RWMutex).Lock", "sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow",
	"internal/sync.(*Mutex).Lock", "internal/sync.(*Mutex).lockSlow", "sync.(*Cond).Wait",
};

static const char *const lock_runtime[] = {
	"sync.runtime_SemacquireMutex", "sync.runtime_SemacquireRWMutexR", "sync.runtime_SemacquireRWMutex",
	"internal/sync.runtime_SemacquireMutex", "sync.runtime_notifyListWait",
};

/* Libraries whose frames are not "the application" even though they are
 * not the standard library: the owner of the code cannot change them. */
static const char *const library_prefixes[] = {
	"golang.org/x/", "google.golang.org/grpc", "google.golang.org/protobuf", "github.com/golang/protobuf",
	"go.opentelemetry.io/", "github.com/prometheus/client_golang",
};

static const char *frame_func(const struct sm_frame *f)
{
	return f->func ? f->func : "";
}

/* The package path of a symbol: "net/http.(*conn).serve" -> "net/http". */
static size_t package_len(const char *func)
{
	const char *slash = strrchr(func, '/');
	const char *dot = strchr(slash ? slash : func, '.');

	return dot ? (size_t)(dot - func) : strlen(func);
}

int goroutine_is_app_func(const char *func)
{
	size_t plen, i;
	const char *first_slash;

	if (!func || !*func)
		return 0;
	plen = package_len(func);
	if (plen == 4 && !strncmp(func, "main", 4))
		return 1;
	for (i = 0; i < sizeof(library_prefixes) / sizeof(library_prefixes[0]); i++)
		if (starts(func, library_prefixes[i]))
			return 0;
	/* The standard library's first path element has no dot. */
	first_slash = memchr(func, '/', plen);
	return memchr(func, '.', first_slash ? (size_t)(first_slash - func) : plen) != NULL;
}

static int any_frame(const struct sm_frame *frames, size_t n, const char *prefix)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (starts(frame_func(&frames[i]), prefix))
			return 1;
	return 0;
}

/* The API the code called (RLock, Lock) rather than the slow path under it. */
static const char *find_lock(const struct sm_frame *frames, size_t n)
{
	size_t i, k;

	for (k = 0; k < sizeof(lock_funcs) / sizeof(lock_funcs[0]); k++)
		for (i = 0; i < n; i++)
			if (!strcmp(frame_func(&frames[i]), lock_funcs[k]))
				return frames[i].func;
	return NULL;
}

static int has_lock_runtime(const struct sm_frame *frames, size_t n)
{
	size_t i, k;

	for (i = 0; i < n && i < 4; i++)
		for (k = 0; k < sizeof(lock_runtime) / sizeof(lock_runtime[0]); k++)
			if (!strcmp(frame_func(&frames[i]), lock_runtime[k]))
				return 1;
	return 0;
}

static const char *wait_from_state(const char *st)
{
	if (!st)
		return NULL;
	if (starts(st, "IO wait"))
		return "netpoll";
	if (starts(st, "chan "))
		return "chan";
	if (starts(st, "select"))
		return "select";
	if (starts(st, "sleep"))
		return "sleep";
	if (starts(st, "syscall"))
		return "syscall";
	if (starts(st, "running") || starts(st, "runnable"))
		return "running";
	/* Go 1.24 names the lock in the wait reason: [sync.Mutex.Lock] */
	if (starts(st, "sync.Mutex.Lock") || starts(st, "sync.RWMutex."))
		return "lock";
	if (starts(st, "sync.WaitGroup.Wait"))
		return "waitgroup";
	if (starts(st, "sync.Cond.Wait"))
		return "lock";
	return NULL;
}

/* Innermost frames decide for dumps without states (debug=1, proto). */
static const char *wait_from_frames(const struct sm_frame *frames, size_t n)
{
	if (any_frame(frames, n < 6 ? n : 6, "internal/poll.runtime_pollWait"))
		return "netpoll";
	if (any_frame(frames, n < 4 ? n : 4, "runtime.selectgo"))
		return "select";
	if (any_frame(frames, n < 4 ? n : 4, "runtime.chanrecv") || any_frame(frames, n < 4 ? n : 4, "runtime.chansend"))
		return "chan";
	if (any_frame(frames, n < 4 ? n : 4, "time.Sleep"))
		return "sleep";
	if (any_frame(frames, n < 4 ? n : 4, "syscall.") || any_frame(frames, n < 4 ? n : 4, "runtime/internal/syscall."))
		return "syscall";
	return NULL;
}

static const char *role_of(const struct sm_frame *frames, size_t n)
{
	if (any_frame(frames, n, "net/http.(*persistConn).readLoop") ||
	    any_frame(frames, n, "net/http.(*persistConn).writeLoop"))
		return "http_client";
	if (any_frame(frames, n, "net/http.(*conn).serve"))
		return "http_server";
	if (any_frame(frames, n, "google.golang.org/grpc/internal/transport.(*http2Client)") ||
	    any_frame(frames, n, "google.golang.org/grpc/internal/transport.newHTTP2Client"))
		return "grpc_client";
	if (any_frame(frames, n, "google.golang.org/grpc/internal/transport.(*http2Server)") ||
	    any_frame(frames, n, "google.golang.org/grpc.(*Server).serveStreams"))
		return "grpc_server";
	return NULL;
}

static long app_frame(const struct sm_frame *frames, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (goroutine_is_app_func(frames[i].func))
			return (long)i;
	return -1;
}

void goroutine_classify(const char *state, const struct sm_frame *frames, size_t n, struct gr_class *out)
{
	const char *lock = find_lock(frames, n);
	const char *w = wait_from_state(state);

	out->lock_func = NULL;
	if (!w && (lock || has_lock_runtime(frames, n) || (state && starts(state, "semacquire")))) {
		w = any_frame(frames, n, "sync.(*WaitGroup).Wait") ? "waitgroup" : "lock";
	}
	if (!w)
		w = wait_from_frames(frames, n);
	if (w && !strcmp(w, "lock"))
		out->lock_func = lock;
	out->wait_kind = w ? w : "other";
	out->role = role_of(frames, n);
	out->app = app_frame(frames, n);
}
