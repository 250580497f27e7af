#include "net/linebuf.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

void linebuf_init(struct linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max;
}

void linebuf_free(struct linebuf *lb)
{
	free(lb->data);
	lb->data = NULL;
	lb->len = lb->cap = 0;
}

static void linebuf_keep(struct linebuf *lb, const char *data, size_t len)
{
	if (!len)
		return;
	lb->data = xgrow(lb->data, &lb->cap, lb->len + len, 1);
	memcpy(lb->data + lb->len, data, len);
	lb->len += len;
}

static void linebuf_drop(struct linebuf *lb)
{
	/* Release storage once it is empty, so idle connections hold no buffer. */
	free(lb->data);
	lb->data = NULL;
	lb->len = lb->cap = 0;
}

/* Delivers one complete line (without its LF). Returns the callback's verdict. */
static bool linebuf_emit(struct linebuf *lb, char *line, size_t len, linebuf_cb cb, void *arg)
{
	if (len && line[len - 1] == '\r')
		len--;
	if (len > lb->max)
		return cb(arg, LINEBUF_TOO_LONG, NULL, len);
	return cb(arg, LINEBUF_LINE, line, len);
}

/* Lines wholly inside `data` are passed to the callback in place, which is why `data` is writable:
 * the callback may sanitise a line where it lies. */
bool linebuf_feed(struct linebuf *lb, char *data, size_t len, linebuf_cb cb, void *arg)
{
	if (lb->paused) {
		linebuf_keep(lb, data, len);
		return false;
	}
	size_t i = 0;
	while (i < len) {
		char *start = data + i;
		char *nl = memchr(start, '\n', len - i);
		size_t seg = nl ? (size_t)(nl - start) : len - i;

		if (lb->discarding) {
			if (!nl)
				return true;
			lb->discarding = false;
			i += seg + 1;
			continue;
		}
		if (!nl) {
			/* A partial line. Keep it unless it is already too long (the CR allowance
			 * is the one byte a CRLF line may carry beyond max). */
			if (lb->len + seg > lb->max + 1) {
				size_t total = lb->len + seg;
				linebuf_drop(lb);
				lb->discarding = true;
				if (!cb(arg, LINEBUF_TOO_LONG, NULL, total)) {
					lb->paused = true;
					return false;
				}
				return true;
			}
			linebuf_keep(lb, start, seg);
			return true;
		}
		bool go;
		if (lb->len) {
			if (lb->len + seg > lb->max + 1) {
				size_t total = lb->len + seg;
				linebuf_drop(lb);
				go = cb(arg, LINEBUF_TOO_LONG, NULL, total);
			} else {
				linebuf_keep(lb, start, seg);
				/* Detach the stored line first: the callback may feed or free lb. */
				char *line = lb->data;
				size_t n = lb->len;
				lb->data = NULL;
				lb->len = lb->cap = 0;
				go = linebuf_emit(lb, line, n, cb, arg);
				free(line);
			}
		} else {
			go = linebuf_emit(lb, start, seg, cb, arg);
		}
		i += seg + 1;
		if (!go) {
			lb->paused = true;
			linebuf_keep(lb, data + i, len - i);
			return false;
		}
	}
	return true;
}

bool linebuf_resume(struct linebuf *lb, linebuf_cb cb, void *arg)
{
	lb->paused = false;
	if (!lb->len)
		return true;
	char *kept = lb->data;
	size_t n = lb->len;
	lb->data = NULL;
	lb->len = lb->cap = 0;
	bool go = linebuf_feed(lb, kept, n, cb, arg);
	free(kept);
	return go;
}

size_t linebuf_pending(const struct linebuf *lb)
{
	return lb->len;
}

size_t linebuf_take(struct linebuf *lb, struct buf *out)
{
	if (lb->paused)
		return 0;
	lb->discarding = false;
	size_t n = lb->len;
	if (n && lb->data[n - 1] == '\r')
		n--;
	buf_append(out, lb->data, n);
	linebuf_drop(lb);
	return n;
}
