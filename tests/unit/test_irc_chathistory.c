/* Unit tests for face/irc/irc_chathistory: CHATHISTORY's arguments (every subcommand, both kinds
 * of reference, '*', limits and their cap, the errors) and the text forms of references
 * (timestamps both ways, msgids as @msgid= writes them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "face/irc/irc_chathistory.h"
#include "hub/hub.h"

static const uint64_t SEQ = (UINT64_C(1) << HUB_ID_SEQ_BITS) - 1;

/* Parses "CHATHISTORY <args>" with max 100. */
static enum irc_ch_parse parse(const char *args, struct irc_ch_request *r)
{
	static char line[512];
	snprintf(line, sizeof(line), "CHATHISTORY %s", args);
	static struct irc_msg m;
	assert_int_equal(irc_msg_parse(line, strlen(line), &m), IRC_PARSE_OK);
	return irc_ch_parse(&m, 100, r);
}

static void time_round_trip(void **state)
{
	(void)state;
	uint64_t ms;
	assert_true(irc_ch_time_parse("1970-01-01T00:00:00.000Z", 24, &ms));
	assert_int_equal(ms, 0);
	assert_true(irc_ch_time_parse("2026-12-06T06:33:19.123Z", 24, &ms));
	assert_int_equal(ms, UINT64_C(1796538799123));
	char out[IRC_CH_TIME_LEN + 1];
	irc_ch_time_format(ms, out);
	assert_string_equal(out, "2026-12-06T06:33:19.123Z");
	/* A leap day, the end of a century that is not a leap year, and 2000, which is. */
	const char *days[] = {"2024-02-29T23:59:59.999Z", "2100-03-01T00:00:00.001Z",
			      "2000-02-29T12:00:00.500Z", "1999-12-31T23:59:59.000Z"};
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		assert_true(irc_ch_time_parse(days[i], strlen(days[i]), &ms));
		irc_ch_time_format(ms, out);
		assert_string_equal(out, days[i]);
	}
	/* No fraction, or a longer one (cut to ms). */
	assert_true(irc_ch_time_parse("2026-12-06T06:33:19Z", 20, &ms));
	assert_int_equal(ms, UINT64_C(1796538799000));
	assert_true(irc_ch_time_parse("2026-12-06T06:33:19.12Z", 23, &ms));
	assert_int_equal(ms, UINT64_C(1796538799120));
	assert_true(irc_ch_time_parse("2026-12-06T06:33:19.123456Z", 27, &ms));
	assert_int_equal(ms, UINT64_C(1796538799123));
}

static void time_malformed(void **state)
{
	(void)state;
	uint64_t ms;
	const char *bad[] = {
		"2026-12-06T06:33:19.123",   /* no Z */
		"2026-12-06 06:33:19.123Z",  /* no T */
		"2026-13-06T06:33:19.123Z",  /* month 13 */
		"2023-02-29T06:33:19.123Z",  /* not a leap year */
		"2026-12-06T24:00:00.000Z",  /* hour 24 */
		"1969-12-31T23:59:59.999Z",  /* before 1970 */
		"2026-12-06T06:33:19.Z",     /* an empty fraction */
		"2026-12-06T06:33:19.1x3Z",  /* not digits */
		"2026-1a-06T06:33:19.123Z",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(irc_ch_time_parse(bad[i], strlen(bad[i]), &ms));
}

static void refs(void **state)
{
	(void)state;
	uint64_t id;
	bool t;
	char hex[17];
	irc_ch_msgid_format(UINT64_C(0x1a2b3c4d5e6f7081), hex);
	assert_string_equal(hex, "1a2b3c4d5e6f7081");
	assert_true(irc_ch_ref("msgid=1a2b3c4d5e6f7081", 22, &id, &t));
	assert_false(t);
	assert_int_equal(id, UINT64_C(0x1a2b3c4d5e6f7081));
	assert_true(irc_ch_ref("timestamp=2026-12-06T06:33:19.123Z", 34, &id, &t));
	assert_true(t);
	assert_int_equal(id, UINT64_C(1796538799123) << HUB_ID_SEQ_BITS);
	/* Past the ids' last millisecond: clamped to it, not refused. */
	assert_true(irc_ch_ref("timestamp=2999-01-01T00:00:00.000Z", 34, &id, &t));
	assert_int_equal(id, (IRC_CH_ID_MAX >> HUB_ID_SEQ_BITS) << HUB_ID_SEQ_BITS);
	assert_true(id <= IRC_CH_ID_MAX);
	assert_true(irc_ch_ref("msgid=ffffffffffffffff", 22, &id, &t));
	assert_int_equal(id, IRC_CH_ID_MAX);
	assert_false(irc_ch_ref("msgid=", 6, &id, &t));
	assert_false(irc_ch_ref("msgid=1a2b3c4d5e6f70819", 23, &id, &t)); /* 17 digits */
	assert_false(irc_ch_ref("msgid=xyz", 9, &id, &t));
	assert_false(irc_ch_ref("time=2026-12-06T06:33:19.123Z", 29, &id, &t));
	assert_false(irc_ch_ref("*", 1, &id, &t));
}

static void subcommands(void **state)
{
	(void)state;
	struct irc_ch_request r;
	const uint64_t T = UINT64_C(1796538799123) << HUB_ID_SEQ_BITS;
	struct hub_history_query q;

	assert_int_equal(parse("LATEST #x * 50", &r), IRC_CH_OK);
	assert_int_equal(r.sub, IRC_CH_LATEST);
	assert_int_equal(r.target.len, 2);
	assert_memory_equal(r.target.p, "#x", 2);
	assert_int_equal(r.from, 0);
	assert_int_equal(r.limit, 50);
	irc_ch_query(&r, &q);
	assert_int_equal(q.kind, HUB_HISTORY_LATEST);
	assert_int_equal(q.limit, 50);

	/* LATEST after a timestamp: the whole of that millisecond is left out. */
	assert_int_equal(parse("latest #x timestamp=2026-12-06T06:33:19.123Z 5", &r), IRC_CH_OK);
	assert_int_equal(r.from, T | SEQ);
	assert_int_equal(parse("LATEST ana msgid=00000000000000ff 5", &r), IRC_CH_OK);
	assert_int_equal(r.from, 0xff);

	assert_int_equal(parse("BEFORE #x timestamp=2026-12-06T06:33:19.123Z 10", &r), IRC_CH_OK);
	assert_int_equal(r.sub, IRC_CH_BEFORE);
	assert_int_equal(r.from, T);
	irc_ch_query(&r, &q);
	assert_int_equal(q.kind, HUB_HISTORY_BEFORE);

	assert_int_equal(parse("AFTER #x msgid=0000000000000010 10", &r), IRC_CH_OK);
	assert_int_equal(r.from, 0x10);
	assert_int_equal(parse("AFTER #x timestamp=2026-12-06T06:33:19.123Z 10", &r), IRC_CH_OK);
	assert_int_equal(r.from, T | SEQ);

	assert_int_equal(parse("AROUND #x msgid=0000000000000010 7", &r), IRC_CH_OK);
	assert_int_equal(r.sub, IRC_CH_AROUND);
	assert_int_equal(r.from, 0x10);
	irc_ch_query(&r, &q);
	assert_int_equal(q.kind, HUB_HISTORY_AROUND);

	/* BETWEEN keeps the order (the limit counts from the first), and the earlier end, a
	 * timestamp, bounds from below. */
	assert_int_equal(
		parse("BETWEEN #x timestamp=2026-12-06T06:33:19.123Z msgid=ffffffffffffffff 3", &r),
		IRC_CH_OK);
	assert_int_equal(r.from, T | SEQ);
	assert_int_equal(r.to, IRC_CH_ID_MAX);
	assert_int_equal(
		parse("BETWEEN #x msgid=ffffffffffffffff timestamp=2026-12-06T06:33:19.123Z 3", &r),
		IRC_CH_OK);
	assert_int_equal(r.from, IRC_CH_ID_MAX);
	assert_int_equal(r.to, T | SEQ);
	irc_ch_query(&r, &q);
	assert_int_equal(q.kind, HUB_HISTORY_BETWEEN);

	/* TARGETS: no target, the ends in order. */
	assert_int_equal(parse("TARGETS timestamp=2026-12-06T06:33:19.123Z "
			       "timestamp=2020-01-01T00:00:00.000Z 20",
			       &r),
			 IRC_CH_OK);
	assert_int_equal(r.sub, IRC_CH_TARGETS);
	assert_int_equal(r.target.len, 0);
	assert_true(r.from < r.to);
	assert_int_equal(r.to, T);
	assert_true(r.desc);
	assert_int_equal(parse("TARGETS timestamp=2020-01-01T00:00:00.000Z "
			       "timestamp=2026-12-06T06:33:19.123Z 20",
			       &r),
			 IRC_CH_OK);
	assert_false(r.desc);
	assert_int_equal(r.to, T);
}

static void limits_and_errors(void **state)
{
	(void)state;
	struct irc_ch_request r;
	assert_int_equal(parse("LATEST #x * 5000", &r), IRC_CH_OK);
	assert_int_equal(r.limit, 100); /* capped */
	assert_int_equal(parse("LATEST #x * 0", &r), IRC_CH_BAD_LIMIT);
	assert_int_equal(r.sub, IRC_CH_LATEST);
	assert_int_equal(parse("LATEST #x * ten", &r), IRC_CH_BAD_LIMIT);
	assert_int_equal(parse("LATEST #x * -1", &r), IRC_CH_BAD_LIMIT);
	assert_int_equal(parse("LATEST #x * 99999999999", &r), IRC_CH_BAD_LIMIT);
	assert_int_equal(parse("LATEST #x *", &r), IRC_CH_NEED_PARAMS);
	assert_int_equal(parse("BETWEEN #x msgid=1 10", &r), IRC_CH_NEED_PARAMS);
	assert_int_equal(parse("BEFORE #x * 10", &r), IRC_CH_BAD_REF); /* '*' is LATEST's */
	assert_int_equal(parse("BEFORE #x yesterday 10", &r), IRC_CH_BAD_REF);
	assert_int_equal(parse("BEFORE #x timestamp=yesterday 10", &r), IRC_CH_BAD_REF);
	assert_int_equal(parse("SOON #x * 10", &r), IRC_CH_UNKNOWN_SUB);
	assert_int_equal(r.sub, IRC_CH_SUBS);
	assert_string_equal(irc_ch_sub_name(IRC_CH_AROUND), "AROUND");
}

/* A msgid that is none of ours names no message: the request stands, its answer is empty. */
static void foreign_msgid(void **state)
{
	(void)state;
	struct irc_ch_request r;
	struct hub_history_query q;
	assert_int_equal(parse("BEFORE #x msgid=not-ours 10", &r), IRC_CH_OK);
	assert_true(r.none);
	irc_ch_query(&r, &q);
	assert_int_equal(q.kind, HUB_HISTORY_BETWEEN);
	assert_int_equal(q.from + 1, q.to);
	assert_int_equal(parse("AFTER #x msgid=0000000000000000 10", &r), IRC_CH_OK);
	assert_true(r.none);
	assert_int_equal(parse("AFTER #x msgid=0000000000000001 10", &r), IRC_CH_OK);
	assert_false(r.none);
	assert_int_equal(parse("AFTER #x timestamp=1970-01-01T00:00:00.000Z 10", &r), IRC_CH_OK);
	assert_false(r.none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_round_trip), cmocka_unit_test(time_malformed),
		cmocka_unit_test(refs),           cmocka_unit_test(subcommands),
		cmocka_unit_test(limits_and_errors), cmocka_unit_test(foreign_msgid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
