/* irc_sasl (src/face/irc/irc_sasl.c): AUTHENTICATE's chunks, base64 and PLAIN's message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "face/irc/irc_sasl.h"

static void t_one_chunk(void **state)
{
	(void)state;
	struct irc_sasl s = {0};
	/* base64("\0ana\0pw") */
	assert_int_equal(irc_sasl_feed(&s, "AGFuYQBwdw==", 12), IRC_SASL_DONE);
	char out[IRC_SASL_DECODED_MAX];
	long n = irc_sasl_decode(&s, out);
	assert_int_equal(n, 7);
	assert_memory_equal(out, "\0ana\0pw", 7);
	struct irc_sasl_plain p;
	assert_true(irc_sasl_plain(out, (size_t)n, &p));
	assert_int_equal(p.authzid_len, 0);
	assert_int_equal(p.authcid_len, 3);
	assert_memory_equal(p.authcid, "ana", 3);
	assert_int_equal(p.passwd_len, 2);
	assert_memory_equal(p.passwd, "pw", 2);
	irc_sasl_wipe(&s);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.b64[0], 0);
}

static void t_chunks(void **state)
{
	(void)state;
	struct irc_sasl s = {0};
	char chunk[IRC_SASL_CHUNK];
	memset(chunk, 'A', sizeof(chunk));
	/* Two full chunks, then "+": 800 bytes of base64 are 600 zero bytes. */
	assert_int_equal(irc_sasl_feed(&s, chunk, sizeof(chunk)), IRC_SASL_MORE);
	assert_int_equal(irc_sasl_feed(&s, chunk, sizeof(chunk)), IRC_SASL_MORE);
	assert_int_equal(irc_sasl_feed(&s, "+", 1), IRC_SASL_DONE);
	char out[IRC_SASL_DECODED_MAX];
	assert_int_equal(irc_sasl_decode(&s, out), 600);
	/* A line over a chunk: 905; a message over the most: refused too. */
	struct irc_sasl t = {0};
	char big[IRC_SASL_CHUNK + 1];
	memset(big, 'A', sizeof(big));
	assert_int_equal(irc_sasl_feed(&t, big, sizeof(big)), IRC_SASL_CHUNK_TOO_LONG);
	enum irc_sasl_feed r = IRC_SASL_MORE;
	for (int i = 0; i < 10 && r == IRC_SASL_MORE; i++)
		r = irc_sasl_feed(&t, chunk, sizeof(chunk));
	assert_int_equal(r, IRC_SASL_TOO_LONG);
	/* "+" alone: an empty message. */
	struct irc_sasl e = {0};
	assert_int_equal(irc_sasl_feed(&e, "+", 1), IRC_SASL_DONE);
	assert_int_equal(irc_sasl_decode(&e, out), 0);
}

static void t_bad_base64(void **state)
{
	(void)state;
	static const char *const bad[] = {"abc", "ab=c", "a===", "ab!d", "=abc", "ab==ab=="};
	char out[IRC_SASL_DECODED_MAX];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct irc_sasl s = {0};
		irc_sasl_feed(&s, bad[i], strlen(bad[i]));
		assert_int_equal(irc_sasl_decode(&s, out), -1);
	}
	/* Bad halfway: what was decoded before ("secret") is wiped, not left in out. */
	struct irc_sasl half = {0};
	memset(out, 0, sizeof(out));
	irc_sasl_feed(&half, "c2VjcmV0!!!!", 12);
	assert_int_equal(irc_sasl_decode(&half, out), -1);
	static const char zeros[IRC_SASL_DECODED_MAX];
	assert_memory_equal(out, zeros, sizeof(out));
	struct irc_sasl ok = {0};
	irc_sasl_feed(&ok, "YQ==", 4);
	assert_int_equal(irc_sasl_decode(&ok, out), 1);
	assert_int_equal(out[0], 'a');
}

static void t_plain_rules(void **state)
{
	(void)state;
	struct irc_sasl_plain p;
	assert_true(irc_sasl_plain("ana\0ana\0pw", 10, &p));     /* authzid = authcid */
	assert_false(irc_sasl_plain("bob\0ana\0pw", 10, &p));    /* someone else: no */
	assert_false(irc_sasl_plain("\0\0pw", 4, &p));           /* no authcid */
	assert_false(irc_sasl_plain("\0ana\0", 5, &p));          /* no password */
	assert_false(irc_sasl_plain("\0ana", 4, &p));            /* one NUL */
	assert_false(irc_sasl_plain("\0ana\0p\0w", 8, &p));      /* three */
	assert_false(irc_sasl_plain("", 0, &p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_one_chunk),
		cmocka_unit_test(t_chunks),
		cmocka_unit_test(t_bad_base64),
		cmocka_unit_test(t_plain_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
