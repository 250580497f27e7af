/* xalloc: allocation that never returns NULL.
 *
 * A chat server that runs out of memory cannot degrade usefully, so every allocation in charla goes
 * through these wrappers, which print one line and abort on failure. Callers own what they get and
 * release it with free(). xrealloc(p, 0) and xmalloc(0) return a valid, unique pointer. */
#ifndef CHARLA_BASE_XALLOC_H
#define CHARLA_BASE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Grows an array of `*cap` items of `size` bytes to hold at least `need`, doubling. */
void *xgrow(void *ptr, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);

#endif
