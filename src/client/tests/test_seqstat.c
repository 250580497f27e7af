/* Unit tests for seqstat.c: loss, duplication and reordering counted exactly from sequence
 * numbers, by the rules of docs/protocol.md ("Counting"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "client/seqstat.h"

static struct seqstat feed(const uint64_t *seqs, size_t n)
{
	struct seqstat st;
	seqstat_init(&st);
	for (size_t i = 0; i < n; i++)
		seqstat_add(&st, seqs[i]);
	return st;
}

#define FEED(...) feed((const uint64_t[]){__VA_ARGS__}, \
		       sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

static void assert_counts(const struct seqstat *st, uint64_t received, uint64_t lost,
			  uint64_t dup, uint64_t reordered)
{
	assert_int_equal(st->received, received);
	assert_int_equal(seqstat_lost(st), lost);
	assert_int_equal(st->duplicated, dup);
	assert_int_equal(st->reordered, reordered);
}

static void test_in_order(void **state)
{
	(void)state;
	struct seqstat st = FEED(1, 2, 3, 4, 5);
	assert_counts(&st, 5, 0, 0, 0);
}

static void test_loss_is_a_gap_below_the_top(void **state)
{
	(void)state;
	struct seqstat st = FEED(1, 2, 4, 5, 9);
	assert_counts(&st, 5, 4, 0, 0); /* 3, 6, 7, 8 */
	/* The first datagrams of a session can be lost too. */
	st = FEED(3, 4);
	assert_counts(&st, 2, 2, 0, 0);
}

static void test_duplicates_are_counted_and_dropped(void **state)
{
	(void)state;
	struct seqstat st;
	seqstat_init(&st);
	assert_int_equal(seqstat_add(&st, 1), SEQSTAT_NEW);
	assert_int_equal(seqstat_add(&st, 1), SEQSTAT_DUPLICATE);
	assert_int_equal(seqstat_add(&st, 2), SEQSTAT_NEW);
	assert_int_equal(seqstat_add(&st, 1), SEQSTAT_DUPLICATE);
	assert_int_equal(seqstat_add(&st, 2), SEQSTAT_DUPLICATE);
	assert_counts(&st, 5, 0, 3, 0);
}

static void test_reordered_arrivals_are_not_lost(void **state)
{
	(void)state;
	struct seqstat st;
	seqstat_init(&st);
	assert_int_equal(seqstat_add(&st, 1), SEQSTAT_NEW);
	assert_int_equal(seqstat_add(&st, 3), SEQSTAT_NEW);
	assert_int_equal(seqstat_lost(&st), 1);
	assert_int_equal(seqstat_add(&st, 2), SEQSTAT_REORDERED);
	assert_counts(&st, 3, 0, 0, 1);
	/* A late one that arrives twice: reordered once, then a duplicate. */
	st = FEED(1, 4, 2, 2, 3);
	assert_counts(&st, 5, 0, 1, 2);
	/* Everything backwards: all but the first are reordered. */
	st = FEED(5, 4, 3, 2, 1);
	assert_counts(&st, 5, 0, 0, 4);
}

/* The mix the client's integration test produces with its relay: 1..13 with 5 and 9 dropped,
 * 7 duplicated, 10 and 11 swapped. */
static void test_a_relay_mix(void **state)
{
	(void)state;
	struct seqstat st = FEED(1, 2, 3, 4, 6, 7, 7, 8, 11, 10, 12, 13);
	assert_counts(&st, 12, 2, 1, 1);
}

static void test_the_window(void **state)
{
	(void)state;
	struct seqstat st;
	seqstat_init(&st);
	seqstat_add(&st, 1);
	seqstat_add(&st, 3);
	/* 2 is still within the window 1023 numbers later... */
	seqstat_add(&st, 1025);
	assert_int_equal(seqstat_add(&st, 2), SEQSTAT_REORDERED);
	assert_int_equal(seqstat_add(&st, 3), SEQSTAT_DUPLICATE);
	/* ...but not 1024 numbers later: too old to tell, neither lost nor found. */
	seqstat_add(&st, 1027);
	uint64_t lost = seqstat_lost(&st);
	assert_int_equal(seqstat_add(&st, 3), SEQSTAT_TOO_OLD);
	assert_int_equal(seqstat_lost(&st), lost);
	assert_int_equal(st.too_old, 1);
	/* A jump past the whole window forgets it; numbers in between are lost. */
	seqstat_add(&st, 5000);
	assert_int_equal(seqstat_lost(&st), lost + 5000 - 1027 - 1);
	assert_int_equal(seqstat_add(&st, 4999), SEQSTAT_REORDERED);
	assert_int_equal(seqstat_add(&st, 5000), SEQSTAT_DUPLICATE);
	assert_int_equal(seqstat_add(&st, 0), SEQSTAT_TOO_OLD);
}

static void test_a_new_session_counts_again_from_one(void **state)
{
	(void)state;
	struct seqstat st = FEED(1, 2, 4);
	seqstat_restart(&st);
	assert_int_equal(seqstat_lost(&st), 1);
	assert_int_equal(seqstat_add(&st, 1), SEQSTAT_NEW);
	assert_int_equal(seqstat_add(&st, 3), SEQSTAT_NEW);
	assert_counts(&st, 5, 2, 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_loss_is_a_gap_below_the_top),
		cmocka_unit_test(test_duplicates_are_counted_and_dropped),
		cmocka_unit_test(test_reordered_arrivals_are_not_lost),
		cmocka_unit_test(test_a_relay_mix),
		cmocka_unit_test(test_the_window),
		cmocka_unit_test(test_a_new_session_counts_again_from_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
