#include "ai/wrap.h"

#include <stdint.h>
#include <string.h>

#include "base/utf8.h"

/* States of the escape-sequence filter (w->esc). */
enum {
	WRAP_ESC_NONE,
	WRAP_ESC_START,  /* after ESC */
	WRAP_ESC_CSI,    /* after ESC [ or U+009B: parameters up to a final byte */
	WRAP_ESC_STRING, /* after ESC ] P X ^ _ or their C1 forms: up to BEL or ST */
	WRAP_ESC_STRING_ESC, /* an ESC inside a string: ESC \ is the terminator */
	WRAP_ESC_NF,     /* after ESC and an intermediate byte (ESC ( B): up to a final byte */
};

void wrap_init(struct wrap *w, size_t width, size_t cap)
{
	memset(w, 0, sizeof(*w));
	buf_init(&w->line);
	w->width = width < 4 ? 4 : width;
	w->cap = cap;
	w->status = WRAP_OK;
}

void wrap_free(struct wrap *w)
{
	buf_free(&w->line);
}

static bool wrap_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Hands s[0..n) to the callback, counted against the cap. s[n] is writable (s points into the line
 * buffer), so the line is NUL-terminated in place for the call. */
static void wrap_out(struct wrap *w, char *s, size_t n, wrap_cb cb, void *arg)
{
	if (w->cap && w->total + n + 1 > w->cap) {
		size_t room = w->cap > w->total + 1 ? w->cap - w->total - 1 : 0;
		n = utf8_boundary(s, n, room);
		while (n > 0 && wrap_is_blank(s[n - 1]))
			n--;
		w->status = WRAP_TRUNCATED;
		if (n == 0)
			return;
	}
	char saved = s[n];
	s[n] = '\0';
	cb(arg, s, n);
	s[n] = saved;
	w->total += n + 1;
}

/* A finished line: trailing blanks go; blank lines are held back so that only one is ever shown
 * between two non-blank lines. */
static void wrap_emit(struct wrap *w, char *s, size_t n, wrap_cb cb, void *arg)
{
	while (n > 0 && wrap_is_blank(s[n - 1]))
		n--;
	if (n == 0) {
		w->blank_owed = w->emitted;
		return;
	}
	if (w->blank_owed) {
		w->blank_owed = false;
		wrap_out(w, s, 0, cb, arg);
		if (w->status != WRAP_OK)
			return;
	}
	w->emitted = true;
	wrap_out(w, s, n, cb, arg);
}

static void wrap_newline(struct wrap *w, wrap_cb cb, void *arg)
{
	if (w->line.len > 0) {
		wrap_emit(w, w->line.data, w->line.len, cb, arg);
		buf_clear(&w->line);
	} else {
		w->blank_owed = w->emitted; /* what wrap_emit does with a blank line */
	}
	w->skip_spaces = false;
}

/* Appends one clean character (k bytes) to the line, wrapping first if it would not fit. */
static void wrap_char(struct wrap *w, const char *c, size_t k, wrap_cb cb, void *arg)
{
	bool blank = k == 1 && wrap_is_blank(c[0]);
	if (blank && w->skip_spaces)
		return;
	w->skip_spaces = false;
	while (w->status == WRAP_OK && w->line.len + k > w->width) {
		char *d = w->line.data;
		size_t n = w->line.len;
		if (blank) {
			/* The line is full and a space comes: the break is here. */
			wrap_emit(w, d, n, cb, arg);
			buf_clear(&w->line);
			w->skip_spaces = true;
			return;
		}
		/* Break at the last blank that has text before it; else inside the word, which is
		 * made of whole characters, so the line is cut at a character boundary. */
		size_t p = n;
		while (p > 0 && !wrap_is_blank(d[p - 1]))
			p--;
		size_t q = p;
		while (q > 0 && wrap_is_blank(d[q - 1]))
			q--;
		if (p == 0 || q == 0) {
			wrap_emit(w, d, n, cb, arg);
			buf_clear(&w->line);
			continue;
		}
		wrap_emit(w, d, q, cb, arg);
		buf_consume(&w->line, p);
	}
	if (w->status == WRAP_OK)
		buf_append(&w->line, c, k);
}

/* One decoded character of model output, through the escape filter. */
static void wrap_cp(struct wrap *w, uint32_t cp, bool valid, const char *bytes, size_t k,
                    wrap_cb cb, void *arg)
{
	switch (w->esc) {
	case WRAP_ESC_START:
		w->esc = WRAP_ESC_NONE;
		if (cp == '[') {
			w->esc = WRAP_ESC_CSI;
			return;
		}
		if (cp == ']' || cp == 'P' || cp == 'X' || cp == '^' || cp == '_') {
			w->esc = WRAP_ESC_STRING;
			return;
		}
		if (cp >= 0x20 && cp <= 0x2F) {
			w->esc = WRAP_ESC_NF;
			return;
		}
		if (cp >= 0x30 && cp < 0x7F)
			return; /* a two-character sequence: ESC 7, ESC c, ... */
		break;  /* ESC then a control or non-ASCII: drop the ESC, keep the character */
	case WRAP_ESC_CSI:
		if (cp >= 0x20 && cp <= 0x3F)
			return; /* parameter and intermediate bytes */
		w->esc = WRAP_ESC_NONE;
		if (cp >= 0x40 && cp <= 0x7E)
			return; /* the final byte */
		break; /* malformed: the sequence ends, the character is text */
	case WRAP_ESC_NF:
		if (cp >= 0x20 && cp <= 0x2F)
			return;
		w->esc = WRAP_ESC_NONE;
		if (cp >= 0x30 && cp <= 0x7E)
			return;
		break;
	case WRAP_ESC_STRING_ESC:
		if (cp == '\\') {
			w->esc = WRAP_ESC_NONE;
			return;
		}
		w->esc = WRAP_ESC_START;
		wrap_cp(w, cp, valid, bytes, k, cb, arg);
		return;
	case WRAP_ESC_STRING:
		if (cp == 0x07 || cp == 0x9C) {
			w->esc = WRAP_ESC_NONE;
			return;
		}
		if (cp == 0x1B) {
			w->esc = WRAP_ESC_STRING_ESC;
			return;
		}
		if (cp != '\n')
			return;
		/* An unterminated string ends at the line's end rather than swallow the answer. */
		w->esc = WRAP_ESC_NONE;
		break;
	default:
		break;
	}
	if (valid && cp == 0x1B) {
		w->esc = WRAP_ESC_START;
		return;
	}
	if (valid && cp == 0x9B) {
		w->esc = WRAP_ESC_CSI;
		return;
	}
	if (valid && (cp == 0x9D || cp == 0x90 || cp == 0x98 || cp == 0x9E || cp == 0x9F)) {
		w->esc = WRAP_ESC_STRING;
		return;
	}
	if (cp == '\n') {
		wrap_newline(w, cb, arg);
		return;
	}
	if (cp == '\r')
		return;
	if (!valid || (cp != '\t' && utf8_is_control(cp))) {
		char enc[4];
		size_t n = utf8_encode(UTF8_REPLACEMENT, enc);
		wrap_char(w, enc, n, cb, arg);
		return;
	}
	wrap_char(w, bytes, k, cb, arg);
}

/* The length of the sequence a lead byte starts (1 for ASCII and for bytes that start none). */
static size_t wrap_seq_len(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 1;
}

/* True if s[0..n) is a proper prefix of a well-formed sequence: more bytes may complete it. */
static bool wrap_incomplete(const char *s, size_t n)
{
	if (n >= wrap_seq_len((unsigned char)s[0]))
		return false;
	uint32_t cp;
	bool valid;
	return utf8_decode(s, n, &cp, &valid) == n && !valid;
}

enum wrap_status wrap_feed(struct wrap *w, const char *delta, size_t len, wrap_cb cb, void *arg)
{
	size_t i = 0;
	while (i < len && w->status == WRAP_OK) {
		uint32_t cp;
		bool valid;
		if (w->npart > 0) {
			/* Complete the character the last delta ended inside of, one byte at a time. */
			w->part[w->npart] = delta[i];
			if (wrap_incomplete(w->part, w->npart + 1)) {
				w->npart++;
				i++;
				continue;
			}
			size_t k = utf8_decode(w->part, w->npart + 1, &cp, &valid);
			if (valid) {
				i++; /* the byte completed the character */
				wrap_cp(w, cp, true, w->part, k, cb, arg);
			} else {
				/* The byte does not continue the sequence: the kept bytes are one
				 * ill-formed subpart, and the byte is read afresh. */
				wrap_cp(w, UTF8_REPLACEMENT, false, w->part, w->npart, cb, arg);
			}
			w->npart = 0;
			continue;
		}
		unsigned char c = (unsigned char)delta[i];
		if (c >= 0x80 && wrap_incomplete(delta + i, len - i)) {
			w->npart = len - i;
			memcpy(w->part, delta + i, w->npart);
			break;
		}
		size_t k = utf8_decode(delta + i, len - i, &cp, &valid);
		wrap_cp(w, cp, valid, delta + i, k, cb, arg);
		i += k;
	}
	return w->status;
}

enum wrap_status wrap_finish(struct wrap *w, wrap_cb cb, void *arg)
{
	if (w->status != WRAP_OK)
		return w->status;
	if (w->npart > 0) {
		wrap_cp(w, UTF8_REPLACEMENT, false, w->part, w->npart, cb, arg);
		w->npart = 0;
	}
	w->esc = WRAP_ESC_NONE;
	if (w->status == WRAP_OK && w->line.len > 0) {
		wrap_emit(w, w->line.data, w->line.len, cb, arg);
		buf_clear(&w->line);
	}
	return w->status;
}
