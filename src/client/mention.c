#include "client/mention.h"

#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "base/xalloc.h"
#include "client/incoming.h"

static bool mention_word_byte(unsigned char c);
static char *mention_fold(const char *s, size_t n, size_t *folded_len);
static bool mention_same(const char *a, size_t alen, const char *b);

/* Non-ASCII bytes belong to letters as far as we can tell without tables (ñ, é, ü, ...), so a
 * name inside a longer word of any script is not a mention. */
static bool mention_word_byte(unsigned char c)
{
	return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

static char *mention_fold(const char *s, size_t n, size_t *folded_len)
{
	char *out = xmalloc(n + 1);
	*folded_len = fold_utf8(s, n, out, n + 1);
	return out;
}

static bool mention_same(const char *a, size_t alen, const char *b)
{
	size_t na, nb;
	char *fa = mention_fold(a, alen, &na);
	char *fb = mention_fold(b, strlen(b), &nb);
	bool same = na == nb && memcmp(fa, fb, na) == 0;
	free(fa);
	free(fb);
	return same;
}

bool mention_find(const char *text, size_t len, const char *name)
{
	size_t nlen;
	size_t tlen;
	char *fname = mention_fold(name, strlen(name), &nlen);
	char *ftext = mention_fold(text, len, &tlen);
	bool found = false;
	for (size_t i = 0; nlen > 0 && i + nlen <= tlen && !found; i++) {
		if (memcmp(ftext + i, fname, nlen) != 0)
			continue;
		/* A name that starts or ends with punctuation has its own edge there. */
		const unsigned char *t = (const unsigned char *)ftext;
		const unsigned char *n = (const unsigned char *)fname;
		bool starts = i == 0 || !mention_word_byte(t[i - 1]) || !mention_word_byte(n[0]);
		bool ends = i + nlen == tlen || !mention_word_byte(t[i + nlen]) ||
			    !mention_word_byte(n[nlen - 1]);
		found = starts && ends;
	}
	free(fname);
	free(ftext);
	return found;
}

enum mention_kind mention_line(struct mention *m, const char *line, size_t len, const char *own)
{
	struct incoming_parts p;
	enum incoming_kind kind = incoming_classify(line, len, &p);
	bool said = kind == INCOMING_SAY || kind == INCOMING_ACTION;
	const char *from = line + p.name_off;
	bool mine = said && own && mention_same(from, p.name_len, own);
	if (!said || !p.private_tag || mine) {
		free(m->last_private);
		m->last_private = NULL;
		if (!said || mine || !own)
			return MENTION_NONE;
		return mention_find(line + p.text_off, len - p.text_off, own) ? MENTION_NAME
									       : MENTION_NONE;
	}
	bool again = m->last_private && strlen(m->last_private) == p.name_len &&
		     memcmp(m->last_private, from, p.name_len) == 0;
	free(m->last_private);
	m->last_private = xstrndup(from, p.name_len);
	return again ? MENTION_NONE : MENTION_PRIVATE;
}

void mention_free(struct mention *m)
{
	free(m->last_private);
	m->last_private = NULL;
}
