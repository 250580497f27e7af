/* rchan: the set of channels a link to Redis is subscribed to, kept across reconnections: what
 * rlink (one Redis) and rshard (a Redis Cluster) share.
 *
 * Ownership. The set is a map (base/map.h) its link owns: folded by nothing (channel names are
 * bytes, compared exactly), each value one allocation holding the name, which is also its key.
 * rchan_del hands the entry back to the caller, who frees it with free() once it has sent the
 * unsubscription; rchan_free_all frees them all and the map. */
#ifndef CHARLA_BRIDGE_CLUSTER_RCHAN_H
#define CHARLA_BRIDGE_CLUSTER_RCHAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/map.h"

struct rchan {
	size_t len;
	char name[]; /* NUL-terminated: the map's key */
};

/* The channel ch[0..len) added, or NULL when it is there already or cannot be one (empty, over
 * RLINK_CHANNEL_MAX bytes, or holding a NUL). */
struct rchan *rchan_add(struct map *subs, const char *ch, size_t len);
/* The channel taken out (the caller frees it), or NULL when it was not there. */
struct rchan *rchan_del(struct map *subs, const char *ch, size_t len);
bool rchan_has(const struct map *subs, const char *ch, size_t len);
void rchan_free_all(struct map *subs);

#endif
