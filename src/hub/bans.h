/* bans: server-wide bans (IRC's K-lines) as the hub and the faces see them: an interface that
 * server/ implements (server/server_bans.c: the list, its file in the store, address bans at
 * accept) and hands to the hub (hub.bans), so that a face's /ban or KLINE and the hub's check of a
 * name need neither server/ nor the store.
 *
 * A ban is a mask and a reason, set by an operator for a time or for good: a name mask
 * (nick!user@host globs, case-folded as names; a bare NAME means NAME!*@*) or an address or CIDR
 * block. It applies at accept (addresses), at naming (names: session_reserve asks `name`), and to
 * those online who match when it is set (cut, the setter apart). A ban whose time is over is gone.
 *
 * Ownership. The struct and its ctx are server/'s and outlive the hub's sessions. A view's
 * strings are the implementation's, valid until the next call. No call runs a fan-out but `add`,
 * which may cut sessions (session_cut): the caller must not be inside one. */
#ifndef CHARLA_HUB_BANS_H
#define CHARLA_HUB_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct session;

enum hub_ban_status {
	HUB_BAN_OK,
	HUB_BAN_BAD_MASK,     /* neither an address or CIDR nor a name mask */
	HUB_BAN_BAD_DURATION, /* not 30s, 30m, 2h, 7d, 1w or perm */
	HUB_BAN_NO_SUCH,      /* remove: no such ban */
	HUB_BAN_FULL,         /* add: too many bans already */
};

struct hub_ban_view {
	const char *mask;     /* as stored (normalised) */
	const char *reason;
	const char *by;       /* the operator's name */
	uint64_t set_ms;      /* wall clock, ms since 1970 */
	uint64_t until_ms;    /* 0: for good */
};

struct hub_bans {
	void *ctx;
	/* Sets (or replaces) a ban by operator `by`; *out gets it and *cut how many sessions online
	 * it cut. */
	enum hub_ban_status (*add)(void *ctx, struct session *by, const char *mask, size_t mlen,
				   const char *duration, size_t dlen, const char *reason,
				   size_t rlen, struct hub_ban_view *out, size_t *cut);
	enum hub_ban_status (*remove)(void *ctx, const char *mask, size_t len);
	/* The i-th ban in force (from 0): false past the last. */
	bool (*get)(void *ctx, size_t i, struct hub_ban_view *out);
	/* Whether s may not take `name` (a ban matches name!user@host): the ban in *out. */
	bool (*name)(void *ctx, const struct session *s, const char *name, size_t len,
		     struct hub_ban_view *out);
};

#endif
