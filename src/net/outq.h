/* outq: a connection's output queue, a FIFO of frame references. Pure: no I/O.
 *
 * The queue owns one reference to each frame it holds and drops it once all of the frame's bytes are
 * consumed (written) or the queue is cleared. `off` is how much of the head frame is already written.
 * The ring of pointers is allocated on the first push and released when the queue empties after a
 * burst, so an idle connection holds no queue memory.
 *
 * Limits: a hard byte limit, and a soft byte limit that may be exceeded for at most `soft_ms`.
 * outq_check says which, if any, has been passed; the caller decides what to do (charlad disconnects
 * the slow reader). Cost: push, consume and check are O(1) amortised; fill is O(frames filled). */
#ifndef CHARLA_NET_OUTQ_H
#define CHARLA_NET_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

struct frame;

struct outq_limits {
	size_t hard;      /* bytes; 0 = none */
	size_t soft;      /* bytes; 0 = none */
	uint64_t soft_ms; /* how long the soft limit may be exceeded */
};

enum outq_verdict { OUTQ_OK, OUTQ_OVER_HARD, OUTQ_OVER_SOFT };

struct outq {
	struct frame **ring;
	uint32_t cap;   /* a power of two, or 0 */
	uint32_t head;
	uint32_t count;
	uint32_t off;   /* bytes of the head frame already written */
	size_t bytes;   /* unwritten bytes in the queue */
	uint64_t soft_since; /* 1 + when bytes went above the soft limit; 0 if not above */
};

void outq_init(struct outq *q);
/* Drops every reference and frees the ring. */
void outq_clear(struct outq *q);
/* Appends f, taking over one reference the caller holds. */
void outq_push(struct outq *q, struct frame *f);
/* Fills up to `max` buffers with the unwritten bytes, in order, stopping once `max_bytes` are
 * covered. Returns the number of buffers filled. */
unsigned outq_fill(const struct outq *q, uv_buf_t *bufs, unsigned max, size_t max_bytes);
/* Marks n bytes written, dropping frames that are now complete. n <= bytes. */
void outq_consume(struct outq *q, size_t n);
/* Drops every frame that has not started to be written; a partially written head frame stays, so
 * the byte stream never contains half a line. */
void outq_drop_unstarted(struct outq *q);
/* The same, also keeping every frame that overlaps the first `handed` unwritten bytes (those given
 * to an asynchronous write still in flight, whose buffers must stay alive). */
void outq_drop_unsent(struct outq *q, size_t handed);
enum outq_verdict outq_check(struct outq *q, const struct outq_limits *lim, uint64_t now_ms);

#endif
