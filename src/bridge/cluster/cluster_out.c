/* cluster_out: what happens on this node, sent to the others once per event. */
#include "bridge/cluster/cluster_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "hub/mode.h"
#include "hub/room.h"

/* The names hash is KEYS[1]; a node's lease is KEYS[2]..node and the set of the names it holds
 * KEYS[3]..node (so that a node coming back from a split can free those its people gave up
 * meanwhile). Claims ARGV[2] for node ARGV[1] unless a live node has it, frees ARGV[3] (a former
 * name) if it was ours, and publishes ARGV[5] on ARGV[4] ("": nothing) with the verb ARGV[6]
 * (PUBLISH, or SPUBLISH in a Redis Cluster): 1, or the owner's name when the claim is lost. */
static const char LUA_CLAIM[] =
	"local owner = redis.call('HGET', KEYS[1], ARGV[2]) "
	"if owner and owner ~= ARGV[1] and redis.call('EXISTS', KEYS[2] .. owner) == 1 then "
	"return owner end "
	"redis.call('HSET', KEYS[1], ARGV[2], ARGV[1]) "
	"redis.call('SADD', KEYS[3] .. ARGV[1], ARGV[2]) "
	"if ARGV[3] ~= '' and ARGV[3] ~= ARGV[2] then "
	"redis.call('SREM', KEYS[3] .. ARGV[1], ARGV[3]) "
	"if redis.call('HGET', KEYS[1], ARGV[3]) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[3]) end "
	"end "
	"if ARGV[4] ~= '' then redis.call(ARGV[6], ARGV[4], ARGV[5]) end "
	"return 1";
/* The claim's arguments (ARGV[3] unused): frees ARGV[2] if node ARGV[1] has it, and publishes
 * ARGV[5] on ARGV[4] with the verb ARGV[6]. */
static const char LUA_RELEASE[] =
	"redis.call('SREM', KEYS[3] .. ARGV[1], ARGV[2]) "
	"if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[1], ARGV[2]) end "
	"if ARGV[4] ~= '' then redis.call(ARGV[6], ARGV[4], ARGV[5]) end "
	"return 1";
/* Back from a split: node ARGV[1] holds exactly the names ARGV[2..] (those a live node took
 * meanwhile apart: they come back as a list, to be given up), and frees the rest of its set. */
static const char LUA_RECLAIM[] =
	"local keep, lost = {}, {} "
	"for i = 2, #ARGV do "
	"local n = ARGV[i] local owner = redis.call('HGET', KEYS[1], n) "
	"if owner and owner ~= ARGV[1] and redis.call('EXISTS', KEYS[2] .. owner) == 1 then "
	"lost[#lost + 1] = n else "
	"redis.call('HSET', KEYS[1], n, ARGV[1]) redis.call('SADD', KEYS[3] .. ARGV[1], n) keep[n] = true end "
	"end "
	"for _, n in ipairs(redis.call('SMEMBERS', KEYS[3] .. ARGV[1])) do "
	"if not keep[n] then redis.call('SREM', KEYS[3] .. ARGV[1], n) "
	"if redis.call('HGET', KEYS[1], n) == ARGV[1] then redis.call('HDEL', KEYS[1], n) end end "
	"end "
	"return lost";

static const uint32_t CL_CAPS_SHARED = SESSION_MODE_INVISIBLE | SESSION_MODE_OPER | SESSION_MODE_BOT;

static void cluster_stamp(struct cluster *c, struct cmsg *m)
{
	m->node = (struct cmsg_field){c->node, strlen(c->node)};
	if (m->id == 0 && c->h->cfg.clock_ms) {
		m->time_ms = c->h->cfg.clock_ms();
		m->id = (m->time_ms << HUB_ID_SEQ_BITS) | c->h->cfg.node;
	}
}

void cluster_send(struct cluster *c, const char *channel, struct cmsg *m)
{
	cluster_stamp(c, m);
	buf_clear(&c->out);
	cmsg_encode(&c->out, m);
	if (clink_publish(&c->link, channel, strlen(channel), c->out.data, c->out.len))
		c->st.published++;
	else
		c->st.unsent++;
}

/* What a claim's answer needs: the name claimed (folded), and the news the script was to publish
 * with it, published alone when the script fails (a full Redis refuses the claim's write: the
 * others must still hear of the person, and know the name from their directory). */
struct cl_claim {
	struct cluster *c;
	char *news;
	size_t news_len;
	char folded[];
};

/* A lost race for a name (two nodes named someone the same in the same instant, or during a
 * split): the local person takes a guest name, as the accounts' guard renames squatters. */
static void cluster_claim_lost(struct cluster *c, const char *folded, const char *owner)
{
	struct session *s = session_find(c->h, folded, strlen(folded));
	if (!s || s->remote || !s->ops->face || strcmp(session_folded(s), folded) != 0)
		return;
	log_info(c->log, "cluster: %s is node %s's: renaming ours", folded, owner);
	char guest[32];
	for (unsigned tries = 0; tries < 10; tries++) {
		unsigned k = (unsigned)((uv_hrtime() / 1000 + tries * 7919) % CL_GUEST_MAX);
		snprintf(guest, sizeof(guest), "Guest%05u", k);
		if (!session_find(c->h, guest, strlen(guest)) &&
		    session_nick(c->h, s, guest, strlen(guest)) == HUB_OK)
			return;
	}
}

static void cluster_claimed(void *privdata, const struct redisReply *r)
{
	struct cl_claim *k = privdata;
	if (r && r->type == REDIS_REPLY_STRING && !k->c->shutting) {
		cluster_claim_lost(k->c, k->folded, r->str);
	} else if (r && r->type == REDIS_REPLY_ERROR) {
		log_warn(k->c->log, "cluster: claiming %s: %s", k->folded, r->str);
		if (k->news && !k->c->shutting &&
		    clink_publish(&k->c->link, CL_CTL, strlen(CL_CTL), k->news, k->news_len))
			k->c->st.published++;
	}
	free(k->news);
	free(k);
}

static void cluster_script(struct cluster *c, const char *script, bool claim, const char *folded,
			   const char *old, struct cmsg *m)
{
	const char *channel = "";
	if (m) {
		cluster_stamp(c, m);
		buf_clear(&c->out);
		cmsg_encode(&c->out, m);
		channel = CL_CTL;
	}
	/* Claim and release take the same arguments (release has no former name). */
	const char *argv[] = {"EVAL", script, "3", CL_NAMES, CL_LEASE, CL_OWNED, c->node, folded,
			      old ? old : "", channel, m ? c->out.data : "",
			      clink_publish_verb(&c->link)};
	enum { ARGC = sizeof(argv) / sizeof(argv[0]), PAYLOAD = ARGC - 2 };
	size_t lens[ARGC];
	for (int i = 0; i < ARGC; i++)
		lens[i] = strlen(argv[i]);
	if (m) /* the payload is binary-safe: its own length */
		lens[PAYLOAD] = c->out.len;
	struct cl_claim *k = NULL;
	if (claim) {
		size_t n = strlen(folded) + 1;
		k = xmalloc(sizeof(*k) + n);
		k->c = c;
		k->news = m ? xmemdup(c->out.data, c->out.len) : NULL;
		k->news_len = m ? c->out.len : 0;
		memcpy(k->folded, folded, n);
	}
	if (cluster_eval(c, claim ? cluster_claimed : NULL, k, ARGC, argv, lens)) {
		if (m)
			c->st.published++;
	} else {
		if (k)
			free(k->news);
		free(k);
		c->st.unsent++;
	}
}

void cluster_claim(struct cluster *c, const char *folded, const char *old_folded, struct cmsg *m)
{
	cluster_script(c, LUA_CLAIM, true, folded, old_folded, m);
}

void cluster_release(struct cluster *c, const char *folded, struct cmsg *m)
{
	cluster_script(c, LUA_RELEASE, false, folded, NULL, m);
}

static void cluster_reclaimed(void *privdata, const struct redisReply *r)
{
	struct cluster *c = privdata;
	if (!r || c->shutting)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		log_warn(c->log, "cluster: claiming our names again: %s", r->str);
		return;
	}
	for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			cluster_claim_lost(c, r->element[i]->str, "another");
}

void cluster_reclaim(struct cluster *c)
{
	size_t n = 0, it = 0;
	void *v;
	while (map_next(&c->h->names, &it, NULL, &v))
		n += remote_local_person(v);
	const char **argv = xcalloc(n + 7, sizeof(*argv));
	size_t *lens = xcalloc(n + 7, sizeof(*lens));
	int argc = 0;
	argv[argc++] = "EVAL";
	argv[argc++] = LUA_RECLAIM;
	argv[argc++] = "3";
	argv[argc++] = CL_NAMES;
	argv[argc++] = CL_LEASE;
	argv[argc++] = CL_OWNED;
	argv[argc++] = c->node;
	it = 0;
	while (map_next(&c->h->names, &it, NULL, &v)) {
		const struct session *s = v;
		if (remote_local_person(s))
			argv[argc++] = session_folded(s);
	}
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	clink_command(&c->link, cluster_reclaimed, c, argc, argv, lens);
	free(argv);
	free(lens);
}

static struct cmsg_field cl_str(const char *s)
{
	return (struct cmsg_field){s ? s : "", s ? strlen(s) : 0};
}

void cluster_user_msg(struct cluster *c, const struct session *s, bool rooms, struct cmsg *m,
		      struct buf *scratch)
{
	(void)c;
	const struct session_info *i = s->info;
	*m = (struct cmsg){.type = CMSG_USER, .n = 7};
	m->f[0] = cl_str(s->name);
	m->f[1] = cl_str(i ? i->user : NULL);
	m->f[2] = cl_str(i ? i->host : NULL);
	m->f[3] = cl_str(i ? i->realname : NULL);
	m->f[4] = cl_str(i ? i->account : NULL);
	m->f[5] = cl_str(i ? i->away : NULL);
	/* Offsets first: the scratch may move while it grows. */
	buf_clear(scratch);
	buf_printf(scratch, "%u", s->caps & CL_CAPS_SHARED);
	buf_putc(scratch, '\0');
	size_t nrooms = 0;
	for (uint32_t k = 0; rooms && k < s->nrooms && 7 + nrooms < CMSG_FIELDS_MAX; k++, nrooms++) {
		const struct room *r = s->rooms[k].room;
		buf_printf(scratch, "%u%s", (unsigned)r->members[s->rooms[k].index].prefix, r->name);
		buf_putc(scratch, '\0');
	}
	size_t off = 0;
	for (size_t f = 6; f < 7 + nrooms; f++) {
		size_t len = strlen(scratch->data + off);
		m->f[f] = (struct cmsg_field){scratch->data + off, len};
		off += len + 1;
	}
	m->n = 7 + nrooms;
}

/* The mode changes of ev as fields "+N:arg", in scratch. */
static void cluster_mode_fields(const struct hub_event *ev, struct cmsg *m, struct buf *scratch)
{
	buf_clear(scratch);
	size_t n = ev->u.modes.n;
	if (n > CMSG_FIELDS_MAX - 2)
		n = CMSG_FIELDS_MAX - 2;
	for (size_t i = 0; i < n; i++) {
		const struct mode_change *mc = &ev->u.modes.v[i];
		buf_printf(scratch, "%c%d:%.*s", mc->add ? '+' : '-', (int)mc->mode,
			   (int)mc->arglen, mc->arg ? mc->arg : "");
		buf_putc(scratch, '\0');
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(scratch->data + off);
		m->f[2 + i] = (struct cmsg_field){scratch->data + off, len};
		off += len + 1;
	}
	m->n = 2 + n;
}

/* What this node does while it applies another's event: only its own books. */
static void cluster_observe_applied(struct cluster *c, const struct hub_event *ev)
{
	const struct session *s = ev->src;
	if (ev->type == HUB_EV_QUIT && s && remote_local_person(s))
		cluster_release(c, session_folded(s), NULL);
}

void cluster_observe(struct hub_observer *o, const struct hub_event *ev)
{
	struct cluster *c = o->ctx;
	if (c->shutting)
		return;
	if (c->h->elsewhere) {
		cluster_observe_applied(c, ev);
		return;
	}
	const struct session *s = ev->src;
	if (s && s->remote && ev->type == HUB_EV_QUIT && !c->closing && c->up) {
		/* Someone of another node closed here by this node (an operator's kill, a ban):
		 * its node is told to disconnect it, and the others to let it go. */
		struct cmsg k = {.type = CMSG_KILL, .n = 3, .id = ev->id, .time_ms = ev->time_ms};
		k.f[0] = cl_str("");
		k.f[1] = cl_str(ev->from);
		k.f[2] = (struct cmsg_field){ev->text ? ev->text : "", ev->len};
		cluster_send(c, CL_CTL, &k);
		return;
	}
	if (!s || s->remote)
		return;
	if (s->bot && !(ev->type == HUB_EV_MESSAGE && ev->room))
		return; /* bots are every node's own: only what they say in rooms crosses */
	if (!c->up && ev->type != HUB_EV_JOIN) {
		c->st.unsent++;
		return;
	}
	struct cmsg m = {.id = ev->id, .time_ms = ev->time_ms};
	struct buf scratch = BUF_INIT;
	char digit[4];
	const struct room *r = ev->room ? room_find(c->h, ev->room, strlen(ev->room)) : NULL;
	switch (ev->type) {
	case HUB_EV_MESSAGE: {
		snprintf(digit, sizeof(digit), "%u", (unsigned)ev->kind);
		m.type = CMSG_MSG;
		m.n = 6;
		m.f[0] = cl_str(ev->from);
		m.f[1] = cl_str(ev->room);
		m.f[2] = cl_str(ev->room ? NULL : ev->to);
		m.f[3] = cl_str(digit);
		m.f[4] = (struct cmsg_field){ev->text ? ev->text : "", ev->len};
		m.f[5] = (struct cmsg_field){ev->tags ? ev->tags : "", ev->tags ? ev->tags_len : 0};
		if (ev->room) {
			if (r)
				cluster_send(c, cluster_room_channel(c, room_folded(r)), &m);
			break;
		}
		struct session *t = ev->to ? session_find(c->h, ev->to, strlen(ev->to)) : NULL;
		if (t && t->remote)
			cluster_send(c, cluster_node_channel(c, cluster_ghost_of(t)->node->name), &m);
		break;
	}
	case HUB_EV_JOIN:
		if (r) {
			const char *ch = cluster_room_channel(c, room_folded(r));
			clink_subscribe(&c->link, ch, strlen(ch));
		}
		if (!c->up || !r)
			break;
		snprintf(digit, sizeof(digit), "%d", room_prefix(r, s) < 0 ? 0 : room_prefix(r, s));
		m.type = CMSG_JOIN;
		m.n = 3;
		m.f[0] = cl_str(ev->from);
		m.f[1] = cl_str(ev->room);
		m.f[2] = cl_str(digit);
		cluster_send(c, CL_CTL, &m);
		break;
	case HUB_EV_PART:
	case HUB_EV_TOPIC:
		m.type = ev->type == HUB_EV_PART ? CMSG_PART : CMSG_TOPIC;
		m.n = 3;
		m.f[0] = cl_str(ev->from);
		m.f[1] = cl_str(ev->room);
		m.f[2] = (struct cmsg_field){ev->text ? ev->text : "", ev->len};
		cluster_send(c, CL_CTL, &m);
		break;
	case HUB_EV_KICK:
		m.type = CMSG_KICK;
		m.n = 4;
		m.f[0] = cl_str(ev->from);
		m.f[1] = cl_str(ev->room);
		m.f[2] = cl_str(ev->to);
		m.f[3] = (struct cmsg_field){ev->text ? ev->text : "", ev->len};
		cluster_send(c, CL_CTL, &m);
		break;
	case HUB_EV_MODE:
		m.type = CMSG_MODE;
		m.f[0] = cl_str(ev->from);
		m.f[1] = cl_str(ev->room);
		cluster_mode_fields(ev, &m, &scratch);
		cluster_send(c, CL_CTL, &m);
		break;
	case HUB_EV_INVITE: {
		struct session *t = ev->to ? session_find(c->h, ev->to, strlen(ev->to)) : NULL;
		if (!t || !t->remote || (ev->flags & HUB_EVF_SELF))
			break;
		m.type = CMSG_INVITE;
		m.n = 3;
		m.f[0] = cl_str(ev->from);
		m.f[1] = cl_str(ev->room);
		m.f[2] = cl_str(ev->to);
		cluster_send(c, cluster_node_channel(c, cluster_ghost_of(t)->node->name), &m);
		break;
	}
	case HUB_EV_QUIT:
		m.type = CMSG_QUIT;
		m.n = 2;
		m.f[0] = cl_str(ev->from);
		m.f[1] = (struct cmsg_field){ev->text ? ev->text : "", ev->len};
		cluster_release(c, session_folded(s), &m);
		break;
	case HUB_EV_NICK: {
		m.type = CMSG_NICK;
		m.n = 2;
		m.f[0] = cl_str(ev->from);
		m.f[1] = cl_str(s->name);
		const char *old_folded = ev->from + strlen(ev->from) + 1;
		cluster_claim(c, session_folded(s), old_folded, &m);
		break;
	}
	case HUB_EV_ARRIVE:
		if (!s->ops->face)
			break;
		cluster_user_msg(c, s, false, &m, &scratch);
		m.id = ev->id;
		cluster_claim(c, session_folded(s), NULL, &m);
		break;
	case HUB_EV_AWAY:
	case HUB_EV_SETNAME:
	case HUB_EV_ACCOUNT:
		if (ev->flags & HUB_EVF_SELF)
			break;
		m.type = ev->type == HUB_EV_AWAY ? CMSG_AWAY
			 : ev->type == HUB_EV_SETNAME ? CMSG_SETNAME : CMSG_ACCOUNT;
		m.n = 2;
		m.f[0] = cl_str(ev->from);
		m.f[1] = (struct cmsg_field){ev->text ? ev->text : "", ev->len};
		cluster_send(c, CL_CTL, &m);
		break;
	default:
		break;
	}
	buf_free(&scratch);
}
