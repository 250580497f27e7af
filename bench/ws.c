/* ws: IRC over WebSocket (RFC 6455, subprotocol text.ircv3.net), as charlad's web face speaks it
 * at /ws. A transport under irc.c, not a second IRC: this file does the HTTP upgrade and the
 * frames, and hands irc_proto the lines, so registering, joining, the PING fence, deliveries and
 * their bookkeeping are exactly those of --proto irc.
 *
 * Upgrading. On connect a client sends `GET /ws` with `Upgrade: websocket`, a Sec-WebSocket-Key
 * and `Sec-WebSocket-Protocol: text.ircv3.net`, and nothing else until the answer: it must be
 * `101`, with the subprotocol chosen and the right Sec-WebSocket-Accept (SHA-1 of the key and
 * RFC 6455's GUID, base64; libcrypto, which charlad links anyway). Anything else ends the run
 * with the server's status line. Then irc_proto.hello queues NICK and USER. The key is derived
 * from the client's number and the run's start (the server must not care what it is, only that
 * it is 16 bytes), so it need not be kept per client to check the answer.
 *
 * Client frames. Whatever irc.c queues is whole lines; just before client_flush writes them,
 * ws_encode makes each line one masked text frame (FIN, opcode 1, the line without its CR LF).
 * The masking key is a new xorshift32 value per frame: cheap, and the cost is the generator's;
 * the server unmasks whatever the key.
 *
 * Server frames. Unmasked frames, 7-, 16- or 64-bit lengths, several in one read or one split
 * across reads (what is left of a frame waits in the client's stash for the next read, as a
 * partial line does). The payloads of text frames are moved down over their own headers, each
 * message followed by LF, and the lines so made go to irc_proto.parse in one call: a header is at
 * least 2 bytes and a message adds 1, so the lines never overtake the frames still to be read.
 * A fragmented message (FIN clear, continuation frames) is joined the same way, but only once its
 * last frame is in (until then its bytes must stay as they came, for the stash). PING is
 * answered with PONG, PONG ignored, a binary message counted as unparsable; CLOSE, a masked
 * frame, reserved bits or an unknown opcode end the run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "bench.h"

static const char WS_PATH[] = "/ws";
static const char WS_PROTOCOL[] = "text.ircv3.net";
static const char WS_GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

enum {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
	WS_KEY_B64 = 24,    /* base64 of the 16-byte key */
	WS_ACCEPT_B64 = 28, /* base64 of a SHA-1 digest */
	WS_HEAD_MAX = 4096, /* an answer to the upgrade longer than this is not one */
};

/* xorshift32: masking keys and handshake keys; never 0 once seeded. */
static uint32_t ws_rand(struct bench *b)
{
	uint32_t x = b->ws_mask;
	if (!x)
		x = (uint32_t)(b->t0 ^ (b->t0 >> 32)) | 1u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return b->ws_mask = x;
}

/* Client c's Sec-WebSocket-Key: 16 bytes from its number and the run's start, in base64. */
static void ws_key(const struct bench *b, const struct client *c, char out[WS_KEY_B64 + 1])
{
	unsigned char raw[16];
	uint64_t x = b->t0 ^ ((uint64_t)(c - b->cl) * 0x9e3779b97f4a7c15ull);
	for (int i = 0; i < 16; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		raw[i] = (unsigned char)x;
	}
	EVP_EncodeBlock((unsigned char *)out, raw, sizeof(raw));
}

/* The Sec-WebSocket-Accept a server must answer client c with. */
static void ws_accept(const struct bench *b, const struct client *c, char out[WS_ACCEPT_B64 + 1])
{
	char in[WS_KEY_B64 + sizeof(WS_GUID)];
	ws_key(b, c, in);
	memcpy(in + WS_KEY_B64, WS_GUID, sizeof(WS_GUID) - 1);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	if (!EVP_Digest(in, WS_KEY_B64 + sizeof(WS_GUID) - 1, md, &mdlen, EVP_sha1(), NULL))
		bench_die("SHA-1 failed (libcrypto)");
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);
}

static void ws_hello(struct bench *b, struct client *c, uint64_t now)
{
	(void)now;
	char key[WS_KEY_B64 + 1], req[512];
	ws_key(b, c, key);
	int r = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.1\r\nHost: %s:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
			 "Sec-WebSocket-Protocol: %s\r\n\r\n",
			 WS_PATH, b->o.host, b->o.port, key, WS_PROTOCOL);
	if (r < 0 || (size_t)r >= sizeof(req))
		bench_die("upgrade request too long");
	client_out_mem(c, req, (size_t)r);
	c->enc_off = c->out_len; /* HTTP, not frames */
}

/* The value of header name in the response head h[0..len) (CR LF lines), or NULL. */
static const char *ws_header(const char *h, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *end = h + len;
	const char *p = memchr(h, '\n', len);
	while (p && p + 1 < end) {
		const char *line = p + 1;
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			break;
		if ((size_t)(eol - line) > nl && line[nl] == ':' && strncasecmp(line, name, nl) == 0) {
			const char *v = line + nl + 1, *ve = eol;
			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
				ve--;
			*vlen = (size_t)(ve - v);
			return v;
		}
		p = eol;
	}
	return NULL;
}

static bool ws_value_is(const char *v, size_t vlen, const char *want)
{
	return v && vlen == strlen(want) && strncasecmp(v, want, vlen) == 0;
}

/* The answer to the upgrade, in buf[0..len): returns the bytes of its head once it is all in (0
 * before), and opens the WebSocket, or ends the run if it is not a 101 for text.ircv3.net. */
static size_t ws_handshake(struct bench *b, struct client *c, char *buf, size_t len, uint64_t now)
{
	unsigned i = (unsigned)(c - b->cl);
	const char *end = NULL;
	for (size_t k = 0; k + 3 < len; k++) {
		if (buf[k] == '\r' && buf[k + 1] == '\n' && buf[k + 2] == '\r' && buf[k + 3] == '\n') {
			end = buf + k + 4;
			break;
		}
	}
	if (!end) {
		if (len > WS_HEAD_MAX)
			bench_fail(b, "client %u: no end to the answer to its upgrade in %zu bytes", i, len);
		return 0;
	}
	size_t hlen = (size_t)(end - buf);
	const char *eol = memchr(buf, '\r', hlen);
	int sl = (int)(eol - buf > 120 ? 120 : eol - buf);
	if (!bench_starts(buf, hlen, "HTTP/1.1 101 ")) {
		bench_error_line(b, buf, (size_t)sl);
		bench_fail(b, "client %u: the upgrade to %s was refused: %.*s", i, WS_PATH, sl, buf);
		return len;
	}
	size_t vl = 0;
	const char *v = ws_header(buf, hlen, "Upgrade", &vl);
	if (!ws_value_is(v, vl, "websocket")) {
		bench_fail(b, "client %u: a 101 without Upgrade: websocket", i);
		return len;
	}
	v = ws_header(buf, hlen, "Sec-WebSocket-Protocol", &vl);
	if (!ws_value_is(v, vl, WS_PROTOCOL)) {
		bench_fail(b, "client %u: a 101 without Sec-WebSocket-Protocol: %s (got %.*s)", i,
			   WS_PROTOCOL, v ? (int)(vl > 60 ? 60 : vl) : 6, v ? v : "(none)");
		return len;
	}
	char want[WS_ACCEPT_B64 + 1];
	ws_accept(b, c, want);
	v = ws_header(buf, hlen, "Sec-WebSocket-Accept", &vl);
	if (!v || vl != WS_ACCEPT_B64 || memcmp(v, want, WS_ACCEPT_B64) != 0) {
		bench_fail(b, "client %u: wrong Sec-WebSocket-Accept %.*s, expected %s", i,
			   v ? (int)(vl > 40 ? 40 : vl) : 6, v ? v : "(none)", want);
		return len;
	}
	c->ws_open = true;
	irc_proto.hello(b, c, now);
	client_flush(b, c);
	return hlen;
}

/* Appends one masked frame of opcode op carrying p[0..n) to c's output (already framed). */
static void ws_frame_out(struct bench *b, struct client *c, unsigned op, const char *p, size_t n)
{
	size_t hl = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
	unsigned char *h = (unsigned char *)client_out(c, hl + 4 + n);
	h[0] = (unsigned char)(0x80 | op);
	if (n < 126) {
		h[1] = (unsigned char)(0x80 | n);
	} else if (n <= 0xffff) {
		h[1] = 0x80 | 126;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
	} else {
		h[1] = 0x80 | 127;
		for (int k = 0; k < 8; k++)
			h[2 + k] = (unsigned char)((uint64_t)n >> (56 - 8 * k));
	}
	uint32_t key = ws_rand(b);
	unsigned char mk[4] = {(unsigned char)(key >> 24), (unsigned char)(key >> 16),
			       (unsigned char)(key >> 8), (unsigned char)key};
	memcpy(h + hl, mk, 4);
	unsigned char *d = h + hl + 4;
	for (size_t k = 0; k < n; k++)
		d[k] = (unsigned char)p[k] ^ mk[k & 3];
}

/* out[enc_off..out_len) holds lines irc.c queued: each becomes one masked text frame. */
static void ws_encode(struct bench *b, struct client *c)
{
	if (!c->ws_open) {
		c->enc_off = c->out_len; /* nothing but the upgrade request goes before the 101 */
		return;
	}
	size_t n = c->out_len - c->enc_off;
	if (n > b->wscratch_cap) {
		size_t cap = b->wscratch_cap ? b->wscratch_cap : 4096;
		while (cap < n)
			cap *= 2;
		free(b->wscratch);
		b->wscratch = bench_alloc(cap);
		b->wscratch_cap = cap;
	}
	char *s = b->wscratch;
	memcpy(s, c->out + c->enc_off, n);
	c->out_len = c->enc_off;
	size_t at = 0;
	while (at < n) {
		char *nl = memchr(s + at, '\n', n - at);
		size_t end = nl ? (size_t)(nl - s) : n; /* irc.c queues whole lines: no remainder */
		size_t next = nl ? end + 1 : n;
		if (end > at && s[end - 1] == '\r')
			end--;
		ws_frame_out(b, c, WS_OP_TEXT, s + at, end - at);
		at = next;
	}
	c->enc_off = c->out_len;
}

/* The frame at p[0..len): its header and payload lengths, or false if its header is not all in. */
static bool ws_frame_len(const unsigned char *p, size_t len, size_t *hl, uint64_t *pl)
{
	if (len < 2)
		return false;
	*hl = 2;
	*pl = p[1] & 0x7f;
	if (*pl == 126) {
		if (len < 4)
			return false;
		*pl = (uint64_t)p[2] << 8 | p[3];
		*hl = 4;
	} else if (*pl == 127) {
		if (len < 10)
			return false;
		*pl = 0;
		for (int k = 0; k < 8; k++)
			*pl = *pl << 8 | p[2 + k];
		*hl = 10;
	}
	return true;
}

/* Whether the fragmented message whose first frame is at p is all in p[0..len): every frame up to
 * a data frame with FIN set (control frames may come between). */
static bool ws_message_in(const unsigned char *p, size_t len)
{
	size_t at = 0;
	for (;;) {
		size_t hl;
		uint64_t pl;
		if (!ws_frame_len(p + at, len - at, &hl, &pl) || len - at - hl < pl)
			return false;
		bool last = (p[at] & 0x80) && (p[at] & 0x08) == 0;
		at += hl + (size_t)pl;
		if (last)
			return true;
	}
}

static size_t ws_parse(struct bench *b, struct client *c, char *buf, size_t len, uint64_t now)
{
	size_t at = 0;
	if (!c->ws_open) {
		at = ws_handshake(b, c, buf, len, now);
		if (!c->ws_open)
			return at;
	}
	unsigned i = (unsigned)(c - b->cl);
	char *lines = buf + at;  /* the unwrapped lines, written over the frames already read */
	char *w = lines;         /* where the next payload byte goes */
	char *whole = lines;     /* the end of the last complete message's line */
	size_t used = at;        /* input through the last complete message */
	bool in_msg = false;     /* a fragmented message has begun (and is all in) */
	bool stop = false;
	while (!stop && len - at >= 2) {
		const unsigned char *h = (const unsigned char *)buf + at;
		size_t hl;
		uint64_t pl;
		if (h[1] & 0x80) {
			bench_fail(b, "client %u: a masked frame from the server", i);
			return len;
		}
		if (h[0] & 0x70) {
			bench_fail(b, "client %u: a frame with reserved bits set (0x%02x)", i, h[0]);
			return len;
		}
		if (!ws_frame_len(h, len - at, &hl, &pl))
			break;
		if (pl > MAX_STASH - hl) {
			bench_fail(b, "client %u: a frame of %llu bytes", i, (unsigned long long)pl);
			return len;
		}
		if (len - at - hl < pl)
			break;
		unsigned op = h[0] & 0x0f;
		bool fin = h[0] & 0x80;
		if (op == WS_OP_TEXT && !fin && !ws_message_in(h, len - at))
			break; /* wait for the rest of the message, its bytes untouched */
		char *p = buf + at + hl;
		at += hl + (size_t)pl;
		switch (op) {
		case WS_OP_TEXT:
		case WS_OP_CONT:
			if ((op == WS_OP_CONT) != in_msg) {
				bench_fail(b, "client %u: %s", i, in_msg ? "a new message inside a fragmented one"
								  : "a continuation frame outside a message");
				return len;
			}
			memmove(w, p, (size_t)pl);
			w += pl;
			in_msg = !fin;
			if (fin) {
				*w++ = '\n';
				whole = w;
				used = at;
			}
			break;
		case WS_OP_BINARY:
			b->bogus++; /* text.ircv3.net is text; read on */
			if (!fin) {
				bench_fail(b, "client %u: a fragmented binary message", i);
				return len;
			}
			if (!in_msg)
				used = at;
			break;
		case WS_OP_PING:
			if (c->enc_off < c->out_len)
				ws_encode(b, c); /* lines queued before go first, framed */
			ws_frame_out(b, c, WS_OP_PONG, p, (size_t)pl);
			c->enc_off = c->out_len;
			client_flush(b, c);
			if (!in_msg)
				used = at;
			break;
		case WS_OP_PONG:
			if (!in_msg)
				used = at;
			break;
		case WS_OP_CLOSE: {
			unsigned code = pl >= 2 ? (unsigned)((unsigned char)p[0] << 8 | (unsigned char)p[1]) : 0;
			int rl = pl > 2 ? (int)(pl - 2 > 100 ? 100 : pl - 2) : 0;
			char line[160];
			int ll = snprintf(line, sizeof(line), "WebSocket close %u %.*s", code, rl, p + 2);
			bench_error_line(b, line, ll > 0 ? (size_t)ll : 0);
			bench_fail(b, "client %u: the server closed the WebSocket (%u %.*s)", i, code, rl,
				   p + 2);
			stop = true;
			break;
		}
		default:
			bench_fail(b, "client %u: a frame with opcode %u", i, op);
			return len;
		}
	}
	if (whole > lines)
		irc_proto.parse(b, c, lines, (size_t)(whole - lines), now);
	return stop ? len : used;
}

static char *ws_frame(struct bench *b, struct client *c)
{
	return irc_proto.frame(b, c);
}

static void ws_settle(struct bench *b)
{
	irc_proto.settle(b);
}

const struct proto ws_proto = {
	.name = "ws",
	.hello = ws_hello,
	.parse = ws_parse,
	.frame = ws_frame,
	.settle = ws_settle,
	.encode = ws_encode,
};
