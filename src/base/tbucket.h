/* tbucket: a token bucket in thousandths of a token, for every rate limit that counts per second
 * (connections per address in net/netlim, messages per session in the hub). Pure: the caller
 * passes the time (any ms clock: one stepped back refills nothing at that call and refills again
 * from the new time on) and the rate and burst, so a changed setting applies from the next call. A value the caller embeds; no
 * allocation. */
#ifndef CHARLA_BASE_TBUCKET_H
#define CHARLA_BASE_TBUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct tbucket {
	uint64_t milli;
	uint64_t last_ms;
};

/* A full bucket of `burst` tokens; take returns false (and takes nothing) when empty. */
void tbucket_init(struct tbucket *b, unsigned burst, uint64_t now_ms);
bool tbucket_take(struct tbucket *b, unsigned rate, unsigned burst, uint64_t now_ms);

#endif
