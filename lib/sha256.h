/*
 * sha256: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), small and
 * dependency-free: the collector links only libc, libzstd and libpcap, and
 * the redaction code it shares with the analyzer needs a keyed hash.
 */
#ifndef SM_SHA256_H
#define SM_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);
/* A digest's n bytes as lowercase hex into out (2n + 1 bytes, NUL-terminated). */
void digest_hex(const unsigned char *d, size_t n, char *out);
/* One-shot digest. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
/* HMAC-SHA256 of (a, alen) followed by (b, blen) under key (klen bytes). */
void hmac_sha256(const unsigned char *key, size_t klen, const void *a, size_t alen,
		 const void *b, size_t blen, unsigned char out[SHA256_LEN]);

#endif
