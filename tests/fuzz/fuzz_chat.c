/* libFuzzer target: the Chat Completions codec and the user texts. The input is a body; its first
 * bytes also choose an HTTP status and a Retry-After value. Checks, beyond the sanitizers: every
 * text meant for a user is clean UTF-8 within its cap, whatever the body; Retry-After is -1 or a
 * sane duration; a request built from the input is valid JSON whose question reads back as the
 * input (sanitised if it was not clean UTF-8). */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ai/chat.h"
#include "ai/msg.h"
#include "base/buf.h"
#include "base/utf8.h"

static bool fuzz_valid_utf8(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		bool valid;
		i += utf8_decode(s + i, n - i, &cp, &valid);
		if (!valid)
			return false;
	}
	return true;
}

/* A NUL-terminated copy of s[0..n) (strndup would read past n under strict string checks). */
static char *fuzz_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void fuzz_check_error(const struct chat_error *e)
{
	size_t m = strlen(e->message), c = strlen(e->code);
	assert(m <= CHAT_ERROR_MESSAGE_MAX && utf8_is_clean(e->message, m));
	assert(c <= CHAT_ERROR_CODE_MAX && utf8_is_clean(e->code, c));
	assert(e->retry_after_ms >= -1 && e->retry_after_ms <= 2000000L * 1000);
	assert(e->category >= CHAT_ERR_AUTH && e->category <= CHAT_ERR_OTHER);
	struct buf out = BUF_INIT;
	msg_append_error(&out, LANG_EN, e);
	assert(out.len > 0 && utf8_is_clean(out.data, out.len));
	buf_free(&out);
}

static void fuzz_check_chunk(enum chat_result res, const struct chat_chunk *c)
{
	if (res != CHAT_CHUNK)
		assert(c->content == NULL && !c->usage.present);
	if (c->content)
		assert(c->content_len > 0 && c->content[c->content_len] == '\0');
	if (res == CHAT_ERROR)
		fuzz_check_error(&c->error);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct chat_chunk c;
	fuzz_check_chunk(chat_parse_chunk(s, size, &c), &c);
	chat_chunk_free(&c);
	fuzz_check_chunk(chat_parse_response(s, size, &c), &c);
	chat_chunk_free(&c);

	/* "status byte, retry-after up to the first newline, body". */
	int status = size > 0 ? 100 + data[0] * 2 : 500;
	const char *nl = size > 1 ? memchr(s + 1, '\n', size - 1) : NULL;
	char *retry = NULL;
	const char *body = s + (size > 0);
	size_t blen = size - (size > 0);
	if (nl) {
		retry = fuzz_dup(s + 1, (size_t)(nl - s - 1));
		body = nl + 1;
		blen = size - (size_t)(nl + 1 - s);
	}
	struct chat_error e;
	chat_parse_error(status, body, blen, retry, 1700000000, &e);
	fuzz_check_error(&e);
	free(retry);

	/* The input as a question (up to its first NUL, as a C string) and as the asker's name. */
	char *q = fuzz_dup(s, size);
	struct chat_request r;
	chat_request_init(&r);
	r.model = q;
	r.question = (struct chat_turn){CHAT_ROLE_USER, size % 2 ? q : NULL, q};
	size_t len;
	char *json = chat_request_build(&r, &len);
	json_t *j = json_loadb(json, len, 0, NULL);
	assert(j);
	json_t *m = json_array_get(json_object_get(j, "messages"), 0);
	const char *got = json_string_value(json_object_get(m, "content"));
	assert(got);
	size_t qlen = strlen(q);
	if (fuzz_valid_utf8(q, qlen) && !(size % 2))
		assert(strcmp(got, q) == 0);
	json_decref(j);
	free(json);
	free(q);
	return 0;
}
