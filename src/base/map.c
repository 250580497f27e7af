#include "base/map.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* A seeded 64-bit FNV-1a with a final avalanche (from MurmurHash3's fmix64). Not a keyed PRF like
 * SipHash, but the random seed stops precomputed collisions, and names are at most 128 bytes. */
static uint64_t map_hash(uint64_t seed, const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull ^ seed;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

void map_init(struct map *m, uint64_t seed)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
	m->seed = seed;
}

void map_free(struct map *m)
{
	free(m->slots);
	map_init(m, m->seed);
}

static size_t map_find(const struct map *m, const char *key, uint64_t h)
{
	size_t mask = m->cap - 1;
	size_t i = h & mask;
	while (m->slots[i].key) {
		if (m->slots[i].hash == h && strcmp(m->slots[i].key, key) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static void map_resize(struct map *m, size_t cap)
{
	struct map_slot *old = m->slots;
	size_t oldcap = m->cap;
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < oldcap; i++) {
		if (!old[i].key)
			continue;
		size_t j = old[i].hash & (cap - 1);
		while (m->slots[j].key)
			j = (j + 1) & (cap - 1);
		m->slots[j] = old[i];
	}
	free(old);
}

void *map_get(const struct map *m, const char *key)
{
	if (!m->count)
		return NULL;
	size_t i = map_find(m, key, map_hash(m->seed, key));
	return m->slots[i].key ? m->slots[i].value : NULL;
}

void *map_put(struct map *m, const char *key, void *value)
{
	if ((m->count + 1) * 2 > m->cap)
		map_resize(m, m->cap ? m->cap * 2 : 16);
	uint64_t h = map_hash(m->seed, key);
	size_t i = map_find(m, key, h);
	if (m->slots[i].key) {
		void *prev = m->slots[i].value;
		m->slots[i].key = key;
		m->slots[i].value = value;
		return prev;
	}
	m->slots[i].key = key;
	m->slots[i].value = value;
	m->slots[i].hash = h;
	m->count++;
	return NULL;
}

void *map_del(struct map *m, const char *key)
{
	if (!m->count)
		return NULL;
	size_t mask = m->cap - 1;
	size_t i = map_find(m, key, map_hash(m->seed, key));
	if (!m->slots[i].key)
		return NULL;
	void *value = m->slots[i].value;
	/* Backward-shift deletion keeps every probe chain unbroken without tombstones. */
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->slots[j].key)
			break;
		size_t home = m->slots[j].hash & mask;
		/* Move j into the hole at i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = NULL;
	m->slots[i].value = NULL;
	m->count--;
	return value;
}

int map_next(const struct map *m, size_t *iter, const char **key, void **value)
{
	while (*iter < m->cap) {
		size_t i = (*iter)++;
		if (m->slots[i].key) {
			if (key)
				*key = m->slots[i].key;
			if (value)
				*value = m->slots[i].value;
			return 1;
		}
	}
	return 0;
}
