#include "bridge/cluster/cluster_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "base/log.h"
#include "base/xalloc.h"

/* Renews this node's lease if it is ours: 1; takes it if free: 2 (the others may have let this
 * node go: it announces itself again); else 0 (another process holds it). */
static const char LUA_LEASE[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v and v ~= ARGV[1] then return 0 end "
	"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
	"if v then return 1 end return 2";
/* Frees this node's lease (KEYS[1]), and the names it holds (its set KEYS[3]) if they are still its
 * own in the hash KEYS[2]. */
static const char LUA_BYE[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end "
	"for _, n in ipairs(redis.call('SMEMBERS', KEYS[3])) do "
	"if redis.call('HGET', KEYS[2], n) == ARGV[2] then redis.call('HDEL', KEYS[2], n) end "
	"end redis.call('DEL', KEYS[3]) return 1";

uint64_t cluster_now(const struct cluster *c)
{
	return uv_now(c->loop);
}

const char *cluster_room_channel(struct cluster *c, const char *folded)
{
	buf_clear(&c->chan);
	buf_printf(&c->chan, "%s%s", CL_ROOM, folded);
	return c->chan.data;
}

const char *cluster_node_channel(struct cluster *c, const char *node)
{
	buf_clear(&c->chan);
	buf_printf(&c->chan, "%s%s", CL_NODE, node);
	return c->chan.data;
}

void cluster_split_reason(const struct cluster *c, const char *there, struct buf *out)
{
	buf_clear(out);
	buf_printf(out, "%s %s", c->node, there);
}

struct cnode *cluster_cnode(struct cluster *c, const char *name, size_t len, bool create)
{
	char key[CMSG_NODE_MAX + 1];
	if (len > CMSG_NODE_MAX)
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	struct cnode *n = map_get(&c->nodes, key);
	if (n || !create)
		return n;
	n = xcalloc(1, sizeof(*n));
	n->name = xstrdup(key);
	map_init(&n->users, (uint64_t)(uintptr_t)n);
	n->seen_ms = cluster_now(c);
	map_put(&c->nodes, n->name, n);
	c->st.nodes = c->nodes.count;
	log_info(c->log, "cluster: node %s joined", n->name);
	return n;
}

void cluster_node_gone(struct cluster *c, struct cnode *n, const char *reason)
{
	size_t it = 0;
	void *v;
	/* Closing a ghost takes it out of the map: restart the walk each time. The quits are this
	 * node's news (its clock, its ids): nobody else says them. */
	while ((it = 0, map_next(&n->users, &it, NULL, &v)))
		cluster_ghost_close(c, v, NULL, reason);
	map_del(&c->nodes, n->name);
	c->st.nodes = c->nodes.count;
	log_info(c->log, "cluster: node %s is gone (%s)", n->name, reason);
	map_free(&n->users);
	free(n->name);
	free(n);
}

/* ---- the lease and the heartbeat ---- */

static void cluster_lease_cmd(struct cluster *c, rlink_cb *cb)
{
	char key[RLINK_CHANNEL_MAX], px[24];
	snprintf(key, sizeof(key), "%s%s", CL_LEASE, c->node);
	snprintf(px, sizeof(px), "%u", c->cfg.lease_ms);
	const char *argv[] = {"EVAL", LUA_LEASE, "1", key, c->instance, px};
	size_t lens[6];
	for (int i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	clink_command(&c->link, cb, c, 6, argv, lens);
}

static void cluster_renewed(void *privdata, const struct redisReply *r)
{
	struct cluster *c = privdata;
	if (!r || c->shutting)
		return;
	if (r->type == REDIS_REPLY_INTEGER && r->integer == 0) {
		log_error(c->log, "cluster: another process holds node name %s", c->node);
		return;
	}
	if (r->type == REDIS_REPLY_INTEGER && r->integer == 2 && c->up) {
		/* Our lease had run out (this node was too slow to renew it): the others have let
		 * our people go and our names are free to take. Here we are again. */
		log_warn(c->log, "cluster: node %s's lease had run out: announcing it again", c->node);
		cluster_reclaim(c);
		cluster_dump(c, CL_CTL);
	}
}

static void cluster_number(struct cluster *c);

static void cluster_beat(uv_timer_t *t)
{
	struct cluster *c = t->data;
	uint64_t now = cluster_now(c);
	if (c->unnumbered && !c->up && clink_up(&c->link))
		cluster_number(c);
	if (c->up) {
		cluster_lease_cmd(c, cluster_renewed);
		char online[24];
		snprintf(online, sizeof(online), "%zu", c->h->online);
		struct cmsg m = {.type = CMSG_BEAT, .n = 1};
		m.f[0] = (struct cmsg_field){online, strlen(online)};
		cluster_send(c, CL_CTL, &m);
	}
	/* Nodes silent for a whole lease are gone (when we are linked: otherwise we cannot tell,
	 * and the split timer decides). */
	for (bool again = true; again && c->up;) {
		again = false;
		size_t it = 0;
		void *v;
		while (map_next(&c->nodes, &it, NULL, &v)) {
			struct cnode *n = v;
			if (now - n->seen_ms > c->cfg.lease_ms) {
				struct buf why = BUF_INIT;
				cluster_split_reason(c, n->name, &why);
				cluster_node_gone(c, n, why.data);
				buf_free(&why);
				again = true;
				break;
			}
		}
	}
	/* Rooms with nobody of this node in them any more: stop listening to them. */
	size_t it = 0;
	const char *ch;
	struct buf gone = BUF_INIT;
	while (map_next(clink_subs(&c->link), &it, &ch, NULL)) {
		if (strncmp(ch, CL_ROOM, sizeof(CL_ROOM) - 1) != 0)
			continue;
		const char *folded = ch + sizeof(CL_ROOM) - 1;
		struct room *r = map_get(&c->h->rooms, folded);
		if (!r || r->local == 0)
			buf_append(&gone, ch, strlen(ch) + 1);
	}
	for (size_t off = 0; off < gone.len; off += strlen(gone.data + off) + 1)
		clink_unsubscribe(&c->link, gone.data + off, strlen(gone.data + off));
	buf_free(&gone);
}

/* ---- the link ---- */

/* The link may drop inside a publish, inside an observer, inside a fan-out: people are told on
 * the next turn of the loop, never from there. */
static void cluster_news_due(uv_timer_t *t)
{
	struct cluster *c = t->data;
	int what = c->news_what;
	c->news_what = -1;
	if (what >= 0 && !c->shutting)
		remote_tell_all(c->h, (enum hub_cluster_news)what);
}

static void cluster_news(struct cluster *c, enum hub_cluster_news what)
{
	c->news_what = (int)what;
	uv_timer_start(&c->news, cluster_news_due, 0, 0);
}

static void cluster_whole(struct cluster *c)
{
	bool was_split = c->ever_up;
	c->up = true;
	c->ever_up = true;
	c->st.whole = true;
	uv_timer_stop(&c->split);
	/* Ask the others for their state, then tell them ours; names claimed again. */
	struct cmsg hello = {.type = CMSG_HELLO};
	cluster_send(c, CL_CTL, &hello);
	cluster_reclaim(c);
	cluster_dump(c, CL_CTL);
	log_info(c->log, "cluster: node %s linked to the others", c->node);
	if (was_split)
		cluster_news(c, HUB_CLUSTER_WHOLE);
}

/* The node's number (the low bits of its event ids), before anything is stamped in the cluster:
 * then this node is linked. */
static void cluster_seq(void *privdata, const struct redisReply *r)
{
	struct cluster *c = privdata;
	if (!r || c->shutting || !clink_up(&c->link))
		return; /* the next contact asks again */
	if (r->type != REDIS_REPLY_INTEGER) {
		/* Without its number, its ids could be another node's: not linked yet. */
		log_error(c->log, "cluster: numbering node %s: %s", c->node,
			  r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		c->unnumbered = true; /* the heartbeat asks again */
		return;
	}
	c->h->cfg.node = (uint16_t)((uint64_t)r->integer & ((1u << HUB_ID_NODE_BITS) - 1));
	cluster_whole(c);
}

static void cluster_leased(void *privdata, const struct redisReply *r)
{
	struct cluster *c = privdata;
	if (!r || c->shutting || !clink_up(&c->link))
		return;
	if (r->type != REDIS_REPLY_INTEGER) {
		log_error(c->log, "cluster: the lease of %s: %s", c->node,
			  r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		return;
	}
	if (r->integer == 0) {
		char why[256];
		snprintf(why, sizeof(why),
			 "node name %s is in use by a running node (choose another with --node-name)",
			 c->node);
		log_error(c->log, "cluster: %s", why);
		if (!c->ever_up && c->cfg.refused)
			c->cfg.refused(c->cfg.ctx, why);
		return;
	}
	if (!c->ever_up) {
		cluster_number(c);
		return;
	}
	cluster_whole(c);
}

/* Asks Redis for this node's number (cluster_seq goes on from the answer). */
static void cluster_number(struct cluster *c)
{
	c->unnumbered = false;
	const char *argv[] = {"INCR", CL_SEQ};
	size_t lens[] = {4, strlen(CL_SEQ)};
	clink_command(&c->link, cluster_seq, c, 2, argv, lens);
}

static void cluster_link_up(void *ctx)
{
	struct cluster *c = ctx;
	cluster_lua_forget(c);
	cluster_lease_cmd(c, cluster_leased);
}

/* The split lasted a lease: the people of other nodes cannot be vouched for. */
static void cluster_split_timeout(uv_timer_t *t)
{
	struct cluster *c = t->data;
	size_t it = 0;
	void *v;
	while ((it = 0, map_next(&c->nodes, &it, NULL, &v))) {
		struct cnode *n = v;
		struct buf why = BUF_INIT;
		cluster_split_reason(c, n->name, &why);
		cluster_node_gone(c, n, why.data);
		buf_free(&why);
	}
}

static void cluster_link_down(void *ctx, const char *why)
{
	struct cluster *c = ctx;
	log_warn(c->log, "cluster: lost Redis (%s): the chat is split", why);
	if (!c->up)
		return;
	c->up = false;
	c->st.whole = false;
	c->st.splits++;
	cluster_dump_cancel(c);
	cluster_news(c, HUB_CLUSTER_SPLIT);
	uv_timer_start(&c->split, cluster_split_timeout, c->cfg.lease_ms, 0);
}

/* ---- what the hub asks ---- */

static size_t cluster_view_nodes(void *ctx, struct hub_node_view *v, size_t cap)
{
	struct cluster *c = ctx;
	size_t n = 0;
	if (cap)
		v[n++] = (struct hub_node_view){.name = c->node, .online = c->h->online, .here = true};
	size_t it = 0;
	void *p;
	while (n < cap && map_next(&c->nodes, &it, NULL, &p)) {
		struct cnode *o = p;
		v[n++] = (struct hub_node_view){.name = o->name, .online = o->users.count};
	}
	return n;
}

static const char *cluster_view_node_of(void *ctx, const struct session *s)
{
	(void)ctx;
	const struct ghost *g = cluster_ghost_of(s);
	return g->node->name;
}

static bool cluster_view_whole(void *ctx)
{
	const struct cluster *c = ctx;
	return c->up;
}

/* ---- life ---- */

struct cluster *cluster_new(uv_loop_t *loop, struct hub *h, const struct cluster_config *cfg,
			    const struct logger *log, char *err, size_t errlen)
{
	struct rlink_url url;
	const char *why = NULL;
	if (!rlink_url_parse(cfg->url, &url, &why)) {
		snprintf(err, errlen, "--cluster %s: %s", cfg->url, why);
		return NULL;
	}
	if (!cmsg_node_valid(cfg->node, strlen(cfg->node))) {
		snprintf(err, errlen,
			 "--node-name %s: 1 to %d letters, digits and . _ : - (no spaces)",
			 cfg->node, CMSG_NODE_MAX);
		return NULL;
	}
	if (cfg->password) {
		if (strlen(cfg->password) > RLINK_PASSWORD_MAX) {
			snprintf(err, errlen, "--cluster-password: too long");
			return NULL;
		}
		snprintf(url.password, sizeof(url.password), "%s", cfg->password);
	}
	struct cluster *c = xcalloc(1, sizeof(*c));
	c->loop = loop;
	c->h = h;
	c->log = log;
	c->cfg = *cfg;
	c->node = xstrdup(cfg->node);
	c->cfg.node = c->node;
	c->cfg.url = c->cfg.password = NULL;
	uint64_t seed = uv_hrtime() ^ (uint64_t)(uintptr_t)c;
	for (int i = 0; i < CL_INSTANCE_LEN; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		c->instance[i] = "0123456789abcdef"[seed & 15];
	}
	map_init(&c->nodes, seed);
	unsigned timeout = cfg->lease_ms / 3;
	struct rlink_config rc = {
		.url = url,
		.max_pending = cfg->buffer,
		.timeout_ms = timeout < CL_TIMEOUT_MIN_MS ? CL_TIMEOUT_MIN_MS : timeout,
		.retry_min_ms = CL_RETRY_MIN_MS,
		.retry_max_ms = CL_RETRY_MAX_MS,
		.up = cluster_link_up,
		.down = cluster_link_down,
		.message = cluster_on_message,
		.ctx = c,
	};
	clink_init(&c->link, loop, &rc, log);
	explicit_bzero(&url, sizeof(url));
	explicit_bzero(&rc.url, sizeof(rc.url));
	uv_timer_init(loop, &c->beat);
	uv_timer_init(loop, &c->split);
	uv_timer_init(loop, &c->news);
	uv_timer_init(loop, &c->pace);
	uv_timer_init(loop, &c->answers);
	c->beat.data = c->split.data = c->news.data = c->pace.data = c->answers.data = c;
	c->news_what = -1;
	c->handles = 5;
	c->obs = (struct hub_observer){
		.mask = HUB_MASK(HUB_EV_MESSAGE) | HUB_MASK(HUB_EV_JOIN) | HUB_MASK(HUB_EV_PART) |
			HUB_MASK(HUB_EV_QUIT) | HUB_MASK(HUB_EV_NICK) | HUB_MASK(HUB_EV_TOPIC) |
			HUB_MASK(HUB_EV_MODE) | HUB_MASK(HUB_EV_KICK) | HUB_MASK(HUB_EV_INVITE) |
			HUB_MASK(HUB_EV_ARRIVE) | HUB_MASK(HUB_EV_AWAY) | HUB_MASK(HUB_EV_SETNAME) |
			HUB_MASK(HUB_EV_ACCOUNT),
		.event = cluster_observe,
		.ctx = c,
	};
	hub_observe(h, &c->obs);
	c->view = (struct hub_cluster){.nodes = cluster_view_nodes, .whole = cluster_view_whole,
				       .node_of = cluster_view_node_of, .ctx = c};
	hub_set_cluster(h, &c->view);
	return c;
}

void cluster_start(struct cluster *c)
{
	char ctl[] = CL_CTL;
	clink_subscribe(&c->link, ctl, strlen(ctl));
	const char *mine = cluster_node_channel(c, c->node);
	clink_subscribe(&c->link, mine, strlen(mine));
	clink_start(&c->link);
	unsigned every = c->cfg.lease_ms / 3;
	uv_timer_start(&c->beat, cluster_beat, every, every);
}

static void cluster_handle_closed(uv_handle_t *hd)
{
	struct cluster *c = hd->data;
	c->handles--;
}

static void cluster_link_closed(void *ctx)
{
	(void)ctx;
}

void cluster_shutdown(struct cluster *c, const char *reason)
{
	if (c->shutting)
		return;
	if (c->up) {
		struct cmsg bye = {.type = CMSG_BYE, .n = 1};
		bye.f[0] = (struct cmsg_field){reason, strlen(reason)};
		cluster_send(c, CL_CTL, &bye);
		/* The lease and our names, freed at once so that a restart may use them. */
		char lease[RLINK_CHANNEL_MAX], owned[RLINK_CHANNEL_MAX];
		snprintf(lease, sizeof(lease), "%s%s", CL_LEASE, c->node);
		snprintf(owned, sizeof(owned), "%s%s", CL_OWNED, c->node);
		const char *argv[] = {"EVAL", LUA_BYE, "3", lease, CL_NAMES, owned, c->instance,
				      c->node};
		size_t lens[8];
		for (int i = 0; i < 8; i++)
			lens[i] = strlen(argv[i]);
		clink_command(&c->link, NULL, NULL, 8, argv, lens);
	}
	c->shutting = true;
	c->up = false;
	uv_timer_stop(&c->beat);
	uv_timer_stop(&c->split);
	uv_close((uv_handle_t *)&c->beat, cluster_handle_closed);
	uv_close((uv_handle_t *)&c->split, cluster_handle_closed);
	uv_close((uv_handle_t *)&c->news, cluster_handle_closed);
	cluster_dump_cancel(c);
	uv_close((uv_handle_t *)&c->pace, cluster_handle_closed);
	uv_close((uv_handle_t *)&c->answers, cluster_handle_closed);
	clink_close(&c->link, cluster_link_closed, c);
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	hub_unobserve(c->h, &c->obs);
	hub_set_cluster(c->h, NULL);
	size_t it = 0;
	void *v;
	while ((it = 0, map_next(&c->nodes, &it, NULL, &v)))
		cluster_node_gone(c, v, "");
	map_free(&c->nodes);
	buf_free(&c->out);
	buf_free(&c->chan);
	buf_free(&c->in);
	free(c->node);
	free(c);
}

void cluster_get_stats(const struct cluster *c, struct cluster_stats *out)
{
	*out = c->st;
	size_t remote = 0, it = 0;
	void *v;
	while (map_next(&c->nodes, &it, NULL, &v))
		remote += ((const struct cnode *)v)->users.count;
	out->remote = remote;
	out->whole = c->up;
}

const char *cluster_node(const struct cluster *c)
{
	return c->node;
}
