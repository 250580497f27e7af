/* session: one person (or bot) in the hub: its identity, its name, its memberships, its place in
 * the admission queue.
 *
 * Ownership. A face owns each session's memory (embedded in its connection's state; it finds its
 * state again with list_entry-style container arithmetic) and initialises it with session_init.
 * session_open links it into the hub; session_close unlinks it for good, after which the hub
 * holds no pointer to it and the face may free it (after its own close callback). What the hub
 * allocates for a session (its name, its membership array, its identity strings) is freed by
 * session_close. The hub reaches the session only through s->ops: `deliver` queues an encoded
 * frame (the session takes its own reference if it keeps it), `admitted` says the session left
 * the queue, `disconnect` asks the face to close the connection (after a quit), and for bots
 * (ops->face NULL) `event` hands over the protocol-neutral event instead of a frame.
 *
 * A bot's `event` runs inside a fan-out, whose per-event cache a second fan-out would overwrite,
 * so it must call nothing of the hub (debug builds assert it): it copies what it needs and acts
 * later (the assistant queues it for the next loop turn).
 *
 * Identity. A session has a stable 64-bit id (unique in this hub, never reused), a name once named
 * (unique case-insensitively across people and bots), and optional user, host, real name,
 * account and away text that faces fill in (IRC's USER, an account login later); the hub only
 * stores them. Naming is two steps, reserve then commit, so that a cluster can make a name unique
 * across nodes before it is used; session_register and session_nick do both at once. */
#ifndef CHARLA_HUB_SESSION_H
#define CHARLA_HUB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/list.h"
#include "base/tbucket.h"
#include "hub/event.h"

struct frame;
struct hub;
struct hub_auth_job;
struct room;

struct session_ops {
	const struct hub_face *face; /* NULL: a bot */
	void (*deliver)(struct session *s, struct frame *f);
	void (*admitted)(struct session *s);
	void (*disconnect)(struct session *s);
	void (*event)(struct session *s, const struct hub_event *ev); /* bots only */
	/* Optional: the key limits per address (failed logins, registrations) count the peer under:
	 * its IPv4 address or IPv6 /64, as net/netlim.h's netlim_throttle_key writes it; NULL or
	 * "": unknown. */
	const char *(*addr_key)(const struct session *s);
	/* Optional: the fingerprint of the client certificate the connection showed (lower-case
	 * hex), or NULL: for accounts' certificate logins. */
	const char *(*certfp)(const struct session *s);
	/* Named sessions start in the lobby, unless their face says otherwise (IRC clients join
	 * channels themselves, as IRC users expect). */
	bool no_lobby;
};

enum session_state {
	SESSION_NEW,     /* initialised, not yet opened */
	SESSION_WAITING, /* in the admission queue */
	SESSION_NAMING,  /* admitted, no name yet */
	SESSION_ACTIVE,  /* named, in rooms */
	SESSION_GONE,    /* closed; the hub holds no pointer to it */
};

/* Capabilities a face sets for a session, and its user modes. */
enum {
	SESSION_CAP_ECHO = 1u << 0,       /* receives its own messages back (IRC's echo-message) */
	SESSION_MODE_INVISIBLE = 1u << 8, /* hidden from WHO of those sharing no room with it */
	SESSION_MODE_OPER = 1u << 9,      /* a server operator (session_kill, hub_wallops) */
	SESSION_MODE_WALLOPS = 1u << 10,  /* receives HUB_EV_WALLOPS */
	SESSION_MODE_BOT = 1u << 11,      /* says it is an automated client (IRCv3's bot mode) */
};

/* What a face may say of a session beyond its name; NULL fields are unknown. */
struct session_info {
	char *user;
	char *host;
	char *realname;
	char *account;
	char *away;
	char *reserved; /* a name reserved (session_reserve) and not yet committed */
};

struct membership {
	struct room *room;
	uint32_t index; /* this session's slot in room->members */
};

struct session {
	const struct session_ops *ops;
	char *name;                /* "name\0folded\0" in one allocation; NULL until named */
	struct membership *rooms;  /* in join order; a face may reorder (session_room_to_back) */
	uint32_t nrooms, caprooms;
	uint64_t id;
	uint64_t mark;             /* fan-out deduplication epoch */
	struct session_info *info; /* NULL until a face sets any of it */
	struct list_node queue;    /* in the admission queue */
	struct tbucket msgs;       /* its message rate (flood.h); last_ms 0 until its first */
	struct hub_auth_job *auth_job; /* a check under way (auth.h), which session_close cancels;
					* the face sets it, and clears it when the answer came */
	uint32_t msg_refused;      /* messages refused in a row (flood.h) */
	uint32_t caps;             /* SESSION_CAP_* */
	uint16_t slot;             /* the wire format (and variant) the hub encodes for it */
	uint8_t state;             /* enum session_state */
	uint8_t bot;               /* a named bot (hub_bot_register) */
	uint8_t remote;            /* a person on another node of a cluster (remote.h): its node
				    * checked what it does, and the hub delivers it nothing */
	uint8_t lang;              /* enum lang (base/i18n.h): the language its face speaks to it;
				    * hub_config.lang until the user picks one. The hub only
				    * keeps it: faces and bridges choose their words with it. */
};

/* Whether s is a bot: one of the hub's (hub_bot_register), or a client that says it is one. */
static inline bool session_is_bot(const struct session *s)
{
	return s->bot || (s->caps & SESSION_MODE_BOT);
}

/* The case-folded name, the key under which names are unique. */
static inline const char *session_folded(const struct session *s)
{
	const char *n = s->name;
	while (*n)
		n++;
	return n + 1;
}

/* Prepares s for a face registered with hub_add_face (or a bot: ops->face NULL). */
void session_init(struct hub *h, struct session *s, const struct session_ops *ops);

enum session_open_result { SESSION_ADMITTED, SESSION_QUEUED, SESSION_FULL };
/* Admits s (calling ops->admitted) or queues it (telling it its place). SESSION_FULL: the queue is
 * full too; s was told so (HUB_ERR_QUEUE_FULL) and is not linked: the face closes it. */
enum session_open_result session_open(struct hub *h, struct session *s);
/* Unlinks s for good: leaves its rooms, frees its name, announces the quit with `reason` to those
 * who shared a room (unless the hub is stopping) and admits the next waiting session. */
void session_close(struct hub *h, struct session *s, const char *reason, size_t len);
/* The user asked to leave: HUB_EV_BYE to it, session_close, then ops->disconnect. */
void session_quit(struct hub *h, struct session *s, const char *reason, size_t len);

/* Names s (SESSION_NAMING) and puts it in the lobby (unless ops->no_lobby), telling it so
 * (HUB_EV_WELCOME; room NULL when it is in none); refusals are told as results (HUB_ERR_NAME_*)
 * and returned. */
enum hub_result session_register(struct hub *h, struct session *s, const char *name, size_t len);
/* Renames s (SESSION_ACTIVE), announcing it to itself and to everyone sharing a room with it. */
enum hub_result session_nick(struct hub *h, struct session *s, const char *name, size_t len);
/* The two steps of either: reserve checks the name and holds it for s (no one else can take it,
 * nobody sees it yet); commit makes it s's name (registering or renaming as above); release
 * gives a reservation up. reserve tells its refusals to s as results. commit checks the bans
 * again (a face may set the user part after reserve) and on a match cuts s and returns
 * HUB_ERR_SERVER_BANNED. A session still naming (IRC's NICK, then SASL, then CAP END) is asked
 * whether the name is an account it may not take (hub/account.h) at commit, not at reserve, so
 * that a login between the two counts: a refusal is told to s as a result, the reservation is
 * given up and HUB_ERR_NAME_REGISTERED returned (s stays, naming; it may reserve another). */
enum hub_result session_reserve(struct hub *h, struct session *s, const char *name, size_t len);
enum hub_result session_commit(struct hub *h, struct session *s);
void session_release(struct hub *h, struct session *s);

/* Cuts s from the server: tells it why (HUB_EV_RESULT `code`, with `text` and `n`, e.g. a flood or
 * a ban), closes it with `quit` as the reason the others see, and asks its face to disconnect.
 * s is gone after (its face frees it after its close callback). Never for a bot. */
void session_cut(struct hub *h, struct session *s, enum hub_result code, const char *text,
		 size_t tlen, size_t n, const char *quit, size_t qlen);

/* Sends text to the user `to` alone (a private message, an action or a notice). */
enum hub_result session_message(struct hub *h, struct session *s, const char *to, size_t tolen,
				enum hub_msg_kind kind, const char *text, size_t len);

enum hub_result session_message_tagged(struct hub *h, struct session *s, const char *to,
				       size_t tolen, enum hub_msg_kind kind, const char *text,
				       size_t len, const char *tags, size_t tags_len);

/* The named session with this name (any case), or NULL. */
struct session *session_find(const struct hub *h, const char *name, size_t len);

/* The user and host of s as masks ("name!user@host") show them and match them: what its face set,
 * else a stand-in that says what s is ("~u" and "charla" for a person whose face knows no host,
 * "bot.charla" for a bot). Bans and the masks faces show use these same two, so that a mask a
 * client copies from what it was shown matches. The strings are s's or static. */
const char *session_user_shown(const struct session *s);
const char *session_host_shown(const struct session *s);

/* Identity. Each copies (ptr, len); len 0 clears. */
void session_set_user(struct session *s, const char *v, size_t len);
void session_set_host(struct session *s, const char *v, size_t len);
void session_set_realname(struct session *s, const char *v, size_t len);
void session_set_account(struct session *s, const char *v, size_t len);
void session_set_away(struct session *s, const char *v, size_t len);
/* Sets s's away text (len 0: back) or real name, telling those who share a room with it
 * (HUB_EV_AWAY, HUB_EV_SETNAME) and the observers. */
void session_away(struct hub *h, struct session *s, const char *text, size_t len);
void session_setname(struct hub *h, struct session *s, const char *name, size_t len);
/* An operator (SESSION_MODE_OPER) disconnects the user `target`: it is told (HUB_EV_KILL), closed
 * with the reason (everyone sharing a room sees it quit) and its face asked to disconnect it.
 * Refusals: NOT_OPERATOR (room NULL), NO_SUCH_NAME. */
enum hub_result session_kill(struct hub *h, struct session *s, const char *target, size_t tlen,
			     const char *reason, size_t rlen);
/* The wire format variant the hub encodes for s (< its face's variants). */
void session_set_variant(struct hub *h, struct session *s, unsigned variant);

/* Moves r to the end of s's memberships (the line protocol's current room is the last). */
void session_room_to_back(struct session *s, const struct room *r);
/* s's membership of r, or NULL. O(rooms of s). */
struct membership *session_membership(const struct session *s, const struct room *r);

#endif
