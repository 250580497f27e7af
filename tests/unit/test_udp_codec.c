/* Unit tests for face/udp/udp_codec: the datagram format both ways (docs/protocol.md, "UDP"):
 * lines in a datagram, the UDP words, headers, splitting at UTF-8 boundaries, what a peer reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "face/udp/udp_codec.h"

#define S(s) (s), (sizeof(s) - 1)

static void t_next_line(void **state)
{
	(void)state;
	const char *d = "hola\r\n\nadios\nlast";
	size_t len = strlen(d);
	const char *line;
	size_t n;
	const char *want[] = {"hola", "", "adios", "last"};
	for (int i = 0; i < 4; i++) {
		assert_true(udp_codec_next_line(&d, &len, &line, &n));
		assert_int_equal(n, strlen(want[i]));
		assert_memory_equal(line, want[i], n);
	}
	assert_false(udp_codec_next_line(&d, &len, &line, &n));
	/* A datagram with one line and its LF is one line, not two. */
	d = "hi\n";
	len = 3;
	assert_true(udp_codec_next_line(&d, &len, &line, &n));
	assert_int_equal(n, 2);
	assert_false(udp_codec_next_line(&d, &len, &line, &n));
	/* An empty datagram holds nothing. */
	len = 0;
	assert_false(udp_codec_next_line(&d, &len, &line, &n));
}

static void t_requests(void **state)
{
	(void)state;
	struct udp_hello h;
	assert_int_equal(udp_codec_request(S("hola"), &h), UDP_REQ_LINE);
	assert_int_equal(udp_codec_request(S("/join #dev"), &h), UDP_REQ_LINE);
	assert_int_equal(udp_codec_request(S("//hello ana"), &h), UDP_REQ_LINE);
	assert_int_equal(udp_codec_request(S("/hellothere"), &h), UDP_REQ_LINE);
	assert_int_equal(udp_codec_request(S("/keepalive"), &h), UDP_REQ_KEEPALIVE);
	assert_int_equal(udp_codec_request(S("/KeepAlive   padding"), &h), UDP_REQ_KEEPALIVE);
	assert_int_equal(udp_codec_request(S("/keepalives"), &h), UDP_REQ_LINE);

	assert_int_equal(udp_codec_request(S("/hello"), &h), UDP_REQ_HELLO);
	assert_null(h.name);
	assert_false(h.has_cookie);
	assert_int_equal(udp_codec_request(S("/HELLO   ana          "), &h), UDP_REQ_HELLO);
	assert_int_equal(h.namelen, 3);
	assert_memory_equal(h.name, "ana", 3);
	assert_false(h.has_cookie);
	assert_int_equal(udp_codec_request(S("/hello\tÑandú 0123456789abcdef"), &h), UDP_REQ_HELLO);
	assert_int_equal(h.namelen, strlen("Ñandú"));
	assert_true(h.has_cookie);
	assert_true(h.cookie == 0x0123456789abcdefull);
	assert_int_equal(udp_codec_request(S("/hello ana 0123456789ABCDEF extra words"), &h),
			 UDP_REQ_HELLO);
	assert_true(h.has_cookie);
	assert_true(h.cookie == 0x0123456789abcdefull);
	/* Not 16 hex digits: padding, or a mangled cookie; either way no cookie. */
	assert_int_equal(udp_codec_request(S("/hello ana ------------------"), &h), UDP_REQ_HELLO);
	assert_false(h.has_cookie);
	assert_int_equal(udp_codec_request(S("/hello ana 0123456789abcdeg"), &h), UDP_REQ_HELLO);
	assert_false(h.has_cookie);
	assert_int_equal(udp_codec_request(S("/hello ana 0123456789abcdef0"), &h), UDP_REQ_HELLO);
	assert_false(h.has_cookie);
	/* "-": no name, but a cookie. */
	assert_int_equal(udp_codec_request(S("/hello - 0123456789abcdef"), &h), UDP_REQ_HELLO);
	assert_null(h.name);
	assert_true(h.has_cookie);
	assert_int_equal(udp_codec_request(S("/hello -x"), &h), UDP_REQ_HELLO);
	assert_int_equal(h.namelen, 2);
}

static void t_hello_is_padded_and_parses_back(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	udp_codec_hello(&b, NULL, NULL);
	assert_int_equal(b.len, UDP_HELLO_MIN);
	assert_int_equal(b.data[b.len - 1], '\n');
	buf_clear(&b);
	udp_codec_hello(&b, "ana", NULL);
	assert_int_equal(b.len, UDP_HELLO_MIN);
	assert_int_equal(strncmp(b.data, "/hello ana ", 11), 0);
	buf_clear(&b);
	uint64_t cookie = 0xfedcba9876543210ull;
	udp_codec_hello(&b, NULL, &cookie);
	assert_string_equal(b.data, "/hello - fedcba9876543210\n");
	buf_clear(&b);
	udp_codec_hello(&b, "a-rather-long-name-for-a-hello", &cookie);
	assert_string_equal(b.data, "/hello a-rather-long-name-for-a-hello fedcba9876543210\n");
	struct udp_hello h;
	assert_int_equal(udp_codec_request(b.data, b.len - 1, &h), UDP_REQ_HELLO);
	assert_true(h.has_cookie);
	assert_true(h.cookie == cookie);
	buf_free(&b);
}

static void t_headers(void **state)
{
	(void)state;
	char h[UDP_HEADER_MAX];
	size_t n = udp_codec_header(h, 17, 1, 1);
	assert_int_equal(n, 3);
	assert_memory_equal(h, "17 ", 3);
	n = udp_codec_header(h, 18, 2, 3);
	assert_memory_equal(h, "18:2/3 ", n);
	n = udp_codec_header(h, UINT64_MAX, UDP_MAX_PARTS, UDP_MAX_PARTS);
	assert_int_equal(n, strlen("18446744073709551615:32/32 "));
	assert_true(n < UDP_HEADER_MAX);
	char c[UDP_COOKIE_REPLY + 1] = {0};
	udp_codec_cookie(c, 0xabcull);
	assert_string_equal(c, "COOKIE 0000000000000abc\n");
}

/* Splits line with max and checks the promises: parts within max, on boundaries, in order,
 * joining back to the line (or a prefix of it when cut). Returns the number of parts. */
static unsigned split_ok(const char *line, size_t len, size_t max, bool expect_cut)
{
	size_t ends[UDP_MAX_PARTS];
	bool cut;
	unsigned n = udp_codec_split(line, len, max, ends, &cut);
	assert_true(n >= 1 && n <= UDP_MAX_PARTS);
	assert_int_equal(cut, expect_cut);
	size_t from = 0;
	for (unsigned i = 0; i < n; i++) {
		assert_true(ends[i] >= from);
		assert_true(ends[i] - from <= max);
		if (i + 1 < n || !cut)
			assert_true(ends[i] > from || len == 0);
		/* The part ends on a character boundary. */
		assert_true(ends[i] == len || ((unsigned char)line[ends[i]] & 0xC0) != 0x80);
		assert_true(utf8_is_clean(line + from, ends[i] - from));
		from = ends[i];
	}
	if (cut) {
		size_t last = ends[n - 1] - (n > 1 ? ends[n - 2] : 0);
		assert_true(from < len);
		assert_true(last + strlen(UDP_CUT_MARK) <= max);
	} else {
		assert_int_equal(from, len);
	}
	return n;
}

static void t_split_ascii(void **state)
{
	(void)state;
	char line[5000];
	memset(line, 'x', sizeof(line));
	assert_int_equal(split_ok(line, 0, UDP_PART_MAX, false), 1);
	assert_int_equal(split_ok(line, UDP_PART_MAX, UDP_PART_MAX, false), 1);
	assert_int_equal(split_ok(line, UDP_PART_MAX + 1, UDP_PART_MAX, false), 2);
	assert_int_equal(split_ok(line, 3 * UDP_PART_MAX, UDP_PART_MAX, false), 3);
	assert_int_equal(split_ok(line, 4500, UDP_PART_MAX, false), 4);
	size_t ends[UDP_MAX_PARTS];
	bool cut;
	udp_codec_split(line, 2500, 1000, ends, &cut);
	assert_int_equal(ends[0], 1000);
	assert_int_equal(ends[1], 2000);
	assert_int_equal(ends[2], 2500);
}

static void t_split_utf8_boundaries(void **state)
{
	(void)state;
	/* Two-, three- and four-byte characters against every small max: no part may end inside a
	 * character, whatever the phase. */
	const char *chars[] = {"\xc3\xb1", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
	for (int c = 0; c < 3; c++) {
		struct buf b = BUF_INIT;
		buf_puts(&b, "x");
		for (int i = 0; i < 60; i++)
			buf_puts(&b, chars[c]);
		for (size_t max = 8; max < 40; max++)
			split_ok(b.data, b.len, max, false);
		buf_free(&b);
	}
}

static void t_split_cuts_past_the_last_part(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	for (int i = 0; i < 200; i++)
		buf_puts(&b, "\xc3\xb1");
	/* 400 bytes in parts of 10: 40 parts would be needed. */
	assert_int_equal(split_ok(b.data, b.len, 10, true), UDP_MAX_PARTS);
	size_t ends[UDP_MAX_PARTS];
	bool cut;
	udp_codec_split(b.data, b.len, 10, ends, &cut);
	/* The last part leaves room for the mark (3 bytes), on a boundary. */
	assert_true(ends[UDP_MAX_PARTS - 1] - ends[UDP_MAX_PARTS - 2] <= 10 - 3);
	/* Exactly 32 full parts fit without a cut. */
	assert_int_equal(split_ok(b.data, 320, 10, false), UDP_MAX_PARTS);
	buf_free(&b);
}

static void t_replies(void **state)
{
	(void)state;
	struct udp_parsed p;
	assert_int_equal(udp_codec_reply(S("17 [#lobby] ana: hola\n"), &p), UDP_REPLY_SESSION);
	assert_true(p.seq == 17);
	assert_int_equal(p.part, 1);
	assert_int_equal(p.parts, 1);
	assert_int_equal(p.len, strlen("[#lobby] ana: hola"));
	assert_memory_equal(p.text, "[#lobby] ana: hola", p.len);
	assert_int_equal(udp_codec_reply(S("18:2/3 more text\n"), &p), UDP_REPLY_SESSION);
	assert_true(p.seq == 18);
	assert_int_equal(p.part, 2);
	assert_int_equal(p.parts, 3);
	assert_memory_equal(p.text, "more text", p.len);
	/* An empty part (an empty line) is still a session datagram. */
	assert_int_equal(udp_codec_reply(S("5 \n"), &p), UDP_REPLY_SESSION);
	assert_int_equal(p.len, 0);
	assert_int_equal(udp_codec_reply(S("18446744073709551615 x\n"), &p), UDP_REPLY_SESSION);
	assert_true(p.seq == UINT64_MAX);

	const char *bad[] = {"0 zero\n", "18446744073709551616 overflow\n", "17\n", "17x\n",
			     "17:1/1 one part is not split\n", "17:0/3 x\n", "17:4/3 x\n",
			     "17:1/33 x\n", "17:1/ x\n", "17:/3 x\n", "17:1-3 x\n", "",
			     "COOKIE 123\n", "COOKIE 0123456789abcdefg\n", "HELLO\n", "hola\n",
			     "!no space\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(udp_codec_reply(bad[i], strlen(bad[i]), &p), UDP_REPLY_BAD);

	char c[UDP_COOKIE_REPLY];
	udp_codec_cookie(c, 0x1122334455667788ull);
	assert_int_equal(udp_codec_reply(c, sizeof(c), &p), UDP_REPLY_COOKIE);
	assert_true(p.cookie == 0x1122334455667788ull);
	assert_int_equal(udp_codec_reply(S(UDP_HELLO_AGAIN), &p), UDP_REPLY_HELLO);
	assert_int_equal(udp_codec_reply(S("! The server is busy.\n"), &p), UDP_REPLY_ERROR);
	assert_memory_equal(p.text, "! The server is busy.", p.len);
}

/* What the server builds (header, text, LF) is what a peer parses, part by part, and the parts'
 * texts join back into the line. */
static void t_round_trip(void **state)
{
	(void)state;
	struct buf line = BUF_INIT;
	buf_puts(&line, "[#lobby] ana: ");
	for (int i = 0; i < 700; i++)
		buf_puts(&line, i % 3 ? "\xc3\xa9" : "\xe2\x82\xac");
	size_t ends[UDP_MAX_PARTS];
	bool cut;
	unsigned n = udp_codec_split(line.data, line.len, UDP_PART_MAX, ends, &cut);
	assert_true(n > 1);
	struct buf joined = BUF_INIT;
	size_t from = 0;
	for (unsigned i = 0; i < n; i++) {
		char dg[UDP_SAFE_PAYLOAD + 1];
		size_t hl = udp_codec_header(dg, 100 + i, i + 1, n);
		memcpy(dg + hl, line.data + from, ends[i] - from);
		size_t len = hl + ends[i] - from;
		dg[len++] = '\n';
		assert_true(len <= UDP_SAFE_PAYLOAD);
		struct udp_parsed p;
		assert_int_equal(udp_codec_reply(dg, len, &p), UDP_REPLY_SESSION);
		assert_true(p.seq == 100 + i);
		assert_int_equal(p.part, i + 1);
		assert_int_equal(p.parts, n);
		buf_append(&joined, p.text, p.len);
		from = ends[i];
	}
	assert_int_equal(joined.len, line.len);
	assert_memory_equal(joined.data, line.data, line.len);
	buf_free(&joined);
	buf_free(&line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_next_line),
		cmocka_unit_test(t_requests),
		cmocka_unit_test(t_hello_is_padded_and_parses_back),
		cmocka_unit_test(t_headers),
		cmocka_unit_test(t_split_ascii),
		cmocka_unit_test(t_split_utf8_boundaries),
		cmocka_unit_test(t_split_cuts_past_the_last_part),
		cmocka_unit_test(t_replies),
		cmocka_unit_test(t_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
