/* mode: a room's modes (who may join, speak, set the topic; its key, limit and mask lists) and
 * members' prefixes, changed by room operators.
 *
 * Modes are typed here; letters (IRC's "+ntk") are a face's business. A face turns what a client
 * typed into struct mode_change values and calls room_mode; the hub checks each change (the
 * requester is an operator, the target is a member, the list has room), applies those that pass,
 * tells the requester a result for each that does not, and fans out one HUB_EV_MODE with the
 * changes that took effect (each argument normalised: a member's name as it is, a mask as stored).
 *
 * Masks are "name!user@host" patterns with * and ?, matched case-insensitively (base/fold.h)
 * against a session's "name!user@host" (the parts its face did not set read as session.h's
 * stand-ins, the ones faces show); a bare name means name!*@*.
 * A masklist owns its strings; room_state owns its lists and frees them with the room. */
#ifndef CHARLA_HUB_MODE_H
#define CHARLA_HUB_MODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/event.h"

struct buf;

struct hub;
struct room;
struct session;

/* The order is part of the store's schema (rooms' modes are saved as these bits): add at the
 * end of a group only with a migration. */
enum room_mode {
	/* Flags. */
	MODE_INVITE_ONLY, /* joining needs an invitation (or a matching invite mask) */
	MODE_MODERATED,   /* only operators and voiced members speak */
	MODE_NO_EXTERNAL, /* only members speak */
	MODE_SECRET,      /* hidden from room lists and from the names of non-members */
	MODE_TOPIC_LOCK,  /* only operators set the topic */
	/* With a parameter. */
	MODE_KEY,         /* joining needs the key */
	MODE_LIMIT,       /* at most this many members */
	/* Lists of masks. */
	MODE_BAN,
	MODE_EXCEPT,      /* exempt from bans */
	MODE_INVEX,       /* exempt from invite-only */
	/* A member's prefix. */
	MODE_OP,
	MODE_VOICE,
	MODE_COUNT
};

enum {
	MODE_LISTS = 3,         /* MODE_BAN, MODE_EXCEPT, MODE_INVEX, in that order */
	MODE_LIST_MAX = 100,    /* masks in one list */
	MODE_MASK_MAX = 256,    /* bytes of one mask */
	MODE_KEY_MAX = 64,      /* bytes of a key */
	/* What a new room starts with: only members speak, only operators set the topic. */
	MODE_DEFAULT = (1u << MODE_NO_EXTERNAL) | (1u << MODE_TOPIC_LOCK),
};

struct mode_change {
	enum room_mode mode;
	bool add;
	const char *arg; /* KEY, LIMIT (decimal), lists (a mask), OP and VOICE (a name); else NULL */
	size_t arglen;
};

struct mask {
	char *text;    /* as given, "name!user@host" */
	char *by;      /* who set it */
	uint64_t at_ms;
};

struct masklist {
	struct mask *v;
	size_t n, cap;
};

/* Applies changes[0..n) to the room named `name` on behalf of s (see above). Returns the last
 * refusal, or HUB_OK if none was refused; a change that would change nothing (a ban already set,
 * +o for an operator) or that is malformed (a key with a space) is skipped without a word, as IRC
 * servers do. With n == 0 it only checks the room. */
enum hub_result room_mode(struct hub *h, struct session *s, const char *name, size_t len,
			  const struct mode_change *changes, size_t n);
/* Whether the flag mode m is set on r. */
bool mode_is_set(const struct room *r, enum room_mode m);
/* The masks of list m (MODE_BAN, MODE_EXCEPT, MODE_INVEX) of r; NULL when empty. */
const struct masklist *mode_list(const struct room *r, enum room_mode m);

/* Adds a saved mask to list m of r (room_restore's companion): normalised, deduplicated, at
 * most MODE_LIST_MAX. Returns whether it was added. */
bool mode_restore_mask(struct room *r, enum room_mode m, const char *text, const char *by,
		       uint64_t at_ms);

/* Whether s matches any mask of l. */
bool mask_list_match(const struct masklist *l, const struct session *s);
/* Glob match of a pattern with * and ? against text, case-insensitively (both are folded). Pure. */
bool mask_match(const char *pattern, size_t plen, const char *text, size_t tlen);
/* A mask as stored: "name!user@host", the parts a client left out read as "*" (out is cleared
 * first). Shared by rooms' lists and the server's bans. */
void mask_normalise(const char *m, size_t len, struct buf *out);
/* Frees the masks of l. */
void mask_list_free(struct masklist *l);

#endif
