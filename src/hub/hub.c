#include "hub/hub.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/frame.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "hub/internal.h"
#include "hub/name.h"

void hub_init(struct hub *h, const struct hub_config *cfg, const struct logger *log, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	h->log = log;
	map_init(&h->names, seed);
	map_init(&h->reserved, seed ^ 0x5851f42d4c957f2dull);
	map_init(&h->rooms, seed ^ 0x9e3779b97f4a7c15ull);
	list_init(&h->queue);
	list_init(&h->observers);
	list_init(&h->history_pending);
	buf_init(&h->scratch);
	h->fan_used = xcalloc(1, sizeof(*h->fan_used));
	const char *lobby = cfg->lobby ? cfg->lobby : "#lobby";
	h->lobby = room_new(h, lobby, strlen(lobby), true);
}

void hub_free(struct hub *h)
{
	hub_history_free(h);
	room_free_all(h);
	map_free(&h->rooms);
	map_free(&h->names);
	map_free(&h->reserved);
	buf_free(&h->scratch);
	free(h->formats);
	free(h->fan);
	free(h->fan_used);
	free(h->bots);
	free(h->commands);
}

void hub_stop(struct hub *h)
{
	h->stopping = true;
}

void hub_add_face(struct hub *h, const struct hub_face *face)
{
	unsigned variants = face->variants ? face->variants : 1;
	for (size_t i = 0; i < h->nformats; i++)
		if (h->formats[i].face == face)
			return;
	assert((size_t)h->nslots + variants < HUB_NO_SLOT);
	h->formats = xrealloc(h->formats, (h->nformats + 1) * sizeof(*h->formats));
	h->formats[h->nformats++] = (struct hub_format){.face = face, .base = h->nslots};
	h->nslots = (uint16_t)(h->nslots + variants);
	h->fan = xrealloc(h->fan, h->nslots * sizeof(*h->fan));
	memset(h->fan, 0, h->nslots * sizeof(*h->fan));
	h->fan_used = xrealloc(h->fan_used, ((size_t)h->nslots + 1) * sizeof(*h->fan_used));
	h->fan_used[0] = 0;
}

/* ---- bots ---- */

enum hub_result hub_bot_register(struct hub *h, struct session *s, const char *name, size_t len,
				 const struct hub_bot *info)
{
	assert(s->state == SESSION_NAMING && !s->ops->face);
	enum hub_result r = session_name_check(h, s, name, len);
	if (r != HUB_OK)
		return session_name_refused(h, s, r, name, len);
	session_name_take(h, s, name, len);
	h->bots = xgrow(h->bots, &h->capbots, h->nbots + 1, sizeof(*h->bots));
	struct hub_bot *b = &h->bots[h->nbots++];
	*b = *info;
	b->s = s;
	s->bot = 1;
	return HUB_OK;
}

bool hub_bot_is_secret(const struct hub *h, const char *from, const char *to)
{
	const char *names[] = {from, to};
	for (size_t i = 0; i < 2; i++) {
		const struct session *s = names[i] ? session_find(h, names[i], strlen(names[i])) : NULL;
		const struct hub_bot *b = s ? hub_bot_of(h, s) : NULL;
		if (b && b->secret)
			return true;
	}
	return false;
}

const struct hub_bot *hub_bot_of(const struct hub *h, const struct session *s)
{
	if (!s->bot)
		return NULL;
	for (size_t i = 0; i < h->nbots; i++)
		if (h->bots[i].s == s)
			return &h->bots[i];
	return NULL;
}

/* session_close's hook: the bot leaves the registry. */
void hub_bot_forget(struct hub *h, struct session *s)
{
	for (size_t i = 0; i < h->nbots; i++) {
		if (h->bots[i].s == s) {
			memmove(&h->bots[i], &h->bots[i + 1], (h->nbots - i - 1) * sizeof(*h->bots));
			h->nbots--;
			break;
		}
	}
	s->bot = 0;
}

/* ---- commands and observers ---- */

void hub_add_command(struct hub *h, const struct hub_command *c)
{
	h->commands = xgrow(h->commands, &h->capcommands, h->ncommands + 1, sizeof(*h->commands));
	h->commands[h->ncommands++] = c;
}

void hub_remove_command(struct hub *h, const struct hub_command *c)
{
	for (size_t i = 0; i < h->ncommands; i++) {
		if (h->commands[i] == c) {
			memmove(&h->commands[i], &h->commands[i + 1],
				(h->ncommands - i - 1) * sizeof(*h->commands));
			h->ncommands--;
			return;
		}
	}
}

const struct hub_command *hub_find_command(const struct hub *h, const char *word, size_t len)
{
	for (size_t i = 0; i < h->ncommands; i++) {
		const char *n = h->commands[i]->name;
		if (strlen(n) == len && strncasecmp(n, word, len) == 0)
			return h->commands[i];
	}
	return NULL;
}

void hub_observe(struct hub *h, struct hub_observer *o)
{
	if (!list_linked(&o->node))
		list_push_back(&h->observers, &o->node);
}

void hub_unobserve(struct hub *h, struct hub_observer *o)
{
	(void)h;
	list_remove(&o->node);
}

size_t hub_others(const struct hub *h, const struct session *s)
{
	bool counted = s->state == SESSION_NAMING || s->state == SESSION_ACTIVE;
	/* People of other nodes of a cluster are named sessions counted neither as admitted nor
	 * online here (remote.h). */
	size_t remote = h->names.count - h->nbots - h->online;
	return h->admitted + remote - (counted && h->admitted ? 1 : 0);
}

size_t hub_reason_len(const char *text, size_t len)
{
	return len > HUB_REASON_MAX ? utf8_boundary(text, len, HUB_REASON_MAX) : len;
}

enum hub_result hub_wallops(struct hub *h, struct session *s, const char *text, size_t len)
{
	len = hub_reason_len(text, len);
	if (!(s->caps & SESSION_MODE_OPER))
		return fan_result(h, s, HUB_ERR_NOT_OPER, NULL, 0, NULL, 0, 0, 0);
	struct hub_event ev = {.type = HUB_EV_WALLOPS, .src = s, .from = s->name, .text = text,
			       .len = len};
	fan_begin(h, &ev, true);
	size_t it = 0;
	void *v;
	while (map_next(&h->names, &it, NULL, &v)) {
		struct session *to = v;
		if (to->caps & SESSION_MODE_WALLOPS)
			fan_to(h, &ev, to);
	}
	fan_end(h);
	return HUB_OK;
}
