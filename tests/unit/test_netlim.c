/* Unit tests for net/netlim: address normalisation (mapped IPv4, /24, /64), the exempt list, the
 * token bucket, and the table's counts (shared, released, never negative, freed when idle). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "net/netlim.h"

static struct netlim_addr addr(const char *text)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, text, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
	}
	struct netlim_addr a;
	assert_true(netlim_addr_from((struct sockaddr *)&ss, &a));
	return a;
}

static void key_is(const char *text, unsigned prefix, const char *want)
{
	struct netlim_addr a = addr(text);
	char key[NETLIM_KEY_LEN];
	netlim_key(&a, prefix, key);
	assert_string_equal(key, want);
}

static void test_keys(void **state)
{
	(void)state;
	key_is("192.0.2.7", 0, "192.0.2.7");
	key_is("192.0.2.7", 24, "192.0.2.0/24");
	key_is("::ffff:192.0.2.7", 0, "192.0.2.7"); /* mapped IPv4 counts as IPv4 */
	key_is("::ffff:192.0.2.7", 24, "192.0.2.0/24");
	key_is("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64");
	key_is("2001:db8:1:2:3:4:5:6", 0, "2001:db8:1:2:3:4:5:6");
	key_is("::1", 64, "::/64");
	struct netlim_addr m = addr("::ffff:10.0.0.1");
	assert_int_equal(m.family, AF_INET);
}

static void throttle_is(const char *text, const char *want)
{
	struct netlim_addr a = addr(text);
	char key[NETLIM_KEY_LEN];
	netlim_throttle_key(&a, key);
	assert_string_equal(key, want);
}

/* Logins, OPER and registrations are throttled per IPv6 /64 (rotating addresses inside it gets
 * no fresh attempts) and per IPv4 address (neighbours behind one /24 are not lumped). */
static void test_throttle_keys(void **state)
{
	(void)state;
	throttle_is("2001:db8:1:2::1", "2001:db8:1:2::/64");
	throttle_is("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64");
	throttle_is("2001:db8:1:3::1", "2001:db8:1:3::/64");
	throttle_is("192.0.2.7", "192.0.2.7");
	throttle_is("192.0.2.8", "192.0.2.8");
	throttle_is("::ffff:192.0.2.7", "192.0.2.7"); /* mapped IPv4 is IPv4: not a /64 */
}

static void test_exempt(void **state)
{
	(void)state;
	struct netlim_config cfg = {0};
	char err[128];
	assert_int_equal(netlim_parse_exempt("127.0.0.0/8,::1,2001:db8::/32", &cfg, err,
					     sizeof(err)), 0);
	assert_int_equal(cfg.nexempt, 3);
	struct netlim_addr a = addr("127.9.8.7");
	assert_true(netlim_in_cidr(&a, &cfg.exempt[0]));
	a = addr("128.0.0.1");
	assert_false(netlim_in_cidr(&a, &cfg.exempt[0]));
	a = addr("::ffff:127.0.0.1");
	assert_true(netlim_in_cidr(&a, &cfg.exempt[0]));
	a = addr("::1");
	assert_true(netlim_in_cidr(&a, &cfg.exempt[1]));
	a = addr("::2");
	assert_false(netlim_in_cidr(&a, &cfg.exempt[1]));
	a = addr("2001:db8:ffff::1");
	assert_true(netlim_in_cidr(&a, &cfg.exempt[2]));
	assert_int_equal(netlim_parse_exempt("", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nexempt, 0);
	assert_int_equal(netlim_parse_exempt("10.0.0.0/33", &cfg, err, sizeof(err)), -1);
	assert_int_equal(netlim_parse_exempt("nope", &cfg, err, sizeof(err)), -1);
	assert_int_equal(netlim_parse_exempt("10.0.0.1/", &cfg, err, sizeof(err)), -1);
	/* The prefix is digits only: strtoul alone would take a blank or a sign. */
	assert_int_equal(netlim_parse_exempt("10.0.0.0/ 8", &cfg, err, sizeof(err)), -1);
	assert_int_equal(netlim_parse_exempt("10.0.0.0/+8", &cfg, err, sizeof(err)), -1);
}

static void test_bucket(void **state)
{
	(void)state;
	struct tbucket b;
	tbucket_init(&b, 4, 1000);
	for (int i = 0; i < 4; i++)
		assert_true(tbucket_take(&b, 2, 4, 1000));
	assert_false(tbucket_take(&b, 2, 4, 1000));
	assert_false(tbucket_take(&b, 2, 4, 1499)); /* 2/s: one token per 500 ms */
	assert_true(tbucket_take(&b, 2, 4, 1500));
	assert_false(tbucket_take(&b, 2, 4, 1500));
	/* A long pause refills to the burst, no more. */
	for (int i = 0; i < 4; i++)
		assert_true(tbucket_take(&b, 2, 4, 100000));
	assert_false(tbucket_take(&b, 2, 4, 100000));
}

static void test_counts(void **state)
{
	(void)state;
	struct netlim t;
	struct netlim_config cfg = {.max_per_ip = 2, .max_per_ip24 = 3, .max_per_ip64 = 2};
	netlim_init(&t, &cfg, 1);
	unsigned lim = 0;
	struct netlim_addr a1 = addr("10.0.0.1"), a2 = addr("10.0.0.2"), a3 = addr("10.0.0.3");
	struct netlim_addr m1 = addr("::ffff:10.0.0.1"), other = addr("10.0.1.1");
	assert_int_equal(netlim_admit(&t, &a1, 0, &lim), NETLIM_OK);
	assert_int_equal(netlim_admit(&t, &m1, 0, &lim), NETLIM_OK); /* the same address */
	assert_int_equal(netlim_admit(&t, &a1, 0, &lim), NETLIM_PER_IP);
	assert_int_equal(lim, 2);
	assert_int_equal(netlim_count(&t, &a1, 0), 2);
	assert_int_equal(netlim_admit(&t, &a2, 0, &lim), NETLIM_OK);
	assert_int_equal(netlim_admit(&t, &a3, 0, &lim), NETLIM_PER_NET);
	assert_int_equal(lim, 3);
	assert_int_equal(netlim_count(&t, &a3, 24), 3);
	assert_int_equal(netlim_admit(&t, &other, 0, &lim), NETLIM_OK);
	/* Closing one lets one in. */
	netlim_release(&t, &a1);
	assert_int_equal(netlim_admit(&t, &a3, 0, &lim), NETLIM_OK);
	/* IPv6: the /64. */
	struct netlim_addr b1 = addr("2001:db8::1"), b2 = addr("2001:db8::2"),
			   b3 = addr("2001:db8::3"), c1 = addr("2001:db8:0:1::1");
	assert_int_equal(netlim_admit(&t, &b1, 0, &lim), NETLIM_OK);
	assert_int_equal(netlim_admit(&t, &b2, 0, &lim), NETLIM_OK);
	assert_int_equal(netlim_admit(&t, &b3, 0, &lim), NETLIM_PER_NET);
	assert_int_equal(netlim_admit(&t, &c1, 0, &lim), NETLIM_OK);
	/* Release everything, more than once: never negative, and the table empties. */
	netlim_release(&t, &a1);
	netlim_release(&t, &a2);
	netlim_release(&t, &a3);
	netlim_release(&t, &other);
	netlim_release(&t, &b1);
	netlim_release(&t, &b2);
	netlim_release(&t, &c1);
	netlim_release(&t, &a1);
	netlim_release(&t, &b3);
	assert_int_equal(netlim_count(&t, &a1, 0), 0);
	assert_int_equal(netlim_count(&t, &a1, 24), 0);
	assert_int_equal(netlim_entries(&t), 0);
	assert_int_equal(netlim_admit(&t, &a1, 0, &lim), NETLIM_OK);
	netlim_free(&t);
}

static void test_rate_and_sweep(void **state)
{
	(void)state;
	struct netlim t;
	struct netlim_config cfg = {.rate = 2};
	char err[64];
	assert_int_equal(netlim_parse_exempt("10.9.0.0/16", &cfg, err, sizeof(err)), 0);
	netlim_init(&t, &cfg, 1);
	unsigned lim = 0;
	struct netlim_addr a = addr("10.0.0.1"), ex = addr("10.9.3.4");
	for (int i = 0; i < 4; i++) { /* burst: twice the rate */
		assert_int_equal(netlim_admit(&t, &a, 1000, &lim), NETLIM_OK);
		netlim_release(&t, &a);
	}
	assert_int_equal(netlim_admit(&t, &a, 1000, &lim), NETLIM_RATE);
	assert_int_equal(lim, 2);
	assert_int_equal(netlim_admit(&t, &a, 1500, &lim), NETLIM_OK);
	netlim_release(&t, &a);
	for (int i = 0; i < 100; i++)
		assert_int_equal(netlim_admit(&t, &ex, 1500, &lim), NETLIM_EXEMPT);
	/* The idle address stays while its bucket refills, then the sweep frees it. */
	assert_int_equal(netlim_entries(&t), 1);
	netlim_sweep(&t, 2000);
	assert_int_equal(netlim_entries(&t), 1);
	netlim_sweep(&t, 3500);
	assert_int_equal(netlim_entries(&t), 0);
	netlim_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_exempt),
		cmocka_unit_test(test_throttle_keys),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_rate_and_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
