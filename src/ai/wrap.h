/* wrap: turns a stream of model text deltas into chat lines. Pure: no I/O.
 *
 * Deltas are appended as they arrive; a delta may end inside a UTF-8 character or an escape
 * sequence, which is kept until the next one completes it. Each complete line goes to a callback
 * at once, so the caller can send it to the chat while the model is still writing:
 *  - a line ends at LF (CRLF too: every CR is dropped);
 *  - a line longer than `width` bytes is wrapped at the last space before the limit (the spaces at
 *    the break are dropped), or, in a word longer than the width, at a character boundary;
 *  - terminal escape sequences (ESC [ ... final byte, ESC ] ... BEL or ESC \, ESC ( B and other
 *    ESC sequences, and their C1 forms) are removed whole; every other control character except TAB, and every
 *    ill-formed UTF-8 sequence, becomes U+FFFD. So every emitted line is clean (base/utf8.h);
 *  - trailing spaces and tabs are removed; a line of only blanks is blank; leading blank lines are
 *    dropped, a run of blank lines becomes one (a paragraph break), and blank lines at the end are
 *    dropped (a blank line is emitted only when a non-blank line follows it);
 *  - `cap` bounds the whole answer: once the lines emitted (their bytes plus one per line for its
 *    newline) would pass it, the line is cut at the cap, wrap reports WRAP_TRUNCATED and ignores
 *    everything after.
 *
 * Memory: the struct is the caller's; wrap owns one line buffer (at most `width` bytes plus one
 * character), released by wrap_free. Lines passed to the callback are valid during the call only. */
#ifndef CHARLA_AI_WRAP_H
#define CHARLA_AI_WRAP_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

enum wrap_status {
	WRAP_OK,
	WRAP_TRUNCATED, /* the cap was reached; sticky: later calls emit nothing and return this */
};

/* One finished line: clean UTF-8, NUL-terminated, len <= width, no newline. len is 0 for the blank
 * line of a paragraph break (the caller decides how to show it). */
typedef void (*wrap_cb)(void *arg, const char *line, size_t len);

/* Treat the fields as private; they are public only so that the struct can live in the caller's. */
struct wrap {
	struct buf line;   /* the clean text of the line being built */
	char part[4];      /* the start of an incomplete UTF-8 character */
	size_t npart;
	size_t width;
	size_t cap;
	size_t total;      /* bytes counted against the cap so far */
	int esc;           /* state inside an escape sequence (0 = none) */
	bool blank_owed;   /* a blank line is due before the next non-blank line */
	bool emitted;      /* at least one non-blank line was emitted */
	bool skip_spaces;  /* just wrapped at a space: drop the spaces that follow */
	enum wrap_status status;
};

/* width: the maximum line length in bytes (at least 4, so any character fits; smaller is raised
 * to 4). cap: the maximum answer size in bytes, 0 for no cap. */
void wrap_init(struct wrap *w, size_t width, size_t cap);
void wrap_free(struct wrap *w);
/* Appends len bytes of model output, calling cb for each line completed. */
enum wrap_status wrap_feed(struct wrap *w, const char *delta, size_t len, wrap_cb cb, void *arg);
/* Ends the answer: emits the last, unterminated line (an incomplete character at the end becomes
 * U+FFFD). For another answer, wrap_free and wrap_init again. */
enum wrap_status wrap_finish(struct wrap *w, wrap_cb cb, void *arg);

#endif
