/* Unit tests for net/tls.c, the server's TLS engine, without sockets: an OpenSSL client over
 * memory BIOs talks to a struct tls, and the test carries the bytes between them (what tls_output
 * gives goes into the client's read BIO, what the client writes into tls_input). The certificates
 * are made here with OpenSSL's API (P-256, self-signed) and written as PEM files in a temporary
 * directory. Checked: the handshake and what it yields (TLS 1.3 and 1.2, ALPN, the client
 * certificate's fingerprint), plaintext both ways, close_notify both ways, the refusals (a first
 * byte that is no handshake record, TLS 1.1, a weak suite), the key file's permissions, and a
 * reload that swaps the context only when the new pair loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/frame.h"
#include "base/log.h"
#include "net/tls.h"

enum { ERR_LEN = 256, DIR_LEN = 64, PATH_LEN = 128, PUMP_ROUNDS = 16, DAY_S = 86400 };

static struct {
	char dir[DIR_LEN];
	char cert[PATH_LEN], key[PATH_LEN];       /* the server's pair */
	char other_cert[PATH_LEN], other_key[PATH_LEN];
	char ccert[PATH_LEN], ckey[PATH_LEN];     /* a client's */
	struct logger log;
} T;

/* ---- certificates ---- */

static void write_pair(const char *cn, const char *cert_path, const char *key_path)
{
	EVP_PKEY *pkey = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(pkey);
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), DAY_S);
	X509_set_pubkey(x, pkey);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
	FILE *f = fopen(cert_path, "w");
	assert_non_null(f);
	PEM_write_X509(f, x);
	fclose(f);
	f = fopen(key_path, "w");
	assert_non_null(f);
	PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	chmod(key_path, 0600);
	X509_free(x);
	EVP_PKEY_free(pkey);
}

static int setup(void **state)
{
	(void)state;
	snprintf(T.dir, sizeof(T.dir), "/tmp/charla-test-tls-XXXXXX");
	assert_non_null(mkdtemp(T.dir));
	snprintf(T.cert, sizeof(T.cert), "%s/s.pem", T.dir);
	snprintf(T.key, sizeof(T.key), "%s/s.key", T.dir);
	snprintf(T.other_cert, sizeof(T.other_cert), "%s/o.pem", T.dir);
	snprintf(T.other_key, sizeof(T.other_key), "%s/o.key", T.dir);
	snprintf(T.ccert, sizeof(T.ccert), "%s/c.pem", T.dir);
	snprintf(T.ckey, sizeof(T.ckey), "%s/c.key", T.dir);
	write_pair("localhost", T.cert, T.key);
	write_pair("other", T.other_cert, T.other_key);
	write_pair("ana", T.ccert, T.ckey);
	T.log = (struct logger){.out = stderr, .prog = "test_tls", .level = LOG_ERROR};
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *files[] = {T.cert, T.key, T.other_cert, T.other_key, T.ccert, T.ckey};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	rmdir(T.dir);
	return 0;
}

/* ---- a client over memory BIOs ---- */

struct peer {
	SSL_CTX *ctx;
	SSL *ssl;
};

static void client_open(struct peer *p, int max_version, const char *ciphers, bool with_cert,
			bool alpn)
{
	p->ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(p->ctx);
	SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_security_level(p->ctx, 0); /* so that the client offers what the server refuses */
	if (max_version) {
		SSL_CTX_set_min_proto_version(p->ctx, 0);
		SSL_CTX_set_max_proto_version(p->ctx, max_version);
	}
	if (ciphers)
		assert_int_equal(SSL_CTX_set_cipher_list(p->ctx, ciphers), 1);
	if (with_cert) {
		assert_int_equal(SSL_CTX_use_certificate_file(p->ctx, T.ccert, SSL_FILETYPE_PEM), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey_file(p->ctx, T.ckey, SSL_FILETYPE_PEM), 1);
	}
	if (alpn) {
		static const unsigned char protos[] = "\x02h2\x08http/1.1";
		assert_int_equal(SSL_CTX_set_alpn_protos(p->ctx, protos, sizeof(protos) - 1), 0);
	}
	p->ssl = SSL_new(p->ctx);
	SSL_set_bio(p->ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	BIO_set_mem_eof_return(SSL_get_rbio(p->ssl), -1);
	SSL_set_connect_state(p->ssl);
}

static void client_close(struct peer *p)
{
	SSL_free(p->ssl);
	SSL_CTX_free(p->ctx);
}

/* The server's output into the client. */
static void to_client(struct tls *t, struct peer *p)
{
	struct frame *f;
	while ((f = tls_output(t))) {
		BIO_write(SSL_get_rbio(p->ssl), f->data, (int)f->len);
		frame_unref(f);
	}
}

/* The client's output into the server; returns tls_input's last answer. */
static int to_server(struct peer *p, struct tls *t)
{
	BIO *w = SSL_get_wbio(p->ssl);
	char buf[16384];
	int r = TLS_AGAIN, n;
	while ((n = BIO_read(w, buf, sizeof(buf))) > 0) {
		r = tls_input(t, buf, (size_t)n);
		if (r == TLS_FAIL || r == TLS_DONE)
			break;
	}
	return r;
}

/* Runs the handshake; returns TLS_DONE or TLS_FAIL. */
static int handshake(struct tls *t, struct peer *p)
{
	int r = TLS_AGAIN;
	for (int i = 0; i < PUMP_ROUNDS && r == TLS_AGAIN; i++) {
		SSL_do_handshake(p->ssl);
		r = to_server(p, t);
		to_client(t, p);
	}
	SSL_do_handshake(p->ssl); /* the client takes the server's last flight */
	return r;
}

static void server_open(struct tls_server *srv)
{
	char err[ERR_LEN];
	assert_int_equal(tls_server_init(srv, T.cert, T.key, 1000, &T.log, err, sizeof(err)), 0);
}

/* A server with one connection and a client, handshaken: the fixture of most tests. */
struct pair {
	struct tls_server srv;
	struct tls t;
	struct peer p;
};

static void pair_open(struct pair *x, enum tls_alpn alpn, int max_version, bool with_cert,
		      bool offer_alpn)
{
	server_open(&x->srv);
	tls_init(&x->t, &x->srv, alpn, NULL, "peer", 0);
	client_open(&x->p, max_version, NULL, with_cert, offer_alpn);
	assert_int_equal(handshake(&x->t, &x->p), TLS_DONE);
	assert_true(tls_ready(&x->t));
}

static void pair_close(struct pair *x)
{
	client_close(&x->p);
	tls_free(&x->t);
	tls_server_free(&x->srv);
}

/* ---- the tests ---- */

static void t_handshake_and_data(void **state)
{
	(void)state;
	struct pair x;
	pair_open(&x, TLS_ALPN_NONE, 0, false, false);
	struct tls *t = &x.t;
	struct peer *p = &x.p;
	assert_int_equal(x.srv.ok, 1);
	assert_string_equal(SSL_get_version(p->ssl), "TLSv1.3");
	assert_string_equal(t->certfp, ""); /* no client certificate */
	/* Server to client: sealed, then read by the client. */
	tls_seal(t, "hola\n", 5);
	to_client(t, p);
	char buf[64];
	size_t got = 0;
	assert_int_equal(SSL_read_ex(p->ssl, buf, sizeof(buf), &got), 1);
	assert_int_equal(got, 5);
	assert_memory_equal(buf, "hola\n", 5);
	/* Client to server. */
	assert_int_equal(SSL_write(p->ssl, "adios\n", 6), 6);
	assert_int_equal(to_server(p, t), TLS_AGAIN);
	assert_int_equal(tls_read(t, buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "adios\n", 6);
	assert_int_equal(tls_read(t, buf, sizeof(buf)), TLS_AGAIN);
	/* Our close_notify reaches the client as the end of the stream; its own is our EOF. */
	tls_close_notify(t);
	tls_close_notify(t); /* once */
	to_client(t, p);
	assert_int_equal(SSL_read_ex(p->ssl, buf, sizeof(buf), &got), 0);
	assert_int_equal(SSL_get_error(p->ssl, 0), SSL_ERROR_ZERO_RETURN);
	SSL_shutdown(p->ssl);
	to_server(p, t);
	assert_int_equal(tls_read(t, buf, sizeof(buf)), TLS_EOF);
	pair_close(&x);
}

static void t_client_certificate_fingerprint(void **state)
{
	(void)state;
	struct pair x;
	pair_open(&x, TLS_ALPN_NONE, 0, true, false);
	/* The SHA-256 of the certificate's DER, computed here on its own. */
	FILE *f = fopen(T.ccert, "r");
	X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	unsigned char md[32];
	assert_int_equal(EVP_Digest(der, (size_t)len, md, NULL, EVP_sha256(), NULL), 1);
	char want[TLS_FP_HEX + 1];
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(x.t.certfp, want);
	OPENSSL_free(der);
	X509_free(cert);
	pair_close(&x);
}

static void t_tls12_and_alpn(void **state)
{
	(void)state;
	for (int http = 0; http <= 1; http++) {
		struct pair x;
		pair_open(&x, http ? TLS_ALPN_HTTP : TLS_ALPN_NONE, TLS1_2_VERSION, false, true);
		assert_string_equal(SSL_get_version(x.p.ssl), "TLSv1.2");
		assert_non_null(strstr(SSL_get_cipher_name(x.p.ssl), "ECDHE-ECDSA-"));
		const unsigned char *sel = NULL;
		unsigned n = 0;
		SSL_get0_alpn_selected(x.p.ssl, &sel, &n);
		if (http) {
			assert_int_equal(n, 8);
			assert_memory_equal(sel, "http/1.1", 8);
		} else {
			assert_int_equal(n, 0);
		}
		pair_close(&x);
	}
}

static void t_refusals(void **state)
{
	(void)state;
	struct tls_server srv;
	server_open(&srv);
	/* Plain text: refused at its first byte. */
	struct tls t;
	tls_init(&t, &srv, TLS_ALPN_NONE, NULL, "peer", 0);
	assert_int_equal(tls_input(&t, "ana\n", 4), TLS_FAIL);
	assert_true(t.flags & TLS_PLAIN);
	assert_int_equal(srv.failed, 1);
	tls_free(&t);
	/* TLS 1.1, and TLS 1.2 with a suite without forward secrecy: refused with an alert. */
	struct {
		int version;
		const char *ciphers;
	} bad[] = {{TLS1_1_VERSION, NULL}, {TLS1_2_VERSION, "AES128-SHA"},
		   {TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA"}};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tls_init(&t, &srv, TLS_ALPN_NONE, NULL, "peer", 0);
		struct peer p;
		client_open(&p, bad[i].version, bad[i].ciphers, false, false);
		assert_int_equal(handshake(&t, &p), TLS_FAIL);
		assert_false(tls_ready(&t));
		assert_int_equal(srv.failed, 2 + i);
		client_close(&p);
		tls_free(&t);
	}
	assert_int_equal(srv.ok, 0);
	tls_server_free(&srv);
}

static void t_key_files_and_reload(void **state)
{
	(void)state;
	char err[ERR_LEN];
	struct tls_server srv;
	chmod(T.key, 0644);
	assert_int_equal(tls_server_init(&srv, T.cert, T.key, 1000, &T.log, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "is readable by everyone"));
	chmod(T.key, 0640);
	server_open(&srv);
	chmod(T.key, 0600);
	struct ssl_ctx_st *first = srv.ctx;
	/* A connection made now keeps the first context across a reload. */
	struct tls t;
	tls_init(&t, &srv, TLS_ALPN_NONE, NULL, "peer", 0);
	/* A key that is not the certificate's, a missing file: the context in force stays. */
	assert_int_equal(tls_server_reload(&srv, T.cert, T.other_key, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not match"));
	assert_int_equal(tls_server_reload(&srv, T.cert, "/nonexistent/k", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read --tls-key"));
	assert_ptr_equal(srv.ctx, first);
	assert_int_equal(tls_server_reload(&srv, T.other_cert, T.other_key, err, sizeof(err)), 0);
	assert_ptr_not_equal(srv.ctx, first);
	struct peer p;
	client_open(&p, 0, NULL, false, false);
	assert_int_equal(handshake(&t, &p), TLS_DONE);
	X509 *x = SSL_get1_peer_certificate(p.ssl);
	char cn[64];
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
	assert_string_equal(cn, "localhost"); /* the old pair, for the old connection */
	X509_free(x);
	client_close(&p);
	tls_free(&t);
	tls_server_free(&srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_handshake_and_data),
		cmocka_unit_test(t_client_certificate_fingerprint),
		cmocka_unit_test(t_tls12_and_alpn),
		cmocka_unit_test(t_refusals),
		cmocka_unit_test(t_key_files_and_reload),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
