#include "net/stream.h"

#include <assert.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#if defined(__linux__)
#include <linux/sockios.h>
#endif

#include "base/frame.h"
#include "net/addr.h"
#include "net/tls.h"

enum {
	/* Buffers per writev: Linux's IOV_MAX. Frames are small (one chat line each), so under load a
	 * queue holds hundreds; each writev is a TCP push, a packet and a wakeup of the reader, so
	 * one call for all of them costs far less than one per 64. The array is 16 KiB of stack. */
	STREAM_IOV_MAX = 1024,
	STREAM_WRITE_MAX = 256 * 1024,  /* bytes per stream per flush, so one cannot hog the loop */
	/* Keepalive probes after the idle time: every 10 s, 6 times (see stream_keepalive). */
	KEEPALIVE_INTERVAL_S = 10,
	KEEPALIVE_PROBES = 6,
	/* TLS: plaintext is sealed at most this far ahead of the socket; the rest waits in the
	 * plaintext queue, where the output limits see it. */
	STREAM_TLS_SEALED = 64 * 1024,
	STREAM_TLS_IOV = 64,  /* buffers gathered per seal */
};

static void stream_mark_pending(struct stream *s)
{
	/* A lingering stream has written its last byte and its FIN: nothing is pending ever again. */
	if (s->flags & (STREAM_PENDING | STREAM_CLOSING | STREAM_LINGER))
		return;
	s->flags |= STREAM_PENDING;
	list_push_front(&s->net->pending, &s->work);
}

/* A closing stream must leave the pending list: it is freed before the next flush runs. */
static void stream_unmark_pending(struct stream *s)
{
	if (!(s->flags & STREAM_PENDING))
		return;
	list_remove(&s->work);
	s->flags &= ~STREAM_PENDING;
}

/* The queue whose bytes go to the socket: the plaintext queue itself, or with TLS the records
 * sealed from it. */
static struct outq *stream_wire(struct stream *s)
{
	return s->tls ? &s->tls->out : &s->out;
}

/* Queues the records the TLS engine produced (handshake, alerts, sealed data) for the socket. */
static void stream_tls_output(struct stream *s)
{
	struct frame *f = tls_output(s->tls);
	if (!f)
		return;
	outq_push(&s->tls->out, f);
	s->net->queued += f->len;
	stream_mark_pending(s);
}

/* Whether a graceful close still owes the peer its close_notify (sealed by the next flush). */
static bool stream_tls_notify_due(const struct stream *s)
{
	return s->tls && tls_ready(s->tls) && !(s->tls->flags & TLS_NOTIFIED) &&
	       (s->flags & STREAM_DRAINING);
}

/* Seals queued plaintext, up to STREAM_TLS_SEALED bytes ahead of the socket, gathering small
 * frames into one record; then, closing gracefully with nothing left, the close_notify. */
static void stream_tls_seal(struct stream *s)
{
	struct tls *t = s->tls;
	struct net *n = s->net;
	if (!tls_ready(t))
		return;
	while (s->out.count && t->out.bytes < STREAM_TLS_SEALED) {
		uv_buf_t bufs[STREAM_TLS_IOV];
		unsigned nb = outq_fill(&s->out, bufs, STREAM_TLS_IOV, sizeof(n->gather));
		size_t len = 0;
		for (unsigned i = 0; i < nb && len < sizeof(n->gather); i++) {
			size_t take = bufs[i].len < sizeof(n->gather) - len ? bufs[i].len
									 : sizeof(n->gather) - len;
			memcpy(n->gather + len, bufs[i].base, take);
			len += take;
		}
		tls_seal(t, n->gather, len);
		outq_consume(&s->out, len);
		n->queued -= len;
		stream_tls_output(s);
	}
	if (!s->out.count && (s->flags & STREAM_DRAINING)) {
		tls_close_notify(t);
		stream_tls_output(s);
	}
}

/* ---- reading ---- */

static void stream_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct stream *s = h->data;
	struct net *n = s->net;
	/* libuv reads synchronously right after this returns and calls read_cb before any other
	 * alloc_cb, so the shared buffer is free again by then; the flag proves it in debug builds. */
	assert(!n->readbuf_busy);
	n->readbuf_busy = true;
	*buf = uv_buf_init(n->readbuf, sizeof(n->readbuf));
}

static void stream_read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf);

static void stream_start_reading(struct stream *s)
{
	if (s->flags & (STREAM_READING | STREAM_CLOSING))
		return;
	if (uv_read_start((uv_stream_t *)&s->tcp, stream_alloc_cb, stream_read_cb) == 0)
		s->flags |= STREAM_READING;
}

static void stream_stop_reading(struct stream *s)
{
	if (s->flags & STREAM_READING) {
		uv_read_stop((uv_stream_t *)&s->tcp);
		s->flags &= ~STREAM_READING;
	}
}

void stream_read_start(struct stream *s)
{
	s->flags &= ~STREAM_HELD;
	if (!(s->flags & STREAM_TLS_FULL))
		stream_start_reading(s);
}

void stream_read_stop(struct stream *s)
{
	s->flags |= STREAM_HELD;
	/* A draining or lingering stream reads to notice the peer going away, whatever was held. */
	if (!stream_is_closing(s))
		stream_stop_reading(s);
}

/* Input makes the TLS engine write by itself (a KeyUpdate's answer, an alert), outside the
 * sealing bound and unseen by the output limits, which judge the plaintext queue: a peer that
 * writes and never reads would grow the records' queue as fast as it writes. So reading waits
 * while that queue is past the bound (one read's answers more at most), until the socket drains
 * it (stream_tls_unhold). */
static void stream_tls_hold(struct stream *s)
{
	if (s->tls->out.bytes < STREAM_TLS_SEALED || stream_is_closing(s))
		return;
	s->flags |= STREAM_TLS_FULL;
	stream_stop_reading(s);
}

static void stream_tls_unhold(struct stream *s)
{
	if (!(s->flags & STREAM_TLS_FULL) || s->tls->out.bytes >= STREAM_TLS_SEALED)
		return;
	s->flags &= ~STREAM_TLS_FULL;
	if (!(s->flags & STREAM_HELD))
		stream_start_reading(s);
}

static void stream_gone(struct stream *s, int status)
{
	if (s->flags & STREAM_CLOSING)
		return;
	if (s->flags & (STREAM_DRAINING | STREAM_LINGER)) {
		/* The layer above already let go; the peer closing is what we were waiting for. */
		stream_close(s);
		return;
	}
	s->ops->gone(s, status);
	stream_close(s);
}

/* libuv reports UV_EOF for a POLLHUP that follows a short read without reading the socket's
 * error, so a peer's RST that came right after its last bytes would pass for a FIN. The pending
 * error (read and cleared by SO_ERROR) tells the two apart. */
static int stream_read_error(struct stream *s, int status)
{
	uv_os_fd_t fd;
	int err = 0;
	socklen_t len = sizeof(err);
	if (status == UV_EOF && uv_fileno((uv_handle_t *)&s->tcp, &fd) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
		return uv_translate_sys_error(err);
	return status;
}

/* The seam for a filter (stream.h): bytes from the socket go up here, and only here. */
static void stream_tls_receive(struct stream *s, char *data, size_t len);

static void stream_receive(struct stream *s, char *data, size_t len)
{
	if (s->tls)
		stream_tls_receive(s, data, len);
	else
		s->ops->data(s, data, len);
}

/* Ciphertext read: the handshake advances, and the plaintext it yields goes up through
 * ops->data from the net's read buffer (the ciphertext in it was copied into the engine first). */
static void stream_tls_receive(struct stream *s, char *data, size_t len)
{
	struct tls *t = s->tls;
	int r = tls_input(t, data, len);
	stream_tls_output(s);
	if (r == TLS_FAIL && !tls_ready(t) && !stream_is_closing(s)) {
		/* A refused handshake: the alert that says why goes out, then the FIN; what the
		 * layer above queued meanwhile (a greeting) never does. */
		s->ops->gone(s, UV_EPROTO);
		if (s->flags & STREAM_CLOSING)
			return;
		s->net->queued -= s->out.bytes;
		outq_clear(&s->out);
		if ((t->flags & TLS_PLAIN) && t->plain) {
			/* A client speaking in clear is told so in clear, in its protocol. */
			struct frame *f = frame_from(t->plain, strlen(t->plain));
			outq_push(&t->out, f);
			s->net->queued += f->len;
		}
		stream_close_after_flush(s);
		return;
	}
	if (r == TLS_FAIL) {
		stream_gone(s, UV_EPROTO);
		return;
	}
	if (r == TLS_DONE && s->out.count)
		stream_mark_pending(s); /* what waited for the handshake (a greeting) */
	if (!tls_ready(t)) {
		stream_tls_hold(s);
		return;
	}
	while (!stream_is_closing(s)) {
		long got = tls_read(t, s->net->readbuf, sizeof(s->net->readbuf));
		if (got == TLS_AGAIN)
			break;
		if (got < 0) {
			stream_tls_output(s);
			stream_gone(s, got == TLS_EOF ? UV_EOF : UV_EPROTO);
			return;
		}
		s->ops->data(s, s->net->readbuf, (size_t)got);
	}
	if (!(s->flags & STREAM_CLOSING)) {
		stream_tls_output(s); /* a post-handshake message's answer, if any */
		stream_tls_hold(s);
	}
}

static void stream_read_cb(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	struct stream *s = h->data;
	(void)buf;
	s->net->readbuf_busy = false;
	if (nread == 0)
		return;
	if (nread < 0) {
		stream_gone(s, stream_read_error(s, (int)nread));
		return;
	}
	if (stream_is_closing(s)) {
		/* Input after the layer above let go is discarded; but a TLS handshake goes on, so
		 * that what was queued (a refusal) reaches the peer. */
		if (s->tls && !tls_ready(s->tls) && !(s->flags & (STREAM_CLOSING | STREAM_LINGER)))
			stream_tls_receive(s, s->net->readbuf, (size_t)nread);
		return;
	}
	stream_receive(s, s->net->readbuf, (size_t)nread);
}

/* Closes with a reset (SO_LINGER of zero) rather than a FIN: the peer sees its connection gone
 * for good at once, even if it is waiting for something else (a terminal) to write to it, and
 * nothing of it stays behind in TIME_WAIT. */
static void stream_abort(struct stream *s)
{
	uv_os_fd_t fd;
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	if (uv_fileno((uv_handle_t *)&s->tcp, &fd) == 0)
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	stream_close(s);
}

/* ---- opening ---- */

/* Formats the peer for logs and judges it by the net's limits (a peer whose address cannot be
 * read is neither counted nor refused). */
static void stream_judge_peer(struct stream *s)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_tcp_getpeername(&s->tcp, (struct sockaddr *)&ss, &len) != 0) {
		strcpy(s->peer, "?");
		return;
	}
	addr_format((struct sockaddr *)&ss, s->peer, sizeof(s->peer));
	if (!netlim_addr_from((struct sockaddr *)&ss, &s->addr))
		return;
	netlim_throttle_key(&s->addr, s->throttle);
	struct net *n = s->net;
	const char *why;
	uint64_t until;
	if (net_banned(n, &s->addr, &why, &until)) {
		s->refused = NETLIM_BANNED;
		n->refused[NETLIM_BANNED]++;
		return;
	}
	unsigned limit = 0;
	enum netlim_verdict v = netlim_admit(&n->limits, &s->addr, uv_now(n->loop), &limit);
	if (v == NETLIM_OK) {
		s->flags |= STREAM_COUNTED;
	} else if (v != NETLIM_EXEMPT) {
		s->refused = (uint8_t)v;
		s->refused_limit = limit;
		n->refused[v]++;
	}
}

/* Keepalive probes start after `idle` seconds of silence; libuv sets only that, leaving the
 * kernel's 75 s x 9 probes, which would keep a vanished peer's name taken for over eleven minutes.
 * Probing every 10 s, 6 times, frees it about a minute after the idle time. */
static void stream_keepalive(struct stream *s, unsigned idle)
{
	uv_tcp_keepalive(&s->tcp, 1, idle);
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&s->tcp, &fd) == 0) {
		int intvl = KEEPALIVE_INTERVAL_S, cnt = KEEPALIVE_PROBES;
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
		setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	}
}

static void stream_closed_cb(uv_handle_t *h)
{
	struct stream *s = h->data;
	list_remove(&s->link);
	s->net->count--;
	if (s->flags & STREAM_COUNTED)
		netlim_release(&s->net->limits, &s->addr);
	s->net->queued -= s->out.bytes;
	outq_clear(&s->out);
	if (s->tls) {
		s->net->queued -= s->tls->out.bytes;
		tls_free(s->tls);
	}
	s->ops->closed(s); /* last: it frees s */
}

int stream_init(struct stream *s, struct net *n, const struct stream_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->net = n;
	s->ops = ops;
	outq_init(&s->out);
	int r = uv_tcp_init(n->loop, &s->tcp);
	if (r < 0)
		return r;
	s->tcp.data = s;
	/* Linked as soon as the handle exists, so that the close callback can always unlink it. */
	list_push_front(&n->all, &s->link);
	n->count++;
	return 0;
}

int stream_accept(struct stream *s, uv_stream_t *server)
{
	struct net *n = s->net;
	int r = uv_accept(server, (uv_stream_t *)&s->tcp);
	if (r < 0) {
		stream_close(s);
		return r;
	}
	uv_tcp_nodelay(&s->tcp, 1);
	if (n->cfg.keepalive_s)
		stream_keepalive(s, n->cfg.keepalive_s);
	stream_judge_peer(s);
	if (s->tls && (s->refused == NETLIM_BANNED || s->refused == NETLIM_RATE)) {
		/* No handshake, no refusal: see stream.h. */
		stream_abort(s);
		return 0;
	}
	stream_start_reading(s);
	return 0;
}

/* ---- writing ---- */

static void stream_check_limits(struct stream *s)
{
	enum outq_verdict v = outq_check(&s->out, &s->net->cfg.outq, uv_now(s->net->loop));
	if (v != OUTQ_OK && !(s->flags & (STREAM_OVERFLOW | STREAM_DRAINING))) {
		s->flags |= STREAM_OVERFLOW;
		/* Remember which limit; overflow is reported from the flush. */
		s->verdict = v;
		stream_mark_pending(s);
	}
}

/* True when the queue is within both limits and was not above the soft one: outq_check would
 * then say OK and change nothing, so stream_send skips it and its clock read (once per delivery). */
static bool stream_within_limits(const struct stream *s)
{
	const struct outq_limits *lim = &s->net->cfg.outq;
	size_t bytes = s->out.bytes;
	return (!lim->hard || bytes <= lim->hard) && (!lim->soft || bytes <= lim->soft) &&
	       !s->out.soft_since;
}

void stream_send(struct stream *s, struct frame *f)
{
	if (s->flags & (STREAM_CLOSING | STREAM_LINGER))
		return;
	outq_push(&s->out, frame_ref(f));
	s->net->queued += f->len;
	stream_mark_pending(s);
	if (!(s->flags & STREAM_DRAINING) && !stream_within_limits(s))
		stream_check_limits(s);
}

void stream_wake(struct stream *s)
{
	if (s->flags & STREAM_CLOSING)
		return;
	s->flags |= STREAM_WAKE;
	stream_mark_pending(s);
}

static void stream_shutdown_cb(uv_shutdown_t *req, int status)
{
	struct stream *s = req->data;
	if (s->flags & STREAM_CLOSING)
		return;
	if (status < 0) {
		stream_close(s);
		return;
	}
	/* The FIN is out; keep reading (and discarding) until the peer's EOF, the reset or the
	 * deadline, whichever comes first. The net's flush arms its linger poll. */
	s->fin_ms = uv_now(s->net->loop);
	list_push_back(&s->net->lingering, &s->work);
}

static void stream_finish_drain(struct stream *s)
{
	/* Everything is written: send FIN, then linger for the peer's EOF. No write is in flight,
	 * so the request memory is free for the shutdown. */
	assert(!(s->flags & STREAM_WRITING));
	stream_unmark_pending(s);
	s->flags &= ~STREAM_DRAINING;
	s->flags |= STREAM_LINGER;
	s->req.shutdown.data = s;
	if (uv_shutdown(&s->req.shutdown, (uv_stream_t *)&s->tcp, stream_shutdown_cb) < 0) {
		stream_close(s);
		return;
	}
	stream_start_reading(s);
}

static void stream_write_cb(uv_write_t *req, int status)
{
	struct stream *s = req->data;
	s->flags &= ~STREAM_WRITING;
	if (s->flags & STREAM_CLOSING)
		return;
	if (status < 0) {
		stream_gone(s, status);
		return;
	}
	outq_consume(stream_wire(s), s->inflight);
	s->net->queued -= s->inflight;
	s->inflight = 0;
	if (s->tls)
		stream_tls_unhold(s);
	if (s->out.count || stream_wire(s)->count || stream_tls_notify_due(s))
		stream_mark_pending(s);
	else if (s->flags & STREAM_DRAINING)
		stream_finish_drain(s); /* libuv is done with req: reusing it is safe */
}

/* The seam for a filter (stream.h): the bytes the flush gathered go to the socket here. Writes
 * what it can of bufs[0..nb) without blocking; *want gets the bytes offered. When several frames
 * fit in the net's gather buffer they are copied there and written as one buffer: the kernel
 * copies each iovec on its own, at a cost per buffer close to that of copying a whole chat line,
 * so one memcpy per frame here saves about a third of charlad's CPU in a fan-out
 * (bench/README.md). Otherwise (one frame, or a frame too big to gather) the buffers go as they
 * are. Returns the bytes written or a libuv error. */
static int stream_transmit(struct stream *s, const uv_buf_t *bufs, unsigned nb, size_t *want)
{
	struct net *n = s->net;
	n->writes++;
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
			return uv_try_write((uv_stream_t *)&s->tcp, &one, 1);
		}
	}
	*want = 0;
	for (unsigned i = 0; i < nb; i++)
		*want += bufs[i].len;
	return uv_try_write((uv_stream_t *)&s->tcp, bufs, nb);
}

/* Writes the queue: at once what the kernel takes, then the rest with one uv_write. */
static void stream_write(struct stream *s)
{
	struct net *n = s->net;
	uv_buf_t bufs[STREAM_IOV_MAX];
	size_t budget = STREAM_WRITE_MAX;
	struct outq *q = stream_wire(s);
	while (!(s->flags & (STREAM_WRITING | STREAM_CLOSING))) {
		if (s->tls)
			stream_tls_seal(s);
		if (!q->count)
			break;
		/* About what one gather holds, so that little is filled only to wait for the next. */
		size_t chunk = budget < sizeof(n->gather) ? budget : sizeof(n->gather);
		unsigned nb = outq_fill(q, bufs, STREAM_IOV_MAX, chunk);
		size_t want;
		int r = stream_transmit(s, bufs, nb, &want);
		if (r >= 0) {
			outq_consume(q, (size_t)r);
			n->queued -= (size_t)r;
			if (s->tls)
				stream_tls_unhold(s);
			budget = (size_t)r >= budget ? 0 : budget - (size_t)r;
			if ((size_t)r == want && budget)
				continue;
		} else if (r != UV_EAGAIN) {
			stream_gone(s, r);
			return;
		}
		if (!q->count && !(s->tls && s->out.count))
			break;
		if (!budget && (size_t)r == want) {
			/* Fair share spent with the socket still writable: go on next turn. */
			stream_mark_pending(s);
			return;
		}
		/* The kernel buffer is full: hand the rest to libuv, which waits for writability. */
		nb = outq_fill(q, bufs, STREAM_IOV_MAX, STREAM_WRITE_MAX);
		s->inflight = 0;
		for (unsigned i = 0; i < nb; i++)
			s->inflight += bufs[i].len;
		s->req.write.data = s;
		n->writes++;
		r = uv_write(&s->req.write, (uv_stream_t *)&s->tcp, bufs, nb, stream_write_cb);
		if (r < 0) {
			s->inflight = 0;
			stream_gone(s, r);
			return;
		}
		s->flags |= STREAM_WRITING;
		return;
	}
	if (!s->out.count && !q->count && !(s->flags & (STREAM_WRITING | STREAM_CLOSING)) &&
	    (s->flags & STREAM_DRAINING))
		stream_finish_drain(s);
}

void stream_flush(struct stream *s)
{
	stream_unmark_pending(s);
	if (s->flags & STREAM_WAKE) {
		s->flags &= ~STREAM_WAKE;
		s->ops->wake(s);
		if (s->flags & STREAM_CLOSING)
			return;
	}
	if (s->flags & STREAM_OVERFLOW) {
		s->flags &= ~STREAM_OVERFLOW;
		s->ops->overflow(s, s->verdict);
		if (s->flags & STREAM_CLOSING)
			return;
	}
	stream_write(s);
}

/* ---- closing ---- */

void stream_close(struct stream *s)
{
	if (s->flags & STREAM_CLOSING)
		return;
	stream_unmark_pending(s);
	list_remove(&s->work); /* the lingering list */
	s->flags |= STREAM_CLOSING;
	s->flags &= ~STREAM_WAKE;
	stream_stop_reading(s);
	uv_close((uv_handle_t *)&s->tcp, stream_closed_cb);
}

void stream_close_after_flush(struct stream *s)
{
	if (stream_is_closing(s))
		return;
	s->flags |= STREAM_DRAINING;
	s->flags &= ~STREAM_OVERFLOW;
	s->deadline_ms = uv_now(s->net->loop) + s->net->cfg.linger_ms;
	/* Input is no longer delivered, but we keep reading to notice the peer going away. */
	stream_start_reading(s);
	stream_mark_pending(s);
}

bool stream_is_closing(const struct stream *s)
{
	return (s->flags & (STREAM_CLOSING | STREAM_DRAINING | STREAM_LINGER)) != 0;
}

size_t stream_queued(const struct stream *s)
{
	return s->out.bytes + (s->tls ? s->tls->out.bytes : 0);
}

void stream_drop_unsent(struct stream *s)
{
	size_t before = s->out.bytes;
	/* With TLS no plaintext is in flight: what was handed to the socket is sealed already. */
	outq_drop_unsent(&s->out, (s->flags & STREAM_WRITING) && !s->tls ? s->inflight : 0);
	s->net->queued -= before - s->out.bytes;
}

/* Whether the peer's kernel has acknowledged every byte we sent, and our FIN: what is left for it
 * to lose is only what its program has not read yet. Linux says so through SIOCOUTQ (bytes sent
 * and not acknowledged, the FIN counting as one); elsewhere we cannot tell, and never reset. */
static bool stream_all_acked(struct stream *s)
{
#if defined(SIOCOUTQ)
	uv_os_fd_t fd;
	int unacked = 0;
	return uv_fileno((uv_handle_t *)&s->tcp, &fd) == 0 && ioctl(fd, SIOCOUTQ, &unacked) == 0 &&
	       unacked == 0;
#else
	(void)s;
	return false;
#endif
}

/* Resets a lingering peer once it has our last bytes (counted for /metrics). */
static void stream_reset(struct stream *s)
{
	s->net->resets++;
	stream_abort(s);
}

void stream_linger_tick(struct stream *s, uint64_t now_ms)
{
	uint64_t grace = s->net->cfg.reset_grace_ms;
	if (now_ms >= s->deadline_ms)
		stream_close(s);
	else if (grace && now_ms - s->fin_ms >= grace && stream_all_acked(s))
		stream_reset(s);
}

void stream_tick(struct stream *s, uint64_t now_ms)
{
	if (s->flags & STREAM_CLOSING)
		return;
	if (s->tls && !tls_ready(s->tls) && now_ms >= s->tls->deadline_ms) {
		tls_timed_out(s->tls);
		stream_gone(s, UV_ETIMEDOUT);
		return;
	}
	if (s->flags & (STREAM_DRAINING | STREAM_LINGER)) {
		if (now_ms >= s->deadline_ms)
			stream_close(s);
		return;
	}
	if (s->flags & STREAM_OVERFLOW)
		return;
	/* A stream above its soft limit with nothing new arriving must still be judged. */
	if (s->out.soft_since)
		stream_check_limits(s);
	if (s->ops->tick)
		s->ops->tick(s, now_ms);
}
