/* Unit tests for mention.c: a name as a word in any case, never inside another word; private
 * messages once per run from one sender; never your own lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "client/mention.h"

static bool found(const char *text, const char *name)
{
	return mention_find(text, strlen(text), name);
}

static enum mention_kind kind(struct mention *m, const char *line, const char *own)
{
	return mention_line(m, line, strlen(line), own);
}

static void test_a_name_as_a_word(void **state)
{
	(void)state;
	assert_true(found("ana", "ana"));
	assert_true(found("hola ana", "ana"));
	assert_true(found("Ana: what is a socket?", "ana"));
	assert_true(found("ask @ANA!", "ana"));
	assert_true(found("(ana), ¿vienes?", "ana"));
	assert_true(found("ana's turn", "ana"));
	assert_true(found("ÑANDÚ: hola", "ñandú"));
	assert_true(found("ana.b: hi", "ana.b"));
	assert_false(found("mariana", "ana"));
	assert_false(found("anabel", "ana"));
	assert_false(found("ana_b", "ana"));
	assert_false(found("ana2", "ana"));
	assert_false(found("anaña", "ana"));
	assert_false(found("", "ana"));
	assert_false(found("an", "ana"));
	/* A later occurrence counts when an earlier one is inside a word. */
	assert_true(found("mariana and ana", "ana"));
}

static void test_room_lines(void **state)
{
	(void)state;
	struct mention m = {0};
	assert_int_equal(kind(&m, "[#lobby] luis: hola ana", "ana"), MENTION_NAME);
	assert_int_equal(kind(&m, "[#lobby] * luis hugs Ana", "ana"), MENTION_NAME);
	assert_int_equal(kind(&m, "[#lobby] gpt: ana: A socket is...", "ana"), MENTION_NAME);
	assert_int_equal(kind(&m, "[#lobby] luis: hola mariana", "ana"), MENTION_NONE);
	/* Only the text counts: a speaker or a room named like you does not. */
	assert_int_equal(kind(&m, "[#ana] luis: hola", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "[#lobby] ana.b: hola", "ana"), MENTION_NONE);
	/* Your own lines are not mentions. */
	assert_int_equal(kind(&m, "[#lobby] ANA: I am ana", "ana"), MENTION_NONE);
	/* Nor the server's lines about you. */
	assert_int_equal(kind(&m, "* Welcome, ana! You are in #lobby", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "[#lobby] -- ana joined", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "-- luis is now known as ana2", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "[#lobby] luis: hola ana", NULL), MENTION_NONE);
	mention_free(&m);
}

static void test_private_messages_ring_once_per_run(void **state)
{
	(void)state;
	struct mention m = {0};
	assert_int_equal(kind(&m, "[pm] luis: psst", "ana"), MENTION_PRIVATE);
	assert_int_equal(kind(&m, "[pm] luis: are you there?", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "[pm] * luis waves", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "[pm] gpt: ana: An answer", "ana"), MENTION_PRIVATE);
	assert_int_equal(kind(&m, "[pm] gpt: in several lines", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "[#lobby] bea: meanwhile", "ana"), MENTION_NONE);
	assert_int_equal(kind(&m, "[pm] gpt: and the end", "ana"), MENTION_PRIVATE);
	mention_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_name_as_a_word),
		cmocka_unit_test(test_room_lines),
		cmocka_unit_test(test_private_messages_ring_once_per_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
