#include "server/server_bans.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "hub/mode.h"
#include "server/server.h"

static const char T_QUIT[] = "Banned: %s";

/* An expired ban is forgotten by the store too. */
static void server_bans_gone(const struct ban *b, void *arg)
{
	struct server_bans *sb = arg;
	if (sb->sv->store.store_open)
		store_ban_delete(&sb->sv->store.store, b->mask);
}

static void server_bans_expire(struct server_bans *sb)
{
	ban_list_expire(&sb->list, sb->clock_ms(), server_bans_gone, sb);
}

static void server_bans_view(const struct ban *b, struct hub_ban_view *out)
{
	*out = (struct hub_ban_view){.mask = b->mask, .reason = b->reason, .by = b->by,
				     .set_ms = b->set_ms, .until_ms = b->until_ms};
}

/* s's mask as a name ban reads it: "name!user@host". */
static void server_bans_who(const struct session *s, const char *name, size_t len, struct buf *out)
{
	buf_clear(out);
	buf_append(out, name, len);
	buf_printf(out, "!%s@%s", session_user_shown(s), session_host_shown(s));
}

struct server_bans_walk {
	struct server_bans *sb;
	const struct ban *ban;
	const struct session *by;
	size_t cut;
	struct buf who;
};

static void server_bans_cut_one(struct session *s, const struct netlim_addr *a, void *arg)
{
	struct server_bans_walk *w = arg;
	const struct ban *b = w->ban;
	if (s == w->by || session_is_bot(s) || s->state == SESSION_GONE)
		return;
	bool hit;
	if (b->is_addr) {
		hit = netlim_in_cidr(a, &b->cidr);
	} else {
		if (!s->name)
			return;
		server_bans_who(s, s->name, strlen(s->name), &w->who);
		hit = mask_match(b->mask, strlen(b->mask), w->who.data, w->who.len);
	}
	if (!hit)
		return;
	struct buf quit = BUF_INIT;
	buf_printf(&quit, T_QUIT, b->reason);
	session_cut(&w->sb->sv->hub, s, HUB_ERR_SERVER_BANNED, b->reason, strlen(b->reason),
		    (size_t)(b->until_ms / 1000), quit.data, quit.len);
	buf_free(&quit);
	w->cut++;
	w->sb->cut++;
}

static enum hub_ban_status server_bans_add(void *ctx, struct session *by, const char *mask,
					   size_t mlen, const char *duration, size_t dlen,
					   const char *reason, size_t rlen,
					   struct hub_ban_view *out, size_t *cut)
{
	struct server_bans *sb = ctx;
	*cut = 0;
	uint64_t ms;
	if (!ban_duration_parse(duration, dlen, &ms))
		return HUB_BAN_BAD_DURATION;
	struct buf norm = BUF_INIT, why = BUF_INIT;
	bool is_addr;
	struct netlim_cidr c;
	if (!ban_mask_parse(mask, mlen, &norm, &is_addr, &c)) {
		buf_free(&norm);
		return HUB_BAN_BAD_MASK;
	}
	server_bans_expire(sb);
	ban_reason(reason, rlen, &why);
	uint64_t now = sb->clock_ms();
	const char *setter = by && by->name ? by->name : "server";
	const struct ban *b = ban_list_add(&sb->list, norm.data, is_addr, &c, why.data, setter,
					   now, ms ? now + ms : 0);
	buf_free(&why);
	buf_free(&norm);
	if (!b)
		return HUB_BAN_FULL;
	if (sb->sv->store.store_open) {
		struct db_ban db = {.mask = b->mask, .reason = b->reason, .by = b->by,
				    .set_ms = b->set_ms, .until_ms = b->until_ms};
		store_ban_save(&sb->sv->store.store, &db);
	}
	struct server_bans_walk w = {.sb = sb, .ban = b, .by = by, .who = BUF_INIT};
	line_face_each(&sb->sv->line, server_bans_cut_one, &w);
	if (sb->sv->irc_on)
		irc_face_each(&sb->sv->irc, server_bans_cut_one, &w);
	udp_face_each(&sb->sv->udp, server_bans_cut_one, &w);
	buf_free(&w.who);
	*cut = w.cut;
	log_info(&sb->sv->log, "ban %s by %s (%s), %zu cut", b->mask, b->by, b->reason, w.cut);
	server_bans_view(b, out);
	return HUB_BAN_OK;
}

static enum hub_ban_status server_bans_remove(void *ctx, const char *mask, size_t len)
{
	struct server_bans *sb = ctx;
	struct buf norm = BUF_INIT;
	bool is_addr;
	struct netlim_cidr c;
	enum hub_ban_status st = HUB_BAN_NO_SUCH;
	if (ban_mask_parse(mask, len, &norm, &is_addr, &c) && ban_list_remove(&sb->list, norm.data)) {
		if (sb->sv->store.store_open)
			store_ban_delete(&sb->sv->store.store, norm.data);
		log_info(&sb->sv->log, "ban %s lifted", norm.data);
		st = HUB_BAN_OK;
	}
	buf_free(&norm);
	return st;
}

static bool server_bans_get(void *ctx, size_t i, struct hub_ban_view *out)
{
	struct server_bans *sb = ctx;
	if (i == 0)
		server_bans_expire(sb);
	if (i >= sb->list.n)
		return false;
	server_bans_view(&sb->list.v[i], out);
	return true;
}

static bool server_bans_name(void *ctx, const struct session *s, const char *name, size_t len,
			     struct hub_ban_view *out)
{
	struct server_bans *sb = ctx;
	if (!sb->list.n)
		return false;
	server_bans_expire(sb);
	struct buf who = BUF_INIT;
	server_bans_who(s, name, len, &who);
	const struct ban *b = ban_list_match_name(&sb->list, who.data, who.len);
	buf_free(&who);
	if (!b)
		return false;
	sb->refused_names++;
	server_bans_view(b, out);
	return true;
}

static bool server_bans_banned(void *ctx, const struct netlim_addr *a, const char **reason,
			       uint64_t *until_ms)
{
	struct server_bans *sb = ctx;
	if (!sb->list.n)
		return false;
	server_bans_expire(sb);
	const struct ban *b = ban_list_match_addr(&sb->list, a);
	if (!b)
		return false;
	*reason = b->reason;
	*until_ms = b->until_ms;
	return true;
}

void server_bans_start(struct server_bans *sb, struct server *sv, uint64_t (*clock_ms)(void))
{
	memset(sb, 0, sizeof(*sb));
	sb->sv = sv;
	sb->clock_ms = clock_ms;
	sb->iface = (struct hub_bans){.ctx = sb, .add = server_bans_add,
				      .remove = server_bans_remove, .get = server_bans_get,
				      .name = server_bans_name};
	sb->gate = (struct net_gate){.ctx = sb, .banned = server_bans_banned};
	struct server_store *ss = &sv->store;
	struct buf norm = BUF_INIT, why = BUF_INIT;
	for (size_t i = 0; i < ss->nbans; i++) {
		const struct db_ban *d = &ss->bans[i];
		bool is_addr;
		struct netlim_cidr c;
		/* The reason cleaned again: a store written before the check may hold a CR. */
		ban_reason(d->reason, strlen(d->reason), &why);
		if (ban_mask_parse(d->mask, strlen(d->mask), &norm, &is_addr, &c))
			ban_list_add(&sb->list, norm.data, is_addr, &c, why.data, d->by, d->set_ms,
				     d->until_ms);
		db_ban_free(&ss->bans[i]);
	}
	buf_free(&why);
	buf_free(&norm);
	free(ss->bans);
	ss->bans = NULL;
	ss->nbans = 0;
	server_bans_expire(sb);
	sv->hub.bans = &sb->iface;
	sv->net.gate = &sb->gate;
}

void server_bans_free(struct server_bans *sb)
{
	ban_list_free(&sb->list);
}
