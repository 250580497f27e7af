#include "base/frame.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

struct frame *frame_new(size_t len)
{
	assert(len <= UINT32_MAX);
	struct frame *f = xmalloc(sizeof(*f) + len);
	f->refs = 1;
	f->len = (uint32_t)len;
	return f;
}

struct frame *frame_from(const void *data, size_t len)
{
	struct frame *f = frame_new(len);
	if (len)
		memcpy(f->data, data, len);
	return f;
}

struct frame *frame_from_buf(struct buf *b)
{
	struct frame *f = frame_from(b->data, b->len);
	buf_clear(b);
	return f;
}

struct frame *frame_ref(struct frame *f)
{
	assert(f->refs > 0 && f->refs < UINT32_MAX);
	f->refs++;
	return f;
}

void frame_unref(struct frame *f)
{
	if (!f)
		return;
	assert(f->refs > 0);
	if (--f->refs == 0)
		free(f);
}
