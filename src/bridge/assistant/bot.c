/* bot: the assistant's bot session, and every call the assistant makes to the hub. The hub knows
 * the assistant as a named bot that hears every room (hub_watch) and that /ask and /forget reach
 * (hub_set_assistant); what it hears is handed to the inbox, what the assistant says goes out
 * through bot_say and bot_tell. Keeping the hub's API in this one file keeps the rest of the
 * assistant free of it.
 *
 * The session is embedded in struct assistant (a->sess); the hub holds it from bot_open until
 * bot_close. a->role and a->hint, which the hub shows, are the assistant's and outlive it. */
#include <string.h>

#include "bridge/assistant/assistant_int.h"

/* Inside a fan-out: only copies what concerns the assistant. */
static void bot_on_event(struct session *s, const struct hub_event *ev)
{
	struct assistant *a = s->owner;
	enum inbox_kind kind;
	switch (ev->type) {
	case HUB_EV_SAY:
		if (!ev->room)
			return;
		kind = INBOX_SAY;
		break;
	case HUB_EV_PRIVATE:
		kind = INBOX_PRIVATE;
		break;
	case HUB_EV_QUIT:
		kind = INBOX_QUIT;
		break;
	case HUB_EV_NICK:
		kind = INBOX_NICK;
		break;
	case HUB_EV_FORGET:
		kind = INBOX_FORGET;
		break;
	default:
		return; /* actions, joins, and the replies the hub sends the bot itself */
	}
	if (ev->from)
		inbox_push(a, kind, ev->room, ev->from, ev->text, ev->len);
}

static void bot_admitted(struct session *s)
{
	(void)s;
}

static void bot_disconnect(struct session *s)
{
	(void)s;
}

static const struct session_ops bot_ops = {
	.face = NULL,
	.admitted = bot_admitted,
	.disconnect = bot_disconnect,
	.event = bot_on_event,
};

int bot_open(struct assistant *a, struct hub *hub, const char *name, size_t len)
{
	a->hub = hub;
	hub_session_init(&a->sess, &bot_ops, a);
	hub_open(hub, &a->sess);
	int r = hub_register_bot(hub, &a->sess, name, len, a->role, a->hint);
	if (r != 0)
		hub_close(hub, &a->sess, "");
	return r;
}

void bot_listen(struct assistant *a)
{
	hub_watch(a->hub, &a->sess);
	hub_set_assistant(a->hub, &a->sess);
}

void bot_close(struct assistant *a)
{
	hub_close(a->hub, &a->sess, "");
}

bool bot_say(struct assistant *a, const char *room, const char *text, size_t len)
{
	return hub_bot_say(a->hub, &a->sess, room, text, len);
}

void bot_tell(struct assistant *a, const char *name, const char *text, size_t len)
{
	hub_private(a->hub, &a->sess, name, strlen(name), text, len, false);
}

bool bot_user_exists(struct assistant *a, const char *name)
{
	return hub_find(a->hub, name, strlen(name)) != NULL;
}

bool bot_room_exists(struct assistant *a, const char *room)
{
	return hub_find_room(a->hub, room, strlen(room)) != NULL;
}
