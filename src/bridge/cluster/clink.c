/* clink: a plain Redis or a Redis Cluster (clink.h). */
#include "bridge/cluster/clink.h"

#include <string.h>

#include <hiredis/hiredis.h>

#include "base/log.h"

static void clink_part_closed(void *ctx)
{
	struct clink *l = ctx;
	l->open--;
	if (l->closing && l->open == 0 && l->done)
		l->done(l->done_ctx);
}

static void clink_timer_closed(uv_handle_t *h)
{
	clink_part_closed(h->data);
}

/* The switch: rshard takes rlink's subscription set and carries the link from now on. */
static void clink_switch(uv_timer_t *t)
{
	struct clink *l = t->data;
	if (l->closing || l->sharded)
		return;
	log_info(l->log, "redis: a Redis Cluster: sharded pub/sub, a link to each master");
	rshard_init(&l->s, l->loop, &l->user, l->log);
	l->open++;
	const char *key;
	void *value;
	for (size_t i = 0; map_next(&l->r.subs, &i, &key, &value);)
		rshard_subscribe(&l->s, key, strlen(key));
	l->sharded = true;
	rlink_close(&l->r, clink_part_closed, l);
	rshard_start(&l->s);
}

static void clink_probed(void *privdata, const struct redisReply *r)
{
	struct clink *l = privdata;
	if (!r || l->closing || l->probed || l->sharded)
		return; /* lost before the answer: asked again when rlink is back */
	if (r->type == REDIS_REPLY_STRING && strstr(r->str, "cluster_enabled:1")) {
		uv_timer_start(&l->later, clink_switch, 0, 0);
		return;
	}
	l->probed = true;
	if (l->user.up)
		l->user.up(l->user.ctx);
}

static void clink_r_up(void *ctx)
{
	struct clink *l = ctx;
	if (l->probed) {
		if (l->user.up)
			l->user.up(l->user.ctx);
		return;
	}
	const char *argv[] = {"INFO", "cluster"};
	size_t lens[] = {4, 7};
	rlink_command(&l->r, clink_probed, l, 2, argv, lens);
}

static void clink_r_down(void *ctx, const char *why)
{
	struct clink *l = ctx;
	if (l->probed && l->user.down)
		l->user.down(l->user.ctx, why);
}

static void clink_r_message(void *ctx, const char *ch, size_t clen, const char *data, size_t len)
{
	struct clink *l = ctx;
	if (l->probed && l->user.message)
		l->user.message(l->user.ctx, ch, clen, data, len);
}

int clink_init(struct clink *l, uv_loop_t *loop, const struct rlink_config *cfg,
	       const struct logger *log)
{
	memset(l, 0, sizeof(*l));
	l->user = *cfg;
	l->loop = loop;
	l->log = log;
	struct rlink_config rc = *cfg;
	rc.up = clink_r_up;
	rc.down = clink_r_down;
	rc.message = clink_r_message;
	rc.ctx = l;
	int err = rlink_init(&l->r, loop, &rc, log);
	explicit_bzero(&rc.url, sizeof(rc.url));
	if (err)
		return err;
	uv_timer_init(loop, &l->later);
	l->later.data = l;
	l->open = 2;
	return 0;
}

void clink_start(struct clink *l)
{
	rlink_start(&l->r);
}

bool clink_up(const struct clink *l)
{
	return l->sharded ? rshard_up(&l->s) : l->probed && rlink_up(&l->r);
}

bool clink_command(struct clink *l, rlink_cb *cb, void *privdata, int argc, const char **argv,
		   const size_t *lens)
{
	if (l->sharded)
		return rshard_command(&l->s, cb, privdata, argc, argv, lens);
	return rlink_command(&l->r, cb, privdata, argc, argv, lens);
}

bool clink_publish(struct clink *l, const char *ch, size_t clen, const char *data, size_t len)
{
	if (l->sharded)
		return rshard_publish(&l->s, ch, clen, data, len);
	return rlink_publish(&l->r, ch, clen, data, len);
}

void clink_subscribe(struct clink *l, const char *ch, size_t len)
{
	if (l->sharded)
		rshard_subscribe(&l->s, ch, len);
	else
		rlink_subscribe(&l->r, ch, len);
}

void clink_unsubscribe(struct clink *l, const char *ch, size_t len)
{
	if (l->sharded)
		rshard_unsubscribe(&l->s, ch, len);
	else
		rlink_unsubscribe(&l->r, ch, len);
}

const struct map *clink_subs(const struct clink *l)
{
	return l->sharded ? &l->s.subs : &l->r.subs;
}

const char *clink_publish_verb(const struct clink *l)
{
	return l->sharded ? "SPUBLISH" : "PUBLISH";
}

bool clink_sharded(const struct clink *l)
{
	return l->sharded;
}

struct rlink_stats clink_stats(const struct clink *l)
{
	return l->sharded ? rshard_stats(&l->s) : rlink_stats(&l->r);
}

void clink_close(struct clink *l, void (*done)(void *ctx), void *ctx)
{
	if (l->closing)
		return;
	l->closing = true;
	l->done = done;
	l->done_ctx = ctx;
	uv_timer_stop(&l->later);
	uv_close((uv_handle_t *)&l->later, clink_timer_closed);
	if (l->sharded)
		rshard_close(&l->s, clink_part_closed, l);
	else
		rlink_close(&l->r, clink_part_closed, l);
}
