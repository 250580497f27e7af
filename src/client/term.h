/* term: the screen of the interactive client: the edit row at the bottom, redrawn after every
 * change, and incoming lines printed above it.
 *
 * A struct term borrows its output file descriptor (stdout, a terminal) and owns a scratch buf;
 * term_free releases it. Raw mode is not set here but by the owner of the input handle (input.c,
 * through libuv); client_finish restores it.
 *
 * The edit row never wraps: a line longer than the window scrolls sideways (edit_view), with a `<`
 * or `>` at the edge where text is hidden. A row that never wraps can always be erased with a
 * carriage return and "erase line", whatever happened on the screen since, so incoming text is
 * printed by erasing the row, writing the text, and drawing the row again below it, in one write()
 * so that the screen never shows a half-drawn state. */
#ifndef CHARLA_CLIENT_TERM_H
#define CHARLA_CLIENT_TERM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

struct edit;

struct term {
	int fd;
	size_t cols;
	bool colour;
	struct buf out;
};

void term_init(struct term *t, int fd, bool colour);
void term_free(struct term *t);
/* Reads the window width again (after SIGWINCH); 80 columns if the terminal does not say. */
void term_resize(struct term *t);
/* Draws the prompt and the visible part of the line. Returns 0 or -errno. */
int term_draw(struct term *t, const char *prompt, const struct edit *e);
/* Erases the edit row, writes text (whole lines, each ending in "\n"), and draws the edit row
 * again. Returns 0 or -errno. */
int term_print(struct term *t, const char *text, size_t len, const char *prompt,
	       const struct edit *e);
/* Clears the screen and draws the edit row at the top (Ctrl-L). Returns 0 or -errno. */
int term_clear(struct term *t, const char *prompt, const struct edit *e);
/* Erases the edit row, so that the shell's prompt starts on a clean row. Returns 0 or -errno. */
int term_hide(struct term *t);
/* Writes all of p[0..n) to fd, retrying after signals and waiting when fd is non-blocking and
 * full. Returns 0 or -errno (-EPIPE when nobody reads any more). */
int term_write_all(int fd, const void *p, size_t n);

#endif
