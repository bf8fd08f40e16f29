/*
 * http_get: a minimal HTTP/1.0 GET for pprof endpoints: connect timeout,
 * per-read and overall deadlines, a size cap, an abort flag. HTTP/1.0 so
 * the body is delimited by the connection close (no chunked encoding).
 */
#ifndef SM_HTTP_GET_H
#define SM_HTTP_GET_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct http_url {
	char host[256];
	char port[8];
	char path[1024];          /* the path prefix, without a trailing '/' */
};

struct http_result {
	int status;               /* HTTP status, 0 if none came */
	int truncated;            /* the body hit the size cap */
	uint64_t us;              /* wall time */
	char error[160];          /* empty on success */
};

/*
 * Names in URLs are looked up in /etc/hosts only, for the whole process,
 * from now on: a DNS server that does not answer (on a host in trouble,
 * the usual) holds getaddrinfo for timeout x attempts x servers, past
 * every deadline here, and a pprof endpoint is a process of this host.
 * Call before any thread that resolves starts.
 */
void http_hosts_from_files(void);

/* "http://127.0.0.1:6060[/prefix]" -> parts; -1 if not plain http. */
int http_parse_url(const char *url, struct http_url *u);

/*
 * GETs u->path + suffix; the body (headers stripped) is appended to body.
 * Returns 0 when a response came (check status), -1 on failure (error set).
 */
int http_get(const struct http_url *u, const char *suffix, unsigned connect_ms, unsigned total_ms,
	     size_t max_body, volatile sig_atomic_t *abort_flag, struct strbuf *body,
	     struct http_result *res);

#endif
