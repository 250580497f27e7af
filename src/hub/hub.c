#include "hub/hub.h"

#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/frame.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "hub/name.h"

/* User-facing text of the hub, in one place for translation. */
static const char T_QUEUE_FULL[] = "The server is full and so is its queue; try again later.";
static const char T_QUEUED[] = "The server is full. You are number %zu in the queue.";
static const char T_QUEUE_MOVED[] = "You are number %zu in the queue.";
static const char T_BYE[] = "Bye.";
static const char T_WELCOME[] = "Welcome, %s! You are in %s with %u %s. Type /help for commands.";
static const char T_OTHER[] = "other";
static const char T_OTHERS[] = "others";
static const char T_NICK_OK[] = "You are now known as %s.";
static const char T_NICK_TAKEN[] = "The name %.*s is taken; pick another.";
static const char T_NICK_BAD[] = "Cannot use that name: %s.";
static const char T_NAME_BOT[] = "The name %s is taken by %s; pick another.";
static const char T_BOT_LINE[] = "Bot: %s (%s; %s)";
static const char T_NO_ROOM[] = "You are not in any room; /join one.";
static const char T_NO_USER[] = "No such user: %.*s";
static const char T_JOINED[] = "You joined %s (%u %s).";
static const char T_MEMBER[] = "member";
static const char T_MEMBERS[] = "members";
static const char T_JOINED_ALREADY[] = "You are in %s already; it is now your current room.";
static const char T_ROOM_BAD[] = "Cannot use that room name: %s.";
static const char T_TOO_MANY_ROOMS[] = "You are in %zu rooms already, the most allowed; /part one first.";
static const char T_NOT_IN_ROOM[] = "You are not in %.*s.";
static const char T_NO_SUCH_ROOM[] = "No such room: %.*s";
static const char T_LEFT[] = "You left %s.";
static const char T_CURRENT[] = "Your current room is %s.";
static const char T_ROOMS[] = "%zu rooms:";
static const char T_ROOMS_ONE[] = "1 room:";
static const char T_ROOM_LINE[] = "  %s (%u)";
static const char T_WHO_HEAD[] = "%s (%u):";
static const char T_WHO_MORE[] = "%s (continued):";

/* /who lines are split so that no reply line grows past this many bytes. */
enum { WHO_LINE_MAX = 400 };

static struct room *hub_room_new(struct hub *h, const char *name, size_t len, bool permanent);

void hub_init(struct hub *h, const struct hub_config *cfg, const struct logger *log, uint64_t seed)
{
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	h->log = log;
	map_init(&h->names, seed);
	map_init(&h->rooms, seed ^ 0x9e3779b97f4a7c15ull);
	buf_init(&h->scratch);
	buf_init(&h->text);
	const char *lobby = cfg->lobby ? cfg->lobby : "#lobby";
	h->lobby = hub_room_new(h, lobby, strlen(lobby), true);
}

static void hub_room_free(struct room *r)
{
	free(r->members);
	free(r->name);
	free(r);
}

void hub_free(struct hub *h)
{
	size_t it = 0;
	void *v;
	while (map_next(&h->rooms, &it, NULL, &v))
		hub_room_free(v);
	map_free(&h->rooms);
	map_free(&h->names);
	buf_free(&h->scratch);
	buf_free(&h->text);
	free(h->bots);
}

void hub_session_init(struct session *s, const struct session_ops *ops, void *owner)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->owner = owner;
	s->state = SESSION_NEW;
}

/* ---- names ---- */

/* One allocation holding "name\0folded\0". Folding never lengthens text (fold.h). */
static char *hub_name_alloc(const char *name, size_t len, const char **folded)
{
	char *p = xmalloc(2 * len + 2);
	memcpy(p, name, len);
	p[len] = '\0';
	fold_utf8(name, len, p + len + 1, len + 1);
	*folded = p + len + 1;
	return p;
}

static void hub_fold(const char *name, size_t len, char out[NAME_MAX_BYTES + 1])
{
	if (len > NAME_MAX_BYTES)
		len = NAME_MAX_BYTES;
	fold_utf8(name, len, out, NAME_MAX_BYTES + 1);
}

struct session *hub_find(struct hub *h, const char *name, size_t len)
{
	char key[NAME_MAX_BYTES + 1];
	if (len > NAME_MAX_BYTES)
		return NULL;
	hub_fold(name, len, key);
	return map_get(&h->names, key);
}

struct room *hub_find_room(struct hub *h, const char *name, size_t len)
{
	char key[NAME_MAX_BYTES + 1];
	if (len > NAME_MAX_BYTES)
		return NULL;
	hub_fold(name, len, key);
	return map_get(&h->rooms, key);
}

struct room *hub_current(const struct session *s)
{
	return s->nrooms ? s->rooms[s->nrooms - 1].room : NULL;
}

/* ---- delivery ---- */

/* The per-event encoding cache: one frame per wire format seen so far. A handful of formats exist,
 * so a linear array beats anything cleverer. */
enum { FAN_FORMATS = 8 };

struct fan {
	const struct hub_event *ev;
	unsigned n;
	const struct hub_face *faces[FAN_FORMATS];
	struct frame *frames[FAN_FORMATS];
};

static struct frame *hub_encode(struct hub *h, const struct hub_face *face,
				const struct hub_event *ev)
{
	buf_clear(&h->scratch);
	h->encodes++;
	return face->encode(ev, &h->scratch);
}

static void fan_to(struct hub *h, struct fan *fc, struct session *s)
{
	const struct hub_face *face = s->ops->face;
	if (!face) {
		s->ops->event(s, fc->ev);
		return;
	}
	for (unsigned i = 0; i < fc->n; i++) {
		if (fc->faces[i] == face) {
			s->ops->deliver(s, fc->frames[i]);
			return;
		}
	}
	struct frame *f = hub_encode(h, face, fc->ev);
	if (fc->n < FAN_FORMATS) {
		fc->faces[fc->n] = face;
		fc->frames[fc->n] = f;
		fc->n++;
		s->ops->deliver(s, f);
	} else {
		s->ops->deliver(s, f);
		frame_unref(f);
	}
}

static void fan_done(struct fan *fc)
{
	for (unsigned i = 0; i < fc->n; i++)
		frame_unref(fc->frames[i]);
}

static int hub_room_index(const struct session *s, const struct room *r);

/* Delivers ev to every member of r except `except`, and what is said to the watching bots. */
static void hub_fanout_room(struct hub *h, struct room *r, const struct hub_event *ev,
			    const struct session *except)
{
	assert(h->fanning == 0 && "a bot's event callback must not fan out");
	h->fanning++;
	struct fan fc = {.ev = ev};
	for (uint32_t i = 0; i < r->count; i++) {
		struct session *m = r->members[i].s;
		if (m != except)
			fan_to(h, &fc, m);
	}
	if (ev->type == HUB_EV_SAY || ev->type == HUB_EV_ACTION) {
		for (size_t i = 0; i < h->nbots && h->nwatchers; i++) {
			struct session *w = h->bots[i].s;
			if (w->watching && w != except && hub_room_index(w, r) < 0)
				fan_to(h, &fc, w);
		}
	}
	fan_done(&fc);
	h->fanning--;
}

/* Whether joins, parts and quits in r are announced: not in rooms above --announce-max members,
 * where they would cost O(members) lines each and O(members^2) for a crowd arriving. */
static bool hub_announces(const struct hub *h, const struct room *r)
{
	return h->cfg.announce_max == 0 || r->count <= h->cfg.announce_max;
}

/* Delivers ev once to every session sharing at least one room with s, s excluded. With `quiet_big`,
 * rooms that are too big for announcements are skipped. */
static void hub_fanout_shared(struct hub *h, struct session *s, const struct hub_event *ev,
			      bool quiet_big)
{
	assert(h->fanning == 0 && "a bot's event callback must not fan out");
	h->fanning++;
	struct fan fc = {.ev = ev};
	uint64_t epoch = ++h->epoch;
	s->mark = epoch;
	for (unsigned k = 0; k < s->nrooms; k++) {
		struct room *r = s->rooms[k].room;
		if (quiet_big && !hub_announces(h, r))
			continue;
		for (uint32_t i = 0; i < r->count; i++) {
			struct session *m = r->members[i].s;
			if (m->mark != epoch) {
				m->mark = epoch;
				fan_to(h, &fc, m);
			}
		}
	}
	for (size_t i = 0; i < h->nbots && h->nwatchers; i++) {
		struct session *w = h->bots[i].s;
		if (w->watching && w->mark != epoch) {
			w->mark = epoch;
			fan_to(h, &fc, w);
		}
	}
	fan_done(&fc);
	h->fanning--;
}

void hub_send(struct hub *h, struct session *s, const struct hub_event *ev)
{
	if (!s->ops->face) {
		s->ops->event(s, ev);
		return;
	}
	struct frame *f = hub_encode(h, s->ops->face, ev);
	s->ops->deliver(s, f);
	frame_unref(f);
}

__attribute__((format(printf, 4, 0)))
static void hub_vreply(struct hub *h, struct session *s, enum hub_ev_type type, const char *fmt,
		       va_list ap)
{
	buf_clear(&h->text);
	buf_vprintf(&h->text, fmt, ap);
	struct hub_event ev = {.type = type, .text = h->text.data, .len = h->text.len};
	hub_send(h, s, &ev);
}

void hub_info(struct hub *h, struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hub_vreply(h, s, HUB_EV_INFO, fmt, ap);
	va_end(ap);
}

void hub_error(struct hub *h, struct session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hub_vreply(h, s, HUB_EV_ERROR, fmt, ap);
	va_end(ap);
}

/* ---- rooms and membership ---- */

static struct room *hub_room_new(struct hub *h, const char *name, size_t len, bool permanent)
{
	struct room *r = xcalloc(1, sizeof(*r));
	r->name = hub_name_alloc(name, len, &r->folded);
	r->permanent = permanent;
	map_put(&h->rooms, r->folded, r);
	return r;
}

/* Links s into r as its newest (current) room. */
static void hub_link(struct session *s, struct room *r)
{
	r->members = xgrow(r->members, &r->cap, (size_t)r->count + 1, sizeof(*r->members));
	s->rooms = xgrow(s->rooms, &s->caprooms, (size_t)s->nrooms + 1, sizeof(*s->rooms));
	r->members[r->count] = (struct room_member){.s = s, .slot = s->nrooms};
	s->rooms[s->nrooms] = (struct membership){.room = r, .index = r->count};
	r->count++;
	s->nrooms++;
}

/* Unlinks s from its k-th room and returns that room. O(1) in the room (swap-remove with a
 * back-index fix-up) and O(rooms of s) in the session, whose list keeps join order. */
static struct room *hub_unlink(struct session *s, unsigned k)
{
	struct room *r = s->rooms[k].room;
	uint32_t idx = s->rooms[k].index;
	uint32_t last = r->count - 1;
	if (idx != last) {
		r->members[idx] = r->members[last];
		struct room_member *moved = &r->members[idx];
		moved->s->rooms[moved->slot].index = idx;
	}
	r->count--;
	for (unsigned j = k + 1; j < s->nrooms; j++) {
		struct membership *m = &s->rooms[j - 1];
		*m = s->rooms[j];
		m->room->members[m->index].slot = j - 1;
	}
	s->nrooms--;
	return r;
}

static void hub_room_maybe_free(struct hub *h, struct room *r)
{
	if (r->count == 0 && !r->permanent) {
		map_del(&h->rooms, r->folded);
		hub_room_free(r);
	}
}

static int hub_room_index(const struct session *s, const struct room *r)
{
	for (unsigned k = 0; k < s->nrooms; k++)
		if (s->rooms[k].room == r)
			return (int)k;
	return -1;
}

/* ---- admission ---- */

static bool hub_has_slot(const struct hub *h)
{
	return h->cfg.max_clients == 0 || h->admitted < h->cfg.max_clients;
}

static void hub_admit(struct hub *h, struct session *s)
{
	s->state = SESSION_NAMING;
	h->admitted++;
	s->ops->admitted(s);
}

enum hub_open_result hub_open(struct hub *h, struct session *s)
{
	assert(s->state == SESSION_NEW);
	if (!s->ops->face) {
		/* A bot takes no client slot. */
		s->state = SESSION_NAMING;
		s->ops->admitted(s);
		return HUB_OPEN_ADMITTED;
	}
	if (hub_has_slot(h) && !h->qhead) {
		hub_admit(h, s);
		return HUB_OPEN_ADMITTED;
	}
	if (h->qlen >= h->cfg.max_queue) {
		hub_error(h, s, T_QUEUE_FULL);
		s->state = SESSION_GONE;
		return HUB_OPEN_FULL;
	}
	s->state = SESSION_WAITING;
	s->qprev = h->qtail;
	s->qnext = NULL;
	if (h->qtail)
		h->qtail->qnext = s;
	else
		h->qhead = s;
	h->qtail = s;
	h->qlen++;
	hub_info(h, s, T_QUEUED, h->qlen);
	return HUB_OPEN_QUEUED;
}

/* Tells every waiting session from `from` on its new place. O(queue), once per departure. */
static void hub_queue_renumber(struct hub *h, struct session *from, size_t pos)
{
	for (struct session *w = from; w; w = w->qnext)
		hub_info(h, w, T_QUEUE_MOVED, pos++);
}

static void hub_queue_remove(struct hub *h, struct session *s)
{
	struct session *next = s->qnext;
	size_t pos = 1;
	for (struct session *w = h->qhead; w != s; w = w->qnext)
		pos++;
	if (s->qprev)
		s->qprev->qnext = s->qnext;
	else
		h->qhead = s->qnext;
	if (s->qnext)
		s->qnext->qprev = s->qprev;
	else
		h->qtail = s->qprev;
	s->qprev = s->qnext = NULL;
	h->qlen--;
	if (!h->stopping)
		hub_queue_renumber(h, next, pos);
}

/* Admits waiting sessions while there are free slots. */
static void hub_admit_waiting(struct hub *h)
{
	bool moved = false;
	while (h->qhead && hub_has_slot(h) && !h->stopping) {
		struct session *s = h->qhead;
		h->qhead = s->qnext;
		if (h->qhead)
			h->qhead->qprev = NULL;
		else
			h->qtail = NULL;
		s->qnext = NULL;
		h->qlen--;
		moved = true;
		hub_admit(h, s);
	}
	if (moved)
		hub_queue_renumber(h, h->qhead, 1);
}

void hub_close(struct hub *h, struct session *s, const char *reason)
{
	switch (s->state) {
	case SESSION_NEW:
	case SESSION_GONE:
		s->state = SESSION_GONE;
		return;
	case SESSION_WAITING:
		hub_queue_remove(h, s);
		s->state = SESSION_GONE;
		return;
	case SESSION_NAMING:
		break;
	case SESSION_ACTIVE:
		if (!h->stopping) {
			struct hub_event ev = {.type = HUB_EV_QUIT, .from = s->name, .text = reason,
					       .len = strlen(reason)};
			hub_fanout_shared(h, s, &ev, true);
		}
		while (s->nrooms)
			hub_room_maybe_free(h, hub_unlink(s, s->nrooms - 1));
		map_del(&h->names, s->folded);
		if (s->ops->face)
			h->online--;
		break;
	}
	if (!s->ops->face) {
		for (size_t i = 0; i < h->nbots; i++) {
			if (h->bots[i].s == s) {
				memmove(&h->bots[i], &h->bots[i + 1], (h->nbots - i - 1) * sizeof(*h->bots));
				h->nbots--;
				break;
			}
		}
		if (s->watching)
			h->nwatchers--;
		s->watching = false;
	}
	if (h->assistant == s)
		h->assistant = NULL;
	free(s->rooms);
	s->rooms = NULL;
	s->caprooms = 0;
	free(s->name);
	s->name = NULL;
	s->folded = NULL;
	s->state = SESSION_GONE;
	if (!s->ops->face)
		return;
	h->admitted--;
	hub_admit_waiting(h);
}

void hub_quit(struct hub *h, struct session *s, const char *reason, size_t len)
{
	hub_info(h, s, T_BYE);
	/* hub_close wants a C string; reasons are short, and a long one is cut at a character. */
	char why[256];
	size_t n = len < sizeof(why) - 1 ? len : sizeof(why) - 1;
	while (n < len && n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80)
		n--;
	memcpy(why, reason, n);
	why[n] = '\0';
	hub_close(h, s, why);
	s->ops->disconnect(s);
}

void hub_stop(struct hub *h)
{
	h->stopping = true;
}

/* Gives s (NAMING) its name if the rules allow it and nobody has it: the part of registering that
 * people and bots share. Returns NAME_OK, a reason from hub/name.h, or HUB_NAME_TAKEN. */
static int hub_name_session(struct hub *h, struct session *s, const char *name, size_t len)
{
	enum name_result r = name_check_user(name, len);
	if (r != NAME_OK)
		return r;
	struct session *other = hub_find(h, name, len);
	if (other)
		return hub_bot_of(h, other) ? HUB_NAME_BOT : HUB_NAME_TAKEN;
	s->name = hub_name_alloc(name, len, &s->folded);
	map_put(&h->names, s->folded, s);
	s->state = SESSION_ACTIVE;
	return NAME_OK;
}

/* ---- bots ---- */

int hub_register_bot(struct hub *h, struct session *s, const char *name, size_t len,
		     const char *role, const char *hint)
{
	assert(s->state == SESSION_NAMING && !s->ops->face);
	int r = hub_name_session(h, s, name, len);
	if (r != NAME_OK)
		return r;
	h->bots = xgrow(h->bots, &h->capbots, h->nbots + 1, sizeof(*h->bots));
	h->bots[h->nbots++] = (struct hub_bot){.s = s, .role = role, .hint = hint};
	return NAME_OK;
}

const struct hub_bot *hub_bot_of(const struct hub *h, const struct session *s)
{
	if (s->ops->face)
		return NULL;
	for (size_t i = 0; i < h->nbots; i++)
		if (h->bots[i].s == s)
			return &h->bots[i];
	return NULL;
}

void hub_watch(struct hub *h, struct session *s)
{
	assert(s->state == SESSION_ACTIVE && !s->ops->face);
	if (s->watching)
		return;
	h->nwatchers++;
	s->watching = true;
}

void hub_set_assistant(struct hub *h, struct session *s)
{
	assert(s->state == SESSION_ACTIVE && !s->ops->face);
	h->assistant = s;
}

bool hub_bot_say(struct hub *h, struct session *s, const char *room, const char *text, size_t len)
{
	struct room *r = hub_find_room(h, room, strlen(room));
	if (!r || s->state != SESSION_ACTIVE)
		return false;
	struct hub_event ev = {.type = HUB_EV_SAY, .room = r->name, .from = s->name, .text = text,
			       .len = len};
	hub_fanout_room(h, r, &ev, s);
	return true;
}

/* ---- naming ---- */

int hub_register(struct hub *h, struct session *s, const char *name, size_t len)
{
	assert(s->state == SESSION_NAMING);
	int r = hub_name_session(h, s, name, len);
	if (r != NAME_OK)
		return r;
	h->online++;
	struct room *lobby = h->lobby;
	hub_info(h, s, T_WELCOME, s->name, lobby->name, lobby->count,
		 lobby->count == 1 ? T_OTHER : T_OTHERS);
	hub_link(s, lobby);
	if (hub_announces(h, lobby)) {
		struct hub_event ev = {.type = HUB_EV_JOIN, .room = lobby->name, .from = s->name};
		hub_fanout_room(h, lobby, &ev, s);
	}
	return NAME_OK;
}

void hub_nick(struct hub *h, struct session *s, const char *name, size_t len)
{
	enum name_result r = name_check_user(name, len);
	if (r != NAME_OK) {
		hub_error(h, s, T_NICK_BAD, name_reason(r));
		return;
	}
	struct session *other = hub_find(h, name, len);
	const struct hub_bot *bot = other ? hub_bot_of(h, other) : NULL;
	if (bot) {
		hub_error(h, s, T_NAME_BOT, other->name, bot->role);
		return;
	}
	if (other && other != s) {
		hub_error(h, s, T_NICK_TAKEN, (int)len, name);
		return;
	}
	if (strlen(s->name) == len && memcmp(s->name, name, len) == 0)
		return; /* no change at all */
	const char *folded;
	char *fresh = hub_name_alloc(name, len, &folded);
	map_del(&h->names, s->folded);
	char *old = s->name;
	s->name = fresh;
	s->folded = folded;
	map_put(&h->names, s->folded, s);
	hub_info(h, s, T_NICK_OK, s->name);
	/* Renames are announced in rooms of any size: they are rare, and without the news a name
	 * would change under everyone's eyes. */
	struct hub_event ev = {.type = HUB_EV_NICK, .from = old, .text = s->name, .len = len};
	hub_fanout_shared(h, s, &ev, false);
	free(old);
}

/* ---- talking ---- */

void hub_say(struct hub *h, struct session *s, const char *text, size_t len)
{
	struct room *r = hub_current(s);
	if (!r) {
		hub_error(h, s, T_NO_ROOM);
		return;
	}
	struct hub_event ev = {.type = HUB_EV_SAY, .room = r->name, .from = s->name, .text = text,
			       .len = len};
	hub_fanout_room(h, r, &ev, s);
}

void hub_action(struct hub *h, struct session *s, const char *text, size_t len)
{
	struct room *r = hub_current(s);
	if (!r) {
		hub_error(h, s, T_NO_ROOM);
		return;
	}
	struct hub_event ev = {.type = HUB_EV_ACTION, .room = r->name, .from = s->name,
			       .text = text, .len = len};
	hub_fanout_room(h, r, &ev, s);
}

void hub_private(struct hub *h, struct session *s, const char *to, size_t tolen, const char *text,
		 size_t len, bool action)
{
	struct session *t = hub_find(h, to, tolen);
	if (!t) {
		hub_error(h, s, T_NO_USER, (int)tolen, to);
		return;
	}
	struct hub_event ev = {.type = action ? HUB_EV_PRIVATE_ACTION : HUB_EV_PRIVATE,
			       .from = s->name, .to = t->name, .text = text, .len = len};
	hub_send(h, t, &ev);
}

/* ---- rooms ---- */

void hub_join(struct hub *h, struct session *s, const char *name, size_t len)
{
	enum name_result nr = name_check_room(name, len);
	if (nr != NAME_OK) {
		hub_error(h, s, T_ROOM_BAD, name_reason(nr));
		return;
	}
	struct room *r = hub_find_room(h, name, len);
	int k = r ? hub_room_index(s, r) : -1;
	if (k >= 0) {
		/* Already a member: make it current by moving it to the end of the join order. */
		hub_unlink(s, (unsigned)k);
		hub_link(s, r);
		hub_info(h, s, T_JOINED_ALREADY, r->name);
		return;
	}
	if (s->nrooms >= h->cfg.max_rooms) {
		hub_error(h, s, T_TOO_MANY_ROOMS, (size_t)s->nrooms);
		return;
	}
	if (!r)
		r = hub_room_new(h, name, len, false);
	hub_link(s, r);
	if (hub_announces(h, r)) {
		struct hub_event ev = {.type = HUB_EV_JOIN, .room = r->name, .from = s->name};
		hub_fanout_room(h, r, &ev, s);
	}
	hub_info(h, s, T_JOINED, r->name, r->count, r->count == 1 ? T_MEMBER : T_MEMBERS);
}

void hub_part(struct hub *h, struct session *s, const char *name, size_t len)
{
	struct room *r;
	if (name) {
		r = hub_find_room(h, name, len);
		if (!r) {
			hub_error(h, s, T_NO_SUCH_ROOM, (int)len, name);
			return;
		}
	} else {
		r = hub_current(s);
		if (!r) {
			hub_error(h, s, T_NO_ROOM);
			return;
		}
	}
	int k = hub_room_index(s, r);
	if (k < 0) {
		hub_error(h, s, T_NOT_IN_ROOM, (int)len, name);
		return;
	}
	bool was_current = (unsigned)k == s->nrooms - 1;
	bool announce = hub_announces(h, r);
	hub_unlink(s, (unsigned)k);
	hub_info(h, s, T_LEFT, r->name);
	if (announce) {
		struct hub_event ev = {.type = HUB_EV_PART, .room = r->name, .from = s->name,
				       .text = "", .len = 0};
		hub_fanout_room(h, r, &ev, NULL);
	}
	if (was_current && s->nrooms)
		hub_info(h, s, T_CURRENT, hub_current(s)->name);
	hub_room_maybe_free(h, r);
}

static int hub_room_cmp(const void *a, const void *b)
{
	const struct room *x = *(struct room *const *)a;
	const struct room *y = *(struct room *const *)b;
	return strcmp(x->folded, y->folded);
}

void hub_list_rooms(struct hub *h, struct session *s)
{
	size_t n = h->rooms.count;
	struct room **list = xmalloc(n * sizeof(*list));
	size_t it = 0, i = 0;
	void *v;
	while (map_next(&h->rooms, &it, NULL, &v))
		list[i++] = v;
	qsort(list, n, sizeof(*list), hub_room_cmp);
	if (n == 1)
		hub_info(h, s, T_ROOMS_ONE);
	else
		hub_info(h, s, T_ROOMS, n);
	for (i = 0; i < n; i++)
		hub_info(h, s, T_ROOM_LINE, list[i]->name, list[i]->count);
	free(list);
}

static int hub_name_cmp(const void *a, const void *b)
{
	const struct session *x = *(struct session *const *)a;
	const struct session *y = *(struct session *const *)b;
	return strcmp(x->folded, y->folded);
}

void hub_who(struct hub *h, struct session *s, const char *name, size_t len)
{
	struct room *r = name ? hub_find_room(h, name, len) : hub_current(s);
	if (!r) {
		if (name)
			hub_error(h, s, T_NO_SUCH_ROOM, (int)len, name);
		else
			hub_error(h, s, T_NO_ROOM);
		return;
	}
	struct session **list = xmalloc((r->count ? r->count : 1) * sizeof(*list));
	for (uint32_t i = 0; i < r->count; i++)
		list[i] = r->members[i].s;
	qsort(list, r->count, sizeof(*list), hub_name_cmp);
	/* Build lines in a buffer of our own: hub_info reuses h->text. */
	struct buf line = BUF_INIT;
	buf_printf(&line, T_WHO_HEAD, r->name, r->count);
	for (uint32_t i = 0; i < r->count; i++) {
		const char *nm = list[i]->name;
		if (line.len + 1 + strlen(nm) > WHO_LINE_MAX) {
			hub_info(h, s, "%s", line.data);
			buf_clear(&line);
			buf_printf(&line, T_WHO_MORE, r->name);
		}
		buf_putc(&line, ' ');
		buf_puts(&line, nm);
	}
	hub_info(h, s, "%s", line.data);
	buf_free(&line);
	free(list);
	/* Bots that hear every room are in none, yet they are there to talk to: name them too. */
	for (size_t i = 0; i < h->nbots; i++) {
		const struct hub_bot *b = &h->bots[i];
		if (b->s->watching && hub_room_index(b->s, r) < 0)
			hub_info(h, s, T_BOT_LINE, b->s->name, b->role, b->hint);
	}
}
