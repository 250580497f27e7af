/* serverlang: asking the server to speak the user's language. Once the server has welcomed us,
 * charla sends `/lang CODE` when the user's language is not English (the language every server
 * starts in), so that the server's lines match charla's own. A server older than /lang answers
 * it with `! Unknown command: /lang. ...`, an error about a line the user never typed: that one
 * line is hidden, and the session goes on in English on the server's side.
 *
 * The answer to /lang is the first `* ` or `! ` line after it: the server answers a client's
 * commands in order, and charla sends /lang before anything else after the welcome. Room
 * messages and news (`[#room] ...`, `-- ...`) that arrive meanwhile are no answer and are shown.
 *
 * Pure: a struct serverlang holds flags only, nothing to free. Start it with serverlang_start at
 * each session (a connection, or a UDP registration). */
#ifndef CHARLA_CLIENT_SERVERLANG_H
#define CHARLA_CLIENT_SERVERLANG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/i18n.h"

struct buf;

struct serverlang {
	enum lang lang;
	bool asked;        /* /lang went out; its answer has not come. */
	bool unsupported;  /* The server answered that it has no /lang (it stays in English). */
};

enum serverlang_verdict {
	SERVERLANG_SHOW,  /* Any line but the one below: show it. */
	SERVERLANG_HIDE,  /* An older server's unknown-command error for our /lang: hide it. */
};

void serverlang_start(struct serverlang *s, enum lang lang);
/* Appends the line that asks for the language (`/lang es`, without LF) and returns true; false,
 * with nothing appended, for English, which needs no asking. */
bool serverlang_request(struct serverlang *s, struct buf *line);
/* A line from the server, clean (after the welcome). */
enum serverlang_verdict serverlang_line(struct serverlang *s, const char *line, size_t len);

#endif
