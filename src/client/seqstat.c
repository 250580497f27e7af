#include "client/seqstat.h"

#include <stdbool.h>
#include <string.h>

static bool seqstat_has(const struct seqstat *st, uint64_t seq);
static void seqstat_mark(struct seqstat *st, uint64_t seq, bool on);

/* Number s lives at bit s % SEQSTAT_WINDOW, which holds it while s is within the window. */
static bool seqstat_has(const struct seqstat *st, uint64_t seq)
{
	uint64_t i = seq % SEQSTAT_WINDOW;
	return (st->bits[i / 64] >> (i % 64)) & 1u;
}

static void seqstat_mark(struct seqstat *st, uint64_t seq, bool on)
{
	uint64_t i = seq % SEQSTAT_WINDOW;
	uint64_t bit = (uint64_t)1 << (i % 64);
	if (on)
		st->bits[i / 64] |= bit;
	else
		st->bits[i / 64] &= ~bit;
}

void seqstat_init(struct seqstat *st)
{
	memset(st, 0, sizeof *st);
}

enum seqstat_verdict seqstat_add(struct seqstat *st, uint64_t seq)
{
	st->received++;
	if (seq == 0) {
		/* Never sent (numbers start at 1): nothing to place it by. */
		st->too_old++;
		return SEQSTAT_TOO_OLD;
	}
	if (seq > st->top) {
		if (seq - st->top >= SEQSTAT_WINDOW)
			memset(st->bits, 0, sizeof st->bits);
		else
			for (uint64_t s = st->top + 1; s < seq; s++)
				seqstat_mark(st, s, false);
		seqstat_mark(st, seq, true);
		st->top = seq;
		st->distinct++;
		return SEQSTAT_NEW;
	}
	if (st->top - seq >= SEQSTAT_WINDOW) {
		st->too_old++;
		return SEQSTAT_TOO_OLD;
	}
	if (seqstat_has(st, seq)) {
		st->duplicated++;
		return SEQSTAT_DUPLICATE;
	}
	seqstat_mark(st, seq, true);
	st->distinct++;
	st->reordered++;
	return SEQSTAT_REORDERED;
}

uint64_t seqstat_lost(const struct seqstat *st)
{
	return st->lost_before + st->top - st->distinct;
}

void seqstat_restart(struct seqstat *st)
{
	st->lost_before += st->top - st->distinct;
	st->top = 0;
	st->distinct = 0;
	memset(st->bits, 0, sizeof st->bits);
}
