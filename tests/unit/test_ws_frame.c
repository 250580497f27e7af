/* Unit tests for net/ws_frame and face/web/ws_accept: RFC 6455 as a server speaks it. RFC 6455's own examples
 * (1.3's accept key, 5.7's frames) both ways; every rule the reader enforces, with the close code
 * it gives, at the edges of the limits and decided from the header alone where the header says
 * it; the encoder's lengths and close frames. Every byte stream is read as a caller would, whole,
 * one byte at a time and in two pieces cut at each position, and must give the same events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "net/ws_frame.h"
#include "face/web/ws_accept.h"

/* The masking key of RFC 6455 5.7's examples. */
static const unsigned char rfc_key[4] = {0x37, 0xfa, 0x21, 0x3d};

enum { FIN = 0x80, BIG = 1 << 20 };

/* Appends a client frame: first byte b0 as given (FIN, RSV bits, opcode), the payload masked with
 * rfc_key, its length encoded the shortest way. */
static void client_frame(struct buf *b, unsigned b0, const void *payload, size_t len)
{
	unsigned char h[WS_CLIENT_HEADER_MAX];
	size_t n = 0;
	h[n++] = (unsigned char)b0;
	if (len < 126) {
		h[n++] = (unsigned char)(0x80 | len);
	} else if (len <= 0xFFFF) {
		h[n++] = 0x80 | 126;
		h[n++] = (unsigned char)(len >> 8);
		h[n++] = (unsigned char)len;
	} else {
		h[n++] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			h[n++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	}
	memcpy(h + n, rfc_key, 4);
	n += 4;
	buf_append(b, h, n);
	size_t at = b->len;
	buf_append(b, payload, len);
	for (size_t i = 0; i < len; i++)
		b->data[at + i] = (char)(b->data[at + i] ^ rfc_key[i % 4]);
}

static void client_str(struct buf *b, unsigned b0, const char *s)
{
	client_frame(b, b0, s, strlen(s));
}

/* A close frame's payload: code and reason. */
static void client_close(struct buf *b, unsigned code, const char *reason)
{
	char p[WS_CONTROL_MAX + 2];
	size_t n = strlen(reason);
	p[0] = (char)(code >> 8);
	p[1] = (char)code;
	memcpy(p + 2, reason, n);
	client_frame(b, FIN | WS_OP_CLOSE, p, n + 2);
}

static void log_event(struct buf *log, const struct ws_event *ev)
{
	switch (ev->type) {
	case WS_EV_NEED_MORE:
		break;
	case WS_EV_TEXT:
		buf_printf(log, "TEXT[%.*s] ", (int)ev->len, ev->data);
		break;
	case WS_EV_BINARY:
		buf_printf(log, "BINARY(%zu) ", ev->len);
		break;
	case WS_EV_PING:
		buf_printf(log, "PING[%.*s] ", (int)ev->len, ev->data);
		break;
	case WS_EV_PONG:
		buf_printf(log, "PONG[%.*s] ", (int)ev->len, ev->data);
		break;
	case WS_EV_CLOSE:
		buf_printf(log, "CLOSE %u[%.*s] ", ev->code, (int)ev->len, ev->data);
		break;
	case WS_EV_ERROR:
		buf_printf(log, "ERROR %u (%s) ", ev->code, ev->why);
		break;
	}
}

/* Reads s[0..len) as a caller does: the pieces cut at cuts[0..ncuts) (increasing) appended to a
 * buffer of unused bytes, events read after each until NEED_MORE or ERROR. Returns the events
 * rendered and, unless an error stopped it, the bytes left unused (a copy, for the caller to
 * free). Checks on the way that no call uses more than it is given and that an error sticks. */
static char *run(const char *s, size_t len, const size_t *cuts, size_t ncuts, size_t frame_max,
		 size_t message_max)
{
	struct ws_reader r;
	ws_reader_init(&r, frame_max, message_max);
	struct buf pending = BUF_INIT, log = BUF_INIT;
	size_t fed = 0;
	bool failed = false;
	for (size_t i = 0; i <= ncuts && !failed; i++) {
		size_t upto = i < ncuts ? cuts[i] : len;
		buf_append(&pending, s + fed, upto - fed);
		fed = upto;
		for (;;) {
			struct ws_event ev;
			size_t used = SIZE_MAX;
			enum ws_ev type = ws_reader_feed(&r, pending.data, pending.len, &used, &ev);
			assert_int_equal(type, ev.type);
			assert_true(used <= pending.len);
			log_event(&log, &ev);
			buf_consume(&pending, used);
			if (type == WS_EV_ERROR) {
				struct ws_event again;
				assert_int_equal(ws_reader_feed(&r, pending.data, pending.len, &used,
								&again), WS_EV_ERROR);
				assert_int_equal(used, 0);
				assert_int_equal(again.code, ev.code);
				assert_string_equal(again.why, ev.why);
				failed = true;
				break;
			}
			if (type == WS_EV_NEED_MORE)
				break;
		}
	}
	if (!failed)
		buf_printf(&log, "left %zu", pending.len);
	char *out = strdup(log.data ? log.data : "");
	assert_non_null(out);
	buf_free(&log);
	buf_free(&pending);
	ws_reader_free(&r);
	return out;
}

/* Reads s whole and checks the events; then one byte at a time and in two pieces cut at every
 * position (every 509th for long streams), which must give the same. */
static void check(const char *s, size_t len, size_t frame_max, size_t message_max,
		  const char *expect)
{
	char *whole = run(s, len, NULL, 0, frame_max, message_max);
	assert_string_equal(whole, expect);
	size_t *cuts = malloc((len ? len : 1) * sizeof *cuts);
	assert_non_null(cuts);
	for (size_t i = 0; i + 1 < len; i++)
		cuts[i] = i + 1;
	char *bytes = run(s, len, cuts, len ? len - 1 : 0, frame_max, message_max);
	assert_string_equal(bytes, whole);
	free(bytes);
	size_t step = len > 4096 ? 509 : 1;
	for (size_t k = 0; k <= len; k += step) {
		char *two = run(s, len, &k, 1, frame_max, message_max);
		assert_string_equal(two, whole);
		free(two);
	}
	free(cuts);
	free(whole);
}

#define CHECK(b, expect) check((b)->data, (b)->len, BIG, BIG, (expect))
#define CHECK_LIT(lit, expect) check((lit), sizeof(lit) - 1, BIG, BIG, (expect))

/* The one event of feeding exactly data[0..len) (no more bytes than that). */
static struct ws_event first_event(const char *data, size_t len, size_t frame_max,
				   size_t message_max, size_t *used)
{
	struct ws_reader r;
	ws_reader_init(&r, frame_max, message_max);
	char *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, data, len);
	struct ws_event ev;
	ws_reader_feed(&r, copy, len, used, &ev);
	ws_reader_free(&r);
	free(copy);
	return ev;
}

static void t_accept_key(void **state)
{
	(void)state;
	char out[WS_ACCEPT_LEN + 1];
	/* RFC 6455 1.3. */
	assert_true(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", 24, out));
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	/* RFC 6455 4.1's key as erratum 3150 corrects it; as printed it has stray bits. */
	assert_true(ws_accept_key("AQIDBAUGBwgJCgsMDQ4PEA==", 24, out));
	assert_int_equal(strlen(out), WS_ACCEPT_LEN);
	assert_true(ws_accept_key("+/+/+/+/+/+/+/+/+/+/+w==", 24, out));
	const char *bad[] = {
		"AQIDBAUGBwgJCgsMDQ4PEC==", "AQIDBAUGBwgJCgsMDQ4PEB==", "dGhlIHNhbXBsZSBub25jZQ=",
		"dGhlIHNhbXBsZSBub25jZQ===", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQAA",
		"dGhlIHNhbXBsZSBub25jZ===", "dGhl-HNhbXBsZSBub25jZQ==", "dGhl_HNhbXBsZSBub25jZQ==",
		"dGhl HNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZSBub25jZQ=A", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 'x', sizeof out);
		if (ws_accept_key(bad[i], strlen(bad[i]), out))
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(out[0], 'x');
	}
	/* A NUL inside the key's length. */
	assert_false(ws_accept_key("dGhlIHNhbXBsZSBub\0jZQ==", 24, out));
}

static void t_encode_rfc(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	/* RFC 6455 5.7: a single-frame unmasked text message. */
	ws_frame_append(&b, WS_OP_TEXT, true, "Hello", 5);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "\x81\x05\x48\x65\x6c\x6c\x6f", 7);
	/* A fragmented unmasked text message. */
	buf_clear(&b);
	ws_frame_append(&b, WS_OP_TEXT, false, "Hel", 3);
	ws_frame_append(&b, WS_OP_CONT, true, "lo", 2);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "\x01\x03\x48\x65\x6c\x80\x02\x6c\x6f", 9);
	/* Unmasked ping. */
	buf_clear(&b);
	ws_frame_append(&b, WS_OP_PING, true, "Hello", 5);
	assert_memory_equal(b.data, "\x89\x05\x48\x65\x6c\x6c\x6f", 7);
	/* 256 bytes and 64 KiB of binary data in a single unmasked frame. */
	unsigned char h[WS_HEADER_MAX];
	assert_int_equal(ws_frame_header(h, WS_OP_BINARY, true, 256), 4);
	assert_memory_equal(h, "\x82\x7E\x01\x00", 4);
	assert_int_equal(ws_frame_header(h, WS_OP_BINARY, true, 65536), 10);
	assert_memory_equal(h, "\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00", 10);
	/* The length encodings at their edges. */
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, true, 0), 2);
	assert_memory_equal(h, "\x81\x00", 2);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, false, 125), 2);
	assert_memory_equal(h, "\x01\x7D", 2);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, true, 126), 4);
	assert_memory_equal(h, "\x81\x7E\x00\x7E", 4);
	assert_int_equal(ws_frame_header(h, WS_OP_CONT, true, 65535), 4);
	assert_memory_equal(h, "\x80\x7E\xFF\xFF", 4);
	assert_int_equal(ws_frame_header(h, WS_OP_TEXT, true, 0x123456789AULL), 10);
	assert_memory_equal(h, "\x81\x7F\x00\x00\x00\x12\x34\x56\x78\x9A", 10);
	assert_int_equal(ws_frame_header(h, WS_OP_PONG, true, 125), 2);
	assert_memory_equal(h, "\x8A\x7D", 2);
	/* A whole frame of 256 bytes. */
	buf_clear(&b);
	char payload[256];
	memset(payload, 'z', sizeof payload);
	ws_frame_append(&b, WS_OP_BINARY, true, payload, sizeof payload);
	assert_int_equal(b.len, 4 + 256);
	assert_memory_equal(b.data, "\x82\x7E\x01\x00zz", 6);
	buf_free(&b);
}

static void t_encode_close(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	ws_frame_close(&b, WS_CLOSE_NORMAL, "bye", 3);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "\x88\x05\x03\xE8" "bye", 7);
	/* No code to send: an empty payload (the answer to a close that had none). */
	buf_clear(&b);
	ws_frame_close(&b, WS_CLOSE_NO_STATUS, "ignored", 7);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "\x88\x00", 2);
	buf_clear(&b);
	ws_frame_close(&b, 0, NULL, 0);
	assert_memory_equal(b.data, "\x88\x00", 2);
	buf_clear(&b);
	ws_frame_close(&b, WS_CLOSE_TOO_BIG, NULL, 0);
	assert_memory_equal(b.data, "\x88\x02\x03\xF1", 4);
	/* The reason: 123 bytes fit, more are cut, at a character boundary. */
	char reason[200];
	memset(reason, 'r', sizeof reason);
	buf_clear(&b);
	ws_frame_close(&b, 4000, reason, WS_CLOSE_REASON_MAX);
	assert_int_equal(b.len, 2 + 2 + WS_CLOSE_REASON_MAX);
	assert_int_equal((unsigned char)b.data[1], WS_CONTROL_MAX);
	buf_clear(&b);
	ws_frame_close(&b, 4000, reason, sizeof reason);
	assert_int_equal(b.len, 2 + WS_CONTROL_MAX);
	memcpy(reason + 122, "\xC3\xA9", 2); /* é across the 123rd byte */
	buf_clear(&b);
	ws_frame_close(&b, 4000, reason, 124);
	assert_int_equal(b.len, 2 + 2 + 122);
	buf_clear(&b);
	ws_frame_close(&b, 4000, reason, 125);
	assert_int_equal(b.len, 2 + 2 + 122);
	memset(reason, 'r', sizeof reason);
	memcpy(reason + 121, "\xC3\xA9", 2); /* é as the 122nd and 123rd bytes: it fits */
	buf_clear(&b);
	ws_frame_close(&b, 4000, reason, 140);
	assert_int_equal(b.len, 2 + WS_CONTROL_MAX);
	assert_memory_equal(b.data + 4 + 121, "\xC3\xA9", 2);
	/* A reason that is not UTF-8 is left out. */
	buf_clear(&b);
	ws_frame_close(&b, WS_CLOSE_PROTOCOL, "bad\xFF", 4);
	assert_memory_equal(b.data, "\x88\x02\x03\xEA", 4);
	assert_int_equal(b.len, 4);
	buf_free(&b);
}

static void t_close_codes(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 70000; c++) {
		bool ok = (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) ||
			  (c >= 3000 && c <= 4999);
		assert_int_equal(ws_close_code_ok(c), ok);
	}
}

static void t_read_rfc(void **state)
{
	(void)state;
	/* RFC 6455 5.7: a single-frame masked text message. */
	CHECK_LIT("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", "TEXT[Hello] left 0");
	/* Its unmasked twin: a client must mask. */
	CHECK_LIT("\x81\x05\x48\x65\x6c\x6c\x6f", "ERROR 1002 (unmasked frame) ");
	/* A masked pong in answer to the unmasked ping. */
	CHECK_LIT("\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", "PONG[Hello] left 0");
	struct buf b = BUF_INIT;
	/* The fragmented "Hel" + "lo", and a ping of "Hello", masked. */
	client_str(&b, WS_OP_TEXT, "Hel");
	client_str(&b, FIN | WS_OP_CONT, "lo");
	client_str(&b, FIN | WS_OP_PING, "Hello");
	CHECK(&b, "TEXT[Hello] PING[Hello] left 0");
	/* 256 bytes and 64 KiB of binary data in one frame. */
	char *big = calloc(1, 65536);
	assert_non_null(big);
	buf_clear(&b);
	client_frame(&b, FIN | WS_OP_BINARY, big, 256);
	assert_memory_equal(b.data, "\x82\xFE\x01\x00", 4);
	CHECK(&b, "BINARY(256) left 0");
	buf_clear(&b);
	client_frame(&b, FIN | WS_OP_BINARY, big, 65536);
	assert_memory_equal(b.data, "\x82\xFF\x00\x00\x00\x00\x00\x01\x00\x00", 10);
	check(b.data, b.len, 65536, 65536, "BINARY(65536) left 0");
	check(b.data, b.len, 65535, BIG, "ERROR 1009 (frame too big) ");
	free(big);
	buf_free(&b);
}

/* The error of a frame whose first n bytes alone are given: the header decides. */
static void header_error(const char *bytes, size_t n, size_t frame_max, size_t message_max,
			 unsigned code, const char *why)
{
	size_t used = 1;
	struct ws_event ev = first_event(bytes, n, frame_max, message_max, &used);
	assert_int_equal(ev.type, WS_EV_ERROR);
	assert_int_equal(ev.code, code);
	assert_string_equal(ev.why, why);
	assert_int_equal(used, 0);
	char expect[80];
	snprintf(expect, sizeof expect, "ERROR %u (%s) ", code, why);
	check(bytes, n, frame_max, message_max, expect);
}

#define HEADER_ERROR(lit, code, why) header_error((lit), sizeof(lit) - 1, BIG, BIG, (code), (why))

static void t_read_header_rules(void **state)
{
	(void)state;
	/* Reserved bits, each alone; known before the second byte. */
	HEADER_ERROR("\xC1", WS_CLOSE_PROTOCOL, "reserved bits set");
	HEADER_ERROR("\xA1", WS_CLOSE_PROTOCOL, "reserved bits set");
	HEADER_ERROR("\x91", WS_CLOSE_PROTOCOL, "reserved bits set");
	HEADER_ERROR("\x18\x80", WS_CLOSE_PROTOCOL, "reserved bits set");
	/* Unknown opcodes. */
	const char ops[] = {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF};
	for (size_t i = 0; i < sizeof ops; i++) {
		char frame[1] = {(char)(FIN | ops[i])};
		header_error(frame, 1, BIG, BIG, WS_CLOSE_PROTOCOL, "unknown opcode");
	}
	/* Control frames: final, and at most 125 bytes (refused at the 7-bit length). */
	HEADER_ERROR("\x09", WS_CLOSE_PROTOCOL, "fragmented control frame");
	HEADER_ERROR("\x08", WS_CLOSE_PROTOCOL, "fragmented control frame");
	HEADER_ERROR("\x0A", WS_CLOSE_PROTOCOL, "fragmented control frame");
	HEADER_ERROR("\x89\xFE", WS_CLOSE_PROTOCOL, "control frame over 125 bytes");
	HEADER_ERROR("\x88\xFF", WS_CLOSE_PROTOCOL, "control frame over 125 bytes");
	struct buf b = BUF_INIT;
	char p125[125];
	memset(p125, 'p', sizeof p125);
	client_frame(&b, FIN | WS_OP_PING, p125, sizeof p125);
	char expect[sizeof p125 + 16];
	snprintf(expect, sizeof expect, "PING[%.*s] left 0", (int)sizeof p125, p125);
	check(b.data, b.len, 10, 10, expect);
	/* Masking. */
	HEADER_ERROR("\x81\x00", WS_CLOSE_PROTOCOL, "unmasked frame");
	HEADER_ERROR("\x89\x7E", WS_CLOSE_PROTOCOL, "unmasked frame");
	/* Continuations: only inside a message, and no new message inside one. */
	HEADER_ERROR("\x80", WS_CLOSE_PROTOCOL, "continuation outside a message");
	HEADER_ERROR("\x00", WS_CLOSE_PROTOCOL, "continuation outside a message");
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "a");
	buf_append(&b, "\x81", 1);
	check(b.data, b.len, BIG, BIG, "ERROR 1002 (new message inside a fragmented one) ");
	buf_clear(&b);
	client_str(&b, WS_OP_BINARY, "a");
	buf_append(&b, "\x02", 1);
	check(b.data, b.len, BIG, BIG, "ERROR 1002 (new message inside a fragmented one) ");
	buf_clear(&b);
	client_str(&b, FIN | WS_OP_TEXT, "a");
	client_str(&b, FIN | WS_OP_CONT, "b");
	check(b.data, b.len, BIG, BIG, "TEXT[a] ERROR 1002 (continuation outside a message) ");
	/* A 64-bit length with its top bit set, refused before the masking key comes. */
	HEADER_ERROR("\x82\xFF\x80\x00\x00\x00\x00\x00\x00\x00", WS_CLOSE_PROTOCOL,
		     "64-bit length with the top bit set");
	HEADER_ERROR("\x82\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF", WS_CLOSE_PROTOCOL,
		     "64-bit length with the top bit set");
	buf_free(&b);
}

static void t_read_limits(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	/* The caller's buffer: one whole frame, less a byte, at most. */
	struct ws_reader r;
	ws_reader_init(&r, 10, 100);
	assert_int_equal(ws_reader_input_max(&r), WS_CLIENT_HEADER_MAX + WS_CONTROL_MAX - 1);
	ws_reader_free(&r);
	ws_reader_init(&r, 1000, 100);
	assert_int_equal(ws_reader_input_max(&r), WS_CLIENT_HEADER_MAX + 1000 - 1);
	ws_reader_free(&r);
	/* A frame of exactly frame_max bytes; one more is refused from its header alone. */
	client_str(&b, FIN | WS_OP_TEXT, "0123456789");
	check(b.data, b.len, 10, 100, "TEXT[0123456789] left 0");
	header_error(b.data, 2, 9, 100, WS_CLOSE_TOO_BIG, "frame too big");
	/* 16- and 64-bit lengths, over the limit before their masking key. */
	header_error("\x81\xFE\x01\x00", 4, 255, BIG, WS_CLOSE_TOO_BIG, "frame too big");
	header_error("\x82\xFF\x00\x00\x00\x01\x00\x00\x00\x00", 10, BIG, BIG, WS_CLOSE_TOO_BIG,
		     "frame too big");
	/* A message alone over message_max. */
	header_error(b.data, 2, 100, 9, WS_CLOSE_TOO_BIG, "message too big");
	/* Fragments that add up to message_max, then one byte more: refused at its header. */
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "0123");
	client_str(&b, WS_OP_CONT, "4567");
	size_t at = b.len;
	client_str(&b, FIN | WS_OP_CONT, "89");
	check(b.data, b.len, 4, 10, "TEXT[0123456789] left 0");
	b.len = at;
	client_str(&b, FIN | WS_OP_CONT, "89!");
	check(b.data, b.len, 4, 10, "ERROR 1009 (message too big) ");
	check(b.data, at + 2, 4, 10, "ERROR 1009 (message too big) ");
	/* Control frames do not count: a ping between fragments at the limit. */
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "0123");
	client_str(&b, FIN | WS_OP_PING, "ping over the limits");
	client_str(&b, FIN | WS_OP_CONT, "4");
	check(b.data, b.len, 4, 5, "PING[ping over the limits] TEXT[01234] left 0");
	/* A limit of zero takes only empty messages. */
	buf_clear(&b);
	client_str(&b, FIN | WS_OP_TEXT, "");
	client_str(&b, FIN | WS_OP_TEXT, "x");
	check(b.data, b.len, 0, 0, "TEXT[] ERROR 1009 (frame too big) ");
	buf_free(&b);
}

static void t_read_utf8(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	const char *bad[] = {"\xFF", "a\xC3", "\xC3(", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
			     "\xE0\x80\x80", "\x80", "\xF0\x9F\x98"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_clear(&b);
		client_str(&b, FIN | WS_OP_TEXT, bad[i]);
		check(b.data, b.len, BIG, BIG, "ERROR 1007 (text not UTF-8) ");
		/* Binary messages are not text: not checked. */
		buf_clear(&b);
		client_str(&b, FIN | WS_OP_BINARY, bad[i]);
		char expect[48];
		snprintf(expect, sizeof expect, "BINARY(%zu) left 0", strlen(bad[i]));
		check(b.data, b.len, BIG, BIG, expect);
	}
	/* A character split between fragments, even over three, with a ping in the middle. */
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "caf\xC3");
	client_str(&b, FIN | WS_OP_CONT, "\xA9!");
	CHECK(&b, "TEXT[caf\xC3\xA9!] left 0");
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "\xF0");
	client_str(&b, WS_OP_CONT, "\x9F");
	client_str(&b, FIN | WS_OP_PING, "");
	client_str(&b, WS_OP_CONT, "");
	client_str(&b, FIN | WS_OP_CONT, "\x98\x80");
	CHECK(&b, "PING[] TEXT[\xF0\x9F\x98\x80] left 0");
	/* Refused as soon as a fragment cannot be completed, before the message ends. */
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "ok\xFF");
	CHECK(&b, "ERROR 1007 (text not UTF-8) ");
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "\xE0");
	client_str(&b, WS_OP_CONT, "\x80");
	CHECK(&b, "ERROR 1007 (text not UTF-8) ");
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "\xC3");
	client_str(&b, WS_OP_CONT, "(");
	CHECK(&b, "ERROR 1007 (text not UTF-8) ");
	/* A message that ends inside a character. */
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "a");
	client_str(&b, FIN | WS_OP_CONT, "\xE2\x82");
	CHECK(&b, "ERROR 1007 (text not UTF-8) ");
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "\xE2\x82");
	client_str(&b, FIN | WS_OP_CONT, "");
	CHECK(&b, "ERROR 1007 (text not UTF-8) ");
	/* Binary fragments are not checked. */
	buf_clear(&b);
	client_str(&b, WS_OP_BINARY, "\xFF");
	client_str(&b, FIN | WS_OP_CONT, "\xC3");
	CHECK(&b, "BINARY(2) left 0");
	buf_free(&b);
}

static void t_read_close(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	client_str(&b, FIN | WS_OP_CLOSE, "");
	CHECK(&b, "CLOSE 1005[] left 0");
	buf_clear(&b);
	client_str(&b, FIN | WS_OP_CLOSE, "\x03");
	CHECK(&b, "ERROR 1002 (close payload of one byte) ");
	buf_clear(&b);
	client_close(&b, 1000, "bye");
	CHECK(&b, "CLOSE 1000[bye] left 0");
	const unsigned good[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4999};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		buf_clear(&b);
		client_close(&b, good[i], "");
		char expect[32];
		snprintf(expect, sizeof expect, "CLOSE %u[] left 0", good[i]);
		CHECK(&b, expect);
	}
	const unsigned bad[] = {0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2000, 2999, 5000, 65535};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_clear(&b);
		client_close(&b, bad[i], "x");
		CHECK(&b, "ERROR 1002 (invalid close code) ");
	}
	buf_clear(&b);
	client_close(&b, 1000, "caf\xC3");
	CHECK(&b, "ERROR 1007 (close reason not UTF-8) ");
	/* After a close, whatever comes is used and dropped: nothing may follow one. */
	buf_clear(&b);
	client_close(&b, 1001, "\xC3\xA9");
	client_str(&b, FIN | WS_OP_TEXT, "after");
	buf_append(&b, "\x81\x05junk", 7);
	CHECK(&b, "CLOSE 1001[\xC3\xA9] left 0");
	/* A close between fragments ends the reading; the message is never reported. */
	buf_clear(&b);
	client_str(&b, WS_OP_TEXT, "Hel");
	client_close(&b, 1000, "");
	client_str(&b, FIN | WS_OP_CONT, "lo");
	CHECK(&b, "CLOSE 1000[] left 0");
	buf_free(&b);
}

static void t_read_interleaved(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	client_str(&b, WS_OP_TEXT, "Hel");
	client_str(&b, FIN | WS_OP_PING, "p");
	client_str(&b, FIN | WS_OP_PONG, "");
	client_str(&b, WS_OP_CONT, "");
	client_str(&b, FIN | WS_OP_PING, "q");
	client_str(&b, FIN | WS_OP_CONT, "lo");
	client_str(&b, FIN | WS_OP_TEXT, "next");
	client_str(&b, WS_OP_BINARY, "ab");
	client_str(&b, FIN | WS_OP_CONT, "c");
	client_str(&b, FIN | WS_OP_TEXT, "");
	CHECK(&b, "PING[p] PONG[] PING[q] TEXT[Hello] TEXT[next] BINARY(3) TEXT[] left 0");
	buf_free(&b);
}

static void t_read_driving(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct ws_reader r;
	struct ws_event ev;
	size_t used;
	ws_reader_init(&r, BIG, BIG);
	/* One frame's message is reported in place, unmasked in the caller's bytes. */
	client_str(&b, FIN | WS_OP_TEXT, "one");
	size_t first = b.len;
	client_str(&b, FIN | WS_OP_TEXT, "two");
	client_str(&b, WS_OP_TEXT, "thr");
	size_t frag = b.len;
	client_str(&b, FIN | WS_OP_CONT, "ee");
	size_t whole = b.len;
	client_str(&b, FIN | WS_OP_TEXT, "partial");
	b.len -= 2;
	assert_int_equal(ws_reader_feed(&r, b.data, b.len, &used, &ev), WS_EV_TEXT);
	assert_int_equal(used, first);
	assert_ptr_equal(ev.data, b.data + 6);
	assert_memory_equal(b.data + 6, "one", 3);
	assert_null(ev.why);
	assert_int_equal(ws_reader_feed(&r, b.data + used, b.len - used, &used, &ev), WS_EV_TEXT);
	assert_int_equal(used, first);
	assert_ptr_equal(ev.data, b.data + first + 6);
	/* A fragmented one from the reader's buffer; the fragments are used as they come. */
	size_t at = 2 * first;
	assert_int_equal(ws_reader_feed(&r, b.data + at, frag - at - 1, &used, &ev),
			 WS_EV_NEED_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(ws_reader_feed(&r, b.data + at, frag - at + 3, &used, &ev),
			 WS_EV_NEED_MORE);
	assert_int_equal(used, frag - at);
	at = frag;
	assert_int_equal(ws_reader_feed(&r, b.data + at, b.len - at, &used, &ev), WS_EV_TEXT);
	assert_int_equal(used, whole - frag);
	assert_ptr_equal(ev.data, r.msg.data);
	assert_int_equal(ev.len, 5);
	assert_memory_equal(ev.data, "three", 5);
	/* A frame not all here is left to the caller. */
	at = whole;
	assert_int_equal(ws_reader_feed(&r, b.data + at, b.len - at, &used, &ev), WS_EV_NEED_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(ws_reader_input_max(&r), WS_CLIENT_HEADER_MAX + BIG - 1);
	assert_int_equal(ws_reader_feed(&r, NULL, 0, &used, &ev), WS_EV_NEED_MORE);
	assert_int_equal(used, 0);
	ws_reader_free(&r);

	/* A big fragmented message's buffer is let go after it; a small one's is kept. */
	ws_reader_init(&r, BIG, BIG);
	char *big = calloc(1, 2 * WS_READER_KEEP);
	assert_non_null(big);
	buf_clear(&b);
	client_frame(&b, WS_OP_BINARY, big, 2 * WS_READER_KEEP);
	client_frame(&b, FIN | WS_OP_CONT, big, 1);
	at = b.len;
	client_frame(&b, WS_OP_BINARY, big, 1);
	client_frame(&b, FIN | WS_OP_CONT, big, 1);
	assert_int_equal(ws_reader_feed(&r, b.data, at, &used, &ev), WS_EV_BINARY);
	assert_int_equal(ev.len, 2 * WS_READER_KEEP + 1);
	assert_true(r.msg.cap > WS_READER_KEEP);
	assert_int_equal(ws_reader_feed(&r, b.data + at, 0, &used, &ev), WS_EV_NEED_MORE);
	assert_int_equal(r.msg.cap, 0);
	assert_int_equal(ws_reader_feed(&r, b.data + at, b.len - at, &used, &ev), WS_EV_BINARY);
	assert_int_equal(ws_reader_feed(&r, b.data, 0, &used, &ev), WS_EV_NEED_MORE);
	assert_true(r.msg.cap > 0 && r.msg.cap <= WS_READER_KEEP);
	free(big);
	ws_reader_free(&r);

	/* An error sticks: later bytes, however good, are not taken. */
	ws_reader_init(&r, BIG, BIG);
	char unmasked[] = "\x81\x05Hello";
	assert_int_equal(ws_reader_feed(&r, unmasked, 7, &used, &ev), WS_EV_ERROR);
	assert_int_equal(ev.code, WS_CLOSE_PROTOCOL);
	assert_null(ev.data);
	buf_clear(&b);
	client_str(&b, FIN | WS_OP_TEXT, "fine");
	assert_int_equal(ws_reader_feed(&r, b.data, b.len, &used, &ev), WS_EV_ERROR);
	assert_int_equal(used, 0);
	assert_int_equal(ev.code, WS_CLOSE_PROTOCOL);
	assert_string_equal(ev.why, "unmasked frame");
	ws_reader_free(&r);
	buf_free(&b);
}

static void t_read_empty(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	client_str(&b, FIN | WS_OP_TEXT, "");
	client_str(&b, FIN | WS_OP_BINARY, "");
	client_str(&b, WS_OP_TEXT, "");
	client_str(&b, FIN | WS_OP_CONT, "");
	client_str(&b, FIN | WS_OP_PING, "");
	client_str(&b, FIN | WS_OP_TEXT, "x");
	CHECK(&b, "TEXT[] BINARY(0) TEXT[] PING[] TEXT[x] left 0");
	/* Bytes of an unfinished frame are left. */
	buf_clear(&b);
	client_str(&b, FIN | WS_OP_TEXT, "ab");
	client_str(&b, FIN | WS_OP_TEXT, "cd");
	b.len--;
	CHECK(&b, "TEXT[ab] left 7");
	CHECK_LIT("", "left 0");
	buf_free(&b);
}

/* Lines to frames: CR LF and LF end a line, a last unended line is framed, empty lines vanish;
 * binary frames the same; and back: the payloads with CR LF, a 16-bit length, control frames
 * skipped. */
static void t_text_lines(void **state)
{
	(void)state;
	struct buf b = BUF_INIT, back = BUF_INIT;
	ws_frame_lines(&b, WS_OP_TEXT, "PING a\r\n\r\nPONG\nlast", strlen("PING a\r\n\r\nPONG\nlast"));
	const unsigned char want[] = {0x81, 6, 'P', 'I', 'N', 'G', ' ', 'a', 0x81, 4, 'P', 'O', 'N',
				      'G', 0x81, 4, 'l', 'a', 's', 't'};
	assert_int_equal(b.len, sizeof want);
	assert_memory_equal(b.data, want, sizeof want);
	assert_true(ws_frame_unframe(&back, b.data, b.len));
	assert_string_equal(back.data, "PING a\r\nPONG\r\nlast\r\n");

	char big[300];
	memset(big, 'x', sizeof big);
	buf_clear(&b);
	buf_clear(&back);
	ws_frame_lines(&b, WS_OP_BINARY, big, sizeof big);
	ws_frame_append(&b, WS_OP_PING, true, "p", 1);
	assert_int_equal(b.len, 4 + sizeof big + 3);
	assert_int_equal((unsigned char)b.data[0], 0x82);
	assert_true(ws_frame_unframe(&back, b.data, b.len));
	assert_int_equal(back.len, sizeof big + 2);
	assert_memory_equal(back.data, big, sizeof big);

	buf_clear(&back);
	assert_false(ws_frame_unframe(&back, b.data, b.len - 1)); /* the ping cut short */
	assert_int_equal(back.len, sizeof big + 2);
	const unsigned char masked[] = {0x81, 0x81, 1, 2, 3, 4, 'x'};
	assert_false(ws_frame_unframe(&back, (const char *)masked, sizeof masked));
	buf_clear(&b);
	ws_frame_lines(&b, WS_OP_TEXT, "\r\n\n", 3);
	assert_int_equal(b.len, 0);
	buf_free(&b);
	buf_free(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_accept_key),
		cmocka_unit_test(t_encode_rfc),
		cmocka_unit_test(t_encode_close),
		cmocka_unit_test(t_close_codes),
		cmocka_unit_test(t_read_rfc),
		cmocka_unit_test(t_read_header_rules),
		cmocka_unit_test(t_read_limits),
		cmocka_unit_test(t_read_utf8),
		cmocka_unit_test(t_read_close),
		cmocka_unit_test(t_read_interleaved),
		cmocka_unit_test(t_read_driving),
		cmocka_unit_test(t_read_empty),
		cmocka_unit_test(t_text_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
