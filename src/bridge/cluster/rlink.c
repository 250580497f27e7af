/* rlink: charlad's link to Redis (rlink.h).
 *
 * hiredis 0.14's async client runs on libuv poll handles of ours rather than on its libuv
 * adapter: the adapter frees its handle in a close callback nobody hears of, so rlink_close could
 * not know when every handle is closed; ours count themselves in open_handles.
 *
 * Freeing a hiredis context. redisAsyncFree inside one of that context's reply callbacks is
 * deferred by hiredis until the callback returns; inside its disconnect callback (or a failed
 * connect's) it would free twice, so those callbacks forget the context (conn->ac = NULL) before
 * anything else. A context we let go has its data cleared first: whatever hiredis calls on it
 * afterwards (NULL replies, the disconnect callback) is then ignored, except the callbacks of
 * commands, which owe their caller an answer.
 *
 * hiredis's subscriber: every channel has its callback in a dict, and a reply that matches none is
 * given to the last callback run (a stale copy), so rlink_sub_reply checks each reply's shape and
 * channel itself, and the handshake's callback ignores a connection already ready. PING is never
 * sent on sub: in subscribed mode Redis answers it with an array that hiredis would take for a
 * message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "bridge/cluster/rback.h"
#include "bridge/cluster/rchan.h"
#include "bridge/cluster/rlink.h"

enum {
	RLINK_WHY_MAX = 256,       /* bytes of a reason given to down and the log */
	RLINK_WHERE_MAX = RLINK_HOST_MAX + 16,
	RLINK_ARG_OVERHEAD = 16,   /* RESP bytes around an argument ($LEN\r\n...\r\n), at most */
	RLINK_TICKS_PER_TIMEOUT = 4, /* liveness checks per timeout_ms */
};

/* A channel of the subscription set; name is the map's key. */
/* The libuv side of one hiredis context. */
struct rlink_poll {
	uv_poll_t h;
	redisAsyncContext *ac; /* NULL once hiredis has let it go */
	struct rlink *link;
	int events;
};

/* A command awaiting its reply. */
struct rlink_call {
	struct rlink *link;
	rlink_cb *cb;
	void *privdata;
};

static void rlink_lose(struct rlink *l, const char *why);
static void rlink_retry_cb(uv_timer_t *t);
static void rlink_tick_cb(uv_timer_t *t);

/* ---- small helpers ---- */

static void rlink_where(const struct rlink *l, char *out, size_t cap)
{
	const char *h = l->cfg.url.host;
	snprintf(out, cap, strchr(h, ':') ? "[%s]:%u" : "%s:%u", h, (unsigned)l->cfg.url.port);
}

static size_t rlink_conn_pending(const struct rlink_conn *c)
{
	return c->ac ? sdslen(c->ac->c.obuf) : 0;
}

static size_t rlink_pending(const struct rlink *l)
{
	return rlink_conn_pending(&l->cmd) + rlink_conn_pending(&l->sub);
}

static bool rlink_is_error(const redisReply *r, const char *prefix)
{
	size_t n = strlen(prefix);
	return r && r->type == REDIS_REPLY_ERROR && r->len >= n && memcmp(r->str, prefix, n) == 0;
}

/* One of the link's libuv handles is closed: done runs after the last. */
static void rlink_handle_gone(struct rlink *l)
{
	l->open_handles--;
	if (l->state == RLINK_CLOSING && l->open_handles == 0 && l->done)
		l->done(l->done_ctx);
}

static void rlink_timer_closed(uv_handle_t *h)
{
	rlink_handle_gone(h->data);
}

/* ---- hiredis on libuv ---- */

static void rlink_poll_cb(uv_poll_t *h, int status, int events)
{
	struct rlink_poll *p = h->data;
	if (status < 0)
		events = UV_READABLE; /* hiredis's read sees the socket's error and disconnects */
	if (p->ac && (events & UV_READABLE))
		redisAsyncHandleRead(p->ac);
	if (p->ac && (events & UV_WRITABLE))
		redisAsyncHandleWrite(p->ac);
}

static void rlink_poll_set(struct rlink_poll *p, int events)
{
	p->events = events;
	if (events)
		uv_poll_start(&p->h, events, rlink_poll_cb);
	else
		uv_poll_stop(&p->h);
}

static void rlink_add_read(void *priv)
{
	struct rlink_poll *p = priv;
	rlink_poll_set(p, p->events | UV_READABLE);
}

static void rlink_del_read(void *priv)
{
	struct rlink_poll *p = priv;
	rlink_poll_set(p, p->events & ~UV_READABLE);
}

static void rlink_add_write(void *priv)
{
	struct rlink_poll *p = priv;
	rlink_poll_set(p, p->events | UV_WRITABLE);
}

static void rlink_del_write(void *priv)
{
	struct rlink_poll *p = priv;
	rlink_poll_set(p, p->events & ~UV_WRITABLE);
}

static void rlink_poll_closed(uv_handle_t *h)
{
	struct rlink_poll *p = h->data;
	struct rlink *l = p->link;
	free(p);
	rlink_handle_gone(l);
}

/* hiredis lets the context go (redisAsyncFree): before it closes the socket. */
static void rlink_cleanup(void *priv)
{
	struct rlink_poll *p = priv;
	p->ac = NULL;
	uv_close((uv_handle_t *)&p->h, rlink_poll_closed);
}

static bool rlink_attach(struct rlink *l, redisAsyncContext *ac)
{
	struct rlink_poll *p = xcalloc(1, sizeof(*p));
	if (uv_poll_init(l->loop, &p->h, ac->c.fd) != 0) {
		free(p);
		return false;
	}
	p->h.data = p;
	p->ac = ac;
	p->link = l;
	l->open_handles++;
	ac->ev.data = p;
	ac->ev.addRead = rlink_add_read;
	ac->ev.delRead = rlink_del_read;
	ac->ev.addWrite = rlink_add_write;
	ac->ev.delWrite = rlink_del_write;
	ac->ev.cleanup = rlink_cleanup;
	return true;
}

/* Lets a connection's context go; see the top of the file. */
static void rlink_conn_drop(struct rlink_conn *c)
{
	redisAsyncContext *ac = c->ac;
	c->ac = NULL;
	c->ready = false;
	if (ac) {
		ac->data = NULL;
		redisAsyncFree(ac);
	}
}

/* ---- replies ---- */

/* A command's reply (or NULL): counted, given to its caller. */
static void rlink_call_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rlink_call *call = privdata;
	const redisReply *r = reply;
	struct rlink *l = call->link;
	if (r && r->type == REDIS_REPLY_ERROR)
		l->stats.errors++;
	if (call->cb)
		call->cb(call->privdata, r);
	free(call);
	if (ac->data && rlink_is_error(r, "LOADING"))
		rlink_lose(l, "Redis is loading its data set");
}

/* A reply nobody waits for (PUBLISH): only counted. */
static void rlink_quiet_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rlink *l = privdata;
	const redisReply *r = reply;
	if (r && r->type == REDIS_REPLY_ERROR)
		l->stats.errors++;
	if (ac->data && rlink_is_error(r, "LOADING"))
		rlink_lose(l, "Redis is loading its data set");
}

static void rlink_check_up(struct rlink *l)
{
	if (l->state != RLINK_CONNECTING || !l->cmd.ready || !l->sub.ready || l->resub_pending)
		return;
	l->state = RLINK_UP;
	uv_timer_stop(&l->retry);
	if (l->ever_up)
		l->stats.reconnects++;
	char where[RLINK_WHERE_MAX];
	rlink_where(l, where, sizeof(where));
	log_info(l->log, "redis: linked to %s (%zu channels)", where, (size_t)l->subs.count);
	l->ever_up = true;
	l->failed = false;
	l->auth_refused = false;
	rback_init(&l->back, l->cfg.retry_min_ms, l->back.rand);
	l->ping_out = false;
	l->ping_last = uv_now(l->loop);
	unsigned every = l->cfg.timeout_ms / RLINK_TICKS_PER_TIMEOUT;
	every = every ? every : 1;
	uv_timer_start(&l->tick, rlink_tick_cb, every, every);
	if (l->cfg.up)
		l->cfg.up(l->cfg.ctx);
}

/* What sub receives once subscribed: subscribe confirmations and messages. */
static void rlink_sub_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rlink *l = privdata;
	const redisReply *r = reply;
	if (!ac->data || !r || r->type != REDIS_REPLY_ARRAY || r->elements < 3)
		return;
	const redisReply *kind = r->element[0], *chan = r->element[1], *data = r->element[2];
	if (kind->type != REDIS_REPLY_STRING || chan->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(kind->str, "message") == 0) {
		if (l->state != RLINK_UP || data->type != REDIS_REPLY_STRING ||
		    !rlink_subscribed(l, chan->str, chan->len))
			return;
		l->stats.received++;
		if (l->cfg.message)
			l->cfg.message(l->cfg.ctx, chan->str, chan->len, data->str, data->len);
	} else if (strcmp(kind->str, "subscribe") == 0 && l->resub_pending > 0) {
		if (--l->resub_pending == 0)
			rlink_check_up(l);
	}
}

/* (UN)SUBSCRIBE ch on sub; hiredis keeps the callback per channel (UNSUBSCRIBE's is unused). */
static void rlink_send_sub(struct rlink *l, const char *verb, const struct rchan *ch)
{
	const char *argv[] = {verb, ch->name};
	size_t lens[] = {strlen(verb), ch->len};
	redisAsyncCommandArgv(l->sub.ac, rlink_sub_reply, l, 2, argv, lens);
}

/* The handshake's replies: privdata names the step ("AUTH", "SELECT", "PING"). */
static void rlink_hello_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rlink_conn *c = ac->data;
	const redisReply *r = reply;
	const char *step = privdata;
	if (!c || !r || c->ready) /* ready: a stale call (see the top of the file) */
		return;
	struct rlink *l = c->link;
	char why[RLINK_WHY_MAX];
	if (r->type == REDIS_REPLY_ERROR) {
		if (strcmp(step, "AUTH") == 0 || rlink_is_error(r, "NOAUTH")) {
			snprintf(why, sizeof(why), "Redis refused the password: %s", r->str);
			if (!l->auth_refused) {
				char where[RLINK_WHERE_MAX];
				rlink_where(l, where, sizeof(where));
				log_error(l->log, "redis: %s refused the password (%s): check "
					  "--cluster-password or the URL; retrying", where, r->str);
			}
			l->auth_refused = true;
			l->failed = true;
		} else {
			snprintf(why, sizeof(why), "Redis answered %s with: %s", step, r->str);
		}
		rlink_lose(l, why);
		return;
	}
	if (c == &l->cmd) {
		if (strcmp(step, "PING") == 0) {
			c->ready = true;
			rlink_check_up(l);
		}
		return;
	}
	/* sub: authenticated; now the subscription set, confirmed before up. */
	c->ready = true;
	l->resub_pending = l->subs.count;
	const char *key;
	void *value;
	for (size_t i = 0; map_next(&l->subs, &i, &key, &value);)
		rlink_send_sub(l, "SUBSCRIBE", value);
	rlink_check_up(l);
}

static void rlink_ping_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct rlink *l = privdata;
	const redisReply *r = reply;
	if (!ac->data || !r)
		return;
	l->ping_out = false;
	if (r->type == REDIS_REPLY_ERROR) {
		char why[RLINK_WHY_MAX];
		snprintf(why, sizeof(why), "Redis answered PING with: %s", r->str);
		rlink_lose(l, why);
	}
}

/* ---- connections ---- */

static void rlink_on_connect(const redisAsyncContext *cac, int status)
{
	if (status == REDIS_OK)
		return;
	redisAsyncContext *ac = (redisAsyncContext *)(uintptr_t)cac; /* hiredis's const */
	struct rlink_conn *c = ac->data;
	if (!c)
		return;
	c->ac = NULL; /* hiredis frees it on return */
	ac->data = NULL;
	rlink_lose(c->link, ac->c.errstr[0] ? ac->c.errstr : "cannot connect");
}

static void rlink_on_disconnect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext *ac = (redisAsyncContext *)(uintptr_t)cac;
	struct rlink_conn *c = ac->data;
	if (!c)
		return;
	c->ac = NULL; /* being freed */
	c->ready = false;
	ac->data = NULL;
	struct rlink *l = c->link;
	if (l->state == RLINK_CLOSING) {
		/* The goodbye was written and answered (rlink_close): the grace is over. */
		if (!uv_is_closing((uv_handle_t *)&l->retry))
			uv_close((uv_handle_t *)&l->retry, rlink_timer_closed);
		return;
	}
	rlink_lose(l, status == REDIS_OK || !ac->c.errstr[0] ? "Redis closed the connection"
							     : ac->c.errstr);
}

/* Closing, Redis did not answer what was queued within the grace: let it go. */
static void rlink_grace_over(uv_timer_t *t)
{
	struct rlink *l = t->data;
	rlink_conn_drop(&l->cmd);
	if (!uv_is_closing((uv_handle_t *)&l->retry))
		uv_close((uv_handle_t *)&l->retry, rlink_timer_closed);
}

/* Connects c and queues its handshake; false with why filled on failure. */
static bool rlink_conn_open(struct rlink *l, struct rlink_conn *c, char *why, size_t cap)
{
	const struct rlink_url *u = &l->cfg.url;
	redisAsyncContext *ac = redisAsyncConnect(u->host, u->port);
	if (!ac) {
		snprintf(why, cap, "out of memory");
		return false;
	}
	if (ac->err || !rlink_attach(l, ac)) {
		snprintf(why, cap, "%s", ac->err ? ac->c.errstr : "cannot poll the socket");
		redisAsyncFree(ac);
		return false;
	}
	ac->data = c;
	c->ac = ac;
	c->ready = false;
	redisAsyncSetConnectCallback(ac, rlink_on_connect);
	redisAsyncSetDisconnectCallback(ac, rlink_on_disconnect);
	if (u->password[0]) {
		if (u->user[0])
			redisAsyncCommand(ac, rlink_hello_reply, (void *)"AUTH", "AUTH %s %s",
					  u->user, u->password);
		else
			redisAsyncCommand(ac, rlink_hello_reply, (void *)"AUTH", "AUTH %s",
					  u->password);
	}
	if (c == &l->cmd) {
		if (u->db)
			redisAsyncCommand(ac, rlink_hello_reply, (void *)"SELECT", "SELECT %u",
					  u->db);
		redisAsyncCommand(ac, rlink_hello_reply, (void *)"PING", "PING");
	} else if (!u->password[0]) {
		redisAsyncCommand(ac, rlink_hello_reply, (void *)"PING", "PING");
	}
	return true;
}

static void rlink_attempt(struct rlink *l)
{
	l->state = RLINK_CONNECTING;
	l->resub_pending = 0;
	char why[RLINK_WHY_MAX];
	if (!rlink_conn_open(l, &l->cmd, why, sizeof(why)) ||
	    !rlink_conn_open(l, &l->sub, why, sizeof(why))) {
		rlink_lose(l, why);
		return;
	}
	uv_timer_start(&l->retry, rlink_retry_cb, l->cfg.timeout_ms, 0);
}

/* The link is lost, or an attempt failed: both connections let go, a retry scheduled, down told
 * if it was up. Does nothing when not connecting or up. */
static void rlink_lose(struct rlink *l, const char *why)
{
	if (l->state != RLINK_CONNECTING && l->state != RLINK_UP)
		return;
	bool was_up = l->state == RLINK_UP;
	l->state = RLINK_WAITING;
	uv_timer_stop(&l->tick);
	l->ping_out = false;
	l->resub_pending = 0;
	char where[RLINK_WHERE_MAX];
	rlink_where(l, where, sizeof(where));
	if (was_up)
		log_warn(l->log, "redis: lost the link to %s: %s; reconnecting", where, why);
	else
		log_msg(l->log, l->failed ? LOG_DEBUG : LOG_WARN,
			"redis: cannot link to %s: %s; retrying", where, why);
	l->failed = true;
	uint64_t delay = rback_next(&l->back, l->cfg.retry_max_ms);
	uv_timer_start(&l->retry, rlink_retry_cb, delay, 0);
	/* The reason may be a context's error text: copied before the contexts go. */
	char copy[RLINK_WHY_MAX];
	snprintf(copy, sizeof(copy), "%s", why);
	rlink_conn_drop(&l->cmd);
	rlink_conn_drop(&l->sub);
	if (was_up && l->cfg.down)
		l->cfg.down(l->cfg.ctx, copy);
}

/* ---- timers ---- */

static void rlink_retry_cb(uv_timer_t *t)
{
	struct rlink *l = t->data;
	if (l->state == RLINK_WAITING) {
		rlink_attempt(l);
	} else if (l->state == RLINK_CONNECTING) {
		char why[RLINK_WHY_MAX];
		snprintf(why, sizeof(why), "not ready within %u ms", l->cfg.timeout_ms);
		rlink_lose(l, why);
	}
}

static void rlink_tick_cb(uv_timer_t *t)
{
	struct rlink *l = t->data;
	if (l->state != RLINK_UP)
		return;
	uint64_t now = uv_now(l->loop);
	if (l->ping_out) {
		if (now - l->ping_last >= l->cfg.timeout_ms) {
			char why[RLINK_WHY_MAX];
			snprintf(why, sizeof(why), "no answer to a PING within %u ms",
				 l->cfg.timeout_ms);
			rlink_lose(l, why);
		}
	} else if (now - l->ping_last >= l->cfg.timeout_ms / 2) {
		if (redisAsyncCommand(l->cmd.ac, rlink_ping_reply, l, "PING") == REDIS_OK) {
			l->ping_out = true;
			l->ping_last = now;
		}
	}
}

/* ---- the interface ---- */

int rlink_init(struct rlink *l, uv_loop_t *loop, const struct rlink_config *cfg,
	       const struct logger *log)
{
	if (cfg->timeout_ms == 0 || cfg->retry_min_ms == 0 ||
	    cfg->retry_max_ms < cfg->retry_min_ms || cfg->max_pending == 0)
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->loop = loop;
	l->log = log;
	l->cfg = *cfg;
	l->cmd.link = l;
	l->sub.link = l;
	uint64_t seed = uv_hrtime() ^ (uint64_t)(uintptr_t)l;
	rback_init(&l->back, cfg->retry_min_ms, seed | 1);
	map_init(&l->subs, seed);
	uv_timer_init(loop, &l->retry);
	uv_timer_init(loop, &l->tick);
	l->retry.data = l;
	l->tick.data = l;
	l->open_handles = 2;
	return 0;
}

void rlink_start(struct rlink *l)
{
	if (l->state == RLINK_IDLE)
		rlink_attempt(l);
}

bool rlink_up(const struct rlink *l)
{
	return l->state == RLINK_UP;
}

/* Queues argv on cmd with fn(privdata) for its reply; the checks of rlink_command. */
static bool rlink_send(struct rlink *l, redisCallbackFn *fn, void *privdata, int argc,
		       const char **argv, const size_t *lens)
{
	if (l->state != RLINK_UP) {
		l->stats.dropped++;
		return false;
	}
	size_t size = RLINK_ARG_OVERHEAD;
	for (int i = 0; i < argc; i++)
		size += lens[i] + RLINK_ARG_OVERHEAD;
	size_t pending = rlink_pending(l);
	if (size > l->cfg.max_pending) {
		l->stats.dropped++;
		log_warn(l->log, "redis: a command of %zu bytes is over the limit of %zu: not sent",
			 size, l->cfg.max_pending);
		return false;
	}
	if (pending + size > l->cfg.max_pending) {
		l->stats.dropped++;
		char why[RLINK_WHY_MAX];
		snprintf(why, sizeof(why), "%zu bytes queued towards Redis, over the limit of %zu",
			 pending, l->cfg.max_pending);
		rlink_lose(l, why);
		return false;
	}
	if (redisAsyncCommandArgv(l->cmd.ac, fn, privdata, argc, argv, lens) != REDIS_OK) {
		l->stats.dropped++;
		return false;
	}
	return true;
}

bool rlink_command(struct rlink *l, rlink_cb *cb, void *privdata, int argc, const char **argv,
		   const size_t *lens)
{
	bool ok;
	if (cb) {
		struct rlink_call *call = xmalloc(sizeof(*call));
		*call = (struct rlink_call){.link = l, .cb = cb, .privdata = privdata};
		ok = rlink_send(l, rlink_call_reply, call, argc, argv, lens);
		if (!ok)
			free(call);
	} else {
		ok = rlink_send(l, rlink_quiet_reply, l, argc, argv, lens);
	}
	if (ok)
		l->stats.commands++;
	return ok;
}

bool rlink_publish(struct rlink *l, const char *ch, size_t clen, const char *data, size_t len)
{
	const char *argv[] = {"PUBLISH", ch, data};
	size_t lens[] = {sizeof("PUBLISH") - 1, clen, len};
	bool ok = rlink_send(l, rlink_quiet_reply, l, 3, argv, lens);
	if (ok)
		l->stats.published++;
	return ok;
}

bool rlink_subscribed(const struct rlink *l, const char *ch, size_t len)
{
	return l->state != RLINK_CLOSING && rchan_has(&l->subs, ch, len);
}

void rlink_subscribe(struct rlink *l, const char *ch, size_t len)
{
	struct rchan *c = l->state != RLINK_CLOSING ? rchan_add(&l->subs, ch, len) : NULL;
	if (c && l->sub.ready)
		rlink_send_sub(l, "SUBSCRIBE", c);
}

void rlink_unsubscribe(struct rlink *l, const char *ch, size_t len)
{
	struct rchan *c = l->state != RLINK_CLOSING ? rchan_del(&l->subs, ch, len) : NULL;
	if (!c)
		return;
	if (l->sub.ready)
		rlink_send_sub(l, "UNSUBSCRIBE", c);
	free(c);
}

struct rlink_stats rlink_stats(const struct rlink *l)
{
	struct rlink_stats s = l->stats;
	s.pending = rlink_pending(l);
	return s;
}

void rlink_close(struct rlink *l, void (*done)(void *ctx), void *ctx)
{
	if (l->state == RLINK_CLOSING)
		return;
	bool graceful = l->state == RLINK_UP && l->cmd.ac;
	l->state = RLINK_CLOSING;
	l->done = done;
	l->done_ctx = ctx;
	rlink_conn_drop(&l->sub);
	rchan_free_all(&l->subs);
	uv_close((uv_handle_t *)&l->tick, rlink_timer_closed);
	if (graceful) {
		/* What is queued on cmd (a node's goodbye) is written and answered first: hiredis
		 * frees the context then, and rlink_on_disconnect ends the grace. */
		uv_timer_stop(&l->retry);
		uv_timer_start(&l->retry, rlink_grace_over, RLINK_CLOSE_GRACE_MS, 0);
		redisAsyncDisconnect(l->cmd.ac);
		return;
	}
	rlink_conn_drop(&l->cmd);
	uv_close((uv_handle_t *)&l->retry, rlink_timer_closed);
}
