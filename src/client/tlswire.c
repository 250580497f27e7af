/* tlswire: `charla --tls`, the TCP connection of wire.c wrapped in TLS with OpenSSL over memory
 * BIOs, so that it runs on the client's libuv loop like the plain connection: what uv_read gives
 * goes into the engine, the plaintext it yields goes to wire_received, and what the user sends is
 * sealed and written with uv_write. The server's certificate is checked against the system's
 * authorities (or --ca FILE) and against the host name (or IP address) charla was given; a
 * certificate that fails ends the run with one clear message before anything is sent.
 *
 * The engine is OpenSSL used directly rather than charlad's net/tls.c, which the client's layer
 * may not include and which is a server's (a listener's context, frames, a logger): a client
 * needs the other half (verification, SNI, the host check), and little of that code would be
 * shared. The SSL and its context belong to the struct client and are freed by tlswire_free. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "client/client_private.h"

enum { TLSWIRE_HOST_MAX = 256 };

#define MSG_TLS_CA N_("cannot use the certificates in %s: %s")
#define MSG_TLS_CERT \
	N_("the server's certificate was refused (%s): it is not %s's, or not signed by an " \
	   "authority you trust (--ca FILE)")
#define MSG_TLS_FAILED N_("TLS with %s port %s failed: %s")

/* The last OpenSSL error's reason (English, from OpenSSL); clears the queue. */
static const char *tlswire_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;
	ERR_clear_error();
	return why ? why : "unexpected end of the TLS stream";
}

/* Writes what the engine sealed (handshake, records, close_notify). */
static void tlswire_flush(struct client *c)
{
	BIO *wbio = SSL_get_wbio(c->ssl);
	size_t n = BIO_ctrl_pending(wbio);
	if (!n)
		return;
	char *data = wire_write_buf(c, n);
	int got = BIO_read(wbio, data, (int)n);
	wire_write(c, data, got > 0 ? (size_t)got : 0);
}

/* The name the certificate must carry: an IP address as given, or the host name (and SNI). */
static int tlswire_expect_host(struct client *c, SSL *ssl)
{
	const char *host = c->opt->host;
	X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (X509_VERIFY_PARAM_set1_ip_asc(param, host) == 1)
		return 0;
	ERR_clear_error();
	/* OpenSSL's SNI macro takes a non-const pointer: a copy (a DNS name is at most 253). */
	char sni[TLSWIRE_HOST_MAX];
	int n = snprintf(sni, sizeof sni, "%s", host);
	if (n < 0 || (size_t)n >= sizeof sni)
		return -1;
	if (SSL_set_tlsext_host_name(ssl, sni) != 1 || SSL_set1_host(ssl, host) != 1)
		return -1;
	return 0;
}

int tlswire_start(struct client *c)
{
	const struct client_options *opt = c->opt;
	ERR_clear_error();
	c->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!c->ssl_ctx)
		goto failed;
	SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
	if (opt->ca) {
		/* A file that cannot be opened says why in the system's words (OpenSSL's would be
		 * "system lib"). */
		FILE *f = fopen(opt->ca, "r");
		const char *why = f ? NULL : strerror(errno);
		if (f)
			fclose(f);
		if (why || SSL_CTX_load_verify_locations(c->ssl_ctx, opt->ca, NULL) != 1) {
			client_finish(c, CLIENT_EXIT_USAGE, client_tr(c, MSG_TLS_CA), opt->ca,
				      why ? why : tlswire_reason());
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(c->ssl_ctx) != 1) {
		goto failed;
	}
	c->ssl = SSL_new(c->ssl_ctx);
	BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
	if (!c->ssl || !rbio || !wbio) {
		BIO_free(rbio);
		BIO_free(wbio);
		goto failed;
	}
	BIO_set_mem_eof_return(rbio, -1);
	SSL_set_bio(c->ssl, rbio, wbio);
	SSL_set_connect_state(c->ssl);
	if (tlswire_expect_host(c, c->ssl) < 0)
		goto failed;
	SSL_do_handshake(c->ssl); /* the ClientHello */
	tlswire_flush(c);
	return 0;
failed:
	client_finish(c, CLIENT_EXIT_NO_CONNECT, client_tr(c, MSG_TLS_FAILED), opt->host, opt->port,
		      tlswire_reason());
	return -1;
}

/* The handshake failed: a certificate refused says why in words the user can act on. */
static void tlswire_handshake_failed(struct client *c)
{
	long v = SSL_get_verify_result(c->ssl);
	if (v != X509_V_OK) {
		ERR_clear_error();
		client_finish(c, CLIENT_EXIT_NO_CONNECT, client_tr(c, MSG_TLS_CERT),
			      X509_verify_cert_error_string(v), c->opt->host);
		return;
	}
	client_finish(c, CLIENT_EXIT_NO_CONNECT, client_tr(c, MSG_TLS_FAILED), c->opt->host,
		      c->opt->port, tlswire_reason());
}

void tlswire_input(struct client *c, const char *data, size_t len)
{
	if (BIO_write(SSL_get_rbio(c->ssl), data, (int)len) != (int)len) {
		client_finish(c, CLIENT_EXIT_FAILURE, "%s", tlswire_reason());
		return;
	}
	if (!c->tls_ready) {
		ERR_clear_error();
		int r = SSL_do_handshake(c->ssl);
		tlswire_flush(c);
		if (r != 1) {
			int e = SSL_get_error(c->ssl, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				tlswire_handshake_failed(c);
			return;
		}
		c->tls_ready = true;
		wire_connected(c);
	}
	while (!c->finishing) {
		size_t got = 0;
		ERR_clear_error();
		int r = SSL_read_ex(c->ssl, c->in + c->in_len, IN_MAX - c->in_len, &got);
		if (r == 1) {
			wire_received(c, got);
			continue;
		}
		int e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			break;
		wire_ended(c, e == SSL_ERROR_ZERO_RETURN ? UV_EOF : UV_EPROTO);
		return;
	}
	if (!c->finishing)
		tlswire_flush(c);
}

void tlswire_send(struct client *c, const char *data, size_t len)
{
	size_t done = 0;
	ERR_clear_error();
	if (SSL_write_ex(c->ssl, data, len, &done) != 1) {
		wire_ended(c, UV_EPROTO);
		return;
	}
	tlswire_flush(c);
}

void tlswire_close_notify(struct client *c)
{
	if (!c->tls_ready)
		return;
	ERR_clear_error();
	SSL_shutdown(c->ssl);
	ERR_clear_error();
	tlswire_flush(c);
}

void tlswire_free(struct client *c)
{
	SSL_free(c->ssl);
	SSL_CTX_free(c->ssl_ctx);
	c->ssl = NULL;
	c->ssl_ctx = NULL;
}
