/* text_codec: the line protocol's bytes (docs/protocol.md) for hub events. Pure, but for
 * text_codec_tell, which hands a face's own line to a session.
 *
 * text_codec_encode turns one event into one frame holding one or more LF-terminated lines of
 * UTF-8 (a names list may take several), built in the hub's scratch buffer. Every user-facing word
 * of the line protocol that comes from the hub is here, in one table per kind of line, marked for
 * translation; the words a face says on its own (the greeting, the name prompt, its limits) are
 * in cmd.c and the faces, and reach a session through text_codec_tell.
 *
 * Languages. The format has one variant per language (variant = enum lang, base/i18n.h): an event
 * is encoded once per language present among its recipients, and a message, which has no words,
 * once for all of them (hub_face.same_as). A session's variant follows its language
 * (text_codec_set_lang); text_codec_tell's callers translate with the session's language. */
#ifndef CHARLA_TEXT_TEXT_CODEC_H
#define CHARLA_TEXT_TEXT_CODEC_H

#include "base/i18n.h"
#include "hub/event.h"
#include "hub/session.h"

struct buf;
struct hub;
struct session;

struct frame *text_codec_encode(const struct hub_event *ev, unsigned variant, struct buf *scratch);
/* The wire format shared by every session that speaks the line protocol. */
extern const struct hub_face text_codec_face;

/* The kinds of line a face says on its own. */
enum text_tell {
	TEXT_INFO,  /* "* " */
	TEXT_ERROR, /* "! " */
	TEXT_HISTORY, /* "= ": a line of history (docs/protocol.md, "History") */
};
/* Formats one line of the face's own and delivers it to s (through s->ops->deliver). fmt is
 * already in s's language: i18n_tr(text_codec_lang(s), T_SOMETHING). */
void text_codec_tell(struct session *s, enum text_tell kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A sentence saying why a name (user or room) was refused, in lang: enum name_result's words. */
const char *text_codec_name_reason(enum lang lang, int name_result);

/* Appends a bridge's words (struct hub_bot, hub_command: an English msgid) in lang, with "{s}"
 * replaced by the bot's name. */
void text_codec_bot_words(struct buf *b, enum lang lang, const char *msgid, const char *name);

enum { TEXT_CODEC_WHEN_LEN = 32 };
/* A moment (s since 1970) as people read it: "2026-12-06 10:30:00 UTC". */
void text_codec_when(uint64_t s, char out[TEXT_CODEC_WHEN_LEN]);
/* Appends "! You are banned from this server[ until WHEN]: REASON" (no newline) in lang; until_s
 * 0: for good. For a ban told at naming (a result) and at accept (the line face's refusal). */
void text_codec_banned(struct buf *b, enum lang lang, const char *reason, uint64_t until_s);

/* The language s is spoken to in. */
static inline enum lang text_codec_lang(const struct session *s)
{
	return s->lang < LANG_COUNT ? (enum lang)s->lang : LANG_EN;
}
/* Speaks lang to s from now on: its language and its variant of the format. */
void text_codec_set_lang(struct hub *h, struct session *s, enum lang lang);

#endif
