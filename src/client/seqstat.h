/* seqstat: what the network did to the numbered datagrams of a UDP session (docs/protocol.md,
 * "Counting"), counted exactly from their sequence numbers. Pure; no allocation.
 *
 * The server numbers the datagrams of each session 1, 2, 3, ... Let top be the highest number
 * received so far in the session. A datagram numbered s is:
 *   - new, if s > top (the numbers between top and s are missing for now);
 *   - a duplicate, if s arrived before: counted, not shown again;
 *   - reordered, if s < top and it had not arrived: it came after a higher number (shown);
 *   - too old, if s <= top - SEQSTAT_WINDOW: too far behind to tell a duplicate from a late
 *     arrival; counted on its own and not shown.
 * Lost = numbers up to top that never arrived, summed over the sessions so far; a reordered
 * arrival takes its number off the lost count. Losses after the last number received cannot be
 * seen. Received counts every numbered datagram, duplicates included.
 *
 * Which of the last SEQSTAT_WINDOW numbers arrived is kept in a bitmap (128 bytes): O(1) per
 * datagram, O(gap) when the top jumps ahead. */
#ifndef CHARLA_CLIENT_SEQSTAT_H
#define CHARLA_CLIENT_SEQSTAT_H

#include <stdint.h>

enum { SEQSTAT_WINDOW = 1024 };

enum seqstat_verdict {
	SEQSTAT_NEW,
	SEQSTAT_REORDERED,
	SEQSTAT_DUPLICATE,
	SEQSTAT_TOO_OLD,
};

struct seqstat {
	uint64_t received;
	uint64_t duplicated;
	uint64_t reordered;
	uint64_t too_old;
	uint64_t lost_before;   /* lost in earlier sessions */
	uint64_t top;           /* highest number of this session; 0 before the first */
	uint64_t distinct;      /* numbers of this session that arrived (too old ones aside) */
	uint64_t bits[SEQSTAT_WINDOW / 64];
};

/* Zero-initialise, or: */
void seqstat_init(struct seqstat *st);
/* Counts datagram number seq (>= 1) and says what it was. */
enum seqstat_verdict seqstat_add(struct seqstat *st, uint64_t seq);
uint64_t seqstat_lost(const struct seqstat *st);
/* A new session starts: numbers start again from 1; the counts so far are kept. */
void seqstat_restart(struct seqstat *st);

#endif
