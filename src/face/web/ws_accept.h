/* ws_accept: the server's half of the WebSocket opening handshake (RFC 6455 4.2.2), the
 * Sec-WebSocket-Accept answer to a client's Sec-WebSocket-Key. Pure but for libcrypto's SHA-1:
 * no I/O, no state; owns nothing and writes only into the caller's array. */
#ifndef CHARLA_FACE_WEB_WS_ACCEPT_H
#define CHARLA_FACE_WEB_WS_ACCEPT_H

#include <stdbool.h>
#include <stddef.h>

enum {
	WS_KEY_LEN = 24,            /* Sec-WebSocket-Key: base64 of 16 bytes */
	WS_ACCEPT_LEN = 28,         /* Sec-WebSocket-Accept: base64 of a SHA-1 digest (20 bytes) */
};

/* Checks a client's Sec-WebSocket-Key (base64 of 16 bytes: 22 characters of the base64
 * alphabet, the last of which leaves no stray bits, then "==") and writes the matching
 * Sec-WebSocket-Accept, base64(SHA-1(key + the RFC's GUID)), with a NUL into out. False, and out
 * untouched, when the key is not such. Uses libcrypto (OpenSSL). */
bool ws_accept_key(const char *key, size_t len, char out[WS_ACCEPT_LEN + 1]);

#endif
