#include "base/fold.h"

#include <stdbool.h>
#include <string.h>

#include "base/utf8.h"

uint32_t fold_codepoint(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 0x20;
	if (cp >= 0x100 && cp <= 0x17F) {
		/* Latin Extended-A alternates upper/lower case in pairs, with the parity flipping
		 * between U+0139 and U+0148 and again from U+0179. U+0130/U+0131 (Turkish dotted and
		 * dotless i) do not fold one-to-one and are left alone. */
		if (cp == 0x130 || cp == 0x131 || cp == 0x138 || cp == 0x149 || cp == 0x17F)
			return cp;
		if (cp == 0x178)
			return 0xFF;
		if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
			return (cp & 1) ? cp + 1 : cp;
		return (cp & 1) ? cp : cp + 1;
	}
	if (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) /* Α-Ω, Ϊ, Ϋ */
		return cp + 0x20;
	if (cp == 0x3C2)
		return 0x3C3; /* final sigma folds to sigma */
	if (cp == 0x386)
		return 0x3AC;
	if (cp >= 0x388 && cp <= 0x38A)
		return cp + 0x25;
	if (cp == 0x38C)
		return 0x3CC;
	if (cp == 0x38E || cp == 0x38F)
		return cp + 0x3F;
	if (cp >= 0x410 && cp <= 0x42F)
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50;
	/* The rest of Cyrillic (historic letters, Ukrainian Ґ, the Caucasian and Central Asian
	 * additions) pairs upper and lower case as even/odd, except U+04C0-U+04CE. */
	if (cp == 0x4C0)
		return 0x4CF;
	if (cp >= 0x4C1 && cp <= 0x4CE)
		return (cp & 1) ? cp + 1 : cp;
	if ((cp >= 0x460 && cp <= 0x481) || (cp >= 0x48A && cp <= 0x4BF) ||
	    (cp >= 0x4D0 && cp <= 0x52F))
		return (cp & 1) ? cp : cp + 1;
	return cp;
}

size_t fold_utf8(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		bool valid;
		size_t n = utf8_decode(s + i, len - i, &cp, &valid);
		char enc[4];
		size_t m = valid ? utf8_encode(fold_codepoint(cp), enc) : 0;
		if (!valid) {
			memcpy(enc, s + i, n);
			m = n;
		}
		if (o + m + 1 > cap)
			break;
		memcpy(out + o, enc, m);
		o += m;
		i += n;
	}
	if (cap)
		out[o] = '\0';
	return o;
}
