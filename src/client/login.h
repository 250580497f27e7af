/* login: the start of a session, from the server's name prompt to its welcome. It decides which
 * of the server's lines the user sees (not the prompt the client answers itself with -n), and
 * tells a welcome from a refusal of the name that went out, so that a script's next line is never
 * taken for a name.
 *
 * Pure: it only reads the lines it is given. A struct login owns one heap string, the name that
 * went out last (NULL while none did), released by login_free and replaced by login_start. Start
 * it zeroed or with login_start. */
#ifndef CHARLA_CLIENT_LOGIN_H
#define CHARLA_CLIENT_LOGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "client/track.h"

struct login {
	bool named;        /* The server welcomed us in this session. */
	bool answering;    /* The client answers the first name prompt itself. */
	bool pending;      /* A name went out, and neither a welcome nor a refusal came yet. */
	unsigned prompts;  /* Name prompts seen in this session. */
	char *tried;       /* The name that went out last. */
};

enum login_verdict {
	LOGIN_SHOW,     /* An ordinary line: show it. */
	LOGIN_HIDE,     /* The name prompt the client answers itself: do not show it. */
	LOGIN_WELCOME,  /* The welcome: the session is on (show it). */
	LOGIN_REFUSED,  /* An error about the name in `tried` (show it): it was not taken. */
};

/* A session starts (a connection, or a UDP registration); `answering` says that the client sends
 * the name itself, with no prompt to show for it. */
void login_start(struct login *l, bool answering);
void login_free(struct login *l);
/* The user's line[0..len) went out before the welcome. Returns true if the server takes it as a
 * name (anything but /help, /quit, salir and empty lines): then its answer is awaited. */
bool login_sent(struct login *l, const char *line, size_t len);
/* A line from the server, clean, with the fact track_parse found in it. A refusal is an error
 * line (`! `) while a name is awaited, once the server has asked for a name: the server answers
 * a name it does not take with an error, then the prompt again. */
enum login_verdict login_line(struct login *l, const char *line, size_t len, enum track_fact fact);

#endif
