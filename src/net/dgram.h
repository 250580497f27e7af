/* dgram: one bound UDP socket on a libuv loop. Knows nothing of chat.
 *
 * Receiving. Every datagram is handed to the owner's callback with its source address, read into a
 * 64 KiB buffer inside the dgram (larger than any UDP payload, so nothing is ever truncated). libuv
 * reads at most 32 datagrams per wakeup, so one flooding source cannot starve the loop.
 *
 * Sending. A datagram is `head`, a slice of a refcounted frame, and `tail`, sent as one gather
 * (the frame, shared with other recipients, is never copied or modified). It is sent at once with
 * uv_udp_try_send when the kernel takes it; otherwise it joins libuv's send queue with a reference
 * to the frame and a copy of head and tail, until its send callback. The queue is bounded
 * (max_queued bytes): past it a datagram is dropped and counted, which for UDP is just loss, seen as
 * such by the peer. No request references anything but the dgram and the frame.
 *
 * Lifetime. dgram_open allocates; dgram_close stops receiving and closes the handle, at once or
 * when the send queue is empty; libuv cancels what is still queued (ECANCELED) before the close
 * callback, which frees the dgram. */
#ifndef CHARLA_NET_DGRAM_H
#define CHARLA_NET_DGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct dgram;
struct frame;

enum { DGRAM_HEAD_MAX = 256, DGRAM_TAIL_MAX = 16 };

typedef void (*dgram_recv_cb)(struct dgram *d, const char *data, size_t len,
			      const struct sockaddr *from);
/* The handle is closed; the dgram is freed right after this returns. */
typedef void (*dgram_closed_cb)(struct dgram *d);

struct dgram {
	uv_udp_t udp;
	dgram_recv_cb on_recv;
	dgram_closed_cb on_closed; /* optional; the owner may set it after dgram_open */
	void *owner;
	struct dgram *next;     /* for the owner's list */
	size_t max_queued;
	uint64_t received;      /* datagrams */
	uint64_t sent;          /* datagrams sent or queued */
	uint64_t dropped;       /* datagrams dropped: queue full or a send error */
	bool closing;
	bool close_when_empty;
	char name[64];          /* the bound address, "[::]:7777" */
	char buf[65536];
};

/* Binds a UDP socket to sa and starts receiving. IPv6 sockets are IPv6-only, so that "[::]" and
 * "0.0.0.0" can be bound side by side. Returns NULL with the reason in err. */
struct dgram *dgram_open(uv_loop_t *loop, const struct sockaddr *sa, size_t max_queued,
			 dgram_recv_cb on_recv, void *owner, char *err, size_t errlen);
/* Sends head + f->data[off, off + len) + tail to `to` (f may be NULL when len is 0); head is at
 * most DGRAM_HEAD_MAX bytes and tail DGRAM_TAIL_MAX (UV_EINVAL otherwise). Returns 0 if sent or
 * queued, UV_ENOBUFS if dropped because the queue is full, or another libuv error. */
int dgram_send(struct dgram *d, const struct sockaddr *to, const char *head, size_t headlen,
	       struct frame *f, size_t off, size_t len, const char *tail, size_t taillen);
/* Stops receiving and closes; with flush, only once the send queue has emptied. Idempotent; a
 * second call without flush closes at once. */
void dgram_close(struct dgram *d, bool flush);
/* The bound port. */
int dgram_port(const struct dgram *d);

#endif
