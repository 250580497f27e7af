#include "net/conn.h"

#include <assert.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#if defined(__linux__)
#include <linux/sockios.h>
#endif

#include "base/frame.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "net/addr.h"

enum {
	/* Buffers per writev: Linux's IOV_MAX. Frames are small (one chat line each), so under load a
	 * queue holds hundreds; each writev is a TCP push, a packet and a wakeup of the reader, so
	 * one call for all of them costs far less than one per 64. The array is 16 KiB of stack. */
	CONN_IOV_MAX = 1024,
	CONN_WRITE_MAX = 256 * 1024,    /* bytes per conn per flush, so one conn cannot hog the loop */
	SWEEP_MS = 1000,
	LINGER_POLL_MS = 50,            /* how often lingering conns are checked */
};

static void conn_flush_cb(uv_prepare_t *h);

/* For a conn that never got an owner (uv_accept failed). */
static const struct conn_ops conn_noops;
static void conn_sweep_cb(uv_timer_t *t);

int net_init(struct net *n, uv_loop_t *loop, const struct net_config *cfg, const struct logger *log)
{
	memset(n, 0, sizeof(*n));
	n->loop = loop;
	n->log = log;
	n->cfg = *cfg;
	list_init(&n->pending);
	list_init(&n->lingering);
	list_init(&n->all);
	int r = uv_timer_init(loop, &n->linger);
	if (r < 0)
		return r;
	n->linger.data = n;
	uv_unref((uv_handle_t *)&n->linger);
	r = uv_prepare_init(loop, &n->flush);
	if (r < 0)
		return r;
	n->flush.data = n;
	uv_prepare_start(&n->flush, conn_flush_cb);
	r = uv_timer_init(loop, &n->sweep);
	if (r < 0)
		return r;
	n->sweep.data = n;
	uv_timer_start(&n->sweep, conn_sweep_cb, SWEEP_MS, SWEEP_MS);
	/* Neither handle should keep the loop alive on its own. */
	uv_unref((uv_handle_t *)&n->flush);
	uv_unref((uv_handle_t *)&n->sweep);
	return 0;
}

void net_close(struct net *n)
{
	if (!uv_is_closing((uv_handle_t *)&n->flush))
		uv_close((uv_handle_t *)&n->flush, NULL);
	if (!uv_is_closing((uv_handle_t *)&n->sweep))
		uv_close((uv_handle_t *)&n->sweep, NULL);
	if (!uv_is_closing((uv_handle_t *)&n->linger))
		uv_close((uv_handle_t *)&n->linger, NULL);
}

static void conn_mark_pending(struct conn *c)
{
	/* A lingering conn has written its last byte and its FIN: nothing is pending ever again. */
	if (c->flags & (CONN_PENDING | CONN_CLOSING | CONN_LINGER))
		return;
	c->flags |= CONN_PENDING;
	list_push_front(&c->net->pending, &c->work);
}

/* A closing conn must leave the pending list: it is freed before the next flush runs. */
static void conn_unmark_pending(struct conn *c)
{
	if (!(c->flags & CONN_PENDING))
		return;
	list_remove(&c->work);
	c->flags &= ~CONN_PENDING;
}

/* ---- reading ---- */

static void conn_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct conn *c = h->data;
	struct net *n = c->net;
	/* libuv reads synchronously right after this returns and calls read_cb before any other
	 * alloc_cb, so the shared buffer is free again by then; the flag proves it in debug builds. */
	assert(!n->readbuf_busy);
	n->readbuf_busy = true;
	*buf = uv_buf_init(n->readbuf, sizeof(n->readbuf));
}

static bool conn_line_cb(void *arg, enum linebuf_event ev, char *line, size_t len)
{
	struct conn *c = arg;
	if (c->flags & (CONN_CLOSING | CONN_DRAINING))
		return false;
	return c->ops->line(c, ev == LINEBUF_LINE ? line : NULL, len, ev == LINEBUF_TOO_LONG);
}

static void conn_stop_reading(struct conn *c)
{
	if (c->flags & CONN_READING) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->flags &= ~CONN_READING;
	}
}

static void conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void conn_start_reading(struct conn *c)
{
	if (c->flags & (CONN_READING | CONN_CLOSING))
		return;
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb, conn_read_cb) == 0)
		c->flags |= CONN_READING;
}

static void conn_gone(struct conn *c, int status)
{
	if (c->flags & CONN_CLOSING)
		return;
	if (c->flags & (CONN_DRAINING | CONN_LINGER)) {
		/* The owner already let go; the peer closing is what we were waiting for. */
		conn_close(c);
		return;
	}
	c->ops->gone(c, status);
	conn_close(c);
}

/* libuv reports UV_EOF for a POLLHUP that follows a short read without reading the socket's
 * error, so a peer's RST that came right after its last bytes would pass for a FIN. The pending
 * error (read and cleared by SO_ERROR) tells the two apart. */
static int conn_read_error(struct conn *c, int status)
{
	uv_os_fd_t fd;
	int err = 0;
	socklen_t len = sizeof(err);
	if (status == UV_EOF && uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
		return uv_translate_sys_error(err);
	return status;
}

static void conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = s->data;
	struct net *n = c->net;
	(void)buf;
	n->readbuf_busy = false;
	if (nread == 0)
		return;
	if (nread < 0) {
		conn_gone(c, conn_read_error(c, (int)nread));
		return;
	}
	if (c->flags & (CONN_CLOSING | CONN_LINGER | CONN_DRAINING))
		return; /* input after we stopped listening is discarded */
	c->last_input_ms = uv_now(n->loop);
	linebuf_feed(&c->in, n->readbuf, (size_t)nread, conn_line_cb, c);
	if ((c->flags & CONN_PAUSED) && linebuf_pending(&c->in) > n->cfg.max_paused)
		conn_stop_reading(c);
	if (c->ops->input && !(c->flags & (CONN_CLOSING | CONN_DRAINING)))
		c->ops->input(c);
}

/* ---- accepting ---- */

static void conn_format_peer(struct conn *c)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		addr_format((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	else
		strcpy(c->peer, "?");
}

/* Keepalive probes start after `idle` seconds of silence; libuv sets only that, leaving the
 * kernel's 75 s x 9 probes, which would keep a vanished peer's name taken for over eleven minutes.
 * Probing every 10 s, 6 times, frees it about a minute after the idle time. */
static void conn_keepalive(struct conn *c, unsigned idle)
{
	uv_tcp_keepalive(&c->tcp, 1, idle);
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0) {
		int intvl = 10, cnt = 6;
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	}
}

static void conn_free_cb(uv_handle_t *h)
{
	struct conn *c = h->data;
	struct net *n = c->net;
	list_remove(&c->link);
	n->count--;
	if (c->ops->closed)
		c->ops->closed(c);
	outq_clear(&c->out);
	linebuf_free(&c->in);
	free(c);
}

int conn_accept(struct net *n, uv_stream_t *server, const struct conn_ops *ops, void *owner,
		struct conn **out)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	c->net = n;
	c->ops = ops;
	c->owner = owner;
	linebuf_init(&c->in, n->cfg.max_line);
	outq_init(&c->out);
	int r = uv_tcp_init(n->loop, &c->tcp);
	if (r < 0) {
		free(c);
		return r;
	}
	c->tcp.data = c;
	/* Linked before anything can fail, so that the close callback can always unlink it. */
	list_push_front(&n->all, &c->link);
	n->count++;
	r = uv_accept(server, (uv_stream_t *)&c->tcp);
	if (r < 0) {
		c->flags |= CONN_CLOSING;
		c->ops = &conn_noops;
		uv_close((uv_handle_t *)&c->tcp, conn_free_cb);
		return r;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	if (n->cfg.keepalive_s)
		conn_keepalive(c, n->cfg.keepalive_s);
	conn_format_peer(c);
	c->last_input_ms = uv_now(n->loop);
	*out = c;
	conn_start_reading(c);
	return 0;
}

/* ---- writing ---- */

static void conn_check_limits(struct conn *c)
{
	enum outq_verdict v = outq_check(&c->out, &c->net->cfg.outq, uv_now(c->net->loop));
	if (v != OUTQ_OK && !(c->flags & (CONN_OVERFLOW | CONN_DRAINING))) {
		c->flags |= CONN_OVERFLOW;
		/* Remember which limit; overflow is reported from the flush. */
		c->verdict = v;
		conn_mark_pending(c);
	}
}

/* True when the queue is within both limits and was not above the soft one: outq_check would
 * then say OK and change nothing, so conn_send skips it and its clock read (once per delivery). */
static bool conn_within_limits(const struct conn *c)
{
	const struct outq_limits *lim = &c->net->cfg.outq;
	size_t bytes = c->out.bytes;
	return (!lim->hard || bytes <= lim->hard) && (!lim->soft || bytes <= lim->soft) &&
	       !c->out.soft_since;
}

void conn_send(struct conn *c, struct frame *f)
{
	if (c->flags & (CONN_CLOSING | CONN_LINGER))
		return;
	outq_push(&c->out, frame_ref(f));
	conn_mark_pending(c);
	if (!(c->flags & CONN_DRAINING) && !conn_within_limits(c))
		conn_check_limits(c);
}

void conn_send_str(struct conn *c, const char *s, size_t len)
{
	struct frame *f = frame_from(s, len);
	conn_send(c, f);
	frame_unref(f);
}

static void conn_flush(struct conn *c);
static void conn_do_resume(struct conn *c);

static void conn_linger_cb(uv_timer_t *t);

static void conn_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;
	if (c->flags & CONN_CLOSING)
		return;
	if (status < 0) {
		conn_close(c);
		return;
	}
	/* The FIN is out; keep reading (and discarding) until the peer's EOF, the reset or the
	 * deadline, whichever comes first. */
	struct net *n = c->net;
	c->fin_ms = uv_now(n->loop);
	list_push_back(&n->lingering, &c->work);
	if (!uv_is_active((uv_handle_t *)&n->linger))
		uv_timer_start(&n->linger, conn_linger_cb, LINGER_POLL_MS, LINGER_POLL_MS);
}

static void conn_finish_drain(struct conn *c)
{
	/* Everything is written: send FIN, then linger for the peer's EOF. */
	conn_unmark_pending(c);
	c->flags &= ~CONN_DRAINING;
	c->flags |= CONN_LINGER;
	c->sreq.data = c;
	if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, conn_shutdown_cb) < 0) {
		conn_close(c);
		return;
	}
	conn_start_reading(c);
}

static void conn_write_cb(uv_write_t *req, int status)
{
	struct conn *c = req->data;
	c->flags &= ~CONN_WRITING;
	if (c->flags & CONN_CLOSING)
		return;
	if (status < 0) {
		conn_gone(c, status);
		return;
	}
	outq_consume(&c->out, c->inflight);
	c->inflight = 0;
	if (c->out.count)
		conn_mark_pending(c);
	else if (c->flags & CONN_DRAINING)
		conn_finish_drain(c);
}

/* Writes what it can of bufs[0..nb) without blocking; *want gets the bytes offered. When several
 * frames fit in the net's gather buffer they are copied there and written as one buffer: the kernel
 * copies each iovec on its own, at a cost per buffer close to that of copying a whole chat line,
 * so one memcpy per frame here saves about a third of charlad's CPU in a fan-out (bench/README.md).
 * Otherwise (one frame, or a frame too big to gather) the buffers go as they are. Returns the bytes
 * written or a libuv error. */
static int conn_try_write(struct conn *c, const uv_buf_t *bufs, unsigned nb, size_t *want)
{
	struct net *n = c->net;
	if (nb >= 2) {
		size_t len = 0;
		unsigned k = 0;
		while (k < nb && bufs[k].len <= sizeof(n->gather) - len) {
			memcpy(n->gather + len, bufs[k].base, bufs[k].len);
			len += bufs[k].len;
			k++;
		}
		if (k >= 2) {
			*want = len;
			uv_buf_t one = uv_buf_init(n->gather, (unsigned)len);
			return uv_try_write((uv_stream_t *)&c->tcp, &one, 1);
		}
	}
	*want = 0;
	for (unsigned i = 0; i < nb; i++)
		*want += bufs[i].len;
	return uv_try_write((uv_stream_t *)&c->tcp, bufs, nb);
}

static void conn_flush(struct conn *c)
{
	uv_buf_t bufs[CONN_IOV_MAX];
	size_t budget = CONN_WRITE_MAX;
	while (c->out.count && !(c->flags & (CONN_WRITING | CONN_CLOSING))) {
		/* About what one gather holds, so that little is filled only to wait for the next. */
		size_t chunk = budget < sizeof(c->net->gather) ? budget : sizeof(c->net->gather);
		unsigned nb = outq_fill(&c->out, bufs, CONN_IOV_MAX, chunk);
		size_t want;
		int r = conn_try_write(c, bufs, nb, &want);
		if (r >= 0) {
			outq_consume(&c->out, (size_t)r);
			budget = (size_t)r >= budget ? 0 : budget - (size_t)r;
			if ((size_t)r == want && budget)
				continue;
		} else if (r != UV_EAGAIN) {
			conn_gone(c, r);
			return;
		}
		if (!c->out.count)
			break;
		if (!budget && (size_t)r == want) {
			/* Fair share spent with the socket still writable: go on next iteration. */
			conn_mark_pending(c);
			return;
		}
		/* The kernel buffer is full: hand the rest to libuv, which waits for writability. */
		nb = outq_fill(&c->out, bufs, CONN_IOV_MAX, CONN_WRITE_MAX);
		c->inflight = 0;
		for (unsigned i = 0; i < nb; i++)
			c->inflight += bufs[i].len;
		c->wreq.data = c;
		r = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, bufs, nb, conn_write_cb);
		if (r < 0) {
			c->inflight = 0;
			conn_gone(c, r);
			return;
		}
		c->flags |= CONN_WRITING;
		return;
	}
	if (!c->out.count && !(c->flags & (CONN_WRITING | CONN_CLOSING)) &&
	    (c->flags & CONN_DRAINING))
		conn_finish_drain(c);
}

static void conn_flush_cb(uv_prepare_t *h)
{
	struct net *n = h->data;
	/* Pop until empty: flushing and overflow handling may put conns (even this one) back. */
	struct list_node *node;
	while ((node = list_first(&n->pending))) {
		struct conn *c = list_entry(node, struct conn, work);
		conn_unmark_pending(c);
		if (c->flags & CONN_RESUME) {
			conn_do_resume(c);
			if (c->flags & CONN_CLOSING)
				continue;
		}
		if (c->flags & CONN_OVERFLOW) {
			c->flags &= ~CONN_OVERFLOW;
			c->ops->overflow(c, c->verdict);
			if (c->flags & CONN_CLOSING)
				continue;
		}
		conn_flush(c);
	}
}

/* ---- pausing, closing ---- */

void conn_pause(struct conn *c)
{
	c->flags |= CONN_PAUSED;
	c->in.paused = true;
}

void conn_resume(struct conn *c)
{
	if (!(c->flags & CONN_PAUSED) || (c->flags & CONN_CLOSING))
		return;
	/* Deferred to the flush: the caller may be deep inside a hub call for another session. */
	c->flags |= CONN_RESUME;
	conn_mark_pending(c);
}

static void conn_do_resume(struct conn *c)
{
	c->flags &= ~(CONN_PAUSED | CONN_RESUME);
	if (conn_is_closing(c))
		return;
	linebuf_resume(&c->in, conn_line_cb, c);
	if (!conn_is_closing(c) && !(c->flags & CONN_PAUSED))
		conn_start_reading(c);
}

void conn_close(struct conn *c)
{
	if (c->flags & CONN_CLOSING)
		return;
	conn_unmark_pending(c);
	list_remove(&c->work); /* the lingering list */
	c->flags |= CONN_CLOSING;
	conn_stop_reading(c);
	uv_close((uv_handle_t *)&c->tcp, conn_free_cb);
}

void conn_close_after_flush(struct conn *c)
{
	if (c->flags & (CONN_CLOSING | CONN_DRAINING | CONN_LINGER))
		return;
	c->flags |= CONN_DRAINING;
	c->flags &= ~CONN_OVERFLOW;
	c->deadline_ms = uv_now(c->net->loop) + c->net->cfg.linger_ms;
	/* Input is no longer delivered, but we keep reading to notice the peer going away. */
	c->in.paused = true;
	conn_start_reading(c);
	conn_mark_pending(c);
}

bool conn_is_closing(const struct conn *c)
{
	return (c->flags & (CONN_CLOSING | CONN_DRAINING | CONN_LINGER)) != 0;
}

size_t conn_queued(const struct conn *c)
{
	return c->out.bytes;
}

void conn_drop_unsent(struct conn *c)
{
	outq_drop_unsent(&c->out, (c->flags & CONN_WRITING) ? c->inflight : 0);
}

/* Whether the peer's kernel has acknowledged every byte we sent, and our FIN: what is left for it
 * to lose is only what its program has not read yet. Linux says so through SIOCOUTQ (bytes sent
 * and not acknowledged, the FIN counting as one); elsewhere we cannot tell, and never reset. */
static bool conn_all_acked(struct conn *c)
{
#if defined(SIOCOUTQ)
	uv_os_fd_t fd;
	int unacked = 0;
	return uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 && ioctl(fd, SIOCOUTQ, &unacked) == 0 &&
	       unacked == 0;
#else
	(void)c;
	return false;
#endif
}

/* Closes with a reset (SO_LINGER of zero) rather than a FIN: the peer sees its connection gone
 * for good at once, even if it is waiting for something else (a terminal) to write to it. */
static void conn_reset(struct conn *c)
{
	uv_os_fd_t fd;
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	conn_close(c);
}

static void conn_linger_cb(uv_timer_t *t)
{
	struct net *n = t->data;
	uint64_t now = uv_now(n->loop);
	uint64_t grace = n->cfg.reset_grace_ms;
	list_each_safe(node, &n->lingering) {
		struct conn *c = list_entry(node, struct conn, work);
		if (now >= c->deadline_ms)
			conn_close(c);
		else if (grace && now - c->fin_ms >= grace && conn_all_acked(c))
			conn_reset(c);
	}
	if (list_empty(&n->lingering))
		uv_timer_stop(t);
}

static void conn_sweep_cb(uv_timer_t *t)
{
	struct net *n = t->data;
	uint64_t now = uv_now(n->loop);
	list_each_safe(node, &n->all) {
		struct conn *c = list_entry(node, struct conn, link);
		if (c->flags & CONN_CLOSING)
			continue;
		if (c->flags & (CONN_DRAINING | CONN_LINGER)) {
			if (now >= c->deadline_ms)
				conn_close(c);
			continue;
		}
		if (c->flags & CONN_OVERFLOW)
			continue;
		/* A conn above its soft limit with nothing new arriving must still be judged. */
		if (c->out.soft_since)
			conn_check_limits(c);
		if (c->ops->tick)
			c->ops->tick(c, now);
	}
}
