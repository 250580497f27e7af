/* text_history: the line protocol's history (docs/protocol.md, "History"): the last lines of a
 * room on joining it, and /history. It asks the hub (hub/history.h) and writes the answer, which
 * comes on a later turn of the loop, to the session as "* " head and tail lines around "= " lines.
 *
 * Ownership. Nothing is allocated per request: the callback's context is the session itself,
 * which stays valid until then because the hub cancels a closing session's requests. */
#ifndef CHARLA_TEXT_TEXT_HISTORY_H
#define CHARLA_TEXT_TEXT_HISTORY_H

#include <stddef.h>

struct hub;
struct session;

enum { TEXT_HISTORY_DEFAULT = 20 }; /* lines of /history without a number */

/* After s joined room (or was put in the lobby): the room's last hub_config.history_on_join
 * lines said before the join, if any; nothing when there are none or the server keeps none. */
void text_history_join(struct hub *h, struct session *s, const char *room);
/* /history [ROOM] [N] and /history [ROOM] before ID [N] (ROOM: the current room); args as
 * typed. */
void text_history_command(struct hub *h, struct session *s, const char *args, size_t len);

#endif
