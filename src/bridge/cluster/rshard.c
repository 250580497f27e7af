/* rshard: charlad's link to a Redis Cluster (rshard.h): the map, the routing, the subscription set,
 * up and down. The connections themselves are rshard_conn.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "bridge/cluster/rback.h"
#include "bridge/cluster/rchan.h"
#include "bridge/cluster/rshard.h"

enum {
	RSHARD_WHY_MAX = 256,
	RSHARD_WHERE_MAX = RSLOT_HOST_MAX + 16,
	RSHARD_ARG_OVERHEAD = 16,     /* RESP bytes around an argument, at most */
	RSHARD_TICKS_PER_TIMEOUT = 4, /* liveness checks per timeout_ms */
	RSHARD_EVAL_KEY = 3,          /* EVAL script numkeys KEY...: the first key's index */
};

/* A channel of the subscription set; name is the map's key (as rlink's). */
/* A command of the owner's awaiting its reply. */
struct rshard_ucall {
	struct rshard *s;
	rlink_cb *cb;
	void *privdata;
};

static void rshard_retry_cb(uv_timer_t *t);
static void rshard_tick_cb(uv_timer_t *t);

/* ---- small helpers ---- */

static void rshard_where(const char *host, uint16_t port, char *out, size_t cap)
{
	snprintf(out, cap, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
}

static size_t rshard_pending(const struct rshard *s)
{
	size_t n = rshard_conn_pending(s->seed);
	for (size_t i = 0; i < s->map.masters; i++)
		n += rshard_conn_pending(s->cmd[i]) + rshard_conn_pending(s->sub[i]);
	return n;
}

/* An error that says the map is stale: the link is lost and the map read again. */
static bool rshard_stale(const redisReply *r)
{
	static const char *const words[] = {"MOVED ", "ASK ", "CLUSTERDOWN", "TRYAGAIN"};
	if (!r || r->type != REDIS_REPLY_ERROR)
		return false;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strncmp(r->str, words[i], strlen(words[i])) == 0)
			return true;
	return false;
}

static void rshard_timer_closed(uv_handle_t *h)
{
	struct rshard *s = h->data;
	s->open_handles--;
	if (s->state == RLINK_CLOSING && s->open_handles == 0 && s->done)
		s->done(s->done_ctx);
}

/* Drops c and forgets it. */
static void rshard_forget(struct rshard *s, struct rshard_conn *c)
{
	if (!c)
		return;
	if (s->seed == c)
		s->seed = NULL;
	if (c->master >= 0 && s->cmd[c->master] == c)
		s->cmd[c->master] = NULL;
	if (c->master >= 0 && s->sub[c->master] == c)
		s->sub[c->master] = NULL;
	rshard_conn_drop(c);
}

static void rshard_forget_all(struct rshard *s)
{
	rshard_forget(s, s->seed);
	for (size_t i = 0; i < RSLOT_MASTERS_MAX; i++) {
		rshard_forget(s, s->cmd[i]);
		rshard_forget(s, s->sub[i]);
	}
}

/* Closing: once no command connection has anything to answer, the grace is over. */
static void rshard_close_check(struct rshard *s)
{
	for (size_t i = 0; i < RSLOT_MASTERS_MAX; i++)
		if (s->cmd[i])
			return;
	if (!uv_is_closing((uv_handle_t *)&s->retry))
		uv_close((uv_handle_t *)&s->retry, rshard_timer_closed);
}

/* ---- lost, up ---- */

/* The link is lost or an attempt failed: every connection let go, a retry scheduled, down told
 * if it was up. Nothing when not connecting or up. */
static void rshard_lose(struct rshard *s, const char *why)
{
	if (s->state != RLINK_CONNECTING && s->state != RLINK_UP)
		return;
	bool was_up = s->state == RLINK_UP;
	s->state = RLINK_WAITING;
	uv_timer_stop(&s->tick);
	s->pings_out = 0;
	s->waiting = 0;
	char copy[RSHARD_WHY_MAX]; /* why may be a context's error text */
	snprintf(copy, sizeof(copy), "%s", why);
	if (was_up)
		log_warn(s->log, "redis cluster: lost the link: %s; reconnecting", copy);
	else
		log_msg(s->log, s->failed ? LOG_DEBUG : LOG_WARN,
			"redis cluster: cannot link: %s; retrying", copy);
	if (!was_up) /* the next attempt asks another node: the seed may be the one that died */
		s->next_seed = (s->next_seed + 1) % (s->map.masters + 1);
	s->failed = true;
	uint64_t delay = rback_next(&s->back, s->cfg.retry_max_ms);
	uv_timer_start(&s->retry, rshard_retry_cb, delay, 0);
	rshard_forget_all(s);
	if (was_up && s->cfg.down)
		s->cfg.down(s->cfg.ctx, copy);
}

void rshard_conn_failed(struct rshard_conn *c, const char *why)
{
	struct rshard *s = c->sh;
	if (s->state == RLINK_CLOSING) {
		rshard_forget(s, c);
		rshard_close_check(s);
		return;
	}
	char msg[RSHARD_WHY_MAX], where[RSHARD_WHERE_MAX];
	const char *host = c->rc->tcp.host ? c->rc->tcp.host : "?";
	rshard_where(host, (uint16_t)c->rc->tcp.port, where, sizeof(where));
	snprintf(msg, sizeof(msg), "%s: %s", where, why);
	rshard_lose(s, msg);
}

static void rshard_check_up(struct rshard *s)
{
	if (s->state != RLINK_CONNECTING || s->waiting)
		return;
	s->state = RLINK_UP;
	uv_timer_stop(&s->retry);
	if (s->ever_up)
		s->stats.reconnects++;
	log_info(s->log, "redis cluster: linked to %zu masters (%zu channels)", s->map.masters,
		 (size_t)s->subs.count);
	s->ever_up = true;
	s->failed = false;
	rback_init(&s->back, s->cfg.retry_min_ms, s->back.rand);
	s->pings_out = 0;
	s->ping_last = uv_now(s->loop);
	unsigned every = s->cfg.timeout_ms / RSHARD_TICKS_PER_TIMEOUT;
	every = every ? every : 1;
	uv_timer_start(&s->tick, rshard_tick_cb, every, every);
	if (s->cfg.up)
		s->cfg.up(s->cfg.ctx);
}

/* ---- subscriptions ---- */

static struct rshard_conn *rshard_sub_of(const struct rshard *s, const char *ch, size_t len)
{
	uint8_t k = s->map.owner[rslot_of(ch, len)];
	return k == RSLOT_NONE ? NULL : s->sub[k];
}

static void rshard_send_sub(struct rshard *s, struct rshard_conn *c, const char *verb,
			    const struct rchan *ch)
{
	const char *argv[] = {verb, ch->name};
	size_t lens[] = {strlen(verb), ch->len};
	if (!rshard_conn_send(c, NULL, NULL, 2, argv, lens))
		return;
	if (verb[1] == 'U') /* SUNSUBSCRIBE */
		c->unsub_out++;
	else if (s->state == RLINK_CONNECTING)
		s->waiting++;
}

void rshard_pushed(struct rshard_conn *c, const struct redisReply *r)
{
	struct rshard *s = c->sh;
	if (r->type == REDIS_REPLY_ERROR) {
		char why[RSHARD_WHY_MAX];
		snprintf(why, sizeof(why), "Redis answered a subscription with: %s", r->str);
		rshard_conn_failed(c, why);
		return;
	}
	if (!c->sub || r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
		return;
	const char *kind = r->element[0]->str;
	const redisReply *chan = r->element[1], *data = r->element[2];
	if (strcmp(kind, "smessage") == 0) {
		if (s->state != RLINK_UP || data->type != REDIS_REPLY_STRING ||
		    !rshard_subscribed(s, chan->str, chan->len))
			return;
		s->stats.received++;
		if (s->cfg.message)
			s->cfg.message(s->cfg.ctx, chan->str, chan->len, data->str, data->len);
	} else if (strcmp(kind, "ssubscribe") == 0) {
		if (s->state == RLINK_CONNECTING && s->waiting > 0 && --s->waiting == 0)
			rshard_check_up(s);
	} else if (strcmp(kind, "sunsubscribe") == 0) {
		if (c->unsub_out > 0)
			c->unsub_out--;
		else if (rshard_subscribed(s, chan->str, chan->len))
			rshard_conn_failed(c, "Redis unsubscribed a channel (its slot moved)");
	}
}

/* ---- the attempt ---- */

/* A handshake's PING answered: the connection is ready; a subscriber subscribes its channels. */
static void rshard_ready(struct rshard_conn *c, void *privdata, const redisReply *r)
{
	(void)privdata;
	struct rshard *s = c->sh;
	if (!r || s->state != RLINK_CONNECTING)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		rshard_conn_failed(c, r->str);
		return;
	}
	c->ready = true;
	s->waiting--;
	if (c->sub) {
		const char *key;
		void *value;
		for (size_t i = 0; map_next(&s->subs, &i, &key, &value);) {
			const struct rchan *ch = value;
			if (s->map.owner[rslot_of(ch->name, ch->len)] == c->master)
				rshard_send_sub(s, c, "SSUBSCRIBE", ch);
		}
	}
	rshard_check_up(s);
}

/* Opens a master's connection and queues its PING; false (the attempt lost) on failure. */
static bool rshard_open_master(struct rshard *s, size_t k, bool sub)
{
	char why[RSHARD_WHY_MAX], msg[2 * RSHARD_WHY_MAX], where[RSHARD_WHERE_MAX];
	const struct rslot_master *m = &s->map.master[k];
	struct rshard_conn *c = rshard_conn_open(s, m->host, m->port, (int)k, sub, why, sizeof(why));
	if (!c) {
		rshard_where(m->host, m->port, where, sizeof(where));
		snprintf(msg, sizeof(msg), "%s: %s", where, why);
		rshard_lose(s, msg);
		return false;
	}
	(sub ? s->sub : s->cmd)[k] = c;
	const char *argv[] = {"PING"};
	size_t lens[] = {4};
	rshard_conn_send(c, rshard_ready, NULL, 1, argv, lens);
	return true;
}

/* CLUSTER NODES answered: the map, then two connections per master. */
static void rshard_mapped(struct rshard_conn *c, void *privdata, const redisReply *r)
{
	(void)privdata;
	struct rshard *s = c->sh;
	if (!r || s->state != RLINK_CONNECTING)
		return;
	char why[RSHARD_WHY_MAX];
	const char *err = NULL;
	if (r->type != REDIS_REPLY_STRING) {
		snprintf(why, sizeof(why), "CLUSTER NODES: %s",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		rshard_conn_failed(c, why);
		return;
	}
	const char *seed_host = c->rc->tcp.host ? c->rc->tcp.host : s->cfg.url.host;
	if (!rslot_parse_nodes(r->str, r->len, seed_host, &s->map, &err)) {
		s->map.masters = 0;
		snprintf(why, sizeof(why), "CLUSTER NODES: %s", err);
		rshard_conn_failed(c, why);
		return;
	}
	if (s->map.covered < RSLOT_SLOTS) {
		snprintf(why, sizeof(why), "the cluster serves %zu slots of %d", s->map.covered,
			 RSLOT_SLOTS);
		rshard_conn_failed(c, why);
		return;
	}
	rshard_forget(s, c);
	s->waiting = 2 * s->map.masters;
	for (size_t k = 0; k < s->map.masters; k++)
		if (!rshard_open_master(s, k, false) || !rshard_open_master(s, k, true))
			return;
}

static void rshard_attempt(struct rshard *s)
{
	s->state = RLINK_CONNECTING;
	s->waiting = 0;
	const char *host = s->cfg.url.host;
	uint16_t port = s->cfg.url.port;
	if (s->next_seed > 0 && s->next_seed <= s->map.masters) {
		host = s->map.master[s->next_seed - 1].host;
		port = s->map.master[s->next_seed - 1].port;
	}
	char why[RSHARD_WHY_MAX];
	s->seed = rshard_conn_open(s, host, port, -1, false, why, sizeof(why));
	if (!s->seed) {
		rshard_lose(s, why);
		return;
	}
	const char *argv[] = {"CLUSTER", "NODES"};
	size_t lens[] = {7, 5};
	rshard_conn_send(s->seed, rshard_mapped, NULL, 2, argv, lens);
	uv_timer_start(&s->retry, rshard_retry_cb, s->cfg.timeout_ms, 0);
}

/* ---- timers ---- */

static void rshard_retry_cb(uv_timer_t *t)
{
	struct rshard *s = t->data;
	if (s->state == RLINK_WAITING) {
		rshard_attempt(s);
	} else if (s->state == RLINK_CONNECTING) {
		char why[RSHARD_WHY_MAX];
		snprintf(why, sizeof(why), "not ready within %u ms", s->cfg.timeout_ms);
		rshard_lose(s, why);
	} else if (s->state == RLINK_CLOSING) {
		/* The grace is over: what is still queued is let go. */
		for (size_t i = 0; i < RSLOT_MASTERS_MAX; i++)
			rshard_forget(s, s->cmd[i]);
		rshard_close_check(s);
	}
}

static void rshard_pong(struct rshard_conn *c, void *privdata, const redisReply *r)
{
	(void)privdata;
	struct rshard *s = c->sh;
	if (!r || s->state != RLINK_UP)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		rshard_conn_failed(c, r->str);
		return;
	}
	if (s->pings_out)
		s->pings_out--;
}

static void rshard_tick_cb(uv_timer_t *t)
{
	struct rshard *s = t->data;
	if (s->state != RLINK_UP)
		return;
	uint64_t now = uv_now(s->loop);
	if (s->pings_out) {
		if (now - s->ping_last >= s->cfg.timeout_ms) {
			char why[RSHARD_WHY_MAX];
			snprintf(why, sizeof(why), "a master did not answer a PING within %u ms",
				 s->cfg.timeout_ms);
			rshard_lose(s, why);
		}
		return;
	}
	if (now - s->ping_last < s->cfg.timeout_ms / 2)
		return;
	const char *argv[] = {"PING"};
	size_t lens[] = {4};
	s->ping_last = now;
	for (size_t k = 0; k < s->map.masters; k++)
		if (s->cmd[k] && rshard_conn_send(s->cmd[k], rshard_pong, NULL, 1, argv, lens))
			s->pings_out++;
}

/* ---- the interface ---- */

int rshard_init(struct rshard *s, uv_loop_t *loop, const struct rlink_config *cfg,
		const struct logger *log)
{
	if (cfg->timeout_ms == 0 || cfg->retry_min_ms == 0 ||
	    cfg->retry_max_ms < cfg->retry_min_ms || cfg->max_pending == 0)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->log = log;
	s->cfg = *cfg;
	uint64_t seed = uv_hrtime() ^ (uint64_t)(uintptr_t)s;
	rback_init(&s->back, cfg->retry_min_ms, seed | 1);
	map_init(&s->subs, seed);
	uv_timer_init(loop, &s->retry);
	uv_timer_init(loop, &s->tick);
	s->retry.data = s;
	s->tick.data = s;
	s->open_handles = 2;
	if (cfg->url.db != 0)
		log_warn(log, "redis cluster: a cluster has only database 0: /%u is ignored",
			 cfg->url.db);
	return 0;
}

void rshard_start(struct rshard *s)
{
	if (s->state == RLINK_IDLE)
		rshard_attempt(s);
}

bool rshard_up(const struct rshard *s)
{
	return s->state == RLINK_UP;
}

/* The master a command goes to: that of its key's slot (EVAL: the first key). */
static uint8_t rshard_route(const struct rshard *s, int argc, const char **argv,
			    const size_t *lens)
{
	int key = argc > 1 ? 1 : -1;
	if (argc > 0 && (strcasecmp(argv[0], "EVAL") == 0 || strcasecmp(argv[0], "EVALSHA") == 0))
		key = argc > RSHARD_EVAL_KEY && strcmp(argv[2], "0") != 0 ? RSHARD_EVAL_KEY : -1;
	uint8_t k = key < 0 ? 0 : s->map.owner[rslot_of(argv[key], lens[key])];
	return k == RSLOT_NONE ? 0 : k;
}

/* Queues argv on its master's command connection, with rlink's checks. */
static bool rshard_send(struct rshard *s, rshard_reply_fn *fn, void *privdata, int argc,
			const char **argv, const size_t *lens)
{
	if (s->state != RLINK_UP) {
		s->stats.dropped++;
		return false;
	}
	size_t size = RSHARD_ARG_OVERHEAD;
	for (int i = 0; i < argc; i++)
		size += lens[i] + RSHARD_ARG_OVERHEAD;
	size_t pending = rshard_pending(s);
	if (size > s->cfg.max_pending) {
		s->stats.dropped++;
		log_warn(s->log, "redis cluster: a command of %zu bytes is over the limit of %zu: "
			 "not sent", size, s->cfg.max_pending);
		return false;
	}
	if (pending + size > s->cfg.max_pending) {
		s->stats.dropped++;
		char why[RSHARD_WHY_MAX];
		snprintf(why, sizeof(why), "%zu bytes queued towards Redis, over the limit of %zu",
			 pending, s->cfg.max_pending);
		rshard_lose(s, why);
		return false;
	}
	struct rshard_conn *c = s->cmd[rshard_route(s, argc, argv, lens)];
	if (!c || !rshard_conn_send(c, fn, privdata, argc, argv, lens)) {
		s->stats.dropped++;
		return false;
	}
	return true;
}

/* After a reply: a stale map loses the link; closing, an empty queue lets the connection go. */
static void rshard_after(struct rshard *s, struct rshard_conn *c, const redisReply *r)
{
	if (r && r->type == REDIS_REPLY_ERROR)
		s->stats.errors++;
	if (c->dropped)
		return;
	if (s->state == RLINK_CLOSING) {
		if (c->qlen == 0) {
			rshard_forget(s, c);
			rshard_close_check(s);
		}
		return;
	}
	if (rshard_stale(r)) {
		char why[RSHARD_WHY_MAX];
		snprintf(why, sizeof(why), "the cluster's map changed (%s)", r->str);
		rshard_lose(s, why);
	}
}

static void rshard_user_reply(struct rshard_conn *c, void *privdata, const redisReply *r)
{
	struct rshard_ucall *call = privdata;
	struct rshard *s = call->s;
	if (call->cb)
		call->cb(call->privdata, r);
	free(call);
	rshard_after(s, c, r);
}

static void rshard_quiet_reply(struct rshard_conn *c, void *privdata, const redisReply *r)
{
	rshard_after(privdata, c, r);
}

bool rshard_command(struct rshard *s, rlink_cb *cb, void *privdata, int argc, const char **argv,
		    const size_t *lens)
{
	bool ok;
	if (cb) {
		struct rshard_ucall *call = xmalloc(sizeof(*call));
		*call = (struct rshard_ucall){.s = s, .cb = cb, .privdata = privdata};
		ok = rshard_send(s, rshard_user_reply, call, argc, argv, lens);
		if (!ok)
			free(call);
	} else {
		ok = rshard_send(s, rshard_quiet_reply, s, argc, argv, lens);
	}
	if (ok)
		s->stats.commands++;
	return ok;
}

bool rshard_publish(struct rshard *s, const char *ch, size_t clen, const char *data, size_t len)
{
	const char *argv[] = {"SPUBLISH", ch, data};
	size_t lens[] = {sizeof("SPUBLISH") - 1, clen, len};
	bool ok = rshard_send(s, rshard_quiet_reply, s, 3, argv, lens);
	if (ok)
		s->stats.published++;
	return ok;
}

bool rshard_subscribed(const struct rshard *s, const char *ch, size_t len)
{
	return s->state != RLINK_CLOSING && rchan_has(&s->subs, ch, len);
}

void rshard_subscribe(struct rshard *s, const char *ch, size_t len)
{
	struct rchan *c = s->state != RLINK_CLOSING ? rchan_add(&s->subs, ch, len) : NULL;
	if (!c)
		return;
	struct rshard_conn *sub = rshard_sub_of(s, ch, len);
	if (sub && sub->ready)
		rshard_send_sub(s, sub, "SSUBSCRIBE", c);
}

void rshard_unsubscribe(struct rshard *s, const char *ch, size_t len)
{
	struct rchan *c = s->state != RLINK_CLOSING ? rchan_del(&s->subs, ch, len) : NULL;
	if (!c)
		return;
	struct rshard_conn *sub = rshard_sub_of(s, ch, len);
	if (sub && sub->ready)
		rshard_send_sub(s, sub, "SUNSUBSCRIBE", c);
	free(c);
}

struct rlink_stats rshard_stats(const struct rshard *s)
{
	struct rlink_stats st = s->stats;
	st.pending = rshard_pending(s);
	return st;
}

void rshard_close(struct rshard *s, void (*done)(void *ctx), void *ctx)
{
	if (s->state == RLINK_CLOSING)
		return;
	bool graceful = s->state == RLINK_UP;
	s->state = RLINK_CLOSING;
	s->done = done;
	s->done_ctx = ctx;
	rshard_forget(s, s->seed);
	for (size_t i = 0; i < RSLOT_MASTERS_MAX; i++) {
		rshard_forget(s, s->sub[i]);
		if (!graceful || (s->cmd[i] && s->cmd[i]->qlen == 0))
			rshard_forget(s, s->cmd[i]);
	}
	rchan_free_all(&s->subs);
	uv_close((uv_handle_t *)&s->tick, rshard_timer_closed);
	/* What is queued (a node's goodbye) is answered first, within the grace. */
	uv_timer_stop(&s->retry);
	uv_timer_start(&s->retry, rshard_retry_cb, RLINK_CLOSE_GRACE_MS, 0);
	rshard_close_check(s);
}
