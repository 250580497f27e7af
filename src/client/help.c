#include "client/help.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"

#define HEAD "* Commands:"
#define TAIL "* Anything else you type"
#define ITEM "*   "
/* The name the server gives its assistant unless told otherwise (charlad --ai-name). */
#define DEFAULT_BOT "gpt"

/* User-facing text, in one place for translation, in the form of the server's own /help. */
static const char *const help_items[][2] = {
	{"/stats", "what this connection sent and received; over UDP, what was lost"},
	{"Tab", "complete a name, or a command after /; press it twice to list the choices"},
	{"Up, Down", "the lines you typed before"},
	{"Ctrl-C", "throw away the line being typed; on an empty line, leave"},
	{"Ctrl-D", "leave (on an empty line)"},
	{"Ctrl-L", "clear the screen"},
};
#define HELP_TITLE "* charla, this client:"
#define HELP_ASK "ask the assistant in the current room; /msg %s QUESTION privately"
#define HELP_ITEM_WIDTH 16

static bool help_starts(const char *s, size_t len, const char *prefix);

static bool help_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

bool help_is_command(const char *line, size_t len)
{
	while (len > 0 && line[len - 1] == ' ')
		len--;
	return len == 5 && strncasecmp(line, "/help", 5) == 0;
}

void help_asked(struct help *h)
{
	memset(h, 0, sizeof *h);
	h->asked = true;
}

enum help_place help_line(struct help *h, const char *line, size_t len)
{
	if (h->asked && help_starts(line, len, HEAD)) {
		h->asked = false;
		h->reading = true;
		return HELP_NONE;
	}
	if (!h->reading)
		return HELP_NONE;
	if (help_starts(line, len, TAIL)) {
		h->reading = false;
		return HELP_AFTER;
	}
	if (!help_starts(line, len, "* ")) {
		h->reading = false;
		return HELP_BEFORE;
	}
	if (help_starts(line, len, ITEM "/ask "))
		h->assistant = true;
	/* `*   NAME: QUESTION ...`: the server says how to ask its assistant by name. */
	size_t at = strlen(ITEM);
	while (help_starts(line, len, ITEM) && at < len && line[at] != ' ' && line[at] != ':')
		at++;
	if (at > strlen(ITEM) && help_starts(line + at, len - at, ": QUESTION"))
		h->listed = true;
	return HELP_NONE;
}

void help_section(const struct help *h, const char *bot, struct buf *out)
{
	buf_puts(out, HELP_TITLE "\n");
	for (size_t i = 0; i < sizeof help_items / sizeof help_items[0]; i++) {
		buf_printf(out, ITEM "%-*s %s\n", HELP_ITEM_WIDTH, help_items[i][0],
			   help_items[i][1]);
		if (i > 0 || !h->assistant || h->listed)
			continue;
		/* Right after /stats: how to ask the assistant, whose questions everyone in the
		 * room sees. */
		const char *name = bot ? bot : DEFAULT_BOT;
		char item[64];
		snprintf(item, sizeof item, "%.40s: QUESTION", name);
		buf_printf(out, ITEM "%-*s " HELP_ASK "\n", HELP_ITEM_WIDTH, item, name);
	}
}
