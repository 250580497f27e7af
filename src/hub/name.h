/* name: the rules for user and room names. Pure functions.
 *
 * A user name is 1-32 code points of valid UTF-8 with no spaces of any kind, no control characters,
 * no ':' or ',', no invisible characters (zero-width, bidirectional controls, soft hyphen), not
 * starting with one of # / @ + * ! - [, without the characters of IRC masks (! @ * ?) anywhere, and
 * not a reserved word. A room name is '#' followed by 1-31
 * code points under the same rules (less the rule on the first character). The rules exist so that
 * every face can show a name unambiguously: the line protocol relies on "name: " ending the name,
 * IRC on names without spaces that split nick!user@host and match bans (*, ?) one way only. */
#ifndef CHARLA_HUB_NAME_H
#define CHARLA_HUB_NAME_H

#include <stddef.h>

enum { NAME_MAX_CHARS = 32, NAME_MAX_BYTES = NAME_MAX_CHARS * 4 };

enum name_result {
	NAME_OK,
	NAME_EMPTY,
	NAME_TOO_LONG,
	NAME_BAD_UTF8,
	NAME_SPACE,
	NAME_CONTROL,
	NAME_PUNCT,      /* ':' or ',' */
	NAME_INVISIBLE,
	NAME_BAD_START,
	NAME_RESERVED,
	NAME_NO_HASH,    /* rooms only: must start with '#' */
	NAME_MASK,       /* users only: '!', '@', '*' or '?', which IRC's masks (nick!user@host) use */
};

enum name_result name_check_user(const char *s, size_t len);
enum name_result name_check_room(const char *s, size_t len);

#endif
