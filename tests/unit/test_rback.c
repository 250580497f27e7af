/* Unit tests of rback (src/bridge/cluster/rback.c): the wait before a link to Redis tries again,
 * and rchan (rchan.c): the set of channels a link keeps across reconnections. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bridge/cluster/rback.h"
#include "bridge/cluster/rchan.h"
#include "bridge/cluster/rlink.h"

static void t_backoff_doubles_with_jitter(void **state)
{
	(void)state;
	struct rback b;
	rback_init(&b, 250, 42);
	unsigned base = 250;
	for (int i = 0; i < 12; i++) {
		uint64_t d = rback_next(&b, 5000);
		assert_true(d >= base * 3 / 4 && d <= base * 5 / 4);
		base = base >= 2500 ? 5000 : base * 2;
	}
	assert_int_equal(b.next_ms, 5000);
	/* Two links seeded apart do not wait alike. */
	struct rback x, y;
	rback_init(&x, 1000, 1);
	rback_init(&y, 1000, 2);
	int same = 0;
	for (int i = 0; i < 8; i++)
		same += rback_next(&x, 1000) == rback_next(&y, 1000);
	assert_true(same < 8);
}

static void t_channel_set(void **state)
{
	(void)state;
	struct map subs;
	map_init(&subs, 7);
	assert_non_null(rchan_add(&subs, "charla:room:#a", 14));
	assert_null(rchan_add(&subs, "charla:room:#a", 14)); /* there already */
	assert_null(rchan_add(&subs, "", 0));
	assert_null(rchan_add(&subs, "a\0b", 3));
	char big[RLINK_CHANNEL_MAX + 1];
	memset(big, 'x', sizeof(big));
	assert_null(rchan_add(&subs, big, sizeof(big)));
	assert_non_null(rchan_add(&subs, big, RLINK_CHANNEL_MAX));
	assert_true(rchan_has(&subs, "charla:room:#a", 14));
	assert_false(rchan_has(&subs, "charla:room:#A", 14)); /* bytes, compared exactly */
	struct rchan *c = rchan_del(&subs, "charla:room:#a", 14);
	assert_non_null(c);
	assert_int_equal(c->len, 14);
	assert_string_equal(c->name, "charla:room:#a");
	free(c);
	assert_null(rchan_del(&subs, "charla:room:#a", 14));
	assert_int_equal(subs.count, 1);
	rchan_free_all(&subs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_backoff_doubles_with_jitter),
		cmocka_unit_test(t_channel_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
