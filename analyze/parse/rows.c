/* Row initialisers, warnings and the column readers several parsers share. */
#include "rows.h"

#include <stdio.h>
#include <string.h>

#include "numparse.h"

void sm_sink_warn(const struct sm_sink *sink, uint64_t line, const char *what, const char *s, size_t n)
{
	char msg[160], quote[44];
	size_t i, q = 0;

	if (!sink || !sink->warn)
		return;
	if (!s) {
		sink->warn(sink->ctx, line, what);
		return;
	}
	for (i = 0; i < n && q < 40; i++)
		quote[q++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	quote[q] = '\0';
	snprintf(msg, sizeof(msg), "%s '%s'%s", what, quote, i < n ? "..." : "");
	sink->warn(sink->ctx, line, msg);
}

void sm_socket_row_init(struct sm_socket_row *r)
{
	memset(r, 0, sizeof(*r));
	r->local_port = r->remote_port = SM_NONE;
	r->tx_queue = r->rx_queue = SM_NONE;
	r->timer = r->timer_ms = r->retransmits = SM_NONE;
	r->uid = r->pid = r->fd = r->listen_backlog = SM_NONE;
}

void sm_fd_row_init(struct sm_fd_row *r)
{
	memset(r, 0, sizeof(*r));
	r->pid = r->uid = r->fd = SM_NONE;
	r->local_port = r->remote_port = SM_NONE;
}

int sm_port_field(const char *s, size_t n, int64_t *port)
{
	*port = SM_NONE;
	if (!num_is_digits(s, n))
		return 0;
	if (num_dec_count(s, n, port) < 0 || *port > 65535) {
		*port = SM_NONE;
		return -1;
	}
	return 0;
}

const char *sm_arena_dup(struct sm_arena *a, const char *s, size_t n)
{
	char *d;

	if (n + 1 > a->cap - a->used)
		return NULL;
	d = a->buf + a->used;
	memcpy(d, s, n);
	d[n] = '\0';
	a->used += n + 1;
	return d;
}

int sm_addr_split(const char *s, size_t n, const char *port_sep, struct sm_addr *a)
{
	const char *h = s, *pct, *rb;
	size_t hn = port_sep ? (size_t)(port_sep - s) : n;

	memset(a, 0, sizeof(*a));
	a->port = SM_NONE;
	if (port_sep && sm_port_field(port_sep + 1, n - hn - 1, &a->port) < 0)
		return -1;
	if (hn && h[0] == '[') {
		rb = memchr(h, ']', hn);
		if (!rb)
			return -1;
		h++;
		hn = (size_t)(rb - h);
		a->v6 = 1;
	}
	pct = memchr(h, '%', hn);
	if (pct)
		hn = (size_t)(pct - h);
	if (!hn)
		return -1;
	a->host = h;
	a->host_len = hn;
	a->wildcard = hn == 1 && h[0] == '*';
	if (memchr(h, ':', hn))
		a->v6 = 1;
	return 0;
}

const char *sm_addr_host(struct sm_arena *ar, const struct sm_addr *a, int v6)
{
	if (a->wildcard)
		return v6 ? "::" : "0.0.0.0";
	return sm_arena_dup(ar, a->host, a->host_len);
}
