/* The accounts bridge (src/bridge/accounts) over a hub of fake sessions (unit/fx.c), real
 * Argon2id hashes at the least cost on a libuv loop, and no store: registering, logging in and
 * out, a new password, wrong passwords and the throttle, certificate fingerprints (fake ones: the
 * requests carry them), name protection; and the pure parts: password rules, NickServ's words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "auth/pwhash.h"
#include "bridge/accounts/accounts.h"
#include "bridge/accounts/nickserv.h"
#include "fx.h"
#include "hub/account.h"

enum { T_WAIT_MS = 10000 };

struct t_env {
	uv_loop_t loop;
	struct pwhash pw;
	struct fx *fx;
	struct accounts *acc;
	/* The last answer. */
	int answers;
	struct hub_account_answer last;
	char account[64];
	size_t ncerts;
};

static struct t_env env;

static void t_done(void *ctx, struct session *s, const struct hub_account_answer *a)
{
	(void)ctx;
	(void)s;
	env.answers++;
	env.last = *a;
	snprintf(env.account, sizeof(env.account), "%s", a->account ? a->account : "");
	env.last.account = env.account;
	env.ncerts = a->ncerts;
	env.last.certs = NULL;
}

static void t_start(unsigned grace, unsigned fails, unsigned regs)
{
	memset(&env, 0, sizeof(env));
	assert_int_equal(uv_loop_init(&env.loop), 0);
	assert_int_equal(pwhash_init(&env.pw, &env.loop, PWHASH_COST_MIN), 0);
	env.fx = fx_new(3);
	fx_people(env.fx, "ana bob cid");
	struct accounts_config cfg = {.name_grace_s = grace, .login_fails = fails,
				      .login_window_s = 60, .register_rate = regs,
				      .nickserv = "NickServ"};
	env.acc = accounts_new(&env.loop, &env.fx->h, NULL, &env.pw, &cfg, NULL, NULL, 0);
}

static void t_stop(void)
{
	accounts_shutdown(env.acc);
	pwhash_close(&env.pw);
	uv_run(&env.loop, UV_RUN_DEFAULT);
	accounts_free(env.acc);
	fx_free(env.fx);
	assert_int_equal(uv_loop_close(&env.loop), 0);
}

/* Asks on behalf of session i and runs the loop until the answer; returns its code. */
static enum hub_result t_ask(size_t i, const struct hub_account_req *r)
{
	int before = env.answers;
	hub_account_request(&env.fx->h, &env.fx->k[i].s, r, t_done, NULL);
	uint64_t end = uv_now(&env.loop) + T_WAIT_MS;
	while (env.answers == before && uv_now(&env.loop) < end)
		uv_run(&env.loop, UV_RUN_ONCE);
	assert_int_equal(env.answers, before + 1);
	return env.last.code;
}

/* Asks without running the loop: the answer may come later (t_settle). */
static void t_submit(size_t i, enum hub_account_op op, const char *name, const char *pw)
{
	struct hub_account_req r = {.op = op, .name = name, .name_len = name ? strlen(name) : 0,
				    .password = pw, .password_len = pw ? strlen(pw) : 0};
	hub_account_request(&env.fx->h, &env.fx->k[i].s, &r, t_done, NULL);
}

/* Runs the loop until n answers in all. */
static void t_settle(int n)
{
	uint64_t end = uv_now(&env.loop) + T_WAIT_MS;
	while (env.answers < n && uv_now(&env.loop) < end)
		uv_run(&env.loop, UV_RUN_ONCE);
	assert_int_equal(env.answers, n);
}

/* Session i's connection shows the certificate fp (NULL: none). */
static const char *t_fps[3];
static struct session_ops t_cert_ops[3];

static const char *t_certfp(const struct session *s)
{
	for (size_t i = 0; i < 3; i++)
		if (s == &env.fx->k[i].s)
			return t_fps[i];
	return NULL;
}

static void t_show_cert(size_t i, const char *fp)
{
	t_cert_ops[i] = *env.fx->k[i].s.ops;
	t_cert_ops[i].certfp = t_certfp;
	env.fx->k[i].s.ops = &t_cert_ops[i];
	t_fps[i] = fp;
}

static enum hub_result t_op(size_t i, enum hub_account_op op, const char *name, const char *pw)
{
	struct hub_account_req r = {.op = op, .name = name, .name_len = name ? strlen(name) : 0,
				    .password = pw, .password_len = pw ? strlen(pw) : 0};
	return t_ask(i, &r);
}

static void t_register_login(void **state)
{
	(void)state;
	t_start(60, 3, 10);
	fx_drop_all(env.fx);
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_OK);
	assert_string_equal(env.account, "ana");
	assert_string_equal(env.fx->k[0].s.info->account, "ana");
	assert_int_equal(accounts_count(env.acc), 1);
	/* The session hears of it (IRC's 900); so would those sharing a room (account-notify). */
	assert_non_null(strstr(fx_text(&env.fx->k[0]), "ACCOUNT self"));
	assert_non_null(strstr(fx_text(&env.fx->k[1]), "ACCOUNT"));
	/* Again: logged in already; then out, and in with the right password only. */
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_ERR_LOGGED_IN);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGOUT, NULL, NULL), HUB_OK);
	assert_null(env.fx->k[0].s.info->account);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGOUT, NULL, NULL), HUB_ERR_NOT_LOGGED_IN);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGIN, NULL, "millet"), HUB_ERR_BAD_LOGIN);
	assert_string_equal(env.account, ""); /* as for a name with no account (below) */
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGIN, NULL, "sesame"), HUB_OK);
	/* Someone else logs in to ana's account by its name: allowed, with the password. */
	assert_int_equal(t_op(1, HUB_ACCOUNT_LOGIN, "ANA", "sesame"), HUB_OK);
	assert_string_equal(env.fx->k[1].s.info->account, "ana");
	/* bob's name was never registered: checked against a decoy hash, so the answer waits for
	 * a hash as a known name's does, and reads as a wrong password. */
	int before = env.answers;
	t_submit(2, HUB_ACCOUNT_LOGIN, "bob", "x");
	assert_int_equal(env.answers, before);
	t_settle(before + 1);
	assert_int_equal(env.last.code, HUB_ERR_BAD_LOGIN);
	assert_string_equal(env.account, "");
	/* A new password: the old one is checked, then only the new one works. */
	struct hub_account_req r = {.op = HUB_ACCOUNT_PASSWORD, .password = "sesame",
				    .password_len = 6, .new_password = "open", .new_password_len = 4};
	assert_int_equal(t_ask(0, &r), HUB_OK);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGOUT, NULL, NULL), HUB_OK);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGIN, NULL, "sesame"), HUB_ERR_BAD_LOGIN);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGIN, NULL, "open"), HUB_OK);
	t_stop();
}

static void t_bad_passwords(void **state)
{
	(void)state;
	assert_int_equal(hub_password_check("", 0), HUB_PASSWORD_EMPTY);
	assert_int_equal(hub_password_check(NULL, 0), HUB_PASSWORD_EMPTY);
	assert_int_equal(hub_password_check("caf\xc3\xa9", 5), HUB_PASSWORD_OK);
	assert_int_equal(hub_password_check("a\xff", 2), HUB_PASSWORD_NOT_UTF8);
	assert_int_equal(hub_password_check("a\x01", 2), HUB_PASSWORD_NOT_UTF8);
	assert_int_equal(hub_password_check("a\tb", 3), HUB_PASSWORD_NOT_UTF8);
	char big[HUB_ACCOUNT_PASSWORD_MAX + 1];
	memset(big, 'x', sizeof(big));
	assert_int_equal(hub_password_check(big, sizeof(big) - 1), HUB_PASSWORD_OK);
	assert_int_equal(hub_password_check(big, sizeof(big)), HUB_PASSWORD_TOO_LONG);
	t_start(60, 3, 10);
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, ""), HUB_ERR_BAD_PASSWORD);
	assert_int_equal(env.last.detail, HUB_PASSWORD_EMPTY);
	struct hub_account_req r = {.op = HUB_ACCOUNT_REGISTER, .password = big,
				    .password_len = sizeof(big)};
	assert_int_equal(t_ask(0, &r), HUB_ERR_BAD_PASSWORD);
	assert_int_equal(env.last.detail, HUB_PASSWORD_TOO_LONG);
	r = (struct hub_account_req){.op = HUB_ACCOUNT_REGISTER, .password = "pw",
				     .password_len = 2, .email = "nobody", .email_len = 6};
	assert_int_equal(t_ask(0, &r), HUB_ERR_BAD_EMAIL);
	assert_int_equal(accounts_count(env.acc), 0);
	t_stop();
}

static void t_throttles(void **state)
{
	(void)state;
	t_start(60, 2, 2);
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_OK);
	/* Two failures, then every login of ana is refused unhashed, the right password too. */
	assert_int_equal(t_op(1, HUB_ACCOUNT_LOGIN, "ana", "a"), HUB_ERR_BAD_LOGIN);
	assert_int_equal(t_op(1, HUB_ACCOUNT_LOGIN, "ana", "b"), HUB_ERR_BAD_LOGIN);
	assert_int_equal(t_op(1, HUB_ACCOUNT_LOGIN, "ana", "sesame"), HUB_ERR_LOGIN_THROTTLED);
	assert_true(env.last.retry_s > 0 && env.last.retry_s <= 60);
	/* Registrations: two per address an hour (these fakes share one, unknown, address). */
	assert_int_equal(t_op(1, HUB_ACCOUNT_REGISTER, NULL, "pw"), HUB_OK);
	assert_int_equal(t_op(2, HUB_ACCOUNT_REGISTER, NULL, "pw"), HUB_ERR_REGISTER_THROTTLED);
	assert_true(env.last.retry_s > 3500);
	t_stop();
}

/* Every attempt counts from its submission: logins in flight are throttled as failures until
 * their answer, and a session has one request waiting for a hash at a time. */
static void t_logins_in_flight(void **state)
{
	(void)state;
	t_start(60, 2, 10);
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_OK);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGOUT, NULL, NULL), HUB_OK);
	int n = env.answers;
	t_submit(1, HUB_ACCOUNT_LOGIN, "ana", "guess1");
	assert_int_equal(env.answers, n); /* waits for its hash */
	t_submit(1, HUB_ACCOUNT_LOGIN, "ana", "guess2");
	assert_int_equal(env.answers, n + 1); /* refused at once: one at a time */
	assert_int_equal(env.last.code, HUB_ERR_AUTH_BUSY);
	t_submit(2, HUB_ACCOUNT_LOGIN, "ana", "guess3");
	assert_int_equal(env.answers, n + 1);
	/* Two attempts in flight reach the limit of two: the next is throttled unhashed. */
	t_submit(0, HUB_ACCOUNT_LOGIN, "ana", "sesame");
	assert_int_equal(env.answers, n + 2);
	assert_int_equal(env.last.code, HUB_ERR_LOGIN_THROTTLED);
	t_settle(n + 4);
	assert_int_equal(env.last.code, HUB_ERR_BAD_LOGIN);
	t_stop();
	/* A success gives its attempt back: one failure and any number of right logins. */
	t_start(60, 2, 10);
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_OK);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGOUT, NULL, NULL), HUB_OK);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGIN, NULL, "wrong"), HUB_ERR_BAD_LOGIN);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t_op(0, HUB_ACCOUNT_LOGIN, NULL, "sesame"), HUB_OK);
		assert_int_equal(t_op(0, HUB_ACCOUNT_LOGOUT, NULL, NULL), HUB_OK);
	}
	/* An old password is a guess as well; a right one is given back. */
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGIN, NULL, "sesame"), HUB_OK);
	struct hub_account_req r = {.op = HUB_ACCOUNT_PASSWORD, .password = "nope",
				    .password_len = 4, .new_password = "open", .new_password_len = 4};
	assert_int_equal(t_ask(0, &r), HUB_ERR_BAD_LOGIN);
	r.password = "sesame";
	r.password_len = 6;
	assert_int_equal(t_ask(0, &r), HUB_ERR_LOGIN_THROTTLED);
	t_stop();
}

static void t_certificates(void **state)
{
	(void)state;
	t_start(60, 3, 10);
	struct hub_account_req r = {.op = HUB_ACCOUNT_CERT_ADD, .certfp = "abcd01"};
	assert_int_equal(t_ask(0, &r), HUB_ERR_NOT_LOGGED_IN);
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_OK);
	/* Only the certificate the connection shows: a fingerprint is public, the key is the
	 * proof. None shown, or another one: refused. */
	assert_int_equal(t_ask(0, &r), HUB_ERR_NO_CERT);
	t_show_cert(0, "abcd02");
	assert_int_equal(t_ask(0, &r), HUB_ERR_NO_CERT);
	t_fps[0] = "abcd01";
	assert_int_equal(t_ask(0, &r), HUB_OK);
	r.certfp = "XYZ"; /* not lower-case hex */
	assert_int_equal(t_ask(0, &r), HUB_ERR_NO_CERT);
	r = (struct hub_account_req){.op = HUB_ACCOUNT_CERT_LIST};
	assert_int_equal(t_ask(0, &r), HUB_OK);
	assert_int_equal(env.ncerts, 1);
	/* bob logs in with the certificate (SASL EXTERNAL); a wrong one, or none, does not. */
	r = (struct hub_account_req){.op = HUB_ACCOUNT_CERT_LOGIN, .certfp = "abcd02"};
	assert_int_equal(t_ask(1, &r), HUB_ERR_BAD_LOGIN);
	r.certfp = NULL;
	assert_int_equal(t_ask(1, &r), HUB_ERR_NO_CERT);
	r.certfp = "abcd01";
	r.name = "cid";
	r.name_len = 3; /* an authzid that is not the certificate's account */
	assert_int_equal(t_ask(1, &r), HUB_ERR_BAD_LOGIN);
	r.name = NULL;
	r.name_len = 0;
	assert_int_equal(t_ask(1, &r), HUB_OK);
	assert_string_equal(env.fx->k[1].s.info->account, "ana");
	/* Deleted, it logs in no one. */
	r = (struct hub_account_req){.op = HUB_ACCOUNT_CERT_DEL, .certfp = "abcd01"};
	assert_int_equal(t_ask(0, &r), HUB_OK);
	r = (struct hub_account_req){.op = HUB_ACCOUNT_CERT_LOGIN, .certfp = "abcd01"};
	assert_int_equal(t_ask(2, &r), HUB_ERR_BAD_LOGIN);
	t_stop();
}

static void t_names(void **state)
{
	(void)state;
	t_start(0, 3, 10); /* no grace: a registered name is refused */
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_OK);
	assert_int_equal(t_op(0, HUB_ACCOUNT_LOGOUT, NULL, NULL), HUB_OK);
	/* ana, logged out, keeps the name she has; bob may not take it, until he logs in. */
	fx_drop_all(env.fx);
	assert_int_equal(session_nick(&env.fx->h, &env.fx->k[0].s, "ana2", 4), HUB_OK);
	assert_int_equal(session_nick(&env.fx->h, &env.fx->k[1].s, "Ana", 3),
			 HUB_ERR_NAME_REGISTERED);
	assert_non_null(strstr(fx_text(&env.fx->k[1]), "NAME_REGISTERED"));
	assert_int_equal(t_op(1, HUB_ACCOUNT_LOGIN, "ana", "sesame"), HUB_OK);
	assert_int_equal(session_nick(&env.fx->h, &env.fx->k[1].s, "Ana", 3), HUB_OK);
	t_stop();
	/* With a grace: the name is taken, and a warning says how long is left. */
	t_start(30, 3, 10);
	assert_int_equal(t_op(0, HUB_ACCOUNT_REGISTER, NULL, "sesame"), HUB_OK);
	assert_int_equal(session_nick(&env.fx->h, &env.fx->k[0].s, "ana2", 4), HUB_OK);
	fx_drop_all(env.fx);
	assert_int_equal(session_nick(&env.fx->h, &env.fx->k[1].s, "ana", 3), HUB_OK);
	/* Told on the next loop turn: after whatever its face says of the rename. */
	assert_null(strstr(fx_text(&env.fx->k[1]), "NAME_REGISTERED"));
	uv_run(&env.loop, UV_RUN_NOWAIT);
	assert_non_null(strstr(fx_text(&env.fx->k[1]), "NAME_REGISTERED detail=0 n=30"));
	t_stop();
}

static void t_nickserv_words(void **state)
{
	(void)state;
	struct nickserv_cmd c;
#define PARSE(s) nickserv_parse(s, strlen(s), &c)
	PARSE("");
	assert_int_equal(c.verb, NICKSERV_HELP);
	PARSE("register  sesame a@b.c");
	assert_int_equal(c.verb, NICKSERV_REGISTER);
	assert_int_equal(c.password.len, 6);
	assert_int_equal(c.email.len, 5);
	PARSE("REGISTER");
	assert_int_equal(c.verb, NICKSERV_SYNTAX);
	PARSE("IDENTIFY pw");
	assert_int_equal(c.verb, NICKSERV_IDENTIFY);
	assert_int_equal(c.name.len, 0);
	assert_memory_equal(c.password.p, "pw", 2);
	PARSE("identify ana pw");
	assert_memory_equal(c.name.p, "ana", 3);
	assert_memory_equal(c.password.p, "pw", 2);
	PARSE("IDENTIFY a b c");
	assert_int_equal(c.verb, NICKSERV_SYNTAX);
	PARSE("SET PASSWORD new");
	assert_int_equal(c.verb, NICKSERV_SET_PASSWORD);
	assert_memory_equal(c.password.p, "new", 3);
	PARSE("SET EMAIL x");
	assert_int_equal(c.verb, NICKSERV_SYNTAX);
	PARSE("CERT ADD");
	assert_int_equal(c.verb, NICKSERV_CERT_ADD);
	assert_int_equal(c.certfp.len, 0);
	PARSE("cert del ab:cd");
	assert_int_equal(c.verb, NICKSERV_CERT_DEL);
	assert_int_equal(c.certfp.len, 5);
	PARSE("CERT DEL");
	assert_int_equal(c.verb, NICKSERV_SYNTAX);
	PARSE("CERT LIST");
	assert_int_equal(c.verb, NICKSERV_CERT_LIST);
	PARSE("LOGOUT now");
	assert_int_equal(c.verb, NICKSERV_SYNTAX);
	PARSE("GHOST ana");
	assert_int_equal(c.verb, NICKSERV_UNKNOWN);
	assert_memory_equal(c.word.p, "GHOST", 5);
#undef PARSE
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_register_login),
		cmocka_unit_test(t_bad_passwords),
		cmocka_unit_test(t_throttles),
		cmocka_unit_test(t_logins_in_flight),
		cmocka_unit_test(t_certificates),
		cmocka_unit_test(t_names),
		cmocka_unit_test(t_nickserv_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
