#include "bridge/cluster/rback.h"

void rback_init(struct rback *b, unsigned min_ms, uint64_t seed)
{
	b->next_ms = min_ms ? min_ms : 1;
	b->rand = seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
}

static uint64_t rback_rand(struct rback *b)
{
	b->rand ^= b->rand >> 12;
	b->rand ^= b->rand << 25;
	b->rand ^= b->rand >> 27;
	return b->rand * UINT64_C(2685821657736338717);
}

uint64_t rback_next(struct rback *b, unsigned max_ms)
{
	uint64_t base = b->next_ms;
	uint64_t delay = base * 3 / 4 + rback_rand(b) % (base / 2 + 1);
	b->next_ms = base >= max_ms / 2 ? max_ms : (unsigned)base * 2;
	return delay;
}
