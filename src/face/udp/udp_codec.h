/* udp_codec: the datagram format of charla over UDP (docs/protocol.md, "UDP"). Pure functions: no
 * I/O, no allocation except into a caller's buf. The server's UDP face and the charla client both
 * use it, so that the two ends read one definition of the format.
 *
 * Peer to server. A datagram carries one line of the line protocol; a final LF or CR LF is
 * optional, and a datagram holding several LF-separated lines (as `nc -u` sends piped input) is
 * taken as those lines in order. Two words belong to UDP alone: `/hello [NAME [COOKIE]]` registers
 * (NAME "-" stands for no name) and `/keepalive` keeps a registration alive. Anything after them
 * is padding and is ignored.
 *
 * Server to peer. Every datagram is one line ending in LF and at most UDP_SAFE_PAYLOAD bytes.
 * - Inside a session it starts with a header: `SEQ ` for a whole line, `SEQ:K/N ` for part K of a
 *   line split into N parts. SEQ counts the datagrams sent to this peer since it registered, from 1,
 *   in decimal. The rest, less the final LF, is the line (or part of it). A split line is cut at
 *   UTF-8 character boundaries; joining the parts' texts in order gives the line back. A line too
 *   long for UDP_MAX_PARTS parts is cut short and its last part ends in UDP_CUT_MARK.
 * - Outside any session (registration) it is `COOKIE <16 hex digits>`, `HELLO?` (the server does
 *   not know this address: register), or an error line starting with `! `. */
#ifndef CHARLA_FACE_UDP_CODEC_H
#define CHARLA_FACE_UDP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

enum {
	/* No datagram from the server is longer than this UDP payload: with IPv6's 48 bytes of
	 * headers it fits the IPv6 minimum MTU (1280), so it is never fragmented on any path. */
	UDP_SAFE_PAYLOAD = 1200,
	/* Room kept for the header: 20 digits of SEQ, ":32/32" and the space take 27. */
	UDP_HEADER_MAX = 32,
	/* Bytes of line text in one datagram, so that header + text + LF fit the safe payload. */
	UDP_PART_MAX = UDP_SAFE_PAYLOAD - UDP_HEADER_MAX - 1,
	/* Parts of one split line at most (about 37 KB of text). */
	UDP_MAX_PARTS = 32,
	UDP_COOKIE_DIGITS = 16,
	/* "COOKIE " + 16 digits + LF: the answer to /hello, so a /hello must be at least this long. */
	UDP_COOKIE_REPLY = 7 + UDP_COOKIE_DIGITS + 1,
	UDP_HELLO_MIN = UDP_COOKIE_REPLY,
};

/* The out-of-session answer to a datagram from an address the server does not know. */
#define UDP_HELLO_AGAIN "HELLO?\n"
/* Ends the last part of a line that was cut short. */
#define UDP_CUT_MARK "\xe2\x80\xa6"
#define UDP_KEEPALIVE "/keepalive"

/* ---- peer to server ---- */

/* Takes the next line out of a datagram: *data and *len advance past it (and its LF); the line
 * excludes the LF and a CR before it. Returns false when nothing is left. Empty lines are returned
 * (the line protocol ignores them). */
bool udp_codec_next_line(const char **data, size_t *len, const char **line, size_t *linelen);

enum udp_request {
	UDP_REQ_LINE,       /* a line of the line protocol */
	UDP_REQ_HELLO,      /* /hello [NAME [COOKIE]] */
	UDP_REQ_KEEPALIVE,  /* /keepalive */
};

struct udp_hello {
	const char *name;   /* NULL when absent or "-" */
	size_t namelen;
	bool has_cookie;    /* the word after NAME is 16 hex digits */
	uint64_t cookie;
};

/* Classifies one line. `/hello` and `/keepalive` are case-insensitive, like commands. */
enum udp_request udp_codec_request(const char *line, size_t len, struct udp_hello *hello);

/* Appends the datagram a client sends to register: `/hello NAME COOKIE` (both optional; "-" for
 * the name when there is a cookie but no name), padded with spaces to at least UDP_HELLO_MIN
 * bytes with its LF. */
void udp_codec_hello(struct buf *out, const char *name, const uint64_t *cookie);

/* ---- server to peer ---- */

/* Writes the header of a session datagram ("17 " or "17:2/3 "); returns its length. parts == 1 is
 * a whole line (part is ignored). */
size_t udp_codec_header(char out[UDP_HEADER_MAX], uint64_t seq, unsigned part, unsigned parts);

/* Plans how a line of len bytes (without its LF) is sent in parts of at most max bytes (max >= 8),
 * cut at UTF-8 boundaries of valid text. Returns the number of parts n, 1 to UDP_MAX_PARTS, and
 * sets ends[i] to where part i ends (ends[n - 1] == len unless cut). *cut is set when the line was
 * too long for UDP_MAX_PARTS parts: then the last part leaves room for UDP_CUT_MARK. O(n). */
unsigned udp_codec_split(const char *line, size_t len, size_t max, size_t ends[UDP_MAX_PARTS],
			 bool *cut);

/* Writes "COOKIE <16 hex digits>\n" (UDP_COOKIE_REPLY bytes). */
void udp_codec_cookie(char out[UDP_COOKIE_REPLY], uint64_t cookie);

/* ---- what a peer reads ---- */

enum udp_reply {
	UDP_REPLY_BAD,      /* not a charla datagram */
	UDP_REPLY_SESSION,  /* seq, part, parts, text */
	UDP_REPLY_COOKIE,   /* cookie */
	UDP_REPLY_HELLO,    /* HELLO?: register again */
	UDP_REPLY_ERROR,    /* text: "! ..." outside a session */
};

struct udp_parsed {
	uint64_t seq;       /* >= 1 */
	unsigned part;      /* 1..parts */
	unsigned parts;     /* 1 for a whole line */
	const char *text;   /* without the final LF */
	size_t len;
	uint64_t cookie;
};

enum udp_reply udp_codec_reply(const char *dg, size_t len, struct udp_parsed *out);

#endif
