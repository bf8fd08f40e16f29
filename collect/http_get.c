/* http_get: bounded HTTP/1.0 GET; see http_get.h. */
#include "http_get.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#ifdef __GLIBC__
#include <nss.h>
#endif
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "numparse.h"

void http_hosts_from_files(void)
{
#ifdef __GLIBC__
	/* If it fails, lookups go as nsswitch.conf says: no worse than before. */
	(void)__nss_configure_lookup("hosts", "files");
#endif
}

int http_parse_url(const char *url, struct http_url *u)
{
	const char *p, *hostend, *slash;
	size_t hl;
	uint64_t port = 80;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "http://", 7))
		return -1;
	p = url + 7;
	slash = strchr(p, '/');
	hostend = slash ? slash : p + strlen(p);
	if (*p == '[') {   /* [::1]:6060 */
		const char *rb = memchr(p, ']', (size_t)(hostend - p));
		if (!rb)
			return -1;
		hl = (size_t)(rb - p - 1);
		if (!hl || hl >= sizeof(u->host))
			return -1;
		memcpy(u->host, p + 1, hl);
		p = rb + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(hostend - p));
		const char *e = colon ? colon : hostend;
		hl = (size_t)(e - p);
		if (!hl || hl >= sizeof(u->host))
			return -1;
		memcpy(u->host, p, hl);
		p = e;
	}
	if (*p == ':') {
		if (num_u64(p + 1, (size_t)(hostend - p - 1), 10, &port) < 0 || !port || port > 65535)
			return -1;
	} else if (p != hostend) {
		return -1;
	}
	snprintf(u->port, sizeof(u->port), "%u", (unsigned)port);
	if (slash) {
		size_t pl = strlen(slash);
		while (pl && slash[pl - 1] == '/')
			pl--;
		if (pl >= sizeof(u->path))
			return -1;
		memcpy(u->path, slash, pl);
	}
	return 0;
}

static int http_fail(struct http_result *res, const char *what, int err)
{
	snprintf(res->error, sizeof(res->error), "%s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
	return -1;
}

/* Waits for fd to be ready for events until deadline (us); 0 ready, -1 timeout/abort. */
static int http_wait(int fd, short events, uint64_t deadline, volatile sig_atomic_t *abort_flag)
{
	for (;;) {
		struct pollfd pfd = { fd, events, 0 };
		uint64_t now = clock_mono_us();
		int slice, r;

		if (abort_flag && *abort_flag)
			return -1;
		if (now >= deadline)
			return -1;
		slice = (int)((deadline - now) / 1000) + 1;
		r = poll(&pfd, 1, slice > 100 ? 100 : slice);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static int http_connect(const struct http_url *u, uint64_t deadline, volatile sig_atomic_t *abort_flag,
			struct http_result *res)
{
	struct addrinfo hints, *ai = NULL, *a;
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo(u->host, u->port, &hints, &ai);
	if (rc) {
		snprintf(res->error, sizeof(res->error), "cannot resolve '%.64s' (/etc/hosts only, never DNS): %s",
			 u->host, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a; a = a->ai_next) {
		int err = 0;
		socklen_t el = sizeof(err);

		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && http_wait(fd, POLLOUT, deadline, abort_flag) == 0 &&
		     getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0))
			break;
		http_fail(res, "cannot connect", err ? err : ETIMEDOUT);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int http_send(int fd, const char *req, size_t len, uint64_t deadline,
		     volatile sig_atomic_t *abort_flag, struct http_result *res)
{
	while (len) {
		ssize_t n = send(fd, req, len, MSG_NOSIGNAL);
		if (n > 0) {
			req += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (http_wait(fd, POLLOUT, deadline, abort_flag) < 0)
				return http_fail(res, "timeout sending request", 0);
		} else {
			return http_fail(res, "cannot send request", errno);
		}
	}
	return 0;
}

/* Splits the status line and headers off raw; the rest is the body. */
static int http_split(struct strbuf *raw, struct strbuf *body, struct http_result *res)
{
	char *hdr_end = memmem(raw->buf, raw->len, "\r\n\r\n", 4);
	size_t skip;

	if (!hdr_end || raw->len < 12 || strncmp(raw->buf, "HTTP/1.", 7))
		return http_fail(res, "not an HTTP response", 0);
	{
		uint64_t st;
		if (num_u64(raw->buf + 9, 3, 10, &st) == 0)
			res->status = (int)st;
	}
	skip = (size_t)(hdr_end - raw->buf) + 4;
	strbuf_add(body, raw->buf + skip, raw->len - skip);
	return 0;
}

int http_get(const struct http_url *u, const char *suffix, unsigned connect_ms, unsigned total_ms,
	     size_t max_body, volatile sig_atomic_t *abort_flag, struct strbuf *body,
	     struct http_result *res)
{
	uint64_t start = clock_mono_us(), deadline = start + (uint64_t)total_ms * 1000u;
	uint64_t cdeadline = start + (uint64_t)connect_ms * 1000u;
	struct strbuf req = STRBUF_INIT, raw = STRBUF_INIT;
	int fd, r = -1;

	memset(res, 0, sizeof(*res));
	fd = http_connect(u, cdeadline < deadline ? cdeadline : deadline, abort_flag, res);
	if (fd < 0)
		goto out;
	strbuf_addf(&req, "GET %s%s HTTP/1.0\r\nHost: %s:%s\r\nUser-Agent: sockmortem-collect/%s\r\n"
		    "Accept-Encoding: identity\r\n\r\n", u->path, suffix, u->host, u->port, SM_VERSION);
	if (http_send(fd, req.buf, req.len, deadline, abort_flag, res) < 0)
		goto out;
	for (;;) {
		ssize_t n;

		if (http_wait(fd, POLLIN, deadline, abort_flag) < 0) {
			http_fail(res, abort_flag && *abort_flag ? "aborted" : "timeout reading response", 0);
			goto out;
		}
		strbuf_grow(&raw, 65536);
		n = recv(fd, raw.buf + raw.len, 65536, 0);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			http_fail(res, "cannot read response", errno);
			goto out;
		}
		raw.len += (size_t)n;
		raw.buf[raw.len] = '\0';
		if (raw.len > max_body + 65536) {
			res->truncated = 1;
			raw.len = max_body + 65536;
			break;
		}
	}
	r = http_split(&raw, body, res);
	if (!r && body->len > max_body) {
		body->len = max_body;
		body->buf[body->len] = '\0';
		res->truncated = 1;
	}
out:
	if (fd >= 0)
		close(fd);
	res->us = clock_mono_us() - start;
	strbuf_release(&req);
	strbuf_release(&raw);
	return r;
}
