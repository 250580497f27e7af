/* login: the start of a session, from the server's name prompt to its welcome. It decides which
 * of the server's lines the user sees (not the prompt the client answers itself with -n), and
 * follows the answer to each line sent before the welcome, so that a script sends its next line
 * only once the server has answered the last, and a refused name is never followed by a message
 * the server would take for a name.
 *
 * Before the welcome the server (docs/protocol.md) answers /help with its list and /quit with
 * `* Bye.`; any other line with exactly one `! ` line (and the prompt again), unless it is taken
 * as the name: then with the welcome. Only a line of text is a name; a command (`/join x`) gets
 * `! Give your name first.` or `! Unknown command`.
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
	bool pending;      /* A line went out whose answer has not come yet. */
	bool naming;       /* That line is a name (text, not a command). */
	unsigned prompts;  /* Name prompts seen in this session. */
	char *tried;       /* The name that went out last. */
};

enum login_verdict {
	LOGIN_SHOW,     /* An ordinary line: show it. */
	LOGIN_HIDE,     /* The name prompt the client answers itself: do not show it. */
	LOGIN_WELCOME,  /* The welcome: the session is on (show it). */
	LOGIN_ANSWERED, /* The error that answers a command sent before the welcome (show it). */
	LOGIN_REFUSED,  /* The error that answers the name in `tried` (show it): not taken. */
};

/* A session starts (a connection, or a UDP registration); `answering` says that the client sends
 * the name itself, with no prompt to show for it. */
void login_start(struct login *l, bool answering);
void login_free(struct login *l);
/* The user's line[0..len) went out before the welcome. Returns true if its answer is awaited
 * (anything but /help, /quit, salir and empty lines); `naming` says whether it is a name. */
bool login_sent(struct login *l, const char *line, size_t len);
/* A line from the server, clean, with the fact track_parse found in it. The answer awaited is
 * the welcome or the first `! ` line once the server has asked for a name (errors before the
 * prompt, like a full queue, answer nothing). */
enum login_verdict login_line(struct login *l, const char *line, size_t len, enum track_fact fact);

#endif
