/* libFuzzer target for base/catalog: any bytes as a .mo file. Lookups of a few msgids (the header,
 * a plural, absent ones) must never read outside the bytes, and what they find must lie inside. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/catalog.h"

static void fuzz_catalog_inside(const unsigned char *data, size_t size, const char *s)
{
	if (!s)
		return;
	assert((const unsigned char *)s >= data && (const unsigned char *)s < data + size);
	assert(memchr(s, '\0', (size_t)(data + size - (const unsigned char *)s)) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so that ASan sees a read one past the end. */
	unsigned char *copy = malloc(size ? size : 1);
	assert(copy);
	memcpy(copy, data, size);
	struct catalog c = {copy, size};
	static const char *const ids[] = {"", "Bye.", "%lu person", "zzz", "A"};
	(void)catalog_valid(&c);
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		fuzz_catalog_inside(copy, size, catalog_get(&c, ids[i]));
		fuzz_catalog_inside(copy, size, catalog_nget(&c, ids[i], i));
	}
	free(copy);
	return 0;
}
