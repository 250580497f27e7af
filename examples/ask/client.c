/*
 * ask/client.c: asks charlad's assistant questions through its "ask" port (charlad --ask-port).
 *
 *     ./ex_ask_client HOST PORT "What is TCP?"     one question, its answer, done
 *     ./ex_ask_client HOST PORT                    one question per line typed; salir ends
 *
 * The classroom "GPT chat" client sent each question with a bare send(), no newline, and read the
 * answer with a single recv(1024). Both halves were guesses about how TCP cuts a byte stream:
 *   - without a newline the server can only guess where a question ends (charlad waits for a short
 *     pause, for that old client's sake); a newline says it exactly;
 *   - one recv() returns whatever bytes have arrived so far, at most 1024: the start of a long
 *     answer, or, if the answer comes in several pieces, just the first piece. The rest stays in
 *     the socket and is then taken as the answer to the NEXT question.
 * This client frames both ways. It ends each question with "\n", and reads lines until the empty
 * line that ends every answer on the ask port (an answer is one or more non-empty lines, then an
 * empty line; see docs/protocol.md), however many recv() calls that takes.
 *
 * Answers go to stdout, nothing else does; messages about the connection go to stderr.
 */
#include "../common/sockio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Sends one question, ended by a newline, and prints its answer. Returns 0, or 1 after telling
 * the user what went wrong (the caller then stops).
 */
static int ask(int sock, struct sockio_reader *net, const char *question, size_t len)
{
	if (memchr(question, '\n', len) != NULL) {
		fprintf(stderr, "a question is one line\n");
		return 1;
	}
	/* Question and newline in one buffer, so the server gets them together. */
	char buf[SOCKIO_LINE_MAX + 1];
	if (len > SOCKIO_LINE_MAX) {
		fprintf(stderr, "question longer than %d bytes; not sent\n", SOCKIO_LINE_MAX);
		return 1;
	}
	memcpy(buf, question, len);
	buf[len] = '\n';
	int rc = sockio_send_all(sock, buf, len + 1);
	if (rc < 0) {
		fprintf(stderr, "sending: %s\n", strerror(-rc));
		return 1;
	}
	/* The answer: lines until an empty one. */
	for (;;) {
		char *line;
		size_t n;
		rc = sockio_read_line(net, &line, &n);
		if (rc == -EMSGSIZE) {
			fprintf(stderr, "the server sent a line too long to show; skipped\n");
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "reading the answer: %s\n", strerror(-rc));
			return 1;
		}
		if (rc == 0) {
			fprintf(stderr, "the server closed the connection before the answer ended\n");
			return 1;
		}
		if (n == 0)
			break;
		fwrite(line, 1, n, stdout);
		putchar('\n');
	}
	/* stdout may be a pipe: show the answer now, not when a buffer fills. */
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s HOST PORT [QUESTION]\n", argv[0]);
		return 2;
	}
	char err[256];
	int sock = sockio_connect(argv[1], argv[2], SOCK_STREAM, err, sizeof err);
	if (sock < 0) {
		fprintf(stderr, "cannot connect to %s port %s: %s\n", argv[1], argv[2], err);
		return 1;
	}
	struct sockio_reader net = {0};
	struct sockio_reader in = {0};
	int status = 1;
	if (sockio_reader_init(&net, sock, SOCKIO_LINE_MAX) < 0 ||
	    sockio_reader_init(&in, STDIN_FILENO, SOCKIO_LINE_MAX) < 0) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}

	if (argc == 4) {
		status = ask(sock, &net, argv[3], strlen(argv[3]));
		goto out;
	}

	fprintf(stderr, "connected; type a question per line, salir to leave\n");
	for (;;) {
		char *line;
		size_t len;
		int rc = sockio_read_line(&in, &line, &len);
		if (rc == -EMSGSIZE) {
			fprintf(stderr, "line longer than %d bytes; not sent\n", SOCKIO_LINE_MAX);
			continue;
		}
		if (rc <= 0) {
			/* End of input (Ctrl-D) or an error: leave as "salir" would. */
			status = rc == 0 ? 0 : 1;
			break;
		}
		if (len == 5 && memcmp(line, "salir", 5) == 0) {
			status = 0;
			break;
		}
		if (len == 0)
			continue;
		if (ask(sock, &net, line, len) != 0)
			break;
	}
out:
	sockio_reader_free(&in);
	sockio_reader_free(&net);
	close(sock);
	return status;
}
