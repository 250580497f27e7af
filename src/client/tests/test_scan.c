/* Unit tests for scan.c: a line against a printf-style format, in English and in Spanish. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/scan.h"

static bool whole(const char *fmt, const char *line, struct scan_span *caps, size_t n)
{
	return scan_whole(fmt, line, strlen(line), caps, n);
}

static bool prefix(const char *fmt, const char *line, struct scan_span *caps, size_t n)
{
	return scan_prefix(fmt, line, strlen(line), caps, n);
}

static void span_is(struct scan_span s, const char *want)
{
	assert_int_equal(s.n, strlen(want));
	assert_memory_equal(s.p, want, s.n);
}

static void test_literals_and_captures(void **state)
{
	(void)state;
	struct scan_span c[3];
	assert_true(whole("[%s] -- %s joined", "[#dev] -- ana joined", c, 2));
	span_is(c[0], "#dev");
	span_is(c[1], "ana");
	assert_true(whole("[%s] -- %s ha entrado", "[#dev] -- ana ha entrado", c, 2));
	span_is(c[1], "ana");
	assert_true(whole("-- %s is now known as %.*s", "-- ana is now known as anita", c, 2));
	span_is(c[1], "anita");
	assert_true(whole("Bye.", "Bye.", c, 0));
	assert_false(whole("Bye.", "Bye. ", c, 0));
	assert_false(whole("Bye.", "Bye", c, 0));
	assert_false(whole("[%s] -- %s joined", "[#dev] -- ana left", c, 2));
	/* Fewer spans than captures: the rest are matched, not returned. */
	assert_true(whole("Bot: %s (%s; %s)", "Bot: gpt (the assistant; ask it)", c, 1));
	span_is(c[0], "gpt");
}

static void test_numbers_and_percent(void **state)
{
	(void)state;
	struct scan_span c[2];
	assert_true(whole("%s (%zu):", "#dev (12):", c, 2));
	span_is(c[1], "12");
	assert_false(whole("%s (%zu):", "#dev (x):", c, 2));
	assert_false(whole("%s (%zu):", "#dev ():", c, 2));
	assert_true(whole("%d%% of %s", "-5% of all", c, 2));
	span_is(c[0], "-5");
	assert_false(whole("%u%% done", "5 done", c, 1));
	assert_true(whole("%llu", "123", c, 1));
	assert_false(whole("%llu", "123a", c, 1));
}

static void test_prefix_ignores_the_rest(void **state)
{
	(void)state;
	struct scan_span c[2];
	const char *fmt = "You joined %s (%llu members).";
	assert_true(prefix(fmt, "You joined #dev (3 members).", c, 1));
	span_is(c[0], "#dev");
	assert_true(prefix(fmt, "You joined #dev (whatever", c, 1));
	assert_false(whole(fmt, "You joined #dev (whatever", c, 1));
	assert_false(prefix(fmt, "You joined #dev", c, 1));
	/* No captures: the leading literal only. */
	assert_true(prefix("What is your name? (%s)", "What is your name? (1-32", c, 0));
	assert_false(prefix("What is your name? (%s)", "What is the time?", c, 0));
	/* Two captures: up to the literal after the second. */
	assert_true(prefix("Welcome, %s! You are in %s with %llu other.",
			   "Welcome, ana! You are in #lobby with 1 others. Hi", c, 2));
	span_is(c[0], "ana");
	span_is(c[1], "#lobby");
}

static void test_hub_placeholders(void **state)
{
	(void)state;
	struct scan_span c[1];
	const char *fmt = "* You are in {1} already; it is now your current room.";
	assert_true(whole(fmt, "* You are in #dev already; it is now your current room.", c, 1));
	span_is(c[0], "#dev");
	assert_true(whole("! No such room: {1}", "! No such room: #x", c, 1));
	span_is(c[0], "#x");
	assert_false(whole("! No such room: {1}", "! No such room: ", c, 1));
}

/* A room may end in the '.' that ends the line: a literal that ends the format is matched at the
 * end of the line; one in the middle at its first place. */
static void test_literal_inside_a_capture(void **state)
{
	(void)state;
	struct scan_span c[2];
	assert_true(whole("You left %s.", "You left #a.b.", c, 1));
	span_is(c[0], "#a.b");
	assert_true(whole("You left %s.", "You left #a...", c, 1));
	span_is(c[0], "#a..");
	/* A hostile name holding the literal after it: cut at its first place, and the rest of the
	 * format must still match, or nothing does. */
	assert_true(whole("-- %s quit (%.*s)", "-- a quit (b quit (c)", c, 2));
	span_is(c[0], "a");
	span_is(c[1], "b quit (c");
	assert_false(whole("[%s] -- %s joined", "[#a] -- b] -- c", c, 2));
	assert_true(whole("[%s] -- %s joined", "[#a] -- b] -- c joined", c, 2));
	span_is(c[0], "#a");
	span_is(c[1], "b] -- c");
}

static void test_empty_and_malformed(void **state)
{
	(void)state;
	struct scan_span c[3];
	assert_false(whole("You left %s.", "You left .", c, 1));
	assert_false(whole("[%s] -- %s joined", "[] -- ana joined", c, 2));
	assert_false(whole("-- %s quit", "-- ", c, 1));
	assert_false(whole("-- %s quit", "", c, 1));
	assert_false(whole("Bye.", "", c, 0));
	assert_false(prefix("You joined %s (", "You joined ", c, 1));
	/* Formats we refuse: two captures in a row, unknown conversions. */
	assert_false(whole("%s%s", "ab", c, 2));
	assert_false(whole("%x", "1f", c, 1));
	assert_false(whole("a %5s", "a b", c, 1));
	assert_false(whole("{0}", "a", c, 1));
	/* The spans are reset even when nothing matches. */
	c[0] = (struct scan_span){"x", 1};
	assert_false(whole("You left %s.", "You joined #a.", c, 1));
	assert_null(c[0].p);
	assert_int_equal(c[0].n, 0);
}

static void test_overlong(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *line = malloc(n + 16);
	memcpy(line, "You left ", 9);
	memset(line + 9, 'x', n);
	memcpy(line + 9 + n, ".", 2);
	struct scan_span c[1];
	assert_true(scan_whole("You left %s.", line, strlen(line), c, 1));
	assert_int_equal(c[0].n, n);
	assert_false(scan_whole("You left %s!", line, strlen(line), c, 1));
	/* Not NUL-terminated: only len bytes are read. */
	assert_false(scan_whole("You left %s.", line, 9 + n, c, 1));
	free(line);
	/* A format longer than the literal buffer is refused, not cut. */
	char fmt[1100];
	memset(fmt, 'a', sizeof fmt - 1);
	fmt[sizeof fmt - 1] = '\0';
	assert_false(scan_whole(fmt, fmt, strlen(fmt), c, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals_and_captures),
		cmocka_unit_test(test_numbers_and_percent),
		cmocka_unit_test(test_prefix_ignores_the_rest),
		cmocka_unit_test(test_hub_placeholders),
		cmocka_unit_test(test_literal_inside_a_capture),
		cmocka_unit_test(test_empty_and_malformed),
		cmocka_unit_test(test_overlong),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
