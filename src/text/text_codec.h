/* text_codec: the line protocol's bytes (docs/protocol.md) for hub events. Pure, but for
 * text_codec_tell, which hands a face's own line to a session.
 *
 * text_codec_encode turns one event into one frame holding one or more LF-terminated lines of
 * UTF-8 (a names list may take several), built in the hub's scratch buffer. Every user-facing word
 * of the line protocol that comes from the hub is here, in one table per kind of line, ready for
 * translation; the words a face says on its own (the greeting, the name prompt, its limits) are
 * in cmd.c and the faces, and reach a session through text_codec_tell. */
#ifndef CHARLA_TEXT_TEXT_CODEC_H
#define CHARLA_TEXT_TEXT_CODEC_H

#include "hub/event.h"

struct buf;
struct session;

struct frame *text_codec_encode(const struct hub_event *ev, unsigned variant, struct buf *scratch);
/* The wire format shared by every session that speaks the line protocol. */
extern const struct hub_face text_codec_face;

/* The kinds of line a face says on its own. */
enum text_tell {
	TEXT_INFO,  /* "* " */
	TEXT_ERROR, /* "! " */
};
/* Formats one line of the face's own and delivers it to s (through s->ops->deliver). */
void text_codec_tell(struct session *s, enum text_tell kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A sentence saying why a name (user or room) was refused: enum name_result's words. */
const char *text_codec_name_reason(int name_result);

#endif
