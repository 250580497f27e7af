/* hist: a latency histogram with bounded relative error and constant memory. Pure: no I/O.
 *
 * Values (nanoseconds) below 2^HIST_SUB_BITS are counted exactly; above, each power of two is split
 * into 2^HIST_SUB_BITS equal buckets, so a reported percentile is within 1/128 (< 0.8 %) of the true
 * value. Recording is O(1) and allocation-free (a fixed array of about 60 KiB, embedded in the
 * caller's struct), which matters when one run records tens of millions of deliveries. The exact
 * minimum, maximum and sum are kept alongside. */
#ifndef CHARLA_BENCH_HIST_H
#define CHARLA_BENCH_HIST_H

#include <stdint.h>

enum {
	HIST_SUB_BITS = 7,
	HIST_SUB = 1 << HIST_SUB_BITS,
	HIST_BUCKETS = (64 - HIST_SUB_BITS + 1) * HIST_SUB,
};

struct hist {
	uint64_t count;
	uint64_t min, max, sum;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_add(struct hist *h, uint64_t v);
/* The value at quantile q (0..1): the upper edge of the bucket holding it, capped at the exact
 * maximum. 0 when the histogram is empty. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
