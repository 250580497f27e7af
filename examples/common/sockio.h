/*
 * sockio: the few socket helpers that every classroom example needs.
 *
 * Each example (basic/, threaded/, udp/) keeps its own story in its main() and calls these helpers
 * for the steps that are the same everywhere: turning a host and a port into a socket with
 * getaddrinfo(), sending a whole buffer although send() may send only part of it, and cutting a
 * TCP byte stream into lines. Read this header once; after that, each example reads on its own.
 *
 * Ownership: nothing here keeps global state. A struct sockio_reader owns one heap buffer, freed by
 * sockio_reader_free(); it never closes the file descriptor it reads from, the caller does.
 * Errors: functions that do I/O return 0 (or a count) on success and a negative errno value on
 * failure, so that a caller can print strerror(-rc). Setup functions fill a caller's err[] instead.
 */
#ifndef CHARLA_EXAMPLES_SOCKIO_H
#define CHARLA_EXAMPLES_SOCKIO_H

#include <stddef.h>
#include <stdbool.h>

/*
 * The longest line the examples accept, in bytes, not counting the newline. 64 KiB is far more
 * than a person types, and small enough that one buffer per client is cheap. A longer line is not
 * cut silently: the reader reports it (SOCKIO_TOO_LONG) and drops it whole.
 */
#define SOCKIO_LINE_MAX 65536

/*
 * One read() asks the kernel for at most this many bytes, like the classroom's recv(1024). A line
 * longer than this always takes several reads, which is exactly the case the framing must get
 * right; and even a short line may arrive in pieces, because TCP delivers bytes, not messages.
 */
#define SOCKIO_READ_SIZE 4096

/*
 * Creates a socket bound to HOST and PORT. SOCKTYPE is SOCK_STREAM (TCP; the socket is also put
 * in the listening state) or SOCK_DGRAM (UDP). HOST may be a name or a numeric IPv4 or IPv6
 * address; NULL means every local address, IPv6 and IPv4 together where the system allows it.
 * PORT "0" asks the kernel for a free port; use sockio_describe() to learn which one it chose.
 * Returns the file descriptor, or -1 after writing the reason into err[errlen].
 */
int sockio_bind(const char *host, const char *port, int socktype, char *err, size_t errlen);

/*
 * Creates a socket connected to HOST and PORT, trying each address getaddrinfo() returns (a name
 * may have an IPv6 and an IPv4 address) until one works. For SOCK_DGRAM, "connected" only fixes
 * the default destination: no packet is sent. Returns the descriptor, or -1 and err[] filled.
 */
int sockio_connect(const char *host, const char *port, int socktype, char *err, size_t errlen);

/*
 * Writes "ADDRESS port PORT" for the local end of FD (PEER false) or the remote end (PEER true)
 * into out[outlen], numerically (no DNS lookups). Returns 0, or a negative errno value.
 */
int sockio_describe(int fd, bool peer, char *out, size_t outlen);

/*
 * Sends all LEN bytes of BUF, calling send() as often as needed: send() may accept only part of
 * the buffer (the socket's send buffer is full), or be interrupted by a signal (EINTR) before it
 * sends anything. Never raises SIGPIPE when the peer has gone; that comes back as -EPIPE.
 * Returns 0 when every byte was handed to the kernel, or a negative errno value.
 */
int sockio_send_all(int fd, const void *buf, size_t len);

/*
 * Copies LINE (LEN bytes) into out[outlen] as printable text for a log: every ASCII control byte
 * and DEL becomes '?', so that a client cannot move the cursor or change colours in the server's
 * terminal, and a long line is cut with "..." at the end. Other bytes pass, so UTF-8 text stays
 * readable. Always NUL-terminates a non-empty out.
 */
void sockio_preview(char *out, size_t outlen, const char *line, size_t len);

/*
 * A line reader: it turns the bytes of a stream (a socket, or standard input) into lines ending
 * with "\n" (a "\r" just before it is removed too, for telnet). It buffers what arrived after the
 * last complete line, so a line may arrive in many reads and one read may bring several lines.
 * The fields are private; they are here only so that a reader can live inside another struct.
 */
struct sockio_reader {
	int fd;          /* where bytes come from; not owned */
	char *buf;       /* max + 1 bytes: a whole line plus its newline */
	size_t cap;      /* size of buf */
	size_t start;    /* first byte not yet returned as part of a line */
	size_t end;      /* one past the last byte read */
	size_t scanned;  /* bytes after start already known to contain no newline */
	bool discarding; /* dropping the rest of a line that was too long */
};

/* What sockio_reader_next() found in the buffer. */
enum sockio_next {
	SOCKIO_LINE,      /* a complete line: see *line and *len */
	SOCKIO_NEED_MORE, /* no complete line buffered: read more with sockio_reader_fill() */
	SOCKIO_TOO_LONG,  /* a line passed the maximum; it is being dropped, up to its newline */
};

/*
 * Prepares R to read lines of at most MAX bytes (before the newline) from FD.
 * Returns 0, or -ENOMEM.
 */
int sockio_reader_init(struct sockio_reader *r, int fd, size_t max);

/* Releases R's buffer. Does not close its descriptor. */
void sockio_reader_free(struct sockio_reader *r);

/*
 * Reads once from the descriptor (at most SOCKIO_READ_SIZE bytes) into the buffer. Call it after
 * sockio_reader_next() said SOCKIO_NEED_MORE. Returns the number of bytes read, 0 at end of file
 * (the peer closed its side), or a negative errno value. Blocks if the descriptor has no data.
 */
int sockio_reader_fill(struct sockio_reader *r);

/*
 * Takes the next complete line out of the buffer, without reading. On SOCKIO_LINE, *line points at
 * *len bytes inside the reader's buffer, followed by a NUL (so it is also a C string, unless the
 * line itself holds a NUL byte). The line stays valid, and the caller may change its bytes
 * (including line[*len]), until the next call on this reader. SOCKIO_TOO_LONG is reported once per
 * long line, as soon as the line passes the maximum, so that the peer can be told early.
 */
enum sockio_next sockio_reader_next(struct sockio_reader *r, char **line, size_t *len);

/*
 * The blocking way to use a reader: returns 1 with the next line (as sockio_reader_next()), reading
 * as often as needed; 0 at end of file; -EMSGSIZE for a line that was too long (it is dropped:
 * calling again returns the line after it); or another negative errno value.
 */
int sockio_read_line(struct sockio_reader *r, char **line, size_t *len);

/*
 * Bytes buffered after the last complete line: at end of file, the start of a line whose newline
 * never came. A protocol that needs the newline treats them as an incomplete message.
 */
size_t sockio_reader_pending(const struct sockio_reader *r);

#endif
