#include "hub/remote.h"

#include <assert.h>
#include <string.h>

#include "hub/hub.h"
#include "hub/internal.h"
#include "hub/name.h"

void hub_set_cluster(struct hub *h, const struct hub_cluster *c)
{
	h->cluster = c;
}

void remote_begin(struct hub *h, const struct hub_stamp *st)
{
	assert(!h->elsewhere && "events from elsewhere are applied one at a time");
	h->elsewhere = st;
}

void remote_end(struct hub *h)
{
	h->elsewhere = NULL;
}

enum hub_result remote_open(struct hub *h, struct session *s, const char *name, size_t len)
{
	assert(s->state == SESSION_NEW && !s->ops->face);
	s->remote = 1;
	s->state = SESSION_NAMING;
	enum hub_result r = session_name_check(h, s, name, len);
	if (r == HUB_ERR_NAME_BOT)
		r = HUB_ERR_NAME_TAKEN;
	if (r != HUB_OK)
		return r;
	session_name_take(h, s, name, len);
	struct hub_event arrive = {.type = HUB_EV_ARRIVE, .src = s, .from = s->name};
	fan_begin(h, &arrive, false);
	fan_end(h);
	return HUB_OK;
}

enum hub_result remote_join(struct hub *h, struct session *s, const char *name, size_t len,
			    uint8_t prefix)
{
	assert(s->remote && s->state == SESSION_ACTIVE);
	if (name_check_room(name, len) != NAME_OK)
		return HUB_ERR_ROOM_INVALID;
	struct room *r = room_find(h, name, len);
	if (!r)
		r = room_new(h, name, len, false);
	struct membership *m = session_membership(s, r);
	if (m) {
		r->members[m->index].prefix = prefix;
		return HUB_OK;
	}
	room_enter(h, s, r, prefix);
	return HUB_OK;
}

void remote_tell_all(struct hub *h, enum hub_cluster_news what)
{
	if (h->stopping)
		return;
	struct hub_event ev = {.type = HUB_EV_CLUSTER, .flags = HUB_EVF_SELF,
			       .from = h->cfg.server_name, .u.cluster = {.what = (uint8_t)what}};
	fan_begin(h, &ev, false);
	size_t it = 0;
	void *v;
	while (map_next(&h->names, &it, NULL, &v))
		if (remote_local_person(v))
			fan_to(h, &ev, v);
	fan_end(h);
}

const char *remote_node(const struct hub *h, const struct session *s)
{
	return s->remote && h->cluster && h->cluster->node_of
		       ? h->cluster->node_of(h->cluster->ctx, s)
		       : NULL;
}

size_t remote_people(const struct hub *h)
{
	return h->names.count - h->nbots;
}

void remote_list(struct hub *h, struct session *s)
{
	struct hub_node_view v[HUB_NODES_MAX];
	size_t n = 0;
	bool whole = true;
	if (h->cluster) {
		n = h->cluster->nodes(h->cluster->ctx, v, HUB_NODES_MAX);
		whole = h->cluster->whole(h->cluster->ctx);
	}
	if (n == 0) {
		v[0] = (struct hub_node_view){.name = h->cfg.server_name, .online = h->online,
					      .here = true};
		n = 1;
	}
	struct hub_event ev = {.type = HUB_EV_CLUSTER, .flags = HUB_EVF_SELF, .src = s,
			       .from = s->name,
			       .u.cluster = {.what = HUB_CLUSTER_LIST, .whole = whole,
					     .clustered = h->cluster != NULL, .v = v,
					     .n = n < HUB_NODES_MAX ? n : HUB_NODES_MAX,
					     .people = remote_people(h)}};
	fan_one(h, s, &ev);
}
