/* Unit tests for base/log's record formatter: text lines as before, and JSON lines that parse
 * whatever the message holds (quotes, controls, ill-formed UTF-8), cut without breaking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/log.h"

/* 2026-12-06T05:55:00.123Z */
static const uint64_t TS = 1796536500123ull;

static size_t fmt_json(char *out, size_t cap, const char *msg, size_t len, bool truncated)
{
	return log_format_record(out, cap, LOG_FORMAT_JSON, "charlad", LOG_INFO, TS, msg, len,
				 truncated);
}

static void t_text(void **state)
{
	(void)state;
	char out[LOG_RECORD_MAX];
	size_t n = log_format_record(out, sizeof(out), LOG_FORMAT_TEXT, "charlad", LOG_WARN, TS,
				     "a \"b\"", 5, false);
	assert_string_equal(out, "charlad: warn: a \"b\"");
	assert_int_equal(n, strlen(out));
	log_format_record(out, sizeof(out), LOG_FORMAT_TEXT, "charlad", LOG_ERROR, TS, "cut", 3,
			  true);
	assert_string_equal(out, "charlad: error: cut...");
}

static void t_json_plain(void **state)
{
	(void)state;
	char out[LOG_RECORD_MAX];
	size_t n = fmt_json(out, sizeof(out), "listening on 127.0.0.1:7777", 27, false);
	assert_string_equal(out, "{\"ts\":\"2026-12-06T05:55:00.123Z\",\"level\":\"info\","
				 "\"msg\":\"listening on 127.0.0.1:7777\",\"prog\":\"charlad\"}");
	assert_int_equal(n, strlen(out));
}

static void t_json_escapes(void **state)
{
	(void)state;
	char out[LOG_RECORD_MAX];
	static const char msg[] = "q\" b\\ n\n t\t r\r bell\a nul\0 del\x7f \xc3\xb1 \xe2\x82\xac";
	fmt_json(out, sizeof(out), msg, sizeof(msg) - 1, false);
	assert_string_equal(out, "{\"ts\":\"2026-12-06T05:55:00.123Z\",\"level\":\"info\","
				 "\"msg\":\"q\\\" b\\\\ n\\n t\\t r\\r bell\\u0007 nul\\u0000 "
				 "del\\u007f \xc3\xb1 \xe2\x82\xac\",\"prog\":\"charlad\"}");
}

static void t_json_bad_utf8(void **state)
{
	(void)state;
	char out[LOG_RECORD_MAX];
	/* A lone continuation byte, a cut sequence, an overlong '/', a surrogate, a byte never in
	 * UTF-8: each ill-formed part becomes U+FFFD, valid text around them stays. */
	static const char msg[] = "a\x80" "b\xe2\x82" "c\xc0\xaf" "d\xed\xa0\x80" "e\xff";
	fmt_json(out, sizeof(out), msg, sizeof(msg) - 1, false);
	const char *m = strstr(out, "\"msg\":\"");
	assert_non_null(m);
	m += strlen("\"msg\":\"");
	assert_true(strncmp(m, "a\\ufffdb", 8) == 0);
	for (const unsigned char *p = (const unsigned char *)out; *p; p++)
		assert_true(*p < 0x80); /* no raw byte of the ill-formed input is left */
	assert_non_null(strstr(out, "c\\ufffd"));
	assert_non_null(strstr(out, "d\\ufffd"));
	assert_non_null(strstr(out, "e\\ufffd\",\"prog\":\"charlad\"}"));
}

static void t_json_truncated(void **state)
{
	(void)state;
	char out[LOG_RECORD_MAX];
	fmt_json(out, sizeof(out), "long", 4, true);
	assert_non_null(strstr(out, "\"msg\":\"long...\",\"truncated\":true,\"prog\":\"charlad\"}"));
}

/* A buffer too small for the message: the message is cut at a whole character or escape, and
 * the object still closes. */
static void t_json_small_buffer(void **state)
{
	(void)state;
	char msg[200];
	memset(msg, '"', sizeof(msg));
	/* From the smallest buffer that holds the fields and the tail on. */
	for (size_t cap = 110; cap < 200; cap++) {
		char out[200];
		size_t n = fmt_json(out, cap, msg, sizeof(msg), false);
		assert_true(n < cap);
		assert_int_equal(n, strlen(out));
		const char *tail = "\",\"truncated\":true,\"prog\":\"charlad\"}";
		size_t tl = strlen(tail);
		assert_true(n >= tl);
		if (strcmp(out + n - tl, tail) != 0)
			fail_msg("cap %zu: %s", cap, out);
		/* Every backslash in the message escapes a quote: no escape was cut in half. */
		const char *m = strstr(out, "\"msg\":\"") + strlen("\"msg\":\"");
		for (const char *p = m; p < out + n - tl - 3; p += 2)
			assert_true(p[0] == '\\' && p[1] == '"');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_text),
		cmocka_unit_test(t_json_plain),
		cmocka_unit_test(t_json_escapes),
		cmocka_unit_test(t_json_bad_utf8),
		cmocka_unit_test(t_json_truncated),
		cmocka_unit_test(t_json_small_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
