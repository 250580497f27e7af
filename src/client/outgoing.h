/* outgoing: what a line the user sends means, so that the client knows when it is leaving and can
 * show what was said. The server does not echo your own lines (docs/protocol.md).
 *
 * Pure functions; outgoing_echo appends to a caller's buf and allocates nothing else. */
#ifndef CHARLA_CLIENT_OUTGOING_H
#define CHARLA_CLIENT_OUTGOING_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum outgoing_kind {
	OUTGOING_EMPTY,    /* Nothing but spaces: the server ignores it, so it is not sent. */
	OUTGOING_SAY,      /* Text for the current room; `//x` says `/x`. */
	OUTGOING_ACTION,   /* `/me ACTION` */
	OUTGOING_PRIVATE,  /* `/msg NAME TEXT` */
	OUTGOING_QUIT,     /* `/quit [REASON]` or the word `salir` alone. */
	OUTGOING_COMMAND,  /* Any other command, or one missing its arguments. */
};

/* Where the parts lie in the line; `text` is what others will read. */
struct outgoing_parts {
	size_t text_off, text_len;
	size_t target_off, target_len;  /* The NAME of /msg. */
};

enum outgoing_kind outgoing_classify(const char *line, size_t len, struct outgoing_parts *parts);
/* Appends, in the server's own form, the line others will see for SAY, ACTION and PRIVATE, as
 * `[ROOM] NAME: TEXT`, `[ROOM] * NAME TEXT` and `[pm to TARGET] NAME: TEXT`, and returns true.
 * Returns false and appends nothing for the other kinds, or when the name or, for the room kinds,
 * the room is not known (NULL). */
bool outgoing_echo(const char *line, size_t len, const char *name, const char *room,
		   struct buf *out);
/* Appends `prompt` and the line as typed, cleaned of control characters, faint with `colour`,
 * and a newline: how the client shows a line it has no echo form for (a command, the name). */
void outgoing_transcript(const char *prompt, const char *line, size_t len, bool colour,
			 struct buf *out);

#endif
