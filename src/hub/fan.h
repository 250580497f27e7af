/* fan: delivery of events, internal to the hub (session.c, room.c, mode.c, hub.c use it; faces and
 * bridges do not).
 *
 * A fan-out is begun, fed recipients, and ended: fan_begin stamps the event (changes of state only)
 * and tells the observers, fan_to delivers to one recipient (encoding for its slot the first time),
 * fan_end releases the frames the cache took. Only one fan-out runs at a time: a bot's or an
 * observer's callback that tried to start another is caught by an assertion. fan_one sends a reply
 * to one session, encoded for it alone; it may run inside a fan-out (a bot answering an event). */
#ifndef CHARLA_HUB_FAN_H
#define CHARLA_HUB_FAN_H

#include <stdbool.h>

#include "hub/event.h"

struct hub;
struct room;
struct session;

/* Stamps ev (time, id, origin) if stamp, runs the observers, and starts the cache. */
void fan_begin(struct hub *h, struct hub_event *ev, bool stamp);
void fan_to(struct hub *h, const struct hub_event *ev, struct session *s);
void fan_end(struct hub *h);

/* Every member of r but `except` (NULL: none). */
void fan_room(struct hub *h, struct room *r, const struct hub_event *ev,
	      const struct session *except);
/* Everyone who shares a room with s, once each, s excluded; rooms too big for news are skipped
 * when quiet_big. */
void fan_shared(struct hub *h, struct session *s, const struct hub_event *ev, bool quiet_big);

/* A change of s: stamped, told to s itself (HUB_EVF_SELF) and to everyone sharing a room with
 * it (fan_shared, rooms of any size), in one fan-out. */
void fan_self_and_shared(struct hub *h, struct session *s, struct hub_event *ev);
/* A reply or notification to s alone (flags get HUB_EVF_SELF unless ev is shared news). */
void fan_one(struct hub *h, struct session *s, const struct hub_event *ev);
/* HUB_EV_RESULT to s: code with its arguments, names as typed (to and room may be NULL). Returns
 * code. */
enum hub_result fan_result(struct hub *h, struct session *s, enum hub_result code, const char *to,
			   size_t tolen, const char *room, size_t roomlen, int detail, size_t n);

/* Whether joins, parts and quits in r are announced (--announce-max). */
bool fan_announces(const struct hub *h, const struct room *r);

#endif
