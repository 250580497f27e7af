/*
 * sockio: socket helpers for the classroom examples. The contracts are in sockio.h; the comments
 * here explain the choices a student would otherwise have to guess.
 */
#include "sockio.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * Linux and the BSDs have MSG_NOSIGNAL; on a system without it, a program must ignore SIGPIPE
 * itself (signal(SIGPIPE, SIG_IGN)) or a write to a closed connection kills it.
 */
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

static void set_err(char *err, size_t errlen, const char *what, const char *why)
{
	if (err == NULL || errlen == 0)
		return;
	int n = snprintf(err, errlen, "%s: %s", what, why);
	/* A cut message is still better than none, so truncation is accepted here on purpose. */
	(void)n;
}

/* Closes FD without losing errno, which explains why the caller is giving up on it. */
static int close_keep_errno(int fd)
{
	int saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/*
 * Tries one address returned by getaddrinfo(). Returns a bound (and, for TCP, listening)
 * socket, or -1 with errno set by the call that failed and *step naming that call.
 */
static int bind_one(const struct addrinfo *ai, const char **step)
{
	*step = "socket";
	int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (fd < 0)
		return -1;

	/*
	 * Without SO_REUSEADDR, a TCP server restarted right after it stopped fails with "Address
	 * already in use" for a minute or two, while the old connections sit in TIME_WAIT.
	 */
	int on = 1;
	*step = "setsockopt(SO_REUSEADDR)";
	if (ai->ai_socktype == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0)
		return close_keep_errno(fd);

	/*
	 * An IPv6 socket bound to the wildcard address "::" can also accept IPv4 clients (they show
	 * up as ::ffff:127.0.0.1) when IPV6_V6ONLY is off. Its default depends on the system, so we
	 * ask. Where the system refuses (OpenBSD), the socket is simply IPv6-only and the caller can
	 * bind 0.0.0.0 instead; that is why a failure here is not an error.
	 */
	int off = 0;
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);

	*step = "bind";
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		return close_keep_errno(fd);

	/*
	 * The backlog is how many finished handshakes the kernel keeps waiting for accept(). Clients
	 * beyond it are not refused at once: their handshake simply waits, and may time out.
	 */
	*step = "listen";
	if (ai->ai_socktype == SOCK_STREAM && listen(fd, 16) < 0)
		return close_keep_errno(fd);
	return fd;
}

int sockio_bind(const char *host, const char *port, int socktype, char *err, size_t errlen)
{
	struct addrinfo hints = {0};
	hints.ai_family = AF_UNSPEC;  /* IPv4 or IPv6, whatever HOST is */
	hints.ai_socktype = socktype;
	hints.ai_flags = AI_PASSIVE;  /* with HOST NULL: the wildcard addresses, for a server */

	struct addrinfo *list = NULL;
	int gai = getaddrinfo(host, port, &hints, &list);
	if (gai != 0) {
		set_err(err, errlen, "getaddrinfo", gai_strerror(gai));
		return -1;
	}

	/*
	 * For the wildcard, getaddrinfo() returns both 0.0.0.0 and ::, in an order that depends on
	 * the system. We try IPv6 first (pass 0) because, with IPV6_V6ONLY off, that one socket
	 * serves both families; IPv4 alone (pass 1) is the fallback on a machine without IPv6.
	 */
	int fd = -1;
	const char *step = "getaddrinfo";
	int saved = EADDRNOTAVAIL;
	for (int pass = 0; pass < 2 && fd < 0; pass++) {
		for (const struct addrinfo *ai = list; ai != NULL && fd < 0; ai = ai->ai_next) {
			if ((pass == 0) != (ai->ai_family == AF_INET6))
				continue;
			fd = bind_one(ai, &step);
			if (fd < 0)
				saved = errno;
		}
	}
	freeaddrinfo(list);
	if (fd < 0)
		set_err(err, errlen, step, strerror(saved));
	return fd;
}

int sockio_connect(const char *host, const char *port, int socktype, char *err, size_t errlen)
{
	struct addrinfo hints = {0};
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;

	struct addrinfo *list = NULL;
	int gai = getaddrinfo(host, port, &hints, &list);
	if (gai != 0) {
		set_err(err, errlen, "getaddrinfo", gai_strerror(gai));
		return -1;
	}

	/* "localhost" may give ::1 and 127.0.0.1; a server may listen on only one of them. */
	int fd = -1;
	const char *step = "getaddrinfo";
	int saved = EADDRNOTAVAIL;
	for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
		step = "socket";
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		step = "connect";
		/*
		 * connect() interrupted by a signal keeps connecting in the background; calling it
		 * again would fail with EALREADY. No signal handlers are installed in the examples, so
		 * an EINTR here is simply reported like any other error.
		 */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(list);
	if (fd < 0)
		set_err(err, errlen, step, strerror(saved));
	return fd;
}

int sockio_describe(int fd, bool peer, char *out, size_t outlen)
{
	/* sockaddr_storage is large enough for any address family, IPv6 included. */
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &sslen)
	              : getsockname(fd, (struct sockaddr *)&ss, &sslen);
	if (rc < 0)
		return -errno;

	char host[NI_MAXHOST];
	char port[NI_MAXSERV];
	int gai = getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof host, port, sizeof port,
	                      NI_NUMERICHOST | NI_NUMERICSERV);
	if (gai != 0)
		return -EINVAL;
	int n = snprintf(out, outlen, "%s port %s", host, port);
	if (n < 0 || (size_t)n >= outlen)
		return -ENOSPC;
	return 0;
}

int sockio_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		/*
		 * send() returns how many bytes the kernel took, which may be fewer than asked when the
		 * send buffer is nearly full (a slow reader on the other side). Ignoring that number is
		 * the classic silent bug: the end of the message just disappears.
		 */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue; /* a signal arrived before anything was sent: try again */
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void sockio_preview(char *out, size_t outlen, const char *line, size_t len)
{
	if (outlen == 0)
		return;
	static const char dots[] = "...";
	size_t room = outlen - 1;
	bool cut = len > room;
	size_t take = len;
	if (cut)
		take = room > sizeof dots - 1 ? room - (sizeof dots - 1) : 0;
	for (size_t i = 0; i < take; i++) {
		unsigned char c = (unsigned char)line[i];
		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	size_t n = take;
	if (cut) {
		for (size_t i = 0; i < sizeof dots - 1 && n < room; i++)
			out[n++] = dots[i];
	}
	out[n] = '\0';
}

int sockio_reader_init(struct sockio_reader *r, int fd, size_t max)
{
	/* One extra byte holds the newline, which the line itself does not count. */
	r->buf = malloc(max + 1);
	if (r->buf == NULL)
		return -ENOMEM;
	r->fd = fd;
	r->cap = max + 1;
	r->start = 0;
	r->end = 0;
	r->scanned = 0;
	r->discarding = false;
	return 0;
}

void sockio_reader_free(struct sockio_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

int sockio_reader_fill(struct sockio_reader *r)
{
	size_t room = r->cap - r->end;
	if (room > SOCKIO_READ_SIZE)
		room = SOCKIO_READ_SIZE;
	/*
	 * sockio_reader_next() keeps room free before it answers SOCKIO_NEED_MORE, so room is only
	 * 0 if the caller read without asking; report that instead of reading 0 bytes, which would
	 * look like end of file.
	 */
	if (room == 0)
		return -ENOBUFS;
	for (;;) {
		/* read() rather than recv(), so that the same reader works on standard input. */
		ssize_t n = read(r->fd, r->buf + r->end, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		r->end += (size_t)n;
		return (int)n;
	}
}

enum sockio_next sockio_reader_next(struct sockio_reader *r, char **line, size_t *len)
{
	for (;;) {
		/*
		 * Look for a newline only in the bytes not searched before, so that a long line arriving
		 * in many small pieces costs time proportional to its length, not to its length squared.
		 */
		char *from = r->buf + r->start + r->scanned;
		size_t left = r->end - r->start - r->scanned;
		char *nl = memchr(from, '\n', left);
		if (nl != NULL) {
			char *begin = r->buf + r->start;
			size_t n = (size_t)(nl - begin);
			r->start += n + 1;
			r->scanned = 0;
			if (r->discarding) {
				/* The end of a line that was too long: drop it and look for the next line. */
				r->discarding = false;
				continue;
			}
			*nl = '\0';
			if (n > 0 && begin[n - 1] == '\r')
				begin[--n] = '\0';
			*line = begin;
			*len = n;
			return SOCKIO_LINE;
		}
		r->scanned += left;

		if (r->discarding) {
			/* Still inside a line that was too long: its bytes are not needed. */
			r->start = r->end = r->scanned = 0;
			return SOCKIO_NEED_MORE;
		}
		if (r->end - r->start == r->cap) {
			/*
			 * The buffer holds max + 1 bytes and none is a newline: the line is longer than the
			 * maximum. Drop what we have and the rest of it up to its newline.
			 */
			r->start = r->end = r->scanned = 0;
			r->discarding = true;
			return SOCKIO_TOO_LONG;
		}
		/*
		 * Keep the start of the unfinished line at the front of the buffer, so that the free
		 * space is all at the end where the next read goes. This moves at most one partial line
		 * once per line, because start stays 0 until that line is complete.
		 */
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		return SOCKIO_NEED_MORE;
	}
}

int sockio_read_line(struct sockio_reader *r, char **line, size_t *len)
{
	for (;;) {
		switch (sockio_reader_next(r, line, len)) {
		case SOCKIO_LINE:
			return 1;
		case SOCKIO_TOO_LONG:
			return -EMSGSIZE;
		case SOCKIO_NEED_MORE:
			break;
		}
		int n = sockio_reader_fill(r);
		if (n <= 0)
			return n; /* 0 is end of file, below 0 an error */
	}
}

size_t sockio_reader_pending(const struct sockio_reader *r)
{
	return r->end - r->start;
}
