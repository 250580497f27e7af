/* map: a hash table from NUL-terminated string keys to pointers.
 *
 * Keys are borrowed: the caller keeps each key alive and unchanged while it is in the map (the hub
 * stores a session's or room's folded name inside the session or room itself). Values are opaque.
 * Open addressing with linear probing and backward-shift deletion, load factor at most 1/2: lookups,
 * inserts and deletes are O(1) on average. The hash is seeded per map so that clients choosing names
 * cannot pick colliding keys ahead of time. */
#ifndef CHARLA_BASE_MAP_H
#define CHARLA_BASE_MAP_H

#include <stddef.h>
#include <stdint.h>

struct map_slot {
	const char *key;
	void *value;
	uint64_t hash;
};

struct map {
	struct map_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t count;
	uint64_t seed;
};

void map_init(struct map *m, uint64_t seed);
void map_free(struct map *m);
void *map_get(const struct map *m, const char *key);
/* Inserts or replaces; returns the previous value or NULL. */
void *map_put(struct map *m, const char *key, void *value);
/* Removes key; returns its value or NULL. */
void *map_del(struct map *m, const char *key);
/* Iteration: for (size_t i = 0; map_next(m, &i, &k, &v); ) visits every entry once, unordered.
 * The map must not change during iteration. */
int map_next(const struct map *m, size_t *iter, const char **key, void **value);

#endif
