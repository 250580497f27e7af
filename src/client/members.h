/* members: the names Tab completes. The members of each room the client is in, the bots the server
 * lists (`* Bot: NAME ...`, after the members in a /who reply) and the people who wrote to us
 * privately.
 *
 * How a room's members are known: after the welcome and after each join the client sends a /who
 * of its own (members_asked), whose reply members_line recognises and asks the caller to hide. The
 * news then keeps the room up to date: `[ROOM] -- NAME joined` and `left`, `-- NAME quit`,
 * `-- OLD is now known as NEW`, and whoever speaks in the room counts as a member too. Rooms of
 * more than 1000 members (--announce-max) get no join, part or quit news, so there the names are
 * those of the last /who plus the speakers since; a /who the user types refreshes them.
 *
 * Pure: nothing here sends or prints; time is the caller's clock in milliseconds. A struct members
 * owns every string in it (each name twice: as the server spells it and case-folded, to sort and
 * compare) and releases them in members_free; members_names returns an array the caller frees,
 * of pointers into the struct that stay valid until the next call that changes it. Sizes are
 * bounded: MEMBERS_ROOM_MAX names per room and per list, MEMBERS_ROOMS rooms. */
#ifndef CHARLA_CLIENT_MEMBERS_H
#define CHARLA_CLIENT_MEMBERS_H

#include "base/i18n.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* More than the server's 10 rooms per client, so that a server with a higher --max-rooms works. */
#define MEMBERS_ROOMS 32
#define MEMBERS_ROOM_MAX 10000
/* A /who reply not seen this long after asking is taken as lost (a datagram can be), so that a
 * later /who the user types is not hidden in its place. */
#define MEMBERS_ASK_MS 10000

struct members_name {
	char *name;
	char *folded;
};

/* A set of names sorted by their folded form, without duplicates. */
struct members_set {
	struct members_name *v;
	size_t len, cap;
};

struct members_room {
	char *room;
	char *folded;
	struct members_set names;
};

struct members_ask {
	char *folded;  /* the room asked about */
	uint64_t at;
};

struct members {
	/* The language the client asked the server for: its lines are read in English and in this
	 * one (text/text_stable.h). LANG_EN after members_init; members_reset keeps it. */
	enum lang lang;
	struct members_room rooms[MEMBERS_ROOMS];
	size_t nrooms;
	struct members_set bots;
	struct members_set peers;
	char *self;          /* our own name, never a candidate */
	struct members_ask asked[MEMBERS_ROOMS];
	size_t nasked;
	/* The /who reply being read: its room (folded; NULL when none) and whether it is ours. */
	char *reading;
	bool reading_ours;
};

void members_init(struct members *m);
void members_free(struct members *m);
/* A new session: forgets everything. */
void members_reset(struct members *m);
/* Our own name, after the welcome or a /nick: replaces the old one in the rooms. */
void members_self(struct members *m, const char *name);
/* We joined ROOM (an empty member list until the /who reply) or left it. */
void members_enter(struct members *m, const char *room);
void members_leave(struct members *m, const char *room);
/* We sent `/who ROOM` at `now`, whose reply is to be hidden. */
void members_asked(struct members *m, const char *room, uint64_t now);
/* Learns what a clean line from the server says about members. Returns true if the line is part
 * of the reply to our own /who (members_asked), which the user did not ask for and should not
 * see. */
bool members_line(struct members *m, const char *line, size_t len, uint64_t now);
/* The names to complete in ROOM (NULL: none): its members, the bots and the private
 * correspondents, without ourselves, sorted case-insensitively, each once. Sets *out to a heap
 * array (the caller frees it, not the names) and returns its length. */
size_t members_names(const struct members *m, const char *room, const char ***out);

#endif
