/* Unit tests for help.c: where charla's section goes in the server's /help reply, and what it
 * says about the assistant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/help.h"

#define HEAD "* Commands:"
#define ASK "*   /ask QUESTION    ask the assistant in the current room"
#define TAIL "* Anything else you type is said in your current room. Start a line with // to say " \
	"a line starting with /."

static enum help_place line(struct help *h, const char *s)
{
	return help_line(h, LANG_EN, s, strlen(s));
}

static void test_the_command(void **state)
{
	(void)state;
	assert_true(help_is_command("/help", 5));
	assert_true(help_is_command("/HELP  ", 7));
	assert_false(help_is_command("/help me", 8));
	assert_false(help_is_command("/helpme", 7));
	assert_false(help_is_command("help", 4));
}

static void test_after_the_reply_or_before_what_cuts_it(void **state)
{
	(void)state;
	struct help h = {0};
	/* Not asked: a reply is just lines. */
	assert_int_equal(line(&h, HEAD), HELP_NONE);
	assert_int_equal(line(&h, TAIL), HELP_NONE);
	help_asked(&h);
	assert_int_equal(line(&h, "[#lobby] luis: before the reply"), HELP_NONE);
	assert_int_equal(line(&h, HEAD), HELP_NONE);
	assert_int_equal(line(&h, "*   /help            this list"), HELP_NONE);
	assert_int_equal(line(&h, TAIL), HELP_AFTER);
	assert_int_equal(line(&h, TAIL), HELP_NONE);
	help_asked(&h);
	line(&h, HEAD);
	assert_int_equal(line(&h, "! Server shutting down."), HELP_BEFORE);
	assert_int_equal(line(&h, "[#lobby] luis: after"), HELP_NONE);
}

static struct buf out;

static const char *section_in(struct help *h, enum lang lang, const char *bot)
{
	buf_free(&out);
	help_section(h, lang, bot, &out);
	return out.data;
}

static const char *section(struct help *h, const char *bot)
{
	buf_free(&out);
	help_section(h, LANG_EN, bot, &out);
	return out.data;
}

static void test_the_section(void **state)
{
	(void)state;
	struct help h = {0};
	help_asked(&h);
	line(&h, HEAD);
	line(&h, TAIL);
	const char *s = section(&h, NULL);
	assert_true(strncmp(s, "* charla, this client:\n*   /stats ", 34) == 0);
	assert_non_null(strstr(s, "\n*   Tab              complete a name"));
	assert_non_null(strstr(s, "\n*   Ctrl-C           throw away the line being typed"));
	assert_non_null(strstr(s, "\n*   Up, Down "));
	/* No assistant on this server: nothing about it. */
	assert_null(strstr(s, "QUESTION"));
	assert_int_equal(s[strlen(s) - 1], '\n');

	help_asked(&h);
	line(&h, HEAD);
	line(&h, ASK);
	line(&h, TAIL);
	assert_non_null(strstr(section(&h, NULL),
			       "\n*   gpt: QUESTION    ask the assistant in the current room; "
			       "/msg gpt QUESTION privately\n"));
	assert_non_null(strstr(section(&h, "sabio"), "\n*   sabio: QUESTION  ask the assistant"));

	/* The server says it itself: not twice. */
	help_asked(&h);
	line(&h, HEAD);
	line(&h, ASK);
	line(&h, "*   gpt: QUESTION    ask the assistant; everyone in the room sees the answer");
	line(&h, TAIL);
	assert_null(strstr(section(&h, "gpt"), "QUESTION"));
	buf_free(&out);
}

/* In Spanish: the section is translated, and its items stay aligned by columns, not bytes
 * ("Arriba, Abajo" and "PREGUNTA" lines have accents elsewhere, none in the padding). */
static void test_the_section_in_spanish(void **state)
{
	(void)state;
	struct help h = {0};
	help_asked(&h);
	/* A server that still speaks English (old, or /lang not yet answered) is recognised in
	 * Spanish too. */
	assert_int_equal(help_line(&h, LANG_ES, HEAD, strlen(HEAD)), HELP_NONE);
	assert_int_equal(help_line(&h, LANG_ES, ASK, strlen(ASK)), HELP_NONE);
	assert_int_equal(help_line(&h, LANG_ES, TAIL, strlen(TAIL)), HELP_AFTER);
	const char *s = section_in(&h, LANG_ES, "gpt");
	assert_true(strncmp(s, "* charla, este cliente:\n*   /stats ", 35) == 0);
	assert_non_null(strstr(s, "\n*   Arriba, Abajo    las líneas que escribiste antes\n"));
	assert_non_null(strstr(s, "\n*   gpt: PREGUNTA    pregunta al asistente en la sala actual; "
				  "/msg gpt PREGUNTA en privado\n"));
	assert_non_null(strstr(s, "\n*   Ctrl-L           borra la pantalla\n"));
	buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_command),
		cmocka_unit_test(test_after_the_reply_or_before_what_cuts_it),
		cmocka_unit_test(test_the_section),
		cmocka_unit_test(test_the_section_in_spanish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
