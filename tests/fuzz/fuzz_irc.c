/* libFuzzer target: the IRC message both ways (face/irc/irc_msg). The input is parsed as one
 * line; beyond the sanitizers it checks that every span lies inside the input, that the counts and
 * the limits hold, and that what parsed is well formed. A clean line that parsed is then built
 * again with the builder and parsed back: the same tags (unescaped), source, command and
 * parameters, the last one possibly cut (only when the rebuilt message is at the limit), and
 * building that again gives the same bytes. The input is also used as a trailing parameter (never
 * more than 512 bytes, cut only at character boundaries) and as a tag value (unescape undoes
 * escape). */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "face/irc/irc_msg.h"

static bool fuzz_irc_inside(const char *line, size_t len, struct irc_span s)
{
	if (s.len == 0)
		return s.p == NULL || (s.p >= line && s.p <= line + len);
	return s.p >= line && s.p + s.len <= line + len;
}

static bool fuzz_irc_has(struct irc_span s, char c)
{
	return s.len && memchr(s.p, c, s.len);
}

/* What the parser promises about a message it accepted. */
static void fuzz_irc_check(const char *line, size_t len, const struct irc_msg *m)
{
	assert(m->ntags <= IRC_TAG_COUNT_MAX && m->nparams <= IRC_PARAMS_MAX);
	for (size_t i = 0; i < m->ntags; i++) {
		const struct irc_tag *t = &m->tags[i];
		assert(fuzz_irc_inside(line, len, t->key) && fuzz_irc_inside(line, len, t->value));
		assert(t->key.len > 0 && !fuzz_irc_has(t->key, ';') && !fuzz_irc_has(t->key, ' ') &&
		       !fuzz_irc_has(t->key, '='));
		assert(!fuzz_irc_has(t->value, ';') && !fuzz_irc_has(t->value, ' '));
		assert(t->value.p || t->value.len == 0);
	}
	assert(fuzz_irc_inside(line, len, m->source) && !fuzz_irc_has(m->source, ' '));
	assert(fuzz_irc_inside(line, len, m->command) && m->command.len > 0);
	bool digits = m->command.p[0] >= '0' && m->command.p[0] <= '9';
	assert(!digits || m->command.len == 3);
	for (size_t i = 0; i < m->command.len; i++) {
		char c = m->command.p[i];
		assert(digits ? c >= '0' && c <= '9' : (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
	}
	for (size_t i = 0; i < m->nparams; i++) {
		assert(fuzz_irc_inside(line, len, m->params[i]));
		bool last = i + 1 == m->nparams;
		if (!last || (!m->trailing && m->nparams < IRC_PARAMS_MAX))
			assert(irc_msg_middle_ok(m->params[i].p, m->params[i].len));
	}
	/* The limits: the tags part (from '@' to its space) and the rest. */
	size_t i = 0;
	while (i < len && line[i] == ' ')
		i++;
	size_t body = 0;
	if (i < len && line[i] == '@') {
		const char *sp = memchr(line + i, ' ', len - i);
		assert(sp && (size_t)(sp - line) - i + 1 <= IRC_TAGS_CLIENT_MAX);
		body = (size_t)(sp - line) + 1;
	}
	assert(len - body <= IRC_LINE_MAX - 2);
}

/* Builds m with the builder, as a face relays what it parsed. */
static void fuzz_irc_build(const struct irc_msg *m, struct buf *out, struct buf *scratch)
{
	struct irc_out o;
	buf_clear(out);
	irc_out_begin(&o, out);
	for (size_t i = 0; i < m->ntags; i++) {
		const struct irc_tag *t = &m->tags[i];
		buf_clear(scratch);
		buf_append(scratch, t->key.p, t->key.len);
		size_t vat = scratch->len + 1;
		buf_putc(scratch, '\0');
		irc_tag_unescape(t->value.p, t->value.len, scratch);
		irc_out_tag(&o, scratch->data, t->value.p ? scratch->data + vat : NULL);
	}
	if (m->source.len)
		irc_out_source(&o, m->source.p, m->source.len);
	buf_clear(scratch);
	buf_append(scratch, m->command.p, m->command.len);
	irc_out_command(&o, scratch->data);
	for (size_t i = 0; i < m->nparams; i++) {
		const struct irc_span *p = &m->params[i];
		if (i + 1 == m->nparams && (m->trailing || !irc_msg_middle_ok(p->p, p->len)))
			irc_out_trailing(&o, p->p, p->len);
		else
			irc_out_param(&o, p->p, p->len);
	}
	irc_out_end(&o);
	assert(o.ended && o.start == 0);
	assert(out->len - o.body <= IRC_LINE_MAX && o.body <= IRC_TAGS_MAX);
	assert(out->len >= 2 && memcmp(out->data + out->len - 2, "\r\n", 2) == 0);
	assert(irc_msg_clean(out->data, out->len - 2));
}

static bool fuzz_irc_span_eq(struct irc_span a, struct irc_span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

static void fuzz_irc_round_trip(const struct irc_msg *m)
{
	struct buf built = BUF_INIT, again_built = BUF_INIT, scratch = BUF_INIT;
	struct buf v1 = BUF_INIT, v2 = BUF_INIT;
	fuzz_irc_build(m, &built, &scratch);

	struct irc_msg again;
	enum irc_parse r = irc_msg_parse(built.data, built.len - 2, &again);
	assert(r == IRC_PARSE_OK);
	fuzz_irc_check(built.data, built.len - 2, &again);
	assert(again.ntags == m->ntags);
	for (size_t i = 0; i < m->ntags; i++) {
		assert(fuzz_irc_span_eq(again.tags[i].key, m->tags[i].key));
		buf_clear(&v1);
		buf_clear(&v2);
		irc_tag_unescape(m->tags[i].value.p, m->tags[i].value.len, &v1);
		irc_tag_unescape(again.tags[i].value.p, again.tags[i].value.len, &v2);
		assert(v1.len == v2.len && memcmp(v1.data, v2.data, v1.len) == 0);
	}
	assert(fuzz_irc_span_eq(again.source, m->source));
	assert(fuzz_irc_span_eq(again.command, m->command));
	assert(again.nparams == m->nparams);
	for (size_t i = 0; i < m->nparams; i++) {
		struct irc_span a = again.params[i], b = m->params[i];
		if (i + 1 < m->nparams || a.len == b.len) {
			assert(fuzz_irc_span_eq(a, b));
			continue;
		}
		/* The last one was cut: a prefix, by at most one character and the colon it gained
		 * (the 15th parameter sent without one), and only at the limit. */
		assert(a.len < b.len && b.len - a.len <= 4 && memcmp(a.p, b.p, a.len) == 0);
		const char *sp = built.data[0] == '@' ? memchr(built.data, ' ', built.len) : NULL;
		size_t body = sp ? (size_t)(sp - built.data) + 1 : 0;
		assert(built.len - body >= IRC_LINE_MAX - 3);
	}
	/* Building what was built gives the same bytes, cut or not (a cut one is a fixed point). */
	fuzz_irc_build(&again, &again_built, &scratch);
	assert(again_built.len == built.len && memcmp(again_built.data, built.data, built.len) == 0);
	buf_free(&built);
	buf_free(&again_built);
	buf_free(&scratch);
	buf_free(&v1);
	buf_free(&v2);
}

/* The whole input as a trailing parameter and as a tag value. */
static void fuzz_irc_builder(const char *data, size_t size)
{
	struct buf b = BUF_INIT, esc = BUF_INIT, back = BUF_INIT;
	struct irc_out o;
	irc_out_begin(&o, &b);
	irc_out_command(&o, "PRIVMSG");
	irc_out_param(&o, "#c", 2);
	irc_out_trailing(&o, data, size);
	irc_out_end(&o);
	size_t head = strlen("PRIVMSG #c :");
	assert(b.len <= IRC_LINE_MAX && b.len >= head + 2);
	assert(memcmp(b.data + b.len - 2, "\r\n", 2) == 0 && irc_msg_clean(b.data, b.len - 2));
	size_t kept = b.len - 2 - head;
	assert(kept <= size);
	if (size <= IRC_LINE_MAX - 2 - head)
		assert(kept == size);
	if (irc_msg_clean(data, size))
		assert(memcmp(b.data + head, data, kept) == 0);
	/* A cut is at a character boundary: valid text stays valid. */
	bool valid = true;
	for (size_t i = 0; i < size && valid;) {
		uint32_t cp;
		i += utf8_decode(data + i, size - i, &cp, &valid);
	}
	for (size_t i = head; valid && i < b.len - 2;) {
		uint32_t cp;
		i += utf8_decode(b.data + i, b.len - 2 - i, &cp, &valid);
		assert(valid);
	}

	irc_tag_escape(data, size, &esc);
	assert(esc.len >= size && esc.len <= 2 * size);
	assert(!memchr(esc.data, ';', esc.len) && !memchr(esc.data, ' ', esc.len));
	assert(!memchr(esc.data, '\r', esc.len) && !memchr(esc.data, '\n', esc.len));
	irc_tag_unescape(esc.data, esc.len, &back);
	assert(back.len == size && (size == 0 || memcmp(back.data, data, size) == 0));
	buf_free(&b);
	buf_free(&esc);
	buf_free(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct irc_msg m;
	enum irc_parse r = irc_msg_parse(line, size, &m);
	size_t spaces = 0;
	while (spaces < size && line[spaces] == ' ')
		spaces++;
	assert((r == IRC_PARSE_EMPTY) == (spaces == size));
	if (r == IRC_PARSE_OK) {
		fuzz_irc_check(line, size, &m);
		if (irc_msg_clean(line, size))
			fuzz_irc_round_trip(&m);
	}
	fuzz_irc_builder(line, size);
	return 0;
}
