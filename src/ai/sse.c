#include "ai/sse.h"

#include <string.h>

static const unsigned char sse_bom[3] = {0xEF, 0xBB, 0xBF};
/* A line may exceed the event limit by this much: room for the field name ("data: "). */
#define SSE_LINE_SLACK 64

void sse_init(struct sse *p, size_t max)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->line);
	buf_init(&p->data);
	buf_init(&p->type);
	p->max = max ? max : 1;
	p->status = SSE_OK;
}

void sse_free(struct sse *p)
{
	buf_free(&p->line);
	buf_free(&p->data);
	buf_free(&p->type);
}

/* The blank line: hand the collected event to the callback, unless it has no data line (WHATWG:
 * "if the data buffer is an empty string, ... return"). Either way the event starts afresh. */
static enum sse_status sse_dispatch(struct sse *p, sse_cb cb, void *arg)
{
	p->pending = false;
	if (p->data.len == 0) {
		buf_clear(&p->type);
		return SSE_OK;
	}
	/* Every data line was stored with an LF after it; the last one is not part of the data. */
	p->data.len--;
	p->data.data[p->data.len] = '\0';
	struct sse_event ev = {
		.type = p->type.len ? p->type.data : "message",
		.data = p->data.data,
		.len = p->data.len,
	};
	bool go = cb(arg, &ev);
	buf_clear(&p->data);
	buf_clear(&p->type);
	return go ? SSE_OK : SSE_STOPPED;
}

static bool sse_field_is(const char *field, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(field, name, n) == 0;
}

/* One complete line, without its terminator. */
static enum sse_status sse_line(struct sse *p, const char *line, size_t n, sse_cb cb, void *arg)
{
	if (n == 0)
		return sse_dispatch(p, cb, arg);
	if (line[0] == ':')
		return SSE_OK; /* a comment, e.g. a keep-alive */
	const char *colon = memchr(line, ':', n);
	size_t fn = colon ? (size_t)(colon - line) : n;
	const char *value = colon ? colon + 1 : line + n;
	size_t vn = colon ? n - fn - 1 : 0;
	if (vn > 0 && value[0] == ' ') {
		value++;
		vn--;
	}
	p->pending = true;
	if (sse_field_is(line, fn, "data")) {
		/* The event's data is data.len + vn bytes once this line is in (the LF stored after the
		 * previous line becomes the joining LF; the one after this line is dropped or becomes the
		 * next joining LF). */
		if (p->data.len + vn > p->max)
			return SSE_TOO_BIG;
		buf_append(&p->data, value, vn);
		buf_putc(&p->data, '\n');
	} else if (sse_field_is(line, fn, "error")) {
		/* Not a WHATWG field: llama.cpp's server reports an error in a stream as an
		 * "error: {json}" line. It is collected like data, in an event of type "error". */
		if (p->data.len + vn > p->max)
			return SSE_TOO_BIG;
		buf_append(&p->data, value, vn);
		buf_putc(&p->data, '\n');
		buf_clear(&p->type);
		buf_puts(&p->type, "error");
	} else if (sse_field_is(line, fn, "event")) {
		buf_clear(&p->type);
		buf_append(&p->type, value, vn);
	}
	/* "id", "retry" and unknown fields are ignored: the client never reconnects a stream. */
	return SSE_OK;
}

/* At the very start of a stream, skips a byte order mark, which may arrive split across pieces.
 * Returns the bytes of `bytes` consumed. If the stream starts like a BOM but is not one, the bytes
 * matched so far belong to the first line. */
static size_t sse_skip_bom(struct sse *p, const char *bytes, size_t len)
{
	size_t i = 0;
	while (!p->started && i < len) {
		if ((unsigned char)bytes[i] == sse_bom[p->bom]) {
			i++;
			if (++p->bom == sizeof(sse_bom))
				p->started = true;
			continue;
		}
		p->started = true;
		buf_append(&p->line, sse_bom, p->bom);
	}
	return i;
}

enum sse_status sse_feed(struct sse *p, const char *bytes, size_t len, sse_cb cb, void *arg)
{
	if (p->status != SSE_OK)
		return p->status;
	size_t i = sse_skip_bom(p, bytes, len);
	while (i < len) {
		if (p->after_cr) {
			/* The CR of a CRLF ended the previous line; the LF (perhaps in this piece) is not
			 * a second, blank line. */
			p->after_cr = false;
			if (bytes[i] == '\n') {
				i++;
				continue;
			}
		}
		size_t j = i;
		while (j < len && bytes[j] != '\n' && bytes[j] != '\r')
			j++;
		if (p->line.len + (j - i) > p->max + SSE_LINE_SLACK) {
			p->status = SSE_TOO_BIG;
			break;
		}
		if (j == len) {
			buf_append(&p->line, bytes + i, len - i);
			break;
		}
		/* A complete line: parse it in place unless its start is kept from earlier pieces. */
		const char *line = bytes + i;
		size_t n = j - i;
		if (p->line.len > 0) {
			buf_append(&p->line, bytes + i, j - i);
			line = p->line.data;
			n = p->line.len;
		}
		p->after_cr = bytes[j] == '\r';
		i = j + 1;
		enum sse_status st = sse_line(p, line, n, cb, arg);
		buf_clear(&p->line);
		if (st != SSE_OK) {
			p->status = st;
			break;
		}
	}
	return p->status;
}

enum sse_status sse_finish(const struct sse *p)
{
	if (p->status != SSE_OK)
		return p->status;
	bool partial_bom = !p->started && p->bom > 0;
	if (partial_bom || p->line.len > 0 || p->pending)
		return SSE_TRUNCATED;
	return SSE_OK;
}
