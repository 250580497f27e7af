/* Unit tests for net/tls.c, the server's TLS engine, without sockets: an OpenSSL client over
 * memory BIOs talks to a struct tls, and the test carries the bytes between them (what tls_output
 * gives goes into the client's read BIO, what the client writes into tls_input). The certificates
 * are made here with OpenSSL's API (P-256, self-signed) and written as PEM files in a temporary
 * directory. Checked: the handshake and what it yields (TLS 1.3 and 1.2, ALPN, the client
 * certificate's fingerprint), plaintext both ways, close_notify both ways, the refusals (a first
 * byte that is no handshake record, TLS 1.1, a weak suite), the key file's permissions, and a
 * reload that swaps the context only when the new pair loads. Then, over a loopback socket on a
 * loop, the stream's TLS filter (net/stream.c): a banned peer is reset before any handshake, and
 * a peer that sends KeyUpdates without reading cannot grow the server's queue of records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/frame.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "net/net.h"
#include "net/stream.h"
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

/* ---- the stream's TLS filter, over a socket ---- */

enum {
	WATCHDOG_MS = 20000,
	HANDSHAKE_MS = 10000,
	CHECK_MS = 5,
	SMALL_SOCKBUF = 4096, /* both kernels' buffers, so that the server's records queue up soon */
	KEY_UPDATES = 20000,  /* about 27 bytes each, and as much in answers: 540 KB */
	/* What the records' queue may hold: the sealing bound (64 KiB) and one read's answers. */
	RECORDS_BOUND = 3 * NET_BUF_SIZE,
};

struct side {
	struct stream s; /* first */
	struct tls t;
};

static struct {
	uv_loop_t loop;
	struct net net;
	struct net_gate gate;
	struct tls_server srv;
	uv_tcp_t server, client;
	uv_connect_t connect;
	uv_write_t write;
	uv_timer_t watchdog, check;
	struct side *sd;      /* the accepted stream, until closed */
	struct peer p;
	bool banned;          /* the gate bans everyone */
	bool flood;           /* once handshaken, the client sends KEY_UPDATES and stops reading */
	bool held;            /* seen: the server stopped reading, its records queued */
	bool draining;        /* the client reads again */
	size_t peak;          /* the most records' bytes seen queued */
	size_t per_update;    /* the size of one KeyUpdate record */
	size_t client_got;    /* bytes the client read (after the flood: since the drain began) */
	int client_status;
	int closed;
	char *flood_buf;
} L;

static bool gate_banned(void *ctx, const struct netlim_addr *a, const char **reason,
			uint64_t *until_ms)
{
	(void)ctx;
	(void)a;
	*reason = "test";
	*until_ms = 0;
	return L.banned;
}

static void side_data(struct stream *s, char *data, size_t len)
{
	(void)s;
	(void)data;
	(void)len;
}

static void side_gone(struct stream *s, int status)
{
	(void)s;
	(void)status;
}

static void side_overflow(struct stream *s, enum outq_verdict verdict)
{
	(void)s;
	(void)verdict;
}

static void side_closed(struct stream *s)
{
	struct side *sd = (struct side *)s;
	if (L.sd == sd)
		L.sd = NULL;
	L.closed++;
	free(sd);
}

static const struct stream_ops side_ops = {
	.data = side_data,
	.gone = side_gone,
	.overflow = side_overflow,
	.closed = side_closed,
};

static void set_sockbuf(uv_handle_t *h, int opt)
{
	uv_os_fd_t fd;
	int size = SMALL_SOCKBUF;
	assert_int_equal(uv_fileno(h, &fd), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, opt, &size, sizeof(size)), 0);
}

static void finish(void)
{
	uv_timer_stop(&L.check);
	if (!uv_is_closing((uv_handle_t *)&L.client))
		uv_close((uv_handle_t *)&L.client, NULL);
	if (L.sd)
		stream_close(&L.sd->s);
}

static void server_connection(uv_stream_t *server, int status)
{
	assert_int_equal(status, 0);
	struct side *sd = xcalloc(1, sizeof(*sd));
	assert_int_equal(stream_init(&sd->s, &L.net, &side_ops), 0);
	sd->s.tls = &sd->t;
	tls_init(&sd->t, &L.srv, TLS_ALPN_NONE, NULL, sd->s.peer,
		 uv_now(&L.loop) + HANDSHAKE_MS);
	L.sd = sd;
	assert_int_equal(stream_accept(&sd->s, server), 0);
	if (sd->s.refused) {
		/* What a face does: a refusal in its protocol, then the close after the flush. */
		struct frame *f = frame_from("refused\n", 8);
		stream_send(&sd->s, f);
		frame_unref(f);
		stream_close_after_flush(&sd->s);
	} else if (L.flood) {
		set_sockbuf((uv_handle_t *)&sd->s.tcp, SO_SNDBUF);
	}
	uv_close((uv_handle_t *)&L.server, NULL); /* one connection per test */
}

/* Writes what the client's engine produced; the handshake's flights fit the socket at once. */
static void client_flush(void)
{
	char buf[16384];
	int n;
	while ((n = BIO_read(SSL_get_wbio(L.p.ssl), buf, sizeof(buf))) > 0) {
		uv_buf_t b = uv_buf_init(buf, (unsigned)n);
		uv_try_write((uv_stream_t *)&L.client, &b, 1); /* a reset peer: the read says so */
	}
}

/* KEY_UPDATES KeyUpdate(update_requested) records in one write, and no reading. */
static void client_flood(void)
{
	uv_read_stop((uv_stream_t *)&L.client);
	BIO *w = SSL_get_wbio(L.p.ssl);
	for (int i = 0; i < KEY_UPDATES; i++) {
		assert_int_equal(SSL_key_update(L.p.ssl, SSL_KEY_UPDATE_REQUESTED), 1);
		assert_int_equal(SSL_do_handshake(L.p.ssl), 1);
		if (i == 0)
			L.per_update = (size_t)BIO_pending(w);
	}
	size_t len = (size_t)BIO_pending(w);
	assert_int_equal(len, L.per_update * KEY_UPDATES);
	L.flood_buf = xmalloc(len);
	assert_int_equal(BIO_read(w, L.flood_buf, (int)len), (int)len);
	uv_buf_t b = uv_buf_init(L.flood_buf, (unsigned)len);
	assert_int_equal(uv_write(&L.write, (uv_stream_t *)&L.client, &b, 1, NULL), 0);
}

static void client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char space[65536];
	(void)h;
	(void)suggested;
	*buf = uv_buf_init(space, sizeof(space));
}

static void client_read(uv_stream_t *h, ssize_t nread, const uv_buf_t *buf)
{
	(void)h;
	if (nread < 0) {
		L.client_status = (int)nread;
		finish();
		return;
	}
	L.client_got += (size_t)nread;
	if (L.draining) {
		/* Every answer came: the server read again once its records drained. */
		if (L.client_got >= L.per_update * KEY_UPDATES)
			finish();
		return;
	}
	BIO_write(SSL_get_rbio(L.p.ssl), buf->base, (int)nread);
	if (SSL_do_handshake(L.p.ssl) == 1 && L.flood) {
		client_flush();
		client_flood();
		return;
	}
	client_flush();
}

static void client_connected(uv_connect_t *req, int status)
{
	(void)req;
	if (status < 0) { /* reset as soon as accepted */
		L.client_status = status;
		finish();
		return;
	}
	uv_read_start((uv_stream_t *)&L.client, client_alloc, client_read);
	SSL_do_handshake(L.p.ssl);
	client_flush();
}

/* Watches the server's records while the client floods: held (reading stopped) is the end of
 * the first half; past the bound, the test has failed. */
static void check(uv_timer_t *t)
{
	(void)t;
	if (!L.sd || L.draining)
		return;
	size_t q = L.sd->t.out.bytes;
	if (q > L.peak)
		L.peak = q;
	if (L.peak > RECORDS_BOUND) {
		finish();
		return;
	}
	if ((L.sd->s.flags & STREAM_TLS_FULL) && !(L.sd->s.flags & STREAM_READING)) {
		L.held = true;
		L.draining = true;
		L.client_got = 0;
		uv_read_start((uv_stream_t *)&L.client, client_alloc, client_read);
	}
}

static void watchdog(uv_timer_t *t)
{
	(void)t;
	fail_msg("the test did not finish within %d ms", WATCHDOG_MS);
}

static void loop_run(void)
{
	memset(&L, 0, sizeof(L));
	assert_int_equal(uv_loop_init(&L.loop), 0);
	struct net_config cfg = {.max_line = 1024, .linger_ms = 1000, .max_paused = 4096};
	assert_int_equal(net_init(&L.net, &L.loop, &cfg, NULL), 0);
	L.gate = (struct net_gate){.banned = gate_banned};
	L.net.gate = &L.gate;
	server_open(&L.srv);
	client_open(&L.p, 0, NULL, false, false);
	uv_timer_init(&L.loop, &L.watchdog);
	uv_timer_start(&L.watchdog, watchdog, WATCHDOG_MS, 0);
	uv_unref((uv_handle_t *)&L.watchdog);
	uv_timer_init(&L.loop, &L.check);
}

static void loop_go(void)
{
	struct sockaddr_in sa;
	uv_ip4_addr("127.0.0.1", 0, &sa);
	uv_tcp_init(&L.loop, &L.server);
	assert_int_equal(uv_tcp_bind(&L.server, (const struct sockaddr *)&sa, 0), 0);
	assert_int_equal(uv_listen((uv_stream_t *)&L.server, 8, server_connection), 0);
	int len = sizeof(sa);
	uv_tcp_getsockname(&L.server, (struct sockaddr *)&sa, &len);
	assert_int_equal(uv_tcp_init_ex(&L.loop, &L.client, AF_INET), 0);
	if (L.flood) {
		set_sockbuf((uv_handle_t *)&L.client, SO_RCVBUF);
		uv_timer_start(&L.check, check, CHECK_MS, CHECK_MS);
	}
	uv_tcp_connect(&L.connect, &L.client, (const struct sockaddr *)&sa, client_connected);
	uv_run(&L.loop, UV_RUN_DEFAULT);
}

static void loop_close(void)
{
	net_close(&L.net);
	uv_close((uv_handle_t *)&L.watchdog, NULL);
	uv_close((uv_handle_t *)&L.check, NULL);
	uv_run(&L.loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&L.loop), 0);
	client_close(&L.p);
	tls_server_free(&L.srv);
	free(L.flood_buf);
}

static void t_banned_reset_before_handshake(void **state)
{
	(void)state;
	loop_run();
	L.banned = true;
	loop_go();
	/* Not a byte, not even the refusal: the ClientHello was never answered. */
	assert_int_equal(L.client_got, 0);
	assert_true(L.client_status == UV_ECONNRESET || L.client_status == UV_EOF);
	assert_int_equal(L.closed, 1);
	assert_int_equal(L.net.refused[NETLIM_BANNED], 1);
	assert_int_equal(L.srv.ok, 0);
	assert_int_equal(L.srv.failed, 0);
	loop_close();
}

static void t_key_updates_unread(void **state)
{
	(void)state;
	loop_run();
	L.flood = true;
	loop_go();
	assert_int_equal(L.srv.ok, 1);
	assert_true(L.held);
	assert_true(L.peak <= RECORDS_BOUND);
	/* Reading resumed as the records drained: every KeyUpdate was answered. */
	assert_true(L.client_got >= L.per_update * KEY_UPDATES);
	assert_int_equal(L.closed, 1);
	loop_close();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_handshake_and_data),
		cmocka_unit_test(t_client_certificate_fingerprint),
		cmocka_unit_test(t_tls12_and_alpn),
		cmocka_unit_test(t_refusals),
		cmocka_unit_test(t_key_files_and_reload),
		cmocka_unit_test(t_banned_reset_before_handshake),
		cmocka_unit_test(t_key_updates_unread),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
