/* libFuzzer target: the answer wrapper. The first two input bytes pick the width (4-67 bytes) and
 * the cap (0 = none, or 1-255 bytes) and a piece size; the rest is model output, fed whole and in
 * pieces. Checks, beyond the sanitizers: every line is clean UTF-8 (no control byte, no escape
 * sequence, no invalid UTF-8), within the width, without trailing blanks; the bytes emitted never
 * pass the cap; and the lines do not depend on how the output was split. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/wrap.h"
#include "base/buf.h"
#include "base/utf8.h"

struct fuzz_lines {
	struct buf log;
	size_t width;
	size_t bytes;
};

static void fuzz_wrap_cb(void *arg, const char *line, size_t len)
{
	struct fuzz_lines *l = arg;
	assert(len <= l->width);
	assert(line[len] == '\0');
	assert(utf8_is_clean(line, len));
	assert(!memchr(line, 0x1B, len));
	assert(len == 0 || (line[len - 1] != ' ' && line[len - 1] != '\t'));
	buf_append(&l->log, line, len);
	buf_putc(&l->log, '\n');
	l->bytes += len + 1;
}

static enum wrap_status fuzz_wrap_run(const char *s, size_t n, size_t width, size_t cap,
                                      size_t step, struct fuzz_lines *l)
{
	struct wrap w;
	wrap_init(&w, width, cap);
	buf_init(&l->log);
	l->width = width;
	l->bytes = 0;
	for (size_t i = 0; i < n; i += step) {
		size_t len = n - i < step ? n - i : step;
		char *piece = malloc(len);
		memcpy(piece, s + i, len);
		wrap_feed(&w, piece, len, fuzz_wrap_cb, l);
		free(piece);
	}
	enum wrap_status st = wrap_finish(&w, fuzz_wrap_cb, l);
	wrap_free(&w);
	if (cap)
		assert(l->bytes <= cap);
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t width = (size_t)(data[0] & 0x3F) + 4;
	size_t step = (size_t)(data[0] >> 6) * 3 + 1;
	size_t cap = data[1];
	const char *s = (const char *)data + 2;
	size_t n = size - 2;
	struct fuzz_lines whole, pieces;
	enum wrap_status a = fuzz_wrap_run(s, n, width, cap, n ? n : 1, &whole);
	enum wrap_status b = fuzz_wrap_run(s, n, width, cap, step, &pieces);
	assert(a == b);
	assert(whole.log.len == pieces.log.len);
	assert(whole.log.len == 0 || memcmp(whole.log.data, pieces.log.data, whole.log.len) == 0);
	buf_free(&whole.log);
	buf_free(&pieces.log);
	return 0;
}
