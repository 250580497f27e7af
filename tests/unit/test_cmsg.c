/* Unit tests of cmsg (src/bridge/cluster/cmsg.c): the messages charlad nodes exchange through
 * Redis, encoded and read back, and everything a forger could send refused with a reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "bridge/cluster/cmsg.h"

static struct cmsg_field F(const char *s)
{
	return (struct cmsg_field){s, strlen(s)};
}

static void t_round_trip(void **state)
{
	(void)state;
	struct cmsg m = {.type = CMSG_MSG, .node = F("node-1"), .id = 42, .time_ms = 7, .n = 6};
	m.f[0] = F("ana");
	m.f[1] = F("#lobby");
	m.f[2] = F("");
	m.f[3] = F("0");
	m.f[4] = F("hola, ¿qué tal? 12:3\x02");
	m.f[5] = F("+a=b");
	struct buf b = BUF_INIT;
	cmsg_encode(&b, &m);
	assert_string_equal(b.data, "C1 MSG node-1 42 7 6\n3:ana\n6:#lobby\n0:\n1:0\n"
				    "23:hola, ¿qué tal? 12:3\x02\n4:+a=b\n");
	struct cmsg d;
	assert_null(cmsg_decode(b.data, b.len, &d));
	assert_int_equal(d.type, CMSG_MSG);
	assert_int_equal(d.id, 42);
	assert_int_equal(d.time_ms, 7);
	assert_int_equal(d.n, 6);
	assert_memory_equal(d.node.p, "node-1", 6);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(d.f[i].len, m.f[i].len);
		assert_memory_equal(d.f[i].p, m.f[i].p, m.f[i].len);
	}
	buf_free(&b);
}

static const char *decode(const char *s)
{
	struct cmsg m;
	return cmsg_decode(s, strlen(s), &m);
}

static void t_refusals(void **state)
{
	(void)state;
	assert_string_equal(decode("garbage"), "not a charla message");
	assert_string_equal(decode("C1 MSG"), "bad header");
	assert_string_equal(decode("C1 NOPE n 1 2 0\n"), "unknown type");
	assert_string_equal(decode("C1 HELLO bad/node 1 2 0\n"), "bad node name");
	assert_string_equal(decode("C1 HELLO n x 2 0\n"), "bad number");
	assert_string_equal(decode("C1 HELLO n 99999999999999999999 2 0\n"), "bad number");
	assert_string_equal(decode("C1 HELLO n 1 2 1\n1:x\n"), "wrong number of fields");
	assert_string_equal(decode("C1 QUIT n 1 2 2\n3:ana\n"), "bad field length");
	assert_string_equal(decode("C1 QUIT n 1 2 2\n3:ana\n9:bye\n"), "bad field");
	assert_string_equal(decode("C1 QUIT n 1 2 2\n3:ana\n3:b\rb\n"), "field not clean UTF-8");
	assert_string_equal(decode("C1 QUIT n 1 2 2\n3:ana\n2:\xff\xfe\n"), "field not clean UTF-8");
	assert_string_equal(decode("C1 QUIT n 1 2 2\n3:ana\n3:bye\nmore"), "trailing bytes");
	assert_null(decode("C1 QUIT n 1 2 2\n3:ana\n3:bye\n"));
	/* Too long, whatever it holds. */
	static char big[CMSG_MAX + 2];
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "C1 ", 3);
	assert_string_equal(decode(big), "too long");
	/* A field count beyond the most a message has. */
	assert_string_equal(decode("C1 MODE n 1 2 999\n"), "wrong number of fields");
}

static void t_node_names(void **state)
{
	(void)state;
	assert_true(cmsg_node_valid("aula-3.fiuba.ar:7777", 20));
	assert_false(cmsg_node_valid("", 0));
	assert_false(cmsg_node_valid("a b", 3));
	assert_false(cmsg_node_valid("ñ", 2));
	char long_name[CMSG_NODE_MAX + 2];
	memset(long_name, 'a', sizeof(long_name));
	assert_true(cmsg_node_valid(long_name, CMSG_NODE_MAX));
	assert_false(cmsg_node_valid(long_name, CMSG_NODE_MAX + 1));
	assert_string_equal(cmsg_type_name(CMSG_KILL), "KILL");
	assert_string_equal(cmsg_type_name(CMSG_TYPES), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_round_trip),
		cmocka_unit_test(t_refusals),
		cmocka_unit_test(t_node_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
