/* Unit tests for net/linebuf: line framing over arbitrary read splits.
 *
 * Every event the callback sees is appended to a log string ("L<len>:<bytes>" for a line, "T" for a
 * too-long report), so that two runs can be compared as strings. Each piece of input is copied into
 * its own heap block and freed right after linebuf_feed, so AddressSanitizer catches a linebuf that
 * keeps a pointer into a caller's buffer or reads past a piece. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "net/linebuf.h"

struct rec {
	struct buf log;
	size_t max;
	unsigned events;
	unsigned stop_every; /* stop after every n-th event; 0 = never */
	unsigned stop_at;    /* stop after exactly this event (1-based); 0 = never */
};

static void rec_init(struct rec *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->log);
	r->max = max;
}

static bool rec_cb(void *arg, enum linebuf_event ev, char *line, size_t len)
{
	struct rec *r = arg;
	r->events++;
	if (ev == LINEBUF_LINE) {
		assert_true(len <= r->max);
		assert_true(len == 0 || line != NULL);
		buf_printf(&r->log, "L%zu:", len);
		buf_append(&r->log, line, len);
	} else {
		assert_int_equal(ev, LINEBUF_TOO_LONG);
		/* The reported length may be what was seen so far, but it is always past the limit. */
		assert_true(len > r->max);
		buf_putc(&r->log, 'T');
	}
	if (r->stop_at && r->events == r->stop_at)
		return false;
	if (r->stop_every && r->events % r->stop_every == 0)
		return false;
	return true;
}

/* Feeds one piece from a fresh heap copy; resumes while the callback keeps stopping. */
static void feed_piece(struct linebuf *lb, struct rec *r, const char *p, size_t n, bool resume)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, p, n);
	bool go = linebuf_feed(lb, copy, n, rec_cb, r);
	free(copy);
	while (!go && resume)
		go = linebuf_resume(lb, rec_cb, r);
}

/* Runs `in` split at the given cut positions (ascending) and returns the log (caller frees) and the
 * pending byte count. */
static char *run_cuts(const char *in, size_t len, size_t max, const size_t *cuts, size_t ncuts,
		      unsigned stop_every, size_t *pending)
{
	struct linebuf lb;
	struct rec r;
	linebuf_init(&lb, max);
	rec_init(&r, max);
	r.stop_every = stop_every;
	size_t at = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		feed_piece(&lb, &r, in + at, end - at, true);
		at = end;
	}
	*pending = linebuf_pending(&lb);
	if (*pending == 0)
		assert_null(lb.data);
	linebuf_free(&lb);
	char *out = strdup(r.log.data ? r.log.data : "");
	buf_free(&r.log);
	return out;
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Checks that every way of splitting `in` gives the log `expect` and `expect_pending` kept bytes:
 * one piece, every two-piece split, every three-piece split (for short inputs), byte by byte, and
 * random splits, each with and without the callback stopping now and then. */
static void check_all_splits(const char *in, size_t len, size_t max, const char *expect,
			     size_t expect_pending)
{
	size_t pending;
	char *got;
	for (unsigned stop = 0; stop <= 3; stop++) {
		got = run_cuts(in, len, max, NULL, 0, stop, &pending);
		assert_string_equal(got, expect);
		assert_int_equal(pending, expect_pending);
		free(got);

		for (size_t c = 0; c <= len; c++) {
			got = run_cuts(in, len, max, &c, 1, stop, &pending);
			assert_string_equal(got, expect);
			assert_int_equal(pending, expect_pending);
			free(got);
		}
		if (len <= 80) {
			for (size_t a = 0; a <= len; a++) {
				for (size_t b = a; b <= len; b++) {
					size_t cuts[2] = {a, b};
					got = run_cuts(in, len, max, cuts, 2, stop, &pending);
					assert_string_equal(got, expect);
					assert_int_equal(pending, expect_pending);
					free(got);
				}
			}
		}
		size_t *cuts = malloc((len + 1) * sizeof(*cuts));
		assert_non_null(cuts);
		for (size_t i = 0; i < len; i++)
			cuts[i] = i + 1;
		got = run_cuts(in, len, max, cuts, len ? len - 1 : 0, stop, &pending);
		assert_string_equal(got, expect);
		assert_int_equal(pending, expect_pending);
		free(got);

		rng_state = 0x9E3779B97F4A7C15ull + stop;
		for (int round = 0; round < 200; round++) {
			size_t n = 0;
			size_t at = 0;
			while (at < len) {
				at += 1 + rng() % 7;
				if (at < len)
					cuts[n++] = at;
			}
			got = run_cuts(in, len, max, cuts, n, stop, &pending);
			assert_string_equal(got, expect);
			assert_int_equal(pending, expect_pending);
			free(got);
		}
		free(cuts);
	}
}

#define CHECK(in, max, expect, pending) check_all_splits((in), sizeof(in) - 1, (max), (expect), (pending))

static void t_simple_lines(void **state)
{
	(void)state;
	CHECK("hola\nque tal\n", 16, "L4:holaL7:que tal", 0);
	CHECK("a\nb", 16, "L1:a", 1);
	CHECK("", 16, "", 0);
	CHECK("no newline at all", 32, "", 17);
}

static void t_empty_lines(void **state)
{
	(void)state;
	CHECK("\n\r\n\n", 16, "L0:L0:L0:", 0);
}

static void t_crlf_one_cr_only(void **state)
{
	(void)state;
	CHECK("ab\r\n", 16, "L2:ab", 0);
	CHECK("ab\r\r\n", 16, "L3:ab\r", 0);
	CHECK("a\rb\n", 16, "L3:a\rb", 0);
	CHECK("\r\r\n", 16, "L1:\r", 0);
	/* A CR at the end of a partial line stays pending: the LF may still come. */
	CHECK("ab\r", 16, "", 3);
}

static void t_limit_boundary(void **state)
{
	(void)state;
	/* Exactly max bytes is fine, max + 1 is too long, with or without the CR. */
	CHECK("12345\n", 5, "L5:12345", 0);
	CHECK("12345\r\n", 5, "L5:12345", 0);
	CHECK("123456\n", 5, "T", 0);
	CHECK("123456\r\n", 5, "T", 0);
	/* A CR that is not removed counts as a byte. */
	CHECK("1234\r\r\n", 5, "L5:1234\r", 0);
	CHECK("12345\r\r\n", 5, "T", 0);
	/* A limit of zero still takes empty lines. */
	CHECK("\n\r\nx\n\n", 0, "L0:L0:TL0:", 0);
}

static void t_too_long_once_then_next_lines(void **state)
{
	(void)state;
	char in[200];
	size_t n = 0;
	memcpy(in + n, "ok\n", 3);
	n += 3;
	memset(in + n, 'x', 100);
	n += 100;
	memcpy(in + n, "\nnext\r\nyy", 9);
	n += 9;
	check_all_splits(in, n, 8, "L2:okTL4:next", 2);
	/* Two too-long lines in a row are two reports; a too-long line without LF yet is reported
	 * once and then swallowed as it grows. */
	CHECK("aaaaaaaaaaaa\nbbbbbbbbbbbb\nc\n", 4, "TTL1:c", 0);
	CHECK("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 4, "T", 0);
	CHECK("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r", 4, "T", 0);
}

static void t_mixed_stream(void **state)
{
	(void)state;
	CHECK("uno\r\ndos\n\ntres es largo\r\ncuatro\r\r\n\xC3\xB1" "and\xC3\xBA\nfin", 10,
	      "L3:unoL3:dosL0:TL7:cuatro\rL7:\xC3\xB1" "and\xC3\xBA", 3);
}

static bool count_cb(void *arg, enum linebuf_event ev, char *line, size_t len)
{
	(void)ev;
	(void)line;
	(void)len;
	(*(unsigned *)arg)++;
	return true;
}

static void t_byte_by_byte_long_line_reports_once(void **state)
{
	(void)state;
	struct linebuf lb;
	linebuf_init(&lb, 16);
	unsigned calls = 0;
	for (int i = 0; i < 10000; i++) {
		char c = 'z';
		assert_true(linebuf_feed(&lb, &c, 1, count_cb, &calls));
		/* Storage never grows past the limit plus the CR allowance. */
		assert_true(linebuf_pending(&lb) <= 17);
	}
	assert_int_equal(calls, 1);
	assert_int_equal(linebuf_pending(&lb), 0);
	assert_null(lb.data);
	char nl = '\n';
	assert_true(linebuf_feed(&lb, &nl, 1, count_cb, &calls));
	assert_int_equal(calls, 1); /* the LF only ends the discarded line */
	char ok[] = "ok\n";
	assert_true(linebuf_feed(&lb, ok, 3, count_cb, &calls));
	assert_int_equal(calls, 2);
	linebuf_free(&lb);
}

static void t_stop_keeps_rest_and_resume_delivers(void **state)
{
	(void)state;
	struct linebuf lb;
	struct rec r;
	linebuf_init(&lb, 64);
	rec_init(&r, 64);
	r.stop_at = 1;
	char in[] = "a\nb\nc\npart";
	assert_false(linebuf_feed(&lb, in, sizeof(in) - 1, rec_cb, &r));
	assert_string_equal(r.log.data, "L1:a");
	assert_true(lb.paused);
	assert_int_equal(linebuf_pending(&lb), 8); /* "b\nc\npart" */

	/* While paused, more input is only kept: no callback. */
	char more[] = "ial\nd\n";
	assert_false(linebuf_feed(&lb, more, sizeof(more) - 1, rec_cb, &r));
	assert_int_equal(r.events, 1);
	assert_int_equal(linebuf_pending(&lb), 14);

	assert_true(linebuf_resume(&lb, rec_cb, &r));
	assert_false(lb.paused);
	assert_string_equal(r.log.data, "L1:aL1:bL1:cL7:partialL1:d");
	assert_int_equal(linebuf_pending(&lb), 0);
	assert_null(lb.data);

	/* Resume with nothing kept is harmless. */
	assert_true(linebuf_resume(&lb, rec_cb, &r));
	assert_int_equal(r.events, 5);
	linebuf_free(&lb);
	buf_free(&r.log);
}

static void t_stop_inside_resume(void **state)
{
	(void)state;
	struct linebuf lb;
	struct rec r;
	linebuf_init(&lb, 64);
	rec_init(&r, 64);
	r.stop_every = 1; /* stop after every line */
	char in[] = "1\n2\n3\n4";
	assert_false(linebuf_feed(&lb, in, sizeof(in) - 1, rec_cb, &r));
	assert_string_equal(r.log.data, "L1:1");
	assert_false(linebuf_resume(&lb, rec_cb, &r));
	assert_string_equal(r.log.data, "L1:1L1:2");
	assert_int_equal(linebuf_pending(&lb), 3); /* "3\n4" */
	assert_false(linebuf_resume(&lb, rec_cb, &r));
	assert_string_equal(r.log.data, "L1:1L1:2L1:3");
	/* Only the partial "4" is left: resuming delivers nothing and does not stop. */
	assert_true(linebuf_resume(&lb, rec_cb, &r));
	assert_int_equal(linebuf_pending(&lb), 1);
	char end[] = "\n";
	assert_false(linebuf_feed(&lb, end, 1, rec_cb, &r));
	assert_string_equal(r.log.data, "L1:1L1:2L1:3L1:4");
	assert_int_equal(linebuf_pending(&lb), 0);
	assert_null(lb.data);
	linebuf_free(&lb);
	buf_free(&r.log);
}

static void t_stop_on_kept_partial_line(void **state)
{
	(void)state;
	struct linebuf lb;
	struct rec r;
	linebuf_init(&lb, 64);
	rec_init(&r, 64);
	r.stop_at = 1;
	char a[] = "ab";
	assert_true(linebuf_feed(&lb, a, 2, rec_cb, &r));
	assert_int_equal(linebuf_pending(&lb), 2);
	char b[] = "c\nd\ne\n";
	assert_false(linebuf_feed(&lb, b, sizeof(b) - 1, rec_cb, &r));
	assert_string_equal(r.log.data, "L3:abc");
	assert_int_equal(linebuf_pending(&lb), 4);
	assert_true(linebuf_resume(&lb, rec_cb, &r));
	assert_string_equal(r.log.data, "L3:abcL1:dL1:e");
	assert_null(lb.data);
	linebuf_free(&lb);
	buf_free(&r.log);
}

static void t_stop_on_too_long(void **state)
{
	(void)state;
	struct linebuf lb;
	struct rec r;
	linebuf_init(&lb, 3);
	rec_init(&r, 3);
	r.stop_at = 1;
	/* Too long within one piece. */
	char in[] = "abcdef\nok\n";
	assert_false(linebuf_feed(&lb, in, sizeof(in) - 1, rec_cb, &r));
	assert_string_equal(r.log.data, "T");
	assert_int_equal(linebuf_pending(&lb), 3);
	assert_true(linebuf_resume(&lb, rec_cb, &r));
	assert_string_equal(r.log.data, "TL2:ok");
	linebuf_free(&lb);
	buf_free(&r.log);

	/* Too long while still partial: the rest of that line is swallowed after the resume. */
	linebuf_init(&lb, 3);
	rec_init(&r, 3);
	r.stop_at = 1;
	char p1[] = "abcdef";
	assert_false(linebuf_feed(&lb, p1, sizeof(p1) - 1, rec_cb, &r));
	assert_string_equal(r.log.data, "T");
	char p2[] = "ghi\nok\n";
	assert_false(linebuf_feed(&lb, p2, sizeof(p2) - 1, rec_cb, &r)); /* paused: kept */
	assert_string_equal(r.log.data, "T");
	assert_true(linebuf_resume(&lb, rec_cb, &r));
	assert_string_equal(r.log.data, "TL2:ok");
	assert_null(lb.data);
	linebuf_free(&lb);
	buf_free(&r.log);
}

static void t_storage_released(void **state)
{
	(void)state;
	struct linebuf lb;
	unsigned calls = 0;
	linebuf_init(&lb, 64);
	assert_null(lb.data);
	char a[] = "whole\n";
	linebuf_feed(&lb, a, sizeof(a) - 1, count_cb, &calls);
	assert_null(lb.data); /* complete lines are passed in place, nothing is stored */
	char b[] = "par";
	linebuf_feed(&lb, b, sizeof(b) - 1, count_cb, &calls);
	assert_non_null(lb.data);
	char c[] = "tial\nmore\n";
	linebuf_feed(&lb, c, sizeof(c) - 1, count_cb, &calls);
	assert_int_equal(calls, 3);
	assert_null(lb.data);
	assert_int_equal(lb.len, 0);
	assert_int_equal(lb.cap, 0);
	linebuf_free(&lb);
}

static bool upcase_cb(void *arg, enum linebuf_event ev, char *line, size_t len)
{
	struct rec *r = arg;
	for (size_t i = 0; i < len; i++)
		if (line[i] >= 'a' && line[i] <= 'z')
			line[i] = (char)(line[i] - 32);
	return rec_cb(r, ev, line, len);
}

static void t_callback_may_write_line(void **state)
{
	(void)state;
	struct linebuf lb;
	struct rec r;
	linebuf_init(&lb, 64);
	rec_init(&r, 64);
	char a[] = "ab\ncd";
	linebuf_feed(&lb, a, sizeof(a) - 1, upcase_cb, &r);
	char b[] = "e\n";
	linebuf_feed(&lb, b, sizeof(b) - 1, upcase_cb, &r);
	assert_string_equal(r.log.data, "L2:ABL3:CDE");
	linebuf_free(&lb);
	buf_free(&r.log);
}

/* A pause ends a partial line (linebuf_take): the bytes move out without a trailing CR, a
 * too-long line stops being discarded, and nothing is taken while paused. */
static void t_take_partial(void **state)
{
	(void)state;
	struct linebuf lb;
	struct rec r;
	struct buf out = BUF_INIT;
	linebuf_init(&lb, 8);
	rec_init(&r, 8);
	feed_piece(&lb, &r, "one\ntwo", 7, false);
	assert_int_equal(linebuf_take(&lb, &out), 3);
	assert_memory_equal(out.data, "two", 3);
	assert_null(lb.data);
	assert_int_equal(linebuf_take(&lb, &out), 0);
	feed_piece(&lb, &r, "x\r", 2, false);
	buf_clear(&out);
	assert_int_equal(linebuf_take(&lb, &out), 1);
	assert_memory_equal(out.data, "x", 1);
	/* A partial line past the limit is reported and discarded up to the next LF, or the pause. */
	feed_piece(&lb, &r, "0123456789", 10, false);
	buf_clear(&out);
	assert_int_equal(linebuf_take(&lb, &out), 0);
	feed_piece(&lb, &r, "ok\n", 3, false);
	assert_string_equal(r.log.data, "L3:oneTL2:ok");
	/* While paused, kept input may hold whole lines: nothing is taken. */
	r.stop_at = r.events + 1;
	feed_piece(&lb, &r, "a\nb", 3, false);
	assert_int_equal(linebuf_take(&lb, &out), 0);
	assert_int_equal(linebuf_pending(&lb), 1);
	assert_true(linebuf_resume(&lb, rec_cb, &r));
	assert_int_equal(linebuf_take(&lb, &out), 1);
	linebuf_free(&lb);
	buf_free(&r.log);
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_simple_lines),
		cmocka_unit_test(t_empty_lines),
		cmocka_unit_test(t_crlf_one_cr_only),
		cmocka_unit_test(t_limit_boundary),
		cmocka_unit_test(t_too_long_once_then_next_lines),
		cmocka_unit_test(t_mixed_stream),
		cmocka_unit_test(t_byte_by_byte_long_line_reports_once),
		cmocka_unit_test(t_stop_keeps_rest_and_resume_delivers),
		cmocka_unit_test(t_stop_inside_resume),
		cmocka_unit_test(t_stop_on_kept_partial_line),
		cmocka_unit_test(t_stop_on_too_long),
		cmocka_unit_test(t_storage_released),
		cmocka_unit_test(t_callback_may_write_line),
		cmocka_unit_test(t_take_partial),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
