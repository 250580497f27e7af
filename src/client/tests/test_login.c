/* Unit tests for login.c: the prompt the client answers is hidden, a welcome ends the naming, and
 * an error about the name that went out is a refusal, while errors before the prompt are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "client/login.h"

#define GREETING "* charlad 0.1.0 on x. 1 person online."
#define PROMPT "* What is your name? (1-32 characters; no spaces, no ':')"
#define TAKEN "! The name ana is taken; pick another."
#define WELCOME "* Welcome, bea! You are in #lobby with 1 other. Type /help for commands."

static enum login_verdict line(struct login *l, const char *s)
{
	struct track_parts p;
	return login_line(l, s, strlen(s), track_parse(LANG_EN, s, strlen(s), &p));
}

static bool sent(struct login *l, const char *s)
{
	return login_sent(l, s, strlen(s));
}

static void test_the_answered_prompt_is_hidden_once(void **state)
{
	(void)state;
	struct login l = {0};
	login_start(&l, true);
	assert_true(sent(&l, "ana"));
	assert_int_equal(line(&l, GREETING), LOGIN_SHOW);
	assert_int_equal(line(&l, PROMPT), LOGIN_HIDE);
	assert_int_equal(line(&l, TAKEN), LOGIN_REFUSED);
	assert_string_equal(l.tried, "ana");
	assert_false(l.pending);
	/* The user must type another name: this prompt is for them. */
	assert_int_equal(line(&l, PROMPT), LOGIN_SHOW);
	assert_true(sent(&l, " bea "));
	assert_string_equal(l.tried, "bea");
	assert_int_equal(line(&l, WELCOME), LOGIN_WELCOME);
	assert_true(l.named);
	assert_int_equal(line(&l, "! No such user: zoe"), LOGIN_SHOW);
	assert_false(sent(&l, "hola"));
	login_free(&l);
}

static void test_without_a_name_the_prompt_is_shown(void **state)
{
	(void)state;
	struct login l = {0};
	login_start(&l, false);
	assert_int_equal(line(&l, PROMPT), LOGIN_SHOW);
	assert_false(l.pending);
	assert_true(sent(&l, "ana"));
	assert_true(l.pending);
	assert_int_equal(line(&l, "! Cannot use that name: a name cannot contain spaces."),
			 LOGIN_REFUSED);
	login_free(&l);
}

static void test_errors_before_the_prompt_are_not_refusals(void **state)
{
	(void)state;
	struct login l = {0};
	login_start(&l, true);
	sent(&l, "ana");
	assert_int_equal(line(&l, "* The server is full. You are number 2 in the queue."),
			 LOGIN_SHOW);
	assert_int_equal(line(&l, "! Too many datagrams (at most 20 a second); some were dropped."),
			 LOGIN_SHOW);
	assert_int_equal(line(&l, PROMPT), LOGIN_HIDE);
	assert_int_equal(line(&l, "! Server shutting down."), LOGIN_SHOW);
	assert_true(l.pending);
	login_free(&l);
}

static void test_commands_before_the_name(void **state)
{
	(void)state;
	struct login l = {0};
	login_start(&l, false);
	assert_false(sent(&l, "/help"));
	assert_false(sent(&l, "/HELP "));
	assert_false(sent(&l, "/quit bye"));
	assert_false(sent(&l, "  Salir "));
	assert_false(sent(&l, "   "));
	assert_false(l.pending);
	/* Any other command is answered with an error, which is not a refused name. */
	assert_int_equal(line(&l, PROMPT), LOGIN_SHOW);
	assert_true(sent(&l, "/join #dev"));
	assert_false(l.naming);
	assert_int_equal(line(&l, "! Give your name first."), LOGIN_ANSWERED);
	assert_false(l.pending);
	assert_int_equal(line(&l, PROMPT), LOGIN_SHOW);
	assert_true(sent(&l, "/helpme"));
	assert_int_equal(line(&l, "! Unknown command: /helpme. Type /help for the list."),
			 LOGIN_ANSWERED);
	assert_null(l.tried);
	/* `//x` is text: a name the server refuses. */
	assert_true(sent(&l, "//x"));
	assert_true(l.naming);
	assert_int_equal(line(&l, "! Cannot use that name: a name cannot start with /."),
			 LOGIN_REFUSED);
	assert_string_equal(l.tried, "//x");
	/* A new session starts afresh. */
	login_start(&l, true);
	assert_false(l.pending);
	assert_null(l.tried);
	assert_true(l.answering);
	login_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_answered_prompt_is_hidden_once),
		cmocka_unit_test(test_without_a_name_the_prompt_is_shown),
		cmocka_unit_test(test_errors_before_the_prompt_are_not_refusals),
		cmocka_unit_test(test_commands_before_the_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
