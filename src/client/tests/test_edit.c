/* Unit tests for edit.c: buffer operations, UTF-8 character moves, history and the view. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/edit.h"

static int setup(void **state)
{
	struct edit *e = malloc(sizeof *e);
	edit_init(e);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	edit_free(*state);
	free(*state);
	return 0;
}

static void type(struct edit *e, const char *s)
{
	assert_int_equal(edit_insert(e, s, strlen(s)), EDIT_CHANGED);
}

static void test_insert_in_the_middle(void **state)
{
	struct edit *e = *state;
	type(e, "hllo");
	assert_int_equal(edit_home(e), EDIT_CHANGED);
	assert_int_equal(edit_right(e), EDIT_CHANGED);
	type(e, "e");
	assert_string_equal(e->text, "hello");
	assert_int_equal(e->cur, 2);
}

static void test_moves_by_character_not_byte(void **state)
{
	struct edit *e = *state;
	type(e, "añ€😀b");
	assert_int_equal(e->len, 1 + 2 + 3 + 4 + 1);
	size_t stops[] = {10, 6, 3, 1, 0};
	assert_int_equal(e->cur, 11);
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) {
		assert_int_equal(edit_left(e), EDIT_CHANGED);
		assert_int_equal(e->cur, stops[i]);
	}
	assert_int_equal(edit_left(e), EDIT_NOOP);
	assert_int_equal(edit_right(e), EDIT_CHANGED);
	assert_int_equal(edit_right(e), EDIT_CHANGED);
	assert_int_equal(e->cur, 3);
}

static void test_combining_accent_moves_with_its_letter(void **state)
{
	struct edit *e = *state;
	type(e, "xe\xcc\x81y"); /* x, e + COMBINING ACUTE ACCENT, y */
	edit_left(e);
	assert_int_equal(e->cur, 4);
	edit_left(e);
	assert_int_equal(e->cur, 1);
	assert_int_equal(edit_delete(e), EDIT_CHANGED);
	assert_string_equal(e->text, "xy");
}

static void test_backspace_and_delete_remove_whole_characters(void **state)
{
	struct edit *e = *state;
	type(e, "ñandú");
	assert_int_equal(edit_backspace(e), EDIT_CHANGED);
	assert_string_equal(e->text, "ñand");
	edit_home(e);
	assert_int_equal(edit_backspace(e), EDIT_NOOP);
	assert_int_equal(edit_delete(e), EDIT_CHANGED);
	assert_string_equal(e->text, "and");
	edit_end(e);
	assert_int_equal(edit_delete(e), EDIT_NOOP);
}

static void test_kill_end_and_start(void **state)
{
	struct edit *e = *state;
	type(e, "one two three");
	for (int i = 0; i < 6; i++)
		edit_left(e);
	assert_int_equal(edit_kill_end(e), EDIT_CHANGED);
	assert_string_equal(e->text, "one two");
	edit_left(e);
	edit_left(e);
	assert_int_equal(edit_kill_start(e), EDIT_CHANGED);
	assert_string_equal(e->text, "wo");
	assert_int_equal(e->cur, 0);
	assert_int_equal(edit_kill_start(e), EDIT_NOOP);
}

static void test_kill_word_takes_word_and_trailing_spaces(void **state)
{
	struct edit *e = *state;
	type(e, "hola qué  tal  ");
	assert_int_equal(edit_kill_word(e), EDIT_CHANGED);
	assert_string_equal(e->text, "hola qué  ");
	assert_int_equal(edit_kill_word(e), EDIT_CHANGED);
	assert_string_equal(e->text, "hola ");
	edit_kill_word(e);
	assert_string_equal(e->text, "");
	assert_int_equal(edit_kill_word(e), EDIT_NOOP);
}

static void test_word_moves(void **state)
{
	struct edit *e = *state;
	type(e, "uno dós tres");
	edit_word_left(e);
	assert_int_equal(e->cur, 9);
	edit_word_left(e);
	assert_int_equal(e->cur, 4);
	edit_word_right(e);
	assert_int_equal(e->cur, 8);
}

static void test_refuses_control_characters_and_invalid_utf8(void **state)
{
	struct edit *e = *state;
	assert_int_equal(edit_insert(e, "\x1b[2J", 4), EDIT_INVALID);
	assert_int_equal(edit_insert(e, "\xc3", 1), EDIT_INVALID);
	assert_int_equal(edit_insert(e, "\xc2\x9b", 2), EDIT_INVALID);
	assert_int_equal(e->len, 0);
	assert_int_equal(edit_insert(e, "", 0), EDIT_NOOP);
}

static void test_refuses_to_grow_past_the_server_limit(void **state)
{
	struct edit *e = *state;
	char big[EDIT_MAX];
	memset(big, 'a', sizeof big);
	assert_int_equal(edit_insert(e, big, EDIT_MAX - 1), EDIT_CHANGED);
	assert_int_equal(edit_insert(e, "ñ", 2), EDIT_FULL);
	assert_int_equal(e->len, EDIT_MAX - 1);
	assert_int_equal(edit_insert(e, "b", 1), EDIT_CHANGED);
	assert_int_equal(e->len, EDIT_MAX);
	assert_int_equal(edit_insert(e, "b", 1), EDIT_FULL);
}

static void test_history_recall_and_draft(void **state)
{
	struct edit *e = *state;
	type(e, "first");
	free(edit_take(e));
	type(e, "second");
	char *line = edit_take(e);
	assert_string_equal(line, "second");
	free(line);
	assert_int_equal(e->len, 0);
	type(e, "draft");
	assert_int_equal(edit_history_prev(e), EDIT_CHANGED);
	assert_string_equal(e->text, "second");
	assert_int_equal(e->cur, strlen("second"));
	assert_int_equal(edit_history_prev(e), EDIT_CHANGED);
	assert_string_equal(e->text, "first");
	assert_int_equal(edit_history_prev(e), EDIT_NOOP);
	/* Editing a recalled line does not change the history. */
	type(e, "!");
	assert_int_equal(edit_history_next(e), EDIT_CHANGED);
	assert_string_equal(e->text, "second");
	assert_int_equal(edit_history_next(e), EDIT_CHANGED);
	assert_string_equal(e->text, "draft");
	assert_int_equal(edit_history_next(e), EDIT_NOOP);
	edit_history_prev(e);
	edit_history_prev(e);
	assert_string_equal(e->text, "first");
}

static void test_replace_puts_the_cursor_after_the_new_text(void **state)
{
	struct edit *e = *state;
	type(e, "hola lu y");
	e->cur = 7;
	assert_int_equal(edit_replace(e, 5, 7, "luis", 4), EDIT_CHANGED);
	assert_string_equal(e->text, "hola luis y");
	assert_int_equal(e->cur, 9);
	assert_int_equal(edit_replace(e, 5, 9, "luis", 4), EDIT_NOOP);
	assert_int_equal(edit_replace(e, 0, 4, "a\x1b", 2), EDIT_INVALID);
	assert_int_equal(edit_replace(e, 9, 20, "x", 1), EDIT_NOOP);
	char big[EDIT_MAX];
	memset(big, 'x', sizeof big);
	assert_int_equal(edit_replace(e, 0, 4, big, sizeof big), EDIT_FULL);
	assert_string_equal(e->text, "hola luis y");
	assert_int_equal(edit_replace(e, 0, e->len, big, sizeof big), EDIT_CHANGED);
	assert_int_equal(e->len, EDIT_MAX);
}

static void test_clear_drops_the_line_and_the_browsing(void **state)
{
	struct edit *e = *state;
	assert_int_equal(edit_clear(e), EDIT_NOOP);
	type(e, "first");
	free(edit_take(e));
	type(e, "half a li");
	edit_left(e);
	assert_int_equal(edit_clear(e), EDIT_CHANGED);
	assert_string_equal(e->text, "");
	assert_int_equal(e->len, 0);
	assert_int_equal(e->cur, 0);
	/* While browsing: back to a new empty line, with the history whole. */
	type(e, "draft");
	edit_history_prev(e);
	assert_int_equal(edit_clear(e), EDIT_CHANGED);
	assert_string_equal(e->text, "");
	assert_null(e->draft);
	assert_int_equal(edit_history_next(e), EDIT_NOOP);
	assert_int_equal(edit_history_prev(e), EDIT_CHANGED);
	assert_string_equal(e->text, "first");
	assert_int_equal(e->hist_len, 1);
}

static void test_history_skips_empty_and_repeated_lines(void **state)
{
	struct edit *e = *state;
	free(edit_take(e));
	type(e, "same");
	free(edit_take(e));
	type(e, "same");
	free(edit_take(e));
	assert_int_equal(e->hist_len, 1);
}

static void test_history_keeps_the_newest_entries(void **state)
{
	struct edit *e = *state;
	char line[32];
	for (int i = 0; i < EDIT_HISTORY_MAX + 20; i++) {
		snprintf(line, sizeof line, "line %d", i);
		type(e, line);
		free(edit_take(e));
	}
	assert_int_equal(e->hist_len, EDIT_HISTORY_MAX);
	assert_string_equal(e->hist[0], "line 20");
	edit_history_prev(e);
	snprintf(line, sizeof line, "line %d", EDIT_HISTORY_MAX + 19);
	assert_string_equal(e->text, line);
}

static void test_width_counts_wide_and_zero_width(void **state)
{
	(void)state;
	assert_int_equal(edit_width("abc", 3), 3);
	assert_int_equal(edit_width("ñ", 2), 1);
	assert_int_equal(edit_width("日本", 6), 4);
	assert_int_equal(edit_width("e\xcc\x81", 3), 1);
}

static void test_view_shows_all_when_it_fits(void **state)
{
	struct edit *e = *state;
	type(e, "hola");
	struct edit_view v;
	edit_view(e, 10, &v);
	assert_int_equal(v.start, 0);
	assert_int_equal(v.end, 4);
	assert_int_equal(v.cursor_col, 4);
}

static void test_view_scrolls_to_keep_the_cursor_visible(void **state)
{
	struct edit *e = *state;
	type(e, "0123456789abcdef");
	struct edit_view v;
	edit_view(e, 10, &v);
	/* The cursor sits in the last column: a marker, then eight characters before it. */
	assert_true(v.left_marker);
	assert_false(v.right_marker);
	assert_int_equal(v.cursor_col, 9);
	assert_int_equal(v.start, 8);
	assert_int_equal(v.end, 16);
	edit_home(e);
	edit_view(e, 10, &v);
	/* Nine characters, then the marker for the seven hidden after them. */
	assert_false(v.left_marker);
	assert_true(v.right_marker);
	assert_int_equal(v.start, 0);
	assert_int_equal(v.end, 9);
	assert_int_equal(v.cursor_col, 0);
}

static void test_view_marks_both_edges_in_the_middle_of_a_long_line(void **state)
{
	struct edit *e = *state;
	type(e, "0123456789abcdefghijklmnopqrst");
	for (int i = 0; i < 10; i++)
		edit_left(e);
	struct edit_view v;
	edit_view(e, 10, &v);
	/* < 3456789 k > : seven characters before the cursor, the one under it, two markers. */
	assert_true(v.left_marker);
	assert_true(v.right_marker);
	assert_int_equal(v.start, 13);
	assert_int_equal(v.end, 21);
	assert_int_equal(v.cursor_col, 8);
	/* Back at the end of the line, nothing is hidden on the right. */
	edit_end(e);
	edit_view(e, 10, &v);
	assert_false(v.right_marker);
	assert_int_equal(v.end, e->len);
	/* One character short of the end: it is shown, with no marker after it. */
	edit_left(e);
	edit_view(e, 10, &v);
	assert_true(v.left_marker);
	assert_false(v.right_marker);
	assert_int_equal(v.end, e->len);
	assert_int_equal(v.cursor_col, 8);
	assert_int_equal(v.start, e->len - 8);
}

static void test_view_without_room_for_markers(void **state)
{
	struct edit *e = *state;
	type(e, "abcdef");
	struct edit_view v;
	edit_view(e, 2, &v);
	assert_false(v.left_marker);
	assert_false(v.right_marker);
	assert_int_equal(v.start, 5);
	assert_int_equal(v.cursor_col, 1);
	/* Exactly as wide as the window, cursor inside: no scrolling, no markers. */
	edit_view(e, 7, &v);
	assert_false(v.left_marker);
	assert_int_equal(v.cursor_col, 6);
	edit_home(e);
	edit_view(e, 6, &v);
	assert_false(v.right_marker);
	assert_int_equal(v.end, 6);
}

static void test_view_never_splits_a_wide_character(void **state)
{
	struct edit *e = *state;
	type(e, "日本語のテキスト");
	struct edit_view v;
	edit_view(e, 7, &v);
	/* After the marker, five columns hold two wide characters; the cursor is in column 5. */
	assert_true(v.left_marker);
	assert_int_equal(v.cursor_col, 5);
	assert_int_equal(edit_width(e->text + v.start, v.end - v.start), 4);
	edit_home(e);
	edit_view(e, 7, &v);
	/* Three characters (6 columns) and the marker; a fourth would need 9. */
	assert_true(v.right_marker);
	assert_int_equal(v.end, 9);
}

/* Spanish text: accented letters, ñ, ¿ and ¡ take one column each, precomposed or as a letter
 * and a combining accent; so do the prompts and lines charla writes in Spanish. Also in the
 * "C" locale (main.c falls back to C.UTF-8, but a character wcwidth() does not know counts 1). */
static void test_width_of_spanish(void **state)
{
	(void)state;
	static const char question[] = "¿Qué tal, señor Muñoz? ¡Olé!";
	static const char combining[] = "Jose\xcc\x81 Pen\xcc\x83" "a";  /* José Peña, decomposed */
	assert_int_equal(edit_width(question, strlen(question)), 28);
	assert_int_equal(edit_width(combining, strlen(combining)), 9);
	assert_int_equal(edit_width("Arriba, Abajo", 13), 13);
	setlocale(LC_CTYPE, "C");
	assert_int_equal(edit_width(question, strlen(question)), 28);
	setlocale(LC_CTYPE, "C.UTF-8");
}

int main(void)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_insert_in_the_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moves_by_character_not_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_combining_accent_moves_with_its_letter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backspace_and_delete_remove_whole_characters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_end_and_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_word_takes_word_and_trailing_spaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_word_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_control_characters_and_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_to_grow_past_the_server_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_recall_and_draft, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_puts_the_cursor_after_the_new_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_drops_the_line_and_the_browsing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_skips_empty_and_repeated_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_keeps_the_newest_entries, setup, teardown),
		cmocka_unit_test(test_width_counts_wide_and_zero_width),
		cmocka_unit_test(test_width_of_spanish),
		cmocka_unit_test_setup_teardown(test_view_shows_all_when_it_fits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_scrolls_to_keep_the_cursor_visible, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_marks_both_edges_in_the_middle_of_a_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_without_room_for_markers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_never_splits_a_wide_character, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
