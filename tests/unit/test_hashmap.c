/*
 * Unit tests for lib/hashmap.c: put/get/del, values kept across growth to
 * hundreds of thousands of keys, tombstones reused (churn does not grow the
 * table), iteration that deletes as it goes, key lengths up to key_max,
 * and keys that differ only in their last byte or only in length.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hashmap.h"

struct val {
	uint64_t a;
	uint32_t b;
	char tag[12];
};

static size_t mkkey(char *buf, size_t cap, const char *prefix, unsigned long i)
{
	int n = snprintf(buf, cap, "%s%lu", prefix, i);

	assert_true(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

static void test_empty(void **state)
{
	struct hashmap m;
	size_t pos = 0;

	(void)state;
	hashmap_init(&m, 16, sizeof(struct val));
	assert_null(hashmap_get(&m, "x", 1));
	assert_int_equal(hashmap_del(&m, "x", 1), 0);
	assert_null(hashmap_next(&m, &pos, NULL, NULL));
	assert_int_equal(m.count, 0);
	hashmap_free(&m);
	hashmap_free(&m);   /* twice is harmless */
	assert_null(hashmap_get(&m, "x", 1));
}

static void test_put_get_del(void **state)
{
	struct hashmap m;
	struct val *v;
	int is_new = -1;

	(void)state;
	hashmap_init(&m, 32, sizeof(struct val));
	v = hashmap_put(&m, "alpha", 5, &is_new);
	assert_non_null(v);
	assert_int_equal(is_new, 1);
	/* new values are zero-filled */
	assert_int_equal(v->a, 0);
	assert_int_equal(v->b, 0);
	assert_int_equal(v->tag[0], 0);
	v->a = 42;
	v->b = 7;
	strcpy(v->tag, "first");

	v = hashmap_put(&m, "alpha", 5, &is_new);
	assert_int_equal(is_new, 0);
	assert_int_equal(v->a, 42);
	assert_string_equal(v->tag, "first");
	assert_int_equal(m.count, 1);

	v = hashmap_get(&m, "alpha", 5);
	assert_non_null(v);
	assert_int_equal(v->b, 7);
	/* prefixes and extensions are other keys */
	assert_null(hashmap_get(&m, "alph", 4));
	assert_null(hashmap_get(&m, "alphaa", 6));
	assert_null(hashmap_get(&m, "alphb", 5));

	v = hashmap_put(&m, "beta", 4, &is_new);
	assert_int_equal(is_new, 1);
	v->a = 1;
	assert_int_equal(m.count, 2);

	assert_int_equal(hashmap_del(&m, "alpha", 5), 1);
	assert_int_equal(hashmap_del(&m, "alpha", 5), 0);
	assert_null(hashmap_get(&m, "alpha", 5));
	assert_int_equal(m.count, 1);
	v = hashmap_get(&m, "beta", 4);
	assert_non_null(v);
	assert_int_equal(v->a, 1);

	/* re-inserted after deletion: new and zeroed again */
	v = hashmap_put(&m, "alpha", 5, &is_new);
	assert_int_equal(is_new, 1);
	assert_int_equal(v->a, 0);
	assert_int_equal(m.count, 2);
	hashmap_free(&m);
}

/* Binary keys: embedded NULs, the empty key, keys differing only in length. */
static void test_binary_keys(void **state)
{
	struct hashmap m;
	int64_t k1[2] = { 1, 0 }, k2[2] = { 0, 1 };
	const char zeros[4] = { 0, 0, 0, 0 };
	uint64_t *v;
	int is_new;
	size_t l;

	(void)state;
	hashmap_init(&m, 16, sizeof(uint64_t));
	*(uint64_t *)hashmap_put(&m, k1, sizeof(k1), &is_new) = 11;
	*(uint64_t *)hashmap_put(&m, k2, sizeof(k2), &is_new) = 22;
	for (l = 0; l <= 4; l++) {
		v = hashmap_put(&m, zeros, l, &is_new);
		assert_int_equal(is_new, 1);
		*v = 100 + l;
	}
	assert_int_equal(m.count, 7);
	assert_int_equal(*(uint64_t *)hashmap_get(&m, k1, sizeof(k1)), 11);
	assert_int_equal(*(uint64_t *)hashmap_get(&m, k2, sizeof(k2)), 22);
	for (l = 0; l <= 4; l++)
		assert_int_equal(*(uint64_t *)hashmap_get(&m, zeros, l), 100 + l);
	hashmap_free(&m);
}

/* Many thousands of keys: every value survives every resize. */
static void test_growth(void **state)
{
	enum { N = 200000 };
	struct hashmap m;
	char key[32];
	unsigned long i;
	int is_new;

	(void)state;
	hashmap_init(&m, sizeof(key), sizeof(struct val));
	for (i = 0; i < N; i++) {
		size_t kl = mkkey(key, sizeof(key), "socket:", i);
		struct val *v = hashmap_put(&m, key, kl, &is_new);

		assert_int_equal(is_new, 1);
		v->a = i * 3 + 1;
		v->b = (uint32_t)i;
		/* the power-of-two capacity always keeps free slots */
		assert_true(m.cap >= 64 && (m.cap & (m.cap - 1)) == 0);
		assert_true(m.count + m.tombs < m.cap);
	}
	assert_int_equal(m.count, N);
	for (i = 0; i < N; i++) {
		size_t kl = mkkey(key, sizeof(key), "socket:", i);
		struct val *v = hashmap_get(&m, key, kl);

		assert_non_null(v);
		assert_int_equal(v->a, i * 3 + 1);
		assert_int_equal(v->b, (uint32_t)i);
	}
	/* absent keys stay absent */
	for (i = N; i < N + 1000; i++) {
		size_t kl = mkkey(key, sizeof(key), "socket:", i);
		assert_null(hashmap_get(&m, key, kl));
	}
	/* load factor stays under 3/4 */
	assert_true(m.count * 4 < m.cap * 3);
	hashmap_free(&m);
}

/* Deleting leaves tombstones; reinserting reuses them. */
static void test_tombstone_reuse(void **state)
{
	struct hashmap m;
	char key[32];
	unsigned long i, round;
	size_t cap_after_fill, tombs;
	int is_new;

	(void)state;
	hashmap_init(&m, sizeof(key), sizeof(uint64_t));
	for (i = 0; i < 40; i++)
		*(uint64_t *)hashmap_put(&m, key, mkkey(key, sizeof(key), "k", i), &is_new) = i;
	assert_int_equal(hashmap_del(&m, key, mkkey(key, sizeof(key), "k", 7)), 1);
	assert_int_equal(m.tombs, 1);
	assert_int_equal(m.count, 39);
	/* the same key again takes its tombstone back */
	*(uint64_t *)hashmap_put(&m, key, mkkey(key, sizeof(key), "k", 7), &is_new) = 777;
	assert_int_equal(is_new, 1);
	assert_int_equal(m.tombs, 0);
	assert_int_equal(m.count, 40);
	assert_int_equal(*(uint64_t *)hashmap_get(&m, key, mkkey(key, sizeof(key), "k", 7)), 777);
	/* deleted keys are not found through their tombstones, others are found past them */
	for (i = 0; i < 40; i += 2)
		assert_int_equal(hashmap_del(&m, key, mkkey(key, sizeof(key), "k", i)), 1);
	tombs = m.tombs;
	assert_true(tombs > 0);
	for (i = 0; i < 40; i++) {
		uint64_t *v = hashmap_get(&m, key, mkkey(key, sizeof(key), "k", i));
		if (i % 2 == 0) {
			assert_null(v);
		} else {
			assert_non_null(v);
			assert_int_equal(*v, i == 7 ? 777 : i);
		}
	}
	hashmap_free(&m);

	/* Churn: a steady 1000 live keys over 300,000 insert/delete pairs must
	 * not grow the table without bound (tombstones are reclaimed). */
	hashmap_init(&m, sizeof(key), sizeof(uint64_t));
	for (i = 0; i < 1000; i++)
		*(uint64_t *)hashmap_put(&m, key, mkkey(key, sizeof(key), "c", i), &is_new) = i;
	cap_after_fill = m.cap;
	for (round = 0; round < 300000; round++) {
		unsigned long add = 1000 + round, del = round;

		*(uint64_t *)hashmap_put(&m, key, mkkey(key, sizeof(key), "c", add), &is_new) = add;
		assert_int_equal(is_new, 1);
		assert_int_equal(hashmap_del(&m, key, mkkey(key, sizeof(key), "c", del)), 1);
		assert_int_equal(m.count, 1000);
		assert_true(m.cap <= cap_after_fill * 2);
		assert_true(m.count + m.tombs < m.cap);
	}
	/* its rebuilds at one size swap between two arrays, not a new one each */
	assert_non_null(m.spare);
	for (i = 300000; i < 301000; i++)
		assert_int_equal(*(uint64_t *)hashmap_get(&m, key, mkkey(key, sizeof(key), "c", i)), i);
	assert_null(hashmap_get(&m, key, mkkey(key, sizeof(key), "c", 299999)));
	hashmap_free(&m);
}

/* Iteration sees each entry once, and may delete the entry it just got. */
static void test_iterate_delete(void **state)
{
	enum { N = 5000 };
	struct hashmap m;
	unsigned char *seen = calloc(N, 1);
	size_t pos = 0, klen, visited = 0, kept = 0;
	const void *key;
	uint64_t *v;
	uint64_t i;
	int is_new;

	(void)state;
	assert_non_null(seen);
	hashmap_init(&m, sizeof(uint64_t), sizeof(uint64_t));
	for (i = 0; i < N; i++)
		*(uint64_t *)hashmap_put(&m, &i, sizeof(i), &is_new) = i * 10;
	while ((v = hashmap_next(&m, &pos, &key, &klen)) != NULL) {
		uint64_t k;

		assert_int_equal(klen, sizeof(k));
		memcpy(&k, key, sizeof(k));
		assert_true(k < N);
		assert_int_equal(*v, k * 10);
		assert_int_equal(seen[k], 0);
		seen[k] = 1;
		visited++;
		if (k % 3 == 0)
			assert_int_equal(hashmap_del(&m, key, klen), 1);
	}
	assert_int_equal(visited, N);
	assert_int_equal(m.count, N - (N + 2) / 3);
	/* a second pass sees exactly the survivors; key pointer may be NULL */
	pos = 0;
	memset(seen, 0, N);
	while ((v = hashmap_next(&m, &pos, NULL, NULL)) != NULL) {
		assert_int_equal(*v % 30 == 0, 0);
		seen[*v / 10]++;
		kept++;
	}
	assert_int_equal(kept, m.count);
	for (i = 0; i < N; i++)
		assert_int_equal(seen[i], i % 3 != 0);
	/* delete everything while iterating: the map ends empty */
	pos = 0;
	while (hashmap_next(&m, &pos, &key, &klen) != NULL)
		assert_int_equal(hashmap_del(&m, key, klen), 1);
	assert_int_equal(m.count, 0);
	pos = 0;
	assert_null(hashmap_next(&m, &pos, NULL, NULL));
	hashmap_free(&m);
	free(seen);
}

/* Keys of every length up to key_max are stored whole; longer ones are
 * never found (and putting one is a caller bug that aborts). */
static void test_key_max(void **state)
{
	enum { KMAX = 300 };
	struct hashmap m;
	char key[KMAX + 2];
	size_t l, pos = 0, klen;
	const void *kp;
	uint32_t *v;
	int is_new, n = 0;
	pid_t pid;
	int status;

	(void)state;
	memset(key, 'q', sizeof(key));
	hashmap_init(&m, KMAX, sizeof(uint32_t));
	for (l = 1; l <= KMAX; l++) {
		v = hashmap_put(&m, key, l, &is_new);
		assert_int_equal(is_new, 1);
		*v = (uint32_t)l;
	}
	assert_int_equal(m.count, KMAX);
	for (l = 1; l <= KMAX; l++) {
		v = hashmap_get(&m, key, l);
		assert_non_null(v);
		assert_int_equal(*v, l);
	}
	/* the longest key differs from its neighbours only in the last byte */
	key[KMAX - 1] = 'r';
	assert_null(hashmap_get(&m, key, KMAX));
	key[KMAX - 1] = 'q';
	assert_null(hashmap_get(&m, key, KMAX + 1));
	while ((v = hashmap_next(&m, &pos, &kp, &klen)) != NULL) {
		assert_int_equal(klen, *v);
		assert_memory_equal(kp, key, klen);
		n++;
	}
	assert_int_equal(n, KMAX);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct hashmap c;
		hashmap_init(&c, 4, sizeof(uint32_t));
		hashmap_put(&c, "12345", 5, &is_new);
		_exit(0);   /* not reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	hashmap_free(&m);
}

/* The hash spreads keys differing only in their last bytes. */
static void test_hash_spread(void **state)
{
	uint64_t a = hash_bytes("socket:[1000]", 13), b = hash_bytes("socket:[1001]", 13);
	unsigned buckets[64] = { 0 };
	uint32_t i;

	(void)state;
	assert_int_not_equal(a, b);
	assert_int_equal(hash_bytes("", 0), hash_bytes("x", 0));
	for (i = 0; i < 64 * 100; i++)
		buckets[hash_bytes(&i, sizeof(i)) & 63]++;
	for (i = 0; i < 64; i++)
		assert_true(buckets[i] > 30 && buckets[i] < 200);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_binary_keys),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_tombstone_reuse),
		cmocka_unit_test(test_iterate_delete),
		cmocka_unit_test(test_key_max),
		cmocka_unit_test(test_hash_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
