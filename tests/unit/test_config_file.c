/* Unit tests for server/config_file's parser: a pure function over a buffer. Values land in
 * their fields through the option table, lists repeat, flags take words, comments and blank
 * lines are skipped, quotes keep blanks, and every mistake gives its line and a clear message
 * (with a suggestion for a typo). No file is read here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/config.h"
#include "server/config_file.h"

enum { TEXT_MAX = 4096 };

/* One parse over a private copy of text (the config's strings point into it). */
static struct {
	char text[TEXT_MAX];
	struct config cfg;
	struct config_file_result res;
	enum config_file_status st;
} run;

static enum config_file_status parse(const char *text)
{
	memset(&run, 0, sizeof(run));
	size_t n = strlen(text);
	assert_true(n < sizeof(run.text));
	memcpy(run.text, text, n + 1);
	config_defaults(&run.cfg);
	run.st = config_file_parse(&run.cfg, run.text, n, &run.res);
	return run.st;
}

static void fails(const char *text, enum config_file_status st, size_t line, const char *msg)
{
	assert_int_equal(parse(text), st);
	assert_int_equal(run.res.line, line);
	assert_string_equal(run.res.msg, msg);
}

static void t_values(void **state)
{
	(void)state;
	assert_int_equal(parse("# a comment\n\n  listen = 127.0.0.1:7000\nlisten=[::1]:7000\n"
			       "max-clients = 50\r\nmax-line = 8K\nserver-name = aula 3\n"
			       "\t# indented comment\nai-cap-key = max_completion_tokens\n"
			       "ai-base-url = http://localhost:11434/v1"),
			 CONFIG_FILE_OK);
	assert_int_equal(run.cfg.nlisten, 2);
	assert_string_equal(run.cfg.listen[0], "127.0.0.1:7000");
	assert_string_equal(run.cfg.listen[1], "[::1]:7000");
	assert_int_equal(run.cfg.max_clients, 50);
	assert_int_equal(run.cfg.max_line, 8192);
	assert_string_equal(run.cfg.server_name, "aula 3");
	assert_string_equal(run.cfg.ai_url, "http://localhost:11434/v1");
	assert_int_equal(run.res.line, 0);
	assert_null(run.res.secret);
}

static void t_quotes_and_blanks(void **state)
{
	(void)state;
	assert_int_equal(parse("server-info = \"  two blanks kept  \"\nnetwork=   x  \n"
			       "ai-system = say \"hi\" # not a comment"),
			 CONFIG_FILE_OK);
	assert_string_equal(run.cfg.server_info, "  two blanks kept  ");
	assert_string_equal(run.cfg.network, "x");
	assert_string_equal(run.cfg.ai_system, "say \"hi\" # not a comment");
	assert_int_equal(parse("server-name = \"\""), CONFIG_FILE_OK);
	assert_string_equal(run.cfg.server_name, "");
}

static void t_flags(void **state)
{
	(void)state;
	assert_int_equal(parse("no-http = true\nno-irc = yes\nno-ai = on\nverbose = 1"),
			 CONFIG_FILE_OK);
	assert_true(run.cfg.http_off && run.cfg.irc_off && run.cfg.ai_off);
	assert_int_equal(run.cfg.verbosity, 1);
	assert_int_equal(parse("no-http = true\nno-http = false\nquiet = yes\nquiet = no\n"
			       "udp = off"),
			 CONFIG_FILE_OK);
	assert_false(run.cfg.http_off);
	assert_int_equal(run.cfg.verbosity, 0);
	assert_true(run.cfg.udp_off);
	fails("\n\nno-http = maybe", CONFIG_FILE_BAD_VALUE, 3,
	      "bad value \"maybe\" for no-http (true or false)");
	fails("no-http =", CONFIG_FILE_BAD_VALUE, 1, "bad value \"\" for no-http (true or false)");
}

static void t_errors(void **state)
{
	(void)state;
	fails("listen = *:1\nlisen = *:2", CONFIG_FILE_UNKNOWN, 2,
	      "unknown setting \"lisen\" (did you mean \"listen\"?)");
	fails("max-client = 3", CONFIG_FILE_UNKNOWN, 1,
	      "unknown setting \"max-client\" (did you mean \"max-clients\"?)");
	fails("frobnicate = 3", CONFIG_FILE_UNKNOWN, 1, "unknown setting \"frobnicate\"");
	fails("--listen = *:1", CONFIG_FILE_UNKNOWN, 1,
	      "unknown setting \"--listen\" (did you mean \"listen\"?)");
	fails("x\x1b[2J = 1", CONFIG_FILE_UNKNOWN, 1, "unknown setting \"x?[2J\"");
	fails("# ok\nlisten *:1", CONFIG_FILE_SYNTAX, 2,
	      "expected NAME = VALUE (a long option's name, without --)");
	fails(" = 3", CONFIG_FILE_SYNTAX, 1,
	      "expected NAME = VALUE (a long option's name, without --)");
	fails("max-clients = many", CONFIG_FILE_BAD_VALUE, 1,
	      "bad value \"many\" for max-clients (see charlad --help)");
	fails("max-rooms = 0", CONFIG_FILE_BAD_VALUE, 1,
	      "bad value \"0\" for max-rooms (see charlad --help)");
	fails("ai-url = ftp://x", CONFIG_FILE_BAD_VALUE, 1,
	      "bad value \"ftp://x\" for ai-url (see charlad --help)");
	assert_int_equal(parse("listen = nowhere:port"), CONFIG_FILE_BAD_VALUE);
	assert_int_equal(run.res.line, 1);
	fails("config = /etc/other.conf", CONFIG_FILE_ARGV_ONLY, 1,
	      "config can only be given on the command line");
	fails("help = true", CONFIG_FILE_ARGV_ONLY, 1, "help can only be given on the command line");
	fails("check-config = true", CONFIG_FILE_ARGV_ONLY, 1,
	      "check-config can only be given on the command line");
	fails("motd = \xff\xfe", CONFIG_FILE_SYNTAX, 1, "not UTF-8");
	assert_int_equal(parse("x"), CONFIG_FILE_SYNTAX);
}

static void t_nul_byte(void **state)
{
	(void)state;
	memset(&run, 0, sizeof(run));
	static const char text[] = "network = a\0b\n";
	memcpy(run.text, text, sizeof(text));
	config_defaults(&run.cfg);
	assert_int_equal(config_file_parse(&run.cfg, run.text, sizeof(text) - 1, &run.res),
			 CONFIG_FILE_SYNTAX);
	assert_string_equal(run.res.msg, "a NUL byte");
}

static void t_lists_limit(void **state)
{
	(void)state;
	char text[TEXT_MAX] = "";
	for (int i = 0; i <= CONFIG_MAX_LISTEN; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "listen = *:%d\n", 1000 + i);
	fails(text, CONFIG_FILE_BAD_VALUE, CONFIG_MAX_LISTEN + 1, "at most 16 --listen addresses");
}

static void t_secrets(void **state)
{
	(void)state;
	assert_int_equal(parse("network = n\n\nirc-password = s3cret\nai-key = sk-1"), CONFIG_FILE_OK);
	assert_string_equal(run.res.secret, "irc-password");
	assert_int_equal(run.res.secret_line, 3);
	assert_string_equal(run.cfg.irc_password, "s3cret");
	assert_string_equal(run.cfg.ai_key, "sk-1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_values),
		cmocka_unit_test(t_quotes_and_blanks),
		cmocka_unit_test(t_flags),
		cmocka_unit_test(t_errors),
		cmocka_unit_test(t_nul_byte),
		cmocka_unit_test(t_lists_limit),
		cmocka_unit_test(t_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
