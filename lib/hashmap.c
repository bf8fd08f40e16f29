/* hashmap: linear probing with tombstones; see hashmap.h. */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Slot layout: [state u8][klen u16][key key_max][pad][value]. */
#define SLOT_EMPTY 0
#define SLOT_FULL 1
#define SLOT_TOMB 2

uint64_t hash_bytes(const void *data, size_t len)
{
	/* FNV-1a with a final avalanche (splitmix64) so that keys differing
	 * in their last bytes spread over the low bits we index with. */
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static size_t val_offset(const struct hashmap *m)
{
	return (3 + m->key_max + 7) & ~(size_t)7;
}

void hashmap_init(struct hashmap *m, size_t key_max, size_t val_size)
{
	memset(m, 0, sizeof(*m));
	m->key_max = key_max;
	m->val_size = val_size;
	m->slot_size = (val_offset(m) + val_size + 7) & ~(size_t)7;
}

void hashmap_free(struct hashmap *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->count = m->tombs = 0;
}

static unsigned char *slot_at(const struct hashmap *m, size_t i)
{
	return m->slots + i * m->slot_size;
}

static uint16_t slot_klen(const unsigned char *s)
{
	uint16_t k;
	memcpy(&k, s + 1, 2);
	return k;
}

static int slot_matches(const struct hashmap *m, const unsigned char *s, const void *key, size_t klen)
{
	(void)m;
	return s[0] == SLOT_FULL && slot_klen(s) == klen && !memcmp(s + 3, key, klen);
}

static void hashmap_resize(struct hashmap *m, size_t newcap)
{
	struct hashmap old = *m;
	size_t i;

	m->slots = xcalloc(newcap, m->slot_size);
	m->cap = newcap;
	m->count = 0;
	m->tombs = 0;
	for (i = 0; i < old.cap; i++) {
		unsigned char *s = slot_at(&old, i);
		int is_new;

		if (s[0] != SLOT_FULL)
			continue;
		memcpy(hashmap_put(m, s + 3, slot_klen(s), &is_new), s + val_offset(m), m->val_size);
	}
	free(old.slots);
}

void *hashmap_get(struct hashmap *m, const void *key, size_t klen)
{
	size_t i, mask;

	if (!m->cap || klen > m->key_max)
		return NULL;
	mask = m->cap - 1;
	for (i = hash_bytes(key, klen) & mask;; i = (i + 1) & mask) {
		unsigned char *s = slot_at(m, i);

		if (s[0] == SLOT_EMPTY)
			return NULL;
		if (slot_matches(m, s, key, klen))
			return s + val_offset(m);
	}
}

void *hashmap_put(struct hashmap *m, const void *key, size_t klen, int *is_new)
{
	size_t i, mask;
	unsigned char *tomb = NULL;
	uint16_t k16 = (uint16_t)klen;

	if (klen > m->key_max || klen > 65535)
		abort();   /* a caller bug: keys are built by our own code */
	if ((m->count + m->tombs + 1) * 4 >= m->cap * 3)
		hashmap_resize(m, m->cap ? (m->count * 4 >= m->cap ? m->cap * 2 : m->cap) : 64);
	mask = m->cap - 1;
	for (i = hash_bytes(key, klen) & mask;; i = (i + 1) & mask) {
		unsigned char *s = slot_at(m, i);

		if (s[0] == SLOT_EMPTY) {
			if (tomb) {
				s = tomb;
				m->tombs--;
			}
			s[0] = SLOT_FULL;
			memcpy(s + 1, &k16, 2);
			memcpy(s + 3, key, klen);
			memset(s + val_offset(m), 0, m->val_size);
			m->count++;
			*is_new = 1;
			return s + val_offset(m);
		}
		if (s[0] == SLOT_TOMB && !tomb)
			tomb = s;
		else if (slot_matches(m, s, key, klen)) {
			*is_new = 0;
			return s + val_offset(m);
		}
	}
}

int hashmap_del(struct hashmap *m, const void *key, size_t klen)
{
	unsigned char *v = hashmap_get(m, key, klen);

	if (!v)
		return 0;
	v[-(ptrdiff_t)val_offset(m)] = SLOT_TOMB;
	m->count--;
	m->tombs++;
	return 1;
}

void *hashmap_next(struct hashmap *m, size_t *pos, const void **key, size_t *klen)
{
	while (*pos < m->cap) {
		unsigned char *s = slot_at(m, (*pos)++);

		if (s[0] == SLOT_FULL) {
			if (key)
				*key = s + 3;
			if (klen)
				*klen = slot_klen(s);
			return s + val_offset(m);
		}
	}
	return NULL;
}
