#include "bridge/cluster/rchan.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "bridge/cluster/rlink.h"

/* ch[0..len) as a map key; false if it cannot be one. */
static bool rchan_key(const char *ch, size_t len, char key[RLINK_CHANNEL_MAX + 1])
{
	if (len == 0 || len > RLINK_CHANNEL_MAX || memchr(ch, '\0', len))
		return false;
	memcpy(key, ch, len);
	key[len] = '\0';
	return true;
}

struct rchan *rchan_add(struct map *subs, const char *ch, size_t len)
{
	char key[RLINK_CHANNEL_MAX + 1];
	if (!rchan_key(ch, len, key) || map_get(subs, key))
		return NULL;
	struct rchan *c = xmalloc(sizeof(*c) + len + 1);
	c->len = len;
	memcpy(c->name, key, len + 1);
	map_put(subs, c->name, c);
	return c;
}

struct rchan *rchan_del(struct map *subs, const char *ch, size_t len)
{
	char key[RLINK_CHANNEL_MAX + 1];
	return rchan_key(ch, len, key) ? map_del(subs, key) : NULL;
}

bool rchan_has(const struct map *subs, const char *ch, size_t len)
{
	char key[RLINK_CHANNEL_MAX + 1];
	return rchan_key(ch, len, key) && map_get(subs, key) != NULL;
}

void rchan_free_all(struct map *subs)
{
	const char *key;
	void *value;
	for (size_t i = 0; map_next(subs, &i, &key, &value);)
		free(value);
	map_free(subs);
}
