/* line_codec: encodes hub events into the line protocol's bytes (docs/protocol.md). Pure.
 *
 * Each call returns a new frame (one reference for the caller) holding exactly one LF-terminated
 * line, built with a single allocation: the parts' lengths are summed first and copied once. */
#ifndef CHARLA_FACE_LINE_CODEC_H
#define CHARLA_FACE_LINE_CODEC_H

#include "hub/hub.h"

struct frame *line_codec_encode(const struct hub_event *ev, struct buf *scratch);
/* The wire format descriptor shared by every line-protocol session. */
extern const struct hub_face line_codec_face;

#endif
