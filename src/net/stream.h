/* stream: one TCP byte stream on a libuv loop, under a framing layer (net/conn for lines; a
 * WebSocket framing later). It moves bytes and knows nothing of lines or messages.
 *
 * Ownership and lifetime. A stream is embedded, first, in its framing's struct (struct conn), which
 * allocates it: no allocation and no pointer of its own. Its owner never frees it directly:
 * stream_close marks it closing, stops reading, unlinks it from the net's work lists and calls
 * uv_close; libuv's close callback unlinks it from `all`, releases its output queue (a write still
 * in flight has completed with UV_ECANCELED by then, so its frames may go) and, last, calls
 * ops->closed, where the framing frees its state, its owner's and the memory holding the stream. A
 * stream is therefore never freed inside one of its own callbacks, and a pointer to it stays valid
 * until ops->closed.
 *
 * Up and down. Bytes read go up through ops->data as they come, in whatever pieces the kernel
 * gives, from the net's shared read buffer (libuv stops after 32 reads of one stream per wakeup, so
 * one flooding peer cannot starve the others). Frames go down through stream_send, which appends a
 * reference to the output queue and puts the stream on the net's pending list. The net flushes
 * each pending stream once per loop turn, just before the loop sleeps, with one write however many
 * frames are queued (small frames are first copied into the net's gather buffer: the kernel copies
 * one buffer far faster than many small iovecs); what the kernel does not take goes out later with
 * a single uv_write in flight. Limits (outq.h) are checked on every send, but a stream past one is
 * only flagged: ops->overflow is called from the flush, outside any caller's fan-out loop.
 *
 * Closing gracefully (stream_close_after_flush): input is no longer delivered, the queue is
 * flushed, the write side is shut down (FIN), and the stream lingers, discarding input until the
 * peer closes or a deadline passes, so that unread input in our receive buffer cannot turn the
 * close into a reset that would destroy the last bytes before the peer reads them. A peer that
 * never closes its side is reset once its kernel has acknowledged every byte and our FIN (so the
 * last bytes are in its hands) and cfg.reset_grace_ms have passed: an interactive netcat, which
 * after our FIN still waits for its terminal, then exits by itself.
 *
 * TLS (net/tls.h). Bytes cross between the socket and the layer above at exactly two places in
 * stream.c: stream_receive (bytes read, going up) and the flush's write (going down). A stream
 * with s->tls set (its struct tls lives in the framing's allocation, right after it; NULL for
 * plain TCP, whose path is unchanged) feeds what it reads to the TLS engine and hands the
 * plaintext it yields to ops->data, from the net's read buffer as before. Going down, the flush
 * seals the plaintext queued (at most STREAM_TLS_SEALED bytes ahead of the socket, so that the
 * output limits still judge a slow reader by its plaintext queue) into records kept in the tls's
 * own queue of frames, and writes those: ciphertext is never re-sealed after a partial write.
 * Until the handshake is done nothing is sealed (a greeting waits); a handshake not done by
 * its deadline (tls_server.handshake_ms) is cut from the sweep. The graceful close seals a
 * close_notify after the last plaintext, before the FIN. The framing above sees plaintext only.
 * A WebSocket framing runs over it unchanged (HTTPS, WSS). */
#ifndef CHARLA_NET_STREAM_H
#define CHARLA_NET_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "base/list.h"
#include "net/net.h"
#include "net/netlim.h"
#include "net/outq.h"

struct frame;
struct stream;
struct tls;

/* What the layer above implements: data, gone, overflow and closed always; wake if it calls
 * stream_wake; tick if it wants the sweep. */
struct stream_ops {
	/* len > 0 bytes arrived, in the net's read buffer: valid during the call only, and the
	 * callee may modify them in place. Not called once the stream is closing. */
	void (*data)(struct stream *s, char *data, size_t len);
	/* The peer closed, reset or timed out; `status` is UV_EOF or a libuv error. The stream closes
	 * right after. Not called for a stream already closing (gracefully or not). */
	void (*gone)(struct stream *s, int status);
	/* The output queue passed a limit (verdict says which). Called from the flush, never from
	 * stream_send, and not while closing gracefully. */
	void (*overflow)(struct stream *s, enum outq_verdict verdict);
	/* Asked for by stream_wake: called from the next flush, before the stream's own write. */
	void (*wake)(struct stream *s);
	/* Called once a second (the net's sweep) with the loop time in ms, unless closing. */
	void (*tick)(struct stream *s, uint64_t now_ms);
	/* The close callback ran and the stream is unlinked and empty; the layer above frees its
	 * state and the stream's memory. The stream is not touched afterwards. */
	void (*closed)(struct stream *s);
};

enum {
	STREAM_CLOSING = 1u << 0,  /* uv_close called or about to be */
	STREAM_PENDING = 1u << 1,  /* on the net's pending list */
	STREAM_WRITING = 1u << 2,  /* a uv_write is in flight */
	STREAM_OVERFLOW = 1u << 3, /* passed an output limit; ops->overflow not yet called */
	STREAM_DRAINING = 1u << 4, /* close after flush: no more input, flush, then shut down */
	STREAM_LINGER = 1u << 5,   /* write side shut down; waiting for the peer's EOF */
	STREAM_READING = 1u << 6,  /* uv_read_start active */
	STREAM_WAKE = 1u << 7,     /* ops->wake is due at the next flush */
	STREAM_COUNTED = 1u << 8,  /* counted in the net's limits: released by the close callback */
	STREAM_HELD = 1u << 9,     /* the layer above stopped reading (stream_read_stop) */
	STREAM_TLS_FULL = 1u << 10, /* reading waits for the TLS records queued to drain */
};

struct stream {
	uv_tcp_t tcp;             /* first, so the handle and the stream share an address */
	struct net *net;
	const struct stream_ops *ops;
	struct outq out;
	/* A write is never in flight once the shutdown is asked for (the FIN follows the last
	 * byte), and no write follows it, so the two requests share their memory. */
	union {
		uv_write_t write;
		uv_shutdown_t shutdown;
	} req;
	size_t inflight;          /* bytes in the uv_write in flight */
	/* On the net's pending list or (once the FIN is out, when nothing is ever pending again) on
	 * its lingering list: never on both. */
	struct list_node work;
	struct list_node link;    /* on the net's list of all streams */
	uint64_t deadline_ms;     /* draining and lingering streams close by force at this time */
	uint64_t fin_ms;          /* when the FIN went out (lingering streams) */
	unsigned flags;
	enum outq_verdict verdict; /* which limit, while STREAM_OVERFLOW is set */
	char peer[48];            /* "addr:port" for logs */
	struct netlim_addr addr;  /* the peer, normalized (net/netlim.h) */
	char throttle[NETLIM_KEY_LEN]; /* its netlim_throttle_key; "" when the address is unknown */
	uint8_t refused;          /* enum netlim_verdict: over a limit at accept (then not counted) */
	unsigned refused_limit;   /* the limit it was over */
	struct tls *tls;          /* the TLS filter (net/tls.h), in the framing's allocation right
				   * after it; NULL for plain TCP */
};

/* Initialises s (memory the caller owns) as a TCP handle on n's loop, linked on n's list of all
 * streams. Returns 0 or a negative libuv error; on error nothing is open and the caller frees s
 * at once. On success s must be closed (stream_close) and is freed only through ops->closed. */
int stream_init(struct stream *s, struct net *n, const struct stream_ops *ops);
/* Accepts a pending connection on `server` into s (after stream_init) and starts reading. Returns
 * 0 or a negative libuv error; on error s is already closing and ops->closed follows. The peer is
 * judged by the net's limits: one over a limit is not counted and s->refused says which (the
 * layer above tells the peer in its protocol and closes after the flush); one admitted is counted
 * until the close callback. With TLS (s->tls set before), a banned peer or one connecting too fast
 * is reset at once, before any handshake: it could not read a refusal without one, and a
 * handshake is the costliest thing it could ask of us. s is then already closing (what the layer
 * above sends is dropped). */
int stream_accept(struct stream *s, uv_stream_t *server);

/* Queues a reference to f (the caller keeps its own). Ignored once the FIN is out or closing. */
void stream_send(struct stream *s, struct frame *f);
/* Calls ops->wake from the next flush (for work that must not run inside the caller). */
void stream_wake(struct stream *s);
/* Stops or restarts reading (the layer above holds enough unprocessed input). With TLS, reading
 * also waits, whatever the layer above says, while the records queued for the socket are past
 * the sealing bound: those the engine makes by itself (answers to KeyUpdate, alerts) would
 * otherwise grow without limit for a peer that writes and never reads. */
void stream_read_stop(struct stream *s);
void stream_read_start(struct stream *s);

/* Closes now; queued output is discarded. */
void stream_close(struct stream *s);
/* Flushes what is queued, then closes gracefully (see above), within cfg.linger_ms at most. Bytes
 * sent meanwhile still go out, unjudged by the limits. */
void stream_close_after_flush(struct stream *s);
/* True once stream_close or stream_close_after_flush was called. */
bool stream_is_closing(const struct stream *s);
/* Unwritten bytes. */
size_t stream_queued(const struct stream *s);
/* Drops queued frames that have not started to go out (see outq_drop_unsent). */
void stream_drop_unsent(struct stream *s);

/* Driven by the net (net.c), not by the layers above: one stream's turn in the flush (it takes
 * itself off the pending list first, and may put itself back), in the sweep, and in the linger
 * poll. */
void stream_flush(struct stream *s);
void stream_tick(struct stream *s, uint64_t now_ms);
void stream_linger_tick(struct stream *s, uint64_t now_ms);

#endif
