#include "net/ws_frame.h"

#include <assert.h>
#include <string.h>

#include "base/utf8.h"

enum {
	WS_MASK_LEN = 4,         /* bytes of a masking key */
	WS_LEN_16 = 126,         /* the 7-bit length that says a 16-bit length follows */
	WS_LEN_64 = 127,         /* ... and a 64-bit one */
};

/* A frame header as read from a client. */
struct ws_head {
	bool fin;
	enum ws_opcode op;
	uint64_t len;                       /* of the payload */
	unsigned char key[WS_MASK_LEN];
};

static bool ws_frame_control(unsigned op);
static enum ws_ev ws_reader_fail(struct ws_reader *r, unsigned code, const char *why,
				 struct ws_event *ev);
static size_t ws_reader_refuse(struct ws_reader *r, unsigned code, const char *why);
static size_t ws_reader_head(struct ws_reader *r, const unsigned char *d, size_t len,
			     struct ws_head *h);
static void ws_reader_unmask(char *p, size_t n, const unsigned char key[WS_MASK_LEN]);
static bool ws_reader_utf8(struct ws_reader *r, bool final);
static enum ws_ev ws_reader_close(struct ws_reader *r, char *p, size_t n,
				  struct ws_event *ev);
static enum ws_ev ws_reader_frame(struct ws_reader *r, const struct ws_head *h, char *p,
				  size_t n, struct ws_event *ev);

static bool ws_frame_control(unsigned op)
{
	return (op & 0x8) != 0;
}

size_t ws_frame_header(unsigned char out[WS_HEADER_MAX], enum ws_opcode op, bool fin,
		       uint64_t payload_len)
{
	assert(!ws_frame_control(op) || (fin && payload_len <= WS_CONTROL_MAX));
	assert(payload_len >> 63 == 0);
	out[0] = (unsigned char)((fin ? 0x80u : 0u) | (unsigned)op);
	if (payload_len < WS_LEN_16) {
		out[1] = (unsigned char)payload_len;
		return 2;
	}
	if (payload_len <= 0xFFFF) {
		out[1] = WS_LEN_16;
		out[2] = (unsigned char)(payload_len >> 8);
		out[3] = (unsigned char)payload_len;
		return 4;
	}
	out[1] = WS_LEN_64;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (unsigned char)(payload_len >> (56 - 8 * i));
	return WS_HEADER_MAX;
}

void ws_frame_append(struct buf *b, enum ws_opcode op, bool fin, const void *payload, size_t len)
{
	unsigned char h[WS_HEADER_MAX];
	size_t hlen = ws_frame_header(h, op, fin, len);
	buf_reserve(b, hlen + len);
	buf_append(b, h, hlen);
	buf_append(b, payload, len);
}

void ws_frame_lines(struct buf *b, enum ws_opcode op, const char *text, size_t len)
{
	size_t i = 0;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t next = nl ? end + 1 : len;
		if (end > i && text[end - 1] == '\r' && nl)
			end--;
		if (end > i)
			ws_frame_append(b, op, true, text + i, end - i);
		i = next;
	}
}

bool ws_frame_unframe(struct buf *out, const char *frames, size_t len)
{
	const unsigned char *d = (const unsigned char *)frames;
	size_t i = 0;
	while (i < len) {
		if (len - i < 2 || (d[i + 1] & 0x80))
			return false;
		uint64_t n = d[i + 1] & 0x7F;
		size_t head = 2;
		if (n == WS_LEN_16 || n == WS_LEN_64) {
			size_t bytes = n == WS_LEN_16 ? 2 : 8;
			if (len - i < 2 + bytes)
				return false;
			n = 0;
			for (size_t k = 0; k < bytes; k++)
				n = n << 8 | d[i + 2 + k];
			head += bytes;
		}
		if (n > len - i - head)
			return false;
		unsigned op = d[i] & 0x0F;
		if (op == WS_OP_TEXT || op == WS_OP_BINARY) {
			buf_append(out, frames + i + head, (size_t)n);
			buf_append(out, "\r\n", 2);
		}
		i += head + (size_t)n;
	}
	return true;
}

bool ws_close_code_ok(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
	       (code >= 3000 && code <= 4999);
}

void ws_frame_close(struct buf *b, unsigned code, const char *reason, size_t len)
{
	unsigned char p[WS_CONTROL_MAX];
	size_t n = 0;
	if (ws_close_code_ok(code)) {
		p[0] = (unsigned char)(code >> 8);
		p[1] = (unsigned char)code;
		n = 2;
		size_t keep = utf8_boundary(reason, len, WS_CLOSE_REASON_MAX);
		if (keep > 0 && utf8_is_valid(reason, keep)) {
			memcpy(p + n, reason, keep);
			n += keep;
		}
	}
	ws_frame_append(b, WS_OP_CLOSE, true, p, n);
}

void ws_reader_init(struct ws_reader *r, size_t frame_max, size_t message_max)
{
	memset(r, 0, sizeof *r);
	r->frame_max = frame_max;
	r->message_max = message_max;
	buf_init(&r->msg);
	r->msg_op = WS_OP_CONT;
}

void ws_reader_free(struct ws_reader *r)
{
	buf_free(&r->msg);
}

size_t ws_reader_input_max(const struct ws_reader *r)
{
	size_t payload = r->frame_max > WS_CONTROL_MAX ? r->frame_max : WS_CONTROL_MAX;
	return WS_CLIENT_HEADER_MAX + payload - 1;
}

static enum ws_ev ws_reader_fail(struct ws_reader *r, unsigned code, const char *why,
				 struct ws_event *ev)
{
	r->failed = true;
	r->error = (struct ws_event){WS_EV_ERROR, NULL, 0, code, why};
	*ev = r->error;
	return WS_EV_ERROR;
}

/* ws_reader_fail for ws_reader_head, which says "no header" with 0. */
static size_t ws_reader_refuse(struct ws_reader *r, unsigned code, const char *why)
{
	struct ws_event ev;
	ws_reader_fail(r, code, why, &ev);
	return 0;
}

/* Reads the frame header at d[0..len). Each byte is checked as soon as it is there, so a header
 * is refused as early as can be, and what a prefix says is what the whole says, or "more".
 * Returns the header's size (with the masking key), or 0: more bytes are needed, or r->failed is
 * set (with r->error). */
static size_t ws_reader_head(struct ws_reader *r, const unsigned char *d, size_t len,
			     struct ws_head *h)
{
	if (len < 1)
		return 0;
	bool fin = (d[0] & 0x80) != 0;
	unsigned op = d[0] & 0x0F;
	if (d[0] & 0x70)
		return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "reserved bits set");
	if (op != WS_OP_CONT && op != WS_OP_TEXT && op != WS_OP_BINARY && op != WS_OP_CLOSE &&
	    op != WS_OP_PING && op != WS_OP_PONG)
		return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "unknown opcode");
	bool control = ws_frame_control(op);
	if (control && !fin)
		return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "fragmented control frame");
	if (op == WS_OP_CONT && r->msg_op == WS_OP_CONT)
		return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "continuation outside a message");
	if ((op == WS_OP_TEXT || op == WS_OP_BINARY) && r->msg_op != WS_OP_CONT)
		return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "new message inside a fragmented one");
	if (len < 2)
		return 0;
	if (!(d[1] & 0x80))
		return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "unmasked frame");
	uint64_t n = d[1] & 0x7F;
	size_t size = 2;
	if (control && n > WS_CONTROL_MAX)
		return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "control frame over 125 bytes");
	if (n == WS_LEN_16) {
		if (len < 4)
			return 0;
		n = (uint64_t)d[2] << 8 | d[3];
		size = 4;
	} else if (n == WS_LEN_64) {
		if (len < 10)
			return 0;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | d[2 + i];
		if (n >> 63)
			return ws_reader_refuse(r, WS_CLOSE_PROTOCOL, "64-bit length with the top bit set");
		size = 10;
	}
	if (!control) {
		/* From the header, before any of the payload is waited for. */
		size_t have = r->msg_op != WS_OP_CONT ? r->msg.len : 0;
		if (n > r->frame_max)
			return ws_reader_refuse(r, WS_CLOSE_TOO_BIG, "frame too big");
		if (n > r->message_max || n > r->message_max - have)
			return ws_reader_refuse(r, WS_CLOSE_TOO_BIG, "message too big");
	}
	if (len < size + WS_MASK_LEN)
		return 0;
	h->fin = fin;
	h->op = (enum ws_opcode)op;
	h->len = n;
	memcpy(h->key, d + size, WS_MASK_LEN);
	return size + WS_MASK_LEN;
}

/* XORs p[0..n) with the masking key, eight bytes at a time where it can. */
static void ws_reader_unmask(char *p, size_t n, const unsigned char key[WS_MASK_LEN])
{
	unsigned char k8[8];
	for (size_t i = 0; i < sizeof k8; i++)
		k8[i] = key[i % WS_MASK_LEN];
	uint64_t k;
	memcpy(&k, k8, sizeof k);
	size_t i = 0;
	for (; i + sizeof k <= n; i += sizeof k) {
		uint64_t w;
		memcpy(&w, p + i, sizeof w);
		w ^= k;
		memcpy(p + i, &w, sizeof w);
	}
	for (; i < n; i++)
		p[i] = (char)(p[i] ^ key[i % WS_MASK_LEN]);
}

/* Checks the text message being assembled from where the last check stopped. A character cut at
 * the end is accepted unless this is the last fragment (the next may complete it), and checked
 * again whole next time; any other ill-formed sequence fails at once. */
static bool ws_reader_utf8(struct ws_reader *r, bool final)
{
	const char *s = r->msg.data;
	size_t len = r->msg.len, i = r->utf8_done;
	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		bool valid;
		size_t n = utf8_decode(s + i, len - i, &cp, &valid);
		if (!valid) {
			/* utf8_decode consumes up to the end only when it ran out of bytes, and a
			 * lead byte is one of C2-F4 only when a character could follow. */
			unsigned char lead = (unsigned char)s[i];
			if (!final && i + n == len && lead >= 0xC2 && lead <= 0xF4)
				break;
			return false;
		}
		i += n;
	}
	r->utf8_done = i;
	return true;
}

static enum ws_ev ws_reader_close(struct ws_reader *r, char *p, size_t n,
				  struct ws_event *ev)
{
	unsigned code = WS_CLOSE_NO_STATUS;
	if (n == 1)
		return ws_reader_fail(r, WS_CLOSE_PROTOCOL, "close payload of one byte", ev);
	if (n >= 2) {
		code = (unsigned)(unsigned char)p[0] << 8 | (unsigned char)p[1];
		if (!ws_close_code_ok(code))
			return ws_reader_fail(r, WS_CLOSE_PROTOCOL, "invalid close code", ev);
		if (!utf8_is_valid(p + 2, n - 2))
			return ws_reader_fail(r, WS_CLOSE_INVALID_DATA, "close reason not UTF-8", ev);
		p += 2;
		n -= 2;
	}
	r->closed = true;
	*ev = (struct ws_event){WS_EV_CLOSE, p, n, code, NULL};
	return WS_EV_CLOSE;
}

/* One whole frame, unmasked, its payload at p[0..n). WS_EV_NEED_MORE: a fragment was taken in
 * and there is no event yet. */
static enum ws_ev ws_reader_frame(struct ws_reader *r, const struct ws_head *h, char *p,
				  size_t n, struct ws_event *ev)
{
	switch (h->op) {
	case WS_OP_PING:
	case WS_OP_PONG: {
		enum ws_ev type = h->op == WS_OP_PING ? WS_EV_PING : WS_EV_PONG;
		*ev = (struct ws_event){type, p, n, 0, NULL};
		return type;
	}
	case WS_OP_CLOSE:
		return ws_reader_close(r, p, n, ev);
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CONT:
		break;
	}
	if (h->op != WS_OP_CONT && h->fin) {
		/* A message in one frame: reported in place, never copied. */
		if (h->op == WS_OP_TEXT && !utf8_is_valid(p, n))
			return ws_reader_fail(r, WS_CLOSE_INVALID_DATA, "text not UTF-8", ev);
		enum ws_ev type = h->op == WS_OP_TEXT ? WS_EV_TEXT : WS_EV_BINARY;
		*ev = (struct ws_event){type, p, n, 0, NULL};
		return type;
	}
	if (h->op != WS_OP_CONT) {
		r->msg_op = h->op;
		r->utf8_done = 0;
	}
	buf_append(&r->msg, p, n);
	if (r->msg_op == WS_OP_TEXT && !ws_reader_utf8(r, h->fin))
		return ws_reader_fail(r, WS_CLOSE_INVALID_DATA, "text not UTF-8", ev);
	if (!h->fin)
		return WS_EV_NEED_MORE;
	enum ws_ev type = r->msg_op == WS_OP_TEXT ? WS_EV_TEXT : WS_EV_BINARY;
	*ev = (struct ws_event){type, r->msg.data, r->msg.len, 0, NULL}; /* non-NULL: appended to */
	r->msg_op = WS_OP_CONT;
	r->delivered = true;
	return type;
}

enum ws_ev ws_reader_feed(struct ws_reader *r, char *data, size_t len, size_t *used,
			  struct ws_event *ev)
{
	*used = 0;
	*ev = (struct ws_event){WS_EV_NEED_MORE, NULL, 0, 0, NULL};
	if (r->failed) {
		*ev = r->error;
		return WS_EV_ERROR;
	}
	if (r->closed) {
		*used = len;
		return WS_EV_NEED_MORE;
	}
	if (r->delivered) {
		/* The last event's message is over: keep a small buffer for the next, not a big one. */
		if (r->msg.cap > WS_READER_KEEP)
			buf_free(&r->msg);
		else
			buf_clear(&r->msg);
		r->delivered = false;
	}
	if (len == 0)
		return WS_EV_NEED_MORE; /* data may be NULL then */
	size_t at = 0;
	for (;;) {
		struct ws_head h;
		size_t hsize = ws_reader_head(r, (const unsigned char *)data + at, len - at, &h);
		if (r->failed) {
			*ev = r->error;
			return WS_EV_ERROR;
		}
		if (hsize == 0 || len - at - hsize < h.len)
			return WS_EV_NEED_MORE; /* the frame is not all here: leave it to the caller */
		char *p = data + at + hsize;
		size_t n = (size_t)h.len;
		ws_reader_unmask(p, n, h.key);
		at += hsize + n;
		*used = at;
		enum ws_ev type = ws_reader_frame(r, &h, p, n, ev);
		if (type != WS_EV_NEED_MORE)
			return type;
	}
}
