/* conn_ws: a conn's web modes. CONN_HEAD hands the owner the bytes of an HTTP request head as they
 * come; CONN_WS (RFC 6455) decodes frames with net/ws_frame's reader, delivers each text message
 * to ops->line as a line (binary messages too), answers pings, echoes a close, and refuses what
 * a server must refuse (protocol errors, invalid UTF-8 in text, messages over the limit: the
 * reader's code). Strings sent go out as text (or, binary mode, binary) messages, one per line; frames sent (conn_send) are already
 * WebSocket frames, made once per event by the face's encoder.
 *
 * Ownership. c->raw is allocated when the conn enters a web mode and freed by conn_ws_free from
 * the close callback; it holds the input kept between reads (a partial head, the bytes after it,
 * the input of a paused conn), the lines of a message not yet handed up, and the reader. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/frame.h"
#include "base/xalloc.h"
#include "net/conn_int.h"
#include "net/ws_frame.h"

struct conn_raw {
	struct buf in;           /* input not yet handed up */
	struct buf rest;         /* the lines of a message after the one its owner paused on */
	struct ws_reader reader; /* CONN_WS */
	bool reader_on;
	bool binary;             /* messages out are binary (binary.ircv3.net), else text */
	bool close_sent;
};

void conn_ws_head(struct conn *c)
{
	c->mode = CONN_HEAD;
	c->raw = xcalloc(1, sizeof(*c->raw));
	buf_init(&c->raw->in);
	buf_init(&c->raw->rest);
}

void conn_ws_free(struct conn *c)
{
	if (!c->raw)
		return;
	buf_free(&c->raw->in);
	buf_free(&c->raw->rest);
	if (c->raw->reader_on)
		ws_reader_free(&c->raw->reader);
	free(c->raw);
	c->raw = NULL;
}

/* Queues one frame of opcode with payload p. */
static void conn_ws_frame(struct conn *c, unsigned opcode, const void *p, size_t len)
{
	struct buf b = BUF_INIT;
	ws_frame_append(&b, (enum ws_opcode)opcode, true, p, len);
	struct frame *f = frame_from_buf(&b);
	stream_send(&c->stream, f);
	frame_unref(f);
	buf_free(&b);
}

void conn_ws_send_str(struct conn *c, const char *s, size_t len)
{
	struct buf b = BUF_INIT;
	ws_frame_lines(&b, c->raw->binary ? WS_OP_BINARY : WS_OP_TEXT, s, len);
	if (b.len) {
		struct frame *f = frame_from_buf(&b);
		stream_send(&c->stream, f);
		frame_unref(f);
	}
	buf_free(&b);
}

void conn_ws_close(struct conn *c, unsigned code, const char *reason)
{
	if (c->mode != CONN_WS || stream_is_closing(&c->stream)) {
		if (!stream_is_closing(&c->stream))
			stream_close_after_flush(&c->stream);
		return;
	}
	if (!c->raw->close_sent) {
		struct buf b = BUF_INIT;
		ws_frame_close(&b, code, reason, strlen(reason));
		struct frame *f = frame_from_buf(&b);
		stream_send(&c->stream, f);
		frame_unref(f);
		buf_free(&b);
		c->raw->close_sent = true;
	}
	c->in.paused = true;
	stream_close_after_flush(&c->stream);
}

void conn_ws_upgrade(struct conn *c, size_t max_message, bool binary)
{
	c->mode = CONN_WS;
	c->raw->binary = binary;
	ws_reader_init(&c->raw->reader, max_message, max_message);
	c->raw->reader_on = true;
}

/* One message: its lines (a message should hold one, without CR LF; one that ends with CR LF
 * or holds several is read as the lines it holds, as a TCP client's bytes would be) go to
 * ops->line, one longer than the conn's line limit as too_long, as on a plain conn. The limit is
 * c->in.max, which the owner may have set to its protocol's (the IRC face's is IRC's, not the
 * net's max_line for line users). False when the owner wants no more for now: the message's
 * lines after that one are kept in c->raw->rest (the message itself is gone from the reader and
 * the input), to be handed up first when the owner resumes. */
static bool conn_ws_lines(struct conn *c, char *m, size_t len)
{
	bool more = true;
	size_t i = 0;
	while (i < len && more && !stream_is_closing(&c->stream)) {
		char *nl = memchr(m + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - m) : len;
		size_t next = nl ? end + 1 : len;
		if (end > i && m[end - 1] == '\r')
			end--;
		size_t n = end - i;
		if (n > c->in.max)
			more = c->ops->line(c, NULL, n, true);
		else if (n || !nl)
			more = c->ops->line(c, m + i, n, false);
		i = next;
	}
	if (!more && i < len)
		buf_append(&c->raw->rest, m + i, len - i);
	return more;
}

/* Hands up the lines kept from a message the owner paused in, unless it is still paused; true
 * when none are left, and the messages after can be read. */
static bool conn_ws_rest(struct conn *c)
{
	struct conn_raw *r = c->raw;
	if (r->rest.len && !(c->flags & CONN_PAUSED) && !stream_is_closing(&c->stream)) {
		/* Detached first: conn_ws_lines keeps what is still left in a new r->rest. */
		struct buf rest = r->rest;
		buf_init(&r->rest);
		conn_ws_lines(c, rest.data, rest.len);
		buf_free(&rest);
	}
	return r->rest.len == 0;
}

/* Decodes p[0..len) while the conn takes messages; returns the bytes used (the rest is kept by
 * the caller). */
static size_t conn_ws_decode(struct conn *c, char *p, size_t len)
{
	size_t at = 0;
	while (at < len && c->mode == CONN_WS && !(c->flags & CONN_PAUSED) &&
	       !stream_is_closing(&c->stream)) {
		struct ws_event ev;
		size_t used = 0;
		enum ws_ev type = ws_reader_feed(&c->raw->reader, p + at, len - at, &used, &ev);
		at += used;
		switch (type) {
		case WS_EV_NEED_MORE:
			return at;
		case WS_EV_TEXT:
		case WS_EV_BINARY:
			/* Binary messages are lines too, in either mode: their bytes are checked
			 * by the owner as a TCP client's would be (IRC: UTF8ONLY's FAIL). */
			if (!conn_ws_lines(c, ev.data, ev.len))
				return at;
			break;
		case WS_EV_PING:
			conn_ws_frame(c, WS_OP_PONG, ev.data, ev.len);
			break;
		case WS_EV_PONG:
			break;
		case WS_EV_CLOSE:
			/* Echo the code (or none), then close once the echo is out. */
			conn_ws_close(c, ev.code == WS_CLOSE_NO_STATUS ? WS_CLOSE_NORMAL : ev.code, "");
			return len;
		case WS_EV_ERROR:
			conn_ws_close(c, ev.code, ev.why ? ev.why : "");
			return len;
		}
	}
	return at;
}

/* Hands the kept input and then `data` up, in order, keeping what is not taken. */
static void conn_ws_feed(struct conn *c, char *data, size_t len)
{
	struct conn_raw *r = c->raw;
	bool kept = r->in.len > 0;
	if (kept) {
		if (len)
			buf_append(&r->in, data, len);
		data = r->in.data;
		len = r->in.len;
	}
	size_t used = 0;
	bool rest_done = conn_ws_rest(c);
	while (rest_done && used < len && !stream_is_closing(&c->stream) &&
	       !(c->flags & CONN_PAUSED)) {
		size_t n;
		if (c->mode == CONN_HEAD)
			n = c->ops->head(c, data + used, len - used);
		else
			n = conn_ws_decode(c, data + used, len - used);
		if (!n)
			break;
		used += n;
	}
	if (kept && used == r->in.len) {
		buf_free(&r->in); /* an idle WebSocket holds no input buffer, as an idle line conn */
	} else if (kept) {
		memmove(r->in.data, r->in.data + used, r->in.len - used);
		r->in.len -= used;
	} else if (used < len) {
		buf_append(&r->in, data + used, len - used);
	}
	if ((c->flags & CONN_PAUSED) && r->in.len > c->net->cfg.max_paused)
		stream_read_stop(&c->stream);
}

bool conn_ws_binary(const struct conn *c)
{
	return c->mode == CONN_WS && c->raw->binary;
}

void conn_ws_data(struct conn *c, char *data, size_t len)
{
	conn_ws_feed(c, data, len);
}

void conn_ws_resume(struct conn *c)
{
	conn_ws_feed(c, NULL, 0);
}
