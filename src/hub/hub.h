/* hub: the protocol-free core of charlad: sessions, names, rooms, the admission queue and fan-out.
 *
 * The hub knows no sockets and no wire format. A face (line, UDP, IRC, ...) owns each session's
 * memory (usually embedded in its connection state), initialises it with hub_session_init, and hands
 * it to hub_open. The hub links the session into its maps and rooms and reaches it only through
 * s->ops: `deliver` queues an encoded frame, `admitted` says the session left the queue,
 * `disconnect` asks the face to close the connection (after /quit). The face calls hub_close when its
 * connection goes away; after hub_close returns the hub holds no pointer to the session and the face
 * may free it (after its own close callback).
 *
 * Fan-out. An event (struct hub_event) is protocol-neutral. To deliver it to a room the hub walks
 * the members once; the first member of each wire format (s->ops->face) has the event encoded into
 * an immutable frame, and every later member of that format gets a reference to the same frame:
 * encoding costs O(formats), delivery O(members). Quit and rename news go once to every session that
 * shares any room with the subject, deduplicated with an epoch mark (no per-event allocation).
 *
 * Membership is stored both ways with back-indexes (a session's room list knows its slot in the
 * room's member array and vice versa), so joining and leaving are O(1) whatever the room size, and
 * nothing ever scans all sessions. */
#ifndef CHARLA_HUB_HUB_H
#define CHARLA_HUB_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/map.h"

struct frame;
struct logger;
struct session;

enum hub_ev_type {
	HUB_EV_SAY,            /* room, from, text */
	HUB_EV_ACTION,         /* room, from, text */
	HUB_EV_PRIVATE,        /* from, to, text */
	HUB_EV_PRIVATE_ACTION, /* from, to, text */
	HUB_EV_JOIN,           /* room, from */
	HUB_EV_PART,           /* room, from, text = reason (may be empty) */
	HUB_EV_QUIT,           /* from, text = reason */
	HUB_EV_NICK,           /* from = old name, text = new name */
	HUB_EV_INFO,           /* text: the server talking to one session */
	HUB_EV_ERROR,          /* text: an error for one session */
	HUB_EV_FORGET,         /* room (NULL: none), from: /forget, for the assistant only */
};

struct hub_event {
	enum hub_ev_type type;
	const char *room;
	const char *from;
	const char *to;
	const char *text;
	size_t len;            /* of text */
};

/* A wire format. Faces that share a format share one hub_face, which is how the hub knows it may
 * reuse a frame. `encode` returns a new frame holding one reference for the caller; it may use
 * `scratch` (cleared before each call) to build the bytes. */
struct hub_face {
	const char *name;
	struct frame *(*encode)(const struct hub_event *ev, struct buf *scratch);
};

/* A bot (the AI assistant, later others) is a session with no wire format: face is NULL and the hub
 * calls `event` with the protocol-neutral event instead of encoding it; deliver may be NULL. The
 * event and its strings are valid only during the call.
 *
 * `event` runs inside a fan-out, so it must not fan out itself (hub_say, hub_bot_say, hub_join,
 * ...: the hub asserts it). It may reply to one session (hub_info, hub_error, hub_private), but
 * must not read `ev` after doing so; anything else is deferred (e.g. to the next loop turn). */
struct session_ops {
	const struct hub_face *face;
	/* Queues f for the session; takes its own reference if it keeps f. */
	void (*deliver)(struct session *s, struct frame *f);
	/* The session may start (it was admitted, at once or from the queue). */
	void (*admitted)(struct session *s);
	/* The hub has unlinked s after /quit; the face closes the connection once output is flushed. */
	void (*disconnect)(struct session *s);
	/* Bots only (face == NULL): an event for s. */
	void (*event)(struct session *s, const struct hub_event *ev);
};

enum session_state {
	SESSION_NEW,      /* initialised, not yet opened */
	SESSION_WAITING,  /* in the admission queue */
	SESSION_NAMING,   /* admitted, no name yet */
	SESSION_ACTIVE,   /* named, in rooms */
	SESSION_GONE,     /* closed; the hub holds no pointer to it */
};

struct room;

struct membership {
	struct room *room;
	uint32_t index;   /* this session's slot in room->members */
};

struct session {
	const struct session_ops *ops;
	void *owner;
	char *name;           /* display name, NULL until named; one allocation with folded */
	const char *folded;   /* case-folded name, the key in the name map */
	struct membership *rooms; /* in join order; the last is the current room */
	size_t caprooms;
	uint32_t nrooms;
	enum session_state state;
	uint64_t mark;        /* fan-out deduplication epoch */
	bool watching;        /* hears every room (hub_watch) */
	struct session *qprev, *qnext; /* admission queue */
};

struct room_member {
	struct session *s;
	uint32_t slot;        /* index of this room in s->rooms */
};

struct room {
	char *name;           /* as first written; one allocation with folded */
	const char *folded;
	struct room_member *members;
	size_t cap;
	uint32_t count;
	bool permanent;       /* the lobby is never removed */
};

/* A named bot as people see it: `role` says what it is ("the assistant"), `hint` how to use it;
 * both are the bot's (static or outliving its session) and shown with its name. */
struct hub_bot {
	struct session *s;
	const char *role;
	const char *hint;
};

struct hub_config {
	const char *server_name; /* shown in the greeting, e.g. the host name */
	const char *lobby;       /* the room everyone starts in, "#lobby" */
	size_t max_rooms;        /* rooms per session */
	size_t max_clients;      /* admitted sessions; 0 = no limit */
	size_t max_queue;        /* sessions waiting for admission */
	size_t announce_max;     /* no join/part/quit news in rooms with more members; 0 = always */
};

struct hub {
	struct hub_config cfg;
	const struct logger *log;
	struct map names;        /* folded name -> session */
	struct map rooms;        /* folded room name -> room */
	struct room *lobby;
	size_t admitted;         /* sessions naming or active */
	size_t online;           /* sessions active (named) */
	struct session *qhead, *qtail;
	size_t qlen;
	uint64_t epoch;
	bool stopping;           /* shutting down: no more news to others */
	struct buf scratch;      /* encoding */
	struct buf text;         /* formatting replies */
	uint64_t encodes;        /* frames encoded so far (observability, tests) */
	struct hub_bot *bots;    /* every named bot, in registration order */
	size_t nbots, capbots;
	size_t nwatchers;        /* bots that hear every room (hub_watch) */
	struct session *assistant; /* the AI assistant's bot session, or NULL */
	unsigned fanning;        /* fan-outs in progress (re-entrancy guard for bots) */
};

void hub_init(struct hub *h, const struct hub_config *cfg, const struct logger *log, uint64_t seed);
/* Frees rooms and maps. Every session must have been closed. */
void hub_free(struct hub *h);

void hub_session_init(struct session *s, const struct session_ops *ops, void *owner);

enum hub_open_result { HUB_OPEN_ADMITTED, HUB_OPEN_QUEUED, HUB_OPEN_FULL };
/* Admits s (calling s->ops->admitted) or queues it (telling it its place). HUB_OPEN_FULL means the
 * queue is full too: s was told so and is not linked; the face closes the connection. */
enum hub_open_result hub_open(struct hub *h, struct session *s);
/* Unlinks s for good: leaves its rooms, frees its name, announces the quit with `reason` to those
 * who shared a room (unless the hub is stopping), and admits the next waiting session. */
void hub_close(struct hub *h, struct session *s, const char *reason);
/* The user asked to leave: "Bye", hub_close, then s->ops->disconnect. */
void hub_quit(struct hub *h, struct session *s, const char *reason, size_t len);

/* Names s (it must be SESSION_NAMING) and puts it in the lobby. Returns NAME_OK (as int 0) or a
 * reason from hub/name.h, or HUB_NAME_TAKEN (someone has it), or HUB_NAME_BOT (a bot has it); the
 * caller tells the user. */
enum { HUB_NAME_TAKEN = 100, HUB_NAME_BOT };
int hub_register(struct hub *h, struct session *s, const char *name, size_t len);
void hub_nick(struct hub *h, struct session *s, const char *name, size_t len);
void hub_say(struct hub *h, struct session *s, const char *text, size_t len);
void hub_action(struct hub *h, struct session *s, const char *text, size_t len);
void hub_private(struct hub *h, struct session *s, const char *to, size_t tolen, const char *text,
		 size_t len, bool action);
void hub_join(struct hub *h, struct session *s, const char *room, size_t len);
/* Leaves `room`, or the current room when room is NULL. */
void hub_part(struct hub *h, struct session *s, const char *room, size_t len);
void hub_list_rooms(struct hub *h, struct session *s);
/* Lists the members of `room`, or of the current room when room is NULL. */
void hub_who(struct hub *h, struct session *s, const char *room, size_t len);

/* Replies to one session. */
void hub_info(struct hub *h, struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hub_error(struct hub *h, struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sends one event to one session (encoded for its face). */
void hub_send(struct hub *h, struct session *s, const struct hub_event *ev);

struct session *hub_find(struct hub *h, const char *name, size_t len);
struct room *hub_find_room(struct hub *h, const char *name, size_t len);
/* The session's current room, or NULL. */
struct room *hub_current(const struct session *s);
/* Stops all news to others (closing sessions now is silent): the server is shutting down. */
void hub_stop(struct hub *h);

/* The named bot behind s, or NULL for a person. */
const struct hub_bot *hub_bot_of(const struct hub *h, const struct session *s);

/* ---- bots ----
 * A bot session (ops->face == NULL) is opened with hub_open like any other, but is admitted at
 * once and does not count against --max-clients or in "people online". hub_register_bot names it
 * without joining the lobby: a bot is in no room, and speaks in rooms with hub_bot_say. `role` and
 * `hint` (see struct hub_bot) must outlive the session; /who shows them, and a person who asks
 * for the bot's name is told whose it is. */
int hub_register_bot(struct hub *h, struct session *s, const char *name, size_t len,
		     const char *role, const char *hint);
/* s (a named bot) hears every SAY and ACTION in every room, and every QUIT and NICK. */
void hub_watch(struct hub *h, struct session *s);
/* Makes s (a named bot) the assistant that /ask and /forget reach; hub_close clears it. */
void hub_set_assistant(struct hub *h, struct session *s);
/* The bot s says `text` in the room named `room`, to every member; false if the room is gone. */
bool hub_bot_say(struct hub *h, struct session *s, const char *room, const char *text, size_t len);

#endif
