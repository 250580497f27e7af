/*
 * threaded/server.c: a TCP server with one thread per client, at most MAX_CLIENTS of them talking
 * at once. It greets each admitted client and acknowledges every line it sends, until the client
 * sends the line "salir" or closes the connection.
 *
 *     ./ex_threaded_server [HOST] PORT      e.g.  ./ex_threaded_server ::1 0
 *
 * The conversation, as a client sees it (the server's lines end with "\n"):
 *
 *     wait: the server is full (3 clients); you will be let in when someone leaves
 *                                   (only when 3 clients are already talking)
 *     welcome: you are client 4; type salir to leave
 *     hola                          (sent by the client)
 *     your message "hola" has been received
 *     salir                         (sent by the client)
 *     bye
 *
 * A line may be up to SOCKIO_LINE_MAX (64 KiB) long. A longer one is dropped, the client gets
 * "error: line longer than 65536 bytes; it was dropped" and the conversation goes on.
 *
 * Where the waiting happens. The classroom server took a place on the semaphore *before*
 * accept(), so its accept loop stopped while the server was full. That looks the same from afar,
 * but the kernel still completes the TCP handshake of new clients (up to the listen backlog):
 * their connect() succeeds and then nothing happens, with no way to tell "full" from "hung".
 * This server accepts at once and lets the client's own thread wait on the semaphore, after
 * telling the client it is waiting. The price: a waiting client costs a thread and a descriptor,
 * and nothing here limits how many may wait; charlad bounds its queue (--max-queue) instead.
 *
 * The server runs until it is killed (Ctrl-C). The operating system then closes every socket and
 * frees all memory. Saying goodbye to each client first, as charlad does, would need a signal
 * handler and a way to wake every thread blocked in read(), which is beyond this example.
 */
#include "../common/sockio.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* How many clients may talk at once; the semaphore starts with this many places. */
#define MAX_CLIENTS 3

/* The too-long message spells the limit out; this keeps the two from drifting apart. */
_Static_assert(SOCKIO_LINE_MAX == 65536, "update TOO_LONG_MSG");
#define TOO_LONG_MSG "error: line longer than 65536 bytes; it was dropped\n"

/*
 * What a client thread needs. main() allocates it for each connection and hands it to the
 * thread, which owns it from then on: the thread closes fd and frees the struct when it ends.
 */
struct client {
	int fd;
	unsigned long id;  /* 1, 2, 3... in the order of arrival, for the log */
	sem_t *places;     /* shared by all threads; lives in main(), which never returns */
};

/*
 * The log goes to stdout, one line per call. flockfile() holds stdout's lock over the text and its
 * newline, so lines from different threads never mix; fflush() makes each line visible at once,
 * even when stdout is a pipe.
 */
static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_line(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	flockfile(stdout); /* one lock around the text and its newline */
	vprintf(fmt, ap);
	putchar('\n');
	funlockfile(stdout);
	fflush(stdout);
	va_end(ap);
}

static int send_text(int fd, const char *text)
{
	return sockio_send_all(fd, text, strlen(text));
}

/* Sends `your message "LINE" has been received`, built in one buffer so it leaves in one piece. */
static int send_ack(int fd, const char *line, size_t len)
{
	static const char before[] = "your message \"";
	static const char after[] = "\" has been received\n";
	size_t total = sizeof before - 1 + len + sizeof after - 1;
	char *out = malloc(total);
	if (out == NULL)
		return -ENOMEM;
	memcpy(out, before, sizeof before - 1);
	memcpy(out + sizeof before - 1, line, len);
	memcpy(out + sizeof before - 1 + len, after, sizeof after - 1);
	int rc = sockio_send_all(fd, out, total);
	free(out);
	return rc;
}

/*
 * Takes one of the MAX_CLIENTS places, waiting if there is none. Returns 0 once the client holds
 * a place (it must sem_post() it later), or -1 if the client should just be closed.
 */
static int take_place(const struct client *c)
{
	/* sem_trywait() takes a place only if one is free, so we know whether we are about to wait. */
	if (sem_trywait(c->places) == 0)
		return 0;

	log_line("client %lu waits for a free place", c->id);
	char msg[128];
	int n = snprintf(msg, sizeof msg,
	                 "wait: the server is full (%d clients); you will be let in when someone leaves\n",
	                 MAX_CLIENTS);
	if (n < 0 || (size_t)n >= sizeof msg)
		return -1;
	/* If even this fails, the client is gone already: no need to wait for a place for it. */
	if (send_text(c->fd, msg) < 0)
		return -1;

	/*
	 * sem_wait() blocks this thread, and only this thread, until another client's thread calls
	 * sem_post(). A signal can interrupt it (EINTR); then we simply wait again.
	 */
	while (sem_wait(c->places) != 0) {
		if (errno != EINTR) {
			log_line("client %lu: sem_wait: %s", c->id, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The conversation with an admitted client, until it leaves. */
static void talk(const struct client *c)
{
	struct sockio_reader reader;
	if (sockio_reader_init(&reader, c->fd, SOCKIO_LINE_MAX) < 0) {
		log_line("client %lu: out of memory", c->id);
		return;
	}

	char welcome[128];
	int n = snprintf(welcome, sizeof welcome, "welcome: you are client %lu; type salir to leave\n",
	                 c->id);
	if (n < 0 || (size_t)n >= sizeof welcome || send_text(c->fd, welcome) < 0)
		goto out;

	for (;;) {
		char *line;
		size_t len;
		int rc = sockio_read_line(&reader, &line, &len);
		if (rc == -EMSGSIZE) {
			log_line("client %lu sent a line longer than %d bytes; dropped", c->id,
			         SOCKIO_LINE_MAX);
			if (send_text(c->fd, TOO_LONG_MSG) < 0)
				break;
			continue;
		}
		if (rc == 0) {
			/* Bytes after the last newline were never a complete line, so they are dropped. */
			log_line("client %lu closed the connection", c->id);
			break;
		}
		if (rc < 0) {
			log_line("client %lu: read: %s", c->id, strerror(-rc));
			break;
		}
		if (len == 5 && memcmp(line, "salir", 5) == 0) {
			(void)send_text(c->fd, "bye\n");
			log_line("client %lu said salir", c->id);
			break;
		}
		char shown[64];
		sockio_preview(shown, sizeof shown, line, len);
		log_line("client %lu: %zu bytes: %s", c->id, len, shown);
		rc = send_ack(c->fd, line, len);
		if (rc < 0) {
			log_line("client %lu: send: %s", c->id, strerror(-rc));
			break;
		}
	}
out:
	sockio_reader_free(&reader);
}

/* The body of each client thread. It owns ARG (a struct client) and frees it. */
static void *client_thread(void *arg)
{
	struct client *c = arg;
	if (take_place(c) == 0) {
		log_line("client %lu admitted", c->id);
		talk(c);
		/*
		 * Close before giving the place back, so that the next client is admitted only when
		 * this one is really gone.
		 */
		close(c->fd);
		sem_post(c->places);
		log_line("client %lu left", c->id);
	} else {
		close(c->fd);
		log_line("client %lu gave up waiting", c->id);
	}
	free(c);
	return NULL;
}

/* Starts a detached thread for the connection FD. On failure the connection is closed. */
static void start_client(int fd, unsigned long id, sem_t *places, const pthread_attr_t *attr)
{
	struct client *c = malloc(sizeof *c);
	if (c == NULL) {
		log_line("client %lu: out of memory; closing it", id);
		close(fd);
		return;
	}
	c->fd = fd;
	c->id = id;
	c->places = places;
	pthread_t tid;
	int rc = pthread_create(&tid, attr, client_thread, c);
	if (rc != 0) {
		/* pthread functions return the error number instead of setting errno. */
		log_line("client %lu: pthread_create: %s; closing it", id, strerror(rc));
		close(fd);
		free(c);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: %s [HOST] PORT\n", argv[0]);
		return 2;
	}
	const char *host = argc == 3 ? argv[1] : NULL;
	const char *port = argv[argc - 1];

	/* The second argument 0 means the semaphore is shared by threads, not by processes. */
	sem_t places;
	if (sem_init(&places, 0, MAX_CLIENTS) != 0) {
		fprintf(stderr, "sem_init: %s\n", strerror(errno));
		return 1;
	}
	/*
	 * Detached threads free their own resources when they end; nobody will pthread_join() them.
	 */
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0) {
		fprintf(stderr, "pthread_attr: cannot make detached threads\n");
		return 1;
	}

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
		return 1;
	}
	log_line("listening on %s", where);

	unsigned long next_id = 1;
	for (;;) {
		int cfd = accept(lfd, NULL, NULL);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue; /* a signal, or a client that left before we took it */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/*
				 * Out of descriptors or memory: the pending connection stays in the kernel's
				 * queue, so retrying at once would spin at full speed. Wait a little instead.
				 */
				log_line("accept: %s; retrying in 100 ms", strerror(errno));
				struct timespec pause = {0, 100 * 1000 * 1000};
				nanosleep(&pause, NULL);
				continue;
			}
			/*
			 * exit() rather than return: client threads still use the semaphore, which lives
			 * in main(), and main's variables stay valid during exit() but not after a return.
			 */
			fprintf(stderr, "accept: %s\n", strerror(errno));
			exit(1);
		}
		unsigned long id = next_id++;
		if (sockio_describe(cfd, true, where, sizeof where) == 0)
			log_line("client %lu connected from %s", id, where);
		start_client(cfd, id, &places, &attr);
	}
}
