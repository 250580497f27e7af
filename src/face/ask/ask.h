/* ask: the classroom "GPT chat" port (--ask-port; the classroom used 8070). A TCP face for the
 * assistant alone: no name handshake, no room, no hub session.
 *
 * Protocol. The client sends a question; the server sends the answer back whole, in one write,
 * ending with a newline (an error is one such line too). A question ends at a newline, or when no
 * more bytes arrive for cfg.pause_ms: the classroom client sendall()s the bare text and waits for
 * the answer with a single recv. "salir" alone (any case) closes the connection. One question runs
 * at a time per connection; what arrives meanwhile waits (bounded by the net's paused-input limit)
 * and is read after the answer. Each connection is one conversation with its own memory, and its
 * own rate-limit key is the peer's address. A connection that closes cancels its question.
 *
 * The face never includes the assistant: it asks through the answerer (ai/answerer.h) that
 * server/ hands ask_face_init, of which it keeps a copy; the answerer must outlive the face.
 *
 * Ownership. An ask_face owns its listeners and one ask_client per connection. An ask_client holds
 * a uv_timer (the pause) besides its conn; it is freed in the timer's close callback, which is
 * requested from the conn's close callback, so neither handle outlives it. */
#ifndef CHARLA_FACE_ASK_H
#define CHARLA_FACE_ASK_H

#include <stddef.h>
#include <stdint.h>

#include "ai/answerer.h"
#include "base/buf.h"
#include "base/list.h"
#include "base/metrics.h"
#include "net/conn.h"

struct listener;
struct logger;

struct ask_config {
	uint64_t pause_ms;         /* silence that ends a question without a newline */
	uint64_t idle_timeout_ms;  /* 0 = none; not while a question runs */
	int backlog;
	int lang;                  /* enum lang: the server's (--lang); the port has no /lang */
};

struct ask_face {
	struct ask_config cfg;
	struct answerer ai;        /* the assistant, as server/ wired it */
	struct net *net;
	const struct logger *log;
	struct listener *listeners;
	struct list clients;       /* of ask_client, newest first */
	uint64_t next_id;
	struct buf scratch;
	struct metrics_conns stats; /* for /metrics: this face writes it, server/ reads it */
};

void ask_face_init(struct ask_face *af, const struct ask_config *cfg, const struct answerer *ai,
		   struct net *net, const struct logger *log);
/* Listens on one address spec (net/addr.h forms: "8070", "127.0.0.1:8070", ...). Returns 0, or -1
 * with err filled. */
int ask_face_listen(struct ask_face *af, const char *spec, char *err, size_t errlen);
/* Stops accepting and closes every connection after its output is flushed. Call it after the
 * answerer has stopped (assistant_shutdown), which gives each pending question its last line. */
void ask_face_shutdown(struct ask_face *af);
/* Frees what init allocated; every client must be gone. */
void ask_face_free(struct ask_face *af);

#endif
