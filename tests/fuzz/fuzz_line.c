/* libFuzzer target: the line face's input path, minus the socket. Bytes are split into reads at
 * positions taken from the input itself, framed by linebuf, sanitised, and parsed as commands.
 * Checks, beyond the sanitizers: every delivered line is within the limit and has no LF; sanitised
 * text is clean; utf8_is_clean agrees with sanitize being the identity. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "text/cmd.h"
#include "hub/name.h"
#include "net/linebuf.h"

enum { FUZZ_MAX_LINE = 64 };

static bool fuzz_line_cb(void *arg, enum linebuf_event ev, char *line, size_t len)
{
	(void)arg;
	if (ev == LINEBUF_TOO_LONG) {
		assert(line == NULL);
		return true;
	}
	assert(len <= FUZZ_MAX_LINE);
	assert(!memchr(line, '\n', len));
	struct buf clean = BUF_INIT;
	utf8_sanitize(line, len, &clean);
	assert(utf8_is_clean(clean.data ? clean.data : "", clean.len));
	bool was_clean = utf8_is_clean(line, len);
	assert(was_clean == (clean.len == len && memcmp(clean.data ? clean.data : "", line, len) == 0));
	struct cmd_parsed c;
	enum cmd_kind k = cmd_parse(clean.data ? clean.data : "", clean.len, &c);
	if (k == CMD_TEXT)
		assert(c.text.len <= clean.len);
	name_check_user(clean.data ? clean.data : "", clean.len);
	name_check_room(clean.data ? clean.data : "", clean.len);
	buf_free(&clean);
	/* Stop now and then, to exercise pausing and resuming. */
	return len % 7 != 3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 17 + 1;
	char *copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	struct linebuf lb;
	linebuf_init(&lb, FUZZ_MAX_LINE);
	for (size_t i = 0; i < size - 1; i += step) {
		size_t n = size - 1 - i < step ? size - 1 - i : step;
		if (!linebuf_feed(&lb, copy + i, n, fuzz_line_cb, NULL))
			while (!linebuf_resume(&lb, fuzz_line_cb, NULL))
				;
	}
	linebuf_free(&lb);
	free(copy);
	return 0;
}
