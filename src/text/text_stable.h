/* text_stable: the words of the server's stable lines (docs/protocol.md, "Stable lines", and the
 * other lines a client reads to keep track of its session: news about others, /who replies,
 * errors about its own requests). One source of truth for both sides: charlad's text module
 * (text_codec.c, cmd.c) and its faces write these lines with them, and the terminal client charla
 * (src/client/, the one header of text/ its layer may include, cmake/layers.cmake) reads them back
 * with them, in English and in the language it asked for (i18n_tr and i18n_trn on the same
 * msgids find the same translations in po/es.po).
 *
 * Contract. Changing one of these strings changes the protocol: every client that parses the line
 * changes with it, and po/es.po must keep the same conversions (msgfmt -c). Each comment says what
 * the server puts before the format ("* ", "-- " ...) and what follows it.
 *
 * Data only: string literals marked N_() (xgettext reads this header), and, for the lines with a
 * number of things, the i18n_trn call with its msgid pair; nothing to allocate or free. */
#ifndef CHARLA_TEXT_TEXT_STABLE_H
#define CHARLA_TEXT_TEXT_STABLE_H

#include "base/i18n.h"

/* ---- about you, after "* " ---- */

/* The name prompt, after the greeting and after a refused name. */
#define TEXT_STABLE_ASK_NAME N_("What is your name? (1-32 characters; no spaces, no ':')")
/* The name was accepted: the name, the room, how many others are in it. */
#define TEXT_STABLE_WELCOME(lang, n)                                                            \
	i18n_trn((lang), "Welcome, %s! You are in %s with %llu other. Type /help for commands.",  \
		 "Welcome, %s! You are in %s with %llu others. Type /help for commands.", (n))
/* Your /nick succeeded. */
#define TEXT_STABLE_YOU_RENAMED N_("You are now known as %s.")
/* Your /join succeeded: the room, now current, and how many are in it. */
#define TEXT_STABLE_YOU_JOINED(lang, n)                                                         \
	i18n_trn((lang), "You joined %s (%llu member).", "You joined %s (%llu members).", (n))
/* Your /part succeeded. */
#define TEXT_STABLE_YOU_LEFT N_("You left %s.")
/* After /part of the current room, when you are still in another. */
#define TEXT_STABLE_CURRENT N_("Your current room is %s.")
/* The reply to /quit, just before the server closes the connection. */
#define TEXT_STABLE_BYE N_("Bye.")
/* The first and the last line of the reply to /help (the commands are listed between them). */
#define TEXT_STABLE_HELP_HEAD N_("Commands:")
#define TEXT_STABLE_HELP_TAIL                                                                   \
	N_("Anything else you type is said in your current room. "                              \
	   "Start a line with // to say a line starting with /.")

/* ---- whole lines, with their marker; {1} is the hub's placeholder (a room) ---- */

/* /join of a room you are in already: it is now current. */
#define TEXT_STABLE_ALREADY_IN N_("* You are in {1} already; it is now your current room.")
/* /who of a room that does not exist. */
#define TEXT_STABLE_NO_SUCH_ROOM N_("! No such room: {1}")
/* The server is stopping; the connection closes right after. The faces write it as it is. */
#define TEXT_STABLE_SHUTDOWN N_("! Server shutting down.\n")

/* ---- replies that a client reads to keep its lists, after "! " or "* " ---- */

/* An unknown command, after "! ": its word as typed. */
#define TEXT_STABLE_UNKNOWN N_("Unknown command: /%.*s. Type /help for the list.")
/* TRANSLATORS: the first line of /who: the room and how many are in it. */
#define TEXT_STABLE_WHO_HEAD N_("%s (%zu):")
/* The next lines of a long /who. Both are followed by " NAME" for each member, with '@' before
 * an operator and '+' before a voiced member. */
#define TEXT_STABLE_WHO_MORE N_("%s (continued):")
/* TRANSLATORS: a bot in /who: its name, what it is ("the assistant") and how to use it. */
#define TEXT_STABLE_BOT_LINE N_("Bot: %s (%s; %s)")

/* ---- history (docs/protocol.md, "History"), after "* " ---- */

/* Before the history lines of a room (each starts with "= "): the room. */
#define TEXT_STABLE_HISTORY_HEAD N_("Earlier in %s:")
/* After them: the room, and the id to page back with (/history before ID). */
#define TEXT_STABLE_HISTORY_END N_("End of history of %s; /history before %llu shows earlier lines.")

/* ---- news about others, whole lines ---- */

#define TEXT_STABLE_JOINED N_("[%s] -- %s joined")
#define TEXT_STABLE_LEFT N_("[%s] -- %s left")
#define TEXT_STABLE_LEFT_WHY N_("[%s] -- %s left (%.*s)")
#define TEXT_STABLE_QUIT N_("-- %s quit")
#define TEXT_STABLE_QUIT_WHY N_("-- %s quit (%.*s)")
#define TEXT_STABLE_RENAMED N_("-- %s is now known as %.*s")

#endif
