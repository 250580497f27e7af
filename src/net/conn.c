#include "net/conn.h"

#include <stdlib.h>

#include "base/frame.h"
#include "base/xalloc.h"
#include "net/conn_int.h"
#include "net/listener.h"
#include "net/tls.h"

/* The conn holding stream s (its first member). */
static struct conn *conn_of(struct stream *s)
{
	return (struct conn *)(void *)((char *)s - offsetof(struct conn, stream));
}

static bool conn_line_cb(void *arg, enum linebuf_event ev, char *line, size_t len)
{
	struct conn *c = arg;
	if (stream_is_closing(&c->stream))
		return false;
	return c->ops->line(c, ev == LINEBUF_LINE ? line : NULL, len, ev == LINEBUF_TOO_LONG);
}

/* ---- what the stream calls ---- */

static void conn_on_data(struct stream *s, char *data, size_t len)
{
	struct conn *c = conn_of(s);
	struct net *n = c->net;
	c->last_input_ms = uv_now(n->loop);
	if (c->mode != CONN_LINES) {
		conn_ws_data(c, data, len);
		return;
	}
	linebuf_feed(&c->in, data, len, conn_line_cb, c);
	if ((c->flags & CONN_PAUSED) && linebuf_pending(&c->in) > n->cfg.max_paused)
		stream_read_stop(s);
	if (c->ops->input && !stream_is_closing(s))
		c->ops->input(c);
}

static void conn_on_gone(struct stream *s, int status)
{
	struct conn *c = conn_of(s);
	c->ops->gone(c, status);
}

static void conn_on_overflow(struct stream *s, enum outq_verdict verdict)
{
	struct conn *c = conn_of(s);
	c->ops->overflow(c, verdict);
}

/* The deferred half of conn_resume, from the flush. */
static void conn_on_wake(struct stream *s)
{
	struct conn *c = conn_of(s);
	if (!(c->flags & CONN_RESUME))
		return; /* a conn_pause came after the conn_resume */
	c->flags &= ~(CONN_PAUSED | CONN_RESUME);
	if (stream_is_closing(s))
		return;
	if (c->mode != CONN_LINES)
		conn_ws_resume(c);
	else
		linebuf_resume(&c->in, conn_line_cb, c);
	if (!stream_is_closing(s) && !(c->flags & CONN_PAUSED))
		stream_read_start(s);
}

static void conn_on_tick(struct stream *s, uint64_t now_ms)
{
	struct conn *c = conn_of(s);
	if (c->ops->tick)
		c->ops->tick(c, now_ms);
}

static void conn_on_closed(struct stream *s)
{
	struct conn *c = conn_of(s);
	if (c->ops->closed)
		c->ops->closed(c);
	linebuf_free(&c->in);
	conn_ws_free(c);
	free(c);
}

static const struct stream_ops conn_stream_ops = {
	.data = conn_on_data,
	.gone = conn_on_gone,
	.overflow = conn_on_overflow,
	.wake = conn_on_wake,
	.tick = conn_on_tick,
	.closed = conn_on_closed,
};

/* For a conn whose accept failed: its owner never hears of it again. */
static const struct conn_ops conn_noops;

/* ---- the API ---- */

int conn_accept_head(struct net *n, uv_stream_t *server, const struct conn_ops *ops, void *owner,
		     struct conn **out)
{
	int r = conn_accept(n, server, ops, owner, out);
	if (r == 0) /* a refused conn stays in line mode: its refusal is raw HTTP */
		conn_ws_head(*out);
	return r;
}

void conn_adopt(struct conn *c, const struct conn_ops *ops, void *owner)
{
	c->ops = ops;
	c->owner = owner;
}

/* A conn on a TLS listener: the tls right after the conn, in the same allocation (stream.h). */
struct conn_tls {
	struct conn conn;
	struct tls tls;
};

int conn_accept(struct net *n, uv_stream_t *server, const struct conn_ops *ops, void *owner,
		struct conn **out)
{
	const struct listener *l = server->data; /* NULL for a bare handle (unit tests) */
	struct conn_tls *ct = NULL;
	struct conn *c;
	if (l && l->tls) {
		ct = xcalloc(1, sizeof(*ct));
		c = &ct->conn;
	} else {
		c = xcalloc(1, sizeof(*c));
	}
	int r = stream_init(&c->stream, n, &conn_stream_ops);
	if (r < 0) {
		free(c);
		return r;
	}
	if (ct) {
		c->stream.tls = &ct->tls;
		tls_init(&ct->tls, l->tls, (enum tls_alpn)l->tls_alpn, l->tls_plain, c->stream.peer,
			 uv_now(n->loop) + l->tls->handshake_ms);
	}
	c->net = n;
	c->peer = c->stream.peer;
	c->ops = ops;
	c->owner = owner;
	linebuf_init(&c->in, n->cfg.max_line);
	c->last_input_ms = uv_now(n->loop);
	r = stream_accept(&c->stream, server);
	if (r < 0) {
		c->ops = &conn_noops; /* freed by the close callback */
		return r;
	}
	*out = c;
	if (c->stream.refused) {
		/* Cheap: no owner state, no input read; conn_refuse sends one line and closes. */
		c->ops = &conn_noops;
		c->owner = NULL;
		c->in.paused = true;
		return CONN_REFUSED;
	}
	return 0;
}

int conn_refused(const struct conn *c, unsigned *limit)
{
	*limit = c->stream.refused_limit;
	return c->stream.refused;
}

void conn_refuse(struct conn *c, const char *text, size_t len)
{
	conn_send_str(c, text, len);
	conn_close_after_flush(c);
}

void conn_send_str(struct conn *c, const char *s, size_t len)
{
	if (c->mode == CONN_WS) {
		conn_ws_send_str(c, s, len);
		return;
	}
	struct frame *f = frame_from(s, len);
	conn_send(c, f);
	frame_unref(f);
}

void conn_pause(struct conn *c)
{
	c->flags |= CONN_PAUSED;
	c->flags &= ~CONN_RESUME;
	c->in.paused = true;
}

void conn_resume(struct conn *c)
{
	if (!(c->flags & CONN_PAUSED) || (c->stream.flags & STREAM_CLOSING))
		return;
	/* Deferred to the flush: the caller may be deep inside a hub call for another session. */
	c->flags |= CONN_RESUME;
	stream_wake(&c->stream);
}

void conn_close(struct conn *c)
{
	stream_close(&c->stream);
}

void conn_close_after_flush(struct conn *c)
{
	/* Lines already read and not yet delivered stay undelivered. */
	c->in.paused = true;
	if (c->mode == CONN_WS)
		conn_ws_close(c, CONN_WS_NORMAL, "");
	else
		stream_close_after_flush(&c->stream);
}

bool conn_is_closing(const struct conn *c)
{
	return stream_is_closing(&c->stream);
}

size_t conn_queued(const struct conn *c)
{
	return stream_queued(&c->stream);
}

void conn_drop_unsent(struct conn *c)
{
	stream_drop_unsent(&c->stream);
}

bool conn_is_tls(const struct conn *c)
{
	return c->stream.tls != NULL;
}

const char *conn_certfp(const struct conn *c)
{
	const struct tls *t = c->stream.tls;
	return t && t->certfp[0] ? t->certfp : NULL;
}
