/* libFuzzer target: the HTTP request head (face/web/http_req). The input is parsed whole; beyond
 * the sanitizers it checks that the verdict is one of the statuses and says why when it refuses,
 * that MORE is said only under the head's limit, and that a head it took is what it promised: it
 * ends with CRLF CRLF, every span lies inside it and holds no line break, values are trimmed and
 * free of control bytes, the limits and counts hold, and keep-alive and the upgrade flags follow
 * the lists; an oracle of its own finds no Transfer-Encoding and no second Content-Length or Host.
 * Prefixes of the input (all of them for short inputs) must say MORE or the same verdict: what lets
 * the I/O side parse whatever it has so far. The path decoder, fed the parsed path and the input
 * itself, must give only safe static paths. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "face/web/http_req.h"

enum {
	FUZZ_HTTP_ALL_PREFIXES = 160, /* inputs up to this long have every prefix parsed */
	FUZZ_HTTP_SAMPLES = 12,       /* prefixes parsed of a longer one */
};

static bool fuzz_http_inside(const char *data, size_t len, struct http_span s)
{
	if (!s.p)
		return s.len == 0;
	return s.p >= data && s.len <= len && s.p - data <= (ptrdiff_t)(len - s.len);
}

/* A header value as the parser keeps it: inside the head, trimmed, no control byte but HTAB. */
static void fuzz_http_value(const char *head, size_t len, struct http_span s)
{
	assert(fuzz_http_inside(head, len, s));
	if (!s.p || !s.len)
		return;
	assert(s.p[0] != ' ' && s.p[0] != '\t');
	assert(s.p[s.len - 1] != ' ' && s.p[s.len - 1] != '\t');
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];
		assert(c == '\t' || (c >= ' ' && c != 0x7F));
	}
}

static void fuzz_http_list(const char *head, size_t len, const struct http_list *l)
{
	assert(l->n <= HTTP_LIST_MAX);
	for (size_t i = 0; i < l->n; i++) {
		assert(l->line[i].p);
		fuzz_http_value(head, len, l->line[i]);
	}
	struct http_list_iter it = {0, 0};
	struct http_span e;
	while (http_req_list_next(l, &it, &e)) {
		assert(fuzz_http_inside(head, len, e));
		assert(e.len > 0 && !memchr(e.p, ',', e.len));
		assert(e.p[0] != ' ' && e.p[0] != '\t');
		assert(e.p[e.len - 1] != ' ' && e.p[e.len - 1] != '\t');
	}
}

/* What a safe static path is (http_req.h). */
static void fuzz_http_decode(const char *path, size_t len)
{
	char out[HTTP_REQ_LINE_MAX + 1];
	size_t n = 0;
	size_t cap = len + 1 < sizeof out ? len + 1 : sizeof out;
	if (!http_req_path_decode(path, len, out, cap, &n))
		return;
	assert(n < cap && out[n] == '\0' && n <= len);
	assert(n > 0 && out[0] == '/');
	assert(utf8_is_valid(out, n));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)out[i];
		assert(c >= ' ' && c != 0x7F && c != '\\');
		if (c == '/' && i + 1 < n)
			assert(out[i + 1] != '/' && out[i + 1] != '.');
	}
	/* Without escapes, the decoded path is the path itself. */
	if (!memchr(path, '%', len))
		assert(n == len && memcmp(out, path, n) == 0);
}

static bool fuzz_http_named(const char *line, size_t n, const char *name)
{
	size_t k = strlen(name);
	if (n <= k || line[k] != ':')
		return false;
	for (size_t i = 0; i < k; i++) {
		char c = line[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != name[i])
			return false;
	}
	return true;
}

/* An oracle of its own for the rules against bodies and smuggling: the head's lines, split at
 * CRLF, have no Transfer-Encoding, at most one Content-Length and that "0", at most one Host. */
static void fuzz_http_no_body(const char *head, size_t h)
{
	size_t lengths = 0, hosts = 0;
	size_t at = 0;
	while (at < h) {
		const char *crlf = NULL;
		for (size_t i = at; i + 1 < h; i++) {
			if (head[i] == '\r' && head[i + 1] == '\n') {
				crlf = head + i;
				break;
			}
		}
		assert(crlf);
		size_t n = (size_t)(crlf - (head + at));
		const char *line = head + at;
		assert(!memchr(line, '\n', n) && !memchr(line, '\r', n));
		assert(!fuzz_http_named(line, n, "transfer-encoding"));
		if (fuzz_http_named(line, n, "content-length")) {
			lengths++;
			const char *v = line + strlen("content-length:");
			size_t vn = n - strlen("content-length:");
			while (vn && (*v == ' ' || *v == '\t')) {
				v++;
				vn--;
			}
			while (vn && (v[vn - 1] == ' ' || v[vn - 1] == '\t'))
				vn--;
			assert(vn == 1 && v[0] == '0');
		}
		if (fuzz_http_named(line, n, "host"))
			hosts++;
		at += n + 2;
	}
	assert(lengths <= 1 && hosts <= 1);
}

static void fuzz_http_done(const char *data, size_t len, const struct http_req *r)
{
	size_t h = r->head_len;
	assert(h >= strlen("GET / HTTP/1.0\r\n\r\n") && h <= len && h <= HTTP_HEAD_MAX);
	assert(memcmp(data + h - 4, "\r\n\r\n", 4) == 0);
	assert(r->method == HTTP_METHOD_GET || r->method == HTTP_METHOD_HEAD);
	assert(r->minor == 0 || r->minor == 1);
	assert(r->nheaders <= HTTP_HEADERS_MAX);
	assert(r->error == NULL);
	const struct http_span spans[] = {r->path, r->query, r->host, r->ws_key, r->ws_version,
					  r->origin};
	for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
		assert(fuzz_http_inside(data, h, spans[i]));
		assert(!spans[i].len || (!memchr(spans[i].p, '\r', spans[i].len) &&
					 !memchr(spans[i].p, '\n', spans[i].len)));
	}
	assert(r->path.p && r->path.len > 0 && r->path.p[0] == '/');
	assert(!memchr(r->path.p, '?', r->path.len) && !memchr(r->path.p, ' ', r->path.len));
	assert(!r->query.p || r->query.p == r->path.p + r->path.len + 1);
	assert(r->minor == 0 || r->host.p);
	for (size_t i = 2; i < sizeof spans / sizeof spans[0]; i++)
		fuzz_http_value(data, h, spans[i]);
	fuzz_http_list(data, h, &r->upgrade);
	fuzz_http_list(data, h, &r->connection);
	fuzz_http_list(data, h, &r->ws_protocol);
	fuzz_http_list(data, h, &r->if_none_match);
	fuzz_http_list(data, h, &r->accept_language);
	bool close = http_req_list_has(&r->connection, "close");
	bool ka = http_req_list_has(&r->connection, "keep-alive");
	assert(r->keep_alive == (r->minor == 1 ? !close : ka && !close));
	assert(r->upgrade_websocket == http_req_list_has(&r->upgrade, "websocket"));
	assert(r->connection_upgrade == http_req_list_has(&r->connection, "upgrade"));
	fuzz_http_decode(r->path.p, r->path.len);
	fuzz_http_no_body(data, h);
}

/* A prefix says MORE or what the whole says. */
static void fuzz_http_prefix(const char *data, size_t k, enum http_req_status whole,
			     const struct http_req *r)
{
	struct http_req p;
	enum http_req_status st = http_req_parse(data, k, &p);
	if (st == HTTP_REQ_MORE)
		return;
	assert(st == whole);
	if (st == HTTP_REQ_DONE)
		assert(p.head_len == r->head_len);
	else
		assert(strcmp(p.error, r->error) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so that a read past the end is caught. */
	char *in = malloc(size ? size : 1);
	assert(in);
	memcpy(in, data, size);
	struct http_req r;
	enum http_req_status st = http_req_parse(in, size, &r);
	switch (st) {
	case HTTP_REQ_MORE:
		assert(size < HTTP_HEAD_MAX && r.error == NULL);
		break;
	case HTTP_REQ_DONE:
		fuzz_http_done(in, size, &r);
		break;
	case HTTP_REQ_BAD:
	case HTTP_REQ_METHOD:
	case HTTP_REQ_URI_TOO_LONG:
	case HTTP_REQ_TOO_LARGE:
	case HTTP_REQ_VERSION:
		assert(r.error && *r.error && *http_req_reason(st));
		break;
	default:
		assert(!"an unknown verdict");
	}
	if (size <= FUZZ_HTTP_ALL_PREFIXES) {
		for (size_t k = 0; k < size; k++)
			fuzz_http_prefix(in, k, st, &r);
	} else {
		for (size_t i = 1; i <= FUZZ_HTTP_SAMPLES; i++)
			fuzz_http_prefix(in, size * i / (FUZZ_HTTP_SAMPLES + 1), st, &r);
	}
	/* The head alone says the same, and so does it with anything after it. */
	if (st == HTTP_REQ_DONE) {
		struct http_req head;
		assert(http_req_parse(in, r.head_len, &head) == HTTP_REQ_DONE);
		assert(head.head_len == r.head_len);
	}
	fuzz_http_decode(in, size);
	free(in);
	return 0;
}
