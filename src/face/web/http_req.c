#include "face/web/http_req.h"

#include <stddef.h>
#include <string.h>

#include "base/utf8.h"

/* What the parser does with a header it knows; every other header is checked and counted only. */
enum http_req_kind {
	HTTP_REQ_SINGLE,   /* a span; a second line is a 400 */
	HTTP_REQ_HOST,     /* a single span whose value must be a valid host [":" port] */
	HTTP_REQ_LIST,     /* up to HTTP_LIST_MAX lines */
	HTTP_REQ_LENGTH,   /* Content-Length: one "0" at most */
	HTTP_REQ_CODING,   /* Transfer-Encoding: never */
};

struct http_req_field_def {
	const char *name;  /* lower case */
	enum http_req_kind kind;
	size_t off;        /* of the span or list in struct http_req */
};

static const struct http_req_field_def http_req_fields[] = {
	{"host", HTTP_REQ_HOST, offsetof(struct http_req, host)},
	{"connection", HTTP_REQ_LIST, offsetof(struct http_req, connection)},
	{"upgrade", HTTP_REQ_LIST, offsetof(struct http_req, upgrade)},
	{"sec-websocket-key", HTTP_REQ_SINGLE, offsetof(struct http_req, ws_key)},
	{"sec-websocket-version", HTTP_REQ_SINGLE, offsetof(struct http_req, ws_version)},
	{"sec-websocket-protocol", HTTP_REQ_LIST, offsetof(struct http_req, ws_protocol)},
	{"origin", HTTP_REQ_SINGLE, offsetof(struct http_req, origin)},
	{"if-none-match", HTTP_REQ_LIST, offsetof(struct http_req, if_none_match)},
	{"accept-language", HTTP_REQ_LIST, offsetof(struct http_req, accept_language)},
	{"content-length", HTTP_REQ_LENGTH, 0},
	{"transfer-encoding", HTTP_REQ_CODING, 0},
};

/* What the parse carries from line to line besides *out. */
struct http_req_scan {
	struct http_req *out;
	bool started;      /* the request line was parsed */
	bool has_length;   /* a Content-Length was seen */
};

static bool http_req_alpha(unsigned char c);
static bool http_req_digit(unsigned char c);
static int http_req_hex(unsigned char c);
static bool http_req_tchar(unsigned char c);
static bool http_req_ieq(const char *s, size_t n, const char *t);
static bool http_req_host_ok(const char *s, size_t n);
static void http_req_trim(const char **p, size_t *n);
static enum http_req_status http_req_fail(struct http_req *out, enum http_req_status st,
					  const char *why);
static enum http_req_status http_req_line_end(const char *data, size_t len, size_t start,
					      size_t max, enum http_req_status too_long,
					      size_t *end, struct http_req *out);
static enum http_req_status http_req_request_line(const char *s, size_t n, struct http_req *out);
static enum http_req_status http_req_field(const char *s, size_t n, struct http_req_scan *sc);
static enum http_req_status http_req_known(const struct http_req_field_def *def, const char *v,
					   size_t vlen, struct http_req_scan *sc);
static enum http_req_status http_req_end(struct http_req *out);

static bool http_req_alpha(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}

static bool http_req_digit(unsigned char c)
{
	return (unsigned char)(c - '0') < 10;
}

static int http_req_hex(unsigned char c)
{
	if (http_req_digit(c))
		return c - '0';
	if ((unsigned char)((c | 0x20) - 'a') < 6)
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* tchar of RFC 9110 5.6.2: what methods and header names are made of. */
static bool http_req_tchar(unsigned char c)
{
	return http_req_alpha(c) || http_req_digit(c) ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Whether s[0..n) equals the string t, ASCII case-insensitively. */
static bool http_req_ieq(const char *s, size_t n, const char *t)
{
	if (strlen(t) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)s[i], b = (unsigned char)t[i];
		if (a != b && !(http_req_alpha(a) && (a ^ b) == 0x20))
			return false;
	}
	return true;
}

/* Host = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2): an IP literal in brackets, or a
 * reg-name or IPv4 address (unreserved, sub-delims, percent-escapes), then digits after a ':'.
 * An empty host is valid (a target without an authority), and so is an empty port. */
static bool http_req_host_ok(const char *s, size_t n)
{
	static const char sub_delims[] = "!$&'()*+,;=";
	size_t i = 0;
	if (n > 0 && s[0] == '[') {
		const char *rb = memchr(s, ']', n);
		if (!rb || rb == s + 1)
			return false;
		for (i = 1; s + i < rb; i++) {
			unsigned char c = (unsigned char)s[i];
			if (!http_req_alpha(c) && !http_req_digit(c) && !strchr(":.-_~", c) &&
			    !strchr(sub_delims, c))
				return false;
		}
		i++;
	} else {
		for (; i < n && s[i] != ':'; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '%') {
				if (n - i < 3 || http_req_hex((unsigned char)s[i + 1]) < 0 ||
				    http_req_hex((unsigned char)s[i + 2]) < 0)
					return false;
				i += 2;
			} else if (!http_req_alpha(c) && !http_req_digit(c) && !strchr(".-_~", c) &&
				   !strchr(sub_delims, c)) {
				return false;
			}
		}
	}
	if (i == n)
		return true;
	if (s[i] != ':')
		return false;
	for (i++; i < n; i++)
		if (!http_req_digit((unsigned char)s[i]))
			return false;
	return true;
}

/* Drops the spaces and tabs (OWS) around *p[0..*n). */
static void http_req_trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

static enum http_req_status http_req_fail(struct http_req *out, enum http_req_status st,
					  const char *why)
{
	out->error = why;
	return st;
}

/* Finds the CRLF that ends the line starting at data[start]: *end is the offset of its CR. The
 * bytes are checked in order, each against the head's limit, then for a bare LF or CR, then
 * against the line's limit (max bytes before the CR; too_long is the verdict past it), so that
 * what a prefix of the input says is what the whole says, or MORE. MORE only while fewer than
 * HTTP_HEAD_MAX bytes have come: with that many, the head is complete or refused. */
static enum http_req_status http_req_line_end(const char *data, size_t len, size_t start,
					      size_t max, enum http_req_status too_long,
					      size_t *end, struct http_req *out)
{
	for (size_t i = start; i < len; i++) {
		if (i >= HTTP_HEAD_MAX)
			return http_req_fail(out, HTTP_REQ_TOO_LARGE, "head too large");
		char c = data[i];
		if (c == '\n')
			return http_req_fail(out, HTTP_REQ_BAD, "bare LF");
		if (c == '\r') {
			if (i + 1 >= HTTP_HEAD_MAX)
				return http_req_fail(out, HTTP_REQ_TOO_LARGE, "head too large");
			if (i + 1 == len)
				return HTTP_REQ_MORE;
			if (data[i + 1] != '\n')
				return http_req_fail(out, HTTP_REQ_BAD, "bare CR");
			*end = i;
			return HTTP_REQ_DONE;
		}
		if (i - start >= max)
			return http_req_fail(out, too_long, "line too long");
	}
	if (len >= HTTP_HEAD_MAX)
		return http_req_fail(out, HTTP_REQ_TOO_LARGE, "head too large");
	return HTTP_REQ_MORE;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3). Syntax first (400), then
 * the version (505), then the method (405), then the target's form (400). */
static enum http_req_status http_req_request_line(const char *s, size_t n, struct http_req *out)
{
	const char *sp1 = memchr(s, ' ', n);
	if (!sp1 || sp1 == s)
		return http_req_fail(out, HTTP_REQ_BAD, "malformed request line");
	size_t mlen = (size_t)(sp1 - s);
	for (size_t i = 0; i < mlen; i++)
		if (!http_req_tchar((unsigned char)s[i]))
			return http_req_fail(out, HTTP_REQ_BAD, "bad method");
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', (size_t)(s + n - t));
	if (!sp2 || sp2 == t)
		return http_req_fail(out, HTTP_REQ_BAD, "malformed request line");
	size_t tlen = (size_t)(sp2 - t);
	const char *v = sp2 + 1;
	size_t vlen = (size_t)(s + n - v);
	if (vlen != strlen("HTTP/1.1") || memcmp(v, "HTTP/", 5) != 0 ||
	    !http_req_digit((unsigned char)v[5]) || v[6] != '.' ||
	    !http_req_digit((unsigned char)v[7]))
		return http_req_fail(out, HTTP_REQ_BAD, "malformed version");
	for (size_t i = 0; i < tlen; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c <= ' ' || c >= 0x7F || c == '#')
			return http_req_fail(out, HTTP_REQ_BAD, "bad byte in target");
		if (c == '%') {
			if (tlen - i < 3 || http_req_hex((unsigned char)t[i + 1]) < 0 ||
			    http_req_hex((unsigned char)t[i + 2]) < 0)
				return http_req_fail(out, HTTP_REQ_BAD, "bad escape in target");
			i += 2;
		}
	}
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return http_req_fail(out, HTTP_REQ_VERSION, "HTTP version not supported");
	out->minor = v[7] - '0';
	if (mlen == 3 && memcmp(s, "GET", 3) == 0)
		out->method = HTTP_METHOD_GET;
	else if (mlen == 4 && memcmp(s, "HEAD", 4) == 0)
		out->method = HTTP_METHOD_HEAD;
	else
		return http_req_fail(out, HTTP_REQ_METHOD, "method not allowed");
	if (t[0] != '/')
		return http_req_fail(out, HTTP_REQ_BAD, "target not in origin-form");
	const char *q = memchr(t, '?', tlen);
	size_t plen = q ? (size_t)(q - t) : tlen;
	out->path = (struct http_span){t, plen};
	if (q)
		out->query = (struct http_span){q + 1, tlen - plen - 1};
	return HTTP_REQ_DONE;
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5). */
static enum http_req_status http_req_field(const char *s, size_t n, struct http_req_scan *sc)
{
	struct http_req *out = sc->out;
	if (s[0] == ' ' || s[0] == '\t')
		return http_req_fail(out, HTTP_REQ_BAD, "folded or indented header line");
	const char *colon = memchr(s, ':', n);
	if (!colon || colon == s)
		return http_req_fail(out, HTTP_REQ_BAD, "malformed header line");
	size_t nlen = (size_t)(colon - s);
	for (size_t i = 0; i < nlen; i++)
		if (!http_req_tchar((unsigned char)s[i]))
			return http_req_fail(out, HTTP_REQ_BAD, "bad header name");
	const char *v = colon + 1;
	size_t vlen = (size_t)(s + n - v);
	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)v[i];
		if ((c < ' ' && c != '\t') || c == 0x7F)
			return http_req_fail(out, HTTP_REQ_BAD, "control byte in header value");
	}
	http_req_trim(&v, &vlen);
	if (++out->nheaders > HTTP_HEADERS_MAX)
		return http_req_fail(out, HTTP_REQ_TOO_LARGE, "too many headers");
	for (size_t i = 0; i < sizeof http_req_fields / sizeof http_req_fields[0]; i++)
		if (http_req_ieq(s, nlen, http_req_fields[i].name))
			return http_req_known(&http_req_fields[i], v, vlen, sc);
	return HTTP_REQ_DONE;
}

/* A header of http_req_fields, its value trimmed. */
static enum http_req_status http_req_known(const struct http_req_field_def *def, const char *v,
					   size_t vlen, struct http_req_scan *sc)
{
	struct http_req *out = sc->out;
	if (def->kind == HTTP_REQ_HOST && !http_req_host_ok(v, vlen))
		return http_req_fail(out, HTTP_REQ_BAD, "bad Host");
	switch (def->kind) {
	case HTTP_REQ_HOST:
	case HTTP_REQ_SINGLE: {
		struct http_span *span = (struct http_span *)(void *)((char *)out + def->off);
		if (span->p)
			return http_req_fail(out, HTTP_REQ_BAD, "duplicate header");
		*span = (struct http_span){v, vlen};
		return HTTP_REQ_DONE;
	}
	case HTTP_REQ_LIST: {
		struct http_list *l = (struct http_list *)(void *)((char *)out + def->off);
		if (l->n == HTTP_LIST_MAX)
			return http_req_fail(out, HTTP_REQ_TOO_LARGE, "list header repeated too often");
		l->line[l->n++] = (struct http_span){v, vlen};
		return HTTP_REQ_DONE;
	}
	case HTTP_REQ_LENGTH:
		if (sc->has_length)
			return http_req_fail(out, HTTP_REQ_BAD, "duplicate Content-Length");
		if (vlen != 1 || v[0] != '0')
			return http_req_fail(out, HTTP_REQ_BAD, "request body");
		sc->has_length = true;
		return HTTP_REQ_DONE;
	case HTTP_REQ_CODING:
		return http_req_fail(out, HTTP_REQ_BAD, "Transfer-Encoding");
	}
	return HTTP_REQ_DONE;
}

/* The empty line: what needs the whole head. */
static enum http_req_status http_req_end(struct http_req *out)
{
	if (out->minor == 1 && !out->host.p)
		return http_req_fail(out, HTTP_REQ_BAD, "no Host");
	out->upgrade_websocket = http_req_list_has(&out->upgrade, "websocket");
	out->connection_upgrade = http_req_list_has(&out->connection, "upgrade");
	bool close = http_req_list_has(&out->connection, "close");
	if (out->minor == 1)
		out->keep_alive = !close;
	else
		out->keep_alive = !close && http_req_list_has(&out->connection, "keep-alive");
	return HTTP_REQ_DONE;
}

enum http_req_status http_req_parse(const char *data, size_t len, struct http_req *out)
{
	memset(out, 0, sizeof *out);
	struct http_req_scan sc = {.out = out};
	size_t start = 0;
	for (;;) {
		size_t max = sc.started ? HTTP_FIELD_LINE_MAX : HTTP_REQ_LINE_MAX;
		enum http_req_status too_long = sc.started ? HTTP_REQ_TOO_LARGE : HTTP_REQ_URI_TOO_LONG;
		size_t end = 0;
		enum http_req_status st = http_req_line_end(data, len, start, max, too_long, &end, out);
		if (st != HTTP_REQ_DONE)
			return st;
		const char *line = data + start;
		size_t n = end - start;
		start = end + 2;
		if (!sc.started) {
			if (n == 0)
				continue; /* an empty line before the request line: ignored */
			st = http_req_request_line(line, n, out);
			sc.started = true;
		} else if (n == 0) {
			st = http_req_end(out);
			out->head_len = start;
			return st;
		} else {
			st = http_req_field(line, n, &sc);
		}
		if (st != HTTP_REQ_DONE)
			return st;
	}
}

const char *http_req_reason(enum http_req_status status)
{
	switch (status) {
	case HTTP_REQ_BAD: return "Bad Request";
	case HTTP_REQ_METHOD: return "Method Not Allowed";
	case HTTP_REQ_URI_TOO_LONG: return "URI Too Long";
	case HTTP_REQ_TOO_LARGE: return "Request Header Fields Too Large";
	case HTTP_REQ_VERSION: return "HTTP Version Not Supported";
	case HTTP_REQ_MORE:
	case HTTP_REQ_DONE:
		break;
	}
	return "";
}

bool http_req_list_next(const struct http_list *l, struct http_list_iter *it, struct http_span *out)
{
	while (it->line < l->n) {
		const struct http_span *v = &l->line[it->line];
		if (it->off > v->len) {
			it->line++;
			it->off = 0;
			continue;
		}
		const char *p = v->p + it->off;
		size_t rest = v->len - it->off;
		const char *comma = rest ? memchr(p, ',', rest) : NULL;
		size_t n = comma ? (size_t)(comma - p) : rest;
		it->off += n + 1; /* past the comma, or past the end: the next line then */
		http_req_trim(&p, &n);
		if (n > 0) {
			*out = (struct http_span){p, n};
			return true;
		}
	}
	return false;
}

bool http_req_list_has(const struct http_list *l, const char *token)
{
	struct http_list_iter it = {0, 0};
	struct http_span e;
	while (http_req_list_next(l, &it, &e))
		if (http_req_ieq(e.p, e.len, token))
			return true;
	return false;
}

bool http_req_list_has_exact(const struct http_list *l, const char *item)
{
	size_t k = strlen(item);
	struct http_list_iter it = {0, 0};
	struct http_span e;
	while (http_req_list_next(l, &it, &e))
		if (e.len == k && memcmp(e.p, item, k) == 0)
			return true;
	return false;
}

bool http_req_offers_protocol(const struct http_req *r, const char *name)
{
	return http_req_list_has_exact(&r->ws_protocol, name);
}

bool http_req_path_decode(const char *path, size_t len, char *out, size_t cap, size_t *out_len)
{
	if (len == 0 || path[0] != '/')
		return false;
	size_t w = 0;
	size_t seg = 0; /* where the current segment starts in out */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)path[i];
		bool slash = c == '/';
		if (c == '%') {
			if (len - i < 3)
				return false;
			int hi = http_req_hex((unsigned char)path[i + 1]);
			int lo = http_req_hex((unsigned char)path[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
			if (c == '/')
				return false; /* an escaped slash would make a segment of two */
		}
		if (c < ' ' || c == 0x7F || c == '\\')
			return false; /* NUL and other controls; a Windows separator */
		if (slash && w > 0 && w == seg)
			return false; /* an empty segment ("//") */
		if (!slash && w == seg && c == '.')
			return false; /* ".", ".." or a hidden file */
		if (w + 1 >= cap)
			return false; /* no room for c and the NUL */
		out[w++] = (char)c;
		if (slash)
			seg = w;
	}
	out[w] = '\0';
	if (!utf8_is_valid(out, w))
		return false;
	*out_len = w;
	return true;
}
