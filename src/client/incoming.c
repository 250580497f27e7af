#include "client/incoming.h"

#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/fold.h"
#include "base/utf8.h"

/* SGR parameters. The name palette leaves out blue (tags), black and white (invisible on one
 * background or the other) and red in bold (errors); the two 256-colour entries bring it to twelve,
 * and a terminal without 256 colours shows them in its default colour, which stays readable. */
static const char *const palette[INCOMING_COLOURS] = {
	"31", "32", "33", "35", "36", "91", "92", "93", "95", "96", "38;5;208", "38;5;141",
};
#define STYLE_SERVER "2"        /* faint */
#define STYLE_ERROR "1;31"      /* bold red */
#define STYLE_NEWS "3"          /* italic */
#define STYLE_TAG "34"          /* blue */
#define STYLE_PRIVATE_TAG "1;35" /* bold magenta */
#define STYLE_OWN "1"           /* bold */
#define STYLE_MENTION "7"       /* reverse video */

/* Longest name folded for hashing; names are at most 32 characters (128 bytes), so longer text is
 * not a name and is hashed as it is. */
#define NAME_FOLD_MAX 256

static bool starts(const char *s, size_t len, const char *prefix);
static size_t find(const char *s, size_t len, size_t from, const char *needle);
static bool same_name(const char *a, size_t alen, const char *b, size_t blen);
static void styled(struct buf *out, const char *sgr, const char *s, size_t n);
static void render(const char *line, size_t len, const char *own, bool colour, bool mention,
		   struct buf *out);

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Offset of the first `needle` at or after `from`, or len if there is none. */
static size_t find(const char *s, size_t len, size_t from, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = from; i + n <= len; i++)
		if (memcmp(s + i, needle, n) == 0)
			return i;
	return len;
}

enum incoming_kind incoming_classify(const char *line, size_t len, struct incoming_parts *p)
{
	memset(p, 0, sizeof *p);
	if (starts(line, len, "* "))
		return INCOMING_SERVER;
	if (starts(line, len, "! "))
		return INCOMING_ERROR;
	if (starts(line, len, "-- "))
		return INCOMING_NEWS;
	if (!starts(line, len, "["))
		return INCOMING_OTHER;
	/* Room names and user names contain no spaces, so the first "] " closes the tag. */
	size_t close = find(line, len, 1, "] ");
	if (close == len)
		return INCOMING_OTHER;
	size_t rest = close + 2;
	p->tag_len = close + 1;
	p->private_tag = starts(line, len, "[pm");
	if (starts(line + rest, len - rest, "-- ")) {
		p->text_off = rest + 3;
		return INCOMING_EVENT;
	}
	if (starts(line + rest, len - rest, "* ")) {
		p->name_off = rest + 2;
		size_t sp = find(line, len, p->name_off, " ");
		p->name_len = sp - p->name_off;
		p->text_off = sp < len ? sp + 1 : len;
		if (p->name_len > 0)
			return INCOMING_ACTION;
	} else {
		size_t colon = find(line, len, rest, ": ");
		size_t sp = find(line, len, rest, " ");
		if (colon < len && colon > rest && sp >= colon) {
			p->name_off = rest;
			p->name_len = colon - rest;
			p->text_off = colon + 2;
			return INCOMING_SAY;
		}
	}
	memset(p, 0, sizeof *p);
	return INCOMING_OTHER;
}

/* FNV-1a over the folded name: stable across runs and machines, unlike a seeded hash, which is
 * the point: a friend keeps the colour people learnt to spot. */
unsigned incoming_colour(const char *name, size_t len)
{
	char folded[NAME_FOLD_MAX + 1];
	const char *s = name;
	if (len <= NAME_FOLD_MAX && utf8_is_clean(name, len)) {
		len = fold_utf8(name, len, folded, sizeof folded);
		s = folded;
	}
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h % INCOMING_COLOURS;
}

static bool same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	char fa[NAME_FOLD_MAX + 1], fb[NAME_FOLD_MAX + 1];
	if (alen > NAME_FOLD_MAX || blen > NAME_FOLD_MAX)
		return false;
	size_t na = fold_utf8(a, alen, fa, sizeof fa);
	size_t nb = fold_utf8(b, blen, fb, sizeof fb);
	return na == nb && memcmp(fa, fb, na) == 0;
}

static void styled(struct buf *out, const char *sgr, const char *s, size_t n)
{
	if (n == 0)
		return;
	buf_printf(out, "\x1b[%sm", sgr);
	buf_append(out, s, n);
	buf_puts(out, "\x1b[0m");
}

void incoming_format(const char *line, size_t len, const char *own, bool colour, struct buf *out)
{
	render(line, len, own, colour, false, out);
}

void incoming_format_mention(const char *line, size_t len, const char *own, bool colour,
			     struct buf *out)
{
	render(line, len, own, colour, true, out);
}

static void render(const char *line, size_t len, const char *own, bool colour, bool mention,
		   struct buf *out)
{
	struct buf clean = BUF_INIT;
	utf8_sanitize(line, len, &clean);
	const char *s = clean.data;
	len = clean.len;
	struct incoming_parts p;
	enum incoming_kind kind = colour ? incoming_classify(s, len, &p) : INCOMING_OTHER;
	switch (kind) {
	case INCOMING_SERVER:
		styled(out, STYLE_SERVER, s, len);
		break;
	case INCOMING_ERROR:
		styled(out, STYLE_ERROR, s, len);
		break;
	case INCOMING_NEWS:
		styled(out, STYLE_NEWS, s, len);
		break;
	case INCOMING_SAY:
	case INCOMING_ACTION:
	case INCOMING_EVENT: {
		styled(out, p.private_tag ? STYLE_PRIVATE_TAG : STYLE_TAG, s, p.tag_len);
		if (kind == INCOMING_EVENT) {
			buf_putc(out, ' ');
			styled(out, STYLE_NEWS, s + p.tag_len + 1, len - p.tag_len - 1);
			break;
		}
		buf_append(out, s + p.tag_len, p.name_off - p.tag_len);
		const char *name = s + p.name_off;
		bool mine = own && same_name(name, p.name_len, own, strlen(own));
		styled(out, mine ? STYLE_OWN : palette[incoming_colour(name, p.name_len)], name,
		       p.name_len);
		if (!mention) {
			buf_append(out, name + p.name_len, len - p.name_off - p.name_len);
			break;
		}
		buf_append(out, name + p.name_len, p.text_off - p.name_off - p.name_len);
		styled(out, STYLE_MENTION, s + p.text_off, len - p.text_off);
		break;
	}
	case INCOMING_OTHER:
		if (len > 0)
			buf_append(out, s, len);
		break;
	}
	buf_putc(out, '\n');
	buf_free(&clean);
}
