/* Unit tests for base/map: put/get/del, replacement, and a long random run checked against a plain
 * array as the reference (which exercises growth and backward-shift deletion across wrap-around). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/map.h"

static void t_empty(void **state)
{
	(void)state;
	struct map m;
	map_init(&m, 42);
	assert_null(map_get(&m, "x"));
	assert_null(map_del(&m, "x"));
	size_t it = 0;
	const char *k;
	void *v;
	assert_false(map_next(&m, &it, &k, &v));
	map_free(&m);
	assert_null(m.slots);
	assert_int_equal(m.count, 0);
}

static void t_put_get_del_replace(void **state)
{
	(void)state;
	struct map m;
	map_init(&m, 7);
	int a = 1, b = 2, c = 3;
	assert_null(map_put(&m, "ana", &a));
	assert_null(map_put(&m, "luis", &b));
	assert_int_equal(m.count, 2);
	assert_ptr_equal(map_get(&m, "ana"), &a);
	assert_ptr_equal(map_get(&m, "luis"), &b);
	assert_null(map_get(&m, "zoe"));
	assert_null(map_get(&m, "an"));
	assert_null(map_get(&m, "anaa"));
	assert_null(map_get(&m, ""));

	/* Replacing returns the old value and keeps the count; the new key pointer is kept. */
	char key2[] = "ana";
	assert_ptr_equal(map_put(&m, key2, &c), &a);
	assert_int_equal(m.count, 2);
	assert_ptr_equal(map_get(&m, "ana"), &c);
	size_t it = 0;
	const char *k;
	void *v;
	int seen = 0;
	while (map_next(&m, &it, &k, &v)) {
		if (v == &c)
			assert_ptr_equal(k, key2);
		seen++;
	}
	assert_int_equal(seen, 2);

	assert_ptr_equal(map_del(&m, "ana"), &c);
	assert_int_equal(m.count, 1);
	assert_null(map_get(&m, "ana"));
	assert_null(map_del(&m, "ana"));
	assert_ptr_equal(map_get(&m, "luis"), &b);

	/* The empty string is a key like any other. */
	assert_null(map_put(&m, "", &a));
	assert_ptr_equal(map_get(&m, ""), &a);
	assert_ptr_equal(map_del(&m, ""), &a);
	map_free(&m);
}

/* Same keys with different seeds: each map is self-consistent. */
static void t_seeds(void **state)
{
	(void)state;
	char keys[200][8];
	for (uint64_t seed = 0; seed < 20; seed++) {
		struct map m;
		map_init(&m, seed * 0x9E3779B97F4A7C15ull);
		for (int i = 0; i < 200; i++) {
			snprintf(keys[i], sizeof(keys[i]), "k%d", i);
			assert_null(map_put(&m, keys[i], keys[i]));
		}
		for (int i = 0; i < 200; i += 2)
			assert_ptr_equal(map_del(&m, keys[i]), keys[i]);
		for (int i = 0; i < 200; i++)
			assert_ptr_equal(map_get(&m, keys[i]), i % 2 ? keys[i] : NULL);
		assert_int_equal(m.count, 100);
		assert_true(m.count * 2 <= m.cap);
		map_free(&m);
	}
}

static uint64_t rng_state = 0xDEADBEEFCAFEF00Dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

enum { NKEYS = 10000 };

struct ref {
	char keys[NKEYS][12];
	void *values[NKEYS]; /* NULL = absent */
	size_t count;
};

static void verify(const struct map *m, const struct ref *r)
{
	assert_int_equal(m->count, r->count);
	for (size_t i = 0; i < NKEYS; i++)
		assert_ptr_equal(map_get(m, r->keys[i]), r->values[i]);
	/* Iteration visits every present key exactly once, with its value. */
	static unsigned char visits[NKEYS];
	memset(visits, 0, sizeof(visits));
	size_t it = 0, n = 0;
	const char *k;
	void *v;
	while (map_next(m, &it, &k, &v)) {
		int idx = atoi(k + 1);
		assert_true(idx >= 0 && idx < NKEYS);
		assert_ptr_equal(k, r->keys[idx]);
		assert_ptr_equal(v, r->values[idx]);
		visits[idx]++;
		n++;
	}
	assert_int_equal(n, r->count);
	for (size_t i = 0; i < NKEYS; i++)
		assert_int_equal(visits[i], r->values[i] ? 1 : 0);
}

static void t_many_keys_against_reference(void **state)
{
	(void)state;
	struct ref *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	for (int i = 0; i < NKEYS; i++)
		snprintf(r->keys[i], sizeof(r->keys[i]), "k%d", i);
	struct map m;
	map_init(&m, 12345);

	/* Insert all, deleting a random present key every third insert. */
	for (int i = 0; i < NKEYS; i++) {
		void *val = (void *)((uintptr_t)(i + 1) * 8);
		assert_null(map_put(&m, r->keys[i], val));
		r->values[i] = val;
		r->count++;
		if (i % 3 == 2) {
			size_t j = (size_t)(rng() % (size_t)(i + 1));
			assert_ptr_equal(map_del(&m, r->keys[j]), r->values[j]);
			if (r->values[j])
				r->count--;
			r->values[j] = NULL;
		}
	}
	verify(&m, r);

	/* Then a long random mix of puts, replacements and deletes. */
	for (int step = 0; step < 200000; step++) {
		size_t j = (size_t)(rng() % NKEYS);
		if (rng() % 2) {
			void *val = (void *)((uintptr_t)(rng() % 1000000 + 1) * 8);
			assert_ptr_equal(map_put(&m, r->keys[j], val), r->values[j]);
			if (!r->values[j])
				r->count++;
			r->values[j] = val;
		} else {
			assert_ptr_equal(map_del(&m, r->keys[j]), r->values[j]);
			if (r->values[j])
				r->count--;
			r->values[j] = NULL;
		}
		assert_int_equal(m.count, r->count);
		if (step % 50000 == 0)
			verify(&m, r);
	}
	verify(&m, r);

	/* Delete everything. */
	for (size_t i = 0; i < NKEYS; i++) {
		assert_ptr_equal(map_del(&m, r->keys[i]), r->values[i]);
		r->values[i] = NULL;
	}
	r->count = 0;
	verify(&m, r);
	map_free(&m);
	free(r);
}

/* A small, crowded table where probe chains wrap around the end: many deletes must never break a
 * chain (a lost key) or leave a stale one behind. */
static void t_small_table_churn(void **state)
{
	(void)state;
	char keys[24][8];
	void *present[24] = {NULL};
	size_t count = 0;
	for (int i = 0; i < 24; i++)
		snprintf(keys[i], sizeof(keys[i]), "s%d", i);
	struct map m;
	map_init(&m, 99);
	for (int step = 0; step < 100000; step++) {
		int j = (int)(rng() % 24);
		if (rng() % 2) {
			void *prev = map_put(&m, keys[j], keys[j]);
			assert_ptr_equal(prev, present[j]);
			if (!present[j])
				count++;
			present[j] = keys[j];
		} else {
			assert_ptr_equal(map_del(&m, keys[j]), present[j]);
			if (present[j])
				count--;
			present[j] = NULL;
		}
		assert_int_equal(m.count, count);
		for (int i = 0; i < 24; i++)
			assert_ptr_equal(map_get(&m, keys[i]), present[i]);
	}
	map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_empty),
		cmocka_unit_test(t_put_get_del_replace),
		cmocka_unit_test(t_seeds),
		cmocka_unit_test(t_many_keys_against_reference),
		cmocka_unit_test(t_small_table_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
