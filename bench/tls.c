/* tls: --tls, an OpenSSL client session over each client's non-blocking socket, so that the line
 * protocol can be measured on charlad's TLS port against its plain one with nothing else changed.
 *
 * One SSL_CTX per run (b->tls_ctx), one SSL per client (c->ssl), both made here and kept until
 * exit like the rest of the run. The session is bound to the socket (SSL_set_fd) and driven by
 * client.c's reads and writes: the first write of the client's hello starts the handshake, and a
 * write that must wait for the server's answer says so in c->tls_wants_read (client.c retries it
 * after the next read rather than arming EPOLLOUT, which would spin). Writes may be partial and the
 * output buffer may move between retries (it grows with realloc), which the modes below allow.
 *
 * The server's certificate is not verified and no host name is sent: this is for loopback
 * benchmarking against a throwaway self-signed pair, and says so in --help. No session resumption
 * either, so that every client pays a full handshake as distinct real clients would. TLS 1.2 is the
 * lowest version offered (charlad's own floor); what is negotiated is OpenSSL's default (1.3). */
#include <errno.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"

void tls_setup(struct bench *b)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx)
		bench_die("SSL_CTX_new: %s", ERR_error_string(ERR_get_error(), NULL));
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	b->tls_ctx = ctx;
}

void tls_attach(struct bench *b, struct client *c)
{
	SSL *ssl = SSL_new(b->tls_ctx);
	if (!ssl || SSL_set_fd(ssl, c->fd) != 1)
		bench_die("SSL_new (client %u): %s", (unsigned)(c - b->cl),
			  ERR_error_string(ERR_get_error(), NULL));
	SSL_set_connect_state(ssl);
	c->ssl = ssl;
}

/* What an SSL_read or SSL_write that returned r <= 0 means, as read(2) and write(2) would say it.
 * A TLS failure ends the run with OpenSSL's reason (the first failure wins, so the caller's own
 * message about the closed client comes second). */
static long tls_result(struct bench *b, struct client *c, int r, bool writing)
{
	int err = SSL_get_error(c->ssl, r);
	if (writing)
		c->tls_wants_read = err == SSL_ERROR_WANT_READ;
	switch (err) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (!errno)
			errno = ECONNRESET;
		return -1;
	default: {
		unsigned long e = ERR_get_error();
		bench_fail(b, "TLS (client %u): %s", (unsigned)(c - b->cl),
			   e ? ERR_error_string(e, NULL) : "failed");
		ERR_clear_error();
		errno = EPROTO;
		return -1;
	}
	}
}

long tls_read(struct bench *b, struct client *c, char *buf, size_t len)
{
	ERR_clear_error();
	errno = 0;
	int n = SSL_read(c->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
	return n > 0 ? n : tls_result(b, c, n, false);
}

long tls_write(struct bench *b, struct client *c, const char *p, size_t len)
{
	ERR_clear_error();
	errno = 0;
	int n = SSL_write(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
	if (n > 0) {
		c->tls_wants_read = false;
		return n;
	}
	return tls_result(b, c, n, true);
}
