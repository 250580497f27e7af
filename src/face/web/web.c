#include "face/web/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "face/web/web_int.h"
#include "face/web/web_metrics.h"
#include "net/ws_frame.h"
#include "face/web/ws_accept.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/net.h"
#include "net/netlim.h"

/* The IRC WebSocket subprotocol (ircv3.net/specs/extensions/websocket). */
/* IRCv3's WebSocket subprotocols: one IRC line per text message, or per binary message. */
static const char WS_IRC_TEXT[] = "text.ircv3.net";
static const char WS_IRC_BINARY[] = "binary.ircv3.net";
static const char PATH_WS[] = "/ws";
static const char PATH_STATS[] = "/stats.json";
static const char PATH_METRICS[] = "/metrics";
static const char WS_VERSION[] = "13";

enum {
	WEB_REQUESTS_MAX = 1000, /* requests one keep-alive connection may make */
};

/* ---- the WebSocket handshake ---- */

/* Whether origin o (scheme://host[:port]) may open a WebSocket: listed, or the page's own (its
 * host is the Host the request names), or absent (not a browser: nothing to protect). */
static bool web_origin_ok(const struct web_face *f, const struct http_req *req)
{
	const char *o = req->origin.p;
	size_t ol = req->origin.len;
	if (!o)
		return true;
	const char *list = f->cfg.origins;
	if (list) {
		if (strcmp(list, "*") == 0)
			return true;
		for (const char *p = list; *p;) {
			size_t n = strcspn(p, ",");
			const char *q = p;
			size_t qn = n;
			while (qn && q[0] == ' ') {
				q++;
				qn--;
			}
			while (qn && q[qn - 1] == ' ')
				qn--;
			if (qn == ol && strncasecmp(q, o, ol) == 0)
				return true;
			p += n + (p[n] == ',');
		}
	}
	/* The page's own: http://HOST or https://HOST with HOST as the request named it. */
	const char *sep = ol > 3 ? strstr(o, "://") : NULL;
	if (!sep || (size_t)(sep - o) >= ol)
		return false;
	const char *host = sep + 3;
	size_t hl = ol - (size_t)(host - o);
	return req->host.p && hl == req->host.len && strncasecmp(host, req->host.p, hl) == 0;
}

/* The subprotocol to answer with: the first of ours in the client's order of preference (IRCv3
 * says the server must respect it), or NULL when it offers none of them. */
static const char *web_ws_protocol(const struct http_req *req)
{
	struct http_list_iter it = {0, 0};
	struct http_span s;
	while (http_req_list_next(&req->ws_protocol, &it, &s)) {
		if (s.len == sizeof(WS_IRC_TEXT) - 1 && memcmp(s.p, WS_IRC_TEXT, s.len) == 0)
			return WS_IRC_TEXT;
		if (s.len == sizeof(WS_IRC_BINARY) - 1 && memcmp(s.p, WS_IRC_BINARY, s.len) == 0)
			return WS_IRC_BINARY;
	}
	return NULL;
}

static void web_ws(struct web_client *c, const struct http_req *req)
{
	struct web_face *f = c->f;
	/* The opening handshake is a GET (RFC 6455 4.1): a HEAD is answered as a GET would be and
	 * so would switch protocols without a body to carry frames after it. 400, as 4.2.1 says. */
	if (req->method != HTTP_METHOD_GET) {
		web_http_error(c, 400, true);
		return;
	}
	if (!req->upgrade_websocket || !req->connection_upgrade) {
		web_http_error(c, 426, !req->keep_alive);
		return;
	}
	if (req->ws_version.len != sizeof(WS_VERSION) - 1 ||
	    memcmp(req->ws_version.p, WS_VERSION, req->ws_version.len) != 0) {
		web_http_error(c, 426, !req->keep_alive);
		return;
	}
	char accept[WS_ACCEPT_LEN + 1];
	if (!ws_accept_key(req->ws_key.p, req->ws_key.len, accept)) {
		web_http_error(c, 400, true);
		return;
	}
	if (!web_origin_ok(f, req)) {
		log_info(f->log, "%s: WebSocket refused: origin %.*s", c->conn->peer,
			 (int)req->origin.len, req->origin.p);
		web_http_error(c, 403, true);
		return;
	}
	if (!f->cfg.adopt) {
		web_http_error(c, 503, true);
		return;
	}
	/* No subprotocol asked: IRC as text, as IRC web clients of old expect. Others offered
	 * without ours: the handshake goes on without one (IRCv3 allows it), and the client
	 * decides. */
	const char *proto = web_ws_protocol(req);
	struct buf b = BUF_INIT;
	buf_printf(&b, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		       "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n", accept);
	if (proto)
		buf_printf(&b, "Sec-WebSocket-Protocol: %s\r\n", proto);
	buf_puts(&b, "\r\n");
	conn_send_str(c->conn, b.data, b.len);
	buf_free(&b);
	f->responses[0]++; /* 101: web_http_send counts the others */
	log_debug(f->log, "%s: WebSocket open", c->conn->peer);
	struct conn *conn = c->conn;
	conn_ws_upgrade(conn, f->cfg.max_message, proto == WS_IRC_BINARY);
	/* The conn is the IRC face's from here: this client is forgotten now. */
	list_remove(&c->link);
	f->nclients--;
	f->stats.open--;
	free(c);
	f->cfg.adopt(f->cfg.adopt_ctx, conn);
}

/* ---- conn ops ---- */

static void web_route(struct web_client *c, const struct http_req *req)
{
	const struct http_span *p = &req->path;
	/* WebSocket at /ws, and at / for an upgrade: IRC clients that take only a host and a
	 * port (irctest, some bots) ask for /, where the page is never asked with Upgrade. */
	bool root_ws = req->upgrade_websocket && p->len == 1 && p->p[0] == '/';
	if (root_ws || (p->len == sizeof(PATH_WS) - 1 && memcmp(p->p, PATH_WS, p->len) == 0)) {
		web_ws(c, req);
		return;
	}
	if (p->len == sizeof(PATH_STATS) - 1 && memcmp(p->p, PATH_STATS, p->len) == 0) {
		web_http_stats(c, req);
		return;
	}
	if (p->len == sizeof(PATH_METRICS) - 1 && memcmp(p->p, PATH_METRICS, p->len) == 0) {
		web_metrics_serve(c, req);
		return;
	}
	web_http_file(c, req);
}

static size_t web_on_head(struct conn *conn, char *data, size_t len)
{
	struct web_client *c = conn->owner;
	uint64_t now = uv_now(conn->net->loop);
	c->last_ms = now;
	if (!c->head_since_ms)
		c->head_since_ms = now;
	struct http_req req;
	enum http_req_status st = http_req_parse(data, len, &req);
	if (st == HTTP_REQ_MORE)
		return 0;
	c->head_since_ms = 0;
	c->head = st == HTTP_REQ_DONE && req.method == HTTP_METHOD_HEAD;
	if (st != HTTP_REQ_DONE) {
		log_debug(c->f->log, "%s: refused (%u): %s", conn->peer, (unsigned)st,
			  req.error ? req.error : "");
		web_http_error(c, (unsigned)st, true);
		return len;
	}
	log_debug(c->f->log, "%s: %s %.*s", conn->peer, req.method == HTTP_METHOD_HEAD ? "HEAD" : "GET",
		  (int)req.path.len, req.path.p);
	if (c->requests + 1 >= WEB_REQUESTS_MAX)
		req.keep_alive = false;
	size_t used = req.head_len;
	web_route(c, &req); /* may free c (a WebSocket) */
	return used;
}

static bool web_on_line(struct conn *conn, char *line, size_t len, bool too_long)
{
	(void)conn;
	(void)line;
	(void)len;
	(void)too_long;
	return false; /* a web conn is never in line mode while it is the web face's */
}

static void web_on_gone(struct conn *conn, int status)
{
	struct web_client *c = conn->owner;
	log_debug(c->f->log, "%s: %s", conn->peer, uv_strerror(status));
}

static void web_on_overflow(struct conn *conn, enum outq_verdict v)
{
	struct web_client *c = conn->owner;
	log_info(c->f->log, "%s (web): a slow reader: %zu bytes queued (%s limit)", conn->peer,
		 conn_queued(conn), v == OUTQ_OVER_HARD ? "hard" : "soft");
	c->f->stats.slow++;
	conn_drop_unsent(conn);
	conn_close(conn);
}

static void web_on_tick(struct conn *conn, uint64_t now)
{
	struct web_client *c = conn->owner;
	const struct web_config *cfg = &c->f->cfg;
	if (c->head_since_ms && cfg->head_timeout_ms && now - c->head_since_ms >= cfg->head_timeout_ms) {
		c->head_since_ms = 0;
		web_http_error(c, 408, true);
	} else if (!c->head_since_ms && cfg->idle_timeout_ms &&
		   now - c->last_ms >= cfg->idle_timeout_ms) {
		conn_close_after_flush(conn);
	}
}

static void web_on_closed(struct conn *conn)
{
	struct web_client *c = conn->owner;
	list_remove(&c->link);
	c->f->nclients--;
	c->f->stats.open--;
	free(c);
}

static const struct conn_ops web_conn_ops = {
	.line = web_on_line,
	.gone = web_on_gone,
	.overflow = web_on_overflow,
	.tick = web_on_tick,
	.closed = web_on_closed,
	.head = web_on_head,
};

/* ---- the face ---- */

/* 429 Too Many Requests, sent before the request is read, then the close: the client is over
 * its own limit (the server is not unavailable). Retry-After: a second for the rate, longer for
 * the counts (a connection of its own must close first). */
static void web_refuse(struct conn *conn)
{
	unsigned limit;
	int v = conn_refused(conn, &limit);
	const char *reason;
	uint64_t until_ms;
	if (v == NETLIM_BANNED && net_banned(conn->net, &conn->stream.addr, &reason, &until_ms)) {
		/* 403: no retry helps before the ban ends; its reason is the body. */
		char text[1024];
		int n = snprintf(text, sizeof(text),
				 "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
				 "Content-Length: %zu\r\nConnection: close\r\n\r\nBanned: %s\n",
				 strlen(reason) + sizeof("Banned: \n") - 1, reason);
		if (n < 0 || (size_t)n >= sizeof(text))
			n = 0;
		conn_refuse(conn, text, (size_t)n);
		return;
	}
	const char *why = v == NETLIM_RATE	  ? "Too many connections from your address at once"
			  : v == NETLIM_PER_NET ? "Too many connections from your network"
						: "Too many connections from your address";
	char body[128], text[512];
	int len = snprintf(body, sizeof(body), "%s (at most %u).\n", why, limit);
	int n = snprintf(text, sizeof(text),
			 "HTTP/1.1 429 Too Many Requests\r\nRetry-After: %d\r\n"
			 "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n"
			 "Connection: close\r\n\r\n%s",
			 v == NETLIM_RATE ? 1 : 10, len, body);
	if (len < 0 || (size_t)len >= sizeof(body) || n < 0 || (size_t)n >= sizeof(text))
		n = 0;
	conn_refuse(conn, text, (size_t)n);
}

static void web_on_connection(struct listener *l)
{
	struct web_face *f = l->owner;
	struct web_client *c = xcalloc(1, sizeof(*c));
	c->f = f;
	int r = conn_accept_head(f->net, (uv_stream_t *)&l->tcp, &web_conn_ops, c, &c->conn);
	if (r < 0) {
		listener_error(l, r);
		free(c);
		return;
	}
	if (r == CONN_REFUSED) {
		web_refuse(c->conn);
		free(c);
		return;
	}
	c->last_ms = uv_now(f->net->loop);
	list_push_front(&f->clients, &c->link);
	f->nclients++;
	f->stats.accepted++;
	f->stats.open++;
}

void web_face_init(struct web_face *f, const struct web_config *cfg, struct hub *hub,
		   struct net *net, const struct logger *log)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->hub = hub;
	f->net = net;
	f->log = log;
	list_init(&f->clients);
	web_http_etags(f);
	char err[1];
	web_face_metrics_allow(f, NULL, err, sizeof(err)); /* loopback: the default parses */
}

int web_face_listen(struct web_face *f, const char *spec, char *err, size_t errlen)
{
	return listener_open_spec(f->net->loop, spec, f->cfg.backlog, web_on_connection, f,
				  &f->listeners, f->log, "listening on ", " (http)", err, errlen);
}

void web_face_shutdown(struct web_face *f)
{
	for (struct listener *l = f->listeners, *next; l; l = next) {
		next = l->next;
		listener_close(l);
	}
	f->listeners = NULL;
	list_each(node, &f->clients) {
		struct web_client *c = list_entry(node, struct web_client, link);
		if (!conn_is_closing(c->conn))
			conn_close_after_flush(c->conn);
	}
}

void web_face_free(struct web_face *f)
{
	free(f->etags);
	f->etags = NULL;
	free(f->allow);
	f->allow = NULL;
	f->nallow = 0;
}
