/* fold: case folding for names, so that uniqueness is case-insensitive.
 *
 * A pure function. Folding covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (simple,
 * one-to-one folds: "Ñandú" and "ñANDÚ" fold alike); other scripts compare as written. That is a
 * deliberate subset of Unicode's CaseFolding.txt: enough for the languages our users write names in,
 * without a table of thousands of entries. Input must be valid UTF-8. */
#ifndef CHARLA_BASE_FOLD_H
#define CHARLA_BASE_FOLD_H

#include <stddef.h>
#include <stdint.h>

uint32_t fold_codepoint(uint32_t cp);
/* Folds s[0..len) into out (cap bytes, NUL-terminated). Folding never lengthens text in the
 * covered ranges, so cap = len + 1 always suffices. Returns the folded length. */
size_t fold_utf8(const char *s, size_t len, char *out, size_t cap);

#endif
