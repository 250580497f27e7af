/* Unit tests of the server's bans (src/server/ban.c): durations and masks as operators type them,
 * and the list: replace, match by name and by address, expire, remove. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "server/ban.h"

#define DUR(lit, ms) ban_duration_parse((lit), sizeof(lit) - 1, (ms))

static void t_durations(void **state)
{
	(void)state;
	uint64_t ms = 1;
	assert_true(DUR("perm", &ms));
	assert_int_equal(ms, 0);
	assert_true(DUR("PERMANENT", &ms));
	assert_true(DUR("0", &ms));
	assert_int_equal(ms, 0);
	assert_true(DUR("45s", &ms));
	assert_int_equal(ms, 45000);
	assert_true(DUR("30m", &ms));
	assert_int_equal(ms, 30 * 60000);
	assert_true(DUR("2H", &ms));
	assert_int_equal(ms, 2 * 3600000);
	assert_true(DUR("7d", &ms));
	assert_int_equal(ms, 7ull * 86400000);
	assert_true(DUR("1w", &ms));
	assert_int_equal(ms, 7ull * 86400000);
	assert_true(DUR("10", &ms)); /* bare digits: minutes, as KLINE */
	assert_int_equal(ms, 600000);
	assert_true(DUR("3650d", &ms));
	static const char *const bad[] = {"", "m", "30x", "30mm", "-5m", " 5m", "5 m", "0s", "00m",
					  "3700d", "99999999999999999999", "1.5h", "perm!"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ban_duration_parse(bad[i], strlen(bad[i]), &ms));
}

static void t_masks(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	bool is_addr;
	struct netlim_cidr c;
	static const struct {
		const char *in, *out;
		bool addr;
	} ok[] = {
		{"bob", "bob!*@*", false},
		{"~b@host", "*!~b@host", false},
		{"Bob!*", "Bob!*@*", false},
		{"*!*@192.0.2.*", "*!*@192.0.2.*", false},
		{"192.0.2.7", "192.0.2.7", true},
		{"192.0.2.7/32", "192.0.2.7", true},
		{"192.0.2.77/24", "192.0.2.0/24", true},
		{"2001:db8::1/32", "2001:db8::/32", true},
		{"ñandú", "ñandú!*@*", false},
		/* Any nick and user at an address: that address's ban (it applies at accept). */
		{"*@203.0.113.5", "203.0.113.5", true},
		{"*!*@198.51.100.7/24", "198.51.100.0/24", true},
		{"*!*@2001:db8::1", "2001:db8::1", true},
		{"*!~u@192.0.2.7", "*!~u@192.0.2.7", false},
		{"bob!*@192.0.2.7", "bob!*@192.0.2.7", false},
		/* IPv4-mapped: stored as the IPv4 block clients are normalised to. */
		{"::ffff:192.0.2.7", "192.0.2.7", true},
		{"::ffff:192.0.2.77/120", "192.0.2.0/24", true},
		{"*@::ffff:192.0.2.7", "192.0.2.7", true},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_true(ban_mask_parse(ok[i].in, strlen(ok[i].in), &out, &is_addr, &c));
		assert_string_equal(out.data, ok[i].out);
		assert_int_equal(is_addr, ok[i].addr);
	}
	static const char *const bad[] = {"", "a b", "a,b", "a\tb", "\x7f", "\xff\xfe",
					  /* every address: refused, not stored as a /32 */
					  "0.0.0.0/0", "::/0", "*@0.0.0.0/0", "::ffff:0.0.0.0/96"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(ban_mask_parse(bad[i], strlen(bad[i]), &out, &is_addr, &c));
	char longest[BAN_MASK_MAX + 2];
	memset(longest, 'a', sizeof(longest));
	assert_false(ban_mask_parse(longest, BAN_MASK_MAX + 1, &out, &is_addr, &c));
	assert_false(ban_mask_parse(longest, BAN_MASK_MAX - 2, &out, &is_addr, &c)); /* + "!*@*" */
	assert_true(ban_mask_parse(longest, BAN_MASK_MAX - 4, &out, &is_addr, &c));
	buf_free(&out);
}

static const struct ban *add(struct ban_list *l, const char *mask, uint64_t until)
{
	struct buf norm = BUF_INIT;
	bool is_addr;
	struct netlim_cidr c;
	assert_true(ban_mask_parse(mask, strlen(mask), &norm, &is_addr, &c));
	const struct ban *b = ban_list_add(l, norm.data, is_addr, &c, "why", "op", 1000, until);
	buf_free(&norm);
	return b;
}

static struct netlim_addr addr(const char *text)
{
	struct netlim_cidr c;
	assert_true(netlim_cidr_parse(text, strlen(text), &c));
	return c.addr;
}

static size_t gone_count;
static void gone(const struct ban *b, void *arg)
{
	(void)b;
	(void)arg;
	gone_count++;
}

static void t_list(void **state)
{
	(void)state;
	struct ban_list l = {0};
	assert_non_null(add(&l, "Spam*", 5000));
	assert_non_null(add(&l, "192.0.2.0/24", 0));
	assert_non_null(add(&l, "*!*@evil.example", 9000));
	assert_non_null(add(&l, "SPAM*", 7000)); /* the same mask, any case: replaced */
	assert_int_equal(l.n, 3);
	const char *who = "spammer!~u@charla";
	const struct ban *b = ban_list_match_name(&l, who, strlen(who));
	assert_non_null(b);
	assert_int_equal(b->until_ms, 7000);
	who = "ana!~a@EVIL.example";
	assert_non_null(ban_list_match_name(&l, who, strlen(who)));
	who = "ana!~a@good.example";
	assert_null(ban_list_match_name(&l, who, strlen(who)));
	struct netlim_addr in = addr("192.0.2.200"), out = addr("192.0.3.1"), v6 = addr("::1");
	assert_non_null(ban_list_match_addr(&l, &in));
	assert_null(ban_list_match_addr(&l, &out));
	assert_null(ban_list_match_addr(&l, &v6));
	/* Expiry: the two with an end go, the one for good stays. */
	assert_int_equal(ban_list_expire(&l, 6999, gone, NULL), 0);
	assert_int_equal(ban_list_expire(&l, 9000, gone, NULL), 2);
	assert_int_equal(gone_count, 2);
	assert_int_equal(l.n, 1);
	assert_false(ban_list_remove(&l, "192.0.2.0/25"));
	assert_true(ban_list_remove(&l, "192.0.2.9/24")); /* parsed: the same block */
	assert_int_equal(l.n, 0);
	ban_list_free(&l);
}

/* A reason is quoted on raw IRC lines (ERROR, 465): no CR or LF may reach them. */
static void t_reasons(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	ban_reason("spam\rKILL x", 11, &out);
	assert_string_equal(out.data, "spam\xEF\xBF\xBDKILL x");
	ban_reason("a\nb\x01\xff", 5, &out);
	assert_string_equal(out.data, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
	ban_reason("", 0, &out);
	assert_string_equal(out.data, "no reason given");
	char longest[BAN_REASON_MAX + 8];
	memset(longest, 'a', sizeof(longest));
	memcpy(longest + BAN_REASON_MAX - 1, "\xC3\xB1", 2); /* ñ across the limit: cut before */
	ban_reason(longest, sizeof(longest), &out);
	assert_int_equal(out.len, BAN_REASON_MAX - 1);
	buf_free(&out);
}

/* A mapped block matches the IPv4 clients it names; a host-only name mask matches by address. */
static void t_addr_forms_match(void **state)
{
	(void)state;
	struct ban_list l = {0};
	add(&l, "::ffff:192.0.2.0/120", 0);
	add(&l, "*@203.0.113.5", 0);
	struct netlim_addr a = addr("192.0.2.9"), b = addr("203.0.113.5"), c = addr("203.0.113.6");
	assert_non_null(ban_list_match_addr(&l, &a));
	assert_non_null(ban_list_match_addr(&l, &b));
	assert_null(ban_list_match_addr(&l, &c));
	assert_true(ban_list_remove(&l, "203.0.113.5")); /* the same ban, however typed */
	assert_false(ban_list_remove(&l, "*!*@203.0.113.5"));
	assert_true(ban_list_remove(&l, "192.0.2.0/24"));
	ban_list_free(&l);
}

static void t_full(void **state)
{
	(void)state;
	struct ban_list l = {0};
	char m[32];
	for (int i = 0; i < BAN_MAX; i++) {
		snprintf(m, sizeof(m), "n%d", i);
		assert_non_null(add(&l, m, 0));
	}
	assert_null(add(&l, "one-more", 0));
	assert_non_null(add(&l, "n7", 0)); /* a replacement still fits */
	ban_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_durations),
		cmocka_unit_test(t_masks),
		cmocka_unit_test(t_list),
		cmocka_unit_test(t_reasons),
		cmocka_unit_test(t_addr_forms_match),
		cmocka_unit_test(t_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
