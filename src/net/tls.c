#include "net/tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/frame.h"
#include "base/log.h"

/* TLS 1.2's suites: ECDHE key exchange (forward secrecy) and AEAD ciphers only. TLS 1.3's are
 * OpenSSL's defaults, all of them AEAD. */
static const char TLS_CIPHERS_12[] = "ECDHE+AESGCM:ECDHE+CHACHA20";
/* Sessions resumed must come from this server's contexts (needed once a client certificate is
 * asked for). */
static const unsigned char TLS_SESSION_ID[] = "charla";
/* ALPN's wire form: a length byte, then the id. */
static const unsigned char TLS_ALPN_HTTP11[] = "\x08http/1.1";

enum {
	TLS_REASON = 160,
	TLS_RECORD_HANDSHAKE = 0x16, /* the content type of a ClientHello's record */
};

/* The last OpenSSL error's reason, for a log line or err; clears the queue. */
static const char *tls_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;
	snprintf(buf, len, "%s", why ? why : "unknown error");
	ERR_clear_error();
	return buf;
}

/* Any certificate is accepted: a client certificate is an identity (its fingerprint), not a
 * claim checked against a CA. */
static int tls_accept_any(int ok, X509_STORE_CTX *store)
{
	(void)ok;
	(void)store;
	return 1;
}

static int tls_select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
			   const unsigned char *in, unsigned inlen, void *arg)
{
	(void)arg;
	const struct tls *t = SSL_get_app_data(ssl);
	if (!t || t->alpn != TLS_ALPN_HTTP)
		return SSL_TLSEXT_ERR_NOACK;
	unsigned char *sel = NULL;
	if (SSL_select_next_proto(&sel, outlen, TLS_ALPN_HTTP11, sizeof(TLS_ALPN_HTTP11) - 1, in,
				  inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK; /* h2 alone, say: go on without ALPN */
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* Refuses a key file everyone may read (as sshd does): its permissions say it leaked already. */
static int tls_check_key_mode(const char *key, char *err, size_t errlen)
{
	struct stat st;
	if (stat(key, &st) < 0) {
		snprintf(err, errlen, "cannot read --tls-key %s: %s", key, strerror(errno));
		return -1;
	}
	if (st.st_mode & S_IROTH) {
		snprintf(err, errlen, "--tls-key %s is readable by everyone (mode %03o): make it "
			 "0600 or 0640 (chmod o-r)", key, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

static bool tls_is_mismatch(unsigned long e)
{
	return ERR_GET_LIB(e) == ERR_LIB_X509 && ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH;
}

static SSL_CTX *tls_ctx_new(const char *cert, const char *key, char *err, size_t errlen)
{
	char why[TLS_REASON];
	if (tls_check_key_mode(key, err, errlen) < 0)
		return NULL;
	ERR_clear_error();
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx) {
		snprintf(err, errlen, "TLS: %s", tls_reason(why, sizeof(why)));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE);
	/* An idle connection gives its record buffers back (a read and a write buffer of some
	 * 17 KiB each): a chat's connections are idle nearly always, and bench/run --tls
	 * measured 38,727 bytes per idle TLS client without this and about 24,000 with it, against
	 * 1,425 for plain TCP (the rest is OpenSSL's per-connection state). */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_id_context(ctx, TLS_SESSION_ID, sizeof(TLS_SESSION_ID) - 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, tls_accept_any);
	SSL_CTX_set_alpn_select_cb(ctx, tls_select_alpn, NULL);
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1) {
		snprintf(err, errlen, "TLS ciphers: %s", tls_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "cannot load --tls-cert %s: %s", cert,
			 tls_reason(why, sizeof(why)));
		goto fail;
	}
	/* A key that is not the certificate's is said so below, in words an operator knows. */
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
	    !tls_is_mismatch(ERR_peek_last_error())) {
		snprintf(err, errlen, "cannot load --tls-key %s: %s", key,
			 tls_reason(why, sizeof(why)));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "--tls-key %s does not match --tls-cert %s", key, cert);
		ERR_clear_error();
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int tls_server_init(struct tls_server *t, const char *cert, const char *key,
		    uint64_t handshake_ms, const struct logger *log, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	t->log = log;
	t->handshake_ms = handshake_ms;
	t->ctx = tls_ctx_new(cert, key, err, errlen);
	return t->ctx ? 0 : -1;
}

int tls_server_reload(struct tls_server *t, const char *cert, const char *key, char *err,
		      size_t errlen)
{
	SSL_CTX *ctx = tls_ctx_new(cert, key, err, errlen);
	if (!ctx)
		return -1;
	SSL_CTX_free(t->ctx); /* connections made with it hold their own references */
	t->ctx = ctx;
	return 0;
}

void tls_server_free(struct tls_server *t)
{
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
}

/* ---- one connection ---- */

void tls_init(struct tls *t, struct tls_server *srv, enum tls_alpn alpn, const char *plain,
	      const char *peer, uint64_t deadline_ms)
{
	memset(t, 0, sizeof(*t));
	t->srv = srv;
	t->plain = plain;
	t->peer = peer;
	t->alpn = (uint8_t)alpn;
	t->deadline_ms = deadline_ms;
	outq_init(&t->out);
	t->ssl = SSL_new(srv->ctx);
	BIO *rbio = BIO_new(BIO_s_mem());
	BIO *wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !rbio || !wbio) {
		fprintf(stderr, "charla: out of memory (TLS)\n");
		abort();
	}
	/* A memory BIO that runs dry says "retry", not "end of file". */
	BIO_set_mem_eof_return(rbio, -1);
	SSL_set_bio(t->ssl, rbio, wbio);
	SSL_set_accept_state(t->ssl);
	SSL_set_app_data(t->ssl, t);
}

void tls_free(struct tls *t)
{
	SSL_free(t->ssl);
	t->ssl = NULL;
	outq_clear(&t->out);
}

static void tls_fingerprint(struct tls *t)
{
	X509 *cert = SSL_get0_peer_certificate(t->ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	if (!cert || X509_digest(cert, EVP_sha256(), md, &len) != 1 || len * 2 != TLS_FP_HEX) {
		t->certfp[0] = '\0';
		return;
	}
	static const char hex[] = "0123456789abcdef";
	for (unsigned i = 0; i < len; i++) {
		t->certfp[2 * i] = hex[md[i] >> 4];
		t->certfp[2 * i + 1] = hex[md[i] & 15];
	}
	t->certfp[TLS_FP_HEX] = '\0';
}

/* A fatal error: counted if it ends a handshake, logged once, without anything secret (OpenSSL's
 * reasons name protocols and alerts, never keys or data). */
static int tls_fail(struct tls *t, int code)
{
	char why[TLS_REASON];
	if (code == SSL_ERROR_SYSCALL && !ERR_peek_last_error())
		snprintf(why, sizeof(why), "unexpected end of the TLS stream");
	else
		tls_reason(why, sizeof(why));
	if (!tls_ready(t)) {
		t->srv->failed++;
		log_info(t->srv->log, "%s: TLS handshake failed: %s", t->peer, why);
	} else {
		log_debug(t->srv->log, "%s: TLS error: %s", t->peer, why);
	}
	return TLS_FAIL;
}

int tls_input(struct tls *t, const char *data, size_t len)
{
	/* A ClientHello starts with a handshake record: anything else (a plain client typing its
	 * name, an HTTP request) is refused at once rather than left to the handshake timeout. */
	if (!(t->flags & TLS_STARTED) && len) {
		if ((unsigned char)data[0] != TLS_RECORD_HANDSHAKE) {
			t->srv->failed++;
			t->flags |= TLS_PLAIN;
			log_info(t->srv->log, "%s: not TLS (plain text on a TLS port?)", t->peer);
			return TLS_FAIL;
		}
		t->flags |= TLS_STARTED;
	}
	if (len && BIO_write(SSL_get_rbio(t->ssl), data, (int)len) != (int)len) {
		fprintf(stderr, "charla: out of memory (TLS)\n");
		abort();
	}
	if (tls_ready(t))
		return TLS_AGAIN;
	ERR_clear_error();
	int r = SSL_do_handshake(t->ssl);
	if (r != 1) {
		int code = SSL_get_error(t->ssl, r);
		if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
			return TLS_AGAIN;
		return tls_fail(t, code);
	}
	t->flags |= TLS_READY;
	t->srv->ok++;
	tls_fingerprint(t);
	log_debug(t->srv->log, "%s: %s %s%s", t->peer, SSL_get_version(t->ssl),
		  SSL_get_cipher_name(t->ssl), t->certfp[0] ? ", client certificate" : "");
	return TLS_DONE;
}

long tls_read(struct tls *t, char *buf, size_t cap)
{
	ERR_clear_error();
	size_t got = 0;
	int r = SSL_read_ex(t->ssl, buf, cap, &got);
	if (r == 1)
		return (long)got;
	int code = SSL_get_error(t->ssl, r);
	if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE)
		return TLS_AGAIN;
	if (code == SSL_ERROR_ZERO_RETURN)
		return TLS_EOF;
	return tls_fail(t, code);
}

void tls_seal(struct tls *t, const char *data, size_t len)
{
	size_t done = 0;
	ERR_clear_error();
	if (len && SSL_write_ex(t->ssl, data, len, &done) != 1) {
		/* Only a broken connection refuses: its data goes nowhere and its reader fails. */
		char why[TLS_REASON];
		log_debug(t->srv->log, "%s: TLS write: %s", t->peer, tls_reason(why, sizeof(why)));
	}
}

void tls_close_notify(struct tls *t)
{
	if (t->flags & TLS_NOTIFIED)
		return;
	t->flags |= TLS_NOTIFIED;
	ERR_clear_error();
	SSL_shutdown(t->ssl); /* seals close_notify; the peer's answer is not awaited */
	ERR_clear_error();
}

struct frame *tls_output(struct tls *t)
{
	BIO *wbio = SSL_get_wbio(t->ssl);
	size_t n = BIO_ctrl_pending(wbio);
	if (!n)
		return NULL;
	struct frame *f = frame_new(n);
	int got = BIO_read(wbio, f->data, (int)n);
	f->len = got > 0 ? (uint32_t)got : 0;
	return f;
}

void tls_timed_out(struct tls *t)
{
	t->srv->failed++;
	log_info(t->srv->log, "%s: TLS handshake timed out", t->peer);
}
