#include "net/outq.h"

#include <stdlib.h>
#include <string.h>

#include "base/frame.h"
#include "base/xalloc.h"

/* Rings larger than this are released when the queue empties; smaller ones are kept for reuse. */
enum { OUTQ_KEEP_CAP = 16 };

void outq_init(struct outq *q)
{
	memset(q, 0, sizeof(*q));
}

static struct frame *outq_at(const struct outq *q, uint32_t i)
{
	return q->ring[(q->head + i) & (q->cap - 1)];
}

void outq_clear(struct outq *q)
{
	for (uint32_t i = 0; i < q->count; i++)
		frame_unref(outq_at(q, i));
	free(q->ring);
	outq_init(q);
}

static void outq_grow(struct outq *q)
{
	uint32_t cap = q->cap ? q->cap * 2 : 4;
	struct frame **ring = xmalloc(cap * sizeof(*ring));
	for (uint32_t i = 0; i < q->count; i++)
		ring[i] = outq_at(q, i);
	free(q->ring);
	q->ring = ring;
	q->cap = cap;
	q->head = 0;
}

void outq_push(struct outq *q, struct frame *f)
{
	if (q->count == q->cap)
		outq_grow(q);
	q->ring[(q->head + q->count) & (q->cap - 1)] = f;
	q->count++;
	q->bytes += f->len;
}

unsigned outq_fill(const struct outq *q, uv_buf_t *bufs, unsigned max, size_t max_bytes)
{
	if (!q->count || !max || !max_bytes)
		return 0;
	/* The head frame may be partly written; the others start at their first byte. This runs
	 * once per frame written, so the fields are set directly rather than through the
	 * (out-of-line) uv_buf_init. */
	struct frame *f = q->ring[q->head];
	bufs[0].base = f->data + q->off;
	bufs[0].len = f->len - q->off;
	size_t total = bufs[0].len;
	unsigned n = 1;
	uint32_t limit = q->count < max ? q->count : max;
	for (uint32_t i = 1; i < limit && total < max_bytes; i++) {
		f = outq_at(q, i);
		bufs[n].base = f->data;
		bufs[n].len = f->len;
		total += f->len;
		n++;
	}
	return n;
}

static void outq_shrink_if_empty(struct outq *q)
{
	if (q->count == 0 && q->cap > OUTQ_KEEP_CAP) {
		free(q->ring);
		q->ring = NULL;
		q->cap = 0;
		q->head = 0;
	}
}

void outq_consume(struct outq *q, size_t n)
{
	q->bytes -= n;
	while (n && q->count) {
		struct frame *f = q->ring[q->head];
		size_t left = f->len - q->off;
		if (n < left) {
			q->off += (uint32_t)n;
			return;
		}
		n -= left;
		frame_unref(f);
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
		q->off = 0;
	}
	/* Zero-length frames at the head are complete too. */
	while (q->count && q->ring[q->head]->len == 0) {
		frame_unref(q->ring[q->head]);
		q->head = (q->head + 1) & (q->cap - 1);
		q->count--;
	}
	outq_shrink_if_empty(q);
}

void outq_drop_unstarted(struct outq *q)
{
	outq_drop_unsent(q, 0);
}

void outq_drop_unsent(struct outq *q, size_t handed)
{
	uint32_t keep = (q->count && q->off) ? 1 : 0;
	size_t covered = 0;
	for (uint32_t i = 0; i < q->count && covered < handed; i++) {
		covered += outq_at(q, i)->len - (i == 0 ? q->off : 0);
		if (i + 1 > keep)
			keep = i + 1;
	}
	while (q->count > keep) {
		uint32_t last = (q->head + q->count - 1) & (q->cap - 1);
		q->bytes -= q->ring[last]->len;
		frame_unref(q->ring[last]);
		q->count--;
	}
	q->soft_since = 0;
	outq_shrink_if_empty(q);
}

enum outq_verdict outq_check(struct outq *q, const struct outq_limits *lim, uint64_t now_ms)
{
	if (lim->hard && q->bytes > lim->hard)
		return OUTQ_OVER_HARD;
	if (!lim->soft || q->bytes <= lim->soft) {
		q->soft_since = 0;
		return OUTQ_OK;
	}
	/* Stored plus one, so that 0 can mean "not above" whatever the clock reads. */
	if (!q->soft_since)
		q->soft_since = now_ms + 1;
	return now_ms + 1 - q->soft_since >= lim->soft_ms ? OUTQ_OVER_SOFT : OUTQ_OK;
}
