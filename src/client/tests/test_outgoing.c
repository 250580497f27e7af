/* Unit tests for outgoing.c: what a typed line means, and the local echo of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/outgoing.h"

static enum outgoing_kind kind(const char *line)
{
	struct outgoing_parts p;
	return outgoing_classify(line, strlen(line), &p);
}

static void test_classify(void **state)
{
	(void)state;
	assert_int_equal(kind(""), OUTGOING_EMPTY);
	assert_int_equal(kind("   "), OUTGOING_EMPTY);
	assert_int_equal(kind("hola"), OUTGOING_SAY);
	assert_int_equal(kind("//etc/hosts"), OUTGOING_SAY);
	assert_int_equal(kind("/me waves"), OUTGOING_ACTION);
	assert_int_equal(kind("/ME waves"), OUTGOING_ACTION);
	assert_int_equal(kind("/me"), OUTGOING_COMMAND);
	assert_int_equal(kind("/meme"), OUTGOING_COMMAND);
	assert_int_equal(kind("/msg luis psst"), OUTGOING_PRIVATE);
	assert_int_equal(kind("/msg luis"), OUTGOING_COMMAND);
	assert_int_equal(kind("/quit"), OUTGOING_QUIT);
	assert_int_equal(kind("/QUIT gone fishing"), OUTGOING_QUIT);
	assert_int_equal(kind("/quitter"), OUTGOING_COMMAND);
	assert_int_equal(kind("salir"), OUTGOING_QUIT);
	assert_int_equal(kind("  Salir  "), OUTGOING_QUIT);
	assert_int_equal(kind("salir ya"), OUTGOING_SAY);
	assert_int_equal(kind("/join #dev"), OUTGOING_COMMAND);
}

static void check_echo(const char *line, const char *name, const char *room, const char *want)
{
	struct buf out = BUF_INIT;
	bool made = outgoing_echo(line, strlen(line), name, room, &out);
	if (want) {
		assert_true(made);
		assert_int_equal(out.len, strlen(want));
		assert_memory_equal(out.data, want, out.len);
	} else {
		assert_false(made);
		assert_int_equal(out.len, 0);
	}
	buf_free(&out);
}

static void test_echo_in_the_servers_form(void **state)
{
	(void)state;
	check_echo("hola", "ana", "#lobby", "[#lobby] ana: hola");
	check_echo("//etc/hosts is a file", "ana", "#dev", "[#dev] ana: /etc/hosts is a file");
	check_echo("/me  waves", "ana", "#lobby", "[#lobby] * ana waves");
	check_echo("/msg luis  psst, luis", "ana", NULL, "[pm to luis] ana: psst, luis");
}

static void test_no_echo_without_state_or_for_commands(void **state)
{
	(void)state;
	check_echo("ana", NULL, NULL, NULL);
	check_echo("hola", "ana", NULL, NULL);
	check_echo("/join #dev", "ana", "#lobby", NULL);
	check_echo("/quit", "ana", "#lobby", NULL);
}

static void transcript(const char *line, bool colour, const char *want)
{
	struct buf out = BUF_INIT;
	outgoing_transcript("#dev> ", line, strlen(line), colour, &out);
	assert_int_equal(out.len, strlen(want));
	assert_memory_equal(out.data, want, out.len);
	buf_free(&out);
}

static void test_transcript_of_commands(void **state)
{
	(void)state;
	transcript("/join #x", false, "#dev> /join #x\n");
	transcript("/join #x", true, "\x1b[2m#dev> /join #x\x1b[0m\n");
	/* Piped input may hold anything; the terminal never gets its control characters. */
	transcript("a\x1b[2Jb", false, "#dev> a\xef\xbf\xbd[2Jb\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_echo_in_the_servers_form),
		cmocka_unit_test(test_no_echo_without_state_or_for_commands),
		cmocka_unit_test(test_transcript_of_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
