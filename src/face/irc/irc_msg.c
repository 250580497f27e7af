#include "face/irc/irc_msg.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "base/buf.h"

static bool irc_msg_alpha(unsigned char c);
static bool irc_msg_digit(unsigned char c);
static size_t irc_msg_bad_byte(const char *s, size_t len);
static bool irc_msg_command_ok(const char *s, size_t len);
static bool irc_msg_key_ok(const char *k, size_t len);
static enum irc_parse irc_msg_parse_tags(const char *s, size_t len, struct irc_msg *out);
static size_t irc_msg_skip_spaces(const char *s, size_t len, size_t i);
static size_t irc_out_cut(const char *p, size_t max);
static void irc_out_open_body(struct irc_out *o);

static bool irc_msg_alpha(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26;
}

static bool irc_msg_digit(unsigned char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* The offset of the first NUL, CR or LF in s, or len. All three are below 0x0E, so one compare
 * skips nearly every byte of real text. */
static size_t irc_msg_bad_byte(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= '\r' && (c == '\0' || c == '\r' || c == '\n'))
			return i;
	}
	return len;
}

bool irc_msg_clean(const char *line, size_t len)
{
	return irc_msg_bad_byte(line, len) == len;
}

/* A command is one or more letters, or exactly three digits (a numeric). */
static bool irc_msg_command_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	if (irc_msg_digit((unsigned char)s[0]))
		return len == 3 && irc_msg_digit((unsigned char)s[1]) &&
		       irc_msg_digit((unsigned char)s[2]);
	for (size_t i = 0; i < len; i++)
		if (!irc_msg_alpha((unsigned char)s[i]))
			return false;
	return true;
}

/* key = [ "+" ] [ vendor "/" ] name, where vendor is a host name (letters, digits, '-', '.') and
 * name is letters, digits and '-', both non-empty. */
static bool irc_msg_key_ok(const char *k, size_t len)
{
	size_t i = len > 0 && k[0] == '+' ? 1 : 0;
	const char *slash = memchr(k + i, '/', len - i);
	if (slash) {
		size_t v = (size_t)(slash - k);
		if (v == i)
			return false;
		for (; i < v; i++) {
			unsigned char c = (unsigned char)k[i];
			if (!irc_msg_alpha(c) && !irc_msg_digit(c) && c != '-' && c != '.')
				return false;
		}
		i = v + 1;
	}
	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)k[i];
		if (!irc_msg_alpha(c) && !irc_msg_digit(c) && c != '-')
			return false;
	}
	return true;
}

static size_t irc_msg_skip_spaces(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] == ' ')
		i++;
	return i;
}

/* Splits s[0..len), the tags without '@' and the space, at ';' and the first '=' of each tag. */
static enum irc_parse irc_msg_parse_tags(const char *s, size_t len, struct irc_msg *out)
{
	size_t i = 0;
	for (;;) {
		const char *semi = memchr(s + i, ';', len - i);
		size_t end = semi ? (size_t)(semi - s) : len;
		const char *eq = memchr(s + i, '=', end - i);
		size_t klen = eq ? (size_t)(eq - (s + i)) : end - i;
		if (klen == 0)
			return IRC_PARSE_BAD_TAGS;
		if (irc_msg_key_ok(s + i, klen)) {
			if (out->ntags == IRC_TAG_COUNT_MAX)
				return IRC_PARSE_BAD_TAGS;
			struct irc_tag *t = &out->tags[out->ntags++];
			t->key = (struct irc_span){s + i, klen};
			if (eq)
				t->value = (struct irc_span){eq + 1, end - klen - 1 - i};
			else
				t->value = (struct irc_span){NULL, 0};
		}
		if (!semi)
			return IRC_PARSE_OK;
		i = end + 1;
	}
}

enum irc_parse irc_msg_parse(const char *line, size_t len, struct irc_msg *out)
{
	out->ntags = 0;
	out->source = (struct irc_span){NULL, 0};
	out->command = (struct irc_span){NULL, 0};
	out->nparams = 0;
	out->trailing = false;

	size_t i = irc_msg_skip_spaces(line, len, 0);
	if (i == len)
		return IRC_PARSE_EMPTY;

	/* Both lengths first: a line over either limit is refused whole, whatever it holds. */
	size_t tags = i, tags_end = i, body = 0;
	if (line[i] == '@') {
		const char *sp = memchr(line + i, ' ', len - i);
		tags_end = sp ? (size_t)(sp - line) : len;
		if (tags_end - tags + 1 > IRC_TAGS_CLIENT_MAX)
			return IRC_PARSE_TAGS_TOO_LONG;
		body = sp ? tags_end + 1 : len;
	}
	if (len - body > IRC_LINE_MAX - 2)
		return IRC_PARSE_TOO_LONG;
	if (tags_end > tags) {
		enum irc_parse r = irc_msg_parse_tags(line + tags + 1, tags_end - tags - 1, out);
		if (r != IRC_PARSE_OK)
			return r;
		i = irc_msg_skip_spaces(line, len, body);
	}

	if (i < len && line[i] == ':') {
		const char *sp = memchr(line + i, ' ', len - i);
		if (!sp)
			return IRC_PARSE_NO_COMMAND;
		out->source = (struct irc_span){line + i + 1, (size_t)(sp - line) - i - 1};
		i = irc_msg_skip_spaces(line, len, (size_t)(sp - line));
	}
	if (i == len)
		return IRC_PARSE_NO_COMMAND;

	const char *sp = memchr(line + i, ' ', len - i);
	size_t end = sp ? (size_t)(sp - line) : len;
	out->command = (struct irc_span){line + i, end - i}; /* also for BAD_COMMAND, to quote */
	if (!irc_msg_command_ok(line + i, end - i))
		return IRC_PARSE_BAD_COMMAND;
	i = end;

	for (;;) {
		i = irc_msg_skip_spaces(line, len, i);
		if (i == len)
			break;
		if (line[i] == ':') {
			out->params[out->nparams++] = (struct irc_span){line + i + 1, len - i - 1};
			out->trailing = true;
			break;
		}
		if (out->nparams == IRC_PARAMS_MAX - 1) {
			/* RFC 2812: after 14 middle parameters, the rest is the trailing one, colon or not. */
			out->params[out->nparams++] = (struct irc_span){line + i, len - i};
			break;
		}
		sp = memchr(line + i, ' ', len - i);
		end = sp ? (size_t)(sp - line) : len;
		out->params[out->nparams++] = (struct irc_span){line + i, end - i};
		i = end;
	}
	return IRC_PARSE_OK;
}

bool irc_msg_is(const struct irc_msg *m, const char *name)
{
	size_t n = strlen(name);
	if (n != m->command.len)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)m->command.p[i], b = (unsigned char)name[i];
		if (a != b && !(irc_msg_alpha(a) && (a ^ b) == 0x20))
			return false;
	}
	return true;
}

bool irc_msg_tag(const struct irc_msg *m, const char *key, struct buf *out)
{
	buf_clear(out);
	size_t n = strlen(key);
	/* From the end: the last of duplicate keys wins, as the spec asks. */
	for (size_t i = m->ntags; i-- > 0;) {
		const struct irc_tag *t = &m->tags[i];
		if (t->key.len == n && memcmp(t->key.p, key, n) == 0) {
			if (t->value.len)
				irc_tag_unescape(t->value.p, t->value.len, out);
			return true;
		}
	}
	return false;
}

void irc_tag_unescape(const char *v, size_t len, struct buf *out)
{
	buf_reserve(out, len);
	char *w = out->data + out->len;
	size_t i = 0;
	while (i < len) {
		const char *bs = memchr(v + i, '\\', len - i);
		size_t run = bs ? (size_t)(bs - (v + i)) : len - i;
		memcpy(w, v + i, run);
		w += run;
		i += run;
		if (!bs || ++i == len)
			break; /* no more escapes, or a lone trailing backslash: dropped */
		switch (v[i]) {
		case ':': *w++ = ';'; break;
		case 's': *w++ = ' '; break;
		case 'r': *w++ = '\r'; break;
		case 'n': *w++ = '\n'; break;
		default: *w++ = v[i]; break; /* "\\" and any other "\x": x */
		}
		i++;
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}

void irc_tag_escape(const char *v, size_t len, struct buf *out)
{
	buf_reserve(out, 2 * len);
	char *w = out->data + out->len;
	for (size_t i = 0; i < len; i++) {
		char c = v[i], e;
		switch (c) {
		case ';': e = ':'; break;
		case ' ': e = 's'; break;
		case '\\': e = '\\'; break;
		case '\r': e = 'r'; break;
		case '\n': e = 'n'; break;
		default: *w++ = c; continue;
		}
		*w++ = '\\';
		*w++ = e;
	}
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
}

bool irc_msg_middle_ok(const char *p, size_t len)
{
	return len > 0 && p[0] != ':' && !memchr(p, ' ', len);
}

void irc_out_begin(struct irc_out *o, struct buf *b)
{
	o->b = b;
	o->start = b->len;
	o->body = b->len;
	o->tagged = false;
	o->ended = false;
}

/* Where to cut p, which is longer than max bytes, so as to keep at most max of them and no part of
 * a character: back over the continuation bytes at p[max], at most three, which is all valid UTF-8
 * can have; in invalid text a longer run of them is not a character to keep whole, and stepping
 * back over it all would throw away more than the limit asks. */
static size_t irc_out_cut(const char *p, size_t max)
{
	size_t n = max;
	for (int k = 0; k < 3 && n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80; k++)
		n--;
	return n;
}

/* Ends the tags, if any, with their space: what follows is the body, which the 512 limit counts. */
static void irc_out_open_body(struct irc_out *o)
{
	assert(!o->ended);
	if (o->tagged && o->body == o->start) {
		buf_putc(o->b, ' ');
		o->body = o->b->len;
	}
}

void irc_out_tag(struct irc_out *o, const char *key, const char *value)
{
	struct buf *b = o->b;
	/* Tags come first: nothing but tags written yet. */
	assert(!o->ended && (o->tagged ? o->body == o->start : b->len == o->start));
	size_t klen = strlen(key);
	assert(klen > 0 && irc_msg_key_ok(key, klen));
	size_t mark = b->len;
	buf_putc(b, o->tagged ? ';' : '@');
	buf_append(b, key, klen);
	if (value && *value) {
		buf_putc(b, '=');
		irc_tag_escape(value, strlen(value), b);
	}
	/* + 1: the space that will end the tags. */
	if (b->len - o->start + 1 > IRC_TAGS_MAX) {
		b->len = mark;
		b->data[mark] = '\0';
		return;
	}
	o->tagged = true;
}

void irc_out_source(struct irc_out *o, const char *src, size_t len)
{
	irc_out_open_body(o);
	/* Unlike a middle parameter, a source may begin with ':' (it is taken up to the space). */
	assert(o->b->len == o->body && len > 0 && !memchr(src, ' ', len));
	buf_reserve(o->b, len + 2);
	buf_putc(o->b, ':');
	buf_append(o->b, src, len);
	buf_putc(o->b, ' ');
}

void irc_out_command(struct irc_out *o, const char *cmd)
{
	irc_out_open_body(o);
	size_t n = strlen(cmd);
	assert(irc_msg_command_ok(cmd, n));
	buf_append(o->b, cmd, n);
}

void irc_out_param(struct irc_out *o, const char *p, size_t len)
{
	assert(!o->ended && o->b->len > o->body && irc_msg_middle_ok(p, len));
	buf_reserve(o->b, len + 1);
	buf_putc(o->b, ' ');
	buf_append(o->b, p, len);
}

void irc_out_paramf(struct irc_out *o, const char *fmt, ...)
{
	assert(!o->ended && o->b->len > o->body);
	buf_putc(o->b, ' ');
	size_t at = o->b->len;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(o->b, fmt, ap);
	va_end(ap);
	assert(irc_msg_middle_ok(o->b->data + at, o->b->len - at));
	(void)at;
}

void irc_out_trailing(struct irc_out *o, const char *p, size_t len)
{
	struct buf *b = o->b;
	assert(!o->ended && b->len > o->body);
	/* The room left for p: the body's 510 bytes before CR LF, less what is written and " :". */
	size_t used = b->len - o->body + 2;
	size_t room = used < IRC_LINE_MAX - 2 ? IRC_LINE_MAX - 2 - used : 0;
	if (len > room)
		len = irc_out_cut(p, room);
	buf_reserve(b, len + 2);
	buf_putc(b, ' ');
	buf_putc(b, ':');
	buf_append(b, p, len);
}

void irc_out_end(struct irc_out *o)
{
	struct buf *b = o->b;
	assert(!o->ended && b->len > o->body);
	/* The net under every caller: no NUL, CR or LF leaves before the end, so no bug upstream can
	 * ever split this message into two. One pass over at most the message. */
	for (size_t i = o->start; (i += irc_msg_bad_byte(b->data + i, b->len - i)) < b->len; i++)
		b->data[i] = '?';
	if (b->len - o->body > IRC_LINE_MAX - 2) {
		/* Only when the middle parameters alone overflow (irc_out_trailing cuts itself): still
		 * never more than 512 bytes, still whole characters. */
		b->len = o->body + irc_out_cut(b->data + o->body, IRC_LINE_MAX - 2);
	}
	buf_append(b, "\r\n", 2);
	o->ended = true;
}
