/* Unit tests for base/utf8: decoding with maximal-subpart replacement, sanitising and the clean
 * predicate, which must agree with each other on any input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/utf8.h"

#define REPL "\xEF\xBF\xBD"

/* Decodes all of s into "U+XXXX/n" items (n = bytes consumed, '!' after an invalid one). */
static void decode_all(const char *s, size_t len, struct buf *out)
{
	buf_clear(out);
	size_t i = 0;
	while (i < len) {
		uint32_t cp = 0xDEADBEEF;
		bool valid = false;
		size_t n = utf8_decode(s + i, len - i, &cp, &valid);
		assert_true(n >= 1 && n <= 4 && n <= len - i);
		if (!valid)
			assert_int_equal(cp, UTF8_REPLACEMENT);
		buf_printf(out, "%s%04X/%zu%s", out->len ? " " : "", (unsigned)cp, n, valid ? "" : "!");
		i += n;
	}
}

#define DECODES(lit, expect)                                    \
	do {                                                    \
		decode_all((lit), sizeof(lit) - 1, &got);       \
		assert_string_equal(got.data ? got.data : "", (expect)); \
	} while (0)

static void t_decode_valid(void **state)
{
	(void)state;
	struct buf got = BUF_INIT;
	DECODES("A", "0041/1");
	DECODES("\x7F", "007F/1");
	DECODES("\xC2\x80", "0080/2");
	DECODES("\xC3\xB1", "00F1/2");
	DECODES("\xDF\xBF", "07FF/2");
	DECODES("\xE0\xA0\x80", "0800/3");
	DECODES("\xE2\x82\xAC", "20AC/3");
	DECODES("\xED\x9F\xBF", "D7FF/3");
	DECODES("\xEE\x80\x80", "E000/3");
	DECODES("\xEF\xBF\xBF", "FFFF/3");
	DECODES("\xF0\x90\x80\x80", "10000/4");
	DECODES("\xF0\x9F\x98\x80", "1F600/4");
	DECODES("\xF4\x8F\xBF\xBF", "10FFFF/4");
	DECODES("a\xC3\xB1" "b", "0061/1 00F1/2 0062/1");
	/* NUL is a code point like any other: the length, not a terminator, ends the text. */
	decode_all("\0x", 2, &got);
	assert_string_equal(got.data, "0000/1 0078/1");
	buf_free(&got);
}

static void t_decode_invalid_maximal_subparts(void **state)
{
	(void)state;
	struct buf got = BUF_INIT;
	/* Overlongs: the lead byte alone is ill-formed, each byte is one replacement. */
	DECODES("\xC0\x80", "FFFD/1! FFFD/1!");
	DECODES("\xC1\xBF", "FFFD/1! FFFD/1!");
	DECODES("\xE0\x80\x80", "FFFD/1! FFFD/1! FFFD/1!");
	DECODES("\xE0\x9F\xBF", "FFFD/1! FFFD/1! FFFD/1!");
	DECODES("\xF0\x80\x80\x80", "FFFD/1! FFFD/1! FFFD/1! FFFD/1!");
	DECODES("\xF0\x8F\xBF\xBF", "FFFD/1! FFFD/1! FFFD/1! FFFD/1!");
	/* Surrogates. */
	DECODES("\xED\xA0\x80", "FFFD/1! FFFD/1! FFFD/1!");
	DECODES("\xED\xBF\xBF", "FFFD/1! FFFD/1! FFFD/1!");
	/* Past U+10FFFF, and bytes that never start anything. */
	DECODES("\xF4\x90\x80\x80", "FFFD/1! FFFD/1! FFFD/1! FFFD/1!");
	DECODES("\xF5\x80\x80\x80", "FFFD/1! FFFD/1! FFFD/1! FFFD/1!");
	DECODES("\xF8\x88\x80\x80\x80", "FFFD/1! FFFD/1! FFFD/1! FFFD/1! FFFD/1!");
	DECODES("\xFE\xFF", "FFFD/1! FFFD/1!");
	DECODES("\x80", "FFFD/1!");
	DECODES("\xBF" "a", "FFFD/1! 0061/1");
	/* Truncated sequences: the valid prefix is one replacement and the next character survives. */
	DECODES("\xE2\x82" "A", "FFFD/2! 0041/1");
	DECODES("\xE2\x82", "FFFD/2!");
	DECODES("\xF0\x9F\x98", "FFFD/3!");
	DECODES("\xF0\x9F\x98" "x", "FFFD/3! 0078/1");
	DECODES("\xF0\x9F" "x", "FFFD/2! 0078/1");
	DECODES("\xC3", "FFFD/1!");
	DECODES("\xC3" "\xC3\xB1", "FFFD/1! 00F1/2");
	DECODES("\xE2\x28\xA1", "FFFD/1! 0028/1 FFFD/1!");
	DECODES("\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41",
		"FFFD/2! FFFD/1! FFFD/3! FFFD/2! 0041/1");
	buf_free(&got);
}

static void t_encode_roundtrip_every_code_point(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		char enc[4];
		size_t n = utf8_encode(cp, enc);
		size_t want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		assert_int_equal(n, want);
		uint32_t back;
		bool valid;
		assert_int_equal(utf8_decode(enc, n, &back, &valid), n);
		assert_true(valid);
		assert_int_equal(back, cp);
		/* Every proper prefix of a multibyte character is one truncated sequence. */
		if (n > 1) {
			assert_int_equal(utf8_decode(enc, n - 1, &back, &valid), n - 1);
			assert_false(valid);
		}
	}
}

static void t_is_control(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp < 0x20; cp++)
		assert_int_equal(utf8_is_control(cp), cp != '\t');
	for (uint32_t cp = 0x20; cp < 0x7F; cp++)
		assert_false(utf8_is_control(cp));
	for (uint32_t cp = 0x7F; cp <= 0x9F; cp++)
		assert_true(utf8_is_control(cp));
	assert_false(utf8_is_control(0xA0));
	assert_false(utf8_is_control(0xFFFD));
	assert_false(utf8_is_control(0x1F600));
}

static void check_sanitize(const char *in, size_t len, const char *expect, size_t expect_repl)
{
	struct buf out = BUF_INIT;
	size_t r = utf8_sanitize(in, len, &out);
	assert_int_equal(r, expect_repl);
	assert_int_equal(out.len, strlen(expect));
	assert_memory_equal(out.data, expect, out.len);
	assert_true(utf8_is_clean(out.data, out.len));
	assert_int_equal(utf8_is_clean(in, len), expect_repl == 0);
	buf_free(&out);
}

#define SANITIZES(lit, expect, n) check_sanitize((lit), sizeof(lit) - 1, (expect), (n))

static void t_sanitize(void **state)
{
	(void)state;
	/* Terminal escapes lose their ESC. */
	SANITIZES("\x1b[31mred\x1b[0m", REPL "[31mred" REPL "[0m", 2);
	SANITIZES("\x1b]0;title\x07", REPL "]0;title" REPL, 2);
	/* Every C0 control but TAB, DEL, and C1 controls. */
	SANITIZES("a\tb", "a\tb", 0);
	SANITIZES("a\rb\nc", "a" REPL "b" REPL "c", 2);
	SANITIZES("\x01\x1f\x7f", REPL REPL REPL, 3);
	SANITIZES("\xC2\x80" "x\xC2\x9B" "y\xC2\x9F", REPL "x" REPL "y" REPL, 3);
	SANITIZES("\xC2\xA0", "\xC2\xA0", 0);
	/* NUL inside the text. */
	check_sanitize("a\0b", 3, "a" REPL "b", 1);
	/* Ill-formed sequences, one replacement per maximal subpart. */
	SANITIZES("\xE2\x82" "A", REPL "A", 1);
	SANITIZES("\xC0\x80", REPL REPL, 2);
	SANITIZES("\xED\xA0\x80", REPL REPL REPL, 3);
	SANITIZES("\xF4\x90\x80\x80", REPL REPL REPL REPL, 4);
	/* Clean text is byte-identical. */
	SANITIZES("hola \xC3\xB1" "and\xC3\xBA \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD\t!",
		  "hola \xC3\xB1" "and\xC3\xBA \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBD\t!", 0);
	SANITIZES("", "", 0);

	/* Sanitize appends to what the buffer already holds. */
	struct buf out = BUF_INIT;
	buf_puts(&out, "pre:");
	assert_int_equal(utf8_sanitize("\x1b" "x", 2, &out), 1);
	assert_string_equal(out.data, "pre:" REPL "x");
	buf_free(&out);
}

static void t_count(void **state)
{
	(void)state;
	assert_int_equal(utf8_count("", 0), 0);
	assert_int_equal(utf8_count("abc", 3), 3);
	assert_int_equal(utf8_count("\xC3\xB1" "and\xC3\xBA", 7), 5);
	assert_int_equal(utf8_count("\xF0\x9F\x98\x80\xE2\x82\xAC", 7), 2);
	assert_int_equal(utf8_count("\xE2\x82" "A", 3), 2);
	assert_int_equal(utf8_count("\xC0\x80", 2), 2);
}

static uint64_t rng_state = 0xC0FFEE1234ABCDEFull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Bytes chosen to hit the interesting cases often: lead bytes with special second-byte ranges,
 * continuation bytes at range edges, controls, and plain text. */
static unsigned char interesting_byte(void)
{
	static const unsigned char pick[] = {
		'a', ' ', '~', '\t', '\n', '\r', 0x00, 0x1B, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
		0xBF, 0xC0, 0xC1, 0xC2, 0xC3, 0xDF, 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xEF, 0xF0,
		0xF1, 0xF4, 0xF5, 0xF8, 0xFE, 0xFF,
	};
	if (rng() % 3 == 0)
		return (unsigned char)rng();
	return pick[rng() % sizeof(pick)];
}

static void t_clean_agrees_with_sanitize(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	struct buf again = BUF_INIT;
	unsigned clean_seen = 0;
	for (int round = 0; round < 300000; round++) {
		char s[24];
		size_t len = (size_t)(rng() % sizeof(s));
		for (size_t i = 0; i < len; i++)
			s[i] = (char)interesting_byte();
		if (round % 4 == 0) {
			/* Valid UTF-8 made of random code points, some of them controls. */
			len = 0;
			while (len + 4 <= sizeof(s) && rng() % 8) {
				uint32_t cp = (uint32_t)(rng() % 0x110000);
				if (rng() % 2)
					cp &= 0xFF;
				if (cp >= 0xD800 && cp <= 0xDFFF)
					cp = 'x';
				len += utf8_encode(cp, s + len);
			}
		}
		buf_clear(&out);
		size_t r = utf8_sanitize(s, len, &out);
		bool same = out.len == len && (len == 0 || memcmp(out.data, s, len) == 0);
		bool clean = utf8_is_clean(s, len);
		assert_int_equal(clean, same);
		assert_int_equal(r == 0, same);
		clean_seen += clean;
		/* The output is always clean, and sanitising it again changes nothing. */
		assert_true(utf8_is_clean(out.data ? out.data : "", out.len));
		buf_clear(&again);
		assert_int_equal(utf8_sanitize(out.data ? out.data : "", out.len, &again), 0);
		assert_int_equal(again.len, out.len);
		if (out.len)
			assert_memory_equal(again.data, out.data, out.len);
		/* Each replacement is 3 bytes standing for 1 to 4 input bytes. */
		assert_true(out.len >= r * 3 && out.len <= len + 2 * r);
		/* The number of code points is kept: each character or subpart is one. */
		assert_int_equal(utf8_count(out.data ? out.data : "", out.len), utf8_count(s, len));
	}
	/* The generator must have produced both kinds, or the loop proved nothing. */
	assert_true(clean_seen > 1000);
	assert_true(clean_seen < 290000);
	buf_free(&out);
	buf_free(&again);
}

static void t_boundary_never_splits(void **state)
{
	(void)state;
	/* a ñ € 😀 b ñ 😀 € */
	const char s[] = "a\xC3\xB1\xE2\x82\xAC\xF0\x9F\x98\x80" "b\xC3\xB1\xF0\x9F\x98\x80\xE2\x82\xAC";
	size_t len = sizeof(s) - 1;
	bool at_boundary[sizeof(s)] = {false};
	for (size_t i = 0; i < len;) {
		at_boundary[i] = true;
		uint32_t cp;
		bool valid;
		i += utf8_decode(s + i, len - i, &cp, &valid);
		assert_true(valid);
	}
	at_boundary[len] = true;
	for (size_t max = 0; max <= len + 3; max++) {
		size_t n = utf8_boundary(s, len, max);
		assert_true(n <= max && n <= len);
		assert_true(at_boundary[n]);
		/* And it is the largest such boundary. */
		for (size_t k = n + 1; k <= max && k <= len; k++)
			assert_false(at_boundary[k]);
	}
	assert_int_equal(utf8_boundary(s, len, len), len);
	assert_int_equal(utf8_boundary(s, len, 2), 1);
	assert_int_equal(utf8_boundary(s, len, 3), 3);
	assert_int_equal(utf8_boundary("", 0, 10), 0);
}

static void t_is_clean_edges(void **state)
{
	(void)state;
	assert_true(utf8_is_clean("", 0));
	assert_true(utf8_is_clean("\t", 1));
	assert_false(utf8_is_clean("\x1b", 1));
	assert_false(utf8_is_clean("abc\x7f", 4));
	assert_false(utf8_is_clean("\xC2\x85", 2)); /* NEL, a C1 control */
	assert_true(utf8_is_clean("\xC2\xA0", 2));
	/* The length bounds the check: a bad byte just past it does not count. */
	assert_true(utf8_is_clean("ok\x1b", 2));
	/* A character cut by the length is not clean. */
	assert_false(utf8_is_clean("\xC3\xB1", 1));
}

static void t_valid_allows_controls(void **state)
{
	(void)state;
	assert_true(utf8_is_valid("", 0));
	assert_true(utf8_is_valid("plain", 5));
	assert_true(utf8_is_valid("\x02" "bold\x03" "4 \x1b\x7f\x01", 11));
	assert_true(utf8_is_valid("\xC3\xB1" "and\xC3\xBA \xF0\x9F\x98\x80", 12));
	assert_false(utf8_is_valid("\xC3", 1));           /* cut */
	assert_false(utf8_is_valid("a\xFF" "b", 3));        /* never UTF-8 */
	assert_false(utf8_is_valid("\xC0\xAF", 2));       /* overlong */
	assert_false(utf8_is_valid("\xED\xA0\x80", 3));   /* a surrogate */
	assert_false(utf8_is_valid("\xF4\x90\x80\x80", 4)); /* past U+10FFFF */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_valid_allows_controls),
		cmocka_unit_test(t_decode_valid),
		cmocka_unit_test(t_decode_invalid_maximal_subparts),
		cmocka_unit_test(t_encode_roundtrip_every_code_point),
		cmocka_unit_test(t_is_control),
		cmocka_unit_test(t_sanitize),
		cmocka_unit_test(t_count),
		cmocka_unit_test(t_clean_agrees_with_sanitize),
		cmocka_unit_test(t_boundary_never_splits),
		cmocka_unit_test(t_is_clean_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
