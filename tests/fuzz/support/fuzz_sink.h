/*
 * fuzz_sink: the sink every fuzz target hands its parser.
 *
 * Each callback reads every byte of every string of the row (rows.h lends
 * them for the callback only), so AddressSanitizer sees a string that runs
 * past its buffer or was freed, and checks what rows.h promises of any row;
 * a broken promise aborts with the field named, which libFuzzer reports as
 * a crash like any other.
 */
#ifndef SM_FUZZ_SINK_H
#define SM_FUZZ_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "rows.h"

/* A sink with every callback set; line_from_one: text formats number lines from 1. */
struct sm_sink fuzz_sink(int line_from_one);

/* A known() for tables read again: reads the header and the key, checks
 * the skipped part lies within the key, and says "known" to about half of
 * the keys (by their bytes), so that both paths run. */
int fuzz_known(void *ctx, const char *hdr, size_t hlen, const struct sm_line_key *k);
/* sink->known_run for fuzzing: now and then the next line, whole. */
size_t fuzz_known_run(void *ctx, const char *next, size_t avail, uint64_t *lines);
/* sink->known_next for fuzzing: the line at the key, taken to its end now
 * and then (never when it ends in '\r', as the loader's memo never does),
 * so that the parser's skipping runs. */
size_t fuzz_known_next(void *ctx, const char *hdr, size_t hlen, const char *p, size_t avail,
		       const struct sm_line_moving *moving);

/* Reads all of s (NULL allowed); returns its length. */
size_t fuzz_touch(const char *s);
/* Reads [p, p+n). */
void fuzz_touch_mem(const void *p, size_t n);

/* Aborts with a message when cond is false. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))
void fuzz_fail(const char *what, const char *file, int line);

#endif
