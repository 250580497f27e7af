#include "base/utf8.h"

#include "base/buf.h"

/* Decoding follows Table 3-7 of the Unicode standard (well-formed byte sequences): the second
 * byte's range depends on the first byte, which rules out overlongs and surrogates without any
 * arithmetic check afterwards. */
size_t utf8_decode(const char *str, size_t len, uint32_t *cp, bool *valid)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	*valid = true;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t need;
	unsigned char lo = 0x80, hi = 0xBF;
	uint32_t v;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		*cp = UTF8_REPLACEMENT;
		*valid = false;
		return 1;
	}
	size_t i = 1;
	for (; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*cp = UTF8_REPLACEMENT;
			*valid = false;
			return i;
		}
		v = (v << 6) | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return i;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

bool utf8_is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t') || (cp >= 0x7F && cp <= 0x9F);
}

bool utf8_is_valid(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		bool valid;
		i += utf8_decode(s + i, len - i, &cp, &valid);
		if (!valid)
			return false;
	}
	return true;
}

bool utf8_is_clean(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F) {
			i++;
			continue;
		}
		uint32_t cp;
		bool valid;
		i += utf8_decode(s + i, len - i, &cp, &valid);
		if (!valid || utf8_is_control(cp))
			return false;
	}
	return true;
}

size_t utf8_sanitize(const char *s, size_t len, struct buf *out)
{
	static const char repl[] = "\xEF\xBF\xBD";
	size_t replaced = 0;
	size_t i = 0;
	buf_reserve(out, len);
	while (i < len) {
		/* Copy the longest clean ASCII run in one go. */
		size_t j = i;
		while (j < len && (unsigned char)s[j] >= 0x20 && (unsigned char)s[j] < 0x7F)
			j++;
		if (j > i) {
			buf_append(out, s + i, j - i);
			i = j;
			continue;
		}
		uint32_t cp;
		bool valid;
		size_t n = utf8_decode(s + i, len - i, &cp, &valid);
		if (!valid || utf8_is_control(cp)) {
			buf_append(out, repl, 3);
			replaced++;
		} else {
			buf_append(out, s + i, n);
		}
		i += n;
	}
	return replaced;
}

size_t utf8_count(const char *s, size_t len)
{
	size_t count = 0;
	size_t i = 0;
	while (i < len) {
		uint32_t cp;
		bool valid;
		i += utf8_decode(s + i, len - i, &cp, &valid);
		count++;
	}
	return count;
}

size_t utf8_boundary(const char *s, size_t len, size_t max)
{
	if (max >= len)
		return len;
	size_t n = max;
	/* Step back over continuation bytes; at most 3 for valid text. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}
