/*
 * strbuf: a growable byte buffer, always NUL-terminated (git's strbuf).
 *
 * Ownership: the strbuf owns buf; strbuf_detach() hands it to the caller.
 * Allocation failure aborts: every caller would otherwise have to handle it
 * and none could do better than stop.
 */
#ifndef SM_STRBUF_H
#define SM_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;   /* never NULL after strbuf_init() */
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT { NULL, 0, 0 }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Returns the buffer (caller frees) and leaves sb empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_reset(struct strbuf *sb);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
__attribute__((format(printf, 2, 3)))
void strbuf_addf(struct strbuf *sb, const char *fmt, ...);
__attribute__((format(printf, 2, 0)))
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);

/* Overflow-checked allocation helpers; abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
/* n * size bytes aligned to align (a power of two), for free(). */
void *xaligned_array(size_t align, size_t n, size_t size);
char *xstrdup(const char *s);

#endif
