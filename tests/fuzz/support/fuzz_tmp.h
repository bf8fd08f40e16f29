/*
 * fuzz_tmp: the one temporary file a fuzz target may write, for readers
 * that take a path. It lives in a private directory made with mkdtemp
 * under $TMPDIR (or /tmp) and both go at exit: nothing is written anywhere
 * else.
 */
#ifndef SM_FUZZ_TMP_H
#define SM_FUZZ_TMP_H

#include <stddef.h>
#include <stdint.h>

/* Writes data to the temporary file and returns its path (aborts on failure). */
const char *fuzz_tmp_write(const uint8_t *data, size_t size);

#endif
