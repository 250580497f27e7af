/* buf: a growable byte buffer.
 *
 * A buf owns its `data` (heap, NUL-terminated for convenience but binary-safe through `len`).
 * Zero-initialise with BUF_INIT or buf_init; release with buf_free. Growth doubles, so n appends
 * cost O(n) amortised. */
#ifndef CHARLA_BASE_BUF_H
#define CHARLA_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

void buf_init(struct buf *b);
void buf_free(struct buf *b);
/* Ensures room for `extra` more bytes plus a NUL. */
void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Removes the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
void buf_clear(struct buf *b);

#endif
