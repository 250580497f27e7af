/* Unit tests for ai/sse: the Server-Sent Events parser over arbitrary splits.
 *
 * Every event the callback sees is appended to a log string ("<type>[data]"), so that runs can be
 * compared as strings. Each check feeds the stream whole, byte by byte, split in two at every
 * offset and split in three at every pair of offsets (short streams), and expects the same log and
 * the same end state every time. Each piece is a fresh heap copy freed right after sse_feed, so
 * AddressSanitizer catches a parser that keeps a pointer into a caller's buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ai/sse.h"
#include "base/buf.h"

struct rec {
	struct buf log;
	unsigned events;
	unsigned stop_at; /* return false from this event on (1-based); 0 = never */
};

static bool rec_cb(void *arg, const struct sse_event *ev)
{
	struct rec *r = arg;
	r->events++;
	assert_non_null(ev->type);
	assert_non_null(ev->data);
	assert_int_equal(ev->data[ev->len], '\0');
	buf_printf(&r->log, "<%s>[", ev->type);
	buf_append(&r->log, ev->data, ev->len);
	buf_putc(&r->log, ']');
	return !(r->stop_at && r->events >= r->stop_at);
}

static enum sse_status feed_piece(struct sse *p, struct rec *r, const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	enum sse_status st = sse_feed(p, copy, n, rec_cb, r);
	free(copy);
	return st;
}

/* Runs the stream cut at the given offsets (ascending, within [0, n]); returns the final status
 * (sse_finish's if every feed returned SSE_OK) and leaves the log in r. */
static enum sse_status run_cuts(const char *s, size_t n, size_t max, const size_t *cuts,
                                size_t ncuts, struct rec *r, unsigned stop_at)
{
	struct sse p;
	sse_init(&p, max);
	buf_init(&r->log);
	r->events = 0;
	r->stop_at = stop_at;
	size_t at = 0;
	enum sse_status st = SSE_OK;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		st = feed_piece(&p, r, s + at, end - at);
		at = end;
	}
	if (st == SSE_OK)
		st = sse_finish(&p);
	else
		assert_int_equal(sse_finish(&p), st);
	sse_free(&p);
	return st;
}

static void expect_log(const struct rec *r, const char *want)
{
	const char *got = r->log.data ? r->log.data : "";
	if (strcmp(got, want) != 0)
		fail_msg("events\n got: \"%s\"\nwant: \"%s\"", got, want);
}

/* The check itself: every way of cutting s gives the log `want` and the end status `end`. */
static void check_max(const char *s, size_t n, size_t max, const char *want, enum sse_status end,
                      unsigned stop_at)
{
	struct rec r;
	assert_int_equal(run_cuts(s, n, max, NULL, 0, &r, stop_at), end);
	expect_log(&r, want);
	buf_free(&r.log);

	size_t *cuts = malloc((n + 1) * sizeof(*cuts));
	assert_non_null(cuts);
	for (size_t i = 0; i <= n; i++)
		cuts[i] = i;
	assert_int_equal(run_cuts(s, n, max, cuts, n, &r, stop_at), end);
	expect_log(&r, want);
	buf_free(&r.log);
	free(cuts);

	for (size_t i = 0; i <= n; i++) {
		size_t c[1] = {i};
		assert_int_equal(run_cuts(s, n, max, c, 1, &r, stop_at), end);
		expect_log(&r, want);
		buf_free(&r.log);
	}
	if (n > 64)
		return;
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			size_t c[2] = {i, j};
			assert_int_equal(run_cuts(s, n, max, c, 2, &r, stop_at), end);
			expect_log(&r, want);
			buf_free(&r.log);
		}
	}
}

static void check(const char *s, const char *want, enum sse_status end)
{
	check_max(s, strlen(s), 1 << 16, want, end, 0);
}

static void t_single_event(void **state)
{
	(void)state;
	check("data: hello\n\n", "<message>[hello]", SSE_OK);
	check("data: a\n\ndata: b\n\n", "<message>[a]<message>[b]", SSE_OK);
}

static void t_line_endings(void **state)
{
	(void)state;
	/* LF, CRLF and lone CR, mixed; a CRLF split across pieces is one line end. */
	check("data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n", "<message>[a]<message>[b]"
	      "<message>[c]<message>[d]", SSE_OK);
	/* CR CR is two line ends (an empty line); CR LF is one. */
	check("data: x\r\r", "<message>[x]", SSE_OK);
	check("data: x\r\n", "", SSE_TRUNCATED);
	check("data: x\r\ndata: y\r\n\r\n", "<message>[x\ny]", SSE_OK);
}

static void t_data_lines_joined(void **state)
{
	(void)state;
	/* The WHATWG specification's examples. */
	check("data: YHOO\ndata: +2\ndata: 10\n\n", "<message>[YHOO\n+2\n10]", SSE_OK);
	check(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\n"
	      "data:  third event\n\n",
	      "<message>[first event]<message>[second event]<message>[ third event]", SSE_OK);
	/* "data" without a colon is an empty data line: "" then "\n"; the last, unterminated
	 * event is not dispatched. */
	check("data\n\ndata\ndata\n\ndata:", "<message>[]<message>[\n]", SSE_TRUNCATED);
	check("data:test\n\ndata: test\n\n", "<message>[test]<message>[test]", SSE_OK);
	/* Only one space is removed; a colon in the value stays. */
	check("data:   x: y\n\n", "<message>[  x: y]", SSE_OK);
}

static void t_comments_and_ignored_fields(void **state)
{
	(void)state;
	check(": keep-alive\n\n", "", SSE_OK);
	check(":\n: ping\r\ndata: a\n: inside\ndata: b\n\n", "<message>[a\nb]", SSE_OK);
	check("id: 7\nretry: 1000\nfoo: bar\ndata: z\n\n", "<message>[z]", SSE_OK);
	/* Field names are case-sensitive. */
	check("Data: no\n\n", "", SSE_OK);
	/* A NUL byte is data like any other. */
	struct rec r;
	assert_int_equal(run_cuts("data: a\0b\n\n", 11, 100, NULL, 0, &r, 0), SSE_OK);
	assert_int_equal(r.log.len, 14);
	assert_memory_equal(r.log.data, "<message>[a\0b]", 14);
	buf_free(&r.log);
}

static void t_event_type(void **state)
{
	(void)state;
	check("event: ping\ndata: 1\n\ndata: 2\n\n", "<ping>[1]<message>[2]", SSE_OK);
	/* An event without data is not dispatched, and its type does not leak into the next. */
	check("event: x\n\ndata: y\n\n", "<message>[y]", SSE_OK);
	/* The last event: line wins. */
	check("event: a\nevent: b\ndata: d\n\n", "<b>[d]", SSE_OK);
}

static void t_llama_cpp_error_line(void **state)
{
	(void)state;
	check("data: {\"a\":1}\n\nerror: {\"code\":500,\"message\":\"boom\"}\n\n",
	      "<message>[{\"a\":1}]<error>[{\"code\":500,\"message\":\"boom\"}]", SSE_OK);
}

static void t_bom(void **state)
{
	(void)state;
	check("\xEF\xBB\xBF" "data: a\n\n", "<message>[a]", SSE_OK);
	/* Only one, only at the start: a second BOM makes the field name unknown. */
	check("\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\n", "", SSE_OK);
	check("data: \xEF\xBB\xBF" "a\n\n", "<message>[\xEF\xBB\xBF" "a]", SSE_OK);
	/* Something that starts like a BOM is part of the first line. */
	check("\xEF\xBB" "data: a\n\ndata: b\n\n", "<message>[b]", SSE_OK);
	check("\xEF" "\n" "data: b\n\n", "<message>[b]", SSE_OK);
	/* A stream cut inside the BOM left bytes over; a stream of just the BOM did not. */
	check("\xEF\xBB", "", SSE_TRUNCATED);
	check("\xEF\xBB\xBF", "", SSE_OK);
	check("", "", SSE_OK);
}

static void t_end_of_stream(void **state)
{
	(void)state;
	check("data: a\n\n", "<message>[a]", SSE_OK);
	check("data: a\n", "", SSE_TRUNCATED);
	check("data: a", "", SSE_TRUNCATED);
	check("data: a\n\ndata: b", "<message>[a]", SSE_TRUNCATED);
	check("data: a\n\n: bye", "<message>[a]", SSE_TRUNCATED);
	check("data: a\n\n: bye\n", "<message>[a]", SSE_OK);
	check("data: a\n\nevent: x\n", "<message>[a]", SSE_TRUNCATED);
	check("\n\n\n", "", SSE_OK);
}

static void t_size_cap(void **state)
{
	(void)state;
	/* max 8: an event of 8 data bytes passes, 9 does not. */
	check_max("data: 12345678\n\ndata: b\n\n", 25, 8, "<message>[12345678]<message>[b]", SSE_OK,
	          0);
	check_max("data: 123456789\n\ndata: b\n\n", 26, 8, "", SSE_TOO_BIG, 0);
	/* Lines joined: 4 + 1 + 3 = 8 fits, 4 + 1 + 4 does not. */
	check_max("data:1234\ndata:567\n\n", 20, 8, "<message>[1234\n567]", SSE_OK, 0);
	check_max("data:1234\ndata:5678\n\n", 21, 8, "", SSE_TOO_BIG, 0);
	/* A line longer than max + 64 is refused even if it is a comment, even unfinished. */
	char line[200];
	memset(line, 'x', sizeof(line));
	memcpy(line, "data: a\n\n:", 10); /* the line starts at 9 */
	check_max(line, 9 + 72, 8, "<message>[a]", SSE_TRUNCATED, 0); /* max + 64, unfinished */
	check_max(line, 9 + 73, 8, "<message>[a]", SSE_TOO_BIG, 0);
	line[9 + 72] = '\n';
	check_max(line, 9 + 73, 8, "<message>[a]", SSE_OK, 0);
}

static void t_too_big_sticks(void **state)
{
	(void)state;
	struct sse p;
	struct rec r = {BUF_INIT, 0, 0};
	sse_init(&p, 4);
	char big[100];
	memset(big, 'x', sizeof(big));
	assert_int_equal(sse_feed(&p, big, sizeof(big), rec_cb, &r), SSE_TOO_BIG);
	assert_int_equal(sse_feed(&p, "data: a\n\n", 9, rec_cb, &r), SSE_TOO_BIG);
	assert_int_equal(sse_finish(&p), SSE_TOO_BIG);
	assert_int_equal(r.events, 0);
	/* The parser never held more than about max + 64 bytes. */
	assert_true(p.line.cap <= 128);
	sse_free(&p);
	buf_free(&r.log);
}

static void t_stop(void **state)
{
	(void)state;
	/* The callback stops at the first event: nothing after it is delivered, whatever the
	 * split, and the status sticks. */
	const char *s = "data: [DONE]\n\ndata: more\n\n";
	check_max(s, strlen(s), 100, "<message>[[DONE]]", SSE_STOPPED, 1);
	struct sse p;
	struct rec r = {BUF_INIT, 0, 1};
	sse_init(&p, 100);
	assert_int_equal(sse_feed(&p, s, strlen(s), rec_cb, &r), SSE_STOPPED);
	assert_int_equal(sse_feed(&p, "data: x\n\n", 9, rec_cb, &r), SSE_STOPPED);
	assert_int_equal(sse_finish(&p), SSE_STOPPED);
	assert_int_equal(r.events, 1);
	sse_free(&p);
	buf_free(&r.log);
}

static void t_utf8_split(void **state)
{
	(void)state;
	/* Bytes pass through unchanged, whatever character a split falls in. */
	check("data: \xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x8B\n\n",
	      "<message>[\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x8B]", SSE_OK);
}

static void t_reuse_buffers(void **state)
{
	(void)state;
	/* Many events through one parser: buffers are reused, not grown without bound. */
	struct sse p;
	struct rec r = {BUF_INIT, 0, 0};
	sse_init(&p, 64);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(sse_feed(&p, "data: 0123456789\n\n", 18, rec_cb, &r), SSE_OK);
	assert_int_equal(r.events, 1000);
	assert_true(p.data.cap <= 128 && p.line.cap <= 128);
	assert_int_equal(sse_finish(&p), SSE_OK);
	sse_free(&p);
	buf_free(&r.log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_single_event),
		cmocka_unit_test(t_line_endings),
		cmocka_unit_test(t_data_lines_joined),
		cmocka_unit_test(t_comments_and_ignored_fields),
		cmocka_unit_test(t_event_type),
		cmocka_unit_test(t_llama_cpp_error_line),
		cmocka_unit_test(t_bom),
		cmocka_unit_test(t_end_of_stream),
		cmocka_unit_test(t_size_cap),
		cmocka_unit_test(t_too_big_sticks),
		cmocka_unit_test(t_stop),
		cmocka_unit_test(t_utf8_split),
		cmocka_unit_test(t_reuse_buffers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
