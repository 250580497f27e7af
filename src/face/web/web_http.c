/* web_http: the web face's responses. Every response carries the same protective headers (no
 * sniffing, no framing by other sites, no referrer); pages carry a Content-Security-Policy that
 * allows nothing but this server's own files and its WebSocket, so that text from other users can
 * never run, even if a bug of the page's let it into the DOM. Files are revalidated with ETags
 * (no-cache): they change with charlad's version, not on a schedule. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "face/web/web_assets.h"
#include "face/web/web_int.h"
#include "hub/remote.h"
#include "hub/room.h"
#include "net/conn.h"

/* The headers of every response, and of pages. */
static const char H_ALWAYS[] = "X-Content-Type-Options: nosniff\r\n"
			       "X-Frame-Options: DENY\r\n"
			       "Referrer-Policy: no-referrer\r\n";
static const char H_CSP[] = "Content-Security-Policy: default-src 'self'; connect-src 'self'; "
			    "img-src 'self' data:; style-src 'self'; script-src 'self'; "
			    "object-src 'none'; base-uri 'none'; form-action 'none'; "
			    "frame-ancestors 'none'\r\n";
static const char CACHE_REVALIDATE[] = "no-cache";
static const char CACHE_NEVER[] = "no-store";
static const char TYPE_TEXT[] = "text/plain; charset=utf-8";
static const char TYPE_JSON[] = "application/json";
static const char INDEX[] = "/index.html";

enum {
	WEB_DATE_MAX = 64,
};

static const struct {
	unsigned status;
	const char *reason;
} web_http_reasons[] = {
	{101, "Switching Protocols"}, {200, "OK"},
	{304, "Not Modified"},        {400, "Bad Request"},
	{403, "Forbidden"},           {404, "Not Found"},
	{405, "Method Not Allowed"},  {408, "Request Timeout"},
	{414, "URI Too Long"},        {426, "Upgrade Required"},
	{431, "Request Header Fields Too Large"},
	{500, "Internal Server Error"},
	{503, "Service Unavailable"}, {505, "HTTP Version Not Supported"},
};

const char *web_http_reason(unsigned status)
{
	for (size_t i = 0; i < sizeof(web_http_reasons) / sizeof(web_http_reasons[0]); i++)
		if (web_http_reasons[i].status == status)
			return web_http_reasons[i].reason;
	return "Error";
}

void web_http_send(struct web_client *c, const struct web_reply *r)
{
	struct buf b = BUF_INIT;
	char date[WEB_DATE_MAX];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	buf_printf(&b, "HTTP/1.1 %u %s\r\nDate: %s\r\nServer: charlad/%s\r\n%s", r->status,
		   web_http_reason(r->status), date, c->f->cfg.version, H_ALWAYS);
	if (r->type) {
		buf_printf(&b, "Content-Type: %s\r\n", r->type);
		if (strncmp(r->type, "text/html", 9) == 0)
			buf_puts(&b, H_CSP);
	}
	if (r->status != 304)
		buf_printf(&b, "Content-Length: %zu\r\n", r->len);
	if (r->etag)
		buf_printf(&b, "ETag: %s\r\n", r->etag);
	if (r->cache)
		buf_printf(&b, "Cache-Control: %s\r\n", r->cache);
	if (r->extra)
		buf_puts(&b, r->extra);
	buf_puts(&b, r->close ? "Connection: close\r\n\r\n" : "\r\n");
	if (!r->head_only && r->status != 304 && r->len)
		buf_append(&b, r->body, r->len);
	conn_send_str(c->conn, b.data, b.len);
	buf_free(&b);
	c->requests++;
	if (r->status >= 100 && r->status < 100 * (WEB_STATUS_CLASSES + 1))
		c->f->responses[r->status / 100 - 1]++;
	if (r->close)
		conn_close_after_flush(c->conn);
}

void web_http_error(struct web_client *c, unsigned status, bool close)
{
	struct buf body = BUF_INIT;
	buf_printf(&body, "%u %s\n", status, web_http_reason(status));
	struct web_reply r = {
		.status = status,
		.type = TYPE_TEXT,
		.body = body.data,
		.len = body.len,
		.cache = CACHE_NEVER,
		.head_only = c->head, /* RFC 9110 9.3.2: the headers of a GET's answer, alone */
		.extra = status == 405 ? "Allow: GET, HEAD\r\n"
			 : status == 426 ? "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
					 : NULL,
		.close = close,
	};
	web_http_send(c, &r);
	buf_free(&body);
}

/* FNV-1a, 64 bits: a file's identity for its ETag (no adversary chooses these files). */
static uint64_t web_http_hash(const unsigned char *p, size_t len)
{
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

void web_http_etags(struct web_face *f)
{
	f->etags = xcalloc(web_assets_count ? web_assets_count : 1, sizeof(*f->etags));
	for (size_t i = 0; i < web_assets_count; i++)
		snprintf(f->etags[i], sizeof(f->etags[i]), "\"%016" PRIx64 "\"",
			 web_http_hash(web_assets[i].data, web_assets[i].len));
}

/* Whether If-None-Match names etag (or is "*"). */
static bool web_http_matches(const struct http_req *req, const char *etag)
{
	return http_req_list_has_exact(&req->if_none_match, etag) ||
	       http_req_list_has_exact(&req->if_none_match, "*");
}

void web_http_file(struct web_client *c, const struct http_req *req)
{
	char path[HTTP_REQ_LINE_MAX + 1];
	size_t plen = 0;
	if (!http_req_path_decode(req->path.p, req->path.len, path, sizeof(path), &plen)) {
		web_http_error(c, 404, !req->keep_alive);
		return;
	}
	const char *want = plen == 1 ? INDEX : path;
	size_t wlen = plen == 1 ? sizeof(INDEX) - 1 : plen;
	for (size_t i = 0; i < web_assets_count; i++) {
		const struct web_asset *a = &web_assets[i];
		if (strlen(a->path) != wlen || memcmp(a->path, want, wlen) != 0)
			continue;
		struct web_reply r = {
			.status = web_http_matches(req, c->f->etags[i]) ? 304 : 200,
			.type = a->type,
			.body = a->data,
			.len = a->len,
			.etag = c->f->etags[i],
			.cache = CACHE_REVALIDATE,
			.head_only = req->method == HTTP_METHOD_HEAD,
			.close = !req->keep_alive,
		};
		web_http_send(c, &r);
		return;
	}
	web_http_error(c, 404, !req->keep_alive);
}

/* A JSON string's inside: quotes, backslashes and controls escaped. */
static void web_http_json_text(struct buf *b, const char *p)
{
	for (; p && *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '"' || ch == '\\')
			buf_printf(b, "\\%c", ch);
		else if (ch < 0x20)
			buf_printf(b, "\\u%04x", ch);
		else
			buf_putc(b, (char)ch);
	}
}

/* ,"cluster":{"state":"off"|"whole"|"split","nodes":[{"name":..,"online":..,"here":..}]} */
static void web_http_cluster(const struct hub *h, struct buf *b)
{
	struct hub_node_view v[HUB_NODES_MAX];
	size_t n = h->cluster ? h->cluster->nodes(h->cluster->ctx, v, HUB_NODES_MAX) : 0;
	const char *state = !h->cluster ? "off" : h->cluster->whole(h->cluster->ctx) ? "whole"
										      : "split";
	buf_printf(b, ",\"people\":%zu,\"cluster\":{\"state\":\"%s\",\"node\":\"",
		   remote_people(h), state);
	web_http_json_text(b, n ? v[0].name : h->cfg.server_name);
	buf_puts(b, "\",\"nodes\":[");
	for (size_t i = 0; i < n && i < HUB_NODES_MAX; i++) {
		buf_puts(b, i ? ",{\"name\":\"" : "{\"name\":\"");
		web_http_json_text(b, v[i].name);
		buf_printf(b, "\",\"online\":%zu,\"here\":%s}", v[i].online,
			   v[i].here ? "true" : "false");
	}
	buf_puts(b, "]}");
}

void web_http_stats(struct web_client *c, const struct http_req *req)
{
	const struct hub *h = c->f->hub;
	size_t rooms = 0, it = 0;
	void *v;
	while (map_next(&h->rooms, &it, NULL, &v))
		rooms += ((const struct room *)v)->count > 0;
	struct buf body = BUF_INIT;
	/* The server's name is the operator's text: written as a JSON string, escaped. */
	buf_puts(&body, "{\"version\":\"");
	buf_puts(&body, c->f->cfg.version);
	buf_puts(&body, "\",\"server\":\"");
	web_http_json_text(&body, h->cfg.server_name);
	buf_printf(&body, "\",\"online\":%zu,\"rooms\":%zu,\"messages\":%" PRIu64
		   ",\"started\":%" PRIu64,
		   h->online, rooms, h->messages, c->f->cfg.started_s);
	web_http_cluster(h, &body);
	buf_puts(&body, "}\n");
	struct web_reply r = {
		.status = 200,
		.type = TYPE_JSON,
		.body = body.data,
		.len = body.len,
		.cache = CACHE_NEVER,
		.head_only = req->method == HTTP_METHOD_HEAD,
		.close = !req->keep_alive,
	};
	web_http_send(c, &r);
	buf_free(&body);
}
