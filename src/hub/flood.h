/* flood: the message rate every face shares. Each session has a token bucket (session.msgs) of
 * hub_config.msg_rate messages a second in bursts of msg_burst, charged one token by every
 * message, action or notice, to a room or to one person (room_say, session_message), whatever the
 * face. A message with no token left is refused (HUB_ERR_TOO_FAST, u.result.n: the rate) and not
 * delivered; a session that goes on and has msg_burst messages refused in a row, with none
 * accepted between, is cut (HUB_ERR_FLOODED to it, then closed with the reason "Excess Flood" and
 * disconnected), so a client that ignores the refusals costs the others nothing for long. The
 * hub's bots and server operators are never charged. Any accepted message resets the count.
 *
 * Pure of the loop: the time is the hub's clock (hub_config.clock_ms); without one, or with a
 * rate of 0, nothing is charged. O(1), no allocation. */
#ifndef CHARLA_HUB_FLOOD_H
#define CHARLA_HUB_FLOOD_H

#include "hub/event.h"

struct hub;
struct session;

enum {
	FLOOD_DEFAULT_RATE = 5,   /* --msg-rate */
	FLOOD_DEFAULT_BURST = 10, /* --msg-burst */
};

/* HUB_OK: s may send one message now. Otherwise it was told (TOO_FAST), or cut (FLOODED: s is
 * closed and its face asked to disconnect; the caller must not use s but to return). */
enum hub_result flood_charge(struct hub *h, struct session *s);

#endif
