#include "base/catalog.h"

#include <stdint.h>
#include <string.h>

enum {
	MO_MAGIC = 0x950412de,
	MO_HEADER = 28,        /* bytes of the header: magic, revision, count, two offsets, hash */
	MO_OFF_COUNT = 8,
	MO_OFF_ORIG = 12,
	MO_OFF_TRANS = 16,
	MO_ENTRY = 8,          /* a table entry: length, offset */
	MO_MAJOR_MAX = 1,
};

/* A 32-bit word at off in the catalogue's byte order; false when out of bounds. */
static bool catalog_word(const struct catalog *c, size_t off, uint32_t *out)
{
	if (off > c->len || c->len - off < 4)
		return false;
	const unsigned char *p = c->data + off;
	uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		      (uint32_t)p[3] << 24;
	uint32_t be = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
		      (uint32_t)p[0] << 24;
	uint32_t magic_le = (uint32_t)c->data[0] | (uint32_t)c->data[1] << 8 |
			    (uint32_t)c->data[2] << 16 | (uint32_t)c->data[3] << 24;
	*out = magic_le == MO_MAGIC ? le : be;
	return true;
}

bool catalog_valid(const struct catalog *c)
{
	uint32_t magic, rev, n, orig, trans;
	if (!c->data || c->len < MO_HEADER || !catalog_word(c, 0, &magic) || magic != MO_MAGIC ||
	    !catalog_word(c, 4, &rev) || (rev >> 16) > MO_MAJOR_MAX ||
	    !catalog_word(c, MO_OFF_COUNT, &n) || !catalog_word(c, MO_OFF_ORIG, &orig) ||
	    !catalog_word(c, MO_OFF_TRANS, &trans))
		return false;
	size_t table = (size_t)n * MO_ENTRY;
	return n <= c->len / MO_ENTRY && orig <= c->len && c->len - orig >= table &&
	       trans <= c->len && c->len - trans >= table;
}

/* String i of the table at `table`: its bytes, NUL-terminated inside the catalogue (checked), and
 * its length up to that NUL's position as the table says. NULL when anything is out of bounds. */
static const char *catalog_string(const struct catalog *c, uint32_t table, uint32_t i,
				  uint32_t *len)
{
	uint32_t l, off;
	if (!catalog_word(c, (size_t)table + (size_t)i * MO_ENTRY, &l) ||
	    !catalog_word(c, (size_t)table + (size_t)i * MO_ENTRY + 4, &off))
		return NULL;
	if (off >= c->len || c->len - off <= l || c->data[(size_t)off + l] != '\0')
		return NULL;
	*len = l;
	return (const char *)c->data + off;
}

/* The index of msgid among the originals, or -1. */
static long catalog_find(const struct catalog *c, const char *msgid)
{
	if (!catalog_valid(c))
		return -1;
	uint32_t n = 0, orig = 0; /* set by catalog_valid's checks; gcc -O3 cannot see it */
	catalog_word(c, MO_OFF_COUNT, &n);
	catalog_word(c, MO_OFF_ORIG, &orig);
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t len;
		const char *s = catalog_string(c, orig, (uint32_t)mid, &len);
		if (!s)
			return -1;
		/* strcmp stops at the NUL that ends a plural original's singular, as msgfmt's
		 * sorting does. */
		int cmp = strcmp(msgid, s);
		if (cmp == 0)
			return (long)mid;
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* Form `form` of translation i (forms are NUL-separated), or NULL. */
static const char *catalog_form(const struct catalog *c, long i, unsigned form)
{
	uint32_t trans = 0, len;
	catalog_word(c, MO_OFF_TRANS, &trans);
	const char *s = catalog_string(c, trans, (uint32_t)i, &len);
	if (!s)
		return NULL;
	const char *end = s + len;
	for (unsigned k = 0; k < form; k++) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		if (!nul)
			return NULL;
		s = nul + 1;
	}
	return *s ? s : NULL;
}

const char *catalog_get(const struct catalog *c, const char *msgid)
{
	long i = catalog_find(c, msgid);
	return i < 0 ? NULL : catalog_form(c, i, 0);
}

const char *catalog_nget(const struct catalog *c, const char *msgid, unsigned long n)
{
	long i = catalog_find(c, msgid);
	return i < 0 ? NULL : catalog_form(c, i, n != 1);
}
