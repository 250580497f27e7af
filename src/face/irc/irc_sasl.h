/* irc_sasl: the pure part of IRC's SASL (ircv3.net/specs/extensions/sasl-3.1): reassembling an
 * AUTHENTICATE payload from its chunks, base64, and the PLAIN mechanism's message. No I/O, no
 * hub: irc_auth.c drives it, and it is unit-tested and fuzzed on its own.
 *
 * Chunks. A client sends the base64 of its message in AUTHENTICATE lines of IRC_SASL_CHUNK
 * bytes; a shorter line ends it, and a message whose base64 is a multiple of IRC_SASL_CHUNK long
 * (or empty) ends with "+". A line longer than a chunk is refused (the server answers 905,
 * ERR_SASLTOOLONG), and so is a message longer than IRC_SASL_MAX (904: no login is that long).
 *
 * Secrets. The buffer holds a password's base64, and the decoded message the password itself:
 * irc_sasl_wipe clears the buffer, and callers wipe what they decoded once it is used. */
#ifndef CHARLA_FACE_IRC_IRC_SASL_H
#define CHARLA_FACE_IRC_IRC_SASL_H

#include <stdbool.h>
#include <stddef.h>

enum {
	IRC_SASL_CHUNK = 400, /* bytes of base64 per AUTHENTICATE line */
	IRC_SASL_MAX = 2000,  /* bytes of base64 in one message: a PLAIN message of two 32-character
			       * names and a 512-byte password is about 1100 */
	IRC_SASL_DECODED_MAX = IRC_SASL_MAX / 4 * 3,
};

struct irc_sasl {
	char b64[IRC_SASL_MAX];
	size_t len;
};

enum irc_sasl_feed {
	IRC_SASL_MORE,     /* a full chunk: more follows */
	IRC_SASL_DONE,     /* the message is whole (irc_sasl_decode it) */
	IRC_SASL_CHUNK_TOO_LONG, /* a line over IRC_SASL_CHUNK (905, ERR_SASLTOOLONG) */
	IRC_SASL_TOO_LONG, /* the message grew over IRC_SASL_MAX (904: no account has one) */
};

/* Adds one AUTHENTICATE parameter (not "*": the caller aborts on it). */
enum irc_sasl_feed irc_sasl_feed(struct irc_sasl *s, const char *chunk, size_t len);
/* Decodes the whole message into out[IRC_SASL_DECODED_MAX]; returns its length, or -1 when it
 * is not base64 (RFC 4648, padded), with what it had written of out wiped. */
long irc_sasl_decode(const struct irc_sasl *s, char *out);
/* Clears the buffer (and what it held). */
void irc_sasl_wipe(struct irc_sasl *s);

/* PLAIN (RFC 4616): authzid NUL authcid NUL passwd. */
struct irc_sasl_plain {
	const char *authzid, *authcid, *passwd;
	size_t authzid_len, authcid_len, passwd_len;
};
/* Splits a decoded PLAIN message (pointers into msg). False when it is not one: not exactly two
 * NULs, an empty authcid or password, or an authzid that is not empty and not the authcid (one
 * logs in as oneself only). */
bool irc_sasl_plain(const char *msg, size_t len, struct irc_sasl_plain *out);

#endif
