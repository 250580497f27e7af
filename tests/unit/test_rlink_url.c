/* Unit tests for the redis:// URL parser of bridge/cluster/rlink (pure). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bridge/cluster/rlink.h"

static struct rlink_url parse_ok(const char *url)
{
	struct rlink_url u;
	const char *err = NULL;
	if (!rlink_url_parse(url, &u, &err))
		fail_msg("%s: %s", url, err);
	return u;
}

static const char *parse_err(const char *url)
{
	struct rlink_url u;
	const char *err = NULL;
	if (rlink_url_parse(url, &u, &err))
		fail_msg("%s was accepted", url);
	assert_non_null(err);
	return err;
}

static void test_defaults(void **state)
{
	(void)state;
	struct rlink_url u = parse_ok("redis://127.0.0.1");
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, RLINK_PORT_DEFAULT);
	assert_int_equal(u.db, 0);
	assert_string_equal(u.user, "");
	assert_string_equal(u.password, "");
	u = parse_ok("redis://127.0.0.1/");
	assert_int_equal(u.db, 0);
	u = parse_ok("REDIS://localhost");
	assert_string_equal(u.host, "127.0.0.1");
	u = parse_ok("redis://LocalHost:7000");
	assert_int_equal(u.port, 7000);
}

static void test_full(void **state)
{
	(void)state;
	struct rlink_url u = parse_ok("redis://:s3cret@10.0.0.7:6380/3");
	assert_string_equal(u.host, "10.0.0.7");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 3);
	assert_string_equal(u.user, "");
	assert_string_equal(u.password, "s3cret");
	u = parse_ok("redis://alice:pw@[::1]:1/9999");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 1);
	assert_int_equal(u.db, 9999);
	assert_string_equal(u.user, "alice");
	assert_string_equal(u.password, "pw");
	u = parse_ok("redis://[2001:db8::5]");
	assert_string_equal(u.host, "2001:db8::5");
	assert_int_equal(u.port, 6379);
	u = parse_ok("redis://127.0.0.1:65535");
	assert_int_equal(u.port, 65535);
}

/* A password may hold ':', '@' and '/' as they are; %XX stands for a byte. */
static void test_password(void **state)
{
	(void)state;
	struct rlink_url u = parse_ok("redis://:a:b:c@127.0.0.1");
	assert_string_equal(u.password, "a:b:c");
	u = parse_ok("redis://:p@ss/w0rd@127.0.0.1:7/2");
	assert_string_equal(u.password, "p@ss/w0rd");
	assert_int_equal(u.port, 7);
	assert_int_equal(u.db, 2);
	u = parse_ok("redis://b%40b:%25%3a%41@127.0.0.1");
	assert_string_equal(u.user, "b@b");
	assert_string_equal(u.password, "%:A");
	u = parse_ok("redis://:@127.0.0.1");
	assert_string_equal(u.password, "");
	char url[RLINK_PASSWORD_MAX + 64] = "redis://:";
	memset(url + strlen(url), 'x', RLINK_PASSWORD_MAX);
	strcat(url, "@127.0.0.1");
	u = parse_ok(url);
	assert_int_equal(strlen(u.password), RLINK_PASSWORD_MAX);
}

static void test_bad(void **state)
{
	(void)state;
	assert_non_null(strstr(parse_err(""), "empty"));
	assert_non_null(strstr(parse_err("http://127.0.0.1"), "redis://"));
	assert_non_null(strstr(parse_err("redis:/127.0.0.1"), "redis://"));
	assert_non_null(strstr(parse_err("rediss://127.0.0.1"), "TLS"));
	assert_non_null(strstr(parse_err("redis://"), "no host"));
	assert_non_null(strstr(parse_err("redis://:6379"), "no host"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1:0"), "port"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1:70000"), "port"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1:065536"), "port"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1:"), "port"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1:x"), "port"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1/99999"), "database"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1/-1"), "database"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1/1x"), "unexpected"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1/1/2"), "unexpected"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1?db=1"), "numeric"));
	assert_non_null(strstr(parse_err("redis://127.0.0.1:1?x"), "unexpected"));
	assert_non_null(strstr(parse_err("redis://redis.example.org"), "not resolved"));
	assert_non_null(strstr(parse_err("redis://999.1.1.1"), "numeric"));
	assert_non_null(strstr(parse_err("redis://::1"), "no host"));
	assert_non_null(strstr(parse_err("redis://[::1"), "']'"));
	assert_non_null(strstr(parse_err("redis://[127.0.0.1]"), "numeric"));
	assert_non_null(strstr(parse_err("redis://[]"), "no host"));
	assert_non_null(strstr(parse_err("redis://alice@127.0.0.1"), "needs a password"));
	assert_non_null(strstr(parse_err("redis://alice:@127.0.0.1"), "needs a password"));
	assert_non_null(strstr(parse_err("redis://:%zz@127.0.0.1"), "%25"));
	assert_non_null(strstr(parse_err("redis://:%4@127.0.0.1"), "%25"));
	assert_non_null(strstr(parse_err("redis://:%00@127.0.0.1"), "%25"));
	char url[RLINK_URL_MAX + 64] = "redis://:";
	memset(url + strlen(url), 'x', RLINK_PASSWORD_MAX + 1);
	strcat(url, "@127.0.0.1");
	assert_non_null(strstr(parse_err(url), "too long"));
	memset(url, 'x', sizeof(url) - 1);
	url[sizeof(url) - 1] = '\0';
	memcpy(url, "redis://", 8);
	assert_non_null(strstr(parse_err(url), "too long"));
}

/* The message never repeats the URL, which may hold a password. */
static void test_error_hides_password(void **state)
{
	(void)state;
	assert_null(strstr(parse_err("redis://:hunter2@127.0.0.1:0"), "hunter2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_error_hides_password),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
