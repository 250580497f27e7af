/* Unit tests of the store's thread (src/store/store.c) on a real loop, against ":memory:": writes
 * in batches, a read that sees every write queued before it, a cancelled read whose callback
 * never runs, and a close that writes what is queued. Callbacks are counted, then asserted (the
 * libuv tests' pattern); the loop runs until the answer came, no sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "store/store.h"

enum { SEQ = 20, BURST = 2500 };

struct answer {
	unsigned calls;
	bool ok;
	size_t n;
	char first[32], last[32];
};

static void on_read(void *ctx, bool ok, const struct db_msgs *m, const struct db_targets *t)
{
	(void)t;
	struct answer *a = ctx;
	a->calls++;
	a->ok = ok;
	a->n = m->n;
	if (m->n) {
		snprintf(a->first, sizeof(a->first), "%s", m->v[0].text);
		snprintf(a->last, sizeof(a->last), "%s", m->v[m->n - 1].text);
	}
}

static void put(struct store *st, uint64_t ms, const char *text)
{
	struct db_msg m = {.id = ms << SEQ, .time_ms = ms, .conv = xstrdup("#a"),
			   .from = xstrdup("ana"), .target = xstrdup("#a"), .text = xstrdup(text),
			   .len = strlen(text)};
	store_put(st, &m);
}

static uint64_t latest(struct store *st, unsigned limit, struct answer *a)
{
	struct store_read rd = {.kind = STORE_READ_RANGE, .conv = xstrdup("#a"), .nranges = 1};
	rd.range[0].newest = true;
	rd.range[0].limit = limit;
	return store_read(st, &rd, on_read, a);
}

static void t_burst_then_read(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct logger lg = {.out = stderr, .prog = "test_store", .level = LOG_ERROR};
	static struct store st;
	struct store_config cfg = {.id_seq_bits = SEQ};
	char err[256];
	assert_int_equal(store_open(&st, ":memory:", &cfg, &lg, err, sizeof(err)), DB_OK);
	assert_int_equal(store_start(&st, &loop, NULL, NULL), 0);
	for (uint64_t i = 1; i <= BURST; i++) {
		char t[16];
		snprintf(t, sizeof(t), "m%llu", (unsigned long long)i);
		put(&st, i, t);
	}
	struct answer a = {0}, gone = {0};
	uint64_t cancelled = latest(&st, 5, &gone);
	assert_int_not_equal(cancelled, 0);
	assert_ptr_equal(store_cancel(&st, cancelled), &gone);
	assert_null(store_cancel(&st, cancelled));
	assert_int_not_equal(latest(&st, 3, &a), 0);
	/* The store's async does not keep a loop alive (a server's listeners do): here it must. */
	uv_ref((uv_handle_t *)&st.done_async);
	while (a.calls == 0)
		uv_run(&loop, UV_RUN_ONCE);
	uv_unref((uv_handle_t *)&st.done_async);
	assert_int_equal(a.calls, 1);
	assert_true(a.ok);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.first, "m2498");
	assert_string_equal(a.last, "m2500");
	assert_int_equal(gone.calls, 0);
	/* Queued, then closed: written before the thread ends. */
	put(&st, BURST + 1, "last words");
	store_close(&st);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(gone.calls, 0);
	assert_int_equal(st.written, BURST + 1);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_burst_then_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
