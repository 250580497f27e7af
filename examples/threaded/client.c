/*
 * threaded/client.c: talks to threaded/server.c. Each line typed is sent to the server; each line
 * the server sends is printed. Typing "salir" (alone on a line) ends the conversation.
 *
 *     ./ex_threaded_client HOST PORT       e.g.  ./ex_threaded_client 127.0.0.1 5000
 *
 * The classroom client did "send a line, then recv() once" in a loop. That breaks in two ways:
 * the server also speaks on its own (the welcome, the "wait" notice), and one recv() is not one
 * line. This client watches both of its inputs, the keyboard and the socket, with poll(), and
 * handles whichever has data, so neither can block the other. It is a tiny event loop, the same
 * idea charlad is built on.
 *
 * After "salir" (or at the end of standard input, Ctrl-D) the client stops reading the keyboard
 * but keeps printing what the server sends until the server closes the connection, so that no
 * answer is lost. While the server keeps the client waiting for a place, that includes waiting.
 *
 * Informational messages go to stderr; stdout carries exactly the server's lines.
 */
#include "../common/sockio.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Sends one line typed by the user. The reader replaced its newline with a NUL; we put the
 * newline back (the reader allows changing line[len]) and send the line with it, in one piece.
 */
static int send_line(int fd, char *line, size_t len)
{
	line[len] = '\n';
	return sockio_send_all(fd, line, len + 1);
}

/*
 * Handles what standard input brought. Returns 1 while the user keeps typing, 0 once the
 * conversation is over on our side ("salir" sent, or end of input), or a negative errno value.
 */
static int on_keyboard(struct sockio_reader *in, int sock)
{
	int n = sockio_reader_fill(in);
	if (n < 0)
		return n;
	if (n == 0) {
		/*
		 * End of input. shutdown(SHUT_WR) tells the server "nothing more from me" while we
		 * can still read its last answers; the server then closes, and so do we.
		 */
		if (sockio_reader_pending(in) > 0)
			fprintf(stderr, "the last line has no newline; it was not sent\n");
		fprintf(stderr, "end of input; waiting for the server to close\n");
		if (shutdown(sock, SHUT_WR) < 0)
			return -errno;
		return 0;
	}
	/* One read may have brought several lines (pasted text, or a pipe): handle them all. */
	for (;;) {
		char *line;
		size_t len;
		enum sockio_next got = sockio_reader_next(in, &line, &len);
		if (got == SOCKIO_NEED_MORE)
			return 1;
		if (got == SOCKIO_TOO_LONG) {
			fprintf(stderr, "line longer than %d bytes; not sent\n", SOCKIO_LINE_MAX);
			continue;
		}
		bool salir = len == 5 && memcmp(line, "salir", 5) == 0;
		int rc = send_line(sock, line, len);
		if (rc < 0)
			return rc;
		if (salir) {
			/* Lines typed after "salir" are not sent: the server would not read them. */
			return 0;
		}
	}
}

/*
 * Prints what the server sent. Returns 1 while the connection is open, 0 when the server has
 * closed it, or a negative errno value.
 */
static int on_server(struct sockio_reader *net)
{
	int n = sockio_reader_fill(net);
	if (n <= 0)
		return n;
	for (;;) {
		char *line;
		size_t len;
		enum sockio_next got = sockio_reader_next(net, &line, &len);
		if (got == SOCKIO_NEED_MORE)
			break;
		if (got == SOCKIO_TOO_LONG) {
			fprintf(stderr, "the server sent a line too long to show; skipped\n");
			continue;
		}
		fwrite(line, 1, len, stdout);
		putchar('\n');
	}
	/* stdout may be a pipe (a test, or `| tee`): show the lines now, not when a buffer fills. */
	if (fflush(stdout) != 0)
		return -errno;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
		return 2;
	}
	char err[256];
	int sock = sockio_connect(argv[1], argv[2], SOCK_STREAM, err, sizeof err);
	if (sock < 0) {
		fprintf(stderr, "cannot connect to %s port %s: %s\n", argv[1], argv[2], err);
		return 1;
	}
	fprintf(stderr, "connected; type lines to send, salir to leave\n");

	/*
	 * The server's answers quote our lines, so they can be a little longer than our own limit.
	 */
	struct sockio_reader in = {0};
	struct sockio_reader net = {0};
	int status = 1;
	if (sockio_reader_init(&in, STDIN_FILENO, SOCKIO_LINE_MAX) < 0 ||
	    sockio_reader_init(&net, sock, 2 * SOCKIO_LINE_MAX) < 0) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}

	bool typing = true; /* still reading the keyboard */
	for (;;) {
		/* A negative fd tells poll() to ignore that entry: how we stop watching the keyboard. */
		struct pollfd fds[2] = {
			{.fd = sock, .events = POLLIN},
			{.fd = typing ? STDIN_FILENO : -1, .events = POLLIN},
		};
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "poll: %s\n", strerror(errno));
			goto out;
		}
		/* POLLHUP and POLLERR also mean "a read will not block": it returns 0 or the error. */
		if (fds[0].revents != 0) {
			int rc = on_server(&net);
			if (rc < 0) {
				fprintf(stderr, "reading from the server: %s\n", strerror(-rc));
				goto out;
			}
			if (rc == 0) {
				if (typing)
					fprintf(stderr, "the server closed the connection\n");
				/* Leaving normally is success; being left by the server is not. */
				status = typing ? 1 : 0;
				goto out;
			}
		}
		if (typing && fds[1].revents != 0) {
			int rc = on_keyboard(&in, sock);
			if (rc < 0) {
				fprintf(stderr, "sending: %s\n", strerror(-rc));
				goto out;
			}
			typing = rc == 1;
		}
	}
out:
	sockio_reader_free(&in);
	sockio_reader_free(&net);
	close(sock);
	return status;
}
