/* help: charla's own part of /help. The server answers /help with `* ` lines from `* Commands:`
 * to `* Anything else you type ...`; in a terminal charla shows its own section right after, in
 * the same form: /stats, how to ask the assistant, and the keys.
 *
 * Pure: struct help holds only flags, nothing to free. help_line follows the server's reply to
 * a /help the user sent (help_asked) and says where the section goes: after the reply's last
 * line, or, should another line interrupt the reply, before that line.
 *
 * The reply is in the language the server speaks, English or, once charla has asked for it with
 * /lang (serverlang.h), the user's: its first and last lines are recognised in both, the second
 * through the server's own words in the shared catalogue (po/es.po). The section is in lang. */
#ifndef CHARLA_CLIENT_HELP_H
#define CHARLA_CLIENT_HELP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/i18n.h"

struct buf;

struct help {
	bool asked;       /* The user sent /help; its reply has not begun. */
	bool reading;     /* Inside the server's reply. */
	bool assistant;   /* The reply lists /ask: the server has an assistant. */
	bool listed;      /* The reply lists how to ask it by name (`NAME: QUESTION`) already. */
};

enum help_place {
	HELP_NONE,    /* Not the end of a help reply. */
	HELP_AFTER,   /* The reply's last line: the section goes after it. */
	HELP_BEFORE,  /* The reply was cut short by this line: the section goes before it. */
};

/* True for a line the user sends that is the /help command. */
bool help_is_command(const char *line, size_t len);
void help_asked(struct help *h);
enum help_place help_line(struct help *h, enum lang lang, const char *line, size_t len);
/* Appends the section as lines, each ending in "\n". `bot` is the assistant's name if known
 * (NULL: the default, gpt); the assistant's line is left out when the server has none, or listed
 * it itself. */
void help_section(const struct help *h, enum lang lang, const char *bot, struct buf *out);

#endif
