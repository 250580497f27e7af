#include "client/complete.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/utf8.h"
#include "base/xalloc.h"

/* The server's commands (docs/protocol.md) and the client's own, alphabetically. */
static const char *const complete_commands[] = {
	"/ask", "/forget", "/help", "/join", "/me", "/msg", "/nick", "/part", "/quit", "/rooms",
	"/stats", "/who",
};
#define COMMANDS (sizeof complete_commands / sizeof complete_commands[0])

static size_t complete_common(const char *a, size_t alen, const char *b, size_t blen,
			      size_t *chars);
static size_t complete_chars(const char *s, size_t n);

/* How many bytes of a[0..alen) begin b[0..blen) too, compared by folded code point; *chars gets
 * the code points counted. */
static size_t complete_common(const char *a, size_t alen, const char *b, size_t blen,
			      size_t *chars)
{
	size_t i = 0, j = 0, k = 0;
	while (i < alen && j < blen) {
		uint32_t ca, cb;
		bool va, vb;
		size_t na = utf8_decode(a + i, alen - i, &ca, &va);
		size_t nb = utf8_decode(b + j, blen - j, &cb, &vb);
		if (fold_codepoint(ca) != fold_codepoint(cb))
			break;
		i += na;
		j += nb;
		k++;
	}
	*chars = k;
	return i;
}

static size_t complete_chars(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			k++;
	return k;
}

enum complete_result complete_line(const char *text, size_t len, size_t cur,
				   const char *const *names, size_t nnames, struct complete *out)
{
	memset(out, 0, sizeof *out);
	buf_init(&out->insert);
	size_t start = cur;
	while (start > 0 && text[start - 1] != ' ')
		start--;
	bool command = start == 0 && len > 0 && text[0] == '/';
	bool at = !command && start < cur && text[start] == '@';
	out->from = at ? start + 1 : start;
	out->to = cur;
	const char *word = text + out->from;
	size_t wlen = cur - out->from;
	size_t wchars = complete_chars(word, wlen);
	const char *const *pool = command ? complete_commands : names;
	size_t npool = command ? COMMANDS : nnames;

	out->matches = xmalloc((npool ? npool : 1) * sizeof *out->matches);
	for (size_t i = 0; i < npool; i++) {
		size_t chars;
		complete_common(word, wlen, pool[i], strlen(pool[i]), &chars);
		if (chars == wchars)
			out->matches[out->count++] = pool[i];
	}
	if (out->count == 0)
		return COMPLETE_NONE;
	const char *first = out->matches[0];
	if (out->count == 1) {
		buf_puts(&out->insert, first);
		bool space_follows = cur < len && text[cur] == ' ';
		if (!command && !at && start == 0)
			buf_puts(&out->insert, space_follows ? ":" : ": ");
		else if (!space_follows)
			buf_putc(&out->insert, ' ');
		return COMPLETE_UNIQUE;
	}
	size_t shared = strlen(first);
	size_t chars = complete_chars(first, shared);
	for (size_t i = 1; i < out->count; i++) {
		const char *other = out->matches[i];
		shared = complete_common(first, shared, other, strlen(other), &chars);
	}
	if (chars <= wchars)
		return COMPLETE_AMBIGUOUS;
	buf_append(&out->insert, first, shared);
	return COMPLETE_PREFIX;
}

void complete_free(struct complete *c)
{
	buf_free(&c->insert);
	free(c->matches);
	c->matches = NULL;
	c->count = 0;
}
