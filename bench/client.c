/* client: one client's socket. Connecting (non-blocking, from one of several 127.0.0.x source
 * addresses), reading into the run's shared buffer with the partial line kept per client, and an
 * output buffer that grows as needed and is written optimistically, EPOLLOUT armed only while
 * bytes are left. What the bytes mean is the protocol's business (struct proto), and so is a
 * transport's framing (proto->encode, applied to what was queued since the last flush). With --tls
 * the bytes go through the client's TLS session (tls.c) instead of straight to the socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static void client_epoll(struct bench *b, struct client *c, int op, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - b->cl)};
	if (epoll_ctl(b->ep, op, c->fd, &ev) < 0)
		bench_die("epoll_ctl: %s", strerror(errno));
}

void client_close(struct bench *b, struct client *c)
{
	if (c->fd >= 0) {
		close(c->fd); /* also removes it from the epoll set */
		c->fd = -1;
	}
	if (c->state == CS_CONNECTING)
		b->connecting--;
	c->state = CS_CLOSED;
}

void client_flush(struct bench *b, struct client *c)
{
	if (b->proto->encode && c->enc_off < c->out_len)
		b->proto->encode(b, c);
	while (c->out_off < c->out_len) {
		size_t n = c->out_len - c->out_off;
		ssize_t r = c->ssl ? tls_write(b, c, c->out + c->out_off, n)
				   : write(c->fd, c->out + c->out_off, n);
		if (r > 0) {
			c->out_off += (uint32_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		bench_fail(b, "write to client %u: %s", (unsigned)(c - b->cl),
			   r < 0 ? strerror(errno) : "nothing written");
		return;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = c->enc_off = 0;
	/* A TLS write waiting for the server's bytes is retried after the next read (client_read):
	 * the socket is writable, and EPOLLOUT would only spin. */
	bool want = c->out_len > 0 && !(c->ssl && c->tls_wants_read);
	if (want != c->out_armed) {
		c->out_armed = want;
		client_epoll(b, c, EPOLL_CTL_MOD, EPOLLIN | (want ? EPOLLOUT : 0));
	}
}

char *client_out(struct client *c, size_t n)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = c->enc_off = 0;
	if (c->out_len + n > c->out_cap) {
		uint32_t cap = c->out_cap ? c->out_cap : 256;
		while (cap < c->out_len + n)
			cap *= 2;
		char *p = realloc(c->out, cap);
		if (!p)
			bench_die("out of memory");
		c->out = p;
		c->out_cap = cap;
	}
	char *at = c->out + c->out_len;
	c->out_len += (uint32_t)n;
	return at;
}

void client_out_mem(struct client *c, const char *s, size_t n)
{
	memcpy(client_out(c, n), s, n);
}

void client_out_str(struct client *c, const char *s)
{
	client_out_mem(c, s, strlen(s));
}

void client_open(struct bench *b, uint32_t i)
{
	struct client *c = &b->cl[i];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		bench_die("socket (client %u): %s", i, strerror(errno));
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (b->nsources > 1) {
		/* Several source addresses, and the port chosen at connect time (4-tuple unique), so
		 * that tens of thousands of clients never exhaust one address's ephemeral ports. */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		struct sockaddr_in src = {.sin_family = AF_INET};
		src.sin_addr.s_addr = htonl(0x7f000000u | (10u + i % b->nsources));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
			bench_die("bind 127.0.0.%u: %s", 10u + i % b->nsources, strerror(errno));
	}
	struct sockaddr_in dst = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)b->o.ports[c->port_idx])};
	inet_pton(AF_INET, b->o.host, &dst.sin_addr);
	c->fd = fd;
	c->state = CS_CONNECTING;
	b->connecting++;
	int r = connect(fd, (struct sockaddr *)&dst, sizeof(dst));
	if (r < 0 && errno != EINPROGRESS)
		bench_die("connect (client %u): %s", i, strerror(errno));
	client_epoll(b, c, EPOLL_CTL_ADD, EPOLLOUT);
}

void client_name(const struct bench *b, const struct client *c, char *out, size_t len)
{
	uint32_t i = (uint32_t)(c - b->cl);
	if (b->o.irc)
		snprintf(out, len, "%sb%u", b->o.prefix, i);
	else if (c->role == ROLE_SEND)
		snprintf(out, len, "%ss%u", b->o.prefix, c->sidx);
	else
		snprintf(out, len, "%sr%u", b->o.prefix, i);
}

void client_connected(struct bench *b, struct client *c, uint64_t now)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		bench_fail(b, "connect (client %u) to %s:%u: %s", (unsigned)(c - b->cl), b->o.host,
			   b->o.port, strerror(err));
		return;
	}
	b->connecting--;
	if (++b->connected == b->total)
		b->t_connected = now;
	c->state = CS_NAMING;
	c->out_armed = false;
	client_epoll(b, c, EPOLL_CTL_MOD, EPOLLIN);
	if (b->o.tls)
		tls_attach(b, c);
	b->proto->hello(b, c, now);
	client_flush(b, c);
}

/* One read and what it brought; false when there is nothing more to read for now (or the client
 * or the run is over). */
static bool client_read_once(struct bench *b, struct client *c)
{
	/* The kept partial line goes first, then one read fills the rest of the shared buffer. */
	size_t have = c->stash_len;
	if (have)
		memcpy(b->rbuf, c->stash, have);
	ssize_t r = c->ssl ? tls_read(b, c, b->rbuf + have, sizeof(b->rbuf) - have)
			   : read(c->fd, b->rbuf + have, sizeof(b->rbuf) - have);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (r <= 0) {
		bench_fail(b, "the server closed client %u (%s)%s%s", (unsigned)(c - b->cl),
			   r < 0 ? strerror(errno) : "EOF", b->errors ? "; first error line: " : "",
			   b->errors ? b->first_error : "");
		client_close(b, c);
		return false;
	}
	uint64_t now = bench_now();
	size_t len = have + (size_t)r;
	size_t used = b->proto->parse(b, c, b->rbuf, len, now);
	size_t left = len - used;
	if (left > MAX_STASH) {
		bench_fail(b, "a line or reply longer than %d bytes from the server", MAX_STASH);
		return false;
	}
	if (left > c->stash_cap) {
		free(c->stash);
		c->stash_cap = (uint32_t)(left < 256 ? 256 : left);
		c->stash = bench_alloc(c->stash_cap);
	}
	if (left)
		memcpy(c->stash, b->rbuf + used, left);
	c->stash_len = (uint32_t)left;
	return !b->failed && c->state != CS_CLOSED;
}

void client_read(struct bench *b, struct client *c)
{
	if (!c->ssl) {
		client_read_once(b, c);
		return;
	}
	/* A TLS session may hold decrypted bytes the socket no longer signals: read until it says
	 * it wants more from the socket, then retry a write that was waiting for these bytes. */
	while (client_read_once(b, c))
		;
	if (!b->failed && c->state != CS_CLOSED && c->out_off < c->out_len)
		client_flush(b, c);
}
