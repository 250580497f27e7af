/* track: what the client knows about its own session, learnt from the server's Stable lines
 * (docs/protocol.md): the name the server accepted and the current room.
 *
 * track_parse is a pure parser over one line; track_line updates a struct track, which owns its
 * two strings (heap, NULL while unknown) and releases them in track_free. The client needs them
 * because the server does not echo your own lines: to print `[#room] name: text` for what you
 * said, and to show the room in the prompt. */
#ifndef CHARLA_CLIENT_TRACK_H
#define CHARLA_CLIENT_TRACK_H

#include <stddef.h>

#include "base/i18n.h"

struct track {
	char *name;
	char *room;
	/* The language the client asked the server for: its lines are read in English (which the
	 * server speaks until /lang takes effect) and in this one. Zero, LANG_EN, by default. */
	enum lang lang;
};

enum track_fact {
	TRACK_NONE,      /* Not a Stable line that changes anything here. */
	TRACK_WELCOME,   /* `* Welcome, NAME! You are in ROOM ...`: both. */
	TRACK_NICK,      /* `* You are now known as NAME.` */
	TRACK_JOINED,    /* `* You joined ROOM ...`: ROOM is current. */
	TRACK_LEFT,      /* `* You left ROOM.`: if it was current, no room is known now. */
	TRACK_CURRENT,   /* `* Your current room is ROOM.` */
	TRACK_BYE,       /* `* Bye.` */
	TRACK_SHUTDOWN,  /* `! Server shutting down.` */
	TRACK_ASK_NAME,  /* `* What is your name? ...`: the server waits for a name. */
};

/* Where the name and the room lie in the line (offset and length; 0, 0 when absent). */
struct track_parts {
	size_t name_off, name_len;
	size_t room_off, room_len;
};

/* The lines of text/text_stable.h, in English or in lang. */
enum track_fact track_parse(enum lang lang, const char *line, size_t len, struct track_parts *parts);
/* Parses the line and applies what it says; returns the fact. */
enum track_fact track_line(struct track *t, const char *line, size_t len);
void track_free(struct track *t);

#endif
