/* Unit tests for hub/name: the rules for user and room names (docs/protocol.md, "Names"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/utf8.h"
#include "hub/name.h"

#define USER(lit) name_check_user((lit), sizeof(lit) - 1)
#define ROOM(lit) name_check_room((lit), sizeof(lit) - 1)

/* A name made of `n` copies of the character `ch` (a UTF-8 literal). */
static size_t repeat(char *out, size_t cap, const char *ch, size_t n)
{
	size_t k = strlen(ch), len = 0;
	for (size_t i = 0; i < n; i++) {
		assert_true(len + k < cap);
		memcpy(out + len, ch, k);
		len += k;
	}
	out[len] = '\0';
	return len;
}

static void t_plain_names(void **state)
{
	(void)state;
	assert_int_equal(USER("ana"), NAME_OK);
	assert_int_equal(USER("Ana_L\xC3\xB3pez-2"), NAME_OK);
	assert_int_equal(USER("a"), NAME_OK);
	assert_int_equal(USER("\xC3\x91" "and\xC3\xBA"), NAME_OK);        /* Ñandú */
	assert_int_equal(USER("\xE4\xB8\xAD\xE6\x96\x87"), NAME_OK);       /* 中文 */
	assert_int_equal(USER("\xF0\x9F\x98\x80"), NAME_OK);               /* 😀 */
	assert_int_equal(USER("a.b"), NAME_OK);
	assert_int_equal(USER("x#y"), NAME_OK); /* only the start is restricted */
	assert_int_equal(USER("x-"), NAME_OK);
	assert_int_equal(USER(""), NAME_EMPTY);
}

static void t_length_in_code_points(void **state)
{
	(void)state;
	char buf[256];
	size_t n;
	n = repeat(buf, sizeof(buf), "a", 32);
	assert_int_equal(name_check_user(buf, n), NAME_OK);
	n = repeat(buf, sizeof(buf), "a", 33);
	assert_int_equal(name_check_user(buf, n), NAME_TOO_LONG);
	/* 32 two-, three- and four-byte characters are fine: the limit counts characters. */
	n = repeat(buf, sizeof(buf), "\xC3\xB1", 32);
	assert_int_equal(n, 64);
	assert_int_equal(name_check_user(buf, n), NAME_OK);
	n = repeat(buf, sizeof(buf), "\xE4\xB8\xAD", 32);
	assert_int_equal(name_check_user(buf, n), NAME_OK);
	n = repeat(buf, sizeof(buf), "\xF0\x9F\x98\x80", 32);
	assert_int_equal(n, NAME_MAX_BYTES);
	assert_int_equal(name_check_user(buf, n), NAME_OK);
	/* 33 of them are not. */
	n = repeat(buf, sizeof(buf), "\xC3\xB1", 33);
	assert_int_equal(name_check_user(buf, n), NAME_TOO_LONG);
	n = repeat(buf, sizeof(buf), "\xE4\xB8\xAD", 33);
	assert_int_equal(name_check_user(buf, n), NAME_TOO_LONG);
	n = repeat(buf, sizeof(buf), "\xF0\x9F\x98\x80", 33);
	assert_int_equal(name_check_user(buf, n), NAME_TOO_LONG);
	/* Long in bytes and bad too: either reason is fair, but never OK. */
	n = repeat(buf, sizeof(buf), "a", 200);
	assert_int_not_equal(name_check_user(buf, n), NAME_OK);
}

static void t_spaces(void **state)
{
	(void)state;
	assert_int_equal(USER("ana luis"), NAME_SPACE);
	assert_int_equal(USER(" ana"), NAME_SPACE);
	assert_int_equal(USER("ana "), NAME_SPACE);
	assert_int_equal(USER("a\tb"), NAME_SPACE);               /* TAB is not a control here */
	assert_int_equal(USER("a\xC2\xA0" "b"), NAME_SPACE);      /* U+00A0 no-break space */
	assert_int_equal(USER("a\xE3\x80\x80" "b"), NAME_SPACE);  /* U+3000 ideographic space */
	assert_int_equal(USER("a\xE2\x80\x83" "b"), NAME_SPACE);  /* U+2003 em space */
	assert_int_equal(USER("a\xE2\x80\xAF" "b"), NAME_SPACE);  /* U+202F narrow no-break space */
	assert_int_equal(USER("a\xE1\x9A\x80" "b"), NAME_SPACE);  /* U+1680 ogham space mark */
	assert_int_equal(USER("a\xE2\x80\xA8" "b"), NAME_SPACE);  /* U+2028 line separator */
}

static void t_controls(void **state)
{
	(void)state;
	assert_int_equal(USER("a\x1b" "b"), NAME_CONTROL);
	assert_int_equal(USER("a\nb"), NAME_CONTROL);
	assert_int_equal(USER("a\rb"), NAME_CONTROL);
	assert_int_equal(USER("a\x7f"), NAME_CONTROL);
	assert_int_equal(USER("a\xC2\x85"), NAME_CONTROL); /* NEL */
	assert_int_equal(USER("a\xC2\x9B"), NAME_CONTROL); /* CSI */
	assert_int_equal(name_check_user("a\0b", 3), NAME_CONTROL);
	assert_int_equal(name_check_user("\0", 1), NAME_CONTROL);
}

static void t_punctuation_and_start(void **state)
{
	(void)state;
	assert_int_equal(USER("ana:"), NAME_PUNCT);
	assert_int_equal(USER("a:b"), NAME_PUNCT);
	assert_int_equal(USER("a,b"), NAME_PUNCT);
	assert_int_equal(USER(":"), NAME_PUNCT);
	const char *starts[] = {"#", "/", "@", "+", "*", "!", "-", "["};
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		char buf[8];
		size_t n = (size_t)snprintf(buf, sizeof(buf), "%sana", starts[i]);
		assert_int_equal(name_check_user(buf, n), NAME_BAD_START);
		assert_int_equal(name_check_user(buf, 1), NAME_BAD_START);
	}
	/* IRC's mask characters, anywhere in a user name (not a room's). */
	assert_int_equal(USER("a!b"), NAME_MASK);
	assert_int_equal(USER("ana@home"), NAME_MASK);
	assert_int_equal(USER("a*"), NAME_MASK);
	assert_int_equal(USER("why?"), NAME_MASK);
	assert_int_equal(ROOM("#why?"), NAME_OK);
	assert_int_equal(USER("j.perez"), NAME_OK);
	assert_int_equal(USER("]ana"), NAME_OK);
	assert_int_equal(USER("_ana"), NAME_OK);
}

static void t_reserved_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(USER("pm"), NAME_RESERVED);
	assert_int_equal(USER("PM"), NAME_RESERVED);
	assert_int_equal(USER("pM"), NAME_RESERVED);
	assert_int_equal(USER("server"), NAME_RESERVED);
	assert_int_equal(USER("SeRvEr"), NAME_RESERVED);
	assert_int_equal(USER("you"), NAME_RESERVED);
	assert_int_equal(USER("You"), NAME_RESERVED);
	/* Only the whole word. */
	assert_int_equal(USER("pmx"), NAME_OK);
	assert_int_equal(USER("p"), NAME_OK);
	assert_int_equal(USER("servers"), NAME_OK);
	assert_int_equal(USER("serve"), NAME_OK);
	/* A reserved prefix of a longer buffer: the length decides. */
	assert_int_equal(name_check_user("pmx", 2), NAME_RESERVED);
}

static void t_invisible(void **state)
{
	(void)state;
	assert_int_equal(USER("a\xE2\x80\x8B" "b"), NAME_INVISIBLE); /* U+200B zero-width space */
	assert_int_equal(USER("a\xE2\x80\x8C" "b"), NAME_INVISIBLE); /* U+200C ZWNJ */
	assert_int_equal(USER("a\xE2\x80\x8D" "b"), NAME_INVISIBLE); /* U+200D ZWJ */
	assert_int_equal(USER("a\xE2\x80\x8F" "b"), NAME_INVISIBLE); /* U+200F RLM */
	assert_int_equal(USER("a\xE2\x80\xAE" "b"), NAME_INVISIBLE); /* U+202E RLO */
	assert_int_equal(USER("a\xE2\x80\xAA" "b"), NAME_INVISIBLE); /* U+202A LRE */
	assert_int_equal(USER("a\xE2\x81\xA0" "b"), NAME_INVISIBLE); /* U+2060 word joiner */
	assert_int_equal(USER("a\xE2\x81\xA6" "b"), NAME_INVISIBLE); /* U+2066 LRI */
	assert_int_equal(USER("a\xEF\xBB\xBF" "b"), NAME_INVISIBLE); /* U+FEFF BOM */
	assert_int_equal(USER("a\xC2\xAD" "b"), NAME_INVISIBLE);     /* U+00AD soft hyphen */
	assert_int_equal(USER("\xE2\x80\x8B"), NAME_INVISIBLE);
	/* Ordinary characters next to those ranges are fine. */
	assert_int_equal(USER("a\xE2\x80\x90" "b"), NAME_OK);       /* U+2010 hyphen */
	assert_int_equal(USER("a\xC2\xAE"), NAME_OK);              /* U+00AE ® */
}

static void t_invalid_utf8(void **state)
{
	(void)state;
	assert_int_equal(USER("a\xFF"), NAME_BAD_UTF8);
	assert_int_equal(USER("\xC3"), NAME_BAD_UTF8);
	assert_int_equal(USER("a\xC0\x80"), NAME_BAD_UTF8);      /* overlong NUL */
	assert_int_equal(USER("a\xED\xA0\x80"), NAME_BAD_UTF8);  /* surrogate */
	assert_int_equal(USER("a\xF4\x90\x80\x80"), NAME_BAD_UTF8);
	assert_int_equal(USER("\x80" "abc"), NAME_BAD_UTF8);
	/* A character cut by the length. */
	assert_int_equal(name_check_user("a\xC3\xB1", 2), NAME_BAD_UTF8);
	/* U+FFFD stands for what a face replaced (bad bytes, controls): refused, never repaired. */
	assert_int_not_equal(USER("a\xEF\xBF\xBD"), NAME_OK);
	assert_int_not_equal(USER("\xEF\xBF\xBD"), NAME_OK);
	assert_int_not_equal(ROOM("#\xEF\xBF\xBD"), NAME_OK);
}

static void t_rooms(void **state)
{
	(void)state;
	assert_int_equal(ROOM("#lobby"), NAME_OK);
	assert_int_equal(ROOM("#a"), NAME_OK);
	assert_int_equal(ROOM("#\xC3\xB1" "and\xC3\xBA"), NAME_OK);
	assert_int_equal(ROOM("##"), NAME_OK);
	assert_int_equal(ROOM("#-dev"), NAME_OK); /* the start rule is for user names */
	assert_int_equal(ROOM("#pm"), NAME_OK);
	assert_int_equal(ROOM("lobby"), NAME_NO_HASH);
	assert_int_equal(ROOM(""), NAME_EMPTY);
	assert_int_equal(ROOM("#"), NAME_EMPTY);
	assert_int_equal(ROOM("#a b"), NAME_SPACE);
	assert_int_equal(ROOM("#a\xC2\xA0" "b"), NAME_SPACE);
	assert_int_equal(ROOM("#a:b"), NAME_PUNCT);
	assert_int_equal(ROOM("#a,b"), NAME_PUNCT);
	assert_int_equal(ROOM("#a\x1b"), NAME_CONTROL);
	assert_int_equal(ROOM("#a\xE2\x80\x8B"), NAME_INVISIBLE);
	assert_int_equal(ROOM("#a\xFF"), NAME_BAD_UTF8);
	/* 2 to 32 characters with the '#': 31 after it. */
	char buf[256];
	buf[0] = '#';
	size_t n = repeat(buf + 1, sizeof(buf) - 1, "r", 31);
	assert_int_equal(name_check_room(buf, n + 1), NAME_OK);
	n = repeat(buf + 1, sizeof(buf) - 1, "r", 32);
	assert_int_equal(name_check_room(buf, n + 1), NAME_TOO_LONG);
	n = repeat(buf + 1, sizeof(buf) - 1, "\xF0\x9F\x98\x80", 31);
	assert_int_equal(name_check_room(buf, n + 1), NAME_OK);
	n = repeat(buf + 1, sizeof(buf) - 1, "\xF0\x9F\x98\x80", 32);
	assert_int_equal(name_check_room(buf, n + 1), NAME_TOO_LONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_plain_names),
		cmocka_unit_test(t_length_in_code_points),
		cmocka_unit_test(t_spaces),
		cmocka_unit_test(t_controls),
		cmocka_unit_test(t_punctuation_and_start),
		cmocka_unit_test(t_reserved_case_insensitive),
		cmocka_unit_test(t_invisible),
		cmocka_unit_test(t_invalid_utf8),
		cmocka_unit_test(t_rooms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
