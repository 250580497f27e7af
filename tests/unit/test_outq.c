/* Unit tests for net/outq: the output queue of frame references and its limits.
 *
 * The test holds an extra reference to each frame it pushes, so it can watch the queue drop its own
 * reference at exactly the right moment (f->refs goes from 2 to 1), then releases its reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/frame.h"
#include "net/outq.h"

/* Pushes a frame holding s; returns it with one extra reference held by the test. */
static struct frame *push_str(struct outq *q, const char *s)
{
	struct frame *f = frame_from(s, strlen(s));
	frame_ref(f);
	outq_push(q, f);
	assert_int_equal(f->refs, 2);
	return f;
}

/* The unwritten bytes, as outq_fill gives them, concatenated into out (cleared first). */
static unsigned fill_all(const struct outq *q, struct buf *out)
{
	uv_buf_t bufs[512];
	unsigned n = outq_fill(q, bufs, 512, SIZE_MAX);
	buf_clear(out);
	size_t total = 0;
	for (unsigned i = 0; i < n; i++) {
		buf_append(out, bufs[i].base, bufs[i].len);
		total += bufs[i].len;
	}
	if (!out->data)
		buf_append(out, "", 0);
	assert_int_equal(total, q->bytes);
	return n;
}

static void t_push_fill_consume(void **state)
{
	(void)state;
	struct outq q;
	struct buf got = BUF_INIT;
	outq_init(&q);
	assert_null(q.ring);
	struct frame *a = push_str(&q, "abc");
	struct frame *b = push_str(&q, "defg");
	struct frame *c = push_str(&q, "h");
	assert_int_equal(q.bytes, 8);
	assert_int_equal(q.count, 3);
	assert_int_equal(fill_all(&q, &got), 3);
	assert_string_equal(got.data, "abcdefgh");

	/* Part of the head frame: it stays, its remaining bytes come first. */
	outq_consume(&q, 2);
	assert_int_equal(q.off, 2);
	assert_int_equal(q.bytes, 6);
	assert_int_equal(a->refs, 2);
	assert_int_equal(fill_all(&q, &got), 3);
	assert_string_equal(got.data, "cdefgh");

	/* The rest of a and part of b: a's reference is dropped, b's is kept. */
	outq_consume(&q, 3);
	assert_int_equal(a->refs, 1);
	assert_int_equal(b->refs, 2);
	assert_int_equal(q.count, 2);
	assert_int_equal(q.off, 2);
	assert_int_equal(fill_all(&q, &got), 2);
	assert_string_equal(got.data, "fgh");

	/* Exactly to the end of b. */
	outq_consume(&q, 2);
	assert_int_equal(b->refs, 1);
	assert_int_equal(c->refs, 2);
	assert_int_equal(q.off, 0);
	assert_int_equal(q.count, 1);

	outq_consume(&q, 1);
	assert_int_equal(c->refs, 1);
	assert_int_equal(q.count, 0);
	assert_int_equal(q.bytes, 0);
	assert_int_equal(outq_fill(&q, NULL, 0, SIZE_MAX), 0);

	frame_unref(a);
	frame_unref(b);
	frame_unref(c);
	outq_clear(&q);
	buf_free(&got);
}

static void t_consume_across_many_frames(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct frame *f[5];
	const char *parts[5] = {"one\n", "two\n", "three\n", "four\n", "five\n"};
	for (int i = 0; i < 5; i++)
		f[i] = push_str(&q, parts[i]);
	/* "one\ntwo\nthr": two whole frames and three bytes of the third, in one call. */
	outq_consume(&q, 11);
	assert_int_equal(f[0]->refs, 1);
	assert_int_equal(f[1]->refs, 1);
	assert_int_equal(f[2]->refs, 2);
	assert_int_equal(q.off, 3);
	assert_int_equal(q.bytes, 24 - 11);
	struct buf got = BUF_INIT;
	fill_all(&q, &got);
	assert_string_equal(got.data, "ee\nfour\nfive\n");
	outq_consume(&q, q.bytes);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(f[i]->refs, 1);
		frame_unref(f[i]);
	}
	assert_int_equal(q.count, 0);
	outq_clear(&q);
	buf_free(&got);
}

static void t_fill_limits(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct frame *f[4];
	f[0] = push_str(&q, "abc");
	f[1] = push_str(&q, "defg");
	f[2] = push_str(&q, "hi");
	f[3] = push_str(&q, "jklmn");
	uv_buf_t bufs[8];

	/* At most `max` buffers. */
	assert_int_equal(outq_fill(&q, bufs, 2, SIZE_MAX), 2);
	assert_int_equal(bufs[0].len, 3);
	assert_memory_equal(bufs[0].base, "abc", 3);
	assert_int_equal(bufs[1].len, 4);
	assert_memory_equal(bufs[1].base, "defg", 4);

	/* Stops once max_bytes are covered: 3 < 4, then 3 + 4 >= 4. */
	assert_int_equal(outq_fill(&q, bufs, 8, 4), 2);
	assert_int_equal(outq_fill(&q, bufs, 8, 3), 1);
	assert_int_equal(outq_fill(&q, bufs, 8, 1), 1);
	assert_int_equal(outq_fill(&q, bufs, 8, 8), 3);

	/* With the head partly written, the first buffer starts at the offset. */
	outq_consume(&q, 1);
	assert_int_equal(outq_fill(&q, bufs, 8, SIZE_MAX), 4);
	assert_int_equal(bufs[0].len, 2);
	assert_memory_equal(bufs[0].base, "bc", 2);
	assert_ptr_equal(bufs[0].base, f[0]->data + 1);
	assert_ptr_equal(bufs[3].base, f[3]->data);

	outq_clear(&q);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f[i]->refs, 1);
		frame_unref(f[i]);
	}
	assert_null(q.ring);
	assert_int_equal(q.bytes, 0);
	assert_int_equal(q.count, 0);
}

static void t_zero_length_frames(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct frame *a = push_str(&q, "ab");
	struct frame *e = push_str(&q, "");
	struct frame *c = push_str(&q, "c");
	outq_consume(&q, 2);
	/* The empty frame after a completed one is complete as well. */
	assert_int_equal(a->refs, 1);
	assert_int_equal(e->refs, 1);
	assert_int_equal(c->refs, 2);
	assert_int_equal(q.count, 1);
	outq_consume(&q, 1);
	assert_int_equal(c->refs, 1);
	assert_int_equal(q.count, 0);
	frame_unref(a);
	frame_unref(e);
	frame_unref(c);
	outq_clear(&q);
}

static void t_wraparound_and_growth_keep_order(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct buf expect = BUF_INIT;
	struct buf got = BUF_INIT;
	struct frame *held[64];
	int nheld = 0;
	char s[8];
	int next = 0;
	/* Push 3, consume 2, repeatedly, so the head walks around the ring while it grows. */
	for (int round = 0; round < 20; round++) {
		for (int k = 0; k < 3; k++) {
			snprintf(s, sizeof(s), "%c", 'A' + next % 26);
			next++;
			held[nheld++] = push_str(&q, s);
			buf_puts(&expect, s);
		}
		uv_buf_t b[1];
		assert_int_equal(outq_fill(&q, b, 1, SIZE_MAX), 1);
		assert_memory_equal(b[0].base, expect.data, 1);
		outq_consume(&q, 2);
		buf_consume(&expect, 2);
		fill_all(&q, &got);
		assert_string_equal(got.data, expect.data);
	}
	assert_int_equal(q.count, 20);
	outq_clear(&q);
	for (int i = 0; i < nheld; i++) {
		assert_int_equal(held[i]->refs, 1);
		frame_unref(held[i]);
	}
	buf_free(&expect);
	buf_free(&got);
}

static void t_hard_limit(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct outq_limits lim = {.hard = 10, .soft = 0, .soft_ms = 0};
	outq_push(&q, frame_from("0123456789", 10));
	assert_int_equal(outq_check(&q, &lim, 1000), OUTQ_OK); /* exactly the limit is fine */
	outq_push(&q, frame_from("x", 1));
	assert_int_equal(outq_check(&q, &lim, 1000), OUTQ_OVER_HARD);
	outq_consume(&q, 1);
	assert_int_equal(outq_check(&q, &lim, 1000), OUTQ_OK);
	/* No limits at all. */
	struct outq_limits none = {0, 0, 0};
	for (int i = 0; i < 100; i++)
		outq_push(&q, frame_from("0123456789", 10));
	assert_int_equal(outq_check(&q, &none, 0), OUTQ_OK);
	outq_clear(&q);
}

static void t_soft_limit_needs_time(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct outq_limits lim = {.hard = 100, .soft = 5, .soft_ms = 1000};
	outq_push(&q, frame_from("12345", 5));
	assert_int_equal(outq_check(&q, &lim, 100), OUTQ_OK); /* at the soft limit, not above */
	assert_int_equal(q.soft_since, 0);
	outq_push(&q, frame_from("6", 1));
	assert_int_equal(outq_check(&q, &lim, 100), OUTQ_OK); /* above since 100 */
	assert_int_equal(outq_check(&q, &lim, 600), OUTQ_OK);
	assert_int_equal(outq_check(&q, &lim, 1099), OUTQ_OK);
	assert_int_equal(outq_check(&q, &lim, 1100), OUTQ_OVER_SOFT);
	assert_int_equal(outq_check(&q, &lim, 5000), OUTQ_OVER_SOFT);

	/* Back under: the timer resets, so the next excursion gets its full allowance again. */
	outq_consume(&q, 2);
	assert_int_equal(outq_check(&q, &lim, 5100), OUTQ_OK);
	assert_int_equal(q.soft_since, 0);
	outq_push(&q, frame_from("78", 2));
	assert_int_equal(outq_check(&q, &lim, 6000), OUTQ_OK);
	assert_int_equal(outq_check(&q, &lim, 6999), OUTQ_OK);
	assert_int_equal(outq_check(&q, &lim, 7000), OUTQ_OVER_SOFT);

	/* The hard limit wins at once, whatever the soft timer says. */
	struct outq_limits tight = {.hard = 5, .soft = 4, .soft_ms = 1000};
	outq_clear(&q);
	outq_push(&q, frame_from("123456", 6));
	assert_int_equal(outq_check(&q, &tight, 10), OUTQ_OVER_HARD);
	outq_clear(&q);

	/* A clock that starts at zero still starts the soft timer. */
	outq_push(&q, frame_from("123456", 6));
	assert_int_equal(outq_check(&q, &lim, 0), OUTQ_OK);
	assert_int_not_equal(q.soft_since, 0);
	assert_int_equal(outq_check(&q, &lim, 500), OUTQ_OK);
	assert_int_equal(outq_check(&q, &lim, 999), OUTQ_OK);
	assert_int_equal(outq_check(&q, &lim, 1000), OUTQ_OVER_SOFT);
	outq_clear(&q);

	/* A zero allowance means the soft limit acts at once. */
	struct outq_limits now = {.hard = 0, .soft = 4, .soft_ms = 0};
	outq_push(&q, frame_from("123456", 6));
	assert_int_equal(outq_check(&q, &now, 77), OUTQ_OVER_SOFT);
	outq_clear(&q);
}

/* Frames handed to a write still in flight stay queued when the rest is dropped. */
static void t_drop_unsent_keeps_inflight(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct frame *a = push_str(&q, "aaaa\n");
	struct frame *b = push_str(&q, "bbbb\n");
	struct frame *c = push_str(&q, "cccc\n");
	outq_consume(&q, 2);
	/* 3 bytes of a plus 2 of b were handed to libuv. */
	outq_drop_unsent(&q, 5);
	assert_int_equal(q.count, 2);
	assert_int_equal(q.bytes, 8);
	assert_int_equal(a->refs, 2);
	assert_int_equal(b->refs, 2);
	assert_int_equal(c->refs, 1);
	outq_clear(&q);
	frame_unref(a);
	frame_unref(b);
	frame_unref(c);
}

static void t_drop_unstarted(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct frame *a = push_str(&q, "line one\n");
	struct frame *b = push_str(&q, "line two\n");
	struct frame *c = push_str(&q, "line three\n");
	struct outq_limits lim = {.hard = 0, .soft = 1, .soft_ms = 1000};
	outq_check(&q, &lim, 50);
	assert_int_not_equal(q.soft_since, 0);

	/* The head frame is half written: it stays, so the stream never holds half a line. */
	outq_consume(&q, 4);
	outq_drop_unstarted(&q);
	assert_int_equal(q.count, 1);
	assert_int_equal(q.bytes, 5);
	assert_int_equal(a->refs, 2);
	assert_int_equal(b->refs, 1);
	assert_int_equal(c->refs, 1);
	assert_int_equal(q.soft_since, 0);
	struct buf got = BUF_INIT;
	fill_all(&q, &got);
	assert_string_equal(got.data, " one\n");
	outq_consume(&q, 5);
	assert_int_equal(a->refs, 1);
	frame_unref(a);
	frame_unref(b);
	frame_unref(c);

	/* Nothing started: everything goes. */
	a = push_str(&q, "x\n");
	b = push_str(&q, "y\n");
	outq_drop_unstarted(&q);
	assert_int_equal(q.count, 0);
	assert_int_equal(q.bytes, 0);
	assert_int_equal(a->refs, 1);
	assert_int_equal(b->refs, 1);
	frame_unref(a);
	frame_unref(b);

	/* The queue is usable afterwards. */
	outq_push(&q, frame_from("z", 1));
	fill_all(&q, &got);
	assert_string_equal(got.data, "z");
	outq_clear(&q);
	buf_free(&got);
}

static void t_ring_released_after_burst(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct frame *held[100];
	for (int i = 0; i < 100; i++)
		held[i] = push_str(&q, "burst\n");
	assert_true(q.cap >= 100);
	assert_non_null(q.ring);
	outq_consume(&q, q.bytes);
	assert_int_equal(q.count, 0);
	assert_null(q.ring);
	assert_int_equal(q.cap, 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(held[i]->refs, 1);
		frame_unref(held[i]);
	}

	/* Released by drop_unstarted as well. */
	for (int i = 0; i < 40; i++)
		outq_push(&q, frame_from("b\n", 2));
	assert_true(q.cap > 16);
	outq_drop_unstarted(&q);
	assert_null(q.ring);
	assert_int_equal(q.cap, 0);

	/* And a queue whose ring was released takes frames again. */
	outq_push(&q, frame_from("again", 5));
	assert_int_equal(q.bytes, 5);
	struct buf got = BUF_INIT;
	fill_all(&q, &got);
	assert_string_equal(got.data, "again");
	outq_clear(&q);
	assert_null(q.ring);
	buf_free(&got);
}

static uint64_t rng_state = 0x1234567887654321ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Random pushes and partial writes against a plain byte string as the reference. */
static void t_random_against_reference(void **state)
{
	(void)state;
	struct outq q;
	outq_init(&q);
	struct buf expect = BUF_INIT;
	struct buf got = BUF_INIT;
	buf_append(&expect, "", 0);
	unsigned serial = 0;
	for (int step = 0; step < 20000; step++) {
		unsigned r = (unsigned)(rng() % 10);
		if (r < 5) {
			char s[32];
			size_t n = (size_t)(rng() % 12);
			for (size_t i = 0; i < n; i++)
				s[i] = (char)('a' + (serial + i) % 26);
			serial++;
			outq_push(&q, frame_from(s, n));
			buf_append(&expect, s, n);
		} else if (r < 9) {
			size_t n = q.bytes ? (size_t)(rng() % (q.bytes + 1)) : 0;
			outq_consume(&q, n);
			buf_consume(&expect, n);
		} else if (rng() % 50 == 0) {
			outq_consume(&q, q.bytes);
			buf_clear(&expect);
		}
		assert_int_equal(q.bytes, expect.len);
		if (step % 97 == 0) {
			fill_all(&q, &got);
			assert_int_equal(got.len, expect.len);
			assert_memory_equal(got.data, expect.data, expect.len);
		}
	}
	outq_clear(&q);
	buf_free(&expect);
	buf_free(&got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_push_fill_consume),
		cmocka_unit_test(t_consume_across_many_frames),
		cmocka_unit_test(t_fill_limits),
		cmocka_unit_test(t_zero_length_frames),
		cmocka_unit_test(t_wraparound_and_growth_keep_order),
		cmocka_unit_test(t_hard_limit),
		cmocka_unit_test(t_soft_limit_needs_time),
		cmocka_unit_test(t_drop_unstarted),
		cmocka_unit_test(t_drop_unsent_keeps_inflight),
		cmocka_unit_test(t_ring_released_after_burst),
		cmocka_unit_test(t_random_against_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
