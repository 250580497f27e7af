#include "client/keys.h"

#include <stdint.h>
#include <string.h>

#include "base/utf8.h"

static enum key control(unsigned char c);
static enum key escape(const unsigned char *s, size_t len, bool final, size_t *used);
static enum key csi(const unsigned char *params, size_t n, unsigned char fin);
static enum key cursor_key(unsigned char fin, bool modified);

/* The Ctrl keys of the spec and of readline's emacs mode that people reach for by habit. */
static enum key control(unsigned char c)
{
	switch (c) {
	case '\r':
	case '\n':
		return KEY_ENTER;
	case 0x7F:
	case 0x08:
		return KEY_BACKSPACE;
	case 0x01:
		return KEY_HOME;
	case 0x05:
		return KEY_END;
	case 0x02:
		return KEY_LEFT;
	case 0x06:
		return KEY_RIGHT;
	case 0x10:
		return KEY_UP;
	case 0x0E:
		return KEY_DOWN;
	case 0x0B:
		return KEY_KILL_END;
	case 0x15:
		return KEY_KILL_START;
	case 0x17:
		return KEY_KILL_WORD;
	case 0x03:
		return KEY_INTERRUPT;
	case 0x04:
		return KEY_EOF;
	case 0x0C:
		return KEY_REDRAW;
	case '\t':
		return KEY_TAB;
	default:
		return KEY_IGNORED;
	}
}

static enum key cursor_key(unsigned char fin, bool modified)
{
	switch (fin) {
	case 'A':
		return KEY_UP;
	case 'B':
		return KEY_DOWN;
	case 'C':
		return modified ? KEY_WORD_RIGHT : KEY_RIGHT;
	case 'D':
		return modified ? KEY_WORD_LEFT : KEY_LEFT;
	case 'H':
		return KEY_HOME;
	case 'F':
		return KEY_END;
	default:
		return KEY_IGNORED;
	}
}

/* params[0..n) are the parameter bytes of a CSI sequence. A second parameter is xterm's modifier
 * (ESC [ 1 ; 5 C is Ctrl-Right); any modifier on Left/Right moves by word. */
static enum key csi(const unsigned char *params, size_t n, unsigned char fin)
{
	bool modified = memchr(params, ';', n) != NULL;
	if (fin != '~')
		return cursor_key(fin, modified);
	unsigned num = 0;
	for (size_t i = 0; i < n && params[i] >= '0' && params[i] <= '9' && num < 1000; i++)
		num = num * 10 + (unsigned)(params[i] - '0');
	switch (num) {
	case 1:
	case 7:
		return KEY_HOME;
	case 4:
	case 8:
		return KEY_END;
	case 3:
		return KEY_DELETE;
	default:
		return KEY_IGNORED;
	}
}

static enum key escape(const unsigned char *s, size_t len, bool final, size_t *used)
{
	if (len < 2) {
		*used = 1;
		return final ? KEY_IGNORED : KEY_MORE;
	}
	if (s[1] == '[') {
		/* ECMA-48: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, then one final
		 * byte 0x40-0x7E. */
		size_t i = 2;
		while (i < len && s[i] >= 0x30 && s[i] <= 0x3F)
			i++;
		size_t params_end = i;
		while (i < len && s[i] >= 0x20 && s[i] <= 0x2F)
			i++;
		if (i == len) {
			*used = len;
			return final ? KEY_IGNORED : KEY_MORE;
		}
		if (s[i] < 0x40 || s[i] > 0x7E) {
			/* Not a sequence after all: drop the introducer, keep the rest as typed. */
			*used = 2;
			return KEY_IGNORED;
		}
		*used = i + 1;
		return csi(s + 2, params_end - 2, s[i]);
	}
	if (s[1] == 'O') {
		if (len < 3) {
			*used = len;
			return final ? KEY_IGNORED : KEY_MORE;
		}
		*used = 3;
		return cursor_key(s[2], false);
	}
	if (s[1] == 0x1B) {
		*used = 1;
		return KEY_IGNORED;
	}
	*used = 2;
	switch (s[1]) {
	case 'b':
		return KEY_WORD_LEFT;
	case 'f':
		return KEY_WORD_RIGHT;
	case 0x7F:
	case 0x08:
		return KEY_KILL_WORD;
	default:
		return KEY_IGNORED;
	}
}

enum key keys_next(const char *buf, size_t len, bool final, size_t *used)
{
	const unsigned char *s = (const unsigned char *)buf;
	*used = 1;
	if (s[0] == 0x1B) {
		enum key k = escape(s, len, final, used);
		if (k == KEY_MORE)
			*used = 0;
		return k;
	}
	if (s[0] < 0x20 || s[0] == 0x7F)
		return control(s[0]);
	if (s[0] < 0x80)
		return KEY_TEXT;
	uint32_t cp;
	bool valid;
	size_t n = utf8_decode(buf, len, &cp, &valid);
	if (!valid && n == len) {
		/* utf8_decode stopped at the end of the bytes we have, not at a bad byte, so the
		 * rest of the character may be in the next read. */
		size_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
		if (s[0] >= 0xC2 && s[0] <= 0xF4 && len < need && !final) {
			*used = 0;
			return KEY_MORE;
		}
	}
	*used = n;
	if (!valid || utf8_is_control(cp))
		return KEY_IGNORED;
	return KEY_TEXT;
}
