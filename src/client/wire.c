/* wire: the connection to the server. Resolving the host, trying its addresses one at a time,
 * and the TCP connection's reading and writing; the UDP socket of --udp is in udpwire.c. */
#include <errno.h>
#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "client/client_private.h"

/* User-facing strings, marked for translation (po/es.po) and translated where they are used. */
#define MSG_UNKNOWN_HOST N_("unknown host %s")
#define MSG_RESOLVE N_("cannot resolve %s: %s")
#define MSG_CONNECT N_("cannot connect to %s port %s: %s")
#define MSG_LOST N_("lost connection to %s port %s: %s")
#define MSG_CLOSED N_("connection closed by the server")
#define MSG_SHUT_DOWN N_("the server shut down")
#define MSG_NO_ADDRESS N_("no address")

struct write_req {
	uv_write_t req;
	struct client *c;
	char data[];
};

static bool wire_invalid_tld(const char *host);
static void wire_on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res);
static void wire_try_next(struct client *c);
static void wire_on_attempt_closed(uv_handle_t *h);
static void wire_on_connect(uv_connect_t *req, int status);
static void wire_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void wire_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);
static void wire_on_written(uv_write_t *req, int status);
static void wire_on_shutdown(uv_shutdown_t *req, int status);

/* RFC 6761 reserves .invalid for names that must never resolve and asks resolver libraries to
 * answer at once. glibc does not, and would send the query to the configured DNS server; we answer
 * ourselves, which is both faster and keeps such a lookup off the network. */
static bool wire_invalid_tld(const char *host)
{
	size_t n = strlen(host);
	if (n > 0 && host[n - 1] == '.')
		n--;
	static const char tld[] = "invalid";
	size_t t = sizeof tld - 1;
	if (n < t || strncasecmp(host + n - t, tld, t) != 0)
		return false;
	return n == t || host[n - t - 1] == '.';
}

void wire_start(struct client *c)
{
	const struct client_options *opt = c->opt;
	if (wire_invalid_tld(opt->host)) {
		client_finish(c, CLIENT_EXIT_UNKNOWN_HOST, client_tr(c, MSG_UNKNOWN_HOST), opt->host);
		return;
	}
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
				 .ai_socktype = opt->udp ? SOCK_DGRAM : SOCK_STREAM,
				 .ai_protocol = opt->udp ? IPPROTO_UDP : IPPROTO_TCP,
				 .ai_flags = AI_NUMERICSERV};
	c->resolve_req.data = c;
	int r = uv_getaddrinfo(&c->loop, &c->resolve_req, wire_on_resolved, opt->host, opt->port,
			       &hints);
	if (r < 0)
		client_finish(c, CLIENT_EXIT_UNKNOWN_HOST, client_tr(c, MSG_RESOLVE), opt->host,
			      uv_strerror(r));
	else
		c->resolving = true;
}

static void wire_on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct client *c = req->data;
	c->resolving = false;
	if (c->finishing) {
		uv_freeaddrinfo(res);
		return;
	}
	if (status == UV_EAI_NONAME || status == UV_EAI_NODATA) {
		client_finish(c, CLIENT_EXIT_UNKNOWN_HOST, client_tr(c, MSG_UNKNOWN_HOST),
			      c->opt->host);
		return;
	}
	if (status < 0) {
		client_finish(c, CLIENT_EXIT_UNKNOWN_HOST, client_tr(c, MSG_RESOLVE), c->opt->host,
			      uv_strerror(status));
		return;
	}
	c->addrs = res;
	c->next_addr = res;
	wire_try_next(c);
}

/* Tries the addresses in the order getaddrinfo gave them (RFC 6724 preference), one at a time;
 * the error reported is the last one's. */
static void wire_try_next(struct client *c)
{
	if (c->opt->udp) {
		udpwire_try_next(c);
		return;
	}
	while (c->next_addr) {
		struct addrinfo *ai = c->next_addr;
		c->next_addr = ai->ai_next;
		int r = uv_tcp_init(&c->loop, &c->tcp);
		if (r < 0) {
			c->last_error = r;
			continue;
		}
		c->tcp.data = c;
		c->connect_req.data = c;
		r = uv_tcp_connect(&c->connect_req, &c->tcp, ai->ai_addr, wire_on_connect);
		if (r == 0)
			return;
		c->last_error = r;
		uv_close((uv_handle_t *)&c->tcp, wire_on_attempt_closed);
		return;
	}
	const char *why = c->last_error ? uv_strerror(c->last_error) : client_tr(c, MSG_NO_ADDRESS);
	client_finish(c, CLIENT_EXIT_NO_CONNECT, client_tr(c, MSG_CONNECT), c->opt->host, c->opt->port,
		      why);
}

static void wire_on_attempt_closed(uv_handle_t *h)
{
	struct client *c = h->data;
	if (!c->finishing)
		wire_try_next(c);
}

static void wire_on_connect(uv_connect_t *req, int status)
{
	struct client *c = req->data;
	if (c->finishing)
		return;
	if (status < 0) {
		c->last_error = status;
		uv_close((uv_handle_t *)&c->tcp, wire_on_attempt_closed);
		return;
	}
	uv_freeaddrinfo(c->addrs);
	c->addrs = NULL;
	uv_tcp_nodelay(&c->tcp, 1);
	int r = uv_read_start((uv_stream_t *)&c->tcp, wire_alloc, wire_on_read);
	if (r < 0) {
		wire_ended(c, r);
		return;
	}
	if (c->opt->tls)
		tlswire_start(c); /* wire_connected once the server's certificate is accepted */
	else
		wire_connected(c);
}

/* Connected: start reading the user and the signals, and send the name if given. */
void wire_connected(struct client *c)
{
	client_start_session(c, c->opt->name != NULL);
	if (client_start_ui(c) < 0)
		return;
	/* The name from the command line is sent like a typed line, but not echoed: the user
	 * knows it, and it would be shown before the server's greeting. */
	if (c->opt->name)
		client_submit(c, c->opt->name, strlen(c->opt->name), false);
}

static void wire_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct client *c = h->data;
	(void)hint;
	if (c->opt->tls)
		*b = uv_buf_init(c->tls_in, sizeof c->tls_in);
	else
		*b = uv_buf_init(c->in + c->in_len, (unsigned)(IN_MAX - c->in_len));
}

static void wire_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct client *c = s->data;
	(void)b;
	if (nread == 0 || c->finishing)
		return;
	if (nread < 0) {
		wire_ended(c, (int)nread);
		return;
	}
	if (c->opt->tls)
		tlswire_input(c, c->tls_in, (size_t)nread);
	else
		wire_received(c, (size_t)nread);
}

void wire_received(struct client *c, size_t nread)
{
	c->in_len += nread;
	c->bytes_received += (unsigned long long)nread;
	buf_clear(&c->out);
	size_t start = 0;
	for (size_t i = c->in_len - nread; i < c->in_len; i++) {
		if (c->in[i] != '\n')
			continue;
		client_receive(c, c->in + start, i - start);
		start = i + 1;
	}
	if (start == 0 && c->in_len == IN_MAX) {
		client_receive(c, c->in, c->in_len);
		start = c->in_len;
	}
	if (c->finishing) {
		/* A line ended the run (or a write from it failed and wire_ended took the rest):
		 * nothing more is shown. */
		c->in_len = 0;
		return;
	}
	memmove(c->in, c->in + start, c->in_len - start);
	c->in_len -= start;
	screen_show(c);
}

/* That is the normal end once we asked to leave (/quit sent) or said all we had to say (our side
 * shut down at the end of piped input); otherwise it is a lost connection. */
void wire_ended(struct client *c, int status)
{
	if (c->in_len > 0) {
		buf_clear(&c->out);
		client_receive(c, c->in, c->in_len);
		c->in_len = 0;
		screen_show(c);
	}
	if (c->finishing)
		return;
	if (c->quitting || c->half_closed) {
		client_finish(c, CLIENT_EXIT_OK, NULL);
		return;
	}
	const char *why = uv_strerror(status);
	if (status == UV_EOF)
		why = client_tr(c, c->last_fact == TRACK_SHUTDOWN ? MSG_SHUT_DOWN : MSG_CLOSED);
	client_finish(c, CLIENT_EXIT_LOST, client_tr(c, MSG_LOST), c->opt->host, c->opt->port,
		      why);
}

void wire_send(struct client *c, const char *line, size_t len)
{
	if (c->finishing || c->half_closed)
		return;
	if (c->opt->udp) {
		/* Only lines that fit reach here (client_submit and the input check), so this
		 * holds. */
		udplink_queue(&c->link, line, len);
		if (c->input != INPUT_NONE && !c->opt->interactive &&
		    udplink_queued(&c->link) > SEND_HIGH)
			input_pause(c);
		udpwire_pump(c);
		return;
	}
	c->lines_sent++;
	c->bytes_sent += len + 1;
	char *data = wire_write_buf(c, len + 1);
	memcpy(data, line, len);
	data[len] = '\n';
	if (c->opt->tls) {
		/* The line and its newline in one record; what goes out is the sealed record. */
		tlswire_send(c, data, len + 1);
		wire_write_drop(data);
	} else if (wire_write(c, data, len + 1) < 0) {
		return;
	}
	if (c->finishing || c->input == INPUT_NONE || c->opt->interactive)
		return;
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > SEND_HIGH)
		input_pause(c);
}

/* The memory of one write: a write_req's data, so that a plain line goes out without a copy. */
char *wire_write_buf(struct client *c, size_t len)
{
	struct write_req *w = xmalloc(sizeof *w + len);
	w->c = c;
	return w->data;
}

void wire_write_drop(char *data)
{
	free((char *)data - offsetof(struct write_req, data));
}

int wire_write(struct client *c, char *data, size_t len)
{
	struct write_req *w = (struct write_req *)(void *)(data - offsetof(struct write_req, data));
	uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
	int r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, wire_on_written);
	if (r < 0) {
		free(w);
		wire_ended(c, r);
	}
	return r;
}

size_t wire_queued(struct client *c)
{
	if (c->opt->udp)
		return c->link_ready ? udplink_queued(&c->link) : 0;
	return uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
}

static void wire_on_written(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;
	struct client *c = w->c;
	free(w);
	if (status == UV_ECANCELED || c->finishing)
		return;
	if (status < 0) {
		wire_ended(c, status);
		return;
	}
	if (c->input_paused && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) < SEND_LOW)
		input_resume(c);
}

/* The server sees the end of our input and can close once it has answered everything; we keep
 * reading until it does. */
void wire_shutdown(struct client *c)
{
	c->half_closed = true;
	if (c->opt->tls)
		tlswire_close_notify(c);
	c->shutdown_req.data = c;
	int r = uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, wire_on_shutdown);
	if (r < 0)
		wire_ended(c, r);
}

static void wire_on_shutdown(uv_shutdown_t *req, int status)
{
	/* A failed shutdown means the connection is already broken; the read side reports it. */
	(void)req;
	(void)status;
}
