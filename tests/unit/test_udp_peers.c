/* Unit tests for face/udp/udp_peers: the peer table by address, cookies (keyed, per address,
 * expiring), the three expiry orders (silence, no name, no lines) and the rate limits. Time is
 * passed in, so nothing here sleeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "face/udp/udp_peers.h"

static const uint64_t SECRET[2] = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
/* A loop clock that is not near zero, as uv_now never is. */
#define T0 1000000ull

static struct sockaddr_storage v4(const char *ip, int port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(uv_ip4_addr(ip, port, (struct sockaddr_in *)&ss), 0);
	return ss;
}

static struct sockaddr_storage v6(const char *ip, int port)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	assert_int_equal(uv_ip6_addr(ip, port, (struct sockaddr_in6 *)&ss), 0);
	return ss;
}

#define SA(ss) ((const struct sockaddr *)&(ss))

static void setup_table(struct udp_peers *t, uint64_t idle, uint64_t name, uint64_t quiet)
{
	struct udp_timeouts to = {.idle_ms = idle, .name_ms = name, .quiet_ms = quiet};
	udp_peers_init(t, SECRET, &to, 10, 20);
}

static void t_siphash_vectors(void **state)
{
	(void)state;
	/* The reference vectors: key 00..0f, message 00..len-1. */
	unsigned char m[16];
	for (int i = 0; i < 16; i++)
		m[i] = (unsigned char)i;
	assert_true(udp_peers_siphash(SECRET[0], SECRET[1], m, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(udp_peers_siphash(SECRET[0], SECRET[1], m, 1) == 0x74f839c593dc67fdull);
	assert_true(udp_peers_siphash(SECRET[0], SECRET[1], m, 15) == 0xa129ca6149be45e5ull);
}

static void t_find_by_address(void **state)
{
	(void)state;
	struct udp_peers t;
	setup_table(&t, 60000, 0, 0);
	struct udp_peer a = {0}, b = {0}, c = {0};
	struct sockaddr_storage sa = v4("127.0.0.1", 5000), sb = v4("127.0.0.1", 5001),
				sc = v6("::1", 5000);
	assert_null(udp_peers_find(&t, SA(sa)));
	udp_peers_add(&t, &a, SA(sa), T0);
	udp_peers_add(&t, &b, SA(sb), T0);
	udp_peers_add(&t, &c, SA(sc), T0);
	assert_int_equal(t.count, 3);
	assert_ptr_equal(udp_peers_find(&t, SA(sa)), &a);
	assert_ptr_equal(udp_peers_find(&t, SA(sb)), &b);
	assert_ptr_equal(udp_peers_find(&t, SA(sc)), &c);
	assert_string_equal(a.key, "127.0.0.1:5000");
	assert_string_equal(c.key, "[::1]:5000");
	struct sockaddr_storage other = v4("127.0.0.2", 5000);
	assert_null(udp_peers_find(&t, SA(other)));
	udp_peers_remove(&t, &b);
	udp_peers_remove(&t, &b); /* twice is harmless */
	assert_int_equal(t.count, 2);
	assert_null(udp_peers_find(&t, SA(sb)));
	assert_ptr_equal(udp_peers_oldest(&t), &a);
	udp_peers_remove(&t, &a);
	udp_peers_remove(&t, &c);
	assert_null(udp_peers_oldest(&t));
	assert_true(udp_peers_deadline(&t) == UINT64_MAX);
	udp_peers_free(&t);
}

static void t_cookies(void **state)
{
	(void)state;
	struct udp_peers t;
	setup_table(&t, 60000, 0, 0);
	struct sockaddr_storage sa = v4("192.0.2.7", 4242), sb = v4("192.0.2.7", 4243),
				sc = v6("2001:db8::7", 4242);
	uint64_t now = T0 * 30; /* the start of a cookie period */
	uint64_t ca = udp_peers_cookie(&t, SA(sa), now);
	assert_true(udp_peers_cookie_valid(&t, SA(sa), now, ca));
	/* Good for the rest of its period and all of the next: 30 to 60 s. */
	assert_true(udp_peers_cookie_valid(&t, SA(sa), now + UDP_COOKIE_PERIOD_MS - 1, ca));
	assert_true(udp_peers_cookie_valid(&t, SA(sa), now + 2 * UDP_COOKIE_PERIOD_MS - 1, ca));
	assert_false(udp_peers_cookie_valid(&t, SA(sa), now + 2 * UDP_COOKIE_PERIOD_MS, ca));
	/* Never before it was made, never for another address or port. */
	assert_false(udp_peers_cookie_valid(&t, SA(sa), now - 1, ca));
	assert_false(udp_peers_cookie_valid(&t, SA(sb), now, ca));
	assert_false(udp_peers_cookie_valid(&t, SA(sc), now, ca));
	assert_false(udp_peers_cookie_valid(&t, SA(sa), now, ca ^ 1));
	/* The same address in the same period always gets the same cookie: no state needed. */
	assert_true(udp_peers_cookie(&t, SA(sa), now + 5) == ca);
	/* Another secret (another process) makes other cookies. */
	struct udp_peers u;
	struct udp_timeouts to = {.idle_ms = 1};
	uint64_t other[2] = {SECRET[0] ^ 1, SECRET[1]};
	udp_peers_init(&u, other, &to, 10, 20);
	assert_false(udp_peers_cookie_valid(&u, SA(sa), now, ca));
	udp_peers_free(&u);
	udp_peers_free(&t);
}

static void t_idle_expiry_oldest_first(void **state)
{
	(void)state;
	struct udp_peers t;
	setup_table(&t, 100, 0, 0);
	struct udp_peer a = {0}, b = {0};
	struct sockaddr_storage sa = v4("127.0.0.1", 1), sb = v4("127.0.0.1", 2);
	enum udp_expiry why;
	udp_peers_add(&t, &a, SA(sa), T0);
	udp_peers_add(&t, &b, SA(sb), T0 + 10);
	assert_true(udp_peers_deadline(&t) == T0 + 100);
	assert_null(udp_peers_expired(&t, T0 + 99, &why));
	assert_int_equal(why, UDP_EXPIRE_NONE);
	/* a speaks at +50: b is now the first to go. */
	udp_peers_touch(&t, &a, T0 + 50);
	assert_true(udp_peers_deadline(&t) == T0 + 110);
	assert_null(udp_peers_expired(&t, T0 + 109, &why));
	assert_ptr_equal(udp_peers_expired(&t, T0 + 110, &why), &b);
	assert_int_equal(why, UDP_EXPIRE_IDLE);
	udp_peers_remove(&t, &b);
	assert_null(udp_peers_expired(&t, T0 + 110, &why));
	assert_ptr_equal(udp_peers_expired(&t, T0 + 150, &why), &a);
	udp_peers_remove(&t, &a);
	udp_peers_free(&t);
}

static void t_name_and_quiet_expiry(void **state)
{
	(void)state;
	struct udp_peers t;
	setup_table(&t, 1000, 100, 300);
	struct udp_peer a = {0}, b = {0};
	struct sockaddr_storage sa = v4("127.0.0.1", 1), sb = v4("127.0.0.1", 2);
	enum udp_expiry why;
	udp_peers_add(&t, &a, SA(sa), T0);
	udp_peers_naming(&t, &a, true, T0);
	udp_peers_add(&t, &b, SA(sb), T0);
	udp_peers_naming(&t, &b, true, T0);
	/* Keepalives do not give a name: a still has to go at +100. */
	udp_peers_touch(&t, &a, T0 + 90);
	assert_true(udp_peers_deadline(&t) == T0 + 100);
	assert_ptr_equal(udp_peers_expired(&t, T0 + 100, &why), &a);
	assert_int_equal(why, UDP_EXPIRE_NAME);
	udp_peers_remove(&t, &a);
	/* b gives its name at +50: off the naming list, on the quiet one. */
	udp_peers_naming(&t, &b, false, T0 + 50);
	udp_peers_touch(&t, &b, T0 + 50);
	assert_null(udp_peers_expired(&t, T0 + 100, &why));
	assert_true(udp_peers_deadline(&t) == T0 + 350);
	/* Keepalives keep it registered but do not count as saying something. */
	udp_peers_touch(&t, &b, T0 + 300);
	assert_ptr_equal(udp_peers_expired(&t, T0 + 350, &why), &b);
	assert_int_equal(why, UDP_EXPIRE_QUIET);
	udp_peers_said(&t, &b, T0 + 340);
	assert_null(udp_peers_expired(&t, T0 + 350, &why));
	assert_true(udp_peers_deadline(&t) == T0 + 640);
	udp_peers_remove(&t, &b);
	udp_peers_free(&t);
}

static void t_timeouts_off(void **state)
{
	(void)state;
	struct udp_peers t;
	setup_table(&t, 1000, 0, 0);
	struct udp_peer a = {0};
	struct sockaddr_storage sa = v4("127.0.0.1", 1);
	enum udp_expiry why;
	udp_peers_add(&t, &a, SA(sa), T0);
	udp_peers_naming(&t, &a, true, T0);
	assert_true(udp_peers_deadline(&t) == T0 + 1000);
	udp_peers_naming(&t, &a, false, T0);
	assert_null(udp_peers_expired(&t, T0 + 999, &why));
	assert_ptr_equal(udp_peers_expired(&t, T0 + 1000, &why), &a);
	assert_int_equal(why, UDP_EXPIRE_IDLE);
	udp_peers_remove(&t, &a);
	udp_peers_free(&t);
}

static void t_rate_limits(void **state)
{
	(void)state;
	struct udp_peers t;
	setup_table(&t, 1000, 0, 0); /* 10 a second, bursts of 20 */
	struct udp_peer a = {0};
	struct sockaddr_storage sa = v4("127.0.0.1", 1), sb = v4("127.0.0.1", 2);
	udp_peers_add(&t, &a, SA(sa), T0);
	for (int i = 0; i < 20; i++)
		assert_true(udp_peers_allow(&t, &a, SA(sa), T0));
	assert_false(udp_peers_allow(&t, &a, SA(sa), T0));
	/* 100 ms buy one more datagram; 99 ms do not. */
	assert_false(udp_peers_allow(&t, &a, SA(sa), T0 + 99));
	assert_true(udp_peers_allow(&t, &a, SA(sa), T0 + 100));
	assert_false(udp_peers_allow(&t, &a, SA(sa), T0 + 100));
	/* A long pause refills the bucket, no further than the burst. */
	for (int i = 0; i < 20; i++)
		assert_true(udp_peers_allow(&t, &a, SA(sa), T0 + 100000));
	assert_false(udp_peers_allow(&t, &a, SA(sa), T0 + 100000));
	/* A clock that steps back takes nothing and gives nothing. */
	assert_false(udp_peers_allow(&t, &a, SA(sa), T0));
	/* An unverified address has a bucket of its own, untouched by a's. */
	for (int i = 0; i < 20; i++)
		assert_true(udp_peers_allow(&t, NULL, SA(sb), T0 + 100000));
	assert_false(udp_peers_allow(&t, NULL, SA(sb), T0 + 100000));
	/* ...which is the same bucket every time for that address. */
	assert_true(udp_peers_allow(&t, NULL, SA(sb), T0 + 100100));
	assert_false(udp_peers_allow(&t, NULL, SA(sb), T0 + 100100));
	udp_peers_remove(&t, &a);
	udp_peers_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_siphash_vectors),
		cmocka_unit_test(t_find_by_address),
		cmocka_unit_test(t_cookies),
		cmocka_unit_test(t_idle_expiry_oldest_first),
		cmocka_unit_test(t_name_and_quiet_expiry),
		cmocka_unit_test(t_timeouts_off),
		cmocka_unit_test(t_rate_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
