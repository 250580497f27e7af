/* web: the web face. An HTTP/1.1 listener on the loop that serves the chat page (web/, compiled in:
 * web_assets.h), the server's counters as /stats.json, and WebSocket at /ws, whose connections
 * speak IRC (the IRCv3 WebSocket transport, subprotocols text.ircv3.net and binary.ircv3.net): the
 * page is an IRC client, and so can be gamja, Kiwi IRC or The Lounge. There is no third protocol: a WebSocket connection
 * is handed to the IRC face, whose encoder frames each event once for all WebSocket clients of a
 * variant.
 *
 * Requests are GET and HEAD only, without bodies, parsed strictly (http_req.h); a head must arrive
 * within cfg.head_timeout_ms (slowloris), and an idle keep-alive connection closes after
 * cfg.idle_timeout_ms. A WebSocket may open from the page's own origin (its Origin names the Host
 * it asked) or from the origins of cfg.origins.
 *
 * /metrics is served from what server/ writes (cfg.metrics), to the addresses of an allow list
 * only (web_metrics.h).
 *
 * Ownership. A web_face owns its listeners and one web_client per connection still speaking HTTP;
 * a client is freed in its conn's close callback, or when its conn is handed over (cfg.adopt), at
 * which point the conn is no longer the web face's. The face's ETag table and /metrics allow
 * list are freed by web_face_free. */
#ifndef CHARLA_FACE_WEB_WEB_H
#define CHARLA_FACE_WEB_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/list.h"
#include "base/metrics.h"
#include "hub/hub.h"

struct buf;
struct conn;
struct listener;
struct logger;
struct net;
struct web_cidr;

/* Takes over an upgraded WebSocket conn (server/ wires it to the IRC face). */
typedef void (*web_adopt_fn)(void *ctx, struct conn *conn);
/* Appends the body of /metrics (the Prometheus text format) to out (server/ writes it). */
typedef void (*web_metrics_fn)(void *ctx, struct buf *out);

/* web_face.responses's index: a status's class, 1xx to 5xx. */
enum { WEB_STATUS_CLASSES = 5 };

struct web_config {
	const char *version;
	const char *origins;        /* comma-separated allowed origins, "*" for any; NULL: none but
				     * the page's own */
	uint64_t head_timeout_ms;   /* a request head must be whole within this */
	uint64_t idle_timeout_ms;   /* a keep-alive connection idle this long is closed */
	size_t max_message;         /* bytes of a WebSocket message */
	uint64_t started_s;         /* when the server started (Unix time), for /stats.json */
	int backlog;
	web_adopt_fn adopt;         /* NULL: /ws answers 503 (no IRC face) */
	void *adopt_ctx;
	web_metrics_fn metrics;     /* NULL: /metrics is 404 */
	void *metrics_ctx;
};

struct web_face {
	struct web_config cfg;
	struct hub *hub;
	struct net *net;
	const struct logger *log;
	struct listener *listeners;
	struct list clients;        /* struct web_client, still speaking HTTP */
	size_t nclients;
	char (*etags)[24];          /* by asset: "\"hex\"", computed once at init */
	struct web_cidr *allow;     /* who may read /metrics (web_metrics.h); loopback at init */
	size_t nallow;
	bool allow_any;
	/* For /metrics (this face writes, server/ reads): its HTTP connections (a WebSocket
	 * leaves them at its handshake and is the IRC face's from then on), and its responses by
	 * status class, 1xx at [0]. */
	struct metrics_conns stats;
	uint64_t responses[WEB_STATUS_CLASSES];
};

void web_face_init(struct web_face *f, const struct web_config *cfg, struct hub *hub,
		   struct net *net, const struct logger *log);
/* Listens on one address spec (net/addr.h forms). Returns 0, or -1 with err filled. */
int web_face_listen(struct web_face *f, const char *spec, char *err, size_t errlen);
/* Stops accepting and closes the connections still speaking HTTP (WebSockets are the IRC
 * face's by then). */
void web_face_shutdown(struct web_face *f);
void web_face_free(struct web_face *f);

#endif
