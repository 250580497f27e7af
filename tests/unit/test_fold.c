/* Unit tests for base/fold: case folding of names in the covered scripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/fold.h"
#include "base/utf8.h"

/* Cyrillic beyond the basic block: Ukrainian Ґ, historic letters, the U+04C0 block's odd pairs. */
static void t_cyrillic_extended(void **state)
{
	(void)state;
	assert_int_equal(fold_codepoint(0x490), 0x491); /* Ґ */
	assert_int_equal(fold_codepoint(0x491), 0x491);
	assert_int_equal(fold_codepoint(0x460), 0x461);
	assert_int_equal(fold_codepoint(0x4C0), 0x4CF);
	assert_int_equal(fold_codepoint(0x4C1), 0x4C2);
	assert_int_equal(fold_codepoint(0x4C2), 0x4C2);
	assert_int_equal(fold_codepoint(0x4D0), 0x4D1);
	assert_int_equal(fold_codepoint(0x52E), 0x52F);
	assert_int_equal(fold_codepoint(0x482), 0x482); /* a sign, not a letter */
}

static void t_ascii(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp < 0x80; cp++) {
		uint32_t want = (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
		assert_int_equal(fold_codepoint(cp), want);
	}
}

static void t_latin1(void **state)
{
	(void)state;
	assert_int_equal(fold_codepoint(0xD1), 0xF1); /* Ñ ñ */
	assert_int_equal(fold_codepoint(0xF1), 0xF1);
	assert_int_equal(fold_codepoint(0xC9), 0xE9); /* É é */
	assert_int_equal(fold_codepoint(0xC0), 0xE0); /* À à */
	assert_int_equal(fold_codepoint(0xDE), 0xFE); /* Þ þ */
	assert_int_equal(fold_codepoint(0xDA), 0xFA); /* Ú ú */
	assert_int_equal(fold_codepoint(0xD7), 0xD7); /* × is not a letter */
	assert_int_equal(fold_codepoint(0xF7), 0xF7); /* ÷ either */
	assert_int_equal(fold_codepoint(0xDF), 0xDF); /* ß has no one-to-one fold */
	assert_int_equal(fold_codepoint(0xFF), 0xFF); /* ÿ */
	assert_int_equal(fold_codepoint(0x178), 0xFF); /* Ÿ ÿ */
	for (uint32_t cp = 0x80; cp < 0xC0; cp++)
		assert_int_equal(fold_codepoint(cp), cp);
	for (uint32_t cp = 0xE0; cp <= 0xFF; cp++)
		assert_int_equal(fold_codepoint(cp), cp);
}

static void t_latin_extended_a(void **state)
{
	(void)state;
	/* U+0100-U+0137: even is upper. */
	assert_int_equal(fold_codepoint(0x100), 0x101); /* Ā ā */
	assert_int_equal(fold_codepoint(0x101), 0x101);
	assert_int_equal(fold_codepoint(0x10C), 0x10D); /* Č č */
	assert_int_equal(fold_codepoint(0x11E), 0x11F); /* Ğ ğ */
	assert_int_equal(fold_codepoint(0x136), 0x137); /* Ķ ķ */
	/* Turkish dotted and dotless i, kra and ŉ stay as they are. */
	assert_int_equal(fold_codepoint(0x130), 0x130);
	assert_int_equal(fold_codepoint(0x131), 0x131);
	assert_int_equal(fold_codepoint(0x138), 0x138);
	assert_int_equal(fold_codepoint(0x149), 0x149);
	/* U+0139-U+0148: odd is upper. */
	assert_int_equal(fold_codepoint(0x139), 0x13A); /* Ĺ ĺ */
	assert_int_equal(fold_codepoint(0x141), 0x142); /* Ł ł */
	assert_int_equal(fold_codepoint(0x142), 0x142);
	assert_int_equal(fold_codepoint(0x147), 0x148); /* Ň ň */
	assert_int_equal(fold_codepoint(0x148), 0x148);
	/* U+014A-U+0177: even is upper again. */
	assert_int_equal(fold_codepoint(0x14A), 0x14B); /* Ŋ ŋ */
	assert_int_equal(fold_codepoint(0x150), 0x151); /* Ő ő */
	assert_int_equal(fold_codepoint(0x160), 0x161); /* Š š */
	assert_int_equal(fold_codepoint(0x176), 0x177); /* Ŷ ŷ */
	assert_int_equal(fold_codepoint(0x177), 0x177);
	/* U+0179-U+017E: odd is upper. */
	assert_int_equal(fold_codepoint(0x179), 0x17A); /* Ź ź */
	assert_int_equal(fold_codepoint(0x17B), 0x17C); /* Ż ż */
	assert_int_equal(fold_codepoint(0x17D), 0x17E); /* Ž ž */
	assert_int_equal(fold_codepoint(0x17E), 0x17E);
	assert_int_equal(fold_codepoint(0x17F), 0x17F); /* ſ */
	/* Every pair in the block folds to the same code point as its partner. */
	for (uint32_t cp = 0x100; cp <= 0x17F; cp++) {
		uint32_t f = fold_codepoint(cp);
		assert_true(f == cp || f == cp + 1 || (cp == 0x178 && f == 0xFF));
	}
}

static void t_greek(void **state)
{
	(void)state;
	assert_int_equal(fold_codepoint(0x391), 0x3B1); /* Α α */
	assert_int_equal(fold_codepoint(0x3A9), 0x3C9); /* Ω ω */
	assert_int_equal(fold_codepoint(0x3A3), 0x3C3); /* Σ σ */
	assert_int_equal(fold_codepoint(0x3C3), 0x3C3);
	assert_int_equal(fold_codepoint(0x3C2), 0x3C3); /* final ς folds to σ */
	assert_int_equal(fold_codepoint(0x3A2), 0x3A2); /* unassigned */
	assert_int_equal(fold_codepoint(0x3AA), 0x3CA); /* Ϊ ϊ */
	assert_int_equal(fold_codepoint(0x3AB), 0x3CB); /* Ϋ ϋ */
	/* Capitals with tonos. */
	assert_int_equal(fold_codepoint(0x386), 0x3AC); /* Ά ά */
	assert_int_equal(fold_codepoint(0x388), 0x3AD); /* Έ έ */
	assert_int_equal(fold_codepoint(0x389), 0x3AE); /* Ή ή */
	assert_int_equal(fold_codepoint(0x38A), 0x3AF); /* Ί ί */
	assert_int_equal(fold_codepoint(0x38C), 0x3CC); /* Ό ό */
	assert_int_equal(fold_codepoint(0x38E), 0x3CD); /* Ύ ύ */
	assert_int_equal(fold_codepoint(0x38F), 0x3CE); /* Ώ ώ */
	assert_int_equal(fold_codepoint(0x387), 0x387); /* · ano teleia */
	for (uint32_t cp = 0x3AC; cp <= 0x3CE; cp++)
		assert_int_equal(fold_codepoint(cp), cp == 0x3C2 ? 0x3C3 : cp);
}

static void t_cyrillic(void **state)
{
	(void)state;
	assert_int_equal(fold_codepoint(0x410), 0x430); /* А а */
	assert_int_equal(fold_codepoint(0x42F), 0x44F); /* Я я */
	assert_int_equal(fold_codepoint(0x416), 0x436); /* Ж ж */
	assert_int_equal(fold_codepoint(0x400), 0x450); /* Ѐ ѐ */
	assert_int_equal(fold_codepoint(0x401), 0x451); /* Ё ё */
	assert_int_equal(fold_codepoint(0x404), 0x454); /* Є є */
	assert_int_equal(fold_codepoint(0x40F), 0x45F); /* Џ џ */
	for (uint32_t cp = 0x430; cp <= 0x45F; cp++)
		assert_int_equal(fold_codepoint(cp), cp);
}

static void t_other_scripts_unchanged(void **state)
{
	(void)state;
	assert_int_equal(fold_codepoint(0x4E2D), 0x4E2D);   /* 中 */
	assert_int_equal(fold_codepoint(0x5D0), 0x5D0);     /* א */
	assert_int_equal(fold_codepoint(0x1F600), 0x1F600); /* 😀 */
	assert_int_equal(fold_codepoint(0xFFFD), 0xFFFD);
}

/* Folds a literal and compares with the expected bytes. */
static void check_fold(const char *in, const char *expect)
{
	size_t len = strlen(in);
	char *out = malloc(len + 1);
	assert_non_null(out);
	size_t n = fold_utf8(in, len, out, len + 1);
	assert_int_equal(n, strlen(expect));
	assert_string_equal(out, expect);
	free(out);
}

static void t_fold_utf8_strings(void **state)
{
	(void)state;
	check_fold("Ana", "ana");
	check_fold("ANA", "ana");
	check_fold("\xC3\x91" "and\xC3\xBA", "\xC3\xB1" "and\xC3\xBA");          /* Ñandú */
	check_fold("\xC3\xB1" "AND\xC3\x9A", "\xC3\xB1" "and\xC3\xBA");          /* ñANDÚ */
	check_fold("\xC3\x89lodie", "\xC3\xA9lodie");                           /* Élodie */
	/* ΟΔΥΣΣΕΥΣ and Οδυσσευς fold alike: capital and final sigma both become σ. */
	check_fold("\xCE\x9F\xCE\x94\xCE\xA5\xCE\xA3\xCE\xA3\xCE\x95\xCE\xA5\xCE\xA3",
		   "\xCE\xBF\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x85\xCF\x83");
	check_fold("\xCE\x9F\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x85\xCF\x82",
		   "\xCE\xBF\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x85\xCF\x83");
	/* МОСКВА and москва. */
	check_fold("\xD0\x9C\xD0\x9E\xD0\xA1\xD0\x9A\xD0\x92\xD0\x90",
		   "\xD0\xBC\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0");
	check_fold("\xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0", "\xD1\x91\xD0\xBB\xD0\xBA\xD0\xB0"); /* Ёлка */
	check_fold("\xC5\x81\xC3\xB3\xC4\x8F", "\xC5\x82\xC3\xB3\xC4\x8F");                /* Łóď */
	check_fold("\xE4\xB8\xAD\xF0\x9F\x98\x80", "\xE4\xB8\xAD\xF0\x9F\x98\x80");
	check_fold("", "");
}

static void t_small_cap_cuts_at_character(void **state)
{
	(void)state;
	char out[8];
	/* "ÑÑ" is 4 bytes: with room for 3 bytes plus NUL only the first character fits. */
	memset(out, 'x', sizeof(out));
	assert_int_equal(fold_utf8("\xC3\x91\xC3\x91", 4, out, 4), 2);
	assert_string_equal(out, "\xC3\xB1");
	assert_int_equal(fold_utf8("AB", 2, out, 1), 0);
	assert_string_equal(out, "");
	assert_int_equal(fold_utf8("AB", 2, out, 3), 2);
	assert_string_equal(out, "ab");
}

/* Over every code point: folding never lengthens, cap = len + 1 always suffices, fold_utf8 agrees
 * with fold_codepoint, and folding is idempotent (a folded name is its own key). */
static void t_never_lengthens_and_idempotent(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		uint32_t f = fold_codepoint(cp);
		assert_true(f <= 0x10FFFF && !(f >= 0xD800 && f <= 0xDFFF));
		assert_int_equal(fold_codepoint(f), f);
		char in[4], want[4], out[5];
		size_t n = utf8_encode(cp, in);
		size_t m = utf8_encode(f, want);
		assert_true(m <= n);
		memset(out, 'x', sizeof(out));
		assert_int_equal(fold_utf8(in, n, out, n + 1), m);
		assert_memory_equal(out, want, m);
		assert_int_equal(out[m], '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_ascii),
		cmocka_unit_test(t_latin1),
		cmocka_unit_test(t_latin_extended_a),
		cmocka_unit_test(t_greek),
		cmocka_unit_test(t_cyrillic),
		cmocka_unit_test(t_other_scripts_unchanged),
		cmocka_unit_test(t_fold_utf8_strings),
		cmocka_unit_test(t_small_cap_cuts_at_character),
		cmocka_unit_test(t_never_lengthens_and_idempotent),
		cmocka_unit_test(t_cyrillic_extended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
