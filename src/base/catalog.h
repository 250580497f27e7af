/* catalog: lookups in a GNU message catalogue (a .mo file, as msgfmt writes it) held in memory.
 * Pure: no I/O, no allocation, no state. Every lookup is a binary search over the catalogue's
 * sorted table of original strings (msgfmt sorts it), bounds-checked at every read, so that the
 * bytes may be anything: a damaged catalogue gives "not found", never a read outside it.
 *
 * Why not libintl's gettext(): it translates into the one language of the process's locale, while
 * charlad speaks each client's language, and the locale it would switch to (uselocale) must be
 * generated on the machine. The catalogues are still made and checked by GNU gettext's tools
 * (xgettext, msgmerge, msgfmt -c); this module only reads what msgfmt wrote.
 *
 * Ownership. A struct catalog points at bytes the caller owns (charla's are compiled in, constant)
 * and must outlive it; strings returned point into those bytes. */
#ifndef CHARLA_BASE_CATALOG_H
#define CHARLA_BASE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

struct catalog {
	const unsigned char *data;
	size_t len;
};

/* Whether the bytes are a .mo file this module reads: the magic number (either byte order),
 * revision 0 or 1, and tables inside the bytes. A catalogue that fails is one where every lookup
 * finds nothing. */
bool catalog_valid(const struct catalog *c);
/* The translation of msgid, or NULL when the catalogue has none (or an empty one). O(log n). */
const char *catalog_get(const struct catalog *c, const char *msgid);
/* The translation of a message with a plural form: form 0 for n == 1, form 1 otherwise (the rule of
 * English and Spanish, "nplurals=2; plural=(n != 1);", which tests/i18n checks every catalogue
 * declares), or NULL when the catalogue has none. msgid is the singular. */
const char *catalog_nget(const struct catalog *c, const char *msgid, unsigned long n);

#endif
