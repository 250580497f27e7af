#include "hub/history.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "hub/hub.h"
#include "hub/name.h"
#include "hub/room.h"
#include "hub/session.h"

void hub_history_set(struct hub *h, const struct hub_history_provider *p)
{
	h->history = p;
}

bool hub_history_available(const struct hub *h)
{
	return h->history != NULL;
}

/* Whether s may read target: a room it is a member of, or its conversation with a valid name. */
static bool history_may_read(const struct hub *h, const struct session *s, const char *target,
			     size_t len)
{
	if (s->state != SESSION_ACTIVE || !s->name || !target || !len)
		return false;
	if (target[0] == '#') {
		const struct room *r = room_find(h, target, len);
		return r && room_prefix(r, s) >= 0;
	}
	return name_check_user(target, len) == NAME_OK;
}

static unsigned history_cap(unsigned limit)
{
	return limit == 0 || limit > HUB_HISTORY_MAX ? HUB_HISTORY_MAX : limit;
}

enum hub_history_status hub_history_query(struct hub *h, struct session *s,
					  const struct hub_history_query *q, hub_history_fn cb,
					  void *ctx, uint64_t *req)
{
	*req = 0;
	if (!history_may_read(h, s, q->target, q->target_len))
		return HUB_HISTORY_REFUSED;
	if (!h->history)
		return HUB_HISTORY_UNAVAILABLE;
	struct hub_history_query capped = *q;
	capped.limit = history_cap(q->limit);
	return h->history->query(h->history->impl, s, &capped, cb, ctx, req);
}

enum hub_history_status hub_history_targets(struct hub *h, struct session *s, uint64_t from,
					    uint64_t to, unsigned limit,
					    hub_history_targets_fn cb, void *ctx, uint64_t *req)
{
	*req = 0;
	if (s->state != SESSION_ACTIVE || !s->name)
		return HUB_HISTORY_REFUSED;
	if (!h->history)
		return HUB_HISTORY_UNAVAILABLE;
	/* The rooms s is in: only those may be named back to it. */
	size_t n = s->nrooms;
	const char **rooms = xcalloc(n ? n : 1, sizeof(*rooms));
	for (size_t i = 0; i < n; i++)
		rooms[i] = s->rooms[i].room->name;
	enum hub_history_status st = h->history->targets(h->history->impl, s, rooms, n, from, to,
							 history_cap(limit), cb, ctx, req);
	free(rooms);
	return st;
}

void hub_history_cancel(struct hub *h, uint64_t req)
{
	if (req && h->history)
		h->history->cancel(h->history->impl, req);
}
