#include "hub/session.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "base/buf.h"
#include "hub/auth.h"
#include "hub/bans.h"
#include "hub/account.h"
#include "hub/flood.h"
#include "hub/internal.h"
#include "hub/name.h"

void session_init(struct hub *h, struct session *s, const struct session_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->state = SESSION_NEW;
	s->id = ++h->next_id;
	s->slot = HUB_NO_SLOT;
	s->lang = h->cfg.lang;
	if (!ops->face)
		return;
	for (size_t i = 0; i < h->nformats; i++)
		if (h->formats[i].face == ops->face)
			s->slot = h->formats[i].base;
	assert(s->slot != HUB_NO_SLOT && "a face must be registered with hub_add_face first");
}

void session_set_variant(struct hub *h, struct session *s, unsigned variant)
{
	for (size_t i = 0; i < h->nformats; i++) {
		const struct hub_format *f = &h->formats[i];
		if (f->face == s->ops->face) {
			assert(variant < (f->face->variants ? f->face->variants : 1));
			s->slot = (uint16_t)(f->base + variant);
		}
	}
}

/* ---- names ---- */

char *session_name_alloc(const char *name, size_t len, const char **folded)
{
	/* Folding never lengthens text (fold.h). */
	char *p = xmalloc(2 * len + 2);
	memcpy(p, name, len);
	p[len] = '\0';
	fold_utf8(name, len, p + len + 1, len + 1);
	*folded = p + len + 1;
	return p;
}

/* The folded form of a name as typed, for lookups; false if it is too long to be anyone's. */
static bool session_fold_key(const char *name, size_t len, char out[NAME_MAX_BYTES + 1])
{
	if (len > NAME_MAX_BYTES)
		return false;
	fold_utf8(name, len, out, NAME_MAX_BYTES + 1);
	return true;
}

struct session *session_find(const struct hub *h, const char *name, size_t len)
{
	char key[NAME_MAX_BYTES + 1];
	return session_fold_key(name, len, key) ? map_get(&h->names, key) : NULL;
}

/* session_name_check without the accounts' word: valid, and nobody else's or held for another. */
static enum hub_result session_name_free(struct hub *h, const struct session *s, const char *name,
					 size_t len, char key[NAME_MAX_BYTES + 1])
{
	if (name_check_user(name, len) != NAME_OK)
		return HUB_ERR_NAME_INVALID;
	session_fold_key(name, len, key);
	const struct session *other = map_get(&h->names, key);
	if (other && other != s)
		return other->bot ? HUB_ERR_NAME_BOT : HUB_ERR_NAME_TAKEN;
	const struct session *holder = map_get(&h->reserved, key);
	if (holder && holder != s)
		return HUB_ERR_NAME_TAKEN;
	return HUB_OK;
}

enum hub_result session_name_check(struct hub *h, const struct session *s, const char *name,
				   size_t len)
{
	char key[NAME_MAX_BYTES + 1];
	enum hub_result r = session_name_free(h, s, name, len, key);
	if (r == HUB_OK && hub_account_name_refused(h, s, key))
		return HUB_ERR_NAME_REGISTERED;
	return r;
}

enum hub_result session_name_refused(struct hub *h, struct session *s, enum hub_result r,
				     const char *name, size_t len)
{
	if (r == HUB_ERR_NAME_INVALID)
		return fan_result(h, s, r, name, len, NULL, 0, (int)name_check_user(name, len), 0);
	struct session *bot = r == HUB_ERR_NAME_BOT ? session_find(h, name, len) : NULL;
	const struct hub_bot *b = bot ? hub_bot_of(h, bot) : NULL;
	if (!b)
		return fan_result(h, s, r == HUB_ERR_NAME_BOT ? HUB_ERR_NAME_TAKEN : r, name, len,
				  NULL, 0, 0, 0);
	struct hub_event ev = {
		.type = HUB_EV_RESULT,
		.flags = HUB_EVF_SELF,
		.src = s,
		.from = s->name,
		.to = bot->name,
		.text = b->role ? b->role : "",
		.len = b->role ? strlen(b->role) : 0,
		.u.result = {.code = r},
	};
	fan_one(h, s, &ev);
	return r;
}

void session_name_take(struct hub *h, struct session *s, const char *name, size_t len)
{
	const char *folded;
	s->name = session_name_alloc(name, len, &folded);
	map_put(&h->names, folded, s);
	s->state = SESSION_ACTIVE;
}

static void session_unreserve(struct hub *h, struct session *s)
{
	if (!s->info || !s->info->reserved)
		return;
	char *r = s->info->reserved;
	const char *folded = r + strlen(r) + 1;
	if (map_get(&h->reserved, folded) == s)
		map_del(&h->reserved, folded);
	free(r);
	s->info->reserved = NULL;
}

static struct session_info *session_info(struct session *s)
{
	if (!s->info)
		s->info = xcalloc(1, sizeof(*s->info));
	return s->info;
}

void session_cut(struct hub *h, struct session *s, enum hub_result code, const char *text,
		 size_t tlen, size_t n, const char *quit, size_t qlen)
{
	struct hub_event ev = {.type = HUB_EV_RESULT, .flags = HUB_EVF_SELF, .src = s,
			       .from = s->name, .text = text, .len = tlen,
			       .u.result = {.code = code, .n = n}};
	fan_one(h, s, &ev);
	session_close(h, s, quit, qlen);
	s->ops->disconnect(s);
}

/* A name banned from the server (bans.h) cuts whoever asks for it. */
static bool session_name_banned(struct hub *h, struct session *s, const char *name, size_t len)
{
	struct hub_ban_view ban;
	if (!h->bans || s->bot || s->remote || !h->bans->name(h->bans->ctx, s, name, len, &ban))
		return false;
	struct buf quit = BUF_INIT;
	buf_printf(&quit, "Banned: %s", ban.reason);
	session_cut(h, s, HUB_ERR_SERVER_BANNED, ban.reason, strlen(ban.reason),
		    (size_t)(ban.until_ms / 1000), quit.data, quit.len);
	buf_free(&quit);
	return true;
}

enum hub_result session_reserve(struct hub *h, struct session *s, const char *name, size_t len)
{
	assert(s->state == SESSION_NAMING || s->state == SESSION_ACTIVE);
	/* Registering, a client logs in (SASL) after it gave its name: whether the name is an
	 * account it may not take is asked at commit, once the login had its chance. */
	char key[NAME_MAX_BYTES + 1];
	enum hub_result r = s->state == SESSION_NAMING ? session_name_free(h, s, name, len, key)
						       : session_name_check(h, s, name, len);
	if (r != HUB_OK)
		return session_name_refused(h, s, r, name, len);
	if (session_name_banned(h, s, name, len))
		return HUB_ERR_SERVER_BANNED;
	session_unreserve(h, s);
	const char *folded;
	session_info(s)->reserved = session_name_alloc(name, len, &folded);
	map_put(&h->reserved, folded, s);
	return HUB_OK;
}

void session_release(struct hub *h, struct session *s)
{
	session_unreserve(h, s);
}

/* Names s for the first time and puts it in the lobby. */
static void session_welcome(struct hub *h, struct session *s, const char *name, size_t len)
{
	session_name_take(h, s, name, len);
	if (++h->online > h->online_peak)
		h->online_peak = h->online;
	struct room *lobby = s->ops->no_lobby ? NULL : h->lobby;
	struct hub_event welcome = {
		.type = HUB_EV_WELCOME,
		.flags = HUB_EVF_SELF,
		.src = s,
		.from = s->name,
		.to = s->name,
		.room = lobby ? lobby->name : NULL,
		.u.count = lobby ? lobby->count : 0,
	};
	fan_one(h, s, &welcome);
	/* For observers (MONITOR); not a change others are sent, so it takes no id. */
	struct hub_event arrive = {.type = HUB_EV_ARRIVE, .src = s, .from = s->name};
	fan_begin(h, &arrive, false);
	fan_end(h);
	if (!lobby)
		return;
	room_enter(h, s, lobby, 0);
}

/* Renames s (already named) to name, telling it and those who share a room with it. */
static void session_rename(struct hub *h, struct session *s, const char *name, size_t len)
{
	const char *folded;
	char *fresh = session_name_alloc(name, len, &folded);
	map_del(&h->names, session_folded(s));
	char *old = s->name;
	s->name = fresh;
	map_put(&h->names, folded, s);
	struct hub_event ev = {.type = HUB_EV_NICK, .src = s, .from = old, .to = s->name,
			       .text = s->name, .len = len};
	/* Renames are announced in rooms of any size: they are rare, and without the news a name
	 * would change under everyone's eyes. */
	fan_self_and_shared(h, s, &ev);
	free(old);
}

enum hub_result session_commit(struct hub *h, struct session *s)
{
	assert(s->info && s->info->reserved);
	char *r = s->info->reserved;
	size_t len = strlen(r);
	/* Checked again: reserve saw the name before the rest of the mask (IRC's USER comes after
	 * NICK), so "*!~evil@*" would pass there. */
	if (session_name_banned(h, s, r, len))
		return HUB_ERR_SERVER_BANNED;
	if (s->state == SESSION_NAMING && hub_account_name_refused(h, s, r + len + 1)) {
		enum hub_result no = session_name_refused(h, s, HUB_ERR_NAME_REGISTERED, r, len);
		session_unreserve(h, s);
		return no;
	}
	enum hub_result res = HUB_OK;
	bool named = true;
	if (s->state == SESSION_NAMING) {
		session_welcome(h, s, r, len);
	} else if (strcmp(s->name, r) != 0) {
		session_rename(h, s, r, len);
	} else {
		named = false;
	}
	session_unreserve(h, s);
	if (named)
		hub_account_named(h, s);
	return res;
}

enum hub_result session_register(struct hub *h, struct session *s, const char *name, size_t len)
{
	assert(s->state == SESSION_NAMING);
	enum hub_result r = session_name_check(h, s, name, len);
	if (r != HUB_OK)
		return session_name_refused(h, s, r, name, len);
	if (session_name_banned(h, s, name, len))
		return HUB_ERR_SERVER_BANNED;
	session_welcome(h, s, name, len);
	hub_account_named(h, s);
	return HUB_OK;
}

enum hub_result session_nick(struct hub *h, struct session *s, const char *name, size_t len)
{
	assert(s->state == SESSION_ACTIVE);
	enum hub_result r = session_name_check(h, s, name, len);
	if (r != HUB_OK)
		return session_name_refused(h, s, r, name, len);
	if (session_name_banned(h, s, name, len))
		return HUB_ERR_SERVER_BANNED;
	if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
		return HUB_OK; /* no change at all */
	session_rename(h, s, name, len);
	hub_account_named(h, s);
	return HUB_OK;
}

/* ---- messages ---- */

enum hub_result session_message(struct hub *h, struct session *s, const char *to, size_t tolen,
				enum hub_msg_kind kind, const char *text, size_t len)
{
	return session_message_tagged(h, s, to, tolen, kind, text, len, NULL, 0);
}

enum hub_result session_message_tagged(struct hub *h, struct session *s, const char *to,
				       size_t tolen, enum hub_msg_kind kind, const char *text,
				       size_t len, const char *tags, size_t tags_len)
{
	struct session *t = session_find(h, to, tolen);
	if (!t)
		return fan_result(h, s, HUB_ERR_NO_SUCH_NAME, to, tolen, NULL, 0, 0, 0);
	enum hub_result why = flood_charge(h, s);
	if (why != HUB_OK)
		return why;
	struct hub_event ev = {.type = HUB_EV_MESSAGE, .kind = (uint8_t)kind, .src = s,
			       .from = s->name, .to = t->name, .text = text, .len = len,
			       .tags = tags, .tags_len = tags_len};
	h->messages++;
	h->private_messages++;
	fan_begin(h, &ev, true);
	/* To oneself with echo: the message as received, then the echo, as IRC clients expect. */
	fan_to(h, &ev, t);
	if (s->caps & SESSION_CAP_ECHO) {
		struct hub_event self = ev;
		self.flags = HUB_EVF_SELF;
		fan_one(h, s, &self);
	}
	fan_end(h);
	return HUB_OK;
}

/* ---- admission ---- */

static bool session_has_slot(const struct hub *h)
{
	return h->cfg.max_clients == 0 || h->admitted < h->cfg.max_clients;
}

static void session_admit(struct hub *h, struct session *s)
{
	s->state = SESSION_NAMING;
	h->admitted++;
	s->ops->admitted(s);
}

static void session_tell_place(struct hub *h, struct session *s, size_t place, bool moved)
{
	struct hub_event ev = {.type = HUB_EV_QUEUE, .flags = HUB_EVF_SELF | (moved ? HUB_EVF_MOVED : 0),
			       .src = s, .u.count = place};
	fan_one(h, s, &ev);
}

enum session_open_result session_open(struct hub *h, struct session *s)
{
	assert(s->state == SESSION_NEW);
	if (!s->ops->face) {
		/* A bot takes no client slot. */
		s->state = SESSION_NAMING;
		s->ops->admitted(s);
		return SESSION_ADMITTED;
	}
	if (session_has_slot(h) && list_empty(&h->queue)) {
		session_admit(h, s);
		return SESSION_ADMITTED;
	}
	if (h->qlen >= h->cfg.max_queue) {
		fan_result(h, s, HUB_ERR_QUEUE_FULL, NULL, 0, NULL, 0, 0, 0);
		s->state = SESSION_GONE;
		return SESSION_FULL;
	}
	s->state = SESSION_WAITING;
	list_push_back(&h->queue, &s->queue);
	h->qlen++;
	session_tell_place(h, s, h->qlen, false);
	return SESSION_QUEUED;
}

/* Tells every waiting session from `from` on its new place. O(queue), once per departure. */
static void session_renumber(struct hub *h, struct list_node *from, size_t place)
{
	for (struct list_node *n = from; n; n = list_next(&h->queue, n))
		session_tell_place(h, list_entry(n, struct session, queue), place++, true);
}

static void session_unqueue(struct hub *h, struct session *s)
{
	size_t place = 1;
	list_each(n, &h->queue) {
		if (n == &s->queue)
			break;
		place++;
	}
	struct list_node *next = list_next(&h->queue, &s->queue);
	list_remove(&s->queue);
	h->qlen--;
	if (!h->stopping)
		session_renumber(h, next, place);
}

static void session_admit_waiting(struct hub *h)
{
	bool moved = false;
	struct list_node *n;
	while ((n = list_first(&h->queue)) && session_has_slot(h) && !h->stopping) {
		list_remove(n);
		h->qlen--;
		moved = true;
		session_admit(h, list_entry(n, struct session, queue));
	}
	if (moved)
		session_renumber(h, list_first(&h->queue), 1);
}

static void session_free_info(struct session *s)
{
	struct session_info *i = s->info;
	if (!i)
		return;
	free(i->user);
	free(i->host);
	free(i->realname);
	free(i->account);
	free(i->away);
	free(i->reserved);
	free(i);
	s->info = NULL;
}

void session_close(struct hub *h, struct session *s, const char *reason, size_t len)
{
	len = hub_reason_len(reason, len);
	if (s->auth_job) {
		/* A secret's check under way (auth.h): its answer would find nobody. */
		h->auth->cancel(h->auth->ctx, s->auth_job);
		s->auth_job = NULL;
	}
	hub_account_closed(h, s);
	switch (s->state) {
	case SESSION_NEW:
	case SESSION_GONE:
		/* Never admitted (or refused by a full queue): nothing to unlink, but a face may
		 * have set its identity already (IRC sets the host at accept). */
		session_free_info(s);
		s->state = SESSION_GONE;
		return;
	case SESSION_WAITING:
		session_unqueue(h, s);
		s->state = SESSION_GONE;
		session_free_info(s);
		return;
	case SESSION_NAMING:
		break;
	case SESSION_ACTIVE:
		hub_history_forget(h, s);
		if (!h->stopping) {
			struct hub_event ev = {.type = HUB_EV_QUIT, .src = s, .from = s->name,
					       .text = reason, .len = len};
			fan_begin(h, &ev, true);
			fan_shared(h, s, &ev, true);
			fan_end(h);
		}
		room_leave_all(h, s);
		map_del(&h->names, session_folded(s));
		if (s->ops->face)
			h->online--;
		break;
	}
	session_unreserve(h, s);
	if (s->bot)
		hub_bot_forget(h, s);
	free(s->rooms);
	s->rooms = NULL;
	s->caprooms = 0;
	free(s->name);
	s->name = NULL;
	session_free_info(s);
	s->state = SESSION_GONE;
	if (!s->ops->face)
		return;
	h->admitted--;
	session_admit_waiting(h);
}

void session_quit(struct hub *h, struct session *s, const char *reason, size_t len)
{
	struct hub_event bye = {.type = HUB_EV_BYE, .flags = HUB_EVF_SELF, .src = s, .from = s->name};
	fan_one(h, s, &bye);
	session_close(h, s, reason, len);
	s->ops->disconnect(s);
}

/* ---- identity ---- */

const char *session_user_shown(const struct session *s)
{
	return s->info && s->info->user ? s->info->user : "~u";
}

const char *session_host_shown(const struct session *s)
{
	if (s->info && s->info->host)
		return s->info->host;
	return s->bot ? "bot.charla" : "charla";
}

static void session_set(char **field, const char *v, size_t len)
{
	free(*field);
	*field = len ? xstrndup(v, len) : NULL;
}

void session_set_user(struct session *s, const char *v, size_t len)
{
	session_set(&session_info(s)->user, v, len);
}

void session_set_host(struct session *s, const char *v, size_t len)
{
	session_set(&session_info(s)->host, v, len);
}

void session_set_realname(struct session *s, const char *v, size_t len)
{
	session_set(&session_info(s)->realname, v, len);
}

void session_set_account(struct session *s, const char *v, size_t len)
{
	session_set(&session_info(s)->account, v, len);
}

void session_set_away(struct session *s, const char *v, size_t len)
{
	session_set(&session_info(s)->away, v, len);
}

/* ---- changes others see ---- */

/* Tells those who share a room with s (and the observers) about a change of s. */
static void session_tell_shared(struct hub *h, struct session *s, enum hub_ev_type type,
				const char *text, size_t len)
{
	struct hub_event ev = {.type = (uint8_t)type, .src = s, .from = s->name, .text = text,
			       .len = len};
	fan_begin(h, &ev, true);
	fan_shared(h, s, &ev, true);
	fan_end(h);
}

void session_away(struct hub *h, struct session *s, const char *text, size_t len)
{
	len = hub_reason_len(text, len);
	session_set_away(s, text, len);
	if (s->state == SESSION_ACTIVE)
		session_tell_shared(h, s, HUB_EV_AWAY, s->info ? s->info->away : NULL, len);
}

void session_setname(struct hub *h, struct session *s, const char *name, size_t len)
{
	session_set_realname(s, name, len);
	if (s->state == SESSION_ACTIVE)
		session_tell_shared(h, s, HUB_EV_SETNAME, s->info ? s->info->realname : NULL, len);
}

enum hub_result session_kill(struct hub *h, struct session *s, const char *target, size_t tlen,
			     const char *reason, size_t rlen)
{
	rlen = hub_reason_len(reason, rlen);
	if (!(s->caps & SESSION_MODE_OPER) && !s->remote)
		return fan_result(h, s, HUB_ERR_NOT_OPER, NULL, 0, NULL, 0, 0, 0);
	struct session *t = session_find(h, target, tlen);
	if (!t || t->bot)
		return fan_result(h, s, HUB_ERR_NO_SUCH_NAME, target, tlen, NULL, 0, 0, 0);
	struct hub_event ev = {.type = HUB_EV_KILL, .flags = HUB_EVF_SELF, .src = s,
			       .from = s->name, .to = t->name, .text = reason, .len = rlen};
	fan_one(h, t, &ev);
	session_close(h, t, reason, rlen);
	t->ops->disconnect(t);
	return HUB_OK;
}

/* ---- memberships ---- */

struct membership *session_membership(const struct session *s, const struct room *r)
{
	for (uint32_t k = 0; k < s->nrooms; k++)
		if (s->rooms[k].room == r)
			return &s->rooms[k];
	return NULL;
}

void session_room_to_back(struct session *s, const struct room *r)
{
	struct membership *m = session_membership(s, r);
	if (!m)
		return;
	uint32_t k = (uint32_t)(m - s->rooms);
	struct membership moved = *m;
	for (uint32_t j = k + 1; j < s->nrooms; j++) {
		s->rooms[j - 1] = s->rooms[j];
		s->rooms[j - 1].room->members[s->rooms[j - 1].index].slot = j - 1;
	}
	s->rooms[s->nrooms - 1] = moved;
	moved.room->members[moved.index].slot = s->nrooms - 1;
}
