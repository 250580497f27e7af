/* http_req: the head of one HTTP/1.1 request, parsed for a server that takes GET and HEAD only.
 * Pure: no I/O, no allocation, no state between calls.
 *
 * Ownership. A struct http_req owns nothing: every span points into the bytes given to
 * http_req_parse and is valid as long as they are, unchanged and unmoved. The caller owns its
 * buffer; if it grows it (and the data moves) between calls, nothing is lost, because each call
 * parses the whole head again from the first byte and keeps nothing from earlier calls.
 *
 * Driving. Call http_req_parse with all the bytes received so far. HTTP_REQ_MORE: keep them and
 * call again when more have come. HTTP_REQ_DONE: the head used req->head_len bytes; what follows
 * (a pipelined request, or a WebSocket client's first frames after an upgrade) is the caller's.
 * Anything else is an error whose value is the status to answer with (400, 405, 414, 431, 505);
 * the connection cannot be resynchronised after one, so answer and close. Each call costs
 * O(bytes given), at most HTTP_HEAD_MAX; a caller that calls only when the new bytes hold a LF or
 * its buffer reaches HTTP_HEAD_MAX bytes gets the same verdicts (the head is checked in byte
 * order, so a prefix is either MORE or already the verdict of the whole) and bounds a trickling
 * client to HTTP_HEADERS_MAX + 2 parses per head.
 *
 * Strictness. CRLF ends a line, nothing else: a bare LF or a CR not followed by LF is a 400. The
 * request line is exactly method SP target SP version (single spaces); the target is origin-form
 * (starts with '/': absolute-form, authority-form and '*' are 400), of printable ASCII but '#',
 * each '%' followed by two hex digits. Header names are tokens followed at once by ':'; values
 * hold no control character but HTAB (obs-text, bytes 0x80-0xFF, is allowed) and lose their
 * surrounding spaces and tabs. A line that starts with a space or a tab (obs-fold) is a 400. No
 * request has a body: Transfer-Encoding of any value, a Content-Length other than one "0", or a
 * second Content-Length (even an equal one) is a 400, which leaves no room for request smuggling.
 * HTTP/1.1 needs exactly one valid Host; HTTP/1.0 at most one. Empty lines before the request line
 * are ignored (RFC 9112 2.2), within the head's limit. */
#ifndef CHARLA_FACE_WEB_HTTP_REQ_H
#define CHARLA_FACE_WEB_HTTP_REQ_H

#include <stdbool.h>
#include <stddef.h>

enum {
	HTTP_REQ_LINE_MAX = 2048,   /* bytes of the request line before its CRLF (else 414) */
	HTTP_FIELD_LINE_MAX = 4096, /* bytes of one header line before its CRLF (else 431) */
	HTTP_HEAD_MAX = 8192,       /* bytes of the whole head, the final empty line included (else 431) */
	HTTP_HEADERS_MAX = 64,      /* header lines of one request (else 431) */
	HTTP_LIST_MAX = 8,          /* lines of one list header such as Connection (else 431) */
};

/* The verdicts. An error's value is its HTTP status code. */
enum http_req_status {
	HTTP_REQ_MORE = 0,                 /* the head is not complete yet, and within the limits */
	HTTP_REQ_DONE = 1,                 /* a complete, valid head of head_len bytes */
	HTTP_REQ_BAD = 400,                /* malformed (see above) */
	HTTP_REQ_METHOD = 405,             /* a valid method other than GET or HEAD */
	HTTP_REQ_URI_TOO_LONG = 414,       /* the request line is over HTTP_REQ_LINE_MAX */
	HTTP_REQ_TOO_LARGE = 431,          /* a limit on the head, a header line or the headers */
	HTTP_REQ_VERSION = 505,            /* HTTP/x.y other than 1.0 and 1.1 */
};

enum http_method { HTTP_METHOD_GET, HTTP_METHOD_HEAD };

/* Bytes of the input. p is NULL (and len 0) when the thing is absent; an empty value that is
 * present has p set and len 0. */
struct http_span {
	const char *p;
	size_t len;
};

/* A header that may be given several times: each line's value (trimmed) as sent, in order. The
 * value as a whole is the lines joined with commas (RFC 9110 5.3), which http_req_list_next walks
 * without joining them. */
struct http_list {
	struct http_span line[HTTP_LIST_MAX];
	size_t n;
};

struct http_list_iter {
	size_t line;    /* the line being walked */
	size_t off;     /* the offset of the next element in it */
};

struct http_req {
	enum http_method method;
	struct http_span path;     /* from the '/' up to '?' or the end of the target, not decoded */
	struct http_span query;    /* after the '?'; p NULL when the target has none */
	int minor;                 /* 0 or 1: HTTP/1.minor */
	/* 1.1: unless Connection lists "close"; 1.0: if it lists "keep-alive" and not "close". */
	bool keep_alive;
	bool upgrade_websocket;    /* Upgrade lists "websocket" (case-insensitive) */
	bool connection_upgrade;   /* Connection lists "upgrade" (case-insensitive) */
	size_t head_len;           /* bytes of the head, its final CRLF CRLF included */
	size_t nheaders;           /* header lines seen */
	/* Single headers: a second line of any of these is a 400. */
	struct http_span host;
	struct http_span ws_key;      /* Sec-WebSocket-Key */
	struct http_span ws_version;  /* Sec-WebSocket-Version */
	struct http_span origin;
	/* List headers. */
	struct http_list upgrade;
	struct http_list connection;
	struct http_list ws_protocol; /* Sec-WebSocket-Protocol */
	struct http_list if_none_match;
	struct http_list accept_language;
	/* On an error, a short English reason (static), for logs; NULL otherwise. */
	const char *error;
};

/* Parses the head at data[0..len), which may be incomplete (see Driving above). *out is filled on
 * HTTP_REQ_DONE; on an error only out->error says something. O(min(len, HTTP_HEAD_MAX)). */
enum http_req_status http_req_parse(const char *data, size_t len, struct http_req *out);
/* The reason phrase of a status this module returns ("Bad Request", ...), "" for others. */
const char *http_req_reason(enum http_req_status status);

/* The next non-empty element of a list header, across its lines, with its surrounding spaces and
 * tabs trimmed (elements are split at every comma: quoted strings are not understood, which the
 * tokens, entity tags and language ranges of the headers above never need). Start with
 * *it = (struct http_list_iter){0, 0}. False at the end. */
bool http_req_list_next(const struct http_list *l, struct http_list_iter *it,
			struct http_span *out);
/* Whether the list has an element equal to token, ASCII case-insensitively (Connection,
 * Upgrade). */
bool http_req_list_has(const struct http_list *l, const char *token);
/* Whether the list has an element byte for byte equal to item (entity tags). */
bool http_req_list_has_exact(const struct http_list *l, const char *item);
/* Whether Sec-WebSocket-Protocol offers name. Exact: the server must echo the name as offered,
 * and browsers compare it so. */
bool http_req_offers_protocol(const struct http_req *r, const char *name);

/* Decodes a request path (req->path) into out[0..cap), NUL-terminated, and checks that it is a
 * safe static path: it starts with '/', its escapes are valid, and decoded it is valid UTF-8 with
 * no NUL or other control byte, no backslash, no '/' that came from "%2F", no empty segment but a
 * last one ("/" and "/dir/" are fine, "//x" is not), and no segment that starts with '.' (so no
 * "." or ".." and no hidden file). False when any of that fails or it does not fit; *out_len then
 * means nothing. A buffer of HTTP_REQ_LINE_MAX + 1 bytes always fits a parsed path. O(len). */
bool http_req_path_decode(const char *path, size_t len, char *out, size_t cap, size_t *out_len);

#endif
