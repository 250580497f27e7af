/* incoming: how the client shows a line that came from the server (or a local echo in the same
 * form): which kind it is, which colour a name gets, and the bytes to print.
 *
 * Pure functions; incoming_format appends to a caller's buf and allocates nothing else. Whatever
 * arrives, incoming_format never lets a control character (C0 except TAB, DEL, C1) or invalid UTF-8
 * reach the terminal: the server already guarantees that (docs/protocol.md), and the client checks
 * again so that a wrong or hostile server cannot drive the user's terminal either. */
#ifndef CHARLA_CLIENT_INCOMING_H
#define CHARLA_CLIENT_INCOMING_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum incoming_kind {
	INCOMING_OTHER,   /* No known prefix: shown as it is. */
	INCOMING_SERVER,  /* `* text` */
	INCOMING_ERROR,   /* `! text` */
	INCOMING_NEWS,    /* `-- text` */
	INCOMING_SAY,     /* `[tag] name: text` */
	INCOMING_ACTION,  /* `[tag] * name text` */
	INCOMING_EVENT,   /* `[tag] -- text` */
};

/* Offsets into the line for the tagged kinds, zero for the others. The tag includes its
 * brackets. */
struct incoming_parts {
	size_t tag_len;
	size_t name_off, name_len;
	size_t text_off;
	bool private_tag;  /* The tag starts with `[pm` (a private message, received or echoed). */
};

/* Number of distinct name colours. */
#define INCOMING_COLOURS 12

enum incoming_kind incoming_classify(const char *line, size_t len, struct incoming_parts *parts);
/* The colour index (0 to INCOMING_COLOURS - 1) of a name: a hash of its case-folded form, so that
 * `Ana` and `ana`, who are the same user, always get the same colour, in every session. */
unsigned incoming_colour(const char *name, size_t len);
/* Appends the line, cleaned, plus "\n" to out. With `colour`, adds SGR escapes: names in their
 * colour, `own` name in bold instead, tags, server lines, errors and news each in their style. */
void incoming_format(const char *line, size_t len, const char *own, bool colour, struct buf *out);
/* As incoming_format, for a line that mentions the user (mention.h): with `colour`, the text
 * after the name is also in reverse video. */
void incoming_format_mention(const char *line, size_t len, const char *own, bool colour,
			     struct buf *out);

#endif
