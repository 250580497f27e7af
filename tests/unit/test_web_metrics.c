/* Unit tests for the web face's /metrics allow list (src/face/web/web_metrics.c): parsing
 * addresses and CIDR blocks, and matching peers, IPv4-mapped IPv6 ones included. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "face/web/web_metrics.h"

static bool allowed(const char *spec, const char *addr)
{
	struct web_cidr *list;
	size_t n;
	bool any;
	char err[128];
	assert_int_equal(web_cidr_parse(spec, &list, &n, &any, err, sizeof(err)), 0);
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
	}
	bool ok = any || web_cidr_match(list, n, (struct sockaddr *)&ss);
	free(list);
	return ok;
}

static void t_default_is_loopback(void **state)
{
	(void)state;
	assert_true(allowed(WEB_METRICS_ALLOW_DEFAULT, "127.0.0.1"));
	assert_true(allowed(WEB_METRICS_ALLOW_DEFAULT, "127.255.0.2"));
	assert_true(allowed(WEB_METRICS_ALLOW_DEFAULT, "::1"));
	assert_true(allowed(WEB_METRICS_ALLOW_DEFAULT, "::ffff:127.0.0.1"));
	assert_false(allowed(WEB_METRICS_ALLOW_DEFAULT, "128.0.0.1"));
	assert_false(allowed(WEB_METRICS_ALLOW_DEFAULT, "10.0.0.1"));
	assert_false(allowed(WEB_METRICS_ALLOW_DEFAULT, "::2"));
	assert_false(allowed(WEB_METRICS_ALLOW_DEFAULT, "::ffff:10.0.0.1"));
}

static void t_blocks(void **state)
{
	(void)state;
	const char *spec = " 10.1.2.3 , 192.168.0.0/23,2001:db8::/33,172.16.0.0/12";
	assert_true(allowed(spec, "10.1.2.3"));
	assert_false(allowed(spec, "10.1.2.4"));
	assert_true(allowed(spec, "192.168.1.255"));
	assert_false(allowed(spec, "192.168.2.0"));
	assert_true(allowed(spec, "172.31.255.255"));
	assert_false(allowed(spec, "172.32.0.0"));
	assert_true(allowed(spec, "2001:db8:7fff::1"));
	assert_false(allowed(spec, "2001:db8:8000::1"));
	assert_false(allowed(spec, "127.0.0.1"));
	assert_true(allowed("0.0.0.0/0", "8.8.8.8"));
	assert_false(allowed("0.0.0.0/0", "::1"));
	assert_true(allowed("*", "8.8.8.8"));
	assert_true(allowed("::/0", "2001:db8::1"));
}

static void t_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {"", ",", "localhost", "10.0.0.0/33", "::1/129",
					  "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "1.2.3",
					  "10.0.0.1,,", "10.0.0.0/ 8"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct web_cidr *list = (struct web_cidr *)1;
		size_t n = 99;
		bool any = true;
		char err[128] = "";
		if (web_cidr_parse(bad[i], &list, &n, &any, err, sizeof(err)) != -1)
			fail_msg("'%s' was taken", bad[i]);
		assert_null(list);
		assert_int_equal(n, 0);
		assert_false(any);
		assert_true(err[0] != '\0');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_default_is_loopback),
		cmocka_unit_test(t_blocks),
		cmocka_unit_test(t_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
