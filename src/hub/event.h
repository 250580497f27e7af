/* event: what the hub tells the world, typed, with no wire format and no user-facing words.
 *
 * Every change of state (a message, a join, a rename, a topic, a kick...) is one struct hub_event,
 * stamped once with a time and an id before it is fanned out; every reply to one session (a
 * result, a names list, the queue position) is one too. A face turns an event into bytes with its
 * struct hub_face's encode; the hub calls it once per wire format (and per variant of a format,
 * such as IRC with or without message tags) per event, and hands every recipient of that format
 * a reference to the same frame. The English of the line protocol, IRC's numerics and a web
 * page's JSON are each one encoder's business.
 *
 * Lifetime. An event and everything it points to (names, text, lists) belong to the hub and are
 * valid only during the call that receives it (an encoder, a bot's `event`, an observer): copy
 * what must outlive it. */
#ifndef CHARLA_HUB_EVENT_H
#define CHARLA_HUB_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;
struct frame;
struct hub_bot;
struct mode_change;
struct room;
struct session;

enum hub_ev_type {
	/* Changes of state, fanned out to those concerned (every member of the room, everyone who
	 * shares a room with the source, the target of a private message) and to observers. */
	HUB_EV_MESSAGE, /* src says text in `room`, or to the user `to` (room NULL); `kind` */
	HUB_EV_JOIN,    /* src joined room; to src itself (self): u.count = the members now */
	HUB_EV_PART,    /* src left room; text = the reason (may be empty) */
	HUB_EV_QUIT,    /* src left the chat; text = the reason */
	HUB_EV_NICK,    /* from = the old name, text = the new one */
	HUB_EV_TOPIC,   /* src set room's topic to text; len 0 clears it */
	HUB_EV_MODE,    /* src changed room's modes: u.modes, the changes that took effect */
	HUB_EV_KICK,    /* src removed `to` from room; text = the reason */
	HUB_EV_INVITE,  /* src invites `to` into room: to the invited (self) and the room's operators */
	HUB_EV_ARRIVE,  /* src was named and is in the chat (observers only: nobody is sent it) */
	HUB_EV_AWAY,    /* src is away with text (len 0: back), to those sharing a room with it */
	HUB_EV_SETNAME, /* src's real name is now text, to those sharing a room with it */
	HUB_EV_WALLOPS, /* an operator's text to every session with SESSION_MODE_WALLOPS */
	HUB_EV_KILL,    /* `from` (an operator) disconnects you (self) with reason text */
	HUB_EV_ACCOUNT, /* src is now logged in as text (len 0: logged out), to those sharing a
			 * room with it and to src itself (self); hub/account.h */
	/* Replies to one session, encoded for it alone; flags has HUB_EVF_SELF. */
	HUB_EV_WELCOME, /* you are named `to` and in `room` with u.count others */
	HUB_EV_QUEUE,   /* you wait for a slot at place u.count (HUB_EVF_MOVED: it changed) */
	HUB_EV_BYE,     /* your quit is taken; the connection closes after this */
	HUB_EV_NAMES,   /* u.names: the members of `room`, sorted, and the bots that hear it */
	HUB_EV_ROOMS,   /* u.rooms: the rooms you may see, sorted */
	HUB_EV_RESULT,  /* a request of yours did not do what it asked: u.result */
	HUB_EV_CLUSTER, /* news of the cluster (remote.h): u.cluster; the list of nodes on request */
	HUB_EV_COUNT
};

/* The bit of an event type, for observers' masks. */
#define HUB_MASK(type) (1u << (type))

enum hub_msg_kind {
	HUB_MSG_SAY,
	HUB_MSG_ACTION, /* "/me waves", IRC's CTCP ACTION */
	HUB_MSG_NOTICE, /* IRC's NOTICE: never answered automatically */
	HUB_MSG_TAGS,   /* IRC's TAGMSG: no text, only the client's tags */
};

enum {
	HUB_EVF_SELF = 1u << 0,  /* about the recipient itself (a reply, or its own kick) */
	HUB_EVF_MOVED = 1u << 1, /* HUB_EV_QUEUE: the place changed (not the first word of it) */
};

/* Why a request did not do what it asked. The arguments a face shows are in the event: `to` (a
 * name as typed), `room` (a room's name) and u.result. */
enum hub_result {
	HUB_OK,
	HUB_ERR_QUEUE_FULL,       /* the server is full and so is its admission queue */
	HUB_ERR_NAME_INVALID,     /* u.result.detail: enum name_result */
	HUB_ERR_NAME_TAKEN,       /* to: the name */
	HUB_ERR_NAME_BOT,         /* to: the bot's name; text: what it is ("the assistant") */
	HUB_ERR_NO_SUCH_NAME,     /* to */
	HUB_ERR_ROOM_INVALID,     /* u.result.detail: enum name_result */
	HUB_ERR_NO_SUCH_ROOM,     /* room: the name as asked */
	HUB_ERR_NOT_IN_ROOM,      /* room */
	HUB_ERR_ALREADY_IN,       /* room: a join of a room s is in already */
	HUB_ERR_TOO_MANY_ROOMS,   /* room: the one asked for; u.result.n: the most allowed */
	HUB_ERR_BANNED,           /* room */
	HUB_ERR_BAD_KEY,          /* room */
	HUB_ERR_ROOM_FULL,        /* room */
	HUB_ERR_INVITE_ONLY,      /* room */
	HUB_ERR_CANNOT_SEND,      /* room: moderated, banned, or not a member of a room that
				   * takes no messages from outside */
	HUB_ERR_NOT_OPERATOR,     /* room */
	HUB_ERR_NOT_OPER,         /* s is not a server operator (SESSION_MODE_OPER) */
	HUB_ERR_TARGET_NOT_IN,    /* to is not in room */
	HUB_ERR_TARGET_IN,        /* to is in room already */
	HUB_ERR_LIST_FULL,        /* room; u.result.detail: the list's enum room_mode */
	HUB_ERR_TOO_FAST,         /* a message over the rate (flood.h): u.result.n, messages a second */
	HUB_ERR_FLOODED,          /* cut for going on past it: u.result.n as above; closed next */
	HUB_ERR_SERVER_BANNED,    /* banned from the server (bans.h): text: the reason; u.result.n:
				   * until when, in s since 1970 (0: for good); closed next */
	/* Accounts (hub/account.h). */
	HUB_ERR_NAME_REGISTERED,  /* to: a name that is an account's; u.result.n: the seconds left
				   * to log in before a rename (0: the name is refused) */
	HUB_ERR_ACCOUNTS_OFF,     /* this server keeps no accounts */
	HUB_ERR_ACCOUNT_EXISTS,   /* to: the name is registered already */
	HUB_ERR_NO_ACCOUNT,       /* to: no such account (told as BAD_LOGIN to the client) */
	HUB_ERR_BAD_LOGIN,        /* to: the account; the password (or certificate) is not its */
	HUB_ERR_BAD_PASSWORD,     /* u.result.detail: enum hub_password_rule (account.h) */
	HUB_ERR_BAD_EMAIL,
	HUB_ERR_NOT_LOGGED_IN,
	HUB_ERR_LOGGED_IN,        /* to: the account s is logged in as already */
	HUB_ERR_LOGIN_THROTTLED,  /* u.result.n: seconds until it may try again */
	HUB_ERR_REGISTER_THROTTLED, /* u.result.n: seconds until it may register again */
	HUB_ERR_AUTH_BUSY,        /* too many passwords being checked: try again soon */
	HUB_ERR_NO_CERT,          /* the connection shows no client certificate */
	HUB_ERR_CERT_LIMIT,       /* u.result.n: the most certificates an account may have */
	HUB_RESULT_COUNT
};

/* HUB_EV_CLUSTER's news. */
enum hub_cluster_news {
	HUB_CLUSTER_SPLIT, /* this node lost its link to the others; people here still talk */
	HUB_CLUSTER_WHOLE, /* the link is back */
	HUB_CLUSTER_LIST,  /* the nodes and their counts, asked for (/stats, LINKS) */
};

struct hub_node_view;

/* One member as a names list shows it. */
struct hub_member_view {
	const struct session *s;
	uint8_t prefix; /* MEMBER_OP | MEMBER_VOICE (room.h) */
};

union hub_ev_data {
	uint64_t count; /* JOIN (self), WELCOME, QUEUE: see the types */
	struct {
		enum hub_result code;
		int detail;
		size_t n;
	} result;
	struct {
		const struct hub_member_view *v; /* sorted by folded name */
		size_t n;
		const struct hub_bot *const *bots; /* bots that hear the room without being in it */
		size_t nbots;
		bool secret; /* the room is secret (IRC's NAMES marks it) */
	} names;
	struct {
		const struct room *const *v; /* sorted by folded name */
		size_t n;
	} rooms;
	struct {
		const struct mode_change *v;
		size_t n;
	} modes;
	struct {
		uint8_t what;  /* enum hub_cluster_news */
		bool whole;    /* LIST: linked to the others now (or no cluster) */
		bool clustered; /* LIST: this server is one node of a cluster */
		const struct hub_node_view *v; /* LIST: this node first (remote.h) */
		size_t n;
		size_t people; /* LIST: people in the whole chat */
	} cluster;
};

struct hub_event {
	uint8_t type;   /* enum hub_ev_type */
	uint8_t kind;   /* HUB_EV_MESSAGE: enum hub_msg_kind */
	uint8_t flags;  /* HUB_EVF_* */
	uint16_t origin; /* the node the event comes from (hub_config.node for this one) */
	uint64_t id;    /* changes of state: unique in the chat and increasing with time; 0 else */
	uint64_t time_ms; /* changes of state: wall-clock milliseconds since 1970; 0 else */
	const struct session *src; /* who did it; NULL for the server, or an event from elsewhere */
	const char *from; /* src's name then (NICK: the old one); NULL for the server */
	const char *room; /* the room's name, or NULL */
	const char *to;   /* a target's name, or NULL */
	const char *text; /* may be NULL when len is 0 */
	size_t len;
	const char *tags; /* messages: the sender's client-only tags as on the wire (IRC's "+a=b"),
			   * for faces that relay them; NULL when none */
	size_t tags_len;
	union hub_ev_data u;
};

/* A wire format. Sessions that share a format share its frames; a format with variants (the same
 * protocol with options a client chose) is encoded once per variant used. encode returns a new
 * frame holding one reference for the caller, or NULL when the format has nothing to say about
 * this event; it may build the bytes in `scratch`, cleared before each call. */
struct hub_face {
	const char *name;
	unsigned variants; /* at least 1 */
	struct frame *(*encode)(const struct hub_event *ev, unsigned variant, struct buf *scratch);
	/* Optional: the variant whose bytes for ev are the same as variant's, so that variants
	 * that differ only in what ev does not show share one encoding (a message has no words, so
	 * every language of a format gets the same frame). NULL: every variant is its own. */
	unsigned (*same_as)(const struct hub_event *ev, unsigned variant);
};

#endif
