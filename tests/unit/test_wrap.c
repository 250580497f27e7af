/* Unit tests for ai/wrap: model text deltas into chat lines.
 *
 * Lines are logged as "line|" (a blank line is "|"), and every check feeds the text whole, byte by
 * byte, and split in two at every offset: the lines must be the same each time, since a delta can
 * end anywhere, inside a character or an escape sequence. Every line is checked to be clean UTF-8
 * within the width. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ai/wrap.h"
#include "base/buf.h"
#include "base/utf8.h"

struct rec {
	struct buf log;
	size_t width;
	unsigned lines;
};

static void rec_cb(void *arg, const char *line, size_t len)
{
	struct rec *r = arg;
	assert_true(len <= r->width);
	assert_int_equal(line[len], '\0');
	assert_true(utf8_is_clean(line, len));
	assert_null(memchr(line, '\n', len));
	if (len > 0) {
		assert_true(line[len - 1] != ' ' && line[len - 1] != '\t');
	}
	buf_append(&r->log, line, len);
	buf_putc(&r->log, '|');
	r->lines++;
}

static void feed(struct wrap *w, struct rec *r, const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	wrap_feed(w, copy, n, rec_cb, r);
	free(copy);
}

/* Runs s cut at the offsets in cuts; returns the final status and leaves the log in r. */
static enum wrap_status run(const char *s, size_t n, size_t width, size_t cap, const size_t *cuts,
                            size_t ncuts, struct rec *r)
{
	struct wrap w;
	wrap_init(&w, width, cap);
	buf_init(&r->log);
	r->width = width < 4 ? 4 : width;
	r->lines = 0;
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		feed(&w, r, s + at, end - at);
		at = end;
	}
	enum wrap_status st = wrap_finish(&w, rec_cb, r);
	wrap_free(&w);
	return st;
}

static void expect(struct rec *r, const char *want)
{
	const char *got = r->log.data ? r->log.data : "";
	if (strcmp(got, want) != 0)
		fail_msg("lines\n got: \"%s\"\nwant: \"%s\"", got, want);
	buf_free(&r->log);
}

static void check_cap(const char *s, size_t n, size_t width, size_t cap, const char *want,
                      enum wrap_status end)
{
	struct rec r;
	assert_int_equal(run(s, n, width, cap, NULL, 0, &r), end);
	expect(&r, want);
	size_t *cuts = malloc((n + 1) * sizeof(*cuts));
	assert_non_null(cuts);
	for (size_t i = 0; i <= n; i++)
		cuts[i] = i;
	assert_int_equal(run(s, n, width, cap, cuts, n, &r), end);
	expect(&r, want);
	free(cuts);
	for (size_t i = 0; i <= n; i++) {
		size_t c[1] = {i};
		assert_int_equal(run(s, n, width, cap, c, 1, &r), end);
		expect(&r, want);
	}
}

static void check(const char *s, size_t width, const char *want)
{
	check_cap(s, strlen(s), width, 0, want, WRAP_OK);
}

static void t_lines(void **state)
{
	(void)state;
	check("hello\nworld\n", 80, "hello|world|");
	check("no newline at the end", 80, "no newline at the end|");
	check("", 80, "");
	check("a\r\nb\r\n", 80, "a|b|");
	check("trailing   \t\nspaces", 80, "trailing|spaces|");
	check("  indented\n    code();\n", 80, "  indented|    code();|");
	check("tab\tinside\n", 80, "tab\tinside|");
}

static void t_blank_lines(void **state)
{
	(void)state;
	check("\n\n\nfirst\n", 80, "first|");
	check("a\n\nb\n", 80, "a||b|");
	check("a\n\n\n\n\nb\n", 80, "a||b|");
	check("a\n  \t \n\r\n\nb", 80, "a||b|");
	check("a\n\n\n", 80, "a|");
	check("\n \n\t\n", 80, "");
}

static void t_wrap_at_space(void **state)
{
	(void)state;
	check("the quick brown fox jumps over the lazy dog", 10,
	      "the quick|brown fox|jumps over|the lazy|dog|");
	/* A space exactly at the limit. */
	check("0123456789 abc", 10, "0123456789|abc|");
	/* Several spaces at a break are dropped. */
	check("aaaa     bbbb", 6, "aaaa|bbbb|");
	check("aaaa bbbb     cccc", 9, "aaaa bbbb|cccc|");
	/* Indentation alone is no break point: the word is cut. */
	check("    abcdefghij", 8, "    abcd|efghij|");
	/* A line that is exactly the width. */
	check("abcdefgh\nij", 8, "abcdefgh|ij|");
}

static void t_wrap_long_word(void **state)
{
	(void)state;
	check("abcdefghijklmnopqrstuvwxyz", 10, "abcdefghij|klmnopqrst|uvwxyz|");
	/* Multi-byte characters are never cut: width 5 holds two 2-byte characters. */
	check("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 5,
	      "\xC3\xA9\xC3\xA9|\xC3\xA9\xC3\xA9|\xC3\xA9|");
	/* 4-byte characters at the minimum width. */
	check("\xF0\x9F\x91\x8B\xF0\x9F\x91\x8B\xF0\x9F\x91\x8B", 4,
	      "\xF0\x9F\x91\x8B|\xF0\x9F\x91\x8B|\xF0\x9F\x91\x8B|");
	check("\xF0\x9F\x91\x8B\xF0\x9F\x91\x8B", 1, "\xF0\x9F\x91\x8B|\xF0\x9F\x91\x8B|");
	/* Mixed: a break at the space is still preferred. */
	check("ab \xE2\x82\xAC\xE2\x82\xAC", 7, "ab|\xE2\x82\xAC\xE2\x82\xAC|");
	check("ab \xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC", 7, "ab|\xE2\x82\xAC\xE2\x82\xAC|"
	      "\xE2\x82\xAC|");
}

static void t_escape_sequences(void **state)
{
	(void)state;
	/* CSI (colours, cursor moves, clear screen) removed whole. */
	check("\x1b[1;31mred\x1b[0m text\x1b[2J\x1b[H\n", 80, "red text|");
	/* OSC, ended by BEL or by ESC \ (a window title, a hyperlink). */
	check("a\x1b]0;owned\x07" "b\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\c\n", 80, "ablinkc|");
	/* Two-character sequences and the C1 forms (U+009B CSI, U+009D OSC). */
	check("x\x1b" "cy\x1b(Bz\xC2\x9B" "31mw\xC2\x9D" "0;t\x07v\n", 80, "xyzwv|");
	/* An OSC that never ends stops at the line end rather than eat the answer. */
	check("a\x1b]0;never ends\nnext\n", 80, "a|next|");
	/* A lone ESC at the very end vanishes. */
	check("abc\x1b", 80, "abc|");
	/* ESC then a line end: the ESC goes, the line end stays. */
	check("abc\x1b\ndef", 80, "abc|def|");
	/* A malformed CSI: the sequence ends at the odd character, which stays. */
	check("a\x1b[12\xC3\xA9z", 80, "a\xC3\xA9z|");
}

static void t_controls_and_bad_utf8(void **state)
{
	(void)state;
	check("bell\x07 nul", 80, "bell\xEF\xBF\xBD nul|");
	check_cap("a\0b", 3, 80, 0, "a\xEF\xBF\xBD" "b|", WRAP_OK);
	check("del\x7f c1\xC2\x85!", 80, "del\xEF\xBF\xBD c1\xEF\xBF\xBD!|");
	check("bad \xFF\xFE byte", 80, "bad \xEF\xBF\xBD\xEF\xBF\xBD byte|");
	/* An ill-formed sequence consumes its maximal subpart only: the next character stays. */
	check("x\xE2\x82y", 80, "x\xEF\xBF\xBDy|");
	check("x\xE2\x82\xE2\x82\xAC", 80, "x\xEF\xBF\xBD\xE2\x82\xAC|");
	check("surrogate \xED\xA0\x80.", 80, "surrogate \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.|");
	/* An incomplete character at the end of the answer. */
	check("end \xF0\x9F\x91", 80, "end \xEF\xBF\xBD|");
	/* A lone CR is dropped. */
	check("over\rwrite", 80, "overwrite|");
}

static void t_cap(void **state)
{
	(void)state;
	/* Each line costs its bytes plus one. "abc|" = 4, "def|" = 4. */
	check_cap("abc\ndef\nghi\n", 12, 80, 8, "abc|def|", WRAP_TRUNCATED);
	check_cap("abc\ndef\n", 8, 80, 8, "abc|def|", WRAP_OK);
	/* The line that passes the cap is cut, at a character boundary. */
	check_cap("abc\nd\xC3\xA9\xC3\xA9\xC3\xA9", 11, 80, 8, "abc|d\xC3\xA9|", WRAP_TRUNCATED);
	/* A paragraph break counts too. */
	check_cap("abc\n\ndef", 8, 80, 5, "abc||", WRAP_TRUNCATED);
	/* Truncation sticks: nothing more comes out. */
	struct wrap w;
	struct rec r = {BUF_INIT, 80, 0};
	wrap_init(&w, 80, 4);
	assert_int_equal(wrap_feed(&w, "abcdef\n", 7, rec_cb, &r), WRAP_TRUNCATED);
	assert_int_equal(wrap_feed(&w, "more\n", 5, rec_cb, &r), WRAP_TRUNCATED);
	assert_int_equal(wrap_finish(&w, rec_cb, &r), WRAP_TRUNCATED);
	assert_string_equal(r.log.data, "abc|");
	assert_int_equal(w.total, 4);
	wrap_free(&w);
	buf_free(&r.log);
}

static void t_long_answer(void **state)
{
	(void)state;
	/* A long answer, fed in odd-sized deltas: total bytes out are bounded by the cap, every line is
	 * within the width (checked in rec_cb), and the words come out in order. */
	struct buf in = BUF_INIT;
	for (int i = 0; i < 300; i++)
		buf_printf(&in, "w%d%s", i, i % 17 == 16 ? "\n\n" : (i % 5 == 4 ? " \xC3\xA9t\xC3\xA9 " : " "));
	struct wrap w;
	struct rec r = {BUF_INIT, 20, 0};
	wrap_init(&w, 20, 0);
	for (size_t i = 0; i < in.len; i += 3)
		wrap_feed(&w, in.data + i, in.len - i < 3 ? in.len - i : 3, rec_cb, &r);
	assert_int_equal(wrap_finish(&w, rec_cb, &r), WRAP_OK);
	wrap_free(&w);
	/* Rejoining the lines with spaces gives the input with whitespace normalised. */
	struct buf a = BUF_INIT, b = BUF_INIT;
	for (size_t i = 0; i < in.len; i++) {
		char c = in.data[i] == '\n' ? ' ' : in.data[i];
		if (c != ' ' || (a.len && a.data[a.len - 1] != ' '))
			buf_putc(&a, c);
	}
	for (size_t i = 0; i < r.log.len; i++) {
		char c = r.log.data[i] == '|' ? ' ' : r.log.data[i];
		if (c != ' ' || (b.len && b.data[b.len - 1] != ' '))
			buf_putc(&b, c);
	}
	while (a.len && a.data[a.len - 1] == ' ')
		a.data[--a.len] = '\0';
	while (b.len && b.data[b.len - 1] == ' ')
		b.data[--b.len] = '\0';
	assert_string_equal(a.data, b.data);
	buf_free(&a);
	buf_free(&b);
	buf_free(&in);
	buf_free(&r.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_lines),
		cmocka_unit_test(t_blank_lines),
		cmocka_unit_test(t_wrap_at_space),
		cmocka_unit_test(t_wrap_long_word),
		cmocka_unit_test(t_escape_sequences),
		cmocka_unit_test(t_controls_and_bad_utf8),
		cmocka_unit_test(t_cap),
		cmocka_unit_test(t_long_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
