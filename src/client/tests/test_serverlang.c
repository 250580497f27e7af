/* Unit tests for serverlang.c: asking the server for the user's language, and hiding an older
 * server's unknown-command error for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/serverlang.h"

static enum serverlang_verdict feed(struct serverlang *s, const char *line)
{
	return serverlang_line(s, line, strlen(line));
}

static void test_english_asks_nothing(void **state)
{
	(void)state;
	struct serverlang s;
	serverlang_start(&s, LANG_EN);
	struct buf line = BUF_INIT;
	assert_false(serverlang_request(&s, &line));
	assert_int_equal(line.len, 0);
	/* Nothing asked: even the error is the user's own (they typed /lang), and shown. */
	assert_int_equal(feed(&s, "! Unknown command: /lang. Type /help for the list."),
			 SERVERLANG_SHOW);
	buf_free(&line);
}

static void test_spanish_asks(void **state)
{
	(void)state;
	struct serverlang s;
	serverlang_start(&s, LANG_ES);
	struct buf line = BUF_INIT;
	assert_true(serverlang_request(&s, &line));
	assert_int_equal(line.len, strlen("/lang es"));
	assert_memory_equal(line.data, "/lang es", line.len);
	buf_free(&line);
}

static void test_old_server_error_is_hidden_once(void **state)
{
	(void)state;
	struct serverlang s;
	serverlang_start(&s, LANG_ES);
	struct buf line = BUF_INIT;
	serverlang_request(&s, &line);
	/* Room traffic before the answer is no answer. */
	assert_int_equal(feed(&s, "[#lobby] luis: hola"), SERVERLANG_SHOW);
	assert_int_equal(feed(&s, "-- bea is now known as bego"), SERVERLANG_SHOW);
	assert_int_equal(feed(&s, "! Unknown command: /lang. Type /help for the list."),
			 SERVERLANG_HIDE);
	assert_true(s.unsupported);
	assert_false(s.asked);
	/* The user's own /lang later gets its error shown. */
	assert_int_equal(feed(&s, "! Unknown command: /lang. Type /help for the list."),
			 SERVERLANG_SHOW);
	buf_free(&line);
}

static void test_new_server_answer_is_shown(void **state)
{
	(void)state;
	struct serverlang s;
	serverlang_start(&s, LANG_ES);
	struct buf line = BUF_INIT;
	serverlang_request(&s, &line);
	assert_int_equal(feed(&s, "* Ahora te hablo en español."), SERVERLANG_SHOW);
	assert_false(s.asked);
	assert_false(s.unsupported);
	assert_int_equal(feed(&s, "! Unknown command: /lang. Type /help for the list."),
			 SERVERLANG_SHOW);
	buf_free(&line);
}

static void test_other_errors_and_words(void **state)
{
	(void)state;
	struct serverlang s;
	serverlang_start(&s, LANG_ES);
	struct buf line = BUF_INIT;
	serverlang_request(&s, &line);
	/* Another command's error is the answer (not ours to hide), and ends the wait. */
	assert_int_equal(feed(&s, "! Unknown command: /language. Type /help for the list."),
			 SERVERLANG_SHOW);
	assert_false(s.asked);
	serverlang_start(&s, LANG_ES);
	serverlang_request(&s, &line);
	assert_int_equal(feed(&s, "! Unknown command: /LANG"), SERVERLANG_HIDE);
	/* A new session asks again and forgets the last server's answer. */
	serverlang_start(&s, LANG_ES);
	assert_false(s.unsupported);
	assert_int_equal(feed(&s, "! Unknown command: /lang."), SERVERLANG_SHOW);
	buf_free(&line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_english_asks_nothing),
		cmocka_unit_test(test_spanish_asks),
		cmocka_unit_test(test_old_server_error_is_hidden_once),
		cmocka_unit_test(test_new_server_answer_is_shown),
		cmocka_unit_test(test_other_errors_and_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
