/* conn: one TCP connection carrying lines in and frames out, on a libuv loop.
 *
 * Ownership and lifetime. A conn is created by the listener (conn_accept) and owned by the net it
 * belongs to. Its owner (a face, through `ops` and `owner`) never frees it: conn_close marks it
 * closing, stops reading and calls uv_close; when libuv's close callback runs, ops->closed tells the
 * owner (which frees its own state then) and only after that the conn's memory is released. libuv
 * guarantees a write still in flight completes, with UV_ECANCELED, before the close callback, so the
 * output queue (and the frames it references) is released in the close callback too. A conn is
 * therefore never freed inside one of its own callbacks, and a pointer to it stays valid until
 * ops->closed has returned.
 *
 * Input. All conns of a net read into one shared 64 KiB buffer (libuv on Unix reads synchronously
 * between alloc_cb and read_cb, so one buffer serves all); only a partial line is copied into the
 * conn's linebuf. libuv itself stops after 32 reads of one conn per wakeup, so a flood from one
 * client cannot starve the others.
 *
 * Output. conn_send appends a frame reference to the output queue and marks the conn pending. The net
 * flushes every pending conn once per loop iteration, just before the loop sleeps (a uv_prepare), with
 * one write per conn however many frames it has queued (small frames are first copied into one
 * shared gather buffer, which the kernel copies far faster than many small iovecs): a burst of
 * messages to a client costs one system call. What the kernel does not take is written
 * asynchronously with a single uv_write in flight per conn. Limits (outq.h) are checked on every
 * send; a conn that passes one is not closed there (the caller is deep inside a fan-out loop) but
 * flagged and handed to ops->overflow from the flush, outside any caller's iteration.
 *
 * Closing gracefully (conn_close_after_flush): reading stops, the queue is flushed, the write side is
 * shut down (FIN), and the conn lingers, discarding input until the peer closes or a deadline passes,
 * so that unread input in our receive buffer cannot turn the close into a reset that would destroy the
 * last lines before the peer reads them. A peer that never closes its side is reset once its kernel
 * has acknowledged every byte and our FIN (so the last lines are in its hands) and CONN_RESET_GRACE_MS
 * have passed: an interactive netcat, which after the server's FIN still waits for its terminal,
 * then exits by itself instead of hanging until the user presses Enter. Lingering conns are on a
 * list of their own, checked by a timer that runs only while the list is not empty. */
#ifndef CHARLA_NET_CONN_H
#define CHARLA_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/list.h"
#include "net/linebuf.h"
#include "net/outq.h"

struct conn;
struct frame;
struct logger;

struct conn_ops {
	/* A complete line (LF and CR removed); too_long = true when a line passed the limit (then
	 * line is NULL). Return false to stop delivering lines: the rest is kept (conn_resume). */
	bool (*line)(struct conn *c, char *line, size_t len, bool too_long);
	/* The peer closed, reset or timed out; `status` is UV_EOF or a libuv error. The conn is about
	 * to close; the owner unlinks what it has. Not called for conns already closing. */
	void (*gone)(struct conn *c, int status);
	/* The output queue passed a limit (verdict says which). The owner typically tells the client
	 * and calls conn_close_after_flush. Called from the flush, never from conn_send. */
	void (*overflow)(struct conn *c, enum outq_verdict verdict);
	/* Called once a second (the net's sweep) with the loop time in ms: idle and name timeouts. */
	void (*tick)(struct conn *c, uint64_t now_ms);
	/* The close callback ran; the owner frees its state. The conn is freed right after. */
	void (*closed)(struct conn *c);
	/* Optional: bytes arrived and their complete lines were delivered (linebuf_pending(&c->in)
	 * says whether a partial line is left). For protocols where a pause ends a message. */
	void (*input)(struct conn *c);
};

struct net_config {
	size_t max_line;
	struct outq_limits outq;
	unsigned keepalive_s;   /* TCP keepalive idle time; 0 = off */
	uint64_t linger_ms;     /* how long a gracefully closing conn waits for the peer's FIN */
	uint64_t reset_grace_ms; /* after the FIN is acknowledged, wait this long, then reset; 0: never */
	size_t max_paused;      /* bytes kept for a paused conn before it stops reading */
};

/* The shared state of all conns on one loop. Embedded in the server; never global. */
struct net {
	uv_loop_t *loop;
	const struct logger *log;
	struct net_config cfg;
	uv_prepare_t flush;
	uv_timer_t sweep;
	uv_timer_t linger;      /* runs while `lingering` is not empty */
	struct list pending;    /* conns with output to flush or an overflow to report */
	struct list lingering;  /* conns whose FIN is out, waiting for the peer's */
	struct list all;        /* every open conn, for the sweep and for shutdown */
	size_t count;
	bool readbuf_busy;
	char readbuf[65536];
	char gather[65536];     /* small frames are copied here to be written as one buffer */
};

enum {
	CONN_CLOSING = 1u << 0,  /* uv_close called or about to be */
	CONN_PENDING = 1u << 1,  /* on the net's pending list */
	CONN_WRITING = 1u << 2,  /* a uv_write is in flight */
	CONN_OVERFLOW = 1u << 3, /* passed an output limit; ops->overflow not yet called */
	CONN_DRAINING = 1u << 4, /* close after flush: no more input, flush, then shut down */
	CONN_LINGER = 1u << 5,   /* write side shut down; waiting for the peer's EOF */
	CONN_PAUSED = 1u << 6,   /* the owner stopped line delivery (linebuf paused) */
	CONN_READING = 1u << 7,  /* uv_read_start active */
	CONN_RESUME = 1u << 8,   /* conn_resume called; lines are delivered at the next flush */
};

struct conn {
	uv_tcp_t tcp;             /* first, so the handle and the conn share an address */
	struct net *net;
	const struct conn_ops *ops;
	void *owner;
	struct linebuf in;
	struct outq out;
	uv_write_t wreq;
	uv_shutdown_t sreq;
	size_t inflight;          /* bytes in the uv_write in flight */
	/* On the net's pending list or (once the FIN is out, when nothing is ever pending again) on
	 * its lingering list: never on both. */
	struct list_node work;
	struct list_node link;    /* on the net's list of all conns */
	uint64_t deadline_ms;     /* draining/lingering conns close by force at this time */
	uint64_t fin_ms;          /* when the FIN went out (lingering conns) */
	uint64_t last_input_ms;
	unsigned flags;
	enum outq_verdict verdict; /* which limit, while CONN_OVERFLOW is set */
	char peer[48];            /* "addr:port" for logs */
};

int net_init(struct net *n, uv_loop_t *loop, const struct net_config *cfg, const struct logger *log);
/* Closes the net's own handles (not the conns: close those first). */
void net_close(struct net *n);

/* Accepts a pending connection on `server` into a new conn, which starts reading. Returns 0 or a
 * negative libuv error. */
int conn_accept(struct net *n, uv_stream_t *server, const struct conn_ops *ops, void *owner,
		struct conn **out);
/* Queues a reference to f (the caller keeps its own). Ignored if the conn is closing. */
void conn_send(struct conn *c, struct frame *f);
/* Queues a copy of s. */
void conn_send_str(struct conn *c, const char *s, size_t len);
/* Stops delivering lines (input is kept, up to net cfg.max_paused bytes, then reading stops). */
void conn_pause(struct conn *c);
/* Delivers the kept lines and resumes reading, at the next flush (never inside the caller). */
void conn_resume(struct conn *c);
/* Closes now; queued output is discarded. */
void conn_close(struct conn *c);
/* Flushes what is queued, then closes gracefully (see above), within cfg.linger_ms at most. */
void conn_close_after_flush(struct conn *c);
bool conn_is_closing(const struct conn *c);
/* Unwritten bytes. */
size_t conn_queued(const struct conn *c);
/* Drops queued frames that have not started to go out (see outq_drop_unsent). */
void conn_drop_unsent(struct conn *c);

#endif
