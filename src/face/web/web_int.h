/* web_int: what the web face's files share, and nothing outside src/face/web/ may use.
 *
 * web.c runs the face and its connections (accepting, the head callback, routing, timeouts, the
 * WebSocket handshake); web_http.c writes responses (status lines, the headers every response
 * carries, static files with ETags, /stats.json); web_metrics.c serves /metrics and checks who
 * may read it. A struct web_client is allocated at accept and
 * freed in its conn's close callback, or at once when its conn is handed to the IRC face. */
#ifndef CHARLA_FACE_WEB_WEB_INT_H
#define CHARLA_FACE_WEB_WEB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/list.h"
#include "face/web/http_req.h"
#include "face/web/web.h"

struct web_client {
	struct conn *conn;
	struct web_face *f;
	struct list_node link;     /* on f->clients */
	uint64_t head_since_ms;    /* when the first byte of the request now arriving came; 0: none */
	uint64_t last_ms;          /* the last byte or response */
	unsigned requests;         /* answered on this connection */
	bool head;                 /* the request being answered is a HEAD: no body, errors too */
};

/* What a response says besides its status and body. */
struct web_reply {
	unsigned status;
	const char *type;          /* Content-Type, or NULL without a body */
	const void *body;
	size_t len;
	const char *etag;          /* or NULL */
	const char *cache;         /* Cache-Control, or NULL */
	const char *extra;         /* more header lines, each ending in CR LF, or NULL */
	bool head_only;            /* HEAD: the headers alone */
	bool close;                /* Connection: close, then close after the flush */
};

/* ---- web_http.c ---- */

/* Sends r on c (and closes after it if r->close). */
void web_http_send(struct web_client *c, const struct web_reply *r);
/* An error with a short text body. */
void web_http_error(struct web_client *c, unsigned status, bool close);
/* GET or HEAD of a file of web/, or 404. */
void web_http_file(struct web_client *c, const struct http_req *req);
/* GET or HEAD of /stats.json. */
void web_http_stats(struct web_client *c, const struct http_req *req);
/* Computes the ETag of every asset into f->etags. */
void web_http_etags(struct web_face *f);
/* The reason phrase of a status. */
const char *web_http_reason(unsigned status);

/* ---- web_metrics.c ---- */

/* GET or HEAD of /metrics: 403 for an address not allowed, 404 without cfg.metrics. */
void web_metrics_serve(struct web_client *c, const struct http_req *req);

#endif
