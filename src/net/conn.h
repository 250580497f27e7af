/* conn: the framing of a byte stream (net/stream.h): lines in, frames out. A conn frames its input
 * one of three ways (its mode): lines (CONN_LINES, the default: LF-terminated), an HTTP head
 * (CONN_HEAD: the owner is handed the bytes so far until it has a whole request head, for the web
 * face), or WebSocket messages (CONN_WS, after conn_ws_upgrade: each text message is delivered as
 * a line, and what is sent as a string goes out as text messages, one per line; conn_ws.c). A face
 * speaking a line protocol (IRC) therefore runs unchanged over TCP or over WebSocket; only its
 * encoder must frame what it sends through conn_send (a variant of its own).
 *
 * Ownership and lifetime. A conn is allocated by conn_accept and embeds its stream (first), so one
 * allocation holds both and the hot path (conn_send) reaches the output queue without a pointer.
 * Its owner (a face, through `ops` and `owner`) never frees it: conn_close marks it closing and
 * calls uv_close; when libuv's close callback runs, the stream releases its output queue (and the
 * frames it references), then ops->closed tells the owner (which frees its own state then), and
 * only after that are the linebuf and the conn's memory released. A conn is therefore never freed
 * inside one of its own callbacks, and a pointer to it stays valid until ops->closed has returned.
 *
 * Input. The stream hands up bytes as they come, from the net's shared read buffer; complete lines
 * are delivered in place and only a partial line is copied into the conn's linebuf. A paused conn
 * keeps what arrives (up to the net's cfg.max_paused bytes, then its stream stops reading) and
 * delivers it after conn_resume, from the next flush.
 *
 * Output, limits and closing are the stream's: one write per loop turn however many frames are
 * queued, ops->overflow from the flush (never from conn_send), and the graceful close of
 * conn_close_after_flush (flush, FIN, linger, and the reset of a peer that never closes). */
#ifndef CHARLA_NET_CONN_H
#define CHARLA_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "net/linebuf.h"
#include "net/net.h"
#include "net/outq.h"
#include "net/stream.h"

struct conn;
struct frame;

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
	/* CONN_HEAD: the bytes received so far (len > 0, modifiable). Returns how many a complete
	 * request head used (they are dropped; what follows is handed over again, or to the
	 * WebSocket framing after conn_ws_upgrade), or 0 to wait for more. The owner answers with
	 * conn_send_str and may close, upgrade or hand the conn over (conn_adopt) in the call. */
	size_t (*head)(struct conn *c, char *data, size_t len);
};

enum { CONN_REFUSED = 1 };

enum conn_mode {
	CONN_LINES,
	CONN_HEAD,
	CONN_WS,
};

enum {
	CONN_PAUSED = 1u << 0,  /* the owner stopped line delivery (linebuf paused) */
	CONN_RESUME = 1u << 1,  /* conn_resume called; lines are delivered at the next flush */
};

struct conn {
	struct stream stream;     /* first: the conn, its stream and its handle share an address */
	struct net *net;          /* the stream's net and peer, here for the owner's convenience */
	const char *peer;         /* "addr:port" for logs */
	const struct conn_ops *ops;
	void *owner;
	struct linebuf in;
	uint64_t last_input_ms;
	unsigned flags;
	uint8_t mode;             /* enum conn_mode */
	struct conn_raw *raw;     /* CONN_HEAD and CONN_WS: their input state (conn_ws.c); NULL for
				   * lines, so that a line conn costs nothing more */
};

/* Accepts a pending connection on `server` (a listener's handle, &l->tcp, whose data is the
 * listener; a bare handle's data is NULL) into a new conn, which
 * starts reading; on a TLS listener (l->tls, net/listener.h) the conn speaks TLS, and its owner
 * sees plaintext only. Returns 0 or a
 * negative libuv error (then the owner is never called), or CONN_REFUSED for a peer over one of
 * the net's limits (net/netlim.h): then *out is set but the owner is never called either, and the
 * owner calls conn_refuse with its one-line refusal (conn_refused says which limit). */
int conn_accept(struct net *n, uv_stream_t *server, const struct conn_ops *ops, void *owner,
		struct conn **out);
/* The same for a conn that starts in CONN_HEAD mode (an HTTP server's). */
int conn_accept_head(struct net *n, uv_stream_t *server, const struct conn_ops *ops, void *owner,
		     struct conn **out);
/* Which limit refused c (enum netlim_verdict; NETLIM_OK if none) and its value in *limit. */
int conn_refused(const struct conn *c, unsigned *limit);
/* Sends the refusal (without waiting for anything) and closes after the flush. */
void conn_refuse(struct conn *c, const char *text, size_t len);
/* Hands c to another owner, whose ops are called from now on (a web conn upgraded to WebSocket
 * becomes an IRC client's). The old owner's state is its own to free, before or after. */
void conn_adopt(struct conn *c, const struct conn_ops *ops, void *owner);
/* From CONN_HEAD to CONN_WS, once the owner has sent its 101 answer: messages of at most
 * max_message bytes, each delivered to ops->line; with binary, strings go out as binary messages
 * (and frames sent must be binary: the owner's encoder asks conn_ws_binary). Bytes already
 * received after the head are decoded next. */
void conn_ws_upgrade(struct conn *c, size_t max_message, bool binary);
/* Whether c is a WebSocket conn in binary mode. */
bool conn_ws_binary(const struct conn *c);
/* Closes a WebSocket conn with a close frame (code, reason), after a flush. */
void conn_ws_close(struct conn *c, unsigned code, const char *reason);

/* Queues a reference to f (the caller keeps its own). Ignored if the conn is closing. Inline:
 * it runs once per delivery of every fan-out. In CONN_WS mode f must already be WebSocket
 * frames (the face's encoder made them). */
static inline void conn_send(struct conn *c, struct frame *f)
{
	stream_send(&c->stream, f);
}
/* Queues a copy of s; in CONN_WS mode as text messages, one per line (CR LF removed). */
void conn_send_str(struct conn *c, const char *s, size_t len);
/* Stops delivering lines (input is kept, up to net cfg.max_paused bytes, then reading stops). */
void conn_pause(struct conn *c);
/* Delivers the kept lines and resumes reading, at the next flush (never inside the caller). A
 * conn_pause before that flush cancels it. */
void conn_resume(struct conn *c);
/* Closes now; queued output is discarded. */
void conn_close(struct conn *c);
/* Flushes what is queued, then closes gracefully (net/stream.h), within cfg.linger_ms at most. */
void conn_close_after_flush(struct conn *c);
bool conn_is_closing(const struct conn *c);
/* Unwritten bytes. */
size_t conn_queued(const struct conn *c);
/* Drops queued frames that have not started to go out (see outq_drop_unsent). */
void conn_drop_unsent(struct conn *c);
/* Whether c came through a TLS listener (its handshake may still be under way). */
bool conn_is_tls(const struct conn *c);
/* The SHA-256 fingerprint of the client's certificate (the leaf), 64 lowercase hex digits without
 * colons, once the handshake is done; NULL without TLS or without a client certificate. Valid
 * until c is closed. */
const char *conn_certfp(const struct conn *c);

#endif
