/* Unit tests of the message rate every face shares (src/hub/flood.c) and of the token bucket under
 * it (src/base/tbucket.c), through the fake faces of unit/fx.c and its clock (fx_now). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/tbucket.h"
#include "fx.h"

static void t_tbucket(void **state)
{
	(void)state;
	struct tbucket b;
	tbucket_init(&b, 3, 1000);
	for (int i = 0; i < 3; i++)
		assert_true(tbucket_take(&b, 2, 3, 1000));
	assert_false(tbucket_take(&b, 2, 3, 1000));
	assert_false(tbucket_take(&b, 2, 3, 1499)); /* 0.998 of a token */
	assert_true(tbucket_take(&b, 2, 3, 1500));
	assert_false(tbucket_take(&b, 2, 3, 400));  /* a clock that goes back refills nothing */
	assert_true(tbucket_take(&b, 2, 3, 100000)); /* full again, never more than the burst */
	assert_true(tbucket_take(&b, 2, 3, 100000));
	assert_true(tbucket_take(&b, 2, 3, 100000));
	assert_false(tbucket_take(&b, 2, 3, 100000));
	/* A clock stepped back by an hour: nothing now, but refilling from the new time at once. */
	tbucket_init(&b, 1, 3600000 + 5000);
	assert_true(tbucket_take(&b, 1, 1, 3600000 + 5000));
	assert_false(tbucket_take(&b, 1, 1, 5000));
	assert_false(tbucket_take(&b, 1, 1, 5999));
	assert_true(tbucket_take(&b, 1, 1, 6000));
	tbucket_init(&b, 10, 0);
	assert_true(tbucket_take(&b, 1, 2, 0)); /* a lowered burst caps what was saved */
	assert_true(tbucket_take(&b, 1, 2, 0));
	assert_false(tbucket_take(&b, 1, 2, 0));
}

static struct fx *flood_fx(unsigned rate, unsigned burst)
{
	struct hub_config cfg = fx_config();
	cfg.msg_rate = rate;
	cfg.msg_burst = burst;
	struct fx *fx = fx_new_cfg(&cfg, 3);
	fx_people(fx, "ana bob eva");
	fx_drop_all(fx);
	return fx;
}

static void t_refused_over_the_rate_then_back(void **state)
{
	(void)state;
	struct fx *fx = flood_fx(2, 3);
	struct fake *ana = &fx->k[0], *bob = &fx->k[1];
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_say(fx, 0, "#lobby", "hola"), HUB_OK);
	fx_drop_all(fx);
	assert_int_equal(fx_say(fx, 0, "#lobby", "spam"), HUB_ERR_TOO_FAST);
	assert_string_equal(fx_text(ana), "RESULT self ana TOO_FAST detail=0 n=2\n");
	assert_string_equal(fx_text(bob), "");
	/* Private messages, actions and notices draw on the same budget. */
	assert_int_equal(fx_msg(fx, 0, "bob", "psst"), HUB_ERR_TOO_FAST);
	assert_string_equal(fx_text(bob), "");
	fx_drop_all(fx);
	/* Others are not charged for ana's rate. */
	assert_int_equal(fx_say(fx, 1, "#lobby", "yo"), HUB_OK);
	/* Half a second later one token is back, and an accepted message forgives the refusals. */
	fx_now += 500;
	assert_int_equal(fx_msg(fx, 0, "bob", "psst"), HUB_OK);
	assert_int_equal(fx->k[0].s.msg_refused, 0);
	assert_int_equal(fx->h.too_fast, 2);
	assert_int_equal(fx->h.flood_cut, 0);
	fx_free(fx);
}

static void t_cut_after_burst_refusals_in_a_row(void **state)
{
	(void)state;
	struct fx *fx = flood_fx(1, 3);
	struct fake *ana = &fx->k[0], *bob = &fx->k[1];
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_say(fx, 0, "#lobby", "a"), HUB_OK);
	assert_int_equal(fx_say(fx, 0, "#lobby", "b"), HUB_ERR_TOO_FAST);
	assert_int_equal(fx_say(fx, 0, "#lobby", "b"), HUB_ERR_TOO_FAST);
	fx_drop_all(fx);
	assert_int_equal(fx_say(fx, 0, "#lobby", "b"), HUB_ERR_FLOODED);
	assert_string_equal(fx_text(ana), "RESULT self ana FLOODED detail=0 n=1\n");
	assert_int_equal(ana->disconnected, 1);
	assert_int_equal(ana->s.state, SESSION_GONE);
	assert_string_equal(fx_text(bob), "QUIT ana \"Excess Flood\"\n");
	assert_int_equal(fx->h.flood_cut, 1);
	fx_free(fx);
}

static void t_bots_operators_and_no_rate_exempt(void **state)
{
	(void)state;
	struct fx *fx = flood_fx(1, 1);
	fx->k[0].s.caps |= SESSION_MODE_OPER;
	for (int i = 0; i < 50; i++)
		assert_int_equal(fx_say(fx, 0, "#lobby", "op"), HUB_OK);
	/* A client that calls itself a bot (IRC's +B) is not exempt: anyone can say so. */
	fx->k[1].s.caps |= SESSION_MODE_BOT;
	assert_int_equal(fx_say(fx, 1, "#lobby", "x"), HUB_OK);
	assert_int_equal(fx_say(fx, 1, "#lobby", "x"), HUB_ERR_FLOODED);
	fx_free(fx);

	fx = flood_fx(0, 1); /* --msg-rate 0: no limit */
	for (int i = 0; i < 50; i++)
		assert_int_equal(fx_say(fx, 0, "#lobby", "x"), HUB_OK);
	fx_free(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_tbucket),
		cmocka_unit_test_teardown(t_refused_over_the_rate_then_back, fx_teardown),
		cmocka_unit_test_teardown(t_cut_after_burst_refusals_in_a_row, fx_teardown),
		cmocka_unit_test_teardown(t_bots_operators_and_no_rate_exempt, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
