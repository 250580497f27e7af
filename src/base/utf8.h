/* utf8: decoding, validation and sanitising of UTF-8 text. Pure functions, no allocation except
 * into a caller's buf.
 *
 * "Clean" text, in charla's sense, is valid UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF) that contains no control character other than TAB: no C0 (U+0000-U+001F, ESC
 * included), no DEL (U+007F) and no C1 (U+0080-U+009F). Only clean text ever reaches another
 * client, so no client can drive another's terminal. */
#ifndef CHARLA_BASE_UTF8_H
#define CHARLA_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

#define UTF8_REPLACEMENT 0xFFFDu

/* Decodes one code point at s (len > 0). Returns the bytes consumed, at least 1. An ill-formed
 * sequence yields U+FFFD and consumes its maximal subpart (the Unicode "best practice", so one bad
 * byte never swallows the valid characters after it); *valid says which happened. */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp, bool *valid);
/* Writes cp (<= U+10FFFF, not a surrogate) as 1-4 bytes into out; returns the count. */
size_t utf8_encode(uint32_t cp, char out[4]);
bool utf8_is_control(uint32_t cp);
/* True if s[0..len) is valid UTF-8, controls allowed (IRC's UTF8ONLY). O(len), ASCII fast path. */
bool utf8_is_valid(const char *s, size_t len);
/* True if s[0..len) is clean (see above). O(len) with an ASCII fast path. */
bool utf8_is_clean(const char *s, size_t len);
/* Appends s to out with every ill-formed sequence and every control except TAB replaced by
 * U+FFFD. Returns the number of replacements. */
size_t utf8_sanitize(const char *s, size_t len, struct buf *out);
/* Number of code points in s (ill-formed subparts count one each). */
size_t utf8_count(const char *s, size_t len);
/* The largest n <= max such that s[0..n) ends on a character boundary of the valid text s. */
size_t utf8_boundary(const char *s, size_t len, size_t max);

#endif
