#include "client/track.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/xalloc.h"

static bool starts(const char *line, size_t len, const char *prefix);
static size_t token(const char *s, size_t len, size_t from);
static void set(char **field, const char *s, size_t n);

static bool starts(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(line, prefix, n) == 0;
}

/* Names and rooms contain no spaces, so a name or room runs from `from` to the next space. */
static size_t token(const char *s, size_t len, size_t from)
{
	size_t i = from;
	while (i < len && s[i] != ' ')
		i++;
	return i - from;
}

static void set(char **field, const char *s, size_t n)
{
	free(*field);
	*field = n > 0 ? xstrndup(s, n) : NULL;
}

/* Each form is matched exactly as docs/protocol.md writes it. A name may itself end in '!' or '.',
 * so the punctuation the server adds is taken off only where the form puts it: the '!' that
 * closes the name in the welcome, and the '.' that ends a line. */
enum track_fact track_parse(const char *line, size_t len, struct track_parts *p)
{
	memset(p, 0, sizeof *p);
	if (starts(line, len, "* Welcome, ")) {
		size_t off = strlen("* Welcome, ");
		size_t n = token(line, len, off);
		static const char in[] = " You are in ";
		size_t at = off + n;
		if (n < 2 || line[at - 1] != '!' || !starts(line + at, len - at, in))
			return TRACK_NONE;
		p->name_off = off;
		p->name_len = n - 1;
		p->room_off = at + strlen(in);
		p->room_len = token(line, len, p->room_off);
		if (p->room_off + p->room_len == len && p->room_len > 0 && line[len - 1] == '.')
			p->room_len--;
		return p->room_len > 0 ? TRACK_WELCOME : TRACK_NONE;
	}
	if (len > 0 && line[len - 1] == '.') {
		static const struct {
			const char *prefix;
			enum track_fact fact;
		} ending[] = {
			{"* You are now known as ", TRACK_NICK},
			{"* You left ", TRACK_LEFT},
			{"* Your current room is ", TRACK_CURRENT},
		};
		for (size_t i = 0; i < sizeof ending / sizeof ending[0]; i++) {
			if (!starts(line, len, ending[i].prefix))
				continue;
			size_t off = strlen(ending[i].prefix);
			size_t n = len - 1 - off;
			if (n == 0 || token(line, len, off) != n + 1)
				return TRACK_NONE;
			if (ending[i].fact == TRACK_NICK) {
				p->name_off = off;
				p->name_len = n;
			} else {
				p->room_off = off;
				p->room_len = n;
			}
			return ending[i].fact;
		}
	}
	if (starts(line, len, "* You joined ")) {
		p->room_off = strlen("* You joined ");
		p->room_len = token(line, len, p->room_off);
		if (p->room_off + p->room_len == len && p->room_len > 0 && line[len - 1] == '.')
			p->room_len--;
		return p->room_len > 0 ? TRACK_JOINED : TRACK_NONE;
	}
	/* "/join" of a room one is in already makes it current. */
	if (starts(line, len, "* You are in ")) {
		p->room_off = strlen("* You are in ");
		p->room_len = token(line, len, p->room_off);
		const char *tail = " already;";
		size_t end = p->room_off + p->room_len;
		if (p->room_len > 1 && line[p->room_off] == '#' && len - end >= strlen(tail) &&
		    memcmp(line + end, tail, strlen(tail)) == 0)
			return TRACK_CURRENT;
		return TRACK_NONE;
	}
	if (len == strlen("* Bye.") && starts(line, len, "* Bye."))
		return TRACK_BYE;
	if (len == strlen("! Server shutting down.") && starts(line, len, "! Server shutting down."))
		return TRACK_SHUTDOWN;
	if (starts(line, len, "* What is your name?"))
		return TRACK_ASK_NAME;
	return TRACK_NONE;
}

enum track_fact track_line(struct track *t, const char *line, size_t len)
{
	struct track_parts p;
	enum track_fact fact = track_parse(line, len, &p);
	switch (fact) {
	case TRACK_WELCOME:
		set(&t->name, line + p.name_off, p.name_len);
		set(&t->room, line + p.room_off, p.room_len);
		break;
	case TRACK_NICK:
		set(&t->name, line + p.name_off, p.name_len);
		break;
	case TRACK_JOINED:
	case TRACK_CURRENT:
		set(&t->room, line + p.room_off, p.room_len);
		break;
	case TRACK_LEFT:
		/* Rooms are case-insensitive; the server spells a room the same way each time, and
		 * an ASCII comparison covers the usual difference in what users type. */
		if (t->room && strlen(t->room) == p.room_len &&
		    strncasecmp(t->room, line + p.room_off, p.room_len) == 0)
			set(&t->room, NULL, 0);
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
