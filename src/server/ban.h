/* ban: the server's bans as a list, and the pure parsers of what an operator types: a mask and a
 * duration. server_bans.c wires the list to the hub (hub/bans.h), the net and the store.
 *
 * A mask is an address or CIDR block (net/netlim's parser: "192.0.2.7", "2001:db8::/32"; an
 * IPv4-mapped block is stored as the IPv4 one, a /0 is refused) or a name mask, stored as
 * "nick!user@host" (hub/mode.h's mask_normalise: "bob" is "bob!*@*"), which matches
 * case-insensitively as names do (mask_match). A name mask of any nick and user whose host is an
 * address or CIDR ("*@192.0.2.7") is that address's ban. A duration is "30s", "30m", "2h", "7d",
 * "1w", bare digits (minutes, as IRC's KLINE takes them), or "perm"/"0" for good.
 *
 * Ownership. A struct ban_list owns its bans and their strings; ban_list_free releases them.
 * Lookups are O(bans), at most BAN_MAX: checked at accept and at naming, not per message. Expired
 * bans are dropped by ban_list_expire, which the caller runs before it looks. No I/O, no clock. */
#ifndef CHARLA_SERVER_BAN_H
#define CHARLA_SERVER_BAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "net/netlim.h"

enum {
	BAN_MAX = 1000,         /* bans in force at once */
	BAN_MASK_MAX = 256,     /* bytes of a mask, as typed and as stored */
	BAN_REASON_MAX = 300,   /* bytes of a reason (cut at a character) */
};

#define BAN_DURATION_MAX_MS (10ull * 366 * 24 * 3600 * 1000) /* about ten years */

struct ban {
	char *mask;             /* normalised */
	char *reason;
	char *by;
	uint64_t set_ms;
	uint64_t until_ms;      /* 0: for good */
	bool is_addr;
	struct netlim_cidr cidr; /* is_addr only */
};

struct ban_list {
	struct ban *v;
	size_t n, cap;
};

/* s[0..len): *ms the duration in ms, 0 for good. False when it is none of the forms above, or
 * longer than BAN_DURATION_MAX_MS. */
bool ban_duration_parse(const char *s, size_t len, uint64_t *ms);
/* s[0..len): the mask as stored in out (cleared first); *is_addr and *cidr for an address.
 * False for an empty or too long mask, invalid UTF-8, a blank, a control, a comma, or a block of
 * every address. */
bool ban_mask_parse(const char *s, size_t len, struct buf *out, bool *is_addr,
		    struct netlim_cidr *cidr);
/* r[0..len) as a reason is kept, into out (cleared first): controls (a CR would end an IRC line
 * that quotes it) and invalid bytes replaced by U+FFFD, cut at a character to BAN_REASON_MAX
 * bytes, "no reason given" when empty. */
void ban_reason(const char *r, size_t len, struct buf *out);

/* Adds a ban (copying its strings) or replaces the one with the same mask (any case): returns it
 * (valid until the list changes), or NULL when the list is full. mask must come from
 * ban_mask_parse. */
const struct ban *ban_list_add(struct ban_list *l, const char *mask, bool is_addr, const struct netlim_cidr *c,
		  const char *reason, const char *by, uint64_t set_ms, uint64_t until_ms);
/* Removes the ban whose mask is `mask` once parsed (any case). False when there is none. */
bool ban_list_remove(struct ban_list *l, const char *mask);
/* Drops the bans whose time is over at now_ms, calling gone(ban, arg) for each first (gone may
 * be NULL). Returns how many went. */
size_t ban_list_expire(struct ban_list *l, uint64_t now_ms,
		       void (*gone)(const struct ban *b, void *arg), void *arg);
/* The first ban matching an address, or a "nick!user@host" text; NULL when none does. */
const struct ban *ban_list_match_addr(const struct ban_list *l, const struct netlim_addr *a);
const struct ban *ban_list_match_name(const struct ban_list *l, const char *who, size_t len);
void ban_list_free(struct ban_list *l);

#endif
