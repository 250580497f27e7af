/* line: the TCP line face. Glues net/conn connections to hub sessions with the line protocol
 * (docs/protocol.md): netcat, telnet and the charla client speak it.
 *
 * Ownership. A line_face owns its listeners and one line_client per connection; each line_client
 * embeds its hub session and points at its conn. A line_client is freed only in the conn's close
 * callback (conn ops `closed`), after session_close has unlinked its session, so neither the hub
 * nor the conn can hold a dangling pointer to it. The words it speaks are the line protocol's
 * (src/text), shared with the UDP face. */
#ifndef CHARLA_FACE_LINE_H
#define CHARLA_FACE_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/list.h"
#include "base/metrics.h"
#include "hub/hub.h"
#include "net/conn.h"

struct listener;
struct logger;

struct line_config {
	const char *version;
	uint64_t name_timeout_ms;  /* 0 = none */
	uint64_t idle_timeout_ms;  /* 0 = none */
	int backlog;
};

struct line_face {
	struct line_config cfg;
	struct hub *hub;
	struct net *net;
	const struct logger *log;
	struct listener *listeners;
	struct list clients;         /* every open client (struct line_client), for shutdown */
	struct buf clean;            /* sanitising scratch */
	struct metrics_conns stats;  /* for /metrics: this face writes it, server/ reads it */
};

void line_face_init(struct line_face *lf, const struct line_config *cfg, struct hub *hub,
		    struct net *net, const struct logger *log);
/* Listens on one address spec (net/addr.h forms). Returns 0, or -1 with err filled. */
int line_face_listen(struct line_face *lf, const char *spec, char *err, size_t errlen);
/* Stops accepting, tells every client the server is shutting down, and closes each connection
 * after its output is flushed. */
void line_face_shutdown(struct line_face *lf);
/* Calls fn with each client's session and address (server/'s bans cut those they match); fn
 * may cut the session (session_cut): the client is freed later, after its close callback. */
void line_face_each(struct line_face *lf,
		    void (*fn)(struct session *s, const struct netlim_addr *a, void *arg), void *arg);
/* Frees what init allocated; every client must be gone (net count 0). */
void line_face_free(struct line_face *lf);

#endif
