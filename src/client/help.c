#include "client/help.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/i18n.h"
#include "client/edit.h"
#include "text/text_stable.h"

#define HEAD "* Commands:"
#define TAIL "* Anything else you type"
#define ITEM "*   "
/* The name the server gives its assistant unless told otherwise (charlad --ai-name). */
#define DEFAULT_BOT "gpt"

/* The server's first and last lines of its reply, its own msgids (text/text_stable.h), looked up
 * only to recognise its reply in the language it speaks. */
static const char server_head[] = TEXT_STABLE_HELP_HEAD;
static const char server_tail[] = TEXT_STABLE_HELP_TAIL;

/* User-facing text, marked for translation (po/es.po), in the form of the server's own /help.
 * Key names and commands are the same in every language and left unmarked. */
static const char *const help_items[][2] = {
	{"/stats", N_("what this connection sent and received; over UDP, what was lost")},
	{"Tab", N_("complete a name, or a command after /; press it twice to list the choices")},
	{N_("Up, Down"), N_("the lines you typed before")},
	{"Ctrl-C", N_("throw away the line being typed; on an empty line, leave")},
	{"Ctrl-D", N_("leave (on an empty line)")},
	{"Ctrl-L", N_("clear the screen")},
};
#define HELP_TITLE N_("* charla, this client:")
#define HELP_ASK N_("ask the assistant in the current room; /msg %s QUESTION privately")
#define HELP_ASK_ITEM N_("%.40s: QUESTION")
#define HELP_ITEM_WIDTH 16

static bool help_starts(const char *s, size_t len, const char *prefix);
static bool help_server_says(enum lang lang, const char *s, size_t len, const char *english,
			     const char *msgid);
static void help_item(struct buf *out, const char *item, const char *text);

static bool help_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && memcmp(s, prefix, n) == 0;
}

/* `* ` and the server's text in English (a prefix of it, `english`), or in lang as its catalogue
 * translates the whole of msgid. */
static bool help_server_says(enum lang lang, const char *s, size_t len, const char *english,
			     const char *msgid)
{
	if (help_starts(s, len, english))
		return true;
	const char *tr = i18n_tr(lang, msgid);
	return tr != msgid && help_starts(s, len, "* ") && help_starts(s + 2, len - 2, tr);
}

/* An item in the server's form: the name padded to HELP_ITEM_WIDTH columns (of the screen, not
 * bytes, for a translated name with accents), then its text. */
static void help_item(struct buf *out, const char *item, const char *text)
{
	size_t w = edit_width(item, strlen(item));
	buf_printf(out, ITEM "%s", item);
	for (; w < HELP_ITEM_WIDTH; w++)
		buf_putc(out, ' ');
	buf_printf(out, " %s\n", text);
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

enum help_place help_line(struct help *h, enum lang lang, const char *line, size_t len)
{
	if (h->asked && help_server_says(lang, line, len, HEAD, server_head)) {
		h->asked = false;
		h->reading = true;
		return HELP_NONE;
	}
	if (!h->reading)
		return HELP_NONE;
	if (help_server_says(lang, line, len, TAIL, server_tail)) {
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

void help_section(const struct help *h, enum lang lang, const char *bot, struct buf *out)
{
	buf_puts(out, i18n_tr(lang, HELP_TITLE));
	buf_putc(out, '\n');
	for (size_t i = 0; i < sizeof help_items / sizeof help_items[0]; i++) {
		help_item(out, i18n_tr(lang, help_items[i][0]), i18n_tr(lang, help_items[i][1]));
		if (i > 0 || !h->assistant || h->listed)
			continue;
		/* Right after /stats: how to ask the assistant, whose questions everyone in the
		 * room sees. */
		const char *name = bot ? bot : DEFAULT_BOT;
		char item[64];
		char text[256];
		snprintf(item, sizeof item, i18n_tr(lang, HELP_ASK_ITEM), name);
		snprintf(text, sizeof text, i18n_tr(lang, HELP_ASK), name);
		help_item(out, item, text);
	}
}
