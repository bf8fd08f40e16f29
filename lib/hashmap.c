/* hashmap: linear probing with tombstones; see hashmap.h. */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define SLOT_EMPTY 0
#define SLOT_FULL 1
#define SLOT_TOMB 2

uint64_t hash_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

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
	return hash_mix64(h);
}

/*
 * The table's own hash, 8 bytes at a time (hash_bytes above goes a byte
 * at a time and its values are stored in databases, so it cannot change).
 * The loader does tens of millions of lookups per bundle: this one and
 * the fingerprint in each slot are what keep them cheap.
 */
uint64_t hash_words(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (uint64_t)len, w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 29;
		p += 8;
		len -= 8;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		h = (h ^ w) * 0x94d049bb133111ebULL;
		h ^= h >> 32;
	}
	return hash_mix64(h);
}

static uint32_t map_hash(const void *key, size_t len)
{
	return (uint32_t)hash_words(key, len);
}

/* Slot layout: [state u8][pad u8][klen u16][hash u32][key key_max][pad][value]. */
#define SLOT_KEY 8

static size_t val_offset(const struct hashmap *m)
{
	return (SLOT_KEY + m->key_max + 7) & ~(size_t)7;
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
	free(m->spare);
	m->slots = m->spare = NULL;
	m->cap = m->count = m->tombs = 0;
}

void hashmap_clear(struct hashmap *m)
{
	size_t i;

	/* Only the state bytes: a map refilled every snapshot keeps its size
	 * instead of growing again from nothing. */
	for (i = 0; i < m->cap; i++)
		m->slots[i * m->slot_size] = SLOT_EMPTY;
	m->count = m->tombs = 0;
}

static unsigned char *slot_at(const struct hashmap *m, size_t i)
{
	return m->slots + i * m->slot_size;
}

static uint16_t slot_klen(const unsigned char *s)
{
	uint16_t k;
	memcpy(&k, s + 2, 2);
	return k;
}

static uint32_t slot_hash(const unsigned char *s)
{
	uint32_t h;
	memcpy(&h, s + 4, 4);
	return h;
}

static int slot_matches(const unsigned char *s, uint32_t h, const void *key, size_t klen)
{
	return s[0] == SLOT_FULL && slot_hash(s) == h && slot_klen(s) == klen && !memcmp(s + SLOT_KEY, key, klen);
}

/*
 * Moves every entry into a table of newcap slots; no key is hashed again.
 * A map with steady churn is rebuilt at the same size every time its
 * tombstones fill a quarter of it: those rebuilds swap between two arrays
 * kept for it, as a fresh one each time cost page faults, and in a
 * threaded program a TLB flush on every core when it was freed.
 */
static void hashmap_resize(struct hashmap *m, size_t newcap)
{
	struct hashmap old = *m;
	size_t i, mask = newcap - 1;

	if (newcap != m->cap || !m->spare) {
		free(m->spare);
		/* not calloc: its zero pages, read by the first probes, would each
		 * be copied on the first write, and every core's TLB flushed */
		m->spare = xreallocarray(NULL, newcap, m->slot_size);
	}
	m->slots = m->spare;
	m->spare = NULL;
	for (i = 0; i < newcap; i++)
		m->slots[i * m->slot_size] = SLOT_EMPTY;
	m->cap = newcap;
	m->count = 0;
	m->tombs = 0;
	for (i = 0; i < old.cap; i++) {
		unsigned char *s = slot_at(&old, i);
		size_t j;

		if (s[0] != SLOT_FULL)
			continue;
		for (j = slot_hash(s) & mask; slot_at(m, j)[0] != SLOT_EMPTY; j = (j + 1) & mask)
			;
		memcpy(slot_at(m, j), s, m->slot_size);
		m->count++;
	}
	if (newcap == old.cap)
		m->spare = old.slots;
	else
		free(old.slots);
}

void *hashmap_get(struct hashmap *m, const void *key, size_t klen)
{
	size_t i, mask;
	uint32_t h;

	if (!m->cap || klen > m->key_max)
		return NULL;
	mask = m->cap - 1;
	h = map_hash(key, klen);
	for (i = h & mask;; i = (i + 1) & mask) {
		unsigned char *s = slot_at(m, i);

		if (s[0] == SLOT_EMPTY)
			return NULL;
		if (slot_matches(s, h, key, klen))
			return s + val_offset(m);
	}
}

void *hashmap_put(struct hashmap *m, const void *key, size_t klen, int *is_new)
{
	size_t i, mask;
	unsigned char *tomb = NULL;
	uint16_t k16 = (uint16_t)klen;
	uint32_t h;

	if (klen > m->key_max || klen > 65535)
		abort();   /* a caller bug: keys are built by our own code */
	/* Tombstones lengthen every probe as much as live entries do: a map
	 * with steady churn (sockets come and go every snapshot) is rebuilt
	 * once they fill a quarter of it, not only when it is 3/4 full. */
	if ((m->count + m->tombs + 1) * 4 >= m->cap * 3 || m->tombs * 4 > m->cap)
		hashmap_resize(m, m->cap ? (m->count * 4 >= m->cap ? m->cap * 2 : m->cap) : 64);
	mask = m->cap - 1;
	h = map_hash(key, klen);
	for (i = h & mask;; i = (i + 1) & mask) {
		unsigned char *s = slot_at(m, i);

		if (s[0] == SLOT_EMPTY) {
			if (tomb) {
				s = tomb;
				m->tombs--;
			}
			s[0] = SLOT_FULL;
			s[1] = 0;
			memcpy(s + 2, &k16, 2);
			memcpy(s + 4, &h, 4);
			memcpy(s + SLOT_KEY, key, klen);
			memset(s + val_offset(m), 0, m->val_size);
			m->count++;
			*is_new = 1;
			return s + val_offset(m);
		}
		if (s[0] == SLOT_TOMB && !tomb)
			tomb = s;
		else if (slot_matches(s, h, key, klen)) {
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
				*key = s + SLOT_KEY;
			if (klen)
				*klen = slot_klen(s);
			return s + val_offset(m);
		}
	}
	return NULL;
}
