/* cluster_in: what other nodes did, checked like client input and applied here. */
#include "bridge/cluster/cluster_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/fold.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "hub/account.h"
#include "hub/mode.h"
#include "hub/name.h"
#include "hub/room.h"

static void ghost_event(struct session *s, const struct hub_event *ev)
{
	(void)s, (void)ev; /* its own node tells it */
}

static void ghost_admitted(struct session *s)
{
	(void)s;
}

/* The hub let it go of its own accord (a kill, a ban, a flood cut does not happen to one):
 * session_close has run; forget and free it. */
static void ghost_disconnect(struct session *s)
{
	struct ghost *g = cluster_ghost_of(s);
	map_del(&g->node->users, g->key);
	free(g->key);
	free(g);
}

static const struct session_ops ghost_ops = {
	.admitted = ghost_admitted,
	.disconnect = ghost_disconnect,
	.event = ghost_event,
};

struct ghost *cluster_ghost(struct cnode *n, const char *name)
{
	char key[NAME_MAX_BYTES + 1];
	size_t len = strlen(name);
	if (len > NAME_MAX_BYTES)
		return NULL;
	fold_utf8(name, len, key, sizeof(key));
	return map_get(&n->users, key);
}

struct ghost *cluster_ghost_new(struct cluster *c, struct cnode *n, const char *name,
				const struct hub_stamp *st)
{
	struct ghost *g = xcalloc(1, sizeof(*g));
	session_init(c->h, &g->s, &ghost_ops);
	remote_begin(c->h, st);
	enum hub_result r = remote_open(c->h, &g->s, name, strlen(name));
	remote_end(c->h);
	if (r != HUB_OK) {
		log_warn(c->log, "cluster: %s of node %s: the name is someone's here", name, n->name);
		session_close(c->h, &g->s, "", 0);
		free(g);
		return NULL;
	}
	g->node = n;
	g->key = xstrdup(session_folded(&g->s));
	map_put(&n->users, g->key, g);
	return g;
}

void cluster_ghost_close(struct cluster *c, struct ghost *g, const struct hub_stamp *st,
			 const char *reason)
{
	map_del(&g->node->users, g->key);
	if (st)
		remote_begin(c->h, st);
	c->closing = true;
	session_close(c->h, &g->s, reason, strlen(reason));
	c->closing = false;
	if (st)
		remote_end(c->h);
	free(g->key);
	free(g);
}

/* ---- checks ---- */

static bool cl_user(const struct cmsg_field *f)
{
	return name_check_user(f->p, f->len) == NAME_OK;
}

static bool cl_room(const struct cmsg_field *f)
{
	return name_check_room(f->p, f->len) == NAME_OK;
}

static bool cl_digit(const struct cmsg_field *f, unsigned max, unsigned *out)
{
	if (f->len != 1 || f->p[0] < '0' || (unsigned)(f->p[0] - '0') > max)
		return false;
	*out = (unsigned)(f->p[0] - '0');
	return true;
}

/* Client-only tags as the IRC face relays them: "+key[=value]" joined by ';', a key of letters,
 * digits and '-' (after an optional vendor "host/"), a value (escaped) without space, ';', NUL, CR
 * or LF. Anything else would reach the IRC encoder as a line of its own making. */
static bool cl_tags(const struct cmsg_field *f)
{
	const char *p = f->p, *end = f->p + f->len;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *kend = eq ? eq : stop;
		if (kend - p < 2 || p[0] != '+')
			return false;
		bool vendor = false;
		for (const char *k = p + 1; k < kend; k++) {
			unsigned char ch = (unsigned char)*k;
			bool word = (unsigned)((ch | 0x20) - 'a') < 26u || (unsigned)(ch - '0') < 10u ||
				    ch == '-';
			if (ch == '/' && !vendor && k > p + 1 && k + 1 < kend)
				vendor = true;
			else if (!word && !(ch == '.' && !vendor))
				return false;
		}
		for (const char *v = eq ? eq + 1 : stop; v < stop; v++)
			if (*v == ' ')
				return false;
		p = semi ? semi + 1 : end;
	}
	return true;
}

/* The room's mode changes from fields "+N:arg"; false if one is malformed. */
static bool cl_modes(const struct cmsg *m, struct mode_change *out, size_t *n)
{
	*n = 0;
	for (size_t i = 2; i < m->n; i++) {
		const char *p = m->f[i].p;
		char *end;
		if (m->f[i].len < 3 || (p[0] != '+' && p[0] != '-'))
			return false;
		long mode = strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != ':' || mode < 0 || mode >= MODE_COUNT)
			return false;
		const char *arg = end + 1;
		size_t arglen = m->f[i].len - (size_t)(arg - p);
		out[(*n)++] = (struct mode_change){.mode = (enum room_mode)mode, .add = p[0] == '+',
						   .arg = arglen ? arg : NULL, .arglen = arglen};
	}
	return true;
}

/* ---- applying ---- */

/* The sender of an event of node n: its person here, or, for what is said in a room only, a bot
 * of this node by that name (bots are every node's own, and the assistant's answers cross as its
 * words). A bot never speaks privately from elsewhere, and nobody of another node reaches this
 * node's bots privately: NickServ takes passwords, and what its jobs hold must be this node's. */
static struct session *cl_sender(struct cluster *c, struct cnode *n, const struct cmsg_field *f,
				 bool bots)
{
	struct ghost *g = cluster_ghost(n, f->p);
	if (g)
		return &g->s;
	struct session *s = bots ? session_find(c->h, f->p, f->len) : NULL;
	return s && s->bot ? s : NULL;
}

/* Asks n for its whole state (it answers on our channel), once until it answers. */
static void cluster_ask(struct cluster *c, struct cnode *n)
{
	uint64_t now = cluster_now(c);
	if (!c->up || (n->asked && now - n->asked_ms < c->cfg.lease_ms))
		return;
	n->asked = true;
	n->asked_ms = now;
	struct cmsg hello = {.type = CMSG_HELLO};
	cluster_send(c, cluster_node_channel(c, n->name), &hello);
}

/* What answers a HELLO: n's lease, looked up; its name (copied), to find it again. */
struct cl_hello {
	struct cluster *c;
	char node[CMSG_NODE_MAX + 1];
};

static void cluster_leased_asker(void *privdata, const struct redisReply *r)
{
	struct cl_hello *q = privdata;
	struct cluster *c = q->c;
	struct cnode *n = cluster_cnode(c, q->node, strlen(q->node), false);
	if (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1 && n && c->up && !c->shutting) {
		n->dumped_ms = cluster_now(c);
		cluster_dump(c, cluster_node_channel(c, n->name));
	}
	free(q);
}

/* The HELLOs that came within a second of the last answer to their node, answered now. */
static void cluster_answers_due(uv_timer_t *t)
{
	struct cluster *c = t->data;
	size_t it = 0;
	void *v;
	while (map_next(&c->nodes, &it, NULL, &v))
		if (((struct cnode *)v)->answer_due)
			cluster_answer(c, v);
}

/* A HELLO from n: our state on its channel, if n is a node (we hear its heartbeat, or it holds a
 * lease: a name a forger made up gets nothing), at most once a second: a HELLO within the second
 * is answered when it ends (a timer sees to it), so a storm of HELLOs costs one dump a second
 * and none is forgotten. */
void cluster_answer(struct cluster *c, struct cnode *n)
{
	if (!c->up)
		return;
	if (n->dumped_ms && cluster_now(c) - n->dumped_ms < CL_ANSWER_MS) {
		n->answer_due = true;
		if (!uv_is_active((uv_handle_t *)&c->answers))
			uv_timer_start(&c->answers, cluster_answers_due, CL_ANSWER_MS, 0);
		return;
	}
	n->answer_due = false;
	if (n->beating) {
		/* A node we hear (its lease may be out while Redis refuses writes: it is full). */
		n->dumped_ms = cluster_now(c);
		cluster_dump(c, cluster_node_channel(c, n->name));
		return;
	}
	n->dumped_ms = cluster_now(c); /* asking counts: HELLOs meanwhile wait their second */
	struct cl_hello *q = xcalloc(1, sizeof(*q));
	q->c = c;
	snprintf(q->node, sizeof(q->node), "%s", n->name);
	char key[RLINK_CHANNEL_MAX];
	snprintf(key, sizeof(key), "%s%s", CL_LEASE, n->name);
	const char *argv[] = {"EXISTS", key};
	size_t lens[] = {6, strlen(key)};
	if (!clink_command(&c->link, cluster_leased_asker, q, 2, argv, lens))
		free(q);
}

static bool cluster_apply_kill(struct cluster *c, const struct cmsg *m, const struct hub_stamp *st)
{
	if (!cl_user(&m->f[1]))
		return false;
	struct session *t = session_find(c->h, m->f[1].p, m->f[1].len);
	if (!t || t->bot)
		return false;
	if (!t->remote) {
		remote_begin(c->h, st);
		session_quit(c->h, t, m->f[2].p, m->f[2].len);
		remote_end(c->h);
		return true;
	}
	struct ghost *g = cluster_ghost_of(t);
	cluster_ghost_close(c, g, st, m->f[2].p);
	return true;
}

/* An event of a person of n. False: refused (about nobody known, or malformed). */
static bool cluster_apply_event(struct cluster *c, struct cnode *n, const struct cmsg *m,
				const struct hub_stamp *st)
{
	struct hub *h = c->h;
	if (m->type == CMSG_KILL)
		return cluster_apply_kill(c, m, st);
	struct session *s = cl_sender(c, n, &m->f[0], m->type == CMSG_MSG && m->f[1].len > 0);
	if (!s) {
		cluster_ask(c, n);
		return false;
	}
	struct ghost *g = s->remote ? cluster_ghost_of(s) : NULL;
	if (g && n->syncing)
		g->stale = false; /* news of it after its node's SYNC: it is there (a paced dump may
				   * have missed it under its former name) */
	unsigned d;
	bool ok = true;
	remote_begin(h, st);
	switch (m->type) {
	case CMSG_MSG: {
		if (!cl_digit(&m->f[3], HUB_MSG_TAGS, &d) || m->f[4].len > CL_TEXT_MAX ||
		    m->f[5].len > CL_TAGS_MAX || !cl_tags(&m->f[5])) {
			ok = false;
			break;
		}
		const char *tags = m->f[5].len ? m->f[5].p : NULL;
		if (m->f[1].len && cl_room(&m->f[1])) {
			ok = room_say_tagged(h, s, m->f[1].p, m->f[1].len, (enum hub_msg_kind)d,
					     m->f[4].p, m->f[4].len, tags, m->f[5].len) == HUB_OK;
		} else if (!m->f[1].len && cl_user(&m->f[2])) {
			struct session *t = session_find(h, m->f[2].p, m->f[2].len);
			ok = t && remote_local_person(t) &&
			     session_message_tagged(h, s, m->f[2].p, m->f[2].len, (enum hub_msg_kind)d,
						    m->f[4].p, m->f[4].len, tags,
						    m->f[5].len) == HUB_OK;
		} else {
			ok = false;
		}
		break;
	}
	case CMSG_JOIN:
		ok = g && cl_room(&m->f[1]) && cl_digit(&m->f[2], MEMBER_OP | MEMBER_VOICE, &d) &&
		     remote_join(h, s, m->f[1].p, m->f[1].len, (uint8_t)d) == HUB_OK;
		break;
	case CMSG_PART:
		ok = g && cl_room(&m->f[1]) &&
		     room_part(h, s, m->f[1].p, m->f[1].len, m->f[2].p, m->f[2].len) == HUB_OK;
		break;
	case CMSG_TOPIC:
		ok = g && cl_room(&m->f[1]) &&
		     room_topic(h, s, m->f[1].p, m->f[1].len, m->f[2].p, m->f[2].len) == HUB_OK;
		break;
	case CMSG_KICK:
		ok = g && cl_room(&m->f[1]) && cl_user(&m->f[2]) &&
		     room_kick(h, s, m->f[1].p, m->f[1].len, m->f[2].p, m->f[2].len, m->f[3].p,
			       m->f[3].len) == HUB_OK;
		break;
	case CMSG_INVITE:
		ok = g && cl_room(&m->f[1]) && cl_user(&m->f[2]) &&
		     room_invite(h, s, m->f[1].p, m->f[1].len, m->f[2].p, m->f[2].len) == HUB_OK;
		break;
	case CMSG_MODE: {
		struct mode_change mc[CMSG_FIELDS_MAX];
		size_t nmc;
		ok = g && cl_room(&m->f[1]) && cl_modes(m, mc, &nmc) &&
		     room_mode(h, s, m->f[1].p, m->f[1].len, mc, nmc) == HUB_OK;
		break;
	}
	case CMSG_AWAY:
		if (g)
			session_away(h, s, m->f[1].p, m->f[1].len);
		ok = g != NULL;
		break;
	case CMSG_SETNAME:
		if (g)
			session_setname(h, s, m->f[1].p, m->f[1].len);
		ok = g != NULL;
		break;
	case CMSG_ACCOUNT:
		if (g && (m->f[1].len == 0 || cl_user(&m->f[1])))
			hub_account_set(h, s, m->f[1].p, m->f[1].len);
		ok = g != NULL;
		break;
	case CMSG_QUIT:
		remote_end(h);
		if (!g)
			return false;
		cluster_ghost_close(c, g, st, m->f[1].p);
		return true;
	case CMSG_NICK:
		if (!g || !cl_user(&m->f[1])) {
			ok = false;
			break;
		}
		map_del(&n->users, g->key);
		ok = session_nick(h, s, m->f[1].p, m->f[1].len) == HUB_OK;
		free(g->key);
		g->key = xstrdup(session_folded(s));
		map_put(&n->users, g->key, g);
		break;
	default:
		ok = false;
		break;
	}
	remote_end(h);
	return ok;
}

void cluster_on_message(void *ctx, const char *channel, size_t clen, const char *data, size_t len)
{
	(void)channel, (void)clen;
	struct cluster *c = ctx;
	c->st.received++;
	if (c->shutting)
		return;
	if (len > CMSG_MAX) {
		c->st.dropped++; /* before any copy: a forged giant costs nothing */
		return;
	}
	buf_clear(&c->in);
	buf_append(&c->in, data, len);
	struct cmsg m;
	const char *why = cmsg_decode(c->in.data, c->in.len, &m);
	if (why) {
		c->st.dropped++;
		log_debug(c->log, "cluster: a message refused: %s", why);
		return;
	}
	if (m.node.len == strlen(c->node) && memcmp(m.node.p, c->node, m.node.len) == 0)
		return; /* our own, back from ctl */
	/* Every field ends with the '\n' that follows it in our copy: make them C strings. */
	for (size_t i = 0; i < m.n; i++)
		c->in.data[(size_t)(m.f[i].p - c->in.data) + m.f[i].len] = '\0';
	struct cnode *n = cluster_cnode(c, m.node.p, m.node.len, false);
	bool known = n != NULL;
	if (!n)
		n = cluster_cnode(c, m.node.p, m.node.len, true);
	if (!n)
		return;
	n->seen_ms = cluster_now(c);
	struct hub_stamp st = {.origin = (uint16_t)(m.id & ((1u << HUB_ID_NODE_BITS) - 1)),
			       .id = m.id, .time_ms = m.time_ms};
	bool ok = true;
	switch (m.type) {
	case CMSG_HELLO:
		cluster_answer(c, n);
		break;
	case CMSG_BEAT:
		n->beating = true;
		n->online = strtoull(m.f[0].p, NULL, 10);
		/* Its heartbeat follows its news on the same channel: here, its count of people must
		 * be ours. Not so, something was lost (a refused or dropped message): ask again. */
		if (!known || (!n->syncing && n->online != n->users.count + n->refused))
			cluster_ask(c, n);
		break;
	case CMSG_BYE:
		cluster_node_gone(c, n, m.f[0].len ? m.f[0].p : "node stopped");
		break;
	case CMSG_SYNC:
		cluster_sync_begin(c, n);
		break;
	case CMSG_SYNCED:
		cluster_sync_end(c, n, &st);
		break;
	case CMSG_USER:
		cluster_apply_user(c, n, &m, &st);
		break;
	case CMSG_ROOM:
		cluster_apply_room(c, &m);
		break;
	default:
		ok = cluster_apply_event(c, n, &m, &st);
		break;
	}
	if (ok)
		c->st.applied++;
	else
		c->st.dropped++;
}
