#include "hub/room.h"

#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "hub/flood.h"
#include "hub/internal.h"
#include "hub/name.h"

enum { ROOM_INVITED_MAX = 64 }; /* invitations a room remembers; the oldest go first */

/* ---- life ---- */

struct room *room_new(struct hub *h, const char *name, size_t len, bool kept)
{
	struct room *r = xcalloc(1, sizeof(*r));
	const char *folded;
	r->name = session_name_alloc(name, len, &folded);
	r->kept = kept;
	r->modes = MODE_DEFAULT;
	r->created_ms = h->cfg.clock_ms ? h->cfg.clock_ms() : 0;
	map_put(&h->rooms, folded, r);
	return r;
}

static void room_state_free(struct room_state *st)
{
	if (!st)
		return;
	free(st->topic);
	free(st->topic_by);
	free(st->key);
	for (int i = 0; i < MODE_LISTS; i++)
		mask_list_free(&st->lists[i]);
	free(st->invited);
	free(st->founder);
	free(st);
}

static void room_free(struct room *r)
{
	room_state_free(r->state);
	free(r->members);
	free(r->name);
	free(r);
}

void room_free_all(struct hub *h)
{
	size_t it = 0;
	void *v;
	while (map_next(&h->rooms, &it, NULL, &v))
		room_free(v);
}

static void room_maybe_free(struct hub *h, struct room *r)
{
	if (r->count == 0 && !r->kept) {
		map_del(&h->rooms, room_folded(r));
		room_free(r);
	}
}

struct room *room_find(const struct hub *h, const char *name, size_t len)
{
	char key[NAME_MAX_BYTES + 1];
	if (len > NAME_MAX_BYTES)
		return NULL;
	fold_utf8(name, len, key, sizeof(key));
	return map_get(&h->rooms, key);
}

struct room *room_keep(struct hub *h, const char *name, size_t len, bool kept)
{
	if (name_check_room(name, len) != NAME_OK)
		return NULL;
	struct room *r = room_find(h, name, len);
	if (!r && kept)
		r = room_new(h, name, len, true);
	if (!r)
		return NULL;
	r->kept = kept || r == h->lobby;
	if (!r->kept && r->count == 0) {
		room_maybe_free(h, r);
		return NULL;
	}
	return r;
}

static struct room_state *room_state(struct room *r)
{
	if (!r->state)
		r->state = xcalloc(1, sizeof(*r->state));
	return r->state;
}

enum { ROOM_FLAG_MODES = (1u << MODE_KEY) - 1 }; /* the flag modes' bits */

bool room_is_founder(const struct room *r, const struct session *s)
{
	const char *f = r->state ? r->state->founder : NULL;
	const char *a = s->info ? s->info->account : NULL;
	if (!f || !a)
		return false;
	char ff[NAME_MAX_BYTES + 1], fa[NAME_MAX_BYTES + 1];
	fold_utf8(f, strlen(f), ff, sizeof(ff));
	fold_utf8(a, strlen(a), fa, sizeof(fa));
	return strcmp(ff, fa) == 0;
}

struct room *room_restore(struct hub *h, const struct room_saved *saved)
{
	struct room *r = room_keep(h, saved->name, saved->len, true);
	if (!r)
		return NULL;
	r->modes = saved->modes & ROOM_FLAG_MODES;
	if (saved->created_ms)
		r->created_ms = saved->created_ms;
	struct room_state *st = room_state(r);
	free(st->founder);
	st->founder = saved->founder ? xstrdup(saved->founder) : NULL;
	free(st->topic);
	free(st->topic_by);
	free(st->key);
	st->topic = st->topic_by = st->key = NULL;
	st->topic_len = 0;
	if (saved->topic && saved->topic_len) {
		size_t n = saved->topic_len > HUB_TOPIC_MAX
				   ? utf8_boundary(saved->topic, saved->topic_len, HUB_TOPIC_MAX)
				   : saved->topic_len;
		st->topic = xstrndup(saved->topic, n);
		st->topic_len = n;
		st->topic_by = xstrdup(saved->topic_by ? saved->topic_by : "");
		st->topic_ms = saved->topic_ms;
	}
	if (saved->key && *saved->key && strlen(saved->key) <= MODE_KEY_MAX)
		st->key = xstrdup(saved->key);
	st->limit = saved->limit;
	return r;
}

/* Tells s that its request about r was refused (code names the room), and returns code. */
static enum hub_result room_refuse(struct hub *h, struct session *s, enum hub_result code,
				   const struct room *r)
{
	return fan_result(h, s, code, NULL, 0, r->name, strlen(r->name), 0, 0);
}

/* ---- membership ---- */

void room_link(struct session *s, struct room *r, uint8_t prefix)
{
	size_t cap = r->cap;
	r->members = xgrow(r->members, &cap, (size_t)r->count + 1, sizeof(*r->members));
	r->cap = (uint32_t)cap;
	cap = s->caprooms;
	s->rooms = xgrow(s->rooms, &cap, (size_t)s->nrooms + 1, sizeof(*s->rooms));
	s->caprooms = (uint32_t)cap;
	r->members[r->count] = (struct room_member){.s = s, .slot = s->nrooms, .prefix = prefix};
	s->rooms[s->nrooms] = (struct membership){.room = r, .index = r->count};
	r->count++;
	r->local += !s->remote;
	s->nrooms++;
}

struct hub_event room_enter(struct hub *h, struct session *s, struct room *r, uint8_t prefix)
{
	room_link(s, r, prefix);
	struct hub_event ev = {.type = HUB_EV_JOIN, .src = s, .from = s->name, .room = r->name,
			       .u.count = r->count};
	fan_begin(h, &ev, true);
	if (fan_announces(h, r))
		fan_room(h, r, &ev, s);
	fan_end(h);
	return ev;
}

/* Unlinks s from its k-th room and returns that room. O(1) in the room (swap-remove with a
 * back-index fix-up) and O(rooms of s) in the session, whose list keeps its order. */
static struct room *room_unlink(struct session *s, uint32_t k)
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
	r->local -= !s->remote;
	for (uint32_t j = k + 1; j < s->nrooms; j++) {
		struct membership *m = &s->rooms[j - 1];
		*m = s->rooms[j];
		m->room->members[m->index].slot = j - 1;
	}
	s->nrooms--;
	return r;
}

void room_leave_all(struct hub *h, struct session *s)
{
	while (s->nrooms)
		room_maybe_free(h, room_unlink(s, s->nrooms - 1));
}

int room_prefix(const struct room *r, const struct session *s)
{
	const struct membership *m = session_membership(s, r);
	return m ? r->members[m->index].prefix : -1;
}

void room_mask_of(const struct session *s, struct buf *out)
{
	buf_clear(out);
	buf_printf(out, "%s!%s@%s", s->name ? s->name : "*", session_user_shown(s),
		   session_host_shown(s));
}

/* Whether s is banned from r (a ban matches and no exception does). */
static bool room_banned(const struct room *r, const struct session *s)
{
	return r->state && mask_list_match(mode_list(r, MODE_BAN), s) &&
	       !mask_list_match(mode_list(r, MODE_EXCEPT), s);
}

/* Whether s holds an invitation (room_invite) to r. */
static bool room_invited(const struct room *r, const struct session *s)
{
	for (size_t i = 0; r->state && i < r->state->ninvited; i++)
		if (r->state->invited[i] == s->id)
			return true;
	return false;
}

static void room_uninvite(struct room *r, const struct session *s)
{
	struct room_state *st = r->state;
	for (size_t i = 0; st && i < st->ninvited; i++) {
		if (st->invited[i] == s->id) {
			/* Kept in order: the oldest invitation is the first to go when full. */
			memmove(&st->invited[i], &st->invited[i + 1],
				(st->ninvited - i - 1) * sizeof(*st->invited));
			st->ninvited--;
			return;
		}
	}
}

/* Why s may not join the existing room r, or HUB_OK. An invitation lets s past invite-only and
 * the member limit; an invite mask (+I) past invite-only alone; neither past a ban or the key. */
static enum hub_result room_admits(const struct room *r, const struct session *s, const char *key,
				   size_t keylen)
{
	const struct room_state *st = r->state;
	bool invited = room_invited(r, s);
	if (mode_is_set(r, MODE_INVITE_ONLY) && !invited &&
	    !mask_list_match(mode_list(r, MODE_INVEX), s))
		return HUB_ERR_INVITE_ONLY;
	if (st && st->key &&
	    (!key || strlen(st->key) != keylen || memcmp(st->key, key, keylen) != 0))
		return HUB_ERR_BAD_KEY;
	if (st && st->limit && r->count >= st->limit && !invited)
		return HUB_ERR_ROOM_FULL;
	if (room_banned(r, s))
		return HUB_ERR_BANNED;
	return HUB_OK;
}

enum hub_result room_join(struct hub *h, struct session *s, const char *name, size_t len,
			  const char *key, size_t keylen)
{
	enum name_result nr = name_check_room(name, len);
	if (nr != NAME_OK)
		return fan_result(h, s, HUB_ERR_ROOM_INVALID, NULL, 0, name, len, (int)nr, 0);
	struct room *r = room_find(h, name, len);
	if (r && session_membership(s, r))
		return room_refuse(h, s, HUB_ERR_ALREADY_IN, r);
	if (s->nrooms >= h->cfg.max_rooms)
		return fan_result(h, s, HUB_ERR_TOO_MANY_ROOMS, NULL, 0, name, len, 0,
				  h->cfg.max_rooms);
	uint8_t prefix = 0;
	if (r) {
		enum hub_result why = room_admits(r, s, key, keylen);
		if (why != HUB_OK)
			return room_refuse(h, s, why, r);
		room_uninvite(r, s);
		if (room_is_founder(r, s))
			prefix = MEMBER_OP; /* its founder runs it again */
	} else {
		r = room_new(h, name, len, false);
		prefix = MEMBER_OP; /* the creator runs the room */
		if (s->info && s->info->account)
			room_state(r)->founder = xstrdup(s->info->account);
	}
	struct hub_event self = room_enter(h, s, r, prefix);
	self.flags = HUB_EVF_SELF;
	fan_one(h, s, &self);
	return HUB_OK;
}

/* The room named, and s's place in it; a refusal is told. */
static struct room *room_of(struct hub *h, struct session *s, const char *name, size_t len,
			    uint32_t *k, enum hub_result *why)
{
	struct room *r = room_find(h, name, len);
	if (!r) {
		*why = fan_result(h, s, HUB_ERR_NO_SUCH_ROOM, NULL, 0, name, len, 0, 0);
		return NULL;
	}
	struct membership *m = session_membership(s, r);
	if (!m) {
		*why = fan_result(h, s, HUB_ERR_NOT_IN_ROOM, NULL, 0, name, len, 0, 0);
		return NULL;
	}
	*k = (uint32_t)(m - s->rooms);
	*why = HUB_OK;
	return r;
}

enum hub_result room_part(struct hub *h, struct session *s, const char *name, size_t len,
			  const char *reason, size_t rlen)
{
	rlen = hub_reason_len(reason, rlen);
	uint32_t k;
	enum hub_result why;
	struct room *r = room_of(h, s, name, len, &k, &why);
	if (!r)
		return why;
	bool announce = fan_announces(h, r);
	room_unlink(s, k);
	struct hub_event ev = {.type = HUB_EV_PART, .src = s, .from = s->name, .room = r->name,
			       .text = reason, .len = rlen};
	fan_begin(h, &ev, true);
	struct hub_event self = ev;
	self.flags = HUB_EVF_SELF;
	fan_one(h, s, &self);
	if (announce)
		fan_room(h, r, &ev, NULL);
	fan_end(h);
	room_maybe_free(h, r);
	return HUB_OK;
}

/* Whether s may speak in r: bots anywhere; people as the room's modes allow. */
static bool room_may_speak(const struct room *r, const struct session *s)
{
	if (s->bot || s->remote)
		return true;
	int prefix = room_prefix(r, s);
	if (prefix < 0 && mode_is_set(r, MODE_NO_EXTERNAL))
		return false;
	/* Voiced members and those who run the room (its operators, and server operators in it). */
	bool privileged = prefix > 0 || (prefix >= 0 && room_runs(s, prefix));
	if (mode_is_set(r, MODE_MODERATED) && !privileged)
		return false;
	return privileged || !room_banned(r, s);
}

enum hub_result room_say(struct hub *h, struct session *s, const char *name, size_t len,
			 enum hub_msg_kind kind, const char *text, size_t tlen)
{
	return room_say_tagged(h, s, name, len, kind, text, tlen, NULL, 0);
}

enum hub_result room_say_tagged(struct hub *h, struct session *s, const char *name, size_t len,
				enum hub_msg_kind kind, const char *text, size_t tlen,
				const char *tags, size_t tags_len)
{
	struct room *r = room_find(h, name, len);
	if (!r)
		return fan_result(h, s, HUB_ERR_NO_SUCH_ROOM, NULL, 0, name, len, 0, 0);
	if (!room_may_speak(r, s))
		return room_refuse(h, s, HUB_ERR_CANNOT_SEND, r);
	enum hub_result why = flood_charge(h, s);
	if (why != HUB_OK)
		return why;
	struct hub_event ev = {.type = HUB_EV_MESSAGE, .kind = (uint8_t)kind, .src = s,
			       .from = s->name, .room = r->name, .text = text, .len = tlen,
			       .tags = tags, .tags_len = tags_len};
	h->messages++;
	fan_begin(h, &ev, true);
	fan_room(h, r, &ev, s);
	/* The echo is a copy of its own (a face may mark it, IRC's labeled-response does), sent
	 * whether s is a member or spoke from outside a room that allows it. */
	if (s->caps & SESSION_CAP_ECHO) {
		struct hub_event self = ev;
		self.flags = HUB_EVF_SELF;
		fan_one(h, s, &self);
	}
	fan_end(h);
	return HUB_OK;
}

enum hub_result room_topic(struct hub *h, struct session *s, const char *name, size_t len,
			   const char *text, size_t tlen)
{
	uint32_t k;
	enum hub_result why;
	struct room *r = room_of(h, s, name, len, &k, &why);
	if (!r)
		return why;
	if (mode_is_set(r, MODE_TOPIC_LOCK) && !room_runs(s, r->members[s->rooms[k].index].prefix))
		return room_refuse(h, s, HUB_ERR_NOT_OPERATOR, r);
	if (tlen > HUB_TOPIC_MAX)
		tlen = utf8_boundary(text, tlen, HUB_TOPIC_MAX);
	struct room_state *st = room_state(r);
	free(st->topic);
	free(st->topic_by);
	st->topic = tlen ? xstrndup(text, tlen) : NULL;
	st->topic_len = tlen;
	st->topic_by = tlen ? xstrdup(s->name) : NULL;
	struct hub_event ev = {.type = HUB_EV_TOPIC, .src = s, .from = s->name, .room = r->name,
			       .text = st->topic, .len = tlen};
	fan_begin(h, &ev, true);
	st->topic_ms = ev.time_ms;
	fan_room(h, r, &ev, NULL);
	fan_end(h);
	return HUB_OK;
}

/* Whether s is an operator of r, telling it if not. */
static bool room_is_op(struct hub *h, struct session *s, struct room *r, uint32_t k)
{
	if (room_runs(s, r->members[s->rooms[k].index].prefix))
		return true;
	room_refuse(h, s, HUB_ERR_NOT_OPERATOR, r);
	return false;
}

enum hub_result room_kick(struct hub *h, struct session *s, const char *name, size_t len,
			  const char *target, size_t tlen, const char *reason, size_t rlen)
{
	rlen = hub_reason_len(reason, rlen);
	uint32_t k;
	enum hub_result why;
	struct room *r = room_of(h, s, name, len, &k, &why);
	if (!r)
		return why;
	if (!room_is_op(h, s, r, k))
		return HUB_ERR_NOT_OPERATOR;
	struct session *t = session_find(h, target, tlen);
	if (!t)
		return fan_result(h, s, HUB_ERR_NO_SUCH_NAME, target, tlen, NULL, 0, 0, 0);
	struct membership *m = session_membership(t, r);
	if (!m)
		return fan_result(h, s, HUB_ERR_TARGET_NOT_IN, t->name, strlen(t->name), r->name,
				  strlen(r->name), 0, 0);
	struct hub_event ev = {.type = HUB_EV_KICK, .src = s, .from = s->name, .room = r->name,
			       .to = t->name, .text = reason, .len = rlen};
	fan_begin(h, &ev, true);
	fan_room(h, r, &ev, t);
	fan_end(h);
	struct hub_event self = ev;
	self.flags = HUB_EVF_SELF;
	fan_one(h, t, &self);
	room_unlink(t, (uint32_t)(m - t->rooms));
	room_maybe_free(h, r);
	return HUB_OK;
}

enum hub_result room_invite(struct hub *h, struct session *s, const char *name, size_t len,
			    const char *target, size_t tlen)
{
	uint32_t k;
	enum hub_result why;
	struct room *r = room_of(h, s, name, len, &k, &why);
	if (!r)
		return why;
	if (mode_is_set(r, MODE_INVITE_ONLY) && !room_is_op(h, s, r, k))
		return HUB_ERR_NOT_OPERATOR;
	struct session *t = session_find(h, target, tlen);
	if (!t)
		return fan_result(h, s, HUB_ERR_NO_SUCH_NAME, target, tlen, NULL, 0, 0, 0);
	if (session_membership(t, r))
		return fan_result(h, s, HUB_ERR_TARGET_IN, t->name, strlen(t->name), r->name,
				  strlen(r->name), 0, 0);
	struct room_state *st = room_state(r);
	if (!room_invited(r, t)) {
		if (st->ninvited == ROOM_INVITED_MAX) {
			memmove(st->invited, st->invited + 1, (st->ninvited - 1) * sizeof(uint64_t));
			st->ninvited--;
		}
		st->invited = xgrow(st->invited, &st->capinvited, st->ninvited + 1, sizeof(uint64_t));
		st->invited[st->ninvited++] = t->id;
	}
	struct hub_event ev = {.type = HUB_EV_INVITE, .src = s, .from = s->name, .room = r->name,
			       .to = t->name};
	fan_begin(h, &ev, true);
	struct hub_event self = ev;
	self.flags = HUB_EVF_SELF;
	fan_one(h, t, &self);
	/* The room's operators hear of it too (IRC's invite-notify); a face may say nothing. */
	for (uint32_t i = 0; i < r->count; i++)
		if ((r->members[i].prefix & MEMBER_OP) && r->members[i].s != s)
			fan_to(h, &ev, r->members[i].s);
	fan_end(h);
	return HUB_OK;
}

/* ---- lists ---- */

static int room_member_cmp(const void *a, const void *b)
{
	const struct hub_member_view *x = a, *y = b;
	return strcmp(session_folded(x->s), session_folded(y->s));
}

enum hub_result room_names(struct hub *h, struct session *s, const char *name, size_t len)
{
	struct room *r = room_find(h, name, len);
	if (!r || (mode_is_set(r, MODE_SECRET) && !session_membership(s, r)))
		return fan_result(h, s, HUB_ERR_NO_SUCH_ROOM, NULL, 0, name, len, 0, 0);
	struct hub_member_view *v = xmalloc((r->count ? r->count : 1) * sizeof(*v));
	for (uint32_t i = 0; i < r->count; i++)
		v[i] = (struct hub_member_view){.s = r->members[i].s, .prefix = r->members[i].prefix};
	qsort(v, r->count, sizeof(*v), room_member_cmp);
	/* Bots that hear every room are in none, yet they are there to talk to. */
	const struct hub_bot **bots = xmalloc((h->nbots ? h->nbots : 1) * sizeof(*bots));
	size_t nbots = 0;
	for (size_t i = 0; i < h->nbots; i++)
		if (h->bots[i].everywhere && !session_membership(h->bots[i].s, r))
			bots[nbots++] = &h->bots[i];
	struct hub_event ev = {
		.type = HUB_EV_NAMES,
		.flags = HUB_EVF_SELF,
		.src = s,
		.from = s->name,
		.room = r->name,
		.u.names = {.v = v, .n = r->count, .bots = bots, .nbots = nbots,
			    .secret = mode_is_set(r, MODE_SECRET)},
	};
	fan_one(h, s, &ev);
	free(bots);
	free(v);
	return HUB_OK;
}

static int room_cmp(const void *a, const void *b)
{
	const struct room *x = *(const struct room *const *)a;
	const struct room *y = *(const struct room *const *)b;
	return strcmp(room_folded(x), room_folded(y));
}

void room_list(struct hub *h, struct session *s)
{
	const struct room **v = xmalloc((h->rooms.count ? h->rooms.count : 1) * sizeof(*v));
	size_t n = 0, it = 0;
	void *p;
	while (map_next(&h->rooms, &it, NULL, &p)) {
		const struct room *r = p;
		if (!mode_is_set(r, MODE_SECRET) || session_membership(s, r))
			v[n++] = r;
	}
	qsort(v, n, sizeof(*v), room_cmp);
	struct hub_event ev = {.type = HUB_EV_ROOMS, .flags = HUB_EVF_SELF, .src = s,
			       .from = s->name, .u.rooms = {.v = v, .n = n}};
	fan_one(h, s, &ev);
	free(v);
}
