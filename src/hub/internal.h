/* internal: what the hub's own files share and nothing outside src/hub/ may use.
 *
 * The hub is split along its function prefixes (hub.c, session.c, room.c, mode.c, fan.c); these
 * are the few functions one file lends another. Ownership is as in the public headers: rooms are
 * the hub's, sessions the faces'. */
#ifndef CHARLA_HUB_INTERNAL_H
#define CHARLA_HUB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "hub/fan.h"
#include "hub/hub.h"

/* hub.c */
/* len, or less so that text ends at a character within HUB_REASON_MAX bytes: every reason (part,
 * quit, kick, kill, away, wallops) is cut here, whatever face it came from. */
size_t hub_reason_len(const char *text, size_t len);

/* room.c */
/* Whether a member with `prefix` runs the room: a room operator, or a server operator (who may act
 * as an operator in every room it is in, so that someone can run the lobby, which has none), or
 * someone on another node, whose node checked the request (remote.h). */
static inline bool room_runs(const struct session *s, int prefix)
{
	return (prefix >= 0 && (prefix & MEMBER_OP)) || (s->caps & SESSION_MODE_OPER) || s->remote;
}
struct room *room_new(struct hub *h, const char *name, size_t len, bool kept);
void room_free_all(struct hub *h);
/* Links s into r as its newest membership, with prefix. */
void room_link(struct session *s, struct room *r, uint8_t prefix);
/* room_link, then the members (not s) told of the join, as the room's size allows; returns the
 * event (its strings valid while s and r are), for a face's own copy. */
struct hub_event room_enter(struct hub *h, struct session *s, struct room *r, uint8_t prefix);
/* Unlinks s from every room (no news), freeing rooms left empty. */
void room_leave_all(struct hub *h, struct session *s);
/* The mask text of s, "name!user@host" (session_user_shown, session_host_shown), into out
 * (cleared first). */
void room_mask_of(const struct session *s, struct buf *out);

/* session.c */
/* Checks that s may take name: the rules, then nobody else has it or holds it. */
enum hub_result session_name_check(struct hub *h, const struct session *s, const char *name,
				   size_t len);
/* Tells s why it may not take name (the result of session_name_check, not HUB_OK). */
enum hub_result session_name_refused(struct hub *h, struct session *s, enum hub_result r,
				     const char *name, size_t len);
/* Gives s (SESSION_NAMING) the name: it becomes SESSION_ACTIVE. */
void session_name_take(struct hub *h, struct session *s, const char *name, size_t len);
/* "name\0folded\0" in one allocation; *folded points into it. */
char *session_name_alloc(const char *name, size_t len, const char **folded);

/* history.c */
/* Cancels every history request of s still pending (session_close: the face need not). */
void hub_history_forget(struct hub *h, struct session *s);
/* Frees what is pending (hub_free). */
void hub_history_free(struct hub *h);

/* hub.c */
void hub_bot_forget(struct hub *h, struct session *s);

#endif
