/* libFuzzer target: WebSocket frames (face/web/ws_frame). The input's first byte picks the
 * reader's limits, the next FUZZ_WS_SIZES bytes the sizes of the pieces the rest is fed in, as a
 * caller with a buffer of unused bytes does. Beyond the sanitizers it checks that no call uses more
 * bytes than it is given; that a text message is valid UTF-8, and every message within the limits;
 * control payloads within 125 bytes; a close's code one that may be sent and its reason UTF-8;
 * that after an error nothing more is taken (the same error, nothing used) and after a close
 * everything is dropped; that the bytes left unused never exceed one frame (a header and the
 * largest payload); and that the events are the same as when the stream is fed whole. The rest is
 * then framed by the encoder, masked as a client would, and read back: the same payload, refused
 * only as text that is not UTF-8. It is also a close reason (cut at a character boundary, within
 * 125 bytes) and, its first 24 bytes, a Sec-WebSocket-Key. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "net/ws_frame.h"
#include "face/web/ws_accept.h"

enum {
	FUZZ_WS_SIZES = 4,        /* bytes that give the pieces' sizes, in turn */
	FUZZ_WS_BIG = 1 << 20,
};

static const size_t fuzz_ws_frame_max[] = {0, 1, 5, 125, 126, 300, 65535, FUZZ_WS_BIG};
static const size_t fuzz_ws_message_max[] = {0, 10, 200, 1000, FUZZ_WS_BIG};

/* Appends the event to log (whole, for comparing two readings) and checks what it promises. */
static void fuzz_ws_event(const struct ws_reader *r, const struct ws_event *ev, struct buf *log)
{
	if (ev->type == WS_EV_NEED_MORE)
		return; /* how many of these come depends on the pieces */
	buf_printf(log, "%d %u %zu:", (int)ev->type, ev->code, ev->len);
	if (ev->len)
		buf_append(log, ev->data, ev->len);
	switch (ev->type) {
	case WS_EV_NEED_MORE:
		break;
	case WS_EV_TEXT:
		assert(ev->data && ev->len <= r->message_max);
		assert(utf8_is_valid(ev->data, ev->len));
		break;
	case WS_EV_BINARY:
		assert(ev->data && ev->len <= r->message_max);
		break;
	case WS_EV_PING:
	case WS_EV_PONG:
		assert(ev->data && ev->len <= WS_CONTROL_MAX);
		break;
	case WS_EV_CLOSE:
		assert(ev->data && ev->len <= WS_CLOSE_REASON_MAX);
		assert(utf8_is_valid(ev->data, ev->len));
		assert(ws_close_code_ok(ev->code) || (ev->code == WS_CLOSE_NO_STATUS && !ev->len));
		break;
	case WS_EV_ERROR:
		assert(ev->code == WS_CLOSE_PROTOCOL || ev->code == WS_CLOSE_INVALID_DATA ||
		       ev->code == WS_CLOSE_TOO_BIG);
		assert(ev->why && *ev->why && !ev->data);
		break;
	}
}

/* Feeds stream[0..len) in pieces of sizes[i % FUZZ_WS_SIZES] + 1 bytes (sizes NULL: whole) and
 * logs the events. */
static void fuzz_ws_read(const char *stream, size_t len, const uint8_t *sizes, size_t frame_max,
			 size_t message_max, struct buf *log)
{
	struct ws_reader r;
	ws_reader_init(&r, frame_max, message_max);
	size_t most = WS_CLIENT_HEADER_MAX + (frame_max > WS_CONTROL_MAX ? frame_max : WS_CONTROL_MAX);
	assert(ws_reader_input_max(&r) == most - 1);
	struct buf pending = BUF_INIT;
	bool failed = false, closed = false;
	size_t fed = 0;
	for (size_t piece = 0; fed < len; piece++) {
		size_t n = sizes ? (size_t)sizes[piece % FUZZ_WS_SIZES] + 1 : len;
		if (n > len - fed)
			n = len - fed;
		buf_append(&pending, stream + fed, n);
		fed += n;
		for (;;) {
			struct ws_event ev;
			size_t used = SIZE_MAX;
			enum ws_ev type = ws_reader_feed(&r, pending.data, pending.len, &used, &ev);
			assert(type == ev.type && used <= pending.len);
			if (failed) {
				/* Nothing more is taken after an error: the same error again. */
				assert(type == WS_EV_ERROR && used == 0);
				break;
			}
			if (closed) {
				/* Everything after a close is dropped. */
				assert(type == WS_EV_NEED_MORE && used == pending.len);
				buf_consume(&pending, used);
				break;
			}
			fuzz_ws_event(&r, &ev, log);
			buf_consume(&pending, used);
			if (type == WS_EV_ERROR)
				failed = true;
			if (type == WS_EV_CLOSE)
				closed = true;
			if (type == WS_EV_NEED_MORE || type == WS_EV_ERROR) {
				/* What is left is less than one frame the reader could take. */
				assert(type == WS_EV_ERROR || pending.len < most);
				break;
			}
		}
	}
	if (!failed)
		buf_printf(log, "left %zu", pending.len);
	buf_free(&pending);
	ws_reader_free(&r);
}

/* Frames payload with the encoder, masks it as a client would, and reads it back. */
static void fuzz_ws_round_trip(const char *payload, size_t len, bool text, uint8_t key_seed)
{
	struct buf b = BUF_INIT;
	ws_frame_append(&b, text ? WS_OP_TEXT : WS_OP_BINARY, true, payload, len);
	size_t h = b.len - len;
	assert(h == 2 || h == 4 || h == WS_HEADER_MAX);
	assert(h == (len < 126 ? 2u : len <= 0xFFFF ? 4u : (unsigned)WS_HEADER_MAX));
	assert(len == 0 || memcmp(b.data + h, payload, len) == 0);
	unsigned char key[4] = {key_seed, (unsigned char)(key_seed * 7), 0x5A, 0xA5};
	struct buf m = BUF_INIT;
	buf_append(&m, b.data, h);
	m.data[1] = (char)(m.data[1] | 0x80);
	buf_append(&m, key, sizeof key);
	for (size_t i = 0; i < len; i++)
		buf_putc(&m, (char)(payload[i] ^ key[i % 4]));
	struct ws_reader r;
	ws_reader_init(&r, len, len);
	struct ws_event ev;
	size_t used;
	enum ws_ev type = ws_reader_feed(&r, m.data, m.len, &used, &ev);
	if (text && !utf8_is_valid(payload, len)) {
		assert(type == WS_EV_ERROR && ev.code == WS_CLOSE_INVALID_DATA);
	} else {
		assert(type == (text ? WS_EV_TEXT : WS_EV_BINARY) && used == m.len);
		assert(ev.len == len && (len == 0 || memcmp(ev.data, payload, len) == 0));
	}
	ws_reader_free(&r);
	buf_free(&m);
	buf_free(&b);
}

static void fuzz_ws_encoders(const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	unsigned code = len >= 2 ? (unsigned)(unsigned char)s[0] << 8 | (unsigned char)s[1] : 0;
	ws_frame_close(&b, code, s, len);
	assert(b.len >= 2 && (unsigned char)b.data[0] == (0x80 | WS_OP_CLOSE));
	size_t n = (unsigned char)b.data[1];
	assert(n <= WS_CONTROL_MAX && b.len == 2 + n && n != 1);
	if (ws_close_code_ok(code)) {
		assert(n >= 2 && ((unsigned)(unsigned char)b.data[2] << 8 | (unsigned char)b.data[3]) == code);
		assert(utf8_is_valid(b.data + 4, n - 2) && memcmp(b.data + 4, s, n - 2) == 0);
		if (len <= WS_CLOSE_REASON_MAX && utf8_is_valid(s, len))
			assert(n - 2 == len);
	} else {
		assert(n == 0);
	}
	/* Lines to messages and back: the lines, each with CR LF, empty ones dropped. */
	buf_clear(&b);
	ws_frame_lines(&b, (len & 1) ? WS_OP_BINARY : WS_OP_TEXT, s, len);
	struct buf back = BUF_INIT, want = BUF_INIT;
	assert(ws_frame_unframe(&back, b.data, b.len));
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - s) : len;
		size_t next = nl ? end + 1 : len;
		if (nl && end > i && s[end - 1] == '\r')
			end--;
		if (end > i) {
			buf_append(&want, s + i, end - i);
			buf_append(&want, "\r\n", 2);
		}
		i = next;
	}
	assert(back.len == want.len && (!want.len || memcmp(back.data, want.data, want.len) == 0));
	if (b.len)
		assert(!ws_frame_unframe(&back, b.data, b.len - 1));
	buf_free(&back);
	buf_free(&want);

	char accept[WS_ACCEPT_LEN + 1];
	if (len >= WS_KEY_LEN && ws_accept_key(s, WS_KEY_LEN, accept)) {
		assert(strlen(accept) == WS_ACCEPT_LEN && accept[WS_ACCEPT_LEN - 1] == '=');
		assert(s[WS_KEY_LEN - 1] == '=' && s[WS_KEY_LEN - 2] == '=');
	}
	buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 + FUZZ_WS_SIZES)
		return 0;
	uint8_t cfg = data[0];
	size_t frame_max = fuzz_ws_frame_max[cfg % (sizeof fuzz_ws_frame_max / sizeof(size_t))];
	size_t message_max = fuzz_ws_message_max[(cfg >> 3) % (sizeof fuzz_ws_message_max /
							   sizeof(size_t))];
	const uint8_t *sizes = data + 1;
	size_t len = size - 1 - FUZZ_WS_SIZES;
	/* Copies: the reader unmasks in place, and each reading needs the bytes as they came. */
	char *stream = malloc(len ? len : 1);
	assert(stream);
	memcpy(stream, data + 1 + FUZZ_WS_SIZES, len);

	struct buf pieces = BUF_INIT, whole = BUF_INIT;
	fuzz_ws_read(stream, len, sizes, frame_max, message_max, &pieces);
	fuzz_ws_read(stream, len, NULL, frame_max, message_max, &whole);
	assert(pieces.len == whole.len && memcmp(pieces.data, whole.data, whole.len) == 0);
	buf_free(&pieces);
	buf_free(&whole);

	fuzz_ws_round_trip(stream, len, (cfg & 0x80) != 0, sizes[0]);
	fuzz_ws_encoders(stream, len);
	free(stream);
	return 0;
}
