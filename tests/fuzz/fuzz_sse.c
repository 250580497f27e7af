/* libFuzzer target: the SSE parser. The input's first byte picks a piece size and the event limit;
 * the rest is a stream, parsed three ways: whole, byte by byte, and in pieces of the picked size.
 * Checks, beyond the sanitizers: the three runs see the same events and end the same way (a split
 * never changes what is parsed), every event is within the limit and NUL-terminated, and each
 * event's data also goes through the chunk parser (ai/chat), whose results must be consistent. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/chat.h"
#include "ai/sse.h"
#include "base/buf.h"
#include "base/utf8.h"

struct fuzz_run {
	struct buf log;
	size_t max;
	unsigned events;
};

static bool fuzz_sse_cb(void *arg, const struct sse_event *ev)
{
	struct fuzz_run *r = arg;
	assert(ev->len <= r->max);
	assert(ev->data[ev->len] == '\0');
	buf_printf(&r->log, "%zu:%s:%zu:", strlen(ev->type), ev->type, ev->len);
	buf_append(&r->log, ev->data, ev->len);
	r->events++;
	struct chat_chunk c;
	enum chat_result res = chat_parse_chunk(ev->data, ev->len, &c);
	if (res == CHAT_CHUNK) {
		assert((c.content == NULL) == (c.content_len == 0));
	} else {
		assert(c.content == NULL);
	}
	if (res == CHAT_ERROR) {
		assert(utf8_is_clean(c.error.message, strlen(c.error.message)));
		assert(strlen(c.error.message) <= CHAT_ERROR_MESSAGE_MAX);
	}
	chat_chunk_free(&c);
	/* Stop on "[DONE]", as the bridge does, to exercise the sticky stop. */
	return res != CHAT_DONE;
}

static enum sse_status fuzz_run_pieces(const char *s, size_t n, size_t max, size_t step,
                                       struct fuzz_run *r)
{
	struct sse p;
	sse_init(&p, max);
	buf_init(&r->log);
	r->max = max;
	r->events = 0;
	for (size_t i = 0; i < n; i += step) {
		size_t len = n - i < step ? n - i : step;
		/* A fresh copy per piece: the parser must not keep pointers into it. */
		char *piece = malloc(len);
		memcpy(piece, s + i, len);
		sse_feed(&p, piece, len, fuzz_sse_cb, r);
		free(piece);
	}
	enum sse_status st = sse_finish(&p);
	sse_free(&p);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)(data[0] & 0x1F) + 1;
	size_t max = data[0] & 0x80 ? 16 : 4096;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	struct fuzz_run whole, bytes, pieces;
	enum sse_status a = fuzz_run_pieces(s, n, max, n ? n : 1, &whole);
	enum sse_status b = fuzz_run_pieces(s, n, max, 1, &bytes);
	enum sse_status c = fuzz_run_pieces(s, n, max, step, &pieces);
	assert(a == b && a == c);
	assert(whole.events == bytes.events && whole.events == pieces.events);
	assert(whole.log.len == bytes.log.len && whole.log.len == pieces.log.len);
	assert(whole.log.len == 0 || (memcmp(whole.log.data, bytes.log.data, whole.log.len) == 0 &&
	                              memcmp(whole.log.data, pieces.log.data, whole.log.len) == 0));
	buf_free(&whole.log);
	buf_free(&bytes.log);
	buf_free(&pieces.log);
	return 0;
}
