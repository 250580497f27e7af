/* tls: TLS for a stream (net/stream.h), with OpenSSL 3 over memory BIOs, so that it runs on the
 * loop without ever blocking: the stream reads ciphertext from the socket and hands it here
 * (tls_input), takes the plaintext out (tls_read) for the layer above, seals the plaintext its
 * flush gathered (tls_seal) and writes the records tls_output gives it as frames of their own.
 * Nothing here touches a socket, a loop or a stream; stream.c is the only caller of the per-
 * connection half.
 *
 * Ownership and lifetime. A tls_server is a value its owner (the server) embeds: it holds the
 * context new connections get (certificate, key, protocol versions, ciphers) and the handshake
 * counters. tls_server_reload builds a new context from the files and swaps it in only if it
 * loaded; the old one is released, but every connection made with it holds its own reference
 * (OpenSSL counts the SSL_CTX's references: SSL_new takes one, SSL_free drops it), so existing
 * connections keep their certificate until they close. A struct tls is embedded in the framing's
 * allocation right after its stream (net/conn.c) and reached from the stream through s->tls (NULL
 * for plain TCP); tls_init/tls_free bracket it, and tls_free runs from the stream's close
 * callback. Its ciphertext queue holds frames already sealed, which are never sealed again after
 * a partial write.
 *
 * Policy. TLS 1.2 at least; for 1.2 only ECDHE key exchange with AEAD ciphers (AES-GCM,
 * ChaCha20-Poly1305); TLS 1.3 with OpenSSL's defaults. No compression, no renegotiation; session
 * tickets are fine. A client certificate is asked for and any is accepted (as Ergo and InspIRCd do
 * for CertFP): it proves nothing but that the client holds the key, and tls_certfp says which. */
#ifndef CHARLA_NET_TLS_H
#define CHARLA_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/outq.h"

struct frame;
struct logger;
struct ssl_st;
struct ssl_ctx_st;

enum {
	TLS_FP_HEX = 64, /* a SHA-256 fingerprint in lowercase hex, without colons */
};

/* What a listener offers in ALPN: nothing (the line and IRC protocols have no IANA id), or
 * "http/1.1" (the web face). A client that offers no ALPN is always served. */
enum tls_alpn { TLS_ALPN_NONE, TLS_ALPN_HTTP };

struct tls_server {
	struct ssl_ctx_st *ctx;  /* new connections' context; NULL before tls_server_init */
	const struct logger *log;
	uint64_t handshake_ms;   /* a handshake not done within this is cut */
	uint64_t ok;             /* handshakes done */
	uint64_t failed;         /* handshakes refused, broken or timed out */
};

/* Loads the certificate chain (PEM; the leaf first) and the private key (PEM). A key file that
 * everyone may read is refused, as sshd refuses one: the key must be readable only by its owner
 * and group (0600 or 0640). Returns 0, or -1 with the reason in err. */
int tls_server_init(struct tls_server *t, const char *cert, const char *key,
		    uint64_t handshake_ms, const struct logger *log, char *err, size_t errlen);
/* The same files again (a renewed certificate): new connections get the new pair; on error the
 * old one stays in force and err says why. */
int tls_server_reload(struct tls_server *t, const char *cert, const char *key, char *err,
		      size_t errlen);
void tls_server_free(struct tls_server *t);

enum {
	TLS_READY = 1u << 0,    /* the handshake is done */
	TLS_NOTIFIED = 1u << 1, /* our close_notify is sealed */
	TLS_STARTED = 1u << 2,  /* the first byte came, and was a handshake record's */
	TLS_PLAIN = 1u << 3,    /* the first byte was not: a plain-text client (refused) */
};

struct tls {
	struct ssl_st *ssl;
	struct tls_server *srv;
	const char *peer;        /* the stream's "addr:port", for logs */
	struct outq out;         /* sealed records not yet written */
	uint64_t deadline_ms;    /* the handshake must be done by then */
	unsigned flags;
	uint8_t alpn;            /* enum tls_alpn */
	const char *plain;       /* said in clear to a plain-text client before the close; or NULL */
	char certfp[TLS_FP_HEX + 1]; /* the client certificate's fingerprint; "" if none */
};

/* What tls_input and tls_read report besides bytes. */
enum tls_status {
	TLS_AGAIN = 0,   /* nothing more until more ciphertext comes */
	TLS_DONE = -1,   /* the handshake just completed (tls_input) */
	TLS_EOF = -2,    /* the peer sent close_notify */
	TLS_FAIL = -3,   /* a fatal error (logged); the connection must close */
};

/* A server-side TLS connection with srv's current context, whose handshake must end by
 * deadline_ms. `peer` and `plain` (what a client that speaks in clear is told, in its own
 * protocol; NULL: nothing) must outlive t. */
void tls_init(struct tls *t, struct tls_server *srv, enum tls_alpn alpn, const char *plain,
	      const char *peer, uint64_t deadline_ms);
/* Releases the SSL and the records not written. */
void tls_free(struct tls *t);
static inline bool tls_ready(const struct tls *t)
{
	return (t->flags & TLS_READY) != 0;
}
/* Ciphertext read from the socket (copied): advances the handshake. Returns TLS_AGAIN, TLS_DONE
 * or TLS_FAIL. */
int tls_input(struct tls *t, const char *data, size_t len);
/* Plaintext decrypted so far, into buf (at most cap bytes): a count > 0, or TLS_AGAIN, TLS_EOF,
 * TLS_FAIL. Only once ready. */
long tls_read(struct tls *t, char *buf, size_t cap);
/* Seals len bytes of plaintext (all of them: memory BIOs never push back). Only once ready. */
void tls_seal(struct tls *t, const char *data, size_t len);
/* Seals our close_notify (once). */
void tls_close_notify(struct tls *t);
/* The records produced since the last call as one frame (handshake, alerts, sealed data), or
 * NULL if none. */
struct frame *tls_output(struct tls *t);
/* Counts a handshake that timed out, and logs it. */
void tls_timed_out(struct tls *t);

#endif
