/*
 * hashmap: open-addressing hash table from byte-string keys to fixed-size
 * values stored inline. Keys are copied. Used by the analyzer's interval
 * trackers (socket, fd and peer identities), so it is built for many
 * lookups per second and cheap iteration.
 *
 * Pointers returned by hashmap_get/put stay valid until the next put or
 * delete (a put may grow the table).
 */
#ifndef SM_HASHMAP_H
#define SM_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

struct hashmap {
	unsigned char *slots;
	unsigned char *spare;  /* the slots before the last rebuild in place, reused by the next */
	size_t cap;        /* power of two */
	size_t count;
	size_t tombs;
	size_t key_max;    /* keys longer than this are rejected */
	size_t val_size;
	size_t slot_size;
};

void hashmap_init(struct hashmap *m, size_t key_max, size_t val_size);
void hashmap_free(struct hashmap *m);
/* The value for key, or NULL. */
void *hashmap_get(struct hashmap *m, const void *key, size_t klen);
/* The value for key, inserted zero-filled if new (*is_new says which). */
void *hashmap_put(struct hashmap *m, const void *key, size_t klen, int *is_new);
int hashmap_del(struct hashmap *m, const void *key, size_t klen);
/* Empties the map but keeps its table: for maps refilled every round. */
void hashmap_clear(struct hashmap *m);

/* Iteration: start with *pos = 0; returns the next value or NULL. It is
 * safe to delete the entry just returned. */
void *hashmap_next(struct hashmap *m, size_t *pos, const void **key, size_t *klen);

/* splitmix64's finalizer: each bit of x moves about half of the result's. */
uint64_t hash_mix64(uint64_t x);
/* FNV-1a: stable, stored in databases (stack hashes); a byte at a time. */
uint64_t hash_bytes(const void *data, size_t len);
/* Faster, 8 bytes at a time; for in-memory tables only (may change). */
uint64_t hash_words(const void *data, size_t len);

#endif
