/* Unit tests for keys.c: control keys, escape sequences, partial input and UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "client/keys.h"

static enum key one(const char *s, size_t len, bool final, size_t *used)
{
	return keys_next(s, len, final, used);
}

static void expect(const char *s, enum key want)
{
	size_t used = 99;
	size_t len = strlen(s);
	assert_int_equal(one(s, len, false, &used), want);
	assert_int_equal(used, len);
}

static void test_control_keys(void **state)
{
	(void)state;
	expect("\r", KEY_ENTER);
	expect("\n", KEY_ENTER);
	expect("\x7f", KEY_BACKSPACE);
	expect("\x08", KEY_BACKSPACE);
	expect("\x01", KEY_HOME);
	expect("\x05", KEY_END);
	expect("\x0b", KEY_KILL_END);
	expect("\x15", KEY_KILL_START);
	expect("\x17", KEY_KILL_WORD);
	expect("\x03", KEY_INTERRUPT);
	expect("\x04", KEY_EOF);
	expect("\x0c", KEY_REDRAW);
	expect("\x10", KEY_UP);
	expect("\x0e", KEY_DOWN);
	expect("\t", KEY_TAB);
}

static void test_cursor_sequences_of_common_terminals(void **state)
{
	(void)state;
	expect("\x1b[A", KEY_UP);
	expect("\x1b[B", KEY_DOWN);
	expect("\x1b[C", KEY_RIGHT);
	expect("\x1b[D", KEY_LEFT);
	expect("\x1bOA", KEY_UP);
	expect("\x1bOD", KEY_LEFT);
	expect("\x1b[H", KEY_HOME);
	expect("\x1b[F", KEY_END);
	expect("\x1bOH", KEY_HOME);
	expect("\x1bOF", KEY_END);
	expect("\x1b[1~", KEY_HOME);
	expect("\x1b[7~", KEY_HOME);
	expect("\x1b[4~", KEY_END);
	expect("\x1b[8~", KEY_END);
	expect("\x1b[3~", KEY_DELETE);
	expect("\x1b[1;5C", KEY_WORD_RIGHT);
	expect("\x1b[1;3D", KEY_WORD_LEFT);
	expect("\x1b" "b", KEY_WORD_LEFT);
	expect("\x1b" "f", KEY_WORD_RIGHT);
	expect("\x1b\x7f", KEY_KILL_WORD);
}

static void test_unknown_sequences_are_consumed_whole(void **state)
{
	(void)state;
	expect("\x1b[15~", KEY_IGNORED);  /* F5 */
	expect("\x1b[200~", KEY_IGNORED); /* bracketed paste start */
	expect("\x1bOP", KEY_IGNORED);    /* F1 */
	expect("\x1bx", KEY_IGNORED);     /* Alt-x */
}

static void test_partial_sequences_wait_for_more(void **state)
{
	(void)state;
	size_t used = 99;
	assert_int_equal(one("\x1b", 1, false, &used), KEY_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(one("\x1b[", 2, false, &used), KEY_MORE);
	assert_int_equal(one("\x1b[1;5", 5, false, &used), KEY_MORE);
	assert_int_equal(one("\x1bO", 2, false, &used), KEY_MORE);
	assert_int_equal(used, 0);
}

static void test_a_lone_escape_times_out_as_ignored(void **state)
{
	(void)state;
	size_t used = 0;
	assert_int_equal(one("\x1b", 1, true, &used), KEY_IGNORED);
	assert_int_equal(used, 1);
	assert_int_equal(one("\x1b[1;", 4, true, &used), KEY_IGNORED);
	assert_int_equal(used, 4);
}

static void test_escape_escape_drops_only_the_first(void **state)
{
	(void)state;
	size_t used = 0;
	assert_int_equal(one("\x1b\x1b[A", 4, false, &used), KEY_IGNORED);
	assert_int_equal(used, 1);
}

static void test_a_broken_csi_keeps_the_following_bytes(void **state)
{
	(void)state;
	size_t used = 0;
	assert_int_equal(one("\x1b[1\x01", 4, false, &used), KEY_IGNORED);
	assert_int_equal(used, 2);
}

static void test_utf8_text_one_character_at_a_time(void **state)
{
	(void)state;
	size_t used = 0;
	assert_int_equal(one("a\xc3\xb1", 3, false, &used), KEY_TEXT);
	assert_int_equal(used, 1);
	assert_int_equal(one("\xc3\xb1z", 3, false, &used), KEY_TEXT);
	assert_int_equal(used, 2);
	assert_int_equal(one("\xf0\x9f\x98\x80", 4, false, &used), KEY_TEXT);
	assert_int_equal(used, 4);
}

static void test_utf8_split_across_reads_waits(void **state)
{
	(void)state;
	size_t used = 99;
	assert_int_equal(one("\xe2\x82", 2, false, &used), KEY_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(one("\xf0", 1, false, &used), KEY_MORE);
	assert_int_equal(one("\xe2\x82", 2, true, &used), KEY_IGNORED);
	assert_int_equal(used, 2);
}

static void test_invalid_utf8_and_c1_are_ignored(void **state)
{
	(void)state;
	size_t used = 0;
	assert_int_equal(one("\xff" "a", 2, false, &used), KEY_IGNORED);
	assert_int_equal(used, 1);
	assert_int_equal(one("\xe2\x28\xa1", 3, false, &used), KEY_IGNORED);
	assert_int_equal(used, 1);
	assert_int_equal(one("\xc2\x9b", 2, false, &used), KEY_IGNORED);
	assert_int_equal(used, 2);
	assert_int_equal(one("\xc0\xaf", 2, false, &used), KEY_IGNORED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_keys),
		cmocka_unit_test(test_cursor_sequences_of_common_terminals),
		cmocka_unit_test(test_unknown_sequences_are_consumed_whole),
		cmocka_unit_test(test_partial_sequences_wait_for_more),
		cmocka_unit_test(test_a_lone_escape_times_out_as_ignored),
		cmocka_unit_test(test_escape_escape_drops_only_the_first),
		cmocka_unit_test(test_a_broken_csi_keeps_the_following_bytes),
		cmocka_unit_test(test_utf8_text_one_character_at_a_time),
		cmocka_unit_test(test_utf8_split_across_reads_waits),
		cmocka_unit_test(test_invalid_utf8_and_c1_are_ignored),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
