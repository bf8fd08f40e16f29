/* fuzz_sink: a sink that reads everything and checks rows.h's promises. */
#include "fuzz_sink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sums land here so the compiler cannot drop the reads. */
static volatile unsigned fuzz_sum;
static int fuzz_line_from_one;

void fuzz_fail(const char *what, const char *file, int line)
{
	fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", what, file, line);
	abort();
}

void fuzz_touch_mem(const void *p, size_t n)
{
	const unsigned char *c = p;
	unsigned s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += c[i];
	fuzz_sum += s;
}

size_t fuzz_touch(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	fuzz_touch_mem(s, n + 1);
	return n;
}

static int fuzz_in(const char *s, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return 1;
	return 0;
}

/* rows.h's state names: TCP states, then the unix ones. */
static int fuzz_state_ok(const char *s)
{
	static const char *const states[] = {
		"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
		"NEW_SYN_RECV", "CONNECTED", "UNCONNECTED", "CONNECTING", "DISCONNECTING",
	};
	return fuzz_in(s, states, sizeof(states) / sizeof(states[0]));
}

static int fuzz_port_ok(int64_t p)
{
	return p == SM_NONE || (p >= 0 && p <= 65535);
}

static int fuzz_count_ok(int64_t v)
{
	return v == SM_NONE || v >= 0;
}

static void fuzz_line(uint64_t line)
{
	if (fuzz_line_from_one)
		FUZZ_CHECK(line >= 1);
}

static int fuzz_socket(void *ctx, const struct sm_socket_row *r)
{
	(void)ctx;
	fuzz_line(r->line);
	FUZZ_CHECK(r->proto != NULL);
	FUZZ_CHECK(fuzz_touch(r->proto) > 0);
	if (r->state)
		FUZZ_CHECK(fuzz_state_ok(r->state));
	fuzz_touch(r->local_addr);
	fuzz_touch(r->remote_addr);
	fuzz_touch(r->unix_path);
	fuzz_touch(r->unix_type);
	fuzz_touch(r->comm);
	FUZZ_CHECK(fuzz_port_ok(r->local_port));
	FUZZ_CHECK(fuzz_port_ok(r->remote_port));
	FUZZ_CHECK(fuzz_count_ok(r->tx_queue));
	FUZZ_CHECK(fuzz_count_ok(r->rx_queue));
	FUZZ_CHECK(fuzz_count_ok(r->pid));
	FUZZ_CHECK(fuzz_count_ok(r->fd));
	if (!strcmp(r->proto, "unix"))
		FUZZ_CHECK(r->local_addr == NULL);
	return 0;
}

static int fuzz_fd(void *ctx, const struct sm_fd_row *r)
{
	(void)ctx;
	fuzz_line(r->line);
	fuzz_touch(r->comm);
	fuzz_touch(r->user);
	fuzz_touch(r->fd_text);
	fuzz_touch(r->type);
	fuzz_touch(r->target);
	fuzz_touch(r->proto);
	fuzz_touch(r->local_addr);
	fuzz_touch(r->remote_addr);
	fuzz_touch(r->state);
	FUZZ_CHECK(fuzz_count_ok(r->fd));
	FUZZ_CHECK(fuzz_port_ok(r->local_port));
	FUZZ_CHECK(fuzz_port_ok(r->remote_port));
	if (r->state)
		FUZZ_CHECK(fuzz_state_ok(r->state));
	return 0;
}

static int fuzz_counter(void *ctx, const struct sm_counter_row *r)
{
	(void)ctx;
	fuzz_line(r->line);
	FUZZ_CHECK(r->group != NULL && r->name != NULL);
	fuzz_touch(r->group);
	fuzz_touch(r->name);
	return 0;
}

static void fuzz_warn(void *ctx, uint64_t line, const char *msg)
{
	(void)ctx;
	fuzz_line(line);
	FUZZ_CHECK(msg != NULL);
	fuzz_touch(msg);
}

static int fuzz_goroutine(void *ctx, const struct sm_goroutine_row *r)
{
	size_t i;

	(void)ctx;
	FUZZ_CHECK(r->nframes == 0 || r->frames != NULL);
	/* parse_goroutine.h and parse_pprof.h: at most 4,096 frames. */
	FUZZ_CHECK(r->nframes <= 4096);
	FUZZ_CHECK(r->count >= 0);
	FUZZ_CHECK(fuzz_count_ok(r->id));
	FUZZ_CHECK(fuzz_count_ok(r->wait_minutes));
	for (i = 0; i < r->nframes; i++) {
		FUZZ_CHECK(r->frames[i].func != NULL);
		fuzz_touch(r->frames[i].func);
		fuzz_touch(r->frames[i].file);
	}
	fuzz_touch(r->state);
	fuzz_touch(r->created_by);
	fuzz_touch(r->created_by_file);
	fuzz_touch(r->labels);
	return 0;
}

static int fuzz_packet(void *ctx, const struct sm_packet_row *r)
{
	(void)ctx;
	FUZZ_CHECK(r->family == 4 || r->family == 6);
	FUZZ_CHECK(r->src_addr != NULL && r->dst_addr != NULL);
	fuzz_touch(r->src_addr);
	fuzz_touch(r->dst_addr);
	FUZZ_CHECK(r->src_port >= 0 && r->src_port <= 65535);
	FUZZ_CHECK(r->dst_port >= 0 && r->dst_port <= 65535);
	FUZZ_CHECK(r->flags <= 0xff);
	FUZZ_CHECK(r->payload_len == SM_NONE || r->payload_len >= 0);
	return 0;
}

int fuzz_known(void *ctx, const char *hdr, size_t hlen, const struct sm_line_key *k)
{
	const unsigned char *p = (const unsigned char *)k->p;
	unsigned h = 0;
	size_t i;

	(void)ctx;
	fuzz_touch_mem(hdr, hlen);
	fuzz_touch_mem(k->p, k->len);
	if (k->moving) {
		struct sm_line_span sp;

		memset(&sp, 0, sizeof(sp));
		if (k->moving->span(k->moving_ctx, k, &sp) == 0) {
			FUZZ_CHECK(sp.off <= k->len && sp.len <= k->len - sp.off);
			/* what the span found, read where it is, reads the same */
			FUZZ_CHECK(k->moving->read(k->p + sp.off, NULL, sp.len, &sp) == 0);
			FUZZ_CHECK(k->moving->read(k->p + sp.off, k->p + sp.off, sp.len, &sp) == 0 && !sp.has_values);
		}
	}
	for (i = 0; i < k->len; i++)
		h = h * 31 + p[i];
	return (int)(h >> 3 & 1);
}

size_t fuzz_known_run(void *ctx, const char *next, size_t avail, uint64_t *lines)
{
	const char *nl = memchr(next, '\n', avail);

	(void)ctx;
	*lines = 0;
	fuzz_touch_mem(next, avail);
	if (!nl || (nl - next) % 3)   /* some lines, not all */
		return 0;
	*lines = 1;
	return (size_t)(nl + 1 - next);
}

size_t fuzz_known_next(void *ctx, const char *hdr, size_t hlen, const char *p, size_t avail,
		       const struct sm_line_moving *moving)
{
	const char *nl = memchr(p, '\n', avail);
	size_t len = nl ? (size_t)(nl - p) : avail;

	(void)ctx;
	(void)moving;
	fuzz_touch_mem(hdr, hlen);
	FUZZ_CHECK(avail > 0 && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r');
	fuzz_touch_mem(p, len);
	if (!len || p[len - 1] == '\r' || len % 3 != 1)   /* some lines, not all */
		return 0;
	return len;
}

struct sm_sink fuzz_sink(int line_from_one)
{
	struct sm_sink s;

	fuzz_line_from_one = line_from_one;
	memset(&s, 0, sizeof(s));
	s.socket = fuzz_socket;
	s.fd = fuzz_fd;
	s.counter = fuzz_counter;
	s.warn = fuzz_warn;
	s.goroutine = fuzz_goroutine;
	s.packet = fuzz_packet;
	return s;
}
