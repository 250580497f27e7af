/* bot: the assistant's place in the hub, and every call the assistant makes to it. The assistant is
 * three things there: a named bot (its session, which private messages reach), an observer (what
 * is said in every room, who leaves, who is renamed) and two commands (/ask and /forget in the line
 * protocol). What it hears is handed to the inbox, keyed by the speaker's session id so that a
 * rename changes no key; what it says goes out through bot_say and bot_tell. Keeping the hub's
 * API in this one file keeps the rest of the assistant free of it.
 *
 * The session, the observer and the commands are embedded in struct assistant; the hub holds
 * them from bot_open (bot_listen for the last two) until bot_close. The texts the hub shows (role,
 * hint, the help lines) are the assistant's and outlive them. */
#include <string.h>

#include "base/buf.h"
#include "bridge/assistant/assistant_int.h"

static struct assistant *bot_of(struct session *s)
{
	return list_entry(s, struct assistant, sess);
}

/* The session's own events: private messages to the bot (a notice is never answered, as IRC
 * asks of bots), and results of what it said (a room that vanished), which need nothing. */
static void bot_on_event(struct session *s, const struct hub_event *ev)
{
	struct assistant *a = bot_of(s);
	if (ev->type == HUB_EV_MESSAGE && !ev->room && ev->src && ev->kind == HUB_MSG_SAY)
		inbox_push(a, INBOX_PRIVATE, NULL, ev->src->id, (enum lang)ev->src->lang, ev->from, ev->text, ev->len);
}

/* Every room's lines, quits and renames, inside a fan-out: only copies what concerns it. */
static void bot_hears(struct hub_observer *o, const struct hub_event *ev)
{
	struct assistant *a = o->ctx;
	if (!ev->src || ev->src == &a->sess)
		return; /* the server's own news, or its own words */
	if (ev->src->remote)
		return; /* a person of another node of a cluster: that node's assistant answers */
	switch (ev->type) {
	case HUB_EV_MESSAGE:
		if (ev->room && ev->kind == HUB_MSG_SAY)
			inbox_push(a, INBOX_SAY, ev->room, ev->src->id, (enum lang)ev->src->lang, ev->from, ev->text, ev->len);
		break;
	case HUB_EV_QUIT:
		inbox_push(a, INBOX_QUIT, NULL, ev->src->id, (enum lang)ev->src->lang, ev->from, NULL, 0);
		break;
	case HUB_EV_NICK:
		inbox_push(a, INBOX_NICK, NULL, ev->src->id, (enum lang)ev->src->lang, ev->from, ev->text, ev->len);
		break;
	default:
		break;
	}
}

/* /ask QUESTION: "NAME: QUESTION" said in the room by whoever asked, so that everyone sees the
 * question the answer belongs to; the observer then hears it like any question. */
static enum hub_result bot_ask(const struct hub_command *c, struct hub *h, struct session *s,
			       const char *room, const char *args, size_t len)
{
	struct assistant *a = c->ctx;
	struct buf line = BUF_INIT;
	buf_printf(&line, "%s: ", a->sess.name);
	buf_append(&line, args, len);
	enum hub_result r = room_say(h, s, room, strlen(room), HUB_MSG_SAY, line.data, line.len);
	buf_free(&line);
	return r;
}

/* /forget: the room's conversation (or, with no room, the private one). */
static enum hub_result bot_forget(const struct hub_command *c, struct hub *h, struct session *s,
				  const char *room, const char *args, size_t len)
{
	(void)h;
	(void)args;
	(void)len;
	inbox_push(c->ctx, INBOX_FORGET, room, s->id, (enum lang)s->lang, s->name, NULL, 0);
	return HUB_OK;
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
	session_init(hub, &a->sess, &bot_ops);
	session_open(hub, &a->sess);
	const struct hub_bot info = {.role = a->role, .hint = a->hint, .usage = a->form,
				     .help = a->form_help, .everywhere = true};
	enum hub_result r = hub_bot_register(hub, &a->sess, name, len, &info);
	if (r != HUB_OK)
		session_close(hub, &a->sess, "", 0);
	return r == HUB_OK ? 0 : -1;
}

void bot_listen(struct assistant *a)
{
	a->ears = (struct hub_observer){
		.mask = HUB_MASK(HUB_EV_MESSAGE) | HUB_MASK(HUB_EV_QUIT) | HUB_MASK(HUB_EV_NICK),
		.event = bot_hears,
		.ctx = a,
	};
	a->ask = (struct hub_command){.name = "ask", .args = a->ask_args, .help = a->ask_help,
				      .needs_args = true, .needs_room = true, .run = bot_ask,
				      .ctx = a};
	a->forget = (struct hub_command){.name = "forget", .args = "", .help = a->forget_help,
					 .run = bot_forget, .ctx = a};
	hub_observe(a->hub, &a->ears);
	hub_add_command(a->hub, &a->ask);
	hub_add_command(a->hub, &a->forget);
	a->listening = true;
}

void bot_close(struct assistant *a)
{
	if (a->listening) {
		hub_unobserve(a->hub, &a->ears);
		hub_remove_command(a->hub, &a->ask);
		hub_remove_command(a->hub, &a->forget);
		a->listening = false;
	}
	session_close(a->hub, &a->sess, "", 0);
}

bool bot_say(struct assistant *a, const char *room, const char *text, size_t len)
{
	if (a->sess.state != SESSION_ACTIVE)
		return false;
	return room_say(a->hub, &a->sess, room, strlen(room), HUB_MSG_SAY, text, len) == HUB_OK;
}

void bot_tell(struct assistant *a, const char *name, const char *text, size_t len)
{
	if (a->sess.state == SESSION_ACTIVE && session_find(a->hub, name, strlen(name)))
		session_message(a->hub, &a->sess, name, strlen(name), HUB_MSG_SAY, text, len);
}

bool bot_user_exists(struct assistant *a, const char *name)
{
	return session_find(a->hub, name, strlen(name)) != NULL;
}

bool bot_room_exists(struct assistant *a, const char *room)
{
	return room_find(a->hub, room, strlen(room)) != NULL;
}
