/* Unit tests of the hub's history requests (src/hub/history.c): who may read what, the cap on the
 * limit, refusals told at once (no callback), and a provider that gets only what passed. The
 * provider is a fake that records each query and answers nothing until the test says so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fx.h"
#include "hub/history.h"

enum { ANA, BOB };

struct fakeprov {
	unsigned queries, cancels, answers;
	struct hub_history_query last;
	char target[64];
	uint64_t next;
	hub_history_fn cb;
	void *ctx;
};

static enum hub_history_status fp_query(void *impl, const struct session *asker,
					const struct hub_history_query *q, hub_history_fn cb,
					void *ctx, uint64_t *req)
{
	(void)asker;
	struct fakeprov *p = impl;
	p->cb = cb;
	p->ctx = ctx;
	p->queries++;
	p->last = *q;
	memcpy(p->target, q->target, q->target_len);
	p->target[q->target_len] = 0;
	*req = ++p->next;
	return HUB_HISTORY_OK;
}

static enum hub_history_status fp_targets(void *impl, const struct session *asker,
					  const char *const *rooms, size_t nrooms, uint64_t from,
					  uint64_t to, unsigned limit, hub_history_targets_fn cb,
					  void *ctx, uint64_t *req)
{
	(void)asker;
	(void)from;
	(void)to;
	(void)cb;
	(void)ctx;
	struct fakeprov *p = impl;
	p->queries++;
	p->last.limit = limit;
	p->answers = (unsigned)nrooms;
	assert_true(nrooms == 0 || rooms[0][0] == '#');
	*req = ++p->next;
	return HUB_HISTORY_OK;
}

static void fp_cancel(void *impl, uint64_t req)
{
	(void)req;
	((struct fakeprov *)impl)->cancels++;
}

static void never(void *ctx, enum hub_history_status st, const struct hub_history_msg *m, size_t n)
{
	(void)ctx;
	(void)st;
	(void)m;
	(void)n;
	fail_msg("a refused request's callback was called");
}

static enum hub_history_status ask(struct fx *fx, size_t who, const char *target, unsigned limit,
				   uint64_t *req)
{
	struct hub_history_query q = {.target = target, .target_len = strlen(target),
				      .kind = HUB_HISTORY_LATEST, .limit = limit};
	return hub_history_query(&fx->h, &fx->k[who].s, &q, never, NULL, req);
}

static void t_no_provider_is_unavailable(void **state)
{
	(void)state;
	struct fx *fx = fx_new(2);
	fx_people(fx, "ana bob");
	uint64_t req = 99;
	assert_false(hub_history_available(&fx->h));
	assert_int_equal(ask(fx, ANA, "#lobby", 10, &req), HUB_HISTORY_UNAVAILABLE);
	assert_int_equal(req, 0);
	/* A refusal still comes first: no provider does not tell what a room holds. */
	assert_int_equal(ask(fx, ANA, "#nope", 10, &req), HUB_HISTORY_REFUSED);
	fx_free(fx);
}

static void t_member_only(void **state)
{
	(void)state;
	struct fx *fx = fx_new(2);
	fx_people(fx, "ana bob");
	struct fakeprov p = {0};
	struct hub_history_provider prov = {fp_query, fp_targets, fp_cancel, &p};
	hub_history_set(&fx->h, &prov);
	assert_int_equal(fx_join(fx, ANA, "#x"), HUB_OK);
	uint64_t req = 0;
	assert_int_equal(ask(fx, BOB, "#x", 10, &req), HUB_HISTORY_REFUSED);
	assert_int_equal(ask(fx, BOB, "#missing", 10, &req), HUB_HISTORY_REFUSED);
	assert_int_equal(p.queries, 0);
	assert_int_equal(ask(fx, ANA, "#X", 10, &req), HUB_HISTORY_OK);
	assert_int_not_equal(req, 0);
	assert_int_equal(p.queries, 1);
	assert_string_equal(p.target, "#X");
	hub_history_cancel(&fx->h, req);
	hub_history_cancel(&fx->h, 0);
	assert_int_equal(p.cancels, 1);
	hub_history_set(&fx->h, NULL);
	fx_free(fx);
}

static void t_private_needs_an_account_and_a_valid_name(void **state)
{
	(void)state;
	struct fx *fx = fx_new(2);
	fx_people(fx, "ana bob");
	struct fakeprov p = {0};
	struct hub_history_provider prov = {fp_query, fp_targets, fp_cancel, &p};
	hub_history_set(&fx->h, &prov);
	uint64_t req = 0;
	/* Private history is an account's: none without one, and the provider is not asked. */
	assert_int_equal(ask(fx, ANA, "bob", 10, &req), HUB_HISTORY_NO_ACCOUNT);
	assert_int_equal(req, 0);
	assert_int_equal(p.queries, 0);
	session_set_account(&fx->k[ANA].s, "ana", 3);
	assert_int_equal(ask(fx, ANA, "bob", 10, &req), HUB_HISTORY_OK);
	/* Someone offline is still a conversation one had. */
	assert_int_equal(ask(fx, ANA, "gone", 10, &req), HUB_HISTORY_OK);
	assert_int_equal(ask(fx, ANA, "bad name", 10, &req), HUB_HISTORY_REFUSED);
	assert_int_equal(ask(fx, ANA, "", 10, &req), HUB_HISTORY_REFUSED);
	assert_int_equal(p.queries, 2);
	hub_history_set(&fx->h, NULL);
	fx_free(fx);
}

static void t_limit_capped(void **state)
{
	(void)state;
	struct fx *fx = fx_new(1);
	fx_people(fx, "ana");
	struct fakeprov p = {0};
	struct hub_history_provider prov = {fp_query, fp_targets, fp_cancel, &p};
	hub_history_set(&fx->h, &prov);
	uint64_t req = 0;
	assert_int_equal(ask(fx, ANA, "#lobby", 1000000, &req), HUB_HISTORY_OK);
	assert_int_equal(p.last.limit, HUB_HISTORY_MAX);
	assert_int_equal(ask(fx, ANA, "#lobby", 0, &req), HUB_HISTORY_OK);
	assert_int_equal(p.last.limit, HUB_HISTORY_MAX);
	assert_int_equal(ask(fx, ANA, "#lobby", 5, &req), HUB_HISTORY_OK);
	assert_int_equal(p.last.limit, 5);
	assert_int_equal(hub_history_targets(&fx->h, &fx->k[ANA].s, 0, 0, 99999, NULL, NULL, &req),
			 HUB_HISTORY_OK);
	assert_int_equal(p.last.limit, HUB_HISTORY_MAX);
	assert_int_equal(p.answers, 1); /* the lobby */
	hub_history_set(&fx->h, NULL);
	fx_free(fx);
}

static unsigned answered;

static void count(void *ctx, enum hub_history_status st, const struct hub_history_msg *m, size_t n)
{
	(void)ctx;
	(void)m;
	assert_int_equal(st, HUB_HISTORY_OK);
	assert_int_equal(n, 0);
	answered++;
}

static void t_answer_then_close_cancels(void **state)
{
	(void)state;
	struct fx *fx = fx_new(2);
	fx_people(fx, "ana bob");
	struct fakeprov p = {0};
	struct hub_history_provider prov = {fp_query, fp_targets, fp_cancel, &p};
	hub_history_set(&fx->h, &prov);
	struct hub_history_query q = {.target = "#lobby", .target_len = 6, .limit = 3};
	uint64_t req = 0;
	answered = 0;
	assert_int_equal(hub_history_query(&fx->h, &fx->k[ANA].s, &q, count, NULL, &req),
			 HUB_HISTORY_OK);
	p.cb(p.ctx, HUB_HISTORY_OK, NULL, 0);
	assert_int_equal(answered, 1);
	hub_history_cancel(&fx->h, req); /* answered: nothing to cancel */
	assert_int_equal(p.cancels, 0);
	/* A request still pending when its session closes is cancelled by the hub. */
	assert_int_equal(hub_history_query(&fx->h, &fx->k[BOB].s, &q, never, NULL, &req),
			 HUB_HISTORY_OK);
	session_close(&fx->h, &fx->k[BOB].s, "bye", 3);
	assert_int_equal(p.cancels, 1);
	hub_history_set(&fx->h, NULL);
	fx_free(fx);
}

#define TEST(t) cmocka_unit_test_teardown(t, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(t_no_provider_is_unavailable),
		TEST(t_member_only),
		TEST(t_private_needs_an_account_and_a_valid_name),
		TEST(t_limit_capped),
		TEST(t_answer_then_close_cancels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
