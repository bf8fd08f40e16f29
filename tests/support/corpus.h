/*
 * corpus: test inputs read whole, in buffers of exactly their length.
 *
 * Parsers take (buf, len) without a NUL; a buffer of exactly len bytes
 * lets AddressSanitizer catch a read past the end. Allocation failures
 * fail the running cmocka test.
 */
#ifndef SM_TEST_CORPUS_H
#define SM_TEST_CORPUS_H

#include <stddef.h>

/*
 * The whole file in a malloc'd buffer of exactly its length (no NUL);
 * NULL (and *len 0) when it cannot be opened. Works for /proc files,
 * whose size stat() gives as 0. The caller frees.
 */
char *read_corpus_file(const char *path, size_t *len);

/* n bytes of s (which may hold NULs) in a malloc'd buffer of exactly n bytes (1 when n is 0). */
char *exact_copy(const char *s, size_t n);

/* What `cmd` (a shell command line) prints on stdout, exactly sized; NULL if it cannot be started. */
char *read_command_output(const char *cmd, size_t *len);

/* The first of a NULL-terminated list of paths that is executable, or NULL. */
const char *find_tool(const char *const *paths);

#endif
