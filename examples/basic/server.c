/*
 * basic/server.c: the smallest correct TCP server. It waits for one client, reads one message
 * (one line), answers it and exits.
 *
 *     ./ex_basic_server [HOST] PORT       e.g.  ./ex_basic_server 127.0.0.1 5000
 *
 * HOST may be an IPv4 or IPv6 address or a name; without it the server listens on every local
 * address, IPv6 and IPv4. PORT 0 lets the kernel choose a free port; the first line printed says
 * which one ("listening on 127.0.0.1 port 40123").
 *
 * What the classroom version got wrong, and this one does instead:
 *  - It took one recv(1024) as one whole message. TCP carries a stream of bytes, not messages:
 *    one recv() may return half a message, or two messages glued together. Here a message is a
 *    line, and the server reads until it has seen the newline (sockio_read_line).
 *  - It ignored how many bytes send() actually sent. Here sockio_send_all() loops until every
 *    byte is gone.
 *  - It checked no errors. Here every call is checked, and the reason is printed.
 */
#include "../common/sockio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The error message below spells the limit out; this stops the two from drifting apart. */
_Static_assert(SOCKIO_LINE_MAX == 65536, "update the too-long message in serve()");

/* Sends the answer: a greeting that quotes the whole message back, so the client can check it. */
static int reply(int fd, const char *msg, size_t len)
{
	static const char before[] = "Hola, cliente! Mensaje recibido: \"";
	static const char after[] = "\"\n";
	/*
	 * One buffer and one send_all() rather than three sends: three small writes could leave as
	 * three small TCP segments, and the message is easier to reason about in one piece.
	 */
	size_t total = sizeof before - 1 + len + sizeof after - 1;
	char *out = malloc(total);
	if (out == NULL)
		return -ENOMEM;
	memcpy(out, before, sizeof before - 1);
	memcpy(out + sizeof before - 1, msg, len);
	memcpy(out + sizeof before - 1 + len, after, sizeof after - 1);
	int rc = sockio_send_all(fd, out, total);
	free(out);
	return rc;
}

/* Reads one line from the connected client FD and answers it. Returns 0 or 1 (the exit status). */
static int serve(int fd)
{
	struct sockio_reader reader;
	if (sockio_reader_init(&reader, fd, SOCKIO_LINE_MAX) < 0) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}

	int status = 1;
	char *line;
	size_t len;
	int rc = sockio_read_line(&reader, &line, &len);
	if (rc == 1) {
		char shown[80];
		sockio_preview(shown, sizeof shown, line, len);
		printf("received %zu bytes: %s\n", len, shown);
		rc = reply(fd, line, len);
		if (rc < 0)
			fprintf(stderr, "send: %s\n", strerror(-rc));
		else
			status = 0;
	} else if (rc == 0) {
		/* End of file before the newline: whatever arrived is not a complete message. */
		fprintf(stderr, "the client closed the connection after %zu bytes without a newline\n",
		        sockio_reader_pending(&reader));
	} else if (rc == -EMSGSIZE) {
		fprintf(stderr, "the message is longer than %d bytes; refusing it\n", SOCKIO_LINE_MAX);
		static const char msg[] = "error: message longer than 65536 bytes\n";
		rc = sockio_send_all(fd, msg, sizeof msg - 1);
		if (rc < 0)
			fprintf(stderr, "send: %s\n", strerror(-rc));
	} else {
		fprintf(stderr, "read: %s\n", strerror(-rc));
	}
	sockio_reader_free(&reader);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s [HOST] PORT\n", argv[0]);
		return 2;
	}
	const char *host = argc == 3 ? argv[1] : NULL;
	const char *port = argv[argc - 1];

	char err[256];
	int lfd = sockio_bind(host, port, SOCK_STREAM, err, sizeof err);
	if (lfd < 0) {
		fprintf(stderr, "cannot listen on %s port %s: %s\n", host ? host : "*", port, err);
		return 1;
	}
	char where[128];
	int rc = sockio_describe(lfd, false, where, sizeof where);
	if (rc < 0) {
		fprintf(stderr, "getsockname: %s\n", strerror(-rc));
		close(lfd);
		return 1;
	}
	/*
	 * stdout is a pipe when a test (or another program) reads it, and then stdio keeps output in
	 * a buffer until it is full. fflush() makes the port visible at once.
	 */
	printf("listening on %s\n", where);
	fflush(stdout);

	int cfd;
	do {
		/*
		 * accept() takes the next connection whose handshake the kernel has already finished.
		 * It is retried on EINTR (a signal) and ECONNABORTED (the client gave up while waiting).
		 */
		cfd = accept(lfd, NULL, NULL);
	} while (cfd < 0 && (errno == EINTR || errno == ECONNABORTED));
	if (cfd < 0) {
		fprintf(stderr, "accept: %s\n", strerror(errno));
		close(lfd);
		return 1;
	}
	close(lfd); /* one client only: nobody else may connect from now on */

	if (sockio_describe(cfd, true, where, sizeof where) == 0)
		printf("connection from %s\n", where);
	int status = serve(cfd);
	/*
	 * A subtle point about close(): if the client had sent more than we read, the kernel would
	 * answer close() with a reset (RST), and the client could lose our reply. Our client sends
	 * exactly one line, so a plain close() is enough. A careful server would first shutdown() its
	 * sending side and read until the client closes.
	 */
	close(cfd);
	fflush(stdout);
	return status;
}
