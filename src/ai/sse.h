/* sse: an incremental Server-Sent Events parser (the WHATWG "text/event-stream" rules). Pure: no
 * I/O, no libuv, no allocation outside the parser's own buffers.
 *
 * Bytes arrive in arbitrary pieces: a piece may end inside a line, between the CR and the LF of a
 * CRLF, inside the leading byte order mark or inside a UTF-8 character. The parser keeps what it
 * needs between pieces and hands each complete event to a callback:
 *  - a line ends at LF, CRLF or a lone CR;
 *  - "data:" lines are joined with LF (one space after the colon is removed); "event:" sets the
 *    event type; "id:", "retry:", unknown fields and ":" comment lines are ignored;
 *  - a blank line dispatches the event, unless it has no data line at all;
 *  - a UTF-8 byte order mark at the very start of the stream is skipped;
 *  - one extension: an "error:" line, which WHATWG would ignore, is collected like a data line
 *    and makes the event's type "error", because llama.cpp's server reports an error inside a
 *    stream that way ("error: {"code":500,"message":...}"); the caller parses it as a payload.
 * The bytes are passed through as they are (no UTF-8 validation: the JSON parser after us rejects
 * bad text, and that is reported as a malformed payload).
 *
 * Memory: the parser owns two buffers: the event being collected, at most `max` bytes of data, and
 * the unfinished line, at most `max` + 64 bytes (room for the field name). A larger event or line
 * stops the parser with SSE_TOO_BIG rather than growing without bound. The event handed to the callback points into the parser and is valid
 * only during the callback. sse_free releases everything; the struct itself is the caller's. */
#ifndef CHARLA_AI_SSE_H
#define CHARLA_AI_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

enum sse_status {
	SSE_OK,        /* all bytes consumed; feed more, or call sse_finish */
	SSE_STOPPED,   /* the callback returned false; the parser ignores everything after */
	SSE_TOO_BIG,   /* an event or a line was too big; the parser ignores everything after */
	SSE_TRUNCATED, /* sse_finish only: the stream ended inside a line or an undispatched event */
};

struct sse_event {
	const char *type; /* "message" unless an "event:" field said otherwise; NUL-terminated */
	const char *data; /* the data lines joined with LF, NUL-terminated; may hold NUL bytes */
	size_t len;       /* bytes in data, without the terminating NUL */
};

/* Called once per dispatched event. Returns true to go on, false to stop the parser for good (for
 * example after "[DONE]" or an error payload). */
typedef bool (*sse_cb)(void *arg, const struct sse_event *ev);

/* Treat the fields as private; they are public only so that the struct can live in the caller's. */
struct sse {
	struct buf line;  /* the unfinished line */
	struct buf data;  /* the data of the event being collected, each line followed by LF */
	struct buf type;  /* the event type of the event being collected ("" = "message") */
	size_t max;
	size_t bom;       /* bytes of the leading byte order mark matched so far */
	bool started;     /* past the point where a byte order mark may appear */
	bool after_cr;    /* the last byte fed was a CR that ended a line: skip one LF */
	bool pending;     /* a field line was seen since the last dispatch */
	enum sse_status status;
};

/* max: the largest event's data, in bytes (at least 1). */
void sse_init(struct sse *p, size_t max);
void sse_free(struct sse *p);
/* Parses len more bytes, calling cb for each event completed. Returns SSE_OK, or SSE_STOPPED /
 * SSE_TOO_BIG (which stick: every later call returns the same without looking at its bytes). */
enum sse_status sse_feed(struct sse *p, const char *bytes, size_t len, sse_cb cb, void *arg);
/* Says how the stream ended; dispatches nothing. SSE_OK when it ended on an event boundary (no
 * partial line, no fields collected without their blank line), SSE_TRUNCATED when bytes were left
 * over (the caller calls the stream cut short), or the sticky SSE_STOPPED / SSE_TOO_BIG. */
enum sse_status sse_finish(const struct sse *p);

#endif
