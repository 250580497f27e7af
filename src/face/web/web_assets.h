/* web_assets: the files of web/ (the chat page), compiled into charlad by cmake/embed.cmake, so
 * that it serves its page with nothing else installed. The table and the bytes are constant and
 * static: nothing to own or free. Each file's bytes are followed by a NUL not counted in len. */
#ifndef CHARLA_FACE_WEB_WEB_ASSETS_H
#define CHARLA_FACE_WEB_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
	const char *path;          /* "/index.html" */
	const char *type;          /* its Content-Type */
	const unsigned char *data;
	size_t len;
};

/* Sorted by path; a terminating entry of NULLs follows the last. */
extern const struct web_asset web_assets[];
extern const size_t web_assets_count;

#endif
