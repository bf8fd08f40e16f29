/*
 * log_unwrap: a Go trace (SIGQUIT dump, panic) as a log collector kept it.
 *
 * On a host in trouble the goroutine dump people have is often the one Go
 * printed to stderr on `kill -QUIT`, read back from where stderr went:
 * `journalctl -u svc` ("Nov 24 10:00:00 web-1 gateway[1466]: goroutine 1
 * [running]:"), syslog, `docker logs -t` and `kubectl logs --timestamps`
 * ("2026-11-24T10:00:00.123456789Z goroutine 1 ..."), a container
 * runtime's log file ("... stderr F goroutine 1 ...") or Docker's own
 * json-file log ({"log":"goroutine 1 [running]:\n",...}, unescaped). Each
 * line carries a prefix, and other programs' lines may be interleaved.
 *
 * log_unwrap finds the first line whose text after such a prefix is a
 * goroutine header ("goroutine N [" or Go's "SIGQUIT: quit", "panic:",
 * "fatal error:") and takes that line's prefix shape for the whole input.
 * The output has one line per input line, each ending in '\n', so that
 * line numbers still point into the file: lines with the prefix lose it; lines of another
 * process (a syslog prefix naming another pid or program) and lines
 * without the prefix before the trace become empty. Pure: bytes in, bytes
 * out, no allocation beyond out.
 */
#ifndef SM_LOG_UNWRAP_H
#define SM_LOG_UNWRAP_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct log_unwrap_info {
	const char *style;        /* "syslog", "cri", "timestamp" or "docker-json" */
	int64_t pid;              /* the syslog prefix's [pid] of the trace, or -1 */
	char program[64];         /* its ident ("gateway" of gateway[1466]), or "" */
	int64_t time_ns;          /* when the trace's first line was logged, if its
				   * prefix has a time with a zone (ns since the
				   * epoch), else 0: syslog's "Nov 24 10:00:00"
				   * says neither year nor zone */
	uint64_t first_line;      /* 1-based line of the trace's first line */
};

/*
 * 1 and the unwrapped text in out (appended) when a trace behind a known
 * log prefix was found; 0 (out untouched) when not: no prefix, or a
 * trace that needs no unwrapping (it starts a line of its own).
 */
int log_unwrap(const char *buf, size_t len, struct strbuf *out, struct log_unwrap_info *info);

#endif
