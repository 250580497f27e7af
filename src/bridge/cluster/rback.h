/* rback: the wait before a link to Redis tries again (rlink, rshard): doubling from the minimum to
 * the maximum, each wait drawn between 3/4 and 5/4 of it so that nodes that lost Redis together do
 * not all come back in the same millisecond. Pure; the state is the caller's (no global). */
#ifndef CHARLA_BRIDGE_CLUSTER_RBACK_H
#define CHARLA_BRIDGE_CLUSTER_RBACK_H

#include <stdint.h>

struct rback {
	unsigned next_ms; /* the wait the next failure draws around */
	uint64_t rand;    /* xorshift64* state: the jitter needs no quality */
};

void rback_init(struct rback *b, unsigned min_ms, uint64_t seed);
/* The wait before the next try, in ms; the one after doubles, up to max_ms. */
uint64_t rback_next(struct rback *b, unsigned max_ms);

#endif
