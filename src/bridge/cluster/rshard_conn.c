/* rshard_conn: one connection of rshard (rshard.h), hiredis's non-blocking synchronous API on a
 * uv_poll of ours. The connection is never freed inside its own callbacks: rshard_conn_drop marks
 * it, closes the poll, and the close callback frees the hiredis context (closing the socket after
 * libuv has forgotten it) and the struct; the read loop stops at once when a callback dropped it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

#include "base/xalloc.h"
#include "bridge/cluster/rshard.h"

enum {
	RSHARD_QUEUE_MIN = 8,        /* callbacks a connection's ring starts with */
	RSHARD_REPLIES_PER_READ = 1024, /* replies handled per readable event: others get a turn */
};

static void rshard_conn_io(uv_poll_t *h, int status, int events);

static void rshard_conn_want(struct rshard_conn *c, int events)
{
	if (c->dropped || events == c->events)
		return;
	c->events = events;
	uv_poll_start(&c->poll, events, rshard_conn_io);
}

static void rshard_conn_closed(uv_handle_t *h)
{
	struct rshard_conn *c = h->data;
	struct rshard *s = c->sh;
	redisFree(c->rc);
	free(c->q);
	free(c);
	s->open_handles--;
	if (s->state == RLINK_CLOSING && s->open_handles == 0 && s->done)
		s->done(s->done_ctx);
}

void rshard_conn_drop(struct rshard_conn *c)
{
	if (c->dropped)
		return;
	c->dropped = true;
	uv_close((uv_handle_t *)&c->poll, rshard_conn_closed);
	while (c->qlen) {
		struct rshard_call call = c->q[c->qhead];
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
		if (call.fn)
			call.fn(c, call.privdata, NULL);
	}
}

size_t rshard_conn_pending(const struct rshard_conn *c)
{
	return c && !c->dropped ? sdslen(c->rc->obuf) : 0;
}

static void rshard_conn_push(struct rshard_conn *c, rshard_reply_fn *fn, void *privdata)
{
	if (c->qlen == c->qcap) {
		size_t cap = c->qcap ? c->qcap * 2 : RSHARD_QUEUE_MIN;
		struct rshard_call *q = xcalloc(cap, sizeof(*q));
		for (size_t i = 0; i < c->qlen; i++)
			q[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = q;
		c->qhead = 0;
		c->qcap = cap;
	}
	c->q[(c->qhead + c->qlen) % c->qcap] = (struct rshard_call){fn, privdata};
	c->qlen++;
}

/* A reply: to the head of the queue, or (a subscriber's pub/sub array, or nothing queued) to
 * rshard_pushed. */
static void rshard_conn_reply(struct rshard_conn *c, const redisReply *r)
{
	bool pushed = c->qlen == 0;
	if (c->sub && !pushed && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
	    r->element[0]->type == REDIS_REPLY_STRING) {
		const char *k = r->element[0]->str;
		pushed = strcmp(k, "smessage") == 0 || strcmp(k, "ssubscribe") == 0 ||
			 strcmp(k, "sunsubscribe") == 0;
	}
	if (pushed) {
		rshard_pushed(c, r);
		return;
	}
	struct rshard_call call = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	if (call.fn)
		call.fn(c, call.privdata, r);
}

static void rshard_conn_read(struct rshard_conn *c)
{
	redisContext *rc = c->rc;
	if (redisBufferRead(rc) != REDIS_OK) {
		rshard_conn_failed(c, rc->errstr[0] ? rc->errstr : "Redis closed the connection");
		return;
	}
	for (unsigned n = 0; n < RSHARD_REPLIES_PER_READ && !c->dropped; n++) {
		void *reply = NULL;
		if (redisReaderGetReply(rc->reader, &reply) != REDIS_OK) {
			rshard_conn_failed(c, "Redis sent what is not RESP");
			return;
		}
		if (!reply)
			return;
		rshard_conn_reply(c, reply);
		freeReplyObject(reply);
	}
}

static void rshard_conn_write(struct rshard_conn *c)
{
	redisContext *rc = c->rc;
	if (!c->connected) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(rc->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err) {
			rshard_conn_failed(c, strerror(err));
			return;
		}
		c->connected = true;
	}
	int done = 0;
	if (redisBufferWrite(rc, &done) != REDIS_OK) {
		rshard_conn_failed(c, rc->errstr[0] ? rc->errstr : "cannot write to Redis");
		return;
	}
	if (done)
		rshard_conn_want(c, UV_READABLE);
}

static void rshard_conn_io(uv_poll_t *h, int status, int events)
{
	struct rshard_conn *c = h->data;
	if (c->dropped)
		return;
	if (status < 0) {
		rshard_conn_failed(c, uv_strerror(status));
		return;
	}
	if (events & UV_WRITABLE)
		rshard_conn_write(c);
	if (!c->dropped && c->connected && (events & UV_READABLE))
		rshard_conn_read(c);
}

/* AUTH's answer: a refusal fails the connection (and the attempt). */
static void rshard_conn_authed(struct rshard_conn *c, void *privdata, const redisReply *r)
{
	(void)privdata;
	if (r && r->type == REDIS_REPLY_ERROR) {
		char why[RLINK_PASSWORD_MAX];
		snprintf(why, sizeof(why), "Redis refused the password: %s", r->str);
		rshard_conn_failed(c, why);
	}
}

struct rshard_conn *rshard_conn_open(struct rshard *s, const char *host, uint16_t port, int master,
				     bool sub, char *why, size_t cap)
{
	redisContext *rc = redisConnectNonBlock(host, port);
	if (!rc) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	if (rc->err) {
		snprintf(why, cap, "%s", rc->errstr);
		redisFree(rc);
		return NULL;
	}
	struct rshard_conn *c = xcalloc(1, sizeof(*c));
	if (uv_poll_init(s->loop, &c->poll, rc->fd) != 0) {
		snprintf(why, cap, "cannot poll the socket");
		redisFree(rc);
		free(c);
		return NULL;
	}
	c->poll.data = c;
	c->sh = s;
	c->rc = rc;
	c->master = master;
	c->sub = sub;
	s->open_handles++;
	const struct rlink_url *u = &s->cfg.url;
	if (u->password[0]) {
		const char *argv[] = {"AUTH", u->user, u->password};
		size_t lens[] = {4, strlen(u->user), strlen(u->password)};
		if (u->user[0]) {
			rshard_conn_send(c, rshard_conn_authed, NULL, 3, argv, lens);
		} else {
			argv[1] = u->password;
			lens[1] = lens[2];
			rshard_conn_send(c, rshard_conn_authed, NULL, 2, argv, lens);
		}
	}
	rshard_conn_want(c, UV_READABLE | UV_WRITABLE);
	return c;
}

bool rshard_conn_send(struct rshard_conn *c, rshard_reply_fn *fn, void *privdata, int argc,
		      const char **argv, const size_t *lens)
{
	if (c->dropped || redisAppendCommandArgv(c->rc, argc, argv, lens) != REDIS_OK)
		return false;
	if (fn)
		rshard_conn_push(c, fn, privdata);
	rshard_conn_want(c, UV_READABLE | UV_WRITABLE);
	return true;
}
