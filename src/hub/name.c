#include "hub/name.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"

static bool name_is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == 0xA0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
	       cp == 0x205F || cp == 0x3000;
}

static bool name_is_invisible(uint32_t cp)
{
	return cp == 0xAD || cp == 0x34F || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
	       (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
	       (cp >= 0xE0000 && cp <= 0xE007F);
}

/* The character rules shared by user and room names. */
static enum name_result name_check_chars(const char *s, size_t len, size_t max_chars)
{
	if (len == 0)
		return NAME_EMPTY;
	if (len > NAME_MAX_BYTES)
		return NAME_TOO_LONG;
	size_t chars = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		bool valid;
		i += utf8_decode(s + i, len - i, &cp, &valid);
		/* Faces replace invalid bytes and control characters with U+FFFD before a line
		 * reaches the hub, so a U+FFFD here most likely stands for one of those: refuse it
		 * rather than hand out a name the user never typed. */
		if (!valid || cp == UTF8_REPLACEMENT)
			return NAME_BAD_UTF8;
		if (name_is_space(cp))
			return NAME_SPACE;
		if (utf8_is_control(cp))
			return NAME_CONTROL;
		if (cp == ':' || cp == ',')
			return NAME_PUNCT;
		if (name_is_invisible(cp))
			return NAME_INVISIBLE;
		if (++chars > max_chars)
			return NAME_TOO_LONG;
	}
	return NAME_OK;
}

enum name_result name_check_user(const char *s, size_t len)
{
	enum name_result r = name_check_chars(s, len, NAME_MAX_CHARS);
	if (r != NAME_OK)
		return r;
	if (strchr("#/@+*!-[", s[0]))
		return NAME_BAD_START;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '!' || s[i] == '@' || s[i] == '*' || s[i] == '?')
			return NAME_MASK;
	static const char *const reserved[] = {"pm", "server", "you"};
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
		if (strlen(reserved[i]) == len && strncasecmp(reserved[i], s, len) == 0)
			return NAME_RESERVED;
	}
	return NAME_OK;
}

enum name_result name_check_room(const char *s, size_t len)
{
	if (len == 0)
		return NAME_EMPTY;
	if (s[0] != '#')
		return NAME_NO_HASH;
	if (len == 1)
		return NAME_EMPTY;
	return name_check_chars(s + 1, len - 1, NAME_MAX_CHARS - 1);
}
