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

/* Good URLs and what they give. */
static const struct good {
	const char *url, *host;
	unsigned port, db;
	const char *user, *password;
} goods[] = {
	{"redis://127.0.0.1", "127.0.0.1", RLINK_PORT_DEFAULT, 0, "", ""},
	{"redis://127.0.0.1/", "127.0.0.1", 6379, 0, "", ""},
	{"REDIS://localhost", "127.0.0.1", 6379, 0, "", ""},
	{"redis://LocalHost:7000", "127.0.0.1", 7000, 0, "", ""},
	{"redis://:s3cret@10.0.0.7:6380/3", "10.0.0.7", 6380, 3, "", "s3cret"},
	{"redis://alice:pw@[::1]:1/9999", "::1", 1, 9999, "alice", "pw"},
	{"redis://[2001:db8::5]", "2001:db8::5", 6379, 0, "", ""},
	{"redis://127.0.0.1:65535", "127.0.0.1", 65535, 0, "", ""},
	/* A password may hold ':', '@' and '/' as they are; %XX stands for a byte. */
	{"redis://:a:b:c@127.0.0.1", "127.0.0.1", 6379, 0, "", "a:b:c"},
	{"redis://:p@ss/w0rd@127.0.0.1:7/2", "127.0.0.1", 7, 2, "", "p@ss/w0rd"},
	{"redis://b%40b:%25%3a%41@127.0.0.1", "127.0.0.1", 6379, 0, "b@b", "%:A"},
	{"redis://:@127.0.0.1", "127.0.0.1", 6379, 0, "", ""},
};

static void test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		const struct good *g = &goods[i];
		struct rlink_url u = parse_ok(g->url);
		assert_string_equal(u.host, g->host);
		assert_int_equal(u.port, g->port);
		assert_int_equal(u.db, g->db);
		assert_string_equal(u.user, g->user);
		assert_string_equal(u.password, g->password);
	}
	char url[RLINK_PASSWORD_MAX + 64] = "redis://:";
	memset(url + strlen(url), 'x', RLINK_PASSWORD_MAX);
	strcat(url, "@127.0.0.1");
	assert_int_equal(strlen(parse_ok(url).password), RLINK_PASSWORD_MAX);
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
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_error_hides_password),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
