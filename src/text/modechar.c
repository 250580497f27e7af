#include "text/modechar.h"

#include <string.h>

#include "hub/room.h"

/* By enum room_mode. */
static const char modechar_table[MODE_COUNT + 1] = "imnstklbeIov";

char modechar_letter(enum room_mode m)
{
	return m < MODE_COUNT ? modechar_table[m] : '?';
}

int modechar_mode(char letter)
{
	const char *at = letter ? memchr(modechar_table, letter, MODE_COUNT) : NULL;
	return at ? (int)(at - modechar_table) : -1;
}

bool modechar_takes_arg(enum room_mode m, bool add)
{
	switch (m) {
	case MODE_KEY:
	case MODE_BAN:
	case MODE_EXCEPT:
	case MODE_INVEX:
	case MODE_OP:
	case MODE_VOICE:
		return true;
	case MODE_LIMIT:
		return add;
	default:
		return false;
	}
}

void modechar_flags(const struct room *r, char out[MODECHAR_FLAGS_MAX])
{
	size_t n = 0;
	out[n++] = '+';
	for (int m = MODE_INVITE_ONLY; m <= MODE_TOPIC_LOCK; m++)
		if (mode_is_set(r, (enum room_mode)m))
			out[n++] = modechar_table[m];
	if (r->state && r->state->key)
		out[n++] = modechar_table[MODE_KEY];
	if (r->state && r->state->limit)
		out[n++] = modechar_table[MODE_LIMIT];
	out[n] = '\0';
}
