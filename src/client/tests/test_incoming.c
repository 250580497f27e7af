/* Unit tests for incoming.c: classifying server lines, name colours and the styled output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/incoming.h"

static enum incoming_kind classify(const char *line, struct incoming_parts *p)
{
	return incoming_classify(line, strlen(line), p);
}

static void test_prefixes(void **state)
{
	(void)state;
	struct incoming_parts p;
	assert_int_equal(classify("* You joined #dev (3 members).", &p), INCOMING_SERVER);
	assert_int_equal(classify("! No such user: zoe", &p), INCOMING_ERROR);
	assert_int_equal(classify("-- luis is now known as luisito", &p), INCOMING_NEWS);
	assert_int_equal(classify("hello", &p), INCOMING_OTHER);
	assert_int_equal(classify("[#x]no space", &p), INCOMING_OTHER);
	assert_int_equal(classify("[#x] no colon here", &p), INCOMING_OTHER);
	assert_int_equal(classify("", &p), INCOMING_OTHER);
}

static void test_room_and_private_lines(void **state)
{
	(void)state;
	struct incoming_parts p;
	const char *say = "[#lobby] ana: hola: qué tal";
	assert_int_equal(classify(say, &p), INCOMING_SAY);
	assert_int_equal(p.tag_len, strlen("[#lobby]"));
	assert_int_equal(p.name_off, strlen("[#lobby] "));
	assert_int_equal(p.name_len, 3);
	assert_string_equal(say + p.text_off, "hola: qué tal");
	assert_false(p.private_tag);

	/* A room name may contain ']': the tag ends at the first "] ". */
	const char *odd = "[#a]b] x]y: hi";
	assert_int_equal(classify(odd, &p), INCOMING_SAY);
	assert_int_equal(p.tag_len, strlen("[#a]b]"));
	assert_int_equal(p.name_len, 3);

	const char *action = "[#lobby] * ana waves at luis";
	assert_int_equal(classify(action, &p), INCOMING_ACTION);
	assert_int_equal(p.name_off, strlen("[#lobby] * "));
	assert_int_equal(p.name_len, 3);
	assert_string_equal(action + p.text_off, "waves at luis");

	const char *event = "[#dev] -- ana joined";
	assert_int_equal(classify(event, &p), INCOMING_EVENT);
	assert_string_equal(event + p.text_off, "ana joined");

	assert_int_equal(classify("[pm] luis: psst", &p), INCOMING_SAY);
	assert_true(p.private_tag);
	assert_int_equal(classify("[pm] * luis winks", &p), INCOMING_ACTION);
	assert_true(p.private_tag);
	assert_int_equal(classify("[pm to luis] ana: psst", &p), INCOMING_SAY);
	assert_true(p.private_tag);
	assert_int_equal(p.name_len, 3);
}

static void test_colour_is_stable_and_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(incoming_colour("ana", 3), incoming_colour("ANA", 3));
	assert_int_equal(incoming_colour("Ñandú", strlen("Ñandú")),
			 incoming_colour("ñANDÚ", strlen("ñANDÚ")));
	assert_true(incoming_colour("luis", 4) < INCOMING_COLOURS);
	/* FNV-1a is fixed: the same name gets the same colour in every run and on every machine. */
	assert_int_equal(incoming_colour("ana", 3), 0x1429ca85u % INCOMING_COLOURS);
}

static void test_colours_spread_over_the_palette(void **state)
{
	(void)state;
	int used[INCOMING_COLOURS] = {0};
	char name[16];
	for (int i = 0; i < 600; i++) {
		snprintf(name, sizeof name, "user%d", i);
		used[incoming_colour(name, strlen(name))]++;
	}
	for (int c = 0; c < INCOMING_COLOURS; c++)
		assert_true(used[c] > 20);
}

static void format(const char *line, const char *own, bool colour, const char *want)
{
	struct buf out = BUF_INIT;
	incoming_format(line, strlen(line), own, colour, &out);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.data, want, out.len);
	buf_free(&out);
}

static void test_without_colour_the_line_is_kept_as_it_is(void **state)
{
	(void)state;
	format("[#lobby] luis: hola\tqué", "ana", false, "[#lobby] luis: hola\tqué\n");
	format("", NULL, false, "\n");
}

static void test_control_characters_are_always_replaced(void **state)
{
	(void)state;
	format("a\x1b[31mb\x07\x7f\xc2\x9b\xff", NULL, false,
	       "a\xef\xbf\xbd[31mb\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
	/* With colour, a forged escape inside a message is replaced before styles are added. */
	struct buf out = BUF_INIT;
	const char *evil = "[#lobby] eve: \x1b]0;title\x07";
	incoming_format(evil, strlen(evil), NULL, true, &out);
	size_t escapes = 0;
	for (size_t i = 0; i < out.len; i++)
		escapes += out.data[i] == '\x1b';
	assert_int_equal(escapes, 4); /* tag on and off, name on and off */
	assert_null(memchr(out.data, '\x07', out.len));
	buf_free(&out);
}

static void test_a_mention_is_in_reverse_video(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	const char *line = "[#lobby] luis: hola ana";
	incoming_format_mention(line, strlen(line), "ana", true, &out);
	assert_non_null(strstr(out.data, ": \x1b[7mhola ana\x1b[0m\n"));
	buf_clear(&out);
	line = "[#lobby] * luis hugs ana";
	incoming_format_mention(line, strlen(line), "ana", true, &out);
	assert_non_null(strstr(out.data, "luis\x1b[0m \x1b[7mhugs ana\x1b[0m\n"));
	/* Without colour, no styles at all. */
	buf_clear(&out);
	incoming_format_mention(line, strlen(line), "ana", false, &out);
	assert_string_equal(out.data, "[#lobby] * luis hugs ana\n");
	buf_free(&out);
}

static void test_styles(void **state)
{
	(void)state;
	char want[256];
	static const char *const palette[INCOMING_COLOURS] = {
		"31", "32", "33", "35", "36", "91", "92", "93", "95", "96", "38;5;208", "38;5;141",
	};
	snprintf(want, sizeof want, "\x1b[34m[#lobby]\x1b[0m \x1b[%smluis\x1b[0m: hola\n",
		 palette[incoming_colour("luis", 4)]);
	format("[#lobby] luis: hola", "ana", true, want);
	/* Your own lines: your name in bold, whatever case the server uses. */
	format("[#lobby] Ana: hola", "ana", true, "\x1b[34m[#lobby]\x1b[0m \x1b[1mAna\x1b[0m: hola\n");
	snprintf(want, sizeof want, "\x1b[1;35m[pm]\x1b[0m * \x1b[%smluis\x1b[0m winks\n",
		 palette[incoming_colour("luis", 4)]);
	format("[pm] * luis winks", "ana", true, want);
	format("* Bye.", NULL, true, "\x1b[2m* Bye.\x1b[0m\n");
	format("! No such user: zoe", NULL, true, "\x1b[1;31m! No such user: zoe\x1b[0m\n");
	format("-- luis quit (bye)", NULL, true, "\x1b[3m-- luis quit (bye)\x1b[0m\n");
	format("[#dev] -- ana joined", NULL, true, "\x1b[34m[#dev]\x1b[0m \x1b[3m-- ana joined\x1b[0m\n");
	format("plain", NULL, true, "plain\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_room_and_private_lines),
		cmocka_unit_test(test_colour_is_stable_and_case_insensitive),
		cmocka_unit_test(test_colours_spread_over_the_palette),
		cmocka_unit_test(test_without_colour_the_line_is_kept_as_it_is),
		cmocka_unit_test(test_control_characters_are_always_replaced),
		cmocka_unit_test(test_a_mention_is_in_reverse_video),
		cmocka_unit_test(test_styles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
