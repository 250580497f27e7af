/* frame: an immutable, reference-counted run of bytes ready for the wire.
 *
 * The hub encodes one event once per wire format into a frame and hands a reference to every
 * recipient of that format; each connection's output queue holds references until the bytes are
 * written. The creator gets one reference; frame_unref frees the frame when the last one goes.
 * Frames are single-threaded (the event loop's thread), so the count is a plain integer.
 * Cost: one allocation per frame, O(1) per reference. */
#ifndef CHARLA_BASE_FRAME_H
#define CHARLA_BASE_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct buf;

struct frame {
	uint32_t refs;
	uint32_t len;
	char data[];
};

/* A frame of `len` bytes, contents to be filled by the caller before it is shared. */
struct frame *frame_new(size_t len);
struct frame *frame_from(const void *data, size_t len);
/* Moves the bytes of `b` into a new frame and clears `b` (keeps its capacity). */
struct frame *frame_from_buf(struct buf *b);
struct frame *frame_ref(struct frame *f);
void frame_unref(struct frame *f);

#endif
