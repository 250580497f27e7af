/* linebuf: splits a byte stream into lines. Pure: no I/O, no libuv.
 *
 * Bytes arrive in arbitrary pieces (one read may hold half a line or fifty lines). Complete lines that
 * lie wholly inside a piece are handed to the callback in place, without copying; only a partial
 * line at the end of a piece is copied into the linebuf's own storage, which is allocated on demand
 * and released when empty, so an idle connection costs no buffer at all.
 *
 * A line ends at LF; one CR just before the LF is removed. A line longer than `max` bytes (after
 * removing the CR) is reported once through the callback as too long and discarded up to and
 * including its LF, while the lines after it are delivered normally. The callback may ask to stop;
 * the unprocessed bytes are then kept, and linebuf_resume delivers them later (used while a client
 * waits in the admission queue, and when a connection is closing). */
#ifndef CHARLA_NET_LINEBUF_H
#define CHARLA_NET_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum linebuf_event { LINEBUF_LINE, LINEBUF_TOO_LONG };

/* Returns true to go on with the next line, false to stop (the rest is kept). `line` is not
 * NUL-terminated and may be written to (up to len bytes) by the callback. */
typedef bool (*linebuf_cb)(void *arg, enum linebuf_event ev, char *line, size_t len);

struct linebuf {
	char *data;     /* kept bytes: a partial line, or unprocessed input after a stop */
	size_t len;
	size_t cap;
	size_t max;     /* the maximum line length, in bytes, without CR/LF */
	bool discarding; /* inside a too-long line: drop bytes up to the next LF */
	bool paused;    /* the callback said stop: keep everything until linebuf_resume */
};

void linebuf_init(struct linebuf *lb, size_t max);
void linebuf_free(struct linebuf *lb);
/* Feeds len bytes (which complete lines may be modified in place by the callback). While paused, the bytes are only kept. Returns false if the callback stopped. */
bool linebuf_feed(struct linebuf *lb, char *data, size_t len, linebuf_cb cb, void *arg);
/* Unpauses and delivers the kept bytes. Returns false if the callback stopped again. */
bool linebuf_resume(struct linebuf *lb, linebuf_cb cb, void *arg);
/* Bytes kept (a partial line, or unprocessed input while paused). */
size_t linebuf_pending(const struct linebuf *lb);
/* Ends the partial line here, as if a LF had come (for peers that end a message with a pause
 * instead of a newline): moves its bytes, without a trailing CR, to the end of `out`, and stops
 * discarding a too-long line (the pause ends it too). Returns the bytes moved; 0 and no change
 * while paused (the kept bytes may then hold whole lines that come first). */
size_t linebuf_take(struct linebuf *lb, struct buf *out);

#endif
