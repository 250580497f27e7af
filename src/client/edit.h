/* edit: the line being typed in the terminal client, as pure operations on a buffer, and the
 * history of lines already sent.
 *
 * A struct edit owns its text (one heap block of EDIT_MAX + 1 bytes, kept NUL-terminated), its
 * history entries (heap copies; the oldest is dropped past EDIT_HISTORY_MAX) and, while the user
 * browses the history, a copy of the unsent draft. Initialise with edit_init and release everything
 * with edit_free. edit_take hands the finished line to the caller, who frees it.
 *
 * Nothing here touches a terminal: the terminal layer (term.c) asks edit_view what part of the text
 * fits and where the cursor goes. The text is always clean UTF-8 (valid, no control characters),
 * because edit_insert refuses anything else and the history only holds earlier text. The cursor is
 * a byte offset that always sits on a character boundary, where a character is one code point of
 * non-zero display width followed by any zero-width code points (combining accents), so that the
 * cursor never lands between a letter and its accent. Display widths come from wcwidth(), so they
 * follow the LC_CTYPE locale the program set. */
#ifndef CHARLA_CLIENT_EDIT_H
#define CHARLA_CLIENT_EDIT_H

#include <stdbool.h>
#include <stddef.h>

/* The longest line the server accepts (docs/protocol.md), so the editor refuses to grow past it. */
#define EDIT_MAX 4096
#define EDIT_HISTORY_MAX 500

struct edit {
	char *text;
	size_t len;
	size_t cur;
	char **hist;
	size_t hist_len;
	size_t hist_cap;
	/* The entry being shown while browsing; hist_len when not browsing. */
	size_t hist_pos;
	/* The line that was being typed when browsing started, restored by moving past the newest
	 * entry; NULL when not browsing. */
	char *draft;
};

enum edit_result {
	EDIT_CHANGED,  /* The text or the cursor moved. */
	EDIT_NOOP,     /* Nothing to do (left at the start, no older entry, ...). */
	EDIT_FULL,     /* Refused: the text would pass EDIT_MAX bytes. */
	EDIT_INVALID,  /* Refused: not clean UTF-8 text. */
};

/* What part of the text to draw in `cols` columns and where the cursor goes. When the text does
 * not fit, a column at either edge shows a marker instead of text, so that the user sees that
 * text is hidden there: on the left once the start has scrolled off, on the right when there is
 * more text after what is shown (the cursor was moved back into a long line). */
struct edit_view {
	size_t start;       /* First byte of text shown. */
	size_t end;         /* One past the last byte shown. */
	size_t cursor_col;  /* Cursor column, counted from the first column (the left marker's). */
	bool left_marker;   /* Column 0 is a marker; the text starts in column 1. */
	bool right_marker;  /* The column after the text is a marker, the last one used. */
};

void edit_init(struct edit *e);
void edit_free(struct edit *e);

/* Inserts s[0..n) at the cursor and moves the cursor after it. All or nothing. */
enum edit_result edit_insert(struct edit *e, const char *s, size_t n);
enum edit_result edit_left(struct edit *e);
enum edit_result edit_right(struct edit *e);
enum edit_result edit_word_left(struct edit *e);
enum edit_result edit_word_right(struct edit *e);
enum edit_result edit_home(struct edit *e);
enum edit_result edit_end(struct edit *e);
/* Deletes the character before the cursor. */
enum edit_result edit_backspace(struct edit *e);
/* Deletes the character under the cursor. */
enum edit_result edit_delete(struct edit *e);
/* Ctrl-K: deletes from the cursor to the end. */
enum edit_result edit_kill_end(struct edit *e);
/* Ctrl-U: deletes from the start to the cursor. */
enum edit_result edit_kill_start(struct edit *e);
/* Ctrl-W: deletes the word before the cursor and the spaces after it, as a shell does. */
enum edit_result edit_kill_word(struct edit *e);
/* Replaces bytes [from, to) (character boundaries, to <= len) with s[0..n) and puts the cursor
 * after it: what Tab completion does to the word before the cursor. All or nothing. */
enum edit_result edit_replace(struct edit *e, size_t from, size_t to, const char *s, size_t n);
/* Ctrl-C on a typed line: throws the whole line away, as a shell does, and stops browsing the
 * history (the draft is dropped too). The history itself is kept. */
enum edit_result edit_clear(struct edit *e);
/* Up and down: older and newer history entries; past the newest comes back to the draft. Edits
 * to a recalled entry change only the line being typed, never the history. */
enum edit_result edit_history_prev(struct edit *e);
enum edit_result edit_history_next(struct edit *e);
/* Appends a line to the history, unless it is empty or repeats the newest entry. */
void edit_history_add(struct edit *e, const char *line);
/* Returns the typed line (the caller frees it), adds it to the history, and empties the editor. */
char *edit_take(struct edit *e);

/* Display width of clean text s[0..n) in terminal columns. */
size_t edit_width(const char *s, size_t n);
/* Chooses what to show in `cols` columns: the whole text if it fits; else, from the start if the
 * cursor fits before the right marker; else a window after the left marker that ends with the
 * cursor in the last column (the one before the right marker when text follows the cursor).
 * Below 3 columns there is no room for markers and the window just follows the cursor. O(len). */
void edit_view(const struct edit *e, size_t cols, struct edit_view *v);

#endif
