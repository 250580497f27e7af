#include "base/tbucket.h"

void tbucket_init(struct tbucket *b, unsigned burst, uint64_t now_ms)
{
	b->milli = (uint64_t)burst * 1000;
	b->last_ms = now_ms;
}

static void tbucket_refill(struct tbucket *b, unsigned rate, unsigned burst, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)burst * 1000;
	if (b->milli > cap)
		b->milli = cap; /* the burst was lowered */
	if (now_ms > b->last_ms) {
		uint64_t add = (now_ms - b->last_ms) * rate; /* rate/s = rate thousandths per ms */
		b->milli = add >= cap - b->milli ? cap : b->milli + add;
	}
	/* Also when the clock went back: refill from the new time, or a wall clock stepped back by
	 * an hour would freeze every bucket for that hour. */
	b->last_ms = now_ms;
}

bool tbucket_take(struct tbucket *b, unsigned rate, unsigned burst, uint64_t now_ms)
{
	tbucket_refill(b, rate, burst, now_ms);
	if (b->milli < 1000)
		return false;
	b->milli -= 1000;
	return true;
}
