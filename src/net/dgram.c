#include "net/dgram.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/frame.h"
#include "base/xalloc.h"
#include "net/addr.h"

enum { DGRAM_SOCKBUF = 1024 * 1024 };

/* A datagram waiting in libuv's queue: the frame reference and copies of head and tail. */
struct dgram_req {
	uv_udp_send_t req;
	struct frame *f;
	char bytes[];  /* head, then tail */
};

static void dgram_free_cb(uv_handle_t *h)
{
	struct dgram *d = h->data;
	if (d->on_closed)
		d->on_closed(d);
	free(d);
}

static void dgram_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct dgram *d = h->data;
	*buf = uv_buf_init(d->buf, sizeof(d->buf));
}

static void dgram_recv_cb_uv(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
			     const struct sockaddr *from, unsigned flags)
{
	(void)buf;
	struct dgram *d = h->data;
	/* nread == 0 without an address: nothing more to read now. Errors on an unconnected socket
	 * concern one earlier datagram to one peer; there is nothing to do about them. A partial
	 * datagram cannot happen with a 64 KiB buffer, and would not be a whole message. */
	if (nread < 0 || !from || d->closing || (flags & UV_UDP_PARTIAL))
		return;
	d->received++;
	d->on_recv(d, d->buf, (size_t)nread, from);
}

struct dgram *dgram_open(uv_loop_t *loop, const struct sockaddr *sa, size_t max_queued,
			 dgram_recv_cb on_recv, void *owner, char *err, size_t errlen)
{
	struct dgram *d = xcalloc(1, sizeof(*d));
	d->on_recv = on_recv;
	d->owner = owner;
	d->max_queued = max_queued;
	addr_format(sa, d->name, sizeof(d->name));
	int r = uv_udp_init(loop, &d->udp);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", d->name, uv_strerror(r));
		free(d);
		return NULL;
	}
	d->udp.data = d;
	unsigned flags = sa->sa_family == AF_INET6 ? UV_UDP_IPV6ONLY : 0;
	r = uv_udp_bind(&d->udp, sa, flags);
	if (r == 0)
		r = uv_udp_recv_start(&d->udp, dgram_alloc_cb, dgram_recv_cb_uv);
	if (r < 0) {
		snprintf(err, errlen, "cannot bind UDP %s: %s", d->name, uv_strerror(r));
		d->closing = true;
		uv_close((uv_handle_t *)&d->udp, dgram_free_cb);
		return NULL;
	}
	/* One socket serves every peer: ask for buffers that absorb a burst (the kernel caps this
	 * at net.core.rmem_max and wmem_max; best effort). */
	int size = DGRAM_SOCKBUF;
	uv_recv_buffer_size((uv_handle_t *)&d->udp, &size);
	size = DGRAM_SOCKBUF;
	uv_send_buffer_size((uv_handle_t *)&d->udp, &size);
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_udp_getsockname(&d->udp, (struct sockaddr *)&ss, &len) == 0)
		addr_format((struct sockaddr *)&ss, d->name, sizeof(d->name));
	return d;
}

int dgram_port(const struct dgram *d)
{
	struct sockaddr_storage ss;
	int len = sizeof(ss);
	if (uv_udp_getsockname(&d->udp, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void dgram_sent_cb(uv_udp_send_t *req, int status)
{
	struct dgram_req *dr = (struct dgram_req *)req;
	struct dgram *d = req->handle->data;
	(void)status; /* a datagram that could not go is lost, which the peer sees */
	frame_unref(dr->f);
	free(dr);
	if (d->close_when_empty && !d->closing && uv_udp_get_send_queue_count(&d->udp) == 0) {
		d->closing = true;
		uv_close((uv_handle_t *)&d->udp, dgram_free_cb);
	}
}

int dgram_send(struct dgram *d, const struct sockaddr *to, const char *head, size_t headlen,
	       struct frame *f, size_t off, size_t len, const char *tail, size_t taillen)
{
	if (d->closing)
		return UV_ECANCELED;
	uv_buf_t bufs[3];
	unsigned n = 0;
	/* uv_buf_t wants a char *; libuv only reads these bytes. The copies below are ours. */
	char headcopy[DGRAM_HEAD_MAX], tailcopy[DGRAM_TAIL_MAX];
	if (headlen) {
		if (headlen > sizeof(headcopy))
			return UV_EINVAL;
		memcpy(headcopy, head, headlen);
		bufs[n++] = uv_buf_init(headcopy, (unsigned)headlen);
	}
	if (len)
		bufs[n++] = uv_buf_init(f->data + off, (unsigned)len);
	if (taillen) {
		if (taillen > sizeof(tailcopy))
			return UV_EINVAL;
		memcpy(tailcopy, tail, taillen);
		bufs[n++] = uv_buf_init(tailcopy, (unsigned)taillen);
	}
	int r = uv_udp_try_send(&d->udp, bufs, n, to);
	if (r >= 0) {
		d->sent++;
		return 0;
	}
	if (r != UV_EAGAIN) {
		d->dropped++;
		return r;
	}
	size_t total = headlen + len + taillen;
	if (uv_udp_get_send_queue_size(&d->udp) + total > d->max_queued) {
		d->dropped++;
		return UV_ENOBUFS;
	}
	struct dgram_req *dr = xmalloc(sizeof(*dr) + headlen + taillen);
	memcpy(dr->bytes, head, headlen);
	memcpy(dr->bytes + headlen, tail, taillen);
	n = 0;
	if (headlen)
		bufs[n++] = uv_buf_init(dr->bytes, (unsigned)headlen);
	if (len)
		n++; /* the frame slice, as above */
	if (taillen)
		bufs[n++] = uv_buf_init(dr->bytes + headlen, (unsigned)taillen);
	dr->f = len ? frame_ref(f) : NULL;
	r = uv_udp_send(&dr->req, &d->udp, bufs, n, to, dgram_sent_cb);
	if (r < 0) {
		frame_unref(dr->f);
		free(dr);
		d->dropped++;
		return r;
	}
	d->sent++;
	return 0;
}

void dgram_close(struct dgram *d, bool flush)
{
	if (d->closing)
		return;
	uv_udp_recv_stop(&d->udp);
	if (flush && uv_udp_get_send_queue_count(&d->udp) > 0) {
		d->close_when_empty = true;
		return;
	}
	d->closing = true;
	uv_close((uv_handle_t *)&d->udp, dgram_free_cb);
}
