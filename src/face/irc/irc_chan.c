/* irc_chan: channels. An IRC channel is a hub room of the same name, shared with every face: the
 * hub checks and applies each request and tells the requester what it refused (irc_codec.c turns
 * that into the numeric), so these handlers only split IRC's lists and add the replies IRC
 * expects around the hub's events (topic and names after a JOIN, RPL_INVITING, mode queries). */
#include <stdio.h>
#include <string.h>

#include "face/irc/irc_int.h"
#include "hub/mode.h"
#include "text/modechar.h"

/* User-facing text of channel replies, in one place for translation. */
static const char T_NOTOPIC[] = "%s :No topic is set";
static const char T_ENDOFNAMES[] = "%.*s :End of /NAMES list";
static const char T_UNKNOWNMODE[] = "%c :is unknown mode char to me";
static const char T_ENDOFBANLIST[] = "End of channel ban list";
static const char T_ENDOFEXCEPTLIST[] = "End of channel exception list";
static const char T_ENDOFINVEXLIST[] = "End of channel invite list";
static const char T_NOSUCHCHANNEL[] = "%.*s :No such channel";
static const char T_NOTONCHANNEL[] = "%s :You're not on that channel";

enum { IRC_MODE_PARAMS = 4 }; /* MODES=: modes with a parameter taken from one MODE command */

/* The next comma-separated item of *list (advancing it), or false at its end. */
static bool irc_chan_next(struct irc_span *list, struct irc_span *item)
{
	if (!list->len)
		return false;
	const char *comma = memchr(list->p, ',', list->len);
	item->p = list->p;
	item->len = comma ? (size_t)(comma - list->p) : list->len;
	size_t skip = comma ? item->len + 1 : item->len;
	list->p += skip;
	list->len -= skip;
	return true;
}

void irc_chan_topic_reply(struct irc_client *c, const struct room *r, bool tell_none)
{
	const struct room_state *st = r->state;
	if (!st || !st->topic) {
		if (tell_none)
			irc_num(c, "331", T_NOTOPIC, r->name);
		return;
	}
	irc_num(c, "332", "%s :%.*s", r->name, (int)st->topic_len, st->topic);
	irc_num(c, "333", "%s %s %llu", r->name, st->topic_by ? st->topic_by : "*",
		(unsigned long long)(st->topic_ms / 1000));
}

/* ---- JOIN, PART ---- */

static void irc_chan_part_all(struct irc_client *c)
{
	while (c->sess.nrooms) {
		const struct room *r = c->sess.rooms[c->sess.nrooms - 1].room;
		room_part(c->f->hub, &c->sess, r->name, strlen(r->name), "", 0);
	}
}

void irc_chan_join(struct irc_client *c, const struct irc_msg *m)
{
	struct hub *h = c->f->hub;
	if (m->params[0].len == 1 && m->params[0].p[0] == '0') {
		irc_chan_part_all(c);
		return;
	}
	struct irc_span names = m->params[0];
	struct irc_span keys = m->nparams > 1 ? m->params[1] : (struct irc_span){"", 0};
	struct irc_span name, key;
	while (irc_chan_next(&names, &name)) {
		if (!irc_chan_next(&keys, &key))
			key = (struct irc_span){NULL, 0};
		if (!name.len)
			continue;
		if (room_join(h, &c->sess, name.p, name.len, key.len ? key.p : NULL, key.len) !=
		    HUB_OK)
			continue;
		uint64_t joined = h->last_event + 1; /* what has an id below was said before */
		const struct room *r = room_find(h, name.p, name.len);
		if (!r)
			continue;
		irc_chan_topic_reply(c, r, false);
		room_names(h, &c->sess, r->name, strlen(r->name));
		irc_history_on_join(c, r->name, joined);
	}
}

void irc_chan_part(struct irc_client *c, const struct irc_msg *m)
{
	struct irc_span names = m->params[0], name;
	const struct irc_span *why = m->nparams > 1 ? &m->params[1] : NULL;
	size_t wl = why ? why->len : 0;
	while (irc_chan_next(&names, &name))
		if (name.len)
			room_part(c->f->hub, &c->sess, name.p, name.len, why ? why->p : "", wl);
}

/* ---- TOPIC, NAMES, LIST ---- */

void irc_chan_topic(struct irc_client *c, const struct irc_msg *m)
{
	struct hub *h = c->f->hub;
	const struct irc_span *name = &m->params[0];
	if (m->nparams > 1) {
		room_topic(h, &c->sess, name->p, name->len, m->params[1].p, m->params[1].len);
		return;
	}
	const struct room *r = room_find(h, name->p, name->len);
	if (!r) {
		irc_num(c, "403", T_NOSUCHCHANNEL, (int)name->len, name->p);
		return;
	}
	if (mode_is_set(r, MODE_SECRET) && room_prefix(r, &c->sess) < 0) {
		irc_num(c, "442", T_NOTONCHANNEL, r->name);
		return;
	}
	irc_chan_topic_reply(c, r, true);
}

void irc_chan_names(struct irc_client *c, const struct irc_msg *m)
{
	struct hub *h = c->f->hub;
	if (!m->nparams) {
		irc_num(c, "366", "* :End of /NAMES list");
		return;
	}
	/* Several channels (RFC 2812): each one's 353 lines, then one 366 naming them all. */
	const struct irc_span *all = &m->params[0];
	c->names_one_end = memchr(all->p, ',', all->len) != NULL;
	struct irc_span names = *all, name;
	while (irc_chan_next(&names, &name)) {
		const struct room *r = room_find(h, name.p, name.len);
		if (!r || (mode_is_set(r, MODE_SECRET) && room_prefix(r, &c->sess) < 0)) {
			if (!c->names_one_end)
				irc_num(c, "366", T_ENDOFNAMES, (int)name.len, name.p);
		} else {
			room_names(h, &c->sess, r->name, strlen(r->name));
		}
	}
	if (c->names_one_end)
		irc_num(c, "366", T_ENDOFNAMES, (int)all->len, all->p);
	c->names_one_end = false;
}

void irc_chan_list(struct irc_client *c, const struct irc_msg *m)
{
	c->list_mask = m->nparams ? m->params[0].p : NULL;
	c->list_mask_len = m->nparams ? m->params[0].len : 0;
	room_list(c->f->hub, &c->sess);
	c->list_mask = NULL;
	c->list_mask_len = 0;
}

/* ---- KICK, INVITE ---- */

/* KICK #a nick1,nick2 (each from #a) or KICK #a,#b nick1,nick2 (pairs), as RFC 2812 says; each
 * kick is its own KICK line to the channel. */
void irc_chan_kick(struct irc_client *c, const struct irc_msg *m)
{
	struct irc_span rooms = m->params[0], nicks = m->params[1], room = {NULL, 0}, nick;
	bool pairs = memchr(rooms.p, ',', rooms.len) != NULL;
	if (!pairs)
		room = rooms;
	const char *why = m->nparams > 2 ? m->params[2].p : "";
	size_t wl = m->nparams > 2 ? m->params[2].len : 0;
	while (irc_chan_next(&nicks, &nick)) {
		if (pairs && !irc_chan_next(&rooms, &room))
			break;
		if (nick.len && room.len)
			room_kick(c->f->hub, &c->sess, room.p, room.len, nick.p, nick.len, why, wl);
	}
}

void irc_chan_invite(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *nick = &m->params[0], *room = &m->params[1];
	if (room_invite(c->f->hub, &c->sess, room->p, room->len, nick->p, nick->len) != HUB_OK)
		return;
	const struct session *t = session_find(c->f->hub, nick->p, nick->len);
	const struct room *r = room_find(c->f->hub, room->p, room->len);
	if (t && r)
		irc_num(c, "341", "%s %s", t->name, r->name);
}

/* ---- MODE of a channel ---- */

static void irc_chan_mode_query(struct irc_client *c, const struct room *r)
{
	char flags[MODECHAR_FLAGS_MAX];
	modechar_flags(r, flags);
	struct buf params = BUF_INIT;
	const struct room_state *st = r->state;
	bool member = room_prefix(r, &c->sess) >= 0;
	if (st && st->key)
		buf_printf(&params, " %s", member ? st->key : "*");
	if (st && st->limit)
		buf_printf(&params, " %u", st->limit);
	irc_num(c, "324", "%s %s%s", r->name, flags, params.data ? params.data : "");
	irc_num(c, "329", "%s %llu", r->name, (unsigned long long)(r->created_ms / 1000));
	buf_free(&params);
}

static void irc_chan_mode_list(struct irc_client *c, const struct room *r, enum room_mode list)
{
	static const struct {
		const char *item, *end;
		const char *text;
	} nums[] = {
		[0] = {"367", "368", T_ENDOFBANLIST},
		[1] = {"348", "349", T_ENDOFEXCEPTLIST},
		[2] = {"346", "347", T_ENDOFINVEXLIST},
	};
	int k = (int)list - MODE_BAN;
	const struct masklist *l = mode_list(r, list);
	for (size_t i = 0; l && i < l->n; i++)
		irc_num(c, nums[k].item, "%s %s %s %llu", r->name, l->v[i].text,
			l->v[i].by ? l->v[i].by : "*", (unsigned long long)(l->v[i].at_ms / 1000));
	irc_num(c, nums[k].end, "%s :%s", r->name, nums[k].text);
}

void irc_chan_mode(struct irc_client *c, const struct irc_msg *m)
{
	const struct irc_span *target = &m->params[0];
	if (!target->len || target->p[0] != '#') {
		irc_user_mode(c, m);
		return;
	}
	struct hub *h = c->f->hub;
	const struct room *r = room_find(h, target->p, target->len);
	if (!r) {
		irc_num(c, "403", T_NOSUCHCHANNEL, (int)target->len, target->p);
		return;
	}
	if (m->nparams < 2) {
		irc_chan_mode_query(c, r);
		return;
	}
	struct mode_change changes[MODE_COUNT * 2];
	size_t n = 0, next = 2, with_param = 0;
	bool add = true;
	const struct irc_span *letters = &m->params[1];
	for (size_t i = 0; i < letters->len && n < sizeof(changes) / sizeof(changes[0]); i++) {
		char l = letters->p[i];
		if (l == '+' || l == '-') {
			add = l == '+';
			continue;
		}
		int mode = modechar_mode(l);
		if (mode < 0) {
			irc_num(c, "472", T_UNKNOWNMODE, l);
			continue;
		}
		bool list = mode >= MODE_BAN && mode <= MODE_INVEX;
		bool takes = modechar_takes_arg((enum room_mode)mode, add);
		const struct irc_span *arg = takes && next < m->nparams ? &m->params[next] : NULL;
		if (takes && arg)
			next++;
		if (list && !arg) {
			irc_chan_mode_list(c, r, (enum room_mode)mode);
			continue;
		}
		if (takes && !arg && !(mode == MODE_KEY && !add))
			continue; /* a parameter is missing: nothing to do */
		if (takes && ++with_param > IRC_MODE_PARAMS)
			break;
		changes[n++] = (struct mode_change){.mode = (enum room_mode)mode, .add = add,
						    .arg = arg ? arg->p : NULL,
						    .arglen = arg ? arg->len : 0};
	}
	if (n)
		room_mode(h, &c->sess, r->name, strlen(r->name), changes, n);
}
