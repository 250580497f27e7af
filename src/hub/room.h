/* room: rooms and membership: joining, leaving, talking, topics, kicks, invitations, lists.
 *
 * Ownership. The hub owns its rooms. A room is created by the first join (its creator becomes
 * its operator) and freed when its last member leaves, unless it is kept (the lobby always;
 * registered rooms, room_keep), in which case its state (topic, modes, key, limit, lists) stays.
 * Membership is stored both ways with back-indexes (a session's membership knows its slot in the
 * room's member array and the member knows its slot in the session's array), so joining and
 * leaving are O(1) in the room whatever its size, and nothing scans all sessions.
 *
 * Every function takes the room by name, as a request from a face would name it; a refusal is told
 * to the requester as a result (event.h) and returned. Callers choose the room: the hub has no
 * idea of a "current room" (the line protocol's is the last of s->rooms, see session.h). */
#ifndef CHARLA_HUB_ROOM_H
#define CHARLA_HUB_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/event.h"
#include "hub/mode.h"

struct hub;
struct session;

/* A member's prefixes. */
enum {
	MEMBER_OP = 1u << 0,
	MEMBER_VOICE = 1u << 1,
};

struct room_member {
	struct session *s;
	uint32_t slot;  /* index of this room in s->rooms */
	uint8_t prefix; /* MEMBER_* */
};

/* What a room keeps beyond its members; allocated on first need. */
struct room_state {
	char *topic;
	size_t topic_len;
	char *topic_by;         /* who set it, as named then */
	uint64_t topic_ms;
	char *key;              /* +k, or NULL */
	uint32_t limit;         /* +l, or 0 */
	struct masklist lists[MODE_LISTS]; /* +b, +e, +I */
	uint64_t *invited;      /* session ids invited (room_invite), until they join */
	size_t ninvited, capinvited;
	char *founder;          /* the account (as registered) of who created it; it gets op
				 * back on joining (hub/account.h); NULL: none */
};

struct room {
	char *name;             /* as first written: "name\0folded\0" in one allocation */
	struct room_member *members;
	uint32_t count, cap;
	uint32_t local;         /* members on this node (not remote: session.h); a cluster
				 * listens to the room's news while this is not 0 */
	uint32_t modes;         /* bits of the flag modes (1u << MODE_*) */
	bool kept;              /* outlives its last member */
	uint64_t created_ms;
	struct room_state *state; /* NULL while it has none */
};

static inline const char *room_folded(const struct room *r)
{
	const char *n = r->name;
	while (*n)
		n++;
	return n + 1;
}

struct room *room_find(const struct hub *h, const char *name, size_t len);

/* Joins the room (creating it; s becomes its operator), with `key` for a room that has one (NULL
 * when none was given). Members see HUB_EV_JOIN; s gets it too (self, with the member count).
 * Refusals: ROOM_INVALID, ALREADY_IN, TOO_MANY_ROOMS, BANNED, BAD_KEY, ROOM_FULL, INVITE_ONLY. An
 * invitation (room_invite) lets s past invite-only and the member limit, an invite mask (+I) past
 * invite-only alone; nothing lets it past a ban or the key. (Naming puts a newcomer in the lobby
 * whatever the lobby's modes: everyone starts somewhere.) */
enum hub_result room_join(struct hub *h, struct session *s, const char *name, size_t len,
			  const char *key, size_t keylen);
/* Leaves the room: members and s see HUB_EV_PART with the reason. */
enum hub_result room_part(struct hub *h, struct session *s, const char *name, size_t len,
			  const char *reason, size_t rlen);
/* Says text in the room, to every member but s (and to s too with SESSION_CAP_ECHO). */
enum hub_result room_say(struct hub *h, struct session *s, const char *name, size_t len,
			 enum hub_msg_kind kind, const char *text, size_t tlen);
/* The same with the sender's client-only tags (event.h), relayed by the faces that carry them. */
enum hub_result room_say_tagged(struct hub *h, struct session *s, const char *name, size_t len,
				enum hub_msg_kind kind, const char *text, size_t tlen,
				const char *tags, size_t tags_len);
/* Sets the topic (len 0 clears it; longer than HUB_TOPIC_MAX bytes is cut at a character). */
enum hub_result room_topic(struct hub *h, struct session *s, const char *name, size_t len,
			   const char *text, size_t tlen);
/* Removes `target` from the room (operators only). */
enum hub_result room_kick(struct hub *h, struct session *s, const char *name, size_t len,
			  const char *target, size_t tlen, const char *reason, size_t rlen);
/* Invites `target` (who is told) into the room, letting it past +i. */
enum hub_result room_invite(struct hub *h, struct session *s, const char *name, size_t len,
			    const char *target, size_t tlen);
/* Tells s the members of the room (HUB_EV_NAMES). */
enum hub_result room_names(struct hub *h, struct session *s, const char *name, size_t len);
/* Tells s the rooms (HUB_EV_ROOMS); secret ones only where s is a member. */
void room_list(struct hub *h, struct session *s);
/* Keeps the room (creating it if needed) when empty, or lets it go when kept is false. Returns
 * the room, or NULL for an invalid name. */
struct room *room_keep(struct hub *h, const char *name, size_t len, bool kept);

/* A room as a store saved it (server/ reads these at start, before anyone is served). */
struct room_saved {
	const char *name;
	size_t len;
	uint32_t modes;        /* flag bits (1u << MODE_*); other bits are ignored */
	const char *topic;     /* NULL: none */
	size_t topic_len;
	const char *topic_by;
	uint64_t topic_ms, created_ms;
	const char *key;       /* NULL: none */
	uint32_t limit;
	const char *founder;   /* NULL: none */
};
/* Creates (or finds) the room, kept, with the saved state, telling nobody: a restart, or a room
 * that emptied while its state was being saved. Returns NULL for an invalid name. Operators are
 * not restored: they are sessions, and sessions end with the process. */
struct room *room_restore(struct hub *h, const struct room_saved *saved);

/* Whether s is logged in to the account that founded r (names compared folded). */
bool room_is_founder(const struct room *r, const struct session *s);

/* The prefixes of s in r, or -1 if s is not a member. */
int room_prefix(const struct room *r, const struct session *s);

#endif
