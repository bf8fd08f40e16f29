/* load_sink: parser rows into ingest; see load_sink.h. */
#include "load_sink.h"

#include <stdio.h>
#include <string.h>

#define SINK_AHEAD 8

void load_sink_init(struct load_sink *ls, struct load *ld, const char *path, int64_t netns)
{
	memset(ls, 0, sizeof(*ls));
	ls->ld = ld;
	ls->path = path;
	ls->netns = netns;
	ls->synth_fd = -1;
}

static void sink_warn(void *ctx, uint64_t line, const char *msg)
{
	struct load_sink *ls = ctx;

	if (++ls->warnings <= SINK_NOTES_MAX)
		ingest_note(ls->ld->ing, ls->path, (int64_t)line, "warning", msg);
}

/* A process named by a loose capture: pid (and comm) only. */
static int64_t sink_owner(struct load_sink *ls, int64_t pid, const char *comm, int64_t uid)
{
	struct ingest_process_info pi;

	memset(&pi, 0, sizeof(pi));
	pi.pid = pid;
	pi.start_ticks = SM_NONE;
	pi.comm = comm;
	pi.uid = uid;
	pi.netns = ls->netns;
	pi.threads = pi.rss_kb = pi.nofile_soft = pi.nofile_hard = SM_NONE;
	return ingest_process(ls->ld->ing, &pi);
}

/*
 * The row of the line just parsed is in: the memo learns what the line
 * made, for next time. A line that warned is parsed every time, so that
 * it warns every time.
 */
static void sink_remember(struct load_sink *ls)
{
	union {
		struct ingest_socket_ref sock;
		struct ingest_fd_ref fd;
	} ref;
	struct sm_line_span sp = { 0, 0, 0, 0, 0, 0 };
	const struct sm_line_key *k = &ls->pending;

	if (!k->p)
		return;
	if (ls->warnings == ls->pending_warnings) {
		if (k->moving && k->moving->span(k->moving_ctx, k, &sp) < 0)
			sp.len = 0;   /* compared whole next time */
		if (ls->process_id) {
			ingest_fd_last(ls->ld->ing, &ref.fd);
			if (ref.fd.is_socket >= 0)
				row_memo_put(ls->memo, k, &sp, &ref.fd);
		} else {
			ingest_socket_last(ls->ld->ing, &ref.sock);
			if (ref.sock.id)
				row_memo_put(ls->memo, k, &sp, &ref.sock);
		}
	}
	ls->pending.p = NULL;
}

static int sink_socket(void *ctx, const struct sm_socket_row *r)
{
	struct load_sink *ls = ctx;
	struct sm_fd_row fr;
	int64_t owner;
	char target[48];

	ls->rows++;
	if (ingest_socket(ls->ld->ing, ls->netns, r) < 0) {
		ls->failed = 1;
		return -1;
	}
	sink_remember(ls);
	/* ss -p and netstat -p name the owner: record it as an fd so that
	 * ownership works the same as for a bundle. (lsof's socket rows come
	 * with fd rows of their own.) */
	if (!ls->owners_from_sockets || r->pid == SM_NONE || r->pid <= 0)
		return 0;
	owner = sink_owner(ls, r->pid, r->comm, SM_NONE);
	if (owner < 0) {
		ls->failed = 1;
		return -1;
	}
	sm_fd_row_init(&fr);
	fr.pid = r->pid;
	fr.fd = r->fd != SM_NONE ? r->fd : ls->synth_fd--;
	fr.type = "socket";
	fr.inode = r->inode;
	snprintf(target, sizeof(target), "socket:[%llu]", (unsigned long long)r->inode);
	fr.target = target;
	if (ingest_socket_owner(ls->ld->ing, owner, ls->netns, &fr) < 0) {
		ls->failed = 1;
		return -1;
	}
	return 0;
}

/* An fd listing's line known (alone or in a run, row_memo_run): its fd seen again. */
static int sink_take_fd(void *ctx, const void *ref)
{
	struct load_sink *ls = ctx;

	if (!ingest_fd_again(ls->ld->ing, ls->process_id, ls->netns, ref))
		return 0;
	ls->rows++;
	return 1;
}

/* A table's line found: its socket seen again, unless ingest refuses
 * (then the line is parsed). */
static int sink_socket_again(struct load_sink *ls, const struct sm_line_key *key, const void *ref,
			     const struct sm_line_span *sp)
{
	/* A table's sockets are in no order in memory: the one a few lines
	 * on is asked for now, so that waits overlap. */
	const void *ahead = row_memo_peek(ls->memo, SINK_AHEAD);
	struct ingest_socket_ref sref;

	if (ahead)
		ingest_socket_prefetch(ls->ld->ing, ahead);
	memcpy(&sref, ref, sizeof(sref));
	if (!ingest_socket_again(ls->ld->ing, &sref, sp->has_values ? sp : NULL))
		return 0;
	ls->rows++;
	row_memo_put(ls->memo, key, sp, &sref);
	return 1;
}

/* A line as it was last time: the socket (or fd, in a process's fd
 * listing) it made is seen again. */
static int sink_known(void *ctx, const char *hdr, size_t hlen, const struct sm_line_key *key)
{
	struct load_sink *ls = ctx;
	const void *ref;
	struct sm_line_span sp;
	int refused;

	ls->pending.p = NULL;
	refused = ls->refused == key->p;   /* found by known_next, refused: parsed */
	ls->refused = NULL;
	if (!ls->memo)
		return 0;
	ref = refused ? NULL : row_memo_get(ls->memo, hdr, hlen, key, &sp);
	if (ref && ls->process_id && sink_take_fd(ls, ref)) {
		row_memo_put(ls->memo, key, &sp, ref);
		return 1;
	}
	if (ref && !ls->process_id && sink_socket_again(ls, key, ref, &sp))
		return 1;
	ls->pending = *key;
	ls->pending_warnings = ls->warnings;
	return 0;
}

/* A table's line where the line expected next is (sm_sink.known_next). */
static size_t sink_known_next(void *ctx, const char *hdr, size_t hlen, const char *p, size_t avail,
			      const struct sm_line_moving *moving)
{
	struct load_sink *ls = ctx;
	struct sm_line_key key = { p, 0, moving, NULL };
	struct sm_line_span sp;
	const void *ref;

	if (!ls->memo || ls->process_id)
		return 0;
	ref = row_memo_next(ls->memo, hdr, hlen, p, avail, moving, &key.len, &sp);
	if (!ref)
		return 0;
	if (sink_socket_again(ls, &key, ref, &sp))
		return key.len;
	ls->refused = p;   /* the known() to come for this line says no */
	return 0;
}

static size_t sink_known_run(void *ctx, const char *next, size_t avail, uint64_t *lines)
{
	struct load_sink *ls = ctx;

	*lines = 0;
	return ls->memo && ls->process_id ? row_memo_run(ls->memo, next, avail, sink_take_fd, ls, lines) : 0;
}

static int sink_fd(void *ctx, const struct sm_fd_row *r)
{
	struct load_sink *ls = ctx;
	int64_t owner = ls->process_id;

	ls->rows++;
	if (!owner) {
		if (r->pid == SM_NONE || r->pid <= 0)
			return 0;
		owner = sink_owner(ls, r->pid, r->comm, r->uid);
		if (owner < 0) {
			ls->failed = 1;
			return -1;
		}
	}
	if (ingest_fd(ls->ld->ing, owner, ls->netns, r) < 0) {
		ls->failed = 1;
		return -1;
	}
	sink_remember(ls);
	return 0;
}

static int sink_counter(void *ctx, const struct sm_counter_row *r)
{
	struct load_sink *ls = ctx;

	ls->rows++;
	if (ingest_counter(ls->ld->ing, ls->netns, r) < 0) {
		ls->failed = 1;
		return -1;
	}
	return 0;
}

struct sm_sink load_sink_make(struct load_sink *ls)
{
	struct sm_sink s = { .ctx = ls, .socket = sink_socket, .fd = sink_fd, .counter = sink_counter, .warn = sink_warn,
			   .known = ls->memo ? sink_known : NULL, .known_run = ls->memo ? sink_known_run : NULL,
			   .known_next = ls->memo ? sink_known_next : NULL };

	return s;
}

void load_sink_finish(struct load_sink *ls)
{
	char msg[96];

	if (ls->warnings > SINK_NOTES_MAX) {
		snprintf(msg, sizeof(msg), "%llu more warnings not recorded",
			 (unsigned long long)(ls->warnings - SINK_NOTES_MAX));
		ingest_note(ls->ld->ing, ls->path, SM_NONE, "warning", msg);
	}
}
