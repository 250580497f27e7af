/* ws_frame: WebSocket frames (RFC 6455) as a server speaks them: frames out, and frames in
 * assembled into messages. Pure: no I/O, no libuv, no libcrypto (the handshake's accept key is
 * face/web/ws_accept.h). In net/ because conn.c's WebSocket mode reads and writes frames for any
 * face that adopts a WebSocket connection, and a face may not include another face.
 *
 * Ownership. The encoders append to a struct buf the caller owns. A struct ws_reader owns one
 * buf, which holds the fragments of the message being assembled; ws_reader_free releases it. The
 * reader keeps no pointer into the caller's bytes between calls.
 *
 * Driving the reader. The caller keeps the bytes received and not yet used in a buffer of its own
 * and calls ws_reader_feed(r, data, len, &used, &ev) with all of them; it handles ev, drops the
 * first `used` bytes, and calls again, until the event is WS_EV_NEED_MORE (and then again when
 * more bytes have come). The reader takes only whole frames from the caller's bytes: a frame
 * whose payload has not all arrived is left there (used stops before it), so the caller's buffer
 * must be able to hold a frame's header (WS_CLIENT_HEADER_MAX) plus frame_max bytes. Everything
 * a header can say wrong (and a payload over a limit) is reported as soon as those header bytes
 * have come, before the payload is waited for. One call may use several frames (fragments, which
 * are copied into the reader's buf) before an event; it never uses more than len bytes.
 *
 * In place. The reader unmasks each frame's payload in the caller's bytes (data must be
 * writable), and a message in one frame, a ping, a pong and a close reason are reported pointing
 * there: no copy. A fragmented message is reported from the reader's buf. Either way the event's
 * bytes are valid until the next call to ws_reader_feed (or ws_reader_free), and, when they are
 * the caller's, as long as the caller keeps them: handle the event before dropping `used` bytes.
 *
 * The end. After WS_EV_ERROR the reader takes nothing more: every later call returns the same
 * error with used 0 (the caller sends a close frame with ev.code and closes). After WS_EV_CLOSE
 * every later call uses all it is given and returns WS_EV_NEED_MORE: nothing may follow a close
 * (RFC 6455 5.5.1), so it is discarded while the caller answers the close and closes. */
#ifndef CHARLA_NET_WS_FRAME_H
#define CHARLA_NET_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum {
	WS_HEADER_MAX = 10,         /* a server frame's header: 2 bytes and a 64-bit length, no mask */
	WS_CLIENT_HEADER_MAX = 14,  /* a client frame's: the same and the 4-byte masking key */
	WS_CONTROL_MAX = 125,       /* payload bytes of a control frame */
	WS_CLOSE_REASON_MAX = 123,  /* bytes of a close reason: a control payload less the code */
	WS_READER_KEEP = 16384,     /* capacity of the fragment buf kept between messages */
};

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xA,
};

/* The close codes this module speaks of (RFC 6455 7.4.1). */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,      /* a frame broke the protocol */
	WS_CLOSE_UNSUPPORTED = 1003,   /* a kind of data we do not take (binary, for us) */
	WS_CLOSE_NO_STATUS = 1005,     /* never sent: a close frame that had no code */
	WS_CLOSE_INVALID_DATA = 1007,  /* text that is not UTF-8 */
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,       /* a frame or message over the reader's limits */
	WS_CLOSE_INTERNAL = 1011,
};

/* Writes the header of a server frame (never masked) with the shortest length encoding; returns
 * its size (2, 4 or 10). A control frame (close, ping, pong) must have fin set and at most
 * WS_CONTROL_MAX bytes (asserted). */
size_t ws_frame_header(unsigned char out[WS_HEADER_MAX], enum ws_opcode op, bool fin,
		       uint64_t payload_len);
/* Appends a whole frame, header and payload, to b. */
void ws_frame_append(struct buf *b, enum ws_opcode op, bool fin, const void *payload, size_t len);
/* Appends a close frame: code and reason, the reason cut to WS_CLOSE_REASON_MAX bytes at a
 * character boundary. A code that may not be sent (ws_close_code_ok false: WS_CLOSE_NO_STATUS,
 * to answer a close that had none, or 0) gives an empty payload, and so does nothing else; a
 * reason that is not valid UTF-8 is left out. */
void ws_frame_close(struct buf *b, unsigned code, const char *reason, size_t len);
/* Appends each line of text[0..len) as a message of its own (op: WS_OP_TEXT or WS_OP_BINARY),
 * without its line ending: CR LF or a lone LF ends a line, and a last line without one is framed
 * too; empty lines are skipped. This is how line protocols go over WebSocket (IRCv3's
 * text.ircv3.net and binary.ircv3.net: one line per message). */
void ws_frame_lines(struct buf *b, enum ws_opcode op, const char *text, size_t len);
/* The inverse for server frames (unmasked, as ws_frame_append writes them): appends the payload
 * of every text and binary frame in frames[0..len) with CR LF after it, and skips control frames.
 * Returns false (having appended the whole frames before it) at bytes that are not whole server
 * frames. */
bool ws_frame_unframe(struct buf *out, const char *frames, size_t len);
/* Whether code may be sent in a close frame: 1000-1003, 1007-1011, 3000-4999. */
bool ws_close_code_ok(unsigned code);

enum ws_ev {
	WS_EV_NEED_MORE,  /* no event in the bytes given: keep the unused ones, feed more */
	WS_EV_TEXT,       /* a complete text message, valid UTF-8 */
	WS_EV_BINARY,     /* a complete binary message (we take none: close with 1003) */
	WS_EV_PING,       /* answer with a pong of the same payload */
	WS_EV_PONG,
	WS_EV_CLOSE,      /* the peer's close: code (or WS_CLOSE_NO_STATUS) and UTF-8 reason */
	WS_EV_ERROR,      /* close with code, why as the reason, and take nothing more */
};

struct ws_event {
	enum ws_ev type;
	char *data;        /* the message, payload or close reason (never NULL but for ERROR and
	                    * NEED_MORE), writable: the caller's bytes or the reader's buf */
	size_t len;
	unsigned code;     /* CLOSE: the peer's code; ERROR: the code to send */
	const char *why;   /* ERROR: a short English reason (static); NULL otherwise */
};

struct ws_reader {
	size_t frame_max;      /* payload bytes of one data frame */
	size_t message_max;    /* bytes of one message, all its fragments together */
	struct buf msg;        /* the fragments of the message being assembled */
	enum ws_opcode msg_op; /* WS_OP_TEXT or _BINARY while a fragmented one is open, else _CONT */
	size_t utf8_done;      /* bytes of msg known to be whole, valid UTF-8 */
	bool delivered;        /* msg was the last event's data: emptied at the next call */
	bool closed;           /* a close was reported */
	bool failed;           /* an error was reported: it is in `error` */
	struct ws_event error;
};

/* Control frames are always allowed WS_CONTROL_MAX bytes, whatever the limits. */
void ws_reader_init(struct ws_reader *r, size_t frame_max, size_t message_max);
void ws_reader_free(struct ws_reader *r);
/* The most bytes the caller ever has to keep unused for the reader: one frame the reader would
 * take, WS_CLIENT_HEADER_MAX plus the larger of frame_max and WS_CONTROL_MAX, less one. A caller
 * whose buffer of unused bytes grows past this has a reader that is failed or closed. */
size_t ws_reader_input_max(const struct ws_reader *r);
/* Reads from data[0..len) up to the next event (see Driving, above); *used is how many bytes
 * were taken (<= len). Checks, with the close code an error carries: the client masks every
 * frame, sets no RSV bit and uses known opcodes (1002); control frames are final and at most 125
 * bytes (1002); a continuation only inside a fragmented message and no new data frame inside one
 * (1002); a 64-bit length has its top bit clear (1002); a data frame's payload is at most
 * frame_max and a message at most message_max (1009, from the header); a text message is valid
 * UTF-8, checked fragment by fragment, a character split between two fragments accepted (1007);
 * a close payload is empty or a code that ws_close_code_ok accepts (1002) and a UTF-8 reason
 * (1007). Control frames between the fragments of a message are reported as they come; the
 * message goes on. O(bytes used). */
enum ws_ev ws_reader_feed(struct ws_reader *r, char *data, size_t len, size_t *used,
			  struct ws_event *ev);

#endif
