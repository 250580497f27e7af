/* irc_chathistory: the pure part of IRCv3 CHATHISTORY (ircv3.net/specs/extensions/chathistory):
 * its arguments parsed into a hub history query, and the text forms of message references
 * (msgid= and timestamp=). No I/O, no allocation; irc_history.c does the asking and the answering.
 *
 * References and ids. A msgid is the hub's event id as the IRC face writes it in @msgid= (16
 * lowercase hex digits, irc_codec.c), so msgid=X is the id X exactly. A timestamp is an instant
 * (ISO 8601 UTC, "2026-12-06T06:33:19.123Z"); as a bound it is the id ms << HUB_ID_SEQ_BITS,
 * except where it bounds from below (AFTER, LATEST with a reference, the lower end of BETWEEN):
 * there it is the last id of that millisecond, so that "after 12:00:00.123" leaves out the
 * messages of that millisecond, as "before" does. Both forms are accepted wherever a reference
 * is (MSGREFTYPES=msgid,timestamp). Ids stay below 2^63 (a store keeps them as signed 64-bit
 * integers, as SQLite does): a larger msgid is IRC_CH_ID_MAX, and a timestamp past the ids' last
 * millisecond (in 2248) is that millisecond.
 *
 * Ownership. A parsed struct irc_ch_request points into the message it was parsed from (its
 * target), valid as long as that line is. */
#ifndef CHARLA_FACE_IRC_IRC_CHATHISTORY_H
#define CHARLA_FACE_IRC_IRC_CHATHISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "face/irc/irc_msg.h"
#include "hub/history.h"

enum irc_ch_sub {
	IRC_CH_LATEST,
	IRC_CH_BEFORE,
	IRC_CH_AFTER,
	IRC_CH_AROUND,
	IRC_CH_BETWEEN,
	IRC_CH_TARGETS,
	IRC_CH_SUBS
};

enum irc_ch_parse {
	IRC_CH_OK,
	IRC_CH_UNKNOWN_SUB, /* no such subcommand (FAIL ... UNKNOWN_COMMAND) */
	IRC_CH_NEED_PARAMS, /* too few parameters for it (NEED_MORE_PARAMS) */
	IRC_CH_BAD_REF,     /* a reference that is neither msgid=, timestamp= nor (LATEST) '*'
			     * (INVALID_PARAMS, as the next) */
	IRC_CH_BAD_LIMIT,   /* a limit that is not a number from 1 */
};

enum { IRC_CH_TIME_LEN = 24 };
#define IRC_CH_ID_MAX ((uint64_t)INT64_MAX) /* "YYYY-MM-DDThh:mm:ss.sssZ" */

struct irc_ch_request {
	enum irc_ch_sub sub;
	struct irc_span target;    /* not for TARGETS */
	uint64_t from, to;         /* ids (hub/history.h); 0: unbounded */
	unsigned limit;            /* 1..max */
	bool none;                 /* a msgid= that names no message of ours (not hex, or 0): the
				    * answer is empty */
	bool desc;                 /* TARGETS: the first end is the later (the limit counts from it) */
};

/* The subcommand's name ("LATEST"...). */
const char *irc_ch_sub_name(enum irc_ch_sub sub);
/* Parses CHATHISTORY's parameters (m->params[0] on: the subcommand, then its own), capping the
 * limit at max. On an error, out->sub is set when the subcommand was known (for the FAIL line).
 * O(length of the parameters). */
enum irc_ch_parse irc_ch_parse(const struct irc_msg *m, unsigned max, struct irc_ch_request *out);
/* A reference: "msgid=<hex>" (*is_time false) or "timestamp=<ISO 8601>" (*id is ms <<
 * HUB_ID_SEQ_BITS, *is_time true). False for anything else. */
bool irc_ch_ref(const char *p, size_t len, uint64_t *id, bool *is_time);
/* "YYYY-MM-DDThh:mm:ss[.fff...]Z" (the fraction optional, its digits past the third ignored) to
 * milliseconds since 1970; false when malformed or before 1970. */
bool irc_ch_time_parse(const char *p, size_t len, uint64_t *ms);
/* Milliseconds since 1970 as "YYYY-MM-DDThh:mm:ss.sssZ" (IRC_CH_TIME_LEN bytes and a NUL). */
void irc_ch_time_format(uint64_t ms, char out[IRC_CH_TIME_LEN + 1]);
/* An event id as @msgid= writes it: 16 lowercase hex digits and a NUL. */
void irc_ch_msgid_format(uint64_t id, char out[17]);
/* The hub query a parsed request asks (not TARGETS). */
void irc_ch_query(const struct irc_ch_request *r, struct hub_history_query *q);

#endif
