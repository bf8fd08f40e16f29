/* rowrec: a sink that records owned copies of what a parser emits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "rowrec.h"
#include "strbuf.h"

#define ROWREC_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const rowrec_tcp_states[] = {
	"ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING",
	"NEW_SYN_RECV",
};

static const char *const rowrec_unix_states[] = {
	"LISTEN", "CONNECTED", "UNCONNECTED", "CONNECTING", "DISCONNECTING",
};

static const char *rowrec_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* arr (n used of *cap elements of size bytes) with room for one more. */
static void *rowrec_grow(void *arr, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : 64;
	return xreallocarray(arr, *cap, size);
}

static int rowrec_stop(const struct rowrec *rec, size_t n)
{
	return rec->stop_at && n == rec->stop_at ? rec->stop_rc : 0;
}

static int rowrec_socket(void *ctx, const struct sm_socket_row *r)
{
	struct rowrec *rec = ctx;
	struct sm_socket_row *d;

	assert_non_null(r->proto);
	if (rec->check_socket)
		rec->check_socket(r);
	rec->rows = rowrec_grow(rec->rows, rec->nrows, &rec->rows_cap, sizeof(*rec->rows));
	d = &rec->rows[rec->nrows++];
	*d = *r;
	d->proto = rowrec_dup(r->proto);
	d->state = rowrec_dup(r->state);
	d->local_addr = rowrec_dup(r->local_addr);
	d->remote_addr = rowrec_dup(r->remote_addr);
	d->unix_path = rowrec_dup(r->unix_path);
	d->unix_type = rowrec_dup(r->unix_type);
	d->comm = rowrec_dup(r->comm);
	return rowrec_stop(rec, rec->nrows);
}

static int rowrec_fd(void *ctx, const struct sm_fd_row *r)
{
	struct rowrec *rec = ctx;
	struct sm_fd_row *d;

	if (rec->check_fd)
		rec->check_fd(r);
	rec->fds = rowrec_grow(rec->fds, rec->nfds, &rec->fds_cap, sizeof(*rec->fds));
	d = &rec->fds[rec->nfds++];
	*d = *r;
	d->comm = rowrec_dup(r->comm);
	d->user = rowrec_dup(r->user);
	d->fd_text = rowrec_dup(r->fd_text);
	d->type = rowrec_dup(r->type);
	d->target = rowrec_dup(r->target);
	d->proto = rowrec_dup(r->proto);
	d->local_addr = rowrec_dup(r->local_addr);
	d->remote_addr = rowrec_dup(r->remote_addr);
	d->state = rowrec_dup(r->state);
	return rowrec_stop(rec, rec->nfds);
}

static int rowrec_counter_cb(void *ctx, const struct sm_counter_row *r)
{
	struct rowrec *rec = ctx;
	struct sm_counter_row *d;

	assert_non_null(r->group);
	assert_non_null(r->name);
	rec->ctrs = rowrec_grow(rec->ctrs, rec->nctrs, &rec->ctrs_cap, sizeof(*rec->ctrs));
	d = &rec->ctrs[rec->nctrs++];
	*d = *r;
	d->group = xstrdup(r->group);
	d->name = xstrdup(r->name);
	return rowrec_stop(rec, rec->nctrs);
}

static void rowrec_warn(void *ctx, uint64_t line, const char *msg)
{
	struct rowrec *rec = ctx;
	size_t cap = rec->warn_cap;

	assert_true(line >= 1);
	assert_non_null(msg);
	/* Two arrays of one capacity: both grow from the same old one. */
	rec->warn_line = rowrec_grow(rec->warn_line, rec->nwarn, &cap, sizeof(*rec->warn_line));
	rec->warn_msg = rowrec_grow(rec->warn_msg, rec->nwarn, &rec->warn_cap, sizeof(*rec->warn_msg));
	rec->warn_line[rec->nwarn] = line;
	rec->warn_msg[rec->nwarn++] = xstrdup(msg);
}

void rowrec_sink(struct rowrec *rec, struct sm_sink *sink)
{
	memset(sink, 0, sizeof(*sink));
	sink->ctx = rec;
	sink->socket = rowrec_socket;
	sink->fd = rowrec_fd;
	sink->counter = rowrec_counter_cb;
	sink->warn = rowrec_warn;
}

static void rowrec_free_sockets(struct rowrec *rec)
{
	size_t i;

	for (i = 0; i < rec->nrows; i++) {
		struct sm_socket_row *r = &rec->rows[i];

		free((char *)r->proto);
		free((char *)r->state);
		free((char *)r->local_addr);
		free((char *)r->remote_addr);
		free((char *)r->unix_path);
		free((char *)r->unix_type);
		free((char *)r->comm);
	}
	free(rec->rows);
}

static void rowrec_free_fds(struct rowrec *rec)
{
	size_t i;

	for (i = 0; i < rec->nfds; i++) {
		struct sm_fd_row *r = &rec->fds[i];

		free((char *)r->comm);
		free((char *)r->user);
		free((char *)r->fd_text);
		free((char *)r->type);
		free((char *)r->target);
		free((char *)r->proto);
		free((char *)r->local_addr);
		free((char *)r->remote_addr);
		free((char *)r->state);
	}
	free(rec->fds);
}

void rowrec_free(struct rowrec *rec)
{
	struct rowrec keep = { 0 };
	size_t i;

	rowrec_free_sockets(rec);
	rowrec_free_fds(rec);
	for (i = 0; i < rec->nctrs; i++) {
		free((char *)rec->ctrs[i].group);
		free((char *)rec->ctrs[i].name);
	}
	free(rec->ctrs);
	for (i = 0; i < rec->nwarn; i++)
		free(rec->warn_msg[i]);
	free(rec->warn_line);
	free(rec->warn_msg);
	keep.stop_at = rec->stop_at;
	keep.stop_rc = rec->stop_rc;
	keep.check_socket = rec->check_socket;
	keep.check_fd = rec->check_fd;
	*rec = keep;
}

struct rowrec *rowrec_new(void)
{
	return xcalloc(1, sizeof(struct rowrec));
}

void rowrec_delete(struct rowrec *rec)
{
	if (!rec)
		return;
	rowrec_free(rec);
	free(rec);
}

int rowrec_run(struct rowrec *rec, rowrec_parse_fn fn, const char *data, size_t len)
{
	struct sm_sink sink;
	char *buf = data ? exact_copy(data, len) : NULL;
	int rc;

	rowrec_sink(rec, &sink);
	rc = fn(buf, len, &sink);
	free(buf);
	return rc;
}

int rowrec_run_str(struct rowrec *rec, rowrec_parse_fn fn, const char *s)
{
	return rowrec_run(rec, fn, s, strlen(s));
}

int rowrec_run_file(struct rowrec *rec, rowrec_parse_fn fn, const char *path)
{
	struct sm_sink sink;
	size_t len;
	char *buf = read_corpus_file(path, &len);
	int rc;

	if (!buf)
		fail_msg("cannot open %s (run the tests from the repository root)", path);
	rowrec_sink(rec, &sink);
	rc = fn(buf, len, &sink);
	free(buf);
	return rc;
}

/*
 * A live tool prints whatever this host holds, which no test controls:
 * its warnings are shown with the line that caused them, so that a CI log
 * says what the parser met, instead of failing on a stranger's socket.
 */
static void rowrec_show_warnings(const struct rowrec *rec, const char *cmd, const char *out,
				 size_t len)
{
	size_t i;

	for (i = 0; i < rec->nwarn; i++) {
		const char *s = out, *end = out + len, *nl;
		uint64_t line = 1;

		while (line < rec->warn_line[i] && (nl = memchr(s, '\n', (size_t)(end - s)))) {
			s = nl + 1;
			line++;
		}
		nl = memchr(s, '\n', (size_t)(end - s));
		print_message("%s: line %llu: %s: %.*s\n", cmd, (unsigned long long)rec->warn_line[i],
			      rec->warn_msg[i], (int)((nl ? nl : end) - s), s);
	}
}

int rowrec_run_command(struct rowrec *rec, rowrec_parse_fn fn, const char *tool, const char *args)
{
	char cmd[256];
	size_t len;
	char *out;
	int rc;

	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", tool, args);
	out = read_command_output(cmd, &len);
	assert_non_null(out);
	rc = rowrec_run(rec, fn, out, len);
	rowrec_show_warnings(rec, cmd, out, len);
	free(out);
	return rc;
}

struct rowrec *rowrec_parse_file(rowrec_parse_fn fn, const char *path, int *rc)
{
	struct rowrec *rec = rowrec_new();

	*rc = rowrec_run_file(rec, fn, path);
	return rec;
}

struct rowrec *rowrec_parse_text(rowrec_parse_fn fn, const char *text, int *rc)
{
	struct rowrec *rec = rowrec_new();

	*rc = rowrec_run_str(rec, fn, text);
	return rec;
}

int rowrec_str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

size_t rowrec_count(const struct rowrec *rec, const char *proto, const char *state)
{
	size_t i, k = 0;

	for (i = 0; i < rec->nrows; i++) {
		const struct sm_socket_row *r = &rec->rows[i];

		if (proto && strcmp(r->proto, proto))
			continue;
		if (state && !rowrec_str_is(r->state, state))
			continue;
		k++;
	}
	return k;
}

const struct sm_socket_row *rowrec_row_at(const struct rowrec *rec, uint64_t line, size_t nth)
{
	size_t i;

	for (i = 0; i < rec->nrows; i++)
		if (rec->rows[i].line == line && nth-- == 0)
			return &rec->rows[i];
	fail_msg("no row %zu at line %llu", nth, (unsigned long long)line);
	return NULL;
}

const struct sm_socket_row *rowrec_row_by_inode(const struct rowrec *rec, uint64_t inode)
{
	size_t i;

	for (i = rec->nrows; i-- > 0;)
		if (rec->rows[i].inode == inode)
			return &rec->rows[i];
	return NULL;
}

const struct sm_counter_row *rowrec_find_counter(const struct rowrec *rec, const char *group,
						 const char *name)
{
	size_t i;

	for (i = 0; i < rec->nctrs; i++)
		if (!strcmp(rec->ctrs[i].group, group) && !strcmp(rec->ctrs[i].name, name))
			return &rec->ctrs[i];
	return NULL;
}

int64_t rowrec_counter(const struct rowrec *rec, const char *group, const char *name)
{
	const struct sm_counter_row *c = rowrec_find_counter(rec, group, name);

	return c ? c->value : SM_NONE;
}

static int rowrec_in(const char *s, const char *const *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return 1;
	return 0;
}

int rowrec_is_tcp_state(const char *s)
{
	return rowrec_in(s, rowrec_tcp_states, ROWREC_COUNT(rowrec_tcp_states));
}

int rowrec_is_unix_state(const char *s)
{
	return rowrec_in(s, rowrec_unix_states, ROWREC_COUNT(rowrec_unix_states));
}

void rowrec_check_listing_socket(const struct sm_socket_row *r)
{
	assert_true(r->line >= 1);
	assert_non_null(r->proto);
	if (r->state)
		assert_true(rowrec_is_tcp_state(r->state) || rowrec_is_unix_state(r->state));
	assert_true(r->local_port == SM_NONE || (r->local_port >= 0 && r->local_port <= 65535));
	assert_true(r->remote_port == SM_NONE || (r->remote_port >= 0 && r->remote_port <= 65535));
	assert_true(r->rx_queue == SM_NONE || r->rx_queue >= 0);
	assert_true(r->tx_queue == SM_NONE || r->tx_queue >= 0);
	assert_true(r->pid == SM_NONE || r->pid >= 0);
	assert_true(r->fd == SM_NONE || r->fd >= 0);
	if (!strcmp(r->proto, "unix")) {
		assert_null(r->local_addr);
		assert_non_null(r->unix_type);
	}
	if (r->local_addr)
		assert_null(strpbrk(r->local_addr, "\r[]%"));
	if (r->comm)
		assert_null(strchr(r->comm, '\r'));
}
