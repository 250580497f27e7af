/* Unit tests for args.c: the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/args.h"

#define PARSE(a, ...)                                                                          \
	parse((a), (char *const[]){"charla", __VA_ARGS__, NULL},                               \
	      (int)(sizeof((const char *[]){"charla", __VA_ARGS__}) / sizeof(char *)))

static char err[128];

static struct buf help_buf;

/* The --help text in lang, valid until the next call. */
static const char *help(enum lang lang)
{
	buf_free(&help_buf);
	args_help(lang, &help_buf);
	buf_putc(&help_buf, '\0');
	return help_buf.data;
}

static enum args_result parse(struct args *a, char *const argv[], int argc)
{
	return args_parse(argc, argv, LANG_EN, a, err, sizeof err);
}

static void test_defaults(void **state)
{
	(void)state;
	struct args a;
	char *argv[] = {"charla", NULL};
	assert_int_equal(args_parse(1, argv, LANG_EN, &a, err, sizeof err), ARGS_RUN);
	assert_int_equal(a.lang, LANG_EN);
	assert_string_equal(a.host, "localhost");
	assert_string_equal(a.port, "7777");
	assert_null(a.name);
	assert_false(a.udp);
	assert_true(a.bell);
	assert_int_equal(a.keepalive_s, ARGS_DEFAULT_KEEPALIVE);
}

static void test_no_bell(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "--no-bell", "-n", "ana"), ARGS_RUN);
	assert_false(a.bell);
	assert_string_equal(a.name, "ana");
	assert_non_null(strstr(help(LANG_EN), "--no-bell"));
}

static void test_udp_and_keepalive(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "--udp", "-n", "ana", "chat.example"), ARGS_RUN);
	assert_true(a.udp);
	assert_string_equal(a.host, "chat.example");
	assert_int_equal(PARSE(&a, "-u", "--keepalive", "3"), ARGS_RUN);
	assert_true(a.udp);
	assert_int_equal(a.keepalive_s, 3);
	assert_int_equal(PARSE(&a, "--keepalive=3600"), ARGS_RUN);
	assert_int_equal(a.keepalive_s, 3600);
	assert_int_equal(PARSE(&a, "--keepalive", "0"), ARGS_ERROR);
	assert_string_equal(err, "invalid keepalive 0 (1 to 3600 seconds)");
	assert_int_equal(PARSE(&a, "--keepalive=3601"), ARGS_ERROR);
	assert_int_equal(PARSE(&a, "--keepalive=1s"), ARGS_ERROR);
	assert_int_equal(PARSE(&a, "--keepalive"), ARGS_ERROR);
	assert_string_equal(err, "option --keepalive needs an argument");
}

/* --tls moves the default port to charlad's TLS one; --ca implies --tls; neither goes with UDP. */
static void test_tls_and_ca(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "-n", "ana"), ARGS_RUN);
	assert_false(a.tls);
	assert_null(a.ca);
	assert_int_equal(PARSE(&a, "--tls", "chat.example"), ARGS_RUN);
	assert_true(a.tls);
	assert_null(a.ca);
	assert_string_equal(a.port, ARGS_DEFAULT_TLS_PORT);
	assert_int_equal(PARSE(&a, "--tls", "chat.example", "6697"), ARGS_RUN);
	assert_string_equal(a.port, "6697");
	assert_int_equal(PARSE(&a, "--ca", "ca.pem", "-n", "ana"), ARGS_RUN);
	assert_true(a.tls);
	assert_string_equal(a.ca, "ca.pem");
	assert_string_equal(a.name, "ana");
	assert_int_equal(PARSE(&a, "--ca=x.pem"), ARGS_RUN);
	assert_string_equal(a.ca, "x.pem");
	/* --ca's value is no option and no host, even if it looks like one. */
	assert_int_equal(PARSE(&a, "--lang", "es", "--ca", "--lang"), ARGS_RUN);
	assert_string_equal(a.ca, "--lang");
	assert_string_equal(a.host, "localhost");
	assert_int_equal(PARSE(&a, "--ca"), ARGS_ERROR);
	assert_string_equal(err, "option --ca needs an argument");
	assert_int_equal(PARSE(&a, "--tls", "-u"), ARGS_ERROR);
	assert_string_equal(err, "--tls and --udp cannot go together");
	assert_non_null(strstr(help(LANG_EN), "--tls"));
	assert_non_null(strstr(help(LANG_EN), "--ca FILE"));
	assert_non_null(strstr(help(LANG_ES), "--ca FICHERO"));
}

static void test_host_port_and_name(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "-n", "ana", "chat.example", "9000"), ARGS_RUN);
	assert_string_equal(a.name, "ana");
	assert_string_equal(a.host, "chat.example");
	assert_string_equal(a.port, "9000");
	assert_int_equal(PARSE(&a, "example.org", "--name=bea"), ARGS_RUN);
	assert_string_equal(a.name, "bea");
	assert_string_equal(a.port, "7777");
	assert_int_equal(PARSE(&a, "-ncris"), ARGS_RUN);
	assert_string_equal(a.name, "cris");
	assert_int_equal(PARSE(&a, "--name", "Ñandú"), ARGS_RUN);
	assert_string_equal(a.name, "Ñandú");
}

static void test_bracketed_ipv6_host(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "[::1]", "7000"), ARGS_RUN);
	assert_string_equal(a.host, "::1");
	assert_int_equal(PARSE(&a, "::1"), ARGS_RUN);
	assert_string_equal(a.host, "::1");
	assert_int_equal(PARSE(&a, "[]"), ARGS_ERROR);
}

static void test_help_and_version(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "--help"), ARGS_HELP);
	assert_int_equal(PARSE(&a, "host", "-h"), ARGS_HELP);
	assert_int_equal(PARSE(&a, "-V"), ARGS_VERSION);
	assert_int_equal(PARSE(&a, "--version"), ARGS_VERSION);
	const char *text = help(LANG_EN);
	assert_non_null(strstr(text, "Usage: charla [-u] [-n NAME] [--lang LANG] [HOST [PORT]]"));
	assert_non_null(strstr(text, "(default localhost, port 7777)"));
	assert_non_null(strstr(text, "--lang LANG"));
	assert_non_null(strstr(text, "-u, --udp"));
	assert_non_null(strstr(text, "Exit status:"));
	assert_non_null(strstr(text, "3  unknown host"));
}

static void test_errors(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "-n"), ARGS_ERROR);
	assert_string_equal(err, "option -n needs an argument");
	assert_int_equal(PARSE(&a, "-x"), ARGS_ERROR);
	assert_string_equal(err, "unknown option -x (try --help)");
	assert_int_equal(PARSE(&a, "a", "1", "extra"), ARGS_ERROR);
	assert_string_equal(err, "too many arguments (try --help)");
	char *ports[] = {"0", "65536", "http", "", "123456", "80a"};
	for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) {
		char *argv[] = {"charla", "host", ports[i], NULL};
		assert_int_equal(args_parse(3, argv, LANG_EN, &a, err, sizeof err), ARGS_ERROR);
		assert_non_null(strstr(err, "invalid port"));
	}
	assert_int_equal(PARSE(&a, "-n", ""), ARGS_ERROR);
	assert_int_equal(PARSE(&a, "-n", "two\nlines"), ARGS_ERROR);
	assert_int_equal(PARSE(&a, "-n", "esc\x1b[2J"), ARGS_ERROR);
	assert_non_null(strstr(err, "invalid name"));
	assert_int_equal(PARSE(&a, "host", "1"), ARGS_RUN);
	assert_int_equal(PARSE(&a, "host", "65535"), ARGS_RUN);
}

static void test_double_dash_ends_options(void **state)
{
	(void)state;
	struct args a;
	assert_int_equal(PARSE(&a, "--", "-weird-host"), ARGS_RUN);
	assert_string_equal(a.host, "-weird-host");
	/* A single "-" is an argument, not an option. */
	assert_int_equal(PARSE(&a, "-"), ARGS_RUN);
	assert_string_equal(a.host, "-");
}

static void test_long_error_is_cut_visibly(void **state)
{
	(void)state;
	struct args a;
	char small[16];
	char *argv[] = {"charla", "--a-very-long-unknown-option", NULL};
	assert_int_equal(args_parse(2, argv, LANG_EN, &a, small, sizeof small), ARGS_ERROR);
	assert_int_equal(strlen(small), sizeof small - 1);
	assert_string_equal(small + sizeof small - 4, "...");
}

/* The environment's language, overridden by --lang wherever it stands, and every message in the
 * language that results, those about arguments before --lang included. */
static void test_lang(void **state)
{
	(void)state;
	struct args a;
	char *argv[] = {"charla", "-x", "--lang", "es", NULL};
	assert_int_equal(args_parse(4, argv, LANG_EN, &a, err, sizeof err), ARGS_ERROR);
	assert_string_equal(err, "opción desconocida -x (prueba --help)");
	char *env_es[] = {"charla", "-n", NULL};
	assert_int_equal(args_parse(2, env_es, LANG_ES, &a, err, sizeof err), ARGS_ERROR);
	assert_string_equal(err, "la opción -n necesita un argumento");
	char *back[] = {"charla", "--lang=EN", "host", "0", NULL};
	assert_int_equal(args_parse(4, back, LANG_ES, &a, err, sizeof err), ARGS_ERROR);
	assert_string_equal(err, "invalid port 0 (1 to 65535)");
	char *ok[] = {"charla", "--lang", "es_MX", "-n", "--lang", "host", NULL};
	assert_int_equal(args_parse(6, ok, LANG_EN, &a, err, sizeof err), ARGS_RUN);
	assert_int_equal(a.lang, LANG_ES);
	assert_string_equal(a.name, "--lang");
	assert_string_equal(a.host, "host");
	char *bad[] = {"charla", "--lang", "fr", NULL};
	assert_int_equal(args_parse(3, bad, LANG_ES, &a, err, sizeof err), ARGS_ERROR);
	assert_string_equal(err, "idioma desconocido fr (charla habla en, es)");
	char *missing[] = {"charla", "--lang", NULL};
	assert_int_equal(args_parse(2, missing, LANG_EN, &a, err, sizeof err), ARGS_ERROR);
	assert_string_equal(err, "option --lang needs an argument");
	/* After --, --lang is a host. */
	char *host[] = {"charla", "--", "--lang", NULL};
	assert_int_equal(args_parse(3, host, LANG_EN, &a, err, sizeof err), ARGS_RUN);
	assert_int_equal(a.lang, LANG_EN);
	assert_string_equal(a.host, "--lang");
	const char *text = help(LANG_ES);
	assert_non_null(strstr(text, "Uso: charla [-u] [-n NOMBRE] [--lang IDIOMA] [SERVIDOR [PUERTO]]"));
	assert_non_null(strstr(text, "(por defecto localhost, puerto 7777)"));
	assert_non_null(strstr(text, "Estado de salida:"));
	buf_free(&help_buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_udp_and_keepalive),
		cmocka_unit_test(test_tls_and_ca),
		cmocka_unit_test(test_host_port_and_name),
		cmocka_unit_test(test_bracketed_ipv6_host),
		cmocka_unit_test(test_no_bell),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_double_dash_ends_options),
		cmocka_unit_test(test_long_error_is_cut_visibly),
		cmocka_unit_test(test_lang),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
