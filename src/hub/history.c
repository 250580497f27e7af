#include "hub/history.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "hub/hub.h"
#include "hub/internal.h"
#include "hub/name.h"
#include "hub/room.h"
#include "hub/session.h"

/* A request the provider has not answered: the hub stands between it and the asker, so that a
 * closing session's requests are cancelled without the face keeping a list. */
struct history_pending {
	struct list_node node; /* on h->history_pending */
	struct hub *h;
	const struct session *s;
	uint64_t req;
	hub_history_fn cb;
	hub_history_targets_fn tcb;
	void *ctx;
};

void hub_history_set(struct hub *h, const struct hub_history_provider *p)
{
	hub_history_free(h);
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

static struct history_pending *history_pending_new(struct hub *h, const struct session *s,
						   void *ctx)
{
	struct history_pending *p = xcalloc(1, sizeof(*p));
	p->h = h;
	p->s = s;
	p->ctx = ctx;
	return p;
}

/* The provider's answer: the pending record goes before the asker's callback runs (which may
 * ask again). */
static void history_answer(void *ctx, enum hub_history_status st, const struct hub_history_msg *m,
			   size_t n)
{
	struct history_pending *p = ctx;
	list_remove(&p->node);
	hub_history_fn cb = p->cb;
	void *c = p->ctx;
	free(p);
	cb(c, st, m, n);
}

static void history_answer_targets(void *ctx, enum hub_history_status st,
				   const struct hub_history_target *t, size_t n)
{
	struct history_pending *p = ctx;
	list_remove(&p->node);
	hub_history_targets_fn cb = p->tcb;
	void *c = p->ctx;
	free(p);
	cb(c, st, t, n);
}

/* Files p as pending when the provider took the request (else frees it). */
static enum hub_history_status history_track(struct hub *h, struct history_pending *p,
					     enum hub_history_status st, uint64_t *req)
{
	if (st != HUB_HISTORY_OK || !p->req) {
		free(p);
		*req = 0;
		return st == HUB_HISTORY_OK ? HUB_HISTORY_UNAVAILABLE : st;
	}
	list_push_back(&h->history_pending, &p->node);
	*req = p->req;
	return HUB_HISTORY_OK;
}

enum hub_history_status hub_history_query(struct hub *h, struct session *s,
					  const struct hub_history_query *q, hub_history_fn cb,
					  void *ctx, uint64_t *req)
{
	*req = 0;
	if (!history_may_read(h, s, q->target, q->target_len))
		return HUB_HISTORY_REFUSED;
	if (q->target[0] != '#' && !(s->info && s->info->account))
		return HUB_HISTORY_NO_ACCOUNT; /* private history is an account's: see history.h */
	if (!h->history)
		return HUB_HISTORY_UNAVAILABLE;
	struct hub_history_query capped = *q;
	capped.limit = history_cap(q->limit);
	struct history_pending *p = history_pending_new(h, s, ctx);
	p->cb = cb;
	enum hub_history_status st =
		h->history->query(h->history->impl, s, &capped, history_answer, p, &p->req);
	return history_track(h, p, st, req);
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
	struct history_pending *p = history_pending_new(h, s, ctx);
	p->tcb = cb;
	enum hub_history_status st =
		h->history->targets(h->history->impl, s, rooms, n, from, to, history_cap(limit),
				    history_answer_targets, p, &p->req);
	free(rooms);
	return history_track(h, p, st, req);
}

static void history_drop(struct hub *h, struct history_pending *p)
{
	if (h->history)
		h->history->cancel(h->history->impl, p->req);
	list_remove(&p->node);
	free(p);
}

void hub_history_cancel(struct hub *h, uint64_t req)
{
	if (!req)
		return;
	list_each_safe(node, &h->history_pending) {
		struct history_pending *p = list_entry(node, struct history_pending, node);
		if (p->req == req) {
			history_drop(h, p);
			return;
		}
	}
}

void hub_history_forget(struct hub *h, struct session *s)
{
	list_each_safe(node, &h->history_pending) {
		struct history_pending *p = list_entry(node, struct history_pending, node);
		if (p->s == s)
			history_drop(h, p);
	}
}

void hub_history_free(struct hub *h)
{
	list_each_safe(node, &h->history_pending)
		history_drop(h, list_entry(node, struct history_pending, node));
}
