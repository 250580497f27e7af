/* Unit tests for face/web/http_req: the HTTP/1.1 request head of a GET/HEAD-only server. Every
 * rule of the header has a test that fails without it: each status at the edge of its limit, each
 * malformation, the single and list headers, keep-alive, the path decoder's refusals; and every
 * request here is also fed as a caller would, one byte at a time and in two pieces cut at each
 * position, into a buffer that moves as it grows, which must give the same verdict as the whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "face/web/http_req.h"

/* What show() last rendered; freed by the group teardown. */
static struct buf shown;

static void show_span(struct buf *b, const char *name, struct http_span s)
{
	if (s.p)
		buf_printf(b, " %s=[%.*s]", name, (int)s.len, s.p);
}

static void show_list(struct buf *b, const char *name, const struct http_list *l)
{
	if (!l->n)
		return;
	buf_printf(b, " %s=", name);
	for (size_t i = 0; i < l->n; i++)
		buf_printf(b, "[%.*s]", (int)l->line[i].len, l->line[i].p);
}

/* Renders a parse: the verdict, and for DONE everything the head said, so that two parses of the
 * same bytes compare as strings. */
static const char *show(enum http_req_status st, const struct http_req *r)
{
	buf_clear(&shown);
	if (st != HTTP_REQ_DONE) {
		buf_printf(&shown, "%d", (int)st);
		if (st != HTTP_REQ_MORE)
			buf_printf(&shown, " %s", r->error);
		return shown.data;
	}
	buf_printf(&shown, "%s 1.%d %zu/%zu%s%s%s", r->method == HTTP_METHOD_GET ? "GET" : "HEAD",
		   r->minor, r->head_len, r->nheaders, r->keep_alive ? " ka" : "",
		   r->upgrade_websocket ? " up" : "", r->connection_upgrade ? " cu" : "");
	show_span(&shown, "path", r->path);
	show_span(&shown, "query", r->query);
	show_span(&shown, "host", r->host);
	show_span(&shown, "key", r->ws_key);
	show_span(&shown, "version", r->ws_version);
	show_span(&shown, "origin", r->origin);
	show_list(&shown, "upgrade", &r->upgrade);
	show_list(&shown, "connection", &r->connection);
	show_list(&shown, "protocol", &r->ws_protocol);
	show_list(&shown, "inm", &r->if_none_match);
	show_list(&shown, "lang", &r->accept_language);
	return shown.data;
}

/* Feeds s[0..len) as a caller does: the pieces cut at cuts[0..ncuts) (increasing), each appended
 * to a buffer copied anew (so it moves), parsing after each, up to the first verdict that is not
 * MORE. Returns that verdict rendered (a copy, freed by the caller). */
static char *feed(const char *s, size_t len, const size_t *cuts, size_t ncuts)
{
	char *held = NULL;
	char *rendered = NULL;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t upto = i < ncuts ? cuts[i] : len;
		char *grown = malloc(upto ? upto : 1);
		assert_non_null(grown);
		memcpy(grown, s, upto);
		free(held);
		held = grown;
		struct http_req r;
		enum http_req_status st = http_req_parse(held, upto, &r);
		if (st != HTTP_REQ_MORE || i == ncuts) {
			rendered = strdup(show(st, &r));
			break;
		}
	}
	free(held);
	return rendered;
}

/* The verdict on s[0..len) whole, and the same verdict fed one byte at a time and in two pieces
 * cut at every position. */
static void check_splits(const char *s, size_t len)
{
	char *whole = feed(s, len, NULL, 0);
	size_t *cuts = malloc((len ? len : 1) * sizeof *cuts);
	assert_non_null(cuts);
	for (size_t i = 0; i + 1 < len; i++)
		cuts[i] = i + 1;
	char *bytes = feed(s, len, cuts, len ? len - 1 : 0);
	assert_string_equal(bytes, whole);
	free(bytes);
	for (size_t k = 0; k <= len; k++) {
		char *two = feed(s, len, &k, 1);
		assert_string_equal(two, whole);
		free(two);
	}
	free(cuts);
	free(whole);
}

/* Parses a literal (NULs and all), checks its rendering, and checks it fed in pieces. */
#define PARSES(lit, expect)                                                            \
	do {                                                                           \
		struct http_req r_;                                                    \
		enum http_req_status st_ = http_req_parse((lit), sizeof(lit) - 1, &r_); \
		assert_string_equal(show(st_, &r_), (expect));                          \
		check_splits((lit), sizeof(lit) - 1);                                  \
	} while (0)

/* The status of a literal, and the same fed in pieces. */
static enum http_req_status status_of(const char *s, size_t len)
{
	struct http_req r;
	enum http_req_status st = http_req_parse(s, len, &r);
	check_splits(s, len);
	return st;
}

#define STATUS(lit, code) assert_int_equal(status_of((lit), sizeof(lit) - 1), (code))

/* The status and the reason of a literal refused. */
static void refuses(const char *s, size_t len, enum http_req_status code, const char *why)
{
	struct http_req r;
	assert_int_equal(http_req_parse(s, len, &r), code);
	assert_string_equal(r.error, why);
	check_splits(s, len);
}

#define REFUSES(lit, code, why) refuses((lit), sizeof(lit) - 1, (code), (why))

/* A request with one header line added to a valid one. */
#define WITH(line) "GET / HTTP/1.1\r\nHost: h\r\n" line "\r\n\r\n"

static void t_simple(void **state)
{
	(void)state;
	PARSES("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
	       "GET 1.1 37/1 ka path=[/] host=[example.com]");
	PARSES("HEAD /a/b.css?v=3&x HTTP/1.0\r\n\r\n",
	       "HEAD 1.0 32/0 path=[/a/b.css] query=[v=3&x]");
	/* An empty query is there, empty. */
	PARSES("GET /? HTTP/1.0\r\n\r\n", "GET 1.0 19/0 path=[/] query=[]");
	/* Bytes after the head are not the head's. */
	struct http_req r;
	const char two[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\n";
	assert_int_equal(http_req_parse(two, sizeof two - 1, &r), HTTP_REQ_DONE);
	assert_int_equal(r.head_len, strlen("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
	assert_ptr_equal(r.path.p, two + 4);
	/* Incomplete heads. */
	STATUS("", HTTP_REQ_MORE);
	STATUS("GET / HTTP/1.1\r\nHost: h\r\n", HTTP_REQ_MORE);
	STATUS("GET / HTTP/1.1\r\nHost: h\r\n\r", HTTP_REQ_MORE);
}

static void t_websocket(void **state)
{
	(void)state;
	/* RFC 6455 1.2's handshake. */
	const char rfc[] = "GET /chat HTTP/1.1\r\n"
			   "Host: server.example.com\r\n"
			   "Upgrade: websocket\r\n"
			   "Connection: Upgrade\r\n"
			   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			   "Origin: http://example.com\r\n"
			   "Sec-WebSocket-Protocol: chat, superchat\r\n"
			   "Sec-WebSocket-Version: 13\r\n\r\n";
	PARSES(rfc, "GET 1.1 230/7 ka up cu path=[/chat] host=[server.example.com] "
		    "key=[dGhlIHNhbXBsZSBub25jZQ==] version=[13] origin=[http://example.com] "
		    "upgrade=[websocket] connection=[Upgrade] protocol=[chat, superchat]");
	struct http_req r;
	assert_int_equal(http_req_parse(rfc, sizeof rfc - 1, &r), HTTP_REQ_DONE);
	assert_true(http_req_offers_protocol(&r, "chat"));
	assert_true(http_req_offers_protocol(&r, "superchat"));
	assert_false(http_req_offers_protocol(&r, "Chat"));
	assert_false(http_req_offers_protocol(&r, "text.ircv3.net"));
	assert_false(http_req_offers_protocol(&r, "chat, superchat"));

	/* Firefox's style: Connection lists more, names and tokens in any case, the protocols over
	 * two lines. */
	const char ff[] = "GET /irc HTTP/1.1\r\nHOST: localhost:6680\r\n"
			  "connection: keep-alive, Upgrade\r\nUPGRADE: WebSocket\r\n"
			  "sec-websocket-protocol: x.example\r\n"
			  "Sec-WebSocket-Protocol: text.ircv3.net\r\n\r\n";
	PARSES(ff, "GET 1.1 171/5 ka up cu path=[/irc] host=[localhost:6680] upgrade=[WebSocket] "
		   "connection=[keep-alive, Upgrade] protocol=[x.example][text.ircv3.net]");
	assert_int_equal(http_req_parse(ff, sizeof ff - 1, &r), HTTP_REQ_DONE);
	assert_true(http_req_offers_protocol(&r, "text.ircv3.net"));
	assert_true(http_req_offers_protocol(&r, "x.example"));

	/* "websocket" and "upgrade" as whole elements only. */
	PARSES(WITH("Upgrade: websockets\r\nConnection: upgraded"),
	       "GET 1.1 70/3 ka path=[/] host=[h] upgrade=[websockets] connection=[upgraded]");
	PARSES(WITH("Upgrade: h2c, websocket\r\nConnection: close,upgrade"),
	       "GET 1.1 79/3 up cu path=[/] host=[h] upgrade=[h2c, websocket] "
	       "connection=[close,upgrade]");
}

static void t_keep_alive(void **state)
{
	(void)state;
	PARSES("GET / HTTP/1.1\r\nHost: h\r\n\r\n", "GET 1.1 27/1 ka path=[/] host=[h]");
	PARSES(WITH("Connection: close"), "GET 1.1 46/2 path=[/] host=[h] connection=[close]");
	PARSES(WITH("Connection: CLOSE"), "GET 1.1 46/2 path=[/] host=[h] connection=[CLOSE]");
	PARSES(WITH("Connection: x\r\nConnection: y, close"),
	       "GET 1.1 64/3 path=[/] host=[h] connection=[x][y, close]");
	PARSES("GET / HTTP/1.0\r\n\r\n", "GET 1.0 18/0 path=[/]");
	PARSES("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
	       "GET 1.0 42/1 ka path=[/] connection=[Keep-Alive]");
	PARSES("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n",
	       "GET 1.0 49/1 path=[/] connection=[keep-alive, close]");
}

static void t_values(void **state)
{
	(void)state;
	/* Names in any case; values trimmed of spaces and tabs, inner ones kept. */
	PARSES("GET / HTTP/1.1\r\nhOsT:  \t h \t\r\nORIGIN:null\r\n\r\n",
	       "GET 1.1 45/2 ka path=[/] host=[h] origin=[null]");
	PARSES(WITH("Accept-Language: fr-CH, fr;q=0.9,\t en;q=0.8"),
	       "GET 1.1 72/2 ka path=[/] host=[h] lang=[fr-CH, fr;q=0.9,\t en;q=0.8]");
	/* An empty value is present (and an empty Host is a valid one). */
	PARSES("GET / HTTP/1.1\r\nHost:\r\nOrigin: \r\n\r\n",
	       "GET 1.1 35/2 ka path=[/] host=[] origin=[]");
	/* obs-text and tabs inside values; unknown headers checked and counted, not kept. */
	PARSES(WITH("X-Name: caf\xC3\xA9\tau lait\r\nIf-None-Match: W/\"a\xE9\", \"b\""),
	       "GET 1.1 78/3 ka path=[/] host=[h] inm=[W/\"a\xE9\", \"b\"]");
	/* Empty lines before the request line are skipped (RFC 9112 2.2). */
	PARSES("\r\n\r\nGET / HTTP/1.0\r\n\r\n", "GET 1.0 22/0 path=[/]");
}

static void t_line_endings(void **state)
{
	(void)state;
	STATUS("GET / HTTP/1.1\nHost: h\n\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: h\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: h\r\n\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\r\n", HTTP_REQ_BAD);
	STATUS("\n", HTTP_REQ_BAD);
	/* A CR is not a line end unless LF follows, even where the rest would parse. */
	REFUSES("GET / HTTP/1.1\r\nHost: h\rxX-A: b\r\n\r\n", HTTP_REQ_BAD, "bare CR");
	REFUSES("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\r\n\r\n", HTTP_REQ_BAD, "bare CR");
	REFUSES("GET / HTTP/1.1\r\nHost: h\n\r\n", HTTP_REQ_BAD, "bare LF");
	/* A bare LF is refused as soon as it comes, the head unfinished. */
	STATUS("GET / HTTP/1.1\r\nHost: h\n", HTTP_REQ_BAD);
}

static void t_request_line(void **state)
{
	(void)state;
	STATUS("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /  HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1 \r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS(" GET / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / http/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.10\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/11\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.x\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /a#b HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /%zz HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /%4 HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /caf\xC3\xA9 HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /\x7F HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	/* What a browser sends unescaped is fine: sub-delims, ':', '@', '|', brackets, escapes. */
	PARSES("GET /a:b@c!$&'()*+,;=|[]{}^~_-.%2F?q=/?%41 HTTP/1.0\r\n\r\n",
	       "GET 1.0 55/0 path=[/a:b@c!$&'()*+,;=|[]{}^~_-.%2F] query=[q=/?%41]");
}

static void t_target_form(void **state)
{
	(void)state;
	STATUS("GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET * HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET h:80 HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET ?x HTTP/1.1\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
}

static void t_method(void **state)
{
	(void)state;
	STATUS("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi", HTTP_REQ_METHOD);
	STATUS("PUT / HTTP/1.1\r\n", HTTP_REQ_METHOD);
	STATUS("OPTIONS * HTTP/1.1\r\n", HTTP_REQ_METHOD);
	STATUS("CONNECT h:443 HTTP/1.1\r\n", HTTP_REQ_METHOD);
	STATUS("BREW / HTTP/1.1\r\n", HTTP_REQ_METHOD);
	/* Methods are case-sensitive. */
	STATUS("get / HTTP/1.1\r\n", HTTP_REQ_METHOD);
	STATUS("Head / HTTP/1.1\r\n", HTTP_REQ_METHOD);
	STATUS("GETS / HTTP/1.1\r\n", HTTP_REQ_METHOD);
	/* Decided with the request line, before the rest of the head comes. */
	struct http_req r;
	assert_int_equal(http_req_parse("DELETE /x HTTP/1.1\r\n", 20, &r), HTTP_REQ_METHOD);
	assert_string_equal(http_req_reason(HTTP_REQ_METHOD), "Method Not Allowed");
}

static void t_version(void **state)
{
	(void)state;
	STATUS("GET / HTTP/1.2\r\nHost: h\r\n\r\n", HTTP_REQ_VERSION);
	STATUS("GET / HTTP/2.0\r\nHost: h\r\n\r\n", HTTP_REQ_VERSION);
	STATUS("GET / HTTP/0.9\r\n\r\n", HTTP_REQ_VERSION);
	STATUS("GET / HTTP/3.1\r\n\r\n", HTTP_REQ_VERSION);
	/* The version is judged before the method, the method before the target's form. */
	STATUS("POST / HTTP/2.0\r\n", HTTP_REQ_VERSION);
	STATUS("POST http://x/ HTTP/1.1\r\n", HTTP_REQ_METHOD);
}

/* A request whose line is n bytes before its CRLF (the target padded with 'a'). */
static void request_of_line(struct buf *b, size_t n)
{
	buf_clear(b);
	buf_puts(b, "GET /");
	while (b->len < n - strlen(" HTTP/1.1"))
		buf_putc(b, 'a');
	buf_puts(b, " HTTP/1.1\r\nHost: h\r\n\r\n");
}

static void t_uri_too_long(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct http_req r;
	request_of_line(&b, HTTP_REQ_LINE_MAX);
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_DONE);
	/* Without its CRLF yet, and then with only its CR: still waiting. */
	assert_int_equal(http_req_parse(b.data, HTTP_REQ_LINE_MAX, &r), HTTP_REQ_MORE);
	assert_int_equal(http_req_parse(b.data, HTTP_REQ_LINE_MAX + 1, &r), HTTP_REQ_MORE);
	request_of_line(&b, HTTP_REQ_LINE_MAX + 1);
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_URI_TOO_LONG);
	/* Known as soon as one byte too many has come, CRLF or not. */
	assert_int_equal(http_req_parse(b.data, HTTP_REQ_LINE_MAX + 1, &r), HTTP_REQ_URI_TOO_LONG);
	assert_int_equal(http_req_parse(b.data, HTTP_REQ_LINE_MAX, &r), HTTP_REQ_MORE);
	buf_free(&b);
}

/* A request whose second header line is n bytes before its CRLF. */
static void request_of_field(struct buf *b, size_t n)
{
	buf_clear(b);
	buf_puts(b, "GET / HTTP/1.1\r\nHost: h\r\n");
	size_t at = b->len;
	buf_puts(b, "X-Pad: ");
	while (b->len - at < n)
		buf_putc(b, 'p');
	buf_puts(b, "\r\n\r\n");
}

static void t_field_too_long(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct http_req r;
	request_of_field(&b, HTTP_FIELD_LINE_MAX);
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_DONE);
	request_of_field(&b, HTTP_FIELD_LINE_MAX + 1);
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_TOO_LARGE);
	assert_int_equal(http_req_parse(b.data, b.len - 4, &r), HTTP_REQ_TOO_LARGE);
	assert_string_equal(r.error, "line too long");
	buf_free(&b);
}

/* A head of exactly n bytes: header lines of 250 bytes, the last one padded. */
static void head_of(struct buf *b, size_t n)
{
	buf_clear(b);
	buf_puts(b, "GET / HTTP/1.1\r\nHost: h\r\n");
	while (n - b->len - 2 > 250 + 2 + 20) {
		buf_puts(b, "X-Pad: ");
		for (int i = 0; i < 250 - 7; i++)
			buf_putc(b, 'p');
		buf_puts(b, "\r\n");
	}
	buf_puts(b, "X-Last: ");
	while (b->len < n - 4)
		buf_putc(b, 'l');
	buf_puts(b, "\r\n\r\n");
	assert_int_equal(b->len, n);
}

static void t_head_too_large(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct http_req r;
	head_of(&b, HTTP_HEAD_MAX);
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_DONE);
	assert_int_equal(http_req_parse(b.data, b.len, &r), HTTP_REQ_DONE);
	assert_int_equal(r.head_len, HTTP_HEAD_MAX);
	head_of(&b, HTTP_HEAD_MAX + 1);
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_TOO_LARGE);
	/* Refused once HTTP_HEAD_MAX bytes have come and the head has not ended: no MORE. */
	assert_int_equal(http_req_parse(b.data, HTTP_HEAD_MAX, &r), HTTP_REQ_TOO_LARGE);
	assert_string_equal(r.error, "head too large");
	assert_int_equal(http_req_parse(b.data, HTTP_HEAD_MAX - 1, &r), HTTP_REQ_MORE);
	/* Past the limit, what the bytes hold no longer matters: a bare LF there is not a 400, as
	 * the first HTTP_HEAD_MAX bytes already said 431. */
	b.len = HTTP_HEAD_MAX - 3;
	buf_puts(&b, "lll\n");
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_TOO_LARGE);
	/* Also for a head of nothing but empty lines. */
	buf_clear(&b);
	for (size_t i = 0; i < HTTP_HEAD_MAX / 2; i++)
		buf_puts(&b, "\r\n");
	assert_int_equal(http_req_parse(b.data, b.len, &r), HTTP_REQ_TOO_LARGE);
	assert_int_equal(http_req_parse(b.data, b.len - 1, &r), HTTP_REQ_MORE);
	assert_string_equal(http_req_reason(HTTP_REQ_TOO_LARGE), "Request Header Fields Too Large");
	buf_free(&b);
}

static void t_headers_max(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_puts(&b, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 1; i < HTTP_HEADERS_MAX; i++)
		buf_printf(&b, "X-%d: %d\r\n", i, i);
	size_t at = b.len;
	buf_puts(&b, "\r\n");
	struct http_req r;
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_DONE);
	assert_int_equal(http_req_parse(b.data, b.len, &r), HTTP_REQ_DONE);
	assert_int_equal(r.nheaders, HTTP_HEADERS_MAX);
	b.len = at;
	buf_puts(&b, "X-One-More: 1\r\n\r\n");
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_TOO_LARGE);
	buf_free(&b);
}

static void t_list_max(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_puts(&b, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < HTTP_LIST_MAX - 1; i++)
		buf_puts(&b, "Connection: x\r\n");
	buf_puts(&b, "Connection: close\r\n");
	size_t at = b.len;
	buf_puts(&b, "\r\n");
	struct http_req r;
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_DONE);
	assert_int_equal(http_req_parse(b.data, b.len, &r), HTTP_REQ_DONE);
	assert_int_equal(r.connection.n, HTTP_LIST_MAX);
	assert_false(r.keep_alive);
	b.len = at;
	buf_puts(&b, "connection: y\r\n\r\n");
	assert_int_equal(status_of(b.data, b.len), HTTP_REQ_TOO_LARGE);
	buf_free(&b);
}

static void t_field_syntax(void **state)
{
	(void)state;
	/* obs-fold, and whitespace before the first header. */
	REFUSES("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", HTTP_REQ_BAD,
		"folded or indented header line");
	REFUSES("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n", HTTP_REQ_BAD,
		"folded or indented header line");
	REFUSES("GET / HTTP/1.1\r\n Host: h\r\n\r\n", HTTP_REQ_BAD,
		"folded or indented header line");
	/* Names: a token right before the colon. */
	STATUS(WITH("X-A : a"), HTTP_REQ_BAD);
	STATUS(WITH(": a"), HTTP_REQ_BAD);
	STATUS(WITH("X(A): a"), HTTP_REQ_BAD);
	STATUS(WITH("X\xC3\xA9: a"), HTTP_REQ_BAD);
	STATUS(WITH("no colon"), HTTP_REQ_BAD);
	/* Values: no control byte but HTAB. */
	STATUS(WITH("X-A: a\0b"), HTTP_REQ_BAD);
	STATUS(WITH("X-A: a\x01"), HTTP_REQ_BAD);
	STATUS(WITH("X-A: a\x1B[31m"), HTTP_REQ_BAD);
	STATUS(WITH("X-A: a\x7F"), HTTP_REQ_BAD);
	STATUS(WITH("X-A: \ta\t"), HTTP_REQ_DONE);
	STATUS(WITH("X-A: \xFF\x80"), HTTP_REQ_DONE);
	STATUS(WITH("!#$%&'*+-.^_`|~09azAZ: ok"), HTTP_REQ_DONE);
}

static void t_host(void **state)
{
	(void)state;
	STATUS("GET / HTTP/1.1\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nX-Host: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.0\r\n\r\n", HTTP_REQ_DONE);
	STATUS("GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: u@h\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: h:x\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: h:1:2\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: []\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: h%zz\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: caf\xC3\xA9\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: chat.example.org:6680\r\n\r\n", HTTP_REQ_DONE);
	STATUS("GET / HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n", HTTP_REQ_DONE);
	STATUS("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", HTTP_REQ_DONE);
	STATUS("GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n", HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.1\r\nHost: xn--caf-dma.example:\r\n\r\n", HTTP_REQ_DONE);
	STATUS("GET / HTTP/1.1\r\nHost: a%41_~-\r\n\r\n", HTTP_REQ_DONE);
}

static void t_no_bodies(void **state)
{
	(void)state;
	STATUS(WITH("Content-Length: 0"), HTTP_REQ_DONE);
	STATUS(WITH("content-length:0 "), HTTP_REQ_DONE);
	STATUS(WITH("Content-Length: 5"), HTTP_REQ_BAD);
	STATUS(WITH("Content-Length: 00"), HTTP_REQ_BAD);
	STATUS(WITH("Content-Length: +0"), HTTP_REQ_BAD);
	STATUS(WITH("Content-Length:"), HTTP_REQ_BAD);
	STATUS(WITH("Content-Length: 0, 0"), HTTP_REQ_BAD);
	STATUS(WITH("Content-Length: 0\r\nContent-Length: 0"), HTTP_REQ_BAD);
	STATUS(WITH("Transfer-Encoding: chunked"), HTTP_REQ_BAD);
	STATUS(WITH("Transfer-Encoding: identity"), HTTP_REQ_BAD);
	STATUS(WITH("transfer-encoding:"), HTTP_REQ_BAD);
	STATUS(WITH("Content-Length: 0\r\nTransfer-Encoding: chunked"), HTTP_REQ_BAD);
	STATUS("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_REQ_BAD);
}

static void t_single_headers(void **state)
{
	(void)state;
	STATUS(WITH("Sec-WebSocket-Key: a\r\nSec-WebSocket-Key: a"), HTTP_REQ_BAD);
	STATUS(WITH("Sec-WebSocket-Version: 13\r\nsec-websocket-version: 13"), HTTP_REQ_BAD);
	STATUS(WITH("Origin: a\r\nOrigin: b"), HTTP_REQ_BAD);
	STATUS(WITH("Origin:\r\nOrigin:"), HTTP_REQ_BAD);
	/* List headers may repeat. */
	STATUS(WITH("Upgrade: a\r\nUpgrade: b"), HTTP_REQ_DONE);
	STATUS(WITH("If-None-Match: \"a\"\r\nIf-None-Match: \"b\""), HTTP_REQ_DONE);
	STATUS(WITH("Accept-Language: fr\r\nAccept-Language: en"), HTTP_REQ_DONE);
}

static void t_list_walk(void **state)
{
	(void)state;
	struct http_list l = {.n = 4};
	l.line[0] = (struct http_span){"a, ,b", 5};
	l.line[1] = (struct http_span){"", 0};
	l.line[2] = (struct http_span){" c\t,", 4};
	l.line[3] = (struct http_span){",,\"W\" ,", 7};
	const char *want[] = {"a", "b", "c", "\"W\""};
	struct http_list_iter it = {0, 0};
	struct http_span e;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_true(http_req_list_next(&l, &it, &e));
		assert_int_equal(e.len, strlen(want[i]));
		assert_memory_equal(e.p, want[i], e.len);
	}
	assert_false(http_req_list_next(&l, &it, &e));
	assert_false(http_req_list_next(&l, &it, &e));
	assert_true(http_req_list_has(&l, "C"));
	assert_true(http_req_list_has(&l, "\"w\""));
	assert_false(http_req_list_has(&l, ""));
	assert_false(http_req_list_has(&l, "a, b"));
	assert_true(http_req_list_has_exact(&l, "\"W\""));
	assert_false(http_req_list_has_exact(&l, "\"w\""));
	struct http_list empty = {.n = 0};
	it = (struct http_list_iter){0, 0};
	assert_false(http_req_list_next(&empty, &it, &e));

	/* Entity tags across If-None-Match lines. */
	const char inm[] = "GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"x1\", W/\"x2\"\r\n"
			   "If-None-Match:\"x3\"\r\n\r\n";
	struct http_req r;
	assert_int_equal(http_req_parse(inm, sizeof inm - 1, &r), HTTP_REQ_DONE);
	assert_true(http_req_list_has_exact(&r.if_none_match, "\"x1\""));
	assert_true(http_req_list_has_exact(&r.if_none_match, "W/\"x2\""));
	assert_true(http_req_list_has_exact(&r.if_none_match, "\"x3\""));
	assert_false(http_req_list_has_exact(&r.if_none_match, "\"x2\""));
}

/* Decodes a path literal; returns the decoded text, or NULL when refused. */
static const char *decode(const char *path, size_t cap)
{
	static char out[HTTP_REQ_LINE_MAX + 1];
	size_t n = 12345;
	assert_true(cap <= sizeof out);
	if (!http_req_path_decode(path, strlen(path), out, cap, &n))
		return NULL;
	assert_int_equal(n, strlen(out));
	return out;
}

static void t_path_decode(void **state)
{
	(void)state;
	size_t big = HTTP_REQ_LINE_MAX + 1;
	assert_string_equal(decode("/", big), "/");
	assert_string_equal(decode("/index.html", big), "/index.html");
	assert_string_equal(decode("/a/b/", big), "/a/b/");
	assert_string_equal(decode("/a%20b%41", big), "/a bA");
	assert_string_equal(decode("/caf%C3%a9.txt", big), "/caf\xC3\xA9.txt");
	assert_string_equal(decode("/a.b/c..d/e.", big), "/a.b/c..d/e.");
	assert_string_equal(decode("/%3F%23", big), "/?#");
	/* Refused. */
	const char *bad[] = {
		"", "a", "%2F", "/%00", "/a%00b", "/..", "/../etc/passwd", "/a/../b", "/a/..",
		"/%2e%2e/x", "/.%2E", "/.", "/a/./b", "/.git/config", "/a/.hidden", "//", "//x",
		"/a//b", "/a%2Fb", "/a%2fb", "/a\\b", "/%5C", "/%ff", "/%C3", "/%C3%28", "/%ED%A0%80",
		"/%4", "/%", "/%zz", "/%0a", "/%7F", "/\x01",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (decode(bad[i], big))
			fail_msg("decoded %s", bad[i]);
	}
	/* The buffer: the path and its NUL fit exactly, or it is refused. */
	assert_string_equal(decode("/abc", 5), "/abc");
	assert_null(decode("/abc", 4));
	assert_string_equal(decode("/%41", 3), "/A");
	assert_null(decode("/%41", 2));
	assert_null(decode("/", 0));
	/* A parsed path of the longest request line fits HTTP_REQ_LINE_MAX + 1. */
	struct buf b = BUF_INIT;
	request_of_line(&b, HTTP_REQ_LINE_MAX);
	struct http_req r;
	assert_int_equal(http_req_parse(b.data, b.len, &r), HTTP_REQ_DONE);
	char out[HTTP_REQ_LINE_MAX + 1];
	size_t n;
	assert_true(http_req_path_decode(r.path.p, r.path.len, out, sizeof out, &n));
	assert_int_equal(n, r.path.len);
	buf_free(&b);
}

static void t_reasons(void **state)
{
	(void)state;
	assert_string_equal(http_req_reason(HTTP_REQ_BAD), "Bad Request");
	assert_string_equal(http_req_reason(HTTP_REQ_URI_TOO_LONG), "URI Too Long");
	assert_string_equal(http_req_reason(HTTP_REQ_VERSION), "HTTP Version Not Supported");
	assert_string_equal(http_req_reason(HTTP_REQ_DONE), "");
	assert_int_equal(HTTP_REQ_BAD, 400);
	assert_int_equal(HTTP_REQ_METHOD, 405);
	assert_int_equal(HTTP_REQ_URI_TOO_LONG, 414);
	assert_int_equal(HTTP_REQ_TOO_LARGE, 431);
	assert_int_equal(HTTP_REQ_VERSION, 505);
}

static int teardown(void **state)
{
	(void)state;
	buf_free(&shown);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_simple),
		cmocka_unit_test(t_websocket),
		cmocka_unit_test(t_keep_alive),
		cmocka_unit_test(t_values),
		cmocka_unit_test(t_line_endings),
		cmocka_unit_test(t_request_line),
		cmocka_unit_test(t_target_form),
		cmocka_unit_test(t_method),
		cmocka_unit_test(t_version),
		cmocka_unit_test(t_uri_too_long),
		cmocka_unit_test(t_field_too_long),
		cmocka_unit_test(t_head_too_large),
		cmocka_unit_test(t_headers_max),
		cmocka_unit_test(t_list_max),
		cmocka_unit_test(t_field_syntax),
		cmocka_unit_test(t_host),
		cmocka_unit_test(t_no_bodies),
		cmocka_unit_test(t_single_headers),
		cmocka_unit_test(t_list_walk),
		cmocka_unit_test(t_path_decode),
		cmocka_unit_test(t_reasons),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
