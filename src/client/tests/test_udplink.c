/* Unit tests for udplink.c: the client's side of UDP without a network: registration, retries
 * and giving up, pacing, keepalives, registering again, duplicates and reordering, split lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "client/udplink.h"

/* "/hello NAME" padded with spaces to 23 bytes, then LF. */
#define PAD12 "            "
#define PAD13 " " PAD12

static struct buf show, dg;

static int setup(void **state)
{
	(void)state;
	buf_init(&show);
	buf_init(&dg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	buf_free(&show);
	buf_free(&dg);
	return 0;
}

static struct udplink_config config(void)
{
	struct udplink_config cfg;
	udplink_defaults(&cfg);
	return cfg;
}

/* The next datagram due at now, as a string ("" when none). */
static const char *out(struct udplink *u, uint64_t now)
{
	buf_clear(&dg);
	if (!udplink_output(u, now, &dg))
		return "";
	return dg.data;
}

static unsigned in(struct udplink *u, const char *datagram, uint64_t now)
{
	return udplink_input(u, datagram, strlen(datagram), now, &show);
}

static const char *shown(void)
{
	static char copy[8192];
	snprintf(copy, sizeof copy, "%s", show.data ? show.data : "");
	buf_clear(&show);
	return copy;
}

/* Registers u as NAME at time 0 and reads the greeting: ON at time 10, seq 1 used. */
static void registered(struct udplink *u, const char *name)
{
	struct udplink_config cfg = config();
	udplink_init(u, &cfg, name, 0);
	out(u, 0);
	in(u, "COOKIE 00000000000000ff\n", 5);
	out(u, 5);
	assert_int_equal(in(u, "1 * charlad 0.1.0 on x. 1 person online.\n", 10), UDPLINK_REGISTERED);
	shown();
}

static void test_registration(void **state)
{
	(void)state;
	struct udplink u;
	struct udplink_config cfg = config();
	udplink_init(&u, &cfg, "ana", 1000);
	const char *hello = out(&u, 1000);
	assert_string_equal(hello, "/hello ana" PAD13 "\n");
	assert_int_equal(strlen(hello), UDP_HELLO_MIN);
	assert_string_equal(out(&u, 1000), "");
	assert_int_equal(udplink_wakeup(&u, 1000), 1500);
	assert_int_equal(in(&u, "COOKIE 0123456789abcdef\n", 1100), 0);
	assert_int_equal(u.state, UDPLINK_ECHOING);
	assert_int_equal(udplink_wakeup(&u, 1100), 1100);
	assert_string_equal(out(&u, 1100), "/hello ana 0123456789abcdef\n");
	/* No answer: the echo is sent again. */
	assert_string_equal(out(&u, 1599), "");
	assert_string_equal(out(&u, 1600), "/hello ana 0123456789abcdef\n");
	assert_int_equal(in(&u, "2 * What is your name?\n", 1700), UDPLINK_REGISTERED);
	assert_int_equal(u.state, UDPLINK_ON);
	assert_string_equal(shown(), "* What is your name?\n");
	/* The first datagram of the session was lost on the way. */
	assert_int_equal(seqstat_lost(&u.seq), 1);
	assert_int_equal(u.sent, 3);
	assert_int_equal(u.received, 2);
	assert_int_equal(u.registrations, 1);
	udplink_free(&u);
}

static void test_gives_up_on_silence(void **state)
{
	(void)state;
	struct udplink u;
	struct udplink_config cfg = config();
	udplink_init(&u, &cfg, NULL, 0);
	uint64_t sent_at[4] = {0, 500, 1500, 3500};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(udplink_wakeup(&u, sent_at[i]), sent_at[i]);
		assert_string_equal(out(&u, sent_at[i]), "/hello                 \n");
	}
	assert_int_equal(udplink_wakeup(&u, 3500), 7500);
	assert_string_equal(out(&u, 7500), "");
	assert_int_equal(u.state, UDPLINK_GAVE_UP);
	assert_int_equal(udplink_wakeup(&u, 7500), UINT64_MAX);
	/* Another address: from the start again. */
	udplink_restart(&u, 8000);
	assert_string_equal(out(&u, 8000), "/hello                 \n");
	udplink_free(&u);
}

static void test_pacing_and_keepalives(void **state)
{
	(void)state;
	struct udplink u;
	registered(&u, "ana");
	char line[32];
	for (int i = 0; i < 30; i++) {
		snprintf(line, sizeof line, "line %d", i);
		assert_true(udplink_queue(&u, line, strlen(line)));
	}
	/* A burst of 20, then one every 100 ms. */
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof line, "line %d\n", i);
		assert_string_equal(out(&u, 1000), line);
	}
	assert_string_equal(out(&u, 1000), "");
	assert_int_equal(udplink_wakeup(&u, 1000), 1100);
	assert_string_equal(out(&u, 1099), "");
	assert_string_equal(out(&u, 1100), "line 20\n");
	for (int i = 21; i < 30; i++)
		out(&u, 1100 + 100 * (uint64_t)(i - 20));
	assert_int_equal(udplink_queued(&u), 0);
	/* Quiet: a keepalive 20 s after the last datagram. */
	assert_int_equal(udplink_wakeup(&u, 2000), 2000 + 20000);
	assert_string_equal(out(&u, 21999), "");
	assert_string_equal(out(&u, 22000), "/keepalive\n");
	assert_int_equal(udplink_wakeup(&u, 22000), 42000);
	/* Too long for one datagram: refused. */
	char big[UDPLINK_LINE_MAX + 2];
	memset(big, 'x', sizeof big);
	assert_false(udplink_queue(&u, big, UDPLINK_LINE_MAX + 1));
	assert_true(udplink_queue(&u, big, UDPLINK_LINE_MAX));
	udplink_free(&u);
}

static void test_lines_wait_for_registration(void **state)
{
	(void)state;
	struct udplink u;
	struct udplink_config cfg = config();
	udplink_init(&u, &cfg, "ana", 0);
	assert_true(udplink_queue(&u, "hola", 4));
	assert_string_equal(out(&u, 0), "/hello ana" PAD13 "\n");
	assert_string_equal(out(&u, 0), "");
	in(&u, "COOKIE 0000000000000001\n", 1);
	assert_string_equal(out(&u, 1), "/hello ana 0000000000000001\n");
	in(&u, "1 * hi\n", 2);
	assert_string_equal(out(&u, 2), "hola\n");
	udplink_free(&u);
}

static void test_held_lines_wait_and_keepalives_go(void **state)
{
	(void)state;
	struct udplink u;
	registered(&u, "ana");
	udplink_hold(&u, true);
	assert_true(udplink_queue(&u, "hola", 4));
	assert_string_equal(out(&u, 100), "");
	assert_int_equal(udplink_wakeup(&u, 100), 10 + 20000);
	assert_string_equal(out(&u, 20010), "/keepalive\n");
	assert_int_equal(udplink_queued(&u), 5);
	udplink_hold(&u, false);
	assert_int_equal(udplink_wakeup(&u, 20020), 20020);
	assert_string_equal(out(&u, 20020), "hola\n");
	udplink_free(&u);
}

static void test_registers_again_when_forgotten(void **state)
{
	(void)state;
	struct udplink u;
	registered(&u, "ana");
	in(&u, "2 x\n", 20);
	in(&u, "4 y\n", 30);
	shown();
	udplink_set_name(&u, "beto");
	assert_int_equal(in(&u, "HELLO?\n", 40), UDPLINK_FORGOTTEN);
	assert_int_equal(u.state, UDPLINK_ASKING);
	assert_string_equal(out(&u, 40), "/hello beto" PAD12 "\n");
	/* HELLO? again while asking changes nothing. */
	assert_int_equal(in(&u, "HELLO?\n", 41), 0);
	in(&u, "COOKIE 0000000000000002\n", 50);
	assert_string_equal(out(&u, 50), "/hello beto 0000000000000002\n");
	/* The new session counts from 1 again; the loss of 3 stays counted. */
	assert_int_equal(in(&u, "1 * charlad\n", 60), UDPLINK_REGISTERED);
	in(&u, "2 z\n", 61);
	assert_string_equal(shown(), "* charlad\nz\n");
	assert_int_equal(seqstat_lost(&u.seq), 1);
	assert_int_equal(u.registrations, 2);
	/* The session is over another way (server shut down): ask again, never give up. */
	udplink_lost(&u, 100);
	for (uint64_t t = 100, i = 0; i < 10; i++) {
		assert_int_equal(udplink_wakeup(&u, t), t);
		assert_string_equal(out(&u, t), "/hello beto" PAD12 "\n");
		t = udplink_wakeup(&u, t);
		assert_true(t - 100 <= 4000 * (i + 1));
	}
	udplink_free(&u);
}

static void test_duplicates_hidden_reordered_shown(void **state)
{
	(void)state;
	struct udplink u;
	registered(&u, "ana");
	in(&u, "2 a\n", 20);
	in(&u, "2 a\n", 21);
	in(&u, "4 c\n", 22);
	in(&u, "3 b\n", 23);
	in(&u, "4 c\n", 24);
	assert_string_equal(shown(), "a\nc\nb\n");
	assert_int_equal(u.seq.duplicated, 2);
	assert_int_equal(u.seq.reordered, 1);
	assert_int_equal(seqstat_lost(&u.seq), 0);
	/* Not charla datagrams: counted as received, nothing else. */
	in(&u, "garbage\n", 25);
	assert_int_equal(u.received, 2 + 6);
	assert_string_equal(shown(), "");
	/* An error outside the session is shown. */
	in(&u, "! The server has too many UDP peers; try again later.\n", 26);
	assert_string_equal(shown(), "! The server has too many UDP peers; try again later.\n");
	udplink_free(&u);
}

static void test_split_lines(void **state)
{
	(void)state;
	struct udplink u;
	registered(&u, "ana");
	in(&u, "2:1/3 [#lobby] ana: uno \n", 20);
	in(&u, "3:2/3 dos \n", 21);
	assert_string_equal(shown(), "");
	in(&u, "4:3/3 tres\n", 22);
	assert_string_equal(shown(), "[#lobby] ana: uno dos tres\n");
	/* Out of order, and a duplicate part. */
	in(&u, "6:2/2 B\n", 30);
	in(&u, "6:2/2 B\n", 31);
	in(&u, "5:1/2 A\n", 32);
	assert_string_equal(shown(), "AB\n");
	/* A missing part: shown marked once the wait is over. */
	in(&u, "7:1/3 x\n", 40);
	in(&u, "9:3/3 z\n", 41);
	assert_int_equal(udplink_wakeup(&u, 41), 40 + 2000);
	udplink_poll(&u, 2039, &show);
	assert_string_equal(shown(), "");
	udplink_poll(&u, 2040, &show);
	assert_string_equal(shown(), "x[\xe2\x80\xa6]z\n");
	/* ...or as soon as a part of another line comes; a whole line meanwhile is shown at once
	 * (the missing part may still come, late). */
	in(&u, "10:1/2 p\n", 3000);
	in(&u, "12 next\n", 3001);
	assert_string_equal(shown(), "next\n");
	in(&u, "13:1/2 q\n", 3002);
	assert_string_equal(shown(), "p[\xe2\x80\xa6]\n");
	assert_int_equal(seqstat_lost(&u.seq), 2);
	udplink_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gives_up_on_silence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pacing_and_keepalives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_wait_for_registration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_lines_wait_and_keepalives_go, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers_again_when_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_hidden_reordered_shown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_lines, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
