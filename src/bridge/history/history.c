#include "bridge/history/history.h"

#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "hub/mode.h"
#include "hub/name.h"
#include "hub/room.h"
#include "hub/session.h"

enum { HISTORY_KEY_MAX = 2 * NAME_MAX_BYTES + 3 }; /* "@a b" */

/* A request in the store: the hub's callback and its context. */
struct history_req {
	struct history *hi;
	hub_history_fn cb;
	hub_history_targets_fn tcb;
	void *ctx;
	unsigned limit;
};

static char *history_fold(const char *name, size_t len)
{
	char *out = xmalloc(len + 1);
	fold_utf8(name, len, out, len + 1);
	return out;
}

/* The key of the private conversation between two accounts (see db.h). */
static char *history_private_key(const char *a, size_t alen, const char *b, size_t blen)
{
	char *fa = history_fold(a, alen), *fb = history_fold(b, blen);
	if (strcmp(fa, fb) > 0) {
		char *t = fa;
		fa = fb;
		fb = t;
	}
	size_t la = strlen(fa), lb = strlen(fb);
	char *key = xmalloc(la + lb + 3);
	key[0] = DB_PRIVATE_MARK;
	memcpy(key + 1, fa, la);
	key[1 + la] = ' ';
	memcpy(key + 2 + la, fb, lb + 1);
	free(fa);
	free(fb);
	return key;
}

/* The key of the private conversation kept for one account with an end that had none, known
 * by its nick (see db.h): the account first, whatever the order. */
static char *history_nick_key(const char *account, const char *nick, size_t nlen)
{
	char *fa = history_fold(account, strlen(account)), *fn = history_fold(nick, nlen);
	size_t la = strlen(fa), ln = strlen(fn);
	char *key = xmalloc(la + ln + 4);
	key[0] = DB_PRIVATE_MARK;
	memcpy(key + 1, fa, la);
	key[1 + la] = ' ';
	key[2 + la] = DB_NICK_MARK;
	memcpy(key + 3 + la, fn, ln + 1);
	free(fa);
	free(fn);
	return key;
}

static const char *history_account_of(const struct session *s)
{
	return s && s->info ? s->info->account : NULL;
}

/* Where a private message is kept: between the two accounts when both ends are logged in, for
 * the one account when one is (with the other end's nick), nowhere when neither is: a name is
 * anyone's once its holder has gone, so nothing may be kept under a name alone. */
static char *history_private_conv(struct history *hi, const struct hub_event *ev)
{
	const char *from = history_account_of(ev->src);
	const char *to = history_account_of(session_find(hi->hub, ev->to, strlen(ev->to)));
	if (from && to)
		return history_private_key(from, strlen(from), to, strlen(to));
	if (from)
		return history_nick_key(from, ev->to, strlen(ev->to));
	if (to)
		return history_nick_key(to, ev->from, strlen(ev->from));
	return NULL;
}

/* ---- the observer ---- */

static void history_keep_message(struct history *hi, const struct hub_event *ev)
{
	if (ev->kind == HUB_MSG_TAGS || !ev->from || !ev->id)
		return;
	struct db_msg m = {.id = ev->id, .time_ms = ev->time_ms, .kind = ev->kind};
	if (ev->room) {
		m.conv = history_fold(ev->room, strlen(ev->room));
		m.target = xstrdup(ev->room);
	} else if (hi->cfg.store_private && ev->to && !hub_bot_is_secret(hi->hub, ev->from, ev->to) &&
		   (m.conv = history_private_conv(hi, ev)) != NULL) {
		m.target = xstrdup(ev->to);
	} else {
		return;
	}
	m.from = xstrdup(ev->from);
	m.text = xmalloc(ev->len + 1);
	if (ev->len)
		memcpy(m.text, ev->text, ev->len);
	m.text[ev->len] = 0;
	m.len = ev->len;
	store_put(hi->store, &m);
}

/* Whether r has nothing worth keeping: no topic, the default flags, no key, limit or masks. */
static bool history_room_plain(const struct room *r)
{
	const struct room_state *st = r->state;
	if (r->modes != MODE_DEFAULT)
		return false;
	if (!st)
		return true;
	if (st->topic_len || st->key || st->limit || st->founder)
		return false;
	for (int i = 0; i < MODE_LISTS; i++)
		if (st->lists[i].n)
			return false;
	return true;
}

static void history_save_room(struct history *hi, const struct hub_event *ev)
{
	struct room *r = ev->room ? room_find(hi->hub, ev->room, strlen(ev->room)) : NULL;
	if (!r)
		return;
	if (history_room_plain(r)) {
		store_room_delete(hi->store, room_folded(r));
		/* Only a room with members: letting an empty one go would free it mid-fan-out. */
		if (r->count && r != hi->hub->lobby)
			room_keep(hi->hub, r->name, strlen(r->name), false);
		return;
	}
	const struct room_state *st = r->state;
	struct db_room d = {.name = r->name, .modes = r->modes, .created_ms = r->created_ms};
	struct db_mask masks[MODE_LISTS * MODE_LIST_MAX];
	if (st) {
		d.topic = st->topic;
		d.topic_len = st->topic_len;
		d.topic_by = st->topic_by;
		d.topic_ms = st->topic_ms;
		d.key = st->key;
		d.limit = st->limit;
		d.founder = st->founder;
		for (int l = 0; l < MODE_LISTS; l++)
			for (size_t i = 0; i < st->lists[l].n; i++)
				masks[d.nmasks++] = (struct db_mask){(uint8_t)l, st->lists[l].v[i].text,
								     st->lists[l].v[i].by,
								     st->lists[l].v[i].at_ms};
		d.masks = masks;
	}
	store_room_save(hi->store, &d);
	/* Kept from now on, as a registered room. room_keep of a room that exists only sets its
	 * flag: nothing is freed or told, so an observer may call it. */
	room_keep(hi->hub, r->name, strlen(r->name), true);
}

static void history_event(struct hub_observer *o, const struct hub_event *ev)
{
	struct history *hi = o->ctx;
	if (!hi->store)
		return;
	if (ev->type == HUB_EV_MESSAGE)
		history_keep_message(hi, ev);
	else if (ev->type == HUB_EV_TOPIC || ev->type == HUB_EV_MODE)
		history_save_room(hi, ev);
	else if (ev->type == HUB_EV_JOIN && ev->u.count == 1 && ev->src && ev->src->info &&
		 ev->src->info->account)
		history_save_room(hi, ev); /* a room a logged-in user made: its founder is kept */
}

/* ---- the provider ---- */

/* Adds a conversation to v (n of them), or updates the one of the same name: an account and a
 * nick of the same name are one conversation to their reader (see history_query). */
static void history_target_add(struct hub_history_target *v, size_t *n, const char *name,
			       uint64_t last_id, uint64_t last_ms)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < *n; i++)
		if (v[i].len == len && memcmp(v[i].name, name, len) == 0) {
			if (last_id > v[i].last_id) {
				v[i].last_id = last_id;
				v[i].last_ms = last_ms;
			}
			return;
		}
	v[(*n)++] = (struct hub_history_target){name, len, last_id, last_ms};
}

static void history_read_done(void *ctx, bool ok, const struct db_msgs *msgs,
			      const struct db_targets *targets)
{
	struct history_req *rq = ctx;
	if (rq->cb) {
		size_t n = ok ? msgs->n : 0;
		struct hub_history_msg *v = xcalloc(n ? n : 1, sizeof(*v));
		for (size_t i = 0; i < n; i++) {
			const struct db_msg *m = &msgs->v[i];
			v[i] = (struct hub_history_msg){
				.id = m->id, .time_ms = m->time_ms, .kind = m->kind, .from = m->from,
				.from_len = strlen(m->from), .target = m->target,
				.target_len = strlen(m->target), .text = m->text, .len = m->len};
		}
		rq->cb(rq->ctx, ok ? HUB_HISTORY_OK : HUB_HISTORY_UNAVAILABLE, v, n);
		free(v);
	} else {
		size_t got = ok ? targets->n : 0, n = 0;
		struct hub_history_target *v = xcalloc(got ? got : 1, sizeof(*v));
		for (size_t i = 0; i < got; i++) {
			const struct db_target *t = &targets->v[i];
			const struct room *r = t->name[0] == '#'
						       ? room_find(rq->hi->hub, t->name, strlen(t->name))
						       : NULL;
			const char *name = r ? r->name : t->name;
			if (name[0] == DB_NICK_MARK) /* an end with no account: its nick then */
				name++;
			history_target_add(v, &n, name, t->last_id, t->last_ms);
		}
		/* Newest first, at most the limit. */
		for (size_t i = 1; i < n; i++)
			for (size_t j = i; j > 0 && v[j].last_id > v[j - 1].last_id; j--) {
				struct hub_history_target x = v[j];
				v[j] = v[j - 1];
				v[j - 1] = x;
			}
		rq->tcb(rq->ctx, ok ? HUB_HISTORY_OK : HUB_HISTORY_UNAVAILABLE, v,
			n < rq->limit ? n : rq->limit);
		free(v);
	}
	free(rq);
}

/* The store's ranges for a query (see hub/history.h's kinds). */
static void history_ranges(const struct hub_history_query *q, struct store_read *rd)
{
	unsigned lim = q->limit;
	switch (q->kind) {
	case HUB_HISTORY_LATEST:
		rd->range[0].lo = q->from;
		rd->range[0].newest = true;
		break;
	case HUB_HISTORY_BEFORE:
		rd->range[0].hi = q->from;
		rd->range[0].newest = true;
		break;
	case HUB_HISTORY_AFTER:
		rd->range[0].lo = q->from;
		break;
	case HUB_HISTORY_AROUND:
		rd->range[0].hi = q->from;
		rd->range[0].newest = true;
		rd->range[0].limit = lim / 2;
		rd->range[1].lo = q->from ? q->from - 1 : 0;
		rd->range[1].limit = lim - lim / 2;
		rd->nranges = 2;
		return;
	case HUB_HISTORY_BETWEEN: {
		uint64_t a = q->from, b = q->to;
		bool down = b && a > b;
		rd->range[0].lo = down ? b : a;
		rd->range[0].hi = down ? a : b;
		rd->range[0].newest = down;
		break;
	}
	}
	rd->range[0].limit = lim;
	rd->nranges = 1;
}

static enum hub_history_status history_submit(struct history *hi, struct store_read *rd,
					      struct history_req *rq, uint64_t *req)
{
	*req = store_read(hi->store, rd, history_read_done, rq);
	if (!*req) {
		free(rq);
		return HUB_HISTORY_BUSY;
	}
	return HUB_HISTORY_OK;
}

static enum hub_history_status history_query(void *impl, const struct session *asker,
					      const struct hub_history_query *q,
					      hub_history_fn cb, void *ctx, uint64_t *req)
{
	struct history *hi = impl;
	*req = 0;
	if (!hi->store || !hi->healthy)
		return HUB_HISTORY_UNAVAILABLE;
	struct store_read rd = {.kind = STORE_READ_RANGE};
	if (q->target[0] == '#') {
		rd.conv = history_fold(q->target, q->target_len);
	} else {
		/* The asker's account (the hub checked it has one) with the account named, or of
		 * the session online under that name; and with the nick, for what was said while
		 * that end had no account. Either way only the asker's account's own rows. */
		const char *me = history_account_of(asker);
		if (!hi->cfg.store_private || !me)
			return HUB_HISTORY_UNAVAILABLE;
		const char *other = history_account_of(session_find(hi->hub, q->target,
								    q->target_len));
		rd.conv = other ? history_private_key(me, strlen(me), other, strlen(other))
				: history_private_key(me, strlen(me), q->target, q->target_len);
		rd.conv2 = history_nick_key(me, q->target, q->target_len);
	}
	history_ranges(q, &rd);
	struct history_req *rq = xcalloc(1, sizeof(*rq));
	*rq = (struct history_req){.hi = hi, .cb = cb, .ctx = ctx, .limit = q->limit};
	return history_submit(hi, &rd, rq, req);
}

static enum hub_history_status history_targets(void *impl, const struct session *asker,
					       const char *const *rooms, size_t nrooms,
					       uint64_t from, uint64_t to, unsigned limit,
					       hub_history_targets_fn cb, void *ctx, uint64_t *req)
{
	struct history *hi = impl;
	*req = 0;
	if (!hi->store || !hi->healthy)
		return HUB_HISTORY_UNAVAILABLE;
	struct store_read rd = {.kind = STORE_READ_TARGETS, .nconvs = nrooms};
	rd.convs = xcalloc(nrooms ? nrooms : 1, sizeof(*rd.convs));
	for (size_t i = 0; i < nrooms; i++)
		rd.convs[i] = history_fold(rooms[i], strlen(rooms[i]));
	const char *me = history_account_of(asker);
	if (hi->cfg.store_private && me) /* an account's only: see history_private_conv */
		rd.me = history_fold(me, strlen(me));
	rd.lo = from < to || !to ? from : to;
	rd.hi = from < to || !to ? to : from;
	struct history_req *rq = xcalloc(1, sizeof(*rq));
	*rq = (struct history_req){.hi = hi, .tcb = cb, .ctx = ctx, .limit = limit};
	return history_submit(hi, &rd, rq, req);
}

static void history_cancel(void *impl, uint64_t req)
{
	struct history *hi = impl;
	if (hi->store)
		free(store_cancel(hi->store, req));
}

/* ---- life ---- */

enum db_status history_restore(struct history *hi, struct hub *h, struct store *st, size_t *n)
{
	(void)hi;
	struct db_room *v;
	enum db_status s = store_rooms(st, &v, n);
	if (s != DB_OK)
		return s;
	for (size_t i = 0; i < *n; i++) {
		struct room_saved saved = {.name = v[i].name, .len = strlen(v[i].name),
					   .modes = v[i].modes, .topic = v[i].topic,
					   .topic_len = v[i].topic_len, .topic_by = v[i].topic_by,
					   .topic_ms = v[i].topic_ms, .created_ms = v[i].created_ms,
					   .key = v[i].key, .limit = v[i].limit,
					   .founder = v[i].founder};
		struct room *r = room_restore(h, &saved);
		for (size_t k = 0; r && k < v[i].nmasks; k++)
			mode_restore_mask(r, (enum room_mode)(MODE_BAN + v[i].masks[k].list),
					  v[i].masks[k].text, v[i].masks[k].by, v[i].masks[k].at_ms);
		db_room_free(&v[i]);
	}
	free(v);
	return DB_OK;
}

void history_init(struct history *hi, struct hub *h, struct store *st,
		  const struct history_config *cfg, const struct logger *log)
{
	memset(hi, 0, sizeof(*hi));
	hi->hub = h;
	hi->store = st;
	hi->log = log;
	hi->cfg = *cfg;
	hi->healthy = st != NULL;
	hi->obs.mask = HUB_MASK(HUB_EV_MESSAGE) | HUB_MASK(HUB_EV_TOPIC) | HUB_MASK(HUB_EV_MODE) |
		       HUB_MASK(HUB_EV_JOIN);
	hi->obs.event = history_event;
	hi->obs.ctx = hi;
	hub_observe(h, &hi->obs);
	hi->prov = (struct hub_history_provider){history_query, history_targets, history_cancel,
						 hi};
	hub_history_set(h, &hi->prov);
}

void history_free(struct history *hi)
{
	if (!hi->hub)
		return;
	hub_unobserve(hi->hub, &hi->obs);
	hub_history_set(hi->hub, NULL);
	hi->hub = NULL;
}

void history_on_health(void *ctx, bool ok)
{
	struct history *hi = ctx;
	hi->healthy = ok;
}
