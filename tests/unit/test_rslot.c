/* Unit tests of rslot (src/bridge/cluster/rslot.c): Redis Cluster's key slots (the values Redis's
 * CLUSTER KEYSLOT gives) and the topology read from CLUSTER NODES's text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bridge/cluster/rslot.h"

static unsigned S(const char *k)
{
	return rslot_of(k, strlen(k));
}

static void t_crc16(void **state)
{
	(void)state;
	/* The check value of CRC16/XMODEM, and Redis's own examples. */
	assert_int_equal(rslot_crc16("123456789", 9), 0x31c3);
	assert_int_equal(rslot_crc16("", 0), 0);
	assert_int_equal(S("foo"), 12182);
	assert_int_equal(S("bar"), 5061);
	assert_int_equal(S("hello"), 866);
}

static void t_hash_tags(void **state)
{
	(void)state;
	/* Every key of the bridge shares {charla}'s slot; rooms' channels do not. */
	unsigned tag = S("charla");
	assert_int_equal(S("{charla}:names"), tag);
	assert_int_equal(S("{charla}:lease:node-1"), tag);
	assert_int_equal(S("{charla}:owned:node-1"), tag);
	assert_int_equal(S("{charla}:ctl"), tag);
	assert_int_equal(S("{charla}:nodeseq"), tag);
	assert_int_not_equal(S("charla:room:#lobby"), tag);
	/* The first { and the next }; an empty tag or none: the whole key. */
	assert_int_equal(S("{user1000}.following"), S("user1000"));
	assert_int_equal(S("foo{}{bar}"), S("foo{}{bar}") % RSLOT_SLOTS);
	assert_int_equal(S("foo{}{bar}"), rslot_crc16("foo{}{bar}", 10) % RSLOT_SLOTS);
	assert_int_equal(S("foo{{bar}}zap"), S("{bar"));
	assert_int_equal(S("foo{bar}{zap}"), S("bar"));
	assert_int_equal(S("{unclosed"), rslot_crc16("{unclosed", 9) % RSLOT_SLOTS);
	for (unsigned i = 0; i < 1000; i++) {
		char k[16];
		int n = snprintf(k, sizeof(k), "k%u", i);
		assert_true(rslot_of(k, (size_t)n) < RSLOT_SLOTS);
	}
}

static const char NODES[] =
	"07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host4 slave "
	"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected\n"
	"67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 "
	"connected 5461-10922\n"
	"292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 "
	"connected 10923-16383\n"
	"6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005 master,fail - 0 "
	"1426238316232 5 connected\n"
	"e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca :30001@31001 myself,master - 0 0 1 connected "
	"0-5459 5460 [5461->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]\r\n";

static void t_nodes(void **state)
{
	(void)state;
	struct rslot_map *m = calloc(1, sizeof(*m));
	const char *err = NULL;
	assert_true(rslot_parse_nodes(NODES, strlen(NODES), "10.0.0.9", m, &err));
	assert_int_equal(m->masters, 3);
	assert_int_equal(m->covered, RSLOT_SLOTS);
	assert_string_equal(m->master[0].host, "127.0.0.1");
	assert_int_equal(m->master[0].port, 30002);
	assert_int_equal(m->master[1].port, 30003);
	/* The node that answered does not know its address: the seed's. */
	assert_string_equal(m->master[2].host, "10.0.0.9");
	assert_int_equal(m->master[2].port, 30001);
	assert_int_equal(m->owner[0], 2);
	assert_int_equal(m->owner[5460], 2);
	assert_int_equal(m->owner[5461], 0);
	assert_int_equal(m->owner[10922], 0);
	assert_int_equal(m->owner[16383], 1);
	free(m);
}

static void t_nodes_partial_and_ipv6(void **state)
{
	(void)state;
	struct rslot_map *m = calloc(1, sizeof(*m));
	const char *err = NULL;
	const char *t = "a ::1:7000@17000 master - 0 0 1 connected 0-99\n"
			"b 127.0.0.1:7001@17001 master,noaddr - 0 0 1 connected 100-200\n";
	assert_true(rslot_parse_nodes(t, strlen(t), "127.0.0.1", m, &err));
	assert_int_equal(m->masters, 1);
	assert_string_equal(m->master[0].host, "::1");
	assert_int_equal(m->master[0].port, 7000);
	assert_int_equal(m->covered, 100);
	assert_int_equal(m->owner[100], RSLOT_NONE);
	assert_true(rslot_parse_nodes("", 0, "127.0.0.1", m, &err));
	assert_int_equal(m->masters, 0);
	free(m);
}

static void t_nodes_refused(void **state)
{
	(void)state;
	struct rslot_map *m = calloc(1, sizeof(*m));
	static const char *const bad[] = {
		"a 127.0.0.1:7000@1 master - 0 0 1\n",                  /* too few fields */
		"a 127.0.0.1:7000@1 master - 0 0 1 connected 5-4\n",   /* backwards */
		"a 127.0.0.1:7000@1 master - 0 0 1 connected 16384\n", /* past the last slot */
		"a 127.0.0.1:7000@1 master - 0 0 1 connected x\n",
		"a 127.0.0.1:0@1 master - 0 0 1 connected 1\n",        /* port 0 */
		"a 127.0.0.1@1 master - 0 0 1 connected 1\n",          /* no port */
		"a redis.example:7000@1 master - 0 0 1 connected 1\n", /* a name, not an address */
		"a :7000@1 master - 0 0 1 connected 1\n",              /* empty, and not myself */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err = NULL;
		assert_false(rslot_parse_nodes(bad[i], strlen(bad[i]), "127.0.0.1", m, &err));
		assert_non_null(err);
	}
	const char *err = NULL;
	assert_false(rslot_parse_nodes("a\0b", 3, "127.0.0.1", m, &err));
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_crc16),
		cmocka_unit_test(t_hash_tags),
		cmocka_unit_test(t_nodes),
		cmocka_unit_test(t_nodes_partial_and_ipv6),
		cmocka_unit_test(t_nodes_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
