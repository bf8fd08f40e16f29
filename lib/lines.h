/*
 * lines: iterate over the lines of an in-memory buffer without copying.
 * Handles LF and CRLF, a missing final newline, and NUL bytes inside a line
 * (they stay in the line; callers treating lines as C strings must check).
 */
#ifndef SM_LINES_H
#define SM_LINES_H

#include <stddef.h>
#include <stdint.h>

struct line_iter {
	const char *p;
	const char *end;
	uint64_t lineno;   /* 1-based number of the line last returned */
};

void lines_init(struct line_iter *it, const char *buf, size_t len);
/* Next line without its terminator; returns 0 at the end of the buffer. */
int lines_next(struct line_iter *it, const char **line, size_t *len);

/* len without the blanks (space, tab) and '\r' that end [s, s+len):
 * pasted captures carry them ("\r\r\n", padded columns). */
size_t lines_rtrim(const char *s, size_t len);

/*
 * Split [s, s+len) on runs of blanks (space, tab) into at most max fields.
 * Returns the number of fields found (which may exceed max: the extra ones
 * are counted but not stored).
 */
size_t fields_split(const char *s, size_t len, const char **f, size_t *flen, size_t max);
/* The same, but stops after max fields: for rows whose tail is not read. */
size_t fields_split_first(const char *s, size_t len, const char **f, size_t *flen, size_t max);

#endif
