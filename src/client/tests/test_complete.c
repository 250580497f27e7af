/* Unit tests for complete.c: what Tab does to the word before the cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client/complete.h"

static const char *const people[] = {"Ana", "anabel", "gpt", "luis", "Ñandú"};
#define PEOPLE (sizeof people / sizeof people[0])

static struct complete done;
static char after[256];

/* Completes `text` with the cursor at its end (or at the '|' in it); returns the kind and leaves
 * the resulting line in `after`. */
static enum complete_result tab(const char *text)
{
	char line[256];
	const char *bar = strchr(text, '|');
	size_t cur = bar ? (size_t)(bar - text) : strlen(text);
	snprintf(line, sizeof line, "%.*s%s", (int)cur, text, bar ? bar + 1 : "");
	enum complete_result r = complete_line(line, strlen(line), cur, people, PEOPLE, &done);
	snprintf(after, sizeof after, "%.*s%.*s%s", (int)done.from, line, (int)done.insert.len,
		 done.insert.data ? done.insert.data : "", line + done.to);
	if (r == COMPLETE_NONE || r == COMPLETE_AMBIGUOUS)
		snprintf(after, sizeof after, "%s", line);
	return r;
}

static int teardown(void **state)
{
	(void)state;
	complete_free(&done);
	return 0;
}

static void test_a_name_at_the_start_is_addressed(void **state)
{
	(void)state;
	assert_int_equal(tab("lu"), COMPLETE_UNIQUE);
	assert_string_equal(after, "luis: ");
	complete_free(&done);
	assert_int_equal(tab("GP"), COMPLETE_UNIQUE);
	assert_string_equal(after, "gpt: ");
	complete_free(&done);
	/* Case-insensitive beyond ASCII. */
	assert_int_equal(tab("ñan"), COMPLETE_UNIQUE);
	assert_string_equal(after, "Ñandú: ");
}

static void test_a_name_later_in_the_line_gets_a_space(void **state)
{
	(void)state;
	assert_int_equal(tab("hola lu"), COMPLETE_UNIQUE);
	assert_string_equal(after, "hola luis ");
	complete_free(&done);
	assert_int_equal(tab("/msg gp"), COMPLETE_UNIQUE);
	assert_string_equal(after, "/msg gpt ");
	complete_free(&done);
	assert_int_equal(tab("hola @lu"), COMPLETE_UNIQUE);
	assert_string_equal(after, "hola @luis ");
	complete_free(&done);
	assert_int_equal(tab("@lu"), COMPLETE_UNIQUE);
	assert_string_equal(after, "@luis ");
	complete_free(&done);
	/* In the middle of a line, before a space: no second space. */
	assert_int_equal(tab("hola lu| y adiós"), COMPLETE_UNIQUE);
	assert_string_equal(after, "hola luis y adiós");
	complete_free(&done);
	assert_int_equal(tab("lu| y adiós"), COMPLETE_UNIQUE);
	assert_string_equal(after, "luis: y adiós");
}

static void test_several_share_a_prefix_then_are_listed(void **state)
{
	(void)state;
	assert_int_equal(tab("a"), COMPLETE_PREFIX);
	assert_string_equal(after, "Ana");
	assert_int_equal(done.count, 2);
	complete_free(&done);
	assert_int_equal(tab("ANA"), COMPLETE_AMBIGUOUS);
	assert_string_equal(after, "ANA");
	assert_int_equal(done.count, 2);
	assert_string_equal(done.matches[0], "Ana");
	assert_string_equal(done.matches[1], "anabel");
	complete_free(&done);
	assert_int_equal(tab("anab"), COMPLETE_UNIQUE);
	assert_string_equal(after, "anabel: ");
	complete_free(&done);
	/* An empty word offers everyone. */
	assert_int_equal(tab("hola "), COMPLETE_AMBIGUOUS);
	assert_int_equal(done.count, PEOPLE);
	complete_free(&done);
	assert_int_equal(tab("zz"), COMPLETE_NONE);
	assert_int_equal(done.count, 0);
}

static void test_commands_complete_at_the_start_of_a_line(void **state)
{
	(void)state;
	assert_int_equal(tab("/jo"), COMPLETE_UNIQUE);
	assert_string_equal(after, "/join ");
	complete_free(&done);
	assert_int_equal(tab("/ST"), COMPLETE_UNIQUE);
	assert_string_equal(after, "/stats ");
	complete_free(&done);
	assert_int_equal(tab("/m"), COMPLETE_AMBIGUOUS);
	assert_int_equal(done.count, 2);
	assert_string_equal(done.matches[0], "/me");
	assert_string_equal(done.matches[1], "/msg");
	complete_free(&done);
	assert_int_equal(tab("/me"), COMPLETE_UNIQUE);
	assert_string_equal(after, "/me ");
	complete_free(&done);
	assert_int_equal(tab("/"), COMPLETE_AMBIGUOUS);
	assert_int_equal(done.count, 12);
	complete_free(&done);
	/* Not at the start, a '/' word is not a command; // says a line starting with '/'. */
	assert_int_equal(tab("hola /jo"), COMPLETE_NONE);
	complete_free(&done);
	assert_int_equal(tab("//jo"), COMPLETE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_a_name_at_the_start_is_addressed, teardown),
		cmocka_unit_test_teardown(test_a_name_later_in_the_line_gets_a_space, teardown),
		cmocka_unit_test_teardown(test_several_share_a_prefix_then_are_listed, teardown),
		cmocka_unit_test_teardown(test_commands_complete_at_the_start_of_a_line, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
