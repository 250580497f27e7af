/* server_auth (src/server/server_auth.c): operators' password checks over real Argon2id hashes at
 * the least cost on a libuv loop. An unknown operator name must cost a hash like a known one (no
 * timing oracle of names) and fail like a wrong password, whatever password it comes with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "auth/pwhash.h"
#include "server/server_auth.h"

enum { T_WAIT_MS = 10000 };

static int t_answers;
static enum hub_auth_status t_last;

static void t_done(void *arg, enum hub_auth_status st)
{
	(void)arg;
	t_answers++;
	t_last = st;
}

static uint64_t t_clock(void *clock)
{
	return uv_now(clock);
}

/* Asks for name with pw: the answer, which must not come at once (a hash is always made). */
static enum hub_auth_status t_oper(uv_loop_t *loop, struct server_auth *a, const char *name,
				   const char *pw)
{
	int before = t_answers;
	enum hub_auth_status st = HUB_AUTH_NONE;
	struct hub_auth_job *j = a->iface.oper(a->iface.ctx, "192.0.2.1", name, strlen(name), pw,
					       strlen(pw), t_done, NULL, &st);
	assert_non_null(j);
	assert_int_equal(t_answers, before);
	uint64_t end = uv_now(loop) + T_WAIT_MS;
	while (t_answers == before && uv_now(loop) < end)
		uv_run(loop, UV_RUN_ONCE);
	assert_int_equal(t_answers, before + 1);
	return t_last;
}

static void t_unknown_name_costs_a_hash(void **state)
{
	(void)state;
	uv_loop_t loop;
	struct pwhash pw;
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(pwhash_init(&pw, &loop, PWHASH_COST_MIN), 0);
	char hash[PWHASH_STR_LEN];
	assert_int_equal(pwhash_hash_now(PWHASH_COST_MIN, "sesame", 6, hash), 0);
	struct files_oper list[] = {{.name = "ana", .hash = hash}};
	struct files_opers opers = {.list = list, .n = 1};
	struct server_auth a;
	server_auth_init(&a, &pw, &opers, t_clock, &loop, 1);
	assert_int_equal(t_oper(&loop, &a, "ana", "sesame"), HUB_AUTH_OK);
	assert_int_equal(t_oper(&loop, &a, "ana", "wrong"), HUB_AUTH_MISMATCH);
	/* Unknown: hashed too, and refused even with a known operator's password. */
	assert_int_equal(t_oper(&loop, &a, "bob", "wrong"), HUB_AUTH_MISMATCH);
	assert_int_equal(t_oper(&loop, &a, "bob", "sesame"), HUB_AUTH_MISMATCH);
	assert_int_equal(a.failed, 3);
	pwhash_close(&pw);
	uv_run(&loop, UV_RUN_DEFAULT);
	server_auth_free(&a);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_unknown_name_costs_a_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
