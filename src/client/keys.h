/* keys: turns the bytes a terminal sends for key presses into editing keys.
 *
 * A pure parser with no state and no allocation: the caller keeps the bytes not yet consumed and
 * calls keys_next again when more arrive. Escape sequences follow ECMA-48 (CSI and SS3) as xterm,
 * the Linux console, tmux and screen send them; sequences we do not use are consumed whole and
 * reported as KEY_IGNORED, so that a stray function key never types garbage into the line. */
#ifndef CHARLA_CLIENT_KEYS_H
#define CHARLA_CLIENT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

enum key {
	KEY_MORE,        /* An incomplete sequence: wait for more bytes (nothing consumed). */
	KEY_TEXT,        /* One UTF-8 character to insert: the bytes consumed. */
	KEY_ENTER,
	KEY_BACKSPACE,
	KEY_DELETE,
	KEY_LEFT,
	KEY_RIGHT,
	KEY_WORD_LEFT,
	KEY_WORD_RIGHT,
	KEY_UP,
	KEY_DOWN,
	KEY_HOME,
	KEY_END,
	KEY_KILL_END,    /* Ctrl-K */
	KEY_KILL_START,  /* Ctrl-U */
	KEY_KILL_WORD,   /* Ctrl-W, Alt-Backspace */
	KEY_INTERRUPT,   /* Ctrl-C */
	KEY_EOF,         /* Ctrl-D */
	KEY_REDRAW,      /* Ctrl-L */
	KEY_TAB,         /* Tab (Ctrl-I): completion */
	KEY_IGNORED,     /* Anything else: a control byte, an unknown sequence, invalid UTF-8. */
};

/* Decodes the first key in buf[0..len) (len > 0) and sets *used to the bytes it took. When the
 * bytes could be the start of a longer sequence, returns KEY_MORE, unless `final` says no more
 * bytes are coming soon: then a lone ESC or a truncated sequence is consumed as KEY_IGNORED. That
 * is how the Escape key itself, which sends a bare ESC, is told from the start of an arrow key. */
enum key keys_next(const char *buf, size_t len, bool final, size_t *used);

#endif
