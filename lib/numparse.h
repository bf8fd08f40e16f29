/*
 * Strict number parsing for untrusted text (git's strtoul_ui, OpenBSD's
 * strtonum): the whole [s, s+len) must be the number; empty input, signs
 * where unsigned, trailing garbage and overflow are all rejected.
 * All return 0 on success and -1 on failure, leaving *out untouched.
 */
#ifndef SM_NUMPARSE_H
#define SM_NUMPARSE_H

#include <stddef.h>
#include <stdint.h>

int num_u64(const char *s, size_t len, int base, uint64_t *out);
int num_i64(const char *s, size_t len, int base, int64_t *out);
/* Only ASCII digits, at least one. */
int num_is_digits(const char *s, size_t len);
/* A non-negative decimal that fits int64_t (counts, ports, pids in tool
 * output): digits only, no sign. */
int num_dec_count(const char *s, size_t len, int64_t *out);
/* NUL-terminated convenience forms. */
int num_u64_str(const char *s, int base, uint64_t *out);
int num_i64_str(const char *s, int base, int64_t *out);

/*
 * A duration such as "5", "0.5", "250ms", "5s", "10m", "1h" into
 * microseconds. Bare numbers are seconds. Rejects zero-or-negative only if
 * allow_zero is 0.
 */
int num_duration_us(const char *s, int allow_zero, uint64_t *out_us);
/* A size such as "4096", "64K", "256M", "1G" (powers of 1024) into bytes. */
int num_size(const char *s, uint64_t *out);

#endif
