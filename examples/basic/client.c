/*
 * basic/client.c: connects to basic/server.c, sends one message and prints the answer.
 *
 *     ./ex_basic_client HOST PORT [MESSAGE]     e.g.  ./ex_basic_client ::1 5000
 *
 * MESSAGE defaults to "Hola, servidor!". The client adds the newline that ends the message: that
 * newline is the framing, the way the server knows where the message stops inside the TCP byte
 * stream.
 */
#include "../common/sockio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Sends MSG followed by a newline, as one buffer. */
static int send_message(int fd, const char *msg)
{
	size_t len = strlen(msg);
	if (memchr(msg, '\n', len) != NULL)
		return -EINVAL; /* a newline inside would end the message early */
	char *out = malloc(len + 1);
	if (out == NULL)
		return -ENOMEM;
	memcpy(out, msg, len);
	out[len] = '\n';
	int rc = sockio_send_all(fd, out, len + 1);
	free(out);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: %s HOST PORT [MESSAGE]\n", argv[0]);
		return 2;
	}
	const char *msg = argc == 4 ? argv[3] : "Hola, servidor!";
	if (strlen(msg) > SOCKIO_LINE_MAX || strchr(msg, '\n') != NULL) {
		fprintf(stderr, "the message must be one line of at most %d bytes\n", SOCKIO_LINE_MAX);
		return 2;
	}

	char err[256];
	int fd = sockio_connect(argv[1], argv[2], SOCK_STREAM, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "cannot connect to %s port %s: %s\n", argv[1], argv[2], err);
		return 1;
	}

	int status = 1;
	struct sockio_reader reader = {0};
	int rc = send_message(fd, msg);
	if (rc < 0) {
		fprintf(stderr, "send: %s\n", strerror(-rc));
		goto out;
	}
	/*
	 * We have nothing more to send, and say so: shutdown(SHUT_WR) sends the end-of-file mark
	 * while we can still read. It costs nothing and lets a server that reads "until the end"
	 * finish too.
	 */
	if (shutdown(fd, SHUT_WR) < 0) {
		fprintf(stderr, "shutdown: %s\n", strerror(errno));
		goto out;
	}

	/* The answer quotes our message, so it may be a little longer than SOCKIO_LINE_MAX. */
	if (sockio_reader_init(&reader, fd, 2 * SOCKIO_LINE_MAX) < 0) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	char *line;
	size_t len;
	rc = sockio_read_line(&reader, &line, &len);
	if (rc == 1) {
		fwrite(line, 1, len, stdout);
		putchar('\n');
		status = 0;
	} else if (rc == 0) {
		fprintf(stderr, "the server closed the connection without answering\n");
	} else {
		fprintf(stderr, "read: %s\n", strerror(-rc));
	}
out:
	sockio_reader_free(&reader);
	close(fd);
	if (fflush(stdout) != 0)
		status = 1;
	return status;
}
