/* wcwidth() is an X/Open function; the project-wide _POSIX_C_SOURCE alone hides it. */
#define _XOPEN_SOURCE 700

#include "client/edit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/utf8.h"
#include "base/xalloc.h"

static size_t cp_width(uint32_t cp);
static uint32_t cp_at(const struct edit *e, size_t i);
static size_t next_char(const struct edit *e, size_t i);
static size_t prev_char(const struct edit *e, size_t i);
static void remove_range(struct edit *e, size_t from, size_t to);
static void set_text(struct edit *e, const char *s);

/* A code point the locale cannot print (wcwidth says -1) is still drawn by the terminal somehow,
 * most often as one cell, so counting it as 1 keeps the cursor closest to the truth. */
static size_t cp_width(uint32_t cp)
{
	if (cp >= 0x20 && cp < 0x7F)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : (size_t)w;
}

static uint32_t cp_at(const struct edit *e, size_t i)
{
	uint32_t cp;
	bool valid;
	utf8_decode(e->text + i, e->len - i, &cp, &valid);
	return cp;
}

/* The boundary after the character that starts at i (i < len): its code point and every
 * zero-width code point after it. */
static size_t next_char(const struct edit *e, size_t i)
{
	uint32_t cp;
	bool valid;
	i += utf8_decode(e->text + i, e->len - i, &cp, &valid);
	while (i < e->len && cp_width(cp_at(e, i)) == 0)
		i += utf8_decode(e->text + i, e->len - i, &cp, &valid);
	return i;
}

/* The boundary before the character that ends at i (i > 0). The text is valid UTF-8, so stepping
 * back over continuation bytes finds the start of a code point. */
static size_t prev_char(const struct edit *e, size_t i)
{
	do {
		do
			i--;
		while (i > 0 && ((unsigned char)e->text[i] & 0xC0) == 0x80);
	} while (i > 0 && cp_width(cp_at(e, i)) == 0);
	return i;
}

static void remove_range(struct edit *e, size_t from, size_t to)
{
	memmove(e->text + from, e->text + to, e->len - to + 1);
	e->len -= to - from;
	if (e->cur >= to)
		e->cur -= to - from;
	else if (e->cur > from)
		e->cur = from;
}

/* s is clean and at most EDIT_MAX bytes: it comes from the history or from a draft. */
static void set_text(struct edit *e, const char *s)
{
	size_t n = strlen(s);
	memcpy(e->text, s, n + 1);
	e->len = n;
	e->cur = n;
}

void edit_init(struct edit *e)
{
	memset(e, 0, sizeof *e);
	e->text = xmalloc(EDIT_MAX + 1);
	e->text[0] = '\0';
}

void edit_free(struct edit *e)
{
	for (size_t i = 0; i < e->hist_len; i++)
		free(e->hist[i]);
	free(e->hist);
	free(e->draft);
	free(e->text);
	memset(e, 0, sizeof *e);
}

enum edit_result edit_insert(struct edit *e, const char *s, size_t n)
{
	if (n == 0)
		return EDIT_NOOP;
	if (!utf8_is_clean(s, n))
		return EDIT_INVALID;
	if (n > EDIT_MAX - e->len)
		return EDIT_FULL;
	memmove(e->text + e->cur + n, e->text + e->cur, e->len - e->cur + 1);
	memcpy(e->text + e->cur, s, n);
	e->len += n;
	e->cur += n;
	return EDIT_CHANGED;
}

enum edit_result edit_left(struct edit *e)
{
	if (e->cur == 0)
		return EDIT_NOOP;
	e->cur = prev_char(e, e->cur);
	return EDIT_CHANGED;
}

enum edit_result edit_right(struct edit *e)
{
	if (e->cur == e->len)
		return EDIT_NOOP;
	e->cur = next_char(e, e->cur);
	return EDIT_CHANGED;
}

enum edit_result edit_word_left(struct edit *e)
{
	size_t i = e->cur;
	while (i > 0 && e->text[i - 1] == ' ')
		i--;
	while (i > 0 && e->text[i - 1] != ' ')
		i = prev_char(e, i);
	if (i == e->cur)
		return EDIT_NOOP;
	e->cur = i;
	return EDIT_CHANGED;
}

enum edit_result edit_word_right(struct edit *e)
{
	size_t i = e->cur;
	while (i < e->len && e->text[i] == ' ')
		i++;
	while (i < e->len && e->text[i] != ' ')
		i = next_char(e, i);
	if (i == e->cur)
		return EDIT_NOOP;
	e->cur = i;
	return EDIT_CHANGED;
}

enum edit_result edit_home(struct edit *e)
{
	if (e->cur == 0)
		return EDIT_NOOP;
	e->cur = 0;
	return EDIT_CHANGED;
}

enum edit_result edit_end(struct edit *e)
{
	if (e->cur == e->len)
		return EDIT_NOOP;
	e->cur = e->len;
	return EDIT_CHANGED;
}

enum edit_result edit_backspace(struct edit *e)
{
	if (e->cur == 0)
		return EDIT_NOOP;
	remove_range(e, prev_char(e, e->cur), e->cur);
	return EDIT_CHANGED;
}

enum edit_result edit_delete(struct edit *e)
{
	if (e->cur == e->len)
		return EDIT_NOOP;
	remove_range(e, e->cur, next_char(e, e->cur));
	return EDIT_CHANGED;
}

enum edit_result edit_kill_end(struct edit *e)
{
	if (e->cur == e->len)
		return EDIT_NOOP;
	remove_range(e, e->cur, e->len);
	return EDIT_CHANGED;
}

enum edit_result edit_kill_start(struct edit *e)
{
	if (e->cur == 0)
		return EDIT_NOOP;
	remove_range(e, 0, e->cur);
	return EDIT_CHANGED;
}

enum edit_result edit_kill_word(struct edit *e)
{
	size_t end = e->cur;
	if (edit_word_left(e) == EDIT_NOOP)
		return EDIT_NOOP;
	remove_range(e, e->cur, end);
	return EDIT_CHANGED;
}

enum edit_result edit_replace(struct edit *e, size_t from, size_t to, const char *s, size_t n)
{
	if (from > to || to > e->len)
		return EDIT_NOOP;
	if (!utf8_is_clean(s, n))
		return EDIT_INVALID;
	if (n > to - from && n - (to - from) > EDIT_MAX - e->len)
		return EDIT_FULL;
	if (to - from == n && memcmp(e->text + from, s, n) == 0 && e->cur == to)
		return EDIT_NOOP;
	memmove(e->text + from + n, e->text + to, e->len - to + 1);
	memcpy(e->text + from, s, n);
	e->len = e->len - (to - from) + n;
	e->cur = from + n;
	return EDIT_CHANGED;
}

enum edit_result edit_clear(struct edit *e)
{
	bool browsing = e->hist_pos < e->hist_len;
	free(e->draft);
	e->draft = NULL;
	e->hist_pos = e->hist_len;
	if (e->len == 0 && !browsing)
		return EDIT_NOOP;
	e->text[0] = '\0';
	e->len = 0;
	e->cur = 0;
	return EDIT_CHANGED;
}

enum edit_result edit_history_prev(struct edit *e)
{
	if (e->hist_pos == 0)
		return EDIT_NOOP;
	if (e->hist_pos == e->hist_len)
		e->draft = xstrndup(e->text, e->len);
	e->hist_pos--;
	set_text(e, e->hist[e->hist_pos]);
	return EDIT_CHANGED;
}

enum edit_result edit_history_next(struct edit *e)
{
	if (e->hist_pos == e->hist_len)
		return EDIT_NOOP;
	e->hist_pos++;
	if (e->hist_pos < e->hist_len) {
		set_text(e, e->hist[e->hist_pos]);
	} else {
		set_text(e, e->draft);
		free(e->draft);
		e->draft = NULL;
	}
	return EDIT_CHANGED;
}

void edit_history_add(struct edit *e, const char *line)
{
	size_t n = strlen(line);
	if (n == 0 || n > EDIT_MAX || !utf8_is_clean(line, n))
		return;
	if (e->hist_len > 0 && strcmp(e->hist[e->hist_len - 1], line) == 0)
		return;
	bool browsing = e->hist_pos < e->hist_len;
	if (e->hist_len == EDIT_HISTORY_MAX) {
		/* Dropping the oldest entry shifts 500 pointers once per line sent: cheap next to
		 * the terminal output the same line costs. */
		free(e->hist[0]);
		memmove(e->hist, e->hist + 1, (e->hist_len - 1) * sizeof *e->hist);
		e->hist_len--;
		if (e->hist_pos > 0)
			e->hist_pos--;
	}
	e->hist = xgrow(e->hist, &e->hist_cap, e->hist_len + 1, sizeof *e->hist);
	e->hist[e->hist_len++] = xstrdup(line);
	if (!browsing)
		e->hist_pos = e->hist_len;
}

char *edit_take(struct edit *e)
{
	char *line = xstrndup(e->text, e->len);
	free(e->draft);
	e->draft = NULL;
	e->hist_pos = e->hist_len;
	edit_history_add(e, line);
	e->text[0] = '\0';
	e->len = 0;
	e->cur = 0;
	return line;
}

size_t edit_width(const char *s, size_t n)
{
	size_t w = 0;
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		bool valid;
		i += utf8_decode(s + i, n - i, &cp, &valid);
		w += cp_width(cp);
	}
	return w;
}

void edit_view(const struct edit *e, size_t cols, struct edit_view *v)
{
	if (cols == 0)
		cols = 1;
	memset(v, 0, sizeof *v);
	size_t before = edit_width(e->text, e->cur);
	size_t after = edit_width(e->text + e->cur, e->len - e->cur);
	if (before < cols && before + after <= cols) {
		v->end = e->len;
		v->cursor_col = before;
		return;
	}
	bool markers = cols >= 3;
	/* Columns the window may use, up to and including the cursor's. */
	size_t last = markers && e->cur < e->len ? cols - 2 : cols - 1;
	size_t start = 0;
	size_t col = before;
	if (before > last) {
		/* Scroll: walk back from the cursor while the characters still fit between the
		 * left marker (if any) and the cursor's column. */
		size_t room = markers ? last - 1 : last;
		start = e->cur;
		col = 0;
		while (start > 0) {
			size_t p = prev_char(e, start);
			size_t w = edit_width(e->text + p, start - p);
			if (col + w > room)
				break;
			col += w;
			start = p;
		}
		if (markers) {
			v->left_marker = true;
			col++;
		}
	}
	/* The text after the cursor: all of it if it fits, else up to a right marker. */
	size_t end = e->cur;
	size_t used = col;
	if (used + after <= cols) {
		end = e->len;
	} else {
		size_t limit = markers ? cols - 1 : cols;
		while (end < e->len) {
			size_t n = next_char(e, end);
			size_t w = edit_width(e->text + end, n - end);
			if (used + w > limit)
				break;
			used += w;
			end = n;
		}
		v->right_marker = markers;
	}
	v->start = start;
	v->end = end;
	v->cursor_col = col;
}
