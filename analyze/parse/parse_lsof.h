/*
 * parse_lsof: lsof(8) text output (`lsof`, `lsof -nP`, `-p PID`, `-c NAME`,
 * grep'd excerpts with or without the header line) into rows.
 *
 * Every open-file row becomes one sm_fd_row through sink->fd. Each IPv4/IPv6
 * TCP/UDP row whose endpoints are numeric (-nP) also becomes an
 * sm_socket_row through sink->socket when that callback is non-NULL.
 * Per-thread rows (TID column filled) repeat their process's fds and are
 * skipped with one warning. lsof's own diagnostics ("lsof: WARNING: ...",
 * "Output information may be incomplete.") and lines that are not rows are
 * reported through sink->warn (may be NULL) and skipped; so are lines longer
 * than 64 KiB.
 *
 * buf need not be NUL-terminated; nothing past buf + len is read. Strings in
 * the rows are borrowed for the duration of the callback only.
 *
 * Returns 0 when done, the first non-zero callback value when a callback
 * stops the parse, or -1 when the input has non-blank lines but not one of
 * them is lsof output (no header, row or lsof diagnostic).
 */
#ifndef SM_PARSE_LSOF_H
#define SM_PARSE_LSOF_H

#include <stddef.h>

#include "rows.h"

int parse_lsof(const char *buf, size_t len, const struct sm_sink *sink);

#endif
