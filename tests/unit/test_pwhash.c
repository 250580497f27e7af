/* Unit tests for auth/pwhash: hashes are Argon2id and verify; a wrong password, a damaged hash and
 * an over-long password are told apart; jobs run off the loop and their callbacks on it; a cancelled
 * job's callback never runs; the queue refuses beyond its bound; closing with jobs running is clean. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth/pwhash.h"

struct seen {
	int calls;
	enum pwhash_status st;
	char hash[PWHASH_STR_LEN];
	uv_thread_t thread;
};

static void done(void *arg, enum pwhash_status st, const char *hash)
{
	struct seen *s = arg;
	s->calls++;
	s->st = st;
	s->thread = uv_thread_self();
	if (hash)
		snprintf(s->hash, sizeof(s->hash), "%s", hash);
}

static void now_roundtrip(void **state)
{
	(void)state;
	char h[PWHASH_STR_LEN];
	assert_int_equal(pwhash_hash_now(PWHASH_COST_MIN, "s3cret", 6, h), 0);
	assert_true(pwhash_is_argon2id(h));
	assert_null(strstr(h, "s3cret"));
	assert_int_equal(pwhash_verify_now(h, "s3cret", 6), PWHASH_OK);
	assert_int_equal(pwhash_verify_now(h, "s3creT", 6), PWHASH_MISMATCH);
	assert_int_equal(pwhash_verify_now(h, "s3cret", 5), PWHASH_MISMATCH);
	assert_int_equal(pwhash_verify_now("plain", "plain", 5), PWHASH_BAD_HASH);
	assert_int_equal(pwhash_verify_now("$argon2i$v=19$m=8,t=1,p=1$x$y", "a", 1), PWHASH_BAD_HASH);
	/* Two hashes of one password differ (a random salt each). */
	char h2[PWHASH_STR_LEN];
	assert_int_equal(pwhash_hash_now(PWHASH_COST_MIN, "s3cret", 6, h2), 0);
	assert_string_not_equal(h, h2);
	/* Any bytes, NUL included, are a password. */
	assert_int_equal(pwhash_hash_now(PWHASH_COST_MIN, "a\0b", 3, h), 0);
	assert_int_equal(pwhash_verify_now(h, "a\0b", 3), PWHASH_OK);
	assert_int_equal(pwhash_verify_now(h, "a", 1), PWHASH_MISMATCH);
}

static void async_hash_then_verify(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct pwhash p;
	assert_int_equal(pwhash_init(&p, &loop, PWHASH_COST_MIN), 0);
	struct seen s = {0};
	enum pwhash_status st;
	assert_non_null(pwhash_hash(&p, "hunter2", 7, done, &s, &st));
	assert_int_equal(st, PWHASH_OK);
	assert_int_equal(s.calls, 0); /* never inside the request */
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.st, PWHASH_OK);
	assert_true(uv_thread_equal(&s.thread, &(uv_thread_t){uv_thread_self()}));
	assert_true(pwhash_is_argon2id(s.hash));

	struct seen ok = {0}, bad = {0}, broken = {0};
	char hash[PWHASH_STR_LEN];
	memcpy(hash, s.hash, sizeof(hash));
	assert_non_null(pwhash_verify(&p, hash, "hunter2", 7, done, &ok, &st));
	assert_non_null(pwhash_verify(&p, hash, "hunter3", 7, done, &bad, &st));
	assert_non_null(pwhash_verify(&p, "not a hash", "x", 1, done, &broken, &st));
	assert_int_equal(ok.calls + bad.calls + broken.calls, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(ok.st, PWHASH_OK);
	assert_int_equal(bad.st, PWHASH_MISMATCH);
	assert_int_equal(broken.st, PWHASH_BAD_HASH);
	assert_int_equal(ok.calls + bad.calls + broken.calls, 3);
	pwhash_close(&p);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void refusals_and_cancel(void **state)
{
	(void)state;
	uv_loop_t loop;
	uv_loop_init(&loop);
	struct pwhash p;
	assert_int_equal(pwhash_init(&p, &loop, PWHASH_COST_MIN), 0);
	static char big[PWHASH_MAX_PASSWORD + 1];
	enum pwhash_status st;
	struct seen s = {0};
	assert_null(pwhash_hash(&p, big, sizeof(big), done, &s, &st));
	assert_int_equal(st, PWHASH_TOO_LONG);

	/* Fill the pool and the queue: the next job is refused as busy. */
	static struct seen many[PWHASH_MAX_ACTIVE + PWHASH_MAX_QUEUED];
	static struct pwhash_job *jobs[PWHASH_MAX_ACTIVE + PWHASH_MAX_QUEUED];
	for (size_t i = 0; i < PWHASH_MAX_ACTIVE + PWHASH_MAX_QUEUED; i++) {
		jobs[i] = pwhash_hash(&p, "pw", 2, done, &many[i], &st);
		assert_non_null(jobs[i]);
	}
	assert_null(pwhash_hash(&p, "pw", 2, done, &s, &st));
	assert_int_equal(st, PWHASH_BUSY);
	/* Cancel every other job, running or waiting: only the others are answered. */
	for (size_t i = 0; i < PWHASH_MAX_ACTIVE + PWHASH_MAX_QUEUED; i += 2)
		pwhash_cancel(jobs[i]);
	uv_run(&loop, UV_RUN_DEFAULT);
	for (size_t i = 0; i < PWHASH_MAX_ACTIVE + PWHASH_MAX_QUEUED; i++) {
		assert_int_equal(many[i].calls, i % 2 ? 1 : 0);
		if (i % 2)
			assert_int_equal(many[i].st, PWHASH_OK);
	}
	assert_int_equal(s.calls, 0);

	/* Closing with jobs in flight and queued: no callback, nothing leaks (ASan). */
	struct seen late[PWHASH_MAX_ACTIVE + 3];
	memset(late, 0, sizeof(late));
	for (size_t i = 0; i < PWHASH_MAX_ACTIVE + 3; i++)
		assert_non_null(pwhash_hash(&p, "pw", 2, done, &late[i], &st));
	pwhash_close(&p);
	assert_null(pwhash_hash(&p, "pw", 2, done, &s, &st));
	assert_int_equal(st, PWHASH_BUSY);
	uv_run(&loop, UV_RUN_DEFAULT);
	for (size_t i = 0; i < PWHASH_MAX_ACTIVE + 3; i++)
		assert_int_equal(late[i].calls, 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(now_roundtrip),
		cmocka_unit_test(async_hash_then_verify),
		cmocka_unit_test(refusals_and_cancel),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
