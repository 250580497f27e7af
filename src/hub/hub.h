/* hub: the protocol-free core of charlad: sessions, names, rooms, the admission queue, fan-out,
 * and the registries that faces and bridges plug into.
 *
 * The hub knows no sockets, no wire format and no user-facing words: it takes requests from faces
 * (session.h, room.h, mode.h), changes its state, and speaks in typed events (event.h) that each
 * face renders. Bridges (the assistant, later history and the cluster) join as bots (a session with
 * no wire format), observers (every change of state, once each) and commands (a word a face that
 * takes typed commands passes on: the line protocol's "/ask").
 *
 * Fan-out. An event is stamped once (time, id, origin) and delivered in one walk over its
 * recipients; the first recipient of each wire format slot (a face and one of its variants) has it
 * encoded into an immutable frame, every later one gets a reference to that frame: encoding costs
 * O(formats in use), delivery O(recipients). The per-event cache is indexed by slot and has one
 * entry per slot registered (hub_add_face): its size is what the faces declare, not a guess, and
 * finding a recipient's frame is one array access. Quit and rename news go once
 * to everyone who shares any room with the subject, deduplicated with an epoch mark.
 *
 * Ownership. struct hub is a value its owner (server/) embeds; hub_init sets it up, hub_free
 * releases rooms and registries once every session is closed. Registered faces, bots' texts,
 * commands and observers are the registrant's and must outlive their registration. */
#ifndef CHARLA_HUB_HUB_H
#define CHARLA_HUB_HUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/list.h"
#include "base/map.h"
#include "hub/event.h"
#include "hub/room.h"
#include "hub/session.h"

struct frame;
struct hub_auth;
struct hub_cluster;
struct hub_bans;
struct hub_account_provider;
struct hub_history_provider;
struct logger;

enum {
	HUB_NO_SLOT = 0xFFFF, /* a bot's slot: events, not frames; also the most slots a hub has */
	HUB_ID_SEQ_BITS = 20, /* an event id is (time_ms << this) | a sequence number */
	HUB_ID_NODE_BITS = 8, /* ...whose low bits are the node's (hub_config.node), so that two
			       * nodes of a cluster never give the same id */
	HUB_TOPIC_MAX = 390,  /* bytes of a topic (IRC's usual TOPICLEN) */
	HUB_REASON_MAX = 390, /* bytes of a part, quit, kick, kill, away or wallops text (the hub cuts) */
};

/* hub.delivered's index: whether a delivered frame was a message (observability). */
enum { HUB_DELIVERED_OTHER, HUB_DELIVERED_MESSAGE, HUB_DELIVERED_KINDS };

struct hub_config {
	const char *server_name; /* shown in the greeting, e.g. the host name */
	const char *lobby;       /* the room everyone starts in, "#lobby" */
	size_t max_rooms;        /* rooms per session */
	size_t max_clients;      /* admitted sessions; 0 = no limit */
	size_t max_queue;        /* sessions waiting for admission */
	size_t announce_max;     /* no join/part/quit news in rooms with more members; 0 = always */
	uint16_t node;           /* this node, the origin of its events */
	uint8_t lang;            /* enum lang: the language a new session starts in (faces may
				  * change a session's: session.h's lang) */
	uint64_t (*clock_ms)(void); /* wall-clock ms since 1970; NULL: events carry time 0 */
	unsigned history_on_join;   /* lines of a room's history a face shows on joining it */
	unsigned msg_rate;          /* messages a second per session (flood.h); 0: no limit */
	unsigned msg_burst;         /* ...in bursts of this many; as many refused in a row cut */
};

/* A named bot as people see it. The strings are the bot's and outlive its session. Its words
 * (role, hint, usage, help, and a hub_command's args and help) are English msgids that faces
 * translate into each client's language (base/i18n.h), with "{s}" standing for the bot's name. */
struct hub_bot {
	struct session *s;
	const char *role;   /* what it is: "the assistant" */
	const char *hint;   /* how to use it: "ask it with \"gpt: question\"" */
	const char *usage;  /* a help line's left side ("gpt: QUESTION"), or NULL */
	const char *help;   /* ...and its right side */
	bool everywhere;    /* hears every room without being in one: named in every room's list */
	bool secret;        /* what is said to it privately is never kept (its commands carry
			     * passwords): history skips it (hub_bot_is_secret) */
};

/* A word that a bridge adds to the faces that take typed commands. run is called outside any
 * fan-out; `room` is the room the face means (the line protocol's current room), or NULL. */
struct hub_command {
	const char *name;   /* lower case: "ask" */
	const char *args;   /* for help and usage: "QUESTION", or "" */
	const char *help;   /* one line */
	bool needs_args;
	bool needs_room;    /* means a room: a face with none to give says so instead of running it */
	enum hub_result (*run)(const struct hub_command *c, struct hub *h, struct session *s,
			       const char *room, const char *args, size_t len);
	void *ctx;          /* the bridge's */
};

/* Hears every change of state whose type is in mask (HUB_MASK bits), once per event, after it
 * took effect and while it is fanned out. Like a bot's event, it must call nothing of the hub. A
 * bot that is `everywhere` hears rooms through an observer: the hub delivers room messages only
 * to members. */
struct hub_observer {
	uint32_t mask;
	void (*event)(struct hub_observer *o, const struct hub_event *ev);
	void *ctx;
	struct list_node node;
};

/* What an event from elsewhere is stamped with (remote.h): its node's, not this one's. */
struct hub_stamp {
	uint16_t origin;
	uint64_t id;
	uint64_t time_ms;
};

struct hub_format {
	const struct hub_face *face;
	uint16_t base; /* its first slot */
};

struct hub {
	struct hub_config cfg;
	const struct logger *log;
	struct map names;         /* folded name -> named session */
	struct map reserved;      /* folded name -> session holding it (session_reserve) */
	struct map rooms;         /* folded room name -> room */
	struct room *lobby;
	size_t admitted;          /* sessions naming or active, bots apart */
	size_t online;            /* sessions active (named), bots apart */
	size_t online_peak;       /* the most there have been at once */
	uint64_t messages;        /* messages said in rooms and privately since the start */
	uint64_t private_messages; /* ...of which private: the rest were said in rooms */
	uint64_t too_fast;        /* messages refused over the rate (flood.h) */
	uint64_t flood_cut;       /* sessions cut for flooding */
	/* Frames fan-out handed to sessions since the start (one event reaching one session),
	 * HUB_DELIVERED_MESSAGE for messages, HUB_DELIVERED_OTHER for every other event: an
	 * increment per delivery, indexed without a branch. Bots get events, not frames, and are
	 * not counted. */
	uint64_t delivered[HUB_DELIVERED_KINDS];
	struct list queue;        /* sessions waiting, oldest first */
	size_t qlen;
	uint64_t epoch;           /* fan-out deduplication */
	uint64_t next_id;         /* session ids */
	uint64_t last_event;      /* the last event id given */
	bool stopping;            /* shutting down: no more news to others */
	unsigned fanning;         /* fan-outs in progress (re-entrancy guard for bots, observers) */
	struct buf scratch;       /* encoding */
	uint64_t encodes;         /* frames encoded so far (observability, tests) */
	struct hub_format *formats; /* registered wire formats */
	size_t nformats;
	uint16_t nslots;          /* their variants, all told */
	struct frame **fan;       /* the per-event cache: one frame per slot, nslots long */
	uint16_t *fan_used;       /* the slots the current event filled, to release at its end */
	struct hub_bot *bots;
	size_t nbots, capbots;
	const struct hub_command **commands;
	size_t ncommands, capcommands;
	struct list observers;
	const struct hub_history_provider *history; /* history.h; NULL: none */
	const struct hub_auth *auth; /* auth.h: secrets' checks, set by server/; NULL: none */
	const struct hub_bans *bans; /* bans.h: server-wide bans, set by server/; NULL: none */
	struct list history_pending; /* requests the provider has not answered (history.c) */
	const struct hub_account_provider *accounts; /* account.h; NULL: none */
	const struct hub_stamp *elsewhere; /* set while an event from another node is applied
					    * (remote.h): fan_begin stamps with it */
	const struct hub_cluster *cluster; /* remote.h: the nodes, for lists; NULL: one node */
};

void hub_init(struct hub *h, const struct hub_config *cfg, const struct logger *log, uint64_t seed);
/* Frees rooms and registries. Every session must have been closed. */
void hub_free(struct hub *h);
/* Stops all news to others (closing sessions now is silent): the server is shutting down. */
void hub_stop(struct hub *h);

/* Registers a wire format before any session uses it; its slots are base..base+variants-1. */
void hub_add_face(struct hub *h, const struct hub_face *face);

/* ---- bots ----
 * A bot (ops->face NULL) is opened with session_open like anyone, admitted at once, takes no client
 * slot and is not one of the people online. bot_register names it (as session_register would,
 * without the lobby: a bot is in no room) and records how people see it (`info`, copied but for
 * its strings). */
enum hub_result hub_bot_register(struct hub *h, struct session *s, const char *name, size_t len,
				 const struct hub_bot *info);
/* The bot behind s, or NULL for a person. The pointer is valid until a bot registers or leaves. */
const struct hub_bot *hub_bot_of(const struct hub *h, const struct session *s);
/* Whether a private message between from and to (names) involves a secret bot. */
bool hub_bot_is_secret(const struct hub *h, const char *from, const char *to);

/* ---- commands and observers ---- */
void hub_add_command(struct hub *h, const struct hub_command *c);
void hub_remove_command(struct hub *h, const struct hub_command *c);
/* The command named word (any case), or NULL. */
const struct hub_command *hub_find_command(const struct hub *h, const char *word, size_t len);
void hub_observe(struct hub *h, struct hub_observer *o);
void hub_unobserve(struct hub *h, struct hub_observer *o);

/* An operator's text (HUB_EV_WALLOPS) to every session with SESSION_MODE_WALLOPS. O(sessions).
 * Refusal: NOT_OPER. */
enum hub_result hub_wallops(struct hub *h, struct session *s, const char *text, size_t len);

/* How many others are online from s's point of view (the greeting's count). */
size_t hub_others(const struct hub *h, const struct session *s);

#endif
