#include "client/track.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"
#include "client/scan.h"
#include "text/text_stable.h"

/* A stable line: what the server puts before the format, the format (a msgid, or for a line with
 * a number of things the i18n_trn that picks it), how much of it to match, and which captures
 * are the name and the room (-1: none). */
struct track_form {
	enum track_fact fact;
	const char *head;
	const char *msgid;
	const char *(*plural)(enum lang lang, unsigned long n);
	bool whole;  /* the whole line; else up to the literal after the last capture used */
	size_t need; /* captures used */
	int name, room;
};

static const char *track_welcome(enum lang lang, unsigned long n);
static const char *track_joined(enum lang lang, unsigned long n);
static bool track_word(struct scan_span s, bool room);
static bool track_form(const struct track_form *f, enum lang lang, const char *line, size_t len,
		       struct scan_span *caps);
static void track_set(char **field, const char *s, size_t n);

static const char *track_welcome(enum lang lang, unsigned long n)
{
	return TEXT_STABLE_WELCOME(lang, n);
}

static const char *track_joined(enum lang lang, unsigned long n)
{
	return TEXT_STABLE_YOU_JOINED(lang, n);
}

/* The stable lines of docs/protocol.md, in the words of text/text_stable.h. */
static const struct track_form track_forms[] = {
	{TRACK_WELCOME, "* ", NULL, track_welcome, false, 2, 0, 1},
	{TRACK_NICK, "* ", TEXT_STABLE_YOU_RENAMED, NULL, true, 1, 0, -1},
	{TRACK_JOINED, "* ", NULL, track_joined, false, 1, -1, 0},
	{TRACK_LEFT, "* ", TEXT_STABLE_YOU_LEFT, NULL, true, 1, -1, 0},
	{TRACK_CURRENT, "* ", TEXT_STABLE_CURRENT, NULL, true, 1, -1, 0},
	{TRACK_CURRENT, "", TEXT_STABLE_ALREADY_IN, NULL, true, 1, -1, 0},
	{TRACK_BYE, "* ", TEXT_STABLE_BYE, NULL, true, 0, -1, -1},
	{TRACK_SHUTDOWN, "", TEXT_STABLE_SHUTDOWN, NULL, true, 0, -1, -1},
	{TRACK_ASK_NAME, "* ", TEXT_STABLE_ASK_NAME, NULL, false, 0, -1, -1},
};

/* Names and rooms have no spaces, and a room starts with '#': a capture that breaks this is a
 * look-alike (or a hostile name cut at the literal it holds), not the server's line. */
static bool track_word(struct scan_span s, bool room)
{
	return s.n > 0 && memchr(s.p, ' ', s.n) == NULL && (!room || s.p[0] == '#');
}

/* The form in lang: the msgid's translation, or both plural forms (for the numbers 1 and 2,
 * which pick every form English and Spanish have). */
static bool track_form(const struct track_form *f, enum lang lang, const char *line, size_t len,
		       struct scan_span *caps)
{
	for (unsigned long n = 1; n <= (f->plural ? 2u : 1u); n++) {
		const char *fmt = f->plural ? f->plural(lang, n) : i18n_tr(lang, f->msgid);
		if (scan_said(f->head, fmt, f->whole, line, len, caps, f->need, NULL) && (f->name < 0 || track_word(caps[f->name], false)) &&
		    (f->room < 0 || track_word(caps[f->room], true)))
			return true;
	}
	return false;
}

static void track_set(char **field, const char *s, size_t n)
{
	free(*field);
	*field = n > 0 ? xstrndup(s, n) : NULL;
}

/* Each form in English, which the server speaks until /lang takes effect, then in lang. */
enum track_fact track_parse(enum lang lang, const char *line, size_t len, struct track_parts *p)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; i < sizeof track_forms / sizeof track_forms[0]; i++) {
		const struct track_form *f = &track_forms[i];
		struct scan_span caps[SCAN_MAX];
		if (!track_form(f, LANG_EN, line, len, caps) &&
		    (lang == LANG_EN || !track_form(f, lang, line, len, caps)))
			continue;
		if (f->name >= 0) {
			p->name_off = (size_t)(caps[f->name].p - line);
			p->name_len = caps[f->name].n;
		}
		if (f->room >= 0) {
			p->room_off = (size_t)(caps[f->room].p - line);
			p->room_len = caps[f->room].n;
		}
		return f->fact;
	}
	return TRACK_NONE;
}

enum track_fact track_line(struct track *t, const char *line, size_t len)
{
	struct track_parts p;
	enum track_fact fact = track_parse(t->lang, line, len, &p);
	switch (fact) {
	case TRACK_WELCOME:
		track_set(&t->name, line + p.name_off, p.name_len);
		track_set(&t->room, line + p.room_off, p.room_len);
		break;
	case TRACK_NICK:
		track_set(&t->name, line + p.name_off, p.name_len);
		break;
	case TRACK_JOINED:
	case TRACK_CURRENT:
		track_set(&t->room, line + p.room_off, p.room_len);
		break;
	case TRACK_LEFT:
		/* Rooms are case-insensitive; the server spells a room the same way each time, and
		 * an ASCII comparison covers the usual difference in what users type. */
		if (t->room && strlen(t->room) == p.room_len &&
		    strncasecmp(t->room, line + p.room_off, p.room_len) == 0)
			track_set(&t->room, NULL, 0);
		break;
	default:
		break;
	}
	return fact;
}

void track_free(struct track *t)
{
	free(t->name);
	free(t->room);
	t->name = NULL;
	t->room = NULL;
}
